/*
 * token.c - signed pickup-receipt tokens (see token.h for the format and the threat model).
 *
 * Keys are derived deterministically from one 32-byte seed: the Ed25519 key pair
 * (crypto_sign_seed_keypair) and the NIK-hash key (BLAKE2b of the seed under a fixed
 * context string), so the secret file holds one value only.
 *
 * Never: write key material anywhere but the key files; compare secrets with memcmp.
 */
#include "doc/token.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAYLOAD_FIXED (1 + 4 + 4 + TOK_NIK_HASH_LEN + 1)
#define PAYLOAD_MAX (PAYLOAD_FIXED + TOK_RECEIPT_MAX)
#define SIG_LEN crypto_sign_BYTES
#define FUTURE_SKEW_MS (5 * 60 * 1000)

static const char nik_ctx[] = "ktpel nik-hash v1";

static kt_code sodium_ready(kt_error *err)
{
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    return KT_OK;
}

/* Derive all keys from the seed. */
static void derive(const unsigned char seed[32], tok_keys *k)
{
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    crypto_generichash(k->nik_key, sizeof k->nik_key, (const unsigned char *)nik_ctx,
                       sizeof nik_ctx - 1, seed, 32);
}

void tok_keys_wipe(tok_keys *k)
{
    if (k != NULL)
        sodium_memzero(k, sizeof *k);
}

/* Write text to a new file (O_EXCL) with the given mode, fsync it. */
static kt_code write_new_file(const char *path, mode_t mode, const char *text, kt_error *err)
{
    kt_code rc = KT_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return kt_fail(err, KT_ECONFLICT, "key_exists", path,
                           "berkas kunci sudah ada; tidak ditimpa");
        return kt_fail(err, KT_EIO, "key_write", path, "tidak dapat membuat berkas kunci: %s",
                       strerror(errno));
    }
    /* umask may have widened nothing, but make the mode exact anyway. */
    size_t len = strlen(text), off = 0;
    if (fchmod(fd, mode) != 0) {
        rc = kt_fail(err, KT_EIO, "key_write", path, "chmod gagal: %s", strerror(errno));
        goto out;
    }
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = kt_fail(err, KT_EIO, "key_write", path, "gagal menulis berkas kunci: %s",
                         strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        rc = kt_fail(err, KT_EIO, "key_write", path, "fsync gagal: %s", strerror(errno));
out:
    close(fd);
    if (rc != KT_OK)
        unlink(path);
    return rc;
}

kt_code tok_keygen(const char *secret_path, const char *public_path, kt_error *err)
{
    unsigned char seed[32];
    tok_keys k;
    char hex[2 * 32 + 2];
    kt_code rc = sodium_ready(err);
    if (rc != KT_OK)
        return rc;
    if (secret_path == NULL || public_path == NULL || strcmp(secret_path, public_path) == 0)
        return kt_fail(err, KT_EINVAL, "key_path", "", "dua path berkas kunci yang berbeda "
                       "diperlukan");
    randombytes_buf(seed, sizeof seed);
    derive(seed, &k);

    sodium_bin2hex(hex, sizeof hex - 1, seed, sizeof seed);
    strcat(hex, "\n");
    rc = write_new_file(secret_path, 0600, hex, err);
    if (rc != KT_OK)
        goto out;
    sodium_bin2hex(hex, sizeof hex - 1, k.pk, sizeof k.pk);
    strcat(hex, "\n");
    rc = write_new_file(public_path, 0644, hex, err);
    if (rc != KT_OK)
        unlink(secret_path); /* a secret without its public half is useless */
out:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(hex, sizeof hex);
    tok_keys_wipe(&k);
    return rc;
}

