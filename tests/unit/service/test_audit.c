/*
 * test_audit.c - the tamper-evident audit trail (audit.c) on a real database (SQLite, and
 * PostgreSQL as unit/service/test_audit@pg): a trail written by real use cases verifies; an
 * event edited, deleted or re-chained with SQL is reported at the first broken record (which
 * one, what was expected); a rewrite of the whole chain is caught by the signed checkpoints;
 * a checkpoint edited, removed, or signed by another key is reported; the access log of reads
 * is chained and checked the same way. The chain order is the commit order under concurrent
 * writers (group commit); a process SIGKILLed while writing leaves a whole chain, and every
 * read it released is in the access log (a lazy commit survives a crash of the process). A trail
 * from before migration 006 is chained once at open. Reads of residents' data are recorded
 * (who, what, whose) and KONSOLIDASI reports a broken chain. NIKs are masked in lists.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "unit/service/svc_test.h"
#include "service/svc_internal.h"
#include "store/store.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define NIK_A "3671101203900001"
#define NIK_B "3671101404910002"

static const char *rows =
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_B ",3671100101090002,BUDI SANTOSO,TANGERANG,1991-04-14,L,4,1,1,15,5,WNI,,JL. B NO. 2,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n";

/* Run SQL on the test's database behind the service's back (as a DBA or an intruder would). */
static void raw_sql(const char *sql)
{
    store *db = NULL;
    kt_error err;
    t_expect(store_open(t_db, NULL, &db, &err), KT_OK, &err);
    t_expect(store_exec(db, sql, &err), KT_OK, &err);
    store_close(db);
}

static int64_t raw_int(const char *sql)
{
    store *db = NULL;
    store_stmt *st = NULL;
    kt_error err;
    int row = 0;
    t_expect(store_open(t_db, NULL, &db, &err), KT_OK, &err);
    t_expect(store_prepare(db, sql, &st, &err), KT_OK, &err);
    t_expect(store_step(st, &row, &err), KT_OK, &err);
    int64_t v = row ? store_col_int(st, 0) : -1;
    store_reset(st);
    store_close(db);
    return v;
}

static json_t *verify(svc *s)
{
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_audit_verify(s, &sup, NULL, &out, &err), KT_OK, &err);
    return out;
}

static int verify_ok(svc *s)
{
    json_t *v = verify(s);
    int ok = json_is_true(json_object_get(v, "ok"));
    if (!ok) {
        char *d = json_dumps(json_object_get(v, "problems"), JSON_INDENT(1));
        fprintf(stderr, "audit: %s\n", d);
        free(d);
    }
    json_decref(v);
    return ok;
}

/* The first break: its chain, record id and kind. */
static void expect_break(svc *s, const char *chain, int64_t id, const char *kind)
{
    json_t *v = verify(s);
    json_t *fb = json_object_get(v, "first_break");
    assert_false(json_is_true(json_object_get(v, "ok")));
    if (strcmp(json_string_value(json_object_get(fb, "kind")), kind) != 0 ||
        json_integer_value(json_object_get(fb, "id")) != id) {
        char *d = json_dumps(json_object_get(v, "problems"), JSON_INDENT(1));
        fprintf(stderr, "problems: %s\n", d);
        free(d);
    }
    assert_string_equal(json_string_value(json_object_get(fb, "chain")), chain);
    assert_int_equal(json_integer_value(json_object_get(fb, "id")), id);
    assert_string_equal(json_string_value(json_object_get(fb, "kind")), kind);
    assert_non_null(json_string_value(json_object_get(fb, "message")));
    json_decref(v);
}

