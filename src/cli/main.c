/*
 * main.c - the ktpel binary: git-style subcommands listed in commands.def.
 * Only dispatch and the shared option helpers live here; each command is a file of its own.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct cli_command commands[] = {
#define CMD(name, fn, summary) {name, fn, summary},
#include "cli/commands.def"
#undef CMD
};

static int usage_all(FILE *out)
{
    fprintf(out, "ktpel - layanan e-KTP kecamatan\n\nusage: ktpel <command> [options]\n\n"
                 "commands:\n");
    fprintf(out, "  %-14s %s\n", "help", "list the commands");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nEvery command that uses the database takes --db PATH (default %s).\n"
                 "Run 'ktpel <command> --help' for its options.\n", CLI_DEFAULT_DB);
    return 0;
}

int cli_report(const kt_error *err)
{
    if (err->field[0] != '\0')
        fprintf(stderr, "ktpel: %s: %s\n", err->field, err->message);
    else
        fprintf(stderr, "ktpel: %s\n", err->message);
    return 1;
}

int cli_usage(const char *fmt, ...)
{
    va_list ap;
    fputs("ktpel: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

/* Accept "--name" as well as "name": both spellings are natural at a call site. */
static const char *bare_name(const char *name)
{
    return (name[0] == '-' && name[1] == '-') ? name + 2 : name;
}

const char *cli_opt(int argc, char **argv, const char *name, const char *dflt, int *bad)
{
    name = bare_name(name);
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (a[0] != '-' || a[1] != '-' || strncmp(a + 2, name, n) != 0)
            continue;
        if (a[2 + n] == '=')
            return a + 3 + n;
        if (a[2 + n] == '\0') {
            if (i + 1 < argc)
                return argv[i + 1];
            if (bad != NULL)
                *bad = 1;
            return dflt;
        }
    }
    return dflt;
}

int cli_flag(int argc, char **argv, const char *name)
{
    name = bare_name(name);
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, name, n) == 0 && a[2 + n] == '\0')
            return 1;
    }
    return 0;
}

static int takes_value(const char *flag, const char *const *valued)
{
    if (valued == NULL || strchr(flag, '=') != NULL)
        return 0;
    for (size_t i = 0; valued[i] != NULL; i++)
        if (strcmp(flag + 2, valued[i]) == 0)
            return 1;
    return 0;
}

const char *cli_arg(int argc, char **argv, int idx, const char *const *valued)
{
    int seen = 0, only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            if (takes_value(a, valued))
                i++;
            continue;
        }
        if (seen++ == idx)
            return a;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    /* Everything ktpel writes (the database and its WAL, keys, biometric files, documents,
       backups) is for the office's service account alone: files 0600, folders 0700. The
       places that create files also pass explicit modes; this covers the libraries'. */
    umask(077);
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0)
        return usage_all(stdout);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ktpel: '%s' bukan perintah ktpel; lihat 'ktpel help'\n", argv[1]);
    return 2;
}
