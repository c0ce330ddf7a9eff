/* Internal to the Hoeffding tree (hoeffding.c, hoeffding_obs.c): the model layout, the
 * attribute table and the per-leaf attribute observers.
 *
 * Layout. Nodes live in one array (`nodes`, index 0 is the root) and never move once
 * created except by realloc, so they refer to each other by index. A split node's
 * children are a run of `n_kids` indices in the shared `kids` array. A leaf refers to a
 * slot in `leaves`, which holds its observers, and to a row of `ldist` (k doubles: the
 * class weights seen at the leaf, including those inherited from the parent's split).
 *
 * Attributes are discovered from the data: (namespace, name) -> attribute id through an
 * open-addressing index keyed by the instance's precomputed name hash, confirmed by a
 * string compare. Categorical values are numbered per attribute (0, 1, ... in order of
 * first sight) through a second index keyed by the instance's categorical feature hash.
 * An attribute's kind (numeric or categorical) is fixed when it is first seen; an
 * occurrence of the other kind is treated as missing.
 */
#ifndef OTTER_HOEFFDING_INT_H
#define OTTER_HOEFFDING_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec_int.h"
#include "core/instance_int.h"
#include "otter/learner.h"

/* What max_bytes leaves for the learner handle and its parameter text (a few hundred
 * bytes), which otter_learner_bytes adds to the type's own size. */
#define HT_HANDLE_ALLOWANCE 1024

#define HT_NONE UINT32_MAX
#define HT_SKIP (UINT32_MAX - 1) /* a row's feature of the wrong kind for its attribute */

enum { HT_NUM = 1, HT_CAT = 2 };
enum { HT_INFO_GAIN, HT_GINI };
enum { HT_MC, HT_NB, HT_NBA };

/* Per class in a numeric observer: weight, mean, M2 (Welford), min, max. */
enum { HT_W, HT_MEAN, HT_M2, HT_MIN, HT_MAX, HT_NUM_STRIDE };

typedef struct ht_attr {
    uint32_t ns_off, name_off; /* NUL-terminated strings in the model's arena */
    uint32_t hash;             /* the instance's name_hash of (ns, name) */
    uint32_t kind;             /* HT_NUM or HT_CAT */
    uint32_t n_values;         /* categorical: distinct values seen so far */
} ht_attr;

typedef struct ht_value {
    uint32_t attr, local; /* attribute id and the value's number within it */
    uint32_t str_off;     /* value string in the arena */
    uint32_t hash;        /* the instance's categorical feature hash */
} ht_value;

/* One attribute at one leaf. Numeric: d holds k * HT_NUM_STRIDE doubles. Categorical:
 * d holds k class totals, then n rows of k class weights (row v = value number v). */
typedef struct ht_obs {
    double *d;
    uint32_t n, cap; /* categorical rows used / allocated; numeric: n = 1 once allocated */
} ht_obs;

typedef struct ht_leaf {
    double seen_at_check;          /* leaf weight at the last split attempt */
    double mc_correct, nb_correct; /* NBA: weight each strategy predicted right */
    ht_obs *obs;                   /* n_obs slots indexed by attribute id */
    uint32_t n_obs;
    uint32_t node;
    uint32_t inactive; /* 1: deactivated by the memory bound (no observers, no splits) */
} ht_leaf;

typedef struct ht_node {
    uint32_t attr; /* split attribute, HT_NONE for a leaf */
    uint32_t leaf; /* leaf slot (leaves only) */
    uint32_t kids; /* offset of the children in m->kids */
    uint32_t n_kids;
    uint32_t major; /* branch taken by rows missing the attribute or with an unseen value */
    uint32_t depth;
    double threshold; /* numeric split: value <= threshold goes to branch 0 */
} ht_node;

