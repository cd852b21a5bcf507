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
 * The container is a pax tar archive made and read by libarchive through callbacks that
 * encrypt (secretstream push) and decrypt (pull) 64 KiB chunks: no plaintext byte of the
 * archive ever reaches the backup disk, and no decrypted byte reaches libarchive before its
 * chunk authenticated. The database snapshot is made in a private folder beside the source
 * database (the server's disk, which holds the same data already), never on the backup disk.
 *
 * Never: write into the source database or data_dir; follow symbolic links out of data_dir;
 * extract anything but regular files under the restore's own temporary names.
 */
/* nftw() and mkdtemp() are X/Open extensions. */
#define _XOPEN_SOURCE 700

#include "core/jakarta.h"
#include "backup/backup.h"

#include <archive.h>
#include <archive_entry.h>
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
#define MANIFEST_HEADER "ktpel-backup 2\n"
#define MANIFEST_MAX (64u << 20)
#define COPY_BUF (1u << 16)
#define PATH_CAP 4096

/* The encrypted stream: a 32-byte preamble, the secretstream header, then chunks of
   [4-byte big-endian length][ciphertext of at most CHUNK bytes + ABYTES]. */
#define PREAMBLE_MAGIC "KTPEL-BACKUP 2\n"
#define PREAMBLE_LEN 32 /* magic (15) + key id (16 hex) + "\n" */
#define CHUNK (64u * 1024u)
#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define KDF_CTX "ktbackup"

typedef struct entry {
    char *path;            /* relative to the backup folder; owned */
    uint64_t size;
    unsigned char hash[crypto_hash_sha256_BYTES];
} entry;

/* The entries of a backup, in order, with a hash index by path: a backup holds a file per
   biometric slot (hundreds of thousands in an office after a few years), and verify looks
   every entry up in the MANIFEST and among those already read. */
typedef struct entry_list {
    entry *v;              /* owned; free with list_free() */
    size_t n, cap;
    size_t *slot;          /* owned: index + 1 into v by path hash, 0 = empty; nslot a power
                              of two, at most half full */
    size_t nslot;
} entry_list;

static void list_free(entry_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    free(l->slot);
    memset(l, 0, sizeof *l);
}

static size_t path_hash(const char *s) /* FNV-1a */
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 32));
}

static void index_put(size_t *slot, size_t nslot, const char *path, size_t idx1)
{
    size_t i = path_hash(path) & (nslot - 1);
    while (slot[i] != 0)
        i = (i + 1) & (nslot - 1);
    slot[i] = idx1;
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
    if (2 * (l->n + 1) > l->nslot) {
        size_t ns = l->nslot ? 2 * l->nslot : 128;
        size_t *sl = calloc(ns, sizeof *sl);
        if (sl == NULL)
            return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
        for (size_t i = 0; i < l->n; i++)
            index_put(sl, ns, l->v[i].path, i + 1);
        free(l->slot);
        l->slot = sl;
        l->nslot = ns;
    }
    char *p = strdup(path);
    if (p == NULL)
        return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
    l->v[l->n].path = p;
    l->v[l->n].size = size;
    memcpy(l->v[l->n].hash, hash, sizeof l->v[l->n].hash);
    index_put(l->slot, l->nslot, p, l->n + 1);
    l->n++;
    return KT_OK;
}

static const entry *list_find(const entry_list *l, const char *path)
{
    if (l->nslot == 0)
        return NULL;
    for (size_t i = path_hash(path) & (l->nslot - 1); l->slot[i] != 0;
         i = (i + 1) & (l->nslot - 1))
        if (strcmp(l->v[l->slot[i] - 1].path, path) == 0)
            return &l->v[l->slot[i] - 1];
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

/* A relative path a restore can write: components that are not empty, "." or "..", of at most
   NAME_MAX bytes each, BAK_PATH_MAX in all; not the MANIFEST's name. */
static int safe_rel_path(const char *p)
{
    size_t len = strlen(p);
    if (len == 0 || len > BAK_PATH_MAX || p[0] == '/' || strcmp(p, BAK_MANIFEST) == 0)
        return 0;
    for (const char *s = p;;) {
        size_t n = strcspn(s, "/");
        if (n == 0 || n > NAME_MAX || (n == 1 && s[0] == '.') ||
            (n == 2 && s[0] == '.' && s[1] == '.'))
            return 0; /* an empty component is also a trailing or doubled '/' */
        if (s[n] == '\0')
            return 1;
        s += n + 1;
    }
}

/* An entry must not be a file where another entry needs a folder (data/a and data/a/b): a
   restore could not write both, so verify refuses what restore would fail on. dirs collects
   the folders above the entries read so far. */
static kt_code check_place(const entry_list *files, entry_list *dirs, const char *name,
                           kt_error *err)
{
    static const unsigned char none[crypto_hash_sha256_BYTES];
    char pre[BAK_PATH_MAX + 1];
    kt_code rc;
    if (list_find(dirs, name) != NULL)
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", name,
                       "entri cadangan adalah berkas sekaligus folder entri lain");
    for (const char *s = strchr(name, '/'); s != NULL; s = strchr(s + 1, '/')) {
        size_t k = (size_t)(s - name);
        if (k >= sizeof pre)
            break; /* longer than any safe path: refused by safe_rel_path */
        memcpy(pre, name, k);
        pre[k] = '\0';
        if (list_find(files, pre) != NULL)
            return kt_fail(err, KT_EREFUSED, "backup_corrupt", name,
                           "entri cadangan berada di bawah %s, yang berupa berkas", pre);
        if (list_find(dirs, pre) == NULL && (rc = list_add(dirs, pre, 0, none, err)) != KT_OK)
            return rc;
    }
    return KT_OK;
}

/* ---- the encrypted stream -------------------------------------------------------------- */

