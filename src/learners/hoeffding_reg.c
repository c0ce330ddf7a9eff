/* `hoeffding-reg`: the Hoeffding tree regressor, after FIMT-DD (Ikonomovska, Gama and
 * Dzeroski, "Learning model trees from evolving data streams", DMKD 2011) and River's
 * HoeffdingTreeRegressor, without FIMT-DD's drift detection.
 *
 * Rows are sorted to a leaf, which keeps the target's weighted mean and variance, one
 * observer per attribute (hoeffding_reg_obs.c: bounded numeric bins, categorical
 * values) and, unless leaf_prediction=mean, a linear model. Every `grace_period` of
 * weight a leaf learns, each attribute proposes its best split by standard deviation
 * (or variance) reduction; with the best merit h1 and the second best h2 (0 if none),
 * the leaf splits when h1 > 0 (pre-pruning: no split that does not reduce the spread)
 * and h2 / h1 < 1 - eps or eps < tau, with the Hoeffding bound
 * eps = sqrt(ln(1/delta) / (2n)) for a ratio in [0, 1] (R = 1) and n the weight the
 * leaf learned since it was made. When only one attribute offers a valid split, h1
 * divided by the leaf's own spread (sd, or variance for vr; also in [0, 1]) must exceed
 * eps (or eps < tau): River and MOA split on a lone candidate as soon as it reduces the
 * spread at all, so one noise attribute would split a leaf whose other attributes are
 * not yet valid candidates. New leaves start from the target statistics the split sends
 * to their branch, the parent's linear model and its error record (as River).
 *
 * Leaf prediction:
 *  - mean: the leaf's target mean;
 *  - model: a linear model of the leaf's numeric inputs, learned online by normalized
 *    LMS: inputs and target are standardized by running statistics kept over the whole
 *    tree (as FIMT-DD's perceptron does), a missing input counts as its mean (0 after
 *    standardization), and each row moves the weights by
 *    min(1, lr * weight) * error * z / (1 + |z|^2), a step whose size does not depend
 *    on the scale or the number of inputs;
 *  - adaptive (default): whichever of the two has the lower faded absolute error at the
 *    leaf, err <- model_selector_decay * err + weight * |y - prediction|, each error
 *    taken before the leaf learns the row (River compares faded squared errors; the
 *    absolute error is less swayed by a few outliers). Ties go to the mean.
 *
 * Rules worth knowing (the same as the classifier's where they overlap):
 *  - attributes are discovered by (namespace, name); a feature absent from a row is
 *    missing, not zero; dense arrays are not used by the trees;
 *  - a row missing the split attribute, or carrying a category that had no rows at the
 *    leaf when it split (also a category first seen later), goes down the branch that
 *    held the most weight at split time;
 *  - numeric splits are binary (value <= threshold goes left); categorical splits are
 *    multiway, one branch per value the leaf had seen;
 *  - a name repeated in a row: every occurrence updates the observers and the linear
 *    model; the first decides at a split node;
 *  - leaves at max_depth keep no observers (they cannot split) and keep learning their
 *    mean and model;
 *  - max_bytes (default 32 MiB) bounds the size: past it the leaves whose target has the
 *    least M2 (variance x weight) stop gathering split statistics and re-ranking every
 *    memory_period rows brings promising ones back (hoeffding_reg_mem.c); an inactive
 *    leaf still learns its mean and model.
 * On OTTER_NOMEM while adding names or observers the row is not learned (statistics
 * unchanged); on OTTER_NOMEM while splitting the row has been learned and the leaf stays
 * a leaf. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/instance_int.h"
#include "hoeffding_reg_int.h"
#include "learners_int.h"

enum {
    P_DELTA,
    P_TAU,
    P_GRACE,
    P_CRITERION,
    P_LEAF,
    P_MAX_DEPTH,
    P_BINS,
    P_MIN_BRANCH,
    P_LR,
    P_DECAY,
    P_MAX_BYTES,
    P_MEMORY_PERIOD,
    P_COUNT
};

static const otter_param_spec hr_params[P_COUNT] = {
    {"delta", OTTER_PARAM_DOUBLE, "1e-7", 0, 1,
     OTTER_PARAM_MIN_EXCLUSIVE | OTTER_PARAM_MAX_EXCLUSIVE, NULL,
     "split confidence: allowed probability of choosing the wrong split"},
    {"tau", OTTER_PARAM_DOUBLE, "0.05", 0, 1, 0, NULL,
     "tie threshold: split anyway once the Hoeffding bound is below it"},
    {"grace_period", OTTER_PARAM_INT, "200", 1, 1e9, 0, NULL,
     "weight a leaf learns between split attempts"},
    {"split_criterion", OTTER_PARAM_ENUM, "sdr", 0, 0, 0, "sdr|vr",
     "split merit: standard deviation reduction (FIMT-DD, MOA) or variance reduction (River)"},
    {"leaf_prediction", OTTER_PARAM_ENUM, "adaptive", 0, 0, 0, "mean|model|adaptive",
     "leaf prediction: target mean, linear model, or whichever has the lower faded absolute "
     "error at the leaf"},
    {"max_depth", OTTER_PARAM_INT, "0", 0, 1e6, 0, NULL,
     "leaves at this depth do not split (0 = unlimited)"},
    {"bins", OTTER_PARAM_INT, "32", 2, 4096, 0, NULL,
     "bins per numeric attribute and leaf (at most bins - 1 candidate thresholds; fixed "
     "memory)"},
    {"min_branch_weight", OTTER_PARAM_DOUBLE, "5", 0, 1e12, 0, NULL,
     "weight every non-empty branch of a candidate split must hold"},
    {"lr", OTTER_PARAM_DOUBLE, "0.05", 0, 1, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "step of the leaf models' normalized LMS update (model, adaptive)"},
    {"model_selector_decay", OTTER_PARAM_DOUBLE, "0.95", 0, 1, OTTER_PARAM_MIN_EXCLUSIVE, NULL,
     "adaptive: fading factor of the absolute errors of the mean and the model"},
    {"max_bytes", OTTER_PARAM_INT, "33554432", 0, 1e15, 0, NULL,
     "memory bound in bytes (0 = none): past it the leaves with the least target variance x "
     "weight stop gathering split statistics (they keep predicting and learning)"},
    {"memory_period", OTTER_PARAM_INT, "100000", 1, 1e12, 0, NULL,
     "rows between re-rankings of the leaves under max_bytes (reactivates promising ones)"},
};

/* ---- allocation ---- */

