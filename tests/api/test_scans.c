/*
 * test_scans.c - the scans of the documents checked at intake (SOP step 2, the "scanner
 * digital"; issue 11 item 2), through the real `ktpel serve` over loopback:
 *   - the intake officer uploads the scan of a presented document once the check recorded it;
 *     the server reads the kind from the bytes (the declared type is ignored) and the size from
 *     the header before decoding;
 *   - refused, changing nothing: text or HTML or SVG or a PDF, a header claiming an 8000x8000
 *     page, a truncated image, a document not presented or unknown, the wrong role, the wrong
 *     state (before the check);
 *   - the file is sealed at rest; the operator reads it back (the same bytes, an image type,
 *     as an attachment); the handover loket may not; the application lists its scans;
 *   - a key rotation re-seals the scans with the biometric files (the scan still opens).
 * The packet to Disdukcapil carrying the scans is test_link's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../images.h"
#include "harness.h"

#define ADULT "3671101203900001"

static const char csv[] =
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,"
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"
    "ktp_status,card_valid\n" ADULT ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,,1,"
    "2,,,WNI,,JL. PROF. DR. SITANALA NO. 5,002,005,3671101001,367110,,UNREGISTERED,0\n";

typedef struct fx {
    char dir[256], db[300], data[300], kiosk[65];
    api_server srv;
    char intake[160], op[160], handover[160];
} fx;

static fx *G;

static json_t *call(const char *method, const char *cookie, const char *body, long want,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static json_t *call(const char *method, const char *cookie, const char *body, long want,
                    const char *fmt, ...)
{
    char path[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    api_resp r;
    assert_int_equal(api_expect(&r, G->srv.base, method, cookie, NULL, body, want, "%s", path), 0);
    json_t *j = api_body(&r);
    api_resp_free(&r);
    return j;
}

/* PUT a scan; the answer's status and error code (code may be NULL). */
static long put_scan(const char *cookie, long long app, const char *doc, const char *ctype,
                     const void *data, size_t len, char code[64])
{
    char url[300];
    api_resp r;
    snprintf(url, sizeof url, "%s/api/applications/%lld/documents/%s/scan", G->srv.base, app, doc);
    assert_int_equal(api_call(&r, "PUT", url, cookie, ctype, data, len), 0);
    long st = r.status;
    if (code != NULL)
        api_error_code(&r, code);
    api_resp_free(&r);
    return st;
}

/* The CRC of a PNG chunk (type and data), as the format defines it. */
static uint32_t png_crc(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    G = f;
    *state = f;
    assert_int_equal(api_site_make(f->dir, f->db, f->data, csv), 0);
    assert_int_equal(api_add_user(f->db, "intake1", "intake", "1"), 0);
    assert_int_equal(api_add_user(f->db, "operator1", "operator", NULL), 0);
    assert_int_equal(api_add_user(f->db, "handover1", "handover", "3"), 0);
    assert_int_equal(api_kiosk_add(f->db, "Kios uji", f->kiosk), 0);
    assert_int_equal(api_server_start(&f->srv, f->db, f->data), 0);
    assert_int_equal(api_login(f->srv.base, "intake1", 1, f->intake), 0);
    assert_int_equal(api_login(f->srv.base, "operator1", 0, f->op), 0);
    assert_int_equal(api_login(f->srv.base, "handover1", 3, f->handover), 0);
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    int st = api_server_stop(&f->srv);
    api_tmp_remove(f->dir);
    free(f);
    return st == 0 ? 0 : -1;
}

