/*
 * queue.c - the queue of SOP step 1: taking tickets at the kiosk, calling, recalling,
 * no-show, transfer, and the display board.
 *
 * Numbering: per service per Jakarta service day (core/queue.h), MAX(number)+1 inside a write
 * transaction, so two kiosks never print the same number; UNIQUE (day, service, number)
 * guards it too. `service` and `number` are the number's series and never change: a transfer
 * moves the ticket to another queue (`queue_service`, migration 008), so the citizen keeps
 * the number in hand and the old service never issues it again.
 * Calling: BEGIN IMMEDIATE serialises callers, and the UPDATE only moves a ticket that is
 * still waiting, so lokets calling at the same moment never get the same ticket.
 * Durability at speed: take, call, recall, no-show and transfer run as units of the service's
 * group commit (svc_group_write, svc.c): the kiosks' and lokets' writes that arrive together
 * share one transaction and one fsync, each unit in its own savepoint, and each request is
 * answered only after that commit, so an acknowledged ticket or call survives a crash or a
 * power cut.
 * Fair priority (core/queue.h): the counter "regular calls since the last priority call" is
 * not kept anywhere: it is recounted from today's calls of the same services, so a restart or
 * a second server process cannot skew it. With no priority call yet today it starts at N.
 * Booked tickets (an appointment checked in at the kiosk, core/appointment.h) are regular
 * tickets called before walk-ins, one walk-in after every B booked calls in a row; that counter
 * is recounted the same way (svc_queue_counters).
 *
 * Never: renumber or reuse a ticket; call a ticket that is not waiting.
 */
#include <stdio.h>
#include <string.h>

#include "core/appointment.h"
#include "core/queue.h"
#include "service/cit_internal.h"
#include "service/svc_internal.h"

#define TICKET_COLS                                                                          \
    "SELECT id, code, service, priority, priority_reason, state, day, loket, taken_at,"      \
    " called_at, served_at, recalls, number, queue_service, priority_check, appointment_id"    \
    " FROM tickets"

static json_t *ticket_json(store_stmt *st)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:b, s:s, s:s, s:s, s:i, s:I, s:i}", "id",
                          (json_int_t)store_col_int(st, 0), "number", store_col_text(st, 1),
                          "service", store_col_text(st, 2), "priority",
                          (int)store_col_int(st, 3), "priority_reason", store_col_text(st, 4),
                          "state", store_col_text(st, 5), "service_day", store_col_text(st, 6),
                          "loket", (int)store_col_int(st, 7), "taken_at",
                          (json_int_t)store_col_int(st, 8), "recalls",
                          (int)store_col_int(st, 11));
    if (o == NULL)
        return NULL;
    /* service: the series of the number (fixed at the kiosk); queue_service: the queue it
       waits in now (a transfer changes only this one). */
    json_object_set_new(o, "queue_service", json_string(store_col_text(st, 13)));
    /* a priority ticket is a claim until the officer who calls it confirms it (kiosk.c) */
    json_object_set_new(o, "priority_check", json_string(store_col_text(st, 14)));
    /* checked in with a booking (janji temu): called under the booked/walk-in rule */
    json_object_set_new(o, "booked", json_boolean(!store_col_null(st, 15)));
    json_object_set_new(o, "called_at", store_col_null(st, 9) ? json_null()
                                                              : json_integer(store_col_int(st, 9)));
    json_object_set_new(o, "served_at", store_col_null(st, 10)
                                            ? json_null()
                                            : json_integer(store_col_int(st, 10)));
    return o;
}

kt_code svc_ticket_load(store *db, int64_t id, json_t **out, kt_error *err)
{
    store_stmt *st = NULL;
    *out = NULL;
    kt_code rc = svc_row_by_id(db, TICKET_COLS " WHERE id = ?", id, &st, err, "ticket_not_found",
                               "ticket_id", "Tiket %lld tidak ditemukan", (long long)id);
    if (rc != KT_OK)
        return rc;
    *out = ticket_json(st);
    store_reset(st);
    return *out != NULL ? KT_OK : svc_nomem(err);
}

kt_code svc_ticket_get(svc *s, int64_t ticket_id, json_t **out, kt_error *err)
{
    store *db = NULL;
    kt_code rc = svc_conn_get(s, &db, err);
    *out = NULL;
    if (rc != KT_OK)
        return rc;
    rc = svc_ticket_load(db, ticket_id, out, err);
    svc_conn_put(s, db);
    return rc;
}