static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Read exactly len bytes: 1 done, 0 clean end of file before any byte, -1 cut short or error. */
static int read_all(int fd, void *data, size_t len)
{
    unsigned char *p = data;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

typedef struct enc_out {
    int fd;
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char ad[PREAMBLE_LEN];
    unsigned char *plain;  /* CHUNK bytes waiting to be sealed; owned */
    unsigned char *cipher; /* 4 + CHUNK + ABYTES; owned */
    size_t len;
    uint64_t written;
    int failed;
} enc_out;

static int push_chunk(enc_out *o, unsigned char tag)
{
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(&o->st, o->cipher + 4, &clen, o->plain, o->len,
                                               o->ad, PREAMBLE_LEN, tag);
    o->cipher[0] = (unsigned char)(clen >> 24);
    o->cipher[1] = (unsigned char)(clen >> 16);
    o->cipher[2] = (unsigned char)(clen >> 8);
    o->cipher[3] = (unsigned char)clen;
    if (write_all(o->fd, o->cipher, 4 + (size_t)clen) != 0) {
        o->failed = errno ? errno : EIO;
        return -1;
    }
    o->written += 4 + clen;
    o->len = 0;
    return 0;
}

static la_ssize_t enc_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    enc_out *o = ctx;
    const unsigned char *p = buf;
    size_t left = n;
    while (left > 0) {
        size_t k = CHUNK - o->len < left ? CHUNK - o->len : left;
        memcpy(o->plain + o->len, p, k);
        o->len += k;
        p += k;
        left -= k;
        if (o->len == CHUNK && push_chunk(o, 0) != 0) {
            archive_set_error(a, o->failed, "write to the backup file failed");
            return -1;
        }
    }
    return (la_ssize_t)n;
}

static int enc_close(struct archive *a, void *ctx)
{
    enc_out *o = ctx;
    /* The last chunk, possibly empty, carries FINAL: a file cut anywhere is detectable. */
    if (!o->failed && push_chunk(o, crypto_secretstream_xchacha20poly1305_TAG_FINAL) != 0) {
        archive_set_error(a, o->failed, "write to the backup file failed");
        return ARCHIVE_FATAL;
    }
    return o->failed ? ARCHIVE_FATAL : ARCHIVE_OK;
}

typedef struct dec_in {
    int fd;
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char ad[PREAMBLE_LEN];
    unsigned char *plain, *cipher; /* owned */
    int final;                     /* the FINAL chunk was read and authenticated */
    kt_code code;                  /* set when the stream itself is bad */
    char id[24], why[160];
} dec_in;

static la_ssize_t dec_fail(struct archive *a, dec_in *d, const char *id, const char *why)
{
    d->code = KT_EREFUSED;
    snprintf(d->id, sizeof d->id, "%s", id);
    snprintf(d->why, sizeof d->why, "%s", why);
    archive_set_error(a, EINVAL, "%s", why);
    return -1;
}

static la_ssize_t dec_read(struct archive *a, void *ctx, const void **buf)
{
    dec_in *d = ctx;
    unsigned char len4[4], tag = 0;
    unsigned long long plen = 0;
    if (d->final)
        return 0;
    int r = read_all(d->fd, len4, 4);
    if (r == 0)
        return dec_fail(a, d, "backup_incomplete",
                        "cadangan terpotong: penutup aliran terenkripsi tidak ada");
    if (r < 0)
        return dec_fail(a, d, "backup_incomplete", "cadangan terpotong di tengah potongan");
    size_t clen = (size_t)len4[0] << 24 | (size_t)len4[1] << 16 | (size_t)len4[2] << 8 | len4[3];
    if (clen < SS_ABYTES || clen > CHUNK + SS_ABYTES)
        return dec_fail(a, d, "backup_corrupt", "panjang potongan cadangan tidak sah (rusak)");
    if (read_all(d->fd, d->cipher, clen) != 1)
        return dec_fail(a, d, "backup_incomplete", "cadangan terpotong di tengah potongan");
    if (crypto_secretstream_xchacha20poly1305_pull(&d->st, d->plain, &plen, &tag, d->cipher,
                                                   clen, d->ad, PREAMBLE_LEN) != 0)
        return dec_fail(a, d, "backup_corrupt",
                        "isi cadangan rusak atau telah diubah (autentikasi gagal)");
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
        unsigned char extra;
        if (read_all(d->fd, &extra, 1) != 0)
            return dec_fail(a, d, "backup_corrupt", "ada data setelah penutup cadangan");
        d->final = 1;
    } else if (plen == 0) {
        return dec_fail(a, d, "backup_corrupt", "potongan kosong di tengah cadangan");
    }
    *buf = d->plain;
    return (la_ssize_t)plen;
}

static void preamble(unsigned char out[PREAMBLE_LEN], const char *id_hex)
{
    memcpy(out, PREAMBLE_MAGIC, sizeof PREAMBLE_MAGIC - 1);
    memcpy(out + sizeof PREAMBLE_MAGIC - 1, id_hex, 16);
    out[PREAMBLE_LEN - 1] = '\n';
}

