/*
 * cmd_init.c - `ktpel init [--db PATH] [--key PATH]`: create the database (and its folder),
 * apply the schema migrations and create the data key (svc_open does when there is none).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "service/service.h"

int cli_init(int argc, char **argv)
{
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel init [--db PATH] [--data DIR] [--key PATH]\n\nMembuat basis data "
               "(default %s), menerapkan skema terbaru dan membuat\nkunci data (default "
               "<induk folder data>/ktpel.key, mode 0600) bila belum ada.\n",
               CLI_DEFAULT_DB);
        return 0;
    }
    svc *s = NULL;
    int rc = cli_open_svc(argc, argv, &s);
    if (rc != 0)
        return rc;
    svc_actor sys = svc_system_actor();
    json_t *key = NULL;
    kt_error err;
    if (svc_key_status(s, &sys, &key, &err) != KT_OK) {
        svc_close(s);
        return cli_report(&err);
    }
    printf("Basis data siap: %s\n", cli_opt(argc, argv, "db", CLI_DEFAULT_DB, NULL));
    printf("Kunci data: %s (id %s). Simpan salinannya di media terpisah yang dipegang Kasi\n"
           "Pelayanan, bukan di disk cadangan: tanpa kunci ini berkas biometrik dan cadangan\n"
           "tidak dapat dibuka (docs/operations.md, \"Kunci data\").\n",
           json_string_value(json_object_get(key, "key_path")),
           json_string_value(json_object_get(key, "key_id")));
    json_decref(key);
    svc_close(s);
    return 0;
}
