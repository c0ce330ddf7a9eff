/* Random radial basis function generator, with the semantics of MOA's
 * RandomRBFGenerator and RandomRBFGeneratorDrift (Bifet et al., "New ensemble methods
 * for evolving data streams", KDD 2009) and River's datasets.synth.RandomRBF(Drift).
 *
 * A model of `centroids` centroids is drawn once from `model_seed`: each has a centre
 * uniform in [0, 1]^features, a class, a standard deviation uniform in [0, 1) and a
 * weight uniform in [0, 1). A row picks a centroid with probability proportional to its
 * weight, then moves from its centre in a uniformly random direction by a distance
 * drawn from N(0, stddev^2); the row's label is the centroid's class. The rows draw from
 * `seed`, so one model can produce many independent streams.
 *
 * Drift: with speed > 0 the first `drift_centroids` centroids (0 = all) move by `speed`
 * per row along a random unit direction, bouncing off the walls of the unit cube.
 */
#include <math.h>
#include <stdlib.h>

#include "gen_int.h"
#include "otter/learner.h"
#include "otter/rng.h"

enum { P_FEATURES, P_CLASSES, P_CENTROIDS, P_SPEED, P_DRIFT_CENTROIDS, P_MODEL_SEED, P_COUNT };

static const otter_param_spec rbf_params[P_COUNT] = {
    {"features", OTTER_PARAM_INT, "10", 1, 10000, 0, NULL, "number of attributes"},
    {"classes", OTTER_PARAM_INT, "2", 2, OTTER_MAX_CLASSES, 0, NULL,
     "number of classes (binary task when 2, multiclass otherwise)"},
    {"centroids", OTTER_PARAM_INT, "50", 1, 100000, 0, NULL, "number of centroids"},
    {"speed", OTTER_PARAM_DOUBLE, "0.0", 0, 1, 0, NULL,
     "distance a drifting centroid moves per row (0 = stationary)"},
    {"drift_centroids", OTTER_PARAM_INT, "0", 0, 100000, 0, NULL,
     "how many centroids drift when speed > 0 (0 = all; at most `centroids`)"},
    {"model_seed", OTTER_PARAM_INT, "1", 0, 9007199254740992.0, 0, NULL,
     "seed of the centroid model (rows use the generator's seed)"},
};

typedef struct rbf {
    otter_rng rng;
    size_t d, n_classes, n_centroids, n_moving;
    double speed;
    double *centre;     /* n_centroids * d */
    double *velocity;   /* n_moving * d */
    double *stddev;     /* n_centroids */
    double *cum_weight; /* n_centroids, cumulative, last = total */
    int *label;         /* n_centroids */
    double *x;          /* d, scratch */
    const char **names;
    otter_feature_key *keys;
    otter__gen_schema schema;
} rbf;

static void rbf_destroy(void *self)
{
    rbf *g = self;
    if (g == NULL)
        return;
    free(g->centre);
    free(g->velocity);
    free(g->stddev);
    free(g->cum_weight);
    free(g->label);
    free(g->x);
    free(g->names);
    free(g->keys);
    free(g);
}

static otter_status rbf_alloc(rbf *g, otter_error *err)
{
    size_t k = g->n_centroids, d = g->d;
    g->centre = malloc(k * d * sizeof *g->centre);
    g->velocity = malloc((g->n_moving ? g->n_moving : 1) * d * sizeof *g->velocity);
    g->stddev = malloc(k * sizeof *g->stddev);
    g->cum_weight = malloc(k * sizeof *g->cum_weight);
    g->label = malloc(k * sizeof *g->label);
    g->x = malloc(d * sizeof *g->x);
    g->keys = malloc(d * sizeof *g->keys);
    if (!g->centre || !g->velocity || !g->stddev || !g->cum_weight || !g->label || !g->x ||
        !g->keys)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the rbf generator");
    return otter__gen_numbered_names("f", d, &g->names, err);
}

/* Fills v[0..d) with a uniformly random direction scaled to length len. */
static void random_direction(otter_rng *rng, double *v, size_t d, double len)
{
    double norm = 0.0;
    while (norm == 0.0) {
        for (size_t i = 0; i < d; i++) {
            v[i] = otter_rng_normal(rng);
            norm += v[i] * v[i];
        }
    }
    norm = sqrt(norm);
    for (size_t i = 0; i < d; i++)
        v[i] *= len / norm;
}

