/* Internal to the stream generators: the built-in methods tables the context registers,
 * and one helper every generator uses to intern its fixed schema on the caller's
 * instance without allocating per row.
 */
#ifndef OTTER_GEN_INT_H
#define OTTER_GEN_INT_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/gen.h"

extern const otter_gen_type otter__gen_sea;
extern const otter_gen_type otter__gen_hyperplane;
extern const otter_gen_type otter__gen_agrawal;
extern const otter_gen_type otter__gen_rbf;
extern const otter_gen_type otter__gen_led;
extern const otter_gen_type otter__gen_fraud;
extern const otter_gen_type otter__gen_friedman;

/* The feature keys of a generator's schema, valid for the instance they were interned
 * on. `names` and `keys` are owned by the generator (usually static / its own arrays). */
typedef struct otter__gen_schema {
    const otter_instance *bound; /* instance the keys belong to; NULL before the first row */
    size_t n;
    const char *const *names;
    otter_feature_key *keys;
} otter__gen_schema;

/* True when the cached keys still name our features on inst. A caller may pass a
 * different instance (or a new one that happens to reuse a freed address), so besides
 * the pointer we check that the last key still maps to our last name: one strcmp a row. */
static inline int otter__gen_schema_valid(const otter__gen_schema *s, const otter_instance *inst)
{
    const char *ns = NULL, *name = NULL;
    if (s->bound != inst || s->n == 0)
        return s->bound == inst;
    if (otter_instance_key_name(inst, s->keys[s->n - 1], &ns, &name, NULL) != OTTER_OK)
        return 0;
    return name != NULL && strcmp(name, s->names[s->n - 1]) == 0 && (ns == NULL || *ns == '\0');
}

/* Makes sure the schema's keys are interned on inst (allocates only on a new instance). */
static inline otter_status otter__gen_schema_bind(otter__gen_schema *s, otter_instance *inst,
                                                  otter_error *err)
{
    if (otter__gen_schema_valid(s, inst))
        return OTTER_OK;
    s->bound = NULL;
    for (size_t i = 0; i < s->n; i++) {
        otter_status st = otter_instance_intern(inst, NULL, 0, s->names[i], strlen(s->names[i]),
                                                &s->keys[i], err);
        if (st != OTTER_OK)
            return st;
    }
    s->bound = inst;
    return OTTER_OK;
}

/* Adds a categorical value given as a NUL-terminated string. */
static inline otter_status otter__gen_add_cat(otter_instance *inst, otter_feature_key key,
                                              const char *value, otter_error *err)
{
    return otter_instance_add_cat(inst, key, value, strlen(value), err);
}

/* Builds the names "<prefix>0".."<prefix>{n-1}" in one block: *names (n pointers into
 * the same allocation) is freed with a single free(). OTTER_NOMEM on failure. */
static inline otter_status otter__gen_numbered_names(const char *prefix, size_t n,
                                                     const char ***names, otter_error *err)
{
    size_t plen = strlen(prefix), width = plen + 21; /* room for any size_t and NUL */
    char **ptrs = malloc(n * sizeof *ptrs + n * width);
    if (ptrs == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for %zu feature names", n);
    char *text = (char *)(ptrs + n);
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = text + i * width;
        snprintf(ptrs[i], width, "%s%zu", prefix, i);
    }
    *names = (const char **)ptrs;
    return OTTER_OK;
}

/* Parses a parameter holding strictly increasing non-negative row indices separated by
 * ',' (or ';' / ':', since otter_params_parse splits "k=v,k=v" text on commas), such as
 * "drift_at=1000,5000". text may be NULL or empty: *out = NULL, *n = 0. At most max
 * indices. *out is owned by the caller (free). OTTER_INVALID naming `name`, or
 * OTTER_NOMEM. */
otter_status otter__gen_parse_rows(const char *name, const char *text, size_t max, uint64_t **out,
                                   size_t *n, otter_error *err);

#endif
