/* `exp3` (Auer, Cesa-Bianchi, Freund and Schapire 2002), for adversarial rewards in
 * [0, 1] (others are rejected). Each arm has a weight w_a; over the n candidates of a
 * decision, p_a = (1 - gamma) w_a / sum_b w_b + gamma / n (exact propensities, at least
 * gamma / n each). A reward r of the chosen arm is divided by the propensity it had
 * (which update receives from the decision), and the weight grows by
 * w_a *= exp(gamma * r / (p_a * K)), K the number of live arms then. The update is
 * importance-weighted, so it is only as good as that propensity: this is why the
 * generic layer records it with every decision.
 *
 * Weights are kept as logarithms (exponentials are taken relative to the largest
 * candidate), so they never overflow; they are re-centred when they grow large. An arm
 * added later starts at the mean log-weight of the live arms, i.e. between the leaders
 * and the losers rather than at either end. A propensity below gamma / K (possible only
 * after arms were removed, or from a damaged record) is raised to it, which bounds one
 * update's change of a log-weight by 1. Scores are the probabilities.
 *
 * The common `default_reward` must be in [0, 1] too (or "none").
 *
 * `discount` / `window` change only the reward statistics that arm_stats reports (means,
 * intervals, prob_best by the normal approximation); the weights always keep the whole
 * history, as Exp3 does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bandits_int.h"
#include "policy_int.h"

enum { P_GAMMA, P_DISCOUNT, P_WINDOW, P_COUNT };

static const otter_param_spec params[P_COUNT] = {
    {"gamma", OTTER_PARAM_DOUBLE, "0.1", 0, 1, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "exploration: the share of probability spread uniformly over the candidates"},
    OTTER__ARMS_PARAMS,
};

#define RECENTRE_AT 1e3

typedef struct exp3 {
    double gamma;
    double *lw; /* log-weight per slot (arms.n_slots of them) */
    size_t cap;
    otter__arms arms;
} exp3;

static otter_status x3_check(const otter_param_value *v, otter_error *err)
{
    return otter__arms_params_check(v[P_DISCOUNT].d, v[P_WINDOW].i, err);
}

static void drop(exp3 *x)
{
    otter__arms_free(&x->arms);
    free(x->lw);
    free(x);
}

static otter_status make(const otter_param_value *v, exp3 **out, otter_error *err)
{
    exp3 *x = calloc(1, sizeof *x);
    if (!x)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    x->gamma = v[P_GAMMA].d;
    otter_status st = otter__arms_init(&x->arms, v[P_DISCOUNT].d, (size_t)v[P_WINDOW].i, err);
    if (st != OTTER_OK) {
        free(x);
        return st;
    }
    *out = x;
    return OTTER_OK;
}

static otter_status x3_create(const otter_param_value *v, size_t dim, void **self, otter_error *err)
{
    (void)dim;
    return make(v, (exp3 **)self, err);
}

static otter_status grow(exp3 *x, size_t n, otter_error *err)
{
    if (n <= x->cap)
        return OTTER_OK;
    size_t nc = x->cap ? x->cap : 8;
    while (nc < n)
        nc *= 2;
    double *lw = realloc(x->lw, nc * sizeof *lw);
    if (!lw)
        return otter_error_set(err, OTTER_NOMEM, "out of memory adding an arm");
    memset(lw + x->cap, 0, (nc - x->cap) * sizeof *lw);
    x->lw = lw;
    x->cap = nc;
    return OTTER_OK;
}

/* Mean log-weight of the live arms (0 when there are none). */
static double mean_log_weight(const exp3 *x)
{
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < x->arms.n_slots; i++)
        if (x->arms.a[i].live) {
            sum += x->lw[i];
            k++;
        }
    return k ? sum / (double)k : 0.0;
}

static otter_status x3_add(void *self, uint32_t slot, otter_error *err)
{
    exp3 *x = self;
    otter_status st = grow(x, (size_t)slot + 1, err);
    if (st != OTTER_OK)
        return st;
    double start = mean_log_weight(x);
    if ((st = otter__arms_add(&x->arms, slot, err)) != OTTER_OK)
        return st;
    x->lw[slot] = start;
    return OTTER_OK;
}

static void x3_remove(void *self, uint32_t slot)
{
    otter__arms_remove(&((exp3 *)self)->arms, slot);
}

static otter_status x3_rank(const void *self, const otter_bandit_candidates *c,
                            otter_bandit_choice *out, otter_error *err)
{
    const exp3 *x = self;
    otter_status st = otter__arms_check_candidates(&x->arms, c, "exp3", err);
    if (st != OTTER_OK)
        return st;
    double top = -INFINITY, z = 0, n = (double)c->n;
    for (size_t i = 0; i < c->n; i++)
        if (x->lw[c->slot[i]] > top)
            top = x->lw[c->slot[i]];
    for (size_t i = 0; i < c->n; i++) {
        out->prob[i] = exp(x->lw[c->slot[i]] - top);
        z += out->prob[i];
    }
    for (size_t i = 0; i < c->n; i++) {
        out->prob[i] = (1.0 - x->gamma) * out->prob[i] / z + x->gamma / n;
        out->score[i] = out->prob[i];
    }
    out->chosen = otter__pick_prob(out->prob, c->n, c->rng);
    out->prob_estimated = 0;
    return OTTER_OK;
}

