/*
 * svc_test.h - what the service tests share: a temp folder with a real SQLite file, a clock
 * the test moves by hand, actors per role, a tiny SIAK CSV writer, and the SOP's steps as the
 * suites drive them (a service with people imported; ticket, call and open; the document
 * check; recording up to a printed card). Header-only (static functions) so each test_*.c
 * stays one executable.
 *
 * With KTPEL_TEST_DB=postgres in the environment (ctest runs every service suite a second
 * time so, as unit/service/<suite>@pg) the same tests run on PostgreSQL: the first setup
 * starts a throwaway cluster (tests/pg/pg_test.h), each test case gets a fresh schema as its
 * database location and the temp folder as its data folder. Without the server binaries the
 * executable prints SKIP and exits 77 (ctest's skip code).
 */
#ifndef KTPEL_TEST_SVC_H
#define KTPEL_TEST_SVC_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bio/synth.h"
#include "doc/token.h"
#include "images.h"
#include "pg/pg_test.h"
#include "service/service.h"

/* 2026-03-02 09:00 WIB = 02:00 UTC */
#define T_BASE INT64_C(1772416800000)
#define T_MIN INT64_C(60000)

static int64_t t_now = T_BASE;
static int64_t t_clock(void) { return t_now; }

static char t_dir[64];
static char t_db[256];   /* the database location: a SQLite file in t_dir, or a PG schema */
static char t_data[96];  /* the data folder on PostgreSQL (SQLite's default is beside it) */

static int t_on_pg(void)
{
    const char *e = getenv("KTPEL_TEST_DB");
    return e != NULL && strcmp(e, "postgres") == 0;
}

static void t_pg_stop(void) { (void)pgt_stop(); }

static int t_setup_dir(void)
{
    static int pg_started;
    snprintf(t_dir, sizeof t_dir, "/tmp/ktpel-svc-XXXXXX");
    if (mkdtemp(t_dir) == NULL)
        return -1;
    t_now = T_BASE;
    if (!t_on_pg()) {
        snprintf(t_db, sizeof t_db, "%s/k.db", t_dir);
        t_data[0] = '\0';
        return 0;
    }
    if (!pg_started) {
        pg_started = 1;
        if (pgt_start() != 0)
            return -1;
        if (!pgt_up) {
            printf("SKIP: no PostgreSQL server for the service suites on PostgreSQL\n");
            exit(77);
        }
        atexit(t_pg_stop);
    }
    pgt_new_db(t_db, sizeof t_db);
    snprintf(t_data, sizeof t_data, "%s/data", t_dir);
    return 0;
}

/* A service configuration on the test's database and clock; the caller adds the rest. */
static void t_config(svc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->db_path = t_db;
    cfg->now_ms = t_clock;
    if (t_data[0] != '\0')
        cfg->data_dir = t_data;
}

