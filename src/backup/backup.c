/*
 * backup.c - online backup, verification, restore and rotation (see backup.h for the layout
 * of a backup and the guarantees).
 *
 * Why one read transaction around the stepped copy: sqlite3_backup_step() restarts from the
 * first page whenever another connection changes the source between two steps, so under a
 * steady stream of writes a plain stepped backup may never finish. Holding a read transaction
 * on the source connection pins one snapshot; in WAL mode writers are not blocked by it (in
 * rollback-journal mode they wait for the copy, which takes well under a second per 100 MB).
 *
 * Never: write into the source database or data_dir; follow symbolic links out of data_dir.
 */
/* nftw() is an X/Open extension. */
#define _XOPEN_SOURCE 700

#include "core/jakarta.h"
#include "backup/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STEP_PAGES 256
#define BUSY_SLEEP_MS 20
#define BUSY_MAX_RETRIES 15000 /* about five minutes of a busy database */
#define MANIFEST_HEADER "ktpel-backup 1\n"
#define MANIFEST_MAX (64u << 20)
#define COPY_BUF (1u << 16)
#define PATH_CAP 4096

typedef struct entry {
    char *path;            /* relative to the backup folder; owned */
    uint64_t size;
    unsigned char hash[crypto_hash_sha256_BYTES];
} entry;

typedef struct entry_list {
    entry *v;              /* owned; free with list_free() */
    size_t n, cap;
} entry_list;

static void list_free(entry_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static kt_code list_add(entry_list *l, const char *path, uint64_t size,
                        const unsigned char *hash, kt_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        entry *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
        l->v = v;
        l->cap = cap;
    }
    char *p = strdup(path);
    if (p == NULL)
        return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
    l->v[l->n].path = p;
    l->v[l->n].size = size;
    memcpy(l->v[l->n].hash, hash, sizeof l->v[l->n].hash);
    l->n++;
    return KT_OK;
}

static const entry *list_find(const entry_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, path) == 0)
            return &l->v[i];
    return NULL;
}

static kt_code join(char *out, size_t cap, const char *a, const char *b, kt_error *err)
{
    int n = snprintf(out, cap, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= cap)
        return kt_fail(err, KT_EINVAL, "path_too_long", a, "path terlalu panjang");
    return KT_OK;
}

static kt_code fsync_path(const char *path, int is_dir, kt_error *err)
{
    int fd = open(path, (is_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return kt_fail(err, KT_EIO, "fsync_failed", path, "tidak dapat membuka: %s",
                       strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0)
        return kt_fail(err, KT_EIO, "fsync_failed", path, "fsync gagal: %s", strerror(e));
    return KT_OK;
}

/* The folder holding path ("." when none), for fsync after a rename. */
static void parent_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

static kt_code fsync_parent(const char *path, kt_error *err)
{
    char dir[PATH_CAP];
    parent_of(path, dir, sizeof dir);
    return fsync_path(dir, 1, err);
}

static void hex(const unsigned char *h, char out[65])
{
    sodium_bin2hex(out, 65, h, crypto_hash_sha256_BYTES);
}

/* Copy src to a new file dst (0600), hashing the bytes; fsync dst. When expect is not NULL
   the copy must match it (restore re-checks what it writes). */
static kt_code copy_file(const char *src, const char *dst, unsigned char hash[32],
                         uint64_t *size, const entry *expect, kt_error *err)
{
    kt_code rc = KT_OK;
    int in = -1, out = -1;
    unsigned char *buf = NULL;
    crypto_hash_sha256_state st;
    uint64_t total = 0;

    crypto_hash_sha256_init(&st);
    buf = malloc(COPY_BUF);
    if (buf == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
        goto out;
    }
    in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) {
        rc = kt_fail(err, KT_EIO, "read_failed", src, "tidak dapat membuka: %s", strerror(errno));
        goto out;
    }
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        rc = kt_fail(err, KT_EIO, "write_failed", dst, "tidak dapat membuat: %s",
                     strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(in, buf, COPY_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = kt_fail(err, KT_EIO, "read_failed", src, "gagal membaca: %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
        total += (uint64_t)n;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = kt_fail(err, KT_EIO, "write_failed", dst, "gagal menulis: %s",
                             strerror(errno));
                goto out;
            }
            off += w;
        }
    }
    if (fsync(out) != 0) {
        rc = kt_fail(err, KT_EIO, "fsync_failed", dst, "fsync gagal: %s", strerror(errno));
        goto out;
    }
    crypto_hash_sha256_final(&st, hash);
    *size = total;
    if (expect != NULL &&
        (total != expect->size || sodium_memcmp(hash, expect->hash, 32) != 0))
        rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", expect->path,
                     "berkas cadangan berubah saat dipulihkan (ukuran atau SHA-256 tidak cocok)");
out:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && rc == KT_OK)
        rc = kt_fail(err, KT_EIO, "write_failed", dst, "gagal menutup: %s", strerror(errno));
    free(buf);
    return rc;
}

