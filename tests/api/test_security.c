/*
 * test_security.c - issue 9's findings on the HTTP side, each through the real `ktpel serve`
 * over loopback (docs/security.md "HTTP and browser"). Loopback has a whole /8: the attacker
 * is 127.0.0.1 and "another client" is 127.0.0.2, as two machines of the office LAN would be.
 *   - a request flood from one client: it gets 429 with Retry-After, the other is answered;
 *   - 1000 slow connections (headers trickled): at most the per-client share is accepted, the
 *     rest are closed after the header timeout, another client is answered meanwhile;
 *   - event stream exhaustion: one client gets its share of streams and a 503, another still
 *     gets one; the public stream carries no person (no NIK, no application), the staff stream
 *     needs a session and carries no NIK either;
 *   - the kiosk: a registered kiosk takes tickets (at a kiosk's rate), any other client a small
 *     budget, an officer freely; a revoked kiosk is refused; a priority claim is decided by the
 *     calling officer only (declined: back to the regular queue);
 *   - cross-site requests (Origin, Fetch Metadata, form and text bodies) change nothing;
 *     every reply carries its CSP and the other headers, documents their disposition, and a
 *     biometric download never comes back as a page;
 *   - a forged access-log line (%0a in the path) stays one escaped line;
 *   - HTTPS with the certificate `ktpel tls self-signed` makes: a full path, the Secure cookie
 *     and HSTS; a LAN address without TLS is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define ADULT "3671101203900001"

static const char csv[] =
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,"
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"
    "ktp_status,card_valid\n" ADULT ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,,1,"
    "2,,,WNI,,JL. PROF. DR. SITANALA NO. 5,002,005,3671101001,367110,,UNREGISTERED,0\n";

/* An 8x8 grey PNG. */
static const unsigned char png8[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00, 0xe1,
    0x64, 0xe1, 0x57, 0x00, 0x00, 0x00, 0x4d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60,
    0x60, 0xe7, 0x13, 0x95, 0x51, 0xd6, 0x32, 0x64, 0x60, 0xe6, 0x12, 0x94, 0x90, 0x57, 0xd3,
    0x35, 0x61, 0x60, 0xe3, 0x15, 0x91, 0x56, 0xd2, 0x34, 0x30, 0x67, 0xe0, 0x14, 0x10, 0x97,
    0x53, 0xd5, 0x31, 0xb6, 0x62, 0xe0, 0x11, 0x96, 0x52, 0xd4, 0xd0, 0x37, 0xb3, 0x65, 0xe0,
    0x17, 0x93, 0x55, 0xd1, 0x36, 0xb2, 0x74, 0x60, 0x10, 0x92, 0x54, 0x50, 0xd7, 0x33, 0xb5,
    0x71, 0x66, 0x00, 0xeb, 0xb5, 0xb0, 0x77, 0x03, 0x00, 0x0e, 0xb7, 0x08, 0xc1, 0xe2, 0x0e,
    0x31, 0x53, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

typedef struct fx {
    char dir[256], db[300], data[300];
    char kiosk[65];
    api_server srv;
    char intake[160], intake2[160], operator_[160], admin[160];
} fx;

static fx *G;

/* A site with one resident, five officers and a registered kiosk; no server yet. */
static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    G = f;
    assert_int_equal(api_site_make(f->dir, f->db, f->data, csv), 0);
    assert_int_equal(api_add_user(f->db, "intake1", "intake", "1"), 0);
    assert_int_equal(api_add_user(f->db, "intake2", "intake", "2"), 0);
    assert_int_equal(api_add_user(f->db, "operator1", "operator", NULL), 0);
    assert_int_equal(api_add_user(f->db, "admin1", "admin", NULL), 0);
    assert_int_equal(api_kiosk_add(f->db, "Kios lobi", f->kiosk), 0);
    api_use_kiosk(NULL);
    api_use_source(NULL);
    api_use_ca(NULL);
    api_add_header(NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->srv.pid > 0)
        assert_int_equal(api_server_stop(&f->srv), 0); /* graceful and, under ASan, leak-free */
    api_use_kiosk(NULL);
    api_use_source(NULL);
    api_use_ca(NULL);
    api_add_header(NULL);
    api_server_log(NULL);
    api_tmp_remove(f->dir);
    free(f);
    return 0;
}

