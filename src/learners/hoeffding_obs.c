/* Hoeffding tree internals: the attribute table (names discovered from the data), the
 * per-leaf attribute observers and the split evaluation (Domingos and Hulten, KDD 2000).
 *
 * Numeric observer: per class a Gaussian (weighted Welford mean and M2) plus min and
 * max, as MOA's GaussianNumericAttributeClassObserver; candidate thresholds are `bins`
 * points equally spaced strictly between the overall min and max, and the class weights
 * on each side come from the Gaussian CDFs. Categorical observer: per value per class
 * weights, giving a multiway split with one branch per value. Merits are information
 * gain (with MOA's rule that at least two branches must hold 1% of the weight) or the
 * Gini gain; not splitting has merit 0 under both. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hoeffding_int.h"
#include "otter/hash.h"

void *otter__ht_grow(ht_model *m, void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t nc = *cap ? *cap : 4;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem)
            return NULL;
        nc *= 2;
    }
    void *np = realloc(p, nc * elem);
    if (!np)
        return NULL;
    m->bytes += (nc - *cap) * elem;
    *cap = nc;
    return np;
}

size_t otter__ht_cap_for(size_t n)
{
    size_t c = 4;
    while (c < n)
        c *= 2;
    return n ? c : 0;
}

void *otter__ht_grow_scratch(ht_model *m, void *p, size_t *cap, size_t need, size_t elem)
{
    size_t before = m->bytes;
    void *np = otter__ht_grow(m, p, cap, need, elem);
    m->scratch_bytes += m->bytes - before;
    m->bytes = before;
    return np;
}

void otter__ht_release(ht_model *m, void *p, size_t n_bytes)
{
    free(p);
    m->bytes -= n_bytes;
}

/* ---- attribute table ---- */

static const char *str_at(const ht_model *m, uint32_t off)
{
    return m->strs + off;
}

/* strcmp(a, b) == 0 for the short names and categories compared on every row: inline,
 * it costs less than the call into the C library. */
static inline int same_str(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

int otter__ht_feat_is(const ht_model *m, const otter_instance *inst, const struct otter__feat *f,
                      const ht_attr *a)
{
    const struct otter__key *key = &inst->keys[f->key];
    if (key->name_hash != a->hash || (f->cat_off >= 0) != (a->kind == HT_CAT))
        return 0;
    return same_str(str_at(m, a->name_off), inst->names + key->name_off) &&
           same_str(str_at(m, a->ns_off), inst->names + key->ns_off);
}

uint32_t otter__ht_attr_find(const ht_model *m, const otter_instance *inst,
                             const struct otter__feat *f)
{
    if (!m->attr_index_cap)
        return HT_NONE;
    const struct otter__key *key = &inst->keys[f->key];
    size_t mask = m->attr_index_cap - 1;
    for (size_t i = key->name_hash & mask;; i = (i + 1) & mask) {
        uint32_t slot = m->attr_index[i];
        if (!slot)
            return HT_NONE;
        const ht_attr *a = &m->attrs[slot - 1];
        if (a->hash == key->name_hash &&
            same_str(str_at(m, a->name_off), inst->names + key->name_off) &&
            same_str(str_at(m, a->ns_off), inst->names + key->ns_off))
            return slot - 1;
    }
}

uint32_t otter__ht_value_find(const ht_model *m, uint32_t attr, const otter_instance *inst,
                              const struct otter__feat *f)
{
    if (!m->val_index_cap)
        return HT_NONE;
    size_t mask = m->val_index_cap - 1;
    const char *s = inst->cats + f->cat_off;
    for (size_t i = f->hash & mask;; i = (i + 1) & mask) {
        uint32_t slot = m->val_index[i];
        if (!slot)
            return HT_NONE;
        const ht_value *v = &m->vals[slot - 1];
        if (v->hash == f->hash && v->attr == attr && same_str(str_at(m, v->str_off), s))
            return v->local;
    }
}

/* Appends a NUL-terminated string to the arena; HT_NONE on failure. */
static uint32_t str_add(ht_model *m, const char *s, size_t len)
{
    size_t n = len + 1;
    if (m->strs_len + n > UINT32_MAX)
        return HT_NONE;
    char *p = otter__ht_grow(m, m->strs, &m->strs_cap, m->strs_len + n, 1);
    if (!p)
        return HT_NONE;
    m->strs = p;
    memcpy(p + m->strs_len, s, len);
    p[m->strs_len + len] = '\0';
    uint32_t off = (uint32_t)m->strs_len;
    m->strs_len += n;
    return off;
}

/* Rebuilds an index of `n` entries with hashes hash_of(i) at capacity >= 2n. */
static int index_fit(ht_model *m, uint32_t **index, size_t *cap, size_t n, int vals)
{
    if (*cap && n * 2 <= *cap)
        return 1;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < n * 2)
        nc *= 2;
    uint32_t *ni = calloc(nc, sizeof *ni);
    if (!ni)
        return 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t h = vals ? m->vals[j].hash : m->attrs[j].hash;
        size_t i = h & (nc - 1);
        while (ni[i])
            i = (i + 1) & (nc - 1);
        ni[i] = (uint32_t)j + 1;
    }
    otter__ht_release(m, *index, *cap * sizeof **index);
    m->bytes += nc * sizeof *ni;
    *index = ni;
    *cap = nc;
    return 1;
}

