/*
 * summary.c - the service day report (svc_day_summary): counts by kind, state and reason,
 * each SOP step's durations against its standard (core/sla.h), waiting times, per officer.
 *
 * Timelines are rebuilt from the audit trail (events), the one record of who did what when;
 * so the report can be recomputed for any past day and never drifts from the trail. Steps 1-4
 * count on the day the application was opened; the handover step (6) on the day of the
 * handover, from the call of the pickup (E) ticket linked to the application
 * (applications.pickup_ticket_id) to the hand_over event.
 *
 * Never: write anything (a read transaction only).
 */
#include <stdlib.h>
#include <string.h>

#include "core/sla.h"
#include "service/svc_internal.h"

#define SUM_MAX_EVENTS 64

/* Audit action -> SLA event kind; -1 when the action is not part of a timeline. */
static int sla_kind_of(const char *action)
{
    static const struct { const char *action; sla_event_kind k; } map[] = {
        {"take", SLA_EV_TICKET_TAKEN}, {"call", SLA_EV_TICKET_CALLED},
        {"serve", SLA_EV_TICKET_SERVED}, {"open", SLA_EV_OPEN}, {"check_ok", SLA_EV_CHECK_OK},
        {"return_incomplete", SLA_EV_RETURN_INCOMPLETE}, {"refer", SLA_EV_REFER},
        {"reject", SLA_EV_REJECT}, {"operator_start", SLA_EV_OPERATOR_START},
        {"change_data", SLA_EV_CHANGE_DATA}, {"record", SLA_EV_RECORD},
        {"issue_receipt", SLA_EV_ISSUE_RECEIPT}, {"receipt_scanned", SLA_EV_RECEIPT_SCANNED},
        {"hand_over", SLA_EV_HAND_OVER}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].action, action) == 0)
            return (int)map[i].k;
    return -1;
}

typedef struct vec {
    int64_t *v;
    size_t n, cap;
} vec;

static int vec_push(vec *a, int64_t x)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 64;
        int64_t *nv = realloc(a->v, nc * sizeof *nv);
        if (nv == NULL)
            return -1;
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n++] = x;
    return 0;
}

static json_t *stats_json(vec *a, int64_t standard)
{
    sla_stats st;
    sla_stats_compute(a->v, a->n, standard, &st);
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)st.count, "mean_ms",
                          (json_int_t)st.mean_ms, "p50_ms", (json_int_t)st.p50_ms, "p90_ms",
                          (json_int_t)st.p90_ms, "max_ms", (json_int_t)st.max_ms);
    if (o != NULL && standard > 0) {
        json_object_set_new(o, "standard_ms", json_integer(standard));
        json_object_set_new(o, "within", json_integer((json_int_t)st.within));
        json_object_set_new(o, "share_within", json_real(st.share_within));
    }
    return o;
}

static void bump(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    json_object_set_new(obj, key, json_integer(v != NULL ? json_integer_value(v) + 1 : 1));
}

