/*
 * test_csv.c - the CSV line reader every import shares (core/csv.h): quoting, faults by column,
 * the byte order mark, line ends, field limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/csv.h"

static void test_split(void **state)
{
    (void)state;
    char line[] = "3671,\"SITI, AMINAH\",\"JL. \"\"MAWAR\"\"\",,x";
    char *f[8];
    int bad = 0;
    assert_int_equal(csv_split(line, f, 8, &bad, NULL), 5);
    assert_string_equal(f[0], "3671");
    assert_string_equal(f[1], "SITI, AMINAH");
    assert_string_equal(f[2], "JL. \"MAWAR\"");
    assert_string_equal(f[3], "");
    assert_string_equal(f[4], "x");
    char trailing[] = "a,";
    assert_int_equal(csv_split(trailing, f, 8, &bad, NULL), 2);
    assert_string_equal(f[1], "");
    char many[] = "a,b,c";
    assert_int_equal(csv_split(many, f, 2, &bad, NULL), 3); /* max + 1: too many */
    char exact[] = "a,b";
    assert_int_equal(csv_split(exact, f, 2, &bad, NULL), 2);
}

static void test_faults(void **state)
{
    (void)state;
    char *f[8];
    int bad = 0;
    const char *why = NULL;
    char open_q[] = "a,\"b,c";
    assert_int_equal(csv_split(open_q, f, 8, &bad, &why), -1);
    assert_int_equal(bad, 2);
    assert_non_null(why);
    char after[] = "a,\"b\"c,d";
    assert_int_equal(csv_split(after, f, 8, &bad, &why), -1);
    assert_int_equal(bad, 2);
    char mid[] = "a,b,c\"d";
    assert_int_equal(csv_split(mid, f, 8, &bad, &why), -1);
    assert_int_equal(bad, 3);
}

static void test_bom_and_chomp(void **state)
{
    (void)state;
    char bom[] = "\xef\xbb\xbf" "code,name";
    assert_string_equal(csv_skip_bom(bom), "code,name");
    char plain[] = "code";
    assert_ptr_equal(csv_skip_bom(plain), plain);
    char crlf[] = "a,b\r\n";
    assert_int_equal(csv_chomp(crlf, strlen(crlf)), 3);
    assert_string_equal(crlf, "a,b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_bom_and_chomp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
