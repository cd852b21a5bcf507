/*
 * fuzz_api.c - the HTTP API as a client on the office LAN sees it: the real server
 * (http_server_start, libmicrohttpd) on a loopback port of this process, over the real
 * service on a temporary SQLite database. What ktpel itself parses is reached this way:
 * routing and path parameters, body limits, the session cookie, JSON bodies of every use
 * case (the service's own validation behind them), raw uploads (biometric images, the QR
 * scan), query strings and static file paths.
 *
 * Input (text, then raw bytes):
 *     ROLE METHOD TARGET\n                 ROLE: - (no session), kiosk (the registered
 *     [Name: VALUE\n]...                         kiosk's secret), intake, operator,
 *     BODY...                                    handover, supervisor, admin
 *                                          TARGET: path and query, sent byte for byte
 *                                           (bytes that cannot appear raw are %-escaped,
 *                                           so the server sees exactly these bytes)
 *                                          Name: Content-Type, Origin, Sec-Fetch-Site,
 *                                           X-Ktpel-Kiosk or X-Forwarded-For (what the
 *                                           server reads); others start the body
 * The harness adds Host, Origin (the server's own, as a browser on the page would) and
 * Content-Type application/json unless the input gives them, the role's session cookie or
 * kiosk secret, Content-Length and Connection: close, and reads the whole reply.
 *
 * The server runs as it does behind the office's TLS proxy (tls_proxy 127.0.0.1: the public
 * scheme is https and X-Forwarded-For names the client), so the forwarded address is parsed
 * too. Its per-client request rate, the registered kiosk's ticket rate and the citizens'
 * routes' budgets (public_per_min) are switched off (HTTP_OFF): a fuzzer sends thousands of
 * requests a second from one address and would otherwise see only 429s. The ticket budget of unregistered clients stays on (6 an hour per
 * address: a fuzzed X-Forwarded-For is a new address); the kiosk role takes tickets past it.
 *
 * Checks, besides the sanitizers: every request gets an HTTP reply; no reply is a 500 (bad
 * input is the client's fault: a 4xx with a reason; 503 = a part that is not installed);
 * no reply carries /etc/passwd unless the request did (a path traversal canary).
 *
 * State: like a real server, the database keeps what each request changed (tickets taken,
 * applications moved); setup gives it residents, an application in each early state and a
 * session per role. A session the input ended (logout, an admin's revoke) is made again.
 * The harness's users are its own (svc_user_add, never the demo accounts, which must change
 * their password before anything else); an input that locks, disables or resets one, or
 * changes its password, makes the harness add its users again under new names (fz_ROLE1,
 * fz_ROLE2, ...), logging in from an address of their own so the fuzzer's failed logins
 * cannot throttle them. A crash that needs the requests before it is replayed with the whole
 * corpus (docs/fuzzing.md).
 * FUZZ_API_VERBOSE=1 in the environment prints every request with its status and reply.
 *
 * Not fuzzed (their effects leave the harness's folder or never end): POST
 * /api/admin/backup (writes and rotates backups in a folder the body names) and the event
 * streams GET /api/events and /api/events/staff (they stay open).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <sodium.h>
#include <sys/stat.h>

#include "../tbytes.h"
#include "doc/token.h"
#include "fuzz_svc.h"
#include "http/http.h"

#define NROLES 5
#define KIOSK_ROLE NROLES /* ri of the role "kiosk" */

static const char *const roles[NROLES] = {"intake", "operator", "handover", "supervisor",
                                          "admin"};
static const int role_loket[NROLES] = {1, 2, 3, 0, 0};
static char tokens[NROLES][65];
static int user_gen; /* bumped when a user has to be made again */
static char kiosk_secret[65];

static svc *S;
static http_server *srv;
static uint16_t port;
static int verbose; /* FUZZ_API_VERBOSE=1: print each request's status and reply */

static void stop_all(void)
{
    if (srv != NULL)
        http_server_stop(srv);
    if (S != NULL)
        svc_close(S);
}

static void die(const char *what, const kt_error *err)
{
    fprintf(stderr, "fuzz_api setup: %s: %s %s %s\n", what, err->id, err->field, err->message);
    abort();
}

/* A session for role i: log its user in, making the users (again) when it cannot (an input
   locked, disabled or reset the account, or changed its password). The harness's logins give
   the client "fuzz-setup-N", N the users' generation: an address of their own, so the
   fuzzer's failed logins over HTTP (from 127.0.0.1 or a forwarded address) never throttle
   them, and each generation's one failure counts against a fresh one. */
