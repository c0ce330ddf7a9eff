/* Linear learners (logreg, linreg, svm): gradients against finite differences,
 * learning curves against known answers, exact zeros from FTRL-L1, bit-identical
 * round trips and determinism, and the dense (BLAS) path agreeing with the sparse one. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "learners/linear_int.h"
#include "test_util.h"

static otter_context *ctx;

static void setup(void)
{
    otter_error err = {0};
    ck_assert_int_eq(otter_context_create(&ctx, &err), OTTER_OK);
}

static void teardown(void)
{
    otter_context_destroy(ctx);
}

static otter_learner *make(const char *type, const char *params)
{
    otter_params *p;
    otter_learner *l = NULL;
    OK(otter_params_create(&p, err));
    OK(otter_params_parse(p, params, err));
    OK(otter_learner_create(ctx, type, p, &l, err));
    otter_params_destroy(p);
    return l;
}

/* Fills inst with numeric features x0..x{n-1} (or a dense array when dense). */
static void fill(otter_instance *inst, const double *x, size_t n, int dense)
{
    otter_instance_clear(inst);
    if (dense) {
        OK(otter_instance_set_dense(inst, x, n, err));
        return;
    }
    char name[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "x%zu", i);
        OK(otter_instance_num(inst, NULL, name, x[i], err));
    }
}

static double margin_of(otter_learner *l, otter_instance *inst)
{
    otter_prediction p;
    OK(otter_learner_predict(l, inst, &p, err));
    return p.score;
}

/* Weight of feature x{i}: margin of the one-hot probe minus the bias margin (models
 * built with standardize=false, so the probe is the raw input). */
static double weight_of(otter_learner *l, otter_instance *inst, size_t i, size_t n)
{
    double x[16] = {0};
    fill(inst, x, 0, 0);
    double b = margin_of(l, inst);
    x[i] = 1.0;
    fill(inst, x, n, 0);
    return margin_of(l, inst) - b;
}

static double sigmoid(double m)
{
    return 1.0 / (1.0 + exp(-m));
}

START_TEST(gradients_match_finite_differences)
{
    const otter__lin_loss *losses[] = {&otter__loss_logistic, &otter__loss_softmax,
                                       &otter__loss_squared, &otter__loss_hinge};
    otter_rng rng;
    otter_rng_seed(&rng, 11);
    for (size_t li = 0; li < 4; li++) {
        const otter__lin_loss *L = losses[li];
        size_t k = L == &otter__loss_softmax ? 4 : 1;
        for (int trial = 0; trial < 200; trial++) {
            double m[4], g[4], y;
            for (size_t h = 0; h < k; h++)
                m[h] = 6 * otter_rng_uniform(&rng) - 3;
            y = k > 1                              ? (double)otter_rng_below(&rng, k)
                : L->task == OTTER_TASK_REGRESSION ? 4 * otter_rng_uniform(&rng) - 2
                                                   : (double)otter_rng_below(&rng, 2);
            if (L == &otter__loss_hinge && fabs(fabs(m[0]) - 1.0) < 1e-3)
                continue; /* the hinge has no derivative at its kink */
            L->grad(m, k, y, g);
            for (size_t h = 0; h < k; h++) {
                double e = 1e-6, mp[4], mm[4];
                memcpy(mp, m, sizeof m);
                memcpy(mm, m, sizeof m);
                mp[h] += e;
                mm[h] -= e;
                double fd = (L->value(mp, k, y) - L->value(mm, k, y)) / (2 * e);
                ck_assert_msg(fabs(fd - g[h]) < 1e-6, "%s: grad %g, finite difference %g", L->name,
                              g[h], fd);
            }
        }
    }
}
END_TEST

/* Prequential accuracy over the last `tail` rows of a linearly separable stream. */
static double separable_accuracy(const char *type, const char *params)
{
    otter_learner *l = make(type, params);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 5);
    const double w[5] = {1.0, -2.0, 0.5, 3.0, -1.0};
    size_t rows = 60000, tail = 10000, correct = 0;
    for (size_t r = 0; r < rows;) {
        double x[5], s = 0.3;
        for (int i = 0; i < 5; i++)
            s += w[i] * (x[i] = 2 * otter_rng_uniform(&rng) - 1);
        if (fabs(s) < 0.1)
            continue; /* keep a margin so the concept is separable */
        fill(inst, x, 5, 0);
        otter_prediction p;
        OK(otter_learner_predict(l, inst, &p, err));
        if (r >= rows - tail)
            correct += p.label == (s > 0);
        OK(otter_learner_learn(l, inst, s > 0, 1.0, err));
        r++;
    }
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
    return (double)correct / (double)tail;
}