static void hr_free(hr_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_leaves; i++) {
        otter__hr_obs_free(m, &m->leaves[i]);
        free(m->leaves[i].w);
    }
    free(m->nodes);
    free(m->kids);
    free(m->leaves);
    free(m->xs);
    free(m->row);
    free(m->scr);
    free(m->rank);
    otter__ht_free(m->names);
    free(m);
}

int otter__hr_reserve(hr_model *m, size_t nodes, size_t leaves)
{
    void *p = m->nodes;
    if (!otter__hr_grow(m, &p, &m->nodes_cap, m->n_nodes + nodes, sizeof *m->nodes))
        return 0;
    m->nodes = p;
    p = m->leaves;
    if (!otter__hr_grow(m, &p, &m->leaves_cap, m->n_leaves + leaves, sizeof *m->leaves))
        return 0;
    m->leaves = p;
    return 1;
}

int otter__hr_fit_xs(hr_model *m)
{
    size_t n = m->names->n_attrs;
    if (m->leaf_pred == HR_MEAN || n <= m->n_xs)
        return 1;
    void *p = m->xs;
    if (!otter__hr_resize(m, &p, m->n_xs, n, sizeof *m->xs))
        return 0;
    m->xs = p;
    m->n_xs = m->xs_cap = n;
    return 1;
}

void otter__hr_xstat_rescale(hr_xstat *s)
{
    double var = s->n > 0 ? s->m2 / s->n : 0.0;
    s->scale = var > 1e-12 * (1.0 + s->mean * s->mean) ? 1.0 / sqrt(var) : 0.0;
}

void otter__hr_target_rescale(hr_model *m)
{
    const hr_stats *s = &m->ys;
    double var = s->n > 0 ? s->m2 / s->n : 0.0;
    m->y_sd = var > 1e-12 * (1.0 + s->mean * s->mean) ? sqrt(var) : 1.0;
}