static void start(const char *const *extra)
{
    assert_int_equal(api_server_start_with(&G->srv, G->db, G->data, extra), 0);
}

static void login_all(void)
{
    assert_int_equal(api_login(G->srv.base, "intake1", 1, G->intake), 0);
    assert_int_equal(api_login(G->srv.base, "intake2", 2, G->intake2), 0);
    assert_int_equal(api_login(G->srv.base, "operator1", 0, G->operator_), 0);
    assert_int_equal(api_login(G->srv.base, "admin1", 0, G->admin), 0);
}

/* One call to this test's server whose status must be want; the response in r (owned by
   the caller). */
#define req(r, method, cookie, ctype, body, want, ...)                                        \
    assert_int_equal(api_expect(r, G->srv.base, method, cookie, ctype, body, want, __VA_ARGS__), 0)

static json_t *call(const char *method, const char *cookie, const char *body, long want,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static json_t *call(const char *method, const char *cookie, const char *body, long want,
                    const char *fmt, ...)
{
    char path[400];
    api_resp r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    req(&r, method, cookie, NULL, body, want, "%s", path);
    json_t *j = api_body(&r);
    api_resp_free(&r);
    return j;
}

static const char *ecode(const json_t *j)
{
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    return c != NULL ? c : "";
}

static json_int_t jid(const json_t *j) { return json_integer_value(json_object_get(j, "id")); }

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A TCP connection to the server from a chosen local address (non-blocking), or -1. */
static int connect_from(const char *local, unsigned port)
{
    struct sockaddr_in a, b;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    memset(&b, 0, sizeof b);
    b.sin_family = AF_INET;
    inet_pton(AF_INET, local, &b.sin_addr);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&b, sizeof b) != 0 ||
        (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* 1 when the server closed fd (end of file or reset), 0 while it is open. */
static int closed_by_server(int fd)
{
    char b[512];
    for (;;) {
        ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
        if (n > 0)
            continue; /* an answer (e.g. 408/503): keep reading to the end */
        if (n == 0)
            return 1;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : 1;
    }
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- a request flood from one client ------------------------------------------------- */

typedef struct flooder {
    unsigned port;
    volatile int *stop;
    long ok, limited, retry_after;
} flooder;

/* Keep-alive GETs as fast as one connection goes, from 127.0.0.1 (raw HTTP/1.1). */
static void *flood(void *arg)
{
    flooder *f = arg;
    static const char rq[] = "GET /api/queue/board HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[8192];
    int fd = -1;
    while (!*f->stop) {
        if (fd < 0) {
            struct pollfd p;
            fd = connect_from("127.0.0.1", f->port);
            if (fd < 0)
                break;
            p.fd = fd;
            p.events = POLLOUT;
            if (poll(&p, 1, 2000) <= 0) {
                close(fd);
                fd = -1;
                continue;
            }
            fcntl(fd, F_SETFL, 0); /* blocking from here */
        }
        if (send(fd, rq, sizeof rq - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof rq - 1)) {
            close(fd);
            fd = -1;
            continue;
        }
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n <= 0) {
            close(fd);
            fd = -1;
            continue;
        }
        buf[n] = '\0';
        if (strncmp(buf, "HTTP/1.1 429", 12) == 0) {
            f->limited++;
            if (strstr(buf, "Retry-After:") != NULL && strstr(buf, "rate_limited") != NULL)
                f->retry_after++;
        } else if (strncmp(buf, "HTTP/1.1 200", 12) == 0) {
            f->ok++;
        }
        /* a whole reply fits in one read here (small JSON); a partial one is harmless */
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void test_request_flood(void **state)
{
    enum { THREADS = 8 };
    flooder fl[THREADS];
    pthread_t th[THREADS];
    volatile int stop = 0;
    long limited = 0, with_retry = 0;
    (void)state;
    start(NULL);
    for (int i = 0; i < THREADS; i++) {
        memset(&fl[i], 0, sizeof fl[i]);
        fl[i].port = G->srv.port;
        fl[i].stop = &stop;
        assert_int_equal(pthread_create(&th[i], NULL, flood, &fl[i]), 0);
    }
    sleep_ms(1000);
    /* meanwhile another client is answered, every time */
    api_use_source("127.0.0.2");
    for (int i = 0; i < 20; i++) {
        api_resp r;
        req(&r, "GET", NULL, NULL, NULL, 200, "/api/queue/board");
        api_resp_free(&r);
    }
    api_use_source(NULL);
    stop = 1;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        limited += fl[i].limited;
        with_retry += fl[i].retry_after;
    }
    /* the flooder was told to slow down, in JSON, with Retry-After */
    assert_true(limited > 0);
    assert_true(with_retry > 0);
}

/* ---- slow clients -------------------------------------------------------------------- */

static void test_slow_clients(void **state)
{
    enum { SLOW = 1000 };
    static int fds[SLOW];
    static const char part[] = "GET /api/queue/board HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    const char *const extra[] = {"--header-timeout", "2", NULL};
    int open_now = 0;
    (void)state;
    raise_fd_limit();
    start(extra);
    /* 1000 connections that send their headers a line at a time and never finish */
    for (int i = 0; i < SLOW; i++) {
        fds[i] = connect_from("127.0.0.1", G->srv.port);
        assert_true(fds[i] >= 0);
    }
    sleep_ms(300);
    for (int i = 0; i < SLOW; i++)
        (void)send(fds[i], part, sizeof part - 1, MSG_NOSIGNAL);
    sleep_ms(300);
    for (int i = 0; i < SLOW; i++)
        (void)send(fds[i], "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
    sleep_ms(200);
    for (int i = 0; i < SLOW; i++)
        open_now += !closed_by_server(fds[i]);
    fprintf(stderr, "slow clients: %d of %d connections from one client still open\n", open_now,
            SLOW);
    /* one client holds at most its share (32 by default) */
    assert_true(open_now <= 32);
    /* another client is answered at once */
    api_use_source("127.0.0.2");
    int64_t t0 = now_ms();
    api_resp r;
    req(&r, "GET", NULL, NULL, NULL, 200, "/api/queue/board");
    api_resp_free(&r);
    fprintf(stderr, "slow clients: another client answered in %lld ms\n",
            (long long)(now_ms() - t0));
    api_use_source(NULL);
    /* still trickling, the slow ones are closed once their headers are 2 s late */
    for (int k = 0; k < 4; k++) {
        sleep_ms(800);
        for (int i = 0; i < SLOW; i++)
            (void)send(fds[i], "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
    }
    sleep_ms(500);
    open_now = 0;
    for (int i = 0; i < SLOW; i++) {
        open_now += !closed_by_server(fds[i]);
        close(fds[i]);
    }
    assert_int_equal(open_now, 0);
}

/* ---- event streams ------------------------------------------------------------------- */

static void test_stream_exhaustion(void **state)
{
    enum { STREAMS = 200 };
    static int fds[STREAMS];
    static const char rq[] = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    int streams = 0, refused = 0;
    char buf[2048];
    (void)state;
    raise_fd_limit();
    start(NULL);
    /* one client asks for 200 event streams */
    for (int i = 0; i < STREAMS; i++) {
        fds[i] = connect_from("127.0.0.1", G->srv.port);
        assert_true(fds[i] >= 0);
    }
    sleep_ms(300);
    for (int i = 0; i < STREAMS; i++)
        (void)send(fds[i], rq, sizeof rq - 1, MSG_NOSIGNAL);
    sleep_ms(1000);
    for (int i = 0; i < STREAMS; i++) {
        ssize_t n = recv(fds[i], buf, sizeof buf - 1, MSG_DONTWAIT);
        if (n <= 0)
            continue; /* closed at accept (the client's connections are all taken) */
        buf[n] = '\0';
        if (strncmp(buf, "HTTP/1.1 200", 12) == 0)
            streams++;
        else if (strncmp(buf, "HTTP/1.1 503", 12) == 0 && strstr(buf, "Retry-After:") &&
                 strstr(buf, "streams_full"))
            refused++;
    }
    fprintf(stderr, "streams: one client got %d streams, %d refused with 503\n", streams,
            refused);
    assert_true(streams >= 1 && streams <= 8);
    assert_true(refused >= 1);
    /* another client still gets its stream and its board */
    api_sse *c = calloc(1, sizeof *c);
    char url[512];
    assert_non_null(c);
    snprintf(url, sizeof url, "%s/api/events", G->srv.base);
    assert_int_equal(api_sse_start(c, url, NULL, "127.0.0.2"), 0);
    assert_true(api_sse_wait(c, ": ktpel"));
    api_use_source("127.0.0.2");
    api_resp r;
    req(&r, "GET", NULL, NULL, NULL, 200, "/api/queue/board");
    api_resp_free(&r);
    api_use_source(NULL);
    api_sse_stop(c);
    /* the first client's pages close: their slots are free again within a second or two */
    for (int i = 0; i < STREAMS; i++)
        close(fds[i]);
    sleep_ms(2500);
    assert_int_equal(api_sse_start(c, url, NULL, NULL), 0);
    assert_true(api_sse_wait(c, ": ktpel"));
    api_sse_stop(c);
    free(c);
}

/* Kiosk ticket, call at loket 1, open for ADULT; the application id. */
static json_int_t ticket_open(json_int_t *ticket)
{
    char body[200];
    api_use_kiosk(G->kiosk);
    json_t *t = call("POST", NULL, "{\"service\":\"rekam_baru\"}", 201, "/api/tickets");
    api_use_kiosk(NULL);
    *ticket = jid(t);
    json_decref(t);
    json_decref(call("POST", G->intake, NULL, 200, "/api/tickets/next"));
    snprintf(body, sizeof body, "{\"ticket_id\":%lld,\"nik\":\"%s\",\"kind\":\"baru\"}",
             (long long)*ticket, ADULT);
    json_t *a = call("POST", G->intake, body, 201, "/api/applications");
    json_int_t id = jid(a);
    json_decref(a);
    return id;
}

static void test_stream_privacy(void **state)
{
    api_sse *pub = calloc(1, sizeof *pub), *staff = calloc(1, sizeof *staff);
    char url[512];
    json_int_t ticket;
    (void)state;
    assert_non_null(pub);
    assert_non_null(staff);
    start(NULL);
    login_all();
    /* the staff stream needs a session */
    json_t *j = call("GET", NULL, NULL, 401, "/api/events/staff");
    assert_string_equal(ecode(j), "login_required");
    json_decref(j);
    snprintf(url, sizeof url, "%s/api/events", G->srv.base);
    assert_int_equal(api_sse_start(pub, url, NULL, NULL), 0);
    snprintf(url, sizeof url, "%s/api/events/staff", G->srv.base);
    assert_int_equal(api_sse_start(staff, url, G->intake, NULL), 0);
    assert_true(api_sse_wait(pub, ": ktpel"));
    assert_true(api_sse_wait(staff, ": ktpel"));
    /* a priority ticket, a call and an application for a person */
    api_use_kiosk(G->kiosk);
    json_decref(call("POST", NULL,
                     "{\"service\":\"perubahan_data\",\"priority\":true,"
                     "\"priority_reason\":\"disabilitas\"}",
                     201, "/api/tickets"));
    api_use_kiosk(NULL);
    json_decref(call("POST", G->intake, NULL, 200, "/api/tickets/next"));
    json_int_t app = ticket_open(&ticket);
    assert_true(api_sse_wait(staff, "\"application_changed\""));
    assert_true(api_sse_wait(pub, "event: ticket_called"));
    sleep_ms(300);
    pthread_mutex_lock(&pub->mu);
    /* the waiting room sees numbers and lokets, nothing about a person */
    assert_non_null(strstr(pub->got, "\"number\":\"A"));
    assert_null(strstr(pub->got, ADULT));
    assert_null(strstr(pub->got, "application"));
    assert_null(strstr(pub->got, "nik"));
    assert_null(strstr(pub->got, "priority"));
    assert_null(strstr(pub->got, "disabilitas"));
    assert_null(strstr(pub->got, "intake1"));
    pthread_mutex_unlock(&pub->mu);
    pthread_mutex_lock(&staff->mu);
    /* the staff stream: the application by id and state, never the NIK */
    char needle[64];
    snprintf(needle, sizeof needle, "\"application\":{\"id\":%lld", (long long)app);
    assert_non_null(strstr(staff->got, needle));
    assert_null(strstr(staff->got, ADULT));
    assert_null(strstr(staff->got, "nik"));
    assert_null(strstr(staff->got, "disabilitas"));
    pthread_mutex_unlock(&staff->mu);
    api_sse_stop(pub);
    api_sse_stop(staff);
    free(pub);
    free(staff);
}

/* ---- the kiosk ------------------------------------------------------------------------ */

static void test_kiosk_budget(void **state)
{
    api_resp r;
    char v[64];
    json_t *j;
    (void)state;
    start(NULL);
    login_all();
    /* a client that is no kiosk: a small budget, then 429 in Bahasa Indonesia */
    for (int i = 0; i < 3; i++)
        json_decref(call("POST", NULL, "{\"service\":\"rekam_baru\"}", 201, "/api/tickets"));
    req(&r, "POST", NULL, NULL, "{\"service\":\"rekam_baru\"}", 429, "/api/tickets");
    j = api_body(&r);
    assert_string_equal(ecode(j), "ticket_budget");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(j, "error"),
                                                             "message")),
                           "kios"));
    assert_non_null(api_header(&r, "Retry-After", v, sizeof v));
    assert_true(atoi(v) >= 60);
    json_decref(j);
    api_resp_free(&r);
    /* the registered kiosk: ten at once, then a kiosk's pace */
    api_use_kiosk(G->kiosk);
    for (int i = 0; i < 10; i++)
        json_decref(call("POST", NULL, "{\"service\":\"rekam_baru\"}", 201, "/api/tickets"));
    j = call("POST", NULL, "{\"service\":\"rekam_baru\"}", 429, "/api/tickets");
    assert_string_equal(ecode(j), "kiosk_too_fast");
    json_decref(j);
    api_use_kiosk(NULL);
    /* an officer takes them freely */
    for (int i = 0; i < 5; i++)
        json_decref(call("POST", G->intake, "{\"service\":\"hilang_rusak\"}", 201, "/api/tickets"));
    /* the kiosk's tickets are counted; a wrong secret is refused */
    j = call("GET", G->admin, NULL, 200, "/api/kiosks");
    assert_int_equal(json_array_size(j), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "tickets_today")),
                     10);
    char *text = json_dumps(j, 0);
    assert_non_null(text);
    assert_null(strstr(text, "token")); /* never a secret in the list */
    assert_null(strstr(text, G->kiosk));
    free(text);
    json_int_t kid = jid(json_array_get(j, 0));
    json_decref(j);
    api_use_kiosk("00000000000000000000000000000000000000000000000000000000000000ff");
    j = call("POST", NULL, "{\"service\":\"rekam_baru\"}", 401, "/api/tickets");
    assert_string_equal(ecode(j), "kiosk_unknown");
    json_decref(j);
    /* only the admin registers or revokes; a revoked kiosk is refused at once */
    api_use_kiosk(NULL);
    json_decref(call("POST", G->intake, "{\"name\":\"Kios palsu\"}", 403, "/api/kiosks"));
    json_decref(call("POST", G->admin, NULL, 200, "/api/kiosks/%lld/revoke", (long long)kid));
    api_use_kiosk(G->kiosk);
    j = call("POST", NULL, "{\"service\":\"rekam_baru\"}", 401, "/api/tickets");
    assert_string_equal(ecode(j), "kiosk_unknown");
    json_decref(j);
    api_use_kiosk(NULL);
}