START_TEST(separable_stream_above_99_percent)
{
    const char *cfg[][2] = {{"logreg", ""},
                            {"logreg", "optimizer=sgd,lr=1"},
                            {"logreg", "optimizer=ftrl,alpha=0.5"},
                            {"svm", "optimizer=adagrad,lr=0.1"}};
    for (size_t i = 0; i < 4; i++) {
        double acc = separable_accuracy(cfg[i][0], cfg[i][1]);
        ck_assert_msg(acc > 0.99, "%s %s: accuracy %.4f", cfg[i][0], cfg[i][1], acc);
    }
}
END_TEST

START_TEST(recovers_known_logistic_weights)
{
    const double truth[5] = {1.5, -2.0, 0.5, 0.0, 1.0}, bias = -0.5;
    otter_learner *l = make("logreg", "optimizer=sgd,lr=0.5,power_t=0.5,standardize=false");
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 9);
    for (int r = 0; r < 300000; r++) {
        double x[5], m = bias;
        for (int i = 0; i < 5; i++)
            m += truth[i] * (x[i] = otter_rng_normal(&rng));
        fill(inst, x, 5, 0);
        OK(otter_learner_learn(l, inst, otter_rng_uniform(&rng) < sigmoid(m), 1.0, err));
    }
    for (size_t i = 0; i < 5; i++) {
        double w = weight_of(l, inst, i, 5);
        ck_assert_msg(fabs(w - truth[i]) < 0.1, "w%zu = %.4f, true %.2f", i, w, truth[i]);
    }
    double x0[1];
    fill(inst, x0, 0, 0);
    ck_assert_msg(fabs(margin_of(l, inst) - bias) < 0.1, "bias %.4f", margin_of(l, inst));
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(ftrl_l1_gives_exact_zeros)
{
    /* 3 informative features and 12 pure-noise ones. */
    otter_learner *l = make("logreg", "optimizer=ftrl,alpha=0.1,l1=150,standardize=false");
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 3);
    for (int r = 0; r < 50000; r++) {
        double x[15];
        for (int i = 0; i < 15; i++)
            x[i] = otter_rng_normal(&rng);
        double m = 2 * x[0] - 2 * x[1] + x[2];
        fill(inst, x, 15, 0);
        OK(otter_learner_learn(l, inst, otter_rng_uniform(&rng) < sigmoid(m), 1.0, err));
    }
    int zeros = 0;
    for (size_t i = 3; i < 15; i++)
        zeros += weight_of(l, inst, i, 15) == 0.0;
    ck_assert_msg(zeros >= 10, "only %d of 12 noise weights are exactly zero", zeros);
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(weight_of(l, inst, i, 15) != 0.0, "informative weight %zu is zero", i);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

/* Feeds the same seeded stream (numeric + categorical features) to l. */
static void feed(otter_learner *l, otter_instance *inst, uint64_t seed, int rows)
{
    otter_rng rng;
    otter_rng_seed(&rng, seed);
    static const char *const colors[] = {"red", "green", "blue"};
    for (int r = 0; r < rows; r++) {
        otter_instance_clear(inst);
        double a = otter_rng_normal(&rng), b = 100 * otter_rng_uniform(&rng);
        const char *c = colors[otter_rng_below(&rng, 3)];
        OK(otter_instance_num(inst, NULL, "a", a, err));
        OK(otter_instance_num(inst, "ns", "b", b, err));
        OK(otter_instance_cat(inst, NULL, "color", c, err));
        double y = a + (c[0] == 'r') > 0.5;
        OK(otter_learner_learn(l, inst, y, 1.0 + (r % 3), err));
    }
}

static void blob_of(const otter_learner *l, otter_buf *b)
{
    otter_buf_reset(b);
    OK(otter_learner_encode(l, b, err));
}

