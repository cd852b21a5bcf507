/*
 * cmd_init.c - `ktpel init [--db PATH]`: create the database (and its folder) and apply the
 * schema migrations.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "service/service.h"

int cli_init(int argc, char **argv)
{
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel init [--db PATH]\n\nMembuat basis data (default %s) dan "
               "menerapkan skema terbaru.\n", CLI_DEFAULT_DB);
        return 0;
    }
    svc *s = NULL;
    int rc = cli_open_svc(argc, argv, &s);
    if (rc != 0)
        return rc;
    svc_close(s);
    printf("Basis data siap: %s\n", cli_opt(argc, argv, "db", CLI_DEFAULT_DB, NULL));
    return 0;
}
