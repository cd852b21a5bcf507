/*
 * fuzz_link.c - the link's packets and keys (src/link: packet.c, keys.c), as the city
 * registry (Disdukcapil) reads what a kecamatan node sends it: the packet file
 * (POST /api/link/v1/packets: the outer tar, the envelope, the sealed key, the encrypted
 * payload, the inner tar, the manifest and the parts), the signed request header of the
 * node's feed requests, keys in base64 and key files. The library alone (link.h: no storage,
 * no service), with keys made for the run: the node's Ed25519 key and the central's X25519 key.
 *
 * Input: one mode byte ('0'..'4'; (byte - '0') mod 5), then:
 *   0  a packet file, read by link_packet_envelope and opened by link_packet_open with the
 *      run's node and central keys (an attacker without the node's key)
 *   1  a packet the harness signs and encrypts, so the fuzzer reaches what is behind the
 *      signatures: NUL-separated fields envelope.json, manifest.json, then inner tar entries
 *      "NAME\nCONTENT"; a JSON object as envelope gets the right sealed_key_sha256,
 *      payload_sha256 and payload_size; both JSON texts are signed with the node's key
 *   2  link_packet_make of NUL-separated fields: the manifest header (a JSON object, else
 *      none), then parts "NAME\nCONTENT"; the made packet opened, then changed (2 bytes: a
 *      position, 1 byte: the bit) and opened again
 *   3  lines METHOD, PATH, TIME, SIGNATURE, then the body: link_req_verify of them, and a
 *      request the harness signs (link_req_sign) verified, then with its time or body changed
 *   4  a key file (link_sign_key_load, link_box_key_load) and a base64 key (link_b64_key) of
 *      the same bytes
 *
 * Checks link.h's promises besides the sanitizers: a refusal has an id and a message and
 * gives no packet; the envelope alone is accepted when the packet opens, and is the same;
 * an opened packet's envelope is the envelope.json the node signed, field by field, and its
 * parts are the inner tar's parts/NAME entries, byte for byte; a packet made opens to the
 * same envelope and parts, and a changed packet opens (if at all) to the same; a signed
 * request verifies and fails with another time or body; a loaded key is a working key pair;
 * a base64 key is accepted exactly when it is 32 bytes and writes back the same.
 */
#include <sodium.h>
#include <sys/stat.h>

#include "../ktb_writer.h"
#include "fuzz.h"
#include "link/link.h"

#define CHUNK 65536 /* packet.c's payload chunk (link.h's format: 64 KiB secretstream chunks) */

static link_sign_key node;
static link_box_key central;
static char key_path[300];
static kt_error last; /* why the last open_packet refused */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    crypto_sign_keypair(node.pk, node.sk);
    crypto_box_keypair(central.pk, central.sk);
    snprintf(key_path, sizeof key_path, "%s/node.key", fz_dir("link"));
    return 0;
}

static void refusal_ok(kt_code rc, const kt_error *err, const char *what)
{
    if (rc == KT_OK || err->id[0] == '\0' || err->message[0] == '\0')
        fz_fail("%s: refusal %d without an id or a message (%s)", what, (int)rc, err->id);
}

/* Open buf both ways; the packet when it opens (link_packet_free), else NULL. */
static link_packet *open_packet(const uint8_t *buf, size_t len)
{
    link_envelope env;
    link_packet *p = NULL;
    kt_error err, err2;
    kt_error_clear(&err);
    kt_error_clear(&err2);
    kt_code re = link_packet_envelope(buf, len, &env, &err);
    kt_code ro = link_packet_open(buf, len, node.pk, &central, &p, &err2);
    if (ro != KT_OK) {
        if (p != NULL)
            fz_fail("a refused packet (%s) gave a packet", err2.id);
        refusal_ok(ro, &err2, "link_packet_open");
        last = err2;
    }
    if (re != KT_OK)
        refusal_ok(re, &err, "link_packet_envelope");
    if (ro == KT_OK) {
        if (re != KT_OK)
            fz_fail("a packet opens but its envelope is refused (%s)", err.id);
        if (memcmp(&env, &p->env, sizeof env) != 0)
            fz_fail("the envelope read alone is not the opened packet's (%s / %s)",
                    env.packet_id, p->env.packet_id);
        if (p->nparts > LINK_PARTS_MAX || p->manifest == NULL || p->size != len)
            fz_fail("opened packet: %zu parts, size %zu of %zu", p->nparts, p->size, len);
        for (size_t i = 0; i < p->nparts; i++) {
            if (p->parts[i].len > LINK_PART_MAX)
                fz_fail("part %s of %zu bytes", p->parts[i].name, p->parts[i].len);
            if (link_packet_part(p, p->parts[i].name) != &p->parts[i])
                fz_fail("part %s named twice", p->parts[i].name);
        }
        kt_error je;
        json_t *o = link_packet_json(p, "biodata.json", &je);
        json_decref(o);
    }
    return p;
}

