/*
 * atrest.c - biometrics at rest: the data key at open, sealed biometric files and templates,
 * the one-time sealing of an older database's plain data, and the key rotation.
 *
 * Design (docs/security.md, "Data at rest and uploads")
 * - The key file (src/seal) is loaded at svc_open, created there when the database holds no
 *   sealed data yet (a new office, or an older database about to be sealed), and checked
 *   against the table seal_keys: a key file that cannot open what is stored refuses the open
 *   before anything is read or written.
 * - Each svc holds a shared flock on the key file; a rotation upgrades it to exclusive, so it
 *   runs only while no other process (a running server) uses the key, and a server cannot
 *   start during one.
 * - Biometric files: data_dir/<rel>, rel = apps/<id>/<slot>, sealed with context
 *   "bio:<id>/<slot>" (a file copied into another application's folder does not open).
 *   Templates (afis_probes, afis_templates): hex of a blob sealed with "tpl:<id>/<slot>".
 * - Rotation (svc_key_rotate): seal_rotation_begin (ktpel.key.new), every file and template
 *   row not yet under the new key is re-sealed (files by temp + rename, rows in batches of
 *   one transaction each), the old key's row retired, then seal_rotation_finish. A kill at
 *   any point leaves every blob under a key of the ring (the ring loads ktpel.key and
 *   ktpel.key.new), and the next rotation resumes.
 *
 * Never: write plaintext biometrics to disk; read a file through a path the row does not name
 * relative to the data folder; run a rotation while another process holds the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bio/image.h"
#include "seal/seal.h"
#include "service/svc_internal.h"
#include "service/upload.h"

#define ROTATE_BATCH 500

/* "4b545331" = hex of the sealed blob's magic "KTS1": sealed template rows start with it. */
#define SEALED_HEX_MAGIC "4b545331"

/* a + b as a new string (owned by caller: free()); NULL when out of memory. */
static char *concat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *d = malloc(na + nb + 1);
    if (d != NULL) {
        memcpy(d, a, na);
        memcpy(d + na, b, nb + 1);
    }
    return d;
}

/* The key file's default place (seal_default_key_path). NULL when out of memory. */
static char *default_key_path(const char *data_dir)
{
    char buf[4200];
    if (seal_default_key_path(data_dir, buf, sizeof buf) != 0)
        return NULL;
    return concat(buf, "");
}

