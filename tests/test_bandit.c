/* The generic bandit layer, through epsilon-greedy: creation checks, candidates and
 * exclusions, event ids, delayed rewards (order, duplicates, expiry with and without a
 * default reward, forgetting), deferral and activation, arms added and removed
 * mid-stream, context vectors (named, hashed, per-arm), round trips with pending
 * events, and determinism. The contract test runs the policy-independent parts
 * against every registered policy. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

static otter_context *ctx;
static const char *const abc[] = {"a", "b", "c"};

static void setup(void)
{
    otter_error err = {0};
    ck_assert_int_eq(otter_context_create(&ctx, &err), OTTER_OK);
}

static void teardown(void)
{
    otter_context_destroy(ctx);
}

static otter_bandit *make(const char *type, const char *params)
{
    otter_params *p = test_params(params);
    otter_bandit *b = NULL;
    OK(otter_bandit_create(ctx, type, p, abc, 3, &b, err));
    otter_params_destroy(p);
    return b;
}

/* Ranks with no context at time now; returns the decision's arm index in abc. */
static int rank_at(otter_bandit *b, otter_decision *d, int64_t now)
{
    otter_rank_request rq = {0};
    rq.now_ms = now;
    OK(otter_bandit_rank(b, &rq, d, err));
    return d->arm[0] - 'a';
}

static otter_status reward(otter_bandit *b, const char *id, double r, int64_t now, otter_error *e)
{
    memset(e, 0, sizeof *e);
    return otter_bandit_reward(b, id, r, now, e);
}

START_TEST(create_checks)
{
    otter_error e = {0};
    otter_bandit *b = NULL;
    const char *dup[] = {"a", "a"}, *ctl[] = {"a\tb"}, *empty[] = {""};
    ck_assert_int_eq(otter_bandit_create(ctx, "nope", NULL, abc, 3, &b, &e), OTTER_NOT_FOUND);
    ck_assert_int_eq(otter_bandit_create(ctx, "epsilon-greedy", NULL, abc, 0, &b, &e),
                     OTTER_INVALID);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_bandit_create(ctx, "epsilon-greedy", NULL, dup, 2, &b, &e),
                     OTTER_INVALID);
    ck_assert(strstr(e.message, "twice"));
    ck_assert_int_eq(otter_bandit_create(ctx, "epsilon-greedy", NULL, ctl, 1, &b, &e),
                     OTTER_INVALID);
    ck_assert_int_eq(otter_bandit_create(ctx, "epsilon-greedy", NULL, empty, 1, &b, &e),
                     OTTER_INVALID);
    const char *bad[] = {
        "epsilon=2", "seed=-1", "reward_wait=0", "default_reward=x", "discount=0.9,window=10",
        "nope=1"};
    const char *named[] = {"epsilon", "seed", "reward_wait", "default_reward", "discount", "nope"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        otter_params *p = test_params(bad[i]);
        memset(&e, 0, sizeof e);
        ck_assert_int_eq(otter_bandit_create(ctx, "epsilon-greedy", p, abc, 3, &b, &e),
                         OTTER_INVALID);
        ck_assert_msg(strstr(e.message, named[i]), "'%s' not named: %s", named[i], e.message);
        otter_params_destroy(p);
    }
    ck_assert_ptr_null(b);
}
END_TEST

