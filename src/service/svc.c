/*
 * svc.c - the svc object: open/close, the connection pool, listeners, audit events, roles.
 *
 * Threads: the HTTP server calls use cases from many threads at once. Each call borrows one
 * store connection from the pool for its duration (SQLite connections are single-threaded).
 * The pool is bounded both ways: at most pool_max (64) connections are open at once (a
 * call that finds them all lent waits for one, up to the busy timeout, then answers "busy"; a
 * thread that already holds one may open another, so nested use never deadlocks), and a
 * trimmer thread closes the connections idle for 30 s, down to 2. So a burst of a thousand
 * requests costs at most 64 connections' caches while it lasts and 2 half a minute after it,
 * while a steady load keeps the connections it uses (opening one is not free: it checks the
 * schema under the write lock).
 * Listeners are called after commit on the committing thread, outside the pool lock.
 *
 * Writers: SQLite allows one writer; a second BEGIN IMMEDIATE sleeps in SQLite's busy handler
 * with growing back-off (up to 100 ms a try), which gives long tails under load. So writers of
 * this process queue on a mutex first (woken as soon as the writer before them commits); the
 * busy handler then only arbitrates between processes (a CLI import while the server runs).
 *
 * Group commit (svc_group_write): every durable write costs one fsync, and a disk does a few
 * hundred to a few thousand of them a second, so queue writes (a ticket per visitor at the
 * kiosk, calls at every loket) would be capped by the disk. Instead concurrent requests queue
 * their unit of work; one of them (the leader) takes everything queued, runs each unit in its
 * own SAVEPOINT of one write transaction on its connection, commits once, and wakes the
 * others with their results. Requests that arrive during that commit's fsync form the next
 * batch, so a batch grows with the load and the disk's latency, with no timer and no added
 * wait when the system is idle (a lone request is a batch of one). A request returns only
 * after the commit that holds its writes, so every acknowledged write is durable; a unit that
 * fails is rolled back to its savepoint without touching the others; a failed commit fails
 * every unit of its batch (none was acknowledged).
 *
 * Never: keep a connection across calls in a thread-local (a server thread may outlive svc).
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "seal/seal.h"
#include "service/afis.h"
#include "service/cit_internal.h"
#include "service/svc_internal.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *pool_trimmer(void *arg);

static int64_t real_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t svc_now(const svc *s) { return s->now_ms != NULL ? s->now_ms() : real_now_ms(); }

jkt_date svc_today(const svc *s) { return jkt_service_day(svc_now(s)); }

svc_actor svc_system_actor(void)
{
    svc_actor a;
    memset(&a, 0, sizeof a);
    snprintf(a.username, sizeof a.username, "system");
    snprintf(a.role, sizeof a.role, "system");
    return a;
}

kt_code svc_nomem(kt_error *err) { return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis"); }

void svc_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

void svc_secret_new(char token[65], char hash[65])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, 65, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    svc_sha256_hex(token, 64, hash);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d != NULL)
        memcpy(d, s, n + 1);
    return d;
}

kt_code svc_open(const svc_config *cfg, svc **out, kt_error *err)
{
    kt_code rc = KT_OK;
    store *db = NULL;
    *out = NULL;
    if (cfg == NULL || cfg->db_path == NULL || cfg->db_path[0] == '\0')
        return kt_fail(err, KT_EINVAL, "db_path_empty", "db", "Lokasi basis data kosong");
    /* A database server has no folder of its own to keep the data folder beside. */
    if (strstr(cfg->db_path, "://") != NULL && (cfg->data_dir == NULL || cfg->data_dir[0] == '\0'))
        return kt_fail(err, KT_EINVAL, "data_dir_required", "data",
                       "Basis data di server (%.*s...) perlu folder data: berikan --data DIR",
                       (int)(strstr(cfg->db_path, "://") - cfg->db_path + 3), cfg->db_path);
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    svc *s = calloc(1, sizeof *s);
    if (s == NULL)
        return svc_nomem(err);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->wmu, NULL);
    pthread_cond_init(&s->emit_cv, NULL);
    pthread_mutex_init(&s->gmu, NULL);
    pthread_cond_init(&s->pool_cv, NULL);
    pthread_cond_init(&s->trim_cv, NULL);
    pthread_mutex_init(&s->amu, NULL);
    s->gtail = &s->ghead;
    s->key_fd = -1;
    s->lokets = cfg->lokets > 0 ? cfg->lokets : 3;
    s->priority_every = cfg->priority_every > 0 ? cfg->priority_every : 3;
    s->booked_every = cfg->booked_every > 0 ? cfg->booked_every : 2;
    s->pool_max = cfg->pool_max > 0 ? (size_t)cfg->pool_max : SVC_POOL_OPEN_MAX;
    s->now_ms = cfg->now_ms;
    s->db_path = dup_str(cfg->db_path);
    if (cfg->data_dir != NULL && cfg->data_dir[0] != '\0') {
        s->data_dir = dup_str(cfg->data_dir);
    } else {
        /* <db dir>/data */
        const char *slash = strrchr(cfg->db_path, '/');
        size_t dlen = slash != NULL ? (size_t)(slash - cfg->db_path) : 0;
        s->data_dir = malloc(dlen + 8);
        if (s->data_dir != NULL) {
            if (slash == NULL)
                snprintf(s->data_dir, dlen + 8, "data");
            else
                snprintf(s->data_dir, dlen + 8, "%.*s/data", (int)dlen, cfg->db_path);
        }
    }
    if (s->db_path == NULL || s->data_dir == NULL) {
        rc = svc_nomem(err);
        goto fail;
    }
    if ((rc = svc_login_open(s, err)) != KT_OK)
        goto fail;
    /* Open one connection now: creates and migrates the database, and reports a bad path
       at open rather than at the first use case. */
    if ((rc = store_open(s->db_path, NULL, &db, err)) != KT_OK)
        goto fail;
    s->nopen = 1;
    svc_conn_put(s, db);
    /* The citizen's side: public address, link key, attempt counters (citizen.c). */
    if ((rc = svc_cit_open(s, cfg, err)) != KT_OK)
        goto fail;
    /* The data key, and what an older database left plain sealed (atrest.c). */
    if ((rc = svc_atrest_open(s, cfg, err)) != KT_OK)
        goto fail;
    if (pthread_create(&s->trimmer, NULL, pool_trimmer, s) == 0)
        s->trimmer_on = 1; /* without it the pool is still bounded, only not trimmed */
    /* The audit trail of a database from before migration 006: chained and signed once. */
    if ((rc = svc_audit_open(s, err)) != KT_OK)
        goto fail;
    /* The AFIS gallery: every recorded finger, in memory (afis.c). */
    if ((rc = svc_afis_open(s, cfg, err)) != KT_OK)
        goto fail;
    *out = s;
    return KT_OK;
