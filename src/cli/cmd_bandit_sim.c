/* `otter bandit-sim`: runs a bandit policy against a seeded, simulated world and
 * reports the reward it collected and its regret against an oracle that knows every
 * arm's expected reward. The policy is created by type name through the context and
 * driven only through otter_bandit_rank / otter_bandit_reward, exactly as a service
 * would drive it, so every registered policy runs unchanged.
 *
 * The world is a scenario (a table entry: how the arms are drawn, each arm's expected
 * reward at a step, how a reward is realized). Its randomness comes from one RNG
 * seeded by --seed, drawn in a fixed order (the arms first, then per step the context
 * and one noise draw), independent of what the policy chooses: the same seed gives the
 * same world and the same per-step draws for every policy, and --env-out writes them
 * so that other tools can be fed exactly the same data. The world is generated in
 * chunks outside the timed loop, so decisions/s measures the library (and the few
 * lines that turn a decision into a reward), not the simulation.
 *
 * Time is simulated: decision t happens at a fixed epoch + t * --step-ms, and a
 * delayed reward arrives at the time of the decision it waits for, so expiry
 * (reward_wait) behaves as it would in a service seeing one decision per step. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "io_int.h"

#define CHUNK 1024               /* steps of world generated at a time */
#define MAX_ARMS 100000          /* arm names are arm0..arm99999 */
#define EPOCH_MS 1000000000000LL /* simulated time of decision 0 */
#define DEFAULT_RATE_LO 0.01     /* bernoulli rates drawn from U(0.01, 0.10) */
#define DEFAULT_RATE_HI 0.10

typedef struct sim_env sim_env;

/* A simulated world. `draw` gives the per-step noise draw u; `expected` each arm's
 * expected reward at step t (x: the step's context, NULL when not contextual);
 * `reward` realizes a reward from an arm's expected value and u. */
typedef struct scenario {
    const char *name;
    int contextual;
    double default_noise; /* standard deviation of additive noise (unused by bernoulli) */
    otter_status (*setup)(sim_env *e, otter_error *err);
    double (*draw)(otter_rng *rng);
    void (*expected)(const sim_env *e, uint64_t t, const double *x, double *mu);
    double (*reward)(double mu, double u, double noise);
} scenario;

struct sim_env {
    const scenario *sc;
    size_t k, d;
    uint64_t horizon, switch_at;
    double noise;
    double *param; /* k rates / means, or k * d unit vectors theta */
    const double *given;
    size_t n_given;
    size_t drift_a, drift_b; /* drifting: the arms that swap rates at switch_at */
    otter_rng rng;
    /* the current chunk of steps */
    size_t n;
    double *u, *x, *mu, *oracle;
};

/* ---- scenarios ---- */

static double draw_uniform(otter_rng *rng)
{
    return otter_rng_uniform(rng);
}

static double draw_normal(otter_rng *rng)
{
    return otter_rng_normal(rng);
}

static double reward_bernoulli(double mu, double u, double noise)
{
    (void)noise;
    return u < mu ? 1.0 : 0.0;
}

static double reward_additive(double mu, double u, double noise)
{
    return mu + noise * u;
}

static otter_status setup_rates(sim_env *e, otter_error *err)
{
    for (size_t a = 0; a < e->k; a++) {
        double p = e->given ? e->given[a]
                            : DEFAULT_RATE_LO +
                                  (DEFAULT_RATE_HI - DEFAULT_RATE_LO) * otter_rng_uniform(&e->rng);
        if (!(p >= 0 && p <= 1))
            return otter_error_set(err, OTTER_INVALID, "--rates: %g is not a rate in [0, 1]", p);
        e->param[a] = p;
    }
    /* drifting: the best and the worst arm (first of each when tied) swap at switch_at */
    for (size_t a = 1; a < e->k; a++) {
        if (e->param[a] > e->param[e->drift_a])
            e->drift_a = a;
        if (e->param[a] < e->param[e->drift_b])
            e->drift_b = a;
    }
    return OTTER_OK;
}