static otter_status hr_make(const otter_param_value *v, hr_model **out, otter_error *err)
{
    hr_model *m = calloc(1, sizeof *m);
    ht_model *names = calloc(1, sizeof *names);
    if (!m || !names) {
        free(m);
        free(names);
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate a Hoeffding tree regressor");
    }
    names->bytes = sizeof *names;
    m->names = names;
    m->bytes = sizeof *m;
    m->delta = v[P_DELTA].d;
    m->tau = v[P_TAU].d;
    m->grace = (double)v[P_GRACE].i;
    m->criterion = v[P_CRITERION].choice == 1 ? HR_VR : HR_SDR;
    m->leaf_pred = v[P_LEAF].choice;
    m->max_depth = (uint32_t)v[P_MAX_DEPTH].i;
    m->bins = (uint32_t)v[P_BINS].i;
    m->min_branch = v[P_MIN_BRANCH].d;
    m->lr = v[P_LR].d;
    m->decay = v[P_DECAY].d;
    m->y_sd = 1.0;
    /* the bound covers what otter_learner_bytes reports: leave room for the learner
     * handle and its parameter text */
    size_t max = (size_t)v[P_MAX_BYTES].i;
    m->max_bytes = max == 0 ? 0 : max > HT_HANDLE_ALLOWANCE ? max - HT_HANDLE_ALLOWANCE : 1;
    m->memory_period = (uint64_t)v[P_MEMORY_PERIOD].i;
    *out = m;
    return OTTER_OK;
}

static otter_status hr_create(const otter_param_value *v, void **self, otter_error *err)
{
    hr_model *m = NULL;
    otter_status st = hr_make(v, &m, err);
    if (st != OTTER_OK)
        return st;
    if (!otter__hr_reserve(m, 1, 1)) {
        hr_free(m);
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate a Hoeffding tree regressor");
    }
    m->nodes[0] = (hr_node){HT_NONE, 0, 0, 0, 0, 0, 0.0};
    m->leaves[0] = (hr_leaf){.node = 0};
    m->n_nodes = m->n_leaves = 1;
    m->n_active = 1;
    *self = m;
    return OTTER_OK;
}

/* ---- sorting and prediction ---- */

static uint32_t branch_of(const hr_model *m, uint32_t nid, const otter_instance *inst)
{
    const hr_node *n = &m->nodes[nid];
    const ht_attr *a = &m->names->attrs[n->attr];
    uint32_t branch = n->major;
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        if (!otter__ht_feat_is(m->names, inst, f, a))
            continue;
        if (a->kind == HT_NUM) {
            branch = f->value <= n->threshold ? 0 : 1;
        } else {
            uint32_t v = otter__ht_value_find(m->names, n->attr, inst, f);
            if (v != HT_NONE && v < n->n_kids)
                branch = v;
        }
        break;
    }
    return m->kids[n->kids + branch];
}

static uint32_t sort_row(const hr_model *m, const otter_instance *inst)
{
    uint32_t nid = 0;
    while (m->nodes[nid].attr != HT_NONE)
        nid = branch_of(m, nid, inst);
    return nid;
}

/* Standardized value of numeric attribute a (0 while it has no spread). */
static double std_x(const hr_model *m, uint32_t a, double x)
{
    return a < m->n_xs ? (x - m->xs[a].mean) * m->xs[a].scale : 0.0;
}

static double mean_pred(const hr_leaf *l)
{
    return l->y.n > 0 ? l->y.mean : 0.0;
}

/* The leaf model on a row, resolving names without changing anything. The sum runs
 * over the features in row order, exactly as model_resolved does. */
static double model_pred(const hr_model *m, const hr_leaf *l, const otter_instance *inst)
{
    double s = l->n_w ? l->w[0] : 0.0;
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        if (f->cat_off >= 0)
            continue;
        uint32_t a = otter__ht_attr_find(m->names, inst, f);
        if (a == HT_NONE || (size_t)a + 1 >= l->n_w || m->names->attrs[a].kind != HT_NUM)
            continue;
        s += l->w[1 + a] * std_x(m, a, f->value);
    }
    return m->ys.mean + m->y_sd * s;
}

