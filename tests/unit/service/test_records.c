/*
 * test_records.c - the records side through the service on a real SQLite file: the receipt's
 * QR token (read back from the rendered PDF with pdftoppm + zbarimg) verified and used once at
 * the handover, forged / foreign / expired tokens refused; the documents (ticket, receipt,
 * slip, referral, box label) checked with pdftotext; the archive rack (order, box change,
 * incomplete not filed, find); the pickup register and its CSV; daily and monthly reports;
 * KONSOLIDASI findings; a backup taken while threads take tickets, restored elsewhere.
 * Without pdftotext / zbarimg (poppler-utils, zbar-tools) the read-back parts print SKIP.
 */
#include <pthread.h>
#include <sys/stat.h>

#include "backup/backup.h"
#include "seal/seal.h"
#include "core/jakarta.h"
#include "doc/token.h"
#include "unit/service/svc_test.h"
#include "service/rec_internal.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define NIK_A "3671101203900001"   /* full flow, handed over */
#define NIK_B "3671106008920005"   /* incomplete: slip */
#define NIK_C "3671101501850006"   /* referred after a partial check: filed */
#define NIK_D "3671101702880007"   /* opened, left waiting: stuck */
#define NIK_BAD "3671100101800008" /* NIK says 1980-01-01 L, SIAK says 1981-05-05 P */

static const char *rows =
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_B ",3671100101090002,SITI AMINAH,TANGERANG,1992-08-20,P,13,1,1,2,5,WNI,,JL. B NO. 2,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_C ",3671100101090003,BUDI SANTOSO,TANGERANG,1985-01-15,L,13,1,2,2,5,WNI,,JL. C NO. 3,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_D ",3671100101090004,DEWI LESTARI,TANGERANG,1988-02-17,L,13,1,2,2,5,WNI,,JL. D NO. 4,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_BAD ",3671100101090005,EKO PRASETYO,TANGERANG,1981-05-05,P,13,1,2,2,5,WNI,,JL. E NO. 5,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n";

/* Write a PDF under t_dir and return its path in path. */
static void save_pdf(const unsigned char *pdf, size_t len, const char *name, char path[256])
{
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF", 4);
    snprintf(path, 256, "%s/%s", t_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pdf, 1, len, f), len);
    fclose(f);
}

/* pdftotext of a PDF contains every word; 0 = checked, 1 = skipped. */
static int pdf_has(const char *path, const char *const *words)
{
    char cmd[600], txt[300], buf[65536];
    if (!t_have_tool("pdftotext")) {
        fprintf(stderr, "SKIP: pdftotext not installed\n");
        return 1;
    }
    snprintf(txt, sizeof txt, "%s.txt", path);
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' '%s'", path, txt);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(txt, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strstr(buf, words[i]) == NULL)
            fprintf(stderr, "'%s' not in %s:\n%s\n", words[i], path, buf);
        assert_non_null(strstr(buf, words[i]));
    }
    return 0;
}

/* The QR of a receipt PDF, decoded; 0 = read, 1 = tools missing. */
static int pdf_qr(const char *path, char *tok, size_t cap)
{
    char cmd[700];
    if (!t_have_tool("pdftoppm") || !t_have_tool("zbarimg")) {
        fprintf(stderr, "SKIP: pdftoppm / zbarimg not installed\n");
        return 1;
    }
    snprintf(cmd, sizeof cmd, "pdftoppm -r 150 -png -singlefile '%s' '%s.qr'", path, path);
    assert_int_equal(system(cmd), 0);
    /* the receipt's token; its second QR is the survey's address (http...) */
    snprintf(cmd, sizeof cmd, "zbarimg --raw -q '%s.qr.png' | grep -v '^http'", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(tok, (int)cap, p));
    pclose(p);
    tok[strcspn(tok, "\r\n")] = '\0';
    return 0;
}

