/* `linucb` (Li, Chu, Langford and Schapire 2010, "A contextual-bandit approach to
 * personalized news article recommendation"): each candidate scores
 *     theta . x + alpha sqrt(x^T A^{-1} x)
 * with its model's ridge estimate theta and matrix A (lin_int.h: one model per arm by
 * default, one shared model with shared = 1), and the best score is chosen. The choice
 * is deterministic except for exact ties, which the decision's RNG breaks uniformly;
 * the propensities are exact: 1 / |ties| for the tied best candidates, 0 for the rest.
 * A NaN score (only from overflowing rows) counts as -infinity.
 *
 * Arm statistics: the 95% interval of theta . xbar uses the model's residual standard
 * deviation as its scale (lin_int.h); alpha is a tuning knob, not a noise level. */
#include <math.h>
#include <stdlib.h>

#include "bandits_int.h"
#include "core/chol_int.h"
#include "lin_int.h"

enum { P_ALPHA = OTTER__LIN_NPARAMS, P_COUNT };

static const otter_param_spec params[P_COUNT] = {
    OTTER__LIN_PARAMS,
    {"alpha", OTTER_PARAM_DOUBLE, "1", 0, 1e6, 0, NULL,
     "exploration: weight of the confidence width sqrt(x^T A^-1 x) in the score"},
};

typedef struct linucb {
    otter__lin lin; /* first: the shared methods take the policy as an otter__lin */
    double alpha;
} linucb;

static otter_status ucb_create(const otter_param_value *v, size_t dim, void **self,
                               otter_error *err)
{
    linucb *p = malloc(sizeof *p);
    if (!p)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    otter_status st = otter__lin_init(&p->lin, v, dim, err);
    if (st != OTTER_OK) {
        free(p);
        return st;
    }
    p->alpha = v[P_ALPHA].d;
    *self = p;
    return OTTER_OK;
}

/* Picks uniformly among the candidates whose score equals best, with the decision's
 * RNG, and sets the exact propensities. */
static void choose(const otter_bandit_candidates *c, otter_bandit_choice *out, double best,
                   size_t n_best)
{
    size_t k = n_best > 1 ? (size_t)otter_rng_below(c->rng, n_best) : 0;
    for (size_t i = 0; i < c->n; i++) {
        int tied = out->score[i] == best;
        out->prob[i] = tied ? 1.0 / (double)n_best : 0.0;
        if (tied && k-- == 0)
            out->chosen = i;
    }
}

/* Scores candidates i and i + 1 (only i when it is the last): two predictions at once
 * (interleaved solves, otter__lin_predict2). u holds 2 d doubles. */
static otter_status score_pair(const linucb *p, const otter_bandit_candidates *c, size_t i,
                               double *u, double *score, otter_error *err)
{
    const otter__lin *s = &p->lin;
    size_t d = s->d, k = c->n - i >= 2 ? 2 : 1;
    otter__lin_pred pr[2];
    for (size_t j = 0; j < k; j++) {
        pr[j].m = otter__lin_model_of(s, c->slot[i + j]);
        if (!pr[j].m)
            return otter_error_set(err, OTTER_INTERNAL, "linucb: arm slot %u has no model",
                                   (unsigned)c->slot[i + j]);
        pr[j].x = c->x + (i + j) * d;
        pr[j].u = u + j * d;
    }
    if (k == 2)
        otter__lin_predict2(s, &pr[0], &pr[1]);
    else
        pr[0].mean = otter__lin_predict(s, pr[0].m, pr[0].x, pr[0].u, &pr[0].w2);
    for (size_t j = 0; j < k; j++) {
        double sc = pr[j].mean + p->alpha * sqrt(pr[j].w2);
        if (!isfinite(sc)) { /* a bad row, or one so large that the score overflows */
            if (!otter__all_finite(d, pr[j].x))
                return otter_error_set(err, OTTER_INVALID, "context values must be finite");
            if (isnan(sc))
                sc = -INFINITY;
        }
        score[i + j] = sc;
    }
    return OTTER_OK;
}

static otter_status ucb_rank(const void *self, const otter_bandit_candidates *c,
                             otter_bandit_choice *out, otter_error *err)
{
    const linucb *p = self;
    size_t d = p->lin.d;
    if (c->dim != d || !c->x)
        return otter_error_set(err, OTTER_INTERNAL, "linucb: rows of %zu values, model of %zu",
                               c->dim, d);
    double stack[512];
    double *u = otter__lin_scratch(stack, 512, 2 * d);
    if (!u)
        return otter_error_set(err, OTTER_NOMEM, "out of memory ranking");
    otter_status st = OTTER_OK;
    for (size_t i = 0; i < c->n && st == OTTER_OK; i += 2)
        st = score_pair(p, c, i, u, out->score, err);
    otter__lin_scratch_free(u, stack);
    if (st != OTTER_OK)
        return st;
    double best = out->score[0];
    size_t n_best = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (out->score[i] > best) {
            best = out->score[i];
            n_best = 1;
        } else if (out->score[i] == best) {
            n_best++;
        }
    }
    choose(c, out, best, n_best);
    out->prob_estimated = 0;
    return OTTER_OK;
}

static void ucb_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                      otter_arm_stats *out)
{
    (void)rng;
    otter__lin_stats(self, slot, n, -1.0, out);
}

static void ucb_describe(const void *self, const otter_kv_sink *sink)
{
    otter__lin_describe(self, sink);
}

static size_t ucb_bytes(const void *self)
{
    return sizeof(linucb) - sizeof(otter__lin) + otter__lin_bytes(self);
}

static void ucb_destroy(void *self)
{
    otter__lin_free(self);
    free(self);
}

static otter_status ucb_decode(const otter_param_value *v, size_t dim, uint16_t version,
                               const uint8_t *payload, size_t len, void **self, otter_error *err)
{
    (void)version;
    void *p = NULL;
    otter_status st = ucb_create(v, dim, &p, err);
    if (st == OTTER_OK)
        st = otter__lin_decode_payload(p, payload, len, "linucb", err);
    if (st != OTTER_OK) {
        if (p)
            ucb_destroy(p);
        return st;
    }
    *self = p;
    return OTTER_OK;
}

const otter_bandit_type otter__bandit_linucb = {
    .abi = OTTER_BANDIT_ABI,
    .name = "linucb",
    .summary = "LinUCB: ridge regression per arm (or shared) plus alpha times the confidence "
               "width; Cholesky-updated",
    .state_version = 1,
    .params = params,
    .n_params = P_COUNT,
    .contextual = 1,
    .check = NULL,
    .create = ucb_create,
    .add_arm = otter__lin_vt_add_arm,
    .remove_arm = otter__lin_vt_remove_arm,
    .rank = ucb_rank,
    .update = otter__lin_vt_update,
    .encode = otter__lin_vt_encode,
    .decode = ucb_decode,
    .arm_stats = ucb_stats,
    .describe = ucb_describe,
    .bytes = ucb_bytes,
    .destroy = ucb_destroy,
};
