/* Allocation-failure ("chaos") test: every malloc/calloc/realloc made by the library is
 * counted through the linker's --wrap, and a whole scenario (context, params, learner,
 * instances, learning, encode/decode, a generator, metrics) is replayed failing the 1st,
 * 2nd, ... Nth allocation. The learner scenario runs with a linear model on the fraud
 * stream and with a Hoeffding tree regressor that splits (numeric and categorical
 * attributes, leaf models) on friedman; a bandit's life is a scenario of its own. Each
 * run must end with OTTER_OK or OTTER_NOMEM from the call that could not allocate, never
 * a crash or another status; under ASan/LSan in CI any leak on those error paths fails
 * the run too. The tree dump's allocations are failed the same way, and so are an
 * instance row's encoding and decoding, which in steady state must not allocate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* The allocation counter is test-only state: the library itself has none. */
static long alloc_calls, fail_at = -1;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static int should_fail(void)
{
    return ++alloc_calls == fail_at;
}
void *__wrap_malloc(size_t n)
{
    return should_fail() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t s)
{
    return should_fail() ? NULL : __real_calloc(n, s);
}
void *__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

/* One learner scenario: learner type and parameters, generator, and whether rows also
 * get a categorical feature. */
typedef struct spec {
    const char *learner, *params, *gen;
    otter_task task;
    int add_cat;
} spec;

static const spec specs[] = {
    {"logreg", "bits=8,optimizer=ftrl,l1=0.1", "fraud", OTTER_TASK_BINARY, 0},
    /* tau=1 makes every leaf split at each grace period when any split reduces the
     * spread, so 40 rows grow a tree */
    {"hoeffding-reg", "grace_period=8,tau=1,min_branch_weight=1,bins=4", "friedman",
     OTTER_TASK_REGRESSION, 1},
    /* the same under a memory bound it soon reaches: leaves are ranked, deactivated and
     * reactivated along the way */
    {"hoeffding-reg",
     "grace_period=8,tau=1,min_branch_weight=1,bins=4,max_bytes=7000,memory_period=3", "friedman",
     OTTER_TASK_REGRESSION, 1},
};

struct world {
    otter_context *ctx;
    otter_params *params;
    otter_learner *model, *copy;
    otter_instance *inst;
    otter_gen *gen;
    otter_metrics *metrics;
    otter_buf blob;
};

static void world_free(struct world *w)
{
    otter_metrics_destroy(w->metrics);
    otter_gen_destroy(w->gen);
    otter_instance_destroy(w->inst);
    otter_learner_destroy(w->copy);
    otter_learner_destroy(w->model);
    otter_params_destroy(w->params);
    otter_context_destroy(w->ctx);
    otter_buf_free(&w->blob);
}

/* Learns from generated rows and scores them into the metrics. */
static otter_status stream(struct world *w, const spec *sp, otter_error *err)
{
    otter_status st = OTTER_OK;
    for (int i = 0; i < 40 && st == OTTER_OK; i++) {
        otter_gen_row row;
        otter_prediction pred;
        st = otter_gen_next(w->gen, w->inst, &row, err);
        if (st == OTTER_OK)
            st = otter_instance_num(w->inst, "extra", "n", i, err);
        if (st == OTTER_OK && sp->add_cat)
            st = otter_instance_cat(w->inst, NULL, "c", i % 3 ? "a" : (i % 2 ? "b" : "c"), err);
        if (st == OTTER_OK)
            st = otter_learner_predict_learn(w->model, w->inst, row.label, 1.0, &pred, err);
        if (st == OTTER_OK)
            st = otter_metrics_update(w->metrics, &pred, row.label, 1.0, err);
    }
    return st;
}

static otter_status scenario(const void *ud, otter_error *err)
{
    const spec *sp = ud;
    struct world w = {0};
    otter_status st = otter_context_create(&w.ctx, err);
    if (st == OTTER_OK)
        st = otter_params_create(&w.params, err);
    if (st == OTTER_OK)
        st = otter_params_parse(w.params, sp->params, err);
    if (st == OTTER_OK)
        st = otter_learner_create(w.ctx, sp->learner, w.params, &w.model, err);
    if (st == OTTER_OK)
        st = otter_instance_create(&w.inst, err);
    if (st == OTTER_OK)
        st = otter_gen_create(w.ctx, sp->gen, NULL, 3, &w.gen, err);
    otter_metrics_options mo = {sp->task, 2, 16, 0.5};
    if (st == OTTER_OK)
        st = otter_metrics_create(&mo, &w.metrics, err);
    if (st == OTTER_OK)
        st = stream(&w, sp, err);
    if (st == OTTER_OK)
        st = otter_learner_encode(w.model, &w.blob, err);
    if (st == OTTER_OK)
        st = otter_learner_decode(w.ctx, w.blob.data, w.blob.len, &w.copy, err);
    world_free(&w);
    return st;
}

/* A bandit's life: create, rank (some deferred), reward, activate, expire, add an arm,
 * encode, decode. */