static otter_status setup_means(sim_env *e, otter_error *err)
{
    (void)err;
    for (size_t a = 0; a < e->k; a++)
        e->param[a] = e->given ? e->given[a] : otter_rng_normal(&e->rng);
    return OTTER_OK;
}

static otter_status setup_theta(sim_env *e, otter_error *err)
{
    (void)err;
    for (size_t a = 0; a < e->k; a++) {
        double *th = e->param + a * e->d, norm = 0;
        while (!(norm > 0)) {
            norm = 0;
            for (size_t j = 0; j < e->d; j++) {
                th[j] = otter_rng_normal(&e->rng);
                norm += th[j] * th[j];
            }
        }
        norm = sqrt(norm);
        for (size_t j = 0; j < e->d; j++)
            th[j] /= norm;
    }
    return OTTER_OK;
}

static void expected_fixed(const sim_env *e, uint64_t t, const double *x, double *mu)
{
    (void)t;
    (void)x;
    memcpy(mu, e->param, e->k * sizeof *mu);
}

static void expected_drifting(const sim_env *e, uint64_t t, const double *x, double *mu)
{
    expected_fixed(e, t, x, mu);
    if (t >= e->switch_at) {
        mu[e->drift_a] = e->param[e->drift_b];
        mu[e->drift_b] = e->param[e->drift_a];
    }
}

static void expected_linear(const sim_env *e, uint64_t t, const double *x, double *mu)
{
    (void)t;
    for (size_t a = 0; a < e->k; a++) {
        const double *th = e->param + a * e->d;
        double s = 0;
        for (size_t j = 0; j < e->d; j++)
            s += th[j] * x[j];
        mu[a] = s;
    }
}

static const scenario scenarios[] = {
    {"bernoulli", 0, 0.0, setup_rates, draw_uniform, expected_fixed, reward_bernoulli},
    {"gaussian", 0, 1.0, setup_means, draw_normal, expected_fixed, reward_additive},
    {"linear", 1, 0.1, setup_theta, draw_normal, expected_linear, reward_additive},
    {"drifting", 0, 0.0, setup_rates, draw_uniform, expected_drifting, reward_bernoulli},
};

static const scenario *find_scenario(const char *name)
{
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
        if (strcmp(scenarios[i].name, name) == 0)
            return &scenarios[i];
    return NULL;
}

/* ---- options ---- */

struct sim_opts {
    const char *policy, *scenario, *rates, *curve, *log, *env_out;
    uint64_t arms, dim, horizon, seed, delay, curve_every, step_ms;
    double noise;
    int has_arms, has_dim, has_noise;
    double *given;
    size_t n_given;
    otter_params *params;
};

static void sim_usage(FILE *out)
{
    fprintf(out,
            "usage: otter bandit-sim --policy TYPE [--param k=v]... --arms K --horizon T\n"
            "                        [--scenario bernoulli|gaussian|linear|drifting] [options]\n\n"
            "Runs a bandit policy against a seeded simulated world and prints a JSON report\n"
            "(reward, regret against the oracle, best-arm share, decisions/s) as the last\n"
            "line of stdout.\n\n"
            "  --policy TYPE       bandit policy (see 'otter list')\n"
            "  --param k=v         policy parameter; repeatable; 'a=1,b=2' also works\n"
            "  --arms K            number of arms (named arm0..arm{K-1}; default: --rates)\n"
            "  --horizon T         number of decisions\n"
            "  --seed S            seed of the world and (unless --param seed=) the policy (1)\n"
            "  --scenario NAME     bernoulli (default): rates U(0.01, 0.10) or --rates;\n"
            "                      gaussian: means N(0, 1) or --rates, plus N(0, noise^2);\n"
            "                      linear: reward theta_a.x + N(0, noise^2), theta_a random unit\n"
            "                      vectors, x ~ N(0, I)/sqrt(d) given as features x0..x{d-1};\n"
            "                      drifting: bernoulli whose best and worst arm swap rates\n"
            "                      at step T/2\n"
            "  --rates a,b,...     the arms' rates (bernoulli, drifting) or means (gaussian)\n"
            "  --context-dim d     context dimension of the linear scenario (16)\n"
            "  --noise SD          noise standard deviation (gaussian 1, linear 0.1)\n"
            "  --delay N           rewards arrive N decisions late (0)\n"
            "  --step-ms MS        simulated milliseconds between decisions (100)\n"
            "  --curve FILE        CSV of t, cumulative regret, best-arm share\n"
            "  --curve-every N     (default 1000)\n"
            "  --log FILE          the decisions as JSON lines (context, arm, propensity,\n"
            "                      reward, event), the log format 'otter ope' reads\n"
            "  --env-out FILE      the world: a JSON line of arm parameters, then a CSV of\n"
            "                      t, u (the step's noise draw), x0..x{d-1}\n");
}

