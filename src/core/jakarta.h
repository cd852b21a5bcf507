/*
 * jakarta.h - dates and times of the office: Asia/Jakarta civil time and the service day.
 *
 * Asia/Jakarta (WIB) is UTC+7 with no daylight saving time. Per the IANA tz database the zone
 * has been a fixed UTC+7 since 1 January 1964 (earlier it moved between +7:07:12, +7:20, +7:30,
 * +9 during the occupation, and +8). ktpel only converts instants after 1970 (Unix time), so a
 * constant offset is exact for every instant it will ever see: no tz database is needed.
 *
 * Everything stored is UTC Unix milliseconds (`*_at` columns); everything a person sees (the
 * service day, queue numbering, dates on receipts) is Jakarta civil time, converted here.
 *
 * Civil dates use the proleptic Gregorian calendar, years 1..9999. A jkt_date is plain data;
 * jkt_date_valid() tells whether it names a real day (29 February only in leap years).
 *
 * Never: I/O, allocation, reading the clock or the process time zone (TZ is irrelevant).
 */
#ifndef KTPEL_CORE_JAKARTA_H
#define KTPEL_CORE_JAKARTA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

#define JKT_OFFSET_MS INT64_C(25200000) /* +07:00 */
#define JKT_MS_PER_DAY INT64_C(86400000)
#define JKT_DATE_STRLEN 11              /* "YYYY-MM-DD" + NUL */
#define JKT_DATETIME_STRLEN 20          /* "YYYY-MM-DD HH:MM:SS" + NUL */

typedef struct jkt_date {
    int year;  /* 1..9999 */
    int month; /* 1..12 */
    int day;   /* 1..28/29/30/31 */
} jkt_date;

typedef struct jkt_datetime {
    jkt_date date;
    int hour, minute, second, ms; /* 0..23, 0..59, 0..59, 0..999 */
} jkt_datetime;

/* Gregorian leap year: divisible by 4, except centuries not divisible by 400. */
bool jkt_is_leap(int year);
/* 28..31; 0 for a month outside 1..12. */
int jkt_days_in_month(int year, int month);
/* True when d names a real day in years 1..9999 (e.g. 2023-02-29 is false). */
bool jkt_date_valid(jkt_date d);
/* <0, 0, >0 like strcmp. */
int jkt_date_cmp(jkt_date a, jkt_date b);

/* Strict "YYYY-MM-DD" (exactly 10 characters, zero-padded, a real day).
   KT_EINVAL id "date_invalid" naming `field` (may be NULL) and why; *out unchanged then. */
kt_code jkt_date_parse(const char *s, const char *field, jkt_date *out, kt_error *err);
/* "YYYY-MM-DD" into out (always NUL-terminated). */
void jkt_date_format(jkt_date d, char out[JKT_DATE_STRLEN]);
/* "YYYY-MM-DD HH:MM:SS" (Jakarta civil time). */
void jkt_datetime_format(jkt_datetime dt, char out[JKT_DATETIME_STRLEN]);

/* Days since 1970-01-01 (negative before), and back. d must be valid. */
int64_t jkt_date_to_days(jkt_date d);
jkt_date jkt_date_from_days(int64_t days);
/* b - a in days (positive when b is later). */
int64_t jkt_days_between(jkt_date a, jkt_date b);
/* d + n days (n may be negative), e.g. the expected pickup date = service day + 14. */
jkt_date jkt_add_days(jkt_date d, int64_t n);
/* ISO weekday of a valid date: 1 = Monday (Senin) .. 7 = Sunday (Minggu). */
int jkt_weekday(jkt_date d);

/* UTC Unix ms <-> Jakarta civil time. Floor semantics for instants before 1970. */
jkt_datetime jkt_from_utc_ms(int64_t utc_ms);
int64_t jkt_to_utc_ms(jkt_datetime dt);

/* The service day (Jakarta calendar date) an instant belongs to: 2024-03-01T17:00:00Z is
   2024-03-02 00:00 WIB, so it belongs to 2024-03-02. */
jkt_date jkt_service_day(int64_t utc_ms);
void jkt_service_day_str(int64_t utc_ms, char out[JKT_DATE_STRLEN]);
/* UTC ms of 00:00:00.000 WIB of day d, and of the start of the next day: a service day is the
   half-open interval [start, end). Use `at >= start AND at < end` in queries. */
int64_t jkt_day_start_ms(jkt_date d);
int64_t jkt_day_end_ms(jkt_date d);

/*
 * Age in full years on day `on`: the number of birthdays passed (a birthday counts on the day
 * itself). -1 when `on` is before `birth`.
 * Rule for 29 February births: in a common year the birthday is 1 March (the person born on
 * 2008-02-29 turns 17 on 2025-03-01, not on 2025-02-28). This is the reading of "has reached
 * the age of" used by Indonesian civil registration practice: a year is complete only after
 * the day that would be the anniversary, and 28 February would be one day short of it.
 */
int jkt_age_on(jkt_date birth, jkt_date on);

#endif
