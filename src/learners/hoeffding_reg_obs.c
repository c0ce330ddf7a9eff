/* Hoeffding tree regressor: the per-leaf attribute observers, the split search, and
 * turning a leaf into a split node (the split rule itself is described in
 * hoeffding_reg.c).
 *
 * Numeric observer: at most `bins` bins with exact target statistics per bin. The first
 * `bins` distinct values a leaf sees become the bin centres (until then every value has
 * a bin of its own, so the observer is exact, as an E-BST would be); from then on the
 * centres are frozen and a value joins the bin between the midpoints around it. The
 * candidate thresholds are those midpoints, so the statistics on either side of every
 * candidate are exact for all rows the leaf has seen, and memory is fixed at `bins`
 * (centre, weight, mean, M2) per attribute and leaf however long the leaf lives.
 * Why this and not the alternatives: an E-BST (FIMT-DD, River's default TE-BST) keeps a
 * node per distinct value, so its memory grows with the stream on continuous inputs;
 * equal-width histograms need the range in advance and waste bins on skewed inputs;
 * merging histograms (Ben-Haim and Tom-Tov) cost O(bins) per value and blur every
 * threshold's statistics. The first distinct values are a sample of the attribute's
 * distribution at the leaf, so the centres follow its density (quantile-like
 * thresholds) at O(log bins) per value. The price: thresholds are those a sample of
 * `bins` values allows, not every distinct value.
 *
 * Categorical observer: target statistics per value, giving a multiway split.
 *
 * Merit: standard deviation reduction (FIMT-DD, MOA) or variance reduction (River) of
 * the rows where the attribute is present,
 *   merit = coverage * (c(S) - sum_i |S_i| / |S| c(S_i)),  c = sd or variance,
 * where coverage is the share of the leaf's rows that had the attribute (as C4.5 does
 * for missing values; 1 when never missing). Every non-empty branch must hold at least
 * `min_branch_weight` (River's min_samples_split and MOA's rule use 5). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hoeffding_reg_int.h"

int otter__hr_grow(hr_model *m, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t nc = *cap ? *cap : 4;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem)
            return 0;
        nc *= 2;
    }
    char *np = realloc(*p, nc * elem);
    if (!np)
        return 0;
    memset(np + *cap * elem, 0, (nc - *cap) * elem);
    m->bytes += (nc - *cap) * elem;
    *p = np;
    *cap = nc;
    return 1;
}

int otter__hr_grow_scratch(hr_model *m, void **p, size_t *cap, size_t need, size_t elem)
{
    size_t before = m->bytes;
    int ok = otter__hr_grow(m, p, cap, need, elem);
    m->scratch_bytes += m->bytes - before;
    m->bytes = before;
    return ok;
}

int otter__hr_resize(hr_model *m, void **p, size_t n, size_t nn, size_t elem)
{
    if (nn <= n)
        return 1;
    if (nn > SIZE_MAX / elem)
        return 0;
    char *np = realloc(*p, nn * elem);
    if (!np)
        return 0;
    memset(np + n * elem, 0, (nn - n) * elem);
    m->bytes += (nn - n) * elem;
    *p = np;
    return 1;
}

void otter__hr_release(hr_model *m, void *p, size_t n_bytes)
{
    free(p);
    m->bytes -= n_bytes;
}

/* ---- statistics ---- */

void otter__hr_stats_merge(hr_stats *into, const hr_stats *o)
{
    if (o->n <= 0)
        return;
    if (into->n <= 0) {
        *into = *o;
        return;
    }
    double n = into->n + o->n, d = o->mean - into->mean;
    into->mean += d * (o->n / n);
    into->m2 += o->m2 + d * d * (into->n * o->n / n);
    into->n = n;
}

/* ---- observers ---- */

int otter__hr_obs_ensure(hr_model *m, hr_leaf *leaf, uint32_t attr, uint32_t value)
{
    if (attr >= leaf->n_obs) {
        /* exactly one slot per attribute known, so n_obs <= n_attrs always holds */
        void *p = leaf->obs;
        if (!otter__hr_resize(m, &p, leaf->n_obs, m->names->n_attrs, sizeof *leaf->obs))
            return 0;
        leaf->obs = p;
        leaf->n_obs = (uint32_t)m->names->n_attrs;
    }
    hr_obs *o = &leaf->obs[attr];
    if (m->names->attrs[attr].kind == HT_NUM) {
        if (o->s)
            return 1;
        o->x = malloc(m->bins * sizeof *o->x);
        o->s = malloc(m->bins * sizeof *o->s);
        if (!o->x || !o->s) {
            free(o->x);
            free(o->s);
            o->x = NULL;
            o->s = NULL;
            return 0;
        }
        m->bytes += m->bins * (sizeof *o->x + sizeof *o->s);
        o->n = 0;
        o->cap = m->bins;
        return 1;
    }
    if (value < o->n)
        return 1;
    size_t cap = o->cap;
    void *p = o->s;
    if (!otter__hr_grow(m, &p, &cap, (size_t)value + 1, sizeof *o->s))
        return 0;
    o->s = p;
    o->cap = (uint32_t)cap;
    o->n = value + 1;
    return 1;
}

