/*
 * backup_bench.c - the cost of a backup, its verify and its restore (src/backup) against the
 * number of files in the data folder: an office keeps a sealed file per biometric slot (face,
 * signature, ten fingers, two irises: up to 14 an application), so a few years of recording
 * are hundreds of thousands of files.
 *
 * Usage: backup_bench [FILES...]   (default 10000 50000). Each size: a small SQLite database
 * and FILES files of 64 bytes in folders of 100 (as data/bio/<application>/), in a temporary
 * folder under TMPDIR that is removed afterwards. Prints seconds per step and the archive's
 * size. Never fails on speed.
 */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup/backup.h"
#include "seal/seal.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 ? -1 : 0;
}

static int run(long files)
{
    char dir[256], p[512], db[300], data[300], out[300], tdb[300];
    const char *tmp = getenv("TMPDIR");
    kt_error err;
    seal_ring *ring = NULL;
    kt_error_clear(&err);
    sqlite3 *h = NULL;
    bak_stats st;
    int rc = 1;
    snprintf(dir, sizeof dir, "%s/ktpel-backup-bench-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(p, sizeof p, "%s/ktpel.key", dir);
    snprintf(db, sizeof db, "%s/ktpel.db", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(out, sizeof out, "%s/backup.ktb", dir);
    snprintf(tdb, sizeof tdb, "%s/restored/ktpel.db", dir);
    if (seal_key_create(p, &err) != KT_OK || seal_ring_load(p, &ring, &err) != KT_OK)
        goto out;
    if (sqlite3_open(db, &h) != SQLITE_OK ||
        sqlite3_exec(h, "CREATE TABLE biometrics (path TEXT)", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    sqlite3_close(h);
    h = NULL;
    snprintf(p, sizeof p, "%s/bio", data);
    if (mkdir(data, 0700) != 0 || mkdir(p, 0700) != 0)
        goto out;
    for (long i = 0; i < files; i++) {
        if (i % 100 == 0) {
            snprintf(p, sizeof p, "%s/bio/%ld", data, i / 100 + 1);
            if (mkdir(p, 0700) != 0)
                goto out;
        }
        snprintf(p, sizeof p, "%s/bio/%ld/slot_%ld.sealed", data, i / 100 + 1, i % 100);
        FILE *f = fopen(p, "wb");
        if (f == NULL)
            goto out;
        fprintf(f, "%064ld", i);
        fclose(f);
    }
    snprintf(p, sizeof p, "%s/restored", dir);
    if (mkdir(p, 0700) != 0)
        goto out;
    double t0 = now_s();
    if (bak_backup_stats(db, data, out, ring, &st, &err) != KT_OK)
        goto out;
    double t1 = now_s();
    if (bak_verify(out, ring, &err) != KT_OK)
        goto out;
    double t2 = now_s();
    if (bak_restore(out, tdb, NULL, ring, &err) != KT_OK)
        goto out;
    double t3 = now_s();
    printf("files %7ld  archive %6.1f MB  backup %6.2f s  verify %6.2f s  restore %6.2f s\n",
           files, (double)st.archive_bytes / 1e6, t1 - t0, t2 - t1, t3 - t2);
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "backup_bench: %ld files: %s\n", files, err.message);
    sqlite3_close(h);
    seal_ring_free(ring);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

int main(int argc, char **argv)
{
    static const long def[] = {10000, 50000};
    int rc = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            rc |= run(atol(argv[i]));
    } else {
        for (size_t i = 0; i < sizeof def / sizeof def[0]; i++)
            rc |= run(def[i]);
    }
    return rc;
}
