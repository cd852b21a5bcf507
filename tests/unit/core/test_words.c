/*
 * test_words.c - codes to words (core/words.h): every table complete and in Bahasa Indonesia,
 * the enum-backed tables agreeing with their modules, dates as people read them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/refcodes.h"
#include "core/words.h"
#include "core/workflow.h"

static void test_tables(void **state)
{
    (void)state;
    assert_string_equal(words_of(WORDS_STATE, "handed_over"), wf_state_label(WF_STATE_HANDED_OVER));
    assert_string_equal(words_of(WORDS_STATE, "no_show"), "Tidak hadir");
    assert_string_equal(words_of(WORDS_ACTION, "bio_put"), "Berkas biometrik disimpan");
    assert_string_equal(words_of(WORDS_KTP_STATUS, "BELUM_WAJIB"), "Belum wajib KTP-el");
    assert_string_equal(words_of(WORDS_USED_VIA, "qr_token"), "Kode QR dipindai");
    assert_string_equal(words_of(WORDS_ACCESS, "read_biometric"), "Unduh biometrik");
    assert_string_equal(words_of(WORDS_ACTION, "account_locked"),
                        "Akun dikunci sementara (terlalu banyak gagal masuk)");
    assert_string_equal(words_of(WORDS_CHECK, "audit_chain"),
                        "Jejak audit rusak (diubah atau dihapus)");
    assert_null(words_of(WORDS_ACTION, "no_such_action"));
    /* the citizen's side: its audit actions, a booking's states, the IKM's words */
    static const char *const citizen_actions[] = {
        "book", "cancel", "reschedule", "check_in", "set_appointment_config", "phone_given",
        "survey_offered", "survey_answered"};
    for (size_t i = 0; i < sizeof citizen_actions / sizeof citizen_actions[0]; i++)
        assert_non_null(words_of(WORDS_ACTION, citizen_actions[i]));
    /* its reads of a person's data (the access log) */
    static const char *const citizen_reads[] = {"card_status", "appointment_book",
                                                "appointment_read", "list_appointments"};
    for (size_t i = 0; i < sizeof citizen_reads / sizeof citizen_reads[0]; i++)
        assert_non_null(words_of(WORDS_ACCESS, citizen_reads[i]));
    assert_string_equal(words_of(WORDS_APPT_STATE, "checked_in"), "Sudah check-in");
    assert_string_equal(words_of(WORDS_GRADE, "B"), "Baik");
    assert_string_equal(words_of(WORDS_EDUCATION, "s2_plus"), "S2 ke atas");
    assert_string_equal(words_of(WORDS_OCCUPATION, "polri"), "POLRI");
    assert_null(words_of(WORDS_GRADE, "E"));
    assert_string_equal(words_or_id(WORDS_ACTION, "no_such_action"), "no_such_action");
    /* Every workflow action, every SIAK status and every table has a word. */
    for (int a = 0; a < WF_ACT_COUNT; a++)
        assert_non_null(words_of(WORDS_ACTION, wf_action_str((wf_action)a)));
    for (int k = 0; k < WF_TICKET_ACTION_COUNT; k++)
        assert_non_null(words_of(WORDS_ACTION, wf_ticket_action_str((wf_ticket_action)k)));
    for (int k = 0; k < REF_KTP_STATUS_COUNT; k++)
        assert_non_null(words_of(WORDS_KTP_STATUS, ref_ktp_status_str((ref_ktp_status)k)));
    for (int t = 0; t < WORDS_TABLE_COUNT; t++) {
        const char *id, *word;
        assert_non_null(words_table_str((words_table)t));
        assert_true(words_at((words_table)t, 0, &id, &word));
        for (size_t i = 0; words_at((words_table)t, i, &id, &word); i++) {
            assert_non_null(id);
            assert_non_null(word);
            assert_true(word[0] != '\0');
        }
    }
}

static void test_dates(void **state)
{
    (void)state;
    char out[64];
    /* 2026-12-07 06:21 UTC = 13.21 WIB */
    words_datetime(INT64_C(1796624460000), out, sizeof out);
    assert_string_equal(out, "7 Desember 2026, 13.21 WIB");
    words_date((jkt_date){2026, 3, 2}, out, sizeof out);
    assert_string_equal(out, "2 Maret 2026");
    words_duration(125000, out, sizeof out);
    assert_string_equal(out, "2 menit 5 detik");
    words_duration(3 * 3600000 + 60000, out, sizeof out);
    assert_string_equal(out, "3 jam 1 menit");
    /* with the weekday (2 March 2026 is a Monday; 29 February 2026 does not exist) */
    words_day((jkt_date){2026, 3, 2}, out, sizeof out);
    assert_string_equal(out, "Senin, 2 Maret 2026");
    words_day((jkt_date){2026, 3, 8}, out, sizeof out);
    assert_string_equal(out, "Minggu, 8 Maret 2026");
    words_day((jkt_date){2026, 2, 29}, out, sizeof out);
    assert_string_equal(out, "?");
    assert_string_equal(words_weekday(0), "?");
    char hm[6];
    words_hhmm(9 * 60 + 5, '.', hm);
    assert_string_equal(hm, "09.05");
    words_hhmm(24 * 60, ':', hm); /* a slot's end at midnight */
    assert_string_equal(hm, "24:00");
    words_hhmm(24 * 60 + 1, ':', hm);
    assert_string_equal(hm, "00:00");
    words_hhmm(-5, ':', hm);
    assert_string_equal(hm, "00:00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
