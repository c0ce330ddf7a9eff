/* Hoeffding tree regressor state (payload version 2) and describe.
 *
 * Payload: the attribute and value tables in the classifier's format
 * (otter__ht_write_names); u64 rows learned, leaves deactivated, leaves reactivated;
 * u32 standardized attributes, each f64 weight, mean, M2; the target's f64 weight,
 * mean, M2; u32 nodes, u32 leaves; each node: u32 attribute (HT_NONE for a leaf) then
 * u32 leaf slot, or f64 threshold, u32 major branch, u32 branches and their child node
 * indices (an empty categorical branch repeats the major branch's child); each leaf
 * slot: f64 weight, mean, M2 of the target, seen, seen_at_check, err_mean, err_model;
 * u8 inactive; u32 model weights and the f64 weights; u32 observer slots, each u8
 * present then u32 bins or values, (numeric) the f64 bin centres, and f64 weight, mean,
 * M2 per bin or value. Version 1 (before the memory bound) had no counters and no
 * inactive flag; it is refused with OTTER_VERSION.
 *
 * The decoder checks that the nodes form a tree (children have larger indices and one
 * parent, every leaf slot is used once), that ids and sizes are in range (bins within
 * the `bins` parameter, centres increasing, values within the attribute's count), that
 * weights and M2 are not negative and every number is finite, that inactive leaves have
 * no observers and are not at max_depth, and that the payload is consumed exactly, so a
 * decoded model can be walked and learned from safely. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec_int.h"
#include "hoeffding_reg_int.h"

/* ---- encode ---- */

static void write_stats(otter__wr *w, const hr_stats *s)
{
    otter__wr_f64(w, s->n);
    otter__wr_f64(w, s->mean);
    otter__wr_f64(w, s->m2);
}

static void write_leaf(const hr_model *m, otter__wr *w, const hr_leaf *l)
{
    write_stats(w, &l->y);
    otter__wr_f64(w, l->seen);
    otter__wr_f64(w, l->seen_at_check);
    otter__wr_f64(w, l->err_mean);
    otter__wr_f64(w, l->err_model);
    otter__wr_u8(w, (uint8_t)l->inactive);
    otter__wr_u32(w, l->n_w);
    otter__wr_f64s(w, l->w, l->n_w);
    otter__wr_u32(w, l->n_obs);
    for (uint32_t a = 0; a < l->n_obs; a++) {
        const hr_obs *o = &l->obs[a];
        otter__wr_u8(w, o->s != NULL);
        if (!o->s)
            continue;
        otter__wr_u32(w, o->n);
        if (m->names->attrs[a].kind == HT_NUM)
            otter__wr_f64s(w, o->x, o->n);
        for (uint32_t i = 0; i < o->n; i++)
            write_stats(w, &o->s[i]);
    }
}

otter_status otter__hr_encode(const hr_model *m, otter_buf *out, otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__ht_write_names(m->names, &w);
    otter__wr_u64(&w, m->rows);
    otter__wr_u64(&w, m->deactivated);
    otter__wr_u64(&w, m->reactivated);
    otter__wr_u32(&w, (uint32_t)m->n_xs);
    for (size_t a = 0; a < m->n_xs; a++)
        write_stats(&w, &(hr_stats){m->xs[a].n, m->xs[a].mean, m->xs[a].m2});
    write_stats(&w, &m->ys);
    otter__wr_u32(&w, (uint32_t)m->n_nodes);
    otter__wr_u32(&w, (uint32_t)m->n_leaves);
    for (size_t i = 0; i < m->n_nodes; i++) {
        const hr_node *n = &m->nodes[i];
        otter__wr_u32(&w, n->attr);
        if (n->attr == HT_NONE) {
            otter__wr_u32(&w, n->leaf);
            continue;
        }
        otter__wr_f64(&w, n->threshold);
        otter__wr_u32(&w, n->major);
        otter__wr_u32(&w, n->n_kids);
        for (uint32_t b = 0; b < n->n_kids; b++)
            otter__wr_u32(&w, m->kids[n->kids + b]);
    }
    for (size_t l = 0; l < m->n_leaves; l++)
        write_leaf(m, &w, &m->leaves[l]);
    return w.st;
}

/* ---- decode ---- */

static otter_status corrupt(otter_error *err, const char *what)
{
    return otter_error_set(err, OTTER_CORRUPT, "hoeffding-reg state: %s", what);
}

