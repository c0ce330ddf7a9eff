/* `thompson`: Thompson sampling. Each candidate's mean reward gets one draw from its
 * posterior and the largest draw wins; the draws are the scores (a randomized ranking).
 *
 * likelihood=bernoulli (default): rewards in [0, 1] (others are rejected), arm a has
 * posterior Beta(prior_alpha + S_a, prior_beta + n_a - S_a) with S_a its reward sum and
 * n_a its count, so a fractional reward r counts as r successes and 1 - r failures.
 * The common `default_reward` must then be in [0, 1] too (or "none").
 *
 * likelihood=gaussian: any finite reward, modelled as N(mu_a, sigma_a^2) with a normal
 * prior on mu_a worth prior_n rewards, centred on the pooled mean of all rewards seen
 * (empirical Bayes, 0 before the first), so the prior follows the reward scale and a new
 * arm is drawn around what the others earn. Posterior:
 *   mu_a ~ N((prior_n * pooled_mean + S_a) / (prior_n + n_a), sigma_a^2 / (prior_n + n_a)).
 * sigma_a is `sigma` when it is set (known noise); otherwise estimated from the data as
 * (SS_a + 2 v) / (max(n_a - 1, 0) + 2), with SS_a the arm's sum of squared deviations
 * and v the pooled within-arm variance of all arms (1 until it is defined and > 0): an
 * arm's own variance once it has rewards, shrunk towards the common one while it has few.
 * The normal posterior with a plug-in variance is a documented approximation of the
 * Student-t one; it is what makes unknown-scale rewards (revenue, time) work unchanged.
 *
 * Propensities have no closed form, so they are estimated: `propensity_samples` more
 * joint draws from the same posteriors (the decision's RNG) are counted together with
 * the draw that made the decision, p_a = wins_a / (samples + 1). That is an unbiased
 * estimate from samples + 1 independent draws, it sums to 1, and the chosen arm's is at
 * least 1 / (samples + 1), so an inverse-propensity weight is never infinite.
 * propensity_samples=0 skips the extra draws: the propensity is then the one-draw
 * estimate (1 for the chosen arm, 0 for the others; still flagged as estimated) for
 * callers that do not use propensities and want the cheapest decision.
 *
 * arm_stats: the posterior mean, a 95% credible interval (exact Beta quantiles through
 * the inverse regularized incomplete beta function; mean +- 1.96 sd for gaussian) and
 * prob_best from 2000 joint posterior draws. `discount` and `window` (arms_int.h) make
 * the counts and sums discounted or windowed: discounted / sliding-window Thompson. */
#include <math.h>
#include <stdlib.h>

#include "bandits_int.h"
#include "policy_int.h"

enum {
    P_LIKELIHOOD,
    P_ALPHA,
    P_BETA,
    P_PRIOR_N,
    P_SIGMA,
    P_SAMPLES,
    P_DISCOUNT,
    P_WINDOW,
    P_COUNT
};

enum { BERNOULLI, GAUSSIAN };

static const otter_param_spec params[P_COUNT] = {
    {"likelihood", OTTER_PARAM_ENUM, "bernoulli", 0, 0, 0, "bernoulli|gaussian",
     "reward model: bernoulli (rewards in [0, 1], Beta posterior) or gaussian"},
    {"prior_alpha", OTTER_PARAM_DOUBLE, "1", 0, 1e9, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "bernoulli: prior successes of the Beta prior"},
    {"prior_beta", OTTER_PARAM_DOUBLE, "1", 0, 1e9, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "bernoulli: prior failures of the Beta prior"},
    {"prior_n", OTTER_PARAM_DOUBLE, "1", 0, 1e9, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "gaussian: weight of the prior (centred on the pooled mean) in rewards"},
    {"sigma", OTTER_PARAM_DOUBLE, "0", 0, 1e150, 0, NULL,
     "gaussian: known reward standard deviation (0: estimated from the rewards)"},
    {"propensity_samples", OTTER_PARAM_INT, "100", 0, 1000000, 0, NULL,
     "extra posterior draws that estimate the propensities (0: none, chosen arm gets 1)"},
    OTTER__ARMS_PARAMS,
};

#define STATS_DRAWS 2000

typedef struct thompson {
    int likelihood;
    double alpha0, beta0, prior_n, sigma;
    size_t samples;
    otter__arms arms;
} thompson;

/* The posterior of one arm: Beta(p, q) or N(p, q^2). */
typedef struct posterior {
    double p, q;
} posterior;

static otter_status ts_check(const otter_param_value *v, otter_error *err)
{
    return otter__arms_params_check(v[P_DISCOUNT].d, v[P_WINDOW].i, err);
}

static otter_status make(const otter_param_value *v, thompson **out, otter_error *err)
{
    thompson *t = calloc(1, sizeof *t);
    if (!t)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    t->likelihood = v[P_LIKELIHOOD].choice;
    t->alpha0 = v[P_ALPHA].d;
    t->beta0 = v[P_BETA].d;
    t->prior_n = v[P_PRIOR_N].d;
    t->sigma = v[P_SIGMA].d;
    t->samples = (size_t)v[P_SAMPLES].i;
    otter_status st = otter__arms_init(&t->arms, v[P_DISCOUNT].d, (size_t)v[P_WINDOW].i, err);
    if (st != OTTER_OK) {
        free(t);
        return st;
    }
    *out = t;
    return OTTER_OK;
}