static void test_priority_claim(void **state)
{
    json_t *t, *j;
    json_int_t regular, claim;
    (void)state;
    start(NULL);
    login_all();
    api_use_kiosk(G->kiosk);
    t = call("POST", NULL, "{\"service\":\"rekam_baru\"}", 201, "/api/tickets");
    regular = jid(t);
    json_decref(t);
    t = call("POST", NULL,
             "{\"service\":\"rekam_baru\",\"priority\":true,\"priority_reason\":\"lansia\"}", 201,
             "/api/tickets");
    claim = jid(t);
    json_decref(t);
    api_use_kiosk(NULL);
    /* the claim is called first, undecided */
    t = call("POST", G->intake, NULL, 200, "/api/tickets/next");
    assert_int_equal(jid(t), claim);
    assert_string_equal(json_string_value(json_object_get(t, "priority_check")), "");
    json_decref(t);
    /* another loket's officer cannot decide it; a bad body changes nothing */
    j = call("POST", G->intake2, "{\"confirm\":false}", 403, "/api/tickets/%lld/priority",
             (long long)claim);
    assert_string_equal(ecode(j), "not_your_ticket");
    json_decref(j);
    json_decref(call("POST", G->intake, "{\"confirm\":\"ya\"}", 400, "/api/tickets/%lld/priority",
                     (long long)claim));
    /* declined: back to the regular queue, in its place by time (after the earlier one) */
    t = call("POST", G->intake, "{\"confirm\":false,\"note\":\"tidak tampak lansia\"}", 200,
             "/api/tickets/%lld/priority", (long long)claim);
    assert_string_equal(json_string_value(json_object_get(t, "state")), "waiting");
    assert_false(json_is_true(json_object_get(t, "priority")));
    assert_string_equal(json_string_value(json_object_get(t, "priority_check")), "declined");
    json_decref(t);
    j = call("POST", G->intake, "{\"confirm\":true}", 409, "/api/tickets/%lld/priority",
             (long long)claim);
    assert_string_equal(ecode(j), "priority_not_claimed");
    json_decref(j);
    t = call("POST", G->intake, NULL, 200, "/api/tickets/next");
    assert_int_equal(jid(t), regular);
    json_decref(t);
    t = call("POST", G->intake2, NULL, 200, "/api/tickets/next");
    assert_int_equal(jid(t), claim);
    json_decref(t);
    /* a confirmed claim stays priority */
    api_use_kiosk(G->kiosk);
    t = call("POST", NULL,
             "{\"service\":\"rekam_baru\",\"priority\":true,\"priority_reason\":\"ibu_hamil\"}",
             201, "/api/tickets");
    claim = jid(t);
    json_decref(t);
    api_use_kiosk(NULL);
    json_decref(call("POST", G->intake, NULL, 200, "/api/tickets/next"));
    t = call("POST", G->intake, "{\"confirm\":true}", 200, "/api/tickets/%lld/priority",
             (long long)claim);
    assert_string_equal(json_string_value(json_object_get(t, "priority_check")), "confirmed");
    assert_true(json_is_true(json_object_get(t, "priority")));
    json_decref(t);
}