/* Some real use cases: an account, tickets (group commit), lookups (reads). */
static void activity(svc *s, int tickets)
{
    svc_actor sys = svc_system_actor(), in = t_actor("intake", 1, 1);
    json_t *out = NULL, *req = NULL;
    kt_error err;
    req = json_pack("{s:s, s:s, s:s, s:s}", "username", "siti", "full_name", "Siti", "role",
                    "intake", "password", "Rahasia-uji-123");
    t_expect(svc_user_add(s, &sys, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    for (int i = 0; i < tickets; i++) {
        req = json_pack("{s:s}", "service", "rekam_baru");
        t_expect(svc_ticket_take(s, req, &out, &err), KT_OK, &err);
        json_decref(out);
        json_decref(req);
        t_now += 1000;
    }
    t_expect(svc_resident_get(s, &in, NIK_A, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(svc_resident_get(s, &in, NIK_B, &out, &err), KT_OK, &err);
    json_decref(out);
}

static void test_clean_trail_verifies(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 10);
    json_t *v = verify(s);
    assert_true(json_is_true(json_object_get(v, "ok")));
    json_t *ch = json_object_get(v, "chains");
    /* import + user + 10 tickets */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "events"), "records")),
                     12);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(ch, "access_log"), "records")), 2);
    assert_true(json_integer_value(json_object_get(
                    json_object_get(ch, "audit_checkpoints"), "records")) >= 1);
    assert_non_null(json_string_value(json_object_get(v, "key_id")));
    json_decref(v);
    /* ids are dense and each record links to the one before */
    assert_int_equal(raw_int("SELECT count(*) FROM events e JOIN events p ON p.id = e.id - 1"
                             " AND p.chain_hash = e.chain_prev"),
                     11);
    /* the audit key sits beside the database (or in the data folder on PostgreSQL) */
    char path[300];
    snprintf(path, sizeof path, "%s/audit.key", t_data[0] != '\0' ? t_data : t_dir);
    assert_int_equal(access(path, R_OK), 0);
    svc_close(s);
}

static void test_edited_event_detected(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 5);
    assert_true(verify_ok(s));
    raw_sql("UPDATE events SET note = 'diubah' WHERE id = 4");
    expect_break(s, "events", 4, "content");
    /* what was expected and what was found are both reported */
    json_t *v = verify(s), *fb = json_object_get(v, "first_break");
    assert_int_equal(strlen(json_string_value(json_object_get(fb, "expected"))), 64);
    assert_int_equal(strlen(json_string_value(json_object_get(fb, "found"))), 64);
    assert_string_not_equal(json_string_value(json_object_get(fb, "expected")),
                            json_string_value(json_object_get(fb, "found")));
    json_decref(v);
    svc_close(s);
}

static void test_deleted_event_detected(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 5);
    raw_sql("DELETE FROM events WHERE id = 3");
    expect_break(s, "events", 4, "link");
    svc_close(s);
}

static void test_edited_read_detected(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 2);
    raw_sql("UPDATE access_log SET username = 'orang_lain' WHERE id = 1");
    expect_break(s, "access_log", 1, "content");
    svc_close(s);
}

/* Someone who knows the scheme re-chains everything after the edit: the chain is whole
   again, but the signed checkpoint no longer matches. */
