/*
 * fuzz_core_text.c - the small text parsers of src/core and the loket layout of the
 * service: what a form field, a query parameter or a CLI flag hands to ktpel.
 *
 * The first input byte picks the parser, the rest is the text:
 *   0  jkt_date_parse        "YYYY-MM-DD" (dates of reports, registers, birth dates)
 *   1  queue_ticket_parse    "A007" (a ticket number typed or called)
 *   2  ref_id                SIAK code names (agama, pekerjaan, ...), case-insensitive
 *   3  the enum names        workflow, queue, SLA, documents, eligibility, refcodes
 *   4  svc_lokets_parse      "1:intake,2:operator,3:handover" (ktpel serve --lokets)
 *   5  docs_set_from_strs    a comma-separated list of document ids
 * Each accepted text must read back the same way (parse -> format -> the same text), and
 * each refusal carries an error id.
 */
#include "fuzz.h"

#include <ctype.h>
#include <strings.h>

#include "core/documents.h"
#include "core/eligibility.h"
#include "core/jakarta.h"
#include "core/queue.h"
#include "core/refcodes.h"
#include "core/sla.h"
#include "core/workflow.h"
#include "service/service.h"

static void check_date(const char *s)
{
    jkt_date d;
    kt_error err;
    char back[JKT_DATE_STRLEN];
    if (jkt_date_parse(s, "date", &d, &err) != KT_OK) {
        if (strcmp(err.id, "date_invalid") != 0)
            fz_fail("date refused with id '%s'", err.id);
        return;
    }
    jkt_date_format(d, back);
    if (!jkt_date_valid(d) || strcmp(back, s) != 0)
        fz_fail("date '%s' reads back as '%s'", s, back);
    if (jkt_date_cmp(jkt_date_from_days(jkt_date_to_days(d)), d) != 0)
        fz_fail("date %s does not survive days and back", s);
}

static void check_ticket(const char *s)
{
    queue_service q;
    int n = 0;
    kt_error err;
    char back[QUEUE_TICKET_LEN];
    if (queue_ticket_parse(s, &q, &n, &err) != KT_OK) {
        if (strcmp(err.id, "ticket_number_invalid") != 0)
            fz_fail("ticket number refused with id '%s'", err.id);
        return;
    }
    if (queue_ticket_format(q, n, back, &err) != KT_OK || strcmp(back, s) != 0)
        fz_fail("ticket '%s' reads back as '%s'", s, back);
}

static void check_ref(const char *s)
{
    for (int l = 0; l < REF_LIST_COUNT; l++) {
        int id = ref_id((ref_list)l, s);
        if (id == 0)
            continue;
        const char *name = ref_name((ref_list)l, id);
        while (isspace((unsigned char)*s))
            s++;
        if (!ref_valid((ref_list)l, id) || name == NULL || strncasecmp(name, s, strlen(name)))
            fz_fail("'%s' is id %d of %s, named '%s'", s, id, ref_list_str((ref_list)l),
                    name ? name : "(null)");
    }
}

/* from_str(s) accepted -> str(value) is s exactly (names are never case-folded). */
#define ROUND_TRIP(type, from, to)                                                           \
    do {                                                                                     \
        type v;                                                                              \
        if (from(s, &v)) {                                                                   \
            const char *b = to(v);                                                           \
            if (b == NULL || strcmp(b, s) != 0)                                              \
                fz_fail(#from "('%s') reads back as '%s'", s, b ? b : "(null)");            \
        }                                                                                    \
    } while (0)

static void check_names(const char *s)
{
    ROUND_TRIP(wf_kind, wf_kind_from_str, wf_kind_str);
    ROUND_TRIP(wf_reason, wf_reason_from_str, wf_reason_str);
    ROUND_TRIP(wf_role, wf_role_from_str, wf_role_str);
    ROUND_TRIP(wf_state, wf_state_from_str, wf_state_str);
    ROUND_TRIP(wf_action, wf_action_from_str, wf_action_str);
    ROUND_TRIP(wf_ticket_state, wf_ticket_state_from_str, wf_ticket_state_str);
    ROUND_TRIP(wf_ticket_action, wf_ticket_action_from_str, wf_ticket_action_str);
    ROUND_TRIP(queue_service, queue_service_from_str, queue_service_str);
    ROUND_TRIP(sla_step, sla_step_from_str, sla_step_str);
    ROUND_TRIP(sla_event_kind, sla_event_kind_from_str, sla_event_kind_str);
    ROUND_TRIP(docs_id, docs_id_from_str, docs_id_str);
    ROUND_TRIP(docs_field, docs_field_from_str, docs_field_str);
    ROUND_TRIP(elig_nationality, elig_nationality_from_str, elig_nationality_str);
    ROUND_TRIP(ref_list, ref_list_from_str, ref_list_str);
    ROUND_TRIP(ref_ktp_status, ref_ktp_status_from_str, ref_ktp_status_str);
}

static void check_lokets(const char *s)
{
    json_t *out = NULL;
    kt_error err;
    if (svc_lokets_parse(s, &out, &err) != KT_OK) {
        if (out != NULL || err.id[0] == '\0' || err.field[0] == '\0')
            fz_fail("loket layout refused without an error id and field");
        return;
    }
    size_t i;
    json_t *it;
    if (!json_is_array(out) || json_array_size(out) == 0)
        fz_fail("loket layout accepted as an empty or non-array value");
    json_array_foreach(out, i, it) {
        json_int_t l = json_integer_value(json_object_get(it, "loket"));
        const char *role = json_string_value(json_object_get(it, "role"));
        wf_role r;
        if (l < 1 || role == NULL || !wf_role_from_str(role, &r))
            fz_fail("loket layout item %zu: loket %lld role %s", i, (long long)l,
                    role ? role : "(null)");
    }
    json_decref(out);
}

static void check_docs(char *s)
{
    const char *items[64];
    size_t n = 0;
    for (char *p = s, *c; p != NULL && n < 64; p = c) {
        c = strchr(p, ',');
        if (c != NULL)
            *c++ = '\0';
        items[n++] = p;
    }
    docs_set set = 0;
    kt_error err;
    if (docs_set_from_strs(items, n, &set, &err) == KT_OK) {
        for (size_t i = 0; i < n; i++) {
            docs_id d;
            if (!docs_id_from_str(items[i], &d) || !(set & (1u << d)))
                fz_fail("document '%s' accepted but not in the set", items[i]);
        }
    } else if (strcmp(err.id, "document_unknown") != 0) {
        fz_fail("document list refused with id '%s'", err.id);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *s = fz_cstr(data + 1, size - 1);
    switch (data[0] % 6) {
    case 0: check_date(s); break;
    case 1: check_ticket(s); break;
    case 2: check_ref(s); break;
    case 3: check_names(s); break;
    case 4: check_lokets(s); break;
    default: check_docs(s); break;
    }
    free(s);
    return 0;
}
