/*
 * users.c - staff accounts, login and sessions (docs/security.md "Accounts, sessions and the
 * audit trail").
 *
 * Passwords: argon2id through libsodium's crypto_pwhash_str (the salt and the parameters are
 * inside the stored string, so parameters can be raised later without a migration). One hash
 * costs 64 MiB and ~0.1 s of a core, so the work is bounded: at most LOGIN_HASH_SLOTS hashes
 * run at once, at most LOGIN_HASH_QUEUE requests wait for a slot (LOGIN_HASH_WAIT_MS at most),
 * and the rest are refused at once (login_busy): 64 concurrent logins cost 128 MiB, not 4 GiB.
 * An unknown username is checked against a dummy hash of the same parameters, so it takes as
 * long as a known one and timing does not tell which usernames exist.
 *
 * Throttling: an account is locked after LOGIN_LOCK_AFTER failures in a row (5 minutes,
 * doubling with each further lock up to 60), and an address that failed LOGIN_CLIENT_MAX
 * times within LOGIN_CLIENT_WINDOW_MS is refused for LOGIN_CLIENT_BLOCK_MS; both messages say
 * how long to wait. A locked account or a blocked address costs no hash. The account's streak
 * is in the database (a restart does not reset it); the addresses are in memory (a bounded
 * table, the least recently seen dropped first).
 *
 * Sessions: 32 random bytes, shown to the browser as 64 hex characters (the cookie); the
 * database keeps only SHA-256 of it, so a copy of the database cannot be used to log in. A
 * session lasts 8 hours (one working day) and ends after 30 minutes without a request; its
 * last use is written at most once a minute (one small lazy group-commit write, not one per
 * request). Changing one's password ends one's other sessions; a reset or a disable ends all.
 *
 * Every login, failure, logout, lockout, password change or reset, disable/enable and
 * revocation is an event of the audit trail (who, from which address, why).
 *
 * Never: log or return a password (but the one-time temporary password to the admin who reset
 * it) or a token hash; say which of username/password was wrong.
 */
#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "service/svc_internal.h"

#define LOGIN_HASH_SLOTS 2
#define LOGIN_HASH_QUEUE 32
#define LOGIN_HASH_WAIT_MS 10000
#define LOGIN_LOCK_AFTER 5
#define LOGIN_LOCK_MS (5 * 60 * INT64_C(1000))
#define LOGIN_LOCK_MAX_MS (60 * 60 * INT64_C(1000))
#define LOGIN_CLIENT_MAX 20
#define LOGIN_CLIENT_WINDOW_MS (15 * 60 * INT64_C(1000))
#define LOGIN_CLIENT_BLOCK_MS (15 * 60 * INT64_C(1000))
#define LOGIN_CLIENTS 1024
#define SESSION_TOUCH_MS (60 * INT64_C(1000))
#define PW_MIN 10
#define PW_MAX 128

/* argon2id of a random password nobody knows, with the parameters of crypto_pwhash_str at
   OPSLIMIT/MEMLIMIT_INTERACTIVE (test_accounts checks they still match): verifying a password
   of an unknown username against it costs what a real check costs. */
static const char DUMMY_HASH[] = "$argon2id$v=19$m=65536,t=2,p=1$IJvqFMaU732X66N/9QiQXg$"
                                 "AyBK2z5OFoqGBbgvY93iGe2bwTgO9dAAVvWG9Dhsrco";

struct svc_login_guard {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int hashing, waiting; /* hashes running, requests waiting for a slot */
    svc_throttle *clients; /* addresses that fail (throttle.c) */
};

kt_code svc_login_open(svc *s, kt_error *err)
{
    svc_login_guard *g = calloc(1, sizeof *g);
    if (g == NULL)
        return svc_nomem(err);
    g->clients = svc_throttle_new(LOGIN_CLIENTS, LOGIN_CLIENT_MAX, LOGIN_CLIENT_WINDOW_MS,
                                  LOGIN_CLIENT_BLOCK_MS);
    if (g->clients == NULL) {
        free(g);
        return svc_nomem(err);
    }
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    s->login = g;
    return KT_OK;
}

void svc_login_close(svc *s)
{
    if (s->login == NULL)
        return;
    pthread_mutex_destroy(&s->login->mu);
    pthread_cond_destroy(&s->login->cv);
    svc_throttle_free(s->login->clients);
    free(s->login);
    s->login = NULL;
}

const char *svc_password_dummy_hash(void) { return DUMMY_HASH; }

/* ---- the hash slots ------------------------------------------------------------------- */

static kt_code hash_enter(svc *s, kt_error *err)
{
    svc_login_guard *g = s->login;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += LOGIN_HASH_WAIT_MS / 1000;
    pthread_mutex_lock(&g->mu);
    if (g->hashing >= LOGIN_HASH_SLOTS && g->waiting >= LOGIN_HASH_QUEUE) {
        pthread_mutex_unlock(&g->mu);
        return kt_fail_retry(err, KT_EUNAVAIL, 1, "login_busy",
                             "Terlalu banyak permintaan masuk bersamaan; coba lagi sebentar");
    }
    g->waiting++;
    while (g->hashing >= LOGIN_HASH_SLOTS) {
        if (pthread_cond_timedwait(&g->cv, &g->mu, &until) != 0 &&
            g->hashing >= LOGIN_HASH_SLOTS) {
            g->waiting--;
            pthread_mutex_unlock(&g->mu);
            return kt_fail_retry(err, KT_EUNAVAIL, 1, "login_busy",
                                 "Terlalu banyak permintaan masuk bersamaan; coba lagi sebentar");
        }
    }
    g->waiting--;
    g->hashing++;
    pthread_mutex_unlock(&g->mu);
    return KT_OK;
}

