/* `hat`: the Hoeffding Adaptive Tree (Bifet and Gavalda, "Adaptive Learning from
 * Evolving Data Streams", IDA 2009), following MOA's HoeffdingAdaptiveTree without its
 * (optional) bootstrap weighting, so learning is deterministic.
 *
 * The tree is a VFDT (hoeffding.c supplies the nodes, leaves, observers, split
 * evaluation and leaf prediction) in which every split node, and the root of every
 * alternate, keeps an ADWIN over the 0/1 error of the prediction made for each row that
 * passes through it (the prediction of the leaf the row reaches below that node, before
 * anything learns the row). MOA also updates one at every leaf, but a leaf's is never
 * read, and it is replaced by a fresh one when the leaf splits.
 *  - When a split node's ADWIN reports a change and its error went up, the node starts
 *    an alternate subtree: a fresh leaf at the node's depth that learns every row
 *    reaching the node from then on (a later change replaces it by a new one).
 *  - Once both the node and its alternate have ADWIN windows longer than 300 rows, their
 *    error estimates e_old and e_alt are compared with
 *      bound = sqrt(2 e_old (1 - e_old) ln(2 / 0.05) (1/w_old + 1/w_alt)):
 *    e_old - e_alt > bound swaps the alternate in (the old subtree is freed);
 *    e_alt - e_old > bound drops the alternate.
 *  - Alternates are trees of the same kind: their own nodes watch their own error and
 *    may grow alternates too. A leaf that splits becomes a split node with a fresh ADWIN.
 * Prediction uses the main tree only. A discarded subtree's observers and detectors are
 * freed at once, and after any row that discarded one the node and leaf arrays are
 * compacted into the order the decoder builds (node, its children, its alternate), so
 * the model's size is a function of its state alone and max_bytes (hoeffding_mem.c)
 * acts exactly the same after a save and restore.
 *
 * Payload (state version 2): the hoeffding name tables; u64 alternates created,
 * switches, prunes, drifts, rows learned, leaves deactivated and reactivated; then the tree in
 * pre-order from the root. Each node: u32 attribute (HT_NONE for a leaf) followed by the hoeffding
 * leaf-slot record, or f64 threshold, u32 major branch, u32 children and the children; then u8
 * has-ADWIN (+ the ADWIN state) and u8 has-alternate (+ the alternate subtree). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adwin_int.h"
#include "core/codec_int.h"
#include "hoeffding_int.h"
#include "learners_int.h"

#define HAT_DRIFT_DELTA OTTER__ADWIN_DEFAULT_DELTA /* as MOA */
#define HAT_SWITCH_DELTA 0.05                      /* MOA's fDelta */
#define HAT_MIN_WIDTH 300                          /* MOA: both windows longer than this */
#define HAT_MAX_NEST 4096                          /* decoder recursion limit */

typedef struct hat_node {
    otter__adwin *ad; /* error of the rows through the node; NULL until the first row */
    uint32_t alt;     /* root of the alternate subtree, HT_NONE when none */
} hat_node;

typedef struct hat_model {
    ht_model *t;
    hat_node *hn; /* indexed like t->nodes */
    size_t hn_cap;
    uint32_t root;
    uint64_t alts_created, switches, prunes, drifts;
    size_t bytes; /* hn and the detectors */
    size_t dead;  /* node slots of discarded subtrees, until the next compaction */
} hat_model;

/* Where a subtree hangs: the root, a child slot of a split node, or an alternate. */
enum { SLOT_ROOT, SLOT_KID, SLOT_ALT };
typedef struct hat_slot {
    int kind;
    uint32_t id, branch;
} hat_slot;

static void hat_free(hat_model *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->hn_cap; i++)
        otter__adwin_destroy(h->hn[i].ad);
    free(h->hn);
    otter__ht_free(h->t);
    free(h);
}

/* Gives every node slot of t an entry in hn (new ones empty), at the same capacity as
 * t's node array, which is what the tree's split admission (node_ext) counts on. 0 on
 * NOMEM. */
