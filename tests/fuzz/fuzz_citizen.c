/*
 * fuzz_citizen.c - the text parsers of the citizen's side (issue 13): what a public form, a
 * scanned QR or an SMS body hands to ktpel.
 *
 * The first input byte picks the parser (its value mod 5; the seeds use bytes 0 to 4), the
 * rest is the text:
 *   0  appt_code_parse     a booking code as typed or scanned ("k3m-9qx-a7c", "...kode=...")
 *   1  appt_time_parse     a slot's "HH:MM"
 *   2  phone_normalize     an Indonesian mobile number in any of the ways people write it
 *   3  ikm_period_parse    an IKM report period ("2026-03", "2026-Q1", "2026-S2", "2026")
 *   4  sms_check           an SMS body (GSM 7-bit plain set, 160 characters)
 * Each acceptance must be the canonical form (it parses again to itself, and what it carries
 * holds the rule it promises), and each refusal carries its documented error id and field.
 * The public JSON bodies (booking, card status, survey, reschedule, a ticket's SMS) are fuzzed
 * through the real server by fuzz_api (seeds/api/public-*).
 */
#include "fuzz.h"

#include "core/appointment.h"
#include "core/ikm.h"
#include "core/phone.h"
#include "core/sms.h"

static void refused(const kt_error *err, const char *id, const char *field, const char *what)
{
    if (strcmp(err->id, id) != 0 || (field != NULL && strcmp(err->field, field) != 0))
        fz_fail("%s refused with id '%s' field '%s'", what, err->id, err->field);
}

static void check_code(const char *s)
{
    char code[APPT_CODE_LEN], again[APPT_CODE_LEN], shown[APPT_CODE_SHOWN];
    kt_error err;
    if (appt_code_parse(s, "code", code, &err) != KT_OK) {
        if (strcmp(err.id, "code_mistyped") != 0)
            refused(&err, "code_invalid", "code", "booking code");
        return;
    }
    if (strlen(code) != APPT_CODE_LEN - 1)
        fz_fail("code '%s' accepted as '%s' (not 9 symbols)", s, code);
    /* what is shown to people and what is stored both read back as the same code */
    appt_code_show(code, shown);
    if (appt_code_parse(shown, "code", again, &err) != KT_OK || strcmp(again, code) != 0)
        fz_fail("code %s shown as '%s' does not read back", code, shown);
    if (appt_code_parse(code, "code", again, &err) != KT_OK || strcmp(again, code) != 0)
        fz_fail("stored code %s does not read back", code);
}

static void check_time(const char *s)
{
    int m = -1;
    kt_error err;
    if (appt_time_parse(s, "start", &m, &err) != KT_OK) {
        refused(&err, "time_invalid", "start", "slot time");
        return;
    }
    char back[8];
    if (m < 0 || m >= 24 * 60)
        fz_fail("time '%s' accepted as minute %d", s, m);
    snprintf(back, sizeof back, "%02d:%02d", m / 60, m % 60);
    if (strcmp(back, s) != 0)
        fz_fail("time '%s' reads as %s", s, back);
}

static void check_phone(const char *s)
{
    char out[PHONE_LEN] = "untouched", again[PHONE_LEN], masked[PHONE_LEN];
    kt_error err;
    if (phone_normalize(s, "phone", out, &err) != KT_OK) {
        refused(&err, "phone_invalid", "phone", "phone number");
        if (strcmp(out, "untouched") != 0)
            fz_fail("a refused number changed out to '%s'", out);
        return;
    }
    size_t n = strlen(out);
    /* +62, then 8, an operator block and 9 to 12 digits in all */
    if (strncmp(out, "+628", 4) != 0 || n < 3 + 9 || n > 3 + 12 ||
        strspn(out + 1, "0123456789") != n - 1)
        fz_fail("'%s' normalised to '%s'", s, out);
    if (phone_normalize(out, "phone", again, &err) != KT_OK || strcmp(again, out) != 0)
        fz_fail("normalised %s does not normalise to itself", out);
    /* masked: "+62" and the operator block, the last 4 digits, the rest hidden */
    char want[PHONE_LEN + 8];
    snprintf(want, sizeof want, "%.6s****%s", out, out + n - 4);
    phone_mask(out, masked);
    if (strcmp(masked, want) != 0)
        fz_fail("%s masked as '%s'", out, masked);
}

static void check_period(const char *s)
{
    ikm_period p, q;
    kt_error err;
    if (ikm_period_parse(s, "period", &p, &err) != KT_OK) {
        refused(&err, "period_invalid", "period", "IKM period");
        return;
    }
    if (jkt_date_cmp(p.first, p.last) > 0 || !jkt_date_valid(p.first) ||
        !jkt_date_valid(p.last) || p.label[0] == '\0')
        fz_fail("period '%s' accepted as an empty or invalid range", s);
    if (ikm_period_parse(p.id, "period", &q, &err) != KT_OK || strcmp(q.id, p.id) != 0 ||
        jkt_date_cmp(q.first, p.first) != 0 || jkt_date_cmp(q.last, p.last) != 0)
        fz_fail("period '%s' (canonical '%s') does not read back", s, p.id);
}

static void check_sms(const char *s)
{
    kt_error err;
    if (sms_check(s, &err) != KT_OK) {
        if (strcmp(err.id, "sms_too_long") != 0)
            refused(&err, "sms_charset", NULL, "SMS body");
        return;
    }
    if (strlen(s) > SMS_MAX)
        fz_fail("an SMS of %zu bytes accepted", strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 4096)
        return 0;
    char *s = fz_cstr(data + 1, size - 1);
    switch (data[0] % 5) {
    case 0:
        check_code(s);
        break;
    case 1:
        check_time(s);
        break;
    case 2:
        check_phone(s);
        break;
    case 3:
        check_period(s);
        break;
    default:
        check_sms(s);
        break;
    }
    free(s);
    return 0;
}