/* What a ticket's unit of group commit (svc_group_write) hands back to its request. */
typedef struct unit_out {
    json_t *pending; /* the unit's live events: emitted once the batch is committed */
    json_t *t;       /* out: the ticket; owned by the caller once svc_group_write returns */
} unit_out;

/* Run fn(ctx) as a unit of the next group commit; once it is committed, emit u's events and
   hand u's ticket to *out. u is the unit_out inside ctx. */
static kt_code unit_write(svc *s, svc_group_fn fn, void *ctx, unit_out *u, json_t **out,
                          kt_error *err)
{
    if ((u->pending = json_array()) == NULL)
        return svc_nomem(err);
    /* Answered only after the commit that holds the unit's writes (durable, see svc.c). */
    kt_code rc = svc_group_write(s, fn, ctx, err);
    if (rc == KT_OK) {
        *out = u->t;
        u->t = NULL;
        svc_emit(s, u->pending);
    }
    json_decref(u->pending);
    json_decref(u->t);
    return rc;
}

/* One ticket take as a unit of group commit: validated input in, the ticket and its live
   event out. The number is MAX+1 inside the shared write transaction, after the
   units before it in the batch, so numbers stay consecutive; a unit that fails is rolled back
   to its savepoint and leaves no gap. */
typedef struct take_job {
    const char *service;
    queue_service qs;
    int priority;
    const char *reason;
    const svc_kiosk *kiosk; /* the registered kiosk that prints it, or NULL */
    unit_out u;
} take_job;