static void test_receipt_token_handover(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor ho = t_actor("handover", 3, 3), sys = svc_system_actor();
    json_t *out = NULL, *req = NULL;
    kt_error err;
    unsigned char *pdf = NULL;
    size_t len = 0;
    char path[256], tok[400], key[200];
    int64_t ticket = 0;
    int64_t id = t_take_call_open(s, NIK_A, &ticket);

    /* the kiosk ticket */
    t_expect(svc_doc_ticket(s, ticket, &pdf, &len, &err), KT_OK, &err);
    save_pdf(pdf, len, "ticket.pdf", path);
    free(pdf);
    pdf_has(path, (const char *const[]){"A001", NULL});
    assert_int_equal(svc_doc_ticket(s, 999, &pdf, &len, &err), KT_ENOTFOUND);
    /* no receipt yet */
    assert_int_equal(svc_doc_receipt(s, &ho, id, &pdf, &len, &err), KT_ECONFLICT);

    t_check_docs(s, id, 4, KT_OK);
    t_record_to_printed(s, id);
    /* the office key was made on the first receipt, readable by the owner only */
    struct stat sb;
    snprintf(key, sizeof key, "%s/receipt.key", t_data[0] != '\0' ? t_data : t_dir);
    assert_int_equal(stat(key, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);

    t_expect(svc_doc_receipt(s, &ho, id, &pdf, &len, &err), KT_OK, &err);
    save_pdf(pdf, len, "receipt.pdf", path);
    free(pdf);
    pdf_has(path, (const char *const[]){"NGS-20260302-0001", "367110******0001", NULL});
    if (pdf_qr(path, tok, sizeof tok) != 0) {
        svc_close(s);
        return;
    }
    assert_true(strlen(tok) > 100);

    t_now += 14 * 24 * 60 * T_MIN;
    /* a forged token: one character changed */
    char forged[400];
    snprintf(forged, sizeof forged, "%s", tok);
    forged[40] = forged[40] == 'A' ? 'B' : 'A';
    req = json_pack("{s:s, s:s}", "token", forged, "confirmed_by", "ktp_receipt");
    assert_int_equal(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "token");
    json_decref(req);
    /* a token for the same receipt signed with another key */
    char other[TOK_MAX_CHARS];
    t_foreign_token("NGS-20260302-0001", NIK_A, other);
    req = json_pack("{s:s, s:s}", "token", other, "confirmed_by", "ktp_receipt");
    assert_int_equal(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "token_bad_signature");
    json_decref(req);
    /* the token with another receipt number typed */
    req = json_pack("{s:s, s:s, s:s}", "token", tok, "receipt_no", "NGS-20260302-0002",
                    "confirmed_by", "ktp_receipt");
    assert_int_equal(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "token_receipt_mismatch");
    json_decref(req);
    /* expired (a year and more later) */
    int64_t keep = t_now;
    t_now += 400LL * 24 * 60 * T_MIN;
    req = json_pack("{s:s, s:s}", "token", tok, "confirmed_by", "ktp_receipt");
    assert_int_equal(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "token_expired");
    t_now = keep;
    /* scanned at the handover loket: the application */
    json_decref(req);
    assert_int_equal(svc_receipt_verify(s, &ho, forged, &out, &err), KT_EINVAL);
    t_expect(svc_receipt_verify(s, &ho, tok, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "id")), id);
    json_decref(out);
    req = json_pack("{s:s, s:s}", "token", tok, "confirmed_by", "ktp_receipt");
    /* the scanned token: handed over, the receipt used */
    t_expect(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_OK, &err);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "handed_over");
    json_decref(out);
    /* reused: refused, nothing changes */
    assert_int_equal(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_ECONFLICT);
    assert_null(out);
    json_decref(req);
    req = json_pack("{s:s, s:s}", "receipt_no", "NGS-20260302-0001", "confirmed_by",
                    "ktp_receipt");
    assert_int_equal(svc_app_hand_over(s, &ho, id, req, &out, &err), KT_ECONFLICT);
    json_decref(req);

    /* the pickup register says how the person was confirmed */
    char day[16];
    jkt_date d = jkt_service_day(t_now);
    jkt_date_format(d, day);
    t_expect(svc_register_list(s, &ho, day, day, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "count")), 1);
    json_t *e = json_array_get(json_object_get(out, "entries"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "confirmed_by")), "ktp_receipt");
    assert_string_equal(json_string_value(json_object_get(e, "used_via")), "qr_token");
    assert_string_equal(json_string_value(json_object_get(e, "name")), "AHMAD FAUZI");
    assert_string_equal(json_string_value(json_object_get(e, "officer")), "");
    json_decref(out);
    char *csv = NULL;
    t_expect(svc_register_csv(s, &sys, day, day, &csv, &len, &err), KT_OK, &err);
    assert_non_null(strstr(csv, "Waktu,No. permohonan,NIK,Nama"));
    assert_non_null(strstr(csv, NIK_A ",AHMAD FAUZI,Penerbitan baru,NGS-20260302-0001,Kode QR"
                                " dipindai,Tanda terima dan wajah pemohon"));
    assert_non_null(strstr(csv, " WIB\",")); /* "7 Desember 2026, 13.21 WIB", quoted */
    free(csv);
    svc_actor op = t_actor("operator", 2, 0);
    assert_int_equal(svc_register_list(s, &op, day, day, &out, &err), KT_EFORBIDDEN);
    assert_int_equal(svc_register_list(s, &ho, "2026-13-01", NULL, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "from");
    assert_int_equal(svc_register_list(s, &ho, "2026-03-05", "2026-03-01", &out, &err),
                     KT_EINVAL);
    svc_close(s);
}

