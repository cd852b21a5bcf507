/*
 * test_backup.c - backups of a real SQLite database in WAL mode while another connection
 * (its own thread) keeps committing; verify; restore to a new place; every row committed
 * before the backup began comes back identical, and the biometric files too. The backup file
 * shows nothing of what it holds (no SQLite header, no NIK, no file name), and it verifies
 * and restores from a folder whose permissions are ignored (as on an exFAT/FAT32 disk, every
 * file world-readable). Damaged backups (a byte flipped in the preamble, the stream header, a
 * chunk or the last tag; the file cut in the middle or exactly before its final chunk; two
 * chunks swapped; a chunk removed; bytes appended; another office's key) are refused by
 * verify and by restore, and a refused restore leaves the target untouched. Rotation keeps
 * the newest N. A backup written by hand (tests/ktb_writer.h) with entries no restore could
 * write (a file where another entry needs a folder, a trailing '/', a component longer than a
 * file name may be, a hard link) is refused by verify as well as by restore, so the two always
 * agree; found by fuzz_backup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../ktb_writer.h"
#include "backup/backup.h"
#include "seal/seal.h"

#define ROWS 6000
#define BLOB 400

static char dir[64];
static char db_path[128], data_dir[128], good[128], key_path[128];
static seal_ring *ring, *other_ring;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The office's database: ROWS applications with a blob each, WAL mode. */
static int group_setup(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    snprintf(dir, sizeof dir, "/tmp/ktpel-bak-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(db_path, sizeof db_path, "%s/ktpel.db", dir);
    snprintf(data_dir, sizeof data_dir, "%s/data", dir);
    snprintf(good, sizeof good, "%s/good" BAK_SUFFIX, dir);
    snprintf(key_path, sizeof key_path, "%s/ktpel.key", dir);
    kt_error err;
    char other[160];
    snprintf(other, sizeof other, "%s/other-office.key", dir);
    if (seal_key_create(key_path, &err) != KT_OK || seal_ring_load(key_path, &ring, &err) != KT_OK ||
        seal_key_create(other, &err) != KT_OK || seal_ring_load(other, &other_ring, &err) != KT_OK)
        return -1;
    if (sqlite3_open(db_path, &db) != SQLITE_OK)
        return -1;
    exec_sql(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, nik TEXT, "
                 "state TEXT, blob BLOB); BEGIN;");
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO t(id, nik, state, blob) VALUES (?, ?, ?, randomblob(?))",
                       -1, &st, NULL);
    for (int i = 1; i <= ROWS; i++) {
        char nik[17];
        snprintf(nik, sizeof nik, "367110%010d", i);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_text(st, 2, nik, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, i % 3 ? "recorded" : "handed_over", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, BLOB);
        if (sqlite3_step(st) != SQLITE_DONE)
            return -1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    exec_sql(db, "COMMIT;");
    sqlite3_close(db);
    /* biometric files, nested as the service stores them */
    sh("mkdir -p '%s/bio/1' '%s/bio/2'", data_dir, data_dir);
    char p[256];
    snprintf(p, sizeof p, "%s/bio/1/face.jpg", data_dir);
    write_file(p, "JPEG face of applicant 1");
    snprintf(p, sizeof p, "%s/bio/1/finger_1.iso", data_dir);
    write_file(p, "FMR finger 1 of applicant 1");
    snprintf(p, sizeof p, "%s/bio/2/signature.png", data_dir);
    write_file(p, "PNG signature of applicant 2");
    snprintf(p, sizeof p, "%s/README", data_dir);
    write_file(p, "top-level file");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    seal_ring_free(ring);
    seal_ring_free(other_ring);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- the writer: another connection committing small transactions ---------------------- */

static atomic_int stop_writer;
static atomic_int committed;

static void *writer(void *arg)
{
    (void)arg;
    sqlite3 *db = NULL;
    sqlite3_open(db_path, &db);
    sqlite3_busy_timeout(db, 5000);
    int id = ROWS + 1;
    while (!atomic_load(&stop_writer)) {
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO t(id, nik, state, blob) VALUES (%d, 'w', "
                 "'called', randomblob(%d))", id, BLOB);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK) {
            id++;
            atomic_fetch_add(&committed, 1);
        }
    }
    sqlite3_close(db);
    return NULL;
}

static long long count_rows(const char *path, const char *where)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sql[128];
    long long n = -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM t %s", where);
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Every row with id <= ROWS identical in both databases (compared column by column). */
static void assert_rows_identical(const char *a, const char *b)
{
    sqlite3 *da = NULL, *dbb = NULL;
    sqlite3_stmt *sa = NULL, *sb = NULL;
    const char *sql = "SELECT id, nik, state, blob FROM t WHERE id <= ?1 ORDER BY id";
    assert_int_equal(sqlite3_open_v2(a, &da, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_open_v2(b, &dbb, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(da, sql, -1, &sa, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(dbb, sql, -1, &sb, NULL), SQLITE_OK);
    sqlite3_bind_int(sa, 1, ROWS);
    sqlite3_bind_int(sb, 1, ROWS);
    int n = 0;
    for (;;) {
        int ra = sqlite3_step(sa), rb = sqlite3_step(sb);
        assert_int_equal(ra, rb);
        if (ra != SQLITE_ROW)
            break;
        for (int c = 0; c < 4; c++) {
            int la = sqlite3_column_bytes(sa, c), lb = sqlite3_column_bytes(sb, c);
            assert_int_equal(la, lb);
            assert_memory_equal(sqlite3_column_blob(sa, c), sqlite3_column_blob(sb, c), la);
        }
        n++;
    }
    assert_int_equal(n, ROWS);
    sqlite3_finalize(sa);
    sqlite3_finalize(sb);
    sqlite3_close(da);
    sqlite3_close(dbb);
}

/* The whole file, read (owned by caller). */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    unsigned char *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void spit(const char *path, const unsigned char *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int has(const unsigned char *b, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(b + i, needle, k) == 0)
            return 1;
    return 0;
}

/* Offsets of the chunks of a backup file (after the 32-byte preamble and the 24-byte stream
   header: [4-byte length][ciphertext]); returns the count, off[count] = the file's end. */
static size_t chunks(const unsigned char *b, size_t len, size_t *off, size_t cap)
{
    size_t n = 0, p = 32 + 24;
    while (p + 4 <= len && n + 1 < cap) {
        off[n++] = p;
        size_t c = (size_t)b[p] << 24 | (size_t)b[p + 1] << 16 | (size_t)b[p + 2] << 8 | b[p + 3];
        p += 4 + c;
    }
    off[n] = p;
    return n;
}

static void test_online_backup_verify_restore(void **state)
{
    (void)state;
    pthread_t th;
    kt_error err;
    bak_stats st;
    atomic_store(&stop_writer, 0);
    atomic_store(&committed, 0);
    assert_int_equal(pthread_create(&th, NULL, writer, NULL), 0);
    while (atomic_load(&committed) < 20) /* the writer is committing before we start */
        usleep(1000);
    int before = atomic_load(&committed);
    kt_code rc = bak_backup_stats(db_path, data_dir, good, ring, &st, &err);
    int after = atomic_load(&committed);
    atomic_store(&stop_writer, 1);
    pthread_join(th, NULL);
    if (rc != KT_OK)
        fail_msg("backup: %s: %s", err.field, err.message);
    print_message("backup: db %llu bytes in %u steps (%u busy retries), %llu files, %llu bytes "
                  "encrypted; writer committed %d rows during the backup\n",
                  (unsigned long long)st.db_bytes, st.db_steps, st.busy_retries,
                  (unsigned long long)st.files, (unsigned long long)st.archive_bytes,
                  after - before);
    assert_int_equal(st.files, 4);
    assert_true(st.db_steps > 1); /* stepped, not one big copy */

    /* one file, 0600, no .partial left, no snapshot left beside the database */
    char p[256];
    struct stat sb;
    snprintf(p, sizeof p, "%s.partial", good);
    assert_int_not_equal(stat(p, &sb), 0);
    assert_int_equal(stat(good, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal((uint64_t)sb.st_size, st.archive_bytes);
    sh("test -z \"$(ls -A '%s' | grep '^\\.ktpel-backup-')\"", dir);

    /* Nothing of what it holds shows: not the database, not a NIK, not a file or its name. */
    size_t len = 0;
    unsigned char *b = slurp(good, &len);
    assert_false(has(b, len, "SQLite format 3"));
    assert_false(has(b, len, "3671100000000001"));
    assert_false(has(b, len, "JPEG face of applicant"));
    assert_false(has(b, len, "face.jpg"));
    assert_false(has(b, len, "MANIFEST"));
    assert_false(has(b, len, "ustar"));
    assert_memory_equal(b, "KTPEL-BACKUP 2\n", 15);
    free(b);

    assert_int_equal(bak_verify(good, ring, &err), KT_OK);

    /* A disk without Unix permissions (exFAT, FAT32) shows every file and folder to everyone:
       the backup is as secret there, and verifies and restores the same. */
    char fat[200], fatb[300];
    snprintf(fat, sizeof fat, "%s/exfat-disk", dir);
    snprintf(fatb, sizeof fatb, "%s/ktpel-backup-20250115-173000" BAK_SUFFIX, fat);
    sh("mkdir -p '%s' && cp '%s' '%s' && chmod 0777 '%s' '%s'", fat, good, fatb, fat, fatb);
    assert_int_equal(bak_verify(fatb, ring, &err), KT_OK);

    char rdb[256], rdata[256];
    snprintf(rdb, sizeof rdb, "%s/restored/ktpel.db", dir);
    snprintf(rdata, sizeof rdata, "%s/restored/data", dir);
    sh("mkdir -p '%s/restored'", dir);
    rc = bak_restore(fatb, rdb, NULL, ring, &err);
    if (rc != KT_OK)
        fail_msg("restore: %s: %s", err.field, err.message);
    assert_rows_identical(db_path, rdb);
    /* The snapshot holds every row committed before the backup began, and nothing the writer
       committed after it ended. */
    long long n = count_rows(rdb, "");
    assert_true(n >= ROWS + before);
    assert_true(n <= ROWS + after);
    sh("diff -r '%s' '%s'", data_dir, rdata);
    /* restored private whatever the disk said: files 0600, folders 0700 */
    sh("test -z \"$(find '%s' '%s' -perm /077)\"", rdb, rdata);
    /* another office's key opens nothing */
    assert_int_equal(bak_verify(good, other_ring, &err), KT_EREFUSED);
    assert_string_equal(err.id, "backup_key");
}

/* Copy the good backup, damage it (a function of the bytes), expect refusal with id. */
typedef size_t (*damage_fn)(unsigned char *b, size_t len, const size_t *off, size_t n);

static void damaged(const char *name, damage_fn fn, const char *id)
{
    char bad[256], target[256], p[300];
    kt_error err;
    size_t len = 0, off[4096];
    unsigned char *b = slurp(good, &len);
    size_t n = chunks(b, len, off, 4096);
    assert_true(n >= 3);
    assert_int_equal(off[n], len);
    b = realloc(b, len + 64);
    assert_non_null(b);
    size_t nlen = fn(b, len, off, n);
    snprintf(bad, sizeof bad, "%s/bad-%s" BAK_SUFFIX, dir, name);
    spit(bad, b, nlen);
    free(b);
    kt_code rc = bak_verify(bad, ring, &err);
    if (rc != KT_EREFUSED)
        fail_msg("%s: verify returned %d (%s)", name, rc, err.message);
    assert_string_equal(err.id, id);
    print_message("%s: refused: %s: %s\n", name, err.field, err.message);
    /* restore refuses too and creates nothing */
    snprintf(target, sizeof target, "%s/restore-%s.db", dir, name);
    assert_int_equal(bak_restore(bad, target, NULL, ring, &err), KT_EREFUSED);
    struct stat sb;
    assert_int_not_equal(stat(target, &sb), 0);
    snprintf(p, sizeof p, "%s.restoring", target);
    assert_int_not_equal(stat(p, &sb), 0);
}

static size_t flip_magic(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    (void)o, (void)n;
    b[3] ^= 1;
    return len;
}
static size_t flip_key_id(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    (void)o, (void)n;
    b[20] = b[20] == 'a' ? 'b' : 'a';
    return len;
}
static size_t flip_header(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    (void)o, (void)n;
    b[40] ^= 0x80;
    return len;
}
static size_t flip_middle(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    b[o[n / 2] + 1000] ^= 0x01;
    return len;
}
static size_t flip_last(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    (void)o, (void)n;
    b[len - 1] ^= 0x01;
    return len;
}
static size_t cut_half(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    (void)b, (void)o, (void)n;
    return len / 2;
}
static size_t cut_before_final(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    (void)b, (void)len;
    return o[n - 1]; /* every chunk intact but the FINAL one gone */
}
static size_t swap_chunks(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    /* two full chunks of the same length, exchanged */
    size_t a = o[1], c = o[2], k = o[2] - o[1];
    (void)n;
    unsigned char *t = malloc(k);
    memcpy(t, b + a, k);
    memmove(b + a, b + c, k);
    memcpy(b + c, t, k);
    free(t);
    return len;
}
static size_t drop_chunk(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    (void)n;
    size_t k = o[2] - o[1];
    memmove(b + o[1], b + o[2], len - o[2]);
    return len - k;
}
static size_t append(unsigned char *b, size_t len, const size_t *o, size_t n)
{
    (void)o, (void)n;
    memcpy(b + len, "extra", 5);
    return len + 5;
}

static void test_damage_detected(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(good, &sb) != 0)
        skip();
    damaged("magic", flip_magic, "backup_corrupt");
    damaged("keyid", flip_key_id, "backup_key");
    damaged("header", flip_header, "backup_corrupt");
    damaged("middle", flip_middle, "backup_corrupt");
    damaged("lasttag", flip_last, "backup_corrupt");
    damaged("half", cut_half, "backup_incomplete");
    damaged("nofinal", cut_before_final, "backup_incomplete");
    damaged("swapped", swap_chunks, "backup_corrupt");
    damaged("dropped", drop_chunk, "backup_corrupt");
    damaged("appended", append, "backup_corrupt");
}

static void test_restore_keeps_previous(void **state)
{
    (void)state;
    struct stat sb;
    kt_error err;
    if (stat(good, &sb) != 0)
        skip();
    char tdir[200], tdb[256], p[300];
    snprintf(tdir, sizeof tdir, "%s/live", dir);
    snprintf(tdb, sizeof tdb, "%s/ktpel.db", tdir);
    sh("mkdir -p '%s/data' && echo old > '%s' && echo stale-wal > '%s-wal' && "
       "echo olddata > '%s/data/x'", tdir, tdb, tdb, tdir);
    assert_int_equal(bak_restore(good, tdb, NULL, ring, &err), KT_OK);
    assert_true(count_rows(tdb, "") >= ROWS);
    /* the stale -wal went aside with the old database; nothing deleted */
    assert_int_not_equal(stat(strcat(strcpy(p, tdb), "-wal"), &sb), 0);
    sh("ls '%s' | grep -q 'ktpel.db.pre-restore-'", tdir);
    sh("ls '%s' | grep -q 'ktpel.db-wal.pre-restore-'", tdir);
    sh("ls '%s' | grep -q 'data.pre-restore-'", tdir);
    sh("test -f '%s/data/bio/1/face.jpg' && test ! -e '%s/data/x'", tdir, tdir);
}

/* "YYYYMMDD-HHMMSS" in Asia/Jakarta (UTC+7) for Unix time t, as restore stamps its copies. */
static void jakarta_stamp_of(time_t t, char out[32])
{
    struct tm tm;
    t += 7 * 3600;
    gmtime_r(&t, &tm);
    snprintf(out, 32, "%04d%02d%02d-%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A second restore in the same second as the first kept nothing of the first's database: its
   copy was renamed over (rename() replaces a file), and an empty data folder too. The copies
   of the seconds around now are made beforehand, so the test does not depend on timing. */
static void test_restore_same_second_keeps_both(void **state)
{
    (void)state;
    struct stat sb;
    kt_error err;
    if (stat(good, &sb) != 0)
        skip();
    char tdir[200], tdb[256], p[400], st[32];
    snprintf(tdir, sizeof tdir, "%s/twice", dir);
    snprintf(tdb, sizeof tdb, "%s/ktpel.db", tdir);
    sh("rm -rf '%s' && mkdir -p '%s/data' && echo current > '%s'", tdir, tdir, tdb);
    time_t now = time(NULL);
    for (time_t t = now - 1; t <= now + 60; t++) {
        jakarta_stamp_of(t, st);
        snprintf(p, sizeof p, "%s.pre-restore-%s", tdb, st);
        write_file(p, "kept by an earlier restore");
        snprintf(p, sizeof p, "%s/data.pre-restore-%s", tdir, st);
        assert_int_equal(mkdir(p, 0700), 0); /* empty: rename() would replace it */
    }
    assert_int_equal(bak_restore(good, tdb, NULL, ring, &err), KT_OK);
    assert_true(time(NULL) <= now + 60);
    for (time_t t = now - 1; t <= now + 60; t++) {
        jakarta_stamp_of(t, st);
        snprintf(p, sizeof p, "%s.pre-restore-%s", tdb, st);
        size_t len = 0;
        unsigned char *b = slurp(p, &len);
        assert_int_equal(len, 26);
        assert_memory_equal(b, "kept by an earlier restore", 26);
        free(b);
    }
    /* the database it replaced went aside under a name of its own */
    sh("cat '%s'/ktpel.db.pre-restore-*-2 | grep -q current", tdir);
    sh("ls -d '%s'/data.pre-restore-*-2", tdir);
}

static void test_refusals(void **state)
{
    (void)state;
    kt_error err;
    char p[256];
    assert_int_equal(bak_backup(db_path, data_dir, good, ring, &err), KT_ECONFLICT); /* exists */
    assert_string_equal(err.id, "dest_exists");
    snprintf(p, sizeof p, "%s/none.db", dir);
    snprintf(err.id, sizeof err.id, "?");
    assert_int_equal(bak_backup(p, data_dir, "/tmp/never-made.ktb", ring, &err), KT_ENOTFOUND);
    assert_int_equal(bak_verify("/nonexistent/backup.ktb", ring, &err), KT_ENOTFOUND);
    assert_int_equal(bak_rotate(dir, 0, NULL, &err), KT_EINVAL);
    /* a file that is not a database */
    snprintf(p, sizeof p, "%s/not-a-db", dir);
    write_file(p, "this is not sqlite, just text that is long enough to look like a header....");
    char dest[256];
    snprintf(dest, sizeof dest, "%s/from-not-a-db.ktb", dir);
    assert_int_not_equal(bak_backup(p, NULL, dest, ring, &err), KT_OK);
    struct stat sb;
    assert_int_not_equal(stat(dest, &sb), 0);
    strcat(dest, ".partial");
    assert_int_not_equal(stat(dest, &sb), 0); /* cleaned up */
    /* a plain file is not a backup */
    assert_int_equal(bak_verify(p, ring, &err), KT_EREFUSED);
    assert_string_equal(err.id, "backup_corrupt");
    /* a database server's location: its own tools back it up; nothing is written */
    const char *pg = "postgres://ktpel@127.0.0.1:5432/ktpel";
    snprintf(dest, sizeof dest, "%s/from-pg.ktb", dir);
    assert_int_equal(bak_backup(pg, data_dir, dest, ring, &err), KT_EREFUSED);
    assert_string_equal(err.id, "backup_server_database");
    assert_int_not_equal(stat(dest, &sb), 0);
    assert_int_equal(bak_restore(good, pg, data_dir, ring, &err), KT_EREFUSED);
    assert_string_equal(err.id, "backup_server_database");
}

/* A backup written by hand: a small database, then (name, content) entries each listed in a
   correct MANIFEST (hardlink: the entry is a hard link to content instead). */
static void crafted(const char *path, const char *const *names, size_t n, int hardlink)
{
    char p[256];
    sqlite3 *db = NULL;
    snprintf(p, sizeof p, "%s/crafted.db", dir);
    unlink(p);
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    exec_sql(db, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x);");
    sqlite3_close(db);
    size_t dblen = 0;
    unsigned char *dbb = slurp(p, &dblen);
    t_bytes tar = {0}, man = {0}, file = {0};
    struct archive *a = kw_tar_begin(&tar);
    t_put(&man, KW_MANIFEST_HEADER, sizeof KW_MANIFEST_HEADER - 1);
    assert_true(kw_tar_add(a, BAK_DB_NAME, AE_IFREG, NULL, 0, dbb, dblen));
    kw_manifest_line(&man, BAK_DB_NAME, dbb, dblen);
    for (size_t i = 0; i < n; i++) {
        if (hardlink && i == n - 1) {
            assert_true(kw_tar_add(a, names[i], AE_IFREG, BAK_DB_NAME, 1, NULL, 0));
            kw_manifest_line(&man, names[i], "", 0);
            continue;
        }
        assert_true(kw_tar_add(a, names[i], AE_IFREG, NULL, 0, names[i], strlen(names[i])));
        kw_manifest_line(&man, names[i], names[i], strlen(names[i]));
    }
    kw_manifest_close(&man);
    assert_true(kw_tar_add(a, BAK_MANIFEST, AE_IFREG, NULL, 0, man.p, man.n));
    kw_tar_end(a);
    kw_ktb_seal(ring, tar.p, tar.n, &file);
    unlink(path);
    spit(path, file.p, file.n);
    t_free(&tar);
    t_free(&man);
    t_free(&file);
    free(dbb);
}

static void test_verify_refuses_what_restore_cannot_write(void **state)
{
    (void)state;
    char path[256], target[256], long_name[320];
    kt_error err;
    struct stat sb;
    snprintf(path, sizeof path, "%s/crafted" BAK_SUFFIX, dir);
    snprintf(target, sizeof target, "%s/crafted-restore", dir);
    sh("rm -rf '%s' && mkdir -p '%s'", target, target);
    char tdb[300];
    snprintf(tdb, sizeof tdb, "%s/ktpel.db", target);
    /* the writer works: a backup of two files in one folder verifies and restores */
    static const char *const fine[] = {"data/a/b", "data/a/c"};
    crafted(path, fine, 2, 0);
    assert_int_equal(bak_verify(path, ring, &err), KT_OK);
    assert_int_equal(bak_restore(path, tdb, NULL, ring, &err), KT_OK);
    sh("test -f '%s/data/a/b' && test -f '%s/data/a/c'", target, target);
    sh("rm -rf '%s' && mkdir -p '%s'", target, target);
    snprintf(long_name, sizeof long_name, "data/%0300d", 7);
    const char *const file_then_dir[] = {"data/a", "data/a/b"};
    const char *const dir_then_file[] = {"data/a/b/c", "data/a/b"};
    const char *const trailing[] = {"data/x/"};
    const char *const too_long[] = {long_name};
    const char *const hard[] = {"data/link"};
    struct {
        const char *what;
        const char *const *names;
        size_t n;
        int hardlink;
    } bad[] = {
        {"a file, then an entry below it", file_then_dir, 2, 0},
        {"an entry, then a file where its folder is", dir_then_file, 2, 0},
        {"a trailing slash", trailing, 1, 0},
        {"a component of 300 bytes", too_long, 1, 0},
        {"a hard link", hard, 1, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        crafted(path, bad[i].names, bad[i].n, bad[i].hardlink);
        kt_code rc = bak_verify(path, ring, &err);
        if (rc != KT_EREFUSED)
            fail_msg("%s: verify returned %d", bad[i].what, rc);
        assert_string_equal(err.id, "backup_corrupt");
        print_message("%s: refused: %s\n", bad[i].what, err.message);
        assert_int_equal(bak_restore(path, tdb, NULL, ring, &err), KT_EREFUSED);
        assert_int_not_equal(stat(tdb, &sb), 0); /* nothing written */
    }
}

static void test_rotation(void **state)
{
    (void)state;
    kt_error err;
    char rot[256], p[300];
    struct stat sb;
    if (stat(good, &sb) != 0)
        skip();
    snprintf(rot, sizeof rot, "%s/external-disk", dir);
    sh("mkdir -p '%s'", rot);
    const int64_t t0 = 1736906400000LL;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(bak_new_path(rot, t0 + (int64_t)i * 86400000, 1, p, sizeof p, &err),
                         KT_OK);
        sh("cp -a '%s' '%s'", good, p);
    }
    assert_string_equal(strrchr(p, '/') + 1, "ktpel-backup-20250119-090000.ktb");
    assert_int_equal(bak_new_path(rot, t0, 2, p, sizeof p, &err), KT_OK);
    assert_string_equal(strrchr(p, '/') + 1, "ktpel-backup-20250115-090000-2.ktb");
    sh("touch '%s/ktpel-backup-20250120-090000.ktb.partial' && mkdir '%s/photos'", rot, rot);
    int removed = -1;
    assert_int_equal(bak_rotate(rot, 2, &removed, &err), KT_OK);
    assert_int_equal(removed, 3);
    sh("test -f '%s/ktpel-backup-20250119-090000.ktb' && "
       "test -f '%s/ktpel-backup-20250118-090000.ktb'", rot, rot);
    sh("test ! -e '%s/ktpel-backup-20250117-090000.ktb' && "
       "test ! -e '%s/ktpel-backup-20250115-090000.ktb'", rot, rot);
    sh("test -f '%s/ktpel-backup-20250120-090000.ktb.partial' && test -d '%s/photos'", rot, rot);
    assert_int_equal(bak_verify(strcat(strcpy(p, rot), "/ktpel-backup-20250119-090000.ktb"),
                                ring, &err), KT_OK);
    assert_int_equal(bak_rotate(rot, 2, &removed, &err), KT_OK);
    assert_int_equal(removed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_online_backup_verify_restore),
        cmocka_unit_test(test_damage_detected),
        cmocka_unit_test(test_restore_keeps_previous),
        cmocka_unit_test(test_restore_same_second_keeps_both),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_verify_refuses_what_restore_cannot_write),
        cmocka_unit_test(test_rotation),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