/* Parses "a,b,c" into a new array of finite numbers. */
static int parse_list(const char *text, double **out, size_t *n)
{
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    double *v = malloc(cap * sizeof *v);
    if (!v)
        return -1;
    size_t k = 0;
    for (const char *p = text;; p++) {
        size_t len = strcspn(p, ",");
        if (otter__parse_double(p, len, &v[k]) != 0) {
            free(v);
            return -1;
        }
        k++;
        p += len;
        if (!*p)
            break;
    }
    *out = v;
    *n = k;
    return 0;
}

static int u64_opt(const char *name, const char *v, uint64_t *out)
{
    if (otter__parse_u64(v, out) == 0)
        return 0;
    fprintf(stderr, "otter bandit-sim: --%s needs a non-negative integer, got '%s'\n", name, v);
    return -1;
}

/* Checks what getopt cannot: required options and how they fit together. */
static int check_opts(struct sim_opts *o)
{
    const scenario *sc = find_scenario(o->scenario);
    const char *why = NULL;
    if (!o->policy)
        why = "--policy TYPE is required";
    else if (!o->horizon)
        why = "--horizon T (> 0) is required";
    else if (!sc)
        why = "--scenario must be bernoulli, gaussian, linear or drifting";
    else if (o->rates && sc->contextual)
        why = "--rates does not apply to the linear scenario";
    else if (o->has_dim && !sc->contextual)
        why = "--context-dim applies only to the linear scenario";
    else if (!o->has_arms && !o->rates)
        why = "--arms K (or --rates) is required";
    else if (o->rates && o->has_arms && o->arms != o->n_given)
        why = "--arms differs from the number of --rates";
    else if ((o->has_arms && (o->arms == 0 || o->arms > MAX_ARMS)) || o->n_given > MAX_ARMS)
        why = "--arms must be 1..100000";
    else if (sc->contextual && (o->dim == 0 || o->dim > 4096))
        why = "--context-dim must be 1..4096";
    else if (o->has_noise && !(o->noise >= 0 && isfinite(o->noise)))
        why = "--noise must be a finite number >= 0";
    else if (o->curve_every == 0 || o->step_ms == 0)
        why = "--curve-every and --step-ms must be positive";
    if (why) {
        fprintf(stderr, "otter bandit-sim: %s\n\n", why);
        sim_usage(stderr);
        return 2;
    }
    if (!o->has_arms)
        o->arms = o->n_given;
    if (!o->has_noise)
        o->noise = sc->default_noise;
    return -1;
}

