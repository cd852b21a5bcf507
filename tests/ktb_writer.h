/*
 * ktb_writer.h - an independent writer of ktpel's backup file, for the tests that need a
 * backup ktpel itself would never write (a crafted archive, a MANIFEST that lies, chunks cut
 * or tagged otherwise): tests/unit/backup and tests/fuzz/fuzz_backup. Header-only.
 *
 * The format, as src/backup/backup.h documents it: "KTPEL-BACKUP 2\n" + the data key's id
 * (16 hex) + "\n" (32 bytes, the associated data of every chunk), libsodium's secretstream
 * header, then chunks of [4-byte big-endian length][ciphertext], the last one tagged FINAL;
 * the key is the data key's crypto_kdf subkey 1 of context "ktbackup"; the plaintext is a pax
 * tar of ktpel.db, data/... and MANIFEST ("ktpel-backup 2\n", "sha256 size path" lines, "end
 * <count> <sha256 of the lines before>"). Written from that description, not from backup.c's
 * code: a writer that disagreed with the reader would show as refused backups in the tests.
 *
 * Ownership: what they write goes into the caller's t_bytes (tbytes.h). Aborts on a failure
 * of its own (out of memory, libarchive refusing to start).
 */
#ifndef KTPEL_TESTS_KTB_WRITER_H
#define KTPEL_TESTS_KTB_WRITER_H

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal/seal.h"
#include "tbytes.h"

#define KW_MAGIC "KTPEL-BACKUP 2\n"
#define KW_PREAMBLE 32
#define KW_CHUNK (64u * 1024u)
#define KW_MANIFEST_HEADER "ktpel-backup 2\n"
/* Each test uses some of these. */
#define KW_FN __attribute__((unused)) static

/* A growable byte buffer. */
/* ---- the tar (libarchive writing into memory) ----------------------------------------- */

KW_FN la_ssize_t kw_tar_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    (void)a;
    t_put(ctx, buf, n);
    return (la_ssize_t)n;
}

/* A pax tar writer appending to out; owned by caller (kw_tar_end). */
KW_FN struct archive *kw_tar_begin(t_bytes *out)
{
    struct archive *a = archive_write_new();
    if (a == NULL || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_open2(a, out, NULL, kw_tar_write, NULL, NULL) != ARCHIVE_OK)
        abort();
    return a;
}

/* One entry: type AE_IFREG (data), AE_IFDIR, AE_IFLNK (symlink to target) or a hard link
   (hardlink = target). A name libarchive refuses is skipped (0 returned), as a writer
   would. */
KW_FN int kw_tar_add(struct archive *a, const char *name, unsigned type, const char *link,
                     int hardlink, const void *data, size_t n)
{
    struct archive_entry *e = archive_entry_new();
    if (e == NULL)
        abort();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, type == AE_IFDIR ? 0700 : 0600);
    archive_entry_set_mtime(e, 1772416800, 0);
    if (type == AE_IFLNK)
        archive_entry_set_symlink(e, link);
    if (hardlink)
        archive_entry_set_hardlink(e, link);
    archive_entry_set_size(e, type == AE_IFREG && !hardlink ? (la_int64_t)n : 0);
    int ok = archive_write_header(a, e) == ARCHIVE_OK;
    if (ok && type == AE_IFREG && !hardlink && n > 0)
        ok = archive_write_data(a, data, n) == (la_ssize_t)n;
    archive_entry_free(e);
    return ok;
}

KW_FN void kw_tar_end(struct archive *a)
{
    archive_write_close(a);
    archive_write_free(a);
}

/* "sha256 size path\n" of data into the manifest text. */
KW_FN void kw_manifest_line(t_bytes *man, const char *path, const void *data, size_t n)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65], line[128];
    crypto_hash_sha256(h, data, n);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(line, sizeof line, "%s %zu ", hex, n);
    t_put(man, line, strlen(line));
    t_put(man, path, strlen(path));
    t_put(man, "\n", 1);
}

/* Close a manifest: man holds the header and the lines; adds "end <count> <sha256>". */
KW_FN void kw_manifest_close(t_bytes *man)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65], end[100];
    size_t count = 0, hl = sizeof KW_MANIFEST_HEADER - 1;
    for (size_t i = hl; i < man->n; i++)
        count += man->p[i] == '\n';
    crypto_hash_sha256(h, man->p, man->n);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(end, sizeof end, "end %zu %s\n", count, hex);
    t_put(man, end, strlen(end));
}

/* ---- the encrypted stream -------------------------------------------------------------- */

typedef struct kw_ktb {
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char ad[KW_PREAMBLE];
} kw_ktb;

/* Start a backup file in out: preamble (ring's current key id) and stream header. */
KW_FN void kw_ktb_begin(const seal_ring *ring, kw_ktb *k, t_bytes *out)
{
    unsigned char key[SEAL_KEY_BYTES], hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    memcpy(k->ad, KW_MAGIC, sizeof KW_MAGIC - 1);
    memcpy(k->ad + sizeof KW_MAGIC - 1, seal_ring_current_id(ring), 16);
    k->ad[KW_PREAMBLE - 1] = '\n';
    seal_ring_subkey(ring, "ktbackup", 1, key);
    crypto_secretstream_xchacha20poly1305_init_push(&k->st, hdr, key);
    sodium_memzero(key, sizeof key);
    t_put(out, k->ad, sizeof k->ad);
    t_put(out, hdr, sizeof hdr);
}

/* One chunk of n plaintext bytes with the secretstream tag (0 message .. 3 final). */
KW_FN void kw_ktb_chunk(kw_ktb *k, const void *data, size_t n, unsigned char tag,
                        t_bytes *out)
{
    unsigned long long clen = 0;
    size_t cap = n + crypto_secretstream_xchacha20poly1305_ABYTES;
    unsigned char *c = malloc(4 + cap);
    if (c == NULL)
        abort();
    crypto_secretstream_xchacha20poly1305_push(&k->st, c + 4, &clen, data, n, k->ad,
                                               sizeof k->ad, tag);
    c[0] = (unsigned char)(clen >> 24);
    c[1] = (unsigned char)(clen >> 16);
    c[2] = (unsigned char)(clen >> 8);
    c[3] = (unsigned char)clen;
    t_put(out, c, 4 + (size_t)clen);
    free(c);
}

/* A whole backup file of plain as ktpel writes it: CHUNK-sized chunks, the last (possibly
   empty) one FINAL. */
KW_FN void kw_ktb_seal(const seal_ring *ring, const uint8_t *plain, size_t n, t_bytes *out)
{
    kw_ktb k;
    kw_ktb_begin(ring, &k, out);
    size_t off = 0;
    while (n - off >= KW_CHUNK) {
        kw_ktb_chunk(&k, plain + off, KW_CHUNK, 0, out);
        off += KW_CHUNK;
    }
    kw_ktb_chunk(&k, plain + off, n - off, crypto_secretstream_xchacha20poly1305_TAG_FINAL,
                 out);
}

#endif
