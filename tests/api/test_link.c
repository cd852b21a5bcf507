/*
 * test_link.c - a city on loopback through the real parts (issue 11): the central
 * (`ktpel serve --role pusat`) on a real PostgreSQL started by the test (tests/pg), serving
 * HTTPS with a self-signed certificate; two kecamatan nodes (`ktpel serve`, SQLite) enrolled
 * with one-time codes and the central's TLS key pinned, packets going over HTTPS on loopback.
 *
 *   - a person recorded at node A (Neglasari) comes back PRINT_READY_RECORD, is queued for
 *     printing, refused while there is no blanko, printed with its serial once the admin
 *     restocks (one blanko and one ribbon print fewer), shipped, received at node A (printed
 *     there), handed over, and the handover reaches the central as CARD_ISSUED;
 *   - the same fingers under another NIK at node B (Cipondoh) are DUPLICATE_RECORD at the
 *     central, adjudicated by the central's officer, and the decision reaches node B (and
 *     node B's public card-status page says what each means for the citizen);
 *   - a linked node refuses the manual Disdukcapil buttons;
 *   - faults, each ending with the counts compared (packets recorded = received; statuses
 *     issued = applied): the central down (the queue waits, then drains), the node killed
 *     right after the central's acknowledgement and mid-status-apply, the central killed
 *     before and after its commit, a packet delivered twice, uploads cut mid-way and statuses
 *     delivered twice and out of order (a TLS-terminating proxy with the central's own key,
 *     so it can cut and rewrite the HTTP inside), the node killed in the middle of applying a
 *     shipment, a shipment short of a card, and a central that hangs mid-upload while the
 *     node's server stops (it must not wait for the send's timeout);
 *   - bad input at the central: tampered, truncated, garbage, a packet of an unknown node, a
 *     wrong enrolment code: refused with a clear error, nothing stored.
 * Nodes run with a long --link-interval: the test drives each round (POST /api/link/sync or
 * `ktpel link sync`), so every step is deterministic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../images.h"
#include "../pg/pg_test.h"
#include "bio/synth.h"
#include "bio/wsq.h"
#include "harness.h"

#define NIK_A1 "3671101203900001" /* Neglasari, recorded and handed over */
#define NIK_A2 "3671106008920005" /* Neglasari, the crash cases */
#define NIK_A3 "3671101501850004" /* Neglasari, the central down */
#define NIK_A4 "3671102502950006" /* Neglasari, cut uploads and a mangled feed */
#define NIK_B1 "3671051505910007" /* Cipondoh, the same fingers as NIK_A1 */

static const char csv_a[] =
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,"
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"
    "ktp_status,card_valid\n"
    NIK_A1 ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,,1,2,,,WNI,,"
    "JL. PROF. DR. SITANALA NO. 5,002,005,3671101001,367110,,UNREGISTERED,0\n"
    NIK_A2 ",3671100101090002,SITI AMINAH,TANGERANG,1992-08-20,P,,1,1,,,WNI,,"
    "JL. HALIM NO. 2,001,003,3671101002,367110,,UNREGISTERED,0\n"
    NIK_A3 ",3671100101090005,BAMBANG SUTRISNO,JAKARTA,1985-01-15,L,,1,2,,,WNI,,"
    "JL. MERPATI NO. 1,003,001,3671101003,367110,,UNREGISTERED,0\n"
    NIK_A4 ",3671100101090006,JOKO SUSANTO,TANGERANG,1995-02-25,L,,1,1,,,WNI,,"
    "JL. KENANGA NO. 4,002,001,3671101004,367110,,UNREGISTERED,0\n";
static const char csv_b[] =
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,"
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"
    "ktp_status,card_valid\n"
    NIK_B1 ",3671050101090001,RUDI HERMAWAN,TANGERANG,1991-05-15,L,,1,2,,,WNI,,"
    "JL. CIPONDOH RAYA NO. 7,001,002,3671051001,367105,,UNREGISTERED,0\n";

typedef struct node {
    char dir[256], db[300], data[300];
    api_server srv;
    char intake[160], op[160], handover[160], sup[160];
    char kiosk[65]; /* the office's registered kiosk: it takes the tickets */
    const char *node_id;
} node;

typedef struct fx {
    char cdir[256], cdata[300], pgloc[300], csv[300];
    api_server central;
    unsigned cport;
    char officer[160], admin[160]; /* the registry's officer and administrator */
    char cert[300], key[300], pin[80]; /* the central's TLS pair and its key's pin */
    json_int_t app_a3, app_a4;         /* node A's applications left print_ready */
    node a, b;
    bio_synth_master *m[12]; /* fingers: m[0..2] person X (A1 and B1); m[3..5], m[6..8],
                               m[9..11] three other people */
} fx;

static fx *G;

/* ---- the fault-injecting proxy between node A and the central ------------------------------
   The link runs over HTTPS with the central's TLS key pinned at the nodes. The proxy plays the
   network between node A and the central: it terminates TLS with the central's own
   certificate and key (so node A's pin holds, as it would for anyone holding that key), reads
   the HTTP inside, and opens its own TLS connection to the central. One request per
   connection (the node's client opens one per call). Modes, set by a test:
   cut_uploads > 0: the next packet uploads are cut after half their body (both connections
     dropped without a TLS close: the central sees a truncated stream);
   mangle_feed: status feed answers have every entry twice and in reverse order;
   hold_uploads: a packet upload is read whole and never answered (the central hangs) until
     the mode is cleared; held counts those. */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

typedef struct proxy {
    int lfd;
    unsigned port, target;
    pthread_t th;
    gnutls_certificate_credentials_t srv, cli;
    volatile int stop, cut_uploads, mangle_feed, cuts_done, hold_uploads, held;
} proxy;

static proxy P;

/* One side of the proxy: a socket and its TLS session. */
typedef struct conn {
    int fd;
    gnutls_session_t tls;
} conn;

static ssize_t cx_recv(conn *c, char *b, size_t n)
{
    ssize_t k;
    do
        k = gnutls_record_recv(c->tls, b, n);
    while (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED);
    return k;
}

static void cx_send(conn *c, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t k = gnutls_record_send(c->tls, b, n);
        if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
            continue;
        if (k <= 0)
            return;
        b += k;
        n -= (size_t)k;
    }
}

/* graceful: a TLS close first; else the TCP connection just drops (a cut). */
static void cx_close(conn *c, int graceful)
{
    if (c->tls != NULL) {
        if (graceful)
            gnutls_bye(c->tls, GNUTLS_SHUT_WR);
        gnutls_deinit(c->tls);
    }
    if (c->fd >= 0)
        close(c->fd);
    c->tls = NULL;
    c->fd = -1;
}

/* A TLS session on fd as server (the node's side) or client (towards the central). */
static int cx_open(conn *c, int fd, int server)
{
    c->fd = fd;
    c->tls = NULL;
    if (fd < 0 || gnutls_init(&c->tls, server ? GNUTLS_SERVER : GNUTLS_CLIENT) < 0)
        return -1;
    gnutls_set_default_priority(c->tls);
    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, server ? P.srv : P.cli);
    gnutls_transport_set_int(c->tls, fd);
    gnutls_handshake_set_timeout(c->tls, 10000);
    int r;
    do
        r = gnutls_handshake(c->tls);
    while (r < 0 && !gnutls_error_is_fatal(r));
    return r < 0 ? -1 : 0;
}

