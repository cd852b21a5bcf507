/*
 * fuzz_link_node.c - what a kecamatan node reads from the city registry (Disdukcapil)
 * (src/service/link_node.c): the answer to its enrolment (svc_link_enrol_check) and the
 * answers of the two feeds it pulls, statuses and residents (svc_link_feed_apply), through the
 * real service on a SQLite file. The packets the central reads are fuzz_link's.
 *
 * Input: one mode byte ('0'..'3'; (byte - '0') mod 4), then:
 *   0  an enrolment answer as the central sends it (JSON), checked for node 367110-01 with
 *      the run's enrolment code and node key (an attacker without the code)
 *   1  lines NODE_ID, KECAMATAN_CODE, SIGN_KEY, BOX_KEY, KEY_ID: the harness writes the
 *      answer with these fields and the right HMAC, so the fuzzer reaches what is behind it
 *   2  a status feed answer ({"entries": [...]}), applied
 *   3  a resident feed answer, applied
 *
 * Checks link_node.h's promises besides the sanitizers: a refused enrolment answer has an id
 * and a message and leaves the answer's fields empty; an accepted one (mode 1) is the node's
 * own id, a 6-digit kecamatan code and two keys of 32 bytes, the fields as sent; a feed
 * answer moves the cursor by exactly the entries it applied (never back), an answer of the
 * wrong shape applies nothing and says why, an entry refused has an id and a message, and
 * every resident the feed wrote has a well-formed NIK and KK. The feeds' tables and cursors
 * are reset between inputs (each input meets a node that has applied nothing yet).
 */
#include <sodium.h>

#include "core/nik.h"
#include "fuzz_svc.h"
#include "link/link.h"
#include "service/link_node.h"

#define NODE "367110-01"
#define CODE "AB12-CD34"

static svc *node;
static sqlite3 *raw;      /* the harness's own connection: resets and checks */
static char node_pk[48];  /* the node's public key (base64url), made for the run */

static void close_all(void)
{
    sqlite3_close(raw);
    svc_close(node);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char db[300];
    uint8_t pk[32];
    if (sodium_init() < 0)
        abort();
    randombytes_buf(pk, sizeof pk);
    link_b64(pk, sizeof pk, node_pk, sizeof node_pk);
    node = fz_svc_open("link_node", 1, db);
    raw = fz_sql_open(db);
    atexit(close_all);
    fz_sql(raw, "INSERT INTO link_config (id, central_url, central_sign_pk, central_box_pk,"
                " node_id, kecamatan_code, key_path, enrolled_at) VALUES (1,"
                " 'http://127.0.0.1:9', 'x', 'x', '" NODE "', '367110', '/nonexistent', 0)");
    /* A packet the statuses can name (its application is not on this node: the status is
       recorded, the packet marked, nothing to move). */
    fz_sql(raw, "INSERT INTO link_outbox (packet_id, seq, kind, application_id, nik, header,"
                " state, created_at) VALUES ('" NODE "-00000001', 1, 'rekam', 1,"
                " '3671101203900001', '{}', 'ready', 0)");
    return 0;
}

