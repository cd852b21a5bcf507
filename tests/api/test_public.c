/*
 * test_public.c - the citizens' side through the real `ktpel serve` over loopback, with its
 * public listener (--public-listen): that listener serves the citizens' pages and routes and
 * nothing of the office (a staff route or page is 404 there, a staff session is ignored); bad
 * input on every public form gets a clear message and changes nothing; the kiosk checks in a
 * booking (office listener only); and the per-client rate limits (429 with Retry-After), which
 * leave another client untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define NIK_A "3671101203900001"
#define NIK_B "3671106008920005"
#define NIK_C "3671101501850006"
#define NIK_KID "3671100105120011"
#define NIK_D "3671101707880007" /* has had a card: books C (lost or damaged) */

static const char csv[] =
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,"
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"
    "ktp_status,card_valid\n"
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,,1,2,,,WNI,,"
    "JL. PROF. DR. SITANALA NO. 5,002,005,3671101001,367110,,UNREGISTERED,0\n"
    NIK_B ",3671100101090002,SITI AMINAH,TANGERANG,1992-08-20,P,,1,1,,,WNI,,"
    "JL. HALIM NO. 2,001,003,3671101002,367110,,UNREGISTERED,0\n"
    NIK_C ",3671100101090003,BUDI SANTOSO,TANGERANG,1985-01-15,L,,1,2,,,WNI,,"
    "JL. C NO. 3,001,002,3671101001,367110,,UNREGISTERED,0\n"
    NIK_KID ",3671100101090008,KEVIN PUTRA,TANGERANG,2012-05-01,L,,1,1,,,WNI,,"
    "JL. H,001,002,3671101001,367110,,UNREGISTERED,0\n"
    NIK_D ",3671100101090009,DEDI KURNIAWAN,TANGERANG,1988-07-17,L,,1,2,,,WNI,,"
    "JL. D NO. 4,001,002,3671101001,367110,,CARD_ISSUED,1\n";

typedef struct fx {
    char dir[256], db[300], data[300];
    api_server srv;
    char pub[64]; /* http://127.0.0.1:PORT of the public listener */
    char admin[160];
    int now_min;  /* Jakarta minutes of the day at start */
    char today[11], later[11], later2[11];
} fx;

static fx *G;

