/*
 * fuzz_svc.h - a real service for the harnesses that need one (fuzz_api, fuzz_siak_csv): a
 * SQLite file in the harness's temporary folder and a fixed clock (FZ_NOW_MS), so every
 * input meets the same service day.
 */
#ifndef KTPEL_FUZZ_SVC_H
#define KTPEL_FUZZ_SVC_H

#include "fuzz.h"
#include "service/service.h"

static int64_t fz_clock(void) { return FZ_NOW_MS; }

/* Open the service on <fz_dir(name)>/ktpel.db (path into db, cap 300); aborts on failure. */
__attribute__((unused)) static svc *fz_svc_open(const char *name, int afis_lazy, char db[300])
{
    svc_config cfg;
    svc *s = NULL;
    kt_error err;
    snprintf(db, 300, "%s/ktpel.db", fz_dir(name));
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.now_ms = fz_clock;
    cfg.afis_lazy = afis_lazy;
    if (svc_open(&cfg, &s, &err) != KT_OK) {
        fprintf(stderr, "fuzz_%s: svc_open: %s %s\n", name, err.id, err.message);
        abort();
    }
    return s;
}

#endif
