/* `lints`: linear Thompson sampling (Agrawal and Goyal 2013, "Thompson sampling for
 * contextual bandits with linear payoffs"). Each model's posterior is
 * N(theta, v^2 A^{-1}) (lin_int.h); a decision draws theta~ = theta + v L^{-T} z,
 * z ~ N(0, I), from the decision's RNG (one draw per arm with disjoint models, one
 * draw for all candidates with shared = 1) and chooses the candidate with the largest
 * theta~ . x.
 *
 * How it is drawn: theta~ matters only through theta~ . x = theta . x + v z . u with
 * u = L^{-1} x. With disjoint models each arm has its own z, so z . u is exactly
 * N(0, ||u||^2) and independent across candidates: one standard normal per candidate,
 * scaled by v ||u||, is the same distribution of decisions as the d-dimensional draw
 * at a fraction of the cost. With a shared model the d normals of z are drawn and
 * dotted with every candidate's u (the scores are correlated through z).
 *
 * The scale v: the paper's analysis uses v = R sqrt(24 d ln(1/delta) / epsilon) (R the
 * noise level), which explores far more than needed in practice; the default 0.5 is a
 * practical setting for rewards of unit scale, v = 0 gives the greedy policy.
 *
 * Scores are the decision draw's sampled values (so the chosen arm ranks first).
 * Propensities are estimated by Monte Carlo (prob_estimated = 1): the decision draw and
 * propensity_samples - 1 more draws from the same RNG, each giving every candidate
 * tied for the largest sampled value 1 / |ties| of a win; the probability is wins over
 * draws, so the chosen arm's is at least 1 / propensity_samples and never 0. Exact
 * ties (v = 0, or an unlearned model) in the decision draw are broken uniformly.
 *
 * Arm statistics: the interval of theta . xbar is +- 1.96 v sqrt(xbar^T A^{-1} xbar),
 * the posterior's own 95% interval. */
#include <math.h>
#include <stdlib.h>

#include "bandits_int.h"
#include "core/chol_int.h"
#include "lin_int.h"

enum { P_V = OTTER__LIN_NPARAMS, P_SAMPLES, P_COUNT };

static const otter_param_spec params[P_COUNT] = {
    OTTER__LIN_PARAMS,
    {"v", OTTER_PARAM_DOUBLE, "0.5", 0, 1e6, 0, NULL,
     "posterior scale: theta is drawn from N(theta_hat, v^2 A^-1) (0: greedy)"},
    {"propensity_samples", OTTER_PARAM_INT, "100", 1, 100000, 0, NULL,
     "Monte Carlo draws (the decision's included) that estimate the propensities"},
};

typedef struct lints {
    otter__lin lin; /* first: the shared methods take the policy as an otter__lin */
    double v;
    size_t samples;
} lints;

/* A rank call's per-candidate numbers: mean theta . x, and the spread: v ||u|| per
 * candidate (disjoint) or u = L^{-1} x (d per candidate, shared); plus a draw's
 * scores and the shared z. */
typedef struct draw_ctx {
    const lints *p;
    otter_rng *rng;
    size_t n;
    double *mean, *sd, *u, *z, *alt;
} draw_ctx;

static otter_status ts_create(const otter_param_value *v, size_t dim, void **self, otter_error *err)
{
    lints *p = malloc(sizeof *p);
    if (!p)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    otter_status st = otter__lin_init(&p->lin, v, dim, err);
    if (st != OTTER_OK) {
        free(p);
        return st;
    }
    p->v = v[P_V].d;
    p->samples = (size_t)v[P_SAMPLES].i;
    *self = p;
    return OTTER_OK;
}

/* One posterior draw of every candidate's value into score; returns the best value
 * and sets *n_best to the number of candidates that reach it. */
static double draw(const draw_ctx *c, double *score, size_t *n_best)
{
    const otter__lin *s = &c->p->lin;
    size_t d = s->d;
    if (s->shared)
        for (size_t j = 0; j < d; j++)
            c->z[j] = otter_rng_normal(c->rng);
    double best = -INFINITY;
    *n_best = 0;
    for (size_t i = 0; i < c->n; i++) {
        double v = s->shared ? c->mean[i] + c->p->v * otter__dot(d, c->z, c->u + i * d)
                             : c->mean[i] + c->sd[i] * otter_rng_normal(c->rng);
        if (isnan(v))
            v = -INFINITY;
        score[i] = v;
        if (v > best || *n_best == 0) {
            best = v;
            *n_best = 1;
        } else if (v == best) {
            (*n_best)++;
        }
    }
    return best;
}

/* Gives each candidate tied at best 1 / n_best of a win. */
static void credit(const double *score, size_t n, double best, size_t n_best, double *wins)
{
    for (size_t i = 0; i < n; i++)
        if (score[i] == best)
            wins[i] += 1.0 / (double)n_best;
}