typedef struct ht_model {
    size_t k; /* classes */
    double delta, tau, grace, nb_threshold;
    int criterion, leaf_pred;
    uint32_t max_depth, bins;
    /* attribute table */
    char *strs;
    size_t strs_len, strs_cap;
    ht_attr *attrs;
    size_t n_attrs, attrs_cap;
    uint32_t *attr_index; /* attribute id + 1, 0 = empty */
    size_t attr_index_cap;
    ht_value *vals;
    size_t n_vals, vals_cap;
    uint32_t *val_index; /* value id + 1, 0 = empty */
    size_t val_index_cap;
    /* tree */
    ht_node *nodes;
    size_t n_nodes, nodes_cap;
    uint32_t *kids;
    size_t n_kids, kids_cap;
    ht_leaf *leaves;
    size_t n_leaves, leaves_cap;
    double *ldist; /* leaves_cap rows of k */
    uint32_t depth;
    /* scratch for learn (row resolution) and split evaluation */
    uint32_t *row_attr, *row_val;
    size_t row_cap;
    double *scr;
    size_t scr_cap;
    size_t bytes;         /* running total of memory held by the state */
    size_t scratch_bytes; /* working buffers (row lookup, split evaluation, ranking) */
    /* memory bound (max_bytes): learned rows, and the leaf ranking scratch */
    size_t max_bytes;
    size_t n_active;    /* live leaves that are not inactive */
    size_t other_bytes; /* held by the tree type outside m (set before learning a row) */
    size_t node_ext;    /* bytes the tree type keeps per node slot, at the same capacity */
    uint64_t memory_period, rows;
    uint64_t deactivated, reactivated; /* leaves, since creation */
    struct ht_rank *rank;
    size_t n_rank, rank_cap;
} ht_model;

/* Counted allocation helpers: keep m->bytes equal to what the model's state holds.
 * Capacities grow to 4 * 2^j, so they depend only on the largest count ever needed;
 * scratch buffers (whose size depends on history, not state) count in scratch_bytes
 * instead, which makes m->bytes a function of the state that decode reproduces. */
void *otter__ht_grow(ht_model *m, void *p, size_t *cap, size_t need, size_t elem);
void *otter__ht_grow_scratch(ht_model *m, void *p, size_t *cap, size_t need, size_t elem);
/* The capacity otter__ht_grow reaches for n elements (0 for none). */
size_t otter__ht_cap_for(size_t n);
void otter__ht_release(ht_model *m, void *p, size_t n_bytes);

/* Attribute table. find: HT_NONE when absent (no allocation, safe in predict). */
uint32_t otter__ht_attr_find(const ht_model *m, const otter_instance *inst,
                             const struct otter__feat *f);
uint32_t otter__ht_value_find(const ht_model *m, uint32_t attr, const otter_instance *inst,
                              const struct otter__feat *f);
/* Adds the attribute / value; returns its id or HT_NONE when out of memory. */
uint32_t otter__ht_attr_add(ht_model *m, const char *ns, size_t ns_len, const char *name,
                            size_t name_len, uint32_t kind);
uint32_t otter__ht_value_add(ht_model *m, uint32_t attr, const char *value, size_t len);
/* True when feature f is an occurrence of attribute a (same name and kind). */
int otter__ht_feat_is(const ht_model *m, const otter_instance *inst, const struct otter__feat *f,
                      const ht_attr *a);

/* Frees the model and everything it holds (NULL is a no-op). */
void otter__ht_free(ht_model *m);
/* Makes room for `nodes` more nodes and `leaves` more leaves (0 on NOMEM). */
int otter__ht_reserve(ht_model *m, size_t nodes, size_t leaves);

/* State (hoeffding_state.c): payload writer and reader (m freshly made from params,
 * with no nodes), and describe. */
otter_status otter__ht_encode(const ht_model *m, otter_buf *out, otter_error *err);
otter_status otter__ht_decode(ht_model *m, const uint8_t *p, size_t len, otter_error *err);
void otter__ht_describe(const ht_model *m, const otter_kv_sink *sink);