/* The answer of mode 1: the fields as lines, the HMAC the central would compute. */
static char *answer_of(const char *const f[5])
{
    char text[2048], norm[16] = "AB12CD34", mac[64];
    uint8_t key[32], tag[crypto_auth_hmacsha256_BYTES];
    snprintf(text, sizeof text, "ktpel-enrol-v1\n%s\n%s\n%s\n%s\n%s", f[0], f[1], f[2], f[3],
             node_pk);
    crypto_hash_sha256(key, (const uint8_t *)norm, strlen(norm));
    crypto_auth_hmacsha256(tag, (const uint8_t *)text, strlen(text), key);
    sodium_bin2base64(mac, sizeof mac, tag, sizeof tag, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *end = NULL;
    long long kid = strtoll(f[4], &end, 10);
    json_t *j = json_pack("{s:s%, s:s%, s:s%, s:s%, s:s}", "node_id", f[0], strlen(f[0]),
                          "kecamatan_code", f[1], strlen(f[1]), "sign_public_key", f[2],
                          strlen(f[2]), "box_public_key", f[3], strlen(f[3]), "mac", mac);
    if (j == NULL) /* not UTF-8: as the central's JSON could not be */
        return NULL;
    if (end != f[4] && *end == '\0')
        json_object_set_new(j, "key_id", json_integer(kid));
    char *out = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return out;
}

static int key_ok(const char *b64)
{
    uint8_t k[32];
    kt_error e;
    return link_b64_key(b64, k, "key", &e) == KT_OK;
}

static void enrol(const uint8_t *data, size_t size, int harness_mac)
{
    svc_link_enrol_answer a;
    kt_error err;
    char *text = NULL, *lines = NULL;
    const char *f[5];
    kt_code rc;
    kt_error_clear(&err);
    if (!harness_mac) {
        rc = svc_link_enrol_check((const char *)data, size, NODE, CODE, node_pk, &a, &err);
    } else {
        lines = fz_cstr(data, size);
        fz_lines(lines, f, 5);
        if ((text = answer_of(f)) == NULL) {
            free(lines);
            return;
        }
        rc = svc_link_enrol_check(text, strlen(text), NODE, CODE, node_pk, &a, &err);
    }
    if (rc != KT_OK) {
        if (err.id[0] == '\0' || err.message[0] == '\0')
            fz_fail("enrolment answer refused without an id and a message");
        if (a.kecamatan_code[0] != '\0' || a.sign_public_key[0] != '\0' ||
            a.box_public_key[0] != '\0' || a.key_id != 0)
            fz_fail("a refused enrolment answer left fields (%s)", err.id);
    } else {
        if (strlen(a.kecamatan_code) != 6 || strspn(a.kecamatan_code, "0123456789") != 6 ||
            !key_ok(a.sign_public_key) || !key_ok(a.box_public_key))
            fz_fail("accepted an enrolment answer with kecamatan '%s' or a bad key",
                    a.kecamatan_code);
        if (harness_mac && (strcmp(f[0], NODE) != 0 || strcmp(a.kecamatan_code, f[1]) != 0 ||
                            strcmp(a.sign_public_key, f[2]) != 0 ||
                            strcmp(a.box_public_key, f[3]) != 0))
            fz_fail("the accepted enrolment answer is not the fields sent");
        if (!harness_mac)
            fz_fail("accepted an enrolment answer without the code's HMAC");
    }
    free(text);
    free(lines);
}

static void feed(const uint8_t *data, size_t size, int residents)
{
    const char *cursor_q = residents ? "SELECT resident_cursor FROM link_config"
                                     : "SELECT status_cursor FROM link_config";
    int64_t before = fz_sql_int(raw, cursor_q);
    int count = 0, progressed = 0;
    size_t entries = 0;
    char why[200] = "";
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_link_feed_apply(node, (const char *)data, size, residents, &count, &entries,
                                     &progressed, why, sizeof why, &err);
    int64_t after = fz_sql_int(raw, cursor_q);
    if (after != before + count)
        fz_fail("the cursor moved from %lld to %lld for %d entries applied", (long long)before,
                (long long)after, count);
    if (count < 0 || (size_t)count > entries || progressed != (count > 0))
        fz_fail("%d applied of %zu entries (progressed %d)", count, entries, progressed);
    if (rc != KT_OK && (err.id[0] == '\0' || err.message[0] == '\0'))
        fz_fail("a feed entry refused without an id and a message");
    if (why[0] != '\0' && (count != 0 || entries != 0))
        fz_fail("an answer of the wrong shape applied %d entries", count);
    if (fz_sql_int(raw, "SELECT count(*) FROM residents WHERE length(nik) <> 16 OR nik GLOB"
                        " '*[^0-9]*' OR length(kk_number) <> 16 OR kk_number GLOB '*[^0-9]*'") != 0)
        fz_fail("the resident feed wrote a malformed NIK or KK");
    fz_sql(raw, "DELETE FROM link_statuses; DELETE FROM link_shipment_cards;"
                " DELETE FROM link_shipments; DELETE FROM residents; DELETE FROM families;"
                " UPDATE link_config SET status_cursor = 0, resident_cursor = 0;"
                " UPDATE link_outbox SET state = 'ready', central_status = ''");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = (data[0] - '0' + 400) % 4;
    data++;
    size--;
    if (mode == 0 || mode == 1)
        enrol(data, size, mode);
    else
        feed(data, size, mode == 3);
    return 0;
}