/* Fills mean, and sd or u, for every candidate. */
static otter_status prepare(const draw_ctx *c, const otter_bandit_candidates *cand,
                            otter_error *err)
{
    const otter__lin *s = &c->p->lin;
    size_t d = s->d;
    for (size_t i = 0; i < c->n; i++) {
        const otter__lin_model *m = otter__lin_model_of(s, cand->slot[i]);
        if (!m)
            return otter_error_set(err, OTTER_INTERNAL, "lints: arm slot %u has no model",
                                   (unsigned)cand->slot[i]);
        const double *x = cand->x + i * d;
        double w2, *u = s->shared ? c->u + i * d : c->u;
        c->mean[i] = otter__lin_predict(s, m, x, u, &w2);
        c->sd[i] = c->p->v * sqrt(w2);
        if (!isfinite(c->mean[i] + w2) && !otter__all_finite(d, x))
            return otter_error_set(err, OTTER_INVALID, "context values must be finite");
    }
    return OTTER_OK;
}

static otter_status ts_rank(const void *self, const otter_bandit_candidates *cand,
                            otter_bandit_choice *out, otter_error *err)
{
    const lints *p = self;
    size_t d = p->lin.d, n = cand->n;
    if (cand->dim != d || !cand->x)
        return otter_error_set(err, OTTER_INTERNAL, "lints: rows of %zu values, model of %zu",
                               cand->dim, d);
    double stack[2048];
    size_t nu = p->lin.shared ? n * d : d;
    double *buf = otter__lin_scratch(stack, 2048, 3 * n + nu + d);
    if (!buf)
        return otter_error_set(err, OTTER_NOMEM, "out of memory ranking");
    draw_ctx c = {
        p, cand->rng, n, buf, buf + n, buf + 2 * n, buf + 2 * n + nu, buf + 2 * n + nu + d};
    otter_status st = prepare(&c, cand, err);
    if (st == OTTER_OK) {
        size_t n_best, k;
        double best = draw(&c, out->score, &n_best);
        k = n_best > 1 ? (size_t)otter_rng_below(cand->rng, n_best) : 0;
        for (size_t i = 0; i < n; i++) {
            out->prob[i] = 0.0;
            if (out->score[i] == best && k-- == 0)
                out->chosen = i;
        }
        credit(out->score, n, best, n_best, out->prob);
        for (size_t t = 1; t < p->samples; t++) {
            best = draw(&c, c.alt, &n_best);
            credit(c.alt, n, best, n_best, out->prob);
        }
        for (size_t i = 0; i < n; i++)
            out->prob[i] /= (double)p->samples;
        out->prob_estimated = 1;
    }
    otter__lin_scratch_free(buf, stack);
    return st;
}

static void ts_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                     otter_arm_stats *out)
{
    (void)rng;
    const lints *p = self;
    otter__lin_stats(&p->lin, slot, n, p->v, out);
}

static void ts_describe(const void *self, const otter_kv_sink *sink)
{
    otter__lin_describe(self, sink);
}

static size_t ts_bytes(const void *self)
{
    return sizeof(lints) - sizeof(otter__lin) + otter__lin_bytes(self);
}

static void ts_destroy(void *self)
{
    otter__lin_free(self);
    free(self);
}

static otter_status ts_decode(const otter_param_value *v, size_t dim, uint16_t version,
                              const uint8_t *payload, size_t len, void **self, otter_error *err)
{
    (void)version;
    void *p = NULL;
    otter_status st = ts_create(v, dim, &p, err);
    if (st == OTTER_OK)
        st = otter__lin_decode_payload(p, payload, len, "lints", err);
    if (st != OTTER_OK) {
        if (p)
            ts_destroy(p);
        return st;
    }
    *self = p;
    return OTTER_OK;
}

const otter_bandit_type otter__bandit_lints = {
    .abi = OTTER_BANDIT_ABI,
    .name = "lints",
    .summary = "linear Thompson sampling: theta drawn from N(theta_hat, v^2 A^-1) per arm (or "
               "shared); Monte Carlo propensities",
    .state_version = 1,
    .params = params,
    .n_params = P_COUNT,
    .contextual = 1,
    .check = NULL,
    .create = ts_create,
    .add_arm = otter__lin_vt_add_arm,
    .remove_arm = otter__lin_vt_remove_arm,
    .rank = ts_rank,
    .update = otter__lin_vt_update,
    .encode = otter__lin_vt_encode,
    .decode = ts_decode,
    .arm_stats = ts_stats,
    .describe = ts_describe,
    .bytes = ts_bytes,
    .destroy = ts_destroy,
};
