/*
 * fuzz_wilayah.c - the region list (src/core/wilayah.c): lines of the Kepmendagri CSV
 * (`code,name,level,level_name,type`, what `ktpel import-wilayah` reads), the code
 * normalisation (dotted and digit spellings) and the hashed table they are added to.
 *
 * Input: CSV lines. Each is parsed, and also tried as a code to normalise and look up.
 * Checks wilayah.h's promises: a parsed line's entry is canonical (its code normalises to
 * itself at its level), is accepted by the table, and is found again by both spellings with
 * its name; a refused line names its column; every entry stays reachable after the table
 * grows.
 */
#include "fuzz.h"

#include "core/wilayah.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_cstr(data, size);
    wil_table *t = NULL;
    kt_error err;
    if (wil_table_new(&t, &err) != KT_OK)
        abort();
    size_t added = 0;
    for (char *line = text, *next; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        wil_entry e;
        int column = -1, level = 0;
        char dotted[WIL_CODE_LEN], digits[WIL_DIGITS_LEN];
        kt_code rc = wil_parse_csv_line(line, &e, &column, &err);
        if (rc != KT_OK) {
            if (column < 1 || column > 6 || strcmp(err.id, "wilayah_csv_invalid") != 0)
                fz_fail("refused line without a column (column %d, id %s)", column, err.id);
        } else {
            if (wil_code_normalize(e.code, NULL, dotted, &level, &err) != KT_OK ||
                strcmp(dotted, e.code) != 0 || level != e.level)
                fz_fail("parsed code %s is not canonical", e.code);
            bool replaced = false;
            if (wil_table_add(t, &e, &replaced, &err) != KT_OK)
                fz_fail("a parsed line is refused by the table: %s", err.message);
            added += !replaced;
            wil_code_digits(e.code, digits);
            const wil_entry *a = wil_lookup(t, e.code), *b = wil_lookup(t, digits);
            if (a == NULL || a != b || strcmp(a->name, e.name) != 0)
                fz_fail("entry %s not found again by both spellings", e.code);
        }
        /* The line as a code: what a form or a URL would hand to a lookup. */
        if (wil_code_normalize(line, "kode", dotted, &level, &err) == KT_OK) {
            if (level < 1 || level > 4 || wil_level_name(level) == NULL)
                fz_fail("normalised code with level %d", level);
            char again[WIL_CODE_LEN];
            int l2 = 0;
            if (wil_code_normalize(dotted, NULL, again, &l2, &err) != KT_OK ||
                strcmp(again, dotted) != 0 || l2 != level)
                fz_fail("normalising %s is not idempotent", dotted);
        }
        (void)wil_lookup(t, line);
        (void)wil_lookup(wil_builtin(), line);
    }
    if (wil_count(t) != added)
        fz_fail("table counts %zu entries, %zu added", wil_count(t), added);
    for (size_t i = 0; i < wil_count(t); i++) {
        const wil_entry *e = wil_at(t, i);
        if (e == NULL || wil_lookup(t, e->code) != e)
            fz_fail("entry %zu lost after the table grew", i);
    }
    if (wil_at(t, wil_count(t)) != NULL)
        fz_fail("wil_at past the end is not NULL");
    wil_table_free(t);
    free(text);
    return 0;
}
