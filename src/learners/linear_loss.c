/* Losses of the linear learners: logistic (binary), softmax (multiclass), squared
 * (regression) and hinge (binary, a linear SVM). Margins are clipped before exp so
 * extreme weights give probabilities of 0/1, never NaN. */
#include <math.h>

#include "linear_int.h"

static double sigmoid(double m)
{
    if (m > 35)
        m = 35;
    if (m < -35)
        m = -35;
    return 1.0 / (1.0 + exp(-m));
}

static void logistic_predict(const double *m, size_t k, otter_prediction *out)
{
    (void)k;
    double p = sigmoid(m[0]);
    out->task = OTTER_TASK_BINARY;
    out->score = m[0];
    out->proba = p;
    out->has_proba = 1;
    out->label = p >= 0.5;
    out->n_classes = 2;
    out->probs[0] = 1.0 - p;
    out->probs[1] = p;
}

static void logistic_grad(const double *m, size_t k, double y, double *g)
{
    (void)k;
    g[0] = sigmoid(m[0]) - y;
}

/* log(1 + exp(-z)) computed without overflow, z = margin * (+1 or -1). */
static double log1pexp_neg(double z)
{
    return z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z));
}

static double logistic_value(const double *m, size_t k, double y)
{
    (void)k;
    return log1pexp_neg(y > 0.5 ? m[0] : -m[0]);
}

const otter__lin_loss otter__loss_logistic = {"logistic", OTTER_TASK_BINARY, logistic_predict,
                                              logistic_grad, logistic_value};

static void softmax_probs(const double *m, size_t k, double *p)
{
    double mx = m[0];
    for (size_t i = 1; i < k; i++)
        if (m[i] > mx)
            mx = m[i];
    double z = 0;
    for (size_t i = 0; i < k; i++)
        z += (p[i] = exp(m[i] - mx));
    for (size_t i = 0; i < k; i++)
        p[i] /= z;
}

static void softmax_predict(const double *m, size_t k, otter_prediction *out)
{
    softmax_probs(m, k, out->probs);
    size_t best = 0;
    for (size_t i = 1; i < k; i++)
        if (out->probs[i] > out->probs[best])
            best = i;
    out->task = OTTER_TASK_MULTICLASS;
    out->score = m[best];
    out->proba = NAN;
    out->has_proba = 1;
    out->label = (int)best;
    out->n_classes = k;
}

static void softmax_grad(const double *m, size_t k, double y, double *g)
{
    softmax_probs(m, k, g);
    g[(size_t)y] -= 1.0;
}

static double softmax_value(const double *m, size_t k, double y)
{
    double mx = m[0];
    for (size_t i = 1; i < k; i++)
        if (m[i] > mx)
            mx = m[i];
    double z = 0;
    for (size_t i = 0; i < k; i++)
        z += exp(m[i] - mx);
    return log(z) + mx - m[(size_t)y];
}

const otter__lin_loss otter__loss_softmax = {"softmax", OTTER_TASK_MULTICLASS, softmax_predict,
                                             softmax_grad, softmax_value};

static void squared_predict(const double *m, size_t k, otter_prediction *out)
{
    (void)k;
    out->task = OTTER_TASK_REGRESSION;
    out->score = m[0];
    out->proba = NAN;
    out->has_proba = 0;
    out->label = 0;
    out->n_classes = 0;
}

static void squared_grad(const double *m, size_t k, double y, double *g)
{
    (void)k;
    g[0] = m[0] - y;
}

static double squared_value(const double *m, size_t k, double y)
{
    (void)k;
    return 0.5 * (m[0] - y) * (m[0] - y);
}

const otter__lin_loss otter__loss_squared = {"squared", OTTER_TASK_REGRESSION, squared_predict,
                                             squared_grad, squared_value};

static void hinge_predict(const double *m, size_t k, otter_prediction *out)
{
    (void)k;
    out->task = OTTER_TASK_BINARY;
    out->score = m[0];
    out->proba = NAN;
    out->has_proba = 0;
    out->label = m[0] >= 0;
    out->n_classes = 2;
}

/* Labels arrive as 0/1 and are used as -1/+1. The subgradient at the hinge is 0. */
static void hinge_grad(const double *m, size_t k, double y, double *g)
{
    (void)k;
    double s = y > 0.5 ? 1.0 : -1.0;
    g[0] = s * m[0] < 1.0 ? -s : 0.0;
}

static double hinge_value(const double *m, size_t k, double y)
{
    (void)k;
    double s = y > 0.5 ? 1.0 : -1.0;
    return s * m[0] < 1.0 ? 1.0 - s * m[0] : 0.0;
}

const otter__lin_loss otter__loss_hinge = {"hinge", OTTER_TASK_BINARY, hinge_predict, hinge_grad,
                                           hinge_value};
