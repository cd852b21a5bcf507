/*
 * test_afis.c - AFIS de-duplication through the real `ktpel serve` over loopback: A is
 * recorded; B (another NIK) uploads A's fingers (other touches of the same synthetic fingers,
 * src/bio synth) and the recording answers `duplicate`; the supervisor lists the waiting
 * duplicates, opens the side-by-side view (biodata, image URLs that serve the matched finger),
 * and confirms; at handover A's finger is checked 1:1. An unreadable finger upload is a 400.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/synth.h"
#include "../images.h"
#include "harness.h"

#define NIK_A "3671101203900001"
#define NIK_B "3671101404910002"

static const char csv[] =
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,"
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"
    "ktp_status,card_valid\n"
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,,1,2,,,WNI,,"
    "JL. PROF. DR. SITANALA NO. 5,002,005,3671101001,367110,,UNREGISTERED,0\n"
    NIK_B ",3671100101090002,BUDI SANTOSO,TANGERANG,1991-04-14,L,,1,1,,,WNI,,"
    "JL. HALIM NO. 2,001,003,3671101002,367110,,UNREGISTERED,0\n";

typedef struct fx {
    char dir[256], db[300], data[300];
    api_server srv;
    char intake[160], operator_[160], handover[160], supervisor[160];
    bio_synth_master *m[2];
} fx;

static fx *G;

static json_t *call(const char *method, const char *cookie, const char *body, long want,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static json_t *call(const char *method, const char *cookie, const char *body, long want,
                    const char *fmt, ...)
{
    char path[400], url[512];
    api_resp r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    snprintf(url, sizeof url, "%s%s", G->srv.base, path);
    assert_int_equal(api_json(&r, method, url, cookie, body), 0);
    if (r.status != want)
        fprintf(stderr, "%s %s -> %ld (want %ld): %s\n", method, path, r.status, want, r.body);
    assert_int_equal(r.status, want);
    json_t *j = api_body(&r);
    api_resp_free(&r);
    return j;
}

/* A raw body (image) call; returns the parsed answer (owned). */
static json_t *call_raw(const char *method, const char *cookie, const void *data, size_t len,
                        long want, const char *path)
{
    char url[512];
    api_resp r;
    snprintf(url, sizeof url, "%s%s", G->srv.base, path);
    assert_int_equal(api_call(&r, method, url, cookie, "image/x-portable-graymap", data, len), 0);
    if (r.status != want)
        fprintf(stderr, "%s %s -> %ld (want %ld): %s\n", method, path, r.status, want, r.body);
    assert_int_equal(r.status, want);
    json_t *j = api_body(&r);
    api_resp_free(&r);
    return j;
}

static void login(const char *user, int loket, char cookie[160])
{
    char url[512], body[200];
    api_resp r;
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"rahasia-%s\",\"loket\":%d}",
             user, user, loket);
    snprintf(url, sizeof url, "%s/api/login", G->srv.base);
    assert_int_equal(api_json(&r, "POST", url, NULL, body), 0);
    assert_int_equal(r.status, 200);
    snprintf(cookie, 160, "%s", r.cookie);
    api_resp_free(&r);
}

static void add_user(const char *name, const char *role, const char *loket)
{
    char pw[80];
    const char *args_l[] = {"user", "add", name, "--role", role, "--full-name", name, "--loket",
                            loket, "--db", G->db, NULL};
    const char *args[] = {"user", "add", name, "--role", role, "--full-name", name, "--db",
                          G->db, NULL};
    snprintf(pw, sizeof pw, "rahasia-%s\n", name);
    assert_int_equal(api_ktpel_in(loket != NULL ? args_l : args, pw), 0);
}

/* Impression k of master m as a binary PGM (owned by caller: free()). */
static unsigned char *finger_pgm(int m, uint32_t k, size_t *len)
{
    bio_image img;
    bio_msg msg;
    assert_int_equal(bio_synth_impression(G->m[m], k, &img, NULL, &msg), BIO_OK);
    char head[32];
    int h = snprintf(head, sizeof head, "P5\n%d %d\n255\n", img.width, img.height);
    size_t px = (size_t)img.width * (size_t)img.height;
    *len = (size_t)h + px;
    unsigned char *buf = malloc(*len);
    assert_non_null(buf);
    memcpy(buf, head, (size_t)h);
    memcpy(buf + h, img.pixels, px);
    bio_image_free(&img);
    return buf;
}

