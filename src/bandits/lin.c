/* The ridge models and per-arm statistics of the linear contextual policies (see
 * lin_int.h for the formulation).
 *
 * State (payload of linucb and lints, version 1): u8 shared, u32 d; when shared the
 * model; u32 slots, then per slot u8 live and, for a live slot, its model (disjoint
 * only), u64 pulls, f64 reward sum, f64 context weight, d f64 mean context. A model is
 * u64 updates, u32 next refresh coordinate, f64 residual weight, f64 residual square
 * sum, the packed factor L (d (d + 1) / 2 f64) and b (d f64). theta is not stored: the
 * decoder recomputes it from L and b with the same solves the update uses, which gives
 * the same bits, so a decoded bandit continues exactly where the encoded one was. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/chol_int.h"
#include "lin_int.h"

/* ---- models ---- */

static double *model_b(const otter__lin *s, double *mem)
{
    return mem + s->packed;
}

static double *model_theta(const otter__lin *s, double *mem)
{
    return mem + s->packed + s->d;
}

static double *model_rdiag(const otter__lin *s, double *mem)
{
    return mem + s->packed + 2 * s->d;
}

/* What follows from L and b: the reciprocal diagonal and theta = A^{-1} b =
 * L^{-T} L^{-1} b. The update and the decoder both call this, hence the same bits. */
static void derive(const otter__lin *s, double *mem)
{
    double *theta = model_theta(s, mem), *rd = model_rdiag(s, mem);
    otter__chol_rdiag(s->d, mem, rd);
    memcpy(theta, model_b(s, mem), s->d * sizeof *theta);
    otter__chol_lsolve(s->d, mem, rd, theta);
    otter__chol_ltsolve(s->d, mem, rd, theta);
}

static otter__lin_model *model_new(const otter__lin *s)
{
    otter__lin_model *m = calloc(1, sizeof *m);
    if (m && !(m->mem = malloc(s->block * sizeof *m->mem))) {
        free(m);
        return NULL;
    }
    if (m) {
        otter__chol_identity(s->d, s->lambda, m->mem);
        memset(model_b(s, m->mem), 0, s->d * sizeof *m->mem);
        derive(s, m->mem);
    }
    return m;
}

static void model_free(otter__lin_model *m)
{
    if (m)
        free(m->mem);
    free(m);
}

double otter__lin_predict(const otter__lin *s, const otter__lin_model *m, const double *x,
                          double *u, double *w2)
{
    memcpy(u, x, s->d * sizeof *u);
    *w2 = otter__chol_lsolve(s->d, m->mem, m->mem + s->packed + 2 * s->d, u);
    return otter__dot(s->d, otter__lin_theta(s, m), x);
}

void otter__lin_predict2(const otter__lin *s, otter__lin_pred *a, otter__lin_pred *b)
{
    size_t d = s->d, rd = s->packed + 2 * d;
    memcpy(a->u, a->x, d * sizeof *a->u);
    memcpy(b->u, b->x, d * sizeof *b->u);
    otter__chol_lsolve2(d, a->m->mem, a->m->mem + rd, a->u, b->m->mem, b->m->mem + rd, b->u, &a->w2,
                        &b->w2);
    a->mean = otter__dot(d, otter__lin_theta(s, a->m), a->x);
    b->mean = otter__dot(d, otter__lin_theta(s, b->m), b->x);
}

/* ---- create / arms ---- */

otter_status otter__lin_init(otter__lin *s, const otter_param_value *v, size_t dim,
                             otter_error *err)
{
    memset(s, 0, sizeof *s);
    if (dim == 0)
        return otter_error_set(err, OTTER_INVALID, "linear policies need dim >= 1");
    s->d = dim;
    s->packed = otter__chol_packed(dim);
    s->block = s->packed + 3 * dim;
    s->lambda = v[OTTER__LIN_LAMBDA].d;
    s->forget = v[OTTER__LIN_FORGET].d;
    s->shared = v[OTTER__LIN_SHARED].b;
    if (s->forget < 1.0) {
        double m = ceil((double)dim * -log(s->forget) / log(2.0));
        s->refresh_m = m < 1 ? 1 : m > (double)dim ? dim : (size_t)m;
        s->refresh_c = (double)dim / (double)s->refresh_m * (1.0 - s->forget) * s->lambda;
    }
    s->spare = malloc(s->block * sizeof *s->spare);
    s->work = malloc(dim * sizeof *s->work);
    if (s->spare && s->work && (!s->shared || (s->global = model_new(s))))
        return OTTER_OK;
    otter__lin_free(s);
    return otter_error_set(err, OTTER_NOMEM, "out of memory for a %zu-dimensional linear model",
                           dim);
}

