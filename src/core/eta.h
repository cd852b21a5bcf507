/*
 * eta.h - where a waiting ticket stands and how long it will wait: the phone queue page's
 * "tinggal N lagi" and its estimate.
 *
 * Place: the waiting tickets of one queue (the services the same lokets call) in the order
 * they were taken are replayed through the call rules themselves (core/queue.h's fair
 * priority, then core/appointment.h's booked/walk-in rule), from today's counters, until the
 * ticket's turn: the number of calls before it if nobody else arrives. A priority or booked
 * ticket taken later may still go first; the place then grows, and the page says so live.
 *
 * Estimate: each loket calls its next ticket when it has served the last one, so a loket's
 * cycle (one call to its next call) is the day's measured service time there. With L lokets
 * calling this queue and a mean cycle T, the queue advances one place every T/L on average,
 * and a ticket with `ahead` places before it waits (ahead + 1/2) x T / L: the half is the
 * expected part of the cycle under way (lokets are part-way through theirs when one looks).
 * The mean, not the median: a wait is a sum of many service times, and service times are
 * skewed (a few long ones), so the median cycle underestimates every long wait; on the
 * simulated days the mean halved the p90 error of waits over 45 minutes (docs/benchmarks.md,
 * bench/eta_bench.c).
 *
 * Never: I/O, allocation.
 */
#ifndef KTPEL_CORE_ETA_H
#define KTPEL_CORE_ETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eta_ticket {
    bool priority;
    bool booked;
} eta_ticket;

typedef struct eta_rule {
    int regular_since_priority; /* today's counters, as the next call would see them */
    int priority_every;
    int booked_since_walkin;
    int booked_every;
} eta_rule;

/* Calls before w[target] (w: the queue's waiting tickets in the order taken); n when target
   is out of range. */
size_t eta_calls_before(const eta_ticket *w, size_t n, size_t target, eta_rule r);

/* The median of v[0..n) (sorted in place; the lower middle for an even n); fallback if n == 0. */
int64_t eta_median(int64_t *v, size_t n, int64_t fallback);
/* The mean of v[0..n); fallback if n == 0. */
int64_t eta_mean(const int64_t *v, size_t n, int64_t fallback);

/* (ahead + 1/2) x cycle / lokets, in ms; lokets < 1 counts as 1. */
int64_t eta_wait_ms(size_t ahead, int64_t cycle_ms, int lokets);

#endif