static void hash_leave(svc *s)
{
    pthread_mutex_lock(&s->login->mu);
    s->login->hashing--;
    pthread_cond_signal(&s->login->cv);
    pthread_mutex_unlock(&s->login->mu);
}

/* crypto_pwhash_str_verify in a slot: 1 when password matches hash, 0 when not. */
static kt_code hash_verify(svc *s, const char *hash, const char *password, int *match,
                           kt_error *err)
{
    kt_code rc = hash_enter(s, err);
    if (rc != KT_OK)
        return rc;
    *match = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    hash_leave(s);
    return KT_OK;
}

static kt_code hash_make(svc *s, const char *password, char out[crypto_pwhash_STRBYTES],
                         kt_error *err)
{
    kt_code rc = hash_enter(s, err);
    if (rc != KT_OK)
        return rc;
    int bad = crypto_pwhash_str(out, password, strlen(password),
                                crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
    hash_leave(s);
    return bad ? svc_nomem(err) : KT_OK;
}

/* ---- rules ---------------------------------------------------------------------------- */

static int username_ok(const char *u)
{
    size_t n = strlen(u);
    if (n < 3 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)u[i]) || isdigit((unsigned char)u[i]) || u[i] == '.' ||
              u[i] == '_' || u[i] == '-'))
            return 0;
    return 1;
}

/* Passwords everyone tries first, and the demo accounts' (published in the README). */
static const char *const weak_passwords[] = {
    "1234567890",      "12345678910",     "0123456789",       "1122334455",
    "qwertyuiop",      "qwerty1234",      "qwerty12345",      "password123",
    "password1234",    "passw0rd123",     "1q2w3e4r5t",       "abcdefghij",
    "abc1234567",      "iloveyou123",     "admin12345",       "administrator",
    "rahasia1234",     "katasandi",       "katasandi123",     "bismillah",
    "bismillah123",    "indonesia",       "indonesia123",     "indonesia45",
    "jakarta123",      "tangerang123",    "neglasari123",     "kecamatan123",
    "admin-demo-123",  "intake-demo-123", "operator-demo-123", "handover-demo-123",
    "supervisor-demo-123"};

/* UTF-8 characters in s (bytes that do not continue a sequence). */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Is pw the username (any case) with nothing but digits, signs and spaces around it? */
static int username_padded(const char *pw, const char *username)
{
    size_t n = strlen(username), h = strlen(pw);
    for (size_t i = 0; n > 0 && i + n <= h; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char)pw[i + k]) == tolower((unsigned char)username[k]))
            k++;
        if (k < n)
            continue;
        int letters = 0;
        for (size_t j = 0; j < h; j++)
            if ((j < i || j >= i + n) && (isalpha((unsigned char)pw[j]) || (unsigned char)pw[j] >= 0x80))
                letters = 1;
        if (!letters)
            return 1;
    }
    return 0;
}

static kt_code password_rules(const char *username, const char *pw, const char *field,
                              kt_error *err)
{
    size_t n = utf8_len(pw), distinct = 0;
    unsigned char seen[256] = {0};
    if (n < PW_MIN || strlen(pw) > PW_MAX)
        return kt_fail(err, KT_EINVAL, "password_weak", field,
                       "Kata sandi harus %d sampai %d karakter (kalimat pendek yang mudah diingat "
                       "pun baik)",
                       PW_MIN, PW_MAX);
    for (const unsigned char *p = (const unsigned char *)pw; *p != '\0'; p++)
        if (!seen[*p]++)
            distinct++;
    if (distinct < 5)
        return kt_fail(err, KT_EINVAL, "password_weak", field,
                       "Kata sandi terlalu seragam: pakai paling sedikit 5 karakter berbeda");
    if (strspn(pw, "0123456789") == strlen(pw))
        return kt_fail(err, KT_EINVAL, "password_weak", field,
                       "Kata sandi tidak boleh hanya angka (nomor telepon, tanggal, NIK mudah "
                       "ditebak)");
    /* The username with digits or signs around it is the first thing tried. */
    if (username != NULL && username[0] != '\0' && username_padded(pw, username))
        return kt_fail(err, KT_EINVAL, "password_weak", field,
                       "Kata sandi tidak boleh berupa nama pengguna ditambah angka atau tanda");
    for (size_t i = 0; i < sizeof weak_passwords / sizeof weak_passwords[0]; i++)
        if (strcasecmp(pw, weak_passwords[i]) == 0)
            return kt_fail(err, KT_EINVAL, "password_weak", field,
                           "Kata sandi ini terlalu umum atau sudah diumumkan (akun demo); pilih "
                           "yang lain");
    return KT_OK;
}

