/*
 * cmd_afis.c - `ktpel afis <sub>`: the fingerprint engine's commands (afis.def).
 * Dispatch only; each subcommand is a file of its own over src/bio.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#define AFIS(name, fn, summary) int fn(int argc, char **argv);
#include "cli/afis.def"
#undef AFIS

struct afis_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct afis_command afis_commands[] = {
    {"help", NULL, "list the afis commands"},
#define AFIS(name, fn, summary) {name, fn, summary},
#include "cli/afis.def"
#undef AFIS
};

int cli_afis(int argc, char **argv)
{
    size_t n = sizeof afis_commands / sizeof afis_commands[0];
    if (argc >= 2)
        for (size_t i = 1; i < n; i++)
            if (strcmp(argv[1], afis_commands[i].name) == 0)
                return afis_commands[i].fn(argc - 1, argv + 1);
    FILE *out = (argc < 2 || strcmp(argv[1], "help") == 0) ? stdout : stderr;
    if (out == stderr)
        fprintf(stderr, "ktpel afis: '%s' bukan perintah afis\n", argv[1]);
    fprintf(out, "usage: ktpel afis <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-12s %s\n", afis_commands[i].name, afis_commands[i].summary);
    return out == stderr ? 2 : 0;
}
