/* Off-policy evaluation: how well would a candidate bandit policy have done on the
 * decisions another policy (the logging policy) made and logged?
 *
 * A log is a sequence of events (context x, logged arm a, propensity p = the logging
 * policy's probability of a given x, reward r). The candidate is a bandit created from
 * a registered policy type, parameters and the log's arms, and is evaluated by replay:
 * for each event in log order, it ranks x (without knowing a or r), which gives its
 * probability pi(a'|x) of every arm a', and then may learn from the event.
 *
 * Estimates (w = pi(a|x) / p, the importance weight of the event):
 *   IPS    mean of w r (inverse propensity scoring, Horvitz-Thompson).
 *   SNIPS  sum w r / sum w (self-normalized IPS).
 *   DR     mean of sum_a' pi(a'|x) q(x,a') + w (r - q(x,a)) (doubly robust), where q is a
 *          reward model fitted online on the events before this one: per arm, a `linreg`
 *          learner on the context when the event has context features, else the arm's
 *          running mean reward (the running mean of all rewards for an arm not logged
 *          yet, 0 before the first event); linreg predictions are clipped to the range
 *          of rewards seen so far.
 * Each comes with a 95% confidence interval from the normal approximation: value +/-
 * 1.96 se, se the empirical standard deviation of the per-event terms over sqrt(n)
 * (for SNIPS, the delta method: se^2 = sum (w r - V w)^2 / ((n - 1) n mean(w)^2)).
 * Also reported: the effective sample size (sum w)^2 / sum w^2, the mean weight (its
 * expectation is 1 when the candidate only puts probability where the logger does and
 * the propensities are right: a quick check of a log), the largest weight, and how
 * many events had pi(a|x) = 0 (they contribute nothing to IPS and SNIPS).
 *
 * Guarantees. For a candidate that does not learn (its probabilities depend only on x),
 * IPS and DR are unbiased for its value whenever the logged propensities are the true
 * ones and p > 0 wherever pi > 0 (DR for any reward model, because q at an event only
 * depends on earlier events); SNIPS is consistent, with a bias of order 1/n, and
 * usually a much smaller variance. The intervals are asymptotic (normal) and
 * undercover on small or heavy-tailed logs (few events with large weights: look at
 * the effective sample size).
 *
 * Learning candidates. A bandit learns only the reward of the arm it chose, so the
 * replay lets the candidate learn from an event only when the arm it drew itself
 * (from its own seeded RNG, independent of the logger's) is the logged arm, and then
 * with probability min(1, accept_floor / p): rejection sampling (Li, Chu, Langford and
 * Wang 2011, "Unbiased offline evaluation of contextual-bandit-based news article
 * recommendation algorithms", generalized to non-uniform logging). With accept_floor
 * at most the smallest propensity the logger ever uses, an event is accepted with
 * probability accept_floor whatever x is, and the accepted arm is distributed as
 * pi(.|x): the accepted events are distributed exactly as the candidate's own online
 * run, so the mean reward over them (`replay`) is an unbiased estimate of the
 * candidate's average online reward over `accepted` decisions. accept_floor = 0 accepts
 * every match, which is the same thing for a uniformly random logger and biased towards
 * the logger's favourite arms otherwise. The IPS, SNIPS and DR terms of event t use the
 * candidate's probabilities at t (learned from accepted events before t only), so for
 * a learning candidate they estimate the mean over t of the value of the policy it was
 * at step t: the value along its replayed learning curve, which runs slower than an
 * online one (about accept_floor accepted events per logged event), not its value at
 * the end. Rewards are learned immediately: delays in the original log are not
 * replayed.
 *
 * Replay mechanics: decisions get the event ids "ope-0", "ope-1", ... (so the
 * candidate's random draws do not reuse the logger's), are ranked deferred at a
 * simulated time that advances 2001 ms per event, and the candidate's reward_wait and
 * default_reward parameters are set to 1 and none (a decision not accepted expires
 * unlearned). Its other parameters, seed included, are the caller's.
 *
 * Thread safety: an otter_ope is used by one thread at a time.
 */
