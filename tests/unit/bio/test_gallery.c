/*
 * test_gallery.c - the 1:N gallery (src/bio/gallery.h) through the real index and the real
 * 1:1 matcher: add/remove/get bookkeeping and its errors, a mate found among synthetic
 * impostors, the staged search returning every mate the exhaustive search returns above
 * threshold (synthetic mates, and FVC2002 DB1_B when ../shared is present), the same results
 * from a gallery built one finger at a time as from one built in a batch, after the arenas
 * are compacted, and from searches running at the same time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bio/gallery.h"
#include "bio/image.h"
#include "bio/index.h"
#include "bio/match.h"
#include "bio/synth.h"
#include "bio/template.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A low bar: synthetic impostors score ~2, synthetic mates 15..45 on this matcher. */
#define TEST_THRESHOLD 10.0

static bio_gallery *synthetic_gallery(size_t n, uint64_t seed)
{
    bio_msg msg = {{0}};
    bio_gallery *g = NULL;
    bio_template *t = malloc(n * sizeof *t);
    uint64_t *ids = malloc(n * sizeof *ids);
    assert_non_null(t);
    assert_non_null(ids);
    assert_int_equal(bio_gallery_new(&g, &msg), BIO_OK);
    for (size_t i = 0; i < n; i++) {
        ids[i] = 1000 + i;
        assert_int_equal(bio_synth_template(seed, (uint32_t)i, 0, &t[i], &msg), BIO_OK);
    }
    assert_int_equal(bio_gallery_add_many(g, n, ids, t, 2, &msg), BIO_OK);
    free(t);
    free(ids);
    return g;
}

static void test_add_remove_get(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_gallery *g = synthetic_gallery(300, 3);
    bio_template *t = malloc(sizeof *t), *u = malloc(sizeof *u);
    assert_non_null(t);
    assert_non_null(u);
    assert_int_equal(bio_gallery_count(g), 300);
    assert_true(bio_gallery_bytes(g) / 300 <= 1024);

    /* stored as packed: same points, angle to ISO units */
    assert_int_equal(bio_synth_template(3, 17, 0, t, &msg), BIO_OK);
    assert_int_equal(bio_gallery_get(g, 1017, u, &msg), BIO_OK);
    assert_int_equal(u->count, t->count);
    for (int i = 0; i < t->count; i++) {
        assert_int_equal(u->m[i].x, t->m[i].x);
        assert_int_equal(u->m[i].y, t->m[i].y);
        assert_int_equal(u->m[i].type, t->m[i].type);
        assert_int_equal(bio_angle_to_iso(u->m[i].angle), bio_angle_to_iso(t->m[i].angle));
    }

    /* a duplicate id, alone or inside a batch, changes nothing */
    assert_int_equal(bio_gallery_add(g, 1017, t, &msg), BIO_EINVAL);
    assert_non_null(strstr(msg.text, "1017"));
    uint64_t ids[2] = {5, 5};
    bio_template two[2];
    two[0] = *t;
    two[1] = *t;
    assert_int_equal(bio_gallery_add_many(g, 2, ids, two, 1, &msg), BIO_EINVAL);
    assert_int_equal(bio_gallery_count(g), 300);
    assert_false(bio_gallery_contains(g, 5));

    /* a minutia beyond the packed range is refused with its place */
    *u = *t;
    u->m[3].x = 3000;
    assert_int_equal(bio_gallery_add(g, 7, u, &msg), BIO_EINVAL);
    assert_non_null(strstr(msg.text, "minutia 3"));
    assert_false(bio_gallery_contains(g, 7));

    /* remove every other finger; the rest stay reachable and intact */
    for (uint64_t id = 1000; id < 1300; id += 2)
        assert_int_equal(bio_gallery_remove(g, id, &msg), BIO_OK);
    assert_int_equal(bio_gallery_remove(g, 1000, &msg), BIO_EINVAL);
    assert_int_equal(bio_gallery_count(g), 150);
    for (uint64_t id = 1000; id < 1300; id++)
        assert_int_equal(bio_gallery_contains(g, id), (int)(id % 2));
    assert_int_equal(bio_gallery_get(g, 1017, u, &msg), BIO_OK);
    assert_int_equal(u->count, t->count);
    assert_int_equal(bio_gallery_get(g, 1016, u, &msg), BIO_EINVAL);
    /* and can be added again */
    assert_int_equal(bio_gallery_add(g, 1016, t, &msg), BIO_OK);
    assert_int_equal(bio_gallery_count(g), 151);
    free(t);
    free(u);
    bio_gallery_free(g);
}

static int has_id(const bio_candidate *c, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].id == id)
            return 1;
    return 0;
}