static otter_status bandit_scenario(const void *ud, otter_error *err)
{
    (void)ud;
    otter_context *ctx = NULL;
    otter_params *p = NULL;
    otter_bandit *b = NULL, *copy = NULL;
    otter_buf blob = OTTER_BUF_INIT;
    otter_decision d = OTTER_DECISION_INIT;
    const char *arms[] = {"a", "b", "c"};
    otter_status st = otter_context_create(&ctx, err);
    if (st == OTTER_OK)
        st = otter_params_create(&p, err);
    if (st == OTTER_OK)
        st = otter_params_parse(p, "epsilon=0.2,reward_wait=1,window=8", err);
    if (st == OTTER_OK)
        st = otter_bandit_create(ctx, "epsilon-greedy", p, arms, 3, &b, err);
    for (int i = 0; i < 30 && st == OTTER_OK; i++) {
        otter_rank_request rq = {0};
        rq.now_ms = 1000 + 100 * i;
        rq.defer = i % 5 == 0;
        st = otter_bandit_rank(b, &rq, &d, err);
        if (st == OTTER_OK && i % 5 == 0)
            st = otter_bandit_activate(b, d.event_id, rq.now_ms, err);
        if (st == OTTER_OK && i % 3)
            st = otter_bandit_reward(b, d.event_id, i % 2, rq.now_ms, err);
        if (st == OTTER_OK && i == 10)
            st = otter_bandit_add_arm(b, "d", err);
    }
    if (st == OTTER_OK)
        st = otter_bandit_expire(b, 3500, NULL, err);
    if (st == OTTER_OK)
        st = otter_bandit_encode(b, &blob, err);
    if (st == OTTER_OK)
        st = otter_bandit_decode(ctx, blob.data, blob.len, &copy, err);
    otter_decision_free(&d);
    otter_buf_free(&blob);
    otter_bandit_destroy(copy);
    otter_bandit_destroy(b);
    otter_params_destroy(p);
    otter_context_destroy(ctx);
    return st;
}

/* Fills a row of n features (every fourth categorical, two namespaces) and a dense
 * array. */
static otter_status codec_row(otter_instance *inst, int n, otter_error *err)
{
    static const double dense[3] = {1, 2, 3};
    otter_status st = OTTER_OK;
    char name[16];
    for (int i = 0; i < n && st == OTTER_OK; i++) {
        snprintf(name, sizeof name, "f%d", i);
        st = i % 4 ? otter_instance_num(inst, i % 2 ? "ns" : NULL, name, i, err)
                   : otter_instance_cat(inst, NULL, name, name, err);
    }
    return st == OTTER_OK ? otter_instance_set_dense(inst, dense, 3, err) : st;
}

/* An instance row encoded after bytes already in the buffer, then decoded into a fresh
 * builder twice. 200 features is more than the encoder's stack table holds, so its heap
 * table is failed too. A failed encode must leave the buffer as it was and a failed
 * decode an empty row; either slip is reported as OTTER_INTERNAL. */
static otter_status instance_codec_scenario(const void *ud, otter_error *err)
{
    (void)ud;
    otter_instance *a = NULL, *b = NULL;
    otter_buf buf = OTTER_BUF_INIT;
    otter_status st = otter_instance_create(&a, err);
    if (st == OTTER_OK)
        st = otter_instance_create(&b, err);
    if (st == OTTER_OK)
        st = codec_row(a, 200, err);
    if (st == OTTER_OK)
        st = otter_buf_append(&buf, "kept", 4, err);
    if (st == OTTER_OK) {
        st = otter_instance_encode(a, &buf, err);
        if (st != OTTER_OK && (buf.len != 4 || memcmp(buf.data, "kept", 4) != 0))
            st = OTTER_INTERNAL;
    }
    for (int r = 0; r < 2 && st == OTTER_OK; r++) {
        st = otter_instance_decode(b, buf.data + 4, buf.len - 4, err);
        if (st != OTTER_OK && (otter_instance_size(b) || otter_instance_dense(b, NULL)))
            st = OTTER_INTERNAL;
    }
    otter_buf_free(&buf);
    otter_instance_destroy(b);
    otter_instance_destroy(a);
    return st;
}

/* Fails each allocation of fn's scenario in turn: every failure surfaces as NOMEM. */
static void every_failure_surfaces(otter_status (*fn)(const void *, otter_error *), const void *ud,
                                   const char *what)
{
    otter_error e = {0};
    fail_at = -1;
    ck_assert_int_eq(fn(ud, &e), OTTER_OK);
    alloc_calls = 0;
    otter_status st0 = fn(ud, &e);
    long total = alloc_calls;
    ck_assert_int_eq(st0, OTTER_OK);
    ck_assert_msg(total > 20, "only %ld allocations counted: is --wrap in effect?", total);
    long nomem = 0;
    for (long n = 1; n <= total; n++) {
        otter_error err = {0};
        fail_at = n;
        alloc_calls = 0;
        otter_status st = fn(ud, &err);
        if (st != OTTER_OK && st != OTTER_NOMEM)
            ck_abort_msg("%s: failing allocation %ld of %ld gave %s: %s", what, n, total,
                         otter_status_name(st), err.message);
        if (st == OTTER_NOMEM && err.message[0] == '\0')
            ck_abort_msg("%s: failing allocation %ld: OTTER_NOMEM without a message", what, n);
        nomem += st == OTTER_NOMEM;
    }
    fail_at = -1;
    printf("%s: %ld allocations, each failed once: %ld reported OTTER_NOMEM\n", what, total, nomem);
    ck_assert_msg(nomem == total, "%s: only %ld of %ld failed allocations surfaced", what, nomem,
                  total);
}

