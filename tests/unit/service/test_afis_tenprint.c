/*
 * test_afis_tenprint.c - the person-level (ten-print) decision in the service, on the
 * project's own synthetic fingers (src/bio synth, template mode, uploaded as a scanner's
 * ISO 19794-2 records so ten fingers a person cost microseconds):
 * - six unique people with ten fingers each are recorded, none flagged (the seed-9091
 *   case: two synthetic people were flagged as one in a gallery of 30 fingers);
 * - a second enrolment of one of them under another NIK (other touches of the same ten
 *   fingers) is a duplicate of that record: fused evidence above the threshold, most fingers
 *   matched at their own positions, afis_person_hits and afis_hits written, the side-by-side
 *   view carries the evidence;
 * - a second enrolment with the hands swapped (each slot holds the other hand's finger) is
 *   still caught, and marked as fingers in the wrong slots;
 * - the threshold follows the configured FPIR and the gallery's size.
 */
#include "svc_test.h"

#include <math.h>

#include "bio/synth.h"
#include "core/nik.h"
#include "bio/template.h"
#include "bio/tenprint.h"
#include "service/svc_internal.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define SEED 9091u
#define PEOPLE 6

/* NIKs 3671101203900010 + p; SIAK rows for each (p < 9). */
static void nik_of(int p, char nik[17]) { snprintf(nik, 17, "36711012039000%02d", 10 + p); }

static char *siak_rows(void)
{
    size_t cap = 9 * 200, n = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    for (int p = 0; p < 9; p++) {
        char nik[17];
        nik_of(p, nik);
        n += (size_t)snprintf(b + n, cap - n,
                              "%s,36711001010900%02d,WARGA %c,TANGERANG,1990-03-12,L,4,1,1,15,5,"
                              "WNI,,JL. A NO. %d,2,5,3671101001,367110,1,UNREGISTERED,0\n",
                              nik, 10 + p, 'A' + p, p + 1);
    }
    return b;
}

/*
 * Record person `p`'s ten fingers (synthetic fingers 10p..10p+9, touch `impression`) under
 * `nik`; slot i holds finger perm[i] of the person (the identity, or the hands swapped).
 * Returns the record's JSON (owned by caller).
 */
