/*
 * afis_service_bench.c - AFIS de-duplication as the office runs it: the gallery loaded from
 * storage when the service opens, and the record step of one enrollee (10 fingers) searched
 * against it, through the real service on a real SQLite file.
 *
 * Per size N: N gallery rows are written to afis_templates (10 rendered synthetic fingers of
 * person A, extracted like an upload, plus N - 10 fingers of synthetic people in template
 * mode, ten a person, each person with a recorded application of its own), all sealed as the
 * service stores them (src/seal), the service is opened again (which loads the gallery), and
 * person B presents other impressions of A's ten fingers: the record step must find the
 * duplicate. Then U unique new people (ten synthetic fingers each, uploaded as a scanner's ISO
 * records) are recorded one after the other: the ones flagged as a duplicate are the service's
 * false positive identifications (FPIR).
 * Prints: rows written, svc_open time, gallery load time and heap, record-step time, whether
 * B became a duplicate and on how many fingers; then U, flagged, and the record step's mean
 * wall and process CPU time.
 * Usage: afis_service_bench [--unique U] [N ...]   (defaults: U 0, N 10000 100000)
 * Figures go to docs/benchmarks.md, section "AFIS in the service". Never asserts speed.
 */
#include "bio/bio.h"
#include "bio/extract.h"
#include "bio/synth.h"
#include "bio/template.h"
#include "service/service.h"
#include "service/svc_internal.h"
#include "../tests/images.h" /* real face and signature images: the server decodes uploads */

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEED 20261206u
#define NIK_A "3671101203900001"
#define NIK_B "3671101404910002"

static const char *csv =
    "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,"
    "pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,"
    "ktp_status,card_valid\n" NIK_A
    ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,2,5,"
    "3671101001,367110,1,UNREGISTERED,0\n" NIK_B
    ",3671100101090002,BUDI SANTOSO,TANGERANG,1991-04-14,L,4,1,1,15,5,WNI,,JL. B NO. 2,2,5,"
    "3671101001,367110,1,UNREGISTERED,0\n";

static int64_t clock_ms = INT64_C(1772416800000); /* 2026-03-02 09:00 WIB */

/* The i-th unique enrollee's NIK: kecamatan 367110, born 1 January 1990, serial i + 1. */
static void unique_nik(int i, char nik[17])
{
    snprintf(nik, 17, "367110010190%04u", (unsigned)(i + 1) % 10000u);
}

/* The SIAK file: A, B and `unique` more residents (owned by caller: free()). */
static char *siak_csv(int unique)
{
    size_t cap = strlen(csv) + (size_t)unique * 160 + 1, n = strlen(csv);
    char *b = malloc(cap);
    if (b == NULL)
        exit(1);
    memcpy(b, csv, n + 1);
    for (int i = 0; i < unique; i++) {
        char nik[17];
        unique_nik(i, nik);
        n += (size_t)snprintf(b + n, cap - n,
                              "%s,36711001010%05d,WARGA UJI %d,TANGERANG,1990-01-01,L,4,1,1,15,5,"
                              "WNI,,JL. C NO. %d,2,5,3671101001,367110,1,UNREGISTERED,0\n",
                              nik, i + 3, i + 1, i + 1);
    }
    return b;
}

static double cpu_now(void) /* every thread of the process */
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static int64_t bench_clock(void) { return clock_ms; }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const kt_error *err)
{
    fprintf(stderr, "afis_service_bench: %s: %s %s: %s\n", what, err != NULL ? err->id : "",
            err != NULL ? err->field : "", err != NULL ? err->message : "");
    exit(1);
}

static svc *open_svc(const char *db, int lazy)
{
    svc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.now_ms = bench_clock;
    cfg.afis_lazy = lazy;
    svc *s = NULL;
    kt_error err;
    if (svc_open(&cfg, &s, &err) != KT_OK)
        die("svc_open", &err);
    return s;
}