/* ---- the browser's protections -------------------------------------------------------- */

static int users_count(void)
{
    json_t *j = call("GET", G->admin, NULL, 200, "/api/users");
    int n = (int)json_array_size(j);
    json_decref(j);
    return n;
}

static void test_cross_site_refused(void **state)
{
    static const char body[] = "{\"username\":\"penyusup\",\"full_name\":\"X\",\"role\":\"admin\","
                               "\"password\":\"Rahasia-penyusup-1\"}";
    char origin[128], line[200];
    api_resp r;
    json_t *j;
    (void)state;
    start(NULL);
    login_all();
    int before = users_count();
    /* another origin (another port of this host is the same "site" for SameSite) */
    snprintf(line, sizeof line, "Origin: http://127.0.0.1:%u", G->srv.port + 1);
    api_add_header(line);
    req(&r, "POST", G->admin, NULL, body, 403, "/api/users");
    j = api_body(&r);
    assert_string_equal(ecode(j), "origin_refused");
    json_decref(j);
    api_resp_free(&r);
    api_add_header(NULL);
    api_add_header("Origin: null");
    req(&r, "POST", G->admin, NULL, body, 403, "/api/users");
    api_resp_free(&r);
    api_add_header(NULL);
    /* Fetch Metadata: a same-site or cross-site fetch, whatever its method */
    api_add_header("Sec-Fetch-Site: same-site");
    req(&r, "POST", G->admin, NULL, body, 403, "/api/users");
    api_resp_free(&r);
    req(&r, "GET", G->admin, NULL, NULL, 403, "/api/users");
    j = api_body(&r);
    assert_string_equal(ecode(j), "cross_origin_refused");
    json_decref(j);
    api_resp_free(&r);
    api_add_header(NULL);
    /* the bodies a form or a no-cors fetch can send are refused (415) */
    req(&r, "POST", G->admin, "text/plain", body, 415, "/api/users");
    j = api_body(&r);
    assert_string_equal(ecode(j), "content_type_refused");
    json_decref(j);
    api_resp_free(&r);
    req(&r, "POST", G->admin, "application/x-www-form-urlencoded", "username=penyusup", 415,
        "/api/users");
    api_resp_free(&r);
    req(&r, "POST", G->admin, "multipart/form-data; boundary=x", "--x--", 415, "/api/users");
    api_resp_free(&r);
    assert_int_equal(users_count(), before);
    /* our own origin, JSON: accepted */
    snprintf(origin, sizeof origin, "Origin: %s", G->srv.base);
    api_add_header(origin);
    api_add_header("Sec-Fetch-Site: same-origin");
    req(&r, "POST", G->admin, "application/json; charset=utf-8", body, 201, "/api/users");
    api_resp_free(&r);
    api_add_header(NULL);
    assert_int_equal(users_count(), before + 1);
}