kt_code svc_ticket_insert(svc *s, store *db, json_t *pending, const char *service,
                          int priority, const char *reason, const svc_kiosk *kiosk_dev,
                          int64_t appointment_id, json_t **out, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    queue_service qs;
    *out = NULL;
    if (!queue_service_from_str(service, &qs))
        return kt_fail(err, KT_EINVAL, "service_invalid", "service", "Layanan tidak dikenal");
    /* The clock is read here, in commit order, so taken_at never runs backwards along the
       numbers of a day. */
    int64_t now = svc_now(s);
    char day[JKT_DATE_STRLEN];
    jkt_service_day_str(now, day);
    if ((rc = store_prepare(db,
                            "SELECT COALESCE(MAX(number), 0) FROM tickets WHERE day = ? AND"
                            " service = ?",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    store_bind_text(st, 2, service, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int number = (int)store_col_int(st, 0) + 1;
    store_reset(st);
    char code[QUEUE_TICKET_LEN];
    if ((rc = queue_ticket_format(qs, number, code, err)) != KT_OK)
        return rc;
    if ((rc = store_prepare(db,
                            "INSERT INTO tickets (service, day, number, code, priority,"
                            " priority_reason, taken_at, queue_service, kiosk_id,"
                            " appointment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, service, -1);
    store_bind_text(st, 2, day, -1);
    store_bind_int(st, 3, number);
    store_bind_text(st, 4, code, -1);
    store_bind_int(st, 5, priority);
    store_bind_text(st, 6, reason, -1);
    store_bind_int(st, 7, now);
    store_bind_text(st, 8, service, -1);
    if (kiosk_dev != NULL)
        store_bind_int(st, 9, kiosk_dev->id);
    if (appointment_id > 0)
        store_bind_int(st, 10, appointment_id);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    int64_t id = store_last_id(db);
    if ((rc = store_prepare(db,
                            "SELECT count(*) FROM tickets WHERE day = ? AND queue_service = ?"
                            " AND state = 'waiting' AND id < ?",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    store_bind_text(st, 2, service, -1);
    store_bind_int(st, 3, id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int64_t before = store_col_int(st, 0);
    store_reset(st);
    svc_actor kiosk = svc_system_actor();
    if (kiosk_dev != NULL)
        snprintf(kiosk.username, sizeof kiosk.username, "kiosk:%.56s", kiosk_dev->name);
    else
        snprintf(kiosk.username, sizeof kiosk.username, "kiosk");
    json_t *extra = json_pack("{s:{s:I, s:s, s:s, s:b}}", "ticket", "id", (json_int_t)id,
                              "number", code, "service", service, "priority", priority);
    if (extra == NULL)
        return svc_nomem(err);
    rc = svc_event_add(s, db, pending, "ticket_taken", &kiosk, 0, id, "", "waiting", "take", "",
                       reason, extra, err);
    json_decref(extra);
    if (rc != KT_OK)
        return rc;
    json_t *t = NULL;
    if ((rc = svc_ticket_load(db, id, &t, err)) != KT_OK)
        return rc;
    json_object_set_new(t, "waiting_before", json_integer(before));
    *out = t;
    return KT_OK;
}

static kt_code take_unit(svc *s, store *db, void *ctx, kt_error *err)
{
    take_job *j = ctx;
    json_t *t = NULL;
    kt_code rc = svc_ticket_insert(s, db, j->u.pending, j->service, j->priority, j->reason,
                                   j->kiosk, 0, &t, err);
    if (rc != KT_OK)
        return rc;
    json_decref(j->u.t); /* NULL unless a unit ran before (never: one unit per request) */
    j->u.t = t;
    return KT_OK;
}

kt_code svc_ticket_take(svc *s, const json_t *in, json_t **out, kt_error *err)
{
    return svc_ticket_take_by(s, NULL, in, out, err);
}

kt_code svc_ticket_take_by(svc *s, const svc_kiosk *kiosk, const json_t *in, json_t **out,
                           kt_error *err)
{
    take_job j;
    memset(&j, 0, sizeof j);
    *out = NULL;
    j.kiosk = kiosk;
    j.service = svc_jstr(in, "service");
    if (j.service == NULL || !queue_service_from_str(j.service, &j.qs))
        return kt_fail(err, KT_EINVAL, "service_invalid", "service",
                       "Layanan harus salah satu dari rekam_baru, perubahan_data, hilang_rusak, "
                       "pindah_datang, pengambilan");
    json_t *jp = json_object_get(in, "priority");
    if (jp != NULL && !json_is_boolean(jp) && !json_is_null(jp))
        return kt_fail(err, KT_EINVAL, "priority_invalid", "priority",
                       "priority harus true atau false");
    j.priority = json_is_true(jp);
    j.reason = svc_jstr(in, "priority_reason");
    if (j.reason == NULL)
        j.reason = "";
    if (strlen(j.reason) > 64)
        return kt_fail(err, KT_EINVAL, "priority_reason_too_long", "priority_reason",
                       "Alasan prioritas lebih dari 64 karakter");
    kt_code rc = unit_write(s, take_unit, &j, &j.u, out, err);
    if (rc == KT_OK) {
        /* The ticket's QR (its phone page, citizen.c). The ticket is taken and durable: a QR
           that cannot be made (the key file unwritable) leaves it without "track", no more. */
        kt_error e;
        (void)svc_cit_ticket_links(s, *out, &e);
    }
    return rc;
}

/* Role check for ticket actions; sets *role. */
static kt_code ticket_role(const svc_actor *who, wf_ticket_action a, wf_role *role,
                           kt_error *err)
{
    kt_code rc = svc_actor_role(who, role, err);
    if (rc != KT_OK)
        return rc;
    if (!wf_ticket_role_allows(a, *role))
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Peran '%s' tidak boleh memanggil antrian", who->role);
    return KT_OK;
}

/* Build "service IN (...)" as bit mask of queue services the call covers. */
static kt_code call_services(const svc_actor *who, wf_role role, const json_t *in,
                             unsigned *mask, kt_error *err)
{
    json_t *js = json_object_get(in, "services");
    *mask = 0;
    if (js != NULL && !json_is_null(js)) {
        if (!json_is_array(js) || json_array_size(js) == 0)
            return kt_fail(err, KT_EINVAL, "services_invalid", "services",
                           "services harus daftar layanan yang tidak kosong");
        size_t i;
        json_t *v;
        json_array_foreach(js, i, v) {
            queue_service q;
            char field[32];
            snprintf(field, sizeof field, "services[%zu]", i);
            if (!json_is_string(v) || !queue_service_from_str(json_string_value(v), &q))
                return kt_fail(err, KT_EINVAL, "service_invalid", field,
                               "Layanan tidak dikenal");
            if (role != WF_ROLE_ADMIN && role != WF_ROLE_SYSTEM && queue_service_role(q) != role)
                return kt_fail(err, KT_EFORBIDDEN, "forbidden", field,
                               "Loket peran '%s' tidak melayani '%s'", who->role,
                               queue_service_str(q));
            *mask |= 1u << q;
        }
        return KT_OK;
    }
    for (int q = 0; q < QUEUE_SERVICE_COUNT; q++)
        if (role == WF_ROLE_ADMIN || role == WF_ROLE_SYSTEM ||
            queue_service_role((queue_service)q) == role)
            *mask |= 1u << q;
    return KT_OK;
}

void svc_queue_inlist(unsigned mask, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int q = 0; q < QUEUE_SERVICE_COUNT; q++)
        if ((mask & (1u << q)) && used < cap)
            used += (size_t)snprintf(out + used, cap - used, "%s'%s'", used ? "," : "",
                                     queue_service_str((queue_service)q));
}

/* One call as a unit of group commit: the counts, the pick and the UPDATE all run inside the
   shared write transaction, after the units before it in the batch (which see each other's
   writes), so two lokets never get the same ticket. */
typedef struct call_job {
    const svc_actor *who;
    int loket;
    char inlist[160];
    char sql_count[512], sql_pick_priority[512], sql_pick_regular[512];
    unit_out u;
} call_job;

kt_code svc_queue_counters(svc *s, store *db, const char *day, const char *inlist,
                           int *regular_since_priority, int *booked_since_walkin, kt_error *err)
{
    char sql[512];
    store_stmt *st = NULL;
    int row = 0, regular = 0, booked = 0, seen_priority = 0, seen_walkin = 0;
    kt_code rc;
    snprintf(sql, sizeof sql,
             "SELECT priority, CASE WHEN appointment_id IS NULL THEN 0 ELSE 1 END FROM tickets"
             " WHERE day = ? AND called_at IS NOT NULL AND queue_service IN (%s) ORDER BY"
             " called_at DESC, id DESC LIMIT 64", inlist);
    if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row && !(seen_priority && seen_walkin)) {
        if (store_col_int(st, 0)) {
            seen_priority = 1;
            continue;
        }
        if (!seen_priority)
            regular++;
        if (store_col_int(st, 1) == 0)
            seen_walkin = 1;
        else if (!seen_walkin)
            booked++;
    }
    store_reset(st);
    if (rc != KT_OK)
        return rc;
    *regular_since_priority = seen_priority ? regular : s->priority_every;
    *booked_since_walkin = booked;
    return KT_OK;
}

static kt_code call_unit(svc *s, store *db, void *ctx, kt_error *err)
{
    call_job *j = ctx;
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    int64_t now = svc_now(s);
    char day[JKT_DATE_STRLEN];
    jkt_service_day_str(now, day);
    size_t waiting[3] = {0, 0, 0}; /* walk-in, booked, priority */
    if ((rc = store_prepare(db, j->sql_count, &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    store_bind_int(st, 2, j->loket);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        waiting[store_col_int(st, 0) ? 2 : store_col_int(st, 1) ? 1 : 0] +=
            (size_t)store_col_int(st, 2);
    store_reset(st);
    if (rc != KT_OK)
        return rc;
    int since = 0, booked_since = 0;
    if ((rc = svc_queue_counters(s, db, day, j->inlist, &since, &booked_since, err)) != KT_OK)
        return rc;
    queue_class cls = queue_next_class(waiting[0] + waiting[1], waiting[2], since,
                                       s->priority_every);
    if (cls == QUEUE_CLASS_NONE)
        return kt_fail(err, KT_ENOTFOUND, "queue_empty", "", "Tidak ada antrian yang menunggu");
    int booked = cls == QUEUE_CLASS_REGULAR &&
                 appt_next(waiting[0], waiting[1], booked_since, s->booked_every) ==
                     APPT_CLASS_BOOKED;
    if ((rc = store_prepare(db, cls == QUEUE_CLASS_PRIORITY ? j->sql_pick_priority
                                                            : j->sql_pick_regular,
                            &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    store_bind_int(st, 2, j->loket);
    if (cls == QUEUE_CLASS_REGULAR)
        store_bind_int(st, 3, booked);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int64_t id = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    if (id == 0)
        return kt_fail(err, KT_EINTERNAL, "queue_inconsistent", "", "Antrian tidak konsisten");
    if ((rc = store_prepare(db,
                            "UPDATE tickets SET state = 'called', loket = ?, called_by = ?,"
                            " called_at = ? WHERE id = ? AND state = 'waiting'",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, j->loket);
    if (j->who->user_id > 0)
        store_bind_int(st, 2, j->who->user_id);
    store_bind_int(st, 3, now);
    store_bind_int(st, 4, id);
    if ((rc = store_run(st, err)) != KT_OK)
        return rc;
    if (store_changes(db) != 1)
        return kt_fail(err, KT_EUNAVAIL, "busy", "", "Antrian berubah; coba lagi");
    json_t *t = NULL;
    if ((rc = svc_ticket_load(db, id, &t, err)) != KT_OK)
        return rc;
    svc_actor a = *j->who;
    a.loket = j->loket;
    json_t *extra = json_pack("{s:{s:I, s:s, s:i, s:s}}", "ticket", "id", (json_int_t)id,
                              "number", svc_jstr(t, "number"), "loket", j->loket, "service",
                              svc_jstr(t, "service"));
    if (extra == NULL) {
        json_decref(t);
        return svc_nomem(err);
    }
    rc = svc_event_add(s, db, j->u.pending, "ticket_called", &a, 0, id, "waiting", "called",
                       "call", "", "", extra, err);
    json_decref(extra);
    /* Tickets that moved near their turn get their SMS, in this transaction (citizen.c). */
    if (rc == KT_OK)
        rc = svc_cit_queue_moved(s, db, svc_jstr(t, "queue_service"), err);
    if (rc != KT_OK) {
        json_decref(t);
        return rc;
    }
    json_decref(j->u.t);
    j->u.t = t;
    return KT_OK;
}

kt_code svc_ticket_call_next(svc *s, const svc_actor *who, const json_t *in, json_t **out,
                             kt_error *err)
{
    kt_code rc;
    wf_role role;
    unsigned mask = 0;
    call_job j;
    memset(&j, 0, sizeof j);
    *out = NULL;
    if ((rc = ticket_role(who, WF_TICKET_CALL, &role, err)) != KT_OK)
        return rc;
    json_t *jl = json_object_get(in, "loket");
    int loket = who->loket;
    if (jl != NULL && !json_is_null(jl)) {
        if (!json_is_integer(jl))
            return kt_fail(err, KT_EINVAL, "loket_invalid", "loket", "Loket harus bilangan");
        loket = (int)json_integer_value(jl);
    }
    /* The loket exists (the layout's number of lokets, read now) and, when a layout was set,
       calls its role's queue (lokets.c). */
    if ((rc = svc_lokets_check_call(s, who, loket, err)) != KT_OK)
        return rc;
    if ((rc = call_services(who, role, in, &mask, err)) != KT_OK)
        return rc;
    /* The services as SQL text: the ids are fixed identifiers, never user text. */
    svc_queue_inlist(mask, j.inlist, sizeof j.inlist);
    j.who = who;
    j.loket = loket;
    snprintf(j.sql_count, sizeof j.sql_count,
             "SELECT priority, CASE WHEN appointment_id IS NULL THEN 0 ELSE 1 END, count(*)"
             " FROM tickets WHERE day = ? AND state = 'waiting' AND queue_service IN (%s) AND"
             " loket IN (0, ?) GROUP BY priority, CASE WHEN appointment_id IS NULL THEN 0 ELSE"
             " 1 END", j.inlist);
    snprintf(j.sql_pick_priority, sizeof j.sql_pick_priority,
             "SELECT id FROM tickets WHERE day = ? AND state = 'waiting' AND queue_service IN"
             " (%s) AND loket IN (0, ?) AND priority = 1 ORDER BY taken_at, id LIMIT 1",
             j.inlist);
    snprintf(j.sql_pick_regular, sizeof j.sql_pick_regular,
             "SELECT id FROM tickets WHERE day = ? AND state = 'waiting' AND queue_service IN"
             " (%s) AND loket IN (0, ?) AND priority = 0 AND CASE WHEN appointment_id IS NULL"
             " THEN 0 ELSE 1 END = ? ORDER BY taken_at, id LIMIT 1", j.inlist);
    return unit_write(s, call_unit, &j, &j.u, out, err);
}

/* recall / no_show / transfer: one ticket, one state change, one event; a unit of group
   commit like take and call (the state is re-read inside the shared transaction). */
typedef struct act_job {
    const svc_actor *who;
    int64_t id;
    wf_ticket_action act;
    const char *to_service;
    int to_loket;
    unit_out u;
} act_job;

static kt_code act_unit(svc *s, store *db, void *ctx, kt_error *err)
{
    act_job *j = ctx;
    store_stmt *st = NULL;
    json_t *t = NULL;
    kt_code rc;
    if ((rc = svc_ticket_load(db, j->id, &t, err)) != KT_OK)
        goto out;
    wf_ticket_state from, to;
    if (!wf_ticket_state_from_str(svc_jstr(t, "state"), &from)) {
        rc = kt_fail(err, KT_EINTERNAL, "state_unknown", "", "Status tiket tidak dikenal");
        goto out;
    }
    if ((rc = wf_ticket_next(from, j->act, &to, err)) != KT_OK)
        goto out;
    const char *type = "ticket_changed";
    if (j->act == WF_TICKET_RECALL) {
        type = "ticket_recalled";
        rc = store_prepare(db, "UPDATE tickets SET recalls = recalls + 1, called_at = called_at"
                               " WHERE id = ?", &st, err);
    } else if (j->act == WF_TICKET_NO_SHOW_ACT) {
        type = "ticket_no_show";
        rc = store_prepare(db, "UPDATE tickets SET state = 'no_show', served_at = ? WHERE id = ?",
                           &st, err);
    } else {
        type = "ticket_transferred";
        rc = store_prepare(db,
                           "UPDATE tickets SET state = 'waiting', queue_service = COALESCE(?,"
                           " queue_service), loket = ? WHERE id = ?",
                           &st, err);
    }
    if (rc != KT_OK)
        goto out;
    if (j->act == WF_TICKET_RECALL) {
        store_bind_int(st, 1, j->id);
    } else if (j->act == WF_TICKET_NO_SHOW_ACT) {
        store_bind_int(st, 1, svc_now(s));
        store_bind_int(st, 2, j->id);
    } else {
        store_bind_text(st, 1, j->to_service, -1);
        store_bind_int(st, 2, j->to_loket > 0 ? j->to_loket : 0);
        store_bind_int(st, 3, j->id);
    }
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    json_decref(t);
    t = NULL;
    if ((rc = svc_ticket_load(db, j->id, &t, err)) != KT_OK)
        goto out;
    json_t *extra = json_pack("{s:{s:I, s:s, s:i}}", "ticket", "id", (json_int_t)j->id,
                              "number", svc_jstr(t, "number"), "loket",
                              (int)json_integer_value(json_object_get(t, "loket")));
    if (extra == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_event_add(s, db, j->u.pending, type, j->who, 0, j->id, wf_ticket_state_str(from),
                       wf_ticket_state_str(to), wf_ticket_action_str(j->act), "",
                       j->to_service != NULL ? j->to_service : "", extra, err);
    json_decref(extra);
    if (rc != KT_OK)
        goto out;
    json_decref(j->u.t);
    j->u.t = t;
    t = NULL;
out:
    json_decref(t);
    return rc;
}

static kt_code ticket_act(svc *s, const svc_actor *who, int64_t id, wf_ticket_action act,
                          const json_t *in, json_t **out, kt_error *err)
{
    kt_code rc;
    wf_role role;
    act_job j;
    memset(&j, 0, sizeof j);
    *out = NULL;
    if ((rc = ticket_role(who, act, &role, err)) != KT_OK)
        return rc;
    j.who = who;
    j.id = id;
    j.act = act;
    j.to_loket = -1;
    if (act == WF_TICKET_TRANSFER) {
        queue_service q;
        j.to_service = svc_jstr(in, "service");
        json_t *jl = json_object_get(in, "loket");
        if (j.to_service == NULL && jl == NULL)
            return kt_fail(err, KT_EINVAL, "field_missing", "service",
                           "Isi layanan tujuan (service) atau loket tujuan (loket)");
        if (j.to_service != NULL && !queue_service_from_str(j.to_service, &q))
            return kt_fail(err, KT_EINVAL, "service_invalid", "service", "Layanan tidak dikenal");
        if (jl != NULL) {
            int n = svc_lokets_count(s);
            if (!json_is_integer(jl) || json_integer_value(jl) < 1 ||
                json_integer_value(jl) > n)
                return kt_fail(err, KT_EINVAL, "loket_invalid", "loket",
                               "Loket harus 1 sampai %d", n);
            j.to_loket = (int)json_integer_value(jl);
        }
    }
    return unit_write(s, act_unit, &j, &j.u, out, err);
}

kt_code svc_ticket_recall(svc *s, const svc_actor *who, int64_t ticket_id, json_t **out,
                          kt_error *err)
{
    return ticket_act(s, who, ticket_id, WF_TICKET_RECALL, NULL, out, err);
}

kt_code svc_ticket_no_show(svc *s, const svc_actor *who, int64_t ticket_id, json_t **out,
                           kt_error *err)
{
    return ticket_act(s, who, ticket_id, WF_TICKET_NO_SHOW_ACT, NULL, out, err);
}

kt_code svc_ticket_transfer(svc *s, const svc_actor *who, int64_t ticket_id, const json_t *in,
                            json_t **out, kt_error *err)
{
    return ticket_act(s, who, ticket_id, WF_TICKET_TRANSFER, in, out, err);
}

kt_code svc_queue_board(svc *s, json_t **out, kt_error *err)
{
    kt_code rc;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *board = NULL;
    *out = NULL;
    char day[JKT_DATE_STRLEN];
    jkt_service_day_str(svc_now(s), day);
    json_t *lokets = json_array(), *last = json_array(), *waiting = json_object();
    board = json_pack("{s:s, s:o, s:o, s:o}", "service_day", day, "lokets", lokets,
                      "last_calls", last, "waiting", waiting);
    if (board == NULL)
        return svc_nomem(err);
    for (int q = 0; q < QUEUE_SERVICE_COUNT; q++)
        json_object_set_new(waiting, queue_service_str((queue_service)q), json_integer(0));
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    int nlokets = svc_lokets_count(s);
    for (int l = 1; l <= nlokets; l++) {
        /* The loket's last call, shown while it is current: the ticket still called, or
           its person still being served there (the intake check of the application opened
           from it, or the handover of the card its pickup ticket came for). A call whose
           person was served, sent on or did not come leaves the loket empty (issue 10: the
           board kept a stale call). Indexed (migration 008): one row per loket. */
        if ((rc = store_prepare(db,
                                "SELECT t.id, t.code, t.called_at, t.service, t.recalls FROM"
                                " tickets t WHERE t.day = ? AND t.loket = ? AND t.called_at IS"
                                " NOT NULL AND (t.state = 'called' OR (t.state = 'served' AND"
                                " (EXISTS (SELECT 1 FROM applications a WHERE a.ticket_id ="
                                " t.id AND a.state = 'called') OR EXISTS (SELECT 1 FROM"
                                " applications a WHERE a.pickup_ticket_id = t.id AND a.state ="
                                " 'printed')))) AND t.called_at = (SELECT MAX(c.called_at) FROM"
                                " tickets c WHERE c.day = t.day AND c.loket = t.loket) ORDER BY"
                                " t.id DESC LIMIT 1",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, day, -1);
        store_bind_int(st, 2, l);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            goto out;
        json_t *tk = row ? json_pack("{s:I, s:s, s:I, s:s}", "id", (json_int_t)store_col_int(st, 0),
                                     "number", store_col_text(st, 1), "called_at",
                                     (json_int_t)store_col_int(st, 2), "service",
                                     store_col_text(st, 3))
                         : json_null();
        store_reset(st);
        json_array_append_new(lokets, json_pack("{s:i, s:o}", "loket", l, "ticket", tk));
    }
    if ((rc = store_prepare(db,
                            "SELECT code, loket, called_at, recalls FROM tickets WHERE day = ?"
                            " AND called_at IS NOT NULL ORDER BY called_at DESC, id DESC"
                            " LIMIT 10",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_array_append_new(last, json_pack("{s:s, s:i, s:I, s:i}", "number",
                                              store_col_text(st, 0), "loket",
                                              (int)store_col_int(st, 1), "called_at",
                                              (json_int_t)store_col_int(st, 2), "recalls",
                                              (int)store_col_int(st, 3)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    if ((rc = store_prepare(db,
                            "SELECT queue_service, count(*) FROM tickets WHERE day = ? AND"
                            " state = 'waiting' GROUP BY queue_service",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        json_object_set_new(waiting, store_col_text(st, 0), json_integer(store_col_int(st, 1)));
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    store_rollback(db);
    /* Role names per loket and the recording desk's calls (lokets.c). */
    if ((rc = svc_lokets_board(s, board, err)) != KT_OK)
        goto out;
    *out = board;
    board = NULL;
out:
    svc_conn_put(s, db);
    json_decref(board);
    return rc;
}
