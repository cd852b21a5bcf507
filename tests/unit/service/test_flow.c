/*
 * test_flow.c - the SOP end to end through the service on a real SQLite file: ticket, call,
 * open, document check, recording with biometric files, receipt, Disdukcapil states,
 * handover; a data change; every refusal the SOP names; wrong roles; illegal transitions;
 * the audit trail, live events and the day summary.
 */
#include "unit/service/svc_test.h"

#include "bio/synth.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define NIK_ADULT "3671101203900001"    /* 1990, no card yet */
#define NIK_CARD "3671104506920002"     /* 1992, valid card held */
#define NIK_CHILD "3671101507100003"    /* 2010, never married: under 17 */
#define NIK_WED "3671105508100004"      /* 2010, married: eligible under 17 */
#define NIK_UNKNOWN "3671101203900099"  /* well-formed, not in SIAK */

static const char *rows =
    NIK_ADULT ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_CARD ",3671100101090002,SITI AMINAH,TANGERANG,1992-06-05,P,13,1,2,2,5,WNI,,JL. B NO. 2,"
    "2,5,3671101001,367110,1,CARD_ISSUED,1\n"
    NIK_CHILD ",3671100101090001,RIZKY FAUZI,TANGERANG,2010-07-15,L,13,1,1,3,3,WNI,,JL. A NO. 1,"
    "2,5,3671101001,367110,4,BELUM_WAJIB,0\n"
    NIK_WED ",3671100101090003,NUR AINI,TANGERANG,2010-08-15,P,13,1,2,2,3,WNI,,JL. C NO. 3,"
    "2,5,3671101001,367110,3,UNREGISTERED,0\n";

static int n_events;
static void listener(void *ctx, const json_t *ev)
{
    (void)ctx;
    assert_non_null(json_object_get(ev, "type"));
    n_events++;
}

/* Take a ticket for service and have intake at loket 1 call it; returns the ticket id. */
static int64_t take_and_call(svc *s, const char *service)
{
    svc_actor in = t_actor("intake", 1, 1);
    json_t *req = json_pack("{s:s}", "service", service), *t = NULL, *c = NULL;
    kt_error err;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    json_t *call = json_pack("{s:[s]}", "services", service);
    t_expect(svc_ticket_call_next(s, &in, call, &c, &err), KT_OK, &err);
    int64_t id = json_integer_value(json_object_get(t, "id"));
    assert_int_equal(json_integer_value(json_object_get(c, "id")), id);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "called");
    json_decref(req);
    json_decref(call);
    json_decref(t);
    json_decref(c);
    return id;
}

static int64_t open_app(svc *s, int64_t ticket, const char *nik, const char *kind, kt_code want,
                        const char *want_state, const char *want_reason)
{
    svc_actor in = t_actor("intake", 1, 1);
    json_t *req = json_pack("{s:I, s:s, s:s}", "ticket_id", (json_int_t)ticket, "nik", nik,
                            "kind", kind), *a = NULL;
    kt_error err;
    t_expect(svc_app_open(s, &in, req, &a, &err), want, &err);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "state")), want_state);
    assert_string_equal(json_string_value(json_object_get(a, "reason")), want_reason);
    if (want == KT_EREFUSED)
        assert_string_equal(err.id, want_reason);
    int64_t id = json_integer_value(json_object_get(a, "id"));
    json_decref(req);
    json_decref(a);
    return id;
}

static const char *state_of(svc *s, int64_t id, char buf[32])
{
    svc_actor sys = svc_system_actor();
    json_t *a = NULL;
    kt_error err;
    t_expect(svc_app_get(s, &sys, id, &a, &err), KT_OK, &err);
    snprintf(buf, 32, "%s", json_string_value(json_object_get(a, "state")));
    json_decref(a);
    return buf;
}

