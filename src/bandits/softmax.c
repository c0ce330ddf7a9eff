/* `softmax` (Boltzmann exploration): candidate a is chosen with probability
 * p_a = exp(v_a / tau) / sum_b exp(v_b / tau), where v_a is the arm's mean reward. An
 * arm without rewards takes `initial`: "max" (default) gives it the best mean among the
 * candidates that have one (0 when none has), so a new arm competes with the leader
 * and is tried; a number gives it that value (optimistic or pessimistic start).
 * Propensities are exact; the exponentials are taken after subtracting the largest
 * v / tau, so nothing overflows and the largest term is 1. Scores are the values v_a.
 * tau is on the reward's scale: small tau is nearly greedy, large tau nearly uniform.
 * `discount` / `window` (arms_int.h) make the means follow a changing world. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bandits_int.h"
#include "policy_int.h"

enum { P_TAU, P_INITIAL, P_DISCOUNT, P_WINDOW, P_COUNT };

static const otter_param_spec params[P_COUNT] = {
    {"tau", OTTER_PARAM_DOUBLE, "0.1", 0, 1e12, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "temperature: p_arm proportional to exp(mean / tau)"},
    {"initial", OTTER_PARAM_STRING, "max", 0, 0, 0, NULL,
     "value of an arm without rewards: max (the best candidate mean) or a number"},
    OTTER__ARMS_PARAMS,
};

typedef struct softmax {
    double tau;
    int initial_max;
    double initial;
    otter__arms arms;
} softmax;

static otter_status parse_initial(const char *text, int *is_max, double *v, otter_error *err)
{
    if (strcmp(text, "max") == 0) {
        *is_max = 1;
        *v = 0;
        return OTTER_OK;
    }
    char *end;
    *is_max = 0;
    *v = strtod(text, &end);
    if (end == text || *end || !isfinite(*v))
        return otter_error_set(err, OTTER_INVALID,
                               "parameter 'initial' must be max or a finite number, got '%.64s'",
                               text);
    return OTTER_OK;
}

static otter_status sm_check(const otter_param_value *v, otter_error *err)
{
    int is_max;
    double x;
    otter_status st = parse_initial(v[P_INITIAL].s, &is_max, &x, err);
    if (st != OTTER_OK)
        return st;
    return otter__arms_params_check(v[P_DISCOUNT].d, v[P_WINDOW].i, err);
}

static otter_status make(const otter_param_value *v, softmax **out, otter_error *err)
{
    softmax *s = calloc(1, sizeof *s);
    if (!s)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    s->tau = v[P_TAU].d;
    otter_status st = parse_initial(v[P_INITIAL].s, &s->initial_max, &s->initial, err);
    if (st == OTTER_OK)
        st = otter__arms_init(&s->arms, v[P_DISCOUNT].d, (size_t)v[P_WINDOW].i, err);
    if (st != OTTER_OK) {
        free(s);
        return st;
    }
    *out = s;
    return OTTER_OK;
}

static otter_status sm_create(const otter_param_value *v, size_t dim, void **self, otter_error *err)
{
    (void)dim;
    return make(v, (softmax **)self, err);
}

static otter_status sm_add(void *self, uint32_t slot, otter_error *err)
{
    return otter__arms_add(&((softmax *)self)->arms, slot, err);
}

static void sm_remove(void *self, uint32_t slot)
{
    otter__arms_remove(&((softmax *)self)->arms, slot);
}

/* Fills v[i] with the value of candidate i (initial for arms without rewards). */
static void values(const softmax *s, const otter_bandit_candidates *c, double *v)
{
    double best = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        double n, sum;
        otter__arms_get(&s->arms, c->slot[i], &n, &sum, NULL);
        v[i] = n > 0 ? sum / n : NAN;
        if (n > 0 && v[i] > best)
            best = v[i];
    }
    double init = s->initial_max ? (isfinite(best) ? best : 0.0) : s->initial;
    for (size_t i = 0; i < c->n; i++)
        if (isnan(v[i]))
            v[i] = init;
}

