/*
 * fuzz_csv.c - the project's one CSV line reader (src/core/csv.c: csv_split, csv_skip_bom,
 * csv_chomp), which every import uses (the SIAK extract, the Kepmendagri region list).
 *
 * Input: one byte whose value mod 12 + 1 is the caller's field limit (imports take 5 to 11),
 * then the line (up to a NUL, as a C string from a file would end there; a final CR/LF is
 * chomped as the imports do, a BOM skipped).
 *
 * Checks csv.h's rules besides the sanitizers, against a second reading written here from
 * the rules alone (RFC 4180 on one line): the same fields, or the same fault at the same
 * column; every field a string inside the caller's buffer; and what is accepted, written back
 * as CSV (each field quoted, quotes doubled), splits again to the same fields.
 */
#include "fuzz.h"

#include "core/csv.h"

#define MAXF 12

/* The rules of csv.h read character by character into out[] (copies in one buffer, owned by
   caller: free(out[0])). Returns like csv_split. */
static int reference(const char *line, int max, char **out, int *bad)
{
    size_t len = strlen(line);
    char *buf = malloc(len + 1), *w = buf;
    int n = 0;
    const char *p = line;
    if (buf == NULL)
        abort();
    out[0] = buf;
    for (;;) {
        if (n == max)
            return max + 1;
        out[n++] = w;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0') {
                    *bad = n;
                    return -1;
                }
                if (p[0] == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            if (*p != ',' && *p != '\0') {
                *bad = n;
                return -1;
            }
        } else {
            while (*p != ',' && *p != '\0') {
                if (*p == '"') {
                    *bad = n;
                    return -1;
                }
                *w++ = *p++;
            }
        }
        *w++ = '\0';
        if (*p == '\0')
            return n;
        p++; /* the comma */
    }
}

static void check(char *line, size_t cap, int max)
{
    char *f[MAXF + 1], *ref[MAXF + 2];
    int bad = 0, rbad = 0;
    const char *why = NULL;
    size_t len = strlen(line);
    char *keep = malloc(len + 1);
    if (keep == NULL)
        abort();
    memcpy(keep, line, len + 1);
    int n = csv_split(line, f, max, &bad, &why);
    int rn = reference(keep, max, ref, &rbad);
    if (n != rn)
        fz_fail("csv_split returned %d, the rules give %d (max %d)", n, rn, max);
    if (n < 0) {
        if (bad != rbad || why == NULL || why[0] == '\0')
            fz_fail("fault at column %d (%s), the rules give column %d", bad,
                    why != NULL ? why : "no reason", rbad);
    } else {
        int k = n > max ? max : n;
        for (int i = 0; i < k; i++) {
            if (f[i] < line || f[i] >= line + cap)
                fz_fail("field %d points outside the line", i);
            if (n <= max && strcmp(f[i], ref[i]) != 0)
                fz_fail("field %d is '%s', the rules give '%s'", i, f[i], ref[i]);
        }
        if (n <= max) {
            /* written back as CSV, split again: the same fields */
            size_t out_cap = 3;
            for (int i = 0; i < n; i++)
                out_cap += 2 * strlen(f[i]) + 3;
            char *csv = malloc(out_cap), *w = csv;
            char *g[MAXF + 1];
            if (csv == NULL)
                abort();
            for (int i = 0; i < n; i++) {
                if (i > 0)
                    *w++ = ',';
                *w++ = '"';
                for (const char *c = f[i]; *c != '\0'; c++) {
                    if (*c == '"')
                        *w++ = '"';
                    *w++ = *c;
                }
                *w++ = '"';
            }
            *w = '\0';
            int n2 = csv_split(csv, g, max, &bad, &why);
            if (n2 != n)
                fz_fail("written back, the line splits into %d fields, not %d", n2, n);
            for (int i = 0; i < n; i++)
                if (strcmp(g[i], ref[i]) != 0)
                    fz_fail("written back, field %d reads '%s', not '%s'", i, g[i], ref[i]);
            free(csv);
        }
    }
    free(ref[0]);
    free(keep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int max = data[0] % MAXF + 1;
    char *line = fz_cstr(data + 1, size - 1);
    size_t len = strlen(line);
    size_t cap = len + 1;
    len = csv_chomp(line, len);
    if (len != strlen(line) || (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')))
        fz_fail("csv_chomp left a line end (length %zu)", len);
    char *body = csv_skip_bom(line);
    if (body != line && body != line + 3)
        fz_fail("csv_skip_bom moved by %td bytes", body - line);
    check(body, cap - (size_t)(body - line), max);
    free(line);
    return 0;
}
