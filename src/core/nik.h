/*
 * nik.h - analysis of a NIK (Nomor Induk Kependudukan, the 16-digit national ID number).
 *
 * Layout (Permendagri 9/2010, UU 24/2013): PP KK CC DDMMYY SSSS
 *   PP   province code of first registration       (list: the 38 provinces of Kepmendagri
 *        300.2.2-2138/2025; this includes 91 and 94, the pre-2022 Papua / Papua Barat codes,
 *        which are still current codes, so every NIK issued under them stays valid)
 *   KK   kabupaten 01-69 or kota 71-99 (00 and 70 never exist)
 *   CC   kecamatan, 01-99 (00 never exists)
 *   DDMMYY birth date; women have 40 added to the day (a woman born on the 5th: "45")
 *   SSSS serial 0001-9999 among people with the same region and birth date
 * The region prefix is that of first registration and is kept for life, even after a move or a
 * re-coding of regions; so an unknown prefix is only a warning, never a fault.
 *
 * Century: the NIK has two year digits. Rule: 20YY if that birth date is not after the
 * reference day (the service day), else 19YY. (A person born 2025-03-01 analysed on
 * 2025-02-28 is read as born 1925-03-01.) Nobody alive and asking for an e-KTP is 100+ years
 * older than the 20YY reading, so the rule is exact for applicants up to age 99.
 *
 * Hard faults reject the NIK (info.valid false), each its own item: nik_format (not 16 digits,
 * or a non-digit; further checks are skipped), nik_province_unknown, nik_regency_invalid,
 * nik_district_invalid, nik_birth_date_invalid (no such day, 29 Feb included), nik_serial_invalid.
 * Soft warnings: nik_region_unknown (6-digit prefix not in the given region table),
 * nik_birth_date_mismatch and nik_sex_mismatch (nik_check_biodata()).
 * Items are kt_error values: code KT_EINVAL, id, field "nik", Indonesian message saying which
 * digits are wrong and why.
 *
 * Never: I/O, allocation.
 */
#ifndef KTPEL_CORE_NIK_H
#define KTPEL_CORE_NIK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/jakarta.h"
#include "core/wilayah.h"

#define NIK_LEN 16
#define NIK_MAX_ITEMS 8

typedef struct nik_items {
    int n;                        /* items used, 0..NIK_MAX_ITEMS */
    kt_error item[NIK_MAX_ITEMS]; /* extra items beyond the capacity are dropped */
} nik_items;

typedef struct nik_info {
    bool valid;                   /* no hard fault */
    char nik[NIK_LEN + 1];        /* the input when it was 16 characters, else "" */
    char province_code[3];        /* "36"       (digits; "" after a format fault) */
    char regency_code[5];         /* "3671"     kabupaten/kota */
    char district_code[7];        /* "367110"   kecamatan: the NIK prefix */
    char province_name[WIL_NAME_LEN]; /* names where the table knows them, else "" */
    char regency_name[WIL_NAME_LEN];
    char district_name[WIL_NAME_LEN];
    bool birth_date_known;        /* DDMMYY names a real day */
    jkt_date birth_date;          /* with the century rule above */
    char sex;                     /* 'L' or 'P' ('P' when the day field is 41..71); 0 unknown */
    char serial[5];               /* "0001" */
    nik_items errors;             /* hard faults */
    nik_items warnings;           /* soft warnings */
} nik_info;

/*
 * Analyse a NIK. `regions` may be NULL: then the compiled-in table (wil_builtin()) supplies
 * the names it knows and no nik_region_unknown warning is given (the built-in table only
 * knows Neglasari at kecamatan level). With a table, names come from it and a prefix it does
 * not know gives the warning. reference_day is the service day (century rule).
 * Returns KT_OK when valid, KT_EINVAL when there is a hard fault (out->errors lists them all);
 * out is always filled. nik NULL is a nik_format fault.
 */
kt_code nik_analyze(const char *nik, const wil_table *regions, jkt_date reference_day,
                    nik_info *out);

/*
 * Compare an analysed NIK with SIAK biodata (birth_date, sex 'L'/'P'). Appends
 * nik_birth_date_mismatch (day, month or the two year digits differ; the century is not
 * compared since the NIK does not carry it) and nik_sex_mismatch to `warnings` (may be
 * &info->warnings). Nothing is compared when the NIK's date/sex are unknown or sex is not
 * 'L'/'P'. Returns the number of warnings appended.
 */
int nik_check_biodata(const nik_info *info, jkt_date birth_date, char sex, nik_items *warnings);

/* True when s is exactly 16 ASCII digits (the cheap first check a form can make). */
bool nik_is_well_formed(const char *s);

/*
 * The NIK as shown to whoever does not need it whole (lists, paper that travels): its first
 * six digits (the kecamatan: where the person is registered) and last four (enough to tell two
 * people apart at a counter), the birth date in between hidden: 367110******0001. Any text is
 * accepted (a stored NIK may be malformed or empty): under 10 characters everything is hidden.
 * Writes at most cap - 1 characters and a NUL (cap 17 holds a 16-digit NIK); returns out.
 */
char *nik_mask(const char *nik, char *out, size_t cap);

#endif
