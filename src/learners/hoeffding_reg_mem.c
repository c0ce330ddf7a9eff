/* The Hoeffding tree regressor's memory bound (`max_bytes`, `memory_period`): the same
 * rules as the classifier's (hoeffding_mem.c, whose ranking it uses), with the
 * regressor's leaves.
 *
 * When the model grows past max_bytes, the least promising leaves that gather
 * statistics are deactivated down to 95% of the bound: their observers are freed and
 * they never split. They keep predicting and learning as before otherwise: the target
 * mean, the linear model and the errors that choose between them are a few numbers per
 * leaf (the model grows only with the attribute count), while the observers are `bins`
 * x 32 bytes per numeric attribute. A leaf's promise is its target's M2, the weighted
 * variance times the weight: the squared error that splitting it could still remove.
 * Every memory_period rows all leaves are re-ranked and the most promising ones that
 * fit are (re)activated; a reactivated leaf starts with empty observers, and its
 * Hoeffding bound and attribute coverage count the weight from then on.
 *
 * Leaves listed in node order, which decode keeps, break ties; the learned-row count is
 * in the state; and the size counts capacities that depend only on counts (scratch
 * apart), so a decoded model manages its memory exactly as the original would. */
#include "hoeffding_reg_int.h"

static hr_leaf *leaf_of(const void *self, uint32_t nid)
{
    const hr_model *m = self;
    return &m->leaves[m->nodes[nid].leaf];
}

static size_t leaf_obs_bytes(const hr_leaf *l)
{
    size_t n = l->n_obs * sizeof *l->obs;
    for (uint32_t a = 0; a < l->n_obs; a++) {
        const hr_obs *o = &l->obs[a];
        if (o->s)
            n += o->cap * (sizeof *o->s + (o->x ? sizeof *o->x : 0));
    }
    return n;
}

static size_t mem_bytes(const void *self)
{
    const hr_model *m = self;
    return m->bytes + m->names->bytes;
}

static int mem_inactive(const void *self, uint32_t nid)
{
    return (int)leaf_of(self, nid)->inactive;
}

static size_t mem_obs_bytes(const void *self, uint32_t nid)
{
    return leaf_obs_bytes(leaf_of(self, nid));
}

/* The observers of a leaf that has seen every attribute and value known. */
static size_t full_leaf_bytes(const void *self)
{
    const hr_model *m = self;
    const ht_model *t = m->names;
    size_t n = t->n_attrs * sizeof(hr_obs);
    for (size_t a = 0; a < t->n_attrs; a++)
        n += t->attrs[a].kind == HT_NUM
                 ? m->bins * (sizeof(double) + sizeof(hr_stats))
                 : otter__ht_cap_for(t->attrs[a].n_values) * sizeof(hr_stats);
    return n ? n : 1;
}

static void mem_activate(void *self, uint32_t nid)
{
    hr_model *m = self;
    hr_leaf *l = leaf_of(self, nid);
    l->inactive = 0;
    l->seen = l->seen_at_check = 0; /* a grace period of fresh statistics first */
    m->n_active++;
    m->reactivated++;
}

static void mem_deactivate(void *self, uint32_t nid)
{
    hr_model *m = self;
    hr_leaf *l = leaf_of(self, nid);
    otter__hr_obs_free(m, l);
    l->inactive = 1;
    m->n_active--;
    m->deactivated++;
}

int otter__hr_can_split(const hr_model *m, uint32_t nid)
{
    return !(m->max_depth && m->nodes[nid].depth >= m->max_depth);
}

/* Lists every leaf that may gather statistics, in node order, with its promise. */
static int rank_leaves(hr_model *m)
{
    m->n_rank = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        if (m->nodes[i].attr != HT_NONE || !otter__hr_can_split(m, i))
            continue;
        void *p = m->rank;
        if (!otter__hr_grow_scratch(m, &p, &m->rank_cap, m->n_rank + 1, sizeof *m->rank))
            return 0;
        m->rank = p;
        m->rank[m->n_rank] = (ht_rank){leaf_of(m, i)->y.m2, (uint32_t)m->n_rank, i};
        m->n_rank++;
    }
    return 1;
}

int otter__hr_mem_step(hr_model *m)
{
    m->rows++;
    if (!m->max_bytes)
        return 1;
    int rerank = m->rows % m->memory_period == 0;
    /* with no active leaf left there is nothing to shed until the next re-ranking */
    if (!rerank && !(mem_bytes(m) > m->max_bytes && m->n_active > 0))
        return 1;
    if (!rank_leaves(m))
        return 0;
    ht_mem_tree t = {m,
                     m->max_bytes,
                     mem_bytes,
                     mem_inactive,
                     mem_obs_bytes,
                     full_leaf_bytes,
                     mem_activate,
                     mem_deactivate};
    otter__ht_mem_enforce(&t, m->rank, m->n_rank, rerank);
    return 1;
}

/* Elements a grow to n would add to an array of capacity cap (otter__hr_grow's
 * capacities are otter__ht_cap_for's). */
static size_t more(size_t n, size_t cap)
{
    size_t c = otter__ht_cap_for(n);
    return c > cap ? c - cap : 0;
}

int otter__hr_split_fits(const hr_model *m, uint32_t n_new, uint32_t nb, uint32_t n_w)
{
    if (!m->max_bytes)
        return 1;
    size_t grow = more(m->n_nodes + n_new, m->nodes_cap) * sizeof(hr_node) +
                  more(m->n_leaves + n_new - 1, m->leaves_cap) * sizeof(hr_leaf) +
                  more(m->n_kids + nb, m->kids_cap) * sizeof(uint32_t) +
                  (size_t)(n_new - 1) * n_w * sizeof(double);
    return mem_bytes(m) + grow <= m->max_bytes;
}

void otter__hr_count_active(hr_model *m)
{
    m->n_active = 0;
    for (size_t l = 0; l < m->n_leaves; l++)
        m->n_active += !m->leaves[l].inactive && otter__hr_can_split(m, m->leaves[l].node);
}
