/*
 * ikm.c - the citizen satisfaction survey (SKM) and its index (IKM) as PermenPANRB 14/2017
 * sets them (the arithmetic is core/ikm.h): one survey per served application, answered from
 * the QR on the pickup receipt or on the tablet at the handover loket; reports per month,
 * quarter, semester and year (JSON, PDF, CSV) for the supervisor; the latest result for the
 * public page.
 *
 * A served application is one with a pickup receipt (it went through intake and recording).
 * Its survey token is a link token of kind 'S' (cit_internal.h): on the receipt's second QR
 * and, when the handover officer offers it, handed once to the loket's tablet. The token is
 * used once (survey_used, in the answer's own transaction); the answers are stored with no
 * application, no person and only the month (migration 013), so no report and no reader of
 * the database can tell who answered what.
 *
 * The population of a period (for the regulation's sample table) is the number of
 * applications that received a pickup receipt in it: the people served who could answer.
 *
 * Never: a suggestion or a profile on the public page; a published figure in floating point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ikm.h"
#include "doc/pdf.h"
#include "service/cit_internal.h"
#include "service/rec_internal.h"

#define OFFER_VALID_MS (10 * 60 * INT64_C(1000))
#define SUGGESTIONS_MAX 500 /* suggestions listed in one report */

static const char survey_not_found[] =
    "Kode survei ini tidak dikenal; pindai lagi kode QR pada tanda terima";

