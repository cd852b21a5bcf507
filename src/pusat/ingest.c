/*
 * ingest.c - packets at the central: receive (verify, store, acknowledge) and process
 * (city-wide de-duplication and the card request's status, or a data change, or a handover).
 *
 * Exactly once (docs/internals/link.md): the receipt commits the packet row (packet_id is the
 * primary key), its parts and the RECEIVED_AT_CENTRAL status in one transaction; a packet sent
 * again finds its row and is answered "duplicate" (the same manifest) or refused (another
 * content under the same id: an alert). Processing commits the packet's effect together with
 * its move from `received` to `processed`; it runs again after a crash for what is still
 * `received`, and a second run finds nothing to do.
 *
 * De-duplication is the kecamatan's engine and rule (src/bio through the constants of
 * service/afis.h): the gallery screens at a looser false-match rate (SVC_AFIS_SCREEN_FMR), each
 * candidate is re-scored 1:1 with its stored record, and the person-level ten-print decision
 * (bio/tenprint.h: the fingers' evidence fused per earlier record, against the threshold that
 * holds the configured FPIR at the city gallery's number of records) decides, in one function
 * (afis_decide). The central adds a grey zone the kecamatan does not need: a record whose
 * fused evidence would be a duplicate at a 100x looser FPIR is held for adjudication
 * (ADJUDICATE_RECORD) instead of printed.
 *
 * Never: store anything of a packet that did not verify; answer "accepted" before the commit.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bio/match.h"
#include "bio/template.h"
#include "bio/tenprint.h"
#include "pusat/pusat_internal.h"
#include "service/afis.h"

/* ---- templates ------------------------------------------------------------------------ */

static kt_code tpl_decode(const uint8_t *iso, size_t n, bio_template *t, kt_error *err)
{
    bio_template *views = NULL;
    size_t count = 0;
    bio_msg msg;
    if (bio_template_decode(iso, n, &views, &count, NULL, &msg) != BIO_OK || count < 1) {
        free(views);
        return kt_fail(err, KT_EINVAL, "template_corrupt", "template",
                       "Templat sidik jari rusak: %s", msg.text);
    }
    *t = views[0];
    free(views);
    return KT_OK;
}

static kt_code tpl_from_hex(const char *hex, bio_template *t, kt_error *err)
{
    size_t hl = strlen(hex), n = 0;
    uint8_t *iso = malloc(hl / 2 + 1);
    kt_code rc;
    if (iso == NULL)
        return svc_nomem(err);
    if (sodium_hex2bin(iso, hl / 2 + 1, hex, hl, NULL, &n, NULL) != 0)
        rc = kt_fail(err, KT_EIO, "template_corrupt", "template", "Templat tersimpan rusak");
    else
        rc = tpl_decode(iso, n, t, err);
    free(iso);
    return rc;
}

kt_code pusat_gallery_load(pusat *p, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    bio_gallery *g = NULL;
    bio_template *t = NULL;
    int row = 0;
    bio_msg msg;
    kt_code rc;
    if ((t = malloc(sizeof *t)) == NULL || bio_gallery_new(&g, &msg) != BIO_OK) {
        free(t);
        return svc_nomem(err);
    }
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    /* ordered by record: the records (people) are counted as their ids change */
    if ((rc = store_prepare(db,
                            "SELECT id, template, record_id FROM pusat_templates"
                            " ORDER BY record_id, id",
                            &st, err)) != KT_OK)
        goto out;
    size_t persons = 0;
    int64_t last_record = -1;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        kt_error e;
        if (store_col_int(st, 2) != last_record) {
            last_record = store_col_int(st, 2);
            persons++;
        }
        if (tpl_from_hex(store_col_text(st, 1), t, &e) == KT_OK &&
            bio_gallery_add(g, (uint64_t)store_col_int(st, 0), t, &msg) == BIO_ENOMEM) {
            rc = svc_nomem(err);
            break;
        }
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    pthread_rwlock_wrlock(&p->glock);
    bio_gallery_free(p->g);
    p->g = g;
    p->persons = persons;
    g = NULL;
    p->gallery_stale = 0;
    pthread_rwlock_unlock(&p->glock);
out:
    svc_conn_put(p->s, db);
    bio_gallery_free(g);
    free(t);
    return rc;
}

/* ---- receive --------------------------------------------------------------------------- */

