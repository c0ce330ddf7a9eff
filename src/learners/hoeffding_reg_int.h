/* Internal to the Hoeffding tree regressor (hoeffding_reg.c, hoeffding_reg_obs.c,
 * hoeffding_reg_state.c): the model layout, the observers and the split search.
 *
 * Layout, as in the classifier (hoeffding_int.h): nodes in one array (index 0 is the
 * root) referring to each other by index; a split node's children are a run of n_kids
 * indices in the shared `kids` array; a leaf refers to a slot in `leaves`, which holds
 * its target statistics, its linear model and its attribute observers.
 *
 * Attributes and categorical values are discovered from the data through the
 * classifier's attribute table: `names` is an ht_model used only for that table
 * (otter__ht_attr_find/_add, otter__ht_value_find/_add, otter__ht_feat_is and the
 * name-table codec); none of its tree fields are used.
 */
#ifndef OTTER_HOEFFDING_REG_INT_H
#define OTTER_HOEFFDING_REG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "hoeffding_int.h"

enum { HR_MEAN, HR_MODEL, HR_ADAPTIVE }; /* leaf_prediction, in the order of its choices */
enum { HR_SDR, HR_VR };                  /* split_criterion */

/* Weighted target statistics: total weight, mean and M2 (sum of squared deviations). */
typedef struct hr_stats {
    double n, mean, m2;
} hr_stats;

/* Running statistics of one numeric attribute over the whole tree, and the scale they
 * give (1 / standard deviation; 0 until two values with a spread were seen). */
typedef struct hr_xstat {
    double n, mean, m2, scale;
} hr_xstat;

/* One attribute at one leaf.
 * Numeric: up to `bins` bins; x[0..n) are the bin centres (increasing), s[0..n) the
 *   target statistics of the rows in each bin. Bin i holds the values in
 *   (mid(x[i-1], x[i]), mid(x[i], x[i+1])], see hoeffding_reg_obs.c.
 * Categorical: x is NULL; s[v] holds the statistics of value number v, for v < n. */
typedef struct hr_obs {
    double *x;
    hr_stats *s;
    uint32_t n, cap;
} hr_obs;

typedef struct hr_leaf {
    hr_stats y; /* target, including what the split gave the leaf */
    /* weight learned here since the observers started (the leaf was made or last
     * reactivated): the n of the Hoeffding bound and the base of attribute coverage */
    double seen;
    double seen_at_check;       /* seen at the last split attempt */
    double err_mean, err_model; /* faded absolute errors of the two predictors */
    double *w;                  /* linear model: w[0] bias, w[1 + a] attribute a */
    hr_obs *obs;                /* n_obs slots indexed by attribute id */
    uint32_t n_w;               /* 0 with leaf_prediction=mean */
    uint32_t n_obs;
    uint32_t node;
    /* 1: deactivated under max_bytes: no observers, no splits; the mean, the model and
     * the error record still learn (hoeffding_reg_mem.c) */
    uint32_t inactive;
} hr_leaf;

/* A node is laid out as the classifier's (attribute or HT_NONE for a leaf, leaf slot,
 * children offset and count, major branch, depth, threshold), which lets the text dump
 * walk both trees (hoeffding_dump_int.h). An empty categorical branch's child is the
 * major branch's child. */
typedef ht_node hr_node;

/* One feature of the row being learned, resolved: attribute id (HT_NONE: unknown,
 * HT_SKIP: an occurrence of the wrong kind), categorical value number, and the
 * standardized input of a numeric feature (0 when unknown). */
typedef struct hr_rowf {
    uint32_t attr, val;
    double z;
} hr_rowf;

typedef struct hr_model {
    /* parameters */
    double delta, tau, grace, min_branch, lr, decay;
    int leaf_pred, criterion;
    uint32_t max_depth, bins;
    /* attribute and value table (only that part of the ht_model is used) */
    ht_model *names;
    /* tree */
    hr_node *nodes;
    size_t n_nodes, nodes_cap;
    uint32_t *kids;
    size_t n_kids, kids_cap;
    hr_leaf *leaves;
    size_t n_leaves, leaves_cap;
    uint32_t depth;
    /* standardization of the leaf models' inputs (per attribute id) and target */
    hr_xstat *xs;
    size_t n_xs, xs_cap;
    hr_stats ys;
    double y_sd; /* standard deviation of ys, 1 while it is 0 */
    /* scratch: the row's resolved features, room for split evaluation, the ranking */
    hr_rowf *row;
    size_t row_cap;
    hr_stats *scr;
    size_t scr_cap;
    ht_rank *rank;
    size_t n_rank, rank_cap;
    /* memory held by the state, except the name table (names->bytes): capacities that
     * depend only on counts, so it is a function of the state that decode reproduces */
    size_t bytes;
    size_t scratch_bytes; /* the scratch buffers, whose size depends on history */
    /* memory bound (max_bytes, 0 = none; hoeffding_reg_mem.c) */
    size_t max_bytes;
    size_t n_active; /* leaves that gather statistics: not inactive, not at max_depth */
    uint64_t memory_period, rows;
    uint64_t deactivated, reactivated; /* leaves, since creation */
} hr_model;

/* Counted allocation: grows *p (elements of elem bytes, capacity *cap) to hold need,
 * zeroing the new tail; 0 on NOMEM with *p and *cap unchanged. */
