/* Off-policy evaluation (otter_ope) and the CLI's decision-log reader.
 *
 * Logs are simulated here with known Bernoulli reward rates and a known logging
 * distribution, so every candidate's true value is known in closed form. Candidates:
 * epsilon-greedy with epsilon = 1 (uniform: the mean rate), and `fixed-arm`, a policy
 * this file registers that always chooses one arm (the value of that arm's rate) --
 * the same role `ab` with weights 0,1,0 plays once that policy exists. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/log_int.h"
#include "test_util.h"

/* ---- fixed-arm: a deterministic test policy (always the arm in slot `arm`) ---- */

static const otter_param_spec fixed_params[] = {
    {"arm", OTTER_PARAM_INT, "0", 0, 1e6, 0, NULL, "slot of the arm always chosen"},
};

static otter_status fx_create(const otter_param_value *v, size_t dim, void **self, otter_error *err)
{
    (void)dim;
    long long *arm = malloc(sizeof *arm);
    if (!arm)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    *arm = v[0].i;
    *self = arm;
    return OTTER_OK;
}

static otter_status fx_add(void *self, uint32_t slot, otter_error *err)
{
    (void)self, (void)slot, (void)err;
    return OTTER_OK;
}

static void fx_remove(void *self, uint32_t slot)
{
    (void)self, (void)slot;
}

static otter_status fx_rank(const void *self, const otter_bandit_candidates *c,
                            otter_bandit_choice *out, otter_error *err)
{
    (void)err;
    out->chosen = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->slot[i] == (uint32_t) * (const long long *)self)
            out->chosen = i;
    for (size_t i = 0; i < c->n; i++)
        out->score[i] = out->prob[i] = i == out->chosen;
    return OTTER_OK;
}

static otter_status fx_update(void *self, uint32_t slot, const double *x, double reward,
                              double propensity, otter_error *err)
{
    (void)self, (void)slot, (void)x, (void)reward, (void)propensity, (void)err;
    return OTTER_OK;
}

static otter_status fx_encode(const void *self, otter_buf *out, otter_error *err)
{
    (void)self, (void)out, (void)err;
    return OTTER_OK;
}

static otter_status fx_decode(const otter_param_value *v, size_t dim, uint16_t version,
                              const uint8_t *p, size_t len, void **self, otter_error *err)
{
    (void)version, (void)p, (void)len;
    return fx_create(v, dim, self, err);
}

static void fx_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                     otter_arm_stats *out)
{
    (void)self, (void)slot, (void)rng;
    for (size_t i = 0; i < n; i++)
        out[i] = (otter_arm_stats){0, 0, NAN, NAN, NAN, NAN, NAN};
}

static const otter_bandit_type fixed_arm = {
    .abi = OTTER_BANDIT_ABI,
    .name = "fixed-arm",
    .summary = "test policy: always the same arm",
    .state_version = 1,
    .params = fixed_params,
    .n_params = 1,
    .create = fx_create,
    .add_arm = fx_add,
    .remove_arm = fx_remove,
    .rank = fx_rank,
    .update = fx_update,
    .encode = fx_encode,
    .decode = fx_decode,
    .arm_stats = fx_stats,
    .destroy = free,
};

static otter_context *make_ctx(void)
{
    otter_context *ctx;
    OK(otter_context_create(&ctx, err));
    OK(otter_context_register_bandit(ctx, &fixed_arm, err));
    return ctx;
}

/* ---- simulated logs ---- */

static const char *const ARMS[] = {"a", "b", "c"};

/* A context-free logger over 3 arms: arm a drawn with probability probs[a], reward
 * Bernoulli(rates[a]). */
typedef struct logger {
    const double *rates, *probs;
} logger;

static size_t draw_arm(otter_rng *rng, const double *probs)
{
    double u = otter_rng_uniform(rng), c = 0;
    for (size_t a = 0; a < 2; a++)
        if (u < (c += probs[a]))
            return a;
    return 2;
}

static otter_ope *make_ope(otter_context *ctx, const char *policy, const char *params, double floor,
                           uint64_t seed)
{
    otter_params *p = test_params(params);
    otter_ope_options o = {policy, p, ARMS, 3, floor, NULL, seed};
    otter_ope *ope = NULL;
    OK(otter_ope_create(ctx, &o, &ope, err));
    otter_params_destroy(p);
    return ope;
}

