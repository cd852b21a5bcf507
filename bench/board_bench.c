/*
 * board_bench.c - the public display board (svc_queue_board: each loket's current call, the
 * recording desk's calls, the last ten calls, the waiting counts) at the start of a service
 * day and at its end, on a real SQLite file. Issue 9 item 7: the board scanned every event of
 * the day (1.5 ms -> 40 ms a call at 34k events); with migration 008's indexes it should cost
 * the same at the day's end as at its start. The same day is then measured with those
 * indexes dropped, to show what they buy.
 *
 * usage: board_bench [EVENTS] [CALLS]   (default 34000 events, 2000 board reads)
 * Prints p50 / p99 in microseconds; never fails on speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/jakarta.h"
#include "service/service.h"
#include "store/store.h"

/* 2026-03-02 16:00 WIB: late in the service day. */
#define T_DAY_END INT64_C(1772442000000)
#define T_DAY_START INT64_C(1772413200000) /* 08:00 WIB */

static int64_t clock_now(void) { return T_DAY_END; }

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

static int fail(const char *what, const kt_error *err)
{
    fprintf(stderr, "board_bench: %s: %s\n", what, err->message);
    return 1;
}

/* A day's worth of tickets (one per 11 events) and events, as the office writes them: ticket
   calls, the intake's steps, the operator's 14 uploads and desk calls, receipts. */
static int fill(const char *path, long events, long from, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    if (store_open(path, NULL, &db, err) != KT_OK || store_begin(db, STORE_WRITE, err) != KT_OK)
        return -1;
    static const char *const acts[] = {"call", "open", "serve", "check_ok", "operator_start",
                                       "bio_put", "bio_put", "bio_put", "call_recording",
                                       "record", "issue_receipt"};
    long per = (long)(sizeof acts / sizeof acts[0]);
    for (long e = from; e < events; e++) {
        long t = e / per + 1;
        int64_t at = T_DAY_START + (T_DAY_END - T_DAY_START - 60000) * e / (events + 1);
        const char *a = acts[e % per];
        if (e % per == 0) {
            char code[16];
            snprintf(code, sizeof code, "A%04ld", t % 9999 + 1);
            if (store_prepare(db,
                              "INSERT INTO tickets (id, service, day, number, code, state, loket,"
                              " taken_at, called_at, served_at, queue_service) VALUES (?,"
                              " 'rekam_baru', '2026-03-02', ?, ?, 'served', 1, ?, ?, ?,"
                              " 'rekam_baru')",
                              &st, err) != KT_OK)
                return -1;
            store_bind_int(st, 1, t);
            store_bind_int(st, 2, t);
            store_bind_text(st, 3, code, -1);
            store_bind_int(st, 4, at - 60000);
            store_bind_int(st, 5, at);
            store_bind_int(st, 6, at + 1000);
            if (store_run(st, err) != KT_OK)
                return -1;
        }
        if (store_prepare(db,
                          "INSERT INTO events (application_id, ticket_id, user_id, username, role,"
                          " loket, at, from_state, to_state, action) VALUES (?, ?, 1, 'u', 'intake',"
                          " ?, ?, 'checked', 'checked', ?)",
                          &st, err) != KT_OK)
            return -1;
        store_bind_int(st, 1, t);
        store_bind_int(st, 2, t);
        store_bind_int(st, 3, strcmp(a, "call_recording") == 0 ? 2 : 1);
        store_bind_int(st, 4, at);
        store_bind_text(st, 5, a, -1);
        if (store_run(st, err) != KT_OK)
            return -1;
    }
    kt_code rc = store_commit(db, err);
    store_close(db);
    return rc == KT_OK ? 0 : -1;
}

static int measure(const char *label, const char *path, long calls)
{
    svc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = path;
    cfg.now_ms = clock_now;
    svc *s = NULL;
    kt_error err;
    if (svc_open(&cfg, &s, &err) != KT_OK)
        return fail("svc_open", &err);
    int64_t *lat = malloc((size_t)calls * sizeof *lat);
    if (lat == NULL)
        return 1;
    for (long i = 0; i < calls; i++) {
        json_t *b = NULL;
        int64_t t0 = now_ns();
        if (svc_queue_board(s, &b, &err) != KT_OK)
            return fail("svc_queue_board", &err);
        lat[i] = now_ns() - t0;
        json_decref(b);
    }
    qsort(lat, (size_t)calls, sizeof *lat, cmp64);
    printf("%-34s p50 %7.1f us   p99 %7.1f us\n", label, (double)lat[calls / 2] / 1e3,
           (double)lat[calls * 99 / 100] / 1e3);
    free(lat);
    svc_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    long events = argc > 1 ? atol(argv[1]) : 34000, calls = argc > 2 ? atol(argv[2]) : 2000;
    char dir[] = "/tmp/ktpel-board-XXXXXX", path[64], cmd[96];
    kt_error err;
    if (events < 110 || calls < 100 || mkdtemp(dir) == NULL) {
        fprintf(stderr, "usage: board_bench [EVENTS >= 110] [CALLS >= 100]\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/k.db", dir);
    int rc = 1;
    if (fill(path, 110, 0, &err) != 0) {
        fail("fill", &err);
        goto out;
    }
    if (measure("start of day (110 events)", path, calls) != 0)
        goto out;
    if (fill(path, events, 110, &err) != 0) {
        fail("fill", &err);
        goto out;
    }
    char label[64];
    snprintf(label, sizeof label, "end of day (%ld events)", events);
    if (measure(label, path, calls) != 0)
        goto out;
    /* The same day without migration 008's board indexes. */
    store *db = NULL;
    if (store_open(path, NULL, &db, &err) != KT_OK ||
        store_exec(db,
                   "DROP INDEX tickets_loket_called; DROP INDEX events_desk_calls;"
                   " DROP INDEX events_desk_calls_at; DROP INDEX applications_ticket;"
                   " DROP INDEX applications_pickup_ticket",
                   &err) != KT_OK) {
        fail("drop indexes", &err);
        goto out;
    }
    store_close(db);
    snprintf(label, sizeof label, "end of day, no 008 indexes");
    if (measure(label, path, calls) != 0)
        goto out;
    rc = 0;
out:
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "board_bench: could not remove %s\n", dir);
    return rc;
}
