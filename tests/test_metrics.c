/* Unit tests for the prequential metrics (include/otter/metrics.h): hand-computed
 * answers for every metric, AUC against an exact pairwise computation, the rolling
 * window against a fresh computation over the same rows (also after 2M updates, to
 * catch floating-point drift), weights, validation and NaN for metrics that do not apply.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otter/metrics.h"

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(void)
{
    return (double)(rng_next() >> 11) * 0x1.0p-53;
}

static otter_metrics *make(otter_task task, size_t n_classes, size_t window, double threshold)
{
    otter_metrics_options o = {
        .task = task, .n_classes = n_classes, .window = window, .threshold = threshold};
    otter_metrics *m = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter_metrics_create(&o, &m, &err), OTTER_OK);
    ck_assert_ptr_nonnull(m);
    return m;
}

static otter_prediction bin_proba(double p)
{
    otter_prediction pr = {.task = OTTER_TASK_BINARY, .has_proba = 1, .n_classes = 2};
    pr.proba = p;
    pr.score = log(p / (1.0 - p));
    pr.label = p >= 0.5;
    pr.probs[0] = 1.0 - p;
    pr.probs[1] = p;
    return pr;
}

static otter_prediction bin_score(double s)
{
    otter_prediction pr = {.task = OTTER_TASK_BINARY, .has_proba = 0, .n_classes = 2};
    pr.score = s;
    pr.proba = NAN;
    pr.label = s >= 0.0;
    return pr;
}

static otter_prediction reg_pred(double v)
{
    otter_prediction pr = {.task = OTTER_TASK_REGRESSION, .score = v, .proba = NAN};
    return pr;
}

static otter_prediction mc_pred(const double *probs, size_t k)
{
    otter_prediction pr = {.task = OTTER_TASK_MULTICLASS, .has_proba = 1, .n_classes = k};
    pr.proba = NAN;
    int best = 0;
    for (size_t i = 0; i < k; i++) {
        pr.probs[i] = probs[i];
        if (probs[i] > probs[best]) {
            best = (int)i;
        }
    }
    pr.label = best;
    return pr;
}

static void update_ok(otter_metrics *m, otter_prediction pr, double label, double weight)
{
    otter_error err = {0};
    /* Not ck_assert: Check records every passing assertion, too slow for 2M rows. */
    if (otter_metrics_check(m, &pr, label, weight, &err) != OTTER_OK ||
        otter_metrics_update(m, &pr, label, weight, &err) != OTTER_OK) {
        ck_abort_msg("update(label %g, weight %g): %s", label, weight, err.message);
    }
}

/* NaN equals NaN; otherwise within tol relative to max(1, |want|). */
static int near(double got, double want, double tol)
{
    if (isnan(want) || isnan(got)) {
        return isnan(want) && isnan(got);
    }
    return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

#define ck_near(got, want, tol)                                                                    \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        ck_assert_msg(near(g_, w_, (tol)), "%s = %.17g, want %.17g", #got, g_, w_);                \
    } while (0)

/* Every metric except rows. */
static void ck_reports_near(const otter_metrics_report *a, const otter_metrics_report *b,
                            double tol)
{
    ck_near(a->weight, b->weight, tol);
    ck_near(a->accuracy, b->accuracy, tol);
    ck_near(a->log_loss, b->log_loss, tol);
    ck_near(a->auc, b->auc, tol);
    ck_near(a->auc_error_bound, b->auc_error_bound, tol);
    ck_near(a->precision, b->precision, tol);
    ck_near(a->recall, b->recall, tol);
    ck_near(a->mae, b->mae, tol);
    ck_near(a->rmse, b->rmse, tol);
}

static otter_metrics_report cumulative(const otter_metrics *m)
{
    otter_metrics_report r;
    otter_metrics_cumulative(m, &r);
    return r;
}

static otter_metrics_report rolling(const otter_metrics *m)
{
    otter_metrics_report r;
    otter_metrics_rolling(m, &r);
    return r;
}

/* ---- options ---- */

