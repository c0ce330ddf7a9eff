/* Parameters: how every learner, bandit and generator is configured.
 *
 * A component is created from a type name plus key=value pairs ("l2=1e-6"). The values
 * stay text until a type's parameter table (an array of otter_param_spec) validates and
 * resolves them, so the core needs no JSON library: the HTTP layer, the CLI and the JNI
 * layer all map their input onto otter_params.
 *
 * Validation is its own step (otter_params_resolve) and runs before any state is
 * created; its error names the offending field and says what was expected.
 */
#ifndef OTTER_PARAMS_H
#define OTTER_PARAMS_H

#include <stddef.h>

#include "buf.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_params otter_params;

typedef enum otter_param_kind {
    OTTER_PARAM_DOUBLE, /* finite number within [min, max] */
    OTTER_PARAM_INT,    /* integer within [min, max] */
    OTTER_PARAM_BOOL,   /* true/false, 1/0, yes/no, on/off */
    OTTER_PARAM_ENUM,   /* one of the '|'-separated words in `choices` */
    OTTER_PARAM_STRING  /* free text (no newline) */
} otter_param_kind;

/* Flags for otter_param_spec.flags */
#define OTTER_PARAM_MIN_EXCLUSIVE 1u /* value must be > min rather than >= min */
#define OTTER_PARAM_MAX_EXCLUSIVE 2u /* value must be < max rather than <= max */

/* One entry of a type's static parameter table. */
typedef struct otter_param_spec {
    const char *name;
    otter_param_kind kind;
    const char *default_value; /* text form; required */
    double min, max;           /* numeric range (DOUBLE, INT) */
    unsigned flags;
    const char *choices; /* ENUM: "sgd|adagrad|ftrl" */
    const char *doc;     /* one line for --help and the API docs */
} otter_param_spec;

/* A resolved value; which member is valid depends on the spec's kind. For ENUM,
 * `choice` is the index of the word in `choices`. `s` is borrowed from the params or
 * the spec's default and valid as long as they are. */
typedef struct otter_param_value {
    double d;
    long long i;
    int b;
    int choice;
    const char *s;
} otter_param_value;

/* Creates an empty parameter list. Owned by the caller. */
otter_status otter_params_create(otter_params **out, otter_error *err);

/* Frees the list. NULL is a no-op. */
void otter_params_destroy(otter_params *params);

/* Deep copy. */
otter_status otter_params_clone(const otter_params *params, otter_params **out, otter_error *err);

/* Sets key to value (both copied), replacing an earlier value of the same key.
 * Keys are [A-Za-z0-9_.-]+; values may not contain newlines. OTTER_INVALID otherwise. */
otter_status otter_params_set(otter_params *params, const char *key, const char *value,
                              otter_error *err);

/* Parses "k=v" or several pairs separated by ',' or whitespace ("lr=0.1,l2=1e-6") and
 * sets each. A comma followed by text without '=' belongs to the value, so list values
 * work: "drift_at=1000,2000,lr=0.1". OTTER_INVALID, naming the bad fragment, if a pair
 * has no '='. */
otter_status otter_params_parse(otter_params *params, const char *text, otter_error *err);

/* Number of pairs, and borrowed access to pair i in insertion order. */
size_t otter_params_count(const otter_params *params);
const char *otter_params_key(const otter_params *params, size_t i);
const char *otter_params_value(const otter_params *params, size_t i);

/* Borrowed value of key, or NULL when absent. */
const char *otter_params_get(const otter_params *params, const char *key);

/* Validates params (may be NULL: all defaults) against a parameter table and fills
 * values[0..n_specs) in table order, defaults for absent keys. Fails with
 * OTTER_INVALID naming the field for: an unknown key (listing the known ones), a value
 * of the wrong type, a value out of range, an enum word not among the choices. */
otter_status otter_params_resolve(const otter_param_spec *specs, size_t n_specs,
                                  const otter_params *params, otter_param_value *values,
                                  otter_error *err);

/* Appends the canonical text of resolved values to out: "name=value\n" for every spec
 * in table order, numbers printed so they parse back to the same bits. This is the
 * form stored in state blobs. */
otter_status otter_params_canonical(const otter_param_spec *specs, size_t n_specs,
                                    const otter_param_value *values, otter_buf *out,
                                    otter_error *err);

#ifdef __cplusplus
}
#endif
#endif