static int read_http(conn *c, char **out, size_t *len)
{
    size_t cap = 1 << 16, n = 0, need = 0;
    char *b = malloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            b = realloc(b, cap);
        }
        ssize_t k = cx_recv(c, b + n, cap - n - 1);
        if (k <= 0)
            break;
        n += (size_t)k;
        b[n] = '\0';
        char *he = strstr(b, "\r\n\r\n");
        if (he != NULL && need == 0) {
            char *cl = strstr(b, "Content-Length:"); /* libcurl and MHD spell it so */
            need = (size_t)(he + 4 - b) + (cl != NULL && cl < he ? strtoul(cl + 15, NULL, 10) : 0);
        }
        if (need > 0 && n >= need)
            break;
    }
    *out = b;
    *len = n;
    return n > 0 ? 0 : -1;
}

static int connect_to(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Every entry twice, in reverse order. */
static char *mangle(const char *resp, size_t *len)
{
    const char *body = strstr(resp, "\r\n\r\n");
    json_t *j = body != NULL ? json_loads(body + 4, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "entries"), *n = json_array();
    for (size_t i = json_array_size(e); i-- > 0;) {
        json_array_append(n, json_array_get(e, i));
        json_array_append(n, json_array_get(e, i));
    }
    json_object_set_new(j, "entries", n);
    char *txt = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *out = malloc(strlen(txt) + 200);
    *len = (size_t)sprintf(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                           strlen(txt), txt);
    free(txt);
    return out;
}

static void *proxy_main(void *arg)
{
    (void)arg;
    while (!P.stop) {
        int fd = accept(P.lfd, NULL, NULL);
        if (fd < 0)
            continue;
        conn c = {fd, NULL}, s = {-1, NULL};
        char *req = NULL, *resp = NULL;
        size_t rl = 0, sl = 0;
        if (!P.stop && cx_open(&c, fd, 1) == 0 && read_http(&c, &req, &rl) == 0) {
            int upload = strncmp(req, "POST /api/link/v1/packets", 25) == 0;
            int feed = strncmp(req, "GET /api/link/v1/status", 23) == 0;
            if (upload && P.hold_uploads) { /* the central hangs: no answer at all */
                P.held++;
                while (P.hold_uploads && !P.stop) {
                    struct timespec ts = {0, 20 * 1000 * 1000};
                    nanosleep(&ts, NULL);
                }
            } else if (cx_open(&s, connect_to(P.target), 0) == 0) {
                if (upload && P.cut_uploads > 0) {
                    P.cut_uploads--;
                    P.cuts_done++;
                    cx_send(&s, req, rl / 2); /* the connection is cut mid-upload */
                    cx_close(&s, 0);
                    cx_close(&c, 0);
                } else {
                    cx_send(&s, req, rl);
                    if (read_http(&s, &resp, &sl) == 0) {
                        if (feed && P.mangle_feed && strstr(resp, " 200 ") != NULL) {
                            char *m = mangle(resp, &sl);
                            free(resp);
                            resp = m;
                        }
                        cx_send(&c, resp, sl);
                    }
                }
            }
        }
        cx_close(&s, 1);
        cx_close(&c, 1);
        free(req);
        free(resp);
    }
    return NULL;
}

/* The proxy in front of the central's port, presenting the central's certificate and key. */
static int proxy_start(unsigned target, const char *cert, const char *key)
{
    memset(&P, 0, sizeof P);
    P.target = target;
    if (gnutls_certificate_allocate_credentials(&P.srv) < 0 ||
        gnutls_certificate_set_x509_key_file(P.srv, cert, key, GNUTLS_X509_FMT_PEM) < 0 ||
        gnutls_certificate_allocate_credentials(&P.cli) < 0)
        return -1;
    P.lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (bind(P.lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(P.lfd, 16) != 0 ||
        getsockname(P.lfd, (struct sockaddr *)&a, &l) != 0)
        return -1;
    P.port = ntohs(a.sin_port);
    return pthread_create(&P.th, NULL, proxy_main, NULL) == 0 ? 0 : -1;
}

static void proxy_stop(void)
{
    if (P.lfd <= 0)
        return;
    P.stop = 1;
    shutdown(P.lfd, SHUT_RDWR);
    int w = connect_to(P.port); /* wake accept() */
    if (w >= 0)
        close(w);
    pthread_join(P.th, NULL);
    close(P.lfd);
    P.lfd = 0;
    gnutls_certificate_free_credentials(P.srv);
    gnutls_certificate_free_credentials(P.cli);
}

/* ---- helpers ------------------------------------------------------------------------- */

/* Run ktpel with args, its stdout into out (NUL-terminated); the exit status. */
static int capture(const char *const *args, char *out, size_t cap, const char *fault)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        const char *argv[40] = {api_bin()};
        int n = 1;
        for (int i = 0; args[i] != NULL && n < 39; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        if (fault != NULL)
            setenv("KTPEL_FAULT", fault, 1);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd[0], out + n, cap - n - 1)) > 0)
        n += (size_t)k;
    out[n] = '\0';
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Start `ktpel serve` on a given port (the same port after a restart), env KTPEL_FAULT. */
static int start_on(api_server *s, unsigned port, const char *db, const char *data,
                    const char *const *extra, const char *fault)
{
    char listen[64];
    memset(s, 0, sizeof *s);
    s->port = port;
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    int tls = 0;
    for (int i = 0; extra != NULL && extra[i] != NULL; i++)
        tls |= strcmp(extra[i], "--tls-cert") == 0;
    snprintf(s->base, sizeof s->base, "%s://127.0.0.1:%u", tls ? "https" : "http", port);
    s->pid = fork();
    if (s->pid == 0) {
        const char *argv[32] = {api_bin(), "serve", "--listen", listen, "--db", db, "--data",
                                data, "--quiet"};
        int n = 9;
        for (int i = 0; extra != NULL && extra[i] != NULL && n < 31; i++)
            argv[n++] = extra[i];
        argv[n] = NULL;
        if (fault != NULL)
            setenv("KTPEL_FAULT", fault, 1);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    for (int i = 0; i < 400; i++) {
        api_resp r;
        char url[128];
        int st;
        snprintf(url, sizeof url, "%s/api/link/v1/none", s->base);
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;
        }
        if (api_call(&r, "GET", url, NULL, NULL, NULL, 0) == 0 && r.status != 0) {
            api_resp_free(&r);
            return 0;
        }
        api_resp_free(&r);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* The central serves HTTPS (its pair filled in by setup). */
static const char *central_extra[] = {"--role", "pusat", "--tls-cert", NULL, "--tls-key", NULL,
                                      NULL};
static const char *const node_extra[] = {"--link-interval", "3600000", NULL};

static int central_start(const char *fault)
{
    return start_on(&G->central, G->cport, G->pgloc, G->cdata, central_extra, fault);
}

/* Wait for a process killed by its own fault point (or end it). */
static void reap(api_server *s)
{
    int st;
    for (int i = 0; i < 200 && s->pid > 0; i++) {
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
}

static json_t *call(const char *base, const char *method, const char *cookie,
                    const char *body, long want, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static json_t *call(const char *base, const char *method, const char *cookie,
                    const char *body, long want, const char *fmt, ...)
{
    char path[400], url[512];
    va_list ap;
    api_resp r;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    snprintf(url, sizeof url, "%s%s", base, path);
    assert_int_equal(api_json(&r, method, url, cookie, body), 0);
    if (want != 0 && r.status != want)
        fprintf(stderr, "%s %s -> %ld (want %ld): %s\n", method, path, r.status, want, r.body);
    if (want != 0)
        assert_int_equal(r.status, want);
    json_t *j = api_body(&r);
    api_resp_free(&r);
    return j;
}

static const char *jstr(const json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s != NULL ? s : "";
}

static json_int_t jint(const json_t *j, const char *k)
{
    return json_integer_value(json_object_get(j, k));
}

static void node_sync(node *n)
{
    json_decref(call(n->srv.base, "POST", n->sup, NULL, 200, "/api/kiriman/sync"));
}

/* Sync until the application reaches state (the central works asynchronously). */
static void wait_state(node *n, json_int_t app, const char *state)
{
    char last[40] = "";
    for (int i = 0; i < 150; i++) {
        node_sync(n);
        json_t *j = call(n->srv.base, "GET", n->sup, NULL, 200, "/api/applications/%lld",
                         (long long)app);
        snprintf(last, sizeof last, "%s", jstr(j, "state"));
        json_decref(j);
        if (strcmp(last, state) == 0)
            return;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "application %lld stayed %s (want %s)\n", (long long)app, last, state);
    fail();
}

static void put_file(node *n, json_int_t app, const char *slot, const char *ctype,
                     const void *data, size_t len)
{
    char url[512];
    api_resp r;
    snprintf(url, sizeof url, "%s/api/applications/%lld/bio/%s", n->srv.base, (long long)app,
             slot);
    assert_int_equal(api_call(&r, "PUT", url, n->op, ctype, data, len), 0);
    if (r.status != 200)
        fprintf(stderr, "PUT %s -> %ld: %s\n", slot, r.status, r.body);
    assert_int_equal(r.status, 200);
    api_resp_free(&r);
}

/* SOP steps 1-4 at a node: ticket, open, check, record (three fingers from masters m[0..2]
   at impression imp, the other seven excepted), receipt. Returns the application id. */
static json_int_t record_person(node *n, const char *nik, bio_synth_master **m, uint32_t imp)
{
    char body[300];
    api_use_kiosk(n->kiosk);
    json_t *t = call(n->srv.base, "POST", NULL, "{\"service\":\"rekam_baru\"}", 201,
                     "/api/tickets");
    api_use_kiosk(NULL);
    json_decref(t);
    json_t *c = call(n->srv.base, "POST", n->intake, NULL, 200, "/api/tickets/next");
    snprintf(body, sizeof body, "{\"ticket_id\":%lld,\"nik\":\"%s\",\"kind\":\"baru\"}",
             (long long)jint(c, "id"), nik);
    json_decref(c);
    json_t *a = call(n->srv.base, "POST", n->intake, body, 201, "/api/applications");
    json_int_t app = jint(a, "id");
    json_t *in = json_pack("{s:O}", "documents", json_object_get(a, "documents_required"));
    char *txt = json_dumps(in, JSON_COMPACT);
    json_decref(call(n->srv.base, "POST", n->intake, txt, 200, "/api/applications/%lld/check",
                     (long long)app));
    free(txt);
    json_decref(in);
    json_decref(a);
    /* The family card's scan (SOP step 2's scanner): it travels as a document part. */
    size_t slen = 0;
    unsigned char *scan = t_png_gray(850, 1100, &slen);
    char url[300];
    api_resp sr;
    snprintf(url, sizeof url, "%s/api/applications/%lld/documents/kk_copy/scan", n->srv.base,
             (long long)app);
    assert_int_equal(api_call(&sr, "PUT", url, n->intake, "image/png", scan, slen), 0);
    assert_int_equal(sr.status, 200);
    api_resp_free(&sr);
    free(scan);
    size_t flen = 0, glen = 0;
    unsigned char *face = t_face_for_nik(nik, &flen), *gray = t_png_gray(320, 240, &glen);
    put_file(n, app, "face", "image/png", face, flen);
    put_file(n, app, "signature", "image/png", gray, glen);
    put_file(n, app, "iris_left", "image/png", gray, glen);
    put_file(n, app, "iris_right", "image/png", gray, glen);
    free(face);
    free(gray);
    for (int f = 1; f <= 10; f++) {
        char slot[16];
        snprintf(slot, sizeof slot, "finger_%d", f);
        if (f > 3) {
            json_decref(call(n->srv.base, "POST", n->op, "{\"reason\":\"jari terluka\"}", 200,
                             "/api/applications/%lld/bio/%s/exception", (long long)app, slot));
            continue;
        }
        bio_image img;
        bio_msg bm;
        assert_int_equal(bio_synth_impression(m[f - 1], imp, &img, NULL, &bm), BIO_OK);
        size_t px = (size_t)img.width * (size_t)img.height;
        unsigned char *pgm = malloc(32 + px);
        int hl = snprintf((char *)pgm, 32, "P5\n%d %d\n255\n", img.width, img.height);
        memcpy(pgm + hl, img.pixels, px);
        put_file(n, app, slot, "image/x-portable-graymap", pgm, (size_t)hl + px);
        free(pgm);
        bio_image_free(&img);
    }
    json_t *j = call(n->srv.base, "POST", n->op, NULL, 200, "/api/applications/%lld/record",
                     (long long)app);
    assert_string_equal(jstr(j, "state"), "recorded");
    json_decref(j);
    j = call(n->srv.base, "POST", n->handover, NULL, 200, "/api/applications/%lld/receipt",
             (long long)app);
    assert_string_equal(jstr(j, "state"), "receipt_issued");
    json_decref(j);
    return app;
}

/* The counts the faults are judged by. */
static json_int_t central_received(const char *kec)
{
    json_t *o = call(G->central.base, "GET", G->officer, NULL, 200, "/api/pusat/overview");
    json_int_t n = -1;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(o, "kecamatan"), i, k) if (strcmp(jstr(k, "kecamatan_code"),
                                                                         kec) == 0) n =
        jint(k, "received_total");
    json_decref(o);
    return n;
}

static json_int_t central_status_seq(const char *node_id)
{
    json_t *o = call(G->central.base, "GET", G->officer, NULL, 200, "/api/pusat/nodes");
    json_int_t n = -1;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(o, "nodes"), i, k) if (strcmp(jstr(k, "node_id"),
                                                                      node_id) == 0) n =
        jint(k, "status_seq");
    json_decref(o);
    return n;
}

/* Every packet of the node received once, every status issued applied once. */
static void counts_agree(node *n, const char *kec)
{
    node_sync(n);
    json_t *info = call(n->srv.base, "GET", n->sup, NULL, 200, "/api/kiriman");
    json_t *c = json_object_get(info, "counts");
    json_int_t total = jint(c, "pending") + jint(c, "ready") + jint(c, "sent") + jint(c, "failed");
    assert_int_equal(jint(c, "sent"), total);
    assert_int_equal(central_received(kec), total);
    assert_int_equal(jint(info, "status_cursor"), central_status_seq(n->node_id));
    json_decref(info);
}

static json_int_t alerts_count(void)
{
    json_t *o = call(G->central.base, "GET", G->officer, NULL, 200, "/api/pusat/alerts");
    json_int_t n = (json_int_t)json_array_size(json_object_get(o, "alerts"));
    json_decref(o);
    return n;
}

/* ---- the card's life at the central ------------------------------------------------------ */

/* The central's record of (node, application) in the print queue's list (ready, queued,
   printed); 0 when it is not there. */
static json_int_t queue_record(const char *list, const char *node_id, json_int_t app)
{
    json_t *q = call(G->central.base, "GET", G->officer, NULL, 200, "/api/pusat/print-queue");
    json_int_t id = 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(q, list), i, r) if (strcmp(jstr(r, "node_id"), node_id) ==
                                                                0 &&
                                                            jint(r, "application_id") == app) id =
        jint(r, "id");
    json_decref(q);
    return id;
}

static json_int_t stock_of(const char *item)
{
    json_t *o = call(G->central.base, "GET", G->officer, NULL, 200, "/api/pusat/stock");
    json_int_t q = -1;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o, "items"), i, it) if (strcmp(jstr(it, "item"), item) ==
                                                               0) q = jint(it, "quantity");
    json_decref(o);
    return q;
}

