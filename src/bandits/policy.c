/* Shared helpers of the non-contextual policies (see policy_int.h). */
#include <math.h>
#include <stdlib.h>

#include "core/special_int.h"
#include "policy_int.h"

#define Z975 1.959963984540054

otter_status otter__arms_params_check(double discount, long long window, otter_error *err)
{
    if (discount < 1.0 && window > 0)
        return otter_error_set(err, OTTER_INVALID,
                               "parameters 'discount' and 'window' are alternatives; set one");
    return OTTER_OK;
}

int otter__arms_live(const otter__arms *s, uint32_t slot)
{
    return slot < s->n_slots && s->a[slot].live;
}

otter_status otter__arms_check_candidates(const otter__arms *s, const otter_bandit_candidates *c,
                                          const char *policy, otter_error *err)
{
    for (size_t i = 0; i < c->n; i++)
        if (!otter__arms_live(s, c->slot[i]))
            return otter_error_set(err, OTTER_INTERNAL, "%s: arm slot %u has no statistics", policy,
                                   (unsigned)c->slot[i]);
    return OTTER_OK;
}

void otter__arms_stats_safe(const otter__arms *s, const uint32_t *slot, size_t n, otter_rng *rng,
                            otter_arm_stats *out)
{
    for (size_t i = 0; i < n; i++)
        if (!otter__arms_live(s, slot[i])) {
            for (size_t j = 0; j < n; j++)
                out[j] = (otter_arm_stats){0, NAN, NAN, NAN, NAN, NAN, NAN};
            return;
        }
    otter__arms_normal_stats(s, slot, n, rng, out);
}

size_t otter__pick_best(const double *score, size_t n, otter_rng *rng, double *prob)
{
    double best = NAN;
    size_t n_best = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(score[i]))
            continue;
        if (n_best == 0 || score[i] > best) {
            best = score[i];
            n_best = 1;
        } else if (score[i] == best) {
            n_best++;
        }
    }
    int all_nan = n_best == 0;
    if (all_nan)
        n_best = n;
    size_t k = (size_t)otter_rng_below(rng, n_best), chosen = 0;
    for (size_t i = 0; i < n; i++) {
        int tied = all_nan || score[i] == best;
        prob[i] = tied ? 1.0 / (double)n_best : 0.0;
        if (tied && k-- == 0)
            chosen = i;
    }
    return chosen;
}

size_t otter__pick_prob(const double *prob, size_t n, otter_rng *rng)
{
    double u = otter_rng_uniform(rng), cum = 0;
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(prob[i] > 0))
            continue;
        cum += prob[i];
        last = i;
        if (u < cum)
            return i;
    }
    return last; /* u beyond a sum that rounded below 1 */
}

/* Counts, over draws rounds, how often each arm's draw is the largest. The counts are
 * divided once at the end: adding 1/draws draws times can round to just above 1. */
typedef double (*draw_fn)(const void *ud, size_t i, otter_rng *rng);

static void prob_best(size_t n, draw_fn draw, const void *ud, otter_rng *rng, int draws,
                      otter_arm_stats *out)
{
    for (size_t i = 0; i < n; i++)
        out[i].prob_best = 0;
    for (int d = 0; d < draws; d++) {
        size_t best = SIZE_MAX;
        double bv = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double v = draw(ud, i, rng);
            if (!isnan(v) && (best == SIZE_MAX || v > bv)) {
                bv = v;
                best = i;
            }
        }
        if (best != SIZE_MAX)
            out[best].prob_best += 1;
    }
    for (size_t i = 0; i < n; i++)
        out[i].prob_best /= draws;
}

typedef struct beta_ud {
    const double *alpha, *beta;
} beta_ud;

static double draw_beta(const void *ud, size_t i, otter_rng *rng)
{
    const beta_ud *b = ud;
    return otter_rng_beta(rng, b->alpha[i], b->beta[i]);
}

void otter__beta_stats(const double *alpha, const double *beta, size_t n, otter_rng *rng, int draws,
                       otter_arm_stats *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i].estimate = alpha[i] / (alpha[i] + beta[i]);
        out[i].lower = otter__beta_quantile(0.025, alpha[i], beta[i]);
        out[i].upper = otter__beta_quantile(0.975, alpha[i], beta[i]);
    }
    beta_ud ud = {alpha, beta};
    prob_best(n, draw_beta, &ud, rng, draws, out);
}

typedef struct normal_ud {
    const double *mean, *sd;
} normal_ud;

static double draw_normal(const void *ud, size_t i, otter_rng *rng)
{
    const normal_ud *g = ud;
    if (!isfinite(g->sd[i]))
        return NAN;
    return g->mean[i] + g->sd[i] * otter_rng_normal(rng);
}

void otter__normal_stats(const double *mean, const double *sd, size_t n, otter_rng *rng, int draws,
                         otter_arm_stats *out)
{
    normal_ud ud = {mean, sd};
    prob_best(n, draw_normal, &ud, rng, draws, out);
    for (size_t i = 0; i < n; i++) {
        out[i].estimate = mean[i];
        int ok = isfinite(sd[i]) && isfinite(mean[i]);
        out[i].lower = ok ? mean[i] - Z975 * sd[i] : NAN;
        out[i].upper = ok ? mean[i] + Z975 * sd[i] : NAN;
        if (!ok)
            out[i].prob_best = NAN;
    }
}
