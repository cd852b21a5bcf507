/*
 * refcodes.h - the SIAK reference code lists, compiled in, and the KTP-el recording status
 * lifecycle (status_rekam_ktp_el).
 *
 * Lists (ids as SIAK / Dukcapil use them; names in their official upper-case spelling):
 * agama (7, incl. 7 KEPERCAYAAN TERHADAP TUHAN YME per MK decision 97/PUU-XIV/2016),
 * status_perkawinan (4), golongan_darah (13), pekerjaan (89), hubungan_keluarga (11),
 * pendidikan (10, the KK education list). Residents store the id (docs/domain.md: agama,
 * marital_status, blood_type, pekerjaan, pendidikan, hubungan).
 *
 * The recording status is the national one (Dukcapil's "status pusat"), with BELUM_WAJIB
 * (not yet obliged: under 17 and never married) in front. Several failure statuses share order
 * 6 (the center's outcomes before PRINT_READY_RECORD).
 *
 * Never: I/O, allocation. All returned strings are static.
 */
#ifndef KTPEL_CORE_REFCODES_H
#define KTPEL_CORE_REFCODES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

typedef enum ref_list {
    REF_AGAMA,             /* "agama" */
    REF_STATUS_PERKAWINAN, /* "status_perkawinan" (resident field marital_status) */
    REF_GOLONGAN_DARAH,    /* "golongan_darah" (blood_type) */
    REF_PEKERJAAN,         /* "pekerjaan" */
    REF_HUBUNGAN_KELUARGA, /* "hubungan_keluarga" (hubungan) */
    REF_PENDIDIKAN,        /* "pendidikan" */
    REF_LIST_COUNT
} ref_list;

typedef struct ref_item {
    int id;           /* 1..n, contiguous */
    const char *name; /* "ISLAM" */
} ref_item;

const char *ref_list_str(ref_list l);
bool ref_list_from_str(const char *s, ref_list *out);
/* The whole list; *n = its length. NULL (and *n = 0) for a bad list. */
const ref_item *ref_items(ref_list l, size_t *n);
size_t ref_count(ref_list l);
bool ref_valid(ref_list l, int id);
/* Name of an id, NULL when unknown. */
const char *ref_name(ref_list l, int id);
/* Id of a name, case-insensitive, surrounding spaces ignored; 0 when unknown. */
int ref_id(ref_list l, const char *name);
/* ref_valid as an error: KT_EINVAL id "code_invalid" naming `field` and the valid range. */
kt_code ref_check(ref_list l, int id, const char *field, kt_error *err);

/* Marital status ids (status_perkawinan). */
enum { REF_BELUM_KAWIN = 1, REF_KAWIN = 2, REF_CERAI_HIDUP = 3, REF_CERAI_MATI = 4 };

/* ---- status_rekam_ktp_el ------------------------------------------------------------ */
typedef enum ref_ktp_status {
    REF_KTP_BELUM_WAJIB,                /* order 0 */
    REF_KTP_UNREGISTERED,               /* 1: in SIAK, no biometrics yet */
    REF_KTP_BIO_CAPTURED,               /* 2: recorded at the station, not sent */
    REF_KTP_PROCESSING,                 /* 3 */
    REF_KTP_SENT_FOR_ENROLLMENT,        /* 4 */
    REF_KTP_RECEIVED_AT_CENTRAL,        /* 5 */
    REF_KTP_ENROLL_FAILURE_AT_CENTRAL,  /* 6 */
    REF_KTP_SEARCH_FAILURE_AT_CENTRAL,  /* 6 */
    REF_KTP_ENROLL_FAILURE_AT_REGIONAL, /* 6 */
    REF_KTP_ADJUDICATE_RECORD,          /* 6 */
    REF_KTP_DUPLICATE_RECORD,           /* 6 */
    REF_KTP_PRINT_READY_RECORD,         /* 7 */
    REF_KTP_SENT_FOR_CARD_PRINTING,     /* 8 */
    REF_KTP_CARD_PRINTED,               /* 9 */
    REF_KTP_CARD_SHIPPED,               /* 10 */
    REF_KTP_CARD_ISSUED,                /* 11 */
    REF_KTP_STATUS_COUNT
} ref_ktp_status;

/* "BELUM_WAJIB", "UNREGISTERED", ... "CARD_ISSUED" (exact, upper case). */
const char *ref_ktp_status_str(ref_ktp_status s);
bool ref_ktp_status_from_str(const char *s, ref_ktp_status *out);
int ref_ktp_status_order(ref_ktp_status s);      /* 0..11; -1 out of range */
const char *ref_ktp_status_label(ref_ktp_status s); /* "BELUM REKAM", "SUDAH REKAM", ... */
const char *ref_ktp_status_meaning(ref_ktp_status s); /* English description */
/* The order-6 failures (enroll/search failure, adjudicate, duplicate). */
bool ref_ktp_status_is_failure(ref_ktp_status s);
/* Biometrics have been captured (order >= 2). */
bool ref_ktp_status_is_recorded(ref_ktp_status s);

#endif
