/*
 * backup.h - the safety net: backup, verification, restore and rotation of a ktpel office's
 * data (the SQLite database and the biometric files under data_dir), onto the external disk
 * the SOP lists among the office's equipment ("harddisk eksternal (backup data)").
 *
 * A backup is a folder:
 *     <dest>/ktpel.db       the database, copied ONLINE with SQLite's backup API inside one
 *                           read transaction (a consistent snapshot; in WAL mode writers go on)
 *     <dest>/data/...       the files of data_dir, copied after the snapshot was taken (a file
 *                           a committed row refers to was written before its commit)
 *     <dest>/MANIFEST       written last and fsynced: one line "sha256 size path" per file,
 *                           then "end <count> <sha256 of the lines above>". A folder without a
 *                           complete MANIFEST is not a backup.
 * The folder is built as <dest>.partial and renamed to <dest> at the very end, so a crash
 * leaves a .partial folder and never a folder that looks complete.
 *
 * Restore verifies first, copies into temporary names beside the targets (checking every hash
 * again while copying), and only then renames them into place; the previous database and
 * data folder are kept as *.pre-restore-<time>, never deleted. Stop the server before
 * restoring: a running server keeps the old database open.
 *
 * Never: modify the source database or data; delete anything but old complete backups in
 * rotation and its own temporary files.
 */
#ifndef KTPEL_BACKUP_H
#define KTPEL_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define BAK_MANIFEST "MANIFEST"
#define BAK_DB_NAME "ktpel.db"
#define BAK_DATA_DIR "data"
#define BAK_PREFIX "ktpel-backup-"   /* rotation only touches folders named like this */

/* Figures of one backup, for the CLI and the benchmarks. */
typedef struct bak_stats {
    uint64_t db_bytes;
    uint64_t files;        /* files copied from data_dir */
    uint64_t file_bytes;
    unsigned db_steps;     /* sqlite3_backup_step calls */
    unsigned busy_retries; /* steps retried because the database was busy */
} bak_stats;

/* KT_OK when db_path is a database ktpel backs up (a SQLite file); a server location
   (postgres://...) is refused with a clear message: the server's own tools back it up. */
kt_code bak_supports(const char *db_path, kt_error *err);

/* Back up db_path and (if it exists; NULL = none) data_dir into dest_dir, which must not
   exist yet (its parent must). stats may be NULL. */
kt_code bak_backup(const char *db_path, const char *data_dir, const char *dest_dir,
                   kt_error *err);
kt_code bak_backup_stats(const char *db_path, const char *data_dir, const char *dest_dir,
                         bak_stats *stats, kt_error *err);

/* Every file of the manifest present with its size and SHA-256, no file unlisted, the manifest
   complete, and the database passing PRAGMA integrity_check. KT_EREFUSED "backup_corrupt" (or
   "backup_incomplete") naming the file otherwise. */
kt_code bak_verify(const char *dest, kt_error *err);

/* Verify src, then restore it to db_path and data_dir (NULL = "<folder of db_path>/data"). */
kt_code bak_restore(const char *src, const char *db_path, const char *data_dir, kt_error *err);

/* In dir, keep the newest `keep` (>= 1) complete backups (folders named BAK_PREFIX... with a
   MANIFEST, newest by name) and delete the older ones. *removed (may be NULL) gets how many
   were deleted. Unfinished (.partial) folders and anything else are left alone. */
kt_code bak_rotate(const char *dir, int keep, int *removed, kt_error *err);

/* "<parent>/ktpel-backup-YYYYMMDD-HHMMSS" for now_ms in Asia/Jakarta (names sort by time). */
kt_code bak_new_path(const char *parent, int64_t now_ms, char *out, size_t cap, kt_error *err);

#endif
