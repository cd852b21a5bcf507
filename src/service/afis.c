/*
 * afis.c - AFIS de-duplication inside the service: one person, one card (SOP step 3 and the
 * Disdukcapil rule that a resident holds one e-KTP record).
 *
 * Design
 * - Upload (finger_1..finger_10): the image is decoded and its minutiae template extracted
 *   before the write transaction (src/bio, tens of ms); an image with no usable print is
 *   refused (nothing stored) and the quality is returned at once so the operator can retake a
 *   poor print. The template waits in afis_probes (ISO 19794-2 bytes as hex).
 * - Record: the application's probes (slots still holding a file) are searched against the
 *   gallery: every finger of every completed recording, held in memory (bio_gallery), loaded
 *   at svc_open. Candidates are re-scored 1:1 with their stored records and resolved to their
 *   record (application) and NIK: the same NIK (a re-recording for a lost or damaged card) is
 *   the same person and expected. The likeliest other records have every finger compared
 *   with every probe, and the person-level decision (src/bio/tenprint.h) fuses each record's
 *   fingers: a record whose evidence reaches the threshold of the configured FPIR at the
 *   gallery's size makes the application `duplicate` (afis_hit) in the record's transaction,
 *   with afis_person_hits and afis_hits written. The probes become gallery rows
 *   (afis_templates) in the transaction and join the in-memory gallery after commit.
 * - Recordings are serialised by rec_mu from before the search until the gallery holds the new
 *   fingers, so two enrolments of one person at once cannot miss each other. Lock order:
 *   rec_mu, then the write mutex (svc_begin_write), then the gallery rwlock.
 * - The service state lives in a small registry keyed by the svc pointer (the svc struct is
 *   shared with other files; a registry keeps this feature to its own file).
 * - Handover: svc_app_verify_finger matches a presented finger 1:1 with the stored templates
 *   of the application; a recent match allows confirmed_by "fingerprint".
 *
 * Never: print; run a search while holding the database write lock; keep a template of an
 * application whose recording did not commit in the gallery.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bio/extract.h"
#include "bio/gallery.h"
#include "bio/image.h"
#include "bio/match.h"
#include "bio/template.h"
#include "bio/tenprint.h"
#include "seal/seal.h"
#include "core/eligibility.h"
#include "core/jakarta.h"
#include "core/nik.h"
#include "service/afis.h"

/* ---- per-svc state ------------------------------------------------------------------- */

typedef struct svc_afis {
    pthread_rwlock_t lock;  /* the gallery: searches read, adds write */
    pthread_mutex_t rec_mu; /* one recording's search..gallery add at a time */
    bio_gallery *g;         /* owned */
    double fmr, threshold;  /* the handover's 1:1 check */
    double screen;          /* per-finger threshold of the search (SVC_AFIS_SCREEN_FMR) */
    double fpir;            /* the person-level decision's FPIR per enrolment */
    size_t persons;         /* records (applications) in the gallery */
    int stale;              /* not loaded yet (afis_lazy) or an add after commit failed:
                               (re)load before the next search */
    double load_ms;
    size_t loaded, skipped; /* rows loaded / unusable at the last load */
} svc_afis;

#define AFIS_REG 64
static struct {
    const svc *s;
    svc_afis *a;
} reg[AFIS_REG];
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;

static svc_afis *afis_of(const svc *s)
{
    svc_afis *a = NULL;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < AFIS_REG; i++)
        if (reg[i].s == s) {
            a = reg[i].a;
            break;
        }
    pthread_mutex_unlock(&reg_mu);
    return a;
}