/* The officer queues and prints the card of node n's application (serial): its record. */
static json_int_t central_print(node *n, json_int_t app, const char *serial)
{
    json_int_t rid = queue_record("ready", n->node_id, app);
    char body[200];
    assert_true(rid > 0);
    snprintf(body, sizeof body, "{\"record_ids\":[%lld]}", (long long)rid);
    json_decref(call(G->central.base, "POST", G->officer, body, 200, "/api/pusat/print-queue"));
    snprintf(body, sizeof body, "{\"card_serial\":\"%s\"}", serial);
    json_decref(call(G->central.base, "POST", G->officer, body, 200,
                     "/api/pusat/records/%lld/print", (long long)rid));
    return rid;
}

/* A shipment of every printed card of kecamatan kec: its number into no. */
static void central_ship(const char *kec, char no[40])
{
    char body[100];
    snprintf(body, sizeof body, "{\"kecamatan_code\":\"%s\"}", kec);
    json_t *j = call(G->central.base, "POST", G->officer, body, 201, "/api/pusat/shipments");
    snprintf(no, 40, "%s", jstr(j, "shipment_no"));
    json_decref(j);
    assert_true(strncmp(no, "KRM-", 4) == 0);
}

/* The node's view of shipment no (a new reference), or NULL when it does not know it. */
static json_t *node_shipment(node *n, const char *no)
{
    json_t *j = call(n->srv.base, "GET", n->sup, NULL, 200, "/api/kiriman/shipments"), *found = NULL;
    size_t i;
    json_t *sh;
    json_array_foreach(json_object_get(j, "shipments"), i, sh) if (strcmp(jstr(sh, "shipment_no"),
                                                                          no) == 0) found = sh;
    json_incref(found);
    json_decref(j);
    return found;
}

