/*
 * sla.h - the SOP's service standards ("Mutu Baku") and how an application's timeline is
 * measured against them.
 *
 * Steps (SOP numbering; there is no step 5): 1 call 1 min, 2 intake 5 min, 3 recording
 * 10 min, 4 receipt 1 min, 6 handover 3 min. The SOP states a total of 15 min although the
 * steps add to 20; both figures are constants here and both are reported.
 *
 * A timeline is a list of events (kind + UTC ms), in any order. The strings of the kinds are
 * the audit event names the service layer writes (action names where an action exists).
 * Step durations (docs/domain.md), each from a start event to the first end event at or after
 * it:
 *   wait      ticket_taken                    -> first ticket_called   (no standard)
 *   call      first ticket_called             -> first open | ticket_served
 *   intake    first open                      -> first check_ok | return_incomplete | refer | reject
 *   recording first operator_start, else the
 *             first change_data/record        -> last change_data | record (the operator's
 *             (a bare record then measures 0)    step ends with its last data event)
 *   receipt   that last change_data | record  -> first issue_receipt
 *   handover  first pickup_called (at/after issue_receipt) -> first hand_over after it: the
 *             citizen's pickup (E) ticket called at the handover loket, to the card in hand.
 *             receipt_scanned does not start it (reading the receipt is a few milliseconds
 *             inside the step, not its start); a handover without a pickup ticket is not timed.
 * A step whose start or end is missing is absent (has[step] false), never an error.
 * total_ms = sum of the present steps (the office's service time, not counting waiting or the
 * days between receipt and pickup).
 *
 * Never: I/O. No allocation (sla_percentile/sla_stats sort the caller's array in place).
 */
#ifndef KTPEL_CORE_SLA_H
#define KTPEL_CORE_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum sla_step {
    SLA_CALL,      /* "call"      SOP step 1, 1 min */
    SLA_INTAKE,    /* "intake"    step 2, 5 min */
    SLA_RECORDING, /* "recording" step 3, 10 min */
    SLA_RECEIPT,   /* "receipt"   step 4, 1 min */
    SLA_HANDOVER,  /* "handover"  step 6, 3 min */
    SLA_STEP_COUNT
} sla_step;

#define SLA_SOP_TOTAL_MS INT64_C(900000)  /* 15 min: "Jumlah pelayanan" as the SOP states */
#define SLA_STEPS_SUM_MS INT64_C(1200000) /* 20 min: the sum of the step standards */

const char *sla_step_str(sla_step s);
bool sla_step_from_str(const char *s, sla_step *out);
const char *sla_step_label(sla_step s);  /* Indonesian, e.g. "Pemanggilan nomor antrian" */
int sla_step_sop_no(sla_step s);         /* 1, 2, 3, 4, 6; 0 out of range */
int64_t sla_standard_ms(sla_step s);     /* 60000 .. 600000; 0 out of range */

typedef enum sla_event_kind {
    SLA_EV_TICKET_TAKEN,      /* "ticket_taken" */
    SLA_EV_TICKET_CALLED,     /* "ticket_called" (first call; recalls do not restart) */
    SLA_EV_TICKET_SERVED,     /* "ticket_served" */
    SLA_EV_OPEN,              /* "open" */
    SLA_EV_CHECK_OK,          /* "check_ok" */
    SLA_EV_RETURN_INCOMPLETE, /* "return_incomplete" */
    SLA_EV_REFER,             /* "refer" */
    SLA_EV_REJECT,            /* "reject" */
    SLA_EV_OPERATOR_START,    /* "operator_start": first biometric upload / data-change form */
    SLA_EV_CHANGE_DATA,       /* "change_data" */
    SLA_EV_RECORD,            /* "record" */
    SLA_EV_ISSUE_RECEIPT,     /* "issue_receipt" */
    SLA_EV_PICKUP_CALLED,     /* "pickup_called": the pickup (E) ticket called */
    SLA_EV_RECEIPT_SCANNED,   /* "receipt_scanned": receipt found (audited; starts no step) */
    SLA_EV_HAND_OVER,         /* "hand_over" */
    SLA_EV_COUNT
} sla_event_kind;
const char *sla_event_kind_str(sla_event_kind k);
bool sla_event_kind_from_str(const char *s, sla_event_kind *out);

typedef struct sla_event {
    sla_event_kind kind;
    int64_t at_ms; /* UTC Unix ms */
} sla_event;

typedef struct sla_durations {
    bool has[SLA_STEP_COUNT];
    int64_t ms[SLA_STEP_COUNT];    /* duration when has[step] */
    bool within[SLA_STEP_COUNT];   /* ms <= standard, when has[step] */
    bool has_wait;
    int64_t wait_ms;               /* ticket_taken -> ticket_called */
    int64_t total_ms;              /* sum of present steps */
    int n_steps;                   /* how many steps are present */
} sla_durations;

/* Derive step durations. KT_EINVAL ("sla_event_invalid", field "events[i]") for an unknown
   kind or a negative timestamp; events NULL with n > 0 likewise. *out filled on KT_OK only. */
kt_code sla_derive(const sla_event *events, size_t n, sla_durations *out, kt_error *err);

/*
 * Percentile by the nearest-rank method: sort ascending, take the value at rank
 * ceil(p/100 * n) (1-based), rank at least 1. So p50 of {1,2,3,4} is 2, p90 of 10 values is
 * the 9th, p100 is the max. The values are always a member of the data (no interpolation).
 * Sorts `values` in place. KT_EINVAL when n == 0, values NULL, or p outside (0, 100].
 */
kt_code sla_percentile(int64_t *values, size_t n, double p, int64_t *out, kt_error *err);

/* Share (0..1) of values <= standard_ms; 0 when n == 0. Does not reorder. */
double sla_share_within(const int64_t *values, size_t n, int64_t standard_ms);

typedef struct sla_stats {
    size_t count;
    int64_t mean_ms;   /* rounded down; 0 when count == 0 */
    int64_t p50_ms, p90_ms, max_ms; /* 0 when count == 0 */
    int64_t standard_ms;
    size_t within;     /* values <= standard */
    double share_within; /* within / count; 0 when count == 0 */
} sla_stats;

/* count, mean, p50, p90, max and share within the standard (standard_ms <= 0: none, then
   within counts nothing). Sorts `values` in place; n may be 0. */
void sla_stats_compute(int64_t *values, size_t n, int64_t standard_ms, sla_stats *out);

#endif
