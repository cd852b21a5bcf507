/*
 * test_afis.c - AFIS de-duplication through the real service on a real SQLite file, with
 * fingerprints the project makes itself (src/bio synth: impressions of one synthetic finger are
 * one person's touches; other fingers are other people).
 *
 * Person A is recorded; B (another NIK) presents A's fingers -> duplicate with A matched; C with
 * own fingers -> recorded; the supervisor sees both side by side, clears one duplicate and
 * confirms another; the gallery reloaded at reopen still finds A; C re-recorded for a lost card
 * (same NIK) is no duplicate; at handover A's finger matches and C's is rejected, and
 * confirmed_by "fingerprint" needs that match. Unreadable and blank images are refused with
 * nothing stored. Two recordings of one person at once: exactly one is the duplicate. With
 * ../shared, the same on FVC2002 prints.
 */
#include "core/nik.h"
#include "unit/service/svc_test.h"
#include "service/svc_internal.h"

#include <math.h>
#include <pthread.h>

#include "bio/match.h"
#include "bio/synth.h"
#include "bio/template.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define NIK_A "3671101203900001"
#define NIK_B "3671101404910002"
#define NIK_C "3671104506920003"
#define NIK_D "3671101707930004"
#define NIK_E "3671101808940005"

static const char *rows =
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_B ",3671100101090002,BUDI SANTOSO,TANGERANG,1991-04-14,L,4,1,1,15,5,WNI,,JL. B NO. 2,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_C ",3671100101090003,CITRA DEWI,TANGERANG,1992-06-05,P,13,1,1,2,5,WNI,,JL. C NO. 3,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_D ",3671100101090004,DEDI KURNIA,TANGERANG,1993-07-17,L,4,1,1,15,5,WNI,,JL. D NO. 4,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_E ",3671100101090005,EKO PRASETYO,TANGERANG,1994-08-18,L,4,1,1,15,5,WNI,,JL. E NO. 5,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n";

#define SEED 20260302u

/* The template stored in afis_templates for (application, slot), decoded (owned by caller:
   free()). */
static bio_template *stored_template(svc *s, int64_t app, const char *slot)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    kt_error err;
    t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
    t_expect(store_prepare(db, "SELECT template FROM afis_templates WHERE application_id = ?"
                               " AND slot = ?", &st, &err), KT_OK, &err);
    store_bind_int(st, 1, app);
    store_bind_text(st, 2, slot, -1);
    t_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_true(row);
    /* Stored sealed (atrest.c): the row opens only with the data key and its own context. */
    uint8_t *iso = NULL;
    size_t n = 0, count = 0;
    assert_true(strncmp(store_col_text(st, 0), "4b545331", 8) == 0);
    t_expect(svc_tpl_open(s, app, slot, store_col_text(st, 0), &iso, &n, &err), KT_OK, &err);
    store_reset(st);
    svc_conn_put(s, db);
    bio_template *views = NULL;
    bio_msg msg;
    assert_int_equal(bio_template_decode(iso, n, &views, &count, NULL, &msg), BIO_OK);
    assert_true(count >= 1);
    free(iso);
    return views;
}

/* A synthetic impression as a binary PGM file (svc_test.h). */
#define finger_pgm t_finger_pgm

static bio_synth_master *masters[4]; /* A's two fingers, C's two fingers */

