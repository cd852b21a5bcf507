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
/* The server is stopping: every call to the central under way in this process (the agent's,
   a "kirim sekarang" request's) gives up within about a second, and later ones at once, so a
   send to an unresponsive central does not hold the shutdown for its 120 s timeout. The
   packet stays ready: sent again at the next start. svc_link_agent_stop() does it too. */
void svc_link_cancel(svc *s);

/* Apply an answer of the central's status feed (residents 0: GET /api/link/v1/status) or
   resident feed (1: /api/link/v1/residents), text[0..len) as received: {"entries": [...]},
   each entry applied in sequence order, only as the next one after the cursor (a transaction
   each). *count += the entries applied, *entries = how many came, *progressed = whether any
   was applied. An answer that is not that shape applies nothing and says so in errbuf
   (KT_OK: the round ends); an entry that is malformed stops there with its error. */
kt_code svc_link_feed_apply(svc *s, const char *text, size_t len, int residents, int *count,
                            size_t *entries, int *progressed, char *errbuf, size_t errcap,
                            kt_error *err);
/* The central's answer to an enrolment, checked: node_id, kecamatan_code (6 digits), its two
   keys (base64url, 32 bytes), key_id, and the HMAC-SHA-256 over them and the node's public key
   keyed by SHA-256 of the enrolment code (normalised: no '-' or ' ', upper case). */
typedef struct {
    char kecamatan_code[8];
    char sign_public_key[48], box_public_key[48];
    int64_t key_id;
} svc_link_enrol_answer;
kt_code svc_link_enrol_check(const char *text, size_t len, const char *node_id, const char *code,
                             const char *node_public_key, svc_link_enrol_answer *out,
                             kt_error *err);
/* The dashboard alert: a packet waiting longer than this (minutes; default 240). */
void svc_link_set_alert_minutes(svc *s, int minutes);

/* ---- cards from Disdukcapil (link_cards.c) ---- */
/* The shipments the central announced (those to receive first, then the latest 100), each
   {shipment_no, cards, listed, complete, received, missing, shipped_at, received_at,
   received_by, records: [{application_id, nik, name, card_serial, state, application_state}]},
   and the counts "waiting" (shipments to receive) and "missing_cards". Supervisor, admin. */
kt_code svc_link_shipments(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* The shipment arrived: in {"application_ids"?: the cards in the box (default: all)}. Each
   card received moves its application print_ready -> printed; the others become `missing`.
   After that, only missing cards may be received (one that turned up). Refused while the
   shipment's list is incomplete (409 shipment_incomplete). out: the shipment. */
kt_code svc_link_shipment_receive(svc *s, const svc_actor *who, const char *shipment_no,
                                  const json_t *in, json_t **out, kt_error *err);

#endif
