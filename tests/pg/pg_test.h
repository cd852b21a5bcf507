/*
 * pg_test.h - a throwaway PostgreSQL cluster for a cmocka test executable: started once per
 * group (tests/pg/pg_tmp.sh: initdb into a temp folder, a free loopback port, the unix socket
 * in the folder, a database "ktpel"), one fresh schema per test case, stopped and removed at
 * the end; a watchdog in the script removes it too if the test process dies first.
 * Header-only (static functions), like tests/unit/service/svc_test.h.
 *
 * When the server binaries are absent, pgt_start() prints "SKIP: <reason>" and every test
 * calls skip().
 */
#ifndef KTPEL_TEST_PG_H
#define KTPEL_TEST_PG_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static char pgt_dir[64];     /* the cluster's folder */
static char pgt_script[512]; /* tests/pg/pg_tmp.sh */
static char pgt_base[128];   /* postgres://user@127.0.0.1:port */
static int pgt_port;
static int pgt_up;           /* 1: server running; 0: skipped */
static int pgt_ndb;

/* A free loopback TCP port (the kernel's pick; the server binds it a moment later). */
static int pgt_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int pgt_find_script(void)
{
    const char *src = getenv("KTPEL_SOURCE");
    if (src != NULL && src[0] != '\0') {
        snprintf(pgt_script, sizeof pgt_script, "%s/tests/pg/pg_tmp.sh", src);
    } else {
        /* tests/pg/pg_test.h -> tests/pg/pg_tmp.sh */
        const char *f = __FILE__;
        const char *slash = strrchr(f, '/');
        int dl = slash != NULL ? (int)(slash - f) : 1;
        snprintf(pgt_script, sizeof pgt_script, "%.*s/pg_tmp.sh", dl,
                 slash != NULL ? f : ".");
    }
    return access(pgt_script, R_OK) == 0 ? 0 : -1;
}

/* Group setup: start the cluster, or decide to skip. Returns 0 either way unless broken. */
static int pgt_start(void)
{
    char cmd[1024], line[256] = "";
    pgt_up = 0;
    if (pgt_find_script() != 0) {
        printf("SKIP: %s not found\n", pgt_script);
        return 0;
    }
    snprintf(pgt_dir, sizeof pgt_dir, "/tmp/ktpel-pg-XXXXXX");
    if (mkdtemp(pgt_dir) == NULL)
        return -1;
    for (int attempt = 0; attempt < 3; attempt++) {
        pgt_port = pgt_free_port();
        snprintf(cmd, sizeof cmd, "sh '%s' start '%s' %d %ld", pgt_script, pgt_dir, pgt_port,
                 (long)getpid());
        FILE *p = popen(cmd, "r");
        if (p == NULL)
            return -1;
        if (fgets(line, sizeof line, p) == NULL)
            line[0] = '\0';
        int st = pclose(p);
        line[strcspn(line, "\n")] = '\0';
        if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
            printf("%s\n", line[0] ? line : "SKIP: PostgreSQL not available");
            rmdir(pgt_dir);
            return 0;
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && strncmp(line, "postgres://", 11) == 0) {
            snprintf(pgt_base, sizeof pgt_base, "%.*s", (int)sizeof pgt_base - 1, line);
            pgt_up = 1;
            return 0;
        }
        /* The port was taken in between, or initdb left files: start over in a new folder. */
        snprintf(cmd, sizeof cmd, "sh '%s' stop '%s'", pgt_script, pgt_dir);
        if (system(cmd) != 0)
            return -1;
        snprintf(pgt_dir, sizeof pgt_dir, "/tmp/ktpel-pg-XXXXXX");
        if (mkdtemp(pgt_dir) == NULL)
            return -1;
    }
    fprintf(stderr, "pg_test: the throwaway PostgreSQL cluster did not start\n");
    return -1;
}

static int pgt_stop(void)
{
    char cmd[1024];
    if (!pgt_up)
        return 0;
    snprintf(cmd, sizeof cmd, "sh '%s' stop '%s'", pgt_script, pgt_dir);
    pgt_up = 0;
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh, empty schema (CREATE DATABASE costs most of a second; a schema, milliseconds) and
   a location whose search_path selects it, into loc. Skips the test when there is no server. */
static void pgt_new_db(char *loc, size_t cap)
{
    char cmd[1024], name[32];
    if (!pgt_up)
        skip();
    snprintf(name, sizeof name, "t%d", ++pgt_ndb);
    snprintf(cmd, sizeof cmd, "sh '%s' createschema '%s' %d %s", pgt_script, pgt_dir, pgt_port,
             name);
    assert_int_equal(system(cmd), 0);
    snprintf(loc, cap, "%s/ktpel?options=-csearch_path%%3D%s", pgt_base, name);
}

#endif
