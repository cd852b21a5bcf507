/*
 * link_bench.c - figures of the link to Disdukcapil (docs/benchmarks.md, "Link"):
 *   1. a full recording's packet: size, make (sign + encrypt + tar) and open (verify + decrypt)
 *      time, CPU ms per packet; the WSQ encoding of the ten fingers (done by the node's builder);
 *   2. with KTPEL_BENCH_PG=postgres://.../db (a throwaway database: the bench writes to it):
 *      the central's ingest end to end (verify, store, city-wide 1:N de-duplication, decision,
 *      status) in packets/s at galleries of the sizes in KTPEL_BENCH_FINGERS (default
 *      "10000,100000"), and the gallery's memory per finger;
 *   3. with KTPEL_BENCH_DRAIN=N as well: after part 2, at the gallery it left, a node (SQLite)
 *      with a backlog of N packets ("a day without network") enrolled over HTTPS to the central
 *      served in this process (TLS, its default limits, the worker processing): the time until
 *      every packet is acknowledged, processed, and its status applied at the node; then the
 *      status round trip of one more recording (sent -> de-duplicated -> PRR applied).
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
#include "bio/wsq.h"
#include "http/http.h"
#include "http/tls.h"
#include "link/link.h"
#include "pusat/pusat_internal.h" /* the gallery's figures */
#include "service/link_node.h"

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

/* The ten fingers as the node's builder sends them: synthetic 500 dpi impressions (300x400)
   encoded as WSQ at 0.75 bit a pixel, made once (the encoding time is part 1's figure). */
static uint8_t *wsq[10];
static size_t wsq_len[10];
static double wsq_ms;

static void wsq_fingers(void)
{
    if (wsq[0] != NULL)
        return;
    for (int f = 0; f < 10; f++) {
        bio_synth_master *m = NULL;
        bio_image img;
        bio_msg msg;
        if (bio_synth_master_new(0xC17, (uint32_t)f, 1, &m, &msg) != BIO_OK ||
            bio_synth_impression(m, 0, &img, NULL, &msg) != BIO_OK) {
            fprintf(stderr, "synthetic finger: %s\n", msg.text);
            exit(1);
        }
        double t0 = cpu_ms();
        if (bio_wsq_encode(&img, BIO_WSQ_BITRATE, &wsq[f], &wsq_len[f], &msg) != BIO_OK) {
            fprintf(stderr, "wsq: %s\n", msg.text);
            exit(1);
        }
        wsq_ms += cpu_ms() - t0;
        bio_image_free(&img);
        bio_synth_master_free(m);
    }
}

/* A full recording's parts: biodata, face 120 KB, signature 20 KB, ten fingers as WSQ images
   (wsq_fingers) with their ISO templates (from synthetic fingers of `person`), two irises
   80 KB, the scans of two documents 250 KB each (an A4 page at 150 dpi as JPEG). Owned
   buffers in own[] (free each). */
