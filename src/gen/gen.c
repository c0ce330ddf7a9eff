/* Generic generator handle: resolves parameters against the type's table, then
 * forwards to its methods. `otter gen` and the tests only use this layer. Also the
 * parser of row-index lists (drift_at) that several generators share. */
#include <errno.h>
#include <stdlib.h>

#include "gen_int.h"
#include "otter/context.h"

struct otter_gen {
    const otter_gen_type *type;
    void *self;
};

otter_status otter_gen_create(const otter_context *ctx, const char *type,
                              const otter_params *params, uint64_t seed, otter_gen **out,
                              otter_error *err)
{
    const otter_gen_type *t = otter_context_find_gen(ctx, type);
    if (!t)
        return otter_error_set(err, OTTER_NOT_FOUND, "unknown generator '%s'",
                               type ? type : "(null)");
    otter_param_value *values = calloc(t->n_params ? t->n_params : 1, sizeof *values);
    otter_gen *g = calloc(1, sizeof *g);
    otter_status st = OTTER_OK;
    if (!values || !g) {
        st = otter_error_set(err, OTTER_NOMEM, "cannot allocate generator");
        goto fail;
    }
    st = otter_params_resolve(t->params, t->n_params, params, values, err);
    if (st != OTTER_OK)
        goto fail;
    st = t->create(values, seed, &g->self, err);
    if (st != OTTER_OK)
        goto fail;
    g->type = t;
    free(values);
    *out = g;
    return OTTER_OK;
fail:
    free(values);
    free(g);
    return st;
}

void otter_gen_destroy(otter_gen *g)
{
    if (!g)
        return;
    g->type->destroy(g->self);
    free(g);
}

otter_status otter_gen_next(otter_gen *g, otter_instance *inst, otter_gen_row *row,
                            otter_error *err)
{
    for (size_t i = 0; i < OTTER_GEN_MAX_META; i++)
        row->meta[i] = 0.0;
    return g->type->next(g->self, inst, row, err);
}

const otter_gen_type *otter_gen_type_of(const otter_gen *g)
{
    return g->type;
}
int otter_gen_task(const otter_gen *g)
{
    return g->type->task(g->self);
}
size_t otter_gen_n_classes(const otter_gen *g)
{
    return g->type->n_classes(g->self);
}

static int is_row_separator(char c)
{
    return c == ',' || c == ';' || c == ':';
}

otter_status otter__gen_parse_rows(const char *name, const char *text, size_t max, uint64_t **out,
                                   size_t *n, otter_error *err)
{
    *out = NULL;
    *n = 0;
    if (text == NULL)
        text = "";
    size_t cap = 1;
    for (const char *c = text; *c != '\0'; c++)
        cap += is_row_separator(*c);
    if (cap > max)
        cap = max;
    uint64_t *at = malloc(cap * sizeof *at);
    if (at == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for %s", name);
    const char *p = text;
    size_t count = 0;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        char *end = NULL;
        errno = 0;
        unsigned long long v = (*p >= '0' && *p <= '9') ? strtoull(p, &end, 10) : 0;
        if (end == NULL || end == p || errno != 0)
            goto bad;
        if (count == cap || (count > 0 && v <= at[count - 1]))
            goto bad;
        at[count++] = (uint64_t)v;
        p = end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (is_row_separator(*p))
            p++;
        else if (*p != '\0')
            goto bad;
    }
    if (count == 0) {
        free(at);
        return OTTER_OK;
    }
    *out = at;
    *n = count;
    return OTTER_OK;
bad:
    free(at);
    return otter_error_set(err, OTTER_INVALID,
                           "%s: expected up to %zu strictly increasing non-negative row indices "
                           "separated by ',', got \"%.128s\"",
                           name, max, text);
}
