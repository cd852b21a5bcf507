/*
 * nodes.c - the kecamatan nodes at the central: registration with a one-time enrolment code,
 * the enrolment that pins a node's key, key rotation, revocation, and the key lookup every
 * packet and feed request goes through.
 *
 * The enrolment code is the one secret that crosses from the central's admin to the kecamatan
 * (on paper or by phone): 20 characters of an alphabet without look-alikes, stored only as its
 * SHA-256, single use, valid 7 days. The answer to an enrolment carries an HMAC keyed by the
 * code's hash, so the node knows it talks to the central that issued the code.
 *
 * Never: keep a code in clear; accept a key for a revoked node.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusat/pusat_internal.h"

#define CODE_TTL_MS (7 * 24 * 3600 * INT64_C(1000))

static kt_code require_admin(const svc_actor *who, kt_error *err) { return svc_require_admin(who, err); }

/* "ABCD-EFGH-..." -> "ABCDEFGH..." uppercase; 0 when it holds anything else. */
static int code_norm(const char *in, char out[32])
{
    size_t n = 0;
    for (; in != NULL && *in != '\0'; in++) {
        char c = *in;
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '9')) || n == 31)
            return 0;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == 20;
}

/* A fresh code (printed grouped) and its hash. */
static void code_new(char shown[32], char hash[65])
{
    static const char alpha[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; /* no I, O, 0, 1 */
    char raw[32];
    size_t k = 0;
    for (int i = 0; i < 20; i++)
        raw[i] = alpha[randombytes_uniform(sizeof alpha - 1)];
    raw[20] = '\0';
    for (int i = 0; i < 20; i++) {
        if (i > 0 && i % 5 == 0)
            shown[k++] = '-';
        shown[k++] = raw[i];
    }
    shown[k] = '\0';
    link_sha256_hex(raw, 20, hash);
}

static int node_id_ok(const char *s)
{
    if (s == NULL || strlen(s) != 9 || s[6] != '-')
        return 0;
    for (int i = 0; i < 9; i++)
        if (i != 6 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

static kt_code set_code(pusat *p, store *db, const char *node_id, char shown[32], kt_error *err)
{
    char hash[65];
    store_stmt *st = NULL;
    code_new(shown, hash);
    kt_code rc = store_prepare(db,
                               "UPDATE pusat_nodes SET code_hash = ?, code_expires_at = ?"
                               " WHERE node_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, hash, -1);
    store_bind_int(st, 2, svc_now(p->s) + CODE_TTL_MS);
    store_bind_text(st, 3, node_id, -1);
    return store_run(st, err);
}

kt_code pusat_node_add(pusat *p, const svc_actor *who, const json_t *in, json_t **out,
                       kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    char node_id[16], shown[32];
    *out = NULL;
    if ((rc = require_admin(who, err)) != KT_OK)
        return rc;
    const char *kec = svc_jstr(in, "kecamatan_code"), *name = svc_jstr(in, "name");
    json_t *jn = json_object_get(in, "node_no");
    if (kec == NULL || strlen(kec) != 6 || strspn(kec, "0123456789") != 6)
        return kt_fail(err, KT_EINVAL, "kecamatan_code_invalid", "kecamatan_code",
                       "Kode kecamatan harus 6 angka (mis. 367110)");
    if (name == NULL || name[0] == '\0' || strlen(name) > 100)
        return kt_fail(err, KT_EINVAL, "name_invalid", "name",
                       "Nama simpul wajib diisi (paling banyak 100 karakter)");
    if (jn != NULL && (!json_is_integer(jn) || json_integer_value(jn) < 1 ||
                       json_integer_value(jn) > 99))
        return kt_fail(err, KT_EINVAL, "node_no_invalid", "node_no",
                       "Nomor simpul harus 1 sampai 99");
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    int no = jn != NULL ? (int)json_integer_value(jn) : 0;
    if (no == 0) { /* the next free number of the kecamatan */
        int row = 0;
        if ((rc = store_prepare(db,
                                "SELECT count(*) FROM pusat_nodes WHERE kecamatan_code = ?", &st,
                                err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, kec, -1);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        no = (int)store_col_int(st, 0) + 1;
        store_reset(st);
    }
    snprintf(node_id, sizeof node_id, "%s-%02d", kec, no);
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_nodes (node_id, kecamatan_code, name, state,"
                            " created_at) VALUES (?, ?, ?, 'registered', ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, node_id, -1);
    store_bind_text(st, 2, kec, -1);
    store_bind_text(st, 3, name, -1);
    store_bind_int(st, 4, svc_now(p->s));
    if ((rc = store_run(st, err)) != KT_OK) {
        if (rc == KT_ECONFLICT)
            rc = kt_fail(err, KT_ECONFLICT, "node_exists", "node_no", "Simpul %s sudah terdaftar",
                         node_id);
        goto out;
    }
    if ((rc = set_code(p, db, node_id, shown, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(p->s, db, pending, "pusat_node", who, 0, 0, "", "registered",
                            "node_register", "", node_id, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s, s:s, s:s, s:s}", "node_id", node_id, "kecamatan_code", kec,
                     "name", name, "state", "registered", "code", shown);
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    return rc;
}

kt_code pusat_node_code(pusat *p, const svc_actor *who, const char *node_id, json_t **out,
                        kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    char shown[32];
    *out = NULL;
    if ((rc = require_admin(who, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_row_by_key(db, "SELECT state FROM pusat_nodes WHERE node_id = ?", node_id, &st,
                             err, "node_unknown", "node_id", "Simpul %s tidak terdaftar",
                             node_id)) != KT_OK)
        goto out;
    int revoked = strcmp(store_col_text(st, 0), "revoked") == 0;
    store_reset(st);
    if (revoked) {
        rc = kt_fail(err, KT_ECONFLICT, "node_revoked", "node_id",
                     "Simpul %s sudah dicabut; daftarkan simpul baru", node_id);
        goto out;
    }
    if ((rc = set_code(p, db, node_id, shown, err)) != KT_OK ||
        (rc = svc_event_add(p->s, db, pending, "pusat_node", who, 0, 0, "", "", "node_code", "",
                            node_id, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s}", "node_id", node_id, "code", shown);
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    return rc;
}

kt_code pusat_node_revoke(pusat *p, const svc_actor *who, const char *node_id, json_t **out,
                          kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    *out = NULL;
    if ((rc = require_admin(who, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "UPDATE pusat_nodes SET state = 'revoked', revoked_at = ?,"
                            " code_hash = '' WHERE node_id = ? AND state <> 'revoked'",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, svc_now(p->s));
    store_bind_text(st, 2, node_id, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if (store_changes(db) == 0) {
        rc = kt_fail(err, KT_ENOTFOUND, "node_unknown", "node_id",
                     "Simpul %s tidak terdaftar atau sudah dicabut", node_id);
        goto out;
    }
    if ((rc = svc_event_add(p->s, db, pending, "pusat_node", who, 0, 0, "", "revoked",
                            "node_revoke", "", node_id, NULL, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:s, s:s}", "node_id", node_id, "state", "revoked");
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    return rc;
}

kt_code pusat_node_list(pusat *p, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *a = NULL;
    int row = 0;
    *out = NULL;
    if ((rc = pusat_require_officer(who, err)) != KT_OK)
        return rc;
    if ((a = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT n.node_id, n.kecamatan_code, n.name, n.state, n.status_seq,"
                            " n.created_at, n.enrolled_at, n.last_seen_at,"
                            " (SELECT max(key_id) FROM pusat_node_keys k WHERE"
                            "  k.node_id = n.node_id AND k.retired_at IS NULL)"
                            " FROM pusat_nodes n ORDER BY n.node_id",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "node_id", store_col_text(st, 0),
                              "kecamatan_code", store_col_text(st, 1), "name",
                              store_col_text(st, 2), "state", store_col_text(st, 3),
                              "status_seq", (json_int_t)store_col_int(st, 4), "created_at",
                              (json_int_t)store_col_int(st, 5));
        json_object_set_new(o, "enrolled_at", store_col_null(st, 6)
                                                  ? json_null()
                                                  : json_integer(store_col_int(st, 6)));
        json_object_set_new(o, "last_seen_at", store_col_null(st, 7)
                                                   ? json_null()
                                                   : json_integer(store_col_int(st, 7)));
        json_object_set_new(o, "key_id", store_col_null(st, 8)
                                             ? json_null()
                                             : json_integer(store_col_int(st, 8)));
        json_array_append_new(a, o);
    }
    store_reset(st);
    if (rc == KT_OK && (*out = json_pack("{s:O}", "nodes", a)) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(p->s, db);
    json_decref(a);
    return rc;
}

/* ---- the node protocol ----------------------------------------------------------------- */

static void enrol_text(char *buf, size_t cap, const char *node, const char *kec, const char *sign,
                       const char *box, const char *node_pk)
{
    snprintf(buf, cap, "ktpel-enrol-v1\n%s\n%s\n%s\n%s\n%s", node, kec, sign, box, node_pk);
}

kt_code pusat_enrol(pusat *p, const json_t *in, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    uint8_t pk[32];
    char norm[32], hash[65];
    *out = NULL;
    const char *node_id = svc_jstr(in, "node_id"), *code = svc_jstr(in, "code"),
               *pkb = svc_jstr(in, "public_key");
    if (!node_id_ok(node_id))
        return kt_fail(err, KT_EINVAL, "node_id_invalid", "node_id",
                       "Identitas simpul harus kecamatan-nn (mis. 367110-01)");
    if (!code_norm(code, norm))
        return kt_fail(err, KT_EINVAL, "code_invalid", "code",
                       "Kode pendaftaran harus 20 huruf/angka (mis. ABCDE-FGHJK-...)");
    if ((rc = link_b64_key(pkb, pk, "public_key", err)) != KT_OK)
        return rc;
    link_sha256_hex(norm, strlen(norm), hash);
    svc_actor sys = svc_system_actor();
    snprintf(sys.username, sizeof sys.username, "simpul %s", node_id);
    if ((rc = svc_write_open(p->s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT kecamatan_code, state, code_hash, code_expires_at FROM"
                            " pusat_nodes WHERE node_id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, node_id, -1);
    int row = 0;
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    char kec[8] = "", state[16] = "", chash[65] = "";
    int64_t exp = 0;
    if (row) {
        snprintf(kec, sizeof kec, "%s", store_col_text(st, 0));
        snprintf(state, sizeof state, "%s", store_col_text(st, 1));
        snprintf(chash, sizeof chash, "%s", store_col_text(st, 2));
        exp = store_col_int(st, 3);
    }
    store_reset(st);
    if (!row || strcmp(state, "revoked") == 0 || chash[0] == '\0' ||
        sodium_memcmp(chash, hash, 64) != 0 || exp < svc_now(p->s)) {
        svc_conn_put(p->s, db);
        db = NULL;
        char msg[160];
        snprintf(msg, sizeof msg, "Pendaftaran simpul %s ditolak (%s)", node_id,
                 !row                             ? "tidak terdaftar"
                 : strcmp(state, "revoked") == 0 ? "simpul dicabut"
                 : exp < svc_now(p->s) && chash[0] ? "kode kedaluwarsa"
                                                  : "kode salah atau sudah dipakai");
        pusat_alert(p, node_id, "enrol_refused", msg);
        rc = kt_fail(err, KT_EFORBIDDEN, "enrol_refused", "code", "%s", msg);
        goto out;
    }
    /* Pin the key: the previous active key (a re-enrolment) is retired after the packets it
       signed. */
    if ((rc = store_prepare(db,
                            "UPDATE pusat_node_keys SET retired_at = ?, last_seq = (SELECT"
                            " coalesce(max(seq), 0) FROM pusat_packets WHERE node_id = ?)"
                            " WHERE node_id = ? AND retired_at IS NULL",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, svc_now(p->s));
    store_bind_text(st, 2, node_id, -1);
    store_bind_text(st, 3, node_id, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_node_keys (node_id, key_id, public_key, created_at)"
                            " VALUES (?, (SELECT coalesce(max(key_id), 0) + 1 FROM"
                            " pusat_node_keys WHERE node_id = ?), ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, node_id, -1);
    store_bind_text(st, 2, node_id, -1);
    store_bind_text(st, 3, pkb, -1);
    store_bind_int(st, 4, svc_now(p->s));
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "UPDATE pusat_nodes SET state = 'active', code_hash = '',"
                            " enrolled_at = ?, last_seen_at = ? WHERE node_id = ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, svc_now(p->s));
    store_bind_int(st, 2, svc_now(p->s));
    store_bind_text(st, 3, node_id, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT max(key_id) FROM pusat_node_keys WHERE node_id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, node_id, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int key_id = (int)store_col_int(st, 0);
    store_reset(st);
    if ((rc = svc_event_add(p->s, db, pending, "pusat_node", &sys, 0, 0, state, "active",
                            "node_enrol", "", node_id, NULL, err)) != KT_OK)
        goto out;
    char sign[LINK_B64_KEY], box[LINK_B64_KEY], text[512], macb[64];
    uint8_t mkey[32], mac[crypto_auth_hmacsha256_BYTES];
    link_b64(p->sign.pk, 32, sign, sizeof sign);
    link_b64(p->box.pk, 32, box, sizeof box);
    enrol_text(text, sizeof text, node_id, kec, sign, box, pkb);
    crypto_hash_sha256(mkey, (const uint8_t *)norm, strlen(norm));
    crypto_auth_hmacsha256(mac, (const uint8_t *)text, strlen(text), mkey);
    link_b64(mac, sizeof mac, macb, sizeof macb);
    *out = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "node_id", node_id, "kecamatan_code", kec,
                     "sign_public_key", sign, "box_public_key", box, "key_id", key_id, "mac",
                     macb);
    rc = svc_commit_emit(p->s, db, pending, out, err);
out:
    svc_conn_put(p->s, db);
    json_decref(pending);
    return rc;
}
