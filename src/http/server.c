/*
 * server.c - the server core: a libmicrohttpd daemon (a thread per connection), the life of
 * one request (limits, route, browser checks, session, body, handler, reply, access log), the
 * reply helpers of server.h, and what keeps one client from denying service to the others.
 *
 * A request goes through the access handler several times (libmicrohttpd's protocol):
 *   1st call: headers only. The client's request budget (429), route it, the browser checks
 *             (cross-site fetches, Origin, body type: 403 / 415), the session (401), its body
 *             limit (a declared Content-Length over the limit: 413).
 *   next calls: body pieces, copied up to the limit; beyond it the rest is discarded.
 *   last call: the handler runs and its one reply is queued with the security headers.
 * The request object lives until libmicrohttpd's "completed" notification, which writes
 * the access-log line (escaped: a path cannot forge a line) and frees it.
 *
 * Slow clients. libmicrohttpd's timeout is an idle timeout: a client that sends one header
 * line every few seconds never trips it and holds a connection (and its thread) forever. So
 * every connection carries a deadline (http_conn): its request headers must be complete within
 * header_timeout_s of the connection's start (or of the previous reply on a kept-alive
 * connection, plus the idle allowance); a body must arrive at 32 KiB/s or better. A watchdog
 * thread shuts down (shutdown(2)) the socket of a connection past its deadline; libmicrohttpd
 * then closes it as if the client had left. The connection list's lock is held across that
 * call and libmicrohttpd notifies "closed" (which unlinks the entry under the same lock) before
 * it closes the descriptor, so the descriptor shut down is always the connection's own.
 * Together with the per-client connection cap (at accept), the per-client request rate and
 * the caps on event streams (sse.c), a flood from one address leaves room for everyone else.
 *
 * Never: let a handler's failure to reply leave a connection without an answer (a missing
 *        reply becomes a 500), hold a lock across a service call, or print what a client sent
 *        without escaping it.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/tls.h"

#define HTTP_BODY_MIN_RATE ((size_t)32 * 1024) /* bytes a second a body must keep up */
#define HTTP_LIMITER_SLOTS 4096

/* One TCP connection from accept to close (libmicrohttpd's socket context). */
typedef struct http_conn {
    struct http_conn *prev, *next;
    int fd;
    int64_t deadline_ns; /* 0 = none */
} http_conn;

struct http_core {
    struct MHD_Daemon *d;
    http_core_config cc;
    http_config cfg;      /* with the defaults filled in */
    uint16_t port;
    char web_root[PATH_MAX]; /* cc.web_root points here: the caller's string may not last */
    http_tls *tls;        /* owned; NULL without TLS */
    uint32_t proxy;       /* the TLS proxy's address (host order), 0 = none */
    int https;            /* the public scheme is https */
    FILE *log;            /* borrowed */
    http_limiter *lim;    /* owned */
    pthread_mutex_t cmu;  /* guards conns, stopping */
    pthread_cond_t ccv;   /* wakes the watchdog at stop */
    http_conn *conns;
    int stopping;
    int watchdog_on;
    pthread_t watchdog;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void http_config_defaults(http_config *cfg)
{
    if (cfg->listen == NULL)
        cfg->listen = "127.0.0.1:8080";
    if (cfg->max_connections == 0)
        cfg->max_connections = 1000;
    if (cfg->timeout_s == 0)
        cfg->timeout_s = 30;
    if (cfg->heartbeat_ms == 0)
        cfg->heartbeat_ms = 15000;
    if (cfg->client_connections == 0)
        cfg->client_connections = 32;
    if (cfg->header_timeout_s == 0)
        cfg->header_timeout_s = 10;
    if (cfg->rate_per_s == 0)
        cfg->rate_per_s = 50;
    if (cfg->rate_burst == 0)
        cfg->rate_burst = 200;
    if (cfg->max_streams == 0)
        cfg->max_streams = 256;
    if (cfg->client_streams == 0)
        cfg->client_streams = 8;
    if (cfg->stream_max_age_s == 0)
        cfg->stream_max_age_s = 600;
    if (cfg->ticket_budget == 0)
        cfg->ticket_budget = 6;
    if (cfg->kiosk_per_min == 0)
        cfg->kiosk_per_min = 30;
    if (cfg->public_per_min == 0)
        cfg->public_per_min = 60;
}

const http_config *http_core_cfg(const http_core *c) { return &c->cfg; }

int http_core_https(const http_core *c) { return c->https; }

/* ---- connections and their deadlines ------------------------------------------------- */

static http_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

/* Set the connection's deadline (0: none) `after_ns` from now. */
static void conn_deadline(http_core *c, struct MHD_Connection *conn, int64_t after_ns)
{
    http_conn *hc = conn_of(conn);
    if (hc == NULL)
        return;
    pthread_mutex_lock(&c->cmu);
    hc->deadline_ns = after_ns > 0 ? now_ns() + after_ns : 0;
    pthread_mutex_unlock(&c->cmu);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    http_core *c = cls;
    http_conn *hc = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        hc = calloc(1, sizeof *hc);
        if (hc == NULL || ci == NULL) {
            free(hc); /* no deadline for this one; the idle timeout still applies */
            return;
        }
        hc->fd = ci->connect_fd;
        pthread_mutex_lock(&c->cmu);
        hc->deadline_ns = now_ns() + (int64_t)c->cfg.header_timeout_s * 1000000000;
        hc->next = c->conns;
        if (c->conns != NULL)
            c->conns->prev = hc;
        c->conns = hc;
        pthread_mutex_unlock(&c->cmu);
        *socket_context = hc;
        return;
    }
    if (hc == NULL)
        return;
    pthread_mutex_lock(&c->cmu); /* unlinked before libmicrohttpd closes the descriptor */
    if (hc->prev != NULL)
        hc->prev->next = hc->next;
    else
        c->conns = hc->next;
    if (hc->next != NULL)
        hc->next->prev = hc->prev;
    pthread_mutex_unlock(&c->cmu);
    free(hc);
    *socket_context = NULL;
}