static kt_code hash_file(const char *path, unsigned char hash[32], uint64_t *size,
                         kt_error *err)
{
    kt_code rc = KT_OK;
    unsigned char *buf = malloc(COPY_BUF);
    crypto_hash_sha256_state st;
    uint64_t total = 0;
    int fd = -1;
    if (buf == NULL)
        return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
    crypto_hash_sha256_init(&st);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        rc = kt_fail(err, errno == ENOENT ? KT_EREFUSED : KT_EIO,
                     errno == ENOENT ? "backup_incomplete" : "read_failed", path,
                     errno == ENOENT ? "berkas yang tercantum di manifest tidak ada"
                                     : "tidak dapat membuka berkas");
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf, COPY_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = kt_fail(err, KT_EIO, "read_failed", path, "gagal membaca: %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
        total += (uint64_t)n;
    }
    crypto_hash_sha256_final(&st, hash);
    *size = total;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* ---- the database --------------------------------------------------------------------- */

static kt_code db_fail(kt_error *err, sqlite3 *db, const char *id, const char *field,
                       const char *what)
{
    return kt_fail(err, KT_EIO, id, field, "%s: %s", what,
                   db != NULL ? sqlite3_errmsg(db) : "tidak dapat membuka database");
}

static kt_code backup_db(const char *db_path, const char *dst_path, bak_stats *stats,
                         kt_error *err)
{
    kt_code rc = KT_OK;
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *b = NULL;
    int in_txn = 0;

    if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = db_fail(err, src, "db_open", db_path, "database tidak dapat dibuka");
        goto out;
    }
    sqlite3_busy_timeout(src, 5000);
    /* Pin one snapshot for the whole copy (see the comment atop this file). */
    if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL) !=
        SQLITE_OK) {
        rc = kt_fail(err, KT_EIO, "db_open", db_path, "database tidak dapat dibaca (%s); "
                     "apakah ini database SQLite?", sqlite3_errmsg(src));
        goto out;
    }
    in_txn = 1;
    if (sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = db_fail(err, dst, "db_backup", dst_path, "database cadangan tidak dapat dibuat");
        goto out;
    }
    b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == NULL) {
        rc = db_fail(err, dst, "db_backup", dst_path, "backup SQLite gagal dimulai");
        goto out;
    }
    unsigned retries = 0;
    for (;;) {
        int s = sqlite3_backup_step(b, STEP_PAGES);
        if (stats != NULL)
            stats->db_steps++;
        if (s == SQLITE_DONE)
            break;
        if (s == SQLITE_OK)
            continue;
        if ((s == SQLITE_BUSY || s == SQLITE_LOCKED) && retries < BUSY_MAX_RETRIES) {
            retries++;
            sqlite3_sleep(BUSY_SLEEP_MS);
            continue;
        }
        rc = kt_fail(err, s == SQLITE_BUSY || s == SQLITE_LOCKED ? KT_EUNAVAIL : KT_EIO,
                     "db_backup", db_path, "backup database gagal: %s", sqlite3_errstr(s));
        goto out;
    }
    if (stats != NULL)
        stats->busy_retries += retries;
    sqlite3_backup_finish(b);
    b = NULL;
    if (sqlite3_errcode(dst) != SQLITE_OK) {
        rc = db_fail(err, dst, "db_backup", dst_path, "backup database gagal");
        goto out;
    }
    /* The copy is a single file: no -wal beside it on the external disk. */
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE;", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_fail(err, dst, "db_backup", dst_path, "mode jurnal cadangan gagal diubah");
        goto out;
    }
out:
    if (b != NULL)
        sqlite3_backup_finish(b);
    if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && rc == KT_OK)
        rc = kt_fail(err, KT_EIO, "db_backup", dst_path, "database cadangan gagal ditutup");
    if (in_txn)
        sqlite3_exec(src, "COMMIT;", NULL, NULL, NULL);
    if (src != NULL)
        sqlite3_close(src);
    return rc;
}

static kt_code integrity_check(const char *db_path, kt_error *err)
{
    kt_code rc = KT_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", db_path,
                     "database cadangan tidak dapat dibuka");
        goto out;
    }
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", db_path,
                     "database cadangan rusak: %s", sqlite3_errmsg(db));
        goto out;
    }
    int s = sqlite3_step(st);
    const char *res = s == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (res == NULL || strcmp(res, "ok") != 0)
        rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", db_path,
                     "integrity_check database cadangan gagal: %s",
                     res != NULL ? res : sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* ---- files ---------------------------------------------------------------------------- */

