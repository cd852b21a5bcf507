/*
 * fuzz_nik.c - NIK analysis (src/core/nik.c): the 16 digits a citizen gives at the intake
 * loket, read for province, kabupaten/kota, kecamatan, birth date (with the century rule and
 * the +40 of women) and serial, then compared with SIAK biodata.
 *
 * Input: lines "NIK", "birth date of the biodata (YYYY-MM-DD)", "sex (L/P)", "reference
 * day (YYYY-MM-DD)"; missing lines take fixed values. The NIK is analysed with the built-in
 * region table and with a table of its own (so nik_region_unknown is reached).
 * Checks nik.h's promises: KT_OK exactly when no hard fault; a malformed NIK is one
 * nik_format fault; a valid NIK names its codes as its own digits, a real birth day not after
 * the reference day, and a sex; every item has an id and a message.
 */
#include "fuzz.h"

#include "core/nik.h"

static wil_table *regions;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kt_error err;
    if (wil_table_new(&regions, &err) != KT_OK || wil_table_add_builtin(regions, &err) != KT_OK)
        abort();
    return 0;
}

static void check_items(const nik_items *it, const char *what)
{
    if (it->n < 0 || it->n > NIK_MAX_ITEMS)
        fz_fail("%s: %d items", what, it->n);
    for (int i = 0; i < it->n; i++)
        if (it->item[i].id[0] == '\0' || it->item[i].message[0] == '\0' ||
            it->item[i].code != KT_EINVAL)
            fz_fail("%s item %d without id, message or KT_EINVAL", what, i);
}

static void check(const char *nik, const wil_table *t, jkt_date ref, jkt_date bd, char sex)
{
    nik_info info;
    kt_code rc = nik_analyze(nik, t, ref, &info);
    check_items(&info.errors, "errors");
    check_items(&info.warnings, "warnings");
    if ((rc == KT_OK) != info.valid || info.valid != (info.errors.n == 0) ||
        (rc != KT_OK && rc != KT_EINVAL))
        fz_fail("rc %d, valid %d, %d errors disagree", rc, info.valid, info.errors.n);
    if (!nik_is_well_formed(nik)) {
        if (rc == KT_OK || info.errors.n != 1 || strcmp(info.errors.item[0].id, "nik_format"))
            fz_fail("malformed NIK not refused as one nik_format fault");
        return;
    }
    if (strcmp(info.nik, nik) != 0 || strncmp(info.district_code, nik, 6) != 0 ||
        strncmp(info.regency_code, nik, 4) != 0 || strncmp(info.province_code, nik, 2) != 0 ||
        strncmp(info.serial, nik + 12, 4) != 0)
        fz_fail("codes of a well-formed NIK are not its digits");
    if (info.valid) {
        if (!info.birth_date_known || !jkt_date_valid(info.birth_date) ||
            (info.sex != 'L' && info.sex != 'P'))
            fz_fail("valid NIK without a real birth date and sex");
        if (info.birth_date.year % 100 != (nik[10] - '0') * 10 + (nik[11] - '0') ||
            info.birth_date.month != (nik[8] - '0') * 10 + (nik[9] - '0'))
            fz_fail("birth date of a valid NIK is not its digits");
        if (jkt_date_valid(ref) && ref.year >= 2000 && jkt_date_cmp(info.birth_date, ref) > 0)
            fz_fail("birth date after the reference day (century rule)");
    }
    nik_items w = info.warnings;
    int added = nik_check_biodata(&info, bd, sex, &w);
    if (added < 0 || added > 2 || w.n != info.warnings.n + added)
        fz_fail("nik_check_biodata added %d items (%d -> %d)", added, info.warnings.n, w.n);
    check_items(&w, "biodata warnings");
}

static jkt_date date_or(const char *s, jkt_date dflt)
{
    jkt_date d;
    kt_error err;
    return jkt_date_parse(s, "date", &d, &err) == KT_OK ? d : dflt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_cstr(data, size);
    const char *f[4];
    fz_lines(text, f, 4);
    jkt_date ref = date_or(f[3], (jkt_date){2026, 3, 2});
    jkt_date bd = date_or(f[1], (jkt_date){0, 0, 0});
    check(f[0], NULL, ref, bd, f[2][0]);
    check(f[0], regions, ref, bd, f[2][0]);
    free(text);
    return 0;
}