static void login(int i)
{
    char name[64], pass[64], client[32];
    kt_error err;
    svc_actor a;
    for (int attempt = 0; attempt < 2; attempt++) {
        snprintf(name, sizeof name, "fz_%s%d", roles[i], user_gen);
        snprintf(pass, sizeof pass, "fuzz-%s-password-%d", roles[i], user_gen);
        snprintf(client, sizeof client, "fuzz-setup-%d", user_gen);
        if (svc_login(S, name, pass, role_loket[i], client, tokens[i], &a, &err) == KT_OK) {
            if (!a.must_change_password)
                return;
            svc_logout(S, tokens[i], &err); /* only its password change would be allowed */
        }
        user_gen++;
        for (int k = 0; k < NROLES; k++) {
            svc_actor sys = svc_system_actor();
            json_t *in, *out = NULL;
            snprintf(name, sizeof name, "fz_%s%d", roles[k], user_gen);
            snprintf(pass, sizeof pass, "fuzz-%s-password-%d", roles[k], user_gen);
            in = role_loket[k] ? json_pack("{s:s,s:s,s:s,s:s,s:i}", "username", name,
                                           "full_name", "Petugas Uji", "role", roles[k],
                                           "password", pass, "loket", role_loket[k])
                               : json_pack("{s:s,s:s,s:s,s:s}", "username", name, "full_name",
                                           "Petugas Uji", "role", roles[k], "password", pass);
            if (svc_user_add(S, &sys, in, &out, &err) != KT_OK)
                die("user_add", &err);
            json_decref(in);
            json_decref(out);
        }
    }
    die("login", &err);
}

/* Register the harness's kiosk (again, when an input revoked it). */
static void kiosk_add(void)
{
    svc_actor sys = svc_system_actor();
    json_t *in = json_pack("{s:s}", "name", "Kios fuzz"), *out = NULL;
    kt_error err;
    if (svc_kiosk_add(S, &sys, in, &out, &err) != KT_OK)
        die("kiosk_add", &err);
    snprintf(kiosk_secret, sizeof kiosk_secret, "%s",
             json_string_value(json_object_get(out, "token")));
    json_decref(in);
    json_decref(out);
}

/* Residents of Kecamatan Neglasari the setup's applications are for (valid NIKs, adults
   without a card). */
static const char siak[] =
    "nik,kk_number,name,birth_place,birth_date,sex,agama,marital_status,pekerjaan,"
    "kelurahan_code,ktp_status\n"
    "3671104508900001,3671100101090001,SITI AMINAH,TANGERANG,1990-08-05,P,1,2,2,3671101001,"
    "UNREGISTERED\n"
    "3671101203950002,3671100101090002,BUDI HARTONO,TANGERANG,1995-03-12,L,1,1,15,3671101002,"
    "UNREGISTERED\n"
    "3671106111000003,3671100101090003,DEWI LESTARI,JAKARTA,2000-11-21,P,2,1,3,3671101003,"
    "UNREGISTERED\n"
    "3671100707880004,3671100101090004,AGUS SALIM,BOGOR,1988-07-07,L,1,2,15,3671101004,"
    "UNREGISTERED\n";

