/*
 * workflow.h - the state machines of ktpel: applications (SOP steps 2-6) and queue tickets
 * (SOP step 1), with the vocabulary they share: application kinds, refusal reasons, roles.
 *
 * Every identifier is docs/domain.md's (the strings are what SQL, JSON and the CLI use).
 * Application graph (docs/domain.md):
 *   (none)          open               -> called
 *   called          check_ok           -> checked
 *   called          return_incomplete  -> incomplete (end)   refer -> referred (end)
 *   called          reject             -> rejected (end)
 *   checked         change_data        -> data_changed       record -> recorded
 *   data_changed    record             -> recorded           issue_receipt -> receipt_issued
 *   recorded        issue_receipt      -> receipt_issued     afis_hit -> duplicate
 *   receipt_issued  send               -> sent               afis_hit -> duplicate
 *   sent            print_ready        -> print_ready        afis_hit | central_duplicate -> duplicate
 *   duplicate       clear_duplicate    -> recorded           confirm_duplicate -> rejected (end)
 *   duplicate       print_ready        -> print_ready (Disdukcapil cleared its duplicate)
 *   sent            reject             -> rejected (end: Disdukcapil could not enrol it)
 *   print_ready     print              -> printed
 *   printed         hand_over          -> handed_over (end)
 * Ticket graph: waiting -call-> called; called -recall-> called (recalls counted by the
 * caller); called -serve-> served (end); called -no_show-> no_show (end); called -transfer->
 * waiting (to another service or loket).
 *
 * Roles (who may do which action) follow the SOP's actors; admin and the CLI's system actor
 * may do everything. Which loket role serves which queue service is in queue.h.
 *
 * Enum values are never stored: only the strings are. Every *_from_str is exact
 * (case-sensitive) and returns false, leaving *out unchanged, for an unknown string.
 *
 * Never: I/O, allocation.
 */
#ifndef KTPEL_CORE_WORKFLOW_H
#define KTPEL_CORE_WORKFLOW_H

#include <stdbool.h>

#include "core/error.h"

/* ---- application kinds (SOP step 2) -------------------------------------------------- */
typedef enum wf_kind {
    WF_KIND_BARU,          /* "baru": first issuance */
    WF_KIND_PERUBAHAN,     /* "perubahan": data change */
    WF_KIND_HILANG,        /* "hilang": lost card */
    WF_KIND_RUSAK,         /* "rusak": damaged card */
    WF_KIND_PINDAH_DATANG, /* "pindah_datang": newcomer moving in */
    WF_KIND_COUNT
} wf_kind;
const char *wf_kind_str(wf_kind k);            /* NULL for an out-of-range value */
bool wf_kind_from_str(const char *s, wf_kind *out);
const char *wf_kind_label(wf_kind k);          /* Indonesian, e.g. "Penerbitan baru" */

/* ---- refusal reasons (refer / reject) ------------------------------------------------- */
typedef enum wf_reason {
    WF_REASON_NONE,                /* "" : no reason (not a refusal) */
    WF_REASON_NO_NIK,              /* "no_nik" */
    WF_REASON_NIK_INVALID,         /* "nik_invalid" */
    WF_REASON_NOT_FOUND_IN_SIAK,   /* "not_found_in_siak" */
    WF_REASON_DATA_MISMATCH,       /* "data_mismatch" */
    WF_REASON_UNDER_AGE,           /* "under_age" */
    WF_REASON_NOT_WNI_NO_ITAP,     /* "not_wni_no_itap" */
    WF_REASON_HAS_VALID_CARD,      /* "has_valid_card" */
    WF_REASON_DUPLICATE_BIOMETRIC, /* "duplicate_biometric" */
    WF_REASON_OTHER,               /* "other" */
    WF_REASON_COUNT
} wf_reason;
const char *wf_reason_str(wf_reason r);        /* "" for NONE, NULL out of range */
bool wf_reason_from_str(const char *s, wf_reason *out); /* "" is not accepted */
const char *wf_reason_label(wf_reason r);      /* Indonesian description */
/* What the citizen does next (Indonesian, one paragraph; "" when nothing to add). */
const char *wf_reason_next_step(wf_reason r);

/* ---- roles ---------------------------------------------------------------------------- */
typedef enum wf_role {
    WF_ROLE_INTAKE,     /* "intake": Petugas Loket Penerima Berkas */
    WF_ROLE_OPERATOR,   /* "operator": Operator perekaman */
    WF_ROLE_HANDOVER,   /* "handover": Petugas Loket Penyerahan Dokumen */
    WF_ROLE_SUPERVISOR, /* "supervisor": Camat / Kasi Pelayanan */
    WF_ROLE_ADMIN,      /* "admin": may everything */
    WF_ROLE_SYSTEM,     /* "system": the CLI / scheduled jobs (svc_system_actor); may everything.
                           Not a staff account role: wf_role_is_staff() is false. */
    WF_ROLE_COUNT
} wf_role;
const char *wf_role_str(wf_role r);
bool wf_role_from_str(const char *s, wf_role *out);
bool wf_role_is_staff(wf_role r); /* the five roles a staff account may have */

