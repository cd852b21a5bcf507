/*
 * fuzz_siak_csv.c - the SIAK biodata import (svc_import_siak, src/service/import.c): the CSV
 * extract an admin loads with `ktpel import-siak` (docs/siak-csv.md), through the real
 * service on a temporary SQLite database: header, RFC 4180 splitting, every column's rules
 * (NIK analysis, dates, SIAK codes, regions), the reader thread and the batched writes.
 *
 * Each input is one file, imported twice: first as a whole (a bad line must refuse the file,
 * name its line and column, and commit nothing: the database's data_version must not move),
 * then with skip_invalid (imported + skipped = the data lines). Between inputs the residents
 * and families are deleted again, so every input starts from the same database.
 */
#include "fuzz_svc.h"

static char csv_path[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_import_open("siak", "siak.csv", csv_path);
    return 0;
}

static void reset(void)
{
    fz_sql(fz_import_db, "DELETE FROM residents; DELETE FROM families");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    fz_write_file(csv_path, data, size);

    int64_t v0 = fz_sql_int(fz_import_db, "PRAGMA data_version");
    kt_code rc = svc_import_siak(fz_import_svc, &sys, csv_path, 0, &out, &err);
    if (rc != KT_OK) {
        fz_import_refused(rc, out, &err, v0, "SELECT count(*) FROM residents");
    } else {
        json_decref(out);
        out = NULL;
        reset();
    }

    rc = svc_import_siak(fz_import_svc, &sys, csv_path, 1, &out, &err);
    if (rc == KT_OK) {
        json_int_t imported = json_integer_value(json_object_get(out, "imported"));
        json_int_t skipped = json_integer_value(json_object_get(out, "skipped"));
        long lines = fz_data_lines(data, size);
        if (imported < 0 || skipped < 0 || imported + skipped != lines ||
            fz_sql_int(fz_import_db, "SELECT count(*) FROM residents") != imported)
            fz_fail("skip_invalid import: %lld imported + %lld skipped, %ld data lines, %lld "
                    "residents", (long long)imported, (long long)skipped, lines,
                    (long long)fz_sql_int(fz_import_db, "SELECT count(*) FROM residents"));
        json_decref(out);
        reset();
    }
    return 0;
}
