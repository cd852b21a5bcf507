/*
 * http.h - the HTTP JSON API server of ktpel (docs/api.md), on libmicrohttpd and jansson.
 *
 * One server serves the API under /api/ (each endpoint one call of service.h), the live
 * event streams (Server-Sent Events) and the static pages of web/. It runs a thread per
 * connection (a durable write waits for its group commit without holding up other
 * connections), answers every error as {"error": {code, message, field}}
 * and writes one escaped access-log line per request on stderr.
 * It defends itself and its users (docs/security.md "HTTP and browser"): per-client limits on
 * connections, request rate and event streams, deadlines for slow clients, browser checks on
 * every state change (Origin, Fetch Metadata, JSON-only bodies), security headers on every
 * reply, HTTPS (tls.h), and plain HTTP only on loopback or behind a named TLS proxy.
 *
 * Never: business rules (the service has them), or work on behalf of the CLI.
 */
#ifndef KTPEL_HTTP_H
#define KTPEL_HTTP_H

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

struct svc;
struct pusat;
struct svc_link_agent;

typedef struct http_config {
    const char *listen;       /* "ADDR:PORT" (IPv4), default "127.0.0.1:8080"; port 0 = any.
                                 Without TLS only a loopback address is accepted (unless
                                 tls_proxy names the proxy that terminates TLS). */
    const char *web_dir;      /* static files; NULL = KTPEL_WEB_DIR (the source tree's web/) */
    const char *data_dir;     /* where the voice clip cache lives (<data_dir>/voice); may be NULL */
    unsigned max_connections; /* 0 = 1000 */
    unsigned timeout_s;       /* idle connection timeout; 0 = 30 s */
    unsigned heartbeat_ms;    /* SSE keep-alive comment interval; 0 = 15000 */
    int quiet;                /* 1: no access log */
    FILE *access_log;         /* where access-log lines go; NULL = stderr (borrowed) */

    /* Abuse resistance (docs/operations.md "Limits"). 0 = the default; where "off" exists it
       is HTTP_OFF. A client is an IPv4 address (the proxy's X-Forwarded-For with tls_proxy). */
    unsigned client_connections; /* open connections per client; default 32 (HTTP_OFF: none) */
    unsigned header_timeout_s;   /* a request's headers complete within; default 10 s */
    unsigned rate_per_s;         /* requests per second per client; default 50 (HTTP_OFF) */
    unsigned rate_burst;         /* bucket size of that rate; default 200 */
    unsigned max_streams;        /* open event streams in all; default 256 */
    unsigned client_streams;     /* open event streams per client; default 8 */
    unsigned stream_max_age_s;   /* an event stream is ended (the page reconnects) after; 600 */
    unsigned ticket_budget;      /* tickets per hour per client that is neither a registered
                                    kiosk nor a logged-in officer; default 6 (HTTP_OFF) */
    unsigned kiosk_per_min;      /* tickets per minute per registered kiosk; default 30 */

    /* HTTPS (src/http/tls.c). Both files or neither. */
    const char *tls_cert;     /* PEM certificate chain */
    const char *tls_key;      /* PEM private key */
    const char *tls_proxy;    /* IPv4 of a TLS-terminating proxy in front of a plain-HTTP
                                 server: only it (and loopback) may connect, the public scheme
                                 is https, its X-Forwarded-For names the client */
    int public_only;          /* 1: only the citizens' pages and their routes (serve
                                 --public-listen): no staff route, no staff page, the public
                                 live stream only */
    unsigned public_per_min;  /* per-client requests a minute on the citizens' routes; a write
                                 or a lookup of a person's data has a budget of its own, a
                                 fifth of that: 0 = 60, HTTP_OFF = no limit (benchmarks) */
    struct pusat *pusat;      /* non-NULL: serve the city registry's API (src/pusat) and the
                                 node protocol (/api/link/v1) instead of the kecamatan's; borrowed */
    struct svc_link_agent *link_agent; /* a linked kecamatan's sender (may be NULL); borrowed */
} http_config;

#define HTTP_OFF 0xFFFFFFFFu /* a limit of http_config switched off */

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
