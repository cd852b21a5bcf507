/*
 * test_citizen.c - the citizen's side through the real service on a real database: booking
 * (every refusal changes nothing), cancel and reschedule, kiosk check-in and the booked/walk-in
 * call rule over real calls, no-shows, the phone queue page (place, estimate, "tinggal N lagi"
 * SMS queued once), the card's status page (nothing without both values, attempts limited,
 * audited, "sudah dapat diambil" SMS), and the IKM survey (single use, tablet offer, reports,
 * CSV formula neutralised, the public view without profile or suggestions).
 * The SMS daemon itself is test_sms_gammu.c.
 */
#include "svc_test.h"

#include <sys/stat.h>

#include "store/store.h"

#define NIK_A "3671101203900001"
#define NIK_B "3671106008920005"
#define NIK_C "3671101501850006"
#define NIK_D "3671101702880007"
#define NIK_E "3671101803870008"
#define NIK_F "3671101904860009"
#define NIK_G "3671102005850010"
#define NIK_KID "3671100105120011" /* born 2012: under 17, never married */
#define NIK_CARD "3671102106800012" /* holds a valid card */
#define NIK_NOBODY "3671102207800099"

static const char *rows =
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,"
    "001,002,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_B ",3671100101090002,SITI AMINAH,TANGERANG,1992-08-20,P,13,1,1,2,5,WNI,,JL. B NO. 2,"
    "001,002,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_C ",3671100101090003,BUDI SANTOSO,TANGERANG,1985-01-15,L,13,1,2,2,5,WNI,,JL. C NO. 3,"
    "001,002,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_D ",3671100101090004,DEWI LESTARI,TANGERANG,1988-02-17,L,13,1,2,2,5,WNI,,JL. D NO. 4,"
    "001,002,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_E ",3671100101090005,EKO PRASETYO,TANGERANG,1987-03-18,L,13,1,2,2,5,WNI,,JL. E NO. 5,"
    "001,002,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_F ",3671100101090006,FAJAR NUGROHO,TANGERANG,1986-04-19,L,13,1,2,2,5,WNI,,JL. F NO. 6,"
    "001,002,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_G ",3671100101090007,GILANG RAMADHAN,TANGERANG,1985-05-20,L,13,1,2,2,5,WNI,,JL. G,"
    "001,002,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_KID ",3671100101090008,KEVIN PUTRA,TANGERANG,2012-05-01,L,13,1,1,3,1,WNI,,JL. H,"
    "001,002,3671101001,367110,4,UNREGISTERED,0\n"
    NIK_CARD ",3671100101090009,CITRA KIRANA,TANGERANG,1980-06-21,L,13,1,2,2,5,WNI,,JL. I,"
    "001,002,3671101001,367110,1,CARD_ISSUED,1\n";

static int setup(void **state)
{
    (void)state;
    return t_setup_dir();
}

static int teardown(void **state)
{
    (void)state;
    return t_rm_dir();
}

/* One number of a query (SQL through a second connection of the same service is not
   available to tests: read counts via the service's own outputs or this helper). */
static int64_t t_count(svc *s, const char *what)
{
    /* the admin's outbox view counts SMS by state; appointments are counted by svc_appt_list */
    svc_actor adm = t_actor("admin", 9, 0);
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_sms_outbox(s, &adm, &out, &err), KT_OK, &err);
    int64_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(out, "counts"), k, v)
        if (what == NULL || strcmp(k, what) == 0)
            n += json_integer_value(v);
    json_decref(out);
    return n;
}

/* The most recent SMS (body) of a kind, "" if none. Reads the outbox through the admin view. */
static void last_sms(svc *s, const char *kind, char *body, size_t cap)
{
    svc_actor adm = t_actor("admin", 9, 0);
    json_t *out = NULL;
    kt_error err;
    body[0] = '\0';
    t_expect(svc_sms_outbox(s, &adm, &out, &err), KT_OK, &err);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(out, "recent"), i, v)
        if (strcmp(json_string_value(json_object_get(v, "kind")), kind) == 0) {
            snprintf(body, cap, "%s", json_string_value(json_object_get(v, "phone")));
            break;
        }
    json_decref(out);
}

/* Weekdays 08:00-09:00, 09:00-10:00, 10:00-11:00 with `cap` places for rekam_baru and 1 for
   hilang_rusak; Wednesday 2026-03-04 a holiday. */
static void t_slots(svc *s, int cap)
{
    svc_actor adm = t_actor("admin", 9, 0);
    json_t *slots = json_array(), *out = NULL;
    kt_error err;
    for (int wd = 1; wd <= 5; wd++)
        for (int h = 8; h <= 10; h++) {
            char a[6], b[6];
            snprintf(a, sizeof a, "%02d:00", h);
            snprintf(b, sizeof b, "%02d:00", h + 1);
            json_array_append_new(slots, json_pack("{s:i, s:s, s:s, s:{s:i, s:i}}", "weekday", wd,
                                                   "start", a, "end", b, "capacity",
                                                   "rekam_baru", cap, "hilang_rusak", 1));
        }
    json_t *in = json_pack("{s:o, s:[{s:s, s:s}]}", "slots", slots, "holidays", "day",
                           "2026-03-04", "name", "Libur uji");
    t_expect(svc_appt_config_set(s, &adm, in, &out, &err), KT_OK, &err);
    json_decref(in);
    json_decref(out);
}

static json_t *book(svc *s, const char *nik, const char *day, const char *start,
                    const char *phone, kt_code want, const char *want_id)
{
    json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "service", "rekam_baru", "nik", nik, "day",
                           day, "start", start), *out = NULL;
    if (phone != NULL) {
        json_object_set_new(in, "phone", json_string(phone));
        json_object_set_new(in, "consent", json_true());
    }
    kt_error err;
    t_expect(svc_appt_book(s, in, &out, &err), want, &err);
    if (want_id != NULL)
        assert_string_equal(err.id, want_id);
    json_decref(in);
    return out;
}