static void expect_bad_options(otter_metrics_options o, const char *field)
{
    otter_metrics *m = (otter_metrics *)&o; /* must be reset to NULL */
    otter_error err = {0};
    ck_assert_int_eq(otter_metrics_create(&o, &m, &err), OTTER_INVALID);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(err.code, OTTER_INVALID);
    ck_assert_msg(strstr(err.message, field) != NULL, "message '%s' lacks '%s'", err.message,
                  field);
}

START_TEST(test_create_validation)
{
    expect_bad_options((otter_metrics_options){.task = (otter_task)7, .threshold = 0.5}, "task");
    expect_bad_options((otter_metrics_options){.task = OTTER_TASK_BINARY, .threshold = 0.0},
                       "threshold");
    expect_bad_options((otter_metrics_options){.task = OTTER_TASK_BINARY, .threshold = 1.0},
                       "threshold");
    expect_bad_options((otter_metrics_options){.task = OTTER_TASK_BINARY, .threshold = NAN},
                       "threshold");
    expect_bad_options((otter_metrics_options){.task = OTTER_TASK_MULTICLASS, .n_classes = 1},
                       "n_classes");
    expect_bad_options(
        (otter_metrics_options){.task = OTTER_TASK_MULTICLASS, .n_classes = OTTER_MAX_CLASSES + 1},
        "n_classes");
    expect_bad_options((otter_metrics_options){.task = OTTER_TASK_REGRESSION, .window = (size_t)-1},
                       "window");

    /* The threshold only matters for binary tasks; zeroed options are fine elsewhere. */
    otter_metrics *m = make(OTTER_TASK_REGRESSION, 0, 0, 0.0);
    otter_metrics_destroy(m);
    m = make(OTTER_TASK_MULTICLASS, OTTER_MAX_CLASSES, 10, 0.0);
    otter_metrics_destroy(m);

    otter_error err = {0};
    ck_assert_int_eq(otter_metrics_create(NULL, &m, &err), OTTER_INVALID);
    otter_metrics_destroy(NULL);
}
END_TEST

/* ---- binary ---- */

START_TEST(test_binary_hand)
{
    /* p:     0.9  0.6  0.3  0.2
     * truth:   1    0    1    0
     * label:   1    1    0    0   -> 2 of 4 right
     * AUC pairs (pos vs neg): .9>.6 .9>.2 .3<.6 .3>.2 -> 3/4 */
    otter_metrics *m = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    otter_metrics *m25 = make(OTTER_TASK_BINARY, 0, 0, 0.25);
    const double p[] = {0.9, 0.6, 0.3, 0.2}, y[] = {1, 0, 1, 0};
    for (int i = 0; i < 4; i++) {
        update_ok(m, bin_proba(p[i]), y[i], 1.0);
        update_ok(m25, bin_proba(p[i]), y[i], 1.0);
    }
    otter_metrics_report r = cumulative(m);
    ck_assert_uint_eq(r.rows, 4);
    ck_near(r.weight, 4.0, 1e-15);
    ck_near(r.accuracy, 0.5, 1e-15);
    ck_near(r.log_loss, -(log(0.9) + log(0.4) + log(0.3) + log(0.8)) / 4.0, 1e-14);
    ck_near(r.auc, 0.75, 1e-15);
    ck_near(r.auc_error_bound, 0.0, 0.0);
    ck_near(r.precision, 0.5, 1e-15); /* predicted positive: .9 (y=1), .6 (y=0) */
    ck_near(r.recall, 0.5, 1e-15);
    ck_assert(isnan(r.mae) && isnan(r.rmse));

    r = cumulative(m25); /* predicted positive: .9, .6, .3 */
    ck_near(r.precision, 2.0 / 3.0, 1e-15);
    ck_near(r.recall, 1.0, 1e-15);
    ck_near(r.accuracy, 0.5, 1e-15); /* accuracy uses the model's label, not the threshold */
    otter_metrics_destroy(m);
    otter_metrics_destroy(m25);
}
END_TEST