/* Cells a spreadsheet would read as a formula (= + - @, or a tab or CR before them) reach the
   CSV exports neutralised: quoted, with a leading apostrophe (issue 9 item 9). */
static void test_csv_formula_neutralised(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor ho = t_actor("handover", 3, 3), sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL, *req = NULL;
    kt_error err;
    int64_t a = t_take_call_open(s, NIK_A, NULL);
    t_check_docs(s, a, 4, KT_OK);
    t_record_to_printed(s, a);
    req = json_pack("{s:s, s:s, s:s}", "receipt_no", "NGS-20260302-0001", "confirmed_by",
                    "document", "note", "=HYPERLINK(\"http://x.invalid\",\"klik\")");
    t_expect(svc_app_hand_over(s, &ho, a, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    char day[16], *csv = NULL;
    size_t len = 0;
    jkt_date_format(jkt_service_day(t_now), day);
    t_expect(svc_register_csv(s, &sup, day, day, &csv, &len, &err), KT_OK, &err);
    assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"klik\"\")\"\n"));
    assert_null(strstr(csv, ",=HYPERLINK"));
    free(csv);
    /* The helper itself, for every leading character a spreadsheet evaluates. */
    static const char *const cells[] = {"=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        rec_buf b = {0};
        assert_int_equal(rec_buf_csv(&b, cells[i], '\n'), 0);
        assert_int_equal(b.p[0], '"');
        assert_int_equal(b.p[1], '\'');
        assert_memory_equal(b.p + 2, cells[i], strlen(cells[i]));
        free(b.p);
    }
    rec_buf b = {0};
    assert_int_equal(rec_buf_csv(&b, "AHMAD FAUZI", ','), 0);
    assert_string_equal(b.p, "AHMAD FAUZI,"); /* ordinary text unchanged */
    free(b.p);
    svc_close(s);
}

