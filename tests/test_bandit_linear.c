/* The linear contextual bandits, linucb and lints: they learn a linear world (close to
 * the oracle, far ahead of the non-contextual epsilon-greedy and Gaussian Thompson
 * sampling), their Cholesky-updated models equal from-scratch LAPACK solves, forgetting
 * follows a switched world, a shared model learns per-arm features, and the contract:
 * bit-identical round trips mid-stream, determinism, named parameter errors, NaN/Inf
 * refused with the state unchanged, arms added and removed mid-stream. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bandits/lin_int.h"
#include "core/blas_int.h"
#include "core/chol_int.h"
#include "test_util.h"

enum { MAXK = 12, MAXD = 16 };

static otter_context *ctx;

static void setup(void)
{
    otter_error err = {0};
    ck_assert_int_eq(otter_context_create(&ctx, &err), OTTER_OK);
}

static void teardown(void)
{
    otter_context_destroy(ctx);
}

/* A bandit with arms a0..a{k-1}. */
static otter_bandit *make(const char *type, const char *params, size_t k)
{
    char names[MAXK][24];
    const char *arms[MAXK];
    for (size_t a = 0; a < k; a++) {
        snprintf(names[a], sizeof names[a], "a%zu", a);
        arms[a] = names[a];
    }
    otter_params *p = test_params(params);
    otter_bandit *b = NULL;
    OK(otter_bandit_create(ctx, type, p, arms, k, &b, err));
    otter_params_destroy(p);
    return b;
}

static size_t arm_no(const char *name)
{
    return (size_t)strtoul(name + 1, NULL, 10);
}

static void blob_of(const otter_bandit *b, otter_buf *out)
{
    out->len = 0;
    OK(otter_bandit_encode(b, out, err));
}

static int same_blob(const otter_buf *x, const otter_buf *y)
{
    return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
}

/* ---- a linear world ---- */

/* Arm a's expected reward for context x is theta[a] . x (theta unit vectors), with
 * x ~ N(0, I) / sqrt(d) and Gaussian noise; from `switch_at` on, arm a pays what arm
 * a + 1 paid. Everything is drawn up front so every policy sees the same stream. */
typedef struct world {
    size_t k, d, T, switch_at;
    double theta[MAXK][MAXD];
    double *x, *noise;
} world;

static void world_make(world *w, size_t k, size_t d, size_t T, uint64_t seed, double sd)
{
    otter_rng rng;
    otter_rng_seed(&rng, seed);
    *w = (world){k, d, T, T, {{0}}, malloc(T * d * sizeof(double)), malloc(T * sizeof(double))};
    for (size_t a = 0; a < k; a++) {
        double n2 = 0;
        for (size_t j = 0; j < d; j++) {
            w->theta[a][j] = otter_rng_normal(&rng);
            n2 += w->theta[a][j] * w->theta[a][j];
        }
        for (size_t j = 0; j < d; j++)
            w->theta[a][j] /= sqrt(n2);
    }
    for (size_t i = 0; i < T * d; i++)
        w->x[i] = otter_rng_normal(&rng) / sqrt((double)d);
    for (size_t t = 0; t < T; t++)
        w->noise[t] = sd * otter_rng_normal(&rng);
}

static void world_free(world *w)
{
    free(w->x);
    free(w->noise);
}

static double world_mean(const world *w, size_t t, size_t a)
{
    size_t arm = t >= w->switch_at ? (a + 1) % w->k : a;
    double s = 0;
    for (size_t j = 0; j < w->d; j++)
        s += w->theta[arm][j] * w->x[t * w->d + j];
    return s;
}

static double world_best(const world *w, size_t t)
{
    double best = -INFINITY;
    for (size_t a = 0; a < w->k; a++)
        best = fmax(best, world_mean(w, t, a));
    return best;
}

typedef struct result {
    double last, oracle_last; /* mean expected reward over the last 20% of the steps */
    double regret;            /* summed expected regret */
} result;

/* Plays the world: rank, then reward at once. */
static result play(otter_bandit *b, const world *w)
{
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_decision dec = OTTER_DECISION_INIT;
    otter_rank_request req = {0};
    req.context = inst;
    result res = {0, 0, 0};
    size_t from = w->T - w->T / 5;
    for (size_t t = 0; t < w->T; t++) {
        otter_instance_clear(inst);
        OK(otter_instance_set_dense(inst, w->x + t * w->d, w->d, err));
        req.now_ms = 1000 + (int64_t)t;
        OK(otter_bandit_rank(b, &req, &dec, err));
        size_t a = arm_no(dec.arm);
        double mean = world_mean(w, t, a), best = world_best(w, t);
        OK(otter_bandit_reward(b, dec.event_id, mean + w->noise[t], req.now_ms, err));
        res.regret += best - mean;
        if (t >= from) {
            res.last += mean;
            res.oracle_last += best;
        }
    }
    res.last /= (double)(w->T - from);
    res.oracle_last /= (double)(w->T - from);
    otter_decision_free(&dec);
    otter_instance_destroy(inst);
    return res;
}

static result play_new(const char *type, const char *params, const world *w)
{
    char p[256];
    snprintf(p, sizeof p, "dim=%zu%s%s", w->d, *params ? "," : "", params);
    otter_bandit *b = make(type, p, w->k);
    result r = play(b, w);
    otter_bandit_destroy(b);
    return r;
}

