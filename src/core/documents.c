/*
 * documents.c - the step-2 checklist table (see documents.h for the table and its reasons).
 * Never: I/O, allocation.
 */
#include "core/documents.h"

#include <stdio.h>
#include <string.h>

static const char *const id_str[DOCS_COUNT] = {
    "pengantar_rt_rw", "f107", "kk_copy", "ktp_asli", "surat_kehilangan", "ijazah_akta",
    "akta_status", "surat_pindah"};
static const char *const id_title[DOCS_COUNT] = {
    "Surat Pengantar RT/RW",
    "Formulir Permohonan KTP F-1.07 dari kelurahan",
    "Fotokopi Kartu Keluarga",
    "KTP-el asli",
    "Surat Keterangan Kehilangan dari Kepolisian",
    "Fotokopi Ijazah / Akta Kelahiran",
    "Surat Nikah / Akta Perceraian / Surat Kematian",
    "Surat Pindah"};
static const char *const field_str[DOCS_FIELD_COUNT] = {
    "name", "birth_place", "birth_date", "sex", "blood_type", "agama", "marital_status",
    "pekerjaan", "pendidikan", "address", "rt", "rw", "kelurahan_code"};

const char *docs_id_str(docs_id d)
{
    return (int)d >= 0 && d < DOCS_COUNT ? id_str[d] : NULL;
}
const char *docs_title(docs_id d)
{
    return (int)d >= 0 && d < DOCS_COUNT ? id_title[d] : NULL;
}
bool docs_id_from_str(const char *s, docs_id *out)
{
    for (int i = 0; s && i < DOCS_COUNT; i++) {
        if (strcmp(s, id_str[i]) == 0) {
            *out = (docs_id)i;
            return true;
        }
    }
    return false;
}
const char *docs_field_str(docs_field f)
{
    return (int)f >= 0 && f < DOCS_FIELD_COUNT ? field_str[f] : NULL;
}
bool docs_field_from_str(const char *s, docs_field *out)
{
    for (int i = 0; s && i < DOCS_FIELD_COUNT; i++) {
        if (strcmp(s, field_str[i]) == 0) {
            *out = (docs_field)i;
            return true;
        }
    }
    return false;
}

#define F(x) (1u << (unsigned)(x))

docs_set docs_required(wf_kind kind, docs_fields changes)
{
    docs_set s = DOCS_BIT(DOCS_PENGANTAR_RT_RW) | DOCS_BIT(DOCS_KK_COPY);
    switch (kind) {
    case WF_KIND_BARU:
        return s | DOCS_BIT(DOCS_F107) | DOCS_BIT(DOCS_IJAZAH_AKTA);
    case WF_KIND_PERUBAHAN:
        s |= DOCS_BIT(DOCS_KTP_ASLI);
        if (changes & F(DOCS_FIELD_MARITAL_STATUS))
            s |= DOCS_BIT(DOCS_AKTA_STATUS);
        if (changes & (F(DOCS_FIELD_NAME) | F(DOCS_FIELD_BIRTH_DATE) | F(DOCS_FIELD_BIRTH_PLACE) |
                       F(DOCS_FIELD_SEX) | F(DOCS_FIELD_PENDIDIKAN)))
            s |= DOCS_BIT(DOCS_IJAZAH_AKTA);
        if (changes & F(DOCS_FIELD_KELURAHAN_CODE))
            s |= DOCS_BIT(DOCS_SURAT_PINDAH);
        return s;
    case WF_KIND_HILANG:
        return s | DOCS_BIT(DOCS_SURAT_KEHILANGAN);
    case WF_KIND_RUSAK:
        return s | DOCS_BIT(DOCS_KTP_ASLI);
    case WF_KIND_PINDAH_DATANG:
        return s | DOCS_BIT(DOCS_SURAT_PINDAH);
    default:
        return 0;
    }
}

kt_code docs_evaluate(wf_kind kind, docs_fields changes, docs_set presented, docs_result *out,
                      kt_error *err)
{
    if (wf_kind_str(kind) == NULL)
        return kt_fail(err, KT_EINVAL, "kind_invalid", "kind", "Jenis permohonan tidak dikenal");
    docs_result r;
    memset(&r, 0, sizeof r);
    presented &= (1u << DOCS_COUNT) - 1;
    r.required = docs_required(kind, changes);
    r.presented = presented;
    r.missing = r.required & ~presented;
    r.extra = presented & ~r.required;
    char msg[256];
    size_t used = (size_t)snprintf(msg, sizeof msg, "Berkas belum lengkap: ");
    for (int i = 0; i < DOCS_COUNT; i++) {
        if (!(r.missing & DOCS_BIT(i)))
            continue;
        r.missing_list[r.n_missing++] = (docs_id)i;
        if (used < sizeof msg)
            used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s",
                                     r.n_missing > 1 ? "; " : "", id_title[i]);
    }
    r.complete = r.n_missing == 0;
    *out = r;
    if (r.complete)
        return KT_OK;
    return kt_fail(err, KT_EREFUSED, "documents_incomplete", "documents", "%s", msg);
}

kt_code docs_set_from_strs(const char *const *ids, size_t n, docs_set *out, kt_error *err)
{
    docs_set s = 0;
    for (size_t i = 0; i < n; i++) {
        docs_id d;
        if (ids == NULL || !docs_id_from_str(ids[i], &d)) {
            char field[48];
            snprintf(field, sizeof field, "documents[%zu]", i);
            return kt_fail(err, KT_EINVAL, "document_unknown", field,
                           "Jenis berkas '%.40s' tidak dikenal",
                           ids && ids[i] ? ids[i] : "");
        }
        s |= DOCS_BIT(d);
    }
    *out = s;
    return KT_OK;
}

kt_code docs_fields_from_strs(const char *const *names, size_t n, docs_fields *out,
                              kt_error *err)
{
    docs_fields s = 0;
    for (size_t i = 0; i < n; i++) {
        docs_field f;
        if (names == NULL || !docs_field_from_str(names[i], &f)) {
            char field[48];
            snprintf(field, sizeof field, "change_fields[%zu]", i);
            return kt_fail(err, KT_EINVAL, "change_field_unknown", field,
                           "Data '%.40s' tidak dapat diubah atau tidak dikenal",
                           names && names[i] ? names[i] : "");
        }
        s |= F(f);
    }
    *out = s;
    return KT_OK;
}
