/* The Hoeffding trees' memory bound (max_bytes), for `hoeffding`, `hat` and
 * `hoeffding-reg`: the size the model reports never exceeds the bound once the tree has
 * room to shed, accuracy (RMSE for the regressor) degrades gracefully as the bound
 * shrinks, leaves come back when re-ranking finds room, the dump marks inactive leaves,
 * and a model saved and restored under memory pressure goes on bit-identically. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

static otter_context *ctx;

/* Each tree type on its stream; bounds (bytes) that put it under pressure early in the
 * restore test and keep it there in the re-ranking test. */
typedef struct tree_case {
    const char *type, *gen, *gen_params;
    int regression;
    size_t restore_bytes, rerank_bytes;
} tree_case;

static const tree_case cases[] = {
    {"hoeffding", "rbf", "features=10,centroids=50", 0, 15000, 30000},
    {"hat", "rbf", "features=10,centroids=50", 0, 15000, 30000},
    {"hoeffding-reg", "friedman", "", 1, 150000, 150000},
};
#define N_CASES ((int)(sizeof cases / sizeof *cases))

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
    double leaves, active, inactive, deactivated, reactivated;
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
    else if (!strcmp(key, "leaves_deactivated"))
        c->deactivated = v;
    else if (!strcmp(key, "leaves_reactivated"))
        c->reactivated = v;
}

static counts describe(const otter_learner *l)
{
    counts c = {0, 0, 0, 0, 0};
    otter_kv_sink sink = {&c, cap_num, NULL};
    otter_learner_describe(l, &sink);
    return c;
}

typedef struct run_result {
    double accuracy, rmse; /* prequential; accuracy for classifiers, RMSE for regressors */
    size_t peak, over;     /* largest size seen; rows that ended above max_bytes */
    counts end;
} run_result;

/* Prequential quality of the case's type with params on n rows of its stream. */
static run_result run(const tree_case *tc, const char *params, size_t max_bytes, size_t n)
{
    otter_learner *l = test_learner(ctx, tc->type, params);
    otter_gen *g = test_gen(ctx, tc->gen, tc->gen_params, 11);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    run_result r = {0, 0, 0, 0, {0, 0, 0, 0, 0}};
    size_t correct = 0;
    double se = 0;
    for (size_t i = 0; i < n; i++) {
        otter_gen_row row;
        otter_prediction p;
        OK(otter_gen_next(g, inst, &row, err));
        OK(otter_learner_predict_learn(l, inst, row.label, 1.0, &p, err));
        if (tc->regression)
            se += (p.score - row.label) * (p.score - row.label);
        else
            correct += p.label == (int)row.label;
        size_t b = otter_learner_bytes(l);
        r.peak = b > r.peak ? b : r.peak;
        r.over += max_bytes && b > max_bytes;
    }
    r.accuracy = (double)correct / (double)n;
    r.rmse = sqrt(se / (double)n);
    r.end = describe(l);
    otter_instance_destroy(inst);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
    return r;
}

START_TEST(bound_holds_and_accuracy_degrades_gracefully)
{
    const tree_case *tc = &cases[_i];
    size_t n = 200000;
    run_result free_run = run(tc, "max_bytes=0", 0, n);
    ck_assert(free_run.end.inactive == 0);
    double prev = tc->regression ? free_run.rmse : free_run.accuracy;
    /* fractions of the unbounded size: quality falls, but slowly and never far */
    const double frac[] = {0.5, 0.25, 0.125};
    /* measured (accuracy points lost): hoeffding -0.2, -1.0, -2.7; hat -0.7, -3.2, -7.1
     * (its ADWIN detectors take a share of the bound that the plain tree spends on
     * statistics). hoeffding-reg on friedman (RMSE 1.8845 unbounded, peak 4.98 MB):
     * RMSE +0.003%, +0.3%, +1.5% (relative; with a leaf slot 8 bytes larger it was
     * +0.003%, +0.5%, +4.0%: which leaves stay active shifts with the layout). */
    const double slack[3][3] = {{0.01, 0.02, 0.04}, {0.02, 0.05, 0.09}, {0.01, 0.02, 0.05}};
    for (size_t f = 0; f < 3; f++) {
        size_t bound = (size_t)((double)free_run.peak * frac[f]);
        char params[96];
        snprintf(params, sizeof params, "max_bytes=%zu,memory_period=20000", bound);
        run_result r = run(tc, params, bound, n);
        printf("%s max_bytes=%zu (%.3f of %zu): %s %.4f (unbounded %.4f), peak %zu, leaves %.0f "
               "active %.0f inactive %.0f reactivated %.0f\n",
               tc->type, bound, frac[f], free_run.peak, tc->regression ? "rmse" : "accuracy",
               tc->regression ? r.rmse : r.accuracy,
               tc->regression ? free_run.rmse : free_run.accuracy, r.peak, r.end.leaves,
               r.end.active, r.end.inactive, r.end.reactivated);
        ck_assert_msg(r.over == 0, "%s: %zu rows ended above max_bytes=%zu (peak %zu)", tc->type,
                      r.over, bound, r.peak);
        ck_assert(r.end.inactive > 0);
        if (tc->regression) {
            ck_assert_msg(r.rmse < free_run.rmse * (1 + slack[_i][f]),
                          "%s: rmse %.4f at %.3f of the memory vs %.4f", tc->type, r.rmse, frac[f],
                          free_run.rmse);
            ck_assert(r.rmse >= prev * 0.995); /* less memory never helps much */
            prev = r.rmse;
        } else {
            ck_assert_msg(r.accuracy > free_run.accuracy - slack[_i][f],
                          "%s: accuracy %.4f at %.3f of the memory vs %.4f", tc->type, r.accuracy,
                          frac[f], free_run.accuracy);
            ck_assert(r.accuracy <= prev + 0.005); /* less memory never helps much */
            prev = r.accuracy;
        }
    }
}
END_TEST