/* Returns -1 to go on, else the exit code. */
static int parse_sim(int argc, char **argv, struct sim_opts *o)
{
    enum { O_CURVE_EVERY = 256, O_ENV_OUT, O_STEP, O_NOISE, O_RATES, O_DIM, O_DELAY };
    static const struct option longs[] = {{"policy", required_argument, NULL, 'P'},
                                          {"param", required_argument, NULL, 'p'},
                                          {"arms", required_argument, NULL, 'k'},
                                          {"context-dim", required_argument, NULL, O_DIM},
                                          {"horizon", required_argument, NULL, 'T'},
                                          {"seed", required_argument, NULL, 's'},
                                          {"scenario", required_argument, NULL, 'S'},
                                          {"rates", required_argument, NULL, O_RATES},
                                          {"noise", required_argument, NULL, O_NOISE},
                                          {"delay", required_argument, NULL, O_DELAY},
                                          {"step-ms", required_argument, NULL, O_STEP},
                                          {"curve", required_argument, NULL, 'C'},
                                          {"curve-every", required_argument, NULL, O_CURVE_EVERY},
                                          {"log", required_argument, NULL, 'L'},
                                          {"env-out", required_argument, NULL, O_ENV_OUT},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    otter_error err = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "P:p:k:T:s:S:C:L:h", longs, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'P': o->policy = optarg; break;
        case 'S': o->scenario = optarg; break;
        case 'C': o->curve = optarg; break;
        case 'L': o->log = optarg; break;
        case O_ENV_OUT: o->env_out = optarg; break;
        case 'k':
            o->has_arms = 1;
            bad = u64_opt("arms", optarg, &o->arms);
            break;
        case O_DIM:
            o->has_dim = 1;
            bad = u64_opt("context-dim", optarg, &o->dim);
            break;
        case 'T': bad = u64_opt("horizon", optarg, &o->horizon); break;
        case 's': bad = u64_opt("seed", optarg, &o->seed); break;
        case O_DELAY: bad = u64_opt("delay", optarg, &o->delay); break;
        case O_STEP: bad = u64_opt("step-ms", optarg, &o->step_ms); break;
        case O_CURVE_EVERY: bad = u64_opt("curve-every", optarg, &o->curve_every); break;
        case O_NOISE:
            o->has_noise = 1;
            if (otter__parse_double(optarg, strlen(optarg), &o->noise) != 0) {
                fprintf(stderr, "otter bandit-sim: --noise needs a number, got '%s'\n", optarg);
                bad = 1;
            }
            break;
        case O_RATES:
            free(o->given);
            o->rates = optarg;
            if (parse_list(optarg, &o->given, &o->n_given) != 0) {
                fprintf(stderr, "otter bandit-sim: --rates needs numbers a,b,..., got '%s'\n",
                        optarg);
                o->given = NULL;
                bad = 1;
            }
            break;
        case 'p':
            if (otter_params_parse(o->params, optarg, &err) != OTTER_OK) {
                fprintf(stderr, "otter bandit-sim: %s\n", err.message);
                bad = 1;
            }
            break;
        case 'h': sim_usage(stdout); return 0;
        default: sim_usage(stderr); return 2;
        }
        if (bad)
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "otter bandit-sim: unexpected argument '%s'\n\n", argv[optind]);
        sim_usage(stderr);
        return 2;
    }
    return check_opts(o);
}

/* ---- the world ---- */

static void env_free(sim_env *e)
{
    free(e->param);
    free(e->u);
    free(e->x);
    free(e->mu);
    free(e->oracle);
}

static otter_status env_init(sim_env *e, const struct sim_opts *o, otter_error *err)
{
    e->sc = find_scenario(o->scenario);
    e->k = (size_t)o->arms;
    e->d = e->sc->contextual ? (size_t)o->dim : 0;
    e->horizon = o->horizon;
    e->switch_at = o->horizon / 2;
    e->noise = o->noise;
    e->given = o->given;
    e->n_given = o->n_given;
    otter_rng_seed(&e->rng, o->seed ^ 0x656e7669726f6e6dull); /* "environm" */
    e->param = calloc(e->k * (e->d ? e->d : 1), sizeof *e->param);
    e->u = malloc(CHUNK * sizeof *e->u);
    e->x = e->d ? malloc(CHUNK * e->d * sizeof *e->x) : NULL;
    e->mu = malloc(CHUNK * e->k * sizeof *e->mu);
    e->oracle = malloc(CHUNK * sizeof *e->oracle);
    if (!e->param || !e->u || (e->d && !e->x) || !e->mu || !e->oracle)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the simulated world");
    return e->sc->setup(e, err);
}