static int sync_nodes(hat_model *h)
{
    size_t old = h->hn_cap;
    if (h->t->nodes_cap > old) {
        size_t cap = h->t->nodes_cap;
        hat_node *p = realloc(h->hn, cap * sizeof *p);
        if (!p)
            return 0;
        for (size_t i = old; i < cap; i++)
            p[i] = (hat_node){NULL, HT_NONE};
        h->hn = p;
        h->hn_cap = cap;
        h->bytes += (cap - old) * sizeof *p;
    }
    return 1;
}

static void drop_adwin(hat_model *h, uint32_t nid)
{
    if (!h->hn[nid].ad)
        return;
    h->bytes -= otter__adwin_bytes(h->hn[nid].ad);
    otter__adwin_destroy(h->hn[nid].ad);
    h->hn[nid].ad = NULL;
}

/* Frees what the subtree at nid holds (observers, detectors, alternates). */
static void kill_tree(hat_model *h, uint32_t nid)
{
    ht_model *t = h->t;
    if (h->hn[nid].alt != HT_NONE)
        kill_tree(h, h->hn[nid].alt);
    h->hn[nid].alt = HT_NONE;
    drop_adwin(h, nid);
    h->dead++;
    ht_node *n = &t->nodes[nid];
    if (n->attr == HT_NONE) {
        otter__ht_obs_free(t, &t->leaves[n->leaf]);
        t->n_active -= !t->leaves[n->leaf].inactive;
        return;
    }
    for (uint32_t b = 0; b < n->n_kids; b++)
        kill_tree(h, t->kids[t->nodes[nid].kids + b]);
}

static void set_slot(hat_model *h, hat_slot s, uint32_t nid)
{
    if (s.kind == SLOT_ROOT)
        h->root = nid;
    else if (s.kind == SLOT_KID)
        h->t->kids[h->t->nodes[s.id].kids + s.branch] = nid;
    else
        h->hn[s.id].alt = nid;
}

static otter_status nomem(otter_error *err)
{
    return otter_error_set(err, OTTER_NOMEM, "out of memory growing a Hoeffding adaptive tree");
}

/* Adds the row's 0/1 error to the node's detector; 1 when it reports an increase. */
static int observe(hat_model *h, uint32_t nid, double bit, otter_status *st, otter_error *err)
{
    hat_node *hn = &h->hn[nid];
    if (!hn->ad) {
        if ((*st = otter__adwin_create(HAT_DRIFT_DELTA, &hn->ad, err)) != OTTER_OK)
            return 0;
        h->bytes += otter__adwin_bytes(hn->ad);
    }
    double old = otter__adwin_mean(hn->ad);
    size_t b0 = otter__adwin_bytes(hn->ad);
    int change = otter__adwin_add(hn->ad, bit);
    h->bytes += otter__adwin_bytes(hn->ad) - b0;
    if (change && old > otter__adwin_mean(hn->ad))
        change = 0; /* the error went down: nothing to adapt to */
    h->drifts += (uint64_t)change;
    return change;
}

/* Compares the split node nid with its alternate: 1 to switch, -1 to drop it, 0. */
static int compare_alt(const hat_model *h, uint32_t nid)
{
    const otter__adwin *a = h->hn[nid].ad, *b = h->hn[h->hn[nid].alt].ad;
    if (!a || !b || otter__adwin_width(a) <= HAT_MIN_WIDTH ||
        otter__adwin_width(b) <= HAT_MIN_WIDTH)
        return 0;
    double e_old = otter__adwin_mean(a), e_alt = otter__adwin_mean(b);
    double fn = 1.0 / (double)otter__adwin_width(b) + 1.0 / (double)otter__adwin_width(a);
    double bound = sqrt(2.0 * e_old * (1.0 - e_old) * log(2.0 / HAT_SWITCH_DELTA) * fn);
    if (bound < e_old - e_alt)
        return 1;
    if (bound < e_alt - e_old)
        return -1;
    return 0;
}

static otter_status start_alt(hat_model *h, uint32_t nid, otter_error *err)
{
    if (h->hn[nid].alt != HT_NONE)
        kill_tree(h, h->hn[nid].alt);
    h->hn[nid].alt = HT_NONE;
    if (!otter__ht_reserve(h->t, 1, 1))
        return nomem(err);
    uint32_t a = otter__ht_add_leaf(h->t, h->t->nodes[nid].depth, NULL);
    if (!sync_nodes(h))
        return nomem(err);
    h->hn[nid].alt = a;
    h->alts_created++;
    return OTTER_OK;
}

