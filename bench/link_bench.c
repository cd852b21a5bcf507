/*
 * link_bench.c - figures of the link to Disdukcapil (docs/benchmarks.md, "Link"):
 *   1. a full recording's packet: size, make (sign + encrypt + tar) and open (verify + decrypt)
 *      time, CPU ms per packet;
 *   2. with KTPEL_BENCH_PG=postgres://.../db (a throwaway database: the bench writes to it):
 *      the central's ingest end to end (verify, store, city-wide 1:N de-duplication, decision,
 *      status) in packets/s at galleries of the sizes in KTPEL_BENCH_FINGERS (default
 *      "10000,100000"), and the gallery's memory per finger.
 * Usage: link_bench [packets]   (default 200 for part 1, 40 ingested per gallery size)
 * Never: assert speed; it prints figures.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bio/synth.h"
#include "bio/template.h"
#include "link/link.h"
#include "pusat/pusat_internal.h" /* the gallery's figures */

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Fill with bytes that do not compress (photographs and scans barely do). */
static uint8_t *noise(size_t n, uint32_t seed)
{
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        b[i] = (uint8_t)(seed >> 24);
    }
    return b;
}

/* A full recording's parts: biodata, face 120 KB, signature 20 KB, ten finger images 110 KB
   (a 500 dpi capture as PNG), ten ISO templates (from synthetic fingers of `person`), two
   irises 80 KB. Owned buffers in own[] (free each). */
static size_t full_parts(uint64_t person, link_part *p, uint8_t **own, size_t *nown)
{
    size_t n = 0;
    *nown = 0;
    static const char bio[] = "{\"nik\":\"3671101203900001\",\"name\":\"AHMAD FAUZI\","
                              "\"birth_date\":\"1990-03-12\",\"kecamatan_code\":\"367110\"}";
    memset(p, 0, sizeof(link_part) * 30);
    snprintf(p[n].name, sizeof p[n].name, "biodata.json");
    snprintf(p[n].content_type, sizeof p[n].content_type, "application/json");
    p[n].data = (const uint8_t *)bio;
    p[n++].len = strlen(bio);
    struct {
        const char *name, *ct;
        size_t len;
    } files[] = {{"face", "image/jpeg", 120000}, {"signature", "image/png", 20000},
                 {"iris_left", "image/jpeg", 80000}, {"iris_right", "image/jpeg", 80000}};
    for (size_t i = 0; i < 4; i++) {
        uint8_t *d = noise(files[i].len, (uint32_t)(person * 31 + i));
        own[(*nown)++] = d;
        snprintf(p[n].name, sizeof p[n].name, "%s", files[i].name);
        snprintf(p[n].content_type, sizeof p[n].content_type, "%s", files[i].ct);
        p[n].data = d;
        p[n++].len = files[i].len;
    }
    for (int f = 1; f <= 10; f++) {
        uint8_t *img = noise(110000, (uint32_t)(person * 97 + (uint64_t)f));
        own[(*nown)++] = img;
        snprintf(p[n].name, sizeof p[n].name, "finger_%d.img", f);
        snprintf(p[n].content_type, sizeof p[n].content_type, "image/png");
        p[n].data = img;
        p[n++].len = 110000;
        bio_template t;
        bio_msg m;
        uint8_t *iso = NULL;
        size_t il = 0;
        bio_synth_template(0xC17, (uint32_t)(person * 10 + (uint64_t)f - 1), 0, &t, &m);
        t.finger_position = (uint8_t)f;
        bio_template_encode_iso(&t, 1, &iso, &il, &m);
        own[(*nown)++] = iso;
        snprintf(p[n].name, sizeof p[n].name, "finger_%d.iso", f);
        snprintf(p[n].content_type, sizeof p[n].content_type, "application/iso-19794-2");
        p[n].data = iso;
        p[n++].len = il;
    }
    return n;
}

