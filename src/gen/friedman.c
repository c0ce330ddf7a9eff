/* Friedman #1 regression generator (Friedman, "Multivariate adaptive regression splines",
 * Annals of Statistics 1991), the standard stream-regression benchmark of FIMT-DD
 * (Ikonomovska, Gama and Dzeroski, "Learning model trees from evolving data streams",
 * DMKD 2011), MOA and River (datasets.synth.Friedman).
 *
 * Each row has 10 attributes x0..x9 uniform in [0, 1]; only the first five matter:
 *   y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise * N(0, 1).
 * The normal draw is taken on every row, also with noise = 0, so the attributes of a
 * seed do not depend on the noise level.
 *
 * Drift: `drift_at` lists row indices (0-based) at which the concept switches abruptly
 * between the function above and the same function on permuted attributes,
 *   y = 10 sin(pi x3 x5) + 20 (x1 - 0.5)^2 + 10 x0 + 5 x2 + noise,
 * and back at the next index: the global recurring abrupt drift of Ikonomovska et al.
 * (River's FriedmanDrift with drift_type='gra' uses the same two functions), where the
 * relevant attributes change everywhere in the instance space and x5 becomes relevant.
 */
#include <math.h>
#include <stdlib.h>

#include "gen_int.h"
#include "otter/learner.h"
#include "otter/rng.h"

#define FRIEDMAN_FEATURES 10
#define FRIEDMAN_MAX_DRIFTS 4096

enum { P_NOISE, P_DRIFT_AT, P_COUNT };

static const otter_param_spec friedman_params[P_COUNT] = {
    {"noise", OTTER_PARAM_DOUBLE, "1.0", 0, 1e6, 0, NULL,
     "standard deviation of the Gaussian noise added to the target"},
    {"drift_at", OTTER_PARAM_STRING, "", 0, 0, 0, NULL,
     "increasing row indices, separated by ',', where the concept switches between the "
     "original and the permuted-attribute function (abrupt, recurring)"},
};

typedef struct friedman {
    otter_rng rng;
    double noise;
    uint64_t *drift_at;
    size_t n_drift, next_drift; /* next_drift: index of the next change in drift_at */
    int swapped;                /* the permuted concept is in force */
    uint64_t row;
    const char **names;
    otter_feature_key keys[FRIEDMAN_FEATURES];
    otter__gen_schema schema;
} friedman;

static void friedman_destroy(void *self)
{
    friedman *g = self;
    if (g == NULL)
        return;
    free(g->drift_at);
    free(g->names);
    free(g);
}

static otter_status friedman_create(const otter_param_value *values, uint64_t seed, void **self,
                                    otter_error *err)
{
    friedman *g = calloc(1, sizeof *g);
    if (g == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the friedman generator");
    otter_status st = otter__gen_parse_rows("drift_at", values[P_DRIFT_AT].s, FRIEDMAN_MAX_DRIFTS,
                                            &g->drift_at, &g->n_drift, err);
    if (st == OTTER_OK)
        st = otter__gen_numbered_names("x", FRIEDMAN_FEATURES, &g->names, err);
    if (st != OTTER_OK) {
        friedman_destroy(g);
        return st;
    }
    otter_rng_seed(&g->rng, seed);
    g->noise = values[P_NOISE].d;
    g->schema = (otter__gen_schema){NULL, FRIEDMAN_FEATURES, g->names, g->keys};
    *self = g;
    return OTTER_OK;
}

/* The noiseless target of x under the original (swapped = 0) or permuted concept. */
static double friedman_f(const double *x, int swapped)
{
    const double pi = 3.14159265358979323846;
    if (swapped)
        return 10.0 * sin(pi * x[3] * x[5]) + 20.0 * (x[1] - 0.5) * (x[1] - 0.5) + 10.0 * x[0] +
               5.0 * x[2];
    return 10.0 * sin(pi * x[0] * x[1]) + 20.0 * (x[2] - 0.5) * (x[2] - 0.5) + 10.0 * x[3] +
           5.0 * x[4];
}

static otter_status friedman_next(void *self, otter_instance *inst, otter_gen_row *row,
                                  otter_error *err)
{
    friedman *g = self;
    otter_instance_clear(inst);
    otter_status st = otter__gen_schema_bind(&g->schema, inst, err);
    if (st != OTTER_OK)
        return st;
    double x[FRIEDMAN_FEATURES];
    for (size_t i = 0; i < FRIEDMAN_FEATURES; i++) {
        x[i] = otter_rng_uniform(&g->rng);
        if ((st = otter_instance_add_num(inst, g->keys[i], x[i], err)) != OTTER_OK)
            return st;
    }
    while (g->next_drift < g->n_drift && g->drift_at[g->next_drift] <= g->row) {
        g->swapped = !g->swapped;
        g->next_drift++;
    }
    double eps = otter_rng_normal(&g->rng);
    *row = (otter_gen_row){0};
    row->label = friedman_f(x, g->swapped) + g->noise * eps;
    g->row++;
    return OTTER_OK;
}

static int friedman_task(const void *self)
{
    (void)self;
    return OTTER_TASK_REGRESSION;
}

static size_t friedman_n_classes(const void *self)
{
    (void)self;
    return 0;
}

const otter_gen_type otter__gen_friedman = {
    .abi = OTTER_GEN_ABI,
    .name = "friedman",
    .summary = "Friedman #1 regression: 10 uniform attributes, 5 relevant, Gaussian noise, "
               "optional recurring abrupt drift",
    .params = friedman_params,
    .n_params = P_COUNT,
    .n_meta = 0,
    .meta_names = NULL,
    .create = friedman_create,
    .task = friedman_task,
    .n_classes = friedman_n_classes,
    .next = friedman_next,
    .destroy = friedman_destroy,
};
