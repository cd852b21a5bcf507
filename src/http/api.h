/*
 * api.h - what the handler files (h_*.c) share: the API context and their route lists.
 *
 * The context is created by http_server_start() (api.c) and borrowed by every request as
 * r->app. Each handler file exports one table of routes; api.c concatenates them.
 *
 * Never: keep per-request state here (handlers are called on many threads at once).
 */
#ifndef KTPEL_HTTP_API_H
#define KTPEL_HTTP_API_H

#include <pthread.h>

#include "http/server.h"
#include "voice/voice.h"

typedef struct http_api {
    svc *s;                  /* borrowed from the caller of http_server_start */
    http_sse_hub *hub;       /* owned */
    char voice_dir[4096];    /* clip cache folder, "" when unknown */
    pthread_mutex_t voice_mu;
    voice_bank *voice;       /* opened on the first announcement (http_api_voice); owned */
    int voice_failed;
} http_api;

#define HTTP_API(r) ((http_api *)(r)->app)

/* Each handler file: a table and its length. */
#define HTTP_ROUTES_DECL(name)                                                                \
    extern const http_route name[];                                                           \
    extern const size_t name##_n;

HTTP_ROUTES_DECL(http_routes_auth)
HTTP_ROUTES_DECL(http_routes_users)
HTTP_ROUTES_DECL(http_routes_tickets)
HTTP_ROUTES_DECL(http_routes_queue)
HTTP_ROUTES_DECL(http_routes_residents)
HTTP_ROUTES_DECL(http_routes_applications)
HTTP_ROUTES_DECL(http_routes_summary)
HTTP_ROUTES_DECL(http_routes_events)

/* Parse the JSON body; on failure reply with the error and return NULL. Owned by caller. */
json_t *http_json_in(http_req *r);

/*
 * The three shapes most handlers have, each a whole handler over one use case: parse the
 * transport, call, reply (ok_status on success, the error JSON otherwise).
 *   http_run_in     JSON body               fn(svc, actor, in, &out, &err)
 *   http_run_id     {id} of the path        fn(svc, actor, id, &out, &err)
 *   http_run_id_in  {id} and a JSON body    fn(svc, actor, id, in, &out, &err)
 */
typedef kt_code (*http_op_in)(svc *, const svc_actor *, const json_t *, json_t **, kt_error *);
typedef kt_code (*http_op_id)(svc *, const svc_actor *, int64_t, json_t **, kt_error *);
typedef kt_code (*http_op_id_in)(svc *, const svc_actor *, int64_t, const json_t *, json_t **,
                                 kt_error *);
void http_run_in(http_req *r, http_op_in op, unsigned ok_status);
void http_run_id(http_req *r, http_op_id op);
void http_run_id_in(http_req *r, http_op_id_in op);

/* The announcement clip bank (voice/voice.h), opened on first use; KT_EUNAVAIL when espeak-ng
   or the cache folder is missing. *out is owned by the api. */
kt_code http_api_voice(http_api *api, voice_bank **out, kt_error *err);

/* Reply with the WAV announcement of ticket `number` called to `loket` (1..99); a ticket not
   called to a loket is 409 ticket_not_called. */
void http_reply_announcement(http_req *r, const char *number, long long loket);

#endif
