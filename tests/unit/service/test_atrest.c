/*
 * test_atrest.c - biometrics at rest through the real service (service/atrest.c, src/seal):
 * sealed files and their modes, tampering and moved files refused (also by KONSOLIDASI), an
 * older database (plain files and templates, paths relative to the working directory, the
 * client's content types) sealed and fixed at open, a database opened through an absolute
 * path from another working directory, a wrong or missing key refused, and a key rotation
 * killed (SIGKILL) at many points that leaves everything readable and resumes.
 */
#include "unit/service/svc_test.h"
#include "service/svc_internal.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "bio/synth.h"
#include "seal/seal.h"

#define NIK_A "3671101203900001" /* 1990: blue backdrop */
#define NIK_B "3671101404910002" /* 1991: red */
#define NIK_C "3671104506920003"

static const char *rows =
    NIK_A ",3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,4,1,1,15,5,WNI,,JL. A NO. 1,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_B ",3671100101090002,BUDI SANTOSO,TANGERANG,1991-04-14,L,4,1,1,15,5,WNI,,JL. B NO. 2,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n"
    NIK_C ",3671100101090003,CITRA DEWI,TANGERANG,1992-06-05,P,13,1,1,2,5,WNI,,JL. C NO. 3,"
    "2,5,3671101001,367110,1,UNREGISTERED,0\n";

static int setup(void **st)
{
    (void)st;
    t_now = T_BASE;
    return t_setup_dir();
}

static int teardown(void **st)
{
    (void)st;
    return t_rm_dir();
}

/* The data folder the service uses (SQLite: beside the database). */
static void data_dir(char *buf, size_t cap)
{
    if (t_data[0] != '\0')
        snprintf(buf, cap, "%s", t_data);
    else
        snprintf(buf, cap, "%s/data", t_dir);
}

/* An application of nik in state checked. */
static int64_t checked(svc *s, const char *nik)
{
    int64_t id = t_take_call_open(s, nik, NULL);
    t_check_docs(s, id, 4, KT_OK);
    return id;
}

static void put(svc *s, int64_t id, const char *slot, const void *data, size_t len, kt_code want,
                const char *err_id)
{
    svc_actor op = t_actor("operator", 2, 0);
    json_t *out = NULL;
    kt_error err;
    kt_code rc = svc_app_bio_put(s, &op, id, slot, data, len, "image/png", &out, &err);
    if (rc != want)
        fprintf(stderr, "put %s: %s %s\n", slot, err.id, err.message);
    assert_int_equal(rc, want);
    if (err_id != NULL)
        assert_string_equal(err.id, err_id);
    json_decref(out);
}

static void put_face(svc *s, int64_t id, const char *nik)
{
    size_t n = 0;
    unsigned char *face = t_face_for_nik(nik, &n);
    assert_non_null(face);
    put(s, id, "face", face, n, KT_OK, NULL);
    free(face);
}

static void put_sig(svc *s, int64_t id)
{
    size_t n = 0;
    unsigned char *sig = t_png_gray(400, 150, &n);
    assert_non_null(sig);
    put(s, id, "signature", sig, n, KT_OK, NULL);
    free(sig);
}

/* Impression `impression` of synthetic master `master` as a PGM (owned by caller). */
static unsigned char *finger_pgm(uint32_t master, uint32_t impression, size_t *len)
{
    bio_synth_master *m = NULL;
    bio_msg msg;
    assert_int_equal(bio_synth_master_new(master, 0, 1, &m, &msg), BIO_OK);
    unsigned char *buf = t_finger_pgm(m, impression, len);
    bio_synth_master_free(m);
    return buf;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *b = malloc(1 << 22);
    assert_non_null(b);
    *len = fread(b, 1, 1 << 22, f);
    fclose(f);
    return b;
}

static int contains(const unsigned char *b, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(b + i, needle, k) == 0)
            return 1;
    return 0;
}

static unsigned mode_of(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (unsigned)(sb.st_mode & 0777);
}

/* The slot's download: exactly want (len bytes), with the content type ct. */
static void expect_stored(svc *s, int64_t id, const char *slot, const void *want, size_t len,
                          const char *ct)
{
    svc_actor op = t_actor("operator", 2, 0);
    void *data = NULL;
    size_t got = 0;
    char type[64];
    kt_error err;
    t_expect(svc_app_bio_get(s, &op, id, slot, &data, &got, type, &err), KT_OK, &err);
    assert_int_equal(got, len);
    assert_memory_equal(data, want, len);
    assert_string_equal(type, ct);
    free(data);
}

