/*
 * seal.c - the data key ring and the AEAD that seals biometrics at rest (see seal.h).
 *
 * The keys sit in sodium_malloc'd memory (guard pages, locked out of swap where the system
 * allows, wiped on free). Nonces are random 192-bit values, so no counter has to survive a
 * crash. Never: print a key, or fall back to plaintext when a blob fails to open.
 */
#include "seal/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_MAGIC "KTS1"
#define SEAL_MAX_KEYS 2
#define KEY_FILE_HEADER "ktpel-seal-key 1\n"

struct seal_ring {
    size_t n;                  /* keys held: 1, or 2 during a rotation */
    size_t current;            /* the key that seals */
    struct {
        uint8_t id[SEAL_ID_BYTES];
        char id_hex[2 * SEAL_ID_BYTES + 1];
        uint8_t key[SEAL_KEY_BYTES];
    } k[SEAL_MAX_KEYS];
};

static kt_code io_fail(kt_error *err, const char *path, const char *what)
{
    return kt_fail(err, KT_EIO, "io", "key", "%s %s: %s", what, path, strerror(errno));
}

int seal_mkdir_private(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p != '\0'; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int fsync_parent(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

kt_code seal_write_file(const char *path, const void *data, size_t len, kt_error *err)
{
    char tmp[4200];
    int fd = -1;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return kt_fail(err, KT_EINVAL, "path_too_long", "path", "Path terlalu panjang: %s", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return io_fail(err, tmp, "Berkas tidak dapat ditulis:");
    /* An older file of the same name may have been made with a wider mode. */
    if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0 || fsync_parent(path) != 0)
        goto fail;
    return KT_OK;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = e;
    return io_fail(err, path, "Gagal menyimpan berkas");
}

int seal_default_key_path(const char *data_dir, char *out, size_t cap)
{
    const char *slash = strrchr(data_dir, '/');
    int n;
    if (slash == NULL)
        n = snprintf(out, cap, "ktpel.key");
    else if (slash == data_dir)
        n = snprintf(out, cap, "/ktpel.key");
    else
        n = snprintf(out, cap, "%.*s/ktpel.key", (int)(slash - data_dir), data_dir);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static void key_id_of(const uint8_t key[SEAL_KEY_BYTES], uint8_t id[SEAL_ID_BYTES])
{
    /* A keyed hash of a fixed text: names the key without revealing anything of it. */
    static const char label[] = "ktpel seal key id";
    crypto_generichash(id, SEAL_ID_BYTES, (const unsigned char *)label, sizeof label - 1, key,
                       SEAL_KEY_BYTES);
}

kt_code seal_key_create(const char *path, kt_error *err)
{
    uint8_t key[SEAL_KEY_BYTES], id[SEAL_ID_BYTES];
    char text[160], khex[2 * SEAL_KEY_BYTES + 1], ihex[2 * SEAL_ID_BYTES + 1], tmp[4200];
    kt_code rc = KT_OK;
    int fd = -1;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return kt_fail(err, KT_EINVAL, "path_too_long", "key", "Path kunci terlalu panjang");
    /* Written whole under a temporary name of this process, then linked to its name (which
       fails if a key is there: two processes starting at once agree on one key): a kill at
       any point never leaves a half-written key under the real name. A leftover temporary
       file of an earlier process with this pid is a key nobody used: removed. */
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return io_fail(err, tmp, "Berkas kunci tidak dapat dibuat:");
    randombytes_buf(key, sizeof key);
    key_id_of(key, id);
    sodium_bin2hex(khex, sizeof khex, key, sizeof key);
    sodium_bin2hex(ihex, sizeof ihex, id, sizeof id);
    int n = snprintf(text, sizeof text, KEY_FILE_HEADER "%s\n%s\n", ihex, khex);
    int bad = fchmod(fd, 0600) != 0 || write_all(fd, text, (size_t)n) != 0 || fsync(fd) != 0;
    bad |= close(fd) != 0;
    if (bad) {
        rc = io_fail(err, path, "Berkas kunci gagal ditulis:");
        goto out;
    }
    if (link(tmp, path) != 0) {
        rc = errno == EEXIST ? kt_fail(err, KT_ECONFLICT, "key_exists", "key",
                                       "Berkas kunci %s sudah ada; tidak ditimpa", path)
                             : io_fail(err, path, "Berkas kunci tidak dapat dibuat:");
        goto out;
    }
    if (fsync_parent(path) != 0)
        rc = io_fail(err, path, "Berkas kunci gagal ditulis:");
out:
    unlink(tmp);
    sodium_memzero(key, sizeof key);
    sodium_memzero(khex, sizeof khex);
    sodium_memzero(text, sizeof text);
    return rc;
}

/* Read one key file into slot i. ENOENT -> KT_ENOTFOUND. */
static kt_code load_one(const char *path, seal_ring *r, size_t i, kt_error *err)
{
    char text[256];
    struct stat sb;
    kt_code rc = KT_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return kt_fail(err, KT_ENOTFOUND, "key_missing", "key",
                           "Berkas kunci data %s tidak ada", path);
        return io_fail(err, path, "Berkas kunci tidak terbaca:");
    }
    if (fstat(fd, &sb) != 0) {
        rc = io_fail(err, path, "Berkas kunci tidak terbaca:");
        goto out;
    }
    if ((sb.st_mode & 077) != 0) {
        rc = kt_fail(err, KT_EREFUSED, "key_mode", "key",
                     "Berkas kunci %s dapat dibaca pengguna lain (mode %03o); jalankan chmod "
                     "600 %s",
                     path, (unsigned)(sb.st_mode & 0777), path);
        goto out;
    }
    ssize_t n = read(fd, text, sizeof text - 1);
    if (n < 0) {
        rc = io_fail(err, path, "Berkas kunci tidak terbaca:");
        goto out;
    }
    text[n] = '\0';
    size_t hl = strlen(KEY_FILE_HEADER);
    const char *ihex = text + hl, *khex = ihex + 2 * SEAL_ID_BYTES + 1;
    uint8_t id[SEAL_ID_BYTES];
    if ((size_t)n != hl + 2 * SEAL_ID_BYTES + 1 + 2 * SEAL_KEY_BYTES + 1 ||
        memcmp(text, KEY_FILE_HEADER, hl) != 0 || ihex[2 * SEAL_ID_BYTES] != '\n' ||
        khex[2 * SEAL_KEY_BYTES] != '\n' ||
        sodium_hex2bin(r->k[i].key, SEAL_KEY_BYTES, khex, 2 * SEAL_KEY_BYTES, NULL, NULL,
                       NULL) != 0) {
        rc = kt_fail(err, KT_EINVAL, "key_corrupt", "key", "Berkas kunci %s rusak", path);
        goto out;
    }
    key_id_of(r->k[i].key, id);
    char want[2 * SEAL_ID_BYTES + 1];
    sodium_bin2hex(want, sizeof want, id, sizeof id);
    if (memcmp(want, ihex, 2 * SEAL_ID_BYTES) != 0) {
        rc = kt_fail(err, KT_EINVAL, "key_corrupt", "key",
                     "Berkas kunci %s rusak (id kunci tidak cocok)", path);
        goto out;
    }
    memcpy(r->k[i].id, id, sizeof id);
    memcpy(r->k[i].id_hex, want, sizeof want);
out:
    sodium_memzero(text, sizeof text);
    close(fd);
    return rc;
}

kt_code seal_ring_load(const char *path, seal_ring **out, kt_error *err)
{
    char next[4200];
    kt_code rc;
    *out = NULL;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    if (snprintf(next, sizeof next, "%s.new", path) >= (int)sizeof next)
        return kt_fail(err, KT_EINVAL, "path_too_long", "key", "Path kunci terlalu panjang");
    seal_ring *r = sodium_malloc(sizeof *r);
    if (r == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    memset(r, 0, sizeof *r);
    rc = load_one(path, r, 0, err);
    if (rc == KT_OK) {
        r->n = 1;
        kt_error e2;
        kt_code r2 = load_one(next, r, 1, &e2);
        if (r2 == KT_OK) {
            r->n = 2;
            r->current = 1; /* a rotation under way: the new key seals */
        } else if (r2 != KT_ENOTFOUND) {
            if (err != NULL)
                *err = e2;
            rc = r2;
        }
    } else if (rc == KT_ENOTFOUND) {
        /* Crash between the two renames of a finished rotation cannot happen (one rename),
           but a .new alone means the old file was removed by hand: use what is there. */
        kt_error e2;
        if (load_one(next, r, 0, &e2) == KT_OK) {
            r->n = 1;
            rc = KT_OK;
        }
    }
    if (rc != KT_OK) {
        sodium_free(r);
        return rc;
    }
    *out = r;
    return KT_OK;
}

void seal_ring_free(seal_ring *r)
{
    if (r != NULL)
        sodium_free(r); /* wipes */
}

const char *seal_ring_current_id(const seal_ring *r) { return r->k[r->current].id_hex; }
size_t seal_ring_count(const seal_ring *r) { return r->n; }
const char *seal_ring_id(const seal_ring *r, size_t i)
{
    if (i >= r->n)
        return NULL;
    return r->k[i].id_hex;
}

static int find_id(const seal_ring *r, const uint8_t *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (sodium_memcmp(r->k[i].id, id, SEAL_ID_BYTES) == 0)
            return (int)i;
    return -1;
}

int seal_ring_has(const seal_ring *r, const char *id_hex)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->k[i].id_hex, id_hex) == 0)
            return 1;
    return 0;
}