/* The node's officer confirms shipment no: ids_json the cards in the box ("[12,13]"), NULL for
   all of them. The answer (the shipment) when want is 200. */
static json_t *node_receive(node *n, const char *no, const char *ids_json, long want)
{
    char body[200];
    snprintf(body, sizeof body, "{%s%s}", ids_json != NULL ? "\"application_ids\":" : "",
             ids_json != NULL ? ids_json : "");
    return call(n->srv.base, "POST", n->sup, body, want, "/api/kiriman/shipments/%s/receive", no);
}

static const char *app_state(node *n, json_int_t app, char out[40])
{
    json_t *j = call(n->srv.base, "GET", n->sup, NULL, 200, "/api/applications/%lld",
                     (long long)app);
    snprintf(out, 40, "%s", jstr(j, "state"));
    json_decref(j);
    return out;
}

/* The card's whole way for one application: printed at the central, shipped, the shipment
   received whole at the node (the application printed there). */
static void card_to_node(node *n, json_int_t app, const char *kec, const char *serial)
{
    char no[40], st[40];
    central_print(n, app, serial);
    central_ship(kec, no);
    node_sync(n);
    json_decref(node_receive(n, no, NULL, 200));
    assert_string_equal(app_state(n, app, st), "printed");
}

/* SOP step 6 at the node: the handover loket gives the card out (the card_issued packet). */
static void hand_over(node *n, json_int_t app)
{
    json_t *j = call(n->srv.base, "GET", n->sup, NULL, 200, "/api/applications/%lld",
                     (long long)app);
    char body[200];
    snprintf(body, sizeof body, "{\"receipt_no\":\"%s\",\"confirmed_by\":\"ktp_receipt\"}",
             jstr(j, "receipt_no"));
    json_decref(j);
    json_decref(call(n->srv.base, "POST", n->handover, body, 200,
                     "/api/applications/%lld/hand-over", (long long)app));
}

/* ---- setup ---------------------------------------------------------------------------- */

static int node_make(node *n, const char *csv, const char *kec, const char *name,
                     const char *node_id, unsigned via_port)
{
    char out[4096], code[64];
    n->node_id = node_id;
    if (api_site_make(n->dir, n->db, n->data, csv) != 0)
        return -1;
    if (api_kiosk_add(n->db, "Kios uji", n->kiosk) != 0)
        return -1;
    if (api_add_user(n->db, "intake1", "intake", "1") != 0 ||
        api_add_user(n->db, "operator1", "operator", NULL) != 0 ||
        api_add_user(n->db, "handover1", "handover", "3") != 0 ||
        api_add_user(n->db, "supervisor1", "supervisor", NULL) != 0)
        return -1;
    const char *add[] = {"pusat", "node", "add", "--kecamatan", kec, "--name", name,
                         "--db", G->pgloc, "--data", G->cdata, NULL};
    if (capture(add, out, sizeof out, NULL) != 0)
        return -1;
    json_t *j = json_loads(out, 0, NULL);
    snprintf(code, sizeof code, "%s", jstr(j, "code"));
    json_decref(j);
    char url[80];
    snprintf(url, sizeof url, "https://127.0.0.1:%u", via_port);
    const char *enrol[] = {"link", "enrol", "--central", url, "--pin", G->pin, "--node-id",
                           node_id, "--code", code, "--db", n->db, NULL};
    if (capture(enrol, out, sizeof out, NULL) != 0) {
        fprintf(stderr, "enrol failed: %s\n", out);
        return -1;
    }
    if (api_server_start_with(&n->srv, n->db, n->data, node_extra) != 0)
        return -1;
    if (api_login(n->srv.base, "intake1", 1, n->intake) != 0 ||
        api_login(n->srv.base, "operator1", 0, n->op) != 0 ||
        api_login(n->srv.base, "handover1", 3, n->handover) != 0 ||
        api_login(n->srv.base, "supervisor1", 0, n->sup) != 0)
        return -1;
    return 0;
}

static int teardown(void **state);

