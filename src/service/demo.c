/*
 * demo.c - a synthetic population of Kecamatan Neglasari (svc_demo_data) and one demo staff
 * account per role (svc_demo_users), for demonstrations, tests and benchmarks.
 *
 * The population looks like SIAK's: families (KK) with a head, usually a spouse, and
 * children; Indonesian names; NIKs built by the real rule (367110 + DDMMYY, +40 on the day for
 * women, + a 4-digit serial unique per birth date and sex) and KK numbers (367110 + issue date
 * DDMMYY + serial); ages 0-95; marital statuses, religions (mostly Islam), occupations by age;
 * RT/RW and street addresses in the seven kelurahan; about 70% of adults already hold a valid
 * card; a few households are WNA with an ITAP. Deterministic for a seed: our own PRNG
 * (splitmix64), no libc rand(), no clock.
 *
 * Never: produce a NIK that core's nik_analyze() would reject.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jakarta.h"
#include "service/svc_internal.h"

static const char *const male_names[] = {
    "AHMAD", "MUHAMMAD", "ABDUL", "AGUS", "ANDI", "ARIF", "BAMBANG", "BUDI", "DEDI", "DENI",
    "DIDI", "DWI", "EKO", "FAJAR", "FIRMAN", "HADI", "HENDRA", "HERU", "IMAM", "IRWAN",
    "JOKO", "KURNIAWAN", "LUKMAN", "MULYADI", "NANANG", "NUR", "RAHMAT", "RIZKY", "RUDI",
    "SAEPUL", "SLAMET", "SUPRIYADI", "SYAHRUL", "TAUFIK", "TEGUH", "UJANG", "WAHYU", "YUSUF",
    "ZAINAL", "ADE", "ADI", "AJI", "ALDI", "ASEP", "BAYU", "CAHYO", "DANU", "DIMAS", "EDI",
    "FAHMI", "GILANG", "HARIS", "IKHSAN", "ILHAM", "JAJANG", "KOMAR", "MAMAN", "NANDANG",
    "OMAN", "PRASETYO", "RAFI", "RIDWAN", "SAPUTRA", "SUTRISNO", "TONI", "USMAN", "WAWAN",
    "YADI", "YOGA", "ZAKI", "HASAN", "HUSEIN", "ISMAIL", "KARIM", "MAHMUD", "SOLEH", "UMAR",
    "YAHYA", "FAISAL", "GUNAWAN", "HERMAN", "INDRA", "JUNAEDI", "SUHENDAR", "SUTISNA",
    "TATANG", "UDIN", "WARSONO", "ROBERT", "YOHANES", "MARKUS", "PETRUS", "STEVEN", "KEVIN",
    "WAYAN", "MADE", "NYOMAN", "KETUT", "HENDRIK", "WILLIAM"};
static const char *const female_names[] = {
    "SITI", "NUR", "DEWI", "SRI", "RINA", "ANI", "YULI", "LINA", "WATI", "ENDANG", "FITRI",
    "INDAH", "LESTARI", "MAYA", "NOVI", "PUTRI", "RATNA", "RIKA", "SARI", "TUTI", "UMI",
    "WULAN", "YANTI", "AISYAH", "AMINAH", "ANISA", "AYU", "CITRA", "DIAN", "DINA", "ELI",
    "EVI", "FARIDA", "HANA", "IDA", "IKA", "INTAN", "KARTINI", "LILIS", "MARLINA", "MEGA",
    "NENG", "NINING", "NURUL", "OKTAVIA", "RANI", "RATIH", "RETNO", "RINI", "ROSITA",
    "SALSABILA", "SUSI", "TITIN", "UCI", "VINA", "WIDYA", "YENI", "YUNI", "ZAHRA", "ZULAIKHA",
    "FATIMAH", "KHADIJAH", "MARYAM", "HALIMAH", "SALMA", "NABILA", "AULIA", "KEISHA", "NAYLA",
    "AZZAHRA", "DELIMA", "EUIS", "ICIH", "IMAS", "NENDEN", "NENGSIH", "OOM", "POPON", "TETI",
    "YAYAH", "MARIA", "MAGDALENA", "KRISTINA", "LUSI", "MONIKA", "THERESIA", "VERONIKA",
    "NI LUH", "KADEK", "MEILANI", "LIANA", "SUSANTI", "HERLINA", "MULYANI", "ROHAYATI",
    "SUMIATI", "WARTINI", "JUBAEDAH", "NURHAYATI", "KOMALASARI"};
static const char *const family_names[] = {
    "HIDAYAT", "SETIAWAN", "SANTOSO", "WIJAYA", "SAPUTRA", "PRATAMA", "KURNIAWAN", "NUGROHO",
    "HAKIM", "RAHMAN", "FAUZI", "SUSANTO", "HARAHAP", "NASUTION", "SIREGAR", "LUBIS",
    "SIMANJUNTAK", "SINAGA", "PANJAITAN", "TAMBUNAN", "RAMADHAN", "FIRMANSYAH", "HERMAWAN",
    "SULAEMAN", "SUPRIATNA", "SUDRAJAT", "SURYADI", "SUHERMAN", "MAULANA", "IRAWAN",
    "GUNADI", "HALIM", "TANJUNG", "PURNAMA", "WIBOWO", "HARTONO", "SUGIARTO", "PRASETYA",
    "ANWAR", "SYAFRUDDIN", "MUNANDAR", "SOBARI", "ROHIMAN", "SAEFULLOH", "JUNAEDI",
    "SUTARDI", "MARPAUNG", "GINTING", "TARIGAN", "SEMBIRING", "PAKPAHAN", "SITUMORANG",
    "HUTAGALUNG", "PASARIBU", "GUNAWAN", "KUSUMA", "PERMANA", "SUKMANA", "HENDRAWAN",
    "SUBAGJA", "SUNARYA", "KARTAWIJAYA", "SASMITA", "WIRAWAN", "ADIPUTRA", "UTOMO", "RAHAYU",
    "LESTARI", "PUSPITA", "ANGGRAINI", "HANDAYANI", "WULANDARI", "KUSUMAWATI", "FITRIANI",
    "MARDIANA", "YULIANTI", "SAFITRI", "NURJANAH", "AMELIA", "OKTAVIANI"};
static const char *const streets[] = {
    "JL. PROF. DR. SITANALA", "JL. KEDAUNG BARU", "JL. IR. JUANDA", "JL. MARSEKAL SURYADARMA",
    "JL. BOUGENVILLE", "JL. MELATI", "JL. MAWAR", "JL. KENANGA", "JL. KARANG ANYAR",
    "JL. SELAPAJANG RAYA", "JL. MEKAR SARI", "JL. KEDAUNG WETAN", "JL. KAMPUNG BARU",
    "JL. SUKASARI", "JL. NEGLASARI RAYA", "GG. H. MANSUR", "GG. MASJID", "JL. PERINTIS"};
static const char *const birth_places[] = {
    "TANGERANG", "TANGERANG", "TANGERANG", "JAKARTA", "BOGOR", "BANDUNG", "SERANG", "LEBAK",
    "PANDEGLANG", "CIREBON", "TEGAL", "BREBES", "SEMARANG", "MEDAN", "PADANG", "LAMPUNG",
    "PALEMBANG", "SURABAYA", "GARUT", "KUNINGAN"};
static const int adult_jobs[] = {15, 15, 15, 8, 84, 88, 88, 19, 19, 12, 13, 14, 5, 65, 74,
                                 16, 18, 25, 26, 27};

#define N_(a) (sizeof(a) / sizeof((a)[0]))

/* splitmix64: tiny, fast, good enough for synthetic data; identical on every platform. */
typedef struct prng {
    uint64_t x;
} prng;
static uint64_t rnd(prng *r)
{
    uint64_t z = (r->x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static int rint_(prng *r, int lo, int hi) { return lo + (int)(rnd(r) % (uint64_t)(hi - lo + 1)); }
static int chance(prng *r, int percent) { return (int)(rnd(r) % 100) < percent; }

typedef struct demo_ctx {
    prng r;
    jkt_date today;
    int64_t today_days;
    int64_t base_days;     /* day index 0 of serials: today - 100 years */
    uint16_t *serial;      /* owned: per (day, sex) counter of NIK serials */
    size_t nserial;
    int kk_serial[4000];   /* per issue day offset */
    store *db;
    int64_t inserted, families;
} demo_ctx;

static kt_code demo_person(demo_ctx *c, const char *kk, const char *name, int age, char sex,
                           int marital, int hubungan, int pekerjaan, int agama, int wna,
                           const char *address, int rt, int rw, const char *kel, kt_error *err)
{
    int64_t days = c->today_days - (int64_t)age * 365 - rint_(&c->r, 0, 364);
    if (days < c->base_days)
        days = c->base_days;
    jkt_date bd = jkt_date_from_days(days);
    size_t idx = (size_t)(days - c->base_days) * 2 + (sex == 'P');
    if (idx >= c->nserial || c->serial[idx] >= 9999)
        return KT_OK; /* serials exhausted for that day: skip the person (never at demo sizes) */
    int serial = ++c->serial[idx];
    char nik[48], bds[JKT_DATE_STRLEN], itap[JKT_DATE_STRLEN] = "", rts[16], rws[16];
    snprintf(nik, sizeof nik, "367110%02d%02d%02d%04d", bd.day + (sex == 'P' ? 40 : 0),
             bd.month, bd.year % 100, serial);
    jkt_date_format(bd, bds);
    snprintf(rts, sizeof rts, "%03d", rt);
    snprintf(rws, sizeof rws, "%03d", rw);
    int adult = age >= 17 || marital != 1;
    const char *ktp = "BELUM_WAJIB";
    int card_valid = 0;
    if (adult) {
        int roll = rint_(&c->r, 0, 99);
        if (age < 19 && roll < 60)
            ktp = "UNREGISTERED";
        else if (roll < 72) {
            ktp = "CARD_ISSUED";
            card_valid = 1;
        } else if (roll < 85)
            ktp = "UNREGISTERED";
        else if (roll < 92)
            ktp = "PRINT_READY_RECORD";
        else
            ktp = "BIO_CAPTURED";
    }
    if (wna) {
        jkt_date_format(jkt_add_days(c->today, rint_(&c->r, -60, 5 * 365)), itap);
    }
    int pendidikan = age < 7 ? 1 : age < 13 ? 2 : age < 16 ? 3 : age < 19 ? 4
                   : rint_(&c->r, 3, 8);
    store_stmt *st = NULL;
    kt_code rc = store_prepare(
        c->db,
        "INSERT INTO residents (nik, kk_number, name, birth_place, birth_date, sex, blood_type,"
        " agama, marital_status, pekerjaan, pendidikan, nationality, itap_until, address, rt, rw,"
        " kelurahan_code, kecamatan_code, hubungan, ktp_status, card_valid, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (nik) DO NOTHING",
        &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, nik, 16);
    store_bind_text(st, 2, kk, 16);
    store_bind_text(st, 3, name, -1);
    store_bind_text(st, 4, wna ? "SINGAPURA" : birth_places[rnd(&c->r) % N_(birth_places)], -1);
    store_bind_text(st, 5, bds, 10);
    store_bind_text(st, 6, sex == 'P' ? "P" : "L", 1);
    store_bind_int(st, 7, rint_(&c->r, 1, 13));
    store_bind_int(st, 8, agama);
    store_bind_int(st, 9, marital);
    store_bind_int(st, 10, pekerjaan);
    store_bind_int(st, 11, pendidikan);
    store_bind_text(st, 12, wna ? "WNA" : "WNI", 3);
    if (wna)
        store_bind_text(st, 13, itap, 10);
    store_bind_text(st, 14, address, -1);
    store_bind_text(st, 15, rts, 3);
    store_bind_text(st, 16, rws, 3);
    store_bind_text(st, 17, kel, 10);
    store_bind_text(st, 18, "367110", 6);
    store_bind_int(st, 19, hubungan);
    store_bind_text(st, 20, ktp, -1);
    store_bind_int(st, 21, card_valid);
    store_bind_int(st, 22, 0);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    c->inserted += store_changes(c->db);
    return KT_OK;
}

static int pick_agama(prng *r)
{
    int x = rint_(r, 0, 99);
    return x < 85 ? 1 : x < 92 ? 2 : x < 95 ? 3 : x < 98 ? 5 : x < 99 ? 4 : 6;
}

static int job_for(prng *r, int age, char sex, int spouse)
{
    if (age < 5)
        return 1;
    if (age < 23)
        return 3;
    if (age >= 65)
        return chance(r, 60) ? 4 : 1;
    if (sex == 'P' && spouse && chance(r, 50))
        return 2;
    return adult_jobs[rnd(r) % N_(adult_jobs)];
}

/* One family; returns people written via c->inserted. */
static kt_code demo_family(demo_ctx *c, int *budget, kt_error *err)
{
    prng *r = &c->r;
    /* KK number: 367110 + issue date DDMMYY (within the last ~10 years) + serial. */
    int off = rint_(r, 0, 3649);
    jkt_date issued = jkt_date_from_days(c->today_days - off);
    int ks = ++c->kk_serial[off];
    if (ks > 9999)
        return KT_OK;
    char kk[48], kel[24], address[96];
    snprintf(kk, sizeof kk, "367110%02d%02d%02d%04d", issued.day, issued.month,
             issued.year % 100, ks);
    snprintf(kel, sizeof kel, "367110100%d", rint_(r, 1, 7));
    int rt = rint_(r, 1, 15), rw = rint_(r, 1, 10);
    snprintf(address, sizeof address, "%s NO. %d", streets[rnd(r) % N_(streets)],
             rint_(r, 1, 150));
    int wna = chance(r, 1) && chance(r, 50);
    int agama = wna ? 2 : pick_agama(r);
    const char *fam = family_names[rnd(r) % N_(family_names)];
    store_stmt *st = NULL;
    kt_code rc = store_prepare(c->db,
                               "INSERT INTO families (kk_number, address, rt, rw, kelurahan_code,"
                               " kecamatan_code) VALUES (?, ?, ?, ?, ?, '367110')"
                               " ON CONFLICT (kk_number) DO NOTHING",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    char rts[16], rws[16], name[128];
    snprintf(rts, sizeof rts, "%03d", rt);
    snprintf(rws, sizeof rws, "%03d", rw);
    store_bind_text(st, 1, kk, 16);
    store_bind_text(st, 2, address, -1);
    store_bind_text(st, 3, rts, 3);
    store_bind_text(st, 4, rws, 3);
    store_bind_text(st, 5, kel, 10);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    c->families++;

    int kind = rint_(r, 0, 99);
    int head_age = rint_(r, 22, 80);
    if (kind < 8) { /* living alone: young single, or widowed / divorced elder */
        char sex = chance(r, 50) ? 'L' : 'P';
        int age = chance(r, 50) ? rint_(r, 17, 30) : rint_(r, 55, 95);
        int marital = age < 31 ? 1 : chance(r, 70) ? 4 : 3;
        snprintf(name, sizeof name, "%s %s",
                 sex == 'L' ? male_names[rnd(r) % N_(male_names)]
                            : female_names[rnd(r) % N_(female_names)], fam);
        (*budget)--;
        return demo_person(c, kk, name, age, sex, marital, 1, job_for(r, age, sex, 0), agama,
                           wna, address, rt, rw, kel, err);
    }
    int single_parent = kind < 15;
    char head_sex = single_parent && chance(r, 70) ? 'P' : 'L';
    snprintf(name, sizeof name, "%s %s",
             head_sex == 'L' ? male_names[rnd(r) % N_(male_names)]
                             : female_names[rnd(r) % N_(female_names)], fam);
    int head_marital = single_parent ? (chance(r, 50) ? 3 : 4) : 2;
    (*budget)--;
    if ((rc = demo_person(c, kk, name, head_age, head_sex, head_marital, 1,
                          job_for(r, head_age, head_sex, 0), agama, wna, address, rt, rw, kel,
                          err)) != KT_OK)
        return rc;
    if (!single_parent && *budget > 0) {
        int age = head_age - rint_(r, -2, 6);
        if (age < 17)
            age = 17;
        snprintf(name, sizeof name, "%s", female_names[rnd(r) % N_(female_names)]);
        (*budget)--;
        if ((rc = demo_person(c, kk, name, age, 'P', 2, 3, job_for(r, age, 'P', 1), agama, wna,
                              address, rt, rw, kel, err)) != KT_OK)
            return rc;
    }
    int children = head_age < 24 ? rint_(r, 0, 1) : rint_(r, 0, 4);
    for (int i = 0; i < children && *budget > 0; i++) {
        int max_age = head_age - 20;
        if (max_age < 0)
            break;
        int age = rint_(r, 0, max_age > 30 ? 30 : max_age);
        char sex = chance(r, 51) ? 'L' : 'P';
        /* A few teenagers are already married (the law's exception to the age 17 rule). */
        int marital = age >= 25 && chance(r, 30) ? 2 : (age >= 15 && age < 17 && chance(r, 2)) ? 2 : 1;
        snprintf(name, sizeof name, "%s %s",
                 sex == 'L' ? male_names[rnd(r) % N_(male_names)]
                            : female_names[rnd(r) % N_(female_names)], fam);
        (*budget)--;
        if ((rc = demo_person(c, kk, name, age, sex, marital, 4, job_for(r, age, sex, 0), agama,
                              wna, address, rt, rw, kel, err)) != KT_OK)
            return rc;
    }
    return KT_OK;
}

kt_code svc_demo_data(svc *s, const svc_actor *who, int people, uint64_t seed, json_t **out,
                      kt_error *err)
{
    kt_code rc;
    demo_ctx c;
    json_t *pending = NULL;
    memset(&c, 0, sizeof c);
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if (people < 1 || people > 5000000)
        return kt_fail(err, KT_EINVAL, "people_invalid", "people",
                       "Jumlah penduduk harus 1 sampai 5.000.000");
    c.r.x = seed;
    c.today = svc_today(s);
    c.today_days = jkt_date_to_days(c.today);
    c.base_days = c.today_days - 100 * 366;
    c.nserial = (size_t)(c.today_days - c.base_days + 1) * 2;
    c.serial = calloc(c.nserial, sizeof *c.serial);
    pending = json_array();
    if (c.serial == NULL || pending == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_conn_get(s, &c.db, err)) != KT_OK)
        goto out;
    if ((rc = svc_begin_write(s, c.db, err)) != KT_OK)
        goto out;
    int budget = people;
    while (budget > 0)
        if ((rc = demo_family(&c, &budget, err)) != KT_OK)
            goto out;
    char note[64];
    snprintf(note, sizeof note, "people=%d seed=%llu", people, (unsigned long long)seed);
    if ((rc = svc_event_add(s, c.db, pending, "demo_data", who, 0, 0, "", "", "demo_data", "",
                            note, NULL, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, c.db, err)) != KT_OK)
        goto out;
    *out = json_pack("{s:I, s:I, s:I}", "residents", (json_int_t)c.inserted, "families",
                     (json_int_t)c.families, "seed", (json_int_t)seed);
    if (*out == NULL)
        rc = svc_nomem(err);
    else
        svc_emit(s, pending);
out:
    svc_conn_put(s, c.db);
    free(c.serial);
    json_decref(pending);
    return rc;
}

/* Demo accounts: documented in docs/internals/service.md; for `make run` only. */
static const struct {
    const char *username, *full_name, *role, *password;
    int loket;
} demo_accounts[] = {
    {"admin", "Administrator Sistem", "admin", "admin-demo-123", 0},
    {"intake", "Siti Rahmawati (Loket Penerima Berkas)", "intake", "intake-demo-123", 1},
    {"operator", "Budi Santoso (Operator Perekaman)", "operator", "operator-demo-123", 0},
    {"handover", "Dewi Lestari (Loket Penyerahan)", "handover", "handover-demo-123", 3},
    {"supervisor", "Kasi Pelayanan", "supervisor", "supervisor-demo-123", 0},
};

kt_code svc_demo_users(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    kt_code rc;
    json_t *arr = NULL;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if ((arr = json_array()) == NULL)
        return svc_nomem(err);
    for (size_t i = 0; i < N_(demo_accounts); i++) {
        /* The demo passwords are published (README, `make run`): each account must change
           its password at first use, so a demo that becomes a real office is not left open. */
        json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b}", "username",
                               demo_accounts[i].username, "full_name",
                               demo_accounts[i].full_name, "role", demo_accounts[i].role,
                               "password", demo_accounts[i].password, "loket",
                               demo_accounts[i].loket > s->lokets ? 0 : demo_accounts[i].loket,
                               "must_change_password", 1);
        json_t *u = NULL;
        kt_error e;
        if (in == NULL) {
            rc = svc_nomem(err);
            goto out;
        }
        rc = svc_user_add_as(s, who, in, 0, &u, &e);
        json_decref(in);
        const char *status = "created";
        if (rc == KT_ECONFLICT)
            status = "exists"; /* already there: keep its password */
        else if (rc != KT_OK) {
            if (err != NULL)
                *err = e;
            goto out;
        }
        json_decref(u);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "username",
                                             demo_accounts[i].username, "role",
                                             demo_accounts[i].role, "password",
                                             demo_accounts[i].password, "status", status));
        rc = KT_OK;
    }
    *out = arr;
    arr = NULL;
