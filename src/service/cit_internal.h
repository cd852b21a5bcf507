/*
 * cit_internal.h - what the citizen's side (citizen.c, appointments.c, sms.c, ikm.c) shares,
 * and its hooks into the office's use cases (queue.c, apps.c). Never included outside
 * src/service. docs/internals/citizen.md describes the whole.
 *
 * Each hook runs inside the caller's write transaction, so what it writes (an SMS in the
 * outbox, a phone number carried from a ticket to its application) commits or rolls back with
 * the step that caused it.
 */
#ifndef KTPEL_SERVICE_CIT_INTERNAL_H
#define KTPEL_SERVICE_CIT_INTERNAL_H

#include "service/svc_internal.h"

/* The office as an SMS names it (core/sms.h keeps every text within 160 characters with it). */
#define SVC_OFFICE_SHORT "Kec. Neglasari"
/* Check-in at the kiosk opens this long before the slot (the SMS asks for 15 minutes). */
#define SVC_CHECKIN_EARLY_MS (30 * 60 * INT64_C(1000))

/* Open / close the citizen's state of s (svc_open, svc_close). */
kt_code svc_cit_open(svc *s, const svc_config *cfg, kt_error *err);
void svc_cit_close(svc *s);

/* The public address (no trailing slash), e.g. "http://127.0.0.1:8080". Borrowed. */
const char *svc_cit_public_url(const svc *s);

/* The link tokens of the public pages: kind 'T' (a ticket's phone queue page) or 'S' (an
   application's survey), id -> 24 characters of base64url (the id and a keyed BLAKE2b MAC of
   kind and id, from a key derived from the office's receipt key). Unguessable, so a page can
   be reached only from its paper or screen; no table holds them. */
#define SVC_LINK_LEN 32
kt_code svc_cit_link_make(svc *s, char kind, int64_t id, char out[SVC_LINK_LEN], kt_error *err);
/* KT_ENOTFOUND with nf_id / field / message when the token is not a genuine one of kind. */
kt_code svc_cit_link_read(svc *s, char kind, const char *token, int64_t *id, const char *nf_id,
                          const char *field, const char *message, kt_error *err);

/* Add "track" (the token) and "track_url" (the public page) to a ticket JSON (borrowed). */
kt_code svc_cit_ticket_links(svc *s, json_t *ticket, kt_error *err);

/* A public page's actor in the audit trail ("publik" / "kiosk", role "public"). */
svc_actor svc_cit_public_actor(const char *username);

/* Queue an SMS inside the caller's transaction. kind: booking_confirmed, booking_reminder,
   queue_near, card_ready, test; ref names the cause (so a message is queued once: a second
   call with the same kind and ref does nothing). phone is normalised (core/phone.h) and the
   body checked (core/sms.h): a malformed number is KT_EINVAL "phone_invalid". */
kt_code svc_sms_enqueue(svc *s, store *db, const char *kind, const char *ref, const char *phone,
                        const char *body, int64_t expires_at, kt_error *err);

/* Hook of a ticket call (queue.c call_unit): waiting tickets of the called ticket's queue that
   have a phone and are now sms_near or fewer places from their turn get "tinggal N lagi". */
kt_code svc_cit_queue_moved(svc *s, store *db, const char *service, kt_error *err);

/* Hook of every application move (apps.c app_move): at open the ticket's phone follows the
   application; at `printed` "KTP-el Anda sudah dapat diambil" is queued; at the handover the
   number is erased. */
kt_code svc_cit_app_moved(svc *s, store *db, int64_t app_id, const char *to, kt_error *err);

/* The place of a waiting ticket in its queue and the wait estimate (citizen.c), for the
   phone page and the "tinggal N lagi" hook: *ahead calls before it, *wait_ms the estimate,
   *cycle_ms and *lokets what it rests on, *measured 0 when no cycle was measured yet today. */
typedef struct svc_cit_place {
    int64_t ahead, wait_ms, cycle_ms;
    int lokets, measured;
} svc_cit_place;
kt_code svc_cit_place_of(svc *s, store *db, int64_t ticket_id, svc_cit_place *out, kt_error *err);

/* Housekeeping of the SMS job (appointments.c): bookings whose slot ended become no_show and
   lose their phone number; tomorrow's bookings get their reminder (from 09.00 WIB the day
   before); ticket phone numbers of past days are erased. */
kt_code svc_appt_housekeeping(svc *s, kt_error *err);

/* The survey's address for application app_id (the receipt's second QR): public_url +
   "/survei.html#" + token. */
kt_code svc_survey_link(svc *s, int64_t app_id, char url[320], kt_error *err);

/* A fresh random id as hex (2*nbytes chars + NUL into out). */
void svc_cit_random_hex(char *out, size_t nbytes);

#endif