static void test_rewritten_chain_caught_by_checkpoint(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 5);
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_audit_checkpoint(s, &sys, &out, &err), KT_OK, &err);
    json_decref(out);
    raw_sql("UPDATE events SET note = 'diubah' WHERE id = 2");
    /* re-chain every event from the start, as an intruder with the source would */
    store *db = NULL;
    store_stmt *st = NULL, *up = NULL;
    int row = 0;
    t_expect(store_open(t_db, NULL, &db, &err), KT_OK, &err);
    t_expect(store_begin(db, STORE_WRITE, &err), KT_OK, &err);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    t_expect(store_prepare(db,
                           "SELECT id, application_id, ticket_id, user_id, username, role, loket,"
                           " at, from_state, to_state, action, reason, note FROM events ORDER BY"
                           " id",
                           &st, &err),
             KT_OK, &err);
    int64_t ids[64];
    char hashes[64][2][65];
    int n = 0;
    while (store_step(st, &row, &err) == KT_OK && row && n < 64) {
        const char *vals[13];
        ids[n] = store_col_int(st, 0);
        for (int i = 0; i < 13; i++)
            vals[i] = store_col_null(st, i) ? NULL : store_col_text(st, i);
        snprintf(hashes[n][0], 65, "%s", prev);
        svc_audit_hash(SVC_CHAIN_EVENTS, prev, vals, hashes[n][1]);
        snprintf(prev, sizeof prev, "%s", hashes[n][1]);
        n++;
    }
    store_reset(st);
    t_expect(store_prepare(db, "UPDATE events SET chain_prev = ?, chain_hash = ? WHERE id = ?",
                           &up, &err),
             KT_OK, &err);
    for (int i = 0; i < n; i++) {
        store_bind_text(up, 1, hashes[i][0], -1);
        store_bind_text(up, 2, hashes[i][1], -1);
        store_bind_int(up, 3, ids[i]);
        t_expect(store_run(up, &err), KT_OK, &err);
    }
    t_expect(store_commit(db, &err), KT_OK, &err);
    store_close(db);
    json_t *v = verify(s);
    assert_false(json_is_true(json_object_get(v, "ok")));
    json_t *fb = json_object_get(v, "first_break");
    assert_string_equal(json_string_value(json_object_get(fb, "chain")), "events");
    assert_string_equal(json_string_value(json_object_get(fb, "kind")), "rewritten");
    json_decref(v);
    svc_close(s);
}

static void test_truncated_tail_caught_by_checkpoint(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 5);
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_audit_checkpoint(s, &sys, &out, &err), KT_OK, &err);
    json_decref(out);
    /* events 1..7 (import, account, 5 tickets) and 8 (the checkpoint's own event) were
       signed; 6..8 removed */
    raw_sql("DELETE FROM events WHERE id >= 6");
    expect_break(s, "events", 8, "missing");
    svc_close(s);
}

static void test_checkpoints_tampered(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 3);
    /* a checkpoint's content edited: its own hash and its signature fail */
    raw_sql("UPDATE audit_checkpoints SET at = at + 1 WHERE id = 1");
    expect_break(s, "audit_checkpoints", 1, "content");
    svc_close(s);
    t_rm_dir();
    t_setup_dir();
    s = t_open_with(rows, NULL);
    activity(s, 3);
    /* every checkpoint removed: reported, and later writes do not sign the trail again on
       their own (that would bless it) */
    raw_sql("DELETE FROM audit_checkpoints");
    expect_break(s, "audit_checkpoints", 0, "no_checkpoint");
    json_t *out = NULL;
    kt_error err;
    json_t *req = json_pack("{s:s}", "service", "rekam_baru");
    for (int i = 0; i < 300; i++) {
        t_expect(svc_ticket_take(s, req, &out, &err), KT_OK, &err);
        json_decref(out);
    }
    json_decref(req);
    t_now += 3600 * 1000;
    svc_actor in = t_actor("intake", 1, 1);
    t_expect(svc_resident_get(s, &in, NIK_A, &out, &err), KT_OK, &err);
    json_decref(out);
    expect_break(s, "audit_checkpoints", 0, "no_checkpoint");
    /* only an admin's explicit checkpoint starts them again, and it is an event itself */
    svc_actor sys = svc_system_actor();
    t_expect(svc_audit_checkpoint(s, &sys, &out, &err), KT_OK, &err);
    json_decref(out);
    assert_true(verify_ok(s));
    assert_int_equal(raw_int("SELECT count(*) FROM events WHERE action = 'audit_checkpoint'"), 1);
    svc_close(s);
}

/* Checkpoints signed by a key that is not the office's (the key files replaced): reported;
   and verify --pub trusts only the copies it is given. */