static void test_archive_documents(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor in = t_actor("intake", 1, 1), sys = svc_system_actor(),
              ho = t_actor("handover", 3, 3), adm = t_actor("admin", 9, 0);
    json_t *out = NULL, *req = NULL;
    kt_error err;
    unsigned char *pdf = NULL;
    size_t len = 0;
    char path[256];

    /* one file per box, two boxes per rack */
    req = json_pack("{s:i, s:i, s:i}", "racks", 2, "boxes_per_rack", 2, "files_per_box", 1);
    assert_int_equal(svc_archive_config(s, &in, req, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_archive_config(s, &adm, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    req = json_pack("{s:i}", "files_per_box", 0);
    assert_int_equal(svc_archive_config(s, &adm, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "files_per_box");
    json_decref(req);

    /* A: handed over -> rack 1 box 1 */
    int64_t a = t_take_call_open(s, NIK_A, NULL);
    t_check_docs(s, a, 4, KT_OK);
    t_record_to_printed(s, a);
    req = json_pack("{s:s, s:s}", "receipt_no", "NGS-20260302-0001", "confirmed_by", "document");
    t_expect(svc_app_hand_over(s, &ho, a, req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    /* B: incomplete -> the slip, not filed */
    int64_t b = t_take_call_open(s, NIK_B, NULL);
    assert_int_equal(svc_doc_missing(s, &in, b, &pdf, &len, &err), KT_ECONFLICT);
    t_check_docs(s, b, 2, KT_EREFUSED);
    t_expect(svc_app_act(s, &in, b, "return_incomplete", NULL, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(svc_doc_missing(s, &in, b, &pdf, &len, &err), KT_OK, &err);
    save_pdf(pdf, len, "slip.pdf", path);
    free(pdf);
    pdf_has(path, (const char *const[]){"SITI AMINAH", "F-1.07", NULL});
    /* C: documents shown, then referred -> filed in the next box; the referral letter */
    int64_t c = t_take_call_open(s, NIK_C, NULL);
    t_check_docs(s, c, 1, KT_EREFUSED);
    req = json_pack("{s:s, s:s}", "reason", "data_mismatch", "note", "nama di KK berbeda");
    t_expect(svc_app_act(s, &in, c, "refer", req, &out, &err), KT_OK, &err);
    json_decref(out);
    json_decref(req);
    t_expect(svc_doc_referral(s, &in, c, &pdf, &len, &err), KT_OK, &err);
    save_pdf(pdf, len, "referral.pdf", path);
    free(pdf);
    pdf_has(path, (const char *const[]){"BUDI SANTOSO", NIK_C, "Disdukcapil", NULL});
    assert_int_equal(svc_doc_referral(s, &in, b, &pdf, &len, &err), KT_ECONFLICT);

    req = json_pack("{s:s}", "nik", NIK_A);
    t_expect(svc_archive_find(s, &in, req, &out, &err), KT_OK, &err);
    json_decref(req);
    assert_int_equal(json_integer_value(json_object_get(out, "count")), 1);
    json_t *f = json_array_get(json_object_get(out, "files"), 0);
    assert_int_equal(json_integer_value(json_object_get(f, "rack")), 1);
    assert_int_equal(json_integer_value(json_object_get(f, "box")), 1);
    assert_int_equal(json_integer_value(json_object_get(f, "position")), 1);
    int64_t box1 = json_integer_value(json_object_get(f, "box_id"));
    json_decref(out);
    req = json_pack("{s:s}", "nik", NIK_B);
    t_expect(svc_archive_find(s, &in, req, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "count")), 0);
    json_decref(out);
    json_decref(req);
    req = json_pack("{s:s}", "nik", NIK_C);
    t_expect(svc_archive_find(s, &in, req, &out, &err), KT_OK, &err);
    f = json_array_get(json_object_get(out, "files"), 0);
    assert_int_equal(json_integer_value(json_object_get(f, "rack")), 1);
    assert_int_equal(json_integer_value(json_object_get(f, "box")), 2);
    json_decref(out);
    json_decref(req);
    req = json_pack("{s:s}", "receipt_no", "NGS-20260302-0001");
    t_expect(svc_archive_find(s, &in, req, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "count")), 1);
    json_decref(out);
    json_decref(req);
    char day[16];
    jkt_date_format(jkt_service_day(t_now), day);
    req = json_pack("{s:s}", "date", day);
    t_expect(svc_archive_find(s, &in, req, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "count")), 2);
    json_decref(out);
    json_decref(req);
    req = json_pack("{s:s, s:s}", "nik", NIK_A, "date", day);
    assert_int_equal(svc_archive_find(s, &in, req, &out, &err), KT_EINVAL);
    json_decref(req);
    req = json_pack("{s:s}", "date", "2026-02-30");
    assert_int_equal(svc_archive_find(s, &in, req, &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "date");
    json_decref(req);

    t_expect(svc_archive_boxes(s, &sys, &out, &err), KT_OK, &err);
    assert_int_equal(json_array_size(out), 2);
    json_decref(out);
    t_expect(svc_archive_label(s, &in, box1, &pdf, &len, &err), KT_OK, &err);
    save_pdf(pdf, len, "label.pdf", path);
    free(pdf);
    pdf_has(path, (const char *const[]){day, NULL});
    assert_int_equal(svc_archive_label(s, &in, 99, &pdf, &len, &err), KT_ENOTFOUND);
    svc_close(s);
}

static void test_reports_konsolidasi(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor sup = t_actor("supervisor", 4, 0), in = t_actor("intake", 1, 1),
              ho = t_actor("handover", 3, 3);
    json_t *out = NULL, *req = NULL;
    kt_error err;
    unsigned char *pdf = NULL;
    char *csv = NULL;
    size_t len = 0;
    char path[256];

    int64_t a = t_take_call_open(s, NIK_A, NULL);
    t_check_docs(s, a, 4, KT_OK);
    t_record_to_printed(s, a);
    int64_t d = t_take_call_open(s, NIK_D, NULL); /* left in "called" */
    (void)d;
    t_now += 30 * T_MIN;

    t_expect(svc_report(s, &sup, "daily", "2026-03-02", &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "applications")), 2);
    json_decref(out);
    assert_int_equal(svc_report(s, &in, "daily", NULL, &out, &err), KT_EFORBIDDEN);
    assert_int_equal(svc_report(s, &sup, "weekly", NULL, &out, &err), KT_EINVAL);
    assert_int_equal(svc_report(s, &sup, "monthly", "2026-3", &out, &err), KT_EINVAL);
    assert_string_equal(err.field, "month");
    t_expect(svc_report(s, &sup, "monthly", "2026-03", &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "applications")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "by_kind"), "baru")),
                     2);
    assert_int_equal(json_array_size(json_object_get(out, "days")), 2); /* 1st..today (2nd) */
    json_t *st0 = json_array_get(json_object_get(out, "steps"), 0);
    assert_string_equal(json_string_value(json_object_get(st0, "step")), "call");
    assert_int_equal(json_integer_value(json_object_get(st0, "count")), 2);
    json_decref(out);
    t_expect(svc_report_pdf(s, &sup, "daily", "2026-03-02", &pdf, &len, &err), KT_OK, &err);
    save_pdf(pdf, len, "daily.pdf", path);
    free(pdf);
    pdf_has(path, (const char *const[]){"2026", NULL});
    t_expect(svc_report_pdf(s, &sup, "monthly", "2026-03", &pdf, &len, &err), KT_OK, &err);
    save_pdf(pdf, len, "monthly.pdf", path);
    free(pdf);
    t_expect(svc_report_csv(s, &sup, "daily", "2026-03-02", &csv, &len, &err), KT_OK, &err);
    assert_non_null(strstr(csv, "Bagian,Butir,Jumlah"));
    assert_non_null(strstr(csv, "Jenis permohonan,Penerbitan baru,2,"));
    assert_non_null(strstr(csv, "Langkah,Penerimaan dan pemeriksaan berkas,"));
    free(csv);

    /* KONSOLIDASI: the NIK/biodata mismatch, a biometric file gone, the stuck application */
    assert_int_equal(svc_konsolidasi(s, &in, &out, &err), KT_EFORBIDDEN);
    t_expect(svc_konsolidasi(s, &sup, &out, &err), KT_OK, &err);
    json_t *ch = json_object_get(out, "checks");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "nik_biodata"),
                                                        "count")), 1);
    json_t *it = json_array_get(json_object_get(json_object_get(ch, "nik_biodata"), "items"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "nik")), NIK_BAD);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "duplicate_nik"),
                                                        "count")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "no_kk"), "count")),
                     0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "biometric_files"),
                                                        "count")), 0);
    if (json_integer_value(json_object_get(json_object_get(ch, "stuck"), "count")) != 1)
        json_dumpf(json_object_get(ch, "stuck"), stderr, JSON_INDENT(1));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "stuck"), "count")),
                     1);
    json_decref(out);
    char face[256];
    snprintf(face, sizeof face, "%s/data/apps/%lld/face", t_dir, (long long)a);
    assert_int_equal(unlink(face), 0);
    char sig[256];
    snprintf(sig, sizeof sig, "%s/data/apps/%lld/signature", t_dir, (long long)a);
    t_write(sig, "changed");
    t_expect(svc_konsolidasi(s, &sup, &out, &err), KT_OK, &err);
    ch = json_object_get(out, "checks");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "biometric_files"),
                                                        "count")), 2);
    json_decref(out);
    (void)ho;
    (void)req;
    svc_close(s);
}

