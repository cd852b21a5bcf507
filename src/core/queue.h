/*
 * queue.h - the queue of SOP step 1: services, ticket numbers, and the fair priority rule.
 *
 * Services (docs/domain.md): rekam_baru A, perubahan_data B, hilang_rusak C, pindah_datang D
 * (served at intake lokets), pengambilan E (served at handover lokets).
 *
 * Ticket number: prefix + number, counting from 1 per service per service day (Asia/Jakarta).
 * 1..999 are written with 3 digits ("A007"). Past 999 the number is NOT wrapped (A001 would
 * then name two people the same day, and the board and the audio could call the wrong one):
 * it widens to 4 digits, "A1000" .. "A9999". 9999 is the hard limit (queue_ticket_format
 * refuses more with KT_EREFUSED "queue_full"); an office serving ~100 people a day never
 * comes near it.
 *
 * Fair priority rule (lansia, disabilitas, ibu hamil; UU 25/2009 art. 29 special treatment):
 * with N configurable (svc_config.priority_every, default 3) - while both classes wait, one
 * priority call is made per N regular calls; a class is called whenever the other has nobody
 * waiting. The caller keeps `regular_since_priority` (regular calls since the last priority
 * call; reset to 0 by a priority call, see queue_counter_after). Start each service day with
 * the counter at N, so that a priority applicant waiting at opening is called first.
 * N <= 0 means strict priority (a waiting priority applicant is always called first).
 *
 * Never: I/O, allocation.
 */
#ifndef KTPEL_CORE_QUEUE_H
#define KTPEL_CORE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/workflow.h"

#define QUEUE_TICKET_LEN 8   /* "A9999" + NUL, with room */
#define QUEUE_NUMBER_MAX 9999

typedef enum queue_service {
    QUEUE_REKAM_BARU,     /* "rekam_baru"     A intake */
    QUEUE_PERUBAHAN_DATA, /* "perubahan_data" B intake */
    QUEUE_HILANG_RUSAK,   /* "hilang_rusak"   C intake */
    QUEUE_PINDAH_DATANG,  /* "pindah_datang"  D intake */
    QUEUE_PENGAMBILAN,    /* "pengambilan"    E handover */
    QUEUE_SERVICE_COUNT
} queue_service;

const char *queue_service_str(queue_service s);
bool queue_service_from_str(const char *s, queue_service *out);
const char *queue_service_label(queue_service s); /* kiosk label: "Rekam e-KTP baru" */
char queue_service_prefix(queue_service s);       /* 'A'..'E'; 0 out of range */
bool queue_service_from_prefix(char prefix, queue_service *out);
/* The loket role that calls and serves this service (intake or handover). */
wf_role queue_service_role(queue_service s);
/* Which application kinds a ticket of this service may open: rekam_baru -> baru,
   perubahan_data -> perubahan, hilang_rusak -> hilang | rusak, pindah_datang ->
   pindah_datang, pengambilan -> none (it serves a receipt). */
bool queue_service_allows_kind(queue_service s, wf_kind kind);

/* "A007", "A1000". KT_EINVAL for number < 1 or a bad service; KT_EREFUSED "queue_full" for
   number > QUEUE_NUMBER_MAX. */
kt_code queue_ticket_format(queue_service s, int number, char out[QUEUE_TICKET_LEN],
                            kt_error *err);
/* Inverse: "A007" -> (rekam_baru, 7). Accepts exactly 3 digits for 1..999 and 4 digits for
   1000..9999 (so "A07", "A0007" and "A000" are refused). KT_EINVAL "ticket_number_invalid". */
kt_code queue_ticket_parse(const char *s, queue_service *svc, int *number, kt_error *err);

typedef enum queue_class {
    QUEUE_CLASS_NONE,     /* nobody waits */
    QUEUE_CLASS_REGULAR,
    QUEUE_CLASS_PRIORITY
} queue_class;
const char *queue_class_str(queue_class c); /* "none", "regular", "priority" */

/* Which class to call next (the rule above). Pure: same inputs, same answer. */
queue_class queue_next_class(size_t regular_waiting, size_t priority_waiting,
                             int regular_since_priority, int n);
/* The counter after calling `called`: 0 after a priority call, +1 after a regular call,
   unchanged for NONE. */
int queue_counter_after(queue_class called, int regular_since_priority);

#endif
