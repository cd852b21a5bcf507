/*
 * fuzz_wilayah_import.c - the region import (svc_import_wilayah, src/service/import.c): the
 * Kepmendagri list an admin loads with `ktpel import-wilayah`, through the real service on a
 * temporary SQLite database: the header (a UTF-8 BOM allowed), every line through the shared
 * CSV reader and wil_parse_csv_line, the upsert, and the orphan check (a region whose parent
 * is neither compiled in, nor in the file before or after it, nor in the database refuses
 * the file; issue 10).
 *
 * Each input is one file. Checks, besides the sanitizers: a refused import names line and
 * column (or the header) and commits nothing (the database's data_version does not move);
 * an accepted one counts every data line once, by level, and leaves no region without its
 * parent. Between inputs the table is emptied again, so every input meets the same database.
 */
#include "fuzz_svc.h"

#include "core/wilayah.h"

static char csv_path[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_import_open("wilayah_import", "wilayah.csv", csv_path);
    return 0;
}

/* Every region of level 2..4 in the table has its parent compiled in or in the table. */
static void check_parents(void)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(fz_import_db,
                           "SELECT w.code, w.level FROM wilayah w WHERE w.level > 1 AND NOT "
                           "EXISTS (SELECT 1 FROM wilayah p WHERE p.code = substr(w.code, 1, "
                           "CASE w.level WHEN 2 THEN 2 WHEN 3 THEN 4 ELSE 6 END))",
                           -1, &st, NULL) != SQLITE_OK)
        abort();
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        int level = sqlite3_column_int(st, 1);
        char parent[WIL_DIGITS_LEN];
        snprintf(parent, sizeof parent, "%.*s", level == 2 ? 2 : level == 3 ? 4 : 6, code);
        if (wil_lookup(wil_builtin(), parent) == NULL)
            fz_fail("imported region %s (level %d) has no parent %s", code, level, parent);
    }
    sqlite3_finalize(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    fz_write_file(csv_path, data, size);

    int64_t v0 = fz_sql_int(fz_import_db, "PRAGMA data_version");
    kt_code rc = svc_import_wilayah(fz_import_svc, &sys, csv_path, &out, &err);
    if (rc != KT_OK) {
        fz_import_refused(rc, out, &err, v0, "SELECT count(*) FROM wilayah");
        return 0;
    }
    json_int_t n = json_integer_value(json_object_get(out, "imported")), sum = 0;
    static const char *const levels[] = {"provinsi", "kabkota", "kecamatan", "desakel"};
    for (int i = 0; i < 4; i++)
        sum += json_integer_value(json_object_get(out, levels[i]));
    long lines = fz_data_lines(data, size);
    int64_t rows = fz_sql_int(fz_import_db, "SELECT count(*) FROM wilayah");
    if (n != lines || sum != n || rows < (n > 0 ? 1 : 0) || rows > n)
        fz_fail("import of %ld data lines counted %lld (%lld by level), %lld rows", lines,
                (long long)n, (long long)sum, (long long)rows);
    check_parents();
    json_decref(out);
    fz_sql(fz_import_db, "DELETE FROM wilayah");
    return 0;
}
