/*
 * server.c - the server core: a libmicrohttpd daemon (thread pool, one epoll loop per
 * thread), the life of one request (route, limits, body, session, handler, reply, access
 * log) and the reply helpers of server.h.
 *
 * A request goes through the access handler several times (libmicrohttpd's protocol):
 *   1st call: headers only. Route it, pick its body limit, refuse at once a declared
 *             Content-Length over the limit (413) and a missing session (401).
 *   next calls: body pieces, copied up to the limit; beyond it the rest is discarded.
 *   last call: the handler runs and its one reply is queued.
 * The request object lives until libmicrohttpd's "completed" notification, which writes
 * the access-log line and frees it.
 *
 * Never: let a handler's failure to reply leave a connection without an answer (a missing
 *        reply becomes a 500), or hold a lock across a service call.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct http_core {
    struct MHD_Daemon *d;
    http_core_config cc;
    http_config cfg;
    uint16_t port;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
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

/* ---- request life -------------------------------------------------------------------- */

static enum MHD_Result finish(http_req *r)
{
    enum MHD_Result ok;
    if (r->resp == NULL) {
        http_reply_fail(r, KT_EINTERNAL, "internal", "", "server gagal menyusun jawaban");
        if (r->resp == NULL)
            return MHD_NO; /* out of memory: drop the connection */
    }
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

/* The public routes' per-client limit: 429 with Retry-After when the client's bucket is empty. */
static void rate_limit(http_core *c, http_req *r)
{
    unsigned retry = 0;
    if (c->cc.limiter == NULL || r->route == NULL ||
        !(r->route->flags & (HTTP_LIMITED | HTTP_LIMITED_WRITE)))
        return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    unsigned cost = (r->route->flags & HTTP_LIMITED_WRITE) ? HTTP_LIMIT_WRITE_COST : 1;
    if (http_limiter_take(c->cc.limiter, ci != NULL ? ci->client_addr : NULL,
                          now_ns() / 1000000, cost, &retry))
        return;
    char secs[16];
    snprintf(secs, sizeof secs, "%u", retry);
    http_reply_fail(r, KT_EUNAVAIL, "rate_limited", "",
                    "terlalu banyak permintaan dari alamat Anda; coba lagi dalam %u detik", retry);
    r->status = 429;
    http_reply_header(r, "Retry-After", secs);
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    http_core *c = cls;
    http_req *r = *con_cls;
    (void)version;

    if (r == NULL) {
        const char *cl;
        r = calloc(1, sizeof *r);
        if (r == NULL)
            return MHD_NO;
        *con_cls = r;
        r->t0_ns = now_ns();
        r->conn = conn;
        r->app = c->cc.app;
        snprintf(r->method, sizeof r->method, "%s", method);
        if (strlen(url) >= sizeof r->path) {
            snprintf(r->path, sizeof r->path, "%.60s...", url);
            http_reply_fail(r, KT_EINVAL, "path_too_long", "", "alamat terlalu panjang");
            return finish(r);
        }
        strcpy(r->path, url);
        route_request(c, r);
        if (r->resp == NULL)
            rate_limit(c, r);
        if (r->resp == NULL)
            authenticate(c, r);
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (r->resp == NULL && cl != NULL && strtoull(cl, NULL, 10) > r->body_limit) {
            /* Read and discard a moderately oversized body so the client, still sending,
               gets a clean 413 rather than a reset; refuse a huge one at once (the
               connection is then closed). */
            r->too_big = 1;
            if (strtoull(cl, NULL, 10) > HTTP_DISCARD_MAX)
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
    /* the whole request is here */
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

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_core *c = cls;
    http_req *r = *con_cls;
    (void)toe;
    if (r == NULL)
        return;
    if (!c->cfg.quiet) {
        char ip[INET6_ADDRSTRLEN] = "-";
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        double ms = (double)(now_ns() - r->t0_ns) / 1e6;
        if (ci != NULL && ci->client_addr != NULL && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)
                                   ->sin_addr,
                      ip, sizeof ip);
        fprintf(stderr, "%s %s %s %u %zu %.2fms %s%s\n", ip, r->method, r->path, r->status,
                r->resp_len, ms, r->has_actor ? "user=" : "-",
                r->has_actor ? r->actor.username : "");
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
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (strstr(msg, "no longer available") != NULL || strstr(msg, "Connection reset") != NULL)
        return;
    fprintf(stderr, "ktpel: http: %s%s", msg,
            msg[0] != '\0' && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
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
    kt_code rc;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    c->cc = *cc;
    c->cfg = *cc->cfg;
    if (c->cfg.listen == NULL)
        c->cfg.listen = "127.0.0.1:8080";
    if (c->cfg.max_connections == 0)
        c->cfg.max_connections = 1000;
    if (c->cfg.timeout_s == 0)
        c->cfg.timeout_s = 30;
    rc = parse_listen(c->cfg.listen, &sa, err);
    if (rc != KT_OK)
        goto out;
    /*
     * One thread per connection. A handler blocks its thread while the service waits for a
     * group commit (one fsync shared by every request that arrived together); with a fixed
     * pool, the connections a pool thread owns would wait in line behind it and batches stay
     * small. With a thread each, every waiting request joins the next commit. Threads are
     * cheap next to an fsync, and the connection limit bounds them.
     */
    c->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, on_request, c, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_LIMIT, c->cfg.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, c->cfg.timeout_s,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, c,
        MHD_OPTION_END);
    if (c->d == NULL) {
        rc = kt_fail(err, KT_EUNAVAIL, "listen_failed", "listen",
                     "tidak dapat mendengarkan di %s (port terpakai atau tanpa izin)",
                     c->cfg.listen);
        goto out;
    }
    di = MHD_get_daemon_info(c->d, MHD_DAEMON_INFO_BIND_PORT);
    c->port = di != NULL ? di->port : ntohs(sa.sin_port);
    *out = c;
    c = NULL;
out:
    free(c);
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
    free(c);
}
