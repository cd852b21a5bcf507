/*
 * test_sms_gammu.c - the SMS outbox against the real Gammu SMS daemon (gammu-smsd, files
 * backend) driving Gammu's dummy phone (a folder): while the daemon is stopped the messages
 * wait in its outbox; started, it sends them; each message is sent once (its file appears once
 * in sent/ and the daemon logs one transmission of one part); a malformed number is refused
 * and queues nothing; a spool the sender cannot write to leaves the message pending and it
 * goes once the folder is there; a message the daemon put in its error folder is handed again
 * under a new attempt; after a crash between hand-over and bookkeeping the file already handed
 * is recorded, not written twice; the sender thread of `serve --sms-spool` sends by itself
 * and stops promptly. Without gammu-smsd installed: SKIP.
 */
#include "svc_test.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "core/jakarta.h"

static char spool[160], cfg[200], smsd_log[200];
static pid_t daemon_pid;

static int setup(void **state)
{
    (void)state;
    if (t_setup_dir() != 0)
        return -1;
    snprintf(spool, sizeof spool, "%s/spool", t_dir);
    snprintf(cfg, sizeof cfg, "%s/smsdrc", t_dir);
    snprintf(smsd_log, sizeof smsd_log, "%s/smsd.log", t_dir);
    static const char *const subs[] = {"", "/outbox", "/sent", "/error", "/inbox", "/dummy"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char p[200];
        snprintf(p, sizeof p, "%s%s", spool, subs[i]);
        if (mkdir(p, 0750) != 0)
            return -1;
    }
    FILE *f = fopen(cfg, "w");
    if (f == NULL)
        return -1;
    /* The daemon on Gammu's dummy phone: a folder stands in for the modem. */
    fprintf(f,
            "[gammu]\nmodel = dummy\nconnection = none\ndevice = %s/dummy\n\n"
            "[smsd]\nservice = files\ninboxpath = %s/inbox/\noutboxpath = %s/outbox/\n"
            "sentsmspath = %s/sent/\nerrorsmspath = %s/error/\nlogfile = %s\ndebuglevel = 1\n"
            "commtimeout = 1\nsendtimeout = 5\nreceivefrequency = 1\nstatusfrequency = 0\n"
            "loopsleep = 1\ncheckbattery = 0\nchecksignal = 0\n"
            "checksecurity = 0\nchecknetwork = 0\nhangupcalls = 0\ntransmitformat = auto\n",
            spool, spool, spool, spool, spool, smsd_log);
    fclose(f);
    return 0;
}

static void daemon_stop(void)
{
    if (daemon_pid <= 0)
        return;
    kill(daemon_pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
            daemon_pid = 0;
            return;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(daemon_pid, SIGKILL);
    waitpid(daemon_pid, NULL, 0);
    daemon_pid = 0;
}

static int teardown(void **state)
{
    (void)state;
    daemon_stop();
    return t_rm_dir();
}

static void daemon_start(void)
{
    daemon_pid = fork();
    assert_true(daemon_pid >= 0);
    if (daemon_pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execlp("gammu-smsd", "gammu-smsd", "-c", cfg, (char *)NULL);
        _exit(127);
    }
}

/* Files in spool/sub whose name holds `part` (NULL: any OUT... file). */
static int files(const char *sub, const char *part)
{
    char p[200];
    snprintf(p, sizeof p, "%s/%s", spool, sub);
    DIR *d = opendir(p);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        if (strncmp(e->d_name, "OUT", 3) == 0 && (part == NULL || strstr(e->d_name, part) != NULL))
            n++;
    closedir(d);
    return n;
}

/* Wait (real time, at most 30 s) until spool/sent holds n messages. */
static void wait_sent(int n)
{
    for (int i = 0; i < 300 && files("sent", NULL) < n; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(files("sent", NULL), n);
}

static json_t *tick(svc *s, const char *where)
{
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_sms_tick(s, where, &out, &err), KT_OK, &err);
    return out;
}

static int64_t counted(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* Lines of the daemon's log holding both a and b. */
static int log_lines(const char *a, const char *b)
{
    FILE *f = fopen(smsd_log, "r");
    if (f == NULL)
        return 0;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL)
        n += strstr(line, a) != NULL && strstr(line, b) != NULL;
    fclose(f);
    return n;
}

static int64_t outbox_state(svc *s, const char *state)
{
    svc_actor adm = t_actor("admin", 9, 0);
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_sms_outbox(s, &adm, &out, &err), KT_OK, &err);
    int64_t n = json_integer_value(json_object_get(json_object_get(out, "counts"), state));
    json_decref(out);
    return n;
}

