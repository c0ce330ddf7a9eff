/* Contract tests run against every registered learner type, so a new algorithm gets
 * them for free: predict before learn, unknown parameters, bad labels and weights leave
 * the model unchanged, determinism, bit-identical round trips, and corrupt blobs
 * (every truncation, bit flips, foreign bytes) rejected without a crash. */
#include <math.h>
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

/* A label that fits the learner's task, drawn from the features. */
static double label_for(const otter_learner *l, double a, int c)
{
    switch (otter_learner_task(l)) {
    case OTTER_TASK_REGRESSION: return 2 * a + c;
    case OTTER_TASK_MULTICLASS: return (double)(c % (int)otter_learner_n_classes(l));
    default: return a + c > 1.0;
    }
}

static void row(otter_instance *inst, otter_rng *rng, double *a, int *c)
{
    static const char *const cats[] = {"x", "y", "z"};
    otter_instance_clear(inst);
    *a = otter_rng_normal(rng);
    *c = (int)otter_rng_below(rng, 3);
    OK(otter_instance_num(inst, NULL, "a", *a, err));
    OK(otter_instance_num(inst, "n", "b", otter_rng_uniform(rng) * 10, err));
    OK(otter_instance_cat(inst, NULL, "c", cats[*c], err));
    if (otter_rng_uniform(rng) < 0.5) /* sometimes missing */
        OK(otter_instance_num(inst, NULL, "sometimes", 1.0, err));
}

static void train(otter_learner *l, otter_instance *inst, uint64_t seed, int n)
{
    otter_rng rng;
    otter_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++) {
        double a;
        int c;
        row(inst, &rng, &a, &c);
        OK(otter_learner_learn(l, inst, label_for(l, a, c), 1.0, err));
    }
}

static otter_learner *create(const otter_learner_type *t)
{
    otter_learner *l = NULL;
    OK(otter_learner_create(ctx, t->name, NULL, &l, err));
    return l;
}

START_TEST(predict_before_learn)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_learner *l = create(t);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_prediction p;
    OK(otter_learner_predict(l, inst, &p, err)); /* empty instance */
    ck_assert(isfinite(p.score));
    otter_rng rng;
    otter_rng_seed(&rng, 1);
    double a;
    int c;
    row(inst, &rng, &a, &c);
    OK(otter_learner_predict(l, inst, &p, err));
    ck_assert_msg(isfinite(p.score), "%s: score %g", t->name, p.score);
    if (p.has_proba && p.task == OTTER_TASK_BINARY)
        ck_assert(p.proba >= 0 && p.proba <= 1);
    ck_assert_int_eq(p.task, otter_learner_task(l));
    ck_assert_uint_eq(otter_learner_updates(l), 0);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(unknown_param_rejected)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_params *p;
    otter_learner *l = NULL;
    otter_error e = {0};
    OK(otter_params_create(&p, err));
    OK(otter_params_set(p, "no_such_param", "1", err));
    ck_assert_int_eq(otter_learner_create(ctx, t->name, p, &l, &e), OTTER_INVALID);
    ck_assert_msg(strstr(e.message, "no_such_param"), "%s: %s", t->name, e.message);
    ck_assert_ptr_null(l);
    otter_params_destroy(p);
}
END_TEST

START_TEST(bad_label_and_weight_change_nothing)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_learner *l = create(t), *ref = create(t);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    train(l, inst, 3, 200);
    train(ref, inst, 3, 200);
    const double bad_weights[] = {0.0, -1.0, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        otter_error e = {0};
        ck_assert_int_eq(otter_learner_learn(l, inst, 0.0, bad_weights[i], &e), OTTER_INVALID);
    }
    otter_error e = {0};
    ck_assert_int_eq(otter_learner_learn(l, inst, NAN, 1.0, &e), OTTER_INVALID);
    if (otter_learner_task(l) != OTTER_TASK_REGRESSION)
        ck_assert_int_eq(otter_learner_learn(l, inst, 99.0, 1.0, &e), OTTER_INVALID);
    ck_assert_msg(test_same_state(l, ref), "%s: a rejected update changed the model", t->name);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
    otter_learner_destroy(ref);
}
END_TEST

