/*
 * cmd_key.c - `ktpel key status|rotate [--db PATH] [--data DIR] [--key PATH]`: the data key
 * that seals biometric files and fingerprint templates at rest (svc_key_status,
 * svc_key_rotate; docs/operations.md "Kunci data").
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: ktpel key status|rotate [--db PATH] [--data DIR] [--key PATH]\n\n"
               "  status   kunci data yang dipakai (id, berkas) dan kunci yang masih aktif di\n"
               "           basis data\n"
               "  rotate   buat kunci baru dan segel ulang semua berkas biometrik dan templat\n"
               "           sidik jari dengannya; kunci lama disimpan sebagai\n"
               "           <kunci>.retired-<waktu> (untuk cadangan lama). Hentikan server\n"
               "           dulu. Aman bila terputus: jalankan lagi untuk melanjutkan.\n"
               "  --key    berkas kunci (default <induk folder data>/ktpel.key)\n");
    return f == stdout ? 0 : 2;
}

int cli_key(int argc, char **argv)
{
    const char *sub = cli_arg(argc, argv, 0, (const char *const[]){"db", "data", "key", NULL});
    if (cli_flag(argc, argv, "help"))
        return usage(stdout);
    if (sub == NULL || (strcmp(sub, "status") != 0 && strcmp(sub, "rotate") != 0))
        return usage(stderr);
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    if (strcmp(sub, "status") == 0)
        return cli_end(&cs, svc_key_status(cs.svc, &cs.who, &cs.out, &cs.err));
    return cli_end(&cs, svc_key_rotate(cs.svc, &cs.who, &cs.out, &cs.err));
}
