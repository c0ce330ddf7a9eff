/* Incremental generalized linear models: `logreg` (logistic loss; softmax when
 * classes > 2), `linreg` (squared loss) and `svm` (hinge loss), over hashed sparse
 * features (2^bits weights per head, as in Vowpal Wabbit) plus a dense block for dense
 * arrays (BLAS dot products). Optimizer, loss and optional online standardization are
 * chosen at creation; learning is deterministic given the sequence of rows. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/blas_int.h"
#include "core/codec_int.h"
#include "learners_int.h"
#include "linear_int.h"

enum {
    P_BITS,
    P_OPTIMIZER,
    P_LR,
    P_POWER_T,
    P_L1,
    P_L2,
    P_ALPHA,
    P_BETA,
    P_INTERCEPT,
    P_STANDARDIZE,
    P_COMMON_, /* logreg only below */
    P_POS_WEIGHT = P_COMMON_,
    P_CLASSES,
    P_LOGREG_
};

#define COMMON_PARAMS                                                                              \
    {"bits", OTTER_PARAM_INT,                                                                      \
     "18",   1,                                                                                    \
     28,     0,                                                                                    \
     NULL,   "hash table size 2^bits per head (Vowpal Wabbit's -b)"},                              \
        {"optimizer",                                                                              \
         OTTER_PARAM_ENUM,                                                                         \
         "adagrad",                                                                                \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         "sgd|adagrad|ftrl",                                                                       \
         "update rule: sgd (decaying rate), adagrad, ftrl (FTRL-Proximal)"},                       \
        {"lr", OTTER_PARAM_DOUBLE,        "0.5", 0,                                                \
         1e6,  OTTER_PARAM_MIN_EXCLUSIVE, NULL,  "learning rate (sgd, adagrad)"},                  \
        {"power_t", OTTER_PARAM_DOUBLE,                                                            \
         "0.5",     0,                                                                             \
         1,         0,                                                                             \
         NULL,      "sgd decay: rate lr / (1 + t)^power_t, t = weight seen"},                      \
        {"l1", OTTER_PARAM_DOUBLE, "0", 0, 1e6, 0, NULL, "L1 strength (ftrl only)"},               \
        {"l2", OTTER_PARAM_DOUBLE, "0", 0, 1e6, 0, NULL, "L2 strength"},                           \
        {"alpha", OTTER_PARAM_DOUBLE,        "0.1", 0,                                             \
         1e6,     OTTER_PARAM_MIN_EXCLUSIVE, NULL,  "ftrl alpha (per-coordinate rate scale)"},     \
        {"beta", OTTER_PARAM_DOUBLE, "1", 0, 1e6, 0, NULL, "ftrl beta (rate smoothing)"},          \
        {"intercept", OTTER_PARAM_BOOL, "true", 0, 0, 0, NULL, "learn a bias term"},               \
    {                                                                                              \
        "standardize", OTTER_PARAM_BOOL, "true", 0, 0, 0, NULL,                                    \
            "standardize numeric features by running mean and variance (inputs constant "          \
            "when present, like indicators, pass unchanged)"                                       \
    }

static const otter_param_spec logreg_params[] = {
    COMMON_PARAMS,
    {"pos_weight", OTTER_PARAM_DOUBLE, "1", 0, 1e6, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "weight multiplier for positive examples (binary; for rare classes)"},
    {"classes", OTTER_PARAM_INT, "2", 2, OTTER_MAX_CLASSES, 0, NULL,
     "number of classes; above 2 the model is multinomial (softmax)"},
};

static const otter_param_spec common_params[] = {COMMON_PARAMS};

static const otter__lin_opt *const optimizers[] = {&otter__opt_sgd, &otter__opt_adagrad,
                                                   &otter__opt_ftrl};

static otter_status check_params(const otter_param_value *v, otter_error *err)
{
    if (v[P_L1].d > 0 && optimizers[v[P_OPTIMIZER].choice] != &otter__opt_ftrl)
        return otter_error_set(err, OTTER_INVALID,
                               "parameter 'l1' requires optimizer=ftrl (got optimizer=%s)",
                               v[P_OPTIMIZER].s);
    return OTTER_OK;
}

/* ---- allocation ---- */

