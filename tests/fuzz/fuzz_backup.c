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
 * and never touch the folder: after every input its files (names, sizes, times) are as the
 * backup left them.
 */
#include "backup_fixture.h"

#include <dirent.h>
#include <sodium.h>

#define HEADER "ktpel-backup 1\n"

static char bdir[300], mpath[400];
static char snap0[4096]; /* the folder as the backup left it (snapshot()) */

/* Every entry under the backup folder but MANIFEST: path, size, mtime (bounded text). */
static void snapshot_dir(const char *dir, const char *rel, char *out, size_t cap, size_t *n)
{
    char p[600];
    snprintf(p, sizeof p, "%s%s", dir, rel);
    DIR *d = opendir(p);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        char child[600];
        struct stat st;
        if (de->d_name[0] == '.' || (rel[0] == '\0' && strcmp(de->d_name, "MANIFEST") == 0))
            continue;
        snprintf(child, sizeof child, "%s/%s", rel, de->d_name);
        snprintf(p, sizeof p, "%s%s", dir, child);
        if (lstat(p, &st) != 0)
            continue;
        if (*n < cap)
            *n += (size_t)snprintf(out + *n, cap - *n, "%s %lld %lld\n", child,
                                   (long long)st.st_size, (long long)st.st_mtime);
        if (S_ISDIR(st.st_mode))
            snapshot_dir(dir, child, out, cap, n);
    }
    if (d != NULL)
        closedir(d);
}

static void snapshot(char out[4096])
{
    size_t n = 0;
    out[0] = '\0';
    snapshot_dir(bdir, "", out, 4096, &n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *root = fz_dir("manifest");
    if (sodium_init() < 0 || fz_backup_fixture(root, bdir) != 0)
        abort();
    snprintf(mpath, sizeof mpath, "%s/MANIFEST", bdir);
    kt_error err;
    if (bak_verify(bdir, &err) != KT_OK) {
        fprintf(stderr, "fuzz_manifest: the fixture does not verify: %s\n", err.message);
        abort();
    }
    snapshot(snap0);
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
    char now[4096];
    snapshot(now);
    if (strcmp(now, snap0) != 0)
        fz_fail("verifying a fuzzed MANIFEST changed the backup folder:\n%s\nwas\n%s", now,
                snap0);
    return 0;
}