/* Observers. ensure: makes the slot for (attr, value) exist at the leaf (0 on NOMEM). */
int otter__ht_obs_ensure(ht_model *m, ht_leaf *leaf, uint32_t attr, uint32_t value);
void otter__ht_obs_update(const ht_model *m, ht_leaf *leaf, uint32_t attr, uint32_t value, double x,
                          size_t y, double w);
/* Adds log P(x | class) to logv[0..k). */
void otter__ht_obs_nb(const ht_model *m, const ht_leaf *leaf, uint32_t attr, uint32_t value,
                      double x, double *logv);
void otter__ht_obs_free(ht_model *m, ht_leaf *leaf);
size_t otter__ht_obs_doubles(const ht_model *m, uint32_t attr, const ht_obs *o);

/* Split evaluation. A suggestion names the attribute, the numeric threshold and the
 * merit; post fills branch class weights (n_branches rows of k) into m->scr. */
typedef struct ht_split {
    double merit;
    uint32_t attr;
    double threshold;
    uint32_t n_branches;
} ht_split;
double otter__ht_merit(const ht_model *m, const double *pre, const double *post, size_t nb);
/* Best split on attr at leaf (merit -inf when none); post is written to out (must hold
 * max(2, values) * k doubles, see otter__ht_post_size). */
ht_split otter__ht_best_split(const ht_model *m, const ht_leaf *leaf, const double *pre,
                              uint32_t attr, double *out);
size_t otter__ht_post_size(const ht_model *m, const ht_leaf *leaf, uint32_t attr);
void otter__ht_post(const ht_model *m, const ht_leaf *leaf, const ht_split *s, double *out);

/* ---- shared with the Hoeffding Adaptive Tree (hat.c) ---- */

#define HT_N_PARAMS 11
extern const otter_param_spec otter__ht_params[HT_N_PARAMS];

/* Makes an empty model (no nodes) from values of otter__ht_params. */
otter_status otter__ht_make(const otter_param_value *v, ht_model **out, otter_error *err);
/* Appends a leaf node at depth with class weights dist (NULL: zeros); room must have
 * been reserved (otter__ht_reserve). Returns its node id. */
uint32_t otter__ht_add_leaf(ht_model *m, uint32_t depth, const double *dist);
/* The child of split node nid that the row goes down. */
uint32_t otter__ht_branch(const ht_model *m, uint32_t nid, const otter_instance *inst);
/* The same child, for the row last resolved by otter__ht_lookup_row (learning paths). */
uint32_t otter__ht_branch_row(const ht_model *m, uint32_t nid, const otter_instance *inst);
/* Resolves the row's features into m->row_attr / m->row_val (call once per row). */
otter_status otter__ht_lookup_row(ht_model *m, const otter_instance *inst, otter_error *err);
/* Tries to split the leaf at nid in place (nid becomes the split node). 0 on NOMEM. */
int otter__ht_attempt_split(ht_model *m, uint32_t nid);
/* State pieces in the hoeffding payload format: the attribute and value tables, and
 * one leaf slot's statistics (read_leaf fills leaf and dist; leaf->obs must be NULL).
 * The readers are shared by every tree type; `type` is the name of the type whose blob
 * is read ("hoeffding", "hat", "hoeffding-reg"), which OTTER_CORRUPT messages start
 * with ("hat state: bad attribute"). */
void otter__ht_write_names(const ht_model *m, otter__wr *w);
otter_status otter__ht_read_names(ht_model *m, otter__rd *r, const char *type, otter_error *err);
void otter__ht_write_leaf(const ht_model *m, otter__wr *w, uint32_t leaf);
otter_status otter__ht_read_leaf(ht_model *m, otter__rd *r, const char *type, ht_leaf *leaf,
                                 double *dist, otter_error *err);
/* Class probabilities at the leaf nid for a row, without changing the model. */
void otter__ht_leaf_probs(const ht_model *m, uint32_t nid, const otter_instance *inst, double *p);
void otter__ht_fill(const ht_model *m, const double *p, otter_prediction *out);

