/*
 * sms.c - the SMS outbox and its sender: messages are queued in sms_outbox inside the
 * transaction of what causes them (a booking, a call, a printed card), and a sender hands them
 * to Gammu's SMS daemon (gammu-smsd, Debian package gammu-smsd), which drives the GSM modem.
 *
 * Why the daemon's files backend: gammu-smsd with `service = files` sends every file named
 * OUT... that appears in its outbox folder, then moves it to its sent folder (or, after its own
 * retries, to its error folder) under the same name. So the hand-over is a rename - atomic - of
 * a file written and fsynced first under a name the daemon ignores (".ktpel-..."), and the
 * outcome is read back by looking for that name in sent/ and error/. No subprocess, no second
 * database, and the daemon may be stopped, restarted or replaced while messages wait in its
 * folder. (gammu-smsd-inject would write the same file, but through a process whose success
 * cannot be tied atomically to the outbox row.)
 *
 * Exactly once: the file name is fixed by the row (its id, the attempt number and its creation
 * time), so after a crash between the rename and the row's update the sender finds the file
 * already in outbox/, sent/ or error/ and only records it. A message comes back for another
 * attempt only from the daemon's error folder (under a new attempt number), at most 3 times.
 *
 * Retry: a failure to write into the spool (folder missing, disk full, permissions) leaves the
 * row pending with a growing delay (30 s, 1, 2, 4 ... min, at most 30 min). A message that
 * could no longer help (a queue call after 30 minutes, a booking reminder after the slot) is
 * expired instead of sent. Once done with, a row keeps only the masked number.
 *
 * Spool layout (docs/operations.md has the gammu-smsdrc): <spool>/outbox, <spool>/sent,
 * <spool>/error, the daemon's outboxpath, sentsmspath and errorsmspath.
 *
 * Never: a number that core/phone.h refused, a text over one SMS, a file the daemon could see
 * half-written.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/phone.h"
#include "core/sms.h"
#include "service/cit_internal.h"

#define SMS_TRIES 3          /* the daemon's error folder sends a message back at most twice */
#define SMS_BATCH 50         /* rows per pass */
#define SMS_BACKOFF_MS 30000 /* first retry delay, doubled per attempt */
#define SMS_BACKOFF_MAX_MS (30 * 60 * INT64_C(1000))

