/*
 * packet.c - the packet container (docs/internals/link.md, "The packet"): make, read the
 * envelope, verify and open.
 *
 * Outer tar: envelope.json, envelope.sig, key.sealed, payload.enc. payload.enc is the inner
 * tar (manifest.json, manifest.sig, parts/<name>) encrypted with crypto_secretstream under a
 * fresh key that key.sealed carries to the central (crypto_box_seal). Both archives are POSIX
 * pax written by libarchive; reading accepts the tar format only, regular files only, names of
 * [a-z0-9_.-] (plus the one "parts/" folder inside), each entry within its bound, no name
 * twice: whatever a client sends is bounded before it is allocated.
 *
 * Why two signatures: the envelope's lets the central refuse a forged or replayed packet before
 * it spends a decryption on it; the manifest's binds the content to the node even when the
 * envelope around it is swapped (a node re-wrapping another node's payload is caught because
 * the manifest names the other node and is signed by it).
 *
 * Never: trust a size, a name or a field before its bound is checked; print.
 */
#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/link.h"

#define CHUNK 65536
#define ENTRY_NAME 64


/* ---- tar in memory --------------------------------------------------------------------- */

typedef struct mbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} mbuf;

static la_ssize_t w_cb(struct archive *a, void *ctx, const void *data, size_t len)
{
    (void)a;
    mbuf *b = ctx;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->n + len)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (np == NULL) {
            b->oom = 1;
            return -1;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return (la_ssize_t)len;
}

static int w_open(struct archive *a, void *ctx)
{
    (void)a;
    (void)ctx;
    return ARCHIVE_OK;
}

static int w_close(struct archive *a, void *ctx)
{
    (void)a;
    (void)ctx;
    return ARCHIVE_OK;
}

static struct archive *tar_new(mbuf *b)
{
    struct archive *a = archive_write_new();
    if (a == NULL)
        return NULL;
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open(a, b, w_open, w_cb, w_close) != ARCHIVE_OK) {
        archive_write_free(a);
        return NULL;
    }
    return a;
}

static int tar_add(struct archive *a, const char *name, const void *data, size_t len,
                   int64_t mtime_ms)
{
    struct archive_entry *e = archive_entry_new();
    if (e == NULL)
        return -1;
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_mtime(e, (time_t)(mtime_ms / 1000), 0);
    int rc = archive_write_header(a, e) == ARCHIVE_OK &&
                     (len == 0 || archive_write_data(a, data, len) == (la_ssize_t)len)
                 ? 0
                 : -1;
    archive_entry_free(e);
    return rc;
}

/* Finish a, taking its bytes from b into *out. */
static kt_code tar_finish(struct archive *a, mbuf *b, int ok, uint8_t **out, size_t *len,
                          kt_error *err)
{
    if (archive_write_close(a) != ARCHIVE_OK)
        ok = 0;
    archive_write_free(a);
    if (!ok || b->oom) {
        free(b->p);
        return b->oom ? kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis")
                      : kt_fail(err, KT_EINTERNAL, "archive_write", "", "Arsip paket gagal dibuat");
    }
    *out = b->p;
    *len = b->n;
    return KT_OK;
}

typedef struct entry {
    char name[ENTRY_NAME];
    uint8_t *data; /* owned */
    size_t len;
} entry;

static void entries_free(entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].data);
        e[i].data = NULL;
    }
}

static int name_ok(const char *s, int allow_parts)
{
    size_t n = strlen(s);
    if (allow_parts && strncmp(s, "parts/", 6) == 0)
        s += 6, n -= 6;
    if (n == 0 || n >= ENTRY_NAME - 6 || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
    }
    return 1;
}