START_TEST(bandit_allocation_failures)
{
    every_failure_surfaces(bandit_scenario, NULL, "bandit");
}
END_TEST

START_TEST(every_allocation_failure_is_reported)
{
    /* Every allocation is on a path whose failure must surface: none is silently
     * absorbed (which would mean lost data or a half-built object). */
    every_failure_surfaces(scenario, &specs[_i], specs[_i].learner);
}
END_TEST

START_TEST(instance_codec_allocation_failures)
{
    every_failure_surfaces(instance_codec_scenario, NULL, "instance codec");
}
END_TEST

START_TEST(instance_codec_steady_state_allocates_nothing)
{
    /* A store encoding scored rows and decoding them into one builder: once the buffer
     * and the builder have seen a row (of up to 128 features), no allocation at all. */
    otter_instance *a, *b;
    otter_buf buf = OTTER_BUF_INIT;
    OK(otter_instance_create(&a, err));
    OK(otter_instance_create(&b, err));
    OK(codec_row(a, 100, err));
    OK(otter_instance_encode(a, &buf, err));
    OK(otter_instance_decode(b, buf.data, buf.len, err));
    /* no ck_assert inside the loop: Check allocates to record a passing assertion */
    otter_status st = OTTER_OK;
    alloc_calls = 0;
    for (int r = 0; r < 10 && st == OTTER_OK; r++) {
        otter_buf_reset(&buf);
        st = otter_instance_encode(a, &buf, NULL);
        if (st == OTTER_OK)
            st = otter_instance_decode(b, buf.data, buf.len, NULL);
    }
    long calls = alloc_calls;
    ck_assert_int_eq(st, OTTER_OK);
    ck_assert_int_eq(calls, 0);
    ck_assert_uint_eq(otter_instance_size(b), 100);
    otter_buf_free(&buf);
    otter_instance_destroy(b);
    otter_instance_destroy(a);
}
END_TEST

/* The tree dump allocates its walk and grows the caller's buffer: failing each of those
 * allocations in turn gives OTTER_NOMEM with a message and leaves the buffer as it was. */
static const char *const dump_cases[][2] = {{"hat", "agrawal"}, {"hoeffding-reg", "friedman"}};

START_TEST(tree_dump_allocation_failures)
{
    otter_context *ctx;
    otter_learner *l;
    otter_gen *g;
    otter_instance *inst;
    OK(otter_context_create(&ctx, err));
    OK(otter_learner_create(ctx, dump_cases[_i][0], NULL, &l, err));
    OK(otter_gen_create(ctx, dump_cases[_i][1], NULL, 5, &g, err));
    OK(otter_instance_create(&inst, err));
    for (int i = 0; i < 5000; i++) {
        otter_gen_row row;
        OK(otter_gen_next(g, inst, &row, err));
        OK(otter_learner_learn(l, inst, row.label, 1.0, err));
    }
    otter_buf b = OTTER_BUF_INIT;
    OK(otter_buf_append(&b, "kept", 4, err));
    alloc_calls = 0;
    otter_status st0 = otter_learner_dump(l, &b, NULL);
    long total = alloc_calls;
    ck_assert_int_eq(st0, OTTER_OK);
    ck_assert_msg(total >= 4, "only %ld allocations in a dump", total);
    for (long n = 1; n <= total; n++) {
        otter_buf x = OTTER_BUF_INIT;
        otter_error e = {0};
        OK(otter_buf_append(&x, "kept", 4, err));
        fail_at = n;
        alloc_calls = 0;
        otter_status st = otter_learner_dump(l, &x, &e);
        fail_at = -1;
        ck_assert_msg(st == OTTER_NOMEM && e.message[0], "allocation %ld of %ld: %s %s", n, total,
                      otter_status_name(st), e.message);
        ck_assert(x.len == 4 && memcmp(x.data, "kept", 4) == 0);
        otter_buf_free(&x);
    }
    otter_buf_free(&b);
    otter_instance_destroy(inst);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
    otter_context_destroy(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nomem");
    TCase *tc = tcase_create("allocation failures");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, every_allocation_failure_is_reported, 0,
                        (int)(sizeof specs / sizeof *specs));
    tcase_add_loop_test(tc, tree_dump_allocation_failures, 0,
                        (int)(sizeof dump_cases / sizeof *dump_cases));
    tcase_add_test(tc, bandit_allocation_failures);
    tcase_add_test(tc, instance_codec_allocation_failures);
    tcase_add_test(tc, instance_codec_steady_state_allocates_nothing);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
