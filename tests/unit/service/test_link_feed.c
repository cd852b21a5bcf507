/*
 * test_link_feed.c - what a kecamatan node makes of the central's answers (src/service/
 * link_node.c), without a central: the enrolment answer (svc_link_enrol_check: its shape and
 * its HMAC keyed by the enrolment code) and the two feeds' answers (svc_link_feed_apply:
 * status and residents), through the real service on a real database (SQLite, then
 * PostgreSQL). The whole link over HTTPS is api/test_link's; this suite pins the parsers'
 * promises (the fuzz harness's too): a refusal has an id and changes nothing, entries apply
 * in sequence order only as the next one, a resident from the feed is that entry's NIK with a
 * well-formed KK.
 */
#include <sodium.h>

#include "link/link.h"

#include "service/link_node.h"
#include "service/svc_internal.h"
#include "unit/service/svc_test.h"

static int setup(void **state) { (void)state; return t_setup_dir(); }
static int teardown(void **state) { (void)state; return t_rm_dir(); }

#define NODE "367110-01"
#define CODE "ab12-cd34"
#define NIK_R "3671101203900001"
#define KK_R "3671100101090001"

static void sql(svc *s, const char *q)
{
    store *db = NULL;
    kt_error err;
    t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
    t_expect(store_exec(db, q, &err), KT_OK, &err);
    svc_conn_put(s, db);
}

static int64_t sql_int(svc *s, const char *q)
{
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    int64_t v = -1;
    kt_error err;
    t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
    t_expect(store_prepare(db, q, &st, &err), KT_OK, &err);
    t_expect(store_step(st, &row, &err), KT_OK, &err);
    if (row)
        v = store_col_int(st, 0);
    store_reset(st);
    svc_conn_put(s, db);
    return v;
}

/* The central's enrolment answer for the fields given, with its HMAC (keyed by code). */
static char *answer(const char *node, const char *kec, const char *sign, const char *box,
                    const char *node_pk, const char *code)
{
    char text[512], norm[32], mac[64];
    uint8_t key[32], tag[crypto_auth_hmacsha256_BYTES];
    size_t n = 0;
    for (const char *q = code; *q != '\0'; q++)
        if (*q != '-')
            norm[n++] = (char)(*q >= 'a' && *q <= 'z' ? *q - 'a' + 'A' : *q);
    norm[n] = '\0';
    snprintf(text, sizeof text, "ktpel-enrol-v1\n%s\n%s\n%s\n%s\n%s", node, kec, sign, box,
             node_pk);
    crypto_hash_sha256(key, (const uint8_t *)norm, n);
    crypto_auth_hmacsha256(tag, (const uint8_t *)text, strlen(text), key);
    sodium_bin2base64(mac, sizeof mac, tag, sizeof tag, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "node_id", node, "kecamatan_code",
                          kec, "sign_public_key", sign, "box_public_key", box, "key_id", 1,
                          "mac", mac);
    char *out = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return out;
}

static void b64_key(char out[LINK_B64_KEY])
{
    uint8_t k[32];
    randombytes_buf(k, sizeof k);
    link_b64(k, sizeof k, out, LINK_B64_KEY);
}