START_TEST(round_trip_is_bit_identical)
{
    const char *cfgs[] = {
        "",          "optimizer=sgd",          "optimizer=ftrl,l1=0.5,l2=0.1", "standardize=true",
        "classes=3", "bits=10,intercept=false"};
    for (size_t c = 0; c < sizeof cfgs / sizeof *cfgs; c++) {
        otter_learner *l = make("logreg", cfgs[c]), *r = NULL;
        otter_instance *inst;
        OK(otter_instance_create(&inst, err));
        /* classes=3 needs labels 0..2: the binary stream's labels 0/1 are valid there */
        feed(l, inst, 1, 2000);
        otter_buf b1 = OTTER_BUF_INIT, b2 = OTTER_BUF_INIT;
        blob_of(l, &b1);
        OK(otter_learner_decode(ctx, b1.data, b1.len, &r, err));
        blob_of(r, &b2);
        ck_assert_msg(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0,
                      "%s: re-encoded blob differs", cfgs[c]);
        for (int i = 0; i < 50; i++) {
            otter_instance_clear(inst);
            OK(otter_instance_num(inst, NULL, "a", i * 0.1 - 2, err));
            OK(otter_instance_num(inst, "ns", "b", i * 2.0, err));
            otter_prediction p1, p2;
            OK(otter_learner_predict(l, inst, &p1, err));
            OK(otter_learner_predict(r, inst, &p2, err));
            ck_assert(memcmp(&p1.score, &p2.score, sizeof p1.score) == 0);
        }
        /* Further learning stays identical. */
        feed(l, inst, 2, 500);
        feed(r, inst, 2, 500);
        blob_of(l, &b1);
        blob_of(r, &b2);
        ck_assert_msg(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0,
                      "%s: learning after restore diverged", cfgs[c]);
        ck_assert_uint_eq(otter_learner_updates(r), 2500);
        otter_buf_free(&b1);
        otter_buf_free(&b2);
        otter_instance_destroy(inst);
        otter_learner_destroy(l);
        otter_learner_destroy(r);
    }
}
END_TEST

