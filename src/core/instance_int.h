/* Internal layout of otter_instance, shared with the learners so their hot loops read
 * the feature arrays directly instead of through otter_instance_feature(). */
#ifndef OTTER_INSTANCE_INT_H
#define OTTER_INSTANCE_INT_H

#include "otter/instance.h"

/* One interned (namespace, name) pair. Offsets point into the names arena. */
struct otter__key {
    uint32_t ns_off;
    uint32_t name_off;
    uint32_t ns_hash;   /* MurmurHash3(ns, 0) */
    uint32_t name_hash; /* MurmurHash3(name, ns_hash): the numeric feature's hash */
};

/* One feature of the current row. */
struct otter__feat {
    uint32_t key;
    uint32_t hash;   /* final feature hash (numeric: name_hash; categorical: of the value) */
    double value;    /* 1.0 for categorical */
    int64_t cat_off; /* offset of the category in the cats arena, -1 for numeric */
};

struct otter_instance {
    /* interned names: arena of NUL-terminated strings, key table, open-addressing index */
    char *names;
    size_t names_len, names_cap;
    struct otter__key *keys;
    size_t n_keys, keys_cap;
    uint32_t *index; /* key id + 1, 0 = empty; size index_cap (a power of two) */
    size_t index_cap;
    /* current row */
    struct otter__feat *feats;
    size_t n_feats, feats_cap;
    char *cats;
    size_t cats_len, cats_cap;
    double *dense;
    size_t n_dense, dense_cap;
    /* otter_instance_decode's map from row-local name index to key, kept across calls so
     * a reused builder decodes without allocating */
    otter_feature_key *row_keys;
    size_t row_keys_cap;
};

/* Grows *p (elements of size sz, capacity *cap) to hold at least need elements,
 * doubling. Returns -1 (leaving *p and *cap as they were) when allocation fails. */
int otter__instance_grow(void **p, size_t *cap, size_t need, size_t sz);

#endif