static kt_code afis_missing(kt_error *err)
{
    return kt_fail(err, KT_EINTERNAL, "afis_not_open", "", "Modul AFIS belum dibuka");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int svc_afis_finger_of(const char *slot)
{
    if (slot == NULL || strncmp(slot, "finger_", 7) != 0)
        return 0;
    const char *d = slot + 7;
    if (strcmp(d, "10") == 0)
        return 10;
    if (d[0] >= '1' && d[0] <= '9' && d[1] == '\0')
        return d[0] - '0';
    return 0;
}

/* ---- templates as hex ISO records ------------------------------------------------------ */

/* The ISO record bytes of a template. *iso owned by caller: free(). */
static kt_code tpl_to_iso(const bio_template *t, uint8_t **iso, size_t *n, kt_error *err)
{
    bio_msg msg;
    *iso = NULL;
    if (bio_template_encode_iso(t, 1, iso, n, &msg) != BIO_OK)
        return kt_fail(err, KT_EINTERNAL, "template_encode", "", "Templat tidak dapat disimpan: %s",
                       msg.text);
    return KT_OK;
}

/* A stored template row (hex of a sealed ISO record, atrest.c) of application app_id, slot. */
static kt_code tpl_from_stored(svc *s, int64_t app_id, const char *slot, const char *hex,
                               bio_template *t, kt_error *err)
{
    uint8_t *iso = NULL;
    size_t n = 0;
    bio_template *views = NULL;
    size_t count = 0;
    bio_msg msg;
    kt_code rc = svc_tpl_open(s, app_id, slot, hex, &iso, &n, err);
    if (rc != KT_OK)
        return rc;
    if (bio_template_decode(iso, n, &views, &count, NULL, &msg) != BIO_OK || count < 1) {
        rc = kt_fail(err, KT_EIO, "template_corrupt", "template",
                     "Templat sidik jari tersimpan rusak");
        goto out;
    }
    *t = views[0];
out:
    free(views);
    seal_free_secret(iso, n);
    return rc;
}

/* ---- open / close: the gallery loaded from storage ------------------------------------- */

#define LOAD_BATCH 4096

static kt_code gallery_load(svc *s, svc_afis *a, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    bio_gallery *g = NULL;
    bio_template *t = NULL;
    uint64_t *ids = NULL;
    size_t n = 0, total = 0, skipped = 0;
    int row = 0;
    bio_msg msg;
    kt_code rc;
    double t0 = now_s();
    t = malloc(LOAD_BATCH * sizeof *t);
    ids = malloc(LOAD_BATCH * sizeof *ids);
    if (t == NULL || ids == NULL || bio_gallery_new(&g, &msg) != BIO_OK) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT id, application_id, slot, template FROM afis_templates"
                            " ORDER BY id",
                            &st, err)) != KT_OK)
        goto out;
    for (;;) {
        if ((rc = store_step(st, &row, err)) != KT_OK)
            break;
        if (row) {
            ids[n] = (uint64_t)store_col_int(st, 0);
            if ((rc = tpl_from_stored(s, store_col_int(st, 1), store_col_text(st, 2),
                                      store_col_text(st, 3), &t[n], err)) != KT_OK)
                break;
            n++;
        }
        if (n == LOAD_BATCH || (!row && n > 0)) {
            if (bio_gallery_add_many(g, n, ids, t, 0, &msg) == BIO_OK) {
                total += n;
            } else {
                /* All or nothing failed: one by one, so one bad row cannot stop every
                   recording (it is skipped and counted). */
                for (size_t i = 0; i < n; i++) {
                    bio_status bs = bio_gallery_add(g, ids[i], &t[i], &msg);
                    if (bs == BIO_ENOMEM) {
                        rc = svc_nomem(err);
                        break;
                    }
                    if (bs == BIO_OK)
                        total++;
                    else
                        skipped++;
                }
                if (rc != KT_OK)
                    break;
            }
            n = 0;
        }
        if (!row)
            break;
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    size_t persons = 0;
    if ((rc = store_prepare(db, "SELECT COUNT(DISTINCT application_id) FROM afis_templates", &st,
                            err)) != KT_OK ||
        (rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    persons = row ? (size_t)store_col_int(st, 0) : 0;
    store_reset(st);
    pthread_rwlock_wrlock(&a->lock);
    bio_gallery_free(a->g);
    a->g = g;
    g = NULL;
    a->persons = persons;
    a->stale = 0;
    a->loaded = total;
    a->skipped = skipped;
    a->load_ms = (now_s() - t0) * 1000.0;
    pthread_rwlock_unlock(&a->lock);
out:
    if (db != NULL)
        store_rollback(db);
    svc_conn_put(s, db);
    bio_gallery_free(g);
    free(t);
    free(ids);
    return rc;
}

kt_code svc_afis_open(svc *s, const svc_config *cfg, kt_error *err)
{
    kt_code rc;
    svc_afis *a = calloc(1, sizeof *a);
    if (a == NULL)
        return svc_nomem(err);
    pthread_rwlock_init(&a->lock, NULL);
    pthread_mutex_init(&a->rec_mu, NULL);
    a->fmr = cfg != NULL && cfg->afis_fmr > 0.0 ? cfg->afis_fmr : SVC_AFIS_FMR_DEFAULT;
    if (!(a->fmr <= 0.5)) {
        rc = kt_fail(err, KT_EINVAL, "afis_fmr_invalid", "afis_fmr",
                     "afis_fmr harus antara 0 dan 0,5");
        goto fail;
    }
    a->fpir = cfg != NULL && cfg->afis_fpir > 0.0 ? cfg->afis_fpir : SVC_AFIS_FPIR_DEFAULT;
    if (!(a->fpir <= 0.5)) {
        rc = kt_fail(err, KT_EINVAL, "afis_fpir_invalid", "afis_fpir",
                     "afis_fpir harus antara 0 dan 0,5");
        goto fail;
    }
    a->threshold = bio_threshold_for_fmr(a->fmr);
    a->screen = bio_threshold_for_fmr(SVC_AFIS_SCREEN_FMR);
    int slot = -1;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < AFIS_REG && slot < 0; i++)
        if (reg[i].s == NULL) {
            slot = i;
            reg[i].s = s;
            reg[i].a = a;
        }
    pthread_mutex_unlock(&reg_mu);
    if (slot < 0) {
        rc = kt_fail(err, KT_EUNAVAIL, "too_many_services", "",
                     "Terlalu banyak layanan terbuka (maksimal %d)", AFIS_REG);
        goto fail;
    }
    if (cfg != NULL && cfg->afis_lazy) {
        /* An empty gallery marked stale: the first recording loads it (record_begin). */
        bio_msg msg;
        if (bio_gallery_new(&a->g, &msg) != BIO_OK) {
            svc_afis_close(s);
            return svc_nomem(err);
        }
        a->stale = 1;
        return KT_OK;
    }
    if ((rc = gallery_load(s, a, err)) != KT_OK) {
        svc_afis_close(s);
        return rc;
    }
    return KT_OK;
fail:
    pthread_rwlock_destroy(&a->lock);
    pthread_mutex_destroy(&a->rec_mu);
    free(a);
    return rc;
}

void svc_afis_close(svc *s)
{
    svc_afis *a = NULL;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < AFIS_REG; i++)
        if (reg[i].s == s) {
            a = reg[i].a;
            reg[i].s = NULL;
            reg[i].a = NULL;
            break;
        }
    pthread_mutex_unlock(&reg_mu);
    if (a == NULL)
        return;
    bio_gallery_free(a->g);
    pthread_rwlock_destroy(&a->lock);
    pthread_mutex_destroy(&a->rec_mu);
    free(a);
}

/* ---- upload: decode, extract, quality ---------------------------------------------------- */

struct svc_afis_probe {
    char slot[12];
    int finger;
    int quality;
    bio_template tpl;
    uint8_t *iso; /* owned: the ISO record, sealed when saved (svc_afis_probe_save) */
    size_t iso_len;
};

void svc_afis_probe_free(svc_afis_probe *p)
{
    if (p == NULL)
        return;
    seal_free_secret(p->iso, p->iso_len);
    free(p);
}

/* Decode + extract into p->tpl / p->quality; the errors the operator sees. */
static kt_code extract_image(const char *slot, const void *data, size_t len, bio_template *tpl,
                             int *quality, kt_error *err)
{
    bio_image img;
    bio_msg msg;
    kt_code rc = KT_OK;
    memset(&img, 0, sizeof img);
    bio_status st = bio_image_decode(data, len, &img, &msg);
    if (st == BIO_ENOMEM)
        return svc_nomem(err);
    if (st == BIO_EBLANK || st == BIO_ETOOSMALL)
        return kt_fail(err, KT_EINVAL, "finger_blank", "body",
                       "Gambar %s tidak berisi sidik jari yang terbaca (kosong atau terlalu "
                       "kecil); ulangi pengambilan",
                       slot);
    if (st != BIO_OK)
        return kt_fail(err, KT_EINVAL, "finger_unreadable", "body",
                       "Berkas %s bukan gambar sidik jari yang dapat dibaca (%s); ulangi "
                       "pengambilan",
                       slot,
                       st == BIO_EUNSUPPORTED ? "jenis gambar tidak didukung"
                       : st == BIO_ETRUNC     ? "berkas terpotong"
                                              : "format tidak dikenal");
    st = bio_extract_q(&img, tpl, quality, &msg);
    if (st == BIO_ENOMEM)
        rc = svc_nomem(err);
    else if (st != BIO_OK)
        rc = kt_fail(err, KT_EINVAL, "finger_blank", "body",
                     "Gambar %s tidak berisi sidik jari yang terbaca (alur tidak ditemukan); "
                     "ulangi pengambilan",
                     slot);
    bio_image_free(&img);
    return rc;
}

