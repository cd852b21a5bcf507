/*
 * resident_search.c - SIAK lookup without a NIK (svc_resident_search): a citizen who forgot
 * their NIK is found by name and birth date, as the intake officer would in SIAK (issue 10;
 * also how a newcomer finds a demo resident to try).
 *
 * It is a read of personal data, so it is recorded like the NIK lookup: one row of the access
 * log (action resident_search, svc_access_record) saying who searched, on which birth date,
 * and which NIKs were shown, committed before the answer is released (`audit reads --nik`
 * finds it). The NIKs are shown whole: finding the person's NIK is the search's purpose. The
 * criteria must narrow the answer: a whole birth date and at least three letters of the name,
 * at most 20 people.
 *
 * Never: search by partial birth date or by name alone (that would list a city).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_internal.h"

#define SEARCH_MAX 20

/* Characters (not bytes) of a UTF-8 string. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

kt_code svc_resident_search(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                            kt_error *err)
{
    kt_code rc;
    wf_role role;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *list = NULL;
    char *subjects = NULL;
    int row = 0;
    char like[260], date[JKT_DATE_STRLEN], detail[64];
    *out = NULL;
    if ((rc = svc_actor_role(who, &role, err)) != KT_OK)
        return rc;
    if (role != WF_ROLE_INTAKE && role != WF_ROLE_SUPERVISOR && role != WF_ROLE_ADMIN &&
        role != WF_ROLE_SYSTEM)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak boleh mencari penduduk", who->role);
    const char *name = svc_jstr(in, "name"), *bd = svc_jstr(in, "birth_date");
    size_t nc = name != NULL ? utf8_chars(name) : 0;
    if (nc < 3 || nc > 100)
        return kt_fail(err, KT_EINVAL, "name_invalid", "name",
                       "Isi paling sedikit 3 huruf nama (paling banyak 100), bukan %zu", nc);
    jkt_date d;
    if (bd == NULL || jkt_date_parse(bd, "birth_date", &d, NULL) != KT_OK)
        return kt_fail(err, KT_EINVAL, "birth_date_invalid", "birth_date",
                       "Tanggal lahir harus tanggal yang ada (TTTT-BB-HH), bukan '%.20s'",
                       bd != NULL ? bd : "");
    jkt_date_format(d, date);
    /* The name as a LIKE pattern: its own % _ and \ are plain letters. */
    size_t k = 0;
    like[k++] = '%';
    for (const char *p = name; *p != '\0' && k + 3 < sizeof like; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            like[k++] = '\\';
        like[k++] = *p;
    }
    like[k++] = '%';
    like[k] = '\0';
    if ((list = json_array()) == NULL)
        return svc_nomem(err);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    /* Indexed by birth date (migration 008): the name is compared among the few people
       born that day. */
    if ((rc = store_prepare(db,
                            "SELECT nik, name, birth_place, birth_date, sex, address, rt, rw,"
                            " kelurahan_code FROM residents WHERE birth_date = ? AND"
                            " upper(name) LIKE upper(?) ESCAPE '\\' ORDER BY name, nik LIMIT ?",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, date, -1);
    store_bind_text(st, 2, like, -1);
    store_bind_int(st, 3, SEARCH_MAX);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "nik",
                            store_col_text(st, 0), "name", store_col_text(st, 1), "birth_place",
                            store_col_text(st, 2), "birth_date", store_col_text(st, 3), "sex",
                            store_col_text(st, 4), "address", store_col_text(st, 5), "rt",
                            store_col_text(st, 6), "rw", store_col_text(st, 7), "kelurahan_code",
                            store_col_text(st, 8)));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    svc_conn_put(s, db);
    db = NULL;
    /* Who saw whose data (UU 27/2022): the NIKs shown and the birth date asked, not the name
       typed. */
    if ((subjects = svc_access_subjects(list, "nik")) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    snprintf(detail, sizeof detail, "tanggal lahir %s", date);
    if ((rc = svc_access_record(s, who, "resident_search", "", 0, subjects, detail, err)) !=
        KT_OK)
        goto out;
    *out = json_pack("{s:I, s:O}", "count", (json_int_t)json_array_size(list), "residents",
                     list);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    json_decref(list);
    free(subjects);
    return rc;
}