static void test_reply_headers(void **state)
{
    char v[512], url[512];
    api_resp r;
    json_int_t ticket;
    (void)state;
    start(NULL);
    login_all();
    /* the API: nothing may load or run from a reply, even opened directly */
    req(&r, "GET", G->intake, NULL, NULL, 200, "/api/me");
    assert_non_null(api_header(&r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "default-src 'none'"));
    assert_non_null(strstr(v, "sandbox"));
    assert_non_null(api_header(&r, "X-Content-Type-Options", v, sizeof v));
    assert_string_equal(v, "nosniff");
    assert_non_null(api_header(&r, "X-Frame-Options", v, sizeof v));
    assert_non_null(api_header(&r, "Referrer-Policy", v, sizeof v));
    assert_string_equal(v, "no-referrer");
    assert_non_null(api_header(&r, "Cross-Origin-Resource-Policy", v, sizeof v));
    assert_string_equal(v, "same-origin");
    assert_null(api_header(&r, "Strict-Transport-Security", v, sizeof v)); /* plain HTTP */
    api_resp_free(&r);
    /* errors too */
    req(&r, "GET", NULL, NULL, NULL, 401, "/api/me");
    assert_non_null(api_header(&r, "Content-Security-Policy", v, sizeof v));
    api_resp_free(&r);
    /* a page: its own scripts only, never framed */
    req(&r, "GET", NULL, NULL, NULL, 200, "/index.html");
    assert_non_null(api_header(&r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "script-src 'self'"));
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    api_resp_free(&r);
    /* documents: the exact type and a disposition */
    json_int_t app = ticket_open(&ticket);
    req(&r, "GET", NULL, NULL, NULL, 200, "/api/tickets/%lld/ticket.pdf", (long long)ticket);
    assert_string_equal(r.ctype, "application/pdf");
    assert_non_null(api_header(&r, "Content-Disposition", v, sizeof v));
    assert_non_null(strstr(v, "inline; filename=\"tiket-"));
    api_resp_free(&r);
    req(&r, "GET", G->admin, NULL, NULL, 200, "/api/register.csv");
    assert_non_null(api_header(&r, "Content-Disposition", v, sizeof v));
    assert_non_null(strstr(v, "attachment"));
    api_resp_free(&r);
    /* a biometric file labelled text/html never comes back as a page */
    json_decref(call("POST", G->intake,
                     "{\"documents\":[\"pengantar_rt_rw\",\"f107\",\"kk_copy\",\"ijazah_akta\"]}",
                     200, "/api/applications/%lld/check", (long long)app));
    snprintf(url, sizeof url, "%s/api/applications/%lld/bio/face", G->srv.base, (long long)app);
    assert_int_equal(api_call(&r, "PUT", url, G->operator_, "text/plain", png8, sizeof png8), 0);
    assert_int_equal(r.status, 415); /* a type a cross-site form could send */
    api_resp_free(&r);
    assert_int_equal(api_call(&r, "PUT", url, G->operator_, "text/html", png8, sizeof png8), 0);
    long put = r.status;
    api_resp_free(&r);
    req(&r, "GET", G->operator_, NULL, NULL, put == 200 ? 200 : 404,
        "/api/applications/%lld/bio/face", (long long)app);
    if (put == 200) {
        assert_true(strcmp(r.ctype, "image/png") == 0 ||
                    strcmp(r.ctype, "application/octet-stream") == 0);
        assert_non_null(api_header(&r, "Content-Disposition", v, sizeof v));
        assert_non_null(strstr(v, "attachment"));
        assert_non_null(api_header(&r, "Content-Security-Policy", v, sizeof v));
        assert_non_null(strstr(v, "sandbox"));
    }
    api_resp_free(&r);
}

