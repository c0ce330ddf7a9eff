/* `hoeffding`: the VFDT Hoeffding tree classifier (Domingos and Hulten, "Mining
 * High-Speed Data Streams", KDD 2000), following MOA's HoeffdingTree defaults.
 *
 * Rows are sorted to a leaf; the leaf's class weights and attribute observers (see
 * hoeffding_obs.c) take the row in. Every `grace_period` of weight seen at a leaf that
 * is not pure, the best and second-best splits are compared with the Hoeffding bound
 * eps = sqrt(R^2 ln(1/delta) / (2n)) (R = log2(classes) for information gain, 1 for
 * Gini; n = weight seen at the leaf): the leaf splits when best - second > eps or
 * eps < tau, provided the best split beats not splitting (merit 0). New leaves start
 * from the class weights the split sends to their branch, as in MOA.
 *
 * Rules worth knowing:
 *  - a row missing the split attribute, or (categorical split) carrying a value that
 *    had no branch when the node split, goes down the branch that held the most weight
 *    at split time ("major" branch);
 *  - numeric splits are binary (value <= threshold goes left); categorical splits are
 *    multiway, one branch per value seen by the attribute when the node split;
 *  - a name repeated in a row: every occurrence updates the observers and enters naive
 *    Bayes; the first occurrence decides at a split node;
 *  - unlike MOA, a leaf where "do not split" wins is not deactivated: it keeps learning
 *    and is re-checked after another grace period.
 * Leaf prediction: majority class (mc), naive Bayes (nb) or naive Bayes adaptive (nba:
 * whichever of the two has been right more often at the leaf, MOA's default). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec_int.h"
#include "hoeffding_int.h"
#include "learners_int.h"

enum {
    P_CLASSES,
    P_DELTA,
    P_TAU,
    P_GRACE,
    P_CRITERION,
    P_LEAF,
    P_MAX_DEPTH,
    P_BINS,
    P_NB_THRESHOLD,
    P_MAX_BYTES,
    P_MEMORY_PERIOD,
    P_COUNT
};

_Static_assert(P_COUNT == HT_N_PARAMS, "HT_N_PARAMS must match the table");

const otter_param_spec otter__ht_params[HT_N_PARAMS] = {
    {"classes", OTTER_PARAM_INT, "2", 2, OTTER_MAX_CLASSES, 0, NULL,
     "number of classes (labels 0..classes-1); 2 is a binary task"},
    {"delta", OTTER_PARAM_DOUBLE, "1e-7", 0, 1,
     OTTER_PARAM_MIN_EXCLUSIVE | OTTER_PARAM_MAX_EXCLUSIVE, NULL,
     "split confidence: allowed probability of choosing the wrong split"},
    {"tau", OTTER_PARAM_DOUBLE, "0.05", 0, 1, 0, NULL,
     "tie threshold: split anyway once the Hoeffding bound is below it"},
    {"grace_period", OTTER_PARAM_INT, "200", 1, 1e9, 0, NULL,
     "weight a leaf sees between split attempts"},
    {"split_criterion", OTTER_PARAM_ENUM, "info_gain", 0, 0, 0, "info_gain|gini",
     "split merit: information gain or Gini gain"},
    {"leaf_prediction", OTTER_PARAM_ENUM, "nba", 0, 0, 0, "mc|nb|nba",
     "leaf prediction: majority class, naive Bayes, or naive Bayes adaptive"},
    {"max_depth", OTTER_PARAM_INT, "0", 0, 1e6, 0, NULL,
     "leaves at this depth do not split (0 = unlimited)"},
    {"bins", OTTER_PARAM_INT, "10", 1, 1000, 0, NULL,
     "candidate thresholds per numeric attribute (Gaussian observer)"},
    {"nb_threshold", OTTER_PARAM_DOUBLE, "0", 0, 1e12, 0, NULL,
     "weight a leaf must have seen before naive Bayes is used (nb, nba)"},
    {"max_bytes", OTTER_PARAM_INT, "33554432", 0, 1e15, 0, NULL,
     "memory bound in bytes (0 = none): past it the least promising leaves stop gathering "
     "statistics (MOA's maxByteSize)"},
    {"memory_period", OTTER_PARAM_INT, "100000", 1, 1e12, 0, NULL,
     "rows between re-rankings of the leaves under max_bytes (reactivates promising ones)"},
};

/* ---- allocation ---- */