/* Ticket, open, document check: an application ready for recording. */
static int64_t checked_app(svc *s, const char *nik, const char *kind)
{
    svc_actor in = t_actor("intake", 1, 1);
    kt_error err;
    json_t *req = json_pack("{s:s}", "service", strcmp(kind, "baru") == 0 ? "rekam_baru"
                                                                         : "hilang_rusak"),
           *t = NULL, *c = NULL, *a = NULL, *out = NULL;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    json_decref(req);
    req = json_pack("{s:[s]}", "services", strcmp(kind, "baru") == 0 ? "rekam_baru"
                                                                     : "hilang_rusak");
    t_expect(svc_ticket_call_next(s, &in, req, &c, &err), KT_OK, &err);
    json_decref(req);
    req = json_pack("{s:I, s:s, s:s}", "ticket_id", json_integer_value(json_object_get(c, "id")),
                    "nik", nik, "kind", kind);
    t_expect(svc_app_open(s, &in, req, &a, &err), KT_OK, &err);
    json_decref(req);
    int64_t id = json_integer_value(json_object_get(a, "id"));
    req = json_pack("{s:O}", "documents", json_object_get(a, "documents_required"));
    t_expect(svc_app_check(s, &in, id, req, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "checked");
    json_decref(req);
    json_decref(out);
    json_decref(a);
    json_decref(c);
    json_decref(t);
    return id;
}

/* Upload face + signature, two finger files, except the rest. */
static void upload_files(svc *s, int64_t id, unsigned char *const files[2], const size_t lens[2])
{
    svc_actor op = t_actor("operator", 2, 0);
    kt_error err;
    json_t *out = NULL;
    size_t flen = 0, slen = 0;
    t_expect(svc_app_get(s, &op, id, &out, &err), KT_OK, &err);
    unsigned char *face = t_face_for_nik(json_string_value(json_object_get(out, "nik")), &flen);
    unsigned char *sig = t_png_gray(400, 150, &slen);
    json_decref(out);
    t_expect(svc_app_bio_put(s, &op, id, "face", face, flen, "image/jpeg", &out, &err),
             KT_OK, &err);
    json_decref(out);
    t_expect(svc_app_bio_put(s, &op, id, "signature", sig, slen, "image/png", &out, &err),
             KT_OK, &err);
    json_decref(out);
    free(face);
    free(sig);
    for (int f = 0; f < 2; f++) {
        char slot[16];
        snprintf(slot, sizeof slot, "finger_%d", f + 1);
        t_expect(svc_app_bio_put(s, &op, id, slot, files[f], lens[f], "image/x-portable-graymap",
                                 &out, &err), KT_OK, &err);
        /* The operator sees the quality at once. */
        assert_true(json_is_integer(json_object_get(out, "quality")));
        assert_true(json_integer_value(json_object_get(out, "minutiae")) > 5);
        assert_non_null(json_string_value(json_object_get(out, "advice")));
        json_decref(out);
    }
    static const char *rest[] = {"finger_3", "finger_4", "finger_5", "finger_6", "finger_7",
                                 "finger_8", "finger_9", "finger_10", "iris_left", "iris_right"};
    json_t *req = json_pack("{s:s}", "reason", "tidak diambil dalam uji");
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        t_expect(svc_app_bio_exception(s, &op, id, rest[i], req, &out, &err), KT_OK, &err);
        json_decref(out);
    }
    json_decref(req);
}

/* upload_files, then record. Returns the record's JSON (owned by caller). */
static json_t *record_files(svc *s, int64_t id, unsigned char *const files[2],
                            const size_t lens[2])
{
    svc_actor op = t_actor("operator", 2, 0);
    kt_error err;
    json_t *out = NULL;
    upload_files(s, id, files, lens);
    t_now += T_MIN;
    t_expect(svc_app_record(s, &op, id, &out, &err), KT_OK, &err);
    assert_non_null(json_object_get(out, "afis"));
    return out;
}

/* The same with impression `impression` of two synthetic masters. */
static json_t *record_with(svc *s, int64_t id, int m1, int m2, uint32_t impression)
{
    unsigned char *files[2];
    size_t lens[2];
    files[0] = finger_pgm(masters[m1], impression, &lens[0]);
    files[1] = finger_pgm(masters[m2], impression, &lens[1]);
    json_t *out = record_files(s, id, files, lens);
    free(files[0]);
    free(files[1]);
    return out;
}