kt_code svc_afis_probe_make(const char *slot, const void *data, size_t len,
                            svc_afis_probe **out, kt_error *err)
{
    kt_code rc;
    *out = NULL;
    int finger = svc_afis_finger_of(slot);
    if (finger == 0)
        return kt_fail(err, KT_EINVAL, "slot_invalid", "slot", "Slot %s bukan slot sidik jari",
                       slot != NULL ? slot : "");
    svc_afis_probe *p = calloc(1, sizeof *p);
    if (p == NULL)
        return svc_nomem(err);
    snprintf(p->slot, sizeof p->slot, "%s", slot);
    p->finger = finger;
    if (len >= 4 && memcmp(data, "FMR\0", 4) == 0) {
        /* A scanner that extracts itself sends an ISO 19794-2 / ANSI 378 record. */
        bio_template *views = NULL;
        size_t count = 0;
        bio_msg msg;
        if (bio_template_decode(data, len, &views, &count, NULL, &msg) != BIO_OK || count < 1 ||
            views[0].count < 1) {
            free(views);
            rc = kt_fail(err, KT_EINVAL, "finger_unreadable", "body",
                         "Templat %s rusak atau tanpa minutiae; ulangi pengambilan", slot);
            goto fail;
        }
        p->tpl = views[0];
        p->quality = views[0].quality;
        free(views);
    } else if ((rc = extract_image(slot, data, len, &p->tpl, &p->quality, err)) != KT_OK) {
        goto fail;
    }
    p->tpl.finger_position = (uint8_t)finger;
    for (int i = 0; i < p->tpl.count; i++)
        if (p->tpl.m[i].x > 2047 || p->tpl.m[i].y > 2047) {
            /* The gallery packs coordinates in 11 bits (4 inches at 500 dpi). */
            rc = kt_fail(err, KT_EINVAL, "finger_too_large", "body",
                         "Gambar %s terlalu besar (lebih dari 2047 piksel); pangkas ke area jari",
                         slot);
            goto fail;
        }
    if ((rc = tpl_to_iso(&p->tpl, &p->iso, &p->iso_len, err)) != KT_OK)
        goto fail;
    *out = p;
    return KT_OK;
fail:
    svc_afis_probe_free(p);
    return rc;
}

kt_code svc_afis_probe_save(svc *s, store *db, int64_t app_id, const svc_afis_probe *p,
                            kt_error *err)
{
    store_stmt *st = NULL;
    char *hex = NULL; /* owned: the sealed record as stored */
    kt_code rc = svc_tpl_seal(s, app_id, p->slot, p->iso, p->iso_len, &hex, err);
    if (rc != KT_OK)
        return rc;
    rc = store_prepare(db,
                               "INSERT INTO afis_probes (application_id, slot, finger, quality,"
                               " minutiae, template, at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                               " ON CONFLICT (application_id, slot) DO UPDATE SET"
                               " finger = excluded.finger, quality = excluded.quality,"
                               " minutiae = excluded.minutiae, template = excluded.template,"
                               " at = excluded.at",
                               &st, err);
    if (rc != KT_OK) {
        free(hex);
        return rc;
    }
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, p->slot, -1);
    store_bind_int(st, 3, p->finger);
    store_bind_int(st, 4, p->quality);
    store_bind_int(st, 5, p->tpl.count);
    store_bind_text(st, 6, hex, -1);
    store_bind_int(st, 7, svc_now(s));
    rc = store_run(st, err);
    free(hex);
    return rc;
}

static const char *advice_of(int quality)
{
    return quality < SVC_AFIS_RETAKE_QUALITY ? "ulangi" : quality < 60 ? "cukup" : "baik";
}

kt_code svc_afis_probe_report(const svc_afis_probe *p, json_t *out, kt_error *err)
{
    const char *adv = advice_of(p->quality);
    char msg[160];
    if (strcmp(adv, "ulangi") == 0)
        snprintf(msg, sizeof msg,
                 "Kualitas sidik jari rendah (%d/100, di bawah %d): ulangi pengambilan",
                 p->quality, SVC_AFIS_RETAKE_QUALITY);
    else
        snprintf(msg, sizeof msg, "Kualitas sidik jari %s (%d/100)", adv, p->quality);
    if (json_object_set_new(out, "quality", json_integer(p->quality)) != 0 ||
        json_object_set_new(out, "minutiae", json_integer(p->tpl.count)) != 0 ||
        json_object_set_new(out, "advice", json_string(adv)) != 0 ||
        json_object_set_new(out, "retake", json_boolean(strcmp(adv, "ulangi") == 0)) != 0 ||
        json_object_set_new(out, "quality_message", json_string(msg)) != 0)
        return svc_nomem(err);
    return KT_OK;
}

/* ---- record: search, person-level decision, hits, gallery rows ------------------------ */

typedef struct afis_cand {
    int probe;       /* index into probes */
    uint64_t id;     /* gallery id = afis_templates.id */
    double score;    /* 1:1 with the stored record */
    int64_t app;     /* its record (application): the person */
    int finger;      /* its ISO position */
    char slot[12];
    char nik[17];
} afis_cand;

typedef struct afis_probe_row {
    char slot[12];
    int finger, quality;
    bio_template tpl;
    bio_prepared *prep; /* owned; made on first use (verify) */
    char *hex;       /* owned */
    int64_t new_id;  /* afis_templates.id once written */
} afis_probe_row;

struct svc_afis_record {
    svc_afis *a;
    int64_t app_id;
    char nik[17];           /* the enrollee's NIK (records of this NIK are the same person) */
    afis_probe_row *probes; /* owned */
    size_t nprobes;
    afis_cand *cands;       /* owned: every comparison kept (searched and verified) */
    size_t ncands, capcands;
    bio_tp_candidate *people; /* owned: fused, best first */
    size_t npeople;
    double tp_threshold;    /* evidence a record needs (bio_tenprint_threshold) */
    json_t *hits;           /* owned: the per-finger hits written (other NIKs) */
    json_t *persons;        /* owned: the records that reached the threshold */
    int duplicate;
    int searched;           /* the application was recordable when its probes were read */
    size_t gallery;         /* fingers searched against */
    size_t gallery_persons; /* records in the gallery */
};

static void record_free(svc_afis_record *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nprobes; i++) {
        free(r->probes[i].hex);
        bio_prepared_free(r->probes[i].prep);
    }
    free(r->probes);
    free(r->cands);
    free(r->people);
    json_decref(r->hits);
    json_decref(r->persons);
    free(r);
}

static kt_code cand_push(svc_afis_record *r, const afis_cand *c, kt_error *err)
{
    if (r->ncands == r->capcands) {
        size_t nc = r->capcands ? 2 * r->capcands : 64;
        afis_cand *p = realloc(r->cands, nc * sizeof *p);
        if (p == NULL)
            return svc_nomem(err);
        r->cands = p;
        r->capcands = nc;
    }
    r->cands[r->ncands++] = *c;
    return KT_OK;
}