/* ---- application states and actions --------------------------------------------------- */
typedef enum wf_state {
    WF_STATE_NONE,           /* "none": no application yet (only as the `from` of open) */
    WF_STATE_CALLED,         /* "called" */
    WF_STATE_CHECKED,        /* "checked" */
    WF_STATE_INCOMPLETE,     /* "incomplete" (end) */
    WF_STATE_REFERRED,       /* "referred" (end: to Disdukcapil) */
    WF_STATE_REJECTED,       /* "rejected" (end) */
    WF_STATE_DATA_CHANGED,   /* "data_changed" */
    WF_STATE_RECORDED,       /* "recorded" */
    WF_STATE_RECEIPT_ISSUED, /* "receipt_issued" */
    WF_STATE_SENT,           /* "sent" */
    WF_STATE_PRINT_READY,    /* "print_ready" */
    WF_STATE_DUPLICATE,      /* "duplicate" */
    WF_STATE_PRINTED,        /* "printed" */
    WF_STATE_HANDED_OVER,    /* "handed_over" (end) */
    WF_STATE_COUNT
} wf_state;
const char *wf_state_str(wf_state s);
/* "none" is not accepted: it is never a stored state. */
bool wf_state_from_str(const char *s, wf_state *out);
const char *wf_state_label(wf_state s);  /* Indonesian, for pages and receipts */
bool wf_state_is_terminal(wf_state s);   /* incomplete, referred, rejected, handed_over */

typedef enum wf_action {
    WF_ACT_OPEN,              /* "open" */
    WF_ACT_CHECK_OK,          /* "check_ok" */
    WF_ACT_RETURN_INCOMPLETE, /* "return_incomplete" */
    WF_ACT_REFER,             /* "refer" */
    WF_ACT_REJECT,            /* "reject" */
    WF_ACT_CHANGE_DATA,       /* "change_data" */
    WF_ACT_RECORD,            /* "record" */
    WF_ACT_ISSUE_RECEIPT,     /* "issue_receipt" */
    WF_ACT_SEND,              /* "send" */
    WF_ACT_PRINT_READY,       /* "print_ready" */
    WF_ACT_AFIS_HIT,          /* "afis_hit" */
    WF_ACT_CENTRAL_DUPLICATE, /* "central_duplicate" */
    WF_ACT_CLEAR_DUPLICATE,   /* "clear_duplicate" */
    WF_ACT_CONFIRM_DUPLICATE, /* "confirm_duplicate" */
    WF_ACT_PRINT,             /* "print" */
    WF_ACT_HAND_OVER,         /* "hand_over" */
    WF_ACT_COUNT
} wf_action;
const char *wf_action_str(wf_action a);
bool wf_action_from_str(const char *s, wf_action *out);
/* refer, reject and confirm_duplicate need a wf_reason (confirm_duplicate implies
   duplicate_biometric when none is given). */
bool wf_action_needs_reason(wf_action a);

/*
 * The state after `action` in state `from`. Illegal: KT_ECONFLICT, id "illegal_transition",
 * field "action", message e.g. "Tindakan 'record' tidak dapat dilakukan pada permohonan
 * berstatus 'called'"; *to unchanged. Out-of-range enums: KT_EINVAL.
 */
kt_code wf_next(wf_state from, wf_action action, wf_state *to, kt_error *err);
/* The same as a predicate, no error. */
bool wf_can(wf_state from, wf_action action);

/*
 * May `role` perform `action`? intake: open, check_ok, return_incomplete, refer, reject.
 * operator: change_data, record, afis_hit, send. handover: issue_receipt, hand_over.
 * supervisor: refer, reject, afis_hit, send, print_ready, central_duplicate,
 * clear_duplicate, confirm_duplicate, print. admin, system: all.
 */
bool wf_role_allows(wf_action action, wf_role role);
/* wf_role_allows as an error: KT_EFORBIDDEN id "forbidden_role", field "role". */
kt_code wf_check_role(wf_action action, wf_role role, kt_error *err);

/* ---- tickets (SOP step 1) ------------------------------------------------------------- */
typedef enum wf_ticket_state {
    WF_TICKET_WAITING, /* "waiting" */
    WF_TICKET_CALLED,  /* "called" */
    WF_TICKET_SERVED,  /* "served" (end) */
    WF_TICKET_NO_SHOW, /* "no_show" (end) */
    WF_TICKET_STATE_COUNT
} wf_ticket_state;
const char *wf_ticket_state_str(wf_ticket_state s);
bool wf_ticket_state_from_str(const char *s, wf_ticket_state *out);
bool wf_ticket_state_is_terminal(wf_ticket_state s);

typedef enum wf_ticket_action {
    WF_TICKET_CALL,     /* "call" */
    WF_TICKET_RECALL,   /* "recall" */
    WF_TICKET_NO_SHOW_ACT, /* "no_show" */
    WF_TICKET_SERVE,    /* "serve" */
    WF_TICKET_TRANSFER, /* "transfer" */
    WF_TICKET_ACTION_COUNT
} wf_ticket_action;
const char *wf_ticket_action_str(wf_ticket_action a);
bool wf_ticket_action_from_str(const char *s, wf_ticket_action *out);

/* As wf_next, for tickets (KT_ECONFLICT "illegal_transition"). */
kt_code wf_ticket_next(wf_ticket_state from, wf_ticket_action action, wf_ticket_state *to,
                       kt_error *err);
/* Ticket actions belong to loket officers: intake and handover (which services each may
   call is queue_service_role()), plus admin and system. */
bool wf_ticket_role_allows(wf_ticket_action action, wf_role role);

#endif
