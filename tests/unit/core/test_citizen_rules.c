/*
 * test_citizen_rules.c - the pure rules of the citizen's side: Indonesian mobile numbers, SMS
 * texts (one 160-character GSM 7-bit message at their longest), booking codes (typos caught),
 * the booked/walk-in call rule (no starvation of either side, simulated over a day), and the
 * place a ticket has in the queue (the replay of the call rules).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/appointment.h"
#include "core/eta.h"
#include "core/phone.h"
#include "core/queue.h"
#include "core/sms.h"

static void test_phone(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"081234567890", "+6281234567890"}, {"0812-3456-7890", "+6281234567890"},
        {"0812 3456 7890", "+6281234567890"}, {"+62 812 3456 7890", "+6281234567890"},
        {"6281234567890", "+6281234567890"}, {"+62 0812 3456 789", "+628123456789"},
        {"(0878) 1234.5678", "+6287812345678"}, {"0812345678", "+62812345678"},
        {"0895123456789", "+62895123456789"},
    };
    char out[PHONE_LEN];
    kt_error err;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(phone_normalize(ok[i].in, NULL, out, &err), KT_OK);
        assert_string_equal(out, ok[i].out);
    }
    static const char *const bad[] = {
        "", "0812abc4567", "021-5551234", "+1 415 555 0101", "08123", "0812345678901234",
        "0804123456789", "0862123456", "812345678901", "++6281234567890", "0812_3456_7890",
        "62021555123", "08"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(out, "keep");
        assert_int_equal(phone_normalize(bad[i], "phone", out, &err), KT_EINVAL);
        assert_string_equal(err.id, "phone_invalid");
        assert_string_equal(err.field, "phone");
        assert_string_equal(out, "keep");
    }
    assert_int_equal(phone_normalize(NULL, NULL, out, &err), KT_EINVAL);
    phone_mask("+6281234567890", out);
    assert_string_equal(out, "+62812****7890");
    phone_mask("garbage", out);
    assert_string_equal(out, "****");
}

static void test_sms_texts(void **state)
{
    (void)state;
    char out[SMS_CAP];
    kt_error err;
    /* The longest inputs of each text: the longest service label, weekday and month. */
    jkt_date d = {2026, 9, 29}; /* Selasa, 29 September 2026 */
    assert_int_equal(sms_text_booking(out, "Kec. Neglasari", "KTP hilang / rusak", d, 13 * 60 + 30,
                                      "K3M-9QX-A7C", 0, &err), KT_OK);
    assert_true(strlen(out) <= SMS_MAX);
    assert_non_null(strstr(out, "Selasa, 29 September 2026, 13.30 WIB"));
    assert_non_null(strstr(out, "K3M-9QX-A7C"));
    assert_int_equal(sms_text_booking(out, "Kec. Neglasari", "KTP hilang / rusak", d, 8 * 60,
                                      "K3M-9QX-A7C", 1, &err), KT_OK);
    assert_non_null(strstr(out, "diubah"));
    assert_int_equal(sms_text_reminder(out, "Kec. Neglasari", "KTP hilang / rusak", d, 8 * 60,
                                       "K3M-9QX-A7C", &err), KT_OK);
    assert_non_null(strstr(out, "besok Selasa"));
    assert_int_equal(sms_text_queue_near(out, "Kec. Neglasari", "A1000", 3, &err), KT_OK);
    assert_non_null(strstr(out, "Nomor antrian A1000 Anda tinggal 3 lagi"));
    assert_int_equal(sms_text_queue_near(out, "Kec. Neglasari", "A012", 0, &err), KT_OK);
    assert_non_null(strstr(out, "segera dipanggil"));
    assert_int_equal(sms_text_card_ready(out, "Kec. Neglasari", "NGS-20260302-0001", &err), KT_OK);
    assert_non_null(strstr(out, "KTP-el Anda sudah dapat diambil"));
    /* over the limit, and outside the 7-bit alphabet */
    strcpy(out, "keep");
    assert_int_equal(sms_text_booking(out, "Kecamatan Neglasari Kota Tangerang Banten",
                                      "KTP hilang / rusak", d, 0, "K3M-9QX-A7C", 0, &err),
                     KT_EINVAL);
    assert_string_equal(err.id, "sms_too_long");
    assert_string_equal(out, "keep");
    assert_int_equal(sms_check("Kode [A]", &err), KT_EINVAL);
    assert_string_equal(err.id, "sms_charset");
    assert_int_equal(sms_check("Caf\xc3\xa9", &err), KT_EINVAL);
    char big[200];
    memset(big, 'a', 161);
    big[161] = '\0';
    assert_int_equal(sms_check(big, &err), KT_EINVAL);
    big[160] = '\0';
    assert_int_equal(sms_check(big, &err), KT_OK);
}

