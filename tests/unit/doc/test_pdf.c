/*
 * test_pdf.c - every document rendered through the real libharu, then read back with the
 * real tools a person would use: pdftoppm (the page is the right size and not blank),
 * pdftotext (the Indonesian words are there, the NIK masked) and, for the receipt, zbarimg
 * decoding the QR code from the rendered image and tok_verify accepting the token.
 * Bad input is refused with the field named and no output.
 *
 * Set KTPEL_DOC_OUT=/some/folder to keep the PDFs and PNGs for a look.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc/pdf.h"
#include "doc/token.h"

#define T0 1736906400000LL /* 2025-01-15 09:00 WIB (02:00 UTC) */

static char outdir[200];
static int keep_out;

static int group_setup(void **state)
{
    (void)state;
    const char *o = getenv("KTPEL_DOC_OUT");
    if (o != NULL && o[0] != '\0') {
        snprintf(outdir, sizeof outdir, "%s", o);
        keep_out = 1;
        return 0;
    }
    snprintf(outdir, sizeof outdir, "/tmp/ktpel-pdf-XXXXXX");
    return mkdtemp(outdir) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (!keep_out) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
        return system(cmd) == 0 ? 0 : -1;
    }
    return 0;
}

/* Run a shell command and capture its stdout (owned by caller: free()). */
static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    if (p == NULL || out == NULL) {
        free(out);
        if (p != NULL)
            pclose(p);
        return NULL;
    }
    size_t n;
    while ((n = fread(out + len, 1, cap - 1 - len, p)) > 0) {
        len += n;
        if (len == cap - 1) {
            char *o = realloc(out, cap * 2);
            if (o == NULL)
                break;
            out = o;
            cap *= 2;
        }
    }
    out[len] = '\0';
    pclose(p);
    return out;
}

static void write_pdf(const char *name, const unsigned char *buf, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.pdf", outdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Rasterize page 1 at dpi: check the PNG header size, and count dark pixels in a PPM. */
static void check_raster(const char *name, int dpi, float w_mm, float h_mm, double min_ink)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "pdftoppm -r %d -f 1 -l 1 -singlefile -png '%s/%s.pdf' '%s/%s' && "
             "pdftoppm -r %d -f 1 -l 1 -singlefile -gray '%s/%s.pdf' '%s/%s'",
             dpi, outdir, name, outdir, name, dpi, outdir, name, outdir, name);
    assert_int_equal(system(cmd), 0);
    int ew = (int)(w_mm / 25.4f * (float)dpi + 0.5f), eh = (int)(h_mm / 25.4f * (float)dpi + 0.5f);

    /* PNG: width and height are big-endian at bytes 16..23 (IHDR). */
    char path[512];
    unsigned char hdr[24];
    snprintf(path, sizeof path, "%s/%s.png", outdir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(hdr, 1, 24, f), 24);
    fclose(f);
    assert_memory_equal(hdr + 1, "PNG", 3);
    int pw = hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19];
    int ph = hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23];
    assert_in_range(pw, ew - 1, ew + 1);
    assert_in_range(ph, eh - 1, eh + 1);

    /* PGM: share of dark pixels. A blank page has none; a page all black is wrong too. */
    snprintf(path, sizeof path, "%s/%s.pgm", outdir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    int w = 0, h = 0, maxv = 0;
    assert_int_equal(fscanf(f, "P5 %d %d %d", &w, &h, &maxv), 3);
    fgetc(f);
    assert_int_equal(w, pw);
    size_t n = (size_t)w * (size_t)h, dark = 0;
    unsigned char *px = malloc(n);
    assert_non_null(px);
    assert_int_equal(fread(px, 1, n, f), n);
    fclose(f);
    for (size_t i = 0; i < n; i++)
        dark += px[i] < 128;
    free(px);
    double ink = (double)dark / (double)n;
    print_message("%s: %dx%d px at %d dpi, ink %.1f%%\n", name, w, h, dpi, ink * 100);
    assert_true(ink > min_ink);
    assert_true(ink < 0.5);
    if (!keep_out)
        unlink(path);
}