START_TEST(same_data_same_weights)
{
    otter_learner *a = make("logreg", "optimizer=ftrl"), *b = make("logreg", "optimizer=ftrl");
    otter_instance *i1, *i2;
    OK(otter_instance_create(&i1, err));
    OK(otter_instance_create(&i2, err));
    feed(a, i1, 7, 3000);
    feed(b, i2, 7, 3000);
    otter_buf b1 = OTTER_BUF_INIT, b2 = OTTER_BUF_INIT;
    blob_of(a, &b1);
    blob_of(b, &b2);
    ck_assert(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
    feed(b, i2, 8, 1);
    blob_of(b, &b2);
    ck_assert(memcmp(b1.data, b2.data, b1.len < b2.len ? b1.len : b2.len) != 0);
    otter_buf_free(&b1);
    otter_buf_free(&b2);
    otter_instance_destroy(i1);
    otter_instance_destroy(i2);
    otter_learner_destroy(a);
    otter_learner_destroy(b);
}
END_TEST

START_TEST(dense_and_sparse_paths_agree)
{
    const char *cfgs[] = {"optimizer=sgd,l2=0.001", "optimizer=adagrad", "optimizer=ftrl,l1=0.1",
                          "standardize=true"};
    for (size_t c = 0; c < 4; c++) {
        otter_learner *ld = make("logreg", cfgs[c]), *ls = make("logreg", cfgs[c]);
        otter_instance *inst;
        OK(otter_instance_create(&inst, err));
        /* The five sparse names must not collide in 2^18 slots, or the paths differ. */
        double x[5] = {1, 2, 3, 4, 5};
        fill(inst, x, 5, 0);
        for (size_t i = 0; i < 5; i++)
            for (size_t j = 0; j < i; j++) {
                otter_feature fi, fj;
                OK(otter_instance_feature(inst, i, &fi, err));
                OK(otter_instance_feature(inst, j, &fj, err));
                ck_assert((fi.hash & 0x3ffff) != (fj.hash & 0x3ffff));
            }
        otter_rng rng;
        otter_rng_seed(&rng, 21);
        double maxdiff = 0;
        for (int r = 0; r < 5000; r++) {
            for (int i = 0; i < 5; i++)
                x[i] = otter_rng_normal(&rng) * (i + 1);
            double y = x[0] - x[1] + 0.3 * x[4] > 0;
            fill(inst, x, 5, 1);
            double md = margin_of(ld, inst);
            OK(otter_learner_learn(ld, inst, y, 1.0, err));
            fill(inst, x, 5, 0);
            double ms = margin_of(ls, inst);
            OK(otter_learner_learn(ls, inst, y, 1.0, err));
            double d = fabs(md - ms) / (1 + fabs(ms));
            maxdiff = d > maxdiff ? d : maxdiff;
        }
        /* Only the summation order differs (BLAS ddot vs a loop). */
        ck_assert_msg(maxdiff < 1e-9, "%s: dense and sparse margins differ by %g", cfgs[c],
                      maxdiff);
        otter_instance_destroy(inst);
        otter_learner_destroy(ld);
        otter_learner_destroy(ls);
    }
}
END_TEST

START_TEST(softmax_learns_three_classes)
{
    otter_learner *l = make("logreg", "classes=3");
    ck_assert_int_eq(otter_learner_task(l), OTTER_TASK_MULTICLASS);
    ck_assert_uint_eq(otter_learner_n_classes(l), 3);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 4);
    const double cx[3] = {0, 3, 0}, cy[3] = {0, 0, 3};
    int correct = 0, tail = 5000, rows = 30000;
    for (int r = 0; r < rows; r++) {
        int c = (int)otter_rng_below(&rng, 3);
        double x[2] = {cx[c] + otter_rng_normal(&rng) * 0.7, cy[c] + otter_rng_normal(&rng) * 0.7};
        fill(inst, x, 2, 0);
        otter_prediction p;
        OK(otter_learner_predict(l, inst, &p, err));
        double s = p.probs[0] + p.probs[1] + p.probs[2];
        ck_assert(fabs(s - 1) < 1e-12);
        if (r >= rows - tail)
            correct += p.label == c;
        OK(otter_learner_learn(l, inst, c, 1.0, err));
    }
    ck_assert_msg(correct > 0.9 * tail, "accuracy %.3f", (double)correct / tail);
    otter_error e = {0};
    ck_assert_int_eq(otter_learner_learn(l, inst, 3, 1.0, &e), OTTER_INVALID);
    ck_assert_int_eq(otter_learner_learn(l, inst, 1.5, 1.0, &e), OTTER_INVALID);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(linreg_recovers_coefficients)
{
    otter_learner *l = make("linreg", "optimizer=adagrad,lr=0.1,standardize=false");
    ck_assert_int_eq(otter_learner_task(l), OTTER_TASK_REGRESSION);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 8);
    for (int r = 0; r < 200000; r++) {
        double x[2] = {otter_rng_normal(&rng), otter_rng_normal(&rng)};
        double y = 3 * x[0] - 2 * x[1] + 1 + 0.1 * otter_rng_normal(&rng);
        fill(inst, x, 2, 0);
        OK(otter_learner_learn(l, inst, y, 1.0, err));
    }
    ck_assert_msg(fabs(weight_of(l, inst, 0, 2) - 3) < 0.05, "w0 %g", weight_of(l, inst, 0, 2));
    ck_assert_msg(fabs(weight_of(l, inst, 1, 2) + 2) < 0.05, "w1 %g", weight_of(l, inst, 1, 2));
    double x0[1];
    fill(inst, x0, 0, 0);
    ck_assert_msg(fabs(margin_of(l, inst) - 1) < 0.05, "bias %g", margin_of(l, inst));
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(importance_weight_scales_the_step)
{
    /* With a constant rate (power_t=0) one SGD step from zero moves each weight by
     * -lr * weight * gradient, so weight 3 moves it exactly three times as far. */
    otter_learner *a =
        make("logreg", "optimizer=sgd,power_t=0,lr=0.25,intercept=false,standardize=false");
    otter_learner *b =
        make("logreg", "optimizer=sgd,power_t=0,lr=0.25,intercept=false,standardize=false");
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    double x[1] = {2.0};
    fill(inst, x, 1, 0);
    OK(otter_learner_learn(a, inst, 1, 1.0, err));
    OK(otter_learner_learn(b, inst, 1, 3.0, err));
    double wa = weight_of(a, inst, 0, 1), wb = weight_of(b, inst, 0, 1);
    ck_assert_msg(fabs(wa - 0.25 * 0.5 * 2.0) < 1e-15, "wa %g", wa);
    ck_assert_msg(fabs(wb - 3 * wa) < 1e-15, "wb %g vs 3*%g", wb, wa);
    otter_error e = {0};
    ck_assert_int_eq(otter_learner_learn(a, inst, 1, 0.0, &e), OTTER_INVALID);
    otter_instance_destroy(inst);
    otter_learner_destroy(a);
    otter_learner_destroy(b);
}
END_TEST

START_TEST(pos_weight_raises_positive_scores)
{
    otter_learner *a = make("logreg", ""), *b = make("logreg", "pos_weight=10");
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 12);
    double sa = 0, sb = 0;
    for (int r = 0; r < 20000; r++) {
        double x[2] = {otter_rng_normal(&rng), otter_rng_normal(&rng)};
        int y = otter_rng_uniform(&rng) < sigmoid(x[0] - 4);
        fill(inst, x, 2, 0);
        otter_prediction pa, pb;
        OK(otter_learner_predict(a, inst, &pa, err));
        OK(otter_learner_predict(b, inst, &pb, err));
        if (r > 10000)
            sa += pa.proba, sb += pb.proba;
        OK(otter_learner_learn(a, inst, y, 1.0, err));
        OK(otter_learner_learn(b, inst, y, 1.0, err));
    }
    ck_assert_msg(sb > 3 * sa, "mean proba %g (pos_weight 10) vs %g", sb / 1e4, sa / 1e4);
    otter_instance_destroy(inst);
    otter_learner_destroy(a);
    otter_learner_destroy(b);
}
END_TEST

