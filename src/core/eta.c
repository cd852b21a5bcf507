/*
 * eta.c - a ticket's place by replaying the call rules, and the wait estimate (eta.h).
 * Never: I/O, allocation.
 */
#include "core/eta.h"

#include "core/appointment.h"
#include "core/queue.h"

size_t eta_calls_before(const eta_ticket *w, size_t n, size_t target, eta_rule r)
{
    if (target >= n)
        return n;
    /* next[c]: the index of the first not-yet-called ticket of class c (0 walk-in, 1 booked,
       2 priority), scanning forward; the waiting list is short (a day's queue). */
    size_t next[3] = {0, 0, 0}, left[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        left[w[i].priority ? 2 : w[i].booked ? 1 : 0]++;
    for (size_t calls = 0; calls < n; calls++) {
        queue_class qc = queue_next_class(left[0] + left[1], left[2], r.regular_since_priority,
                                          r.priority_every);
        int c;
        if (qc == QUEUE_CLASS_PRIORITY) {
            c = 2;
        } else {
            appt_class ac = appt_next(left[0], left[1], r.booked_since_walkin, r.booked_every);
            c = ac == APPT_CLASS_BOOKED ? 1 : 0;
            r.booked_since_walkin = appt_counter_after(ac, r.booked_since_walkin);
        }
        r.regular_since_priority = queue_counter_after(qc, r.regular_since_priority);
        size_t i = next[c];
        while (i < n && (w[i].priority ? 2 : w[i].booked ? 1 : 0) != c)
            i++;
        if (i == target)
            return calls;
        next[c] = i + 1;
        left[c]--;
    }
    return n;
}

int64_t eta_median(int64_t *v, size_t n, int64_t fallback)
{
    if (n == 0)
        return fallback;
    for (size_t i = 1; i < n; i++) { /* insertion sort: a few dozen cycles */
        int64_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    return v[(n - 1) / 2];
}

int64_t eta_mean(const int64_t *v, size_t n, int64_t fallback)
{
    if (n == 0)
        return fallback;
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    return sum / (int64_t)n;
}

int64_t eta_wait_ms(size_t ahead, int64_t cycle_ms, int lokets)
{
    if (lokets < 1)
        lokets = 1;
    return ((int64_t)(2 * ahead + 1) * cycle_ms) / (2 * (int64_t)lokets);
}
