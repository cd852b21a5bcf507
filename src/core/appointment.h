/*
 * appointment.h - appointments (janji temu, "antrian online"): the booking code, slot times,
 * and the rule that calls booked citizens relative to walk-ins.
 *
 * Booking code: 8 symbols of Crockford's base32 (digits and letters without I, L, O, U, so
 * nothing reads as another symbol) carrying 40 random bits, and a 9th check symbol: the
 * weighted sum of the eight values (weights 1..8) modulo 31. 31 is prime and every weight is
 * below it, so one mistyped symbol is always caught (except 0 <-> Z) and so is a swap of two
 * neighbours; a typo then says "salah ketik" instead of looking like a code that does not
 * exist. Written for people as three groups, "K3M-9QX-A7C". Read back leniently: lower case,
 * spaces and hyphens, O for 0 and I or L for 1 are accepted, and so is a text holding the code
 * after "kode=" (the QR of the confirmation is the booking page's address with the code).
 *
 * Call rule (docs/internals/citizen.md): the fair priority rule (core/queue.h) decides first
 * between priority and the other tickets; among the others, a booked ticket (checked in at
 * the kiosk with its code) is called before walk-ins, but after `booked_every` booked calls in
 * a row while walk-ins wait, the next call goes to a walk-in. With booked_every = B >= 1, in
 * every B+1 consecutive regular calls while both wait there is at least one of each: neither
 * side can starve. B is svc_config.booked_every (default 2).
 *
 * Never: I/O, allocation, randomness (the caller gives the 40 random bits).
 */
#ifndef KTPEL_CORE_APPOINTMENT_H
#define KTPEL_CORE_APPOINTMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define APPT_CODE_LEN 10   /* 9 symbols + NUL: the stored form */
#define APPT_CODE_SHOWN 12 /* "K3M-9QX-A7C" + NUL */

/* The code of 40 random bits (the low 40 bits of bits). */
void appt_code_make(uint64_t bits, char out[APPT_CODE_LEN]);
/* "K3M9QXA7C" -> "K3M-9QX-A7C". */
void appt_code_show(const char *code, char out[APPT_CODE_SHOWN]);
/* A typed or scanned code (see above) to its stored form. KT_EINVAL "code_invalid" (not a
   code: wrong length or a symbol that is not one) or "code_mistyped" (the check symbol does
   not match), naming field. */
kt_code appt_code_parse(const char *text, const char *field, char out[APPT_CODE_LEN],
                        kt_error *err);

/* "HH:MM" (00:00..23:59) -> minutes since midnight. KT_EINVAL "time_invalid" naming field. */
kt_code appt_time_parse(const char *s, const char *field, int *minutes, kt_error *err);

typedef enum appt_class {
    APPT_CLASS_NONE,    /* nobody waits */
    APPT_CLASS_WALKIN,
    APPT_CLASS_BOOKED
} appt_class;

/* Which regular ticket to call next (the rule above). booked_every < 1 counts as 1. */
appt_class appt_next(size_t walkin_waiting, size_t booked_waiting, int booked_since_walkin,
                     int booked_every);
/* The counter after calling `called`: +1 after a booked call, 0 after a walk-in. */
int appt_counter_after(appt_class called, int booked_since_walkin);

#endif
