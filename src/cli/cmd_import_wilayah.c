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
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_import_wilayah(cs.svc, &cs.who, file, &cs.out, &cs.err));
}
