/*
 * lookup_bench.c - NIK lookup latency in process: svc_resident_get (NIK analysis, the SQLite
 * lookup, eligibility, JSON) on the database import_bench leaves (1,000,000 residents), for
 * random NIKs that exist; prints p50 / p99 / max.
 *
 * usage: lookup_bench [DB] [LOOKUPS]   (DB default /tmp/ktpel-bench/residents.db)
 * Prints figures; never fails on speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/service.h"

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

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : "/tmp/ktpel-bench/residents.db";
    long n = argc > 2 ? atol(argv[2]) : 100000;
    if (access(db, R_OK) != 0) {
        fprintf(stderr, "lookup_bench: %s missing; run import_bench first\n", db);
        return 1;
    }
    svc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    svc *s = NULL;
    kt_error err;
    if (svc_open(&cfg, &s, &err) != KT_OK) {
        fprintf(stderr, "svc_open: %s\n", err.message);
        return 1;
    }
    svc_actor sys = svc_system_actor();
    /* The NIKs import_bench wrote: person i as in its generator. */
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t *lat = malloc((size_t)n * sizeof *lat);
    if (lat == NULL)
        return 1;
    uint64_t x = 12345;
    long found = 0;
    for (long k = 0; k < n; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        long i = (long)(x % 1000000);
        long d = i / 2000;
        int female = (int)((i / 1000) % 2), serial = (int)(i % 1000) + 1;
        int year = 1940 + (int)(d / 365) % 80, doy = (int)(d % 365), month = 0;
        while (doy >= mdays[month]) {
            doy -= mdays[month];
            month++;
        }
        char nik[64]; /* room for any int the compiler cannot bound */
        snprintf(nik, sizeof nik, "367110%02d%02d%02d%04d", doy + 1 + (female ? 40 : 0),
                 month + 1, year % 100, serial);
        json_t *r = NULL;
        int64_t t0 = now_ns();
        kt_code rc = svc_resident_get(s, &sys, nik, &r, &err);
        lat[k] = now_ns() - t0;
        found += rc == KT_OK;
        json_decref(r);
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp64);
    printf("lookups: %ld (%ld found); p50 %.1f us, p99 %.1f us, max %.1f us\n", n, found,
           (double)lat[n / 2] / 1e3, (double)lat[(n * 99) / 100] / 1e3,
           (double)lat[n - 1] / 1e3);
    free(lat);
    svc_close(s);
    return 0;
}