START_TEST(round_trip_and_determinism)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_learner *l = create(t), *twin = create(t), *r = NULL;
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    train(l, inst, 4, 1000);
    train(twin, inst, 4, 1000);
    ck_assert_msg(test_same_state(l, twin), "%s: same data gave different state", t->name);
    otter_buf b = OTTER_BUF_INIT;
    OK(otter_learner_encode(l, &b, err));
    OK(otter_learner_decode(ctx, b.data, b.len, &r, err));
    ck_assert_str_eq(otter_learner_params_text(r), otter_learner_params_text(l));
    otter_rng rng;
    otter_rng_seed(&rng, 5);
    for (int i = 0; i < 200; i++) {
        double a;
        int c;
        row(inst, &rng, &a, &c);
        otter_prediction p1, p2;
        OK(otter_learner_predict(l, inst, &p1, err));
        OK(otter_learner_predict(r, inst, &p2, err));
        ck_assert_msg(memcmp(&p1.score, &p2.score, sizeof p1.score) == 0, "%s: %a vs %a", t->name,
                      p1.score, p2.score);
    }
    train(l, inst, 6, 300);
    train(r, inst, 6, 300);
    ck_assert_msg(test_same_state(l, r), "%s: learning after decode diverged", t->name);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
    otter_learner_destroy(twin);
    otter_learner_destroy(r);
}
END_TEST

START_TEST(corrupt_blobs_rejected)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_params *p;
    OK(otter_params_create(&p, err));
    /* A small table keeps the exhaustive truncation loop fast. */
    if (strcmp(t->name, "logreg") == 0 || strcmp(t->name, "linreg") == 0 ||
        strcmp(t->name, "svm") == 0)
        OK(otter_params_set(p, "bits", "6", err));
    otter_learner *l = NULL, *r = NULL;
    OK(otter_learner_create(ctx, t->name, p, &l, err));
    otter_params_destroy(p);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    train(l, inst, 7, 300);
    otter_buf b = OTTER_BUF_INIT;
    OK(otter_learner_encode(l, &b, err));
    for (size_t n = 0; n < b.len; n++) {
        otter_error e = {0};
        /* a copy of exactly n bytes, so ASan sees any read past the end */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, b.data, n);
        otter_status st = otter_learner_decode(ctx, cut, n, &r, &e);
        free(cut);
        ck_assert_msg(st == OTTER_CORRUPT, "%s: truncated to %zu gave %s", t->name, n,
                      otter_status_name(st));
        ck_assert_ptr_null(r);
    }
    otter_rng rng;
    otter_rng_seed(&rng, 8);
    for (int i = 0; i < 500; i++) {
        size_t pos = (size_t)otter_rng_below(&rng, b.len);
        uint8_t bit = (uint8_t)(1u << otter_rng_below(&rng, 8));
        b.data[pos] ^= bit;
        otter_error e = {0};
        otter_status st = otter_learner_decode(ctx, b.data, b.len, &r, &e);
        ck_assert_msg(st != OTTER_OK, "%s: flip at %zu accepted", t->name, pos);
        ck_assert(e.message[0] != '\0');
        b.data[pos] ^= bit;
    }
    const char junk[] = "definitely not a model blob, just some text of a decent length";
    otter_error e = {0};
    ck_assert_int_eq(otter_learner_decode(ctx, (const uint8_t *)junk, sizeof junk, &r, &e),
                     OTTER_CORRUPT);
    OK(otter_learner_decode(ctx, b.data, b.len, &r, err)); /* the original still decodes */
    otter_learner_destroy(r);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

START_TEST(predict_learn_equals_predict_then_learn)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_learner *a = create(t), *b = create(t);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 10);
    for (int i = 0; i < 500; i++) {
        double x;
        int c;
        row(inst, &rng, &x, &c);
        double y = label_for(a, x, c);
        otter_prediction p1, p2;
        OK(otter_learner_predict(a, inst, &p1, err));
        OK(otter_learner_learn(a, inst, y, 1.0 + (i % 2), err));
        OK(otter_learner_predict_learn(b, inst, y, 1.0 + (i % 2), &p2, err));
        ck_assert_msg(memcmp(&p1.score, &p2.score, sizeof p1.score) == 0 && p1.label == p2.label,
                      "%s: row %d scored %a vs %a", t->name, i, p1.score, p2.score);
    }
    ck_assert_msg(test_same_state(a, b), "%s: predict_learn left a different state", t->name);
    otter_error e = {0};
    otter_prediction p;
    ck_assert_int_eq(otter_learner_predict_learn(b, inst, NAN, 1.0, &p, &e), OTTER_INVALID);
    ck_assert_msg(test_same_state(a, b), "%s: a rejected predict_learn changed the model", t->name);
    otter_instance_destroy(inst);
    otter_learner_destroy(a);
    otter_learner_destroy(b);
}
END_TEST