static void test_finds_mate_among_impostors(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_gallery *g = synthetic_gallery(3000, 21);
    bio_template *p = malloc(sizeof *p);
    assert_non_null(p);
    bio_search_opts o = {TEST_THRESHOLD, 24, 2, 0, 0};
    size_t removed = 0;
    for (uint32_t f = 100; f < 3000; f += 971) {
        bio_candidate *c = NULL;
        size_t n = 0;
        bio_search_stats st;
        assert_int_equal(bio_synth_template(21, f, 1, p, &msg), BIO_OK);
        assert_int_equal(bio_gallery_search(g, p, &o, &c, &n, &st, &msg), BIO_OK);
        assert_int_equal(st.gallery, 3000 - removed);
        assert_int_equal(st.rescored, 24);
        /* a small gallery: the default stage sizes */
        assert_int_equal(st.refined, BIO_SEARCH_REFINED);
        assert_int_equal(st.verified, BIO_SEARCH_VERIFIED);
        /* the default shortlist follows the threshold's false match rate: count x FMR / 3,
           at least BIO_SEARCH_SHORTLIST */
        {
            bio_search_opts od = {bio_threshold_for_fmr(0.3), 0, 2, 0, 0};
            bio_candidate *cd = NULL;
            size_t nd = 0;
            assert_int_equal(bio_gallery_search(g, p, &od, &cd, &nd, &st, &msg), BIO_OK);
            size_t want = (size_t)((double)(3000 - removed) * 0.3 / 3.0);
            assert_true(st.rescored + 1 >= want && st.rescored <= want + 1);
            assert_true(has_id(cd, nd, 1000 + f));
            free(cd);
            od.threshold = bio_threshold_for_fmr(1e-4);
            assert_int_equal(bio_gallery_search(g, p, &od, &cd, &nd, &st, &msg), BIO_OK);
            assert_int_equal(st.rescored, BIO_SEARCH_SHORTLIST);
            free(cd);
        }
        /* candidates <= shortlist: no later stages, stage A alone picks the 24 */
        bio_search_opts o1 = {TEST_THRESHOLD, 24, 2, 24, 0};
        bio_candidate *c1 = NULL;
        size_t n1 = 0;
        assert_int_equal(bio_gallery_search(g, p, &o1, &c1, &n1, &st, &msg), BIO_OK);
        assert_int_equal(st.verified, 0);
        assert_int_equal(st.refined, 0);
        assert_int_equal(st.rescored, 24);
        assert_true(n1 >= 1);
        assert_int_equal(c1[0].id, 1000 + f);
        free(c1);
        assert_true(n >= 1);
        assert_int_equal(c[0].id, 1000 + f);
        assert_true(c[0].score >= TEST_THRESHOLD);
        free(c);
        /* once removed, the finger is no longer found */
        assert_int_equal(bio_gallery_remove(g, 1000 + f, &msg), BIO_OK);
        removed++;
        assert_int_equal(bio_gallery_search(g, p, &o, &c, &n, NULL, &msg), BIO_OK);
        assert_false(has_id(c, n, 1000 + f));
        free(c);
    }
    free(p);
    bio_gallery_free(g);
}

/*
 * Every mate that exhaustive 1:1 puts at or above the threshold is also returned by the
 * staged search, with the same score; everything the staged search returns, exhaustive
 * returns too. (Impostors above the threshold are chance events a shortlist cannot promise
 * to catch; the requirement is about mates.) mates[] are ids, n_mates of them.
 */
static void check_no_loss(const bio_gallery *g, const bio_template *probe, double thr,
                          size_t shortlist, const uint64_t *mates, int n_mates, int *found)
{
    bio_msg msg = {{0}};
    bio_search_opts o = {thr, shortlist, 2, 0, 0};
    bio_candidate *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(bio_gallery_search_exhaustive(g, probe, &o, &a, &na, NULL, &msg), BIO_OK);
    assert_int_equal(bio_gallery_search(g, probe, &o, &b, &nb, NULL, &msg), BIO_OK);
    for (size_t i = 0; i < na; i++) {
        int mate = 0;
        for (int k = 0; k < n_mates; k++)
            mate |= a[i].id == mates[k];
        if (!mate)
            continue;
        (*found)++;
        assert_true(has_id(b, nb, a[i].id));
    }
    for (size_t j = 0; j < nb; j++) {
        assert_true(has_id(a, na, b[j].id));
        for (size_t i = 0; i < na; i++)
            if (a[i].id == b[j].id)
                assert_true(b[j].score == a[i].score);
    }
    free(a);
    free(b);
}

static void test_two_stage_loses_nothing_synthetic(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_gallery *g = synthetic_gallery(120, 33);
    bio_template *p = malloc(sizeof *p);
    assert_non_null(p);
    int found = 0;
    for (uint32_t f = 5; f < 120; f += 40) {
        assert_int_equal(bio_synth_template(33, f, 2, p, &msg), BIO_OK);
        uint64_t mate = 1000 + f;
        check_no_loss(g, p, TEST_THRESHOLD, 12, &mate, 1, &found);
    }
    assert_true(found >= 3); /* the mates themselves */
    free(p);
    bio_gallery_free(g);
}