/* Copy the tree src_root/rel into dst_root/rel (rel "" = the roots themselves), adding
   "data/rel/name" entries. */
static kt_code copy_tree(const char *src_root, const char *dst_root, const char *rel,
                         entry_list *l, bak_stats *stats, int depth, kt_error *err)
{
    char src[PATH_CAP], dst[PATH_CAP], child[PATH_CAP];
    kt_code rc = KT_OK;
    DIR *d = NULL;
    if (depth > 32)
        return kt_fail(err, KT_EINVAL, "path_too_deep", rel, "folder data terlalu dalam");
    if (rel[0] == '\0') {
        snprintf(src, sizeof src, "%s", src_root);
        snprintf(dst, sizeof dst, "%s", dst_root);
    } else if ((rc = join(src, sizeof src, src_root, rel, err)) != KT_OK ||
               (rc = join(dst, sizeof dst, dst_root, rel, err)) != KT_OK) {
        return rc;
    }
    if (mkdir(dst, 0700) != 0 && errno != EEXIST)
        return kt_fail(err, KT_EIO, "write_failed", dst, "folder tidak dapat dibuat: %s",
                       strerror(errno));
    d = opendir(src);
    if (d == NULL)
        return kt_fail(err, KT_EIO, "read_failed", src, "folder tidak dapat dibaca: %s",
                       strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (strchr(de->d_name, '\n') != NULL) {
            rc = kt_fail(err, KT_EINVAL, "file_name_invalid", src,
                         "nama berkas berisi baris baru; tidak dapat dicadangkan");
            goto out;
        }
        if (rel[0] == '\0')
            snprintf(child, sizeof child, "%s", de->d_name);
        else if ((rc = join(child, sizeof child, rel, de->d_name, err)) != KT_OK)
            goto out;
        char sp[PATH_CAP], dp[PATH_CAP];
        struct stat st;
        if ((rc = join(sp, sizeof sp, src_root, child, err)) != KT_OK ||
            (rc = join(dp, sizeof dp, dst_root, child, err)) != KT_OK)
            goto out;
        if (lstat(sp, &st) != 0) {
            if (errno == ENOENT)
                continue; /* removed while we walked: it was not in the snapshot anyway */
            rc = kt_fail(err, KT_EIO, "read_failed", sp, "stat gagal: %s", strerror(errno));
            goto out;
        }
        if (S_ISDIR(st.st_mode)) {
            if ((rc = copy_tree(src_root, dst_root, child, l, stats, depth + 1, err)) != KT_OK)
                goto out;
        } else if (S_ISREG(st.st_mode)) {
            unsigned char h[32];
            uint64_t size = 0;
            if ((rc = copy_file(sp, dp, h, &size, NULL, err)) != KT_OK)
                goto out;
            char mpath[PATH_CAP];
            if ((rc = join(mpath, sizeof mpath, BAK_DATA_DIR, child, err)) != KT_OK ||
                (rc = list_add(l, mpath, size, h, err)) != KT_OK)
                goto out;
            if (stats != NULL) {
                stats->files++;
                stats->file_bytes += size;
            }
        }
        /* symbolic links, sockets, ...: not data of ours, skipped */
    }
    closedir(d);
    d = NULL;
    rc = fsync_path(dst, 1, err);
out:
    if (d != NULL)
        closedir(d);
    return rc;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 ? -1 : 0;
}

/* Remove a folder tree without following links. */
static int rm_tree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the manifest --------------------------------------------------------------------- */

static kt_code write_manifest(const char *dir, const entry_list *l, kt_error *err)
{
    char path[PATH_CAP], tmp[PATH_CAP], line[PATH_CAP + 128], h[65];
    kt_code rc = KT_OK;
    crypto_hash_sha256_state st;
    unsigned char sum[32];
    FILE *f = NULL;
    if ((rc = join(path, sizeof path, dir, BAK_MANIFEST, err)) != KT_OK ||
        (rc = join(tmp, sizeof tmp, dir, BAK_MANIFEST ".tmp", err)) != KT_OK)
        return rc;
    f = fopen(tmp, "wx");
    if (f == NULL)
        return kt_fail(err, KT_EIO, "write_failed", tmp, "manifest tidak dapat dibuat: %s",
                       strerror(errno));
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)MANIFEST_HEADER,
                              sizeof MANIFEST_HEADER - 1);
    fputs(MANIFEST_HEADER, f);
    for (size_t i = 0; i < l->n; i++) {
        hex(l->v[i].hash, h);
        int n = snprintf(line, sizeof line, "%s %llu %s\n", h,
                         (unsigned long long)l->v[i].size, l->v[i].path);
        if (n < 0 || (size_t)n >= sizeof line) {
            rc = kt_fail(err, KT_EINVAL, "path_too_long", l->v[i].path, "path terlalu panjang");
            goto out;
        }
        crypto_hash_sha256_update(&st, (const unsigned char *)line, (unsigned long long)n);
        fputs(line, f);
    }
    crypto_hash_sha256_final(&st, sum);
    hex(sum, h);
    fprintf(f, "end %zu %s\n", l->n, h);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = kt_fail(err, KT_EIO, "write_failed", tmp, "manifest gagal ditulis: %s",
                     strerror(errno));
        goto out;
    }
