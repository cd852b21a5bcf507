/*
 * cmd_report.c - `ktpel report daily|monthly`: the camat's service report (svc_report) as
 * PDF with charts, CSV or JSON.
 *
 *   ktpel report daily   [--date YYYY-MM-DD] [--format pdf|csv|json] [--out FILE] [--db PATH]
 *   ktpel report monthly [--month YYYY-MM]   [--format pdf|csv|json] [--out FILE] [--db PATH]
 *
 * pdf and csv need --out (the file is written whole, then renamed into place); json prints.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_report_cmd(int argc, char **argv)
{
    static const char *const valued[] = {"db", "date", "month", "format", "out", NULL};
    int bad = 0;
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel report daily [--date YYYY-MM-DD] [--format pdf|csv|json] "
               "[--out FILE]\n       ktpel report monthly [--month YYYY-MM] [--format "
               "pdf|csv|json] [--out FILE]\n\nLaporan pelayanan untuk camat: jumlah per jenis "
               "dan hasil, waktu tunggu dan waktu\nlayanan per langkah terhadap standar SOP, "
               "per petugas.\n");
        return 0;
    }
    const char *period = cli_arg(argc, argv, 0, valued);
    const char *date = cli_opt(argc, argv, "date", NULL, &bad);
    const char *month = cli_opt(argc, argv, "month", NULL, &bad);
    const char *format = cli_opt(argc, argv, "format", "pdf", &bad);
    const char *out = cli_opt(argc, argv, "out", NULL, &bad);
    if (bad)
        return cli_usage("report: opsi tanpa nilai");
    if (period == NULL || (strcmp(period, "daily") != 0 && strcmp(period, "monthly") != 0))
        return cli_usage("report: pilih daily atau monthly");
    if (strcmp(format, "pdf") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return cli_usage("report: --format harus pdf, csv atau json");
    if (strcmp(period, "daily") == 0 ? month != NULL : date != NULL)
        return cli_usage("report: --date untuk daily, --month untuk monthly");
    if (strcmp(format, "json") != 0 && out == NULL)
        return cli_usage("report: --out FILE wajib untuk pdf dan csv");
    const char *when = strcmp(period, "daily") == 0 ? date : month;
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    kt_code code;
    if (strcmp(format, "json") == 0) {
        code = svc_report(cs.svc, &cs.who, period, when, &cs.out, &cs.err);
    } else {
        void *buf = NULL;
        size_t len = 0;
        code = strcmp(format, "pdf") == 0
                   ? svc_report_pdf(cs.svc, &cs.who, period, when, (unsigned char **)&buf, &len,
                                    &cs.err)
                   : svc_report_csv(cs.svc, &cs.who, period, when, (char **)&buf, &len,
                                    &cs.err);
        if (code == KT_OK) {
            code = cli_write_file(out, buf, len, &cs.err);
            if (code == KT_OK)
                cs.out = json_pack("{s:s, s:I}", "out", out, "bytes", (json_int_t)len);
        }
        free(buf);
    }
    return cli_end(&cs, code);
}
