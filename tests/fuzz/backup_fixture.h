/*
 * backup_fixture.h - the backup folder fuzz_manifest verifies, made the same way by the
 * harness and by make_seeds (so the seed MANIFESTs carry the right SHA-256 of every file
 * and the fuzzer starts past the hash checks): a small fixed SQLite database and two data
 * files, backed up with bak_backup.
 */
#ifndef KTPEL_FUZZ_BACKUP_FIXTURE_H
#define KTPEL_FUZZ_BACKUP_FIXTURE_H

#include <sqlite3.h>
#include <sys/stat.h>

#include "backup/backup.h"
#include "fuzz.h"

/* Make <root>/src (database and data) and its backup <root>/backup; 0 on success. */
static int fz_backup_fixture(const char *root, char backup_dir[300])
{
    char src[300], db[400], data[400], p[500];
    sqlite3 *h = NULL;
    kt_error err;
    snprintf(src, sizeof src, "%s/src", root);
    snprintf(db, sizeof db, "%s/ktpel.db", src);
    snprintf(data, sizeof data, "%s/data", src);
    snprintf(backup_dir, 300, "%s/backup", root);
    if (mkdir(src, 0700) != 0 || mkdir(data, 0700) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/bio", data);
    if (mkdir(p, 0700) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/bio/finger_1.png", data);
    fz_write_file(p, "not really a png", 16);
    snprintf(p, sizeof p, "%s/receipt-1.pdf", data);
    fz_write_file(p, "%PDF-1.4 fuzz", 13);
    if (sqlite3_open(db, &h) != SQLITE_OK ||
        sqlite3_exec(h, "PRAGMA journal_mode=DELETE; CREATE TABLE residents (nik TEXT);"
                        "INSERT INTO residents VALUES ('3671104508900001');",
                     NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(h);
        return -1;
    }
    sqlite3_close(h);
    if (bak_backup(db, data, backup_dir, &err) != KT_OK) {
        fprintf(stderr, "backup fixture: %s\n", err.message);
        return -1;
    }
    return 0;
}

#endif
