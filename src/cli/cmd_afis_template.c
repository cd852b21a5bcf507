/*
 * cmd_afis_template.c - `ktpel afis template FILE [--json]`: decode an ISO/IEC 19794-2:2005 or
 * ANSI INCITS 378-2004 minutiae record and list its finger views and minutiae (angles in
 * degrees, counter-clockwise, as bio.h defines them). Reads only.
 */
#include "cli/cli.h"

#include "bio/image.h"
#include "bio/template.h"

#include <stdio.h>
#include <stdlib.h>

int cli_afis_template(int argc, char **argv);

static const char *type_name(uint8_t t)
{
    return t == BIO_MINUTIA_ENDING ? "ending" : t == BIO_MINUTIA_BIFURCATION ? "bifurcation"
                                                                             : "other";
}

static double deg(float rad)
{
    return (double)rad * 180.0 / 3.14159265358979323846;
}

static void print_json(const bio_template_record *r, const bio_template *v, size_t n)
{
    printf("{\"format\":\"%s\",\"length\":%u,\"width\":%u,\"height\":%u,\"res_x\":%u,"
           "\"res_y\":%u,\"capture_equipment\":%u,\"product_id\":%u,\"extended_bytes\":%u,"
           "\"views\":[", bio_template_format_name(r->format), r->length, r->width, r->height,
           r->res_x, r->res_y, r->capture_equipment, r->product_id, r->extended_bytes);
    for (size_t k = 0; k < n; k++) {
        const bio_template *t = &v[k];
        printf("%s{\"finger_position\":%u,\"view_number\":%u,\"impression\":%u,\"quality\":%u,"
               "\"minutiae\":[", k ? "," : "", t->finger_position, t->view_number,
               t->impression, t->quality);
        for (int i = 0; i < t->count; i++)
            printf("%s{\"x\":%u,\"y\":%u,\"angle\":%.2f,\"type\":\"%s\",\"quality\":%u}",
                   i ? "," : "", t->m[i].x, t->m[i].y, deg(t->m[i].angle),
                   type_name(t->m[i].type), t->m[i].quality);
        printf("]}");
    }
    printf("]}\n");
}

static void print_text(const char *path, const bio_template_record *r, const bio_template *v,
                       size_t n)
{
    printf("berkas: %s\nformat: %s\npanjang rekaman: %u byte%s\nukuran citra: %ux%u, "
           "resolusi %ux%u piksel/cm\nperangkat: %u", path, bio_template_format_name(r->format),
           r->length, r->length_mismatch ? " (tidak sesuai isi; isi dipakai)" : "", r->width,
           r->height, r->res_x, r->res_y, r->capture_equipment);
    if (r->format == BIO_TEMPLATE_ANSI)
        printf(", CBEFF product id %08X", r->product_id);
    printf("\njumlah tampilan jari: %zu\n", n);
    for (size_t k = 0; k < n; k++) {
        const bio_template *t = &v[k];
        printf("\ntampilan %zu: posisi jari %u, nomor tampilan %u, jenis impresi %u, "
               "kualitas %u, %u minutiae\n", k, t->finger_position, t->view_number,
               t->impression, t->quality, t->count);
        for (int i = 0; i < t->count; i++)
            printf("%4d x=%-5u y=%-5u sudut=%6.1f jenis=%-11s kualitas=%u\n", i, t->m[i].x,
                   t->m[i].y, deg(t->m[i].angle), type_name(t->m[i].type), t->m[i].quality);
    }
}

int cli_afis_template(int argc, char **argv)
{
    const char *path = cli_arg(argc, argv, 0, NULL);
    if (!path)
        return cli_usage("pemakaian: ktpel afis template BERKAS [--json]");
    uint8_t *buf = NULL;
    size_t len = 0, n = 0;
    bio_template *v = NULL;
    bio_template_record rec;
    bio_msg msg = {{0}};
    int rc = 1;
    if (bio_read_file(path, 16u * 1024 * 1024, &buf, &len, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: berkas tidak dapat dibaca: %s\n", msg.text);
        goto out;
    }
    if (bio_template_decode(buf, len, &v, &n, &rec, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: %s: rekaman minutiae tidak sah: %s\n", path, msg.text);
        goto out;
    }
    if (cli_flag(argc, argv, "json"))
        print_json(&rec, v, n);
    else
        print_text(path, &rec, v, n);
    rc = 0;
out:
    free(v);
    free(buf);
    return rc;
}
