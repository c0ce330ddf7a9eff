/* The bandit contract, run against every registered policy: rank before any reward,
 * probabilities that sum to one with the chosen arm first, unknown parameters
 * rejected, rejected rewards and contexts changing nothing, bit-identical round trips
 * with pending events, reproducible decisions, corrupt blobs rejected, statistics for
 * every arm, arms added and removed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

static otter_context *ctx;
static const char *const arms[] = {"x", "y", "z"};

static void setup(void)
{
    otter_error err = {0};
    ck_assert_int_eq(otter_context_create(&ctx, &err), OTTER_OK);
}

static void teardown(void)
{
    otter_context_destroy(ctx);
}

static const otter_bandit_type *type_at(int i)
{
    const otter_bandit_type *t = otter_context_bandit_at(ctx, (size_t)i);
    ck_assert_ptr_nonnull(t);
    return t;
}

static otter_bandit *make(const char *type, const char *params)
{
    otter_params *p = test_params(params);
    otter_bandit *b = NULL;
    OK(otter_bandit_create(ctx, type, p, arms, 3, &b, err));
    otter_params_destroy(p);
    return b;
}

/* A context with a few numeric features (ignored by non-contextual policies). */
static void context(otter_instance *inst, otter_rng *rng)
{
    otter_instance_clear(inst);
    OK(otter_instance_num(inst, "", "f1", otter_rng_normal(rng), err));
    OK(otter_instance_num(inst, "", "f2", otter_rng_uniform(rng), err));
    OK(otter_instance_num(inst, "@y", "bonus", 1.0, err));
}

static void encode(const otter_bandit *b, otter_buf *out)
{
    out->len = 0;
    OK(otter_bandit_encode(b, out, err));
}

