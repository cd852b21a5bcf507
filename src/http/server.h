/*
 * server.h - the HTTP framework inside src/http (not a public header): the request object
 * the handlers see, the route table, the replies, and the pieces the server is made of
 * (router.c, static.c, sse.c, server.c).
 *
 * Design
 * - A handler is thin: it reads its transport (path parameters, query, JSON or raw body,
 *   the caller's svc_actor), calls one function of service.h and sets exactly one reply with
 *   http_reply_json() / http_reply_error() / http_reply_bytes(). server.c queues it, writes
 *   the access log line and frees everything.
 * - Body limits are decided before the body is read (the route says raw or JSON), so an
 *   oversized upload never costs more memory than its limit.
 * - The framework knows nothing of the use cases: authentication is a callback the API
 *   (api.c) supplies, so the server core can be started with any route table.
 * - What protects the server and the browser (limits, deadlines, browser checks, security
 *   headers, TLS) is in the core, so every route table gets it; a handler only adds its own
 *   budget (http_budget, e.g. the kiosk's tickets) and sends documents with http_reply_file.
 *
 * Never: business rules or role checks here (the service does them), and never a blocking
 *        wait inside a handler other than the service call itself.
 */
#ifndef KTPEL_HTTP_SERVER_H
#define KTPEL_HTTP_SERVER_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "http/http.h"
#include "service/service.h"

#define HTTP_JSON_LIMIT ((size_t)64 * 1024)       /* a JSON body */
#define HTTP_RAW_LIMIT ((size_t)8 * 1024 * 1024)  /* a biometric upload */
#define HTTP_DISCARD_MAX ((size_t)32 * 1024 * 1024) /* read-and-drop bound past a limit */
#define HTTP_MAX_PARAMS 4
#define HTTP_SESSION_COOKIE "ktpel_session"

typedef struct http_req http_req;
typedef struct http_core http_core;
typedef void (*http_handler)(http_req *r);

enum http_route_flags {
    HTTP_PUBLIC = 1 << 0,        /* no session needed (kiosk, display, login) */
    HTTP_RAW = 1 << 1,           /* raw body up to HTTP_RAW_LIMIT instead of JSON */
    HTTP_LIMITED = 1 << 2,       /* a citizens' route: the per-client budget of public looks
                                    (http_config.public_per_min) */
    HTTP_LIMITED_WRITE = 1 << 3  /* a citizens' write or lookup of a person's data: the
                                    smaller budget of its own (a fifth of the looks) */
};

typedef struct http_route {
    const char *method;  /* "GET", "POST", "PUT" */
    const char *pattern; /* "/api/tickets/{id}/recall": {name} matches one non-empty segment */
    http_handler fn;
    unsigned flags;
} http_route;

/* Authentication callback: token -> actor. */
typedef kt_code (*http_auth_fn)(void *app, const char *token, svc_actor *actor, kt_error *err);

/* One request. Owned by server.c; handlers borrow it for the duration of the call. */
struct http_req {
    struct MHD_Connection *conn;
    http_core *core;            /* the server serving it */
    void *app;                  /* the API's context (api.c) */
    uint32_t client;            /* the client's IPv4 address (host order), 0 when unknown:
                                   the peer, or the TLS proxy's X-Forwarded-For */
    const http_route *route;    /* NULL for static files and framework errors */
    char method[8];
    char path[512];             /* decoded path; param values point into pbuf */
    char pbuf[512];
    const char *param_name[HTTP_MAX_PARAMS];
    const char *param_val[HTTP_MAX_PARAMS];
    int nparams;
    char *body;                 /* NUL-terminated copy of the body (owned) */
    size_t body_len, body_cap, body_limit;
    size_t seen;                /* body bytes received, kept or not */
    int too_big;
    int has_actor;
    svc_actor actor;            /* the caller, when has_actor */
    char token[80];             /* session token from the cookie, or "" */
    /* the reply */
    struct MHD_Response *resp;  /* owned until queued */
    unsigned status;
    size_t resp_len;
    int64_t t0_ns;
    int first_call_done;
};

/* ---- router (router.c) ---- */
/* 1 and fills r's params when `path` matches `pattern`. */
int http_route_match(const char *pattern, const char *path, http_req *r);

/* ---- request accessors ---- */
/* r->client as text ("192.168.1.20"), "-" when unknown (INET_ADDRSTRLEN bytes suffice). */
void http_client_text(const http_req *r, char *out, size_t cap);
const char *http_param(const http_req *r, const char *name);
/* A positive decimal id parameter; KT_EINVAL "id_invalid" otherwise. */
kt_code http_param_id(const http_req *r, const char *name, int64_t *out, kt_error *err);
/* Query string value or NULL (borrowed from MHD, valid during the request). */
const char *http_query(const http_req *r, const char *name);
const char *http_header(const http_req *r, const char *name);
/* The body as a JSON object: an empty body is {}; malformed JSON is KT_EINVAL
   "json_malformed" with field "line L, column C"; a non-object is "json_not_object".
   *out owned by caller (json_decref). */
kt_code http_body_json(const http_req *r, json_t **out, kt_error *err);

/* ---- replies: each sets r->resp once; later calls are ignored ---- */
/* Sends body (stolen reference; NULL sends {}) with status. */
void http_reply_json(http_req *r, unsigned status, json_t *body);
/* {"error": {code, message, field}} with kt_http_status(err->code), and Retry-After when
   err->retry_s says when to try again; `result` (stolen, may be NULL) is added as "result". */
