/*
 * cmd_user.c - `ktpel user add NAME --role ROLE [--full-name ..] [--loket N]` and
 * `ktpel user list`. The password is never a flag (it would stay in the shell history and
 * show in `ps`): it is read from a no-echo prompt on a terminal, else as one line of stdin.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "service/service.h"

/* One line into buf without its newline; 0 ok, -1 none. Echo off when stdin is a terminal. */
static int read_password(char *buf, size_t cap)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO);
    if (tty) {
        fputs("Kata sandi: ", stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) != 0)
            return -1;
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *r = fgets(buf, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (r == NULL)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int user_add(int argc, char **argv)
{
    static const char *const valued[] = {"db", "role", "full-name", "loket", NULL};
    const char *name = cli_arg(argc, argv, 0, valued);
    int bad = 0;
    const char *role = cli_opt(argc, argv, "role", NULL, &bad);
    const char *full = cli_opt(argc, argv, "full-name", "", &bad);
    const char *lk = cli_opt(argc, argv, "loket", NULL, &bad);
    if (bad || name == NULL || role == NULL)
        return cli_usage("user add: NAME dan --role ROLE wajib diisi; lihat 'ktpel user --help'");
    long loket = 0;
    if (lk != NULL) {
        char *end = NULL;
        errno = 0;
        loket = strtol(lk, &end, 10);
        if (errno != 0 || *end != '\0' || loket < 0 || loket > 99)
            return cli_usage("user add: --loket harus bilangan 0..99, bukan '%s'", lk);
    }
    char pw[256];
    if (read_password(pw, sizeof pw) != 0)
        return cli_usage("user add: kata sandi tidak terbaca dari masukan");
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:I}", "username", name, "full_name", full,
                           "role", role, "password", pw, "loket", (json_int_t)loket);
    memset(pw, 0, sizeof pw);
    if (in == NULL)
        return cli_usage("user add: memori habis");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc == 0)
        rc = cli_end(&cs, svc_user_add(cs.svc, &cs.who, in, &cs.out, &cs.err));
    json_decref(in);
    return rc;
}

static int user_list(int argc, char **argv)
{
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_user_list(cs.svc, &cs.who, &cs.out, &cs.err));
}

int cli_user(int argc, char **argv)
{
    if (argc < 2 || cli_flag(argc, argv, "help") || strcmp(argv[1], "help") == 0) {
        printf("usage: ktpel user add NAME --role ROLE [--full-name TEKS] [--loket N] [--db PATH]\n"
               "       ktpel user list [--db PATH]\n\n"
               "ROLE: intake, operator, handover, supervisor, admin. Kata sandi dibaca tanpa\n"
               "gema dari terminal, atau satu baris dari stdin.\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "add") == 0)
        return user_add(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return user_list(argc - 1, argv + 1);
    return cli_usage("user: sub-perintah '%s' tidak dikenal (add, list)", argv[1]);
}
