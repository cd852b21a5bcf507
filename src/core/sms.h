/*
 * sms.h - the texts of the SMS the office sends (booking confirmation, the day-before
 * reminder, "nomor Anda tinggal N lagi", "KTP-el Anda sudah dapat diambil"), in Bahasa
 * Indonesia, each fitting one SMS.
 *
 * One SMS is 160 characters of the GSM 03.38 default alphabet (7-bit). A single character
 * outside it (an accented letter, a typographic quote) switches the whole message to UCS-2 and
 * to 70 characters, and characters of the alphabet's extension table ([ ] { } ~ ^ | \ and the
 * euro sign) count twice. So the texts use plain ASCII letters, digits, space, newline and
 * the punctuation !"#$%&'()*+,-./:;<=>?@_ (all in the default table, one character each), and
 * sms_check() refuses anything else or anything longer than 160. Dates are written as people
 * read them ("Rabu, 4 Maret 2026, 09.00 WIB"); times are Asia/Jakarta.
 *
 * Never: I/O, allocation, personal data beyond what the recipient already has (no NIK, no name).
 */
#ifndef KTPEL_CORE_SMS_H
#define KTPEL_CORE_SMS_H

#include "core/error.h"
#include "core/jakarta.h"

#define SMS_MAX 160
#define SMS_CAP (SMS_MAX + 1)

/* KT_EINVAL "sms_charset" (a character outside the plain set, field names its position) or
   "sms_too_long" (more than 160). */
kt_code sms_check(const char *text, kt_error *err);

/* Booking confirmed (or moved, when rescheduled): the service, the day and start time, the
   code to show at the kiosk. */
kt_code sms_text_booking(char out[SMS_CAP], const char *office, const char *service_label,
                         jkt_date day, int start_min, const char *code, int rescheduled,
                         kt_error *err);
/* The day before. */
kt_code sms_text_reminder(char out[SMS_CAP], const char *office, const char *service_label,
                          jkt_date day, int start_min, const char *code, kt_error *err);
/* ahead: how many are called before the ticket (0: "segera dipanggil"). */
kt_code sms_text_queue_near(char out[SMS_CAP], const char *office, const char *number,
                            int ahead, kt_error *err);
/* The printed card is at the kecamatan. */
kt_code sms_text_card_ready(char out[SMS_CAP], const char *office, const char *receipt_no,
                            kt_error *err);

#endif