void otter__ht_free(ht_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_leaves; i++)
        otter__ht_obs_free(m, &m->leaves[i]);
    free(m->strs);
    free(m->attrs);
    free(m->attr_index);
    free(m->vals);
    free(m->val_index);
    free(m->nodes);
    free(m->kids);
    free(m->leaves);
    free(m->ldist);
    free(m->row_attr);
    free(m->row_val);
    free(m->scr);
    free(m->rank);
    free(m);
}

/* Makes room for n more nodes and leaves (all or nothing as far as callers care). */
int otter__ht_reserve(ht_model *m, size_t nodes, size_t leaves)
{
    void *p = otter__ht_grow(m, m->nodes, &m->nodes_cap, m->n_nodes + nodes, sizeof *m->nodes);
    if (!p)
        return 0;
    m->nodes = p;
    size_t cap = m->leaves_cap;
    p = otter__ht_grow(m, m->leaves, &m->leaves_cap, m->n_leaves + leaves, sizeof *m->leaves);
    if (!p)
        return 0;
    m->leaves = p;
    if (cap != m->leaves_cap) {
        double *d = realloc(m->ldist, m->leaves_cap * m->k * sizeof *d);
        if (!d) {
            m->leaves_cap = cap; /* keep ldist and the capacity consistent */
            return 0;
        }
        m->bytes += (m->leaves_cap - cap) * m->k * sizeof *d;
        m->ldist = d;
    }
    return 1;
}

/* Appends a leaf node at depth with initial class weights dist (may be NULL). */
uint32_t otter__ht_add_leaf(ht_model *m, uint32_t depth, const double *dist)
{
    uint32_t nid = (uint32_t)m->n_nodes++, lid = (uint32_t)m->n_leaves++;
    m->nodes[nid] = (ht_node){HT_NONE, lid, 0, 0, 0, depth, 0.0};
    m->leaves[lid] = (ht_leaf){0, 0, 0, NULL, 0, nid, 0};
    m->n_active++;
    double *d = m->ldist + (size_t)lid * m->k;
    if (dist)
        memcpy(d, dist, m->k * sizeof *d);
    else
        memset(d, 0, m->k * sizeof *d);
    double w = 0;
    for (size_t c = 0; c < m->k; c++)
        w += d[c];
    m->leaves[lid].seen_at_check = w;
    if (depth > m->depth)
        m->depth = depth;
    return nid;
}

otter_status otter__ht_make(const otter_param_value *v, ht_model **out, otter_error *err)
{
    ht_model *m = calloc(1, sizeof *m);
    if (!m)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate a Hoeffding tree");
    m->bytes = sizeof *m;
    m->k = (size_t)v[P_CLASSES].i;
    m->delta = v[P_DELTA].d;
    m->tau = v[P_TAU].d;
    m->grace = (double)v[P_GRACE].i;
    m->criterion = v[P_CRITERION].choice == 1 ? HT_GINI : HT_INFO_GAIN;
    m->leaf_pred = v[P_LEAF].choice;
    m->max_depth = (uint32_t)v[P_MAX_DEPTH].i;
    m->bins = (uint32_t)v[P_BINS].i;
    m->nb_threshold = v[P_NB_THRESHOLD].d;
    /* the bound covers what otter_learner_bytes reports, so leave room for the learner
     * handle and its parameter text (about 350 bytes) */
    size_t max = (size_t)v[P_MAX_BYTES].i;
    m->max_bytes = max == 0 ? 0 : max > HT_HANDLE_ALLOWANCE ? max - HT_HANDLE_ALLOWANCE : 1;
    m->memory_period = (uint64_t)v[P_MEMORY_PERIOD].i;
    *out = m;
    return OTTER_OK;
}

static otter_status ht_create(const otter_param_value *v, void **self, otter_error *err)
{
    ht_model *m = NULL;
    otter_status st = otter__ht_make(v, &m, err);
    if (st != OTTER_OK)
        return st;
    if (!otter__ht_reserve(m, 1, 1)) {
        otter__ht_free(m);
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate a Hoeffding tree");
    }
    otter__ht_add_leaf(m, 0, NULL);
    *self = m;
    return OTTER_OK;
}

/* ---- sorting and prediction ---- */

