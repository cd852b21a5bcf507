/*
 * citizen.c - the citizen's side of the office's queue and cards: the link tokens of the
 * public pages, a ticket's place and wait on the phone (with "nomor Anda tinggal N lagi" by
 * SMS), the card's status page (receipt number + birth date), and the hooks that carry a
 * phone number given with consent from ticket to application and announce the printed card.
 *
 * Link tokens: a public page is reached from a QR on paper or a screen; its token is the id
 * with a keyed MAC (BLAKE2b, 80 bits) under a key derived from the office's receipt key
 * (records.c), so the pages need no table of tokens and cannot be walked by counting ids.
 *
 * The place in the queue replays the call rules over today's waiting tickets (core/eta.h);
 * the estimate rests on the day's measured loket cycles (one call to the loket's next call):
 * the mean of the last 20 cycles of the queue's lokets shorter than 30 minutes (a longer gap
 * is a break or an empty queue, not a service), divided by the lokets that called in the last
 * 30 minutes. Before the first cycle of the day the SOP's standards stand in: 6 minutes at
 * intake (call 1 + intake 5), 4 at handover (call 1 + handover 3).
 *
 * The status page reveals nothing unless the receipt number and the birth date belong to the
 * same application: any mismatch answers the same "not found", and a receipt number that
 * failed 5 times within an hour is refused for an hour whether it exists or not (so the
 * refusal itself tells nothing; throttle.c, as for the login's addresses). A successful
 * lookup is a read in the access log (the application's NIK); a phone number given there is
 * an event.
 *
 * Never: a NIK, a name or a phone number in anything a public page receives.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/eta.h"
#include "core/phone.h"
#include "core/queue.h"
#include "core/sms.h"
#include "doc/token.h"
#include "service/cit_internal.h"
#include "service/rec_internal.h"

#define LINK_MAC_LEN 10
#define ATTEMPT_SLOTS 1024
#define ATTEMPT_MAX 5
#define ATTEMPT_WINDOW_MS (3600 * INT64_C(1000))
#define CYCLE_MAX_MS (30 * 60 * INT64_C(1000))
#define CYCLES_USED 20
#define ACTIVE_WINDOW_MS (30 * 60 * INT64_C(1000))
#define QUEUE_NEAR_VALID_MS (30 * 60 * INT64_C(1000))
#define CARD_READY_VALID_MS (7 * 86400 * INT64_C(1000))

struct svc_cit {
    char public_url[256];
    int sms_near;
    pthread_mutex_t mu; /* guards key */
    int key_ok;
    unsigned char key[32];
    svc_throttle *attempts; /* receipt numbers that did not match (throttle.c); owned */
};

kt_code svc_cit_open(svc *s, const svc_config *cfg, kt_error *err)
{
    const char *url = cfg->public_url != NULL && cfg->public_url[0] != '\0'
                          ? cfg->public_url
                          : "http://127.0.0.1:8080";
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) || n > 200 ||
        n <= 8 || strcspn(url, " \"'<>\\#?") < n)
        return kt_fail(err, KT_EINVAL, "public_url_invalid", "public_url",
                       "Alamat publik '%.60s' harus http:// atau https:// tanpa spasi, #, ? "
                       "(maks. 200 karakter)", url);
    s->cit = calloc(1, sizeof *s->cit);
    if (s->cit == NULL)
        return svc_nomem(err);
    snprintf(s->cit->public_url, sizeof s->cit->public_url, "%.*s", (int)n, url);
    s->cit->sms_near = cfg->sms_near > 0 ? cfg->sms_near : 3;
    s->cit->attempts =
        svc_throttle_new(ATTEMPT_SLOTS, ATTEMPT_MAX, ATTEMPT_WINDOW_MS, ATTEMPT_WINDOW_MS);
    if (s->cit->attempts == NULL) {
        free(s->cit);
        s->cit = NULL;
        return svc_nomem(err);
    }
    pthread_mutex_init(&s->cit->mu, NULL);
    return KT_OK;
}

void svc_cit_close(svc *s)
{
    if (s->cit == NULL)
        return;
    sodium_memzero(s->cit->key, sizeof s->cit->key);
    pthread_mutex_destroy(&s->cit->mu);
    svc_throttle_free(s->cit->attempts);
    free(s->cit);
    s->cit = NULL;
}

const char *svc_cit_public_url(const svc *s) { return s->cit->public_url; }

svc_actor svc_cit_public_actor(const char *username)
{
    svc_actor a = svc_system_actor();
    snprintf(a.username, sizeof a.username, "%s", username);
    snprintf(a.role, sizeof a.role, "public");
    return a;
}

void svc_cit_random_hex(char *out, size_t nbytes)
{
    unsigned char b[32];
    if (nbytes > sizeof b)
        nbytes = sizeof b;
    randombytes_buf(b, nbytes);
    sodium_bin2hex(out, 2 * nbytes + 1, b, nbytes);
    sodium_memzero(b, sizeof b);
}

/* ---- link tokens ----------------------------------------------------------------------- */

