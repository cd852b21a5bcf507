/*
 * workflow.c - the application and ticket state machines as transition tables, and the
 * vocabulary (kinds, reasons, roles) as string tables. See workflow.h for the graphs.
 * Never: I/O, allocation.
 */
#include "core/workflow.h"

#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static bool find(const char *const *names, int n, const char *s, int *out)
{
    if (s == NULL)
        return false;
    for (int i = 0; i < n; i++) {
        if (names[i] != NULL && strcmp(names[i], s) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* ---- kinds ---------------------------------------------------------------------------- */
static const char *const kind_str[WF_KIND_COUNT] = {"baru", "perubahan", "hilang", "rusak",
                                                    "pindah_datang"};
static const char *const kind_label[WF_KIND_COUNT] = {
    "Penerbitan baru", "Perubahan data", "Penggantian KTP hilang", "Penggantian KTP rusak",
    "Pindah datang"};

const char *wf_kind_str(wf_kind k)
{
    return (int)k >= 0 && k < WF_KIND_COUNT ? kind_str[k] : NULL;
}
const char *wf_kind_label(wf_kind k)
{
    return (int)k >= 0 && k < WF_KIND_COUNT ? kind_label[k] : NULL;
}
bool wf_kind_from_str(const char *s, wf_kind *out)
{
    int i;
    if (!find(kind_str, WF_KIND_COUNT, s, &i))
        return false;
    *out = (wf_kind)i;
    return true;
}

/* ---- reasons -------------------------------------------------------------------------- */
static const char *const reason_str[WF_REASON_COUNT] = {
    "", "no_nik", "nik_invalid", "not_found_in_siak", "data_mismatch", "under_age",
    "not_wni_no_itap", "has_valid_card", "duplicate_biometric", "other"};
static const char *const reason_label[WF_REASON_COUNT] = {
    "",
    "Pemohon tidak memiliki NIK",
    "NIK tidak sah",
    "Data pemohon tidak ditemukan di SIAK",
    "Data pemohon tidak sesuai dengan SIAK",
    "Belum berumur 17 tahun dan belum pernah kawin",
    "Bukan WNI dan tidak memiliki Izin Tinggal Tetap",
    "Masih memiliki KTP-el yang berlaku",
    "Sidik jari sama dengan perekaman penduduk lain",
    "Alasan lain"};

const char *wf_reason_str(wf_reason r)
{
    return (int)r >= 0 && r < WF_REASON_COUNT ? reason_str[r] : NULL;
}
const char *wf_reason_label(wf_reason r)
{
    return (int)r >= 0 && r < WF_REASON_COUNT ? reason_label[r] : NULL;
}
/* What the citizen does next after a referral or refusal, for the loket's answer and the
   referral letter (issue 10: "referred" alone does not tell a person where to go). */
const char *wf_reason_next_step(wf_reason r)
{
    switch (r) {
    case WF_REASON_NO_NIK:
        return "Pemohon belum memiliki NIK. Langkah berikutnya: minta Surat Pengantar RT/RW, "
               "isi Formulir Biodata Penduduk (F-1.01) di kantor kelurahan, lalu bawa formulir "
               "itu dengan Kartu Keluarga dan akta kelahiran ke Disdukcapil Kota Tangerang untuk "
               "didaftarkan; setelah NIK terbit, kembali ke kecamatan untuk rekam e-KTP.";
    case WF_REASON_NIK_INVALID:
    case WF_REASON_NOT_FOUND_IN_SIAK:
    case WF_REASON_DATA_MISMATCH:
        return "Langkah berikutnya: bawa surat rujukan ini dengan Kartu Keluarga asli ke "
               "Disdukcapil Kota Tangerang untuk pemeriksaan dan perbaikan data di SIAK; setelah "
               "data benar, kembali ke kecamatan.";
    case WF_REASON_UNDER_AGE:
        return "Langkah berikutnya: datang kembali setelah berumur 17 tahun atau setelah "
               "menikah, dengan dokumen yang diperlukan.";
    case WF_REASON_NOT_WNI_NO_ITAP:
        return "Langkah berikutnya: urus Izin Tinggal Tetap (ITAP) di Kantor Imigrasi, lalu "
               "datang ke Disdukcapil Kota Tangerang.";
    case WF_REASON_HAS_VALID_CARD:
        return "Langkah berikutnya: bila kartu hilang atau rusak, ambil nomor antrian C "
               "(KTP hilang / rusak); bila data berubah, ambil nomor antrian B (Perubahan data).";
    default:
        return "";
    }
}

bool wf_reason_from_str(const char *s, wf_reason *out)
{
    int i;
    if (s == NULL || s[0] == '\0' || !find(reason_str, WF_REASON_COUNT, s, &i))
        return false;
    *out = (wf_reason)i;
    return true;
}

/* ---- roles ---------------------------------------------------------------------------- */
static const char *const role_str[WF_ROLE_COUNT] = {"intake", "operator", "handover",
                                                    "supervisor", "admin", "system"};

const char *wf_role_str(wf_role r)
{
    return (int)r >= 0 && r < WF_ROLE_COUNT ? role_str[r] : NULL;
}
bool wf_role_from_str(const char *s, wf_role *out)
{
    int i;
    if (!find(role_str, WF_ROLE_COUNT, s, &i))
        return false;
    *out = (wf_role)i;
    return true;
}
bool wf_role_is_staff(wf_role r)
{
    return (int)r >= 0 && r < WF_ROLE_SYSTEM;
}

/* ---- application states and actions ---------------------------------------------------- */
static const char *const state_str[WF_STATE_COUNT] = {
    "none", "called", "checked", "incomplete", "referred", "rejected", "data_changed",
    "recorded", "receipt_issued", "sent", "print_ready", "duplicate", "printed",
    "handed_over"};
static const char *const state_label[WF_STATE_COUNT] = {
    "Belum ada permohonan",
    "Dipanggil",
    "Berkas lengkap",
    "Berkas tidak lengkap (dikembalikan)",
    "Dirujuk ke Disdukcapil",
    "Ditolak",
    "Data diubah",
    "Sudah direkam",
    "Tanda terima diberikan",
    "Dikirim ke Disdukcapil",
    "Siap cetak",
    "Terindikasi ganda",
    "Sudah dicetak",
    "Sudah diserahkan"};
static const char *const action_str[WF_ACT_COUNT] = {
    "open", "check_ok", "return_incomplete", "refer", "reject", "change_data", "record",
    "issue_receipt", "send", "print_ready", "afis_hit", "central_duplicate", "clear_duplicate",
    "confirm_duplicate", "print", "hand_over"};

static bool state_ok(wf_state s)
{
    return (int)s >= 0 && s < WF_STATE_COUNT;
}
static bool action_ok(wf_action a)
{
    return (int)a >= 0 && a < WF_ACT_COUNT;
}

const char *wf_state_str(wf_state s)
{
    return state_ok(s) ? state_str[s] : NULL;
}
const char *wf_state_label(wf_state s)
{
    return state_ok(s) ? state_label[s] : NULL;
}
bool wf_state_from_str(const char *s, wf_state *out)
{
    int i;
    if (!find(state_str, WF_STATE_COUNT, s, &i) || i == WF_STATE_NONE)
        return false;
    *out = (wf_state)i;
    return true;
}
bool wf_state_is_terminal(wf_state s)
{
    return s == WF_STATE_INCOMPLETE || s == WF_STATE_REFERRED || s == WF_STATE_REJECTED ||
           s == WF_STATE_HANDED_OVER;
}
const char *wf_action_str(wf_action a)
{
    return action_ok(a) ? action_str[a] : NULL;
}
bool wf_action_from_str(const char *s, wf_action *out)
{
    int i;
    if (!find(action_str, WF_ACT_COUNT, s, &i))
        return false;
    *out = (wf_action)i;
    return true;
}
bool wf_action_needs_reason(wf_action a)
{
    return a == WF_ACT_REFER || a == WF_ACT_REJECT || a == WF_ACT_CONFIRM_DUPLICATE;
}

/* The graph of docs/domain.md, one row per edge. */
static const struct {
    wf_state from;
    wf_action action;
    wf_state to;
} edges[] = {
    {WF_STATE_NONE, WF_ACT_OPEN, WF_STATE_CALLED},
    {WF_STATE_CALLED, WF_ACT_CHECK_OK, WF_STATE_CHECKED},
    {WF_STATE_CALLED, WF_ACT_RETURN_INCOMPLETE, WF_STATE_INCOMPLETE},
    {WF_STATE_CALLED, WF_ACT_REFER, WF_STATE_REFERRED},
    {WF_STATE_CALLED, WF_ACT_REJECT, WF_STATE_REJECTED},
    {WF_STATE_CHECKED, WF_ACT_CHANGE_DATA, WF_STATE_DATA_CHANGED},
    {WF_STATE_CHECKED, WF_ACT_RECORD, WF_STATE_RECORDED},
    {WF_STATE_DATA_CHANGED, WF_ACT_RECORD, WF_STATE_RECORDED},
    {WF_STATE_DATA_CHANGED, WF_ACT_ISSUE_RECEIPT, WF_STATE_RECEIPT_ISSUED},
    {WF_STATE_RECORDED, WF_ACT_ISSUE_RECEIPT, WF_STATE_RECEIPT_ISSUED},
    {WF_STATE_RECORDED, WF_ACT_AFIS_HIT, WF_STATE_DUPLICATE},
    {WF_STATE_RECEIPT_ISSUED, WF_ACT_SEND, WF_STATE_SENT},
    {WF_STATE_RECEIPT_ISSUED, WF_ACT_AFIS_HIT, WF_STATE_DUPLICATE},
    {WF_STATE_SENT, WF_ACT_PRINT_READY, WF_STATE_PRINT_READY},
    {WF_STATE_SENT, WF_ACT_AFIS_HIT, WF_STATE_DUPLICATE},
    {WF_STATE_SENT, WF_ACT_CENTRAL_DUPLICATE, WF_STATE_DUPLICATE},
    {WF_STATE_DUPLICATE, WF_ACT_CLEAR_DUPLICATE, WF_STATE_RECORDED},
    /* Disdukcapil decides on a central duplicate: cleared (print ready) or the card refused
       (enrolment failed there: the person is recorded again in a new application). */
    {WF_STATE_DUPLICATE, WF_ACT_PRINT_READY, WF_STATE_PRINT_READY},
    {WF_STATE_SENT, WF_ACT_REJECT, WF_STATE_REJECTED},
    {WF_STATE_DUPLICATE, WF_ACT_CONFIRM_DUPLICATE, WF_STATE_REJECTED},
    {WF_STATE_PRINT_READY, WF_ACT_PRINT, WF_STATE_PRINTED},
    {WF_STATE_PRINTED, WF_ACT_HAND_OVER, WF_STATE_HANDED_OVER},
};

static bool lookup_edge(wf_state from, wf_action action, wf_state *to)
{
    for (int i = 0; i < N(edges); i++) {
        if (edges[i].from == from && edges[i].action == action) {
            *to = edges[i].to;
            return true;
        }
    }
    return false;
}

bool wf_can(wf_state from, wf_action action)
{
    wf_state to;
    return state_ok(from) && action_ok(action) && lookup_edge(from, action, &to);
}

kt_code wf_next(wf_state from, wf_action action, wf_state *to, kt_error *err)
{
    if (!state_ok(from))
        return kt_fail(err, KT_EINVAL, "state_invalid", "state", "Status permohonan tidak dikenal");
    if (!action_ok(action))
        return kt_fail(err, KT_EINVAL, "action_invalid", "action", "Tindakan tidak dikenal");
    wf_state t;
    if (!lookup_edge(from, action, &t)) {
        if (wf_state_is_terminal(from))
            return kt_fail(err, KT_ECONFLICT, "illegal_transition", "action",
                           "Tindakan '%s' tidak dapat dilakukan: permohonan sudah selesai "
                           "dengan status '%s'",
                           action_str[action], state_str[from]);
        return kt_fail(err, KT_ECONFLICT, "illegal_transition", "action",
                       "Tindakan '%s' tidak dapat dilakukan pada permohonan berstatus '%s'",
                       action_str[action], state_str[from]);
    }
    *to = t;
    return KT_OK;
}

/* Which roles may do each action; admin and system may everything. */
#define R(x) (1u << (x))
static const unsigned action_roles[WF_ACT_COUNT] = {
    [WF_ACT_OPEN] = R(WF_ROLE_INTAKE),
    [WF_ACT_CHECK_OK] = R(WF_ROLE_INTAKE),
    [WF_ACT_RETURN_INCOMPLETE] = R(WF_ROLE_INTAKE),
    [WF_ACT_REFER] = R(WF_ROLE_INTAKE) | R(WF_ROLE_SUPERVISOR),
    [WF_ACT_REJECT] = R(WF_ROLE_INTAKE) | R(WF_ROLE_SUPERVISOR),
    [WF_ACT_CHANGE_DATA] = R(WF_ROLE_OPERATOR),
    [WF_ACT_RECORD] = R(WF_ROLE_OPERATOR),
    [WF_ACT_ISSUE_RECEIPT] = R(WF_ROLE_HANDOVER),
    [WF_ACT_SEND] = R(WF_ROLE_OPERATOR) | R(WF_ROLE_SUPERVISOR),
    [WF_ACT_PRINT_READY] = R(WF_ROLE_SUPERVISOR),
    [WF_ACT_AFIS_HIT] = R(WF_ROLE_OPERATOR) | R(WF_ROLE_SUPERVISOR),
    [WF_ACT_CENTRAL_DUPLICATE] = R(WF_ROLE_SUPERVISOR),
    [WF_ACT_CLEAR_DUPLICATE] = R(WF_ROLE_SUPERVISOR),
    [WF_ACT_CONFIRM_DUPLICATE] = R(WF_ROLE_SUPERVISOR),
    [WF_ACT_PRINT] = R(WF_ROLE_SUPERVISOR),
    [WF_ACT_HAND_OVER] = R(WF_ROLE_HANDOVER),
};

bool wf_role_allows(wf_action action, wf_role role)
{
    if (!action_ok(action) || (int)role < 0 || role >= WF_ROLE_COUNT)
        return false;
    if (role == WF_ROLE_ADMIN || role == WF_ROLE_SYSTEM)
        return true;
    return (action_roles[action] & R(role)) != 0;
}

kt_code wf_check_role(wf_action action, wf_role role, kt_error *err)
{
    if (wf_role_allows(action, role))
        return KT_OK;
    const char *a = wf_action_str(action), *r = wf_role_str(role);
    return kt_fail(err, KT_EFORBIDDEN, "forbidden_role", "role",
                   "Peran '%s' tidak berwenang melakukan tindakan '%s'", r ? r : "?",
                   a ? a : "?");
}

/* ---- tickets -------------------------------------------------------------------------- */
static const char *const tstate_str[WF_TICKET_STATE_COUNT] = {"waiting", "called", "served",
                                                              "no_show"};
static const char *const taction_str[WF_TICKET_ACTION_COUNT] = {"call", "recall", "no_show",
                                                                "serve", "transfer"};

const char *wf_ticket_state_str(wf_ticket_state s)
{
    return (int)s >= 0 && s < WF_TICKET_STATE_COUNT ? tstate_str[s] : NULL;
}
bool wf_ticket_state_from_str(const char *s, wf_ticket_state *out)
{
    int i;
    if (!find(tstate_str, WF_TICKET_STATE_COUNT, s, &i))
        return false;
    *out = (wf_ticket_state)i;
    return true;
}
bool wf_ticket_state_is_terminal(wf_ticket_state s)
{
    return s == WF_TICKET_SERVED || s == WF_TICKET_NO_SHOW;
}
const char *wf_ticket_action_str(wf_ticket_action a)
{
    return (int)a >= 0 && a < WF_TICKET_ACTION_COUNT ? taction_str[a] : NULL;
}
bool wf_ticket_action_from_str(const char *s, wf_ticket_action *out)
{
    int i;
    if (!find(taction_str, WF_TICKET_ACTION_COUNT, s, &i))
        return false;
    *out = (wf_ticket_action)i;
    return true;
}

kt_code wf_ticket_next(wf_ticket_state from, wf_ticket_action action, wf_ticket_state *to,
                       kt_error *err)
{
    if ((int)from < 0 || from >= WF_TICKET_STATE_COUNT)
        return kt_fail(err, KT_EINVAL, "state_invalid", "state", "Status antrean tidak dikenal");
    if ((int)action < 0 || action >= WF_TICKET_ACTION_COUNT)
        return kt_fail(err, KT_EINVAL, "action_invalid", "action", "Tindakan antrean tidak dikenal");
    wf_ticket_state t;
    bool ok = true;
    switch (action) {
    case WF_TICKET_CALL:
        ok = from == WF_TICKET_WAITING;
        t = WF_TICKET_CALLED;
        break;
    case WF_TICKET_RECALL:
        ok = from == WF_TICKET_CALLED;
        t = WF_TICKET_CALLED;
        break;
    case WF_TICKET_NO_SHOW_ACT:
        ok = from == WF_TICKET_CALLED;
        t = WF_TICKET_NO_SHOW;
        break;
    case WF_TICKET_SERVE:
        ok = from == WF_TICKET_CALLED;
        t = WF_TICKET_SERVED;
        break;
    case WF_TICKET_TRANSFER:
    default:
        ok = from == WF_TICKET_CALLED;
        t = WF_TICKET_WAITING;
        break;
    }
    if (!ok)
        return kt_fail(err, KT_ECONFLICT, "illegal_transition", "action",
                       "Tindakan antrean '%s' tidak dapat dilakukan pada nomor berstatus '%s'",
                       taction_str[action], tstate_str[from]);
    *to = t;
    return KT_OK;
}

bool wf_ticket_role_allows(wf_ticket_action action, wf_role role)
{
    if ((int)action < 0 || action >= WF_TICKET_ACTION_COUNT)
        return false;
    return role == WF_ROLE_INTAKE || role == WF_ROLE_HANDOVER || role == WF_ROLE_ADMIN ||
           role == WF_ROLE_SYSTEM;
}
