/*
 * test_records.c - the records side through the real `ktpel serve` over loopback: the kiosk
 * ticket PDF (public), the pickup receipt PDF whose QR (pdftoppm + zbarimg) is then scanned
 * at the handover, a forged and a reused token refused; the pickup register (JSON, CSV); the
 * archive (find, box label PDF); the missing-documents slip and the referral letter; the
 * daily and monthly reports (PDF, CSV); KONSOLIDASI; the admin backup trigger. Every PDF is
 * read back with pdftotext. Without poppler-utils / zbar-tools those checks print SKIP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../images.h"
#include "harness.h"

#define ADULT "3671101203900001"
#define ADULT2 "3671106008920005"
#define THIRD "3671101501850004"

static const char csv[] =
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,"
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"
    "ktp_status,card_valid\n"
    ADULT ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,,1,2,,,WNI,,"
    "JL. PROF. DR. SITANALA NO. 5,002,005,3671101001,367110,,UNREGISTERED,0\n"
    ADULT2 ",3671100101090002,SITI AMINAH,TANGERANG,1992-08-20,P,,1,1,,,WNI,,"
    "JL. HALIM NO. 2,001,003,3671101002,367110,,UNREGISTERED,0\n"
    THIRD ",3671100101090005,BAMBANG SUTRISNO,JAKARTA,1985-01-15,L,,1,2,,,WNI,,"
    "JL. MERPATI NO. 1,003,001,3671101003,367110,,UNREGISTERED,0\n";

typedef struct fx {
    char dir[256], db[300], data[300];
    api_server srv;
    char intake[160], operator_[160], handover[160], supervisor[160], admin[160];
} fx;

static fx *G;

/* A call that must answer `want`; the response (owned by the caller: api_resp_free). */
static void raw(api_resp *r, const char *method, const char *cookie, const char *body,
                long want, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void raw(api_resp *r, const char *method, const char *cookie, const char *body,
                long want, const char *fmt, ...)
{
    char path[400], url[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    snprintf(url, sizeof url, "%s%s", G->srv.base, path);
    assert_int_equal(api_json(r, method, url, cookie, body), 0);
    if (r->status != want)
        fprintf(stderr, "%s %s -> %ld (want %ld): %.300s\n", method, path, r->status, want,
                r->body);
    assert_int_equal(r->status, want);
}

static json_t *call(const char *method, const char *cookie, const char *body, long want,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static json_t *call(const char *method, const char *cookie, const char *body, long want,
                    const char *fmt, ...)
{
    char path[400];
    api_resp r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    raw(&r, method, cookie, body, want, "%s", path);
    json_t *j = api_body(&r);
    api_resp_free(&r);
    return j;
}

static const char *err_code(const json_t *j)
{
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    return c != NULL ? c : "";
}

static json_int_t jid(const json_t *j) { return json_integer_value(json_object_get(j, "id")); }

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    G = f;
    assert_int_equal(api_site_make(f->dir, f->db, f->data, csv), 0);
    assert_int_equal(api_add_user(f->db, "intake1", "intake", "1"), 0);
    assert_int_equal(api_add_user(f->db, "operator1", "operator", NULL), 0);
    assert_int_equal(api_add_user(f->db, "handover1", "handover", "3"), 0);
    assert_int_equal(api_add_user(f->db, "supervisor1", "supervisor", NULL), 0);
    assert_int_equal(api_add_user(f->db, "admin1", "admin", NULL), 0);
    /* the tests take their tickets as the office's registered kiosk does */
    {
        char kiosk[65];
        assert_int_equal(api_kiosk_add(f->db, "Kios uji", kiosk), 0);
        api_use_kiosk(kiosk);
    }
    assert_int_equal(api_server_start(&f->srv, f->db, f->data), 0);
    assert_int_equal(api_login(f->srv.base, "intake1", 1, f->intake), 0);
    assert_int_equal(api_login(f->srv.base, "operator1", 0, f->operator_), 0);
    assert_int_equal(api_login(f->srv.base, "handover1", 3, f->handover), 0);
    assert_int_equal(api_login(f->srv.base, "supervisor1", 0, f->supervisor), 0);
    assert_int_equal(api_login(f->srv.base, "admin1", 0, f->admin), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    int st = api_server_stop(&f->srv);
    api_tmp_remove(f->dir);
    assert_int_equal(st, 0);
    free(f);
    G = NULL;
    return 0;
}

static int have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* GET a PDF (must be application/pdf), save it as name, check pdftotext has every word. */
static void get_pdf(const char *cookie, const char *name, const char *const *words,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void get_pdf(const char *cookie, const char *name, const char *const *words,
                    const char *fmt, ...)
{
    char path[400], file[400], cmd[1000], text[65536];
    api_resp r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    raw(&r, "GET", cookie, NULL, 200, "%s", path);
    assert_string_equal(r.ctype, "application/pdf");
    assert_true(r.len > 1000);
    assert_memory_equal(r.body, "%PDF", 4);
    snprintf(file, sizeof file, "%s/%s", G->dir, name);
    assert_int_equal(api_write_file(file, r.body, r.len), 0);
    api_resp_free(&r);
    if (!have("pdftotext")) {
        fprintf(stderr, "SKIP: pdftotext not installed\n");
        return;
    }
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' -", file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(text, 1, sizeof text - 1, p);
    text[n] = '\0';
    assert_int_equal(pclose(p), 0);
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strstr(text, words[i]) == NULL)
            fprintf(stderr, "'%s' not in %s:\n%s\n", words[i], name, text);
        assert_non_null(strstr(text, words[i]));
    }
}

/* The QR code of a saved PDF; 0 when read, 1 when the tools are missing. */
static int read_qr(const char *name, char *out, size_t cap)
{
    char cmd[1200];
    if (!have("pdftoppm") || !have("zbarimg")) {
        fprintf(stderr, "SKIP: pdftoppm / zbarimg not installed\n");
        return 1;
    }
    snprintf(cmd, sizeof cmd,
             "pdftoppm -r 150 -png -singlefile '%s/%s' '%s/qr' && zbarimg --raw -q '%s/qr.png'"
             " 2>/dev/null | grep -v '^http'", /* a receipt's second QR: the survey's address */
             G->dir, name, G->dir, G->dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, (int)cap, p));
    pclose(p);
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

/* Kiosk ticket, call at loket 1, open; returns the application id (ticket id in *ticket). */
static json_int_t ticket_open(const char *nik, json_int_t *ticket)
{
    char body[200];
    json_t *t = call("POST", NULL, "{\"service\":\"rekam_baru\"}", 201, "/api/tickets");
    *ticket = jid(t);
    json_decref(t);
    json_decref(call("POST", G->intake, NULL, 200, "/api/tickets/next"));
    snprintf(body, sizeof body, "{\"ticket_id\":%lld,\"nik\":\"%s\",\"kind\":\"baru\"}",
             (long long)*ticket, nik);
    json_t *a = call("POST", G->intake, body, 201, "/api/applications");
    json_int_t id = jid(a);
    json_decref(a);
    return id;
}

static void today(char day[16])
{
    time_t t = time(NULL) + 7 * 3600; /* Asia/Jakarta */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(day, 16, "%Y-%m-%d", &tm);
}

static void test_records(void **state)
{
    static const char *const slots[] = {"finger_1", "finger_2", "finger_3", "finger_4",
                                        "finger_5", "finger_6", "finger_7", "finger_8",
                                        "finger_9", "finger_10", "iris_left", "iris_right"};
    char day[16], body[1024], url[512], tok[400];
    json_int_t ticket, app;
    json_t *j;
    api_resp r;
    (void)state;
    today(day);

    /* the kiosk's ticket: public */
    app = ticket_open(ADULT, &ticket);
    get_pdf(NULL, "ticket.pdf", (const char *const[]){"A001", NULL},
            "/api/tickets/%lld/ticket.pdf", (long long)ticket);
    json_decref(call("GET", NULL, NULL, 404, "/api/tickets/9999/ticket.pdf"));
    json_decref(call("GET", NULL, NULL, 401, "/api/applications/%lld/receipt.pdf",
                     (long long)app));

    /* the SOP up to the printed card */
    json_decref(call("POST", G->intake,
                     "{\"documents\":[\"pengantar_rt_rw\",\"f107\",\"kk_copy\",\"ijazah_akta\"]}",
                     200, "/api/applications/%lld/check", (long long)app));
    {
        size_t flen = 0, slen = 0;
        unsigned char *face = t_face_for_nik(ADULT, &flen), *sig = t_png_gray(400, 150, &slen);
        assert_non_null(face);
        assert_non_null(sig);
        snprintf(url, sizeof url, "%s/api/applications/%lld/bio/face", G->srv.base,
                 (long long)app);
        assert_int_equal(api_call(&r, "PUT", url, G->operator_, "image/jpeg", face, flen), 0);
        assert_int_equal(r.status, 200);
        api_resp_free(&r);
        snprintf(url, sizeof url, "%s/api/applications/%lld/bio/signature", G->srv.base,
                 (long long)app);
        assert_int_equal(api_call(&r, "PUT", url, G->operator_, "image/jpeg", sig, slen), 0);
        assert_int_equal(r.status, 200);
        api_resp_free(&r);
        free(face);
        free(sig);
    }
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
        json_decref(call("POST", G->operator_, "{\"reason\":\"alat rusak (uji)\"}", 200,
                         "/api/applications/%lld/bio/%s/exception", (long long)app, slots[i]));
    json_decref(call("POST", G->operator_, NULL, 200, "/api/applications/%lld/record",
                     (long long)app));
    json_decref(call("GET", G->handover, NULL, 409, "/api/applications/%lld/receipt.pdf",
                     (long long)app));
    j = call("POST", G->handover, NULL, 200, "/api/applications/%lld/receipt", (long long)app);
    char receipt_no[64];
    snprintf(receipt_no, sizeof receipt_no, "%s",
             json_string_value(json_object_get(j, "receipt_no")));
    json_decref(j);
    static const char *const acts[] = {"send", "print_ready", "print"};
    for (int i = 0; i < 3; i++)
        json_decref(call("POST", G->supervisor, NULL, 200, "/api/applications/%lld/actions/%s",
                         (long long)app, acts[i]));

    /* the receipt: its number, the masked NIK, and the QR */
    get_pdf(G->handover, "receipt.pdf",
            (const char *const[]){receipt_no, "367110******0001", NULL},
            "/api/applications/%lld/receipt.pdf", (long long)app);
    if (read_qr("receipt.pdf", tok, sizeof tok) == 0) {
        char forged[400];
        snprintf(forged, sizeof forged, "%s", tok);
        forged[30] = forged[30] == 'x' ? 'y' : 'x';
        snprintf(body, sizeof body, "{\"token\":\"%s\",\"confirmed_by\":\"ktp_receipt\"}",
                 forged);
        j = call("POST", G->handover, body, 400, "/api/applications/%lld/hand-over",
                 (long long)app);
        assert_true(strncmp(err_code(j), "token_", 6) == 0);
        json_decref(j);
        /* the handover loket scans the QR: the application, found offline-verified */
        snprintf(body, sizeof body, "{\"token\":\"%s\"}", forged);
        json_decref(call("POST", G->handover, body, 400, "/api/receipts/verify"));
        snprintf(body, sizeof body, "{\"token\":\"%s\"}", tok);
        j = call("POST", G->handover, body, 200, "/api/receipts/verify");
        assert_int_equal(jid(j), app);
        assert_true(json_is_true(json_object_get(j, "token_verified")));
        json_decref(j);
        snprintf(body, sizeof body, "{\"token\":\"%s\",\"confirmed_by\":\"ktp_receipt\"}", tok);
        j = call("POST", G->handover, body, 200, "/api/applications/%lld/hand-over",
                 (long long)app);
        assert_string_equal(json_string_value(json_object_get(j, "state")), "handed_over");
        json_decref(j);
        json_decref(call("POST", G->handover, body, 409, "/api/applications/%lld/hand-over",
                         (long long)app));
    } else {
        snprintf(body, sizeof body, "{\"receipt_no\":\"%s\",\"confirmed_by\":\"ktp_receipt\"}",
                 receipt_no);
        json_decref(call("POST", G->handover, body, 200, "/api/applications/%lld/hand-over",
                         (long long)app));
    }

    /* the pickup register */
    j = call("GET", G->handover, NULL, 200, "/api/register?from=%s&to=%s", day, day);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
    json_t *e = json_array_get(json_object_get(j, "entries"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "officer")), "handover1");
    assert_string_equal(json_string_value(json_object_get(e, "receipt_no")), receipt_no);
    json_decref(j);
    raw(&r, "GET", G->supervisor, NULL, 200, "/api/register.csv?from=%s&to=%s", day, day);
    assert_non_null(strstr(r.ctype, "text/csv"));
    assert_non_null(strstr(r.body, ADULT ",AHMAD FAUZI,Penerbitan baru,")); /* in words */
    api_resp_free(&r);
    json_decref(call("GET", G->operator_, NULL, 403, "/api/register"));
    json_decref(call("GET", G->handover, NULL, 400, "/api/register?from=2026-02-30"));

    /* the archive: the file of the card handed over, its box label */
    j = call("GET", G->intake, NULL, 200, "/api/archive?nik=" ADULT);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
    json_t *f = json_array_get(json_object_get(j, "files"), 0);
    json_int_t box = json_integer_value(json_object_get(f, "box_id"));
    assert_int_equal(json_integer_value(json_object_get(f, "rack")), 1);
    assert_int_equal(json_integer_value(json_object_get(f, "position")), 1);
    json_decref(j);
    json_decref(call("GET", G->intake, NULL, 400, "/api/archive"));
    get_pdf(G->intake, "label.pdf", (const char *const[]){"RAK", day, NULL},
            "/api/archive/boxes/%lld/label.pdf", (long long)box);
    json_decref(call("GET", G->intake, NULL, 404, "/api/archive/boxes/999/label.pdf"));
    json_decref(call("PUT", G->intake, "{\"files_per_box\":50}", 403, "/api/archive/config"));
    j = call("PUT", G->admin, "{\"files_per_box\":50}", 200, "/api/archive/config");
    assert_int_equal(json_integer_value(json_object_get(j, "files_per_box")), 50);
    json_decref(j);

    /* returned incomplete: the slip; referred: the letter */
    app = ticket_open(ADULT2, &ticket);
    json_decref(call("GET", G->intake, NULL, 409, "/api/applications/%lld/missing.pdf",
                     (long long)app));
    json_decref(call("POST", G->intake, "{\"documents\":[\"kk_copy\"]}", 422,
                     "/api/applications/%lld/check", (long long)app));
    json_decref(call("POST", G->intake, NULL, 200,
                     "/api/applications/%lld/actions/return_incomplete", (long long)app));
    get_pdf(G->intake, "slip.pdf", (const char *const[]){"SITI AMINAH", NULL},
            "/api/applications/%lld/missing.pdf", (long long)app);
    app = ticket_open(THIRD, &ticket);
    json_decref(call("POST", G->intake, "{\"reason\":\"data_mismatch\",\"note\":\"uji\"}", 200,
                     "/api/applications/%lld/actions/refer", (long long)app));
    get_pdf(G->intake, "referral.pdf", (const char *const[]){"BAMBANG SUTRISNO", THIRD, NULL},
            "/api/applications/%lld/referral.pdf", (long long)app);

    /* reports for the camat */
    get_pdf(G->supervisor, "daily.pdf", (const char *const[]){"NEGLASARI", "LAPORAN", NULL},
            "/api/reports/daily.pdf?date=%s", day);
    get_pdf(G->supervisor, "monthly.pdf", (const char *const[]){"NEGLASARI", "LAPORAN", NULL},
            "/api/reports/monthly.pdf?month=%.7s", day);
    raw(&r, "GET", G->supervisor, NULL, 200, "/api/reports/daily.csv?date=%s", day);
    assert_non_null(strstr(r.ctype, "text/csv"));
    assert_non_null(strstr(r.body, "Jenis permohonan,Penerbitan baru,3,"));
    api_resp_free(&r);
    raw(&r, "GET", G->supervisor, NULL, 200, "/api/reports/monthly.csv");
    assert_non_null(strstr(r.body, "\nHari,"));
    api_resp_free(&r);
    json_decref(call("GET", G->intake, NULL, 403, "/api/reports/daily.pdf"));
    json_decref(call("GET", G->supervisor, NULL, 400, "/api/reports/monthly.pdf?month=2026-13"));

    /* KONSOLIDASI */
    j = call("GET", G->supervisor, NULL, 200, "/api/konsolidasi");
    assert_non_null(json_object_get(json_object_get(j, "checks"), "nik_biodata"));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(j, "checks"), "duplicate_nik"), "count")),
                     0);
    json_decref(j);
    json_decref(call("GET", G->intake, NULL, 403, "/api/konsolidasi"));

    /* the same through the CLI, on the database the server is using */
    {
        char out[400], buf[4096];
        snprintf(out, sizeof out, "%s/register.csv", G->dir);
        const char *a1[] = {"register", "export", "--from", day, "--to", day, "--out", out,
                            "--db", G->db, NULL};
        assert_int_equal(api_ktpel(a1), 0);
        FILE *fp = fopen(out, "r");
        assert_non_null(fp);
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        buf[n] = '\0';
        fclose(fp);
        assert_non_null(strstr(buf, ADULT ",AHMAD FAUZI,Penerbitan baru,"));
        snprintf(out, sizeof out, "%s/daily.csv", G->dir);
        const char *a2[] = {"report", "daily", "--date", day, "--format", "csv", "--out", out,
                            "--db", G->db, NULL};
        assert_int_equal(api_ktpel(a2), 0);
        const char *a3[] = {"archive", "find", "--nik", ADULT, "--db", G->db, NULL};
        assert_int_equal(api_ktpel(a3), 0);
        const char *a4[] = {"archive", "find", "--db", G->db, NULL}; /* no filter */
        assert_int_equal(api_ktpel(a4), 1);
        const char *a5[] = {"konsolidasi", "--db", G->db, NULL};
        assert_int_equal(api_ktpel(a5), 0);
        const char *a6[] = {"report", "weekly", "--db", G->db, NULL};
        assert_int_equal(api_ktpel(a6), 2);
    }

    /* backup: admin only; this server was started without --backup-dir */
    json_decref(call("POST", G->supervisor, NULL, 403, "/api/admin/backup"));
    j = call("POST", G->admin, NULL, 422, "/api/admin/backup");
    assert_string_equal(err_code(j), "backup_not_configured");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