/* ---- the access log ------------------------------------------------------------------- */

static void test_log_forging(void **state)
{
    char log[400], line[1024];
    api_resp r;
    int lines = 0, forged = 0, escaped = 0;
    (void)state;
    snprintf(log, sizeof log, "%s/access.log", G->dir);
    api_server_log(log);
    start(NULL);
    api_server_log(NULL);
    req(&r, "GET", NULL, NULL, NULL, 404,
        "/api/x%%0a10.9.8.7%%20POST%%20/api/users%%20201%%2099%%201.00ms%%20user=admin1");
    api_resp_free(&r);
    assert_int_equal(api_server_stop(&G->srv), 0);
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL) {
        lines++;
        forged += strncmp(line, "10.9.8.7", 8) == 0;
        escaped += strstr(line, "/api/x\\x0a10.9.8.7\\x20POST") != NULL;
    }
    fclose(f);
    assert_true(lines >= 2);
    assert_int_equal(forged, 0);
    assert_int_equal(escaped, 1);
}

/* ---- HTTPS ---------------------------------------------------------------------------- */

static void test_https(void **state)
{
    char cert[300], key[300], v[512], url[512], port[16], listen[64];
    api_resp r;
    json_t *j;
    json_int_t ticket;
    (void)state;
    assert_int_equal(api_tls_make(G->dir, cert, key), 0);
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* a LAN address without TLS is refused with what to do */
    snprintf(listen, sizeof listen, "0.0.0.0:%u", api_free_port());
    const char *lan[] = {"serve", "--listen", listen, "--db", G->db, "--quiet", NULL};
    assert_int_equal(api_ktpel(lan), 1);
    /* a key others can read is refused */
    assert_int_equal(chmod(key, 0644), 0);
    const char *chk[] = {"tls", "check", "--cert", cert, "--key", key, NULL};
    assert_int_equal(api_ktpel(chk), 1);
    assert_int_equal(chmod(key, 0600), 0);
    assert_int_equal(api_ktpel(chk), 0);

    const char *const extra[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    api_use_ca(cert);
    start(extra);
    assert_int_equal(strncmp(G->srv.base, "https://", 8), 0);
    /* the session cookie is Secure, and every reply says: HTTPS from now on */
    snprintf(url, sizeof url, "%s/api/login", G->srv.base);
    assert_int_equal(api_json(&r, "POST", url, NULL,
                              "{\"username\":\"intake1\",\"password\":\"rahasia-intake1\","
                              "\"loket\":1}"),
                     0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.set_cookie, "; Secure"));
    assert_non_null(strstr(r.set_cookie, "HttpOnly"));
    assert_non_null(strstr(r.set_cookie, "SameSite=Strict"));
    assert_non_null(api_header(&r, "Strict-Transport-Security", v, sizeof v));
    assert_non_null(strstr(v, "max-age="));
    api_resp_free(&r);
    login_all();
    /* a whole path over HTTPS: kiosk ticket, call, open, check, the ticket PDF */
    json_int_t app = ticket_open(&ticket);
    json_decref(call("POST", G->intake,
                     "{\"documents\":[\"pengantar_rt_rw\",\"f107\",\"kk_copy\",\"ijazah_akta\"]}",
                     200, "/api/applications/%lld/check", (long long)app));
    j = call("GET", G->intake, NULL, 200, "/api/applications/%lld", (long long)app);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "checked");
    json_decref(j);
    req(&r, "GET", NULL, NULL, NULL, 200, "/api/tickets/%lld/ticket.pdf", (long long)ticket);
    assert_int_equal(memcmp(r.body, "%PDF-", 5), 0);
    api_resp_free(&r);
    json_decref(call("POST", G->intake, NULL, 200, "/api/logout"));
    /* the same port does not speak plain HTTP */
    snprintf(port, sizeof port, "%u", G->srv.port);
    snprintf(url, sizeof url, "http://127.0.0.1:%s/api/queue/board", port);
    assert_true(api_call(&r, "GET", url, NULL, NULL, NULL, 0) != 0 || r.status != 200);
    api_resp_free(&r);
    api_use_ca(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_flood, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_privacy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kiosk_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_site_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_forging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_https, setup, teardown),
    };
    int rc;
    curl_global_init(CURL_GLOBAL_ALL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