/* The link key, derived once from the receipt key's seed (created when missing). */
static kt_code link_key(svc *s, unsigned char key[32], kt_error *err)
{
    kt_code rc = KT_OK;
    pthread_mutex_lock(&s->cit->mu);
    if (!s->cit->key_ok) {
        tok_keys k;
        static const char ctx[] = "ktpel citizen links v1";
        memset(&k, 0, sizeof k);
        rc = svc_rec_load_secret(s, 1, &k, err);
        if (rc == KT_OK) {
            crypto_generichash(s->cit->key, sizeof s->cit->key, (const unsigned char *)ctx,
                               sizeof ctx - 1, k.sk, 32);
            s->cit->key_ok = 1;
        }
        tok_keys_wipe(&k);
    }
    if (rc == KT_OK)
        memcpy(key, s->cit->key, 32);
    pthread_mutex_unlock(&s->cit->mu);
    return rc;
}

static void link_mac(const unsigned char key[32], char kind, const unsigned char id8[8],
                     unsigned char mac[LINK_MAC_LEN])
{
    unsigned char msg[9];
    msg[0] = (unsigned char)kind;
    memcpy(msg + 1, id8, 8);
    crypto_generichash(mac, LINK_MAC_LEN, msg, sizeof msg, key, 32);
}

kt_code svc_cit_link_make(svc *s, char kind, int64_t id, char out[SVC_LINK_LEN], kt_error *err)
{
    unsigned char key[32], raw[8 + LINK_MAC_LEN];
    kt_code rc = link_key(s, key, err);
    if (rc != KT_OK)
        return rc;
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
    link_mac(key, kind, raw, raw + 8);
    sodium_memzero(key, sizeof key);
    sodium_bin2base64(out, SVC_LINK_LEN, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return KT_OK;
}

kt_code svc_cit_link_read(svc *s, char kind, const char *token, int64_t *id, const char *nf_id,
                          const char *field, const char *message, kt_error *err)
{
    unsigned char key[32], raw[8 + LINK_MAC_LEN], mac[LINK_MAC_LEN];
    size_t len = 0;
    if (token == NULL || strlen(token) != 24 ||
        sodium_base642bin(raw, sizeof raw, token, 24, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != sizeof raw)
        return kt_fail(err, KT_ENOTFOUND, nf_id, field, "%s", message);
    kt_code rc = link_key(s, key, err);
    if (rc != KT_OK)
        return rc;
    link_mac(key, kind, raw, mac);
    sodium_memzero(key, sizeof key);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | raw[i];
    if (sodium_memcmp(mac, raw + 8, LINK_MAC_LEN) != 0 || v == 0 || v > (uint64_t)INT64_MAX)
        return kt_fail(err, KT_ENOTFOUND, nf_id, field, "%s", message);
    *id = (int64_t)v;
    return KT_OK;
}

kt_code svc_cit_ticket_links(svc *s, json_t *ticket, kt_error *err)
{
    char tok[SVC_LINK_LEN], url[320];
    kt_code rc = svc_cit_link_make(s, 'T', json_integer_value(json_object_get(ticket, "id")),
                                   tok, err);
    if (rc != KT_OK)
        return rc;
    snprintf(url, sizeof url, "%s/antrian.html#%s", s->cit->public_url, tok);
    json_object_set_new(ticket, "track", json_string(tok));
    json_object_set_new(ticket, "track_url", json_string(url));
    return KT_OK;
}

/* ---- a ticket's place in its queue ------------------------------------------------------ */

/* A queue at one moment: today's waiting tickets of the services the same lokets call, the
   call rules' counters, and the measured cycle. */
typedef struct queue_view {
    int64_t *ids;      /* owned */
    eta_ticket *w;     /* owned, n */
    size_t n;
    eta_rule rule;
    int64_t cycle_ms;
    int lokets, measured;
} queue_view;

static void view_free(queue_view *v)
{
    free(v->ids);
    free(v->w);
    memset(v, 0, sizeof *v);
}

typedef struct cycle {
    int64_t at, ms;
} cycle;

static int cycle_later_first(const void *a, const void *b)
{
    const cycle *x = a, *y = b;
    return x->at < y->at ? 1 : x->at > y->at ? -1 : 0;
}

/* The queue a ticket waits in: every service of the same loket role as its queue_service (a
   transfer moves it; its number's series stays). A ticket sent to one loket in particular is
   counted as if any loket of the role could call it: an estimate, said so on the page. */
static unsigned role_mask(const char *service)
{
    queue_service q;
    unsigned mask = 0;
    if (!queue_service_from_str(service, &q))
        return 0;
    for (int i = 0; i < QUEUE_SERVICE_COUNT; i++)
        if (queue_service_role((queue_service)i) == queue_service_role(q))
            mask |= 1u << i;
    return mask;
}

static kt_code view_load(svc *s, store *db, const char *service, const char *day,
                         queue_view *v, kt_error *err)
{
    char inlist[160], sql[512];
    store_stmt *st = NULL;
    int row = 0;
    cycle *cy = NULL;
    size_t ncy = 0, capcy = 0;
    kt_code rc;
    memset(v, 0, sizeof *v);
    unsigned mask = role_mask(service);
    if (mask == 0)
        return kt_fail(err, KT_EINTERNAL, "service_unknown", "", "Layanan tiket tidak dikenal");
    svc_queue_inlist(mask, inlist, sizeof inlist);
    v->rule.priority_every = s->priority_every;
    v->rule.booked_every = s->booked_every;
    if ((rc = svc_queue_counters(s, db, day, inlist, &v->rule.regular_since_priority,
                                 &v->rule.booked_since_walkin, err)) != KT_OK)
        return rc;
    snprintf(sql, sizeof sql,
             "SELECT id, priority, CASE WHEN appointment_id IS NULL THEN 0 ELSE 1 END FROM"
             " tickets WHERE day = ? AND state = 'waiting' AND queue_service IN (%s) ORDER BY"
             " taken_at, id", inlist);
    if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    size_t cap = 0;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        if (v->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            int64_t *ni = realloc(v->ids, nc * sizeof *ni);
            if (ni != NULL)
                v->ids = ni;
            eta_ticket *nw = ni != NULL ? realloc(v->w, nc * sizeof *nw) : NULL;
            if (nw == NULL) {
                store_reset(st);
                rc = svc_nomem(err);
                goto fail;
            }
            v->w = nw;
            cap = nc;
        }
        v->ids[v->n] = store_col_int(st, 0);
        v->w[v->n].priority = store_col_int(st, 1) != 0;
        v->w[v->n].booked = store_col_int(st, 2) != 0;
        v->n++;
    }
    store_reset(st);
    if (rc != KT_OK)
        goto fail;
    /* Cycles: consecutive calls at the same loket. */
    snprintf(sql, sizeof sql,
             "SELECT loket, called_at FROM tickets WHERE day = ? AND called_at IS NOT NULL AND"
             " loket > 0 AND queue_service IN (%s) ORDER BY loket, called_at", inlist);
    if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
        goto fail;
    store_bind_text(st, 1, day, -1);
    int64_t now = svc_now(s), prev_at = 0;
    int prev_loket = -1, last_active = -1;
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        int loket = (int)store_col_int(st, 0);
        int64_t at = store_col_int(st, 1);
        if (loket == prev_loket && at > prev_at && at - prev_at <= CYCLE_MAX_MS) {
            if (ncy == capcy) {
                size_t nc = capcy ? capcy * 2 : 64;
                cycle *ncyp = realloc(cy, nc * sizeof *ncyp);
                if (ncyp == NULL) {
                    store_reset(st);
                    rc = svc_nomem(err);
                    goto fail;
                }
                cy = ncyp;
                capcy = nc;
            }
            cy[ncy].at = at;
            cy[ncy].ms = at - prev_at;
            ncy++;
        }
        if (at >= now - ACTIVE_WINDOW_MS && loket != last_active) {
            v->lokets++; /* rows come ordered by loket: count each loket once */
            last_active = loket;
        }
        prev_loket = loket;
        prev_at = at;
    }
    store_reset(st);
    if (rc != KT_OK)
        goto fail;
    if (ncy > 1)
        qsort(cy, ncy, sizeof *cy, cycle_later_first);
    int64_t last[CYCLES_USED];
    size_t k = ncy < CYCLES_USED ? ncy : CYCLES_USED;
    for (size_t i = 0; i < k; i++)
        last[i] = cy[i].ms;
    /* Before the day's first cycle: the SOP's standards (call + intake, call + handover). */
    int64_t fallback = (mask & (1u << QUEUE_PENGAMBILAN)) ? 4 * 60000 : 6 * 60000;
    v->cycle_ms = eta_mean(last, k, fallback);
    v->measured = k > 0;
    if (v->lokets < 1)
        v->lokets = 1;
    free(cy);
    return KT_OK;
fail:
    free(cy);
    view_free(v);
    return rc;
}