/* Open src for reading: preamble, the key it names, the secretstream header. */
static kt_code dec_open(const char *src, const seal_ring *ring, dec_in *d, kt_error *err)
{
    unsigned char hdr[SS_HEADER], key[SEAL_KEY_BYTES];
    char id[17];
    memset(d, 0, sizeof *d);
    d->fd = open(src, O_RDONLY | O_CLOEXEC);
    if (d->fd < 0)
        return kt_fail(err, errno == ENOENT ? KT_ENOTFOUND : KT_EIO, "backup_not_found", src,
                       "berkas cadangan tidak dapat dibuka: %s", strerror(errno));
    if (read_all(d->fd, d->ad, PREAMBLE_LEN) != 1 ||
        memcmp(d->ad, PREAMBLE_MAGIC, sizeof PREAMBLE_MAGIC - 1) != 0 ||
        d->ad[PREAMBLE_LEN - 1] != '\n')
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", src,
                       "bukan berkas cadangan ktpel (format 2, terenkripsi)");
    memcpy(id, d->ad + sizeof PREAMBLE_MAGIC - 1, 16);
    id[16] = '\0';
    if (!seal_ring_subkey_of(ring, id, KDF_CTX, 1, key))
        return kt_fail(err, KT_EREFUSED, "backup_key", src,
                       "cadangan ini dienkripsi dengan kunci data %s yang tidak ada di berkas "
                       "kunci; berikan --key dengan kunci itu (mis. ktpel.key.retired-*)",
                       id);
    int ok = read_all(d->fd, hdr, sizeof hdr) == 1 &&
             crypto_secretstream_xchacha20poly1305_init_pull(&d->st, hdr, key) == 0;
    sodium_memzero(key, sizeof key);
    if (!ok)
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", src, "kepala cadangan rusak");
    d->plain = malloc(CHUNK);
    d->cipher = malloc(CHUNK + SS_ABYTES);
    if (d->plain == NULL || d->cipher == NULL)
        return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
    return KT_OK;
}

static void dec_close(dec_in *d)
{
    if (d->fd >= 0)
        close(d->fd);
    if (d->plain != NULL)
        sodium_memzero(d->plain, CHUNK);
    free(d->plain);
    free(d->cipher);
    d->fd = -1;
    d->plain = d->cipher = NULL;
}

/* ---- the manifest --------------------------------------------------------------------- */

/* The manifest text of l (owned by caller: free()). */
static kt_code manifest_text(const entry_list *l, char **out, size_t *len, kt_error *err)
{
    char line[PATH_CAP + 128], h[65];
    crypto_hash_sha256_state st;
    unsigned char sum[32];
    size_t cap = 4096, n = 0;
    char *t = malloc(cap);
    *out = NULL;
    if (t == NULL)
        return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i <= l->n + 1; i++) {
        int k;
        if (i == 0) {
            k = snprintf(line, sizeof line, "%s", MANIFEST_HEADER);
        } else if (i <= l->n) {
            hex(l->v[i - 1].hash, h);
            k = snprintf(line, sizeof line, "%s %llu %s\n", h,
                         (unsigned long long)l->v[i - 1].size, l->v[i - 1].path);
        } else {
            crypto_hash_sha256_final(&st, sum);
            hex(sum, h);
            k = snprintf(line, sizeof line, "end %zu %s\n", l->n, h);
        }
        if (k < 0 || (size_t)k >= sizeof line) {
            free(t);
            return kt_fail(err, KT_EINVAL, "path_too_long", "MANIFEST", "path terlalu panjang");
        }
        if (i <= l->n)
            crypto_hash_sha256_update(&st, (const unsigned char *)line, (unsigned long long)k);
        if (n + (size_t)k + 1 > cap) {
            cap = 2 * (n + (size_t)k + 1);
            char *g = realloc(t, cap);
            if (g == NULL) {
                free(t);
                return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
            }
            t = g;
        }
        memcpy(t + n, line, (size_t)k);
        n += (size_t)k;
    }
    *out = t;
    *len = n;
    return KT_OK;
}

/* Parse and check manifest text (NUL-terminated, len bytes) into l. */
static kt_code parse_manifest(char *text, size_t len, entry_list *l, kt_error *err)
{
    char h[65];
    crypto_hash_sha256_state st;
    unsigned char sum[32];
    if (strlen(text) != len || strncmp(text, MANIFEST_HEADER, sizeof MANIFEST_HEADER - 1) != 0)
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", BAK_MANIFEST,
                       "MANIFEST bukan manifest cadangan ktpel");
    crypto_hash_sha256_init(&st);
    char *p = text + sizeof MANIFEST_HEADER - 1;
    crypto_hash_sha256_update(&st, (const unsigned char *)text, sizeof MANIFEST_HEADER - 1);
    int line_no = 1, ended = 0;
    while (*p != '\0') {
        char *nl = strchr(p, '\n');
        char field[64];
        line_no++;
        snprintf(field, sizeof field, "MANIFEST line %d", line_no);
        if (nl == NULL)
            return kt_fail(err, KT_EREFUSED, "backup_incomplete", field,
                           "MANIFEST terpotong (baris terakhir tidak lengkap)");
        *nl = '\0';
        if (ended)
            return kt_fail(err, KT_EREFUSED, "backup_corrupt", field,
                           "ada baris setelah penutup MANIFEST");
        unsigned long long size = 0;
        size_t count = 0;
        int used = 0;
        if (strncmp(p, "end ", 4) == 0) {
            if (sscanf(p, "end %zu %64s%n", &count, h, &used) != 2 || p[used] != '\0')
                return kt_fail(err, KT_EREFUSED, "backup_corrupt", field,
                               "penutup MANIFEST rusak");
            crypto_hash_sha256_final(&st, sum);
            char want[65];
            hex(sum, want);
            if (count != l->n || strcmp(h, want) != 0)
                return kt_fail(err, KT_EREFUSED, "backup_corrupt", field,
                               "MANIFEST diubah: jumlah baris atau checksum tidak cocok "
                               "(%zu tercatat, %zu ada)", count, l->n);
            ended = 1;
        } else {
            unsigned char bin[32];
            size_t bl = 0;
            kt_code rc;
            if (sscanf(p, "%64s %llu %n", h, &size, &used) != 2 || strlen(h) != 64 ||
                sodium_hex2bin(bin, 32, h, 64, NULL, &bl, NULL) != 0 || bl != 32 ||
                !safe_rel_path(p + used) || list_find(l, p + used) != NULL)
                return kt_fail(err, KT_EREFUSED, "backup_corrupt", field,
                               "baris MANIFEST rusak (harus: sha256 ukuran path)");
            if ((rc = list_add(l, p + used, size, bin, err)) != KT_OK)
                return rc;
            *nl = '\n';
            crypto_hash_sha256_update(&st, (const unsigned char *)p,
                                      (unsigned long long)(nl - p + 1));
        }
        p = nl + 1;
    }
    if (!ended)
        return kt_fail(err, KT_EREFUSED, "backup_incomplete", BAK_MANIFEST,
                       "MANIFEST tidak lengkap (penutup 'end' tidak ada): cadangan tidak utuh");
    return KT_OK;
}