static void lin_free(otter__lin *m)
{
    if (!m)
        return;
    free(m->w);
    free(m->bias);
    free(m->dense);
    free(m->dstats);
    free(m);
}

static size_t n_slots(const otter__lin *m)
{
    return (size_t)m->mask + 1;
}

static otter_status lin_alloc(const otter_param_value *v, const otter__lin_loss *loss, size_t k,
                              double pos_weight, otter__lin **out, otter_error *err)
{
    otter__lin *m = calloc(1, sizeof *m);
    if (!m)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate linear model");
    m->loss = loss;
    m->opt = optimizers[v[P_OPTIMIZER].choice];
    m->k = k;
    m->stride = m->opt->stride;
    m->bits = (unsigned)v[P_BITS].i;
    m->mask = (uint32_t)((1ull << m->bits) - 1);
    m->lr = v[P_LR].d;
    m->power_t = v[P_POWER_T].d;
    m->l1 = v[P_L1].d;
    m->l2 = v[P_L2].d;
    m->alpha = v[P_ALPHA].d;
    m->beta = v[P_BETA].d;
    m->intercept = v[P_INTERCEPT].b;
    m->standardize = v[P_STANDARDIZE].b;
    m->pos_weight = pos_weight;
    size_t per = k * m->stride, slots = n_slots(m);
    unsigned bits = m->bits;
    m->slot_size = per + (m->standardize ? OTTER__ST_COUNT_ : 0);
    if (slots > SIZE_MAX / sizeof(double) / m->slot_size) {
        lin_free(m);
        return otter_error_set(err, OTTER_INVALID, "bits=%u is too large for %zu heads", bits, k);
    }
    size_t bytes = slots * m->slot_size * sizeof(double);
    m->w = calloc(slots * m->slot_size, sizeof(double));
    m->bias = calloc(per, sizeof(double));
    if (!m->w || !m->bias) {
        lin_free(m);
        return otter_error_set(err, OTTER_NOMEM,
                               "cannot allocate 2^%u weights (%zu bytes); lower 'bits'", bits,
                               bytes);
    }
    *out = m;
    return OTTER_OK;
}

/* Grows the dense block to hold d elements, keeping the [component][head][j] layout. */
static otter_status grow_dense(otter__lin *m, size_t d, otter_error *err)
{
    if (d <= m->d_cap) {
        m->d = d > m->d ? d : m->d;
        return OTTER_OK;
    }
    size_t cap = m->d_cap ? m->d_cap : 8;
    while (cap < d)
        cap *= 2;
    size_t rows = m->stride * m->k;
    double *nd = calloc(rows * cap, sizeof *nd);
    double *ns = calloc(OTTER__ST_COUNT_ * cap, sizeof *ns);
    if (!nd || !ns) {
        free(nd);
        free(ns);
        return otter_error_set(err, OTTER_NOMEM, "cannot grow dense weights to %zu", d);
    }
    for (size_t r = 0; r < rows; r++)
        if (m->d)
            memcpy(nd + r * cap, m->dense + r * m->d_cap, m->d * sizeof *nd);
    for (size_t r = 0; r < OTTER__ST_COUNT_; r++)
        if (m->d)
            memcpy(ns + r * cap, m->dstats + r * m->d_cap, m->d * sizeof *ns);
    free(m->dense);
    free(m->dstats);
    m->dense = nd;
    m->dstats = ns;
    m->d_cap = cap;
    m->d = d;
    return OTTER_OK;
}

/* ---- scoring ---- */

static void margins(const otter__lin *m, const otter_instance *inst, double *out)
{
    const size_t k = m->k, s = m->stride;
    for (size_t h = 0; h < k; h++)
        out[h] = m->intercept ? m->bias[h * s] : 0.0;
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        double x = otter__lin_x(m, f);
        const double *w = m->w + (size_t)(f->hash & m->mask) * m->slot_size;
        for (size_t h = 0; h < k; h++)
            out[h] += w[h * s] * x;
    }
    size_t nd = inst->n_dense < m->d ? inst->n_dense : m->d;
    if (nd == 0)
        return;
    for (size_t h = 0; h < k; h++) {
        const double *wd = m->dense + h * m->d_cap;
        if (!m->standardize) {
            out[h] += otter__ddot(nd, inst->dense, wd);
            continue;
        }
        for (size_t j = 0; j < nd; j++)
            out[h] += wd[j] * otter__lin_dx(m, j, inst->dense[j]);
    }
}