/* Replays n events of the logger (seeded) into a new evaluation; returns it. */
static otter_ope *evaluate(otter_context *ctx, const char *policy, const char *params,
                           const logger *lg, size_t n, uint64_t seed, double floor)
{
    otter_ope *ope = make_ope(ctx, policy, params, floor, seed);
    otter_rng rng;
    otter_rng_seed(&rng, seed * 7919 + 3);
    for (size_t i = 0; i < n; i++) {
        size_t a = draw_arm(&rng, lg->probs);
        double r = otter_rng_uniform(&rng) < lg->rates[a] ? 1.0 : 0.0;
        otter_ope_event ev = {NULL, ARMS[a], lg->probs[a], r};
        OK(otter_ope_add(ope, &ev, err));
    }
    return ope;
}

static int covers(const otter_ope_estimate *e, double truth)
{
    return e->lower <= truth && truth <= e->upper;
}

/* IPS, SNIPS and DR each cover the true value in >= 90% of 50 seeded repetitions
 * (nominally 95%), and their point estimates average close to it. */
static void check_coverage(const char *policy, const char *params, const logger *lg, size_t n,
                           double truth)
{
    otter_context *ctx = make_ctx();
    int cov[3] = {0, 0, 0};
    double sum[3] = {0, 0, 0};
    for (uint64_t rep = 1; rep <= 50; rep++) {
        otter_ope *ope = evaluate(ctx, policy, params, lg, n, rep, 0);
        otter_ope_result res;
        otter_ope_summarize(ope, &res);
        const otter_ope_estimate *e[3] = {&res.ips, &res.snips, &res.dr};
        for (int i = 0; i < 3; i++) {
            ck_assert_msg(e[i]->se > 0 && e[i]->lower < e[i]->upper, "estimator %d: no interval",
                          i);
            cov[i] += covers(e[i], truth);
            sum[i] += e[i]->value;
        }
        otter_ope_destroy(ope);
    }
    const char *names[3] = {"IPS", "SNIPS", "DR"};
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(cov[i] >= 45, "%s %s: covered %g in %d/50 runs", policy, names[i], truth,
                      cov[i]);
        ck_assert_msg(fabs(sum[i] / 50 - truth) < 0.02, "%s %s: mean estimate %g, truth %g", policy,
                      names[i], sum[i] / 50, truth);
    }
    otter_context_destroy(ctx);
}

static const double RATES[] = {0.2, 0.5, 0.7};
static const double UNIFORM[] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
static const double SKEWED[] = {0.6, 0.3, 0.1};

START_TEST(test_uniform_candidate_covers)
{
    logger lg = {RATES, UNIFORM};
    check_coverage("epsilon-greedy", "epsilon=1", &lg, 2000, (0.2 + 0.5 + 0.7) / 3);
}
END_TEST

START_TEST(test_fixed_arm_covers_uniform_log)
{
    logger lg = {RATES, UNIFORM};
    check_coverage("fixed-arm", "arm=1", &lg, 2000, 0.5);
}
END_TEST

START_TEST(test_fixed_arm_covers_skewed_log)
{
    /* the candidate's arm is the one the logger shows least (weights of 10) */
    logger lg = {RATES, SKEWED};
    check_coverage("fixed-arm", "arm=2", &lg, 4000, 0.7);
    check_coverage("epsilon-greedy", "epsilon=1", &lg, 4000, (0.2 + 0.5 + 0.7) / 3);
}
END_TEST

