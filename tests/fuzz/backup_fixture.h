/*
 * backup_fixture.h - what fuzz_backup and make_seeds share: a small office to back up (a
 * fixed SQLite database and two data files), and its archive as ktpel writes it, made with
 * the independent writer of tests/ktb_writer.h, so the harness can put any archive, any
 * MANIFEST and any chunking behind a valid encryption (the fuzzer cannot forge the
 * authentication tags: without this it would never get past the first chunk).
 *
 * Ownership: fz_office_free. Header-only.
 */
#ifndef KTPEL_FUZZ_BACKUP_FIXTURE_H
#define KTPEL_FUZZ_BACKUP_FIXTURE_H

#include <sqlite3.h>
#include <sys/stat.h>

#include "../ktb_writer.h"
#include "backup/backup.h"
#include "fuzz.h"

/* The office backed up: <root>/src/ktpel.db (a small fixed SQLite database) and
   <root>/src/data (two files). The same bytes on every run. */
typedef struct fz_office {
    char db[400], data[400];
    uint8_t *db_bytes; /* owned */
    size_t db_len;
} fz_office;

static const char fz_office_finger[] = "KTS1 a sealed finger would be here";
static const char fz_office_pdf[] = "%PDF-1.4 fuzz receipt";

static int fz_office_make(const char *root, fz_office *o)
{
    char src[320], p[500];
    sqlite3 *h = NULL;
    memset(o, 0, sizeof *o);
    snprintf(src, sizeof src, "%s/src", root);
    snprintf(o->db, sizeof o->db, "%s/ktpel.db", src);
    snprintf(o->data, sizeof o->data, "%s/data", src);
    if (mkdir(src, 0700) != 0 || mkdir(o->data, 0700) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/bio", o->data);
    if (mkdir(p, 0700) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/bio/finger_1.sealed", o->data);
    fz_write_file(p, fz_office_finger, sizeof fz_office_finger - 1);
    snprintf(p, sizeof p, "%s/receipt-1.pdf", o->data);
    fz_write_file(p, fz_office_pdf, sizeof fz_office_pdf - 1);
    if (sqlite3_open(o->db, &h) != SQLITE_OK ||
        sqlite3_exec(h, "PRAGMA journal_mode=DELETE; CREATE TABLE residents (nik TEXT);"
                        "INSERT INTO residents VALUES ('3671104508900001');",
                     NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(h);
        return -1;
    }
    sqlite3_close(h);
    FILE *f = fopen(o->db, "rb");
    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    o->db_bytes = malloc(n > 0 ? (size_t)n : 1);
    if (o->db_bytes == NULL || n <= 0 || fread(o->db_bytes, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    o->db_len = (size_t)n;
    return 0;
}

KW_FN void fz_office_free(fz_office *o)
{
    free(o->db_bytes);
    o->db_bytes = NULL;
}

/* The office's own MANIFEST text, as bak_backup writes it. */
static void fz_office_manifest(const fz_office *o, t_bytes *man)
{
    t_put(man, KW_MANIFEST_HEADER, sizeof KW_MANIFEST_HEADER - 1);
    kw_manifest_line(man, BAK_DB_NAME, o->db_bytes, o->db_len);
    kw_manifest_line(man, "data/bio/finger_1.sealed", fz_office_finger,
                     sizeof fz_office_finger - 1);
    kw_manifest_line(man, "data/receipt-1.pdf", fz_office_pdf, sizeof fz_office_pdf - 1);
    kw_manifest_close(man);
}

/* The office's archive as ktpel writes it: ktpel.db, data files, then MANIFEST. man (n
   bytes) replaces the office's own manifest: FZ_MAN_LINES the lines between the header and a
   correct end line, FZ_MAN_WHOLE the whole text; FZ_MAN_OWN (man NULL) the office's own. */
enum { FZ_MAN_OWN, FZ_MAN_LINES, FZ_MAN_WHOLE };

KW_FN void fz_office_tar(const fz_office *o, const uint8_t *man_in, size_t n, int how,
                         t_bytes *out)
{
    t_bytes man = {0};
    struct archive *a = kw_tar_begin(out);
    kw_tar_add(a, BAK_DB_NAME, AE_IFREG, NULL, 0, o->db_bytes, o->db_len);
    kw_tar_add(a, "data/bio/finger_1.sealed", AE_IFREG, NULL, 0, fz_office_finger,
               sizeof fz_office_finger - 1);
    kw_tar_add(a, "data/receipt-1.pdf", AE_IFREG, NULL, 0, fz_office_pdf,
               sizeof fz_office_pdf - 1);
    if (how == FZ_MAN_OWN) {
        fz_office_manifest(o, &man);
    } else if (how == FZ_MAN_WHOLE) {
        t_put(&man, man_in, n);
    } else {
        t_put(&man, KW_MANIFEST_HEADER, sizeof KW_MANIFEST_HEADER - 1);
        t_put(&man, man_in, n);
        if (n > 0 && man_in[n - 1] != '\n')
            t_put(&man, "\n", 1);
        kw_manifest_close(&man);
    }
    kw_tar_add(a, BAK_MANIFEST, AE_IFREG, NULL, 0, man.p, man.n);
    kw_tar_end(a);
    t_free(&man);
}

#endif
