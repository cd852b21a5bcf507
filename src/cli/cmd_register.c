/*
 * cmd_register.c - `ktpel register`: the pickup register (every card handed over, to whom,
 * by whom, when, how the person was confirmed).
 *
 *   ktpel register list   [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--db PATH]      JSON
 *   ktpel register export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--out FILE]     CSV
 *
 * Days are Asia/Jakarta, inclusive; without --from/--to: today. export without --out writes
 * the CSV on stdout.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_register(int argc, char **argv)
{
    static const char *const valued[] = {"db", "from", "to", "out", NULL};
    int bad = 0;
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel register list [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
               "       ktpel register export [--from YYYY-MM-DD] [--to YYYY-MM-DD] "
               "[--out FILE]\n\nRegister pengambilan e-KTP (JSON atau CSV).\n");
        return 0;
    }
    const char *sub = cli_arg(argc, argv, 0, valued);
    const char *from = cli_opt(argc, argv, "from", NULL, &bad);
    const char *to = cli_opt(argc, argv, "to", NULL, &bad);
    const char *out = cli_opt(argc, argv, "out", NULL, &bad);
    if (bad)
        return cli_usage("register: opsi tanpa nilai");
    if (sub == NULL || (strcmp(sub, "list") != 0 && strcmp(sub, "export") != 0))
        return cli_usage("register: pilih list atau export");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    if (strcmp(sub, "list") == 0)
        return cli_end(&cs, svc_register_list(cs.svc, &cs.who, from, to, &cs.out, &cs.err));
    char *csv = NULL;
    size_t len = 0;
    kt_code code = svc_register_csv(cs.svc, &cs.who, from, to, &csv, &len, &cs.err);
    if (code == KT_OK) {
        if (out == NULL) {
            if (fwrite(csv, 1, len, stdout) != len || fflush(stdout) != 0)
                code = kt_fail(&cs.err, KT_EIO, "write_failed", "stdout", "stdout gagal ditulis");
        } else if ((code = cli_write_file(out, csv, len, &cs.err)) == KT_OK) {
            cs.out = json_pack("{s:s, s:I}", "out", out, "bytes", (json_int_t)len);
        }
    }
    free(csv);
    return cli_end(&cs, code);
}
