/*
 * scans.h - what the application's JSON needs of the document scans (scans.c); never included
 * outside src/service.
 */
#ifndef KTPEL_SERVICE_SCANS_H
#define KTPEL_SERVICE_SCANS_H

#include "service/svc_internal.h"

/* The application's scans as a JSON array (new reference in *out): [{doc, content_type, size,
   width, height, at}], by document. */
kt_code svc_scans_of(store *db, int64_t app_id, json_t **out, kt_error *err);

#endif
