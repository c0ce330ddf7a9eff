/* Hoeffding tree (VFDT): prequential accuracy on the standard generators against the
 * levels reported for VFDT in the literature, the split found on a noiseless concept,
 * bit-identical round trips and determinism, parameter validation, and robustness to
 * unseen categories, missing features and features of the wrong kind. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Trains l on n rows of the generator; returns the prequential (test-then-train)
 * accuracy over all n rows. */
static double prequential(otter_learner *l, otter_gen *g, size_t n)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    size_t correct = 0;
    for (size_t i = 0; i < n; i++) {
        otter_gen_row row;
        otter_prediction p;
        OK(otter_gen_next(g, inst, &row, err));
        OK(otter_learner_predict_learn(l, inst, row.label, 1.0, &p, err));
        correct += p.label == (int)row.label;
    }
    otter_instance_destroy(inst);
    return (double)correct / (double)n;
}

static double run(const char *gen, const char *gen_params, const char *params, size_t n)
{
    otter_learner *l = test_learner(ctx, "hoeffding", params);
    otter_gen *g = test_gen(ctx, gen, gen_params, 42);
    double acc = prequential(l, g, n);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
    return acc;
}

/* describe() capture */
typedef struct captured {
    char split_attributes[256], root_split[64];
    double nodes, leaves, depth;
} captured;

static void cap_num(void *ud, const char *key, double v)
{
    captured *c = ud;
    if (strcmp(key, "nodes") == 0)
        c->nodes = v;
    else if (strcmp(key, "leaves") == 0)
        c->leaves = v;
    else if (strcmp(key, "depth") == 0)
        c->depth = v;
}

static void cap_str(void *ud, const char *key, const char *v)
{
    captured *c = ud;
    if (strcmp(key, "split_attributes") == 0)
        snprintf(c->split_attributes, sizeof c->split_attributes, "%s", v);
    else if (strcmp(key, "root_split") == 0)
        snprintf(c->root_split, sizeof c->root_split, "%s", v);
}

static captured describe(const otter_learner *l)
{
    captured c = {{0}, {0}, 0, 0, 0};
    otter_kv_sink sink = {&c, cap_num, cap_str};
    otter_learner_describe(l, &sink);
    return c;
}

/* MOA studies report VFDT (Hoeffding tree, NBA leaves) at about 95% on Agrawal
 * function 1 (e.g. Bifet et al., "MOA: Massive Online Analysis", JMLR 2010, and the
 * MOA book, Bifet, Gavaldà, Holmes, Pfahringer, 2018). We measured 0.946 on 200k rows
 * and 0.94+ on these 100k; 0.93 leaves room for the seed without hiding a regression. */
START_TEST(agrawal_f1_literature_level)
{
    double acc = run("agrawal", "function=1", "", 100000);
    ck_assert_msg(acc >= 0.93, "agrawal f1 accuracy %.4f", acc);
}
END_TEST

/* SEA with 10% label noise caps accuracy at 90%; VFDT is reported at about 86-88%
 * (Street and Kim, KDD 2001; MOA's SEA results). Measured: 0.882 on 100k rows. */
START_TEST(sea_noise_literature_level)
{
    double acc = run("sea", "noise=0.1", "", 100000);
    ck_assert_msg(acc >= 0.85, "sea accuracy %.4f", acc);
}
END_TEST

/* LED with 10% segment noise has a Bayes rate of 74%; VFDT reaches about 70-73%
 * (Domingos and Hulten 2000 use it; MOA reports ~73% for HT on LED). Measured: 0.730. */
START_TEST(led_multiclass_literature_level)
{
    double acc = run("led", "noise=0.1", "classes=10", 100000);
    ck_assert_msg(acc >= 0.70, "led accuracy %.4f", acc);
}
END_TEST

START_TEST(other_settings_learn)
{
    const char *cfg[] = {"split_criterion=gini", "leaf_prediction=mc", "leaf_prediction=nb",
                         "grace_period=50,tau=0.1,bins=20", "max_depth=3"};
    for (size_t i = 0; i < sizeof cfg / sizeof *cfg; i++) {
        double acc = run("agrawal", "function=1", cfg[i], 50000);
        ck_assert_msg(acc >= 0.90, "%s: accuracy %.4f", cfg[i], acc);
    }
    otter_learner *l = test_learner(ctx, "hoeffding", "max_depth=2,grace_period=50");
    otter_gen *g = test_gen(ctx, "agrawal", "function=2", 1);
    prequential(l, g, 50000);
    ck_assert(describe(l).depth <= 2);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
}
END_TEST

/* Agrawal function 1 (MOA): group A iff age < 40 or age >= 60. Without perturbation the
 * label is a function of age alone, so the root must split on age. */
