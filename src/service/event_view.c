/*
 * event_view.c - what each audience of the live events may see (svc_event_view).
 *
 * The service's listeners receive every committed event whole (svc_subscribe); before one
 * leaves the process on a stream it is rebuilt here from a list of allowed fields, so a field
 * added to an event later is not published until someone decides who may see it.
 *   - The public (the waiting room's display board and the kiosk; no session): queue events
 *     only, and of those only the ticket's number, service and loket and the ids the display
 *     needs to fetch an announcement. Nothing that names or describes a person: no NIK, no
 *     name, no application, no priority claim (its reasons - age, disability, pregnancy -
 *     are health data), no officer. And "survey_offered" with only its loket number: the
 *     survey tablet at that loket opens the form (issue 13); which application the survey is
 *     about stays in the service (the tablet takes the offer with GET /api/tablet/survey).
 *   - Staff (a valid session, any role): the queue events as above plus which ticket is
 *     priority, and the application events with the application's id and state (every staff
 *     role may read an application's state through the API). Never a NIK or a name: a page
 *     that needs the person reads the application through the API, where the role is checked
 *     and the read is recorded.
 *
 * Never: copy an event object whole, or let a page's request choose the audience.
 */
#include <string.h>

#include "service/svc_internal.h"

static int is_queue_event(const char *type)
{
    static const char *const types[] = {"ticket_taken",     "ticket_called",   "ticket_recalled",
                                        "ticket_no_show",   "ticket_transferred",
                                        "ticket_changed",   "ticket_served",   "lokets_changed",
                                        "ticket_priority_confirmed", "ticket_priority_declined"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i]) == 0)
            return 1;
    return 0;
}

/* Copy the listed fields of from that exist (and are of a plain JSON type) into to. */
static void copy_fields(json_t *to, const json_t *from, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(from, keys[i]);
        if (v != NULL && (json_is_integer(v) || json_is_string(v) || json_is_boolean(v)))
            json_object_set(to, keys[i], v);
    }
}

json_t *svc_event_view(const json_t *ev, const svc_actor *who)
{
    static const char *const pub_top[] = {"at", "ticket_id", "call_id"};
    static const char *const pub_ticket[] = {"id", "number", "service", "loket", "call_id"};
    static const char *const staff_top[] = {"action", "from", "to", "application_id"};
    static const char *const staff_ticket[] = {"priority", "application_id"};
    static const char *const staff_app[] = {"id", "state"};
    const char *type = svc_jstr(ev, "type");
    const json_t *t = json_object_get(ev, "ticket");
    const json_t *a = json_object_get(ev, "application");
    wf_role role;
    kt_error err;
    json_t *v, *vt = NULL;
    int staff = who != NULL && svc_actor_role(who, &role, &err) == KT_OK;

    int offer = type != NULL && strcmp(type, "survey_offered") == 0;

    if (type == NULL || (!staff && !offer && !is_queue_event(type)))
        return NULL;
    v = json_pack("{s:s}", "type", type);
    if (v == NULL)
        return NULL;
    copy_fields(v, ev, pub_top, sizeof pub_top / sizeof pub_top[0]);
    if (offer) {
        static const char *const offer_top[] = {"loket"};
        copy_fields(v, ev, offer_top, 1);
    }
    if (json_is_object(t) && (vt = json_object()) != NULL) {
        copy_fields(vt, t, pub_ticket, sizeof pub_ticket / sizeof pub_ticket[0]);
        if (staff)
            copy_fields(vt, t, staff_ticket, sizeof staff_ticket / sizeof staff_ticket[0]);
        json_object_set_new(v, "ticket", vt);
    }
    if (!staff)
        return v;
    copy_fields(v, ev, staff_top, sizeof staff_top / sizeof staff_top[0]);
    if (json_is_object(a)) {
        json_t *va = json_object();
        if (va != NULL) {
            copy_fields(va, a, staff_app, sizeof staff_app / sizeof staff_app[0]);
            json_object_set_new(v, "application", va);
        }
    }
    return v;
}