void otter__lin_free(otter__lin *s)
{
    for (size_t i = 0; i < s->n_slots; i++) {
        model_free(s->arm[i].own);
        free(s->arm[i].xbar);
    }
    free(s->arm);
    model_free(s->global);
    free(s->spare);
    free(s->work);
    memset(s, 0, sizeof *s);
}

/* Makes room for slot (new entries dead). */
static otter_status grow(otter__lin *s, uint32_t slot, otter_error *err)
{
    if (slot >= s->cap) {
        size_t nc = s->cap ? s->cap : 8;
        while (nc <= slot)
            nc *= 2;
        otter__lin_arm *a = realloc(s->arm, nc * sizeof *a);
        if (!a)
            return otter_error_set(err, OTTER_NOMEM, "out of memory adding an arm");
        memset(a + s->cap, 0, (nc - s->cap) * sizeof *a);
        s->arm = a;
        s->cap = nc;
    }
    if (slot >= s->n_slots)
        s->n_slots = (size_t)slot + 1;
    return OTTER_OK;
}

otter_status otter__lin_add_arm(otter__lin *s, uint32_t slot, otter_error *err)
{
    otter_status st = grow(s, slot, err);
    if (st != OTTER_OK)
        return st;
    otter__lin_arm *a = &s->arm[slot];
    if (a->live)
        return otter_error_set(err, OTTER_INTERNAL, "arm slot %u is already in use",
                               (unsigned)slot);
    double *xbar = calloc(s->d, sizeof *xbar);
    otter__lin_model *own = s->shared || !xbar ? NULL : model_new(s);
    if (!xbar || (!s->shared && !own)) {
        free(xbar);
        return otter_error_set(err, OTTER_NOMEM, "out of memory adding an arm");
    }
    *a = (otter__lin_arm){own, xbar, 0.0, 0, 0.0, 1};
    return OTTER_OK;
}

void otter__lin_remove_arm(otter__lin *s, uint32_t slot)
{
    if (slot >= s->n_slots)
        return;
    otter__lin_arm *a = &s->arm[slot];
    model_free(a->own);
    free(a->xbar);
    memset(a, 0, sizeof *a);
}

/* ---- update ---- */

/* New model block into s->spare: f A + x x^T + the cyclic prior refresh; b, theta.
 * Returns the refresh pointer after the update. */
static uint32_t next_model(otter__lin *s, const otter__lin_model *m, const double *x, double r)
{
    size_t d = s->d;
    double *w = s->work, *nb = model_b(s, s->spare);
    const double *b = model_b(s, m->mem);
    memcpy(w, x, d * sizeof *w);
    otter__chol_update(d, m->mem, s->forget, s->spare, w);
    uint32_t next = m->next;
    for (size_t j = 0; j < s->refresh_m; j++) {
        otter__chol_add_diag(d, s->spare, next, s->refresh_c, w);
        next = next + 1 == d ? 0 : next + 1;
    }
    for (size_t i = 0; i < d; i++)
        nb[i] = s->forget * b[i] + r * x[i];
    derive(s, s->spare);
    return next;
}

static otter__lin_model *model_of(otter__lin *s, uint32_t slot)
{
    if (slot >= s->n_slots || !s->arm[slot].live)
        return NULL;
    return s->shared ? s->global : s->arm[slot].own;
}

static int diag_positive(const otter__lin *s, const double *L)
{
    for (size_t j = 0; j < s->d; j++) {
        double v = L[otter__chol_col(s->d, j)];
        if (!(v > 0.0 && v <= DBL_MAX))
            return 0;
    }
    return 1;
}