static void test_foreign_key_reported(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 3);
    char sec[300], pub[300], other_sec[300], other_pub[300];
    const char *dir = t_data[0] != '\0' ? t_data : t_dir;
    snprintf(sec, sizeof sec, "%s/audit.key", dir);
    snprintf(pub, sizeof pub, "%s/audit.pub", dir);
    snprintf(other_sec, sizeof other_sec, "%s/other.key", t_dir);
    snprintf(other_pub, sizeof other_pub, "%s/other.pub", t_dir);
    kt_error err;
    t_expect(tok_keygen(other_sec, other_pub, &err), KT_OK, &err);
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *v = NULL;
    t_expect(svc_audit_verify(s, &sup, pub, &v, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    t_expect(svc_audit_verify(s, &sup, other_pub, &v, &err), KT_OK, &err);
    assert_false(json_is_true(json_object_get(v, "ok")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "first_break"), "kind")),
        "unknown_key");
    json_decref(v);
    /* both keys trusted (a rotation): fine again */
    char both[620];
    snprintf(both, sizeof both, "%s,%s", other_pub, pub);
    t_expect(svc_audit_verify(s, &sup, both, &v, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    /* a missing key file is an error of the request, not a verdict */
    assert_int_equal(svc_audit_verify(s, &sup, "/nonexistent/audit.pub", &v, &err), KT_ENOTFOUND);
    assert_null(v);
    svc_close(s);
}

static void test_roles(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor op = t_actor("operator", 2, 0), in = t_actor("intake", 1, 1);
    json_t *out = NULL;
    kt_error err;
    assert_int_equal(svc_audit_verify(s, &op, NULL, &out, &err), KT_EFORBIDDEN);
    assert_int_equal(svc_audit_reads(s, &in, NULL, &out, &err), KT_EFORBIDDEN);
    assert_int_equal(svc_audit_checkpoint(s, &in, &out, &err), KT_EFORBIDDEN);
    assert_null(out);
    svc_close(s);
}

/* ---- concurrency and crashes -------------------------------------------------------------- */

#define WRITERS 6
#define WRITES 20

static void *writer(void *arg)
{
    svc *s = arg;
    svc_actor in = t_actor("intake", 1, 1);
    for (int i = 0; i < WRITES; i++) {
        json_t *req = json_pack("{s:s}", "service", i % 2 ? "rekam_baru" : "pengambilan"),
               *out = NULL;
        kt_error err;
        if (svc_ticket_take(s, req, &out, &err) != KT_OK)
            fprintf(stderr, "take: %s\n", err.message);
        json_decref(out);
        json_decref(req);
        if (svc_resident_get(s, &in, i % 2 ? NIK_A : NIK_B, &out, &err) != KT_OK)
            fprintf(stderr, "lookup: %s\n", err.message);
        json_decref(out);
    }
    return NULL;
}

static void test_concurrent_writers_keep_one_chain(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    pthread_t th[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer, s), 0);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    assert_true(verify_ok(s));
    assert_int_equal(raw_int("SELECT count(*) FROM events WHERE action = 'take'"),
                     WRITERS * WRITES);
    assert_int_equal(raw_int("SELECT count(*) FROM access_log"), WRITERS * WRITES);
    /* ids dense: the chain order is the commit order, with no gap from a rolled-back unit */
    assert_int_equal(raw_int("SELECT max(id) - count(*) FROM access_log"), 0);
    assert_int_equal(raw_int("SELECT max(id) - count(*) FROM events"), 0);
    /* the first record is signed at once, and every 256 after it */
    assert_true(raw_int("SELECT count(*) FROM audit_checkpoints") >= 1);
    svc_close(s);
}

static int ack_fd = -1; /* the child's end of the pipe: one byte per read released */

static void *crash_writer(void *arg)
{
    svc *s = arg;
    svc_actor in = t_actor("intake", 1, 1);
    for (unsigned i = 0;; i++) {
        json_t *req = json_pack("{s:s}", "service", "rekam_baru"), *out = NULL;
        kt_error err;
        (void)svc_ticket_take(s, req, &out, &err);
        json_decref(out);
        json_decref(req);
        /* the resident's data was released: its read is recorded (a lazy commit) */
        if (svc_resident_get(s, &in, NIK_A, &out, &err) == KT_OK &&
            write(ack_fd, "r", 1) != 1)
            _exit(3);
        json_decref(out);
    }
    return NULL;
}

