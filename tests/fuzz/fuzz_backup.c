/*
 * fuzz_backup.c - reading a backup file (src/backup/backup.c: bak_verify and bak_restore):
 * the one .ktb file the office's external disk hands back at restore time, so anything may be
 * in it. The reader's layers, each reachable by a mode (the first input byte, '0'..'6'):
 *   0  the file as it is: preamble, key id, stream header, chunk lengths (an attacker without
 *      the key; the run's key is made fresh, so the key id is unknown)
 *   1  the same with the run's key id written into the preamble: the header and the first
 *      chunk's authentication are reached
 *   2  the chunking, behind a valid encryption: records [flags][length, 2 bytes big-endian]
 *      [bytes]; flags & 3 is the chunk's secretstream tag (3 = FINAL), flags & 4 appends the
 *      bytes unencrypted instead (a forged length, data after the end)
 *   3  the tar archive itself (libarchive's reading, the entry checks), encrypted as ktpel
 *      does (64 KiB chunks, the last FINAL)
 *   4  the whole MANIFEST, behind the office's real entries (ktpel.db and two data files)
 *   5  the MANIFEST's file lines only: the harness adds the header and the correct end line,
 *      so the per-entry checks are reached (hashes, sizes, paths, unlisted and missing files)
 *   6  the entries: records separated by NUL bytes, each TYPE NAME "\n" CONTENT, TYPE f (a
 *      file listed in a correct MANIFEST), u (a file not listed), d (a folder), l (a symbolic
 *      link to CONTENT), h (a hard link to CONTENT); the office's database comes first. What a
 *      writer who holds the key could put in: the restore's path checks and extraction.
 * The data key is made for the run (seal_key_create), as an office makes one.
 *
 * Checks backup.h's promises besides the sanitizers: a refusal is KT_EREFUSED with an id and
 * a message; verify and restore agree (a backup verify accepts restores, one it refuses is
 * refused); a refused restore leaves the target (a database and a data folder already there)
 * exactly as it was, and no *.restoring behind; a restore writes nothing outside its target
 * (the rest of the harness's folder is unchanged), only regular files of mode 0600 in
 * folders of 0700, and keeps the previous database and data folder aside; no decrypted copy
 * is left in TMPDIR (the harness's own) after either call.
 */
#include "backup_fixture.h"

#include <dirent.h>

static char root[300], key_path[400], ktb[500], tmpdir[400], rdir[400], rdb[500];
static seal_ring *ring;
static fz_office office;
static char *snap_root;   /* the harness's folder but the target, TMPDIR and in/ (owned) */
static char *snap_target; /* the restore target, as set up (owned) */

/* Every entry under dir: path, kind, mode, size and a hash of a file's bytes, one a line, in
   readdir order (stable for an unchanged folder). skip: top-level names not walked. */
static void walk(const char *dir, const char *rel, int skip, t_bytes *out)
{
    char p[1200];
    snprintf(p, sizeof p, "%s%s", dir, rel);
    DIR *d = opendir(p);
    struct dirent *de;
    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        char child[1200], line[1400];
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (skip && rel[0] == '\0' &&
            (strcmp(de->d_name, "restore") == 0 || strcmp(de->d_name, "tmp") == 0 ||
             strcmp(de->d_name, "in") == 0))
            continue;
        snprintf(child, sizeof child, "%s/%s", rel, de->d_name);
        snprintf(p, sizeof p, "%s%s", dir, child);
        if (lstat(p, &st) != 0)
            continue;
        unsigned char h[16] = {0};
        if (S_ISREG(st.st_mode)) {
            FILE *f = fopen(p, "rb");
            crypto_generichash_state gs;
            crypto_generichash_init(&gs, NULL, 0, sizeof h);
            char b[8192];
            size_t k;
            while (f != NULL && (k = fread(b, 1, sizeof b, f)) > 0)
                crypto_generichash_update(&gs, (const unsigned char *)b, k);
            if (f != NULL)
                fclose(f);
            crypto_generichash_final(&gs, h, sizeof h);
        }
        char hex[33];
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        snprintf(line, sizeof line, "%s %o %lld %s\n", child, (unsigned)st.st_mode,
                 (long long)st.st_size, hex);
        t_put(out, line, strlen(line));
        if (S_ISDIR(st.st_mode))
            walk(dir, child, 0, out);
    }
    closedir(d);
}

/* Owned by caller: free(). skip: leave out the harness's restore/, tmp/ and in/. */
static char *snapshot(const char *dir, int skip)
{
    t_bytes b = {0};
    t_put(&b, "", 0);
    walk(dir, "", skip, &b);
    return (char *)b.p;
}

