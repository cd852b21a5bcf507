/*
 * token.h - signed pickup-receipt tokens, the payload of the QR code on the Tanda Terima
 * Pengambilan e-KTP (SOP step 4, checked again at step 6).
 *
 * Design
 * - A token is base64url (no padding) of  payload || Ed25519 signature (64 bytes), where the
 *   payload is, big-endian:
 *       version (1 byte, = 1) | issued_at (u32, Unix seconds) | expires_at (u32, Unix seconds)
 *       | nik_hash (16 bytes) | receipt_no length (1 byte) | receipt_no (ASCII, 1..32)
 *   About 150 characters for a typical receipt number: a version-7/8 QR code at level M.
 * - The NIK is never in clear: nik_hash is a keyed BLAKE2b (crypto_generichash) of the 16
 *   digits, keyed with a key derived from the signing seed. Whoever holds only the public key
 *   can check that a token is genuine, unexpired, and read its receipt number; only the office
 *   (holding the secret key file) can check that it belongs to a given NIK.
 * - Verification is offline: the public key alone, no database. A changed byte, a token signed
 *   by another key, a malformed or expired token is refused with a clear kt_error.
 * - Reuse is NOT prevented here: a token stays valid until it expires. The service must mark
 *   the receipt used when the card is handed over (step 6) and refuse a second handover.
 * - Keys live in two files: the secret file (hex of the 32-byte Ed25519 seed, mode 0600,
 *   refused when group or others may read it) and the public file (hex of the 32-byte public
 *   key, 0644).
 *
 * Never: log or print key material; accept a token whose signature has not been checked.
 */
#ifndef KTPEL_DOC_TOKEN_H
#define KTPEL_DOC_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define TOK_VERSION 1
#define TOK_RECEIPT_MAX 32     /* longest receipt number, in bytes */
#define TOK_NIK_HASH_LEN 16
#define TOK_PUBLIC_LEN 32
#define TOK_MAX_CHARS 200      /* a token (with its NUL) always fits in this many chars */

/* Key material of the office. Lives on the caller's stack; wipe with tok_keys_wipe(). */
typedef struct tok_keys {
    unsigned char pk[TOK_PUBLIC_LEN];  /* Ed25519 public key */
    unsigned char sk[64];              /* Ed25519 secret key (seed || pk) */
    unsigned char nik_key[32];         /* key of the NIK hash, derived from the seed */
} tok_keys;

/* What a verified token says. */
typedef struct tok_claims {
    int version;
    char receipt_no[TOK_RECEIPT_MAX + 1];
    unsigned char nik_hash[TOK_NIK_HASH_LEN];
    int64_t issued_at;   /* Unix ms (whole seconds) */
    int64_t expires_at;  /* Unix ms (whole seconds) */
} tok_claims;

/* Create a new key pair: secret_path (0600, must not exist) and public_path (0644, must not
   exist). Both files are fsynced. KT_ECONFLICT if a file exists. */
kt_code tok_keygen(const char *secret_path, const char *public_path, kt_error *err);

/* Load the secret key file (refused unless its mode is 0600 or stricter). */
kt_code tok_load_secret(const char *secret_path, tok_keys *out, kt_error *err);

/* Load a public key file. */
kt_code tok_load_public(const char *public_path, unsigned char pk[TOK_PUBLIC_LEN],
                        kt_error *err);

/* Zero the key material. */
void tok_keys_wipe(tok_keys *k);

/* The keyed hash of a NIK (16 digits, validated for shape only). */
kt_code tok_nik_hash(const tok_keys *k, const char *nik, unsigned char out[TOK_NIK_HASH_LEN],
                     kt_error *err);

/* Issue a token into out (cap >= TOK_MAX_CHARS). Times in Unix ms (truncated to seconds);
   expires_at must be after issued_at. receipt_no: 1..32 printable ASCII characters. */
kt_code tok_issue(const tok_keys *k, const char *receipt_no, const char *nik,
                  int64_t issued_at_ms, int64_t expires_at_ms, char *out, size_t cap,
                  kt_error *err);

/* Verify a token with the public key alone. now_ms: the current time (Unix ms); a token is
   refused after its expiry (KT_EREFUSED "token_expired") or when it claims to be issued more
   than 5 minutes in the future. Any other fault is KT_EINVAL with id "token_malformed" or
   "token_bad_signature". On success *out holds the claims. */
kt_code tok_verify(const unsigned char pk[TOK_PUBLIC_LEN], const char *token, int64_t now_ms,
                   tok_claims *out, kt_error *err);

/* 1 if the verified claims belong to this NIK (needs the office's secret key), else 0. */
int tok_nik_matches(const tok_keys *k, const tok_claims *c, const char *nik);

#endif
