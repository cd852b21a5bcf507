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

struct pusat;
struct svc_link_agent;

typedef struct http_api {
    svc *s;                  /* borrowed from the caller of http_server_start */
    struct pusat *p;         /* borrowed: set when the server is the city registry (pusat) */
    struct svc_link_agent *agent; /* borrowed: a linked node's sender, woken by "kirim sekarang" */
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
HTTP_ROUTES_DECL(http_routes_kiosks)

/* Event stream audiences (sse.c): the public stream, and one per staff role, each fed with
   svc_event_view for that role (api.c). */
#define HTTP_AUDIENCE_PUBLIC 0u
/* The audience of an officer's staff stream; HTTP_AUDIENCE_PUBLIC for a role that has none. */
unsigned http_api_audience(const svc_actor *who);

/* The handler of a use case that gives a queue ticket (taking one, checking in with a
   booking code; h_tickets.c): the client is admitted first - a registered kiosk
   (X-Ktpel-Kiosk, passed to op) within kiosk_per_min, a logged-in officer freely (NULL), anyone
   else within ticket_budget an hour per address (401 for a bad device secret, 429 over a
   budget) - then op(svc, kiosk, JSON body, &out, &err), 201 on success. */
typedef kt_code (*http_op_ticket)(svc *, const svc_kiosk *, const json_t *, json_t **,
                                  kt_error *);
void http_run_ticket(http_req *r, http_op_ticket op);

/* Parse the JSON body; on failure reply with the error and return NULL. Owned by caller. */
json_t *http_json_in(http_req *r);

/*
 * The shapes most handlers have, each a whole handler over one use case: parse the transport,
 * call, reply (ok_status, else 200, on success; the error JSON otherwise).
 *   http_run            nothing                 fn(svc, actor, &out, &err)
 *   http_run_in         JSON body               fn(svc, actor, in, &out, &err)
 *   http_run_id         {id} of the path        fn(svc, actor, id, &out, &err)
 *   http_run_id_in      {id} and a JSON body    fn(svc, actor, id, in, &out, &err)
 *   http_run_id_str_in  {id}, the path's {param} and a JSON body
 *                                               fn(svc, actor, id, param, in, &out, &err)
 * A use case without an actor (a public one) is adapted in its handler file.
 */
typedef kt_code (*http_op)(svc *, const svc_actor *, json_t **, kt_error *);
typedef kt_code (*http_op_in)(svc *, const svc_actor *, const json_t *, json_t **, kt_error *);
typedef kt_code (*http_op_id)(svc *, const svc_actor *, int64_t, json_t **, kt_error *);
typedef kt_code (*http_op_id_in)(svc *, const svc_actor *, int64_t, const json_t *, json_t **,
                                 kt_error *);
typedef kt_code (*http_op_id_str_in)(svc *, const svc_actor *, int64_t, const char *,
                                     const json_t *, json_t **, kt_error *);
void http_run(http_req *r, http_op op);
void http_run_in(http_req *r, http_op_in op, unsigned ok_status);
void http_run_id(http_req *r, http_op_id op);
void http_run_id_in(http_req *r, http_op_id_in op);
void http_run_id_str_in(http_req *r, const char *param, http_op_id_str_in op);

/* The announcement clip bank (voice/voice.h), opened on first use; KT_EUNAVAIL when espeak-ng
   or the cache folder is missing. *out is owned by the api. */
kt_code http_api_voice(http_api *api, voice_bank **out, kt_error *err);

/* The handler of an announcement: get(svc, actor, {id} of the path) finds what was called (its
   "number" and "loket"); the reply is its WAV announcement, or 409 ticket_not_called when it
   was not called to a loket (1..99). */
void http_run_announcement(http_req *r, http_op_id get);

#endif
