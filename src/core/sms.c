/*
 * sms.c - SMS texts within one 160-character GSM 7-bit message (see sms.h).
 * Never: I/O, allocation.
 */
#include "core/sms.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/words.h"

kt_code sms_check(const char *text, kt_error *err)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++, n++) {
        unsigned c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == ' ' || c == '\n' || (c != '`' && strchr("!\"#$%&'()*+,-./:;<=>?@_", (int)c) != NULL);
        if (!ok) {
            char where[32];
            snprintf(where, sizeof where, "char %zu", n + 1);
            return kt_fail(err, KT_EINVAL, "sms_charset", where,
                           "Karakter ke-%zu (kode %u) tidak ada dalam abjad SMS 7-bit", n + 1, c);
        }
    }
    if (n > SMS_MAX)
        return kt_fail(err, KT_EINVAL, "sms_too_long", "",
                       "Pesan SMS %zu karakter, lebih dari %d", n, SMS_MAX);
    return KT_OK;
}

static kt_code compose(char out[SMS_CAP], kt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static kt_code compose(char out[SMS_CAP], kt_error *err, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof buf)
        return kt_fail(err, KT_EINVAL, "sms_too_long", "", "Pesan SMS terlalu panjang");
    kt_code rc = sms_check(buf, err);
    if (rc == KT_OK)
        memcpy(out, buf, (size_t)k + 1);
    return rc;
}

static void when_words(jkt_date day, int start_min, char *out, size_t cap)
{
    char d[48], t[6];
    words_day(day, d, sizeof d);
    words_hhmm(start_min, '.', t);
    snprintf(out, cap, "%s, %s WIB", d, t);
}

kt_code sms_text_booking(char out[SMS_CAP], const char *office, const char *service_label,
                         jkt_date day, int start_min, const char *code, int rescheduled,
                         kt_error *err)
{
    char when[72];
    when_words(day, start_min, when, sizeof when);
    return compose(out, err, "Janji temu KTP-el %s %s: %s, %s. Kode %s: tunjukkan di kios, "
                   "juga untuk batal/ubah.",
                   office, rescheduled ? "diubah" : "tercatat", service_label, when, code);
}

kt_code sms_text_reminder(char out[SMS_CAP], const char *office, const char *service_label,
                          jkt_date day, int start_min, const char *code, kt_error *err)
{
    char when[72];
    when_words(day, start_min, when, sizeof when);
    return compose(out, err, "Pengingat: besok %s janji temu KTP-el (%s) di %s. Kode %s. "
                   "Datang 15 menit lebih awal.",
                   when, service_label, office, code);
}

kt_code sms_text_queue_near(char out[SMS_CAP], const char *office, const char *number,
                            int ahead, kt_error *err)
{
    if (ahead <= 0)
        return compose(out, err, "Nomor antrian %s Anda segera dipanggil. Mohon menuju ruang "
                       "tunggu %s dan perhatikan layar antrian.", number, office);
    return compose(out, err, "Nomor antrian %s Anda tinggal %d lagi. Mohon bersiap di ruang "
                   "tunggu %s dan perhatikan layar antrian.", number, ahead, office);
}

kt_code sms_text_card_ready(char out[SMS_CAP], const char *office, const char *receipt_no,
                            kt_error *err)
{
    return compose(out, err, "KTP-el Anda sudah dapat diambil di Loket Penyerahan %s. Bawa "
                   "tanda terima %s dan ambil antrian E (Pengambilan e-KTP).",
                   office, receipt_no);
}
