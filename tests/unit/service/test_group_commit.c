/*
 * test_group_commit.c - the queue's durable writes under group commit (svc_group_write), on a
 * real SQLite file: many threads taking tickets at once get distinct, consecutive numbers per
 * service; lokets calling at once never share a ticket; a unit that fails inside a batch is
 * rolled back alone and leaves no gap; and a process SIGKILLed while taking tickets loses none
 * of the tickets it acknowledged (it reports each one on a pipe only after svc_ticket_take
 * returned, and the parent checks every reported ticket in the database after the kill).
 * Also svc_unsubscribe: a listener removed is never called again.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "unit/service/svc_test.h"
#include "service/svc_internal.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define TAKERS 8
#define TAKES 25

typedef struct taker {
    svc *s;
    const char *service;
    int numbers[TAKES];
    int failures;
} taker;

/* "A012" -> 12 */
static int ticket_number(const json_t *t)
{
    const char *code = json_string_value(json_object_get(t, "number"));
    return code != NULL ? atoi(code + 1) : -1;
}

static void *take_loop(void *arg)
{
    taker *tk = arg;
    for (int i = 0; i < TAKES; i++) {
        json_t *req = json_pack("{s:s}", "service", tk->service), *t = NULL;
        kt_error err;
        if (svc_ticket_take(tk->s, req, &t, &err) != KT_OK) {
            fprintf(stderr, "take: %s %s\n", err.id, err.message);
            tk->failures++;
            tk->numbers[i] = -1;
        } else {
            tk->numbers[i] = ticket_number(t);
        }
        json_decref(t);
        json_decref(req);
    }
    return NULL;
}

static void test_concurrent_takes_consecutive(void **state)
{
    (void)state;
    svc *s = t_open();
    taker tk[TAKERS];
    pthread_t th[TAKERS];
    memset(tk, 0, sizeof tk);
    for (int i = 0; i < TAKERS; i++) {
        tk[i].s = s;
        tk[i].service = (i % 2) ? "rekam_baru" : "pengambilan";
        assert_int_equal(pthread_create(&th[i], NULL, take_loop, &tk[i]), 0);
    }
    for (int i = 0; i < TAKERS; i++)
        pthread_join(th[i], NULL);
    /* Per service: TAKERS/2 * TAKES tickets numbered 1..n, each number exactly once. */
    const int n = TAKERS / 2 * TAKES;
    for (int parity = 0; parity < 2; parity++) {
        int seen[TAKERS / 2 * TAKES + 1];
        memset(seen, 0, sizeof seen);
        for (int i = parity; i < TAKERS; i += 2) {
            assert_int_equal(tk[i].failures, 0);
            for (int k = 0; k < TAKES; k++) {
                assert_in_range(tk[i].numbers[k], 1, n);
                seen[tk[i].numbers[k]]++;
                if (k > 0) /* one thread's tickets come in increasing order */
                    assert_true(tk[i].numbers[k] > tk[i].numbers[k - 1]);
            }
        }
        for (int k = 1; k <= n; k++)
            assert_int_equal(seen[k], 1);
    }
    /* The database agrees: one row per ticket, one take event per ticket. */
    json_t *board = NULL;
    kt_error err;
    t_expect(svc_queue_board(s, &board, &err), KT_OK, &err);
    json_t *w = json_object_get(board, "waiting");
    assert_int_equal(json_integer_value(json_object_get(w, "rekam_baru")), n);
    assert_int_equal(json_integer_value(json_object_get(w, "pengambilan")), n);
    json_decref(board);
    svc_close(s);
}

#define CALLERS 3
#define CALL_TICKETS 60

typedef struct caller {
    svc *s;
    int loket;
    int64_t ids[CALL_TICKETS];
    int n;
    int errors;
} caller;

static void *call_loop(void *arg)
{
    caller *c = arg;
    svc_actor who = t_actor("intake", c->loket, c->loket);
    for (;;) {
        json_t *t = NULL;
        kt_error err;
        kt_code rc = svc_ticket_call_next(c->s, &who, NULL, &t, &err);
        if (rc == KT_ENOTFOUND)
            break;
        if (rc != KT_OK) {
            fprintf(stderr, "call: %s %s\n", err.id, err.message);
            if (++c->errors > 10)
                break; /* a lasting error: the test fails below instead of looping */
            continue;
        }
        if (c->n < CALL_TICKETS)
            c->ids[c->n++] = json_integer_value(json_object_get(t, "id"));
        json_decref(t);
    }
    return NULL;
}