/* The same over the resolved row (m->row). */
static double model_resolved(const hr_model *m, const hr_leaf *l, const otter_instance *inst)
{
    double s = l->n_w ? l->w[0] : 0.0;
    for (size_t i = 0; i < inst->n_feats; i++) {
        uint32_t a = m->row[i].attr;
        if (inst->feats[i].cat_off >= 0 || a >= HT_SKIP || (size_t)a + 1 >= l->n_w ||
            m->names->attrs[a].kind != HT_NUM)
            continue;
        s += l->w[1 + a] * m->row[i].z;
    }
    return m->ys.mean + m->y_sd * s;
}

int otter__hr_use_model(const hr_model *m, const hr_leaf *l)
{
    return m->leaf_pred == HR_MODEL || (m->leaf_pred == HR_ADAPTIVE && l->err_model < l->err_mean);
}

double otter__hr_leaf_default(const hr_model *m, const hr_leaf *l)
{
    if (!otter__hr_use_model(m, l))
        return mean_pred(l);
    return m->ys.mean + m->y_sd * (l->n_w ? l->w[0] : 0.0); /* model_pred with no inputs */
}

static void fill(double value, otter_prediction *out)
{
    memset(out, 0, sizeof *out);
    out->task = OTTER_TASK_REGRESSION;
    out->score = value;
    out->proba = NAN;
}

static otter_status hr_predict(const void *self, const otter_instance *inst, otter_prediction *out,
                               otter_error *err)
{
    (void)err;
    const hr_model *m = self;
    const hr_leaf *l = &m->leaves[m->nodes[sort_row(m, inst)].leaf];
    fill(otter__hr_use_model(m, l) ? model_pred(m, l, inst) : mean_pred(l), out);
    return OTTER_OK;
}

/* ---- learning ---- */

static otter_status nomem(otter_error *err)
{
    return otter_error_set(err, OTTER_NOMEM, "out of memory growing a Hoeffding tree regressor");
}

/* NaN and infinities cannot enter through otter_instance, but a model that is handed
 * one must refuse it before anything changes. */
static otter_status check_row(const otter_instance *inst, double y, otter_error *err)
{
    if (!isfinite(y))
        return otter_error_set(err, OTTER_INVALID, "hoeffding-reg: label must be a finite number");
    for (size_t i = 0; i < inst->n_feats; i++)
        if (!isfinite(inst->feats[i].value))
            return otter_error_set(err, OTTER_INVALID,
                                   "hoeffding-reg: feature '%s' is %s (features must be finite)",
                                   inst->names + inst->keys[inst->feats[i].key].name_off,
                                   isnan(inst->feats[i].value) ? "NaN" : "infinite");
    return OTTER_OK;
}

/* Resolves the row's features into m->row without changing the model (grows only the
 * scratch). */
static otter_status lookup_row(hr_model *m, const otter_instance *inst, otter_error *err)
{
    void *p = m->row;
    if (!otter__hr_grow_scratch(m, &p, &m->row_cap, inst->n_feats, sizeof *m->row))
        return nomem(err);
    m->row = p;
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        int cat = f->cat_off >= 0;
        uint32_t a = otter__ht_attr_find(m->names, inst, f), v = 0;
        double z = 0.0;
        if (a != HT_NONE && (m->names->attrs[a].kind == HT_CAT) != cat)
            a = HT_SKIP;
        else if (a != HT_NONE && cat)
            v = otter__ht_value_find(m->names, a, inst, f);
        else if (a != HT_NONE)
            z = std_x(m, a, f->value);
        m->row[i] = (hr_rowf){a, v, z};
    }
    return OTTER_OK;
}

/* Adds the attributes and values lookup_row did not find, the leaf's observers (when
 * it may split), its model's weights and the standardization slots. Changes no
 * statistic, so a failure leaves the model's predictions and learning as they were. */
