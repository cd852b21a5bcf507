/*
 * fuzz_manifest.c - the MANIFEST of a backup (src/backup/backup.c read_manifest and the
 * checks of bak_verify behind it): the file an operator's external disk hands back at
 * restore time, so anything may be in it.
 *
 * The first input byte picks a mode: 0 the rest is the whole MANIFEST; 1 the rest is the
 * file lines only, and the harness adds the header and the closing "end <count> <sha256>"
 * line the way ktpel writes them, so the fuzzer gets past the checksum to the per-file
 * checks (paths, sizes, hashes, unlisted files, the database's integrity_check). The backup
 * folder is a real one (backup_fixture.h); a verify must refuse with an id and a message
 * and never touch the folder: after every input the real MANIFEST verifies again.
 */
#include "backup_fixture.h"

#include <sodium.h>

#define HEADER "ktpel-backup 1\n"

static char bdir[300], mpath[400];
static char *good;   /* the real MANIFEST (owned) */
static size_t good_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *root = fz_dir("manifest");
    if (sodium_init() < 0 || fz_backup_fixture(root, bdir) != 0)
        abort();
    snprintf(mpath, sizeof mpath, "%s/MANIFEST", bdir);
    FILE *f = fopen(mpath, "rb");
    if (f == NULL || (good = malloc(1 << 16)) == NULL)
        abort();
    good_len = fread(good, 1, 1 << 16, f);
    fclose(f);
    return 0;
}

static void write_closed(const uint8_t *lines, size_t n)
{
    crypto_hash_sha256_state st;
    unsigned char sum[32];
    char hex[65], end[100];
    size_t count = 0;
    char *text = malloc(sizeof HEADER + n + 1 + sizeof end);
    if (text == NULL)
        abort();
    size_t len = 0;
    memcpy(text, HEADER, sizeof HEADER - 1);
    len += sizeof HEADER - 1;
    memcpy(text + len, lines, n);
    len += n;
    if (n > 0 && lines[n - 1] != '\n')
        text[len++] = '\n';
    for (size_t i = sizeof HEADER - 1; i < len; i++)
        count += text[i] == '\n';
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)text, len);
    crypto_hash_sha256_final(&st, sum);
    sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
    int el = snprintf(end, sizeof end, "end %zu %s\n", count, hex);
    memcpy(text + len, end, (size_t)el);
    len += (size_t)el;
    fz_write_file(mpath, text, len);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        write_closed(data + 1, size - 1);
    else
        fz_write_file(mpath, data + 1, size - 1);
    kt_error err;
    kt_error_clear(&err);
    if (bak_verify(bdir, &err) != KT_OK && (err.id[0] == '\0' || err.message[0] == '\0'))
        fz_fail("verify refused without an id and a message");
    fz_write_file(mpath, good, good_len);
    if (bak_verify(bdir, &err) != KT_OK)
        fz_fail("verifying a fuzzed MANIFEST changed the backup: %s %s", err.field,
                err.message);
    return 0;
}