/* The fields of data split at NUL: up to max, the last one taking the rest. */
static size_t split_nul(const uint8_t *d, size_t n, const uint8_t **f, size_t *fl, size_t max)
{
    size_t k = 0;
    while (k < max) {
        const uint8_t *z = k + 1 < max ? memchr(d, '\0', n) : NULL;
        f[k] = d;
        fl[k] = z != NULL ? (size_t)(z - d) : n;
        k++;
        if (z == NULL)
            break;
        n -= (size_t)(z - d) + 1;
        d = z + 1;
    }
    return k;
}

/* An entry "NAME\nCONTENT": the name into name (cap), the content. 0 without a newline or
   with a name that does not fit. */
static int entry_of(const uint8_t *d, size_t n, char *name, size_t cap, const uint8_t **c,
                    size_t *cl)
{
    const uint8_t *nl = memchr(d, '\n', n);
    if (nl == NULL || (size_t)(nl - d) >= cap || memchr(d, '\0', (size_t)(nl - d)) != NULL)
        return 0;
    memcpy(name, d, (size_t)(nl - d));
    name[nl - d] = '\0';
    *c = nl + 1;
    *cl = n - (size_t)(nl - d) - 1;
    return 1;
}

/* plain encrypted with key as packet.c's payload: secretstream header, CHUNK-sized chunks,
   the last tagged FINAL. */
static void encrypt_payload(const uint8_t *plain, size_t n, const uint8_t key[32], t_bytes *out)
{
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_init_push(&st, hdr, key);
    t_put(out, hdr, sizeof hdr);
    size_t off = 0;
    do {
        size_t take = n - off > CHUNK ? CHUNK : n - off;
        uint8_t c[CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES];
        unsigned long long cl = 0;
        unsigned char tag = off + take == n ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
        crypto_secretstream_xchacha20poly1305_push(&st, c, &cl, plain + off, take, NULL, 0, tag);
        t_put(out, c, (size_t)cl);
        off += take;
    } while (off < n);
}

/* The envelope field k of o as the opened packet must have it. */
static int same_str(const json_t *o, const char *k, const char *v)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL && strcmp(s, v) == 0;
}

static int same_int(const json_t *o, const char *k, int64_t v)
{
    const json_t *x = json_object_get(o, k);
    return json_is_integer(x) && json_integer_value(x) == v;
}

