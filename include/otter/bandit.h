/* Bandits: policies that choose an arm for a context, and learn from rewards that
 * arrive later, by event id.
 *
 * A bandit is created from a registered policy type, parameters and a list of arms
 * (names). otter_bandit_rank chooses an arm, returns the full ranking with scores and
 * the probability with which the chosen arm was chosen (the propensity), and records
 * the decision as a pending event under an event id. otter_bandit_reward(event id,
 * reward) makes the policy learn from it. A decision that is not rewarded within
 * `reward_wait` seconds expires; the `default_reward` is then applied (or nothing when
 * it is "none"). A decision ranked with `defer` is learned from only once
 * otter_bandit_activate says the chosen item was really shown.
 *
 * Every policy implements the versioned methods table otter_bandit_type and is
 * registered by name in an otter_context, like the learners. Callers use only the
 * otter_bandit_* functions below.
 *
 * Determinism: a randomized policy draws from an RNG seeded by (bandit seed, event id),
 * so the same event id in the same state gives the same decision; rewards and expiry
 * are deterministic given the order of calls and their times, so replaying a log gives
 * bit-identical state. Times are passed in (milliseconds since the epoch, 0 = read the
 * system clock) so that tests and replays control them.
 *
 * Thread safety: an otter_bandit is not internally locked; rank, reward, activate,
 * expire and arm changes need exclusive access (the store and the server hold a lock
 * per bandit). Functions taking a const bandit may run concurrently with each other.
 *
 * Parameters every policy accepts (with the policy's own):
 *   seed            u64 seed of every random choice (default 1)
 *   dim             context dimension d for contextual policies (default 16)
 *   features        comma list of numeric feature names mapped to dimensions 0..n-1 in
 *                   order; empty (default): features are hashed into the d dimensions
 *   reward_wait     seconds a decision waits for its reward (default 600)
 *   default_reward  reward applied at expiry, or "none" (default 0, as Personalizer); a
 *                   decision whose default the policy refuses counts as dropped
 *   remember        seconds a resolved decision's id is kept (default 600) so that a
 *                   late or repeated reward gets OTTER_EXPIRED / OTTER_CONFLICT; 0
 *                   forgets at once (such rewards then get OTTER_NOT_FOUND)
 */
#ifndef OTTER_BANDIT_H
#define OTTER_BANDIT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "instance.h"
#include "learner.h"
#include "params.h"
#include "rng.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_bandit otter_bandit;

#define OTTER_EVENT_ID_MAX 64 /* bytes of an event id, including the terminating NUL */
#define OTTER_ARM_NAME_MAX 256

/* ---- the policy interface (implementations) ---- */

/* What a policy ranks: candidate arms by slot (a bandit's arm numbers; never reused
 * after an arm is removed), each with its context vector when the policy is contextual
 * (n rows of dim doubles, the row of arm i at x + i * dim), and the decision's RNG. */
typedef struct otter_bandit_candidates {
    const uint32_t *slot;
    size_t n;
    const double *x; /* NULL when dim is 0 */
    size_t dim;
    otter_rng *rng;     /* seeded by (bandit seed, event id) */
    uint64_t unit_hash; /* 64-bit hash of the unit id (the event id when none was given) */
} otter_bandit_candidates;

/* What a policy returns: the chosen candidate (index into the candidates), a score per
 * candidate (higher ranks first after the chosen one) and, per candidate, the
 * probability that the policy would choose it for this context (sums to 1 over the
 * candidates). prob_estimated is 1 when the probabilities come from sampling. */
typedef struct otter_bandit_choice {
    size_t chosen;
    double *score; /* n entries, provided by the caller */
    double *prob;  /* n entries, provided by the caller */
    int prob_estimated;
} otter_bandit_choice;

/* Per-arm statistics for people. NaN where a policy has no such notion. */
typedef struct otter_arm_stats {
    uint64_t pulls;      /* rewards learned from (including default rewards) */
    double reward_sum;   /* sum of those rewards, all time (not discounted) */
    double mean;         /* mean reward */
    double estimate;     /* the policy's value estimate (posterior mean, ...) */
    double lower, upper; /* credible / confidence interval of the estimate (95%) */
    double prob_best;    /* probability of being the best arm (Monte Carlo), NaN if none */
} otter_arm_stats;