/* Generates steps t0 .. t0 + n - 1: context, noise draw, expected rewards, oracle. */
static void env_fill(sim_env *e, uint64_t t0, size_t n)
{
    double scale = e->d ? 1.0 / sqrt((double)e->d) : 0;
    for (size_t i = 0; i < n; i++) {
        double *x = e->d ? e->x + i * e->d : NULL;
        for (size_t j = 0; j < e->d; j++)
            x[j] = otter_rng_normal(&e->rng) * scale;
        e->u[i] = e->sc->draw(&e->rng);
        double *mu = e->mu + i * e->k;
        e->sc->expected(e, t0 + i, x, mu);
        double best = mu[0];
        for (size_t a = 1; a < e->k; a++)
            best = mu[a] > best ? mu[a] : best;
        e->oracle[i] = best;
    }
    e->n = n;
}

static void env_write_header(FILE *f, const sim_env *e, const struct sim_opts *o)
{
    fprintf(f, "{\"scenario\":\"%s\",\"arms\":%zu,\"dim\":%zu,\"horizon\":%llu,\"seed\":%llu,",
            e->sc->name, e->k, e->d, (unsigned long long)e->horizon, (unsigned long long)o->seed);
    fputs("\"noise\":", f);
    otter__json_num_exact(f, e->noise);
    fputs(e->sc->contextual ? ",\"theta\":[" : ",\"rates\":[", f);
    for (size_t a = 0; a < e->k; a++) {
        fputs(a ? "," : "", f);
        if (!e->d) {
            otter__json_num_exact(f, e->param[a]);
            continue;
        }
        for (size_t j = 0; j < e->d; j++) {
            fputs(j ? "," : "[", f);
            otter__json_num_exact(f, e->param[a * e->d + j]);
        }
        fputc(']', f);
    }
    fputs("]", f);
    if (e->sc->expected == expected_drifting)
        fprintf(f, ",\"switch_at\":%llu,\"swap\":[%zu,%zu]", (unsigned long long)e->switch_at,
                e->drift_a, e->drift_b);
    fputs("}\nt,u", f);
    for (size_t j = 0; j < e->d; j++)
        fprintf(f, ",x%zu", j);
    fputc('\n', f);
}

static void env_write_chunk(FILE *f, const sim_env *e, uint64_t t0)
{
    for (size_t i = 0; i < e->n; i++) {
        fprintf(f, "%llu,", (unsigned long long)(t0 + i));
        otter__json_num_exact(f, e->u[i]);
        for (size_t j = 0; j < e->d; j++) {
            fputc(',', f);
            otter__json_num_exact(f, e->x[i * e->d + j]);
        }
        fputc('\n', f);
    }
}

/* ---- the run ---- */

typedef struct pending {
    char id[OTTER_EVENT_ID_MAX];
    double reward;
    uint64_t due; /* step after whose decision the reward arrives */
} pending;

struct sim_run {
    sim_env env;
    otter_bandit *bandit;
    otter_params *params; /* the user's, plus seed / dim / features when absent */
    otter_instance *inst;
    otter_feature_key *keys;
    otter_decision dec;
    FILE *curve, *log, *envf;
    pending *queue;
    size_t q_head, q_len, q_cap;
    uint64_t t, last_from, best_pulls, best_last, expired;
    double reward_sum, regret, oracle_sum, seconds, env_seconds;
    char **arm_names;
};

static void run_free(struct sim_run *r)
{
    env_free(&r->env);
    otter_bandit_destroy(r->bandit);
    otter_params_destroy(r->params);
    otter_instance_destroy(r->inst);
    free(r->keys);
    otter_decision_free(&r->dec);
    if (r->curve)
        fclose(r->curve);
    if (r->log)
        fclose(r->log);
    if (r->envf)
        fclose(r->envf);
    free(r->queue);
    for (size_t a = 0; r->arm_names && a < r->env.k; a++)
        free(r->arm_names[a]);
    free(r->arm_names);
}

static int64_t step_time(const struct sim_opts *o, uint64_t t)
{
    return EPOCH_MS + (int64_t)(t * o->step_ms);
}

/* The policy's parameters: the user's, with the seed and, for a contextual policy in
 * the linear world, dim = d and features x0..x{d-1}, unless the user set them. */