/* Weights, ESS, zero-probability events and the variance ordering on one long log. */
START_TEST(test_diagnostics)
{
    otter_context *ctx = make_ctx();
    logger lg = {RATES, UNIFORM};
    size_t n = 6000;
    otter_ope *ope = evaluate(ctx, "fixed-arm", "arm=1", &lg, n, 42, 0);
    otter_ope_result res;
    otter_ope_summarize(ope, &res);
    ck_assert_uint_eq(res.events, n);
    /* w is 3 on the ~n/3 events that logged arm b, else 0 */
    ck_assert_double_eq_tol(res.max_weight, 3.0, 1e-12);
    double hits = (double)(n - res.zero_prob);
    ck_assert(fabs(hits - n / 3.0) < 4 * sqrt(n * 2.0 / 9));
    ck_assert_double_eq_tol(res.ess, hits, 1e-6 * hits);
    ck_assert_double_eq_tol(res.mean_weight, 3.0 * hits / n, 1e-12);
    /* SNIPS is the mean reward of those events; DR's model removes most variance */
    ck_assert(res.snips.se < res.ips.se);
    ck_assert_msg(res.dr.se < 0.8 * res.ips.se, "dr se %g, ips se %g", res.dr.se, res.ips.se);
    ck_assert_double_eq_tol(res.logged_value, 0.4667, 0.03);
    ck_assert_uint_eq(res.estimated_prob, 0);
    /* the replay's event handling is set; the caller's other parameters are kept */
    const char *text = otter_bandit_params_text(otter_ope_candidate(ope));
    ck_assert_ptr_nonnull(strstr(text, "reward_wait=1\n"));
    ck_assert_ptr_nonnull(strstr(text, "default_reward=none\n"));
    ck_assert_ptr_nonnull(strstr(text, "arm=1\n"));
    otter_ope_destroy(ope);
    otter_context_destroy(ctx);
}
END_TEST

/* A learning candidate learns from the events whose logged arm it drew: about n/K of
 * a uniform log, and it finds the best arm. */
START_TEST(test_learning_replay)
{
    otter_context *ctx = make_ctx();
    const double rates[] = {0.2, 0.5, 0.8};
    logger lg = {rates, UNIFORM};
    size_t n = 6000;
    otter_ope *ope = evaluate(ctx, "epsilon-greedy", "epsilon=0.1,seed=5", &lg, n, 9, 1.0 / 3);
    otter_ope_result res;
    otter_ope_summarize(ope, &res);
    ck_assert_msg(res.accepted > 1800 && res.accepted < 2200, "accepted %llu of %zu",
                  (unsigned long long)res.accepted, n);
    ck_assert_msg(res.replay.value > 0.7, "replay value %g", res.replay.value);
    ck_assert_msg(res.ips.value > 0.65 && res.dr.value > 0.65, "ips %g dr %g", res.ips.value,
                  res.dr.value);
    /* what the candidate learned from is exactly the accepted events */
    const otter_bandit *cand = otter_ope_candidate(ope);
    uint64_t pulls = 0;
    for (size_t a = 0; a < 3; a++) {
        otter_arm_stats s;
        OK(otter_bandit_arm_stats(cand, a, &s, err));
        pulls += s.pulls;
    }
    ck_assert_uint_eq(pulls, res.accepted);
    otter_ope_destroy(ope);
    otter_context_destroy(ctx);
}
END_TEST

static void accepted_per_arm(otter_ope *ope, uint64_t *pulls)
{
    for (size_t a = 0; a < 3; a++) {
        otter_arm_stats s;
        OK(otter_bandit_arm_stats(otter_ope_candidate(ope), a, &s, err));
        pulls[a] = s.pulls;
    }
}

/* On a skewed log the floor makes the accepted arms follow the candidate's own
 * (uniform) probabilities; without it they follow logger x candidate. */
START_TEST(test_accept_floor)
{
    otter_context *ctx = make_ctx();
    logger lg = {RATES, SKEWED};
    size_t n = 30000;
    uint64_t p[3];
    otter_ope *ope = evaluate(ctx, "epsilon-greedy", "epsilon=1", &lg, n, 3, 0.1);
    accepted_per_arm(ope, p);
    for (size_t a = 0; a < 3; a++) /* n * 0.1 / 3 = 1000 each, sd about 31 */
        ck_assert_msg(p[a] > 850 && p[a] < 1150, "floor 0.1: arm %zu accepted %llu", a,
                      (unsigned long long)p[a]);
    otter_ope_destroy(ope);
    ope = evaluate(ctx, "epsilon-greedy", "epsilon=1", &lg, n, 3, 0);
    accepted_per_arm(ope, p); /* n * 0.6 / 3 = 6000 vs n * 0.1 / 3 = 1000 */
    ck_assert_msg(p[0] > 5 * p[2], "floor 0: accepted %llu vs %llu", (unsigned long long)p[0],
                  (unsigned long long)p[2]);
    otter_ope_destroy(ope);
    otter_context_destroy(ctx);
}
END_TEST

/* With a context the reward model is a per-arm linreg: rewards theta_a . x + noise,
 * and DR's standard error comes close to the one a perfect model would give. */
