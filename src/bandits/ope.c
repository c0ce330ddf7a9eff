/* Off-policy evaluation by replay (see include/otter/ope.h for the estimators, the
 * learning rule and what is unbiased).
 *
 * Everything goes through the public bandit and learner APIs: the candidate is an
 * otter_bandit ranked with `defer` (so a decision it does not learn from expires
 * unlearned) and, when accepted, activated and rewarded; the reward model is one
 * `linreg` otter_learner per arm. Sums are kept as running moments, so memory does not
 * grow with the log. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/context.h"
#include "otter/learner.h"
#include "otter/ope.h"

#define Z95 1.959963984540054
#define OPE_EPOCH_MS 1000000000000LL
#define OPE_STEP_MS 2001 /* > reward_wait (1 s): a deferred decision expires by the next */

/* Running mean and sum of squared deviations (Welford). */
typedef struct moments {
    uint64_t n;
    double mean, m2;
} moments;

static void moments_add(moments *m, double v)
{
    m->n++;
    double d = v - m->mean;
    m->mean += d / (double)m->n;
    m->m2 += d * (v - m->mean);
}

static otter_ope_estimate estimate_of(double value, double se)
{
    otter_ope_estimate e = {value, se, value - Z95 * se, value + Z95 * se};
    return e;
}

static otter_ope_estimate mean_estimate(const moments *m)
{
    if (m->n == 0)
        return estimate_of(NAN, NAN);
    double se = m->n > 1 ? sqrt(m->m2 / (double)(m->n - 1) / (double)m->n) : NAN;
    return estimate_of(m->mean, se);
}

struct otter_ope {
    otter_bandit *cand;
    size_t k;
    char **arms;           /* the options' arms (copies), index = arm */
    otter_learner **model; /* per-arm linreg */
    uint64_t *arm_n;       /* events logged per arm */
    double *arm_sum;       /* their reward sums */
    double all_sum, r_lo, r_hi;
    double floor;
    otter_rng rng;
    uint64_t n, zero, estimated, accepted;
    moments logged, ips, dr, replay;
    double sw, sw2, sw2r, sw2r2, swr, wmax;
    double *pi, *q; /* per-arm scratch */
    otter_decision dec;
};

/* ---- creation ---- */

static otter_status check_options(const otter_ope_options *o, otter_error *err)
{
    if (!o || !o->policy)
        return otter_error_set(err, OTTER_INVALID, "options and options.policy are required");
    if (!o->arms || o->n_arms == 0)
        return otter_error_set(err, OTTER_INVALID, "options.arms: at least one arm is required");
    for (size_t i = 0; i < o->n_arms; i++) {
        if (!o->arms[i] || !*o->arms[i])
            return otter_error_set(err, OTTER_INVALID, "options.arms: arm %zu has no name", i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->arms[i], o->arms[j]) == 0)
                return otter_error_set(err, OTTER_INVALID, "options.arms: '%.64s' is listed twice",
                                       o->arms[i]);
    }
    if (!(o->accept_floor >= 0 && o->accept_floor <= 1))
        return otter_error_set(err, OTTER_INVALID, "options.accept_floor must be in [0, 1]");
    return OTTER_OK;
}

/* The candidate's parameters: the caller's with the replay's event handling. */
static otter_status candidate_params(const otter_params *user, otter_params **out, otter_error *err)
{
    otter_status st = user ? otter_params_clone(user, out, err) : otter_params_create(out, err);
    if (st == OTTER_OK)
        st = otter_params_set(*out, "reward_wait", "1", err);
    if (st == OTTER_OK)
        st = otter_params_set(*out, "default_reward", "none", err);
    if (st == OTTER_OK) /* resolved replay decisions are never asked about again */
        st = otter_params_set(*out, "remember", "0", err);
    return st;
}

static otter_status make_models(const otter_context *ctx, otter_ope *o, const otter_params *mp,
                                otter_error *err)
{
    otter_params *p = NULL;
    otter_status st = mp ? otter_params_clone(mp, &p, err) : otter_params_create(&p, err);
    if (st == OTTER_OK && !otter_params_get(p, "bits"))
        st = otter_params_set(p, "bits", "12", err);
    for (size_t a = 0; a < o->k && st == OTTER_OK; a++)
        st = otter_learner_create(ctx, "linreg", p, &o->model[a], err);
    otter_params_destroy(p);
    if (st != OTTER_OK)
        otter_error_prefix(err, "reward model");
    return st;
}

static otter_status alloc_arms(otter_ope *o, const otter_ope_options *opts, otter_error *err)
{
    o->k = opts->n_arms;
    o->arms = calloc(o->k, sizeof *o->arms);
    o->model = calloc(o->k, sizeof *o->model);
    o->arm_n = calloc(o->k, sizeof *o->arm_n);
    o->arm_sum = calloc(o->k, sizeof *o->arm_sum);
    o->pi = calloc(o->k, sizeof *o->pi);
    o->q = calloc(o->k, sizeof *o->q);
    if (!o->arms || !o->model || !o->arm_n || !o->arm_sum || !o->pi || !o->q)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    for (size_t a = 0; a < o->k; a++) {
        size_t len = strlen(opts->arms[a]);
        if (!(o->arms[a] = malloc(len + 1)))
            return otter_error_set(err, OTTER_NOMEM, "out of memory");
        memcpy(o->arms[a], opts->arms[a], len + 1);
    }
    return OTTER_OK;
}

