/*
 * test_backup.c - backups of a real SQLite database in WAL mode while another connection
 * (its own thread) keeps committing; verify; restore to a new place; every row committed
 * before the backup began comes back identical, and the biometric files too. Damaged
 * backups (a byte flipped in the database or in a data file, the database truncated, a
 * manifest line removed, the manifest cut short, a file added) are refused by verify and by
 * restore, and a refused restore leaves the target untouched. Rotation keeps the newest N.
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
#include <unistd.h>

#include "backup/backup.h"

#define ROWS 6000
#define BLOB 400

static char dir[64];
static char db_path[128], data_dir[128], good[128];

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
    snprintf(good, sizeof good, "%s/good", dir);
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
    kt_code rc = bak_backup_stats(db_path, data_dir, good, &st, &err);
    int after = atomic_load(&committed);
    atomic_store(&stop_writer, 1);
    pthread_join(th, NULL);
    if (rc != KT_OK)
        fail_msg("backup: %s: %s", err.field, err.message);
    print_message("backup: db %llu bytes in %u steps (%u busy retries), %llu files; writer "
                  "committed %d rows during the backup\n", (unsigned long long)st.db_bytes,
                  st.db_steps, st.busy_retries, (unsigned long long)st.files, after - before);
    assert_int_equal(st.files, 4);
    assert_true(st.db_steps > 1); /* stepped, not one big copy */

    /* no .partial left, no -wal beside the copy */
    char p[256];
    struct stat sb;
    snprintf(p, sizeof p, "%s.partial", good);
    assert_int_not_equal(stat(p, &sb), 0);
    snprintf(p, sizeof p, "%s/ktpel.db-wal", good);
    assert_int_not_equal(stat(p, &sb), 0);

    assert_int_equal(bak_verify(good, &err), KT_OK);
    /* The snapshot holds every row committed before the backup began, and nothing the writer
       committed after it ended. */
    char copy[256];
    snprintf(copy, sizeof copy, "%s/ktpel.db", good);
    long long n = count_rows(copy, "");
    assert_true(n >= ROWS + before);
    assert_true(n <= ROWS + after);

    char rdb[256], rdata[256];
    snprintf(rdb, sizeof rdb, "%s/restored/ktpel.db", dir);
    snprintf(rdata, sizeof rdata, "%s/restored/data", dir);
    sh("mkdir -p '%s/restored'", dir);
    rc = bak_restore(good, rdb, NULL, &err);
    if (rc != KT_OK)
        fail_msg("restore: %s: %s", err.field, err.message);
    assert_rows_identical(db_path, rdb);
    assert_int_equal(count_rows(rdb, ""), n);
    sh("diff -r '%s' '%s'", data_dir, rdata);
}

/* Copy the good backup, damage it with a shell command ("{}" is the copy's folder), expect
   refusal naming `field`. */
static void damaged(const char *name, const char *damage, const char *id, const char *field)
{
    char bad[256], cmd[1024], target[256];
    kt_error err;
    snprintf(bad, sizeof bad, "%s/bad-%s", dir, name);
    sh("rm -rf '%s' && cp -a '%s' '%s'", bad, good, bad);
    size_t o = 0;
    for (const char *d = damage; *d != '\0' && o + sizeof bad < sizeof cmd; d++) {
        if (d[0] == '{' && d[1] == '}') {
            o += (size_t)snprintf(cmd + o, sizeof cmd - o, "%s", bad);
            d++;
        } else {
            cmd[o++] = *d;
        }
    }
    cmd[o] = '\0';
    sh("%s", cmd);
    kt_code rc = bak_verify(bad, &err);
    if (rc != KT_EREFUSED)
        fail_msg("%s: verify returned %d (%s)", name, rc, err.message);
    assert_string_equal(err.id, id);
    if (strstr(err.field, field) == NULL)
        fail_msg("%s: field '%s' does not name '%s' (%s)", name, err.field, field, err.message);
    print_message("%s: refused: %s: %s\n", name, err.field, err.message);
    /* restore refuses too and creates nothing */
    snprintf(target, sizeof target, "%s/restore-%s.db", dir, name);
    assert_int_equal(bak_restore(bad, target, NULL, &err), KT_EREFUSED);
    struct stat sb;
    assert_int_not_equal(stat(target, &sb), 0);
    snprintf(cmd, sizeof cmd, "%s.restoring", target);
    assert_int_not_equal(stat(cmd, &sb), 0);
}