static void test_sigkill_leaves_whole_chain(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_close(s);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        ack_fd = p[1];
        svc_config cfg;
        t_config(&cfg);
        kt_error err;
        if (svc_open(&cfg, &s, &err) != KT_OK)
            _exit(2);
        pthread_t th[3];
        for (int i = 0; i < 3; i++)
            if (pthread_create(&th[i], NULL, crash_writer, s) != 0)
                _exit(2);
        for (;;)
            pause();
    }
    /* let it release a few hundred reads (and write checkpoints), then kill it mid-flight */
    close(p[1]);
    long acked = 0;
    char buf[256];
    while (acked < 300) {
        ssize_t r = read(p[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        acked += r;
    }
    kill(pid, SIGKILL);
    for (;;) { /* what it wrote before dying */
        ssize_t r = read(p[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        acked += r;
    }
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(acked >= 300);
    /* every read it released is in the access log, though its commit did not wait for the
       disk: a crash of the process does not lose a lazy commit */
    assert_true(raw_int("SELECT count(*) FROM access_log") >= acked);
    s = t_open();
    assert_true(verify_ok(s));
    /* and the chain goes on from where the crash left it */
    activity(s, 1);
    assert_true(verify_ok(s));
    svc_close(s);
}

/* A database from before migration 006: events without a chain and no checkpoint. The first
   open chains and signs them; from then on an unchained event is a break. */
static void test_legacy_trail_sealed_once(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 4);
    svc_close(s);
    raw_sql("UPDATE events SET chain_prev = '', chain_hash = ''");
    raw_sql("DELETE FROM audit_checkpoints");
    raw_sql("DELETE FROM access_log");
    s = t_open(); /* seals */
    assert_true(verify_ok(s));
    assert_int_equal(raw_int("SELECT count(*) FROM events WHERE chain_hash = ''"), 0);
    assert_int_equal(raw_int("SELECT count(*) FROM events WHERE action = 'audit_sealed'"), 1);
    assert_true(raw_int("SELECT count(*) FROM audit_checkpoints") >= 1);
    svc_close(s);
    /* once sealed, clearing a hash is not "legacy" any more */
    raw_sql("UPDATE events SET chain_hash = '' WHERE id = 3");
    s = t_open();
    expect_break(s, "events", 3, "unchained");
    svc_close(s);
}

/* ---- reads ------------------------------------------------------------------------------- */

static void test_reads_recorded_and_listed(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor in = t_actor("intake", 1, 1), sup = t_actor("supervisor", 4, 0),
              op = t_actor("operator", 2, 0);
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_resident_get(s, &in, NIK_A, &out, &err), KT_OK, &err);
    json_decref(out);
    t_now += T_MIN;
    /* an application: detail (recorded with its NIK) and the day's list (masked) */
    int64_t app = t_take_call_open(s, NIK_B, NULL);
    t_expect(svc_app_get(s, &op, app, &out, &err), KT_OK, &err);
    assert_string_equal(svc_jstr(out, "nik"), NIK_B); /* the one person served: whole */
    json_decref(out);
    json_t *f = json_object();
    t_expect(svc_app_list(s, &op, f, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(out), 1);
    assert_string_equal(svc_jstr(json_array_get(out, 0), "nik"), "367110******0002");
    json_decref(out);
    t_expect(svc_app_list(s, &sup, f, &out, &err), KT_OK, &err);
    assert_string_equal(svc_jstr(json_array_get(out, 0), "nik"), NIK_B);
    json_decref(out);
    json_decref(f);
    /* who read NIK_B: the operator (detail, list) and the supervisor (list), newest first */
    json_t *q = json_pack("{s:s}", "nik", NIK_B);
    t_expect(svc_audit_reads(s, &sup, q, &out, &err), KT_OK, &err);
    json_t *reads = json_object_get(out, "reads");
    assert_int_equal(json_array_size(reads), 3);
    assert_string_equal(svc_jstr(json_array_get(reads, 0), "username"), "supervisor4");
    assert_string_equal(svc_jstr(json_array_get(reads, 0), "action"), "list_applications");
    assert_string_equal(svc_jstr(json_array_get(reads, 2), "username"), "operator2");
    assert_string_equal(svc_jstr(json_array_get(reads, 2), "action"), "read_application");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(reads, 2),
                                                        "application_id")),
                     app);
    json_decref(out);
    json_decref(q);
    /* by officer: the intake's lookup of NIK_A */
    q = json_pack("{s:s}", "username", "intake1");
    t_expect(svc_audit_reads(s, &sup, q, &out, &err), KT_OK, &err);
    reads = json_object_get(out, "reads");
    assert_int_equal(json_array_size(reads), 1);
    assert_string_equal(svc_jstr(json_array_get(reads, 0), "nik"), NIK_A);
    assert_string_equal(svc_jstr(json_array_get(reads, 0), "action"), "read_resident");
    json_decref(out);
    json_decref(q);
    /* looking who read NIK_B is itself recorded */
    assert_int_equal(raw_int("SELECT count(*) FROM access_log WHERE action = 'audit_reads'"), 2);
    q = json_pack("{s:s}", "nik", "12345");
    assert_int_equal(svc_audit_reads(s, &sup, q, &out, &err), KT_EINVAL);
    json_decref(q);
    assert_true(verify_ok(s));
    svc_close(s);
}

