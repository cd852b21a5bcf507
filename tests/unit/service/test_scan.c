/*
 * test_scan.c - the handover counter's QR scan (src/service/scan.c, libzbar) through the
 * service on a real SQLite file: the receipt PDF made by svc_doc_receipt, rendered to PNG with
 * pdftoppm as a camera would see the paper, scanned -> its application and a verified token;
 * the same token drawn by this test as a QR in a PGM (libqrencode, as src/doc draws it) also
 * scans; a tampered token, a token signed with another key, a PNG without any QR (the kiosk
 * ticket), bytes that are no image, an empty frame and the wrong roles are refused. Scanning
 * changes nothing: the receipt still hands over afterwards.
 * Without pdftoppm (poppler-utils) the test prints SKIP (the token it tampers with is the one
 * read from the rendered receipt).
 */
#include <qrencode.h>

#include "doc/token.h"
#include "unit/service/svc_test.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define NIK_A "3671101203900001"
#define RECEIPT_A "NGS-20260302-0001"

static const char *rows =
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n";

/* Ticket, call, open, full check, record, receipt issued, card printed: ready to collect. */
static int64_t app_ready_for_pickup(svc *s, int64_t *ticket)
{
    int64_t id = t_take_call_open(s, NIK_A, ticket);
    t_check_docs(s, id, 4, KT_OK);
    t_record_to_printed(s, id);
    return id;
}

/* A whole file into a new buffer (owned by caller: free()). */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    unsigned char *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A PDF rendered to PNG at 150 dpi (as a camera frame of the paper); the PNG's bytes (owned
   by caller: free()), NULL when pdftoppm is missing. */
static unsigned char *pdf_to_png(const unsigned char *pdf, size_t len, const char *name,
                                 size_t *png_len)
{
    char path[256], cmd[700];
    if (!t_have_tool("pdftoppm")) {
        fprintf(stderr, "SKIP: pdftoppm not installed\n");
        return NULL;
    }
    assert_memory_equal(pdf, "%PDF", 4);
    snprintf(path, sizeof path, "%s/%s", t_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pdf, 1, len, f), len);
    fclose(f);
    snprintf(cmd, sizeof cmd, "pdftoppm -r 150 -png -singlefile '%s' '%s'", path, path);
    assert_int_equal(system(cmd), 0);
    snprintf(path + strlen(path), sizeof path - strlen(path), ".png");
    return slurp(path, png_len);
}

/* text as a QR code drawn into a binary PGM (P5), 4 pixels a module, 4 modules of quiet
   zone, the way src/doc draws it. The image bytes (owned by caller: free()). */
static unsigned char *qr_pgm(const char *text, size_t *len)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(qr);
    int n = qr->width, quiet = 4, px = 4, side = (n + 2 * quiet) * px;
    char head[32];
    int hl = snprintf(head, sizeof head, "P5\n%d %d\n255\n", side, side);
    *len = (size_t)hl + (size_t)side * (size_t)side;
    unsigned char *img = malloc(*len);
    assert_non_null(img);
    memcpy(img, head, (size_t)hl);
    unsigned char *p = img + hl;
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            int r = y / px - quiet, c = x / px - quiet;
            int dark = r >= 0 && r < n && c >= 0 && c < n && (qr->data[r * n + c] & 1);
            p[y * side + x] = dark ? 0 : 255;
        }
    QRcode_free(qr);
    return img;
}

/* A successful scan: the application of receipt A, verified. */
static void assert_scan_ok(const json_t *out, int64_t app)
{
    json_t *a = json_object_get(out, "application");
    assert_int_equal(json_integer_value(json_object_get(a, "id")), app);
    assert_string_equal(json_string_value(json_object_get(a, "nik")), NIK_A);
    assert_true(json_is_true(json_object_get(a, "token_verified")));
    assert_string_equal(json_string_value(json_object_get(out, "receipt_no")), RECEIPT_A);
    /* the receipt's token and, when the picture is a whole receipt, its survey QR */
    assert_true(json_integer_value(json_object_get(out, "symbols")) >= 1);
    assert_true(strlen(json_string_value(json_object_get(out, "token"))) > 100);
}

