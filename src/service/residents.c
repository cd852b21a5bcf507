/*
 * residents.c - SIAK biodata lookup and the NIK analysis (svc_resident_get, svc_nik_analyze).
 * The rules are core's (nik_analyze, elig_check); this file only reads the store and shapes
 * the JSON of docs/api.md.
 *
 * Never: change a resident (data changes are an application's, in apps.c).
 */
#include <stdio.h>
#include <string.h>

#include "core/eligibility.h"
#include "core/nik.h"
#include "service/svc_internal.h"

static json_t *items_json(const nik_items *it)
{
    json_t *a = json_array();
    for (int i = 0; a != NULL && i < it->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "code", it->item[i].id, "message",
                                           it->item[i].message));
    return a;
}

static json_t *nik_json(const nik_info *info)
{
    char bd[JKT_DATE_STRLEN] = "";
    if (info->birth_date_known)
        jkt_date_format(info->birth_date, bd);
    char sex[2] = {info->sex, '\0'};
    return json_pack("{s:s, s:b, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s}",
                     "nik", info->nik, "valid", info->valid, "errors", items_json(&info->errors),
                     "warnings", items_json(&info->warnings), "province_code",
                     info->province_code, "province_name", info->province_name, "regency_code",
                     info->regency_code, "regency_name", info->regency_name, "district_code",
                     info->district_code, "district_name", info->district_name, "birth_date",
                     info->birth_date_known ? bd : NULL, "sex", info->sex != 0 ? sex : NULL,
                     "serial", info->serial);
}

kt_code svc_nik_analyze(svc *s, const char *nik, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    nik_info info;
    *out = NULL;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    const wil_table *regions = svc_regions(s, db);
    svc_conn_put(s, db);
    kt_code v = nik_analyze(nik, regions, svc_today(s), &info);
    *out = nik_json(&info);
    if (*out == NULL)
        return svc_nomem(err);
    if (v != KT_OK) {
        const kt_error *first = info.errors.n > 0 ? &info.errors.item[0] : NULL;
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "NIK tidak sah: %s",
                       first != NULL ? first->message : "format salah");
    }
    return KT_OK;
}

/* Columns of svc_resident_load's SELECT, in order (also the JSON field names). */
static const char *const res_cols =
    "SELECT nik, kk_number, name, birth_place, birth_date, sex, blood_type, agama,"
    " marital_status, pekerjaan, pendidikan, nationality, itap_until, address, rt, rw,"
    " kelurahan_code, kecamatan_code, hubungan, ktp_status, card_valid FROM residents"
    " WHERE nik = ?";

kt_code svc_resident_load(store *db, const char *nik, json_t **out, kt_error *err)
{
    store_stmt *st = NULL;
    *out = NULL;
    kt_code rc = svc_row_by_key(db, res_cols, nik, &st, err, "not_found_in_siak", "nik",
                                "NIK %s tidak ditemukan dalam data SIAK", nik);
    if (rc != KT_OK)
        return rc;
    json_t *o = json_object();
    for (int c = 0; o != NULL && c < store_col_count(st); c++) {
        const char *name = store_col_name(st, c);
        json_t *v;
        if (store_col_null(st, c))
            v = json_null();
        else if (c == 6 || c == 7 || c == 8 || c == 9 || c == 10 || c == 18 || c == 20)
            v = json_integer(store_col_int(st, c));
        else
            v = json_string(store_col_text(st, c));
        json_object_set_new(o, name, v);
    }
    store_reset(st);
    if (o == NULL)
        return svc_nomem(err);
    *out = o;
    return KT_OK;
}

kt_code svc_resident_person(const json_t *r, elig_person *p, kt_error *err)
{
    memset(p, 0, sizeof *p);
    kt_code rc = jkt_date_parse(svc_jstr(r, "birth_date"), "birth_date", &p->birth_date, err);
    if (rc != KT_OK)
        return rc;
    p->marital_status = (int)json_integer_value(json_object_get(r, "marital_status"));
    const char *nat = svc_jstr(r, "nationality");
    if (nat == NULL || !elig_nationality_from_str(nat, &p->nationality))
        p->nationality = ELIG_WNI;
    const char *itap = svc_jstr(r, "itap_until");
    if (itap != NULL && itap[0] != '\0' &&
        jkt_date_parse(itap, "itap_until", &p->itap_until, NULL) == KT_OK)
        p->has_itap = true;
    p->card_valid = json_integer_value(json_object_get(r, "card_valid")) != 0;
    const char *ks = svc_jstr(r, "ktp_status");
    p->card_issued = ks != NULL && strcmp(ks, "CARD_ISSUED") == 0;
    return KT_OK;
}

kt_code svc_resident_get(svc *s, const svc_actor *who, const char *nik, json_t **out,
                         kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    json_t *r = NULL;
    wf_role role;
    nik_info info;
    *out = NULL;
    if ((rc = svc_actor_role(who, &role, err)) != KT_OK)
        return rc;
    jkt_date today = svc_today(s);
    if (nik == NULL || nik_analyze(nik, NULL, today, &info) != KT_OK) {
        const char *why = nik != NULL && info.errors.n > 0 ? info.errors.item[0].message
                                                           : "NIK kosong";
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "NIK tidak sah: %s", why);
    }
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = svc_resident_load(db, nik, &r, err)) != KT_OK)
        goto out;
    elig_person p;
    elig_verdict v;
    kt_error e;
    if ((rc = svc_resident_person(r, &p, err)) != KT_OK)
        goto out;
    nik_check_biodata(&info, p.birth_date, svc_jstr(r, "sex")[0], &info.warnings);
    kt_code ec = elig_check(&p, WF_KIND_BARU, today, &v, &e);
    json_object_set_new(r, "age", json_integer(jkt_age_on(p.birth_date, today)));
    json_object_set_new(r, "eligible", json_boolean(ec == KT_OK));
    json_object_set_new(r, "eligibility_reason",
                        json_string(ec == KT_EREFUSED ? wf_reason_str(v.reason) : ""));
    json_object_set_new(r, "eligibility_message",
                        json_string(ec == KT_OK || ec == KT_EREFUSED ? v.message : e.message));
    json_object_set_new(r, "warnings", items_json(&info.warnings));
    svc_conn_put(s, db);
    db = NULL;
    /* UU 27/2022: the controller knows who processed whose data. Released once recorded. */
    if ((rc = svc_access_record(s, who, "read_resident", nik, 0, "", "", err)) != KT_OK)
        goto out;
    *out = r;
    r = NULL;
out:
    svc_conn_put(s, db);
    json_decref(r);
    return rc;
}