out:
    if (fclose(f) != 0 && rc == KT_OK)
        rc = kt_fail(err, KT_EIO, "write_failed", tmp, "manifest gagal ditutup");
    if (rc == KT_OK && rename(tmp, path) != 0)
        rc = kt_fail(err, KT_EIO, "write_failed", path, "manifest gagal diganti nama: %s",
                     strerror(errno));
    if (rc != KT_OK)
        unlink(tmp);
    return rc;
}

static int safe_rel_path(const char *p)
{
    if (p[0] == '\0' || p[0] == '/' || strcmp(p, BAK_MANIFEST) == 0)
        return 0;
    const char *s = p;
    while (*s != '\0') {
        const char *e = strchr(s, '/');
        size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return 0;
        s += n;
        if (*s == '/')
            s++;
    }
    return 1;
}

/* Read and check the manifest of a backup folder into l. */
static kt_code read_manifest(const char *dir, entry_list *l, kt_error *err)
{
    char path[PATH_CAP], h[65];
    kt_code rc = KT_OK;
    char *text = NULL;
    FILE *f = NULL;
    crypto_hash_sha256_state st;
    unsigned char sum[32];
    if ((rc = join(path, sizeof path, dir, BAK_MANIFEST, err)) != KT_OK)
        return rc;
    f = fopen(path, "rb");
    if (f == NULL)
        return kt_fail(err, KT_EREFUSED, "backup_incomplete", path,
                       "MANIFEST tidak ada: folder ini bukan cadangan yang lengkap");
    text = malloc(MANIFEST_MAX + 1);
    if (text == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
        goto out;
    }
    size_t len = fread(text, 1, MANIFEST_MAX + 1, f);
    if (ferror(f) || len > MANIFEST_MAX) {
        rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", path, "MANIFEST tidak terbaca");
        goto out;
    }
    text[len] = '\0';
    if (strlen(text) != len || strncmp(text, MANIFEST_HEADER, sizeof MANIFEST_HEADER - 1) != 0) {
        rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", path,
                     "MANIFEST bukan manifest cadangan ktpel");
        goto out;
    }
    crypto_hash_sha256_init(&st);
    char *p = text + sizeof MANIFEST_HEADER - 1;
    crypto_hash_sha256_update(&st, (const unsigned char *)text, sizeof MANIFEST_HEADER - 1);
    int line_no = 1, ended = 0;
    while (*p != '\0') {
        char *nl = strchr(p, '\n');
        char field[64];
        line_no++;
        snprintf(field, sizeof field, "MANIFEST line %d", line_no);
        if (nl == NULL) {
            rc = kt_fail(err, KT_EREFUSED, "backup_incomplete", field,
                         "MANIFEST terpotong (baris terakhir tidak lengkap)");
            goto out;
        }
        *nl = '\0';
        if (ended) {
            rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", field,
                         "ada baris setelah penutup MANIFEST");
            goto out;
        }
        unsigned long long size = 0;
        size_t count = 0;
        int used = 0;
        if (strncmp(p, "end ", 4) == 0) {
            if (sscanf(p, "end %zu %64s%n", &count, h, &used) != 2 || p[used] != '\0') {
                rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", field,
                             "penutup MANIFEST rusak");
                goto out;
            }
            crypto_hash_sha256_final(&st, sum);
            char want[65];
            hex(sum, want);
            if (count != l->n || strcmp(h, want) != 0) {
                rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", field,
                             "MANIFEST diubah: jumlah baris atau checksum tidak cocok "
                             "(%zu tercatat, %zu ada)", count, l->n);
                goto out;
            }
            ended = 1;
        } else {
            unsigned char bin[32];
            size_t bl = 0;
            if (sscanf(p, "%64s %llu %n", h, &size, &used) != 2 || strlen(h) != 64 ||
                sodium_hex2bin(bin, 32, h, 64, NULL, &bl, NULL) != 0 || bl != 32 ||
                !safe_rel_path(p + used) || list_find(l, p + used) != NULL) {
                rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", field,
                             "baris MANIFEST rusak (harus: sha256 ukuran path)");
                goto out;
            }
            if ((rc = list_add(l, p + used, size, bin, err)) != KT_OK)
                goto out;
            *nl = '\n';
            crypto_hash_sha256_update(&st, (const unsigned char *)p,
                                      (unsigned long long)(nl - p + 1));
        }
        p = nl + 1;
    }
    if (!ended)
        rc = kt_fail(err, KT_EREFUSED, "backup_incomplete", path,
                     "MANIFEST tidak lengkap (penutup 'end' tidak ada): cadangan tidak utuh");