/* An FVC2002 DB1_B image from ../shared, or NULL when absent (owned by caller: free()). */
static unsigned char *fvc_file(const char *name, size_t *len)
{
    const char *sh = getenv("KTPEL_SHARED");
    char path[512];
    if (sh == NULL || sh[0] == '\0')
        return NULL;
    snprintf(path, sizeof path, "%s/data/fingerprints/fvc2002/DB1_B/%s", sh, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    unsigned char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static const char *state(const json_t *a) { return json_string_value(json_object_get(a, "state")); }

/* The operator who records sees the matched NIK masked (367110******0001): compare in that
   form. */
static int hits_nik(const json_t *rec, const char *nik)
{
    const json_t *hits = json_object_get(json_object_get(rec, "afis"), "hits");
    size_t i;
    json_t *h;
    char want[32], got[32];
    nik_mask(nik, want, sizeof want);
    json_array_foreach(hits, i, h) if (strcmp(nik_mask(json_string_value(json_object_get(
                                                           h, "matched_nik")),
                                                       got, sizeof got),
                                              want) == 0) return 1;
    return 0;
}

static void make_masters(void)
{
    for (int i = 0; i < 4; i++) {
        bio_msg msg;
        if (masters[i] == NULL)
            assert_int_equal(bio_synth_master_new(SEED, (uint32_t)i, 1, &masters[i], &msg), BIO_OK);
    }
}

static void free_masters(void)
{
    for (int i = 0; i < 4; i++) {
        bio_synth_master_free(masters[i]);
        masters[i] = NULL;
    }
}

static void test_upload_refusals(void **st)
{
    (void)st;
    make_masters();
    svc *s = t_open_with(rows, NULL);
    svc_actor op = t_actor("operator", 2, 0);
    kt_error err;
    json_t *out = NULL;
    int64_t id = checked_app(s, NIK_A, "baru");
    /* Not an image at all. */
    const char junk[] = "bukan gambar";
    assert_int_equal(svc_app_bio_put(s, &op, id, "finger_1", junk, sizeof junk, "image/png", &out,
                                     &err), KT_EINVAL);
    assert_string_equal(err.id, "image_invalid"); /* the server's own check (upload.c) */
    assert_non_null(strstr(err.message, "bukan gambar"));
    assert_null(out);
    /* A blank (white) scan. */
    size_t n = 15 + 300 * 400;
    unsigned char *blank = malloc(n);
    assert_non_null(blank);
    memcpy(blank, "P5\n300 400\n255\n", 15);
    memset(blank + 15, 0xF0, n - 15);
    assert_int_equal(svc_app_bio_put(s, &op, id, "finger_2", blank, n, "image/x-portable-graymap",
                                     &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "finger_blank");
    free(blank);
    /* Nothing was stored for either slot. */
    void *data = NULL;
    size_t len = 0;
    char ct[64];
    assert_int_equal(svc_app_bio_get(s, &op, id, "finger_1", &data, &len, ct, &err), KT_ENOTFOUND);
    assert_int_equal(svc_app_bio_get(s, &op, id, "finger_2", &data, &len, ct, &err), KT_ENOTFOUND);
    /* A good print is stored and answered with its quality. */
    unsigned char *pgm = finger_pgm(masters[0], 0, &len);
    t_expect(svc_app_bio_put(s, &op, id, "finger_1", pgm, len, "image/x-portable-graymap", &out,
                             &err), KT_OK, &err);
    int q = (int)json_integer_value(json_object_get(out, "quality"));
    assert_true(q > 0 && q <= 100);
    assert_string_equal(json_string_value(json_object_get(out, "advice")),
                        q < 35 ? "ulangi" : q < 60 ? "cukup" : "baik");
    json_decref(out);
    free(pgm);
    /* A scanner's own ISO 19794-2 record is accepted as is; a broken one is not. */
    bio_template tpl;
    bio_msg msg;
    uint8_t *iso = NULL;
    assert_int_equal(bio_synth_template(SEED, 9, 0, &tpl, &msg), BIO_OK);
    assert_int_equal(bio_template_encode_iso(&tpl, 1, &iso, &len, &msg), BIO_OK);
    t_expect(svc_app_bio_put(s, &op, id, "finger_3", iso, len, "application/octet-stream", &out,
                             &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "minutiae")), tpl.count);
    json_decref(out);
    assert_int_equal(svc_app_bio_put(s, &op, id, "finger_4", iso, 20, "application/octet-stream",
                                     &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "finger_unreadable");
    free(iso);
    svc_close(s);
}

static void test_duplicate_flow(void **st)
{
    (void)st;
    make_masters();
    svc *s = t_open_with(rows, NULL);
    svc_actor sup = t_actor("supervisor", 4, 0), op = t_actor("operator", 2, 0),
              ho = t_actor("handover", 3, 3);
    kt_error err;
    json_t *out = NULL, *req = NULL;

    /* A: first in the gallery, nothing to match. */
    int64_t a = checked_app(s, NIK_A, "baru");
    json_t *ra = record_with(s, a, 0, 1, 0);
    assert_string_equal(state(ra), "recorded");
    assert_false(json_is_true(json_object_get(json_object_get(ra, "afis"), "duplicate")));
    json_decref(ra);
    /* A second click: refused by the workflow, nothing searched or added. */
    assert_int_equal(svc_app_record(s, &op, a, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "illegal_transition");
    assert_null(out);

    /* B: another NIK presenting A's fingers (other touches of them). */
    int64_t b = checked_app(s, NIK_B, "baru");
    json_t *rb = record_with(s, b, 0, 1, 1);
    assert_string_equal(state(rb), "duplicate");
    assert_true(json_is_true(json_object_get(json_object_get(rb, "afis"), "duplicate")));
    assert_true(hits_nik(rb, NIK_A));
    assert_string_equal(json_string_value(json_object_get(rb, "reason")), "duplicate_biometric");
    json_decref(rb);

    /* C: own fingers. */
    int64_t c = checked_app(s, NIK_C, "baru");
    json_t *rc_ = record_with(s, c, 2, 3, 0);
    assert_string_equal(state(rc_), "recorded");
    assert_false(hits_nik(rc_, NIK_A));
    json_decref(rc_);

    /* The waiting list: B only. The operator may not see it. */
    assert_int_equal(svc_duplicates_list(s, &op, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_duplicates_list(s, &sup, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "count")), 1);
    json_t *d0 = json_array_get(json_object_get(out, "duplicates"), 0);
    assert_int_equal(json_integer_value(json_object_get(d0, "id")), b);
    assert_string_equal(json_string_value(json_object_get(d0, "name")), "BUDI SANTOSO");
    assert_int_equal(json_array_size(json_object_get(d0, "matched_niks")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(d0, "matched_niks"), 0)),
                        NIK_A);
    json_decref(out);

    /* Side by side. */
    t_expect(svc_app_duplicate(s, &sup, b, &out, &err), KT_OK, &err);
    json_t *me = json_object_get(out, "enrollee");
    json_t *other = json_array_get(json_object_get(out, "matched"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(me, "resident"), "name")),
                        "BUDI SANTOSO");
    assert_string_equal(json_string_value(json_object_get(other, "nik")), NIK_A);
    json_t *ores = json_object_get(other, "resident");
    assert_string_equal(json_string_value(json_object_get(ores, "name")), "AHMAD FAUZI");
    char url[96];
    snprintf(url, sizeof url, "/api/applications/%lld/bio/face", (long long)a);
    assert_string_equal(json_string_value(json_object_get(other, "face_url")), url);
    json_t *h0 = json_array_get(json_object_get(out, "hits"), 0);
    assert_true(json_real_value(json_object_get(h0, "score")) >=
                json_real_value(json_object_get(h0, "threshold")));
    /* The decision is the 1:1 score of the two complete stored records (ridge maps too), not
       the gallery's minutiae-only screening score. */
    {
        bio_template *tb = stored_template(s, b, json_string_value(json_object_get(h0, "slot")));
        bio_template *ta = stored_template(s, a, json_string_value(json_object_get(h0,
                                                                          "matched_slot")));
        assert_true(tb->ridge.cols > 0 && ta->ridge.cols > 0);
        assert_true(fabs(bio_match_templates(tb, ta) -
                         json_real_value(json_object_get(h0, "score"))) < 1e-6);
        free(tb);
        free(ta);
    }
    assert_non_null(json_string_value(json_object_get(h0, "matched_finger_url")));
    assert_true(json_is_null(json_object_get(out, "decision")));
    json_decref(out);

    /* D: a third NIK with A's fingers; the supervisor confirms it (rejected), clears B. */
    int64_t d = checked_app(s, NIK_D, "baru");
    json_t *rd = record_with(s, d, 0, 1, 2);
    assert_string_equal(state(rd), "duplicate");
    assert_true(hits_nik(rd, NIK_A));
    json_decref(rd);
    req = json_pack("{s:s}", "note", "sidik jari sama dengan NIK lain; pemohon mengaku");
    t_expect(svc_app_act(s, &sup, d, "confirm_duplicate", req, &out, &err), KT_OK, &err);
    assert_string_equal(state(out), "rejected");
    json_decref(out);
    json_decref(req);
    req = json_pack("{s:s}", "note", "kembar identik; dicek dengan dokumen");
    assert_int_equal(svc_app_act(s, &op, b, "clear_duplicate", req, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_app_act(s, &sup, b, "clear_duplicate", req, &out, &err), KT_OK, &err);
    assert_string_equal(state(out), "recorded");
    json_decref(out);
    json_decref(req);
    t_expect(svc_app_duplicate(s, &sup, b, &out, &err), KT_OK, &err);
    json_t *dec = json_object_get(out, "decision");
    assert_string_equal(json_string_value(json_object_get(dec, "action")), "clear_duplicate");
    json_decref(out);
    t_expect(svc_duplicates_list(s, &sup, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "count")), 0);
    json_decref(out);

    /* Reopen: the gallery is loaded from storage and still finds A. */
    svc_close(s);
    s = t_open();
    t_expect(svc_afis_stats(s, &sup, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "fingers")), 8);
    assert_int_equal(json_integer_value(json_object_get(out, "loaded_at_open")), 8);
    json_decref(out);
    int64_t e = checked_app(s, NIK_E, "baru");
    json_t *re = record_with(s, e, 0, 1, 3);
    assert_string_equal(state(re), "duplicate");
    assert_true(hits_nik(re, NIK_A));
    json_decref(re);

    /* Handover of A's card: a 1:1 check of the finger presented. */
    t_expect(svc_app_receipt(s, &ho, a, &out, &err), KT_OK, &err);
    char receipt[64];
    snprintf(receipt, sizeof receipt, "%s", json_string_value(json_object_get(out, "receipt_no")));
    json_decref(out);
    static const char *acts[] = {"send", "print_ready", "print"};
    for (int i = 0; i < 3; i++) {
        t_expect(svc_app_act(s, &sup, a, acts[i], NULL, &out, &err), KT_OK, &err);
        json_decref(out);
    }
    size_t len = 0;
    unsigned char *other_finger = finger_pgm(masters[2], 1, &len);
    assert_int_equal(svc_app_verify_finger(s, &op, a, "finger_1", other_finger, len, &out, &err),
                     KT_EFORBIDDEN);
    t_expect(svc_app_verify_finger(s, &ho, a, "finger_1", other_finger, len, &out, &err), KT_OK,
             &err);
    assert_false(json_is_true(json_object_get(out, "match")));
    json_decref(out);
    free(other_finger);
    /* No successful check yet: the fingerprint cannot confirm the handover. */
    req = json_pack("{s:s, s:s}", "receipt_no", receipt, "confirmed_by", "fingerprint");
    assert_int_equal(svc_app_hand_over(s, &ho, a, req, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "fingerprint_not_verified");
    unsigned char *own = finger_pgm(masters[0], 4, &len);
    t_expect(svc_app_verify_finger(s, &ho, a, "finger_1", own, len, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "match")));
    assert_true(json_real_value(json_object_get(out, "score")) >=
                json_real_value(json_object_get(out, "threshold")));
    json_decref(out);
    /* Any finger: every stored one is tried. */
    t_expect(svc_app_verify_finger(s, &ho, a, NULL, own, len, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "match")));
    assert_string_equal(json_string_value(json_object_get(out, "slot")), "finger_1");
    json_decref(out);
    assert_int_equal(svc_app_verify_finger(s, &ho, a, "finger_3", own, len, &out, &err),
                     KT_ENOTFOUND);
    free(own);
    t_expect(svc_app_hand_over(s, &ho, a, req, &out, &err), KT_OK, &err);
    assert_string_equal(state(out), "handed_over");
    json_decref(out);
    json_decref(req);

    /* Reopen lazily (as a CLI command would): nothing loaded until the first recording. */
    svc_close(s);
    svc_config cfg;
    t_config(&cfg);
    cfg.afis_lazy = 1;
    t_expect(svc_open(&cfg, &s, &err), KT_OK, &err);
    t_expect(svc_afis_stats(s, &sup, &out, &err), KT_OK, &err);
    assert_false(json_is_true(json_object_get(out, "loaded")));
    assert_int_equal(json_integer_value(json_object_get(out, "fingers")), 0);
    json_decref(out);

    /* C's first card is handed over: C now has a card to lose and no open application (one
       open application per resident, and hilang only for a card once issued: issue 10). */
    {
        t_expect(svc_app_receipt(s, &ho, c, &out, &err), KT_OK, &err);
        char no[40];
        snprintf(no, sizeof no, "%s", json_string_value(json_object_get(out, "receipt_no")));
        json_decref(out);
        static const char *const steps[] = {"send", "print_ready", "print"};
        for (int i = 0; i < 3; i++) {
            t_expect(svc_app_act(s, &sup, c, steps[i], NULL, &out, &err), KT_OK, &err);
            json_decref(out);
        }
        json_t *hreq = json_pack("{s:s, s:s}", "receipt_no", no, "confirmed_by", "ktp_receipt");
        t_expect(svc_app_hand_over(s, &ho, c, hreq, &out, &err), KT_OK, &err);
        json_decref(out);
        json_decref(hreq);
    }
    /* C again, for a lost card: the same NIK's fingers are expected, not a duplicate. */
    int64_t c2 = checked_app(s, NIK_C, "hilang");
    json_t *rc2 = record_with(s, c2, 2, 3, 1);
    assert_string_equal(state(rc2), "recorded");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(rc2, "afis"), "gallery")),
                     10);
    assert_false(json_is_true(json_object_get(json_object_get(rc2, "afis"), "duplicate")));
    assert_int_equal(json_array_size(json_object_get(json_object_get(rc2, "afis"), "hits")), 0);
    json_decref(rc2);
    t_expect(svc_afis_stats(s, &sup, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "loaded")));
    assert_int_equal(json_integer_value(json_object_get(out, "fingers")), 12);
    json_decref(out);
    svc_close(s);
    free_masters();
}

