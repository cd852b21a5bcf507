/*
 * refcodes.c - the SIAK code lists and the KTP-el recording status, as static tables.
 * See refcodes.h. The lists are those of SIAK (the same as the CSV files of ../shared/data/ref; a unit
 * test compares them). Never: I/O, allocation.
 */
#include "core/refcodes.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const ref_item agama[] = {
    {1, "ISLAM"}, {2, "KRISTEN"}, {3, "KATHOLIK"}, {4, "HINDU"}, {5, "BUDHA"},
    {6, "KHONGHUCU"}, {7, "KEPERCAYAAN TERHADAP TUHAN YME"},
};
static const ref_item status_perkawinan[] = {
    {1, "BELUM KAWIN"}, {2, "KAWIN"}, {3, "CERAI HIDUP"}, {4, "CERAI MATI"},
};
static const ref_item golongan_darah[] = {
    {1, "A"}, {2, "B"}, {3, "AB"}, {4, "O"}, {5, "A+"}, {6, "A-"}, {7, "B+"},
    {8, "B-"}, {9, "AB+"}, {10, "AB-"}, {11, "O+"}, {12, "O-"}, {13, "TIDAK TAHU"},
};
static const ref_item pekerjaan[] = {
    {1, "BELUM/TIDAK BEKERJA"}, {2, "MENGURUS RUMAH TANGGA"}, {3, "PELAJAR/MAHASISWA"},
    {4, "PENSIUNAN"}, {5, "PEGAWAI NEGERI SIPIL (PNS)"}, {6, "TENTARA NASIONAL INDONESIA (TNI)"},
    {7, "KEPOLISIAN RI (POLRI)"}, {8, "PERDAGANGAN"}, {9, "PETANI/PEKEBUN"}, {10, "PETERNAK"},
    {11, "NELAYAN/PERIKANAN"}, {12, "INDUSTRI"}, {13, "KONSTRUKSI"}, {14, "TRANSPORTASI"},
    {15, "KARYAWAN SWASTA"}, {16, "KARYAWAN BUMN"}, {17, "KARYAWAN BUMD"},
    {18, "KARYAWAN HONORER"}, {19, "BURUH HARIAN LEPAS"}, {20, "BURUH TANI/PERKEBUNAN"},
    {21, "BURUH NELAYAN/PERIKANAN"}, {22, "BURUH PETERNAKAN"}, {23, "PEMBANTU RUMAH TANGGA"},
    {24, "TUKANG CUKUR"}, {25, "TUKANG LISTRIK"}, {26, "TUKANG BATU"}, {27, "TUKANG KAYU"},
    {28, "TUKANG SOL SEPATU"}, {29, "TUKANG LAS/PANDAI BESI"}, {30, "TUKANG JAHIT"},
    {31, "TUKANG GIGI"}, {32, "PENATA RIAS"}, {33, "PENATA BUSANA"}, {34, "PENATA RAMBUT"},
    {35, "MEKANIK"}, {36, "SENIMAN"}, {37, "TABIB"}, {38, "PARAJI"}, {39, "PERANCANG BUSANA"},
    {40, "PENTERJEMAH"}, {41, "IMAM MASJID"}, {42, "PENDETA"}, {43, "PASTOR"},
    {44, "WARTAWAN"}, {45, "USTADZ/MUBALIGH"}, {46, "JURU MASAK"}, {47, "PROMOTOR ACARA"},
    {48, "ANGGOTA DPR-RI"}, {49, "ANGGOTA DPD"}, {50, "ANGGOTA BPK"}, {51, "PRESIDEN"},
    {52, "WAKIL PRESIDEN"}, {53, "ANGGOTA MAHKAMAH KONSTITUSI"},
    {54, "ANGGOTA KABINET KEMENTERIAN"}, {55, "DUTA BESAR"}, {56, "GUBERNUR"},
    {57, "WAKIL GUBERNUR"}, {58, "BUPATI"}, {59, "WAKIL BUPATI"}, {60, "WALIKOTA"},
    {61, "WAKIL WALIKOTA"}, {62, "ANGGOTA DPRD PROVINSI"}, {63, "ANGGOTA DPRD KABUPATEN/KOTA"},
    {64, "DOSEN"}, {65, "GURU"}, {66, "PILOT"}, {67, "PENGACARA"}, {68, "NOTARIS"},
    {69, "ARSITEK"}, {70, "AKUNTAN"}, {71, "KONSULTAN"}, {72, "DOKTER"}, {73, "BIDAN"},
    {74, "PERAWAT"}, {75, "APOTEKER"}, {76, "PSIKIATER/PSIKOLOG"}, {77, "PENYIAR TELEVISI"},
    {78, "PENYIAR RADIO"}, {79, "PELAUT"}, {80, "PENELITI"}, {81, "SOPIR"}, {82, "PIALANG"},
    {83, "PARANORMAL"}, {84, "PEDAGANG"}, {85, "PERANGKAT DESA"}, {86, "KEPALA DESA"},
    {87, "BIARAWATI"}, {88, "WIRASWASTA"}, {89, "LAINNYA"},
};
static const ref_item hubungan_keluarga[] = {
    {1, "KEPALA KELUARGA"}, {2, "SUAMI"}, {3, "ISTRI"}, {4, "ANAK"}, {5, "MENANTU"},
    {6, "CUCU"}, {7, "ORANGTUA"}, {8, "MERTUA"}, {9, "FAMILI LAIN"}, {10, "PEMBANTU"},
    {11, "LAINNYA"},
};
static const ref_item pendidikan[] = {
    {1, "TIDAK / BELUM SEKOLAH"}, {2, "BELUM TAMAT SD/SEDERAJAT"}, {3, "TAMAT SD / SEDERAJAT"},
    {4, "SLTP/SEDERAJAT"}, {5, "SLTA / SEDERAJAT"}, {6, "DIPLOMA I / II"},
    {7, "AKADEMI/ DIPLOMA III/S. MUDA"}, {8, "DIPLOMA IV/ STRATA I"}, {9, "STRATA II"},
    {10, "STRATA III"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    const ref_item *items;
    size_t n;
} lists[REF_LIST_COUNT] = {
    [REF_AGAMA] = {"agama", agama, N(agama)},
    [REF_STATUS_PERKAWINAN] = {"status_perkawinan", status_perkawinan, N(status_perkawinan)},
    [REF_GOLONGAN_DARAH] = {"golongan_darah", golongan_darah, N(golongan_darah)},
    [REF_PEKERJAAN] = {"pekerjaan", pekerjaan, N(pekerjaan)},
    [REF_HUBUNGAN_KELUARGA] = {"hubungan_keluarga", hubungan_keluarga, N(hubungan_keluarga)},
    [REF_PENDIDIKAN] = {"pendidikan", pendidikan, N(pendidikan)},
};

static bool list_ok(ref_list l)
{
    return (int)l >= 0 && l < REF_LIST_COUNT;
}

const char *ref_list_str(ref_list l)
{
    return list_ok(l) ? lists[l].name : NULL;
}

bool ref_list_from_str(const char *s, ref_list *out)
{
    for (int i = 0; s && i < REF_LIST_COUNT; i++) {
        if (strcmp(s, lists[i].name) == 0) {
            *out = (ref_list)i;
            return true;
        }
    }
    return false;
}

const ref_item *ref_items(ref_list l, size_t *n)
{
    if (!list_ok(l)) {
        *n = 0;
        return NULL;
    }
    *n = lists[l].n;
    return lists[l].items;
}

size_t ref_count(ref_list l)
{
    return list_ok(l) ? lists[l].n : 0;
}

bool ref_valid(ref_list l, int id)
{
    /* Ids are 1..n, contiguous (checked by the unit test). */
    return list_ok(l) && id >= 1 && (size_t)id <= lists[l].n;
}

const char *ref_name(ref_list l, int id)
{
    return ref_valid(l, id) ? lists[l].items[id - 1].name : NULL;
}

int ref_id(ref_list l, const char *name)
{
    if (!list_ok(l) || name == NULL)
        return 0;
    while (isspace((unsigned char)*name))
        name++;
    size_t len = strlen(name);
    while (len > 0 && isspace((unsigned char)name[len - 1]))
        len--;
    for (size_t i = 0; i < lists[l].n; i++) {
        const char *c = lists[l].items[i].name;
        if (strlen(c) == len && strncasecmp(c, name, len) == 0)
            return lists[l].items[i].id;
    }
    return 0;
}

kt_code ref_check(ref_list l, int id, const char *field, kt_error *err)
{
    if (!list_ok(l))
        return kt_fail(err, KT_EINVAL, "code_invalid", field, "Daftar kode tidak dikenal");
    if (ref_valid(l, id))
        return KT_OK;
    return kt_fail(err, KT_EINVAL, "code_invalid", field,
                   "Kode %s %d tidak ada: harus 1-%zu", lists[l].name, id, lists[l].n);
}

/* ---- status_rekam_ktp_el -------------------------------------------------------------- */

static const struct {
    const char *str;
    int order;
    const char *label;   /* OpenSID / SIAK label */
    const char *meaning; /* English */
} ktp[REF_KTP_STATUS_COUNT] = {
    {"BELUM_WAJIB", 0, "BELUM WAJIB", "not yet obliged (under 17 and never married)"},
    {"UNREGISTERED", 1, "BELUM REKAM", "NIK exists in SIAK but no biometric recording yet"},
    {"BIO_CAPTURED", 2, "SUDAH REKAM", "biometrics captured at recording station; not yet sent"},
    {"PROCESSING", 3, "SUDAH REKAM", "being prepared for sending to central data center"},
    {"SENT_FOR_ENROLLMENT", 4, "SUDAH REKAM",
     "sent from regional server to Kemendagri data center (private line)"},
    {"RECEIVED_AT_CENTRAL", 5, "SUDAH REKAM", "received at central data center"},
    {"ENROLL_FAILURE_AT_CENTRAL", 6, "SUDAH REKAM",
     "biometric verification at center failed (incomplete/unreadable)"},
    {"SEARCH_FAILURE_AT_CENTRAL", 6, "SUDAH REKAM", "de-duplication search failed at center"},
    {"ENROLL_FAILURE_AT_REGIONAL", 6, "SUDAH REKAM",
     "biometric verification at kab/kota level failed"},
    {"ADJUDICATE_RECORD", 6, "SUDAH REKAM", "possible match; needs manual adjudication"},
    {"DUPLICATE_RECORD", 6, "SUDAH REKAM",
     "biometrics match an earlier recording; card will not be issued"},
    {"PRINT_READY_RECORD", 7, "PRINT READY RECORD", "passed uniqueness check (PRR); ready to print"},
    {"SENT_FOR_CARD_PRINTING", 8, "SENT FOR CARD PRINTING", "sent for card printing"},
    {"CARD_PRINTED", 9, "CARD PRINTED", "card printed"},
    {"CARD_SHIPPED", 10, "CARD SHIPPED", "card shipped"},
    {"CARD_ISSUED", 11, "CARD ISSUED", "card handed to resident"},
};

static bool ktp_ok(ref_ktp_status s)
{
    return (int)s >= 0 && s < REF_KTP_STATUS_COUNT;
}

const char *ref_ktp_status_str(ref_ktp_status s)
{
    return ktp_ok(s) ? ktp[s].str : NULL;
}

bool ref_ktp_status_from_str(const char *s, ref_ktp_status *out)
{
    for (int i = 0; s && i < REF_KTP_STATUS_COUNT; i++) {
        if (strcmp(s, ktp[i].str) == 0) {
            *out = (ref_ktp_status)i;
            return true;
        }
    }
    return false;
}

int ref_ktp_status_order(ref_ktp_status s)
{
    return ktp_ok(s) ? ktp[s].order : -1;
}

const char *ref_ktp_status_label(ref_ktp_status s)
{
    return ktp_ok(s) ? ktp[s].label : NULL;
}

const char *ref_ktp_status_meaning(ref_ktp_status s)
{
    return ktp_ok(s) ? ktp[s].meaning : NULL;
}

bool ref_ktp_status_is_failure(ref_ktp_status s)
{
    return ktp_ok(s) && ktp[s].order == 6;
}

bool ref_ktp_status_is_recorded(ref_ktp_status s)
{
    return ktp_ok(s) && ktp[s].order >= 2;
}