/* The node's pinned key for this envelope, after the node's state and kecamatan. */
static kt_code node_key(store *db, const link_envelope *env, uint8_t pk[32], kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db, "SELECT kecamatan_code, state FROM pusat_nodes WHERE node_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, env->node_id, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    char kec[8] = "", state[16] = "";
    if (row) {
        snprintf(kec, sizeof kec, "%s", store_col_text(st, 0));
        snprintf(state, sizeof state, "%s", store_col_text(st, 1));
    }
    store_reset(st);
    if (!row)
        return kt_fail(err, KT_EFORBIDDEN, "node_unknown", "node_id",
                       "Simpul %s tidak terdaftar di pusat", env->node_id);
    if (strcmp(state, "revoked") == 0)
        return kt_fail(err, KT_EFORBIDDEN, "node_revoked", "node_id", "Simpul %s sudah dicabut",
                       env->node_id);
    if (strcmp(state, "active") != 0)
        return kt_fail(err, KT_EFORBIDDEN, "node_not_enrolled", "node_id",
                       "Simpul %s belum mendaftar (ktpel link enrol)", env->node_id);
    if (strcmp(kec, env->kecamatan_code) != 0)
        return kt_fail(err, KT_EFORBIDDEN, "kecamatan_mismatch", "kecamatan_code",
                       "Paket simpul %s menyebut kecamatan %s, bukan %s", env->node_id,
                       env->kecamatan_code, kec);
    if ((rc = store_prepare(db,
                            "SELECT public_key, retired_at, last_seq FROM pusat_node_keys"
                            " WHERE node_id = ? AND key_id = ?",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, env->node_id, -1);
    store_bind_int(st, 2, env->key_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    char pkb[LINK_B64_KEY] = "";
    int retired_after = 0;
    if (row) {
        snprintf(pkb, sizeof pkb, "%s", store_col_text(st, 0));
        retired_after = !store_col_null(st, 1) && env->seq > store_col_int(st, 2);
    }
    store_reset(st);
    if (!row)
        return kt_fail(err, KT_EUNAUTH, "key_unknown", "key_id",
                       "Kunci %d simpul %s tidak dikenal", env->key_id, env->node_id);
    if (retired_after)
        return kt_fail(err, KT_EUNAUTH, "key_retired", "key_id",
                       "Kunci %d simpul %s sudah diganti; paket %s ditandatangani sesudahnya",
                       env->key_id, env->node_id, env->packet_id);
    return link_b64_key(pkb, pk, "public_key", err);
}

static int nik_ok(const char *s)
{
    return s != NULL && strlen(s) == 16 && strspn(s, "0123456789") == 16;
}

/* The content rules a verified packet must meet before it is stored. */
static kt_code content_check(store *db, const link_packet *pk, kt_error *err)
{
    const json_t *m = pk->manifest;
    json_t *app = json_object_get(m, "application_id");
    const char *nik = json_string_value(json_object_get(m, "nik"));
    if (!json_is_integer(app) || json_integer_value(app) < 1)
        return kt_fail(err, KT_EREFUSED, "application_invalid", "application_id",
                       "Paket %s tanpa nomor permohonan yang sah", pk->env.packet_id);
    if (!nik_ok(nik))
        return kt_fail(err, KT_EREFUSED, "nik_invalid", "nik", "Paket %s dengan NIK tidak sah",
                       pk->env.packet_id);
    if (strcmp(pk->env.kind, "card_issued") == 0)
        return KT_OK;
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db, "SELECT 1 FROM residents WHERE nik = ?", &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, nik, -1);
    rc = store_step(st, &row, err);
    store_reset(st);
    if (rc != KT_OK)
        return rc;
    if (!row)
        return kt_fail(err, KT_EREFUSED, "nik_unknown", "nik",
                       "NIK %s tidak ada dalam data kependudukan (SIAK) pusat", nik);
    if (strcmp(pk->env.kind, "rekam") == 0 || strcmp(pk->env.kind, "perubahan") == 0) {
        kt_error e;
        json_t *bio = link_packet_json(pk, "biodata.json", &e);
        const char *bn = json_string_value(json_object_get(bio, "nik"));
        int same = bn != NULL && strcmp(bn, nik) == 0;
        json_decref(bio);
        if (!same)
            return kt_fail(err, KT_EREFUSED, "biodata_mismatch", "biodata.json",
                           "Biodata paket %s tidak sesuai NIK manifesnya", pk->env.packet_id);
    }
    return KT_OK;
}

/* Same id seen before: "duplicate" when the same manifest, else a refusal and an alert. */
static kt_code seen_before(pusat *p, store *db, const link_packet *pk, int *seen, json_t **out,
                           kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    *seen = 0;
    kt_code rc = store_prepare(db, "SELECT manifest_sha256 FROM pusat_packets WHERE packet_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, pk->env.packet_id, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int same = row && strcmp(store_col_text(st, 0), pk->manifest_sha256) == 0;
    store_reset(st);
    if (!row)
        return KT_OK;
    *seen = 1;
    if (!same) {
        char msg[200];
        snprintf(msg, sizeof msg, "Paket %s dikirim lagi dengan isi berbeda (ditolak)",
                 pk->env.packet_id);
        pusat_alert(p, pk->env.node_id, "packet_conflict", msg);
        return kt_fail(err, KT_ECONFLICT, "packet_conflict", "packet_id", "%s", msg);
    }
    *out = json_pack("{s:s, s:s}", "status", "duplicate", "packet_id", pk->env.packet_id);
    return *out != NULL ? KT_OK : svc_nomem(err);
}

kt_code pusat_packet_receive(pusat *p, const uint8_t *buf, size_t len, const char *via,
                             json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    link_packet *pk = NULL;
    link_envelope env;
    uint8_t npk[32];
    char *mtext = NULL;
    int seen = 0;
    *out = NULL;
    if ((rc = link_packet_envelope(buf, len, &env, err)) != KT_OK) {
        pusat_alert(p, "", "packet_malformed", err->message);
        return rc;
    }
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        return rc;
    if ((rc = node_key(db, &env, npk, err)) != KT_OK) {
        if (rc != KT_EIO && rc != KT_EUNAVAIL)
            pusat_alert(p, env.node_id, err->id, err->message);
        goto out;
    }
    if ((rc = link_packet_open(buf, len, npk, &p->box, &pk, err)) != KT_OK) {
        if (rc != KT_ENOMEM)
            pusat_alert(p, env.node_id, err->id, err->message);
        goto out;
    }
    if ((rc = seen_before(p, db, pk, &seen, out, err)) != KT_OK || seen)
        goto out;
    if ((rc = content_check(db, pk, err)) != KT_OK)
        goto out;
    /* The packet (sealed to the central: encrypted at rest) before the rows that name it. */
    char path[1100];
    if ((rc = pusat_packet_store(p, pk->env.packet_id, buf, len, path, sizeof path, err)) != KT_OK)
        goto out;
    if ((mtext = json_dumps(pk->manifest, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    const char *nik = json_string_value(json_object_get(pk->manifest, "nik"));
    int64_t app = json_integer_value(json_object_get(pk->manifest, "application_id"));
    if ((rc = svc_begin_write(p->s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "INSERT INTO pusat_packets (packet_id, node_id, seq, kind,"
                            " application_id, nik, manifest_sha256, manifest, size, via, state,"
                            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, pk->env.packet_id, -1);
    store_bind_text(st, 2, pk->env.node_id, -1);
    store_bind_int(st, 3, pk->env.seq);
    store_bind_text(st, 4, pk->env.kind, -1);
    store_bind_int(st, 5, app);
    store_bind_text(st, 6, nik, -1);
    store_bind_text(st, 7, pk->manifest_sha256, -1);
    store_bind_text(st, 8, mtext, -1);
    store_bind_int(st, 9, (int64_t)len);
    store_bind_text(st, 10, via != NULL ? via : "https", -1);
    store_bind_int(st, 11, svc_now(p->s));
    if ((rc = store_run(st, err)) != KT_OK) {
        if (rc == KT_ECONFLICT) { /* sent twice at once: the other copy won */
            svc_conn_put(p->s, db);
            db = NULL;
            if ((rc = svc_conn_get(p->s, &db, err)) == KT_OK)
                rc = seen_before(p, db, pk, &seen, out, err);
        }
        goto out;
    }
    for (size_t i = 0; i < pk->nparts; i++) {
        char h[65];
        link_sha256_hex(pk->parts[i].data, pk->parts[i].len, h);
        if ((rc = store_prepare(db,
                                "INSERT INTO pusat_parts (packet_id, name, content_type, size,"
                                " sha256, path) VALUES (?, ?, ?, ?, ?, ?)",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, pk->env.packet_id, -1);
        store_bind_text(st, 2, pk->parts[i].name, -1);
        store_bind_text(st, 3, pk->parts[i].content_type, -1);
        store_bind_int(st, 4, (int64_t)pk->parts[i].len);
        store_bind_text(st, 5, h, -1);
        store_bind_text(st, 6, path, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
    }
    if ((rc = store_prepare(db, "UPDATE pusat_nodes SET last_seen_at = ? WHERE node_id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, svc_now(p->s));
    store_bind_text(st, 2, pk->env.node_id, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = pusat_status_add(p, db, pk->env.node_id, pk->env.packet_id, app, nik,
                               "RECEIVED_AT_CENTRAL", "", "", err)) != KT_OK)
        goto out;
    link_fault("pusat_before_commit");
    if ((rc = svc_commit(p->s, db, err)) != KT_OK)
        goto out;
    link_fault("pusat_after_commit"); /* stored, not yet answered */
    *out = json_pack("{s:s, s:s}", "status", "accepted", "packet_id", pk->env.packet_id);
    if (*out == NULL)
        rc = svc_nomem(err);
    pusat_kick(p);
out:
    svc_conn_put(p->s, db);
    link_packet_free(pk);
    free(mtext);
    return rc;
}

/* ---- process --------------------------------------------------------------------------- */

typedef struct probe {
    int finger;
    bio_template tpl;
    char *hex; /* owned: the ISO record as stored */
} probe;

typedef struct hit {
    int probe;
    int64_t tpl_id, record_id;
    char nik[17];
    int mfinger;
    double score;
} hit;

typedef struct job {
    char packet_id[40], node_id[24], kind[16], nik[17], kec[8];
    int64_t app;
    probe probes[10];
    size_t nprobes;
    hit *hits;
    size_t nhits;
    char status[40], reason[200];
    json_t *manifest;
} job;

static void job_free(job *j)
{
    for (size_t i = 0; i < j->nprobes; i++)
        free(j->probes[i].hex);
    free(j->hits);
    json_decref(j->manifest);
}

/* The decision (the kecamatan's person-level rule, city-wide): the hits (other NIKs' records,
   each 1:1 score at or above the screening threshold) fused per record by bio_tenprint_fuse at
   the gallery's number of records. Fills j->status and j->reason (Bahasa Indonesia, for the
   node and the adjudicating officer). */
static kt_code afis_decide(pusat *p, job *j, size_t persons, kt_error *err)
{
    bio_tp_comparison *c = NULL;
    bio_tp_candidate *people = NULL;
    size_t npeople = 0;
    double threshold = 0.0;
    bio_msg msg;
    kt_code rc = KT_OK;
    j->reason[0] = '\0';
    if (j->nprobes == 0) {
        snprintf(j->status, sizeof j->status, "ENROLL_FAILURE_AT_CENTRAL");
        snprintf(j->reason, sizeof j->reason,
                 "Tidak ada sidik jari yang dapat dipakai untuk pencarian ganda");
        return KT_OK;
    }
    if (j->nhits > 0 && (c = calloc(j->nhits, sizeof *c)) == NULL)
        return svc_nomem(err);
    for (size_t i = 0; i < j->nhits; i++) {
        c[i].probe = j->hits[i].probe;
        c[i].probe_position = j->probes[j->hits[i].probe].finger;
        c[i].person = (uint64_t)j->hits[i].record_id;
        c[i].finger_id = (uint64_t)j->hits[i].tpl_id;
        c[i].position = j->hits[i].mfinger;
        c[i].score = j->hits[i].score;
    }
    bio_tp_opts o = {p->fpir, persons, (int)j->nprobes, BIO_TENPRINT_FINGERS};
    if (bio_tenprint_fuse(c, j->nhits, &o, &people, &npeople, &threshold, &msg) != BIO_OK) {
        rc = kt_fail(err, KT_EINTERNAL, "tenprint", "", "Keputusan AFIS gagal: %s", msg.text);
        goto out;
    }
    /* the grey zone: a duplicate at a 100x looser FPIR (capped at 0.5) */
    double unclear = bio_tenprint_threshold(p->fpir * 100.0 < 0.5 ? p->fpir * 100.0 : 0.5,
                                            persons, (int)j->nprobes);
    const bio_tp_candidate *top = npeople > 0 ? &people[0] : NULL;
    const char *nik = "";
    for (size_t i = 0; top != NULL && i < j->nhits; i++)
        if ((uint64_t)j->hits[i].record_id == top->person)
            nik = j->hits[i].nik;
    if (top != NULL && top->hit) {
        snprintf(j->status, sizeof j->status, "DUPLICATE_RECORD");
        snprintf(j->reason, sizeof j->reason,
                 "AFIS kota: %d jari cocok dengan NIK %s (bukti %.1f, ambang %.1f)%s", top->matched,
                 nik, top->evidence, threshold,
                 top->swapped ? ", posisi jari tidak sesuai slot" : "");
    } else if (top != NULL && top->evidence >= unclear) {
        snprintf(j->status, sizeof j->status, "ADJUDICATE_RECORD");
        snprintf(j->reason, sizeof j->reason,
                 "AFIS kota: %d jari mirip NIK %s (bukti %.1f, di bawah ambang %.1f)%s",
                 top->matched, nik, top->evidence, threshold,
                 top->swapped ? ", posisi jari tidak sesuai slot" : "");
    } else {
        snprintf(j->status, sizeof j->status, "PRINT_READY_RECORD");
    }
out:
    free(c);
    free(people);
    return rc;
}

/* Read the packet row and, for a recording, its finger templates. */
static kt_code job_load(pusat *p, store *db, const char *packet_id, job *j, int *todo,
                        kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    *todo = 0;
    kt_code rc = store_prepare(db,
                               "SELECT node_id, kind, nik, application_id, manifest, state"
                               " FROM pusat_packets WHERE packet_id = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, packet_id, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (!row || strcmp(store_col_text(st, 5), "received") != 0) {
        store_reset(st);
        return KT_OK;
    }
    snprintf(j->packet_id, sizeof j->packet_id, "%s", packet_id);
    snprintf(j->node_id, sizeof j->node_id, "%s", store_col_text(st, 0));
    snprintf(j->kind, sizeof j->kind, "%s", store_col_text(st, 1));
    snprintf(j->nik, sizeof j->nik, "%s", store_col_text(st, 2));
    snprintf(j->kec, sizeof j->kec, "%.6s", j->node_id);
    j->app = store_col_int(st, 3);
    j->manifest = json_loads(store_col_text(st, 4), 0, NULL);
    store_reset(st);
    *todo = 1;
    if (strcmp(j->kind, "rekam") != 0)
        return KT_OK;
    /* The finger templates, from the stored packet (opened and verified again). */
    char path[1100] = "";
    if ((rc = store_prepare(db, "SELECT path FROM pusat_parts WHERE packet_id = ? LIMIT 1", &st,
                            err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, packet_id, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (row)
        snprintf(path, sizeof path, "%s", store_col_text(st, 0));
    store_reset(st);
    if (!row)
        return KT_OK; /* no parts: no fingers (an enrolment failure) */
    link_packet *pk = NULL;
    if ((rc = pusat_packet_load(p, db, path, &pk, err)) != KT_OK)
        return rc;
    for (int f = 1; f <= 10 && j->nprobes < 10; f++) {
        char name[24];
        snprintf(name, sizeof name, "finger_%d.iso", f);
        const link_part *lp = link_packet_part(pk, name);
        kt_error e;
        if (lp == NULL)
            continue;
        probe *pr = &j->probes[j->nprobes];
        if (tpl_decode(lp->data, lp->len, &pr->tpl, &e) == KT_OK && pr->tpl.count > 0 &&
            (pr->hex = malloc(2 * lp->len + 1)) != NULL) {
            sodium_bin2hex(pr->hex, 2 * lp->len + 1, lp->data, lp->len);
            pr->finger = f;
            pr->tpl.finger_position = (uint8_t)f;
            j->nprobes++;
        }
    }
    link_packet_free(pk);
    return KT_OK;
}

/* Search the city's gallery and re-score each candidate 1:1 with its stored record; keep the
   matches of other NIKs (and not of records already confirmed duplicates). */
static kt_code dedup_search(pusat *p, store *db, job *j, kt_error *err)
{
    bio_search_opts o;
    bio_template *t = NULL;
    kt_code rc = KT_OK;
    memset(&o, 0, sizeof o);
    o.threshold = p->screen;
    o.shortlist = SVC_AFIS_SHORTLIST;
    if ((t = malloc(sizeof *t)) == NULL)
        return svc_nomem(err);
    for (size_t i = 0; i < j->nprobes && rc == KT_OK; i++) {
        bio_candidate *c = NULL;
        size_t n = 0;
        bio_msg msg;
        pthread_rwlock_rdlock(&p->glock);
        bio_status bs = bio_gallery_count(p->g) > 0
                            ? bio_gallery_search(p->g, &j->probes[i].tpl, &o, &c, &n, NULL, &msg)
                            : BIO_OK;
        pthread_rwlock_unlock(&p->glock);
        if (bs != BIO_OK) {
            rc = bs == BIO_ENOMEM ? svc_nomem(err)
                                  : kt_fail(err, KT_EINTERNAL, "afis_search", "",
                                            "Pencarian AFIS kota gagal: %s", msg.text);
            break;
        }
        /* The candidates' stored records in one query (a round trip a candidate would cost
           more than the search on a database server): id IN (?, ..., ?). */
        char sql[4096];
        size_t used = (size_t)snprintf(sql, sizeof sql,
                                       "SELECT t.id, t.template, t.record_id, t.nik, t.finger,"
                                       " r.status, r.adjudication FROM pusat_templates t JOIN"
                                       " pusat_records r ON r.id = t.record_id WHERE t.id IN (");
        size_t nq = n < 256 ? n : 256;
        for (size_t k = 0; k < nq; k++)
            used += (size_t)snprintf(sql + used, sizeof sql - used, k ? ",?" : "?");
        snprintf(sql + used, sizeof sql - used, ")");
        store_stmt *st = NULL;
        int row = 0;
        if (nq > 0 && (rc = store_prepare(db, sql, &st, err)) == KT_OK) {
            for (size_t k = 0; k < nq; k++)
                store_bind_int(st, (int)k + 1, (int64_t)c[k].id);
            while ((rc = store_step(st, &row, err)) == KT_OK && row) {
                uint64_t id = (uint64_t)store_col_int(st, 0);
                double score = 0.0;
                for (size_t k = 0; k < nq; k++)
                    if (c[k].id == id)
                        score = c[k].score;
                kt_error e;
                int other = strcmp(store_col_text(st, 3), j->nik) != 0 &&
                            !(strcmp(store_col_text(st, 5), "DUPLICATE_RECORD") == 0 &&
                              strcmp(store_col_text(st, 6), "confirmed") == 0);
                if (other && tpl_from_hex(store_col_text(st, 1), t, &e) == KT_OK)
                    score = bio_match_templates(&j->probes[i].tpl, t);
                if (!other || score < p->screen)
                    continue;
                hit *nh = realloc(j->hits, (j->nhits + 1) * sizeof *nh);
                if (nh == NULL) {
                    rc = svc_nomem(err);
                    break;
                }
                j->hits = nh;
                hit *h = &j->hits[j->nhits++];
                h->probe = (int)i;
                h->tpl_id = (int64_t)id;
                h->record_id = store_col_int(st, 2);
                snprintf(h->nik, sizeof h->nik, "%s", store_col_text(st, 3));
                h->mfinger = (int)store_col_int(st, 4);
                h->score = score;
            }
            store_reset(st);
        }
        free(c);
    }
    free(t);
    return rc;
}

static kt_code set_processed(pusat *p, store *db, const char *packet_id, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db,
                               "UPDATE pusat_packets SET state = 'processed', processed_at = ?"
                               " WHERE packet_id = ? AND state = 'received'",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, svc_now(p->s));
    store_bind_text(st, 2, packet_id, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if (store_changes(db) != 1) /* processed by someone else meanwhile: undo ours */
        return kt_fail(err, KT_ECONFLICT, "already_processed", "packet_id",
                       "Paket %s sudah diproses", packet_id);
    return KT_OK;
}

static kt_code record_insert(pusat *p, store *db, const job *j, const char *kind, int64_t *id,
                             kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db,
                               "INSERT INTO pusat_records (packet_id, node_id, kecamatan_code,"
                               " application_id, nik, kind, status, reason, adjudication,"
                               " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    int held = strcmp(j->status, "DUPLICATE_RECORD") == 0 ||
               strcmp(j->status, "ADJUDICATE_RECORD") == 0;
    store_bind_text(st, 1, j->packet_id, -1);
    store_bind_text(st, 2, j->node_id, -1);
    store_bind_text(st, 3, j->kec, -1);
    store_bind_int(st, 4, j->app);
    store_bind_text(st, 5, j->nik, -1);
    store_bind_text(st, 6, kind, -1);
    store_bind_text(st, 7, j->status, -1);
    store_bind_text(st, 8, j->reason, -1);
    store_bind_text(st, 9, held ? "pending" : "", -1);
    store_bind_int(st, 10, svc_now(p->s));
    store_bind_int(st, 11, svc_now(p->s));
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    *id = store_last_id(db);
    return KT_OK;
}

/* A recording: search, decide, write record + templates + hits + status. */
static kt_code process_rekam(pusat *p, store *db, job *j, int64_t *new_ids, kt_error *err)
{
    kt_code rc = KT_OK;
    pthread_rwlock_rdlock(&p->glock);
    size_t persons = p->persons;
    pthread_rwlock_unlock(&p->glock);
    if ((rc = afis_decide(p, j, persons, err)) != KT_OK)
        goto out;
    int64_t rid = 0;
    store_stmt *st = NULL;
    if ((rc = record_insert(p, db, j, "rekam", &rid, err)) != KT_OK)
        goto out;
    for (size_t i = 0; i < j->nprobes; i++) {
        if ((rc = store_prepare(db,
                                "INSERT INTO pusat_templates (record_id, nik, finger, template)"
                                " VALUES (?, ?, ?, ?)",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, rid);
        store_bind_text(st, 2, j->nik, -1);
        store_bind_int(st, 3, j->probes[i].finger);
        store_bind_text(st, 4, j->probes[i].hex, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        new_ids[i] = store_last_id(db);
    }
    for (size_t i = 0; i < j->nhits; i++) {
        if ((rc = store_prepare(db,
                                "INSERT INTO pusat_hits (record_id, finger, matched_record_id,"
                                " matched_nik, matched_finger, score, threshold)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, rid);
        store_bind_int(st, 2, j->probes[j->hits[i].probe].finger);
        store_bind_int(st, 3, j->hits[i].record_id);
        store_bind_text(st, 4, j->hits[i].nik, -1);
        store_bind_int(st, 5, j->hits[i].mfinger);
        store_bind_double(st, 6, j->hits[i].score);
        store_bind_double(st, 7, p->threshold);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
    }
    int held = strcmp(j->status, "DUPLICATE_RECORD") == 0 ||
               strcmp(j->status, "ADJUDICATE_RECORD") == 0;
    rc = pusat_status_add(p, db, j->node_id, j->packet_id, j->app, j->nik, j->status, j->reason,
                          held ? "pending" : "", err);
out:
    return rc;
}

/* A reprint without recording: PRR when the city holds the person's recording (a record of
   the NIK, or SIAK's recording status), else the person must be recorded. */
static kt_code process_cetak(pusat *p, store *db, job *j, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT (SELECT count(*) FROM pusat_records WHERE nik = ? AND"
                               " kind = 'rekam' AND status <> 'DUPLICATE_RECORD' AND"
                               " status <> 'ENROLL_FAILURE_AT_CENTRAL'),"
                               " (SELECT ktp_status FROM residents WHERE nik = ?)",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, j->nik, -1);
    store_bind_text(st, 2, j->nik, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    const char *ks = store_col_text(st, 1);
    int recorded = store_col_int(st, 0) > 0 ||
                   (ks[0] != '\0' && strcmp(ks, "UNREGISTERED") != 0 &&
                    strcmp(ks, "BELUM_WAJIB") != 0);
    store_reset(st);
    if (recorded) {
        snprintf(j->status, sizeof j->status, "PRINT_READY_RECORD");
        j->reason[0] = '\0';
    } else {
        snprintf(j->status, sizeof j->status, "ENROLL_FAILURE_AT_CENTRAL");
        snprintf(j->reason, sizeof j->reason,
                 "Belum ada rekaman biometrik NIK ini di Disdukcapil; lakukan perekaman");
    }
    int64_t rid = 0;
    if ((rc = record_insert(p, db, j, "cetak", &rid, err)) != KT_OK)
        return rc;
    return pusat_status_add(p, db, j->node_id, j->packet_id, j->app, j->nik, j->status, j->reason,
                            "", err);
}

/* A data change: the central's resident takes the new values (SIAK is kept here). */
static kt_code process_perubahan(pusat *p, store *db, job *j, kt_error *err)
{
    static const char *const cols[] = {"name", "birth_place", "birth_date", "blood_type",
                                       "agama", "marital_status", "pekerjaan", "pendidikan",
                                       "address", "rt", "rw", "kelurahan_code"};
    json_t *ch = json_object_get(j->manifest, "changes");
    size_t i;
    json_t *c;
    kt_code rc = KT_OK;
    json_array_foreach(ch, i, c) {
        const char *f = json_string_value(json_object_get(c, "field")),
                   *v = json_string_value(json_object_get(c, "after"));
        char sql[160];
        store_stmt *st = NULL;
        for (size_t k = 0; f != NULL && v != NULL && k < sizeof cols / sizeof cols[0]; k++) {
            if (strcmp(f, cols[k]) != 0)
                continue;
            snprintf(sql, sizeof sql, "UPDATE residents SET %s = ?, updated_at = ? WHERE nik = ?",
                     cols[k]);
            if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
                return rc;
            store_bind_text(st, 1, v, -1);
            store_bind_int(st, 2, svc_now(p->s));
            store_bind_text(st, 3, j->nik, -1);
            if ((rc = store_run(st, err)) != KT_OK)
                return rc;
        }
    }
    return rc;
}

/* The handover at the kecamatan: the card's life ends well. */
static kt_code process_card_issued(pusat *p, store *db, job *j, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db,
                               "UPDATE pusat_records SET status = 'CARD_ISSUED', updated_at = ?"
                               " WHERE node_id = ? AND application_id = ? AND"
                               " status = 'PRINT_READY_RECORD'",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, svc_now(p->s));
    store_bind_text(st, 2, j->node_id, -1);
    store_bind_int(st, 3, j->app);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "UPDATE residents SET ktp_status = 'CARD_ISSUED', card_valid = 1,"
                            " updated_at = ? WHERE nik = ?",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, svc_now(p->s));
    store_bind_text(st, 2, j->nik, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    return pusat_status_add(p, db, j->node_id, j->packet_id, j->app, j->nik, "CARD_ISSUED", "",
                            "", err);
}

static kt_code process_one(pusat *p, const char *packet_id, int *done, kt_error *err)
{
    store *db = NULL;
    job j;
    int todo = 0;
    int64_t new_ids[10];
    kt_code rc;
    memset(&j, 0, sizeof j);
    memset(new_ids, 0, sizeof new_ids);
    pthread_mutex_lock(&p->dedup_mu);
    if ((rc = svc_conn_get(p->s, &db, err)) != KT_OK)
        goto out;
    if ((rc = job_load(p, db, packet_id, &j, &todo, err)) != KT_OK || !todo)
        goto out;
    if (p->gallery_stale && (rc = pusat_gallery_load(p, err)) != KT_OK)
        goto out;
    if (strcmp(j.kind, "rekam") == 0 && (rc = dedup_search(p, db, &j, err)) != KT_OK)
        goto out;
    if ((rc = svc_begin_write(p->s, db, err)) != KT_OK)
        goto out;
    if ((rc = set_processed(p, db, packet_id, err)) != KT_OK) {
        if (rc == KT_ECONFLICT)
            rc = KT_OK; /* nothing to do: another run did it */
        goto out;
    }
    if (strcmp(j.kind, "rekam") == 0)
        rc = process_rekam(p, db, &j, new_ids, err);
    else if (strcmp(j.kind, "cetak") == 0)
        rc = process_cetak(p, db, &j, err);
    else if (strcmp(j.kind, "perubahan") == 0)
        rc = process_perubahan(p, db, &j, err);
    else
        rc = process_card_issued(p, db, &j, err);
    if (rc != KT_OK)
        goto out;
    svc_actor sys = svc_system_actor();
    snprintf(sys.username, sizeof sys.username, "pusat");
    if ((rc = svc_event_add(p->s, db, NULL, "pusat_packet", &sys, 0, 0, "received", "processed",
                            "packet_process", j.status, packet_id, NULL, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(p->s, db, err)) != KT_OK)
        goto out;
    (*done)++;
    /* The new fingers join the city's gallery (the rows are committed). */
    pthread_rwlock_wrlock(&p->glock);
    if (strcmp(j.kind, "rekam") == 0 && j.nprobes > 0)
        p->persons++;
    for (size_t i = 0; i < j.nprobes; i++) {
        bio_msg msg;
        if (new_ids[i] <= 0 ||
            bio_gallery_add(p->g, (uint64_t)new_ids[i], &j.probes[i].tpl, &msg) != BIO_OK)
            p->gallery_stale = 1;
    }
    pthread_rwlock_unlock(&p->glock);
out:
    svc_conn_put(p->s, db);
    pthread_mutex_unlock(&p->dedup_mu);
    job_free(&j);
    return rc;
}

kt_code pusat_process_pending(pusat *p, int *done, kt_error *err)
{
    *done = 0;
    for (;;) {
        store *db = NULL;
        store_stmt *st = NULL;
        char ids[32][40];
        int n = 0, row = 0;
        kt_code rc = svc_conn_get(p->s, &db, err);
        if (rc != KT_OK)
            return rc;
        if ((rc = store_prepare(db,
                                "SELECT packet_id FROM pusat_packets WHERE state = 'received'"
                                " ORDER BY received_at, packet_id LIMIT 32",
                                &st, err)) == KT_OK) {
            while ((rc = store_step(st, &row, err)) == KT_OK && row && n < 32)
                snprintf(ids[n++], sizeof ids[0], "%s", store_col_text(st, 0));
            store_reset(st);
        }
        svc_conn_put(p->s, db);
        if (rc != KT_OK)
            return rc;
        if (n == 0)
            return KT_OK;
        int before = *done;
        for (int i = 0; i < n; i++)
            if ((rc = process_one(p, ids[i], done, err)) != KT_OK)
                return rc;
        if (*done == before)
            return KT_OK;
    }
}