/* The restore target as an office has it before a restore: a database and a data folder. */
static void target_make(void)
{
    char p[600];
    snprintf(p, sizeof p, "rm -rf '%s'", rdir);
    (void)!system(p);
    if (mkdir(rdir, 0700) != 0)
        abort();
    fz_write_file(rdb, "the office's current database", 29);
    snprintf(p, sizeof p, "%s/data", rdir);
    if (mkdir(p, 0700) != 0)
        abort();
    snprintf(p, sizeof p, "%s/data/current.sealed", rdir);
    fz_write_file(p, "current", 7);
}

static void check_tmp_empty(const char *after)
{
    char *s = snapshot(tmpdir, 0);
    if (s[0] != '\0')
        fz_fail("%s left files in TMPDIR:\n%s", after, s);
    free(s);
}

/* After a successful restore: every file 0600, every folder 0700, no links; the previous
   database and data folder kept aside. */
static void check_restored(const char *dir, const char *rel, int *aside_db, int *aside_data)
{
    char p[1200];
    snprintf(p, sizeof p, "%s%s", dir, rel);
    DIR *d = opendir(p);
    struct dirent *de;
    if (d == NULL)
        fz_fail("restored folder %s cannot be read", p);
    while ((de = readdir(d)) != NULL) {
        char child[1200];
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(child, sizeof child, "%s/%s", rel, de->d_name);
        snprintf(p, sizeof p, "%s%s", dir, child);
        if (lstat(p, &st) != 0)
            continue;
        if (rel[0] == '\0' && strncmp(de->d_name, "ktpel.db.pre-restore-", 21) == 0) {
            (*aside_db)++;
            continue;
        }
        if (rel[0] == '\0' && strncmp(de->d_name, "data.pre-restore-", 17) == 0) {
            (*aside_data)++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if ((st.st_mode & 07777) != 0700)
                fz_fail("restored folder %s has mode %o", child, (unsigned)st.st_mode & 07777);
            check_restored(dir, child, aside_db, aside_data);
        } else if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0600) {
            fz_fail("restore made %s of mode %o (not a regular file of 0600)", child,
                    (unsigned)st.st_mode);
        }
    }
    closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kt_error err;
    snprintf(root, sizeof root, "%s", fz_dir("backup"));
    snprintf(key_path, sizeof key_path, "%s/ktpel.key", root);
    snprintf(ktb, sizeof ktb, "%s/in/ktpel-backup-20260302-090000.ktb", root);
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", root);
    snprintf(rdir, sizeof rdir, "%s/restore", root);
    snprintf(rdb, sizeof rdb, "%s/ktpel.db", rdir);
    char in[400];
    snprintf(in, sizeof in, "%s/in", root);
    if (sodium_init() < 0 || mkdir(tmpdir, 0700) != 0 || mkdir(in, 0700) != 0 ||
        fz_office_make(root, &office) != 0)
        abort();
    /* verify and restore make their private copies here: checked empty after each call */
    setenv("TMPDIR", tmpdir, 1);
    if (seal_key_create(key_path, &err) != KT_OK ||
        seal_ring_load(key_path, &ring, &err) != KT_OK) {
        fprintf(stderr, "fuzz_backup: key: %s\n", err.message);
        abort();
    }
    /* The office's own backup must verify: the writer above agrees with ktpel's reader. */
    t_bytes plain = {0}, file = {0};
    fz_office_tar(&office, NULL, 0, FZ_MAN_OWN, &plain);
    kw_ktb_seal(ring, plain.p, plain.n, &file);
    fz_write_file(ktb, file.p, file.n);
    if (bak_verify(ktb, ring, &err) != KT_OK) {
        fprintf(stderr, "fuzz_backup: the harness's backup does not verify: %s %s\n", err.id,
                err.message);
        abort();
    }
    t_free(&plain);
    t_free(&file);
    target_make();
    snap_target = snapshot(rdir, 0);
    snap_root = snapshot(root, 1);
    return 0;
}

/* Mode 2: records [flags][len hi][len lo][bytes]. */
static void chunked(const uint8_t *d, size_t n, t_bytes *out)
{
    kw_ktb k;
    kw_ktb_begin(ring, &k, out);
    while (n >= 3) {
        unsigned flags = d[0];
        size_t len = (size_t)d[1] << 8 | d[2];
        d += 3;
        n -= 3;
        if (len > n)
            len = n;
        if (flags & 4)
            t_put(out, d, len);
        else
            kw_ktb_chunk(&k, d, len, (unsigned char)(flags & 3), out);
        d += len;
        n -= len;
    }
}