START_TEST(test_contextual_dr)
{
    otter_context *ctx = make_ctx();
    const double theta[3][4] = {{1, 0, 0, 0.5}, {0, 1, -1, 0}, {-1, 0.5, 0, 1}};
    otter_ope *ope = make_ope(ctx, "fixed-arm", "arm=0", 0, 1);
    otter_instance *x;
    OK(otter_instance_create(&x, err));
    otter_rng rng;
    otter_rng_seed(&rng, 11);
    for (size_t i = 0; i < 8000; i++) {
        double v[4];
        otter_instance_clear(x);
        for (size_t j = 0; j < 4; j++) {
            char name[8];
            snprintf(name, sizeof name, "x%zu", j);
            v[j] = otter_rng_normal(&rng);
            OK(otter_instance_num(x, NULL, name, v[j], err));
        }
        size_t a = otter_rng_below(&rng, 3);
        double r = 0.1 * otter_rng_normal(&rng);
        for (size_t j = 0; j < 4; j++)
            r += theta[a][j] * v[j];
        otter_ope_event ev = {x, ARMS[a], 1.0 / 3, r};
        OK(otter_ope_add(ope, &ev, err));
    }
    otter_ope_result res;
    otter_ope_summarize(ope, &res);
    /* the true value of always-arm-0 is E[theta_0 . x] = 0 */
    ck_assert_msg(covers(&res.dr, 0.0) && covers(&res.ips, 0.0), "dr %g +- %g, ips %g +- %g",
                  res.dr.value, res.dr.se, res.ips.value, res.ips.se);
    /* With a perfect model a DR term is theta_0 . x + 3 noise on arm-0 events: variance
     * |theta_0|^2 + 3 * 0.01, against IPS's 3 E[r^2 | a = 0] = 3 (1.25 + 0.01). */
    double ideal = sqrt((1.25 + 0.03) / 8000);
    ck_assert_msg(res.dr.se < 1.1 * ideal && res.dr.se < 0.65 * res.ips.se,
                  "dr se %g (ideal %g), ips se %g", res.dr.se, ideal, res.ips.se);
    otter_instance_destroy(x);
    otter_ope_destroy(ope);
    otter_context_destroy(ctx);
}
END_TEST

START_TEST(test_bad_events)
{
    otter_context *ctx = make_ctx();
    otter_ope *ope = make_ope(ctx, "epsilon-greedy", "", 0, 1);
    const otter_ope_event bad[] = {
        {NULL, "a", 0.0, 1},   {NULL, "a", 1.5, 1},        {NULL, "a", -0.2, 1},
        {NULL, "a", NAN, 1},   {NULL, "z", 0.5, 1},        {NULL, NULL, 0.5, 1},
        {NULL, "a", 0.5, NAN}, {NULL, "a", 0.5, INFINITY},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        otter_error e = {0};
        ck_assert_int_eq(otter_ope_add(ope, &bad[i], &e), OTTER_INVALID);
        ck_assert(strlen(e.message) > 0);
    }
    otter_error e = {0};
    otter_ope_add(ope, &bad[0], &e);
    ck_assert_ptr_nonnull(strstr(e.message, "propensity"));
    otter_ope_result res;
    otter_ope_summarize(ope, &res);
    ck_assert_uint_eq(res.events, 0);
    ck_assert(isnan(res.ips.value) && isnan(res.snips.value) && isnan(res.dr.value));
    otter_ope_event good = {NULL, "c", 1.0, 1};
    OK(otter_ope_add(ope, &good, err));
    otter_ope_summarize(ope, &res);
    ck_assert_uint_eq(res.events, 1);
    ck_assert(isnan(res.ips.se));
    otter_ope_destroy(ope);
    otter_context_destroy(ctx);
}
END_TEST