static void test_two_stage_loses_nothing_fvc(void **state)
{
    (void)state;
    const char *shared = getenv("KTPEL_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/fingerprints/fvc2002/DB1_B/101_1.iso",
             shared ? shared : "../shared");
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        print_message("SKIP: ../shared not found\n");
        return;
    }
    fclose(f);
    bio_msg msg = {{0}};
    bio_gallery *g = synthetic_gallery(60, 44);
    bio_template *probe[3] = {0};
    for (int fi = 0; fi < 10; fi++)
        for (int k = 1; k <= 8; k++) {
            uint8_t *buf = NULL;
            size_t len = 0, cnt = 0;
            bio_template *v = NULL;
            snprintf(path, sizeof path, "%s/data/fingerprints/fvc2002/DB1_B/%d_%d.iso",
                     shared ? shared : "../shared", 101 + fi, k);
            assert_int_equal(bio_read_file(path, 1 << 20, &buf, &len, &msg), BIO_OK);
            assert_int_equal(bio_template_decode(buf, len, &v, &cnt, NULL, &msg), BIO_OK);
            if (k == 1 && fi < 3)
                probe[fi] = v; /* kept */
            else {
                assert_int_equal(bio_gallery_add(g, (uint64_t)(fi * 10 + k), v, &msg), BIO_OK);
                free(v);
            }
            free(buf);
        }
    int found = 0;
    double thr = bio_threshold_for_fmr(1e-3);
    for (int i = 0; i < 3; i++) {
        uint64_t mates[7];
        for (int k = 2; k <= 8; k++)
            mates[k - 2] = (uint64_t)(i * 10 + k);
        check_no_loss(g, probe[i], thr, 70, mates, 7, &found);
        free(probe[i]);
    }
    print_message("FVC DB1_B: %d mates above the FMR 1e-3 threshold, none lost\n", found);
    bio_gallery_free(g);
}

/* Two searches' results are the same list (ids and scores, in order). */
static void assert_same(const bio_candidate *a, size_t na, const bio_candidate *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_true(a[i].id == b[i].id);
        assert_true(a[i].score == b[i].score);
        assert_true(a[i].index_score == b[i].index_score);
    }
}

static void test_add_one_by_one_same_as_batch(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    enum { N = 400 };
    bio_gallery *a = synthetic_gallery(N, 51), *b = NULL;
    bio_template *t = malloc(sizeof *t);
    assert_non_null(t);
    assert_int_equal(bio_gallery_new(&b, &msg), BIO_OK);
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(bio_synth_template(51, i, 0, t, &msg), BIO_OK);
        assert_int_equal(bio_gallery_add(b, 1000 + i, t, &msg), BIO_OK);
    }
    bio_search_opts o = {TEST_THRESHOLD, 12, 2, 60, 30};
    for (uint32_t f = 7; f < N; f += 97) {
        bio_candidate *ca = NULL, *cb = NULL;
        size_t na = 0, nb = 0;
        assert_int_equal(bio_synth_template(51, f, 1, t, &msg), BIO_OK);
        assert_int_equal(bio_gallery_search(a, t, &o, &ca, &na, NULL, &msg), BIO_OK);
        assert_int_equal(bio_gallery_search(b, t, &o, &cb, &nb, NULL, &msg), BIO_OK);
        assert_true(na >= 1);
        assert_int_equal(ca[0].id, 1000 + f);
        assert_same(ca, na, cb, nb);
        free(ca);
        free(cb);
    }
    free(t);
    bio_gallery_free(a);
    bio_gallery_free(b);
}

