/*
 * http.h - the HTTP JSON API server of ktpel (docs/api.md), on libmicrohttpd and jansson.
 *
 * One server serves the API under /api/ (each endpoint one call of service.h), the live
 * event stream (Server-Sent Events) and the static pages of web/. It runs a thread per
 * connection (a durable write waits for its group commit without holding up other
 * connections), answers every error as {"error": {code, message, field}}
 * and writes one access-log line per request on stderr.
 *
 * Never: business rules (the service has them), or work on behalf of the CLI.
 */
#ifndef KTPEL_HTTP_H
#define KTPEL_HTTP_H

#include <stdint.h>

#include "core/error.h"

struct svc;

typedef struct http_config {
    const char *listen;       /* "ADDR:PORT" (IPv4), default "127.0.0.1:8080"; port 0 = any */
    const char *web_dir;      /* static files; NULL = KTPEL_WEB_DIR (the source tree's web/) */
    const char *data_dir;     /* where the voice clip cache lives (<data_dir>/voice); may be NULL */
    unsigned max_connections; /* 0 = 1000 */
    unsigned timeout_s;       /* idle connection timeout; 0 = 30 s */
    unsigned heartbeat_ms;    /* SSE keep-alive comment interval; 0 = 15000 */
    int quiet;                /* 1: no access log */
    int public_only;          /* 1: only the citizens' pages and their routes (serve
                                 --public-listen): no staff route, no staff page, a live
                                 stream without personal data */
    int public_rate;          /* per-client requests a minute on the public routes: 0 = 60,
                                 < 0 = no limit (benchmarks) */
} http_config;

typedef struct http_server http_server;

/* Start serving s (borrowed: must outlive the server). *out owned by caller:
   http_server_stop(). Fails with KT_EINVAL for a bad listen address, KT_EUNAVAIL when the
   port is taken. */
kt_code http_server_start(const http_config *cfg, struct svc *s, http_server **out,
                          kt_error *err);
/* The bound port (useful with port 0). */
uint16_t http_server_port(const http_server *srv);
/* Graceful stop: ends the event streams, finishes requests in flight, frees srv. */
void http_server_stop(http_server *srv);

#endif