static void test_concurrent_calls_never_share(void **state)
{
    (void)state;
    svc *s = t_open();
    for (int i = 0; i < CALL_TICKETS; i++) {
        json_t *req = json_pack("{s:s, s:b}", "service", "rekam_baru", "priority", i % 7 == 0);
        json_t *t = NULL;
        kt_error err;
        t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
        json_decref(t);
        json_decref(req);
    }
    caller c[CALLERS];
    pthread_t th[CALLERS];
    memset(c, 0, sizeof c);
    for (int i = 0; i < CALLERS; i++) {
        c[i].s = s;
        c[i].loket = i + 1;
        assert_int_equal(pthread_create(&th[i], NULL, call_loop, &c[i]), 0);
    }
    for (int i = 0; i < CALLERS; i++)
        pthread_join(th[i], NULL);
    int total = 0;
    for (int i = 0; i < CALLERS; i++) {
        assert_int_equal(c[i].errors, 0);
        total += c[i].n;
        for (int k = 0; k < c[i].n; k++)
            for (int j = 0; j < CALLERS; j++)
                for (int m = 0; m < c[j].n; m++)
                    if (!(i == j && k == m))
                        assert_true(c[i].ids[k] != c[j].ids[m]);
    }
    assert_int_equal(total, CALL_TICKETS);
    svc_close(s);
}

/* A unit that writes a ticket and then fails: its savepoint is rolled back. */
static kt_code failing_unit(svc *s, store *db, void *ctx, kt_error *err)
{
    (void)s;
    (void)ctx;
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db,
                               "INSERT INTO tickets (service, day, number, code, priority,"
                               " priority_reason, taken_at) VALUES ('rekam_baru', '2026-03-02',"
                               " (SELECT COALESCE(MAX(number), 0) + 1 FROM tickets),"
                               " 'X', 0, '', 0)",
                               &st, err);
    if (rc == KT_OK)
        rc = store_run(st, err);
    if (rc != KT_OK)
        return rc;
    return kt_fail(err, KT_EINVAL, "unit_failed", "test", "Sengaja gagal");
}

static void *fail_loop(void *arg)
{
    svc *s = arg;
    for (int i = 0; i < TAKES; i++) {
        kt_error err;
        if (svc_group_write(s, failing_unit, NULL, &err) != KT_EINVAL ||
            strcmp(err.id, "unit_failed") != 0)
            fprintf(stderr, "failing unit: unexpected %s\n", err.id);
    }
    return NULL;
}

static void test_failed_unit_isolated(void **state)
{
    (void)state;
    svc *s = t_open();
    kt_error err;
    assert_int_equal(svc_group_write(s, failing_unit, NULL, &err), KT_EINVAL);
    assert_string_equal(err.id, "unit_failed");
    /* Failing units interleaved with takes in the same batches: the takes stay 1..n. */
    taker tk[4];
    pthread_t th[4], fth[2];
    memset(tk, 0, sizeof tk);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&fth[i], NULL, fail_loop, s), 0);
    for (int i = 0; i < 4; i++) {
        tk[i].s = s;
        tk[i].service = "rekam_baru";
        assert_int_equal(pthread_create(&th[i], NULL, take_loop, &tk[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(fth[i], NULL);
    int seen[4 * TAKES + 1];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(tk[i].failures, 0);
        for (int k = 0; k < TAKES; k++) {
            assert_in_range(tk[i].numbers[k], 1, 4 * TAKES);
            seen[tk[i].numbers[k]]++;
        }
    }
    for (int k = 1; k <= 4 * TAKES; k++)
        assert_int_equal(seen[k], 1);
    json_t *board = NULL;
    t_expect(svc_queue_board(s, &board, &err), KT_OK, &err);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(board, "waiting"), "rekam_baru")),
        4 * TAKES);
    json_decref(board);
    svc_close(s);
}

/* ---- kill -9 ---------------------------------------------------------------------------- */

typedef struct ack {
    int64_t id;
    int32_t number;
    int32_t service; /* 0 rekam_baru, 1 pengambilan */
} ack;

static int ack_fd = -1;

