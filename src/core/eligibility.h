/*
 * eligibility.h - who may get an e-KTP (UU 24/2013 art. 63, amending UU 23/2006).
 *
 * Rules, checked in this order (the first that fails is the verdict's reason):
 * 1. Nationality (art. 63(1)): a WNI, or a WNA holding an Izin Tinggal Tetap (ITAP) still in
 *    force on the service day (itap_until >= service day). Else `not_wni_no_itap`.
 * 2. Age (art. 63(1), the SOP's warning): 17 full years on the service day (jkt_age_on, with
 *    its 29 February rule), or married / ever married (status_perkawinan 2 KAWIN, 3 CERAI
 *    HIDUP, 4 CERAI MATI) at any age. Else `under_age`.
 * 3. One person, one card (art. 63(6)): a resident whose card is currently valid may only ask
 *    for a replacement: kinds hilang, rusak and perubahan are allowed; baru and pindah_datang
 *    are refused with `has_valid_card`. Why pindah_datang too: the card of a person moving
 *    out is withdrawn when the origin's Disdukcapil issues the surat pindah (SKPWNI), so SIAK
 *    still showing a valid card means the move is not processed yet (refer them back).
 * Validity of the card (art. 64(4),(5) as amended): a WNI's card is valid for life; a WNA's
 * card is valid until the ITAP ends (valid_until = itap_until).
 *
 * Never: I/O, allocation.
 */
#ifndef KTPEL_CORE_ELIGIBILITY_H
#define KTPEL_CORE_ELIGIBILITY_H

#include <stdbool.h>

#include "core/error.h"
#include "core/jakarta.h"
#include "core/workflow.h"

#define ELIG_MIN_AGE 17

typedef enum elig_nationality {
    ELIG_WNI, /* "WNI" */
    ELIG_WNA, /* "WNA" */
    ELIG_NATIONALITY_COUNT
} elig_nationality;
const char *elig_nationality_str(elig_nationality n);
bool elig_nationality_from_str(const char *s, elig_nationality *out);

typedef struct elig_person {
    jkt_date birth_date;          /* SIAK biodata (from the birth certificate) */
    int marital_status;           /* status_perkawinan id 1..4 */
    elig_nationality nationality;
    bool has_itap;                /* WNA: holds an ITAP ... */
    jkt_date itap_until;          /* ... valid through this day (inclusive); WNA only */
    bool card_valid;              /* SIAK: a card currently valid */
    bool card_issued;             /* SIAK: a card was handed over to them at some time
                                     (status CARD_ISSUED), valid or not */
} elig_person;

typedef struct elig_verdict {
    bool eligible;
    wf_reason reason;      /* WF_REASON_NONE when eligible */
    int age;               /* full years on the service day */
    bool valid_for_life;   /* WNI: the card never expires */
    jkt_date valid_until;  /* WNA: last day of validity (= itap_until); zeroes for WNI */
    char message[256];     /* Indonesian: why refused, or a short confirmation */
} elig_verdict;

/*
 * Decide for one person and application kind on the service day.
 * Returns KT_OK (eligible), KT_EREFUSED (not eligible: err id = the reason's string, e.g.
 * "under_age", field "nik", message = out->message), or KT_EINVAL for bad input (invalid
 * birth date or itap_until, birth after the service day, marital status not 1..4, unknown
 * kind or nationality) with *out untouched. err may be NULL.
 */
kt_code elig_check(const elig_person *p, wf_kind kind, jkt_date service_day,
                   elig_verdict *out, kt_error *err);

/*
 * Does the application kind fit the person's card history? A lost (hilang) or damaged (rusak)
 * card replaces a card the person was given: someone who never had one (SIAK BELUM REKAM,
 * SUDAH REKAM, ... anything before CARD_ISSUED, and no valid card) asks for a first issuance
 * (baru) instead. KT_OK, or KT_EINVAL "kind_needs_card" (field "kind") saying which kind to
 * choose - an officer's choice to correct, not a refusal of the person (nothing is written).
 */
kt_code elig_kind_fits(const elig_person *p, wf_kind kind, kt_error *err);

#endif
