/*
 * cmd_restore.c - `ktpel restore SRC --db PATH [--data DIR] [--key PATH]`: put a verified
 * backup back. Stop the server first. The previous database and data folder are kept beside
 * the new ones as *.pre-restore-<time>; nothing is deleted. The data key that encrypted the
 * backup is needed (--key; on a new machine, put the office's copy of ktpel.key in place).
 */
#include "backup/backup.h"
#include "cli/cli.h"

#include <stdio.h>

int cli_restore(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", "key", NULL};
    int bad = 0, rc;
    kt_error err;
    seal_ring *ring = NULL;
    kt_error_clear(&err);
    const char *src = cli_arg(argc, argv, 0, valued);
    const char *db = cli_opt(argc, argv, "db", NULL, &bad);
    const char *data = cli_opt(argc, argv, "data", NULL, &bad);
    if (bad || src == NULL || db == NULL || cli_flag(argc, argv, "help")) {
        fputs("usage: ktpel restore SRC --db PATH [--data DIR] [--key PATH]\n"
              "  (hentikan server terlebih dahulu; --key: kunci data yang mengenkripsi\n"
              "   cadangan, default <induk folder data>/ktpel.key)\n", stderr);
        return 2;
    }
    char data_buf[4096];
    if ((rc = cli_load_ring(argc, argv, db, data_buf, sizeof data_buf, &ring)) != 0)
        return rc;
    kt_code k = bak_restore(src, db, data, ring, &err);
    seal_ring_free(ring);
    if (k != KT_OK)
        return cli_report(&err);
    printf("dipulihkan dari %s ke %s\n", src, db);
    return 0;
}
