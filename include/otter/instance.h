/* Instances: the one example type every learner, bandit context and generator uses.
 *
 * An instance holds named numeric features, named categorical features (string values),
 * each optionally in a namespace, and an optional dense numeric array. It doubles as a
 * builder that is reused across rows: otter_instance_clear() drops the row but keeps
 * the buffers and the table of interned (namespace, name) pairs, so filling a row in
 * steady state does not allocate. Parsers intern a column once (otter_instance_intern)
 * and then add values by key; the feature hash of a numeric feature is computed once
 * per interned name, not per row.
 *
 * Hashing (used by linear models and contextual bandits): the namespace hash is
 * MurmurHash3(ns, seed 0); a numeric feature hashes as MurmurHash3(name, ns_hash) and a
 * categorical one as MurmurHash3(value, MurmurHash3(name, ns_hash)). Learners mask the
 * 32-bit hash to their table size. Trees use names and categories themselves.
 *
 * A feature absent from a row is missing, not zero. NaN and infinite values are
 * rejected with OTTER_INVALID naming the feature. Names may repeat within a row
 * (linear models add the repeats; see each learner for its rule).
 *
 * Thread safety: an instance may be read by many threads at once once built; building
 * it is single-threaded.
 */
#ifndef OTTER_INSTANCE_H
#define OTTER_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_instance otter_instance;

/* Id of an interned (namespace, name) pair, stable for the life of the instance. */
typedef uint32_t otter_feature_key;

/* A borrowed view of one named feature. Its pointers are valid until the next call
 * that changes the instance (intern, add, clear, set_dense) or destroy: interning a new
 * name or adding a category may move the arenas they point into. */
typedef struct otter_feature {
    otter_feature_key key;
    uint32_t hash;        /* see the hashing rule above */
    double value;         /* numeric value; 1.0 for a categorical feature */
    const char *ns;       /* "" for the default namespace */
    const char *name;     /* NUL-terminated */
    const char *category; /* NUL-terminated category, or NULL for a numeric feature */
} otter_feature;

/* Creates an empty instance/builder. Owned by the caller. */
otter_status otter_instance_create(otter_instance **out, otter_error *err);

/* Frees it. NULL is a no-op. */
void otter_instance_destroy(otter_instance *inst);

/* Drops the current row (features and dense array), keeping buffers and interned names. */
void otter_instance_clear(otter_instance *inst);

/* Interns (ns, name) and returns its key. ns may be NULL or empty for the default
 * namespace. Lengths are explicit so parsers can pass slices of a line; the bytes must
 * not contain NUL. Allocates only the first time a pair is seen. */
otter_status otter_instance_intern(otter_instance *inst, const char *ns, size_t ns_len,
                                   const char *name, size_t name_len, otter_feature_key *key,
                                   otter_error *err);

/* Adds a numeric feature by key. OTTER_INVALID for NaN/Inf or an unknown key. */
otter_status otter_instance_add_num(otter_instance *inst, otter_feature_key key, double value,
                                    otter_error *err);

/* Adds a categorical feature by key; the value bytes are copied (no NUL inside). */
otter_status otter_instance_add_cat(otter_instance *inst, otter_feature_key key, const char *value,
                                    size_t value_len, otter_error *err);

/* Convenience: intern NUL-terminated (ns, name) and add. ns may be NULL. */
otter_status otter_instance_num(otter_instance *inst, const char *ns, const char *name,
                                double value, otter_error *err);
otter_status otter_instance_cat(otter_instance *inst, const char *ns, const char *name,
                                const char *value, otter_error *err);

/* Sets the dense numeric array (copied). n may be 0 to clear it. OTTER_INVALID if any
 * element is NaN/Inf (naming its index). */
otter_status otter_instance_set_dense(otter_instance *inst, const double *x, size_t n,
                                      otter_error *err);

/* Number of named features in the current row. */
size_t otter_instance_size(const otter_instance *inst);

/* Fills *out with feature i (0 <= i < size). Returns OTTER_INVALID when out of range. */
otter_status otter_instance_feature(const otter_instance *inst, size_t i, otter_feature *out,
                                    otter_error *err);

/* Bulk view of the current row, for copying rows across threads or into JNI arrays:
 * writes the key, value and category (NULL for a numeric feature; borrowed until the
 * next change to inst) of features [first, first + n) into the arrays (any of them may
 * be NULL). Returns how many were written: fewer than n at the end of the row. */
size_t otter_instance_read_row(const otter_instance *inst, size_t first, size_t n,
                               otter_feature_key *keys, double *values, const char **categories);

/* Adds n numeric features by key, all or nothing: OTTER_INVALID (naming the feature) for
 * an unknown key or a NaN/Inf value, and then nothing is added. */
otter_status otter_instance_add_nums(otter_instance *inst, const otter_feature_key *keys,
                                     const double *values, size_t n, otter_error *err);

/* Borrowed dense array of the current row and its length (NULL/0 when unset). */
const double *otter_instance_dense(const otter_instance *inst, size_t *n);

/* Number of interned names, and the borrowed (ns, name) of a key (valid until the
 * next intern or destroy). */
size_t otter_instance_key_count(const otter_instance *inst);
otter_status otter_instance_key_name(const otter_instance *inst, otter_feature_key key,
                                     const char **ns, const char **name, otter_error *err);

#ifdef __cplusplus
}
#endif
#endif