static int setup(void **state)
{
    char csvpath[300];
    bio_msg msg;
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    G = f;
    for (int i = 0; i < 2; i++)
        assert_int_equal(bio_synth_master_new(77, (uint32_t)i, 1, &f->m[i], &msg), BIO_OK);
    assert_int_equal(api_tmp_make(f->dir), 0);
    snprintf(f->db, sizeof f->db, "%s/ktpel.db", f->dir);
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    snprintf(csvpath, sizeof csvpath, "%s/siak.csv", f->dir);
    assert_int_equal(api_write_file(csvpath, csv, strlen(csv)), 0);
    const char *a1[] = {"init", "--db", f->db, NULL};
    assert_int_equal(api_ktpel(a1), 0);
    const char *a2[] = {"import-siak", csvpath, "--db", f->db, NULL};
    assert_int_equal(api_ktpel(a2), 0);
    add_user("intake1", "intake", "1");
    add_user("operator1", "operator", NULL);
    add_user("handover1", "handover", "3");
    add_user("supervisor1", "supervisor", NULL);
    /* the tests take their tickets as the office's registered kiosk does */
    {
        char kiosk[65];
        assert_int_equal(api_kiosk_add(f->db, "Kios uji", kiosk), 0);
        api_use_kiosk(kiosk);
    }
    assert_int_equal(api_server_start(&f->srv, f->db, f->data), 0);
    login("intake1", 1, f->intake);
    login("operator1", 0, f->operator_);
    login("handover1", 3, f->handover);
    login("supervisor1", 0, f->supervisor);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    int st = api_server_stop(&f->srv);
    api_tmp_remove(f->dir);
    for (int i = 0; i < 2; i++)
        bio_synth_master_free(f->m[i]);
    assert_int_equal(st, 0); /* graceful, and leak-free under ASan */
    free(f);
    G = NULL;
    return 0;
}