typedef struct hat_row {
    const otter_instance *inst;
    size_t y;
    double w;
} hat_row;

/* The subtree at nid (hanging at slot) learns the looked-up row; out (may be NULL)
 * receives the subtree's prediction made before learning. */
static otter_status learn_tree(hat_model *h, hat_slot slot, uint32_t nid, const hat_row *row,
                               otter_prediction *out, otter_error *err)
{
    ht_model *t = h->t;
    uint32_t leaf = nid;
    for (;;) { /* the detectors on the path are touched below: fetch them on the way down */
#if defined(__GNUC__)
        __builtin_prefetch(h->hn[leaf].ad);
#endif
        if (t->nodes[leaf].attr == HT_NONE)
            break;
        leaf = otter__ht_branch_row(t, leaf, row->inst);
    }
    ht_leaf_pred lp;
    otter__ht_leaf_predict(t, leaf, row->inst, 1, &lp);
    if (out)
        otter__ht_fill(t, lp.nb ? lp.pn : lp.pm, out);
    double bit = lp.label == row->y ? 0.0 : 1.0;
    otter_status st = OTTER_OK;
    for (uint32_t cur = nid;;) {
        /* Detectors live where they are read: split nodes and alternate roots (a leaf's
         * detector would be dropped unread when it splits). */
        int change = 0;
        if (t->nodes[cur].attr != HT_NONE || (cur == nid && slot.kind == SLOT_ALT)) {
            change = observe(h, cur, bit, &st, err);
            if (st != OTTER_OK)
                return st;
        }
        if (t->nodes[cur].attr == HT_NONE) {
            t->other_bytes = h->bytes; /* for the split admission under max_bytes */
            if ((st = otter__ht_leaf_learn(t, cur, row->inst, &lp, row->y, row->w, err)) !=
                OTTER_OK)
                return st;
            if (!sync_nodes(h))
                return nomem(err);
            if (t->nodes[cur].attr != HT_NONE)
                drop_adwin(h, cur); /* a new split node starts a fresh detector (MOA) */
            return OTTER_OK;
        }
        if (change) {
            if ((st = start_alt(h, cur, err)) != OTTER_OK)
                return st;
        } else if (h->hn[cur].alt != HT_NONE) {
            int cmp = compare_alt(h, cur);
            if (cmp > 0) {
                uint32_t a = h->hn[cur].alt;
                h->hn[cur].alt = HT_NONE;
                kill_tree(h, cur);
                set_slot(h, slot, a);
                if (t->nodes[a].attr == HT_NONE)
                    drop_adwin(h, a); /* now a main-tree leaf: never read again */
                h->switches++;
                return learn_tree(h, slot, a, row, NULL, err);
            }
            if (cmp < 0) {
                kill_tree(h, h->hn[cur].alt);
                h->hn[cur].alt = HT_NONE;
                h->prunes++;
            }
        }
        if (h->hn[cur].alt != HT_NONE &&
            (st = learn_tree(h, (hat_slot){SLOT_ALT, cur, 0}, h->hn[cur].alt, row, NULL, err)) !=
                OTTER_OK)
            return st;
        uint32_t next = otter__ht_branch_row(t, cur, row->inst);
        const ht_node *n = &t->nodes[cur];
        uint32_t b = 0;
        while (t->kids[n->kids + b] != next)
            b++;
        slot = (hat_slot){SLOT_KID, cur, b};
        cur = next;
    }
}

/* ---- compaction and the memory bound ---- */

typedef struct hat_arrays {
    ht_node *nodes;
    ht_leaf *leaves;
    double *ldist;
    uint32_t *kids;
    hat_node *hn;
    size_t n_nodes, n_leaves, n_kids;
    size_t nodes_cap, leaves_cap, kids_cap, hn_cap;
} hat_arrays;

