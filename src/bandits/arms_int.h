/* Per-arm reward statistics shared by the non-contextual policies, with the two ways of
 * following a changing world (Garivier and Moulines 2011):
 *  - discount gamma < 1: every update multiplies all arms' statistics by gamma, so old
 *    rewards fade (applied lazily: an arm's numbers are scaled by gamma^(t - t_last)
 *    when read);
 *  - window W > 0: only the last W rewards (over all arms) count; the oldest leaves its
 *    arm's sums when a new one arrives.
 * With neither, the statistics are plain counts and sums. Arms are indexed by slot. */
#ifndef OTTER_BANDIT_ARMS_INT_H
#define OTTER_BANDIT_ARMS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec_int.h"
#include "otter/bandit.h"

typedef struct otter__arm {
    double n, s, s2; /* weight, reward sum, squared sum (discounted / windowed) */
    uint64_t t_last; /* update count when n, s, s2 were last scaled */
    uint64_t pulls;  /* all rewards ever learned */
    double total;    /* sum of all rewards ever learned */
    int live;
} otter__arm;

typedef struct otter__arms {
    double gamma;
    size_t window;
    uint64_t t; /* updates so far */
    otter__arm *a;
    size_t n_slots, cap;
    uint32_t *ring_slot; /* window: the last W (slot, reward) pairs, oldest at head */
    double *ring_val;
    size_t head, len;
} otter__arms;

/* gamma in (0, 1], window >= 0 (0: none); both set is rejected by the policies' check. */
otter_status otter__arms_init(otter__arms *s, double gamma, size_t window, otter_error *err);
void otter__arms_free(otter__arms *s);
otter_status otter__arms_add(otter__arms *s, uint32_t slot, otter_error *err);
void otter__arms_remove(otter__arms *s, uint32_t slot);
void otter__arms_update(otter__arms *s, uint32_t slot, double reward);
/* Effective weight, sum and squared sum of slot now. */
void otter__arms_get(const otter__arms *s, uint32_t slot, double *n, double *sum, double *sum2);
/* Sum of the effective weights of the live arms. */
double otter__arms_total(const otter__arms *s);
/* Fills pulls, reward_sum (all time), mean (effective); the rest NaN. */
void otter__arms_stats(const otter__arms *s, uint32_t slot, otter_arm_stats *out);
/* Interval and probability of being best from the normal approximation of each arm's
 * mean (mean +- 1.96 sd / sqrt(n); prob_best by 1000 Monte Carlo draws); fills out[i]
 * for slot[i] (estimate = mean). Arms without rewards get NaN. */
void otter__arms_normal_stats(const otter__arms *s, const uint32_t *slot, size_t n, otter_rng *rng,
                              otter_arm_stats *out);
void otter__arms_encode(const otter__arms *s, otter__wr *w);
otter_status otter__arms_decode(otter__arms *s, otter__rd *r, otter_error *err);
size_t otter__arms_bytes(const otter__arms *s);

/* Parameters every non-contextual policy takes, for their tables. */
#define OTTER__ARMS_PARAMS                                                                         \
    {"discount", OTTER_PARAM_DOUBLE,                                                               \
     "1",        0,                                                                                \
     1,          OTTER_PARAM_MIN_EXCLUSIVE,                                                        \
     NULL,       "per-update discount of past rewards (1 = none; e.g. 0.999 follows drift)"},      \
    {                                                                                              \
        "window", OTTER_PARAM_INT, "0", 0, 1e8, 0, NULL,                                           \
            "only the last N rewards count (0 = all; sliding-window policy)"                       \
    }

#endif
