/*
 * cmd_demo_niks.c - `ktpel demo-niks [--db PATH] [--json]`: a few residents of the demo
 * population a newcomer can try at the intake loket (one per case: a new recording, a card
 * holder, a child, a WNA), printed by `make run` (issue 10: demo-data printed only counts).
 */
#include "cli/cli.h"

#include <stdio.h>

#include "service/service.h"

int cli_demo_niks(int argc, char **argv)
{
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel demo-niks [--db PATH] [--json]\n\nMencetak beberapa NIK penduduk "
               "contoh untuk dicoba di loket penerima berkas.\n");
        return 0;
    }
    int json = cli_flag(argc, argv, "json");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    kt_code code = svc_demo_niks(cs.svc, &cs.who, &cs.out, &cs.err);
    if (code == KT_OK && !json) {
        size_t i;
        json_t *v;
        json_array_foreach(cs.out, i, v)
            printf("  %s  %-28s lahir %s  %s\n", json_string_value(json_object_get(v, "nik")),
                   json_string_value(json_object_get(v, "name")),
                   json_string_value(json_object_get(v, "birth_date")),
                   json_string_value(json_object_get(v, "try")));
        json_decref(cs.out);
        cs.out = NULL;
    }
    return cli_end(&cs, code);
}