START_TEST(test_binary_score_and_clipping)
{
    otter_metrics *m = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    update_ok(m, bin_score(0.0), 1.0, 1.0);  /* p = 1/2 */
    update_ok(m, bin_score(2.0), 1.0, 1.0);  /* -log(sigmoid(2)) = log(1+e^-2) */
    update_ok(m, bin_score(-3.0), 0.0, 1.0); /* -log(1-sigmoid(-3)) = log(1+e^-3) */
    otter_metrics_report r = cumulative(m);
    ck_near(r.log_loss, (log(2.0) + log1p(exp(-2.0)) + log1p(exp(-3.0))) / 3.0, 1e-14);
    ck_near(r.accuracy, 1.0, 0.0); /* labels 1, 1, 0 (score 0 gives label 1): all right */
    otter_metrics_destroy(m);

    /* Certain and wrong: clipped at 1e-15 instead of infinity. */
    m = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    update_ok(m, bin_proba(0.0), 1.0, 1.0);
    update_ok(m, bin_proba(1.0), 0.0, 1.0);
    update_ok(m, bin_score(-INFINITY), 1.0, 1.0);
    r = cumulative(m);
    ck_assert(isfinite(r.log_loss));
    /* 1 - (1 - 1e-15) is not exactly 1e-15 in binary: allow for that. */
    ck_near(r.log_loss, -log(1e-15), 1e-4);
    otter_metrics_destroy(m);

    /* Certain and right: clipped at 1 - 1e-15, so about 1e-15, not 0 or NaN. */
    m = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    update_ok(m, bin_proba(1.0), 1.0, 1.0);
    update_ok(m, bin_score(INFINITY), 1.0, 1.0);
    r = cumulative(m);
    ck_assert(r.log_loss > 0.0 && r.log_loss < 2e-15);
    otter_metrics_destroy(m);
}
END_TEST

START_TEST(test_auc_extremes)
{
    otter_metrics *perfect = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    otter_metrics *reversed = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    otter_metrics *constant = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    for (int i = 0; i < 200; i++) {
        double p = (i + 0.5) / 200.0;
        double y = i >= 120; /* top 80 are positive */
        update_ok(perfect, bin_proba(p), y, 1.0);
        update_ok(reversed, bin_proba(1.0 - p), y, 1.0);
        update_ok(constant, bin_proba(0.7), y, 1.0);
    }
    otter_metrics_report r = cumulative(perfect);
    ck_near(r.auc, 1.0, 0.0);
    ck_near(r.auc_error_bound, 0.0, 0.0);
    r = cumulative(reversed);
    ck_near(r.auc, 0.0, 0.0);
    ck_near(r.auc_error_bound, 0.0, 0.0);
    r = cumulative(constant);
    ck_near(r.auc, 0.5, 0.0);
    ck_near(r.auc_error_bound, 0.5, 0.0); /* every pair tied: anything in [0, 1] */
    otter_metrics_destroy(perfect);
    otter_metrics_destroy(reversed);
    otter_metrics_destroy(constant);

    /* One class only: AUC and recall/precision as far as undefined are NaN. */
    otter_metrics *one = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    update_ok(one, bin_proba(0.2), 0.0, 1.0);
    update_ok(one, bin_proba(0.4), 0.0, 1.0);
    r = cumulative(one);
    ck_assert(isnan(r.auc) && isnan(r.auc_error_bound));
    ck_assert(isnan(r.recall));    /* no positives */
    ck_assert(isnan(r.precision)); /* no predicted positives */
    ck_near(r.accuracy, 1.0, 0.0);
    otter_metrics_destroy(one);
}
END_TEST

typedef struct scored {
    double p, y, w;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->p, z = ((const scored *)b)->p;
    return (x > z) - (x < z);
}

/* Exact weighted AUC in O(n log n): sort, then walk runs of equal scores; a positive
 * beats the negatives below its run and ties (1/2) with those in it. */
static double exact_auc(scored *s, size_t n)
{
    qsort(s, n, sizeof *s, cmp_scored);
    double below = 0.0, num = 0.0, pos = 0.0, neg = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double gp = 0.0, gn = 0.0;
        for (; j < n && s[j].p == s[i].p; j++) {
            if (s[j].y == 1.0) {
                gp += s[j].w;
            } else {
                gn += s[j].w;
            }
        }
        num += gp * (below + 0.5 * gn);
        below += gn;
        pos += gp;
        neg += gn;
        i = j;
    }
    return num / (pos * neg);
}