static void count_live(const hat_model *h, uint32_t nid, hat_arrays *c)
{
    const ht_node *n = &h->t->nodes[nid];
    c->n_nodes++;
    c->n_leaves += n->attr == HT_NONE;
    c->n_kids += n->attr == HT_NONE ? 0 : n->n_kids;
    for (uint32_t b = 0; n->attr != HT_NONE && b < n->n_kids; b++)
        count_live(h, h->t->kids[n->kids + b], c);
    if (h->hn[nid].alt != HT_NONE)
        count_live(h, h->hn[nid].alt, c);
}

/* Copies the subtree at nid into c in decoder order; returns its new id. */
static uint32_t copy_tree(const hat_model *h, hat_arrays *c, uint32_t nid)
{
    const ht_model *t = h->t;
    const ht_node *n = &t->nodes[nid];
    uint32_t id = (uint32_t)c->n_nodes++;
    c->nodes[id] = *n;
    c->hn[id] = h->hn[nid];
    if (n->attr == HT_NONE) {
        uint32_t lid = (uint32_t)c->n_leaves++;
        c->leaves[lid] = t->leaves[n->leaf];
        c->leaves[lid].node = id;
        memcpy(c->ldist + (size_t)lid * t->k, t->ldist + (size_t)n->leaf * t->k,
               t->k * sizeof *c->ldist);
        c->nodes[id].leaf = lid;
    } else {
        uint32_t off = (uint32_t)c->n_kids;
        c->n_kids += n->n_kids;
        c->nodes[id].kids = off;
        for (uint32_t b = 0; b < n->n_kids; b++)
            c->kids[off + b] = copy_tree(h, c, t->kids[n->kids + b]);
    }
    if (h->hn[nid].alt != HT_NONE)
        c->hn[id].alt = copy_tree(h, c, h->hn[nid].alt);
    return id;
}

/* Drops the slots of discarded subtrees. On NOMEM the model stays as it was. */
static otter_status compact(hat_model *h, otter_error *err)
{
    ht_model *t = h->t;
    hat_arrays c = {0};
    count_live(h, h->root, &c);
    c.nodes_cap = otter__ht_cap_for(c.n_nodes);
    c.leaves_cap = otter__ht_cap_for(c.n_leaves);
    c.kids_cap = otter__ht_cap_for(c.n_kids);
    c.hn_cap = c.nodes_cap;
    c.nodes = malloc(c.nodes_cap * sizeof *c.nodes);
    c.leaves = malloc(c.leaves_cap * sizeof *c.leaves);
    c.ldist = malloc(c.leaves_cap * t->k * sizeof *c.ldist);
    c.kids = c.kids_cap ? malloc(c.kids_cap * sizeof *c.kids) : NULL;
    c.hn = malloc(c.hn_cap * sizeof *c.hn);
    if (!c.nodes || !c.leaves || !c.ldist || (c.kids_cap && !c.kids) || !c.hn) {
        free(c.nodes);
        free(c.leaves);
        free(c.ldist);
        free(c.kids);
        free(c.hn);
        return nomem(err);
    }
    for (size_t i = 0; i < c.hn_cap; i++)
        c.hn[i] = (hat_node){NULL, HT_NONE};
    c.n_nodes = c.n_leaves = c.n_kids = 0;
    h->root = copy_tree(h, &c, h->root);
    t->bytes -= t->nodes_cap * sizeof *t->nodes + t->leaves_cap * sizeof *t->leaves +
                t->leaves_cap * t->k * sizeof *t->ldist + t->kids_cap * sizeof *t->kids;
    t->bytes += c.nodes_cap * sizeof *c.nodes + c.leaves_cap * sizeof *c.leaves +
                c.leaves_cap * t->k * sizeof *c.ldist + c.kids_cap * sizeof *c.kids;
    h->bytes -= h->hn_cap * sizeof *h->hn;
    h->bytes += c.hn_cap * sizeof *c.hn;
    free(t->nodes);
    free(t->leaves);
    free(t->ldist);
    free(t->kids);
    free(h->hn);
    t->nodes = c.nodes;
    t->leaves = c.leaves;
    t->ldist = c.ldist;
    t->kids = c.kids;
    h->hn = c.hn;
    t->n_nodes = c.n_nodes;
    t->n_leaves = c.n_leaves;
    t->n_kids = c.n_kids;
    t->nodes_cap = c.nodes_cap;
    t->leaves_cap = c.leaves_cap;
    t->kids_cap = c.kids_cap;
    h->hn_cap = c.hn_cap;
    h->dead = 0;
    return OTTER_OK;
}

