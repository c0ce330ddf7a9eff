/* `epsilon-greedy`: with probability epsilon_t a uniformly random candidate, otherwise
 * the one with the best mean reward (arms never rewarded first, ties at random).
 * epsilon_t = epsilon / (1 + decay * t) after t rewards (decay 0: fixed). Propensities
 * are exact: epsilon_t / n + (1 - epsilon_t) / |best| for the best arms, epsilon_t / n
 * for the others. Non-stationary worlds: `discount` or `window` (arms_int.h). */
#include <math.h>
#include <stdlib.h>

#include "arms_int.h"
#include "bandits_int.h"
#include "policy_int.h"

enum { P_EPSILON, P_DECAY, P_DISCOUNT, P_WINDOW, P_COUNT };

static const otter_param_spec params[P_COUNT] = {
    {"epsilon", OTTER_PARAM_DOUBLE, "0.1", 0, 1, 0, NULL, "exploration probability"},
    {"decay", OTTER_PARAM_DOUBLE, "0", 0, 1e9, 0, NULL,
     "epsilon_t = epsilon / (1 + decay * rewards so far); 0 keeps it fixed"},
    OTTER__ARMS_PARAMS,
};

typedef struct egreedy {
    double epsilon, decay;
    otter__arms arms;
} egreedy;

static otter_status eg_check(const otter_param_value *v, otter_error *err)
{
    return otter__arms_params_check(v[P_DISCOUNT].d, v[P_WINDOW].i, err);
}

static otter_status make(const otter_param_value *v, egreedy **out, otter_error *err)
{
    egreedy *g = calloc(1, sizeof *g);
    if (!g)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    g->epsilon = v[P_EPSILON].d;
    g->decay = v[P_DECAY].d;
    otter_status st = otter__arms_init(&g->arms, v[P_DISCOUNT].d, (size_t)v[P_WINDOW].i, err);
    if (st != OTTER_OK) {
        free(g);
        return st;
    }
    *out = g;
    return OTTER_OK;
}

static otter_status eg_create(const otter_param_value *v, size_t dim, void **self, otter_error *err)
{
    (void)dim;
    return make(v, (egreedy **)self, err);
}

static otter_status eg_add(void *self, uint32_t slot, otter_error *err)
{
    return otter__arms_add(&((egreedy *)self)->arms, slot, err);
}

static void eg_remove(void *self, uint32_t slot)
{
    otter__arms_remove(&((egreedy *)self)->arms, slot);
}

static otter_status eg_rank(const void *self, const otter_bandit_candidates *c,
                            otter_bandit_choice *out, otter_error *err)
{
    const egreedy *g = self;
    otter_status st = otter__arms_check_candidates(&g->arms, c, "epsilon-greedy", err);
    if (st != OTTER_OK)
        return st;
    double eps = g->epsilon / (1.0 + g->decay * (double)g->arms.t);
    double best = -INFINITY;
    size_t n_best = 0;
    for (size_t i = 0; i < c->n; i++) {
        double n, s;
        otter__arms_get(&g->arms, c->slot[i], &n, &s, NULL);
        out->score[i] = n > 0 ? s / n : INFINITY;
        if (out->score[i] > best) {
            best = out->score[i];
            n_best = 1;
        } else if (out->score[i] == best) {
            n_best++;
        }
    }
    for (size_t i = 0; i < c->n; i++)
        out->prob[i] =
            eps / (double)c->n + (out->score[i] == best ? (1 - eps) / (double)n_best : 0);
    /* explore with probability eps, else one of the best; one uniform draw picks both */
    if (otter_rng_uniform(c->rng) < eps) {
        out->chosen = (size_t)otter_rng_below(c->rng, c->n);
        return OTTER_OK;
    }
    size_t k = (size_t)otter_rng_below(c->rng, n_best);
    for (size_t i = 0; i < c->n; i++)
        if (out->score[i] == best && k-- == 0) {
            out->chosen = i;
            break;
        }
    return OTTER_OK;
}

static otter_status eg_update(void *self, uint32_t slot, const double *x, double reward,
                              double propensity, otter_error *err)
{
    (void)x;
    (void)propensity;
    egreedy *g = self;
    if (!otter__arms_live(&g->arms, slot))
        return otter_error_set(err, OTTER_INTERNAL, "epsilon-greedy has no arm in slot %u",
                               (unsigned)slot);
    otter__arms_update(&g->arms, slot, reward);
    return OTTER_OK;
}

static otter_status eg_encode(const void *self, otter_buf *out, otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__arms_encode(&((const egreedy *)self)->arms, &w);
    return w.st;
}

static otter_status eg_decode(const otter_param_value *v, size_t dim, uint16_t version,
                              const uint8_t *p, size_t len, void **self, otter_error *err)
{
    (void)dim;
    (void)version;
    egreedy *g = NULL;
    otter_status st = make(v, &g, err);
    if (st != OTTER_OK)
        return st;
    otter__rd r;
    otter__rd_init(&r, p, len);
    st = otter__arms_decode(&g->arms, &r, err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = otter_error_set(err, OTTER_CORRUPT, "epsilon-greedy state: truncated or extra bytes");
    if (st != OTTER_OK) {
        otter__arms_free(&g->arms);
        free(g);
        return st;
    }
    *self = g;
    return OTTER_OK;
}

static void eg_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                     otter_arm_stats *out)
{
    otter__arms_stats_safe(&((const egreedy *)self)->arms, slot, n, rng, out);
}

static void eg_describe(const void *self, const otter_kv_sink *sink)
{
    const egreedy *g = self;
    if (sink->num)
        sink->num(sink->ud, "epsilon_now", g->epsilon / (1.0 + g->decay * (double)g->arms.t));
}

static size_t eg_bytes(const void *self)
{
    return sizeof(egreedy) + otter__arms_bytes(&((const egreedy *)self)->arms);
}

static void eg_destroy(void *self)
{
    egreedy *g = self;
    otter__arms_free(&g->arms);
    free(g);
}

const otter_bandit_type otter__bandit_egreedy = {
    .abi = OTTER_BANDIT_ABI,
    .name = "epsilon-greedy",
    .summary = "epsilon-greedy: explore uniformly with probability epsilon (optionally "
               "decaying), else the best mean",
    .state_version = 1,
    .params = params,
    .n_params = P_COUNT,
    .contextual = 0,
    .check = eg_check,
    .create = eg_create,
    .add_arm = eg_add,
    .remove_arm = eg_remove,
    .rank = eg_rank,
    .update = eg_update,
    .encode = eg_encode,
    .decode = eg_decode,
    .arm_stats = eg_stats,
    .describe = eg_describe,
    .bytes = eg_bytes,
    .destroy = eg_destroy,
};
