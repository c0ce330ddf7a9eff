/* `ucb1` (Auer, Cesa-Bianchi and Fischer 2002): choose the candidate with the highest
 * upper confidence bound mean_a + c * sqrt(2 ln N / n_a), where n_a is the arm's
 * (effective) number of rewards and N the sum of them over the live arms. Arms never
 * rewarded score +inf and so come first. Deterministic: the chosen arm has propensity
 * 1 and the others 0, except that exact ties are broken uniformly at random, each tied
 * arm then having propensity 1 / |ties|.
 *
 * The bound is Hoeffding's for rewards in [0, 1]; for rewards on another scale, or with
 * a small variance (conversion rates), `c` scales the exploration. With `discount` it is
 * discounted UCB and with `window` sliding-window UCB (Garivier and Moulines 2011): n_a
 * and N are then the discounted or windowed counts (arms_int.h), so an arm that is not
 * pulled sees its bonus grow again and is re-tried after a change. ln N is taken at
 * least 0 (discounted totals below 1). */
#include <math.h>
#include <stdlib.h>

#include "bandits_int.h"
#include "policy_int.h"

enum { P_C, P_DISCOUNT, P_WINDOW, P_COUNT };

static const otter_param_spec params[P_COUNT] = {
    {"c", OTTER_PARAM_DOUBLE, "1", 0, 1e6, 0, NULL,
     "exploration scale: score = mean + c * sqrt(2 ln N / n_arm)"},
    OTTER__ARMS_PARAMS,
};

typedef struct ucb1 {
    double c;
    otter__arms arms;
} ucb1;

static otter_status ucb_check(const otter_param_value *v, otter_error *err)
{
    return otter__arms_params_check(v[P_DISCOUNT].d, v[P_WINDOW].i, err);
}

static otter_status make(const otter_param_value *v, ucb1 **out, otter_error *err)
{
    ucb1 *u = calloc(1, sizeof *u);
    if (!u)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    u->c = v[P_C].d;
    otter_status st = otter__arms_init(&u->arms, v[P_DISCOUNT].d, (size_t)v[P_WINDOW].i, err);
    if (st != OTTER_OK) {
        free(u);
        return st;
    }
    *out = u;
    return OTTER_OK;
}

static otter_status ucb_create(const otter_param_value *v, size_t dim, void **self,
                               otter_error *err)
{
    (void)dim;
    return make(v, (ucb1 **)self, err);
}

static otter_status ucb_add(void *self, uint32_t slot, otter_error *err)
{
    return otter__arms_add(&((ucb1 *)self)->arms, slot, err);
}

static void ucb_remove(void *self, uint32_t slot)
{
    otter__arms_remove(&((ucb1 *)self)->arms, slot);
}

static otter_status ucb_rank(const void *self, const otter_bandit_candidates *c,
                             otter_bandit_choice *out, otter_error *err)
{
    const ucb1 *u = self;
    otter_status st = otter__arms_check_candidates(&u->arms, c, "ucb1", err);
    if (st != OTTER_OK)
        return st;
    double total = otter__arms_total(&u->arms);
    double log_n = total > 1.0 ? log(total) : 0.0;
    for (size_t i = 0; i < c->n; i++) {
        double n, s;
        otter__arms_get(&u->arms, c->slot[i], &n, &s, NULL);
        out->score[i] = n > 0 ? s / n + u->c * sqrt(2.0 * log_n / n) : INFINITY;
    }
    out->chosen = otter__pick_best(out->score, c->n, c->rng, out->prob);
    out->prob_estimated = 0;
    return OTTER_OK;
}

static otter_status ucb_update(void *self, uint32_t slot, const double *x, double reward,
                               double propensity, otter_error *err)
{
    (void)x;
    (void)propensity;
    ucb1 *u = self;
    if (!otter__arms_live(&u->arms, slot))
        return otter_error_set(err, OTTER_INTERNAL, "ucb1: arm slot %u has no statistics",
                               (unsigned)slot);
    otter__arms_update(&u->arms, slot, reward);
    return OTTER_OK;
}

static otter_status ucb_encode(const void *self, otter_buf *out, otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__arms_encode(&((const ucb1 *)self)->arms, &w);
    return w.st;
}

static otter_status ucb_decode(const otter_param_value *v, size_t dim, uint16_t version,
                               const uint8_t *p, size_t len, void **self, otter_error *err)
{
    (void)dim;
    (void)version;
    ucb1 *u = NULL;
    otter_status st = make(v, &u, err);
    if (st != OTTER_OK)
        return st;
    otter__rd r;
    otter__rd_init(&r, p, len);
    st = otter__arms_decode(&u->arms, &r, err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = otter_error_set(err, OTTER_CORRUPT, "ucb1 state: truncated or extra bytes");
    if (st != OTTER_OK) {
        otter__arms_free(&u->arms);
        free(u);
        return st;
    }
    *self = u;
    return OTTER_OK;
}

static void ucb_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                      otter_arm_stats *out)
{
    otter__arms_stats_safe(&((const ucb1 *)self)->arms, slot, n, rng, out);
}

static void ucb_describe(const void *self, const otter_kv_sink *sink)
{
    const ucb1 *u = self;
    if (!sink->num)
        return;
    sink->num(sink->ud, "c", u->c);
    sink->num(sink->ud, "effective_rewards", otter__arms_total(&u->arms));
}

static size_t ucb_bytes(const void *self)
{
    return sizeof(ucb1) + otter__arms_bytes(&((const ucb1 *)self)->arms);
}

static void ucb_destroy(void *self)
{
    ucb1 *u = self;
    otter__arms_free(&u->arms);
    free(u);
}

const otter_bandit_type otter__bandit_ucb1 = {
    .abi = OTTER_BANDIT_ABI,
    .name = "ucb1",
    .summary = "UCB1: the highest upper confidence bound on the mean (discounted or "
               "sliding-window with discount/window)",
    .state_version = 1,
    .params = params,
    .n_params = P_COUNT,
    .contextual = 0,
    .check = ucb_check,
    .create = ucb_create,
    .add_arm = ucb_add,
    .remove_arm = ucb_remove,
    .rank = ucb_rank,
    .update = ucb_update,
    .encode = ucb_encode,
    .decode = ucb_decode,
    .arm_stats = ucb_stats,
    .describe = ucb_describe,
    .bytes = ucb_bytes,
    .destroy = ucb_destroy,
};
