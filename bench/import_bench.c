/*
 * import_bench.c - SIAK import speed: writes a CSV of N residents (default 1,000,000, valid
 * NIKs of Kecamatan Neglasari, families of 4), imports it with svc_import_siak into a fresh
 * database, prints rows/s and the peak RSS (getrusage). Keeps the database for lookup_bench.
 *
 * usage: import_bench [N] [DIR]   (DIR default /tmp/ktpel-bench; N.csv and residents.db there)
 * Prints figures; never fails on speed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "service/service.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* N residents: person i is born on day (i / 4000) of a 70-year span, serial per day. */
static int write_csv(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs("nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,"
          "pekerjaan,pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,"
          "kecamatan_code,hubungan,ktp_status,card_valid\n", f);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (long i = 0; i < n; i++) {
        long d = i / 2000;              /* 2000 people per (day, sex) block pair */
        int female = (int)((i / 1000) % 2);
        int serial = (int)(i % 1000) + 1;
        int year = 1940 + (int)(d / 365) % 80, doy = (int)(d % 365), month = 0;
        while (doy >= mdays[month]) {
            doy -= mdays[month];
            month++;
        }
        int day = doy + 1;
        fprintf(f,
                "367110%02d%02d%02d%04d,367110%02d%02d%02d%04ld,PENDUDUK %ld,TANGERANG,"
                "%04d-%02d-%02d,%c,%d,1,%d,15,5,WNI,,JL. NEGLASARI RAYA NO. %ld,%03d,%03d,"
                "367110100%d,367110,%d,UNREGISTERED,0\n",
                day + (female ? 40 : 0), month + 1, year % 100, serial, 1 + (int)(i / 4 % 28),
                1 + (int)(i / 112 % 12), 20, (i / 4) % 10000, i, year, month + 1, day,
                female ? 'P' : 'L', 1 + (int)(i % 13), year < 2000 ? 2 : 1, i % 300,
                1 + (int)(i % 15), 1 + (int)(i % 10), 1 + (int)(i % 7), i % 4 == 0 ? 1 : 4);
    }
    return fclose(f);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp/ktpel-bench";
    char csv[512], db[512], cmd[1700];
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    snprintf(csv, sizeof csv, "%s/siak-%ld.csv", dir, n);
    snprintf(db, sizeof db, "%s/residents.db", dir);
    snprintf(cmd, sizeof cmd, "rm -f '%s' '%s-wal' '%s-shm'", db, db, db);
    if (system(cmd) != 0)
        return 1;
    double t0 = now_s();
    if (write_csv(csv, n) != 0) {
        perror(csv);
        return 1;
    }
    double t1 = now_s();
    struct stat sb;
    stat(csv, &sb);
    printf("csv: %ld rows, %.1f MB written in %.2f s\n", n, (double)sb.st_size / 1e6, t1 - t0);

    svc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    svc *s = NULL;
    kt_error err;
    if (svc_open(&cfg, &s, &err) != KT_OK) {
        fprintf(stderr, "svc_open: %s\n", err.message);
        return 1;
    }
    svc_actor sys = svc_system_actor();
    json_t *out = NULL;
    double t2 = now_s();
    kt_code rc = svc_import_siak(s, &sys, csv, 0, &out, &err);
    double t3 = now_s();
    if (rc != KT_OK) {
        fprintf(stderr, "import: %s: %s\n", err.field, err.message);
        svc_close(s);
        return 1;
    }
    json_int_t imported = json_integer_value(json_object_get(out, "imported"));
    json_decref(out);
    svc_close(s);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    stat(db, &sb);
    printf("import: %lld rows in %.2f s = %.0f rows/s (one transaction, synchronous=FULL)\n",
           (long long)imported, t3 - t2, (double)imported / (t3 - t2));
    printf("database: %.1f MB; peak RSS: %.1f MB\n", (double)sb.st_size / 1e6,
           (double)ru.ru_maxrss / 1024.0);
    unlink(csv);
    return 0;
}