otter_status otter__lin_update(otter__lin *s, uint32_t slot, const double *x, double r,
                               otter_error *err)
{
    if (!x)
        return otter_error_set(err, OTTER_INVALID, "a linear policy learns from a context row");
    if (!isfinite(r) || !otter__all_finite(s->d, x))
        return otter_error_set(err, OTTER_INVALID, "reward and context must be finite");
    otter__lin_model *m = model_of(s, slot);
    if (!m)
        return otter_error_set(err, OTTER_INTERNAL, "arm slot %u has no model", (unsigned)slot);
    otter__lin_arm *a = &s->arm[slot];
    size_t d = s->d;
    double f = s->forget;
    double e = r - otter__dot(d, otter__lin_theta(s, m), x);
    uint32_t next = next_model(s, m, x, r);
    double res_w = f * m->res_w + 1.0, res_s2 = f * m->res_s2 + e * e;
    double xw = f * a->xw + 1.0, keep = 1.0 - 1.0 / xw, add = 1.0 / xw;
    double *xbar = s->work; /* free again: the new mean goes here until the commit */
    for (size_t i = 0; i < d; i++)
        xbar[i] = keep * a->xbar[i] + add * x[i];
    double sum = a->reward_sum + r;
    /* O(d) suffices for the whole block: the backward solve multiplies every entry of L
     * below the diagonal into theta (inf * 0 is NaN too) and the forward solve carries
     * every entry of b into it, so a finite theta and a finite positive diagonal mean a
     * finite L and b. */
    if (!otter__all_finite(d, model_theta(s, s->spare)) || !diag_positive(s, s->spare) ||
        !isfinite(res_s2) || !isfinite(sum) || !otter__all_finite(d, xbar))
        return otter_error_set(err, OTTER_INVALID,
                               "reward %g and its context are too large to learn from", r);
    double *old = m->mem;
    m->mem = s->spare;
    s->spare = old;
    m->next = next;
    m->updates++;
    m->res_w = res_w;
    m->res_s2 = res_s2;
    memcpy(a->xbar, xbar, d * sizeof *xbar);
    a->xw = xw;
    a->pulls++;
    a->reward_sum = sum;
    return OTTER_OK;
}

/* ---- statistics ---- */

double *otter__lin_scratch(double *stack, size_t stack_n, size_t n)
{
    return n <= stack_n ? stack : malloc(n * sizeof(double));
}

void otter__lin_scratch_free(double *p, const double *stack)
{
    if (p != stack)
        free(p);
}

void otter__lin_stats(const otter__lin *s, const uint32_t *slot, size_t n, double scale,
                      otter_arm_stats *out)
{
    double stack[512];
    double *u = otter__lin_scratch(stack, 512, s->d);
    for (size_t i = 0; i < n; i++) {
        otter_arm_stats *o = &out[i];
        const otter__lin_model *m = otter__lin_model_of(s, slot[i]);
        const otter__lin_arm *a = m ? &s->arm[slot[i]] : NULL;
        *o = (otter_arm_stats){0, 0.0, NAN, NAN, NAN, NAN, NAN};
        if (!a)
            continue;
        o->pulls = a->pulls;
        o->reward_sum = a->reward_sum;
        if (!a->pulls)
            continue;
        o->mean = a->reward_sum / (double)a->pulls;
        if (!u)
            continue;
        double q;
        o->estimate = otter__lin_predict(s, m, a->xbar, u, &q);
        double sd = scale >= 0 ? scale : m->res_w > 0 ? sqrt(m->res_s2 / m->res_w) : NAN;
        double half = 1.959963984540054 * sd * sqrt(q);
        o->lower = o->estimate - half;
        o->upper = o->estimate + half;
    }
    otter__lin_scratch_free(u, stack);
}

size_t otter__lin_bytes(const otter__lin *s)
{
    size_t model = sizeof(otter__lin_model) + s->block * sizeof(double);
    size_t n = sizeof *s + s->cap * sizeof *s->arm + (s->block + s->d) * sizeof(double);
    if (s->global)
        n += model;
    for (size_t i = 0; i < s->n_slots; i++)
        if (s->arm[i].live)
            n += s->d * sizeof(double) + (s->arm[i].own ? model : 0);
    return n;
}

void otter__lin_describe(const otter__lin *s, const otter_kv_sink *sink)
{
    if (!sink->num)
        return;
    double models = s->global ? 1 : 0, updates = s->global ? (double)s->global->updates : 0;
    for (size_t i = 0; i < s->n_slots; i++)
        if (s->arm[i].own) {
            models++;
            updates += (double)s->arm[i].own->updates;
        }
    sink->num(sink->ud, "models", models);
    sink->num(sink->ud, "model_updates", updates);
    sink->num(sink->ud, "prior_refresh_per_update", (double)s->refresh_m);
}

/* ---- state ---- */

static void encode_model(const otter__lin *s, const otter__lin_model *m, otter__wr *w)
{
    otter__wr_u64(w, m->updates);
    otter__wr_u32(w, m->next);
    otter__wr_f64(w, m->res_w);
    otter__wr_f64(w, m->res_s2);
    otter__wr_f64s(w, m->mem, s->packed + s->d);
}

void otter__lin_encode(const otter__lin *s, otter__wr *w)
{
    otter__wr_u8(w, (uint8_t)s->shared);
    otter__wr_u32(w, (uint32_t)s->d);
    if (s->shared)
        encode_model(s, s->global, w);
    otter__wr_u32(w, (uint32_t)s->n_slots);
    for (size_t i = 0; i < s->n_slots; i++) {
        const otter__lin_arm *a = &s->arm[i];
        otter__wr_u8(w, (uint8_t)a->live);
        if (!a->live)
            continue;
        if (!s->shared)
            encode_model(s, a->own, w);
        otter__wr_u64(w, a->pulls);
        otter__wr_f64(w, a->reward_sum);
        otter__wr_f64(w, a->xw);
        otter__wr_f64s(w, a->xbar, s->d);
    }
}

