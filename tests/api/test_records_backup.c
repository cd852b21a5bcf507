/*
 * test_records_backup.c - the backup of a running office through the real binary: `ktpel
 * serve --backup-dir` while two threads take kiosk tickets over loopback, POST
 * /api/admin/backup (admin) in the middle of it; the backup verified and restored into a new
 * folder with `ktpel restore`; a second server on the restored database answers every ticket
 * acknowledged before the backup began exactly as the first one does. A corrupted backup is
 * refused by `ktpel backup verify` and `ktpel restore` (and nothing is restored).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MAX_TICKETS 2000

typedef struct taker {
    const char *base;
    volatile int *stop;
    int n;
    long long ids[MAX_TICKETS];
} taker;

/* `ktpel serve` with the backup options (bdir NULL: none), waited for like api_server_start. */
static int start_server(api_server *s, const char *db, const char *data, const char *bdir)
{
    /* Two threads taking tickets as fast as they can stand for a morning's kiosks: the
       per-kiosk rate is not what this test is about. */
    const char *const backup[] = {"--backup-dir", bdir, "--backup-every", "600", "--backup-keep",
                                  "5", "--kiosk-rate", "0", NULL};
    const char *const plain[] = {"--kiosk-rate", "0", NULL};
    return api_server_start_with(s, db, data, bdir != NULL ? backup : plain);
}

static void *take_loop(void *arg)
{
    taker *t = arg;
    char url[200];
    snprintf(url, sizeof url, "%s/api/tickets", t->base);
    while (!*t->stop && t->n < MAX_TICKETS) {
        api_resp r;
        if (api_json(&r, "POST", url, NULL, "{\"service\":\"rekam_baru\"}") == 0 &&
            r.status == 201) {
            json_t *j = api_body(&r);
            t->ids[t->n] = (long long)json_integer_value(json_object_get(j, "id"));
            json_decref(j);
            t->n++; /* acknowledged: the 201 came back */
        }
        api_resp_free(&r);
    }
    return NULL;
}

static json_t *ticket(const char *base, const char *cookie, long long id)
{
    char url[200];
    api_resp r;
    snprintf(url, sizeof url, "%s/api/tickets/%lld", base, id);
    assert_int_equal(api_json(&r, "GET", url, cookie, NULL), 0);
    if (r.status != 200)
        fprintf(stderr, "GET %s -> %ld %s\n", url, r.status, r.body);
    assert_int_equal(r.status, 200);
    json_t *j = api_body(&r);
    api_resp_free(&r);
    return j;
}

static void test_backup_while_taking_tickets(void **state)
{
    (void)state;
    char dir[256], db[320], data[320], disk[320], ndir[320], ndb[360], ndata[360], bpath[700],
        cookie[160], cookie2[160], url[200], cmd[1200];
    api_server srv, srv2;
    api_resp r;
    assert_int_equal(api_tmp_make(dir), 0);
    snprintf(db, sizeof db, "%s/ktpel.db", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(disk, sizeof disk, "%s/disk", dir);
    snprintf(ndir, sizeof ndir, "%s/restored", dir);
    snprintf(ndb, sizeof ndb, "%s/ktpel.db", ndir);
    snprintf(ndata, sizeof ndata, "%s/data", ndir);
    assert_int_equal(mkdir(disk, 0700), 0);
    assert_int_equal(mkdir(ndir, 0700), 0);
    const char *a1[] = {"init", "--db", db, NULL};
    assert_int_equal(api_ktpel(a1), 0);
    const char *a2[] = {"user", "add", "admin1", "--role", "admin", "--full-name", "Admin",
                        "--db", db, NULL};
    assert_int_equal(api_ktpel_in(a2, "rahasia-admin1\n"), 0);
    char kiosk[65];
    assert_int_equal(api_kiosk_add(db, "Kios uji", kiosk), 0);
    api_use_kiosk(kiosk);
    assert_int_equal(start_server(&srv, db, data, disk), 0);
    assert_int_equal(api_login(srv.base, "admin1", 0, cookie), 0);

    volatile int stop = 0;
    static taker tk[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        memset(&tk[i], 0, sizeof tk[i]);
        tk[i].base = srv.base;
        tk[i].stop = &stop;
        assert_int_equal(pthread_create(&th[i], NULL, take_loop, &tk[i]), 0);
    }
    while (tk[0].n + tk[1].n < 30) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int before[2] = {tk[0].n, tk[1].n}; /* acknowledged before the backup request */
    snprintf(url, sizeof url, "%s/api/admin/backup", srv.base);
    assert_int_equal(api_json(&r, "POST", url, cookie, NULL), 0);
    if (r.status != 201)
        fprintf(stderr, "backup -> %ld %s\n", r.status, r.body);
    assert_int_equal(r.status, 201);
    json_t *b = api_body(&r);
    api_resp_free(&r);
    snprintf(bpath, sizeof bpath, "%s", json_string_value(json_object_get(b, "path")));
    stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    fprintf(stderr, "backup %s in %lld ms while taking tickets: %d acknowledged before, %d at"
                    " the end\n",
            bpath, (long long)json_integer_value(json_object_get(b, "ms")),
            before[0] + before[1], tk[0].n + tk[1].n);
    json_decref(b);

    /* The backup is encrypted under the office's data key, which is never in a backup. */
    const char *v[] = {"backup", "verify", bpath, "--db", db, NULL};
    assert_int_equal(api_ktpel(v), 0);
    const char *rs0[] = {"restore", bpath, "--db", ndb, "--data", ndata, NULL};
    assert_int_not_equal(api_ktpel(rs0), 0); /* no key on the "new machine" yet */
    assert_int_not_equal(access(ndb, F_OK), 0);
    /* The office puts its copy of the key in place. */
    snprintf(cmd, sizeof cmd, "cp '%s/ktpel.key' '%s/ktpel.key'", dir, ndir);
    assert_int_equal(system(cmd), 0);
    const char *rs[] = {"restore", bpath, "--db", ndb, "--data", ndata, NULL};
    assert_int_equal(api_ktpel(rs), 0);
    assert_int_equal(start_server(&srv2, ndb, ndata, NULL), 0);
    assert_int_equal(api_login(srv2.base, "admin1", 0, cookie2), 0);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < before[i]; k++) {
            json_t *x = ticket(srv.base, cookie, tk[i].ids[k]);
            json_t *y = ticket(srv2.base, cookie2, tk[i].ids[k]);
            assert_true(json_equal(x, y));
            json_decref(x);
            json_decref(y);
        }
    assert_int_equal(api_server_stop(&srv2), 0);
    assert_int_equal(api_server_stop(&srv), 0);

    /* one byte changed in the backup's database: refused, nothing restored */
    snprintf(cmd, sizeof cmd,
             "printf 'X' | dd of='%s' bs=1 seek=4100 conv=notrunc 2>/dev/null", bpath);
    assert_int_equal(system(cmd), 0);
    assert_int_not_equal(api_ktpel(v), 0);
    char ndb2[400];
    snprintf(ndb2, sizeof ndb2, "%s/other.db", ndir);
    const char *rs2[] = {"restore", bpath, "--db", ndb2, "--data", ndata, NULL};
    assert_int_not_equal(api_ktpel(rs2), 0);
    assert_int_not_equal(access(ndb2, F_OK), 0);
    api_tmp_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backup_while_taking_tickets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
