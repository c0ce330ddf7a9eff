/* State shared by the linear contextual policies (`linucb`, `lints`): ridge regression
 * models kept as Cholesky factors, per-arm statistics, the update with forgetting, the
 * state format and the arm statistics. The policies add only their choice rule.
 *
 * Model. A model is a ridge regression of the reward on the context row x (d values):
 * A = lambda I + sum x x^T, b = sum r x, theta = A^{-1} b. There is no explicit
 * inverse: the model keeps the lower Cholesky factor L of A (A = L L^T, packed,
 * chol_int.h), b, and theta, which is recomputed by two triangular solves after every
 * update (so ranking only reads it). x^T A^{-1} x = ||L^{-1} x||^2 is one forward
 * solve. With shared = 0 (the default, Li et al. 2010's disjoint model) every arm has
 * its own model; with shared = 1 one model learns from every arm's rewards and the
 * arms differ only through their rows (per-arm features, namespace "@ARM"): the
 * simplest form of Li et al.'s shared features, a single theta, no per-arm part.
 *
 * Update (one reward r for row x, on the chosen arm's model, or the one shared model):
 *     A <- f A + x x^T + (d / m) (1 - f) lambda sum_{j in J} e_j e_j^T
 *     b <- f b + r x
 * with f = `forget`. Forgetting is counted in the model's own updates: a disjoint
 * arm's model that is not chosen does not age. f A is a scaling of L by sqrt(f) and
 * x x^T one rank-1 update (both folded into one O(d^2) sweep). The exact prior
 * re-addition (1 - f) lambda I would take d rank-1 updates, O(d^3); instead J is the
 * next m coordinates in cyclic order, each receiving a coordinate rank-1 update of
 * (d / m) (1 - f) lambda, so one full cycle adds exactly the prior mass the exact rule
 * adds, and A stays positive definite with the prior part of every diagonal element
 * between lambda / 2 and 1.7 lambda (checked numerically over d = 1..200 and f from
 * 0.01 to 0.99999; the top is the first cycle's transient, the steady state stays
 * below 1.4 lambda): the coordinates no context excites neither vanish nor blow up. m = ceil(d (-ln
 * f) / ln 2), clamped to [1, d], is the smallest count that refreshes every coordinate before its
 * prior halves; for f <= 1/2, m = d and the rule is exactly A <- f A + (1 - f) lambda I + x x^T.
 * Cost O(m d^2). With f = 1 it is the plain ridge regression.
 *
 * Robustness. An update validates x and r (finite) before touching anything, then
 * computes the new model into a spare block and commits it only if every number in it
 * is finite and the diagonal positive, so an overflowing update is refused with
 * OTTER_INVALID and leaves the state as it was. Rank-1 updates cannot lose positive
 * definiteness and no downdate is ever made.
 *
 * Arm statistics: pulls and the reward sum count every reward (never discounted); the
 * estimate is theta . xbar, xbar the arm's running mean context (forgetting-weighted
 * like its model: weight w <- f w + 1, xbar += (x - xbar) / w), with the interval
 * estimate +- 1.96 s sqrt(xbar^T A^{-1} xbar); the scale s is the policy's (see
 * otter__lin_stats). prob_best is NaN: which arm is best depends on the context.
 *
 * Memory per model: (d (d + 1) / 2 + 3 d) doubles; per arm d doubles more. */
#ifndef OTTER_BANDIT_LIN_INT_H
#define OTTER_BANDIT_LIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec_int.h"
#include "otter/bandit.h"

/* The parameters both policies start their tables with, in this order. */
enum { OTTER__LIN_LAMBDA, OTTER__LIN_FORGET, OTTER__LIN_SHARED, OTTER__LIN_NPARAMS };

/* One spec per line (the formatter would scatter the fields). */
/* clang-format off */
#define OTTER__LIN_PARAMS                                                                          \
    {"lambda", OTTER_PARAM_DOUBLE, "1", 0, 1e12, OTTER_PARAM_MIN_EXCLUSIVE, NULL,                  \
     "ridge prior: every model starts from A = lambda I"},                                         \
    {"forget", OTTER_PARAM_DOUBLE, "1", 0, 1, OTTER_PARAM_MIN_EXCLUSIVE, NULL,                     \
     "per-update forgetting factor of a model (1 = none; e.g. 0.99 follows drift)"},               \
    {"shared", OTTER_PARAM_BOOL, "false", 0, 0, 0, NULL,                                           \
     "one model for all arms (per-arm features tell them apart) instead of one per arm"}
/* clang-format on */

typedef struct otter__lin_model {
    double *mem;          /* L (packed), b, theta, 1 / diag(L): one block, swapped with
                             the spare on update */
    uint64_t updates;     /* rewards learned */
    uint32_t next;        /* next coordinate of the cyclic prior refresh */
    double res_w, res_s2; /* forgetting-weighted count and sum of squared residuals
                             r - theta . x (before each update) */
} otter__lin_model;