/* Two operators complete the recordings of one person under two NIKs at the same moment: the
   recordings are serialised from search to gallery, so exactly one of them is the duplicate. */
typedef struct rec_job {
    svc *s;
    int64_t id;
    kt_code rc;
    char state[32];
} rec_job;

static void *record_thread(void *arg)
{
    rec_job *j = arg;
    svc_actor op = t_actor("operator", 2, 0);
    kt_error err;
    json_t *out = NULL;
    j->rc = svc_app_record(j->s, &op, j->id, &out, &err);
    if (out != NULL)
        snprintf(j->state, sizeof j->state, "%s", state(out));
    json_decref(out);
    return NULL;
}

static void test_concurrent_same_person(void **st)
{
    (void)st;
    make_masters();
    svc *s = t_open_with(rows, NULL);
    rec_job jobs[2];
    pthread_t th[2];
    const char *niks[2] = {NIK_B, NIK_D};
    for (int i = 0; i < 2; i++) {
        unsigned char *files[2];
        size_t lens[2];
        files[0] = finger_pgm(masters[0], (uint32_t)i, &lens[0]);
        files[1] = finger_pgm(masters[1], (uint32_t)i, &lens[1]);
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].s = s;
        jobs[i].id = checked_app(s, niks[i], "baru");
        upload_files(s, jobs[i].id, files, lens);
        free(files[0]);
        free(files[1]);
    }
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, record_thread, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(jobs[0].rc, KT_OK);
    assert_int_equal(jobs[1].rc, KT_OK);
    int dups = (strcmp(jobs[0].state, "duplicate") == 0) +
               (strcmp(jobs[1].state, "duplicate") == 0);
    int recs = (strcmp(jobs[0].state, "recorded") == 0) + (strcmp(jobs[1].state, "recorded") == 0);
    assert_int_equal(dups, 1);
    assert_int_equal(recs, 1);
    svc_close(s);
}