/* ---- writing a backup ----------------------------------------------------------------- */

static kt_code arch_fail(kt_error *err, struct archive *a, const char *field)
{
    return kt_fail(err, KT_EIO, "write_failed", field, "arsip cadangan gagal ditulis: %s",
                   archive_error_string(a) != NULL ? archive_error_string(a) : "?");
}

/* Add the file at path as entry name (a regular file, 0600), hashing its bytes into l. */
static kt_code add_file(struct archive *a, const char *path, const char *name, entry_list *l,
                        uint64_t *bytes, kt_error *err)
{
    kt_code rc = KT_OK;
    struct archive_entry *e = NULL;
    crypto_hash_sha256_state st;
    unsigned char h[32], *buf = NULL;
    struct stat sb;
    uint64_t total = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return KT_OK; /* removed while we walked: it was not in the snapshot anyway */
        return kt_fail(err, KT_EIO, "read_failed", path, "tidak dapat membuka: %s",
                       strerror(errno));
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return KT_OK;
    }
    if ((buf = malloc(COPY_BUF)) == NULL || (e = archive_entry_new()) == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
        goto out;
    }
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_size(e, (la_int64_t)sb.st_size);
    archive_entry_set_mtime(e, sb.st_mtime, 0);
    if (archive_write_header(a, e) != ARCHIVE_OK) {
        rc = arch_fail(err, a, name);
        goto out;
    }
    crypto_hash_sha256_init(&st);
    /* Exactly the size announced in the header (a file that grows meanwhile is cut there). */
    while (total < (uint64_t)sb.st_size) {
        size_t want = (uint64_t)sb.st_size - total < COPY_BUF ? (size_t)((uint64_t)sb.st_size -
                                                                         total)
                                                              : COPY_BUF;
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = kt_fail(err, KT_EIO, "read_failed", path, "berkas berubah saat dicadangkan");
            goto out;
        }
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
        if (archive_write_data(a, buf, (size_t)n) != n) {
            rc = arch_fail(err, a, name);
            goto out;
        }
        total += (uint64_t)n;
    }
    crypto_hash_sha256_final(&st, h);
    if ((rc = list_add(l, name, total, h, err)) == KT_OK && bytes != NULL)
        *bytes += total;
out:
    close(fd);
    free(buf);
    archive_entry_free(e);
    return rc;
}

/* Add every regular file under root/rel as data/rel/... entries. */
static kt_code add_tree(struct archive *a, const char *root, const char *rel, entry_list *l,
                        bak_stats *stats, int depth, kt_error *err)
{
    char dir[PATH_CAP], child[PATH_CAP], full[PATH_CAP], name[PATH_CAP];
    kt_code rc = KT_OK;
    if (depth > 32)
        return kt_fail(err, KT_EINVAL, "path_too_deep", rel, "folder data terlalu dalam");
    if (rel[0] == '\0')
        snprintf(dir, sizeof dir, "%s", root);
    else if ((rc = join(dir, sizeof dir, root, rel, err)) != KT_OK)
        return rc;
    DIR *d = opendir(dir);
    if (d == NULL)
        return kt_fail(err, KT_EIO, "read_failed", dir, "folder tidak dapat dibaca: %s",
                       strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat sb;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (strchr(de->d_name, '\n') != NULL) {
            rc = kt_fail(err, KT_EINVAL, "file_name_invalid", dir,
                         "nama berkas berisi baris baru; tidak dapat dicadangkan");
            break;
        }
        if (rel[0] == '\0')
            snprintf(child, sizeof child, "%s", de->d_name);
        else if ((rc = join(child, sizeof child, rel, de->d_name, err)) != KT_OK)
            break;
        if ((rc = join(full, sizeof full, root, child, err)) != KT_OK ||
            (rc = join(name, sizeof name, BAK_DATA_DIR, child, err)) != KT_OK)
            break;
        if (lstat(full, &sb) != 0)
            continue; /* removed while we walked */
        if (S_ISDIR(sb.st_mode)) {
            if ((rc = add_tree(a, root, child, l, stats, depth + 1, err)) != KT_OK)
                break;
        } else if (S_ISREG(sb.st_mode)) {
            size_t before = l->n;
            if (!safe_rel_path(name)) { /* verify would refuse the backup */
                rc = kt_fail(err, KT_EINVAL, "file_name_invalid", full,
                             "path berkas lebih dari %d byte; tidak dapat dicadangkan",
                             BAK_PATH_MAX);
                break;
            }
            if ((rc = add_file(a, full, name, l, &stats->file_bytes, err)) != KT_OK)
                break;
            stats->files += l->n - before;
        }
        /* symbolic links, sockets, ...: not data of ours, skipped */
    }
    closedir(d);
    return rc;
}

kt_code bak_supports(const char *db_path, kt_error *err)
{
    if (db_path != NULL && strstr(db_path, "://") != NULL)
        return kt_fail(err, KT_EREFUSED, "backup_server_database", "db",
                       "Cadangan ktpel menyalin basis data SQLite; basis data PostgreSQL "
                       "dicadangkan dengan pg_dump (lihat docs/operations.md)");
    return KT_OK;
}

