/*
 * import.c - loading SIAK biodata (svc_import_siak) and the Kepmendagri region list
 * (svc_import_wilayah). Formats: docs/siak-csv.md and ../shared/data/README.md.
 *
 * SIAK import, and why it is shaped this way:
 * - One transaction for the whole file: an office imports a fresh SIAK extract, and a half
 *   imported extract would be worse than the old one. A bad line aborts everything (the error
 *   names line and column) unless skip_invalid, which skips and lists bad lines.
 * - Every line is validated with core's rules (nik_analyze, refcodes, jakarta dates) before
 *   it is written, so nothing malformed reaches the residents table.
 * - Speed (>= 200,000 rows/s): a reader thread reads, splits and validates lines into batches
 *   (fields split in place in the batch's copy of the lines, no allocation per row) while this
 *   thread writes the previous batches with two cached prepared statements; foreign keys are
 *   off during the load (they hold by construction, see below) and the KK index is rebuilt
 *   once. A NIK that is already in the database is updated (a newer extract wins); the same
 *   NIK twice in one file is an error.
 *
 * Never: write anything before the file is known good (or the bad lines are skipped).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"
#include "core/nik.h"
#include "core/refcodes.h"
#include "service/svc_internal.h"

#define IMPORT_MAX_FIELDS 64
#define IMPORT_MAX_ERRORS 100 /* errors listed in the result; all are counted */

enum siak_col {
    C_NIK, C_KK, C_NAME, C_BIRTH_PLACE, C_BIRTH_DATE, C_SEX, C_BLOOD, C_AGAMA, C_MARITAL,
    C_PEKERJAAN, C_PENDIDIKAN, C_NATIONALITY, C_ITAP, C_ADDRESS, C_RT, C_RW, C_KEL, C_KEC,
    C_HUBUNGAN, C_KTP_STATUS, C_CARD_VALID, C_COUNT
};

static const char *const siak_names[C_COUNT] = {
    "nik", "kk_number", "name", "birth_place", "birth_date", "sex", "blood_type", "agama",
    "marital_status", "pekerjaan", "pendidikan", "nationality", "itap_until", "address", "rt",
    "rw", "kelurahan_code", "kecamatan_code", "hubungan", "ktp_status", "card_valid"};
static const int siak_required[C_COUNT] = {[C_NIK] = 1, [C_KK] = 1, [C_NAME] = 1,
                                           [C_BIRTH_DATE] = 1, [C_SEX] = 1, [C_AGAMA] = 1,
                                           [C_MARITAL] = 1};

static void chomp(char *line, ssize_t *len)
{
    *len = (ssize_t)csv_chomp(line, (size_t)*len);
}

static int all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* A small integer field ("1".."999"); -1 when not a number. */
static int small_int(const char *s)
{
    if (!all_digits(s, 1, 3))
        return -1;
    return atoi(s);
}

/* NIKs seen in this file: open addressing over the 16-digit value (never 0). */
typedef struct nik_set {
    uint64_t *slot;
    size_t cap, n;
} nik_set;

static int nik_set_add(nik_set *set, uint64_t v) /* 1 added, 0 present, -1 no memory */
{
    if ((set->n + 1) * 2 > set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 1u << 16;
        uint64_t *ns = calloc(ncap, sizeof *ns);
        if (ns == NULL)
            return -1;
        for (size_t i = 0; i < set->cap; i++)
            if (set->slot[i] != 0) {
                size_t j = (size_t)(set->slot[i] * 0x9E3779B97F4A7C15ULL >> 20) & (ncap - 1);
                while (ns[j] != 0)
                    j = (j + 1) & (ncap - 1);
                ns[j] = set->slot[i];
            }
        free(set->slot);
        set->slot = ns;
        set->cap = ncap;
    }
    size_t j = (size_t)(v * 0x9E3779B97F4A7C15ULL >> 20) & (set->cap - 1);
    while (set->slot[j] != 0) {
        if (set->slot[j] == v)
            return 0;
        j = (j + 1) & (set->cap - 1);
    }
    set->slot[j] = v;
    set->n++;
    return 1;
}