fail:
    svc_close(s);
    return rc;
}

void svc_close(svc *s)
{
    if (s == NULL)
        return;
    if (s->trimmer_on) {
        pthread_mutex_lock(&s->mu);
        s->closing = 1;
        pthread_cond_broadcast(&s->trim_cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->trimmer, NULL);
    }
    svc_afis_close(s);
    svc_cit_close(s);
    svc_login_close(s);
    svc_atrest_close(s);
    for (size_t i = 0; i < s->npool; i++)
        store_close(s->pool[i]);
    free(s->pool);
    free(s->pool_at);
    wil_table_free(s->regions);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->wmu);
    pthread_cond_destroy(&s->emit_cv);
    pthread_mutex_destroy(&s->gmu);
    pthread_cond_destroy(&s->pool_cv);
    pthread_cond_destroy(&s->trim_cv);
    pthread_mutex_destroy(&s->amu);
    json_decref(s->audit_last);
    free(s->db_path);
    free(s->data_dir);
    free(s);
}

/* Set while this thread holds s->wmu (a thread runs one use case at a time). */
static _Thread_local int holds_write;

int svc_holds_write(void) { return holds_write; }

#define SVC_WRITE_WAIT_MS 5000

static kt_code begin_write(svc *s, store *db, store_txn mode, kt_error *err);