/* ---- backup while tickets are taken ------------------------------------------------------ */

typedef struct taker {
    svc *s;
    int n;
    int64_t ids[400];
    volatile int *stop;
} taker;

static void *take_loop(void *arg)
{
    taker *t = arg;
    kt_error err;
    json_t *req = json_pack("{s:s}", "service", "pengambilan");
    while (!*t->stop && t->n < 400) {
        json_t *out = NULL;
        if (svc_ticket_take(t->s, req, &out, &err) == KT_OK)
            t->ids[t->n++] = json_integer_value(json_object_get(out, "id"));
        json_decref(out);
    }
    json_decref(req);
    return NULL;
}

static void test_backup_under_load(void **state)
{
    (void)state;
    svc *s = t_open();
    svc_actor adm = t_actor("admin", 9, 0), in = t_actor("intake", 1, 1);
    json_t *out = NULL;
    kt_error err;
    char dir[200], cmd[1000];
    snprintf(dir, sizeof dir, "%s/disk", t_dir);
    assert_int_equal(mkdir(dir, 0700), 0);

    volatile int stop = 0;
    taker tk[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        memset(&tk[i], 0, sizeof tk[i]);
        tk[i].s = s;
        tk[i].stop = &stop;
        assert_int_equal(pthread_create(&th[i], NULL, take_loop, &tk[i]), 0);
    }
    /* let some tickets land, then note what is acknowledged before the backup begins */
    while (tk[0].n + tk[1].n < 40)
        usleep(1000);
    int before[2] = {tk[0].n, tk[1].n};
    assert_int_equal(svc_backup_now(s, &in, dir, 3, &out, &err), KT_EFORBIDDEN);
    assert_int_equal(svc_backup_now(s, &adm, NULL, 3, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "backup_not_configured");
    if (t_on_pg()) {
        /* A server database is not copied by ktpel: the answer says so and writes nothing. */
        assert_int_equal(svc_backup_now(s, &adm, dir, 3, &out, &err), KT_EREFUSED);
        assert_string_equal(err.id, "backup_server_database");
        assert_null(out);
        stop = 1;
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
        assert_int_equal(system(cmd), 0);
        svc_close(s);
        return;
    }
    t_expect(svc_backup_now(s, &adm, dir, 3, &out, &err), KT_OK, &err);
    stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    char bpath[600];
    snprintf(bpath, sizeof bpath, "%s", json_string_value(json_object_get(out, "path")));
    fprintf(stderr, "backup: %s, %lld bytes, %lld ms; tickets before %d, after %d\n", bpath,
            (long long)json_integer_value(json_object_get(out, "db_bytes")),
            (long long)json_integer_value(json_object_get(out, "ms")), before[0] + before[1],
            tk[0].n + tk[1].n);
    json_decref(out);
    /* The backup is sealed under the office's data key (src/seal), which is not in it. */
    char key[300];
    snprintf(key, sizeof key, "%s/ktpel.key", t_dir);
    seal_ring *ring = NULL;
    t_expect(seal_ring_load(key, &ring, &err), KT_OK, &err);
    t_expect(bak_verify(bpath, ring, &err), KT_OK, &err);

    /* restore into a new place; every ticket acknowledged before the backup is there, same */
    char rdb[300];
    snprintf(rdb, sizeof rdb, "%s/restored", t_dir);
    assert_int_equal(mkdir(rdb, 0700), 0);
    snprintf(rdb, sizeof rdb, "%s/restored/k.db", t_dir);
    t_expect(bak_restore(bpath, rdb, NULL, ring, &err), KT_OK, &err);
    svc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = rdb;
    cfg.now_ms = t_clock;
    /* The data key is never in a backup: the restored database opens with the office's key. */
    cfg.key_path = key;
    svc *r = NULL;
    t_expect(svc_open(&cfg, &r, &err), KT_OK, &err);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < before[i]; j++) {
            json_t *x = NULL, *y = NULL;
            t_expect(svc_ticket_get(s, tk[i].ids[j], &x, &err), KT_OK, &err);
            t_expect(svc_ticket_get(r, tk[i].ids[j], &y, &err), KT_OK, &err);
            assert_true(json_equal(x, y));
            json_decref(x);
            json_decref(y);
        }
    svc_close(r);

    /* a corrupted backup is refused */
    snprintf(cmd, sizeof cmd, "printf 'X' | dd of='%s' bs=1 seek=5000 conv=notrunc"
                              " 2>/dev/null", bpath);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(bak_verify(bpath, ring, &err), KT_EREFUSED);
    char rdb2[300];
    snprintf(rdb2, sizeof rdb2, "%s/restored/k2.db", t_dir);
    assert_int_equal(bak_restore(bpath, rdb2, NULL, ring, &err), KT_EREFUSED);
    seal_ring_free(ring);

    /* the scheduled job: its folder is the one POST /api/admin/backup uses */
    svc_backup_job *job = NULL;
    assert_int_equal(svc_backup_job_start(s, "/nonexistent-disk", 60, 3, &job, &err),
                     KT_EREFUSED);
    assert_int_equal(svc_backup_job_start(s, dir, 0, 3, &job, &err), KT_EINVAL);
    t_expect(svc_backup_job_start(s, dir, 60, 1, &job, &err), KT_OK, &err);
    t_expect(svc_backup_now(s, &adm, NULL, 0, &out, &err), KT_OK, &err);
    json_decref(out);
    t_expect(svc_backup_job_status(job, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "runs")), 0);
    json_decref(out);
    svc_backup_job_stop(job);
    /* keep 1: only the newest backup is left */
    snprintf(cmd, sizeof cmd, "test $(ls -d '%s'/ktpel-backup-* | wc -l) -eq 1", dir);
    assert_int_equal(system(cmd), 0);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_receipt_token_handover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_formula_neutralised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_archive_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reports_konsolidasi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_under_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
