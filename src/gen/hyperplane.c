/* Rotating hyperplane generator (Hulten, Spencer and Domingos, "Mining time-changing
 * data streams", KDD 2001), with the semantics of MOA's HyperplaneGenerator and River's
 * datasets.synth.Hyperplane.
 *
 * Each row has `features` attributes uniform in [0, 1]. The weights w_i start uniform
 * in [0, 1]; the label is 1 when sum_i w_i x_i >= (sum_i w_i) / 2, flipped with
 * probability `noise`. After every row the first `drift_features` weights move by
 * direction_i * mag_change, and each direction_i reverses with probability `sigma`, so
 * the decision boundary rotates smoothly (incremental drift). With mag_change = 0 the
 * concept is stationary.
 */
#include <stdlib.h>

#include "gen_int.h"
#include "otter/learner.h"
#include "otter/rng.h"

enum { P_FEATURES, P_DRIFT_FEATURES, P_MAG_CHANGE, P_SIGMA, P_NOISE, P_COUNT };

static const otter_param_spec hyperplane_params[P_COUNT] = {
    {"features", OTTER_PARAM_INT, "10", 1, 10000, 0, NULL, "number of attributes"},
    {"drift_features", OTTER_PARAM_INT, "2", 0, 10000, 0, NULL,
     "number of attributes whose weight drifts (at most `features`)"},
    {"mag_change", OTTER_PARAM_DOUBLE, "0.0", 0, 1, 0, NULL,
     "how much a drifting weight moves after each row (0 = no drift)"},
    {"sigma", OTTER_PARAM_DOUBLE, "0.1", 0, 1, 0, NULL,
     "probability that a drifting weight reverses its direction after each row"},
    {"noise", OTTER_PARAM_DOUBLE, "0.05", 0, 0.5, 0, NULL, "probability of flipping each label"},
};

typedef struct hyperplane {
    otter_rng rng;
    size_t d, n_drift;
    double mag_change, sigma, noise;
    double *weights;   /* d */
    double *direction; /* n_drift, each +1 or -1 */
    double *x;         /* d, scratch for the current row */
    const char **names;
    otter_feature_key *keys;
    otter__gen_schema schema;
} hyperplane;

static void hyperplane_destroy(void *self)
{
    hyperplane *g = self;
    if (g == NULL)
        return;
    free(g->weights);
    free(g->direction);
    free(g->x);
    free(g->names);
    free(g->keys);
    free(g);
}

static otter_status hyperplane_alloc(hyperplane *g, otter_error *err)
{
    g->weights = malloc(g->d * sizeof *g->weights);
    g->direction = malloc((g->n_drift ? g->n_drift : 1) * sizeof *g->direction);
    g->x = malloc(g->d * sizeof *g->x);
    g->keys = malloc(g->d * sizeof *g->keys);
    if (g->weights == NULL || g->direction == NULL || g->x == NULL || g->keys == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the hyperplane generator");
    return otter__gen_numbered_names("f", g->d, &g->names, err);
}

static otter_status hyperplane_create(const otter_param_value *values, uint64_t seed, void **self,
                                      otter_error *err)
{
    if (values[P_DRIFT_FEATURES].i > values[P_FEATURES].i)
        return otter_error_set(err, OTTER_INVALID,
                               "drift_features: %lld is more than features (%lld)",
                               values[P_DRIFT_FEATURES].i, values[P_FEATURES].i);
    hyperplane *g = calloc(1, sizeof *g);
    if (g == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the hyperplane generator");
    g->d = (size_t)values[P_FEATURES].i;
    g->n_drift = (size_t)values[P_DRIFT_FEATURES].i;
    g->mag_change = values[P_MAG_CHANGE].d;
    g->sigma = values[P_SIGMA].d;
    g->noise = values[P_NOISE].d;
    otter_status st = hyperplane_alloc(g, err);
    if (st != OTTER_OK) {
        hyperplane_destroy(g);
        return st;
    }
    otter_rng_seed(&g->rng, seed);
    for (size_t i = 0; i < g->d; i++)
        g->weights[i] = otter_rng_uniform(&g->rng);
    for (size_t i = 0; i < g->n_drift; i++)
        g->direction[i] = 1.0;
    g->schema = (otter__gen_schema){NULL, g->d, g->names, g->keys};
    *self = g;
    return OTTER_OK;
}

/* Moves the drifting weights one step and maybe reverses their directions. */
static void hyperplane_drift(hyperplane *g)
{
    for (size_t i = 0; i < g->n_drift; i++) {
        g->weights[i] += g->direction[i] * g->mag_change;
        if (otter_rng_uniform(&g->rng) < g->sigma)
            g->direction[i] = -g->direction[i];
    }
}

static otter_status hyperplane_next(void *self, otter_instance *inst, otter_gen_row *row,
                                    otter_error *err)
{
    hyperplane *g = self;
    otter_instance_clear(inst);
    otter_status st = otter__gen_schema_bind(&g->schema, inst, err);
    if (st != OTTER_OK)
        return st;
    double sum = 0.0, sum_w = 0.0;
    for (size_t i = 0; i < g->d; i++) {
        g->x[i] = otter_rng_uniform(&g->rng);
        sum += g->weights[i] * g->x[i];
        sum_w += g->weights[i];
    }
    for (size_t i = 0; i < g->d; i++)
        if ((st = otter_instance_add_num(inst, g->keys[i], g->x[i], err)) != OTTER_OK)
            return st;
    int label = sum >= 0.5 * sum_w;
    if (g->noise > 0.0 && otter_rng_uniform(&g->rng) < g->noise)
        label = !label;
    *row = (otter_gen_row){0};
    row->label = label;
    hyperplane_drift(g);
    return OTTER_OK;
}

static int hyperplane_task(const void *self)
{
    (void)self;
    return OTTER_TASK_BINARY;
}

static size_t hyperplane_n_classes(const void *self)
{
    (void)self;
    return 2;
}

const otter_gen_type otter__gen_hyperplane = {
    .abi = OTTER_GEN_ABI,
    .name = "hyperplane",
    .summary =
        "rotating hyperplane: uniform attributes, label by a weighted sum, incremental drift",
    .params = hyperplane_params,
    .n_params = P_COUNT,
    .n_meta = 0,
    .meta_names = NULL,
    .create = hyperplane_create,
    .task = hyperplane_task,
    .n_classes = hyperplane_n_classes,
    .next = hyperplane_next,
    .destroy = hyperplane_destroy,
};