out:
    if (f != NULL)
        fclose(f);
    free(text);
    return rc;
}

/* Every file under dir/rel must be listed (a file without its line means the manifest lost
   a line, or someone added a file). */
static kt_code check_unlisted(const char *root, const char *rel, const entry_list *l,
                              int depth, kt_error *err)
{
    char path[PATH_CAP], child[PATH_CAP];
    kt_code rc = KT_OK;
    if (depth > 33)
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", rel, "folder terlalu dalam");
    if (rel[0] == '\0')
        snprintf(path, sizeof path, "%s", root);
    else if ((rc = join(path, sizeof path, root, rel, err)) != KT_OK)
        return rc;
    DIR *d = opendir(path);
    if (d == NULL)
        return kt_fail(err, KT_EIO, "read_failed", path, "folder tidak dapat dibaca: %s",
                       strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (rel[0] == '\0' && strcmp(de->d_name, BAK_MANIFEST) == 0)
            continue;
        if (rel[0] == '\0')
            snprintf(child, sizeof child, "%s", de->d_name);
        else if ((rc = join(child, sizeof child, rel, de->d_name, err)) != KT_OK)
            break;
        char full[PATH_CAP];
        struct stat st;
        if ((rc = join(full, sizeof full, root, child, err)) != KT_OK)
            break;
        if (lstat(full, &st) != 0) {
            rc = kt_fail(err, KT_EIO, "read_failed", full, "stat gagal: %s", strerror(errno));
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            if ((rc = check_unlisted(root, child, l, depth + 1, err)) != KT_OK)
                break;
        } else if (list_find(l, child) == NULL) {
            rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", child,
                         "berkas tidak tercantum dalam MANIFEST (baris manifest hilang?)");
            break;
        }
    }
    closedir(d);
    return rc;
}

static kt_code verify_into(const char *dest, entry_list *l, kt_error *err)
{
    char path[PATH_CAP], got_h[65], want_h[65];
    kt_code rc;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    struct stat st;
    if (stat(dest, &st) != 0 || !S_ISDIR(st.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "backup_not_found", dest,
                       "folder cadangan tidak ditemukan");
    if ((rc = read_manifest(dest, l, err)) != KT_OK)
        return rc;
    if (list_find(l, BAK_DB_NAME) == NULL)
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", BAK_MANIFEST,
                       "MANIFEST tidak mencantumkan %s", BAK_DB_NAME);
    for (size_t i = 0; i < l->n; i++) {
        unsigned char h[32];
        uint64_t size = 0;
        if ((rc = join(path, sizeof path, dest, l->v[i].path, err)) != KT_OK)
            return rc;
        if ((rc = hash_file(path, h, &size, err)) != KT_OK)
            return rc;
        if (size != l->v[i].size)
            return kt_fail(err, KT_EREFUSED, "backup_corrupt", l->v[i].path,
                           "ukuran berkas %llu bita, MANIFEST mencatat %llu (terpotong?)",
                           (unsigned long long)size, (unsigned long long)l->v[i].size);
        if (sodium_memcmp(h, l->v[i].hash, 32) != 0) {
            hex(h, got_h);
            hex(l->v[i].hash, want_h);
            return kt_fail(err, KT_EREFUSED, "backup_corrupt", l->v[i].path,
                           "SHA-256 tidak cocok (berkas rusak): %.12s..., seharusnya %.12s...",
                           got_h, want_h);
        }
    }
    if ((rc = check_unlisted(dest, "", l, 0, err)) != KT_OK)
        return rc;
    if ((rc = join(path, sizeof path, dest, BAK_DB_NAME, err)) != KT_OK)
        return rc;
    return integrity_check(path, err);
}

kt_code bak_verify(const char *dest, kt_error *err)
{
    entry_list l = {0};
    kt_code rc = verify_into(dest, &l, err);
    list_free(&l);
    return rc;
}