/* Read every entry of a tar in buf into e[0..max). each: the bound of one entry. */
static kt_code tar_read(const uint8_t *buf, size_t len, entry *e, size_t max, size_t *n,
                        size_t each, int inner, kt_error *err)
{
    const char *what = inner ? "isi paket" : "paket";
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    kt_code rc = KT_OK;
    *n = 0;
    if (a == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    archive_read_support_format_tar(a);
    if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
        rc = kt_fail(err, KT_EINVAL, "packet_malformed", "packet",
                     "Berkas %s bukan arsip tar yang sah", what);
        goto out;
    }
    for (;;) {
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            rc = kt_fail(err, KT_EINVAL, "packet_malformed", "packet",
                         "Arsip %s rusak atau terpotong", what);
            goto out;
        }
        const char *name = archive_entry_pathname(ae);
        if (name == NULL || !name_ok(name, inner) || archive_entry_filetype(ae) != AE_IFREG ||
            !archive_entry_size_is_set(ae)) {
            rc = kt_fail(err, KT_EINVAL, "packet_malformed", "packet",
                         "Entri %.60s dalam %s tidak diperbolehkan", name != NULL ? name : "?",
                         what);
            goto out;
        }
        la_int64_t sz = archive_entry_size(ae);
        if (sz < 0 || (uint64_t)sz > each) {
            rc = kt_fail(err, KT_ETOOBIG, "part_too_big", name,
                         "Entri %.60s dalam %s terlalu besar (%lld bita, batas %zu)", name, what,
                         (long long)sz, each);
            goto out;
        }
        if (*n == max) {
            rc = kt_fail(err, KT_EINVAL, "packet_malformed", "packet",
                         "Terlalu banyak entri dalam %s (batas %zu)", what, max);
            goto out;
        }
        for (size_t i = 0; i < *n; i++)
            if (strcmp(e[i].name, name) == 0) {
                rc = kt_fail(err, KT_EINVAL, "packet_malformed", name,
                             "Entri %.60s muncul dua kali dalam %s", name, what);
                goto out;
            }
        entry *x = &e[*n];
        snprintf(x->name, sizeof x->name, "%s", name);
        x->len = (size_t)sz;
        x->data = malloc(x->len ? x->len : 1);
        if (x->data == NULL) {
            rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
            goto out;
        }
        (*n)++;
        la_ssize_t got = x->len ? archive_read_data(a, x->data, x->len) : 0;
        if (got != (la_ssize_t)x->len) {
            rc = kt_fail(err, KT_EINVAL, "packet_malformed", name,
                         "Entri %.60s dalam %s terpotong", name, what);
            goto out;
        }
    }
out:
    archive_read_free(a);
    if (rc != KT_OK) {
        entries_free(e, *n);
        *n = 0;
    }
    return rc;
}

static entry *find(entry *e, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].name, name) == 0)
            return &e[i];
    return NULL;
}

/* ---- envelope -------------------------------------------------------------------------- */

static int digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int kind_ok(const char *k)
{
    return strcmp(k, "rekam") == 0 || strcmp(k, "perubahan") == 0 || strcmp(k, "cetak") == 0 ||
           strcmp(k, "card_issued") == 0;
}

/* The envelope's fields checked for shape; the same checks for what make() is given. */
static kt_code env_check(const link_envelope *env, kt_error *err)
{
    char want[48];
    if (!digits(env->kecamatan_code, 6) || strlen(env->node_id) != 9 ||
        strncmp(env->node_id, env->kecamatan_code, 6) != 0 || env->node_id[6] != '-' ||
        !digits(env->node_id + 7, 2))
        return kt_fail(err, KT_EINVAL, "packet_malformed", "node_id",
                       "Identitas simpul '%.20s' tidak sah (kecamatan-nn)", env->node_id);
    if (env->seq < 1 || env->seq > 99999999 || env->key_id < 1 || env->created_at <= 0)
        return kt_fail(err, KT_EINVAL, "packet_malformed", "seq",
                       "Nomor urut, kunci atau waktu paket tidak sah");
    snprintf(want, sizeof want, "%s-%08lld", env->node_id, (long long)env->seq);
    if (strcmp(want, env->packet_id) != 0)
        return kt_fail(err, KT_EINVAL, "packet_malformed", "packet_id",
                       "Nomor paket '%.39s' tidak sesuai simpul dan nomor urut", env->packet_id);
    if (!kind_ok(env->kind))
        return kt_fail(err, KT_EINVAL, "packet_malformed", "kind",
                       "Jenis paket '%.15s' tidak dikenal", env->kind);
    return KT_OK;
}

static json_t *env_json(const link_envelope *env)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:I}", "format", LINK_PACKET_FORMAT,
                     "packet_id", env->packet_id, "node_id", env->node_id, "kecamatan_code",
                     env->kecamatan_code, "key_id", env->key_id, "seq", (json_int_t)env->seq,
                     "kind", env->kind, "created_at", (json_int_t)env->created_at);
}