static kt_code load_probes(svc *s, svc_afis_record *r, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    /* Not recordable now (a second click, a wrong id): no search; the record step's own
       transaction gives the error (not found, illegal transition). */
    if ((rc = store_prepare(db, "SELECT state, nik FROM applications WHERE id = ?", &st, err)) !=
        KT_OK)
        goto out;
    store_bind_int(st, 1, r->app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    wf_state state = WF_STATE_NONE;
    int recordable = row && wf_state_from_str(store_col_text(st, 0), &state) &&
                     wf_can(state, WF_ACT_RECORD);
    if (row)
        snprintf(r->nik, sizeof r->nik, "%s", store_col_text(st, 1));
    store_reset(st);
    if (!recordable)
        goto out;
    r->searched = 1;
    if ((rc = store_prepare(db,
                            "SELECT p.slot, p.finger, p.quality, p.template FROM afis_probes p"
                            " JOIN biometrics b ON b.application_id = p.application_id AND"
                            " b.slot = p.slot AND b.path <> ''"
                            " WHERE p.application_id = ? ORDER BY p.finger",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, r->app_id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        if (r->nprobes == BIO_TENPRINT_FINGERS)
            break;
        afis_probe_row *p = &r->probes[r->nprobes];
        memset(p, 0, sizeof *p);
        snprintf(p->slot, sizeof p->slot, "%s", store_col_text(st, 0));
        p->finger = (int)store_col_int(st, 1);
        p->quality = (int)store_col_int(st, 2);
        size_t hl = strlen(store_col_text(st, 3));
        if ((p->hex = malloc(hl + 1)) == NULL) {
            rc = svc_nomem(err);
            break;
        }
        memcpy(p->hex, store_col_text(st, 3), hl + 1);
        r->nprobes++;
        if ((rc = tpl_from_stored(s, r->app_id, p->slot, p->hex, &p->tpl, err)) != KT_OK)
            break;
    }
    store_reset(st);
out:
    svc_conn_put(s, db);
    return rc;
}

static kt_code search_all(svc_afis *a, svc_afis_record *r, kt_error *err)
{
    kt_code rc = KT_OK;
    bio_search_opts o;
    memset(&o, 0, sizeof o);
    o.threshold = a->screen;
    o.shortlist = SVC_AFIS_SHORTLIST;
    pthread_rwlock_rdlock(&a->lock);
    r->gallery = bio_gallery_count(a->g);
    r->gallery_persons = a->persons;
    for (size_t i = 0; i < r->nprobes && r->gallery > 0; i++) {
        bio_candidate *c = NULL;
        size_t n = 0;
        bio_msg msg;
        bio_status st = bio_gallery_search(a->g, &r->probes[i].tpl, &o, &c, &n, NULL, &msg);
        if (st != BIO_OK) {
            rc = st == BIO_ENOMEM ? svc_nomem(err)
                                  : kt_fail(err, KT_EINTERNAL, "afis_search", "",
                                            "Pencarian AFIS gagal: %s", msg.text);
            break;
        }
        for (size_t k = 0; k < n && rc == KT_OK; k++) {
            afis_cand ac;
            memset(&ac, 0, sizeof ac);
            ac.probe = (int)i;
            ac.id = c[k].id;
            ac.score = c[k].score;
            rc = cand_push(r, &ac, err);
        }
        free(c);
        if (rc != KT_OK)
            break;
    }
    pthread_rwlock_unlock(&a->lock);
    return rc;
}

/*
 * The scores on the complete records: each candidate the gallery screened is read back from
 * afis_templates with its record, NIK and position, and matched 1:1 with the probe (ridge
 * maps included when both have one): the same score a handover check or `ktpel afis match`
 * of the two records gives. Dropped: the enrollee's own NIK (a re-recording), records the
 * supervisor rejected as duplicates (their fingers are someone else's on file), rows gone,
 * and scores under the screening threshold. A row that no longer decodes keeps the gallery's
 * score (it was readable when the gallery loaded it).
 */
static kt_code rescore(svc *s, svc_afis_record *r, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    bio_template *t = NULL; /* owned: one candidate's record at a time (4.6 KB) */
    size_t kept = 0;
    kt_code rc = KT_OK;
    if (r->ncands == 0)
        return KT_OK;
    if ((t = malloc(sizeof *t)) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    for (size_t i = 0; i < r->ncands; i++) {
        afis_cand c = r->cands[i];
        int row = 0;
        kt_error derr;
        if ((rc = store_prepare(db,
                                "SELECT t.template, t.application_id, t.nik, t.slot, t.finger,"
                                " a.state FROM afis_templates t JOIN applications a ON"
                                " a.id = t.application_id WHERE t.id = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, (int64_t)c.id);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        if (!row || strcmp(store_col_text(st, 2), r->nik) == 0 ||
            strcmp(store_col_text(st, 5), "rejected") == 0) {
            store_reset(st);
            continue;
        }
        c.app = store_col_int(st, 1);
        snprintf(c.nik, sizeof c.nik, "%s", store_col_text(st, 2));
        snprintf(c.slot, sizeof c.slot, "%s", store_col_text(st, 3));
        c.finger = (int)store_col_int(st, 4);
        if (tpl_from_stored(s, store_col_int(st, 1), store_col_text(st, 3),
                            store_col_text(st, 0), t, &derr) == KT_OK) {
            /* the probe prepared once for all its candidates (bio_match_templates would
               prepare it again for each: half the re-scoring's work) */
            afis_probe_row *p = &r->probes[c.probe];
            bio_prepared *cp = NULL;
            bio_msg msg;
            if ((p->prep == NULL && bio_prepare(&p->tpl, &p->prep, &msg) != BIO_OK) ||
                bio_prepare(t, &cp, &msg) != BIO_OK) {
                store_reset(st);
                rc = svc_nomem(err);
                goto out;
            }
            c.score = bio_match(p->prep, cp);
            bio_prepared_free(cp);
        }
        store_reset(st);
        if (c.score >= r->a->screen)
            r->cands[kept++] = c;
    }
    r->ncands = kept;
out:
    svc_conn_put(s, db);
    free(t);
    return rc;
}

/* Fuse every comparison kept into r->people (best first) at the gallery's size. */
static kt_code fuse(svc_afis_record *r, kt_error *err)
{
    bio_tp_comparison *c = NULL;
    bio_msg msg;
    kt_code rc = KT_OK;
    free(r->people);
    r->people = NULL;
    r->npeople = 0;
    if (r->ncands > 0 && (c = malloc(r->ncands * sizeof *c)) == NULL)
        return svc_nomem(err);
    for (size_t i = 0; i < r->ncands; i++) {
        const afis_cand *x = &r->cands[i];
        c[i] = (bio_tp_comparison){x->probe, r->probes[x->probe].finger, (uint64_t)x->app,
                                   x->id, x->finger, x->score};
    }
    bio_tp_opts o = {r->a->fpir, r->gallery_persons, (int)r->nprobes, BIO_TENPRINT_FINGERS};
    bio_status bs = bio_tenprint_fuse(c, r->ncands, &o, &r->people, &r->npeople,
                                      &r->tp_threshold, &msg);
    if (bs != BIO_OK)
        rc = bs == BIO_ENOMEM ? svc_nomem(err)
                              : kt_fail(err, KT_EINTERNAL, "afis_fuse", "",
                                        "Keputusan AFIS gagal: %s", msg.text);
    free(c);
    return rc;
}

static int compared(const svc_afis_record *r, int probe, uint64_t id)
{
    for (size_t i = 0; i < r->ncands; i++)
        if (r->cands[i].probe == probe && r->cands[i].id == id)
            return 1;
    return 0;
}

/*
 * The search reports only the fingers above its screening threshold. For the likeliest other
 * records (best fused evidence first, SVC_AFIS_VERIFY_PERSONS of them) every finger is
 * compared with every probe (positions known, and any slot for a swapped hand), so a real
 * second enrolment brings the evidence of all its fingers, not only those the search ranked.
 */
static kt_code verify_people(svc *s, svc_afis_record *r, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    bio_template *t = NULL; /* owned */
    bio_prepared *cp = NULL;
    kt_code rc = KT_OK;
    int row = 0;
    size_t np = r->npeople < SVC_AFIS_VERIFY_PERSONS ? r->npeople : SVC_AFIS_VERIFY_PERSONS;
    int64_t apps[SVC_AFIS_VERIFY_PERSONS];
    char niks[SVC_AFIS_VERIFY_PERSONS][17];
    if (np == 0)
        return KT_OK;
    for (size_t k = 0; k < np; k++) {
        apps[k] = (int64_t)r->people[k].person;
        niks[k][0] = '\0';
        for (size_t i = 0; i < r->ncands; i++)
            if (r->cands[i].app == apps[k]) {
                memcpy(niks[k], r->cands[i].nik, sizeof niks[k]);
                break;
            }
    }
    if ((t = malloc(sizeof *t)) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    for (size_t k = 0; k < np; k++) {
        if ((rc = store_prepare(db,
                                "SELECT id, slot, finger, template FROM afis_templates"
                                " WHERE application_id = ? ORDER BY id",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, apps[k]);
        while ((rc = store_step(st, &row, err)) == KT_OK && row) {
            kt_error derr;
            bio_msg msg;
            afis_cand c;
            memset(&c, 0, sizeof c);
            c.id = (uint64_t)store_col_int(st, 0);
            c.app = apps[k];
            memcpy(c.nik, niks[k], sizeof c.nik);
            snprintf(c.slot, sizeof c.slot, "%s", store_col_text(st, 1));
            c.finger = (int)store_col_int(st, 2);
            if (tpl_from_stored(s, apps[k], c.slot, store_col_text(st, 3), t, &derr) != KT_OK)
                continue;
            if (bio_prepare(t, &cp, &msg) != BIO_OK) {
                rc = svc_nomem(err);
                break;
            }
            for (size_t i = 0; i < r->nprobes && rc == KT_OK; i++) {
                afis_probe_row *p = &r->probes[i];
                if (compared(r, (int)i, c.id))
                    continue;
                if (p->prep == NULL && bio_prepare(&p->tpl, &p->prep, &msg) != BIO_OK) {
                    rc = svc_nomem(err);
                    break;
                }
                c.probe = (int)i;
                c.score = bio_match(p->prep, cp);
                if (c.score >= r->a->screen)
                    rc = cand_push(r, &c, err);
            }
            bio_prepared_free(cp);
            cp = NULL;
            if (rc != KT_OK)
                break;
        }
        store_reset(st);
        if (rc != KT_OK)
            goto out;
    }
out:
    svc_conn_put(s, db);
    bio_prepared_free(cp);
    free(t);
    return rc;
}

kt_code svc_afis_record_begin(svc *s, int64_t app_id, svc_afis_record **out, kt_error *err)
{
    kt_code rc;
    *out = NULL;
    svc_afis *a = afis_of(s);
    if (a == NULL)
        return afis_missing(err);
    svc_afis_record *r = calloc(1, sizeof *r);
    if (r == NULL || (r->probes = calloc(BIO_TENPRINT_FINGERS, sizeof *r->probes)) == NULL ||
        (r->hits = json_array()) == NULL || (r->persons = json_array()) == NULL) {
        record_free(r);
        return svc_nomem(err);
    }
    r->a = a;
    r->app_id = app_id;
    pthread_mutex_lock(&a->rec_mu);
    if (a->stale && (rc = gallery_load(s, a, err)) != KT_OK)
        goto fail;
    if ((rc = load_probes(s, r, err)) != KT_OK)
        goto fail;
    if ((rc = search_all(a, r, err)) != KT_OK || (rc = rescore(s, r, err)) != KT_OK ||
        (rc = fuse(r, err)) != KT_OK || (rc = verify_people(s, r, err)) != KT_OK ||
        (rc = fuse(r, err)) != KT_OK)
        goto fail;
    *out = r;
    return KT_OK; /* rec_mu stays held until svc_afis_record_end */
fail:
    pthread_mutex_unlock(&a->rec_mu);
    record_free(r);
    return rc;
}

/* The candidate comparison behind a fused finger (its slot and NIK), or NULL. */
static const afis_cand *cand_of(const svc_afis_record *r, int probe, uint64_t id)
{
    for (size_t i = 0; i < r->ncands; i++)
        if (r->cands[i].probe == probe && r->cands[i].id == id)
            return &r->cands[i];
    return NULL;
}

/* One record that reached the threshold: afis_person_hits + its fingers' afis_hits rows. */
static kt_code write_person(svc_afis_record *r, store *db, const bio_tp_candidate *k,
                            const char *mnik, int64_t now, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc;
    if ((rc = store_prepare(db,
                            "INSERT INTO afis_person_hits (application_id,"
                            " matched_application_id, matched_nik, evidence, threshold, fpir,"
                            " fpir_target, persons, fingers_compared, fingers_matched, swapped,"
                            " at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, r->app_id);
    store_bind_int(st, 2, (int64_t)k->person);
    store_bind_text(st, 3, mnik, -1);
    store_bind_double(st, 4, k->evidence);
    store_bind_double(st, 5, r->tp_threshold);
    store_bind_double(st, 6, k->fpir);
    store_bind_double(st, 7, r->a->fpir);
    store_bind_int(st, 8, (int64_t)r->gallery_persons);
    store_bind_int(st, 9, (int64_t)r->nprobes);
    store_bind_int(st, 10, k->matched);
    store_bind_int(st, 11, k->swapped);
    store_bind_int(st, 12, now);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    json_t *p = json_pack("{s:I, s:s, s:f, s:f, s:f, s:i, s:i, s:b}", "matched_application_id",
                          (json_int_t)k->person, "matched_nik", mnik, "evidence", k->evidence,
                          "threshold", r->tp_threshold, "fpir", k->fpir, "fingers_compared",
                          (int)r->nprobes, "fingers_matched", k->matched, "swapped", k->swapped);
    if (p == NULL || json_array_append_new(r->persons, p) != 0)
        return svc_nomem(err);
    for (int i = 0; i < BIO_TENPRINT_FINGERS; i++) {
        const bio_tp_finger *f = &k->fingers[i];
        const afis_cand *c = f->probe >= 0 ? cand_of(r, f->probe, f->finger_id) : NULL;
        if (c == NULL)
            continue;
        if ((rc = store_prepare(db,
                                "INSERT INTO afis_hits (application_id, slot,"
                                " matched_template_id, matched_application_id, matched_nik,"
                                " matched_slot, score, threshold, at, evidence, positional)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                &st, err)) != KT_OK)
            return rc;
        store_bind_int(st, 1, r->app_id);
        store_bind_text(st, 2, r->probes[f->probe].slot, -1);
        store_bind_int(st, 3, (int64_t)c->id);
        store_bind_int(st, 4, c->app);
        store_bind_text(st, 5, mnik, -1);
        store_bind_text(st, 6, c->slot, -1);
        store_bind_double(st, 7, c->score);
        store_bind_double(st, 8, r->a->screen);
        store_bind_int(st, 9, now);
        store_bind_double(st, 10, f->evidence);
        store_bind_int(st, 11, f->positional);
        if ((rc = store_run(st, err)) != KT_OK)
            return rc;
        json_t *h = json_pack("{s:s, s:s, s:I, s:s, s:f, s:f, s:b}", "slot",
                              r->probes[f->probe].slot, "matched_nik", mnik,
                              "matched_application_id", (json_int_t)c->app, "matched_slot",
                              c->slot, "score", c->score, "evidence", f->evidence, "positional",
                              f->positional);
        if (h == NULL || json_array_append_new(r->hits, h) != 0)
            return svc_nomem(err);
    }
    return KT_OK;
}

kt_code svc_afis_record_write(svc *s, svc_afis_record *r, store *db, const char *nik,
                              int *duplicate, char *note, size_t notecap, kt_error *err)
{
    kt_code rc = KT_OK;
    store_stmt *st = NULL;
    int64_t now = svc_now(s);
    size_t used = 0;
    *duplicate = 0;
    if (notecap > 0)
        note[0] = '\0';
    if (!r->searched) /* became recordable after record_begin looked: never record unsearched */
        return kt_fail(err, KT_EUNAVAIL, "afis_retry", "",
                       "Status permohonan baru saja berubah; ulangi perekaman");
    /* The records that reached the threshold, checked again inside the transaction: not the
       enrollee's NIK, not rejected by the supervisor since the search. */
    for (size_t k = 0; k < r->npeople; k++) {
        const bio_tp_candidate *p = &r->people[k];
        int row = 0;
        if (!p->hit)
            break; /* best first */
        if ((rc = store_prepare(db, "SELECT nik, state FROM applications WHERE id = ?", &st,
                                err)) != KT_OK)
            return rc;
        store_bind_int(st, 1, (int64_t)p->person);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            return rc;
        char mnik[17];
        int other = row && strcmp(store_col_text(st, 0), nik) != 0 &&
                    strcmp(store_col_text(st, 1), "rejected") != 0;
        snprintf(mnik, sizeof mnik, "%s", row ? store_col_text(st, 0) : "");
        store_reset(st);
        if (!other)
            continue;
        *duplicate = 1;
        if ((rc = write_person(r, db, p, mnik, now, err)) != KT_OK)
            return rc;
        /* The note travels with the application (anyone serving it reads it): the other
           person's NIK masked; the supervisor compares both records in full. */
        char masked[32];
        nik_mask(mnik, masked, sizeof masked);
        if (used < notecap)
            used += (size_t)snprintf(note + used, notecap - used,
                                     "%sAFIS: %d dari %zu jari cocok dengan NIK %s (permohonan"
                                     " %lld, bukti %.1f, ambang %.1f)%s",
                                     used ? "; " : "", p->matched, r->nprobes, masked,
                                     (long long)p->person, p->evidence, r->tp_threshold,
                                     p->swapped ? ", posisi jari tidak sesuai slot" : "");
    }
    if (used >= notecap && notecap > 0)
        note[notecap - 1] = '\0';
    /* The enrollee's fingers become gallery rows (duplicates included: a third attempt under
       another NIK then matches both records). */
    for (size_t p = 0; p < r->nprobes; p++) {
        afis_probe_row *pr = &r->probes[p];
        if ((rc = store_prepare(db,
                                "INSERT INTO afis_templates (application_id, nik, slot, finger,"
                                " quality, template, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                &st, err)) != KT_OK)
            return rc;
        store_bind_int(st, 1, r->app_id);
        store_bind_text(st, 2, nik, -1);
        store_bind_text(st, 3, pr->slot, -1);
        store_bind_int(st, 4, pr->finger);
        store_bind_int(st, 5, pr->quality);
        store_bind_text(st, 6, pr->hex, -1);
        store_bind_int(st, 7, now);
        if ((rc = store_run(st, err)) != KT_OK)
            return rc;
        pr->new_id = store_last_id(db);
    }
    r->duplicate = *duplicate;
    return rc;
}

void svc_afis_record_end(svc *s, svc_afis_record *r, int committed, json_t *out)
{
    (void)s;
    if (r == NULL)
        return;
    svc_afis *a = r->a;
    if (committed) {
        pthread_rwlock_wrlock(&a->lock);
        for (size_t i = 0; i < r->nprobes; i++) {
            bio_msg msg;
            if (r->probes[i].new_id <= 0 ||
                bio_gallery_add(a->g, (uint64_t)r->probes[i].new_id, &r->probes[i].tpl, &msg) !=
                    BIO_OK)
                a->stale = 1; /* the rows committed: reload them before the next search */
        }
        if (r->nprobes > 0)
            a->persons++;
        pthread_rwlock_unlock(&a->lock);
    }
    if (committed && out != NULL) {
        json_t *o = json_pack("{s:I, s:I, s:I, s:f, s:f, s:b, s:O, s:O}", "fingers_searched",
                              (json_int_t)r->nprobes, "gallery", (json_int_t)r->gallery,
                              "gallery_persons", (json_int_t)r->gallery_persons, "fpir", a->fpir,
                              "threshold", r->tp_threshold, "duplicate", r->duplicate, "persons",
                              r->persons, "hits", r->hits);
        if (o != NULL)
            json_object_set_new(out, "afis", o);
    }
    pthread_mutex_unlock(&a->rec_mu);
    record_free(r);
}

/* ---- handover: 1:1 check -------------------------------------------------------------- */

kt_code svc_afis_require_verified(svc *s, store *db, int64_t app_id, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT 1 FROM afis_verifications WHERE application_id = ? AND"
                               " matched = 1 AND at >= ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    store_bind_int(st, 2, svc_now(s) - SVC_AFIS_VERIFY_TTL_MS);
    rc = store_step(st, &row, err);
    store_reset(st);
    if (rc != KT_OK)
        return rc;
    if (!row)
        return kt_fail(err, KT_EREFUSED, "fingerprint_not_verified", "confirmed_by",
                       "Belum ada pencocokan sidik jari yang berhasil untuk permohonan ini "
                       "(30 menit terakhir); lakukan verifikasi sidik jari dulu");
    return KT_OK;
}

static kt_code require_role(const svc_actor *who, int handover, kt_error *err)
{
    wf_role role;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if (role == WF_ROLE_SUPERVISOR || role == WF_ROLE_ADMIN || role == WF_ROLE_SYSTEM ||
        (handover && role == WF_ROLE_HANDOVER))
        return KT_OK;
    return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                   "Peran '%s' tidak boleh melakukan ini", who->role);
}

kt_code svc_app_verify_finger(svc *s, const svc_actor *who, int64_t app_id, const char *slot,
                              const void *data, size_t len, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    bio_template *probe = NULL, *stored = NULL;
    json_t *pending = NULL;
    int row = 0, quality = 0;
    double best = 0.0;
    char best_slot[12] = "";
    *out = NULL;
    svc_afis *a = afis_of(s);
    if (a == NULL)
        return afis_missing(err);
    if ((rc = require_role(who, 1, err)) != KT_OK)
        return rc;
    if (slot != NULL && slot[0] == '\0')
        slot = NULL;
    if (slot != NULL && svc_afis_finger_of(slot) == 0)
        return kt_fail(err, KT_EINVAL, "slot_invalid", "slot",
                       "Slot harus finger_1..finger_10, bukan '%.20s'", slot);
    if (data == NULL || len == 0)
        return kt_fail(err, KT_EINVAL, "bio_empty", "body", "Berkas sidik jari kosong");
    if ((probe = malloc(sizeof *probe)) == NULL || (stored = malloc(sizeof *stored)) == NULL ||
        (pending = json_array()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = extract_image(slot != NULL ? slot : "sidik jari", data, len, probe, &quality,
                            err)) != KT_OK)
        goto out;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    /* Application must exist; its stored templates are the reference. */
    if ((rc = store_prepare(db, "SELECT 1 FROM applications WHERE id = ?", &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    rc = store_step(st, &row, err);
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    if (!row) {
        rc = kt_fail(err, KT_ENOTFOUND, "application_not_found", "id",
                     "Permohonan %lld tidak ditemukan", (long long)app_id);
        goto out;
    }
    if ((rc = store_prepare(db,
                            "SELECT slot, template FROM afis_templates WHERE application_id = ?"
                            " AND (? = '' OR slot = ?) ORDER BY finger",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, slot != NULL ? slot : "", -1);
    store_bind_text(st, 3, slot != NULL ? slot : "", -1);
    int any = 0;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        if ((rc = tpl_from_stored(s, app_id, store_col_text(st, 0), store_col_text(st, 1),
                                  stored, err)) != KT_OK)
            break;
        any = 1;
        double sc = bio_match_templates(probe, stored);
        if (sc > best || best_slot[0] == '\0') {
            best = sc;
            snprintf(best_slot, sizeof best_slot, "%s", store_col_text(st, 0));
        }
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    if (!any) {
        rc = kt_fail(err, KT_ENOTFOUND, "template_not_found", slot != NULL ? "slot" : "id",
                     "Tidak ada templat sidik jari tersimpan untuk permohonan %lld%s%s",
                     (long long)app_id, slot != NULL ? " slot " : "", slot != NULL ? slot : "");
        goto out;
    }
    int match = best >= a->threshold;
    /* Audited: the check and its outcome, whether or not the card is handed over. */
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "INSERT INTO afis_verifications (application_id, slot, score,"
                            " threshold, matched, at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    store_bind_text(st, 2, best_slot, -1);
    store_bind_double(st, 3, best);
    store_bind_double(st, 4, a->threshold);
    store_bind_int(st, 5, match);
    store_bind_int(st, 6, svc_now(s));
    if (who->user_id > 0)
        store_bind_int(st, 7, who->user_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    char note[96];
    snprintf(note, sizeof note, "%s %s skor %.1f (ambang %.1f)", best_slot,
             match ? "cocok" : "tidak cocok", best, a->threshold);
    if ((rc = svc_event_add(s, db, pending, "finger_verified", who, app_id, 0, "", "",
                            "verify_finger", "", note, NULL, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    svc_emit(s, pending);
    *out = json_pack("{s:I, s:s, s:b, s:f, s:f, s:i}", "application_id", (json_int_t)app_id,
                     "slot", best_slot, "match", match, "score", best, "threshold",
                     a->threshold, "quality", quality);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    free(probe);
    free(stored);
    json_decref(pending);
    return rc;
}

/* ---- supervisor: waiting list and side-by-side view ------------------------------------ */

/* The waiting list's read in the audit trail (everyone on it, both sides of each hit), then
   the NIKs masked for whoever is not the supervisor. */
static kt_code dup_list_record(svc *s, const svc_actor *who, json_t *list, kt_error *err)
{
    char *a = svc_access_subjects(list, "nik");
    size_t n = a != NULL ? strlen(a) : 0, i;
    json_t *o, *v;
    kt_code rc = KT_OK;
    if (a == NULL)
        return svc_nomem(err);
    json_array_foreach(list, i, o) {
        size_t k;
        json_array_foreach(json_object_get(o, "matched_niks"), k, v) {
            const char *m = json_string_value(v);
            char *np = m != NULL ? realloc(a, n + strlen(m) + 2) : a;
            if (np == NULL) {
                free(a);
                return svc_nomem(err);
            }
            a = np;
            if (m != NULL && strstr(a, m) == NULL)
                n += (size_t)sprintf(a + n, "%s%s", n > 0 ? " " : "", m);
        }
    }
    rc = svc_access_record(s, who, "list_duplicates", "", 0, a, "", err);
    free(a);
    if (rc != KT_OK || svc_full_nik(who))
        return rc;
    json_array_foreach(list, i, o) {
        svc_nik_mask_in(o, "nik");
        size_t k;
        json_t *niks = json_object_get(o, "matched_niks");
        json_array_foreach(niks, k, v) {
            char m[32];
            json_array_set_new(niks, k, json_string(nik_mask(json_string_value(v), m, sizeof m)));
        }
    }
    return KT_OK;
}

kt_code svc_duplicates_list(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *list = NULL;
    *out = NULL;
    if ((rc = require_role(who, 0, err)) != KT_OK)
        return rc;
    if ((list = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT a.id, a.nik, r.name, a.kind, a.updated_at, a.note,"
                            " (SELECT count(*) FROM afis_hits h WHERE h.application_id = a.id),"
                            " (SELECT max(score) FROM afis_hits h WHERE h.application_id = a.id)"
                            " FROM applications a LEFT JOIN residents r ON r.nik = a.nik"
                            " WHERE a.state = 'duplicate' ORDER BY a.updated_at, a.id",
                            &st, err)) != KT_OK)
        goto out;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:f, s:[]}", "id",
                              (json_int_t)store_col_int(st, 0), "nik", store_col_text(st, 1),
                              "name", store_col_text(st, 2), "kind", store_col_text(st, 3),
                              "updated_at", (json_int_t)store_col_int(st, 4), "note",
                              store_col_text(st, 5), "hits", (json_int_t)store_col_int(st, 6),
                              "best_score", store_col_double(st, 7), "matched_niks");
        if (o == NULL || json_array_append_new(list, o) != 0) {
            rc = svc_nomem(err);
            break;
        }
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* The other NIKs of each (a second statement: portable SQL, no aggregate of DISTINCT). */
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        if ((rc = store_prepare(db,
                                "SELECT DISTINCT matched_nik FROM afis_hits WHERE"
                                " application_id = ? ORDER BY matched_nik",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, json_integer_value(json_object_get(o, "id")));
        json_t *niks = json_object_get(o, "matched_niks");
        while ((rc = store_step(st, &row, err)) == KT_OK && row)
            if (json_array_append_new(niks, json_string(store_col_text(st, 0))) != 0) {
                rc = svc_nomem(err);
                break;
            }
        store_reset(st);
        if (rc != KT_OK)
            goto out;
    }
    svc_conn_put(s, db);
    db = NULL;
    if ((rc = dup_list_record(s, who, list, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:O, s:I}", "duplicates", list, "count",
                     (json_int_t)json_array_size(list));
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    json_decref(list);
    svc_conn_put(s, db);
    return rc;
}

static json_t *bio_url(int64_t app, const char *slot)
{
    char u[96];
    snprintf(u, sizeof u, "/api/applications/%lld/bio/%s", (long long)app, slot);
    return json_string(u);
}

/* {"application_id","nik","resident","face_url"}; resident null when not in SIAK. */
static kt_code person_json(svc *s, store *db, int64_t app, const char *nik, json_t **out,
                           kt_error *err)
{
    json_t *res = NULL;
    kt_error e;
    elig_person p;
    if (svc_resident_load(db, nik, &res, &e) != KT_OK)
        res = json_null();
    else if (svc_resident_person(res, &p, &e) == KT_OK) /* age on the service day, as shown */
        json_object_set_new(res, "age", json_integer(jkt_age_on(p.birth_date, svc_today(s))));
    *out = json_pack("{s:I, s:s, s:o, s:o}", "application_id", (json_int_t)app, "nik", nik,
                     "resident", res, "face_url", bio_url(app, "face"));
    return *out != NULL ? KT_OK : svc_nomem(err);
}

kt_code svc_app_duplicate(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                          kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *app = NULL, *me = NULL, *hits = NULL, *matched = NULL, *decision = json_null();
    json_t *evidence = NULL;
    *out = NULL;
    if ((rc = require_role(who, 0, err)) != KT_OK)
        return rc;
    if ((hits = json_array()) == NULL || (matched = json_object()) == NULL ||
        (evidence = json_array()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = svc_app_load(s, db, app_id, &app, err)) != KT_OK)
        goto out;
    const char *nik = json_string_value(json_object_get(app, "nik"));
    if ((rc = person_json(s, db, app_id, nik != NULL ? nik : "", &me, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT h.slot, h.matched_application_id, h.matched_nik,"
                            " h.matched_slot, h.score, h.threshold, h.at, h.evidence,"
                            " h.positional FROM afis_hits h WHERE h.application_id = ?"
                            " ORDER BY h.score DESC, h.id",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        int64_t mapp = store_col_int(st, 1);
        const char *slot = store_col_text(st, 0), *mslot = store_col_text(st, 3);
        json_t *h = json_pack("{s:s, s:o, s:I, s:s, s:s, s:o, s:f, s:f, s:I, s:f, s:b}", "slot",
                              slot, "finger_url", bio_url(app_id, slot),
                              "matched_application_id", (json_int_t)mapp, "matched_nik",
                              store_col_text(st, 2), "matched_slot", mslot,
                              "matched_finger_url", bio_url(mapp, mslot), "score",
                              store_col_double(st, 4), "threshold", store_col_double(st, 5),
                              "at", (json_int_t)store_col_int(st, 6), "evidence",
                              store_col_double(st, 7), "positional",
                              (int)store_col_int(st, 8));
        if (h == NULL || json_array_append_new(hits, h) != 0) {
            rc = svc_nomem(err);
            break;
        }
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* The person-level decision: each other record that reached the threshold, and why. */
    if ((rc = store_prepare(db,
                            "SELECT matched_application_id, matched_nik, evidence, threshold,"
                            " fpir, fpir_target, persons, fingers_compared, fingers_matched,"
                            " swapped, at FROM afis_person_hits WHERE application_id = ?"
                            " ORDER BY evidence DESC, id",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *e = json_pack(
            "{s:I, s:s, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:b, s:I}", "matched_application_id",
            (json_int_t)store_col_int(st, 0), "matched_nik", store_col_text(st, 1), "evidence",
            store_col_double(st, 2), "threshold", store_col_double(st, 3), "fpir",
            store_col_double(st, 4), "fpir_target", store_col_double(st, 5), "persons",
            (json_int_t)store_col_int(st, 6), "fingers_compared",
            (json_int_t)store_col_int(st, 7), "fingers_matched", (json_int_t)store_col_int(st, 8),
            "swapped", (int)store_col_int(st, 9), "at", (json_int_t)store_col_int(st, 10));
        if (e == NULL || json_array_append_new(evidence, e) != 0) {
            rc = svc_nomem(err);
            break;
        }
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* The other residents, once each (keyed by their application). */
    size_t i;
    json_t *h;
    json_array_foreach(hits, i, h) {
        char key[24];
        int64_t mapp = json_integer_value(json_object_get(h, "matched_application_id"));
        snprintf(key, sizeof key, "%lld", (long long)mapp);
        if (json_object_get(matched, key) != NULL)
            continue;
        json_t *p = NULL;
        const char *mnik = json_string_value(json_object_get(h, "matched_nik"));
        if ((rc = person_json(s, db, mapp, mnik, &p, err)) != KT_OK)
            goto out;
        json_t *mstate = NULL;
        kt_error e;
        if (svc_app_load(s, db, mapp, &mstate, &e) == KT_OK) {
            json_object_set(p, "state", json_object_get(mstate, "state"));
            json_object_set(p, "receipt_no", json_object_get(mstate, "receipt_no"));
            json_decref(mstate);
        }
        json_object_set_new(matched, key, p);
    }
    /* The supervisor's decision, when taken (the audit trail holds it). */
    if ((rc = store_prepare(db,
                            "SELECT action, note, at, user_id FROM events WHERE"
                            " application_id = ? AND action IN ('clear_duplicate',"
                            " 'confirm_duplicate') ORDER BY id DESC LIMIT 1",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    if (row)
        decision = json_pack("{s:s, s:s, s:I, s:I}", "action", store_col_text(st, 0), "note",
                             store_col_text(st, 1), "at", (json_int_t)store_col_int(st, 2),
                             "user_id", (json_int_t)store_col_int(st, 3));
    store_reset(st);
    json_t *others = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(matched, k, v) json_array_append(others, v);
    *out = json_pack("{s:O, s:O, s:o, s:O, s:O, s:O}", "application", app, "enrollee", me,
                     "matched", others, "evidence", evidence, "hits", hits, "decision",
                     decision != NULL ? decision : json_null());
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    /* Both people's records were shown: the read is recorded with both. */
    store_rollback(db);
    svc_conn_put(s, db);
    db = NULL;
    char *subj = svc_access_subjects(json_object_get(*out, "matched"), "nik");
    if (subj == NULL) {
        rc = svc_nomem(err);
    } else {
        rc = svc_access_record(s, who, "read_duplicate", svc_jstr(app, "nik"), app_id, subj, "",
                               err);
        free(subj);
    }
    if (rc != KT_OK) {
        json_decref(*out);
        *out = NULL;
    }
out:
    if (db != NULL)
        store_rollback(db);
    svc_conn_put(s, db);
    json_decref(app);
    json_decref(me);
    json_decref(hits);
    json_decref(matched);
    json_decref(decision);
    json_decref(evidence);
    return rc;
}

kt_code svc_afis_stats(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    *out = NULL;
    svc_afis *a = afis_of(s);
    if (a == NULL)
        return afis_missing(err);
    if ((rc = require_role(who, 0, err)) != KT_OK)
        return rc;
    pthread_rwlock_rdlock(&a->lock);
    *out = json_pack("{s:b, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:i, s:I, s:f, s:f, s:f}",
                     "loaded", !a->stale, "fingers", (json_int_t)bio_gallery_count(a->g),
                     "bytes", (json_int_t)bio_gallery_bytes(a->g), "loaded_at_open",
                     (json_int_t)a->loaded, "skipped_at_open", (json_int_t)a->skipped,
                     "load_ms", a->load_ms, "fmr", a->fmr, "threshold", a->threshold,
                     "shortlist", SVC_AFIS_SHORTLIST, "persons", (json_int_t)a->persons,
                     "fpir", a->fpir, "screen_threshold", a->screen, "person_threshold",
                     bio_tenprint_threshold(a->fpir, a->persons, BIO_TENPRINT_FINGERS));
    pthread_rwlock_unlock(&a->lock);
    return *out != NULL ? KT_OK : svc_nomem(err);
}
