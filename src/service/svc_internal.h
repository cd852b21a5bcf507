/*
 * svc_internal.h - what the use-case layers share: the kecamatan's (src/service) and the city
 * registry's (src/pusat). Never included by http, cli or the libraries below.
 *
 * The svc object: configuration, a pool of store connections (one lent to one thread at a
 * time: SQLite connections are single-threaded), the listeners, and the region table used to
 * name NIK prefixes (loaded lazily from the wilayah table).
 *
 * A use case looks like:
 *     store *db = NULL; json_t *pending = NULL;
 *     ... check the role, validate the input ...
 *     if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK) goto out;
 *     ... re-read, write, svc_event_add(s, db, pending, ...), build *out ...
 *     rc = svc_commit_emit(s, db, pending, out, err);
 *   out:
 *     svc_conn_put(s, db); json_decref(pending);   (svc_conn_put rolls back what is open)
 */
#ifndef KTPEL_SERVICE_INTERNAL_H
#define KTPEL_SERVICE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/jakarta.h"
#include "core/wilayah.h"
#include "core/workflow.h"
#include "doc/token.h"
#include "service/service.h"
#include "store/store.h"

#define SVC_MAX_LISTENERS 32
#define SVC_POOL_OPEN_MAX 64    /* store connections open at once by default (svc.c) */
#define SVC_POOL_IDLE_MS 30000  /* an idle store connection is closed after this long ... */
#define SVC_POOL_KEEP 2         /* ... down to this many kept for the next request */
#define SVC_SESSION_TTL_MS (8 * 3600 * INT64_C(1000))
#define SVC_SESSION_IDLE_MS (30 * 60 * INT64_C(1000)) /* a session unused this long ends */
#define SVC_PICKUP_DAYS 14 /* expected pickup: service day + 14 days (printing at Disdukcapil) */

typedef struct svc_listener_slot {
    svc_listener fn;
    void *ctx;
} svc_listener_slot;

/*
 * Group commit (svc.c): a unit of write work that runs inside a write transaction shared with
 * other requests' units, in a SAVEPOINT of its own (its failure undoes only its writes). It
 * runs on whichever thread leads the group, on the leader's connection: it must not commit,
 * begin, emit, or keep anything thread-local; it leaves its results in ctx.
 */
typedef kt_code (*svc_group_fn)(svc *s, store *db, void *ctx, kt_error *err);
typedef struct svc_group_job svc_group_job; /* on the requesting thread's stack */
typedef struct svc_login_guard svc_login_guard; /* users.c: hash slots, client throttling */

struct seal_ring;

struct svc {
    char *db_path;  /* owned */
    char *data_dir; /* owned */
    char *key_path; /* owned: the data key file (atrest.c) */
    struct seal_ring *ring; /* owned: the data key(s) that seal biometrics at rest */
    int key_fd;     /* the key file, held with a shared flock (a rotation takes it exclusive) */
    int lokets;
    int priority_every;
    int booked_every;    /* booked/walk-in call rule (core/appointment.h) */
    int64_t (*now_ms)(void);
    struct svc_cit *cit; /* owned: the citizen's side (citizen.c): public URL, link key,
                            status-page attempt counters */

    pthread_mutex_t mu;  /* guards pool, listeners and regions */
    pthread_mutex_t wmu; /* one write transaction at a time in this process (see svc.c) */
    store **pool;        /* owned: idle connections, the most recently returned last */
    int64_t *pool_at;    /* when each was returned (CLOCK_MONOTONIC ms), parallel to pool */
    size_t npool, cappool;
    size_t nopen;        /* connections open: idle + lent (<= pool_max unless nested) */
    size_t pool_max;     /* svc_config.pool_max or SVC_POOL_OPEN_MAX */
    pthread_cond_t pool_cv; /* a connection came back (or a slot freed) */
    pthread_cond_t trim_cv; /* wakes the pool's trimmer (every few seconds, and at close) */
    pthread_t trimmer;
    int trimmer_on, closing;
    svc_listener_slot listeners[SVC_MAX_LISTENERS];
    int nlisteners;
    wil_table *regions;  /* owned; NULL until first needed or after a wilayah import */
    int regions_loaded;
    pthread_cond_t emit_cv; /* signalled when emitting drops to 0 (svc_unsubscribe waits) */
    int emitting;           /* svc_emit calls under way (guarded by mu) */

