/*
 * fuzz_svc.h - a real service for the harnesses that need one (fuzz_api, fuzz_siak_csv,
 * fuzz_wilayah_import): a SQLite file in the harness's temporary folder and a fixed clock
 * (FZ_NOW_MS), so every input meets the same service day; and what the import harnesses
 * share: their own connection to that file (to see whether a refused import changed it, and
 * to reset it) and the count of an import file's data lines.
 */
#ifndef KTPEL_FUZZ_SVC_H
#define KTPEL_FUZZ_SVC_H

#include <sqlite3.h>

#include "fuzz.h"
#include "service/service.h"

static int64_t fz_clock(void) { return FZ_NOW_MS; }

/* Open the service on <fz_dir(name)>/ktpel.db (path into db, cap 300); aborts on failure. */
__attribute__((unused)) static svc *fz_svc_open(const char *name, int afis_lazy, char db[300])
{
    svc_config cfg;
    svc *s = NULL;
    kt_error err;
    snprintf(db, 300, "%s/ktpel.db", fz_dir(name));
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.now_ms = fz_clock;
    cfg.afis_lazy = afis_lazy;
    if (svc_open(&cfg, &s, &err) != KT_OK) {
        fprintf(stderr, "fuzz_%s: svc_open: %s %s\n", name, err.id, err.message);
        abort();
    }
    return s;
}

/* Run SQL on the harness's own connection; aborts on failure (the harness's fault). */
__attribute__((unused)) static void fz_sql(sqlite3 *db, const char *q)
{
    char *msg = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "fuzz: %s: %s\n", q, msg);
        abort();
    }
}

/* The first column of the first row of q as an integer (-1 when there is none). */
__attribute__((unused)) static int64_t fz_sql_int(sqlite3 *db, const char *q)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A second connection to the service's database file (closed at exit by the caller). */
__attribute__((unused)) static sqlite3 *fz_sql_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        abort();
    sqlite3_busy_timeout(db, 10000);
    fz_sql(db, "PRAGMA synchronous=OFF"); /* the resets only; the service keeps its own */
    return db;
}

/* The import harnesses' setup: the service on <fz_dir(name)>/ktpel.db (the AFIS loaded
   lazily), the harness's own connection to that file, and the path the input file is
   written to (<dir>/<file>, into path); both closed at exit. */
static svc *fz_import_svc;
static sqlite3 *fz_import_db;

static void fz_import_close(void)
{
    sqlite3_close(fz_import_db);
    svc_close(fz_import_svc);
}

__attribute__((unused)) static void fz_import_open(const char *name, const char *file,
                                                   char path[300])
{
    char db[300];
    fz_import_svc = fz_svc_open(name, 1, db);
    snprintf(path, 300, "%s/%s", fz_dir(name), file);
    fz_import_db = fz_sql_open(db);
    atexit(fz_import_close);
}

/* What a refused import promises: no result, an id, a message and (for bad input) the line
   and column; nothing committed (the file's data_version is still v0 and the table the import
   fills, counted by count_sql, is still empty). */
__attribute__((unused)) static void fz_import_refused(kt_code rc, const json_t *out,
                                                      const kt_error *err, int64_t v0,
                                                      const char *count_sql)
{
    if (out != NULL)
        fz_fail("failed import returned a result");
    if (err->id[0] == '\0' || err->message[0] == '\0' ||
        (rc == KT_EINVAL && strncmp(err->field, "line ", 5) != 0))
        fz_fail("refused import without id, message and line (%s / %s)", err->id, err->field);
    if (fz_sql_int(fz_import_db, "PRAGMA data_version") != v0 ||
        fz_sql_int(fz_import_db, count_sql) != 0)
        fz_fail("a refused import (%s at %s) changed the database", err->id, err->field);
}

/* Data lines of a CSV file (n bytes): lines after the first that are not empty once CR/LF
   are cut, as the imports count them. */
__attribute__((unused)) static long fz_data_lines(const uint8_t *d, size_t n)
{
    long lines = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || d[i] == '\n') {
            size_t e = i;
            while (e > start && (d[e - 1] == '\r' || d[e - 1] == '\n'))
                e--;
            if (start > 0 && e > start)
                lines++;
            if (start == 0 && i == n)
                return 0;
            start = i + 1;
        }
    }
    return lines;
}

#endif
