/*
 * cmd_kiosk.c - `ktpel kiosk add NAME`, `ktpel kiosk list`, `ktpel kiosk revoke ID`: the
 * registered kiosk devices (service kiosk.c), as the admin page has them. `add` prints the
 * device secret once, with the address that pairs the kiosk page with it.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int kiosk_add(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", NULL};
    const char *name = cli_arg(argc, argv, 0, valued);
    if (name == NULL)
        return cli_usage("kiosk add: NAMA kios wajib diisi, mis. ktpel kiosk add \"Kios lobi\"");
    json_t *in = json_pack("{s:s}", "name", name);
    if (in == NULL)
        return cli_usage("kiosk add: memori habis");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc == 0) {
        const char *tok = NULL;
        kt_code krc = svc_kiosk_add(cs.svc, &cs.who, in, &cs.out, &cs.err);
        if (krc == KT_OK && (tok = json_string_value(json_object_get(cs.out, "token"))) != NULL)
            fprintf(stderr,
                    "ktpel: kios terdaftar. Buka halaman kios di perangkat itu sekali dengan\n"
                    "       /kiosk.html#pasang=%s\n"
                    "       (rahasia ini hanya ditampilkan sekarang)\n",
                    tok);
        rc = cli_end(&cs, krc);
    }
    json_decref(in);
    return rc;
}

static int kiosk_list(int argc, char **argv)
{
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_kiosk_list(cs.svc, &cs.who, &cs.out, &cs.err));
}

static int kiosk_revoke(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", NULL};
    const char *id_s = cli_arg(argc, argv, 0, valued);
    char *end = NULL;
    long long id;
    if (id_s == NULL)
        return cli_usage("kiosk revoke: ID kios wajib diisi (lihat 'ktpel kiosk list')");
    errno = 0;
    id = strtoll(id_s, &end, 10);
    if (errno != 0 || *end != '\0' || id <= 0)
        return cli_usage("kiosk revoke: ID harus bilangan bulat positif, bukan '%s'", id_s);
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_kiosk_revoke(cs.svc, &cs.who, (int64_t)id, &cs.out, &cs.err));
}

int cli_kiosk(int argc, char **argv)
{
    if (argc < 2 || cli_flag(argc, argv, "help") || strcmp(argv[1], "help") == 0) {
        printf("usage: ktpel kiosk add NAMA [--db PATH]\n"
               "       ktpel kiosk list [--db PATH]\n"
               "       ktpel kiosk revoke ID [--db PATH]\n\n"
               "Kios terdaftar mengambil nomor antrian tanpa batas per alamat; perangkat lain\n"
               "hanya mendapat sedikit nomor per jam. Rahasia kios ditampilkan sekali saat add.\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "add") == 0)
        return kiosk_add(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return kiosk_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "revoke") == 0)
        return kiosk_revoke(argc - 1, argv + 1);
    return cli_usage("kiosk: sub-perintah '%s' tidak dikenal (add, list, revoke)", argv[1]);
}