/* Discards every alternate under nid (speculative subtrees are what memory pressure
 * gives up after the leaves' statistics). */
static void drop_alts_under(hat_model *h, uint32_t nid)
{
    const ht_node *n = &h->t->nodes[nid];
    if (h->hn[nid].alt != HT_NONE) {
        kill_tree(h, h->hn[nid].alt);
        h->hn[nid].alt = HT_NONE;
        h->prunes++;
    }
    for (uint32_t b = 0; n->attr != HT_NONE && b < n->n_kids; b++)
        drop_alts_under(h, h->t->kids[n->kids + b]);
}

/* The split node under nid (main tree) with the largest detector, or HT_NONE. */
static uint32_t largest_detector(const hat_model *h, uint32_t nid, uint32_t best)
{
    const ht_node *n = &h->t->nodes[nid];
    if (n->attr == HT_NONE)
        return best;
    if (h->hn[nid].ad &&
        (best == HT_NONE || otter__adwin_bytes(h->hn[nid].ad) > otter__adwin_bytes(h->hn[best].ad)))
        best = nid;
    for (uint32_t b = 0; b < n->n_kids; b++)
        best = largest_detector(h, h->t->kids[n->kids + b], best);
    return best;
}

/* When deactivating every leaf was not enough: alternates go first, then the longest
 * detector histories are restarted (their windows regrow from the next row). */
static otter_status shed_more(hat_model *h, otter_error *err)
{
    drop_alts_under(h, h->root);
    if (h->dead) {
        otter_status st = compact(h, err);
        if (st != OTTER_OK)
            return st;
    }
    size_t target = h->t->max_bytes - h->t->max_bytes / 20;
    while (h->bytes + h->t->bytes > target) {
        uint32_t nid = largest_detector(h, h->root, HT_NONE);
        if (nid == HT_NONE)
            break;
        drop_adwin(h, nid);
    }
    return OTTER_OK;
}

/* Lists the live leaves for the memory bound, in decoder order. */
static int rank_tree(hat_model *h, uint32_t nid)
{
    const ht_node *n = &h->t->nodes[nid];
    if (n->attr == HT_NONE && !otter__ht_rank_push(h->t, nid))
        return 0;
    for (uint32_t b = 0; n->attr != HT_NONE && b < n->n_kids; b++)
        if (!rank_tree(h, h->t->kids[n->kids + b]))
            return 0;
    return h->hn[nid].alt == HT_NONE || rank_tree(h, h->hn[nid].alt);
}

static otter_status hat_update(hat_model *h, const otter_instance *inst, double label, double w,
                               otter_prediction *out, otter_error *err)
{
    otter_status st = otter__ht_lookup_row(h->t, inst, err);
    if (st != OTTER_OK)
        return st;
    hat_row row = {inst, label > 0.5 ? (size_t)label : 0, w};
    if ((st = learn_tree(h, (hat_slot){SLOT_ROOT, 0, 0}, h->root, &row, out, err)) != OTTER_OK)
        return st;
    if (h->dead && (st = compact(h, err)) != OTTER_OK)
        return st;
    if (otter__ht_mem_due(h->t, h->bytes)) {
        otter__ht_rank_reset(h->t);
        if (!rank_tree(h, h->root))
            return nomem(err);
        otter__ht_mem_apply(h->t, h->bytes);
    }
    if (h->t->max_bytes && h->t->n_active == 0 && h->bytes + h->t->bytes > h->t->max_bytes)
        return shed_more(h, err);
    return OTTER_OK;
}

static otter_status hat_learn(void *self, const otter_instance *inst, double label, double weight,
                              otter_error *err)
{
    return hat_update(self, inst, label, weight, NULL, err);
}

static otter_status hat_predict_learn(void *self, const otter_instance *inst, double label,
                                      double weight, otter_prediction *out, otter_error *err)
{
    return hat_update(self, inst, label, weight, out, err);
}