uint32_t otter__ht_branch(const ht_model *m, uint32_t nid, const otter_instance *inst)
{
    const ht_node *n = &m->nodes[nid];
    const ht_attr *a = &m->attrs[n->attr];
    uint32_t branch = n->major;
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        if (!otter__ht_feat_is(m, inst, f, a))
            continue;
        if (a->kind == HT_NUM) {
            branch = f->value <= n->threshold ? 0 : 1;
        } else {
            uint32_t v = otter__ht_value_find(m, n->attr, inst, f);
            if (v != HT_NONE && v < n->n_kids)
                branch = v;
        }
        break;
    }
    return m->kids[n->kids + branch];
}

/* As otter__ht_branch, for a row resolved by otter__ht_lookup_row: m->row_attr[i] is the
 * attribute of feature i when the name and kind match (feat_is), so no name is compared
 * again at each node on the way down. */
uint32_t otter__ht_branch_row(const ht_model *m, uint32_t nid, const otter_instance *inst)
{
    const ht_node *n = &m->nodes[nid];
    uint32_t branch = n->major;
    for (size_t i = 0; i < inst->n_feats; i++) {
        if (m->row_attr[i] != n->attr)
            continue;
        if (m->attrs[n->attr].kind == HT_NUM) {
            branch = inst->feats[i].value <= n->threshold ? 0 : 1;
        } else {
            uint32_t v = m->row_val[i];
            if (v != HT_NONE && v < n->n_kids)
                branch = v;
        }
        break;
    }
    return m->kids[n->kids + branch];
}

static uint32_t sort_row(const ht_model *m, const otter_instance *inst)
{
    uint32_t nid = 0;
    while (m->nodes[nid].attr != HT_NONE)
        nid = otter__ht_branch(m, nid, inst);
    return nid;
}

static size_t argmax(const double *v, size_t k)
{
    size_t best = 0;
    for (size_t c = 1; c < k; c++)
        if (v[c] > v[best])
            best = c;
    return best;
}

static void mc_probs(const ht_model *m, const double *dist, double *p)
{
    double sum = 0;
    for (size_t c = 0; c < m->k; c++)
        sum += dist[c];
    for (size_t c = 0; c < m->k; c++)
        p[c] = sum > 0 ? dist[c] / sum : 1.0 / (double)m->k;
}

/* Turns log-scores into probabilities (priors of 0 stay 0). */
static void softmax(const ht_model *m, double *logv, double *p)
{
    double mx = -INFINITY, sum = 0;
    for (size_t c = 0; c < m->k; c++)
        mx = logv[c] > mx ? logv[c] : mx;
    if (mx == -INFINITY) { /* nothing seen yet */
        for (size_t c = 0; c < m->k; c++)
            p[c] = 1.0 / (double)m->k;
        return;
    }
    for (size_t c = 0; c < m->k; c++)
        sum += p[c] = logv[c] == -INFINITY ? 0.0 : exp(logv[c] - mx);
    for (size_t c = 0; c < m->k; c++)
        p[c] /= sum;
}

static void nb_prior(const ht_model *m, const double *dist, double *logv)
{
    double sum = 0;
    for (size_t c = 0; c < m->k; c++)
        sum += dist[c];
    for (size_t c = 0; c < m->k; c++)
        logv[c] = dist[c] > 0 ? log(dist[c] / sum) : -INFINITY;
}

/* Naive Bayes at a leaf, resolving the row's attributes without changing the model. */
static void nb_probs(const ht_model *m, const ht_leaf *leaf, const double *dist,
                     const otter_instance *inst, double *p)
{
    double logv[OTTER_MAX_CLASSES];
    nb_prior(m, dist, logv);
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        uint32_t a = otter__ht_attr_find(m, inst, f);
        if (a == HT_NONE || (f->cat_off >= 0) != (m->attrs[a].kind == HT_CAT))
            continue;
        uint32_t v = f->cat_off >= 0 ? otter__ht_value_find(m, a, inst, f) : 0;
        otter__ht_obs_nb(m, leaf, a, v, f->value, logv);
    }
    softmax(m, logv, p);
}

static double dist_sum(const ht_model *m, const double *dist)
{
    double w = 0;
    for (size_t c = 0; c < m->k; c++)
        w += dist[c];
    return w;
}

