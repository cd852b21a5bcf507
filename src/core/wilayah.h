/*
 * wilayah.h - the region table: kode wilayah Kemendagri (province, kabupaten/kota,
 * kecamatan, kelurahan/desa) with names, looked up by code.
 *
 * Codes (Kepmendagri 300.2.2-2138/2025): level 1 "36" province, level 2 "36.71" kab/kota
 * (kabupaten 01-69, kota 71-99), level 3 "36.71.10" kecamatan, level 4 "36.71.10.1001"
 * kelurahan (1xxx) or desa (2xxx). The NIK and SIAK write the same codes without dots
 * ("367110", "3671101001"); lookups accept both spellings.
 *
 * A table is built by adding entries: the caller owns the I/O (reading the CSV file line by
 * line and handing each line to wil_parse_csv_line()). The table is a hash index over an array
 * of entries: add and lookup are O(1); 91,599 rows of the full 2025 list fit in about 12 MB.
 *
 * Compiled in (the product must work without ../shared): the 38 provinces, Kota Tangerang
 * (36.71), Kecamatan Neglasari (36.71.10) and its 7 kelurahan; see wil_builtin().
 *
 * Ownership: a wil_table from wil_table_new() is owned by the caller (wil_table_free()).
 * wil_builtin() is static, never freed. Lookups return pointers into the table, valid until
 * the next add or free. A table is not thread-safe for writes; concurrent lookups are fine.
 *
 * Never: I/O. Allocation only in wil_table_new()/wil_table_add().
 */
#ifndef KTPEL_CORE_WILAYAH_H
#define KTPEL_CORE_WILAYAH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define WIL_CODE_LEN 14   /* "36.71.10.1001" + NUL */
#define WIL_DIGITS_LEN 11 /* "3671101001" + NUL */
#define WIL_NAME_LEN 96
#define WIL_TYPE_LEN 16

typedef struct wil_table wil_table;

typedef struct wil_entry {
    char code[WIL_CODE_LEN];  /* dotted, canonical: "36.71.10.1001" */
    int level;                /* 1 provinsi, 2 kabkota, 3 kecamatan, 4 desakel */
    char name[WIL_NAME_LEN];  /* as published: "Kota Tangerang", "Neglasari" */
    char type[WIL_TYPE_LEN];  /* "" (levels 1, 3), kabupaten | kota | kelurahan | desa | desa_adat */
} wil_entry;

/* "provinsi", "kabkota", "kecamatan", "desakel" for 1..4; NULL otherwise. */
const char *wil_level_name(int level);

/*
 * Canonicalise a code: dotted ("36.71.10") or digits ("367110") -> dotted form and level.
 * Digits: 2, 4, 6 or 10. Dotted parts: 2, 2, 2, 4 digits. Structural rules checked here:
 * province 11..99, kab/kota 01-69 or 71-99, kecamatan not 00, desa/kelurahan not 0000.
 * KT_EINVAL id "wilayah_code_invalid" (field may be NULL) otherwise.
 */
kt_code wil_code_normalize(const char *code, const char *field, char dotted[WIL_CODE_LEN],
                           int *level, kt_error *err);
/* Dotted -> digits ("36.71.10" -> "367110"). Input must be canonical. */
void wil_code_digits(const char *dotted, char digits[WIL_DIGITS_LEN]);

/* Allocates an empty table. *out owned by caller: wil_table_free(). KT_ENOMEM. */
kt_code wil_table_new(wil_table **out, kt_error *err);
void wil_table_free(wil_table *t);

/*
 * Add (copy) one entry. The code may be dotted or digits; it is stored canonical. The level
 * must match the code's shape and the name must be non-empty; else KT_EINVAL and the table is
 * unchanged. An entry whose code is already present replaces the name/type (a later edition
 * wins); *replaced (may be NULL) tells. KT_ENOMEM when growing fails (table unchanged).
 */
kt_code wil_table_add(wil_table *t, const wil_entry *e, bool *replaced, kt_error *err);
/* Add every compiled-in entry (see wil_builtin). */
kt_code wil_table_add_builtin(wil_table *t, kt_error *err);

/* The compiled-in table: 38 provinces, 36.71, 36.71.10 and its 7 kelurahan (47 entries). */
const wil_table *wil_builtin(void);

/* Entry for a code (dotted or digits, any level); NULL when absent or malformed. */
const wil_entry *wil_lookup(const wil_table *t, const char *code);
size_t wil_count(const wil_table *t);
/* Entries in insertion order, i < wil_count(t); NULL past the end. */
const wil_entry *wil_at(const wil_table *t, size_t i);

/*
 * Parse one line of the Kepmendagri CSV (`code,name,level,level_name,type`, the header of
 * wilayah_kepmendagri_2025.csv). A field may be double-quoted ("Lubuk Pakam I,II", "" for a
 * quote); a trailing CR is ignored. Checks: 5 columns; code well-formed; level 1..4 and equal
 * to the code's shape; level_name matching the level; type allowed for the level.
 * On a fault: KT_EINVAL, id "wilayah_csv_invalid", err->field "column N" (1-based) and
 * *column (may be NULL) = N; *out unchanged. The header line is a fault of column 1
 * (callers skip line 1). Lines are limited to 512 bytes.
 */
kt_code wil_parse_csv_line(const char *line, wil_entry *out, int *column, kt_error *err);

#endif
