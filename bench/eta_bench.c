/*
 * eta_bench.c - how good is the phone queue page's wait estimate? Simulated service days run
 * through the real service (svc_ticket_take, svc_ticket_call_next, svc_ticket_track on a real
 * SQLite file, the clock moved by the simulation): walk-ins arrive at random (a Poisson
 * process, busier mid-morning), some priority; two intake lokets each call the next ticket
 * when they finish the last one, with log-normally distributed service times. Every ticket's
 * estimate is read when it is taken (and every 10 minutes while it waits) and compared with
 * the wait it really had. Prints the median and p90 of the absolute error, overall and by
 * how long the wait was, and the same for the "(ahead + 1)" variant of the formula.
 *
 * usage: eta_bench [days] [seed]   (default 5 days, seed 1). Figures in docs/benchmarks.md.
 * Never: a pass/fail (a benchmark prints figures).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/service.h"

static int64_t clock_ms;
static int64_t sim_now(void) { return clock_ms; }

static uint64_t rng = 88172645463325252u;
static double uni(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
static double expo(double mean) { return -mean * log(1.0 - uni()); }
static double lognormal(double mean, double cv)
{
    double s2 = log(1 + cv * cv), mu = log(mean) - s2 / 2;
    double u1 = uni(), u2 = uni();
    double z = sqrt(-2 * log(1 - u1)) * cos(2 * M_PI * u2);
    return exp(mu + sqrt(s2) * z);
}

typedef struct tk {
    char token[40];
    int64_t id, taken, called;
} tk;

/* One reading of a ticket's page: the estimate then, the wait that followed (minutes). */
typedef struct sample {
    double est, est_alt, actual;
    size_t ticket; /* index in the day's tickets until the actual is known */
    int64_t at;
} sample;

static tk tickets[4096];
static size_t ntickets;

/* Read the page of ticket i now into *o; 0 when it is not waiting. */
static int read_page(svc *s, size_t i, int64_t now, sample *o)
{
    json_t *out = NULL;
    kt_error err;
    int ok = 0;
    if (svc_ticket_track(s, tickets[i].token, &out, &err) == KT_OK &&
        json_object_get(out, "ahead") != NULL) {
        double ahead = (double)json_integer_value(json_object_get(out, "ahead"));
        json_t *e = json_object_get(out, "estimate");
        double cyc = (double)json_integer_value(json_object_get(e, "cycle_s")) / 60;
        double lk = (double)json_integer_value(json_object_get(e, "lokets"));
        o->est = (ahead + 0.5) * cyc / lk; /* the page's formula (core/eta.h) */
        o->est_alt = (ahead + 1) * cyc / lk;
        o->ticket = i;
        o->at = now;
        ok = 1;
    }
    json_decref(out);
    return ok;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (n == 0)
        return (double)NAN;
    qsort(v, n, sizeof *v, cmp_d);
    size_t k = (size_t)ceil(p / 100.0 * (double)n);
    return v[k > 0 ? k - 1 : 0];
}

static void report(const char *what, sample *s, size_t n, double lo, double hi)
{
    double *e = malloc((n + 1) * sizeof *e), *a = malloc((n + 1) * sizeof *a),
           *r = malloc((n + 1) * sizeof *r);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].actual >= lo && s[i].actual < hi) {
            e[k] = fabs(s[i].est - s[i].actual);
            a[k] = fabs(s[i].est_alt - s[i].actual);
            r[k] = s[i].actual > 0 ? fabs(s[i].est - s[i].actual) / s[i].actual : 0;
            k++;
        }
    printf("  %-34s n=%5zu  |err| median %5.1f min, p90 %5.1f min (relative p50 %3.0f%%, p90 "
           "%3.0f%%)  [(ahead+1) variant: %5.1f / %5.1f min]\n",
           what, k, pct(e, k, 50), pct(e, k, 90), 100 * pct(r, k, 50), 100 * pct(r, k, 90),
           pct(a, k, 50), pct(a, k, 90));
    free(e);
    free(a);
    free(r);
}

static void finish(sample *v, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        tk *k = &tickets[v[i].ticket];
        v[i].actual = k->called ? (double)(k->called - v[i].at) / 60000 : (double)NAN;
    }
}

static size_t drop_unserved(sample *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i].actual))
            v[k++] = v[i];
    return k;
}