START_TEST(standardize_handles_raw_scales)
{
    /* A feature in the tens of thousands learns as well as the same one in [0,1]. */
    const char *cfg = "standardize=true";
    otter_learner *a = make("logreg", cfg), *b = make("logreg", cfg);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 13);
    int ca = 0, cb = 0, rows = 40000, tail = 10000;
    for (int r = 0; r < rows; r++) {
        double u = otter_rng_uniform(&rng), v = otter_rng_uniform(&rng);
        int y = u + v > 1.0;
        double xa[2] = {u, v}, xb[2] = {u * 50000, v * 20000};
        fill(inst, xa, 2, 0);
        otter_prediction p;
        OK(otter_learner_predict(a, inst, &p, err));
        ca += r >= rows - tail && p.label == y;
        OK(otter_learner_learn(a, inst, y, 1.0, err));
        fill(inst, xb, 2, 0);
        OK(otter_learner_predict(b, inst, &p, err));
        cb += r >= rows - tail && p.label == y;
        OK(otter_learner_learn(b, inst, y, 1.0, err));
    }
    ck_assert_msg(ca > 0.97 * tail && cb > 0.97 * tail, "accuracy %d vs %d of %d", ca, cb, tail);
    otter_instance_destroy(inst);
    otter_learner_destroy(a);
    otter_learner_destroy(b);
}
END_TEST

START_TEST(bad_params_are_named)
{
    const char *bad[][2] = {{"l1=1", "l1"},
                            {"lr=0", "lr"},
                            {"bits=40", "bits"},
                            {"optimizer=adam", "optimizer"},
                            {"classes=1", "classes"},
                            {"l3=2", "l3"},
                            {"intercept=maybe", "intercept"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        otter_params *p;
        otter_learner *l = NULL;
        otter_error e = {0};
        OK(otter_params_create(&p, err));
        OK(otter_params_parse(p, bad[i][0], err));
        ck_assert_int_eq(otter_learner_create(ctx, "logreg", p, &l, &e), OTTER_INVALID);
        ck_assert_msg(strstr(e.message, bad[i][1]) != NULL, "'%s' -> '%s'", bad[i][0], e.message);
        ck_assert_ptr_null(l);
        otter_params_destroy(p);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linear");
    TCase *tc = tcase_create("linear");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, gradients_match_finite_differences);
    tcase_add_test(tc, separable_stream_above_99_percent);
    tcase_add_test(tc, recovers_known_logistic_weights);
    tcase_add_test(tc, ftrl_l1_gives_exact_zeros);
    tcase_add_test(tc, round_trip_is_bit_identical);
    tcase_add_test(tc, same_data_same_weights);
    tcase_add_test(tc, dense_and_sparse_paths_agree);
    tcase_add_test(tc, softmax_learns_three_classes);
    tcase_add_test(tc, linreg_recovers_coefficients);
    tcase_add_test(tc, importance_weight_scales_the_step);
    tcase_add_test(tc, pos_weight_raises_positive_scores);
    tcase_add_test(tc, standardize_handles_raw_scales);
    tcase_add_test(tc, bad_params_are_named);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
