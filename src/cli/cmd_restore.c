/*
 * cmd_restore.c - `ktpel restore SRC --db PATH [--data DIR]`: put a verified backup back.
 * Stop the server first. The previous database and data folder are kept beside the new ones
 * as *.pre-restore-<time>; nothing is deleted.
 */
#include "backup/backup.h"
#include "cli/cli.h"

#include <stdio.h>

int cli_restore(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", NULL};
    int bad = 0;
    kt_error err;
    kt_error_clear(&err);
    const char *src = cli_arg(argc, argv, 0, valued);
    const char *db = cli_opt(argc, argv, "db", NULL, &bad);
    const char *data = cli_opt(argc, argv, "data", NULL, &bad);
    if (bad || src == NULL || db == NULL || cli_flag(argc, argv, "help")) {
        fputs("usage: ktpel restore SRC --db PATH [--data DIR]\n"
              "  (hentikan server terlebih dahulu)\n", stderr);
        return 2;
    }
    if (bak_restore(src, db, data, &err) != KT_OK)
        return cli_report(&err);
    printf("dipulihkan dari %s ke %s\n", src, db);
    return 0;
}