static otter_status add_row(hr_model *m, uint32_t nid, const otter_instance *inst, otter_error *err)
{
    hr_leaf *l = &m->leaves[m->nodes[nid].leaf];
    int grow_obs = otter__hr_can_split(m, nid) && !l->inactive;
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        int cat = f->cat_off >= 0;
        uint32_t a = m->row[i].attr, v = m->row[i].val;
        if (a == HT_SKIP)
            continue;
        if (a == HT_NONE) {
            /* an earlier occurrence in this row may have added it */
            const struct otter__key *key = &inst->keys[f->key];
            const char *ns = inst->names + key->ns_off, *name = inst->names + key->name_off;
            if ((a = otter__ht_attr_find(m->names, inst, f)) == HT_NONE) {
                a = otter__ht_attr_add(m->names, ns, strlen(ns), name, strlen(name),
                                       cat ? HT_CAT : HT_NUM);
                if (a == HT_NONE)
                    return nomem(err);
            } else if ((m->names->attrs[a].kind == HT_CAT) != cat) {
                m->row[i].attr = HT_SKIP;
                continue;
            }
            v = HT_NONE;
        }
        if (cat && v == HT_NONE) {
            const char *s = inst->cats + f->cat_off;
            if ((v = otter__ht_value_find(m->names, a, inst, f)) == HT_NONE &&
                (v = otter__ht_value_add(m->names, a, s, strlen(s))) == HT_NONE)
                return nomem(err);
        }
        if (!cat)
            v = 0;
        if (grow_obs && !otter__hr_obs_ensure(m, l, a, v))
            return nomem(err);
        m->row[i].attr = a;
        m->row[i].val = v;
    }
    if (m->leaf_pred == HR_MEAN)
        return OTTER_OK;
    if (!otter__hr_fit_xs(m))
        return nomem(err);
    size_t n_w = m->names->n_attrs + 1;
    if (l->n_w < n_w) {
        void *p = l->w;
        if (!otter__hr_resize(m, &p, l->n_w, n_w, sizeof *l->w))
            return nomem(err);
        l->w = p;
        l->n_w = (uint32_t)n_w;
    }
    return OTTER_OK;
}

/* One normalized LMS step of the leaf model towards y; pmod is its prediction. */
static void model_learn(const hr_model *m, hr_leaf *l, const otter_instance *inst, double y,
                        double w, double pmod)
{
    double norm = 1.0; /* the bias input */
    for (size_t i = 0; i < inst->n_feats; i++)
        if (m->row[i].attr < HT_SKIP && inst->feats[i].cat_off < 0)
            norm += m->row[i].z * m->row[i].z;
    double rate = m->lr * w < 1.0 ? m->lr * w : 1.0;
    double step = rate * ((y - pmod) / m->y_sd) / norm;
    l->w[0] += step;
    for (size_t i = 0; i < inst->n_feats; i++) {
        uint32_t a = m->row[i].attr;
        if (a < HT_SKIP && inst->feats[i].cat_off < 0)
            l->w[1 + a] += step * m->row[i].z;
    }
}

/* Tree-wide statistics behind the standardization (model, adaptive). */
static void learn_scales(hr_model *m, const otter_instance *inst, double y, double w)
{
    for (size_t i = 0; i < inst->n_feats; i++) {
        uint32_t a = m->row[i].attr;
        if (a >= HT_SKIP || inst->feats[i].cat_off >= 0)
            continue;
        hr_xstat *s = &m->xs[a];
        hr_stats t = {s->n, s->mean, s->m2};
        otter__hr_stats_add(&t, inst->feats[i].value, w);
        *s = (hr_xstat){t.n, t.mean, t.m2, 0.0};
        otter__hr_xstat_rescale(s);
    }
    otter__hr_stats_add(&m->ys, y, w);
    otter__hr_target_rescale(m);
}

/* A row's leaf is rarely in cache (rows go to any of many leaves). Its model and the
 * bin centres of every numeric observer are read next: asking for them all at once lets
 * their cache misses overlap instead of queueing one after another. */
static void prefetch_leaf(const hr_leaf *l)
{
#if defined(__GNUC__)
    for (uint32_t i = 0; i < l->n_w; i += 8)
        __builtin_prefetch(l->w + i);
    for (uint32_t a = 0; a < l->n_obs; a++) {
        const hr_obs *o = &l->obs[a];
        if (!o->x)
            continue;
        for (uint32_t i = 0; i < o->n; i += 8)
            __builtin_prefetch(o->x + i);
    }
#else
    (void)l;
#endif
}

