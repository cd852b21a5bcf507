/*
 * csv.c - the CSV line reader shared by every import (see csv.h for the rules).
 * Never: I/O, allocation.
 */
#include "core/csv.h"

#include <string.h>

static int fault(int column, const char *msg, int *bad_column, const char **why)
{
    *bad_column = column;
    if (why != NULL)
        *why = msg;
    return -1;
}

int csv_split(char *line, char **fields, int max, int *bad_column, const char **why)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return max + 1; /* more fields than the caller takes */
        if (*p == '"') {
            char *w = ++p, *start = p;
            for (;;) {
                if (*p == '\0')
                    return fault(n + 1, "Tanda kutip tidak ditutup", bad_column, why);
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            fields[n++] = start;
            if (*p != ',' && *p != '\0')
                return fault(n, "Ada teks setelah tanda kutip penutup", bad_column, why);
            char sep = *p;
            *w = '\0';
            if (sep == '\0')
                return n;
            p++;
        } else {
            fields[n++] = p;
            char *c = p + strcspn(p, ",\"");
            if (*c == '"')
                return fault(n, "Tanda kutip di tengah kolom (kolom berisi koma atau kutip "
                                "harus diapit tanda kutip)",
                             bad_column, why);
            if (*c == '\0')
                return n;
            *c = '\0';
            p = c + 1;
        }
    }
}

char *csv_skip_bom(char *line)
{
    if (line != NULL && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
        (unsigned char)line[2] == 0xBF)
        return line + 3;
    return line;
}

size_t csv_chomp(char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    return len;
}
