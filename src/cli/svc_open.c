/*
 * svc_open.c - what the data commands share: opening the service from --db the same way
 * everywhere (default var/ktpel.db, parent folder created) and printing a JSON result.
 */
#include "cli/cli.h"
#include "seal/seal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p of the folder holding path. */
static int make_parent(const char *path)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    char *slash = strrchr(buf, '/');
    if (slash == NULL || slash == buf)
        return 0;
    *slash = '\0';
    for (char *p = buf + 1; *p != '\0'; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

int cli_data_dir(const char *db, const char *data_opt, char *buf, size_t cap)
{
    int n;
    const char *slash = strrchr(db, '/');
    if (data_opt != NULL)
        n = snprintf(buf, cap, "%s", data_opt);
    else if (strstr(db, "://") != NULL)
        n = snprintf(buf, cap, "%s", CLI_DEFAULT_DATA);
    else if (slash != NULL)
        n = snprintf(buf, cap, "%.*s/data", (int)(slash - db), db);
    else
        n = snprintf(buf, cap, "data");
    if (n < 0 || (size_t)n >= cap)
        return cli_usage("--data: path terlalu panjang");
    return 0;
}

int cli_load_ring(int argc, char **argv, const char *db, char *data, size_t cap,
                  seal_ring **ring)
{
    int bad = 0;
    const char *data_opt = cli_opt(argc, argv, "data", NULL, &bad);
    const char *key = cli_opt(argc, argv, "key", NULL, &bad);
    char def_key[4200];
    kt_error err;
    *ring = NULL;
    if (bad)
        return cli_usage("--data perlu nilai DIR, --key perlu nilai PATH");
    if (cli_data_dir(db, data_opt, data, cap) != 0)
        return 2;
    if (key == NULL) {
        if (seal_default_key_path(data, def_key, sizeof def_key) != 0)
            return cli_usage("--data: path terlalu panjang");
        key = def_key;
    }
    kt_error_clear(&err);
    if (seal_ring_load(key, ring, &err) != KT_OK)
        return cli_report(&err);
    return 0;
}

int cli_open_svc(int argc, char **argv, svc **out)
{
    int bad = 0;
    const char *db = cli_opt(argc, argv, "db", CLI_DEFAULT_DB, &bad);
    const char *data_opt = cli_opt(argc, argv, "data", NULL, &bad);
    const char *key = cli_opt(argc, argv, "key", NULL, &bad);
    char data[4096];
    if (bad)
        return cli_usage("--db perlu nilai PATH, --data perlu nilai DIR, --key perlu nilai PATH");
    if (cli_data_dir(db, data_opt, data, sizeof data) != 0)
        return 2;
    /* A file path gets its folder; a server location (postgres://...) has none to make. */
    if (strstr(db, "://") == NULL && make_parent(db) != 0) {
        fprintf(stderr, "ktpel: db: folder untuk %s tidak dapat dibuat: %s\n", db,
                strerror(errno));
        return 1;
    }
    svc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.data_dir = data;
    cfg.key_path = key;
    cfg.afis_lazy = 1; /* a data command loads the fingerprint gallery only if it records */
    kt_error err;
    kt_error_clear(&err);
    if (svc_open(&cfg, out, &err) != KT_OK)
        return cli_report(&err);
    return 0;
}

int cli_print_json(const json_t *j)
{
    if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
        return 1;
    fputc('\n', stdout);
    return 0;
}


int cli_begin(int argc, char **argv, cli_session *cs)
{
    memset(cs, 0, sizeof *cs);
    cs->who = svc_system_actor();
    kt_error_clear(&cs->err);
    return cli_open_svc(argc, argv, &cs->svc);
}

int cli_end(cli_session *cs, kt_code code)
{
    int rc = 0;
    if (cs->out != NULL && cli_print_json(cs->out) != 0)
        rc = 1;
    if (code != KT_OK) {
        if (cs->out == NULL)
            cli_report(&cs->err);
        rc = 1;
    }
    json_decref(cs->out);
    cs->out = NULL;
    svc_close(cs->svc);
    cs->svc = NULL;
    return rc;
}

kt_code cli_write_file(const char *path, const void *data, size_t len, kt_error *err)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return kt_fail(err, KT_EINVAL, "path_too_long", "out", "path terlalu panjang");
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return kt_fail(err, KT_EIO, "write_failed", path, "berkas tidak dapat dibuat: %s",
                       strerror(errno));
    int bad = fwrite(data, 1, len, f) != len;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return kt_fail(err, KT_EIO, "write_failed", path, "berkas gagal ditulis: %s",
                       strerror(e));
    }
    return KT_OK;
}
