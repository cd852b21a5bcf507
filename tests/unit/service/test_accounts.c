/*
 * test_accounts.c - staff accounts, login and sessions (users.c) on a real database (and on
 * PostgreSQL as @pg): an unknown username costs the same hash as a known one; 64 concurrent
 * wrong logins stay within two hashes' memory; an account is locked after 5 failures in a row
 * and then refuses even the right password, saying how long to wait; an address that fails 20
 * times is blocked (other addresses are not); disable/enable, admin reset with a forced
 * change, the demo accounts forced to change at first use, a forced change refusing every
 * other use case, the password rules, the idle and absolute session timeouts, the active
 * sessions listed and revoked, one's other sessions ended by a password change; and every one
 * of these in the audit trail.
 */
#include <pthread.h>
#include <sodium.h>
#include <time.h>

#include "unit/service/svc_test.h"
#include "service/svc_internal.h"
#include "store/store.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define PW "Rahasia-uji-123"

static void add_user(svc *s, const char *name, const char *role, int must_change)
{
    svc_actor sys = svc_system_actor();
    json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:b}", "username", name, "full_name", name,
                            "role", role, "password", PW, "must_change_password", must_change),
           *out = NULL;
    kt_error err;
    t_expect(svc_user_add(s, &sys, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
}

static kt_code login(svc *s, const char *user, const char *pw, const char *client,
                     char token[65], svc_actor *a, kt_error *err)
{
    return svc_login(s, user, pw, 0, client, token, a, err);
}

/* The actions of the audit trail, in order, as one comma-separated string. */
static void actions(char *buf, size_t cap)
{
    store *db = NULL;
    store_stmt *st = NULL;
    kt_error err;
    int row = 0;
    size_t n = 0;
    buf[0] = '\0';
    t_expect(store_open(t_db, NULL, &db, &err), KT_OK, &err);
    t_expect(store_prepare(db, "SELECT action FROM events ORDER BY id", &st, &err), KT_OK, &err);
    while (store_step(st, &row, &err) == KT_OK && row && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "", store_col_text(st, 0));
    store_reset(st);
    store_close(db);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_dummy_hash_matches_real_parameters(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    const char *h = svc_password_dummy_hash();
    assert_int_equal(crypto_pwhash_str_needs_rehash(h, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                    crypto_pwhash_MEMLIMIT_INTERACTIVE),
                     0);
}

/* A known and an unknown username take the same time (both verify one argon2id hash): the
   medians of 5 tries each are within a factor of 3 (on main: 138 ms against 1.75 ms). */
static void test_unknown_user_takes_as_long(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    int64_t known[5], unknown[5];
    char token[65], addr[32];
    svc_actor a;
    kt_error err;
    for (int i = 0; i < 5; i++) {
        snprintf(addr, sizeof addr, "10.0.0.%d", i); /* no address reaches its limit */
        int64_t t0 = now_ns();
        assert_int_equal(login(s, "siti", "salah-sekali-1", addr, token, &a, &err), KT_EUNAUTH);
        known[i] = now_ns() - t0;
        t0 = now_ns();
        assert_int_equal(login(s, "tidakada", "salah-sekali-1", addr, token, &a, &err),
                         KT_EUNAUTH);
        unknown[i] = now_ns() - t0;
        assert_string_equal(err.id, "login_failed");
        /* the right password resets the streak, so the account never locks here */
        t_expect(login(s, "siti", PW, addr, token, &a, &err), KT_OK, &err);
    }
    qsort(known, 5, sizeof known[0], cmp64);
    qsort(unknown, 5, sizeof unknown[0], cmp64);
    fprintf(stderr, "median login: known %.1f ms, unknown %.1f ms\n", (double)known[2] / 1e6,
            (double)unknown[2] / 1e6);
    assert_true(unknown[2] * 3 > known[2]);
    assert_true(known[2] * 3 > unknown[2]);
    svc_close(s);
}

/* ---- the hash slots: 64 concurrent wrong logins ------------------------------------------ */

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

typedef struct stormer {
    svc *s;
    int i;
    kt_code rc;
    char id[48];
} stormer;

static void *storm(void *arg)
{
    stormer *w = arg;
    char token[65], addr[32];
    svc_actor a;
    kt_error err;
    snprintf(addr, sizeof addr, "10.1.%d.%d", w->i / 250, w->i % 250);
    w->rc = login(w->s, w->i % 2 ? "siti" : "tidakada", "salah-sekali-2", addr, token, &a, &err);
    snprintf(w->id, sizeof w->id, "%s", err.id);
    return NULL;
}

static void test_login_storm_bounded(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    long before = vm_hwm_kb();
    stormer w[64];
    pthread_t th[64];
    for (int i = 0; i < 64; i++) {
        w[i] = (stormer){s, i, KT_OK, ""};
        assert_int_equal(pthread_create(&th[i], NULL, storm, &w[i]), 0);
    }
    for (int i = 0; i < 64; i++)
        pthread_join(th[i], NULL);
    long after = vm_hwm_kb();
    int refused = 0, busy = 0;
    for (int i = 0; i < 64; i++) {
        refused += w[i].rc == KT_EUNAUTH ||
                   (w[i].rc == KT_ELIMIT && strcmp(w[i].id, "account_locked") == 0);
        busy += w[i].rc == KT_EUNAVAIL && strcmp(w[i].id, "login_busy") == 0;
    }
    fprintf(stderr, "64 concurrent wrong logins: peak RSS +%ld MiB (%d refused, %d busy)\n",
            (after - before) / 1024, refused, busy);
    /* each answered: refused, or told the server is busy (a full queue) */
    assert_int_equal(refused + busy, 64);
    /* two hashes of 64 MiB at a time, not 64 (4 GiB); the margin is for the sanitizer's
       quarantine of freed memory */
    assert_true(after - before < 512L * 1024);
    svc_close(s);
}

/* ---- throttling and lockout --------------------------------------------------------------- */

static void test_lockout_after_five_failures(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    char token[65], ev[2048];
    svc_actor a;
    kt_error err;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(login(s, "siti", "salah-sekali-3", "10.0.0.1", token, &a, &err),
                         KT_EUNAUTH);
        assert_string_equal(err.id, "login_failed");
        assert_string_equal(err.message, "Nama pengguna atau kata sandi salah");
    }
    /* the fifth failure locks, and says so: too many (429), retry after 5 minutes */
    assert_int_equal(login(s, "siti", "salah-sekali-3", "10.0.0.1", token, &a, &err), KT_ELIMIT);
    assert_string_equal(err.id, "account_locked");
    assert_int_equal(err.retry_s, 300);
    /* now even the right password is refused, with how long to wait: 5 minutes */
    assert_int_equal(login(s, "siti", PW, "10.0.0.2", token, &a, &err), KT_ELIMIT);
    assert_string_equal(err.id, "account_locked");
    assert_int_equal(err.retry_s, 300);
    assert_int_equal(kt_http_status(err.code), 429);
    assert_non_null(strstr(err.message, "5 menit"));
    assert_non_null(strstr(err.message, "WIB"));
    assert_string_equal(token, "");
    /* the admin sees it locked */
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    t_expect(svc_user_list(s, &sys, &out, &err), KT_OK, &err);
    assert_true(json_is_integer(json_object_get(json_array_get(out, 0), "locked_until")));
    json_decref(out);
    /* after 5 minutes the right password works and the streak is gone */
    t_now += 5 * T_MIN + 1000;
    t_expect(login(s, "siti", PW, "10.0.0.2", token, &a, &err), KT_OK, &err);
    assert_int_equal(strlen(token), 64);
    /* a new streak starts again at 5 minutes (the login reset it); going on after the lock
       doubles it */
    for (int i = 0; i < 5; i++)
        assert_int_equal(login(s, "siti", "salah-sekali-3", "10.0.0.3", token, &a, &err),
                         i < 4 ? KT_EUNAUTH : KT_ELIMIT);
    assert_int_equal(login(s, "siti", PW, "10.0.0.3", token, &a, &err), KT_ELIMIT);
    assert_non_null(strstr(err.message, "5 menit"));
    t_now += 5 * T_MIN + 1000;
    for (int i = 0; i < 5; i++)
        assert_int_equal(login(s, "siti", "salah-sekali-3", "10.0.0.4", token, &a, &err),
                         i < 4 ? KT_EUNAUTH : KT_ELIMIT);
    assert_int_equal(login(s, "siti", PW, "10.0.0.4", token, &a, &err), KT_ELIMIT);
    assert_string_equal(err.id, "account_locked");
    assert_int_equal(err.retry_s, 600);
    assert_non_null(strstr(err.message, "10 menit"));
    /* enabling the account (an admin's look) lifts the lock */
    t_expect(svc_user_set_active(s, &sys, "siti", 1, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(login(s, "siti", PW, "10.0.0.3", token, &a, &err), KT_OK, &err);
    actions(ev, sizeof ev);
    assert_non_null(strstr(ev, "login_failed,login_failed,login_failed,login_failed,"
                               "login_failed,account_locked,login_failed,login"));
    assert_non_null(strstr(ev, "account_locked,login_failed,user_enable,login"));
    svc_close(s);
}

static void test_address_throttled(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    char token[65], ev[4096];
    svc_actor a;
    kt_error err;
    /* 20 guesses at unknown names from one address */
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "tebak%d", i);
        assert_int_equal(login(s, name, "salah-sekali-4", "192.168.1.66", token, &a, &err),
                         KT_EUNAUTH);
        assert_string_equal(err.id, "login_failed");
    }
    /* then the address is refused outright, right password or not, with the wait */
    assert_int_equal(login(s, "siti", PW, "192.168.1.66", token, &a, &err), KT_ELIMIT);
    assert_string_equal(err.id, "login_throttled");
    assert_int_equal(err.retry_s, 900);
    assert_non_null(strstr(err.message, "15 menit"));
    /* another computer is not affected */
    t_expect(login(s, "siti", PW, "192.168.1.10", token, &a, &err), KT_OK, &err);
    /* the block is over after 15 minutes */
    t_now += 15 * T_MIN + 1000;
    t_expect(login(s, "siti", PW, "192.168.1.66", token, &a, &err), KT_OK, &err);
    actions(ev, sizeof ev);
    assert_non_null(strstr(ev, "login_failed,login_throttled,login,login"));
    svc_close(s);
}

/* ---- accounts -------------------------------------------------------------------------- */

static void test_disable_enable(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    add_user(s, "admin1", "admin", 0);
    char token[65], t_admin[65];
    svc_actor a, adm;
    json_t *out = NULL;
    kt_error err;
    t_expect(login(s, "siti", PW, "10.0.0.1", token, &a, &err), KT_OK, &err);
    t_expect(login(s, "admin1", PW, "10.0.0.9", t_admin, &adm, &err), KT_OK, &err);
    svc_actor in = t_actor("intake", 1, 1);
    assert_int_equal(svc_user_set_active(s, &in, "siti", 0, &out, &err), KT_EFORBIDDEN);
    /* disabled: its session ends and the right password is refused */
    t_expect(svc_user_set_active(s, &adm, "siti", 0, &out, &err), KT_OK, &err);
    assert_false(json_is_true(json_object_get(out, "active")));
    assert_int_equal(json_integer_value(json_object_get(out, "sessions_ended")), 1);
    json_decref(out);
    assert_int_equal(svc_session(s, token, &a, &err), KT_EUNAUTH);
    assert_int_equal(login(s, "siti", PW, "10.0.0.1", token, &a, &err), KT_EUNAUTH);
    assert_string_equal(err.id, "account_disabled");
    /* a wrong password on a disabled account says nothing about it */
    assert_int_equal(login(s, "siti", "salah-sekali-5", "10.0.0.1", token, &a, &err),
                     KT_EUNAUTH);
    assert_string_equal(err.id, "login_failed");
    /* the admin cannot disable themselves */
    assert_int_equal(svc_user_set_active(s, &adm, "admin1", 0, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "self_disable");
    assert_int_equal(svc_user_set_active(s, &adm, "nobody", 0, &out, &err), KT_ENOTFOUND);
    t_expect(svc_user_set_active(s, &adm, "siti", 1, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(login(s, "siti", PW, "10.0.0.1", token, &a, &err), KT_OK, &err);
    char ev[2048];
    actions(ev, sizeof ev);
    assert_non_null(strstr(ev, "user_disable,login_failed,login_failed,user_enable,login"));
    svc_close(s);
}

/* A session left open is no way to guess the password: wrong current passwords lock the
   account as wrong logins do, and a locked account's change is refused before any check. */
static void test_password_change_guesses_lock(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    char token[65];
    svc_actor a, me;
    json_t *out = NULL, *req = NULL;
    kt_error err;
    t_expect(login(s, "siti", PW, "10.0.0.1", token, &a, &err), KT_OK, &err);
    t_expect(svc_session(s, token, &me, &err), KT_OK, &err);
    for (int i = 0; i < 5; i++) {
        req = json_pack("{s:s, s:s}", "current_password", "tebakan-salah-1", "new_password",
                        "Kopi pahit di pagi hari");
        assert_int_equal(svc_password_change(s, &me, req, &out, &err), KT_EUNAUTH);
        assert_string_equal(err.id, "password_wrong");
        json_decref(req);
    }
    req = json_pack("{s:s, s:s}", "current_password", PW, "new_password",
                    "Kopi pahit di pagi hari");
    assert_int_equal(svc_password_change(s, &me, req, &out, &err), KT_ELIMIT);
    assert_string_equal(err.id, "account_locked");
    assert_int_equal(err.retry_s, 300);
    assert_non_null(strstr(err.message, "5 menit"));
    /* after the lock, the right one is accepted */
    t_now += 5 * T_MIN + 1000;
    t_expect(svc_password_change(s, &me, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    svc_close(s);
}

static void test_reset_forces_change(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    svc_actor sys = svc_system_actor(), a;
    char token[65], old[65];
    json_t *out = NULL, *req = NULL;
    kt_error err;
    t_expect(login(s, "siti", PW, "10.0.0.1", old, &a, &err), KT_OK, &err);
    t_expect(svc_user_reset_password(s, &sys, "siti", &out, &err), KT_OK, &err);
    char temp[32];
    snprintf(temp, sizeof temp, "%s", svc_jstr(out, "temporary_password"));
    assert_int_equal(strlen(temp), 14);
    assert_int_equal(json_integer_value(json_object_get(out, "sessions_ended")), 1);
    json_decref(out);
    assert_int_equal(svc_session(s, old, &a, &err), KT_EUNAUTH); /* ended */
    assert_int_equal(login(s, "siti", PW, "10.0.0.1", token, &a, &err), KT_EUNAUTH);
    t_expect(login(s, "siti", temp, "10.0.0.1", token, &a, &err), KT_OK, &err);
    assert_int_equal(a.must_change_password, 1);
    /* nothing but the change until it is done */
    svc_actor me;
    t_expect(svc_session(s, token, &me, &err), KT_OK, &err);
    assert_int_equal(me.must_change_password, 1);
    json_t *call = json_pack("{s:[s], s:i}", "services", "rekam_baru", "loket", 1);
    assert_int_equal(svc_ticket_call_next(s, &me, call, &out, &err), KT_EFORBIDDEN);
    assert_string_equal(err.id, "password_change_required");
    assert_int_equal(svc_resident_get(s, &me, "3671101203900001", &out, &err), KT_EFORBIDDEN);
    /* the rules: stated refusals, nothing changed */
    req = json_pack("{s:s, s:s}", "current_password", temp, "new_password", "pendek");
    assert_int_equal(svc_password_change(s, &me, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "password_weak");
    assert_string_equal(err.field, "new_password");
    json_decref(req);
    req = json_pack("{s:s, s:s}", "current_password", temp, "new_password", "siti2026!!");
    assert_int_equal(svc_password_change(s, &me, req, &out, &err), KT_EINVAL);
    json_decref(req);
    req = json_pack("{s:s, s:s}", "current_password", temp, "new_password", "aaaaaaaaaaaa");
    assert_int_equal(svc_password_change(s, &me, req, &out, &err), KT_EINVAL);
    json_decref(req);
    req = json_pack("{s:s, s:s}", "current_password", temp, "new_password", "intake-demo-123");
    assert_int_equal(svc_password_change(s, &me, req, &out, &err), KT_EINVAL);
    json_decref(req);
    req = json_pack("{s:s, s:s}", "current_password", temp, "new_password", temp);
    assert_int_equal(svc_password_change(s, &me, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "password_same");
    json_decref(req);
    req = json_pack("{s:s, s:s}", "current_password", "bukan-ini-123", "new_password",
                    "Kopi pahit di pagi hari");
    assert_int_equal(svc_password_change(s, &me, req, &out, &err), KT_EUNAUTH);
    assert_string_equal(err.id, "password_wrong");
    json_decref(req);
    /* done: the same session goes on, without the restriction */
    req = json_pack("{s:s, s:s}", "current_password", temp, "new_password",
                    "Kopi pahit di pagi hari");
    t_expect(svc_password_change(s, &me, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    t_expect(svc_session(s, token, &me, &err), KT_OK, &err);
    assert_int_equal(me.must_change_password, 0);
    out = NULL;
    kt_code rc = svc_ticket_call_next(s, &me, call, &out, &err);
    assert_true(rc == KT_ENOTFOUND); /* allowed now: nobody waits */
    json_decref(call);
    t_expect(login(s, "siti", "Kopi pahit di pagi hari", "10.0.0.1", token, &a, &err), KT_OK,
             &err);
    assert_int_equal(a.must_change_password, 0);
    char ev[2048];
    actions(ev, sizeof ev);
    assert_non_null(strstr(ev, "password_reset,login_failed,login,login_failed,password_change,"
                               "login"));
    svc_close(s);
}

static void test_demo_accounts_must_change(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor sys = svc_system_actor(), a, me;
    json_t *out = NULL;
    kt_error err;
    char token[65];
    t_expect(svc_demo_users(s, &sys, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(login(s, "intake", "intake-demo-123", "10.0.0.1", token, &a, &err), KT_OK, &err);
    assert_int_equal(a.must_change_password, 1);
    t_expect(svc_session(s, token, &me, &err), KT_OK, &err);
    json_t *f = json_object();
    assert_int_equal(svc_app_list(s, &me, f, &out, &err), KT_EFORBIDDEN);
    assert_string_equal(err.id, "password_change_required");
    json_decref(f);
    json_t *req = json_pack("{s:s, s:s}", "current_password", "intake-demo-123", "new_password",
                            "Loket satu buka jam 8");
    t_expect(svc_password_change(s, &me, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    t_expect(svc_user_list(s, &sys, &out, &err), KT_OK, &err);
    size_t i;
    json_t *u;
    json_array_foreach(out, i, u) assert_int_equal(
        json_is_true(json_object_get(u, "must_change_password")),
        strcmp(svc_jstr(u, "username"), "intake") != 0);
    json_decref(out);
    /* running demo-users again keeps the changed password */
    t_expect(svc_demo_users(s, &sys, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(login(s, "intake", "Loket satu buka jam 8", "10.0.0.1", token, &a, &err), KT_OK,
             &err);
    svc_close(s);
}

static void test_password_rules_at_add(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    static const char *const bad[] = {"pendek", "1234567890", "siti12345678", "xyxyxyxyxyxy",
                                      "admin-demo-123", "BISMILLAH123"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *req = json_pack("{s:s, s:s, s:s}", "username", "siti", "role", "intake",
                                "password", bad[i]);
        assert_int_equal(svc_user_add(s, &sys, req, &out, &err), KT_EINVAL);
        assert_string_equal(err.id, "password_weak");
        assert_null(out);
        json_decref(req);
    }
    t_expect(svc_user_list(s, &sys, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(out), 0); /* nothing added */
    json_decref(out);
    svc_close(s);
}

/* ---- sessions -------------------------------------------------------------------------- */

static void test_idle_and_absolute_timeouts(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    char t1[65], t2[65];
    svc_actor a;
    kt_error err;
    t_expect(login(s, "siti", PW, "10.0.0.1", t1, &a, &err), KT_OK, &err);
    t_expect(login(s, "siti", PW, "10.0.0.2", t2, &a, &err), KT_OK, &err);
    /* t2 is used every 20 minutes; t1 is left alone */
    for (int i = 0; i < 3; i++) {
        t_now += 20 * T_MIN;
        t_expect(svc_session(s, t2, &a, &err), KT_OK, &err);
    }
    assert_int_equal(svc_session(s, t1, &a, &err), KT_EUNAUTH);
    assert_string_equal(err.id, "session_idle");
    /* in use all day, it still ends after 8 hours */
    for (int i = 0; i < 21; i++) {
        t_now += 20 * T_MIN;
        if (svc_session(s, t2, &a, &err) != KT_OK)
            break;
    }
    assert_int_equal(svc_session(s, t2, &a, &err), KT_EUNAUTH);
    assert_string_equal(err.id, "session_expired");
    svc_close(s);
}

static void test_sessions_listed_revoked_and_ended(void **state)
{
    (void)state;
    svc *s = t_open();
    add_user(s, "siti", "intake", 0);
    add_user(s, "admin1", "admin", 0);
    char t1[65], t2[65], t3[65], ta[65];
    svc_actor a, adm, me;
    json_t *out = NULL;
    kt_error err;
    t_expect(login(s, "siti", PW, "10.0.0.1", t1, &a, &err), KT_OK, &err);
    t_expect(login(s, "siti", PW, "10.0.0.2", t2, &a, &err), KT_OK, &err);
    int64_t sid2 = a.session_id;
    t_expect(login(s, "siti", PW, "10.0.0.3", t3, &a, &err), KT_OK, &err);
    t_expect(login(s, "admin1", PW, "10.0.0.9", ta, &adm, &err), KT_OK, &err);
    svc_actor in = t_actor("intake", 1, 1);
    assert_int_equal(svc_session_list(s, &in, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_session_list(s, &adm, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(out), 4);
    json_t *first = json_array_get(out, 0); /* newest first: the admin's own */
    assert_true(json_is_true(json_object_get(first, "current")));
    assert_string_equal(svc_jstr(json_array_get(out, 2), "client"), "10.0.0.2");
    assert_null(json_object_get(first, "token_hash"));
    json_decref(out);
    /* the admin ends one */
    t_expect(svc_session_revoke(s, &adm, sid2, &out, &err), KT_OK, &err);
    assert_string_equal(svc_jstr(out, "username"), "siti");
    json_decref(out);
    assert_int_equal(svc_session(s, t2, &a, &err), KT_EUNAUTH);
    assert_int_equal(svc_session_revoke(s, &adm, sid2, &out, &err), KT_ENOTFOUND);
    /* changing the password from t1 ends t3 and keeps t1 */
    t_expect(svc_session(s, t1, &me, &err), KT_OK, &err);
    json_t *req = json_pack("{s:s, s:s}", "current_password", PW, "new_password",
                            "Kopi pahit di pagi hari");
    t_expect(svc_password_change(s, &me, req, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "sessions_ended")), 1);
    json_decref(out);
    json_decref(req);
    t_expect(svc_session(s, t1, &a, &err), KT_OK, &err);
    assert_int_equal(svc_session(s, t3, &a, &err), KT_EUNAUTH);
    /* logout */
    t_expect(svc_logout(s, t1, &err), KT_OK, &err);
    assert_int_equal(svc_session(s, t1, &a, &err), KT_EUNAUTH);
    char ev[2048];
    actions(ev, sizeof ev);
    assert_non_null(strstr(ev, "login,login,login,login,session_revoke,password_change,logout"));
    /* every event of the accounts is in the verified chain */
    svc_actor sup = t_actor("supervisor", 4, 0);
    t_expect(svc_audit_verify(s, &sup, NULL, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "ok")));
    json_decref(out);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dummy_hash_matches_real_parameters),
        cmocka_unit_test_setup_teardown(test_unknown_user_takes_as_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_storm_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout_after_five_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_throttled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_enable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_forces_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_change_guesses_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_accounts_must_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_rules_at_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_and_absolute_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions_listed_revoked_and_ended, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
