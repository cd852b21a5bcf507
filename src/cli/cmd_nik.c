/*
 * cmd_nik.c - `ktpel nik NIK [--db PATH]`: the NIK analysis as JSON (valid, errors, warnings,
 * region codes and names, birth date, sex, serial). Exit 1 for an invalid NIK.
 */
#include "cli/cli.h"

#include <stdio.h>

#include "service/service.h"

int cli_nik(int argc, char **argv)
{
    static const char *const valued[] = {"db", NULL};
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel nik NIK [--db PATH]\n\nMenganalisis NIK: kode dan nama wilayah, "
               "tanggal lahir, jenis kelamin, nomor urut,\nkesalahan dan peringatan (JSON). "
               "Keluar dengan kode 1 bila NIK tidak sah.\n");
        return 0;
    }
    const char *nik = cli_arg(argc, argv, 0, valued);
    if (nik == NULL)
        return cli_usage("nik: NIK wajib diisi");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_nik_analyze(cs.svc, nik, &cs.out, &cs.err));
}