/* The bin of x in a full observer: the first i with x <= mid(x[i], x[i+1]). */
static uint32_t frozen_bin(const hr_obs *o, double x)
{
    uint32_t lo = 0, hi = o->n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (x <= otter__hr_mid(o->x[mid], o->x[mid + 1]))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A numeric value while the observer is not full: its own bin, inserted if new. */
static void open_update(hr_obs *o, double x, double y, double w)
{
    uint32_t lo = 0, hi = o->n; /* first centre >= x */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (o->x[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == o->n || o->x[lo] != x) {
        memmove(o->x + lo + 1, o->x + lo, (o->n - lo) * sizeof *o->x);
        memmove(o->s + lo + 1, o->s + lo, (o->n - lo) * sizeof *o->s);
        o->x[lo] = x;
        o->s[lo] = (hr_stats){0, 0, 0};
        o->n++;
    }
    otter__hr_stats_add(&o->s[lo], y, w);
}

/* Prefetching the statistics a row will update (GCC and Clang). */
#if defined(__GNUC__)
#define HR_PREFETCH(p) __builtin_prefetch(p, 1)
#else
#define HR_PREFETCH(p) ((void)(p))
#endif

void otter__hr_obs_learn_row(const hr_model *m, hr_leaf *leaf, const otter_instance *inst, double y,
                             double w)
{
    /* First find every frozen bin the row falls in and ask for its statistics, so the
     * cache misses of a cold leaf overlap; then update. Only full observers are located
     * ahead: their centres never move, so a name repeated in the row cannot shift the
     * bins between the two passes. */
    for (size_t i = 0; i < inst->n_feats; i++) {
        uint32_t a = m->row[i].attr;
        if (a >= HT_SKIP || inst->feats[i].cat_off >= 0)
            continue;
        hr_obs *o = &leaf->obs[a];
        m->row[i].val = o->n == o->cap ? frozen_bin(o, inst->feats[i].value) : HT_NONE;
        if (m->row[i].val != HT_NONE)
            HR_PREFETCH(&o->s[m->row[i].val]);
    }
    for (size_t i = 0; i < inst->n_feats; i++) {
        uint32_t a = m->row[i].attr, v = m->row[i].val;
        if (a >= HT_SKIP)
            continue;
        hr_obs *o = &leaf->obs[a];
        if (inst->feats[i].cat_off < 0 && v == HT_NONE)
            open_update(o, inst->feats[i].value, y, w);
        else
            otter__hr_stats_add(&o->s[v], y, w);
    }
}

void otter__hr_obs_free(hr_model *m, hr_leaf *leaf)
{
    for (uint32_t a = 0; a < leaf->n_obs; a++) {
        hr_obs *o = &leaf->obs[a];
        if (!o->s)
            continue;
        if (o->x)
            otter__hr_release(m, o->x, o->cap * sizeof *o->x);
        otter__hr_release(m, o->s, o->cap * sizeof *o->s);
    }
    otter__hr_release(m, leaf->obs, leaf->n_obs * sizeof *leaf->obs);
    leaf->obs = NULL;
    leaf->n_obs = 0;
}

/* ---- split search ---- */

static double impurity(const hr_model *m, const hr_stats *s)
{
    if (s->n <= 0 || !(s->m2 > 0))
        return 0.0;
    double var = s->m2 / s->n;
    return m->criterion == HR_VR ? var : sqrt(var);
}

size_t otter__hr_scr_need(const hr_model *m, const hr_leaf *leaf)
{
    size_t need = 2;
    for (uint32_t a = 0; a < leaf->n_obs; a++)
        if (leaf->obs[a].s && leaf->obs[a].n > need)
            need = leaf->obs[a].n;
    (void)m;
    return need;
}

/* Share of the leaf's rows that had the attribute. */
static double coverage(const hr_leaf *leaf, double present)
{
    return leaf->seen > present ? present / leaf->seen : 1.0;
}

static hr_split num_split(const hr_model *m, const hr_leaf *leaf, uint32_t attr)
{
    const hr_obs *o = &leaf->obs[attr];
    hr_split best = {-INFINITY, attr, 0, 0, 0.0};
    if (o->n < 2)
        return best;
    hr_stats *pre = m->scr; /* pre[i]: bins 0..i */
    pre[0] = o->s[0];
    for (uint32_t i = 1; i < o->n; i++) {
        pre[i] = pre[i - 1];
        otter__hr_stats_merge(&pre[i], &o->s[i]);
    }
    const hr_stats *all = &pre[o->n - 1];
    double base = impurity(m, all);
    hr_stats right = {0, 0, 0};
    for (uint32_t i = o->n - 1; i > 0; i--) {
        otter__hr_stats_merge(&right, &o->s[i]);
        const hr_stats *left = &pre[i - 1];
        if (left->n < m->min_branch || right.n < m->min_branch)
            continue;
        double merit =
            base - left->n / all->n * impurity(m, left) - right.n / all->n * impurity(m, &right);
        if (merit > best.merit) {
            best.merit = merit;
            best.cut = i - 1;
        }
    }
    if (best.merit > -INFINITY) {
        best.merit *= coverage(leaf, all->n);
        best.n_branches = 2;
        best.threshold = otter__hr_mid(o->x[best.cut], o->x[best.cut + 1]);
    }
    return best;
}

static hr_split cat_split(const hr_model *m, const hr_leaf *leaf, uint32_t attr)
{
    const hr_obs *o = &leaf->obs[attr];
    hr_split best = {-INFINITY, attr, 0, 0, 0.0};
    hr_stats all = {0, 0, 0};
    uint32_t nonempty = 0, last = 0;
    for (uint32_t v = 0; v < o->n; v++) {
        if (o->s[v].n <= 0)
            continue;
        if (o->s[v].n < m->min_branch)
            return best;
        nonempty++;
        last = v;
        otter__hr_stats_merge(&all, &o->s[v]);
    }
    if (nonempty < 2)
        return best;
    double merit = impurity(m, &all);
    for (uint32_t v = 0; v < o->n; v++)
        if (o->s[v].n > 0)
            merit -= o->s[v].n / all.n * impurity(m, &o->s[v]);
    best.merit = merit * coverage(leaf, all.n);
    best.n_branches = last + 1;
    return best;
}

hr_split otter__hr_best_split(const hr_model *m, const hr_leaf *leaf, uint32_t attr)
{
    hr_split none = {-INFINITY, attr, 0, 0, 0.0};
    if (attr >= leaf->n_obs || !leaf->obs[attr].s)
        return none;
    return m->names->attrs[attr].kind == HT_NUM ? num_split(m, leaf, attr)
                                                : cat_split(m, leaf, attr);
}

void otter__hr_branch_stats(const hr_model *m, const hr_leaf *leaf, const hr_split *s,
                            hr_stats *out)
{
    const hr_obs *o = &leaf->obs[s->attr];
    if (m->names->attrs[s->attr].kind == HT_CAT) {
        memcpy(out, o->s, s->n_branches * sizeof *out);
        return;
    }
    out[0] = out[1] = (hr_stats){0, 0, 0};
    for (uint32_t i = 0; i < o->n; i++)
        otter__hr_stats_merge(&out[i <= s->cut ? 0 : 1], &o->s[i]);
}

/* ---- splitting ---- */

/* Copies of the parent's model for the new leaf slots [n_leaves, n_leaves + n), which
 * otter__hr_reserve made room for. 0 on NOMEM, with nothing allocated. */
static int copy_models(hr_model *m, const hr_leaf *parent, size_t n)
{
    size_t bytes = parent->n_w * sizeof *parent->w;
    for (size_t j = 0; j < n; j++) {
        hr_leaf *c = &m->leaves[m->n_leaves + j];
        c->w = NULL;
        if (bytes == 0)
            continue;
        if (!(c->w = malloc(bytes))) {
            while (j-- > 0) {
                free(m->leaves[m->n_leaves + j].w);
                m->leaves[m->n_leaves + j].w = NULL;
            }
            return 0;
        }
        memcpy(c->w, parent->w, bytes);
    }
    m->bytes += n * bytes;
    return 1;
}

/* Replaces the leaf at nid by a split node whose non-empty branches get new leaves
 * (the first reuses the leaf's slot and model); empty categorical branches point to the
 * major branch's leaf. 0 on NOMEM, with the tree unchanged. */
static int split_leaf(hr_model *m, uint32_t nid, const hr_split *s)
{
    uint32_t nb = s->n_branches, lid = m->nodes[nid].leaf;
    void *p = m->scr;
    if (!otter__hr_grow_scratch(m, &p, &m->scr_cap, nb, sizeof *m->scr))
        return 0;
    m->scr = p;
    otter__hr_branch_stats(m, &m->leaves[lid], s, m->scr);
    uint32_t n_new = 0, major = 0;
    for (uint32_t b = 0; b < nb; b++) {
        if (!(m->scr[b].n > 0))
            continue;
        if (n_new++ == 0 || m->scr[b].n > m->scr[major].n)
            major = b;
    }
    if (!otter__hr_split_fits(m, n_new, nb, m->leaves[lid].n_w))
        return 1; /* the leaf stays a leaf and retries after another grace period */
    p = m->kids;
    if (!otter__hr_grow(m, &p, &m->kids_cap, m->n_kids + nb, sizeof *m->kids))
        return 0;
    m->kids = p;
    if (!otter__hr_reserve(m, n_new, n_new - 1) || !copy_models(m, &m->leaves[lid], n_new - 1))
        return 0;
    hr_leaf parent = m->leaves[lid];
    otter__hr_obs_free(m, &m->leaves[lid]);
    hr_node *n = &m->nodes[nid];
    uint32_t depth = n->depth + 1, off = (uint32_t)m->n_kids, next = (uint32_t)m->n_leaves;
    *n = (hr_node){s->attr, HT_NONE, off, nb, major, n->depth, s->threshold};
    int first = 1;
    for (uint32_t b = 0; b < nb; b++) {
        if (!(m->scr[b].n > 0)) {
            m->kids[off + b] = HT_NONE; /* set to the major child below */
            continue;
        }
        uint32_t slot = first ? lid : next++, child = (uint32_t)m->n_nodes++;
        m->nodes[child] = (hr_node){HT_NONE, slot, 0, 0, 0, depth, 0.0};
        hr_leaf *c = &m->leaves[slot];
        *c = (hr_leaf){.y = m->scr[b],
                       .err_mean = parent.err_mean,
                       .err_model = parent.err_model,
                       .w = first ? parent.w : c->w,
                       .n_w = parent.n_w,
                       .node = child};
        m->kids[off + b] = child;
        first = 0;
    }
    for (uint32_t b = 0; b < nb; b++)
        if (m->kids[off + b] == HT_NONE)
            m->kids[off + b] = m->kids[off + major];
    m->n_leaves = next;
    m->n_kids += nb;
    if (depth > m->depth)
        m->depth = depth;
    /* the leaf that split gathered statistics; its children do unless at max_depth */
    if (otter__hr_can_split(m, m->kids[off + major]))
        m->n_active += n_new - 1;
    else
        m->n_active--;
    return 1;
}

int otter__hr_attempt_split(hr_model *m, uint32_t nid)
{
    const hr_leaf *l = &m->leaves[m->nodes[nid].leaf];
    if (!(l->y.m2 > 0) || !(l->seen > 0))
        return 1; /* nothing to reduce */
    void *p = m->scr;
    if (!otter__hr_grow_scratch(m, &p, &m->scr_cap, otter__hr_scr_need(m, l), sizeof *m->scr))
        return 0;
    m->scr = p;
    hr_split best = {-INFINITY, HT_NONE, 0, 0, 0.0}, second = best;
    for (uint32_t a = 0; a < l->n_obs; a++) {
        hr_split s = otter__hr_best_split(m, l, a);
        if (s.merit > best.merit) {
            second = best;
            best = s;
        } else if (s.merit > second.merit) {
            second = s;
        }
    }
    if (!(best.merit > 0))
        return 1; /* pre-pruning: no candidate reduces the spread */
    double eps = sqrt(log(1.0 / m->delta) / (2.0 * l->seen));
    if (second.merit == -INFINITY) {
        /* A lone candidate has nothing to be compared with but not splitting: its
         * reduction relative to the leaf's spread (in [0, 1]) must pass the bound. */
        double spread = m->criterion == HR_VR ? l->y.m2 / l->y.n : sqrt(l->y.m2 / l->y.n);
        if (!(best.merit / spread > eps || eps < m->tau))
            return 1;
    }
    double ratio = second.merit > 0 ? second.merit / best.merit : 0.0;
    if (ratio < 1.0 - eps || eps < m->tau)
        return split_leaf(m, nid, &best);
    return 1;
}