static otter_status policy_params(const otter_context *ctx, const struct sim_opts *o,
                                  struct sim_run *r, otter_error *err)
{
    otter_status st = otter_params_clone(o->params, &r->params, err);
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)(o->seed & 9007199254740991ull));
    if (st == OTTER_OK && !otter_params_get(r->params, "seed"))
        st = otter_params_set(r->params, "seed", buf, err);
    const otter_bandit_type *t = otter_context_find_bandit(ctx, o->policy);
    if (st != OTTER_OK || !t || !t->contextual || !r->env.d)
        return st;
    snprintf(buf, sizeof buf, "%zu", r->env.d);
    const char *dim = otter_params_get(r->params, "dim");
    if (!dim && (st = otter_params_set(r->params, "dim", buf, err)) != OTTER_OK)
        return st;
    if (otter_params_get(r->params, "features") || (dim && strcmp(dim, buf) != 0))
        return OTTER_OK;
    otter_buf names = OTTER_BUF_INIT;
    for (size_t j = 0; j < r->env.d && st == OTTER_OK; j++) {
        snprintf(buf, sizeof buf, "%sx%zu", j ? "," : "", j);
        st = otter_buf_append(&names, buf, strlen(buf), err);
    }
    if (st == OTTER_OK && (st = otter_buf_append(&names, "", 1, err)) == OTTER_OK)
        st = otter_params_set(r->params, "features", (const char *)names.data, err);
    otter_buf_free(&names);
    return st;
}

static otter_status open_out(const char *path, FILE **f, otter_error *err)
{
    if (path && !(*f = fopen(path, "w")))
        return otter_error_set(err, OTTER_IO, "cannot open '%s' for writing", path);
    return OTTER_OK;
}

static otter_status setup(const otter_context *ctx, const struct sim_opts *o, struct sim_run *r,
                          otter_error *err)
{
    otter_status st = env_init(&r->env, o, err);
    size_t k = r->env.k, d = r->env.d;
    if (st == OTTER_OK)
        st = policy_params(ctx, o, r, err);
    if (st != OTTER_OK)
        return st;
    r->arm_names = calloc(k, sizeof *r->arm_names);
    r->keys = d ? malloc(d * sizeof *r->keys) : NULL;
    r->q_cap = o->delay < o->horizon ? (size_t)o->delay + 1 : (size_t)o->horizon;
    r->queue = malloc(r->q_cap * sizeof *r->queue);
    if (!r->arm_names || (d && !r->keys) || !r->queue)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    for (size_t a = 0; a < k; a++) {
        char name[32];
        snprintf(name, sizeof name, "arm%zu", a);
        if (!(r->arm_names[a] = strdup(name)))
            return otter_error_set(err, OTTER_NOMEM, "out of memory");
    }
    st = otter_bandit_create(ctx, o->policy, r->params, (const char *const *)r->arm_names, k,
                             &r->bandit, err);
    if (st == OTTER_OK)
        st = otter_instance_create(&r->inst, err);
    for (size_t j = 0; j < d && st == OTTER_OK; j++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", j);
        st = otter_instance_intern(r->inst, NULL, 0, name, strlen(name), &r->keys[j], err);
    }
    if (st == OTTER_OK)
        st = open_out(o->curve, &r->curve, err);
    if (st == OTTER_OK)
        st = open_out(o->log, &r->log, err);
    if (st == OTTER_OK)
        st = open_out(o->env_out, &r->envf, err);
    if (st == OTTER_OK && r->envf)
        env_write_header(r->envf, &r->env, o);
    if (st == OTTER_OK && r->curve)
        fputs("t,cumulative_regret,best_arm_share\n", r->curve);
    r->last_from = o->horizon - (o->horizon / 10 ? o->horizon / 10 : 1);
    return st;
}

/* Delivers the rewards due by step `now_step` (all of them when flushing). A reward
 * that arrives after its decision expired (or was forgotten) is counted, not fatal. */
static otter_status deliver(struct sim_run *r, const struct sim_opts *o, uint64_t now_step,
                            int flush, otter_error *err)
{
    while (r->q_len && (flush || r->queue[r->q_head].due <= now_step)) {
        pending *p = &r->queue[r->q_head];
        otter_error e = {0};
        otter_status st =
            otter_bandit_reward(r->bandit, p->id, p->reward, step_time(o, p->due), &e);
        if (st == OTTER_EXPIRED || st == OTTER_NOT_FOUND)
            r->expired++;
        else if (st != OTTER_OK)
            return otter_error_set(err, st, "%s", e.message);
        r->q_head = (r->q_head + 1) % r->q_cap;
        r->q_len--;
    }
    return OTTER_OK;
}