kt_code svc_begin_write(svc *s, store *db, kt_error *err)
{
    return begin_write(s, db, STORE_WRITE, err);
}

static kt_code begin_write(svc *s, store *db, store_txn mode, kt_error *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SVC_WRITE_WAIT_MS / 1000;
    if (!holds_write) {
        if (pthread_mutex_timedlock(&s->wmu, &until) != 0)
            return kt_fail(err, KT_EUNAVAIL, "busy", "",
                           "Basis data sedang sibuk, coba lagi sebentar");
        holds_write = 1;
    }
    kt_code rc = store_begin(db, mode, err);
    if (rc != KT_OK) {
        holds_write = 0;
        pthread_mutex_unlock(&s->wmu);
    }
    return rc;
}

kt_code svc_commit(svc *s, store *db, kt_error *err)
{
    kt_code rc = store_commit(db, err);
    if (rc == KT_OK && holds_write) {
        holds_write = 0;
        pthread_mutex_unlock(&s->wmu);
    }
    return rc;
}

kt_code svc_write_open(svc *s, store **db, json_t **pending, kt_error *err)
{
    if ((*pending = json_array()) == NULL)
        return svc_nomem(err);
    kt_code rc = svc_conn_get(s, db, err);
    if (rc == KT_OK)
        rc = svc_begin_write(s, *db, err);
    return rc;
}

kt_code svc_commit_emit(svc *s, store *db, json_t *pending, json_t **out, kt_error *err)
{
    kt_code rc = svc_commit(s, db, err);
    if (rc != KT_OK) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    svc_emit(s, pending);
    return KT_OK;
}

/* Connections this thread holds now (a nested svc_conn_get may pass the cap). */
static _Thread_local int conns_held;