/* Mode 6: NUL-separated records TYPE NAME "\n" CONTENT. */
static void entries(const uint8_t *d, size_t n, t_bytes *plain)
{
    t_bytes man = {0};
    struct archive *a = kw_tar_begin(plain);
    t_put(&man, KW_MANIFEST_HEADER, sizeof KW_MANIFEST_HEADER - 1);
    kw_tar_add(a, BAK_DB_NAME, AE_IFREG, NULL, 0, office.db_bytes, office.db_len);
    kw_manifest_line(&man, BAK_DB_NAME, office.db_bytes, office.db_len);
    const uint8_t *end = d + n;
    while (d < end) {
        const uint8_t *z = memchr(d, '\0', (size_t)(end - d));
        const uint8_t *rec_end = z != NULL ? z : end;
        const uint8_t *nl = memchr(d, '\n', (size_t)(rec_end - d));
        if (nl != NULL && nl > d) {
            char type = (char)d[0], name[600], link[600];
            size_t nl_len = (size_t)(nl - d - 1), cl = (size_t)(rec_end - nl - 1);
            if (nl_len < sizeof name) {
                memcpy(name, d + 1, nl_len);
                name[nl_len] = '\0';
                snprintf(link, sizeof link, "%.*s", (int)(cl < sizeof link ? cl : sizeof link - 1),
                         (const char *)nl + 1);
                switch (type) {
                case 'f':
                    if (kw_tar_add(a, name, AE_IFREG, NULL, 0, nl + 1, cl))
                        kw_manifest_line(&man, name, nl + 1, cl);
                    break;
                case 'u': kw_tar_add(a, name, AE_IFREG, NULL, 0, nl + 1, cl); break;
                case 'd': kw_tar_add(a, name, AE_IFDIR, NULL, 0, NULL, 0); break;
                case 'l': kw_tar_add(a, name, AE_IFLNK, link, 0, NULL, 0); break;
                case 'h': kw_tar_add(a, name, AE_IFREG, link, 1, NULL, 0); break;
                default: break;
                }
            }
        }
        d = rec_end + (z != NULL);
    }
    kw_manifest_close(&man);
    kw_tar_add(a, BAK_MANIFEST, AE_IFREG, NULL, 0, man.p, man.n);
    kw_tar_end(a);
    t_free(&man);
}

static void check_refusal(const char *what, kt_code rc, const kt_error *err)
{
    if (rc != KT_EREFUSED || err->id[0] == '\0' || err->message[0] == '\0')
        fz_fail("%s refused a backup with code %d, id '%s': %s (want KT_EREFUSED, an id and "
                "a message)", what, (int)rc, err->id, err->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned mode = (uint8_t)(data[0] - '0');
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    t_bytes file = {0}, plain = {0};
    switch (mode) {
    case 0:
    case 1:
        t_put(&file, d, n);
        if (mode == 1 && n >= KW_PREAMBLE)
            memcpy(file.p + sizeof KW_MAGIC - 1, seal_ring_current_id(ring), 16);
        break;
    case 2: chunked(d, n, &file); break;
    case 3: kw_ktb_seal(ring, d, n, &file); break;
    case 4:
    case 5:
        fz_office_tar(&office, d, n, mode == 4 ? FZ_MAN_WHOLE : FZ_MAN_LINES, &plain);
        kw_ktb_seal(ring, plain.p, plain.n, &file);
        break;
    case 6:
        entries(d, n, &plain);
        kw_ktb_seal(ring, plain.p, plain.n, &file);
        break;
    default: return 0;
    }
    t_free(&plain);
    fz_write_file(ktb, file.p != NULL ? file.p : (const uint8_t *)"", file.n);
    t_free(&file);

    kt_error e1, e2;
    kt_error_clear(&e1);
    kt_error_clear(&e2);
    kt_code v = bak_verify(ktb, ring, &e1);
    if (v != KT_OK)
        check_refusal("verify", v, &e1);
    check_tmp_empty("bak_verify");
    kt_code r = bak_restore(ktb, rdb, NULL, ring, &e2);
    check_tmp_empty("bak_restore");
    if (v == KT_OK && r != KT_OK)
        fz_fail("a backup that verifies is not restored: %s (%s): %s", e2.id, e2.field,
                e2.message);
    if (v != KT_OK && r == KT_OK)
        fz_fail("a backup refused by verify (%s: %s) was restored", e1.id, e1.message);
    char *now_root = snapshot(root, 1);
    if (strcmp(now_root, snap_root) != 0)
        fz_fail("%s restore changed the harness's folder outside the target:\n%s\nwas\n%s",
                r == KT_OK ? "a" : "a refused", now_root, snap_root);
    free(now_root);
    if (r != KT_OK) {
        check_refusal("restore", r, &e2);
        char *now = snapshot(rdir, 0);
        if (strcmp(now, snap_target) != 0)
            fz_fail("a refused restore (%s) changed the target:\n%s\nwas\n%s", e2.id, now,
                    snap_target);
        free(now);
        return 0;
    }
    int aside_db = 0, aside_data = 0;
    struct stat st;
    if (lstat(rdb, &st) != 0 || !S_ISREG(st.st_mode))
        fz_fail("a restore that succeeded left no database");
    check_restored(rdir, "", &aside_db, &aside_data);
    if (aside_db != 1 || aside_data != 1)
        fz_fail("the previous database (%d) or data folder (%d) was not kept aside", aside_db,
                aside_data);
    target_make();
    return 0;
}
