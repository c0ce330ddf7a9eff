/* Hoeffding tree state (payload version 2) and describe.
 *
 * Payload: u32 classes; u64 rows learned, leaves deactivated, leaves reactivated; u32
 * attributes, each u8 kind, str namespace, str name;
 * u32 categorical values, each u32 attribute, str value (in the order they were numbered); u32
 * nodes, u32 leaves; each node: u32 attribute (HT_NONE for a leaf) then u32 leaf slot, or f64
 * threshold, u32 major branch, u32 children, the children's node indices; each leaf slot: f64
 * seen_at_check, mc_correct, nb_correct, classes x f64 class weights, u8 inactive, u32 observer
 * slots, each u8 present then (categorical) u32 rows and the observer's doubles. The decoder checks
 * that the nodes form a tree (children have larger indices and exactly one parent, every leaf slot
 * used once), that ids are in range and that every number is finite, so a decoded model can be
 * walked safely. Version 1 (before the memory bound) had no row count and no inactive flag. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec_int.h"
#include "hoeffding_int.h"

void otter__ht_write_names(const ht_model *m, otter__wr *w)
{
    otter__wr_u32(w, (uint32_t)m->n_attrs);
    for (size_t a = 0; a < m->n_attrs; a++) {
        const ht_attr *at = &m->attrs[a];
        const char *ns = m->strs + at->ns_off, *name = m->strs + at->name_off;
        otter__wr_u8(w, (uint8_t)at->kind);
        otter__wr_str(w, ns, strlen(ns));
        otter__wr_str(w, name, strlen(name));
    }
    otter__wr_u32(w, (uint32_t)m->n_vals);
    for (size_t v = 0; v < m->n_vals; v++) {
        const char *s = m->strs + m->vals[v].str_off;
        otter__wr_u32(w, m->vals[v].attr);
        otter__wr_str(w, s, strlen(s));
    }
}

void otter__ht_write_leaf(const ht_model *m, otter__wr *w, uint32_t l)
{
    const ht_leaf *leaf = &m->leaves[l];
    otter__wr_f64(w, leaf->seen_at_check);
    otter__wr_f64(w, leaf->mc_correct);
    otter__wr_f64(w, leaf->nb_correct);
    otter__wr_f64s(w, m->ldist + (size_t)l * m->k, m->k);
    otter__wr_u8(w, (uint8_t)leaf->inactive);
    otter__wr_u32(w, leaf->n_obs);
    for (uint32_t a = 0; a < leaf->n_obs; a++) {
        const ht_obs *o = &leaf->obs[a];
        otter__wr_u8(w, o->d != NULL);
        if (!o->d)
            continue;
        if (m->attrs[a].kind == HT_CAT)
            otter__wr_u32(w, o->n);
        otter__wr_f64s(w, o->d, otter__ht_obs_doubles(m, a, o));
    }
}

otter_status otter__ht_encode(const ht_model *m, otter_buf *out, otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__wr_u32(&w, (uint32_t)m->k);
    otter__wr_u64(&w, m->rows);
    otter__wr_u64(&w, m->deactivated);
    otter__wr_u64(&w, m->reactivated);
    otter__ht_write_names(m, &w);
    otter__wr_u32(&w, (uint32_t)m->n_nodes);
    otter__wr_u32(&w, (uint32_t)m->n_leaves);
    for (size_t i = 0; i < m->n_nodes; i++) {
        const ht_node *n = &m->nodes[i];
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
        otter__ht_write_leaf(m, &w, (uint32_t)l);
    return w.st;
}

/* type names the blob's type in the message: the readers below are shared with hat and
 * hoeffding-reg, whose users should not be told a "hoeffding" blob is corrupt. */
static otter_status corrupt_in(otter_error *err, const char *type, const char *what)
{
    return otter_error_set(err, OTTER_CORRUPT, "%s state: %s", type, what);
}

static otter_status corrupt(otter_error *err, const char *what)
{
    return corrupt_in(err, "hoeffding", what);
}

/* Reads n doubles into d and checks they are finite and (when nonneg) >= 0. */
static int read_finite(otter__rd *r, double *d, size_t n, int nonneg)
{
    otter__rd_f64s(r, d, n);
    if (!otter__rd_ok(r))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(d[i]) || (nonneg && d[i] < 0))
            return 0;
    return 1;
}