/* Key ids the database says are in use (retired_at IS NULL) into a JSON array. */
static kt_code active_ids(svc *s, json_t **ids, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    *ids = json_array();
    if (*ids == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT key_id FROM seal_keys WHERE retired_at IS NULL", &st,
                            err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(*ids, json_string(store_col_text(st, 0)));
    store_reset(st);
out:
    svc_conn_put(s, db);
    return rc;
}

/* Run one statement with up to two text parameters and one integer, in its own write
   transaction. */
static kt_code exec_write(svc *s, const char *sql, const char *a, const char *b, int64_t n,
                          kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    kt_code rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
        goto out;
    int i = 1;
    if (a != NULL)
        store_bind_text(st, i++, a, -1);
    if (b != NULL)
        store_bind_text(st, i++, b, -1);
    if (n >= 0)
        store_bind_int(st, i, n);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    rc = svc_commit(s, db, err);
out:
    svc_conn_put(s, db);
    return rc;
}

static kt_code remember_key(svc *s, const char *id, kt_error *err)
{
    return exec_write(s,
                      "INSERT INTO seal_keys (key_id, created_at) VALUES (?, ?)"
                      " ON CONFLICT (key_id) DO NOTHING",
                      id, NULL, svc_now(s), err);
}

static kt_code lock_key(svc *s, int how, kt_error *err)
{
    if (flock(s->key_fd, how | LOCK_NB) == 0)
        return KT_OK;
    if (errno == EWOULDBLOCK)
        return how == LOCK_EX
                   ? kt_fail(err, KT_ECONFLICT, "key_in_use", "key",
                             "Kunci data %s sedang dipakai proses lain (server masih berjalan?); "
                             "hentikan server lalu ulangi",
                             s->key_path)
                   : kt_fail(err, KT_EUNAVAIL, "key_rotating", "key",
                             "Rotasi kunci data sedang berjalan; tunggu sampai selesai");
    return kt_fail(err, KT_EIO, "io", "key", "Kunci %s tidak dapat dikunci: %s", s->key_path,
                   strerror(errno));
}

static kt_code open_key_fd(svc *s, kt_error *err)
{
    char next[4200];
    if (s->key_fd >= 0)
        close(s->key_fd);
    s->key_fd = open(s->key_path, O_RDONLY | O_CLOEXEC);
    if (s->key_fd < 0) {
        /* Only the key of an unfinished rotation is left: lock that one. */
        snprintf(next, sizeof next, "%s.new", s->key_path);
        s->key_fd = open(next, O_RDONLY | O_CLOEXEC);
    }
    if (s->key_fd < 0)
        return kt_fail(err, KT_EIO, "io", "key", "Kunci %s tidak terbaca: %s", s->key_path,
                       strerror(errno));
    return KT_OK;
}

static kt_code seal_plain_left(svc *s, kt_error *err);

kt_code svc_atrest_open(svc *s, const svc_config *cfg, kt_error *err)
{
    kt_code rc;
    json_t *ids = NULL;
    s->key_fd = -1;
    s->key_path = cfg->key_path != NULL && cfg->key_path[0] != '\0'
                      ? concat(cfg->key_path, "")
                      : default_key_path(s->data_dir);
    if (s->key_path == NULL)
        return svc_nomem(err);
    if ((rc = active_ids(s, &ids, err)) != KT_OK)
        goto out;
    rc = seal_ring_load(s->key_path, &s->ring, err);
    if (rc == KT_ENOTFOUND && json_array_size(ids) == 0) {
        /* Nothing sealed yet: this office's first key. */
        char dir[4096];
        const char *slash = strrchr(s->key_path, '/');
        if (slash != NULL && slash != s->key_path) {
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - s->key_path), s->key_path);
            seal_mkdir_private(dir);
        }
        if ((rc = seal_key_create(s->key_path, err)) != KT_OK && rc != KT_ECONFLICT)
            goto out;
        rc = seal_ring_load(s->key_path, &s->ring, err);
    } else if (rc == KT_ENOTFOUND) {
        rc = kt_fail(err, KT_EREFUSED, "key_missing", "key",
                     "Berkas kunci data %s tidak ada, padahal basis data berisi data tersegel "
                     "dengan kunci %s. Pasang salinan kunci (docs/operations.md, \"Kunci data\") "
                     "atau berikan --key PATH",
                     s->key_path, json_string_value(json_array_get(ids, 0)));
    }
    if (rc != KT_OK)
        goto out;
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        if (!seal_ring_has(s->ring, id)) {
            rc = kt_fail(err, KT_EREFUSED, "key_mismatch", "key",
                         "Berkas kunci data %s tidak memuat kunci %s yang menyegel data basis "
                         "data ini; pasang berkas kunci yang benar (mungkin "
                         "%s.retired-*) atau berikan --key PATH",
                         s->key_path, id, s->key_path);
            goto out;
        }
    }
    if ((rc = open_key_fd(s, err)) != KT_OK || (rc = lock_key(s, LOCK_SH, err)) != KT_OK)
        goto out;
    if ((rc = remember_key(s, seal_ring_current_id(s->ring), err)) != KT_OK)
        goto out;
    /* The data folder and its apps folder private, also when an older version made them
       0750 (the folders of each application follow at their next write or sealing). */
    {
        char apps[4200];
        struct stat sb;
        snprintf(apps, sizeof apps, "%s/apps", s->data_dir);
        if (stat(s->data_dir, &sb) == 0 && (sb.st_mode & 077) != 0)
            chmod(s->data_dir, 0700);
        if (stat(apps, &sb) == 0 && (sb.st_mode & 077) != 0)
            chmod(apps, 0700);
    }
    rc = seal_plain_left(s, err);
out:
    json_decref(ids);
    return rc;
}

void svc_atrest_close(svc *s)
{
    seal_ring_free(s->ring);
    s->ring = NULL;
    if (s->key_fd >= 0)
        close(s->key_fd); /* releases the flock */
    s->key_fd = -1;
    free(s->key_path);
    s->key_path = NULL;
}