/* The application of a survey token, served (it has a receipt) and not yet answered. */
static kt_code survey_app(svc *s, store *db, const char *token, int64_t *app_id, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = svc_cit_link_read(s, 'S', token, app_id, "survey_not_found", "token",
                                   survey_not_found, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT 1 FROM receipts WHERE application_id = ?", &st, err)) !=
        KT_OK)
        return rc;
    store_bind_int(st, 1, *app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    store_reset(st);
    if (!row)
        return kt_fail(err, KT_ENOTFOUND, "survey_not_found", "token", "%s", survey_not_found);
    if ((rc = store_prepare(db, "SELECT 1 FROM survey_used WHERE application_id = ?", &st,
                            err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, *app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    store_reset(st);
    if (row)
        return kt_fail(err, KT_ECONFLICT, "survey_used", "token",
                       "Survei untuk layanan ini sudah diisi. Terima kasih atas penilaian Anda");
    return KT_OK;
}

/* The elements and the profile codes, for the page to draw the questionnaire. */
static json_t *questionnaire(void)
{
    json_t *el = json_array();
    for (int i = 0; el != NULL && i < IKM_ELEMENTS; i++)
        json_array_append_new(el, json_pack("{s:s, s:s}", "id", ikm_element_id(i), "label",
                                            ikm_element_label(i)));
    return el;
}

kt_code svc_survey_get(svc *s, const char *token, json_t **out, kt_error *err)
{
    store *db = NULL;
    int64_t app_id = 0;
    *out = NULL;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = survey_app(s, db, token, &app_id, err)) == KT_OK &&
        (*out = json_pack("{s:b, s:o}", "open", 1, "elements", questionnaire())) == NULL)
        rc = svc_nomem(err);
    svc_conn_put(s, db);
    return rc;
}

/* The answers of a submission, validated: answers[9], profile. */
typedef struct survey_in {
    int answers[IKM_ELEMENTS];
    int age;
    const char *sex, *education, *occupation, *suggestion;
} survey_in;

static kt_code survey_parse(const json_t *in, survey_in *o, kt_error *err)
{
    const json_t *a = json_object_get(in, "answers");
    if (!json_is_object(a))
        return kt_fail(err, KT_EINVAL, "field_missing", "answers",
                       "Jawab kesembilan pertanyaan survei (nilai 1 sampai 4)");
    for (int i = 0; i < IKM_ELEMENTS; i++) {
        json_t *v = json_object_get(a, ikm_element_id(i));
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 4)
            return kt_fail(err, KT_EINVAL, "answer_invalid", ikm_element_id(i),
                           "Pertanyaan tentang %s belum dijawab (pilih nilai 1 sampai 4)",
                           ikm_element_label(i));
        o->answers[i] = (int)json_integer_value(v);
    }
    json_t *age = json_object_get(in, "age");
    if (!json_is_integer(age) || json_integer_value(age) < 15 || json_integer_value(age) > 110)
        return kt_fail(err, KT_EINVAL, "age_invalid", "age", "Isi umur Anda (15 sampai 110 tahun)");
    o->age = (int)json_integer_value(age);
    o->sex = svc_jstr(in, "sex");
    if (o->sex == NULL || (strcmp(o->sex, "L") != 0 && strcmp(o->sex, "P") != 0))
        return kt_fail(err, KT_EINVAL, "sex_invalid", "sex", "Pilih jenis kelamin: L atau P");
    o->education = svc_jstr(in, "education");
    if (!ikm_education_valid(o->education))
        return kt_fail(err, KT_EINVAL, "education_invalid", "education",
                       "Pilih pendidikan terakhir Anda");
    o->occupation = svc_jstr(in, "occupation");
    if (!ikm_occupation_valid(o->occupation))
        return kt_fail(err, KT_EINVAL, "occupation_invalid", "occupation",
                       "Pilih pekerjaan utama Anda");
    o->suggestion = svc_jstr(in, "suggestion");
    if (o->suggestion == NULL)
        o->suggestion = "";
    if (strlen(o->suggestion) > IKM_SUGGESTION_MAX)
        return kt_fail(err, KT_EINVAL, "suggestion_too_long", "suggestion",
                       "Saran paling panjang %d karakter", IKM_SUGGESTION_MAX);
    for (const unsigned char *p = (const unsigned char *)o->suggestion; *p != '\0'; p++)
        if (*p < 0x20 && *p != '\n' && *p != '\t')
            return kt_fail(err, KT_EINVAL, "suggestion_invalid", "suggestion",
                           "Saran berisi karakter kendali yang tidak diizinkan");
    return KT_OK;
}

kt_code svc_survey_submit(svc *s, const json_t *in, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    survey_in a;
    int64_t app_id = 0;
    *out = NULL;
    memset(&a, 0, sizeof a);
    kt_code rc = survey_parse(in, &a, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = survey_app(s, db, svc_jstr(in, "token"), &app_id, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db, "INSERT INTO survey_used (application_id) VALUES (?)", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    char id[33], month[8];
    jkt_date today = svc_today(s);
    snprintf(month, sizeof month, "%04d-%02d", today.year, today.month);
    svc_cit_random_hex(id, 16);
    if ((rc = store_prepare(db,
                            "INSERT INTO survey_responses (id, month, persyaratan, prosedur,"
                            " waktu, biaya, produk, kompetensi, perilaku, pengaduan, sarana, age,"
                            " sex, education, occupation, suggestion) VALUES (?, ?, ?, ?, ?, ?, ?,"
                            " ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, id, -1);
    store_bind_text(st, 2, month, -1);
    for (int i = 0; i < IKM_ELEMENTS; i++)
        store_bind_int(st, 3 + i, a.answers[i]);
    store_bind_int(st, 12, a.age);
    store_bind_text(st, 13, a.sex, -1);
    store_bind_text(st, 14, a.education, -1);
    store_bind_text(st, 15, a.occupation, -1);
    store_bind_text(st, 16, a.suggestion, -1);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    /* Offers of this application on a tablet are used up with it. */
    if ((rc = store_prepare(db, "DELETE FROM survey_offers WHERE application_id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, app_id);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    /* The event says that a survey was answered, not whose. */
    svc_actor pub = svc_cit_public_actor("publik");
    if ((rc = svc_event_add(s, db, pending, "survey_answered", &pub, 0, 0, "", "",
                            "survey_answered", "", "", NULL, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:b, s:s}", "thanks", 1, "month", month)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

kt_code svc_survey_link(svc *s, int64_t app_id, char url[320], kt_error *err)
{
    char tok[SVC_LINK_LEN];
    kt_code rc = svc_cit_link_make(s, 'S', app_id, tok, err);
    if (rc == KT_OK)
        snprintf(url, 320, "%s/survei.html#%s", svc_cit_public_url(s), tok);
    return rc;
}

kt_code svc_survey_offer(svc *s, const svc_actor *who, int64_t app_id, json_t **out,
                         kt_error *err)
{
    static const char *const roles[] = {"handover", NULL};
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *pending = NULL;
    int64_t id = app_id;
    char tok[SVC_LINK_LEN];
    *out = NULL;
    kt_code rc = svc_rec_require_roles(who, roles, "menawarkan survei", err);
    if (rc != KT_OK)
        return rc;
    if (who->loket < 1)
        return kt_fail(err, KT_EINVAL, "loket_invalid", "loket",
                       "Pilih loket saat masuk: survei tampil di tablet loket Anda");
    if ((rc = svc_cit_link_make(s, 'S', app_id, tok, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = survey_app(s, db, tok, &id, err)) != KT_OK) {
        if (rc == KT_ENOTFOUND)
            rc = kt_fail(err, KT_ECONFLICT, "survey_not_available", "id",
                         "Survei hanya untuk permohonan yang sudah mendapat tanda terima");
        goto out;
    }
    if ((rc = store_prepare(db,
                            "INSERT INTO survey_offers (loket, application_id, offered_at) VALUES"
                            " (?, ?, ?) ON CONFLICT (loket) DO UPDATE SET application_id ="
                            " excluded.application_id, offered_at = excluded.offered_at",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, who->loket);
    store_bind_int(st, 2, app_id);
    store_bind_int(st, 3, svc_now(s));
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    json_t *extra = json_pack("{s:i}", "loket", who->loket);
    if (extra == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_event_add(s, db, pending, "survey_offered", who, app_id, 0, "", "",
                       "survey_offered", "", "", extra, err);
    json_decref(extra);
    if (rc != KT_OK)
        goto out;
    if ((*out = json_pack("{s:i, s:I}", "loket", who->loket, "application_id",
                          (json_int_t)app_id)) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    return rc;
}

kt_code svc_survey_tablet(svc *s, int loket, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    char tok[SVC_LINK_LEN];
    *out = NULL;
    if (loket < 1 || loket > 99)
        return kt_fail(err, KT_EINVAL, "loket_invalid", "loket", "Nomor loket tablet 1 sampai 99");
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT application_id FROM survey_offers WHERE loket = ? AND"
                            " offered_at > ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, loket);
    store_bind_int(st, 2, svc_now(s) - OFFER_VALID_MS);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int64_t app_id = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    /* Taken once: the offer is gone whether or not it was still valid. */
    if ((rc = store_prepare(db, "DELETE FROM survey_offers WHERE loket = ?", &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, loket);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    if (app_id == 0) {
        rc = kt_fail(err, KT_ENOTFOUND, "no_survey_offer", "loket",
                     "Belum ada survei yang ditawarkan di loket %d", loket);
        goto out;
    }
    if ((rc = svc_cit_link_make(s, 'S', app_id, tok, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:s, s:i, s:o}", "token", tok, "loket", loket, "elements",
                          questionnaire())) == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    return rc;
}

/* ---- reports ---------------------------------------------------------------------------- */

static void fixed(int64_t v, int decimals, char *out, size_t cap)
{
    int64_t scale = decimals == 3 ? 1000 : 100;
    snprintf(out, cap, "%lld.%0*lld", (long long)(v / scale), decimals, (long long)(v % scale));
}

static json_t *count_obj(void) { return json_object(); }

static void count_add(json_t *o, const char *key)
{
    json_t *c = json_object_get(o, key);
    if (c != NULL)
        json_integer_set(c, json_integer_value(c) + 1);
    else
        json_object_set_new(o, key, json_integer(1));
}

static const char *age_group(int age)
{
    return age <= 20 ? "17-20" : age <= 30 ? "21-30" : age <= 40 ? "31-40" : age <= 50 ? "41-50"
           : age <= 60 ? "51-60" : "61+";
}

/* The report of a period. public: without profile and suggestions. */
static kt_code report(svc *s, const char *period, int public_view, json_t **out, kt_error *err)
{
    ikm_period p;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    ikm_tally t;
    json_t *o = NULL;
    char from[8], to[8];
    *out = NULL;
    kt_code rc = ikm_period_parse(period, "period", &p, err);
    if (rc != KT_OK)
        return rc;
    snprintf(from, sizeof from, "%04d-%02d", p.first.year, p.first.month);
    snprintf(to, sizeof to, "%04d-%02d", p.last.year, p.last.month);
    memset(&t, 0, sizeof t);
    json_t *sex = count_obj(), *edu = count_obj(), *occ = count_obj(), *age = count_obj(),
           *sugg = json_array();
    o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "period", p.id, "kind", p.kind, "label", p.label,
                  "from", "", "to", "");
    if (o == NULL || sex == NULL || edu == NULL || occ == NULL || age == NULL || sugg == NULL) {
        json_decref(sex);
        json_decref(edu);
        json_decref(occ);
        json_decref(age);
        json_decref(sugg);
        rc = svc_nomem(err);
        goto out;
    }
    char d1[JKT_DATE_STRLEN], d2[JKT_DATE_STRLEN];
    jkt_date_format(p.first, d1);
    jkt_date_format(p.last, d2);
    json_object_set_new(o, "from", json_string(d1));
    json_object_set_new(o, "to", json_string(d2));
    json_object_set_new(o, "profile", json_pack("{s:o, s:o, s:o, s:o}", "sex", sex, "education",
                                                edu, "occupation", occ, "age", age));
    json_object_set_new(o, "suggestions", sugg);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT persyaratan, prosedur, waktu, biaya, produk, kompetensi,"
                            " perilaku, pengaduan, sarana, age, sex, education, occupation,"
                            " suggestion, month FROM survey_responses WHERE month >= ? AND month"
                            " <= ? ORDER BY month, id",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, from, -1);
    store_bind_text(st, 2, to, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        int a[IKM_ELEMENTS];
        for (int i = 0; i < IKM_ELEMENTS; i++)
            a[i] = (int)store_col_int(st, i);
        kt_error e;
        if (ikm_tally_add(&t, a, &e) != KT_OK)
            continue; /* the table's CHECK keeps 1..4; never here */
        count_add(sex, store_col_text(st, 10));
        count_add(edu, store_col_text(st, 11));
        count_add(occ, store_col_text(st, 12));
        count_add(age, age_group((int)store_col_int(st, 9)));
        const char *sg = store_col_text(st, 13);
        if (sg[0] != '\0' && json_array_size(sugg) < SUGGESTIONS_MAX)
            json_array_append_new(sugg, json_pack("{s:s, s:s}", "month", store_col_text(st, 14),
                                                  "text", sg));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* The population: applications that received a pickup receipt in the period. */
    if ((rc = store_prepare(db,
                            "SELECT count(*) FROM receipts WHERE issued_at >= ? AND issued_at < ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, jkt_day_start_ms(p.first));
    store_bind_int(st, 2, jkt_day_end_ms(p.last));
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    int64_t population = store_col_int(st, 0);
    store_reset(st);
    int64_t sample = ikm_sample_size(population);
    json_object_set_new(o, "respondents", json_integer(t.n));
    json_object_set_new(o, "population", json_integer(population));
    json_object_set_new(o, "sample_required", json_integer(sample));
    json_object_set_new(o, "sample_met", json_boolean(t.n >= sample && t.n > 0));
    json_object_set_new(o, "generated_at", json_integer(svc_now(s)));
    json_t *els = json_array();
    json_object_set_new(o, "elements", els);
    ikm_result r;
    kt_error e;
    if (t.n > 0 && ikm_compute(&t, &r, &e) == KT_OK) {
        char v[24], g[2] = {r.grade, '\0'};
        fixed(r.ikm_x100, 2, v, sizeof v);
        json_object_set_new(o, "ikm", json_string(v));
        json_object_set_new(o, "ikm_x100", json_integer(r.ikm_x100));
        json_object_set_new(o, "grade", json_string(g));
        json_object_set_new(o, "grade_label", json_string(ikm_grade_label(r.grade)));
        json_object_set_new(o, "total", json_integer(r.total));
        for (int i = 0; i < IKM_ELEMENTS; i++) {
            char nrr[24], val[24], eg[2] = {r.element_grade[i], '\0'};
            fixed(r.nrr_x1000[i], 3, nrr, sizeof nrr);
            fixed(r.value_x100[i], 2, val, sizeof val);
            json_array_append_new(els, json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "id",
                                                 ikm_element_id(i), "label",
                                                 ikm_element_label(i), "sum",
                                                 (json_int_t)t.sum[i], "nrr", nrr, "value", val,
                                                 "grade", eg));
        }
        json_t *weak = json_array();
        for (int i = 0; i < 3; i++)
            json_array_append_new(weak, json_string(ikm_element_id(r.weakest[i])));
        json_object_set_new(o, "weakest", weak);
    } else {
        json_object_set_new(o, "ikm", json_null());
        json_object_set_new(o, "grade", json_null());
        json_object_set_new(o, "weakest", json_array());
    }
    if (public_view) {
        json_object_del(o, "profile");
        json_object_del(o, "suggestions");
    }
    *out = o;
    o = NULL;
out:
    svc_conn_put(s, db);
    json_decref(o);
    return rc;
}

static kt_code require_report(const svc_actor *who, kt_error *err)
{
    static const char *const roles[] = {"supervisor", NULL};
    return svc_rec_require_roles(who, roles, "melihat laporan survei kepuasan", err);
}

kt_code svc_ikm_report(svc *s, const svc_actor *who, const char *period, json_t **out,
                       kt_error *err)
{
    *out = NULL;
    kt_code rc = require_report(who, err);
    return rc != KT_OK ? rc : report(s, period, 0, out, err);
}

kt_code svc_ikm_report_pdf(svc *s, const svc_actor *who, const char *period, unsigned char **pdf,
                           size_t *len, kt_error *err)
{
    json_t *r = NULL;
    *pdf = NULL;
    *len = 0;
    kt_code rc = svc_ikm_report(s, who, period, &r, err);
    if (rc == KT_OK)
        rc = pdf_ikm(r, pdf, len, err);
    json_decref(r);
    return rc;
}

kt_code svc_ikm_report_csv(svc *s, const svc_actor *who, const char *period, char **csv,
                           size_t *len, kt_error *err)
{
    json_t *r = NULL;
    rec_buf b = {0};
    *csv = NULL;
    *len = 0;
    kt_code rc = svc_ikm_report(s, who, period, &r, err);
    if (rc != KT_OK)
        return rc;
    int bad = rec_buf_add(&b, "bagian,kode,uraian,nrr,nilai,mutu\n") != 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "elements"), i, v) {
        bad |= rec_buf_csv(&b, "unsur", ',') | rec_buf_csv(&b, svc_jstr(v, "id"), ',') |
               rec_buf_csv(&b, svc_jstr(v, "label"), ',') | rec_buf_csv(&b, svc_jstr(v, "nrr"), ',') |
               rec_buf_csv(&b, svc_jstr(v, "value"), ',') | rec_buf_csv(&b, svc_jstr(v, "grade"), '\n');
    }
    const char *ikm = svc_jstr(r, "ikm"), *grade = svc_jstr(r, "grade");
    bad |= rec_buf_add(&b, "ikm,ikm,IKM unit layanan (%s),,%s,%s\n", svc_jstr(r, "label"),
                       ikm != NULL ? ikm : "", grade != NULL ? grade : "");
    bad |= rec_buf_add(&b, "sampel,responden,Jumlah responden,,%lld,\n",
                       (long long)json_integer_value(json_object_get(r, "respondents")));
    bad |= rec_buf_add(&b, "sampel,populasi,Penerima layanan (tanda terima),,%lld,\n",
                       (long long)json_integer_value(json_object_get(r, "population")));
    bad |= rec_buf_add(&b, "sampel,minimal,Sampel minimal (Krejcie-Morgan),,%lld,\n",
                       (long long)json_integer_value(json_object_get(r, "sample_required")));
    json_array_foreach(json_object_get(r, "suggestions"), i, v) {
        bad |= rec_buf_csv(&b, "saran", ',') | rec_buf_csv(&b, svc_jstr(v, "month"), ',') |
               /* a suggestion is the public's text: rec_buf_csv keeps a formula from running */
               rec_buf_csv(&b, svc_jstr(v, "text"), ',') | rec_buf_add(&b, ",,\n");
    }
    json_decref(r);
    if (bad) {
        free(b.p);
        return svc_nomem(err);
    }
    *csv = b.p;
    *len = b.n;
    return KT_OK;
}

kt_code svc_ikm_public(svc *s, json_t **out, kt_error *err)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    char month[8] = "";
    *out = NULL;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = store_prepare(db, "SELECT max(month) FROM survey_responses", &st, err)) == KT_OK &&
        (rc = store_step(st, &row, err)) == KT_OK) {
        if (row && !store_col_null(st, 0))
            snprintf(month, sizeof month, "%s", store_col_text(st, 0));
        store_reset(st);
    }
    svc_conn_put(s, db);
    if (rc != KT_OK)
        return rc;
    if (month[0] == '\0') {
        *out = json_pack("{s:n, s:n}", "latest", "year");
        return *out != NULL ? KT_OK : svc_nomem(err);
    }
    json_t *latest = NULL, *year = NULL;
    char y[5];
    snprintf(y, sizeof y, "%.4s", month);
    if ((rc = report(s, month, 1, &latest, err)) != KT_OK ||
        (rc = report(s, y, 1, &year, err)) != KT_OK) {
        json_decref(latest);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "latest", latest, "year", year);
    return *out != NULL ? KT_OK : svc_nomem(err);
}
