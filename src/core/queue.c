/*
 * queue.c - queue services, ticket numbers and the fair priority rule. See queue.h for the
 * rules (number widening past 999, one priority call per N regular calls).
 * Never: I/O, allocation.
 */
#include "core/queue.h"

#include <string.h>

static const struct {
    const char *str;
    const char *label;
    char prefix;
    wf_role role;
} services[QUEUE_SERVICE_COUNT] = {
    {"rekam_baru", "Rekam e-KTP baru", 'A', WF_ROLE_INTAKE},
    {"perubahan_data", "Perubahan data", 'B', WF_ROLE_INTAKE},
    {"hilang_rusak", "KTP hilang / rusak", 'C', WF_ROLE_INTAKE},
    {"pindah_datang", "Pindah datang", 'D', WF_ROLE_INTAKE},
    {"pengambilan", "Pengambilan e-KTP", 'E', WF_ROLE_HANDOVER},
};

static bool svc_ok(queue_service s)
{
    return (int)s >= 0 && s < QUEUE_SERVICE_COUNT;
}

const char *queue_service_str(queue_service s)
{
    return svc_ok(s) ? services[s].str : NULL;
}
bool queue_service_from_str(const char *s, queue_service *out)
{
    for (int i = 0; s && i < QUEUE_SERVICE_COUNT; i++) {
        if (strcmp(s, services[i].str) == 0) {
            *out = (queue_service)i;
            return true;
        }
    }
    return false;
}
const char *queue_service_label(queue_service s)
{
    return svc_ok(s) ? services[s].label : NULL;
}
char queue_service_prefix(queue_service s)
{
    return svc_ok(s) ? services[s].prefix : 0;
}
bool queue_service_from_prefix(char prefix, queue_service *out)
{
    for (int i = 0; i < QUEUE_SERVICE_COUNT; i++) {
        if (services[i].prefix == prefix) {
            *out = (queue_service)i;
            return true;
        }
    }
    return false;
}
wf_role queue_service_role(queue_service s)
{
    return svc_ok(s) ? services[s].role : WF_ROLE_ADMIN;
}

bool queue_service_allows_kind(queue_service s, wf_kind kind)
{
    switch (s) {
    case QUEUE_REKAM_BARU: return kind == WF_KIND_BARU;
    case QUEUE_PERUBAHAN_DATA: return kind == WF_KIND_PERUBAHAN;
    case QUEUE_HILANG_RUSAK: return kind == WF_KIND_HILANG || kind == WF_KIND_RUSAK;
    case QUEUE_PINDAH_DATANG: return kind == WF_KIND_PINDAH_DATANG;
    default: return false;
    }
}

kt_code queue_ticket_format(queue_service s, int number, char out[QUEUE_TICKET_LEN],
                            kt_error *err)
{
    if (!svc_ok(s))
        return kt_fail(err, KT_EINVAL, "service_invalid", "service", "Layanan tidak dikenal");
    if (number < 1)
        return kt_fail(err, KT_EINVAL, "ticket_number_invalid", "number",
                       "Nomor antrean mulai dari 1, bukan %d", number);
    if (number > QUEUE_NUMBER_MAX)
        return kt_fail(err, KT_EREFUSED, "queue_full", "service",
                       "Nomor antrean layanan %s hari ini sudah habis (paling banyak %d)",
                       services[s].str, QUEUE_NUMBER_MAX);
    int width = number > 999 ? 4 : 3;
    out[0] = services[s].prefix;
    for (int i = width, x = number; i >= 1; i--, x /= 10)
        out[i] = (char)('0' + x % 10);
    out[width + 1] = '\0';
    return KT_OK;
}

kt_code queue_ticket_parse(const char *s, queue_service *svc, int *number, kt_error *err)
{
    queue_service q;
    size_t len = s ? strlen(s) : 0;
    if (len < 4 || len > 5 || !queue_service_from_prefix(s[0], &q))
        goto bad;
    int n = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            goto bad;
        n = n * 10 + (s[i] - '0');
    }
    if (n < 1 || (len == 4 && n > 999) || (len == 5 && n < 1000))
        goto bad;
    *svc = q;
    *number = n;
    return KT_OK;
bad:
    return kt_fail(err, KT_EINVAL, "ticket_number_invalid", "ticket",
                   "Nomor antrean '%.12s' tidak sah: huruf layanan A-E lalu 3 angka (A007)",
                   s ? s : "");
}

const char *queue_class_str(queue_class c)
{
    switch (c) {
    case QUEUE_CLASS_NONE: return "none";
    case QUEUE_CLASS_REGULAR: return "regular";
    case QUEUE_CLASS_PRIORITY: return "priority";
    default: return NULL;
    }
}

queue_class queue_next_class(size_t regular_waiting, size_t priority_waiting,
                             int regular_since_priority, int n)
{
    if (regular_waiting == 0 && priority_waiting == 0)
        return QUEUE_CLASS_NONE;
    if (priority_waiting == 0)
        return QUEUE_CLASS_REGULAR;
    if (regular_waiting == 0)
        return QUEUE_CLASS_PRIORITY;
    return regular_since_priority >= n ? QUEUE_CLASS_PRIORITY : QUEUE_CLASS_REGULAR;
}

int queue_counter_after(queue_class called, int regular_since_priority)
{
    switch (called) {
    case QUEUE_CLASS_PRIORITY: return 0;
    case QUEUE_CLASS_REGULAR:
        return regular_since_priority < 1000000 ? regular_since_priority + 1
                                                : regular_since_priority;
    default: return regular_since_priority;
    }
}