static otter_status sm_rank(const void *self, const otter_bandit_candidates *c,
                            otter_bandit_choice *out, otter_error *err)
{
    const softmax *s = self;
    otter_status st = otter__arms_check_candidates(&s->arms, c, "softmax", err);
    if (st != OTTER_OK)
        return st;
    values(s, c, out->score);
    double top = -INFINITY, z = 0;
    for (size_t i = 0; i < c->n; i++)
        if (out->score[i] / s->tau > top)
            top = out->score[i] / s->tau;
    for (size_t i = 0; i < c->n; i++) {
        double t = out->score[i] / s->tau;
        /* v / tau overflowed (huge rewards, tiny tau): the arms at the top share it */
        out->prob[i] = isfinite(top) ? exp(t - top) : t == top;
        z += out->prob[i];
    }
    for (size_t i = 0; i < c->n; i++)
        out->prob[i] /= z;
    out->chosen = otter__pick_prob(out->prob, c->n, c->rng);
    out->prob_estimated = 0;
    return OTTER_OK;
}

static otter_status sm_update(void *self, uint32_t slot, const double *x, double reward,
                              double propensity, otter_error *err)
{
    (void)x;
    (void)propensity;
    softmax *s = self;
    if (!otter__arms_live(&s->arms, slot))
        return otter_error_set(err, OTTER_INTERNAL, "softmax: arm slot %u has no statistics",
                               (unsigned)slot);
    otter__arms_update(&s->arms, slot, reward);
    return OTTER_OK;
}

static otter_status sm_encode(const void *self, otter_buf *out, otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__arms_encode(&((const softmax *)self)->arms, &w);
    return w.st;
}

static otter_status sm_decode(const otter_param_value *v, size_t dim, uint16_t version,
                              const uint8_t *p, size_t len, void **self, otter_error *err)
{
    (void)dim;
    (void)version;
    softmax *s = NULL;
    otter_status st = make(v, &s, err);
    if (st != OTTER_OK)
        return st;
    otter__rd r;
    otter__rd_init(&r, p, len);
    st = otter__arms_decode(&s->arms, &r, err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = otter_error_set(err, OTTER_CORRUPT, "softmax state: truncated or extra bytes");
    if (st != OTTER_OK) {
        otter__arms_free(&s->arms);
        free(s);
        return st;
    }
    *self = s;
    return OTTER_OK;
}

static void sm_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                     otter_arm_stats *out)
{
    otter__arms_stats_safe(&((const softmax *)self)->arms, slot, n, rng, out);
}

static void sm_describe(const void *self, const otter_kv_sink *sink)
{
    const softmax *s = self;
    if (sink->num)
        sink->num(sink->ud, "tau", s->tau);
    if (sink->str) {
        char buf[64];
        if (s->initial_max)
            snprintf(buf, sizeof buf, "max");
        else
            snprintf(buf, sizeof buf, "%.17g", s->initial);
        sink->str(sink->ud, "initial", buf);
    }
}

static size_t sm_bytes(const void *self)
{
    return sizeof(softmax) + otter__arms_bytes(&((const softmax *)self)->arms);
}

static void sm_destroy(void *self)
{
    softmax *s = self;
    otter__arms_free(&s->arms);
    free(s);
}

const otter_bandit_type otter__bandit_softmax = {
    .abi = OTTER_BANDIT_ABI,
    .name = "softmax",
    .summary = "softmax (Boltzmann) exploration: p proportional to exp(mean / tau), exact "
               "propensities",
    .state_version = 1,
    .params = params,
    .n_params = P_COUNT,
    .contextual = 0,
    .check = sm_check,
    .create = sm_create,
    .add_arm = sm_add,
    .remove_arm = sm_remove,
    .rank = sm_rank,
    .update = sm_update,
    .encode = sm_encode,
    .decode = sm_decode,
    .arm_stats = sm_stats,
    .describe = sm_describe,
    .bytes = sm_bytes,
    .destroy = sm_destroy,
};