static void test_full_flow(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    kt_error err;
    json_t *out = NULL, *req = NULL;
    char buf[32];
    n_events = 0;
    assert_int_equal(svc_subscribe(s, listener, NULL, &err), KT_OK);
    svc_actor intake = t_actor("intake", 1, 1), op = t_actor("operator", 2, 0),
              ho = t_actor("handover", 3, 3), sup = t_actor("supervisor", 4, 0);

    int64_t tk = take_and_call(s, "rekam_baru");
    t_now += 30000; /* 30 s to open: within the 1 min standard */
    int64_t id = open_app(s, tk, NIK_ADULT, "baru", KT_OK, "called", "");
    /* The ticket was served by the opening. */
    t_expect(svc_ticket_get(s, tk, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "served");
    json_decref(out);

    /* Wrong role: the operator may not check documents. */
    req = json_pack("{s:[s,s,s,s]}", "documents", "pengantar_rt_rw", "f107", "kk_copy",
                    "ijazah_akta");
    assert_int_equal(svc_app_check(s, &op, id, req, &out, &err), KT_EFORBIDDEN);
    assert_null(out);
    /* Incomplete: refused, what is missing listed, state unchanged. */
    json_t *partial = json_pack("{s:[s,s]}", "documents", "pengantar_rt_rw", "kk_copy");
    t_now += T_MIN;
    assert_int_equal(svc_app_check(s, &intake, id, partial, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "documents_incomplete");
    assert_int_equal(json_array_size(json_object_get(out, "documents_missing")), 2);
    json_decref(out);
    json_decref(partial);
    assert_string_equal(state_of(s, id, buf), "called");
    /* Unknown document id: bad input. */
    json_t *bogus = json_pack("{s:[s]}", "documents", "passport");
    assert_int_equal(svc_app_check(s, &intake, id, bogus, &out, &err), KT_EINVAL);
    json_decref(bogus);
    /* Complete. */
    t_expect(svc_app_check(s, &intake, id, req, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "checked");
    json_decref(out);
    json_decref(req);

    /* Illegal transition: a receipt before the recording. */
    assert_int_equal(svc_app_receipt(s, &ho, id, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "illegal_transition");

    /* Recording: 13 files and one exception. */
    t_now += 2 * T_MIN;
    static const char *slots[] = {"face", "signature", "finger_1", "finger_3", "finger_4",
                                  "finger_5", "finger_6", "finger_7", "finger_8", "finger_9",
                                  "finger_10", "iris_left", "iris_right"};
    /* Real images: the server decodes every upload. The face's backdrop is the birth year's. */
    size_t flen = 0, glen = 0;
    unsigned char *face = t_face_for_nik(NIK_ADULT, &flen), *gray = t_png_gray(320, 240, &glen);
    assert_non_null(face);
    assert_non_null(gray);
    /* Finger slots need a readable print (AFIS): impressions of one synthetic finger. */
    bio_synth_master *finger = NULL;
    bio_msg bmsg;
    assert_int_equal(bio_synth_master_new(7, 0, 1, &finger, &bmsg), BIO_OK);
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        if (i == 3) { /* not complete yet */
            assert_int_equal(svc_app_record(s, &op, id, &out, &err), KT_EREFUSED);
            assert_string_equal(err.id, "bio_incomplete");
        }
        const void *data = strcmp(slots[i], "face") == 0 ? face : gray;
        size_t dlen = strcmp(slots[i], "face") == 0 ? flen : glen;
        unsigned char *pgm = NULL;
        if (strncmp(slots[i], "finger_", 7) == 0) {
            bio_image img;
            assert_int_equal(bio_synth_impression(finger, (uint32_t)i, &img, NULL, &bmsg), BIO_OK);
            size_t px = (size_t)img.width * (size_t)img.height;
            assert_non_null(pgm = malloc(15 + px));
            memcpy(pgm, "P5\n300 400\n255\n", 15);
            memcpy(pgm + 15, img.pixels, px);
            bio_image_free(&img);
            data = pgm;
            dlen = 15 + px;
        }
        t_expect(svc_app_bio_put(s, &op, id, slots[i], data, dlen, "image/jpeg", &out, &err),
                 KT_OK, &err);
        assert_int_equal(json_integer_value(json_object_get(out, "size")), dlen);
        json_decref(out);
        free(pgm);
    }
    bio_synth_master_free(finger);
    assert_int_equal(svc_app_bio_put(s, &op, id, "finger_11", face, flen, "image/jpeg",
                                     &out, &err), KT_EINVAL);
    assert_int_equal(svc_app_bio_put(s, &intake, id, "face", face, flen, "image/jpeg",
                                     &out, &err), KT_EFORBIDDEN);
    req = json_pack("{s:s}", "reason", "jari telunjuk kanan diamputasi");
    t_expect(svc_app_bio_exception(s, &op, id, "finger_2", req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    void *data = NULL;
    size_t len = 0;
    char ctype[64];
    t_expect(svc_app_bio_get(s, &op, id, "face", &data, &len, ctype, &err), KT_OK, &err);
    assert_int_equal(len, flen);
    assert_memory_equal(data, face, len);
    /* The type the server decoded, not the one the client declared (image/jpeg). */
    assert_string_equal(ctype, "image/png");
    free(data);
    free(face);
    free(gray);
    assert_int_equal(svc_app_bio_get(s, &op, id, "finger_2", &data, &len, ctype, &err),
                     KT_ENOTFOUND);
    t_now += 5 * T_MIN;
    t_expect(svc_app_record(s, &op, id, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "recorded");
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "bio"), "finger_2")),
                        "exception");
    json_decref(out);

    /* Step 4: the receipt. */
    t_now += 30000;
    assert_int_equal(svc_app_receipt(s, &op, id, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_app_receipt(s, &ho, id, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "receipt_no")), "NGS-20260302-0001");
    assert_string_equal(json_string_value(json_object_get(out, "pickup_expected")), "2026-03-16");
    json_decref(out);

    /* Disdukcapil's part: sent, print ready, printed (supervisor records it). */
    const char *acts[] = {"send", "print_ready", "print"};
    for (int i = 0; i < 3; i++) {
        t_expect(svc_app_act(s, &sup, id, acts[i], NULL, &out, &err), KT_OK, &err);
        json_decref(out);
    }
    assert_string_equal(state_of(s, id, buf), "printed");
    assert_int_equal(svc_app_act(s, &sup, id, "hand_over", NULL, &out, &err), KT_EINVAL);
    assert_int_equal(svc_app_act(s, &sup, id, "fly", NULL, &out, &err), KT_EINVAL);

    /* Step 6: pickup days later. */
    t_now += 14 * 24 * 60 * T_MIN;
    t_expect(svc_receipt_find(s, &ho, "NGS-20260302-0001", 0, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "id")), id);
    json_decref(out);
    assert_int_equal(svc_receipt_find(s, &ho, "NGS-20260302-0099", 0, &out, &err), KT_ENOTFOUND);
    t_now += T_MIN;
    req = json_pack("{s:s, s:s}", "receipt_no", "NGS-20260302-0002", "confirmed_by",
                    "ktp_receipt");
    assert_int_equal(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "receipt_mismatch");
    json_decref(req);
    req = json_pack("{s:s, s:s}", "receipt_no", "NGS-20260302-0001", "confirmed_by",
                    "ktp_receipt");
    t_expect(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "handed_over");
    json_decref(out);
    /* Once more: illegal. */
    assert_int_equal(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_ECONFLICT);
    json_decref(req);

    /* SIAK now shows the card. */
    svc_actor sys = svc_system_actor();
    t_expect(svc_resident_get(s, &sys, NIK_ADULT, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "ktp_status")), "CARD_ISSUED");
    assert_int_equal(json_integer_value(json_object_get(out, "card_valid")), 1);
    json_decref(out);

    /* The audit trail: open .. hand_over, each with who and role. */
    t_expect(svc_app_events(s, &sup, id, &out, &err), KT_OK, &err);
    json_t *first = json_array_get(out, 0);
    assert_string_equal(json_string_value(json_object_get(first, "action")), "open");
    assert_string_equal(json_string_value(json_object_get(first, "role")), "intake");
    json_t *last = json_array_get(out, json_array_size(out) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "action")), "hand_over");
    assert_string_equal(json_string_value(json_object_get(last, "to")), "handed_over");
    json_decref(out);

    /* Summary of the first day. */
    assert_int_equal(svc_day_summary(s, &intake, "2026-03-02", &out, &err), KT_EFORBIDDEN);
    t_expect(svc_day_summary(s, &sup, "2026-03-02", &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "by_state"),
                                                        "handed_over")), 1);
    json_t *steps = json_object_get(out, "steps");
    json_t *call = json_array_get(steps, 0);
    assert_string_equal(json_string_value(json_object_get(call, "step")), "call");
    assert_int_equal(json_integer_value(json_object_get(call, "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(call, "max_ms")), 30000);
    json_t *intake_step = json_array_get(steps, 1);
    assert_int_equal(json_integer_value(json_object_get(intake_step, "max_ms")), T_MIN);
    json_decref(out);
    assert_true(n_events >= 10);
    svc_close(s);
}

static void test_refusals(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    kt_error err;
    json_t *out = NULL;
    open_app(s, take_and_call(s, "rekam_baru"), "", "baru", KT_EREFUSED, "referred", "no_nik");
    open_app(s, take_and_call(s, "rekam_baru"), NIK_UNKNOWN, "baru", KT_EREFUSED, "referred",
             "not_found_in_siak");
    open_app(s, take_and_call(s, "rekam_baru"), "3671109912900001", "baru", KT_EREFUSED,
             "referred", "nik_invalid");
    open_app(s, take_and_call(s, "rekam_baru"), NIK_CHILD, "baru", KT_EREFUSED, "rejected",
             "under_age");
    open_app(s, take_and_call(s, "rekam_baru"), NIK_WED, "baru", KT_OK, "called", "");
    open_app(s, take_and_call(s, "rekam_baru"), NIK_CARD, "baru", KT_EREFUSED, "rejected",
             "has_valid_card");
    /* Kind not served by the ticket's service. */
    int64_t tk = take_and_call(s, "rekam_baru");
    svc_actor in = t_actor("intake", 1, 1), op = t_actor("operator", 2, 0);
    json_t *req = json_pack("{s:I, s:s, s:s}", "ticket_id", (json_int_t)tk, "nik", NIK_ADULT,
                            "kind", "hilang");
    assert_int_equal(svc_app_open(s, &in, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "kind_mismatch");
    json_decref(req);
    /* Wrong role opens. */
    req = json_pack("{s:I, s:s, s:s}", "ticket_id", (json_int_t)tk, "nik", NIK_ADULT, "kind",
                    "baru");
    assert_int_equal(svc_app_open(s, &op, req, &out, &err), KT_EFORBIDDEN);
    /* Open once; the same ticket cannot open a second application. */
    t_expect(svc_app_open(s, &in, req, &out, &err), KT_OK, &err);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    assert_int_equal(svc_app_open(s, &in, req, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "ticket_not_called");
    json_decref(req);
    /* Refer needs a reason; return_incomplete ends it; nothing more afterwards. */
    assert_int_equal(svc_app_act(s, &in, id, "refer", NULL, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "reason_missing");
    t_expect(svc_app_act(s, &in, id, "return_incomplete", NULL, &out, &err), KT_OK, &err);
    json_decref(out);
    assert_int_equal(svc_app_act(s, &in, id, "reject", NULL, &out, &err), KT_EINVAL);
    req = json_pack("{s:s}", "reason", "other");
    assert_int_equal(svc_app_act(s, &in, id, "reject", req, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "illegal_transition");
    json_decref(req);
    /* The day counts every outcome. */
    svc_actor sup = t_actor("supervisor", 4, 0);
    t_expect(svc_day_summary(s, &sup, NULL, &out, &err), KT_OK, &err);
    json_t *by_state = json_object_get(out, "by_state");
    assert_int_equal(json_integer_value(json_object_get(by_state, "referred")), 3);
    assert_int_equal(json_integer_value(json_object_get(by_state, "rejected")), 2);
    assert_int_equal(json_integer_value(json_object_get(by_state, "incomplete")), 1);
    json_decref(out);
    svc_close(s);
}

static void test_data_change(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    kt_error err;
    json_t *out = NULL, *req = NULL;
    svc_actor in = t_actor("intake", 1, 1), op = t_actor("operator", 2, 0);
    int64_t id = open_app(s, take_and_call(s, "perubahan_data"), NIK_CARD, "perubahan", KT_OK,
                          "called", "");
    /* perubahan needs the fields; marital status needs the certificate too. */
    req = json_pack("{s:[s,s,s], s:[s]}", "documents", "pengantar_rt_rw", "kk_copy", "ktp_asli",
                    "change_fields", "marital_status");
    assert_int_equal(svc_app_check(s, &in, id, req, &out, &err), KT_EREFUSED);
    json_t *missing = json_object_get(out, "documents_missing");
    assert_int_equal(json_array_size(missing), 1);
    assert_string_equal(json_string_value(json_array_get(missing, 0)), "akta_status");
    json_decref(out);
    json_decref(req);
    req = json_pack("{s:[s,s,s,s], s:[s]}", "documents", "pengantar_rt_rw", "kk_copy",
                    "ktp_asli", "akta_status", "change_fields", "marital_status");
    t_expect(svc_app_check(s, &in, id, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    /* Bad values change nothing. */
    req = json_pack("{s:{s:i}}", "changes", "marital_status", 9);
    assert_int_equal(svc_app_change_data(s, &op, id, req, &out, &err), KT_EINVAL);
    json_decref(req);
    req = json_pack("{s:{s:s}}", "changes", "nik", "1");
    assert_int_equal(svc_app_change_data(s, &op, id, req, &out, &err), KT_EINVAL);
    json_decref(req);
    req = json_pack("{s:{s:i, s:s}}", "changes", "marital_status", 3, "address", "JL. BARU 9");
    assert_int_equal(svc_app_change_data(s, &in, id, req, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_app_change_data(s, &op, id, req, &out, &err), KT_OK, &err);
    json_decref(req);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "data_changed");
    json_t *ch = json_object_get(out, "changes");
    assert_int_equal(json_array_size(ch), 2);
    int seen = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *c = json_array_get(ch, i);
        if (strcmp(json_string_value(json_object_get(c, "field")), "marital_status") == 0) {
            assert_string_equal(json_string_value(json_object_get(c, "before")), "2");
            assert_string_equal(json_string_value(json_object_get(c, "after")), "3");
            seen = 1;
        }
    }
    assert_true(seen);
    json_decref(out);
    svc_actor sys = svc_system_actor();
    t_expect(svc_resident_get(s, &sys, NIK_CARD, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "marital_status")), 3);
    assert_string_equal(json_string_value(json_object_get(out, "address")), "JL. BARU 9");
    json_decref(out);
    svc_close(s);
}

static void test_accounts(void **state)
{
    (void)state;
    svc *s = t_open();
    kt_error err;
    json_t *out = NULL;
    svc_actor sys = svc_system_actor(), in = t_actor("intake", 1, 1);
    json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:i}", "username", "siti", "full_name",
                            "Siti", "role", "intake", "password", "rahasia123", "loket", 1);
    assert_int_equal(svc_user_add(s, &in, req, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_user_add(s, &sys, req, &out, &err), KT_OK, &err);
    assert_null(json_object_get(out, "password"));
    json_decref(out);
    assert_int_equal(svc_user_add(s, &sys, req, &out, &err), KT_ECONFLICT);
    json_decref(req);
    req = json_pack("{s:s, s:s, s:s}", "username", "x", "role", "intake", "password", "rahasia123");
    assert_int_equal(svc_user_add(s, &sys, req, &out, &err), KT_EINVAL);
    json_decref(req);
    req = json_pack("{s:s, s:s, s:s}", "username", "camat", "role", "king", "password", "rahasia123");
    assert_int_equal(svc_user_add(s, &sys, req, &out, &err), KT_EINVAL);
    json_decref(req);
    char token[65];
    svc_actor me;
    assert_int_equal(svc_login(s, "siti", "salah-sekali", 1, NULL, token, &me, &err), KT_EUNAUTH);
    assert_int_equal(svc_login(s, "nobody", "rahasia123", 1, NULL, token, &me, &err), KT_EUNAUTH);
    t_expect(svc_login(s, "siti", "rahasia123", 2, NULL, token, &me, &err), KT_OK, &err);
    assert_int_equal(strlen(token), 64);
    assert_string_equal(me.role, "intake");
    assert_int_equal(me.loket, 2);
    svc_actor again;
    t_expect(svc_session(s, token, &again, &err), KT_OK, &err);
    assert_int_equal(again.user_id, me.user_id);
    /* Expires after 8 hours. */
    t_now += 8 * 60 * T_MIN + 1;
    assert_int_equal(svc_session(s, token, &again, &err), KT_EUNAUTH);
    t_now = T_BASE;
    t_expect(svc_logout(s, token, &err), KT_OK, &err);
    assert_int_equal(svc_session(s, token, &again, &err), KT_EUNAUTH);
    t_expect(svc_user_list(s, &sys, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(out), 1);
    json_decref(out);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