/* Real prints: A = 101_1 and 102_1; B (another NIK) = 101_2 and 102_2 of the same fingers;
   C = 103_1 and 104_1. */
static void test_fvc_duplicate(void **st)
{
    (void)st;
    static const char *const names[3][2] = {
        {"101_1.tif", "102_1.tif"}, {"101_2.tif", "102_2.tif"}, {"103_1.tif", "104_1.tif"}};
    static const char *const niks[3] = {NIK_A, NIK_B, NIK_C};
    static const char *const want[3] = {"recorded", "duplicate", "recorded"};
    size_t probe_len = 0;
    unsigned char *probe = fvc_file(names[0][0], &probe_len);
    if (probe == NULL) {
        fprintf(stderr, "SKIP: ../shared not found (FVC2002 duplicate case)\n");
        return;
    }
    free(probe);
    svc *s = t_open_with(rows, NULL);
    for (int p = 0; p < 3; p++) {
        unsigned char *files[2];
        size_t lens[2];
        for (int f = 0; f < 2; f++) {
            files[f] = fvc_file(names[p][f], &lens[f]);
            assert_non_null(files[f]);
        }
        int64_t id = checked_app(s, niks[p], "baru");
        json_t *r = record_files(s, id, files, lens);
        assert_string_equal(state(r), want[p]);
        if (p == 1)
            assert_true(hits_nik(r, NIK_A));
        json_decref(r);
        free(files[0]);
        free(files[1]);
    }
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upload_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_same_person, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fvc_duplicate, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free_masters();
    return rc;
}
