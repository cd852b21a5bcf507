/*
 * cmd_demo_users.c - `ktpel demo-users [--db PATH]`: one demo account per role, printing the
 * demo passwords (docs/internals/service.md). Existing accounts are left as they are.
 */
#include "cli/cli.h"

#include <stdio.h>

#include "service/service.h"

int cli_demo_users(int argc, char **argv)
{
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel demo-users [--db PATH]\n\nMembuat satu akun demo per peran "
               "(intake, operator, handover, supervisor, admin)\ndan mencetak kata sandinya. "
               "Hanya untuk demo.\n");
        return 0;
    }
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_demo_users(cs.svc, &cs.who, &cs.out, &cs.err));
}