kt_code svc_sms_enqueue(svc *s, store *db, const char *kind, const char *ref, const char *phone,
                        const char *body, int64_t expires_at, kt_error *err)
{
    char e164[PHONE_LEN];
    store_stmt *st = NULL;
    kt_code rc = phone_normalize(phone, "phone", e164, err);
    if (rc != KT_OK || (rc = sms_check(body, err)) != KT_OK)
        return rc;
    int64_t now = svc_now(s);
    if ((rc = store_prepare(db,
                            "INSERT INTO sms_outbox (kind, ref, phone, body, next_at, expires_at,"
                            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, ref) DO"
                            " NOTHING",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, kind, -1);
    store_bind_text(st, 2, ref, -1);
    store_bind_text(st, 3, e164, -1);
    store_bind_text(st, 4, body, -1);
    store_bind_int(st, 5, now);
    store_bind_int(st, 6, expires_at);
    store_bind_int(st, 7, now);
    return store_run(st, err);
}

/* ---- the spool ------------------------------------------------------------------------- */

/* The daemon's name for row id, attempt n: OUT, priority B, the creation time (Jakarta),
   serial 00, the number, and a note (ktpel-<id>-<n>) the daemon ignores. */
static void spool_name(int64_t id, int attempt, int64_t created_at, const char *phone,
                       char out[128])
{
    jkt_datetime dt = jkt_from_utc_ms(created_at);
    snprintf(out, 128, "OUTB%04d%02d%02d_%02d%02d%02d_00_%s_ktpel-%lld-%d.txt", dt.date.year,
             dt.date.month, dt.date.day, dt.hour, dt.minute, dt.second, phone, (long long)id,
             attempt);
}

static int spool_has(const char *spool, const char *sub, const char *name)
{
    char path[1400];
    struct stat sb;
    if (snprintf(path, sizeof path, "%s/%s/%s", spool, sub, name) >= (int)sizeof path)
        return 0;
    return stat(path, &sb) == 0;
}

/* Write body as <spool>/outbox/name: temp file, fsync, rename, fsync of the folder. 0 or an
   errno. */
static int spool_write(const char *spool, const char *name, const char *body)
{
    char dir[1200], tmp[1400], path[1400];
    int fd = -1, e = 0;
    if (snprintf(dir, sizeof dir, "%s/outbox", spool) >= (int)sizeof dir ||
        snprintf(tmp, sizeof tmp, "%s/.ktpel-%s.tmp", dir, name) >= (int)sizeof tmp ||
        snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return ENAMETOOLONG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
    if (fd < 0)
        return errno;
    size_t len = strlen(body), off = 0;
    while (off < len) {
        ssize_t k = write(fd, body + off, len - off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            goto fail;
        }
        off += (size_t)k;
    }
    if (fsync(fd) != 0) {
        e = errno;
        goto fail;
    }
    close(fd);
    fd = -1;
    if (rename(tmp, path) != 0) {
        e = errno;
        goto fail;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return e != 0 ? e : EIO;
}

/* ---- one pass of the sender ------------------------------------------------------------ */

typedef struct sms_row {
    int64_t id, created_at, expires_at;
    int attempts;
    char phone[PHONE_LEN];
    char file[128];
    char body[SMS_CAP];
} sms_row;

typedef struct sms_counts {
    int handed, sent, retried, failed, expired, waiting, spool_errors;
} sms_counts;

/* Run sql (one parameter: now) and collect up to SMS_BATCH rows. */
static kt_code load_rows(svc *s, const char *sql, sms_row *rows, size_t *n, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    *n = 0;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, svc_now(s));
    while (*n < SMS_BATCH && (rc = store_step(st, &row, err)) == KT_OK && row) {
        sms_row *r = &rows[(*n)++];
        r->id = store_col_int(st, 0);
        r->created_at = store_col_int(st, 1);
        r->expires_at = store_col_int(st, 2);
        r->attempts = (int)store_col_int(st, 3);
        snprintf(r->phone, sizeof r->phone, "%s", store_col_text(st, 4));
        snprintf(r->file, sizeof r->file, "%s", store_col_text(st, 5));
        snprintf(r->body, sizeof r->body, "%s", store_col_text(st, 6));
    }
    store_reset(st);
out:
    svc_conn_put(s, db);
    return rc;
}

/* One row's new state in its own short write transaction (every change is durable before
   the next file is touched). Masks the number when the message is done with. */
static kt_code row_update(svc *s, const sms_row *r, const char *state, int attempts,
                          int64_t next_at, const char *file, const char *error, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    char masked[PHONE_LEN];
    int done = strcmp(state, "sent") == 0 || strcmp(state, "failed") == 0 ||
               strcmp(state, "expired") == 0;
    int64_t now = svc_now(s);
    phone_mask(r->phone, masked);
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "UPDATE sms_outbox SET state = ?, attempts = ?, next_at = ?, file = ?,"
                            " last_error = ?, phone = ?, handed_at = COALESCE(?, handed_at),"
                            " done_at = ? WHERE id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, state, -1);
    store_bind_int(st, 2, attempts);
    store_bind_int(st, 3, next_at);
    store_bind_text(st, 4, file, -1);
    store_bind_text(st, 5, error, -1);
    store_bind_text(st, 6, done ? masked : r->phone, -1);
    if (strcmp(state, "handed") == 0)
        store_bind_int(st, 7, now);
    else
        store_bind_null(st, 7);
    if (done)
        store_bind_int(st, 8, now);
    else
        store_bind_null(st, 8);
    store_bind_int(st, 9, r->id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    rc = svc_commit(s, db, err);
out:
    svc_conn_put(s, db);
    return rc;
}

static int64_t backoff(int attempts)
{
    int64_t d = SMS_BACKOFF_MS;
    for (int i = 1; i < attempts && d < SMS_BACKOFF_MAX_MS; i++)
        d *= 2;
    return d < SMS_BACKOFF_MAX_MS ? d : SMS_BACKOFF_MAX_MS;
}

#define ROW_COLS "SELECT id, created_at, expires_at, attempts, phone, file, body FROM sms_outbox"

static kt_code pass_pending(svc *s, const char *spool, sms_counts *c, kt_error *err)
{
    sms_row *rows = calloc(SMS_BATCH, sizeof *rows);
    size_t n = 0;
    kt_code rc;
    if (rows == NULL)
        return svc_nomem(err);
    if ((rc = load_rows(s, ROW_COLS " WHERE state = 'pending' AND next_at <= ? ORDER BY id",
                        rows, &n, err)) != KT_OK)
        goto out;
    int64_t now = svc_now(s);
    for (size_t i = 0; i < n && rc == KT_OK; i++) {
        sms_row *r = &rows[i];
        char name[128];
        int attempt = r->attempts + 1;
        if (r->expires_at <= now) {
            rc = row_update(s, r, "expired", r->attempts, r->expires_at, "", "kedaluwarsa", err);
            c->expired++;
            continue;
        }
        spool_name(r->id, attempt, r->created_at, r->phone, name);
        /* Handed before a crash (the row was not updated): record it, write nothing. */
        if (!spool_has(spool, "outbox", name) && !spool_has(spool, "sent", name) &&
            !spool_has(spool, "error", name)) {
            int e = spool_write(spool, name, r->body);
            if (e != 0) {
                char why[160];
                snprintf(why, sizeof why, "spool %s/outbox: %s", spool, strerror(e));
                /* the wait grows with the message's age: 30 s at first, at most 30 min */
                int64_t wait = (now - r->created_at) / 2;
                wait = wait < SMS_BACKOFF_MS ? SMS_BACKOFF_MS
                                             : wait > SMS_BACKOFF_MAX_MS ? SMS_BACKOFF_MAX_MS : wait;
                c->spool_errors++;
                rc = row_update(s, r, "pending", r->attempts, now + wait, "", why, err);
                continue;
            }
        }
        rc = row_update(s, r, "handed", attempt, now, name, "", err);
        c->handed++;
    }
out:
    free(rows);
    return rc;
}

static kt_code pass_handed(svc *s, const char *spool, sms_counts *c, kt_error *err)
{
    sms_row *rows = calloc(SMS_BATCH, sizeof *rows);
    size_t n = 0;
    kt_code rc;
    if (rows == NULL)
        return svc_nomem(err);
    /* next_at orders the handed rows for the batch (handed_at would do the same). */
    if ((rc = load_rows(s, ROW_COLS " WHERE state = 'handed' AND next_at <= ? ORDER BY next_at,"
                        " id", rows, &n, err)) != KT_OK)
        goto out;
    int64_t now = svc_now(s);
    for (size_t i = 0; i < n && rc == KT_OK; i++) {
        sms_row *r = &rows[i];
        if (spool_has(spool, "sent", r->file)) {
            rc = row_update(s, r, "sent", r->attempts, now, r->file, "", err);
            c->sent++;
        } else if (spool_has(spool, "error", r->file)) {
            if (r->attempts >= SMS_TRIES) {
                rc = row_update(s, r, "failed", r->attempts, now, r->file,
                                "gammu-smsd gagal mengirim (folder error)", err);
                c->failed++;
            } else {
                rc = row_update(s, r, "pending", r->attempts, now + backoff(r->attempts), "",
                                "gammu-smsd gagal mengirim (folder error); dicoba lagi", err);
                c->retried++;
            }
        } else if (spool_has(spool, "outbox", r->file)) {
            c->waiting++; /* the daemon has not taken it yet (stopped, or busy) */
        } else {
            /* Neither waiting nor done: the daemon is moving it right now; look next pass. */
            c->waiting++;
        }
    }
out:
    free(rows);
    return rc;
}

kt_code svc_sms_tick(svc *s, const char *spool, json_t **out, kt_error *err)
{
    sms_counts c;
    memset(&c, 0, sizeof c);
    if (out != NULL)
        *out = NULL;
    if (spool == NULL || spool[0] == '\0')
        return kt_fail(err, KT_EINVAL, "sms_spool_missing", "sms_spool",
                       "Folder antrean gammu-smsd (--sms-spool) belum diatur");
    kt_code rc = svc_appt_housekeeping(s, err);
    if (rc == KT_OK)
        rc = pass_handed(s, spool, &c, err);
    if (rc == KT_OK)
        rc = pass_pending(s, spool, &c, err);
    if (rc == KT_OK && out != NULL &&
        (*out = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "handed", c.handed, "sent",
                          c.sent, "retried", c.retried, "failed", c.failed, "expired", c.expired,
                          "waiting", c.waiting, "spool_errors", c.spool_errors)) == NULL)
        rc = svc_nomem(err);
    return rc;
}

/* ---- the sender thread ------------------------------------------------------------------ */

struct svc_sms_job {
    svc *s;
    char spool[1024];
    svc_worker *w; /* owned */
};

static void job_run(void *ctx)
{
    svc_sms_job *j = ctx;
    kt_error e;
    kt_error_clear(&e);
    if (svc_sms_tick(j->s, j->spool, NULL, &e) != KT_OK)
        fprintf(stderr, "ktpel: sms: %s\n", e.message);
}

kt_code svc_sms_job_start(svc *s, const char *spool, int every_ms, svc_sms_job **out,
                          kt_error *err)
{
    struct stat sb;
    *out = NULL;
    if (spool == NULL || spool[0] == '\0' || strlen(spool) >= 1024)
        return kt_fail(err, KT_EINVAL, "sms_spool_invalid", "sms_spool",
                       "Folder antrean gammu-smsd tidak sah");
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/outbox", spool);
    if (stat(sub, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return kt_fail(err, KT_EINVAL, "sms_spool_invalid", "sms_spool",
                       "Folder %s tidak ada: buat outbox/, sent/ dan error/ di %s (lihat "
                       "docs/operations.md)", sub, spool);
    svc_sms_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return svc_nomem(err);
    j->s = s;
    snprintf(j->spool, sizeof j->spool, "%s", spool);
    kt_code rc = svc_worker_start(job_run, j, every_ms > 0 ? every_ms : 2000, &j->w, err);
    if (rc != KT_OK) {
        free(j);
        return rc;
    }
    *out = j;
    return KT_OK;
}

void svc_sms_job_stop(svc_sms_job *j)
{
    if (j == NULL)
        return;
    svc_worker_stop(j->w);
    free(j);
}

/* ---- the outbox for the admin ----------------------------------------------------------- */

kt_code svc_sms_outbox(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *o = NULL;
    *out = NULL;
    kt_code rc = svc_require_admin(who, err);
    if (rc != KT_OK)
        return rc;
    json_t *counts = json_object(), *recent = json_array();
    o = json_pack("{s:o, s:o}", "counts", counts, "recent", recent);
    if (o == NULL)
        return svc_nomem(err);
    static const char *const states[] = {"pending", "handed", "sent", "failed", "expired"};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        json_object_set_new(counts, states[i], json_integer(0));
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "SELECT state, count(*) FROM sms_outbox GROUP BY state", &st,
                            err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_object_set_new(counts, store_col_text(st, 0), json_integer(store_col_int(st, 1)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT id, kind, phone, state, attempts, created_at, done_at,"
                            " last_error FROM sms_outbox ORDER BY id DESC LIMIT 50",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        char masked[PHONE_LEN];
        phone_mask(store_col_text(st, 2), masked);
        json_t *m = json_pack("{s:I, s:s, s:s, s:s, s:i, s:I, s:s}", "id",
                              (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1),
                              "phone", masked, "state", store_col_text(st, 3), "attempts",
                              (int)store_col_int(st, 4), "created_at",
                              (json_int_t)store_col_int(st, 5), "last_error",
                              store_col_text(st, 7));
        if (m == NULL)
            continue;
        json_object_set_new(m, "done_at", store_col_null(st, 6)
                                              ? json_null()
                                              : json_integer(store_col_int(st, 6)));
        json_array_append_new(recent, m);
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    *out = o;
    o = NULL;
out:
    svc_conn_put(s, db);
    json_decref(o);
    return rc;
}

/* A test message from the operator (ktpel sms test): checks the number, the text and the
   whole chain to the modem. */
kt_code svc_sms_test(svc *s, const svc_actor *who, const char *phone, const char *text,
                     json_t **out, kt_error *err)
{
    store *db = NULL;
    json_t *pending = NULL;
    char ref[40], e164[PHONE_LEN];
    *out = NULL;
    kt_code rc = svc_require_admin(who, err);
    if (rc != KT_OK || (rc = phone_normalize(phone, "phone", e164, err)) != KT_OK)
        return rc;
    const char *body = text != NULL && text[0] != '\0'
                           ? text
                           : "Uji SMS layanan KTP-el " SVC_OFFICE_SHORT ": gateway berfungsi.";
    if ((rc = sms_check(body, err)) != KT_OK)
        return rc;
    svc_cit_random_hex(ref, 8);
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_sms_enqueue(s, db, "test", ref, e164, body, svc_now(s) + 86400000, err)) !=
        KT_OK)
        goto out;
    char masked[PHONE_LEN];
    phone_mask(e164, masked);
    if ((*out = json_pack("{s:s, s:s, s:i}", "phone", masked, "body", body, "length",
                          (int)strlen(body))) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}
