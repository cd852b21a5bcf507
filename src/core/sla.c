/*
 * sla.c - the SOP's service standards and the measurement of a timeline against them.
 * See sla.h for which events start and end each step, and the percentile method.
 * Never: I/O, allocation.
 */
#include "core/sla.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *str;
    const char *label;
    int sop_no;
    int64_t standard_ms;
} steps[SLA_STEP_COUNT] = {
    {"call", "Pemanggilan nomor antrian", 1, 60000},
    {"intake", "Penerimaan dan pemeriksaan berkas", 2, 300000},
    {"recording", "Perubahan data / perekaman KTP-el", 3, 600000},
    {"receipt", "Penyerahan tanda terima pengambilan", 4, 60000},
    {"handover", "Penyerahan KTP-el", 6, 180000},
};

static bool step_ok(sla_step s)
{
    return (int)s >= 0 && s < SLA_STEP_COUNT;
}

const char *sla_step_str(sla_step s)
{
    return step_ok(s) ? steps[s].str : NULL;
}
bool sla_step_from_str(const char *s, sla_step *out)
{
    for (int i = 0; s && i < SLA_STEP_COUNT; i++) {
        if (strcmp(s, steps[i].str) == 0) {
            *out = (sla_step)i;
            return true;
        }
    }
    return false;
}
const char *sla_step_label(sla_step s)
{
    return step_ok(s) ? steps[s].label : NULL;
}
int sla_step_sop_no(sla_step s)
{
    return step_ok(s) ? steps[s].sop_no : 0;
}
int64_t sla_standard_ms(sla_step s)
{
    return step_ok(s) ? steps[s].standard_ms : 0;
}

static const char *const ev_str[SLA_EV_COUNT] = {
    "ticket_taken", "ticket_called", "ticket_served", "open", "check_ok", "return_incomplete",
    "refer", "reject", "operator_start", "change_data", "record", "issue_receipt",
    "pickup_called", "receipt_scanned", "hand_over"};

const char *sla_event_kind_str(sla_event_kind k)
{
    return (int)k >= 0 && k < SLA_EV_COUNT ? ev_str[k] : NULL;
}
bool sla_event_kind_from_str(const char *s, sla_event_kind *out)
{
    for (int i = 0; s && i < SLA_EV_COUNT; i++) {
        if (strcmp(s, ev_str[i]) == 0) {
            *out = (sla_event_kind)i;
            return true;
        }
    }
    return false;
}

#define K(x) (1u << (unsigned)(x))

/* Earliest event of a kind in `mask` at or after `t`. */
static bool first_from(const sla_event *ev, size_t n, unsigned mask, int64_t t, int64_t *at)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if ((mask & K(ev[i].kind)) && ev[i].at_ms >= t && (!found || ev[i].at_ms < *at)) {
            *at = ev[i].at_ms;
            found = true;
        }
    }
    return found;
}

/* Latest event of a kind in `mask` at or after `t`. */
static bool last_from(const sla_event *ev, size_t n, unsigned mask, int64_t t, int64_t *at)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if ((mask & K(ev[i].kind)) && ev[i].at_ms >= t && (!found || ev[i].at_ms > *at)) {
            *at = ev[i].at_ms;
            found = true;
        }
    }
    return found;
}

static void set_step(sla_durations *d, sla_step s, int64_t from, int64_t to)
{
    d->has[s] = true;
    d->ms[s] = to - from;
    d->within[s] = d->ms[s] <= steps[s].standard_ms;
}

