/*
 * api.c - http_server_start(): the ktpel API assembled from the handler files' route
 * tables, the session check (svc_session), the live-update relay (svc_subscribe -> SSE) and
 * the static web root.
 *
 * The service has no svc_unsubscribe, so the listener's context is a slot of a static
 * relay table rather than the server itself: stopping the server empties its slot, and an
 * event committed after that (the svc outlives the server) is simply dropped.
 *
 * Never: call the service while holding the relay lock for longer than the publish.
 */
#include "http/api.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef KTPEL_HTTP_VOICE
#include "voice/voice.h"
#endif

#ifndef KTPEL_WEB_DIR
#define KTPEL_WEB_DIR "web"
#endif

struct http_server {
    http_core *core;
    http_api api;
    http_route *routes;
    int relay;
};

/* ---- live updates -------------------------------------------------------------------- */

#define RELAY_SLOTS 16
static struct {
    pthread_mutex_t mu;
    http_sse_hub *hub;
    int used;
} relays[RELAY_SLOTS] = {
#define R0 {PTHREAD_MUTEX_INITIALIZER, NULL, 0}
    R0, R0, R0, R0, R0, R0, R0, R0, R0, R0, R0, R0, R0, R0, R0, R0
#undef R0
};
static pthread_mutex_t relays_mu = PTHREAD_MUTEX_INITIALIZER;

static void on_event(void *ctx, const json_t *ev)
{
    int slot = (int)(intptr_t)ctx;
    const char *type = json_string_value(json_object_get(ev, "type"));
    char name[48];
    char *data;
    size_t i;

    if (type == NULL)
        type = "message";
    for (i = 0; type[i] != '\0' && i + 1 < sizeof name; i++) /* an SSE event name is one line */
        name[i] = (type[i] == '\n' || type[i] == '\r') ? '_' : type[i];
    name[i] = '\0';
    data = json_dumps(ev, JSON_COMPACT);
    if (data == NULL)
        return;
    pthread_mutex_lock(&relays[slot].mu);
    if (relays[slot].hub != NULL)
        http_sse_publish(relays[slot].hub, name, data);
    pthread_mutex_unlock(&relays[slot].mu);
    free(data);
}

/* ---- glue ---------------------------------------------------------------------------- */

json_t *http_json_in(http_req *r)
{
    json_t *in = NULL;
    kt_error err;
    kt_error_clear(&err);
    if (http_body_json(r, &in, &err) != KT_OK) {
        http_reply_error(r, &err, NULL);
        return NULL;
    }
    return in;
}

static kt_code auth(void *app, const char *token, svc_actor *actor, kt_error *err)
{
    http_api *api = app;
    return svc_session(api->s, token, actor, err);
}

kt_code http_server_start(const http_config *cfg, svc *s, http_server **out, kt_error *err)
{
    static const struct {
        const http_route *t;
        const size_t *n;
    } tables[] = {
        {http_routes_auth, &http_routes_auth_n},
        {http_routes_users, &http_routes_users_n},
        {http_routes_tickets, &http_routes_tickets_n},
        {http_routes_queue, &http_routes_queue_n},
        {http_routes_residents, &http_routes_residents_n},
        {http_routes_applications, &http_routes_applications_n},
        {http_routes_summary, &http_routes_summary_n},
        {http_routes_events, &http_routes_events_n},
    };
    http_server *srv = NULL;
    http_core_config cc;
    char web_real[PATH_MAX] = "";
    const char *web = cfg->web_dir != NULL ? cfg->web_dir : KTPEL_WEB_DIR;
    size_t nroutes = 0, k = 0;
    kt_code rc = KT_OK;

    *out = NULL;
    srv = calloc(1, sizeof *srv);
    if (srv == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    srv->relay = -1;
    srv->api.s = s;
    pthread_mutex_init(&srv->api.voice_mu, NULL);
    if (cfg->data_dir != NULL && cfg->data_dir[0] != '\0')
        snprintf(srv->api.voice_dir, sizeof srv->api.voice_dir, "%s/voice", cfg->data_dir);

    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        nroutes += *tables[i].n;
    srv->routes = calloc(nroutes, sizeof *srv->routes);
    if (srv->routes == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
        goto out;
    }
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        for (size_t j = 0; j < *tables[i].n; j++)
            srv->routes[k++] = tables[i].t[j];

    if (realpath(web, web_real) == NULL) {
        web_real[0] = '\0';
        if (cfg->web_dir != NULL) {
            rc = kt_fail(err, KT_EINVAL, "web_dir_missing", "web",
                         "folder halaman '%s' tidak ada", web);
            goto out;
        }
        fprintf(stderr, "ktpel serve: folder halaman %s tidak ada; hanya API yang dilayani\n",
                web);
    }

    rc = http_sse_hub_new(cfg->heartbeat_ms, &srv->api.hub, err);
    if (rc != KT_OK)
        goto out;
    pthread_mutex_lock(&relays_mu);
    for (int i = 0; i < RELAY_SLOTS; i++)
        if (!relays[i].used) {
            relays[i].used = 1;
            srv->relay = i;
            break;
        }
    pthread_mutex_unlock(&relays_mu);
    if (srv->relay < 0) {
        rc = kt_fail(err, KT_EUNAVAIL, "too_many_servers", "", "terlalu banyak server");
        goto out;
    }
    pthread_mutex_lock(&relays[srv->relay].mu);
    relays[srv->relay].hub = srv->api.hub;
    pthread_mutex_unlock(&relays[srv->relay].mu);
    rc = svc_subscribe(s, on_event, (void *)(intptr_t)srv->relay, err);
    if (rc != KT_OK)
        goto out;

    memset(&cc, 0, sizeof cc);
    cc.cfg = cfg;
    cc.routes = srv->routes;
    cc.nroutes = nroutes;
    cc.app = &srv->api;
    cc.auth = auth;
    cc.web_root = web_real[0] != '\0' && access(web_real, R_OK) == 0 ? web_real : NULL;
    rc = http_core_start(&cc, &srv->core, err);
    if (rc != KT_OK)
        goto out;
    *out = srv;
    srv = NULL;
out:
    if (srv != NULL)
        http_server_stop(srv);
    return rc;
}

uint16_t http_server_port(const http_server *srv)
{
    return http_core_port(srv->core);
}

void http_server_stop(http_server *srv)
{
    if (srv == NULL)
        return;
    if (srv->relay >= 0) {
        pthread_mutex_lock(&relays[srv->relay].mu);
        relays[srv->relay].hub = NULL;
        pthread_mutex_unlock(&relays[srv->relay].mu);
    }
    if (srv->api.hub != NULL) {
        /* end every event stream, give them up to a second to flush and close */
        http_sse_close_all(srv->api.hub);
        for (int i = 0; i < 100 && srv->core != NULL && http_sse_count(srv->api.hub) > 0; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    http_core_stop(srv->core);
    http_sse_hub_free(srv->api.hub);
    /* the relay slot stays used: the svc still holds its index as listener context */
#ifdef KTPEL_HTTP_VOICE
    if (srv->api.voice != NULL)
        voice_bank_close(srv->api.voice);
#endif
    pthread_mutex_destroy(&srv->api.voice_mu);
    free(srv->routes);
    free(srv);
}
