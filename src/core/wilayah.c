/*
 * wilayah.c - the region table: an array of entries in insertion order plus an open-
 * addressing hash index (linear probing) on a numeric key made from the code. See wilayah.h.
 * The compiled-in table has no index (47 entries: a linear scan is as fast as hashing).
 * Never: I/O. Allocation only when building a table.
 */
#include "core/wilayah.h"

#include "core/csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wil_table {
    wil_entry *entries; /* owned (static for the builtin table) */
    size_t count, cap;
    uint32_t *slots;    /* owned; entry index + 1, 0 = empty; NULL for the builtin table */
    size_t nslots;      /* power of two */
};

/* ---- codes -------------------------------------------------------------------------- */

const char *wil_level_name(int level)
{
    switch (level) {
    case 1: return "provinsi";
    case 2: return "kabkota";
    case 3: return "kecamatan";
    case 4: return "desakel";
    default: return NULL;
    }
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Split a code into its digit string (no dots), checking the shape. Returns the level, 0 if
   malformed. digits receives up to 10 digits. */
static int code_shape(const char *code, char digits[WIL_DIGITS_LEN])
{
    static const size_t part_len[4] = {2, 2, 2, 4};
    size_t n = strlen(code);
    if (n == 0 || n > 13)
        return 0;
    if (strchr(code, '.') == NULL) {
        int level = n == 2 ? 1 : n == 4 ? 2 : n == 6 ? 3 : n == 10 ? 4 : 0;
        if (level == 0 || !all_digits(code, n))
            return 0;
        memcpy(digits, code, n + 1);
        return level;
    }
    int level = 0;
    size_t out = 0;
    const char *p = code;
    for (;;) {
        if (level == 4)
            return 0;
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len != part_len[level] || !all_digits(p, len))
            return 0;
        memcpy(digits + out, p, len);
        out += len;
        level++;
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    digits[out] = '\0';
    return level;
}

static const char *structure_fault(const char *digits, int level)
{
    if (digits[0] == '0')
        return "kode provinsi harus 11-99";
    if (level >= 2) {
        int kk = (digits[2] - '0') * 10 + (digits[3] - '0');
        if (kk == 0 || kk == 70)
            return "kode kabupaten/kota harus 01-69 (kabupaten) atau 71-99 (kota)";
    }
    if (level >= 3 && digits[4] == '0' && digits[5] == '0')
        return "kode kecamatan tidak boleh 00";
    if (level >= 4 && memcmp(digits + 6, "0000", 4) == 0)
        return "kode kelurahan/desa tidak boleh 0000";
    if (digits[0] == '1' && digits[1] == '0')
        return "kode provinsi harus 11-99";
    return NULL;
}

static void dotted_from_digits(const char *digits, int level, char dotted[WIL_CODE_LEN])
{
    static const int part_len[4] = {2, 2, 2, 4};
    size_t o = 0, i = 0;
    for (int l = 0; l < level; l++) {
        if (l > 0)
            dotted[o++] = '.';
        for (int k = 0; k < part_len[l]; k++)
            dotted[o++] = digits[i++];
    }
    dotted[o] = '\0';
}

kt_code wil_code_normalize(const char *code, const char *field, char dotted[WIL_CODE_LEN],
                           int *level, kt_error *err)
{
    char digits[WIL_DIGITS_LEN];
    if (field == NULL)
        field = "code";
    int lv = code ? code_shape(code, digits) : 0;
    if (lv == 0)
        return kt_fail(err, KT_EINVAL, "wilayah_code_invalid", field,
                       "Kode wilayah '%.20s' tidak sah: tulis 36, 36.71, 36.71.10, "
                       "36.71.10.1001 atau angkanya saja (36, 3671, 367110, 3671101001)",
                       code ? code : "");
    const char *why = structure_fault(digits, lv);
    if (why != NULL)
        return kt_fail(err, KT_EINVAL, "wilayah_code_invalid", field,
                       "Kode wilayah '%s' tidak sah: %s", code, why);
    dotted_from_digits(digits, lv, dotted);
    if (level != NULL)
        *level = lv;
    return KT_OK;
}

void wil_code_digits(const char *dotted, char digits[WIL_DIGITS_LEN])
{
    size_t o = 0;
    for (const char *p = dotted; *p != '\0' && o < WIL_DIGITS_LEN - 1; p++)
        if (*p != '.')
            digits[o++] = *p;
    digits[o] = '\0';
}

/* Numeric key: digits as a number, tagged with the level so "36" and "0036.." never meet. */
static uint64_t key_of(const char *digits, int level)
{
    uint64_t k = 0;
    for (const char *p = digits; *p; p++)
        k = k * 10 + (uint64_t)(*p - '0');
    return k * 8 + (uint64_t)level;
}

static size_t hash_key(uint64_t k)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (size_t)k;
}