/* ---- accounts ------------------------------------------------------------------------- */

#define USER_COLS                                                                            \
    "SELECT id, username, full_name, role, loket, active, created_at, must_change_password,"  \
    " failed_logins, locked_until, last_login_at, password_changed_at FROM users"

static json_t *user_json(const svc *s, store_stmt *st)
{
    int64_t locked = store_col_int(st, 9);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:i, s:b, s:I, s:b, s:i}", "id",
                          (json_int_t)store_col_int(st, 0), "username", store_col_text(st, 1),
                          "full_name", store_col_text(st, 2), "role", store_col_text(st, 3),
                          "loket", (int)store_col_int(st, 4), "active",
                          (int)store_col_int(st, 5), "created_at",
                          (json_int_t)store_col_int(st, 6), "must_change_password",
                          (int)store_col_int(st, 7), "failed_logins", (int)store_col_int(st, 8));
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "locked_until", locked > svc_now(s) ? json_integer(locked) : json_null());
    json_object_set_new(o, "last_login_at", store_col_int(st, 10) > 0
                                                ? json_integer(store_col_int(st, 10))
                                                : json_null());
    json_object_set_new(o, "password_changed_at", store_col_int(st, 11) > 0
                                                      ? json_integer(store_col_int(st, 11))
                                                      : json_null());
    return o;
}

/* The account as JSON (inside the caller's transaction). */
static kt_code user_load(svc *s, store *db, const char *username, json_t **out, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = svc_row_by_key(db, USER_COLS " WHERE username = ?", username, &st, err,
                                "user_not_found", "username", "Akun '%s' tidak ada", username);
    if (rc != KT_OK)
        return rc;
    *out = user_json(s, st);
    store_reset(st);
    return *out != NULL ? KT_OK : svc_nomem(err);
}

kt_code svc_user_add(svc *s, const svc_actor *who, const json_t *in, json_t **out, kt_error *err)
{
    return svc_user_add_as(s, who, in, 1, out, err);
}

