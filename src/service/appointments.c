/*
 * appointments.c - janji temu: the admin's weekly slots and holidays, booking from the public
 * page, cancel and reschedule with the booking code, check-in at the kiosk (a ticket called
 * under the booked/walk-in rule, core/appointment.h), no-shows, and the SMS that go with them.
 *
 * A booking is checked as intake checks an applicant (svc_app_screen: NIK valid, in SIAK,
 * eligible for the service's application kind), but what the public page is told is the
 * reason in general words: the page must not reveal a person's data (age, marital status,
 * nationality) to whoever types a NIK. Capacity, "one active booking per NIK and service"
 * (also a unique index) and the slot's existence are checked inside the write transaction
 * that inserts, so two people cannot take the last place.
 *
 * A booking ends as checked_in (with its ticket), cancelled, or no_show once its slot is over
 * (housekeeping, and before each new booking); its phone number is erased then. Check-in is
 * open from 30 minutes before the slot to its end, on its day.
 *
 * Never: a NIK or a phone number in what the public endpoints answer.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/appointment.h"
#include "core/nik.h"
#include "core/phone.h"
#include "core/queue.h"
#include "core/sms.h"
#include "core/words.h"
#include "service/cit_internal.h"

#define HORIZON_DAYS 30            /* bookable from today to today + 29 */
#define MAX_RESCHEDULES 3
#define REMINDER_FROM_MIN (9 * 60) /* reminders go out from 09.00 WIB the day before */

/* The services that can be booked (intake services; a pickup needs no appointment: the card
   is announced by SMS) and the application kind a booking is screened for. */
static int bookable(const char *service, wf_kind *kind)
{
    static const struct {
        const char *service;
        wf_kind kind;
    } b[] = {{"rekam_baru", WF_KIND_BARU},
             {"perubahan_data", WF_KIND_PERUBAHAN},
             {"hilang_rusak", WF_KIND_HILANG},
             {"pindah_datang", WF_KIND_PINDAH_DATANG}};
    for (size_t i = 0; service != NULL && i < sizeof b / sizeof b[0]; i++)
        if (strcmp(b[i].service, service) == 0) {
            if (kind != NULL)
                *kind = b[i].kind;
            return 1;
        }
    return 0;
}

static const char *service_label(const char *service)
{
    queue_service q;
    return queue_service_from_str(service, &q) ? queue_service_label(q) : service;
}

static kt_code bad_service(kt_error *err)
{
    return kt_fail(err, KT_EINVAL, "service_invalid", "service",
                   "Layanan janji temu harus rekam_baru, perubahan_data, hilang_rusak atau "
                   "pindah_datang");
}

/* ---- configuration (admin) ------------------------------------------------------------- */