static void raw(api_resp *r, const char *base, const char *method, const char *cookie,
                const char *body, long want, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static void raw(api_resp *r, const char *base, const char *method, const char *cookie,
                const char *body, long want, const char *fmt, ...)
{
    char path[600], url[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    snprintf(url, sizeof url, "%s%s", base, path);
    assert_int_equal(api_json(r, method, url, cookie, body), 0);
    if (want != 0 && r->status != want)
        fprintf(stderr, "%s %s -> %ld (want %ld): %.300s\n", method, path, r->status, want,
                r->body);
    if (want != 0)
        assert_int_equal(r->status, want);
}

static json_t *call(const char *base, const char *method, const char *cookie, const char *body,
                    long want, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static json_t *call(const char *base, const char *method, const char *cookie, const char *body,
                    long want, const char *fmt, ...)
{
    char path[600];
    api_resp r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    raw(&r, base, method, cookie, body, want, "%s", path);
    json_t *j = api_body(&r);
    api_resp_free(&r);
    return j;
}

static const char *err_id(const json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

static void jakarta_today(int plus_days, char out[11])
{
    time_t t = time(NULL) + 7 * 3600 + (time_t)plus_days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A server with the public listener; rate "0" = no limits. */
static int start(void **state, const char *rate)
{
    static fx f;
    memset(&f, 0, sizeof f);
    G = &f;
    if (api_site_make(f.dir, f.db, f.data, csv) != 0 || api_add_user(f.db, "admin1", "admin", NULL) != 0)
        return -1;
    char plisten[64];
    unsigned pport = api_free_port();
    snprintf(plisten, sizeof plisten, "127.0.0.1:%u", pport);
    snprintf(f.pub, sizeof f.pub, "http://127.0.0.1:%u", pport);
    const char *extra[] = {"--public-listen", plisten, "--public-rate", rate, NULL};
    if (api_server_start_with(&f.srv, f.db, f.data, extra) != 0)
        return -1;
    /* the public listener answers too (a page: not counted by the rate limits) */
    for (int i = 0; i < 100; i++) {
        api_resp r;
        char url[100];
        snprintf(url, sizeof url, "%s/publik.html", f.pub);
        if (api_json(&r, "GET", url, NULL, NULL) == 0 && r.status == 200) {
            api_resp_free(&r);
            break;
        }
        api_resp_free(&r);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (api_login(f.srv.base, "admin1", 0, f.admin) != 0)
        return -1;
    time_t t = time(NULL) + 7 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    f.now_min = tm.tm_hour * 60 + tm.tm_min;
    jakarta_today(0, f.today);
    jakarta_today(2, f.later);
    jakarta_today(3, f.later2);
    /* Every weekday 08:00-09:00, 2 places; and today a slot starting in 10 minutes (the
       kiosk's check-in opens 30 minutes before a slot). */
    char body[1200];
    int start_min = f.now_min + 10, n = 0;
    time_t tw = time(NULL) + 7 * 3600;
    struct tm tmw;
    gmtime_r(&tw, &tmw);
    int wd_today = tmw.tm_wday == 0 ? 7 : tmw.tm_wday;
    n = snprintf(body, sizeof body, "{\"slots\": [");
    for (int wd = 1; wd <= 7; wd++)
        n += snprintf(body + n, sizeof body - (size_t)n,
                      "%s{\"weekday\": %d, \"start\": \"08:00\", \"end\": \"09:00\","
                      " \"capacity\": {\"rekam_baru\": 2}}",
                      wd > 1 ? "," : "", wd);
    if (start_min + 60 < 24 * 60 && (start_min + 60 <= 8 * 60 || start_min >= 9 * 60))
        n += snprintf(body + n, sizeof body - (size_t)n,
                      ", {\"weekday\": %d, \"start\": \"%02d:%02d\", \"end\": \"%02d:%02d\","
                      " \"capacity\": {\"hilang_rusak\": 3}}",
                      wd_today, start_min / 60, start_min % 60, (start_min + 60) / 60,
                      (start_min + 60) % 60);
    else
        f.now_min = -1; /* near midnight or 08:00: no check-in slot today */
    snprintf(body + n, sizeof body - (size_t)n, "]}");
    json_decref(call(f.srv.base, "PUT", f.admin, body, 200, "/api/appointments/config"));
    *state = &f;
    return 0;
}

static int start_open(void **state) { return start(state, "0"); }
static int start_limited(void **state) { return start(state, "30"); }

static int stop(void **state)
{
    (void)state;
    api_use_source(NULL);
    api_use_kiosk(NULL);
    int rc = api_server_stop(&G->srv);
    api_tmp_remove(G->dir);
    return rc == 0 ? 0 : -1;
}

static int64_t bookings(void)
{
    json_t *a = call(G->srv.base, "GET", G->admin, NULL, 200, "/api/appointments?date=%s",
                     G->later);
    int64_t n = (int64_t)json_array_size(json_object_get(a, "appointments"));
    json_decref(a);
    return n;
}

/* The public listener serves the citizens' side and nothing of the office. */
static void test_public_listener(void **state)
{
    (void)state;
    api_resp r;
    static const char *const staff[][2] = {
        {"GET", "/api/queue/board"},   {"GET", "/api/me"},
        {"POST", "/api/login"},        {"GET", "/api/residents/" NIK_A},
        {"GET", "/api/appointments"},  {"POST", "/api/kiosk/checkin"},
        {"GET", "/api/tablet/survey?loket=3"}, {"GET", "/api/ikm/report?period=2026"},
        {"GET", "/api/sms/outbox"},    {"POST", "/api/tickets"},
        {"GET", "/intake.html"},       {"GET", "/admin.html"},
        {"GET", "/kiosk.html"},        {"GET", "/js/session.js"},
        {"GET", "/api/events/staff"},  {"GET", "/api/kiosks"},
    };
    for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
        /* even with a valid staff session cookie */
        raw(&r, G->pub, staff[i][0], G->admin, NULL, 404, "%s", staff[i][1]);
        api_resp_free(&r);
    }
    static const char *const pages[] = {"/", "/publik.html", "/janji.html", "/antrian.html",
                                        "/status.html", "/survei.html", "/ikm.html",
                                        "/js/janji.js", "/css/app.css"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        raw(&r, G->pub, "GET", NULL, NULL, 200, "%s", pages[i]);
        api_resp_free(&r);
    }
    /* the office's listener serves the public routes too (the kiosk's LAN) */
    json_decref(call(G->srv.base, "GET", NULL, NULL, 200, "/api/public/appointments?service=rekam_baru"));
    json_t *d = call(G->pub, "GET", NULL, NULL, 200, "/api/public/appointments?service=rekam_baru");
    assert_true(json_array_size(json_object_get(d, "days")) == 30);
    json_decref(d);
    /* its live stream is the public one: a ticket's number, no person */
    api_sse ev;
    char url[100];
    snprintf(url, sizeof url, "%s/api/events", G->pub);
    assert_int_equal(api_sse_start(&ev, url, NULL, NULL), 0);
    assert_true(api_sse_wait(&ev, ": ktpel")); /* connected before the ticket is taken */
    json_decref(call(G->srv.base, "POST", G->admin, "{\"service\":\"rekam_baru\"}", 201,
                     "/api/tickets"));
    assert_true(api_sse_wait(&ev, "\"number\":\"A001\""));
    api_sse_stop(&ev);
}

/* Bad input on every public form: a clear message (what, where), and nothing changes. */
static void test_public_bad_input(void **state)
{
    (void)state;
    char body[400];
    json_t *j;
    static const struct {
        const char *body;
        long status;
        const char *id, *field;
    } bad[] = {
        {"{\"service\":\"rekam_baru\",\"nik\":", 400, "json_malformed", NULL},
        {"[1,2]", 400, "json_not_object", NULL},
        {"{\"service\":\"kopi\",\"nik\":\"" NIK_A "\",\"day\":\"DAY\",\"start\":\"08:00\"}", 400, "service_invalid", "service"},
        {"{\"service\":\"rekam_baru\",\"nik\":\"36711012\",\"day\":\"DAY\",\"start\":\"08:00\"}", 400, "nik_invalid", "nik"},
        {"{\"service\":\"rekam_baru\",\"nik\":\"3671102207800099\",\"day\":\"DAY\",\"start\":\"08:00\"}", 422, "not_found_in_siak", "nik"},
        {"{\"service\":\"rekam_baru\",\"nik\":\"" NIK_KID "\",\"day\":\"DAY\",\"start\":\"08:00\"}", 422, "under_age", "nik"},
        {"{\"service\":\"rekam_baru\",\"nik\":\"" NIK_A "\",\"day\":\"2020-01-01\",\"start\":\"08:00\"}", 422, "slot_past", "day"},
        {"{\"service\":\"rekam_baru\",\"nik\":\"" NIK_A "\",\"day\":\"DAY\",\"start\":\"07:00\"}", 422, "slot_invalid", "start"},
        {"{\"service\":\"rekam_baru\",\"nik\":\"" NIK_A "\",\"day\":\"DAY\",\"start\":\"08:00\",\"phone\":\"0812-abc\",\"consent\":true}", 400, "phone_invalid", "phone"},
        {"{\"service\":\"rekam_baru\",\"nik\":\"" NIK_A "\",\"day\":\"DAY\",\"start\":\"08:00\",\"phone\":\"081234567890\"}", 400, "consent_required", "consent"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* "DAY" is the day after tomorrow (a bookable day) */
        const char *d = strstr(bad[i].body, "DAY");
        if (d != NULL)
            snprintf(body, sizeof body, "%.*s%s%s", (int)(d - bad[i].body), bad[i].body, G->later,
                     d + 3);
        else
            snprintf(body, sizeof body, "%s", bad[i].body);
        j = call(G->pub, "POST", NULL, body, bad[i].status, "/api/public/appointments");
        assert_string_equal(err_id(j), bad[i].id);
        json_t *e = json_object_get(j, "error");
        assert_true(strlen(json_string_value(json_object_get(e, "message"))) > 10);
        if (bad[i].field != NULL)
            assert_string_equal(json_string_value(json_object_get(e, "field")), bad[i].field);
        json_decref(j);
    }
    assert_int_equal(bookings(), 0);

    /* a booking; the full slot; the same NIK twice */
    snprintf(body, sizeof body,
             "{\"service\":\"rekam_baru\",\"nik\":\"" NIK_A "\",\"day\":\"%s\",\"start\":\"08:00\"}",
             G->later);
    j = call(G->pub, "POST", NULL, body, 201, "/api/public/appointments");
    char code[16];
    snprintf(code, sizeof code, "%s", json_string_value(json_object_get(j, "code")));
    assert_null(json_object_get(j, "nik"));
    json_decref(j);
    json_decref(call(G->pub, "POST", NULL, body, 409, "/api/public/appointments"));
    /* a full slot the day after: B and C */
    snprintf(body, sizeof body,
             "{\"service\":\"rekam_baru\",\"nik\":\"" NIK_B "\",\"day\":\"%s\",\"start\":\"08:00\"}",
             G->later2);
    json_decref(call(G->pub, "POST", NULL, body, 201, "/api/public/appointments"));
    snprintf(body, sizeof body,
             "{\"service\":\"rekam_baru\",\"nik\":\"" NIK_C "\",\"day\":\"%s\",\"start\":\"08:00\"}",
             G->later2);
    json_decref(call(G->pub, "POST", NULL, body, 201, "/api/public/appointments"));
    api_resp r;
    raw(&r, G->pub, "GET", NULL, NULL, 200, "/api/public/appointments/%s/qr.svg", code);
    assert_non_null(strstr(r.ctype, "image/svg+xml"));
    assert_non_null(strstr(r.body, "<svg"));
    api_resp_free(&r);
    assert_int_equal(bookings(), 1);
    /* the code's page: unknown, mistyped; reschedule into the full slot; bad day */
    j = call(G->pub, "GET", NULL, NULL, 404, "/api/public/appointments/000000000");
    assert_string_equal(err_id(j), "appointment_not_found");
    json_decref(j);
    char typo[16];
    snprintf(typo, sizeof typo, "%s", code);
    typo[0] = typo[0] == '7' ? '8' : '7';
    j = call(G->pub, "GET", NULL, NULL, 400, "/api/public/appointments/%s", typo);
    assert_string_equal(err_id(j), "code_mistyped");
    json_decref(j);
    snprintf(body, sizeof body, "{\"day\":\"%s\",\"start\":\"08:00\"}", G->later2);
    j = call(G->pub, "POST", NULL, body, 409, "/api/public/appointments/%s/reschedule", code);
    assert_string_equal(err_id(j), "slot_full");
    json_decref(j);
    j = call(G->pub, "POST", NULL, "{\"day\":\"kemarin\",\"start\":\"08:00\"}", 400,
             "/api/public/appointments/%s/reschedule", code);
    assert_string_equal(err_id(j), "date_invalid");
    json_decref(j);
    json_decref(call(G->pub, "POST", NULL, NULL, 404, "/api/public/appointments/000000000/cancel"));
    j = call(G->pub, "GET", NULL, NULL, 200, "/api/public/appointments/%s", code);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "booked");
    assert_string_equal(json_string_value(json_object_get(j, "day")), G->later);
    json_decref(j);

    /* the phone queue page: an unknown token, a bad number, no consent */
    json_t *t = call(G->srv.base, "POST", NULL, "{\"service\":\"rekam_baru\"}", 201, "/api/tickets");
    char track[40];
    snprintf(track, sizeof track, "%s", json_string_value(json_object_get(t, "track")));
    json_decref(t);
    json_decref(call(G->pub, "GET", NULL, NULL, 404, "/api/public/tickets/AAAAAAAAAAAAAAAAAAAAAAAA"));
    j = call(G->pub, "GET", NULL, NULL, 200, "/api/public/tickets/%s", track);
    assert_int_equal(json_integer_value(json_object_get(j, "ahead")), 0);
    json_decref(j);
    j = call(G->pub, "POST", NULL, "{\"phone\":\"0812\",\"consent\":true}", 400,
             "/api/public/tickets/%s/phone", track);
    assert_string_equal(err_id(j), "phone_invalid");
    json_decref(j);
    j = call(G->pub, "POST", NULL, "{\"phone\":\"081234567890\"}", 400,
             "/api/public/tickets/%s/phone", track);
    assert_string_equal(err_id(j), "consent_required");
    json_decref(j);
    j = call(G->pub, "GET", NULL, NULL, 200, "/api/public/tickets/%s", track);
    assert_false(json_is_true(json_object_get(j, "sms")));
    json_decref(j);
    raw(&r, G->pub, "GET", NULL, NULL, 200, "/api/public/tickets/%s/qr.svg", track);
    assert_non_null(strstr(r.body, "<svg"));
    api_resp_free(&r);

    /* the card's status: nothing without both; shapes */
    j = call(G->pub, "POST", NULL, "{\"receipt_no\":\"NGS-20260101-0001\",\"birth_date\":\"1990-03-12\"}",
             404, "/api/public/card-status");
    assert_string_equal(err_id(j), "status_not_found");
    json_decref(j);
    j = call(G->pub, "POST", NULL, "{\"receipt_no\":\"<script>\",\"birth_date\":\"1990-03-12\"}",
             400, "/api/public/card-status");
    assert_string_equal(err_id(j), "receipt_no_invalid");
    json_decref(j);
    j = call(G->pub, "POST", NULL, "{\"receipt_no\":\"NGS-20260101-0001\"}", 400,
             "/api/public/card-status");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "field")),
                        "birth_date");
    json_decref(j);

    /* the survey: an unknown token; a malformed answer */
    j = call(G->pub, "GET", NULL, NULL, 404, "/api/public/survey/AAAAAAAAAAAAAAAAAAAAAAAA");
    assert_string_equal(err_id(j), "survey_not_found");
    json_decref(j);
    j = call(G->pub, "POST", NULL, "{\"token\":\"x\",\"answers\":{\"persyaratan\":9}}", 400,
             "/api/public/survey");
    assert_string_equal(err_id(j), "answer_invalid");
    json_decref(j);
    j = call(G->pub, "GET", NULL, NULL, 200, "/api/public/ikm");
    assert_true(json_is_null(json_object_get(j, "latest")));
    json_decref(j);
}

/* The kiosk (office listener) checks in a booking of today's slot starting in 10 minutes. */
static void test_kiosk_checkin(void **state)
{
    (void)state;
    if (G->now_min < 0) {
        printf("SKIP: no check-in slot fits in today's remaining hours\n");
        return;
    }
    char body[300], start[16];
    snprintf(start, sizeof start, "%02d:%02d", (G->now_min + 10) / 60, (G->now_min + 10) % 60);
    snprintf(body, sizeof body,
             "{\"service\":\"hilang_rusak\",\"nik\":\"" NIK_D "\",\"day\":\"%s\",\"start\":\"%s\"}",
             G->today, start);
    json_t *a = call(G->pub, "POST", NULL, body, 201, "/api/public/appointments");
    /* a lost card for someone who never had one: intake's objection, in the public's words */
    char nocard[300];
    snprintf(nocard, sizeof nocard,
             "{\"service\":\"hilang_rusak\",\"nik\":\"" NIK_C "\",\"day\":\"%s\",\"start\":\"%s\"}",
             G->today, start);
    json_t *e = call(G->pub, "POST", NULL, nocard, 400, "/api/public/appointments");
    assert_string_equal(err_id(e), "kind_needs_card");
    json_decref(e);
    char code[200];
    snprintf(code, sizeof code, "%s", json_string_value(json_object_get(a, "manage_url")));
    json_decref(a);
    /* the office's registered kiosk (X-Ktpel-Kiosk, as for taking a ticket) */
    char kiosk[65];
    assert_int_equal(api_kiosk_add(G->db, "Kios lobi", kiosk), 0);
    api_use_kiosk(kiosk);
    /* the scanner types the QR's text: the booking page's address with the code */
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    json_t *t = call(G->srv.base, "POST", NULL, body, 201, "/api/kiosk/checkin");
    assert_true(json_is_true(json_object_get(t, "booked")));
    assert_string_equal(json_string_value(json_object_get(t, "number")), "C001");
    json_decref(t);
    t = call(G->srv.base, "POST", NULL, body, 409, "/api/kiosk/checkin");
    assert_string_equal(err_id(t), "already_checked_in");
    json_decref(t);
    t = call(G->srv.base, "POST", NULL, "{\"code\":\"ABC\"}", 400, "/api/kiosk/checkin");
    assert_string_equal(err_id(t), "code_invalid");
    json_decref(t);
    /* not from outside: the public listener has no check-in */
    json_decref(call(G->pub, "POST", NULL, body, 404, "/api/kiosk/checkin"));
    /* a wrong device secret is refused; a browser that is no kiosk has the small ticket
       budget of an address (3 at once), check-ins with guessed codes included */
    api_use_kiosk("00000000000000000000000000000000000000000000000000000000000000ff");
    t = call(G->srv.base, "POST", NULL, "{\"code\":\"ABC\"}", 401, "/api/kiosk/checkin");
    assert_string_equal(err_id(t), "kiosk_unknown");
    json_decref(t);
    api_use_kiosk(NULL);
    api_use_source("127.0.0.3");
    for (int i = 0; i < 3; i++)
        json_decref(call(G->srv.base, "POST", NULL, "{\"code\":\"ABC\"}", 400, "/api/kiosk/checkin"));
    t = call(G->srv.base, "POST", NULL, "{\"code\":\"ABC\"}", 429, "/api/kiosk/checkin");
    assert_string_equal(err_id(t), "ticket_budget");
    json_decref(t);
    api_use_source(NULL);
}

/* Per-client budgets at --public-rate 30: looks 30 a minute in bursts of 16; writes and
   lookups of a person a budget of their own, a fifth of that (bursts of 3). Another client
   (another loopback address) is not affected. */
static void test_rate_limits(void **state)
{
    (void)state;
    api_resp r;
    int ok = 0, limited = 0;
    for (int i = 0; i < 40 && !limited; i++) {
        raw(&r, G->pub, "GET", NULL, NULL, 0, "/api/public/ikm");
        if (r.status == 200)
            ok++;
        else if (r.status == 429)
            limited = 1;
        api_resp_free(&r);
    }
    assert_true(limited);
    assert_int_equal(ok, 16);
    raw(&r, G->pub, "GET", NULL, NULL, 0, "/api/public/ikm");
    char retry[16];
    assert_non_null(api_header(&r, "Retry-After", retry, sizeof retry));
    assert_true(atoi(retry) >= 1);
    api_resp_free(&r);
    json_t *j = call(G->pub, "GET", NULL, NULL, 429, "/api/public/appointments?service=rekam_baru");
    assert_string_equal(err_id(j), "rate_limited");
    json_decref(j);
    /* another client is served */
    api_use_source("127.0.0.2");
    json_decref(call(G->pub, "GET", NULL, NULL, 200, "/api/public/ikm"));
    /* lookups of a person: 3 at once, the 4th waits */
    int writes = 0;
    for (int i = 0; i < 5; i++) {
        raw(&r, G->pub, "POST", NULL, "{\"receipt_no\":\"NGS-20260101-0001\",\"birth_date\":\"1990-03-12\"}",
            0, "/api/public/card-status");
        if (r.status == 404)
            writes++;
        else
            assert_int_equal(r.status, 429);
        api_resp_free(&r);
    }
    assert_int_equal(writes, 3);
    api_use_source(NULL);
    /* the office's own routes are not limited (the kiosk, the lokets) */
    for (int i = 0; i < 40; i++)
        json_decref(call(G->srv.base, "GET", NULL, NULL, 200, "/api/queue/board"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_public_listener, start_open, stop),
        cmocka_unit_test_setup_teardown(test_public_bad_input, start_open, stop),
        cmocka_unit_test_setup_teardown(test_kiosk_checkin, start_open, stop),
        cmocka_unit_test_setup_teardown(test_rate_limits, start_limited, stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