int main(int argc, char **argv)
{
    int days = argc > 1 ? atoi(argv[1]) : 5;
    rng ^= (uint64_t)(argc > 2 ? atoll(argv[2]) : 1) * 0x9e3779b97f4a7c15u;
    char dir[] = "/tmp/ktpel-eta-XXXXXX", db[64];
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(db, sizeof db, "%s/k.db", dir);
    svc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.now_ms = sim_now;
    cfg.lokets = 3;
    clock_ms = INT64_C(1772416800000) - 3600000; /* 2026-03-02 08:00 WIB */
    svc *s = NULL;
    kt_error err;
    if (svc_open(&cfg, &s, &err) != KT_OK) {
        fprintf(stderr, "svc_open: %s\n", err.message);
        return 1;
    }
    svc_actor in = svc_system_actor();
    snprintf(in.role, sizeof in.role, "intake");
    static const char *const services[] = {"rekam_baru", "perubahan_data", "hilang_rusak",
                                           "pindah_datang"};
    size_t cap = 200000, na = 0, np = 0;
    sample *arr = calloc(cap, sizeof *arr), *per = calloc(cap, sizeof *per);
    if (arr == NULL || per == NULL)
        return 1;
    printf("eta_bench: %d simulated days 08:00-14:00 through the real service; 2 intake lokets "
           "(1 and 3), service time log-normal mean 7 min (cv 0.6); walk-ins Poisson 12/h "
           "(24/h 09-11), 8%% priority\n", days);
    for (int d = 0; d < days; d++) {
        int64_t day0 = INT64_C(1772416800000) - 3600000 + (int64_t)d * 86400000;
        int64_t end = day0 + 6 * 3600000;
        int64_t next_arrival = day0 + (int64_t)(expo(4.0) * 60000);
        int64_t loket_free[2] = {day0 + 5 * 60000, day0 + 6 * 60000};
        int64_t next_sample = day0 + 10 * 60000;
        size_t a0 = na, p0 = np;
        ntickets = 0;
        for (;;) {
            /* the next event: an arrival, a loket free, or the 10-minute reading */
            int64_t tmin = next_arrival < end ? next_arrival : INT64_MAX;
            int which = -1;
            for (int l = 0; l < 2; l++)
                if (loket_free[l] < tmin) {
                    tmin = loket_free[l];
                    which = l;
                }
            int reading = next_sample < tmin;
            if (reading)
                tmin = next_sample;
            if (tmin == INT64_MAX || tmin > end + 4 * 3600000)
                break;
            clock_ms = tmin;
            json_t *out = NULL;
            if (reading) { /* every waiting ticket's page, as a citizen glancing at it */
                next_sample += 10 * 60000;
                for (size_t i = 0; i < ntickets && np < cap; i++)
                    if (tickets[i].called == 0 && read_page(s, i, clock_ms, &per[np]))
                        np++;
                if (next_sample > end && next_arrival >= end && loket_free[0] == INT64_MAX &&
                    loket_free[1] == INT64_MAX)
                    break;
                continue;
            }
            if (which < 0) { /* an arrival: take, then read its page */
                double rate = clock_ms - day0 >= 3600000 && clock_ms - day0 < 3 * 3600000 ? 24.0
                                                                                          : 12.0;
                next_arrival = clock_ms + (int64_t)(expo(60.0 / rate) * 60000);
                int prio = uni() < 0.08;
                json_t *req = json_pack("{s:s, s:b, s:s}", "service", services[(int)(uni() * 4)],
                                        "priority", prio, "priority_reason", prio ? "lansia" : "");
                if (svc_ticket_take(s, req, &out, &err) == KT_OK && ntickets < 4096) {
                    tk *k = &tickets[ntickets++];
                    snprintf(k->token, sizeof k->token, "%s",
                             json_string_value(json_object_get(out, "track")));
                    k->id = json_integer_value(json_object_get(out, "id"));
                    k->taken = clock_ms;
                    k->called = 0;
                    if (na < cap && read_page(s, ntickets - 1, clock_ms, &arr[na]))
                        na++;
                }
                json_decref(out);
                json_decref(req);
                continue;
            }
            /* a loket is free: it calls the next ticket, or looks again in a minute */
            in.loket = which == 0 ? 1 : 3;
            json_t *req = json_pack("{s:i}", "loket", in.loket);
            if (svc_ticket_call_next(s, &in, req, &out, &err) == KT_OK) {
                int64_t id = json_integer_value(json_object_get(out, "id"));
                for (size_t i = 0; i < ntickets; i++)
                    if (tickets[i].id == id)
                        tickets[i].called = clock_ms;
                loket_free[which] = clock_ms + (int64_t)(lognormal(7.0, 0.6) * 60000);
            } else {
                loket_free[which] = clock_ms > end && next_arrival >= end ? INT64_MAX
                                                                            : clock_ms + 60000;
            }
            json_decref(out);
            json_decref(req);
        }
        finish(arr, a0, na);
        finish(per, p0, np);
    }
    na = drop_unserved(arr, na);
    np = drop_unserved(per, np);
    double mean = 0;
    for (size_t i = 0; i < na; i++)
        mean += arr[i].actual;
    printf("read when the ticket is taken (%zu tickets, mean actual wait %.1f min):\n", na,
           na ? mean / (double)na : 0);
    report("all", arr, na, 0, 1e9);
    report("actual wait < 15 min", arr, na, 0, 15);
    report("actual wait 15-45 min", arr, na, 15, 45);
    report("actual wait >= 45 min", arr, na, 45, 1e9);
    printf("read every 10 minutes while waiting (%zu readings):\n", np);
    report("all", per, np, 0, 1e9);
    report("remaining wait < 15 min", per, np, 0, 15);
    report("remaining wait >= 15 min", per, np, 15, 1e9);
    free(arr);
    free(per);
    svc_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