static void queue_test(svc *s, const char *phone, const char *text)
{
    svc_actor adm = t_actor("admin", 9, 0);
    json_t *out = NULL;
    kt_error err;
    t_expect(svc_sms_test(s, &adm, phone, text, &out, &err), KT_OK, &err);
    json_decref(out);
}

static void test_gammu_daemon(void **state)
{
    (void)state;
    if (system("command -v gammu-smsd >/dev/null 2>&1") != 0) {
        printf("SKIP: gammu-smsd not installed (Debian package gammu-smsd)\n");
        return;
    }
    svc *s = t_open();
    svc_actor adm = t_actor("admin", 9, 0), in = t_actor("intake", 1, 1);
    json_t *out = NULL, *r = NULL;
    kt_error err;

    /* A malformed number is refused, clearly, and queues nothing. */
    assert_int_equal(svc_sms_test(s, &adm, "0812-abc-99", NULL, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "phone_invalid");
    assert_string_equal(err.field, "phone");
    assert_int_equal(svc_sms_test(s, &adm, "+44 20 7946 0000", NULL, &out, &err), KT_EINVAL);
    assert_int_equal(svc_sms_test(s, &in, "081234567890", NULL, &out, &err), KT_EFORBIDDEN);
    char big[200];
    memset(big, 'a', 170);
    big[170] = '\0';
    assert_int_equal(svc_sms_test(s, &adm, "081234567890", big, &out, &err), KT_EINVAL);
    assert_string_equal(err.id, "sms_too_long");
    assert_int_equal(outbox_state(s, "pending"), 0);

    /* The daemon is stopped: two messages are handed to its outbox and wait there. */
    queue_test(s, "081234567890", "Uji satu: antrian KTP-el");
    queue_test(s, "+62 878 1111 2222", "Uji dua: janji temu KTP-el");
    r = tick(s, spool);
    assert_int_equal(counted(r, "handed"), 2);
    json_decref(r);
    assert_int_equal(files("outbox", NULL), 2);
    assert_int_equal(files("sent", NULL), 0);
    r = tick(s, spool); /* nothing handed twice */
    assert_int_equal(counted(r, "handed"), 0);
    assert_int_equal(counted(r, "waiting"), 2);
    json_decref(r);
    assert_int_equal(files("outbox", NULL), 2);

    /* Started, the daemon sends them; the sender records them as sent. */
    daemon_start();
    wait_sent(2);
    r = tick(s, spool);
    assert_int_equal(counted(r, "sent"), 2);
    json_decref(r);
    assert_int_equal(outbox_state(s, "sent"), 2);
    assert_int_equal(files("outbox", NULL), 0);
    assert_int_equal(files("sent", "+6281234567890_ktpel-1-1"), 1);
    assert_int_equal(files("sent", "+6287811112222_ktpel-2-1"), 1);
    /* what was sent: the text, to the number, as one SMS part, once */
    char p[300], body[200] = "";
    DIR *d = NULL;
    snprintf(p, sizeof p, "%s/sent", spool);
    d = opendir(p);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        if (strstr(e->d_name, "ktpel-1-1") != NULL) {
            char fp[600];
            snprintf(fp, sizeof fp, "%s/%s", p, e->d_name);
            FILE *f = fopen(fp, "r");
            assert_non_null(f);
            assert_non_null(fgets(body, sizeof body, f));
            fclose(f);
        }
    closedir(d);
    assert_string_equal(body, "Uji satu: antrian KTP-el");
    assert_int_equal(log_lines("Transmitted OUTB", "ktpel-1-1.txt (total: 1) to +6281234567890"),
                     1);
    assert_int_equal(log_lines("Transmitted OUTB", "ktpel-2-1.txt (total: 1) to +6287811112222"),
                     1);
    /* the outbox keeps only the masked number of a sent message */
    t_expect(svc_sms_outbox(s, &adm, &out, &err), KT_OK, &err);
    char *dump = json_dumps(out, 0);
    assert_null(strstr(dump, "1234567890"));
    free(dump);
    json_decref(out);
    daemon_stop();

    /* A spool the sender cannot write to: the message stays pending, then goes. */
    char nowhere[200];
    snprintf(nowhere, sizeof nowhere, "%s/tidak-ada", t_dir);
    queue_test(s, "081355556666", "Uji tiga: spool hilang");
    r = tick(s, nowhere);
    assert_int_equal(counted(r, "handed"), 0);
    assert_int_equal(counted(r, "spool_errors"), 1);
    json_decref(r);
    assert_int_equal(outbox_state(s, "pending"), 1);
    r = tick(s, spool); /* not due yet: it waits its back-off */
    assert_int_equal(counted(r, "handed"), 0);
    json_decref(r);
    t_now += 31000;
    r = tick(s, spool);
    assert_int_equal(counted(r, "handed"), 1);
    json_decref(r);

    /* The daemon gave up on it (its error folder): handed again as attempt 2. */
    char from[600], to[600];
    snprintf(p, sizeof p, "%s/outbox", spool);
    d = opendir(p);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        if (strstr(e->d_name, "ktpel-3-1") != NULL) {
            snprintf(from, sizeof from, "%s/outbox/%s", spool, e->d_name);
            snprintf(to, sizeof to, "%s/error/%s", spool, e->d_name);
        }
    closedir(d);
    assert_int_equal(rename(from, to), 0);
    r = tick(s, spool);
    assert_int_equal(counted(r, "retried"), 1);
    json_decref(r);
    t_now += 31000;
    r = tick(s, spool);
    assert_int_equal(counted(r, "handed"), 1);
    json_decref(r);
    assert_int_equal(files("outbox", "ktpel-3-2"), 1);

    /* A crash after the hand-over, before the bookkeeping: the file of a pending message is
       already in the daemon's sent folder; the sender records it and writes nothing. */
    queue_test(s, "081377778888", "Uji empat: sesudah crash");
    jkt_datetime dt = jkt_from_utc_ms(t_now);
    char name[400];
    snprintf(name, sizeof name, "%s/sent/OUTB%04d%02d%02d_%02d%02d%02d_00_+6281377778888_ktpel-4-1.txt",
             spool, dt.date.year, dt.date.month, dt.date.day, dt.hour, dt.minute, dt.second);
    FILE *f = fopen(name, "w");
    assert_non_null(f);
    fputs("Uji empat: sesudah crash", f);
    fclose(f);
    r = tick(s, spool);
    assert_int_equal(counted(r, "handed"), 1);
    json_decref(r);
    assert_int_equal(files("outbox", "ktpel-4-"), 0);

    /* The daemon back: attempt 2 of message 3 goes; every message sent exactly once. */
    daemon_start();
    wait_sent(4);
    r = tick(s, spool);
    json_decref(r);
    assert_int_equal(outbox_state(s, "sent"), 4);
    assert_int_equal(files("sent", "ktpel-3-"), 1);
    assert_int_equal(files("sent", "ktpel-4-"), 1);
    assert_int_equal(log_lines("Transmitted OUTB", "ktpel-3-2.txt (total: 1)"), 1);
    assert_int_equal(log_lines("Transmitted OUTB", "ktpel-4-"), 0); /* never sent again */

    /* The sender thread `serve --sms-spool` runs (svc_sms_job_*): a new message goes by
       itself, and the job stops promptly. A spool without outbox/ is refused at start. */
    svc_sms_job *job = NULL;
    assert_int_equal(svc_sms_job_start(s, "/nonexistent/spool", 100, &job, &err), KT_EINVAL);
    assert_string_equal(err.id, "sms_spool_invalid");
    t_expect(svc_sms_job_start(s, spool, 100, &job, &err), KT_OK, &err);
    queue_test(s, "081399990000", "Uji lima: lewat thread pengirim");
    wait_sent(5);
    for (int i = 0; i < 100 && outbox_state(s, "sent") < 5; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(outbox_state(s, "sent"), 5);
    svc_sms_job_stop(job);
    daemon_stop();
    svc_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gammu_daemon, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