static int jcopy(char *dst, size_t cap, const json_t *v)
{
    if (!json_is_string(v) || strlen(json_string_value(v)) >= cap)
        return 0;
    snprintf(dst, cap, "%s", json_string_value(v));
    return 1;
}

/* The envelope fields of a JSON object (envelope.json or the manifest). */
static kt_code env_from_json(const json_t *o, link_envelope *env, kt_error *err)
{
    memset(env, 0, sizeof *env);
    json_t *kid = json_object_get(o, "key_id"), *seq = json_object_get(o, "seq"),
           *at = json_object_get(o, "created_at");
    const char *fmt = json_string_value(json_object_get(o, "format"));
    if (fmt == NULL || strcmp(fmt, LINK_PACKET_FORMAT) != 0)
        return kt_fail(err, KT_EINVAL, "packet_format", "format",
                       "Format paket tidak dikenal (harus %s)", LINK_PACKET_FORMAT);
    if (!jcopy(env->packet_id, sizeof env->packet_id, json_object_get(o, "packet_id")) ||
        !jcopy(env->node_id, sizeof env->node_id, json_object_get(o, "node_id")) ||
        !jcopy(env->kecamatan_code, sizeof env->kecamatan_code,
               json_object_get(o, "kecamatan_code")) ||
        !jcopy(env->kind, sizeof env->kind, json_object_get(o, "kind")) ||
        !json_is_integer(kid) || !json_is_integer(seq) || !json_is_integer(at) ||
        json_integer_value(kid) < 1 || json_integer_value(kid) > 1000000)
        return kt_fail(err, KT_EINVAL, "packet_malformed", "envelope",
                       "Amplop paket tidak lengkap atau salah bentuk");
    env->key_id = (int)json_integer_value(kid);
    env->seq = json_integer_value(seq);
    env->created_at = json_integer_value(at);
    return env_check(env, err);
}

static kt_code json_parse(const entry *e, const char *what, json_t **out, kt_error *err)
{
    json_error_t je;
    *out = json_loadb((const char *)e->data, e->len, JSON_REJECT_DUPLICATES, &je);
    if (*out == NULL || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return kt_fail(err, KT_EINVAL, "packet_malformed", what,
                       "%s bukan JSON objek yang sah (baris %d, kolom %d)", what, je.line,
                       je.column);
    }
    return KT_OK;
}

/* ---- make ------------------------------------------------------------------------------ */