static char *text_of(const char *name)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s/%s.pdf' -", outdir, name);
    char *t = run(cmd);
    assert_non_null(t);
    return t;
}

static void assert_has(const char *text, const char *word)
{
    if (strstr(text, word) == NULL)
        fail_msg("'%s' not found in:\n%s", word, text);
}

static json_t *must_parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (j == NULL)
        fail_msg("bad test JSON: %s", e.text);
    return j;
}

static void render_ok(const char *kind, const char *name, json_t *in)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    kt_error err;
    kt_code rc = pdf_render(kind, in, &buf, &len, &err);
    if (rc != KT_OK)
        fail_msg("%s: %s: %s", kind, err.field, err.message);
    assert_true(len > 1000);
    assert_memory_equal(buf, "%PDF-", 5);
    print_message("%s: %zu bytes\n", name, len);
    write_pdf(name, buf, len);
    free(buf);
}

static void test_ticket(void **state)
{
    (void)state;
    json_t *in = must_parse("{\"number\":\"A007\",\"service\":\"rekam_baru\",\"taken_at\":1736906400000,"
                            "\"waiting\":4,\"priority\":true,\"priority_reason\":\"lansia\"}");
    render_ok("ticket", "ticket", in);
    json_decref(in);
    check_raster("ticket", 150, 80, 95, 0.01);
    char *t = text_of("ticket");
    assert_has(t, "A007");
    assert_has(t, "PEMERINTAH KOTA TANGERANG");
    assert_has(t, "KECAMATAN NEGLASARI");
    assert_has(t, "Rekam e-KTP baru");
    assert_has(t, "15 Januari 2025, 09.00 WIB"); /* 02:00 UTC is 09:00 in Jakarta */
    assert_has(t, "4 orang");
    assert_has(t, "PRIORITAS");
    free(t);
}

