/*
 * cmd_serve.c - `ktpel serve`: open the service and run the HTTP server (src/http) until
 * SIGINT or SIGTERM, then stop gracefully (event streams ended, requests in flight
 * finished, database closed).
 *
 * Signals are blocked in every thread before the server starts its pool, and main waits
 * for them with sigwait(): no async-signal-unsafe work in a handler.
 * Never: serve without a database, or keep running after a failed start.
 */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "service/service.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: ktpel serve [--listen ADDR:PORT] [--db PATH] [--web DIR] [--data DIR]\n"
               "                   [--lokets N|LAYOUT] [--backup-dir DIR]\n"
               "                   [--backup-every MIN] [--backup-keep N] [--afis-fpir RATE]\n"
               "                   [--quiet]\n"
               "  --listen   address and port (default 127.0.0.1:8080)\n"
               "  --db       SQLite file (default %s) or postgres://... location\n"
               "  --web      folder of the pages (default: the source tree's web/)\n"
               "  --data     biometric files, documents, voice cache (default <db dir>/data;\n"
               "             %s for a postgres:// database)\n"
               "  --lokets   number of lokets (default 3), or the layout with each loket's role,\n"
               "             e.g. \"1:intake,2:operator,3:handover\" (kept in the database)\n"
               "  --backup-dir    folder of the scheduled online backups (and of \"backup now\")\n"
               "  --backup-every  minutes between backups (default 60)\n"
               "  --backup-keep   backups kept (default 30)\n"
               "  --afis-fpir     share of unique new people the AFIS may hold as duplicates\n"
               "                  (false positive identification rate, default 0.001)\n"
               "  --quiet    no access log on stderr\n",
            CLI_DEFAULT_DB, CLI_DEFAULT_DATA);
    return f == stdout ? 0 : 2;
}

static int parse_uint(const char *s, const char *name, unsigned max, unsigned *out)
{
    char *end = NULL;
    unsigned long v;
    if (s == NULL)
        return 0;
    v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v > max) {
        cli_usage("--%s: '%s' harus bilangan 0..%u", name, s, max);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

int cli_serve(int argc, char **argv)
{
    int bad = 0;
    const char *listen = cli_opt(argc, argv, "listen", "127.0.0.1:8080", &bad);
    const char *db = cli_opt(argc, argv, "db", CLI_DEFAULT_DB, &bad);
    const char *web = cli_opt(argc, argv, "web", NULL, &bad);
    const char *data = cli_opt(argc, argv, "data", NULL, &bad);
    const char *lokets_s = cli_opt(argc, argv, "lokets", NULL, &bad);
    const char *bdir = cli_opt(argc, argv, "backup-dir", NULL, &bad);
    const char *bevery_s = cli_opt(argc, argv, "backup-every", "60", &bad);
    const char *bkeep_s = cli_opt(argc, argv, "backup-keep", "30", &bad);
    const char *fpir_s = cli_opt(argc, argv, "afis-fpir", NULL, &bad);
    double fpir = 0;
    unsigned lokets = 0, bevery = 60, bkeep = 30;

    if (cli_flag(argc, argv, "help"))
        return usage(stdout);
    if (bad)
        return usage(stderr);
    /* --lokets N, or a layout "1:intake,2:operator,..." (lokets.c) checked below. */
    const char *layout = lokets_s != NULL && strchr(lokets_s, ':') != NULL ? lokets_s : NULL;
    if (parse_uint(layout != NULL ? NULL : lokets_s, "lokets", 99, &lokets) != 0 ||
        parse_uint(bevery_s, "backup-every", 10080, &bevery) != 0 ||
        parse_uint(bkeep_s, "backup-keep", 1000, &bkeep) != 0)
        return 2;
    if (bevery == 0 || bkeep == 0)
        return cli_usage("--backup-every dan --backup-keep harus paling sedikit 1");
    if (fpir_s != NULL) { /* the service checks the range (afis_fpir_invalid) */
        char *end = NULL;
        fpir = strtod(fpir_s, &end);
        if (*fpir_s == '\0' || *end != '\0' || !(fpir > 0))
            return cli_usage("--afis-fpir: '%s' harus bilangan di atas 0 (mis. 0.001)", fpir_s);
    }
    {
        svc_config sc;
        http_config hc;
        svc *s = NULL;
        http_server *srv = NULL;
        svc_backup_job *job = NULL; /* owned: stopped before the svc closes */
        kt_error err;
        sigset_t set;
        char data_buf[4096];
        int sig = 0, rc = 1;

        kt_error_clear(&err);
        /* the service's default, needed here for the voice cache too */
        if (cli_data_dir(db, data, data_buf, sizeof data_buf) != 0)
            return 2;
        data = data_buf;
        memset(&sc, 0, sizeof sc);
        sc.db_path = db;
        sc.data_dir = data;
        sc.lokets = (int)lokets;
        sc.afis_fpir = fpir;
        if (layout != NULL) { /* the highest loket named is the number of lokets */
            json_t *list = NULL;
            size_t i;
            json_t *v;
            if (svc_lokets_parse(layout, &list, &err) != KT_OK)
                return cli_report(&err);
            json_array_foreach(list, i, v) {
                int l = (int)json_integer_value(json_object_get(v, "loket"));
                if (l > sc.lokets)
                    sc.lokets = l;
            }
            json_decref(list);
        }
        memset(&hc, 0, sizeof hc);
        hc.listen = listen;
        hc.web_dir = web;
        hc.data_dir = data;
        hc.quiet = cli_flag(argc, argv, "quiet");

        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);

        if (svc_open(&sc, &s, &err) != KT_OK) {
            rc = cli_report(&err);
            goto out;
        }
        if (layout != NULL) {
            svc_actor sys = svc_system_actor();
            json_t *in = json_pack("{s:s}", "spec", layout), *lay = NULL;
            kt_code lrc = in != NULL ? svc_lokets_set(s, &sys, in, &lay, &err)
                                     : kt_fail(&err, KT_ENOMEM, "nomem", "", "memori habis");
            json_decref(in);
            json_decref(lay);
            if (lrc != KT_OK) {
                rc = cli_report(&err);
                goto out;
            }
        }
        if (http_server_start(&hc, s, &srv, &err) != KT_OK) {
            rc = cli_report(&err);
            goto out;
        }
        /* Scheduled online backups; also the folder of the admin's "backup now". */
        if (bdir != NULL &&
            svc_backup_job_start(s, bdir, (int)bevery, (int)bkeep, &job, &err) != KT_OK) {
            rc = cli_report(&err);
            goto out;
        }
        /* A server location may carry a password: show only its scheme and host part. */
        const char *at = strrchr(db, '@');
        const char *shown = strstr(db, "://") != NULL && at != NULL ? at + 1 : db;
        fprintf(stderr, "ktpel: melayani http://%.*s:%u/ (basis data %s%s); Ctrl-C untuk "
                        "berhenti\n",
                (int)(strrchr(listen, ':') - listen), listen,
                (unsigned)http_server_port(srv), shown == db ? "" : "...@", shown);
        while (sigwait(&set, &sig) != 0) {
        }
        fprintf(stderr, "ktpel: berhenti (sinyal %d)\n", sig);
        rc = 0;
    out:
        svc_backup_job_stop(job); /* waits for a backup under way; NULL does nothing */
        http_server_stop(srv);
        svc_close(s);
        return rc;
    }
}