/* A leaf's prediction for a looked-up row, made before the leaf learns it: majority
 * class probabilities pm, naive Bayes pn (filled as needed), which one the leaf uses,
 * and (when asked for) the predicted label. */
typedef struct ht_leaf_pred {
    double pm[OTTER_MAX_CLASSES], pn[OTTER_MAX_CLASSES];
    int nb;
    size_t label;
} ht_leaf_pred;
/* want: the caller needs pm/pn for the leaf's strategy and the label. */
void otter__ht_leaf_predict(const ht_model *m, uint32_t nid, const otter_instance *inst, int want,
                            ht_leaf_pred *lp);
/* The leaf at nid learns the looked-up row (observers, class weights, NBA counters) and
 * attempts a split after each grace period. */
otter_status otter__ht_leaf_learn(ht_model *m, uint32_t nid, const otter_instance *inst,
                                  const ht_leaf_pred *lp, size_t y, double w, otter_error *err);

/* ---- memory bound (hoeffding_mem.c) ----
 * The ranking shared by the tree types: rank[] lists every live leaf that may gather
 * statistics, with its promise (what splitting it could win; larger is better), its
 * place in the tree type's canonical listing (seq, which breaks ties) and the id the
 * tree type knows it by. otter__ht_mem_enforce sorts it; with rerank (every
 * memory_period rows) it makes the most promising leaves that fit at the active
 * leaves' average observer size active and the rest inactive; then, while the tree is
 * over max_bytes, it deactivates the least promising active leaves until it is at 95%
 * of the bound. */
typedef struct ht_rank {
    double promise;
    uint32_t seq, id;
} ht_rank;

typedef struct ht_mem_tree {
    void *self;
    size_t max_bytes;                  /* > 0 */
    size_t (*bytes)(const void *self); /* what the bound measures, now */
    int (*inactive)(const void *self, uint32_t id);
    size_t (*obs_bytes)(const void *self, uint32_t id); /* what deactivating frees */
    size_t (*full_leaf_bytes)(const void *self);        /* a leaf's observers when none shows it */
    void (*activate)(void *self, uint32_t id);          /* observers start empty */
    void (*deactivate)(void *self, uint32_t id);        /* frees the observers */
} ht_mem_tree;
void otter__ht_mem_enforce(const ht_mem_tree *t, ht_rank *rank, size_t n, int rerank);

/* The classifier's side.
 * After each learned row the tree type calls otter__ht_mem_due with the bytes it holds
 * outside m; when that returns nonzero it lists every live leaf node in its canonical
 * pre-order (otter__ht_rank_push, after otter__ht_rank_reset) and calls
 * otter__ht_mem_apply with the same value. The order only breaks ties, but it must not
 * depend on slot numbering, so that a decoded model manages memory exactly as the
 * original would. */
int otter__ht_mem_due(ht_model *m, size_t other);
void otter__ht_rank_reset(ht_model *m);
int otter__ht_rank_push(ht_model *m, uint32_t nid); /* 0 on NOMEM */
void otter__ht_mem_apply(ht_model *m, size_t other);
/* Stops the leaf's statistics gathering (frees its observers). */
void otter__ht_deactivate(ht_model *m, ht_leaf *leaf);
size_t otter__ht_obs_bytes(const ht_model *m, const ht_leaf *leaf);
/* Recounts n_active over all leaf slots (after decoding, when every slot is live). */
void otter__ht_count_active(ht_model *m);

/* Text dump (hoeffding_dump.c; format in its opening comment): appends the tree rooted
 * at node `root` to out. alt (NULL: none) returns the root of a node's alternate
 * subtree, or HT_NONE, given ud. dump_method is hoeffding's table entry (root 0). */
typedef uint32_t (*ht_alt_fn)(const void *ud, uint32_t nid);
otter_status otter__ht_dump(const ht_model *m, uint32_t root, ht_alt_fn alt, const void *ud,
                            otter_buf *out, otter_error *err);
otter_status otter__ht_dump_method(const void *self, otter_buf *out, otter_error *err);

#endif