static void test_codes(void **state)
{
    (void)state;
    char code[APPT_CODE_LEN], back[APPT_CODE_LEN], shown[APPT_CODE_SHOWN];
    kt_error err;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        appt_code_make(x, code);
        assert_int_equal(strlen(code), 9);
        appt_code_show(code, shown);
        assert_int_equal(appt_code_parse(shown, NULL, back, &err), KT_OK);
        assert_string_equal(back, code);
        /* every single substitution by another symbol is caught (except 0 <-> Z) */
        for (int p = 0; p < 9; p++) {
            char typo[APPT_CODE_LEN];
            strcpy(typo, code);
            const char *alpha = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
            for (const char *a = alpha; *a != '\0'; a++) {
                if (*a == code[p] || (*a == '0' && code[p] == 'Z') || (*a == 'Z' && code[p] == '0'))
                    continue;
                if (p == 8)
                    continue; /* a changed check symbol is a substitution too: caught below */
                typo[p] = *a;
                assert_int_not_equal(appt_code_parse(typo, NULL, back, &err), KT_OK);
                typo[p] = code[p];
            }
        }
        /* a swap of two neighbours is caught unless they are equal (or 31 apart) */
        for (int p = 0; p + 1 < 8; p++) {
            if (code[p] == code[p + 1])
                continue;
            char sw[APPT_CODE_LEN];
            strcpy(sw, code);
            sw[p] = code[p + 1];
            sw[p + 1] = code[p];
            kt_code rc = appt_code_parse(sw, NULL, back, &err);
            if (!((code[p] == '0' && code[p + 1] == 'Z') || (code[p] == 'Z' && code[p + 1] == '0')))
                assert_int_equal(rc, KT_EINVAL);
        }
    }
    appt_code_make(0, code);
    assert_string_equal(code, "000000000");
    /* lenient reading: lower case, O for 0, I/L for 1, spaces, the booking page's address */
    appt_code_make(0x123456789au, code);
    appt_code_show(code, shown);
    char lower[40];
    snprintf(lower, sizeof lower, " %s ", shown);
    for (char *p = lower; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    assert_int_equal(appt_code_parse(lower, NULL, back, &err), KT_OK);
    assert_string_equal(back, code);
    char url[120];
    snprintf(url, sizeof url, "https://ktpel.example/janji.html#kode=%s", code);
    assert_int_equal(appt_code_parse(url, NULL, back, &err), KT_OK);
    assert_string_equal(back, code);
    assert_int_equal(appt_code_parse("0O0-000-000", NULL, back, &err), KT_OK);
    assert_string_equal(back, "000000000");
    static const char *const bad[] = {"", "12345678", "1234567890", "ABC-DEF-GHU", "K3M#9QX",
                                      "!!!!!!!!!", "kode="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(appt_code_parse(bad[i], "code", back, &err), KT_EINVAL);
        assert_string_equal(err.field, "code");
    }
    int m = 0;
    assert_int_equal(appt_time_parse("08:30", "start", &m, &err), KT_OK);
    assert_int_equal(m, 510);
    assert_int_equal(appt_time_parse("23:59", "start", &m, &err), KT_OK);
    static const char *const badt[] = {"24:00", "8:30", "08.30", "08:60", "", "0830", "ab:cd"};
    for (size_t i = 0; i < sizeof badt / sizeof badt[0]; i++)
        assert_int_equal(appt_time_parse(badt[i], "start", &m, &err), KT_EINVAL);
}

/* A day at one loket: booked and walk-in tickets keep arriving; whatever the arrivals, neither
   class waits through more than B (booked) or 1 (walk-in) calls of the other while it has
   somebody waiting. */