START_TEST(test_bad_options)
{
    otter_context *ctx = make_ctx();
    const char *dup[] = {"a", "b", "a"};
    struct {
        otter_ope_options o;
        otter_status want;
        const char *word;
    } cases[] = {
        {{"epsilon-greedy", NULL, ARMS, 0, 0, NULL, 1}, OTTER_INVALID, "arms"},
        {{"epsilon-greedy", NULL, NULL, 3, 0, NULL, 1}, OTTER_INVALID, "arms"},
        {{"epsilon-greedy", NULL, dup, 3, 0, NULL, 1}, OTTER_INVALID, "twice"},
        {{"epsilon-greedy", NULL, ARMS, 3, -0.1, NULL, 1}, OTTER_INVALID, "accept_floor"},
        {{"epsilon-greedy", NULL, ARMS, 3, 1.5, NULL, 1}, OTTER_INVALID, "accept_floor"},
        {{"epsilon-greedy", NULL, ARMS, 3, NAN, NULL, 1}, OTTER_INVALID, "accept_floor"},
        {{"no-such-policy", NULL, ARMS, 3, 0, NULL, 1}, OTTER_NOT_FOUND, "no-such-policy"},
        {{NULL, NULL, ARMS, 3, 0, NULL, 1}, OTTER_INVALID, "policy"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        otter_error e = {0};
        otter_ope *ope = NULL;
        ck_assert_int_eq(otter_ope_create(ctx, &cases[i].o, &ope, &e), cases[i].want);
        ck_assert_ptr_null(ope);
        ck_assert_msg(strstr(e.message, cases[i].word), "case %zu: '%s'", i, e.message);
    }
    /* a bad candidate parameter and a bad reward-model parameter */
    otter_params *p = test_params("epsilon=2");
    otter_ope_options o = {"epsilon-greedy", p, ARMS, 3, 0, NULL, 1};
    otter_error e = {0};
    otter_ope *ope = NULL;
    ck_assert_int_eq(otter_ope_create(ctx, &o, &ope, &e), OTTER_INVALID);
    ck_assert_ptr_nonnull(strstr(e.message, "epsilon"));
    otter_params_destroy(p);
    p = test_params("bits=99");
    o.params = NULL;
    o.model_params = p;
    otter_error_clear(&e);
    ck_assert_int_eq(otter_ope_create(ctx, &o, &ope, &e), OTTER_INVALID);
    ck_assert_ptr_nonnull(strstr(e.message, "reward model"));
    otter_params_destroy(p);
    otter_ope_destroy(NULL);
    otter_context_destroy(ctx);
}
END_TEST

/* ---- the decision-log reader ---- */

static FILE *text_file(const char *text)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    rewind(f);
    return f;
}

START_TEST(test_log_reader_reads)
{
    FILE *f = text_file("{\"event\":\"e1\",\"arm\":\"arm2\",\"propensity\":0.25,\"reward\":1,"
                        "\"x0\":0.5,\"u\":{\"y\":2},\"color\":\"red\",\"_meta\":3}\n"
                        "\n"
                        "{\"arm\":3,\"reward\":0,\"propensity\":1,\"event\":17}\n");
    otter__log_reader *r;
    OK(otter__log_open(f, NULL, &r, err));
    otter__log_event ev;
    int eof;
    OK(otter__log_next(r, &ev, &eof, err));
    ck_assert(!eof);
    ck_assert_str_eq(ev.arm, "arm2");
    ck_assert_str_eq(ev.event, "e1");
    ck_assert_double_eq(ev.propensity, 0.25);
    ck_assert_double_eq(ev.reward, 1);
    ck_assert_uint_eq(ev.line, 1);
    ck_assert_uint_eq(otter_instance_size(ev.context), 3); /* x0, u.y, color */
    otter_feature ft;
    OK(otter_instance_feature(ev.context, 1, &ft, err));
    ck_assert_str_eq(ft.ns, "u");
    ck_assert_str_eq(ft.name, "y");
    OK(otter_instance_feature(ev.context, 2, &ft, err));
    ck_assert_str_eq(ft.category, "red");
    OK(otter__log_next(r, &ev, &eof, err));
    ck_assert_str_eq(ev.arm, "3");
    ck_assert_str_eq(ev.event, "17");
    ck_assert_uint_eq(ev.line, 3);
    ck_assert_uint_eq(otter_instance_size(ev.context), 0);
    OK(otter__log_next(r, &ev, &eof, err));
    ck_assert(eof);
    otter__log_close(r);
    fclose(f);

    f = text_file("x0,arm,propensity,reward\n0.5,7,0.5,0\n1.5,b,0.5,1\n");
    OK(otter__log_open(f, "csv", &r, err));
    OK(otter__log_next(r, &ev, &eof, err));
    ck_assert_str_eq(ev.arm, "7");
    ck_assert_str_eq(ev.event, "");
    ck_assert_uint_eq(otter_instance_size(ev.context), 1);
    OK(otter__log_next(r, &ev, &eof, err));
    ck_assert_str_eq(ev.arm, "b");
    ck_assert_uint_eq(ev.line, 3);
    otter__log_close(r);
    fclose(f);
}
END_TEST

