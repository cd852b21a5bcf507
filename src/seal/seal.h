/*
 * seal.h - encryption at rest: biometric files, fingerprint templates and backups are sealed
 * with libsodium's XChaCha20-Poly1305 (IETF AEAD) under the office's data key.
 *
 * Design
 * - The key lives in a file of its own (mode 0600), outside the data folder and outside every
 *   backup: "ktpel-seal-key 1\n<key id, 16 hex>\n<key, 64 hex>\n". Not wrapped by a
 *   passphrase: the office's server must come back by itself after a power cut (the SOP's
 *   office runs on a UPS and a generator), with nobody at hand to type one. The file's mode,
 *   its place outside the data folder and a second copy on a medium kept by the Kasi
 *   Pelayanan are its protection (docs/operations.md).
 * - A sealed blob: "KTS1" | key id (8 bytes) | nonce (24, random) | ciphertext | tag (16).
 *   The key id says which key opens it, so a key rotation can be interrupted anywhere and
 *   every blob stays readable (the key ring holds the current key and, during a rotation,
 *   the next one: `<key>.new`).
 * - The caller's context string ("bio:12/face", "tpl:12/finger_1") is the AEAD's associated
 *   data: a blob moved to another application's slot, or a template pasted into another row,
 *   fails to open. One flipped bit anywhere fails too.
 * - Reusable by any part of ktpel that keeps biometrics (the central registry's included):
 *   depends on libsodium and core/error.h only.
 *
 * Ownership: a seal_ring is owned by its opener (seal_ring_free); sealed and opened buffers are
 * owned by the caller (free(); opened plaintext is wiped first with seal_free_secret()).
 * Thread-safe after load: a ring is read-only.
 * Never: write a key to a file that another user can read, log a key, or accept a blob whose
 * tag does not verify.
 */
#ifndef KTPEL_SEAL_SEAL_H
#define KTPEL_SEAL_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define SEAL_KEY_BYTES 32
#define SEAL_ID_BYTES 8
#define SEAL_HEADER_BYTES (4 + SEAL_ID_BYTES + 24)
#define SEAL_OVERHEAD (SEAL_HEADER_BYTES + 16)

typedef struct seal_ring seal_ring;

/* Create a new random key file at path: mode 0600, O_EXCL (never overwrites), fsynced with
   its folder. KT_ECONFLICT "key_exists" when there is one. */
kt_code seal_key_create(const char *path, kt_error *err);

/* Load path (and path".new", a rotation under way, whose key then seals). KT_ENOTFOUND
   "key_missing" when path and path.new are both absent; KT_EREFUSED "key_mode" when the file
   can be read by others (group/other bits set); KT_EINVAL "key_corrupt" for a bad file.
   *out owned by caller: seal_ring_free(). */
kt_code seal_ring_load(const char *path, seal_ring **out, kt_error *err);
void seal_ring_free(seal_ring *r);

/* The id (16 hex + NUL) of the key that seals; of key i of the ring (0: the key file's, 1: the
   key of a rotation under way). */
const char *seal_ring_current_id(const seal_ring *r);
size_t seal_ring_count(const seal_ring *r);
const char *seal_ring_id(const seal_ring *r, size_t i);
/* 1 when the ring holds a key with this id (hex). */
int seal_ring_has(const seal_ring *r, const char *id_hex);

/* 1 when buf starts like a sealed blob (magic); says nothing about its validity. */
int seal_is_sealed(const void *buf, size_t len);
/* The key id (hex) of a sealed blob into id_hex[17]; 0 when buf is not a sealed blob. */
int seal_blob_key_id(const void *buf, size_t len, char id_hex[17]);

/* Seal len bytes for context. *out (len + SEAL_OVERHEAD bytes) owned by caller: free(). */
kt_code seal_encrypt(const seal_ring *r, const char *context, const void *data, size_t len,
                     uint8_t **out, size_t *outlen, kt_error *err);
/* Open a sealed blob made for context. KT_EREFUSED "seal_tampered" when it does not verify
   (altered, truncated, another context), "seal_key_unknown" when no key of the ring made it,
   "seal_not_sealed" for bytes that are not a sealed blob. *out owned by caller:
   seal_free_secret(*out, *outlen). */
kt_code seal_decrypt(const seal_ring *r, const char *context, const void *blob, size_t len,
                     uint8_t **out, size_t *outlen, kt_error *err);
/* Wipe then free a buffer that held plaintext (NULL is fine). */
void seal_free_secret(void *p, size_t len);

/* A 32-byte subkey for another use of the data key (backups: "ktbackup"), derived with
   crypto_kdf from the current key; ctx is exactly 8 characters. */
void seal_ring_subkey(const seal_ring *r, const char ctx[8], uint64_t n,
                      uint8_t out[SEAL_KEY_BYTES]);
/* The same from the key with this id; 0 when the ring has no such key. */
int seal_ring_subkey_of(const seal_ring *r, const char *id_hex, const char ctx[8], uint64_t n,
                        uint8_t out[SEAL_KEY_BYTES]);

/*
 * Key rotation, in three durable steps that a crash can interrupt anywhere (the ring always
 * holds every key a stored blob needs):
 *   seal_rotation_begin:  path.new made (0600) unless it is already there (a resumed rotation);
 *                         load again: the new key seals, the old one still opens.
 *   (the caller re-seals every blob with the ring loaded after begin)
 *   seal_rotation_finish: the old key copied to path.retired-<stamp> (0600, for older
 *                         backups), then path.new renamed over path.
 * stamp is a file-name-safe text (e.g. 20261207-132100).
 */
kt_code seal_rotation_begin(const char *path, kt_error *err);
kt_code seal_rotation_finish(const char *path, const char *stamp, char *retired,
                             size_t retired_cap, kt_error *err);

/* The default place of the key file for a data folder: <parent of data_dir>/ktpel.key (beside
   the database in the default layout, never inside the data folder that backups copy).
   Returns 0, or -1 when it does not fit in cap. */
int seal_default_key_path(const char *data_dir, char *out, size_t cap);

/* Write data to path durably and privately: path".tmp" (0600), fsync, rename, fsync of the
   folder. Used for every file ktpel writes that holds personal data or keys. */
kt_code seal_write_file(const char *path, const void *data, size_t len, kt_error *err);
/* mkdir -p with mode 0700 for each folder made. */
int seal_mkdir_private(const char *path);

#endif
