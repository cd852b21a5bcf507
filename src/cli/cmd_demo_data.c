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
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_demo_data(cs.svc, &cs.who, (int)people, (uint64_t)seed, &cs.out,
                                      &cs.err));
}