static int setup(void **state)
{
    (void)pgt_new_db; /* one database for the whole city here */
    signal(SIGPIPE, SIG_IGN); /* the proxy writes to connections a killed process dropped */
    if (pgt_start() != 0)
        return -1;
    if (!pgt_up) {
        *state = NULL;
        return 0;
    }
    fx *f = calloc(1, sizeof *f);
    G = f;
    *state = f; /* a failed setup is torn down here: cmocka does not call teardown then */
    bio_msg bm;
    for (int i = 0; i < 12; i++)
        if (bio_synth_master_new(i < 3 ? 501 : i < 6 ? 777 : i < 9 ? 909 : 1234, (uint32_t)(i % 3),
                                 1, &f->m[i], &bm) != BIO_OK)
            goto fail;
    if (api_tmp_make(f->cdir) != 0)
        goto fail;
    snprintf(f->cdata, sizeof f->cdata, "%s/data", f->cdir);
    snprintf(f->pgloc, sizeof f->pgloc, "%s/ktpel", pgt_base);
    snprintf(f->csv, sizeof f->csv, "%s/siak.csv", f->cdir);
    /* The central's SIAK: both kecamatans. */
    char both[sizeof csv_a + sizeof csv_b];
    snprintf(both, sizeof both, "%s%s", csv_a, strchr(csv_b, '\n') + 1);
    if (api_write_file(f->csv, both, strlen(both)) != 0)
        goto fail;
    char out[4096];
    const char *init[] = {"init", "--db", f->pgloc, "--data", f->cdata, NULL};
    const char *imp[] = {"import-siak", f->csv, "--db", f->pgloc, "--data", f->cdata, NULL};
    if (capture(init, out, sizeof out, NULL) != 0 || capture(imp, out, sizeof out, NULL) != 0)
        goto fail;
    const char *user[] = {"user", "add", "petugas_pusat", "--role", "supervisor", "--full-name",
                          "PETUGAS DISDUKCAPIL", "--db", f->pgloc, "--data", f->cdata, NULL};
    const char *adm[] = {"user", "add", "admin_pusat", "--role", "admin", "--full-name",
                         "ADMIN DISDUKCAPIL", "--db", f->pgloc, "--data", f->cdata, NULL};
    if (api_ktpel_in(user, "rahasia-petugas_pusat\n") != 0 ||
        api_ktpel_in(adm, "rahasia-admin_pusat\n") != 0)
        goto fail;
    /* HTTPS: a self-signed pair, trusted by this test's calls; the nodes pin its key. */
    if (api_tls_make(f->cdir, f->cert, f->key) != 0)
        goto fail;
    const char *chk[] = {"tls", "check", "--cert", f->cert, "--key", f->key, NULL};
    if (capture(chk, out, sizeof out, NULL) != 0)
        goto fail;
    json_t *tj = json_loads(out, 0, NULL);
    snprintf(f->pin, sizeof f->pin, "%s", jstr(tj, "pin"));
    json_decref(tj);
    if (strncmp(f->pin, "sha256//", 8) != 0)
        goto fail;
    api_use_ca(f->cert);
    central_extra[3] = f->cert;
    central_extra[5] = f->key;
    f->cport = api_free_port();
    if (central_start(NULL) != 0)
        goto fail;
    if (api_login(f->central.base, "petugas_pusat", 0, f->officer) != 0 ||
        api_login(f->central.base, "admin_pusat", 0, f->admin) != 0)
        goto fail;
    /* Node A talks to the central through the fault-injecting proxy (pass-through unless a
       test sets a fault); node B directly. */
    if (proxy_start(f->cport, f->cert, f->key) != 0 ||
        node_make(&f->a, csv_a, "367110", "Kecamatan Neglasari", "367110-01", P.port) != 0 ||
        node_make(&f->b, csv_b, "367105", "Kecamatan Cipondoh", "367105-01", f->cport) != 0)
        goto fail;
    return 0;
fail:
    teardown(state);
    return -1;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f != NULL) {
        int sa = api_server_stop(&f->a.srv), sb = api_server_stop(&f->b.srv),
            sc = api_server_stop(&f->central);
        api_tmp_remove(f->a.dir);
        api_tmp_remove(f->b.dir);
        api_tmp_remove(f->cdir);
        proxy_stop();
        for (int i = 0; i < 12; i++)
            bio_synth_master_free(f->m[i]);
        free(f);
        G = NULL;
        if (sa != 0 || sb != 0 || sc != 0)
            fprintf(stderr, "a graceful stop failed: %d %d %d\n", sa, sb, sc);
    }
    return pgt_stop();
}

#define NEED_PG(state)                                                                        \
    do {                                                                                      \
        if (*(state) == NULL)                                                                 \
            skip();                                                                           \
    } while (0)

/* ---- the tests --------------------------------------------------------------------------- */

static void test_prr_print_handover(void **state)
{
    NEED_PG(state);
    node *a = &G->a;
    char st[40], no[40];
    json_int_t app = record_person(a, NIK_A1, &G->m[0], 0);
    wait_state(a, app, "print_ready");
    /* A linked node offers no manual Disdukcapil buttons: not send, not "the card arrived". */
    json_t *j = call(a->srv.base, "POST", a->sup, NULL, 409,
                     "/api/applications/%lld/actions/send", (long long)app);
    assert_string_equal(jstr(json_object_get(j, "error"), "code"), "linked_node");
    json_decref(j);
    j = call(a->srv.base, "POST", a->sup, NULL, 409, "/api/applications/%lld/actions/print",
             (long long)app);
    assert_string_equal(jstr(json_object_get(j, "error"), "code"), "linked_node");
    json_decref(j);
    /* The central's print queue: PRR -> SENT_FOR_CARD_PRINTING. */
    json_int_t rid = queue_record("ready", a->node_id, app);
    assert_true(rid > 0);
    char body[200];
    snprintf(body, sizeof body, "{\"record_ids\":[%lld]}", (long long)rid);
    json_decref(call(G->central.base, "POST", G->officer, body, 200, "/api/pusat/print-queue"));
    assert_int_equal(queue_record("queued", a->node_id, app), rid);
    /* The packet brought the fingers as WSQ images (decoded here) and the document scan. */
    api_resp pr;
    char purl[300];
    snprintf(purl, sizeof purl, "%s/api/pusat/records/%lld/parts/finger_1.wsq", G->central.base,
             (long long)rid);
    assert_int_equal(api_call(&pr, "GET", purl, G->officer, NULL, NULL, 0), 0);
    assert_int_equal(pr.status, 200);
    bio_image wimg;
    bio_msg wm;
    assert_int_equal(bio_wsq_decode((const uint8_t *)pr.body, pr.len, &wimg, &wm), BIO_OK);
    assert_true(wimg.width >= 100 && wimg.height >= 100);
    bio_image_free(&wimg);
    api_resp_free(&pr);
    snprintf(purl, sizeof purl, "%s/api/pusat/records/%lld/parts/document_kk_copy",
             G->central.base, (long long)rid);
    assert_int_equal(api_call(&pr, "GET", purl, G->officer, NULL, NULL, 0), 0);
    assert_int_equal(pr.status, 200);
    assert_true(pr.len > 8 && memcmp(pr.body, "\x89PNG", 4) == 0);
    api_resp_free(&pr);
    /* No blanko yet: the print is refused, with a clear message, and changes nothing. */
    assert_int_equal(stock_of("blanko"), 0);
    j = call(G->central.base, "POST", G->officer, "{\"card_serial\":\"3671-0000001\"}", 409,
             "/api/pusat/records/%lld/print", (long long)rid);
    assert_string_equal(jstr(json_object_get(j, "error"), "code"), "stock_empty");
    assert_non_null(strstr(jstr(json_object_get(j, "error"), "message"), "habis"));
    json_decref(j);
    assert_int_equal(queue_record("queued", a->node_id, app), rid);
    /* Only the registry's administrator restocks. */
    json_decref(call(G->central.base, "POST", G->officer, "{\"item\":\"blanko\",\"quantity\":5}",
                     403, "/api/pusat/stock"));
    json_decref(call(G->central.base, "POST", G->admin,
                     "{\"item\":\"blanko\",\"quantity\":10,\"low_at\":20,\"note\":\"DO 1\"}",
                     200, "/api/pusat/stock"));
    json_decref(call(G->central.base, "POST", G->admin, "{\"item\":\"ribbon\",\"quantity\":10}",
                     200, "/api/pusat/stock"));
    /* Printed with its serial: one blanko and one ribbon print fewer, and "low" said. */
    j = call(G->central.base, "POST", G->officer, "{\"card_serial\":\"3671-0000001\"}", 200,
             "/api/pusat/records/%lld/print", (long long)rid);
    assert_string_equal(jstr(j, "status"), "CARD_PRINTED");
    assert_true(json_is_true(json_object_get(j, "stock_low")));
    json_decref(j);
    assert_int_equal(stock_of("blanko"), 9);
    assert_int_equal(stock_of("ribbon"), 9);
    /* A serial is one card's: another record cannot take it (the one printed is not queued). */
    json_decref(call(G->central.base, "POST", G->officer, "{\"card_serial\":\"3671-0000001\"}",
                     409, "/api/pusat/records/%lld/print", (long long)rid));
    /* The node hears CARD_PRINTED; the card is not at the kecamatan yet. */
    node_sync(a);
    assert_string_equal(app_state(a, app, st), "print_ready");
    /* Shipped to Neglasari; the node learns the shipment and its card. */
    central_ship("367110", no);
    node_sync(a);
    json_t *info = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/kiriman");
    assert_int_equal(jint(info, "shipments_waiting"), 1);
    json_decref(info);
    json_t *sh = node_shipment(a, no);
    assert_non_null(sh);
    assert_int_equal(jint(sh, "cards"), 1);
    assert_true(json_is_true(json_object_get(sh, "complete")));
    json_t *card = json_array_get(json_object_get(sh, "records"), 0);
    assert_int_equal(jint(card, "application_id"), app);
    assert_string_equal(jstr(card, "card_serial"), "3671-0000001");
    assert_string_equal(jstr(card, "state"), "shipped");
    json_decref(sh);
    /* The box arrives: received whole; the application is printed (ready for the handover). */
    sh = node_receive(a, no, NULL, 200);
    assert_int_equal(jint(sh, "received"), 1);
    assert_int_equal(jint(sh, "missing"), 0);
    json_decref(sh);
    assert_string_equal(app_state(a, app, st), "printed");
    json_decref(node_receive(a, no, NULL, 409)); /* received once */
    /* Handed over: CARD_ISSUED comes back for the handover packet. */
    hand_over(a, app);
    int issued = 0;
    for (int i = 0; i < 100 && !issued; i++) {
        node_sync(a);
        j = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/kiriman/outbox");
        size_t k;
        json_t *p;
        json_array_foreach(json_object_get(j, "packets"), k, p) issued |=
            strcmp(jstr(p, "kind"), "card_issued") == 0 &&
            strcmp(jstr(p, "central_status"), "CARD_ISSUED") == 0;
        json_decref(j);
        if (!issued) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(issued);
    /* At the central the shipment's card is issued. */
    j = call(G->central.base, "GET", G->officer, NULL, 200, "/api/pusat/shipments/%s", no);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "records"), 0), "status"),
                        "CARD_ISSUED");
    json_decref(j);
    /* The print queue and the shipment's list at the central, the node's shipment list (and
       receipt), are reads of NIK_A1's data: in each access log (the shipment as the detail). */
    int queue = 0, shipment = 0, node_list = 0;
    size_t k;
    json_t *x;
    j = call(G->central.base, "GET", G->officer, NULL, 200, "/api/audit/reads?nik=" NIK_A1);
    json_array_foreach(json_object_get(j, "reads"), k, x) {
        queue += strcmp(jstr(x, "action"), "pusat_print_queue") == 0;
        shipment += strcmp(jstr(x, "action"), "pusat_shipment") == 0 &&
                    strcmp(jstr(x, "detail"), no) == 0;
    }
    json_decref(j);
    j = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/audit/reads?nik=" NIK_A1);
    json_array_foreach(json_object_get(j, "reads"), k, x) node_list +=
        strcmp(jstr(x, "action"), "link_shipments") == 0;
    json_decref(j);
    assert_true(queue >= 1);
    assert_int_equal(shipment, 1);
    assert_true(node_list >= 2); /* the list, and the receipt's answer */
    counts_agree(a, "367110");
}