kt_code svc_conn_get(svc *s, store **out, kt_error *err)
{
    struct timespec until;
    kt_code rc;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SVC_WRITE_WAIT_MS / 1000;
    pthread_mutex_lock(&s->mu);
    while (s->npool == 0 && s->nopen >= s->pool_max && conns_held == 0)
        if (pthread_cond_timedwait(&s->pool_cv, &s->mu, &until) != 0 && s->npool == 0) {
            pthread_mutex_unlock(&s->mu);
            return kt_fail(err, KT_EUNAVAIL, "busy", "",
                           "Server sedang sibuk melayani banyak permintaan, coba lagi sebentar");
        }
    if (s->npool > 0) {
        *out = s->pool[--s->npool];
        conns_held++;
        pthread_mutex_unlock(&s->mu);
        return KT_OK;
    }
    s->nopen++; /* counted before opening, so concurrent callers respect the cap */
    pthread_mutex_unlock(&s->mu);
    rc = store_open(s->db_path, NULL, out, err);
    pthread_mutex_lock(&s->mu);
    if (rc == KT_OK) {
        conns_held++;
    } else {
        s->nopen--;
        pthread_cond_signal(&s->pool_cv);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void svc_conn_put(svc *s, store *db)
{
    if (db == NULL)
        return;
    store_rollback(db);
    if (holds_write) {
        holds_write = 0;
        pthread_mutex_unlock(&s->wmu);
    }
    if (conns_held > 0)
        conns_held--;
    pthread_mutex_lock(&s->mu);
    if (s->npool == s->cappool) {
        size_t ncap = s->cappool ? s->cappool * 2 : 8;
        store **np = realloc(s->pool, ncap * sizeof *np);
        int64_t *nat = np != NULL ? realloc(s->pool_at, ncap * sizeof *nat) : NULL;
        if (np != NULL)
            s->pool = np;
        if (nat == NULL) {
            s->nopen--;
            pthread_cond_signal(&s->pool_cv);
            pthread_mutex_unlock(&s->mu);
            store_close(db); /* cannot keep it; a later call opens a new one */
            return;
        }
        s->pool_at = nat;
        s->cappool = ncap;
    }
    s->pool_at[s->npool] = mono_ms();
    s->pool[s->npool++] = db;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->mu);
}

void svc_pool_trim(svc *s, int64_t idle_ms)
{
    store *gone[64];
    size_t n = 0, k;
    int64_t now = mono_ms();
    pthread_mutex_lock(&s->mu);
    /* the least recently returned are at the bottom of the stack */
    while (n < s->npool - (s->npool > SVC_POOL_KEEP ? SVC_POOL_KEEP : s->npool) &&
           n < sizeof gone / sizeof gone[0] && now - s->pool_at[n] >= idle_ms)
        n++;
    for (k = 0; k < n; k++)
        gone[k] = s->pool[k];
    memmove(s->pool, s->pool + n, (s->npool - n) * sizeof *s->pool);
    memmove(s->pool_at, s->pool_at + n, (s->npool - n) * sizeof *s->pool_at);
    s->npool -= n;
    s->nopen -= n;
    if (n > 0)
        pthread_cond_broadcast(&s->pool_cv);
    pthread_mutex_unlock(&s->mu);
    for (k = 0; k < n; k++)
        store_close(gone[k]); /* outside the lock: closing checkpoints the WAL */
}

/* Every 5 s: close the connections idle for SVC_POOL_IDLE_MS (until svc_close). */
static void *pool_trimmer(void *arg)
{
    svc *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->closing) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        pthread_cond_timedwait(&s->trim_cv, &s->mu, &ts);
        if (s->closing)
            break;
        pthread_mutex_unlock(&s->mu);
        svc_pool_trim(s, SVC_POOL_IDLE_MS);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

void svc_pool_stats(svc *s, size_t *open, size_t *idle)
{
    pthread_mutex_lock(&s->mu);
    *open = s->nopen;
    *idle = s->npool;
    pthread_mutex_unlock(&s->mu);
}

kt_code svc_subscribe(svc *s, svc_listener fn, void *ctx, kt_error *err)
{
    if (fn == NULL)
        return kt_fail(err, KT_EINVAL, "listener_null", "", "Pendengar kosong");
    pthread_mutex_lock(&s->mu);
    if (s->nlisteners == SVC_MAX_LISTENERS) {
        pthread_mutex_unlock(&s->mu);
        return kt_fail(err, KT_EUNAVAIL, "too_many_listeners", "",
                       "Terlalu banyak pendengar (maksimal %d)", SVC_MAX_LISTENERS);
    }
    s->listeners[s->nlisteners].fn = fn;
    s->listeners[s->nlisteners].ctx = ctx;
    s->nlisteners++;
    pthread_mutex_unlock(&s->mu);
    return KT_OK;
}

/* Listeners run outside the lock (a listener may be slow), on a copy of the table; the count
   of emits under way lets svc_unsubscribe wait until no copy holds the removed listener. */
void svc_unsubscribe(svc *s, svc_listener fn, void *ctx)
{
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nlisteners; i++)
        if (s->listeners[i].fn == fn && s->listeners[i].ctx == ctx) {
            memmove(&s->listeners[i], &s->listeners[i + 1],
                    (size_t)(s->nlisteners - i - 1) * sizeof s->listeners[0]);
            s->nlisteners--;
            break;
        }
    while (s->emitting > 0)
        pthread_cond_wait(&s->emit_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

void svc_emit(svc *s, json_t *pending)
{
    if (pending == NULL || json_array_size(pending) == 0)
        return;
    svc_listener_slot copy[SVC_MAX_LISTENERS];
    pthread_mutex_lock(&s->mu);
    int n = s->nlisteners;
    memcpy(copy, s->listeners, (size_t)n * sizeof copy[0]);
    s->emitting++;
    pthread_mutex_unlock(&s->mu);
    size_t i;
    json_t *ev;
    json_array_foreach(pending, i, ev)
        for (int k = 0; k < n; k++)
            copy[k].fn(copy[k].ctx, ev);
    pthread_mutex_lock(&s->mu);
    if (--s->emitting == 0)
        pthread_cond_broadcast(&s->emit_cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- group commit -------------------------------------------------------------------- */

struct svc_group_job {
    svc_group_fn fn;
    void *ctx;
    int lazy;            /* svc_group_write_lazy: its commit need not wait for the disk */
    kt_code rc;
    kt_error err;
    int done;            /* set by the leader under gmu once rc/err are final */
    pthread_cond_t cv;   /* signalled when done, or when this job heads the queue and no
                            thread leads (it leads the next batch) */
    svc_group_job *next; /* queue link, then batch link */
};

#define SVC_GROUP_MAX 512 /* units per transaction: bounds the work one commit waits for */

/* Fail every job of the batch that has not failed on its own with e. */
static void group_fail(svc_group_job *batch, const kt_error *e, kt_code rc)
{
    for (svc_group_job *j = batch; j != NULL; j = j->next)
        if (j->rc == KT_OK) {
            j->rc = rc;
            j->err = *e;
        }
}

/* Run one batch in one write transaction (the leader, without gmu held). */
static void group_run(svc *s, svc_group_job *batch)
{
    store *db = NULL;
    kt_error e;
    kt_error_clear(&e);
    /* A batch of lazy units only (reads being recorded) commits without waiting for the
       disk; one durable unit makes the whole batch durable. */
    store_txn mode = STORE_WRITE_LAZY;
    for (svc_group_job *j = batch; j != NULL; j = j->next)
        if (!j->lazy)
            mode = STORE_WRITE;
    kt_code rc = svc_conn_get(s, &db, &e);
    if (rc == KT_OK)
        rc = begin_write(s, db, mode, &e);
    if (rc != KT_OK) {
        group_fail(batch, &e, rc);
        goto out;
    }
    if (batch->next == NULL) { /* alone (an idle system): no savepoint needed */
        if ((batch->rc = batch->fn(s, db, batch->ctx, &batch->err)) != KT_OK)
            goto out; /* rolled back by svc_conn_put */
        if ((rc = svc_commit(s, db, &e)) != KT_OK)
            group_fail(batch, &e, rc);
        goto out;
    }
    for (svc_group_job *j = batch; j != NULL; j = j->next) {
        if ((rc = store_exec(db, "SAVEPOINT svc_group", &e)) != KT_OK)
            break;
        j->rc = j->fn(s, db, j->ctx, &j->err);
        if (j->rc != KT_OK && (rc = store_exec(db, "ROLLBACK TO svc_group", &e)) != KT_OK)
            break;
        if ((rc = store_exec(db, "RELEASE svc_group", &e)) != KT_OK)
            break;
    }
    if (rc == KT_OK)
        rc = svc_commit(s, db, &e);
    if (rc != KT_OK)
        group_fail(batch, &e, rc); /* rolled back by svc_conn_put: nothing of it is kept */
out:
    svc_conn_put(s, db);
}

static kt_code group_write(svc *s, svc_group_fn fn, void *ctx, int lazy, kt_error *err);

kt_code svc_group_write(svc *s, svc_group_fn fn, void *ctx, kt_error *err)
{
    return group_write(s, fn, ctx, 0, err);
}

kt_code svc_group_write_lazy(svc *s, svc_group_fn fn, void *ctx, kt_error *err)
{
    return group_write(s, fn, ctx, 1, err);
}

static kt_code group_write(svc *s, svc_group_fn fn, void *ctx, int lazy, kt_error *err)
{
    svc_group_job job;
    memset(&job, 0, sizeof job);
    job.fn = fn;
    job.ctx = ctx;
    job.lazy = lazy;
    kt_error_clear(&job.err);
    pthread_cond_init(&job.cv, NULL);
    pthread_mutex_lock(&s->gmu);
    *s->gtail = &job;
    s->gtail = &job.next;
    while (!job.done) {
        if (s->gleader) {
            /* Each waiter sleeps on its own condition: a finished batch wakes its own jobs
               and the next batch's leader, not every thread waiting (under a read load of
               dozens of connections the broadcast cost more than the batch). */
            pthread_cond_wait(&job.cv, &s->gmu);
            continue;
        }
        /* Lead: take up to SVC_GROUP_MAX queued jobs from the head (ours may be further back
           in a very long queue: then this thread leads again). */
        s->gleader = 1;
        svc_group_job *batch = s->ghead, *last = batch;
        for (int n = 1; n < SVC_GROUP_MAX && last->next != NULL; n++)
            last = last->next;
        s->ghead = last->next;
        if (s->ghead == NULL)
            s->gtail = &s->ghead;
        last->next = NULL;
        pthread_mutex_unlock(&s->gmu);
        group_run(s, batch);
        pthread_mutex_lock(&s->gmu);
        for (svc_group_job *j = batch; j != NULL;) {
            svc_group_job *next = j->next; /* j may vanish once done is seen (after gmu) */
            j->done = 1;
            pthread_cond_signal(&j->cv);
            j = next;
        }
        s->gleader = 0;
        if (s->ghead != NULL) /* the next batch's leader */
            pthread_cond_signal(&s->ghead->cv);
    }
    pthread_mutex_unlock(&s->gmu);
    pthread_cond_destroy(&job.cv);
    if (job.rc != KT_OK && err != NULL)
        *err = job.err;
    return job.rc;
}

kt_code svc_actor_role(const svc_actor *who, wf_role *role, kt_error *err)
{
    if (who == NULL || !wf_role_from_str(who->role, role))
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role", "Peran '%s' tidak dikenal",
                       who != NULL ? who->role : "");
    /* A reset or demo password is known to someone else: nothing but the change until then. */
    if (who->must_change_password)
        return kt_fail(err, KT_EFORBIDDEN, "password_change_required", "password",
                       "Ganti kata sandi Anda dulu sebelum bekerja (kata sandi awal atau hasil "
                       "reset tidak boleh dipakai terus)");
    return KT_OK;
}

kt_code svc_require(const svc_actor *who, wf_action action, kt_error *err)
{
    wf_role role;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if (!wf_role_allows(action, role))
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak boleh melakukan '%s'", who->role, wf_action_str(action));
    return KT_OK;
}

kt_code svc_require_admin(const svc_actor *who, kt_error *err)
{
    wf_role role;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if (role != WF_ROLE_ADMIN && role != WF_ROLE_SYSTEM)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Hanya admin yang boleh melakukan ini (peran Anda: %s)", who->role);
    return KT_OK;
}

kt_code svc_event_add(svc *s, store *db, json_t *pending, const char *type,
                      const svc_actor *who, int64_t app_id, int64_t ticket_id,
                      const char *from, const char *to, const char *action,
                      const char *reason, const char *note, json_t *extra, kt_error *err)
{
    store_stmt *st = NULL;
    int64_t at = svc_now(s), id;
    char prev[65], hash[65], b_id[24], b_app[24], b_tk[24], b_uid[24], b_loket[24], b_at[24];
    kt_code rc;
    /* The chain's order is the commit order only when every append holds the write lock. */
    if (!holds_write)
        return kt_fail(err, KT_EINTERNAL, "audit_outside_write", "",
                       "Kejadian audit di luar transaksi tulis (bug)");
    if ((rc = svc_audit_tail(db, SVC_CHAIN_EVENTS, &id, prev, err)) != KT_OK)
        return rc;
    id++;
    snprintf(b_id, sizeof b_id, "%lld", (long long)id);
    snprintf(b_app, sizeof b_app, "%lld", (long long)app_id);
    snprintf(b_tk, sizeof b_tk, "%lld", (long long)ticket_id);
    snprintf(b_uid, sizeof b_uid, "%lld", (long long)who->user_id);
    snprintf(b_loket, sizeof b_loket, "%d", who->loket);
    snprintf(b_at, sizeof b_at, "%lld", (long long)at);
    const char *vals[] = {b_id,
                          app_id > 0 ? b_app : NULL,
                          ticket_id > 0 ? b_tk : NULL,
                          b_uid,
                          who->username,
                          who->role,
                          b_loket,
                          b_at,
                          from != NULL ? from : "",
                          to != NULL ? to : "",
                          action,
                          reason != NULL ? reason : "",
                          note != NULL ? note : ""};
    svc_audit_hash(SVC_CHAIN_EVENTS, prev, vals, hash);
    if ((rc = svc_audit_before_append(s, db, SVC_CHAIN_EVENTS, id, hash, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "INSERT INTO events (id, application_id, ticket_id, user_id, username,"
                            " role, loket, at, from_state, to_state, action, reason, note,"
                            " chain_prev, chain_hash)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, id);
    if (app_id > 0)
        store_bind_int(st, 2, app_id);
    else
        store_bind_null(st, 2);
    if (ticket_id > 0)
        store_bind_int(st, 3, ticket_id);
    else
        store_bind_null(st, 3);
    store_bind_int(st, 4, who->user_id);
    store_bind_text(st, 5, who->username, -1);
    store_bind_text(st, 6, who->role, -1);
    store_bind_int(st, 7, who->loket);
    store_bind_int(st, 8, at);
    for (int i = 8; i < 13; i++)
        store_bind_text(st, i + 1, vals[i], -1);
    store_bind_text(st, 14, prev, -1);
    store_bind_text(st, 15, hash, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if (pending == NULL)
        return KT_OK;
    json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:s}", "type", type, "at", (json_int_t)at,
                           "action", action, "from", from != NULL ? from : "", "to",
                           to != NULL ? to : "");
    if (ev == NULL)
        return svc_nomem(err);
    if (app_id > 0)
        json_object_set_new(ev, "application_id", json_integer(app_id));
    if (ticket_id > 0)
        json_object_set_new(ev, "ticket_id", json_integer(ticket_id));
    if (extra != NULL)
        json_object_update(ev, extra);
    json_array_append_new(pending, ev);
    return KT_OK;
}

/* svc_row_by_id (key NULL: the parameter is id) and svc_row_by_key. */
static kt_code row_find(store *db, const char *sql, int64_t id, const char *key,
                        store_stmt **st, kt_error *err, const char *nf_id, const char *field,
                        const char *fmt, va_list ap) __attribute__((format(printf, 9, 0)));
static kt_code row_find(store *db, const char *sql, int64_t id, const char *key,
                        store_stmt **st, kt_error *err, const char *nf_id, const char *field,
                        const char *fmt, va_list ap)
{
    int row = 0;
    kt_code rc = store_prepare(db, sql, st, err);
    if (rc != KT_OK)
        return rc;
    if (key != NULL)
        store_bind_text(*st, 1, key, -1);
    else
        store_bind_int(*st, 1, id);
    if ((rc = store_step(*st, &row, err)) != KT_OK || row)
        return rc;
    store_reset(*st);
    return kt_vfail(err, KT_ENOTFOUND, nf_id, field, fmt, ap);
}

kt_code svc_row_by_id(store *db, const char *sql, int64_t id, store_stmt **st, kt_error *err,
                      const char *nf_id, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kt_code rc = row_find(db, sql, id, NULL, st, err, nf_id, field, fmt, ap);
    va_end(ap);
    return rc;
}

kt_code svc_row_by_key(store *db, const char *sql, const char *key, store_stmt **st,
                       kt_error *err, const char *nf_id, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kt_code rc = row_find(db, sql, 0, key, st, err, nf_id, field, fmt, ap);
    va_end(ap);
    return rc;
}

const char *svc_jstr(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

void svc_regions_invalidate(svc *s)
{
    pthread_mutex_lock(&s->mu);
    wil_table_free(s->regions);
    s->regions = NULL;
    s->regions_loaded = 0;
    pthread_mutex_unlock(&s->mu);
}

/* Loaded once per svc (about 90,000 rows when the full Kepmendagri list is imported): later
   calls reuse it. Lookups are read-only, so sharing the table between threads is safe. */
const wil_table *svc_regions(svc *s, store *db)
{
    pthread_mutex_lock(&s->mu);
    if (s->regions_loaded) {
        const wil_table *t = s->regions;
        pthread_mutex_unlock(&s->mu);
        return t;
    }
    wil_table *t = NULL;
    store_stmt *st = NULL;
    int row = 0;
    size_t n = 0;
    kt_error e;
    if (wil_table_new(&t, &e) != KT_OK)
        goto out;
    if (wil_table_add_builtin(t, &e) != KT_OK)
        goto fail;
    if (store_prepare(db, "SELECT code, name, level, type FROM wilayah", &st, &e) != KT_OK)
        goto fail;
    while (store_step(st, &row, &e) == KT_OK && row) {
        wil_entry we;
        memset(&we, 0, sizeof we);
        snprintf(we.code, sizeof we.code, "%s", store_col_text(st, 0));
        snprintf(we.name, sizeof we.name, "%s", store_col_text(st, 1));
        we.level = (int)store_col_int(st, 2);
        snprintf(we.type, sizeof we.type, "%s", store_col_text(st, 3));
        if (wil_table_add(t, &we, NULL, &e) == KT_OK)
            n++;
    }
    store_reset(st);
    if (n == 0)
        goto fail; /* nothing imported: the built-in table (via NULL) names what it knows */
    s->regions = t;
    goto out;
fail:
    wil_table_free(t);
out:
    s->regions_loaded = 1;
    const wil_table *r = s->regions;
    pthread_mutex_unlock(&s->mu);
    return r;
}

/* ---- the office's key files ------------------------------------------------------------ */

/*
 * Where a key pair lives: beside the SQLite file (not in the data folder, which `ktpel
 * backup` copies: a stolen backup must not be able to sign). A database server location
 * (postgres://) has no folder of its own, so the keys go to the data folder there.
 */
kt_code svc_key_paths(const svc *s, const char *name, char sec[1024], char pub[1024],
                      kt_error *err)
{
    const char *dir = s->data_dir; /* a server location: the data folder */
    int dl = (int)strlen(dir);
    if (strstr(s->db_path, "://") == NULL) { /* a SQLite file: its folder */
        const char *slash = strrchr(s->db_path, '/');
        dir = slash == NULL ? "." : s->db_path;
        dl = slash == NULL ? 1 : (int)(slash - s->db_path);
    }
    if (snprintf(sec, 1024, "%.*s/%s.key", dl, dir, name) >= 1024 ||
        snprintf(pub, 1024, "%.*s/%s.pub", dl, dir, name) >= 1024)
        return kt_fail(err, KT_EINVAL, "path_too_long", "db", "Path database terlalu panjang");
    return KT_OK;
}

kt_code svc_key_secret(const svc *s, const char *name, const char *what, int create,
                       tok_keys *k, kt_error *err)
{
    char sec[1024], pub[1024], id[48];
    struct stat sb;
    kt_code rc = svc_key_paths(s, name, sec, pub, err);
    if (rc != KT_OK)
        return rc;
    if (create && stat(sec, &sb) != 0 && errno == ENOENT) {
        kt_error e2;
        /* A server location's keys go to the data folder, which may not exist yet. */
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", sec);
        char *slash = strrchr(dir, '/');
        if (slash != NULL && slash != dir) {
            *slash = '\0';
            if (seal_mkdir_private(dir) != 0)
                return kt_fail(err, KT_EIO, "key_dir", "data", "Folder kunci %s tidak dapat "
                               "dibuat: %s", dir, strerror(errno));
        }
        rc = tok_keygen(sec, pub, &e2);
        /* Two threads (or processes) making the key at once: the loser finds the file made. */
        if (rc != KT_OK && rc != KT_ECONFLICT) {
            *err = e2;
            return rc;
        }
    }
    snprintf(id, sizeof id, "%s_key_missing", name);
    if (stat(sec, &sb) != 0)
        return kt_fail(err, KT_EREFUSED, id, "token", "Kunci %s (%s) tidak ada", what, sec);
    return tok_load_secret(sec, k, err);
}

kt_code svc_key_public(const svc *s, const char *name, const char *what,
                       unsigned char pk[TOK_PUBLIC_LEN], kt_error *err)
{
    char sec[1024], pub[1024], id[48];
    kt_code rc = svc_key_paths(s, name, sec, pub, err);
    if (rc != KT_OK)
        return rc;
    snprintf(id, sizeof id, "%s_key_missing", name);
    if (access(pub, R_OK) != 0)
        return kt_fail(err, KT_EREFUSED, id, "token", "Kunci publik %s (%s) tidak ada", what,
                       pub);
    return tok_load_public(pub, pk, err);
}