static uint64_t entry_key(const wil_entry *e)
{
    char digits[WIL_DIGITS_LEN];
    wil_code_digits(e->code, digits);
    return key_of(digits, e->level);
}

/* ---- the table ---------------------------------------------------------------------- */

kt_code wil_table_new(wil_table **out, kt_error *err)
{
    wil_table *t = calloc(1, sizeof *t);
    if (t == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori tidak cukup");
    *out = t;
    return KT_OK;
}

void wil_table_free(wil_table *t)
{
    if (t == NULL)
        return;
    free(t->entries);
    free(t->slots);
    free(t);
}

/* Index of the entry with key k, or the empty slot where it would go (*found false). */
static size_t probe(const wil_table *t, uint64_t k, bool *found)
{
    size_t mask = t->nslots - 1;
    size_t i = hash_key(k) & mask;
    while (t->slots[i] != 0) {
        if (entry_key(&t->entries[t->slots[i] - 1]) == k) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
    *found = false;
    return i;
}

static kt_code grow_slots(wil_table *t, kt_error *err)
{
    size_t n = t->nslots ? t->nslots * 2 : 64;
    uint32_t *s = calloc(n, sizeof *s);
    if (s == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori tidak cukup");
    uint32_t *old = t->slots;
    t->slots = s;
    t->nslots = n;
    for (size_t j = 0; j < t->count; j++) {
        bool found;
        size_t i = probe(t, entry_key(&t->entries[j]), &found);
        t->slots[i] = (uint32_t)(j + 1);
    }
    free(old);
    return KT_OK;
}

static bool type_ok(int level, const char *digits, const char *type)
{
    switch (level) {
    case 1:
    case 3:
        return type[0] == '\0';
    case 2: {
        int kk = (digits[2] - '0') * 10 + (digits[3] - '0');
        return type[0] == '\0' || strcmp(type, kk >= 71 ? "kota" : "kabupaten") == 0;
    }
    case 4:
        return type[0] == '\0' || (digits[6] == '1' && strcmp(type, "kelurahan") == 0) ||
               (digits[6] == '2' && strcmp(type, "desa") == 0) ||
               (digits[6] == '3' && strcmp(type, "desa_adat") == 0);
    default:
        return false;
    }
}

kt_code wil_table_add(wil_table *t, const wil_entry *e, bool *replaced, kt_error *err)
{
    char dotted[WIL_CODE_LEN], digits[WIL_DIGITS_LEN];
    int level = 0;
    kt_code rc = wil_code_normalize(e->code, "code", dotted, &level, err);
    if (rc != KT_OK)
        return rc;
    if (e->level != level)
        return kt_fail(err, KT_EINVAL, "wilayah_level_mismatch", "level",
                       "Kode %s adalah tingkat %d, bukan tingkat %d", dotted, level, e->level);
    if (e->name[0] == '\0' || memchr(e->name, '\0', WIL_NAME_LEN) == NULL)
        return kt_fail(err, KT_EINVAL, "wilayah_name_invalid", "name",
                       "Nama wilayah %s kosong atau terlalu panjang", dotted);
    wil_code_digits(dotted, digits);
    if (memchr(e->type, '\0', WIL_TYPE_LEN) == NULL || !type_ok(level, digits, e->type))
        return kt_fail(err, KT_EINVAL, "wilayah_type_invalid", "type",
                       "Jenis wilayah '%.15s' tidak cocok dengan kode %s", e->type, dotted);
    if (t->slots == NULL && (rc = grow_slots(t, err)) != KT_OK)
        return rc;
    bool found;
    size_t i = probe(t, key_of(digits, level), &found);
    if (found) {
        wil_entry *old = &t->entries[t->slots[i] - 1];
        memcpy(old->name, e->name, WIL_NAME_LEN);
        memcpy(old->type, e->type, WIL_TYPE_LEN);
        if (replaced)
            *replaced = true;
        return KT_OK;
    }
    if (t->count >= UINT32_MAX - 1)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Tabel wilayah penuh");
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        wil_entry *n = realloc(t->entries, cap * sizeof *n);
        if (n == NULL)
            return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori tidak cukup");
        t->entries = n;
        t->cap = cap;
    }
    /* Keep the load factor under 1/2; regrowing re-probes, so find the slot again. */
    if ((t->count + 1) * 2 > t->nslots) {
        if ((rc = grow_slots(t, err)) != KT_OK)
            return rc;
        i = probe(t, key_of(digits, level), &found);
    }
    wil_entry *n = &t->entries[t->count];
    memset(n, 0, sizeof *n);
    memcpy(n->code, dotted, sizeof dotted);
    n->level = level;
    memcpy(n->name, e->name, WIL_NAME_LEN);
    memcpy(n->type, e->type, WIL_TYPE_LEN);
    t->count++;
    t->slots[i] = (uint32_t)t->count;
    if (replaced)
        *replaced = false;
    return KT_OK;
}

/* ---- compiled in ---------------------------------------------------------------------- */

/* Kepmendagri 300.2.2-2138/2025: the 38 provinces; Kota Tangerang, Kecamatan Neglasari and
   its kelurahan (the office this product was written for). */
static wil_entry builtin_entries[] = {
    {"11", 1, "Aceh", ""},
    {"12", 1, "Sumatera Utara", ""},
    {"13", 1, "Sumatera Barat", ""},
    {"14", 1, "Riau", ""},
    {"15", 1, "Jambi", ""},
    {"16", 1, "Sumatera Selatan", ""},
    {"17", 1, "Bengkulu", ""},
    {"18", 1, "Lampung", ""},
    {"19", 1, "Kepulauan Bangka Belitung", ""},
    {"21", 1, "Kepulauan Riau", ""},
    {"31", 1, "Daerah Khusus Ibukota Jakarta", ""},
    {"32", 1, "Jawa Barat", ""},
    {"33", 1, "Jawa Tengah", ""},
    {"34", 1, "Daerah Istimewa Yogyakarta", ""},
    {"35", 1, "Jawa Timur", ""},
    {"36", 1, "Banten", ""},
    {"51", 1, "Bali", ""},
    {"52", 1, "Nusa Tenggara Barat", ""},
    {"53", 1, "Nusa Tenggara Timur", ""},
    {"61", 1, "Kalimantan Barat", ""},
    {"62", 1, "Kalimantan Tengah", ""},
    {"63", 1, "Kalimantan Selatan", ""},
    {"64", 1, "Kalimantan Timur", ""},
    {"65", 1, "Kalimantan Utara", ""},
    {"71", 1, "Sulawesi Utara", ""},
    {"72", 1, "Sulawesi Tengah", ""},
    {"73", 1, "Sulawesi Selatan", ""},
    {"74", 1, "Sulawesi Tenggara", ""},
    {"75", 1, "Gorontalo", ""},
    {"76", 1, "Sulawesi Barat", ""},
    {"81", 1, "Maluku", ""},
    {"82", 1, "Maluku Utara", ""},
    {"91", 1, "Papua", ""},
    {"92", 1, "Papua Barat", ""},
    {"93", 1, "Papua Selatan", ""},
    {"94", 1, "Papua Tengah", ""},
    {"95", 1, "Papua Pegunungan", ""},
    {"96", 1, "Papua Barat Daya", ""},
    {"36.71", 2, "Kota Tangerang", "kota"},
    {"36.71.10", 3, "Neglasari", ""},
    {"36.71.10.1001", 4, "Neglasari", "kelurahan"},
    {"36.71.10.1002", 4, "Karang Sari", "kelurahan"},
    {"36.71.10.1003", 4, "Selapajang Jaya", "kelurahan"},
    {"36.71.10.1004", 4, "Kedaung Wetan", "kelurahan"},
    {"36.71.10.1005", 4, "Mekar Sari", "kelurahan"},
    {"36.71.10.1006", 4, "Karang Anyar", "kelurahan"},
    {"36.71.10.1007", 4, "Kedaung Baru", "kelurahan"},
};

static const wil_table builtin_table = {
    builtin_entries, sizeof builtin_entries / sizeof builtin_entries[0],
    sizeof builtin_entries / sizeof builtin_entries[0], NULL, 0};

const wil_table *wil_builtin(void)
{
    return &builtin_table;
}

kt_code wil_table_add_builtin(wil_table *t, kt_error *err)
{
    for (size_t i = 0; i < builtin_table.count; i++) {
        kt_code rc = wil_table_add(t, &builtin_entries[i], NULL, err);
        if (rc != KT_OK)
            return rc;
    }
    return KT_OK;
}

const wil_entry *wil_lookup(const wil_table *t, const char *code)
{
    char digits[WIL_DIGITS_LEN];
    if (t == NULL || code == NULL)
        return NULL;
    int level = code_shape(code, digits);
    if (level == 0)
        return NULL;
    uint64_t k = key_of(digits, level);
    if (t->slots == NULL) {
        for (size_t i = 0; i < t->count; i++)
            if (entry_key(&t->entries[i]) == k)
                return &t->entries[i];
        return NULL;
    }
    bool found;
    size_t i = probe(t, k, &found);
    return found ? &t->entries[t->slots[i] - 1] : NULL;
}

size_t wil_count(const wil_table *t)
{
    return t ? t->count : 0;
}

const wil_entry *wil_at(const wil_table *t, size_t i)
{
    return t && i < t->count ? &t->entries[i] : NULL;
}

/* ---- CSV ------------------------------------------------------------------------------ */

#define WIL_CSV_MAX_LINE 512
#define WIL_CSV_COLS 5

static kt_code csv_fault(kt_error *err, int *column, int col, const char *msg)
{
    char field[24];
    snprintf(field, sizeof field, "column %d", col);
    if (column)
        *column = col;
    return kt_fail(err, KT_EINVAL, "wilayah_csv_invalid", field, "%s", msg);
}

kt_code wil_parse_csv_line(const char *line, wil_entry *out, int *column, kt_error *err)
{
    char buf[WIL_CSV_MAX_LINE + 1];
    char *col[WIL_CSV_COLS];
    int ncol = 0;
    if (line == NULL)
        return csv_fault(err, column, 1, "Baris kosong");
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len > WIL_CSV_MAX_LINE)
        return csv_fault(err, column, 1, "Baris lebih dari 512 byte");
    if (len == 0)
        return csv_fault(err, column, 1, "Baris kosong");

    /* The project's one CSV splitter (core/csv.h), in a copy of the line. */
    memcpy(buf, line, len);
    buf[len] = '\0';
    const char *why = NULL;
    int bad = 0;
    ncol = csv_split(csv_skip_bom(buf), col, WIL_CSV_COLS, &bad, &why);
    if (ncol < 0)
        return csv_fault(err, column, bad, why);
    if (ncol > WIL_CSV_COLS)
        return csv_fault(err, column, WIL_CSV_COLS + 1,
                         "Kolom berlebih: format code,name,level,level_name,type");
    if (ncol < WIL_CSV_COLS)
        return csv_fault(err, column, ncol + 1,
                         "Kolom kurang: format code,name,level,level_name,type");

    wil_entry e;
    memset(&e, 0, sizeof e);
    int level = 0;
    char msg[160];
    kt_error sub;
    if (wil_code_normalize(col[0], "code", e.code, &level, &sub) != KT_OK)
        return csv_fault(err, column, 1, sub.message);
    size_t nlen = strlen(col[1]);
    if (nlen == 0)
        return csv_fault(err, column, 2, "Nama wilayah kosong");
    if (nlen >= WIL_NAME_LEN)
    {
        snprintf(msg, sizeof msg, "Nama wilayah lebih dari 95 byte: %.40s...", col[1]);
        return csv_fault(err, column, 2, msg);
    }
    memcpy(e.name, col[1], nlen + 1);
    if (strlen(col[2]) != 1 || col[2][0] < '1' || col[2][0] > '4')
    {
        snprintf(msg, sizeof msg, "Tingkat wilayah '%.10s' tidak sah (harus 1-4)", col[2]);
        return csv_fault(err, column, 3, msg);
    }
    e.level = col[2][0] - '0';
    if (e.level != level) {
        snprintf(msg, sizeof msg, "Tingkat %d tidak cocok dengan kode %s (tingkat %d)", e.level,
                 e.code, level);
        return csv_fault(err, column, 3, msg);
    }
    if (strcmp(col[3], wil_level_name(level)) != 0)
    {
        snprintf(msg, sizeof msg, "Nama tingkat harus '%s' untuk tingkat %d", wil_level_name(level),
                 level);
        return csv_fault(err, column, 4, msg);
    }
    char digits[WIL_DIGITS_LEN];
    wil_code_digits(e.code, digits);
    if (strlen(col[4]) >= WIL_TYPE_LEN || !type_ok(level, digits, col[4]))
    {
        snprintf(msg, sizeof msg, "Jenis wilayah '%.15s' tidak cocok dengan kode %s", col[4],
                 e.code);
        return csv_fault(err, column, 5, msg);
    }
    memcpy(e.type, col[4], strlen(col[4]) + 1);
    *out = e;
    if (column)
        *column = 0;
    return KT_OK;
}