static void *child_taker(void *arg)
{
    svc *s = arg;
    static const char *const services[2] = {"rekam_baru", "pengambilan"};
    for (unsigned i = 0;; i++) {
        int sv = (int)(i & 1);
        json_t *req = json_pack("{s:s}", "service", services[sv]), *t = NULL;
        kt_error err;
        if (svc_ticket_take(s, req, &t, &err) == KT_OK) {
            ack a = {json_integer_value(json_object_get(t, "id")), ticket_number(t), sv};
            /* Reported only now: after the commit that holds it. */
            if (write(ack_fd, &a, sizeof a) != (ssize_t)sizeof a)
                _exit(3);
        }
        json_decref(t);
        json_decref(req);
    }
    return NULL;
}

static void run_child(int fd)
{
    ack_fd = fd;
    svc *s = NULL;
    svc_config cfg;
    t_config(&cfg);
    kt_error err;
    if (svc_open(&cfg, &s, &err) != KT_OK)
        _exit(2);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        if (pthread_create(&th[i], NULL, child_taker, s) != 0)
            _exit(2);
    for (;;)
        pause(); /* until SIGKILL */
}

static void test_sigkill_loses_nothing_acknowledged(void **state)
{
    (void)state;
    svc *s = t_open(); /* create and migrate first, then close before forking */
    svc_close(s);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        run_child(p[1]);
    }
    close(p[1]);
    enum { WANT = 300, CAP = 20000 };
    ack *acks = calloc(CAP, sizeof *acks);
    assert_non_null(acks);
    size_t n = 0, got = 0;
    char *buf = (char *)acks;
    /* Read until WANT acknowledgements, kill the child mid-flight, then drain what it wrote
       before dying. */
    int killed = 0;
    for (;;) {
        if (!killed && n >= WANT) {
            kill(pid, SIGKILL);
            killed = 1;
        }
        ssize_t r = read(p[0], buf + got, CAP * sizeof *acks - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        n = got / sizeof *acks;
        if (got == CAP * sizeof *acks)
            break;
    }
    if (!killed)
        kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(p[0]);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(n >= WANT);
    /* Every acknowledged ticket is in the database with the number it was given. */
    s = t_open();
    kt_error err;
    int maxnum[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        json_t *t = NULL;
        t_expect(svc_ticket_get(s, acks[i].id, &t, &err), KT_OK, &err);
        assert_int_equal(ticket_number(t), acks[i].number);
        json_decref(t);
        if (acks[i].number > maxnum[acks[i].service])
            maxnum[acks[i].service] = acks[i].number;
    }
    /* And numbering carries on without a gap after the crash. */
    json_t *board = NULL;
    t_expect(svc_queue_board(s, &board, &err), KT_OK, &err);
    json_int_t committed =
        json_integer_value(json_object_get(json_object_get(board, "waiting"), "rekam_baru"));
    json_decref(board);
    assert_true(committed >= maxnum[0]);
    json_t *req = json_pack("{s:s}", "service", "rekam_baru"), *t = NULL;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    assert_int_equal(ticket_number(t), (int)committed + 1);
    json_decref(t);
    json_decref(req);
    free(acks);
    svc_close(s);
}

/* ---- svc_unsubscribe ---------------------------------------------------------------------- */

static void count_event(void *ctx, const json_t *ev)
{
    (void)ev;
    (*(int *)ctx)++;
}

static void test_unsubscribe(void **state)
{
    (void)state;
    svc *s = t_open();
    int a = 0, b = 0;
    kt_error err;
    t_expect(svc_subscribe(s, count_event, &a, &err), KT_OK, &err);
    t_expect(svc_subscribe(s, count_event, &b, &err), KT_OK, &err);
    json_t *req = json_pack("{s:s}", "service", "rekam_baru"), *t = NULL;
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    json_decref(t);
    assert_int_equal(a, 1);
    assert_int_equal(b, 1);
    svc_unsubscribe(s, count_event, &a);
    svc_unsubscribe(s, count_event, &a); /* not there any more: nothing */
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    json_decref(t);
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    svc_unsubscribe(s, count_event, &b);
    /* Every slot can be reused after unsubscribing. */
    int c[40] = {0};
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 32; i++)
            t_expect(svc_subscribe(s, count_event, &c[i], &err), KT_OK, &err);
        for (int i = 0; i < 32; i++)
            svc_unsubscribe(s, count_event, &c[i]);
    }
    t_expect(svc_ticket_take(s, req, &t, &err), KT_OK, &err);
    json_decref(t);
    json_decref(req);
    assert_int_equal(b, 2);
    assert_int_equal(c[0], 0);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_takes_consecutive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_calls_never_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_unit_isolated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_loses_nothing_acknowledged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