/* An application for nik opened at loket 1 and (checked = 1) its documents checked. */
static void open_app(const char *nik, int checked)
{
    svc_actor in;
    memset(&in, 0, sizeof in);
    in.user_id = 1;
    snprintf(in.username, sizeof in.username, "setup");
    snprintf(in.role, sizeof in.role, "intake");
    in.loket = 1;
    kt_error err;
    json_t *t = NULL, *c = NULL, *a = NULL, *k = NULL;
    json_t *req = json_pack("{s:s}", "service", "rekam_baru");
    json_t *call = json_pack("{s:i,s:[s]}", "loket", 1, "services", "rekam_baru");
    if (svc_ticket_take(S, req, &t, &err) != KT_OK)
        die("ticket_take", &err);
    if (svc_ticket_call_next(S, &in, call, &c, &err) != KT_OK)
        die("call_next", &err);
    json_t *o = json_pack("{s:O,s:s,s:s}", "ticket_id", json_object_get(c, "id"), "nik", nik,
                          "kind", "baru");
    if (svc_app_open(S, &in, o, &a, &err) != KT_OK)
        die("app_open", &err);
    if (checked) {
        json_t *docs = json_pack("{s:[s,s,s,s]}", "documents", "pengantar_rt_rw", "f107",
                                 "kk_copy", "ijazah_akta");
        if (svc_app_check(S, &in, json_integer_value(json_object_get(a, "id")), docs, &k,
                          &err) != KT_OK)
            fprintf(stderr, "fuzz_api setup: check: %s (application stays open)\n",
                    err.message);
        json_decref(docs);
    }
    json_decref(req);
    json_decref(call);
    json_decref(o);
    json_decref(t);
    json_decref(c);
    json_decref(a);
    json_decref(k);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char db[300], csv[300];
    const char *dir = fz_dir("api");
    kt_error err;
    snprintf(csv, sizeof csv, "%s/siak.csv", dir);
    S = fz_svc_open("api", 0, db);
    atexit(stop_all);
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    /* The office's receipt key beside the database (records.c), fuzz_token's fixed one. */
    char key[300], pub[300], hex[2 * TOK_PUBLIC_LEN + 2];
    tok_keys keys;
    snprintf(key, sizeof key, "%s/receipt.key", dir);
    snprintf(pub, sizeof pub, "%s/receipt.pub", dir);
    fz_write_file(key, FZ_OFFICE_SEED_HEX, sizeof FZ_OFFICE_SEED_HEX - 1);
    if (chmod(key, 0600) != 0 || tok_load_secret(key, &keys, &err) != KT_OK)
        die("receipt key", &err);
    sodium_bin2hex(hex, sizeof hex - 1, keys.pk, sizeof keys.pk);
    strcat(hex, "\n");
    fz_write_file(pub, hex, strlen(hex));
    tok_keys_wipe(&keys);
    fz_write_file(csv, siak, sizeof siak - 1);
    if (svc_import_siak(S, &sys, csv, 0, &out, &err) != KT_OK)
        die("import_siak", &err);
    json_decref(out);
    for (int i = 0; i < NROLES; i++)
        login(i);
    kiosk_add();
    open_app("3671104508900001", 1); /* application 1: checked, ready to record */
    open_app("3671101203950002", 1); /* application 2: checked */
    open_app("3671106111000003", 0); /* application 3: opened */

    http_config hc;
    memset(&hc, 0, sizeof hc);
    hc.listen = "127.0.0.1:0";
    hc.quiet = 1;
    hc.timeout_s = 20;
    hc.tls_proxy = "127.0.0.1";
    hc.rate_per_s = HTTP_OFF;
    hc.kiosk_per_min = HTTP_OFF;
    hc.public_per_min = HTTP_OFF; /* the citizens' routes' own budgets (issue 13) */
    if (http_server_start(&hc, S, &srv, &err) != KT_OK)
        die("http_server_start", &err);
    port = http_server_port(srv);
    verbose = getenv("FUZZ_API_VERBOSE") != NULL;
    return 0;
}

/* Bytes a request target may carry as they are (RFC 3986 unreserved, sub-delims, ':' '@'
   '/' '?'); everything else, '%' included, goes %-escaped. */
static int target_raw_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-._~!$&'()*+,;=:@/?", c) != NULL;
}