/* ---- backup --------------------------------------------------------------------------- */

kt_code bak_supports(const char *db_path, kt_error *err)
{
    if (db_path != NULL && strstr(db_path, "://") != NULL)
        return kt_fail(err, KT_EREFUSED, "backup_server_database", "db",
                       "Cadangan ktpel menyalin basis data SQLite; basis data PostgreSQL "
                       "dicadangkan dengan pg_dump (lihat docs/operations.md)");
    return KT_OK;
}

kt_code bak_backup_stats(const char *db_path, const char *data_dir, const char *dest_dir,
                         bak_stats *stats, kt_error *err)
{
    char tmp[PATH_CAP], path[PATH_CAP];
    entry_list l = {0};
    kt_code rc = KT_OK;
    int made_tmp = 0;
    struct stat st;
    bak_stats local;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    if ((rc = bak_supports(db_path, err)) != KT_OK)
        return rc;
    if (db_path == NULL || stat(db_path, &st) != 0 || !S_ISREG(st.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "db_not_found", db_path != NULL ? db_path : "db",
                       "database tidak ditemukan");
    if (dest_dir == NULL || dest_dir[0] == '\0')
        return kt_fail(err, KT_EINVAL, "dest_missing", "dest", "folder tujuan wajib diisi");
    if (lstat(dest_dir, &st) == 0)
        return kt_fail(err, KT_ECONFLICT, "dest_exists", dest_dir,
                       "folder tujuan sudah ada; cadangan tidak menimpa");
    char parent[PATH_CAP];
    parent_of(dest_dir, parent, sizeof parent);
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "dest_parent_missing", parent,
                       "folder tujuan tidak ada (apakah disk eksternal sudah terpasang?)");
    int n = snprintf(tmp, sizeof tmp, "%s.partial", dest_dir);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return kt_fail(err, KT_EINVAL, "path_too_long", dest_dir, "path terlalu panjang");
    if (mkdir(tmp, 0700) != 0)
        return kt_fail(err, errno == EEXIST ? KT_ECONFLICT : KT_EIO, "dest_unwritable", tmp,
                       errno == EEXIST ? "folder sementara sudah ada (cadangan lain sedang "
                                         "berjalan atau gagal sebelumnya; hapus bila tidak)"
                                       : "folder sementara tidak dapat dibuat");
    made_tmp = 1;

    /* 1. The database snapshot first: files are copied after it, so every file a row of the
          snapshot refers to exists already. */
    if ((rc = join(path, sizeof path, tmp, BAK_DB_NAME, err)) != KT_OK ||
        (rc = backup_db(db_path, path, stats, err)) != KT_OK)
        goto out;
    unsigned char h[32];
    uint64_t size = 0;
    if ((rc = hash_file(path, h, &size, err)) != KT_OK ||
        (rc = fsync_path(path, 0, err)) != KT_OK || (rc = list_add(&l, BAK_DB_NAME, size, h,
                                                                    err)) != KT_OK)
        goto out;
    stats->db_bytes = size;

    /* 2. The biometric files. */
    if (data_dir != NULL && stat(data_dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            rc = kt_fail(err, KT_EINVAL, "data_dir_invalid", data_dir, "bukan folder");
            goto out;
        }
        char dst_data[PATH_CAP];
        if ((rc = join(dst_data, sizeof dst_data, tmp, BAK_DATA_DIR, err)) != KT_OK)
            goto out;
        /* copy_tree creates dst_data and fsyncs every folder it fills. */
        if ((rc = copy_tree(data_dir, dst_data, "", &l, stats, 0, err)) != KT_OK)
            goto out;
    }

    /* 3. The manifest, last; then the folder gets its real name. */
    if ((rc = write_manifest(tmp, &l, err)) != KT_OK || (rc = fsync_path(tmp, 1, err)) != KT_OK)
        goto out;
    if (rename(tmp, dest_dir) != 0) {
        rc = kt_fail(err, KT_EIO, "write_failed", dest_dir, "folder cadangan gagal diganti "
                     "nama: %s", strerror(errno));
        goto out;
    }
    made_tmp = 0;
    rc = fsync_parent(dest_dir, err);
out:
    if (made_tmp)
        rm_tree(tmp);
    list_free(&l);
    return rc;
}

kt_code bak_backup(const char *db_path, const char *data_dir, const char *dest_dir,
                   kt_error *err)
{
    return bak_backup_stats(db_path, data_dir, dest_dir, NULL, err);
}

/* ---- restore -------------------------------------------------------------------------- */