/* 5000 random rows drawn by `draw`, weighted or not: |AUC - exact| <= bound. */
static void check_auc_against_exact(double (*draw)(double y), int weighted, double max_bound)
{
    enum { N = 5000 };
    static scored s[N];
    otter_metrics *m = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    for (size_t i = 0; i < N; i++) {
        double y = rng_unit() < 0.4;
        s[i] = (scored){.p = draw(y), .y = y, .w = weighted ? 0.1 + 3.0 * rng_unit() : 1.0};
        update_ok(m, bin_proba(s[i].p), y, s[i].w);
    }
    otter_metrics_report r = cumulative(m);
    double exact = exact_auc(s, N);
    ck_assert_msg(fabs(r.auc - exact) <= r.auc_error_bound + 1e-12,
                  "auc %.12f exact %.12f bound %.3g", r.auc, exact, r.auc_error_bound);
    ck_assert_msg(r.auc_error_bound <= max_bound, "bound %.3g", r.auc_error_bound);
    ck_assert(exact > 0.55 && exact < 0.99); /* the data has a signal but is not separable */
    otter_metrics_destroy(m);
}

static double draw_spread(double y) /* positives shifted up, ties rare */
{
    double u = rng_unit();
    return y ? sqrt(u) : u;
}

static double draw_coarse(double y) /* many exact ties: 50 distinct values */
{
    return floor(draw_spread(y) * 50.0) / 50.0 + 0.001;
}

static double draw_narrow(double y) /* all in ~8 bins: the bound is large and must hold */
{
    return 0.5 + 1e-4 * draw_spread(y);
}

START_TEST(test_auc_vs_exact)
{
    rng_state = 42;
    check_auc_against_exact(draw_spread, 0, 1e-3);
    check_auc_against_exact(draw_spread, 1, 1e-3);
    check_auc_against_exact(draw_coarse, 0, 1.0);
    check_auc_against_exact(draw_coarse, 1, 1.0);
    check_auc_against_exact(draw_narrow, 0, 1.0);
    check_auc_against_exact(draw_narrow, 1, 1.0);
}
END_TEST

/* ---- multiclass ---- */

START_TEST(test_multiclass_hand)
{
    otter_metrics *m = make(OTTER_TASK_MULTICLASS, 3, 0, 0.0);
    const double a[] = {0.7, 0.2, 0.1}, b[] = {0.1, 0.3, 0.6}, c[] = {0.25, 0.5, 0.25};
    update_ok(m, mc_pred(a, 3), 0.0, 1.0); /* right, p = .7 */
    update_ok(m, mc_pred(b, 3), 1.0, 1.0); /* wrong, p = .3 */
    update_ok(m, mc_pred(c, 3), 1.0, 1.0); /* right, p = .5 */
    update_ok(m, mc_pred(a, 3), 2.0, 1.0); /* wrong, p = .1 */
    otter_metrics_report r = cumulative(m);
    ck_assert_uint_eq(r.rows, 4);
    ck_near(r.accuracy, 0.5, 1e-15);
    ck_near(r.log_loss, -(log(0.7) + log(0.3) + log(0.5) + log(0.1)) / 4.0, 1e-14);
    ck_assert(isnan(r.auc) && isnan(r.auc_error_bound) && isnan(r.precision) && isnan(r.recall) &&
              isnan(r.mae) && isnan(r.rmse));
    otter_metrics_destroy(m);
}
END_TEST

/* ---- regression ---- */

