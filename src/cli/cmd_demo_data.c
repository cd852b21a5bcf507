/*
 * cmd_demo_data.c - `ktpel demo-data --people N [--seed S] [--db PATH]`: a synthetic
 * population of Kecamatan Neglasari, the same for the same seed.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "service/service.h"

int cli_demo_data(int argc, char **argv)
{
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel demo-data --people N [--seed S] [--db PATH]\n\nMembuat penduduk "
               "sintetis Kecamatan Neglasari (tujuh kelurahan): keluarga,\nNIK dan nomor KK "
               "yang konsisten. Hasil sama untuk seed yang sama (default 1).\n");
        return 0;
    }
    int bad = 0;
    const char *np = cli_opt(argc, argv, "people", NULL, &bad);
    const char *sp = cli_opt(argc, argv, "seed", "1", &bad);
    if (bad || np == NULL)
        return cli_usage("demo-data: --people N wajib diisi");
    char *end = NULL;
    errno = 0;
    long people = strtol(np, &end, 10);
    if (errno != 0 || *end != '\0' || people < 1 || people > 5000000)
        return cli_usage("demo-data: --people harus bilangan 1..5000000, bukan '%s'", np);
    errno = 0;
    unsigned long long seed = strtoull(sp, &end, 10);
    if (errno != 0 || *end != '\0' || sp[0] == '-')
        return cli_usage("demo-data: --seed harus bilangan bulat tak negatif, bukan '%s'", sp);
    svc *s = NULL;
    int rc = cli_open_svc(argc, argv, &s);
    if (rc != 0)
        return rc;
    svc_actor who = svc_system_actor();
    json_t *out = NULL;
    kt_error err;
    kt_error_clear(&err);
    if (svc_demo_data(s, &who, (int)people, (uint64_t)seed, &out, &err) != KT_OK)
        rc = cli_report(&err);
    else
        rc = cli_print_json(out);
    json_decref(out);
    svc_close(s);
    return rc;
}