static otter_status oom(otter_error *err)
{
    return otter_error_set(err, OTTER_NOMEM, "out of memory decoding a Hoeffding tree regressor");
}

/* Room left for n records of at least `size` bytes each. */
static int fits(const otter__rd *r, size_t n, size_t size)
{
    return otter__rd_ok(r) && n <= (r->len - r->pos) / size;
}

/* Statistics with a weight >= 0 (> 0 when positive is set), M2 >= 0, all finite. */
static int read_stats(otter__rd *r, hr_stats *s, int positive)
{
    s->n = otter__rd_f64(r);
    s->mean = otter__rd_f64(r);
    s->m2 = otter__rd_f64(r);
    return otter__rd_ok(r) && isfinite(s->n) && isfinite(s->mean) && isfinite(s->m2) &&
           (positive ? s->n > 0 : s->n >= 0) && s->m2 >= 0;
}

static int read_finite(otter__rd *r, double *d, size_t n)
{
    otter__rd_f64s(r, d, n);
    if (!otter__rd_ok(r))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(d[i]))
            return 0;
    return 1;
}

static otter_status read_scales(hr_model *m, otter__rd *r, otter_error *err)
{
    uint32_t n = otter__rd_u32(r);
    if (!fits(r, n, 24) || n > m->names->n_attrs || (m->leaf_pred == HR_MEAN && n > 0))
        return corrupt(err, "bad standardization table");
    void *p = NULL;
    if (n && !otter__hr_resize(m, &p, 0, n, sizeof *m->xs))
        return oom(err);
    m->xs = p;
    m->n_xs = m->xs_cap = n;
    for (uint32_t a = 0; a < n; a++) {
        hr_stats s;
        if (!read_stats(r, &s, 0))
            return corrupt(err, "bad attribute statistics");
        m->xs[a] = (hr_xstat){s.n, s.mean, s.m2, 0.0};
        otter__hr_xstat_rescale(&m->xs[a]);
    }
    if (!read_stats(r, &m->ys, 0))
        return corrupt(err, "bad target statistics");
    otter__hr_target_rescale(m);
    return OTTER_OK;
}

/* Reads a split node's children: the major child and every other distinct child must
 * be unclaimed; an entry may repeat the major child (an empty categorical branch). */
static otter_status read_kids(hr_model *m, otter__rd *r, hr_node *n, uint32_t nid, uint32_t *parent,
                              otter_error *err)
{
    void *p = m->kids;
    if (!otter__hr_grow(m, &p, &m->kids_cap, m->n_kids + n->n_kids, sizeof *m->kids))
        return oom(err);
    m->kids = p;
    uint32_t *kids = m->kids + m->n_kids;
    for (uint32_t b = 0; b < n->n_kids; b++) {
        kids[b] = otter__rd_u32(r);
        if (!otter__rd_ok(r) || kids[b] <= nid || kids[b] >= m->n_nodes)
            return corrupt(err, "bad child index");
    }
    uint32_t distinct = 0, major = kids[n->major];
    for (uint32_t b = 0; b < n->n_kids; b++) {
        if (b != n->major && kids[b] == major)
            continue;
        if (parent[kids[b]] != HT_NONE)
            return corrupt(err, "a node has two parents");
        parent[kids[b]] = nid;
        distinct++;
    }
    if (distinct < 2)
        return corrupt(err, "a split node with fewer than two children");
    n->kids = (uint32_t)m->n_kids;
    m->n_kids += n->n_kids;
    return OTTER_OK;
}

static otter_status read_node(hr_model *m, otter__rd *r, uint32_t nid, uint32_t *parent,
                              uint8_t *leaf_used, otter_error *err)
{
    hr_node *n = &m->nodes[nid];
    uint32_t depth = nid == 0 ? 0 : m->nodes[parent[nid]].depth + 1;
    *n = (hr_node){otter__rd_u32(r), 0, 0, 0, 0, depth, 0.0};
    if (depth > m->depth)
        m->depth = depth;
    if (n->attr == HT_NONE) {
        n->leaf = otter__rd_u32(r);
        if (!otter__rd_ok(r) || n->leaf >= m->n_leaves || leaf_used[n->leaf])
            return corrupt(err, "bad leaf slot");
        leaf_used[n->leaf] = 1;
        m->leaves[n->leaf].node = nid;
        return OTTER_OK;
    }
    n->threshold = otter__rd_f64(r);
    n->major = otter__rd_u32(r);
    n->n_kids = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n->attr >= m->names->n_attrs || !isfinite(n->threshold) ||
        n->n_kids < 2 || n->major >= n->n_kids ||
        (m->names->attrs[n->attr].kind == HT_NUM ? n->n_kids != 2
                                                 : n->n_kids > m->names->attrs[n->attr].n_values) ||
        !fits(r, n->n_kids, 4))
        return corrupt(err, "bad split node");
    return read_kids(m, r, n, nid, parent, err);
}

