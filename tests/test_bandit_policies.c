/* The non-contextual bandit policies (ucb1, thompson, softmax, exp3, ab, and
 * epsilon-greedy's exploration rate) through the public API, against a seeded simulated
 * world: convergence and sublinear regret on close Bernoulli arms, propensities that sum
 * to one and match the empirical choice frequencies, sticky A/B assignment, adversarial
 * and switching worlds, round trips mid-stream, determinism, parameter and reward
 * validation, arms added and removed while running, and the exact Beta intervals.
 *
 * Regret is the pseudo-regret sum_t (mu_best - mu_chosen(t)), which does not depend on
 * the reward noise. Every figure quoted in a comment below was measured with the seeds
 * in this file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* Check records every passing ck_assert (one write each), which would dominate loops of
 * millions of decisions; these fail the same way but cost nothing when they pass. */
#undef OK
#define OK(call)                                                                                   \
    do {                                                                                           \
        otter_error e_ = {0};                                                                      \
        otter_error *err = &e_;                                                                    \
        otter_status st_ = (call);                                                                 \
        if (st_ != OTTER_OK)                                                                       \
            ck_abort_msg("%s failed: %s (%s)", #call, e_.message, otter_status_name(st_));         \
    } while (0)
#define CHECK(expr, ...)                                                                           \
    do {                                                                                           \
        if (!(expr))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

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

static const char *const ARMS[] = {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"};

/* Arm index from its name: "aN" -> N, "new" -> 8. */
static int idx(const char *name)
{
    return strcmp(name, "new") == 0 ? 8 : atoi(name + 1);
}

static otter_bandit *mk(const char *type, const char *params, size_t n_arms)
{
    otter_params *p = test_params(params);
    otter_bandit *b = NULL;
    OK(otter_bandit_create(ctx, type, p, ARMS, n_arms, &b, err));
    otter_params_destroy(p);
    return b;
}

static otter_bandit *copy_of(const otter_bandit *b)
{
    otter_buf buf = OTTER_BUF_INIT;
    OK(otter_bandit_encode(b, &buf, err));
    otter_bandit *r = NULL;
    OK(otter_bandit_decode(ctx, buf.data, buf.len, &r, err));
    otter_buf_free(&buf);
    return r;
}

static int same_blob(const otter_bandit *a, const otter_bandit *b)
{
    otter_buf x = OTTER_BUF_INIT, y = OTTER_BUF_INIT;
    OK(otter_bandit_encode(a, &x, err));
    OK(otter_bandit_encode(b, &y, err));
    int same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    otter_buf_free(&x);
    otter_buf_free(&y);
    return same;
}

/* One decision at now (candidates: every arm); returns the chosen arm's index. */
static int decide(otter_bandit *b, int64_t now, otter_decision *d)
{
    otter_rank_request rq = {0};
    rq.now_ms = now;
    OK(otter_bandit_rank(b, &rq, d, err));
    return idx(d->arm);
}

/* A run over a Bernoulli world whose means may change: the pseudo-regret after each
 * decision is accumulated into regret[t] when regret is not NULL. */
typedef struct world {
    otter_rng rng;
    int64_t now;
    double regret;
} world;

static void world_init(world *w, uint64_t seed)
{
    otter_rng_seed(&w->rng, seed);
    w->now = 1000000;
    w->regret = 0;
}

static int step(otter_bandit *b, world *w, const double *mu, size_t k, otter_decision *d)
{
    int a = decide(b, ++w->now, d);
    double best = mu[0];
    for (size_t i = 1; i < k; i++)
        best = mu[i] > best ? mu[i] : best;
    w->regret += best - mu[a];
    double r = otter_rng_uniform(&w->rng) < mu[a] ? 1.0 : 0.0;
    OK(otter_bandit_reward(b, d->event_id, r, w->now, err));
    return a;
}

/* ---- convergence on close Bernoulli arms ---- */

typedef struct run_figures {
    double best_share_last10;           /* share of the best arm in the last 10% */
    double r_eighth, r_quarter, r_half; /* regret after T/8, T/4, T/2 */
    double r_total;
} run_figures;

static run_figures bernoulli_run(const char *type, const char *params, long horizon)
{
    static const double mu[3] = {0.05, 0.04, 0.03};
    otter_bandit *b = mk(type, params, 3);
    otter_decision d = OTTER_DECISION_INIT;
    world w;
    world_init(&w, 7);
    run_figures f = {0};
    long best = 0;
    for (long t = 1; t <= horizon; t++) {
        int a = step(b, &w, mu, 3, &d);
        if (t > horizon - horizon / 10)
            best += a == 0;
        if (t == horizon / 8)
            f.r_eighth = w.regret;
        if (t == horizon / 4)
            f.r_quarter = w.regret;
        if (t == horizon / 2)
            f.r_half = w.regret;
    }
    f.r_total = w.regret;
    f.best_share_last10 = (double)best / (double)(horizon / 10);
    printf("%s %s T=%ld: best arm %.4f of the last 10%%, regret T/8 %.1f, T/4 %.1f, "
           "T/2 %.1f, T %.1f\n",
           type, params, horizon, f.best_share_last10, f.r_eighth, f.r_quarter, f.r_half,
           f.r_total);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
    return f;
}

/* Sublinear regret: the second half costs less than the first, and regret per decision
 * shrinks from T/8 to T/4 to T/2 to T. */
static void check_sublinear(const run_figures *f, long horizon)
{
    double T = (double)horizon;
    ck_assert_msg(f->r_total - f->r_half < f->r_half, "second half %.1f >= first half %.1f",
                  f->r_total - f->r_half, f->r_half);
    ck_assert(f->r_quarter / (T / 4) < f->r_eighth / (T / 8));
    ck_assert(f->r_half / (T / 2) < f->r_quarter / (T / 4));
    ck_assert(f->r_total / T < f->r_half / (T / 2));
}

/* Thompson (Beta(1, 1) priors) at T = 200k: best arm 0.996 of the last 20k decisions;
 * regret 50.5 over the first half, 9.7 over the second. propensity_samples=0 keeps the
 * run fast (the propensity estimate does not change decisions). */
START_TEST(thompson_converges_on_close_arms)
{
    long T = 200000;
    run_figures f = bernoulli_run("thompson", "propensity_samples=0,reward_wait=1", T);
    ck_assert_msg(f.best_share_last10 >= 0.95, "best arm share %.4f", f.best_share_last10);
    check_sublinear(&f, T);
}
END_TEST

/* UCB1 with c = 1 explores for a long time on gaps of 0.01 with rewards this far below
 * the [0, 1] range its bound assumes: the best arm's share of the last 10% was 0.79 at
 * T = 400k, 0.92 at 800k, 0.947-0.972 at 1.6M and 0.965-0.982 at 2M (world seeds 1-5).
 * So the test runs T = 2M (about 1 s, 4 s under ASan), where seed 7 gives 0.979. */
START_TEST(ucb1_converges_on_close_arms)
{
    long T = 2000000;
    run_figures f = bernoulli_run("ucb1", "reward_wait=1", T);
    ck_assert_msg(f.best_share_last10 >= 0.95, "best arm share %.4f", f.best_share_last10);
    check_sublinear(&f, T);
}
END_TEST

/* ---- epsilon-greedy's exploration rate ---- */

/* With fixed epsilon, a decision leaves the greedy arm (the unique best score) with
 * probability epsilon (K - 1) / K. */
START_TEST(egreedy_explores_at_its_rate)
{
    static const double mu[3] = {0.5, 0.4, 0.3};
    otter_bandit *b = mk("epsilon-greedy", "epsilon=0.1,reward_wait=1", 3);
    otter_decision d = OTTER_DECISION_INIT;
    world w;
    world_init(&w, 11);
    long counted = 0, off = 0;
    for (int t = 0; t < 100000; t++) {
        otter_rank_request rq = {0};
        rq.now_ms = ++w.now;
        OK(otter_bandit_rank(b, &rq, &d, err));
        /* the greedy arm: the unique highest finite score in the ranking */
        size_t top = 0, n_top = 0;
        for (size_t i = 0; i < d.n_ranking; i++) {
            if (n_top == 0 || d.ranking[i].score > d.ranking[top].score) {
                top = i;
                n_top = 1;
            } else if (d.ranking[i].score == d.ranking[top].score) {
                n_top++;
            }
        }
        if (n_top == 1 && isfinite(d.ranking[top].score)) {
            counted++;
            off += top != 0; /* ranking[0] is the chosen arm */
        }
        int a = idx(d.arm);
        OK(otter_bandit_reward(b, d.event_id, otter_rng_uniform(&w.rng) < mu[a], w.now, err));
    }
    double p = 0.1 * 2.0 / 3.0, share = (double)off / (double)counted;
    double sigma = sqrt(p * (1 - p) / (double)counted);
    printf("epsilon-greedy: %ld of %ld decisions off the greedy arm (%.5f, expected %.5f)\n", off,
           counted, share, p);
    ck_assert(counted > 99000);
    ck_assert_msg(fabs(share - p) < 4 * sigma, "share %.5f, expected %.5f +- %.5f", share, p,
                  4 * sigma);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

/* ---- propensities ---- */

/* A bandit over 4 arms trained on 400 Bernoulli rewards (means 0.6, 0.5, 0.3, 0.4) and
 * then never rewarded again (default_reward=none, a fixed clock), so that its state, and
 * with it every exact propensity, stays the same while it is sampled. */
static otter_bandit *trained(const char *type, const char *params)
{
    static const double mu[4] = {0.6, 0.5, 0.3, 0.4};
    char full[256];
    snprintf(full, sizeof full, "%s%sdefault_reward=none", params, *params ? "," : "");
    otter_bandit *b = mk(type, full, 4);
    otter_decision d = OTTER_DECISION_INIT;
    world w;
    world_init(&w, 21);
    for (int t = 0; t < 400; t++)
        step(b, &w, mu, 4, &d);
    otter_decision_free(&d);
    return b;
}

/* The ranking's probability of arm index a (0 when it is not ranked). */
static double prob_of(const otter_decision *d, int a)
{
    for (size_t i = 0; i < d->n_ranking; i++)
        if (idx(d->ranking[i].arm) == a)
            return d->ranking[i].probability;
    return 0;
}

/* Samples n decisions for a request's candidates; every decision's probabilities must
 * sum to one over the ranking, never include a non-candidate, and (exact policies) be
 * the same every time. Checks the frequencies against them within 4 sigma; for
 * estimated propensities against the mean estimate (both estimate the same p: the
 * difference has variance about p (1 - p) / n (1 + 1 / (samples + 1))). */
static void check_frequencies(otter_bandit *b, const char *const *arms, size_t n_arms,
                              const char *const *excl, size_t n_excl, int n, int samples)
{
    double first[9] = {0}, mean[9] = {0};
    long count[9] = {0};
    otter_decision d = OTTER_DECISION_INIT;
    const char *type = otter_bandit_type_of(b)->name;
    for (int t = 0; t < n; t++) {
        otter_rank_request rq = {0};
        rq.arms = arms;
        rq.n_arms = n_arms;
        rq.exclude = excl;
        rq.n_exclude = n_excl;
        rq.now_ms = 1000000000;
        OK(otter_bandit_rank(b, &rq, &d, err));
        double sum = 0;
        for (size_t i = 0; i < d.n_ranking; i++) {
            sum += d.ranking[i].probability;
            for (size_t j = 0; j < n_excl; j++)
                CHECK(strcmp(d.ranking[i].arm, excl[j]) != 0, "%s: excluded arm ranked", type);
        }
        CHECK(fabs(sum - 1) < 1e-12, "%s: probabilities sum to %.17g", type, sum);
        CHECK(d.propensity == d.ranking[0].probability && d.propensity > 0, "%s: propensity %g",
              type, d.propensity);
        CHECK(d.propensity_estimated == (samples >= 0), "%s: estimated flag", type);
        count[idx(d.arm)]++;
        for (int a = 0; a < 9; a++) {
            double p = prob_of(&d, a);
            if (t == 0)
                first[a] = p;
            else if (samples < 0)
                CHECK(p == first[a], "%s: arm %d probability changed", type, a);
            mean[a] += p / n;
        }
    }
    for (int a = 0; a < 9; a++) {
        double p = mean[a], f = (double)count[a] / n;
        double var = p * (1 - p) / n * (samples >= 0 ? 1.0 + 1.0 / (samples + 1) : 1.0);
        ck_assert_msg(fabs(f - p) <= 4 * sqrt(var) + 1e-12,
                      "%s: arm %d chosen %.4f of the time, propensity %.4f", type, a, f, p);
    }
    otter_decision_free(&d);
}

static void check_policy_frequencies(const char *type, const char *params, int n, int samples)
{
    otter_bandit *b = trained(type, params);
    static const char *const subset[] = {"a3", "a1", "a0"};
    static const char *const excl[] = {"a1"};
    check_frequencies(b, NULL, 0, NULL, 0, n, samples);
    check_frequencies(b, subset, 3, NULL, 0, n, samples);
    check_frequencies(b, NULL, 0, excl, 1, n, samples);
    check_frequencies(b, subset, 3, excl, 1, n, samples);
    otter_bandit_destroy(b);
}

START_TEST(exact_propensities_match_frequencies)
{
    check_policy_frequencies("softmax", "tau=0.1", 20000, -1);
    check_policy_frequencies("exp3", "gamma=0.2", 20000, -1);
    check_policy_frequencies("epsilon-greedy", "epsilon=0.3", 20000, -1);
    check_policy_frequencies("ab", "weights=1,2,3,4", 20000, -1);
    check_policy_frequencies("ab", "", 20000, -1);
}
END_TEST

START_TEST(thompson_estimates_match_frequencies)
{
    check_policy_frequencies("thompson", "", 5000, 100);
    check_policy_frequencies("thompson", "propensity_samples=20,likelihood=gaussian", 5000, 20);
}
END_TEST

/* ucb1 is deterministic: the chosen arm has probability 1 (1 / |ties| among untried). */
START_TEST(ucb1_propensities_deterministic)
{
    otter_bandit *b = mk("ucb1", "default_reward=none", 4);
    otter_decision d = OTTER_DECISION_INIT;
    int seen[4] = {0};
    for (int t = 0; t < 400; t++) {
        decide(b, 1000, &d);
        CHECK(fabs(d.propensity - 0.25) < 1e-15, "propensity %g", d.propensity); /* 4 tie */
        seen[idx(d.arm)]++;
    }
    for (int a = 0; a < 4; a++)
        ck_assert_int_gt(seen[a], 50);
    otter_bandit_destroy(b);
    b = trained("ucb1", "");
    for (int t = 0; t < 100; t++) {
        decide(b, 1000000000, &d);
        ck_assert(d.propensity == 1.0 && d.propensity_estimated == 0);
        for (size_t i = 1; i < d.n_ranking; i++)
            ck_assert(d.ranking[i].probability == 0.0 && d.ranking[i].score <= d.ranking[0].score);
    }
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

/* ---- ab: sticky, weighted, stable under arm changes ---- */

static int assign(otter_bandit *b, const char *unit, otter_decision *d)
{
    otter_rank_request rq = {0};
    rq.unit = unit;
    rq.now_ms = 1000000;
    OK(otter_bandit_rank(b, &rq, d, err));
    return idx(d->arm);
}

START_TEST(ab_sticky_weighted_and_stable)
{
    otter_bandit *b = mk("ab", "weights=1,2,3,4,default_reward=none", 4);
    otter_decision d = OTTER_DECISION_INIT;
    /* sticky: the same unit, 1000 decisions (each its own event id), one arm */
    int first = assign(b, "user-42", &d);
    for (int t = 0; t < 1000; t++)
        CHECK(assign(b, "user-42", &d) == first, "user-42 moved");
    /* shares: 40000 units against the weights, propensities exactly the shares */
    enum { UNITS = 40000 };
    static int before[UNITS];
    long count[4] = {0};
    char unit[32];
    for (int u = 0; u < UNITS; u++) {
        snprintf(unit, sizeof unit, "unit-%d", u);
        before[u] = assign(b, unit, &d);
        count[before[u]]++;
        for (int a = 0; a < 4; a++)
            CHECK(prob_of(&d, a) == (a + 1) / 10.0, "arm %d: propensity %g", a, prob_of(&d, a));
    }
    for (int a = 0; a < 4; a++) {
        double p = (a + 1) / 10.0, f = (double)count[a] / UNITS;
        ck_assert_msg(fabs(f - p) < 4 * sqrt(p * (1 - p) / UNITS), "arm %d: %.4f", a, f);
    }
    /* removing a1 moves exactly the units that had it, in proportion to the others */
    OK(otter_bandit_remove_arm(b, "a1", err));
    long moved = 0, to[4] = {0};
    for (int u = 0; u < UNITS; u++) {
        snprintf(unit, sizeof unit, "unit-%d", u);
        int now = assign(b, unit, &d);
        CHECK(now != 1, "removed arm chosen");
        if (before[u] != 1) {
            CHECK(now == before[u], "unit %d moved from %d to %d", u, before[u], now);
        } else {
            moved++;
            to[now]++;
        }
    }
    ck_assert_int_eq(moved, count[1]);
    for (int a = 0; a < 4; a++) {
        double p = a == 1 ? 0 : (a + 1) / 8.0, f = (double)to[a] / (double)moved;
        ck_assert_msg(fabs(f - p) < 4 * sqrt(p * (1 - p) / (double)moved) + 1e-12, "%d: %.4f", a,
                      f);
    }
    /* an arm added later weighs new_arm_weight = 0: nobody moves to it */
    OK(otter_bandit_add_arm(b, "new", err));
    for (int u = 0; u < 2000; u++) {
        snprintf(unit, sizeof unit, "unit-%d", u);
        int now = assign(b, unit, &d);
        CHECK(now != 8 && prob_of(&d, 8) == 0, "weightless new arm chosen");
        CHECK(before[u] == 1 || now == before[u], "unit %d moved to %d", u, now);
    }
    /* excluding a unit's arm sends it to another; its other units stay put */
    static const char *const excl[] = {"a3"};
    for (int u = 0; u < 2000; u++) {
        snprintf(unit, sizeof unit, "unit-%d", u);
        otter_rank_request rq = {0};
        rq.unit = unit;
        rq.exclude = excl;
        rq.n_exclude = 1;
        rq.now_ms = 1000000;
        OK(otter_bandit_rank(b, &rq, &d, err));
        if (before[u] != 3 && before[u] != 1)
            CHECK(idx(d.arm) == before[u], "unit %d moved by an exclusion", u);
    }
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

/* Different salts split the same units independently; an equal split (no weights)
 * includes arms added later; new_arm_weight gives an added arm its share. */
START_TEST(ab_salt_and_new_arms)
{
    otter_bandit *x = mk("ab", "default_reward=none", 2),
                 *y = mk("ab", "salt=99,default_reward=none", 2);
    otter_decision d = OTTER_DECISION_INIT;
    long agree = 0;
    char unit[32];
    for (int u = 0; u < 10000; u++) {
        snprintf(unit, sizeof unit, "u%d", u);
        agree += assign(x, unit, &d) == assign(y, unit, &d);
    }
    ck_assert_msg(fabs(agree / 10000.0 - 0.5) < 4 * 0.005, "agree %ld", agree);
    OK(otter_bandit_add_arm(x, "new", err));
    assign(x, "u1", &d);
    ck_assert_double_eq_tol(prob_of(&d, 8), 1.0 / 3, 1e-15);
    otter_bandit *z = mk("ab", "weights=1,1,new_arm_weight=2,default_reward=none", 2);
    OK(otter_bandit_add_arm(z, "new", err));
    assign(z, "u1", &d);
    ck_assert_double_eq_tol(prob_of(&d, 8), 0.5, 1e-15);
    otter_decision_free(&d);
    otter_bandit_destroy(x);
    otter_bandit_destroy(y);
    otter_bandit_destroy(z);
}
END_TEST

/* ---- changing worlds ---- */

/* Exp3 promises to do nearly as well as the best single arm against any reward
 * sequence fixed in advance. Two such sequences over 30000 decisions, gamma = 0.1:
 *  - a switch: arm 0 pays with probability 0.8 (the others 0.2) for 10000 decisions,
 *    then arm 1 does for 20000. Uniform play earns 0.4 per decision, the best single arm
 *    0.6; Exp3 earned 0.573 (it needs thousands of decisions to move its weight);
 *  - a deterministic schedule: arm 0 pays 1 except in every third block of 100
 *    decisions, arm 1 only in those, arm 2 in alternate blocks of 37. Uniform earns
 *    0.5, the best arm 0.667; Exp3 earned 0.651. */
START_TEST(exp3_beats_uniform_on_fixed_sequences)
{
    otter_bandit *b = mk("exp3", "gamma=0.1,reward_wait=1", 3);
    otter_decision d = OTTER_DECISION_INIT;
    world w;
    world_init(&w, 31);
    double earned = 0;
    int T = 30000;
    for (int t = 0; t < T; t++) {
        double mu[3] = {0.2, 0.2, 0.2};
        mu[t < 10000 ? 0 : 1] = 0.8;
        earned += mu[step(b, &w, mu, 3, &d)];
    }
    printf("exp3 after a switch: %.4f per decision (uniform 0.4, best arm 0.6)\n", earned / T);
    ck_assert_msg(earned / T > 0.55, "exp3 earned %.4f per decision", earned / T);
    otter_bandit_destroy(b);
    b = mk("exp3", "gamma=0.1,reward_wait=1", 3);
    earned = 0;
    for (int t = 0; t < T; t++) {
        int a = decide(b, ++w.now, &d);
        double r = a == 0 ? (t / 100) % 3 != 0 : a == 1 ? (t / 100) % 3 == 0 : (t / 37) % 2 == 0;
        earned += r;
        OK(otter_bandit_reward(b, d.event_id, r, w.now, err));
    }
    printf("exp3 on a fixed schedule: %.4f per decision (uniform 0.5, best arm 0.667)\n",
           earned / T);
    ck_assert_msg(earned / T > 0.6, "exp3 earned %.4f per decision", earned / T);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
}
END_TEST

/* Regret over the 20000 decisions after the means change from (0.7, 0.5, 0.3) to
 * (0.3, 0.5, 0.6) at decision 20000: the best arm falls and another takes its place. */
static double regret_after_swap(const char *type, const char *params)
{
    otter_bandit *b = mk(type, params, 3);
    otter_decision d = OTTER_DECISION_INIT;
    world w;
    world_init(&w, 41);
    static const double before[3] = {0.7, 0.5, 0.3}, after[3] = {0.3, 0.5, 0.6};
    for (int t = 0; t < 20000; t++)
        step(b, &w, before, 3, &d);
    w.regret = 0;
    for (int t = 0; t < 20000; t++)
        step(b, &w, after, 3, &d);
    printf("%s %s: regret %.1f over the 20000 decisions after the swap\n", type, params, w.regret);
    otter_decision_free(&d);
    otter_bandit_destroy(b);
    return w.regret;
}

/* Measured: ucb1 1974 stationary, 675 with window=2000, 974 with discount=0.999 (the
 * forgetting versions keep paying for exploration, so they gain less than Thompson);
 * thompson 3193 stationary, 373 with discount=0.999, 294 with window=2000. */
START_TEST(discounted_and_windowed_recover_after_a_swap)
{
    double ucb = regret_after_swap("ucb1", "reward_wait=1");
    double ucb_w = regret_after_swap("ucb1", "window=2000,reward_wait=1");
    double ucb_d = regret_after_swap("ucb1", "discount=0.999,reward_wait=1");
    double ts = regret_after_swap("thompson", "propensity_samples=0,reward_wait=1");
    double ts_d =
        regret_after_swap("thompson", "discount=0.999,propensity_samples=0,reward_wait=1");
    double ts_w = regret_after_swap("thompson", "window=2000,propensity_samples=0,reward_wait=1");
    ck_assert(ucb_w < 0.6 * ucb && ucb_d < 0.6 * ucb);
    ck_assert(ts_d < 0.25 * ts && ts_w < 0.25 * ts);
}
END_TEST

/* ---- state ---- */

typedef struct config {
    const char *type, *params;
    int gaussian; /* rewards N(100 + 5 arm, 10^2) instead of Bernoulli */
} config;

static const config CONFIGS[] = {
    {"ucb1", "", 0},
    {"ucb1", "window=50,c=0.5", 0},
    {"thompson", "", 0},
    {"thompson", "discount=0.99,propensity_samples=10", 0},
    {"thompson", "likelihood=gaussian", 1},
    {"thompson", "likelihood=gaussian,sigma=10,window=100", 1},
    {"softmax", "", 0},
    {"softmax", "initial=2,discount=0.95", 0},
    {"exp3", "", 0},
    {"exp3", "gamma=0.5,window=30", 0},
    {"ab", "weights=3,1,1", 0},
    {"ab", "discount=0.9", 1},
    {"epsilon-greedy", "", 0},
};
#define N_CONFIGS (sizeof CONFIGS / sizeof *CONFIGS)

static double reward_for(const config *c, int arm, otter_rng *rng)
{
    if (c->gaussian)
        return 100 + 5 * arm + 10 * otter_rng_normal(rng);
    static const double mu[4] = {0.3, 0.5, 0.4, 0.6};
    return otter_rng_uniform(rng) < mu[arm % 4] ? 1.0 : 0.0;
}

/* Decisions t0..t1 with ids "e<t>", rewarding two of three one step late (so that some
 * are pending at any time); identical on every bandit given the same history. */
static void drive(otter_bandit *b, const config *c, int t0, int t1, otter_rng *rng,
                  otter_buf *trace)
{
    otter_decision d = OTTER_DECISION_INIT;
    char id[32], prev[32] = "";
    int prev_arm = 0;
    for (int t = t0; t < t1; t++) {
        snprintf(id, sizeof id, "e%d", t);
        otter_rank_request rq = {0};
        rq.event_id = id;
        rq.now_ms = 5000000 + t;
        OK(otter_bandit_rank(b, &rq, &d, err));
        OK(otter_buf_append(trace, d.arm, strlen(d.arm) + 1, err));
        OK(otter_buf_append(trace, &d.propensity, sizeof d.propensity, err));
        if (*prev && t % 3 != 0)
            OK(otter_bandit_reward(b, prev, reward_for(c, prev_arm, rng), 5000000 + t, err));
        snprintf(prev, sizeof prev, "%s", id);
        prev_arm = idx(d.arm);
    }
    otter_decision_free(&d);
}

START_TEST(round_trip_mid_stream)
{
    const config *c = &CONFIGS[_i];
    otter_bandit *b = mk(c->type, c->params, 4);
    otter_rng r1, r2;
    otter_rng_seed(&r1, 51);
    otter_buf t1 = OTTER_BUF_INIT, t2 = OTTER_BUF_INIT;
    drive(b, c, 0, 1500, &r1, &t1);
    ck_assert_uint_gt(otter_bandit_pending(b), 0);
    otter_bandit *r = copy_of(b);
    ck_assert_str_eq(otter_bandit_params_text(r), otter_bandit_params_text(b));
    ck_assert_msg(same_blob(b, r), "%s %s: decoded copy encodes differently", c->type, c->params);
    r2 = r1;
    t1.len = 0;
    drive(b, c, 1500, 3000, &r1, &t1);
    drive(r, c, 1500, 3000, &r2, &t2);
    ck_assert_msg(t1.len == t2.len && memcmp(t1.data, t2.data, t1.len) == 0,
                  "%s %s: decisions diverged after decode", c->type, c->params);
    ck_assert_msg(same_blob(b, r), "%s %s: final states differ", c->type, c->params);
    /* same seed, same history: a fresh bandit replays the same decisions */
    otter_bandit *twin = mk(c->type, c->params, 4);
    otter_rng_seed(&r1, 51);
    otter_buf t3 = OTTER_BUF_INIT;
    drive(twin, c, 0, 3000, &r1, &t3);
    ck_assert(same_blob(b, twin));
    otter_buf_free(&t1);
    otter_buf_free(&t2);
    otter_buf_free(&t3);
    otter_bandit_destroy(b);
    otter_bandit_destroy(r);
    otter_bandit_destroy(twin);
}
END_TEST

/* The same event id in the same state gives the same decision; other seeds give other
 * decisions (randomized policies). */
START_TEST(same_event_id_same_decision)
{
    const config *c = &CONFIGS[_i];
    otter_bandit *b = mk(c->type, c->params, 4);
    otter_rng rng;
    otter_rng_seed(&rng, 61);
    otter_buf trace = OTTER_BUF_INIT;
    drive(b, c, 0, 300, &rng, &trace);
    otter_bandit *r = copy_of(b);
    otter_decision d1 = OTTER_DECISION_INIT, d2 = OTTER_DECISION_INIT;
    for (int t = 0; t < 50; t++) {
        char id[32];
        snprintf(id, sizeof id, "probe-%d", t);
        otter_rank_request rq = {0};
        rq.event_id = id;
        rq.now_ms = 5000000 + 300;
        OK(otter_bandit_rank(b, &rq, &d1, err));
        OK(otter_bandit_rank(r, &rq, &d2, err));
        ck_assert_str_eq(d1.arm, d2.arm);
        ck_assert_uint_eq(d1.n_ranking, d2.n_ranking);
        for (size_t i = 0; i < d1.n_ranking; i++) {
            ck_assert_str_eq(d1.ranking[i].arm, d2.ranking[i].arm);
            ck_assert(memcmp(&d1.ranking[i].score, &d2.ranking[i].score, sizeof(double)) == 0);
            ck_assert(d1.ranking[i].probability == d2.ranking[i].probability);
        }
    }
    otter_decision_free(&d1);
    otter_decision_free(&d2);
    otter_buf_free(&trace);
    otter_bandit_destroy(b);
    otter_bandit_destroy(r);
}
END_TEST

START_TEST(other_seed_other_decisions)
{
    static const char *const types[] = {"thompson", "softmax", "exp3", "ab"};
    for (size_t k = 0; k < 4; k++) {
        /* ab ignores the seed (its split is a function of the unit): salt moves it */
        const char *other = k == 3 ? "salt=3,default_reward=none" : "seed=2,default_reward=none";
        otter_bandit *x = mk(types[k], "default_reward=none", 4), *y = mk(types[k], other, 4);
        otter_decision d = OTTER_DECISION_INIT;
        int differ = 0;
        for (int t = 0; t < 200; t++) {
            char id[32];
            snprintf(id, sizeof id, "s%d", t);
            otter_rank_request rq = {0};
            rq.event_id = id;
            rq.now_ms = 1000;
            OK(otter_bandit_rank(x, &rq, &d, err));
            int a = idx(d.arm);
            OK(otter_bandit_rank(y, &rq, &d, err));
            differ += a != idx(d.arm);
        }
        ck_assert_msg(differ > 50, "%s: only %d of 200 differ", types[k], differ);
        otter_decision_free(&d);
        otter_bandit_destroy(x);
        otter_bandit_destroy(y);
    }
}
END_TEST

/* ---- validation ---- */

START_TEST(bad_params_named)
{
    static const struct {
        const char *type, *params, *named;
    } cases[] = {
        {"ucb1", "c=-1", "'c'"},
        {"ucb1", "discount=0.9,window=10", "window"},
        {"ucb1", "discount=0", "'discount'"},
        {"ucb1", "window=-1", "'window'"},
        {"thompson", "likelihood=poisson", "'likelihood'"},
        {"thompson", "prior_alpha=0", "'prior_alpha'"},
        {"thompson", "prior_beta=-1", "'prior_beta'"},
        {"thompson", "prior_n=0", "'prior_n'"},
        {"thompson", "sigma=-1", "'sigma'"},
        {"thompson", "propensity_samples=-1", "'propensity_samples'"},
        {"thompson", "propensity_samples=0.5", "'propensity_samples'"},
        {"thompson", "discount=0.99,window=5", "discount"},
        {"softmax", "tau=0", "'tau'"},
        {"softmax", "initial=abc", "'initial'"},
        {"softmax", "initial=inf", "'initial'"},
        {"softmax", "window=3,discount=0.5", "window"},
        {"exp3", "gamma=0", "'gamma'"},
        {"exp3", "gamma=1.5", "'gamma'"},
        {"exp3", "discount=0.5,window=2", "discount"},
        {"ab", "weights=1,-2", "'weights'"},
        {"ab", "weights=1,,2", "'weights'"},
        {"ab", "weights=a", "'weights'"},
        {"ab", "weights=1,2,", "'weights'"},
        {"ab", "weights=0,0", "'weights'"},
        {"ab", "weights=1,nan", "'weights'"},
        {"ab", "new_arm_weight=-1", "'new_arm_weight'"},
        {"ab", "salt=-1", "'salt'"},
        {"ab", "discount=0.5,window=2", "window"},
        {"ab", "no_such=1", "no_such"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        otter_params *p = test_params(cases[i].params);
        otter_bandit *b = NULL;
        otter_error e = {0};
        otter_status st = otter_bandit_create(ctx, cases[i].type, p, ARMS, 3, &b, &e);
        ck_assert_msg(st == OTTER_INVALID, "%s %s: %s", cases[i].type, cases[i].params,
                      otter_status_name(st));
        ck_assert_msg(strstr(e.message, cases[i].named), "%s %s: '%s' does not name %s",
                      cases[i].type, cases[i].params, e.message, cases[i].named);
        ck_assert_ptr_null(b);
        otter_params_destroy(p);
    }
}
END_TEST

/* NaN/Inf (every policy) and rewards outside [0, 1] (thompson bernoulli, exp3) are
 * rejected, the state stays as it was, and the event keeps waiting for a good reward. */
START_TEST(bad_rewards_change_nothing)
{
    const config *c = &CONFIGS[_i];
    otter_bandit *b = mk(c->type, c->params, 4);
    otter_rng rng;
    otter_rng_seed(&rng, 71);
    otter_buf trace = OTTER_BUF_INIT;
    drive(b, c, 0, 200, &rng, &trace);
    otter_decision d = OTTER_DECISION_INIT;
    otter_rank_request rq = {0};
    rq.event_id = "victim";
    rq.now_ms = 5000000 + 200;
    OK(otter_bandit_rank(b, &rq, &d, err));
    otter_bandit *ref = copy_of(b);
    int unit_range =
        (strcmp(c->type, "thompson") == 0 && !c->gaussian) || strcmp(c->type, "exp3") == 0;
    const double bad[] = {NAN, INFINITY, -INFINITY, 1.5, -0.25, 1.0000001};
    for (size_t i = 0; i < 6; i++) {
        if (i >= 3 && !unit_range)
            break;
        otter_error e = {0};
        ck_assert_int_eq(otter_bandit_reward(b, "victim", bad[i], 5000000 + 200, &e),
                         OTTER_INVALID);
        ck_assert(e.message[0]);
        ck_assert_msg(same_blob(b, ref), "%s %s: rejected reward %g changed the state", c->type,
                      c->params, bad[i]);
    }
    OK(otter_bandit_reward(b, "victim", c->gaussian ? 123.0 : 1.0, 5000000 + 200, err));
    otter_error e = {0};
    ck_assert_int_eq(otter_bandit_reward(b, "victim", 0.0, 5000000 + 200, &e), OTTER_CONFLICT);
    otter_decision_free(&d);
    otter_buf_free(&trace);
    otter_bandit_destroy(b);
    otter_bandit_destroy(ref);
}
END_TEST

/* ---- arms changing while running ---- */

/* A much better arm added after 1000 decisions is found; a removed arm is never chosen
 * again and its pending reward is dropped. */
START_TEST(arms_added_and_removed_mid_stream)
{
    const config *c = &CONFIGS[_i];
    if (c->gaussian || strcmp(c->type, "ab") == 0)
        return; /* ab: covered by ab_sticky_weighted_and_stable */
    otter_bandit *b = mk(c->type, c->params, 3);
    otter_decision d = OTTER_DECISION_INIT;
    world w;
    world_init(&w, 81);
    double mu[9] = {0.3, 0.4, 0.2, 0, 0, 0, 0, 0, 0.9};
    for (int t = 0; t < 1000; t++)
        step(b, &w, mu, 3, &d);
    OK(otter_bandit_add_arm(b, "new", err));
    long picked = 0;
    for (int t = 0; t < 3000; t++) {
        int a = decide(b, ++w.now, &d);
        if (t == 0 && strcmp(c->type, "ucb1") == 0)
            ck_assert_int_eq(a, 8); /* untried first */
        picked += a == 8;
        OK(otter_bandit_reward(b, d.event_id, otter_rng_uniform(&w.rng) < mu[a], w.now, err));
    }
    printf("%s %s: the added arm took %ld of 3000 decisions\n", c->type, c->params, picked);
    ck_assert_msg(picked > 600, "%s %s: the added best arm took %ld of 3000", c->type, c->params,
                  picked);
    /* a pending decision for a0, then a0 goes */
    static const char *const only_a0[] = {"a0"};
    otter_rank_request rq = {0};
    rq.arms = only_a0;
    rq.n_arms = 1;
    rq.event_id = "for-a0";
    rq.now_ms = ++w.now;
    OK(otter_bandit_rank(b, &rq, &d, err));
    ck_assert_str_eq(d.arm, "a0");
    ck_assert(d.propensity == 1.0);
    OK(otter_bandit_remove_arm(b, "a0", err));
    OK(otter_bandit_reward(b, "for-a0", 1.0, w.now, err));
    for (int t = 0; t < 500; t++) {
        decide(b, ++w.now, &d);
        for (size_t i = 0; i < d.n_ranking; i++)
            CHECK(strcmp(d.ranking[i].arm, "a0") != 0, "removed arm ranked");
        CHECK(d.n_ranking == 3, "%zu ranked", d.n_ranking);
    }
    otter_bandit *r = copy_of(b); /* removed slots survive a round trip */
    ck_assert(same_blob(b, r));
    otter_decision_free(&d);
    otter_bandit_destroy(b);
    otter_bandit_destroy(r);
}
END_TEST

/* ---- statistics ---- */

/* P(Binomial(n, x) >= a) = I_x(a, n - a + 1): the Beta(a, b) CDF for integer a, b. */
static double beta_cdf_int(double x, int a, int b)
{
    int n = a + b - 1;
    double sum = 0;
    for (int k = a; k <= n; k++)
        sum += exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(x) +
                   (n - k) * log1p(-x));
    return sum;
}

static otter_arm_stats stats_of(const otter_bandit *b, size_t i)
{
    otter_arm_stats s;
    OK(otter_bandit_arm_stats(b, i, &s, err));
    return s;
}

/* Rewards r to arm a (0/1 or fractional), through decisions restricted to it. */
static void feed(otter_bandit *b, const char *arm, const double *r, size_t n, int64_t *now)
{
    const char *const only[] = {arm};
    otter_decision d = OTTER_DECISION_INIT;
    for (size_t i = 0; i < n; i++) {
        otter_rank_request rq = {0};
        rq.arms = only;
        rq.n_arms = 1;
        rq.now_ms = ++*now;
        OK(otter_bandit_rank(b, &rq, &d, err));
        OK(otter_bandit_reward(b, d.event_id, r[i], *now, err));
    }
    otter_decision_free(&d);
}

START_TEST(thompson_and_ab_beta_intervals_exact)
{
    static const char *const types[] = {"thompson", "ab"};
    for (int k = 0; k < 2; k++) {
        otter_bandit *b = mk(types[k], "", 4);
        int64_t now = 1000;
        static const double one = 1.0, zero = 0.0;
        feed(b, "a0", &one, 1, &now);  /* Beta(2, 1): quantile q is sqrt(q) */
        feed(b, "a2", &zero, 1, &now); /* Beta(1, 2): 1 - sqrt(1 - q) */
        double many[100];
        for (int i = 0; i < 100; i++)
            many[i] = i % 4 == 0; /* 25 of 100: Beta(26, 76) */
        feed(b, "a3", many, 100, &now);
        otter_arm_stats s0 = stats_of(b, 0), s1 = stats_of(b, 1), s2 = stats_of(b, 2),
                        s3 = stats_of(b, 3);
        ck_assert_double_eq_tol(s0.lower, sqrt(0.025), 1e-12);
        ck_assert_double_eq_tol(s0.upper, sqrt(0.975), 1e-12);
        ck_assert_double_eq_tol(s0.estimate, 2.0 / 3, 1e-15);
        ck_assert_double_eq_tol(s1.lower, 0.025, 1e-12); /* Beta(1, 1) */
        ck_assert_double_eq_tol(s1.upper, 0.975, 1e-12);
        ck_assert_double_eq_tol(s2.lower, 1 - sqrt(0.975), 1e-12);
        ck_assert_double_eq_tol(s2.upper, 1 - sqrt(0.025), 1e-12);
        ck_assert_double_eq_tol(beta_cdf_int(s3.lower, 26, 76), 0.025, 1e-10);
        ck_assert_double_eq_tol(beta_cdf_int(s3.upper, 26, 76), 0.975, 1e-10);
        ck_assert_uint_eq(s3.pulls, 100);
        ck_assert_double_eq_tol(s3.mean, 0.25, 1e-15);
        ck_assert_double_eq_tol(s3.estimate, 26.0 / 102, 1e-15);
        ck_assert_uint_eq(s1.pulls, 0);
        double pb = s0.prob_best + s1.prob_best + s2.prob_best + s3.prob_best;
        ck_assert_double_eq_tol(pb, 1.0, 1e-9);
        /* P(Beta(2,1) is largest) is the biggest; Beta(26, 76) is rarely above 0.5 */
        ck_assert(s0.prob_best > s1.prob_best && s1.prob_best > s2.prob_best);
        ck_assert(s3.prob_best < 0.05);
        otter_bandit_destroy(b);
    }
}
END_TEST

/* ab reports Beta statistics while rewards are 0/1, the normal approximation after a
 * fractional one; prob_best separates a clearly better arm. */
START_TEST(ab_stats_follow_the_rewards)
{
    otter_bandit *b = mk("ab", "", 2);
    int64_t now = 1000;
    double good[400], bad[400];
    for (int i = 0; i < 400; i++) {
        good[i] = i % 10 < 3; /* 0.3 */
        bad[i] = i % 10 < 2;  /* 0.2 */
    }
    feed(b, "a0", good, 400, &now);
    feed(b, "a1", bad, 400, &now);
    otter_arm_stats s0 = stats_of(b, 0), s1 = stats_of(b, 1);
    ck_assert_double_eq_tol(s0.estimate, 121.0 / 402, 1e-15);
    ck_assert(s0.prob_best > 0.99 && s1.prob_best < 0.01);
    const double frac = 0.5;
    feed(b, "a1", &frac, 1, &now);
    s1 = stats_of(b, 1);
    ck_assert_double_eq_tol(s1.estimate, s1.mean, 1e-15);
    ck_assert_double_eq_tol(s1.mean, 80.5 / 401, 1e-12);
    ck_assert(s1.lower < s1.mean && s1.upper > s1.mean);
    ck_assert_double_eq_tol((s1.upper - s1.lower) / 2 / 1.959963984540054,
                            sqrt((80.25 - 80.5 * 80.5 / 401) / 400 / 401), 1e-12);
    otter_bandit_destroy(b);
}
END_TEST

/* Gaussian Thompson on revenue-like rewards N(100 + 2 arm, 20^2), arm 2 best: without a
 * known sigma and with it. */
START_TEST(thompson_gaussian_finds_the_best_arm)
{
    static const char *const params[] = {"likelihood=gaussian,propensity_samples=0,reward_wait=1",
                                         "likelihood=gaussian,sigma=20,propensity_samples=0,"
                                         "reward_wait=1"};
    for (int k = 0; k < 2; k++) {
        otter_bandit *b = mk("thompson", params[k], 3);
        otter_decision d = OTTER_DECISION_INIT;
        otter_rng rng;
        otter_rng_seed(&rng, 91);
        long best = 0;
        int64_t now = 1000;
        for (int t = 0; t < 20000; t++) {
            int a = decide(b, ++now, &d);
            if (t >= 18000)
                best += a == 2;
            OK(otter_bandit_reward(b, d.event_id, 100 + 2 * a + 20 * otter_rng_normal(&rng), now,
                                   err));
        }
        printf("thompson %s: best arm %.4f of the last 2000\n", params[k], best / 2000.0);
        ck_assert_msg(best > 0.9 * 2000, "%s: %ld", params[k], best);
        otter_arm_stats s = stats_of(b, 2);
        ck_assert(s.lower < 104 && s.upper > 104 && s.prob_best > 0.9);
        otter_decision_free(&d);
        otter_bandit_destroy(b);
    }
}
END_TEST

/* ---- contract-style checks for these types ---- */

START_TEST(corrupt_blobs_rejected)
{
    const config *c = &CONFIGS[_i];
    otter_bandit *b = mk(c->type, c->params, 4), *r = NULL;
    otter_rng rng;
    otter_rng_seed(&rng, 101);
    otter_buf trace = OTTER_BUF_INIT, blob = OTTER_BUF_INIT;
    drive(b, c, 0, 60, &rng, &trace);
    OK(otter_bandit_remove_arm(b, "a1", err));
    OK(otter_bandit_encode(b, &blob, err));
    for (size_t n = 0; n < blob.len; n++) {
        otter_error e = {0};
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, blob.data, n);
        otter_status st = otter_bandit_decode(ctx, cut, n, &r, &e);
        free(cut);
        CHECK(st == OTTER_CORRUPT && r == NULL, "%s: truncated to %zu gave %s", c->type, n,
              otter_status_name(st));
    }
    for (int i = 0; i < 300; i++) {
        size_t pos = (size_t)otter_rng_below(&rng, blob.len);
        uint8_t bit = (uint8_t)(1u << otter_rng_below(&rng, 8));
        blob.data[pos] ^= bit;
        otter_error e = {0};
        CHECK(otter_bandit_decode(ctx, blob.data, blob.len, &r, &e) != OTTER_OK,
              "%s: flip at %zu accepted", c->type, pos);
        blob.data[pos] ^= bit;
    }
    OK(otter_bandit_decode(ctx, blob.data, blob.len, &r, err));
    otter_bandit_destroy(r);
    otter_buf_free(&blob);
    otter_buf_free(&trace);
    otter_bandit_destroy(b);
}
END_TEST

typedef struct keys {
    int n;
    char seen[512];
} keys;

static void key_num(void *ud, const char *key, double v)
{
    keys *k = ud;
    (void)v;
    k->n++;
    strncat(k->seen, key, sizeof k->seen - strlen(k->seen) - 2);
    strcat(k->seen, " ");
}

static void key_str(void *ud, const char *key, const char *v)
{
    (void)v;
    key_num(ud, key, 0);
}

START_TEST(describe_reports_policy_keys)
{
    static const struct {
        const char *type, *params, *key;
    } cases[] = {
        {"ucb1", "", "effective_rewards "},
        {"thompson", "", "likelihood "},
        {"thompson", "likelihood=gaussian", "noise_sd "},
        {"softmax", "", "tau "},
        {"exp3", "", "max_probability "},
        {"ab", "", "binary_rewards "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        otter_bandit *b = mk(cases[i].type, cases[i].params, 3);
        keys k = {0, ""};
        otter_kv_sink sink = {&k, key_num, key_str};
        otter_bandit_describe(b, &sink);
        ck_assert_msg(strstr(k.seen, cases[i].key), "%s: %s", cases[i].type, k.seen);
        ck_assert(otter_bandit_bytes(b) > 0);
        otter_bandit_destroy(b);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bandit_policies");
    TCase *tc = tcase_create("policies");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, thompson_converges_on_close_arms);
    tcase_add_test(tc, ucb1_converges_on_close_arms);
    tcase_add_test(tc, egreedy_explores_at_its_rate);
    tcase_add_test(tc, exact_propensities_match_frequencies);
    tcase_add_test(tc, thompson_estimates_match_frequencies);
    tcase_add_test(tc, ucb1_propensities_deterministic);
    tcase_add_test(tc, ab_sticky_weighted_and_stable);
    tcase_add_test(tc, ab_salt_and_new_arms);
    tcase_add_test(tc, exp3_beats_uniform_on_fixed_sequences);
    tcase_add_test(tc, discounted_and_windowed_recover_after_a_swap);
    tcase_add_loop_test(tc, round_trip_mid_stream, 0, (int)N_CONFIGS);
    tcase_add_loop_test(tc, same_event_id_same_decision, 0, (int)N_CONFIGS);
    tcase_add_test(tc, other_seed_other_decisions);
    tcase_add_test(tc, bad_params_named);
    tcase_add_loop_test(tc, bad_rewards_change_nothing, 0, (int)N_CONFIGS);
    tcase_add_loop_test(tc, arms_added_and_removed_mid_stream, 0, (int)N_CONFIGS);
    tcase_add_test(tc, thompson_and_ab_beta_intervals_exact);
    tcase_add_test(tc, ab_stats_follow_the_rewards);
    tcase_add_test(tc, thompson_gaussian_finds_the_best_arm);
    tcase_add_loop_test(tc, corrupt_blobs_rejected, 0, (int)N_CONFIGS);
    tcase_add_test(tc, describe_reports_policy_keys);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