/* Which strategy the leaf predicts with: 1 for naive Bayes, 0 for the majority class. */
static int use_nb(const ht_model *m, const ht_leaf *leaf, const double *dist)
{
    if (m->leaf_pred == HT_MC || leaf->inactive || dist_sum(m, dist) < m->nb_threshold)
        return 0;
    return m->leaf_pred == HT_NB || leaf->mc_correct <= leaf->nb_correct;
}

void otter__ht_fill(const ht_model *m, const double *p, otter_prediction *out)
{
    memset(out, 0, sizeof *out);
    out->task = m->k > 2 ? OTTER_TASK_MULTICLASS : OTTER_TASK_BINARY;
    out->n_classes = m->k;
    out->has_proba = 1;
    memcpy(out->probs, p, m->k * sizeof *p);
    out->label = (int)argmax(p, m->k);
    out->proba = m->k == 2 ? p[1] : NAN;
    out->score = m->k == 2 ? p[1] : p[out->label];
}

void otter__ht_leaf_probs(const ht_model *m, uint32_t nid, const otter_instance *inst, double *p)
{
    const ht_leaf *leaf = &m->leaves[m->nodes[nid].leaf];
    const double *dist = m->ldist + (size_t)m->nodes[nid].leaf * m->k;
    if (use_nb(m, leaf, dist))
        nb_probs(m, leaf, dist, inst, p);
    else
        mc_probs(m, dist, p);
}

static otter_status ht_predict(const void *self, const otter_instance *inst, otter_prediction *out,
                               otter_error *err)
{
    (void)err;
    const ht_model *m = self;
    double p[OTTER_MAX_CLASSES];
    otter__ht_leaf_probs(m, sort_row(m, inst), inst, p);
    otter__ht_fill(m, p, out);
    return OTTER_OK;
}

/* ---- learning ---- */

/* Resolves the row's features to (attribute, value) ids without changing the model:
 * HT_NONE for an unknown attribute or value, HT_SKIP for an occurrence of the wrong
 * kind. Grows only the row scratch. */
otter_status otter__ht_lookup_row(ht_model *m, const otter_instance *inst, otter_error *err)
{
    size_t n = inst->n_feats;
    if (n > m->row_cap) {
        size_t cap = m->row_cap;
        uint32_t *a = otter__ht_grow_scratch(m, m->row_attr, &cap, n, sizeof *a);
        if (!a)
            return otter_error_set(err, OTTER_NOMEM, "out of memory growing the Hoeffding tree");
        m->row_attr = a;
        cap = m->row_cap;
        uint32_t *v = otter__ht_grow_scratch(m, m->row_val, &cap, n, sizeof *v);
        if (!v)
            return otter_error_set(err, OTTER_NOMEM, "out of memory growing the Hoeffding tree");
        m->row_val = v;
        m->row_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        const struct otter__feat *f = &inst->feats[i];
        int cat = f->cat_off >= 0;
        uint32_t a = otter__ht_attr_find(m, inst, f), v = 0;
        if (a != HT_NONE && (m->attrs[a].kind == HT_CAT) != cat)
            a = HT_SKIP;
        else if (a != HT_NONE && cat)
            v = otter__ht_value_find(m, a, inst, f);
        m->row_attr[i] = a;
        m->row_val[i] = v;
    }
    return OTTER_OK;
}

/* Adds the attributes and values lookup_row did not find and makes sure the leaf has
 * observers for the row. Changes no statistics. */
static otter_status add_row(ht_model *m, ht_leaf *leaf, const otter_instance *inst,
                            otter_error *err)
{
    for (size_t i = 0; i < inst->n_feats; i++) {
        const struct otter__feat *f = &inst->feats[i];
        uint32_t a = m->row_attr[i], v = m->row_val[i];
        if (a == HT_SKIP)
            continue;
        if (a == HT_NONE) {
            /* an earlier occurrence in this row may have added it */
            const struct otter__key *key = &inst->keys[f->key];
            const char *ns = inst->names + key->ns_off, *name = inst->names + key->name_off;
            a = otter__ht_attr_find(m, inst, f);
            if (a == HT_NONE) {
                a = otter__ht_attr_add(m, ns, strlen(ns), name, strlen(name),
                                       f->cat_off >= 0 ? HT_CAT : HT_NUM);
                if (a == HT_NONE)
                    goto nomem;
            } else if ((m->attrs[a].kind == HT_CAT) != (f->cat_off >= 0)) {
                m->row_attr[i] = HT_SKIP;
                continue;
            }
            v = HT_NONE;
        }
        if (f->cat_off >= 0 && v == HT_NONE) {
            /* the same new value may occur twice in the row */
            if ((v = otter__ht_value_find(m, a, inst, f)) == HT_NONE &&
                (v = otter__ht_value_add(m, a, inst->cats + f->cat_off,
                                         strlen(inst->cats + f->cat_off))) == HT_NONE)
                goto nomem;
        }
        if (f->cat_off < 0)
            v = 0;
        if (!otter__ht_obs_ensure(m, leaf, a, v))
            goto nomem;
        m->row_attr[i] = a;
        m->row_val[i] = v;
    }
    return OTTER_OK;
nomem:
    return otter_error_set(err, OTTER_NOMEM, "out of memory growing the Hoeffding tree");
}