static void test_enrol_answer(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char sign[LINK_B64_KEY], box[LINK_B64_KEY], pk[LINK_B64_KEY];
    b64_key(sign);
    b64_key(box);
    b64_key(pk);
    svc_link_enrol_answer a;
    kt_error err;
    char *ok = answer(NODE, "367110", sign, box, pk, CODE);
    t_expect(svc_link_enrol_check(ok, strlen(ok), NODE, "AB12 CD34", pk, &a, &err), KT_OK,
             &err);
    assert_string_equal(a.kecamatan_code, "367110");
    assert_string_equal(a.sign_public_key, sign);
    assert_int_equal(a.key_id, 1);
    /* Another code (a forged central), another node's key, another node id: refused. */
    t_expect(svc_link_enrol_check(ok, strlen(ok), NODE, "AB12-CD35", pk, &a, &err), KT_EUNAUTH,
             &err);
    assert_string_equal(err.id, "enrol_answer_forged");
    assert_string_equal(a.kecamatan_code, "");
    t_expect(svc_link_enrol_check(ok, strlen(ok), NODE, CODE, sign, &a, &err), KT_EUNAUTH, &err);
    t_expect(svc_link_enrol_check(ok, strlen(ok), "367110-02", CODE, pk, &a, &err), KT_EINVAL,
             &err);
    assert_string_equal(err.id, "enrol_answer_invalid");
    /* Cut, not JSON, a kecamatan code that is not six digits, a key that is not 32 bytes,
       even when the MAC is right for them. */
    t_expect(svc_link_enrol_check(ok, strlen(ok) / 2, NODE, CODE, pk, &a, &err), KT_EINVAL,
             &err);
    t_expect(svc_link_enrol_check("[]", 2, NODE, CODE, pk, &a, &err), KT_EINVAL, &err);
    static const char *const bad_kec[] = {"36711", "36711x", "3671100", "'; --"};
    for (size_t i = 0; i < sizeof bad_kec / sizeof bad_kec[0]; i++) {
        char *b = answer(NODE, bad_kec[i], sign, box, pk, CODE);
        t_expect(svc_link_enrol_check(b, strlen(b), NODE, CODE, pk, &a, &err), KT_EINVAL, &err);
        free(b);
    }
    char *b = answer(NODE, "367110", "AAAA", box, pk, CODE);
    t_expect(svc_link_enrol_check(b, strlen(b), NODE, CODE, pk, &a, &err), KT_EINVAL, &err);
    free(b);
    free(ok);
}

/* Apply text as a feed answer; rc, and *count applied. */
static kt_code feed(svc *s, const char *text, int residents, int *count, char *why,
                    kt_error *err)
{
    size_t n = 0;
    int progressed = 0;
    *count = 0;
    why[0] = '\0';
    return svc_link_feed_apply(s, text, strlen(text), residents, count, &n, &progressed, why,
                               200, err);
}

