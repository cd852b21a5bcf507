/*
 * audit_bench.c - what the tamper-evident audit trail costs (docs/benchmarks.md "Audit
 * trail"), on a fresh SQLite database:
 *   1. recording one read (svc_access_record: a chained access_log row in a lazy group
 *      commit), one at a time: p50 / p99 / p99.9 / max
 *   2. the same, 8 threads at once: records/s
 *   3. a durable chained event (a kiosk ticket, svc_ticket_take), one at a time
 *   4. svc_audit_verify over everything written: records/s
 * usage: audit_bench [DIR] [N]   (DIR default /tmp/ktpel-bench-audit, removed first; N 20000)
 * Prints figures; never fails on speed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/svc_internal.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, int64_t *lat, long n)
{
    qsort(lat, (size_t)n, sizeof *lat, cmp64);
    printf("%s: %ld; p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n", what, n,
           (double)lat[n / 2] / 1e3, (double)lat[(n * 99) / 100] / 1e3,
           (double)lat[(n * 999) / 1000] / 1e3, (double)lat[n - 1] / 1e3);
}

typedef struct worker {
    svc *s;
    long n;
    long failed;
} worker;

static void *reader(void *arg)
{
    worker *w = arg;
    svc_actor a;
    memset(&a, 0, sizeof a);
    a.user_id = 7;
    snprintf(a.username, sizeof a.username, "petugas%ld", w->n);
    snprintf(a.role, sizeof a.role, "intake");
    for (long i = 0; i < w->n; i++) {
        kt_error err;
        char nik[32];
        snprintf(nik, sizeof nik, "36711012039%05ld", i % 100000);
        if (svc_access_record(w->s, &a, "read_resident", nik, 0, "", "", &err) != KT_OK)
            w->failed++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp/ktpel-bench-audit";
    long n = argc > 2 ? atol(argv[2]) : 20000;
    char cmd[600], db[512];
    if (n < 1000)
        n = 1000;
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    snprintf(db, sizeof db, "%s/audit.db", dir);
    svc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.afis_lazy = 1;
    svc *s = NULL;
    kt_error err;
    if (svc_open(&cfg, &s, &err) != KT_OK) {
        fprintf(stderr, "svc_open: %s\n", err.message);
        return 1;
    }
    int64_t *lat = malloc((size_t)n * sizeof *lat);
    if (lat == NULL)
        return 1;
    svc_actor a;
    memset(&a, 0, sizeof a);
    a.user_id = 1;
    snprintf(a.username, sizeof a.username, "petugas1");
    snprintf(a.role, sizeof a.role, "intake");
    a.loket = 1;

    /* 1. one read recorded at a time */
    for (long i = 0; i < n; i++) {
        char nik[32];
        snprintf(nik, sizeof nik, "36711012039%05ld", i % 100000);
        int64_t t0 = now_ns();
        if (svc_access_record(s, &a, "read_resident", nik, 0, "", "", &err) != KT_OK) {
            fprintf(stderr, "access: %s\n", err.message);
            return 1;
        }
        lat[i] = now_ns() - t0;
    }
    report("read recorded (lazy commit), one at a time", lat, n);

    /* 2. 8 threads */
    worker w[8];
    pthread_t th[8];
    int64_t t0 = now_ns();
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){s, n / 8, 0};
        pthread_create(&th[i], NULL, reader, &w[i]);
    }
    long failed = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        failed += w[i].failed;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    printf("reads recorded by 8 threads: %ld in %.2f s = %.0f/s (%ld failed)\n", n / 8 * 8, secs,
           (double)(n / 8 * 8) / secs, failed);

    /* 3. durable chained events, one at a time (a ticket each) */
    long ne = n / 10 < 5000 ? n / 10 : 5000; /* a service has 9,999 numbers a day */
    for (long i = 0; i < ne; i++) {
        json_t *req = json_pack("{s:s}", "service", "rekam_baru"), *out = NULL;
        int64_t t1 = now_ns();
        if (svc_ticket_take(s, req, &out, &err) != KT_OK) {
            fprintf(stderr, "take: %s\n", err.message);
            return 1;
        }
        lat[i] = now_ns() - t1;
        json_decref(out);
        json_decref(req);
    }
    report("chained event (a kiosk ticket, durable), one at a time", lat, ne);

    /* 4. verify everything */
    svc_actor sys = svc_system_actor();
    json_t *v = NULL;
    t0 = now_ns();
    if (svc_audit_verify(s, &sys, NULL, &v, &err) != KT_OK) {
        fprintf(stderr, "verify: %s\n", err.message);
        return 1;
    }
    secs = (double)(now_ns() - t0) / 1e9;
    json_t *ch = json_object_get(v, "chains");
    json_int_t ev = json_integer_value(json_object_get(json_object_get(ch, "events"), "records"));
    json_int_t acc =
        json_integer_value(json_object_get(json_object_get(ch, "access_log"), "records"));
    json_int_t cps = json_integer_value(
        json_object_get(json_object_get(ch, "audit_checkpoints"), "records"));
    printf("verify: %lld events + %lld reads + %lld checkpoints in %.2f s = %.0f records/s; ok %s\n",
           (long long)ev, (long long)acc, (long long)cps, secs, (double)(ev + acc) / secs,
           json_is_true(json_object_get(v, "ok")) ? "yes" : "NO");
    json_decref(v);
    free(lat);
    svc_close(s);
    return 0;
}