static otter_status ts_create(const otter_param_value *v, size_t dim, void **self, otter_error *err)
{
    (void)dim;
    return make(v, (thompson **)self, err);
}

static otter_status ts_add(void *self, uint32_t slot, otter_error *err)
{
    return otter__arms_add(&((thompson *)self)->arms, slot, err);
}

static void ts_remove(void *self, uint32_t slot)
{
    otter__arms_remove(&((thompson *)self)->arms, slot);
}

/* Sum of squared deviations from the mean of n weighted rewards. */
static double sq_dev(double n, double s, double s2)
{
    double v = n > 0 ? s2 - s * s / n : 0.0;
    return v > 0 ? v : 0.0;
}

/* Gaussian: the pooled mean and within-arm variance of the live arms. */
static void pooled(const thompson *t, double *mean, double *var)
{
    double n_all = 0, s_all = 0, ss = 0, df = 0;
    for (size_t i = 0; i < t->arms.n_slots; i++) {
        if (!t->arms.a[i].live)
            continue;
        double n, s, s2;
        otter__arms_get(&t->arms, (uint32_t)i, &n, &s, &s2);
        n_all += n;
        s_all += s;
        ss += sq_dev(n, s, s2);
        df += n > 1 ? n - 1 : 0;
    }
    *mean = n_all > 0 ? s_all / n_all : 0.0;
    *var = df > 0 && ss > 0 ? ss / df : 1.0;
}

/* Posteriors of the given slots (all live). */
static void posteriors(const thompson *t, const uint32_t *slot, size_t n, posterior *out)
{
    double m0 = 0, v = 1;
    if (t->likelihood == GAUSSIAN && !(t->sigma > 0))
        pooled(t, &m0, &v);
    else if (t->likelihood == GAUSSIAN)
        pooled(t, &m0, &(double){0});
    for (size_t i = 0; i < n; i++) {
        double cnt, s, s2;
        otter__arms_get(&t->arms, slot[i], &cnt, &s, &s2);
        if (t->likelihood == BERNOULLI) {
            double succ = s > 0 ? s : 0.0, fail = cnt - s > 0 ? cnt - s : 0.0;
            out[i] = (posterior){t->alpha0 + succ, t->beta0 + fail};
            continue;
        }
        double var = t->sigma * t->sigma;
        if (!(t->sigma > 0))
            var = (sq_dev(cnt, s, s2) + 2.0 * v) / ((cnt > 1 ? cnt - 1 : 0) + 2.0);
        double w = t->prior_n + cnt;
        out[i] = (posterior){(t->prior_n * m0 + s) / w, sqrt(var / w)};
    }
}

static double draw(const thompson *t, const posterior *p, otter_rng *rng)
{
    if (t->likelihood == BERNOULLI)
        return otter_rng_beta(rng, p->p, p->q);
    return p->p + p->q * otter_rng_normal(rng);
}

/* One joint draw into v[0..n); returns the index of the largest (the first on ties). */
static size_t draw_all(const thompson *t, const posterior *post, size_t n, otter_rng *rng,
                       double *v)
{
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = draw(t, &post[i], rng);
        if (v[i] > v[best])
            best = i;
    }
    return best;
}

static otter_status ts_rank(const void *self, const otter_bandit_candidates *c,
                            otter_bandit_choice *out, otter_error *err)
{
    const thompson *t = self;
    otter_status st = otter__arms_check_candidates(&t->arms, c, "thompson", err);
    if (st != OTTER_OK)
        return st;
    posterior stack[32], *post = stack;
    double vstack[32], *v = vstack;
    if (c->n > 32) {
        post = malloc(c->n * sizeof *post);
        v = malloc(c->n * sizeof *v);
        if (!post || !v) {
            free(post);
            free(v);
            return otter_error_set(err, OTTER_NOMEM, "out of memory ranking");
        }
    }
    posteriors(t, c->slot, c->n, post);
    out->chosen = draw_all(t, post, c->n, c->rng, out->score);
    for (size_t i = 0; i < c->n; i++)
        out->prob[i] = i == out->chosen;
    for (size_t m = 0; m < t->samples; m++)
        out->prob[draw_all(t, post, c->n, c->rng, v)] += 1.0;
    for (size_t i = 0; i < c->n; i++)
        out->prob[i] /= (double)(t->samples + 1);
    out->prob_estimated = 1;
    if (post != stack) {
        free(post);
        free(v);
    }
    return OTTER_OK;
}