/* The place of ticket id in view v; -1 when it is not waiting there. */
static int64_t view_ahead(const queue_view *v, int64_t id)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->ids[i] == id)
            return (int64_t)eta_calls_before(v->w, v->n, i, v->rule);
    return -1;
}

kt_code svc_cit_place_of(svc *s, store *db, int64_t ticket_id, svc_cit_place *out,
                         kt_error *err)
{
    json_t *t = NULL;
    queue_view v;
    memset(out, 0, sizeof *out);
    kt_code rc = svc_ticket_load(db, ticket_id, &t, err);
    if (rc != KT_OK)
        return rc;
    rc = view_load(s, db, svc_jstr(t, "queue_service"), svc_jstr(t, "service_day"), &v, err);
    json_decref(t);
    if (rc != KT_OK)
        return rc;
    out->ahead = view_ahead(&v, ticket_id);
    out->cycle_ms = v.cycle_ms;
    out->lokets = v.lokets;
    out->measured = v.measured;
    out->wait_ms = out->ahead >= 0 ? eta_wait_ms((size_t)out->ahead, v.cycle_ms, v.lokets) : 0;
    view_free(&v);
    return KT_OK;
}

/* ---- the phone queue page --------------------------------------------------------------- */

static const char ticket_not_found[] =
    "Nomor antrian ini tidak dikenal; pindai lagi kode QR pada karcis antrian";

