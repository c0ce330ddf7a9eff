/* Pieces shared by the non-contextual policies (ucb1, thompson, softmax, exp3, ab):
 * the discount/window parameter check, a guard that candidate slots exist in the arm
 * statistics, choosing among candidates with exact probabilities, and the Beta
 * posterior statistics for arm_stats. */
#ifndef OTTER_BANDIT_POLICY_INT_H
#define OTTER_BANDIT_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "arms_int.h"
#include "otter/bandit.h"

/* OTTER_INVALID naming both when discount < 1 and window > 0 are set together. */
otter_status otter__arms_params_check(double discount, long long window, otter_error *err);

/* 1 when slot is a live arm of s. Decoded state is trusted only this far: a policy
 * checks every slot it is handed before indexing its arrays. */
int otter__arms_live(const otter__arms *s, uint32_t slot);

/* OTTER_INTERNAL naming the policy when a candidate is not a live arm of s. */
otter_status otter__arms_check_candidates(const otter__arms *s, const otter_bandit_candidates *c,
                                          const char *policy, otter_error *err);

/* otter__arms_normal_stats when every slot is live; all NaN (pulls 0) otherwise, so
 * inconsistent decoded state never indexes past the statistics. */
void otter__arms_stats_safe(const otter__arms *s, const uint32_t *slot, size_t n, otter_rng *rng,
                            otter_arm_stats *out);

/* The index of the highest score among n (n > 0), ties broken uniformly with one draw
 * from rng; prob gets 1 / |ties| for the tied best and 0 for the others. NaN scores
 * never win unless every score is NaN (then all tie). */
size_t otter__pick_best(const double *score, size_t n, otter_rng *rng, double *prob);

/* An index drawn with probabilities prob[0..n) (summing to 1) by one uniform; never an
 * index whose probability is 0. */
size_t otter__pick_prob(const double *prob, size_t n, otter_rng *rng);

/* Fills estimate (posterior mean), lower/upper (exact 2.5% and 97.5% quantiles) and
 * prob_best (the share of `draws` joint posterior draws in which the arm is the
 * largest) for n arms with Beta(alpha[i], beta[i]) posteriors. The other members of
 * out are left as they are. */
void otter__beta_stats(const double *alpha, const double *beta, size_t n, otter_rng *rng, int draws,
                       otter_arm_stats *out);

/* The same for normal posteriors N(mean[i], sd[i]^2): interval mean +- 1.96 sd. An arm
 * whose sd is not finite gets NaN interval and prob_best. */
void otter__normal_stats(const double *mean, const double *sd, size_t n, otter_rng *rng, int draws,
                         otter_arm_stats *out);

#endif