static void test_damage_detected(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(good, &sb) != 0)
        skip();
    /* a byte flipped in the middle of the database */
    damaged("dbflip",
            "printf '\\377' | dd of='{}/ktpel.db' bs=1 seek=40000 conv=notrunc status=none",
            "backup_corrupt", "ktpel.db");
    damaged("dbtrunc", "truncate -s 8192 '{}/ktpel.db'", "backup_corrupt", "ktpel.db");
    damaged("bioflip",
            "printf 'X' | dd of='{}/data/bio/1/face.jpg' bs=1 seek=3 conv=notrunc status=none",
            "backup_corrupt", "data/bio/1/face.jpg");
    damaged("lineremoved", "sed -i '/signature.png/d' '{}/MANIFEST'", "backup_corrupt",
            "MANIFEST");
    damaged("manifestcut", "sed -i '$d' '{}/MANIFEST'", "backup_incomplete", "MANIFEST");
    damaged("nomanifest", "rm '{}/MANIFEST'", "backup_incomplete", "MANIFEST");
    damaged("extrafile", "echo x > '{}/data/bio/2/extra.bin'", "backup_corrupt",
            "data/bio/2/extra.bin");
    damaged("filegone", "rm '{}/data/README'", "backup_incomplete", "data/README");
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
    assert_int_equal(bak_restore(good, tdb, NULL, &err), KT_OK);
    assert_true(count_rows(tdb, "") >= ROWS);
    /* the stale -wal went aside with the old database; nothing deleted */
    assert_int_not_equal(stat(strcat(strcpy(p, tdb), "-wal"), &sb), 0);
    sh("ls '%s' | grep -q 'ktpel.db.pre-restore-'", tdir);
    sh("ls '%s' | grep -q 'ktpel.db-wal.pre-restore-'", tdir);
    sh("ls '%s' | grep -q 'data.pre-restore-'", tdir);
    sh("test -f '%s/data/bio/1/face.jpg' && test ! -e '%s/data/x'", tdir, tdir);
}

static void test_refusals(void **state)
{
    (void)state;
    kt_error err;
    char p[256];
    assert_int_equal(bak_backup(db_path, data_dir, dir, &err), KT_ECONFLICT); /* exists */
    assert_string_equal(err.id, "dest_exists");
    snprintf(p, sizeof p, "%s/none.db", dir);
    snprintf(err.id, sizeof err.id, "?");
    assert_int_equal(bak_backup(p, data_dir, "/tmp/never-made", &err), KT_ENOTFOUND);
    assert_int_equal(bak_verify("/nonexistent/backup", &err), KT_ENOTFOUND);
    assert_int_equal(bak_rotate(dir, 0, NULL, &err), KT_EINVAL);
    /* a file that is not a database */
    snprintf(p, sizeof p, "%s/not-a-db", dir);
    write_file(p, "this is not sqlite, just text that is long enough to look like a header....");
    char dest[256];
    snprintf(dest, sizeof dest, "%s/from-not-a-db", dir);
    assert_int_not_equal(bak_backup(p, NULL, dest, &err), KT_OK);
    struct stat sb;
    assert_int_not_equal(stat(dest, &sb), 0);
    strcat(dest, ".partial");
    assert_int_not_equal(stat(dest, &sb), 0); /* cleaned up */
    /* a database server's location: its own tools back it up; nothing is written */
    const char *pg = "postgres://ktpel@127.0.0.1:5432/ktpel";
    snprintf(dest, sizeof dest, "%s/from-pg", dir);
    assert_int_equal(bak_backup(pg, data_dir, dest, &err), KT_EREFUSED);
    assert_string_equal(err.id, "backup_server_database");
    assert_int_not_equal(stat(dest, &sb), 0);
    assert_int_equal(bak_restore(dir, pg, data_dir, &err), KT_EREFUSED);
    assert_string_equal(err.id, "backup_server_database");
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
        assert_int_equal(bak_new_path(rot, t0 + (int64_t)i * 86400000, p, sizeof p, &err), KT_OK);
        sh("cp -a '%s' '%s'", good, p);
    }
    assert_string_equal(strrchr(p, '/') + 1, "ktpel-backup-20250119-090000");
    sh("mkdir '%s/ktpel-backup-20250120-090000.partial' '%s/ktpel-backup-20250121-090000' "
       "'%s/photos'", rot, rot, rot); /* unfinished, incomplete (no MANIFEST), not ours */
    int removed = -1;
    assert_int_equal(bak_rotate(rot, 2, &removed, &err), KT_OK);
    assert_int_equal(removed, 3);
    sh("test -d '%s/ktpel-backup-20250119-090000' && test -d '%s/ktpel-backup-20250118-090000'",
       rot, rot);
    sh("test ! -e '%s/ktpel-backup-20250117-090000' && test ! -e '%s/ktpel-backup-20250115-090000'",
       rot, rot);
    sh("test -d '%s/ktpel-backup-20250120-090000.partial' && test -d "
       "'%s/ktpel-backup-20250121-090000' && test -d '%s/photos'", rot, rot, rot);
    assert_int_equal(bak_verify(strcat(strcpy(p, rot), "/ktpel-backup-20250119-090000"), &err),
                     KT_OK);
    assert_int_equal(bak_rotate(rot, 2, &removed, &err), KT_OK);
    assert_int_equal(removed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_online_backup_verify_restore),
        cmocka_unit_test(test_damage_detected),
        cmocka_unit_test(test_restore_keeps_previous),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_rotation),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