kt_code svc_ticket_track(svc *s, const char *token, json_t **out, kt_error *err)
{
    int64_t id = 0;
    store *db = NULL;
    json_t *t = NULL, *o = NULL;
    *out = NULL;
    kt_code rc = svc_cit_link_read(s, 'T', token, &id, "ticket_not_found", "token",
                                   ticket_not_found, err);
    if (rc != KT_OK)
        return rc;
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        return rc;
    if ((rc = store_begin(db, STORE_READ, err)) != KT_OK)
        goto out;
    if ((rc = svc_ticket_load(db, id, &t, err)) != KT_OK) {
        if (rc == KT_ENOTFOUND)
            kt_fail(err, KT_ENOTFOUND, "ticket_not_found", "token", "%s", ticket_not_found);
        goto out;
    }
    char today[JKT_DATE_STRLEN];
    jkt_service_day_str(svc_now(s), today);
    const char *state = svc_jstr(t, "state"), *day = svc_jstr(t, "service_day");
    queue_service q = QUEUE_REKAM_BARU; /* the queue it waits in now (a transfer moves it) */
    (void)queue_service_from_str(svc_jstr(t, "queue_service"), &q);
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:b, s:b}", "number",
                  svc_jstr(t, "number"), "service", svc_jstr(t, "service"), "service_label",
                  queue_service_label(q), "service_day", day, "state", state, "taken_at",
                  json_object_get(t, "taken_at"), "called_at", json_object_get(t, "called_at"),
                  "priority", json_is_true(json_object_get(t, "priority")), "today",
                  strcmp(day, today) == 0);
    if (o == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    json_object_set(o, "booked", json_object_get(t, "booked"));
    store_stmt *st = NULL;
    int row = 0;
    if (strcmp(state, "called") == 0 || strcmp(state, "served") == 0)
        json_object_set(o, "loket", json_object_get(t, "loket"));
    if (strcmp(state, "waiting") == 0 && strcmp(day, today) == 0) {
        svc_cit_place p;
        if ((rc = svc_cit_place_of(s, db, id, &p, err)) != KT_OK)
            goto out;
        json_object_set_new(o, "ahead", json_integer(p.ahead));
        json_object_set_new(o, "wait_min", json_integer((p.wait_ms + 59999) / 60000));
        json_object_set_new(o, "estimate",
                            json_pack("{s:I, s:i, s:b}", "cycle_s",
                                      (json_int_t)(p.cycle_ms / 1000), "lokets", p.lokets,
                                      "measured", p.measured));
    }
    if ((rc = store_prepare(db, "SELECT 1 FROM ticket_phones WHERE ticket_id = ?", &st,
                            err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        goto out;
    store_reset(st);
    json_object_set_new(o, "sms", json_boolean(row));
    json_object_set_new(o, "sms_near", json_integer(s->cit->sms_near));
    char url[320];
    snprintf(url, sizeof url, "%s/antrian.html#%s", s->cit->public_url, token);
    json_object_set_new(o, "track_url", json_string(url));
    *out = o;
    o = NULL;
out:
    svc_conn_put(s, db);
    json_decref(t);
    json_decref(o);
    return rc;
}

/* A phone number with consent, from a public form: normalised into out. */
static kt_code consented_phone(const json_t *in, char out[PHONE_LEN], kt_error *err)
{
    json_t *c = json_object_get(in, "consent");
    kt_code rc = phone_normalize(svc_jstr(in, "phone"), "phone", out, err);
    if (rc != KT_OK)
        return rc;
    if (!json_is_true(c))
        return kt_fail(err, KT_EINVAL, "consent_required", "consent",
                       "Centang persetujuan agar nomor HP boleh disimpan untuk SMS layanan ini");
    return KT_OK;
}

kt_code svc_ticket_phone(svc *s, const char *token, const json_t *in, json_t **out,
                         kt_error *err)
{
    int64_t id = 0;
    char phone[PHONE_LEN], masked[PHONE_LEN];
    store *db = NULL;
    json_t *pending = NULL, *t = NULL;
    *out = NULL;
    kt_code rc = svc_cit_link_read(s, 'T', token, &id, "ticket_not_found", "token",
                                   ticket_not_found, err);
    if (rc != KT_OK || (rc = consented_phone(in, phone, err)) != KT_OK)
        return rc;
    if ((rc = svc_write_open(s, &db, &pending, err)) != KT_OK)
        goto out;
    if ((rc = svc_ticket_load(db, id, &t, err)) != KT_OK)
        goto out;
    char today[JKT_DATE_STRLEN];
    jkt_service_day_str(svc_now(s), today);
    if (strcmp(svc_jstr(t, "state"), "waiting") != 0 ||
        strcmp(svc_jstr(t, "service_day"), today) != 0) {
        rc = kt_fail(err, KT_ECONFLICT, "ticket_not_waiting", "token",
                     "Nomor %s tidak sedang menunggu; SMS hanya untuk nomor yang masih antre",
                     svc_jstr(t, "number"));
        goto out;
    }
    svc_cit_place p;
    if ((rc = svc_cit_place_of(s, db, id, &p, err)) != KT_OK)
        goto out;
    int64_t now = svc_now(s);
    store_stmt *st = NULL;
    if ((rc = store_prepare(db,
                            "INSERT INTO ticket_phones (ticket_id, phone, consent_at, notified_at)"
                            " VALUES (?, ?, ?, ?) ON CONFLICT (ticket_id) DO UPDATE SET phone ="
                            " excluded.phone, consent_at = excluded.consent_at",
                            &st, err)) != KT_OK)
        goto out;
    store_bind_int(st, 1, id);
    store_bind_text(st, 2, phone, -1);
    store_bind_int(st, 3, now);
    /* Already near its turn: the page shows it; no SMS for what is happening now. */
    if (p.ahead >= 0 && p.ahead <= s->cit->sms_near)
        store_bind_int(st, 4, now);
    if ((rc = store_run(st, err)) != KT_OK)
        goto out;
    phone_mask(phone, masked);
    svc_actor pub = svc_cit_public_actor("publik");
    if ((rc = svc_event_add(s, db, NULL, "ticket_phone", &pub, 0, id, "", "", "phone_given", "",
                            masked, NULL, err)) != KT_OK)
        goto out;
    if ((*out = json_pack("{s:b, s:s}", "sms", 1, "number", svc_jstr(t, "number"))) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    rc = svc_commit_emit(s, db, pending, out, err);
out:
    svc_conn_put(s, db);
    json_decref(pending);
    json_decref(t);
    return rc;
}

/* ---- hooks ----------------------------------------------------------------------------- */

kt_code svc_cit_queue_moved(svc *s, store *db, const char *service, kt_error *err)
{
    char inlist[160], sql[512], day[JKT_DATE_STRLEN];
    store_stmt *st = NULL;
    int row = 0;
    queue_view v;
    kt_code rc;
    int64_t now = svc_now(s);
    unsigned mask = role_mask(service);
    if (mask == 0)
        return KT_OK;
    jkt_service_day_str(now, day);
    svc_queue_inlist(mask, inlist, sizeof inlist);
    /* Most calls have nobody with a phone waiting: check that first, cheaply. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ticket_phones p JOIN tickets t ON t.id = p.ticket_id WHERE"
             " p.notified_at IS NULL AND t.state = 'waiting' AND t.day = ? AND t.queue_service IN"
             " (%s)",
             inlist);
    if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
        return rc;
    store_bind_text(st, 1, day, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int64_t waiting_phones = row ? store_col_int(st, 0) : 0;
    store_reset(st);
    if (waiting_phones == 0)
        return KT_OK;
    if ((rc = view_load(s, db, service, day, &v, err)) != KT_OK)
        return rc;
    snprintf(sql, sizeof sql,
             "SELECT p.ticket_id, p.phone, t.code FROM ticket_phones p JOIN tickets t ON t.id ="
             " p.ticket_id WHERE p.notified_at IS NULL AND t.state = 'waiting' AND t.day = ? AND"
             " t.queue_service IN (%s) ORDER BY p.ticket_id", inlist);
    /* Collect first: the statement cannot stay open across the inserts below on every driver. */
    typedef struct near {
        int64_t id, ahead;
        char phone[PHONE_LEN], number[QUEUE_TICKET_LEN];
    } near;
    near *list = NULL;
    size_t n = 0, cap = 0;
    if ((rc = store_prepare(db, sql, &st, err)) != KT_OK)
        goto out;
    store_bind_text(st, 1, day, -1);
    while ((rc = store_step(st, &row, err)) == KT_OK && row) {
        int64_t id = store_col_int(st, 0), ahead = view_ahead(&v, id);
        if (ahead < 0 || ahead > s->cit->sms_near)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            near *nl = realloc(list, nc * sizeof *nl);
            if (nl == NULL) {
                store_reset(st);
                rc = svc_nomem(err);
                goto out;
            }
            list = nl;
            cap = nc;
        }
        list[n].id = id;
        list[n].ahead = ahead;
        snprintf(list[n].phone, sizeof list[n].phone, "%s", store_col_text(st, 1));
        snprintf(list[n].number, sizeof list[n].number, "%s", store_col_text(st, 2));
        n++;
    }
    store_reset(st);
    if (rc != KT_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        char body[SMS_CAP], ref[40];
        if ((rc = sms_text_queue_near(body, SVC_OFFICE_SHORT, list[i].number,
                                      (int)list[i].ahead, err)) != KT_OK)
            goto out;
        snprintf(ref, sizeof ref, "ticket:%lld", (long long)list[i].id);
        if ((rc = svc_sms_enqueue(s, db, "queue_near", ref, list[i].phone, body,
                                  now + QUEUE_NEAR_VALID_MS, err)) != KT_OK)
            goto out;
        if ((rc = store_prepare(db, "UPDATE ticket_phones SET notified_at = ? WHERE ticket_id = ?",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_int(st, 1, now);
        store_bind_int(st, 2, list[i].id);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
    }
out:
    free(list);
    view_free(&v);
    return rc;
}

static kt_code exec_id(store *db, const char *sql, int64_t id, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc = store_prepare(db, sql, &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, id);
    return store_run(st, err);
}

kt_code svc_cit_app_moved(svc *s, store *db, int64_t app_id, const char *to, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc;
    if (strcmp(to, "called") == 0) {
        /* Opened from a ticket whose holder gave a phone: it follows the application (for
           "sudah dapat diambil"), and the ticket no longer needs it. */
        if ((rc = store_prepare(db,
                                "INSERT INTO application_phones (application_id, phone,"
                                " consent_at) SELECT a.id, p.phone, p.consent_at FROM"
                                " applications a JOIN ticket_phones p ON p.ticket_id ="
                                " a.ticket_id WHERE a.id = ?",
                                &st, err)) != KT_OK)
            return rc;
        store_bind_int(st, 1, app_id);
        if ((rc = store_run(st, err)) != KT_OK)
            return rc;
        return exec_id(db,
                       "DELETE FROM ticket_phones WHERE ticket_id = (SELECT ticket_id FROM"
                       " applications WHERE id = ?)",
                       app_id, err);
    }
    if (strcmp(to, "printed") == 0) {
        char phone[PHONE_LEN] = "", no[40] = "";
        if ((rc = store_prepare(db,
                                "SELECT p.phone, r.receipt_no FROM application_phones p JOIN"
                                " receipts r ON r.application_id = p.application_id WHERE"
                                " p.application_id = ?",
                                &st, err)) != KT_OK)
            return rc;
        store_bind_int(st, 1, app_id);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            return rc;
        if (row) {
            snprintf(phone, sizeof phone, "%s", store_col_text(st, 0));
            snprintf(no, sizeof no, "%s", store_col_text(st, 1));
        }
        store_reset(st);
        if (phone[0] == '\0')
            return KT_OK;
        char body[SMS_CAP], ref[40];
        if ((rc = sms_text_card_ready(body, SVC_OFFICE_SHORT, no, err)) != KT_OK)
            return rc;
        snprintf(ref, sizeof ref, "app:%lld", (long long)app_id);
        return svc_sms_enqueue(s, db, "card_ready", ref, phone, body,
                               svc_now(s) + CARD_READY_VALID_MS, err);
    }
    if (strcmp(to, "handed_over") == 0 || strcmp(to, "rejected") == 0 ||
        strcmp(to, "referred") == 0 || strcmp(to, "incomplete") == 0)
        return exec_id(db, "DELETE FROM application_phones WHERE application_id = ?", app_id,
                       err);
    return KT_OK;
}

/* ---- the card's status page ------------------------------------------------------------- */

typedef struct card_stage {
    const char *state, *stage, *label, *advice;
} card_stage;

/* Where the card is, by the application's state, and what the citizen should do. */
static const card_stage stages[] = {
    {"receipt_issued", "recorded", "Sudah direkam di kecamatan",
     "Data dan sidik jari Anda sudah direkam. Kecamatan akan mengirimkannya ke Disdukcapil "
     "untuk dicetak. Tidak ada yang perlu Anda lakukan sekarang."},
    {"sent", "sent", "Dikirim ke Disdukcapil",
     "Data Anda sedang diproses di Disdukcapil Kota Tangerang. Tidak ada yang perlu Anda "
     "lakukan sekarang."},
    {"print_ready", "print_ready", "Siap dicetak di Disdukcapil",
     "Data Anda sudah lolos pemeriksaan dan menunggu pencetakan KTP-el."},
    {"printed", "ready", "Sudah dicetak, siap diambil di kecamatan",
     "KTP-el Anda sudah dapat diambil di Loket Penyerahan Dokumen Kantor Kecamatan. Bawa tanda "
     "terima ini dan ambil nomor antrian E (Pengambilan e-KTP)."},
    {"handed_over", "handed_over", "Sudah diserahkan",
     "KTP-el sudah diserahkan. Jika Anda tidak merasa menerimanya, segera hubungi Kantor "
     "Kecamatan dengan membawa tanda terima."},
    {"duplicate", "duplicate", "Data ganda sedang diperiksa",
     "Sidik jari Anda cocok dengan data penduduk lain (data ganda). Petugas sedang "
     "memeriksanya. Datanglah ke Loket Penerima Berkas Kantor Kecamatan dengan membawa KK asli, "
     "akta kelahiran dan tanda terima ini untuk klarifikasi."},
    {"rejected", "rejected", "Permohonan ditolak",
     "Permohonan tidak dapat dilanjutkan (data ganda atau tidak memenuhi syarat). Datanglah ke "
     "Disdukcapil Kota Tangerang dengan membawa KK asli, akta kelahiran dan tanda terima ini."},
};

/* On a node linked to Disdukcapil (issue 11) the central's word refines some states: what it
   said last about the application's rekam/cetak packet (link_outbox, the status feed's). The
   states alone above are what an office that runs unlinked knows. */
static const card_stage linked_stages[] = {
    {"sent:RECEIVED_AT_CENTRAL", "sent", "Diterima Disdukcapil",
     "Data Anda sudah diterima Disdukcapil Kota Tangerang dan sedang diperiksa. Tidak ada yang "
     "perlu Anda lakukan sekarang."},
    {"duplicate:central", "central_check", "Sedang diperiksa Disdukcapil",
     "Sidik jari Anda mirip dengan data penduduk lain dan sedang diperiksa petugas Disdukcapil "
     "Kota Tangerang. Tidak ada yang perlu Anda lakukan sekarang; bila perlu, Anda akan "
     "dihubungi. Simpan tanda terima ini."},
    {"rejected:duplicate", "rejected_duplicate", "Data ganda menurut Disdukcapil",
     "Disdukcapil memastikan sidik jari Anda sudah terdaftar dengan NIK lain. Datanglah ke "
     "Disdukcapil Kota Tangerang dengan membawa KK asli, akta kelahiran dan tanda terima ini "
     "untuk klarifikasi."},
    {"rejected:ENROLL_FAILURE_AT_CENTRAL", "enroll_failed", "Perekaman gagal di Disdukcapil",
     "Data perekaman Anda tidak dapat diproses di Disdukcapil. Datanglah kembali ke Loket "
     "Penerima Berkas Kantor Kecamatan dengan membawa KK dan tanda terima ini untuk perekaman "
     "ulang, tanpa biaya."},
};

static const card_stage *stage_named(const card_stage *t, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].state, key) == 0)
            return &t[i];
    return NULL;
}

static const card_stage *stage_of(const char *state)
{
    return stage_named(stages, sizeof stages / sizeof stages[0], state);
}

/* The stage of `state`, refined by the central's last word when the node is linked. */
static kt_code stage_linked(store *db, int64_t app_id, const char *state,
                            const card_stage **out, kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    char cs[40] = "", key[64] = "";
    *out = stage_of(state);
    kt_code rc = store_prepare(db,
                               "SELECT central_status FROM link_outbox WHERE application_id = ?"
                               " AND kind IN ('rekam', 'cetak') ORDER BY seq DESC LIMIT 1",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_int(st, 1, app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    if (row)
        snprintf(cs, sizeof cs, "%s", store_col_text(st, 0));
    store_reset(st);
    if (cs[0] == '\0')
        return KT_OK;
    int dup = strcmp(cs, "DUPLICATE_RECORD") == 0 || strcmp(cs, "ADJUDICATE_RECORD") == 0;
    if (strcmp(state, "duplicate") == 0 && dup)
        snprintf(key, sizeof key, "duplicate:central");
    else if (strcmp(state, "rejected") == 0 && dup)
        snprintf(key, sizeof key, "rejected:duplicate");
    else
        snprintf(key, sizeof key, "%s:%s", state, cs);
    const card_stage *l = stage_named(linked_stages, sizeof linked_stages / sizeof linked_stages[0],
                                      key);
    if (l != NULL)
        *out = l;
    return KT_OK;
}

static const char status_not_found[] =
    "Nomor tanda terima dan tanggal lahir tidak cocok dengan data kami. Periksa kembali "
    "keduanya seperti tertulis pada tanda terima dan KK";

typedef struct status_job {
    const char *receipt_no, *birth_date;
    const char *phone; /* normalised, or NULL */
    int64_t app_id;
    json_t *out;       /* owned until handed over */
} status_job;

static kt_code status_unit(svc *s, store *db, void *ctx, kt_error *err)
{
    status_job *j = ctx;
    store_stmt *st = NULL;
    int row = 0;
    kt_code rc = store_prepare(db,
                               "SELECT r.application_id, r.expected_pickup, a.state,"
                               " COALESCE(res.birth_date, ''), a.kind, a.nik FROM receipts r JOIN"
                               " applications a ON a.id = r.application_id LEFT JOIN residents"
                               " res ON res.nik = a.nik WHERE r.receipt_no = ?",
                               &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, j->receipt_no, -1);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    int match = row && strcmp(store_col_text(st, 3), j->birth_date) == 0;
    if (!match) {
        store_reset(st);
        return kt_fail(err, KT_ENOTFOUND, "status_not_found", "receipt_no", "%s",
                       status_not_found);
    }
    j->app_id = store_col_int(st, 0);
    char pickup[JKT_DATE_STRLEN], state[24], kind[24], nik[24];
    snprintf(nik, sizeof nik, "%s", store_col_text(st, 5));
    snprintf(pickup, sizeof pickup, "%s", store_col_text(st, 1));
    snprintf(state, sizeof state, "%s", store_col_text(st, 2));
    snprintf(kind, sizeof kind, "%s", store_col_text(st, 4));
    store_reset(st);
    const card_stage *cs = NULL;
    if ((rc = stage_linked(db, j->app_id, state, &cs, err)) != KT_OK)
        return rc;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[]}", "receipt_no", j->receipt_no,
                          "stage", cs != NULL ? cs->stage : "processing", "stage_label",
                          cs != NULL ? cs->label : "Sedang diproses", "advice",
                          cs != NULL ? cs->advice
                                     : "Permohonan Anda sedang diproses di kecamatan.",
                          "expected_pickup", pickup, "kind", kind, "steps");
    if (o == NULL)
        return svc_nomem(err);
    j->out = o;
    /* The steps so far, from the audit trail (when each happened). */
    static const struct {
        const char *action, *stage, *label;
    } steps[] = {
        {"issue_receipt", "recorded", "Direkam di kecamatan"},
        {"send", "sent", "Dikirim ke Disdukcapil"},
        {"print_ready", "print_ready", "Siap dicetak"},
        {"print", "ready", "Dicetak, siap diambil di kecamatan"},
        {"hand_over", "handed_over", "Diserahkan"},
    };
    json_t *arr = json_object_get(o, "steps");
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if ((rc = store_prepare(db,
                                "SELECT max(at) FROM events WHERE application_id = ? AND"
                                " action = ?",
                                &st, err)) != KT_OK)
            return rc;
        store_bind_int(st, 1, j->app_id);
        store_bind_text(st, 2, steps[i].action, -1);
        if ((rc = store_step(st, &row, err)) != KT_OK)
            return rc;
        int done = row && !store_col_null(st, 0);
        int64_t at = done ? store_col_int(st, 0) : 0;
        store_reset(st);
        json_t *step = json_pack("{s:s, s:s, s:b}", "stage", steps[i].stage, "label",
                                 steps[i].label, "done", done);
        if (step == NULL)
            return svc_nomem(err);
        if (done)
            json_object_set_new(step, "at", json_integer(at));
        json_array_append_new(arr, step);
    }
    /* SMS when the card is ready: offered until it is printed. */
    int offer = strcmp(state, "receipt_issued") == 0 || strcmp(state, "sent") == 0 ||
                strcmp(state, "print_ready") == 0 || strcmp(state, "duplicate") == 0;
    int64_t now = svc_now(s);
    if (j->phone != NULL) {
        if (!offer)
            return kt_fail(err, KT_ECONFLICT, "sms_not_available", "phone",
                           "SMS kabar KTP-el hanya untuk permohonan yang belum dicetak");
        if ((rc = store_prepare(db,
                                "INSERT INTO application_phones (application_id, phone,"
                                " consent_at) VALUES (?, ?, ?) ON CONFLICT (application_id) DO"
                                " UPDATE SET phone = excluded.phone, consent_at ="
                                " excluded.consent_at",
                                &st, err)) != KT_OK)
            return rc;
        store_bind_int(st, 1, j->app_id);
        store_bind_text(st, 2, j->phone, -1);
        store_bind_int(st, 3, now);
        if ((rc = store_run(st, err)) != KT_OK)
            return rc;
    }
    if ((rc = store_prepare(db, "SELECT 1 FROM application_phones WHERE application_id = ?",
                            &st, err)) != KT_OK)
        return rc;
    store_bind_int(st, 1, j->app_id);
    if ((rc = store_step(st, &row, err)) != KT_OK)
        return rc;
    store_reset(st);
    json_object_set_new(o, "sms", json_boolean(row));
    json_object_set_new(o, "sms_offer", json_boolean(offer));
    /* Reading a person's card status is a read of their data (who: the public page), in the
       access log with the application's NIK; a phone number given is a change (an event). */
    svc_actor pub = svc_cit_public_actor("publik");
    if ((rc = svc_access_add(s, db, &pub, "card_status", nik, j->app_id, "", "", err)) != KT_OK)
        return rc;
    if (j->phone == NULL)
        return KT_OK;
    return svc_event_add(s, db, NULL, "card_phone", &pub, j->app_id, 0, state, state,
                         "phone_given", "", "halaman status KTP-el: nomor HP untuk SMS", NULL,
                         err);
}

kt_code svc_card_status(svc *s, const json_t *in, json_t **out, kt_error *err)
{
    char no[40], phone[PHONE_LEN];
    jkt_date bd;
    status_job j;
    memset(&j, 0, sizeof j);
    *out = NULL;
    const char *rn = svc_jstr(in, "receipt_no"), *b = svc_jstr(in, "birth_date");
    if (rn == NULL || rn[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "receipt_no",
                       "Isi nomor tanda terima (mis. NGS-20260302-0001)");
    /* Receipt numbers are upper-case letters, digits and hyphens (NGS-YYYYMMDD-NNNN). */
    size_t k = 0;
    for (const char *p = rn; *p != '\0'; p++) {
        char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        if (c == ' ')
            continue;
        if (k + 1 >= sizeof no || !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return kt_fail(err, KT_EINVAL, "receipt_no_invalid", "receipt_no",
                           "Nomor tanda terima hanya huruf, angka dan tanda -, mis. "
                           "NGS-20260302-0001");
        no[k++] = c;
    }
    no[k] = '\0';
    if (k < 5)
        return kt_fail(err, KT_EINVAL, "receipt_no_invalid", "receipt_no",
                       "Nomor tanda terima terlalu pendek, mis. NGS-20260302-0001");
    kt_code rc;
    if (b == NULL || b[0] == '\0')
        return kt_fail(err, KT_EINVAL, "field_missing", "birth_date", "Isi tanggal lahir");
    if ((rc = jkt_date_parse(b, "birth_date", &bd, err)) != KT_OK)
        return rc;
    if (json_object_get(in, "phone") != NULL && svc_jstr(in, "phone") != NULL &&
        svc_jstr(in, "phone")[0] != '\0') {
        if ((rc = consented_phone(in, phone, err)) != KT_OK)
            return rc;
        j.phone = phone;
    }
    int64_t now = svc_now(s), until = svc_throttle_blocked(s->cit->attempts, no, now);
    if (until > 0) {
        char wait[64];
        unsigned secs = svc_wait_text(now, until, wait, sizeof wait);
        return kt_fail_retry(err, KT_ELIMIT, secs, "too_many_attempts",
                             "Terlalu banyak percobaan yang tidak cocok untuk nomor ini. Coba "
                             "lagi dalam %s",
                             wait);
    }
    j.receipt_no = no;
    j.birth_date = b;
    rc = svc_group_write(s, status_unit, &j, err);
    if (rc == KT_ENOTFOUND)
        (void)svc_throttle_failed(s->cit->attempts, no, now);
    if (rc == KT_OK) {
        *out = j.out;
        j.out = NULL;
    }
    json_decref(j.out);
    return rc;
}