kt_code svc_day_summary(svc *s, const svc_actor *who, const char *date, json_t **out,
                        kt_error *err)
{
    kt_code rc;
    wf_role role;
    store *db = NULL;
    store_stmt *st = NULL;
    int row = 0;
    json_t *res = NULL;
    vec steps[SLA_STEP_COUNT], wait = {0}, total = {0};
    memset(steps, 0, sizeof steps);
    *out = NULL;
    if ((rc = svc_actor_role(who, &role, err)) != KT_OK)
        return rc;
    if (role != WF_ROLE_SUPERVISOR && role != WF_ROLE_ADMIN && role != WF_ROLE_SYSTEM)
        return kt_fail(err, KT_EFORBIDDEN, "forbidden", "role",
                       "Hanya supervisor yang boleh melihat rekap harian");
    jkt_date d;
    if (date != NULL) {
        if ((rc = jkt_date_parse(date, "date", &d, err)) != KT_OK)
            return rc;
    } else {
        d = svc_today(s);
    }
    char day[JKT_DATE_STRLEN];
    jkt_date_format(d, day);
    json_t *by_kind = json_object(), *by_state = json_object(), *by_reason = json_object(),
           *officers = json_object();
    res = json_pack("{s:s, s:o, s:o, s:o}", "date", day, "by_kind", by_kind, "by_state",
                    by_state, "by_reason", by_reason);
    if (res == NULL || officers == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    /* Applications of the day, with their ticket and pickup ticket; then those opened on an
       earlier day whose card was handed over today (their handover step is today's). */
    int64_t (*apps)[4] = NULL;
    size_t napps = 0, capapps = 0, opened = 0;
    if ((rc = store_prepare(db,
                            "SELECT id, COALESCE(ticket_id, 0), kind, state, reason,"
                            " COALESCE(pickup_ticket_id, 0), 1 FROM applications WHERE day = ?"
                            " UNION ALL SELECT a.id, COALESCE(a.ticket_id, 0), a.kind, a.state,"
                            " a.reason, COALESCE(a.pickup_ticket_id, 0), 0 FROM applications a"
                            " JOIN handovers h ON h.application_id = a.id WHERE h.at >= ? AND"
                            " h.at < ? AND a.day <> ? ORDER BY 7 DESC, 1",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, day, -1);
    store_bind_int(st, 2, jkt_day_start_ms(d));
    store_bind_int(st, 3, jkt_day_end_ms(d));
    store_bind_text(st, 4, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        if (store_col_int(st, 6)) {
            opened++;
            bump(by_kind, store_col_text(st, 2));
            bump(by_state, store_col_text(st, 3));
            if (store_col_text(st, 4)[0] != '\0')
                bump(by_reason, store_col_text(st, 4));
        }
        if (napps == capapps) {
            size_t nc = capapps ? capapps * 2 : 64;
            void *na = realloc(apps, nc * sizeof *apps);
            if (na == NULL) {
                store_reset(st);
                free(apps);
                rc = svc_nomem(err);
                goto out;
            }
            apps = na;
            capapps = nc;
        }
        apps[napps][0] = store_col_int(st, 0);
        apps[napps][1] = store_col_int(st, 1);
        apps[napps][2] = store_col_int(st, 5);
        apps[napps][3] = store_col_int(st, 6);
        napps++;
    }
    store_reset(st);
    for (size_t i = 0; rc == KT_OK && i < napps; i++) {
        sla_event ev[SUM_MAX_EVENTS];
        size_t n = 0;
        int64_t pickup = apps[i][2];
        if ((rc = store_prepare(db,
                                "SELECT action, at, COALESCE(ticket_id, 0) FROM events WHERE"
                                " application_id = ? OR (ticket_id = ? AND ? > 0) OR"
                                " (ticket_id = ? AND ? > 0) ORDER BY at, id",
                                &st, err)) != KT_OK)
            break;
        store_bind_int(st, 1, apps[i][0]);
        store_bind_int(st, 2, apps[i][1]);
        store_bind_int(st, 3, apps[i][1]);
        store_bind_int(st, 4, pickup);
        store_bind_int(st, 5, pickup);
        while ((rc = store_step(st, &row, err)) == KT_OK && row && n < SUM_MAX_EVENTS) {
            const char *action = store_col_text(st, 0);
            int k;
            /* The pickup ticket's first call is the handover step's start (core/sla.h); its
               other events belong to no step of this timeline. */
            if (pickup > 0 && store_col_int(st, 2) == pickup)
                k = strcmp(action, "call") == 0 ? (int)SLA_EV_PICKUP_CALLED : -1;
            else
                k = sla_kind_of(action);
            if (k >= 0) {
                ev[n].kind = (sla_event_kind)k;
                ev[n].at_ms = store_col_int(st, 1);
                n++;
            }
        }
        store_reset(st);
        if (rc != KT_OK)
            break;
        sla_durations du;
        if (sla_derive(ev, n, &du, NULL) != KT_OK)
            continue;
        /* A card handed over on another day counts in that day's report (the second part of
           the list above): steps 1-4 belong to the day the application was opened. */
        int handed_today = 0;
        for (size_t e = 0; e < n; e++)
            if (ev[e].kind == SLA_EV_HAND_OVER && ev[e].at_ms >= jkt_day_start_ms(d) &&
                ev[e].at_ms < jkt_day_end_ms(d))
                handed_today = 1;
        if (!handed_today && du.has[SLA_HANDOVER]) {
            du.has[SLA_HANDOVER] = false;
            du.total_ms -= du.ms[SLA_HANDOVER];
            du.n_steps--;
        }
        for (int k = 0; k < SLA_STEP_COUNT; k++)
            if (du.has[k] && (apps[i][3] || k == SLA_HANDOVER) &&
                vec_push(&steps[k], du.ms[k]) != 0)
                rc = svc_nomem(err);
        if (apps[i][3] && du.n_steps > 0 && vec_push(&total, du.total_ms) != 0)
            rc = svc_nomem(err);
    }
    free(apps);
    if (rc != KT_OK)
        goto out;
    /* Waiting: every ticket of the day that was called. */
    if ((rc = store_prepare(db,
                            "SELECT called_at - taken_at FROM tickets WHERE day = ? AND"
                            " called_at IS NOT NULL",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row)
        if (vec_push(&wait, store_col_int(st, 0)) != 0)
            rc = svc_nomem(err);
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* Per officer: actions of the day from the audit trail. */
    if ((rc = store_prepare(db,
                            "SELECT username, role, action, count(*) FROM events WHERE"
                            " at >= ? AND at < ? AND user_id > 0 GROUP BY username, role, action",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, jkt_day_start_ms(d));
    store_bind_int(st, 2, jkt_day_end_ms(d));
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        const char *u = store_col_text(st, 0);
        json_t *o = json_object_get(officers, u);
        if (o == NULL) {
            o = json_pack("{s:s, s:s, s:{}}", "username", u, "role", store_col_text(st, 1),
                          "actions");
            json_object_set_new(officers, u, o);
        }
        json_object_set_new(json_object_get(o, "actions"), store_col_text(st, 2),
                            json_integer(store_col_int(st, 3)));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* Per officer, how long their work took: each action's duration is the time since the
       previous event of the same application or ticket (the work that action finished).
       Calls are left out: the time before a call is the applicant's waiting, not work. */
    if ((rc = store_prepare(db,
                            "SELECT e.username, e.action, e.at - (SELECT MAX(p.at) FROM events p"
                            " WHERE p.id < e.id AND ((e.application_id IS NOT NULL AND"
                            " p.application_id = e.application_id) OR (e.ticket_id IS NOT NULL"
                            " AND p.ticket_id = e.ticket_id))) FROM events e WHERE e.at >= ? AND"
                            " e.at < ? AND e.user_id > 0 AND e.action NOT IN ('call', 'recall',"
                            " 'call_recording', 'recall_recording', 'take')",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, jkt_day_start_ms(d));
    store_bind_int(st, 2, jkt_day_end_ms(d));
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        json_t *o = json_object_get(officers, store_col_text(st, 0));
        if (o == NULL || store_col_null(st, 2))
            continue;
        int64_t ms = store_col_int(st, 2);
        json_t *durs = json_object_get(o, "durations");
        if (durs == NULL) {
            json_object_set_new(o, "durations", json_object());
            json_object_set_new(o, "busy_ms", json_integer(0));
            durs = json_object_get(o, "durations");
        }
        json_t *d1 = json_object_get(durs, store_col_text(st, 1));
        if (d1 == NULL) {
            json_object_set_new(durs, store_col_text(st, 1),
                                json_pack("{s:i, s:I, s:I}", "count", 0, "total_ms",
                                          (json_int_t)0, "max_ms", (json_int_t)0));
            d1 = json_object_get(durs, store_col_text(st, 1));
        }
        json_int_t cnt = json_integer_value(json_object_get(d1, "count")) + 1;
        json_int_t tot = json_integer_value(json_object_get(d1, "total_ms")) + ms;
        json_object_set_new(d1, "count", json_integer(cnt));
        json_object_set_new(d1, "total_ms", json_integer(tot));
        json_object_set_new(d1, "mean_ms", json_integer(tot / cnt));
        if (ms > json_integer_value(json_object_get(d1, "max_ms")))
            json_object_set_new(d1, "max_ms", json_integer(ms));
        json_object_set_new(o, "busy_ms",
                            json_integer(json_integer_value(json_object_get(o, "busy_ms")) + ms));
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    /* Tickets of the day per service: taken, called now, served, no-show, still waiting. */
    json_t *tickets = json_pack("{s:i, s:i, s:i, s:i, s:{}}", "taken", 0, "served", 0,
                                "no_show", 0, "waiting", 0, "by_service");
    if (tickets == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    json_object_set_new(res, "tickets", tickets);
    if ((rc = store_prepare(db,
                            "SELECT service, state, count(*) FROM tickets WHERE day = ? GROUP BY"
                            " service, state",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        const char *sv = store_col_text(st, 0), *state = store_col_text(st, 1);
        json_int_t n = store_col_int(st, 2);
        json_t *bs = json_object_get(tickets, "by_service"), *o = json_object_get(bs, sv);
        if (o == NULL) {
            json_object_set_new(bs, sv, json_pack("{s:i, s:i, s:i, s:i, s:i}", "taken", 0,
                                                  "called", 0, "served", 0, "no_show", 0,
                                                  "waiting", 0));
            o = json_object_get(bs, sv);
        }
        const char *keys[] = {"taken", state};
        for (int k = 0; k < 2; k++) {
            json_object_set_new(o, keys[k],
                                json_integer(json_integer_value(json_object_get(o, keys[k])) + n));
            if (strcmp(keys[k], "called") != 0)
                json_object_set_new(tickets, keys[k],
                                    json_integer(json_integer_value(
                                                     json_object_get(tickets, keys[k])) + n));
        }
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    json_t *jsteps = json_array(), *olist = json_array();
    for (int k = 0; k < SLA_STEP_COUNT; k++) {
        json_t *o = stats_json(&steps[k], sla_standard_ms((sla_step)k));
        json_object_set_new(o, "step", json_string(sla_step_str((sla_step)k)));
        json_object_set_new(o, "sop_no", json_integer(sla_step_sop_no((sla_step)k)));
        json_object_set_new(o, "label", json_string(sla_step_label((sla_step)k)));
        json_array_append_new(jsteps, o);
    }
    const char *k;
    json_t *v;
    json_object_foreach(officers, k, v) json_array_append(olist, v);
    json_object_set_new(res, "steps", jsteps);
    json_object_set_new(res, "waiting", stats_json(&wait, 0));
    json_t *tot = stats_json(&total, SLA_SOP_TOTAL_MS);
    json_object_set_new(tot, "steps_sum_standard_ms", json_integer(SLA_STEPS_SUM_MS));
    json_object_set_new(res, "total", tot);
    json_object_set_new(res, "officers", olist);
    json_object_set_new(res, "applications", json_integer((json_int_t)opened));
    store_rollback(db);
    *out = res;
    res = NULL;
out:
    json_decref(officers);
    svc_conn_put(s, db);
    json_decref(res);
    for (int i = 0; i < SLA_STEP_COUNT; i++)
        free(steps[i].v);
    free(wait.v);
    free(total.v);
    return rc;
}