static size_t live_count(const exp3 *x)
{
    size_t k = 0;
    for (size_t i = 0; i < x->arms.n_slots; i++)
        k += x->arms.a[i].live != 0;
    return k;
}

static otter_status x3_update(void *self, uint32_t slot, const double *xrow, double reward,
                              double propensity, otter_error *err)
{
    (void)xrow;
    exp3 *x = self;
    if (!otter__arms_live(&x->arms, slot))
        return otter_error_set(err, OTTER_INTERNAL, "exp3: arm slot %u has no statistics",
                               (unsigned)slot);
    if (!(reward >= 0 && reward <= 1))
        return otter_error_set(err, OTTER_INVALID, "exp3 needs rewards in [0, 1], got %g", reward);
    double k = (double)live_count(x), floor_p = x->gamma / k;
    double p = propensity > floor_p ? propensity : floor_p;
    x->lw[slot] += x->gamma * reward / (p * k);
    if (x->lw[slot] > RECENTRE_AT) { /* only differences matter: keep them small numbers */
        double shift = x->lw[slot];
        for (size_t i = 0; i < x->arms.n_slots; i++)
            x->lw[i] -= shift;
    }
    otter__arms_update(&x->arms, slot, reward);
    return OTTER_OK;
}

/* State: the arm statistics, then u32 slots and f64 log-weight per slot. */
static otter_status x3_encode(const void *self, otter_buf *out, otter_error *err)
{
    const exp3 *x = self;
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__arms_encode(&x->arms, &w);
    otter__wr_u32(&w, (uint32_t)x->arms.n_slots);
    otter__wr_f64s(&w, x->lw, x->arms.n_slots);
    return w.st;
}

static otter_status read_weights(exp3 *x, otter__rd *r, otter_error *err)
{
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n != x->arms.n_slots || n > (r->len - r->pos) / 8)
        return otter_error_set(err, OTTER_CORRUPT, "exp3 state: bad weight count");
    otter_status st = grow(x, n, err);
    if (st != OTTER_OK)
        return st;
    otter__rd_f64s(r, x->lw, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x->lw[i]) || x->lw[i] > RECENTRE_AT + 1.0)
            return otter_error_set(err, OTTER_CORRUPT, "exp3 state: bad weight");
    if (!otter__rd_done(r))
        return otter_error_set(err, OTTER_CORRUPT, "exp3 state: truncated or extra bytes");
    return OTTER_OK;
}

static otter_status x3_decode(const otter_param_value *v, size_t dim, uint16_t version,
                              const uint8_t *p, size_t len, void **self, otter_error *err)
{
    (void)dim;
    (void)version;
    exp3 *x = NULL;
    otter_status st = make(v, &x, err);
    if (st != OTTER_OK)
        return st;
    otter__rd r;
    otter__rd_init(&r, p, len);
    st = otter__arms_decode(&x->arms, &r, err);
    if (st == OTTER_OK)
        st = read_weights(x, &r, err);
    if (st != OTTER_OK) {
        drop(x);
        return st;
    }
    *self = x;
    return OTTER_OK;
}

static void x3_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                     otter_arm_stats *out)
{
    otter__arms_stats_safe(&((const exp3 *)self)->arms, slot, n, rng, out);
}

static void x3_describe(const void *self, const otter_kv_sink *sink)
{
    const exp3 *x = self;
    if (!sink->num)
        return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < x->arms.n_slots; i++)
        if (x->arms.a[i].live) {
            lo = x->lw[i] < lo ? x->lw[i] : lo;
            hi = x->lw[i] > hi ? x->lw[i] : hi;
        }
    sink->num(sink->ud, "gamma", x->gamma);
    /* the largest probability over all arms, and the log-weight spread behind it */
    double k = (double)live_count(x), z = 0;
    for (size_t i = 0; i < x->arms.n_slots; i++)
        if (x->arms.a[i].live)
            z += exp(x->lw[i] - hi);
    sink->num(sink->ud, "max_probability", k > 0 ? (1 - x->gamma) / z + x->gamma / k : NAN);
    sink->num(sink->ud, "log_weight_spread", k > 0 ? hi - lo : NAN);
}

static size_t x3_bytes(const void *self)
{
    const exp3 *x = self;
    return sizeof *x + x->cap * sizeof *x->lw + otter__arms_bytes(&x->arms);
}

static void x3_destroy(void *self)
{
    drop(self);
}

const otter_bandit_type otter__bandit_exp3 = {
    .abi = OTTER_BANDIT_ABI,
    .name = "exp3",
    .summary = "Exp3 for adversarial rewards in [0, 1]: exponential weights with "
               "importance-weighted updates, exact propensities",
    .state_version = 1,
    .params = params,
    .n_params = P_COUNT,
    .contextual = 0,
    .check = x3_check,
    .create = x3_create,
    .add_arm = x3_add,
    .remove_arm = x3_remove,
    .rank = x3_rank,
    .update = x3_update,
    .encode = x3_encode,
    .decode = x3_decode,
    .arm_stats = x3_stats,
    .describe = x3_describe,
    .bytes = x3_bytes,
    .destroy = x3_destroy,
};