/* Index of arm "armN" (names are ours, so the number is the index). */
static size_t arm_index(const char *name)
{
    return (size_t)strtoul(name + 3, NULL, 10);
}

static void log_decision(struct sim_run *r, size_t i, double reward)
{
    FILE *f = r->log;
    fputs("{\"event\":", f);
    otter__json_str(f, r->dec.event_id);
    fputs(",\"arm\":", f);
    otter__json_str(f, r->dec.arm);
    fputs(",\"propensity\":", f);
    otter__json_num_exact(f, r->dec.propensity);
    fputs(",\"reward\":", f);
    otter__json_num_exact(f, reward);
    for (size_t j = 0; j < r->env.d; j++) {
        fprintf(f, ",\"x%zu\":", j);
        otter__json_num_exact(f, r->env.x[i * r->env.d + j]);
    }
    fputs("}\n", f);
}

/* One decision: rank, realize the reward, record it, queue it for delivery. */
static otter_status decide(struct sim_run *r, const struct sim_opts *o, size_t i, otter_error *err)
{
    sim_env *e = &r->env;
    otter_status st = OTTER_OK;
    if (e->d) {
        otter_instance_clear(r->inst);
        st = otter_instance_add_nums(r->inst, r->keys, e->x + i * e->d, e->d, err);
    }
    otter_rank_request req = {e->d ? r->inst : NULL, NULL, 0, NULL, 0, NULL, NULL, 0,
                              step_time(o, r->t)};
    if (st == OTTER_OK)
        st = otter_bandit_rank(r->bandit, &req, &r->dec, err);
    if (st != OTTER_OK)
        return st;
    size_t a = arm_index(r->dec.arm);
    double mu = e->mu[i * e->k + a];
    double reward = e->sc->reward(mu, e->u[i], e->noise);
    r->reward_sum += reward;
    r->regret += e->oracle[i] - mu;
    r->oracle_sum += e->oracle[i];
    if (mu == e->oracle[i]) {
        r->best_pulls++;
        r->best_last += r->t >= r->last_from;
    }
    if (r->log)
        log_decision(r, i, reward);
    pending *p = &r->queue[(r->q_head + r->q_len++) % r->q_cap];
    memcpy(p->id, r->dec.event_id, sizeof p->id);
    p->reward = reward;
    p->due = r->t + o->delay;
    st = deliver(r, o, r->t, 0, err);
    r->t++;
    if (st == OTTER_OK && r->curve && r->t % o->curve_every == 0)
        fprintf(r->curve, "%llu,%.10g,%.10g\n", (unsigned long long)r->t, r->regret,
                (double)r->best_pulls / (double)r->t);
    return st;
}

static otter_status loop(const struct sim_opts *o, struct sim_run *r, otter_error *err)
{
    otter_status st = OTTER_OK;
    for (uint64_t t0 = 0; t0 < o->horizon && st == OTTER_OK; t0 += CHUNK) {
        size_t n = o->horizon - t0 < CHUNK ? (size_t)(o->horizon - t0) : CHUNK;
        double a = otter__now();
        env_fill(&r->env, t0, n);
        double b = otter__now();
        if (r->envf)
            env_write_chunk(r->envf, &r->env, t0);
        double c = otter__now();
        for (size_t i = 0; i < n && st == OTTER_OK; i++)
            st = decide(r, o, i, err);
        r->env_seconds += b - a;
        r->seconds += otter__now() - c;
    }
    double c = otter__now();
    if (st == OTTER_OK)
        st = deliver(r, o, 0, 1, err);
    r->seconds += otter__now() - c;
    return st;
}