/* ---- learning ---- */

static const struct {
    const char *type, *params;
} learners[] = {
    {"linucb", ""},
    {"linucb", "alpha=0.5,lambda=2"},
    {"lints", ""},
    {"lints", "v=0.2,propensity_samples=20"},
};

START_TEST(approaches_the_oracle_and_beats_epsilon_greedy)
{
    world w;
    world_make(&w, 5, 8, 4000, 17, 0.1);
    result eg = play_new("epsilon-greedy", "", &w);
    result ts = play_new("thompson", "likelihood=gaussian", &w);
    result r = play_new(learners[_i].type, learners[_i].params, &w);
    printf("%s(%s): last 20%% %.4f vs oracle %.4f (%.1f%%); regret %.1f vs epsilon-greedy "
           "%.1f, thompson %.1f\n",
           learners[_i].type, learners[_i].params, r.last, r.oracle_last,
           100 * r.last / r.oracle_last, r.regret, eg.regret, ts.regret);
    ck_assert_msg(r.regret < 0.2 * ts.regret, "%s: regret %.1f vs thompson %.1f", learners[_i].type,
                  r.regret, ts.regret);
    ck_assert_msg(r.last >= 0.95 * r.oracle_last, "%s: %.4f vs oracle %.4f", learners[_i].type,
                  r.last, r.oracle_last);
    ck_assert_msg(r.regret < 0.2 * eg.regret, "%s: regret %.1f vs epsilon-greedy %.1f",
                  learners[_i].type, r.regret, eg.regret);
    world_free(&w);
}
END_TEST

/* The factor kept by rank-1 updates (with forgetting: the documented rule, replayed
 * here on a dense matrix) gives the same theta as LAPACK's dposv on the accumulated
 * A and b, to 1e-9 relative, and L L^T reproduces A. */
START_TEST(cholesky_updates_equal_a_scratch_solve)
{
    static const double forgets[] = {1.0, 0.97, 0.3};
    const double f = forgets[_i], lambda = 0.7;
    const size_t d = 7, n = 5000;
    otter_param_value v[OTTER__LIN_NPARAMS] = {{0}};
    v[OTTER__LIN_LAMBDA].d = lambda;
    v[OTTER__LIN_FORGET].d = f;
    otter__lin s;
    OK(otter__lin_init(&s, v, d, err));
    OK(otter__lin_add_arm(&s, 0, err));
    if (f <= 0.5) /* the refresh covers every coordinate: the exact rule */
        ck_assert(s.refresh_m == d && s.refresh_c == (1 - f) * lambda);
    double A[7 * 7] = {0}, b[7] = {0}, x[7];
    for (size_t i = 0; i < d; i++)
        A[i * d + i] = lambda;
    otter_rng rng;
    otter_rng_seed(&rng, 5);
    size_t next = 0;
    for (size_t t = 0; t < n; t++) {
        double scale = pow(10.0, (double)(t % 7) - 3.0); /* rows from 1e-3 to 1e3 */
        for (size_t i = 0; i < d; i++)
            x[i] = scale * otter_rng_normal(&rng);
        double r = otter_rng_normal(&rng) * scale;
        OK(otter__lin_update(&s, 0, x, r, err));
        for (size_t i = 0; i < d * d; i++)
            A[i] *= f;
        for (size_t i = 0; i < d; i++) {
            b[i] = f * b[i] + r * x[i];
            for (size_t j = 0; j < d; j++)
                A[j * d + i] += x[i] * x[j];
        }
        for (size_t j = 0; j < s.refresh_m; j++) {
            A[next * d + next] += s.refresh_c;
            next = (next + 1) % d;
        }
    }
    const otter__lin_model *m = otter__lin_model_of(&s, 0);
    const double *L = m->mem, *theta = otter__lin_theta(&s, m);
    double amax = 0, lerr = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++) {
            double llt = 0;
            for (size_t k = 0; k <= j; k++)
                llt += L[otter__chol_col(d, k) + i - k] * L[otter__chol_col(d, k) + j - k];
            lerr = fmax(lerr, fabs(llt - A[j * d + i]));
            amax = fmax(amax, fabs(A[j * d + i]));
        }
    ck_assert_msg(lerr <= 1e-9 * amax, "L L^T off by %g of %g", lerr, amax);
    double Af[7 * 7], sol[7];
    memcpy(Af, A, sizeof A);
    memcpy(sol, b, sizeof b);
    OK(otter__dposv(d, 1, Af, sol, err));
    double diff = 0, norm = 0;
    for (size_t i = 0; i < d; i++) {
        diff = fmax(diff, fabs(theta[i] - sol[i]));
        norm = fmax(norm, fabs(sol[i]));
    }
    printf("forget %g: theta vs dposv %.3g relative, L L^T vs A %.3g relative\n", f, diff / norm,
           lerr / amax);
    ck_assert_msg(diff <= 1e-9 * norm, "theta off by %g (norm %g)", diff, norm);
    otter__lin_free(&s);
}
END_TEST

/* Through the public API: after a run, every ranked score is theta_a . x + alpha
 * sqrt(x^T A_a^{-1} x) with A_a and b_a accumulated here from the decisions' rows and
 * solved by LAPACK. 5 arms: the scoring pairs candidates, and the fifth goes alone. */
