/* `ab`: a fixed traffic split, the classic A/B/n test, with the statistics to read it.
 *
 * Weights: `weights` is a comma list of non-negative numbers, the i-th for the i-th arm
 * added (the arms given at creation, in order; their slots are 0, 1, ...). An arm
 * beyond the list (added later) weighs `new_arm_weight` (default 0: a running test is
 * not diluted by a new variant until it is restarted with new weights). An empty list
 * (the default) is an equal split over every arm, including arms added later. The
 * policy cannot see how many arms the bandit was created with, so a list shorter or
 * longer than that is not an error: missing entries weigh new_arm_weight and extra
 * entries go to the next arms added.
 *
 * Assignment is sticky per unit and needs no state: the arm is a pure function of the
 * unit's hash (c->unit_hash: the request's unit id, else its event id), the slots of
 * the candidates, their weights and `salt`, never of the decision RNG. It is weighted
 * rendezvous hashing: each candidate a gets a uniform u_a in (0, 1) hashed from (unit,
 * salt, slot) and the smallest -ln(u_a) / w_a wins. These keys are independent
 * exponentials with rates w_a, so arm a wins with probability exactly w_a / sum w (the
 * reported propensity), and, unlike cutting [0, 1) into consecutive intervals, removing
 * an arm (or excluding it from a request) moves only the units that had it, and adding
 * one moves units only onto the new arm. The bandit's `seed` plays no part (the unit
 * hash does not depend on it): give each experiment its own `salt` so that two
 * experiments over the same units split them independently. When every candidate
 * weighs 0, the candidates are split equally (propensity 1 / n) the same way.
 *
 * Rewards are tracked per arm (arms_int.h; `discount` / `window` apply to them) for
 * arm_stats. While every reward has been 0 or 1, an arm's estimate is the mean of its
 * Beta(1 + successes, 1 + failures) posterior with the exact 95% credible interval;
 * otherwise mean +- 1.96 standard errors (normal approximation). prob_best is, from 2000
 * joint draws of those posteriors, the probability that the arm has the highest true
 * mean reward of all arms. Reading it: 0.97 means "given the data and a flat prior,
 * 97% likely the best", valid at any sample size; it is not a p-value, and checking it
 * again and again finds false winners more often than once, so decide on a minimum
 * sample and a threshold (say 0.95) in advance. This is the A/B test that can turn
 * adaptive: sending each unit to an arm with probability prob_best is exactly Thompson
 * sampling (the `thompson` policy), and a test can be moved there, or its weights set
 * from prob_best, once it has shown enough. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bandits_int.h"
#include "policy_int.h"

enum { P_WEIGHTS, P_NEW_WEIGHT, P_SALT, P_DISCOUNT, P_WINDOW, P_COUNT };

static const otter_param_spec params[P_COUNT] = {
    {"weights", OTTER_PARAM_STRING, "", 0, 0, 0, NULL,
     "comma list of traffic weights, one per arm in creation order (empty: equal)"},
    {"new_arm_weight", OTTER_PARAM_DOUBLE, "0", 0, 1e12, 0, NULL,
     "weight of an arm beyond the weights list (added later)"},
    {"salt", OTTER_PARAM_INT, "0", 0, 9007199254740991.0, 0, NULL,
     "mixed into the unit hash: experiments with different salts split independently"},
    OTTER__ARMS_PARAMS,
};

#define STATS_DRAWS 2000
#define MAX_WEIGHTS 100000

typedef struct ab {
    double *w; /* the weights list */
    size_t n_w;
    int equal; /* no list: every arm weighs 1 */
    double new_w;
    uint64_t salt;
    int binary; /* every reward so far was 0 or 1 */
    otter__arms arms;
} ab;

/* Parses the weights list into w (may be NULL: validation only); *n gets the count. */
static otter_status parse_weights(const char *text, double *w, size_t *n, otter_error *err)
{
    *n = 0;
    if (!*text)
        return OTTER_OK;
    double sum = 0;
    for (const char *p = text;;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || (*end && *end != ',') || !isfinite(v) || v < 0)
            return otter_error_set(err, OTTER_INVALID,
                                   "parameter 'weights' needs non-negative numbers separated by "
                                   "commas, got '%.64s'",
                                   text);
        if (*n == MAX_WEIGHTS)
            return otter_error_set(err, OTTER_INVALID, "parameter 'weights' has more than %d",
                                   MAX_WEIGHTS);
        if (w)
            w[*n] = v;
        (*n)++;
        sum += v;
        if (!*end)
            break;
        p = end + 1;
    }
    if (!(sum > 0))
        return otter_error_set(err, OTTER_INVALID, "parameter 'weights' needs a positive weight");
    return OTTER_OK;
}

