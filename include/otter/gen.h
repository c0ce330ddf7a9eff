/* Synthetic stream generators with the standard definitions of the stream-learning
 * literature (as in MOA and River): sea, hyperplane, agrawal, rbf, led, and fraud.
 *
 * A generator fills an otter_instance and a label per row; it is deterministic given
 * its seed and parameters. Like learners, each generator is a methods table registered
 * by name in the context, so `otter gen` and the tests never switch on the type.
 * Every row of one generator has the same features in the same order (a fixed schema),
 * which is what lets the CSV writer print a header.
 */
#ifndef OTTER_GEN_H
#define OTTER_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "instance.h"
#include "params.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_context otter_context;
typedef struct otter_gen otter_gen;

/* One generated row's label and extra metadata columns (e.g. fraud's label delay). */
#define OTTER_GEN_MAX_META 4
typedef struct otter_gen_row {
    double label;
    double meta[OTTER_GEN_MAX_META];
} otter_gen_row;

#define OTTER_GEN_ABI 1

typedef struct otter_gen_type {
    int abi;
    const char *name;
    const char *summary;
    const otter_param_spec *params;
    size_t n_params;
    /* Names of the meta columns written after the label (may be 0). */
    size_t n_meta;
    const char *const *meta_names;
    otter_status (*create)(const otter_param_value *values, uint64_t seed, void **self,
                           otter_error *err);
    /* Task and class count of the labels this configuration produces. */
    int (*task)(const void *self);         /* an otter_task value */
    size_t (*n_classes)(const void *self); /* 0 for regression */
    /* Clears inst and fills the next row. */
    otter_status (*next)(void *self, otter_instance *inst, otter_gen_row *row, otter_error *err);
    void (*destroy)(void *self);
} otter_gen_type;

/* Creates a generator of a registered type with params (may be NULL) and a seed. */
otter_status otter_gen_create(const otter_context *ctx, const char *type,
                              const otter_params *params, uint64_t seed, otter_gen **out,
                              otter_error *err);
void otter_gen_destroy(otter_gen *gen);

/* Clears inst and fills it with the next row. */
otter_status otter_gen_next(otter_gen *gen, otter_instance *inst, otter_gen_row *row,
                            otter_error *err);

const otter_gen_type *otter_gen_type_of(const otter_gen *gen);
int otter_gen_task(const otter_gen *gen);
size_t otter_gen_n_classes(const otter_gen *gen);

#ifdef __cplusplus
}
#endif
#endif