static otter_status close_outputs(struct sim_run *r, const struct sim_opts *o, otter_error *err)
{
    FILE *f[] = {r->curve, r->log, r->envf};
    const char *names[] = {o->curve, o->log, o->env_out};
    otter_status st = OTTER_OK;
    for (size_t i = 0; i < 3; i++)
        if (f[i] && (ferror(f[i]) | fclose(f[i])) && st == OTTER_OK)
            st = otter_error_set(err, OTTER_IO, "cannot write '%s'", names[i]);
    r->curve = r->log = r->envf = NULL;
    return st;
}

static void report(const struct sim_opts *o, const struct sim_run *r)
{
    const sim_env *e = &r->env;
    double T = (double)o->horizon;
    printf("{\"policy\":");
    otter__json_str(stdout, otter_bandit_type_of(r->bandit)->name);
    printf(",\"params\":");
    otter__json_params(stdout, otter_bandit_params_text(r->bandit));
    printf(",\"scenario\":\"%s\",\"arms\":%zu,\"context_dim\":%zu,\"horizon\":%llu,"
           "\"seed\":%llu,\"delay\":%llu,\"step_ms\":%llu,\"noise\":",
           e->sc->name, e->k, e->d, (unsigned long long)o->horizon, (unsigned long long)o->seed,
           (unsigned long long)o->delay, (unsigned long long)o->step_ms);
    otter__json_num(stdout, e->noise);
    if (!e->d) {
        printf(",\"rates\":[");
        for (size_t a = 0; a < e->k; a++) {
            fputs(a ? "," : "", stdout);
            otter__json_num_exact(stdout, e->param[a]);
        }
        putchar(']');
    }
    printf(",\"cumulative_reward\":");
    otter__json_num(stdout, r->reward_sum);
    printf(",\"mean_reward\":");
    otter__json_num(stdout, r->reward_sum / T);
    printf(",\"oracle_reward\":");
    otter__json_num(stdout, r->oracle_sum);
    printf(",\"cumulative_regret\":");
    otter__json_num(stdout, r->regret);
    printf(",\"best_arm_share\":");
    otter__json_num(stdout, (double)r->best_pulls / T);
    printf(",\"best_arm_share_last10\":");
    otter__json_num(stdout, (double)r->best_last / (double)(o->horizon - r->last_from));
    printf(",\"expired\":%llu,\"pending\":%zu,\"seconds\":", (unsigned long long)r->expired,
           otter_bandit_pending(r->bandit));
    otter__json_num(stdout, r->seconds);
    printf(",\"env_seconds\":");
    otter__json_num(stdout, r->env_seconds);
    printf(",\"decisions_per_sec\":");
    otter__json_num(stdout, r->seconds > 0 ? T / r->seconds : NAN);
    printf(",\"bandit_bytes\":%zu}\n", otter_bandit_bytes(r->bandit));
}

int otter__cmd_bandit_sim(const otter_context *ctx, int argc, char **argv)
{
    struct sim_opts o = {0};
    o.scenario = "bernoulli";
    o.dim = 16;
    o.seed = 1;
    o.curve_every = 1000;
    o.step_ms = 100;
    otter_error err = {0};
    if (otter_params_create(&o.params, &err) != OTTER_OK) {
        fprintf(stderr, "otter bandit-sim: %s\n", err.message);
        return 1;
    }
    int rc = parse_sim(argc, argv, &o);
    if (rc < 0) {
        struct sim_run r = {0};
        otter_decision init = OTTER_DECISION_INIT;
        r.dec = init;
        otter_status st = setup(ctx, &o, &r, &err);
        int created = r.bandit != NULL;
        if (st == OTTER_OK)
            st = loop(&o, &r, &err);
        otter_status cst = close_outputs(&r, &o, &err);
        if (st == OTTER_OK)
            st = cst;
        if (st == OTTER_OK)
            report(&o, &r);
        else
            fprintf(stderr, "otter bandit-sim: %s\n", err.message);
        /* a policy that cannot be made from --policy/--param is a usage error */
        rc = st == OTTER_OK ? 0
                            : (!created && (st == OTTER_INVALID || st == OTTER_NOT_FOUND) ? 2 : 1);
        run_free(&r);
    }
    free(o.given);
    otter_params_destroy(o.params);
    return rc;
}