static void test_search_after_compaction(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    enum { N = 600 };
    bio_gallery *g = synthetic_gallery(N, 61);
    bio_template *t = malloc(sizeof *t), *u = malloc(sizeof *u);
    assert_non_null(t);
    assert_non_null(u);
    size_t before = bio_gallery_bytes(g);
    /* remove two thirds: the garbage outgrows the live data and both arenas are rewritten */
    for (uint64_t id = 1000; id < 1000 + N; id++)
        if (id % 3 != 0)
            assert_int_equal(bio_gallery_remove(g, id, &msg), BIO_OK);
    assert_int_equal(bio_gallery_count(g), N / 3);
    assert_true(bio_gallery_bytes(g) <= before);
    bio_search_opts o = {TEST_THRESHOLD, 10, 2, 0, 0};
    for (uint32_t f = 0; f < N; f += 37) {
        bio_candidate *c = NULL;
        size_t n = 0;
        uint64_t id = 1000 + f;
        assert_int_equal(bio_synth_template(61, f, 1, t, &msg), BIO_OK);
        assert_int_equal(bio_gallery_search(g, t, &o, &c, &n, NULL, &msg), BIO_OK);
        if (id % 3 == 0) {
            /* kept: found first, and stored intact */
            assert_true(n >= 1);
            assert_int_equal(c[0].id, id);
            assert_int_equal(bio_synth_template(61, f, 0, t, &msg), BIO_OK);
            assert_int_equal(bio_gallery_get(g, id, u, &msg), BIO_OK);
            assert_int_equal(u->count, t->count);
            for (int i = 0; i < t->count; i++) {
                assert_int_equal(u->m[i].x, t->m[i].x);
                assert_int_equal(u->m[i].y, t->m[i].y);
            }
        } else {
            assert_false(has_id(c, n, id));
        }
        free(c);
    }
    free(t);
    free(u);
    bio_gallery_free(g);
}

typedef struct search_job {
    const bio_gallery *g;
    const bio_template *probe;
    bio_candidate *c;
    size_t n;
    bio_status st;
} search_job;

static void *search_run(void *arg)
{
    search_job *j = arg;
    bio_msg msg;
    bio_search_opts o = {TEST_THRESHOLD, 16, 2, 0, 0};
    j->st = bio_gallery_search(j->g, j->probe, &o, &j->c, &j->n, NULL, &msg);
    return NULL;
}

static void test_concurrent_searches(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    enum { N = 1500, P = 4 };
    bio_gallery *g = synthetic_gallery(N, 71);
    bio_template *probes = malloc(P * sizeof *probes);
    search_job alone[P], together[P];
    pthread_t tid[P];
    assert_non_null(probes);
    for (int i = 0; i < P; i++) {
        assert_int_equal(bio_synth_template(71, (uint32_t)(i * 311 + 5), 1, &probes[i], &msg),
                         BIO_OK);
        alone[i] = (search_job){g, &probes[i], NULL, 0, BIO_EINVAL};
        search_run(&alone[i]);
        assert_int_equal(alone[i].st, BIO_OK);
    }
    for (int i = 0; i < P; i++) {
        together[i] = (search_job){g, &probes[i], NULL, 0, BIO_EINVAL};
        assert_int_equal(pthread_create(&tid[i], NULL, search_run, &together[i]), 0);
    }
    for (int i = 0; i < P; i++) {
        assert_int_equal(pthread_join(tid[i], NULL), 0);
        assert_int_equal(together[i].st, BIO_OK);
        assert_true(alone[i].n >= 1);
        assert_int_equal(alone[i].c[0].id, 1000 + (uint64_t)(i * 311 + 5));
        assert_same(alone[i].c, alone[i].n, together[i].c, together[i].n);
        free(alone[i].c);
        free(together[i].c);
    }
    free(probes);
    bio_gallery_free(g);
}

static void test_search_rejects_bad_arguments(void **state)
{
    (void)state;
    bio_msg msg = {{0}};
    bio_gallery *g = synthetic_gallery(10, 1);
    bio_candidate *c = (bio_candidate *)&msg; /* must be reset to NULL */
    size_t n = 9;
    bio_search_opts o = {TEST_THRESHOLD, 0, 1, 0, 0};
    assert_int_equal(bio_gallery_search(g, NULL, &o, &c, &n, NULL, &msg), BIO_EINVAL);
    assert_null(c);
    assert_int_equal(n, 0);
    bio_template *p = calloc(1, sizeof *p);
    assert_non_null(p);
    /* more minutiae than a template holds, missing options or outputs */
    p->count = BIO_MAX_MINUTIAE + 1;
    assert_int_equal(bio_gallery_search(g, p, &o, &c, &n, NULL, &msg), BIO_EINVAL);
    p->count = 0;
    assert_int_equal(bio_gallery_search(g, p, NULL, &c, &n, NULL, &msg), BIO_EINVAL);
    assert_int_equal(bio_gallery_search(g, p, &o, NULL, &n, NULL, &msg), BIO_EINVAL);
    /* an empty probe matches nothing, without error */
    assert_int_equal(bio_gallery_search(g, p, &o, &c, &n, NULL, &msg), BIO_OK);
    assert_int_equal(n, 0);
    free(p);
    bio_gallery_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_remove_get),
        cmocka_unit_test(test_finds_mate_among_impostors),
        cmocka_unit_test(test_two_stage_loses_nothing_synthetic),
        cmocka_unit_test(test_two_stage_loses_nothing_fvc),
        cmocka_unit_test(test_add_one_by_one_same_as_batch),
        cmocka_unit_test(test_search_after_compaction),
        cmocka_unit_test(test_concurrent_searches),
        cmocka_unit_test(test_search_rejects_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
