/*
 * words.c - svc_labels: every table of core/words.h as JSON, for the pages (GET /api/labels),
 * so a page shows the same word for a code as the PDFs and CSV files do.
 * Never: anything but codes and words (no personal data: the route is public).
 */
#include "core/words.h"
#include "service/svc_internal.h"

kt_code svc_labels(json_t **out, kt_error *err)
{
    json_t *o = json_object();
    *out = NULL;
    if (o == NULL)
        return svc_nomem(err);
    for (int t = 0; t < WORDS_TABLE_COUNT; t++) {
        json_t *table = json_object();
        const char *id, *word;
        if (table == NULL || json_object_set_new(o, words_table_str((words_table)t), table) != 0) {
            json_decref(o);
            return svc_nomem(err);
        }
        for (size_t i = 0; words_at((words_table)t, i, &id, &word); i++)
            json_object_set_new(table, id, json_string(word));
    }
    *out = o;
    return KT_OK;
}