/* Mode 1: a packet the node's key signs, of fuzzed envelope, manifest and inner entries. */
static void signed_packet(const uint8_t *d, size_t n)
{
    const uint8_t *f[2 + LINK_PARTS_MAX + 4];
    size_t fl[2 + LINK_PARTS_MAX + 4];
    size_t nf = split_nul(d, n, f, fl, sizeof f / sizeof f[0]);
    if (nf < 2)
        return;
    uint8_t sig[crypto_sign_BYTES], key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    uint8_t sealed[crypto_box_SEALBYTES + sizeof key];
    t_bytes inner = {0}, enc = {0}, outer = {0};
    /* the inner tar: manifest, its signature, the entries */
    struct archive *a = kw_tar_begin(&inner);
    crypto_sign_detached(sig, NULL, f[1], fl[1], node.sk);
    kw_tar_add(a, "manifest.json", AE_IFREG, NULL, 0, f[1], fl[1]);
    kw_tar_add(a, "manifest.sig", AE_IFREG, NULL, 0, sig, sizeof sig);
    for (size_t i = 2; i < nf; i++) {
        char name[200];
        const uint8_t *c;
        size_t cl;
        if (entry_of(f[i], fl[i], name, sizeof name, &c, &cl))
            kw_tar_add(a, name, AE_IFREG, NULL, 0, c, cl);
    }
    kw_tar_end(a);
    /* encrypted to the central */
    crypto_secretstream_xchacha20poly1305_keygen(key);
    crypto_box_seal(sealed, key, sizeof key, central.pk);
    encrypt_payload(inner.p, inner.n, key, &enc);
    /* the envelope: its hashes filled in when it is a JSON object */
    json_t *ej = json_loadb((const char *)f[0], fl[0], JSON_REJECT_DUPLICATES, NULL);
    char *etext = NULL;
    const uint8_t *et = f[0];
    size_t etl = fl[0];
    if (json_is_object(ej)) {
        char h[65];
        link_sha256_hex(sealed, sizeof sealed, h);
        json_object_set_new(ej, "sealed_key_sha256", json_string(h));
        link_sha256_hex(enc.p, enc.n, h);
        json_object_set_new(ej, "payload_sha256", json_string(h));
        json_object_set_new(ej, "payload_size", json_integer((json_int_t)enc.n));
        if ((etext = json_dumps(ej, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
            abort();
        et = (const uint8_t *)etext;
        etl = strlen(etext);
    }
    crypto_sign_detached(sig, NULL, et, etl, node.sk);
    a = kw_tar_begin(&outer);
    kw_tar_add(a, "envelope.json", AE_IFREG, NULL, 0, et, etl);
    kw_tar_add(a, "envelope.sig", AE_IFREG, NULL, 0, sig, sizeof sig);
    kw_tar_add(a, "key.sealed", AE_IFREG, NULL, 0, sealed, sizeof sealed);
    kw_tar_add(a, "payload.enc", AE_IFREG, NULL, 0, enc.p, enc.n);
    kw_tar_end(a);

    link_packet *p = open_packet(outer.p, outer.n);
    if (p != NULL) {
        /* the envelope the node signed, field by field */
        if (!json_is_object(ej) || !same_str(ej, "packet_id", p->env.packet_id) ||
            !same_str(ej, "node_id", p->env.node_id) ||
            !same_str(ej, "kecamatan_code", p->env.kecamatan_code) ||
            !same_str(ej, "kind", p->env.kind) || !same_int(ej, "key_id", p->env.key_id) ||
            !same_int(ej, "seq", p->env.seq) || !same_int(ej, "created_at", p->env.created_at))
            fz_fail("opened packet %s: its envelope is not the signed envelope.json",
                    p->env.packet_id);
        /* every part is the parts/NAME entry given, byte for byte (the last of a name) */
        for (size_t k = 0; k < p->nparts; k++) {
            const link_part *lp = &p->parts[k];
            int found = 0;
            for (size_t i = 2; i < nf; i++) {
                char name[200];
                const uint8_t *c;
                size_t cl;
                if (entry_of(f[i], fl[i], name, sizeof name, &c, &cl) &&
                    strncmp(name, "parts/", 6) == 0 && strcmp(name + 6, lp->name) == 0)
                    found = cl == lp->len && (cl == 0 || memcmp(c, lp->data, cl) == 0);
            }
            if (!found)
                fz_fail("opened packet: part %s is not the entry the node put in", lp->name);
        }
        link_packet_free(p);
    }
    free(etext);
    json_decref(ej);
    t_free(&inner);
    t_free(&enc);
    t_free(&outer);
}

/* Mode 2: link_packet_make, open, change, open. */
static void made_packet(const uint8_t *d, size_t n)
{
    if (n < 3)
        return;
    size_t pos = (size_t)d[0] << 8 | d[1];
    unsigned bit = d[2] & 7;
    d += 3;
    n -= 3;
    const uint8_t *f[1 + LINK_PARTS_MAX + 2];
    size_t fl[1 + LINK_PARTS_MAX + 2];
    size_t nf = split_nul(d, n, f, fl, sizeof f / sizeof f[0]);
    link_part parts[LINK_PARTS_MAX + 1];
    size_t np = 0;
    for (size_t i = 1; i < nf && np < LINK_PARTS_MAX + 1; i++) {
        const uint8_t *c;
        size_t cl;
        link_part *lp = &parts[np];
        memset(lp, 0, sizeof *lp);
        if (!entry_of(f[i], fl[i], lp->name, sizeof lp->name, &c, &cl))
            continue;
        snprintf(lp->content_type, sizeof lp->content_type, "application/octet-stream");
        lp->data = c;
        lp->len = cl;
        np++;
    }
    json_t *hdr = json_loadb((const char *)f[0], fl[0], JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(hdr)) {
        json_decref(hdr);
        hdr = NULL;
    }
    link_envelope env;
    memset(&env, 0, sizeof env);
    snprintf(env.node_id, sizeof env.node_id, "367110-01");
    snprintf(env.kecamatan_code, sizeof env.kecamatan_code, "367110");
    snprintf(env.kind, sizeof env.kind, "rekam");
    env.key_id = 1;
    env.seq = 7;
    env.created_at = FZ_NOW_MS;
    snprintf(env.packet_id, sizeof env.packet_id, "367110-01-00000007");
    uint8_t *pk = NULL;
    size_t len = 0;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = link_packet_make(&env, hdr, parts, np, &node, central.pk, &pk, &len, &err);
    if (rc != KT_OK) {
        refusal_ok(rc, &err, "link_packet_make");
        if (pk != NULL)
            fz_fail("a refused make (%s) gave a packet", err.id);
        json_decref(hdr);
        return;
    }
    link_packet *p = open_packet(pk, len);
    if (p == NULL)
        fz_fail("a packet link_packet_make made does not open: %s %s %s", last.id, last.field,
                last.message);
    if (memcmp(&p->env, &env, sizeof env) != 0 || p->nparts != np)
        fz_fail("a made packet opens to another envelope or %zu parts of %zu", p->nparts, np);
    for (size_t i = 0; i < np; i++)
        if (strcmp(p->parts[i].name, parts[i].name) != 0 || p->parts[i].len != parts[i].len ||
            (parts[i].len > 0 && memcmp(p->parts[i].data, parts[i].data, parts[i].len) != 0))
            fz_fail("a made packet's part %s opens changed", parts[i].name);
    /* one bit changed: refused, or (tar padding, header fields ktpel does not read) the same */
    pk[pos % len] ^= (uint8_t)(1u << bit);
    link_packet *q = open_packet(pk, len);
    if (q != NULL) {
        if (memcmp(&q->env, &env, sizeof env) != 0 || q->nparts != np)
            fz_fail("a changed packet (byte %zu) opens to another envelope", pos % len);
        for (size_t i = 0; i < np; i++)
            if (q->parts[i].len != parts[i].len ||
                (parts[i].len > 0 && memcmp(q->parts[i].data, parts[i].data, parts[i].len) != 0))
                fz_fail("a changed packet (byte %zu) opens with part %s changed", pos % len,
                        parts[i].name);
    }
    link_packet_free(q);
    link_packet_free(p);
    free(pk);
    json_decref(hdr);
}

/* Mode 3: signed requests. */
static void signed_request(const uint8_t *d, size_t n)
{
    char *text = fz_cstr(d, n);
    const char *l[5];
    fz_lines(text, l, 5);
    size_t blen = strlen(l[4]);
    kt_error err;
    kt_error_clear(&err);
    /* what a client sent, against the node's key: accepted only if it is the node's
       signature (the fuzzer does not have the key) */
    kt_code rc = link_req_verify(node.pk, l[0], l[1], l[4], blen, l[2], l[3], FZ_NOW_MS, &err);
    if (rc == KT_OK)
        fz_fail("a request the node never signed verifies (%s %s)", l[0], l[1]);
    refusal_ok(rc, &err, "link_req_verify");
    /* what the node signs verifies, and only with its own time and body */
    link_req_sig s;
    link_req_sign(&node, "367110-01", l[0], l[1], l[4], blen, FZ_NOW_MS, &s);
    int fits = strlen(l[0]) + strlen(l[1]) <= LINK_REQ_TEXT_MAX;
    if (fits != (s.sig[0] != '\0'))
        fz_fail("a request of %zu bytes %s signed", strlen(l[0]) + strlen(l[1]),
                fits ? "is not" : "is");
    rc = link_req_verify(node.pk, l[0], l[1], l[4], blen, s.time, s.sig, FZ_NOW_MS + 1000, &err);
    if (fits && rc != KT_OK)
        fz_fail("a signed request does not verify: %s", err.id);
    if (!fits) {
        refusal_ok(rc, &err, "link_req_verify of a request too long to sign");
        free(text);
        return;
    }
    char later[32];
    snprintf(later, sizeof later, "%lld", (long long)(FZ_NOW_MS + 1));
    if (link_req_verify(node.pk, l[0], l[1], l[4], blen, later, s.sig, FZ_NOW_MS, &err) ==
        KT_OK)
        fz_fail("a signed request verifies with another time");
    if (link_req_verify(node.pk, l[0], l[1], "x", 1, s.time, s.sig, FZ_NOW_MS, &err) == KT_OK &&
        !(blen == 1 && l[4][0] == 'x'))
        fz_fail("a signed request verifies with another body");
    free(text);
}

/* Mode 4: key files and base64 keys. */
static void keys(const uint8_t *d, size_t n)
{
    kt_error err;
    int made = 0;
    link_sign_key sk;
    link_box_key bk;
    fz_write_file(key_path, d, n);
    if (chmod(key_path, 0600) != 0)
        abort();
    kt_error_clear(&err);
    kt_code rc = link_sign_key_load(key_path, 0, &sk, &made, &err);
    if (rc == KT_OK) {
        uint8_t sig[crypto_sign_BYTES], m[] = "ktpel";
        crypto_sign_detached(sig, NULL, m, sizeof m, sk.sk);
        if (made || crypto_sign_verify_detached(sig, m, sizeof m, sk.pk) != 0)
            fz_fail("a loaded signing key does not verify its own signature");
    } else {
        refusal_ok(rc, &err, "link_sign_key_load");
    }
    kt_error_clear(&err);
    rc = link_box_key_load(key_path, 0, &bk, &made, &err);
    if (rc == KT_OK) {
        uint8_t pk[32];
        crypto_scalarmult_base(pk, bk.sk);
        if (made || memcmp(pk, bk.pk, 32) != 0)
            fz_fail("a loaded box key's public key is not its secret's");
    } else {
        refusal_ok(rc, &err, "link_box_key_load");
    }
    char *s = fz_cstr(d, n);
    uint8_t k[32];
    kt_error_clear(&err);
    rc = link_b64_key(s, k, "public_key", &err);
    if (rc == KT_OK) {
        char back[LINK_B64_KEY];
        link_b64(k, 32, back, sizeof back);
        if (strcmp(back, s) != 0)
            fz_fail("base64 key '%s' reads back as '%s'", s, back);
    } else {
        refusal_ok(rc, &err, "link_b64_key");
    }
    free(s);
    sodium_memzero(&sk, sizeof sk);
    sodium_memzero(&bk, sizeof bk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch ((uint8_t)(data[0] - '0') % 5) {
    case 0: {
        link_packet *p = open_packet(d, n);
        if (p != NULL)
            fz_fail("a packet the node never signed opens (%s)", p->env.packet_id);
        break;
    }
    case 1:
        signed_packet(d, n);
        break;
    case 2:
        made_packet(d, n);
        break;
    case 3:
        signed_request(d, n);
        break;
    default:
        keys(d, n);
        break;
    }
    return 0;
}