    pthread_mutex_t gmu;        /* group commit: guards the fields below */
    svc_group_job *ghead;       /* jobs waiting for the next batch (FIFO) */
    svc_group_job **gtail;
    int gleader;                /* 1 while a thread runs a batch */

    atomic_int link_cancel;     /* set when the server stops: calls to Disdukcapil under way
                                   give up at once (link_node.c, svc_link_cancel) */

    svc_login_guard *login;     /* owned (users.c) */

    pthread_mutex_t amu;        /* one full verification of the audit trail at a time */
    json_t *audit_last;         /* owned: the last verification's result, or NULL */
    int64_t audit_last_at;      /* when it ran (svc_now) */
};

/* svc_user_add, with the password rules checked (rules 1) or not (0: the demo accounts only,
   whose published passwords must be changed at first use). */
kt_code svc_user_add_as(svc *s, const svc_actor *who, const json_t *in, int rules, json_t **out,
                        kt_error *err);
/* The argon2id string an unknown username's password is checked against (users.c; its
   parameters must stay those of a real hash: tests check). */
const char *svc_password_dummy_hash(void);
/* users.c: the login guard's life (svc_open, svc_close). */
kt_code svc_login_open(svc *s, kt_error *err);
void svc_login_close(svc *s);

/*
 * Keys that fail too often (throttle.c): max failures of a key (an address, a receipt number)
 * within window_ms block it for block_ms. A fixed in-memory table of slots keys, the least
 * recently seen replaced when full. Thread-safe. Owned by the caller: svc_throttle_free().
 */
typedef struct svc_throttle svc_throttle;
svc_throttle *svc_throttle_new(size_t slots, int max, int64_t window_ms, int64_t block_ms);
void svc_throttle_free(svc_throttle *t);
/* When key is blocked: the time (UTC ms) the block ends; else 0. */
int64_t svc_throttle_blocked(svc_throttle *t, const char *key, int64_t now);
/* Count a failure of key: the block's end when this failure starts one, else 0. */
int64_t svc_throttle_failed(svc_throttle *t, const char *key, int64_t now);
/* The wait until `until` in words, "5 menit (sampai pukul 09.35 WIB)", into buf; returns it in
   whole seconds (at least 1) for Retry-After. */
unsigned svc_wait_text(int64_t now, int64_t until, char *buf, size_t cap);

int64_t svc_now(const svc *s);

/* ---- biometrics at rest (atrest.c) ---- */
/* Load (or, with nothing sealed yet, create) the data key, check it against seal_keys, lock it
   shared, and seal what an older database left plain. */
kt_code svc_atrest_open(svc *s, const svc_config *cfg, kt_error *err);
void svc_atrest_close(svc *s);
/* The stored path of a biometric file, relative to the data folder: apps/<id>/<slot>. */
void svc_bio_rel_path(char rel[64], int64_t app_id, const char *slot);
/* Seal and write one biometric file durably (0600 in 0700 folders, temp + rename + fsync). */
kt_code svc_bio_write(svc *s, int64_t app_id, const char *slot, const void *data, size_t len,
                      kt_error *err);
/* Read and open one biometric file (rel as stored). *data owned by caller:
   seal_free_secret(*data, *len) or free(). KT_ENOTFOUND file_missing; KT_EREFUSED
   seal_tampered when the file was altered or moved. */
kt_code svc_bio_read(svc *s, int64_t app_id, const char *slot, const char *rel, void **data,
                     size_t *len, kt_error *err);
/* A template (ISO record bytes) sealed as stored hex, and back. Owned by caller: free(). */
kt_code svc_tpl_seal(svc *s, int64_t app_id, const char *slot, const uint8_t *iso, size_t n,
                     char **hex, kt_error *err);
kt_code svc_tpl_open(svc *s, int64_t app_id, const char *slot, const char *hex, uint8_t **iso,
                     size_t *n, kt_error *err);
jkt_date svc_today(const svc *s);

