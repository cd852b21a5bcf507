/*
 * pusat_internal.h - what the central's files share (never included outside src/pusat).
 *
 * The pusat object: the svc it runs on (borrowed), the central's keys, the city's gallery (in
 * memory, as the kecamatan's), the worker thread that processes received packets.
 * Lock order: dedup_mu (one de-duplication from search to gallery add), then the svc's write
 * lock, then the gallery's rwlock; the same order as src/service/afis.c.
 */
#ifndef KTPEL_PUSAT_INTERNAL_H
#define KTPEL_PUSAT_INTERNAL_H

#include <pthread.h>

#include "bio/gallery.h"
#include "link/link.h"
#include "pusat/pusat.h"
#include "service/svc_internal.h"

struct pusat {
    svc *s;                     /* borrowed */
    char keys_dir[1024];
    char parts_dir[1024];       /* <data>/pusat/parts */
    link_sign_key sign;         /* the central's signing key */
    link_box_key box;           /* packets are sealed to box.pk */

    pthread_rwlock_t glock;     /* the gallery: searches read, adds write */
    pthread_mutex_t dedup_mu;
    bio_gallery *g;             /* owned */
    double fmr, threshold, screen;
    double fpir;                /* the person-level decision's FPIR per enrolment */
    size_t persons;             /* records in the gallery (the FPIR's N), under glock */
    int gallery_stale;

    pthread_t worker;
    int worker_on;
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
    int stop, kicked;
};

/* Roles: the registry's officer (supervisor) or its administrator; admin-only for nodes. */
kt_code pusat_require_officer(const svc_actor *who, kt_error *err);

/* Inside a write transaction: the next entry of node_id's status feed. */
kt_code pusat_status_add(pusat *p, store *db, const char *node_id, const char *packet_id,
                         int64_t app_id, const char *nik, const char *status, const char *reason,
                         const char *decision, kt_error *err);
/* An alert, in a transaction of its own (the refused request itself changes nothing). */
void pusat_alert(pusat *p, const char *node_id, const char *kind, const char *message);

/* The parts at rest (one function each way: how they are kept is decided here only): the
   packet file as received, still sealed to the central's box key, one file a packet. */
kt_code pusat_packet_store(pusat *p, const char *packet_id, const uint8_t *buf, size_t len,
                           char *path, size_t cap, kt_error *err);
/* The stored packet at path, verified and opened again (its node key looked up in db).
   *out: link_packet_free(). */
kt_code pusat_packet_load(pusat *p, store *db, const char *path, link_packet **out,
                          kt_error *err);

/* A node's signed feed request: the node active, the signature of its active key over
   path_query and time. kec (8 bytes, may be NULL) gets its kecamatan. Refusals alert. */
kt_code pusat_node_auth(pusat *p, store *db, const char *node_id, const char *time_s,
                        const char *sig, const char *path_query, char *kec, kt_error *err);
/* The resident publisher (residents.c): every resident changed since the last run into the
   feed of its kecamatan; the worker runs it. */
kt_code pusat_publish_residents(pusat *p, int *published, kt_error *err);

/* The gallery (ingest.c). */
kt_code pusat_gallery_load(pusat *p, kt_error *err);
void pusat_kick(pusat *p);

#endif