uint32_t otter__ht_attr_add(ht_model *m, const char *ns, size_t ns_len, const char *name,
                            size_t name_len, uint32_t kind)
{
    if (m->n_attrs >= UINT32_MAX - 1)
        return HT_NONE;
    ht_attr *a = otter__ht_grow(m, m->attrs, &m->attrs_cap, m->n_attrs + 1, sizeof *a);
    if (!a)
        return HT_NONE;
    m->attrs = a;
    if (!index_fit(m, &m->attr_index, &m->attr_index_cap, m->n_attrs + 1, 0))
        return HT_NONE;
    uint32_t ns_off = str_add(m, ns, ns_len), name_off = str_add(m, name, name_len);
    if (ns_off == HT_NONE || name_off == HT_NONE)
        return HT_NONE;
    uint32_t id = (uint32_t)m->n_attrs++;
    uint32_t ns_hash = otter_murmur3_32(ns, ns_len, 0);
    a[id] = (ht_attr){ns_off, name_off, otter_murmur3_32(name, name_len, ns_hash), kind, 0};
    size_t mask = m->attr_index_cap - 1, i = a[id].hash & mask;
    while (m->attr_index[i])
        i = (i + 1) & mask;
    m->attr_index[i] = id + 1;
    return id;
}

uint32_t otter__ht_value_add(ht_model *m, uint32_t attr, const char *value, size_t len)
{
    if (m->n_vals >= UINT32_MAX - 1)
        return HT_NONE;
    ht_value *v = otter__ht_grow(m, m->vals, &m->vals_cap, m->n_vals + 1, sizeof *v);
    if (!v)
        return HT_NONE;
    m->vals = v;
    if (!index_fit(m, &m->val_index, &m->val_index_cap, m->n_vals + 1, 1))
        return HT_NONE;
    uint32_t off = str_add(m, value, len);
    if (off == HT_NONE)
        return HT_NONE;
    ht_attr *a = &m->attrs[attr];
    uint32_t id = (uint32_t)m->n_vals++;
    v[id] = (ht_value){attr, a->n_values++, off, otter_murmur3_32(value, len, a->hash)};
    size_t mask = m->val_index_cap - 1, i = v[id].hash & mask;
    while (m->val_index[i])
        i = (i + 1) & mask;
    m->val_index[i] = id + 1;
    return v[id].local;
}

/* ---- observers ---- */

/* Reallocates an array of doubles from n to nn elements (nn > n), zeroing the new tail. */
static double *resize(ht_model *m, double *p, size_t n, size_t nn)
{
    double *d = realloc(p, nn * sizeof *d);
    if (!d)
        return NULL;
    memset(d + n, 0, (nn - n) * sizeof *d);
    m->bytes += (nn - n) * sizeof *d;
    return d;
}

size_t otter__ht_obs_doubles(const ht_model *m, uint32_t attr, const ht_obs *o)
{
    return m->attrs[attr].kind == HT_NUM ? m->k * HT_NUM_STRIDE : m->k * (1 + (size_t)o->n);
}