int seal_is_sealed(const void *buf, size_t len)
{
    return len >= SEAL_OVERHEAD && memcmp(buf, SEAL_MAGIC, 4) == 0;
}

int seal_blob_key_id(const void *buf, size_t len, char id_hex[17])
{
    if (!seal_is_sealed(buf, len))
        return 0;
    sodium_bin2hex(id_hex, 17, (const uint8_t *)buf + 4, SEAL_ID_BYTES);
    return 1;
}

kt_code seal_encrypt(const seal_ring *r, const char *context, const void *data, size_t len,
                     uint8_t **out, size_t *outlen, kt_error *err)
{
    *out = NULL;
    *outlen = 0;
    if (len > SIZE_MAX - SEAL_OVERHEAD)
        return kt_fail(err, KT_ETOOBIG, "too_large", "", "Data terlalu besar untuk disegel");
    uint8_t *b = malloc(len + SEAL_OVERHEAD);
    if (b == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    const size_t c = r->current;
    memcpy(b, SEAL_MAGIC, 4);
    memcpy(b + 4, r->k[c].id, SEAL_ID_BYTES);
    uint8_t *nonce = b + 4 + SEAL_ID_BYTES;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    /* The associated data: the header (magic, key id, nonce) and the context. */
    size_t cl = strlen(context);
    uint8_t *ad = malloc(SEAL_HEADER_BYTES + cl);
    if (ad == NULL) {
        free(b);
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    }
    memcpy(ad, b, SEAL_HEADER_BYTES);
    memcpy(ad + SEAL_HEADER_BYTES, context, cl);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(b + SEAL_HEADER_BYTES, &clen, data, len, ad,
                                               SEAL_HEADER_BYTES + cl, NULL, nonce, r->k[c].key);
    free(ad);
    *out = b;
    *outlen = SEAL_HEADER_BYTES + (size_t)clen;
    return KT_OK;
}

kt_code seal_decrypt(const seal_ring *r, const char *context, const void *blob, size_t len,
                     uint8_t **out, size_t *outlen, kt_error *err)
{
    const uint8_t *b = blob;
    *out = NULL;
    *outlen = 0;
    if (!seal_is_sealed(blob, len))
        return kt_fail(err, KT_EREFUSED, "seal_not_sealed", "", "Data tidak tersegel (%s)",
                       context);
    int k = find_id(r, b + 4);
    if (k < 0) {
        char idh[17];
        seal_blob_key_id(blob, len, idh);
        return kt_fail(err, KT_EREFUSED, "seal_key_unknown", "key",
                       "Data %s disegel dengan kunci %s yang tidak ada di berkas kunci", context,
                       idh);
    }
    size_t cl = strlen(context), plen = len - SEAL_OVERHEAD;
    uint8_t *ad = malloc(SEAL_HEADER_BYTES + cl);
    uint8_t *p = malloc(plen ? plen : 1);
    if (ad == NULL || p == NULL) {
        free(ad);
        free(p);
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    }
    memcpy(ad, b, SEAL_HEADER_BYTES);
    memcpy(ad + SEAL_HEADER_BYTES, context, cl);
    unsigned long long got = 0;
    int bad = crypto_aead_xchacha20poly1305_ietf_decrypt(
        p, &got, NULL, b + SEAL_HEADER_BYTES, len - SEAL_HEADER_BYTES, ad,
        SEAL_HEADER_BYTES + cl, b + 4 + SEAL_ID_BYTES, r->k[k].key);
    free(ad);
    if (bad != 0) {
        free(p);
        return kt_fail(err, KT_EREFUSED, "seal_tampered", "",
                       "Data %s rusak atau telah diubah (segel tidak cocok)", context);
    }
    *out = p;
    *outlen = (size_t)got;
    return KT_OK;
}

void seal_free_secret(void *p, size_t len)
{
    if (p == NULL)
        return;
    sodium_memzero(p, len);
    free(p);
}

void seal_ring_subkey(const seal_ring *r, const char ctx[8], uint64_t n,
                      uint8_t out[SEAL_KEY_BYTES])
{
    crypto_kdf_derive_from_key(out, SEAL_KEY_BYTES, n, ctx, r->k[r->current].key);
}

int seal_ring_subkey_of(const seal_ring *r, const char *id_hex, const char ctx[8], uint64_t n,
                        uint8_t out[SEAL_KEY_BYTES])
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->k[i].id_hex, id_hex) == 0) {
            crypto_kdf_derive_from_key(out, SEAL_KEY_BYTES, n, ctx, r->k[i].key);
            return 1;
        }
    return 0;
}

