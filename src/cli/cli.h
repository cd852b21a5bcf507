/*
 * cli.h - what the command files share: their entry points (from commands.def) and small
 * helpers for options and for reporting a kt_error. Commands stay thin: parse flags, call
 * service/, print. They never touch store/ directly.
 */
#ifndef KTPEL_CLI_H
#define KTPEL_CLI_H

#include "core/error.h"
#include "service/service.h"

#define CMD(name, fn, summary) int fn(int argc, char **argv);
#include "cli/commands.def"
#undef CMD

/* Default database path when --db is not given. */
#define CLI_DEFAULT_DB "var/ktpel.db"
/* Default data folder (biometric files, documents) for a database server location; a SQLite
   file keeps its data folder beside it (<db dir>/data). */
#define CLI_DEFAULT_DATA "var/data"

/* Print "ktpel: <field>: <message>" (field omitted when empty) to stderr; returns 1. */
int cli_report(const kt_error *err);

/* Print "ktpel: <message>" to stderr; returns the exit code 2 (usage error). */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Find "--name VALUE" or "--name=VALUE" in argv[1..argc-1] (`name` with or without the dashes).
 * Returns the value (pointing into
 * argv) or dflt when absent. A flag given without a value is a usage error: *bad is set to 1.
 */
const char *cli_opt(int argc, char **argv, const char *name, const char *dflt, int *bad);

/* 1 if the bare flag "--name" is present. `name` may be "json" or "--json". */
int cli_flag(int argc, char **argv, const char *name);

/*
 * The i-th positional argument (0-based, after the subcommand), skipping --flags and their
 * values. Flags listed in `valued` (NULL-terminated) take a value; others are bare.
 */
const char *cli_arg(int argc, char **argv, int i, const char *const *valued);

/*
 * The data folder: --data when given, else <db dir>/data for a SQLite file, CLI_DEFAULT_DATA
 * for a server location (postgres://...). Written into buf; returns 0, or 2 after a usage
 * message when the path does not fit.
 */
int cli_data_dir(const char *db, const char *data_opt, char *buf, size_t cap);

/*
 * The data folder (cli_data_dir of --db and --data, into data) and the data key ring loaded
 * from --key or seal_default_key_path(data) (for the commands that work on files without
 * opening the service: backup, restore). Returns 0 (*ring owned by caller:
 * seal_ring_free()), or the exit code after reporting the error.
 */
struct seal_ring;
int cli_load_ring(int argc, char **argv, const char *db, char *data, size_t cap,
                  struct seal_ring **ring);

/*
 * Open the service on --db PATH (default CLI_DEFAULT_DB) and --data DIR (cli_data_dir),
 * creating the database's folder. Returns 0, or
 * the exit code after reporting the error. *out owned by caller: svc_close().
 */
int cli_open_svc(int argc, char **argv, svc **out);

/* Write bytes to path through a temporary file (written, fsynced, renamed), so a reader never
   sees half a document. KT_OK, or a kt_error naming the path. */
kt_code cli_write_file(const char *path, const void *data, size_t len, kt_error *err);

/* Print a JSON value, indented, to stdout. Returns 0, or 1 on a write error. */
int cli_print_json(const json_t *j);

/*
 * The frame of every command that calls one use case:
 *     cli_session cs;
 *     int rc = cli_begin(argc, argv, &cs);
 *     if (rc != 0)
 *         return rc;
 *     return cli_end(&cs, svc_import_wilayah(cs.svc, &cs.who, file, &cs.out, &cs.err));
 * cli_begin opens the service (--db) as the system actor; cli_end prints the result (also the
 * value a refusal comes with), reports the error, releases everything and returns the exit
 * code: 0, or 1 when the use case failed.
 */
typedef struct cli_session {
    svc *svc;        /* owned; closed by cli_end */
    svc_actor who;
    json_t *out;     /* owned; released by cli_end */
    kt_error err;
} cli_session;

int cli_begin(int argc, char **argv, cli_session *cs);
int cli_end(cli_session *cs, kt_code code);

#endif
