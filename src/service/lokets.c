/*
 * lokets.c - the lokets' roles as the SOP has them, and the operator's call of an applicant to
 * the recording desk.
 *
 * The SOP's office has three kinds of counter: the intake counter (Loket Penerima Berkas,
 * steps 1-2: A-D tickets), the operator's recording desk (Perekaman, step 3) and the handover
 * counter (Loket Penyerahan Dokumen, steps 4-6: E tickets). The default layout is loket 1
 * intake, 2 operator, 3 handover (any further loket intake); the table `lokets` (migration
 * 005) holds a layout set by the admin or by `ktpel serve --lokets "1:intake,2:operator,..."`.
 * The default is descriptive only (names on the display); a layout that was set is enforced:
 * a loket calls only its role's ticket queue, and the recording desk calls no tickets at all.
 *
 * The recording desk has no queue of its own: the applicant already holds the ticket of
 * intake, and once the documents are checked the operator calls that same number to the desk
 * ("Nomor antrian A007, silakan menuju loket dua"). Such a call is an audit event (action
 * call_recording / recall_recording with the ticket, the application and the loket) that is
 * pushed live as ticket_called / ticket_recalled with the event id as "call_id"; the display
 * board shows it at the desk's loket and plays /api/lokets/calls/{call_id}/announcement.wav.
 * The ticket itself is not touched (its called_at stays the intake call: waiting times).
 *
 * Never: move a ticket or an application; call a ticket queue from the recording desk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_internal.h"

#define LOKETS_MAX 99

static const char *const ROLE_IDS[] = {"intake", "operator", "handover"};
static const char *const ROLE_NAMES[] = {"Loket Penerima Berkas", "Perekaman",
                                         "Loket Penyerahan Dokumen"};

/* Index into ROLE_IDS, -1 when unknown. */
static int role_index(const char *r)
{
    for (int i = 0; r != NULL && i < 3; i++)
        if (strcmp(r, ROLE_IDS[i]) == 0)
            return i;
    return -1;
}

static int default_role(int loket)
{
    return loket == 2 ? 1 : loket == 3 ? 2 : 0;
}

/* The layout: roles[1..*n] as ROLE_IDS indexes; *configured 1 when the table has rows.
   *n, the number of lokets, is the layout's: the highest loket it names, or the configured
   number (svc_config.lokets) when that is higher. So a loket the admin adds to the layout
   exists at once - to log in at, to call from, on the board - without a restart (issue 10). */
static kt_code roles_load(store *db, const svc *s, int *roles, int *configured, int *n,
                          kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    *configured = 0;
    *n = s->lokets < LOKETS_MAX ? s->lokets : LOKETS_MAX;
    for (int l = 1; l <= LOKETS_MAX; l++)
        roles[l] = default_role(l);
    if ((rc = store_prepare(db, "SELECT loket, role FROM lokets ORDER BY loket", &st, err)) !=
        KT_OK)
        return rc;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        int l = (int)store_col_int(st, 0), r = role_index(store_col_text(st, 1));
        *configured = 1;
        if (l >= 1 && l <= LOKETS_MAX && r >= 0) {
            roles[l] = r;
            if (l > *n)
                *n = l;
        }
    }
    store_reset(st);
    return rc;
}

/* Read-only helper around roles_load with a connection of its own. */
static kt_code roles_get(svc *s, int *roles, int *configured, int *n, kt_error *err)
{
    store *db = NULL;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    rc = roles_load(db, s, roles, configured, n, err);
    svc_conn_put(s, db);
    return rc;
}

int svc_lokets_count(svc *s)
{
    int roles[LOKETS_MAX + 1], configured = 0, n = s->lokets;
    if (roles_get(s, roles, &configured, &n, NULL) != KT_OK)
        return s->lokets;
    return n;
}

static json_t *layout_json(int n, const int *roles, int configured)
{
    json_t *arr = json_array();
    json_t *o = json_pack("{s:o, s:b}", "lokets", arr, "configured", configured);
    if (o == NULL)
        return NULL;
    for (int l = 1; l <= n; l++)
        json_array_append_new(arr, json_pack("{s:i, s:s, s:s}", "loket", l, "role",
                                             ROLE_IDS[roles[l]], "role_name",
                                             ROLE_NAMES[roles[l]]));
    return o;
}