int otter__ht_obs_ensure(ht_model *m, ht_leaf *leaf, uint32_t attr, uint32_t value)
{
    if (attr >= leaf->n_obs) {
        /* exactly one slot per attribute known, so n_obs <= n_attrs always holds */
        size_t n = m->n_attrs;
        ht_obs *o = realloc(leaf->obs, n * sizeof *o);
        if (!o)
            return 0;
        memset(o + leaf->n_obs, 0, (n - leaf->n_obs) * sizeof *o);
        m->bytes += (n - leaf->n_obs) * sizeof *o;
        leaf->obs = o;
        leaf->n_obs = (uint32_t)n;
    }
    ht_obs *o = &leaf->obs[attr];
    size_t k = m->k;
    if (m->attrs[attr].kind == HT_NUM) {
        if (o->d)
            return 1;
        if (!(o->d = resize(m, NULL, 0, k * HT_NUM_STRIDE)))
            return 0;
        o->n = o->cap = 1;
        return 1;
    }
    if (o->d && value < o->n)
        return 1;
    size_t rows = (size_t)value + 1;
    if (!o->d || rows > o->cap) {
        size_t want = o->cap ? o->cap : 2;
        while (want < rows)
            want *= 2;
        double *d = resize(m, o->d, o->d ? k * (1 + (size_t)o->cap) : 0, k * (1 + want));
        if (!d)
            return 0;
        o->d = d;
        o->cap = (uint32_t)want;
    }
    o->n = (uint32_t)rows;
    return 1;
}

void otter__ht_obs_update(const ht_model *m, ht_leaf *leaf, uint32_t attr, uint32_t value, double x,
                          size_t y, double w)
{
    ht_obs *o = &leaf->obs[attr];
    if (m->attrs[attr].kind == HT_CAT) {
        o->d[y] += w;
        o->d[m->k * (1 + (size_t)value) + y] += w;
        return;
    }
    double *s = o->d + y * HT_NUM_STRIDE;
    if (s[HT_W] == 0.0) {
        s[HT_MIN] = s[HT_MAX] = x;
    } else {
        s[HT_MIN] = x < s[HT_MIN] ? x : s[HT_MIN];
        s[HT_MAX] = x > s[HT_MAX] ? x : s[HT_MAX];
    }
    s[HT_W] += w;
    double d = x - s[HT_MEAN];
    s[HT_MEAN] += d * w / s[HT_W];
    s[HT_M2] += w * d * (x - s[HT_MEAN]);
}

static double gauss_sd(const double *s)
{
    return s[HT_W] > 1.0 ? sqrt(s[HT_M2] / (s[HT_W] - 1.0)) : 0.0;
}

/* Probabilities below this count as this, so a single attribute cannot veto a class. */
#define HT_MIN_LOGP (-700.0)

void otter__ht_obs_nb(const ht_model *m, const ht_leaf *leaf, uint32_t attr, uint32_t value,
                      double x, double *logv)
{
    if (attr >= leaf->n_obs || !leaf->obs[attr].d)
        return;
    const ht_obs *o = &leaf->obs[attr];
    size_t k = m->k;
    if (m->attrs[attr].kind == HT_CAT) {
        const double *row = value < o->n ? o->d + k * (1 + (size_t)value) : NULL;
        for (size_t c = 0; c < k; c++) {
            double p = ((row ? row[c] : 0.0) + 1.0) / (o->d[c] + (double)o->n);
            logv[c] += log(p);
        }
        return;
    }
    for (size_t c = 0; c < k; c++) {
        const double *s = o->d + c * HT_NUM_STRIDE;
        double sd = gauss_sd(s), lp;
        if (s[HT_W] <= 0.0) {
            lp = HT_MIN_LOGP;
        } else if (sd > 0.0) {
            double z = (x - s[HT_MEAN]) / sd;
            lp = -0.5 * z * z - log(sd * 2.5066282746310002);
        } else {
            lp = x == s[HT_MEAN] ? 0.0 : HT_MIN_LOGP;
        }
        logv[c] += lp < HT_MIN_LOGP ? HT_MIN_LOGP : lp;
    }
}

void otter__ht_obs_free(ht_model *m, ht_leaf *leaf)
{
    for (uint32_t a = 0; a < leaf->n_obs; a++) {
        ht_obs *o = &leaf->obs[a];
        if (!o->d)
            continue;
        size_t n = m->attrs[a].kind == HT_NUM ? m->k * HT_NUM_STRIDE : m->k * (1 + (size_t)o->cap);
        otter__ht_release(m, o->d, n * sizeof(double));
    }
    otter__ht_release(m, leaf->obs, leaf->n_obs * sizeof *leaf->obs);
    leaf->obs = NULL;
    leaf->n_obs = 0;
}

/* ---- split evaluation ---- */