static void test_scans(void **state)
{
    (void)state;
    char code[64];
    /* An application at the intake loket (ticket from the kiosk). */
    api_use_kiosk(G->kiosk);
    json_decref(call("POST", NULL, "{\"service\":\"rekam_baru\"}", 201, "/api/tickets"));
    api_use_kiosk(NULL);
    json_t *t = call("POST", G->intake, NULL, 200, "/api/tickets/next");
    char body[300];
    snprintf(body, sizeof body, "{\"ticket_id\":%lld,\"nik\":\"" ADULT "\",\"kind\":\"baru\"}",
             (long long)json_integer_value(json_object_get(t, "id")));
    json_decref(t);
    json_t *a = call("POST", G->intake, body, 201, "/api/applications");
    long long app = json_integer_value(json_object_get(a, "id"));
    size_t plen = 0;
    unsigned char *page = t_png_gray(850, 1100, &plen); /* a page at 100 dpi */
    assert_non_null(page);
    /* Before the check nothing is presented: no scan yet. */
    assert_int_equal(put_scan(G->intake, app, "kk_copy", "image/png", page, plen, code), 409);
    assert_string_equal(code, "scan_state");
    json_t *in = json_pack("{s:O}", "documents", json_object_get(a, "documents_required"));
    char *txt = json_dumps(in, JSON_COMPACT);
    json_decref(call("POST", G->intake, txt, 200, "/api/applications/%lld/check", app));
    free(txt);
    json_decref(in);
    json_decref(a);

    /* The scan of the family card, declared as anything: the server reads a PNG. */
    assert_int_equal(put_scan(G->intake, app, "kk_copy", "application/octet-stream", page, plen,
                              NULL),
                     200);
    json_t *j = call("GET", G->op, NULL, 200, "/api/applications/%lld", app);
    json_t *sc = json_array_get(json_object_get(j, "scans"), 0);
    assert_non_null(sc);
    assert_string_equal(json_string_value(json_object_get(sc, "doc")), "kk_copy");
    assert_string_equal(json_string_value(json_object_get(sc, "content_type")), "image/png");
    assert_int_equal(json_integer_value(json_object_get(sc, "width")), 850);
    json_decref(j);

    /* Not images, or not acceptable ones: refused, nothing stored. */
    static const char html[] = "<html><script>alert(1)</script></html>";
    static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>";
    static const char pdf[] = "%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript >> >>";
    assert_int_equal(put_scan(G->intake, app, "pengantar_rt_rw", "image/png", html,
                              sizeof html - 1, code), 400);
    assert_string_equal(code, "image_invalid");
    assert_int_equal(put_scan(G->intake, app, "pengantar_rt_rw", "image/svg+xml", svg,
                              sizeof svg - 1, code), 400);
    assert_int_equal(put_scan(G->intake, app, "pengantar_rt_rw", "application/pdf", pdf,
                              sizeof pdf - 1, code), 400);
    assert_string_equal(code, "image_invalid");
    assert_int_equal(put_scan(G->intake, app, "pengantar_rt_rw", "image/png", page, plen / 2,
                              code), 400); /* cut in the middle of its data */
    /* A header claiming an 8000x8000 page: refused from the header, before any decoding. */
    unsigned char *big = malloc(plen);
    memcpy(big, page, plen);
    unsigned char dim[8] = {0, 0, 0x1F, 0x40, 0, 0, 0x1F, 0x40};
    memcpy(big + 16, dim, 8);
    uint32_t crc = png_crc(big + 12, 17);
    unsigned char cb[4] = {(unsigned char)(crc >> 24), (unsigned char)(crc >> 16),
                           (unsigned char)(crc >> 8), (unsigned char)crc};
    memcpy(big + 29, cb, 4);
    assert_int_equal(put_scan(G->intake, app, "pengantar_rt_rw", "image/png", big, plen, code),
                     413);
    assert_string_equal(code, "image_too_large");
    free(big);
    /* Too small to read. */
    size_t slen = 0;
    unsigned char *small = t_png_gray(120, 90, &slen);
    assert_int_equal(put_scan(G->intake, app, "pengantar_rt_rw", "image/png", small, slen,
                              code), 400);
    assert_string_equal(code, "image_too_small");
    free(small);
    /* Not presented, unknown, the wrong role. */
    assert_int_equal(put_scan(G->intake, app, "surat_kehilangan", "image/png", page, plen, code),
                     409);
    assert_string_equal(code, "doc_not_presented");
    assert_int_equal(put_scan(G->intake, app, "paspor", "image/png", page, plen, code), 400);
    assert_string_equal(code, "doc_invalid");
    assert_int_equal(put_scan(G->op, app, "pengantar_rt_rw", "image/png", page, plen, code), 403);
    j = call("GET", G->op, NULL, 200, "/api/applications/%lld", app);
    assert_int_equal(json_array_size(json_object_get(j, "scans")), 1);
    json_decref(j);

    /* Sealed at rest: the file on disk is not the PNG. */
    char path[600];
    snprintf(path, sizeof path, "%s/apps/%lld/doc_kk_copy", G->data, app);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char head[8] = {0};
    assert_int_equal(fread(head, 1, 8, fp), 8);
    fclose(fp);
    assert_true(memcmp(head, page, 8) != 0);

    /* The operator reads it back: the same bytes, as an image attachment; handover may not. */
    char url[300];
    api_resp r;
    snprintf(url, sizeof url, "%s/api/applications/%lld/documents/kk_copy/scan", G->srv.base, app);
    assert_int_equal(api_call(&r, "GET", url, G->op, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "image/png");
    assert_int_equal(r.len, plen);
    assert_memory_equal(r.body, page, plen);
    char disp[200];
    assert_non_null(api_header(&r, "Content-Disposition", disp, sizeof disp));
    assert_non_null(strstr(disp, "attachment"));
    api_resp_free(&r);
    assert_int_equal(api_call(&r, "GET", url, G->handover, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 403);
    api_resp_free(&r);
    /* The operator's view is in the access log (who, whose NIK, which document); the refused
       one is not. */
    char reads[16384];
    const char *rd[] = {"audit", "reads", "--nik", ADULT, "--db", G->db, NULL};
    assert_int_equal(api_ktpel_out(rd, reads, sizeof reads), 0);
    const char *seen = strstr(reads, "read_scan");
    assert_non_null(seen);
    assert_non_null(strstr(seen, "doc_kk_copy"));
    assert_null(strstr(seen + 1, "read_scan"));

    /* A key rotation re-seals the scan with the biometric files: it still opens. */
    assert_int_equal(api_server_stop(&G->srv), 0);
    const char *rot[] = {"key", "rotate", "--db", G->db, NULL};
    assert_int_equal(api_ktpel(rot), 0);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char head2[8] = {0};
    assert_int_equal(fread(head2, 1, 8, fp), 8);
    fclose(fp);
    assert_true(memcmp(head, head2, 8) != 0); /* rewritten under the new key */
    assert_int_equal(api_server_start(&G->srv, G->db, G->data), 0);
    assert_int_equal(api_login(G->srv.base, "operator1", 0, G->op), 0);
    snprintf(url, sizeof url, "%s/api/applications/%lld/documents/kk_copy/scan", G->srv.base, app);
    assert_int_equal(api_call(&r, "GET", url, G->op, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, page, plen);
    api_resp_free(&r);
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scans),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
