/*
 * documents.h - the document checklist of SOP step 2 ("Kelengkapan"), per application kind.
 *
 * The SOP lists seven documents and says "which apply depends on the case". The table, and
 * why each entry is there:
 *   every kind     pengantar_rt_rw  (1) the RT/RW cover letter starts every case at the office
 *                  kk_copy          (3) the KK ties the NIK to a family and an address in SIAK
 *   baru           f107             (2) the form exists "for a first issuance"
 *                  ijazah_akta      (5) the SOP counts the minimum age "from the birth date on
 *                                       the birth certificate"
 *   perubahan      ktp_asli         (4a) the old card is withdrawn when the new one is printed
 *                  + per changed field (below)
 *   hilang         surat_kehilangan (4b) the police report replaces the lost card
 *   rusak          ktp_asli         (4a) the damaged card itself
 *   pindah_datang  surat_pindah     (7) "for newcomers"; kk_copy is the KK at the destination
 * A data change adds the evidence for what it changes:
 *   marital_status                         -> akta_status  (6) marriage/divorce/death certificate
 *   name, birth_date, birth_place, sex,
 *   pendidikan                             -> ijazah_akta  (5) the civil record or diploma
 *   kelurahan_code (moving in from another
 *   kelurahan or further)                  -> surat_pindah (7)
 *   address, rt, rw (within the kelurahan), agama, pekerjaan, blood_type
 *                                          -> nothing more: the RT/RW letter and KK suffice.
 *
 * Sets are bit masks (bit = 1u << docs_id, bit = 1u << docs_field).
 * Never: I/O, allocation.
 */
#ifndef KTPEL_CORE_DOCUMENTS_H
#define KTPEL_CORE_DOCUMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/workflow.h"

typedef enum docs_id {
    DOCS_PENGANTAR_RT_RW,  /* "pengantar_rt_rw" */
    DOCS_F107,             /* "f107" */
    DOCS_KK_COPY,          /* "kk_copy" */
    DOCS_KTP_ASLI,         /* "ktp_asli" */
    DOCS_SURAT_KEHILANGAN, /* "surat_kehilangan" */
    DOCS_IJAZAH_AKTA,      /* "ijazah_akta" */
    DOCS_AKTA_STATUS,      /* "akta_status" */
    DOCS_SURAT_PINDAH,     /* "surat_pindah" */
    DOCS_COUNT
} docs_id;
typedef unsigned docs_set; /* bit (1u << docs_id) */
#define DOCS_BIT(id) (1u << (unsigned)(id))

const char *docs_id_str(docs_id d);
bool docs_id_from_str(const char *s, docs_id *out);
const char *docs_title(docs_id d); /* Indonesian, e.g. "Surat Pengantar RT/RW" */

/* Resident fields a data change (kind perubahan) may touch; the names are the resident
   fields of docs/domain.md, as in svc_app_check's "change_fields". */
typedef enum docs_field {
    DOCS_FIELD_NAME,           /* "name" */
    DOCS_FIELD_BIRTH_PLACE,    /* "birth_place" */
    DOCS_FIELD_BIRTH_DATE,     /* "birth_date" */
    DOCS_FIELD_SEX,            /* "sex" */
    DOCS_FIELD_BLOOD_TYPE,     /* "blood_type" */
    DOCS_FIELD_AGAMA,          /* "agama" */
    DOCS_FIELD_MARITAL_STATUS, /* "marital_status" */
    DOCS_FIELD_PEKERJAAN,      /* "pekerjaan" */
    DOCS_FIELD_PENDIDIKAN,     /* "pendidikan" */
    DOCS_FIELD_ADDRESS,        /* "address" */
    DOCS_FIELD_RT,             /* "rt" */
    DOCS_FIELD_RW,             /* "rw" */
    DOCS_FIELD_KELURAHAN_CODE, /* "kelurahan_code" */
    DOCS_FIELD_COUNT
} docs_field;
typedef unsigned docs_fields; /* bit (1u << docs_field) */

const char *docs_field_str(docs_field f);
bool docs_field_from_str(const char *s, docs_field *out);

/* The required set for a kind; `changes` only matters for perubahan (ignored otherwise).
   0 for an out-of-range kind. */
docs_set docs_required(wf_kind kind, docs_fields changes);

typedef struct docs_result {
    docs_set required;
    docs_set presented;
    docs_set missing;            /* required and not presented */
    docs_set extra;              /* presented and not required (kept, not a fault) */
    int n_missing;
    docs_id missing_list[DOCS_COUNT]; /* in docs_id order */
    bool complete;               /* n_missing == 0 */
} docs_result;

/* Evaluate the presented documents. KT_OK when complete; KT_EREFUSED id
   "documents_incomplete", field "documents", message listing the missing titles when not
   (out filled either way); KT_EINVAL for an out-of-range kind. err may be NULL. */
kt_code docs_evaluate(wf_kind kind, docs_fields changes, docs_set presented, docs_result *out,
                      kt_error *err);

/* Parse lists of strings (e.g. a JSON array's items) into sets. An unknown or NULL item:
   KT_EINVAL id "document_unknown" / "change_field_unknown", field "documents[i]" /
   "change_fields[i]"; *out unchanged. Duplicates are harmless. */
kt_code docs_set_from_strs(const char *const *ids, size_t n, docs_set *out, kt_error *err);
kt_code docs_fields_from_strs(const char *const *names, size_t n, docs_fields *out,
                              kt_error *err);

#endif