/* Borrow a connection (opening one when the pool is empty); give it back with svc_conn_put
   (rolls back any open transaction first). svc_conn_put(s, NULL) does nothing. */
kt_code svc_conn_get(svc *s, store **out, kt_error *err);
void svc_conn_put(svc *s, store *db);
/* Connections open now and idle in the pool (tests, logs). */
void svc_pool_stats(svc *s, size_t *open, size_t *idle);
/* Close the connections idle for idle_ms or more, keeping SVC_POOL_KEEP (the trimmer thread
   calls it with SVC_POOL_IDLE_MS). */
void svc_pool_trim(svc *s, int64_t idle_ms);

/* Write transactions: BEGIN IMMEDIATE behind the process's write mutex (waits at most the
   busy timeout, then KT_EUNAVAIL "busy"); svc_commit commits and releases it; svc_conn_put
   rolls back and releases it when a use case leaves early. */
kt_code svc_begin_write(svc *s, store *db, kt_error *err);
kt_code svc_commit(svc *s, store *db, kt_error *err);
/* The start of a write use case: *pending a new array for its live events, *db a connection in
   a write transaction (svc_begin_write). On failure what was made stays in *pending / *db for
   the caller's cleanup (json_decref, svc_conn_put). */
kt_code svc_write_open(svc *s, store **db, json_t **pending, kt_error *err);
/* The end of a use case that built its result inside the transaction: svc_commit, then give
   pending (may be NULL) to the listeners. When the commit fails, *out is freed and set to NULL
   (the caller answers with the error alone). */
kt_code svc_commit_emit(svc *s, store *db, json_t *pending, json_t **out, kt_error *err);

/* Run fn as part of the next group commit and return once the transaction holding its writes
   is committed (durable) or has failed: its result, or the commit's error. Concurrent callers'
   units share one transaction and one fsync. The caller must not hold the write lock. */
kt_code svc_group_write(svc *s, svc_group_fn fn, void *ctx, kt_error *err);
/* The same for a unit whose commit need not wait for the disk (store.h STORE_WRITE_LAZY: it
   survives a crash of the process, a power cut may lose it): a batch of such units only is
   committed so; a batch with any svc_group_write unit is durable as a whole. */
kt_code svc_group_write_lazy(svc *s, svc_group_fn fn, void *ctx, kt_error *err);

/* The actor's role as an enum; KT_EFORBIDDEN for an unknown role string. */
kt_code svc_actor_role(const svc_actor *who, wf_role *role, kt_error *err);
/* who may do action (application workflow)? */
kt_code svc_require(const svc_actor *who, wf_action action, kt_error *err);
/* Admin or system only (accounts, imports). */
kt_code svc_require_admin(const svc_actor *who, kt_error *err);

/*
 * Write one audit event (inside the caller's transaction) and append its live-update JSON to
 * `pending` (emitted by svc_emit after commit). app_id / ticket_id 0 = none. type is the live
 * event type ("ticket_called", "application_changed", ...). `extra` (may be NULL, borrowed)
 * is merged into the live event.
 */
kt_code svc_event_add(svc *s, store *db, json_t *pending, const char *type,
                      const svc_actor *who, int64_t app_id, int64_t ticket_id,
                      const char *from, const char *to, const char *action,
                      const char *reason, const char *note, json_t *extra, kt_error *err);
/* 1 while this thread holds the write lock (inside svc_begin_write .. commit/put). */
int svc_holds_write(void);

/*
 * The audit trail's hash chains (audit.c, docs/internals/service.md "Audit trail"): events
 * (changes), access_log (reads of residents' data), audit_checkpoints (signed heads).
 */
typedef enum svc_chain {
    SVC_CHAIN_EVENTS,
    SVC_CHAIN_ACCESS,
    SVC_CHAIN_CHECKPOINTS,
    SVC_CHAIN_COUNT
} svc_chain;
/* The chain's last record: its id (0 when empty) and chain_hash (64 zeros when empty). */
kt_code svc_audit_tail(store *db, svc_chain c, int64_t *id, char hash[65], kt_error *err);
/* chain_hash of a record whose chain_prev is prev: vals are its columns in the chain's order
   (audit.c's tables), NULL for SQL NULL. */
