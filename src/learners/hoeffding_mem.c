/* The memory bound of the Hoeffding trees (`max_bytes`, after MOA's maxByteSize and
 * enforceTrackerLimit).
 *
 * A leaf's attribute observers are most of a tree's memory. When the model (with what
 * the tree type holds outside it, such as HAT's detectors) grows past max_bytes, the
 * least promising active leaves are deactivated: their observers are freed, and from
 * then on they only count class weights, predict the majority class and never split.
 * Promise is the weight a leaf has misclassified under the majority class (MOA's
 * calculatePromise): what splitting it could still win. Deactivation goes down to 95%
 * of the bound, so that the next few rows do not trigger it again.
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

typedef struct ht_rank {
    double promise;
    uint32_t seq, nid;
} ht_rank;

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

/* Most promising first; equal promise in listing order (a total order, so qsort is
 * deterministic). */
static int by_promise(const void *pa, const void *pb)
{
    const ht_rank *a = pa, *b = pb;
    if (a->promise != b->promise)
        return a->promise > b->promise ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The observers of a leaf that has seen every attribute and value known: what a
 * reactivated leaf may grow to when no active leaf shows the typical size. */
static size_t full_leaf_bytes(const ht_model *m)
{
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

/* Re-ranking: the first n_fit leaves by promise are active, the others inactive. */
static void rerank(ht_model *m, size_t other)
{
    size_t obs = 0, n_active = 0;
    for (size_t i = 0; i < m->n_rank; i++) {
        const ht_leaf *leaf = &m->leaves[m->nodes[m->rank[i].nid].leaf];
        if (!leaf->inactive) {
            n_active++;
            obs += otter__ht_obs_bytes(m, leaf);
        }
    }
    size_t per_leaf = n_active && obs ? (obs + n_active - 1) / n_active : full_leaf_bytes(m);
    size_t fixed = m->bytes + other - obs;
    size_t n_fit = fixed < m->max_bytes ? (m->max_bytes - fixed) / per_leaf : 0;
    for (size_t i = 0; i < m->n_rank; i++) {
        ht_leaf *leaf = &m->leaves[m->nodes[m->rank[i].nid].leaf];
        if (i < n_fit && leaf->inactive)
            activate(m, leaf);
        else if (i >= n_fit && !leaf->inactive)
            otter__ht_deactivate(m, leaf);
    }
}

void otter__ht_mem_apply(ht_model *m, size_t other)
{
    qsort(m->rank, m->n_rank, sizeof *m->rank, by_promise);
    if (m->rows % m->memory_period == 0)
        rerank(m, other);
    if (m->bytes + other <= m->max_bytes)
        return;
    size_t target = m->max_bytes - m->max_bytes / 20;
    for (size_t i = m->n_rank; i-- > 0 && m->bytes + other > target;) {
        ht_leaf *leaf = &m->leaves[m->nodes[m->rank[i].nid].leaf];
        if (!leaf->inactive)
            otter__ht_deactivate(m, leaf);
    }
}
