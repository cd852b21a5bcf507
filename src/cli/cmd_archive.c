/*
 * cmd_archive.c - `ktpel archive`: the archive rack (Rak Arsip).
 *
 *   ktpel archive find (--nik NIK | --receipt-no NO | --date YYYY-MM-DD) [--db PATH]
 *   ktpel archive boxes
 *   ktpel archive label BOX_ID --out FILE.pdf
 *   ktpel archive config [--racks N] [--boxes-per-rack N] [--files-per-box N]
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A positive integer option into obj[key]; 0 ok, -1 malformed. */
static int int_opt(json_t *obj, const char *s, const char *key)
{
    if (s == NULL)
        return 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return -1;
    json_object_set_new(obj, key, json_integer(v));
    return 0;
}

int cli_archive(int argc, char **argv)
{
    static const char *const valued[] = {"db", "nik", "receipt-no", "date", "out", "racks",
                                         "boxes-per-rack", "files-per-box", NULL};
    int bad = 0;
    if (cli_flag(argc, argv, "help")) {
        printf("usage: ktpel archive find (--nik NIK | --receipt-no NO | --date YYYY-MM-DD)\n"
               "       ktpel archive boxes\n       ktpel archive label BOX_ID --out FILE.pdf\n"
               "       ktpel archive config [--racks N] [--boxes-per-rack N] "
               "[--files-per-box N]\n\nRak arsip berkas permohonan e-KTP.\n");
        return 0;
    }
    const char *sub = cli_arg(argc, argv, 0, valued);
    const char *nik = cli_opt(argc, argv, "nik", NULL, &bad);
    const char *no = cli_opt(argc, argv, "receipt-no", NULL, &bad);
    const char *date = cli_opt(argc, argv, "date", NULL, &bad);
    const char *out = cli_opt(argc, argv, "out", NULL, &bad);
    const char *racks = cli_opt(argc, argv, "racks", NULL, &bad);
    const char *bpr = cli_opt(argc, argv, "boxes-per-rack", NULL, &bad);
    const char *fpb = cli_opt(argc, argv, "files-per-box", NULL, &bad);
    if (bad)
        return cli_usage("archive: opsi tanpa nilai");
    if (sub == NULL)
        return cli_usage("archive: pilih find, boxes, label atau config");
    json_t *in = json_object();
    if (in == NULL)
        return 1;
    int64_t box = 0;
    if (strcmp(sub, "find") == 0) {
        if (nik != NULL)
            json_object_set_new(in, "nik", json_string(nik));
        if (no != NULL)
            json_object_set_new(in, "receipt_no", json_string(no));
        if (date != NULL)
            json_object_set_new(in, "date", json_string(date));
    } else if (strcmp(sub, "label") == 0) {
        const char *id = cli_arg(argc, argv, 1, valued);
        char *end = NULL;
        box = id != NULL ? strtoll(id, &end, 10) : 0;
        if (id == NULL || end == id || *end != '\0' || box <= 0 || out == NULL) {
            json_decref(in);
            return cli_usage("archive label: BOX_ID (bilangan) dan --out FILE wajib");
        }
    } else if (strcmp(sub, "config") == 0) {
        if (int_opt(in, racks, "racks") != 0 || int_opt(in, bpr, "boxes_per_rack") != 0 ||
            int_opt(in, fpb, "files_per_box") != 0) {
            json_decref(in);
            return cli_usage("archive config: nilai harus bilangan bulat");
        }
    } else if (strcmp(sub, "boxes") != 0) {
        json_decref(in);
        return cli_usage("archive: '%s' tidak dikenal (find, boxes, label, config)", sub);
    }
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0) {
        json_decref(in);
        return rc;
    }
    kt_code code;
    if (strcmp(sub, "find") == 0) {
        code = svc_archive_find(cs.svc, &cs.who, in, &cs.out, &cs.err);
    } else if (strcmp(sub, "boxes") == 0) {
        code = svc_archive_boxes(cs.svc, &cs.who, &cs.out, &cs.err);
    } else if (strcmp(sub, "config") == 0) {
        code = svc_archive_config(cs.svc, &cs.who, in, &cs.out, &cs.err);
    } else {
        unsigned char *pdf = NULL;
        size_t len = 0;
        code = svc_archive_label(cs.svc, &cs.who, box, &pdf, &len, &cs.err);
        if (code == KT_OK) {
            code = cli_write_file(out, pdf, len, &cs.err);
            if (code == KT_OK)
                cs.out = json_pack("{s:s, s:I}", "out", out, "bytes", (json_int_t)len);
        }
        free(pdf);
    }
    json_decref(in);
    return cli_end(&cs, code);
}