static int t_rm_dir(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static svc *t_open(void)
{
    svc_config cfg;
    t_config(&cfg);
    svc *s = NULL;
    kt_error err;
    kt_code rc = svc_open(&cfg, &s, &err);
    if (rc != KT_OK)
        fprintf(stderr, "svc_open: %s\n", err.message);
    assert_int_equal(rc, KT_OK);
    return s;
}

__attribute__((unused)) static svc_actor t_actor(const char *role, int64_t id, int loket)
{
    svc_actor a;
    memset(&a, 0, sizeof a);
    a.user_id = id;
    snprintf(a.username, sizeof a.username, "%s%lld", role, (long long)id);
    snprintf(a.role, sizeof a.role, "%s", role);
    a.loket = loket;
    return a;
}

/* Write a file with the given text. */
__attribute__((unused)) static void t_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define SIAK_HEADER                                                                          \
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan," \
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"  \
    "ktp_status,card_valid\n"

__attribute__((unused)) static void t_expect(kt_code got, kt_code want, const kt_error *err)
{
    if (got != want)
        fprintf(stderr, "got %d want %d: %s %s: %s\n", got, want, err->id, err->field,
                err->message);
    assert_int_equal(got, want);
}

/* Is a command-line tool installed (pdftotext, pdftoppm, zbarimg)? */
__attribute__((unused)) static int t_have_tool(const char *name)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

/* A SIAK extract at path: SIAK_HEADER, then rows (CSV lines). */
__attribute__((unused)) static void t_write_siak(const char *path, const char *rows)
{
    size_t n = strlen(SIAK_HEADER) + strlen(rows) + 1;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%s%s", SIAK_HEADER, rows);
    t_write(path, text);
    free(text);
}

/* A service on the test's database with the SIAK rows imported from t_dir/siak.csv; *result
   (may be NULL) is the import's result (owned by the caller). */
__attribute__((unused)) static svc *t_open_with(const char *rows, json_t **result)
{
    char path[160];
    snprintf(path, sizeof path, "%s/siak.csv", t_dir);
    t_write_siak(path, rows);
    svc *s = t_open();
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_import_siak(s, &sys, path, 0, &out, &err), KT_OK, &err);
    if (result != NULL)
        *result = out;
    else
        json_decref(out);
    return s;
}

/* Take a rekam_baru ticket, have intake call it at loket 1 (it is the one called) and open an
   application (kind baru) for nik on it; the application's id, the ticket's in *ticket (may
   be NULL). */
__attribute__((unused)) static int64_t t_take_call_open(svc *s, const char *nik,
                                                        int64_t *ticket)
{
    svc_actor in = t_actor("intake", 1, 1);
    json_t *req = json_pack("{s:s}", "service", "rekam_baru"), *t = NULL, *c = NULL, *a = NULL;
    kt_error err;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    int64_t tid = json_integer_value(json_object_get(t, "id"));
    json_t *call = json_pack("{s:[s]}", "services", "rekam_baru");
    t_now += 20000;
    t_expect(svc_ticket_call_next(s, &in, call, &c, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(c, "id")), tid);
    if (ticket != NULL)
        *ticket = tid;
    json_t *o = json_pack("{s:I, s:s, s:s}", "ticket_id", (json_int_t)tid, "nik", nik, "kind",
                          "baru");
    t_now += 20000;
    t_expect(svc_app_open(s, &in, o, &a, &err), KT_OK, &err);
    int64_t id = json_integer_value(json_object_get(a, "id"));
    json_decref(req);
    json_decref(call);
    json_decref(t);
    json_decref(c);
    json_decref(o);
    json_decref(a);
    return id;
}

/* A receipt token for receipt_no and nik, valid for the hour around now, signed with another
   office's key (made in t_dir): genuine-looking, but not ours. */
__attribute__((unused)) static void t_foreign_token(const char *receipt_no, const char *nik,
                                                    char other[TOK_MAX_CHARS])
{
    char sec2[200], pub2[200];
    kt_error err;
    tok_keys k2;
    snprintf(sec2, sizeof sec2, "%s/other.key", t_dir);
    snprintf(pub2, sizeof pub2, "%s/other.pub", t_dir);
    t_expect(tok_keygen(sec2, pub2, &err), KT_OK, &err);
    t_expect(tok_load_secret(sec2, &k2, &err), KT_OK, &err);
    t_expect(tok_issue(&k2, receipt_no, nik, t_now - T_MIN, t_now + 60 * T_MIN, other,
                       TOK_MAX_CHARS, &err), KT_OK, &err);
    tok_keys_wipe(&k2);
}

/* The documents of a new card (kind baru), in the order the checks present them. */
__attribute__((unused)) static const char *const T_ALL_DOCS[] = {"pengantar_rt_rw", "f107",
                                                                 "kk_copy", "ijazah_akta"};