/* Send one request, read the whole reply into *reply. 0 ok, -1 no reply. */
static int exchange(const t_bytes *req, t_bytes *reply)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), rc = -1;
    struct sockaddr_in sa;
    struct timeval tv = {60, 0};
    if (fd < 0)
        abort();
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("fuzz_api: connect");
        abort();
    }
    size_t off = 0;
    while (off < req->n) {
        ssize_t w = send(fd, req->p + off, req->n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* the server may answer (413) and close before the body is sent */
        off += (size_t)w;
    }
    for (;;) {
        char chunk[8192];
        ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        t_put(reply, chunk, (size_t)r);
    }
    if (reply->n > 0)
        rc = 0;
    close(fd);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size, *nl = memchr(data, '\n', size);
    if (nl == NULL)
        return 0;
    /* "ROLE METHOD TARGET" */
    char head[1024];
    size_t hl = (size_t)(nl - data);
    if (hl >= sizeof head)
        return 0;
    memcpy(head, data, hl);
    head[hl] = '\0';
    char *role = head, *method = strchr(role, ' '), *target;
    if (method == NULL)
        return 0;
    *method++ = '\0';
    if ((target = strchr(method, ' ')) == NULL)
        return 0;
    *target++ = '\0';
    size_t ml = strlen(method);
    if (ml == 0 || ml > 7 || target[0] != '/')
        return 0;
    for (size_t i = 0; i < ml; i++)
        if (method[i] < 'A' || method[i] > 'Z')
            return 0;
    int ri = -1;
    for (int i = 0; i < NROLES; i++)
        if (strcmp(role, roles[i]) == 0)
            ri = i;
    if (strcmp(role, "kiosk") == 0)
        ri = KIOSK_ROLE;
    if (ri < 0 && strcmp(role, "-") != 0)
        return 0;
    if (strncmp(target, "/api/events", 11) == 0 || strncmp(target, "/api/admin/backup", 17) == 0)
        return 0;

    /* Header lines the server reads; the first other line starts the body. */
    static const char *const names[] = {"Content-Type", "Origin", "Sec-Fetch-Site",
                                        "X-Ktpel-Kiosk", "X-Forwarded-For"};
    const uint8_t *body = nl + 1;
    t_bytes extra = {0};
    int has_ctype = 0, has_origin = 0;
    for (;;) {
        size_t k, nlen = 0;
        for (k = 0; k < sizeof names / sizeof names[0]; k++) {
            nlen = strlen(names[k]);
            if ((size_t)(end - body) > nlen + 1 && memcmp(body, names[k], nlen) == 0 &&
                body[nlen] == ':' && body[nlen + 1] == ' ')
                break;
        }
        if (k == sizeof names / sizeof names[0])
            break;
        const uint8_t *e = memchr(body, '\n', (size_t)(end - body));
        if (e == NULL || e - body > 400) {
            free(extra.p);
            return 0;
        }
        for (const uint8_t *q = body; q < e; q++)
            if (*q < 0x20 || *q == 0x7f) {
                free(extra.p);
                return 0;
            }
        t_put(&extra, body, (size_t)(e - body));
        t_puts(&extra, "\r\n");
        has_ctype |= k == 0;
        has_origin |= k == 1;
        body = e + 1;
    }
    size_t blen = (size_t)(end - body);

    t_bytes req = {0}, reply = {0};
    char line[512];
    t_puts(&req, method);
    t_puts(&req, " ");
    for (const char *t = target; *t != '\0'; t++) {
        unsigned char c = (unsigned char)*t;
        if (target_raw_ok(c)) {
            t_put(&req, t, 1);
        } else {
            snprintf(line, sizeof line, "%%%02X", c);
            t_puts(&req, line);
        }
    }
    snprintf(line, sizeof line,
             " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\nContent-Length: %zu\r\n",
             port, blen);
    t_puts(&req, line);
    if (!has_origin) { /* the server's own, as a browser on one of its pages sends */
        snprintf(line, sizeof line, "Origin: https://127.0.0.1:%u\r\n", port);
        t_puts(&req, line);
    }
    if (!has_ctype)
        t_puts(&req, "Content-Type: application/json\r\n");
    if (extra.p != NULL)
        t_puts(&req, (const char *)extra.p);
    if (ri == KIOSK_ROLE) {
        t_puts(&req, "X-Ktpel-Kiosk: ");
        t_puts(&req, kiosk_secret);
        t_puts(&req, "\r\n");
    } else if (ri >= 0) {
        t_puts(&req, "Cookie: ktpel_session=");
        t_puts(&req, tokens[ri]);
        t_puts(&req, "\r\n");
    }
    t_puts(&req, "\r\n");
    t_put(&req, body, blen);

    if (exchange(&req, &reply) != 0)
        fz_fail("no reply to %s %s", method, target);
    int status = 0;
    const char *rp = (const char *)reply.p;
    if (sscanf(rp, "HTTP/1.%*1[01] %3d", &status) != 1)
        fz_fail("reply to %s %s is not HTTP: %.80s", method, target, rp);
    if (verbose) {
        const char *b = strstr(rp, "\r\n\r\n");
        fprintf(stderr, "fuzz_api: %s %s %s -> %d %.200s\n", role, method, target, status,
                b != NULL ? b + 4 : "");
    }
    if (status >= 500 && status != 503) {
        const char *b = strstr(rp, "\r\n\r\n");
        fz_fail("%d to %s %s: %.400s", status, method, target, b != NULL ? b + 4 : "");
    }
    /* the canary, unless it is an echo of the request */
    if (fz_contains(rp, reply.n, "root:x:0:0:", 11) &&
        !fz_contains((const char *)req.p, req.n, "root:x:0:0:", 11))
        fz_fail("%s %s served /etc/passwd", method, target);
    svc_actor who;
    svc_kiosk kiosk;
    kt_error err;
    if (status == 401 && ri == KIOSK_ROLE && svc_kiosk_verify(S, kiosk_secret, &kiosk, &err) !=
                                                 KT_OK)
        kiosk_add(); /* an input revoked the kiosk: register another */
    else if (status == 401 && ri >= 0 && ri < NROLES &&
             svc_session(S, tokens[ri], &who, &err) != KT_OK)
        login(ri); /* the input ended the session (logout): a fresh one */
    free(extra.p);
    free(req.p);
    free(reply.p);
    return 0;
}