static svc_actor actor(const char *role, int64_t id, int loket)
{
    svc_actor a;
    memset(&a, 0, sizeof a);
    a.user_id = id;
    snprintf(a.username, sizeof a.username, "%s%lld", role, (long long)id);
    snprintf(a.role, sizeof a.role, "%s", role);
    a.loket = loket;
    return a;
}

/* Ticket, call, open, documents checked: an application ready for recording. */
static int64_t checked_app(svc *s, const char *nik)
{
    svc_actor in = actor("intake", 1, 1);
    kt_error err;
    json_t *t = NULL, *c = NULL, *a = NULL, *out = NULL;
    json_t *req = json_pack("{s:s}", "service", "rekam_baru");
    if (svc_ticket_take(s, req, &t, &err) != KT_OK)
        die("ticket", &err);
    json_decref(req);
    req = json_pack("{s:[s]}", "services", "rekam_baru");
    clock_ms += 20000;
    if (svc_ticket_call_next(s, &in, req, &c, &err) != KT_OK)
        die("call", &err);
    json_decref(req);
    req = json_pack("{s:I, s:s, s:s}", "ticket_id", json_integer_value(json_object_get(c, "id")),
                    "nik", nik, "kind", "baru");
    clock_ms += 20000;
    if (svc_app_open(s, &in, req, &a, &err) != KT_OK)
        die("open", &err);
    json_decref(req);
    int64_t id = json_integer_value(json_object_get(a, "id"));
    req = json_pack("{s:O}", "documents", json_object_get(a, "documents_required"));
    clock_ms += 60000;
    if (svc_app_check(s, &in, id, req, &out, &err) != KT_OK)
        die("check", &err);
    json_decref(req);
    json_decref(out);
    json_decref(a);
    json_decref(c);
    json_decref(t);
    return id;
}

/* ISO record of t sealed as the service stores it (atrest.c: hex of the sealed blob, context
   application and slot; owned by caller: free()). */
static char *tpl_hex(svc *s, int64_t app, const char *slot, const bio_template *t)
{
    uint8_t *iso = NULL;
    size_t n = 0;
    bio_msg msg;
    kt_error err;
    char *hex = NULL;
    if (bio_template_encode_iso(t, 1, &iso, &n, &msg) != BIO_OK) {
        fprintf(stderr, "afis_service_bench: encode: %s\n", msg.text);
        exit(1);
    }
    if (svc_tpl_seal(s, app, slot, iso, n, &hex, &err) != KT_OK)
        die("seal", &err);
    free(iso);
    return hex;
}

/* Impression `imp` of a rendered master as a binary PGM file in memory (owned: free()). */
static unsigned char *impression_pgm(const bio_synth_master *m, uint32_t imp, size_t *len)
{
    bio_image img;
    bio_msg msg;
    if (bio_synth_impression(m, imp, &img, NULL, &msg) != BIO_OK)
        exit(1);
    char head[32];
    int h = snprintf(head, sizeof head, "P5\n%d %d\n255\n", img.width, img.height);
    *len = (size_t)h + (size_t)img.width * (size_t)img.height;
    unsigned char *buf = malloc(*len);
    if (buf == NULL)
        exit(1);
    memcpy(buf, head, (size_t)h);
    memcpy(buf + h, img.pixels, (size_t)img.width * (size_t)img.height);
    bio_image_free(&img);
    return buf;
}

/* Face and signature uploaded (before the fingers). */
static void upload_face(svc *s, const svc_actor *op, int64_t app, const char *nik)
{
    /* real images: the server decodes every upload and checks the photo's backdrop against
       the birth year in the NIK (tests/images.h) */
    size_t flen = 0, slen = 0;
    unsigned char *face = t_face_for_nik(nik, &flen), *sig = t_png_gray(400, 150, &slen);
    json_t *out = NULL;
    kt_error err;
    if (face == NULL || sig == NULL ||
        svc_app_bio_put(s, op, app, "face", face, flen, "image/png", &out, &err) != KT_OK ||
        (json_decref(out), svc_app_bio_put(s, op, app, "signature", sig, slen, "image/png",
                                           &out, &err)) != KT_OK)
        die("upload", &err);
    json_decref(out);
    free(face);
    free(sig);
}