kt_code svc_lokets_get(svc *s, json_t **out, kt_error *err)
{
    int roles[LOKETS_MAX + 1], configured = 0, n = 0;
    *out = NULL;
    kt_code rc = roles_get(s, roles, &configured, &n, err);
    if (rc != KT_OK)
        return rc;
    *out = layout_json(n, roles, configured);
    return *out != NULL ? KT_OK : svc_nomem(err);
}

kt_code svc_lokets_parse(const char *spec, json_t **out, kt_error *err)
{
    kt_code rc = KT_OK;
    json_t *arr = json_array();
    char seen[LOKETS_MAX + 1];
    memset(seen, 0, sizeof seen);
    *out = NULL;
    if (arr == NULL)
        return svc_nomem(err);
    if (spec == NULL || spec[0] == '\0') {
        rc = kt_fail(err, KT_EINVAL, "lokets_invalid", "lokets",
                     "Susunan loket kosong; contoh: 1:intake,2:operator,3:handover");
        goto out;
    }
    const char *p = spec;
    for (int item = 1; *p != '\0'; item++) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        char buf[32], field[32];
        snprintf(field, sizeof field, "lokets[%d]", item);
        if (len == 0 || len >= sizeof buf) {
            rc = kt_fail(err, KT_EINVAL, "lokets_invalid", field,
                         "Bagian ke-%d susunan loket tidak sah (harus NOMOR:PERAN, mis. "
                         "2:operator)", item);
            goto out;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        char *colon = strchr(buf, ':'), *num_end = NULL;
        long l = colon != NULL ? strtol(buf, &num_end, 10) : 0;
        if (colon == NULL || num_end != colon || l < 1 || l > LOKETS_MAX ||
            role_index(colon + 1) < 0) {
            rc = kt_fail(err, KT_EINVAL, "lokets_invalid", field,
                         "'%s' tidak sah: harus NOMOR:PERAN dengan nomor 1..%d dan peran "
                         "intake, operator atau handover", buf, LOKETS_MAX);
            goto out;
        }
        if (seen[l]) {
            rc = kt_fail(err, KT_EINVAL, "lokets_duplicate", field,
                         "Loket %ld disebut dua kali", l);
            goto out;
        }
        seen[l] = 1;
        json_array_append_new(arr, json_pack("{s:i, s:s}", "loket", (int)l, "role", colon + 1));
        p += len;
        if (*p == ',')
            p++;
    }
    *out = arr;
    arr = NULL;
out:
    json_decref(arr);
    return rc;
}