static kt_code get(svc *s, int64_t id, const char *slot, kt_error *err)
{
    svc_actor sup = t_actor("supervisor", 4, 0);
    void *data = NULL;
    size_t len = 0;
    char ct[64];
    kt_code rc = svc_app_bio_get(s, &sup, id, slot, &data, &len, ct, err);
    free(data);
    return rc;
}

/* The read_biometric rows of the access log for nik by username (and slot, when given). */
static int bio_reads(svc *s, const char *nik, const char *username, const char *slot)
{
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *q = json_pack("{s:s}", "nik", nik), *out = NULL, *r;
    kt_error err;
    size_t i;
    int n = 0;
    t_expect(svc_audit_reads(s, &sup, q, &out, &err), KT_OK, &err);
    json_array_foreach(json_object_get(out, "reads"), i, r) {
        if (strcmp(svc_jstr(r, "action"), "read_biometric") == 0 &&
            strcmp(svc_jstr(r, "username"), username) == 0 &&
            (slot == NULL || strcmp(svc_jstr(r, "detail"), slot) == 0)) {
            assert_string_equal(svc_jstr(r, "nik"), nik);
            assert_true(json_integer_value(json_object_get(r, "application_id")) > 0);
            n++;
        }
    }
    json_decref(out);
    json_decref(q);
    return n;
}

/* Files sealed (no PNG signature on disk), modes 0600/0700, the type the server decoded, and
   a flipped byte or a file moved to another application refused, also by KONSOLIDASI. */
static void test_sealed_files(void **st)
{
    (void)st;
    svc *s = t_open_with(rows, NULL);
    int64_t a = checked(s, NIK_A), b = checked(s, NIK_B);
    size_t flen = 0;
    unsigned char *face = t_face_for_nik(NIK_A, &flen);
    put(s, a, "face", face, flen, KT_OK, NULL);
    put_sig(s, a);
    put_face(s, b, NIK_B);
    char dd[128], path[300], pb[300];
    data_dir(dd, sizeof dd);
    snprintf(path, sizeof path, "%s/apps/%lld/face", dd, (long long)a);
    size_t n = 0;
    unsigned char *disk = read_file(path, &n);
    assert_int_equal(n, flen + SEAL_OVERHEAD);
    assert_false(contains(disk, n, "\x89PNG", 4));
    assert_false(contains(disk, n, "IHDR", 4));
    assert_memory_equal(disk, "KTS1", 4);
    /* Modes: every file ktpel wrote 0600, folders 0700. */
    assert_int_equal(mode_of(path), 0600);
    snprintf(pb, sizeof pb, "%s/apps/%lld", dd, (long long)a);
    assert_int_equal(mode_of(pb), 0700);
    snprintf(pb, sizeof pb, "%s/apps", dd);
    assert_int_equal(mode_of(pb), 0700);
    snprintf(pb, sizeof pb, "%s/ktpel.key", t_dir);
    assert_int_equal(mode_of(pb), 0600);
    if (!t_on_pg()) {
        assert_int_equal(mode_of(t_db), 0600);
        snprintf(pb, sizeof pb, "%s-wal", t_db);
        assert_int_equal(mode_of(pb), 0600);
        snprintf(pb, sizeof pb, "%s-shm", t_db);
        assert_int_equal(mode_of(pb), 0600);
    }
    /* Read back: the bytes as uploaded, the type the server decoded. */
    expect_stored(s, a, "face", face, flen, "image/png");
    /* One byte flipped in the sealed file: refused, never served. */
    kt_error err;
    disk[n / 2] ^= 0x01;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(disk, 1, n, f), n);
    fclose(f);
    assert_int_equal(get(s, a, "face", &err), KT_EIO);
    assert_string_equal(err.id, "bio_tampered");
    /* B's face copied over A's signature: it does not open there (the context binds it). */
    char bface[300], asig[300];
    snprintf(bface, sizeof bface, "%s/apps/%lld/face", dd, (long long)b);
    snprintf(asig, sizeof asig, "%s/apps/%lld/signature", dd, (long long)a);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", bface, asig);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(get(s, a, "signature", &err), KT_EIO);
    assert_string_equal(err.id, "bio_tampered");
    t_expect(get(s, b, "face", &err), KT_OK, &err);
    /* Each download released is in the access log (who, whose NIK, the slot); the refused
       ones are not: A's face read once (the operator), B's once (the supervisor). */
    assert_int_equal(bio_reads(s, NIK_A, "operator2", "face"), 1);
    assert_int_equal(bio_reads(s, NIK_A, "supervisor4", NULL), 0);
    assert_int_equal(bio_reads(s, NIK_B, "supervisor4", "face"), 1);
    free(disk);
    free(face);
    svc_close(s);
}