otter_status otter__ht_read_names(ht_model *m, otter__rd *r, const char *type, otter_error *err)
{
    uint32_t n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n > (r->len - r->pos) / 9)
        return corrupt_in(err, type, "bad attribute count");
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind = otter__rd_u8(r);
        size_t ns_len, name_len;
        const char *ns = otter__rd_str(r, &ns_len), *name = otter__rd_str(r, &name_len);
        if (!otter__rd_ok(r) || (kind != HT_NUM && kind != HT_CAT) || memchr(ns, '\0', ns_len) ||
            memchr(name, '\0', name_len))
            return corrupt_in(err, type, "bad attribute");
        if (otter__ht_attr_add(m, ns, ns_len, name, name_len, kind) == HT_NONE)
            return otter_error_set(err, OTTER_NOMEM, "out of memory decoding a Hoeffding tree");
    }
    n = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n > (r->len - r->pos) / 8)
        return corrupt_in(err, type, "bad value count");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = otter__rd_u32(r);
        size_t len;
        const char *s = otter__rd_str(r, &len);
        if (!otter__rd_ok(r) || a >= m->n_attrs || m->attrs[a].kind != HT_CAT ||
            memchr(s, '\0', len))
            return corrupt_in(err, type, "bad categorical value");
        if (otter__ht_value_add(m, a, s, len) == HT_NONE)
            return otter_error_set(err, OTTER_NOMEM, "out of memory decoding a Hoeffding tree");
    }
    return OTTER_OK;
}

/* Reads one node; parent[] marks children already claimed, leaf_used[] leaf slots. */
static otter_status read_node(ht_model *m, otter__rd *r, uint32_t nid, uint32_t *parent,
                              uint8_t *leaf_used, otter_error *err)
{
    ht_node *n = &m->nodes[nid];
    uint32_t depth = nid == 0 ? 0 : m->nodes[parent[nid]].depth + 1;
    *n = (ht_node){otter__rd_u32(r), 0, 0, 0, 0, depth, 0.0};
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
    if (!otter__rd_ok(r) || n->attr >= m->n_attrs || !isfinite(n->threshold) || n->n_kids < 2 ||
        n->major >= n->n_kids ||
        (m->attrs[n->attr].kind == HT_NUM ? n->n_kids != 2
                                          : n->n_kids > m->attrs[n->attr].n_values) ||
        n->n_kids > (r->len - r->pos) / 4)
        return corrupt(err, "bad split node");
    uint32_t *kids = otter__ht_grow(m, m->kids, &m->kids_cap, m->n_kids + n->n_kids, sizeof *kids);
    if (!kids)
        return otter_error_set(err, OTTER_NOMEM, "out of memory decoding a Hoeffding tree");
    m->kids = kids;
    n->kids = (uint32_t)m->n_kids;
    for (uint32_t b = 0; b < n->n_kids; b++) {
        uint32_t c = otter__rd_u32(r);
        if (!otter__rd_ok(r) || c <= nid || c >= m->n_nodes || parent[c] != HT_NONE)
            return corrupt(err, "bad child index");
        parent[c] = nid;
        kids[m->n_kids++] = c;
    }
    return OTTER_OK;
}

otter_status otter__ht_read_leaf(ht_model *m, otter__rd *r, const char *type, ht_leaf *leaf,
                                 double *dist, otter_error *err)
{
    double head[3];
    if (!read_finite(r, head, 3, 1) || !read_finite(r, dist, m->k, 1))
        return corrupt_in(err, type, "bad leaf statistics");
    leaf->seen_at_check = head[0];
    leaf->mc_correct = head[1];
    leaf->nb_correct = head[2];
    leaf->inactive = otter__rd_u8(r);
    uint32_t n_obs = otter__rd_u32(r);
    if (!otter__rd_ok(r) || n_obs > m->n_attrs || leaf->inactive > 1 || (leaf->inactive && n_obs))
        return corrupt_in(err, type, "bad observer count");
    leaf->obs = calloc(n_obs ? n_obs : 1, sizeof *leaf->obs);
    if (!leaf->obs)
        return otter_error_set(err, OTTER_NOMEM, "out of memory decoding a Hoeffding tree");
    leaf->n_obs = n_obs;
    m->bytes += n_obs * sizeof *leaf->obs;
    for (uint32_t a = 0; a < n_obs; a++) {
        uint8_t present = otter__rd_u8(r);
        if (!otter__rd_ok(r) || present > 1)
            return corrupt_in(err, type, "bad observer flag");
        if (!present)
            continue;
        uint32_t rows = 1;
        if (m->attrs[a].kind == HT_CAT) {
            rows = otter__rd_u32(r);
            if (!otter__rd_ok(r) || rows < 1 || rows > m->attrs[a].n_values)
                return corrupt_in(err, type, "bad observer size");
        }
        if (!otter__ht_obs_ensure(m, leaf, a, rows - 1))
            return otter_error_set(err, OTTER_NOMEM, "out of memory decoding a Hoeffding tree");
        ht_obs *o = &leaf->obs[a];
        size_t nd = otter__ht_obs_doubles(m, a, o);
        if (nd > (r->len - r->pos) / 8 || !read_finite(r, o->d, nd, 0))
            return corrupt_in(err, type, "bad observer statistics");
    }
    return OTTER_OK;
}

