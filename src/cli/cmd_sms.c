/*
 * cmd_sms.c - `ktpel sms`: the SMS gateway from the operator's side (docs/operations.md).
 *
 *   ktpel sms test --to NUMBER [--text TEXT]   queue a test message (the number checked)
 *   ktpel sms send --spool DIR                 one pass of the sender: hand waiting messages
 *                                              to gammu-smsd's spool, record what it sent
 *   ktpel sms outbox                           counts by state and the last messages (masked)
 *
 * `ktpel serve --sms-spool DIR` runs the same sender every 2 seconds; `sms send` is for a
 * node whose server does not (a cron job) and for checking the setup by hand.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int cli_sms(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", "to", "text", "spool", NULL};
    int bad = 0;
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel sms test --to NOMOR [--text TEKS]\n"
               "       ktpel sms send --spool DIR\n"
               "       ktpel sms outbox\n\n"
               "SMS layanan lewat gammu-smsd (lihat docs/operations.md).\n");
        return 0;
    }
    const char *sub = cli_arg(argc, argv, 0, valued);
    const char *to = cli_opt(argc, argv, "to", NULL, &bad);
    const char *text = cli_opt(argc, argv, "text", NULL, &bad);
    const char *spool = cli_opt(argc, argv, "spool", NULL, &bad);
    if (bad)
        return cli_usage("sms: opsi tanpa nilai");
    if (sub == NULL ||
        (strcmp(sub, "test") != 0 && strcmp(sub, "send") != 0 && strcmp(sub, "outbox") != 0))
        return cli_usage("sms: pilih test, send atau outbox");
    if (strcmp(sub, "test") == 0 && to == NULL)
        return cli_usage("sms test: --to NOMOR wajib diisi");
    if (strcmp(sub, "send") == 0 && spool == NULL)
        return cli_usage("sms send: --spool DIR wajib diisi (folder gammu-smsd)");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    kt_code code;
    if (strcmp(sub, "test") == 0)
        code = svc_sms_test(cs.svc, &cs.who, to, text, &cs.out, &cs.err);
    else if (strcmp(sub, "send") == 0)
        code = svc_sms_tick(cs.svc, spool, &cs.out, &cs.err);
    else
        code = svc_sms_outbox(cs.svc, &cs.who, &cs.out, &cs.err);
    return cli_end(&cs, code);
}
