/* The Hoeffding trees' memory bound (max_bytes), for `hoeffding` and `hat`: the size the
 * model reports never exceeds the bound once the tree has room to shed, accuracy
 * degrades gracefully as the bound shrinks, leaves come back when re-ranking finds room,
 * and a model saved and restored under memory pressure goes on bit-identically. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

static otter_context *ctx;
static const char *const types[] = {"hoeffding", "hat"};

static void setup(void)
{
    otter_error err = {0};
    ck_assert_int_eq(otter_context_create(&ctx, &err), OTTER_OK);
}

static void teardown(void)
{
    otter_context_destroy(ctx);
}

typedef struct counts {
    double leaves, active, inactive, reactivated;
} counts;

static void cap_num(void *ud, const char *key, double v)
{
    counts *c = ud;
    if (!strcmp(key, "leaves"))
        c->leaves = v;
    else if (!strcmp(key, "active_leaves"))
        c->active = v;
    else if (!strcmp(key, "inactive_leaves"))
        c->inactive = v;
    else if (!strcmp(key, "leaves_reactivated"))
        c->reactivated = v;
}

static counts describe(const otter_learner *l)
{
    counts c = {0, 0, 0, 0};
    otter_kv_sink sink = {&c, cap_num, NULL};
    otter_learner_describe(l, &sink);
    return c;
}

typedef struct run_result {
    double accuracy;
    size_t peak, over; /* largest size seen; rows that ended above max_bytes */
    counts end;
} run_result;

/* Prequential accuracy of `type` with params on n rows of rbf (10 features). */
static run_result run(const char *type, const char *params, size_t max_bytes, size_t n)
{
    otter_learner *l = test_learner(ctx, type, params);
    otter_gen *g = test_gen(ctx, "rbf", "features=10,centroids=50", 11);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    run_result r = {0, 0, 0, {0, 0, 0, 0}};
    size_t correct = 0;
    for (size_t i = 0; i < n; i++) {
        otter_gen_row row;
        otter_prediction p;
        OK(otter_gen_next(g, inst, &row, err));
        OK(otter_learner_predict_learn(l, inst, row.label, 1.0, &p, err));
        correct += p.label == (int)row.label;
        size_t b = otter_learner_bytes(l);
        r.peak = b > r.peak ? b : r.peak;
        r.over += max_bytes && b > max_bytes;
    }
    r.accuracy = (double)correct / (double)n;
    r.end = describe(l);
    otter_instance_destroy(inst);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
    return r;
}

START_TEST(bound_holds_and_accuracy_degrades_gracefully)
{
    const char *type = types[_i];
    size_t n = 200000;
    run_result free_run = run(type, "max_bytes=0", 0, n);
    ck_assert(free_run.end.inactive == 0);
    double prev = free_run.accuracy;
    /* fractions of the unbounded size: accuracy falls, but slowly and never far */
    const double frac[] = {0.5, 0.25, 0.125};
    /* measured: hoeffding -0.2, -1.0, -2.7 points; hat -0.7, -3.2, -7.1 (its ADWIN
     * detectors take a share of the bound that the plain tree spends on statistics) */
    const double slack[2][3] = {{0.01, 0.02, 0.04}, {0.02, 0.05, 0.09}};
    for (size_t f = 0; f < 3; f++) {
        size_t bound = (size_t)((double)free_run.peak * frac[f]);
        char params[96];
        snprintf(params, sizeof params, "max_bytes=%zu,memory_period=20000", bound);
        run_result r = run(type, params, bound, n);
        printf("%s max_bytes=%zu (%.3f of %zu): accuracy %.4f (unbounded %.4f), peak %zu, "
               "leaves %.0f active %.0f inactive %.0f\n",
               type, bound, frac[f], free_run.peak, r.accuracy, free_run.accuracy, r.peak,
               r.end.leaves, r.end.active, r.end.inactive);
        ck_assert_msg(r.over == 0, "%s: %zu rows ended above max_bytes=%zu (peak %zu)", type,
                      r.over, bound, r.peak);
        ck_assert(r.end.inactive > 0);
        ck_assert_msg(r.accuracy > free_run.accuracy - slack[_i][f],
                      "%s: accuracy %.4f at %.3f of the memory vs %.4f", type, r.accuracy, frac[f],
                      free_run.accuracy);
        ck_assert(r.accuracy <= prev + 0.005); /* less memory never helps much */
        prev = r.accuracy;
    }
}
END_TEST

START_TEST(reranking_reactivates_leaves)
{
    /* leaves deactivated under pressure come back at re-rankings, not only new ones */
    const char *type = types[_i];
    run_result r = run(type, "max_bytes=30000,memory_period=5000", 30000, 150000);
    ck_assert_msg(r.end.reactivated > 0, "%s: no leaf was ever reactivated", type);
    ck_assert(r.end.inactive > 0);
    ck_assert(r.over == 0);
}
END_TEST

START_TEST(restore_under_pressure_is_bit_identical)
{
    const char *type = types[_i];
    otter_learner *l = test_learner(ctx, type, "max_bytes=15000,memory_period=3000");
    otter_gen *g = test_gen(ctx, "rbf", "features=10,centroids=50", 5);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT;
    otter_learner *r = NULL;
    for (size_t i = 0; i < 90000; i++) {
        otter_gen_row row;
        OK(otter_gen_next(g, inst, &row, err));
        if (i == 40000) {
            ck_assert(describe(l).inactive > 0); /* the bound is at work */
            test_encode(l, &a);
            OK(otter_learner_decode(ctx, a.data, a.len, &r, err));
            ck_assert_uint_eq(otter_learner_bytes(r), otter_learner_bytes(l));
        }
        if (r) {
            otter_prediction p1, p2;
            OK(otter_learner_predict(l, inst, &p1, err));
            OK(otter_learner_predict(r, inst, &p2, err));
            ck_assert(memcmp(p1.probs, p2.probs, sizeof p1.probs) == 0);
            OK(otter_learner_learn(r, inst, row.label, 1.0, err));
        }
        OK(otter_learner_learn(l, inst, row.label, 1.0, err));
        if (r && i % 997 == 0)
            ck_assert_uint_eq(otter_learner_bytes(r), otter_learner_bytes(l));
    }
    test_encode(l, &a);
    test_encode(r, &b);
    ck_assert_msg(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
                  "%s: learning after decode diverged under max_bytes", type);
    otter_buf_free(&a);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
    otter_learner_destroy(r);
}
END_TEST

START_TEST(bad_memory_params_rejected)
{
    const char *bad[] = {"max_bytes=-1", "memory_period=0", "max_bytes=1.5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        otter_params *p = test_params(bad[i]);
        otter_learner *l = NULL;
        otter_error e = {0};
        ck_assert_int_eq(otter_learner_create(ctx, types[_i], p, &l, &e), OTTER_INVALID);
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(bad[i], "="), bad[i]);
        ck_assert_msg(strstr(e.message, name), "'%s' not named in: %s", name, e.message);
        otter_params_destroy(p);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ht_memory");
    TCase *tc = tcase_create("memory");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, bound_holds_and_accuracy_degrades_gracefully, 0, 2);
    tcase_add_loop_test(tc, reranking_reactivates_leaves, 0, 2);
    tcase_add_loop_test(tc, restore_under_pressure_is_bit_identical, 0, 2);
    tcase_add_loop_test(tc, bad_memory_params_rejected, 0, 2);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
