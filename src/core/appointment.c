/*
 * appointment.c - booking codes, slot times and the booked/walk-in call rule (appointment.h).
 * Never: I/O, allocation, randomness.
 */
#include "core/appointment.h"

#include <stdio.h>
#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford base32 */

static int symbol_value(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c == 'O')
        return 0;
    if (c == 'I' || c == 'L')
        return 1;
    const char *p = strchr(alphabet, c);
    return c != '\0' && p != NULL ? (int)(p - alphabet) : -1;
}

static int check_of(const int v[8])
{
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (i + 1) * v[i];
    return sum % 31;
}

void appt_code_make(uint64_t bits, char out[APPT_CODE_LEN])
{
    int v[8];
    for (int i = 7; i >= 0; i--) {
        v[i] = (int)(bits & 31u);
        bits >>= 5;
    }
    for (int i = 0; i < 8; i++)
        out[i] = alphabet[v[i]];
    out[8] = alphabet[check_of(v)];
    out[9] = '\0';
}

void appt_code_show(const char *code, char out[APPT_CODE_SHOWN])
{
    snprintf(out, APPT_CODE_SHOWN, "%.3s-%.3s-%.3s", code, strlen(code) > 3 ? code + 3 : "",
             strlen(code) > 6 ? code + 6 : "");
}

kt_code appt_code_parse(const char *text, const char *field, char out[APPT_CODE_LEN],
                        kt_error *err)
{
    const char *f = field != NULL ? field : "code";
    if (text == NULL)
        return kt_fail(err, KT_EINVAL, "code_invalid", f, "Kode janji temu kosong");
    size_t tl = strlen(text);
    if (tl > 300)
        return kt_fail(err, KT_EINVAL, "code_invalid", f, "Kode janji temu terlalu panjang");
    /* A scanned QR is the booking page's address: take what follows "kode=". */
    const char *k = strstr(text, "kode=");
    if (k != NULL)
        text = k + 5;
    int v[9], n = 0;
    for (const char *p = text; *p != '\0' && *p != '&' && *p != '#'; p++) {
        if (*p == ' ' || *p == '-' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;
        int x = symbol_value(*p);
        if (x < 0 || n == 9)
            return kt_fail(err, KT_EINVAL, "code_invalid", f,
                           "Kode janji temu terdiri dari 9 huruf/angka, mis. K3M-9QX-A7C");
        v[n++] = x;
    }
    if (n != 9)
        return kt_fail(err, KT_EINVAL, "code_invalid", f,
                       "Kode janji temu terdiri dari 9 huruf/angka (tertulis %d), mis. K3M-9QX-A7C",
                       n);
    if (check_of(v) != v[8])
        return kt_fail(err, KT_EINVAL, "code_mistyped", f,
                       "Kode janji temu salah ketik: periksa kembali setiap huruf dan angka");
    for (int i = 0; i < 9; i++)
        out[i] = alphabet[v[i]];
    out[9] = '\0';
    return KT_OK;
}

kt_code appt_time_parse(const char *s, const char *field, int *minutes, kt_error *err)
{
    if (s == NULL || strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' ||
        s[1] > '9' || s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
        return kt_fail(err, KT_EINVAL, "time_invalid", field != NULL ? field : "time",
                       "Jam harus berbentuk JJ:MM, mis. 08:30");
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23)
        return kt_fail(err, KT_EINVAL, "time_invalid", field != NULL ? field : "time",
                       "Jam %s di luar 00:00-23:59", s);
    *minutes = h * 60 + m;
    return KT_OK;
}

appt_class appt_next(size_t walkin_waiting, size_t booked_waiting, int booked_since_walkin,
                     int booked_every)
{
    if (booked_every < 1)
        booked_every = 1;
    if (walkin_waiting == 0 && booked_waiting == 0)
        return APPT_CLASS_NONE;
    if (walkin_waiting == 0)
        return APPT_CLASS_BOOKED;
    if (booked_waiting == 0)
        return APPT_CLASS_WALKIN;
    return booked_since_walkin >= booked_every ? APPT_CLASS_WALKIN : APPT_CLASS_BOOKED;
}

int appt_counter_after(appt_class called, int booked_since_walkin)
{
    switch (called) {
    case APPT_CLASS_BOOKED: return booked_since_walkin + 1;
    case APPT_CLASS_WALKIN: return 0;
    default: return booked_since_walkin;
    }
}