/* KONSOLIDASI reports a sealed file that does not open as file_tampered. */
static void test_konsolidasi_tampered(void **st)
{
    (void)st;
    svc *s = t_open_with(rows, NULL);
    int64_t a = checked(s, NIK_A);
    t_record_to_printed(s, a);
    char dd[128], path[300];
    data_dir(dd, sizeof dd);
    snprintf(path, sizeof path, "%s/apps/%lld/signature", dd, (long long)a);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "X", 1, 60), 1);
    close(fd);
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_konsolidasi(s, &sup, &out, &err), KT_OK, &err);
    char *txt = json_dumps(out, JSON_COMPACT);
    assert_non_null(strstr(txt, "file_tampered"));
    assert_null(strstr(txt, "file_missing"));
    free(txt);
    json_decref(out);
    svc_close(s);
}

/* The database opened through another path from another working directory: the stored paths
   are relative to the data folder, so downloads and KONSOLIDASI find the files (issue 9 item
   8: on main every download was a 500 and KONSOLIDASI reported every file missing). */
static void test_any_working_directory(void **st)
{
    (void)st;
    if (t_on_pg()) {
        fprintf(stderr, "SKIP: a SQLite file path case\n");
        return;
    }
    char cwd[4096], abs_db[200];
    assert_non_null(getcwd(cwd, sizeof cwd));
    /* Made from inside t_dir with a relative --db, as `make run` does with var/ktpel.db. */
    assert_int_equal(chdir(t_dir), 0);
    snprintf(t_db, sizeof t_db, "rel.db");
    svc *s = t_open_with(rows, NULL);
    int64_t a = checked(s, NIK_A);
    t_record_to_printed(s, a);
    svc_close(s);
    /* Served with an absolute path from elsewhere. */
    assert_int_equal(chdir("/"), 0);
    snprintf(abs_db, sizeof abs_db, "%s/rel.db", t_dir);
    memcpy(t_db, abs_db, sizeof abs_db);
    s = t_open();
    kt_error err;
    t_expect(get(s, a, "face", &err), KT_OK, &err);
    t_expect(get(s, a, "signature", &err), KT_OK, &err);
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    t_expect(svc_konsolidasi(s, &sup, &out, &err), KT_OK, &err);
    char *txt = json_dumps(out, JSON_COMPACT);
    assert_null(strstr(txt, "file_missing"));
    free(txt);
    json_decref(out);
    svc_close(s);
    assert_int_equal(chdir(cwd), 0);
}

static void exec_sql(svc *s, const char *sql)
{
    store *db = NULL;
    kt_error err;
    t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
    t_expect(store_exec(db, sql, &err), KT_OK, &err);
    svc_conn_put(s, db);
}

/* An older database: what main wrote before migration 007 (plain files, plain templates,
   paths under the working directory, the client's content types). Opening it seals every file
   and row, fixes the paths and the types, and changes nothing that was there. */