kt_code svc_user_add_as(svc *s, const svc_actor *who, const json_t *in, int rules, json_t **out,
                        kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    char hash[crypto_pwhash_STRBYTES];
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    const char *username = svc_jstr(in, "username");
    const char *full_name = svc_jstr(in, "full_name");
    const char *role = svc_jstr(in, "role");
    const char *password = svc_jstr(in, "password");
    json_t *jl = json_object_get(in, "loket"), *jm = json_object_get(in, "must_change_password");
    wf_role r;
    if (username == NULL || !username_ok(username))
        return kt_fail(err, KT_EINVAL, "username_invalid", "username",
                       "Nama pengguna harus 3-32 karakter: huruf kecil, angka, titik, garis "
                       "bawah atau tanda hubung");
    if (role == NULL || !wf_role_from_str(role, &r) || !wf_role_is_staff(r))
        return kt_fail(err, KT_EINVAL, "role_invalid", "role",
                       "Peran harus salah satu dari intake, operator, handover, supervisor, "
                       "admin");
    if (password == NULL)
        return kt_fail(err, KT_EINVAL, "field_missing", "password", "Kata sandi wajib diisi");
    if (rules && (rc = password_rules(username, password, "password", err)) != KT_OK)
        return rc;
    if (strlen(password) > PW_MAX)
        return kt_fail(err, KT_EINVAL, "password_weak", "password",
                       "Kata sandi paling panjang %d karakter", PW_MAX);
    if (full_name != NULL && strlen(full_name) > 120)
        return kt_fail(err, KT_EINVAL, "full_name_too_long", "full_name",
                       "Nama lengkap lebih dari 120 karakter");
    if (jm != NULL && !json_is_boolean(jm))
        return kt_fail(err, KT_EINVAL, "must_change_password_invalid", "must_change_password",
                       "must_change_password harus true atau false");
    json_int_t loket = 0;
    if (jl != NULL && !json_is_null(jl)) {
        if (!json_is_integer(jl) || json_integer_value(jl) < 0 ||
            json_integer_value(jl) > svc_lokets_count(s))
            return kt_fail(err, KT_EINVAL, "loket_invalid", "loket",
                           "Loket harus 0 sampai %d", svc_lokets_count(s));
        loket = json_integer_value(jl);
    }
    if ((rc = hash_make(s, password, hash, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "SELECT 1 FROM users WHERE username = ?", &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, username, -1);
    int row = 0;
    rc = store_step(st, &row, err);
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    if (row) {
        rc = kt_fail(err, KT_ECONFLICT, "username_taken", "username",
                     "Nama pengguna '%s' sudah dipakai", username);
        goto out;
    }
    int64_t now = svc_now(s);
    if ((rc = store_prepare(db,
                            "INSERT INTO users (username, full_name, role, password_hash, loket,"
                            " created_at, must_change_password, password_changed_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, username, -1);
    store_bind_text(st, 2, full_name != NULL ? full_name : "", -1);
    store_bind_text(st, 3, role, -1);
    store_bind_text(st, 4, hash, -1);
    store_bind_int(st, 5, loket);
    store_bind_int(st, 6, now);
    store_bind_int(st, 7, json_is_true(jm));
    store_bind_int(st, 8, now);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, pending, "user_added", who, 0, 0, "", role, "user_add", "",
                            username, NULL, err)) != KT_OK)
        goto out;
    if ((rc = user_load(s, db, username, out, err)) != KT_OK)
        goto out;
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    sodium_memzero(hash, sizeof hash);
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

kt_code svc_user_list(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *arr = NULL;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if ((arr = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, USER_COLS " ORDER BY id", &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(arr, user_json(s, st));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    *out = arr;
    arr = NULL;
out:
    svc_conn_put(s, db);
    json_decref(arr);
    return rc;
}

/* End the sessions of user_id except keep (0: none kept); *n the number ended. */
static kt_code sessions_end(store *db, int64_t user_id, int64_t keep, int64_t *n, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    store_bind_int(st, 2, keep);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    *n = store_changes(db);
    return KT_OK;
}

/* The account's id and role by username (inside the transaction). */
static kt_code user_id_of(store *db, const char *username, int64_t *id, char role[16],
                          kt_error *err)
{
    store_stmt *st = NULL;
    if (username == NULL || username[0] == '\0' || strlen(username) > 64)
        return kt_fail(err, KT_EINVAL, "username_invalid", "username",
                       "Nama pengguna wajib diisi");
    kt_code rc = svc_row_by_key(db, "SELECT id, role FROM users WHERE username = ?", username,
                                &st, err, "user_not_found", "username", "Akun '%s' tidak ada",
                                username);
    if (rc != KT_OK)
        return rc;
    *id = store_col_int(st, 0);
    if (role != NULL)
        snprintf(role, 16, "%s", store_col_text(st, 1));
    store_reset(st);
    return KT_OK;
}

kt_code svc_user_set_active(svc *s, const svc_actor *who, const char *username, int active,
                            json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    int64_t id = 0, ended = 0;
    char role[16], note[96];
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = user_id_of(db, username, &id, role, err)) != KT_OK)
        goto out;
    if (!active && id == who->user_id) {
        rc = kt_fail(err, KT_ECONFLICT, "self_disable", "username",
                     "Admin tidak dapat menonaktifkan akunnya sendiri");
        goto out;
    }
    /* Enabling also lifts a lockout: the admin has looked at the account. */
    if ((rc = store_prepare(db,
                            active ? "UPDATE users SET active = 1, failed_logins = 0,"
                                     " locked_until = 0 WHERE id = ?"
                                   : "UPDATE users SET active = 0 WHERE id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if (!active && (rc = sessions_end(db, id, 0, &ended, err)) != KT_OK)
        goto out;
    snprintf(note, sizeof note, "%s%s", username,
             !active && ended > 0 ? " (sesi diakhiri)" : "");
    if ((rc = svc_event_add(s, db, pending, active ? "user_enabled" : "user_disabled", who, 0, 0,
                            "", role, active ? "user_enable" : "user_disable", "", note, NULL,
                            err)) != KT_OK)
        goto out;
    if ((rc = user_load(s, db, username, out, err)) != KT_OK)
        goto out;
    json_object_set_new(*out, "sessions_ended", json_integer(ended));
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

/* A temporary password: 3 groups of 4 from an alphabet without look-alikes (about 62 bits). */
static void temp_password(char out[16])
{
    static const char alpha[] = "abcdefghjkmnpqrstuvwxyz23456789";
    int k = 0;
    for (int g = 0; g < 3; g++) {
        for (int i = 0; i < 4; i++)
            out[k++] = alpha[randombytes_uniform(sizeof alpha - 1)];
        if (g < 2)
            out[k++] = '-';
    }
    out[k] = '\0';
}

kt_code svc_user_reset_password(svc *s, const svc_actor *who, const char *username,
                                json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    int64_t id = 0, ended = 0;
    char role[16], pw[16], hash[crypto_pwhash_STRBYTES];
    kt_error e2;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    do
        temp_password(pw);
    while (password_rules(username, pw, "password", &e2) != KT_OK);
    if ((rc = hash_make(s, pw, hash, err)) != KT_OK)
        goto out;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = user_id_of(db, username, &id, role, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "UPDATE users SET password_hash = ?, must_change_password = 1,"
                            " failed_logins = 0, locked_until = 0, password_changed_at = ?"
                            " WHERE id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, hash, -1);
    store_bind_int(st, 2, svc_now(s));
    store_bind_int(st, 3, id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = sessions_end(db, id, 0, &ended, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, pending, "password_reset", who, 0, 0, "", role,
                            "password_reset", "", username, NULL, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:s, s:s, s:b, s:I}", "username", username, "temporary_password",
                          pw, "must_change_password", 1, "sessions_ended",
                          (json_int_t)ended)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(hash, sizeof hash);
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

/* ---- login ---------------------------------------------------------------------------- */

typedef struct login_account {
    int found, active, must_change, failed;
    int64_t locked_until;
    char hash[crypto_pwhash_STRBYTES];
    svc_actor a;
} login_account;

static kt_code account_load(svc *s, const char *username, int loket, login_account *acc,
                            kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "SELECT id, username, role, loket, password_hash, active,"
                            " must_change_password, failed_logins, locked_until FROM users"
                            " WHERE username = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, username, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (row) {
        acc->found = 1;
        acc->a.user_id = store_col_int(st, 0);
        snprintf(acc->a.username, sizeof acc->a.username, "%s", store_col_text(st, 1));
        snprintf(acc->a.role, sizeof acc->a.role, "%s", store_col_text(st, 2));
        acc->a.loket = loket > 0 ? loket : (int)store_col_int(st, 3);
        snprintf(acc->hash, sizeof acc->hash, "%s", store_col_text(st, 4));
        acc->active = (int)store_col_int(st, 5);
        acc->must_change = (int)store_col_int(st, 6);
        acc->failed = (int)store_col_int(st, 7);
        acc->locked_until = store_col_int(st, 8);
    }
    store_reset(st);
out:
    svc_conn_put(s, db);
    return rc;
}

/*
 * Record a refused login (one write transaction): the account's streak and lock when it is
 * known and the password was wrong (wrong_pw), the login_failed event, and the lock's or the
 * address block's own event when this failure starts one. *locked_until: the account's lock
 * when this failure started it, else 0.
 */
static kt_code login_refused(svc *s, const login_account *acc, const char *client,
                             const char *reason, int wrong_pw, int64_t client_block,
                             int64_t *locked_until, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int64_t now = svc_now(s);
    char note[128];
    kt_code rc;
    *locked_until = 0;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if (acc->found && wrong_pw) {
        int failed = 0, row = 0;
        if ((rc = store_prepare(db,
                                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, acc->a.user_id);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        if ((rc = store_prepare(db, "SELECT failed_logins FROM users WHERE id = ?", &st, err)) !=
            KT_OK)
            goto out;
        store_bind_int(st, 1, acc->a.user_id);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        failed = row ? (int)store_col_int(st, 0) : 0;
        store_reset(st);
        if (failed > 0 && failed % LOGIN_LOCK_AFTER == 0) {
            int64_t ms = LOGIN_LOCK_MS;
            for (int k = failed / LOGIN_LOCK_AFTER - 1; k > 0 && ms < LOGIN_LOCK_MAX_MS; k--)
                ms *= 2;
            if (ms > LOGIN_LOCK_MAX_MS)
                ms = LOGIN_LOCK_MAX_MS;
            *locked_until = now + ms;
            if ((rc = store_prepare(db, "UPDATE users SET locked_until = ? WHERE id = ?", &st,
                                    err)) != KT_OK)
                goto out;
            store_bind_int(st, 1, *locked_until);
            store_bind_int(st, 2, acc->a.user_id);
            if ((rc = store_run(st, err)) != KT_OK)
                goto out;
        }
        snprintf(note, sizeof note, "dari %s; gagal %d kali berturut-turut",
                 client != NULL ? client : "-", failed);
    } else {
        snprintf(note, sizeof note, "dari %s", client != NULL ? client : "-");
    }
    if ((rc = svc_event_add(s, db, NULL, "login_failed", &acc->a, 0, 0, "", "", "login_failed",
                            reason, note, NULL, err)) != KT_OK)
        goto out;
    if (*locked_until > 0) {
        snprintf(note, sizeof note, "sampai %lld (UTC ms), dari %s", (long long)*locked_until,
                 client != NULL ? client : "-");
        if ((rc = svc_event_add(s, db, NULL, "account_locked", &acc->a, 0, 0, "", "",
                                "account_locked", "too_many_failures", note, NULL, err)) !=
            KT_OK)
            goto out;
    }
    if (client_block > 0) {
        snprintf(note, sizeof note, "%s diblokir sampai %lld (UTC ms)",
                 client != NULL ? client : "-", (long long)client_block);
        if ((rc = svc_event_add(s, db, NULL, "login_throttled", &acc->a, 0, 0, "", "",
                                "login_throttled", "too_many_failures", note, NULL, err)) !=
            KT_OK)
            goto out;
    }
    rc = svc_commit(s, db, err);
out:
    svc_conn_put(s, db);
    return rc;
}

/* The session row, the account's fresh streak and the login event: one transaction. */
static kt_code login_ok(svc *s, login_account *acc, const char *client, char token[65],
                        kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    char th[65], note[80];
    int64_t now = svc_now(s);
    kt_code rc;
    svc_secret_new(token, th);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, now - SVC_SESSION_IDLE_MS);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "INSERT INTO sessions (token_hash, user_id, loket, client, created_at,"
                            " last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, th, 64);
    store_bind_int(st, 2, acc->a.user_id);
    store_bind_int(st, 3, acc->a.loket);
    store_bind_text(st, 4, client != NULL ? client : "", -1);
    store_bind_int(st, 5, now);
    store_bind_int(st, 6, now);
    store_bind_int(st, 7, now + SVC_SESSION_TTL_MS);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    acc->a.session_id = store_last_id(db);
    if ((rc = store_prepare(db,
                            "UPDATE users SET failed_logins = 0, locked_until = 0,"
                            " last_login_at = ? WHERE id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, acc->a.user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    snprintf(note, sizeof note, "dari %s%s", client != NULL ? client : "-",
             acc->must_change ? "; wajib ganti kata sandi" : "");
    if ((rc = svc_event_add(s, db, NULL, "login", &acc->a, 0, 0, "", "", "login", "", note,
                            NULL, err)) != KT_OK)
        goto out;
    rc = svc_commit(s, db, err);
out:
    svc_conn_put(s, db);
    return rc;
}

kt_code svc_login(svc *s, const char *username, const char *password, int loket,
                  const char *client, char token[65], svc_actor *actor, kt_error *err)
{
    kt_code rc;
    login_account acc;
    char wait[64];
    int match = 0;
    int64_t now = svc_now(s), until, block = 0, locked = 0;
    const char *addr = client != NULL && client[0] != '\0' ? client : "-";
    token[0] = '\0';
    memset(&acc, 0, sizeof acc);
    if (username == NULL || username[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "username", "Nama pengguna wajib diisi");
    if (password == NULL || password[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "password", "Kata sandi wajib diisi");
    if (strlen(username) > 64 || strlen(password) > 1024)
        return kt_fail(err, KT_EINVAL, "login_too_long", "", "Nama pengguna atau kata sandi "
                       "terlalu panjang");
    if (loket < 0 || loket > svc_lokets_count(s)) /* the layout now: no restart needed */
        return kt_fail(err, KT_EINVAL, "loket_invalid", "loket", "Loket harus 0 sampai %d",
                       svc_lokets_count(s));
    /* A blocked address costs nothing more: no hash, no write (a flood stays a flood of
       cheap refusals). */
    if ((until = svc_throttle_blocked(s->login->clients, addr, now)) > 0) {
        unsigned secs = svc_wait_text(now, until, wait, sizeof wait);
        return kt_fail_retry(err, KT_ELIMIT, secs, "login_throttled",
                             "Terlalu banyak percobaan masuk yang gagal dari komputer ini. Coba "
                             "lagi dalam %s",
                             wait);
    }
    /* The slot is taken before the account is read: a storm of logins then holds at most
       LOGIN_HASH_SLOTS database connections too, not one per request. */
    if ((rc = hash_enter(s, err)) != KT_OK)
        return rc;
    rc = account_load(s, username, loket, &acc, err);
    if (rc == KT_OK && !(acc.found && acc.locked_until > now))
        match = crypto_pwhash_str_verify(acc.found ? acc.hash : DUMMY_HASH, password,
                                         strlen(password)) == 0;
    hash_leave(s);
    if (rc != KT_OK)
        goto out;
    if (!acc.found) {
        /* Who tried which name is worth keeping, but not a password typed into the name
           field: a name that cannot be a username is not recorded. */
        snprintf(acc.a.username, sizeof acc.a.username, "%s",
                 username_ok(username) ? username : "(tidak sah)");
        acc.a.loket = loket;
    }
    if (acc.found && acc.locked_until > now) {
        block = svc_throttle_failed(s->login->clients, addr, now);
        if ((rc = login_refused(s, &acc, client, "account_locked", 0, block, &locked, err)) !=
            KT_OK)
            goto out;
        unsigned secs = svc_wait_text(now, acc.locked_until, wait, sizeof wait);
        rc = kt_fail_retry(err, KT_ELIMIT, secs, "account_locked",
                           "Akun ini dikunci sementara karena terlalu banyak percobaan masuk "
                           "yang gagal. Coba lagi dalam %s, atau minta admin membukanya",
                           wait);
        goto out;
    }
    if (!acc.found || !match) {
        block = svc_throttle_failed(s->login->clients, addr, now);
        if ((rc = login_refused(s, &acc, client, acc.found ? "wrong_password" : "unknown_user",
                                1, block, &locked, err)) != KT_OK)
            goto out;
        if (locked > 0) {
            /* the lock's now */
            unsigned secs = svc_wait_text(svc_now(s), locked, wait, sizeof wait);
            rc = kt_fail_retry(err, KT_ELIMIT, secs, "account_locked",
                               "Nama pengguna atau kata sandi salah %d kali berturut-turut: "
                               "akun dikunci sementara. Coba lagi dalam %s, atau minta admin "
                               "membukanya",
                               LOGIN_LOCK_AFTER, wait);
        } else {
            rc = kt_fail(err, KT_EUNAUTH, "login_failed", "",
                         "Nama pengguna atau kata sandi salah");
        }
        goto out;
    }
    if (!acc.active) {
        if ((rc = login_refused(s, &acc, client, "account_disabled", 0, 0, &locked, err)) !=
            KT_OK)
            goto out;
        rc = kt_fail(err, KT_EUNAUTH, "account_disabled", "",
                     "Akun ini dinonaktifkan; hubungi admin");
        goto out;
    }
    if ((rc = login_ok(s, &acc, client, token, err)) != KT_OK)
        goto out;
    acc.a.must_change_password = acc.must_change;
    if (actor != NULL)
        *actor = acc.a;
out:
    if (rc != KT_OK)
        token[0] = '\0';
    sodium_memzero(acc.hash, sizeof acc.hash);
    return rc;
}

/* ---- sessions --------------------------------------------------------------------------- */

typedef struct touch_unit {
    int64_t id, at;
} touch_unit;

static kt_code touch_run(svc *s, store *db, void *ctx, kt_error *err)
{
    (void)s;
    const touch_unit *u = ctx;
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, u->at);
    store_bind_int(st, 2, u->id);
    return store_run(st, err);
}

kt_code svc_session(svc *s, const char *token, svc_actor *actor, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    char th[65];
    int64_t now = svc_now(s), sid = 0, seen = 0;
    if (token == NULL || strlen(token) != 64)
        return kt_fail(err, KT_EUNAUTH, "session_invalid", "", "Sesi tidak sah; silakan masuk");
    svc_sha256_hex(token, strlen(token), th);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "SELECT s.id, u.id, u.username, u.role, s.loket,"
                            " u.must_change_password, s.last_seen_at, s.expires_at, u.active"
                            " FROM sessions s JOIN users u ON u.id = s.user_id"
                            " WHERE s.token_hash = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, th, 64);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (!row || !store_col_int(st, 8)) {
        store_reset(st);
        rc = kt_fail(err, KT_EUNAUTH, "session_invalid", "",
                     "Sesi berakhir atau tidak sah; silakan masuk lagi");
        goto out;
    }
    if (store_col_int(st, 7) <= now) {
        store_reset(st);
        rc = kt_fail(err, KT_EUNAUTH, "session_expired", "",
                     "Sesi sudah 8 jam dan berakhir; silakan masuk lagi");
        goto out;
    }
    seen = store_col_int(st, 6);
    if (seen <= now - SVC_SESSION_IDLE_MS) {
        store_reset(st);
        rc = kt_fail(err, KT_EUNAUTH, "session_idle", "",
                     "Sesi berakhir karena 30 menit tanpa kegiatan; silakan masuk lagi");
        goto out;
    }
    sid = store_col_int(st, 0);
    if (actor != NULL) {
        memset(actor, 0, sizeof *actor);
        actor->session_id = sid;
        actor->user_id = store_col_int(st, 1);
        snprintf(actor->username, sizeof actor->username, "%s", store_col_text(st, 2));
        snprintf(actor->role, sizeof actor->role, "%s", store_col_text(st, 3));
        actor->loket = (int)store_col_int(st, 4);
        actor->must_change_password = (int)store_col_int(st, 5);
    }
    store_reset(st);
out:
    svc_conn_put(s, db);
    /* The idle clock: written at most once a minute per session, lazily (no fsync of its
       own). A failure to write it, or a power cut losing it, only shortens the session. */
    if (rc == KT_OK && now - seen >= SESSION_TOUCH_MS) {
        touch_unit u = {sid, now};
        kt_error e2;
        (void)svc_group_write_lazy(s, touch_run, &u, &e2);
    }
    return rc;
}

kt_code svc_logout(svc *s, const char *token, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    char th[65];
    svc_actor a;
    memset(&a, 0, sizeof a);
    if (token == NULL || strlen(token) != 64)
        return kt_fail(err, KT_EUNAUTH, "session_invalid", "", "Sesi tidak sah");
    svc_sha256_hex(token, strlen(token), th);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT s.id, u.id, u.username, u.role, s.loket FROM sessions s"
                            " JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, th, 64);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (!row) {
        store_reset(st);
        rc = kt_fail(err, KT_EUNAUTH, "session_invalid", "", "Sesi tidak sah atau sudah keluar");
        goto out;
    }
    a.session_id = store_col_int(st, 0);
    a.user_id = store_col_int(st, 1);
    snprintf(a.username, sizeof a.username, "%s", store_col_text(st, 2));
    snprintf(a.role, sizeof a.role, "%s", store_col_text(st, 3));
    a.loket = (int)store_col_int(st, 4);
    store_reset(st);
    if ((rc = store_prepare(db, "DELETE FROM sessions WHERE id = ?", &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, a.session_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, NULL, "logout", &a, 0, 0, "", "", "logout", "", "", NULL,
                            err)) != KT_OK)
        goto out;
    rc = svc_commit(s, db, err);
out:
    svc_conn_put(s, db);
    return rc;
}

kt_code svc_session_list(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *arr = NULL;
    int64_t now = svc_now(s);
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if ((arr = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT s.id, u.id, u.username, u.role, s.loket, s.client,"
                            " s.created_at, s.last_seen_at, s.expires_at FROM sessions s"
                            " JOIN users u ON u.id = s.user_id WHERE s.expires_at > ? AND"
                            " s.last_seen_at > ? AND u.active = 1 ORDER BY s.id DESC",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, now - SVC_SESSION_IDLE_MS);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        int64_t seen = store_col_int(st, 7), exp = store_col_int(st, 8);
        int64_t idle = seen + SVC_SESSION_IDLE_MS;
        json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:b}", "id",
                              (json_int_t)store_col_int(st, 0), "user_id",
                              (json_int_t)store_col_int(st, 1), "username",
                              store_col_text(st, 2), "role", store_col_text(st, 3), "loket",
                              (int)store_col_int(st, 4), "client", store_col_text(st, 5),
                              "created_at", (json_int_t)store_col_int(st, 6), "last_seen_at",
                              (json_int_t)seen, "expires_at", (json_int_t)exp,
                              "idle_expires_at", (json_int_t)(idle < exp ? idle : exp),
                              "current", store_col_int(st, 0) == who->session_id);
        if (o == NULL) {
            rc = svc_nomem(err);
            break;
        }
        json_array_append_new(arr, o);
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    *out = arr;
    arr = NULL;
out:
    svc_conn_put(s, db);
    json_decref(arr);
    return rc;
}

kt_code svc_session_revoke(svc *s, const svc_actor *who, int64_t session_id, json_t **out,
                           kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    char note[128], username[64], role[16];
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_id(db,
                            "SELECT u.username, u.role, s.client FROM sessions s JOIN users u ON"
                            " u.id = s.user_id WHERE s.id = ?",
                            session_id, &st, err, "session_not_found", "id",
                            "Sesi %lld tidak ada (sudah berakhir?)", (long long)session_id)) !=
        KT_OK)
        goto out;
    snprintf(username, sizeof username, "%s", store_col_text(st, 0));
    snprintf(role, sizeof role, "%s", store_col_text(st, 1));
    snprintf(note, sizeof note, "%s, sesi %lld dari %s", username, (long long)session_id,
             store_col_text(st, 2)[0] ? store_col_text(st, 2) : "-");
    store_reset(st);
    if ((rc = store_prepare(db, "DELETE FROM sessions WHERE id = ?", &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, session_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, pending, "session_revoked", who, 0, 0, "", role,
                            "session_revoke", "", note, NULL, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:I, s:s}", "id", (json_int_t)session_id, "username", username)) ==
        NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

/* ---- one's own password --------------------------------------------------------------- */

kt_code svc_password_change(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    login_account acc;
    char hash[crypto_pwhash_STRBYTES];
    int match = 0;
    int64_t ended = 0, locked = 0;
    *out = NULL;
    memset(&acc, 0, sizeof acc);
    if (who == NULL || who->user_id <= 0)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Hanya akun petugas yang punya kata sandi untuk diganti");
    const char *cur = svc_jstr(in, "current_password"), *pw = svc_jstr(in, "new_password");
    if (cur == NULL || cur[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "current_password",
                       "Kata sandi sekarang wajib diisi");
    if (pw == NULL || pw[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "new_password",
                       "Kata sandi baru wajib diisi");
    if (strlen(cur) > 1024)
        return kt_fail(err, KT_EINVAL, "login_too_long", "current_password",
                       "Kata sandi sekarang terlalu panjang");
    if ((rc = password_rules(who->username, pw, "new_password", err)) != KT_OK)
        return rc;
    if (strcmp(cur, pw) == 0)
        return kt_fail(err, KT_EINVAL, "password_same", "new_password",
                       "Kata sandi baru harus berbeda dari yang sekarang");
    if ((rc = account_load(s, who->username, who->loket, &acc, err)) != KT_OK)
        goto out;
    if (!acc.found || acc.a.user_id != who->user_id || !acc.active) {
        rc = kt_fail(err, KT_EUNAUTH, "session_invalid", "", "Akun tidak ditemukan atau "
                     "dinonaktifkan; silakan masuk lagi");
        goto out;
    }
    if (acc.locked_until > svc_now(s)) { /* locked by failures: no guess is even checked */
        char wait[64];
        unsigned secs = svc_wait_text(svc_now(s), acc.locked_until, wait, sizeof wait);
        rc = kt_fail_retry(err, KT_ELIMIT, secs, "account_locked",
                           "Akun ini dikunci sementara karena terlalu banyak kata sandi salah. "
                           "Coba lagi dalam %s, atau minta admin membukanya",
                           wait);
        goto out;
    }
    if ((rc = hash_verify(s, acc.hash, cur, &match, err)) != KT_OK)
        goto out;
    if (!match) {
        /* A session left open must not become a way to guess the password. */
        if ((rc = login_refused(s, &acc, NULL, "wrong_current_password", 1, 0, &locked,
                                err)) != KT_OK)
            goto out;
        rc = kt_fail(err, KT_EUNAUTH, "password_wrong", "current_password",
                     "Kata sandi sekarang salah");
        goto out;
    }
    if ((rc = hash_make(s, pw, hash, err)) != KT_OK)
        goto out;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "UPDATE users SET password_hash = ?, must_change_password = 0,"
                            " failed_logins = 0, locked_until = 0, password_changed_at = ?"
                            " WHERE id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, hash, -1);
    store_bind_int(st, 2, svc_now(s));
    store_bind_int(st, 3, who->user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = sessions_end(db, who->user_id, who->session_id, &ended, err)) != KT_OK)
        goto out;
    char note[64];
    snprintf(note, sizeof note, "%lld sesi lain diakhiri", (long long)ended);
    if ((rc = svc_event_add(s, db, NULL, "password_changed", who, 0, 0, "", "",
                            "password_change", "", note, NULL, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:b, s:I}", "ok", 1, "sessions_ended", (json_int_t)ended)) == NULL)
        rc = svc_nomem(err);
out:
    sodium_memzero(hash, sizeof hash);
    sodium_memzero(acc.hash, sizeof acc.hash);
    svc_conn_put(s, db);
    return rc;
}
