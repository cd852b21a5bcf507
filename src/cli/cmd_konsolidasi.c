/*
 * cmd_konsolidasi.c - `ktpel konsolidasi [--db PATH]`: the data consistency checks
 * (svc_konsolidasi) as JSON. Exit 0 when the checks ran (findings are data, not failures);
 * `findings` counts them.
 */
#include "cli/cli.h"

#include <stdio.h>

int cli_konsolidasi(int argc, char **argv)
{
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel konsolidasi [--db PATH]\n\nKONSOLIDASI: NIK yang tidak cocok "
               "dengan biodata, NIK ganda, penduduk tanpa KK,\nberkas biometrik hilang atau "
               "rusak, duplikat menunggu keputusan, permohonan\nmelewati standar waktu, berkas "
               "arsip tanpa tempat.\n");
        return 0;
    }
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_konsolidasi(cs.svc, &cs.who, &cs.out, &cs.err));
}