START_TEST(scores_equal_a_scratch_computation)
{
    const int shared = _i;
    const size_t k = 5, d = 6;
    const double lambda = 0.5, alpha = 0.8;
    world w;
    world_make(&w, k, d, 1500, 23, 0.2);
    char p[128];
    snprintf(p, sizeof p, "dim=%zu,lambda=%g,alpha=%g,shared=%d", d, lambda, alpha, shared);
    otter_bandit *bd = make("linucb", p, k);
    static double A[MAXK][MAXD * MAXD], b[MAXK][MAXD];
    memset(A, 0, sizeof A);
    memset(b, 0, sizeof b);
    for (size_t a = 0; a < k; a++)
        for (size_t i = 0; i < d; i++)
            A[a][i * d + i] = lambda;
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_decision dec = OTTER_DECISION_INIT;
    otter_rank_request req = {0};
    req.context = inst;
    for (size_t t = 0; t < w.T; t++) {
        const double *x = w.x + t * d;
        otter_instance_clear(inst);
        OK(otter_instance_set_dense(inst, x, d, err));
        req.now_ms = 1000 + (int64_t)t;
        OK(otter_bandit_rank(bd, &req, &dec, err));
        size_t a = arm_no(dec.arm), m = shared ? 0 : a;
        double r = world_mean(&w, t, a) + w.noise[t];
        OK(otter_bandit_reward(bd, dec.event_id, r, req.now_ms, err));
        for (size_t i = 0; i < d; i++) {
            b[m][i] += r * x[i];
            for (size_t j = 0; j < d; j++)
                A[m][j * d + i] += x[i] * x[j];
        }
    }
    double x0[MAXD];
    for (size_t i = 0; i < d; i++)
        x0[i] = cos((double)i + 0.3);
    otter_instance_clear(inst);
    OK(otter_instance_set_dense(inst, x0, d, err));
    req.now_ms = 1000 + (int64_t)w.T;
    OK(otter_bandit_rank(bd, &req, &dec, err));
    ck_assert_uint_eq(dec.n_ranking, k);
    for (size_t i = 0; i < k; i++) {
        size_t m = shared ? 0 : arm_no(dec.ranking[i].arm);
        double Af[MAXD * MAXD], rhs[2 * MAXD];
        memcpy(Af, A[m], d * d * sizeof *Af);
        memcpy(rhs, b[m], d * sizeof *rhs);
        memcpy(rhs + d, x0, d * sizeof *rhs);
        OK(otter__dposv(d, 2, Af, rhs, err));
        double mean = 0, q = 0;
        for (size_t j = 0; j < d; j++) {
            mean += rhs[j] * x0[j];
            q += rhs[d + j] * x0[j];
        }
        double want = mean + alpha * sqrt(q), got = dec.ranking[i].score;
        ck_assert_msg(fabs(got - want) <= 1e-9 * fabs(want), "%s: score %.17g, scratch %.17g",
                      dec.ranking[i].arm, got, want);
    }
    otter_decision_free(&dec);
    otter_instance_destroy(inst);
    otter_bandit_destroy(bd);
    world_free(&w);
}
END_TEST

/* The world switches halfway (every arm starts paying what its neighbour paid); with
 * forgetting the policy is back near the oracle by the last 20%, clearly ahead of the
 * same policy without it. */
START_TEST(forgetting_follows_a_switch)
{
    const char *type = _i ? "lints" : "linucb";
    world w;
    world_make(&w, 4, 6, 8000, 31, 0.1);
    w.switch_at = w.T / 2;
    result keep = play_new(type, "", &w);
    result forget = play_new(type, "forget=0.99", &w);
    printf("%s after a switch: forget=0.99 %.4f, forget=1 %.4f, oracle %.4f\n", type, forget.last,
           keep.last, forget.oracle_last);
    ck_assert_msg(forget.last >= 0.9 * forget.oracle_last, "%s: %.4f vs oracle %.4f", type,
                  forget.last, forget.oracle_last);
    ck_assert_msg(forget.last - keep.last >= 0.1 * forget.oracle_last,
                  "%s: forgetting %.4f, not forgetting %.4f", type, forget.last, keep.last);
    world_free(&w);
}
END_TEST

/* One shared model: the context is a bias feature and each arm's own "q" in its
 * namespace "@ARM"; the reward is 0.5 + 2 q of the chosen arm. The model learns the
 * coefficient of q once for all arms, so it picks the arm with the highest q, even a
 * new arm it never saw rewarded. */
static void shared_context(otter_instance *inst, const double *q, size_t k)
{
    otter_instance_clear(inst);
    OK(otter_instance_num(inst, NULL, "bias", 1.0, err));
    for (size_t a = 0; a < k; a++) {
        char ns[24];
        snprintf(ns, sizeof ns, "@a%zu", a);
        OK(otter_instance_num(inst, ns, "q", q[a], err));
    }
}