START_TEST(candidates_and_exclusions)
{
    otter_bandit *b = make("epsilon-greedy", "epsilon=1");
    otter_decision d = OTTER_DECISION_INIT;
    const char *sub[] = {"b", "c"}, *ex[] = {"c"}, *unknown[] = {"z"};
    for (int i = 0; i < 200; i++) {
        otter_rank_request rq = {0};
        rq.arms = sub;
        rq.n_arms = 2;
        rq.exclude = ex;
        rq.n_exclude = 1;
        rq.now_ms = 1000 + i;
        OK(otter_bandit_rank(b, &rq, &d, err));
        ck_assert_str_eq(d.arm, "b");
        ck_assert_uint_eq(d.n_ranking, 1);
        ck_assert(d.propensity == 1.0);
    }
    otter_rank_request rq = {0};
    otter_error e = {0};
    rq.now_ms = 5000;
    rq.arms = unknown;
    rq.n_arms = 1;
    ck_assert_int_eq(otter_bandit_rank(b, &rq, &d, &e), OTTER_INVALID);
    ck_assert(strstr(e.message, "'z'"));
    rq.arms = sub;
    rq.n_arms = 2;
    rq.exclude = sub;
    rq.n_exclude = 2;
    ck_assert_int_eq(otter_bandit_rank(b, &rq, &d, &e), OTTER_INVALID);
    /* the full ranking: chosen first, every arm once, probabilities sum to one */
    rq = (otter_rank_request){0};
    rq.now_ms = 6000;
    OK(otter_bandit_rank(b, &rq, &d, err));
    ck_assert_uint_eq(d.n_ranking, 3);
    double sum = 0;
    for (size_t i = 0; i < 3; i++) {
        sum += d.ranking[i].probability;
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(d.ranking[i].arm, d.ranking[j].arm);
    }
    ck_assert(fabs(sum - 1.0) < 1e-12);
    ck_assert_str_eq(d.ranking[0].arm, d.arm);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

START_TEST(reward_lifecycle)
{
    /* wait 10 s; resolved ids are remembered 10 s more */
    otter_bandit *b = make("epsilon-greedy", "reward_wait=10,remember=10,default_reward=none");
    otter_decision d1 = OTTER_DECISION_INIT, d2 = OTTER_DECISION_INIT, d3 = OTTER_DECISION_INIT;
    otter_error e;
    rank_at(b, &d1, 1000);
    rank_at(b, &d2, 2000);
    rank_at(b, &d3, 3000);
    ck_assert_str_ne(d1.event_id, d2.event_id);
    ck_assert_uint_eq(otter_bandit_pending(b), 3);
    /* out of order: the later decision first */
    ck_assert_int_eq(reward(b, d3.event_id, 1, 4000, &e), OTTER_OK);
    ck_assert_int_eq(reward(b, d1.event_id, 0, 4500, &e), OTTER_OK);
    ck_assert_int_eq(reward(b, d1.event_id, 1, 4600, &e), OTTER_CONFLICT);
    ck_assert_int_eq(reward(b, "never-made", 1, 4700, &e), OTTER_NOT_FOUND);
    ck_assert_uint_eq(otter_bandit_pending(b), 1);
    /* d2 waits until 12000 */
    ck_assert_int_eq(reward(b, d2.event_id, 1, 12001, &e), OTTER_EXPIRED);
    ck_assert(strstr(e.message, d2.event_id));
    ck_assert_uint_eq(otter_bandit_pending(b), 0);
    /* forgotten 10 s after resolution */
    ck_assert_int_eq(reward(b, d1.event_id, 1, 14600, &e), OTTER_NOT_FOUND);
    ck_assert_int_eq(reward(b, d2.event_id, 1, 22002, &e), OTTER_NOT_FOUND);
    ck_assert_int_eq(reward(b, d1.event_id, NAN, 9000, &e), OTTER_INVALID);
    /* with default_reward=none nothing was learned at expiry: 2 rewards */
    otter_arm_stats s;
    uint64_t pulls = 0;
    for (size_t i = 0; i < 3; i++) {
        OK(otter_bandit_arm_stats(b, i, &s, err));
        pulls += s.pulls;
    }
    ck_assert_uint_eq(pulls, 2);
    otter_decision_free(&d1);
    otter_decision_free(&d2);
    otter_decision_free(&d3);
    otter_bandit_destroy(b);
}
END_TEST

/* remember=0: resolved ids are dropped at once; the table holds only what waits. */
START_TEST(remember_zero_keeps_only_waiting_events)
{
    otter_bandit *b = make("epsilon-greedy", "reward_wait=5,remember=0,default_reward=none");
    otter_decision d = OTTER_DECISION_INIT, late = OTTER_DECISION_INIT;
    otter_error e;
    rank_at(b, &late, 500);
    for (int i = 0; i < 100; i++) {
        rank_at(b, &d, 1000 + i);
        OK(otter_bandit_reward(b, d.event_id, 1, 1000 + i, err));
    }
    ck_assert_uint_eq(otter_bandit_pending(b), 1);
    ck_assert_int_eq(reward(b, d.event_id, 1, 2000, &e), OTTER_NOT_FOUND);
    size_t n = 0;
    OK(otter_bandit_expire(b, 6000, &n, err));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(reward(b, late.event_id, 1, 6001, &e), OTTER_NOT_FOUND);
    /* the blob holds no resolved events: smaller than with remember */
    otter_buf x = OTTER_BUF_INIT;
    OK(otter_bandit_encode(b, &x, err));
    otter_bandit *r = NULL;
    OK(otter_bandit_decode(ctx, x.data, x.len, &r, err));
    ck_assert_uint_eq(otter_bandit_pending(r), 0);
    otter_buf_free(&x);
    otter_decision_free(&d);
    otter_decision_free(&late);
    otter_bandit_destroy(r);
    otter_bandit_destroy(b);
}
END_TEST

START_TEST(default_reward_at_expiry)
{
    otter_bandit *b = make("epsilon-greedy", "reward_wait=1,default_reward=0.25");
    otter_decision d = OTTER_DECISION_INIT;
    int arm = rank_at(b, &d, 1000);
    size_t n = 0;
    OK(otter_bandit_expire(b, 1999, &n, err));
    ck_assert_uint_eq(n, 0);
    OK(otter_bandit_expire(b, 2000, &n, err));
    ck_assert_uint_eq(n, 1);
    otter_arm_stats s;
    OK(otter_bandit_arm_stats(b, (size_t)arm, &s, err));
    ck_assert_uint_eq(s.pulls, 1);
    ck_assert(s.reward_sum == 0.25);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

/* A default reward the policy refuses (exp3 takes rewards in [0, 1]) drops the decision
 * instead of blocking every later call; huge rewards are refused up front. */
START_TEST(refused_default_reward_does_not_block)
{
    otter_bandit *b = make("exp3", "reward_wait=1,default_reward=2");
    otter_decision d = OTTER_DECISION_INIT;
    otter_error e = {0};
    rank_at(b, &d, 1000);
    size_t n = 0;
    OK(otter_bandit_expire(b, 5000, &n, err));
    ck_assert_uint_eq(n, 1);
    rank_at(b, &d, 6000);
    OK(otter_bandit_reward(b, d.event_id, 1, 6001, err));
    rank_at(b, &d, 7000);
    ck_assert_int_eq(otter_bandit_reward(b, d.event_id, 1e200, 7001, &e), OTTER_INVALID);
    otter_params *p = test_params("default_reward=1e300");
    otter_bandit *x = NULL;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_bandit_create(ctx, "epsilon-greedy", p, abc, 3, &x, &e), OTTER_INVALID);
    otter_params_destroy(p);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

START_TEST(deferred_decisions)
{
    otter_bandit *b = make("epsilon-greedy", "reward_wait=5,default_reward=1");
    otter_decision d = OTTER_DECISION_INIT, shown = OTTER_DECISION_INIT;
    otter_error e;
    otter_rank_request rq = {0};
    rq.defer = 1;
    rq.now_ms = 1000;
    OK(otter_bandit_rank(b, &rq, &d, err));
    rq.now_ms = 1001;
    OK(otter_bandit_rank(b, &rq, &shown, err));
    ck_assert_int_eq(reward(b, d.event_id, 1, 1100, &e), OTTER_STATE);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_bandit_activate(b, shown.event_id, 1200, &e), OTTER_OK);
    ck_assert_int_eq(otter_bandit_activate(b, shown.event_id, 1300, &e), OTTER_CONFLICT);
    ck_assert_int_eq(reward(b, shown.event_id, 1, 1400, &e), OTTER_OK);
    /* the never-shown decision expires without its default reward */
    size_t n = 0;
    OK(otter_bandit_expire(b, 10000, &n, err));
    ck_assert_uint_eq(n, 1);
    uint64_t pulls = 0;
    for (size_t i = 0; i < 3; i++) {
        otter_arm_stats s;
        OK(otter_bandit_arm_stats(b, i, &s, err));
        pulls += s.pulls;
    }
    ck_assert_uint_eq(pulls, 1);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(otter_bandit_activate(b, d.event_id, 10001, &e), OTTER_EXPIRED);
    otter_decision_free(&d);
    otter_decision_free(&shown);
    otter_bandit_destroy(b);
}
END_TEST

START_TEST(caller_event_ids)
{
    otter_bandit *b = make("epsilon-greedy", "");
    otter_decision d = OTTER_DECISION_INIT;
    otter_rank_request rq = {0};
    otter_error e = {0};
    rq.event_id = "order-17";
    rq.now_ms = 1000;
    OK(otter_bandit_rank(b, &rq, &d, err));
    ck_assert_str_eq(d.event_id, "order-17");
    ck_assert_int_eq(otter_bandit_rank(b, &rq, &d, &e), OTTER_EXISTS);
    rq.event_id = "has space";
    ck_assert_int_eq(otter_bandit_rank(b, &rq, &d, &e), OTTER_INVALID);
    char long_id[OTTER_EVENT_ID_MAX + 1];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[OTTER_EVENT_ID_MAX] = '\0';
    rq.event_id = long_id;
    ck_assert_int_eq(otter_bandit_rank(b, &rq, &d, &e), OTTER_INVALID);
    OK(otter_bandit_reward(b, "order-17", 1, 2000, err));
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

/* Same seed and event id in the same state: the same decision. */
START_TEST(decisions_are_reproducible)
{
    otter_bandit *x = make("epsilon-greedy", "epsilon=0.5,seed=9"),
                 *y = make("epsilon-greedy", "epsilon=0.5,seed=9"),
                 *z = make("epsilon-greedy", "epsilon=0.5,seed=10");
    otter_decision dx = OTTER_DECISION_INIT, dy = OTTER_DECISION_INIT, dz = OTTER_DECISION_INIT;
    int differ = 0;
    for (int i = 0; i < 500; i++) {
        int ax = rank_at(x, &dx, 1000 + i), ay = rank_at(y, &dy, 1000 + i);
        differ += rank_at(z, &dz, 1000 + i) != ax;
        ck_assert_int_eq(ax, ay);
        ck_assert_str_eq(dx.event_id, dy.event_id);
        double r = ax == 2 ? 1.0 : 0.0;
        OK(otter_bandit_reward(x, dx.event_id, r, 1000 + i, err));
        OK(otter_bandit_reward(y, dy.event_id, r, 1000 + i, err));
        OK(otter_bandit_reward(z, dz.event_id, r, 1000 + i, err));
    }
    ck_assert(differ > 0);
    otter_buf a = OTTER_BUF_INIT, c = OTTER_BUF_INIT;
    OK(otter_bandit_encode(x, &a, err));
    OK(otter_bandit_encode(y, &c, err));
    ck_assert(a.len == c.len && memcmp(a.data, c.data, a.len) == 0);
    otter_buf_free(&a);
    otter_buf_free(&c);
    otter_decision_free(&dx);
    otter_decision_free(&dy);
    otter_decision_free(&dz);
    otter_bandit_destroy(x);
    otter_bandit_destroy(y);
    otter_bandit_destroy(z);
}
END_TEST

START_TEST(arms_change_mid_stream)
{
    otter_bandit *b = make("epsilon-greedy", "epsilon=1,default_reward=none");
    otter_decision d = OTTER_DECISION_INIT;
    otter_error e = {0};
    ck_assert_int_eq(otter_bandit_add_arm(b, "b", &e), OTTER_EXISTS);
    OK(otter_bandit_add_arm(b, "d", err));
    ck_assert_uint_eq(otter_bandit_arm_count(b), 4);
    /* a pending decision for an arm that is then removed is dropped at reward time */
    char pending_c[OTTER_EVENT_ID_MAX] = "";
    for (int i = 0; i < 100 && !*pending_c; i++)
        if (rank_at(b, &d, 1000 + i) == 2)
            strcpy(pending_c, d.event_id);
    ck_assert(*pending_c);
    OK(otter_bandit_remove_arm(b, "c", err));
    ck_assert_int_eq(otter_bandit_remove_arm(b, "c", &e), OTTER_NOT_FOUND);
    OK(otter_bandit_reward(b, pending_c, 1, 2000, err));
    int seen_d = 0;
    for (int i = 0; i < 300; i++) {
        rank_at(b, &d, 3000 + i);
        ck_assert_str_ne(d.arm, "c");
        seen_d += strcmp(d.arm, "d") == 0;
    }
    ck_assert(seen_d > 50);
    OK(otter_bandit_remove_arm(b, "a", err));
    OK(otter_bandit_remove_arm(b, "b", err));
    ck_assert_int_eq(otter_bandit_remove_arm(b, "d", &e), OTTER_STATE);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

START_TEST(round_trip_with_pending_events)
{
    otter_bandit *b = make("epsilon-greedy", "epsilon=0.3,reward_wait=2,default_reward=0");
    otter_decision d = OTTER_DECISION_INIT, d2 = OTTER_DECISION_INIT;
    char ids[64][OTTER_EVENT_ID_MAX];
    for (int i = 0; i < 64; i++) {
        rank_at(b, &d, 1000 + 10 * i);
        strcpy(ids[i], d.event_id);
        if (i % 3 == 0)
            OK(otter_bandit_reward(b, ids[i], i % 2, 1000 + 10 * i, err));
    }
    otter_buf x = OTTER_BUF_INIT, y = OTTER_BUF_INIT;
    OK(otter_bandit_encode(b, &x, err));
    otter_bandit *r = NULL;
    OK(otter_bandit_decode(ctx, x.data, x.len, &r, err));
    ck_assert_uint_eq(otter_bandit_pending(r), otter_bandit_pending(b));
    OK(otter_bandit_encode(r, &y, err));
    ck_assert(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
    /* both go on identically: late rewards, expiries, new decisions */
    for (int i = 0; i < 64; i++) {
        otter_error e1 = {0}, e2 = {0};
        ck_assert_int_eq(otter_bandit_reward(b, ids[i], 1, 1700 + i, &e1),
                         otter_bandit_reward(r, ids[i], 1, 1700 + i, &e2));
        ck_assert_str_eq(e1.message, e2.message);
        ck_assert_int_eq(rank_at(b, &d, 2000 + 10 * i), rank_at(r, &d2, 2000 + 10 * i));
    }
    OK(otter_bandit_encode(b, &x, err));
    x.len = 0;
    y.len = 0;
    OK(otter_bandit_encode(b, &x, err));
    OK(otter_bandit_encode(r, &y, err));
    ck_assert(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
    /* corruption: every truncation and a flipped byte are rejected cleanly */
    for (size_t n = 0; n < x.len; n += 1 + x.len / 300) {
        otter_bandit *bad = NULL;
        otter_error e = {0};
        ck_assert_int_ne(otter_bandit_decode(ctx, x.data, n, &bad, &e), OTTER_OK);
        ck_assert_ptr_null(bad);
    }
    x.data[x.len / 2] ^= 0x40;
    otter_bandit *bad = NULL;
    otter_error e = {0};
    ck_assert_int_eq(otter_bandit_decode(ctx, x.data, x.len, &bad, &e), OTTER_CORRUPT);
    otter_buf_free(&x);
    otter_buf_free(&y);
    otter_decision_free(&d);
    otter_decision_free(&d2);
    otter_bandit_destroy(b);
    otter_bandit_destroy(r);
}
END_TEST

START_TEST(epsilon_greedy_learns_and_explores)
{
    /* click rates 0.2 / 0.5 / 0.8: the greedy arm is c; with epsilon 0.1 the share of
     * pulls of a and b together is 0.1 * 2/3 once c leads */
    otter_bandit *b = make("epsilon-greedy", "epsilon=0.1,seed=3");
    otter_decision d = OTTER_DECISION_INIT;
    otter_rng env;
    otter_rng_seed(&env, 5);
    const double rate[3] = {0.2, 0.5, 0.8};
    size_t other = 0, n = 20000, warm = 2000;
    for (size_t t = 0; t < n; t++) {
        int a = rank_at(b, &d, 1000 + (int64_t)t);
        if (t >= warm)
            other += a != 2;
        if (t >= warm)
            ck_assert(fabs(d.ranking[0].probability - (a == 2 ? 0.1 / 3 + 0.9 : 0.1 / 3)) < 1e-12);
        OK(otter_bandit_reward(b, d.event_id, otter_rng_uniform(&env) < rate[a], 1000 + (int64_t)t,
                               err));
    }
    double p = 0.1 * 2 / 3, m = (double)(n - warm), sd = sqrt(m * p * (1 - p));
    ck_assert_msg(fabs((double)other - m * p) < 4 * sd, "non-greedy pulls %zu, expected %.0f",
                  other, m * p);
    otter_arm_stats s;
    OK(otter_bandit_arm_stats(b, 2, &s, err));
    ck_assert(s.lower < 0.8 && 0.8 < s.upper);
    ck_assert(s.prob_best > 0.99);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bandit");
    TCase *tc = tcase_create("generic");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, create_checks);
    tcase_add_test(tc, candidates_and_exclusions);
    tcase_add_test(tc, reward_lifecycle);
    tcase_add_test(tc, default_reward_at_expiry);
    tcase_add_test(tc, remember_zero_keeps_only_waiting_events);
    tcase_add_test(tc, refused_default_reward_does_not_block);
    tcase_add_test(tc, deferred_decisions);
    tcase_add_test(tc, caller_event_ids);
    tcase_add_test(tc, decisions_are_reproducible);
    tcase_add_test(tc, arms_change_mid_stream);
    tcase_add_test(tc, round_trip_with_pending_events);
    tcase_add_test(tc, epsilon_greedy_learns_and_explores);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
