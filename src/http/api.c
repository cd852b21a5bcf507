/*
 * api.c - http_server_start(): the ktpel API assembled from the handler files' route
 * tables, the session check (svc_session), the live-update relay (svc_subscribe -> SSE) and
 * the static web root.
 *
 * The live-update listener's context is the server itself: stopping the server calls
 * svc_unsubscribe first, which returns only when no event is being handed to it any more, so
 * the hub can be freed right after (the svc outlives the server).
 *
 * Never: call the service from the listener (it runs on the committing thread).
 */
#include "http/api.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "voice/voice.h"

/* The records side's tables (h_documents.c, h_archive.c, h_register.c, h_reports.c, h_admin.c). */
HTTP_ROUTES_DECL(http_routes_documents)
HTTP_ROUTES_DECL(http_routes_archive)
HTTP_ROUTES_DECL(http_routes_register)
HTTP_ROUTES_DECL(http_routes_reports)
HTTP_ROUTES_DECL(http_routes_admin)

#ifndef KTPEL_WEB_DIR
#define KTPEL_WEB_DIR "web"
#endif

struct http_server {
    http_core *core;
    http_api api;
    http_route *routes;
    int subscribed; /* on_event is a listener of api.s (svc_unsubscribe at stop) */
    int public_only; /* serve --public-listen: citizens' routes and pages only */
};

/* ---- handler shapes (api.h) ------------------------------------------------------- */