static otter_status hat_predict(const void *self, const otter_instance *inst, otter_prediction *out,
                                otter_error *err)
{
    (void)err;
    const hat_model *h = self;
    uint32_t nid = h->root;
    while (h->t->nodes[nid].attr != HT_NONE)
        nid = otter__ht_branch(h->t, nid, inst);
    double p[OTTER_MAX_CLASSES];
    otter__ht_leaf_probs(h->t, nid, inst, p);
    otter__ht_fill(h->t, p, out);
    return OTTER_OK;
}

/* ---- creation ---- */

static otter_status hat_make(const otter_param_value *v, hat_model **out, otter_error *err)
{
    hat_model *h = calloc(1, sizeof *h);
    if (!h)
        return nomem(err);
    h->bytes = sizeof *h;
    otter_status st = otter__ht_make(v, &h->t, err);
    if (st != OTTER_OK) {
        free(h);
        return st;
    }
    h->t->node_ext = sizeof *h->hn;
    *out = h;
    return OTTER_OK;
}

static otter_status hat_create(const otter_param_value *v, void **self, otter_error *err)
{
    hat_model *h = NULL;
    otter_status st = hat_make(v, &h, err);
    if (st != OTTER_OK)
        return st;
    if (!otter__ht_reserve(h->t, 1, 1)) {
        hat_free(h);
        return nomem(err);
    }
    h->root = otter__ht_add_leaf(h->t, 0, NULL);
    if (!sync_nodes(h)) {
        hat_free(h);
        return nomem(err);
    }
    *self = h;
    return OTTER_OK;
}

/* ---- state ---- */

static void write_tree(const hat_model *h, otter__wr *w, uint32_t nid)
{
    const ht_model *t = h->t;
    const ht_node *n = &t->nodes[nid];
    otter__wr_u32(w, n->attr);
    if (n->attr == HT_NONE) {
        otter__ht_write_leaf(t, w, n->leaf);
    } else {
        otter__wr_f64(w, n->threshold);
        otter__wr_u32(w, n->major);
        otter__wr_u32(w, n->n_kids);
        for (uint32_t b = 0; b < n->n_kids; b++)
            write_tree(h, w, t->kids[n->kids + b]);
    }
    otter__wr_u8(w, h->hn[nid].ad != NULL);
    if (h->hn[nid].ad)
        otter__adwin_encode(h->hn[nid].ad, w);
    otter__wr_u8(w, h->hn[nid].alt != HT_NONE);
    if (h->hn[nid].alt != HT_NONE)
        write_tree(h, w, h->hn[nid].alt);
}

static otter_status hat_encode(const void *self, otter_buf *out, otter_error *err)
{
    const hat_model *h = self;
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__ht_write_names(h->t, &w);
    otter__wr_u64(&w, h->alts_created);
    otter__wr_u64(&w, h->switches);
    otter__wr_u64(&w, h->prunes);
    otter__wr_u64(&w, h->drifts);
    otter__wr_u64(&w, h->t->rows);
    otter__wr_u64(&w, h->t->deactivated);
    otter__wr_u64(&w, h->t->reactivated);
    write_tree(h, &w, h->root);
    return w.st;
}

static otter_status corrupt(otter_error *err, const char *what)
{
    return otter_error_set(err, OTTER_CORRUPT, "hat state: %s", what);
}

static otter_status read_split(hat_model *h, otter__rd *r, uint32_t attr, uint32_t depth,
                               uint32_t nest, uint32_t *out, otter_error *err);

