/*
 * cmd_serve.c - `ktpel serve`: open the service and run the HTTP server (src/http) until
 * SIGINT or SIGTERM, then stop gracefully (event streams ended, requests in flight
 * finished, database closed).
 *
 * Signals are blocked in every thread before the server starts its pool, and main waits
 * for them with sigwait(): no async-signal-unsafe work in a handler.
 * Without --tls-cert/--tls-key the server answers only on this computer (127.0.0.1); a LAN
 * address needs HTTPS here or a TLS-terminating proxy (--tls-proxy) - src/http refuses it.
 * Never: serve without a database, or keep running after a failed start.
 */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "pusat/pusat.h"
#include "service/link_node.h"
#include "service/service.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: ktpel serve [--listen ADDR:PORT] [--db PATH] [--web DIR] [--data DIR]\n"
               "                   [--key PATH] [--lokets N|LAYOUT] [--backup-dir DIR]\n"
               "                   [--backup-every MIN] [--backup-keep N] [--afis-fpir RATE]\n"
               "                   [--quiet]\n"
               "                   [--tls-cert FILE --tls-key FILE | --tls-proxy ADDR]\n"
               "                   [--public-listen ADDR:PORT] [--public-url URL]\n"
               "                   [--public-rate N] [--sms-spool DIR] [--booked-every N]\n"
               "                   [--sms-near N]\n"
               "                   [--role kecamatan|pusat] [--keys DIR] [--link-interval MS]\n"
               "                   [--link-alert-minutes N] [limits: see below]\n"
               "  --listen   address and port (default 127.0.0.1:8080); an address other than\n"
               "             127.x needs HTTPS (--tls-cert/--tls-key) or --tls-proxy\n"
               "  --tls-cert, --tls-key  PEM certificate and key: serve HTTPS (ktpel tls\n"
               "             self-signed makes a pair for a demo)\n"
               "  --tls-proxy ADDR  a proxy at ADDR terminates HTTPS and forwards plain HTTP here:\n"
               "             only it (and this computer) may connect; it must pass Host and\n"
               "             X-Forwarded-For\n"
               "  --db       SQLite file (default %s) or postgres://... location\n"
               "  --web      folder of the pages (default: the source tree's web/)\n"
               "  --data     biometric files, documents, voice cache (default <db dir>/data;\n"
               "             %s for a postgres:// database)\n"
               "  --key      the data key sealing biometrics (default <parent of data>/ktpel.key)\n"
               "  --lokets   number of lokets (default 3), or the layout with each loket's role,\n"
               "             e.g. \"1:intake,2:operator,3:handover\" (kept in the database)\n"
               "  --backup-dir    folder of the scheduled online backups (and of \"backup now\")\n"
               "  --backup-every  minutes between backups (default 60)\n"
               "  --backup-keep   backups kept (default 30)\n"
               "  --afis-fpir     share of unique new people the AFIS may hold as duplicates\n"
               "                  (false positive identification rate, default 0.001)\n"
               "  --quiet    no access log on stderr\n"
               "  --public-listen  a second address serving only the citizens' pages (booking,\n"
               "                   queue on the phone, card status, survey): no staff route\n"
               "  --public-url     the address citizens reach them at, printed in QR codes\n"
               "                   (default http(s):// + --public-listen, else + --listen)\n"
               "  --public-rate    requests a minute per client on the public routes (default\n"
               "                   60; writes a fifth of that; 0 = no limit)\n"
               "  --sms-spool      gammu-smsd's files spool (outbox/, sent/, error/): send SMS\n"
               "  --booked-every   a walk-in is called after this many booked tickets (default 2)\n"
               "  --sms-near       \"nomor Anda tinggal N lagi\" at N places (default 3)\n"
               "  --role     kecamatan (default: the office) or pusat (the city registry,\n"
               "             Disdukcapil: nodes, packets, city-wide AFIS; PostgreSQL)\n"
               "  --keys     pusat: folder of the central's key files (default <data>/keys)\n"
               "  --link-interval       kecamatan linked to Disdukcapil: ms between rounds\n"
               "                        of the sender and the status feed (default 5000)\n"
               "  --link-alert-minutes  dashboard alert when a packet waits longer (240)\n"
               "limits (0 = off where marked):\n"
               "  --client-connections N  open connections per client address (32; 0 off)\n"
               "  --max-connections N     open connections in all (1000)\n"
               "  --header-timeout S      seconds for a request's headers to arrive (10)\n"
               "  --rate-limit N          requests per second per client (50, burst 4x; 0 off)\n"
               "  --max-streams N         live event streams in all (256)\n"
               "  --client-streams N      live event streams per client (8)\n"
               "  --ticket-budget N       tickets an hour for a client that is neither a\n"
               "                          registered kiosk nor an officer (6; 0 off)\n"
               "  --kiosk-rate N          tickets a minute per registered kiosk (30; 0 off)\n"
               "  --db-connections N      database connections open at once (64)\n",
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
    const char *key = cli_opt(argc, argv, "key", NULL, &bad);
    const char *lokets_s = cli_opt(argc, argv, "lokets", NULL, &bad);
    const char *bdir = cli_opt(argc, argv, "backup-dir", NULL, &bad);
    const char *bevery_s = cli_opt(argc, argv, "backup-every", "60", &bad);
    const char *bkeep_s = cli_opt(argc, argv, "backup-keep", "30", &bad);
    const char *plisten = cli_opt(argc, argv, "public-listen", NULL, &bad);
    const char *purl = cli_opt(argc, argv, "public-url", NULL, &bad);
    const char *prate_s = cli_opt(argc, argv, "public-rate", "60", &bad);
    const char *spool = cli_opt(argc, argv, "sms-spool", NULL, &bad);
    const char *bookedev_s = cli_opt(argc, argv, "booked-every", "2", &bad);
    const char *near_s = cli_opt(argc, argv, "sms-near", "3", &bad);
    unsigned prate = 60, booked_every = 2, near = 3;
    const char *role = cli_opt(argc, argv, "role", "kecamatan", &bad);
    const char *keys = cli_opt(argc, argv, "keys", NULL, &bad);
    const char *lint_s = cli_opt(argc, argv, "link-interval", "5000", &bad);
    const char *lalert_s = cli_opt(argc, argv, "link-alert-minutes", "240", &bad);
    unsigned link_interval = 5000, link_alert = 240;
    const char *tls_cert = cli_opt(argc, argv, "tls-cert", NULL, &bad);
    const char *tls_key = cli_opt(argc, argv, "tls-key", NULL, &bad);
    const char *tls_proxy = cli_opt(argc, argv, "tls-proxy", NULL, &bad);
    const char *dbconn_s = cli_opt(argc, argv, "db-connections", NULL, &bad);
    unsigned dbconn = 0;
    const char *fpir_s = cli_opt(argc, argv, "afis-fpir", NULL, &bad);
    double fpir = 0;
    unsigned lokets = 0, bevery = 60, bkeep = 30;
    /* the limits: 0 from the command line means "off" where marked, else the default */
    static const struct {
        const char *name;
        unsigned max;
        int zero_off;
    } limit_opts[] = {
        {"client-connections", 100000, 1}, {"max-connections", 100000, 0},
        {"header-timeout", 3600, 0},       {"rate-limit", 1000000, 1},
        {"max-streams", 100000, 0},        {"client-streams", 100000, 0},
        {"ticket-budget", 100000, 1},      {"kiosk-rate", 100000, 1},
    };
    unsigned limits[sizeof limit_opts / sizeof limit_opts[0]];
    memset(limits, 0, sizeof limits);
    for (size_t i = 0; i < sizeof limit_opts / sizeof limit_opts[0]; i++) {
        const char *v = cli_opt(argc, argv, limit_opts[i].name, NULL, &bad);
        if (v != NULL) {
            if (parse_uint(v, limit_opts[i].name, limit_opts[i].max, &limits[i]) != 0)
                return 2;
            if (limits[i] == 0)
                limits[i] = limit_opts[i].zero_off ? HTTP_OFF : 0;
        }
    }

    if (cli_flag(argc, argv, "help"))
        return usage(stdout);
    if (bad)
        return usage(stderr);
    /* --lokets N, or a layout "1:intake,2:operator,..." (lokets.c) checked below. */
    const char *layout = lokets_s != NULL && strchr(lokets_s, ':') != NULL ? lokets_s : NULL;
    if (parse_uint(layout != NULL ? NULL : lokets_s, "lokets", 99, &lokets) != 0 ||
        parse_uint(bevery_s, "backup-every", 10080, &bevery) != 0 ||
        parse_uint(bkeep_s, "backup-keep", 1000, &bkeep) != 0 ||
        parse_uint(prate_s, "public-rate", 100000, &prate) != 0 ||
        parse_uint(bookedev_s, "booked-every", 50, &booked_every) != 0 ||
        parse_uint(near_s, "sms-near", 50, &near) != 0 ||
        parse_uint(lint_s, "link-interval", 3600000, &link_interval) != 0 ||
        parse_uint(lalert_s, "link-alert-minutes", 100000, &link_alert) != 0 ||
        parse_uint(dbconn_s, "db-connections", 10000, &dbconn) != 0)
        return 2;
    int central = strcmp(role, "pusat") == 0;
    if (!central && strcmp(role, "kecamatan") != 0)
        return cli_usage("--role harus kecamatan atau pusat, bukan '%s'", role);
    if (booked_every == 0 || near == 0)
        return cli_usage("--booked-every dan --sms-near harus paling sedikit 1");
    if (central && (plisten != NULL || spool != NULL))
        return cli_usage("--public-listen dan --sms-spool untuk kantor kecamatan, bukan pusat");
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
        http_server *srv = NULL, *psrv = NULL; /* owned: the office's and the public listener */
        svc_backup_job *job = NULL; /* owned: stopped before the svc closes */
        svc_sms_job *sms = NULL;    /* owned: stopped before the svc closes */
        char url_buf[300];
        pusat *central_p = NULL;    /* owned (pusat role): closed after the server stops */
        svc_link_agent *agent = NULL; /* owned (kecamatan): stopped before the svc closes */
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
        sc.key_path = key;
        sc.lokets = (int)lokets;
        sc.booked_every = (int)booked_every;
        sc.sms_near = (int)near;
        /* Where QR codes send citizens: given, else the public listener, else the office's. */
        if (purl == NULL) {
            const char *a = plisten != NULL ? plisten : listen;
            snprintf(url_buf, sizeof url_buf, "%s://%s%s",
                     tls_cert != NULL || tls_proxy != NULL ? "https" : "http",
                     strncmp(a, "0.0.0.0:", 8) == 0 || a[0] == ':' || a[0] == '*' ? "127.0.0.1" : "",
                     strncmp(a, "0.0.0.0:", 8) == 0 ? a + 7 : a[0] == '*' ? a + 1 : a);
            purl = url_buf;
        }
        sc.public_url = purl;
        sc.pool_max = (int)dbconn;
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
        hc.tls_cert = tls_cert;
        hc.tls_key = tls_key;
        hc.tls_proxy = tls_proxy;
        hc.client_connections = limits[0];
        hc.max_connections = limits[1];
        hc.header_timeout_s = limits[2];
        hc.rate_per_s = limits[3];
        if (limits[3] != 0 && limits[3] != HTTP_OFF)
            hc.rate_burst = limits[3] * 4;
        hc.max_streams = limits[4];
        hc.client_streams = limits[5];
        hc.ticket_budget = limits[6];
        hc.kiosk_per_min = limits[7];
        hc.public_per_min = prate == 0 ? HTTP_OFF : prate;

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
        if (central) {
            pusat_config pc;
            memset(&pc, 0, sizeof pc);
            pc.keys_dir = keys;
            pc.afis_fpir = fpir;
            if (pusat_open(s, &pc, &central_p, &err) != KT_OK) {
                rc = cli_report(&err);
                goto out;
            }
            hc.pusat = central_p;
        } else {
            svc_link_set_alert_minutes(s, (int)link_alert);
            if (svc_link_agent_start(s, (int)link_interval, &agent, &err) != KT_OK) {
                rc = cli_report(&err);
                goto out;
            }
            hc.link_agent = agent;
        }
        if (http_server_start(&hc, s, &srv, &err) != KT_OK) {
            rc = cli_report(&err);
            goto out;
        }
        if (plisten != NULL) { /* the citizens' pages alone, on their own address */
            http_config pc = hc;
            pc.listen = plisten;
            pc.public_only = 1;
            if (http_server_start(&pc, s, &psrv, &err) != KT_OK) {
                rc = cli_report(&err);
                goto out;
            }
        }
        if (spool != NULL && svc_sms_job_start(s, spool, 2000, &sms, &err) != KT_OK) {
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
        fprintf(stderr, "ktpel: melayani%s %s://%.*s:%u/ (basis data %s%s); Ctrl-C untuk "
                        "berhenti\n",
                central ? " Disdukcapil (pusat)" : "",
                hc.tls_cert != NULL || hc.tls_proxy != NULL ? "https" : "http",
                (int)(strrchr(listen, ':') - listen), listen,
                (unsigned)http_server_port(srv), shown == db ? "" : "...@", shown);
        if (psrv != NULL)
            fprintf(stderr, "ktpel: halaman publik di %s://%.*s:%u/ (alamat di kode QR: %s)\n",
                    hc.tls_cert != NULL || hc.tls_proxy != NULL ? "https" : "http",
                    (int)(strrchr(plisten, ':') - plisten), plisten,
                    (unsigned)http_server_port(psrv), purl);
        while (sigwait(&set, &sig) != 0) {
        }
        fprintf(stderr, "ktpel: berhenti (sinyal %d)\n", sig);
        rc = 0;
    out:
        svc_backup_job_stop(job); /* waits for a backup under way; NULL does nothing */
        svc_link_cancel(s);       /* calls to Disdukcapil under way give up (not 120 s) */
        svc_sms_job_stop(sms);
        http_server_stop(psrv);
        http_server_stop(srv);
        svc_link_agent_stop(agent);
        pusat_close(central_p);
        svc_close(s);
        return rc;
    }
}
