/*
 * pusat.c - the city registry object: open (its migration series, its keys, the city's
 * gallery, the worker), the parts at rest, alerts, the status feed's writer, roles.
 *
 * Parts at rest: a packet is kept as the file the node sent (sealed to the central's box key),
 * sealed again with the data key (src/seal, as the kecamatan's biometric files): one file a
 * packet, written temp + fsync + rename + folder
 * fsync before the receipt that names it commits (one fsync a packet, not one a part: the
 * measured ingest was bound by per-part fsyncs). Reading a part opens and verifies the packet
 * again. pusat_packet_store/load are the only place that knows how; switching to the project's
 * sealing module is a change here.
 *
 * Never: start the worker before the gallery is loaded; keep a key in a file others can read.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bio/match.h"
#include "pusat/pusat_internal.h"
#include "seal/seal.h"

/* The sealing's context binds the blob to its packet: a file renamed over another fails. */
static void seal_context(char ctx[64], const char *path)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    snprintf(ctx, 64, "pusat:%.50s", base);
}
#include "service/afis.h"

extern const store_migration pusat_migrations[];
extern const unsigned pusat_migrations_n;

kt_code pusat_require_officer(const svc_actor *who, kt_error *err)
{
    wf_role role;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if (role != WF_ROLE_SUPERVISOR && role != WF_ROLE_ADMIN && role != WF_ROLE_SYSTEM)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak bekerja di Disdukcapil (petugas: supervisor, admin)",
                       who->role);
    return KT_OK;
}

/* ---- the worker ---------------------------------------------------------------------- */

void pusat_kick(pusat *p)
{
    pthread_mutex_lock(&p->wmu);
    p->kicked = 1;
    pthread_cond_signal(&p->wcv);
    pthread_mutex_unlock(&p->wmu);
}

/* Processes received packets whenever kicked, and every few seconds anyway (a packet that
   was received just before a crash is found at the next start). */
static void *worker_main(void *arg)
{
    pusat *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->wmu);
        if (!p->kicked && !p->stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 2;
            pthread_cond_timedwait(&p->wcv, &p->wmu, &until);
        }
        int stop = p->stop;
        p->kicked = 0;
        pthread_mutex_unlock(&p->wmu);
        if (stop)
            break;
        int done = 0;
        kt_error err;
        if (pusat_process_pending(p, &done, &err) != KT_OK)
            fprintf(stderr, "ktpel pusat: pemrosesan paket gagal: %s\n", err.message);
        if (pusat_publish_residents(p, &done, &err) != KT_OK)
            fprintf(stderr, "ktpel pusat: penerbitan data penduduk gagal: %s\n", err.message);
    }
    return NULL;
}

/* ---- open / close -------------------------------------------------------------------- */

static kt_code make_dir(const char *path, kt_error *err)
{
    char buf[1100];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *q = buf + 1;; q++) {
        if (*q == '/' || *q == '\0') {
            char c = *q;
            *q = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return kt_fail(err, KT_EIO, "folder", "data", "Folder %s tidak dapat dibuat: %s",
                               buf, strerror(errno));
            *q = c;
            if (c == '\0')
                break;
        }
    }
    return KT_OK;
}