/* Reads one node (and everything under it) at depth; *out is its node id. */
static otter_status read_tree(hat_model *h, otter__rd *r, uint32_t depth, uint32_t nest,
                              uint32_t *out, otter_error *err)
{
    ht_model *t = h->t;
    if (nest > HAT_MAX_NEST)
        return corrupt(err, "tree too deep");
    uint32_t attr = otter__rd_u32(r), nid = 0;
    if (!otter__rd_ok(r))
        return corrupt(err, "truncated node");
    otter_status st;
    if (attr == HT_NONE) {
        if (!otter__ht_reserve(t, 1, 1))
            return nomem(err);
        nid = otter__ht_add_leaf(t, depth, NULL);
        uint32_t lid = t->nodes[nid].leaf;
        if (!sync_nodes(h))
            return nomem(err);
        st = otter__ht_read_leaf(t, r, "hat", &t->leaves[lid], t->ldist + (size_t)lid * t->k, err);
    } else {
        st = read_split(h, r, attr, depth, nest, &nid, err);
    }
    if (st != OTTER_OK)
        return st;
    uint8_t has_ad = otter__rd_u8(r);
    if (!otter__rd_ok(r) || has_ad > 1)
        return corrupt(err, "bad detector flag");
    if (has_ad) {
        if ((st = otter__adwin_decode(r, &h->hn[nid].ad, err)) != OTTER_OK)
            return st;
        h->bytes += otter__adwin_bytes(h->hn[nid].ad);
    }
    uint8_t has_alt = otter__rd_u8(r);
    if (!otter__rd_ok(r) || has_alt > 1)
        return corrupt(err, "bad alternate flag");
    if (has_alt) {
        uint32_t a;
        if ((st = read_tree(h, r, depth, nest + 1, &a, err)) != OTTER_OK)
            return st;
        h->hn[nid].alt = a;
    }
    *out = nid;
    return OTTER_OK;
}

static otter_status read_split(hat_model *h, otter__rd *r, uint32_t attr, uint32_t depth,
                               uint32_t nest, uint32_t *out, otter_error *err)
{
    ht_model *t = h->t;
    double thr = otter__rd_f64(r);
    uint32_t major = otter__rd_u32(r), nk = otter__rd_u32(r);
    if (!otter__rd_ok(r) || attr >= t->n_attrs || !isfinite(thr) || nk < 2 || major >= nk ||
        (t->attrs[attr].kind == HT_NUM ? nk != 2 : nk > t->attrs[attr].n_values) ||
        nk > (r->len - r->pos) / 4)
        return corrupt(err, "bad split node");
    uint32_t *kids = otter__ht_grow(t, t->kids, &t->kids_cap, t->n_kids + nk, sizeof *kids);
    if (!kids || !otter__ht_reserve(t, 1, 1))
        return nomem(err);
    t->kids = kids;
    uint32_t nid = (uint32_t)t->n_nodes++, off = (uint32_t)t->n_kids;
    t->n_kids += nk;
    t->nodes[nid] = (ht_node){attr, HT_NONE, off, nk, major, depth, thr};
    if (!sync_nodes(h))
        return nomem(err);
    for (uint32_t b = 0; b < nk; b++)
        t->kids[off + b] =
            nid; /* provisional until the child is read, so kill_tree can free a partial tree */
    for (uint32_t b = 0; b < nk; b++) {
        uint32_t c;
        otter_status st = read_tree(h, r, depth + 1, nest + 1, &c, err);
        if (st != OTTER_OK)
            return st;
        t->kids[off + b] = c;
    }
    *out = nid;
    return OTTER_OK;
}

static otter_status hat_decode(const otter_param_value *v, uint16_t version, const uint8_t *p,
                               size_t len, void **self, otter_error *err)
{
    if (version < 2)
        return otter_error_set(err, OTTER_VERSION,
                               "hat state version %u predates the memory bound and is not "
                               "supported",
                               (unsigned)version);
    hat_model *h = NULL;
    otter_status st = hat_make(v, &h, err);
    if (st != OTTER_OK)
        return st;
    otter__rd r;
    otter__rd_init(&r, p, len);
    if ((st = otter__ht_read_names(h->t, &r, "hat", err)) != OTTER_OK)
        goto fail;
    h->alts_created = otter__rd_u64(&r);
    h->switches = otter__rd_u64(&r);
    h->prunes = otter__rd_u64(&r);
    h->drifts = otter__rd_u64(&r);
    h->t->rows = otter__rd_u64(&r);
    h->t->deactivated = otter__rd_u64(&r);
    h->t->reactivated = otter__rd_u64(&r);
    if (!otter__rd_ok(&r)) {
        st = corrupt(err, "truncated counters");
        goto fail;
    }
    if ((st = read_tree(h, &r, 0, 0, &h->root, err)) != OTTER_OK)
        goto fail;
    if (!otter__rd_done(&r)) {
        st = corrupt(err, "truncated or extra bytes");
        goto fail;
    }
    otter__ht_count_active(h->t);
    *self = h;
    return OTTER_OK;
fail:
    hat_free(h);
    return st;
}