otter_status otter__ht_decode(ht_model *m, const uint8_t *p, size_t len, otter_error *err)
{
    otter__rd r;
    otter__rd_init(&r, p, len);
    uint32_t k = otter__rd_u32(&r);
    if (!otter__rd_ok(&r) || k != m->k)
        return corrupt(err, "class count does not match the parameters");
    m->rows = otter__rd_u64(&r);
    m->deactivated = otter__rd_u64(&r);
    m->reactivated = otter__rd_u64(&r);
    otter_status st = otter__ht_read_names(m, &r, "hoeffding", err);
    if (st != OTTER_OK)
        return st;
    uint32_t n_nodes = otter__rd_u32(&r), n_leaves = otter__rd_u32(&r);
    if (!otter__rd_ok(&r) || n_nodes < 1 || n_leaves < 1 || n_leaves > n_nodes ||
        n_nodes > (r.len - r.pos) / 8 || n_leaves > (r.len - r.pos) / (28 + 8 * m->k))
        return corrupt(err, "bad node count");
    if (!otter__ht_reserve(m, n_nodes, n_leaves))
        return otter_error_set(err, OTTER_NOMEM, "out of memory decoding a Hoeffding tree");
    uint32_t *parent = malloc(n_nodes * sizeof *parent);
    uint8_t *leaf_used = calloc(n_leaves, 1);
    if (!parent || !leaf_used) {
        st = otter_error_set(err, OTTER_NOMEM, "out of memory decoding a Hoeffding tree");
        goto done;
    }
    memset(parent, 0xff, n_nodes * sizeof *parent);
    m->n_nodes = n_nodes;
    m->n_leaves = n_leaves;
    memset(m->leaves, 0, n_leaves * sizeof *m->leaves);
    for (uint32_t i = 0; i < n_nodes && st == OTTER_OK; i++) {
        if (i > 0 && parent[i] == HT_NONE) {
            st = corrupt(err, "node without a parent");
            break;
        }
        st = read_node(m, &r, i, parent, leaf_used, err);
    }
    for (uint32_t l = 0; l < n_leaves && st == OTTER_OK; l++)
        if (!leaf_used[l])
            st = corrupt(err, "unused leaf slot");
    for (uint32_t l = 0; l < n_leaves && st == OTTER_OK; l++)
        st = otter__ht_read_leaf(m, &r, "hoeffding", &m->leaves[l], m->ldist + (size_t)l * m->k,
                                 err);
    if (st == OTTER_OK && !otter__rd_done(&r))
        st = corrupt(err, "truncated or extra bytes");
done:
    free(parent);
    free(leaf_used);
    return st;
}

/* ---- describe ---- */

/* Appends "ns:name" (or "name") of attribute a to buf at *len, within cap. */
static void put_name(const ht_model *m, uint32_t a, char *buf, size_t *len, size_t cap)
{
    const char *ns = m->strs + m->attrs[a].ns_off, *name = m->strs + m->attrs[a].name_off;
    size_t need = strlen(ns) + strlen(name) + 2;
    if (*len + need + 1 > cap)
        return;
    if (*len)
        buf[(*len)++] = ',';
    if (*ns) {
        memcpy(buf + *len, ns, strlen(ns));
        *len += strlen(ns);
        buf[(*len)++] = ':';
    }
    memcpy(buf + *len, name, strlen(name));
    *len += strlen(name);
    buf[*len] = '\0';
}

void otter__ht_describe(const ht_model *m, const otter_kv_sink *sink)
{
    if (sink->num) {
        sink->num(sink->ud, "nodes", (double)m->n_nodes);
        sink->num(sink->ud, "leaves", (double)m->n_leaves);
        sink->num(sink->ud, "depth", (double)m->depth);
        sink->num(sink->ud, "attributes", (double)m->n_attrs);
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
    uint8_t *seen = calloc(m->n_attrs ? m->n_attrs : 1, 1);
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