static void test_booked_rule_no_starvation(void **state)
{
    (void)state;
    for (int b = 1; b <= 4; b++) {
        size_t walk = 0, booked = 0;
        int since = 0, booked_run = 0, walk_run = 0, max_booked_run = 0, max_walk_run = 0;
        uint32_t x = 12345u + (uint32_t)b;
        for (int step = 0; step < 5000; step++) {
            x = x * 1103515245u + 12345u;
            if ((x >> 16) % 3 == 0)
                walk += 1;
            if ((x >> 20) % 4 == 0)
                booked += 1;
            appt_class c = appt_next(walk, booked, since, b);
            if (c == APPT_CLASS_NONE)
                continue;
            int both = walk > 0 && booked > 0;
            if (c == APPT_CLASS_BOOKED) {
                booked--;
                booked_run = both ? booked_run + 1 : 0;
                walk_run = 0;
            } else {
                walk--;
                walk_run = both ? walk_run + 1 : 0;
                booked_run = 0;
            }
            since = appt_counter_after(c, since);
            if (booked_run > max_booked_run)
                max_booked_run = booked_run;
            if (walk_run > max_walk_run)
                max_walk_run = walk_run;
        }
        assert_true(max_booked_run <= b);  /* walk-ins get a call within B+1 */
        assert_true(max_walk_run <= 1);    /* booked get the next call after a walk-in */
        assert_true(max_booked_run >= 1);
    }
    assert_int_equal(appt_next(0, 0, 0, 2), APPT_CLASS_NONE);
    assert_int_equal(appt_next(3, 0, 9, 2), APPT_CLASS_WALKIN);
    assert_int_equal(appt_next(0, 3, 9, 2), APPT_CLASS_BOOKED);
    assert_int_equal(appt_next(3, 3, 1, 2), APPT_CLASS_BOOKED);
    assert_int_equal(appt_next(3, 3, 2, 2), APPT_CLASS_WALKIN);
    assert_int_equal(appt_next(3, 3, 1, 0), APPT_CLASS_WALKIN); /* B < 1 counts as 1 */
}

/* The place in the queue equals the order the rules actually call in. */
static void test_eta_place(void **state)
{
    (void)state;
    uint32_t x = 99u;
    for (int round = 0; round < 300; round++) {
        eta_ticket w[40];
        size_t n = 1 + (size_t)(round % 40);
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            w[i].priority = (x >> 24) % 5 == 0;
            w[i].booked = !w[i].priority && (x >> 16) % 3 == 0;
        }
        eta_rule r = {(int)(round % 4), 3, (int)(round % 3), 2};
        /* play the calls directly */
        int called[40] = {0};
        size_t order[40];
        eta_rule c = r;
        for (size_t k = 0; k < n; k++) {
            size_t lw = 0, lb = 0, lp = 0;
            for (size_t i = 0; i < n; i++)
                if (!called[i])
                    w[i].priority ? lp++ : w[i].booked ? lb++ : lw++;
            queue_class qc = queue_next_class(lw + lb, lp, c.regular_since_priority, c.priority_every);
            int want_p = qc == QUEUE_CLASS_PRIORITY, want_b = 0;
            if (!want_p) {
                appt_class ac = appt_next(lw, lb, c.booked_since_walkin, c.booked_every);
                want_b = ac == APPT_CLASS_BOOKED;
                c.booked_since_walkin = appt_counter_after(ac, c.booked_since_walkin);
            }
            c.regular_since_priority = queue_counter_after(qc, c.regular_since_priority);
            size_t i = 0;
            while (called[i] || w[i].priority != want_p || (!want_p && w[i].booked != want_b))
                i++;
            called[i] = 1;
            order[i] = k;
        }
        for (size_t t = 0; t < n; t++)
            assert_int_equal(eta_calls_before(w, n, t, r), order[t]);
    }
    eta_ticket one = {false, false};
    eta_rule r0 = {3, 3, 0, 2};
    assert_int_equal(eta_calls_before(&one, 1, 5, r0), 1);
    int64_t v[] = {5, 1, 4, 2, 3};
    assert_int_equal(eta_median(v, 5, 0), 3);
    int64_t v2[] = {10, 20};
    assert_int_equal(eta_median(v2, 2, 0), 10);
    assert_int_equal(eta_median(NULL, 0, 77), 77);
    const int64_t c[] = {300000, 300000, 900000};
    assert_int_equal(eta_mean(c, 3, 0), 500000);
    assert_int_equal(eta_mean(NULL, 0, 77), 77);
    assert_int_equal(eta_wait_ms(0, 600000, 2), 150000); /* half a cycle over two lokets */
    assert_int_equal(eta_wait_ms(3, 600000, 1), 2100000);
    assert_int_equal(eta_wait_ms(3, 600000, 0), 2100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_sms_texts),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_booked_rule_no_starvation),
        cmocka_unit_test(test_eta_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