static void env_of(link_envelope *e, int64_t seq)
{
    memset(e, 0, sizeof *e);
    snprintf(e->node_id, sizeof e->node_id, "367110-01");
    snprintf(e->kecamatan_code, sizeof e->kecamatan_code, "367110");
    snprintf(e->packet_id, sizeof e->packet_id, "367110-01-%08lld", (long long)seq);
    snprintf(e->kind, sizeof e->kind, "rekam");
    e->key_id = 1;
    e->seq = seq;
    e->created_at = 1796620000000 + seq;
}

static void part1(int iters)
{
    link_sign_key node;
    link_box_key central;
    crypto_sign_keypair(node.pk, node.sk);
    crypto_box_keypair(central.pk, central.sk);
    link_part parts[30];
    uint8_t *own[30];
    size_t nown = 0, np = full_parts(1, parts, own, &nown), raw = 0;
    for (size_t i = 0; i < np; i++)
        raw += parts[i].len;
    json_t *hdr = json_pack("{s:I, s:s, s:s}", "application_id", 1, "nik", "3671101203900001",
                            "application_kind", "baru");
    double mk = 0, op = 0;
    size_t size = 0;
    for (int i = 0; i < iters; i++) {
        link_envelope e;
        env_of(&e, i + 1);
        uint8_t *buf = NULL;
        size_t len = 0;
        kt_error err;
        double t0 = cpu_ms();
        link_packet_make(&e, hdr, parts, np, &node, central.pk, &buf, &len, &err);
        double t1 = cpu_ms();
        link_packet *p = NULL;
        if (link_packet_open(buf, len, node.pk, &central, &p, &err) != KT_OK)
            fprintf(stderr, "open failed: %s\n", err.message);
        double t2 = cpu_ms();
        mk += t1 - t0;
        op += t2 - t1;
        size = len;
        link_packet_free(p);
        free(buf);
    }
    printf("packet (full recording: face, signature, 10 finger images + 10 ISO templates, 2 "
           "irises, biodata): %zu parts, %.1f KB of parts -> %.1f KB packet (%.2f%% overhead)\n",
           np, (double)raw / 1024, (double)size / 1024, 100.0 * ((double)size - (double)raw) / (double)raw);
    printf("packet make (sign + encrypt + tar): %.2f ms CPU; open (tar + verify + decrypt + "
           "hashes): %.2f ms CPU (mean of %d)\n",
           mk / iters, op / iters, iters);
    json_decref(hdr);
    for (size_t i = 0; i < nown; i++)
        free(own[i]);
}

/* ---- part 2: the central's ingest ------------------------------------------------------ */

static kt_code gallery_fill(svc *s, int64_t fingers, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    int64_t have = 0;
    int row = 0;
    if ((rc = store_prepare(db, "SELECT count(*) FROM pusat_templates", &st, err)) == KT_OK &&
        (rc = store_step(st, &row, err)) == KT_OK) {
        have = store_col_int(st, 0);
        store_reset(st);
    }
    for (int64_t i = have; rc == KT_OK && i < fingers;) {
        if ((rc = svc_begin_write(s, db, err)) != KT_OK)
            break;
        int64_t stop = i + 5000 < fingers ? i + 5000 : fingers;
        for (; rc == KT_OK && i < stop; i += 10) {
            char nik[40], pid[48];
            int64_t person = 1000000 + i / 10;
            snprintf(nik, sizeof nik, "3671%012lld", (long long)person);
            snprintf(pid, sizeof pid, "367199-01-%08lld", (long long)person);
            if ((rc = store_prepare(db,
                                    "INSERT INTO pusat_records (packet_id, node_id, kecamatan_code,"
                                    " application_id, nik, kind, status, created_at, updated_at)"
                                    " VALUES (?, '367199-01', '367199', ?, ?, 'rekam',"
                                    " 'PRINT_READY_RECORD', 0, 0)",
                                    &st, err)) != KT_OK)
                break;
            store_bind_text(st, 1, pid, -1);
            store_bind_int(st, 2, person);
            store_bind_text(st, 3, nik, -1);
            if ((rc = store_run(st, err)) != KT_OK)
                break;
            int64_t rid = store_last_id(db);
            for (int f = 0; f < 10 && rc == KT_OK; f++) {
                bio_template t;
                bio_msg m;
                uint8_t *iso = NULL;
                size_t il = 0;
                bio_synth_template(0xBEEF, (uint32_t)(person * 10 + (uint64_t)f), 0, &t, &m);
                t.finger_position = (uint8_t)(f + 1);
                bio_template_encode_iso(&t, 1, &iso, &il, &m);
                char *hex = malloc(2 * il + 1);
                sodium_bin2hex(hex, 2 * il + 1, iso, il);
                if ((rc = store_prepare(db,
                                        "INSERT INTO pusat_templates (record_id, nik, finger,"
                                        " template) VALUES (?, ?, ?, ?)",
                                        &st, err)) == KT_OK) {
                    store_bind_int(st, 1, rid);
                    store_bind_text(st, 2, nik, -1);
                    store_bind_int(st, 3, f + 1);
                    store_bind_text(st, 4, hex, -1);
                    rc = store_run(st, err);
                }
                free(hex);
                free(iso);
            }
        }
        if (rc == KT_OK)
            rc = svc_commit(s, db, err);
    }
    svc_conn_put(s, db);
    return rc;
}

