/* The context: the registries of learner, bandit policy and generator types.
 *
 * Otter keeps no mutable global state. A program creates one context, which comes with
 * every built-in type registered, may register its own types, and passes it to the
 * *_create and *_decode calls. Registering is not thread-safe; lookups are, once
 * registration is done.
 */
#ifndef OTTER_CONTEXT_H
#define OTTER_CONTEXT_H

#include <stddef.h>

#include "bandit.h"
#include "gen.h"
#include "learner.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a context with all built-in types registered. Owned by the caller. */
otter_status otter_context_create(otter_context **out, otter_error *err);

/* Frees it. Objects created from it must be destroyed first. NULL is a no-op. */
void otter_context_destroy(otter_context *ctx);

/* Registers a learner type (borrowed; must outlive the context). OTTER_EXISTS if the
 * name is taken, OTTER_VERSION if type->abi is newer than this library's. */
otter_status otter_context_register_learner(otter_context *ctx, const otter_learner_type *type,
                                            otter_error *err);

/* Looks a type up by name; NULL if absent. */
const otter_learner_type *otter_context_find_learner(const otter_context *ctx, const char *name);

/* Enumerates registered learner types (registration order). */
size_t otter_context_learner_count(const otter_context *ctx);
const otter_learner_type *otter_context_learner_at(const otter_context *ctx, size_t i);

/* The same for bandit policies (OTTER_INVALID also when a policy parameter has the
 * name of a common bandit parameter). */
otter_status otter_context_register_bandit(otter_context *ctx, const otter_bandit_type *type,
                                           otter_error *err);
const otter_bandit_type *otter_context_find_bandit(const otter_context *ctx, const char *name);
size_t otter_context_bandit_count(const otter_context *ctx);
const otter_bandit_type *otter_context_bandit_at(const otter_context *ctx, size_t i);

/* The same for stream generators. */
otter_status otter_context_register_gen(otter_context *ctx, const otter_gen_type *type,
                                        otter_error *err);
const otter_gen_type *otter_context_find_gen(const otter_context *ctx, const char *name);
size_t otter_context_gen_count(const otter_context *ctx);
const otter_gen_type *otter_context_gen_at(const otter_context *ctx, size_t i);

#ifdef __cplusplus
}
#endif
#endif
