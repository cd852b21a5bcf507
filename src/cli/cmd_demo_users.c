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
    svc *s = NULL;
    int rc = cli_open_svc(argc, argv, &s);
    if (rc != 0)
        return rc;
    svc_actor who = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    if (svc_demo_users(s, &who, &out, &err) != KT_OK)
        rc = cli_report(&err);
    else
        rc = cli_print_json(out);
    json_decref(out);
    svc_close(s);
    return rc;
}