typedef struct otter__lin_arm {
    otter__lin_model *own; /* the arm's model (disjoint), NULL when shared */
    double *xbar;          /* running mean of the rows it learned from */
    double xw;             /* its weight */
    uint64_t pulls;
    double reward_sum;
    int live;
} otter__lin_arm;

typedef struct otter__lin {
    size_t d, packed, block; /* block = packed + 3 d doubles per model */
    double lambda, forget;
    size_t refresh_m; /* coordinates refreshed per update (0 when forget = 1) */
    double refresh_c; /* (d / m) (1 - forget) lambda */
    int shared;
    otter__lin_model *global; /* shared = 1 */
    otter__lin_arm *arm;      /* by slot */
    size_t n_slots, cap;
    double *spare; /* a model block for the transactional update */
    double *work;  /* d doubles of workspace */
} otter__lin;

/* Reads the shared parameters (values in the OTTER__LIN_* order) and sets up an empty
 * state for rows of dim d. On failure s holds nothing to free. */
otter_status otter__lin_init(otter__lin *s, const otter_param_value *values, size_t dim,
                             otter_error *err);
void otter__lin_free(otter__lin *s);
otter_status otter__lin_add_arm(otter__lin *s, uint32_t slot, otter_error *err);
void otter__lin_remove_arm(otter__lin *s, uint32_t slot);

/* The model that scores slot, or NULL when the slot is not a live arm. */
static inline const otter__lin_model *otter__lin_model_of(const otter__lin *s, uint32_t slot)
{
    if (slot >= s->n_slots || !s->arm[slot].live)
        return NULL;
    return s->shared ? s->global : s->arm[slot].own;
}

static inline const double *otter__lin_theta(const otter__lin *s, const otter__lin_model *m)
{
    return m->mem + s->packed + s->d;
}

/* theta . x, and u = L^{-1} x (d doubles, caller's) with *w2 = ||u||^2 = x^T A^{-1} x. */
double otter__lin_predict(const otter__lin *s, const otter__lin_model *m, const double *x,
                          double *u, double *w2);

/* A prediction for otter__lin_predict2: m, x and u in, mean and w2 out. */
typedef struct otter__lin_pred {
    const otter__lin_model *m;
    const double *x;
    double *u;
    double mean, w2;
} otter__lin_pred;

/* Two otter__lin_predict calls at once (the same results; the two triangular solves
 * interleaved, see otter__chol_lsolve2). */
void otter__lin_predict2(const otter__lin *s, otter__lin_pred *a, otter__lin_pred *b);

/* Learns reward r for row x on slot's model (see the update above). OTTER_INVALID for
 * NaN/Inf in x or r, or an update that would overflow; the state is then unchanged. */
otter_status otter__lin_update(otter__lin *s, uint32_t slot, const double *x, double r,
                               otter_error *err);

/* Fills out[i] for slot[i]. scale >= 0: the interval's scale s; scale < 0: s is the
 * model's residual standard deviation sqrt(res_s2 / res_w). Arms without rewards get
 * NaN estimates. */
void otter__lin_stats(const otter__lin *s, const uint32_t *slot, size_t n, double scale,
                      otter_arm_stats *out);

void otter__lin_encode(const otter__lin *s, otter__wr *w);
/* Reads the state into an s fresh from otter__lin_init; OTTER_CORRUPT for anything
 * malformed (sizes, non-finite numbers, a non-positive diagonal of L). */
otter_status otter__lin_decode(otter__lin *s, otter__rd *r, otter_error *err);
size_t otter__lin_bytes(const otter__lin *s);
void otter__lin_describe(const otter__lin *s, const otter_kv_sink *sink);

/* The methods both policies share, with the table's signatures; self is a policy
 * struct whose first member is its otter__lin. */
otter_status otter__lin_vt_add_arm(void *self, uint32_t slot, otter_error *err);
void otter__lin_vt_remove_arm(void *self, uint32_t slot);
otter_status otter__lin_vt_update(void *self, uint32_t slot, const double *x, double reward,
                                  double propensity, otter_error *err);
otter_status otter__lin_vt_encode(const void *self, otter_buf *out, otter_error *err);
/* Decodes a payload into a state fresh from otter__lin_init (all bytes must be used);
 * `policy` names it in messages. */
otter_status otter__lin_decode_payload(otter__lin *s, const uint8_t *payload, size_t len,
                                       const char *policy, otter_error *err);

/* Scratch of n doubles for a rank call (which may not touch the policy's state): the
 * caller's stack buffer when it is large enough, else malloc (NULL when that fails). */
double *otter__lin_scratch(double *stack, size_t stack_n, size_t n);
void otter__lin_scratch_free(double *p, const double *stack);

#endif