START_TEST(shared_model_learns_per_arm_features)
{
    const char *type = _i ? "lints" : "linucb";
    size_t k = 4;
    otter_bandit *b = make(type, "shared=true,features=bias,q,dim=2", k);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_decision dec = OTTER_DECISION_INIT;
    otter_rank_request req = {0};
    req.context = inst;
    otter_rng rng;
    otter_rng_seed(&rng, 8);
    size_t right = 0, T = 2000;
    double q[MAXK];
    for (size_t t = 0; t < T; t++) {
        size_t best = 0;
        for (size_t a = 0; a < k; a++) {
            q[a] = otter_rng_uniform(&rng);
            best = q[a] > q[best] ? a : best;
        }
        shared_context(inst, q, k);
        req.now_ms = 1000 + (int64_t)t;
        OK(otter_bandit_rank(b, &req, &dec, err));
        size_t a = arm_no(dec.arm);
        right += t >= T - 500 && a == best;
        double r = 0.5 + 2 * q[a] + 0.1 * otter_rng_normal(&rng);
        OK(otter_bandit_reward(b, dec.event_id, r, req.now_ms, err));
    }
    printf("%s shared: best arm chosen in %zu of the last 500\n", type, right);
    ck_assert_uint_ge(right, 475);
    /* a new arm with the highest q wins its first decision */
    OK(otter_bandit_add_arm(b, "a4", err));
    for (size_t a = 0; a < k; a++)
        q[a] = 0.2 + 0.1 * (double)a;
    q[4] = 0.95;
    shared_context(inst, q, 5);
    req.now_ms = 1000 + (int64_t)T;
    OK(otter_bandit_rank(b, &req, &dec, err));
    ck_assert_str_eq(dec.arm, "a4");
    otter_decision_free(&dec);
    otter_instance_destroy(inst);
    otter_bandit_destroy(b);
}
END_TEST

/* ---- the contract ---- */

static const struct {
    const char *type, *params;
} configs[] = {
    {"linucb", ""},
    {"linucb", "shared=true,forget=0.95,alpha=0.3"},
    {"lints", "forget=0.9"},
    {"lints", "shared=true,propensity_samples=7,v=1"},
};

/* A step of a mixed stream: dense context plus a per-arm feature, an explicit event
 * id; rewards arrive for two decisions in three, one step late, so some are pending. */
static void mixed_step(otter_bandit *b, otter_instance *inst, otter_rng *rng, size_t t,
                       otter_decision *dec)
{
    double x[4];
    for (size_t i = 0; i < 4; i++)
        x[i] = otter_rng_normal(rng);
    otter_instance_clear(inst);
    OK(otter_instance_set_dense(inst, x, 4, err));
    OK(otter_instance_num(inst, "@a1", "extra", 1.5, err));
    char id[32];
    snprintf(id, sizeof id, "e%zu", t);
    otter_rank_request req = {0};
    req.context = inst;
    req.event_id = id;
    req.now_ms = 1000 + 10 * (int64_t)t;
    OK(otter_bandit_rank(b, &req, dec, err));
    if (t > 0 && t % 3 != 0) {
        char prev[32];
        snprintf(prev, sizeof prev, "e%zu", t - 1);
        OK(otter_bandit_reward(b, prev, x[0] + 0.1 * (double)(t % 5), req.now_ms, err));
    }
}

static void same_decision(const otter_decision *x, const otter_decision *y, size_t t)
{
    ck_assert_msg(strcmp(x->arm, y->arm) == 0, "step %zu: %s vs %s", t, x->arm, y->arm);
    ck_assert_uint_eq(x->n_ranking, y->n_ranking);
    ck_assert(memcmp(&x->propensity, &y->propensity, sizeof x->propensity) == 0);
    for (size_t i = 0; i < x->n_ranking; i++) {
        ck_assert_str_eq(x->ranking[i].arm, y->ranking[i].arm);
        ck_assert_msg(
            memcmp(&x->ranking[i].score, &y->ranking[i].score, sizeof(double)) == 0 &&
                memcmp(&x->ranking[i].probability, &y->ranking[i].probability, sizeof(double)) == 0,
            "step %zu, %s: %a/%a vs %a/%a", t, x->ranking[i].arm, x->ranking[i].score,
            x->ranking[i].probability, y->ranking[i].score, y->ranking[i].probability);
    }
}

START_TEST(round_trip_mid_stream_is_bit_identical)
{
    char p[256];
    snprintf(p, sizeof p, "dim=6%s%s", *configs[_i].params ? "," : "", configs[_i].params);
    otter_bandit *a = make(configs[_i].type, p, 3), *b = NULL;
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng ra, rb;
    otter_rng_seed(&ra, 77);
    otter_decision da = OTTER_DECISION_INIT, db = OTTER_DECISION_INIT;
    size_t t = 0;
    for (; t < 300; t++)
        mixed_step(a, inst, &ra, t, &da);
    ck_assert_uint_gt(otter_bandit_pending(a), 0);
    otter_buf x = OTTER_BUF_INIT, y = OTTER_BUF_INIT;
    blob_of(a, &x);
    OK(otter_bandit_decode(ctx, x.data, x.len, &b, err));
    blob_of(b, &y);
    ck_assert_msg(same_blob(&x, &y), "%s: re-encoding a decoded bandit differs", configs[_i].type);
    rb = ra;
    for (; t < 600; t++) {
        mixed_step(a, inst, &ra, t, &da);
        mixed_step(b, inst, &rb, t, &db);
        same_decision(&da, &db, t);
    }
    blob_of(a, &x);
    blob_of(b, &y);
    ck_assert_msg(same_blob(&x, &y), "%s(%s): final blobs differ", configs[_i].type,
                  configs[_i].params);
    otter_decision_free(&da);
    otter_decision_free(&db);
    otter_buf_free(&x);
    otter_buf_free(&y);
    otter_instance_destroy(inst);
    otter_bandit_destroy(a);
    otter_bandit_destroy(b);
}
END_TEST