static double entropy(const double *d, size_t k)
{
    double sum = 0, h = 0;
    for (size_t c = 0; c < k; c++)
        sum += d[c];
    if (sum <= 0)
        return 0;
    for (size_t c = 0; c < k; c++)
        if (d[c] > 0)
            h -= d[c] / sum * log2(d[c] / sum);
    return h;
}

static double gini(const double *d, size_t k)
{
    double sum = 0, g = 1;
    for (size_t c = 0; c < k; c++)
        sum += d[c];
    if (sum <= 0)
        return 0;
    for (size_t c = 0; c < k; c++)
        g -= (d[c] / sum) * (d[c] / sum);
    return g;
}

double otter__ht_merit(const ht_model *m, const double *pre, const double *post, size_t nb)
{
    size_t k = m->k;
    double total = 0;
    double (*impurity)(const double *, size_t) = m->criterion == HT_GINI ? gini : entropy;
    for (size_t b = 0; b < nb; b++)
        for (size_t c = 0; c < k; c++)
            total += post[b * k + c];
    if (total <= 0)
        return -INFINITY;
    double after = 0;
    size_t big = 0;
    for (size_t b = 0; b < nb; b++) {
        double bw = 0;
        for (size_t c = 0; c < k; c++)
            bw += post[b * k + c];
        big += bw > 0.01 * total;
        after += bw / total * impurity(post + b * k, k);
    }
    if (m->criterion == HT_INFO_GAIN && big < 2)
        return -INFINITY;
    return impurity(pre, k) - after;
}

/* Class weights on each side of a numeric threshold (MOA's Gaussian observer rule). */
static void num_post(const ht_model *m, const ht_obs *o, double t, double *out)
{
    size_t k = m->k;
    for (size_t c = 0; c < k; c++) {
        const double *s = o->d + c * HT_NUM_STRIDE;
        double w = s[HT_W], lhs;
        if (w <= 0) {
            lhs = 0;
        } else if (t < s[HT_MIN]) {
            lhs = 0;
        } else if (t >= s[HT_MAX]) {
            lhs = w;
        } else {
            double sd = gauss_sd(s);
            double cdf = sd > 0 ? 0.5 * erfc(-(t - s[HT_MEAN]) / (sd * 1.4142135623730951))
                                : (t >= s[HT_MEAN] ? 1.0 : 0.0);
            lhs = w * cdf;
        }
        out[c] = lhs;
        out[k + c] = w - lhs;
    }
}

size_t otter__ht_post_size(const ht_model *m, const ht_leaf *leaf, uint32_t attr)
{
    if (m->attrs[attr].kind == HT_NUM || attr >= leaf->n_obs)
        return 2 * m->k;
    size_t n = leaf->obs[attr].n;
    return (n > 2 ? n : 2) * m->k;
}

void otter__ht_post(const ht_model *m, const ht_leaf *leaf, const ht_split *s, double *out)
{
    const ht_obs *o = &leaf->obs[s->attr];
    if (m->attrs[s->attr].kind == HT_NUM)
        num_post(m, o, s->threshold, out);
    else
        memcpy(out, o->d + m->k, (size_t)s->n_branches * m->k * sizeof *out);
}

ht_split otter__ht_best_split(const ht_model *m, const ht_leaf *leaf, const double *pre,
                              uint32_t attr, double *out)
{
    ht_split best = {-INFINITY, attr, 0.0, 0};
    if (attr >= leaf->n_obs || !leaf->obs[attr].d)
        return best;
    const ht_obs *o = &leaf->obs[attr];
    size_t k = m->k;
    if (m->attrs[attr].kind == HT_CAT) {
        if (o->n < 2)
            return best;
        best.n_branches = o->n;
        best.merit = otter__ht_merit(m, pre, o->d + k, o->n);
        return best;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t c = 0; c < k; c++) {
        const double *s = o->d + c * HT_NUM_STRIDE;
        if (s[HT_W] <= 0)
            continue;
        lo = s[HT_MIN] < lo ? s[HT_MIN] : lo;
        hi = s[HT_MAX] > hi ? s[HT_MAX] : hi;
    }
    if (!(lo < hi))
        return best;
    double step = (hi - lo) / ((double)m->bins + 1.0);
    for (uint32_t i = 0; i < m->bins; i++) {
        double t = lo + step * (double)(i + 1);
        num_post(m, o, t, out);
        double merit = otter__ht_merit(m, pre, out, 2);
        if (merit > best.merit) {
            best.merit = merit;
            best.threshold = t;
            best.n_branches = 2;
        }
    }
    return best;
}