void http_reply_error(http_req *r, const kt_error *err, json_t *result);
/* Shorthand for a framework error. */
void http_reply_fail(http_req *r, kt_code code, const char *id, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Raw bytes; `data` is stolen (free()). */
void http_reply_bytes(http_req *r, unsigned status, const char *content_type, void *data,
                      size_t len);
/* Reply from a service call: rc == KT_OK -> json `out` with `ok_status`, else the error with
   `out` as result. Steals out. */
void http_reply_svc(http_req *r, kt_code rc, unsigned ok_status, json_t *out,
                    const kt_error *err);
/* Add a header to the reply (after one of the above). */
void http_reply_header(http_req *r, const char *name, const char *value);
/* A document (PDF, CSV, image, audio) as bytes (`data` stolen): the exact `content_type` and
   Content-Disposition `disposition` ("inline" only for what the server made itself, else
   "attachment") with `filename` (characters outside [A-Za-z0-9._-] become '_'). */
void http_reply_file(http_req *r, const char *content_type, const char *disposition,
                     const char *filename, void *data, size_t len);
/* 429 (rate: KT_ELIMIT) or 503 (capacity: KT_EUNAVAIL) with {"error": ...} and Retry-After:
   retry_s; the same reply as http_reply_error of a service's kt_fail_retry. */
void http_reply_limited(http_req *r, unsigned status, unsigned retry_s, const char *id,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- per-client budgets (limits.c) ---- */
typedef struct http_limiter http_limiter;
/* A table of `slots` token buckets (fixed memory). *out owned by caller: http_limiter_free. */
kt_code http_limiter_new(size_t slots, http_limiter **out, kt_error *err);
void http_limiter_free(http_limiter *l);
/* Take one token from key's bucket (refills at rate per second up to burst): 0 when taken,
   else the whole seconds until one is there. Thread-safe. */
unsigned http_limiter_take(http_limiter *l, uint64_t key, double rate, double burst,
                           int64_t now_ns);
/* Budget kinds (the high byte of a limiter key). */
enum {
    HTTP_BUDGET_REQUESTS = 1,
    HTTP_BUDGET_TICKETS = 2,
    HTTP_BUDGET_KIOSK = 3,
    HTTP_BUDGET_PUBLIC = 4,      /* the citizens' routes: looks */
    HTTP_BUDGET_PUBLIC_WRITE = 5 /* the citizens' routes: writes and lookups of a person */
};
/* Take one unit of r's client's budget `kind` (id: 0 = the client's address, else e.g. the
   kiosk's id) at rate per second up to burst: 0 when allowed, else the seconds to wait. */
unsigned http_budget(http_req *r, unsigned kind, uint64_t id, double rate, double burst);
/* The server's configuration with its defaults filled in. */
const http_config *http_core_cfg(const http_core *c);
/* 1 when the public scheme is https (TLS here or at the proxy): Secure cookies. */
int http_core_https(const http_core *c);
/* Fill the defaults of a configuration (http_config's comments). */
void http_config_defaults(http_config *cfg);

/* ---- static files (static.c) ---- */
/* Serve path under root (realpath of web/), GET/HEAD only. */
void http_static_serve(http_req *r, const char *root);
/* 1 for GET or HEAD; else 0 after replying 405 method_not_allowed with "Allow: GET, HEAD". */
int http_static_method_ok(http_req *r);

/* ---- server-sent events (sse.c) ---- */
typedef struct http_sse_hub http_sse_hub;
typedef struct http_sse_limits {
    unsigned heartbeat_ms;   /* ": ping" interval; 0 = 15000 */
    unsigned max_streams;    /* open streams in all; 0 = 256 */
    unsigned client_streams; /* open streams per client address; 0 = 8 */
    unsigned max_age_s;      /* a stream is ended after (the page reconnects); 0 = 600 */
} http_sse_limits;
/* *out owned by caller: http_sse_hub_free() after the daemon stopped. */
kt_code http_sse_hub_new(const http_sse_limits *lim, http_sse_hub **out, kt_error *err);
/* Push one message to every open stream of `audience` (0 = the public stream, others as the
   API numbers them); `event` is the SSE event name. Thread-safe. */
void http_sse_publish(http_sse_hub *hub, unsigned audience, const char *event,
                      const char *data);
/* Open a stream of `audience` for the request (sets r->resp), or reply 503 streams_full with
   Retry-After when the server's or this client's streams are all taken. */
void http_sse_open(http_sse_hub *hub, http_req *r, unsigned audience);
/* End every stream and resume suspended connections: call before MHD_stop_daemon. */
void http_sse_close_all(http_sse_hub *hub);
void http_sse_hub_free(http_sse_hub *hub);
/* Number of open streams (for tests and logs). */
size_t http_sse_count(http_sse_hub *hub);

/* ---- the server core (server.c) ---- */
typedef struct http_core_config {
    const http_config *cfg;
    const http_route *routes;
    size_t nroutes;
    void *app;
    http_auth_fn auth;
    const char *web_root;       /* realpath of the static folder, or NULL for none (copied) */
    const char *const *static_allow; /* NULL: every file of web_root; else only these paths
                                        ("/janji.html", "/css/app.css", ...) */
    const char *static_index;   /* what "/" serves when static_allow is set */
} http_core_config;
/* *out owned by caller: http_core_stop(). */
kt_code http_core_start(const http_core_config *cc, http_core **out, kt_error *err);
uint16_t http_core_port(const http_core *c);
void http_core_stop(http_core *c);

#endif