START_TEST(noiseless_concept_splits_on_age)
{
    otter_learner *l = test_learner(ctx, "hoeffding", "");
    otter_gen *g = test_gen(ctx, "agrawal", "function=1,perturbation=0", 7);
    double acc = prequential(l, g, 20000);
    captured c = describe(l);
    ck_assert_str_eq(c.root_split, "age");
    ck_assert_msg(strstr(c.split_attributes, "age") == c.split_attributes, "%s",
                  c.split_attributes);
    ck_assert_msg(acc > 0.97, "noiseless accuracy %.4f", acc);
    ck_assert(c.nodes >= 3 && c.leaves >= 2);
    /* the dump agrees: the root line splits on age, one line per node */
    char *text = test_dump(l);
    ck_assert_msg(strncmp(text, "if age <= ", 10) == 0, "%s", text);
    ck_assert_uint_eq(test_count_lines(text, "leaf: "), (size_t)c.leaves);
    ck_assert_uint_eq(test_count_lines(text, "if "), (size_t)(c.nodes - c.leaves));
    ck_assert_uint_eq(test_count_lines(text, ""), (size_t)(2 * c.nodes - c.leaves));
    ck_assert(text[strlen(text) - 1] == '\n');
    free(text);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(dump_fresh_tree_is_one_leaf)
{
    const char *cfg[][2] = {{"", "leaf: class 0 (p=0.5, w=0.0, nba: nb)\n"},
                            {"leaf_prediction=mc", "leaf: class 0 (p=0.5, w=0.0)\n"},
                            {"leaf_prediction=nb,nb_threshold=10",
                             "leaf: class 0 (p=0.5, w=0.0, nb: mc below nb_threshold)\n"},
                            {"classes=4", "leaf: class 0 (p=0.25, w=0.0, nba: nb)\n"}};
    for (size_t i = 0; i < sizeof cfg / sizeof *cfg; i++) {
        otter_learner *l = test_learner(ctx, "hoeffding", cfg[i][0]);
        char *text = test_dump(l);
        ck_assert_str_eq(text, cfg[i][1]);
        free(text);
        otter_learner_destroy(l);
    }
}
END_TEST

/* Leaves report their majority class, its share and weight; a split's branches carry
 * the weight under them, and the major branch is marked as the one missing values
 * take. */
START_TEST(dump_numeric_split_lines)
{
    otter_learner *l = test_learner(ctx, "hoeffding", "grace_period=50,leaf_prediction=mc");
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    for (int i = 0; i < 300; i++) { /* x <= 0.3 is class 1; two thirds of the rows are 0 */
        double x = (double)(i % 10) / 10.0;
        otter_instance_clear(inst);
        OK(otter_instance_num(inst, "f", "x", x, err));
        OK(otter_learner_learn(l, inst, x < 0.35, 1.0, err));
    }
    char *text = test_dump(l);
    double t = 0, w0 = 0, w1 = 0;
    char tail[64] = "";
    ck_assert_msg(sscanf(text, "if f:x <= %lf (w=%lf)\n", &t, &w0) == 2, "%s", text);
    const char *e = strstr(text, "\nelse (f:x > ");
    ck_assert_msg(e != NULL, "%s", text);
    ck_assert(sscanf(strstr(e, ") (w=") + 5, "%lf, %63[^)]", &w1, tail) == 2);
    ck_assert_msg(t >= 0.3 && t < 0.4, "threshold %.17g", t);
    ck_assert_msg(fabs(w0 + w1 - 300) < 1e-6 && w1 > w0, "%s", text);
    ck_assert_str_eq(tail, "takes missing"); /* the heavier branch */
    ck_assert_msg(strstr(text, "\n  leaf: class 1 (p=") && strstr(text, "\n  leaf: class 0 (p="),
                  "%s", text);
    free(text);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

/* Names and categories are printed as they are when printable UTF-8; anything else
 * (a newline in a name, a byte that is not UTF-8, a backslash) is escaped, so every
 * node stays on one line. */
START_TEST(dump_escapes_names)
{
    static const char *const vals[] = {"r\\ed",
                                       "gr\xff"
                                       "een",
                                       "bl\xc3\xbc"};
    otter_learner *l = test_learner(ctx, "hoeffding", "grace_period=50");
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    for (int i = 0; i < 600; i++) {
        otter_instance_clear(inst);
        OK(otter_instance_cat(inst, "n s", "col\nour", vals[i % 3], err));
        OK(otter_learner_learn(l, inst, i % 3 == 1, 1.0, err));
    }
    char *text = test_dump(l);
    ck_assert_msg(strncmp(text, "if n s:col\\x0aour = r\\\\ed (w=", 29) == 0, "%s", text);
    ck_assert_msg(strstr(text, "\nelse if n s:col\\x0aour = gr\\xffeen (w="), "%s", text);
    ck_assert_msg(strstr(text, "\nelse if n s:col\\x0aour = bl\xc3\xbc (w="), "%s", text);
    ck_assert_uint_eq(test_count_lines(text, ""), 6);
    free(text);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(round_trip_bit_identical)
{
    const char *cfg[][3] = {{"agrawal", "function=3", ""},
                            {"led", "noise=0.1", "classes=10,split_criterion=gini"}};
    for (size_t t = 0; t < 2; t++) {
        otter_learner *l = test_learner(ctx, "hoeffding", cfg[t][2]), *r = NULL;
        otter_gen *g = test_gen(ctx, cfg[t][0], cfg[t][1], 3);
        prequential(l, g, 30000);
        ck_assert(describe(l).nodes > 1);
        otter_buf a = OTTER_BUF_INIT, b = OTTER_BUF_INIT;
        test_encode(l, &a);
        OK(otter_learner_decode(ctx, a.data, a.len, &r, err));
        test_encode(r, &b);
        ck_assert(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        char *d1 = test_dump(l), *d2 = test_dump(r);
        ck_assert_str_eq(d1, d2);
        ck_assert_uint_eq(test_count_lines(d1, "leaf: "), (size_t)describe(r).leaves);
        free(d1);
        free(d2);
        otter_instance *inst;
        OK(otter_instance_create(&inst, err));
        for (int i = 0; i < 20000; i++) {
            otter_gen_row row;
            otter_prediction p1, p2;
            OK(otter_gen_next(g, inst, &row, err));
            OK(otter_learner_predict(l, inst, &p1, err));
            OK(otter_learner_predict(r, inst, &p2, err));
            ck_assert(memcmp(p1.probs, p2.probs, sizeof p1.probs) == 0);
            OK(otter_learner_learn(l, inst, row.label, 1.0, err));
            OK(otter_learner_learn(r, inst, row.label, 1.0, err));
        }
        test_encode(l, &a);
        test_encode(r, &b);
        ck_assert_msg(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
                      "learning after decode diverged");
        ck_assert(otter_learner_bytes(r) > 0);
        otter_buf_free(&a);
        otter_buf_free(&b);
        otter_instance_destroy(inst);
        otter_gen_destroy(g);
        otter_learner_destroy(l);
        otter_learner_destroy(r);
    }
}
END_TEST

START_TEST(deterministic)
{
    otter_learner *a = test_learner(ctx, "hoeffding", ""), *b = test_learner(ctx, "hoeffding", "");
    otter_gen *ga = test_gen(ctx, "agrawal", "function=5", 9),
              *gb = test_gen(ctx, "agrawal", "function=5", 9);
    double acc_a = prequential(a, ga, 30000), acc_b = prequential(b, gb, 30000);
    ck_assert(acc_a == acc_b);
    otter_buf x = OTTER_BUF_INIT, y = OTTER_BUF_INIT;
    test_encode(a, &x);
    test_encode(b, &y);
    ck_assert(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
    otter_buf_free(&x);
    otter_buf_free(&y);
    otter_gen_destroy(ga);
    otter_gen_destroy(gb);
    otter_learner_destroy(a);
    otter_learner_destroy(b);
}
END_TEST

START_TEST(bad_params_rejected)
{
    const char *bad[] = {"delta=0",           "delta=1",    "grace_period=0",
                         "classes=1",         "classes=65", "split_criterion=foo",
                         "leaf_prediction=x", "tau=-0.1",   "bins=0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        otter_params *p = test_params(bad[i]);
        otter_learner *l = NULL;
        otter_error e = {0};
        ck_assert_msg(otter_learner_create(ctx, "hoeffding", p, &l, &e) == OTTER_INVALID, "%s",
                      bad[i]);
        ck_assert_ptr_null(l);
        otter_params_destroy(p);
    }
}
END_TEST

static void check_probs(const otter_prediction *p, size_t k)
{
    double sum = 0;
    ck_assert(p->has_proba);
    ck_assert_uint_eq(p->n_classes, k);
    for (size_t c = 0; c < k; c++) {
        ck_assert(p->probs[c] >= 0 && p->probs[c] <= 1);
        sum += p->probs[c];
    }
    ck_assert_msg(fabs(sum - 1) < 1e-9, "probabilities sum to %.17g", sum);
    ck_assert(p->label >= 0 && (size_t)p->label < k);
    ck_assert(p->probs[p->label] >= p->probs[k - 1 - p->label]);
}

/* A purely categorical concept: the root splits multiway on colour; unseen colours,
 * missing colour and a numeric "colour" go down the most populated branch. */
START_TEST(unseen_categories_and_missing_features)
{
    static const char *const colours[] = {"red", "green", "blue", "black"};
    otter_learner *l = test_learner(ctx, "hoeffding", "grace_period=50");
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 4);
    for (int i = 0; i < 5000; i++) {
        otter_instance_clear(inst);
        size_t c = otter_rng_below(&rng, 4);
        OK(otter_instance_cat(inst, NULL, "colour", colours[c], err));
        OK(otter_instance_num(inst, "n", "x", otter_rng_uniform(&rng), err));
        OK(otter_learner_learn(l, inst, c == 0 || c == 2, 1.0, err));
    }
    ck_assert_str_eq(describe(l).root_split, "colour");
    char *text = test_dump(l); /* one branch per colour, one taking the rest */
    ck_assert_msg(strncmp(text, "if colour = ", 12) == 0, "%s", text);
    ck_assert_uint_eq(test_count_lines(text, "else if colour = "), 3);
    ck_assert_uint_eq(test_count_lines(text, "if colour = "), 1);
    const char *marked = strstr(text, ", takes missing and unseen)\n");
    ck_assert_msg(marked && strstr(text, "takes missing") == marked + 2 &&
                      !strstr(marked + 10, "takes missing"),
                  "%s", text); /* exactly one branch is marked */
    free(text);
    otter_prediction p;
    otter_instance_clear(inst);
    OK(otter_instance_cat(inst, NULL, "colour", "blue", err));
    OK(otter_learner_predict(l, inst, &p, err));
    check_probs(&p, 2);
    ck_assert_int_eq(p.label, 1);
    const char *rows[] = {"unseen", "", NULL};
    for (size_t i = 0; i < 3; i++) {
        otter_instance_clear(inst);
        if (rows[i])
            OK(otter_instance_cat(inst, NULL, "colour", rows[i], err));
        OK(otter_learner_predict(l, inst, &p, err));
        check_probs(&p, 2);
    }
    otter_instance_clear(inst); /* wrong kind: numeric colour, unknown names */
    OK(otter_instance_num(inst, NULL, "colour", 3.0, err));
    OK(otter_instance_cat(inst, "n", "x", "a", err));
    OK(otter_instance_num(inst, NULL, "never_seen", 1.0, err));
    OK(otter_learner_predict(l, inst, &p, err));
    check_probs(&p, 2);
    OK(otter_learner_learn(l, inst, 1, 1.0, err)); /* and learning from it is fine */
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(agrawal_missing_and_unseen_at_predict)
{
    otter_learner *l = test_learner(ctx, "hoeffding", "classes=3");
    otter_gen *g = test_gen(ctx, "agrawal", "function=2", 5);
    otter_instance *inst, *probe;
    OK(otter_instance_create(&inst, err));
    OK(otter_instance_create(&probe, err));
    for (int i = 0; i < 20000; i++) {
        otter_gen_row row;
        OK(otter_gen_next(g, inst, &row, err));
        OK(otter_learner_learn(l, inst, row.label, 1.0, err));
    }
    size_t before = otter_learner_bytes(l);
    otter_prediction p;
    OK(otter_learner_predict(l, probe, &p, err)); /* every feature missing */
    check_probs(&p, 3);
    OK(otter_instance_num(probe, NULL, "salary", 90000, err));
    OK(otter_instance_cat(probe, NULL, "car", "c99", err));
    OK(otter_instance_cat(probe, NULL, "elevel", "e9", err));
    OK(otter_learner_predict(l, probe, &p, err));
    check_probs(&p, 3);
    ck_assert_uint_eq(otter_learner_bytes(l), before); /* predict changes nothing */
    ck_assert(before > 1000);
    otter_instance_destroy(inst);
    otter_instance_destroy(probe);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hoeffding");
    TCase *tc = tcase_create("vfdt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, agrawal_f1_literature_level);
    tcase_add_test(tc, sea_noise_literature_level);
    tcase_add_test(tc, led_multiclass_literature_level);
    tcase_add_test(tc, other_settings_learn);
    tcase_add_test(tc, noiseless_concept_splits_on_age);
    tcase_add_test(tc, dump_fresh_tree_is_one_leaf);
    tcase_add_test(tc, dump_numeric_split_lines);
    tcase_add_test(tc, dump_escapes_names);
    tcase_add_test(tc, round_trip_bit_identical);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, bad_params_rejected);
    tcase_add_test(tc, unseen_categories_and_missing_features);
    tcase_add_test(tc, agrawal_missing_and_unseen_at_predict);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