#define OTTER_BANDIT_ABI 1

/* The methods table. Static const per policy; new members are only ever appended (and
 * `abi` bumped). `self` is the policy's private state. */
typedef struct otter_bandit_type {
    int abi;
    const char *name;    /* registry key: "thompson", "linucb", ... */
    const char *summary; /* one line for listings */
    uint16_t state_version;
    const otter_param_spec *params; /* the policy's own (the common ones are added) */
    size_t n_params;
    int contextual; /* 1: rank and update read the context vectors */
    otter_status (*check)(const otter_param_value *values, otter_error *err);
    otter_status (*create)(const otter_param_value *values, size_t dim, void **self,
                           otter_error *err);
    /* A new arm slot (slots only grow); remove frees its statistics. */
    otter_status (*add_arm)(void *self, uint32_t slot, otter_error *err);
    void (*remove_arm)(void *self, uint32_t slot);
    /* Must not mutate self (may run concurrently with other ranks). */
    otter_status (*rank)(const void *self, const otter_bandit_candidates *c,
                         otter_bandit_choice *out, otter_error *err);
    /* Learns a reward for slot; x is the decision's context row (NULL when not
     * contextual); propensity is the probability the arm had when chosen. */
    otter_status (*update)(void *self, uint32_t slot, const double *x, double reward,
                           double propensity, otter_error *err);
    otter_status (*encode)(const void *self, otter_buf *out, otter_error *err);
    /* Rebuilds state from a payload of format `version` (<= state_version); must reject
     * malformed bytes with OTTER_CORRUPT and never read out of bounds. */
    otter_status (*decode)(const otter_param_value *values, size_t dim, uint16_t version,
                           const uint8_t *payload, size_t len, void **self, otter_error *err);
    /* Statistics of n slots; rng for Monte Carlo estimates (prob_best). */
    void (*arm_stats)(const void *self, const uint32_t *slot, size_t n, otter_rng *rng,
                      otter_arm_stats *out);
    void (*describe)(const void *self, const otter_kv_sink *sink);
    size_t (*bytes)(const void *self);
    void (*destroy)(void *self);
} otter_bandit_type;

/* ---- using bandits ---- */

/* Creates a bandit of a registered policy with the given arms (names, unique, 1..255
 * bytes, at least one). params may be NULL. OTTER_NOT_FOUND for an unknown type,
 * OTTER_INVALID for bad params or arms. */
otter_status otter_bandit_create(const otter_context *ctx, const char *type,
                                 const otter_params *params, const char *const *arms, size_t n_arms,
                                 otter_bandit **out, otter_error *err);

/* Frees the bandit (and its pending events). NULL is a no-op. */
void otter_bandit_destroy(otter_bandit *bandit);

/* A ranking request. Only `context` matters to contextual policies: its numeric
 * features (and the dense array, at dimensions 0..) give each candidate's vector;
 * categorical features enter as indicators when features are hashed. Features in the
 * namespace "@ARM" belong to arm ARM only and map to the same dimensions for every arm
 * (per-arm features: a shared model learns one coefficient for each). */
typedef struct otter_rank_request {
    const otter_instance *context; /* may be NULL */
    const char *const *arms;       /* candidates (NULL: every arm) */
    size_t n_arms;
    const char *const *exclude; /* arms not to rank (may be NULL) */
    size_t n_exclude;
    const char *unit;     /* sticky assignment key for `ab` (NULL: the event id) */
    const char *event_id; /* caller's id (printable, < OTTER_EVENT_ID_MAX); NULL: made */
    int defer;            /* 1: learn from it only after otter_bandit_activate */
    int64_t now_ms;       /* decision time (0: the system clock) */
} otter_rank_request;

typedef struct otter_ranked_arm {
    const char *arm;    /* borrowed: valid until the arm is removed or the bandit freed */
    double score;       /* the policy's score */
    double probability; /* probability the policy would choose it for this context */
} otter_ranked_arm;

/* A decision. Owned by the caller, reusable across calls: initialize with
 * OTTER_DECISION_INIT, release with otter_decision_free. */