static void test_scan_receipt(void **state)
{
    (void)state;
    svc *s = t_open_with(rows, NULL);
    svc_actor ho = t_actor("handover", 3, 3), sup = t_actor("supervisor", 4, 0),
              in = t_actor("intake", 1, 1), op = t_actor("operator", 2, 2);
    json_t *out = NULL;
    kt_error err;
    unsigned char *pdf = NULL, *img = NULL;
    size_t len = 0, img_len = 0;
    int64_t ticket = 0;
    int64_t app = app_ready_for_pickup(s, &ticket);
    char token[TOK_MAX_CHARS];

    /* 1. The receipt as printed, rendered and scanned. */
    t_expect(svc_doc_receipt(s, &ho, app, &pdf, &len, &err), KT_OK, &err);
    img = pdf_to_png(pdf, len, "receipt.pdf", &img_len);
    free(pdf);
    pdf = NULL;
    if (img != NULL) {
        assert_memory_equal(img, "\x89PNG", 4);
        t_expect(svc_scan_receipt(s, &ho, img, img_len, &out, &err), KT_OK, &err);
        assert_scan_ok(out, app);
        json_decref(out);
        /* the supervisor may scan too; intake and operator may not */
        t_expect(svc_scan_receipt(s, &sup, img, img_len, &out, &err), KT_OK, &err);
        snprintf(token, sizeof token, "%s", json_string_value(json_object_get(out, "token")));
        json_decref(out);
        assert_int_equal(svc_scan_receipt(s, &in, img, img_len, &out, &err), KT_EFORBIDDEN);
        assert_null(out);
        assert_int_equal(svc_scan_receipt(s, &op, img, img_len, &out, &err), KT_EFORBIDDEN);
        assert_null(out);
        free(img);
    } else {
        svc_close(s); /* SKIP printed: the token to tamper with comes from the paper */
        return;
    }

    /* 2. The same token drawn here as a QR in a PGM: the same application. */
    img = qr_pgm(token, &img_len);
    t_expect(svc_scan_receipt(s, &ho, img, img_len, &out, &err), KT_OK, &err);
    assert_scan_ok(out, app);
    assert_string_equal(json_string_value(json_object_get(out, "token")), token);
    json_decref(out);
    free(img);

    /* 3. A forged QR: one character of the token changed. */
    char forged[TOK_MAX_CHARS];
    snprintf(forged, sizeof forged, "%s", token);
    forged[40] = forged[40] == 'A' ? 'B' : 'A';
    img = qr_pgm(forged, &img_len);
    kt_error_clear(&err);
    kt_code rc = svc_scan_receipt(s, &ho, img, img_len, &out, &err);
    assert_null(out);
    assert_int_equal(rc, KT_EINVAL);
    assert_true(strncmp(err.id, "token_", 6) == 0);
    free(img);

    /* 4. A genuine-looking token for receipt A signed with another office's key. */
    char other[TOK_MAX_CHARS];
    t_foreign_token(RECEIPT_A, NIK_A, other);
    img = qr_pgm(other, &img_len);
    assert_int_equal(svc_scan_receipt(s, &ho, img, img_len, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "token_bad_signature");
    assert_null(out);
    free(img);

    /* 5. A QR that is no token at all. */
    img = qr_pgm("https://example.org/bukan-tanda-terima", &img_len);
    assert_int_equal(svc_scan_receipt(s, &ho, img, img_len, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "token_malformed");
    free(img);

    /* 6. The kiosk ticket of the same applicant: its QR (the phone queue page) is no receipt
       token. */
    t_expect(svc_doc_ticket(s, ticket, &pdf, &len, &err), KT_OK, &err);
    img = pdf_to_png(pdf, len, "ticket.pdf", &img_len);
    free(pdf);
    assert_non_null(img);
    assert_int_equal(svc_scan_receipt(s, &ho, img, img_len, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "token_malformed");
    assert_null(out);
    free(img);
    /* A picture without QR: a blank sheet. */
    static const char blank_head[] = "P5\n64 64\n255\n";
    img_len = sizeof blank_head - 1 + 64 * 64;
    img = malloc(img_len);
    assert_non_null(img);
    memcpy(img, blank_head, sizeof blank_head - 1);
    memset(img + sizeof blank_head - 1, 255, 64 * 64);
    assert_int_equal(svc_scan_receipt(s, &ho, img, img_len, &out, &err), KT_EREFUSED);
    assert_string_equal(err.id, "qr_not_found");
    assert_string_equal(err.field, "image");
    assert_null(out);
    free(img);

    /* 7. Not an image; an empty frame; a wrong role is refused before the image is read. */
    static const char text[] = "ini bukan gambar, hanya teks biasa";
    assert_int_equal(svc_scan_receipt(s, &ho, text, sizeof text - 1, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "scan_image_invalid");
    static const unsigned char trunc_png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,
                                              0,    0,   13,  'I', 'H',  'D',  'R'};
    assert_int_equal(svc_scan_receipt(s, &ho, trunc_png, sizeof trunc_png, &out, &err),
                     KT_EINVAL);
    assert_string_equal(err.id, "scan_image_invalid");
    assert_int_equal(svc_scan_receipt(s, &ho, text, 0, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "scan_image_empty");
    assert_int_equal(svc_scan_receipt(s, &ho, NULL, 10, &out, &err), KT_EINVAL);
    assert_int_equal(svc_scan_receipt(s, &in, text, sizeof text - 1, &out, &err),
                     KT_EFORBIDDEN);
    assert_null(out);

    /* 8. Scanning changed nothing: the scanned token still hands the card over, once. */
    json_t *req = json_pack("{s:s, s:s}", "token", token, "confirmed_by", "ktp_receipt");
    t_now += T_MIN;
    t_expect(svc_app_hand_over(s, &ho, app, req, &out, &err), KT_OK, &err);
    json_decref(out);
    assert_int_equal(svc_app_hand_over(s, &ho, app, req, &out, &err), KT_ECONFLICT);
    json_decref(req);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_receipt, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
