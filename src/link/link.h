/*
 * link.h - the link between kecamatan nodes and the city registry (Disdukcapil): what both
 * roles share. Keys in files, the packet container (make, verify, open), the signed request
 * header of the node's feed requests, and the HTTPS client. docs/internals/link.md.
 *
 * Design
 * - A packet is a tar archive (libarchive) of a signed envelope and a payload encrypted to the
 *   central (libsodium: Ed25519 signatures, crypto_box_seal for the payload key,
 *   crypto_secretstream_xchacha20poly1305 for the payload). Inside the payload, another tar of
 *   the signed manifest and the parts. Nothing here is a format of our own but the JSON fields.
 * - Opening is two steps: link_packet_envelope() reads the outer archive's envelope (no
 *   secret needed) so the caller can find the sending node's pinned key; link_packet_open()
 *   then verifies everything and decrypts. Every failure is a kt_error naming what and where;
 *   nothing is trusted before its signature and hash are checked.
 * - No storage, no service: this library can be fuzzed alone.
 *
 * Ownership: every out pointer is owned by the caller (free() or the named *_free()).
 * Never: print, keep global state other than libcurl's one-time init.
 */
#ifndef KTPEL_LINK_H
#define KTPEL_LINK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define LINK_PACKET_FORMAT "ktpel-packet/1"
#define LINK_PACKET_MAX ((size_t)32 << 20)   /* a whole packet file */
#define LINK_PART_MAX ((size_t)8 << 20)      /* one part (a biometric file is at most 8 MiB) */
#define LINK_PARTS_MAX 64
#define LINK_JSON_MAX ((size_t)256 << 10)    /* envelope, manifest, a JSON part */
#define LINK_SKEW_MS (5 * 60 * INT64_C(1000)) /* signed requests: clock difference accepted */

/* ---- keys -------------------------------------------------------------------------------- */
typedef struct link_sign_key {
    uint8_t pk[32]; /* Ed25519 public key */
    uint8_t sk[64]; /* Ed25519 secret key (libsodium's seed + pk form) */
} link_sign_key;

typedef struct link_box_key {
    uint8_t pk[32]; /* X25519 public key: packets are sealed to it */
    uint8_t sk[32];
} link_box_key;

/* Load the key in path, or make one there when the file does not exist (*made = 1). The file
   is one line "ktpel-ed25519 <hex>" / "ktpel-x25519 <hex>", mode 0600, its folder made 0700; a
   file readable by others is refused (key_file_mode), and one that is not a key of its type
   (an Ed25519 key whose public half is not its seed's included) is key_file_invalid. */
kt_code link_sign_key_load(const char *path, int make, link_sign_key *k, int *made,
                           kt_error *err);
kt_code link_box_key_load(const char *path, int make, link_box_key *k, int *made, kt_error *err);
/* Make a new signing key and write it to path, replacing what is there (temp + rename). */
kt_code link_sign_key_new(const char *path, link_sign_key *k, kt_error *err);

/* Write a file durably: a temp file (mode 0600) written and fsynced, renamed over path, the
   folder fsynced; the folder is made (0700) when missing. A reader sees the old file or the
   whole new one. KT_EIO naming path. */
kt_code link_file_write(const char *path, const void *data, size_t len, kt_error *err);

/* Keys travel as base64 (URL-safe, no padding): 43 characters for 32 bytes. */
#define LINK_B64_KEY 48
void link_b64(const uint8_t *bin, size_t n, char *out, size_t cap);
/* Exactly 32 bytes from base64; KT_EINVAL "key_invalid" naming field otherwise. */
kt_code link_b64_key(const char *s, uint8_t out[32], const char *field, kt_error *err);
/* Lowercase hex SHA-256 of data (65 bytes with NUL). */
void link_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- packets ----------------------------------------------------------------------------- */
typedef struct link_part {
    char name[64];         /* "biodata.json", "face", "finger_3.iso", ... ([a-z0-9_.-]) */
    char content_type[64];
    const uint8_t *data;   /* make: borrowed; open: owned by the packet */
    size_t len;
} link_part;

typedef struct link_envelope {
    char packet_id[40];     /* "<kecamatan>-<node no>-<seq 8 digits>" */
    char node_id[24];       /* "<kecamatan>-<node no>" e.g. "367110-01" */
    char kecamatan_code[8]; /* 6 digits */
    int key_id;             /* which of the node's keys signed it (1, 2, ... after rotations) */
    int64_t seq;            /* the node's packet sequence, from 1 */
    char kind[16];          /* rekam | perubahan | cetak | card_issued */
    int64_t created_at;     /* UTC ms */
} link_envelope;

