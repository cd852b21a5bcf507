/*
 * test_link.c - a city on loopback through the real parts (issue 11): the central
 * (`ktpel serve --role pusat`) on a real PostgreSQL started by the test (tests/pg), two
 * kecamatan nodes (`ktpel serve`, SQLite) enrolled with one-time codes, and packets going over
 * HTTP on loopback (the link runs over HTTPS with a pinned key once the server's TLS lands;
 * docs/internals/link.md).
 *
 *   - a person recorded at node A (Neglasari) comes back PRINT_READY_RECORD, is printed, handed
 *     over, and the handover reaches the central as CARD_ISSUED;
 *   - the same fingers under another NIK at node B (Cipondoh) are DUPLICATE_RECORD at the
 *     central, adjudicated by the central's officer, and the decision reaches node B (and
 *     node B's public card-status page says what each means for the citizen);
 *   - a linked node refuses the manual Disdukcapil buttons;
 *   - faults, each ending with the counts compared (packets recorded = received; statuses
 *     issued = applied): the central down (the queue waits, then drains), the node killed
 *     right after the central's acknowledgement and mid-status-apply, the central killed
 *     before and after its commit, a packet delivered twice;
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
    char officer[160];
    node a, b;
    bio_synth_master *m[12]; /* fingers: m[0..2] person X (A1 and B1); m[3..5], m[6..8],
                               m[9..11] three other people */
} fx;

static fx *G;

/* ---- the fault-injecting proxy between node A and the central ------------------------------
   One request per connection (the node's client opens one per call). Modes, set by a test:
   cut_uploads > 0: the next packet uploads are cut after half their body (both sides closed);
   mangle_feed: status feed answers have every entry twice and in reverse order. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

typedef struct proxy {
    int lfd;
    unsigned port, target;
    pthread_t th;
    volatile int stop, cut_uploads, mangle_feed, cuts_done;
} proxy;

static proxy P;

static int read_http(int fd, char **out, size_t *len)
{
    size_t cap = 1 << 16, n = 0, need = 0;
    char *b = malloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            b = realloc(b, cap);
        }
        ssize_t k = recv(fd, b + n, cap - n - 1, 0);
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

static void send_all(int fd, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        b += k;
        n -= (size_t)k;
    }
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
        int c = accept(P.lfd, NULL, NULL);
        if (c < 0)
            continue;
        char *req = NULL, *resp = NULL;
        size_t rl = 0, sl = 0;
        if (read_http(c, &req, &rl) == 0) {
            int upload = strncmp(req, "POST /api/link/v1/packets", 25) == 0;
            int feed = strncmp(req, "GET /api/link/v1/status", 23) == 0;
            int s = connect_to(P.target);
            if (s >= 0 && upload && P.cut_uploads > 0) {
                P.cut_uploads--;
                P.cuts_done++;
                send_all(s, req, rl / 2); /* the connection is cut mid-upload */
            } else if (s >= 0) {
                send_all(s, req, rl);
                if (read_http(s, &resp, &sl) == 0) {
                    if (feed && P.mangle_feed && strstr(resp, " 200 ") != NULL) {
                        char *m = mangle(resp, &sl);
                        free(resp);
                        resp = m;
                    }
                    send_all(c, resp, sl);
                }
            }
            if (s >= 0)
                close(s);
        }
        free(req);
        free(resp);
        close(c);
    }
    return NULL;
}

static int proxy_start(unsigned target)
{
    memset(&P, 0, sizeof P);
    P.target = target;
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
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", port);
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

static const char *const central_extra[] = {"--role", "pusat", NULL};
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
    snprintf(url, sizeof url, "http://127.0.0.1:%u", via_port);
    const char *enrol[] = {"link", "enrol", "--central", url, "--node-id", node_id, "--code",
                           code, "--db", n->db, NULL};
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
    if (api_ktpel_in(user, "rahasia-petugas_pusat\n") != 0)
        goto fail;
    f->cport = api_free_port();
    if (central_start(NULL) != 0)
        goto fail;
    if (api_login(f->central.base, "petugas_pusat", 0, f->officer) != 0)
        goto fail;
    /* Node A talks to the central through the fault-injecting proxy (pass-through unless a
       test sets a fault); node B directly. */
    if (proxy_start(f->cport) != 0 ||
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
    json_int_t app = record_person(a, NIK_A1, &G->m[0], 0);
    wait_state(a, app, "print_ready");
    /* A linked node offers no manual Disdukcapil buttons. */
    json_t *j = call(a->srv.base, "POST", a->sup, NULL, 409,
                     "/api/applications/%lld/actions/send", (long long)app);
    assert_string_equal(jstr(json_object_get(j, "error"), "code"), "linked_node");
    json_decref(j);
    /* The card arrives at the kecamatan and is handed over. */
    json_decref(call(a->srv.base, "POST", a->sup, NULL, 200,
                     "/api/applications/%lld/actions/print", (long long)app));
    j = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/applications/%lld", (long long)app);
    char body[200];
    snprintf(body, sizeof body, "{\"receipt_no\":\"%s\",\"confirmed_by\":\"ktp_receipt\"}",
             jstr(j, "receipt_no"));
    json_decref(j);
    json_decref(call(a->srv.base, "POST", a->handover, body, 200,
                     "/api/applications/%lld/hand-over", (long long)app));
    /* CARD_ISSUED comes back for the handover packet. */
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
    json_int_t app = record_person(a, NIK_A3, &G->m[3], 0);
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
    json_decref(call(a->srv.base, "POST", a->sup, NULL, 200,
                     "/api/applications/%lld/actions/print", (long long)app));
    json_t *j = call(a->srv.base, "GET", a->sup, NULL, 200, "/api/applications/%lld",
                     (long long)app);
    char body[200];
    snprintf(body, sizeof body, "{\"receipt_no\":\"%s\",\"confirmed_by\":\"ktp_receipt\"}",
             jstr(j, "receipt_no"));
    json_decref(j);
    json_decref(call(a->srv.base, "POST", a->handover, body, 200,
                     "/api/applications/%lld/hand-over", (long long)app));
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
    json_int_t app = record_person(a, NIK_A4, &G->m[9], 0);
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
        cmocka_unit_test(test_resident_feed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