/* "YYYYMMDD-HHMMSS" in Asia/Jakarta, as every time a person sees. */
static void jakarta_stamp(int64_t now_ms, char *out, size_t cap)
{
    jkt_datetime dt = jkt_from_utc_ms(now_ms);
    snprintf(out, cap, "%04d%02d%02d-%02d%02d%02d", dt.date.year, dt.date.month, dt.date.day,
             dt.hour, dt.minute, dt.second);
}

static void stamp(char *out, size_t cap)
{
    jakarta_stamp((int64_t)time(NULL) * 1000, out, cap);
}

/* Move path aside to path.pre-restore-<stamp> if it exists. */
static kt_code set_aside(const char *path, const char *st, kt_error *err)
{
    char aside[PATH_CAP];
    struct stat s;
    if (lstat(path, &s) != 0)
        return KT_OK;
    int n = snprintf(aside, sizeof aside, "%s.pre-restore-%s", path, st);
    if (n < 0 || (size_t)n >= sizeof aside)
        return kt_fail(err, KT_EINVAL, "path_too_long", path, "path terlalu panjang");
    if (rename(path, aside) != 0)
        return kt_fail(err, KT_EIO, "restore_failed", path, "tidak dapat dipindahkan: %s",
                       strerror(errno));
    return KT_OK;
}