/* Naive Bayes over the looked-up row: the same sums in the same order as nb_probs. */
static void nb_resolved(const ht_model *m, const ht_leaf *leaf, const double *dist,
                        const otter_instance *inst, double *p)
{
    double logv[OTTER_MAX_CLASSES];
    nb_prior(m, dist, logv);
    for (size_t i = 0; i < inst->n_feats; i++)
        if (m->row_attr[i] < HT_SKIP)
            otter__ht_obs_nb(m, leaf, m->row_attr[i], m->row_val[i], inst->feats[i].value, logv);
    softmax(m, logv, p);
}

static int split_leaf(ht_model *m, uint32_t nid, const ht_split *s);

/* Elements a grow to n would add to an array of capacity cap. */
static size_t more(size_t n, size_t cap)
{
    size_t c = otter__ht_cap_for(n);
    return c > cap ? c - cap : 0;
}

/* Under max_bytes, a split whose new node, leaf and child slots would not fit is not
 * made: deactivating leaves can pay for statistics, but nothing can take a split back. */
static int split_fits(const ht_model *m, size_t nb)
{
    if (!m->max_bytes)
        return 1;
    size_t nodes = more(m->n_nodes + nb, m->nodes_cap),
           leaves = more(m->n_leaves + nb - 1, m->leaves_cap),
           kids = more(m->n_kids + nb, m->kids_cap);
    size_t grow = nodes * (sizeof(ht_node) + m->node_ext) +
                  leaves * (sizeof(ht_leaf) + m->k * sizeof(double)) + kids * sizeof(uint32_t);
    return m->bytes + m->other_bytes + grow <= m->max_bytes;
}

/* Tries to split the leaf at node nid (MOA's attemptToSplit). 0 only on NOMEM. */
int otter__ht_attempt_split(ht_model *m, uint32_t nid)
{
    const ht_leaf *leaf = &m->leaves[m->nodes[nid].leaf];
    const double *pre = m->ldist + (size_t)m->nodes[nid].leaf * m->k;
    size_t nonzero = 0, need = 2 * m->k;
    for (size_t c = 0; c < m->k; c++)
        nonzero += pre[c] > 0;
    if (nonzero < 2)
        return 1; /* pure */
    for (uint32_t a = 0; a < leaf->n_obs; a++) {
        size_t s = otter__ht_post_size(m, leaf, a);
        need = s > need ? s : need;
    }
    double *scr = otter__ht_grow_scratch(m, m->scr, &m->scr_cap, need, sizeof *scr);
    if (!scr)
        return 0;
    m->scr = scr;
    /* candidates: not splitting (merit 0) and each attribute's best split */
    ht_split best = {0.0, HT_NONE, 0.0, 0}, second = {-INFINITY, HT_NONE, 0.0, 0};
    for (uint32_t a = 0; a < leaf->n_obs; a++) {
        ht_split s = otter__ht_best_split(m, leaf, pre, a, m->scr);
        if (!(s.merit > -INFINITY))
            continue;
        if (s.merit > best.merit) {
            second = best;
            best = s;
        } else if (s.merit > second.merit) {
            second = s;
        }
    }
    if (best.attr == HT_NONE)
        return 1; /* not splitting wins */
    double range = m->criterion == HT_GINI ? 1.0 : log2((double)m->k);
    double n = dist_sum(m, pre);
    double eps = sqrt(range * range * log(1.0 / m->delta) / (2.0 * n));
    if (!(best.merit - second.merit > eps || eps < m->tau) || !split_fits(m, best.n_branches))
        return 1;
    return split_leaf(m, nid, &best);
}

