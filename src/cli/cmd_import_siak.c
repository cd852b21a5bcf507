/*
 * cmd_import_siak.c - `ktpel import-siak FILE [--skip-invalid] [--db PATH]`: load a SIAK
 * biodata extract (docs/siak-csv.md) in one transaction.
 */
#include "cli/cli.h"

#include <stdio.h>

#include "service/service.h"

int cli_import_siak(int argc, char **argv)
{
    static const char *const valued[] = {"db", NULL};
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel import-siak FILE [--skip-invalid] [--db PATH]\n\n"
               "Mengimpor data penduduk SIAK (CSV, lihat docs/siak-csv.md) dalam satu "
               "transaksi.\nBaris yang salah membatalkan seluruh impor, kecuali dengan "
               "--skip-invalid\n(baris salah dilewati dan dilaporkan).\n");
        return 0;
    }
    const char *file = cli_arg(argc, argv, 0, valued);
    if (file == NULL)
        return cli_usage("import-siak: FILE wajib diisi; lihat 'ktpel import-siak --help'");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    int skip_invalid = cli_flag(argc, argv, "skip-invalid");
    return cli_end(&cs, svc_import_siak(cs.svc, &cs.who, file, skip_invalid, &cs.out, &cs.err));
}
