/*
 * pusat.h - the city registry's use cases (Disdukcapil, the "pusat" role): the nodes and their
 * keys, packets received from the kecamatans, the city-wide de-duplication and its
 * adjudication, the status feed back to each node. docs/internals/link.md.
 *
 * Design
 * - A pusat runs on an open svc (the shared use-case frame: connection pool, write
 *   transactions, audit events, staff accounts and sessions) whose database is PostgreSQL in
 *   production; pusat_open applies the central's own migration series on top of the common one.
 * - Same conventions as service.h: every use case one transaction with its audit event, role
 *   checked here, results as new jansson values (the API's JSON), errors as kt_error.
 * - Roles at the central: `supervisor` is the Disdukcapil officer (adjudication, records),
 *   `admin` the registry's administrator (nodes, keys); the node protocol (enrol, packets,
 *   status feed) authenticates nodes by their keys, not by sessions.
 *
 * Ownership: *out values are new references owned by the caller; pusat_close() frees the pusat.
 * Never: trust a packet before link_packet_open() verified it; change anything for a request
 * that is refused.
 */
#ifndef KTPEL_PUSAT_H
#define KTPEL_PUSAT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "service/service.h"

typedef struct pusat pusat;

typedef struct pusat_config {
    const char *keys_dir; /* the central's key files; NULL = <data>/keys */
    double afis_fmr;      /* as svc_config.afis_fmr; 0 = the kecamatan's default */
    double afis_fpir;     /* as svc_config.afis_fpir; 0 = the kecamatan's default */
    int no_worker;        /* 1: no background processing (CLI commands process themselves) */
} pusat_config;

/* Migrate the central's series, load (or make) its keys, load the city's gallery, start the
   worker that processes received packets. s is borrowed and must outlive the pusat. */
kt_code pusat_open(svc *s, const pusat_config *cfg, pusat **out, kt_error *err);
void pusat_close(pusat *p);

/* The central's public keys for the node admin page and `ktpel pusat info`:
   {"sign_public_key", "box_public_key"}. */
kt_code pusat_info(pusat *p, const svc_actor *who, json_t **out, kt_error *err);

/* ---- nodes (admin) ----------------------------------------------------------------------- */
/* in {"kecamatan_code", "name", "node_no"?}: registers node "<kecamatan>-<nn>" and answers with
   its one-time enrolment "code" (shown once, valid 7 days). */
kt_code pusat_node_add(pusat *p, const svc_actor *who, const json_t *in, json_t **out,
                       kt_error *err);
/* A new enrolment code for a node: key rotation and re-enrolment after a lost key. When the
   node enrols with it, its previous key is retired: it still verifies the packets it signed
   before (seq <= the highest received then), nothing after. */
kt_code pusat_node_code(pusat *p, const svc_actor *who, const char *node_id, json_t **out,
                        kt_error *err);
kt_code pusat_node_revoke(pusat *p, const svc_actor *who, const char *node_id, json_t **out,
                          kt_error *err);
kt_code pusat_node_list(pusat *p, const svc_actor *who, json_t **out, kt_error *err);

/* ---- the node protocol (no session: nodes sign) ------------------------------------------- */
/* in {"node_id", "code", "public_key"}: pins the node's key, answers the central's keys with
   "mac" = HMAC-SHA-256 over the answer's canonical text keyed by SHA-256(code). */
kt_code pusat_enrol(pusat *p, const json_t *in, json_t **out, kt_error *err);
/* A packet file (HTTPS body, or a file of `ktpel link import`). via "https" | "import".
   out {"status": "accepted" | "duplicate", "packet_id"}. Refusals: 400 (malformed), 401
   (bad signature, unknown key), 403 (unknown or revoked node, another kecamatan), 409 (the
   same packet id with another content), 413, 422 (the content breaks a rule: NIK unknown). */
kt_code pusat_packet_receive(pusat *p, const uint8_t *buf, size_t len, const char *via,
                             json_t **out, kt_error *err);
/* The node's status feed after `after` (at most limit entries), for a signed request: node,
   time and signature are the X-Ktpel-* headers, path_query the canonical
   "/api/link/v1/status?after=N&limit=M". out {"node_id", "entries": [...], "last_seq"}. */
kt_code pusat_status_feed(pusat *p, const char *node_id, const char *time_s, const char *sig,
                          const char *path_query, int64_t after, int limit, json_t **out,
                          kt_error *err);
/* The resident feed of the node's kecamatan after `after` (a signed request, as the status
   feed's): {"kecamatan_code", "entries": [{seq, nik, change: new | changed | moved_away |
   deceased, at, resident?}]}, resident as the central holds it now. */
kt_code pusat_resident_feed(pusat *p, const char *node_id, const char *time_s, const char *sig,
                            const char *path_query, int64_t after, int limit, json_t **out,
                            kt_error *err);
/* A death recorded at the central (admin): the resident leaves its kecamatan's nodes. */
kt_code pusat_resident_deceased(pusat *p, const svc_actor *who, const char *nik, json_t **out,
                                kt_error *err);
/* Publish every resident changed since the last run (the worker does it every round). */
kt_code pusat_publish(pusat *p, int *published, kt_error *err);
/* Process every received packet not yet processed (the worker does it on its own; the CLI's
   import calls it). *done: how many were processed. */
kt_code pusat_process_pending(pusat *p, int *done, kt_error *err);

/* ---- the officer's work (supervisor, admin) ---------------------------------------------- */
/* Per kecamatan: received today, PRR, waiting for adjudication, failures; nodes; alerts. */
kt_code pusat_overview(pusat *p, const svc_actor *who, json_t **out, kt_error *err);
/* Records waiting for adjudication (DUPLICATE_RECORD / ADJUDICATE_RECORD, pending). */
kt_code pusat_adjudications(pusat *p, const svc_actor *who, json_t **out, kt_error *err);
/* One record side by side with the records it matched: biodata, hits, face URLs. */
kt_code pusat_record_get(pusat *p, const svc_actor *who, int64_t id, json_t **out,
                         kt_error *err);
/* in {"decision": "duplicate" | "not_duplicate", "note"?}: DUPLICATE_RECORD (confirmed) or
   PRINT_READY_RECORD, with the status for the node, audited. */
kt_code pusat_record_decide(pusat *p, const svc_actor *who, int64_t id, const json_t *in,
                            json_t **out, kt_error *err);
/* A part of a record's packet, decrypted (face, finger_N.img, ...). *data: free(). */
kt_code pusat_record_part(pusat *p, const svc_actor *who, int64_t id, const char *name,
                          void **data, size_t *len, char content_type[64], kt_error *err);
/* The latest alerts (admin, supervisor). */
kt_code pusat_alerts(pusat *p, const svc_actor *who, json_t **out, kt_error *err);

#endif