static otter_status lin_predict(const void *self, const otter_instance *inst, otter_prediction *out,
                                otter_error *err)
{
    (void)err;
    const otter__lin *m = self;
    double mg[OTTER_MAX_CLASSES];
    margins(m, inst, mg);
    m->loss->predict(mg, m->k, out);
    return OTTER_OK;
}

/* Welford's update of the statistics at st (components `cs` apart) with x, then the
 * affine map described with OTTER__ST_* in linear_int.h. */
static void welford(double *st, size_t cs, double x)
{
    double *n = st, *mean = st + OTTER__ST_MEAN * cs, *m2 = st + OTTER__ST_M2 * cs;
    double *scale = st + OTTER__ST_SCALE * cs, *offset = st + OTTER__ST_OFFSET * cs;
    *n += 1;
    double delta = x - *mean;
    *mean += delta / *n;
    *m2 += delta * (x - *mean);
    double var = *m2 / *n;
    if (*n < 2) {
        *scale = *offset = 0.0;
    } else if (var <= 1e-12 * (1.0 + *mean * *mean)) {
        *scale = 1.0;
        *offset = 0.0;
    } else {
        *scale = 1.0 / sqrt(var);
        *offset = *mean * *scale;
    }
}

static void update_stats(otter__lin *m, const otter_instance *inst)
{
    size_t off = m->k * m->stride;
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        if (f->cat_off < 0)
            welford(m->w + (size_t)(f->hash & m->mask) * m->slot_size + off, 1, f->value);
    }
    for (size_t j = 0; j < inst->n_dense; j++)
        welford(m->dstats + j, m->d_cap, inst->dense[j]);
}

/* One update; fills *out (when not NULL) with the prediction of the model before the
 * update, so prequential evaluation costs one pass over the features, not two. The
 * step uses the same standardized inputs the margins were computed with; the running
 * statistics take the row in afterwards. */
static otter_status lin_update(otter__lin *m, const otter_instance *inst, double label,
                               double weight, otter_prediction *out, otter_error *err)
{
    if (inst->n_dense > m->d) {
        otter_status st = grow_dense(m, inst->n_dense, err);
        if (st != OTTER_OK)
            return st;
    }
    double mg[OTTER_MAX_CLASSES], g[OTTER_MAX_CLASSES];
    margins(m, inst, mg);
    if (out)
        m->loss->predict(mg, m->k, out);
    m->loss->grad(mg, m->k, label, g);
    double scale =
        weight * (m->loss->task == OTTER_TASK_BINARY && label > 0.5 ? m->pos_weight : 1.0);
    for (size_t h = 0; h < m->k; h++)
        g[h] *= scale;
    m->opt->step(m, inst, g);
    if (m->standardize)
        update_stats(m, inst);
    m->t += weight;
    return OTTER_OK;
}

static otter_status lin_learn(void *self, const otter_instance *inst, double label, double weight,
                              otter_error *err)
{
    return lin_update(self, inst, label, weight, NULL, err);
}

static otter_status lin_predict_learn(void *self, const otter_instance *inst, double label,
                                      double weight, otter_prediction *out, otter_error *err)
{
    return lin_update(self, inst, label, weight, out, err);
}

/* ---- state ---- */

/* Writes the rows of a [n_rows][width] table whose row is not all zero, or the whole
 * table when that is smaller. */
static void write_table(otter__wr *w, const double *t, size_t n_rows, size_t width)
{
    size_t nz = 0;
    for (size_t r = 0; r < n_rows; r++)
        for (size_t c = 0; c < width; c++)
            if (t[r * width + c] != 0.0) {
                nz++;
                break;
            }
    int sparse = nz * (4 + 8 * width) < n_rows * 8 * width;
    otter__wr_u8(w, (uint8_t)sparse);
    if (!sparse) {
        otter__wr_f64s(w, t, n_rows * width);
        return;
    }
    otter__wr_u64(w, nz);
    for (size_t r = 0; r < n_rows; r++) {
        size_t c = 0;
        while (c < width && t[r * width + c] == 0.0)
            c++;
        if (c == width)
            continue;
        otter__wr_u32(w, (uint32_t)r);
        otter__wr_f64s(w, t + r * width, width);
    }
}