/* A synthetic impression as a binary PGM file in memory (owned by caller: free()). */
__attribute__((unused)) static unsigned char *t_finger_pgm(const bio_synth_master *m,
                                                           uint32_t impression, size_t *len)
{
    bio_image img;
    bio_msg msg;
    assert_int_equal(bio_synth_impression(m, impression, &img, NULL, &msg), BIO_OK);
    char head[32];
    int h = snprintf(head, sizeof head, "P5\n%d %d\n255\n", img.width, img.height);
    *len = (size_t)h + (size_t)img.width * (size_t)img.height;
    unsigned char *buf = malloc(*len);
    assert_non_null(buf);
    memcpy(buf, head, (size_t)h);
    memcpy(buf + h, img.pixels, (size_t)img.width * (size_t)img.height);
    bio_image_free(&img);
    return buf;
}

/* Intake checks the application with the first ndocs of T_ALL_DOCS; want: KT_OK (complete) or
   KT_EREFUSED (incomplete). */
__attribute__((unused)) static void t_check_docs(svc *s, int64_t id, size_t ndocs, kt_code want)
{
    svc_actor in = t_actor("intake", 1, 1);
    json_t *docs = json_array(), *out = NULL;
    kt_error err;
    for (size_t i = 0; i < ndocs; i++)
        json_array_append_new(docs, json_string(T_ALL_DOCS[i]));
    json_t *req = json_pack("{s:o}", "documents", docs);
    t_now += 2 * T_MIN;
    t_expect(svc_app_check(s, &in, id, req, &out, &err), want, &err);
    json_decref(out);
    json_decref(req);
}

/* Record a checked application (face and signature as files, the other slots as exceptions)
   and issue its receipt; its number into no (cap 40; may be NULL). */
__attribute__((unused)) static void t_record_receipt(svc *s, int64_t id, char *no)
{
    static const char *const slots[] = {"finger_1", "finger_2", "finger_3", "finger_4",
                                        "finger_5", "finger_6", "finger_7", "finger_8",
                                        "finger_9", "finger_10", "iris_left", "iris_right"};
    svc_actor op = t_actor("operator", 2, 0), ho = t_actor("handover", 3, 3);
    json_t *out = NULL, *req = json_pack("{s:s}", "reason", "alat tidak tersedia (uji)");
    kt_error err;
    size_t flen = 0, slen = 0;
    t_expect(svc_app_get(s, &op, id, &out, &err), KT_OK, &err);
    unsigned char *face = t_face_for_nik(json_string_value(json_object_get(out, "nik")), &flen);
    unsigned char *sig = t_png_gray(400, 150, &slen);
    json_decref(out);
    assert_non_null(face);
    assert_non_null(sig);
    t_now += T_MIN;
    t_expect(svc_app_bio_put(s, &op, id, "face", face, flen, "image/jpeg", &out, &err),
             KT_OK, &err);
    json_decref(out);
    t_expect(svc_app_bio_put(s, &op, id, "signature", sig, slen, "image/png", &out, &err),
             KT_OK, &err);
    json_decref(out);
    free(face);
    free(sig);
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        t_expect(svc_app_bio_exception(s, &op, id, slots[i], req, &out, &err), KT_OK, &err);
        json_decref(out);
    }
    json_decref(req);
    t_now += 3 * T_MIN;
    t_expect(svc_app_record(s, &op, id, &out, &err), KT_OK, &err);
    json_decref(out);
    t_now += 30000;
    t_expect(svc_app_receipt(s, &ho, id, &out, &err), KT_OK, &err);
    if (no != NULL)
        snprintf(no, 40, "%s", json_string_value(json_object_get(out, "receipt_no")));
    json_decref(out);
}

/* The same, then through the Disdukcapil states up to printed. */
__attribute__((unused)) static void t_record_to_printed(svc *s, int64_t id)
{
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    kt_error err;
    t_record_receipt(s, id, NULL);
    static const char *const acts[] = {"send", "print_ready", "print"};
    for (int i = 0; i < 3; i++) {
        t_expect(svc_app_act(s, &sup, id, acts[i], NULL, &out, &err), KT_OK, &err);
        json_decref(out);
    }
}

#endif