static otter_status hr_update(hr_model *m, const otter_instance *inst, double y, double w,
                              otter_prediction *out, otter_error *err)
{
    otter_status st = check_row(inst, y, err);
    if (st != OTTER_OK)
        return st;
    uint32_t nid = sort_row(m, inst);
    hr_leaf *l = &m->leaves[m->nodes[nid].leaf];
    prefetch_leaf(l);
    if ((st = lookup_row(m, inst, err)) != OTTER_OK)
        return st;
    double pm = mean_pred(l), pmod = m->leaf_pred != HR_MEAN ? model_resolved(m, l, inst) : 0.0;
    if (out)
        fill(otter__hr_use_model(m, l) ? pmod : pm, out);
    if ((st = add_row(m, nid, inst, err)) != OTTER_OK)
        return st;
    if (m->leaf_pred == HR_ADAPTIVE) {
        l->err_mean = m->decay * l->err_mean + w * fabs(y - pm);
        l->err_model = m->decay * l->err_model + w * fabs(y - pmod);
    }
    if (m->leaf_pred != HR_MEAN)
        model_learn(m, l, inst, y, w, pmod);
    otter__hr_stats_add(&l->y, y, w);
    if (l->obs)
        otter__hr_obs_learn_row(m, l, inst, y, w);
    if (m->leaf_pred != HR_MEAN)
        learn_scales(m, inst, y, w);
    l->seen += w;
    if (!l->inactive && otter__hr_can_split(m, nid) && l->seen - l->seen_at_check >= m->grace) {
        l->seen_at_check = l->seen;
        if (!otter__hr_attempt_split(m, nid))
            return otter_error_set(err, OTTER_NOMEM,
                                   "out of memory splitting a Hoeffding tree regressor leaf");
    }
    if (!otter__hr_mem_step(m))
        return otter_error_set(err, OTTER_NOMEM, "out of memory ranking tree leaves");
    return OTTER_OK;
}

static otter_status hr_learn(void *self, const otter_instance *inst, double label, double weight,
                             otter_error *err)
{
    return hr_update(self, inst, label, weight, NULL, err);
}

static otter_status hr_predict_learn(void *self, const otter_instance *inst, double label,
                                     double weight, otter_prediction *out, otter_error *err)
{
    return hr_update(self, inst, label, weight, out, err);
}

/* ---- state and the type table ---- */

static otter_status hr_encode(const void *self, otter_buf *out, otter_error *err)
{
    return otter__hr_encode(self, out, err);
}

static otter_status hr_decode(const otter_param_value *v, uint16_t version, const uint8_t *p,
                              size_t len, void **self, otter_error *err)
{
    if (version < 2)
        return otter_error_set(err, OTTER_VERSION,
                               "hoeffding-reg state version %u predates the memory bound and is "
                               "not supported",
                               (unsigned)version);
    hr_model *m = NULL;
    otter_status st = hr_make(v, &m, err);
    if (st != OTTER_OK)
        return st;
    if ((st = otter__hr_decode(m, p, len, err)) != OTTER_OK) {
        hr_free(m);
        return st;
    }
    otter__hr_count_active(m);
    *self = m;
    return OTTER_OK;
}

static void hr_describe(const void *self, const otter_kv_sink *sink)
{
    otter__hr_describe(self, sink);
}

static size_t hr_bytes(const void *self)
{
    const hr_model *m = self;
    return m->bytes + m->names->bytes;
}

static otter_task hr_task(const void *self)
{
    (void)self;
    return OTTER_TASK_REGRESSION;
}

static size_t hr_n_classes(const void *self)
{
    (void)self;
    return 0;
}

static void hr_destroy(void *self)
{
    hr_free(self);
}

const otter_learner_type otter__learner_hoeffding_reg = {
    .abi = OTTER_LEARNER_ABI,
    .name = "hoeffding-reg",
    .summary = "Hoeffding tree regressor (FIMT-DD style): variance reduction splits, bounded "
               "numeric observers, mean, linear-model or adaptive leaves",
    .state_version = 2,
    .params = hr_params,
    .n_params = P_COUNT,
    .check = NULL,
    .create = hr_create,
    .task = hr_task,
    .n_classes = hr_n_classes,
    .predict = hr_predict,
    .learn = hr_learn,
    .encode = hr_encode,
    .decode = hr_decode,
    .describe = hr_describe,
    .bytes = hr_bytes,
    .destroy = hr_destroy,
    .predict_learn = hr_predict_learn,
    .dump = otter__hr_dump,
};
