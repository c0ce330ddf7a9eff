/* Hoeffding adaptive tree: accuracy on a stationary stream against the plain Hoeffding
 * tree, recovery after an abrupt concept change (drift detected, alternate swapped in),
 * bit-identical round trips with an alternate growing, determinism, bad parameters. */
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

/* Test-then-train on n rows of g; returns the number of rows predicted right among
 * rows [from, n). */
static size_t prequential(otter_learner *l, otter_gen *g, size_t n, size_t from)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    size_t correct = 0;
    for (size_t i = 0; i < n; i++) {
        otter_gen_row row;
        otter_prediction p;
        OK(otter_gen_next(g, inst, &row, err));
        OK(otter_learner_predict_learn(l, inst, row.label, 1.0, &p, err));
        correct += i >= from && p.label == (int)row.label;
    }
    otter_instance_destroy(inst);
    return correct;
}

/* describe() capture */
typedef struct captured {
    double nodes, leaves, alternates, alt_nodes, started, switches, drifts;
} captured;

static void cap_num(void *ud, const char *key, double v)
{
    captured *c = ud;
    if (strcmp(key, "nodes") == 0)
        c->nodes = v;
    else if (strcmp(key, "leaves") == 0)
        c->leaves = v;
    else if (strcmp(key, "alternate_trees") == 0)
        c->alternates = v;
    else if (strcmp(key, "alternate_nodes") == 0)
        c->alt_nodes = v;
    else if (strcmp(key, "alternates_started") == 0)
        c->started = v;
    else if (strcmp(key, "switches") == 0)
        c->switches = v;
    else if (strcmp(key, "drifts") == 0)
        c->drifts = v;
}

static captured describe(const otter_learner *l)
{
    captured c = {0, 0, 0, 0, 0, 0, 0};
    otter_kv_sink sink = {&c, cap_num, NULL};
    otter_learner_describe(l, &sink);
    return c;
}

static double stationary(const char *type)
{
    otter_learner *l = test_learner(ctx, type, "");
    otter_gen *g = test_gen(ctx, "agrawal", "function=1", 42);
    double acc = (double)prequential(l, g, 50000, 0) / 50000.0;
    otter_gen_destroy(g);
    otter_learner_destroy(l);
    return acc;
}

/* Checks the dump against describe: one "alternate:" line per alternate tree, one
 * line per node of the main tree and of the alternates, and (main tree) one "leaf:"
 * line per leaf when there are no alternates. */
static void check_dump_counts(const otter_learner *l, const char *text)
{
    captured c = describe(l);
    size_t node_lines = test_count_lines(text, "if ") + test_count_lines(text, "leaf: ");
    ck_assert_uint_eq(test_count_lines(text, "alternate: "), (size_t)c.alternates);
    ck_assert_uint_eq(node_lines, (size_t)(c.nodes + c.alt_nodes));
    if (c.alternates == 0) {
        ck_assert_uint_eq(test_count_lines(text, "leaf: "), (size_t)c.leaves);
        ck_assert_uint_eq(test_count_lines(text, "if "), (size_t)(c.nodes - c.leaves));
    }
    ck_assert(text[strlen(text) - 1] == '\n');
}