START_TEST(test_regression_hand)
{
    otter_metrics *m = make(OTTER_TASK_REGRESSION, 0, 0, 0.0);
    update_ok(m, reg_pred(2.0), 3.0, 1.0); /* error -1 */
    update_ok(m, reg_pred(0.0), 1.0, 1.0); /* error -1 */
    update_ok(m, reg_pred(5.0), 2.0, 1.0); /* error 3 */
    otter_metrics_report r = cumulative(m);
    ck_assert_uint_eq(r.rows, 3);
    ck_near(r.mae, 5.0 / 3.0, 1e-15);
    ck_near(r.rmse, sqrt(11.0 / 3.0), 1e-15);
    ck_assert(isnan(r.accuracy) && isnan(r.log_loss) && isnan(r.auc) && isnan(r.auc_error_bound) &&
              isnan(r.precision) && isnan(r.recall));
    otter_metrics_destroy(m);
}
END_TEST

/* ---- weights ---- */

START_TEST(test_weight_equals_duplicate)
{
    const otter_task tasks[] = {OTTER_TASK_BINARY, OTTER_TASK_MULTICLASS, OTTER_TASK_REGRESSION};
    rng_state = 7;
    for (int t = 0; t < 3; t++) {
        otter_metrics *weighted = make(tasks[t], 4, 50, 0.5);
        otter_metrics *dup = make(tasks[t], 4, 100, 0.5);
        for (int i = 0; i < 300; i++) {
            otter_prediction pr;
            double y, u = rng_unit();
            if (tasks[t] == OTTER_TASK_BINARY) {
                y = rng_unit() < 0.5;
                pr = bin_proba(y ? sqrt(u) : u);
            } else if (tasks[t] == OTTER_TASK_MULTICLASS) {
                double probs[4] = {u, 1.0 - u, rng_unit(), rng_unit()};
                double sum = probs[0] + probs[1] + probs[2] + probs[3];
                for (int k = 0; k < 4; k++) {
                    probs[k] /= sum;
                }
                pr = mc_pred(probs, 4);
                y = (double)(rng_next() % 4);
            } else {
                y = 10.0 * rng_unit();
                pr = reg_pred(y + u - 0.3);
            }
            update_ok(weighted, pr, y, 2.0);
            update_ok(dup, pr, y, 1.0);
            update_ok(dup, pr, y, 1.0);
        }
        otter_metrics_report a = cumulative(weighted), b = cumulative(dup);
        ck_assert_uint_eq(a.rows, 300);
        ck_assert_uint_eq(b.rows, 600);
        ck_reports_near(&a, &b, 1e-12);
        a = rolling(weighted); /* the last 50 rows, each doubled = the last 100 duplicated */
        b = rolling(dup);
        ck_assert_uint_eq(a.rows, 50);
        ck_reports_near(&a, &b, 1e-12);
        otter_metrics_destroy(weighted);
        otter_metrics_destroy(dup);
    }
}
END_TEST

START_TEST(test_zero_weight)
{
    otter_metrics *m = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    update_ok(m, bin_proba(0.9), 1.0, 1.0);
    update_ok(m, bin_proba(0.1), 0.0, 1.0);
    otter_metrics_report before = cumulative(m);
    update_ok(m, bin_proba(0.9), 0.0, 0.0); /* counted as a row, weighs nothing */
    otter_metrics_report after = cumulative(m);
    ck_assert_uint_eq(after.rows, 3);
    ck_reports_near(&after, &before, 0.0);
    otter_metrics_destroy(m);
}
END_TEST

/* ---- invalid input ---- */

static void expect_rejected(otter_metrics *m, otter_prediction pr, double label, double weight,
                            const char *field)
{
    otter_metrics_report c0 = cumulative(m), r0 = rolling(m);
    otter_error err = {0}, cerr = {0};
    ck_assert_int_eq(otter_metrics_check(m, &pr, label, weight, &cerr), OTTER_INVALID);
    ck_assert_int_eq(otter_metrics_update(m, &pr, label, weight, &err), OTTER_INVALID);
    ck_assert_msg(strstr(err.message, field) != NULL, "message '%s' lacks '%s'", err.message,
                  field);
    ck_assert_str_eq(cerr.message, err.message); /* check says what update would say */
    otter_metrics_report c1 = cumulative(m), r1 = rolling(m);
    ck_assert(memcmp(&c0, &c1, sizeof c0) == 0);
    ck_assert(memcmp(&r0, &r1, sizeof r0) == 0);
}

