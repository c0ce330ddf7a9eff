/* The context owns the type registries. It replaces what other libraries keep in
 * global tables, so two contexts in one process (or one per test) never interfere. */
#include "otter/context.h"

#include <stdlib.h>
#include <string.h>

#include "bandits/bandits_int.h"
#include "builtins_int.h"
#include "otter/version.h"

struct otter_context {
    const otter_learner_type **learners;
    size_t n_learners, cap_learners;
    const otter_gen_type **gens;
    size_t n_gens, cap_gens;
    const otter_bandit_type **bandits;
    size_t n_bandits, cap_bandits;
};

otter_status otter_context_create(otter_context **out, otter_error *err)
{
    otter_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate context");
    otter_status st = otter__register_builtins(ctx, err);
    if (st != OTTER_OK) {
        otter_context_destroy(ctx);
        return st;
    }
    *out = ctx;
    return OTTER_OK;
}

void otter_context_destroy(otter_context *ctx)
{
    if (!ctx)
        return;
    free(ctx->learners);
    free(ctx->gens);
    free(ctx->bandits);
    free(ctx);
}

/* Appends p to a growable array of pointers. */
static int push_ptr(const void ***arr, size_t *n, size_t *cap, const void *p)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        const void **na = realloc(*arr, c * sizeof *na);
        if (!na)
            return -1;
        *arr = na;
        *cap = c;
    }
    (*arr)[(*n)++] = p;
    return 0;
}

otter_status otter_context_register_learner(otter_context *ctx, const otter_learner_type *type,
                                            otter_error *err)
{
    if (!type || !type->name || !type->create || !type->predict || !type->learn || !type->encode ||
        !type->decode || !type->destroy || !type->task || !type->n_classes)
        return otter_error_set(err, OTTER_INVALID, "learner type table is incomplete");
    if (type->abi > OTTER_LEARNER_ABI || type->abi < 1)
        return otter_error_set(err, OTTER_VERSION,
                               "learner type '%s' has ABI %d; this library supports up to %d",
                               type->name, type->abi, OTTER_LEARNER_ABI);
    if (otter_context_find_learner(ctx, type->name))
        return otter_error_set(err, OTTER_EXISTS, "learner type '%s' is already registered",
                               type->name);
    if (push_ptr((const void ***)&ctx->learners, &ctx->n_learners, &ctx->cap_learners, type))
        return otter_error_set(err, OTTER_NOMEM, "cannot grow learner registry");
    return OTTER_OK;
}

const otter_learner_type *otter_context_find_learner(const otter_context *ctx, const char *name)
{
    for (size_t i = 0; name && i < ctx->n_learners; i++)
        if (strcmp(ctx->learners[i]->name, name) == 0)
            return ctx->learners[i];
    return NULL;
}

size_t otter_context_learner_count(const otter_context *ctx)
{
    return ctx->n_learners;
}

const otter_learner_type *otter_context_learner_at(const otter_context *ctx, size_t i)
{
    return i < ctx->n_learners ? ctx->learners[i] : NULL;
}

otter_status otter_context_register_gen(otter_context *ctx, const otter_gen_type *type,
                                        otter_error *err)
{
    if (!type || !type->name || !type->create || !type->next || !type->destroy || !type->task ||
        !type->n_classes)
        return otter_error_set(err, OTTER_INVALID, "generator type table is incomplete");
    if (type->abi > OTTER_GEN_ABI || type->abi < 1)
        return otter_error_set(err, OTTER_VERSION, "generator type '%s' has ABI %d", type->name,
                               type->abi);
    if (type->n_meta > OTTER_GEN_MAX_META)
        return otter_error_set(err, OTTER_INVALID, "generator type '%s' has too many meta columns",
                               type->name);
    if (otter_context_find_gen(ctx, type->name))
        return otter_error_set(err, OTTER_EXISTS, "generator type '%s' is already registered",
                               type->name);
    if (push_ptr((const void ***)&ctx->gens, &ctx->n_gens, &ctx->cap_gens, type))
        return otter_error_set(err, OTTER_NOMEM, "cannot grow generator registry");
    return OTTER_OK;
}

const otter_gen_type *otter_context_find_gen(const otter_context *ctx, const char *name)
{
    for (size_t i = 0; name && i < ctx->n_gens; i++)
        if (strcmp(ctx->gens[i]->name, name) == 0)
            return ctx->gens[i];
    return NULL;
}

size_t otter_context_gen_count(const otter_context *ctx)
{
    return ctx->n_gens;
}

const otter_gen_type *otter_context_gen_at(const otter_context *ctx, size_t i)
{
    return i < ctx->n_gens ? ctx->gens[i] : NULL;
}

const char *otter_version(void)
{
    return OTTER_VERSION_STRING;
}

otter_status otter_context_register_bandit(otter_context *ctx, const otter_bandit_type *type,
                                           otter_error *err)
{
    if (!type || !type->name || !type->create || !type->rank || !type->update || !type->encode ||
        !type->decode || !type->destroy || !type->add_arm || !type->remove_arm || !type->arm_stats)
        return otter_error_set(err, OTTER_INVALID, "bandit type table is incomplete");
    if (type->abi > OTTER_BANDIT_ABI || type->abi < 1)
        return otter_error_set(err, OTTER_VERSION,
                               "bandit type '%s' has ABI %d; this library supports up to %d",
                               type->name, type->abi, OTTER_BANDIT_ABI);
    const otter_param_spec *common = otter__bandit_common_params();
    for (size_t i = 0; i < type->n_params; i++)
        for (size_t j = 0; j < otter__bandit_common_count(); j++)
            if (strcmp(type->params[i].name, common[j].name) == 0)
                return otter_error_set(err, OTTER_INVALID,
                                       "bandit type '%s' redefines the common parameter '%s'",
                                       type->name, common[j].name);
    if (otter_context_find_bandit(ctx, type->name))
        return otter_error_set(err, OTTER_EXISTS, "bandit type '%s' is already registered",
                               type->name);
    if (push_ptr((const void ***)&ctx->bandits, &ctx->n_bandits, &ctx->cap_bandits, type))
        return otter_error_set(err, OTTER_NOMEM, "cannot grow bandit registry");
    return OTTER_OK;
}

const otter_bandit_type *otter_context_find_bandit(const otter_context *ctx, const char *name)
{
    for (size_t i = 0; ctx && name && i < ctx->n_bandits; i++)
        if (strcmp(ctx->bandits[i]->name, name) == 0)
            return ctx->bandits[i];
    return NULL;
}

size_t otter_context_bandit_count(const otter_context *ctx)
{
    return ctx->n_bandits;
}

const otter_bandit_type *otter_context_bandit_at(const otter_context *ctx, size_t i)
{
    return i < ctx->n_bandits ? ctx->bandits[i] : NULL;
}