static void test_duplicate_across_kecamatan(void **state)
{
    NEED_PG(state);
    node *b = &G->b;
    /* NIK_B1 at Cipondoh with NIK_A1's fingers (another impression). */
    json_int_t app = record_person(b, NIK_B1, &G->m[0], 1);
    wait_state(b, app, "duplicate");
    /* The citizen's status page at node B says what the central's word means (issue 13). */
    char status_in[160];
    json_t *ap = call(b->srv.base, "GET", b->sup, NULL, 200, "/api/applications/%lld",
                      (long long)app);
    snprintf(status_in, sizeof status_in, "{\"receipt_no\":\"%s\",\"birth_date\":\"1991-05-15\"}",
             jstr(ap, "receipt_no"));
    json_decref(ap);
    json_t *cs = call(b->srv.base, "POST", NULL, status_in, 200, "/api/public/card-status");
    assert_string_equal(jstr(cs, "stage"), "central_check");
    json_decref(cs);
    json_t *adj = call(G->central.base, "GET", G->officer, NULL, 200, "/api/pusat/adjudications");
    json_t *recs = json_object_get(adj, "records");
    assert_int_equal(json_array_size(recs), 1);
    json_t *rec = json_array_get(recs, 0);
    assert_string_equal(jstr(rec, "nik"), NIK_B1);
    assert_string_equal(jstr(rec, "status"), "DUPLICATE_RECORD");
    json_int_t rid = jint(rec, "id");
    json_decref(adj);
    /* Side by side: the record it matched is NIK_A1's. */
    json_t *v = call(G->central.base, "GET", G->officer, NULL, 200, "/api/pusat/records/%lld",
                     (long long)rid);
    assert_true(json_array_size(json_object_get(v, "hits")) >= 2);
    assert_string_equal(jstr(json_array_get(json_object_get(v, "matched"), 0), "nik"), NIK_A1);
    json_decref(v);
    /* Both views are in the central's access log: who read NIK_A1 (shown beside NIK_B1) */
    json_t *r = call(G->central.base, "GET", G->officer, NULL, 200,
                     "/api/audit/reads?nik=" NIK_A1);
    int side = 0;
    size_t k;
    json_t *x;
    json_array_foreach(json_object_get(r, "reads"), k, x)
        side += strcmp(jstr(x, "action"), "pusat_record") == 0 &&
                strcmp(jstr(x, "nik"), NIK_B1) == 0 &&
                strcmp(jstr(x, "username"), "petugas_pusat") == 0 && jint(x, "subjects") == 1;
    assert_int_equal(side, 1);
    json_decref(r);
    r = call(G->central.base, "GET", G->officer, NULL, 200, "/api/audit/reads?nik=" NIK_B1);
    int list = 0;
    json_array_foreach(json_object_get(r, "reads"), k, x)
        list += strcmp(jstr(x, "action"), "pusat_adjudications") == 0;
    assert_true(list >= 1);
    json_decref(r);
    /* A node's officer may not decide at the central (no session there). */
    json_decref(call(G->central.base, "POST", NULL, "{\"decision\":\"duplicate\"}", 401,
                     "/api/pusat/records/%lld/decide", (long long)rid));
    json_decref(call(G->central.base, "POST", G->officer,
                     "{\"decision\":\"duplicate\",\"note\":\"orang yang sama\"}", 200,
                     "/api/pusat/records/%lld/decide", (long long)rid));
    wait_state(b, app, "rejected");
    cs = call(b->srv.base, "POST", NULL, status_in, 200, "/api/public/card-status");
    assert_string_equal(jstr(cs, "stage"), "rejected_duplicate");
    assert_non_null(strstr(jstr(cs, "advice"), "Disdukcapil"));
    json_decref(cs);
    counts_agree(b, "367105");
}