START_TEST(dump_fresh_and_noiseless)
{
    otter_learner *l = test_learner(ctx, "hat", "");
    char *text = test_dump(l);
    ck_assert_str_eq(text, "leaf: class 0 (p=0.5, w=0.0, nba: nb)\n");
    free(text);
    /* Agrawal function 1 without noise depends on age alone (see test_hoeffding.c) */
    otter_gen *g = test_gen(ctx, "agrawal", "function=1,perturbation=0", 7);
    prequential(l, g, 20000, 0);
    text = test_dump(l);
    ck_assert_msg(strncmp(text, "if age <= ", 10) == 0, "%s", text);
    ck_assert(describe(l).alternates == 0 && describe(l).nodes >= 3);
    check_dump_counts(l, text);
    free(text);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(stationary_matches_hoeffding)
{
    double ht = stationary("hoeffding"), hat = stationary("hat");
    fprintf(stderr, "stationary agrawal f1: hoeffding %.4f hat %.4f\n", ht, hat);
    ck_assert_msg(fabs(hat - ht) <= 0.01, "hoeffding %.4f hat %.4f", ht, hat);
}
END_TEST

/* Agrawal function 1 for 50k rows, then function 2 (a different loan rule on the same
 * attributes) from another generator: accuracy over rows 5k-20k after the change. */
static double after_drift(otter_learner *l)
{
    otter_gen *g1 = test_gen(ctx, "agrawal", "function=1", 11),
              *g2 = test_gen(ctx, "agrawal", "function=2", 12);
    prequential(l, g1, 50000, 50000);
    double acc = (double)prequential(l, g2, 20000, 5000) / 15000.0;
    otter_gen_destroy(g1);
    otter_gen_destroy(g2);
    return acc;
}

/* Measured on these seeds: hoeffding 0.759, hat 0.781 over rows 5k-20k after the change
 * (hat detects the error increase at the root region, grows an alternate and swaps it
 * in; the plain tree keeps its function-1 splits and only refines their leaves). On
 * SEA 1->2 (theta 8 -> 9, 10% noise) the gap was 0.5-2.7 points over three seeds, too
 * small a change to test reliably. A 1-point margin keeps half the measured gap. */
START_TEST(recovers_after_drift)
{
    otter_learner *ht = test_learner(ctx, "hoeffding", ""), *hat = test_learner(ctx, "hat", "");
    double a_ht = after_drift(ht), a_hat = after_drift(hat);
    captured c = describe(hat);
    fprintf(stderr,
            "after drift: hoeffding %.4f hat %.4f (drifts %.0f, started %.0f, switches %.0f)\n",
            a_ht, a_hat, c.drifts, c.started, c.switches);
    ck_assert_msg(a_hat >= a_ht + 0.01, "hoeffding %.4f hat %.4f", a_ht, a_hat);
    ck_assert(c.drifts >= 1 && c.started >= 1 && c.switches >= 1);
    otter_learner_destroy(ht);
    otter_learner_destroy(hat);
}
END_TEST

/* Trains past a drift until an alternate tree is growing, then checks that a decoded
 * copy predicts bit-identically and keeps learning identically. */
START_TEST(round_trip_with_alternate)
{
    otter_learner *l = test_learner(ctx, "hat", ""), *r = NULL;
    otter_gen *g1 = test_gen(ctx, "agrawal", "function=1", 11),
              *g2 = test_gen(ctx, "agrawal", "function=2", 12);
    prequential(l, g1, 50000, 50000);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    size_t i = 0;
    for (; i < 30000 && describe(l).alternates < 1; i++) {
        otter_gen_row row;
        OK(otter_gen_next(g2, inst, &row, err));
        OK(otter_learner_learn(l, inst, row.label, 1.0, err));
    }
    ck_assert_msg(describe(l).alternates >= 1, "no alternate tree after %zu rows", i);
    otter_buf a = OTTER_BUF_INIT;
    test_encode(l, &a);
    OK(otter_learner_decode(ctx, a.data, a.len, &r, err));
    ck_assert(test_same_state(l, r));
    char *d1 = test_dump(l), *d2 = test_dump(r);
    ck_assert_str_eq(d1, d2);
    check_dump_counts(l, d1);
    free(d1);
    free(d2);
    for (int j = 0; j < 20000; j++) {
        otter_gen_row row;
        otter_prediction p1, p2;
        OK(otter_gen_next(g2, inst, &row, err));
        OK(otter_learner_predict(l, inst, &p1, err));
        OK(otter_learner_predict(r, inst, &p2, err));
        ck_assert(memcmp(p1.probs, p2.probs, sizeof p1.probs) == 0);
        OK(otter_learner_learn(l, inst, row.label, 1.0, err));
        OK(otter_learner_learn(r, inst, row.label, 1.0, err));
    }
    ck_assert_msg(test_same_state(l, r), "learning after decode diverged");
    /* corrupt payloads: every truncation and some bit flips are rejected or decode */
    for (size_t n = 0; n < a.len; n += 1 + n / 64) {
        otter_learner *x = NULL;
        otter_error e = {0};
        ck_assert(otter_learner_decode(ctx, a.data, n, &x, &e) != OTTER_OK);
        ck_assert_ptr_null(x);
    }
    otter_buf_free(&a);
    otter_instance_destroy(inst);
    otter_gen_destroy(g1);
    otter_gen_destroy(g2);
    otter_learner_destroy(l);
    otter_learner_destroy(r);
}
END_TEST

/* The name table and leaf records are read by code shared with hoeffding; a corrupt
 * one in a hat blob is reported as hat state, not hoeffding state. */
START_TEST(corrupt_shared_records_name_hat)
{
    otter_learner *l = test_learner(ctx, "hat", ""), *x = NULL;
    otter_buf b = OTTER_BUF_INIT;
    /* a fresh tree: no names, seven counters, then the root leaf's record */
    test_encode(l, &b);
    size_t leaf_at = test_blob_payload_at(&b) + 4 + 4 + 7 * 8 + 4;
    memset(b.data + leaf_at, 0xff, 8); /* seen_at_check = NaN */
    test_blob_fix_crc(&b);
    otter_error e = {0};
    ck_assert_int_eq(otter_learner_decode(ctx, b.data, b.len, &x, &e), OTTER_CORRUPT);
    ck_assert_msg(strncmp(e.message, "hat state: ", 11) == 0, "%s", e.message);
    /* a tree with attributes: the first one's kind byte */
    otter_gen *g = test_gen(ctx, "agrawal", "", 1);
    prequential(l, g, 100, 0);
    test_encode(l, &b);
    b.data[test_blob_payload_at(&b) + 4] = 9;
    test_blob_fix_crc(&b);
    otter_error e2 = {0};
    ck_assert_int_eq(otter_learner_decode(ctx, b.data, b.len, &x, &e2), OTTER_CORRUPT);
    ck_assert_str_eq(e2.message, "hat state: bad attribute");
    ck_assert_ptr_null(x);
    otter_buf_free(&b);
    otter_gen_destroy(g);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(deterministic)
{
    otter_learner *a = test_learner(ctx, "hat", ""), *b = test_learner(ctx, "hat", "");
    otter_gen *ga = test_gen(ctx, "sea", "noise=0.1,drift_at=20000", 9),
              *gb = test_gen(ctx, "sea", "noise=0.1,drift_at=20000", 9);
    size_t ca = prequential(a, ga, 40000, 0), cb = prequential(b, gb, 40000, 0);
    ck_assert_uint_eq(ca, cb);
    ck_assert(test_same_state(a, b));
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
                         "leaf_prediction=x", "tau=-0.1",   "bins=0",
                         "drift_delta=0.1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        otter_params *p = test_params(bad[i]);
        otter_learner *l = NULL;
        otter_error e = {0};
        ck_assert_msg(otter_learner_create(ctx, "hat", p, &l, &e) == OTTER_INVALID, "%s", bad[i]);
        ck_assert_ptr_null(l);
        otter_params_destroy(p);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hat");
    TCase *tc = tcase_create("hat");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, dump_fresh_and_noiseless);
    tcase_add_test(tc, stationary_matches_hoeffding);
    tcase_add_test(tc, recovers_after_drift);
    tcase_add_test(tc, round_trip_with_alternate);
    tcase_add_test(tc, corrupt_shared_records_name_hat);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, bad_params_rejected);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