static int same(const otter_buf *a, const otter_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* n decisions with rewards in [0, 1], leaving every 4th one pending. */
static void drive(otter_bandit *b, otter_instance *inst, otter_rng *rng, int n, int64_t t0)
{
    otter_decision d = OTTER_DECISION_INIT;
    for (int i = 0; i < n; i++) {
        context(inst, rng);
        otter_rank_request rq = {0};
        rq.context = inst;
        rq.now_ms = t0 + i;
        OK(otter_bandit_rank(b, &rq, &d, err));
        double sum = 0;
        for (size_t j = 0; j < d.n_ranking; j++) {
            ck_assert(d.ranking[j].probability >= 0 && d.ranking[j].probability <= 1 + 1e-12);
            sum += d.ranking[j].probability;
        }
        ck_assert_msg(fabs(sum - 1) < 1e-9, "%s: probabilities sum to %.17g",
                      otter_bandit_type_of(b)->name, sum);
        ck_assert(d.propensity > 0);
        ck_assert_str_eq(d.arm, d.ranking[0].arm);
        if (i % 4 != 3)
            OK(otter_bandit_reward(b, d.event_id, otter_rng_uniform(rng) < 0.5, t0 + i, err));
    }
    otter_decision_free(&d);
}

START_TEST(contract)
{
    const otter_bandit_type *t = type_at(_i);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 11);
    otter_bandit *b = make(t->name, "dim=8");
    ck_assert_ptr_eq(otter_bandit_type_of(b), t);
    ck_assert(otter_bandit_bytes(b) > 0);

    /* unknown parameter */
    otter_params *p = test_params("no_such_param=1");
    otter_bandit *nb = NULL;
    otter_error e = {0};
    ck_assert_int_eq(otter_bandit_create(ctx, t->name, p, arms, 3, &nb, &e), OTTER_INVALID);
    ck_assert(strstr(e.message, "no_such_param"));
    otter_params_destroy(p);

    drive(b, inst, &rng, 400, 1000);
    otter_buf before = OTTER_BUF_INIT, after = OTTER_BUF_INIT;
    encode(b, &before);

    /* rejected inputs change nothing */
    otter_decision d = OTTER_DECISION_INIT;
    context(inst, &rng);
    otter_rank_request rq = {0};
    rq.context = inst;
    rq.now_ms = 2000;
    OK(otter_bandit_rank(b, &rq, &d, err));
    encode(b, &before);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_bandit_reward(b, d.event_id, NAN, 2000, &e), OTTER_INVALID);
    ck_assert_int_eq(otter_bandit_reward(b, d.event_id, INFINITY, 2000, &e), OTTER_INVALID);
    encode(b, &after);
    ck_assert_msg(same(&before, &after), "%s: a rejected reward changed the state", t->name);
    if (t->contextual) {
        /* finite values that add up to infinity in one dimension are refused */
        otter_bandit *nm = make(t->name, "dim=8,features=f1");
        double big = 1e308;
        otter_instance_clear(inst);
        OK(otter_instance_set_dense(inst, &big, 1, err));
        OK(otter_instance_num(inst, "", "f1", 1e308, err));
        memset(&e, 0, sizeof e);
        ck_assert_int_eq(otter_bandit_rank(nm, &rq, &d, &e), OTTER_INVALID);
        ck_assert(strstr(e.message, "overflows"));
        otter_bandit_destroy(nm);
        /* a dense context longer than dim is an error, not silently cut */
        double wide[9] = {0};
        otter_instance_clear(inst);
        OK(otter_instance_set_dense(inst, wide, 9, err));
        memset(&e, 0, sizeof e);
        ck_assert_int_eq(otter_bandit_rank(b, &rq, &d, &e), OTTER_INVALID);
        ck_assert(strstr(e.message, "dim"));
        encode(b, &after);
        ck_assert(same(&before, &after));
        otter_instance_clear(inst);
        double dense[2] = {1.0, NAN};
        otter_status st = otter_instance_set_dense(inst, dense, 2, &e);
        if (st == OTTER_OK) {
            memset(&e, 0, sizeof e);
            ck_assert_int_eq(otter_bandit_rank(b, &rq, &d, &e), OTTER_INVALID);
            encode(b, &after);
            ck_assert(same(&before, &after));
        }
    }

    /* round trip with pending events, then identical futures */
    otter_bandit *r = NULL;
    OK(otter_bandit_decode(ctx, before.data, before.len, &r, err));
    encode(r, &after);
    ck_assert_msg(same(&before, &after), "%s: decode/encode is not the identity", t->name);
    otter_rng r1 = rng, r2 = rng;
    drive(b, inst, &r1, 200, 3000);
    drive(r, inst, &r2, 200, 3000);
    encode(b, &before);
    encode(r, &after);
    ck_assert_msg(same(&before, &after), "%s: a decoded bandit diverged", t->name);

    /* statistics and describe for every arm */
    for (size_t i = 0; i < otter_bandit_arm_count(b); i++) {
        otter_arm_stats s;
        OK(otter_bandit_arm_stats(b, i, &s, err));
        ck_assert(s.pulls > 0);
    }
    otter_kv_sink sink = {NULL, NULL, NULL};
    otter_bandit_describe(b, &sink);

    /* arms change mid-stream */
    OK(otter_bandit_add_arm(b, "w", err));
    OK(otter_bandit_remove_arm(b, "x", err));
    drive(b, inst, &rng, 100, 5000);

    /* corrupt blobs */
    encode(b, &before);
    for (size_t n = 0; n < before.len; n += 1 + before.len / 200) {
        otter_bandit *bad = NULL;
        memset(&e, 0, sizeof e);
        ck_assert_int_ne(otter_bandit_decode(ctx, before.data, n, &bad, &e), OTTER_OK);
        ck_assert_ptr_null(bad);
    }
    otter_buf_free(&before);
    otter_buf_free(&after);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
    otter_bandit_destroy(r);
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(same_event_id_same_decision)
{
    const otter_bandit_type *t = type_at(_i);
    otter_bandit *a = make(t->name, "seed=5,dim=8"), *b = make(t->name, "seed=5,dim=8");
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng rng;
    otter_rng_seed(&rng, 2);
    otter_decision da = OTTER_DECISION_INIT, db = OTTER_DECISION_INIT;
    for (int i = 0; i < 200; i++) {
        context(inst, &rng);
        char id[32];
        snprintf(id, sizeof id, "ev-%d", i);
        otter_rank_request rq = {0};
        rq.context = inst;
        rq.event_id = id;
        rq.unit = "user-1";
        rq.now_ms = 1000 + i;
        OK(otter_bandit_rank(a, &rq, &da, err));
        OK(otter_bandit_rank(b, &rq, &db, err));
        ck_assert_str_eq(da.arm, db.arm);
        ck_assert(da.propensity == db.propensity);
        double r = otter_rng_uniform(&rng) < 0.3;
        OK(otter_bandit_reward(a, id, r, 1000 + i, err));
        OK(otter_bandit_reward(b, id, r, 1000 + i, err));
    }
    otter_decision_free(&da);
    otter_decision_free(&db);
    otter_instance_destroy(inst);
    otter_bandit_destroy(a);
    otter_bandit_destroy(b);
}
END_TEST

int main(void)
{
    otter_context *c;
    otter_error err = {0};
    if (otter_context_create(&c, &err) != OTTER_OK)
        return 1;
    int n = (int)otter_context_bandit_count(c);
    otter_context_destroy(c);
    Suite *s = suite_create("bandit_contract");
    TCase *tc = tcase_create("every policy");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, contract, 0, n);
    tcase_add_loop_test(tc, same_event_id_same_decision, 0, n);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