static void test_feeds(void **state)
{
    (void)state;
    svc *s = t_open();
    kt_error err;
    char why[200];
    int count = 0;
    sql(s, "INSERT INTO link_config (id, central_url, central_sign_pk, central_box_pk, node_id,"
           " kecamatan_code, key_path, enrolled_at) VALUES (1, 'http://127.0.0.1:9', 'x', 'x',"
           " '" NODE "', '367110', '/nonexistent', 0)");
    /* Not the feed's shape: nothing applied, said. */
    t_expect(feed(s, "{\"entries\": {}}", 0, &count, why, &err), KT_OK, &err);
    assert_true(why[0] != '\0');
    t_expect(feed(s, "<html>", 1, &count, why, &err), KT_OK, &err);
    assert_true(why[0] != '\0');
    assert_int_equal(count, 0);
    /* Status entries out of order and one twice: applied once each, in sequence; a gap waits. */
    t_expect(feed(s,
                  "{\"entries\": [{\"seq\": 2, \"packet_id\": \"" NODE "-00000001\","
                  " \"status\": \"PRINT_READY_RECORD\"}, {\"seq\": 1, \"packet_id\": \"" NODE
                  "-00000001\", \"status\": \"RECEIVED_AT_CENTRAL\"}, {\"seq\": 1, \"packet_id\":"
                  " \"" NODE "-00000001\", \"status\": \"RECEIVED_AT_CENTRAL\"}, {\"seq\": 4,"
                  " \"packet_id\": \"" NODE "-00000002\", \"status\": \"PRINT_READY_RECORD\"}]}",
                  0, &count, why, &err),
             KT_OK, &err);
    assert_int_equal(count, 2);
    assert_int_equal(sql_int(s, "SELECT status_cursor FROM link_config"), 2);
    /* A status outside the national vocabulary: refused, the cursor stays. */
    t_expect(feed(s,
                  "{\"entries\": [{\"seq\": 3, \"packet_id\": \"" NODE "-00000001\","
                  " \"status\": \"PRINTED_SOMEHOW\"}]}",
                  0, &count, why, &err),
             KT_EINVAL, &err);
    assert_string_equal(err.id, "status_malformed");
    /* A CARD_SHIPPED without its shipment: refused with its id, the cursor stays. */
    t_expect(feed(s,
                  "{\"entries\": [{\"seq\": 3, \"packet_id\": \"" NODE "-00000001\","
                  " \"application_id\": 7, \"status\": \"CARD_SHIPPED\"}]}",
                  0, &count, why, &err),
             KT_EINVAL, &err);
    assert_string_equal(err.id, "status_malformed");
    assert_int_equal(sql_int(s, "SELECT status_cursor FROM link_config"), 2);
    assert_int_equal(sql_int(s, "SELECT count(*) FROM link_shipments"), 0);

    /* Residents: a malformed NIK, a resident record of another NIK, a KK that is not 16
       digits, an unknown change: refused, nothing written. */
    static const char *const bad[] = {
        "{\"entries\": [{\"seq\": 1, \"nik\": \"36711012039\", \"change\": \"deceased\"}]}",
        "{\"entries\": [{\"seq\": 1, \"nik\": \"" NIK_R "\", \"change\": \"new\", \"resident\":"
        " {\"nik\": \"3671101203900002\", \"kk_number\": \"" KK_R "\"}}]}",
        "{\"entries\": [{\"seq\": 1, \"nik\": \"" NIK_R "\", \"change\": \"new\", \"resident\":"
        " {\"nik\": \"" NIK_R "\", \"kk_number\": \"KK\"}}]}",
        "{\"entries\": [{\"seq\": 1, \"nik\": \"" NIK_R "\", \"change\": \"vanished\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t_expect(feed(s, bad[i], 1, &count, why, &err), KT_EINVAL, &err);
        assert_string_equal(err.id, "resident_malformed");
    }
    assert_int_equal(sql_int(s, "SELECT resident_cursor FROM link_config"), 0);
    assert_int_equal(sql_int(s, "SELECT count(*) FROM residents WHERE nik = '" NIK_R "'"), 0);
    /* A record the residents table refuses (no birth place, no religion): its error, the
       cursor stays. */
    const char *part =
        "{\"entries\": [{\"seq\": 1, \"nik\": \"" NIK_R "\", \"change\": \"new\", \"resident\":"
        " {\"nik\": \"" NIK_R "\", \"kk_number\": \"" KK_R "\", \"name\": \"AHMAD FAUZI\"}}]}";
    assert_int_not_equal(feed(s, part, 1, &count, why, &err), KT_OK);
    assert_true(err.id[0] != '\0');
    assert_int_equal(sql_int(s, "SELECT resident_cursor FROM link_config"), 0);
    /* A new resident, then the same entry again: applied once. */
    const char *good =
        "{\"entries\": [{\"seq\": 1, \"nik\": \"" NIK_R "\", \"change\": \"new\", \"resident\":"
        " {\"nik\": \"" NIK_R "\", \"kk_number\": \"" KK_R "\", \"name\": \"AHMAD FAUZI\","
        " \"birth_place\": \"TANGERANG\", \"birth_date\": \"1990-03-12\", \"sex\": \"L\","
        " \"blood_type\": 4, \"agama\": 1, \"marital_status\": 1, \"pekerjaan\": 15,"
        " \"pendidikan\": 5, \"nationality\": \"WNI\", \"address\": \"JL. A NO. 1\", \"rt\":"
        " \"2\", \"rw\": \"5\", \"kelurahan_code\": \"3671101001\", \"kecamatan_code\":"
        " \"367110\", \"hubungan\": 1, \"ktp_status\": \"UNREGISTERED\", \"card_valid\": 0}}]}";
    t_expect(feed(s, good, 1, &count, why, &err), KT_OK, &err);
    assert_int_equal(count, 1);
    t_expect(feed(s, good, 1, &count, why, &err), KT_OK, &err);
    assert_int_equal(count, 0);
    assert_int_equal(sql_int(s, "SELECT count(*) FROM residents WHERE nik = '" NIK_R "'"), 1);
    assert_int_equal(sql_int(s, "SELECT resident_cursor FROM link_config"), 1);
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrol_answer),
        cmocka_unit_test_setup_teardown(test_feeds, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
