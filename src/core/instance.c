/* Instances: the row representation shared by every learner and bandit, and the
 * builder that fills it without allocating per row. Names are interned once into an
 * arena with an open-addressing index; a row is an array of (key, hash, value) with
 * categories copied into a reusable arena. */
#include "instance_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "otter/hash.h"

otter_status otter_instance_create(otter_instance **out, otter_error *err)
{
    otter_instance *inst = calloc(1, sizeof *inst);
    if (!inst)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate instance");
    *out = inst;
    return OTTER_OK;
}

void otter_instance_destroy(otter_instance *inst)
{
    if (!inst)
        return;
    free(inst->names);
    free(inst->keys);
    free(inst->index);
    free(inst->feats);
    free(inst->cats);
    free(inst->dense);
    free(inst->row_keys);
    free(inst);
}

void otter_instance_clear(otter_instance *inst)
{
    inst->n_feats = 0;
    inst->cats_len = 0;
    inst->n_dense = 0;
}

/* Grows *p (elements of size sz) to hold at least need elements. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *np = realloc(*p, c * sz);
    if (!np)
        return -1;
    *p = np;
    *cap = c;
    return 0;
}

int otter__instance_grow(void **p, size_t *cap, size_t need, size_t sz)
{
    return grow(p, cap, need, sz);
}

static uint32_t pair_hash(const char *ns, size_t ns_len, const char *name, size_t name_len)
{
    return otter_murmur3_32(name, name_len, otter_murmur3_32(ns, ns_len, 0x9747b28cu));
}

static int key_equals(const otter_instance *inst, uint32_t id, const char *ns, size_t ns_len,
                      const char *name, size_t name_len)
{
    const struct otter__key *k = &inst->keys[id];
    const char *kn = inst->names + k->ns_off;
    const char *km = inst->names + k->name_off;
    return strncmp(kn, ns, ns_len) == 0 && kn[ns_len] == '\0' && strncmp(km, name, name_len) == 0 &&
           km[name_len] == '\0';
}

static int index_insert(uint32_t *index, size_t cap, uint32_t h, uint32_t id)
{
    size_t mask = cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        if (index[i] == 0) {
            index[i] = id + 1;
            return 0;
        }
    }
}

static otter_status rehash(otter_instance *inst, otter_error *err)
{
    size_t cap = inst->index_cap ? inst->index_cap * 2 : 64;
    uint32_t *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return otter_error_set(err, OTTER_NOMEM, "cannot grow feature name index");
    for (uint32_t id = 0; id < inst->n_keys; id++) {
        const struct otter__key *k = &inst->keys[id];
        const char *ns = inst->names + k->ns_off, *nm = inst->names + k->name_off;
        index_insert(idx, cap, pair_hash(ns, strlen(ns), nm, strlen(nm)), id);
    }
    free(inst->index);
    inst->index = idx;
    inst->index_cap = cap;
    return OTTER_OK;
}

static otter_status add_key(otter_instance *inst, const char *ns, size_t ns_len, const char *name,
                            size_t name_len, uint32_t h, uint32_t *id, otter_error *err)
{
    if (inst->n_keys >= UINT32_MAX - 1 || inst->names_len + ns_len + name_len + 2 > UINT32_MAX)
        return otter_error_set(err, OTTER_INVALID, "too many distinct feature names");
    if (grow((void **)&inst->names, &inst->names_cap, inst->names_len + ns_len + name_len + 2, 1) ||
        grow((void **)&inst->keys, &inst->keys_cap, inst->n_keys + 1, sizeof *inst->keys))
        return otter_error_set(err, OTTER_NOMEM, "cannot intern feature name");
    if ((inst->n_keys + 1) * 2 > inst->index_cap) {
        otter_status st = rehash(inst, err);
        if (st != OTTER_OK)
            return st;
    }
    struct otter__key *k = &inst->keys[inst->n_keys];
    k->ns_off = (uint32_t)inst->names_len;
    memcpy(inst->names + inst->names_len, ns, ns_len);
    inst->names[inst->names_len + ns_len] = '\0';
    inst->names_len += ns_len + 1;
    k->name_off = (uint32_t)inst->names_len;
    memcpy(inst->names + inst->names_len, name, name_len);
    inst->names[inst->names_len + name_len] = '\0';
    inst->names_len += name_len + 1;
    k->ns_hash = ns_len ? otter_murmur3_32(ns, ns_len, 0) : 0;
    k->name_hash = otter_murmur3_32(name, name_len, k->ns_hash);
    *id = (uint32_t)inst->n_keys++;
    index_insert(inst->index, inst->index_cap, h, *id);
    return OTTER_OK;
}

otter_status otter_instance_intern(otter_instance *inst, const char *ns, size_t ns_len,
                                   const char *name, size_t name_len, otter_feature_key *key,
                                   otter_error *err)
{
    if (!ns)
        ns_len = 0, ns = "";
    if (!name || name_len == 0)
        return otter_error_set(err, OTTER_INVALID, "feature name is empty");
    if (memchr(name, '\0', name_len) || memchr(ns, '\0', ns_len))
        return otter_error_set(err, OTTER_INVALID, "feature name contains a NUL byte");
    uint32_t h = pair_hash(ns, ns_len, name, name_len);
    if (inst->index_cap) {
        size_t mask = inst->index_cap - 1;
        for (size_t i = h & mask; inst->index[i]; i = (i + 1) & mask) {
            uint32_t id = inst->index[i] - 1;
            if (key_equals(inst, id, ns, ns_len, name, name_len)) {
                *key = id;
                return OTTER_OK;
            }
        }
    }
    return add_key(inst, ns, ns_len, name, name_len, h, key, err);
}

static otter_status push_feat(otter_instance *inst, otter_feature_key key, uint32_t hash,
                              double value, int64_t cat_off, otter_error *err)
{
    if (inst->n_feats == inst->feats_cap &&
        grow((void **)&inst->feats, &inst->feats_cap, inst->n_feats + 1, sizeof *inst->feats))
        return otter_error_set(err, OTTER_NOMEM, "cannot grow instance");
    struct otter__feat *f = &inst->feats[inst->n_feats++];
    f->key = key;
    f->hash = hash;
    f->value = value;
    f->cat_off = cat_off;
    return OTTER_OK;
}

otter_status otter_instance_add_num(otter_instance *inst, otter_feature_key key, double value,
                                    otter_error *err)
{
    if (key >= inst->n_keys)
        return otter_error_set(err, OTTER_INVALID, "unknown feature key %u", (unsigned)key);
    if (!isfinite(value))
        return otter_error_set(err, OTTER_INVALID, "feature '%s': value is %s",
                               inst->names + inst->keys[key].name_off,
                               isnan(value) ? "NaN" : "infinite");
    return push_feat(inst, key, inst->keys[key].name_hash, value, -1, err);
}

otter_status otter_instance_add_cat(otter_instance *inst, otter_feature_key key, const char *value,
                                    size_t value_len, otter_error *err)
{
    if (key >= inst->n_keys)
        return otter_error_set(err, OTTER_INVALID, "unknown feature key %u", (unsigned)key);
    if (!value || memchr(value, '\0', value_len))
        return otter_error_set(err, OTTER_INVALID, "feature '%s': category contains a NUL byte",
                               inst->names + inst->keys[key].name_off);
    if (grow((void **)&inst->cats, &inst->cats_cap, inst->cats_len + value_len + 1, 1))
        return otter_error_set(err, OTTER_NOMEM, "cannot grow category buffer");
    int64_t off = (int64_t)inst->cats_len;
    memcpy(inst->cats + off, value, value_len);
    inst->cats[off + (int64_t)value_len] = '\0';
    uint32_t h = otter_murmur3_32(value, value_len, inst->keys[key].name_hash);
    otter_status st = push_feat(inst, key, h, 1.0, off, err);
    if (st == OTTER_OK)
        inst->cats_len += value_len + 1;
    return st;
}

otter_status otter_instance_num(otter_instance *inst, const char *ns, const char *name,
                                double value, otter_error *err)
{
    otter_feature_key key;
    otter_status st = otter_instance_intern(inst, ns, ns ? strlen(ns) : 0, name,
                                            name ? strlen(name) : 0, &key, err);
    return st != OTTER_OK ? st : otter_instance_add_num(inst, key, value, err);
}

otter_status otter_instance_cat(otter_instance *inst, const char *ns, const char *name,
                                const char *value, otter_error *err)
{
    if (!value)
        return otter_error_set(err, OTTER_INVALID, "feature '%s': category is NULL",
                               name ? name : "");
    otter_feature_key key;
    otter_status st = otter_instance_intern(inst, ns, ns ? strlen(ns) : 0, name,
                                            name ? strlen(name) : 0, &key, err);
    return st != OTTER_OK ? st : otter_instance_add_cat(inst, key, value, strlen(value), err);
}

otter_status otter_instance_set_dense(otter_instance *inst, const double *x, size_t n,
                                      otter_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return otter_error_set(err, OTTER_INVALID, "dense feature %zu: value is %s", i,
                                   isnan(x[i]) ? "NaN" : "infinite");
    if (grow((void **)&inst->dense, &inst->dense_cap, n, sizeof *inst->dense))
        return otter_error_set(err, OTTER_NOMEM, "cannot grow dense array");
    if (n)
        memcpy(inst->dense, x, n * sizeof *x);
    inst->n_dense = n;
    return OTTER_OK;
}

size_t otter_instance_size(const otter_instance *inst)
{
    return inst->n_feats;
}

otter_status otter_instance_feature(const otter_instance *inst, size_t i, otter_feature *out,
                                    otter_error *err)
{
    if (i >= inst->n_feats)
        return otter_error_set(err, OTTER_INVALID, "feature index %zu out of range (%zu)", i,
                               inst->n_feats);
    const struct otter__feat *f = &inst->feats[i];
    const struct otter__key *k = &inst->keys[f->key];
    out->key = f->key;
    out->hash = f->hash;
    out->value = f->value;
    out->ns = inst->names + k->ns_off;
    out->name = inst->names + k->name_off;
    out->category = f->cat_off >= 0 ? inst->cats + f->cat_off : NULL;
    return OTTER_OK;
}

size_t otter_instance_read_row(const otter_instance *inst, size_t first, size_t n,
                               otter_feature_key *keys, double *values, const char **categories)
{
    if (first >= inst->n_feats)
        return 0;
    if (n > inst->n_feats - first)
        n = inst->n_feats - first;
    const struct otter__feat *f = inst->feats + first;
    for (size_t i = 0; i < n; i++) {
        if (keys)
            keys[i] = f[i].key;
        if (values)
            values[i] = f[i].value;
        if (categories)
            categories[i] = f[i].cat_off >= 0 ? inst->cats + f[i].cat_off : NULL;
    }
    return n;
}

otter_status otter_instance_add_nums(otter_instance *inst, const otter_feature_key *keys,
                                     const double *values, size_t n, otter_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (keys[i] >= inst->n_keys)
            return otter_error_set(err, OTTER_INVALID, "unknown feature key %u", (unsigned)keys[i]);
        if (!isfinite(values[i]))
            return otter_error_set(err, OTTER_INVALID, "feature '%s': value is %s",
                                   inst->names + inst->keys[keys[i]].name_off,
                                   isnan(values[i]) ? "NaN" : "infinite");
    }
    if (inst->n_feats + n > inst->feats_cap &&
        grow((void **)&inst->feats, &inst->feats_cap, inst->n_feats + n, sizeof *inst->feats))
        return otter_error_set(err, OTTER_NOMEM, "cannot grow instance");
    struct otter__feat *f = inst->feats + inst->n_feats;
    for (size_t i = 0; i < n; i++) {
        f[i].key = keys[i];
        f[i].hash = inst->keys[keys[i]].name_hash;
        f[i].value = values[i];
        f[i].cat_off = -1;
    }
    inst->n_feats += n;
    return OTTER_OK;
}

const double *otter_instance_dense(const otter_instance *inst, size_t *n)
{
    if (n)
        *n = inst->n_dense;
    return inst->n_dense ? inst->dense : NULL;
}

size_t otter_instance_key_count(const otter_instance *inst)
{
    return inst->n_keys;
}

otter_status otter_instance_key_name(const otter_instance *inst, otter_feature_key key,
                                     const char **ns, const char **name, otter_error *err)
{
    if (key >= inst->n_keys)
        return otter_error_set(err, OTTER_INVALID, "unknown feature key %u", (unsigned)key);
    if (ns)
        *ns = inst->names + inst->keys[key].ns_off;
    if (name)
        *name = inst->names + inst->keys[key].name_off;
    return OTTER_OK;
}
