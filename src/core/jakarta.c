/*
 * jakarta.c - Asia/Jakarta civil time (fixed UTC+7) and Gregorian date arithmetic.
 * See jakarta.h. The day-number conversions are Howard Hinnant's days_from_civil /
 * civil_from_days algorithms (public domain description), exact for the proleptic Gregorian
 * calendar. Never: I/O, allocation, the process time zone.
 */
#include "core/jakarta.h"

#include <stdio.h>
#include <string.h>

bool jkt_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int jkt_days_in_month(int year, int month)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && jkt_is_leap(year))
        return 29;
    return dim[month - 1];
}

bool jkt_date_valid(jkt_date d)
{
    if (d.year < 1 || d.year > 9999 || d.month < 1 || d.month > 12)
        return false;
    return d.day >= 1 && d.day <= jkt_days_in_month(d.year, d.month);
}

int jkt_date_cmp(jkt_date a, jkt_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

kt_code jkt_date_parse(const char *s, const char *field, jkt_date *out, kt_error *err)
{
    if (field == NULL)
        field = "date";
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return kt_fail(err, KT_EINVAL, "date_invalid", field,
                       "Tanggal harus berformat TTTT-BB-HH (contoh 2024-02-29)");
    jkt_date d = {digits(s, 4), digits(s + 5, 2), digits(s + 8, 2)};
    if (d.year < 0 || d.month < 0 || d.day < 0)
        return kt_fail(err, KT_EINVAL, "date_invalid", field,
                       "Tanggal '%s' mengandung karakter selain angka", s);
    if (d.year < 1)
        return kt_fail(err, KT_EINVAL, "date_invalid", field, "Tahun 0000 tidak ada");
    if (d.month < 1 || d.month > 12)
        return kt_fail(err, KT_EINVAL, "date_invalid", field,
                       "Bulan %02d tidak ada (harus 01-12)", d.month);
    if (!jkt_date_valid(d))
        return kt_fail(err, KT_EINVAL, "date_invalid", field,
                       "Tanggal %02d tidak ada pada bulan %02d tahun %04d (bulan itu %d hari)",
                       d.day, d.month, d.year, jkt_days_in_month(d.year, d.month));
    *out = d;
    return KT_OK;
}

void jkt_date_format(jkt_date d, char out[JKT_DATE_STRLEN])
{
    if (!jkt_date_valid(d))
        d.year = d.month = d.day = 0;
    /* By hand: the compiler cannot prove snprintf's %d fits, and the range is known. */
    int v[3] = {d.year, d.month, d.day}, w[3] = {4, 2, 2};
    size_t o = 0;
    for (int k = 0; k < 3; k++) {
        if (k > 0)
            out[o++] = '-';
        for (int j = w[k] - 1, x = v[k]; j >= 0; j--, x /= 10)
            out[o + (size_t)j] = (char)('0' + x % 10);
        o += (size_t)w[k];
    }
    out[o] = '\0';
}

void jkt_datetime_format(jkt_datetime dt, char out[JKT_DATETIME_STRLEN])
{
    char day[JKT_DATE_STRLEN];
    jkt_date_format(dt.date, day);
    int h = dt.hour >= 0 && dt.hour < 24 ? dt.hour : 0;
    int m = dt.minute >= 0 && dt.minute < 60 ? dt.minute : 0;
    int sec = dt.second >= 0 && dt.second < 60 ? dt.second : 0;
    snprintf(out, JKT_DATETIME_STRLEN, "%s %02d:%02d:%02d", day, h, m, sec);
}

int64_t jkt_date_to_days(jkt_date d)
{
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (d.month + 9) % 12; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

jkt_date jkt_date_from_days(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    jkt_date r = {(int)(y + (m <= 2)), (int)m, (int)d};
    return r;
}

int64_t jkt_days_between(jkt_date a, jkt_date b)
{
    return jkt_date_to_days(b) - jkt_date_to_days(a);
}

jkt_date jkt_add_days(jkt_date d, int64_t n)
{
    return jkt_date_from_days(jkt_date_to_days(d) + n);
}

int jkt_weekday(jkt_date d)
{
    /* 1970-01-01 was a Thursday (ISO 4). */
    int64_t w = (jkt_date_to_days(d) + 3) % 7;
    if (w < 0)
        w += 7;
    return (int)w + 1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

jkt_datetime jkt_from_utc_ms(int64_t utc_ms)
{
    int64_t local = utc_ms + JKT_OFFSET_MS;
    int64_t days = floor_div(local, JKT_MS_PER_DAY);
    int64_t rem = local - days * JKT_MS_PER_DAY; /* 0 .. day-1 */
    jkt_datetime dt;
    dt.date = jkt_date_from_days(days);
    dt.hour = (int)(rem / 3600000);
    dt.minute = (int)(rem / 60000 % 60);
    dt.second = (int)(rem / 1000 % 60);
    dt.ms = (int)(rem % 1000);
    return dt;
}

int64_t jkt_to_utc_ms(jkt_datetime dt)
{
    int64_t local = jkt_date_to_days(dt.date) * JKT_MS_PER_DAY + (int64_t)dt.hour * 3600000 +
                    (int64_t)dt.minute * 60000 + (int64_t)dt.second * 1000 + dt.ms;
    return local - JKT_OFFSET_MS;
}

jkt_date jkt_service_day(int64_t utc_ms)
{
    return jkt_date_from_days(floor_div(utc_ms + JKT_OFFSET_MS, JKT_MS_PER_DAY));
}

void jkt_service_day_str(int64_t utc_ms, char out[JKT_DATE_STRLEN])
{
    jkt_date_format(jkt_service_day(utc_ms), out);
}

int64_t jkt_day_start_ms(jkt_date d)
{
    return jkt_date_to_days(d) * JKT_MS_PER_DAY - JKT_OFFSET_MS;
}

int64_t jkt_day_end_ms(jkt_date d)
{
    return jkt_day_start_ms(d) + JKT_MS_PER_DAY;
}

int jkt_age_on(jkt_date birth, jkt_date on)
{
    if (jkt_date_cmp(on, birth) < 0)
        return -1;
    int age = on.year - birth.year;
    /* This year's birthday; 29 February in a common year falls on 1 March. */
    int bm = birth.month, bd = birth.day;
    if (bm == 2 && bd == 29 && !jkt_is_leap(on.year)) {
        bm = 3;
        bd = 1;
    }
    if (on.month < bm || (on.month == bm && on.day < bd))
        age--;
    return age;
}