static otter_status read_table(otter__rd *r, double *t, size_t n_rows, size_t width,
                               otter_error *err)
{
    uint8_t sparse = otter__rd_u8(r);
    if (sparse > 1)
        return otter_error_set(err, OTTER_CORRUPT, "linear state: bad table mode %u", sparse);
    if (!sparse) {
        otter__rd_f64s(r, t, n_rows * width);
        return otter__rd_ok(r) ? OTTER_OK
                               : otter_error_set(err, OTTER_CORRUPT, "linear state is truncated");
    }
    uint64_t nz = otter__rd_u64(r);
    if (!otter__rd_ok(r) || nz > n_rows || nz > (r->len - r->pos) / (4 + 8 * width))
        return otter_error_set(err, OTTER_CORRUPT, "linear state: bad row count");
    uint32_t prev = 0;
    for (uint64_t i = 0; i < nz; i++) {
        uint32_t row = otter__rd_u32(r);
        if (row >= n_rows || (i > 0 && row <= prev))
            return otter_error_set(err, OTTER_CORRUPT, "linear state: bad row index %u", row);
        prev = row;
        otter__rd_f64s(r, t + (size_t)row * width, width);
    }
    return otter__rd_ok(r) ? OTTER_OK
                           : otter_error_set(err, OTTER_CORRUPT, "linear state is truncated");
}

static otter_status lin_encode(const void *self, otter_buf *out, otter_error *err)
{
    const otter__lin *m = self;
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__wr_u32(&w, (uint32_t)m->k);
    otter__wr_u32(&w, (uint32_t)m->stride);
    otter__wr_u32(&w, m->bits);
    otter__wr_f64(&w, m->t);
    otter__wr_u64(&w, m->d);
    write_table(&w, m->w, n_slots(m), m->slot_size);
    otter__wr_f64s(&w, m->bias, m->k * m->stride);
    if (!m->d) /* no dense block yet: dense and dstats are NULL, and NULL + 0 is UB */
        return w.st;
    for (size_t r = 0; r < m->k * m->stride; r++)
        otter__wr_f64s(&w, m->dense + r * m->d_cap, m->d);
    for (size_t r = 0; r < OTTER__ST_COUNT_; r++)
        otter__wr_f64s(&w, m->dstats + r * m->d_cap, m->d);
    return w.st;
}

static otter_status decode_body(otter__lin *m, otter__rd *r, otter_error *err)
{
    uint32_t k = otter__rd_u32(r), stride = otter__rd_u32(r), bits = otter__rd_u32(r);
    m->t = otter__rd_f64(r);
    uint64_t d = otter__rd_u64(r);
    if (!otter__rd_ok(r) || k != m->k || stride != m->stride || bits != m->bits || !(m->t >= 0))
        return otter_error_set(err, OTTER_CORRUPT, "linear state does not match its parameters");
    otter_status st = read_table(r, m->w, n_slots(m), m->slot_size, err);
    if (st != OTTER_OK)
        return st;
    otter__rd_f64s(r, m->bias, m->k * m->stride);
    if (!otter__rd_ok(r) || d > (r->len - r->pos) / 8)
        return otter_error_set(err, OTTER_CORRUPT, "linear state: bad dense size");
    if (d && (st = grow_dense(m, (size_t)d, err)) != OTTER_OK)
        return st;
    for (size_t row = 0; m->d && row < m->k * m->stride; row++)
        otter__rd_f64s(r, m->dense + row * m->d_cap, m->d);
    for (size_t row = 0; m->d && row < OTTER__ST_COUNT_; row++)
        otter__rd_f64s(r, m->dstats + row * m->d_cap, m->d);
    if (!otter__rd_done(r))
        return otter_error_set(err, OTTER_CORRUPT, "linear state is truncated or has extra bytes");
    return OTTER_OK;
}