void svc_audit_hash(svc_chain c, const char *prev, const char *const *vals, char out[65]);
/* Before appending the record (id, hash) to chain c (same transaction): a signed checkpoint,
   covering that record as the chain's head, when one is due. Called before the INSERT so
   that store_last_id() still names the record afterwards. */
kt_code svc_audit_before_append(svc *s, store *db, svc_chain c, int64_t id,
                                const char *hash, kt_error *err);
/* At open: chain and sign the events written before migration 006 (once). */
kt_code svc_audit_open(svc *s, kt_error *err);
/* Record a read of a resident's data (inside the caller's write transaction). nik: the one
   person read, or NULL/"" with subjects (space-separated NIKs) for a view of several; app_id 0
   = none; detail: what was asked (a filter, a slot). */
kt_code svc_access_add(svc *s, store *db, const svc_actor *who, const char *action,
                       const char *nik, int64_t app_id, const char *subjects,
                       const char *detail, kt_error *err);
/* The same as a write of its own (group commit), for a read use case after it read: the data
   is released only once its record is committed. The commit is lazy (svc_group_write_lazy):
   a record survives a crash of ktpel; a power cut may lose the last moments' reads (never a
   part of the chain); a durable commit after it (any change) makes it durable. */
kt_code svc_access_record(svc *s, const svc_actor *who, const char *action, const char *nik,
                          int64_t app_id, const char *subjects, const char *detail,
                          kt_error *err);
/* The distinct NIKs of arr's objects' `key`, space-separated; NULL when out of memory. Owned
   by the caller: free(). */
char *svc_access_subjects(const json_t *arr, const char *key);
/* A view of several people (people: their objects, with "nik"): recorded as action with their
   NIKs as the subjects (svc_access_record), then their NIKs masked for all but the supervisor
   (svc_full_nik). Nothing is masked when the record fails: the caller releases nothing. */
kt_code svc_access_record_shown(svc *s, const svc_actor *who, const char *action,
                                const char *detail, json_t *people, kt_error *err);

/*
 * NIK masking (docs/security.md): a whole NIK is shown in the record of the one person being
 * served (a lookup, an application, a receipt, a duplicate's comparison, the office's own
 * documents) to any staff role; in a list of several people only to the supervisor and the
 * CLI (svc_full_nik); everyone else sees 367110******0001 (nik_mask).
 */
int svc_full_nik(const svc_actor *who);
/* Replace the string o[key] by its masked form (nothing when absent). */
void svc_nik_mask_in(json_t *o, const char *key);
/* The same for every object of arr. */
void svc_nik_mask_list(json_t *arr, const char *key);

/* Give each pending event to every listener (after commit). */
void svc_emit(svc *s, json_t *pending);

/* The region table for naming NIK prefixes: the imported wilayah table when there is one,
   else NULL (nik_analyze then uses the built-in table). Borrowed; valid while s is open. */
const wil_table *svc_regions(svc *s, store *db);
void svc_regions_invalidate(svc *s);

/*
 * One row by its id: prepare sql (its one parameter is bound to id) and step. KT_OK: *st stands
 * on the row (read it, then store_reset). No row: the statement is reset and the result is
 * KT_ENOTFOUND with the error id nf_id, field and the message fmt
 * ("Permohonan %lld tidak ditemukan").
 */