START_TEST(describe_reports_basics)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_learner *l = create(t);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    train(l, inst, 9, 50);
    ck_assert_uint_eq(otter_learner_updates(l), 50);
    ck_assert(otter_learner_bytes(l) > 0);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
}
END_TEST

/* A text dump is either there (text appended after what out held, non-empty, ending
 * in a newline, the same for a decoded copy, the model untouched) or the documented
 * OTTER_UNSUPPORTED naming the type, with out as it was. */
START_TEST(dump_ok_or_unsupported)
{
    const otter_learner_type *t = otter_context_learner_at(ctx, (size_t)_i);
    otter_learner *l = create(t), *ref = create(t), *r = NULL;
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    train(l, inst, 11, 500);
    train(ref, inst, 11, 500);
    otter_buf b = OTTER_BUF_INIT;
    OK(otter_buf_append(&b, "kept", 4, err));
    otter_error e = {0};
    otter_status st = otter_learner_dump(l, &b, &e);
    ck_assert_msg(test_same_state(l, ref), "%s: dump changed the model", t->name);
    if (st == OTTER_UNSUPPORTED) {
        ck_assert_msg(strstr(e.message, t->name), "%s: '%s'", t->name, e.message);
        ck_assert_uint_eq(b.len, 4);
    } else {
        ck_assert_msg(st == OTTER_OK, "%s: dump gave %s: %s", t->name, otter_status_name(st),
                      e.message);
        ck_assert_msg(b.len > 4 && memcmp(b.data, "kept", 4) == 0, "%s", t->name);
        ck_assert_msg(b.data[b.len - 1] == '\n', "%s: no final newline", t->name);
        ck_assert_msg(!memchr(b.data, '\0', b.len), "%s: NUL in the dump", t->name);
        otter_buf blob = OTTER_BUF_INIT;
        test_encode(l, &blob);
        OK(otter_learner_decode(ctx, blob.data, blob.len, &r, err));
        char *a = test_dump(l), *c = test_dump(r);
        ck_assert_msg(strcmp(a, c) == 0, "%s: a decoded copy dumps differently", t->name);
        free(a);
        free(c);
        otter_buf_free(&blob);
        otter_learner_destroy(r);
    }
    otter_error e2 = {0}, e3 = {0};
    ck_assert_int_eq(otter_learner_dump(NULL, &b, &e2), OTTER_INVALID);
    ck_assert_int_eq(otter_learner_dump(l, NULL, &e3), OTTER_INVALID);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
    otter_learner_destroy(ref);
}
END_TEST

/* dump arrived with ABI 2: a table written for ABI 1 ends before it, so the library
 * must not read the member there even when the memory happens to hold a function. */
START_TEST(abi1_table_has_no_dump)
{
    otter_learner_type t = *otter_context_find_learner(ctx, "hoeffding");
    ck_assert_ptr_nonnull(t.dump);
    t.abi = 1;
    t.name = "hoeffding_abi1";
    OK(otter_context_register_learner(ctx, &t, err));
    otter_learner *l = create(&t);
    otter_buf b = OTTER_BUF_INIT;
    otter_error e = {0};
    ck_assert_int_eq(otter_learner_dump(l, &b, &e), OTTER_UNSUPPORTED);
    ck_assert_msg(strstr(e.message, "hoeffding_abi1"), "%s", e.message);
    ck_assert_uint_eq(b.len, 0);
    otter_learner_destroy(l);
}
END_TEST

int main(void)
{
    otter_context *c;
    otter_error e = {0};
    if (otter_context_create(&c, &e) != OTTER_OK)
        return EXIT_FAILURE;
    int n = (int)otter_context_learner_count(c);
    otter_context_destroy(c);
    Suite *s = suite_create("contract");
    TCase *tc = tcase_create("every learner type");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, predict_before_learn, 0, n);
    tcase_add_loop_test(tc, unknown_param_rejected, 0, n);
    tcase_add_loop_test(tc, bad_label_and_weight_change_nothing, 0, n);
    tcase_add_loop_test(tc, round_trip_and_determinism, 0, n);
    tcase_add_loop_test(tc, corrupt_blobs_rejected, 0, n);
    tcase_add_loop_test(tc, predict_learn_equals_predict_then_learn, 0, n);
    tcase_add_loop_test(tc, describe_reports_basics, 0, n);
    tcase_add_loop_test(tc, dump_ok_or_unsupported, 0, n);
    tcase_add_test(tc, abi1_table_has_no_dump);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