static void test_bad_input_at_central(void **state)
{
    NEED_PG(state);
    node *a = &G->a;
    json_int_t before = central_received("367110"), alerts = alerts_count();
    /* A real packet of node A, from its outbox folder. */
    char cmd[600], path[600] = "";
    snprintf(cmd, sizeof cmd, "ls %s/outbox/*.ktpkt | head -1", a->data);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(path, sizeof path, p));
    pclose(p);
    path[strcspn(path, "\n")] = '\0';
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 22);
    size_t len = fread(buf, 1, 1 << 22, f);
    fclose(f);
    char url[200];
    snprintf(url, sizeof url, "%s/api/link/v1/packets", G->central.base);
    api_resp r;
    /* Delivered twice: acknowledged as a duplicate, stored once. */
    assert_int_equal(api_call(&r, "POST", url, NULL, "application/octet-stream", buf, len), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "duplicate"));
    api_resp_free(&r);
    /* A flipped byte inside the encrypted payload. */
    buf[len / 2] ^= 0x20;
    assert_int_equal(api_call(&r, "POST", url, NULL, "application/octet-stream", buf, len), 0);
    assert_true(r.status == 400 || r.status == 401);
    api_resp_free(&r);
    buf[len / 2] ^= 0x20;
    /* Truncated, garbage, empty. */
    assert_int_equal(api_call(&r, "POST", url, NULL, "application/octet-stream", buf, len / 3), 0);
    assert_int_equal(r.status, 400);
    api_resp_free(&r);
    assert_int_equal(api_call(&r, "POST", url, NULL, "application/octet-stream", "{garbage", 8), 0);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "packet_malformed"));
    api_resp_free(&r);
    /* Garbage JSON at the enrolment; a wrong code for a registered node. */
    snprintf(url, sizeof url, "%s/api/link/v1/enrol", G->central.base);
    assert_int_equal(api_json(&r, "POST", url, NULL, "{\"node_id\":"), 0);
    assert_int_equal(r.status, 400);
    api_resp_free(&r);
    assert_int_equal(api_json(&r, "POST", url, NULL,
                              "{\"node_id\":\"367110-01\",\"code\":\"AAAAA-BBBBB-CCCCC-DDDDD\","
                              "\"public_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}"),
                     0);
    assert_int_equal(r.status, 403);
    api_resp_free(&r);
    /* An unsigned or forged feed request. */
    snprintf(url, sizeof url, "%s/api/link/v1/status?after=0&limit=10", G->central.base);
    assert_int_equal(api_call(&r, "GET", url, NULL, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 401);
    api_resp_free(&r);
    free(buf);
    /* Nothing was stored; every refusal left an alert. */
    assert_int_equal(central_received("367110"), before);
    assert_true(alerts_count() >= alerts + 3);
}

static void test_central_down(void **state)
{
    NEED_PG(state);
    node *a = &G->a;
    assert_int_equal(api_server_stop(&G->central), 0);
    json_int_t app = G->app_a3 = record_person(a, NIK_A3, &G->m[3], 0);
    /* Rounds while the central is down: the packet waits, retried, with the reason. */
    json_t *j = call(a->srv.base, "POST", a->sup, NULL, 200, "/api/kiriman/sync");
    assert_int_equal(jint(j, "sent"), 0);
    assert_true(jint(j, "retry") >= 1);
    json_decref(j);
    j = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/kiriman/outbox?state=ready");
    json_t *pk = json_array_get(json_object_get(j, "packets"), 0);
    assert_non_null(pk);
    assert_true(jint(pk, "attempts") >= 1);
    assert_true(strlen(jstr(pk, "last_error")) > 0);
    assert_string_equal(jstr(pk, "nik"), NIK_A3); /* the supervisor sees it whole */
    json_decref(j);
    /* and the list is in the access log with the NIKs it showed */
    j = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/audit/reads?nik=" NIK_A3);
    int listed = 0;
    size_t k;
    json_t *x;
    json_array_foreach(json_object_get(j, "reads"), k, x)
        listed += strcmp(jstr(x, "action"), "link_outbox") == 0 &&
                  strcmp(jstr(x, "detail"), "ready") == 0;
    assert_int_equal(listed, 1);
    json_decref(j);
    j = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/applications/%lld", (long long)app);
    assert_string_equal(jstr(j, "state"), "receipt_issued");
    json_decref(j);
    /* The central is back: the queue drains. */
    assert_int_equal(central_start(NULL), 0);
    wait_state(a, app, "print_ready");
    counts_agree(a, "367110");
}

static void test_crashes(void **state)
{
    NEED_PG(state);
    node *a = &G->a;
    char out[8192];
    const char *sync[] = {"link", "sync", "--force", "--db", a->db, NULL};
    /* Central killed right after its commit, before it answers: the node retries, the
       central says "duplicate", the packet is processed once. */
    assert_int_equal(api_server_stop(&G->central), 0);
    assert_int_equal(central_start("pusat_after_commit"), 0);
    json_int_t app = record_person(a, NIK_A2, &G->m[6], 0);
    int st = capture(sync, out, sizeof out, NULL);
    (void)st;
    reap(&G->central);
    assert_int_equal(central_start(NULL), 0);
    wait_state(a, app, "print_ready");
    counts_agree(a, "367110");
    /* Central killed before its commit (the handover packet): nothing stored, sent again. */
    assert_int_equal(api_server_stop(&G->central), 0);
    assert_int_equal(central_start("pusat_before_commit"), 0);
    card_to_node(a, app, "367110", "3671-0000002");
    hand_over(a, app);
    capture(sync, out, sizeof out, NULL);
    reap(&G->central);
    assert_int_equal(central_start(NULL), 0);
    /* The node killed right after the central acknowledged (it does not know it was sent),
       then killed in the middle of applying a status (nothing of it committed). */
    int st2 = capture(sync, out, sizeof out, "node_after_send");
    if (st2 != 128 + SIGKILL) {
        fprintf(stderr, "link sync (node_after_send) exited %d: %s\n", st2, out);
        json_t *dbg = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/kiriman/outbox");
        char *t = json_dumps(dbg, JSON_COMPACT);
        fprintf(stderr, "outbox: %s\n", t);
        free(t);
        json_decref(dbg);
    }
    assert_int_equal(st2, 128 + SIGKILL);
    struct timespec ts = {0, 500 * 1000 * 1000};
    nanosleep(&ts, NULL); /* the central's worker processes what it received */
    assert_int_equal(capture(sync, out, sizeof out, "node_mid_apply"), 128 + SIGKILL);
    counts_agree(a, "367110");
}

static void test_cut_upload_and_mangled_feed(void **state)
{
    NEED_PG(state);
    node *a = &G->a;
    /* The connection is cut in the middle of the upload, twice: the central never stored
       half a packet; the node retries and the packet arrives once. */
    P.cut_uploads = 2;
    /* The status feed answers with every entry twice and in reverse order. */
    P.mangle_feed = 1;
    json_int_t before = central_received("367110");
    json_int_t app = G->app_a4 = record_person(a, NIK_A4, &G->m[9], 0);
    json_t *j = call(a->srv.base, "POST", a->sup, NULL, 200, "/api/kiriman/sync");
    assert_int_equal(jint(j, "sent"), 0);
    json_decref(j);
    assert_int_equal(central_received("367110"), before); /* nothing of the cut upload */
    for (int i = 0; i < 3; i++)
        json_decref(call(a->srv.base, "POST", a->sup, NULL, 200, "/api/kiriman/sync"));
    assert_int_equal(P.cuts_done, 2);
    assert_int_equal(central_received("367110"), before + 1);
    wait_state(a, app, "print_ready"); /* statuses applied once, in order, whatever came */
    P.mangle_feed = 0;
    counts_agree(a, "367110");
}

/* Two cards in one shipment; every status delivered twice and out of order; the node killed
   in the middle of applying the shipment; the box short of one card. */
