/* cmd_version.c - `ktpel version`. */
#include "cli/cli.h"

#include <stdio.h>

int cli_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    puts("ktpel 0.1.0");
    return 0;
}