static void build_model(rbf *g, uint64_t model_seed)
{
    otter_rng m;
    otter_rng_seed(&m, model_seed);
    double total = 0.0;
    for (size_t c = 0; c < g->n_centroids; c++) {
        for (size_t i = 0; i < g->d; i++)
            g->centre[c * g->d + i] = otter_rng_uniform(&m);
        g->label[c] = (int)otter_rng_below(&m, g->n_classes);
        g->stddev[c] = otter_rng_uniform(&m);
        total += otter_rng_uniform(&m);
        g->cum_weight[c] = total;
    }
    for (size_t c = 0; c < g->n_moving; c++)
        random_direction(&m, g->velocity + c * g->d, g->d, g->speed);
}

static otter_status rbf_create(const otter_param_value *values, uint64_t seed, void **self,
                               otter_error *err)
{
    if (values[P_DRIFT_CENTROIDS].i > values[P_CENTROIDS].i)
        return otter_error_set(err, OTTER_INVALID,
                               "drift_centroids: %lld is more than centroids (%lld)",
                               values[P_DRIFT_CENTROIDS].i, values[P_CENTROIDS].i);
    rbf *g = calloc(1, sizeof *g);
    if (g == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the rbf generator");
    g->d = (size_t)values[P_FEATURES].i;
    g->n_classes = (size_t)values[P_CLASSES].i;
    g->n_centroids = (size_t)values[P_CENTROIDS].i;
    g->speed = values[P_SPEED].d;
    g->n_moving = 0;
    if (g->speed > 0.0)
        g->n_moving =
            values[P_DRIFT_CENTROIDS].i == 0 ? g->n_centroids : (size_t)values[P_DRIFT_CENTROIDS].i;
    otter_status st = rbf_alloc(g, err);
    if (st != OTTER_OK) {
        rbf_destroy(g);
        return st;
    }
    build_model(g, (uint64_t)values[P_MODEL_SEED].i);
    otter_rng_seed(&g->rng, seed);
    g->schema = (otter__gen_schema){NULL, g->d, g->names, g->keys};
    *self = g;
    return OTTER_OK;
}

/* Moves the drifting centroids one step, reflecting off the walls of [0, 1]^d. */
static void move_centroids(rbf *g)
{
    for (size_t c = 0; c < g->n_moving; c++) {
        double *p = g->centre + c * g->d, *v = g->velocity + c * g->d;
        for (size_t i = 0; i < g->d; i++) {
            p[i] += v[i];
            if (p[i] > 1.0 || p[i] < 0.0) {
                p[i] = p[i] > 1.0 ? 1.0 : 0.0;
                v[i] = -v[i];
            }
        }
    }
}

/* Index of the centroid whose cumulative weight first exceeds u * total. */
static size_t pick_centroid(const rbf *g, double u)
{
    double target = u * g->cum_weight[g->n_centroids - 1];
    size_t lo = 0, hi = g->n_centroids - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->cum_weight[mid] > target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static otter_status rbf_next(void *self, otter_instance *inst, otter_gen_row *row, otter_error *err)
{
    rbf *g = self;
    otter_instance_clear(inst);
    otter_status st = otter__gen_schema_bind(&g->schema, inst, err);
    if (st != OTTER_OK)
        return st;
    if (g->n_moving > 0)
        move_centroids(g);
    size_t c = pick_centroid(g, otter_rng_uniform(&g->rng));
    random_direction(&g->rng, g->x, g->d, otter_rng_normal(&g->rng) * g->stddev[c]);
    const double *centre = g->centre + c * g->d;
    for (size_t i = 0; i < g->d; i++)
        if ((st = otter_instance_add_num(inst, g->keys[i], centre[i] + g->x[i], err)) != OTTER_OK)
            return st;
    *row = (otter_gen_row){0};
    row->label = g->label[c];
    return OTTER_OK;
}

static int rbf_task(const void *self)
{
    const rbf *g = self;
    return g->n_classes > 2 ? OTTER_TASK_MULTICLASS : OTTER_TASK_BINARY;
}

static size_t rbf_n_classes(const void *self)
{
    const rbf *g = self;
    return g->n_classes;
}

const otter_gen_type otter__gen_rbf = {
    .abi = OTTER_GEN_ABI,
    .name = "rbf",
    .summary = "random RBF: Gaussian clusters with one class each, optionally moving centroids",
    .params = rbf_params,
    .n_params = P_COUNT,
    .n_meta = 0,
    .meta_names = NULL,
    .create = rbf_create,
    .task = rbf_task,
    .n_classes = rbf_n_classes,
    .next = rbf_next,
    .destroy = rbf_destroy,
};