kt_code bak_backup_stats(const char *db_path, const char *data_dir, const char *dest,
                         const seal_ring *ring, bak_stats *stats, kt_error *err)
{
    char partial[PATH_CAP], snapdir[PATH_CAP], snap[PATH_CAP], parent[PATH_CAP];
    entry_list l = {0};
    kt_code rc = KT_OK;
    struct archive *a = NULL;
    enc_out o;
    struct stat st;
    bak_stats local;
    unsigned char key[SEAL_KEY_BYTES], hdr[SS_HEADER];
    char *man = NULL;
    size_t manlen = 0;
    int made_partial = 0, made_snap = 0;

    memset(&o, 0, sizeof o);
    o.fd = -1;
    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    if ((rc = bak_supports(db_path, err)) != KT_OK)
        return rc;
    if (ring == NULL)
        return kt_fail(err, KT_EINVAL, "key_missing", "key", "kunci data wajib untuk cadangan");
    if (db_path == NULL || stat(db_path, &st) != 0 || !S_ISREG(st.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "db_not_found", db_path != NULL ? db_path : "db",
                       "database tidak ditemukan");
    if (dest == NULL || dest[0] == '\0')
        return kt_fail(err, KT_EINVAL, "dest_missing", "dest", "berkas tujuan wajib diisi");
    if (lstat(dest, &st) == 0)
        return kt_fail(err, KT_ECONFLICT, "dest_exists", dest,
                       "berkas tujuan sudah ada; cadangan tidak menimpa");
    parent_of(dest, parent, sizeof parent);
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "dest_parent_missing", parent,
                       "folder tujuan tidak ada (apakah disk eksternal sudah terpasang?)");
    if (snprintf(partial, sizeof partial, "%s.partial", dest) >= (int)sizeof partial)
        return kt_fail(err, KT_EINVAL, "path_too_long", dest, "path terlalu panjang");

    /* 1. The database snapshot, in a private folder beside the source database. */
    parent_of(db_path, parent, sizeof parent);
    if (snprintf(snapdir, sizeof snapdir, "%s/.ktpel-backup-XXXXXX", parent) >=
            (int)sizeof snapdir ||
        mkdtemp(snapdir) == NULL)
        return kt_fail(err, KT_EIO, "write_failed", parent,
                       "folder sementara cadangan tidak dapat dibuat: %s", strerror(errno));
    made_snap = 1;
    if ((rc = join(snap, sizeof snap, snapdir, BAK_DB_NAME, err)) != KT_OK ||
        (rc = backup_db(db_path, snap, stats, err)) != KT_OK ||
        (rc = integrity_check(snap, err)) != KT_OK)
        goto out;

    /* 2. The encrypted file: preamble, stream header, then the archive through enc_write. */
    o.fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (o.fd < 0) {
        rc = kt_fail(err, errno == EEXIST ? KT_ECONFLICT : KT_EIO, "dest_unwritable", partial,
                     errno == EEXIST ? "berkas sementara sudah ada (cadangan lain sedang "
                                       "berjalan atau gagal sebelumnya; hapus bila tidak)"
                                     : "berkas cadangan tidak dapat dibuat");
        goto out;
    }
    made_partial = 1;
    preamble(o.ad, seal_ring_current_id(ring));
    seal_ring_subkey(ring, KDF_CTX, 1, key);
    crypto_secretstream_xchacha20poly1305_init_push(&o.st, hdr, key);
    sodium_memzero(key, sizeof key);
    o.plain = malloc(CHUNK);
    o.cipher = malloc(4 + CHUNK + SS_ABYTES);
    if (o.plain == NULL || o.cipher == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
        goto out;
    }
    if (write_all(o.fd, o.ad, PREAMBLE_LEN) != 0 || write_all(o.fd, hdr, sizeof hdr) != 0) {
        rc = kt_fail(err, KT_EIO, "write_failed", partial, "gagal menulis: %s",
                     strerror(errno));
        goto out;
    }
    o.written = PREAMBLE_LEN + sizeof hdr;
    if ((a = archive_write_new()) == NULL ||
        archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_open2(a, &o, NULL, enc_write, enc_close, NULL) != ARCHIVE_OK) {
        rc = a != NULL ? arch_fail(err, a, partial)
                       : kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
        goto out;
    }
    if ((rc = add_file(a, snap, BAK_DB_NAME, &l, &stats->db_bytes, err)) != KT_OK)
        goto out;
    if (list_find(&l, BAK_DB_NAME) == NULL) {
        rc = kt_fail(err, KT_EIO, "db_backup", snap, "salinan database hilang");
        goto out;
    }
    /* 3. The biometric files, after the snapshot. */
    if (data_dir != NULL && stat(data_dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            rc = kt_fail(err, KT_EINVAL, "data_dir_invalid", data_dir, "bukan folder");
            goto out;
        }
        if ((rc = add_tree(a, data_dir, "", &l, stats, 0, err)) != KT_OK)
            goto out;
    }
    /* 4. The manifest, last; then the stream's FINAL chunk, fsync, and the real name. */
    if ((rc = manifest_text(&l, &man, &manlen, err)) != KT_OK)
        goto out;
    {
        struct archive_entry *e = archive_entry_new();
        if (e == NULL) {
            rc = kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
            goto out;
        }
        archive_entry_set_pathname(e, BAK_MANIFEST);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0600);
        archive_entry_set_size(e, (la_int64_t)manlen);
        archive_entry_set_mtime(e, time(NULL), 0);
        int bad = archive_write_header(a, e) != ARCHIVE_OK ||
                  archive_write_data(a, man, manlen) != (la_ssize_t)manlen;
        archive_entry_free(e);
        if (bad) {
            rc = arch_fail(err, a, BAK_MANIFEST);
            goto out;
        }
    }
    if (archive_write_close(a) != ARCHIVE_OK) {
        rc = arch_fail(err, a, partial);
        goto out;
    }
    if (fsync(o.fd) != 0 || close(o.fd) != 0) {
        o.fd = -1;
        rc = kt_fail(err, KT_EIO, "fsync_failed", partial, "fsync gagal: %s", strerror(errno));
        goto out;
    }
    o.fd = -1;
    stats->archive_bytes = o.written;
    if (rename(partial, dest) != 0) {
        rc = kt_fail(err, KT_EIO, "write_failed", dest, "berkas cadangan gagal diganti nama: %s",
                     strerror(errno));
        goto out;
    }
    made_partial = 0;
    rc = fsync_parent(dest, err);