/* Read a file holding exactly 64 hex digits (and an optional newline) into 32 bytes. */
static kt_code read_hex32(const char *path, unsigned char out[32], int secret, kt_error *err)
{
    char buf[130];
    kt_code rc = KT_OK;
    size_t bin_len = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kt_fail(err, errno == ENOENT ? KT_ENOTFOUND : KT_EIO, "key_read", path,
                       "tidak dapat membuka berkas kunci: %s", strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = kt_fail(err, KT_EIO, "key_read", path, "stat gagal: %s", strerror(errno));
        goto out;
    }
    if (secret && (st.st_mode & 077) != 0) {
        rc = kt_fail(err, KT_EREFUSED, "key_permissions", path,
                     "berkas kunci rahasia dapat dibaca pengguna lain (mode %03o); "
                     "jalankan chmod 600", (unsigned)(st.st_mode & 0777));
        goto out;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) {
        rc = kt_fail(err, KT_EIO, "key_read", path, "gagal membaca: %s", strerror(errno));
        goto out;
    }
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n != 64 || sodium_hex2bin(out, 32, buf, (size_t)n, NULL, &bin_len, NULL) != 0 ||
        bin_len != 32) {
        rc = kt_fail(err, KT_EINVAL, "key_malformed", path,
                     "berkas kunci harus berisi 64 digit heksadesimal");
        goto out;
    }
out:
    sodium_memzero(buf, sizeof buf);
    close(fd);
    return rc;
}