static void part2(const char *pg, const char *sizes, int packets)
{
    char data[] = "/tmp/ktpel-link-bench-XXXXXX";
    if (mkdtemp(data) == NULL)
        return;
    svc_config sc;
    memset(&sc, 0, sizeof sc);
    sc.db_path = pg;
    sc.data_dir = data;
    sc.afis_lazy = 1;
    svc *s = NULL;
    kt_error err;
    if (svc_open(&sc, &s, &err) != KT_OK) {
        fprintf(stderr, "svc_open: %s\n", err.message);
        return;
    }
    svc_actor sys = svc_system_actor();
    pusat_config pc;
    memset(&pc, 0, sizeof pc);
    pc.no_worker = 1;
    pusat *p = NULL;
    if (pusat_open(s, &pc, &p, &err) != KT_OK) {
        fprintf(stderr, "pusat_open: %s\n", err.message);
        svc_close(s);
        return;
    }
    /* A node, enrolled with a key of the bench's, and residents for its packets. */
    json_t *in = json_pack("{s:s, s:s}", "kecamatan_code", "367110", "name", "Bench"), *out = NULL;
    link_sign_key node;
    crypto_sign_keypair(node.pk, node.sk);
    char pkb[LINK_B64_KEY];
    link_b64(node.pk, 32, pkb, sizeof pkb);
    if (pusat_node_add(p, &sys, in, &out, &err) == KT_OK) {
        json_t *en = json_pack("{s:s, s:s, s:s}", "node_id", "367110-01", "code",
                               json_string_value(json_object_get(out, "code")), "public_key", pkb);
        json_t *ans = NULL;
        if (pusat_enrol(p, en, &ans, &err) != KT_OK)
            fprintf(stderr, "enrol: %s\n", err.message);
        json_decref(en);
        json_decref(ans);
    } else {
        fprintf(stderr, "node add: %s (an old bench database? use a fresh one)\n", err.message);
    }
    json_decref(in);
    json_decref(out);
    store *db = NULL;
    svc_conn_get(s, &db, &err);
    store_exec(db,
               "INSERT INTO families (kk_number) VALUES ('3671100101090001') ON CONFLICT DO NOTHING",
               &err);
    svc_conn_put(s, db);
    int64_t seq = 0;
    for (const char *q = sizes; *q != '\0';) {
        int64_t fingers = strtoll(q, NULL, 10);
        while (*q != '\0' && *q != ',')
            q++;
        if (*q == ',')
            q++;
        double t0 = wall_ms();
        if (gallery_fill(s, fingers, &err) != KT_OK) {
            fprintf(stderr, "gallery fill: %s\n", err.message);
            break;
        }
        double t1 = wall_ms();
        pusat_close(p);
        p = NULL;
        double t2 = wall_ms();
        if (pusat_open(s, &pc, &p, &err) != KT_OK)
            break;
        double t3 = wall_ms();
        json_t *ov = NULL;
        pusat_overview(p, &sys, &ov, &err);
        json_int_t gf = json_integer_value(json_object_get(ov, "gallery_fingers"));
        json_decref(ov);
        /* Packets of new people, each a resident of the central. */
        double cpu0 = cpu_ms(), w0 = wall_ms();
        int ok = 0;
        for (int k = 0; k < packets; k++) {
            char nik[40];
            ++seq;
            snprintf(nik, sizeof nik, "36711050%08lld", (long long)seq);
            svc_conn_get(s, &db, &err);
            store_stmt *st = NULL;
            if (store_prepare(db,
                              "INSERT INTO residents (nik, kk_number, name, birth_date, sex, agama,"
                              " marital_status) VALUES (?, '3671100101090001', 'BENCH',"
                              " '1990-01-01', 'L', 1, 1) ON CONFLICT DO NOTHING",
                              &st, &err) == KT_OK) {
                store_bind_text(st, 1, nik, -1);
                store_run(st, &err);
            }
            svc_conn_put(s, db);
            link_part parts[30];
            uint8_t *own[30];
            size_t nown = 0, np = full_parts(5000000 + (uint64_t)seq, parts, own, &nown);
            char bio[200];
            snprintf(bio, sizeof bio, "{\"nik\":\"%s\"}", nik);
            parts[0].data = (const uint8_t *)bio;
            parts[0].len = strlen(bio);
            link_envelope e;
            env_of(&e, seq);
            json_t *hdr = json_pack("{s:I, s:s}", "application_id", (json_int_t)seq, "nik", nik);
            uint8_t *buf = NULL;
            size_t len = 0;
            uint8_t box[32];
            json_t *info = NULL;
            pusat_info(p, &sys, &info, &err);
            link_b64_key(json_string_value(json_object_get(info, "box_public_key")), box, "box",
                         &err);
            json_decref(info);
            link_packet_make(&e, hdr, parts, np, &node, box, &buf, &len, &err);
            json_t *res = NULL;
            if (pusat_packet_receive(p, buf, len, "https", &res, &err) == KT_OK)
                ok++;
            else
                fprintf(stderr, "receive: %s\n", err.message);
            int done = 0;
            pusat_process_pending(p, &done, &err);
            json_decref(res);
            json_decref(hdr);
            free(buf);
            for (size_t i = 0; i < nown; i++)
                free(own[i]);
        }
        double w1 = wall_ms(), cpu1 = cpu_ms();
        pthread_rwlock_rdlock(&p->glock);
        size_t bytes = bio_gallery_bytes(p->g), count = bio_gallery_count(p->g);
        pthread_rwlock_unlock(&p->glock);
        printf("central ingest at a gallery of %lld fingers (loaded %lld, load %.1f s, fill %.0f s):"
               " %d packets in %.1f s wall = %.2f packets/s (%.0f ms CPU a packet, incl. making"
               " it); gallery %.0f bytes a finger\n",
               (long long)fingers, (long long)gf, (t3 - t2) / 1000, (t1 - t0) / 1000, ok,
               (w1 - w0) / 1000, ok / ((w1 - w0) / 1000), (cpu1 - cpu0) / (packets ? packets : 1),
               count ? (double)bytes / (double)count : 0.0);
        fflush(stdout);
    }
    pusat_close(p);
    svc_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", data);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", data);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    if (sodium_init() < 0)
        return 1;
    part1(n > 0 ? n : 200);
    const char *pg = getenv("KTPEL_BENCH_PG");
    if (pg == NULL || pg[0] == '\0') {
        printf("central ingest: skipped (set KTPEL_BENCH_PG=postgres://.../db, a throwaway "
               "database)\n");
        return 0;
    }
    const char *sizes = getenv("KTPEL_BENCH_FINGERS");
    part2(pg, sizes != NULL ? sizes : "10000,100000", n > 0 ? n : 40);
    return 0;
}