out:
    if (a != NULL)
        archive_write_free(a); /* after a failure: closes without a FINAL the file never gets */
    if (o.fd >= 0)
        close(o.fd);
    if (made_partial)
        unlink(partial);
    if (made_snap)
        rm_tree(snapdir);
    if (o.plain != NULL)
        sodium_memzero(o.plain, CHUNK);
    free(o.plain);
    free(o.cipher);
    free(man);
    list_free(&l);
    return rc;
}

kt_code bak_backup(const char *db_path, const char *data_dir, const char *dest,
                   const seal_ring *ring, kt_error *err)
{
    return bak_backup_stats(db_path, data_dir, dest, ring, NULL, err);
}

/* ---- reading a backup ----------------------------------------------------------------- */

/* What one pass over a backup does with its entries. */
typedef struct pass {
    const char *db_out;     /* where ktpel.db is written (0600, must not exist) */
    const char *data_out;   /* restore: the temporary data folder; NULL: hash only */
    const entry_list *want; /* restore: the manifest of the verify pass (each entry checked as
                               it is written); NULL: compare with this pass's MANIFEST */
    entry_list got;         /* entries seen, with size and hash */
    entry_list manifest;    /* parsed from MANIFEST */
    entry_list dirs;        /* the folders above the entries seen (check_place) */
} pass;

/* mkdir -p (0700) of the folders above path, below root. */
static kt_code make_parents(const char *root, char *path, kt_error *err)
{
    for (char *p = path + strlen(root) + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int mk = mkdir(path, 0700);
        *p = '/';
        if (mk != 0 && errno != EEXIST)
            return kt_fail(err, KT_EIO, "restore_failed", path, "folder tidak dapat dibuat: %s",
                           strerror(errno));
    }
    return KT_OK;
}

/* Stream the current entry's data into out_fd (may be -1) and/or mem (may be NULL, *mem
   owned by caller), hashing it. */
static kt_code read_entry(struct archive *a, dec_in *d, const char *name, int out_fd,
                          char **mem, unsigned char hash[32], uint64_t *size, kt_error *err)
{
    crypto_hash_sha256_state st;
    const void *buf;
    size_t len, cap = 0;
    la_int64_t off;
    uint64_t total = 0;
    crypto_hash_sha256_init(&st);
    for (;;) {
        int r = archive_read_data_block(a, &buf, &len, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            if (d->code != KT_OK)
                return kt_fail(err, d->code, d->id, name, "%s", d->why);
            return kt_fail(err, KT_EREFUSED, "backup_corrupt", name, "arsip cadangan rusak: %s",
                           archive_error_string(a) != NULL ? archive_error_string(a) : "?");
        }
        if ((uint64_t)off != total)
            return kt_fail(err, KT_EREFUSED, "backup_corrupt", name,
                           "arsip cadangan rusak (berkas jarang tidak didukung)");
        crypto_hash_sha256_update(&st, buf, (unsigned long long)len);
        if (out_fd >= 0 && write_all(out_fd, buf, len) != 0)
            return kt_fail(err, KT_EIO, "restore_failed", name, "gagal menulis: %s",
                           strerror(errno));
        if (mem != NULL) {
            if (total + len > MANIFEST_MAX)
                return kt_fail(err, KT_EREFUSED, "backup_corrupt", name, "MANIFEST terlalu besar");
            if (total + len + 1 > cap) {
                cap = 2 * (size_t)(total + len + 1);
                char *g = realloc(*mem, cap);
                if (g == NULL)
                    return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
                *mem = g;
            }
            memcpy(*mem + total, buf, len);
            (*mem)[total + len] = '\0';
        }
        total += len;
    }
    if (mem != NULL && *mem == NULL && (*mem = calloc(1, 1)) == NULL)
        return kt_fail(err, KT_ENOMEM, "out_of_memory", "", "memori tidak cukup");
    crypto_hash_sha256_final(&st, hash);
    *size = total;
    return KT_OK;
}

static kt_code check_against(const entry_list *want, const char *name, uint64_t size,
                             const unsigned char *hash, kt_error *err)
{
    const entry *e = list_find(want, name);
    char got_h[65], want_h[65];
    if (e == NULL)
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", name,
                       "berkas tidak tercantum dalam MANIFEST");
    if (e->size != size)
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", name,
                       "ukuran berkas %llu bita, MANIFEST mencatat %llu",
                       (unsigned long long)size, (unsigned long long)e->size);
    if (sodium_memcmp(e->hash, hash, 32) != 0) {
        hex(hash, got_h);
        hex(e->hash, want_h);
        return kt_fail(err, KT_EREFUSED, "backup_corrupt", name,
                       "SHA-256 tidak cocok: %.12s..., seharusnya %.12s...", got_h, want_h);
    }
    return KT_OK;
}