/* Replaces the leaf at nid by a split node with fresh leaves (reusing its leaf slot
 * for the first child). 0 on NOMEM, with the tree unchanged. */
static int split_leaf(ht_model *m, uint32_t nid, const ht_split *s)
{
    size_t nb = s->n_branches, k = m->k;
    size_t need = nb * k;
    double *scr = otter__ht_grow_scratch(m, m->scr, &m->scr_cap, need, sizeof *scr);
    if (!scr)
        return 0;
    m->scr = scr;
    uint32_t *kids = otter__ht_grow(m, m->kids, &m->kids_cap, m->n_kids + nb, sizeof *kids);
    if (!kids)
        return 0;
    m->kids = kids;
    if (!otter__ht_reserve(m, nb, nb - 1))
        return 0;
    uint32_t lid = m->nodes[nid].leaf;
    otter__ht_post(m, &m->leaves[lid], s, m->scr);
    otter__ht_obs_free(m, &m->leaves[lid]);
    ht_node *n = &m->nodes[nid];
    uint32_t depth = n->depth + 1, major = 0;
    double major_w = -1;
    n->attr = s->attr;
    n->threshold = s->threshold;
    n->n_kids = (uint32_t)nb;
    n->kids = (uint32_t)m->n_kids;
    n->leaf = HT_NONE;
    for (size_t b = 0; b < nb; b++) {
        double w = dist_sum(m, m->scr + b * k);
        if (w > major_w) {
            major_w = w;
            major = (uint32_t)b;
        }
        uint32_t child;
        if (b == 0) {
            child = (uint32_t)m->n_nodes++;
            m->nodes[child] = (ht_node){HT_NONE, lid, 0, 0, 0, depth, 0.0};
            m->leaves[lid] = (ht_leaf){dist_sum(m, m->scr), 0, 0, NULL, 0, child, 0};
            memcpy(m->ldist + (size_t)lid * k, m->scr, k * sizeof(double));
            if (depth > m->depth)
                m->depth = depth;
        } else {
            child = otter__ht_add_leaf(m, depth, m->scr + b * k);
        }
        m->kids[m->n_kids++] = child;
    }
    m->nodes[nid].major = major;
    return 1;
}

void otter__ht_leaf_predict(const ht_model *m, uint32_t nid, const otter_instance *inst, int want,
                            ht_leaf_pred *lp)
{
    const ht_leaf *leaf = &m->leaves[m->nodes[nid].leaf];
    const double *dist = m->ldist + (size_t)m->nodes[nid].leaf * m->k;
    int want_nb = m->leaf_pred != HT_MC;
    lp->nb = use_nb(m, leaf, dist);
    if (want || m->leaf_pred == HT_NBA)
        mc_probs(m, dist, lp->pm);
    if (want_nb && !leaf->inactive && (m->leaf_pred == HT_NBA || (want && lp->nb)))
        nb_resolved(m, leaf, dist, inst, lp->pn);
    lp->label = want ? argmax(lp->nb ? lp->pn : lp->pm, m->k) : 0;
}

otter_status otter__ht_leaf_learn(ht_model *m, uint32_t nid, const otter_instance *inst,
                                  const ht_leaf_pred *lp, size_t y, double w, otter_error *err)
{
    uint32_t lid = m->nodes[nid].leaf;
    ht_leaf *leaf = &m->leaves[lid];
    double *dist = m->ldist + (size_t)lid * m->k;
    if (leaf->inactive) { /* only the class weights, as MOA's inactive learning nodes */
        dist[y] += w;
        return OTTER_OK;
    }
    otter_status st = add_row(m, leaf, inst, err);
    if (st != OTTER_OK)
        return st;
    if (m->leaf_pred == HT_NBA) {
        if (argmax(dist, m->k) == y)
            leaf->mc_correct += w;
        if (argmax(lp->pn, m->k) == y)
            leaf->nb_correct += w;
    }
    dist[y] += w;
    for (size_t i = 0; i < inst->n_feats; i++)
        if (m->row_attr[i] != HT_SKIP)
            otter__ht_obs_update(m, leaf, m->row_attr[i], m->row_val[i], inst->feats[i].value, y,
                                 w);
    double seen = dist_sum(m, dist);
    if (seen - leaf->seen_at_check < m->grace)
        return OTTER_OK;
    if (m->max_depth && m->nodes[nid].depth >= m->max_depth)
        return OTTER_OK;
    leaf->seen_at_check = seen;
    if (!otter__ht_attempt_split(m, nid))
        return otter_error_set(err, OTTER_NOMEM, "out of memory splitting a Hoeffding tree leaf");
    return OTTER_OK;
}