kt_code svc_appt_config_get(svc *s, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *slots = json_array(), *holidays = json_array(), *services = json_array();
    json_t *o = json_pack("{s:o, s:o, s:o, s:i, s:i}", "slots", slots, "holidays", holidays,
                          "services", services, "horizon_days", HORIZON_DAYS,
                          "checkin_early_min", (int)(SVC_CHECKIN_EARLY_MS / 60000));
    *out = NULL;
    if (o == NULL)
        return svc_nomem(err);
    for (int q = 0; q < QUEUE_SERVICE_COUNT; q++)
        if (bookable(queue_service_str((queue_service)q), NULL))
            json_array_append_new(services, json_pack("{s:s, s:s}", "service",
                                                      queue_service_str((queue_service)q),
                                                      "label",
                                                      queue_service_label((queue_service)q)));
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT weekday, start_min, end_min, service, capacity FROM"
                            " appointment_slots ORDER BY weekday, start_min, service",
                            &st, err)) != KT_OK)
        goto out;
    json_t *cur = NULL;
    int cw = -1, cs = -1;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        int wd = (int)store_col_int(st, 0), sm = (int)store_col_int(st, 1);
        if (cur == NULL || wd != cw || sm != cs) {
            char a[6], b[6];
            words_hhmm(sm, ':', a);
            words_hhmm((int)store_col_int(st, 2), ':', b);
            cur = json_pack("{s:i, s:s, s:s, s:s, s:{}}", "weekday", wd, "weekday_label",
                            words_weekday(wd), "start", a, "end", b, "capacity");
            if (cur == NULL)
                break;
            json_array_append_new(slots, cur);
            cw = wd;
            cs = sm;
        }
        json_object_set_new(json_object_get(cur, "capacity"), store_col_text(st, 3),
                            json_integer(store_col_int(st, 4)));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    char today[JKT_DATE_STRLEN];
    jkt_date_format(jkt_add_days(svc_today(s), -7), today);
    if ((rc = store_prepare(db, "SELECT day, name FROM holidays WHERE day >= ? ORDER BY day",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, today, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        jkt_date d;
        char words[48] = "";
        if (jkt_date_parse(store_col_text(st, 0), NULL, &d, NULL) == KT_OK)
            words_day(d, words, sizeof words);
        json_array_append_new(holidays, json_pack("{s:s, s:s, s:s}", "day",
                                                  store_col_text(st, 0), "label", words, "name",
                                                  store_col_text(st, 1)));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    *out = o;
    o = NULL;
out:
    svc_conn_put(s, db);
    json_decref(o);
    return rc;
}

/* One slot of the admin's input, checked: slots[i]. */
typedef struct slot_in {
    int weekday, start, end;
    json_t *capacity; /* borrowed from the input */
} slot_in;

static kt_code slot_parse(const json_t *v, size_t i, slot_in *o, kt_error *err)
{
    char f[48];
    json_t *wd = json_object_get(v, "weekday");
    snprintf(f, sizeof f, "slots[%zu].weekday", i);
    if (!json_is_integer(wd) || json_integer_value(wd) < 1 || json_integer_value(wd) > 7)
        return kt_fail(err, KT_EINVAL, "weekday_invalid", f,
                       "Hari harus 1 (Senin) sampai 7 (Minggu)");
    o->weekday = (int)json_integer_value(wd);
    snprintf(f, sizeof f, "slots[%zu].start", i);
    kt_code rc = appt_time_parse(svc_jstr(v, "start"), f, &o->start, err);
    if (rc != KT_OK)
        return rc;
    snprintf(f, sizeof f, "slots[%zu].end", i);
    const char *e = svc_jstr(v, "end");
    if (e != NULL && strcmp(e, "24:00") == 0)
        o->end = 1440;
    else if ((rc = appt_time_parse(e, f, &o->end, err)) != KT_OK)
        return rc;
    if (o->end <= o->start)
        return kt_fail(err, KT_EINVAL, "slot_invalid", f, "Jam selesai harus sesudah jam mulai");
    snprintf(f, sizeof f, "slots[%zu].capacity", i);
    o->capacity = json_object_get(v, "capacity");
    if (!json_is_object(o->capacity) || json_object_size(o->capacity) == 0)
        return kt_fail(err, KT_EINVAL, "capacity_invalid", f,
                       "Kuota per layanan wajib diisi, mis. {\"rekam_baru\": 4}");
    const char *k;
    json_t *c;
    json_object_foreach(o->capacity, k, c) {
        snprintf(f, sizeof f, "slots[%zu].capacity.%.16s", i, k);
        if (!bookable(k, NULL))
            return kt_fail(err, KT_EINVAL, "service_invalid", f,
                           "Layanan '%.40s' tidak dapat dipesan lewat janji temu", k);
        if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 1000)
            return kt_fail(err, KT_EINVAL, "capacity_invalid", f, "Kuota harus 0 sampai 1000");
    }
    return KT_OK;
}

kt_code svc_appt_config_set(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    *out = NULL;
    kt_code rc = svc_require_admin(who, err);
    if (rc != KT_OK)
        return rc;
    const json_t *slots = json_object_get(in, "slots"), *hol = json_object_get(in, "holidays");
    if (slots == NULL && hol == NULL)
        return kt_fail(err, KT_EINVAL, "field_missing", "slots",
                       "Isi slots (jadwal mingguan) dan/atau holidays (hari libur)");
    if (slots != NULL && (!json_is_array(slots) || json_array_size(slots) > 200))
        return kt_fail(err, KT_EINVAL, "slots_invalid", "slots",
                       "slots harus daftar (paling banyak 200 slot)");
    if (hol != NULL && (!json_is_array(hol) || json_array_size(hol) > 400))
        return kt_fail(err, KT_EINVAL, "holidays_invalid", "holidays",
                       "holidays harus daftar (paling banyak 400 hari)");
    /* Validate everything first: bad input changes nothing. */
    size_t i, k;
    json_t *v, *w;
    json_array_foreach(slots, i, v) {
        slot_in a, b;
        if ((rc = slot_parse(v, i, &a, err)) != KT_OK)
            return rc;
        json_array_foreach(slots, k, w) {
            if (k >= i)
                break;
            (void)slot_parse(w, k, &b, NULL);
            if (a.weekday == b.weekday && a.start < b.end && b.start < a.end) {
                char f[48];
                snprintf(f, sizeof f, "slots[%zu].start", i);
                return kt_fail(err, KT_EINVAL, "slot_overlap", f,
                               "Slot %s %s bertumpang tindih dengan slot lain pada hari yang sama",
                               words_weekday(a.weekday), svc_jstr(v, "start"));
            }
        }
    }
    json_array_foreach(hol, i, v) {
        char f[48];
        jkt_date d;
        snprintf(f, sizeof f, "holidays[%zu].day", i);
        if ((rc = jkt_date_parse(svc_jstr(v, "day"), f, &d, err)) != KT_OK)
            return rc;
        const char *name = svc_jstr(v, "name");
        if (name != NULL && strlen(name) > 80) {
            snprintf(f, sizeof f, "holidays[%zu].name", i);
            return kt_fail(err, KT_EINVAL, "name_too_long", f, "Nama hari libur maks. 80 karakter");
        }
    }
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if (slots != NULL) {
        if ((rc = store_exec(db, "DELETE FROM appointment_slots", err)) != KT_OK)
            goto out;
        json_array_foreach(slots, i, v) {
            slot_in a;
            (void)slot_parse(v, i, &a, NULL);
            const char *key;
            json_t *c;
            json_object_foreach(a.capacity, key, c) {
                if ((rc = store_prepare(db,
                                        "INSERT INTO appointment_slots (weekday, start_min,"
                                        " end_min, service, capacity) VALUES (?, ?, ?, ?, ?)",
                                        &st, err)) != KT_OK)
                    goto out;
                store_bind_int(st, 1, a.weekday);
                store_bind_int(st, 2, a.start);
                store_bind_int(st, 3, a.end);
                store_bind_text(st, 4, key, -1);
                store_bind_int(st, 5, json_integer_value(c));
                if ((rc = store_run(st, err)) != KT_OK)
                    goto out;
            }
        }
    }
    if (hol != NULL) {
        if ((rc = store_exec(db, "DELETE FROM holidays", err)) != KT_OK)
            goto out;
        json_array_foreach(hol, i, v) {
            if ((rc = store_prepare(db,
                                    "INSERT INTO holidays (day, name) VALUES (?, ?) ON CONFLICT"
                                    " (day) DO UPDATE SET name = excluded.name",
                                    &st, err)) != KT_OK)
                goto out;
            store_bind_text(st, 1, svc_jstr(v, "day"), -1);
            store_bind_text(st, 2, svc_jstr(v, "name") != NULL ? svc_jstr(v, "name") : "", -1);
            if ((rc = store_run(st, err)) != KT_OK)
                goto out;
        }
    }
    char note[64];
    snprintf(note, sizeof note, "%zu slot, %zu hari libur", json_array_size(slots),
             json_array_size(hol));
    if ((rc = svc_event_add(s, db, pending, "appointments_config", who, 0, 0, "", "",
                            "set_appointment_config", "", note, NULL, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    svc_emit(s, pending);
    svc_conn_put(s, db);
    db = NULL;
    rc = svc_appt_config_get(s, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

/* ---- slots of a day --------------------------------------------------------------------- */

/* Is day a holiday? name filled (cap 81) when it is. */
static kt_code holiday_of(store *db, const char *day, char *name, int *is, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db, "SELECT name FROM holidays WHERE day = ?", &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    *is = row;
    snprintf(name, 81, "%s", row ? store_col_text(st, 0) : "");
    store_reset(st);
    return KT_OK;
}

/* The slot of service starting at start on day, from the weekly pattern: its end and
   capacity; KT_EREFUSED slot_invalid / day_closed when there is none. */
static kt_code slot_find(store *db, const char *service, jkt_date d, int start, int *end,
                         int *capacity, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0, hol = 0;
    char day[JKT_DATE_STRLEN], name[81], words[48], hm[6];
    jkt_date_format(d, day);
    words_day(d, words, sizeof words);
    kt_code rc = holiday_of(db, day, name, &hol, err);
    if (rc != KT_OK)
        return rc;
    if (hol)
        return kt_fail(err, KT_EREFUSED, "day_closed", "day", "Kantor tutup pada %s%s%s%s",
                       words, name[0] ? " (" : "", name, name[0] ? ")" : "");
    if ((rc = store_prepare(db,
                            "SELECT end_min, capacity FROM appointment_slots WHERE weekday = ? AND"
                            " start_min = ? AND service = ?",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, jkt_weekday(d));
    store_bind_int(st, 2, start);
    store_bind_text(st, 3, service, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (row) {
        *end = (int)store_col_int(st, 0);
        *capacity = (int)store_col_int(st, 1);
    }
    store_reset(st);
    words_hhmm(start, '.', hm);
    if (!row || *capacity <= 0)
        return kt_fail(err, KT_EREFUSED, "slot_invalid", "start",
                       "Tidak ada jadwal janji temu %s pada %s pukul %s WIB", service_label(service),
                       words, hm);
    return KT_OK;
}

static int64_t at_of(jkt_date d, int minutes)
{
    return jkt_day_start_ms(d) + (int64_t)minutes * 60000;
}

kt_code svc_appt_days(svc *s, const char *service, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    *out = NULL;
    if (!bookable(service, NULL))
        return bad_service(err);
    jkt_date today = svc_today(s);
    int64_t now = svc_now(s);
    char first[JKT_DATE_STRLEN], last[JKT_DATE_STRLEN];
    jkt_date_format(today, first);
    jkt_date_format(jkt_add_days(today, HORIZON_DAYS - 1), last);
    json_t *days = json_array();
    json_t *o = json_pack("{s:s, s:s, s:o}", "service", service, "service_label",
                          service_label(service), "days", days);
    if (o == NULL)
        return svc_nomem(err);
    /* The pattern, the holidays and the places taken, read in one snapshot. */
    typedef struct pat {
        int weekday, start, end, capacity;
    } pat;
    pat p[200];
    size_t np = 0;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT weekday, start_min, end_min, capacity FROM appointment_slots"
                            " WHERE service = ? AND capacity > 0 ORDER BY weekday, start_min",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, service, -1);
    while (np < 200 && (rc = store_step(st, &row, err)) == KT_OK && row) {
        p[np].weekday = (int)store_col_int(st, 0);
        p[np].start = (int)store_col_int(st, 1);
        p[np].end = (int)store_col_int(st, 2);
        p[np].capacity = (int)store_col_int(st, 3);
        np++;
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    for (int k = 0; k < HORIZON_DAYS; k++) {
        jkt_date d = jkt_add_days(today, k);
        char day[JKT_DATE_STRLEN], words[48], hname[81];
        int hol = 0;
        jkt_date_format(d, day);
        words_day(d, words, sizeof words);
        if ((rc = holiday_of(db, day, hname, &hol, err)) != KT_OK)
            goto out;
        json_t *slots = json_array();
        json_t *dj = json_pack("{s:s, s:s, s:o}", "day", day, "label", words, "slots", slots);
        if (dj == NULL) {
            rc = svc_nomem(err);
            goto out;
        }
        json_array_append_new(days, dj);
        if (hol) {
            json_object_set_new(dj, "closed", json_string(hname[0] ? hname : "Hari libur"));
            continue;
        }
        for (size_t i = 0; i < np; i++) {
            if (p[i].weekday != jkt_weekday(d) || at_of(d, p[i].start) <= now)
                continue;
            if ((rc = store_prepare(db,
                                    "SELECT count(*) FROM appointments WHERE day = ? AND"
                                    " start_at = ? AND service = ? AND state IN ('booked',"
                                    " 'checked_in')",
                                    &st, err)) != KT_OK)
                goto out;
            store_bind_text(st, 1, day, -1);
            store_bind_int(st, 2, at_of(d, p[i].start));
            store_bind_text(st, 3, service, -1);
            if ((rc = store_step(st, &row, err)) != KT_OK)
                goto out;
            int taken = (int)store_col_int(st, 0);
            store_reset(st);
            char a[6], b[6];
            words_hhmm(p[i].start, ':', a);
            words_hhmm(p[i].end, ':', b);
            json_array_append_new(slots, json_pack("{s:s, s:s, s:i, s:i}", "start", a, "end", b,
                                                   "capacity", p[i].capacity, "free",
                                                   taken < p[i].capacity
                                                       ? p[i].capacity - taken
                                                       : 0));
        }
    }
    *out = o;
    o = NULL;
out:
    svc_conn_put(s, db);
    json_decref(o);
    return rc;
}

/* ---- booking ---------------------------------------------------------------------------- */

/* What the public page is told when the screening refuses: the reason in general words. */
static kt_code public_refusal(wf_reason r, const kt_error *why, kt_error *err)
{
    const char *msg = why->message;
    switch (r) {
    case WF_REASON_NOT_FOUND_IN_SIAK:
        msg = "NIK tidak ditemukan dalam data kependudukan (SIAK) kecamatan ini. Silakan datang "
              "ke Disdukcapil Kota Tangerang dengan membawa KK.";
        break;
    case WF_REASON_UNDER_AGE:
        msg = "Menurut data kependudukan, pemilik NIK belum memenuhi syarat umur KTP-el (17 "
              "tahun, atau sudah/pernah kawin).";
        break;
    case WF_REASON_NOT_WNI_NO_ITAP:
        msg = "Menurut data kependudukan, pemilik NIK belum memenuhi syarat KTP-el (WNA wajib "
              "memiliki Izin Tinggal Tetap yang berlaku).";
        break;
    case WF_REASON_HAS_VALID_CARD:
        msg = "Pemilik NIK masih memiliki KTP-el yang berlaku. Pilih layanan KTP hilang/rusak "
              "atau perubahan data.";
        break;
    default: /* nik_invalid: what is wrong with the digits typed */
        break;
    }
    return kt_fail(err, KT_EREFUSED, wf_reason_str(r), "nik", "%s", msg);
}

/* The screening's own objections, as the public page may hear them: intake's words name the
   open application's number and state, which are not for anyone who knows a NIK. */
static void public_screen_error(kt_error *err)
{
    if (err == NULL)
        return;
    if (strcmp(err->id, "application_open") == 0)
        kt_fail(err, err->code, "application_open", "nik",
                "Pemilik NIK masih mempunyai permohonan KTP-el yang belum selesai. Lanjutkan "
                "permohonan itu di kantor kecamatan (bawa tanda terimanya); tidak perlu janji "
                "temu baru.");
    else if (strcmp(err->id, "kind_needs_card") == 0)
        kt_fail(err, err->code, "kind_needs_card", "service",
                "Menurut data kependudukan, pemilik NIK belum pernah menerima KTP-el. Pilih "
                "layanan Rekam e-KTP baru.");
}

/* The appointment as the public page sees it (no NIK, no phone). *st stands on a row of
   APPT_COLS. */
#define APPT_COLS                                                                            \
    "SELECT id, code, service, day, start_at, end_at, state, ticket_id, reschedules, phone,"  \
    " nik FROM appointments"

static json_t *appt_json(svc *s, store_stmt *st)
{
    char shown[APPT_CODE_SHOWN], a[6], b[6], words[48], url[320], masked[17];
    const char *code = store_col_text(st, 1), *day = store_col_text(st, 3);
    jkt_date d;
    appt_code_show(code, shown);
    jkt_datetime sa = jkt_from_utc_ms(store_col_int(st, 4));
    words_hhmm(sa.hour * 60 + sa.minute, ':', a);
    /* the end as minutes of the start's day: a slot ending at midnight ends at "24:00" */
    words_hhmm((int)((store_col_int(st, 5) - jkt_day_start_ms(sa.date)) / 60000), ':', b);
    if (jkt_date_parse(day, NULL, &d, NULL) == KT_OK)
        words_day(d, words, sizeof words);
    else
        snprintf(words, sizeof words, "%s", day);
    snprintf(url, sizeof url, "%s/janji.html#kode=%s", svc_cit_public_url(s), code);
    nik_mask(store_col_text(st, 10), masked, sizeof masked);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:b, s:i, s:s, s:s}",
                     "code", code, "code_shown", shown, "service", store_col_text(st, 2),
                     "service_label", service_label(store_col_text(st, 2)), "day", day,
                     "day_label", words, "start", a, "end", b, "start_at",
                     (json_int_t)store_col_int(st, 4), "state", store_col_text(st, 6), "sms",
                     store_col_text(st, 9)[0] != '\0', "reschedules",
                     (int)store_col_int(st, 8), "manage_url", url, "nik_masked", masked);
}

/* Bookings whose slot is over and that nobody checked in become no-shows (their number is
   erased). Inside the caller's write transaction. */
static kt_code sweep_no_shows(svc *s, store *db, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db,
                               "UPDATE appointments SET state = 'no_show', phone = '', updated_at"
                               " = ? WHERE state = 'booked' AND end_at <= ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, svc_now(s));
    store_bind_int(st, 2, svc_now(s));
    return store_run(st, err);
}

/* The day and start of a public form, checked against the pattern and the clock; the slot's
   times into *start_at / *end_at. */
static kt_code slot_of_input(svc *s, store *db, const char *service, const json_t *in,
                             char day[JKT_DATE_STRLEN], int64_t *start_at, int64_t *end_at,
                             int *capacity, kt_error *err)
{
    jkt_date d;
    int start = 0, end = 0;
    kt_code rc = jkt_date_parse(svc_jstr(in, "day"), "day", &d, err);
    if (rc != KT_OK || (rc = appt_time_parse(svc_jstr(in, "start"), "start", &start, err)) != KT_OK)
        return rc;
    jkt_date today = svc_today(s);
    if (jkt_date_cmp(d, today) < 0)
        return kt_fail(err, KT_EREFUSED, "slot_past", "day",
                       "Tanggal %s sudah lewat; pilih hari ini atau sesudahnya",
                       svc_jstr(in, "day"));
    if (jkt_days_between(today, d) >= HORIZON_DAYS)
        return kt_fail(err, KT_EREFUSED, "too_far", "day",
                       "Janji temu dapat dibuat paling jauh %d hari ke depan", HORIZON_DAYS);
    if ((rc = slot_find(db, service, d, start, &end, capacity, err)) != KT_OK)
        return rc;
    *start_at = at_of(d, start);
    *end_at = at_of(d, end);
    if (*start_at <= svc_now(s)) {
        char hm[6];
        words_hhmm(start, '.', hm);
        return kt_fail(err, KT_EREFUSED, "slot_past", "start",
                       "Jadwal pukul %s WIB hari ini sudah lewat; pilih jadwal lain", hm);
    }
    jkt_date_format(d, day);
    return KT_OK;
}

static kt_code slot_taken(store *db, const char *service, const char *day, int64_t start_at,
                          int64_t except_id, int *taken, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT count(*) FROM appointments WHERE day = ? AND start_at = ?"
                               " AND service = ? AND state IN ('booked', 'checked_in') AND id <> ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    store_bind_int(st, 2, start_at);
    store_bind_text(st, 3, service, -1);
    store_bind_int(st, 4, except_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    *taken = (int)store_col_int(st, 0);
    store_reset(st);
    return KT_OK;
}

static kt_code full(kt_error *err)
{
    return kt_fail(err, KT_ECONFLICT, "slot_full", "start",
                   "Kuota jadwal ini sudah penuh; pilih jam atau hari lain");
}

/* The confirmation SMS (booked or moved) when the booking has a phone. */
static kt_code confirm_sms(svc *s, store *db, int64_t id, const char *phone, const char *service,
                           const char *day, int64_t start_at, const char *code, int version,
                           kt_error *err)
{
    char body[SMS_CAP], ref[48], shown[APPT_CODE_SHOWN];
    jkt_date d;
    if (phone == NULL || phone[0] == '\0')
        return KT_OK;
    jkt_datetime sa = jkt_from_utc_ms(start_at);
    kt_code rc = jkt_date_parse(day, "day", &d, err);
    appt_code_show(code, shown);
    if (rc == KT_OK)
        rc = sms_text_booking(body, SVC_OFFICE_SHORT, service_label(service), d,
                              sa.hour * 60 + sa.minute, shown, version > 0, err);
    if (rc != KT_OK)
        return rc;
    snprintf(ref, sizeof ref, "appt:%lld:%d", (long long)id, version);
    return svc_sms_enqueue(s, db, "booking_confirmed", ref, phone, body, start_at, err);
}

static kt_code appt_event(svc *s, store *db, json_t *pending, const char *action,
                          const char *from, const char *to, int64_t id, int64_t ticket_id,
                          const char *service, const char *day, kt_error *err)
{
    char note[96];
    snprintf(note, sizeof note, "janji temu #%lld %s %s", (long long)id, service, day);
    svc_actor pub = svc_cit_public_actor(strcmp(action, "check_in") == 0 ? "kiosk" : "publik");
    json_t *extra = json_pack("{s:{s:s, s:s, s:s}}", "appointment", "service", service, "day",
                              day, "state", to);
    if (extra == NULL)
        return svc_nomem(err);
    kt_code rc = svc_event_add(s, db, pending, "appointment_changed", &pub, 0, ticket_id, from,
                               to, action, "", note, extra, err);
    json_decref(extra);
    return rc;
}

static const char appt_not_found[] =
    "Kode janji temu ini tidak terdaftar; periksa kode pada SMS atau layar pendaftaran";

/* The booking id as the citizen sees it (appt_json), read inside the caller's transaction. */
static kt_code appt_answer(svc *s, store *db, int64_t id, json_t **out, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = svc_row_by_id(db, APPT_COLS " WHERE id = ?", id, &st, err,
                               "appointment_not_found", "code", "%s", appt_not_found);
    if (rc != KT_OK)
        return rc;
    *out = appt_json(s, st);
    store_reset(st);
    return *out == NULL ? svc_nomem(err) : KT_OK;
}

kt_code svc_appt_book(svc *s, const json_t *in, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL, *res = NULL;
    int row = 0;
    wf_kind kind;
    char phone[PHONE_LEN] = "", day[JKT_DATE_STRLEN], code[APPT_CODE_LEN], detail[64] = "";
    int screened = 0; /* the resident's data was read (a refusal tells about them too) */
    svc_actor pub = svc_cit_public_actor("publik");
    *out = NULL;
    const char *service = svc_jstr(in, "service"), *nik = svc_jstr(in, "nik");
    if (!bookable(service, &kind))
        return bad_service(err);
    if (nik == NULL || strlen(nik) != 16 || strspn(nik, "0123456789") != 16)
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "NIK harus 16 angka sesuai KK");
    const char *ph = svc_jstr(in, "phone");
    kt_code rc;
    if (ph != NULL && ph[0] != '\0') {
        if ((rc = phone_normalize(ph, "phone", phone, err)) != KT_OK)
            return rc;
        if (!json_is_true(json_object_get(in, "consent")))
            return kt_fail(err, KT_EINVAL, "consent_required", "consent",
                           "Centang persetujuan agar nomor HP boleh disimpan untuk SMS layanan ini");
    }
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    int64_t start_at = 0, end_at = 0, now = svc_now(s);
    int capacity = 0, taken = 0;
    if ((rc = slot_of_input(s, db, service, in, day, &start_at, &end_at, &capacity, err)) !=
        KT_OK)
        goto out;
    /* As intake would screen the applicant on that day. */
    jkt_date d;
    (void)jkt_date_parse(day, NULL, &d, NULL);
    wf_reason refusal;
    kt_error why;
    snprintf(detail, sizeof detail, "%s %s", service, day);
    screened = 1;
    if ((rc = svc_app_screen(s, db, nik, kind, d, &refusal, &why, &res, err)) != KT_OK) {
        public_screen_error(err);
        goto out;
    }
    if (refusal != WF_REASON_NONE) {
        rc = public_refusal(refusal, &why, err);
        goto out;
    }
    if ((rc = sweep_no_shows(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT 1 FROM appointments WHERE nik = ? AND service = ? AND state ="
                            " 'booked'",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, nik, -1);
    store_bind_text(st, 2, service, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    store_reset(st);
    if (row) {
        rc = kt_fail(err, KT_ECONFLICT, "already_booked", "nik",
                     "NIK ini sudah mempunyai janji temu aktif untuk layanan %s. Ubah atau "
                     "batalkan janji temu itu dengan kodenya.", service_label(service));
        goto out;
    }
    if ((rc = slot_taken(db, service, day, start_at, 0, &taken, err)) != KT_OK)
        goto out;
    if (taken >= capacity) {
        rc = full(err);
        goto out;
    }
    int64_t id = 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        uint64_t bits = 0;
        randombytes_buf(&bits, sizeof bits);
        appt_code_make(bits, code);
        if ((rc = store_prepare(db, "SELECT 1 FROM appointments WHERE code = ?", &st, err)) !=
            KT_OK)
            goto out;
        store_bind_text(st, 1, code, -1);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        store_reset(st);
        if (!row)
            break;
    }
    if ((rc = store_prepare(db,
                            "INSERT INTO appointments (code, nik, service, day, start_at, end_at,"
                            " phone, consent_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?,"
                            " ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, code, -1);
    store_bind_text(st, 2, nik, -1);
    store_bind_text(st, 3, service, -1);
    store_bind_text(st, 4, day, -1);
    store_bind_int(st, 5, start_at);
    store_bind_int(st, 6, end_at);
    store_bind_text(st, 7, phone, -1);
    if (phone[0] != '\0')
        store_bind_int(st, 8, now);
    store_bind_int(st, 9, now);
    store_bind_int(st, 10, now);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    id = store_last_id(db);
    if ((rc = confirm_sms(s, db, id, phone, service, day, start_at, code, 0, err)) != KT_OK)
        goto out;
    if ((rc = appt_event(s, db, pending, "book", "", "booked", id, 0, service, day, err)) !=
        KT_OK)
        goto out;
    if ((rc = svc_access_add(s, db, &pub, "appointment_book", nik, 0, "", detail, err)) !=
        KT_OK)
        goto out;
    if ((rc = appt_answer(s, db, id, out, err)) != KT_OK)
        goto out;
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    json_decref(res);
    /* A refused booking still read the person's data: its record outlives the rollback. */
    if (rc != KT_OK && screened) {
        kt_error e2;
        kt_error_clear(&e2);
        if (svc_access_record(s, &pub, "appointment_book", nik, 0, "", detail, &e2) != KT_OK) {
            *err = e2;
            rc = e2.code;
        }
    }
    return rc;
}

/* Load the appointment of a typed code inside the caller's transaction (*st on its row). */
static kt_code appt_by_code(store *db, const char *text, char code[APPT_CODE_LEN],
                            store_stmt **st, kt_error *err)
{
    kt_code rc = appt_code_parse(text, "code", code, err);
    if (rc != KT_OK)
        return rc;
    return svc_row_by_key(db, APPT_COLS " WHERE code = ?", code, st, err,
                          "appointment_not_found", "code", "%s", appt_not_found);
}

kt_code svc_appt_get(svc *s, const char *code_text, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    char code[APPT_CODE_LEN], nik[24] = "";
    *out = NULL;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = appt_by_code(db, code_text, code, &st, err)) != KT_OK)
        goto out;
    int64_t ticket_id = store_col_int(st, 7);
    snprintf(nik, sizeof nik, "%s", store_col_text(st, 10));
    *out = appt_json(s, st);
    store_reset(st);
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if (ticket_id > 0) { /* checked in: the ticket's number and its page */
        json_t *t = NULL;
        if (svc_ticket_load(db, ticket_id, &t, NULL) == KT_OK) {
            json_object_set(*out, "ticket_number", json_object_get(t, "number"));
            if ((rc = svc_cit_ticket_links(s, t, err)) == KT_OK)
                json_object_set(*out, "track_url", json_object_get(t, "track_url"));
        }
        json_decref(t);
    }
out:
    svc_conn_put(s, db);
    if (rc == KT_OK) { /* a person's booking: released once its read is recorded */
        svc_actor pub = svc_cit_public_actor("publik");
        rc = svc_access_record(s, &pub, "appointment_read", nik, 0, "", code, err);
    }
    if (rc != KT_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static kt_code not_active(const char *state, kt_error *err)
{
    const char *what = strcmp(state, "cancelled") == 0    ? "sudah dibatalkan"
                       : strcmp(state, "checked_in") == 0 ? "sudah dipakai untuk mengambil antrian"
                       : strcmp(state, "no_show") == 0    ? "sudah lewat (tidak hadir)"
                                                          : "tidak aktif";
    return kt_fail(err, KT_ECONFLICT, "appointment_not_active", "code", "Janji temu ini %s",
                   what);
}

/* cancel (in NULL) or reschedule (in {day, start}). */
static kt_code change(svc *s, const char *code_text, const json_t *in, json_t **out,
                      kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    char code[APPT_CODE_LEN], service[32], phone[PHONE_LEN], state[16], oldday[JKT_DATE_STRLEN];
    *out = NULL;
    kt_code rc = svc_write_open(s, &db, &pending, err);
    if (rc != KT_OK)
        goto out;
    if ((rc = sweep_no_shows(s, db, err)) != KT_OK)
        goto out;
    if ((rc = appt_by_code(db, code_text, code, &st, err)) != KT_OK)
        goto out;
    int64_t id = store_col_int(st, 0);
    int reschedules = (int)store_col_int(st, 8);
    snprintf(service, sizeof service, "%s", store_col_text(st, 2));
    snprintf(oldday, sizeof oldday, "%s", store_col_text(st, 3));
    snprintf(state, sizeof state, "%s", store_col_text(st, 6));
    snprintf(phone, sizeof phone, "%s", store_col_text(st, 9));
    store_reset(st);
    if (strcmp(state, "booked") != 0) {
        rc = not_active(state, err);
        goto out;
    }
    int64_t now = svc_now(s);
    if (in == NULL) {
        if ((rc = store_prepare(db,
                                "UPDATE appointments SET state = 'cancelled', phone = '',"
                                " updated_at = ? WHERE id = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, now);
        store_bind_int(st, 2, id);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        if ((rc = appt_event(s, db, pending, "cancel", "booked", "cancelled", id, 0, service,
                             oldday, err)) != KT_OK)
            goto out;
    } else {
        char day[JKT_DATE_STRLEN];
        int64_t start_at = 0, end_at = 0;
        int capacity = 0, taken = 0;
        if (reschedules >= MAX_RESCHEDULES) {
            rc = kt_fail(err, KT_EREFUSED, "too_many_reschedules", "code",
                         "Janji temu sudah diubah %d kali; batalkan dan buat yang baru",
                         MAX_RESCHEDULES);
            goto out;
        }
        if ((rc = slot_of_input(s, db, service, in, day, &start_at, &end_at, &capacity, err)) !=
            KT_OK)
            goto out;
        if ((rc = slot_taken(db, service, day, start_at, id, &taken, err)) != KT_OK)
            goto out;
        if (taken >= capacity) {
            rc = full(err);
            goto out;
        }
        if ((rc = store_prepare(db,
                                "UPDATE appointments SET day = ?, start_at = ?, end_at = ?,"
                                " reschedules = reschedules + 1, updated_at = ? WHERE id = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, day, -1);
        store_bind_int(st, 2, start_at);
        store_bind_int(st, 3, end_at);
        store_bind_int(st, 4, now);
        store_bind_int(st, 5, id);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        if ((rc = confirm_sms(s, db, id, phone, service, day, start_at, code, reschedules + 1,
                              err)) != KT_OK)
            goto out;
        if ((rc = appt_event(s, db, pending, "reschedule", "booked", "booked", id, 0, service,
                             day, err)) != KT_OK)
            goto out;
    }
    if ((rc = appt_answer(s, db, id, out, err)) != KT_OK)
        goto out;
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

kt_code svc_appt_cancel(svc *s, const char *code, json_t **out, kt_error *err)
{
    return change(s, code, NULL, out, err);
}

kt_code svc_appt_reschedule(svc *s, const char *code, const json_t *in, json_t **out,
                            kt_error *err)
{
    *out = NULL;
    if (in == NULL || !json_is_object(in))
        return kt_fail(err, KT_EINVAL, "field_missing", "day", "Isi tanggal (day) dan jam (start)");
    return change(s, code, in, out, err);
}

/* ---- check-in at the kiosk --------------------------------------------------------------- */

typedef struct checkin_job {
    const char *text;
    const svc_kiosk *kiosk; /* the registered kiosk checking in, or NULL */
    json_t *pending;
    json_t *t; /* out: the ticket (owned until handed over) */
} checkin_job;

static kt_code checkin_unit(svc *s, store *db, void *ctx, kt_error *err)
{
    checkin_job *j = ctx;
    store_stmt *st = NULL;
    char code[APPT_CODE_LEN], service[32], phone[PHONE_LEN], state[16], day[JKT_DATE_STRLEN];
    kt_code rc = appt_by_code(db, j->text, code, &st, err);
    if (rc != KT_OK)
        return rc;
    int64_t id = store_col_int(st, 0), start_at = store_col_int(st, 4),
            end_at = store_col_int(st, 5), ticket_id = store_col_int(st, 7);
    snprintf(service, sizeof service, "%s", store_col_text(st, 2));
    snprintf(day, sizeof day, "%s", store_col_text(st, 3));
    snprintf(state, sizeof state, "%s", store_col_text(st, 6));
    snprintf(phone, sizeof phone, "%s", store_col_text(st, 9));
    store_reset(st);
    int64_t now = svc_now(s);
    char today[JKT_DATE_STRLEN], hm[6], words[48];
    jkt_service_day_str(now, today);
    jkt_datetime sa = jkt_from_utc_ms(start_at);
    words_hhmm(sa.hour * 60 + sa.minute, '.', hm);
    words_day(sa.date, words, sizeof words);
    if (strcmp(state, "checked_in") == 0) {
        json_t *t = NULL;
        if (svc_ticket_load(db, ticket_id, &t, NULL) == KT_OK) {
            rc = kt_fail(err, KT_ECONFLICT, "already_checked_in", "code",
                         "Janji temu ini sudah mendapat nomor antrian %s",
                         svc_jstr(t, "number"));
            json_decref(t);
            return rc;
        }
    }
    if (strcmp(state, "booked") != 0)
        return not_active(state, err);
    if (strcmp(day, today) != 0)
        return kt_fail(err, KT_EREFUSED, "appointment_other_day", "code",
                       "Janji temu Anda untuk %s pukul %s WIB, bukan hari ini", words, hm);
    if (now < start_at - SVC_CHECKIN_EARLY_MS) {
        char open_hm[6];
        jkt_datetime oa = jkt_from_utc_ms(start_at - SVC_CHECKIN_EARLY_MS);
        words_hhmm(oa.hour * 60 + oa.minute, '.', open_hm);
        return kt_fail(err, KT_EREFUSED, "checkin_too_early", "code",
                       "Janji temu Anda pukul %s WIB; check-in dibuka pukul %s WIB", hm, open_hm);
    }
    if (now >= end_at)
        return kt_fail(err, KT_EREFUSED, "appointment_expired", "code",
                       "Jadwal janji temu Anda (pukul %s WIB) sudah lewat; silakan ambil nomor "
                       "antrian biasa", hm);
    json_t *t = NULL;
    if ((rc = svc_ticket_insert(s, db, j->pending, service, 0, "", j->kiosk, id, &t, err)) !=
        KT_OK)
        return rc;
    int64_t tid = json_integer_value(json_object_get(t, "id"));
    if ((rc = store_prepare(db,
                            "UPDATE appointments SET state = 'checked_in', ticket_id = ?, phone ="
                            " '', updated_at = ? WHERE id = ? AND state = 'booked'",
                            &st, err)) != KT_OK)
        goto fail;
    store_bind_int(st, 1, tid);
    store_bind_int(st, 2, now);
    store_bind_int(st, 3, id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto fail;
    if (phone[0] != '\0') { /* the consent given at booking carries to the ticket */
        if ((rc = store_prepare(db,
                                "INSERT INTO ticket_phones (ticket_id, phone, consent_at) VALUES"
                                " (?, ?, ?)",
                                &st, err)) != KT_OK)
            goto fail;
        store_bind_int(st, 1, tid);
        store_bind_text(st, 2, phone, -1);
        store_bind_int(st, 3, now);
        if ((rc = store_run(st, err)) != KT_OK)
            goto fail;
    }
    if ((rc = appt_event(s, db, j->pending, "check_in", "booked", "checked_in", id, tid, service,
                         day, err)) != KT_OK)
        goto fail;
    json_decref(j->t);
    j->t = t;
    return KT_OK;
fail:
    json_decref(t);
    return rc;
}

kt_code svc_appt_checkin(svc *s, const svc_kiosk *kiosk, const json_t *in, json_t **out,
                         kt_error *err)
{
    checkin_job j;
    memset(&j, 0, sizeof j);
    *out = NULL;
    j.kiosk = kiosk;
    j.text = svc_jstr(in, "code");
    if (j.text == NULL || j.text[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "code",
                       "Ketik atau pindai kode janji temu Anda");
    if ((j.pending = json_array()) == NULL)
        return svc_nomem(err);
    /* A unit of the queue's group commit, like the kiosk's take: numbers stay consecutive. */
    kt_code rc = svc_group_write(s, checkin_unit, &j, err);
    if (rc == KT_OK) {
        svc_emit(s, j.pending);
        *out = j.t;
        j.t = NULL;
        kt_error e; /* as at the kiosk's take: a ticket without its QR rather than none */
        (void)svc_cit_ticket_links(s, *out, &e);
    }
    json_decref(j.t);
    json_decref(j.pending);
    return rc;
}

/* ---- the day's bookings (staff) -------------------------------------------------------- */

kt_code svc_appt_list(svc *s, const svc_actor *who, const char *date, json_t **out,
                      kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    wf_role role;
    jkt_date d = svc_today(s);
    char day[JKT_DATE_STRLEN];
    *out = NULL;
    kt_code rc = svc_actor_role(who, &role, err);
    if (rc != KT_OK)
        return rc;
    if (date != NULL && date[0] != '\0' && (rc = jkt_date_parse(date, "date", &d, err)) != KT_OK)
        return rc;
    jkt_date_format(d, day);
    json_t *counts = json_pack("{s:i, s:i, s:i, s:i}", "booked", 0, "checked_in", 0,
                               "cancelled", 0, "no_show", 0);
    json_t *list = json_array(), *seen = json_array(); /* seen: {"nik"} of each, for the log */
    char *subjects = NULL;
    json_t *o = json_pack("{s:s, s:o, s:o}", "day", day, "counts", counts, "appointments", list);
    if (o == NULL || seen == NULL) {
        json_decref(o);
        json_decref(seen);
        return svc_nomem(err);
    }
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    /* No-shows are counted once the slot is over, whether the job swept them yet or not. */
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = sweep_no_shows(s, db, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, APPT_COLS " WHERE day = ? ORDER BY start_at, id", &st, err)) !=
        KT_OK)
        goto out;
    store_bind_text(st, 1, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *a = appt_json(s, st);
        if (a == NULL)
            continue;
        json_object_del(a, "manage_url"); /* staff lists carry no link to change a booking */
        json_object_del(a, "code");
        json_object_del(a, "code_shown");
        const char *state = store_col_text(st, 6);
        json_t *c = json_object_get(counts, state);
        if (c != NULL)
            json_integer_set(c, json_integer_value(c) + 1);
        if (store_col_int(st, 7) > 0)
            json_object_set_new(a, "ticket_id", json_integer(store_col_int(st, 7)));
        json_array_append_new(list, a);
        json_array_append_new(seen, json_pack("{s:s}", "nik", store_col_text(st, 10)));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(s, db);
    db = NULL;
    /* Who booked that day: a list of people, released once its read is recorded. */
    if ((subjects = svc_access_subjects(seen, "nik")) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_access_record(s, who, "list_appointments", "", 0, subjects, day, err)) !=
        KT_OK)
        goto out;
    *out = o;
    o = NULL;
out:
    svc_conn_put(s, db);
    json_decref(o);
    json_decref(seen);
    free(subjects);
    return rc;
}

/* ---- housekeeping (the SMS job) ---------------------------------------------------------- */

kt_code svc_appt_housekeeping(svc *s, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    int row = 0;
    int64_t now = svc_now(s);
    jkt_datetime nowj = jkt_from_utc_ms(now);
    char today[JKT_DATE_STRLEN], tomorrow[JKT_DATE_STRLEN];
    jkt_date_format(nowj.date, today);
    jkt_date_format(jkt_add_days(nowj.date, 1), tomorrow);
    kt_code rc = svc_write_open(s, &db, &pending, err);
    if (rc != KT_OK)
        goto out;
    if ((rc = sweep_no_shows(s, db, err)) != KT_OK)
        goto out;
    /* A ticket's number is of no use after its day. */
    if ((rc = store_prepare(db,
                            "DELETE FROM ticket_phones WHERE ticket_id IN (SELECT id FROM tickets"
                            " WHERE day < ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, today, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if (nowj.hour * 60 + nowj.minute >= REMINDER_FROM_MIN) {
        /* Tomorrow's bookings made before today get a reminder (once: the outbox's key). */
        typedef struct rem {
            int64_t id, start_at;
            char code[APPT_CODE_LEN], service[32], phone[PHONE_LEN];
        } rem;
        rem r[64];
        size_t n = 0;
        if ((rc = store_prepare(db,
                                "SELECT a.id, a.start_at, a.code, a.service, a.phone FROM"
                                " appointments a WHERE a.state = 'booked' AND a.day = ? AND"
                                " a.phone <> '' AND a.created_at < ? AND NOT EXISTS (SELECT 1"
                                " FROM sms_outbox o WHERE o.kind = 'booking_reminder' AND o.ref ="
                                " 'appt:' || CAST(a.id AS TEXT)) ORDER BY a.id LIMIT 64",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, tomorrow, -1);
        store_bind_int(st, 2, jkt_day_start_ms(nowj.date));
        while (n < 64 && (rc = store_step(st, &row, err)) == KT_OK && row) {
            r[n].id = store_col_int(st, 0);
            r[n].start_at = store_col_int(st, 1);
            snprintf(r[n].code, sizeof r[n].code, "%s", store_col_text(st, 2));
            snprintf(r[n].service, sizeof r[n].service, "%s", store_col_text(st, 3));
            snprintf(r[n].phone, sizeof r[n].phone, "%s", store_col_text(st, 4));
            n++;
        }
        store_reset(st);
        if (rc != KT_OK)
            goto out;
        for (size_t i = 0; i < n; i++) {
            char body[SMS_CAP], ref[40], shown[APPT_CODE_SHOWN];
            jkt_datetime sa = jkt_from_utc_ms(r[i].start_at);
            appt_code_show(r[i].code, shown);
            if ((rc = sms_text_reminder(body, SVC_OFFICE_SHORT, service_label(r[i].service),
                                        sa.date, sa.hour * 60 + sa.minute, shown, err)) != KT_OK)
                goto out;
            snprintf(ref, sizeof ref, "appt:%lld", (long long)r[i].id);
            if ((rc = svc_sms_enqueue(s, db, "booking_reminder", ref, r[i].phone, body,
                                      r[i].start_at, err)) != KT_OK)
                goto out;
        }
    }
    rc = svc_commit(s, db, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}