#ifndef OTTER_OPE_H
#define OTTER_OPE_H

#include <stddef.h>
#include <stdint.h>

#include "bandit.h"
#include "instance.h"
#include "params.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_ope otter_ope;

typedef struct otter_ope_options {
    const char *policy;         /* the candidate's registered bandit policy type */
    const otter_params *params; /* its parameters; may be NULL (defaults) */
    const char *const *arms;    /* the arms the logger chose among: >= 1, unique */
    size_t n_arms;
    double accept_floor;              /* in [0, 1]; see "Learning candidates" above */
    const otter_params *model_params; /* the per-arm linreg reward models' parameters
                                         (may be NULL); bits is 12 unless set here */
    uint64_t seed;                    /* seed of the acceptance draws */
} otter_ope_options;

/* One logged event. */
typedef struct otter_ope_event {
    const otter_instance *context; /* may be NULL (no context) */
    const char *arm;               /* the logged arm: one of the options' arms */
    double propensity;             /* the logger's probability of that arm: in (0, 1] */
    double reward;                 /* finite */
} otter_ope_event;

typedef struct otter_ope_estimate {
    double value;        /* NaN when undefined (no events; SNIPS when sum w = 0) */
    double se;           /* standard error; NaN with fewer than two events */
    double lower, upper; /* 95% interval, value -/+ 1.959964 se */
} otter_ope_estimate;

typedef struct otter_ope_result {
    uint64_t events;
    double logged_value; /* mean logged reward: the logging policy's own value */
    otter_ope_estimate ips, snips, dr;
    double ess;                /* effective sample size (sum w)^2 / sum w^2 */
    double mean_weight;        /* sum w / n */
    double max_weight;         /* largest w */
    uint64_t zero_prob;        /* events where pi(logged arm | x) = 0 */
    uint64_t estimated_prob;   /* events whose probabilities the candidate estimated by
                                  sampling (prob_estimated): their weights are estimates */
    uint64_t accepted;         /* events the candidate learned from */
    otter_ope_estimate replay; /* mean reward of the accepted events (interval as if
                                  they were independent) */
} otter_ope_result;

/* Creates an evaluation: validates the options (OTTER_INVALID naming the field: no or
 * duplicate arms, accept_floor outside [0, 1]), then creates the candidate
 * (OTTER_NOT_FOUND for an unknown policy, OTTER_INVALID for bad parameters, as
 * otter_bandit_create) and one linreg reward model per arm. opts and what it points
 * to are borrowed for the call only. On success *out is owned by the caller. */
otter_status otter_ope_create(const otter_context *ctx, const otter_ope_options *opts,
                              otter_ope **out, otter_error *err);

/* Frees it. NULL is a no-op. */
void otter_ope_destroy(otter_ope *ope);

/* Replays one event (events must come in log order). The event is checked first and
 * rejected with OTTER_INVALID, nothing changed, for: an arm that is not one of the
 * options' arms, a propensity that is not in (0, 1], a non-finite reward. Other errors
 * are the candidate's (otter_bandit_rank: a NaN/Inf context value) or OTTER_NOMEM.
 * ev and its pointers are borrowed for the call. */
otter_status otter_ope_add(otter_ope *ope, const otter_ope_event *ev, otter_error *err);

/* The estimates over the events added so far. */
void otter_ope_summarize(const otter_ope *ope, otter_ope_result *out);

/* The candidate (borrowed; valid until otter_ope_destroy): its type, parameters and
 * what it learned (otter_bandit_describe, otter_bandit_arm_stats). Do not rank or
 * reward through it. */
const otter_bandit *otter_ope_candidate(const otter_ope *ope);

#ifdef __cplusplus
}
#endif
#endif
