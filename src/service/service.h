/*
 * service.h - the use cases of ktpel: the one layer that HTTP handlers and CLI commands call.
 *
 * Design
 * - Every use case is one function, and every state change it makes commits in one
 *   transaction together with its audit event (who, role, when, from, to, why).
 * - Inputs that have several fields come as a jansson object whose field names are the JSON
 *   API's (docs/domain.md); results are returned as a new jansson value, the very JSON the API
 *   sends and the CLI prints. So the web page, the API and the CLI can never disagree.
 * - Validation and role checks happen here, not in the callers: a handler or command only
 *   parses its transport and passes the caller's identity (svc_actor).
 * - Errors: kt_code + kt_error (core/error.h); the field names a JSON field of the input.
 * - Thread-safe: one svc is shared by all server threads (each thread gets its own database
 *   connection inside).
 *
 * Ownership: every `json_t **out` receives a new reference owned by the caller (json_decref);
 * on failure *out is left NULL. Inputs are borrowed.
 *
 * Never: I/O on behalf of the caller's transport (no sockets, no printing).
 */
#ifndef KTPEL_SERVICE_H
#define KTPEL_SERVICE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct svc svc;

/* Who performs a use case. role is one of docs/domain.md's roles; "system" for the CLI. */
typedef struct svc_actor {
    int64_t user_id;      /* 0 for the system actor (CLI, scheduled jobs) */
    char username[64];
    char role[16];        /* intake | operator | handover | supervisor | admin | system */
    int loket;            /* the loket the officer sits at (1..n), 0 if none */
    int64_t session_id;   /* the session the request came with (svc_session), 0 if none */
    int must_change_password; /* 1: only svc_password_change and logout are allowed (a reset
                                 or demo account's first use); every other use case refuses
                                 with 403 password_change_required */
} svc_actor;

/* The CLI's actor: may do everything, audited as "system". */
svc_actor svc_system_actor(void);

typedef struct svc_config {
    const char *db_path;        /* SQLite file; created with the schema if missing */
    const char *data_dir;       /* biometric files and documents; default: <db dir>/data */
    const char *key_path;       /* the data key sealing biometrics at rest (mode 0600, outside
                                   the data folder); NULL: <parent of data_dir>/ktpel.key,
                                   created when nothing is sealed yet */
    int lokets;                 /* number of lokets (default 3) */
    int priority_every;         /* one priority call per N regular calls (default 3) */
    int64_t (*now_ms)(void);    /* UTC clock in Unix ms; NULL = the real clock. Tests set a
                                   fixed clock to cross service days and measure durations. */
    double afis_fmr;            /* AFIS false-match rate per finger comparison for the
                                   handover check (bio_threshold_for_fmr); 0 = 1e-4 */
    double afis_fpir;           /* AFIS false positive identification rate per enrolment:
                                   the share of unique new people flagged as a duplicate, at
                                   any gallery size (src/bio/tenprint.h); 0 = 1e-3 */
    int afis_lazy;              /* 1: load the AFIS gallery at the first recording instead of
                                   at open (CLI commands that never record: no load cost) */
    /* The citizen's side (docs/internals/citizen.md). */
    const char *public_url;     /* where citizens reach the public pages, e.g.
                                   "https://antrian.neglasari.example" (QR codes on tickets,
                                   receipts and bookings); NULL = "http://127.0.0.1:8080" */
    int booked_every;           /* walk-in after this many booked calls in a row (default 2) */
    int sms_near;               /* "nomor Anda tinggal N lagi" when N or fewer are before a
                                   ticket (default 3) */
    int pool_max;               /* store connections open at once (svc.c); 0 = 64. A
                                   PostgreSQL server must allow this many for each process. */
} svc_config;

/* Open (and migrate) the database. *out owned by caller: svc_close(). */
kt_code svc_open(const svc_config *cfg, svc **out, kt_error *err);
void svc_close(svc *s);

/* Listeners get every committed event (ticket called, application moved, ...) as JSON
   {"type": "...", "at": ..., ...}; called on the committing thread after commit. The json is
   borrowed for the duration of the call. Used by the HTTP server's live updates (SSE). */
typedef void (*svc_listener)(void *ctx, const json_t *event);
kt_code svc_subscribe(svc *s, svc_listener fn, void *ctx, kt_error *err);
/* Remove the listener (fn, ctx) subscribed before (nothing when it is not there). When it
   returns, no call of it is under way and none will start, so ctx may be freed. Never call it
   from inside a listener (it waits for the listeners running now). */
