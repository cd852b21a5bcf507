/*
 * afis.h - AFIS de-duplication inside the service (internal to src/service): one person, one
 * card. The hooks apps.c and svc.c call; the use cases themselves are in service.h.
 *
 * Flow: a finger upload is decoded and its template extracted at once (quality shown to the
 * operator, unreadable images refused) and kept as a probe (afis_probes); when the recording
 * completes the probes are searched against the in-memory gallery of every recorded finger,
 * a match with ANOTHER NIK's fingers makes the application `duplicate` (action afis_hit) in
 * the record's transaction, and the probes join the gallery after commit.
 *
 * Never: print, or call the matcher while holding the database write lock longer than needed
 * (searches run before the write transaction begins).
 */
#ifndef KTPEL_SERVICE_AFIS_H
#define KTPEL_SERVICE_AFIS_H

#include "service/svc_internal.h"

#define SVC_AFIS_FMR_DEFAULT 1e-4
/* The person-level decision's false positive identification rate per enrolment: one unique
   new person in a thousand held for the supervisor, whatever the gallery's size. */
#define SVC_AFIS_FPIR_DEFAULT 1e-3
/* Quality below which the operator is told to retake the print ("ulangi"; extract.h guide). */
#define SVC_AFIS_RETAKE_QUALITY 35
/* Candidate records (people) whose every finger is compared 1:1 with every finger of the
   enrollee after the search: the search reports only fingers above its screening threshold;
   the rest of a likely mate's fingers add their evidence here (tenprint.h). ~15 ms each. */
#define SVC_AFIS_VERIFY_PERSONS 4
/* Stage-1 candidates re-scored per probe finger (bio_search_opts.shortlist). Stage 2 costs a
   few ms a candidate (bio_prepare), and the record step waits for it: with up to 10 probes
   a short list per finger still finds a second enrolment (its strong fingers put the record
   on the list; verify_people adds the rest). */
#ifndef SVC_AFIS_SHORTLIST
#define SVC_AFIS_SHORTLIST 32
#endif
/* The gallery keeps minutiae only (about 1 KiB a finger); the scores that decide are the full
   1:1 matcher's on the stored records, whose ridge maps check each alignment (match.h). The
   gallery is asked for candidates at this false-match rate per finger, each is re-scored with
   both complete templates, and those still at or above it give evidence to their record's
   person-level decision (a finger at FMR 1e-2 adds 2 - log10 2 = 1.7). */
#define SVC_AFIS_SCREEN_FMR 1e-2
/* How long a successful 1:1 check at handover stays valid for confirmed_by "fingerprint". */
#define SVC_AFIS_VERIFY_TTL_MS (30 * 60 * INT64_C(1000))

/* At svc_open (after the schema is migrated): load the gallery. At svc_close: free it. */
kt_code svc_afis_open(svc *s, const svc_config *cfg, kt_error *err);
void svc_afis_close(svc *s);

/* ISO finger position of a slot "finger_1".."finger_10", else 0. */
int svc_afis_finger_of(const char *slot);

/* ---- upload hook (svc_app_bio_put) ---- */
typedef struct svc_afis_probe svc_afis_probe;
/* Decode and extract before the transaction. KT_EINVAL "finger_unreadable" / "finger_blank"
   when the image holds no usable print. *out owned by caller: svc_afis_probe_free(). */
kt_code svc_afis_probe_make(const char *slot, const void *data, size_t len,
                            svc_afis_probe **out, kt_error *err);
/* Inside the upload's transaction: keep the template until the recording completes. */
kt_code svc_afis_probe_save(svc *s, store *db, int64_t app_id, const svc_afis_probe *p,
                            kt_error *err);
/* Add quality, minutiae, advice ("baik" | "cukup" | "ulangi") to the upload's JSON. */
kt_code svc_afis_probe_report(const svc_afis_probe *p, json_t *out, kt_error *err);
void svc_afis_probe_free(svc_afis_probe *p);

/* ---- record hook (svc_app_record) ----
 * begin: before the write transaction; serialises recordings (so two enrolments of one
 *        person at once still find each other) and searches the application's probes.
 * write: inside the transaction; resolves candidates to NIKs, writes the hits and the
 *        application's gallery rows; *duplicate = 1 when another NIK matched (note filled
 *        for the afis_hit event).
 * end:   always (committed or not); after commit adds the fingers to the gallery; adds
 *        {"afis": {...}} to out when out is not NULL. Frees r. */
typedef struct svc_afis_record svc_afis_record;
kt_code svc_afis_record_begin(svc *s, int64_t app_id, svc_afis_record **out, kt_error *err);
kt_code svc_afis_record_write(svc *s, svc_afis_record *r, store *db, const char *nik,
                              int *duplicate, char *note, size_t notecap, kt_error *err);
void svc_afis_record_end(svc *s, svc_afis_record *r, int committed, json_t *out);

/* ---- handover hook (svc_app_hand_over, confirmed_by "fingerprint") ----
   Inside the transaction: KT_EREFUSED "fingerprint_not_verified" unless a 1:1 check of this
   application matched within SVC_AFIS_VERIFY_TTL_MS. */
kt_code svc_afis_require_verified(svc *s, store *db, int64_t app_id, kt_error *err);

#endif