static void test_konsolidasi_shows_broken_chain(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 3);
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_konsolidasi(s, &sup, &out, &err), KT_OK, &err);
    json_t *ac = json_object_get(json_object_get(out, "checks"), "audit_chain");
    assert_int_equal(json_integer_value(json_object_get(ac, "count")), 0);
    json_decref(out);
    raw_sql("DELETE FROM events WHERE id = 2");
    t_expect(svc_konsolidasi(s, &sup, &out, &err), KT_OK, &err);
    ac = json_object_get(json_object_get(out, "checks"), "audit_chain");
    assert_true(json_integer_value(json_object_get(ac, "count")) >= 1);
    assert_string_equal(svc_jstr(json_array_get(json_object_get(ac, "items"), 0), "kind"), "link");
    assert_true(json_integer_value(json_object_get(out, "findings")) >= 1);
    json_decref(out);
    svc_close(s);
}

/* The dashboard's status: the last verification, at most 10 minutes old. */
static void test_status_is_the_last_verification(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    activity(s, 2);
    svc_actor sup = t_actor("supervisor", 4, 0), op = t_actor("operator", 2, 0);
    json_t *out = NULL;
    kt_error err;
    assert_int_equal(svc_audit_status(s, &op, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_audit_status(s, &sup, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "ok")));
    json_decref(out);
    raw_sql("UPDATE events SET note = 'diubah' WHERE id = 2");
    t_now += 5 * T_MIN;
    t_expect(svc_audit_status(s, &sup, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "ok"))); /* 5 minutes old: kept */
    json_decref(out);
    t_now += 6 * T_MIN;
    t_expect(svc_audit_status(s, &sup, &out, &err), KT_OK, &err);
    assert_false(json_is_true(json_object_get(out, "ok"))); /* older than 10: walked again */
    json_decref(out);
    /* an explicit verification refreshes it at once */
    raw_sql("UPDATE events SET note = 'diubah lagi' WHERE id = 3");
    json_t *v = verify(s);
    json_decref(v);
    t_expect(svc_audit_status(s, &sup, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "problem_count")), 2);
    json_decref(out);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clean_trail_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edited_event_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_event_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edited_read_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewritten_chain_caught_by_checkpoint, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncated_tail_caught_by_checkpoint, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_key_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers_keep_one_chain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_leaves_whole_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_trail_sealed_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_recorded_and_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_konsolidasi_shows_broken_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_is_the_last_verification, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