START_TEST(test_invalid_rejected)
{
    otter_metrics *m = make(OTTER_TASK_BINARY, 0, 3, 0.5);
    update_ok(m, bin_proba(0.8), 1.0, 1.0);
    update_ok(m, bin_proba(0.3), 0.0, 1.0);
    expect_rejected(m, bin_proba(0.5), 0.5, 1.0, "label");
    expect_rejected(m, bin_proba(0.5), -1.0, 1.0, "label"); /* the caller maps -1 to 0 */
    expect_rejected(m, bin_proba(0.5), 2.0, 1.0, "label");
    expect_rejected(m, bin_proba(0.5), NAN, 1.0, "label");
    expect_rejected(m, bin_proba(0.5), 1.0, -1.0, "weight");
    expect_rejected(m, bin_proba(0.5), 1.0, NAN, "weight");
    expect_rejected(m, bin_proba(0.5), 1.0, INFINITY, "weight");
    otter_prediction pr = bin_proba(0.5);
    pr.proba = 1.5;
    expect_rejected(m, pr, 1.0, 1.0, "proba");
    pr.proba = NAN;
    expect_rejected(m, pr, 1.0, 1.0, "proba");
    expect_rejected(m, bin_score(NAN), 1.0, 1.0, "score");
    expect_rejected(m, reg_pred(0.5), 1.0, 1.0, "task");
    ck_assert_uint_eq(cumulative(m).rows, 2);
    otter_metrics_destroy(m);

    m = make(OTTER_TASK_MULTICLASS, 3, 3, 0.0);
    const double probs[] = {0.2, 0.3, 0.5};
    update_ok(m, mc_pred(probs, 3), 2.0, 1.0);
    expect_rejected(m, mc_pred(probs, 3), 3.0, 1.0, "label");
    expect_rejected(m, mc_pred(probs, 3), -1.0, 1.0, "label");
    expect_rejected(m, mc_pred(probs, 3), 1.5, 1.0, "label");
    expect_rejected(m, mc_pred(probs, 3), NAN, 1.0, "label");
    expect_rejected(m, mc_pred(probs, 3), 1.0, -0.5, "weight");
    otter_metrics_destroy(m);

    m = make(OTTER_TASK_REGRESSION, 0, 3, 0.0);
    update_ok(m, reg_pred(1.0), 2.0, 1.0);
    expect_rejected(m, reg_pred(1.0), INFINITY, 1.0, "label");
    expect_rejected(m, reg_pred(1.0), NAN, 1.0, "label");
    expect_rejected(m, reg_pred(NAN), 1.0, 1.0, "score");
    expect_rejected(m, reg_pred(1.0), 1.0, NAN, "weight");
    expect_rejected(m, reg_pred(1e200), -1e200, 1.0, "score"); /* squared error overflows */
    otter_metrics_destroy(m);
}
END_TEST

START_TEST(test_empty_is_nan)
{
    const otter_task tasks[] = {OTTER_TASK_BINARY, OTTER_TASK_MULTICLASS, OTTER_TASK_REGRESSION};
    for (int t = 0; t < 3; t++) {
        for (size_t window = 0; window <= 5; window += 5) {
            otter_metrics *m = make(tasks[t], 3, window, 0.5);
            otter_metrics_report r[2] = {cumulative(m), rolling(m)};
            for (int i = 0; i < 2; i++) {
                ck_assert_uint_eq(r[i].rows, 0);
                ck_assert(r[i].weight == 0.0);
                ck_assert(isnan(r[i].accuracy) && isnan(r[i].log_loss) && isnan(r[i].auc) &&
                          isnan(r[i].auc_error_bound) && isnan(r[i].precision) &&
                          isnan(r[i].recall) && isnan(r[i].mae) && isnan(r[i].rmse));
            }
            otter_metrics_destroy(m);
        }
    }
}
END_TEST

