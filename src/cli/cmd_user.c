/*
 * cmd_user.c - staff accounts from the shell (the system actor, audited as "system"):
 * `ktpel user add NAME --role ROLE [--full-name ..] [--loket N] [--must-change]`,
 * `user list`, `user disable|enable|reset NAME`, `user sessions`, `user revoke ID`.
 * The password is never a flag (it would stay in the shell history and show in `ps`): it is
 * read from a no-echo prompt on a terminal, else as one line of stdin. `user reset` prints
 * the one-time temporary password (the account must change it at its next login).
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
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b}", "username", name, "full_name", full,
                           "role", role, "password", pw, "loket", (json_int_t)loket,
                           "must_change_password", cli_flag(argc, argv, "must-change"));
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

/* user disable|enable|reset NAME */
static int user_named(int argc, char **argv, const char *what)
{
    static const char *const valued[] = {"db", "data", NULL};
    const char *name = cli_arg(argc, argv, 0, valued);
    if (name == NULL)
        return cli_usage("user %s: NAME wajib diisi; lihat 'ktpel user --help'", what);
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    kt_code c;
    if (strcmp(what, "reset") == 0)
        c = svc_user_reset_password(cs.svc, &cs.who, name, &cs.out, &cs.err);
    else
        c = svc_user_set_active(cs.svc, &cs.who, name, strcmp(what, "enable") == 0, &cs.out,
                                &cs.err);
    return cli_end(&cs, c);
}

static int user_sessions(int argc, char **argv)
{
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_session_list(cs.svc, &cs.who, &cs.out, &cs.err));
}

static int user_revoke(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", NULL};
    const char *id = cli_arg(argc, argv, 0, valued);
    char *end = NULL;
    errno = 0;
    long long v = id != NULL ? strtoll(id, &end, 10) : 0;
    if (id == NULL || errno != 0 || *end != '\0' || v <= 0)
        return cli_usage("user revoke: ID sesi (bilangan positif dari 'ktpel user sessions') "
                         "wajib diisi");
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    return cli_end(&cs, svc_session_revoke(cs.svc, &cs.who, v, &cs.out, &cs.err));
}

int cli_user(int argc, char **argv)
{
    if (argc < 2 || cli_flag(argc, argv, "help") || strcmp(argv[1], "help") == 0) {
        printf("usage: ktpel user add NAME --role ROLE [--full-name TEKS] [--loket N] "
               "[--must-change] [--db PATH]\n"
               "       ktpel user list [--db PATH]\n"
               "       ktpel user disable NAME | enable NAME | reset NAME [--db PATH]\n"
               "       ktpel user sessions [--db PATH]\n"
               "       ktpel user revoke ID [--db PATH]\n\n"
               "ROLE: intake, operator, handover, supervisor, admin. Kata sandi dibaca tanpa\n"
               "gema dari terminal, atau satu baris dari stdin: 10-128 karakter, paling sedikit\n"
               "5 karakter berbeda, tidak memuat nama pengguna, bukan kata sandi umum.\n"
               "--must-change: wajib ganti kata sandi saat pertama masuk.\n"
               "disable: akun tidak bisa masuk dan sesinya berakhir; enable: aktif lagi (juga\n"
               "membuka akun yang terkunci). reset: kata sandi sementara dicetak sekali; akun\n"
               "wajib menggantinya saat masuk. sessions: sesi yang aktif; revoke: akhiri satu.\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "add") == 0)
        return user_add(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return user_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0 ||
        strcmp(argv[1], "reset") == 0)
        return user_named(argc - 1, argv + 1, argv[1]);
    if (strcmp(argv[1], "sessions") == 0)
        return user_sessions(argc - 1, argv + 1);
    if (strcmp(argv[1], "revoke") == 0)
        return user_revoke(argc - 1, argv + 1);
    return cli_usage("user: sub-perintah '%s' tidak dikenal (add, list, disable, enable, "
                     "reset, sessions, revoke)",
                     argv[1]);
}