/* Same seed, same stream: same blobs; propensities sum to 1, exact for linucb,
 * estimated (and never 0 for the chosen arm) for lints. */
START_TEST(deterministic_with_sound_propensities)
{
    char p[256];
    snprintf(p, sizeof p, "dim=6,seed=9%s%s", *configs[_i].params ? "," : "", configs[_i].params);
    otter_bandit *a = make(configs[_i].type, p, 3), *b = make(configs[_i].type, p, 3);
    int ts = strcmp(configs[_i].type, "lints") == 0;
    double samples = strstr(configs[_i].params, "propensity_samples=7") ? 7 : 100;
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_rng ra, rb;
    otter_rng_seed(&ra, 3);
    otter_rng_seed(&rb, 3);
    otter_decision da = OTTER_DECISION_INIT, db = OTTER_DECISION_INIT;
    for (size_t t = 0; t < 400; t++) {
        mixed_step(a, inst, &ra, t, &da);
        mixed_step(b, inst, &rb, t, &db);
        same_decision(&da, &db, t);
        ck_assert_int_eq(da.propensity_estimated, ts);
        double sum = 0;
        for (size_t i = 0; i < da.n_ranking; i++)
            sum += da.ranking[i].probability;
        ck_assert_msg(fabs(sum - 1) < 1e-12, "step %zu: propensities sum to %.17g", t, sum);
        ck_assert(da.propensity >= (ts ? 1 / samples - 1e-12 : 1.0 / 3 - 1e-12));
    }
    otter_buf x = OTTER_BUF_INIT, y = OTTER_BUF_INIT;
    blob_of(a, &x);
    blob_of(b, &y);
    ck_assert(same_blob(&x, &y));
    otter_decision_free(&da);
    otter_decision_free(&db);
    otter_buf_free(&x);
    otter_buf_free(&y);
    otter_instance_destroy(inst);
    otter_bandit_destroy(a);
    otter_bandit_destroy(b);
}
END_TEST

/* A fresh linucb sees identical rows and identical models: every arm ties, each has
 * propensity exactly 1/K, and the decision RNG spreads the choices over all arms. */
START_TEST(ties_are_broken_at_random_with_exact_propensities)
{
    otter_bandit *b = make("linucb", "dim=3", 4);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    OK(otter_instance_num(inst, NULL, "f", 1.0, err));
    otter_decision dec = OTTER_DECISION_INIT;
    otter_rank_request req = {0};
    req.context = inst;
    req.now_ms = 1000;
    size_t seen[4] = {0};
    for (int i = 0; i < 200; i++) {
        OK(otter_bandit_rank(b, &req, &dec, err));
        ck_assert_int_eq(dec.propensity_estimated, 0);
        for (size_t j = 0; j < dec.n_ranking; j++)
            ck_assert(dec.ranking[j].probability == 0.25);
        seen[arm_no(dec.arm)]++;
    }
    for (size_t a = 0; a < 4; a++)
        ck_assert_uint_gt(seen[a], 20);
    otter_decision_free(&dec);
    otter_instance_destroy(inst);
    otter_bandit_destroy(b);
}
END_TEST

