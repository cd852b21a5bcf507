/*
 * cmd_backup.c - `ktpel backup`: the backup onto the external disk (SOP equipment list).
 *
 *   ktpel backup DEST [--db PATH] [--data DIR] [--key PATH] [--keep N]
 *       a new encrypted backup file DEST/ktpel-backup-YYYYMMDD-HHMMSS.ktb (Asia/Jakarta);
 *       with --keep, then keep only the newest N backups in DEST. Works while the server runs.
 *   ktpel backup verify BACKUP [--key PATH]   decrypt and check all of a backup
 *   ktpel backup rotate --dir D --keep N
 *
 * The data key (--key, default <parent of the data folder>/ktpel.key) encrypts the backup and
 * is needed to verify or restore it; it is never written into a backup.
 * Exit code 0 only when the backup is complete and its manifest written.
 */
#include "backup/backup.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int usage(void)
{
    fputs("usage: ktpel backup DEST [--db PATH] [--data DIR] [--key PATH] [--keep N]\n"
          "       ktpel backup verify BACKUP [--db PATH] [--data DIR] [--key PATH]\n"
          "       ktpel backup rotate --dir DIR --keep N\n"
          "  --key   kunci data (default <induk folder data>/ktpel.key); cadangan dienkripsi\n"
          "          dengannya dan hanya dapat diperiksa/dipulihkan dengannya\n",
          stderr);
    return 2;
}

/* "--keep N" as a positive int; 0 when absent, -1 when malformed. */
static int parse_keep(const char *s)
{
    if (s == NULL)
        return 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 1 || v > 100000)
        return -1;
    return (int)v;
}

static int rotate(const char *dir, int keep)
{
    kt_error err;
    int removed = 0;
    kt_error_clear(&err);
    if (bak_rotate(dir, keep, &removed, &err) != KT_OK)
        return cli_report(&err);
    printf("rotasi %s: %d cadangan lama dihapus, %d terbaru disimpan\n", dir, removed, keep);
    return 0;
}

int cli_backup(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", "keep", "dir", "key", NULL};
    int bad = 0, rc = 0;
    kt_error err;
    seal_ring *ring = NULL;
    kt_error_clear(&err);
    const char *first = cli_arg(argc, argv, 0, valued);
    const char *keep_s = cli_opt(argc, argv, "keep", NULL, &bad);
    int keep = parse_keep(keep_s);
    if (first == NULL || cli_flag(argc, argv, "help"))
        return usage();
    if (keep < 0)
        return cli_usage("--keep harus bilangan bulat >= 1, bukan '%s'", keep_s);
    if (strcmp(first, "rotate") == 0) {
        const char *dir = cli_opt(argc, argv, "dir", NULL, &bad);
        if (bad || dir == NULL || keep == 0)
            return usage();
        return rotate(dir, keep);
    }
    const char *db = cli_opt(argc, argv, "db", CLI_DEFAULT_DB, &bad);
    if (bad)
        return usage();
    char data[4096];
    if ((rc = cli_load_ring(argc, argv, db, data, sizeof data, &ring)) != 0)
        return rc;
    if (strcmp(first, "verify") == 0) {
        const char *src = cli_arg(argc, argv, 1, valued);
        if (src == NULL) {
            rc = usage();
        } else if (bak_verify(src, ring, &err) != KT_OK) {
            rc = cli_report(&err);
        } else {
            printf("cadangan %s utuh: terenkripsi dan terautentikasi, semua berkas cocok dengan "
                   "MANIFEST, integrity_check ok\n",
                   src);
        }
        seal_ring_free(ring);
        return rc;
    }
    char dest[4096];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    bak_stats st;
    if (bak_new_path(first, (int64_t)ts.tv_sec * 1000, 1, dest, sizeof dest, &err) != KT_OK ||
        bak_backup_stats(db, data, dest, ring, &st, &err) != KT_OK) {
        seal_ring_free(ring);
        return cli_report(&err);
    }
    seal_ring_free(ring);
    printf("cadangan dibuat: %s (%llu bita terenkripsi; database %llu bita, %llu berkas data "
           "%llu bita)\n",
           dest, (unsigned long long)st.archive_bytes, (unsigned long long)st.db_bytes,
           (unsigned long long)st.files, (unsigned long long)st.file_bytes);
    if (keep > 0)
        return rotate(first, keep);
    return 0;
}