START_TEST(test_window_disabled)
{
    otter_metrics *m = make(OTTER_TASK_BINARY, 0, 0, 0.5);
    update_ok(m, bin_proba(0.8), 1.0, 1.0);
    update_ok(m, bin_proba(0.3), 0.0, 1.0);
    otter_metrics_report r = rolling(m);
    ck_assert_uint_eq(r.rows, 0);
    ck_assert(isnan(r.accuracy) && isnan(r.auc) && isnan(r.log_loss));
    ck_assert_uint_eq(cumulative(m).rows, 2);
    otter_metrics_destroy(m);
}
END_TEST

/* ---- rolling window ---- */

typedef struct row {
    otter_prediction pr;
    double y, w;
} row;

static row random_row(otter_task task, int weighted)
{
    row r;
    double u = rng_unit();
    /* Weights over several orders of magnitude make add/subtract drift visible. */
    r.w = weighted ? exp(10.0 * rng_unit() - 5.0) : 1.0;
    if (task == OTTER_TASK_BINARY) {
        r.y = rng_unit() < 0.3;
        if (rng_next() % 4 == 0) {
            r.pr = bin_score(6.0 * (r.y ? u : u - 0.5));
        } else {
            r.pr = bin_proba(r.y ? sqrt(u) : u * u);
        }
    } else if (task == OTTER_TASK_MULTICLASS) {
        double probs[5], sum = 0.0;
        for (int k = 0; k < 5; k++) {
            probs[k] = rng_unit() + 1e-3;
            sum += probs[k];
        }
        for (int k = 0; k < 5; k++) {
            probs[k] /= sum;
        }
        r.pr = mc_pred(probs, 5);
        r.y = (double)(rng_next() % 5);
    } else {
        r.y = 1000.0 * rng_unit() - 300.0;
        r.pr = reg_pred(r.y + 50.0 * (u - 0.4));
    }
    return r;
}

/* Feeds n random rows and, every `every` rows and at the end, checks the rolling
 * report against a fresh metrics object fed the last `window` rows (kept in a ring). */
static void check_rolling_phased(otter_task task, size_t window, size_t n, size_t every,
                                 int weighted, int phased, double tol);

static void check_rolling(otter_task task, size_t window, size_t n, size_t every, int weighted,
                          double tol)
{
    check_rolling_phased(task, window, n, every, weighted, 0, tol);
}

/* phased: the first half of the stream has huge weights and errors, the second half tiny
 * ones, so rounding left in the sums by the first half would swamp the window's values. */
static void check_rolling_phased(otter_task task, size_t window, size_t n, size_t every,
                                 int weighted, int phased, double tol)
{
    row *last = malloc(window * sizeof *last);
    ck_assert_ptr_nonnull(last);
    otter_metrics *m = make(task, 5, window, 0.4);
    for (size_t i = 0; i < n; i++) {
        row r = random_row(task, weighted);
        if (phased) {
            double scale = i < n / 2 ? 1e4 : 1e-4;
            r.w *= scale;
            if (task == OTTER_TASK_REGRESSION) {
                r.pr.score = r.y + (r.pr.score - r.y) * scale;
            }
        }
        last[i % window] = r;
        update_ok(m, r.pr, r.y, r.w);
        if ((i + 1) % every != 0 && i + 1 != n) {
            continue;
        }
        size_t from = i + 1 > window ? i + 1 - window : 0;
        otter_metrics *fresh = make(task, 5, 0, 0.4);
        for (size_t j = from; j <= i; j++) {
            const row *q = &last[j % window];
            update_ok(fresh, q->pr, q->y, q->w);
        }
        otter_metrics_report got = rolling(m), want = cumulative(fresh);
        ck_assert_uint_eq(got.rows, want.rows);
        ck_reports_near(&got, &want, tol);
        otter_metrics_destroy(fresh);
    }
    ck_assert_uint_eq(cumulative(m).rows, n);
    otter_metrics_destroy(m);
    free(last);
}