/* Once a second: shut down the connections past their deadline. */
static void *watchdog(void *arg)
{
    http_core *c = arg;
    pthread_mutex_lock(&c->cmu);
    while (!c->stopping) {
        struct timespec ts;
        size_t n = 0;
        int64_t now = now_ns();
        for (http_conn *hc = c->conns; hc != NULL; hc = hc->next)
            if (hc->deadline_ns != 0 && now > hc->deadline_ns) {
                shutdown(hc->fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
                hc->deadline_ns = 0;
                n++;
            }
        if (n > 0 && !c->cfg.quiet)
            fprintf(c->log, "ktpel: http: %zu koneksi lambat ditutup (header tidak lengkap dalam "
                            "%u detik atau badan terlalu lambat)\n",
                    n, c->cfg.header_timeout_s);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&c->ccv, &c->cmu, &ts);
    }
    pthread_mutex_unlock(&c->cmu);
    return NULL;
}

/* ---- clients --------------------------------------------------------------------------- */

static uint32_t peer_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL || ci->client_addr->sa_family != AF_INET)
        return 0;
    return ntohl(((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr.s_addr);
}

/* The client: the peer, or for the TLS proxy the last X-Forwarded-For entry (the address
   the proxy itself saw; earlier entries are whatever the client claimed). */
static uint32_t client_of(http_core *c, struct MHD_Connection *conn)
{
    uint32_t peer = peer_of(conn);
    const char *xff, *last;
    char ip[INET_ADDRSTRLEN];
    struct in_addr a;
    size_t n;
    if (c->proxy == 0 || peer != c->proxy)
        return peer;
    xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
    if (xff == NULL)
        return peer;
    last = strrchr(xff, ',');
    last = last != NULL ? last + 1 : xff;
    while (*last == ' ')
        last++;
    n = strcspn(last, " ");
    if (n == 0 || n >= sizeof ip)
        return peer;
    memcpy(ip, last, n);
    ip[n] = '\0';
    return inet_pton(AF_INET, ip, &a) == 1 ? ntohl(a.s_addr) : peer;
}

void http_client_text(const http_req *r, char *out, size_t cap)
{
    struct in_addr a;
    a.s_addr = htonl(r->client);
    if (cap == 0)
        return;
    if (r->client == 0 || inet_ntop(AF_INET, &a, out, (socklen_t)cap) == NULL)
        snprintf(out, cap, "-");
}

unsigned http_budget(http_req *r, unsigned kind, uint64_t id, double rate, double burst)
{
    uint64_t key = ((uint64_t)kind << 56) | (id != 0 ? id : (uint64_t)r->client);
    return http_limiter_take(r->core->lim, key, rate, burst, now_ns());
}

/* Proxy mode: only the proxy (and this computer) may talk plain HTTP to the server. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    http_core *c = cls;
    uint32_t ip;
    if (c->proxy == 0)
        return MHD_YES;
    if (addr == NULL || addr->sa_family != AF_INET || len < (socklen_t)sizeof(struct sockaddr_in))
        return MHD_NO;
    ip = ntohl(((const struct sockaddr_in *)(const void *)addr)->sin_addr.s_addr);
    return ip == c->proxy || (ip >> 24) == 127 ? MHD_YES : MHD_NO;
}

/* ---- request accessors --------------------------------------------------------------- */

const char *http_query(const http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

kt_code http_body_json(const http_req *r, json_t **out, kt_error *err)
{
    json_error_t je;
    json_t *v;
    size_t i;

    *out = NULL;
    for (i = 0; i < r->body_len; i++)
        if (r->body[i] != ' ' && r->body[i] != '\t' && r->body[i] != '\r' && r->body[i] != '\n')
            break;
    if (i == r->body_len) {
        *out = json_object();
        return *out != NULL ? KT_OK : kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    }
    v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
    if (v == NULL) {
        char where[64];
        snprintf(where, sizeof where, "line %d, column %d", je.line, je.column);
        return kt_fail(err, KT_EINVAL, "json_malformed", where, "JSON tidak valid: %s",
                       je.text);
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return kt_fail(err, KT_EINVAL, "json_not_object", "",
                       "badan permintaan harus berupa objek JSON {...}");
    }
    *out = v;
    return KT_OK;
}

/* ---- replies ------------------------------------------------------------------------- */

static void set_reply(http_req *r, unsigned status, struct MHD_Response *resp, size_t len,
                      const char *ctype)
{
    if (resp == NULL)
        return;
    if (ctype != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    r->resp = resp;
    r->status = status;
    r->resp_len = len;
}

void http_reply_bytes(http_req *r, unsigned status, const char *content_type, void *data,
                      size_t len)
{
    struct MHD_Response *resp;
    if (r->resp != NULL) {
        free(data);
        return;
    }
    if (data == NULL)
        len = 0;
    resp = MHD_create_response_from_buffer(len, data != NULL ? data : (void *)(uintptr_t)"",
                                           data != NULL ? MHD_RESPMEM_MUST_FREE
                                                        : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(data);
        return;
    }
    set_reply(r, status, resp, len, content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

void http_reply_json(http_req *r, unsigned status, json_t *body)
{
    char *text;
    if (body == NULL)
        body = json_object();
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL)
        return; /* becomes a 500 in finish() */
    http_reply_bytes(r, status, "application/json; charset=utf-8", text, strlen(text));
}

void http_reply_error(http_req *r, const kt_error *err, json_t *result)
{
    json_t *e = json_pack("{s:{s:s,s:s,s:s}}", "error", "code",
                          err->id[0] != '\0' ? err->id : kt_code_name(err->code), "message",
                          err->message, "field", err->field);
    if (e != NULL && result != NULL)
        json_object_set(e, "result", result);
    json_decref(result);
    http_reply_json(r, (unsigned)kt_http_status(err->code == KT_OK ? KT_EINTERNAL : err->code),
                    e);
    if (err->retry_s > 0 && (err->code == KT_ELIMIT || err->code == KT_EUNAVAIL)) {
        char retry[16];
        snprintf(retry, sizeof retry, "%u", err->retry_s);
        http_reply_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
}

void http_reply_fail(http_req *r, kt_code code, const char *id, const char *field,
                     const char *fmt, ...)
{
    kt_error err;
    va_list ap;
    va_start(ap, fmt);
    kt_vfail(&err, code, id, field, fmt, ap);
    va_end(ap);
    http_reply_error(r, &err, NULL);
}

void http_reply_svc(http_req *r, kt_code rc, unsigned ok_status, json_t *out,
                    const kt_error *err)
{
    if (rc == KT_OK)
        http_reply_json(r, ok_status, out);
    else
        http_reply_error(r, err, out);
}

void http_reply_header(http_req *r, const char *name, const char *value)
{
    if (r->resp != NULL)
        MHD_add_response_header(r->resp, name, value);
}

void http_reply_file(http_req *r, const char *content_type, const char *disposition,
                     const char *filename, void *data, size_t len)
{
    char disp[160], name[96];
    size_t i;
    for (i = 0; filename[i] != '\0' && i + 1 < sizeof name; i++) {
        char ch = filename[i];
        name[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                          ch == '.' || ch == '-' || ch == '_'
                      ? ch
                      : '_';
    }
    name[i] = '\0';
    http_reply_bytes(r, 200, content_type, data, len);
    snprintf(disp, sizeof disp, "%s; filename=\"%s\"",
             strcmp(disposition, "inline") == 0 ? "inline" : "attachment", name);
    http_reply_header(r, "Content-Disposition", disp);
}

void http_reply_limited(http_req *r, unsigned status, unsigned retry_s, const char *id,
                        const char *fmt, ...)
{
    kt_error err;
    va_list ap;
    va_start(ap, fmt);
    kt_vfail(&err, status == 429 ? KT_ELIMIT : KT_EUNAVAIL, id, "", fmt, ap);
    va_end(ap);
    err.retry_s = retry_s > 0 ? retry_s : 1;
    http_reply_error(r, &err, NULL); /* the service's KT_ELIMIT takes the same way */
}

/* ---- request life -------------------------------------------------------------------- */

/*
 * The headers every reply carries, API and documents included (docs/security.md, "HTTP and
 * browser"): no sniffing, no framing by other sites, no referrer, resources for this origin
 * only, a Content-Security-Policy by what is sent, and HSTS once the scheme is https.
 *   pages (text/html): scripts, styles, images and media from this origin only;
 *   PDFs the server made: nothing may load from them (the browser's viewer still shows them);
 *   everything else (JSON, images, CSV, audio, event streams): default-src 'none' and a
 *   sandbox, so even a file opened directly can run nothing in ktpel's origin.
 */
static void secure_headers(http_core *c, struct MHD_Response *resp)
{
    const char *ct = MHD_get_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *csp;
    if (ct != NULL && strncasecmp(ct, "text/html", 9) == 0)
        csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: "
              "blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; "
              "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    else if (ct != NULL && strncasecmp(ct, "application/pdf", 15) == 0)
        csp = "default-src 'none'; frame-ancestors 'self'";
    else
        csp = "default-src 'none'; frame-ancestors 'none'; sandbox";
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options",
                            ct != NULL && strncasecmp(ct, "application/pdf", 15) == 0
                                ? "SAMEORIGIN"
                                : "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy",
                            "camera=(self), microphone=(), geolocation=(), payment=(), usb=()");
    if (c->https)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result finish(http_req *r)
{
    enum MHD_Result ok;
    if (r->resp == NULL) {
        http_reply_fail(r, KT_EINTERNAL, "internal", "", "server gagal menyusun jawaban");
        if (r->resp == NULL)
            return MHD_NO; /* out of memory: drop the connection */
    }
    secure_headers(r->core, r->resp);
    ok = MHD_queue_response(r->conn, r->status, r->resp);
    MHD_destroy_response(r->resp);
    r->resp = NULL;
    return ok;
}

static void route_request(http_core *c, http_req *r)
{
    int path_known = 0;
    char allow[64] = "";

    if (strncmp(r->path, "/api/", 5) != 0 && strcmp(r->path, "/api") != 0) {
        r->body_limit = 0; /* static file: GET / HEAD only, no body */
        (void)http_static_method_ok(r); /* a 405 is answered at once */
        return;
    }
    for (size_t i = 0; i < c->cc.nroutes; i++) {
        const http_route *rt = &c->cc.routes[i];
        if (!http_route_match(rt->pattern, r->path, r))
            continue;
        path_known = 1;
        if (strcmp(rt->method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
            r->route = rt;
            r->body_limit = (rt->flags & HTTP_RAW) ? HTTP_RAW_LIMIT : HTTP_JSON_LIMIT;
            return;
        }
        if (strlen(allow) + strlen(rt->method) + 3 < sizeof allow) {
            if (allow[0] != '\0')
                strcat(allow, ", ");
            strcat(allow, rt->method);
        }
    }
    r->nparams = 0;
    r->body_limit = HTTP_JSON_LIMIT;
    if (path_known) {
        kt_error err;
        kt_fail(&err, KT_EINVAL, "method_not_allowed", "",
                "metode %s tidak berlaku untuk %s", r->method, r->path);
        http_reply_error(r, &err, NULL);
        r->status = 405;
        http_reply_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    } else {
        http_reply_fail(r, KT_ENOTFOUND, "not_found", "", "alamat API %s tidak dikenal",
                        r->path);
    }
}

/* The citizens' routes (HTTP_LIMITED, HTTP_LIMITED_WRITE) have a per-client budget of their
   own, well under the general request rate: public_per_min a minute for a look, a fifth of it
   for a write or a lookup of a person's data (a booking, a card's status), in separate buckets
   so reading the queue page never uses up the booking. 429 with Retry-After when spent. */
static void public_budget(http_core *c, http_req *r)
{
    unsigned wait, per_min = c->cfg.public_per_min;
    int write;
    if (per_min == HTTP_OFF || r->route == NULL ||
        !(r->route->flags & (HTTP_LIMITED | HTTP_LIMITED_WRITE)))
        return;
    write = (r->route->flags & HTTP_LIMITED_WRITE) != 0;
    if (write)
        wait = http_budget(r, HTTP_BUDGET_PUBLIC_WRITE, 0, per_min / 300.0,
                           per_min / 10 > 1 ? per_min / 10 : 1);
    else
        wait = http_budget(r, HTTP_BUDGET_PUBLIC, 0, per_min / 60.0, per_min / 2 + 1);
    if (wait != 0)
        http_reply_limited(r, 429, wait, "rate_limited",
                           "terlalu banyak permintaan dari alamat Anda; coba lagi dalam %u detik",
                           wait);
}

/* Is the static path one the server may serve (a public listener serves a short list)? "/"
   becomes the listener's index. */
static int static_allowed(http_core *c, http_req *r)
{
    if (c->cc.static_allow == NULL)
        return 1;
    if (strcmp(r->path, "/") == 0 && c->cc.static_index != NULL)
        snprintf(r->path, sizeof r->path, "%s", c->cc.static_index);
    for (const char *const *p = c->cc.static_allow; *p != NULL; p++)
        if (strcmp(*p, r->path) == 0)
            return 1;
    return 0;
}

static void authenticate(http_core *c, http_req *r)
{
    const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, HTTP_SESSION_COOKIE);
    kt_error err;
    if (tok != NULL && strlen(tok) < sizeof r->token)
        strcpy(r->token, tok);
    if (r->route == NULL)
        return;
    if (r->token[0] != '\0' && c->cc.auth != NULL) {
        kt_error_clear(&err);
        if (c->cc.auth(c->cc.app, r->token, &r->actor, &err) == KT_OK) {
            r->has_actor = 1;
            return;
        }
        if (!(r->route->flags & HTTP_PUBLIC)) {
            if (err.code == KT_ENOTFOUND || err.code == KT_EUNAUTH)
                kt_fail(&err, KT_EUNAUTH, "session_invalid", "",
                        "sesi tidak berlaku lagi; silakan masuk kembali");
            http_reply_error(r, &err, NULL);
        }
        return;
    }
    if (!(r->route->flags & HTTP_PUBLIC))
        http_reply_fail(r, KT_EUNAUTH, "login_required", "",
                        "silakan masuk (login) terlebih dahulu");
}

/* 1 for a method that changes state (everything but GET, HEAD, OPTIONS). */
static int changes_state(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

/* Origin is this server's own origin: the public scheme and the Host the browser asked for. */
static int origin_ours(http_core *c, const http_req *r, const char *origin)
{
    const char *host = http_header(r, MHD_HTTP_HEADER_HOST);
    const char *scheme = c->https ? "https://" : "http://";
    size_t sl = strlen(scheme);
    if (host == NULL || host[0] == '\0' || strncasecmp(origin, scheme, sl) != 0)
        return 0;
    return strcasecmp(origin + sl, host) == 0;
}

/* The media types a browser may send to another origin without asking first (CORS
   "simple" requests): a state change must never be accepted in one of them. */
static int simple_form_type(const char *ct)
{
    static const char *const simple[] = {"text/plain", "application/x-www-form-urlencoded",
                                         "multipart/form-data"};
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strncasecmp(ct, simple[i], strlen(simple[i])) == 0)
            return 1;
    return 0;
}

/*
 * Cross-site request forgery (docs/security.md). The session cookie is SameSite=Strict, but
 * "site" ignores the port: a page served on another port of the office server, or any other
 * host of the same registrable domain, is the same site and its requests carry the cookie. So:
 *  - a request whose Fetch Metadata says it came from another origin (Sec-Fetch-Site:
 *    same-site or cross-site) may not reach the API at all;
 *  - a state change that carries an Origin must carry ours (browsers send Origin on every
 *    POST/PUT/DELETE, same-origin ones too; a tool without one, like curl, cannot be forged
 *    from a page);
 *  - a JSON route takes only application/json, a raw route never a form or text type: both are
 *    types another origin cannot send without a CORS preflight, which this server never grants.
 */
static void guard_browser(http_core *c, http_req *r, int has_body)
{
    const char *site = http_header(r, "Sec-Fetch-Site");
    const char *origin, *ct;
    int api = strncmp(r->path, "/api/", 5) == 0;
    int change = changes_state(r->method);
    if (site != NULL && (api || change) &&
        (strcasecmp(site, "cross-site") == 0 || strcasecmp(site, "same-site") == 0)) {
        http_reply_fail(r, KT_EFORBIDDEN, "cross_origin_refused", "Sec-Fetch-Site",
                        "permintaan dari situs lain ditolak; buka ktpel dari alamatnya sendiri");
        return;
    }
    if (!change)
        return;
    origin = http_header(r, "Origin");
    if (origin != NULL && !origin_ours(c, r, origin)) {
        http_reply_fail(r, KT_EFORBIDDEN, "origin_refused", "Origin",
                        "permintaan dari asal '%.80s' ditolak; buka ktpel dari alamatnya sendiri",
                        origin);
        return;
    }
    if (r->route == NULL || !has_body)
        return;
    ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (r->route->flags & HTTP_RAW) {
        if (ct == NULL || ct[0] == '\0' || simple_form_type(ct)) {
            http_reply_fail(r, KT_EINVAL, "content_type_refused", "Content-Type",
                            "jenis isi '%.60s' tidak diterima; kirim berkasnya dengan jenis "
                            "gambarnya (mis. image/png)",
                            ct != NULL ? ct : "");
            r->status = 415;
        }
        return;
    }
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
        http_reply_fail(r, KT_EINVAL, "content_type_refused", "Content-Type",
                        "badan permintaan harus JSON dengan Content-Type: application/json, "
                        "bukan '%.60s'",
                        ct != NULL ? ct : "");
        r->status = 415;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    http_core *c = cls;
    http_req *r = *con_cls;
    (void)version;

    if (r == NULL) {
        const char *cl, *te;
        unsigned long long declared = 0;
        int has_body;
        unsigned wait;
        r = calloc(1, sizeof *r);
        if (r == NULL)
            return MHD_NO;
        *con_cls = r;
        r->t0_ns = now_ns();
        r->conn = conn;
        r->core = c;
        r->app = c->cc.app;
        r->client = client_of(c, conn);
        snprintf(r->method, sizeof r->method, "%s", method);
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_TRANSFER_ENCODING);
        if (cl != NULL)
            declared = strtoull(cl, NULL, 10);
        has_body = declared > 0 || te != NULL;
        /* The headers are here: from now on a body must keep up a minimum rate. */
        conn_deadline(c, conn,
                      has_body ? (int64_t)c->cfg.header_timeout_s * 1000000000 +
                                     (int64_t)((cl != NULL ? declared : HTTP_RAW_LIMIT) /
                                               HTTP_BODY_MIN_RATE) * 1000000000
                               : 0);
        if (strlen(url) >= sizeof r->path) {
            snprintf(r->path, sizeof r->path, "%.60s...", url);
            http_reply_fail(r, KT_EINVAL, "path_too_long", "", "alamat terlalu panjang");
            return finish(r);
        }
        strcpy(r->path, url);
        if (c->cfg.rate_per_s != HTTP_OFF &&
            (wait = http_budget(r, HTTP_BUDGET_REQUESTS, 0, c->cfg.rate_per_s,
                                c->cfg.rate_burst)) != 0) {
            http_reply_limited(r, 429, wait, "rate_limited",
                               "terlalu banyak permintaan dari perangkat ini; coba lagi dalam "
                               "%u detik",
                               wait);
            return finish(r);
        }
        route_request(c, r);
        if (r->resp == NULL)
            guard_browser(c, r, has_body);
        if (r->resp == NULL)
            public_budget(c, r);
        if (r->resp == NULL)
            authenticate(c, r);
        if (r->resp == NULL && cl != NULL && declared > r->body_limit) {
            /* Read and discard a moderately oversized body so the client, still sending,
               gets a clean 413 rather than a reset; refuse a huge one at once (the
               connection is then closed). */
            r->too_big = 1;
            if (declared > HTTP_DISCARD_MAX)
                http_reply_fail(r, KT_ETOOBIG, "body_too_large", "",
                                "badan permintaan %s byte melebihi batas %zu byte", cl,
                                r->body_limit);
        }
        if (r->resp != NULL)
            return finish(r);
        return MHD_YES;
    }
    if (r->resp != NULL || r->status != 0) {
        *upload_data_size = 0; /* already answered: discard the rest */
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        r->seen += n;
        if (r->seen > HTTP_DISCARD_MAX)
            return MHD_NO; /* an endless body: drop the connection */
        if (r->too_big || r->body_len + n > r->body_limit) {
            r->too_big = 1;
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            return MHD_YES;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t cap = r->body_cap != 0 ? r->body_cap : 4096;
            char *nb;
            while (cap < r->body_len + n + 1)
                cap *= 2;
            nb = realloc(r->body, cap);
            if (nb == NULL)
                return MHD_NO;
            r->body = nb;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }
    /* the whole request is here: the handler may take its time (no deadline) */
    conn_deadline(c, conn, 0);
    if (r->too_big) {
        http_reply_fail(r, KT_ETOOBIG, "body_too_large", "",
                        "badan permintaan melebihi batas %zu byte", r->body_limit);
    } else if (r->route != NULL) {
        if (r->body == NULL) {
            r->body = calloc(1, 1);
            if (r->body == NULL)
                return MHD_NO;
        }
        r->route->fn(r);
    } else if (c->cc.web_root != NULL && static_allowed(c, r)) {
        http_static_serve(r, c->cc.web_root);
    } else {
        http_reply_fail(r, KT_ENOTFOUND, "not_found", "", "tidak ditemukan");
    }
    return finish(r);
}

/* Copy s into out (cap bytes) so that it is one harmless log field: control characters,
   quotes, backslashes, spaces and bytes past ASCII become \xHH, so a path with "%0a" or
   "%20200%20" cannot forge a line or a field. */
static void log_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (; *s != '\0' && o + 5 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char)ch;
        }
    }
    if (*s != '\0' && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_core *c = cls;
    http_req *r = *con_cls;
    if (r == NULL)
        return;
    /* A kept-alive connection: its next request's headers are due within the idle
       allowance plus the header timeout. */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        conn_deadline(c, conn,
                      (int64_t)(c->cfg.timeout_s + c->cfg.header_timeout_s) * 1000000000);
    if (!c->cfg.quiet) {
        char ip[INET_ADDRSTRLEN], method[40], path[4 * sizeof r->path], user[4 * 64];
        double ms = (double)(now_ns() - r->t0_ns) / 1e6;
        http_client_text(r, ip, sizeof ip);
        log_escape(r->method, method, sizeof method);
        log_escape(r->path, path, sizeof path);
        log_escape(r->has_actor ? r->actor.username : "", user, sizeof user);
        fprintf(c->log, "%s %s %s %u %zu %.2fms %s%s\n", ip, method, path, r->status,
                r->resp_len, ms, r->has_actor ? "user=" : "-", user);
    }
    if (r->resp != NULL)
        MHD_destroy_response(r->resp);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

/* ---- start / stop -------------------------------------------------------------------- */

/* libmicrohttpd's own messages, prefixed; a client that left during a reply is not news. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    http_core *c = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (strstr(msg, "no longer available") != NULL || strstr(msg, "Connection reset") != NULL ||
        strstr(msg, "closed by remote") != NULL ||
        strstr(msg, "closed when reading request") != NULL)
        return;
    fprintf(c->log, "ktpel: http: %s%s", msg,
            msg[0] != '\0' && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
}

static kt_code parse_ip(const char *text, const char *field, uint32_t *out, kt_error *err)
{
    struct in_addr a;
    if (text == NULL || inet_pton(AF_INET, text, &a) != 1)
        return kt_fail(err, KT_EINVAL, "address_invalid", field, "'%s' bukan alamat IPv4",
                       text != NULL ? text : "");
    *out = ntohl(a.s_addr);
    return KT_OK;
}

static kt_code parse_listen(const char *listen, struct sockaddr_in *sa, kt_error *err)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    char *end = NULL;
    unsigned long port;

    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
        return kt_fail(err, KT_EINVAL, "listen_invalid", "listen",
                       "alamat '%s' harus berbentuk ALAMAT:PORT, mis. 127.0.0.1:8080", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port > 65535)
        return kt_fail(err, KT_EINVAL, "listen_invalid", "listen",
                       "port '%s' harus bilangan 0..65535", colon + 1);
    if (host[0] == '\0' || strcmp(host, "*") == 0)
        strcpy(host, "0.0.0.0");
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return kt_fail(err, KT_EINVAL, "listen_invalid", "listen",
                       "'%s' bukan alamat IPv4", host);
    sa->sin_port = htons((uint16_t)port);
    return KT_OK;
}

kt_code http_core_start(const http_core_config *cc, http_core **out, kt_error *err)
{
    http_core *c = NULL;
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *di;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem opts[16];
    size_t no = 0;
    kt_code rc;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    pthread_mutex_init(&c->cmu, NULL);
    pthread_cond_init(&c->ccv, NULL);
    c->cc = *cc;
    c->cfg = *cc->cfg;
    if (cc->web_root != NULL) {
        if (strlen(cc->web_root) >= sizeof c->web_root) {
            rc = kt_fail(err, KT_EINVAL, "web_dir_invalid", "web", "path folder halaman terlalu "
                         "panjang");
            goto out;
        }
        strcpy(c->web_root, cc->web_root);
        c->cc.web_root = c->web_root;
    }
    http_config_defaults(&c->cfg);
    c->log = c->cfg.access_log != NULL ? c->cfg.access_log : stderr;
    rc = parse_listen(c->cfg.listen, &sa, err);
    if (rc != KT_OK)
        goto out;
    if (c->cfg.tls_proxy != NULL && c->cfg.tls_proxy[0] != '\0' &&
        (rc = parse_ip(c->cfg.tls_proxy, "tls-proxy", &c->proxy, err)) != KT_OK)
        goto out;
    if (c->cfg.tls_cert != NULL || c->cfg.tls_key != NULL) {
        if (c->proxy != 0) {
            rc = kt_fail(err, KT_EINVAL, "tls_twice", "tls-proxy",
                         "pilih salah satu: HTTPS di ktpel (--tls-cert/--tls-key) atau di proxy "
                         "(--tls-proxy)");
            goto out;
        }
        if ((rc = http_tls_load(c->cfg.tls_cert, c->cfg.tls_key, &c->tls, err)) != KT_OK)
            goto out;
    }
    c->https = c->tls != NULL || c->proxy != 0;
    /* Plain HTTP carries passwords, session cookies and biometrics in the clear: only on this
       computer, or behind the proxy that encrypts them. */
    if (c->tls == NULL && c->proxy == 0 && (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
        rc = kt_fail(err, KT_EINVAL, "listen_needs_tls", "listen",
                     "tanpa HTTPS ktpel hanya melayani komputer ini (127.0.0.1), bukan %s: "
                     "pasang sertifikat dengan --tls-cert BERKAS --tls-key BERKAS (sertifikat "
                     "uji: 'ktpel tls self-signed'), atau --tls-proxy ALAMAT bila HTTPS "
                     "diakhiri di proxy",
                     c->cfg.listen);
        goto out;
    }
    if ((rc = http_limiter_new(HTTP_LIMITER_SLOTS, &c->lim, err)) != KT_OK)
        goto out;
    if (pthread_create(&c->watchdog, NULL, watchdog, c) != 0) {
        rc = kt_fail(err, KT_EUNAVAIL, "thread_failed", "", "gagal membuat thread");
        goto out;
    }
    c->watchdog_on = 1;
    /*
     * One thread per connection. A handler blocks its thread while the service waits for a
     * group commit (one fsync shared by every request that arrived together); with a fixed
     * pool, the connections a pool thread owns would wait in line behind it and batches stay
     * small. With a thread each, every waiting request joins the next commit. Threads are
     * cheap next to an fsync; the connection limits (in all and per client), the deadlines
     * and the watchdog bound them.
     */
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, c};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &sa};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                         (intptr_t)c->cfg.max_connections, NULL};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                         (intptr_t)c->cfg.timeout_s, NULL};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, c};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection,
                                         c};
    /* Behind the proxy every client arrives from its address: the proxy limits them. */
    if (c->proxy == 0 && c->cfg.client_connections != HTTP_OFF)
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                             (intptr_t)c->cfg.client_connections, NULL};
    if (c->tls != NULL) {
        flags |= MHD_USE_TLS;
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, c->tls->key_pem};
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, c->tls->cert_pem};
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                             (void *)(uintptr_t)HTTP_TLS_PRIORITIES};
    }
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    c->d = MHD_start_daemon(flags, 0, on_accept, c, on_request, c, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (c->d == NULL) {
        rc = kt_fail(err, KT_EUNAVAIL, "listen_failed", "listen",
                     "tidak dapat mendengarkan di %s (port terpakai, tanpa izin, atau "
                     "sertifikat ditolak GnuTLS)",
                     c->cfg.listen);
        goto out;
    }
    di = MHD_get_daemon_info(c->d, MHD_DAEMON_INFO_BIND_PORT);
    c->port = di != NULL ? di->port : ntohs(sa.sin_port);
    *out = c;
    c = NULL;
out:
    http_core_stop(c);
    return rc;
}

uint16_t http_core_port(const http_core *c)
{
    return c->port;
}

void http_core_stop(http_core *c)
{
    if (c == NULL)
        return;
    if (c->d != NULL)
        MHD_stop_daemon(c->d);
    if (c->watchdog_on) {
        pthread_mutex_lock(&c->cmu);
        c->stopping = 1;
        pthread_cond_broadcast(&c->ccv);
        pthread_mutex_unlock(&c->cmu);
        pthread_join(c->watchdog, NULL);
    }
    http_limiter_free(c->lim);
    http_tls_free(c->tls);
    pthread_cond_destroy(&c->ccv);
    pthread_mutex_destroy(&c->cmu);
    free(c);
}