static otter_status ab_check(const otter_param_value *v, otter_error *err)
{
    size_t n;
    otter_status st = parse_weights(v[P_WEIGHTS].s, NULL, &n, err);
    if (st != OTTER_OK)
        return st;
    return otter__arms_params_check(v[P_DISCOUNT].d, v[P_WINDOW].i, err);
}

static void drop(ab *a)
{
    otter__arms_free(&a->arms);
    free(a->w);
    free(a);
}

static otter_status make(const otter_param_value *v, ab **out, otter_error *err)
{
    ab *a = calloc(1, sizeof *a);
    if (!a)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    a->new_w = v[P_NEW_WEIGHT].d;
    a->salt = (uint64_t)v[P_SALT].i;
    a->binary = 1;
    size_t n = 0;
    otter_status st = parse_weights(v[P_WEIGHTS].s, NULL, &n, err);
    if (st == OTTER_OK && n && !(a->w = malloc(n * sizeof *a->w)))
        st = otter_error_set(err, OTTER_NOMEM, "out of memory");
    if (st == OTTER_OK)
        st = parse_weights(v[P_WEIGHTS].s, a->w, &a->n_w, err);
    a->equal = a->n_w == 0;
    if (st == OTTER_OK)
        st = otter__arms_init(&a->arms, v[P_DISCOUNT].d, (size_t)v[P_WINDOW].i, err);
    if (st != OTTER_OK) {
        free(a->w);
        free(a);
        return st;
    }
    *out = a;
    return OTTER_OK;
}

static otter_status ab_create(const otter_param_value *v, size_t dim, void **self, otter_error *err)
{
    (void)dim;
    return make(v, (ab **)self, err);
}

static otter_status ab_add(void *self, uint32_t slot, otter_error *err)
{
    return otter__arms_add(&((ab *)self)->arms, slot, err);
}

static void ab_remove(void *self, uint32_t slot)
{
    otter__arms_remove(&((ab *)self)->arms, slot);
}

static double weight_of(const ab *a, uint32_t slot)
{
    if (a->equal)
        return 1.0;
    return slot < a->n_w ? a->w[slot] : a->new_w;
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The unit's uniform in (0, 1) for an arm slot. */
static double unit_uniform(const ab *a, uint64_t unit_hash, uint32_t slot)
{
    uint64_t h = mix64(unit_hash ^ mix64(a->salt ^ mix64((uint64_t)slot + 0x61622d736c6f74ull)));
    return ((double)(h >> 11) + 0.5) * 0x1.0p-53;
}

static otter_status ab_rank(const void *self, const otter_bandit_candidates *c,
                            otter_bandit_choice *out, otter_error *err)
{
    const ab *a = self;
    otter_status st = otter__arms_check_candidates(&a->arms, c, "ab", err);
    if (st != OTTER_OK)
        return st;
    double sum = 0;
    for (size_t i = 0; i < c->n; i++)
        sum += out->prob[i] = weight_of(a, c->slot[i]);
    if (!(sum > 0)) { /* every candidate weighs 0: split them equally */
        for (size_t i = 0; i < c->n; i++)
            out->prob[i] = 1.0;
        sum = (double)c->n;
    }
    double best = INFINITY;
    int found = 0;
    out->chosen = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!(out->prob[i] > 0))
            continue;
        /* a weight so small that the key overflows still beats a weightless arm */
        double key = -log(unit_uniform(a, c->unit_hash, c->slot[i])) / out->prob[i];
        if (!found || key < best) {
            found = 1;
            best = key;
            out->chosen = i;
        }
    }
    for (size_t i = 0; i < c->n; i++)
        out->score[i] = out->prob[i] /= sum;
    out->prob_estimated = 0;
    return OTTER_OK;
}