kt_code seal_rotation_begin(const char *path, kt_error *err)
{
    char next[4200];
    struct stat sb;
    if (snprintf(next, sizeof next, "%s.new", path) >= (int)sizeof next)
        return kt_fail(err, KT_EINVAL, "path_too_long", "key", "Path kunci terlalu panjang");
    if (stat(next, &sb) == 0)
        return KT_OK; /* a rotation interrupted before: resume with its key */
    return seal_key_create(next, err);
}

static kt_code copy_private(const char *from, const char *to, kt_error *err)
{
    char buf[512];
    int fd = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return io_fail(err, from, "Berkas kunci tidak terbaca:");
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0)
        return io_fail(err, from, "Berkas kunci tidak terbaca:");
    kt_code rc = seal_write_file(to, buf, (size_t)n, err);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

kt_code seal_rotation_finish(const char *path, const char *stamp, char *retired,
                             size_t retired_cap, kt_error *err)
{
    char next[4200];
    struct stat sb;
    kt_code rc;
    if (snprintf(next, sizeof next, "%s.new", path) >= (int)sizeof next ||
        snprintf(retired, retired_cap, "%s.retired-%s", path, stamp) >= (int)retired_cap)
        return kt_fail(err, KT_EINVAL, "path_too_long", "key", "Path kunci terlalu panjang");
    if (stat(next, &sb) != 0)
        return kt_fail(err, KT_ECONFLICT, "rotation_not_begun", "key",
                       "Tidak ada rotasi kunci yang sedang berjalan");
    if (stat(path, &sb) == 0 && (rc = copy_private(path, retired, err)) != KT_OK)
        return rc;
    if (rename(next, path) != 0 || fsync_parent(path) != 0)
        return io_fail(err, path, "Kunci baru gagal dipasang:");
    return KT_OK;
}