static void lin_describe(const void *self, const otter_kv_sink *sink)
{
    const otter__lin *m = self;
    if (sink->str) {
        sink->str(sink->ud, "loss", m->loss->name);
        sink->str(sink->ud, "optimizer", m->opt->name);
    }
    if (!sink->num)
        return;
    size_t nz = 0;
    for (size_t s = 0; s < n_slots(m); s++)
        for (size_t h = 0; h < m->k; h++)
            nz += m->w[s * m->slot_size + h * m->stride] != 0.0;
    sink->num(sink->ud, "bits", m->bits);
    sink->num(sink->ud, "heads", (double)m->k);
    sink->num(sink->ud, "nonzero_weights", (double)nz);
    sink->num(sink->ud, "dense_dim", (double)m->d);
    sink->num(sink->ud, "bias", m->intercept ? m->bias[0] : 0.0);
    sink->num(sink->ud, "weight_seen", m->t);
}

static size_t lin_bytes(const void *self)
{
    const otter__lin *m = self;
    size_t per = m->k * m->stride;
    return sizeof *m +
           (n_slots(m) * m->slot_size + per + m->d_cap * (per + OTTER__ST_COUNT_)) * sizeof(double);
}

static otter_task lin_task(const void *self)
{
    return ((const otter__lin *)self)->loss->task;
}

static size_t lin_n_classes(const void *self)
{
    const otter__lin *m = self;
    return m->loss->task == OTTER_TASK_REGRESSION ? 0 : m->k > 1 ? m->k : 2;
}

static void lin_destroy(void *self)
{
    lin_free(self);
}

/* ---- the three types ---- */

static otter_status logreg_make(const otter_param_value *v, otter__lin **m, otter_error *err)
{
    size_t classes = (size_t)v[P_CLASSES].i;
    if (classes > 2)
        return lin_alloc(v, &otter__loss_softmax, classes, 1.0, m, err);
    return lin_alloc(v, &otter__loss_logistic, 1, v[P_POS_WEIGHT].d, m, err);
}

static otter_status linreg_make(const otter_param_value *v, otter__lin **m, otter_error *err)
{
    return lin_alloc(v, &otter__loss_squared, 1, 1.0, m, err);
}

static otter_status svm_make(const otter_param_value *v, otter__lin **m, otter_error *err)
{
    return lin_alloc(v, &otter__loss_hinge, 1, 1.0, m, err);
}

#define DEFINE_LINEAR_TYPE(ident, tname, summary_text, table, make)                                \
    static otter_status ident##_create(const otter_param_value *v, void **self, otter_error *err)  \
    {                                                                                              \
        return make(v, (otter__lin **)self, err);                                                  \
    }                                                                                              \
    static otter_status ident##_decode(const otter_param_value *v, uint16_t version,               \
                                       const uint8_t *p, size_t len, void **self,                  \
                                       otter_error *err)                                           \
    {                                                                                              \
        (void)version;                                                                             \
        otter__lin *m;                                                                             \
        otter_status st = make(v, &m, err);                                                        \
        if (st != OTTER_OK)                                                                        \
            return st;                                                                             \
        otter__rd r;                                                                               \
        otter__rd_init(&r, p, len);                                                                \
        st = decode_body(m, &r, err);                                                              \
        if (st != OTTER_OK) {                                                                      \
            lin_free(m);                                                                           \
            return st;                                                                             \
        }                                                                                          \
        *self = m;                                                                                 \
        return OTTER_OK;                                                                           \
    }                                                                                              \
    const otter_learner_type otter__learner_##ident = {OTTER_LEARNER_ABI,                          \
                                                       tname,                                      \
                                                       summary_text,                               \
                                                       1,                                          \
                                                       table,                                      \
                                                       sizeof table / sizeof *table,               \
                                                       check_params,                               \
                                                       ident##_create,                             \
                                                       lin_task,                                   \
                                                       lin_n_classes,                              \
                                                       lin_predict,                                \
                                                       lin_learn,                                  \
                                                       lin_encode,                                 \
                                                       ident##_decode,                             \
                                                       lin_describe,                               \
                                                       lin_bytes,                                  \
                                                       lin_destroy,                                \
                                                       lin_predict_learn,                          \
                                                       NULL /* dump: no text view */};

DEFINE_LINEAR_TYPE(logreg, "logreg",
                   "logistic regression (binary, or softmax with classes > 2), hashed features",
                   logreg_params, logreg_make)
DEFINE_LINEAR_TYPE(linreg, "linreg", "linear regression (squared loss), hashed features",
                   common_params, linreg_make)
DEFINE_LINEAR_TYPE(svm, "svm", "linear SVM (hinge loss), hashed features", common_params, svm_make)
