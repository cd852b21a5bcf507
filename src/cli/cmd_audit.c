/*
 * cmd_audit.c - the audit trail from the shell (docs/operations.md "Audit trail"):
 *   ktpel audit verify [--pub FILE[,FILE..]]   the hash chains and signed checkpoints; prints
 *                                             the report, exit 1 when the trail is broken
 *   ktpel audit reads [--nik N] [--user NAME] [--from D] [--to D] [--limit N]
 *                                             who read whose data
 *   ktpel audit checkpoint                    sign a checkpoint of both chains now
 * --pub names copies of the audit public key kept away from the server (the one beside the
 * database can be replaced by whoever can replace the database).
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int audit_verify(int argc, char **argv)
{
    int bad = 0;
    const char *pub = cli_opt(argc, argv, "pub", NULL, &bad);
    if (bad)
        return cli_usage("audit verify: --pub perlu nama berkas");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    kt_code c = svc_audit_verify(cs.svc, &cs.who, pub, &cs.out, &cs.err);
    int broken = c == KT_OK && !json_is_true(json_object_get(cs.out, "ok"));
    if (broken) {
        json_t *fb = json_object_get(cs.out, "first_break");
        fprintf(stderr, "ktpel: jejak audit rusak: %s\n",
                json_string_value(json_object_get(fb, "message")));
    }
    rc = cli_end(&cs, c);
    return rc != 0 ? rc : broken;
}

static int audit_reads(int argc, char **argv)
{
    static const struct {
        const char *flag, *key;
    } opts[] = {{"nik", "nik"}, {"user", "username"}, {"from", "from"}, {"to", "to"}};
    int bad = 0;
    json_t *in = json_object();
    if (in == NULL)
        return cli_usage("audit reads: memori habis");
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        const char *v = cli_opt(argc, argv, opts[i].flag, NULL, &bad);
        if (v != NULL)
            json_object_set_new(in, opts[i].key, json_string(v));
    }
    const char *lim = cli_opt(argc, argv, "limit", NULL, &bad);
    if (lim != NULL) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(lim, &end, 10);
        if (errno != 0 || *end != '\0') {
            json_decref(in);
            return cli_usage("audit reads: --limit harus bilangan, bukan '%s'", lim);
        }
        json_object_set_new(in, "limit", json_integer(n));
    }
    if (bad) {
        json_decref(in);
        return cli_usage("audit reads: opsi tanpa nilai; lihat 'ktpel audit --help'");
    }
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc == 0)
        rc = cli_end(&cs, svc_audit_reads(cs.svc, &cs.who, in, &cs.out, &cs.err));
    json_decref(in);
    return rc;
}

static int audit_checkpoint(int argc, char **argv)
{
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_audit_checkpoint(cs.svc, &cs.who, &cs.out, &cs.err));
}

int cli_audit(int argc, char **argv)
{
    if (argc < 2 || cli_flag(argc, argv, "help") || strcmp(argv[1], "help") == 0) {
        printf("usage: ktpel audit verify [--pub BERKAS[,BERKAS..]] [--db PATH]\n"
               "       ktpel audit reads [--nik NIK] [--user NAMA] [--from YYYY-MM-DD]\n"
               "                         [--to YYYY-MM-DD] [--limit N] [--db PATH]\n"
               "       ktpel audit checkpoint [--db PATH]\n\n"
               "verify: periksa rantai hash jejak audit (kejadian dan akses data) dan titik\n"
               "periksa bertanda tangan; keluar dengan kode 1 bila ada yang diubah atau dihapus.\n"
               "--pub: salinan kunci publik audit yang disimpan di luar server.\n"
               "reads: siapa membaca data penduduk siapa (bawaan: 31 hari terakhir).\n"
               "checkpoint: tandatangani titik periksa sekarang.\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "verify") == 0)
        return audit_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "reads") == 0)
        return audit_reads(argc - 1, argv + 1);
    if (strcmp(argv[1], "checkpoint") == 0)
        return audit_checkpoint(argc - 1, argv + 1);
    return cli_usage("audit: sub-perintah '%s' tidak dikenal (verify, reads, checkpoint)",
                     argv[1]);
}