static void test_shipment_faults(void **state)
{
    NEED_PG(state);
    node *a = &G->a;
    char out[8192], no[40], st[40], ids[64];
    const char *sync[] = {"link", "sync", "--force", "--db", a->db, NULL};
    json_int_t a3 = G->app_a3, a4 = G->app_a4;
    /* Node A's server stopped meanwhile: its agent pulls nothing, `ktpel link sync` alone
       applies what comes (counts_agree left nothing pending). */
    assert_int_equal(api_server_stop(&a->srv), 0);
    central_print(a, a3, "3671-0000003");
    central_print(a, a4, "3671-0000004");
    central_ship("367110", no);
    /* Node A's feed now: SENT_FOR_CARD_PRINTING and CARD_PRINTED for each card, then
       CARD_SHIPPED for each. Killed at the sixth apply (the second card's CARD_SHIPPED, not
       committed). */
    P.mangle_feed = 1;
    int killed = capture(sync, out, sizeof out, "node_mid_apply@6");
    if (killed != 128 + SIGKILL)
        fprintf(stderr, "link sync (node_mid_apply@6) exited %d: %s\n", killed, out);
    assert_int_equal(killed, 128 + SIGKILL);
    assert_int_equal(api_server_start_with(&a->srv, a->db, a->data, node_extra), 0);
    json_t *sh = node_shipment(a, no);
    assert_non_null(sh);
    assert_int_equal(jint(sh, "cards"), 2);
    assert_int_equal(jint(sh, "listed"), 1);
    assert_false(json_is_true(json_object_get(sh, "complete")));
    json_decref(sh);
    /* The officer cannot tick the box against half a list. */
    json_t *j = node_receive(a, no, NULL, 409);
    assert_string_equal(jstr(json_object_get(j, "error"), "code"), "shipment_incomplete");
    json_decref(j);
    /* The next round applies the rest once, whatever order and how often it comes. */
    node_sync(a);
    sh = node_shipment(a, no);
    assert_int_equal(jint(sh, "listed"), 2);
    assert_true(json_is_true(json_object_get(sh, "complete")));
    json_decref(sh);
    /* The box holds A3's card only: A4's is missing, and shown so. */
    snprintf(ids, sizeof ids, "[%lld]", (long long)a3);
    sh = node_receive(a, no, ids, 200);
    assert_int_equal(jint(sh, "received"), 1);
    assert_int_equal(jint(sh, "missing"), 1);
    json_decref(sh);
    assert_string_equal(app_state(a, a3, st), "printed");
    assert_string_equal(app_state(a, a4, st), "print_ready");
    j = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/kiriman");
    assert_int_equal(jint(j, "cards_missing"), 1);
    assert_int_equal(jint(j, "shipments_waiting"), 0);
    json_decref(j);
    /* A card of another shipment, or one already received, is refused. */
    json_decref(node_receive(a, no, "[999999]", 400));
    json_decref(node_receive(a, no, ids, 409));
    /* A4's card turns up. */
    snprintf(ids, sizeof ids, "[%lld]", (long long)a4);
    sh = node_receive(a, no, ids, 200);
    assert_int_equal(jint(sh, "missing"), 0);
    assert_int_equal(jint(sh, "received"), 2);
    json_decref(sh);
    assert_string_equal(app_state(a, a4, st), "printed");
    P.mangle_feed = 0;
    counts_agree(a, "367110");
}

/* The central hangs in the middle of an upload: the node's server still stops at once (its
   send is cancelled), and the packet goes at the next start. */
static void test_shutdown_mid_send(void **state)
{
    NEED_PG(state);
    node *a = &G->a;
    static const char *const fast[] = {"--link-interval", "200", NULL};
    hand_over(a, G->app_a3); /* a card_issued packet to send */
    P.held = 0;
    P.hold_uploads = 1;
    assert_int_equal(api_server_stop(&a->srv), 0);
    assert_int_equal(api_server_start_with(&a->srv, a->db, a->data, fast), 0);
    for (int i = 0; i < 400 && P.held == 0; i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(P.held >= 1); /* the agent is waiting for the central's answer */
    /* SIGTERM: graceful (api_server_stop kills after 10 s and says -1; the send's own timeout
       is 120 s). */
    assert_int_equal(api_server_stop(&a->srv), 0);
    P.hold_uploads = 0;
    assert_int_equal(api_server_start_with(&a->srv, a->db, a->data, node_extra), 0);
    counts_agree(a, "367110");
}

/* The central is the source of population data: an import there reaches the nodes that hold
   the residents (changed, moved to another kecamatan), and a death removes the resident. */
static void test_resident_feed(void **state)
{
    NEED_PG(state);
    node *a = &G->a, *b = &G->b;
    node_sync(a);
    node_sync(b);
    json_t *info = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/kiriman");
    json_int_t cursor = jint(info, "resident_cursor");
    assert_true(cursor >= 4); /* its four residents, published at the start */
    json_decref(info);
    /* A new SIAK extract at the central: NIK_A1 has a new address, NIK_A2 moved to Cipondoh. */
    char csv[sizeof csv_a + 200], path[400], out[4096];
    snprintf(csv, sizeof csv, "%s", csv_a);
    char *p1 = strstr(csv, "JL. PROF. DR. SITANALA NO. 5");
    memcpy(p1, "JL. GARUDA NO. 99           ", 28);
    char *p2 = strstr(csv, "3671101002,367110");
    memcpy(p2, "3671051001,367105", 17);
    snprintf(path, sizeof path, "%s/siak2.csv", G->cdir);
    assert_int_equal(api_write_file(path, csv, strlen(csv)), 0);
    const char *imp[] = {"import-siak", path, "--db", G->pgloc, "--data", G->cdata, NULL};
    assert_int_equal(capture(imp, out, sizeof out, NULL), 0);
    const char *pub[] = {"pusat", "publish", "--db", G->pgloc, "--data", G->cdata, NULL};
    assert_int_equal(capture(pub, out, sizeof out, NULL), 0);
    node_sync(a);
    node_sync(b);
    json_t *r = call(a->srv.base, "GET", a->intake, NULL, 200, "/api/residents/%s", NIK_A1);
    assert_non_null(strstr(jstr(json_object_get(r, "resident") ? json_object_get(r, "resident") : r,
                                "address"),
                           "GARUDA"));
    json_decref(r);
    json_decref(call(a->srv.base, "GET", a->intake, NULL, 404, "/api/residents/%s", NIK_A2));
    json_decref(call(b->srv.base, "GET", b->intake, NULL, 200, "/api/residents/%s", NIK_A2));
    /* Applied once: another round applies nothing. */
    json_t *j = call(a->srv.base, "POST", a->sup, NULL, 200, "/api/kiriman/sync");
    assert_int_equal(jint(j, "residents"), 0);
    json_decref(j);
    /* A death recorded at the central. */
    const char *dec[] = {"pusat", "resident", "deceased", NIK_B1, "--db", G->pgloc, "--data",
                         G->cdata, NULL};
    assert_int_equal(capture(dec, out, sizeof out, NULL), 0);
    node_sync(b);
    json_decref(call(b->srv.base, "GET", b->intake, NULL, 404, "/api/residents/%s", NIK_B1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prr_print_handover),
        cmocka_unit_test(test_duplicate_across_kecamatan),
        cmocka_unit_test(test_bad_input_at_central),
        cmocka_unit_test(test_central_down),
        cmocka_unit_test(test_crashes),
        cmocka_unit_test(test_cut_upload_and_mangled_feed),
        cmocka_unit_test(test_shipment_faults),
        cmocka_unit_test(test_shutdown_mid_send),
        cmocka_unit_test(test_resident_feed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