static otter_status ts_update(void *self, uint32_t slot, const double *x, double reward,
                              double propensity, otter_error *err)
{
    (void)x;
    (void)propensity;
    thompson *t = self;
    if (!otter__arms_live(&t->arms, slot))
        return otter_error_set(err, OTTER_INTERNAL, "thompson: arm slot %u has no statistics",
                               (unsigned)slot);
    if (t->likelihood == BERNOULLI && !(reward >= 0 && reward <= 1))
        return otter_error_set(err, OTTER_INVALID,
                               "thompson with likelihood=bernoulli needs rewards in [0, 1], got %g",
                               reward);
    otter__arms_update(&t->arms, slot, reward);
    return OTTER_OK;
}

static otter_status ts_encode(const void *self, otter_buf *out, otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__arms_encode(&((const thompson *)self)->arms, &w);
    return w.st;
}

/* A Bernoulli posterior needs every reward in [0, 1]: 0 <= S_a <= n_a. */
static int sums_fit(const thompson *t)
{
    if (t->likelihood != BERNOULLI)
        return 1;
    for (size_t i = 0; i < t->arms.n_slots; i++) {
        const otter__arm *a = &t->arms.a[i];
        double eps = 1e-9 * (1.0 + a->n);
        if (!(a->s >= -eps && a->s <= a->n + eps && a->total >= 0 &&
              a->total <= (double)a->pulls + 1e-9 * (1.0 + (double)a->pulls)))
            return 0;
    }
    for (size_t i = 0; i < t->arms.len; i++)
        if (!(t->arms.ring_val[i] >= 0 && t->arms.ring_val[i] <= 1))
            return 0;
    return 1;
}

static otter_status ts_decode(const otter_param_value *v, size_t dim, uint16_t version,
                              const uint8_t *p, size_t len, void **self, otter_error *err)
{
    (void)dim;
    (void)version;
    thompson *t = NULL;
    otter_status st = make(v, &t, err);
    if (st != OTTER_OK)
        return st;
    otter__rd r;
    otter__rd_init(&r, p, len);
    st = otter__arms_decode(&t->arms, &r, err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = otter_error_set(err, OTTER_CORRUPT, "thompson state: truncated or extra bytes");
    if (st == OTTER_OK && !sums_fit(t))
        st = otter_error_set(err, OTTER_CORRUPT,
                             "thompson state: reward sums outside [0, 1] per reward");
    if (st != OTTER_OK) {
        otter__arms_free(&t->arms);
        free(t);
        return st;
    }
    *self = t;
    return OTTER_OK;
}

static void ts_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                     otter_arm_stats *out)
{
    const thompson *t = self;
    posterior *post = malloc((n ? n : 1) * sizeof *post);
    double *a = malloc((n ? n : 1) * 2 * sizeof *a);
    int ok = post && a;
    for (size_t i = 0; ok && i < n; i++)
        ok = otter__arms_live(&t->arms, slot[i]);
    if (!ok) { /* out of memory or inconsistent state: nothing to report */
        for (size_t i = 0; i < n; i++)
            out[i] = (otter_arm_stats){0, NAN, NAN, NAN, NAN, NAN, NAN};
        free(post);
        free(a);
        return;
    }
    for (size_t i = 0; i < n; i++)
        otter__arms_stats(&t->arms, slot[i], &out[i]);
    posteriors(t, slot, n, post);
    for (size_t i = 0; i < n; i++) {
        a[i] = post[i].p;
        a[n + i] = post[i].q;
    }
    if (t->likelihood == BERNOULLI)
        otter__beta_stats(a, a + n, n, rng, STATS_DRAWS, out);
    else
        otter__normal_stats(a, a + n, n, rng, STATS_DRAWS, out);
    free(post);
    free(a);
}

static void ts_describe(const void *self, const otter_kv_sink *sink)
{
    const thompson *t = self;
    if (sink->str)
        sink->str(sink->ud, "likelihood", t->likelihood == BERNOULLI ? "bernoulli" : "gaussian");
    if (!sink->num)
        return;
    sink->num(sink->ud, "propensity_samples", (double)t->samples);
    if (t->likelihood == GAUSSIAN) {
        double m, v;
        pooled(t, &m, &v);
        sink->num(sink->ud, "pooled_mean", m);
        sink->num(sink->ud, "noise_sd", t->sigma > 0 ? t->sigma : sqrt(v));
    }
}

static size_t ts_bytes(const void *self)
{
    return sizeof(thompson) + otter__arms_bytes(&((const thompson *)self)->arms);
}

static void ts_destroy(void *self)
{
    thompson *t = self;
    otter__arms_free(&t->arms);
    free(t);
}

const otter_bandit_type otter__bandit_thompson = {
    .abi = OTTER_BANDIT_ABI,
    .name = "thompson",
    .summary = "Thompson sampling (Beta-Bernoulli or Gaussian posteriors); propensities "
               "estimated by posterior sampling",
    .state_version = 1,
    .params = params,
    .n_params = P_COUNT,
    .contextual = 0,
    .check = ts_check,
    .create = ts_create,
    .add_arm = ts_add,
    .remove_arm = ts_remove,
    .rank = ts_rank,
    .update = ts_update,
    .encode = ts_encode,
    .decode = ts_decode,
    .arm_stats = ts_stats,
    .describe = ts_describe,
    .bytes = ts_bytes,
    .destroy = ts_destroy,
};