static size_t full_parts(uint64_t person, link_part *p, uint8_t **own, size_t *nown)
{
    wsq_fingers();
    size_t n = 0;
    *nown = 0;
    static const char bio[] = "{\"nik\":\"3671101203900001\",\"name\":\"AHMAD FAUZI\","
                              "\"birth_date\":\"1990-03-12\",\"kecamatan_code\":\"367110\"}";
    memset(p, 0, sizeof(link_part) * 40);
    snprintf(p[n].name, sizeof p[n].name, "biodata.json");
    snprintf(p[n].content_type, sizeof p[n].content_type, "application/json");
    p[n].data = (const uint8_t *)bio;
    p[n++].len = strlen(bio);
    struct {
        const char *name, *ct;
        size_t len;
    } files[] = {{"face", "image/jpeg", 120000},
                 {"signature", "image/png", 20000},
                 {"iris_left", "image/jpeg", 80000},
                 {"iris_right", "image/jpeg", 80000},
                 {"document_pengantar_rt_rw", "image/jpeg", 250000},
                 {"document_kk_copy", "image/jpeg", 250000}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        uint8_t *d = noise(files[i].len, (uint32_t)(person * 31 + i));
        own[(*nown)++] = d;
        snprintf(p[n].name, sizeof p[n].name, "%s", files[i].name);
        snprintf(p[n].content_type, sizeof p[n].content_type, "%s", files[i].ct);
        p[n].data = d;
        p[n++].len = files[i].len;
    }
    for (int f = 1; f <= 10; f++) {
        snprintf(p[n].name, sizeof p[n].name, "finger_%d.wsq", f);
        snprintf(p[n].content_type, sizeof p[n].content_type, "image/x-wsq");
        p[n].data = wsq[f - 1];
        p[n++].len = wsq_len[f - 1];
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
    link_part parts[40];
    uint8_t *own[40];
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
    size_t wsq_total = 0;
    for (int f = 0; f < 10; f++)
        wsq_total += wsq_len[f];
    printf("ten fingers as WSQ (300x400 at 500 dpi, 0.75 bpp): %.1f KB together (%.1f KB a "
           "finger, %.1f:1), encoded in %.1f ms CPU a finger\n",
           (double)wsq_total / 1024, (double)wsq_total / 10240,
           10.0 * 300 * 400 / (double)wsq_total, wsq_ms / 10);
    printf("packet (full recording: face, signature, 10 WSQ fingers + 10 ISO templates, 2 "
           "irises, 2 document scans, biodata): %zu parts, %.1f KB of parts -> %.1f KB packet "
           "(%.2f%% overhead)\n",
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

/* The bench's folder (parts 2 and 3 share the central's data key: the database's sealed
   rows need it). */
static char work[] = "/tmp/ktpel-link-bench-XXXXXX";
static char work_key[300];

static void part2(const char *pg, const char *sizes, int packets)
{
    char data[300];
    snprintf(data, sizeof data, "%s/ingest", work);
    svc_config sc;
    memset(&sc, 0, sizeof sc);
    sc.db_path = pg;
    sc.data_dir = data;
    sc.key_path = work_key;
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
            link_part parts[40];
            uint8_t *own[40];
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
}


/* ---- part 3: a day's backlog drains; the status round trip ------------------------------ */

static int64_t count_of(svc *s, const char *sql)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    int64_t n = -1;
    kt_error err;
    if (svc_conn_get(s, &db, &err) != KT_OK)
        return -1;
    if (store_prepare(db, sql, &st, &err) == KT_OK && store_step(st, &row, &err) == KT_OK && row)
        n = store_col_int(st, 0);
    if (st != NULL)
        store_reset(st);
    svc_conn_put(s, db);
    return n;
}

/* One packet in the node's outbox, as its builder would leave it (`ready`, the file written):
   a new person's full recording, a resident of the central. */
static int backlog_add(svc *cs, svc *ns, const link_sign_key *key, const uint8_t box[32],
                       int64_t person, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0, rc = -1;
    char nik[24], node[24] = "", kec[8] = "", pid[40], path[1200], bio[120];
    int64_t seq = 0;
    snprintf(nik, sizeof nik, "36711060%08lld", (long long)person);
    if (svc_conn_get(cs, &db, err) != KT_OK)
        return -1;
    if (store_prepare(db,
                      "INSERT INTO residents (nik, kk_number, name, birth_date, sex, agama,"
                      " marital_status) VALUES (?, '3671100101090001', 'BENCH', '1990-01-01',"
                      " 'L', 1, 1) ON CONFLICT DO NOTHING",
                      &st, err) == KT_OK) {
        store_bind_text(st, 1, nik, -1);
        store_run(st, err);
    }
    svc_conn_put(cs, db);
    db = NULL;
    if (svc_conn_get(ns, &db, err) != KT_OK || svc_begin_write(ns, db, err) != KT_OK ||
        store_prepare(db, "SELECT node_id, kecamatan_code, next_seq FROM link_config", &st,
                      err) != KT_OK ||
        store_step(st, &row, err) != KT_OK || !row)
        goto out;
    snprintf(node, sizeof node, "%s", store_col_text(st, 0));
    snprintf(kec, sizeof kec, "%s", store_col_text(st, 1));
    seq = store_col_int(st, 2);
    store_reset(st);
    snprintf(pid, sizeof pid, "%s-%08lld", node, (long long)seq);
    link_part parts[40];
    uint8_t *own[40], *buf = NULL;
    size_t nown = 0, np = full_parts((uint64_t)person, parts, own, &nown), len = 0;
    snprintf(bio, sizeof bio, "{\"nik\":\"%s\"}", nik);
    parts[0].data = (const uint8_t *)bio;
    parts[0].len = strlen(bio);
    link_envelope e;
    memset(&e, 0, sizeof e);
    snprintf(e.packet_id, sizeof e.packet_id, "%s", pid);
    snprintf(e.node_id, sizeof e.node_id, "%s", node);
    snprintf(e.kecamatan_code, sizeof e.kecamatan_code, "%s", kec);
    snprintf(e.kind, sizeof e.kind, "rekam");
    e.key_id = 1;
    e.seq = seq;
    e.created_at = svc_now(ns);
    json_t *hdr = json_pack("{s:I, s:s}", "application_id", (json_int_t)person, "nik", nik);
    kt_code mk = link_packet_make(&e, hdr, parts, np, key, box, &buf, &len, err);
    json_decref(hdr);
    for (size_t i = 0; i < nown; i++)
        free(own[i]);
    snprintf(path, sizeof path, "%s/outbox/%s.ktpkt", ns->data_dir, pid);
    if (mk != KT_OK || link_file_write(path, buf, len, err) != KT_OK) {
        free(buf);
        goto out;
    }
    free(buf);
    if (store_prepare(db,
                      "INSERT INTO link_outbox (packet_id, seq, kind, application_id, nik, header,"
                      " state, path, size, created_at) VALUES (?, ?, 'rekam', ?, ?, '{}', 'ready',"
                      " ?, ?, ?)",
                      &st, err) != KT_OK)
        goto out;
    store_bind_text(st, 1, pid, -1);
    store_bind_int(st, 2, seq);
    store_bind_int(st, 3, person);
    store_bind_text(st, 4, nik, -1);
    store_bind_text(st, 5, path, -1);
    store_bind_int(st, 6, (int64_t)len);
    store_bind_int(st, 7, svc_now(ns));
    if (store_run(st, err) != KT_OK ||
        store_prepare(db, "UPDATE link_config SET next_seq = next_seq + 1", &st, err) != KT_OK ||
        store_run(st, err) != KT_OK || svc_commit(ns, db, err) != KT_OK)
        goto out;
    rc = 0;
out:
    svc_conn_put(ns, db);
    return rc;
}

static void part3(const char *pg, int backlog)
{
    char dir[300], cdata[320], ndata[320], ndb[320], cert[320], key[320], url[80];
    snprintf(dir, sizeof dir, "%s/drain", work);
    mkdir(dir, 0700);
    snprintf(cdata, sizeof cdata, "%s/central", dir);
    snprintf(ndata, sizeof ndata, "%s/node/data", dir);
    snprintf(ndb, sizeof ndb, "%s/node/ktpel.db", dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    kt_error err;
    svc *cs = NULL, *ns = NULL;
    pusat *p = NULL;
    http_server *srv = NULL;
    http_tls *tls = NULL;
    char *cpem = NULL, *kpem = NULL;
    svc_actor sys = svc_system_actor();
    mkdir(ndata, 0700);
    char nd[320];
    snprintf(nd, sizeof nd, "%s/node", dir);
    mkdir(nd, 0700);
    if (http_tls_self_signed(NULL, 0, 30, &cpem, &kpem, &err) != KT_OK ||
        link_file_write(cert, cpem, strlen(cpem), &err) != KT_OK ||
        link_file_write(key, kpem, strlen(kpem), &err) != KT_OK ||
        http_tls_load(cert, key, &tls, &err) != KT_OK) {
        fprintf(stderr, "tls: %s\n", err.message);
        goto out;
    }
    /* The central: PostgreSQL, its worker, HTTPS with the default limits. */
    svc_config sc;
    memset(&sc, 0, sizeof sc);
    sc.db_path = pg;
    sc.data_dir = cdata;
    sc.key_path = work_key;
    if (svc_open(&sc, &cs, &err) != KT_OK)
        goto fail;
    pusat_config pc;
    memset(&pc, 0, sizeof pc);
    if (pusat_open(cs, &pc, &p, &err) != KT_OK)
        goto fail;
    http_config hc;
    memset(&hc, 0, sizeof hc);
    hc.listen = "127.0.0.1:0";
    hc.quiet = 1;
    hc.tls_cert = cert;
    hc.tls_key = key;
    hc.pusat = p;
    if (http_server_start(&hc, cs, &srv, &err) != KT_OK)
        goto fail;
    snprintf(url, sizeof url, "https://127.0.0.1:%u", (unsigned)http_server_port(srv));
    /* The node: SQLite, enrolled over HTTPS with the pin. */
    memset(&sc, 0, sizeof sc);
    sc.db_path = ndb;
    sc.data_dir = ndata;
    sc.afis_lazy = 1;
    if (svc_open(&sc, &ns, &err) != KT_OK)
        goto fail;
    json_t *in = json_pack("{s:s, s:s}", "kecamatan_code", "367106", "name", "Drain"), *out = NULL;
    if (pusat_node_add(p, &sys, in, &out, &err) != KT_OK) {
        json_decref(in);
        goto fail;
    }
    json_t *en = json_pack("{s:s, s:s, s:s, s:s}", "central_url", url, "node_id",
                           json_string_value(json_object_get(out, "node_id")), "code",
                           json_string_value(json_object_get(out, "code")), "tls_pin", tls->pin);
    json_decref(in);
    json_decref(out);
    out = NULL;
    kt_code erc = svc_link_enrol(ns, &sys, en, &out, &err);
    json_decref(en);
    if (erc != KT_OK)
        goto fail;
    link_sign_key nk;
    uint8_t box[32];
    kt_code krc = link_sign_key_load(json_string_value(json_object_get(out, "key_path")), 0, &nk,
                                     NULL, &err);
    json_decref(out);
    if (krc != KT_OK)
        goto fail;
    {
        store *db = NULL;
        store_stmt *st = NULL;
        int row = 0;
        if (svc_conn_get(ns, &db, &err) == KT_OK &&
            store_prepare(db, "SELECT central_box_pk FROM link_config", &st, &err) == KT_OK &&
            store_step(st, &row, &err) == KT_OK && row)
            link_b64_key(store_col_text(st, 0), box, "box", &err);
        if (st != NULL)
            store_reset(st);
        svc_conn_put(ns, db);
    }
    {
        store *db = NULL;
        svc_conn_get(cs, &db, &err);
        store_exec(db, "INSERT INTO families (kk_number) VALUES ('3671100101090001') ON CONFLICT"
                       " DO NOTHING", &err);
        svc_conn_put(cs, db);
    }
    /* The backlog: a day's recordings made while the network was down. */
    for (int k = 0; k < backlog; k++)
        if (backlog_add(cs, ns, &nk, box, 7000000 + k, &err) != 0) {
            fprintf(stderr, "backlog: %s\n", err.message);
            goto fail;
        }
    json_t *ov = NULL;
    pusat_overview(p, &sys, &ov, &err);
    json_int_t gf = json_integer_value(json_object_get(ov, "gallery_fingers"));
    json_decref(ov);
    /* The network returns: the node's rounds (as its agent runs them, back to back). */
    double t0 = wall_ms(), t_sent = 0, t_done = 0, t_back = 0;
    int rounds = 0;
    for (;;) {
        json_t *r = NULL;
        if (svc_link_sync(ns, &sys, 0, &r, &err) != KT_OK) {
            fprintf(stderr, "sync: %s\n", err.message);
            break;
        }
        rounds++;
        json_decref(r);
        double now = wall_ms();
        if (t_sent == 0 &&
            count_of(ns, "SELECT count(*) FROM link_outbox WHERE state = 'sent'") >= backlog)
            t_sent = now;
        if (t_done == 0 &&
            count_of(cs, "SELECT count(*) FROM pusat_packets WHERE node_id = '367106-01' AND"
                         " state = 'processed'") >= backlog)
            t_done = now;
        if (count_of(ns, "SELECT count(*) FROM link_outbox WHERE central_status IN"
                         " ('PRINT_READY_RECORD', 'DUPLICATE_RECORD', 'ADJUDICATE_RECORD',"
                         " 'ENROLL_FAILURE_AT_CENTRAL')") >= backlog) {
            t_back = now;
            break;
        }
        if (now - t0 > 6 * 3600e3)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int64_t retried = count_of(ns, "SELECT count(*) FROM link_outbox WHERE attempts > 1");
    printf("backlog of %d packets (%.1f MB) at a gallery of %lld fingers: all acknowledged in "
           "%.1f s, all processed by the central in %.1f s, every status applied at the node in "
           "%.1f s (%d rounds; %lld packets needed a retry)\n",
           backlog,
           (double)count_of(ns, "SELECT sum(size) FROM link_outbox") / 1048576.0,
           (long long)gf, (t_sent - t0) / 1000, (t_done - t0) / 1000, (t_back - t0) / 1000,
           rounds, (long long)retried);
    /* The status round trip of one more recording: sent, de-duplicated, PRR applied. */
    if (backlog_add(cs, ns, &nk, box, 7900000, &err) == 0) {
        double r0 = wall_ms(), r_sent = 0;
        for (;;) {
            json_t *r = NULL;
            svc_link_sync(ns, &sys, 0, &r, &err);
            json_decref(r);
            if (r_sent == 0 &&
                count_of(ns, "SELECT count(*) FROM link_outbox WHERE state = 'sent'") > backlog)
                r_sent = wall_ms();
            if (count_of(ns, "SELECT count(*) FROM link_outbox WHERE application_id = 7900000"
                             " AND central_status = 'PRINT_READY_RECORD'") == 1)
                break;
            if (wall_ms() - r0 > 600e3)
                break;
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        printf("status round trip (node sends, central verifies + de-duplicates against %lld "
               "fingers, node pulls PRR): %.0f ms (the upload %.0f ms), polling every 20 ms; a "
               "node's agent polls every --link-interval (5 s)\n",
               (long long)gf, wall_ms() - r0, r_sent - r0);
    }
    sodium_memzero(&nk, sizeof nk);
    goto out;
fail:
    fprintf(stderr, "drain: %s\n", err.message);
out:
    if (srv != NULL)
        http_server_stop(srv);
    pusat_close(p);
    if (ns != NULL)
        svc_close(ns);
    if (cs != NULL)
        svc_close(cs);
    http_tls_free(tls);
    http_tls_pem_free(cpem);
    http_tls_pem_free(kpem);
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
    if (mkdtemp(work) == NULL)
        return 1;
    snprintf(work_key, sizeof work_key, "%s/ktpel.key", work);
    const char *sizes = getenv("KTPEL_BENCH_FINGERS");
    part2(pg, sizes != NULL ? sizes : "10000,100000", n > 0 ? n : 40);
    const char *drain = getenv("KTPEL_BENCH_DRAIN");
    if (drain != NULL && atoi(drain) > 0)
        part3(pg, atoi(drain));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", work);
    for (int f = 0; f < 10; f++)
        free(wsq[f]);
    return 0;
}