static void test_older_database_sealed(void **st)
{
    (void)st;
    svc *s = t_open_with(rows, NULL);
    int64_t a = checked(s, NIK_A);
    size_t flen = 0, glen = 0;
    unsigned char *face = t_face_for_nik(NIK_A, &flen), *pgm = finger_pgm(3, 0, &glen);
    put(s, a, "face", face, flen, KT_OK, NULL);
    put(s, a, "finger_1", pgm, glen, KT_OK, NULL);
    /* Undo what this branch does, to get the database main would have left. */
    char dd[128], path[300], sql[900], cmd[700];
    data_dir(dd, sizeof dd);
    uint8_t *iso = NULL;
    size_t isolen = 0;
    {
        store *db = NULL;
        store_stmt *q = NULL;
        int row = 0;
        kt_error err;
        t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
        t_expect(store_prepare(db, "SELECT template FROM afis_probes WHERE application_id = ?",
                               &q, &err), KT_OK, &err);
        store_bind_int(q, 1, a);
        t_expect(store_step(q, &row, &err), KT_OK, &err);
        assert_true(row);
        t_expect(svc_tpl_open(s, a, "finger_1", store_col_text(q, 0), &iso, &isolen, &err),
                 KT_OK, &err);
        store_reset(q);
        svc_conn_put(s, db);
    }
    char *hex = malloc(2 * isolen + 1);
    assert_non_null(hex);
    for (size_t i = 0; i < isolen; i++)
        snprintf(hex + 2 * i, 3, "%02x", iso[i]);
    exec_sql(s, "UPDATE biometrics SET content_type = 'text/html'");
    {
        store *db = NULL;
        store_stmt *q = NULL;
        kt_error err;
        t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
        t_expect(store_prepare(db, "UPDATE afis_probes SET template = ? WHERE application_id = ?",
                               &q, &err), KT_OK, &err);
        store_bind_text(q, 1, hex, -1);
        store_bind_int(q, 2, a);
        t_expect(store_run(q, &err), KT_OK, &err);
        svc_conn_put(s, db);
    }
    snprintf(sql, sizeof sql,
             "UPDATE biometrics SET path = '%s/apps/' || application_id || '/' || slot",
             dd);
    exec_sql(s, sql);
    exec_sql(s, "DROP TABLE seal_keys");
    exec_sql(s, "DROP TABLE seal_state");
    exec_sql(s, "DELETE FROM schema_version WHERE version = 7");
    svc_close(s);
    snprintf(path, sizeof path, "%s/apps/%lld/face", dd, (long long)a);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(face, 1, flen, f), flen);
    fclose(f);
    assert_int_equal(chmod(path, 0644), 0);
    snprintf(path, sizeof path, "%s/apps/%lld/finger_1", dd, (long long)a);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pgm, 1, glen, f), glen);
    fclose(f);
    snprintf(cmd, sizeof cmd, "rm -f '%s/ktpel.key' && chmod 0755 '%s' '%s/apps' '%s/apps/%lld'",
             t_dir, dd, dd, dd, (long long)a);
    assert_int_equal(system(cmd), 0);

    /* Open: 007 runs, a key is made, everything is sealed, the folders made private. */
    s = t_open();
    size_t n = 0;
    snprintf(path, sizeof path, "%s/apps/%lld/face", dd, (long long)a);
    unsigned char *disk = read_file(path, &n);
    assert_memory_equal(disk, "KTS1", 4);
    assert_false(contains(disk, n, "\x89PNG", 4));
    assert_int_equal(mode_of(path), 0600);
    free(disk);
    assert_int_equal(mode_of(dd), 0700);
    snprintf(path, sizeof path, "%s/apps/%lld", dd, (long long)a);
    assert_int_equal(mode_of(path), 0700);
    expect_stored(s, a, "face", face, flen, "image/png"); /* was the client's text/html */
    expect_stored(s, a, "finger_1", pgm, glen, "image/x-portable-anymap");
    kt_error err;
    {
        store *db = NULL;
        store_stmt *q = NULL;
        int row = 0;
        t_expect(svc_conn_get(s, &db, &err), KT_OK, &err);
        t_expect(store_prepare(db, "SELECT b.path, p.template FROM biometrics b JOIN afis_probes"
                               " p ON p.application_id = b.application_id AND p.slot = b.slot"
                               " WHERE b.application_id = ?", &q, &err), KT_OK, &err);
        store_bind_int(q, 1, a);
        t_expect(store_step(q, &row, &err), KT_OK, &err);
        assert_true(row);
        char want[64];
        snprintf(want, sizeof want, "apps/%lld/finger_1", (long long)a);
        assert_string_equal(store_col_text(q, 0), want);
        assert_true(strncmp(store_col_text(q, 1), "4b545331", 8) == 0);
        uint8_t *back = NULL;
        size_t blen = 0;
        t_expect(svc_tpl_open(s, a, "finger_1", store_col_text(q, 1), &back, &blen, &err),
                 KT_OK, &err);
        assert_int_equal(blen, isolen);
        assert_memory_equal(back, iso, isolen);
        free(back);
        store_reset(q);
        svc_conn_put(s, db);
    }
    svc_close(s);
    free(hex);
    free(iso);
    free(face);
    free(pgm);
}

/* The key file: a missing one is refused once something is sealed, a foreign one too, and a
   key file readable by others is refused. */