kt_code svc_row_by_id(store *db, const char *sql, int64_t id, store_stmt **st, kt_error *err,
                      const char *nf_id, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* The same by a text key (a NIK, a receipt number). */
kt_code svc_row_by_key(store *db, const char *sql, const char *key, store_stmt **st,
                       kt_error *err, const char *nf_id, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* JSON helpers. svc_jstr: the string field or NULL. */
const char *svc_jstr(const json_t *o, const char *key);
/* Allocation failure of jansson as a kt_error. */
kt_code svc_nomem(kt_error *err);

/* SHA-256 of len bytes as 64 hex characters (+ NUL). */
void svc_sha256_hex(const void *data, size_t len, char hex[65]);
/* A bearer secret (a session's cookie, a kiosk's device secret): 32 random bytes as 64 hex
   characters in token, and what the database keeps of it in hash (svc_sha256_hex of the
   token, so a copy of the database cannot be used as the secret). */
void svc_secret_new(char token[65], char hash[65]);

/*
 * The office's key pairs (Ed25519, doc/token.h files): "<name>.key" (0600) and "<name>.pub"
 * beside the SQLite file, or in the data folder for a database server. name: "receipt" (the
 * pickup receipts' tokens), "audit" (the audit trail's checkpoints). what names the key in
 * messages ("tanda terima kantor"). svc_key_secret creates the pair when create and it is
 * missing; a missing key is KT_EREFUSED "<name>_key_missing". Wipe k with tok_keys_wipe.
 */
kt_code svc_key_paths(const svc *s, const char *name, char sec[1024], char pub[1024],
                      kt_error *err);
kt_code svc_key_secret(const svc *s, const char *name, const char *what, int create,
                       tok_keys *k, kt_error *err);
kt_code svc_key_public(const svc *s, const char *name, const char *what,
                       unsigned char pk[TOK_PUBLIC_LEN], kt_error *err);

/* The number of lokets now: the layout's highest loket, or the configured number when that is
   higher (lokets.c). Read at each use, so a loket added to the layout exists at once. */
int svc_lokets_count(svc *s);

/* Read one resident as JSON (the API's fields); KT_ENOTFOUND "not_found_in_siak". */
kt_code svc_resident_load(store *db, const char *nik, json_t **out, kt_error *err);
/* Fill an elig_person from a resident JSON (as svc_resident_load makes it). */
struct elig_person;
kt_code svc_resident_person(const json_t *r, struct elig_person *p, kt_error *err);
/* Ticket as JSON by id; KT_ENOTFOUND "ticket_not_found". */
kt_code svc_ticket_load(store *db, int64_t id, json_t **out, kt_error *err);
/* Take a ticket inside the caller's write transaction (the kiosk's take, an appointment's
   check-in): the next number of the service today, the audit event ticket_taken (into pending),
   *out the ticket with "waiting_before" (owned by caller). kiosk: the registered kiosk that
   prints it, or NULL; appointment_id 0: a walk-in. */
kt_code svc_ticket_insert(svc *s, store *db, json_t *pending, const char *service,
                          int priority, const char *reason, const svc_kiosk *kiosk,
                          int64_t appointment_id, json_t **out, kt_error *err);
/* The services of a mask (1 << queue_service) as an SQL IN list of their fixed ids:
   "'rekam_baru','perubahan_data'" (never user text). */
void svc_queue_inlist(unsigned mask, char *out, size_t cap);
/* Today's counters of the call rules for the services of inlist, recounted from today's calls:
   regular calls since the last priority call (priority_every when none yet) and booked calls
   since the last walk-in. */
kt_code svc_queue_counters(svc *s, store *db, const char *day, const char *inlist,
                           int *regular_since_priority, int *booked_since_walkin, kt_error *err);
/* The SOP's screening of a NIK for an application kind on a day (step 2, apps.c), as intake
   does it and the booking page reuses: no NIK, malformed, not in SIAK -> refer; not eligible
   (core/eligibility.h) -> reject. *refusal is WF_REASON_NONE when the person may apply, else
   the reason with its message in *why. *res: the resident when found (owned by caller).
   KT_OK unless the store fails. */
kt_code svc_app_screen(svc *s, store *db, const char *nik, wf_kind kind, jkt_date day,
                       wf_reason *refusal, kt_error *why, json_t **res, kt_error *err);
/* Application as JSON by id; KT_ENOTFOUND "application_not_found". */
kt_code svc_app_load(svc *s, store *db, int64_t id, json_t **out, kt_error *err);

/* A background thread (worker.c): fn(ctx) at once, then every every_ms, or at once when
   woken, until svc_worker_stop (which waits for a run under way). ctx is borrowed. */
typedef struct svc_worker svc_worker;
kt_code svc_worker_start(void (*fn)(void *ctx), void *ctx, int64_t every_ms, svc_worker **out,
                         kt_error *err);
void svc_worker_wake(svc_worker *w);
void svc_worker_stop(svc_worker *w);

#endif
