/*
 * cmd_link.c - `ktpel link`: the kecamatan node's link to Disdukcapil (docs/internals/link.md),
 * and `link import` at the central.
 *
 *   ktpel link enrol --central URL --node-id ID --code CODE [--pin sha256//...] [--key FILE]
 *   ktpel link status | outbox [--state S] | sync [--force] | retry PACKET_ID | export DIR
 *   ktpel link import DIR --db postgres://...      (at the central: packets from a disk)
 */
#include "cli/cli.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusat/pusat.h"
#include "service/link_node.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: ktpel link enrol --central URL --node-id ID --code CODE [--pin PIN]"
               " [--key FILE]\n"
               "       ktpel link status | outbox [--state S] | sync [--force]\n"
               "       ktpel link retry PACKET_ID | export DIR\n"
               "       ktpel link import DIR --db postgres://...   (di pusat)\n"
               "Every form takes --db PATH and --data DIR.\n");
    return f == stdout ? 0 : 2;
}

/* Read a whole file (a packet: bounded). *buf: free(). */
static int read_all(const char *path, unsigned char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *buf = NULL;
    *len = 0;
    if (f == NULL)
        return -1;
    size_t cap = (32u << 20) + 1;
    unsigned char *b = malloc(cap);
    size_t n = b != NULL ? fread(b, 1, cap, f) : 0;
    fclose(f);
    if (b == NULL || n == cap) {
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

static int cmd_import(int argc, char **argv, const char *dir)
{
    cli_session cs;
    pusat *p = NULL;
    pusat_config pc;
    int rc = cli_begin(argc, argv, &cs), failed = 0;
    if (rc != 0)
        return rc;
    memset(&pc, 0, sizeof pc);
    pc.no_worker = 1;
    kt_code code = pusat_open(cs.svc, &pc, &p, &cs.err);
    json_t *files = json_array();
    DIR *d = code == KT_OK ? opendir(dir) : NULL;
    if (code == KT_OK && d == NULL)
        code = kt_fail(&cs.err, KT_EINVAL, "dir_invalid", "dir", "Folder %s tidak terbaca", dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (nl < 7 || strcmp(e->d_name + nl - 6, ".ktpkt") != 0)
            continue;
        char path[4200];
        unsigned char *buf = NULL;
        size_t len = 0;
        json_t *res = NULL;
        kt_error err;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (read_all(path, &buf, &len) != 0)
            kt_fail(&err, KT_EIO, "read_failed", path, "berkas tidak terbaca atau terlalu besar");
        else if (pusat_packet_receive(p, buf, len, "import", &res, &err) == KT_OK) {
            json_object_set_new(res, "file", json_string(e->d_name));
            json_array_append_new(files, res);
            free(buf);
            continue;
        }
        free(buf);
        failed++;
        json_array_append_new(files, json_pack("{s:s, s:s, s:s}", "file", e->d_name, "error",
                                               err.id, "message", err.message));
    }
    if (d != NULL)
        closedir(d);
    int done = 0;
    if (code == KT_OK)
        code = pusat_process_pending(p, &done, &cs.err);
    if (code == KT_OK)
        cs.out = json_pack("{s:O, s:i, s:i}", "files", files, "refused", failed, "processed",
                           done);
    json_decref(files);
    pusat_close(p);
    rc = cli_end(&cs, code);
    return rc != 0 ? rc : failed > 0;
}

int cli_link(int argc, char **argv)
{
    static const char *const valued[] = {"db", "data", "central", "node-id", "code", "pin", "key",
                                         "state", NULL};
    int bad = 0;
    if (cli_flag(argc, argv, "help"))
        return usage(stdout);
    const char *sub = cli_arg(argc, argv, 0, valued), *arg = cli_arg(argc, argv, 1, valued);
    const char *central = cli_opt(argc, argv, "central", NULL, &bad),
               *node = cli_opt(argc, argv, "node-id", NULL, &bad),
               *code = cli_opt(argc, argv, "code", NULL, &bad),
               *pin = cli_opt(argc, argv, "pin", NULL, &bad),
               *key = cli_opt(argc, argv, "key", NULL, &bad),
               *state = cli_opt(argc, argv, "state", NULL, &bad);
    if (bad || sub == NULL)
        return usage(stderr);
    if (strcmp(sub, "import") == 0) {
        if (arg == NULL)
            return cli_usage("link import: folder wajib");
        return cmd_import(argc, argv, arg);
    }
    cli_session cs;
    int rc = cli_begin(argc, argv, &cs);
    if (rc != 0)
        return rc;
    kt_code k;
    json_t *in = json_object();
    if (strcmp(sub, "enrol") == 0) {
        if (central != NULL)
            json_object_set_new(in, "central_url", json_string(central));
        if (node != NULL)
            json_object_set_new(in, "node_id", json_string(node));
        if (code != NULL)
            json_object_set_new(in, "code", json_string(code));
        if (pin != NULL)
            json_object_set_new(in, "tls_pin", json_string(pin));
        if (key != NULL)
            json_object_set_new(in, "key_path", json_string(key));
        k = svc_link_enrol(cs.svc, &cs.who, in, &cs.out, &cs.err);
    } else if (strcmp(sub, "status") == 0) {
        k = svc_link_info(cs.svc, &cs.who, &cs.out, &cs.err);
    } else if (strcmp(sub, "outbox") == 0) {
        if (state != NULL)
            json_object_set_new(in, "state", json_string(state));
        k = svc_link_outbox(cs.svc, &cs.who, in, &cs.out, &cs.err);
    } else if (strcmp(sub, "sync") == 0) {
        k = svc_link_sync(cs.svc, &cs.who, cli_flag(argc, argv, "force"), &cs.out, &cs.err);
    } else if (strcmp(sub, "retry") == 0) {
        k = svc_link_retry(cs.svc, &cs.who, arg, &cs.out, &cs.err);
    } else if (strcmp(sub, "export") == 0) {
        k = svc_link_export(cs.svc, &cs.who, arg, &cs.out, &cs.err);
    } else {
        json_decref(in);
        cli_end(&cs, KT_OK);
        return cli_usage("link: '%s' bukan subperintah (enrol, status, outbox, sync, retry,"
                         " export, import)", sub);
    }
    json_decref(in);
    return cli_end(&cs, k);
}