static otter_status corrupt(otter_error *err, const char *what)
{
    return otter_error_set(err, OTTER_CORRUPT, "linear bandit state: %s", what);
}

/* Reads a model over m (fresh from model_new) and checks it. */
static otter_status decode_model(const otter__lin *s, otter__lin_model *m, otter__rd *r,
                                 otter_error *err)
{
    m->updates = otter__rd_u64(r);
    m->next = otter__rd_u32(r);
    m->res_w = otter__rd_f64(r);
    m->res_s2 = otter__rd_f64(r);
    otter__rd_f64s(r, m->mem, s->packed + s->d);
    if (!otter__rd_ok(r))
        return corrupt(err, "truncated model");
    if (m->next >= s->d || !(m->res_w >= 0) || !isfinite(m->res_w) || !(m->res_s2 >= 0) ||
        !isfinite(m->res_s2))
        return corrupt(err, "bad model counters");
    if (!otter__all_finite(s->packed + s->d, m->mem) || !diag_positive(s, m->mem))
        return corrupt(err, "the Cholesky factor needs finite values and a positive diagonal");
    derive(s, m->mem);
    if (!otter__all_finite(s->d, otter__lin_theta(s, m)))
        return corrupt(err, "the model's solution is not finite");
    return OTTER_OK;
}

static otter_status decode_arm(otter__lin *s, uint32_t slot, otter__rd *r, otter_error *err)
{
    otter_status st = otter__lin_add_arm(s, slot, err);
    if (st != OTTER_OK)
        return st;
    otter__lin_arm *a = &s->arm[slot];
    if (!s->shared && (st = decode_model(s, a->own, r, err)) != OTTER_OK)
        return st;
    a->pulls = otter__rd_u64(r);
    a->reward_sum = otter__rd_f64(r);
    a->xw = otter__rd_f64(r);
    otter__rd_f64s(r, a->xbar, s->d);
    if (!otter__rd_ok(r))
        return corrupt(err, "truncated arm");
    if (!isfinite(a->reward_sum) || !(a->xw >= 0) || !isfinite(a->xw) ||
        !otter__all_finite(s->d, a->xbar))
        return corrupt(err, "bad arm statistics");
    return OTTER_OK;
}

otter_status otter__lin_decode(otter__lin *s, otter__rd *r, otter_error *err)
{
    uint8_t shared = otter__rd_u8(r);
    uint32_t d = otter__rd_u32(r);
    if (!otter__rd_ok(r) || shared != (uint8_t)s->shared || d != s->d)
        return corrupt(err, "shape does not match the parameters");
    otter_status st = s->shared ? decode_model(s, s->global, r, err) : OTTER_OK;
    if (st != OTTER_OK)
        return st;
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n > r->len - r->pos)
        return corrupt(err, "bad slot count");
    for (uint32_t i = 0; i < n && st == OTTER_OK; i++) {
        uint8_t live = otter__rd_u8(r);
        if (!otter__rd_ok(r) || live > 1)
            return corrupt(err, "bad slot");
        st = live ? decode_arm(s, i, r, err) : grow(s, i, err);
    }
    return st;
}

otter_status otter__lin_decode_payload(otter__lin *s, const uint8_t *payload, size_t len,
                                       const char *policy, otter_error *err)
{
    otter__rd r;
    otter__rd_init(&r, payload, len);
    otter_status st = otter__lin_decode(s, &r, err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = otter_error_set(err, OTTER_CORRUPT, "%s state: truncated or extra bytes", policy);
    return st;
}

/* ---- the shared methods ---- */

otter_status otter__lin_vt_add_arm(void *self, uint32_t slot, otter_error *err)
{
    return otter__lin_add_arm(self, slot, err);
}

void otter__lin_vt_remove_arm(void *self, uint32_t slot)
{
    otter__lin_remove_arm(self, slot);
}

otter_status otter__lin_vt_update(void *self, uint32_t slot, const double *x, double reward,
                                  double propensity, otter_error *err)
{
    (void)propensity; /* the models learn from the chosen arm's reward, unweighted */
    return otter__lin_update(self, slot, x, reward, err);
}

otter_status otter__lin_vt_encode(const void *self, otter_buf *out, otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__lin_encode(self, &w);
    return w.st;
}
