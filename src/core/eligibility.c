/*
 * eligibility.c - UU 24/2013 art. 63: who may get an e-KTP. See eligibility.h for the rules
 * and their order. Never: I/O, allocation.
 */
#include "core/eligibility.h"

#include <stdio.h>
#include <string.h>

#include "core/refcodes.h"

const char *elig_nationality_str(elig_nationality n)
{
    switch (n) {
    case ELIG_WNI: return "WNI";
    case ELIG_WNA: return "WNA";
    default: return NULL;
    }
}

bool elig_nationality_from_str(const char *s, elig_nationality *out)
{
    if (s == NULL)
        return false;
    if (strcmp(s, "WNI") == 0)
        *out = ELIG_WNI;
    else if (strcmp(s, "WNA") == 0)
        *out = ELIG_WNA;
    else
        return false;
    return true;
}

static kt_code refuse(elig_verdict *v, wf_reason r, kt_error *err, const char *msg)
{
    v->eligible = false;
    v->reason = r;
    snprintf(v->message, sizeof v->message, "%s", msg);
    return kt_fail(err, KT_EREFUSED, wf_reason_str(r), "nik", "%s", msg);
}

kt_code elig_check(const elig_person *p, wf_kind kind, jkt_date service_day,
                   elig_verdict *out, kt_error *err)
{
    if (p == NULL || out == NULL)
        return kt_fail(err, KT_EINVAL, "elig_input_invalid", "", "Data pemohon kosong");
    if (wf_kind_str(kind) == NULL)
        return kt_fail(err, KT_EINVAL, "kind_invalid", "kind", "Jenis permohonan tidak dikenal");
    if (!jkt_date_valid(service_day))
        return kt_fail(err, KT_EINVAL, "date_invalid", "date", "Tanggal layanan tidak sah");
    if (!jkt_date_valid(p->birth_date))
        return kt_fail(err, KT_EINVAL, "date_invalid", "birth_date", "Tanggal lahir tidak sah");
    if (jkt_date_cmp(p->birth_date, service_day) > 0)
        return kt_fail(err, KT_EINVAL, "date_invalid", "birth_date",
                       "Tanggal lahir sesudah tanggal layanan");
    if (!ref_valid(REF_STATUS_PERKAWINAN, p->marital_status))
        return kt_fail(err, KT_EINVAL, "code_invalid", "marital_status",
                       "Status perkawinan %d tidak ada: harus 1-4", p->marital_status);
    if (elig_nationality_str(p->nationality) == NULL)
        return kt_fail(err, KT_EINVAL, "nationality_invalid", "nationality",
                       "Kewarganegaraan harus WNI atau WNA");
    if (p->nationality == ELIG_WNA && p->has_itap && !jkt_date_valid(p->itap_until))
        return kt_fail(err, KT_EINVAL, "date_invalid", "itap_until",
                       "Tanggal akhir Izin Tinggal Tetap tidak sah");

    elig_verdict v;
    memset(&v, 0, sizeof v);
    v.age = jkt_age_on(p->birth_date, service_day);
    v.reason = WF_REASON_NONE;
    kt_code rc = KT_OK;

    if (p->nationality == ELIG_WNA &&
        (!p->has_itap || jkt_date_cmp(p->itap_until, service_day) < 0)) {
        rc = refuse(&v, WF_REASON_NOT_WNI_NO_ITAP, err,
                    p->has_itap ? "WNA hanya dapat memiliki KTP-el dengan Izin Tinggal Tetap "
                                  "yang masih berlaku; ITAP pemohon sudah berakhir"
                                : "WNA hanya dapat memiliki KTP-el bila memiliki Izin Tinggal "
                                  "Tetap (ITAP)");
        goto out;
    }
    if (v.age < ELIG_MIN_AGE && p->marital_status == REF_BELUM_KAWIN) {
        char msg[200];
        jkt_date at17 = {p->birth_date.year + ELIG_MIN_AGE, p->birth_date.month,
                         p->birth_date.day};
        if (!jkt_date_valid(at17)) /* born 29 February: 17 on 1 March (jakarta.h) */
            at17 = (jkt_date){at17.year, 3, 1};
        char d[JKT_DATE_STRLEN];
        jkt_date_format(at17, d);
        snprintf(msg, sizeof msg,
                 "Pemohon berumur %d tahun dan belum pernah kawin; KTP-el dapat dibuat mulai "
                 "umur 17 tahun (pada %s)",
                 v.age, d);
        rc = refuse(&v, WF_REASON_UNDER_AGE, err, msg);
        goto out;
    }
    if (p->card_valid && (kind == WF_KIND_BARU || kind == WF_KIND_PINDAH_DATANG)) {
        rc = refuse(&v, WF_REASON_HAS_VALID_CARD, err,
                    "Pemohon masih memiliki KTP-el yang berlaku (satu orang satu KTP-el); "
                    "ajukan penggantian (hilang/rusak) atau perubahan data");
        goto out;
    }
    v.eligible = true;
    if (p->nationality == ELIG_WNI) {
        v.valid_for_life = true;
        snprintf(v.message, sizeof v.message, "Memenuhi syarat; KTP-el berlaku seumur hidup");
    } else {
        char d[JKT_DATE_STRLEN];
        v.valid_until = p->itap_until;
        jkt_date_format(p->itap_until, d);
        snprintf(v.message, sizeof v.message,
                 "Memenuhi syarat; KTP-el WNA berlaku sampai %s (akhir Izin Tinggal Tetap)", d);
    }
out:
    *out = v;
    return rc;
}

kt_code elig_kind_fits(const elig_person *p, wf_kind kind, kt_error *err)
{
    if (p == NULL)
        return kt_fail(err, KT_EINVAL, "input_invalid", "", "Data pemohon kosong");
    if ((kind == WF_KIND_HILANG || kind == WF_KIND_RUSAK) && !p->card_issued && !p->card_valid)
        return kt_fail(err, KT_EINVAL, "kind_needs_card", "kind",
                       "Pemohon belum pernah menerima KTP-el, jadi tidak ada kartu yang %s: "
                       "ajukan penerbitan baru (nomor antrian A, Rekam e-KTP baru)",
                       kind == WF_KIND_HILANG ? "hilang" : "rusak");
    return KT_OK;
}