/* ---- biometric files ----------------------------------------------------------------- */

static void bio_context(char ctx[64], int64_t app_id, const char *slot)
{
    snprintf(ctx, 64, "bio:%lld/%s", (long long)app_id, slot);
}

void svc_bio_rel_path(char rel[64], int64_t app_id, const char *slot)
{
    snprintf(rel, 64, "apps/%lld/%s", (long long)app_id, slot);
}

/* data_dir/rel, refusing anything but the shape svc_bio_rel_path makes. */
static kt_code abs_path(const svc *s, const char *rel, char *buf, size_t cap, kt_error *err)
{
    if (rel[0] == '/' || strstr(rel, "..") != NULL || strncmp(rel, "apps/", 5) != 0)
        return kt_fail(err, KT_EIO, "bio_path_invalid", "path",
                       "Path berkas biometrik %s tidak sah", rel);
    if (snprintf(buf, cap, "%s/%s", s->data_dir, rel) >= (int)cap)
        return kt_fail(err, KT_EINVAL, "path_too_long", "path", "Path terlalu panjang");
    return KT_OK;
}

kt_code svc_bio_write(svc *s, int64_t app_id, const char *slot, const void *data, size_t len,
                      kt_error *err)
{
    char rel[64], path[4200], dir[4200], ctx[64];
    uint8_t *blob = NULL;
    size_t blen = 0;
    kt_code rc;
    svc_bio_rel_path(rel, app_id, slot);
    bio_context(ctx, app_id, slot);
    if ((rc = abs_path(s, rel, path, sizeof path, err)) != KT_OK)
        return rc;
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
    /* 0700 also for a folder an older version made 0750. */
    if (seal_mkdir_private(dir) != 0 || chmod(dir, 0700) != 0)
        return kt_fail(err, KT_EIO, "io", "", "Folder %s tidak dapat dibuat: %s", dir,
                       strerror(errno));
    if ((rc = seal_encrypt(s->ring, ctx, data, len, &blob, &blen, err)) != KT_OK)
        return rc;
    rc = seal_write_file(path, blob, blen, err);
    free(blob);
    return rc;
}

/* The raw (sealed) bytes of a file. *buf owned by caller: free(). */
static kt_code read_whole(const char *path, uint8_t **buf, size_t *len, kt_error *err)
{
    bio_msg msg;
    bio_status st = bio_read_file(path, 64u << 20, buf, len, &msg);
    if (st == BIO_ENOMEM)
        return svc_nomem(err);
    if (st != BIO_OK)
        return kt_fail(err, KT_ENOTFOUND, "file_missing", "path", "Berkas %s tidak terbaca",
                       path);
    return KT_OK;
}

kt_code svc_bio_read(svc *s, int64_t app_id, const char *slot, const char *rel, void **data,
                     size_t *len, kt_error *err)
{
    char path[4200], ctx[64];
    uint8_t *blob = NULL, *pt = NULL;
    size_t blen = 0, plen = 0;
    kt_code rc;
    *data = NULL;
    *len = 0;
    if ((rc = abs_path(s, rel, path, sizeof path, err)) != KT_OK)
        return rc;
    if ((rc = read_whole(path, &blob, &blen, err)) != KT_OK)
        return rc;
    bio_context(ctx, app_id, slot);
    rc = seal_decrypt(s->ring, ctx, blob, blen, &pt, &plen, err);
    free(blob);
    if (rc != KT_OK)
        return rc;
    *data = pt;
    *len = plen;
    return KT_OK;
}

/* ---- templates ----------------------------------------------------------------------- */

static void tpl_context(char ctx[64], int64_t app_id, const char *slot)
{
    snprintf(ctx, 64, "tpl:%lld/%s", (long long)app_id, slot);
}

kt_code svc_tpl_seal(svc *s, int64_t app_id, const char *slot, const uint8_t *iso, size_t n,
                     char **hex, kt_error *err)
{
    char ctx[64];
    uint8_t *blob = NULL;
    size_t blen = 0;
    kt_code rc;
    *hex = NULL;
    tpl_context(ctx, app_id, slot);
    if ((rc = seal_encrypt(s->ring, ctx, iso, n, &blob, &blen, err)) != KT_OK)
        return rc;
    *hex = malloc(2 * blen + 1);
    if (*hex != NULL)
        sodium_bin2hex(*hex, 2 * blen + 1, blob, blen);
    free(blob);
    return *hex != NULL ? KT_OK : svc_nomem(err);
}

