/* Optimizers of the linear learners.
 *  - sgd: w -= eta_t (g + l2 w), eta_t = lr / (1 + t)^power_t, t the importance weight
 *    seen so far; its dense block uses BLAS (dscal + daxpy) when not standardizing.
 *  - adagrad (Duchi et al. 2011): per-coordinate steps lr / sqrt(sum of g^2).
 *  - ftrl: FTRL-Proximal (McMahan et al. 2013, Algorithm 1) with L1 and L2, which
 *    gives exact zeros for weak features. The weight is kept next to (z, n) so
 *    prediction reads it directly.
 * The bias is never regularized. */
#include <math.h>

#include "core/blas_int.h"
#include "linear_int.h"

static void sgd_coord(const otter__lin *m, double *w, size_t cs, double g, int is_bias)
{
    (void)cs;
    if (!is_bias)
        g += m->l2 * w[0];
    w[0] -= m->eta * g;
}

static void sgd_step(otter__lin *m, const otter_instance *inst, const double *g)
{
    m->eta = m->lr / pow(1.0 + m->t, m->power_t);
    size_t nd = inst->n_dense < m->d ? inst->n_dense : m->d;
    if (m->standardize || nd == 0) {
        otter__lin_walk(m, inst, g, sgd_coord);
        return;
    }
    /* Dense block through BLAS: w = (1 - eta l2) w - eta g x, per head. */
    for (size_t h = 0; h < m->k; h++) {
        double *wd = m->dense + h * m->d_cap;
        if (m->l2 > 0)
            otter__dscal(nd, 1.0 - m->eta * m->l2, wd);
        otter__daxpy(nd, -m->eta * g[h], inst->dense, wd);
    }
    size_t saved = m->d;
    m->d = 0; /* the walk below then covers only the sparse features and the bias */
    otter__lin_walk(m, inst, g, sgd_coord);
    m->d = saved;
}

const otter__lin_opt otter__opt_sgd = {"sgd", 1, sgd_step};

static void adagrad_coord(const otter__lin *m, double *w, size_t cs, double g, int is_bias)
{
    if (!is_bias)
        g += m->l2 * w[0];
    if (g == 0.0)
        return;
    w[cs] += g * g;
    w[0] -= m->lr * g / sqrt(w[cs]);
}

static void adagrad_step(otter__lin *m, const otter_instance *inst, const double *g)
{
    otter__lin_walk(m, inst, g, adagrad_coord);
}

const otter__lin_opt otter__opt_adagrad = {"adagrad", 2, adagrad_step};

static void ftrl_coord(const otter__lin *m, double *w, size_t cs, double g, int is_bias)
{
    double *z = w + cs, *n = w + 2 * cs;
    double sigma = (sqrt(*n + g * g) - sqrt(*n)) / m->alpha;
    *z += g - sigma * w[0];
    *n += g * g;
    double l1 = is_bias ? 0.0 : m->l1, l2 = is_bias ? 0.0 : m->l2;
    if (fabs(*z) <= l1)
        w[0] = 0.0;
    else
        w[0] = -(*z - copysign(l1, *z)) / ((m->beta + sqrt(*n)) / m->alpha + l2);
}

static void ftrl_step(otter__lin *m, const otter_instance *inst, const double *g)
{
    otter__lin_walk(m, inst, g, ftrl_coord);
}

const otter__lin_opt otter__opt_ftrl = {"ftrl", 3, ftrl_step};