START_TEST(bad_params_are_named)
{
    static const struct {
        const char *type, *params, *name;
    } bad[] = {
        {"linucb", "lambda=0", "'lambda'"},
        {"linucb", "lambda=-1", "'lambda'"},
        {"lints", "forget=0", "'forget'"},
        {"linucb", "forget=1.5", "'forget'"},
        {"linucb", "alpha=-1", "'alpha'"},
        {"lints", "v=-0.1", "'v'"},
        {"lints", "propensity_samples=0", "'propensity_samples'"},
        {"linucb", "shared=maybe", "'shared'"},
        {"lints", "alpha=1", "'alpha'"},
        {"linucb", "v=1", "'v'"},
        {"linucb", "dim=0", "'dim'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        otter_params *p = test_params(bad[i].params);
        const char *arms[] = {"a", "b"};
        otter_bandit *b = NULL;
        otter_error e = {0};
        ck_assert_int_eq(otter_bandit_create(ctx, bad[i].type, p, arms, 2, &b, &e), OTTER_INVALID);
        ck_assert_msg(strstr(e.message, bad[i].name), "%s %s: '%s'", bad[i].type, bad[i].params,
                      e.message);
        ck_assert_ptr_null(b);
        otter_params_destroy(p);
    }
}
END_TEST

/* NaN/Inf never reach a model: rewards are refused by the API, contexts by the
 * instance, and the policy's own update refuses them (and an update that would
 * overflow) with its state unchanged. */
START_TEST(non_finite_input_changes_nothing)
{
    const char *type = _i ? "lints" : "linucb";
    otter_bandit *b = make(type, "dim=3", 2);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_decision dec = OTTER_DECISION_INIT;
    otter_rank_request req = {0};
    req.context = inst;
    req.now_ms = 1000;
    OK(otter_instance_num(inst, NULL, "f", 0.5, err));
    OK(otter_bandit_rank(b, &req, &dec, err));
    otter_buf before = OTTER_BUF_INIT, after = OTTER_BUF_INIT;
    blob_of(b, &before);
    otter_error e1 = {0}, e2 = {0}, e3 = {0};
    ck_assert_int_eq(otter_bandit_reward(b, dec.event_id, NAN, 1001, &e1), OTTER_INVALID);
    ck_assert_int_eq(otter_bandit_reward(b, dec.event_id, INFINITY, 1001, &e2), OTTER_INVALID);
    double bad[3] = {1, NAN, 2};
    ck_assert_int_eq(otter_instance_set_dense(inst, bad, 3, &e3), OTTER_INVALID);
    blob_of(b, &after);
    ck_assert(same_blob(&before, &after));
    /* a context so large that learning from it would overflow: refused, nothing kept */
    double huge[3] = {1e300, -1e300, 1e300};
    char id[OTTER_EVENT_ID_MAX];
    otter_instance_clear(inst);
    OK(otter_instance_set_dense(inst, huge, 3, err));
    OK(otter_bandit_rank(b, &req, &dec, err));
    strcpy(id, dec.event_id);
    blob_of(b, &before);
    otter_error e4 = {0};
    ck_assert_int_eq(otter_bandit_reward(b, id, 1e90, 1001, &e4), OTTER_INVALID);
    ck_assert_msg(strstr(e4.message, "too large"), "%s", e4.message);
    blob_of(b, &after);
    ck_assert(same_blob(&before, &after));
    double fine[3] = {0.1, 0.2, 0.3}; /* and the bandit goes on */
    otter_instance_clear(inst);
    OK(otter_instance_set_dense(inst, fine, 3, err));
    OK(otter_bandit_rank(b, &req, &dec, err));
    OK(otter_bandit_reward(b, dec.event_id, 0.5, 1001, err));

    /* the policy's update itself */
    const otter_bandit_type *t = otter_bandit_type_of(b);
    otter_param_value v[8];
    OK(otter_params_resolve(t->params, t->n_params, NULL, v, err));
    void *self = NULL;
    OK(t->create(v, 3, &self, err));
    OK(t->add_arm(self, 0, err));
    double x[3] = {0.1, 0.2, 0.3};
    OK(t->update(self, 0, x, 1.0, 1.0, err));
    otter_buf p0 = OTTER_BUF_INIT, p1 = OTTER_BUF_INIT;
    OK(t->encode(self, &p0, err));
    double xn[3] = {0.1, NAN, 0.3}, xi[3] = {INFINITY, 0, 0};
    otter_error e5 = {0}, e6 = {0}, e7 = {0};
    ck_assert_int_eq(t->update(self, 0, xn, 1.0, 1.0, &e5), OTTER_INVALID);
    ck_assert_int_eq(t->update(self, 0, xi, 1.0, 1.0, &e6), OTTER_INVALID);
    ck_assert_int_eq(t->update(self, 0, x, -INFINITY, 1.0, &e7), OTTER_INVALID);
    OK(t->encode(self, &p1, err));
    ck_assert(same_blob(&p0, &p1));
    OK(t->update(self, 0, x, 1.0, 1.0, err)); /* and it still learns */
    t->destroy(self);
    otter_buf_free(&p0);
    otter_buf_free(&p1);
    otter_buf_free(&before);
    otter_buf_free(&after);
    otter_decision_free(&dec);
    otter_instance_destroy(inst);
    otter_bandit_destroy(b);
}
END_TEST

/* Arms come and go mid-stream: a new arm is ranked at once and learned; a removed
 * arm's pending decision is dropped when its reward comes; the state still round-trips. */
START_TEST(arms_added_and_removed_mid_stream)
{
    const char *type = _i ? "lints" : "linucb";
    world w;
    world_make(&w, 4, 5, 1600, 41, 0.1);
    w.k = 3; /* a3 joins later */
    otter_bandit *b = make(type, "dim=5", 3);
    otter_instance *inst;
    OK(otter_instance_create(&inst, err));
    otter_decision dec = OTTER_DECISION_INIT;
    otter_rank_request req = {0};
    req.context = inst;
    size_t pulls3 = 0;
    char pending[OTTER_EVENT_ID_MAX] = "";
    for (size_t t = 0; t < w.T; t++) {
        if (t == 400) {
            w.k = 4;
            OK(otter_bandit_add_arm(b, "a3", err));
            otter_arm_stats st;
            OK(otter_bandit_arm_stats(b, 3, &st, err));
            ck_assert(st.pulls == 0 && isnan(st.estimate));
        }
        otter_instance_clear(inst);
        OK(otter_instance_set_dense(inst, w.x + t * w.d, w.d, err));
        req.now_ms = 1000 + (int64_t)t;
        const char *only[] = {"a1"};
        req.arms = t == 800 ? only : NULL; /* force a pending decision on a1 */
        req.n_arms = t == 800;
        OK(otter_bandit_rank(b, &req, &dec, err));
        ck_assert_uint_eq(dec.n_ranking, t == 800 ? 1 : w.k - (t > 800));
        size_t a = arm_no(dec.arm);
        ck_assert(t <= 800 || a != 1);
        pulls3 += a == 3;
        if (t == 800) {
            strcpy(pending, dec.event_id);
            OK(otter_bandit_remove_arm(b, "a1", err));
            continue;
        }
        OK(otter_bandit_reward(b, dec.event_id, world_mean(&w, t, a) + w.noise[t], req.now_ms,
                               err));
    }
    ck_assert_uint_gt(pulls3, 50);
    OK(otter_bandit_reward(b, pending, 1.0, 1000 + (int64_t)w.T, err)); /* dropped */
    otter_buf x = OTTER_BUF_INIT, y = OTTER_BUF_INIT;
    blob_of(b, &x);
    otter_bandit *c = NULL;
    OK(otter_bandit_decode(ctx, x.data, x.len, &c, err));
    blob_of(c, &y);
    ck_assert(same_blob(&x, &y));
    ck_assert_uint_eq(otter_bandit_arm_count(c), 3);
    otter_buf_free(&x);
    otter_buf_free(&y);
    otter_bandit_destroy(c);
    otter_decision_free(&dec);
    otter_instance_destroy(inst);
    otter_bandit_destroy(b);
    world_free(&w);
}
END_TEST

static void count_kv(void *ud, const char *key, double v)
{
    if (strcmp(key, "models") == 0)
        *(double *)ud = v;
}

/* Statistics: pulls and sums add up, the estimate sits inside its interval, prob_best
 * is NaN (which arm is best depends on the context); describe counts the models. */
START_TEST(arm_stats_and_describe)
{
    const char *type = _i % 2 ? "lints" : "linucb";
    int shared = _i >= 2;
    world w;
    world_make(&w, 3, 4, 1000, 51, 0.3);
    char p[64];
    snprintf(p, sizeof p, "dim=4,shared=%d", shared);
    otter_bandit *b = make(type, p, 3);
    play(b, &w);
    uint64_t pulls = 0;
    for (size_t a = 0; a < 3; a++) {
        otter_arm_stats st;
        OK(otter_bandit_arm_stats(b, a, &st, err));
        pulls += st.pulls;
        if (!st.pulls)
            continue;
        ck_assert(fabs(st.mean - st.reward_sum / (double)st.pulls) < 1e-12);
        ck_assert_msg(st.lower < st.estimate && st.estimate < st.upper, "%s a%zu: %g < %g < %g",
                      type, a, st.lower, st.estimate, st.upper);
        ck_assert(isnan(st.prob_best));
    }
    ck_assert_uint_eq(pulls, w.T);
    double models = -1;
    otter_kv_sink sink = {0};
    sink.ud = &models;
    sink.num = count_kv;
    otter_bandit_describe(b, &sink);
    ck_assert(models == (shared ? 1 : 3));
    otter_bandit_destroy(b);
    world_free(&w);
}
END_TEST

/* The in-place rank-1 update gives the bits of the out-of-place one (the update
 * writes the spare block, nothing else); the interleaved solve the bits of two single
 * solves. Rows with zeros take the skip paths. */
START_TEST(kernels_agree_bit_for_bit)
{
    enum { D = 9, P = D * (D + 1) / 2 };
    double La[P], Lb[P], Lo[P], rda[D], rdb[D], w1[D], w2[D], xa[D], xb[D], ya[D], yb[D];
    otter_rng rng;
    otter_rng_seed(&rng, 2);
    otter__chol_identity(D, 2.0, La);
    otter__chol_identity(D, 0.5, Lb);
    for (int k = 0; k < 40; k++) {
        double scale = k % 2 ? 0.9 : 1.0;
        for (size_t i = 0; i < D; i++)
            w1[i] = w2[i] = k % 3 && i > 2 ? otter_rng_normal(&rng) : 0.0;
        otter__chol_update(D, La, scale, Lo, w1);
        otter__chol_update(D, La, scale, La, w2);
        ck_assert_msg(memcmp(La, Lo, sizeof La) == 0, "update %d", k);
        ck_assert(memcmp(w1, w2, sizeof w1) == 0);
        for (size_t i = 0; i < D; i++)
            w1[i] = otter_rng_normal(&rng);
        otter__chol_update(D, Lb, 1.0, Lb, w1);
    }
    otter__chol_rdiag(D, La, rda);
    otter__chol_rdiag(D, Lb, rdb);
    for (size_t i = 0; i < D; i++) {
        xa[i] = ya[i] = otter_rng_normal(&rng);
        xb[i] = yb[i] = i < 4 || i == 6 ? 0.0 : otter_rng_normal(&rng); /* skipped pairs */
    }
    double na = otter__chol_lsolve(D, La, rda, xa), nb = otter__chol_lsolve(D, Lb, rdb, xb), ma, mb;
    otter__chol_lsolve2(D, La, rda, ya, Lb, rdb, yb, &ma, &mb);
    ck_assert(memcmp(xa, ya, sizeof xa) == 0 && memcmp(xb, yb, sizeof xb) == 0);
    ck_assert(memcmp(&na, &ma, sizeof na) == 0 && memcmp(&nb, &mb, sizeof nb) == 0);
    /* every small size (odd tails, no pairs at all): both solves against plain
     * substitution */
    for (size_t d = 1; d <= 7; d++) {
        double L[28], rd[7], x[7], y[7], n2 = 0;
        for (size_t j = 0; j < d; j++)
            for (size_t i = j; i < d; i++)
                L[otter__chol_col(d, j) + i - j] =
                    i == j ? 0.5 + otter_rng_uniform(&rng) : otter_rng_normal(&rng);
        for (size_t i = 0; i < d; i++)
            x[i] = y[i] = otter_rng_normal(&rng);
        otter__chol_rdiag(d, L, rd);
        double got = otter__chol_lsolve(d, L, rd, x);
        for (size_t i = 0; i < d; i++) {
            for (size_t j = 0; j < i; j++)
                y[i] -= L[otter__chol_col(d, j) + i - j] * y[j];
            y[i] /= L[otter__chol_col(d, i)];
            n2 += y[i] * y[i];
            ck_assert_msg(fabs(x[i] - y[i]) <= 1e-12 * (1 + fabs(y[i])), "d %zu, x%zu", d, i);
        }
        ck_assert(fabs(got - n2) <= 1e-12 * n2);
        for (size_t i = 0; i < d; i++)
            x[i] = y[i] = otter_rng_normal(&rng);
        otter__chol_ltsolve(d, L, rd, x);
        for (size_t i = d; i-- > 0;) {
            for (size_t j = i + 1; j < d; j++)
                y[i] -= L[otter__chol_col(d, i) + j - i] * y[j];
            y[i] /= L[otter__chol_col(d, i)];
            ck_assert_msg(fabs(x[i] - y[i]) <= 1e-12 * (1 + fabs(y[i])), "d %zu, L^T x%zu", d, i);
        }
    }
}
END_TEST

/* Corrupt policy payloads are refused: a factor with a non-positive diagonal, a
 * non-finite number, a wrong dimension, truncation, extra bytes. */
START_TEST(corrupt_state_is_refused)
{
    const otter_bandit_type *t = otter_context_find_bandit(ctx, _i ? "lints" : "linucb");
    otter_param_value v[8];
    OK(otter_params_resolve(t->params, t->n_params, NULL, v, err));
    void *self = NULL;
    OK(t->create(v, 2, &self, err));
    OK(t->add_arm(self, 0, err));
    OK(t->add_arm(self, 1, err));
    t->remove_arm(self, 0);
    double x[2] = {0.3, -0.2};
    OK(t->update(self, 1, x, 0.7, 1.0, err));
    otter_buf p = OTTER_BUF_INIT;
    OK(t->encode(self, &p, err));
    void *back = NULL;
    OK(t->decode(v, 2, 1, p.data, p.len, &back, err));
    t->destroy(back);
    /* layout: u8 shared, u32 d, u32 slots, u8 dead, u8 live, u64 updates, u32 next,
     * 2 f64, L (3 f64: L00, L10, L11), b (2 f64), ... */
    size_t l00 = 1 + 4 + 4 + 1 + 1 + 8 + 4 + 16, l10 = l00 + 8, l11 = l10 + 8;
    struct {
        size_t at;
        double value;
    } bad[] = {{l00, 0.0}, {l11, -1.0}, {l10, NAN}, {l11, INFINITY}, {l11 + 8, NAN}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double old;
        memcpy(&old, p.data + bad[i].at, 8);
        memcpy(p.data + bad[i].at, &bad[i].value, 8);
        otter_error e = {0};
        ck_assert_int_eq(t->decode(v, 2, 1, p.data, p.len, &back, &e), OTTER_CORRUPT);
        ck_assert_msg(strstr(e.message, "Cholesky factor"), "case %zu: %s", i, e.message);
        memcpy(p.data + bad[i].at, &old, 8);
    }
    otter_error e = {0};
    ck_assert_int_eq(t->decode(v, 3, 1, p.data, p.len, &back, &e), OTTER_CORRUPT);
    for (size_t n = 0; n < p.len; n++) {
        otter_error e2 = {0};
        ck_assert_int_eq(t->decode(v, 2, 1, p.data, n, &back, &e2), OTTER_CORRUPT);
    }
    OK(otter_buf_append(&p, "x", 1, err));
    otter_error e3 = {0};
    ck_assert_int_eq(t->decode(v, 2, 1, p.data, p.len, &back, &e3), OTTER_CORRUPT);
    otter_buf_free(&p);
    t->destroy(self);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bandit_linear");
    TCase *tc = tcase_create("linear bandits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    size_t nl = sizeof learners / sizeof *learners, nc = sizeof configs / sizeof *configs;
    tcase_add_loop_test(tc, approaches_the_oracle_and_beats_epsilon_greedy, 0, (int)nl);
    tcase_add_loop_test(tc, cholesky_updates_equal_a_scratch_solve, 0, 3);
    tcase_add_loop_test(tc, scores_equal_a_scratch_computation, 0, 2);
    tcase_add_loop_test(tc, forgetting_follows_a_switch, 0, 2);
    tcase_add_loop_test(tc, shared_model_learns_per_arm_features, 0, 2);
    tcase_add_loop_test(tc, round_trip_mid_stream_is_bit_identical, 0, (int)nc);
    tcase_add_loop_test(tc, deterministic_with_sound_propensities, 0, (int)nc);
    tcase_add_test(tc, ties_are_broken_at_random_with_exact_propensities);
    tcase_add_test(tc, bad_params_are_named);
    tcase_add_loop_test(tc, non_finite_input_changes_nothing, 0, 2);
    tcase_add_loop_test(tc, arms_added_and_removed_mid_stream, 0, 2);
    tcase_add_loop_test(tc, arm_stats_and_describe, 0, 4);
    tcase_add_test(tc, kernels_agree_bit_for_bit);
    tcase_add_loop_test(tc, corrupt_state_is_refused, 0, 2);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