/* One pass over the backup src: decrypt, walk the archive, write / hash each entry. */
static kt_code read_pass(const char *src, const seal_ring *ring, pass *p, kt_error *err)
{
    dec_in d;
    struct archive *a = NULL;
    struct archive_entry *e;
    kt_code rc;
    int saw_manifest = 0, out_fd = -1;
    char *man = NULL;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    if ((rc = dec_open(src, ring, &d, err)) != KT_OK)
        goto out;
    if ((a = archive_read_new()) == NULL || archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_open(a, &d, NULL, dec_read, NULL) != ARCHIVE_OK) {
        rc = d.code != KT_OK ? kt_fail(err, d.code, d.id, src, "%s", d.why)
                             : kt_fail(err, KT_EREFUSED, "backup_corrupt", src,
                                       "arsip cadangan tidak dapat dibaca");
        goto out;
    }
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            rc = d.code != KT_OK ? kt_fail(err, d.code, d.id, src, "%s", d.why)
                                 : kt_fail(err, KT_EREFUSED, "backup_corrupt", src,
                                           "arsip cadangan rusak: %s",
                                           archive_error_string(a) != NULL
                                               ? archive_error_string(a)
                                               : "?");
            goto out;
        }
        const char *name = archive_entry_pathname(e);
        unsigned char h[32];
        uint64_t size = 0;
        if (name == NULL || saw_manifest) {
            rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", src,
                         "ada entri setelah MANIFEST dalam cadangan");
            goto out;
        }
        /* Only regular files with safe relative paths: no links, devices or "../". */
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != NULL ||
            (strcmp(name, BAK_MANIFEST) != 0 && strcmp(name, BAK_DB_NAME) != 0 &&
             (strncmp(name, BAK_DATA_DIR "/", sizeof BAK_DATA_DIR) != 0 ||
              !safe_rel_path(name))) ||
            list_find(&p->got, name) != NULL) {
            rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", name,
                         "entri cadangan tidak sah (bukan berkas biasa, path tidak aman, "
                         "atau ganda)");
            goto out;
        }
        if ((rc = check_place(&p->got, &p->dirs, name, err)) != KT_OK)
            goto out;
        if (strcmp(name, BAK_MANIFEST) == 0) {
            if ((rc = read_entry(a, &d, name, -1, &man, h, &size, err)) != KT_OK ||
                (rc = parse_manifest(man, (size_t)size, &p->manifest, err)) != KT_OK)
                goto out;
            saw_manifest = 1;
            continue;
        }
        char path[PATH_CAP];
        const char *target = NULL;
        if (strcmp(name, BAK_DB_NAME) == 0) {
            target = p->db_out;
        } else if (p->data_out != NULL) {
            if ((rc = join(path, sizeof path, p->data_out,
                           name + sizeof BAK_DATA_DIR, err)) != KT_OK ||
                (rc = make_parents(p->data_out, path, err)) != KT_OK)
                goto out;
            target = path;
        }
        if (target != NULL) {
            out_fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
            if (out_fd < 0) {
                rc = kt_fail(err, KT_EIO, "restore_failed", target, "tidak dapat membuat: %s",
                             strerror(errno));
                goto out;
            }
        }
        if ((rc = read_entry(a, &d, name, out_fd, NULL, h, &size, err)) != KT_OK)
            goto out;
        if (out_fd >= 0) {
            int bad = fsync(out_fd) != 0;
            bad |= close(out_fd) != 0;
            out_fd = -1;
            if (bad) {
                rc = kt_fail(err, KT_EIO, "restore_failed", target, "fsync gagal: %s",
                             strerror(errno));
                goto out;
            }
        }
        if (p->want != NULL && (rc = check_against(p->want, name, size, h, err)) != KT_OK)
            goto out;
        if ((rc = list_add(&p->got, name, size, h, err)) != KT_OK)
            goto out;
    }
    /* The archive ended: the stream must have ended with its FINAL chunk, nothing after. */
    while (!d.final && d.code == KT_OK) {
        const void *buf;
        if (dec_read(a, &d, &buf) < 0)
            break;
    }
    if (d.code != KT_OK) {
        rc = kt_fail(err, d.code, d.id, src, "%s", d.why);
        goto out;
    }
    if (!saw_manifest) {
        rc = kt_fail(err, KT_EREFUSED, "backup_incomplete", BAK_MANIFEST,
                     "MANIFEST tidak ada dalam cadangan: cadangan tidak utuh");
        goto out;
    }
    if (list_find(&p->manifest, BAK_DB_NAME) == NULL) {
        rc = kt_fail(err, KT_EREFUSED, "backup_corrupt", BAK_MANIFEST,
                     "MANIFEST tidak mencantumkan %s", BAK_DB_NAME);
        goto out;
    }
    /* Every listed entry present and equal; nothing unlisted (count). */
    for (size_t i = 0; i < p->got.n; i++)
        if ((rc = check_against(&p->manifest, p->got.v[i].path, p->got.v[i].size,
                                p->got.v[i].hash, err)) != KT_OK)
            goto out;
    if (p->got.n != p->manifest.n) {
        for (size_t i = 0; i < p->manifest.n; i++)
            if (list_find(&p->got, p->manifest.v[i].path) == NULL) {
                rc = kt_fail(err, KT_EREFUSED, "backup_incomplete", p->manifest.v[i].path,
                             "berkas yang tercantum di MANIFEST tidak ada dalam cadangan");
                goto out;
            }
    }
    if (p->db_out != NULL)
        rc = integrity_check(p->db_out, err);
out:
    if (out_fd >= 0)
        close(out_fd);
    if (a != NULL)
        archive_read_free(a);
    dec_close(&d);
    free(man);
    return rc;
}

static void pass_free(pass *p)
{
    list_free(&p->got);
    list_free(&p->manifest);
    list_free(&p->dirs);
}