out:
    json_decref(arr);
    return rc;
}

/* ---- demo NIKs: a few residents a newcomer can try (issue 10) ------------------------- */

/* One example per case the SOP distinguishes at the intake loket, the first by NIK of the
   deterministic population (the same for the same seed and day), each with what to try. Only
   residents without an application yet, so a fresh `make run` shows people still to serve. */
kt_code svc_demo_niks(svc *s, const svc_actor *who, json_t **out, kt_error *err)
{
    static const struct {
        const char *where, *try_;
    } cases[] = {
        {"ktp_status = 'UNREGISTERED' AND card_valid = 0 AND nationality = 'WNI' AND"
         " marital_status <> 1 AND birth_date <= ?",
         "Rekam e-KTP baru (antrian A): dewasa, belum pernah direkam"},
        {"ktp_status = 'CARD_ISSUED' AND card_valid = 1 AND nationality = 'WNI' AND"
         " birth_date <= ?",
         "KTP hilang / rusak (antrian C) atau perubahan data (antrian B): sudah punya KTP-el"},
        {"ktp_status = 'BELUM_WAJIB' AND marital_status = 1 AND birth_date > ?",
         "Ditolak: belum berumur 17 tahun dan belum pernah kawin"},
        {"nationality = 'WNA' AND birth_date <= ?",
         "WNA: dilayani bila Izin Tinggal Tetap (ITAP) masih berlaku"},
    };
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *arr = NULL;
    int row = 0;
    kt_code rc;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    jkt_date today = svc_today(s), adult = {today.year - 17, today.month, today.day};
    if (!jkt_date_valid(adult))
        adult.day = 28;
    char cut[JKT_DATE_STRLEN];
    jkt_date_format(adult, cut);
    if ((arr = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT nik, name, birth_date FROM residents WHERE %s AND NOT EXISTS (SELECT 1"
                 " FROM applications a WHERE a.nik = residents.nik) ORDER BY nik LIMIT 1",
                 cases[i].where);
        if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, cut, -1);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        if (row)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "nik",
                                                 store_col_text(st, 0), "name",
                                                 store_col_text(st, 1), "birth_date",
                                                 store_col_text(st, 2), "try", cases[i].try_));
        store_reset(st);
    }
    *out = arr;
    arr = NULL;
out:
    svc_conn_put(s, db);
    json_decref(arr);
    return rc;
}
