/*
 * csv.h - the one CSV line reader of ktpel: every CSV the project reads (the SIAK extract,
 * the Kepmendagri region list) is split by these rules, so a file that one import accepts
 * the other does not refuse for its form (issue 10: a UTF-8 BOM accepted by one, refused by
 * the other).
 *
 * Rules (RFC 4180, one record per line):
 * - fields are separated by commas; a field may be double-quoted, and then may hold commas,
 *   and "" inside the quotes is one quote ("SITI, AMINAH", "JL. ""MAWAR""");
 * - a quote inside an unquoted field, text after a closing quote, or a quote never closed is
 *   a fault of that column (a person finds it by "line N, column M");
 * - line 1 may start with a UTF-8 byte order mark (spreadsheet exports write one): skipped;
 * - a trailing CR (Windows line ends) is not data;
 * - no newline inside a field (neither SIAK nor Kepmendagri write one).
 *
 * Never: I/O, allocation (splitting is in place, in the caller's buffer).
 */
#ifndef KTPEL_CORE_CSV_H
#define KTPEL_CORE_CSV_H

#include <stddef.h>

/*
 * Split `line` (NUL-terminated, without its newline) in place into fields[0..n-1], each a
 * NUL-terminated string inside line. Returns n >= 1; max + 1 when the line has more than max
 * fields (fields[0..max-1] filled); -1 on a fault, with *bad_column the 1-based column and
 * *why (may be NULL) a static Indonesian reason.
 */
int csv_split(char *line, char **fields, int max, int *bad_column, const char **why);

/* The line without a leading UTF-8 byte order mark (EF BB BF); line itself otherwise. */
char *csv_skip_bom(char *line);

/* Drop trailing CR and LF in place; returns the new length. */
size_t csv_chomp(char *line, size_t len);

#endif
