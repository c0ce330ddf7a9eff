/* Internal interfaces of the generalized linear learners (linear.c): the model
 * struct, the loss table and the optimizer table. A loss turns margins into a
 * prediction and a gradient; an optimizer applies one row's gradient to the weights.
 * Both are chosen once at creation, so the per-row cost is one indirect call each. */
#ifndef OTTER_LINEAR_INT_H
#define OTTER_LINEAR_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "core/instance_int.h"
#include "otter/learner.h"

struct otter__lin;

typedef struct otter__lin_loss {
    const char *name;
    otter_task task;
    /* Fills out from the K margins. */
    void (*predict)(const double *margin, size_t k, otter_prediction *out);
    /* d loss / d margin_k for label y, written to g[0..k). */
    void (*grad)(const double *margin, size_t k, double y, double *g);
    /* Loss value (for tests and the finite-difference check). */
    double (*value)(const double *margin, size_t k, double y);
} otter__lin_loss;

typedef struct otter__lin_opt {
    const char *name;
    size_t stride; /* doubles of state per weight; component 0 is always the weight */
    /* Applies gradient g[k] (d loss / d margin_k, already importance-weighted) of the
     * current row to every weight the row touches, including bias and dense block. */
    void (*step)(struct otter__lin *m, const otter_instance *inst, const double *g);
} otter__lin_opt;

extern const otter__lin_loss otter__loss_logistic;
extern const otter__lin_loss otter__loss_softmax;
extern const otter__lin_loss otter__loss_squared;
extern const otter__lin_loss otter__loss_hinge;
extern const otter__lin_opt otter__opt_sgd;
extern const otter__lin_opt otter__opt_adagrad;
extern const otter__lin_opt otter__opt_ftrl;

typedef struct otter__lin {
    /* configuration (from params) */
    const otter__lin_loss *loss;
    const otter__lin_opt *opt;
    size_t k;      /* heads: 1, or the class count for softmax */
    size_t stride; /* opt->stride */
    unsigned bits;
    uint32_t mask;
    double lr, power_t, l1, l2, alpha, beta, pos_weight;
    int intercept, standardize;
    /* state */
    double t;         /* sum of importance weights learned (drives SGD's decay) */
    double eta;       /* SGD step size of the row being learned (set by its step) */
    size_t slot_size; /* doubles per slot: k * stride weights, then 5 statistics when
                         standardizing (see OTTER__ST_*), so one cache line or two
                         serve a feature's weight and its scaling */
    double *w;        /* (mask+1) * slot_size, slot-major: [slot][head][component] */
    double *bias;     /* k * stride */
    size_t d;         /* dense dimension seen so far */
    size_t d_cap;
    double *dense;  /* stride * k * d_cap: [component][head][j], so each head's weights
                       are contiguous for BLAS */
    double *dstats; /* OTTER__ST_COUNT_ * d_cap: the statistics, one row per kind */
} otter__lin;

/* Statistics of a standardized numeric input: count, mean, M2 (Welford), and the
 * affine map they give, x' = x * scale - offset. Normally scale = 1/sd and offset =
 * mean/sd. Until two values were seen the map is 0 (no huge first steps); when the
 * variance is ~0 (an input that is constant whenever present, such as an indicator
 * written as "name=value:1") it is the identity, so presence keeps its meaning. */
enum {
    OTTER__ST_N,
    OTTER__ST_MEAN,
    OTTER__ST_M2,
    OTTER__ST_SCALE,
    OTTER__ST_OFFSET,
    OTTER__ST_COUNT_
};

/* The model input for feature f: standardized for numeric features when enabled. */
static inline double otter__lin_x(const otter__lin *m, const struct otter__feat *f)
{
    if (!m->standardize || f->cat_off >= 0)
        return f->value;
    const double *st = m->w + (size_t)(f->hash & m->mask) * m->slot_size + m->k * m->stride;
    return f->value * st[OTTER__ST_SCALE] - st[OTTER__ST_OFFSET];
}

/* The same for dense element j with value x. */
static inline double otter__lin_dx(const otter__lin *m, size_t j, double x)
{
    if (!m->standardize)
        return x;
    const double *scale = m->dstats + OTTER__ST_SCALE * m->d_cap;
    const double *offset = m->dstats + OTTER__ST_OFFSET * m->d_cap;
    return x * scale[j] - offset[j];
}

/* Generic row walk for optimizers whose update is per coordinate. `upd` gets the
 * pointer to component 0 of a weight, the distance between its components, the
 * gradient and the L2-free flag for the bias; passing a static function lets the
 * compiler inline it. */
typedef void (*otter__lin_coord_fn)(const otter__lin *m, double *w, size_t cstride, double g,
                                    int is_bias);

static inline void otter__lin_walk(otter__lin *m, const otter_instance *inst, const double *g,
                                   otter__lin_coord_fn upd)
{
    const size_t k = m->k, s = m->stride;
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        double x = otter__lin_x(m, f);
        if (x == 0.0)
            continue;
        double *w = m->w + (size_t)(f->hash & m->mask) * m->slot_size;
        for (size_t h = 0; h < k; h++)
            upd(m, w + h * s, 1, g[h] * x, 0);
    }
    size_t nd = inst->n_dense < m->d ? inst->n_dense : m->d;
    for (size_t j = 0; j < nd; j++) {
        double x = otter__lin_dx(m, j, inst->dense[j]);
        if (x == 0.0)
            continue;
        for (size_t h = 0; h < k; h++)
            upd(m, m->dense + h * m->d_cap + j, k * m->d_cap, g[h] * x, 0);
    }
    if (m->intercept)
        for (size_t h = 0; h < k; h++)
            upd(m, m->bias + h * s, 1, g[h], 1);
}

#endif
