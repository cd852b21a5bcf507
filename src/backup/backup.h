/*
 * backup.h - the safety net: backup, verification, restore and rotation of a ktpel office's
 * data (the SQLite database and the biometric files under data_dir), onto the external disk
 * the SOP lists among the office's equipment ("harddisk eksternal (backup data)").
 *
 * A backup is one file, <dest>/ktpel-backup-YYYYMMDD-HHMMSS.ktb: a POSIX tar archive (pax,
 * written and read by libarchive) holding
 *     ktpel.db     the database, copied ONLINE with SQLite's backup API inside one read
 *                  transaction (a consistent snapshot; in WAL mode writers go on)
 *     data/...     the files of data_dir (biometrics, already sealed one by one), copied after
 *                  the snapshot was taken (a file a committed row refers to was written first)
 *     MANIFEST     last: "sha256 size path" per entry, then "end <count> <sha256 of the lines>"
 * and the whole archive encrypted and authenticated with libsodium's secretstream
 * (XChaCha20-Poly1305, 64 KiB chunks, the last one tagged FINAL) under a key derived from the
 * office's data key (src/seal, "ktbackup"). The file starts with "KTPEL-BACKUP 2\n" and the
 * data key's id; those 32 bytes are authenticated with every chunk. So the secrecy of a backup
 * never depends on file modes (an exFAT or FAT32 disk has none), and a flipped byte, a chunk
 * removed, reordered or cut off, or another office's key is refused.
 * The file is written as <name>.partial and renamed at the very end: a crash leaves a .partial
 * file, never one that looks complete.
 *
 * Verify accepts only what a restore can write: regular files (no links) under data/ with
 * relative paths of at most BAK_PATH_MAX bytes, no component empty, "." or ".." or longer than
 * NAME_MAX, and no entry that is a file where another entry needs a folder (data/a beside
 * data/a/b).
 * Restore verifies the whole backup first, then extracts into temporary names beside the
 * targets (checking every hash again while writing) and only then renames them into place; the
 * previous database and data folder are kept as *.pre-restore-<time>, never deleted. Stop the
 * server before restoring: a running server keeps the old database open. Only regular files
 * with safe relative paths are ever extracted, always 0600 in 0700 folders.
 *
 * Never: modify the source database or data; write the database unencrypted to the backup
 * disk; delete anything but old complete backups in rotation and its own temporary files.
 */
#ifndef KTPEL_BACKUP_H
#define KTPEL_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "seal/seal.h"

#define BAK_MANIFEST "MANIFEST"
#define BAK_DB_NAME "ktpel.db"
#define BAK_DATA_DIR "data"
#define BAK_PATH_MAX 1024 /* longest entry path a backup holds ("data/bio/12/face": ~20) */
#define BAK_PREFIX "ktpel-backup-"   /* rotation only touches files named like this */
#define BAK_SUFFIX ".ktb"

/* Figures of one backup, for the CLI and the benchmarks. */
typedef struct bak_stats {
    uint64_t db_bytes;
    uint64_t files;        /* files copied from data_dir */
    uint64_t file_bytes;
    uint64_t archive_bytes; /* the encrypted file written */
    unsigned db_steps;     /* sqlite3_backup_step calls */
    unsigned busy_retries; /* steps retried because the database was busy */
} bak_stats;

/* KT_OK when db_path is a database ktpel backs up (a SQLite file); a server location
   (postgres://...) is refused with a clear message: the server's own tools back it up. */
kt_code bak_supports(const char *db_path, kt_error *err);

/* Back up db_path and (if it exists; NULL = none) data_dir into the file dest, which must not
   exist yet (its folder must), sealed under ring's current key. stats may be NULL. */
kt_code bak_backup(const char *db_path, const char *data_dir, const char *dest,
                   const seal_ring *ring, kt_error *err);
kt_code bak_backup_stats(const char *db_path, const char *data_dir, const char *dest,
                         const seal_ring *ring, bak_stats *stats, kt_error *err);

/* Decrypt and check all of src: every chunk authentic and the stream complete, only regular
   files with safe paths, each entry's size and SHA-256 as MANIFEST says and nothing unlisted,
   and the database passing PRAGMA integrity_check (on a private temporary copy in TMPDIR).
   KT_EREFUSED "backup_corrupt" / "backup_incomplete" naming what is wrong, "backup_key" when
   the ring has no key for it (a backup made before a key rotation: give the retired key). */
kt_code bak_verify(const char *src, const seal_ring *ring, kt_error *err);

/* Verify src, then restore it to db_path and data_dir (NULL = "<folder of db_path>/data"). */
kt_code bak_restore(const char *src, const char *db_path, const char *data_dir,
                    const seal_ring *ring, kt_error *err);

/* In dir, keep the newest `keep` (>= 1) complete backups (files named BAK_PREFIX...BAK_SUFFIX,
   newest by name) and delete the older ones. *removed (may be NULL) gets how many were
   deleted. Unfinished (.partial) files and anything else are left alone. */
kt_code bak_rotate(const char *dir, int keep, int *removed, kt_error *err);

/* "<parent>/ktpel-backup-YYYYMMDD-HHMMSS[-seq].ktb" for now_ms in Asia/Jakarta (names sort by
   time); seq <= 1 adds nothing (two backups in one second get -2, -3, ...). */
kt_code bak_new_path(const char *parent, int64_t now_ms, int seq, char *out, size_t cap,
                     kt_error *err);

#endif