kt_code tok_load_secret(const char *secret_path, tok_keys *out, kt_error *err)
{
    unsigned char seed[32];
    kt_code rc = sodium_ready(err);
    if (rc != KT_OK)
        return rc;
    rc = read_hex32(secret_path, seed, 1, err);
    if (rc == KT_OK)
        derive(seed, out);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

kt_code tok_load_public(const char *public_path, unsigned char pk[TOK_PUBLIC_LEN],
                        kt_error *err)
{
    kt_code rc = sodium_ready(err);
    if (rc != KT_OK)
        return rc;
    return read_hex32(public_path, pk, 0, err);
}

static int nik_shape_ok(const char *nik)
{
    if (nik == NULL || strlen(nik) != 16)
        return 0;
    for (int i = 0; i < 16; i++)
        if (nik[i] < '0' || nik[i] > '9')
            return 0;
    return 1;
}

kt_code tok_nik_hash(const tok_keys *k, const char *nik, unsigned char out[TOK_NIK_HASH_LEN],
                     kt_error *err)
{
    if (!nik_shape_ok(nik))
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "NIK harus 16 digit angka");
    crypto_generichash(out, TOK_NIK_HASH_LEN, (const unsigned char *)nik, 16, k->nik_key,
                       sizeof k->nik_key);
    return KT_OK;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int receipt_ok(const char *r, size_t *len)
{
    if (r == NULL)
        return 0;
    size_t n = strlen(r);
    if (n < 1 || n > TOK_RECEIPT_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (r[i] < 0x21 || r[i] > 0x7e)
            return 0;
    *len = n;
    return 1;
}

kt_code tok_issue(const tok_keys *k, const char *receipt_no, const char *nik,
                  int64_t issued_at_ms, int64_t expires_at_ms, char *out, size_t cap,
                  kt_error *err)
{
    unsigned char msg[PAYLOAD_MAX + SIG_LEN];
    size_t rlen = 0;
    kt_code rc = sodium_ready(err);
    if (rc != KT_OK)
        return rc;
    if (!receipt_ok(receipt_no, &rlen))
        return kt_fail(err, KT_EINVAL, "receipt_no_invalid", "receipt_no",
                       "nomor tanda terima harus 1..%d karakter ASCII tanpa spasi",
                       TOK_RECEIPT_MAX);
    int64_t iss = issued_at_ms / 1000, exp = expires_at_ms / 1000;
    if (iss <= 0 || iss > UINT32_MAX || exp > UINT32_MAX)
        return kt_fail(err, KT_EINVAL, "time_invalid", "issued_at",
                       "waktu terbit di luar rentang yang didukung");
    if (exp <= iss)
        return kt_fail(err, KT_EINVAL, "time_invalid", "expires_at",
                       "masa berlaku harus berakhir setelah waktu terbit");
    if (cap < TOK_MAX_CHARS)
        return kt_fail(err, KT_EINTERNAL, "buffer_small", "", "buffer token terlalu kecil");

    msg[0] = TOK_VERSION;
    put_u32(msg + 1, (uint32_t)iss);
    put_u32(msg + 5, (uint32_t)exp);
    rc = tok_nik_hash(k, nik, msg + 9, err);
    if (rc != KT_OK)
        return rc;
    msg[9 + TOK_NIK_HASH_LEN] = (unsigned char)rlen;
    memcpy(msg + PAYLOAD_FIXED, receipt_no, rlen);
    size_t plen = PAYLOAD_FIXED + rlen;
    crypto_sign_detached(msg + plen, NULL, msg, plen, k->sk);
    sodium_bin2base64(out, cap, msg, plen + SIG_LEN, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return KT_OK;
}

kt_code tok_verify(const unsigned char pk[TOK_PUBLIC_LEN], const char *token, int64_t now_ms,
                   tok_claims *out, kt_error *err)
{
    unsigned char msg[PAYLOAD_MAX + SIG_LEN];
    size_t len = 0;
    kt_code rc = sodium_ready(err);
    if (rc != KT_OK)
        return rc;
    if (token == NULL || strlen(token) >= TOK_MAX_CHARS ||
        sodium_base642bin(msg, sizeof msg, token, strlen(token), NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return kt_fail(err, KT_EINVAL, "token_malformed", "token",
                       "kode QR bukan tanda terima ktpel (format tidak dikenal)");
    if (len < PAYLOAD_FIXED + 1 + SIG_LEN)
        return kt_fail(err, KT_EINVAL, "token_malformed", "token",
                       "kode QR terlalu pendek untuk tanda terima ktpel");
    size_t plen = len - SIG_LEN;
    /* The signature covers everything, so check it before trusting any field. */
    if (crypto_sign_verify_detached(msg + plen, msg, plen, pk) != 0)
        return kt_fail(err, KT_EINVAL, "token_bad_signature", "token",
                       "tanda tangan digital tanda terima tidak sah (diubah atau bukan dari "
                       "kantor ini)");
    size_t rlen = msg[9 + TOK_NIK_HASH_LEN];
    if (msg[0] != TOK_VERSION)
        return kt_fail(err, KT_EINVAL, "token_malformed", "token",
                       "versi tanda terima %u tidak dikenal", (unsigned)msg[0]);
    if (rlen < 1 || rlen > TOK_RECEIPT_MAX || PAYLOAD_FIXED + rlen != plen)
        return kt_fail(err, KT_EINVAL, "token_malformed", "token",
                       "isi tanda terima tidak utuh");
    int64_t iss = (int64_t)get_u32(msg + 1) * 1000, exp = (int64_t)get_u32(msg + 5) * 1000;
    if (now_ms >= exp)
        return kt_fail(err, KT_EREFUSED, "token_expired", "token",
                       "tanda terima sudah kedaluwarsa");
    if (iss > now_ms + FUTURE_SKEW_MS)
        return kt_fail(err, KT_EREFUSED, "token_not_yet_valid", "token",
                       "tanda terima bertanggal di masa depan; periksa jam komputer");
    out->version = msg[0];
    out->issued_at = iss;
    out->expires_at = exp;
    memcpy(out->nik_hash, msg + 9, TOK_NIK_HASH_LEN);
    memcpy(out->receipt_no, msg + PAYLOAD_FIXED, rlen);
    out->receipt_no[rlen] = '\0';
    return KT_OK;
}

int tok_nik_matches(const tok_keys *k, const tok_claims *c, const char *nik)
{
    unsigned char h[TOK_NIK_HASH_LEN];
    if (tok_nik_hash(k, nik, h, NULL) != KT_OK)
        return 0;
    return sodium_memcmp(h, c->nik_hash, sizeof h) == 0;
}