/* Every malformed line is an OTTER_PARSE naming its line and what is wrong, and the
 * reader goes on with the next line. */
START_TEST(test_log_reader_errors)
{
    static const struct {
        const char *line, *word;
    } bad[] = {
        {"{\"arm\":\"a\",\"propensity\":0,\"reward\":1}", "propensity"},
        {"{\"arm\":\"a\",\"propensity\":1.5,\"reward\":1}", "propensity"},
        {"{\"arm\":\"a\",\"propensity\":-1,\"reward\":1}", "propensity"},
        {"{\"arm\":\"a\",\"propensity\":\"0.5\",\"reward\":1}", "propensity"},
        {"{\"arm\":\"a\",\"reward\":1}", "propensity"},
        {"{\"propensity\":0.5,\"reward\":1}", "arm"},
        {"{\"arm\":\"\",\"propensity\":0.5,\"reward\":1}", "arm"},
        {"{\"arm\":\"a\",\"propensity\":0.5}", "reward"},
        {"{\"arm\":\"a\",\"propensity\":0.5,\"reward\":\"x\"}", "reward"},
        {"{\"arm\":\"a\",\"propensity\":0.5,\"reward\":null}", "reward"},
        {"{\"arm\":\"a\",\"propensity\":0.5,\"reward\":1,\"x\":[1]}", "x"},
        {"{\"arm\":\"a\",\"propensity\":0.5,\"reward\":1", "JSON"},
        {"[1,2]", "object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"arm\":\"a\",\"propensity\":0.5,\"reward\":1}\n%s\n"
                 "{\"arm\":\"b\",\"propensity\":0.5,\"reward\":0}\n",
                 bad[i].line);
        FILE *f = text_file(text);
        otter__log_reader *r;
        OK(otter__log_open(f, "jsonl", &r, err));
        otter__log_event ev;
        int eof;
        OK(otter__log_next(r, &ev, &eof, err));
        otter_error e = {0};
        ck_assert_int_eq(otter__log_next(r, &ev, &eof, &e), OTTER_PARSE);
        ck_assert_msg(strncmp(e.message, "line 2: ", 8) == 0 && strstr(e.message, bad[i].word),
                      "case %zu: '%s'", i, e.message);
        OK(otter__log_next(r, &ev, &eof, err));
        ck_assert(!eof);
        ck_assert_str_eq(ev.arm, "b");
        otter__log_close(r);
        fclose(f);
    }
    FILE *f = text_file("x0,propensity,reward\n1,0.5,1\n");
    otter__log_reader *r = NULL;
    otter_error e = {0};
    ck_assert_int_eq(otter__log_open(f, "csv", &r, &e), OTTER_PARSE);
    ck_assert_ptr_nonnull(strstr(e.message, "'arm'"));
    fclose(f);
    otter_error_clear(&e);
    ck_assert_int_eq(otter__log_open(stdin, "vw", &r, &e), OTTER_INVALID);
}
END_TEST

static Suite *ope_suite(void)
{
    Suite *s = suite_create("ope");
    TCase *tc = tcase_create("estimators");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_uniform_candidate_covers);
    tcase_add_test(tc, test_fixed_arm_covers_uniform_log);
    tcase_add_test(tc, test_fixed_arm_covers_skewed_log);
    tcase_add_test(tc, test_diagnostics);
    tcase_add_test(tc, test_learning_replay);
    tcase_add_test(tc, test_accept_floor);
    tcase_add_test(tc, test_contextual_dr);
    tcase_add_test(tc, test_bad_events);
    tcase_add_test(tc, test_bad_options);
    suite_add_tcase(s, tc);
    TCase *io = tcase_create("log reader");
    tcase_add_test(io, test_log_reader_reads);
    tcase_add_test(io, test_log_reader_errors);
    suite_add_tcase(s, io);
    return s;
}

int main(void)
{
    return run_suite(ope_suite());
}