kt_code svc_tpl_open(svc *s, int64_t app_id, const char *slot, const char *hex, uint8_t **iso,
                     size_t *n, kt_error *err)
{
    char ctx[64];
    size_t hlen = strlen(hex), blen = 0;
    uint8_t *blob = malloc(hlen / 2 + 1);
    kt_code rc;
    *iso = NULL;
    *n = 0;
    if (blob == NULL)
        return svc_nomem(err);
    if (sodium_hex2bin(blob, hlen / 2 + 1, hex, hlen, NULL, &blen, NULL) != 0) {
        free(blob);
        return kt_fail(err, KT_EIO, "template_corrupt", "template",
                       "Templat sidik jari tersimpan rusak");
    }
    tpl_context(ctx, app_id, slot);
    rc = seal_decrypt(s->ring, ctx, blob, blen, iso, n, err);
    free(blob);
    return rc;
}

/* ---- sealing an older database's plain data (once, at open) ----------------------------- */

typedef struct file_row {
    int64_t app_id;
    char slot[16];
    char rel[64];
} file_row;

#define FILE_BATCH 1000

/* Work on one file row (sealing, rotation). */
typedef kt_code (*file_fn)(svc *s, const file_row *f, void *ctx, kt_error *err);

/* Call fn for every biometric file row, in key order, reading FILE_BATCH rows at a time after
   the last one seen (an index range scan each: memory stays flat however many there are). */
static kt_code each_file(svc *s, file_fn fn, void *ctx, kt_error *err)
{
    file_row *rows = malloc(FILE_BATCH * sizeof *rows);
    int64_t after_app = -1;
    char after_slot[16] = "";
    kt_code rc = KT_OK;
    if (rows == NULL)
        return svc_nomem(err);
    for (;;) {
        store *db = NULL;
        store_stmt *st = NULL;
        int row = 0;
        size_t n = 0;
        if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
            break;
        if ((rc = store_prepare(db,
                                "SELECT application_id, slot, path FROM biometrics WHERE"
                                " path <> '' AND (application_id > ? OR (application_id = ? AND"
                                " slot > ?)) ORDER BY application_id, slot LIMIT 1000",
                                &st, err)) == KT_OK) {
            store_bind_int(st, 1, after_app);
            store_bind_int(st, 2, after_app);
            store_bind_text(st, 3, after_slot, -1);
            while (n < FILE_BATCH && (rc = store_step(st, &row, err)) == KT_OK && row) {
                file_row *f = &rows[n++];
                f->app_id = store_col_int(st, 0);
                snprintf(f->slot, sizeof f->slot, "%s", store_col_text(st, 1));
                snprintf(f->rel, sizeof f->rel, "%s", store_col_text(st, 2));
            }
            store_reset(st);
        }
        svc_conn_put(s, db);
        for (size_t i = 0; rc == KT_OK && i < n; i++)
            rc = fn(s, &rows[i], ctx, err);
        if (rc != KT_OK || n < FILE_BATCH)
            break;
        after_app = rows[n - 1].app_id;
        snprintf(after_slot, sizeof after_slot, "%s", rows[n - 1].slot);
    }
    free(rows);
    return rc;
}

/* Re-seal one file under the ring's current key when it is plain (plain_ok) or under another
   key. *changed = 1 when it was rewritten; ctype (may be NULL) gets the decoded type. */
