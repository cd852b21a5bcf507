/*
 * svc_test.h - what the service tests share: a temp folder with a real SQLite file, a clock
 * the test moves by hand, actors per role, and a tiny SIAK CSV writer. Header-only (static
 * functions) so each test_*.c stays one executable.
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

#endif