void http_run(http_req *r, http_op op)
{
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = op(HTTP_API(r)->s, &r->actor, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

void http_run_in(http_req *r, http_op_in op, unsigned ok_status)
{
    json_t *in = http_json_in(r), *out = NULL;
    kt_error err;
    if (in == NULL)
        return; /* http_json_in replied */
    kt_error_clear(&err);
    kt_code rc = op(HTTP_API(r)->s, &r->actor, in, &out, &err);
    http_reply_svc(r, rc, ok_status, out, &err);
    json_decref(in);
}

/* op on the {id} of the path (err cleared first). */
static kt_code call_id(http_req *r, http_op_id op, json_t **out, kt_error *err)
{
    int64_t id;
    kt_error_clear(err);
    kt_code rc = http_param_id(r, "id", &id, err);
    if (rc == KT_OK)
        rc = op(HTTP_API(r)->s, &r->actor, id, out, err);
    return rc;
}

void http_run_id(http_req *r, http_op_id op)
{
    json_t *out = NULL;
    kt_error err;
    kt_code rc = call_id(r, op, &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
}

/* http_run_id_in (op) and http_run_id_str_in (op_str with the path's {param}). */
static void run_id_in(http_req *r, http_op_id_in op, const char *param,
                      http_op_id_str_in op_str)
{
    json_t *in, *out = NULL;
    int64_t id;
    kt_error err;
    kt_error_clear(&err);
    if (http_param_id(r, "id", &id, &err) != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    in = http_json_in(r);
    if (in == NULL)
        return;
    kt_code rc = op != NULL ? op(HTTP_API(r)->s, &r->actor, id, in, &out, &err)
                            : op_str(HTTP_API(r)->s, &r->actor, id, http_param(r, param), in,
                                     &out, &err);
    http_reply_svc(r, rc, 200, out, &err);
    json_decref(in);
}

void http_run_id_in(http_req *r, http_op_id_in op) { run_id_in(r, op, NULL, NULL); }

void http_run_id_str_in(http_req *r, const char *param, http_op_id_str_in op)
{
    run_id_in(r, NULL, param, op);
}

/* ---- announcements ------------------------------------------------------------------ */

/* The clip bank shared by every announcement handler, opened on first use. */
kt_code http_api_voice(http_api *api, voice_bank **out, kt_error *err)
{
    kt_code rc = KT_OK;
    pthread_mutex_lock(&api->voice_mu);
    if (api->voice == NULL) {
        voice_bank *vb = NULL;
        if (api->voice_dir[0] == '\0' || api->voice_failed) {
            rc = kt_fail(err, KT_EUNAVAIL, "voice_unavailable", "",
                         "suara panggilan tidak tersedia di server ini");
            goto out;
        }
        rc = voice_bank_open(api->voice_dir, &vb, err);
        if (rc != KT_OK) {
            api->voice_failed = 1;
            if (rc != KT_ENOMEM) {
                char why[sizeof err->message]; /* kt_fail writes err->message: copy first */
                memcpy(why, err->message, sizeof why);
                kt_fail(err, KT_EUNAVAIL, "voice_unavailable", "",
                        "suara panggilan tidak tersedia: %s", why);
            }
            goto out;
        }
        api->voice = vb;
    }
    *out = api->voice;
out:
    pthread_mutex_unlock(&api->voice_mu);
    return rc;
}

/* Reply with the WAV announcement of `number` called to `loket` (voice/voice.h). */
static void reply_announcement(http_req *r, const char *number, long long loket)
{
    voice_bank *vb = NULL;
    uint8_t *wav = NULL;
    size_t len = 0;
    kt_error err;
    kt_error_clear(&err);
    if (number == NULL || loket <= 0 || loket > 99) {
        http_reply_fail(r, KT_ECONFLICT, "ticket_not_called", "id",
                        "tiket ini belum dipanggil ke loket mana pun");
        return;
    }
    kt_code rc = http_api_voice(HTTP_API(r), &vb, &err);
    if (rc == KT_OK)
        rc = voice_announce(vb, number, (int)loket, &wav, &len, &err);
    if (rc != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    http_reply_file(r, "audio/wav", "inline", "panggilan.wav", wav, len);
}

void http_run_announcement(http_req *r, http_op_id get)
{
    json_t *c = NULL;
    kt_error err;
    if (call_id(r, get, &c, &err) != KT_OK)
        http_reply_error(r, &err, NULL);
    else
        reply_announcement(r, json_string_value(json_object_get(c, "number")),
                           json_integer_value(json_object_get(c, "loket")));
    json_decref(c);
}

/* ---- live updates -------------------------------------------------------------------- */


/* The staff roles, each an audience of its own (1 + index). */
static const char *const staff_roles[] = {"intake", "operator", "handover", "supervisor",
                                          "admin"};

unsigned http_api_audience(const svc_actor *who)
{
    for (size_t i = 0; i < sizeof staff_roles / sizeof staff_roles[0]; i++)
        if (strcmp(who->role, staff_roles[i]) == 0)
            return 1u + (unsigned)i;
    return HTTP_AUDIENCE_PUBLIC;
}

/* Publish ev as `who` may see it (NULL: the public) to that audience. */
static void publish_view(http_server *srv, unsigned audience, const char *name,
                         const json_t *ev, const svc_actor *who)
{
    json_t *v = svc_event_view(ev, who);
    char *data;
    if (v == NULL)
        return;
    data = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (data == NULL)
        return;
    http_sse_publish(srv->api.hub, audience, name, data);
    free(data);
}

static void on_event(void *ctx, const json_t *ev)
{
    http_server *srv = ctx;
    const char *type = json_string_value(json_object_get(ev, "type"));
    char name[48];
    size_t i;

    if (type == NULL)
        type = "message";
    for (i = 0; type[i] != '\0' && i + 1 < sizeof name; i++) /* an SSE event name is one line */
        name[i] = (type[i] == '\n' || type[i] == '\r') ? '_' : type[i];
    name[i] = '\0';
    publish_view(srv, HTTP_AUDIENCE_PUBLIC, name, ev, NULL);
    if (srv->public_only) /* the citizens' listener has no staff stream */
        return;
    for (i = 0; i < sizeof staff_roles / sizeof staff_roles[0]; i++) {
        svc_actor who;
        memset(&who, 0, sizeof who);
        snprintf(who.role, sizeof who.role, "%s", staff_roles[i]);
        publish_view(srv, 1u + (unsigned)i, name, ev, &who);
    }
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

HTTP_ROUTES_DECL(http_routes_afis) /* h_afis.c: duplicates, verify-finger */
HTTP_ROUTES_DECL(http_routes_lokets) /* h_lokets.c: loket roles, recording-desk calls */
HTTP_ROUTES_DECL(http_routes_scan)   /* h_scan.c: receipt QR from a camera frame */
HTTP_ROUTES_DECL(http_routes_audit)  /* h_audit.c: chain verification, who read whose data */
HTTP_ROUTES_DECL(http_routes_labels) /* h_labels.c: codes to words for the pages */
HTTP_ROUTES_DECL(http_routes_public) /* h_public.c: the citizens' routes (both listeners) */
HTTP_ROUTES_DECL(http_routes_public_events) /* h_public.c: the public stream alone */
HTTP_ROUTES_DECL(http_routes_citizen) /* h_citizen.c: check-in, tablet, staff's citizen side */

/* What `serve --public-listen` serves: the citizens' pages and what they load. */
static const char *const public_files[] = {
    "/publik.html", "/janji.html",   "/antrian.html", "/status.html",   "/survei.html",
    "/ikm.html",    "/css/app.css",  "/js/api.js",    "/js/ui.js",      "/js/labels.js",
    "/js/events.js", "/js/janji.js", "/js/antrian.js", "/js/status.js", "/js/survei.js",
    "/js/ikm.js",   "/js/citizen.js", NULL};
HTTP_ROUTES_DECL(http_routes_kiriman) /* h_kiriman.c: a node's outbox to Disdukcapil */
HTTP_ROUTES_DECL(http_routes_pusat)   /* h_pusat.c: the city registry's staff API */
HTTP_ROUTES_DECL(http_routes_link)    /* h_link.c: the node protocol at the city registry */

typedef struct route_table {
    const http_route *t;
    const size_t *n;
} route_table;

kt_code http_server_start(const http_config *cfg, svc *s, http_server **out, kt_error *err)
{
    static const route_table kecamatan[] = {
        {http_routes_auth, &http_routes_auth_n},
        {http_routes_users, &http_routes_users_n},
        {http_routes_tickets, &http_routes_tickets_n},
        {http_routes_queue, &http_routes_queue_n},
        {http_routes_residents, &http_routes_residents_n},
        {http_routes_applications, &http_routes_applications_n},
        {http_routes_summary, &http_routes_summary_n},
        {http_routes_events, &http_routes_events_n},
        {http_routes_documents, &http_routes_documents_n},
        {http_routes_archive, &http_routes_archive_n},
        {http_routes_register, &http_routes_register_n},
        {http_routes_reports, &http_routes_reports_n},
        {http_routes_admin, &http_routes_admin_n},
        {http_routes_afis, &http_routes_afis_n},
        {http_routes_lokets, &http_routes_lokets_n},
        {http_routes_scan, &http_routes_scan_n},
        {http_routes_public, &http_routes_public_n},
        {http_routes_citizen, &http_routes_citizen_n},
        {http_routes_audit, &http_routes_audit_n},
        {http_routes_labels, &http_routes_labels_n},
        {http_routes_kiosks, &http_routes_kiosks_n},
        {http_routes_kiriman, &http_routes_kiriman_n},
    };
    /* The public listener: the citizens' routes and the live stream, nothing else. */
    static const route_table public_tables[] = {
        {http_routes_public, &http_routes_public_n},
        {http_routes_public_events, &http_routes_public_events_n},
        {http_routes_labels, &http_routes_labels_n}, /* the words of the codes, nothing else */
    };
    /* The city registry: accounts, its audit trail (who read whose data there) and its own
       work, no queue or counters. */
    static const route_table central[] = {
        {http_routes_auth, &http_routes_auth_n},
        {http_routes_users, &http_routes_users_n},
        {http_routes_audit, &http_routes_audit_n},
        {http_routes_events, &http_routes_events_n},
        {http_routes_labels, &http_routes_labels_n},
        {http_routes_pusat, &http_routes_pusat_n},
        {http_routes_link, &http_routes_link_n},
    };
    const route_table *tables = cfg->public_only    ? public_tables
                                : cfg->pusat != NULL ? central
                                                     : kecamatan;
    size_t ntables = cfg->public_only    ? sizeof public_tables / sizeof public_tables[0]
                     : cfg->pusat != NULL ? sizeof central / sizeof central[0]
                                          : sizeof kecamatan / sizeof kecamatan[0];
    http_server *srv = NULL;
    http_core_config cc;
    http_config full = *cfg;
    http_sse_limits sl;
    char web_real[PATH_MAX] = "";
    const char *web = cfg->web_dir != NULL ? cfg->web_dir : KTPEL_WEB_DIR;
    size_t nroutes = 0, k = 0;
    kt_code rc = KT_OK;

    *out = NULL;
    srv = calloc(1, sizeof *srv);
    if (srv == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    srv->api.s = s;
    srv->api.p = cfg->pusat;
    srv->api.agent = cfg->link_agent;
    pthread_mutex_init(&srv->api.voice_mu, NULL);
    if (cfg->data_dir != NULL && cfg->data_dir[0] != '\0')
        snprintf(srv->api.voice_dir, sizeof srv->api.voice_dir, "%s/voice", cfg->data_dir);

    srv->public_only = cfg->public_only;
    for (size_t i = 0; i < ntables; i++)
        nroutes += *tables[i].n;
    srv->routes = calloc(nroutes, sizeof *srv->routes);
    if (srv->routes == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
        goto out;
    }
    for (size_t i = 0; i < ntables; i++)
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

    http_config_defaults(&full);
    memset(&sl, 0, sizeof sl);
    sl.heartbeat_ms = full.heartbeat_ms;
    sl.max_streams = full.max_streams;
    sl.client_streams = full.client_streams;
    sl.max_age_s = full.stream_max_age_s;
    rc = http_sse_hub_new(&sl, &srv->api.hub, err);
    if (rc != KT_OK)
        goto out;
    rc = svc_subscribe(s, on_event, srv, err);
    if (rc != KT_OK)
        goto out;
    srv->subscribed = 1;

    memset(&cc, 0, sizeof cc);
    cc.cfg = cfg;
    cc.routes = srv->routes;
    cc.nroutes = nroutes;
    cc.app = &srv->api;
    cc.auth = auth;
    cc.web_root = web_real[0] != '\0' && access(web_real, R_OK) == 0 ? web_real : NULL;
    if (srv->public_only) {
        cc.static_allow = public_files;
        cc.static_index = "/publik.html";
        cc.auth = NULL; /* no staff session is ever looked at here */
    }
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
    if (srv->subscribed) /* from here on no event reaches srv */
        svc_unsubscribe(srv->api.s, on_event, srv);
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
    if (srv->api.voice != NULL)
        voice_bank_close(srv->api.voice);
    pthread_mutex_destroy(&srv->api.voice_mu);
    free(srv->routes);
    free(srv);
}