void otter_ope_destroy(otter_ope *o)
{
    if (!o)
        return;
    otter_bandit_destroy(o->cand);
    for (size_t a = 0; a < o->k; a++) {
        if (o->arms)
            free(o->arms[a]);
        if (o->model)
            otter_learner_destroy(o->model[a]);
    }
    free(o->arms);
    free(o->model);
    free(o->arm_n);
    free(o->arm_sum);
    free(o->pi);
    free(o->q);
    otter_decision_free(&o->dec);
    free(o);
}

otter_status otter_ope_create(const otter_context *ctx, const otter_ope_options *opts,
                              otter_ope **out, otter_error *err)
{
    if (!out)
        return otter_error_set(err, OTTER_INVALID, "output pointer is required");
    otter_status st = check_options(opts, err);
    if (st != OTTER_OK)
        return st;
    otter_ope *o = calloc(1, sizeof *o);
    if (!o)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    otter_decision init = OTTER_DECISION_INIT;
    o->dec = init;
    o->floor = opts->accept_floor;
    o->r_lo = INFINITY;
    o->r_hi = -INFINITY;
    otter_rng_seed(&o->rng, opts->seed ^ 0x6f70652d61636370ull);
    otter_params *cp = NULL;
    st = alloc_arms(o, opts, err);
    if (st == OTTER_OK)
        st = candidate_params(opts->params, &cp, err);
    if (st == OTTER_OK)
        st = otter_bandit_create(ctx, opts->policy, cp, opts->arms, opts->n_arms, &o->cand, err);
    otter_params_destroy(cp);
    if (st == OTTER_OK)
        st = make_models(ctx, o, opts->model_params, err);
    if (st != OTTER_OK) {
        otter_ope_destroy(o);
        return st;
    }
    *out = o;
    return OTTER_OK;
}

const otter_bandit *otter_ope_candidate(const otter_ope *o)
{
    return o ? o->cand : NULL;
}

/* ---- replay ---- */

static size_t arm_of(const otter_ope *o, const char *name)
{
    for (size_t a = 0; a < o->k; a++)
        if (strcmp(o->arms[a], name) == 0)
            return a;
    return SIZE_MAX;
}

static otter_status check_event(const otter_ope *o, const otter_ope_event *ev, size_t *arm,
                                otter_error *err)
{
    if (!ev || !ev->arm)
        return otter_error_set(err, OTTER_INVALID, "event and event.arm are required");
    if ((*arm = arm_of(o, ev->arm)) == SIZE_MAX)
        return otter_error_set(err, OTTER_INVALID, "arm '%.64s' is not one of the %zu arms",
                               ev->arm, o->k);
    if (!(ev->propensity > 0 && ev->propensity <= 1))
        return otter_error_set(err, OTTER_INVALID, "propensity %g is not in (0, 1]",
                               ev->propensity);
    if (!isfinite(ev->reward))
        return otter_error_set(err, OTTER_INVALID, "reward is not a finite number");
    return OTTER_OK;
}

static int has_context(const otter_instance *x)
{
    size_t nd = 0;
    return x && (otter_instance_size(x) > 0 || (otter_instance_dense(x, &nd) && nd > 0));
}

/* The reward model's prediction for arm a at x (only earlier events went into it). */
static otter_status predict_reward(const otter_ope *o, size_t a, const otter_instance *x, double *q,
                                   otter_error *err)
{
    if (o->arm_n[a] == 0) {
        *q = o->n ? o->all_sum / (double)o->n : 0.0;
        return OTTER_OK;
    }
    if (!has_context(x)) {
        *q = o->arm_sum[a] / (double)o->arm_n[a];
        return OTTER_OK;
    }
    otter_prediction p;
    otter_status st = otter_learner_predict(o->model[a], x, &p, err);
    if (st == OTTER_OK)
        *q = p.score < o->r_lo ? o->r_lo : p.score > o->r_hi ? o->r_hi : p.score;
    return st;
}

/* Ranks x with the candidate and fills o->pi (probability per arm). */
static otter_status candidate_probs(otter_ope *o, const otter_ope_event *ev, char *id, int64_t now,
                                    otter_error *err)
{
    otter_rank_request req = {ev->context, NULL, 0, NULL, 0, NULL, id, 1, now};
    otter_status st = otter_bandit_rank(o->cand, &req, &o->dec, err);
    if (st != OTTER_OK)
        return st;
    memset(o->pi, 0, o->k * sizeof *o->pi);
    for (size_t j = 0; j < o->dec.n_ranking; j++) {
        const otter_ranked_arm *r = &o->dec.ranking[j];
        size_t a = arm_of(o, r->arm);
        if (a == SIZE_MAX)
            return otter_error_set(err, OTTER_INTERNAL, "candidate ranked unknown arm '%.64s'",
                                   r->arm);
        o->pi[a] = r->probability;
    }
    return OTTER_OK;
}