kt_code sla_derive(const sla_event *events, size_t n, sla_durations *out, kt_error *err)
{
    if (events == NULL && n > 0)
        return kt_fail(err, KT_EINVAL, "sla_event_invalid", "events", "Daftar kejadian kosong");
    for (size_t i = 0; i < n; i++) {
        if ((int)events[i].kind < 0 || events[i].kind >= SLA_EV_COUNT || events[i].at_ms < 0) {
            char field[48];
            snprintf(field, sizeof field, "events[%zu]", i);
            return kt_fail(err, KT_EINVAL, "sla_event_invalid", field,
                           "Kejadian ke-%zu tidak sah (jenis tidak dikenal atau waktu negatif)",
                           i + 1);
        }
    }
    sla_durations d;
    memset(&d, 0, sizeof d);
    const sla_event *ev = events;
    int64_t a = 0, b = 0;

    if (first_from(ev, n, K(SLA_EV_TICKET_TAKEN), INT64_MIN, &a) &&
        first_from(ev, n, K(SLA_EV_TICKET_CALLED), a, &b)) {
        d.has_wait = true;
        d.wait_ms = b - a;
    }
    if (first_from(ev, n, K(SLA_EV_TICKET_CALLED), INT64_MIN, &a) &&
        first_from(ev, n, K(SLA_EV_OPEN) | K(SLA_EV_TICKET_SERVED), a, &b))
        set_step(&d, SLA_CALL, a, b);
    if (first_from(ev, n, K(SLA_EV_OPEN), INT64_MIN, &a) &&
        first_from(ev, n,
                   K(SLA_EV_CHECK_OK) | K(SLA_EV_RETURN_INCOMPLETE) | K(SLA_EV_REFER) |
                       K(SLA_EV_REJECT),
                   a, &b))
        set_step(&d, SLA_INTAKE, a, b);

    unsigned data_ev = K(SLA_EV_CHANGE_DATA) | K(SLA_EV_RECORD);
    bool have_rec_end = false;
    int64_t rec_end = 0;
    if (first_from(ev, n, K(SLA_EV_OPERATOR_START), INT64_MIN, &a) ||
        first_from(ev, n, data_ev, INT64_MIN, &a)) {
        if (last_from(ev, n, data_ev, a, &b)) {
            set_step(&d, SLA_RECORDING, a, b);
            have_rec_end = true;
            rec_end = b;
        }
    }
    int64_t receipt_at = INT64_MIN;
    if (have_rec_end && first_from(ev, n, K(SLA_EV_ISSUE_RECEIPT), rec_end, &b)) {
        set_step(&d, SLA_RECEIPT, rec_end, b);
        receipt_at = b;
    } else if (first_from(ev, n, K(SLA_EV_ISSUE_RECEIPT), INT64_MIN, &b)) {
        receipt_at = b;
    }
    if (first_from(ev, n, K(SLA_EV_PICKUP_CALLED), receipt_at, &a) &&
        first_from(ev, n, K(SLA_EV_HAND_OVER), a, &b))
        set_step(&d, SLA_HANDOVER, a, b);

    for (int s = 0; s < SLA_STEP_COUNT; s++) {
        if (d.has[s]) {
            d.total_ms += d.ms[s];
            d.n_steps++;
        }
    }
    *out = d;
    return KT_OK;
}

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t x = *(const int64_t *)pa, y = *(const int64_t *)pb;
    return (x > y) - (x < y);
}

/* Nearest rank (1-based) for p in (0, 100]: ceil(p/100 * n), at least 1, at most n. */
static size_t nearest_rank(size_t n, double p)
{
    double x = p * (double)n / 100.0;
    size_t r = (size_t)x;
    if ((double)r < x)
        r++;
    if (r < 1)
        r = 1;
    if (r > n)
        r = n;
    return r;
}

kt_code sla_percentile(int64_t *values, size_t n, double p, int64_t *out, kt_error *err)
{
    if (values == NULL || n == 0)
        return kt_fail(err, KT_EINVAL, "percentile_invalid", "values",
                       "Persentil dari data kosong tidak terdefinisi");
    if (!(p > 0.0 && p <= 100.0))
        return kt_fail(err, KT_EINVAL, "percentile_invalid", "p",
                       "Persentil harus lebih dari 0 dan paling besar 100");
    qsort(values, n, sizeof *values, cmp_i64);
    *out = values[nearest_rank(n, p) - 1];
    return KT_OK;
}

double sla_share_within(const int64_t *values, size_t n, int64_t standard_ms)
{
    if (values == NULL || n == 0)
        return 0.0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (values[i] <= standard_ms)
            k++;
    return (double)k / (double)n;
}

void sla_stats_compute(int64_t *values, size_t n, int64_t standard_ms, sla_stats *out)
{
    sla_stats s;
    memset(&s, 0, sizeof s);
    s.standard_ms = standard_ms;
    if (values != NULL && n > 0) {
        qsort(values, n, sizeof *values, cmp_i64);
        s.count = n;
        /* Mean without overflow for any realistic count: sum of quotients and remainders. */
        int64_t q = 0, r = 0, nn = (int64_t)n;
        for (size_t i = 0; i < n; i++) {
            q += values[i] / nn;
            r += values[i] % nn;
        }
        s.mean_ms = q + r / nn; /* exact floor for the non-negative durations we measure */
        s.p50_ms = values[nearest_rank(n, 50.0) - 1];
        s.p90_ms = values[nearest_rank(n, 90.0) - 1];
        s.max_ms = values[n - 1];
        if (standard_ms > 0) {
            for (size_t i = 0; i < n; i++)
                if (values[i] <= standard_ms)
                    s.within++;
            s.share_within = (double)s.within / (double)n;
        }
    }
    *out = s;
}
