/*
 * link_hooks.h - what the application use cases (apps.c) call inside their transactions when
 * the node is linked to Disdukcapil (link_node.c). Every hook does nothing on an office that
 * runs alone. Internal to src/service.
 */
#ifndef KTPEL_SERVICE_LINK_HOOKS_H
#define KTPEL_SERVICE_LINK_HOOKS_H

#include "service/svc_internal.h"

/* 1 when this database is enrolled to a central. */
int svc_link_linked(store *db);
/* The manual central steps (send, print_ready, central_duplicate) are the status feed's on a
   linked node: KT_ECONFLICT "linked_node" for people. */
kt_code svc_link_manual_check(store *db, const svc_actor *who, wf_action act, kt_error *err);
/* Record: the `rekam` packet, with the kecamatan's AFIS result. */
kt_code svc_link_on_record(svc *s, store *db, const svc_actor *who, int64_t app_id,
                           const char *nik, int afis_duplicate, const char *afis_note,
                           kt_error *err);
/* Data change: the `perubahan` packet (before and after). */
kt_code svc_link_on_change(svc *s, store *db, const svc_actor *who, int64_t app_id,
                           const char *nik, kt_error *err);
/* Receipt: from data_changed (no recording) the `cetak` request; then the application follows
   what the central already said (e.g. sent at once when the packet was acknowledged). */
kt_code svc_link_on_receipt(svc *s, store *db, json_t *pending, const svc_actor *who,
                            int64_t app_id, const char *nik, wf_state from, kt_error *err);
/* Handover: the `card_issued` packet (CARD_ISSUED at the central). */
kt_code svc_link_on_handover(svc *s, store *db, const svc_actor *who, int64_t app_id,
                             const char *nik, const char *receipt_no, const char *confirmed_by,
                             kt_error *err);

/* apps.c: move an application (already checked legal) with its audit event and the
   resident's national status, as every use case does. */
kt_code svc_app_move(svc *s, store *db, json_t *pending, const svc_actor *who, int64_t id,
                     const char *nik, wf_state from, wf_action act, wf_state to,
                     const char *reason, const char *note, kt_error *err);

#endif