/* Rejection-sampling replay: learn when the candidate's own draw is the logged arm,
 * then with probability min(1, floor / propensity). */
static otter_status maybe_learn(otter_ope *o, const otter_ope_event *ev, size_t arm, const char *id,
                                int64_t now, otter_error *err)
{
    if (arm_of(o, o->dec.arm) != arm)
        return OTTER_OK;
    if (o->floor > 0 && o->floor < ev->propensity &&
        otter_rng_uniform(&o->rng) >= o->floor / ev->propensity)
        return OTTER_OK;
    otter_status st = otter_bandit_activate(o->cand, id, now, err);
    if (st == OTTER_OK)
        st = otter_bandit_reward(o->cand, id, ev->reward, now, err);
    if (st == OTTER_OK) {
        o->accepted++;
        moments_add(&o->replay, ev->reward);
    }
    return st;
}

/* Adds event terms: weights, IPS, SNIPS sums, DR. */
static void add_terms(otter_ope *o, const otter_ope_event *ev, size_t arm)
{
    double w = o->pi[arm] / ev->propensity, r = ev->reward;
    double dm = 0;
    for (size_t a = 0; a < o->k; a++)
        dm += o->pi[a] * o->q[a];
    moments_add(&o->logged, r);
    moments_add(&o->ips, w * r);
    moments_add(&o->dr, dm + w * (r - o->q[arm]));
    o->sw += w;
    o->sw2 += w * w;
    o->swr += w * r;
    o->sw2r += w * w * r;
    o->sw2r2 += w * w * r * r;
    o->wmax = w > o->wmax ? w : o->wmax;
    o->zero += o->pi[arm] == 0;
    o->estimated += o->dec.propensity_estimated != 0;
}

static otter_status learn_model(otter_ope *o, const otter_ope_event *ev, size_t arm,
                                otter_error *err)
{
    if (has_context(ev->context)) {
        otter_status st = otter_learner_learn(o->model[arm], ev->context, ev->reward, 1.0, err);
        if (st != OTTER_OK)
            return st;
    }
    o->arm_n[arm]++;
    o->arm_sum[arm] += ev->reward;
    o->all_sum += ev->reward;
    o->r_lo = ev->reward < o->r_lo ? ev->reward : o->r_lo;
    o->r_hi = ev->reward > o->r_hi ? ev->reward : o->r_hi;
    return OTTER_OK;
}

otter_status otter_ope_add(otter_ope *o, const otter_ope_event *ev, otter_error *err)
{
    if (!o)
        return otter_error_set(err, OTTER_INVALID, "evaluation is required");
    size_t arm = 0;
    otter_status st = check_event(o, ev, &arm, err);
    for (size_t a = 0; a < o->k && st == OTTER_OK; a++)
        st = predict_reward(o, a, ev->context, &o->q[a], err);
    if (st != OTTER_OK)
        return st;
    char id[OTTER_EVENT_ID_MAX];
    snprintf(id, sizeof id, "ope-%" PRIu64, o->n);
    int64_t now = OPE_EPOCH_MS + (int64_t)o->n * OPE_STEP_MS;
    if ((st = candidate_probs(o, ev, id, now, err)) != OTTER_OK)
        return st;
    add_terms(o, ev, arm);
    o->n++;
    if ((st = learn_model(o, ev, arm, err)) != OTTER_OK)
        return st;
    return maybe_learn(o, ev, arm, id, now, err);
}

/* ---- results ---- */

static otter_ope_estimate snips_estimate(const otter_ope *o)
{
    if (o->n == 0 || !(o->sw > 0))
        return estimate_of(NAN, NAN);
    double v = o->swr / o->sw, n = (double)o->n;
    if (o->n < 2)
        return estimate_of(v, NAN);
    double ss = o->sw2r2 - 2 * v * o->sw2r + v * v * o->sw2; /* sum (w r - v w)^2 */
    double mw = o->sw / n;
    double se = sqrt((ss > 0 ? ss : 0) / (n - 1) / n) / mw;
    return estimate_of(v, se);
}

void otter_ope_summarize(const otter_ope *o, otter_ope_result *out)
{
    memset(out, 0, sizeof *out);
    out->events = o->n;
    out->logged_value = o->n ? o->logged.mean : NAN;
    out->ips = mean_estimate(&o->ips);
    out->snips = snips_estimate(o);
    out->dr = mean_estimate(&o->dr);
    out->ess = o->sw2 > 0 ? o->sw * o->sw / o->sw2 : 0.0;
    out->mean_weight = o->n ? o->sw / (double)o->n : NAN;
    out->max_weight = o->wmax;
    out->zero_prob = o->zero;
    out->estimated_prob = o->estimated;
    out->accepted = o->accepted;
    out->replay = mean_estimate(&o->replay);
}
