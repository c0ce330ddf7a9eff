/* The memory bound of the Hoeffding trees (`max_bytes`, after MOA's maxByteSize and
 * enforceTrackerLimit): the ranking shared by every tree type (otter__ht_mem_enforce),
 * and the classifier's side of it (hoeffding and hat). hoeffding-reg ranks its own
 * leaves the same way (hoeffding_reg_mem.c), with its own measure of promise.
 *
 * A leaf's attribute observers are most of a tree's memory. When the model (with what
 * the tree type holds outside it, such as HAT's detectors) grows past max_bytes, the
 * least promising active leaves are deactivated: their observers are freed, and from
 * then on they never split (a classifier leaf only counts class weights and predicts
 * the majority class). A classifier leaf's promise is the weight it has misclassified
 * under the majority class (MOA's calculatePromise): what splitting it could still win.
 * Deactivation goes down to 95% of the bound, so that the next few rows do not trigger
 * it again.
 *
 * Every memory_period rows all live leaves are re-ranked: the most promising ones that
 * fit in the bound (at the current average observer size per active leaf) are active,
 * the rest inactive, so a leaf deactivated early can come back once it has become
 * important. A reactivated leaf starts with empty observers and waits a grace period.
 *
 * Ties in promise are broken by the order in which the caller lists the leaves, which
 * is independent of slot numbering; with the learned-row count in the state this makes
 * memory management replay exactly after a save and restore. */
#include <stdlib.h>

#include "hoeffding_int.h"

/* ---- the ranking, for any tree type ---- */

/* Most promising first; equal promise in listing order (a total order, so qsort is
 * deterministic). */