kt_code svc_lokets_set(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                       kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    json_t *list = NULL, *pending = NULL;
    int roles[LOKETS_MAX + 1], configured = 0, n = 0, now_n = 0;
    char seen[LOKETS_MAX + 1];
    memset(seen, 0, sizeof seen);
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    const char *spec = svc_jstr(in, "spec");
    if (spec != NULL) {
        if ((rc = svc_lokets_parse(spec, &list, err)) != KT_OK)
            return rc;
    } else {
        json_t *l = json_object_get(in, "lokets");
        if (!json_is_array(l) || json_array_size(l) == 0)
            return kt_fail(err, KT_EINVAL, "lokets_invalid", "lokets",
                           "Isi lokets: daftar {loket, role} yang tidak kosong");
        list = json_incref(l);
    }
    /* Validate everything before writing anything. */
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        char field[32];
        snprintf(field, sizeof field, "lokets[%zu]", i);
        json_t *jl = json_object_get(v, "loket");
        const char *r = svc_jstr(v, "role");
        if (!json_is_integer(jl) || json_integer_value(jl) < 1 ||
            json_integer_value(jl) > LOKETS_MAX) {
            rc = kt_fail(err, KT_EINVAL, "loket_invalid", field,
                         "Nomor loket harus 1 sampai %d", LOKETS_MAX);
            goto out;
        }
        if (role_index(r) < 0) {
            rc = kt_fail(err, KT_EINVAL, "loket_role_invalid", field,
                         "Peran loket harus intake, operator atau handover");
            goto out;
        }
        n = (int)json_integer_value(jl);
        if (seen[n]) {
            rc = kt_fail(err, KT_EINVAL, "lokets_duplicate", field, "Loket %d disebut dua kali",
                         n);
            goto out;
        }
        seen[n] = 1;
    }
    /* The layout as it would be (lokets not named keep their default; the number of lokets
       is the configured one or the highest named) must keep the SOP's counters: somewhere to
       hand in documents (A-D) and somewhere to collect cards (E). */
    int has_intake = 0, has_handover = 0;
    now_n = s->lokets < LOKETS_MAX ? s->lokets : LOKETS_MAX;
    json_array_foreach(list, i, v)
        if (json_integer_value(json_object_get(v, "loket")) > now_n)
            now_n = (int)json_integer_value(json_object_get(v, "loket"));
    for (int l = 1; l <= now_n; l++) {
        int r = default_role(l);
        json_array_foreach(list, i, v)
            if (json_integer_value(json_object_get(v, "loket")) == l)
                r = role_index(svc_jstr(v, "role"));
        has_intake |= r == 0;
        has_handover |= r == 2;
    }
    if (!has_intake || !has_handover) {
        rc = kt_fail(err, KT_EINVAL, "lokets_invalid", "lokets",
                     "Susunan loket harus punya paling sedikit satu %s",
                     !has_intake ? "Loket Penerima Berkas (intake)"
                                 : "Loket Penyerahan Dokumen (handover)");
        goto out;
    }
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = store_exec(db, "DELETE FROM lokets", err)) != KT_OK)
        goto out;
    json_array_foreach(list, i, v) {
        if ((rc = store_prepare(db, "INSERT INTO lokets (loket, role) VALUES (?, ?)", &st,
                                err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, json_integer_value(json_object_get(v, "loket")));
        store_bind_text(st, 2, svc_jstr(v, "role"), -1);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
    }
    if ((rc = roles_load(db, s, roles, &configured, &n, err)) != KT_OK)
        goto out;
    if ((rc = svc_event_add(s, db, pending, "lokets_changed", who, 0, 0, "", "", "set_lokets",
                            "", "", NULL, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    svc_emit(s, pending);
    *out = layout_json(n, roles, configured);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    json_decref(list);
    return rc;
}

kt_code svc_lokets_check_call(svc *s, const svc_actor *who, int loket, kt_error *err)
{
    int roles[LOKETS_MAX + 1], configured = 0, n = 0;
    kt_code rc = roles_get(s, roles, &configured, &n, err);
    if (rc != KT_OK)
        return rc;
    if (loket < 1 || loket > n)
        return kt_fail(err, KT_EINVAL, "loket_invalid", "loket",
                       "Loket harus 1 sampai %d (pilih loket saat masuk)", n);
    if (!configured)
        return KT_OK;
    int r = roles[loket];
    if (r == 1)
        return kt_fail(err, KT_ECONFLICT, "loket_role", "loket",
                       "Loket %d adalah meja Perekaman: pemohon dipanggil dari daftar siap "
                       "rekam, bukan dari antrian tiket", loket);
    if (strcmp(who->role, "admin") != 0 && strcmp(who->role, "system") != 0 &&
        strcmp(who->role, ROLE_IDS[r]) != 0)
        return kt_fail(err, KT_EFORBIDDEN, "loket_role", "loket",
                       "Loket %d adalah %s; peran Anda (%s) tidak memanggil di loket ini",
                       loket, ROLE_NAMES[r], who->role);
    return KT_OK;
}

/* The recording desk for a call: in.loket, else the officer's loket when it is a desk, else
   the first desk. */
static kt_code desk_of(svc *s, const svc_actor *who, const json_t *in, int *desk, kt_error *err)
{
    int roles[LOKETS_MAX + 1], configured = 0, n = 0;
    json_t *jl = json_object_get(in, "loket");
    *desk = 0;
    kt_code rc = roles_get(s, roles, &configured, &n, err);
    if (rc != KT_OK)
        return rc;
    if (jl != NULL && !json_is_null(jl) &&
        (!json_is_integer(jl) || json_integer_value(jl) < 1 || json_integer_value(jl) > n))
        return kt_fail(err, KT_EINVAL, "loket_invalid", "loket", "Loket harus 1 sampai %d", n);
    if (json_is_integer(jl)) {
        int l = (int)json_integer_value(jl);
        if (roles[l] != 1)
            return kt_fail(err, KT_EINVAL, "loket_invalid", "loket",
                           "Loket %d bukan meja Perekaman (loket %d: %s)", l, l,
                           ROLE_NAMES[roles[l]]);
        *desk = l;
        return KT_OK;
    }
    if (who->loket >= 1 && who->loket <= n && roles[who->loket] == 1) {
        *desk = who->loket;
        return KT_OK;
    }
    for (int l = 1; l <= n; l++)
        if (roles[l] == 1) {
            *desk = l;
            return KT_OK;
        }
    return kt_fail(err, KT_ECONFLICT, "no_recording_desk", "loket",
                   "Tidak ada loket Perekaman dalam susunan loket");
}

static kt_code require_operator(const svc_actor *who, kt_error *err)
{
    wf_role role;
    kt_code rc = svc_actor_role(who, &role, err); /* also refuses before a forced change */
    if (rc != KT_OK)
        return rc;
    if (strcmp(who->role, "operator") == 0 || strcmp(who->role, "admin") == 0 ||
        strcmp(who->role, "system") == 0)
        return KT_OK;
    return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                   "Hanya operator perekaman yang memanggil pemohon ke meja perekaman");
}

/* Write one call event (inside db's write transaction) and fill *out with the call. */
static kt_code call_write(svc *s, store *db, json_t *pending, const svc_actor *who, int desk,
                          int64_t app_id, int64_t ticket_id, const char *state,
                          const char *action, const char *type, json_t **out, kt_error *err)
{
    json_t *t = NULL;
    kt_code rc = svc_ticket_load(db, ticket_id, &t, err);
    if (rc != KT_OK)
        return rc;
    svc_actor a = *who;
    a.loket = desk;
    json_t *extra = json_pack("{s:{s:I, s:s, s:i, s:s, s:I}}", "ticket", "id",
                              (json_int_t)ticket_id, "number", svc_jstr(t, "number"), "loket",
                              desk, "service", svc_jstr(t, "service"), "application_id",
                              (json_int_t)app_id);
    if (extra == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_event_add(s, db, pending, type, &a, app_id, ticket_id, state, state, action, "",
                       "", extra, err);
    json_decref(extra);
    if (rc != KT_OK)
        goto out;
    int64_t call_id = store_last_id(db);
    /* The live event learns its call id (the display fetches the announcement by it). */
    json_t *ev = json_array_get(pending, json_array_size(pending) - 1);
    json_object_set_new(ev, "call_id", json_integer(call_id));
    json_object_set_new(json_object_get(ev, "ticket"), "call_id", json_integer(call_id));
    *out = json_pack("{s:I, s:s, s:i, s:I, s:I, s:I, s:s}", "call_id", (json_int_t)call_id,
                     "number", svc_jstr(t, "number"), "loket", desk, "application_id",
                     (json_int_t)app_id, "ticket_id", (json_int_t)ticket_id, "called_at",
                     (json_int_t)svc_now(s), "action", action);
    if (*out == NULL)
        rc = svc_nomem(err);
out:
    json_decref(t);
    return rc;
}

kt_code svc_recording_call(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                           kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    json_t *app = NULL, *pending = NULL;
    int desk = 0;
    *out = NULL;
    if ((rc = require_operator(who, err)) != KT_OK)
        return rc;
    json_t *jid = json_object_get(in, "application_id");
    if (!json_is_integer(jid) || json_integer_value(jid) < 1)
        return kt_fail(err, KT_EINVAL, "application_id_invalid", "application_id",
                       "application_id harus nomor permohonan (bilangan positif)");
    int64_t app_id = json_integer_value(jid);
    if ((rc = desk_of(s, who, in, &desk, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_app_load(s, db, app_id, &app, err)) != KT_OK)
        goto out;
    const char *state = svc_jstr(app, "state");
    if (state == NULL || (strcmp(state, "checked") != 0 && strcmp(state, "data_changed") != 0)) {
        rc = kt_fail(err, KT_ECONFLICT, "not_ready_for_recording", "application_id",
                     "Permohonan %lld belum siap direkam (status %s); hanya berkas yang sudah "
                     "diperiksa lengkap yang dipanggil ke meja perekaman",
                     (long long)app_id, state != NULL ? state : "?");
        goto out;
    }
    json_int_t ticket_id = json_integer_value(json_object_get(app, "ticket_id"));
    if (ticket_id < 1) {
        rc = kt_fail(err, KT_ECONFLICT, "no_ticket", "application_id",
                     "Permohonan %lld tidak punya nomor antrian untuk dipanggil",
                     (long long)app_id);
        goto out;
    }
    if ((rc = call_write(s, db, pending, who, desk, app_id, ticket_id, state, "call_recording",
                         "ticket_called", out, err)) != KT_OK)
        goto out;
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(app);
    json_decref(pending);
    return rc;
}

/* One recording call by its event id: loket, ticket, application, state. */
static kt_code call_load(store *db, int64_t call_id, int *loket, int64_t *ticket_id,
                         int64_t *app_id, char *number, size_t cap, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = svc_row_by_id(db,
                               "SELECT e.loket, e.ticket_id, e.application_id, t.code FROM"
                               " events e JOIN tickets t ON t.id = e.ticket_id WHERE e.id = ?"
                               " AND e.action IN ('call_recording', 'recall_recording')",
                               call_id, &st, err, "call_not_found", "id",
                               "Panggilan %lld ke meja perekaman tidak ditemukan",
                               (long long)call_id);
    if (rc != KT_OK)
        return rc;
    *loket = (int)store_col_int(st, 0);
    *ticket_id = store_col_int(st, 1);
    *app_id = store_col_int(st, 2);
    snprintf(number, cap, "%s", store_col_text(st, 3));
    store_reset(st);
    return KT_OK;
}

kt_code svc_recording_recall(svc *s, const svc_actor *who, int64_t call_id, json_t **out,
                             kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    json_t *app = NULL, *pending = NULL;
    int loket = 0;
    int64_t ticket_id = 0, app_id = 0;
    char number[16];
    *out = NULL;
    if ((rc = require_operator(who, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = call_load(db, call_id, &loket, &ticket_id, &app_id, number, sizeof number, err)) !=
        KT_OK)
        goto out;
    if ((rc = svc_app_load(s, db, app_id, &app, err)) != KT_OK)
        goto out;
    if ((rc = call_write(s, db, pending, who, loket, app_id, ticket_id, svc_jstr(app, "state"),
                         "recall_recording", "ticket_recalled", out, err)) != KT_OK)
        goto out;
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(app);
    json_decref(pending);
    return rc;
}

kt_code svc_loket_call_get(svc *s, int64_t call_id, json_t **out, kt_error *err)
{
    store *db = NULL;
    int loket = 0;
    int64_t ticket_id = 0, app_id = 0;
    char number[16];
    *out = NULL;
    kt_code rc = svc_conn_get(s, &db, err);
    if (rc != KT_OK)
        return rc;
    rc = call_load(db, call_id, &loket, &ticket_id, &app_id, number, sizeof number, err);
    svc_conn_put(s, db);
    if (rc != KT_OK)
        return rc;
    *out = json_pack("{s:I, s:s, s:i, s:I, s:I}", "call_id", (json_int_t)call_id, "number",
                     number, "loket", loket, "ticket_id", (json_int_t)ticket_id,
                     "application_id", (json_int_t)app_id);
    return *out != NULL ? KT_OK : svc_nomem(err);
}

/* Newest first by called_at. */
static int by_called_desc(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "called_at"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "called_at"));
    return x < y ? 1 : x > y ? -1 : 0;
}

kt_code svc_lokets_board(svc *s, json_t *board, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0, roles[LOKETS_MAX + 1], configured = 0;
    json_t **calls = NULL;
    size_t ncalls = 0;
    int n = 0;
    jkt_date d = svc_today(s);
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = roles_load(db, s, roles, &configured, &n, err)) != KT_OK)
        goto out;
    json_object_set_new(board, "lokets_configured", json_boolean(configured));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(board, "lokets"), i, v) {
        int l = (int)json_integer_value(json_object_get(v, "loket"));
        if (l < 1 || l > n)
            continue;
        json_object_set_new(v, "role", json_string(ROLE_IDS[roles[l]]));
        json_object_set_new(v, "role_name", json_string(ROLE_NAMES[roles[l]]));
        if (roles[l] != 1)
            continue;
        if ((rc = store_prepare(db,
                                "SELECT e.id, e.ticket_id, t.code, e.at, t.service,"
                                " e.application_id, (SELECT count(*) FROM events x WHERE"
                                " x.application_id = e.application_id AND x.id > e.id AND"
                                " x.from_state <> x.to_state) FROM events e JOIN tickets t ON"
                                " t.id = e.ticket_id WHERE e.loket = ? AND e.at >= ? AND"
                                " e.at < ? AND e.action IN ('call_recording',"
                                " 'recall_recording') ORDER BY e.at DESC, e.id DESC LIMIT 1",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, l);
        store_bind_int(st, 2, jkt_day_start_ms(d));
        store_bind_int(st, 3, jkt_day_end_ms(d));
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        /* The desk's last call is shown while it is current: once the application has moved
           on (data changed, recorded, ...) the person has left the desk (issue 10). */
        if (row && store_col_int(st, 6) == 0) {
            json_int_t at = store_col_int(st, 3);
            json_t *cur = json_object_get(v, "ticket");
            if (!json_is_object(cur) ||
                json_integer_value(json_object_get(cur, "called_at")) <= at)
                json_object_set_new(
                    v, "ticket",
                    json_pack("{s:I, s:s, s:I, s:s, s:I, s:I}", "id",
                              (json_int_t)store_col_int(st, 1), "number", store_col_text(st, 2),
                              "called_at", at, "service", store_col_text(st, 4), "call_id",
                              (json_int_t)store_col_int(st, 0), "application_id",
                              (json_int_t)store_col_int(st, 5)));
        }
        store_reset(st);
    }
    /* The day's desk calls join the last calls. */
    json_t *last = json_object_get(board, "last_calls");
    if (!json_is_array(last))
        goto done;
    if ((rc = store_prepare(db,
                            "SELECT t.code, e.loket, e.at, e.action FROM events e JOIN tickets t"
                            " ON t.id = e.ticket_id WHERE e.at >= ? AND e.at < ? AND e.action IN"
                            " ('call_recording', 'recall_recording') ORDER BY e.at DESC, e.id"
                            " DESC LIMIT 10",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, jkt_day_start_ms(d));
    store_bind_int(st, 2, jkt_day_end_ms(d));
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(last, json_pack("{s:s, s:i, s:I, s:i, s:s}", "number",
                                              store_col_text(st, 0), "loket",
                                              (int)store_col_int(st, 1), "called_at",
                                              (json_int_t)store_col_int(st, 2), "recalls",
                                              strcmp(store_col_text(st, 3), "recall_recording")
                                                  == 0, "role", "operator"));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    ncalls = json_array_size(last);
    if (ncalls > 1) {
        if ((calls = calloc(ncalls, sizeof *calls)) == NULL) {
            rc = svc_nomem(err);
            goto out;
        }
        for (i = 0; i < ncalls; i++)
            calls[i] = json_incref(json_array_get(last, i));
        qsort(calls, ncalls, sizeof *calls, by_called_desc);
        json_array_clear(last);
        for (i = 0; i < ncalls; i++)
            if (i < 10)
                json_array_append(last, calls[i]);
    }
done:
    store_rollback(db);
out:
    for (size_t k = 0; calls != NULL && k < ncalls; k++)
        json_decref(calls[k]);
    free(calls);
    svc_conn_put(s, db);
    return rc;
}