/* Encrypt plain into *out: secretstream header + chunks, the last tagged FINAL. */
static kt_code seal_payload(const uint8_t *plain, size_t n, const uint8_t key[32],
                            uint8_t **out, size_t *len, kt_error *err)
{
    size_t chunks = n / CHUNK + 1;
    size_t cap = crypto_secretstream_xchacha20poly1305_HEADERBYTES + n +
                 chunks * crypto_secretstream_xchacha20poly1305_ABYTES;
    uint8_t *c = malloc(cap);
    crypto_secretstream_xchacha20poly1305_state st;
    if (c == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    crypto_secretstream_xchacha20poly1305_init_push(&st, c, key);
    size_t w = crypto_secretstream_xchacha20poly1305_HEADERBYTES, off = 0;
    for (;;) {
        size_t take = n - off > CHUNK ? CHUNK : n - off;
        int last = off + take == n;
        unsigned long long clen = 0;
        crypto_secretstream_xchacha20poly1305_push(
            &st, c + w, &clen, plain + off, take, NULL, 0,
            last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
        w += (size_t)clen;
        off += take;
        if (last)
            break;
    }
    *out = c;
    *len = w;
    return KT_OK;
}

kt_code link_packet_make(const link_envelope *env, const json_t *header, const link_part *parts,
                         size_t nparts, const link_sign_key *node, const uint8_t central_pk[32],
                         uint8_t **out, size_t *len, kt_error *err)
{
    kt_code rc;
    json_t *man = NULL, *plist = NULL, *ej = NULL;
    char *mtext = NULL, *etext = NULL;
    uint8_t *inner = NULL, *enc = NULL, key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    uint8_t sealed[crypto_box_SEALBYTES + sizeof key], sig[crypto_sign_BYTES];
    size_t ilen = 0, elen = 0;
    mbuf ib = {0}, ob = {0};
    *out = NULL;
    *len = 0;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    if ((rc = env_check(env, err)) != KT_OK)
        return rc;
    if (nparts > LINK_PARTS_MAX)
        return kt_fail(err, KT_ETOOBIG, "packet_too_big", "parts", "Terlalu banyak bagian paket");
    /* The manifest: the caller's header, the envelope's fields, the parts' list. */
    man = header != NULL ? json_deep_copy(header) : json_object();
    ej = env_json(env);
    plist = json_array();
    if (man == NULL || ej == NULL || plist == NULL || json_object_update(man, ej) != 0) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
        goto out;
    }
    size_t total = 0;
    for (size_t i = 0; i < nparts; i++) {
        char h[65];
        if (!name_ok(parts[i].name, 0) || parts[i].len > LINK_PART_MAX) {
            rc = kt_fail(err, KT_EINVAL, "part_invalid", parts[i].name,
                         "Bagian paket '%.60s' bernama tidak sah atau lebih dari %zu bita",
                         parts[i].name, LINK_PART_MAX);
            goto out;
        }
        /* a name twice would make a packet no reader opens (tar_read refuses it) */
        for (size_t j = 0; j < i; j++)
            if (strcmp(parts[j].name, parts[i].name) == 0) {
                rc = kt_fail(err, KT_EINVAL, "part_invalid", parts[i].name,
                             "Bagian paket '%.60s' muncul dua kali", parts[i].name);
                goto out;
            }
        total += parts[i].len;
        link_sha256_hex(parts[i].data, parts[i].len, h);
        if (json_array_append_new(plist, json_pack("{s:s, s:s, s:I, s:s}", "name", parts[i].name,
                                                   "content_type", parts[i].content_type, "size",
                                                   (json_int_t)parts[i].len, "sha256", h)) != 0) {
            rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
            goto out;
        }
    }
    if (total > LINK_PACKET_MAX - 65536) {
        rc = kt_fail(err, KT_ETOOBIG, "packet_too_big", "parts",
                     "Paket terlalu besar (%zu bita, batas %zu)", total, LINK_PACKET_MAX);
        goto out;
    }
    json_object_set(man, "parts", plist);
    if ((mtext = json_dumps(man, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
        goto out;
    }
    crypto_sign_detached(sig, NULL, (const uint8_t *)mtext, strlen(mtext), node->sk);
    /* Inner archive. */
    struct archive *a = tar_new(&ib);
    if (a == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
        goto out;
    }
    int ok = tar_add(a, "manifest.json", mtext, strlen(mtext), env->created_at) == 0 &&
             tar_add(a, "manifest.sig", sig, sizeof sig, env->created_at) == 0;
    for (size_t i = 0; ok && i < nparts; i++) {
        char name[ENTRY_NAME + 8];
        snprintf(name, sizeof name, "parts/%s", parts[i].name);
        ok = tar_add(a, name, parts[i].data, parts[i].len, env->created_at) == 0;
    }
    if ((rc = tar_finish(a, &ib, ok, &inner, &ilen, err)) != KT_OK)
        goto out;
    /* Encrypt to the central. */
    crypto_secretstream_xchacha20poly1305_keygen(key);
    crypto_box_seal(sealed, key, sizeof key, central_pk);
    if ((rc = seal_payload(inner, ilen, key, &enc, &elen, err)) != KT_OK)
        goto out;
    /* Envelope, signed. */
    char hk[65], hp[65];
    link_sha256_hex(sealed, sizeof sealed, hk);
    link_sha256_hex(enc, elen, hp);
    json_object_set_new(ej, "sealed_key_sha256", json_string(hk));
    json_object_set_new(ej, "payload_sha256", json_string(hp));
    json_object_set_new(ej, "payload_size", json_integer((json_int_t)elen));
    if ((etext = json_dumps(ej, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
        goto out;
    }
    crypto_sign_detached(sig, NULL, (const uint8_t *)etext, strlen(etext), node->sk);
    if ((a = tar_new(&ob)) == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
        goto out;
    }
    ok = tar_add(a, "envelope.json", etext, strlen(etext), env->created_at) == 0 &&
         tar_add(a, "envelope.sig", sig, sizeof sig, env->created_at) == 0 &&
         tar_add(a, "key.sealed", sealed, sizeof sealed, env->created_at) == 0 &&
         tar_add(a, "payload.enc", enc, elen, env->created_at) == 0;
    rc = tar_finish(a, &ob, ok, out, len, err);
out:
    sodium_memzero(key, sizeof key);
    if (inner != NULL)
        sodium_memzero(inner, ilen);
    free(inner);
    free(enc);
    free(mtext);
    free(etext);
    json_decref(man);
    json_decref(plist);
    json_decref(ej);
    return rc;
}

/* ---- open ------------------------------------------------------------------------------ */

/* The outer archive's four entries, found and size-checked. */
typedef struct outer {
    entry e[4];
    size_t n;
    entry *env, *sig, *key, *enc; /* point into e */
} outer;

static kt_code outer_read(const uint8_t *buf, size_t len, outer *o, kt_error *err)
{
    entry *e = o->e;
    size_t *n = &o->n;
    if (len > LINK_PACKET_MAX)
        return kt_fail(err, KT_ETOOBIG, "packet_too_big", "packet",
                       "Paket terlalu besar (%zu bita, batas %zu)", len, LINK_PACKET_MAX);
    kt_code rc = tar_read(buf, len, e, 4, n, LINK_PACKET_MAX, 0, err);
    if (rc != KT_OK)
        return rc;
    static const char *const need[] = {"envelope.json", "envelope.sig", "key.sealed",
                                       "payload.enc"};
    entry *x[4];
    for (size_t i = 0; i < 4; i++) {
        x[i] = find(e, *n, need[i]);
        if (x[i] == NULL) {
            entries_free(e, *n);
            *n = 0;
            return kt_fail(err, KT_EINVAL, "part_missing", need[i], "Paket tanpa %s", need[i]);
        }
    }
    o->env = x[0];
    o->sig = x[1];
    o->key = x[2];
    o->enc = x[3];
    if (o->env->len > LINK_JSON_MAX || o->sig->len != crypto_sign_BYTES ||
        o->key->len != crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES) {
        entries_free(e, *n);
        *n = 0;
        return kt_fail(err, KT_EINVAL, "packet_malformed", "envelope",
                       "Amplop, tanda tangan atau kunci paket berukuran salah");
    }
    return KT_OK;
}

kt_code link_packet_envelope(const uint8_t *buf, size_t len, link_envelope *env, kt_error *err)
{
    outer ou;
    json_t *o = NULL;
    memset(&ou, 0, sizeof ou);
    kt_code rc = outer_read(buf, len, &ou, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = json_parse(ou.env, "envelope.json", &o, err)) == KT_OK)
        rc = env_from_json(o, env, err);
    json_decref(o);
    entries_free(ou.e, ou.n);
    return rc;
}

static kt_code open_payload(const entry *enc, const uint8_t key[32], uint8_t **out,
                            size_t *len, kt_error *err)
{
    const size_t hb = crypto_secretstream_xchacha20poly1305_HEADERBYTES,
                 ab = crypto_secretstream_xchacha20poly1305_ABYTES;
    crypto_secretstream_xchacha20poly1305_state st;
    if (enc->len < hb + ab ||
        crypto_secretstream_xchacha20poly1305_init_pull(&st, enc->data, key) != 0)
        return kt_fail(err, KT_EINVAL, "decrypt_failed", "payload.enc",
                       "Isi paket tidak dapat dibuka (terpotong)");
    uint8_t *p = malloc(enc->len);
    if (p == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    size_t r = hb, w = 0;
    int final = 0;
    while (r < enc->len) {
        size_t take = enc->len - r > CHUNK + ab ? CHUNK + ab : enc->len - r;
        unsigned long long mlen = 0;
        unsigned char tag = 0;
        if (final || take < ab ||
            crypto_secretstream_xchacha20poly1305_pull(&st, p + w, &mlen, &tag, enc->data + r,
                                                       take, NULL, 0) != 0) {
            sodium_memzero(p, w);
            free(p);
            return kt_fail(err, KT_EINVAL, "decrypt_failed", "payload.enc",
                           "Isi paket rusak atau diubah (dekripsi gagal)");
        }
        final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
        w += (size_t)mlen;
        r += take;
    }
    if (!final) {
        sodium_memzero(p, w);
        free(p);
        return kt_fail(err, KT_EINVAL, "decrypt_failed", "payload.enc",
                       "Isi paket terpotong (bagian akhir tidak ada)");
    }
    *out = p;
    *len = w;
    return KT_OK;
}

void link_packet_free(link_packet *p)
{
    if (p == NULL)
        return;
    json_decref(p->manifest);
    for (size_t i = 0; i < p->nparts; i++) {
        if (p->parts[i].data != NULL)
            sodium_memzero((void *)(uintptr_t)p->parts[i].data, p->parts[i].len);
        free((void *)(uintptr_t)p->parts[i].data);
    }
    free(p);
}

kt_code link_packet_open(const uint8_t *buf, size_t len, const uint8_t node_pk[32],
                         const link_box_key *central, link_packet **out, kt_error *err)
{
    outer ou;
    entry ie[LINK_PARTS_MAX + 2];
    size_t in = 0, plen = 0;
    json_t *ej = NULL;
    uint8_t *plain = NULL, key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    link_packet *p = NULL;
    kt_code rc;
    *out = NULL;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    memset(&ou, 0, sizeof ou);
    if ((rc = outer_read(buf, len, &ou, err)) != KT_OK)
        return rc;
    if ((p = calloc(1, sizeof *p)) == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
        goto out;
    }
    p->size = len;
    entry *envj = ou.env, *esig = ou.sig, *sk = ou.key, *enc = ou.enc;
    if ((rc = json_parse(envj, "envelope.json", &ej, err)) != KT_OK ||
        (rc = env_from_json(ej, &p->env, err)) != KT_OK)
        goto out;
    if (crypto_sign_verify_detached(esig->data, envj->data, envj->len, node_pk) != 0) {
        rc = kt_fail(err, KT_EUNAUTH, "bad_signature", "envelope.sig",
                     "Tanda tangan amplop paket %s tidak cocok dengan kunci simpul %s",
                     p->env.packet_id, p->env.node_id);
        goto out;
    }
    char h[65];
    const char *hk = json_string_value(json_object_get(ej, "sealed_key_sha256")),
               *hp = json_string_value(json_object_get(ej, "payload_sha256"));
    json_t *ps = json_object_get(ej, "payload_size");
    link_sha256_hex(sk->data, sk->len, h);
    int hk_ok = hk != NULL && strcmp(hk, h) == 0;
    link_sha256_hex(enc->data, enc->len, h);
    if (!hk_ok || hp == NULL || strcmp(hp, h) != 0 || !json_is_integer(ps) ||
        (size_t)json_integer_value(ps) != enc->len) {
        rc = kt_fail(err, KT_EINVAL, "hash_mismatch", "payload.enc",
                     "Isi paket %s tidak sesuai hash di amplopnya", p->env.packet_id);
        goto out;
    }
    if (crypto_box_seal_open(key, sk->data, sk->len, central->pk, central->sk) != 0) {
        rc = kt_fail(err, KT_EINVAL, "decrypt_failed", "key.sealed",
                     "Kunci paket %s tidak dapat dibuka dengan kunci pusat ini",
                     p->env.packet_id);
        goto out;
    }
    if ((rc = open_payload(enc, key, &plain, &plen, err)) != KT_OK)
        goto out;
    if ((rc = tar_read(plain, plen, ie, LINK_PARTS_MAX + 2, &in, LINK_PART_MAX, 1, err)) !=
        KT_OK)
        goto out;
    entry *mj = find(ie, in, "manifest.json"), *ms = find(ie, in, "manifest.sig");
    if (mj == NULL || ms == NULL || ms->len != crypto_sign_BYTES || mj->len > LINK_JSON_MAX) {
        rc = kt_fail(err, KT_EINVAL, "part_missing", "manifest.json",
                     "Paket %s tanpa manifes yang sah", p->env.packet_id);
        goto out;
    }
    if (crypto_sign_verify_detached(ms->data, mj->data, mj->len, node_pk) != 0) {
        rc = kt_fail(err, KT_EUNAUTH, "bad_signature", "manifest.sig",
                     "Tanda tangan manifes paket %s tidak cocok dengan kunci simpul %s",
                     p->env.packet_id, p->env.node_id);
        goto out;
    }
    link_sha256_hex(mj->data, mj->len, p->manifest_sha256);
    if ((rc = json_parse(mj, "manifest.json", &p->manifest, err)) != KT_OK)
        goto out;
    link_envelope me;
    if ((rc = env_from_json(p->manifest, &me, err)) != KT_OK)
        goto out;
    if (memcmp(&me, &p->env, sizeof me) != 0) {
        rc = kt_fail(err, KT_EINVAL, "manifest_mismatch", "manifest.json",
                     "Manifes paket tidak sesuai amplopnya (%s lawan %s)", me.packet_id,
                     p->env.packet_id);
        goto out;
    }
    /* Every listed part present with its size and hash; nothing unlisted. */
    json_t *plist = json_object_get(p->manifest, "parts");
    if (!json_is_array(plist) || json_array_size(plist) + 2 != in ||
        json_array_size(plist) > LINK_PARTS_MAX) {
        rc = kt_fail(err, KT_EINVAL, "part_mismatch", "parts",
                     "Daftar bagian manifes tidak sesuai isi paket %s", p->env.packet_id);
        goto out;
    }
    size_t i;
    json_t *pj;
    json_array_foreach(plist, i, pj) {
        const char *name = json_string_value(json_object_get(pj, "name")),
                   *ct = json_string_value(json_object_get(pj, "content_type")),
                   *sha = json_string_value(json_object_get(pj, "sha256"));
        json_t *sz = json_object_get(pj, "size");
        char path[ENTRY_NAME + 8];
        if (name == NULL || ct == NULL || sha == NULL || !json_is_integer(sz) ||
            !name_ok(name, 0) || strlen(ct) >= sizeof p->parts[0].content_type) {
            rc = kt_fail(err, KT_EINVAL, "part_mismatch", "parts",
                         "Bagian ke-%zu manifes paket %s salah bentuk", i + 1, p->env.packet_id);
            goto out;
        }
        snprintf(path, sizeof path, "parts/%s", name);
        entry *x = find(ie, in, path);
        if (x == NULL) {
            rc = kt_fail(err, KT_EINVAL, "part_missing", name,
                         "Bagian %s tercantum di manifes tetapi tidak ada dalam paket", name);
            goto out;
        }
        link_sha256_hex(x->data, x->len, h);
        if ((json_int_t)x->len != json_integer_value(sz) || strcmp(h, sha) != 0) {
            rc = kt_fail(err, KT_EINVAL, "part_mismatch", name,
                         "Bagian %s tidak sesuai ukuran atau hash di manifes", name);
            goto out;
        }
        link_part *lp = &p->parts[p->nparts++];
        snprintf(lp->name, sizeof lp->name, "%s", name);
        snprintf(lp->content_type, sizeof lp->content_type, "%s", ct);
        lp->data = x->data;
        lp->len = x->len;
        x->data = NULL; /* the packet owns it now */
    }
    *out = p;
    p = NULL;
out:
    sodium_memzero(key, sizeof key);
    if (plain != NULL)
        sodium_memzero(plain, plen);
    free(plain);
    json_decref(ej);
    entries_free(ou.e, ou.n);
    entries_free(ie, in);
    link_packet_free(p);
    return rc;
}

const link_part *link_packet_part(const link_packet *p, const char *name)
{
    for (size_t i = 0; i < p->nparts; i++)
        if (strcmp(p->parts[i].name, name) == 0)
            return &p->parts[i];
    return NULL;
}

json_t *link_packet_json(const link_packet *p, const char *name, kt_error *err)
{
    const link_part *lp = link_packet_part(p, name);
    json_t *o = NULL;
    if (lp == NULL) {
        kt_fail(err, KT_EINVAL, "part_missing", name, "Paket %s tanpa bagian %s",
                p->env.packet_id, name);
        return NULL;
    }
    entry e;
    memset(&e, 0, sizeof e);
    e.data = (uint8_t *)(uintptr_t)lp->data;
    e.len = lp->len;
    if (lp->len > LINK_JSON_MAX) {
        kt_fail(err, KT_ETOOBIG, "part_too_big", name, "Bagian %s terlalu besar", name);
        return NULL;
    }
    if (json_parse(&e, name, &o, err) != KT_OK)
        return NULL;
    return o;
}