static int by_promise(const void *pa, const void *pb)
{
    const ht_rank *a = pa, *b = pb;
    if (a->promise != b->promise)
        return a->promise > b->promise ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Re-ranking: the first n_fit leaves by promise are active, the others inactive. */
static void rerank(const ht_mem_tree *t, const ht_rank *rank, size_t n)
{
    size_t obs = 0, n_active = 0;
    for (size_t i = 0; i < n; i++) {
        if (!t->inactive(t->self, rank[i].id)) {
            n_active++;
            obs += t->obs_bytes(t->self, rank[i].id);
        }
    }
    size_t per_leaf =
        n_active && obs ? (obs + n_active - 1) / n_active : t->full_leaf_bytes(t->self);
    size_t fixed = t->bytes(t->self) - obs;
    size_t n_fit = fixed < t->max_bytes ? (t->max_bytes - fixed) / per_leaf : 0;
    for (size_t i = 0; i < n; i++) {
        int inactive = t->inactive(t->self, rank[i].id);
        if (i < n_fit && inactive)
            t->activate(t->self, rank[i].id);
        else if (i >= n_fit && !inactive)
            t->deactivate(t->self, rank[i].id);
    }
}

void otter__ht_mem_enforce(const ht_mem_tree *t, ht_rank *rank, size_t n, int rerank_now)
{
    qsort(rank, n, sizeof *rank, by_promise);
    if (rerank_now)
        rerank(t, rank, n);
    if (t->bytes(t->self) <= t->max_bytes)
        return;
    size_t target = t->max_bytes - t->max_bytes / 20;
    for (size_t i = n; i-- > 0 && t->bytes(t->self) > target;)
        if (!t->inactive(t->self, rank[i].id))
            t->deactivate(t->self, rank[i].id);
}

/* ---- the classifier's leaves ---- */

size_t otter__ht_obs_bytes(const ht_model *m, const ht_leaf *leaf)
{
    size_t n = leaf->n_obs * sizeof *leaf->obs;
    for (uint32_t a = 0; a < leaf->n_obs; a++) {
        const ht_obs *o = &leaf->obs[a];
        if (o->d)
            n += (m->attrs[a].kind == HT_NUM ? m->k * HT_NUM_STRIDE : m->k * (1 + (size_t)o->cap)) *
                 sizeof(double);
    }
    return n;
}

void otter__ht_count_active(ht_model *m)
{
    m->n_active = 0;
    for (size_t l = 0; l < m->n_leaves; l++)
        m->n_active += !m->leaves[l].inactive;
}

void otter__ht_deactivate(ht_model *m, ht_leaf *leaf)
{
    otter__ht_obs_free(m, leaf);
    m->n_active -= !leaf->inactive;
    m->deactivated += !leaf->inactive;
    leaf->inactive = 1;
    leaf->mc_correct = leaf->nb_correct = 0;
}

static void activate(ht_model *m, ht_leaf *leaf)
{
    const double *dist = m->ldist + (size_t)(leaf - m->leaves) * m->k;
    double w = 0;
    for (size_t c = 0; c < m->k; c++)
        w += dist[c];
    leaf->inactive = 0;
    m->n_active++;
    m->reactivated++;
    leaf->seen_at_check = w; /* a full grace period of statistics before a split attempt */
}

int otter__ht_mem_due(ht_model *m, size_t other)
{
    m->rows++;
    if (!m->max_bytes)
        return 0;
    /* with no active leaf left there is nothing to shed until the next re-ranking */
    return m->rows % m->memory_period == 0 || (m->bytes + other > m->max_bytes && m->n_active > 0);
}

void otter__ht_rank_reset(ht_model *m)
{
    m->n_rank = 0;
}

int otter__ht_rank_push(ht_model *m, uint32_t nid)
{
    ht_rank *r = otter__ht_grow_scratch(m, m->rank, &m->rank_cap, m->n_rank + 1, sizeof *r);
    if (!r)
        return 0;
    m->rank = r;
    const double *dist = m->ldist + (size_t)m->nodes[nid].leaf * m->k;
    double sum = 0, mx = 0;
    for (size_t c = 0; c < m->k; c++) {
        sum += dist[c];
        mx = dist[c] > mx ? dist[c] : mx;
    }
    r[m->n_rank] = (ht_rank){sum - mx, (uint32_t)m->n_rank, nid};
    m->n_rank++;
    return 1;
}

/* The classifier as otter__ht_mem_enforce sees it: leaves are named by node id. */
typedef struct ht_mem_ctx {
    ht_model *m;
    size_t other; /* bytes the tree type holds outside m */
} ht_mem_ctx;

static ht_leaf *leaf_of(const void *self, uint32_t nid)
{
    const ht_model *m = ((const ht_mem_ctx *)self)->m;
    return &m->leaves[m->nodes[nid].leaf];
}

static size_t mem_bytes(const void *self)
{
    const ht_mem_ctx *c = self;
    return c->m->bytes + c->other;
}

static int mem_inactive(const void *self, uint32_t nid)
{
    return (int)leaf_of(self, nid)->inactive;
}

static size_t mem_obs_bytes(const void *self, uint32_t nid)
{
    return otter__ht_obs_bytes(((const ht_mem_ctx *)self)->m, leaf_of(self, nid));
}

static void mem_activate(void *self, uint32_t nid)
{
    activate(((ht_mem_ctx *)self)->m, leaf_of(self, nid));
}

static void mem_deactivate(void *self, uint32_t nid)
{
    otter__ht_deactivate(((ht_mem_ctx *)self)->m, leaf_of(self, nid));
}

/* The observers of a leaf that has seen every attribute and value known: what a
 * reactivated leaf may grow to when no active leaf shows the typical size. */
static size_t full_leaf_bytes(const void *self)
{
    const ht_model *m = ((const ht_mem_ctx *)self)->m;
    size_t n = m->n_attrs * sizeof(ht_obs);
    for (size_t a = 0; a < m->n_attrs; a++) {
        size_t rows = 2;
        while (rows < m->attrs[a].n_values)
            rows *= 2;
        n += (m->attrs[a].kind == HT_NUM ? m->k * HT_NUM_STRIDE : m->k * (1 + rows)) *
             sizeof(double);
    }
    return n ? n : 1;
}

void otter__ht_mem_apply(ht_model *m, size_t other)
{
    ht_mem_ctx c = {m, other};
    ht_mem_tree t = {&c,           m->max_bytes,  mem_bytes,
                     mem_inactive, mem_obs_bytes, full_leaf_bytes,
                     mem_activate, mem_deactivate};
    otter__ht_mem_enforce(&t, m->rank, m->n_rank, m->rows % m->memory_period == 0);
}