static kt_code reseal_file(svc *s, const file_row *f, int plain_ok, int *changed, char *ctype,
                           size_t ctcap, kt_error *err)
{
    char path[4200], ctx[64], kid[17];
    uint8_t *blob = NULL, *pt = NULL;
    size_t blen = 0, plen = 0;
    kt_code rc;
    *changed = 0;
    if ((rc = abs_path(s, f->rel, path, sizeof path, err)) != KT_OK)
        return rc;
    if ((rc = read_whole(path, &blob, &blen, err)) != KT_OK) {
        /* A missing file is KONSOLIDASI's to report; sealing goes on with the others. */
        return rc == KT_ENOTFOUND ? KT_OK : rc;
    }
    bio_context(ctx, f->app_id, f->slot);
    if (seal_blob_key_id(blob, blen, kid)) {
        if ((rc = seal_decrypt(s->ring, ctx, blob, blen, &pt, &plen, err)) != KT_OK)
            goto out;
        if (strcmp(kid, seal_ring_current_id(s->ring)) == 0 && ctype == NULL)
            goto out; /* already under the current key */
        *changed = strcmp(kid, seal_ring_current_id(s->ring)) != 0;
    } else if (plain_ok) {
        pt = blob;
        plen = blen;
        blob = NULL;
        *changed = 1;
    } else {
        rc = kt_fail(err, KT_EREFUSED, "seal_not_sealed", "path",
                     "Berkas biometrik %s tidak tersegel", f->rel);
        goto out;
    }
    if (ctype != NULL) {
        bio_image_header hdr;
        bio_msg msg;
        int fmt = bio_image_probe(pt, plen, &hdr, &msg) == BIO_OK ? (int)hdr.format : 0;
        snprintf(ctype, ctcap, "%s", plen >= 4 && memcmp(pt, "FMR\0", 4) == 0
                                         ? "application/x-iso19794-2"
                                         : svc_upload_content_type(fmt));
    }
    if (*changed)
        rc = svc_bio_write(s, f->app_id, f->slot, pt, plen, err);
out:
    free(blob);
    seal_free_secret(pt, plen);
    return rc;
}

/* The next batch of template rows of table after (*after_app, after_slot) in key order: those
   not sealed under the current key (plain ones too) are re-sealed and updated in one write
   transaction. *seen = rows read (fewer than ROTATE_BATCH: the table is done), *done = rows
   changed; the cursor moves to the last row read. */
static kt_code reseal_templates(svc *s, const char *table, int plain_ok, int64_t *after_app,
                                char after_slot[16], size_t *seen, size_t *done,
                                kt_error *err)
{
    char sel[400], upd[200], prefix[40];
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    json_t *batch = json_array();
    *done = 0;
    *seen = 0;
    if (batch == NULL)
        return svc_nomem(err);
    snprintf(prefix, sizeof prefix, SEALED_HEX_MAGIC "%s", seal_ring_current_id(s->ring));
    snprintf(sel, sizeof sel,
             "SELECT application_id, slot, template FROM %s WHERE application_id > ? OR"
             " (application_id = ? AND slot > ?) ORDER BY application_id, slot LIMIT %d",
             table, ROTATE_BATCH);
    snprintf(upd, sizeof upd, "UPDATE %s SET template = ? WHERE application_id = ? AND slot = ?",
             table);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, sel, &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, *after_app);
    store_bind_int(st, 2, *after_app);
    store_bind_text(st, 3, after_slot, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        (*seen)++;
        *after_app = store_col_int(st, 0);
        snprintf(after_slot, 16, "%s", store_col_text(st, 1));
        if (strncmp(store_col_text(st, 2), prefix, strlen(prefix)) != 0)
            json_array_append_new(batch, json_pack("[I, s, s]", (json_int_t)*after_app,
                                                   store_col_text(st, 1), store_col_text(st, 2)));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    for (size_t i = 0; i < json_array_size(batch); i++) {
        json_t *r = json_array_get(batch, i);
        int64_t app = json_integer_value(json_array_get(r, 0));
        const char *slot = json_string_value(json_array_get(r, 1));
        const char *hex = json_string_value(json_array_get(r, 2));
        uint8_t *iso = NULL;
        size_t n = 0;
        char *sealed = NULL;
        if (hex == NULL || slot == NULL) {
            rc = svc_nomem(err);
            goto out;
        }
        if (strncmp(hex, SEALED_HEX_MAGIC, strlen(SEALED_HEX_MAGIC)) == 0) {
            rc = svc_tpl_open(s, app, slot, hex, &iso, &n, err);
        } else if (plain_ok) {
            size_t hl = strlen(hex);
            iso = malloc(hl / 2 + 1);
            if (iso == NULL)
                rc = svc_nomem(err);
            else if (sodium_hex2bin(iso, hl / 2 + 1, hex, hl, NULL, &n, NULL) != 0)
                rc = kt_fail(err, KT_EIO, "template_corrupt", "template",
                             "Templat %s %lld/%s rusak", table, (long long)app, slot);
        } else {
            rc = kt_fail(err, KT_EREFUSED, "seal_not_sealed", "template",
                         "Templat %s %lld/%s tidak tersegel", table, (long long)app, slot);
        }
        if (rc == KT_OK)
            rc = svc_tpl_seal(s, app, slot, iso, n, &sealed, err);
        seal_free_secret(iso, n);
        if (rc == KT_OK && (rc = store_prepare(db, upd, &st, err)) == KT_OK) {
            store_bind_text(st, 1, sealed, -1);
            store_bind_int(st, 2, app);
            store_bind_text(st, 3, slot, -1);
            rc = store_run(st, err);
        }
        free(sealed);
        if (rc != KT_OK)
            goto out;
    }
    if ((rc = svc_commit(s, db, err)) == KT_OK)
        *done = json_array_size(batch);
out:
    svc_conn_put(s, db);
    json_decref(batch);
    return rc;
}