/* The reads of nik's data with action in the access log (the supervisor's view of it). */
static int reads_of(svc *s, const char *nik, const char *action)
{
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL, *q = json_pack("{s:s}", "nik", nik), *v;
    kt_error err;
    size_t i;
    int n = 0;
    t_expect(svc_audit_reads(s, &sup, q, &out, &err), KT_OK, &err);
    json_array_foreach(json_object_get(out, "reads"), i, v)
        n += strcmp(json_string_value(json_object_get(v, "action")), action) == 0;
    json_decref(out);
    json_decref(q);
    return n;
}

static int64_t booked_count(svc *s, const char *day)
{
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_appt_list(s, &sup, day, &out, &err), KT_OK, &err);
    int64_t n = (int64_t)json_array_size(json_object_get(out, "appointments"));
    json_decref(out);
    return n;
}

static void test_booking(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor in = t_actor("intake", 1, 1), adm = t_actor("admin", 9, 0);
    json_t *out = NULL, *bad = NULL;
    kt_error err;

    /* Configuration: admin only; bad input changes nothing. */
    bad = json_pack("{s:[{s:i, s:s, s:s, s:{s:i}}]}", "slots", "weekday", 1, "start", "08:00",
                    "end", "09:00", "capacity", "rekam_baru", 3);
    assert_int_equal(svc_appt_config_set(s, &in, bad, &out, &err), KT_EFORBIDDEN);
    json_decref(bad);
    t_slots(s, 2);
    static const char *const bad_cfg[] = {
        "{\"slots\": [{\"weekday\": 8, \"start\": \"08:00\", \"end\": \"09:00\", \"capacity\": {\"rekam_baru\": 1}}]}",
        "{\"slots\": [{\"weekday\": 1, \"start\": \"08:00\", \"end\": \"07:00\", \"capacity\": {\"rekam_baru\": 1}}]}",
        "{\"slots\": [{\"weekday\": 1, \"start\": \"08:00\", \"end\": \"09:00\", \"capacity\": {\"pengambilan\": 1}}]}",
        "{\"slots\": [{\"weekday\": 1, \"start\": \"08:00\", \"end\": \"10:00\", \"capacity\": {\"rekam_baru\": 1}},"
        " {\"weekday\": 1, \"start\": \"09:00\", \"end\": \"11:00\", \"capacity\": {\"rekam_baru\": 1}}]}",
        "{\"holidays\": [{\"day\": \"2026-02-30\"}]}",
        "{}"};
    for (size_t i = 0; i < sizeof bad_cfg / sizeof bad_cfg[0]; i++) {
        bad = json_loads(bad_cfg[i], 0, NULL);
        assert_non_null(bad);
        assert_int_equal(svc_appt_config_set(s, &adm, bad, &out, &err), KT_EINVAL);
        assert_null(out);
        json_decref(bad);
    }
    t_expect(svc_appt_config_get(s, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(json_object_get(out, "slots")), 15);
    assert_int_equal(json_array_size(json_object_get(out, "holidays")), 1);
    json_decref(out);

    /* The days: Monday 2026-03-02 at 09:00 - the 08:00 and 09:00 slots have begun. */
    t_expect(svc_appt_days(s, "rekam_baru", &out, &err), KT_OK, &err);
    json_t *d0 = json_array_get(json_object_get(out, "days"), 0);
    assert_string_equal(json_string_value(json_object_get(d0, "day")), "2026-03-02");
    assert_string_equal(json_string_value(json_object_get(d0, "label")), "Senin, 2 Maret 2026");
    assert_int_equal(json_array_size(json_object_get(d0, "slots")), 1);
    json_t *d2 = json_array_get(json_object_get(out, "days"), 2);
    assert_string_equal(json_string_value(json_object_get(d2, "closed")), "Libur uji");
    json_decref(out);
    assert_int_equal(svc_appt_days(s, "pengambilan", &out, &err), KT_EINVAL);

    /* Bad input on the booking form: a clear message, nothing booked. */
    static const struct {
        const char *nik, *day, *start, *phone;
        kt_code rc;
        const char *id, *field;
    } refusals[] = {
        {"12345", "2026-03-03", "08:00", NULL, KT_EINVAL, "nik_invalid", "nik"},
        {"3671100000000000", "2026-03-03", "08:00", NULL, KT_EREFUSED, "nik_invalid", "nik"},
        {NIK_NOBODY, "2026-03-03", "08:00", NULL, KT_EREFUSED, "not_found_in_siak", "nik"},
        {NIK_KID, "2026-03-03", "08:00", NULL, KT_EREFUSED, "under_age", "nik"},
        {NIK_CARD, "2026-03-03", "08:00", NULL, KT_EREFUSED, "has_valid_card", "nik"},
        {NIK_A, "2026-03-01", "08:00", NULL, KT_EREFUSED, "slot_past", "day"},
        {NIK_A, "2026-03-02", "08:00", NULL, KT_EREFUSED, "slot_past", "start"},
        {NIK_A, "2026-03-04", "08:00", NULL, KT_EREFUSED, "day_closed", "day"},
        {NIK_A, "2026-03-07", "08:00", NULL, KT_EREFUSED, "slot_invalid", "start"},
        {NIK_A, "2026-03-03", "07:00", NULL, KT_EREFUSED, "slot_invalid", "start"},
        {NIK_A, "2026-05-03", "08:00", NULL, KT_EREFUSED, "too_far", "day"},
        {NIK_A, "2026-03-32", "08:00", NULL, KT_EINVAL, "date_invalid", "day"},
        {NIK_A, "2026-03-03", "8:00", NULL, KT_EINVAL, "time_invalid", "start"},
        {NIK_A, "2026-03-03", "08:00", "0812-ABC", KT_EINVAL, "phone_invalid", "phone"},
        {NIK_A, "2026-03-03", "08:00", "021 555 1234", KT_EINVAL, "phone_invalid", "phone"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        json_t *r = json_pack("{s:s, s:s, s:s, s:s}", "service", "rekam_baru", "nik",
                              refusals[i].nik, "day", refusals[i].day, "start",
                              refusals[i].start);
        if (refusals[i].phone != NULL) {
            json_object_set_new(r, "phone", json_string(refusals[i].phone));
            json_object_set_new(r, "consent", json_true());
        }
        kt_error_clear(&err);
        kt_code rc = svc_appt_book(s, r, &out, &err);
        if (rc != refusals[i].rc || strcmp(err.id, refusals[i].id) != 0)
            fprintf(stderr, "refusal %zu: %d %s %s\n", i, rc, err.id, err.message);
        assert_int_equal(rc, refusals[i].rc);
        assert_string_equal(err.id, refusals[i].id);
        assert_string_equal(err.field, refusals[i].field);
        assert_null(out);
        json_decref(r);
    }
    /* the public messages say the reason in general words: no age, no marital status */
    json_t *r = json_pack("{s:s, s:s, s:s, s:s}", "service", "rekam_baru", "nik", NIK_KID, "day",
                          "2026-03-03", "start", "08:00");
    assert_int_equal(svc_appt_book(s, r, &out, &err), KT_EREFUSED);
    assert_null(strstr(err.message, "berumur"));
    assert_null(strstr(err.message, "KEVIN"));
    json_decref(r);
    /* a phone without consent */
    r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "service", "rekam_baru", "nik", NIK_A, "day",
                  "2026-03-03", "start", "08:00", "phone", "081234567890");
    assert_int_equal(svc_appt_book(s, r, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "consent_required");
    json_decref(r);
    assert_int_equal(booked_count(s, "2026-03-03"), 0);
    assert_int_equal(t_count(s, NULL), 0);

    /* A booking: the code is the key; no NIK, no phone in the answer. */
    json_t *a = book(s, NIK_A, "2026-03-03", "08:00", "0812-3456-7890", KT_OK, NULL);
    const char *code = json_string_value(json_object_get(a, "code"));
    assert_int_equal(strlen(code), 9);
    assert_string_equal(json_string_value(json_object_get(a, "state")), "booked");
    assert_string_equal(json_string_value(json_object_get(a, "day_label")),
                        "Selasa, 3 Maret 2026");
    assert_null(json_object_get(a, "nik"));
    assert_null(json_object_get(a, "phone"));
    assert_string_equal(json_string_value(json_object_get(a, "nik_masked")), "367110******0001");
    char *dump = json_dumps(a, 0);
    assert_null(strstr(dump, NIK_A));
    assert_null(strstr(dump, "3456"));
    free(dump);
    assert_int_equal(t_count(s, "pending"), 1); /* the confirmation, queued with the booking */
    char shown[16];
    snprintf(shown, sizeof shown, "%s", json_string_value(json_object_get(a, "code_shown")));

    /* one active booking per NIK and service; the slot's capacity */
    json_decref(book(s, NIK_A, "2026-03-05", "09:00", NULL, KT_ECONFLICT, "already_booked"));
    json_decref(book(s, NIK_B, "2026-03-03", "08:00", NULL, KT_OK, NULL));
    json_decref(book(s, NIK_C, "2026-03-03", "08:00", NULL, KT_ECONFLICT, "slot_full"));
    assert_int_equal(booked_count(s, "2026-03-03"), 2);

    /* by the code: typed with spaces and lower case; a typo is caught; an unknown code */
    char typed[32];
    snprintf(typed, sizeof typed, " %s ", shown);
    for (char *p = typed; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    t_expect(svc_appt_get(s, typed, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "code")), code);
    json_decref(out);
    char typo[16];
    snprintf(typo, sizeof typo, "%s", code);
    typo[2] = typo[2] == '7' ? '8' : '7';
    assert_int_equal(svc_appt_get(s, typo, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "code_mistyped");
    assert_int_equal(svc_appt_get(s, "000000000", &out, &err), KT_ENOTFOUND);
    assert_string_equal(err.id, "appointment_not_found");
    /* the reads of a person's data are in the access log: the screening of each booking, a
       refused one too (its answer tells about the person), and the booking's page */
    assert_int_equal(reads_of(s, NIK_A, "appointment_book"), 2); /* booked, already_booked */
    assert_int_equal(reads_of(s, NIK_KID, "appointment_book"), 2); /* both refusals */
    assert_int_equal(reads_of(s, NIK_A, "appointment_read"), 1);
    /* the staff's list of the day (booked_count's): everyone on it, whole NIKs in the log */
    assert_int_equal(reads_of(s, NIK_A, "list_appointments"), 1);
    assert_int_equal(reads_of(s, NIK_B, "list_appointments"), 1);
    assert_int_equal(reads_of(s, NIK_C, "list_appointments"), 0);

    /* reschedule: into a full slot refused, then to Thursday; the SMS says "diubah" */
    json_t *mv = json_pack("{s:s, s:s}", "day", "2026-03-03", "start", "08:00");
    json_decref(book(s, NIK_C, "2026-03-03", "09:00", NULL, KT_OK, NULL));
    json_decref(book(s, NIK_D, "2026-03-03", "09:00", NULL, KT_OK, NULL));
    json_decref(mv);
    mv = json_pack("{s:s, s:s}", "day", "2026-03-03", "start", "09:00");
    assert_int_equal(svc_appt_reschedule(s, code, mv, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "slot_full");
    json_decref(mv);
    mv = json_pack("{s:s, s:s}", "day", "2026-03-05", "start", "10:00");
    t_expect(svc_appt_reschedule(s, code, mv, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "day")), "2026-03-05");
    assert_int_equal(json_integer_value(json_object_get(out, "reschedules")), 1);
    json_decref(out);
    json_decref(mv);
    assert_int_equal(t_count(s, "pending"), 2);

    /* cancel, twice */
    t_expect(svc_appt_cancel(s, code, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "cancelled");
    assert_false(json_is_true(json_object_get(out, "sms"))); /* the number is erased */
    json_decref(out);
    assert_int_equal(svc_appt_cancel(s, code, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "appointment_not_active");
    /* cancelled frees the NIK for a new booking */
    json_decref(book(s, NIK_A, "2026-03-05", "09:00", NULL, KT_OK, NULL));
    json_decref(a);
    svc_close(s);
}

/* Check-in at the kiosk, the window around the slot, no-shows, and the call rule over real
   calls: booked tickets first, a walk-in after every 2 booked calls. */
static void test_checkin_and_call_rule(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor in = t_actor("intake", 1, 1), sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    kt_error err;
    t_slots(s, 10);
    /* Monday 09:00: four bookings for 10:00 today, one for tomorrow */
    static const char *const niks[] = {NIK_A, NIK_B, NIK_C, NIK_D, NIK_E};
    char codes[5][16];
    for (int i = 0; i < 5; i++) {
        json_t *a = book(s, niks[i], i == 4 ? "2026-03-03" : "2026-03-02", "10:00", NULL, KT_OK,
                         NULL);
        snprintf(codes[i], sizeof codes[i], "%s", json_string_value(json_object_get(a, "code")));
        json_decref(a);
    }
    json_t *ci = json_pack("{s:s}", "code", codes[0]);
    assert_int_equal(svc_appt_checkin(s, NULL, ci, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "checkin_too_early");
    assert_non_null(strstr(err.message, "09.30"));
    json_decref(ci);
    ci = json_pack("{s:s}", "code", codes[4]);
    assert_int_equal(svc_appt_checkin(s, NULL, ci, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "appointment_other_day");
    json_decref(ci);
    ci = json_pack("{s:s}", "code", "bukan kode");
    assert_int_equal(svc_appt_checkin(s, NULL, ci, &out, &err), KT_EINVAL);
    json_decref(ci);

    t_now += 40 * T_MIN; /* 09:40 */
    /* walk-ins first in time, then three booked check-ins */
    for (int i = 0; i < 4; i++) {
        json_t *req = json_pack("{s:s}", "service", "rekam_baru");
        t_expect(svc_ticket_take(s, req, &out, &err), KT_OK, &err);
        assert_non_null(json_object_get(out, "track_url"));
        json_decref(out);
        json_decref(req);
        t_now += 1000;
    }
    for (int i = 0; i < 3; i++) {
        ci = json_pack("{s:s}", "code", codes[i]);
        t_expect(svc_appt_checkin(s, NULL, ci, &out, &err), KT_OK, &err);
        assert_true(json_is_true(json_object_get(out, "booked")));
        assert_non_null(json_object_get(out, "track"));
        assert_string_equal(json_string_value(json_object_get(out, "service")), "rekam_baru");
        json_decref(out);
        assert_int_equal(svc_appt_checkin(s, NULL, ci, &out, &err), KT_ECONFLICT);
        assert_string_equal(err.id, "already_checked_in");
        json_decref(ci);
        t_now += 1000;
    }
    /* The order of calls: B B W B W W W (3 booked, 4 walk-ins; B = 2). */
    const char *want = "BBWBWWW";
    json_t *call = json_pack("{s:[s]}", "services", "rekam_baru");
    for (size_t k = 0; k < strlen(want); k++) {
        t_now += T_MIN;
        t_expect(svc_ticket_call_next(s, &in, call, &out, &err), KT_OK, &err);
        int booked = json_is_true(json_object_get(out, "booked"));
        assert_int_equal(booked, want[k] == 'B');
        json_decref(out);
    }
    json_decref(call);
    /* No-shows: the 4th booking of today was never checked in; at 11:00 it counts. */
    t_now = T_BASE + 2 * 60 * T_MIN + T_MIN; /* 11:01 */
    ci = json_pack("{s:s}", "code", codes[3]);
    assert_int_equal(svc_appt_checkin(s, NULL, ci, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "appointment_expired");
    json_decref(ci);
    t_expect(svc_appt_list(s, &sup, "2026-03-02", &out, &err), KT_OK, &err);
    json_t *c = json_object_get(out, "counts");
    assert_int_equal(json_integer_value(json_object_get(c, "checked_in")), 3);
    assert_int_equal(json_integer_value(json_object_get(c, "no_show")), 1);
    json_t *first = json_array_get(json_object_get(out, "appointments"), 0);
    assert_null(json_object_get(first, "code")); /* staff lists carry no key to change it */
    assert_string_equal(json_string_value(json_object_get(first, "nik_masked")),
                        "367110******0001");
    json_decref(out);
    svc_close(s);
}

static void test_phone_queue(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor in = t_actor("intake", 1, 1);
    json_t *out = NULL;
    kt_error err;
    char track[8][40];
    for (int i = 0; i < 8; i++) {
        json_t *req = json_pack("{s:s}", "service", i % 2 ? "perubahan_data" : "rekam_baru");
        t_expect(svc_ticket_take(s, req, &out, &err), KT_OK, &err);
        snprintf(track[i], sizeof track[i], "%s", json_string_value(json_object_get(out, "track")));
        const char *url = json_string_value(json_object_get(out, "track_url"));
        assert_non_null(strstr(url, "/antrian.html#"));
        json_decref(out);
        json_decref(req);
        t_now += 1000;
    }
    /* The 8th: 7 intake tickets before it (A and B share the intake lokets). No calls yet:
       the SOP's 6 minutes stand in, one loket. */
    t_expect(svc_ticket_track(s, track[7], &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "waiting");
    assert_int_equal(json_integer_value(json_object_get(out, "ahead")), 7);
    assert_int_equal(json_integer_value(json_object_get(out, "wait_min")), 45); /* 7.5 x 6 */
    assert_false(json_is_true(json_object_get(json_object_get(out, "estimate"), "measured")));
    char *dump = json_dumps(out, 0);
    assert_null(strstr(dump, "nik"));
    free(dump);
    json_decref(out);
    /* a changed token opens nothing */
    char forged[40];
    snprintf(forged, sizeof forged, "%s", track[7]);
    forged[3] = forged[3] == 'A' ? 'B' : 'A';
    assert_int_equal(svc_ticket_track(s, forged, &out, &err), KT_ENOTFOUND);
    assert_string_equal(err.id, "ticket_not_found");
    assert_int_equal(svc_ticket_track(s, "1", &out, &err), KT_ENOTFOUND);

    /* SMS for the 8th: bad number, no consent, then given */
    json_t *ph = json_pack("{s:s, s:b}", "phone", "08123", "consent", 1);
    assert_int_equal(svc_ticket_phone(s, track[7], ph, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "phone_invalid");
    json_decref(ph);
    ph = json_pack("{s:s}", "phone", "081298765432");
    assert_int_equal(svc_ticket_phone(s, track[7], ph, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "consent_required");
    json_decref(ph);
    ph = json_pack("{s:s, s:b}", "phone", "081298765432", "consent", 1);
    t_expect(svc_ticket_phone(s, track[7], ph, &out, &err), KT_OK, &err);
    dump = json_dumps(out, 0);
    assert_null(strstr(dump, "98765"));
    free(dump);
    json_decref(out);
    json_decref(ph);
    assert_int_equal(t_count(s, NULL), 0);

    /* Calls every 5 minutes at loket 1: the cycle is measured; at 3 ahead the SMS is queued,
       once. */
    json_t *call = json_pack("{s:[s, s]}", "services", "rekam_baru", "perubahan_data");
    for (int k = 0; k < 4; k++) {
        t_now += 5 * T_MIN;
        t_expect(svc_ticket_call_next(s, &in, call, &out, &err), KT_OK, &err);
        json_decref(out);
        assert_int_equal(t_count(s, NULL), k >= 3 ? 1 : 0);
    }
    char masked[40];
    last_sms(s, "queue_near", masked, sizeof masked);
    assert_string_equal(masked, "+62812****5432");
    t_expect(svc_ticket_track(s, track[7], &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "ahead")), 3);
    json_t *est = json_object_get(out, "estimate");
    assert_true(json_is_true(json_object_get(est, "measured")));
    assert_int_equal(json_integer_value(json_object_get(est, "cycle_s")), 300);
    assert_int_equal(json_integer_value(json_object_get(out, "wait_min")), 18); /* 3.5 x 5 */
    assert_true(json_is_true(json_object_get(out, "sms")));
    json_decref(out);
    t_now += 5 * T_MIN;
    t_expect(svc_ticket_call_next(s, &in, call, &out, &err), KT_OK, &err);
    json_decref(out);
    assert_int_equal(t_count(s, NULL), 1);
    /* the first ticket was called: its page shows the loket */
    t_expect(svc_ticket_track(s, track[0], &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "called");
    assert_int_equal(json_integer_value(json_object_get(out, "loket")), 1);
    assert_null(json_object_get(out, "ahead"));
    json_decref(out);
    /* a called ticket takes no number */
    ph = json_pack("{s:s, s:b}", "phone", "081298765432", "consent", 1);
    assert_int_equal(svc_ticket_phone(s, track[0], ph, &out, &err), KT_ECONFLICT);
    json_decref(ph);
    json_decref(call);
    svc_close(s);
}

/* Recorded and given a receipt; the application's id (its receipt number in no). */
static int64_t to_receipt(svc *s, const char *nik, char no[40])
{
    int64_t id = t_take_call_open(s, nik, NULL);
    t_check_docs(s, id, 4, KT_OK);
    t_record_receipt(s, id, no);
    return id;
}

/* The row link_node.c's status applier leaves for an application's rekam packet: what the
   central said last about it. */
static void outbox_status(int64_t app_id, const char *central_status)
{
    store *db = NULL;
    store_stmt *st = NULL;
    kt_error err;
    char pid[40];
    snprintf(pid, sizeof pid, "367110-01-%08lld", (long long)app_id);
    t_expect(store_open(t_db, NULL, &db, &err), KT_OK, &err);
    t_expect(store_prepare(db,
                           "INSERT INTO link_outbox (packet_id, seq, kind, application_id,"
                           " header, state, created_at, central_status) VALUES (?, ?, 'rekam',"
                           " ?, '{}', 'sent', 0, ?)",
                           &st, &err),
             KT_OK, &err);
    store_bind_text(st, 1, pid, -1);
    store_bind_int(st, 2, app_id);
    store_bind_int(st, 3, app_id);
    store_bind_text(st, 4, central_status, -1);
    t_expect(store_run(st, &err), KT_OK, &err);
    store_close(db);
}

static json_t *status(svc *s, const char *no, const char *bd, kt_code want, const char *id)
{
    json_t *in = json_pack("{s:s, s:s}", "receipt_no", no, "birth_date", bd), *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    t_expect(svc_card_status(s, in, &out, &err), want, &err);
    if (id != NULL)
        assert_string_equal(err.id, id);
    json_decref(in);
    return out;
}

static void test_card_status(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor sup = t_actor("supervisor", 4, 0), ho = t_actor("handover", 3, 3);
    json_t *out = NULL;
    kt_error err;
    char no[40], no2[40];
    int64_t id = to_receipt(s, NIK_A, no);
    int64_t id2 = to_receipt(s, NIK_B, no2);
    assert_string_equal(no, "NGS-20260302-0001");
    /* booking while the application is under way: intake's objection in the public's words,
       without the application's number or state */
    t_slots(s, 2);
    {
        json_t *bk = json_pack("{s:s, s:s, s:s, s:s}", "service", "rekam_baru", "nik", NIK_A,
                               "day", "2026-03-05", "start", "09:00");
        kt_error eb;
        assert_int_equal(svc_appt_book(s, bk, &out, &eb), KT_ECONFLICT);
        assert_string_equal(eb.id, "application_open");
        assert_null(strchr(eb.message, '#'));
        assert_null(strstr(eb.message, "direkam"));
        json_decref(bk);
    }

    /* both values, or nothing: the same answer for a wrong date and an unknown number */
    json_t *a = status(s, no, "1990-03-12", KT_OK, NULL);
    assert_string_equal(json_string_value(json_object_get(a, "stage")), "recorded");
    assert_true(json_is_true(json_object_get(a, "sms_offer")));
    char *dump = json_dumps(a, 0);
    assert_null(strstr(dump, NIK_A));
    assert_null(strstr(dump, "AHMAD"));
    free(dump);
    json_decref(a);
    kt_error e1, e2;
    json_t *in = json_pack("{s:s, s:s}", "receipt_no", no, "birth_date", "1990-03-13");
    assert_int_equal(svc_card_status(s, in, &out, &e1), KT_ENOTFOUND);
    json_decref(in);
    in = json_pack("{s:s, s:s}", "receipt_no", "NGS-20260302-9999", "birth_date", "1990-03-12");
    assert_int_equal(svc_card_status(s, in, &out, &e2), KT_ENOTFOUND);
    json_decref(in);
    assert_string_equal(e1.message, e2.message);
    assert_string_equal(e1.id, "status_not_found");
    /* someone else's birth date with my receipt number */
    json_decref(status(s, no, "1992-08-20", KT_ENOTFOUND, "status_not_found"));
    /* shapes */
    json_decref(status(s, "NGS;DROP", "1990-03-12", KT_EINVAL, "receipt_no_invalid"));
    json_decref(status(s, no, "12-03-1990", KT_EINVAL, "date_invalid"));
    json_decref(status(s, "", "1990-03-12", KT_EINVAL, "field_missing"));
    /* lower case and spaces are the same number */
    a = status(s, "ngs-20260302-0001 ", "1990-03-12", KT_OK, NULL);
    json_decref(a);

    /* the SMS: bad number, no consent, then given */
    in = json_pack("{s:s, s:s, s:s, s:b}", "receipt_no", no, "birth_date", "1990-03-12", "phone",
                   "0812", "consent", 1);
    assert_int_equal(svc_card_status(s, in, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "phone_invalid");
    json_decref(in);
    in = json_pack("{s:s, s:s, s:s, s:b}", "receipt_no", no, "birth_date", "1990-03-12", "phone",
                   "+62 878-1234-5678", "consent", 1);
    t_expect(svc_card_status(s, in, &out, &err), KT_OK, &err);
    assert_true(json_is_true(json_object_get(out, "sms")));
    json_decref(out);
    json_decref(in);

    /* where the card is, step by step, and "sudah dapat diambil" once printed */
    static const struct {
        const char *act, *stage;
    } steps[] = {{"send", "sent"}, {"print_ready", "print_ready"}, {"print", "ready"}};
    for (int i = 0; i < 3; i++) {
        t_now += T_MIN;
        t_expect(svc_app_act(s, &sup, id, steps[i].act, NULL, &out, &err), KT_OK, &err);
        json_decref(out);
        a = status(s, no, "1990-03-12", KT_OK, NULL);
        assert_string_equal(json_string_value(json_object_get(a, "stage")), steps[i].stage);
        json_t *st = json_array_get(json_object_get(a, "steps"), (size_t)i + 1);
        assert_true(json_is_true(json_object_get(st, "done")));
        json_decref(a);
    }
    assert_int_equal(t_count(s, NULL), 1);
    char masked[40];
    last_sms(s, "card_ready", masked, sizeof masked);
    assert_string_equal(masked, "+62878****5678");
    /* the reads are audited */
    assert_int_equal(reads_of(s, NIK_A, "card_status"), 6); /* the answers, not the misses */
    t_expect(svc_app_events(s, &sup, id, &out, &err), KT_OK, &err);
    int phones = 0;
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v)
        phones += strcmp(json_string_value(json_object_get(v, "action")), "phone_given") == 0;
    assert_int_equal(phones, 1); /* the number given on the status page is a change: an event */
    json_decref(out);

    /* a duplicate found at the central: what to do */
    t_expect(svc_app_act(s, &sup, id2, "send", NULL, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(svc_app_act(s, &sup, id2, "central_duplicate", NULL, &out, &err), KT_OK, &err);
    json_decref(out);
    a = status(s, no2, "1992-08-20", KT_OK, NULL);
    assert_string_equal(json_string_value(json_object_get(a, "stage")), "duplicate");
    assert_non_null(strstr(json_string_value(json_object_get(a, "advice")), "KK asli"));
    json_decref(a);
    /* On a node linked to Disdukcapil the status feed's word refines it (tests/api/test_link.c
       runs the real city; here the outbox row is written as the feed leaves it). */
    outbox_status(id2, "ADJUDICATE_RECORD");
    a = status(s, no2, "1992-08-20", KT_OK, NULL);
    assert_string_equal(json_string_value(json_object_get(a, "stage")), "central_check");
    assert_non_null(strstr(json_string_value(json_object_get(a, "advice")), "Tidak ada yang perlu"));
    json_decref(a);
    /* Disdukcapil could not enrol the third: recorded again at the kecamatan */
    char no3[40];
    int64_t id3 = to_receipt(s, NIK_C, no3);
    t_expect(svc_app_act(s, &sup, id3, "send", NULL, &out, &err), KT_OK, &err);
    json_decref(out);
    json_t *why = json_pack("{s:s, s:s}", "reason", "other", "note", "kualitas sidik jari");
    t_expect(svc_app_act(s, &sup, id3, "reject", why, &out, &err), KT_OK, &err);
    json_decref(why);
    json_decref(out);
    a = status(s, no3, "1985-01-15", KT_OK, NULL);
    assert_string_equal(json_string_value(json_object_get(a, "stage")), "rejected");
    json_decref(a);
    outbox_status(id3, "ENROLL_FAILURE_AT_CENTRAL");
    a = status(s, no3, "1985-01-15", KT_OK, NULL);
    assert_string_equal(json_string_value(json_object_get(a, "stage")), "enroll_failed");
    assert_non_null(strstr(json_string_value(json_object_get(a, "advice")), "perekaman ulang"));
    json_decref(a);
    /* attempts: 5 failures within the hour refuse even the right date; an hour later open */
    for (int k = 0; k < 5; k++)
        json_decref(status(s, no2, "2000-01-01", KT_ENOTFOUND, "status_not_found"));
    json_decref(status(s, no2, "1992-08-20", KT_ELIMIT, "too_many_attempts"));
    {   /* "too many, retry after N s" the one way (429 with Retry-After over HTTP) */
        kt_error el;
        json_t *q = json_pack("{s:s, s:s}", "receipt_no", no2, "birth_date", "1992-08-20");
        assert_int_equal(svc_card_status(s, q, &out, &el), KT_ELIMIT);
        assert_int_equal(el.retry_s, 3600);
        assert_non_null(strstr(el.message, "60 menit"));
        json_decref(q);
    }
    json_decref(status(s, "NGS-20260302-7777", "1992-08-20", KT_ENOTFOUND, NULL));
    t_now += 61 * T_MIN;
    a = status(s, no2, "1992-08-20", KT_OK, NULL);
    json_decref(a);
    (void)ho;
    svc_close(s);
}

static json_t *answers(int v)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "persyaratan", v,
                     "prosedur", v, "waktu", v, "biaya", 4, "produk", v, "kompetensi", v,
                     "perilaku", v, "pengaduan", v, "sarana", v);
}

static void test_survey(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor sup = t_actor("supervisor", 4, 0), ho = t_actor("handover", 3, 3),
              in = t_actor("intake", 1, 1);
    json_t *out = NULL, *req = NULL;
    kt_error err;
    char no[40];
    int64_t id = to_receipt(s, NIK_A, no);
    int64_t id2 = to_receipt(s, NIK_B, no);
    int64_t no_receipt = t_take_call_open(s, NIK_C, NULL);

    /* The receipt's survey QR. */
    unsigned char *pdf = NULL;
    size_t len = 0;
    t_expect(svc_doc_receipt(s, &ho, id, &pdf, &len, &err), KT_OK, &err);
    free(pdf);
    json_t *tab = NULL;
    /* The tablet: nothing offered yet; the officer offers; the tablet takes it once. */
    assert_int_equal(svc_survey_tablet(s, 3, &tab, &err), KT_ENOTFOUND);
    assert_string_equal(err.id, "no_survey_offer");
    assert_int_equal(svc_survey_offer(s, &in, id, &out, &err), KT_EFORBIDDEN);
    assert_int_equal(svc_survey_offer(s, &ho, no_receipt, &out, &err), KT_ECONFLICT);
    t_expect(svc_survey_offer(s, &ho, id, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(svc_survey_tablet(s, 3, &tab, &err), KT_OK, &err);
    assert_int_equal(json_array_size(json_object_get(tab, "elements")), 9);
    assert_int_equal(svc_survey_tablet(s, 3, &out, &err), KT_ENOTFOUND);
    const char *token = json_string_value(json_object_get(tab, "token"));
    t_expect(svc_survey_get(s, token, &out, &err), KT_OK, &err);
    json_decref(out);

    /* bad answers change nothing */
    req = json_pack("{s:s, s:o, s:i, s:s, s:s, s:s}", "token", token, "answers", answers(3),
                    "age", 34, "sex", "L", "education", "s1", "occupation", "swasta");
    json_object_del(json_object_get(req, "answers"), "sarana");
    assert_int_equal(svc_survey_submit(s, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "sarana");
    json_object_set_new(json_object_get(req, "answers"), "sarana", json_integer(5));
    assert_int_equal(svc_survey_submit(s, req, &out, &err), KT_EINVAL);
    json_object_set_new(json_object_get(req, "answers"), "sarana", json_integer(3));
    json_object_set_new(req, "age", json_integer(7));
    assert_int_equal(svc_survey_submit(s, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "age");
    json_object_set_new(req, "age", json_integer(34));
    json_object_set_new(req, "education", json_string("kuliah"));
    assert_int_equal(svc_survey_submit(s, req, &out, &err), KT_EINVAL);
    json_object_set_new(req, "education", json_string("s1"));
    json_object_set_new(req, "suggestion", json_string("=HYPERLINK(\"http://x\")"));
    t_expect(svc_survey_submit(s, req, &out, &err), KT_OK, &err);
    json_decref(out);
    /* used once */
    assert_int_equal(svc_survey_submit(s, req, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "survey_used");
    assert_int_equal(svc_survey_get(s, token, &out, &err), KT_ECONFLICT);
    json_decref(req);
    json_decref(tab);
    /* a made-up token, an application without a receipt */
    assert_int_equal(svc_survey_get(s, "AAAAAAAAAAAAAAAAAAAAAAAA", &out, &err), KT_ENOTFOUND);
    assert_int_equal(svc_survey_offer(s, &ho, no_receipt, &out, &err), KT_ECONFLICT);

    /* the second respondent, all 4s, from the receipt's QR */
    t_expect(svc_survey_offer(s, &ho, id2, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(svc_survey_tablet(s, 3, &tab, &err), KT_OK, &err);
    req = json_pack("{s:O, s:o, s:i, s:s, s:s, s:s, s:s}", "token", json_object_get(tab, "token"),
                    "answers", answers(4), "age", 61, "sex", "P", "education", "sma",
                    "occupation", "wirausaha", "suggestion", "Ruang tunggu kurang kursi");
    t_expect(svc_survey_submit(s, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    json_decref(tab);

    /* The report: respondent 1: eight 3s and biaya 4 (sum 28); respondent 2: all 4 (36).
       T = 64, n = 2: IKM = 25 x 64 / 18 = 88.888... -> 88.89, A. */
    assert_int_equal(svc_ikm_report(s, &ho, "2026-03", &out, &err), KT_EFORBIDDEN);
    t_expect(svc_ikm_report(s, &sup, "2026-03", &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "respondents")), 2);
    assert_string_equal(json_string_value(json_object_get(out, "ikm")), "88.89");
    assert_string_equal(json_string_value(json_object_get(out, "grade")), "A");
    assert_int_equal(json_integer_value(json_object_get(out, "population")), 2);
    assert_int_equal(json_integer_value(json_object_get(out, "sample_required")), 2);
    assert_true(json_is_true(json_object_get(out, "sample_met")));
    json_t *biaya = json_array_get(json_object_get(out, "elements"), 3);
    assert_string_equal(json_string_value(json_object_get(biaya, "nrr")), "4.000");
    assert_string_equal(json_string_value(json_object_get(biaya, "value")), "100.00");
    assert_int_equal(json_array_size(json_object_get(out, "suggestions")), 2);
    json_decref(out);
    assert_int_equal(svc_ikm_report(s, &sup, "2026-13", &out, &err), KT_EINVAL);
    t_expect(svc_ikm_report(s, &sup, "2026-Q2", &out, &err), KT_OK, &err);
    assert_true(json_is_null(json_object_get(out, "ikm")));
    json_decref(out);
    /* CSV: a suggestion that starts a formula is neutralised */
    char *csv = NULL;
    t_expect(svc_ikm_report_csv(s, &sup, "2026", &csv, &len, &err), KT_OK, &err);
    assert_non_null(strstr(csv, "\"'=HYPERLINK("));
    assert_non_null(strstr(csv, "ikm,ikm,IKM unit layanan (Tahun 2026),,88.89,A"));
    free(csv);
    t_expect(svc_ikm_report_pdf(s, &sup, "2026-Q1", &pdf, &len, &err), KT_OK, &err);
    assert_memory_equal(pdf, "%PDF-", 5);
    free(pdf);
    /* the public view: the figures, no profile, no suggestion */
    t_expect(svc_ikm_public(s, &out, &err), KT_OK, &err);
    json_t *latest = json_object_get(out, "latest");
    assert_string_equal(json_string_value(json_object_get(latest, "ikm")), "88.89");
    assert_null(json_object_get(latest, "suggestions"));
    assert_null(json_object_get(latest, "profile"));
    char *dump = json_dumps(out, 0);
    assert_null(strstr(dump, "kursi"));
    free(dump);
    json_decref(out);
    svc_close(s);
}

/* The day-before reminder: from 09.00 WIB on the day before, once, only for bookings made
   before that day; a no-show loses its number. */
/* What the live streams may carry of the citizen's events (svc_event_view). */
static void test_event_views(void **state)
{
    (void)state;
    svc_actor ho = t_actor("handover", 3, 3);
    json_t *offer = json_pack("{s:s, s:I, s:i, s:I, s:s}", "type", "survey_offered", "at",
                              (json_int_t)1000, "loket", 3, "application_id", (json_int_t)42,
                              "actor", "petugas3");
    json_t *v = svc_event_view(offer, NULL);
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    /* the tablet at loket 3 needs the loket; which application stays in the service */
    assert_string_equal(text, "{\"at\":1000,\"loket\":3,\"type\":\"survey_offered\"}");
    free(text);
    json_decref(v);
    json_t *appt = json_pack("{s:s, s:I, s:{s:s, s:s}}", "type", "appointment_changed", "at",
                             (json_int_t)1000, "appointment", "service", "rekam_baru", "state",
                             "booked");
    json_t *answered = json_pack("{s:s}", "type", "survey_answered");
    assert_null(svc_event_view(appt, NULL));
    assert_null(svc_event_view(answered, NULL));
    v = svc_event_view(appt, &ho); /* staff: that something changed */
    assert_non_null(v);
    json_decref(v);
    json_decref(offer);
    json_decref(appt);
    json_decref(answered);
}

static void test_reminder(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    json_t *out = NULL;
    kt_error err;
    char spool[128];
    t_slots(s, 5);
    snprintf(spool, sizeof spool, "%s/spool", t_dir);
    assert_int_equal(mkdir(spool, 0750), 0);
    strcat(spool, "/outbox");
    assert_int_equal(mkdir(spool, 0750), 0);
    spool[strlen(spool) - 7] = '\0';
    /* Monday 09:00: A books Wednesday? a holiday; Thursday 08:00 and Tuesday 10:00 (B, today
       for tomorrow: no reminder for a booking made the day before) */
    json_decref(book(s, NIK_A, "2026-03-05", "08:00", "081211112222", KT_OK, NULL));
    json_decref(book(s, NIK_B, "2026-03-03", "10:00", "081233334444", KT_OK, NULL));
    assert_int_equal(t_count(s, NULL), 2); /* two confirmations */
    t_expect(svc_sms_tick(s, spool, &out, &err), KT_OK, &err);
    json_decref(out);
    assert_int_equal(t_count(s, NULL), 2);
    /* Wednesday 08:00: too early for Thursday's reminder */
    t_now = T_BASE + 2 * 86400000 - 60 * T_MIN;
    t_expect(svc_sms_tick(s, spool, &out, &err), KT_OK, &err);
    json_decref(out);
    assert_int_equal(t_count(s, NULL), 2);
    /* Wednesday 09:30: once */
    t_now += 90 * T_MIN;
    for (int i = 0; i < 2; i++) {
        t_expect(svc_sms_tick(s, spool, &out, &err), KT_OK, &err);
        json_decref(out);
    }
    assert_int_equal(t_count(s, NULL), 3);
    char masked[40];
    last_sms(s, "booking_reminder", masked, sizeof masked);
    assert_string_equal(masked, "+62812****2222");
    /* B never came on Tuesday: a no-show, and its number is gone */
    svc_actor sup = t_actor("supervisor", 4, 0);
    t_expect(svc_appt_list(s, &sup, "2026-03-03", &out, &err), KT_OK, &err);
    json_t *b = json_array_get(json_object_get(out, "appointments"), 0);
    assert_string_equal(json_string_value(json_object_get(b, "state")), "no_show");
    assert_false(json_is_true(json_object_get(b, "sms")));
    json_decref(out);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_booking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkin_and_call_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phone_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_survey, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reminder, setup, teardown),
        cmocka_unit_test(test_event_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