START_TEST(test_rolling_matches_fresh)
{
    const otter_task tasks[] = {OTTER_TASK_BINARY, OTTER_TASK_MULTICLASS, OTTER_TASK_REGRESSION};
    rng_state = 99;
    for (int t = 0; t < 3; t++) {
        for (int weighted = 0; weighted < 2; weighted++) {
            check_rolling(tasks[t], 1, 50, 1, weighted, 1e-12);
            check_rolling(tasks[t], 7, 200, 1, weighted, 1e-12);
            check_rolling(tasks[t], 100, 3000, 37, weighted, 1e-12);
        }
    }
}
END_TEST

/* Once the rows behind a sum have left the window, the sum is exactly zero again, so
 * metrics without data are NaN rather than ratios of rounding residues. */
START_TEST(test_rolling_empty_sums_exact)
{
    otter_metrics *m = make(OTTER_TASK_BINARY, 0, 4, 0.5);
    const double w[] = {0.1, 0.7, 1e-3, 3.3};
    for (int i = 0; i < 4; i++) {
        update_ok(m, bin_proba(0.9 - 0.1 * i), 1.0, w[i]); /* positives, predicted positive */
    }
    for (int i = 0; i < 4; i++) {
        update_ok(m, bin_proba(0.1 + 0.05 * i), 0.0, 0.3 + w[i]); /* negatives, predicted 0 */
    }
    otter_metrics_report r = rolling(m);
    ck_assert_uint_eq(r.rows, 4);
    ck_assert(isnan(r.auc) && isnan(r.auc_error_bound));
    ck_assert(isnan(r.recall) && isnan(r.precision));
    ck_near(r.accuracy, 1.0, 0.0);
    for (int i = 0; i < 4; i++) {
        update_ok(m, bin_proba(0.5), 0.0, 0.0); /* the window now weighs nothing */
    }
    r = rolling(m);
    ck_assert(r.weight == 0.0);
    ck_assert(isnan(r.accuracy) && isnan(r.log_loss) && isnan(r.auc));
    otter_metrics_destroy(m);

    m = make(OTTER_TASK_REGRESSION, 0, 2, 0.0);
    update_ok(m, reg_pred(0.1), 0.3, 0.7);
    update_ok(m, reg_pred(2.5), 0.2, 1.9);
    update_ok(m, reg_pred(1.0), 1.0, 0.4); /* exact predictions: errors exactly 0 */
    update_ok(m, reg_pred(2.0), 2.0, 0.6);
    r = rolling(m);
    ck_assert(r.mae == 0.0 && r.rmse == 0.0);
    otter_metrics_destroy(m);
}
END_TEST

/* Long streams: 2M updates, with the final window compared to a fresh computation. */
START_TEST(test_rolling_no_drift)
{
    const otter_task tasks[] = {OTTER_TASK_BINARY, OTTER_TASK_MULTICLASS, OTTER_TASK_REGRESSION};
    rng_state = 2024;
    for (int t = 0; t < 3; t++) {
        check_rolling(tasks[t], 999, 2000000, 2000000, 1, 1e-9);
    }
    check_rolling(OTTER_TASK_BINARY, 4096, 2000000, 2000000, 0, 1e-9);
    for (int t = 0; t < 3; t++) {
        check_rolling_phased(tasks[t], 1000, 2000000, 2000000, 1, 1, 1e-9);
    }
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_create_validation);
    tcase_add_test(tc, test_binary_hand);
    tcase_add_test(tc, test_binary_score_and_clipping);
    tcase_add_test(tc, test_auc_extremes);
    tcase_add_test(tc, test_auc_vs_exact);
    tcase_add_test(tc, test_multiclass_hand);
    tcase_add_test(tc, test_regression_hand);
    tcase_add_test(tc, test_weight_equals_duplicate);
    tcase_add_test(tc, test_zero_weight);
    tcase_add_test(tc, test_invalid_rejected);
    tcase_add_test(tc, test_empty_is_nan);
    tcase_add_test(tc, test_window_disabled);
    tcase_add_test(tc, test_rolling_matches_fresh);
    tcase_add_test(tc, test_rolling_empty_sums_exact);
    suite_add_tcase(s, tc);

    TCase *slow = tcase_create("long");
    tcase_set_timeout(slow, 300);
    tcase_add_test(slow, test_rolling_no_drift);
    suite_add_tcase(s, slow);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
