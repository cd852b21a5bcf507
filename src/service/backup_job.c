/*
 * backup_job.c - backups of a running office (SOP equipment: "harddisk eksternal (backup
 * data)"): one now (svc_backup_now: `POST /api/admin/backup`), or every N minutes on a thread
 * of the server (svc_backup_job_start: `ktpel serve --backup-dir DIR --backup-every MIN
 * --backup-keep N`), each followed by rotation.
 *
 * The copy is src/backup's bak_backup: SQLite's online backup inside one read transaction,
 * so it is a consistent snapshot while the server goes on writing (WAL), then the data
 * files, then the manifest, all in one archive encrypted under the office's data key. One backup at a time per process (a mutex): a manual backup that
 * meets a scheduled one waits for it.
 *
 * The folder a scheduled job writes to is remembered per svc, so the HTTP API can trigger a
 * backup into it without ever taking a path from the network.
 *
 * Never: print (the job keeps its last result for the API), delete anything but old complete
 * backups (bak_rotate).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "backup/backup.h"
#include "service/rec_internal.h"
#include "service/service.h"

#define JOB_SLOTS 8

struct svc_backup_job {
    svc *s;
    char dir[2048];
    int keep;
    int64_t every_ms;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int64_t runs, failures;
    json_t *last; /* owned: result or {"error": ...} of the last run */
};

static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER; /* one backup at a time */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static svc_backup_job *reg[JOB_SLOTS];

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static kt_code backup_into(svc *s, const char *dir, int keep, json_t **out, kt_error *err)
{
    char path[2200];
    struct stat sb;
    bak_stats bs;
    int removed = 0;
    kt_code rc;
    if (dir == NULL || dir[0] == '\0')
        return kt_fail(err, KT_EREFUSED, "backup_not_configured", "dir",
                       "Folder cadangan belum diatur (ktpel serve --backup-dir DIR)");
    if (keep < 1 || keep > 10000)
        return kt_fail(err, KT_EINVAL, "keep_invalid", "keep",
                       "Jumlah cadangan yang disimpan harus 1..10000");
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return kt_fail(err, KT_EREFUSED, "backup_dir_missing", "dir",
                       "Folder tujuan %s tidak ada (apakah disk eksternal sudah terpasang?)",
                       dir);
    pthread_mutex_lock(&run_mu);
    int64_t t0 = mono_ms();
    /* two backups within one second: the name gets a suffix (still sorts after the first) */
    for (int i = 1; i < 100; i++) {
        if ((rc = bak_new_path(dir, svc_now(s), i, path, sizeof path, err)) != KT_OK)
            goto out;
        if (stat(path, &sb) != 0)
            break;
    }
    memset(&bs, 0, sizeof bs);
    if ((rc = bak_backup_stats(s->db_path, s->data_dir, path, s->ring, &bs, err)) != KT_OK)
        goto out;
    if ((rc = bak_rotate(dir, keep, &removed, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:I, s:I, s:I, s:I, s:i, s:I, s:I}", "path", path, "db_bytes",
                     (json_int_t)bs.db_bytes, "files", (json_int_t)bs.files, "file_bytes",
                     (json_int_t)bs.file_bytes, "archive_bytes", (json_int_t)bs.archive_bytes,
                     "removed", removed, "ms",
                     (json_int_t)(mono_ms() - t0), "at", (json_int_t)svc_now(s));
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    pthread_mutex_unlock(&run_mu);
    return rc;
}

kt_code svc_backup_now(svc *s, const svc_actor *who, const char *dir, int keep, json_t **out,
                       kt_error *err)
{
    char conf[2048] = "";
    int conf_keep = 0;
    *out = NULL;
    kt_code rc = svc_require_admin(who, err);
    if (rc != KT_OK)
        return rc;
    if (dir == NULL) {
        pthread_mutex_lock(&reg_mu);
        for (int i = 0; i < JOB_SLOTS; i++)
            if (reg[i] != NULL && reg[i]->s == s) {
                snprintf(conf, sizeof conf, "%s", reg[i]->dir);
                conf_keep = reg[i]->keep;
            }
        pthread_mutex_unlock(&reg_mu);
        dir = conf;
        keep = conf_keep;
    }
    return backup_into(s, dir, keep, out, err);
}

static void job_record(svc_backup_job *j, kt_code rc, json_t *res, const kt_error *err)
{
    pthread_mutex_lock(&j->mu);
    json_decref(j->last);
    j->runs++;
    if (rc != KT_OK) {
        j->failures++;
        j->last = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", err->id, "message",
                            err->message, "field", err->field);
        json_decref(res);
    } else {
        j->last = res;
    }
    pthread_mutex_unlock(&j->mu);
}

