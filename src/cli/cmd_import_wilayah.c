/*
 * cmd_import_wilayah.c - `ktpel import-wilayah FILE [--db PATH]`: load the Kepmendagri region
 * list (code,name,level,level_name,type) so NIK prefixes and addresses are named.
 */
#include "cli/cli.h"

#include <stdio.h>

#include "service/service.h"

int cli_import_wilayah(int argc, char **argv)
{
    static const char *const valued[] = {"db", NULL};
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel import-wilayah FILE [--db PATH]\n\nMengimpor kode wilayah "
               "Kemendagri (CSV: code,name,level,level_name,type).\n");
        return 0;
    }
    const char *file = cli_arg(argc, argv, 0, valued);
    if (file == NULL)
        return cli_usage("import-wilayah: FILE wajib diisi");
    svc *s = NULL;
    int rc = cli_open_svc(argc, argv, &s);
    if (rc != 0)
        return rc;
    svc_actor who = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    if (svc_import_wilayah(s, &who, file, &out, &err) != KT_OK)
        rc = cli_report(&err);
    else
        rc = cli_print_json(out);
    json_decref(out);
    svc_close(s);
    return rc;
}
