/*
 * nik.c - NIK analysis. See nik.h for the layout, the century rule and the item ids.
 * Every fault is collected (not just the first) so the intake officer sees all at once.
 * Never: I/O, allocation.
 */
#include "core/nik.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The 38 province codes of Kepmendagri 300.2.2-2138/2025. 91 and 94 (the pre-2022 codes of
   Papua and Papua Barat under which NIKs were issued) are in it as current codes. */
static const char *const provinces[] = {
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33",
    "34", "35", "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72",
    "73", "74", "75", "76", "81", "82", "91", "92", "93", "94", "95", "96",
};

static void add_item(nik_items *items, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_item(nik_items *items, const char *id, const char *fmt, ...)
{
    if (items->n >= NIK_MAX_ITEMS)
        return;
    va_list ap;
    va_start(ap, fmt);
    kt_vfail(&items->item[items->n++], KT_EINVAL, id, "nik", fmt, ap);
    va_end(ap);
}

bool nik_is_well_formed(const char *s)
{
    if (s == NULL)
        return false;
    for (int i = 0; i < NIK_LEN; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[NIK_LEN] == '\0';
}

static int num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static void copy_name(char dst[WIL_NAME_LEN], const wil_table *t, const char *code)
{
    const wil_entry *e = wil_lookup(t, code);
    if (e != NULL)
        memcpy(dst, e->name, WIL_NAME_LEN);
}

kt_code nik_analyze(const char *nik, const wil_table *regions, jkt_date reference_day,
                    nik_info *out)
{
    memset(out, 0, sizeof *out);
    if (nik == NULL) {
        add_item(&out->errors, "nik_format", "NIK kosong: NIK harus 16 digit angka");
        return KT_EINVAL;
    }
    /* Characters, not bytes: "١٢٣..." (Arabic-Indic) or full-width digits are 2-3 bytes each
       in UTF-8, and a person counts what they typed (issue 10: "16 digit, bukan 32"). */
    size_t len = strlen(nik), chars = 0, bad = 0;
    int more = 0; /* continuation bytes the character being read still has */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)nik[i];
        if (more > 0 && (c & 0xC0) == 0x80) {
            more--;
            continue; /* a UTF-8 continuation byte: part of the character before */
        }
        /* A character begins; a continuation byte that follows no lead byte is one by itself
           (and not a digit: a stray byte after a digit must not pass as part of it). */
        chars++;
        more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (bad == 0 && (c < '0' || c > '9'))
            bad = chars;
    }
    if (bad != 0) {
        add_item(&out->errors, "nik_format",
                 "NIK hanya boleh berisi angka 0-9: karakter ke-%zu bukan angka 0-9", bad);
        return KT_EINVAL;
    }
    if (len != NIK_LEN) {
        add_item(&out->errors, "nik_format", "NIK harus 16 digit, bukan %zu", chars);
        return KT_EINVAL;
    }
    memcpy(out->nik, nik, NIK_LEN + 1);
    memcpy(out->province_code, nik, 2);
    memcpy(out->regency_code, nik, 4);
    memcpy(out->district_code, nik, 6);
    memcpy(out->serial, nik + 12, 4);

    bool prov_ok = false;
    for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
        if (memcmp(provinces[i], nik, 2) == 0)
            prov_ok = true;
    if (!prov_ok)
        add_item(&out->errors, "nik_province_unknown",
                 "Digit 1-2 NIK (%.2s) bukan kode provinsi yang sah", nik);
    int kk = num2(nik + 2);
    if (kk == 0 || kk == 70)
        add_item(&out->errors, "nik_regency_invalid",
                 "Digit 3-4 NIK (%.2s) bukan kode kabupaten/kota: harus 01-69 atau 71-99",
                 nik + 2);
    if (num2(nik + 4) == 0)
        add_item(&out->errors, "nik_district_invalid",
                 "Digit 5-6 NIK (00) bukan kode kecamatan: harus 01-99");

    int dd = num2(nik + 6), mm = num2(nik + 8), yy = num2(nik + 10);
    char sex = 'L';
    if (dd > 40) {
        sex = 'P';
        dd -= 40;
    }
    jkt_date d = {2000 + yy, mm, dd};
    if (jkt_date_valid(d) && jkt_date_valid(reference_day) && jkt_date_cmp(d, reference_day) > 0)
        d.year = 1900 + yy;
    /* Validity is checked in the century chosen: "290200" is a real day in 2000 (leap) but
       not in 1900 (a century not divisible by 400), so a 29 Feb 1900 reading is a fault. */
    if (jkt_date_valid(d) && dd >= 1) {
        out->birth_date = d;
        out->birth_date_known = true;
        out->sex = sex;
    } else {
        add_item(&out->errors, "nik_birth_date_invalid",
                 "Digit 7-12 NIK (%.6s) bukan tanggal lahir yang ada: tanggal %02d bulan %02d "
                 "tahun %02d (untuk perempuan tanggal ditambah 40)",
                 nik + 6, dd, mm, yy);
    }
    if (memcmp(nik + 12, "0000", 4) == 0)
        add_item(&out->errors, "nik_serial_invalid",
                 "Digit 13-16 NIK (0000) bukan nomor urut yang sah: harus 0001-9999");

    const wil_table *names = regions ? regions : wil_builtin();
    copy_name(out->province_name, names, out->province_code);
    copy_name(out->regency_name, names, out->regency_code);
    copy_name(out->district_name, names, out->district_code);
    if (regions != NULL && prov_ok && kk != 0 && kk != 70 && num2(nik + 4) != 0 &&
        wil_lookup(regions, out->district_code) == NULL)
        add_item(&out->warnings, "nik_region_unknown",
                 "Kode wilayah NIK %.2s.%.2s.%.2s tidak ada di tabel wilayah (mungkin kode lama "
                 "yang sudah diganti); periksa data di SIAK",
                 nik, nik + 2, nik + 4);

    out->valid = out->errors.n == 0;
    return out->valid ? KT_OK : KT_EINVAL;
}

