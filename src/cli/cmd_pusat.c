/*
 * cmd_pusat.c - `ktpel pusat`: the city registry's administration from the command line
 * (the database is the central's: --db postgres://...).
 *
 *   ktpel pusat info                          the central's public keys
 *   ktpel pusat node add --kecamatan 367110 --name NAME [--no N]   prints the enrolment code
 *   ktpel pusat node list | node code ID | node revoke ID
 *   ktpel pusat process                       process what was received and not yet processed
 *   ktpel pusat publish                       publish changed residents to their kecamatans' feeds
 *   ktpel pusat resident deceased NIK         a death: the resident leaves its kecamatan's nodes
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusat/pusat.h"

int cli_pusat(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", "kecamatan", "name", "no", "keys", NULL};
    int bad = 0;
    if (cli_flag(argc, argv, "help") || argc < 2) {
        printf("usage: ktpel pusat info | process | publish | resident deceased NIK\n"
               "       ktpel pusat node add --kecamatan KODE --name NAMA [--no N]\n"
               "       ktpel pusat node list | node code NODE_ID | node revoke NODE_ID\n"
               "Every form takes --db postgres://... --data DIR [--keys DIR].\n");
        return argc < 2 ? 2 : 0;
    }
    const char *sub = cli_arg(argc, argv, 0, valued), *a1 = cli_arg(argc, argv, 1, valued),
               *a2 = cli_arg(argc, argv, 2, valued);
    const char *kec = cli_opt(argc, argv, "kecamatan", NULL, &bad),
               *name = cli_opt(argc, argv, "name", NULL, &bad),
               *no = cli_opt(argc, argv, "no", NULL, &bad),
               *keys = cli_opt(argc, argv, "keys", NULL, &bad);
    if (bad || sub == NULL)
        return cli_usage("pusat: lihat 'ktpel pusat --help'");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    pusat *p = NULL;
    pusat_config pc;
    memset(&pc, 0, sizeof pc);
    pc.no_worker = 1;
    pc.keys_dir = keys;
    kt_code k = pusat_open(cs.svc, &pc, &p, &cs.err);
    json_t *in = json_object();
    if (k != KT_OK) {
        /* reported by cli_end */
    } else if (strcmp(sub, "info") == 0) {
        k = pusat_info(p, &cs.who, &cs.out, &cs.err);
    } else if (strcmp(sub, "process") == 0) {
        int done = 0;
        k = pusat_process_pending(p, &done, &cs.err);
        if (k == KT_OK)
            cs.out = json_pack("{s:i}", "processed", done);
    } else if (strcmp(sub, "publish") == 0) {
        int done = 0;
        k = pusat_publish(p, &done, &cs.err);
        if (k == KT_OK)
            cs.out = json_pack("{s:i}", "published", done);
    } else if (strcmp(sub, "resident") == 0 && a1 != NULL && strcmp(a1, "deceased") == 0 &&
               a2 != NULL) {
        k = pusat_resident_deceased(p, &cs.who, a2, &cs.out, &cs.err);
    } else if (strcmp(sub, "node") == 0 && a1 != NULL && strcmp(a1, "add") == 0) {
        if (kec != NULL)
            json_object_set_new(in, "kecamatan_code", json_string(kec));
        if (name != NULL)
            json_object_set_new(in, "name", json_string(name));
        if (no != NULL)
            json_object_set_new(in, "node_no", json_integer(atoi(no)));
        k = pusat_node_add(p, &cs.who, in, &cs.out, &cs.err);
    } else if (strcmp(sub, "node") == 0 && a1 != NULL && strcmp(a1, "list") == 0) {
        k = pusat_node_list(p, &cs.who, &cs.out, &cs.err);
    } else if (strcmp(sub, "node") == 0 && a1 != NULL && strcmp(a1, "code") == 0 && a2 != NULL) {
        k = pusat_node_code(p, &cs.who, a2, &cs.out, &cs.err);
    } else if (strcmp(sub, "node") == 0 && a1 != NULL && strcmp(a1, "revoke") == 0 &&
               a2 != NULL) {
        k = pusat_node_revoke(p, &cs.who, a2, &cs.out, &cs.err);
    } else {
        k = kt_fail(&cs.err, KT_EINVAL, "usage", "", "lihat 'ktpel pusat --help'");
    }
    json_decref(in);
    pusat_close(p);
    return cli_end(&cs, k);
}