/* Verify into a private temporary folder (TMPDIR or /tmp) holding the database copy. */
static kt_code verify_pass(const char *src, const seal_ring *ring, pass *p, kt_error *err)
{
    char dir[PATH_CAP], db[PATH_CAP];
    const char *tmp = getenv("TMPDIR");
    kt_code rc;
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if (snprintf(dir, sizeof dir, "%s/ktpel-verify-XXXXXX", tmp) >= (int)sizeof dir ||
        mkdtemp(dir) == NULL)
        return kt_fail(err, KT_EIO, "write_failed", tmp, "folder sementara tidak dapat "
                       "dibuat: %s", strerror(errno));
    if ((rc = join(db, sizeof db, dir, BAK_DB_NAME, err)) == KT_OK) {
        p->db_out = db;
        rc = read_pass(src, ring, p, err);
        p->db_out = NULL;
    }
    rm_tree(dir);
    return rc;
}

kt_code bak_verify(const char *src, const seal_ring *ring, kt_error *err)
{
    pass p;
    memset(&p, 0, sizeof p);
    kt_code rc = verify_pass(src, ring, &p, err);
    pass_free(&p);
    return rc;
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

/* 1 when "<path><suffix>.pre-restore-<st>" exists (or does not fit: then it cannot be used). */
static int aside_taken(const char *path, const char *suffix, const char *st)
{
    char p[PATH_CAP];
    struct stat s;
    int n = snprintf(p, sizeof p, "%s%s.pre-restore-%s", path, suffix, st);
    return n < 0 || (size_t)n >= sizeof p || lstat(p, &s) == 0;
}

/* The stamp of this restore's *.pre-restore-<stamp> names (st, 32 bytes): the time, and -2,
   -3, ... when a name with it is already there (a second restore in the same second would
   otherwise rename the database over the one the first restore kept aside: rename() replaces
   a file). */
static kt_code aside_stamp(const char *db_path, const char *data_dir,
                           const char *const *suffix, int nsuffix, char st[32], kt_error *err)
{
    char base[20];
    stamp(base, sizeof base);
    for (int seq = 1; seq < 1000; seq++) {
        if (seq == 1)
            snprintf(st, 32, "%s", base);
        else
            snprintf(st, 32, "%s-%d", base, seq);
        int taken = aside_taken(data_dir, "", st) || aside_taken(db_path, "", st);
        for (int i = 0; i < nsuffix && !taken; i++)
            taken = aside_taken(db_path, suffix[i], st);
        if (!taken)
            return KT_OK;
    }
    return kt_fail(err, KT_ECONFLICT, "restore_failed", db_path,
                   "terlalu banyak salinan *.pre-restore-%s; pindahkan yang lama dulu", base);
}

kt_code bak_restore(const char *src, const char *db_path, const char *data_dir,
                    const seal_ring *ring, kt_error *err)
{
    char tmp_db[PATH_CAP], tmp_data[PATH_CAP], def_data[PATH_CAP], st[32], parent[PATH_CAP];
    pass v, p;
    kt_code rc;
    int made_db = 0, made_data = 0;
    struct stat s;

    memset(&v, 0, sizeof v);
    memset(&p, 0, sizeof p);
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
    parent_of(db_path, parent, sizeof parent);
    if (stat(parent, &s) != 0 || !S_ISDIR(s.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "target_parent_missing", parent,
                       "folder tujuan database tidak ada; buat dulu");
    parent_of(data_dir, parent, sizeof parent);
    if (stat(parent, &s) != 0 || !S_ISDIR(s.st_mode))
        return kt_fail(err, KT_ENOTFOUND, "target_parent_missing", parent,
                       "folder induk data tidak ada; buat dulu");
    /* Verify everything before touching anything. */
    if ((rc = verify_pass(src, ring, &v, err)) != KT_OK)
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
    made_db = 1;
    /* Extract under the temporary names, every entry checked against the verified
       manifest as it is written (the file could change between the two passes). */
    p.db_out = tmp_db;
    p.data_out = tmp_data;
    p.want = &v.manifest;
    if ((rc = read_pass(src, ring, &p, err)) != KT_OK)
        goto out;
    if ((rc = fsync_path(tmp_data, 1, err)) != KT_OK)
        goto out;

    /* Everything is in place under temporary names: swap. Data first, then the database,
       which is what the service opens. */
    static const char *const suffix[] = {"-wal", "-shm", "-journal"};
    if ((rc = aside_stamp(db_path, data_dir, suffix, 3, st, err)) != KT_OK)
        goto out;
    if ((rc = set_aside(data_dir, st, err)) != KT_OK)
        goto out;
    if (rename(tmp_data, data_dir) != 0) {
        rc = kt_fail(err, KT_EIO, "restore_failed", data_dir, "gagal mengganti nama: %s",
                     strerror(errno));
        goto out;
    }
    made_data = 0;
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
    pass_free(&v);
    pass_free(&p);
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
        char path[PATH_CAP];
        struct stat s;
        size_t len = strlen(de->d_name), sl = strlen(BAK_SUFFIX);
        if (strncmp(de->d_name, BAK_PREFIX, strlen(BAK_PREFIX)) != 0 || len <= sl ||
            strcmp(de->d_name + len - sl, BAK_SUFFIX) != 0)
            continue; /* .partial files and anything else: not ours to judge */
        if (join(path, sizeof path, dir, de->d_name, NULL) != KT_OK)
            continue;
        if (lstat(path, &s) != 0 || !S_ISREG(s.st_mode))
            continue;
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
        if (unlink(path) != 0) {
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

kt_code bak_new_path(const char *parent, int64_t now_ms, int seq, char *out, size_t cap,
                     kt_error *err)
{
    char st[32], sq[16] = "";
    jakarta_stamp(now_ms, st, sizeof st);
    if (seq > 1)
        snprintf(sq, sizeof sq, "-%d", seq);
    int n = snprintf(out, cap, "%s/%s%s%s%s", parent, BAK_PREFIX, st, sq, BAK_SUFFIX);
    if (n < 0 || (size_t)n >= cap)
        return kt_fail(err, KT_EINVAL, "path_too_long", parent, "path terlalu panjang");
    return KT_OK;
}