static otter_status read_obs(hr_model *m, otter__rd *r, hr_leaf *l, uint32_t a, otter_error *err)
{
    uint8_t present = otter__rd_u8(r);
    if (!otter__rd_ok(r) || present > 1)
        return corrupt(err, "bad observer flag");
    if (!present)
        return OTTER_OK;
    int num = m->names->attrs[a].kind == HT_NUM;
    uint32_t n = otter__rd_u32(r);
    if (!fits(r, n, num ? 32 : 24) || n < 1 || n > (num ? m->bins : m->names->attrs[a].n_values))
        return corrupt(err, "bad observer size");
    if (!otter__hr_obs_ensure(m, l, a, n - 1))
        return oom(err);
    hr_obs *o = &l->obs[a];
    if (num) {
        if (!read_finite(r, o->x, n))
            return corrupt(err, "bad bin centres");
        for (uint32_t i = 1; i < n; i++)
            if (!(o->x[i - 1] < o->x[i]))
                return corrupt(err, "bin centres are not increasing");
    }
    o->n = n;
    for (uint32_t i = 0; i < n; i++)
        if (!read_stats(r, &o->s[i], num))
            return corrupt(err, "bad observer statistics");
    return OTTER_OK;
}

static otter_status read_leaf(hr_model *m, otter__rd *r, hr_leaf *l, otter_error *err)
{
    double head[4];
    if (!read_stats(r, &l->y, 0) || !read_finite(r, head, 4) || head[0] < 0 || head[1] < 0 ||
        head[2] < 0 || head[3] < 0)
        return corrupt(err, "bad leaf statistics");
    l->seen = head[0];
    l->seen_at_check = head[1];
    l->err_mean = head[2];
    l->err_model = head[3];
    uint8_t inactive = otter__rd_u8(r);
    if (!otter__rd_ok(r) || inactive > 1 || (inactive && !otter__hr_can_split(m, l->node)))
        return corrupt(err, "bad inactive flag");
    l->inactive = inactive;
    uint32_t n_w = otter__rd_u32(r);
    if (!fits(r, n_w, 8) || n_w > m->names->n_attrs + 1 || (m->leaf_pred == HR_MEAN && n_w > 0))
        return corrupt(err, "bad model size");
    void *p = NULL;
    if (n_w && !otter__hr_resize(m, &p, 0, n_w, sizeof *l->w))
        return oom(err);
    l->w = p;
    l->n_w = n_w;
    if (!read_finite(r, l->w, n_w))
        return corrupt(err, "bad model weights");
    uint32_t n_obs = otter__rd_u32(r);
    if (!fits(r, n_obs, 1) || n_obs > m->names->n_attrs || (l->inactive && n_obs > 0))
        return corrupt(err, "bad observer count");
    /* exactly n_obs slots, as encoded (otter__hr_obs_ensure then never resizes them) */
    p = NULL;
    if (n_obs && !otter__hr_resize(m, &p, 0, n_obs, sizeof *l->obs))
        return oom(err);
    l->obs = p;
    l->n_obs = n_obs;
    for (uint32_t a = 0; a < n_obs; a++) {
        otter_status st = read_obs(m, r, l, a, err);
        if (st != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}

static otter_status read_tree(hr_model *m, otter__rd *r, otter_error *err)
{
    uint32_t n_nodes = otter__rd_u32(r), n_leaves = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n_nodes < 1 || n_leaves < 1 || n_leaves > n_nodes ||
        !fits(r, n_nodes, 8) || !fits(r, n_leaves, 64))
        return corrupt(err, "bad node count");
    if (!otter__hr_reserve(m, n_nodes, n_leaves))
        return oom(err);
    uint32_t *parent = malloc(n_nodes * sizeof *parent);
    uint8_t *leaf_used = calloc(n_leaves, 1);
    otter_status st = OTTER_OK;
    if (!parent || !leaf_used) {
        st = oom(err);
        goto done;
    }
    memset(parent, 0xff, n_nodes * sizeof *parent);
    m->n_nodes = n_nodes;
    m->n_leaves = n_leaves;
    for (uint32_t i = 0; i < n_nodes && st == OTTER_OK; i++) {
        if (i > 0 && parent[i] == HT_NONE)
            st = corrupt(err, "node without a parent");
        else
            st = read_node(m, r, i, parent, leaf_used, err);
    }
    for (uint32_t l = 0; l < n_leaves && st == OTTER_OK; l++)
        if (!leaf_used[l])
            st = corrupt(err, "unused leaf slot");
    for (uint32_t l = 0; l < n_leaves && st == OTTER_OK; l++)
        st = read_leaf(m, r, &m->leaves[l], err);
done:
    free(parent);
    free(leaf_used);
    return st;
}

otter_status otter__hr_decode(hr_model *m, const uint8_t *p, size_t len, otter_error *err)
{
    otter__rd r;
    otter__rd_init(&r, p, len);
    otter_status st = otter__ht_read_names(m->names, &r, "hoeffding-reg", err);
    if (st == OTTER_OK) {
        m->rows = otter__rd_u64(&r);
        m->deactivated = otter__rd_u64(&r);
        m->reactivated = otter__rd_u64(&r);
        if (!otter__rd_ok(&r))
            st = corrupt(err, "truncated counters");
    }
    if (st == OTTER_OK)
        st = read_scales(m, &r, err);
    if (st == OTTER_OK)
        st = read_tree(m, &r, err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = corrupt(err, "truncated or extra bytes");
    return st;
}

/* ---- describe ---- */

/* Appends "ns:name" (or "name") of attribute a to buf at *len, within cap. */
static void put_name(const hr_model *m, uint32_t a, char *buf, size_t *len, size_t cap)
{
    const ht_model *t = m->names;
    const char *ns = t->strs + t->attrs[a].ns_off, *name = t->strs + t->attrs[a].name_off;
    size_t ns_len = strlen(ns), name_len = strlen(name);
    if (*len + ns_len + name_len + 3 > cap)
        return;
    if (*len)
        buf[(*len)++] = ',';
    if (ns_len) {
        memcpy(buf + *len, ns, ns_len);
        *len += ns_len;
        buf[(*len)++] = ':';
    }
    memcpy(buf + *len, name, name_len);
    *len += name_len;
    buf[*len] = '\0';
}

void otter__hr_describe(const hr_model *m, const otter_kv_sink *sink)
{
    if (sink->num) {
        size_t model_leaves = 0;
        for (size_t l = 0; l < m->n_leaves; l++)
            model_leaves += otter__hr_use_model(m, &m->leaves[l]);
        sink->num(sink->ud, "nodes", (double)m->n_nodes);
        sink->num(sink->ud, "leaves", (double)m->n_leaves);
        sink->num(sink->ud, "depth", (double)m->depth);
        sink->num(sink->ud, "attributes", (double)m->names->n_attrs);
        sink->num(sink->ud, "model_leaves", (double)model_leaves);
        size_t inactive = 0;
        for (size_t l = 0; l < m->n_leaves; l++)
            inactive += m->leaves[l].inactive;
        sink->num(sink->ud, "active_leaves", (double)(m->n_leaves - inactive));
        sink->num(sink->ud, "inactive_leaves", (double)inactive);
        sink->num(sink->ud, "leaves_deactivated", (double)m->deactivated);
        sink->num(sink->ud, "leaves_reactivated", (double)m->reactivated);
        sink->num(sink->ud, "scratch_bytes", (double)m->scratch_bytes);
    }
    if (!sink->str)
        return;
    /* split attributes: distinct, in order of first use (node order, root first) */
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    uint8_t *seen = calloc(m->names->n_attrs ? m->names->n_attrs : 1, 1);
    if (buf && seen) {
        buf[0] = '\0';
        for (size_t i = 0; i < m->n_nodes; i++) {
            uint32_t a = m->nodes[i].attr;
            if (a == HT_NONE || seen[a])
                continue;
            seen[a] = 1;
            put_name(m, a, buf, &len, cap);
        }
        sink->str(sink->ud, "split_attributes", buf);
        len = 0;
        buf[0] = '\0';
        if (m->nodes[0].attr != HT_NONE)
            put_name(m, m->nodes[0].attr, buf, &len, cap);
        sink->str(sink->ud, "root_split", buf);
    }
    free(buf);
    free(seen);
}