/* Make a packet. header: the manifest's own fields (application, nik, who, ...; borrowed), to
   which the envelope's fields and the parts' list (name, content_type, size, sha256) are
   added. Part names are unique ([a-z0-9_.-], KT_EINVAL part_invalid otherwise). *out (free())
   is the .ktpkt file. */
kt_code link_packet_make(const link_envelope *env, const json_t *header, const link_part *parts,
                         size_t nparts, const link_sign_key *node, const uint8_t central_pk[32],
                         uint8_t **out, size_t *len, kt_error *err);

/* Read and check the envelope only (strict fields, sizes); no signature checked yet. */
kt_code link_packet_envelope(const uint8_t *buf, size_t len, link_envelope *env, kt_error *err);

typedef struct link_packet {
    link_envelope env;
    json_t *manifest;        /* owned: the verified manifest */
    char manifest_sha256[65];
    link_part parts[LINK_PARTS_MAX]; /* data owned (free with the packet) */
    size_t nparts;
    size_t size;             /* bytes of the packet file */
} link_packet;

/* Verify (envelope signature with node_pk, hashes, decryption with central, manifest
   signature, manifest = envelope, every part's size and hash) and open. Errors (KT_EINVAL
   unless said): packet_malformed, packet_too_big (KT_ETOOBIG), bad_signature, hash_mismatch,
   decrypt_failed, manifest_mismatch, part_mismatch, part_missing. *out: link_packet_free(). */
kt_code link_packet_open(const uint8_t *buf, size_t len, const uint8_t node_pk[32],
                         const link_box_key *central, link_packet **out, kt_error *err);
const link_part *link_packet_part(const link_packet *p, const char *name);
/* The part parsed as a JSON object (new reference), or NULL with err when absent or bad. */
json_t *link_packet_json(const link_packet *p, const char *name, kt_error *err);
void link_packet_free(link_packet *p);

/* ---- signed requests (the node's feed requests) ------------------------------------------ */
/* The three header values a node sends: X-Ktpel-Node, X-Ktpel-Time, X-Ktpel-Signature over
   "ktpel-link-v1\n<METHOD>\n<path?query>\n<time>\n<sha256 hex of body>". METHOD and path?query
   together are at most LINK_REQ_TEXT_MAX bytes: a longer request gets an empty signature
   (sig[0] == '\0') and verify refuses it (bad_signature). */
#define LINK_REQ_TEXT_MAX 1024
typedef struct link_req_sig {
    char node[24];
    char time[24];
    char sig[100];
} link_req_sig;
void link_req_sign(const link_sign_key *k, const char *node_id, const char *method,
                   const char *path_query, const void *body, size_t len, int64_t now_ms,
                   link_req_sig *out);
/* KT_EUNAUTH "bad_signature" / "request_expired" (clock off by more than LINK_SKEW_MS). */
kt_code link_req_verify(const uint8_t pk[32], const char *method, const char *path_query,
                        const void *body, size_t len, const char *time_s, const char *sig_b64,
                        int64_t now_ms, kt_error *err);

/* ---- the HTTPS client (libcurl) ---------------------------------------------------------- */
typedef struct link_http {
    const char *url;         /* full URL */
    const char *pin;         /* "sha256//<base64>" of the central's TLS public key, or NULL */
    const char *method;      /* "GET" | "POST" */
    const char *content_type;
    const void *body;
    size_t len;
    const link_req_sig *sig; /* NULL: unsigned */
    long timeout_s;          /* whole request; 0 = 60 */
} link_http;

/* One request. *status the HTTP status (0 when no answer came: connection refused, cut, TLS
   or pin failure: KT_EUNAVAIL "central_unreachable" with curl's reason). *resp (free()) the
   body, NUL-terminated, at most 8 MiB. */
kt_code link_http_call(const link_http *rq, long *status, char **resp, size_t *resp_len,
                       kt_error *err);

/* ---- fault points (tests) ---------------------------------------------------------------- */
/* When the environment variable KTPEL_FAULT equals name, the process kills itself with SIGKILL
   right there: the crash tests stop a node or the central at a named moment (mid-send, before
   and after a commit) to check what survives. Costs one getenv when unset. */
void link_fault(const char *name);

#endif