static kt_code reseal_all_templates(svc *s, int plain_ok, size_t *total, kt_error *err)
{
    static const char *const tables[] = {"afis_probes", "afis_templates"};
    kt_code rc = KT_OK;
    *total = 0;
    for (size_t t = 0; t < 2 && rc == KT_OK; t++) {
        int64_t after_app = -1;
        char after_slot[16] = "";
        size_t seen = 0, done = 0;
        do {
            rc = reseal_templates(s, tables[t], plain_ok, &after_app, after_slot, &seen, &done,
                                  err);
            *total += done;
        } while (rc == KT_OK && seen == ROTATE_BATCH);
    }
    return rc;
}

/* The stored type of one file, as the server decoded it (older rows hold the client's). */
static kt_code set_content_type(svc *s, const file_row *f, const char *ctype, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    kt_code rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK ||
        (rc = store_prepare(db,
                            "UPDATE biometrics SET content_type = ? WHERE application_id = ?"
                            " AND slot = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, ctype, -1);
    store_bind_int(st, 2, f->app_id);
    store_bind_text(st, 3, f->slot, -1);
    if ((rc = store_run(st, err)) == KT_OK)
        rc = svc_commit(s, db, err);
out:
    svc_conn_put(s, db);
    return rc;
}

/* each_file: an older database's file sealed, its stored type the decoded one. */
static kt_code seal_one_plain(svc *s, const file_row *f, void *ctx, kt_error *err)
{
    int changed = 0;
    char ctype[40];
    kt_code rc;
    (void)ctx;
    if ((rc = reseal_file(s, f, 1, &changed, ctype, sizeof ctype, err)) != KT_OK)
        return rc;
    return set_content_type(s, f, ctype, err);
}

static kt_code seal_plain_left(svc *s, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0, left = 0;
    size_t tpl = 0;
    kt_code rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT plain_left FROM seal_state WHERE id = 1", &st, err)) ==
            KT_OK &&
        (rc = store_step(st, &row, err)) == KT_OK && row)
        left = (int)store_col_int(st, 0);
    if (st != NULL)
        store_reset(st);
    svc_conn_put(s, db);
    if (rc != KT_OK || !left)
        return rc;
    /* Files first (each rewritten by temp + rename: a crash leaves it plain or sealed, and the
       next open goes on), with the content type the server derives from the bytes. */
    if ((rc = each_file(s, seal_one_plain, NULL, err)) != KT_OK)
        goto out;
    if ((rc = reseal_all_templates(s, 1, &tpl, err)) != KT_OK)
        goto out;
    rc = exec_write(s, "UPDATE seal_state SET plain_left = 0 WHERE id = 1", NULL, NULL, -1, err);
out:
    return rc;
}

/* ---- key rotation and status ---------------------------------------------------------- */

static kt_code require_admin_key(const svc_actor *who, kt_error *err)
{
    return svc_require_admin(who, err);
}

kt_code svc_key_status(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    json_t *ids = NULL, *ring = NULL;
    *out = NULL;
    if ((rc = require_admin_key(who, err)) != KT_OK)
        return rc;
    if ((rc = active_ids(s, &ids, err)) != KT_OK)
        return rc;
    ring = json_array();
    for (size_t i = 0; ring != NULL && i < seal_ring_count(s->ring); i++)
        json_array_append_new(ring, json_string(seal_ring_id(s->ring, i)));
    *out = json_pack("{s:s, s:s, s:o, s:o, s:b}", "key_path", s->key_path, "key_id",
                     seal_ring_current_id(s->ring), "ring", ring ? ring : json_array(),
                     "active_in_database", ids, "rotation_unfinished",
                     seal_ring_count(s->ring) > 1);
    if (*out == NULL)
        return svc_nomem(err);
    return KT_OK;
}

/* each_file: one file re-sealed under the new key (ctx counts the files rewritten). */
static kt_code reseal_rotated(svc *s, const file_row *f, void *ctx, kt_error *err)
{
    int changed = 0;
    kt_code rc = reseal_file(s, f, 0, &changed, NULL, 0, err);
    *(size_t *)ctx += (size_t)changed;
    return rc;
}

kt_code svc_key_rotate(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    size_t files = 0, tpl = 0;
    seal_ring *ring = NULL;
    char old_id[17] = "", retired[4300] = "", stamp[32];
    *out = NULL;
    if ((rc = require_admin_key(who, err)) != KT_OK)
        return rc;
    /* Alone with the key: no server, no other command. */
    if ((rc = lock_key(s, LOCK_EX, err)) != KT_OK)
        return rc;
    snprintf(old_id, sizeof old_id, "%s", seal_ring_id(s->ring, 0));
    if ((rc = seal_rotation_begin(s->key_path, err)) != KT_OK)
        goto out;
    if ((rc = seal_ring_load(s->key_path, &ring, err)) != KT_OK)
        goto out;
    seal_ring_free(s->ring);
    s->ring = ring; /* the new key seals, the old one still opens */
    ring = NULL;
    if ((rc = remember_key(s, seal_ring_current_id(s->ring), err)) != KT_OK)
        goto out;
    if ((rc = each_file(s, reseal_rotated, &files, err)) != KT_OK)
        goto out;
    if ((rc = reseal_all_templates(s, 0, &tpl, err)) != KT_OK)
        goto out;
    /* Nothing stored needs the old key any more: retire it, then install the new one. */
    {
        store *db = NULL;
        store_stmt *st = NULL;
        if ((rc = svc_conn_get(s, &db, err)) == KT_OK &&
            (rc = svc_begin_write(s, db, err)) == KT_OK &&
            (rc = store_prepare(db,
                                "UPDATE seal_keys SET retired_at = ? WHERE key_id <> ? AND"
                                " retired_at IS NULL",
                                &st, err)) == KT_OK) {
            store_bind_int(st, 1, svc_now(s));
            store_bind_text(st, 2, seal_ring_current_id(s->ring), -1);
            if ((rc = store_run(st, err)) == KT_OK)
                rc = svc_commit(s, db, err);
        }
        svc_conn_put(s, db);
        if (rc != KT_OK)
            goto out;
    }
    jkt_datetime now = jkt_from_utc_ms(svc_now(s));
    snprintf(stamp, sizeof stamp, "%04d%02d%02d-%02d%02d%02d", now.date.year, now.date.month,
             now.date.day, now.hour, now.minute, now.second);
    if ((rc = seal_rotation_finish(s->key_path, stamp, retired, sizeof retired, err)) != KT_OK)
        goto out;
    if ((rc = seal_ring_load(s->key_path, &ring, err)) != KT_OK)
        goto out;
    seal_ring_free(s->ring);
    s->ring = ring;
    ring = NULL;
    /* The lock is on the old file: take the shared lock on the installed key again. */
    if ((rc = open_key_fd(s, err)) != KT_OK || (rc = lock_key(s, LOCK_SH, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s, s:s, s:I, s:I}", "key_id", seal_ring_current_id(s->ring),
                     "retired_key_id", old_id, "retired_key_file", retired, "files",
                     (json_int_t)files, "templates", (json_int_t)tpl);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    seal_ring_free(ring);
    if (rc != KT_OK && s->key_fd >= 0)
        flock(s->key_fd, LOCK_SH | LOCK_NB);
    return rc;
}