static void *job_main(void *arg)
{
    svc_backup_job *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = (int64_t)until.tv_nsec + (j->every_ms % 1000) * 1000000;
        until.tv_sec += (time_t)(j->every_ms / 1000 + ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!j->stop) {
            int e = pthread_cond_timedwait(&j->cv, &j->mu, &until);
            if (e == ETIMEDOUT)
                break;
        }
        if (j->stop)
            break;
        pthread_mutex_unlock(&j->mu);
        json_t *res = NULL;
        kt_error err;
        kt_error_clear(&err);
        kt_code rc = backup_into(j->s, j->dir, j->keep, &res, &err);
        job_record(j, rc, res, &err);
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

kt_code svc_backup_job_start(svc *s, const char *dir, int every_min, int keep,
                             svc_backup_job **out, kt_error *err)
{
    struct stat sb;
    svc_backup_job *j = NULL;
    int slot = -1;
    *out = NULL;
    if (dir == NULL || dir[0] == '\0' || strlen(dir) >= sizeof j->dir)
        return kt_fail(err, KT_EINVAL, "backup_dir_invalid", "backup-dir",
                       "Folder cadangan tidak sah");
    kt_code rc = bak_supports(s->db_path, err); /* refused at start, not at every run */
    if (rc != KT_OK)
        return rc;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return kt_fail(err, KT_EREFUSED, "backup_dir_missing", "backup-dir",
                       "Folder tujuan %s tidak ada (apakah disk eksternal sudah terpasang?)",
                       dir);
    if (every_min < 1 || every_min > 7 * 24 * 60)
        return kt_fail(err, KT_EINVAL, "backup_every_invalid", "backup-every",
                       "Selang cadangan harus 1..10080 menit");
    if (keep < 1 || keep > 10000)
        return kt_fail(err, KT_EINVAL, "keep_invalid", "backup-keep",
                       "Jumlah cadangan yang disimpan harus 1..10000");
    if ((j = calloc(1, sizeof *j)) == NULL)
        return svc_nomem(err);
    j->s = s;
    snprintf(j->dir, sizeof j->dir, "%s", dir);
    j->keep = keep;
    j->every_ms = (int64_t)every_min * 60000;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < JOB_SLOTS && slot < 0; i++)
        if (reg[i] == NULL) {
            reg[i] = j;
            slot = i;
        }
    pthread_mutex_unlock(&reg_mu);
    if (slot < 0) {
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->cv);
        free(j);
        return kt_fail(err, KT_EUNAVAIL, "too_many_jobs", "", "Terlalu banyak jadwal cadangan");
    }
    if (pthread_create(&j->th, NULL, job_main, j) != 0) {
        pthread_mutex_lock(&reg_mu);
        reg[slot] = NULL;
        pthread_mutex_unlock(&reg_mu);
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->cv);
        free(j);
        return kt_fail(err, KT_EINTERNAL, "thread_failed", "", "Thread cadangan gagal dibuat");
    }
    *out = j;
    return KT_OK;
}

kt_code svc_backup_job_status(svc_backup_job *j, json_t **out, kt_error *err)
{
    pthread_mutex_lock(&j->mu);
    *out = json_pack("{s:s, s:i, s:I, s:I, s:I, s:O?}", "dir", j->dir, "keep", j->keep,
                     "every_min", (json_int_t)(j->every_ms / 60000), "runs", (json_int_t)j->runs,
                     "failures", (json_int_t)j->failures, "last", j->last);
    pthread_mutex_unlock(&j->mu);
    return *out == NULL ? svc_nomem(err) : KT_OK;
}

void svc_backup_job_stop(svc_backup_job *j)
{
    if (j == NULL)
        return;
    pthread_mutex_lock(&j->mu);
    j->stop = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->th, NULL); /* a backup under way finishes first */
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < JOB_SLOTS; i++)
        if (reg[i] == j)
            reg[i] = NULL;
    pthread_mutex_unlock(&reg_mu);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    json_decref(j->last);
    free(j);
}