void svc_unsubscribe(svc *s, svc_listener fn, void *ctx);
/* The event as an audience may see it (event_view.c): who NULL = the public stream of the
   waiting room (queue events only: ticket number, service, loket; nothing about a person);
   a staff actor = the queue events and the application events by id and state, never a NIK
   or a name. NULL when the audience gets nothing of it. New reference owned by caller. */
json_t *svc_event_view(const json_t *event, const svc_actor *who);

/* ---- staff accounts and sessions (users.c, docs/security.md) -------------------------- */
/* Password rules (svc_user_add, svc_password_change): 10 to 128 characters, at least 5
   different ones, not digits only, not the username with only digits or signs around it, not
   a well-known or demo password, and (on a change) not the current one. */
/* in: {"username","full_name","role","password","loket"?, "must_change_password"?: bool} */
kt_code svc_user_add(svc *s, const svc_actor *who, const json_t *in, json_t **out, kt_error *err);
kt_code svc_user_list(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* Disable (active 0: no login, its sessions end) or enable (also lifts a lockout) an account
   (admin). An admin cannot disable their own account. out: the account. */
kt_code svc_user_set_active(svc *s, const svc_actor *who, const char *username, int active,
                            json_t **out, kt_error *err);
/* Admin reset: a new random temporary password, shown once in out {"username",
   "temporary_password", "sessions_ended"}; the account must change it at its next login; its
   sessions end; a lockout is lifted. */
kt_code svc_user_reset_password(svc *s, const svc_actor *who, const char *username,
                                json_t **out, kt_error *err);
/* Change one's own password: in {"current_password", "new_password"}. Ends the account's
   other sessions (the caller's stays) and lifts a forced change. out {"ok",
   "sessions_ended"}. A wrong current password counts as a failed login; while the account is
   locked, KT_ELIMIT account_locked (retry_s) before any check. */
kt_code svc_password_change(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err);
/*
 * Log in from client (the caller's address, for throttling and the audit trail; NULL for
 * none). On success: token (64 hex chars + NUL) for the session cookie, and the actor (with
 * its session_id and must_change_password). Refusals: KT_EUNAUTH login_failed (wrong
 * username or password: never which) and account_disabled (only after the right password);
 * KT_ELIMIT with err->retry_s (kt_fail_retry) account_locked (5 failures in a row lock the
 * account for 5 minutes, doubling to 60) and login_throttled (20 failures from one address
 * within 15 minutes block it for 15), whose messages say how long to wait; KT_EUNAVAIL
 * login_busy (retry_s 1) when the password hash's concurrency cap has a full queue. Every
 * attempt is in the audit trail (events).
 */
kt_code svc_login(svc *s, const char *username, const char *password, int loket,
                  const char *client, char token[65], svc_actor *actor, kt_error *err);
/* The session of a token: valid for 8 hours and while used at least every 30 minutes. */
kt_code svc_session(svc *s, const char *token, svc_actor *actor, kt_error *err);
kt_code svc_logout(svc *s, const char *token, kt_error *err);
/* Active sessions (admin): [{"id","user_id","username","role","loket","client",
   "created_at","last_seen_at","expires_at","idle_expires_at"}], newest first. */
kt_code svc_session_list(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* End one session (admin). out {"id", "username"}. */
kt_code svc_session_revoke(svc *s, const svc_actor *who, int64_t session_id, json_t **out,
                           kt_error *err);

/* ---- the audit trail (audit.c, docs/security.md) ------------------------------------- */
/* Check the hash chains of events and access_log and the signed checkpoints (supervisor,
   admin). pubs: comma-separated public key files to trust (a copy kept away from the server);
   NULL = audit.pub beside the database. out {"ok", "checked_at", "key_id", "chains":
   {events|access_log|audit_checkpoints: {"records", "head_id", "head_hash",
   "unsigned_tail"?}}, "problems": [{"chain", "id", "kind", "expected", "found", "message"}],
   "problem_count", "first_break"}; a broken trail is KT_OK with "ok": false. */
kt_code svc_audit_verify(svc *s, const svc_actor *who, const char *pubs, json_t **out,
                         kt_error *err);
/* The last verification's result (svc_audit_verify's, with the server's key) when it is under
   10 minutes old, else a new one: a verification reads every record (about 85,000 a second),
   so the dashboard asks this, not svc_audit_verify. Supervisor, admin. */
kt_code svc_audit_status(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* Sign a checkpoint of both chains now (admin, system). out {"checkpoint_id", "at"}. */
kt_code svc_audit_checkpoint(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* Who read whose data (supervisor, admin): filter {"nik"?, "username"?, "from"?, "to"?
   (YYYY-MM-DD, Jakarta; default the 31 days to today), "limit"? (1..5000, 500)}. out
   {"reads": [{"id","at","user_id","username","role","loket","action","nik",
   "application_id","subjects","detail"}], "from", "to"}, newest first. Recorded itself. */
kt_code svc_audit_reads(svc *s, const svc_actor *who, const json_t *filter, json_t **out,
                        kt_error *err);

/* ---- queue (SOP step 1) ---------------------------------------------------------------- */
/* Public (kiosk). in: {"service","priority"?: bool, "priority_reason"?} */
kt_code svc_ticket_take(svc *s, const json_t *in, json_t **out, kt_error *err);

/* ---- the kiosk's devices and the priority claim (kiosk.c) ------------------------------ */
/* A registered kiosk device (admin registers it; the kiosk page keeps its secret). */
typedef struct svc_kiosk {
    int64_t id;
    char name[64];
} svc_kiosk;
/* Admin. in: {"name"} -> {"id","name","token","created_at"}: the token (64 hex characters) is
   shown this once; only its SHA-256 is kept. */
kt_code svc_kiosk_add(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                      kt_error *err);
/* Admin: every kiosk with its tickets today; never a token. */
kt_code svc_kiosk_list(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* Admin: the kiosk's secret stops working at once. */
kt_code svc_kiosk_revoke(svc *s, const svc_actor *who, int64_t kiosk_id, json_t **out,
                         kt_error *err);
/* The kiosk a device secret belongs to; KT_EUNAUTH "kiosk_unknown" when none (or revoked). */
kt_code svc_kiosk_verify(svc *s, const char *token, svc_kiosk *out, kt_error *err);
/* svc_ticket_take printed by a registered kiosk (kiosk NULL: none), recorded on the ticket
   and in its audit event. */
kt_code svc_ticket_take_by(svc *s, const svc_kiosk *kiosk, const json_t *in, json_t **out,
                           kt_error *err);
/* The officer who called a priority ticket confirms the claim or declines it. in:
   {"confirm": bool, "note"?}. Declined: the ticket goes back to the regular queue in its
   place by the time it was taken (priority 0, waiting). Audited either way. */
kt_code svc_ticket_priority(svc *s, const svc_actor *who, int64_t ticket_id, const json_t *in,
                            json_t **out, kt_error *err);
/* in: {"loket"?: n, "services"?: [..]} - the next waiting ticket for this loket's role;
   never the same ticket to two lokets. KT_ENOTFOUND when nobody waits. */
kt_code svc_ticket_call_next(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                             kt_error *err);
kt_code svc_ticket_recall(svc *s, const svc_actor *who, int64_t ticket_id, json_t **out,
                          kt_error *err);
kt_code svc_ticket_no_show(svc *s, const svc_actor *who, int64_t ticket_id, json_t **out,
                           kt_error *err);
/* in: {"service"} or {"loket"} */
kt_code svc_ticket_transfer(svc *s, const svc_actor *who, int64_t ticket_id, const json_t *in,
                            json_t **out, kt_error *err);
kt_code svc_ticket_get(svc *s, int64_t ticket_id, json_t **out, kt_error *err);
/* The display board (public): now serving per loket, last calls, waiting per service. */
kt_code svc_queue_board(svc *s, json_t **out, kt_error *err);

/* ---- residents (SIAK) ------------------------------------------------------------------ */
/* Biodata, NIK analysis with warnings, age on the service day, eligibility, card held. */
/* SIAK lookup without a NIK: in {"name": 3+ letters, "birth_date": "YYYY-MM-DD"} ->
   {"count", "residents": [{nik, name, birth_place, birth_date, sex, address, rt, rw,
   kelurahan_code}]} (at most 20); intake, supervisor, admin; recorded in the access log
   (resident_search, the NIKs shown) before it answers. */
/* A few demo residents a newcomer can try, one per intake case: [{nik, name, birth_date,
   "try"}] (demo.c; admin/system). */
kt_code svc_demo_niks(svc *s, const svc_actor *who, json_t **out, kt_error *err);
kt_code svc_resident_search(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err);
kt_code svc_resident_get(svc *s, const svc_actor *who, const char *nik, json_t **out,
                         kt_error *err);
/* The analysis `ktpel nik` prints; names from the imported region table where known. */
kt_code svc_nik_analyze(svc *s, const char *nik, json_t **out, kt_error *err);

/* ---- applications (SOP steps 2-6) ------------------------------------------------------ */
/* in: {"ticket_id", "nik", "kind"}. Refusals that the SOP names (no NIK, not in SIAK, not
   eligible, valid card held) still open and close the application in its outcome state
   (rejected / referred) so the day's outcomes are counted, and return KT_EREFUSED with the
   application in err-adjacent *out. */
kt_code svc_app_open(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                     kt_error *err);
kt_code svc_app_get(svc *s, const svc_actor *who, int64_t app_id, json_t **out, kt_error *err);
/* filter: {"state"?, "date"? (YYYY-MM-DD, Jakarta), "nik"?, "limit"?} */
kt_code svc_app_list(svc *s, const svc_actor *who, const json_t *filter, json_t **out,
                     kt_error *err);
/* in: {"documents": ["pengantar_rt_rw", ...], "change_fields"?: ["marital_status", ...]}
   records what was presented; complete and eligible -> checked; else KT_EREFUSED listing
   what is missing (state unchanged). */
kt_code svc_app_check(svc *s, const svc_actor *who, int64_t app_id, const json_t *in,
                      json_t **out, kt_error *err);
/* Any outcome action of docs/domain.md with its reason: return_incomplete, refer, reject,
   send, print_ready, central_duplicate, clear_duplicate, confirm_duplicate, print.
   in: {"reason"?, "note"?}. The role allowed depends on the action. */
kt_code svc_app_act(svc *s, const svc_actor *who, int64_t app_id, const char *action,
                    const json_t *in, json_t **out, kt_error *err);
/* in: {"changes": {"marital_status": 2, "pekerjaan": 15, "address": "..."}} -> data_changed,
   keeping before and after. */
kt_code svc_app_change_data(svc *s, const svc_actor *who, int64_t app_id, const json_t *in,
                            json_t **out, kt_error *err);
/* Store one biometric file. slot: face, signature, finger_1..finger_10 (ISO finger
   positions), iris_left, iris_right. The server decides what the bytes are (the declared
   content_type is ignored): the real format from the magic bytes, the size from the header
   before decoding, bounded per slot, then a full decode; the face photo's backdrop must be
   the birth year's colour (red odd, blue even) unless flags has SVC_BIO_BG_CONFIRMED (the
   operator's word, recorded in the audit event). Stored sealed (src/seal) with the type the
   server derived. Errors: 400 image_invalid / image_too_small, 413 image_too_large, 422
   photo_background, and the AFIS's for fingers. */
#define SVC_BIO_BG_CONFIRMED 1u
kt_code svc_app_bio_put_ex(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                           const void *data, size_t len, unsigned flags, json_t **out,
                           kt_error *err);
/* The same with flags 0; content_type is not used (kept for callers of the old signature). */
kt_code svc_app_bio_put(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                        const void *data, size_t len, const char *content_type,
                        json_t **out, kt_error *err);
/* Mark a slot that cannot be captured (missing or injured finger, ...). in: {"reason"} */
kt_code svc_app_bio_exception(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                              const json_t *in, json_t **out, kt_error *err);
/* Read back a stored biometric file, opened (unsealed); content_type is the one the server
   derived at upload. *data owned by caller: free(). */
kt_code svc_app_bio_get(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                        void **data, size_t *len, char content_type[64], kt_error *err);
/* The scan of a document presented at the check (SOP step 2), by the intake officer, while the
   application is checked or data_changed: PNG, JPEG or TIFF, 300..7100 pixels a side, at
   most 36 Mpx and 8 MiB, decoded by the server and sealed at rest (scans.c). out {doc,
   content_type, size, width, height, sha256}. Errors: 400 doc_invalid / image_invalid, 409
   scan_state / doc_not_presented, 413 image_too_large / body_too_large. */
kt_code svc_app_scan_put(svc *s, const svc_actor *who, int64_t app_id, const char *doc,
                         const void *data, size_t len, json_t **out, kt_error *err);
/* A scan read back (intake, operator, supervisor, admin). *data owned by caller: free(). */
kt_code svc_app_scan_get(svc *s, const svc_actor *who, int64_t app_id, const char *doc,
                         void **data, size_t *len, char content_type[64], kt_error *err);
/* Complete the recording: every slot stored or excepted -> recorded. */
kt_code svc_app_record(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                       kt_error *err);
/* Step 4: the pickup receipt (receipt number, expected pickup date). */
kt_code svc_app_receipt(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                        kt_error *err);
/* Step 6: find by receipt number, then hand over. in: {"receipt_no", "confirmed_by":
   "ktp_receipt" | "fingerprint" | "document", "note"?, "ticket_id"?}. ticket_id (0 = none) is
   the pickup (E) ticket the handover officer called for this citizen: it is served and linked
   to the application, and the handover step runs from its call. A used receipt answers with
   "handover": {at, confirmed_by, username, full_name}. */
kt_code svc_receipt_find(svc *s, const svc_actor *who, const char *receipt_no,
                         int64_t ticket_id, json_t **out, kt_error *err);
kt_code svc_app_hand_over(svc *s, const svc_actor *who, int64_t app_id, const json_t *in,
                          json_t **out, kt_error *err);
/* The audit trail of one application. */
kt_code svc_app_events(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                       kt_error *err);

/* ---- the service day ------------------------------------------------------------------- */
/* date: "YYYY-MM-DD" (Asia/Jakarta) or NULL for today. Counts by kind and outcome, each step's
   durations (count, mean, p50, p90, max) against the SOP standard with the share within it,
   waiting times, per officer. */
kt_code svc_day_summary(svc *s, const svc_actor *who, const char *date, json_t **out,
                        kt_error *err);

/* ---- data ------------------------------------------------------------------------------ */
/* One transaction; a bad line fails the whole import (err->field "line N, column C") unless
   skip_invalid, which skips and reports it in out {"imported","skipped","errors":[...]} */
kt_code svc_import_siak(svc *s, const svc_actor *who, const char *path, int skip_invalid,
                        json_t **out, kt_error *err);
kt_code svc_import_wilayah(svc *s, const svc_actor *who, const char *path, json_t **out,
                           kt_error *err);
/* A synthetic population of Kecamatan Neglasari, deterministic for a seed. */
kt_code svc_demo_data(svc *s, const svc_actor *who, int people, uint64_t seed, json_t **out,
                      kt_error *err);
/* One demo account per role (password printed in out), for `make run`. */
kt_code svc_demo_users(svc *s, const svc_actor *who, json_t **out, kt_error *err);

/* ---- AFIS: one person, one card (afis.c, docs/internals/afis-service.md) ------------- */
/* Finger uploads (svc_app_bio_put, finger_1..finger_10) are checked and answer with
   "quality", "minutiae" and "advice" ("ulangi" = retake); svc_app_record searches the gallery
   and answers with "afis": {...}; a match with another NIK puts the application in
   `duplicate` (action afis_hit). The supervisor decides with svc_app_act clear_duplicate /
   confirm_duplicate. */
/* Applications waiting in `duplicate`, oldest first, each with its matched records. */
kt_code svc_duplicates_list(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* Side by side: both residents' biodata, face and finger image URLs, scores, decision. */
kt_code svc_app_duplicate(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                          kt_error *err);
/* Handover 1:1 check: the presented finger image against the template stored at recording
   (slot NULL or "": every stored finger, best kept). out {"match", "score", "threshold",
   "slot"}; audited. A match lets svc_app_hand_over accept confirmed_by "fingerprint". */
kt_code svc_app_verify_finger(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                              const void *data, size_t len, json_t **out, kt_error *err);
/* Gallery figures: {"fingers", "bytes", "load_ms", "fmr", "threshold"}. */
kt_code svc_afis_stats(svc *s, const svc_actor *who, json_t **out, kt_error *err);

/* ---- records: printed documents, archive, pickup register, reports, konsolidasi, backup -- */
/* (docs/internals/records.md) PDF bytes: *pdf owned by caller (free()). */
/* The queue ticket (public: the kiosk prints it). */
kt_code svc_doc_ticket(svc *s, int64_t ticket_id, unsigned char **pdf, size_t *len,
                       kt_error *err);
/* Tanda terima pengambilan with the QR of its signed token (after issue_receipt). */
kt_code svc_doc_receipt(svc *s, const svc_actor *who, int64_t app_id, unsigned char **pdf,
                        size_t *len, kt_error *err);
/* Missing-documents slip of an application returned as incomplete. */
kt_code svc_doc_missing(svc *s, const svc_actor *who, int64_t app_id, unsigned char **pdf,
                        size_t *len, kt_error *err);
/* Referral letter to Disdukcapil of a referred application. */
kt_code svc_doc_referral(svc *s, const svc_actor *who, int64_t app_id, unsigned char **pdf,
                         size_t *len, kt_error *err);
/* The receipt's QR text scanned at the handover loket: verified offline (signature, expiry),
   then found as svc_receipt_find does; the result has "token_verified": true. */
kt_code svc_receipt_verify(svc *s, const svc_actor *who, const char *token, json_t **out,
                           kt_error *err);
/* Archive (Rak Arsip). in NULL or {} reads the layout; {"racks"?, "boxes_per_rack"?,
   "files_per_box"?} changes it (admin). */
kt_code svc_archive_config(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                           kt_error *err);
/* q: exactly one of {"nik"}, {"receipt_no"}, {"date": YYYY-MM-DD (day filed, Jakarta)}. */
kt_code svc_archive_find(svc *s, const svc_actor *who, const json_t *q, json_t **out,
                         kt_error *err);
kt_code svc_archive_boxes(svc *s, const svc_actor *who, json_t **out, kt_error *err);
kt_code svc_archive_label(svc *s, const svc_actor *who, int64_t box_id, unsigned char **pdf,
                          size_t *len, kt_error *err);
/* Pickup register of [from, to] (YYYY-MM-DD, inclusive; NULL = today). *csv owned by caller
   (free()). */
kt_code svc_register_list(svc *s, const svc_actor *who, const char *from, const char *to,
                          json_t **out, kt_error *err);
kt_code svc_register_csv(svc *s, const svc_actor *who, const char *from, const char *to,
                         char **csv, size_t *len, kt_error *err);
/* Service report. period "daily" (when = YYYY-MM-DD or NULL for today) or "monthly"
   (when = YYYY-MM or NULL). JSON, PDF (*pdf: free()) or CSV (*csv: free()). */
kt_code svc_report(svc *s, const svc_actor *who, const char *period, const char *when,
                   json_t **out, kt_error *err);
kt_code svc_report_pdf(svc *s, const svc_actor *who, const char *period, const char *when,
                       unsigned char **pdf, size_t *len, kt_error *err);
kt_code svc_report_csv(svc *s, const svc_actor *who, const char *period, const char *when,
                       char **csv, size_t *len, kt_error *err);
/* KONSOLIDASI: the data consistency checks (supervisor). */
kt_code svc_konsolidasi(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* A consistent online backup of the database and data files into a new folder of dir, then
   rotation keeping `keep` (admin). dir NULL: the folder of the running scheduled job. */
kt_code svc_backup_now(svc *s, const svc_actor *who, const char *dir, int keep, json_t **out,
                       kt_error *err);
/* Scheduled backups every every_min minutes on a thread. *out owned by caller:
   svc_backup_job_stop() (waits for a backup under way) before svc_close(). */
typedef struct svc_backup_job svc_backup_job;
kt_code svc_backup_job_start(svc *s, const char *dir, int every_min, int keep,
                             svc_backup_job **out, kt_error *err);
kt_code svc_backup_job_status(svc_backup_job *job, json_t **out, kt_error *err);
void svc_backup_job_stop(svc_backup_job *job);


/* ---- words: codes as people read them (core/words.h) ----------------------------------- */
/* Every words table as {"table": {"id": "word"}}; public (codes and words only). */
kt_code svc_labels(json_t **out, kt_error *err);
/* ---- the data key (atrest.c, docs/operations.md "Kunci data") ------------------------- */
/* {"key_path", "key_id", "ring": [ids], "active_in_database": [ids], "rotation_unfinished"}
   (admin). */
kt_code svc_key_status(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* A new data key: every biometric file and template re-sealed under it, the old key kept as
   <key>.retired-<time> (for older backups) and retired in the database. Refused (409
   key_in_use) while another process holds the key (a running server). Crash-safe: a kill at
   any point leaves everything readable and the next rotation resumes. Admin. out {"key_id",
   "retired_key_id", "retired_key_file", "files", "templates"}. */
kt_code svc_key_rotate(svc *s, const svc_actor *who, json_t **out, kt_error *err);

/* ---- lokets: roles and the recording desk's calls (lokets.c, docs/internals/web.md) ---- */
/* The layout {"lokets": [{"loket", "role": intake|operator|handover, "role_name"}],
   "configured": bool}. Default 1 intake, 2 operator (Perekaman), 3 handover, further lokets
   intake; a layout that was set (svc_lokets_set) is enforced by svc_ticket_call_next. Public. */
kt_code svc_lokets_get(svc *s, json_t **out, kt_error *err);
/* Parse "1:intake,2:operator,3:handover" into [{"loket","role"}] (owned by caller); err names
   the item ("lokets[2]"). */
kt_code svc_lokets_parse(const char *spec, json_t **out, kt_error *err);
/* Set the layout (admin): in {"lokets": [{"loket","role"}]} or {"spec": "1:intake,..."}; each
   loket 1..n at most once; lokets not named keep the default role; a layout left without an
   intake or a handover counter is refused (lokets_invalid). Answers svc_lokets_get's. */
kt_code svc_lokets_set(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                       kt_error *err);
/* May who call the ticket queue at loket? KT_OK when no layout was set; the recording desk
   calls no tickets (409 loket_role), another role's counter is 403 loket_role. */
kt_code svc_lokets_check_call(svc *s, const svc_actor *who, int loket, kt_error *err);
/* The operator calls a checked applicant (state checked / data_changed) to the recording desk
   by the intake ticket's number: in {"application_id", "loket"?}. out {"call_id", "number",
   "loket", "application_id", "ticket_id", "called_at"}; live event ticket_called with
   ticket.call_id. */
kt_code svc_recording_call(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                           kt_error *err);
kt_code svc_recording_recall(svc *s, const svc_actor *who, int64_t call_id, json_t **out,
                             kt_error *err);
/* One recording-desk call (public: the display's announcement) {"call_id","number","loket",
   "ticket_id","application_id"}; 404 call_not_found. */
kt_code svc_loket_call_get(svc *s, int64_t call_id, json_t **out, kt_error *err);
/* Completes a board of svc_queue_board: role and role_name per loket, the recording desk's
   current call, its calls among last_calls (borrowed board, changed in place). */
kt_code svc_lokets_board(svc *s, json_t *board, kt_error *err);

/* ---- QR scan at handover (scan.c): libzbar on a camera frame ---------------------------- */
/* Decode the QR codes in an image (PNG, JPEG, PGM/PPM, BMP, TIFF: a camera frame or a scan of
   the receipt), verify the receipt token each holds (signature, expiry) and find its
   application. out {"token", "receipt_no", "application": {...}, "symbols"}. Errors: 400
   scan_image_invalid (not an image), 422 qr_not_found (no QR in the picture), the token's
   errors (token_bad_signature, token_malformed, token_expired), 404 for an unknown receipt;
   503 scan_unavailable when libzbar is missing. Handover, supervisor. */
kt_code svc_scan_receipt(svc *s, const svc_actor *who, const void *image, size_t len,
                         json_t **out, kt_error *err);

/* ---- the citizen's side (docs/internals/citizen.md) ------------------------------------- */
/* The public pages' use cases need no actor: they are for citizens. Each answers without a NIK,
   a name or a phone number. Tokens are the link tokens printed as QR codes. */

/* Appointments (janji temu, appointments.c). The weekly slots and holidays (any caller):
   {"slots": [{"weekday","start","end","capacity": {service: n}}], "holidays": [{"day","name"}],
   "services", "horizon_days", "checkin_early_min"}. */
kt_code svc_appt_config_get(svc *s, json_t **out, kt_error *err);
/* Admin: replace the slots and/or the holidays (in as above). */
kt_code svc_appt_config_set(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err);
/* Public: the bookable days of a service with each slot's free places (30 days ahead). */
kt_code svc_appt_days(svc *s, const char *service, json_t **out, kt_error *err);
/* Public: in {"service","day","start","nik","phone"?,"consent"?} -> the booking with its
   "code" (the citizen's key), "manage_url"; the NIK screened as intake screens it (a read in
   the access log, appointment_book, refused or not). */
kt_code svc_appt_book(svc *s, const json_t *in, json_t **out, kt_error *err);
/* Public, by the booking code (as typed or scanned); a read in the access log
   (appointment_read). */
kt_code svc_appt_get(svc *s, const char *code, json_t **out, kt_error *err);
kt_code svc_appt_cancel(svc *s, const char *code, json_t **out, kt_error *err);
/* in {"day","start"} */
kt_code svc_appt_reschedule(svc *s, const char *code, const json_t *in, json_t **out,
                            kt_error *err);
/* The kiosk: in {"code"} -> a ticket (as svc_ticket_take_by's, "booked": true, recording the
   registered kiosk when not NULL) called under the booked/walk-in rule; open from 30 minutes
   before the slot to its end, on its day. */
kt_code svc_appt_checkin(svc *s, const svc_kiosk *kiosk, const json_t *in, json_t **out,
                         kt_error *err);
/* Staff: the bookings of a day (YYYY-MM-DD, NULL = today), counts by state (no-shows); NIKs
   masked; a read of everyone on it in the access log (list_appointments). */
kt_code svc_appt_list(svc *s, const svc_actor *who, const char *date, json_t **out,
                      kt_error *err);

/* The phone queue page (citizen.c). Public: the ticket of a track token: number, state,
   "ahead", "wait_min" and what the estimate rests on, the loket once called. */
kt_code svc_ticket_track(svc *s, const char *token, json_t **out, kt_error *err);
/* Public: in {"phone","consent": true} -> "nomor Anda tinggal N lagi" by SMS for this ticket. */
kt_code svc_ticket_phone(svc *s, const char *token, const json_t *in, json_t **out,
                         kt_error *err);
/* Public: the card's status, in {"receipt_no","birth_date","phone"?,"consent"?}: where the card
   is and what to do; nothing without both values matching (404 status_not_found); 5 failures
   a receipt number an hour (429 too_many_attempts, retry_s). Each answer is a read in the
   access log (card_status). */
kt_code svc_card_status(svc *s, const json_t *in, json_t **out, kt_error *err);

/* The IKM survey (ikm.c). Public: is this survey token open? */
kt_code svc_survey_get(svc *s, const char *token, json_t **out, kt_error *err);
/* Public: in {"token","answers": {element: 1..4} x 9,"age","sex","education","occupation",
   "suggestion"?}; one survey per served application (409 survey_used). */
kt_code svc_survey_submit(svc *s, const json_t *in, json_t **out, kt_error *err);
/* Handover officer: offer the application's survey on the tablet of their loket. */
kt_code svc_survey_offer(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                         kt_error *err);
/* The loket's tablet (office network): take the offered survey, once -> {"token",...}. */
kt_code svc_survey_tablet(svc *s, int loket, json_t **out, kt_error *err);
/* Supervisor: the report of a period ("2026-03", "2026-Q1", "2026-S1", "2026"). *pdf / *csv
   owned by caller (free()). */
kt_code svc_ikm_report(svc *s, const svc_actor *who, const char *period, json_t **out,
                       kt_error *err);
kt_code svc_ikm_report_pdf(svc *s, const svc_actor *who, const char *period, unsigned char **pdf,
                           size_t *len, kt_error *err);
kt_code svc_ikm_report_csv(svc *s, const svc_actor *who, const char *period, char **csv,
                           size_t *len, kt_error *err);
/* Public: the latest month's result and the year so far (no profile, no suggestions). */
kt_code svc_ikm_public(svc *s, json_t **out, kt_error *err);

/* SMS (sms.c) through Gammu's SMS daemon (files backend, spool folder with outbox/, sent/,
   error/). One pass of the sender: housekeeping, outcomes of handed messages, new hand-overs;
   out (may be NULL) counts them. */
kt_code svc_sms_tick(svc *s, const char *spool, json_t **out, kt_error *err);
/* The sender on a thread, a pass every every_ms. *out owned by caller: svc_sms_job_stop()
   before svc_close(). */
typedef struct svc_sms_job svc_sms_job;
kt_code svc_sms_job_start(svc *s, const char *spool, int every_ms, svc_sms_job **out,
                          kt_error *err);
void svc_sms_job_stop(svc_sms_job *job);
/* Admin: the outbox's counts by state and the last 50 messages (numbers masked). */
kt_code svc_sms_outbox(svc *s, const svc_actor *who, json_t **out, kt_error *err);
/* Admin: queue a test message (text NULL: a standard one) to check the gateway. */
kt_code svc_sms_test(svc *s, const svc_actor *who, const char *phone, const char *text,
                     json_t **out, kt_error *err);

#endif