static otter_status ab_update(void *self, uint32_t slot, const double *x, double reward,
                              double propensity, otter_error *err)
{
    (void)x;
    (void)propensity;
    ab *a = self;
    if (!otter__arms_live(&a->arms, slot))
        return otter_error_set(err, OTTER_INTERNAL, "ab: arm slot %u has no statistics",
                               (unsigned)slot);
    if (reward != 0.0 && reward != 1.0)
        a->binary = 0;
    otter__arms_update(&a->arms, slot, reward);
    return OTTER_OK;
}

/* State: the arm statistics, then u8 binary. The weights are the parameters'. */
static otter_status ab_encode(const void *self, otter_buf *out, otter_error *err)
{
    const ab *a = self;
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__arms_encode(&a->arms, &w);
    otter__wr_u8(&w, (uint8_t)a->binary);
    return w.st;
}

static otter_status ab_decode(const otter_param_value *v, size_t dim, uint16_t version,
                              const uint8_t *p, size_t len, void **self, otter_error *err)
{
    (void)dim;
    (void)version;
    ab *a = NULL;
    otter_status st = make(v, &a, err);
    if (st != OTTER_OK)
        return st;
    otter__rd r;
    otter__rd_init(&r, p, len);
    st = otter__arms_decode(&a->arms, &r, err);
    uint8_t binary = st == OTTER_OK ? otter__rd_u8(&r) : 0;
    if (st == OTTER_OK && (!otter__rd_done(&r) || binary > 1))
        st = otter_error_set(err, OTTER_CORRUPT, "ab state: truncated, extra or bad bytes");
    if (st != OTTER_OK) {
        drop(a);
        return st;
    }
    a->binary = binary;
    *self = a;
    return OTTER_OK;
}

static void ab_stats(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                     otter_arm_stats *out)
{
    const ab *a = self;
    otter__arms_stats_safe(&a->arms, slot, n, rng, out);
    if (!a->binary)
        return;
    for (size_t i = 0; i < n; i++)
        if (!otter__arms_live(&a->arms, slot[i]))
            return; /* inconsistent state: stats_safe reported nothing */
    double *par = malloc((n ? 2 * n : 1) * sizeof *par);
    if (!par)
        return; /* out of memory: the normal approximation stays */
    for (size_t i = 0; i < n; i++) {
        double cnt, s;
        otter__arms_get(&a->arms, slot[i], &cnt, &s, NULL);
        par[i] = 1.0 + (s > 0 ? s : 0.0);
        par[n + i] = 1.0 + (cnt - s > 0 ? cnt - s : 0.0);
    }
    otter__beta_stats(par, par + n, n, rng, STATS_DRAWS, out);
    free(par);
}

static void ab_describe(const void *self, const otter_kv_sink *sink)
{
    const ab *a = self;
    if (!sink->num)
        return;
    size_t positive = 0;
    for (size_t i = 0; i < a->arms.n_slots; i++)
        positive += a->arms.a[i].live && weight_of(a, (uint32_t)i) > 0;
    sink->num(sink->ud, "weighted_arms", (double)positive);
    sink->num(sink->ud, "binary_rewards", a->binary);
    sink->num(sink->ud, "salt", (double)a->salt);
}

static size_t ab_bytes(const void *self)
{
    const ab *a = self;
    return sizeof *a + a->n_w * sizeof *a->w + otter__arms_bytes(&a->arms);
}

static void ab_destroy(void *self)
{
    drop(self);
}

const otter_bandit_type otter__bandit_ab = {
    .abi = OTTER_BANDIT_ABI,
    .name = "ab",
    .summary = "A/B/n test: a fixed weighted split, sticky per unit by hashing; per-arm "
               "means, intervals and probability of being best",
    .state_version = 1,
    .params = params,
    .n_params = P_COUNT,
    .contextual = 0,
    .check = ab_check,
    .create = ab_create,
    .add_arm = ab_add,
    .remove_arm = ab_remove,
    .rank = ab_rank,
    .update = ab_update,
    .encode = ab_encode,
    .decode = ab_decode,
    .arm_stats = ab_stats,
    .describe = ab_describe,
    .bytes = ab_bytes,
    .destroy = ab_destroy,
};