kt_code bak_restore(const char *src, const char *db_path, const char *data_dir, kt_error *err)
{
    char tmp_db[PATH_CAP], tmp_data[PATH_CAP], path[PATH_CAP], def_data[PATH_CAP], st[32];
    entry_list l = {0};
    kt_code rc;
    int made_db = 0, made_data = 0;
    struct stat s;

    if (db_path == NULL || db_path[0] == '\0')
        return kt_fail(err, KT_EINVAL, "db_missing", "db", "path database tujuan wajib diisi");
    if ((rc = bak_supports(db_path, err)) != KT_OK)
        return rc;
    if (data_dir == NULL) {
        char dir[PATH_CAP];
        parent_of(db_path, dir, sizeof dir);
        if ((rc = join(def_data, sizeof def_data, dir, "data", err)) != KT_OK)
            return rc;
        data_dir = def_data;
    }
    char parent[PATH_CAP];
    parent_of(db_path, parent, sizeof parent);
    if (stat(parent, &s) != 0 || !S_ISDIR(s.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "target_parent_missing", parent,
                       "folder tujuan database tidak ada; buat dulu");
    parent_of(data_dir, parent, sizeof parent);
    if (stat(parent, &s) != 0 || !S_ISDIR(s.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "target_parent_missing", parent,
                       "folder induk data tidak ada; buat dulu");
    /* Verify everything before touching anything. */
    if ((rc = verify_into(src, &l, err)) != KT_OK)
        goto out;
    if (snprintf(tmp_db, sizeof tmp_db, "%s.restoring", db_path) >= (int)sizeof tmp_db ||
        snprintf(tmp_data, sizeof tmp_data, "%s.restoring", data_dir) >= (int)sizeof tmp_data) {
        rc = kt_fail(err, KT_EINVAL, "path_too_long", db_path, "path terlalu panjang");
        goto out;
    }
    if (lstat(tmp_db, &s) == 0 || lstat(tmp_data, &s) == 0) {
        rc = kt_fail(err, KT_ECONFLICT, "restore_in_progress", tmp_db,
                     "sisa pemulihan sebelumnya ada (*.restoring); hapus dulu bila tidak "
                     "sedang berjalan");
        goto out;
    }
    if (mkdir(tmp_data, 0700) != 0) {
        rc = kt_fail(err, KT_EIO, "restore_failed", tmp_data, "folder tidak dapat dibuat: %s",
                     strerror(errno));
        goto out;
    }
    made_data = 1;
    for (size_t i = 0; i < l.n; i++) {
        unsigned char h[32];
        uint64_t size = 0;
        const entry *e = &l.v[i];
        if ((rc = join(path, sizeof path, src, e->path, err)) != KT_OK)
            goto out;
        if (strcmp(e->path, BAK_DB_NAME) == 0) {
            made_db = 1;
            if ((rc = copy_file(path, tmp_db, h, &size, e, err)) != KT_OK)
                goto out;
            continue;
        }
        /* data/<rel>: create the parent folders below tmp_data, then copy. */
        const char *rel = e->path + strlen(BAK_DATA_DIR) + 1;
        if (strncmp(e->path, BAK_DATA_DIR "/", strlen(BAK_DATA_DIR) + 1) != 0) {
            rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", e->path,
                         "berkas di luar folder data dalam cadangan");
            goto out;
        }
        char dst[PATH_CAP];
        if ((rc = join(dst, sizeof dst, tmp_data, rel, err)) != KT_OK)
            goto out;
        for (char *p = dst + strlen(tmp_data) + 1; *p != '\0'; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            int mk = mkdir(dst, 0700);
            *p = '/';
            if (mk != 0 && errno != EEXIST) {
                rc = kt_fail(err, KT_EIO, "restore_failed", dst, "folder tidak dapat dibuat");
                goto out;
            }
        }
        if ((rc = copy_file(path, dst, h, &size, e, err)) != KT_OK)
            goto out;
    }
    if ((rc = integrity_check(tmp_db, err)) != KT_OK)
        goto out;

    /* Everything is in place under temporary names: swap. Data first, then the database,
       which is what the service opens. */
    stamp(st, sizeof st);
    if ((rc = set_aside(data_dir, st, err)) != KT_OK)
        goto out;
    if (rename(tmp_data, data_dir) != 0) {
        rc = kt_fail(err, KT_EIO, "restore_failed", data_dir, "gagal mengganti nama: %s",
                     strerror(errno));
        goto out;
    }
    made_data = 0;
    static const char *const suffix[] = {"-wal", "-shm", "-journal"};
    for (int i = 0; i < 3; i++) {
        /* A stale -wal beside the restored file would be replayed into it: move it too. */
        char side[PATH_CAP];
        snprintf(side, sizeof side, "%s%s", db_path, suffix[i]);
        if ((rc = set_aside(side, st, err)) != KT_OK)
            goto out;
    }
    if ((rc = set_aside(db_path, st, err)) != KT_OK)
        goto out;
    if (rename(tmp_db, db_path) != 0) {
        rc = kt_fail(err, KT_EIO, "restore_failed", db_path, "gagal mengganti nama: %s",
                     strerror(errno));
        goto out;
    }
    made_db = 0;
    if ((rc = fsync_parent(db_path, err)) == KT_OK)
        rc = fsync_parent(data_dir, err);
out:
    if (made_db)
        unlink(tmp_db);
    if (made_data)
        rm_tree(tmp_data);
    list_free(&l);
    return rc;
}

/* ---- rotation ------------------------------------------------------------------------- */

static int cmp_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

kt_code bak_rotate(const char *dir, int keep, int *removed, kt_error *err)
{
    kt_code rc = KT_OK;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int gone = 0;
    DIR *d = NULL;

    if (removed != NULL)
        *removed = 0;
    if (keep < 1)
        return kt_fail(err, KT_EINVAL, "keep_invalid", "keep",
                       "jumlah cadangan yang disimpan harus >= 1, bukan %d", keep);
    d = opendir(dir);
    if (d == NULL)
        return kt_fail(err, errno == ENOENT ? KT_ENOTFOUND : KT_EIO, "dir_unreadable", dir,
                       "folder cadangan tidak dapat dibaca: %s", strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char path[PATH_CAP], man[PATH_CAP];
        struct stat s;
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, BAK_PREFIX, strlen(BAK_PREFIX)) != 0 ||
            (len > 8 && strcmp(de->d_name + len - 8, ".partial") == 0))
            continue;
        if (join(path, sizeof path, dir, de->d_name, NULL) != KT_OK ||
            join(man, sizeof man, path, BAK_MANIFEST, NULL) != KT_OK)
            continue;
        if (lstat(path, &s) != 0 || !S_ISDIR(s.st_mode) || stat(man, &s) != 0)
            continue; /* not a complete backup: not ours to judge */
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **v = realloc(names, nc * sizeof *v);
            if (v == NULL) {
                rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
                goto out;
            }
            names = v;
            cap = nc;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) {
            rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
            goto out;
        }
        n++;
    }
    qsort(names, n, sizeof *names, cmp_desc);
    for (size_t i = (size_t)keep; i < n; i++) {
        char path[PATH_CAP];
        if ((rc = join(path, sizeof path, dir, names[i], err)) != KT_OK)
            goto out;
        if (rm_tree(path) != 0) {
            rc = kt_fail(err, KT_EIO, "rotate_failed", path, "cadangan lama gagal dihapus: %s",
                         strerror(errno));
            goto out;
        }
        gone++;
    }
    if (removed != NULL)
        *removed = gone;
out:
    if (d != NULL)
        closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

kt_code bak_new_path(const char *parent, int64_t now_ms, char *out, size_t cap, kt_error *err)
{
    char st[32];
    jakarta_stamp(now_ms, st, sizeof st);
    int n = snprintf(out, cap, "%s/%s%s", parent, BAK_PREFIX, st);
    if (n < 0 || (size_t)n >= cap)
        return kt_fail(err, KT_EINVAL, "path_too_long", parent, "path terlalu panjang");
    return KT_OK;
}