int otter__hr_grow(hr_model *m, void **p, size_t *cap, size_t need, size_t elem);
/* The same for a scratch buffer: counted in scratch_bytes, not bytes. */
int otter__hr_grow_scratch(hr_model *m, void **p, size_t *cap, size_t need, size_t elem);
/* Exact counted resize of *p from n to nn elements (nn > n), zeroing the tail. */
int otter__hr_resize(hr_model *m, void **p, size_t n, size_t nn, size_t elem);
void otter__hr_release(hr_model *m, void *p, size_t n_bytes);

/* Statistics: weighted Welford update, and Chan's merge. */
static inline void otter__hr_stats_add(hr_stats *s, double y, double w)
{
    s->n += w;
    double d = y - s->mean;
    s->mean += d * w / s->n;
    s->m2 += w * d * (y - s->mean);
}
void otter__hr_stats_merge(hr_stats *into, const hr_stats *other);

/* ---- observers, split search and splitting (hoeffding_reg_obs.c) ---- */

/* Makes the observer of (attr, value) exist at the leaf. 0 on NOMEM. */
int otter__hr_obs_ensure(hr_model *m, hr_leaf *leaf, uint32_t attr, uint32_t value);
/* The leaf's observers learn the resolved row (m->row; uses its numeric entries' val
 * as scratch). */
void otter__hr_obs_learn_row(const hr_model *m, hr_leaf *leaf, const otter_instance *inst, double y,
                             double w);
void otter__hr_obs_free(hr_model *m, hr_leaf *leaf);
/* The numeric threshold between bin centres a < b: a point in [a, b). */
static inline double otter__hr_mid(double a, double b)
{
    double t = a + 0.5 * (b - a);
    return t < b ? t : a;
}

/* A split candidate: the attribute, its merit, the numeric threshold (bin index `cut`:
 * bins 0..cut go left) or the number of categorical branches. */
typedef struct hr_split {
    double merit;
    uint32_t attr;
    uint32_t cut;
    uint32_t n_branches;
    double threshold;
} hr_split;

/* Best split on attr at the leaf (merit -inf when none is valid). Uses m->scr, which
 * must hold otter__hr_scr_need(m, leaf) stats. */
hr_split otter__hr_best_split(const hr_model *m, const hr_leaf *leaf, uint32_t attr);
size_t otter__hr_scr_need(const hr_model *m, const hr_leaf *leaf);
/* Fills out[0..n_branches) with the target statistics of each branch of s. */
void otter__hr_branch_stats(const hr_model *m, const hr_leaf *leaf, const hr_split *s,
                            hr_stats *out);
/* Compares the best two candidate splits of the leaf at nid and splits it when the
 * Hoeffding bound says so (the rule is in hoeffding_reg.c's opening comment). 0 only
 * on NOMEM, with the tree unchanged. */
int otter__hr_attempt_split(hr_model *m, uint32_t nid);

/* ---- state (hoeffding_reg_state.c) and the text dump (hoeffding_reg_dump.c) ---- */

otter_status otter__hr_encode(const hr_model *m, otter_buf *out, otter_error *err);
/* m freshly made from the parameters, with no nodes. */
otter_status otter__hr_decode(hr_model *m, const uint8_t *p, size_t len, otter_error *err);
void otter__hr_describe(const hr_model *m, const otter_kv_sink *sink);
/* The learner table's dump method (self is an hr_model). */
otter_status otter__hr_dump(const void *self, otter_buf *out, otter_error *err);

/* ---- memory bound (hoeffding_reg_mem.c) ----
 * A leaf's promise is its target's M2 (weighted variance times weight): the squared
 * error a split could still remove. Leaves at max_depth keep no observers and are not
 * ranked. otter__hr_mem_step runs after each learned row. */

/* Whether the leaf at nid may split (not at max_depth). */
int otter__hr_can_split(const hr_model *m, uint32_t nid);
/* Counts the rows, and deactivates or reactivates leaves when the bound calls for it.
 * 0 on NOMEM (the ranking's scratch). */
int otter__hr_mem_step(hr_model *m);
/* Whether the slots a split adds fit under max_bytes now (n_new leaves in place of
 * one, nb branches, copies of a model of n_w weights for the new leaves), as in the
 * classifier: deactivating leaves can pay for statistics, nothing can undo a split. */
int otter__hr_split_fits(const hr_model *m, uint32_t n_new, uint32_t nb, uint32_t n_w);
/* Recounts n_active (after decoding). */
void otter__hr_count_active(hr_model *m);

/* ---- shared by the files (hoeffding_reg.c) ---- */

/* Makes room for `nodes` more nodes and `leaves` more leaves. 0 on NOMEM. */
int otter__hr_reserve(hr_model *m, size_t nodes, size_t leaves);
/* Grows the per-attribute standardization table to the attribute count. 0 on NOMEM. */
int otter__hr_fit_xs(hr_model *m);
/* Whether the leaf predicts with its linear model (model, or adaptive when the model's
 * faded error is the lower) rather than its mean. */
int otter__hr_use_model(const hr_model *m, const hr_leaf *l);
/* The leaf's prediction for a row without features (every input at its mean). */
double otter__hr_leaf_default(const hr_model *m, const hr_leaf *l);
/* Recomputes the cached scale of an attribute's statistics, and the target's sd. */
void otter__hr_xstat_rescale(hr_xstat *s);
void otter__hr_target_rescale(hr_model *m);

#endif