/* Both irises excepted, then the record step; its answer (owned by caller). */
static json_t *record(svc *s, const svc_actor *op, int64_t app, double *wall_s, double *cpu_s)
{
    json_t *out = NULL, *req = json_pack("{s:s}", "reason", "tidak diambil (bench)");
    kt_error err;
    for (int k = 0; k < 2; k++) {
        if (svc_app_bio_exception(s, op, app, k ? "iris_right" : "iris_left", req, &out,
                                  &err) != KT_OK)
            die("exception", &err);
        json_decref(out);
    }
    json_decref(req);
    clock_ms += 60000;
    double w0 = now(), c0 = cpu_now();
    if (svc_app_record(s, op, app, &out, &err) != KT_OK)
        die("record", &err);
    *wall_s = now() - w0;
    *cpu_s = cpu_now() - c0;
    return out;
}

static void run(size_t n, int unique, bio_synth_master *const masters[10])
{
    char dir[64] = "/tmp/ktpel-afis-svc-XXXXXX", db[128], path[160], cmd[200];
    kt_error err;
    json_t *out = NULL;
    if (mkdtemp(dir) == NULL)
        exit(1);
    snprintf(db, sizeof db, "%s/k.db", dir);
    snprintf(path, sizeof path, "%s/siak.csv", dir);
    char *rows = siak_csv(unique);
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(rows, f) < 0 || fclose(f) != 0)
        exit(1);
    free(rows);
    svc *s = open_svc(db, 1);
    svc_actor sys = svc_system_actor(), op = actor("operator", 2, 0),
              sup = actor("supervisor", 4, 0);
    if (svc_import_siak(s, &sys, path, 0, &out, &err) != KT_OK)
        die("import", &err);
    json_decref(out);
    int64_t app_a = checked_app(s, NIK_A);

    /* The gallery rows, in one transaction: A's ten fingers, then the impostors. */
    double t0 = now();
    store *conn = NULL;
    store_stmt *st = NULL;
    /* Each synthetic person gets a recorded application of its own (inserted as a row: the
       SOP's steps for 100,000 people would take the bench hours), so a chance match can be
       resolved to a record and counted. */
    if (svc_conn_get(s, &conn, &err) != KT_OK || svc_begin_write(s, conn, &err) != KT_OK)
        die("begin", &err);
    for (size_t i = 0; i < n; i++) {
        char pnik[24];
        snprintf(pnik, sizeof pnik, "9%015zu", (i / 10) % 1000000000000000u);
        if (i >= 10 && i % 10 == 0) {
            if (store_prepare(conn,
                              "INSERT INTO applications (id, nik, kind, state, day, created_at,"
                              " updated_at) VALUES (?, ?, 'baru', 'recorded', '2026-03-02', ?, ?)",
                              &st, &err) != KT_OK)
                die("prepare", &err);
            store_bind_int(st, 1, 1000000 + (int64_t)(i / 10));
            store_bind_text(st, 2, pnik, -1);
            store_bind_int(st, 3, clock_ms);
            store_bind_int(st, 4, clock_ms);
            if (store_run(st, &err) != KT_OK)
                die("insert application", &err);
        }
        bio_template t;
        bio_msg msg;
        int quality = 0;
        if (i < 10) {
            bio_image img;
            if (bio_synth_impression(masters[i], 0, &img, NULL, &msg) != BIO_OK ||
                bio_extract_q(&img, &t, &quality, &msg) != BIO_OK) {
                fprintf(stderr, "afis_service_bench: extract: %s\n", msg.text);
                exit(1);
            }
            bio_image_free(&img);
        } else if (bio_synth_template(SEED + 1, (uint32_t)i, 0, &t, &msg) != BIO_OK) {
            exit(1);
        } else {
            quality = 60;
        }
        char slot[16];
        snprintf(slot, sizeof slot, "finger_%zu", i % 10 + 1);
        int64_t app = i < 10 ? app_a : 1000000 + (int64_t)(i / 10);
        char *hex = tpl_hex(s, app, slot, &t);
        if (store_prepare(conn,
                          "INSERT INTO afis_templates (application_id, nik, slot, finger, quality,"
                          " template, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          &st, &err) != KT_OK)
            die("prepare", &err);
        store_bind_int(st, 1, app);
        store_bind_text(st, 2, i < 10 ? NIK_A : pnik, -1);
        store_bind_text(st, 3, slot, -1);
        store_bind_int(st, 4, (int64_t)(i % 10 + 1));
        store_bind_int(st, 5, quality);
        store_bind_text(st, 6, hex, -1);
        store_bind_int(st, 7, clock_ms);
        free(hex);
        if (store_run(st, &err) != KT_OK)
            die("insert", &err);
    }
    if (svc_commit(s, conn, &err) != KT_OK)
        die("commit", &err);
    svc_conn_put(s, conn);
    double t_write = now() - t0;
    svc_close(s);

    /* Open again: the gallery loads from storage. */
    t0 = now();
    s = open_svc(db, 0);
    double t_open = now() - t0;
    if (svc_afis_stats(s, &sup, &out, &err) != KT_OK)
        die("stats", &err);
    double load_ms = json_real_value(json_object_get(out, "load_ms"));
    json_int_t fingers = json_integer_value(json_object_get(out, "fingers"));
    json_int_t heap = json_integer_value(json_object_get(out, "bytes"));
    json_decref(out);

    /* The cost of the seal alone: open (hex decode + XChaCha20-Poly1305) the first 10,000
       stored templates, in this thread's CPU time (less sensitive to a busy machine than the
       wall-clock load time above). */
    double open_us = 0;
    {
        store *c2 = NULL;
        store_stmt *q = NULL;
        int row = 0;
        size_t k = 0;
        struct timespec a, b;
        if (svc_conn_get(s, &c2, &err) != KT_OK ||
            store_prepare(c2, "SELECT application_id, slot, template FROM afis_templates"
                              " ORDER BY id LIMIT 10000", &q, &err) != KT_OK)
            die("seal sample", &err);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
        while (store_step(q, &row, &err) == KT_OK && row) {
            uint8_t *iso = NULL;
            size_t n2 = 0;
            if (svc_tpl_open(s, store_col_int(q, 0), store_col_text(q, 1), store_col_text(q, 2),
                             &iso, &n2, &err) != KT_OK)
                die("seal open", &err);
            free(iso);
            k++;
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
        store_reset(q);
        svc_conn_put(s, c2);
        open_us = k ? ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3) /
                          (double)k
                    : 0;
    }

    /* B presents A's fingers (impression 1): ten uploads, then the record step. */
    int64_t app_b = checked_app(s, NIK_B);
    upload_face(s, &op, app_b, NIK_B);
    for (int k = 0; k < 10; k++) {
        char slot[16];
        size_t len = 0;
        unsigned char *pgm = impression_pgm(masters[k], 1, &len);
        snprintf(slot, sizeof slot, "finger_%d", k + 1);
        if (svc_app_bio_put(s, &op, app_b, slot, pgm, len, "image/x-portable-graymap", &out,
                            &err) != KT_OK)
            die("finger upload", &err);
        json_decref(out);
        free(pgm);
    }
    double t_record = 0, c_record = 0;
    out = record(s, &op, app_b, &t_record, &c_record);
    const char *state = json_string_value(json_object_get(out, "state"));
    json_t *hits = json_object_get(json_object_get(out, "afis"), "hits"), *h;
    unsigned slots_hit = 0; /* bit per probe finger with at least one hit */
    size_t hi;
    json_array_foreach(hits, hi, h) {
        const char *sl = json_string_value(json_object_get(h, "slot"));
        int k = sl != NULL && strncmp(sl, "finger_", 7) == 0 ? atoi(sl + 7) : 0;
        if (k >= 1 && k <= 10)
            slots_hit |= 1u << k;
    }
    printf("%9zu | %6.2f s | %6.2f s | %8.0f ms | %7.1f MB (%4.0f B/finger) | %6.2f s | %s,"
           " %d of 10 fingers hit (%zu hits) | seal open %.2f us/template (CPU)\n",
           (size_t)fingers, t_write, t_open, load_ms, (double)heap / 1e6,
           fingers > 0 ? (double)heap / (double)fingers : 0.0, t_record,
           state != NULL ? state : "?", __builtin_popcount(slots_hit), json_array_size(hits),
           open_us);
    fflush(stdout);
    json_decref(out);

    /* Unique new people: ten fingers each (synthetic fingers no one in the gallery has),
       recorded one after the other; each one flagged is a false positive identification. */
    int flagged = 0;
    double w_sum = 0, c_sum = 0, w_max = 0;
    for (int u = 0; u < unique; u++) {
        char nik[17];
        unique_nik(u, nik);
        int64_t app = checked_app(s, nik);
        upload_face(s, &op, app, nik);
        for (int k = 0; k < 10; k++) {
            bio_template t;
            bio_msg msg;
            uint8_t *iso = NULL;
            size_t len = 0;
            char slot[16];
            if (bio_synth_template(SEED + 2, (uint32_t)(10 * u + k), 0, &t, &msg) != BIO_OK ||
                bio_template_encode_iso(&t, 1, &iso, &len, &msg) != BIO_OK)
                exit(1);
            snprintf(slot, sizeof slot, "finger_%d", k + 1);
            if (svc_app_bio_put(s, &op, app, slot, iso, len, "application/octet-stream", &out,
                                &err) != KT_OK)
                die("finger upload", &err);
            json_decref(out);
            free(iso);
        }
        double dw = 0, dc = 0;
        out = record(s, &op, app, &dw, &dc);
        w_sum += dw;
        c_sum += dc;
        w_max = dw > w_max ? dw : w_max;
        flagged += strcmp(json_string_value(json_object_get(out, "state")), "duplicate") == 0;
        json_decref(out);
        if ((u + 1) % 100 == 0 && u + 1 < unique) { /* a long run shows how far it got */
            printf("          ... %d unique recorded, %d flagged, %.2f s CPU each\n", u + 1,
                   flagged, c_sum / (u + 1));
            fflush(stdout);
        }
    }
    if (unique > 0) {
        printf("          unique new people recorded: %d, flagged as duplicates: %d; record step"
               " %.2f s wall (max %.2f), %.2f s CPU\n",
               unique, flagged, w_sum / unique, w_max, c_sum / unique);
        fflush(stdout);
    }
    svc_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "afis_service_bench: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    size_t sizes[8] = {10000, 100000};
    int ns = 2, unique = 0, given = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--unique") == 0 && i + 1 < argc) {
            unique = atoi(argv[++i]);
            continue;
        }
        long v = strtol(argv[i], NULL, 10);
        if (v < 10 || given == 8 || unique < 0 || unique > 9999) {
            fprintf(stderr, "usage: afis_service_bench [--unique U] [N ...]   (N >= 10, "
                            "U 0..9999)\n");
            return 2;
        }
        if (!given)
            ns = 0;
        given++;
        sizes[ns++] = (size_t)v;
    }
    if (sodium_init() < 0)
        return 1;
    bio_synth_master *masters[10];
    bio_msg msg;
    for (uint32_t k = 0; k < 10; k++)
        if (bio_synth_master_new(SEED, k, 1, &masters[k], &msg) != BIO_OK) {
            fprintf(stderr, "afis_service_bench: synth: %s\n", msg.text);
            return 1;
        }
    printf("AFIS in the service (SQLite, %ld cores): gallery rows | write | svc_open | gallery"
           " load | gallery heap | record step (10 fingers) | outcome | seal open\n",
           sysconf(_SC_NPROCESSORS_ONLN));
    for (int i = 0; i < ns; i++)
        run(sizes[i], unique, masters);
    for (int k = 0; k < 10; k++)
        bio_synth_master_free(masters[k]);
    return 0;
}
