/*
 * link_node.h - the kecamatan node's side of the link to Disdukcapil (issue 11,
 * docs/internals/link.md): enrolment, the outbox ("Kiriman ke Disdukcapil"), the sender and
 * the status feed applier, export to a removable disk. Use cases as in service.h (JSON out,
 * kt_error, roles checked here).
 *
 * The hooks the application use cases call (record, change_data, receipt, hand_over, the
 * manual actions) are in link_hooks.h.
 */
#ifndef KTPEL_SERVICE_LINK_NODE_H
#define KTPEL_SERVICE_LINK_NODE_H

#include "service/service.h"

/* Admin or system. in {"central_url", "node_id", "code", "tls_pin"?, "key_path"?}: makes the
   node key (key_path, default <data>/keys/link_node.key, mode 0600), enrols at the central,
   checks the answer's HMAC with the code, keeps the central's keys and the pin. A plain
   http:// central is accepted on loopback only. */
kt_code svc_link_enrol(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                       kt_error *err);
/* {"linked", "node_id", "central_url", "counts": {pending, ready, sent, failed},
   "oldest_waiting_at", "status_cursor", "alert_minutes", "alert"} (supervisor, admin). */
kt_code svc_link_info(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* The outbox, newest first: filter {"state"?, "limit"?}. */
kt_code svc_link_outbox(svc *s, const svc_actor *who, const json_t *filter, json_t **out,
                        kt_error *err);
/* One round now ("kirim sekarang"): build what is pending, send what is due (force: also
   what waits for its backoff), pull and apply the status feed. out {"built", "sent",
   "failed", "retry", "statuses", "error"?}. */
kt_code svc_link_sync(svc *s, const svc_actor *who, int force, json_t **out, kt_error *err);
/* A failed packet back to the queue (after the cause was fixed). */
kt_code svc_link_retry(svc *s, const svc_actor *who, const char *packet_id, json_t **out,
                       kt_error *err);
/* Copy every packet not yet acknowledged to dir (a removable disk), temp + fsync + rename:
   out {"exported", "files": [...]}. The node learns they arrived from the status feed. */
kt_code svc_link_export(svc *s, const svc_actor *who, const char *dir, json_t **out,
                        kt_error *err);

/* The background agent of `ktpel serve` on a linked node: a round every interval_ms (and at
   once when woken). *out: svc_link_agent_stop() before svc_close(). */
typedef struct svc_link_agent svc_link_agent;
kt_code svc_link_agent_start(svc *s, int interval_ms, svc_link_agent **out, kt_error *err);
void svc_link_agent_wake(svc_link_agent *a);
void svc_link_agent_stop(svc_link_agent *a);

/* The dashboard alert: a packet waiting longer than this (minutes; default 240). */
void svc_link_set_alert_minutes(svc *s, int minutes);

#endif