static json_t *record_person(svc *s, const char *nik, int p, uint32_t impression,
                             const int perm[10], int64_t *app)
{
    svc_actor op = t_actor("operator", 2, 0);
    kt_error err;
    json_t *out = NULL;
    bio_msg msg;
    int64_t id = t_take_call_open(s, nik, NULL);
    t_check_docs(s, id, 4, KT_OK);
    size_t flen = 0, slen = 0; /* real images: the server decodes every upload */
    unsigned char *face = t_face_for_nik(nik, &flen), *sig = t_png_gray(400, 150, &slen);
    assert_non_null(face);
    assert_non_null(sig);
    t_expect(svc_app_bio_put(s, &op, id, "face", face, flen, "image/png", &out, &err), KT_OK,
             &err);
    json_decref(out);
    t_expect(svc_app_bio_put(s, &op, id, "signature", sig, slen, "image/png", &out, &err),
             KT_OK, &err);
    json_decref(out);
    free(face);
    free(sig);
    bio_template *t = malloc(sizeof *t);
    assert_non_null(t);
    for (int i = 0; i < 10; i++) {
        char slot[16];
        uint8_t *iso = NULL;
        size_t len = 0;
        assert_int_equal(bio_synth_template(SEED, (uint32_t)(10 * p + perm[i]), impression, t,
                                            &msg), BIO_OK);
        t->finger_position = (uint8_t)(i + 1);
        assert_int_equal(bio_template_encode_iso(t, 1, &iso, &len, &msg), BIO_OK);
        snprintf(slot, sizeof slot, "finger_%d", i + 1);
        t_expect(svc_app_bio_put(s, &op, id, slot, iso, len, "application/octet-stream", &out,
                                 &err), KT_OK, &err);
        json_decref(out);
        free(iso);
    }
    free(t);
    json_t *req = json_pack("{s:s}", "reason", "tidak diambil dalam uji");
    t_expect(svc_app_bio_exception(s, &op, id, "iris_left", req, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(svc_app_bio_exception(s, &op, id, "iris_right", req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    t_now += T_MIN;
    t_expect(svc_app_record(s, &op, id, &out, &err), KT_OK, &err);
    *app = id;
    return out;
}

static const int identity[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
static const int swapped[10] = {5, 6, 7, 8, 9, 0, 1, 2, 3, 4};

static const char *state(const json_t *a) { return json_string_value(json_object_get(a, "state")); }

/* The note of the application's afis_hit event (owned by caller: free()). */
static char *hit_note(svc *s, int64_t app)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    kt_error err;
    t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
    t_expect(store_prepare(db, "SELECT note FROM events WHERE application_id = ? AND"
                               " action = 'afis_hit'", &st, &err), KT_OK, &err);
    store_bind_int(st, 1, app);
    t_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_true(row);
    char *note = strdup(store_col_text(st, 0));
    store_reset(st);
    svc_conn_put(s, db);
    assert_non_null(note);
    return note;
}

static void test_people(void **st)
{
    (void)st;
    char *rows = siak_rows();
    svc *s = t_open_with(rows, NULL);
    free(rows);
    kt_error err;
    int64_t apps[PEOPLE + 2];
    char nik[17];
    /* Six unique people: none is anyone else. */
    for (int p = 0; p < PEOPLE; p++) {
        nik_of(p, nik);
        json_t *r = record_person(s, nik, p, 0, identity, &apps[p]);
        assert_string_equal(state(r), "recorded");
        json_t *afis = json_object_get(r, "afis");
        assert_false(json_is_true(json_object_get(afis, "duplicate")));
        assert_int_equal(json_integer_value(json_object_get(afis, "gallery_persons")), p);
        assert_int_equal(json_integer_value(json_object_get(afis, "fingers_searched")), 10);
        assert_true(json_real_value(json_object_get(afis, "fpir")) == 1e-3);
        assert_int_equal(json_array_size(json_object_get(afis, "persons")), 0);
        json_decref(r);
    }

    /* Person 2 again, other touches, under another NIK: a duplicate of person 2's record. */
    nik_of(PEOPLE, nik);
    json_t *r = record_person(s, nik, 2, 1, identity, &apps[PEOPLE]);
    assert_string_equal(state(r), "duplicate");
    json_t *afis = json_object_get(r, "afis");
    assert_true(json_is_true(json_object_get(afis, "duplicate")));
    double th = json_real_value(json_object_get(afis, "threshold"));
    assert_true(fabs(th - bio_tenprint_threshold(1e-3, PEOPLE, 10)) < 1e-9);
    json_t *persons = json_object_get(afis, "persons");
    assert_int_equal(json_array_size(persons), 1);
    json_t *p0 = json_array_get(persons, 0);
    assert_int_equal(json_integer_value(json_object_get(p0, "matched_application_id")), apps[2]);
    assert_true(json_real_value(json_object_get(p0, "evidence")) >= th);
    assert_true(json_integer_value(json_object_get(p0, "fingers_matched")) >= 7);
    assert_false(json_is_true(json_object_get(p0, "swapped")));
    json_t *hits = json_object_get(afis, "hits");
    assert_int_equal(json_array_size(hits),
                     (size_t)json_integer_value(json_object_get(p0, "fingers_matched")));
    size_t i;
    json_t *h;
    json_array_foreach(hits, i, h) {
        nik_of(2, nik);
        char masked[32]; /* the operator learns that it matches, not whom (sec: NIK masking) */
        nik_mask(nik, masked, sizeof masked);
        assert_string_equal(json_string_value(json_object_get(h, "matched_nik")), masked);
        assert_true(json_real_value(json_object_get(h, "evidence")) > 0);
    }
    char *note = hit_note(s, apps[PEOPLE]);
    assert_non_null(strstr(note, "jari cocok dengan NIK"));
    assert_null(strstr(note, "tidak sesuai slot"));
    free(note);
    json_decref(r);

    /* The supervisor's side-by-side view carries the fused evidence. */
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *d = NULL;
    t_expect(svc_app_duplicate(s, &sup, apps[PEOPLE], &d, &err), KT_OK, &err);
    json_t *ev = json_array_get(json_object_get(d, "evidence"), 0);
    assert_non_null(ev);
    assert_int_equal(json_integer_value(json_object_get(ev, "matched_application_id")), apps[2]);
    assert_true(json_real_value(json_object_get(ev, "evidence")) >= th);
    assert_int_equal(json_integer_value(json_object_get(ev, "persons")), PEOPLE);
    assert_true(json_real_value(json_object_get(ev, "fpir_target")) == 1e-3);
    json_t *dh = json_array_get(json_object_get(d, "hits"), 0);
    assert_true(json_real_value(json_object_get(dh, "evidence")) > 0);
    assert_true(json_is_boolean(json_object_get(dh, "positional")));
    json_decref(d);

    /* Person 4 with the hands swapped: every slot holds the other hand's finger. Caught, and
       marked as fingers in the wrong slots (the fraud case). */
    nik_of(PEOPLE + 1, nik);
    r = record_person(s, nik, 4, 2, swapped, &apps[PEOPLE + 1]);
    assert_string_equal(state(r), "duplicate");
    p0 = json_array_get(json_object_get(json_object_get(r, "afis"), "persons"), 0);
    assert_int_equal(json_integer_value(json_object_get(p0, "matched_application_id")), apps[4]);
    assert_true(json_is_true(json_object_get(p0, "swapped")));
    note = hit_note(s, apps[PEOPLE + 1]);
    assert_non_null(strstr(note, "tidak sesuai slot"));
    free(note);
    json_decref(r);
    svc_close(s);
}

/* The configured FPIR sets the threshold; a bad one is refused at open. */
static void test_fpir_config(void **st)
{
    (void)st;
    svc_config cfg;
    svc *s = NULL;
    kt_error err;
    t_config(&cfg);
    cfg.afis_fpir = 0.7;
    assert_int_equal(svc_open(&cfg, &s, &err), KT_EINVAL);
    assert_string_equal(err.id, "afis_fpir_invalid");
    assert_null(s);
    cfg.afis_fpir = 1e-2;
    t_expect(svc_open(&cfg, &s, &err), KT_OK, &err);
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    t_expect(svc_afis_stats(s, &sup, &out, &err), KT_OK, &err);
    assert_true(json_real_value(json_object_get(out, "fpir")) == 1e-2);
    assert_int_equal(json_integer_value(json_object_get(out, "persons")), 0);
    json_decref(out);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_people, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fpir_config, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
