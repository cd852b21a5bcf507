/*
 * users.c - staff accounts and login sessions.
 *
 * Passwords: argon2id through libsodium's crypto_pwhash_str (the salt and the parameters are
 * inside the stored string, so parameters can be raised later without a migration).
 * Sessions: 32 random bytes, shown to the browser as 64 hex characters (the cookie); the
 * database keeps only SHA-256 of it, so a copy of the database cannot be used to log in.
 * A session lasts 8 hours (one working day), then the officer logs in again.
 *
 * Never: log or return a password or a token hash; say which of username/password was wrong.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "service/svc_internal.h"

static void token_hash(const char *token, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

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

static json_t *user_json(store_stmt *st)
{
    /* columns: id, username, full_name, role, loket, active, created_at */
    return json_pack("{s:I, s:s, s:s, s:s, s:i, s:b, s:I}", "id",
                     (json_int_t)store_col_int(st, 0), "username", store_col_text(st, 1),
                     "full_name", store_col_text(st, 2), "role", store_col_text(st, 3), "loket",
                     (int)store_col_int(st, 4), "active", (int)store_col_int(st, 5),
                     "created_at", (json_int_t)store_col_int(st, 6));
}

kt_code svc_user_add(svc *s, const svc_actor *who, const json_t *in, json_t **out, kt_error *err)
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
    json_t *jl = json_object_get(in, "loket");
    wf_role r;
    if (username == NULL || !username_ok(username))
        return kt_fail(err, KT_EINVAL, "username_invalid", "username",
                       "Nama pengguna harus 3-32 karakter: huruf kecil, angka, titik, garis "
                       "bawah atau tanda hubung");
    if (role == NULL || !wf_role_from_str(role, &r) || !wf_role_is_staff(r))
        return kt_fail(err, KT_EINVAL, "role_invalid", "role",
                       "Peran harus salah satu dari intake, operator, handover, supervisor, "
                       "admin");
    if (password == NULL || strlen(password) < 8 || strlen(password) > 128)
        return kt_fail(err, KT_EINVAL, "password_weak", "password",
                       "Kata sandi harus 8 sampai 128 karakter");
    if (full_name != NULL && strlen(full_name) > 120)
        return kt_fail(err, KT_EINVAL, "full_name_too_long", "full_name",
                       "Nama lengkap lebih dari 120 karakter");
    json_int_t loket = 0;
    if (jl != NULL && !json_is_null(jl)) {
        if (!json_is_integer(jl) || json_integer_value(jl) < 0 ||
            json_integer_value(jl) > svc_lokets_count(s))
            return kt_fail(err, KT_EINVAL, "loket_invalid", "loket",
                           "Loket harus 0 sampai %d", svc_lokets_count(s));
        loket = json_integer_value(jl);
    }
    if (crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return svc_nomem(err);
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
    if ((rc = store_prepare(db,
                            "INSERT INTO users (username, full_name, role, password_hash, loket,"
                            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, username, -1);
    store_bind_text(st, 2, full_name != NULL ? full_name : "", -1);
    store_bind_text(st, 3, role, -1);
    store_bind_text(st, 4, hash, -1);
    store_bind_int(st, 5, loket);
    store_bind_int(st, 6, svc_now(s));
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    int64_t id = store_last_id(db);
    if ((rc = svc_event_add(s, db, pending, "user_added", who, 0, 0, "", role, "user_add", "",
                            username, NULL, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT id, username, full_name, role, loket, active, created_at"
                            " FROM users WHERE id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    *out = user_json(st);
    store_reset(st);
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
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
    if ((rc = store_prepare(db,
                            "SELECT id, username, full_name, role, loket, active, created_at"
                            " FROM users ORDER BY id",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(arr, user_json(st));
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

kt_code svc_login(svc *s, const char *username, const char *password, int loket,
                  char token[65], svc_actor *actor, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    char hash[crypto_pwhash_STRBYTES] = "";
    char th[65];
    unsigned char raw[32];
    svc_actor a;
    memset(&a, 0, sizeof a);
    if (username == NULL || username[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "username", "Nama pengguna wajib diisi");
    if (password == NULL || password[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "password", "Kata sandi wajib diisi");
    if (loket < 0 || loket > svc_lokets_count(s)) /* the layout now: no restart needed */
        return kt_fail(err, KT_EINVAL, "loket_invalid", "loket", "Loket harus 0 sampai %d",
                       svc_lokets_count(s));
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "SELECT id, username, role, loket, password_hash FROM users"
                            " WHERE username = ? AND active = 1",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, username, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (row) {
        a.user_id = store_col_int(st, 0);
        snprintf(a.username, sizeof a.username, "%s", store_col_text(st, 1));
        snprintf(a.role, sizeof a.role, "%s", store_col_text(st, 2));
        a.loket = loket > 0 ? loket : (int)store_col_int(st, 3);
        snprintf(hash, sizeof hash, "%s", store_col_text(st, 4));
    }
    store_reset(st);
    if (!row || crypto_pwhash_str_verify(hash, password, strlen(password)) != 0) {
        rc = kt_fail(err, KT_EUNAUTH, "login_failed", "",
                     "Nama pengguna atau kata sandi salah");
        goto out;
    }
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, 65, raw, sizeof raw);
    token_hash(token, th);
    int64_t now = svc_now(s);
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "DELETE FROM sessions WHERE expires_at <= ?", &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, now);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "INSERT INTO sessions (token_hash, user_id, loket, created_at,"
                            " expires_at) VALUES (?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, th, 64);
    store_bind_int(st, 2, a.user_id);
    store_bind_int(st, 3, a.loket);
    store_bind_int(st, 4, now);
    store_bind_int(st, 5, now + SVC_SESSION_TTL_MS);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, NULL, "login", &a, 0, 0, "", "", "login", "", "", NULL,
                            err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    if (actor != NULL)
        *actor = a;
out:
    if (rc != KT_OK)
        token[0] = '\0';
    sodium_memzero(raw, sizeof raw);
    svc_conn_put(s, db);
    return rc;
}

kt_code svc_session(svc *s, const char *token, svc_actor *actor, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    char th[65];
    if (token == NULL || strlen(token) != 64)
        return kt_fail(err, KT_EUNAUTH, "session_invalid", "", "Sesi tidak sah; silakan masuk");
    token_hash(token, th);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "SELECT u.id, u.username, u.role, s.loket FROM sessions s"
                            " JOIN users u ON u.id = s.user_id"
                            " WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, th, 64);
    store_bind_int(st, 2, svc_now(s));
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (!row) {
        store_reset(st);
        rc = kt_fail(err, KT_EUNAUTH, "session_invalid", "",
                     "Sesi berakhir atau tidak sah; silakan masuk lagi");
        goto out;
    }
    if (actor != NULL) {
        memset(actor, 0, sizeof *actor);
        actor->user_id = store_col_int(st, 0);
        snprintf(actor->username, sizeof actor->username, "%s", store_col_text(st, 1));
        snprintf(actor->role, sizeof actor->role, "%s", store_col_text(st, 2));
        actor->loket = (int)store_col_int(st, 3);
    }
    store_reset(st);
out:
    svc_conn_put(s, db);
    return rc;
}

kt_code svc_logout(svc *s, const char *token, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    char th[65];
    if (token == NULL || strlen(token) != 64)
        return kt_fail(err, KT_EUNAUTH, "session_invalid", "", "Sesi tidak sah");
    token_hash(token, th);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "DELETE FROM sessions WHERE token_hash = ?", &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, th, 64);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if (store_changes(db) == 0)
        rc = kt_fail(err, KT_EUNAUTH, "session_invalid", "", "Sesi tidak sah atau sudah keluar");
out:
    svc_conn_put(s, db);
    return rc;
}