int nik_check_biodata(const nik_info *info, jkt_date birth_date, char sex, nik_items *warnings)
{
    int added = 0;
    if (info == NULL || warnings == NULL)
        return 0;
    if (info->birth_date_known && jkt_date_valid(birth_date) &&
        (info->birth_date.day != birth_date.day || info->birth_date.month != birth_date.month ||
         info->birth_date.year % 100 != birth_date.year % 100)) {
        char a[JKT_DATE_STRLEN], b[JKT_DATE_STRLEN];
        jkt_date_format(birth_date, a);
        jkt_date_format(info->birth_date, b);
        if (warnings->n < NIK_MAX_ITEMS) {
            add_item(warnings, "nik_birth_date_mismatch",
                     "Tanggal lahir di biodata (%s) berbeda dengan tanggal lahir pada NIK (%s)",
                     a, b);
            added++;
        }
    }
    if ((info->sex == 'L' || info->sex == 'P') && (sex == 'L' || sex == 'P') && sex != info->sex) {
        if (warnings->n < NIK_MAX_ITEMS) {
            add_item(warnings, "nik_sex_mismatch",
                     "Jenis kelamin di biodata (%s) berbeda dengan NIK (%s)",
                     sex == 'L' ? "laki-laki" : "perempuan",
                     info->sex == 'L' ? "laki-laki" : "perempuan");
            added++;
        }
    }
    return added;
}

char *nik_mask(const char *nik, char *out, size_t cap)
{
    size_t n = nik != NULL ? strlen(nik) : 0, i;
    if (cap == 0)
        return out;
    if (n > cap - 1)
        n = cap - 1;
    for (i = 0; i < n; i++)
        out[i] = (n >= 10 && (i < 6 || i >= n - 4)) ? nik[i] : '*';
    out[n] = '\0';
    return out;
}
