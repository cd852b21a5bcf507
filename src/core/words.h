/*
 * words.h - the one place where ktpel's codes become the words people read (issue 10: pages
 * showed `bio_put`, `BELUM_WAJIB`, `qr_token` and epoch milliseconds). Pages (through
 * GET /api/labels, web/js/labels.js), PDFs (src/doc) and CSV files meant for people all take
 * their words from here, so a state is called the same on the screen and on paper.
 *
 * Tables (docs/domain.md ids -> Bahasa Indonesia): application states and ticket states,
 * application kinds, refusal reasons, audit actions, SIAK's status_rekam_ktp_el, queue
 * services, SOP steps, staff roles, documents, how a handover was confirmed, how a receipt was
 * read, KONSOLIDASI checks, appointment states, the IKM's grades and respondent profile,
 * reads of personal data (the access log). Enum-backed tables read the labels their module
 * defines (wf_state_label, queue_service_label, ...); the rest are here.
 * Dates and times as people read them, in Asia/Jakarta: "7 Desember 2026",
 * "Senin, 7 Desember 2026", "7 Desember 2026, 13.21 WIB", "09.05".
 *
 * Never: I/O, allocation.
 */
#ifndef KTPEL_CORE_WORDS_H
#define KTPEL_CORE_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/jakarta.h"

typedef enum words_table {
    WORDS_STATE,        /* "state": application and ticket states */
    WORDS_KIND,         /* "kind" */
    WORDS_REASON,       /* "reason" */
    WORDS_ACTION,       /* "action": audit trail actions */
    WORDS_KTP_STATUS,   /* "ktp_status": status_rekam_ktp_el */
    WORDS_SERVICE,      /* "service": queue services */
    WORDS_STEP,         /* "step": the SOP's Mutu Baku steps */
    WORDS_ROLE,         /* "role": staff roles */
    WORDS_DOCUMENT,     /* "document" */
    WORDS_CONFIRMED_BY, /* "confirmed_by": how the person was confirmed at the handover */
    WORDS_USED_VIA,     /* "used_via": how the receipt was read at the handover */
    WORDS_CHECK,        /* "check": KONSOLIDASI checks */
    WORDS_APPT_STATE,   /* "appointment_state": a booking's state (issue 13) */
    WORDS_GRADE,        /* "grade": IKM mutu pelayanan A..D */
    WORDS_EDUCATION,    /* "education": the IKM questionnaire's profile */
    WORDS_OCCUPATION,   /* "occupation": the IKM questionnaire's profile */
    WORDS_ACCESS,       /* "access": reads of personal data in the access log */
    WORDS_TABLE_COUNT
} words_table;

const char *words_table_str(words_table t); /* "state", "kind", ...; NULL out of range */

/* The word for id in table; NULL when the id is unknown (callers then show the id). */
const char *words_of(words_table t, const char *id);
/* The same, never NULL: the id itself when unknown ("" for NULL). */
const char *words_or_id(words_table t, const char *id);
/* The i-th (id, word) of a table, to list it; false past the end. */
bool words_at(words_table t, size_t i, const char **id, const char **word);

const char *words_month(int month); /* "Januari".."Desember"; "?" out of range */
const char *words_weekday(int weekday); /* ISO 1..7: "Senin".."Minggu"; "?" out of range */
/* "7 Desember 2026" */
void words_date(jkt_date d, char *out, size_t cap);
/* With the weekday: "Senin, 7 Desember 2026" ("?" for an invalid date). */
void words_day(jkt_date d, char *out, size_t cap);
/* Minutes since midnight as "09.05" (sep '.', the Indonesian way of writing a time) or
   "09:05" (sep ':', the form of inputs); 1440 is "24:00" (a slot's end); outside 0..1440
   reads as 0. */
void words_hhmm(int minutes, char sep, char out[6]);
/* "7 Desember 2026, 13.21 WIB" (Asia/Jakarta) from UTC milliseconds */
void words_datetime(int64_t utc_ms, char *out, size_t cap);
/* "2 jam 5 menit", "4 menit 5 detik", "12 detik" */
void words_duration(int64_t ms, char *out, size_t cap);

#endif