static void test_key_refusals(void **st)
{
    (void)st;
    svc *s = t_open_with(rows, NULL);
    int64_t a = checked(s, NIK_A);
    put_face(s, a, NIK_A);
    svc_close(s);
    char key[200], moved[220], cmd[500];
    snprintf(key, sizeof key, "%s/ktpel.key", t_dir);
    snprintf(moved, sizeof moved, "%s/ktpel.key.saved", t_dir);
    assert_int_equal(rename(key, moved), 0);
    svc_config cfg;
    t_config(&cfg);
    svc *x = NULL;
    kt_error err;
    assert_int_equal(svc_open(&cfg, &x, &err), KT_EREFUSED);
    assert_string_equal(err.id, "key_missing");
    assert_int_equal(access(key, F_OK), -1); /* no new key made over sealed data */
    /* Another office's key. */
    kt_error e2;
    t_expect(seal_key_create(key, &e2), KT_OK, &e2);
    assert_int_equal(svc_open(&cfg, &x, &err), KT_EREFUSED);
    assert_string_equal(err.id, "key_mismatch");
    /* The right key, readable by the group: refused until chmod 600. */
    assert_int_equal(rename(moved, key), 0);
    assert_int_equal(chmod(key, 0640), 0);
    assert_int_equal(svc_open(&cfg, &x, &err), KT_EREFUSED);
    assert_string_equal(err.id, "key_mode");
    assert_int_equal(chmod(key, 0600), 0);
    t_expect(svc_open(&cfg, &x, &err), KT_OK, &err);
    t_expect(get(x, a, "face", &err), KT_OK, &err);
    /* A rotation while another process (here another open) holds the key is refused. */
    svc *y = NULL;
    t_expect(svc_open(&cfg, &y, &err), KT_OK, &err);
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    assert_int_equal(svc_key_rotate(y, &sys, &out, &err), KT_ECONFLICT);
    assert_string_equal(err.id, "key_in_use");
    svc_close(y);
    /* Alone: it rotates; the old key is kept 0600 for older backups. */
    t_expect(svc_key_rotate(x, &sys, &out, &err), KT_OK, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "files")), 1);
    const char *retired = json_string_value(json_object_get(out, "retired_key_file"));
    assert_int_equal(mode_of(retired), 0600);
    assert_string_not_equal(json_string_value(json_object_get(out, "key_id")),
                            json_string_value(json_object_get(out, "retired_key_id")));
    json_decref(out);
    t_expect(get(x, a, "face", &err), KT_OK, &err);
    svc_close(x);
    snprintf(cmd, sizeof cmd, "test ! -e '%s.new'", key);
    assert_int_equal(system(cmd), 0);
    t_expect(svc_open(&cfg, &x, &err), KT_OK, &err);
    t_expect(get(x, a, "face", &err), KT_OK, &err);
    svc_close(x);
}

/* Everything stored opens: every file of every application and the whole AFIS gallery. */
static void all_readable(int64_t *ids, size_t n)
{
    svc_config cfg;
    t_config(&cfg); /* afis_lazy 0: the gallery is loaded, every template opened */
    svc *s = NULL;
    kt_error err;
    t_expect(svc_open(&cfg, &s, &err), KT_OK, &err);
    for (size_t i = 0; i < n; i++) {
        t_expect(get(s, ids[i], "face", &err), KT_OK, &err);
        t_expect(get(s, ids[i], "signature", &err), KT_OK, &err);
    }
    svc_actor sup = t_actor("supervisor", 4, 0);
    json_t *out = NULL;
    t_expect(svc_afis_stats(s, &sup, &out, &err), KT_OK, &err);
    assert_true(json_integer_value(json_object_get(out, "fingers")) >= 2);
    json_decref(out);
    svc_close(s);
}

/* `ktpel key rotate` killed with SIGKILL at many moments: after each kill everything opens,
   and the next run finishes the rotation. */