typedef struct otter_decision {
    char event_id[OTTER_EVENT_ID_MAX];
    const char *arm;           /* the chosen arm (= ranking[0].arm) */
    double propensity;         /* = ranking[0].probability */
    int propensity_estimated;  /* 1 when estimated by sampling (no closed form) */
    otter_ranked_arm *ranking; /* chosen first, then by score, highest first */
    size_t n_ranking, cap;
} otter_decision;

#define OTTER_DECISION_INIT                                                                        \
    {                                                                                              \
        {0}, NULL, 0.0, 0, NULL, 0, 0                                                              \
    }
void otter_decision_free(otter_decision *d);

/* Chooses an arm and records the decision as a pending event. OTTER_EXISTS when the
 * event id is already in use (pending or recently resolved), OTTER_INVALID for unknown
 * arms, an empty candidate set or a bad event id, OTTER_INVALID for a NaN/Inf context
 * value. Applies expiries due at now_ms first. */
otter_status otter_bandit_rank(otter_bandit *bandit, const otter_rank_request *req,
                               otter_decision *out, otter_error *err);

/* Learns reward (finite, |reward| <= 1e100; a policy may accept less, e.g. [0, 1] for
 * Bernoulli models) for the event. OTTER_NOT_FOUND for an unknown event id,
 * OTTER_EXPIRED when it expired, OTTER_CONFLICT when it was already rewarded,
 * OTTER_STATE when it was deferred and never activated. Resolved ids are remembered
 * for `remember` seconds after they resolve, then forgotten (NOT_FOUND). */
otter_status otter_bandit_reward(otter_bandit *bandit, const char *event_id, double reward,
                                 int64_t now_ms, otter_error *err);

/* Marks a deferred decision as shown. Same errors as reward; OTTER_CONFLICT when it is
 * already active. */
otter_status otter_bandit_activate(otter_bandit *bandit, const char *event_id, int64_t now_ms,
                                   otter_error *err);

/* Expires the decisions whose wait ended by now_ms (default rewards learned, deferred
 * ones dropped); *n_expired (may be NULL) receives how many. */
otter_status otter_bandit_expire(otter_bandit *bandit, int64_t now_ms, size_t *n_expired,
                                 otter_error *err);

/* Adds an arm (OTTER_EXISTS if present) or removes one (OTTER_NOT_FOUND if absent; the
 * last arm cannot be removed: OTTER_STATE). Pending decisions for a removed arm are
 * dropped when their reward or expiry arrives. */
otter_status otter_bandit_add_arm(otter_bandit *bandit, const char *arm, otter_error *err);
otter_status otter_bandit_remove_arm(otter_bandit *bandit, const char *arm, otter_error *err);

size_t otter_bandit_arm_count(const otter_bandit *bandit);
/* The i-th arm in creation order (borrowed), NULL when i is out of range. */
const char *otter_bandit_arm_at(const otter_bandit *bandit, size_t i);

/* Statistics of the i-th arm (prob_best by Monte Carlo, seeded from the bandit seed). */
otter_status otter_bandit_arm_stats(const otter_bandit *bandit, size_t i, otter_arm_stats *out,
                                    otter_error *err);

/* Pending decisions (waiting for a reward or an activation). */
size_t otter_bandit_pending(const otter_bandit *bandit);

/* Appends the bandit's state blob (the OTR1 frame: type, params, payload: arms,
 * counters, pending events and the policy's state) to out. */
otter_status otter_bandit_encode(const otter_bandit *bandit, otter_buf *out, otter_error *err);

/* Rebuilds a bandit from a blob; errors as otter_learner_decode. */
otter_status otter_bandit_decode(const otter_context *ctx, const uint8_t *blob, size_t len,
                                 otter_bandit **out, otter_error *err);

const otter_bandit_type *otter_bandit_type_of(const otter_bandit *bandit);
/* Canonical "name=value\n" text of the resolved parameters (borrowed). */
const char *otter_bandit_params_text(const otter_bandit *bandit);
size_t otter_bandit_bytes(const otter_bandit *bandit);

/* Reports "type", "arms", "decisions", "rewards", "expired", "pending", "bytes", then
 * the policy's own keys. */
void otter_bandit_describe(const otter_bandit *bandit, const otter_kv_sink *sink);

#ifdef __cplusplus
}
#endif
#endif
