/* SEA concepts generator (Street and Kim, "A streaming ensemble algorithm (SEA) for
 * large-scale classification", KDD 2001), with the semantics of MOA's SEAGenerator and
 * River's datasets.synth.SEA.
 *
 * Three attributes x1, x2, x3 are uniform in [0, 10]; only x1 and x2 matter. The label
 * is 1 when x1 + x2 > theta and 0 otherwise, with theta = 8, 9, 7, 9.5 for concept
 * functions 1..4. Each label is flipped with probability `noise`.
 *
 * Drift: `drift_at` lists row indices (0-based) at which the concept moves on to the
 * next function (1 -> 2 -> 3 -> 4 -> 1). With drift_width w > 0 each change is gradual
 * as in MOA's ConceptDriftStream: at row t the new concept of a change at row p is used
 * with probability 1 / (1 + exp(-4 (t - p) / w)), and later changes nest inside it.
 */
#include <math.h>
#include <stdlib.h>

#include "gen_int.h"
#include "otter/learner.h"
#include "otter/rng.h"

#define SEA_MAX_DRIFTS 4096

static const double sea_theta[4] = {8.0, 9.0, 7.0, 9.5};

static const char *const sea_names[3] = {"x1", "x2", "x3"};

enum { P_FUNCTION, P_NOISE, P_DRIFT_AT, P_DRIFT_WIDTH, P_COUNT };

static const otter_param_spec sea_params[P_COUNT] = {
    {"function", OTTER_PARAM_INT, "1", 1, 4, 0, NULL,
     "initial concept function 1..4 (theta = 8, 9, 7, 9.5)"},
    {"noise", OTTER_PARAM_DOUBLE, "0.1", 0, 0.5, 0, NULL,
     "probability of flipping each label (MOA's default is 10%)"},
    {"drift_at", OTTER_PARAM_STRING, "", 0, 0, 0, NULL,
     "increasing row indices, separated by ',' (or ';' / ':'), where the concept moves to "
     "the next function"},
    {"drift_width", OTTER_PARAM_INT, "0", 0, 1e12, 0, NULL,
     "rows over which each change happens (0 = abrupt; else sigmoid as in MOA)"},
};

typedef struct sea {
    otter_rng rng;
    int function; /* 0-based index of the initial concept */
    double noise;
    double width;
    uint64_t *drift_at;
    size_t n_drift;
    uint64_t row;
    otter_feature_key keys[3];
    otter__gen_schema schema;
} sea;

static otter_status sea_create(const otter_param_value *values, uint64_t seed, void **self,
                               otter_error *err)
{
    sea *g = calloc(1, sizeof *g);
    if (g == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the sea generator");
    otter_status st = otter__gen_parse_rows("drift_at", values[P_DRIFT_AT].s, SEA_MAX_DRIFTS,
                                            &g->drift_at, &g->n_drift, err);
    if (st != OTTER_OK) {
        free(g);
        return st;
    }
    otter_rng_seed(&g->rng, seed);
    g->function = (int)values[P_FUNCTION].i - 1;
    g->noise = values[P_NOISE].d;
    g->width = (double)values[P_DRIFT_WIDTH].i;
    g->schema = (otter__gen_schema){NULL, 3, sea_names, g->keys};
    *self = g;
    return OTTER_OK;
}

/* Probability that row t uses the concept after the change at row p. */
static double change_probability(double width, uint64_t t, uint64_t p)
{
    if (width <= 0.0)
        return t >= p ? 1.0 : 0.0;
    double x = -4.0 * ((double)t - (double)p) / width;
    return 1.0 / (1.0 + exp(x));
}

/* Concept (0-based function index) in force at the current row. */
static int current_concept(sea *g)
{
    int k = 0;
    for (size_t i = 0; i < g->n_drift; i++) {
        double p = change_probability(g->width, g->row, g->drift_at[i]);
        if (p <= 0.0 || (p < 1.0 && otter_rng_uniform(&g->rng) >= p))
            break;
        k++;
    }
    return (g->function + k) % 4;
}

static otter_status sea_next(void *self, otter_instance *inst, otter_gen_row *row, otter_error *err)
{
    sea *g = self;
    otter_instance_clear(inst);
    otter_status st = otter__gen_schema_bind(&g->schema, inst, err);
    if (st != OTTER_OK)
        return st;
    double x[3];
    for (int i = 0; i < 3; i++) {
        x[i] = 10.0 * otter_rng_uniform(&g->rng);
        if ((st = otter_instance_add_num(inst, g->keys[i], x[i], err)) != OTTER_OK)
            return st;
    }
    int concept = current_concept(g);
    int label = x[0] + x[1] > sea_theta[concept];
    if (g->noise > 0.0 && otter_rng_uniform(&g->rng) < g->noise)
        label = !label;
    *row = (otter_gen_row){0};
    row->label = label;
    g->row++;
    return OTTER_OK;
}

static int sea_task(const void *self)
{
    (void)self;
    return OTTER_TASK_BINARY;
}

static size_t sea_n_classes(const void *self)
{
    (void)self;
    return 2;
}

static void sea_destroy(void *self)
{
    sea *g = self;
    if (g == NULL)
        return;
    free(g->drift_at);
    free(g);
}

const otter_gen_type otter__gen_sea = {
    .abi = OTTER_GEN_ABI,
    .name = "sea",
    .summary = "SEA concepts: 3 uniform attributes, label x1 + x2 > theta, abrupt or gradual drift",
    .params = sea_params,
    .n_params = P_COUNT,
    .n_meta = 0,
    .meta_names = NULL,
    .create = sea_create,
    .task = sea_task,
    .n_classes = sea_n_classes,
    .next = sea_next,
    .destroy = sea_destroy,
};