static otter_status ht_update(ht_model *m, const otter_instance *inst, double label, double w,
                              otter_prediction *out, otter_error *err)
{
    otter_status st = otter__ht_lookup_row(m, inst, err);
    if (st != OTTER_OK)
        return st;
    uint32_t nid = 0;
    while (m->nodes[nid].attr != HT_NONE)
        nid = otter__ht_branch_row(m, nid, inst);
    size_t y = label > 0.5 ? (size_t)label : 0;
    ht_leaf_pred lp;
    otter__ht_leaf_predict(m, nid, inst, out != NULL, &lp);
    if (out)
        otter__ht_fill(m, lp.nb ? lp.pn : lp.pm, out);
    if ((st = otter__ht_leaf_learn(m, nid, inst, &lp, y, w, err)) != OTTER_OK)
        return st;
    if (otter__ht_mem_due(m, 0)) {
        otter__ht_rank_reset(m);
        for (uint32_t i = 0; i < m->n_nodes; i++) /* slot order survives encode/decode */
            if (m->nodes[i].attr == HT_NONE && !otter__ht_rank_push(m, i))
                return otter_error_set(err, OTTER_NOMEM, "out of memory ranking tree leaves");
        otter__ht_mem_apply(m, 0);
    }
    return OTTER_OK;
}

static otter_status ht_learn(void *self, const otter_instance *inst, double label, double weight,
                             otter_error *err)
{
    return ht_update(self, inst, label, weight, NULL, err);
}

static otter_status ht_predict_learn(void *self, const otter_instance *inst, double label,
                                     double weight, otter_prediction *out, otter_error *err)
{
    return ht_update(self, inst, label, weight, out, err);
}

/* ---- state and the type table ---- */

static otter_status ht_encode(const void *self, otter_buf *out, otter_error *err)
{
    return otter__ht_encode(self, out, err);
}

static otter_status ht_decode(const otter_param_value *v, uint16_t version, const uint8_t *p,
                              size_t len, void **self, otter_error *err)
{
    if (version < 2)
        return otter_error_set(err, OTTER_VERSION,
                               "hoeffding state version %u predates the memory bound and is "
                               "not supported",
                               (unsigned)version);
    ht_model *m = NULL;
    otter_status st = otter__ht_make(v, &m, err);
    if (st != OTTER_OK)
        return st;
    if ((st = otter__ht_decode(m, p, len, err)) != OTTER_OK) {
        otter__ht_free(m);
        return st;
    }
    otter__ht_count_active(m);
    *self = m;
    return OTTER_OK;
}

static void ht_describe(const void *self, const otter_kv_sink *sink)
{
    otter__ht_describe(self, sink);
}

static size_t ht_bytes(const void *self)
{
    return ((const ht_model *)self)->bytes;
}

static otter_task ht_task(const void *self)
{
    return ((const ht_model *)self)->k > 2 ? OTTER_TASK_MULTICLASS : OTTER_TASK_BINARY;
}

static size_t ht_n_classes(const void *self)
{
    return ((const ht_model *)self)->k;
}

static void ht_destroy(void *self)
{
    otter__ht_free(self);
}

const otter_learner_type otter__learner_hoeffding = {
    .abi = OTTER_LEARNER_ABI,
    .name = "hoeffding",
    .summary = "Hoeffding tree (VFDT) classifier: Gaussian numeric and multiway categorical "
               "splits, naive Bayes adaptive leaves",
    .state_version = 2,
    .params = otter__ht_params,
    .n_params = P_COUNT,
    .check = NULL,
    .create = ht_create,
    .task = ht_task,
    .n_classes = ht_n_classes,
    .predict = ht_predict,
    .learn = ht_learn,
    .encode = ht_encode,
    .decode = ht_decode,
    .describe = ht_describe,
    .bytes = ht_bytes,
    .destroy = ht_destroy,
    .predict_learn = ht_predict_learn,
    .dump = otter__ht_dump_method,
};
