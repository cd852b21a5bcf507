/*
 * keys.c - the link's keys in files (mode 0600 in a 0700 folder), base64 for the wire, and
 * the signed request header of the node's feed requests.
 *
 * A key file holds one line, the key type and the secret key in hex; it is written to a
 * temporary name, fsynced and renamed, so a crash leaves the old key or the new one, never
 * half of one. A key file that others may read is refused: the key is the node's identity.
 *
 * Never: print a secret key; accept a key file with group/other permissions.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link/link.h"

void link_b64(const uint8_t *bin, size_t n, char *out, size_t cap)
{
    sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Only the URL-safe alphabet: libsodium 1.0.18 (Debian 12) decodes every byte from 0x80 up
   as '_', so one key or signature would have many spellings. */
static int b64_alphabet_ok(const char *s)
{
    for (; *s != '\0'; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return 0;
    return 1;
}

kt_code link_b64_key(const char *s, uint8_t out[32], const char *field, kt_error *err)
{
    size_t n = 0;
    if (s == NULL || strlen(s) > 64 || !b64_alphabet_ok(s) ||
        sodium_base642bin(out, 32, s, strlen(s), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != 32)
        return kt_fail(err, KT_EINVAL, "key_invalid", field,
                       "Kunci %s tidak sah (harus 32 bita dalam base64)", field);
    return KT_OK;
}

void link_sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* mkdir -p of path's folder, 0700 for what is made. */
static kt_code make_folder_of(const char *path, kt_error *err)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return kt_fail(err, KT_EINVAL, "path_too_long", "key", "Path kunci terlalu panjang");
    char *slash = strrchr(buf, '/');
    if (slash == NULL || slash == buf)
        return KT_OK;
    *slash = '\0';
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return kt_fail(err, KT_EIO, "key_folder", "key",
                               "Folder kunci %s tidak dapat dibuat: %s", buf, strerror(errno));
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return KT_OK;
}

kt_code link_file_write(const char *path, const void *data, size_t len, kt_error *err)
{
    char tmp[1100];
    kt_code rc = make_folder_of(path, err);
    if (rc != KT_OK)
        return rc;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return kt_fail(err, KT_EINVAL, "path_too_long", "path", "Path %s terlalu panjang", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return kt_fail(err, KT_EIO, "write_failed", "path", "%s tidak dapat ditulis: %s", path,
                       strerror(errno));
    int bad = write(fd, data, len) != (ssize_t)len || fchmod(fd, 0600) != 0 || fsync(fd) != 0;
    bad |= close(fd) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return kt_fail(err, KT_EIO, "write_failed", "path", "%s gagal ditulis: %s", path,
                       strerror(e));
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        int dfd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return KT_OK;
}

/* "<type> <hex>\n", durably. */
static kt_code key_write(const char *path, const char *type, const uint8_t *sk, size_t n,
                         kt_error *err)
{
    char line[300];
    int hl = snprintf(line, sizeof line, "%s ", type);
    sodium_bin2hex(line + hl, sizeof line - (size_t)hl - 1, sk, n);
    strcat(line, "\n");
    kt_code rc = link_file_write(path, line, strlen(line), err);
    sodium_memzero(line, sizeof line);
    return rc;
}

/* Read the secret of type (n bytes) from path. KT_ENOTFOUND when the file does not exist. */
static kt_code key_read(const char *path, const char *type, uint8_t *sk, size_t n,
                        kt_error *err)
{
    struct stat stt;
    char line[300];
    if (stat(path, &stt) != 0) {
        if (errno == ENOENT)
            return KT_ENOTFOUND;
        return kt_fail(err, KT_EIO, "key_read", "key", "Kunci %s tidak terbaca: %s", path,
                       strerror(errno));
    }
    if ((stt.st_mode & 077) != 0)
        return kt_fail(err, KT_EREFUSED, "key_file_mode", "key",
                       "Berkas kunci %s dapat dibaca pengguna lain (mode %03o); jalankan "
                       "chmod 600",
                       path, (unsigned)(stt.st_mode & 0777));
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return kt_fail(err, KT_EIO, "key_read", "key", "Kunci %s tidak terbaca: %s", path,
                       strerror(errno));
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    size_t tl = strlen(type), bin = 0;
    if (!ok || strncmp(line, type, tl) != 0 || line[tl] != ' ' ||
        sodium_hex2bin(sk, n, line + tl + 1, strcspn(line + tl + 1, "\n"), NULL, &bin, NULL) !=
            0 ||
        bin != n) {
        sodium_memzero(line, sizeof line);
        return kt_fail(err, KT_EINVAL, "key_file_invalid", "key",
                       "Berkas kunci %s rusak (bukan kunci %s)", path, type);
    }
    sodium_memzero(line, sizeof line);
    return KT_OK;
}

kt_code link_sign_key_new(const char *path, link_sign_key *k, kt_error *err)
{
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    crypto_sign_keypair(k->pk, k->sk);
    return key_write(path, "ktpel-ed25519", k->sk, sizeof k->sk, err);
}

kt_code link_sign_key_load(const char *path, int make, link_sign_key *k, int *made,
                           kt_error *err)
{
    if (made != NULL)
        *made = 0;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    kt_code rc = key_read(path, "ktpel-ed25519", k->sk, sizeof k->sk, err);
    if (rc == KT_ENOTFOUND && make) {
        if (made != NULL)
            *made = 1;
        return link_sign_key_new(path, k, err);
    }
    if (rc == KT_ENOTFOUND)
        return kt_fail(err, KT_ENOTFOUND, "key_missing", "key", "Berkas kunci %s tidak ada",
                       path);
    if (rc != KT_OK)
        return rc;
    /* libsodium's secret key is the seed and the public key: a file whose second half is not
       the seed's public key would load, then sign what no one can verify. */
    link_sign_key chk;
    crypto_sign_seed_keypair(chk.pk, chk.sk, k->sk);
    int same = sodium_memcmp(chk.sk, k->sk, sizeof chk.sk) == 0;
    sodium_memzero(&chk, sizeof chk);
    if (!same) {
        sodium_memzero(k, sizeof *k);
        return kt_fail(err, KT_EINVAL, "key_file_invalid", "key",
                       "Berkas kunci %s rusak (kunci publiknya bukan milik kunci rahasianya)",
                       path);
    }
    crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
    return KT_OK;
}

kt_code link_box_key_load(const char *path, int make, link_box_key *k, int *made, kt_error *err)
{
    if (made != NULL)
        *made = 0;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    kt_code rc = key_read(path, "ktpel-x25519", k->sk, sizeof k->sk, err);
    if (rc == KT_ENOTFOUND && make) {
        if (made != NULL)
            *made = 1;
        crypto_box_keypair(k->pk, k->sk);
        return key_write(path, "ktpel-x25519", k->sk, sizeof k->sk, err);
    }
    if (rc == KT_ENOTFOUND)
        return kt_fail(err, KT_ENOTFOUND, "key_missing", "key", "Berkas kunci %s tidak ada",
                       path);
    if (rc == KT_OK)
        crypto_scalarmult_base(k->pk, k->sk);
    return rc;
}

/* ---- signed requests -------------------------------------------------------------------- */

/* The signed text; 0 when method and path are over LINK_REQ_TEXT_MAX or the text does not fit
   in cap (cut, it would not cover the body's hash). */
static int req_text(char *buf, size_t cap, const char *method, const char *path_query,
                    const void *body, size_t len, const char *time_s)
{
    char h[65];
    if (strlen(method) + strlen(path_query) > LINK_REQ_TEXT_MAX)
        return 0;
    link_sha256_hex(body != NULL ? body : "", body != NULL ? len : 0, h);
    int n = snprintf(buf, cap, "ktpel-link-v1\n%s\n%s\n%s\n%s", method, path_query, time_s, h);
    return n >= 0 && (size_t)n < cap;
}

void link_req_sign(const link_sign_key *k, const char *node_id, const char *method,
                   const char *path_query, const void *body, size_t len, int64_t now_ms,
                   link_req_sig *out)
{
    char text[1400];
    uint8_t sig[crypto_sign_BYTES];
    memset(out, 0, sizeof *out);
    snprintf(out->node, sizeof out->node, "%s", node_id);
    snprintf(out->time, sizeof out->time, "%lld", (long long)now_ms);
    if (!req_text(text, sizeof text, method, path_query, body, len, out->time))
        return; /* too long to sign: no signature, which every verify refuses */
    crypto_sign_detached(sig, NULL, (const uint8_t *)text, strlen(text), k->sk);
    link_b64(sig, sizeof sig, out->sig, sizeof out->sig);
}

kt_code link_req_verify(const uint8_t pk[32], const char *method, const char *path_query,
                        const void *body, size_t len, const char *time_s, const char *sig_b64,
                        int64_t now_ms, kt_error *err)
{
    char text[1400], *end = NULL;
    uint8_t sig[crypto_sign_BYTES];
    size_t n = 0;
    if (time_s == NULL || sig_b64 == NULL || strlen(sig_b64) > 100)
        return kt_fail(err, KT_EUNAUTH, "bad_signature", "X-Ktpel-Signature",
                       "Permintaan simpul tanpa tanda tangan");
    long long t = strtoll(time_s, &end, 10);
    if (time_s[0] == '\0' || *end != '\0')
        return kt_fail(err, KT_EUNAUTH, "bad_signature", "X-Ktpel-Time",
                       "Waktu permintaan simpul tidak sah");
    if (t < now_ms - LINK_SKEW_MS || t > now_ms + LINK_SKEW_MS)
        return kt_fail(err, KT_EUNAUTH, "request_expired", "X-Ktpel-Time",
                       "Jam simpul berbeda lebih dari 5 menit dengan jam pusat");
    if (!b64_alphabet_ok(sig_b64) ||
        sodium_base642bin(sig, sizeof sig, sig_b64, strlen(sig_b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof sig)
        return kt_fail(err, KT_EUNAUTH, "bad_signature", "X-Ktpel-Signature",
                       "Tanda tangan permintaan simpul rusak");
    if (!req_text(text, sizeof text, method, path_query, body, len, time_s))
        return kt_fail(err, KT_EUNAUTH, "bad_signature", "X-Ktpel-Signature",
                       "Permintaan simpul terlalu panjang untuk ditandatangani");
    if (crypto_sign_verify_detached(sig, (const uint8_t *)text, strlen(text), pk) != 0)
        return kt_fail(err, KT_EUNAUTH, "bad_signature", "X-Ktpel-Signature",
                       "Tanda tangan permintaan simpul tidak cocok");
    return KT_OK;
}

void link_fault(const char *name)
{
    const char *f = getenv("KTPEL_FAULT");
    if (f != NULL && strcmp(f, name) == 0)
        raise(SIGKILL);
}