/* ---- describe and the type table ---- */

typedef struct hat_count {
    size_t nodes, leaves, inactive, alts, alt_nodes;
    uint32_t depth;
} hat_count;

/* Counts the subtree at nid; alternates (and what is under them) count as alt_nodes. */
static void count_tree(const hat_model *h, uint32_t nid, uint32_t depth, int in_alt, hat_count *c)
{
    const ht_node *n = &h->t->nodes[nid];
    if (in_alt) {
        c->alt_nodes++;
    } else {
        c->nodes++;
        c->leaves += n->attr == HT_NONE;
        c->inactive += n->attr == HT_NONE && h->t->leaves[n->leaf].inactive;
        c->depth = depth > c->depth ? depth : c->depth;
    }
    if (h->hn[nid].alt != HT_NONE) {
        c->alts++;
        count_tree(h, h->hn[nid].alt, depth, 1, c);
    }
    for (uint32_t b = 0; n->attr != HT_NONE && b < n->n_kids; b++)
        count_tree(h, h->t->kids[n->kids + b], depth + 1, in_alt, c);
}

static void hat_describe(const void *self, const otter_kv_sink *sink)
{
    const hat_model *h = self;
    if (!sink->num)
        return;
    hat_count c = {0, 0, 0, 0, 0, 0};
    count_tree(h, h->root, 0, 0, &c);
    sink->num(sink->ud, "nodes", (double)c.nodes);
    sink->num(sink->ud, "leaves", (double)c.leaves);
    sink->num(sink->ud, "depth", (double)c.depth);
    sink->num(sink->ud, "attributes", (double)h->t->n_attrs);
    sink->num(sink->ud, "active_leaves", (double)(c.leaves - c.inactive));
    sink->num(sink->ud, "inactive_leaves", (double)c.inactive);
    sink->num(sink->ud, "leaves_deactivated", (double)h->t->deactivated);
    sink->num(sink->ud, "leaves_reactivated", (double)h->t->reactivated);
    sink->num(sink->ud, "scratch_bytes", (double)h->t->scratch_bytes);
    sink->num(sink->ud, "alternate_trees", (double)c.alts);
    sink->num(sink->ud, "alternate_nodes", (double)c.alt_nodes);
    sink->num(sink->ud, "alternates_started", (double)h->alts_created);
    sink->num(sink->ud, "switches", (double)h->switches);
    sink->num(sink->ud, "alternates_pruned", (double)h->prunes);
    sink->num(sink->ud, "drifts", (double)h->drifts);
}

static size_t hat_bytes(const void *self)
{
    const hat_model *h = self;
    return h->bytes + h->t->bytes;
}

static otter_task hat_task(const void *self)
{
    return ((const hat_model *)self)->t->k > 2 ? OTTER_TASK_MULTICLASS : OTTER_TASK_BINARY;
}

static size_t hat_n_classes(const void *self)
{
    return ((const hat_model *)self)->t->k;
}

static void hat_destroy(void *self)
{
    hat_free(self);
}

/* The text dump walks the main tree and, through this, each node's alternate. */
static uint32_t hat_alt(const void *ud, uint32_t nid)
{
    return ((const hat_model *)ud)->hn[nid].alt;
}

static otter_status hat_dump(const void *self, otter_buf *out, otter_error *err)
{
    const hat_model *h = self;
    return otter__ht_dump(h->t, h->root, hat_alt, h, out, err);
}

const otter_learner_type otter__learner_hat = {
    .abi = OTTER_LEARNER_ABI,
    .name = "hat",
    .summary = "Hoeffding adaptive tree: a Hoeffding tree whose nodes watch their error "
               "with ADWIN and grow alternate subtrees to replace drifted ones",
    .state_version = 2,
    .params = otter__ht_params,
    .n_params = HT_N_PARAMS,
    .check = NULL,
    .create = hat_create,
    .task = hat_task,
    .n_classes = hat_n_classes,
    .predict = hat_predict,
    .learn = hat_learn,
    .encode = hat_encode,
    .decode = hat_decode,
    .describe = hat_describe,
    .bytes = hat_bytes,
    .destroy = hat_destroy,
    .predict_learn = hat_predict_learn,
    .dump = hat_dump,
};