static kt_code line_fail(kt_error *err, const char *id, long line, int column,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static kt_code line_fail(kt_error *err, const char *id, long line, int column,
                         const char *fmt, ...)
{
    char field[64];
    va_list ap;
    snprintf(field, sizeof field, "line %ld, column %d", line, column);
    va_start(ap, fmt);
    kt_code rc = kt_vfail(err, KT_EINVAL, id, field, fmt, ap);
    va_end(ap);
    return rc;
}

typedef struct siak_row {
    const char *v[C_COUNT];
    int blood, agama, marital, pekerjaan, pendidikan, hubungan, card_valid;
    char kec[8];
} siak_row;

/* Validate one split line into row. colpos[c] = field index of column c, or -1. */
static kt_code siak_validate(char **f, int nf, const int *colpos, int ncols_header,
                             jkt_date today, long line, siak_row *row, kt_error *err)
{
    if (nf != ncols_header) {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", nf);
        snprintf(b, sizeof b, "%d", ncols_header);
        return line_fail(err, "column_count", line, nf < ncols_header ? nf + 1 : ncols_header + 1,
                         "Baris berisi %s kolom, header berisi %s", a, b);
    }
    for (int c = 0; c < C_COUNT; c++)
        row->v[c] = colpos[c] >= 0 ? f[colpos[c]] : "";
#define COL(c) (colpos[c] + 1)
    for (int c = 0; c < C_COUNT; c++)
        if (siak_required[c] && row->v[c][0] == '\0')
            return line_fail(err, "field_missing", line, COL(c), "Kolom '%s' wajib diisi",
                             siak_names[c]);
    nik_info info;
    if (nik_analyze(row->v[C_NIK], NULL, today, &info) != KT_OK)
        return line_fail(err, "nik_invalid", line, COL(C_NIK), "NIK %s tidak sah: %s",
                         row->v[C_NIK], info.errors.n > 0 ? info.errors.item[0].message : "");
    if (!all_digits(row->v[C_KK], 16, 16))
        return line_fail(err, "kk_number_invalid", line, COL(C_KK),
                         "Nomor KK harus 16 digit: '%s'", row->v[C_KK]);
    if (strlen(row->v[C_NAME]) > 120)
        return line_fail(err, "name_too_long", line, COL(C_NAME),
                         "Nama lebih dari 120 karakter");
    jkt_date bd;
    kt_error e2;
    if (jkt_date_parse(row->v[C_BIRTH_DATE], "birth_date", &bd, &e2) != KT_OK ||
        jkt_date_cmp(bd, today) > 0)
        return line_fail(err, "birth_date_invalid", line, COL(C_BIRTH_DATE),
                         "Tanggal lahir '%s' tidak sah (format YYYY-MM-DD, tidak di masa "
                         "depan)", row->v[C_BIRTH_DATE]);
    if (strcmp(row->v[C_SEX], "L") != 0 && strcmp(row->v[C_SEX], "P") != 0)
        return line_fail(err, "sex_invalid", line, COL(C_SEX),
                         "Jenis kelamin harus L atau P, bukan '%s'", row->v[C_SEX]);
    struct { int c; ref_list l; int dflt; int *out; } codes[] = {
        {C_BLOOD, REF_GOLONGAN_DARAH, 13, &row->blood},
        {C_AGAMA, REF_AGAMA, 0, &row->agama},
        {C_MARITAL, REF_STATUS_PERKAWINAN, 0, &row->marital},
        {C_PEKERJAAN, REF_PEKERJAAN, 1, &row->pekerjaan},
        {C_PENDIDIKAN, REF_PENDIDIKAN, 1, &row->pendidikan},
        {C_HUBUNGAN, REF_HUBUNGAN_KELUARGA, 11, &row->hubungan},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *v = row->v[codes[i].c];
        int id = v[0] == '\0' ? codes[i].dflt : small_int(v);
        if (!ref_valid(codes[i].l, id))
            return line_fail(err, "code_invalid", line, COL(codes[i].c),
                             "Kode '%s' tidak ada dalam daftar %s", v, ref_list_str(codes[i].l));
        *codes[i].out = id;
    }
    const char *nat = row->v[C_NATIONALITY];
    if (nat[0] == '\0')
        row->v[C_NATIONALITY] = nat = "WNI";
    if (strcmp(nat, "WNI") != 0 && strcmp(nat, "WNA") != 0)
        return line_fail(err, "nationality_invalid", line, COL(C_NATIONALITY),
                         "Kewarganegaraan harus WNI atau WNA, bukan '%s'", nat);
    if (row->v[C_ITAP][0] != '\0') {
        jkt_date itap;
        if (strcmp(nat, "WNA") != 0)
            return line_fail(err, "itap_for_wni", line, COL(C_ITAP),
                             "itap_until hanya untuk WNA");
        if (jkt_date_parse(row->v[C_ITAP], "itap_until", &itap, &e2) != KT_OK)
            return line_fail(err, "itap_until_invalid", line, COL(C_ITAP),
                             "Tanggal ITAP '%s' tidak sah (YYYY-MM-DD)", row->v[C_ITAP]);
    }
    if (row->v[C_RT][0] != '\0' && !all_digits(row->v[C_RT], 1, 3))
        return line_fail(err, "rt_invalid", line, COL(C_RT), "RT harus 1-3 digit: '%s'",
                         row->v[C_RT]);
    if (row->v[C_RW][0] != '\0' && !all_digits(row->v[C_RW], 1, 3))
        return line_fail(err, "rw_invalid", line, COL(C_RW), "RW harus 1-3 digit: '%s'",
                         row->v[C_RW]);
    const char *kel = row->v[C_KEL];
    if (kel[0] != '\0' && !all_digits(kel, 10, 10))
        return line_fail(err, "kelurahan_code_invalid", line, COL(C_KEL),
                         "Kode kelurahan harus 10 digit: '%s'", kel);
    const char *kec = row->v[C_KEC];
    if (kec[0] != '\0' && !all_digits(kec, 6, 6))
        return line_fail(err, "kecamatan_code_invalid", line, COL(C_KEC),
                         "Kode kecamatan harus 6 digit: '%s'", kec);
    if (kec[0] != '\0' && kel[0] != '\0' && strncmp(kec, kel, 6) != 0)
        return line_fail(err, "kecamatan_code_mismatch", line, COL(C_KEC),
                         "Kode kecamatan '%s' tidak sesuai dengan kode kelurahan '%s'", kec, kel);
    if (kec[0] == '\0' && kel[0] != '\0')
        snprintf(row->kec, sizeof row->kec, "%.6s", kel);
    else
        snprintf(row->kec, sizeof row->kec, "%s", kec);
    const char *ks = row->v[C_KTP_STATUS];
    ref_ktp_status kst;
    if (ks[0] == '\0')
        row->v[C_KTP_STATUS] = "UNREGISTERED";
    else if (!ref_ktp_status_from_str(ks, &kst))
        return line_fail(err, "ktp_status_invalid", line, COL(C_KTP_STATUS),
                         "Status rekam KTP-el '%s' tidak dikenal", ks);
    const char *cv = row->v[C_CARD_VALID];
    if (cv[0] == '\0' || strcmp(cv, "0") == 0)
        row->card_valid = 0;
    else if (strcmp(cv, "1") == 0)
        row->card_valid = 1;
    else
        return line_fail(err, "card_valid_invalid", line, COL(C_CARD_VALID),
                         "card_valid harus 0 atau 1, bukan '%s'", cv);
#undef COL
    return KT_OK;
}

static kt_code siak_write(store *db, const siak_row *r, char *last_kk, int64_t now,
                          int64_t *families, kt_error *err)
{
    store_stmt *st = NULL;
    kt_code rc;
    if (strcmp(last_kk, r->v[C_KK]) != 0) {
        rc = store_prepare(db,
                           "INSERT INTO families (kk_number, address, rt, rw, kelurahan_code,"
                           " kecamatan_code) VALUES (?, ?, ?, ?, ?, ?)"
                           " ON CONFLICT (kk_number) DO UPDATE SET address = excluded.address,"
                           " rt = excluded.rt, rw = excluded.rw,"
                           " kelurahan_code = excluded.kelurahan_code,"
                           " kecamatan_code = excluded.kecamatan_code",
                           &st, err);
        if (rc != KT_OK)
            return rc;
        store_bind_text_ref(st, 1, r->v[C_KK], 16);
        store_bind_text_ref(st, 2, r->v[C_ADDRESS], -1);
        store_bind_text_ref(st, 3, r->v[C_RT], -1);
        store_bind_text_ref(st, 4, r->v[C_RW], -1);
        store_bind_text_ref(st, 5, r->v[C_KEL], -1);
        store_bind_text_ref(st, 6, r->kec, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            return rc;
        memcpy(last_kk, r->v[C_KK], 17);
        (*families)++;
    }
    rc = store_prepare(db,
                       "INSERT INTO residents (nik, kk_number, name, birth_place, birth_date, sex,"
                       " blood_type, agama, marital_status, pekerjaan, pendidikan, nationality,"
                       " itap_until, address, rt, rw, kelurahan_code, kecamatan_code, hubungan,"
                       " ktp_status, card_valid, updated_at)"
                       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                       " ON CONFLICT (nik) DO UPDATE SET kk_number = excluded.kk_number,"
                       " name = excluded.name, birth_place = excluded.birth_place,"
                       " birth_date = excluded.birth_date, sex = excluded.sex,"
                       " blood_type = excluded.blood_type, agama = excluded.agama,"
                       " marital_status = excluded.marital_status,"
                       " pekerjaan = excluded.pekerjaan, pendidikan = excluded.pendidikan,"
                       " nationality = excluded.nationality, itap_until = excluded.itap_until,"
                       " address = excluded.address, rt = excluded.rt, rw = excluded.rw,"
                       " kelurahan_code = excluded.kelurahan_code,"
                       " kecamatan_code = excluded.kecamatan_code, hubungan = excluded.hubungan,"
                       " ktp_status = excluded.ktp_status, card_valid = excluded.card_valid,"
                       " updated_at = excluded.updated_at",
                       &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text_ref(st, 1, r->v[C_NIK], 16);
    store_bind_text_ref(st, 2, r->v[C_KK], 16);
    store_bind_text_ref(st, 3, r->v[C_NAME], -1);
    store_bind_text_ref(st, 4, r->v[C_BIRTH_PLACE], -1);
    store_bind_text_ref(st, 5, r->v[C_BIRTH_DATE], 10);
    store_bind_text_ref(st, 6, r->v[C_SEX], 1);
    store_bind_int(st, 7, r->blood);
    store_bind_int(st, 8, r->agama);
    store_bind_int(st, 9, r->marital);
    store_bind_int(st, 10, r->pekerjaan);
    store_bind_int(st, 11, r->pendidikan);
    store_bind_text_ref(st, 12, r->v[C_NATIONALITY], 3);
    if (r->v[C_ITAP][0] != '\0')
        store_bind_text_ref(st, 13, r->v[C_ITAP], 10);
    store_bind_text_ref(st, 14, r->v[C_ADDRESS], -1);
    store_bind_text_ref(st, 15, r->v[C_RT], -1);
    store_bind_text_ref(st, 16, r->v[C_RW], -1);
    store_bind_text_ref(st, 17, r->v[C_KEL], -1);
    store_bind_text_ref(st, 18, r->kec, -1);
    store_bind_int(st, 19, r->hubungan);
    store_bind_text_ref(st, 20, r->v[C_KTP_STATUS], -1);
    store_bind_int(st, 21, r->card_valid);
    store_bind_int(st, 22, now);
    return store_run(st, err);
}

static json_t *error_json(const kt_error *e)
{
    return json_pack("{s:s, s:s, s:s}", "code", e->id, "field", e->field, "message",
                     e->message);
}

/* ---- the SIAK pipeline: a reader thread parses and validates, this thread writes ------ */

#define BATCH_ROWS 2048
#define BATCH_BUF (512 * 1024) /* line copies of one batch; grown for a longer line */
#define BATCHES 4              /* in flight: bounds memory to a few MiB whatever the file */

typedef struct imp_batch {
    char *buf; /* owned: copies of the batch's lines; rows[].v point into it */
    size_t cap, used;
    int n;
    siak_row rows[BATCH_ROWS];
    long lineno[BATCH_ROWS];
    struct imp_batch *next;
} imp_batch;

typedef struct imp_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    imp_batch *free_list, *full_head, **full_tail;
    int reader_done; /* the reader finished (rc says how) */
    int abort;       /* the writer failed: the reader stops */
    /* reader's input and results (read by the writer only after the reader is done) */
    FILE *fp;
    const int *colpos;
    int ncols;
    int skip_invalid;
    jkt_date today;
    long lineno;
    int64_t skipped;
    json_t *errors; /* borrowed: the caller's array (only the reader appends) */
    nik_set seen;   /* owned: freed by the caller after join */
    kt_code rc;
    kt_error err;
} imp_pipe;

static imp_batch *batch_new(void)
{
    imp_batch *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    if ((b->buf = malloc(BATCH_BUF)) == NULL) {
        free(b);
        return NULL;
    }
    b->cap = BATCH_BUF;
    return b;
}

static void batch_free_list(imp_batch *b)
{
    while (b != NULL) {
        imp_batch *n = b->next;
        free(b->buf);
        free(b);
        b = n;
    }
}

/* Writer side: the next full batch, or NULL when the reader is done. */
static imp_batch *pipe_take(imp_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->full_head == NULL && !p->reader_done)
        pthread_cond_wait(&p->cv, &p->mu);
    imp_batch *b = p->full_head;
    if (b != NULL) {
        p->full_head = b->next;
        if (p->full_head == NULL)
            p->full_tail = &p->full_head;
        b->next = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    return b;
}

static void pipe_give_back(imp_pipe *p, imp_batch *b)
{
    pthread_mutex_lock(&p->mu);
    b->n = 0;
    b->used = 0;
    b->next = p->free_list;
    p->free_list = b;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Reader side: an empty batch (NULL when the writer aborted). */
static imp_batch *pipe_empty(imp_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->free_list == NULL && !p->abort)
        pthread_cond_wait(&p->cv, &p->mu);
    imp_batch *b = p->abort ? NULL : p->free_list;
    if (b != NULL)
        p->free_list = b->next;
    pthread_mutex_unlock(&p->mu);
    if (b != NULL)
        b->next = NULL;
    return b;
}

static void pipe_push(imp_pipe *p, imp_batch *b)
{
    pthread_mutex_lock(&p->mu);
    *p->full_tail = b;
    p->full_tail = &b->next;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* The reader thread: lines after the header, in file order; validation errors are reported
   here in file order exactly as a single-threaded import would (first bad line wins). */
static void *imp_reader(void *arg)
{
    imp_pipe *p = arg;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    imp_batch *b = NULL;
    kt_code rc = KT_OK;
    kt_error_clear(&p->err);
    while ((len = getline(&line, &linecap, p->fp)) >= 0) {
        p->lineno++;
        chomp(line, &len);
        if (len == 0)
            continue; /* blank lines (a trailing newline) are not data */
        if (b != NULL && (b->n == BATCH_ROWS || b->cap - b->used < (size_t)len + 1)) {
            pipe_push(p, b);
            b = NULL;
        }
        if (b == NULL && (b = pipe_empty(p)) == NULL)
            goto out; /* the writer failed; its error wins */
        if (b->cap - b->used < (size_t)len + 1) { /* one very long line: b is empty here */
            char *nb = realloc(b->buf, (size_t)len + 1);
            if (nb == NULL) {
                rc = svc_nomem(&p->err);
                goto out;
            }
            b->buf = nb;
            b->cap = (size_t)len + 1;
        }
        char *l = b->buf + b->used;
        memcpy(l, line, (size_t)len + 1);
        char *f[IMPORT_MAX_FIELDS];
        int bad = 0;
        kt_error le;
        siak_row *row = &b->rows[b->n];
        const char *why = NULL;
        int nf = csv_split(l, f, IMPORT_MAX_FIELDS, &bad, &why);
        if (nf < 0)
            rc = line_fail(&le, "csv_invalid", p->lineno, bad, "%s", why);
        else
            rc = siak_validate(f, nf, p->colpos, p->ncols, p->today, p->lineno, row, &le);
        if (rc == KT_OK) {
            uint64_t v = strtoull(row->v[C_NIK], NULL, 10);
            int added = nik_set_add(&p->seen, v);
            if (added < 0) {
                rc = svc_nomem(&p->err);
                goto out;
            }
            if (added == 0)
                rc = line_fail(&le, "nik_duplicate", p->lineno, p->colpos[C_NIK] + 1,
                               "NIK %s muncul lebih dari sekali dalam berkas", row->v[C_NIK]);
        }
        if (rc != KT_OK) {
            if (!p->skip_invalid) {
                p->err = le;
                goto out;
            }
            p->skipped++;
            if (json_array_size(p->errors) < IMPORT_MAX_ERRORS)
                json_array_append_new(p->errors, error_json(&le));
            rc = KT_OK;
            continue;
        }
        b->lineno[b->n++] = p->lineno;
        b->used += (size_t)len + 1;
    }
    if (ferror(p->fp))
        rc = kt_fail(&p->err, KT_EIO, "file_read", "file", "Gagal membaca berkas");
out:
    free(line);
    pthread_mutex_lock(&p->mu);
    if (b != NULL) {
        if (rc == KT_OK && b->n > 0) { /* the last batch */
            *p->full_tail = b;
            p->full_tail = &b->next;
        } else {
            b->next = p->free_list;
            p->free_list = b;
        }
    }
    p->rc = rc;
    p->reader_done = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

kt_code svc_import_siak(svc *s, const svc_actor *who, const char *path, int skip_invalid,
                        json_t **out, kt_error *err)
{
    kt_code rc;
    FILE *fp = NULL;
    char *line = NULL;
    size_t linecap = 0;
    store *db = NULL;
    json_t *errors = NULL, *pending = NULL;
    int colpos[C_COUNT], ncols = 0;
    int64_t imported = 0, families = 0;
    char last_kk[17] = "";
    int64_t now = svc_now(s);
    int fk_off = 0, reader = 0;
    pthread_t reader_th;
    imp_pipe p;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.full_tail = &p.full_head;
    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        goto out;
    if ((fp = fopen(path, "r")) == NULL) {
        rc = kt_fail(err, KT_ENOTFOUND, "file_not_found", "file",
                     "Berkas %s tidak dapat dibuka", path);
        goto out;
    }
    errors = json_array();
    pending = json_array();
    if (errors == NULL || pending == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    /* Header. */
    ssize_t len = getline(&line, &linecap, fp);
    if (len <= 0) {
        rc = kt_fail(err, KT_EINVAL, "header_missing", "line 1", "Berkas kosong: baris header "
                     "wajib ada (lihat docs/siak-csv.md)");
        goto out;
    }
    chomp(line, &len);
    char *hl = csv_skip_bom(line); /* spreadsheet exports start with a byte order mark */
    {
        char *f[IMPORT_MAX_FIELDS];
        int bad = 0;
        int nf = csv_split(hl, f, IMPORT_MAX_FIELDS, &bad, NULL);
        if (nf < 0 || nf > IMPORT_MAX_FIELDS) {
            rc = line_fail(err, "header_invalid", 1, bad > 0 ? bad : IMPORT_MAX_FIELDS,
                           "Header tidak sah");
            goto out;
        }
        for (int c = 0; c < C_COUNT; c++)
            colpos[c] = -1;
        for (int i = 0; i < nf; i++) {
            int c;
            for (c = 0; c < C_COUNT; c++)
                if (strcmp(f[i], siak_names[c]) == 0)
                    break;
            if (c == C_COUNT) {
                rc = line_fail(err, "column_unknown", 1, i + 1,
                               "Kolom '%s' tidak dikenal (lihat docs/siak-csv.md)", f[i]);
                goto out;
            }
            if (colpos[c] >= 0) {
                rc = line_fail(err, "column_duplicate", 1, i + 1, "Kolom '%s' ganda", f[i]);
                goto out;
            }
            colpos[c] = i;
        }
        for (int c = 0; c < C_COUNT; c++)
            if (siak_required[c] && colpos[c] < 0) {
                rc = line_fail(err, "column_missing", 1, nf + 1,
                               "Kolom wajib '%s' tidak ada di header", siak_names[c]);
                goto out;
            }
        ncols = nf;
    }
    for (int i = 0; i < BATCHES; i++) {
        imp_batch *b = batch_new();
        if (b == NULL) {
            rc = svc_nomem(err);
            goto out;
        }
        b->next = p.free_list;
        p.free_list = b;
    }
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    /* 512 MiB page cache for the load: a million residents fit, so no dirty page spills into
       the WAL before commit (measured: 60k -> see docs/benchmarks.md). Freed at the end.
       Foreign keys off for the load (a PRAGMA outside the transaction): the only one on
       residents is kk_number -> families, and every resident's family is upserted by this
       import just before it (last_kk), so the per-row check could never fail. */
    if ((rc = store_exec(db, "PRAGMA cache_size=-524288; PRAGMA foreign_keys=OFF", err)) !=
        KT_OK)
        goto out;
    fk_off = 1;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    /* The KK index is rebuilt once at the end (a sort) instead of updated per row; both
       happen inside the transaction, so a failed import leaves the index as it was. */
    if ((rc = store_exec(db, "DROP INDEX IF EXISTS residents_kk", err)) != KT_OK)
        goto out;
    /* Parsing and validation (about a third of the work) run on a reader thread, overlapped
       with the SQLite writes on this one; batches keep the order of the file. */
    p.fp = fp;
    p.colpos = colpos;
    p.ncols = ncols;
    p.skip_invalid = skip_invalid;
    p.today = svc_today(s);
    p.lineno = 1;
    p.errors = errors;
    if (pthread_create(&reader_th, NULL, imp_reader, &p) != 0) {
        rc = kt_fail(err, KT_EINTERNAL, "thread", "", "Thread pembaca tidak dapat dibuat");
        goto out;
    }
    reader = 1;
    imp_batch *b;
    while ((b = pipe_take(&p)) != NULL) {
        for (int i = 0; i < b->n; i++) {
            if ((rc = siak_write(db, &b->rows[i], last_kk, now, &families, err)) != KT_OK) {
                if (err != NULL)
                    snprintf(err->field, sizeof err->field, "line %ld", b->lineno[i]);
                pipe_give_back(&p, b);
                goto out;
            }
        }
        imported += b->n;
        pipe_give_back(&p, b);
    }
    pthread_join(reader_th, NULL);
    reader = 0;
    if (p.rc != KT_OK) {
        rc = p.rc;
        if (err != NULL)
            *err = p.err;
        if (strcmp(p.err.id, "file_read") == 0)
            rc = kt_fail(err, KT_EIO, "file_read", "file", "Gagal membaca %s", path);
        goto out;
    }
    if ((rc = store_exec(db, "CREATE INDEX residents_kk ON residents (kk_number)", err)) != KT_OK)
        goto out;
    {
        char note[96];
        snprintf(note, sizeof note, "%s: %lld imported, %lld skipped", path,
                 (long long)imported, (long long)p.skipped);
        if ((rc = svc_event_add(s, db, pending, "siak_imported", who, 0, 0, "", "",
                                "import_siak", "", note, NULL, err)) != KT_OK)
            goto out;
    }
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    *out = json_pack("{s:I, s:I, s:I, s:I, s:O, s:f}", "imported", (json_int_t)imported,
                     "skipped", (json_int_t)p.skipped, "lines", (json_int_t)p.lineno,
                     "families_written", (json_int_t)families, "errors", errors, "seconds", secs);
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    svc_emit(s, pending);
out:
    if (reader) { /* the writer failed while the reader runs: stop it, wait for it */
        pthread_mutex_lock(&p.mu);
        p.abort = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(reader_th, NULL);
    }
    if (db != NULL) {
        store_rollback(db); /* nothing when committed; PRAGMAs need no open transaction */
        if (fk_off)
            store_exec(db, "PRAGMA foreign_keys=ON", NULL);
        store_exec(db, "PRAGMA cache_size=-16384", NULL);
    }
    svc_conn_put(s, db);
    batch_free_list(p.free_list);
    batch_free_list(p.full_head);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    free(p.seen.slot);
    free(line);
    if (fp != NULL)
        fclose(fp);
    json_decref(errors);
    json_decref(pending);
    return rc;
}

typedef struct orphan {
    char code[WIL_DIGITS_LEN];
    int level;
    long line;
} orphan;

/* Is the parent of a region (digits, level 2..4) known: compiled in (the 38 provinces, Kota
   Tangerang, Neglasari: core/wilayah.h) or in the wilayah table, inside the import's
   transaction so that rows of this file count? Provinces have none. */
static kt_code parent_known(store *db, const char *digits, int level, int *known,
                            kt_error *err)
{
    store_stmt *st = NULL;
    int row = 0;
    char parent[WIL_DIGITS_LEN];
    *known = 1;
    if (level <= 1)
        return KT_OK;
    snprintf(parent, sizeof parent, "%.*s", level == 2 ? 2 : level == 3 ? 4 : 6, digits);
    if (wil_lookup(wil_builtin(), parent) != NULL)
        return KT_OK;
    kt_code rc = store_prepare(db, "SELECT 1 FROM wilayah WHERE code = ?", &st, err);
    if (rc != KT_OK)
        return rc;
    store_bind_text(st, 1, parent, -1);
    rc = store_step(st, &row, err);
    store_reset(st);
    *known = row;
    return rc;
}

kt_code svc_import_wilayah(svc *s, const svc_actor *who, const char *path, json_t **out,
                           kt_error *err)
{
    kt_code rc;
    FILE *fp = NULL;
    char *line = NULL;
    size_t cap = 0;
    store *db = NULL;
    long lineno = 0;
    int64_t n = 0, by_level[5] = {0};
    json_t *pending = NULL;
    orphan *orphans = NULL; /* regions whose parent was not seen yet, with their line */
    size_t norphans = 0, caporphans = 0;

    *out = NULL;
    if ((rc = svc_require_admin(who, err)) != KT_OK)
        return rc;
    if ((fp = fopen(path, "r")) == NULL)
        return kt_fail(err, KT_ENOTFOUND, "file_not_found", "file",
                       "Berkas %s tidak dapat dibuka", path);
    if ((pending = json_array()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    ssize_t len = getline(&line, &cap, fp);
    lineno = 1;
    if (len <= 0) {
        rc = kt_fail(err, KT_EINVAL, "header_missing", "line 1", "Berkas kosong");
        goto out;
    }
    chomp(line, &len);
    if (strcmp(csv_skip_bom(line), "code,name,level,level_name,type") != 0) {
        rc = kt_fail(err, KT_EINVAL, "header_invalid", "line 1, column 1",
                     "Header harus 'code,name,level,level_name,type'");
        goto out;
    }
    if ((rc = svc_conn_get(s, &db, err)) != KT_OK)
        goto out;
    if ((rc = svc_begin_write(s, db, err)) != KT_OK)
        goto out;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        chomp(line, &len);
        if (len == 0)
            continue;
        wil_entry e;
        int column = 0;
        if ((rc = wil_parse_csv_line(line, &e, &column, err)) != KT_OK) {
            if (err != NULL)
                snprintf(err->field, sizeof err->field, "line %ld, column %d", lineno, column);
            goto out;
        }
        char digits[WIL_DIGITS_LEN];
        wil_code_digits(e.code, digits);
        store_stmt *st = NULL;
        if ((rc = store_prepare(db,
                                "INSERT INTO wilayah (code, name, level, type) VALUES (?, ?, ?, ?)"
                                " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                                " level = excluded.level, type = excluded.type",
                                &st, err)) != KT_OK)
            goto out;
        store_bind_text(st, 1, digits, -1);
        store_bind_text(st, 2, e.name, -1);
        store_bind_int(st, 3, e.level);
        store_bind_text(st, 4, e.type, -1);
        if ((rc = store_run(st, err)) != KT_OK)
            goto out;
        n++;
        if (e.level >= 1 && e.level <= 4)
            by_level[e.level]++;
        /* Every region below a province needs its parent, in the file (before or after it)
           or already in the database: a kecamatan whose kab/kota is missing names nothing
           (issue 10: orphans were imported with exit 0). Checked now, and once more at the end
           for the parents that come later in the file. */
        int has_parent = 0;
        if ((rc = parent_known(db, digits, e.level, &has_parent, err)) != KT_OK)
            goto out;
        if (!has_parent) {
            if (norphans == caporphans) {
                size_t nc = caporphans ? caporphans * 2 : 16;
                orphan *no = realloc(orphans, nc * sizeof *no);
                if (no == NULL) {
                    rc = svc_nomem(err);
                    goto out;
                }
                orphans = no;
                caporphans = nc;
            }
            snprintf(orphans[norphans].code, sizeof orphans[norphans].code, "%s", digits);
            orphans[norphans].level = e.level;
            orphans[norphans].line = lineno;
            norphans++;
        }
    }
    for (size_t i = 0; i < norphans; i++) {
        int has_parent = 0;
        if ((rc = parent_known(db, orphans[i].code, orphans[i].level, &has_parent, err)) !=
            KT_OK)
            goto out;
        if (!has_parent) {
            char field[48];
            snprintf(field, sizeof field, "line %ld, column 1", orphans[i].line);
            rc = kt_fail(err, KT_EINVAL, "wilayah_orphan", field,
                         "Wilayah %s (%s) tidak punya induk: kode %.*s tidak ada di berkas "
                         "maupun di basis data",
                         orphans[i].code, wil_level_name(orphans[i].level),
                         orphans[i].level == 2 ? 2 : orphans[i].level == 3 ? 4 : 6,
                         orphans[i].code);
            goto out;
        }
    }
    if ((rc = svc_event_add(s, db, pending, "wilayah_imported", who, 0, 0, "", "",
                            "import_wilayah", "", path, NULL, err)) != KT_OK)
        goto out;
    if ((rc = svc_commit(s, db, err)) != KT_OK)
        goto out;
    svc_regions_invalidate(s);
    *out = json_pack("{s:I, s:I, s:I, s:I, s:I}", "imported", (json_int_t)n, "provinsi",
                     (json_int_t)by_level[1], "kabkota", (json_int_t)by_level[2], "kecamatan",
                     (json_int_t)by_level[3], "desakel", (json_int_t)by_level[4]);
    if (*out == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    svc_emit(s, pending);
out:
    svc_conn_put(s, db);
    free(orphans);
    free(line);
    if (fp != NULL)
        fclose(fp);
    json_decref(pending);
    return rc;
}