static void test_receipt_qr_roundtrip(void **state)
{
    (void)state;
    char dir[64] = "/tmp/ktpel-qrkey-XXXXXX", sec[128], pub[128], tok[TOK_MAX_CHARS];
    tok_keys k;
    unsigned char pk[TOK_PUBLIC_LEN];
    kt_error err;
    assert_non_null(mkdtemp(dir));
    snprintf(sec, sizeof sec, "%s/k", dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    assert_int_equal(tok_keygen(sec, pub, &err), KT_OK);
    assert_int_equal(tok_load_secret(sec, &k, &err), KT_OK);
    assert_int_equal(tok_load_public(pub, pk, &err), KT_OK);
    assert_int_equal(tok_issue(&k, "TT-20250115-0042", "3671104507990001", T0,
                               T0 + 120LL * 86400000, tok, sizeof tok, &err), KT_OK);

    json_t *in = must_parse("{\"receipt_no\":\"TT-20250115-0042\",\"nik\":\"3671104507990001\","
                            "\"name\":\"SITI NURHALIZA PUTRI\",\"kind\":\"baru\","
                            "\"recorded_at\":1736906400000,\"expected_pickup\":\"2025-02-14\","
                            "\"officer\":\"Budi Santoso\"}");
    json_object_set_new(in, "token", json_string(tok));
    render_ok("receipt", "receipt", in);
    json_decref(in);
    check_raster("receipt", 150, 148, 210, 0.01);
    char *t = text_of("receipt");
    assert_has(t, "TANDA TERIMA PENGAMBILAN e-KTP");
    assert_has(t, "367110******0001");
    assert_null(strstr(t, "3671104507990001")); /* never the NIK in clear */
    assert_has(t, "SITI NURHALIZA PUTRI");
    assert_has(t, "14 Februari 2025");
    assert_has(t, "Penerbitan baru");
    assert_has(t, "Pemohon");
    free(t);

    /* Read the QR back from the picture, as the handover loket's scanner does. */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "zbarimg -q --raw '%s/receipt.png' 2>/dev/null", outdir);
    char *scanned = run(cmd);
    assert_non_null(scanned);
    scanned[strcspn(scanned, "\r\n")] = '\0';
    assert_string_equal(scanned, tok);
    tok_claims c;
    assert_int_equal(tok_verify(pk, scanned, T0 + 86400000, &c, &err), KT_OK);
    assert_string_equal(c.receipt_no, "TT-20250115-0042");
    assert_true(tok_nik_matches(&k, &c, "3671104507990001"));
    free(scanned);
    tok_keys_wipe(&k);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_slip(void **state)
{
    (void)state;
    json_t *in = must_parse("{\"name\":\"AHMAD FAUZI\",\"nik\":\"3671100101000003\","
                            "\"kind\":\"hilang\",\"at\":1736906400000,\"ticket\":\"C012\","
                            "\"presented\":[\"pengantar_rt_rw\",\"kk_copy\"],"
                            "\"missing\":[\"surat_kehilangan\"],\"officer\":\"Rina\","
                            "\"note\":\"Surat kehilangan dari Polsek Neglasari\"}");
    render_ok("slip", "slip", in);
    json_decref(in);
    check_raster("slip", 100, 148, 210, 0.005);
    char *t = text_of("slip");
    assert_has(t, "BERKAS TIDAK LENGKAP");
    assert_has(t, "Surat Keterangan Kehilangan dari Kepolisian");
    assert_has(t, "KURANG");
    assert_has(t, "Surat Pengantar RT/RW");
    assert_has(t, "KTP hilang");
    free(t);
}

static void test_referral(void **state)
{
    (void)state;
    json_t *in = must_parse("{\"letter_no\":\"470/123-Kec.Ngs/2025\",\"name\":\"JOKO WIDODO\","
                            "\"birth_date\":\"1990-05-17\",\"address\":\"Jl. Iskandar Muda RT 002 RW 005\","
                            "\"kind\":\"baru\",\"reason\":\"not_found_in_siak\",\"at\":1736906400000,"
                            "\"signer\":\"Drs. H. Ahmad\",\"officer\":\"Rina\"}");
    render_ok("referral", "referral", in);
    json_decref(in);
    check_raster("referral", 100, 210, 297, 0.005);
    char *t = text_of("referral");
    assert_has(t, "Disdukcapil");
    assert_has(t, "Kependudukan dan Pencatatan Sipil");
    assert_has(t, "tidak ditemukan di SIAK");
    assert_has(t, "belum memiliki NIK");
    assert_has(t, "17 Mei 1990");
    assert_has(t, "470/123-Kec.Ngs/2025");
    free(t);
}

static void test_label(void **state)
{
    (void)state;
    json_t *in = must_parse("{\"rack\":\"R3\",\"box\":12,\"from\":\"TT-20250101-0001\","
                            "\"to\":\"TT-20250131-0250\",\"period\":\"Januari 2025\",\"count\":250}");
    render_ok("label", "label", in);
    json_decref(in);
    check_raster("label", 100, 148, 105, 0.01);
    char *t = text_of("label");
    assert_has(t, "R3");
    assert_has(t, "12");
    assert_has(t, "TT-20250101-0001");
    assert_has(t, "250 berkas");
    free(t);
}

/* The shape svc_day_summary returns (durations in ms). */
static const char *report_json =
    "{\"date\":\"2025-01-15\",\"generated_at\":1736935200000,"
    "\"by_kind\":{\"baru\":21,\"perubahan\":9,\"hilang\":4,\"rusak\":2,\"pindah_datang\":3},"
    "\"by_state\":{\"handed_over\":12,\"receipt_issued\":18,\"incomplete\":5,\"referred\":2,"
    "\"rejected\":2},\"by_reason\":{\"not_found_in_siak\":2,\"under_age\":1,\"has_valid_card\":1},"
    "\"steps\":[{\"step\":\"call\",\"count\":39,\"p50_ms\":35000,\"p90_ms\":80000,\"max_ms\":190000,"
    "\"standard_ms\":60000,\"share_within\":0.82},"
    "{\"step\":\"intake\",\"count\":39,\"p50_ms\":210000,\"p90_ms\":420000,\"max_ms\":800000,"
    "\"share_within\":0.71},"
    "{\"step\":\"recording\",\"count\":30,\"p50_ms\":480000,\"p90_ms\":700000,\"max_ms\":1300000,"
    "\"share_within\":0.77},"
    "{\"step\":\"receipt\",\"count\":30,\"p50_ms\":40000,\"p90_ms\":55000,\"max_ms\":90000,"
    "\"share_within\":0.93},"
    "{\"step\":\"handover\",\"count\":12,\"p50_ms\":100000,\"p90_ms\":170000,\"max_ms\":260000,"
    "\"share_within\":0.92}],"
    "\"total\":{\"count\":30,\"p50_ms\":820000,\"p90_ms\":1300000,\"max_ms\":2100000,"
    "\"standard_ms\":900000,\"share_within\":0.6,\"steps_sum_standard_ms\":1200000},"
    "\"waiting\":{\"count\":51,\"p50_ms\":640000,\"p90_ms\":1900000,\"max_ms\":3100000},"
    "\"officers\":[{\"username\":\"rina\",\"full_name\":\"Rina Marlina\",\"role\":\"intake\","
    "\"actions\":{\"call\":39,\"open\":39,\"check_ok\":30,\"return_incomplete\":5}},"
    "{\"username\":\"dedi\",\"role\":\"operator\",\"actions\":{\"record\":30},"
    "\"p50_ms\":480000,\"share_within\":0.77}]}";

static void test_report(void **state)
{
    (void)state;
    json_t *in = must_parse(report_json);
    render_ok("report", "report", in);
    check_raster("report", 100, 210, 297, 0.01);
    char *t = text_of("report");
    assert_has(t, "LAPORAN HARIAN PELAYANAN e-KTP");
    assert_has(t, "15 Januari 2025");
    assert_has(t, "Penerbitan baru");
    assert_has(t, "pemeriksaan berkas");
    assert_has(t, "82%");
    assert_has(t, "Rina Marlina");
    assert_has(t, "113"); /* rina's actions summed */
    assert_has(t, "Jumlah pelayanan");
    assert_has(t, "15:00");
    assert_has(t, "tidak ditemukan di SIAK");
    assert_has(t, "Sudah diserahkan");
    free(t);

    /* monthly, without a step's standard_ms: the SOP default is used */
    json_object_set_new(in, "period", json_string("monthly"));
    json_object_set_new(in, "month", json_string("2025-01"));
    render_ok("report", "report_monthly", in);
    t = text_of("report_monthly");
    assert_has(t, "LAPORAN BULANAN PELAYANAN e-KTP");
    assert_has(t, "Januari 2025");
    assert_has(t, "10:00"); /* recording standard */
    free(t);
    json_decref(in);
}

/* Bad input: the field named, KT_EINVAL, no bytes. */
static void refuse(const char *kind, const char *json, const char *field)
{
    unsigned char *buf = (unsigned char *)1;
    size_t len = 99;
    kt_error err;
    json_t *in = must_parse(json);
    kt_code rc = pdf_render(kind, in, &buf, &len, &err);
    json_decref(in);
    if (rc != KT_EINVAL)
        fail_msg("%s %s: expected KT_EINVAL, got %d", kind, json, rc);
    if (strcmp(err.field, field) != 0)
        fail_msg("%s: expected field '%s', got '%s' (%s)", kind, field, err.field, err.message);
    assert_true(err.message[0] != '\0');
    assert_true(buf == (unsigned char *)1 || buf == NULL);
    assert_true(len == 99 || len == 0);
}

static void test_bad_input(void **state)
{
    (void)state;
    refuse("ticket", "{\"service\":\"rekam_baru\",\"taken_at\":1736906400000}", "number");
    refuse("ticket", "{\"number\":\"B007\",\"service\":\"rekam_baru\",\"taken_at\":1736906400000}",
           "number");
    refuse("ticket", "{\"number\":\"A007\",\"service\":\"x\",\"taken_at\":1736906400000}", "service");
    refuse("ticket", "{\"number\":\"A007\",\"service\":\"rekam_baru\",\"taken_at\":1736906400}",
           "taken_at");
    refuse("receipt", "{\"receipt_no\":\"T1\",\"nik\":\"12345\",\"name\":\"A\",\"recorded_at\":"
           "1736906400000,\"expected_pickup\":\"2025-02-14\",\"token\":\"x\"}", "nik");
    refuse("receipt", "{\"receipt_no\":\"T1\",\"nik\":\"3671104507990001\",\"name\":\"A\","
           "\"recorded_at\":1736906400000,\"expected_pickup\":\"2025-02-30\",\"token\":\"x\"}",
           "expected_pickup");
    refuse("slip", "{\"name\":\"A\",\"kind\":\"baru\",\"at\":1736906400000,\"missing\":[\"ktp\"]}",
           "missing[0]");
    refuse("slip", "{\"name\":\"A\",\"kind\":\"baru\",\"at\":1736906400000,\"missing\":[]}",
           "missing");
    refuse("referral", "{\"name\":\"A\",\"reason\":\"because\",\"at\":1736906400000}", "reason");
    refuse("label", "{\"rack\":\"R1\",\"from\":\"a\",\"to\":\"b\"}", "box");
    refuse("report", "{\"period\":\"weekly\"}", "period");
    refuse("report", "{\"period\":\"daily\",\"date\":\"2025-01-15\",\"by_kind\":{\"baru\":-1}}",
           "by_kind.baru");
    refuse("report", "{\"date\":\"2025-01-15\",\"steps\":[{\"step\":\"call\","
           "\"count\":3,\"share_within\":1.5}]}", "steps[0].share_within");
    refuse("report", "{\"date\":\"2025-01-15\",\"by_state\":{\"lost\":1}}", "by_state.lost");
    refuse("nothing", "{}", "kind");
}

/* The citizen's side on paper: the ticket's QR to its phone page, the receipt's second QR to
   the survey, the IKM report (svc_ikm_report's JSON), and the QR as SVG for screens. */
static void test_citizen_documents(void **state)
{
    (void)state;
    json_t *in = must_parse("{\"number\":\"B012\",\"service\":\"perubahan_data\",\"taken_at\":1736906400000,"
                            "\"waiting\":2,\"track_url\":\"http://antrian.example/antrian.html#AAAAAAAAAAF8rZ8SwjLVGjj4\"}");
    render_ok("ticket", "ticket-qr", in);
    json_decref(in);
    check_raster("ticket-qr", 150, 80, 95 + 34, 0.01);
    char *t = text_of("ticket-qr");
    assert_has(t, "Pindai untuk memantau antrian");
    free(t);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "pdftoppm -r 200 -png -singlefile '%s/ticket-qr.pdf' '%s/ticket-qr'"
             " && zbarimg -q --raw '%s/ticket-qr.png' 2>/dev/null", outdir, outdir, outdir);
    char *qr = run(cmd);
    if (qr != NULL) {
        qr[strcspn(qr, "\r\n")] = '\0';
        assert_string_equal(qr, "http://antrian.example/antrian.html#AAAAAAAAAAF8rZ8SwjLVGjj4");
        free(qr);
    }

    in = must_parse("{\"label\":\"Maret 2026\",\"respondents\":2,\"population\":2,"
                    "\"sample_required\":2,\"ikm\":\"88.89\",\"grade\":\"A\",\"elements\":["
                    "{\"id\":\"persyaratan\",\"label\":\"Persyaratan\",\"nrr\":\"3.500\",\"value\":\"87.50\",\"grade\":\"B\"},"
                    "{\"id\":\"prosedur\",\"label\":\"Sistem, Mekanisme, dan Prosedur\",\"nrr\":\"3.500\",\"value\":\"87.50\",\"grade\":\"B\"},"
                    "{\"id\":\"waktu\",\"label\":\"Waktu Penyelesaian\",\"nrr\":\"3.500\",\"value\":\"87.50\",\"grade\":\"B\"},"
                    "{\"id\":\"biaya\",\"label\":\"Biaya/Tarif\",\"nrr\":\"4.000\",\"value\":\"100.00\",\"grade\":\"A\"},"
                    "{\"id\":\"produk\",\"label\":\"Produk Spesifikasi Jenis Pelayanan\",\"nrr\":\"3.500\",\"value\":\"87.50\",\"grade\":\"B\"},"
                    "{\"id\":\"kompetensi\",\"label\":\"Kompetensi Pelaksana\",\"nrr\":\"3.500\",\"value\":\"87.50\",\"grade\":\"B\"},"
                    "{\"id\":\"perilaku\",\"label\":\"Perilaku Pelaksana\",\"nrr\":\"3.500\",\"value\":\"87.50\",\"grade\":\"B\"},"
                    "{\"id\":\"pengaduan\",\"label\":\"Penanganan Pengaduan, Saran dan Masukan\",\"nrr\":\"3.500\",\"value\":\"87.50\",\"grade\":\"B\"},"
                    "{\"id\":\"sarana\",\"label\":\"Sarana dan Prasarana\",\"nrr\":\"3.500\",\"value\":\"87.50\",\"grade\":\"B\"}],"
                    "\"weakest\":[\"persyaratan\",\"prosedur\",\"waktu\"],"
                    "\"profile\":{\"sex\":{\"L\":1,\"P\":1},\"age\":{\"31-40\":1,\"61+\":1},"
                    "\"education\":{\"s1\":1,\"sma\":1},\"occupation\":{\"swasta\":1,\"wirausaha\":1}},"
                    "\"suggestions\":[{\"month\":\"2026-03\",\"text\":\"Ruang tunggu kurang kursi\"}]}");
    render_ok("ikm", "ikm", in);
    json_decref(in);
    check_raster("ikm", 100, 210, 297, 0.005);
    t = text_of("ikm");
    assert_has(t, "LAPORAN SURVEI KEPUASAN MASYARAKAT");
    assert_has(t, "Periode Maret 2026");
    assert_has(t, "88,89"); /* the decimal comma */
    assert_has(t, "87,50");
    assert_has(t, "A (Sangat Baik)");
    assert_has(t, "Penanganan Pengaduan");
    assert_has(t, "Ruang tunggu kurang kursi");
    assert_has(t, "Krejcie");
    assert_has(t, "Laki-laki: 1");
    free(t);
    /* no respondents: a report that says so */
    in = must_parse("{\"label\":\"Triwulan II 2026\",\"respondents\":0,\"elements\":[]}");
    render_ok("ikm", "ikm-empty", in);
    json_decref(in);
    t = text_of("ikm-empty");
    assert_has(t, "Belum ada responden");
    free(t);

    char *svg = NULL;
    size_t len = 0;
    kt_error err;
    assert_int_equal(pdf_qr_svg("https://antrian.example/janji.html#kode=K3M9QXA7C", &svg, &len, &err), KT_OK);
    assert_memory_equal(svg, "<svg", 4);
    assert_int_equal(strlen(svg), len);
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticket),   cmocka_unit_test(test_receipt_qr_roundtrip),
        cmocka_unit_test(test_slip),     cmocka_unit_test(test_referral),
        cmocka_unit_test(test_label),    cmocka_unit_test(test_report),
        cmocka_unit_test(test_bad_input), cmocka_unit_test(test_citizen_documents),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
