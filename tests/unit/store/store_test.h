/*
 * store_test.h - what the store suites share: an expectation that prints the error when it
 * fails, and the one-number query they read results with. Header-only (static functions) so
 * each test_*.c stays one executable.
 */
#ifndef KTPEL_TEST_STORE_H
#define KTPEL_TEST_STORE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "store/store.h"

__attribute__((unused)) static void st_expect(kt_code got, kt_code want, const kt_error *err)
{
    if (got != want)
        fprintf(stderr, "got %d want %d: %s %s: %s\n", got, want, err->id, err->field,
                err->message);
    assert_int_equal(got, want);
}

/* The first column of the one row sql returns, as an integer ("SELECT count(*) ..."). */
__attribute__((unused)) static int64_t st_count(store *db, const char *sql)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_error err;
    st_expect(store_prepare(db, sql, &st, &err), KT_OK, &err);
    st_expect(store_step(st, &row, &err), KT_OK, &err);
    assert_int_equal(row, 1);
    int64_t v = store_col_int(st, 0);
    store_reset(st);
    return v;
}

#endif
