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

#include "buf.h"
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

/* Appends the binary encoding of the current row to out (see the format below): its
 * features in order, with their namespaces, names, values and categories, and its dense
 * array. Keys are not stored, since they are private to each builder; only the names the
 * row uses are. inst is only read, so this may run alongside other readers; out is the
 * caller's. Allocates only to grow out and, for a row of more than 128 features, a
 * scratch table. On failure out->len is restored. Returns OTTER_NOMEM, or
 * OTTER_INVALID for a row with more than 2^32 - 1 features or dense values or a category
 * of 4 GiB or more.
 *
 * Format (version 1; integers little-endian, "str" is a u32 length and that many bytes,
 * no NUL):
 *     "OI" | u8 format version (1)
 *     u32 name count | that many (str namespace ("" for the default), str name) pairs,
 *                      each distinct and listed in the order the row first uses it
 *     u32 feature count | per feature: u32 index into those names, u8 kind, then
 *                         kind 0 (numeric): f64 value, or kind 1 (categorical): str category
 *     u32 dense length | that many f64
 *     u32 CRC32C of every byte before it
 * A row of 20 numeric features named "f0".."f19" takes 489 bytes. Every format version
 * keeps the magic, the version byte and the trailing CRC32C where they are. */
otter_status otter_instance_encode(const otter_instance *inst, otter_buf *out, otter_error *err);

/* Clears inst's row and fills it from an encoding made by otter_instance_encode(),
 * interning the names (so keys are inst's own, and a builder that has seen the names
 * decodes without allocating). The result has the same features in the same order, with
 * the same namespaces, names, categories and hashes, the numeric values and the dense
 * array bit for bit. data is borrowed for the call only. Returns OTTER_CORRUPT, with a
 * message naming what is wrong, for bytes that are not a whole, intact encoding
 * (truncated, damaged, followed by other bytes, or something else entirely: checked
 * through the CRC and the structure, never reading outside (data, len)), OTTER_VERSION
 * for a newer format, OTTER_NOMEM, or OTTER_INVALID when inst cannot intern more names.
 * On failure the row is left empty; names are interned only once the whole encoding has
 * been checked. */
otter_status otter_instance_decode(otter_instance *inst, const uint8_t *data, size_t len,
                                   otter_error *err);

#ifdef __cplusplus
}
#endif
#endif