kt_code pusat_open(svc *s, const pusat_config *cfg, pusat **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    char path[1200];
    *out = NULL;
    pusat *p = calloc(1, sizeof *p);
    if (p == NULL)
        return svc_nomem(err);
    p->s = s;
    pthread_rwlock_init(&p->glock, NULL);
    pthread_mutex_init(&p->dedup_mu, NULL);
    pthread_mutex_init(&p->wmu, NULL);
    pthread_cond_init(&p->wcv, NULL);
    if (cfg != NULL && cfg->keys_dir != NULL && cfg->keys_dir[0] != '\0')
        snprintf(p->keys_dir, sizeof p->keys_dir, "%s", cfg->keys_dir);
    else
        snprintf(p->keys_dir, sizeof p->keys_dir, "%s/keys", s->data_dir);
    snprintf(p->parts_dir, sizeof p->parts_dir, "%s/pusat/parts", s->data_dir);
    p->fmr = cfg != NULL && cfg->afis_fmr > 0.0 ? cfg->afis_fmr : SVC_AFIS_FMR_DEFAULT;
    p->threshold = bio_threshold_for_fmr(p->fmr);
    p->screen = bio_threshold_for_fmr(SVC_AFIS_SCREEN_FMR);
    p->fpir = cfg != NULL && cfg->afis_fpir > 0.0 ? cfg->afis_fpir : SVC_AFIS_FPIR_DEFAULT;
    if (!(p->fpir <= 0.5)) {
        rc = kt_fail(err, KT_EINVAL, "afis_fpir_invalid", "afis_fpir",
                     "afis_fpir harus antara 0 dan 0,5");
        goto fail;
    }
    /* The central's own tables. */
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto fail;
    rc = store_migrate_series(db, "pusat_schema_version", pusat_migrations, pusat_migrations_n,
                              NULL, err);
    svc_conn_put(s, db);
    if (rc != KT_OK)
        goto fail;
    /* Keys (made on the first start). */
    snprintf(path, sizeof path, "%s/pusat_sign.key", p->keys_dir);
    if ((rc = link_sign_key_load(path, 1, &p->sign, NULL, err)) != KT_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/pusat_box.key", p->keys_dir);
    if ((rc = link_box_key_load(path, 1, &p->box, NULL, err)) != KT_OK)
        goto fail;
    if ((rc = make_dir(p->parts_dir, err)) != KT_OK)
        goto fail;
    if ((rc = pusat_gallery_load(p, err)) != KT_OK)
        goto fail;
    if (cfg == NULL || !cfg->no_worker) {
        if (pthread_create(&p->worker, NULL, worker_main, p) != 0) {
            rc = kt_fail(err, KT_EINTERNAL, "thread", "", "Thread pemroses paket gagal dibuat");
            goto fail;
        }
        p->worker_on = 1;
        pusat_kick(p); /* what a crash left received but not processed */
    }
    *out = p;
    return KT_OK;
fail:
    pusat_close(p);
    return rc;
}

void pusat_close(pusat *p)
{
    if (p == NULL)
        return;
    if (p->worker_on) {
        pthread_mutex_lock(&p->wmu);
        p->stop = 1;
        pthread_cond_signal(&p->wcv);
        pthread_mutex_unlock(&p->wmu);
        pthread_join(p->worker, NULL);
    }
    bio_gallery_free(p->g);
    pthread_rwlock_destroy(&p->glock);
    pthread_mutex_destroy(&p->dedup_mu);
    pthread_mutex_destroy(&p->wmu);
    pthread_cond_destroy(&p->wcv);
    sodium_memzero(p, sizeof *p);
    free(p);
}

kt_code pusat_info(pusat *p, const svc_actor *who, json_t **out, kt_error *err)
{
    char a[LINK_B64_KEY], b[LINK_B64_KEY];
    kt_code rc = pusat_require_officer(who, err);
    *out = NULL;
    if (rc != KT_OK)
        return rc;
    link_b64(p->sign.pk, 32, a, sizeof a);
    link_b64(p->box.pk, 32, b, sizeof b);
    *out = json_pack("{s:s, s:s, s:s}", "role", "pusat", "sign_public_key", a, "box_public_key",
                     b);
    return *out != NULL ? KT_OK : svc_nomem(err);
}

/* ---- parts at rest ------------------------------------------------------------------- */

kt_code pusat_packet_store(pusat *p, const char *packet_id, const uint8_t *buf, size_t len,
                           char *path, size_t cap, kt_error *err)
{
    uint8_t *blob = NULL;
    size_t blen = 0;
    if (snprintf(path, cap, "%s/%s.ktpkt", p->parts_dir, packet_id) >= (int)cap)
        return kt_fail(err, KT_EINVAL, "path_too_long", "data", "Path paket terlalu panjang");
    /* Sealed with the data key as every biometric file is (src/seal), over the sealing to the
       central's box key the node did: a copy of the folder without the data key opens
       nothing, and key rotation covers the parts too. */
    char ctx[64];
    seal_context(ctx, path);
    kt_code rc = seal_encrypt(p->s->ring, ctx, buf, len, &blob, &blen, err);
    if (rc == KT_OK)
        rc = link_file_write(path, blob, blen, err);
    free(blob);
    return rc;
}

kt_code pusat_packet_load(pusat *p, store *db, const char *path, link_packet **out,
                          kt_error *err)
{
    uint8_t *buf = NULL, pk[32];
    size_t len = 0;
    link_envelope env;
    store_stmt *st = NULL;
    int row = 0;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return kt_fail(err, KT_EIO, "packet_missing", "data", "Paket tersimpan tidak terbaca: %s",
                       strerror(errno));
    uint8_t *blob = malloc(LINK_PACKET_MAX + 1024);
    size_t blen = blob != NULL ? fread(blob, 1, LINK_PACKET_MAX + 1024, f) : 0;
    fclose(f);
    if (blob == NULL)
        return svc_nomem(err);
    char ctx[64];
    seal_context(ctx, path);
    kt_code rc = seal_decrypt(p->s->ring, ctx, blob, blen, &buf, &len, err);
    free(blob);
    if (rc != KT_OK)
        return rc;
    rc = link_packet_envelope(buf, len, &env, err);
    if (rc == KT_OK &&
        (rc = store_prepare(db,
                            "SELECT public_key FROM pusat_node_keys WHERE node_id = ? AND"
                            " key_id = ?",
                            &st, err)) == KT_OK) {
        store_bind_text(st, 1, env.node_id, -1);
        store_bind_int(st, 2, env.key_id);
        if ((rc = store_step(st, &row, err)) == KT_OK && row)
            rc = link_b64_key(store_col_text(st, 0), pk, "public_key", err);
        else if (rc == KT_OK)
            rc = kt_fail(err, KT_EIO, "key_unknown", "key_id", "Kunci paket %s hilang",
                         env.packet_id);
        store_reset(st);
    }
    if (rc == KT_OK)
        rc = link_packet_open(buf, len, pk, &p->box, out, err);
    seal_free_secret(buf, len);
    return rc;
}

/* ---- status feed and alerts ----------------------------------------------------------- */

kt_code pusat_status_add(pusat *p, store *db, const char *node_id, const char *packet_id,
                         int64_t app_id, const char *nik, const char *status, const char *reason,
                         const char *decision, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    /* The node's next number, in this transaction (the write lock orders them): dense. */
    kt_code rc = store_prepare(db,
                               "UPDATE pusat_nodes SET status_seq = status_seq + 1"
                               " WHERE node_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, node_id, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT status_seq FROM pusat_nodes WHERE node_id = ?", &st,
                            err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, node_id, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int64_t seq = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    if (!row)
        return kt_fail(err, KT_ENOTFOUND, "node_unknown", "node_id", "Simpul %s tidak terdaftar",
                       node_id);
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_status (node_id, seq, packet_id, application_id,"
                            " nik, status, reason, decision, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, node_id, -1);
    store_bind_int(st, 2, seq);
    store_bind_text(st, 3, packet_id, -1);
    store_bind_int(st, 4, app_id);
    store_bind_text(st, 5, nik, -1);
    store_bind_text(st, 6, status, -1);
    store_bind_text(st, 7, reason != NULL ? reason : "", -1);
    store_bind_text(st, 8, decision != NULL ? decision : "", -1);
    store_bind_int(st, 9, svc_now(p->s));
    return store_run(st, err);
}

void pusat_alert(pusat *p, const char *node_id, const char *kind, const char *message)
{
    store *db = NULL;
    store_stmt *st = NULL;
    kt_error e;
    if (svc_conn_get(p->s, &db, &e) != KT_OK)
        return;
    if (svc_begin_write(p->s, db, &e) == KT_OK &&
        store_prepare(db,
                      "INSERT INTO pusat_alerts (at, node_id, kind, message) VALUES (?, ?, ?, ?)",
                      &st, &e) == KT_OK) {
        store_bind_int(st, 1, svc_now(p->s));
        store_bind_text(st, 2, node_id != NULL ? node_id : "", -1);
        store_bind_text(st, 3, kind, -1);
        store_bind_text(st, 4, message, -1);
        if (store_run(st, &e) == KT_OK)
            svc_commit(p->s, db, &e);
    }
    svc_conn_put(p->s, db);
    fprintf(stderr, "ktpel pusat: PERINGATAN %s %s: %s\n", kind, node_id != NULL ? node_id : "",
            message);
}

kt_code pusat_alerts(pusat *p, const svc_actor *who, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *a = NULL;
    kt_code rc = pusat_require_officer(who, err);
    *out = NULL;
    if (rc != KT_OK)
        return rc;
    if ((a = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT id, at, node_id, kind, message FROM pusat_alerts"
                            " ORDER BY id DESC LIMIT 100",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:s, s:s}", "id",
                                           (json_int_t)store_col_int(st, 0), "at",
                                           (json_int_t)store_col_int(st, 1), "node_id",
                                           store_col_text(st, 2), "kind", store_col_text(st, 3),
                                           "message", store_col_text(st, 4)));
    store_reset(st);
    if (rc == KT_OK) {
        *out = json_pack("{s:O}", "alerts", a);
        if (*out == NULL)
            rc = svc_nomem(err);
    }
out:
    svc_conn_put(p->s, db);
    json_decref(a);
    return rc;
}

kt_code pusat_node_auth(pusat *p, store *db, const char *node_id, const char *time_s,
                        const char *sig, const char *path_query, char *kec, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    uint8_t pk[32];
    char state[16] = "", pkb[LINK_B64_KEY] = "", k[8] = "";
    if (node_id == NULL || strlen(node_id) != 9)
        return kt_fail(err, KT_EUNAUTH, "node_unknown", "X-Ktpel-Node",
                       "Permintaan tanpa identitas simpul");
    kt_code rc = store_prepare(db,
                               "SELECT n.state, k.public_key, n.kecamatan_code FROM pusat_nodes n"
                               " LEFT JOIN pusat_node_keys k ON k.node_id = n.node_id AND"
                               " k.retired_at IS NULL WHERE n.node_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, node_id, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (row) {
        snprintf(state, sizeof state, "%s", store_col_text(st, 0));
        snprintf(pkb, sizeof pkb, "%s", store_col_text(st, 1));
        snprintf(k, sizeof k, "%s", store_col_text(st, 2));
    }
    store_reset(st);
    if (!row || strcmp(state, "active") != 0 || pkb[0] == '\0') {
        rc = kt_fail(err, KT_EFORBIDDEN, !row ? "node_unknown" : "node_revoked", "X-Ktpel-Node",
                     "Simpul %s %s", node_id, !row ? "tidak terdaftar" : "tidak aktif (dicabut)");
        pusat_alert(p, node_id, err->id, err->message);
        return rc;
    }
    if ((rc = link_b64_key(pkb, pk, "public_key", err)) != KT_OK)
        return rc;
    if ((rc = link_req_verify(pk, "GET", path_query, NULL, 0, time_s, sig, svc_now(p->s), err)) !=
        KT_OK) {
        pusat_alert(p, node_id, err->id, err->message);
        return rc;
    }
    if (kec != NULL)
        snprintf(kec, 8, "%s", k);
    return KT_OK;
}