START_TEST(reranking_reactivates_leaves)
{
    /* leaves deactivated under pressure come back at re-rankings, not only new ones */
    const tree_case *tc = &cases[_i];
    char params[96];
    snprintf(params, sizeof params, "max_bytes=%zu,memory_period=5000", tc->rerank_bytes);
    run_result r = run(tc, params, tc->rerank_bytes, 150000);
    ck_assert_msg(r.end.reactivated > 0, "%s: no leaf was ever reactivated", tc->type);
    ck_assert(r.end.inactive > 0);
    ck_assert(r.over == 0);
}
END_TEST

/* Inactive leaves are marked in the dump: as many as describe counts. */
static void check_inactive_marks(const tree_case *tc, const otter_learner *l)
{
    char *text = test_dump(l);
    const char *mark = tc->regression ? ", inactive)\n" : ", inactive: mc)\n";
    size_t n = 0;
    for (const char *at = text; (at = strstr(at, mark)); at++)
        n++;
    ck_assert_msg(n == (size_t)describe(l).inactive, "%s: %zu inactive marks, %g inactive leaves",
                  tc->type, n, describe(l).inactive);
    free(text);
}

START_TEST(restore_under_pressure_is_bit_identical)
{
    const tree_case *tc = &cases[_i];
    char params[96];
    snprintf(params, sizeof params, "max_bytes=%zu,memory_period=3000", tc->restore_bytes);
    otter_learner *l = test_learner(ctx, tc->type, params);
    otter_gen *g = test_gen(ctx, tc->gen, tc->gen_params, 5);
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
            char *d1 = test_dump(l), *d2 = test_dump(r);
            ck_assert_str_eq(d1, d2);
            free(d1);
            free(d2);
            check_inactive_marks(tc, r);
        }
        if (r) {
            otter_prediction p1, p2;
            OK(otter_learner_predict(l, inst, &p1, err));
            OK(otter_learner_predict(r, inst, &p2, err));
            ck_assert(memcmp(p1.probs, p2.probs, sizeof p1.probs) == 0);
            ck_assert(memcmp(&p1.score, &p2.score, sizeof p1.score) == 0);
            OK(otter_learner_learn(r, inst, row.label, 1.0, err));
        }
        OK(otter_learner_learn(l, inst, row.label, 1.0, err));
        if (r && i % 997 == 0)
            ck_assert_uint_eq(otter_learner_bytes(r), otter_learner_bytes(l));
    }
    counts c = describe(l);
    ck_assert_msg(c.deactivated > 0 && c.reactivated > 0, "%s: %g deactivated, %g reactivated",
                  tc->type, c.deactivated, c.reactivated);
    test_encode(l, &a);
    test_encode(r, &b);
    ck_assert_msg(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
                  "%s: learning after decode diverged under max_bytes", tc->type);
    ck_assert_uint_eq(otter_learner_bytes(r), otter_learner_bytes(l));
    check_inactive_marks(tc, l);
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
        ck_assert_int_eq(otter_learner_create(ctx, cases[_i].type, p, &l, &e), OTTER_INVALID);
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
    tcase_add_loop_test(tc, bound_holds_and_accuracy_degrades_gracefully, 0, N_CASES);
    tcase_add_loop_test(tc, reranking_reactivates_leaves, 0, N_CASES);
    tcase_add_loop_test(tc, restore_under_pressure_is_bit_identical, 0, N_CASES);
    tcase_add_loop_test(tc, bad_memory_params_rejected, 0, N_CASES);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