/* Ticket, open, check, uploads (two fingers = impression k of both masters), record. */
static json_t *enrol(const char *nik, uint32_t k)
{
    char path[200];
    json_t *t = call("POST", NULL, "{\"service\":\"rekam_baru\"}", 201, "/api/tickets");
    json_decref(call("POST", G->intake, NULL, 200, "/api/tickets/next"));
    char body[200];
    snprintf(body, sizeof body, "{\"ticket_id\":%lld,\"nik\":\"%s\",\"kind\":\"baru\"}",
             (long long)json_integer_value(json_object_get(t, "id")), nik);
    json_decref(t);
    json_t *a = call("POST", G->intake, body, 201, "/api/applications");
    json_int_t id = json_integer_value(json_object_get(a, "id"));
    json_t *in = json_pack("{s:O}", "documents", json_object_get(a, "documents_required"));
    char *txt = json_dumps(in, JSON_COMPACT);
    json_decref(call("POST", G->intake, txt, 200, "/api/applications/%lld/check", (long long)id));
    free(txt);
    json_decref(in);
    json_decref(a);
    size_t flen = 0, slen = 0;
    unsigned char *face = t_face_for_nik(nik, &flen), *sig = t_png_gray(400, 150, &slen);
    assert_non_null(face);
    assert_non_null(sig);
    snprintf(path, sizeof path, "/api/applications/%lld/bio/face", (long long)id);
    json_decref(call_raw("PUT", G->operator_, face, flen, 200, path));
    snprintf(path, sizeof path, "/api/applications/%lld/bio/signature", (long long)id);
    json_decref(call_raw("PUT", G->operator_, sig, slen, 200, path));
    free(face);
    free(sig);
    for (int f = 0; f < 2; f++) {
        size_t len = 0;
        unsigned char *pgm = finger_pgm(f, k, &len);
        snprintf(path, sizeof path, "/api/applications/%lld/bio/finger_%d", (long long)id, f + 1);
        json_t *j = call_raw("PUT", G->operator_, pgm, len, 200, path);
        assert_true(json_is_integer(json_object_get(j, "quality")));
        assert_non_null(json_string_value(json_object_get(j, "advice")));
        json_decref(j);
        free(pgm);
    }
    static const char *rest[] = {"finger_3", "finger_4", "finger_5", "finger_6", "finger_7",
                                 "finger_8", "finger_9", "finger_10", "iris_left", "iris_right"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        json_decref(call("POST", G->operator_, "{\"reason\":\"tidak diambil dalam uji\"}", 200,
                         "/api/applications/%lld/bio/%s/exception", (long long)id, rest[i]));
    return call("POST", G->operator_, NULL, 200, "/api/applications/%lld/record", (long long)id);
}

static void test_duplicate_over_http(void **state)
{
    (void)state;
    char path[200];
    json_t *ra = enrol(NIK_A, 0);
    json_int_t a = json_integer_value(json_object_get(ra, "id"));
    assert_string_equal(json_string_value(json_object_get(ra, "state")), "recorded");
    json_decref(ra);

    json_t *rb = enrol(NIK_B, 1);
    json_int_t b = json_integer_value(json_object_get(rb, "id"));
    assert_string_equal(json_string_value(json_object_get(rb, "state")), "duplicate");
    json_t *h0 = json_array_get(json_object_get(json_object_get(rb, "afis"), "hits"), 0);
    /* The operator is told the fingers match another NIK, masked (the supervisor decides). */
    assert_string_equal(json_string_value(json_object_get(h0, "matched_nik")), "367110******0001");
    json_decref(rb);

    /* The waiting list is the supervisor's. */
    json_decref(call("GET", G->operator_, NULL, 403, "/api/duplicates"));
    json_t *l = call("GET", G->supervisor, NULL, 200, "/api/duplicates");
    assert_int_equal(json_integer_value(json_object_get(l, "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(
                         json_object_get(l, "duplicates"), 0), "id")), b);
    json_decref(l);

    /* Side by side; the matched finger's URL serves A's image. */
    json_t *d = call("GET", G->supervisor, NULL, 200, "/api/applications/%lld/duplicate",
                     (long long)b);
    json_t *other = json_array_get(json_object_get(d, "matched"), 0);
    assert_string_equal(json_string_value(json_object_get(other, "nik")), NIK_A);
    assert_string_equal(json_string_value(json_object_get(json_object_get(other, "resident"),
                                                          "name")), "AHMAD FAUZI");
    const char *furl = json_string_value(json_object_get(
        json_array_get(json_object_get(d, "hits"), 0), "matched_finger_url"));
    assert_non_null(furl);
    char url[512];
    api_resp r;
    snprintf(url, sizeof url, "%s%s", G->srv.base, furl);
    assert_int_equal(api_call(&r, "GET", url, G->supervisor, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 1000 && memcmp(r.body, "P5", 2) == 0);
    api_resp_free(&r);
    json_decref(d);

    /* The decision, audited with its note. */
    json_t *c = call("POST", G->supervisor, "{\"note\":\"orang yang sama dengan NIK lain\"}", 200,
                     "/api/applications/%lld/actions/confirm_duplicate", (long long)b);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "rejected");
    json_decref(c);
    l = call("GET", G->supervisor, NULL, 200, "/api/duplicates");
    assert_int_equal(json_integer_value(json_object_get(l, "count")), 0);
    json_decref(l);

    /* Handover 1:1 check of A's finger; another finger does not match. (Impression 3: the
       generator's impression 2 of this finger is a partial touch of its side, 3 minutiae.) */
    size_t len = 0;
    unsigned char *own = finger_pgm(0, 3, &len);
    snprintf(path, sizeof path, "/api/applications/%lld/verify-finger?slot=finger_1", (long long)a);
    json_t *v = call_raw("POST", G->handover, own, len, 200, path);
    assert_true(json_is_true(json_object_get(v, "match")));
    json_decref(v);
    free(own);
    unsigned char *not_own = finger_pgm(1, 3, &len);
    v = call_raw("POST", G->handover, not_own, len, 200, path);
    assert_false(json_is_true(json_object_get(v, "match")));
    json_decref(v);
    free(not_own);

    /* Unreadable upload: 400 with the reason, nothing stored. */
    snprintf(path, sizeof path, "/api/applications/%lld/verify-finger", (long long)a);
    v = call_raw("POST", G->handover, "bukan gambar", 12, 400, path);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "error"), "code")),
                        "finger_unreadable");
    json_decref(v);

    json_t *st = call("GET", G->supervisor, NULL, 200, "/api/afis");
    assert_int_equal(json_integer_value(json_object_get(st, "fingers")), 4);
    json_decref(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_duplicate_over_http, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
