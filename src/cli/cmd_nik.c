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
    svc *s = NULL;
    int rc = cli_open_svc(argc, argv, &s);
    if (rc != 0)
        return rc;
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    kt_code c = svc_nik_analyze(s, nik, &out, &err);
    if (out != NULL)
        cli_print_json(out);
    if (c != KT_OK) {
        if (out == NULL)
            cli_report(&err);
        rc = 1;
    }
    json_decref(out);
    svc_close(s);
    return rc;
}