static void test_rotation_killed(void **st)
{
    (void)st;
    const char *bin = getenv("KTPEL_BIN");
    if (t_on_pg() || bin == NULL || access(bin, X_OK) != 0) {
        fprintf(stderr, "SKIP: needs the ktpel binary and a SQLite file\n");
        return;
    }
    enum { NAPPS = 24 };
    int64_t ids[NAPPS];
    char niks[NAPPS][17], siak[NAPPS * 160], *w = siak;
    /* One resident per application, born 1970..1993 (both backdrop colours). */
    for (int i = 0; i < NAPPS; i++) {
        snprintf(niks[i], sizeof niks[i], "3671100101%02d%04d", 70 + i, i + 1);
        w += sprintf(w, "%s,3671100101090001,WARGA %d,TANGERANG,19%02d-01-01,L,4,1,1,15,5,WNI,,"
                        "JL. UJI,2,5,3671101001,367110,1,UNREGISTERED,0\n",
                     niks[i], i + 1, 70 + i);
    }
    svc *s = t_open_with(siak, NULL);
    for (size_t i = 0; i < NAPPS; i++) {
        ids[i] = checked(s, niks[i]);
        put_face(s, ids[i], niks[i]);
        put_sig(s, ids[i]);
        if (i < 2) { /* two recorded applications with fingers: gallery templates */
            size_t glen = 0;
            for (int f = 1; f <= 2; f++) {
                unsigned char *pgm = finger_pgm(10 + (uint32_t)i, (uint32_t)f, &glen);
                char slot[16];
                snprintf(slot, sizeof slot, "finger_%d", f);
                put(s, ids[i], slot, pgm, glen, KT_OK, NULL);
                free(pgm);
            }
        }
        svc_actor op = t_actor("operator", 2, 0);
        json_t *req = json_pack("{s:s}", "reason", "uji"), *out = NULL;
        kt_error err;
        static const char *const rest[] = {"finger_1", "finger_2", "finger_3", "finger_4",
                                           "finger_5", "finger_6", "finger_7", "finger_8",
                                           "finger_9", "finger_10", "iris_left", "iris_right"};
        for (size_t k = i < 2 ? 2 : 0; k < 12; k++) {
            t_expect(svc_app_bio_exception(s, &op, ids[i], rest[k], req, &out, &err), KT_OK,
                     &err);
            json_decref(out);
        }
        json_decref(req);
        t_now += T_MIN;
        t_expect(svc_app_record(s, &op, ids[i], &out, &err), KT_OK, &err);
        json_decref(out);
    }
    svc_close(s);
    all_readable(ids, NAPPS);

    char key[200], db[300];
    snprintf(key, sizeof key, "%s/ktpel.key", t_dir);
    snprintf(db, sizeof db, "%s", t_db);
    char next[220];
    snprintf(next, sizeof next, "%s.new", key);
    int kills = 0, mid = 0, rounds = 0;
    /* Rotations, each killed after 1, 1.25, 1.6, ... ms until one finishes on its own: from
       start-up to the last rename. A machine fast enough to finish before any kill landed
       mid-way gets another rotation (each rotates to a new key), up to 5. */
    for (; rounds < 5 && mid == 0; rounds++) {
        int finished = 0;
        for (long delay_us = 1000; delay_us < 2000000 && !finished; delay_us = delay_us * 5 / 4) {
            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0) {
                int devnull = open("/dev/null", O_WRONLY);
                dup2(devnull, 1);
                execl(bin, bin, "key", "rotate", "--db", db, (char *)NULL);
                _exit(127);
            }
            struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000L};
            nanosleep(&ts, NULL);
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                kills++;
                mid += access(next, F_OK) == 0; /* killed with the rotation under way */
            } else {
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
                finished = 1;
            }
            all_readable(ids, NAPPS);
        }
        assert_true(finished);
    }
    fprintf(stderr, "note: %d rotation(s) killed %d times in all, %d of them mid-way\n", rounds,
            kills, mid);
    assert_true(mid >= 1);
    all_readable(ids, NAPPS);
    /* One key left, no rotation under way, and every blob under it. */
    char cmd[500];
    snprintf(cmd, sizeof cmd, "test ! -e '%s.new' && ls '%s'.retired-* >/dev/null", key, key);
    assert_int_equal(system(cmd), 0);
    seal_ring *ring = NULL;
    kt_error err;
    t_expect(seal_ring_load(key, &ring, &err), KT_OK, &err);
    assert_int_equal(seal_ring_count(ring), 1);
    char dd[128], path[300], kid[17];
    data_dir(dd, sizeof dd);
    for (size_t i = 0; i < NAPPS; i++) {
        size_t n = 0;
        snprintf(path, sizeof path, "%s/apps/%lld/face", dd, (long long)ids[i]);
        unsigned char *b = read_file(path, &n);
        assert_true(seal_blob_key_id(b, n, kid));
        assert_string_equal(kid, seal_ring_current_id(ring));
        free(b);
    }
    seal_ring_free(ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sealed_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_konsolidasi_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_any_working_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_database_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_killed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
