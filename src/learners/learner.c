/* Generic learner handle: parameter validation, the blob frame around each type's
 * payload, label checks and counters. Everything algorithm-specific is behind the
 * type's methods table, so the doors (CLI, HTTP, store, JNI) never switch on it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec_int.h"
#include "core/params_int.h"
#include "otter/context.h"
#include "otter/learner.h"

struct otter_learner {
    const otter_learner_type *type;
    void *self;
    char *params_text; /* canonical, NUL-terminated */
    size_t params_len;
    uint64_t updates;
};

/* Resolves params, runs the type's cross-field check and renders the canonical text. */
static otter_status resolve(const otter_learner_type *t, const otter_params *params,
                            otter_param_value *values, otter_buf *canon, otter_error *err)
{
    otter_status st = otter_params_resolve(t->params, t->n_params, params, values, err);
    if (st == OTTER_OK && t->check)
        st = t->check(values, err);
    if (st == OTTER_OK)
        st = otter_params_canonical(t->params, t->n_params, values, canon, err);
    if (st == OTTER_OK)
        st = otter_buf_append(canon, "", 1, err);
    return st;
}

/* Builds the handle around an already created self, taking the canonical text. */
static otter_status wrap(const otter_learner_type *t, void *self, otter_buf *canon,
                         otter_learner **out, otter_error *err)
{
    otter_learner *l = calloc(1, sizeof *l);
    if (!l) {
        t->destroy(self);
        otter_buf_free(canon);
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate learner");
    }
    l->type = t;
    l->self = self;
    l->params_text = (char *)canon->data;
    l->params_len = canon->len - 1;
    *out = l;
    return OTTER_OK;
}

otter_status otter_learner_create(const otter_context *ctx, const char *type,
                                  const otter_params *params, otter_learner **out, otter_error *err)
{
    const otter_learner_type *t = otter_context_find_learner(ctx, type);
    if (!t)
        return otter_error_set(err, OTTER_NOT_FOUND, "unknown learner type '%s'",
                               type ? type : "(null)");
    otter_param_value *values = calloc(t->n_params ? t->n_params : 1, sizeof *values);
    otter_buf canon = OTTER_BUF_INIT;
    void *self = NULL;
    otter_status st = values ? OTTER_OK : otter_error_set(err, OTTER_NOMEM, "out of memory");
    if (st == OTTER_OK)
        st = resolve(t, params, values, &canon, err);
    if (st == OTTER_OK)
        st = t->create(values, &self, err);
    free(values);
    if (st != OTTER_OK) {
        otter_buf_free(&canon);
        return st;
    }
    return wrap(t, self, &canon, out, err);
}

void otter_learner_destroy(otter_learner *l)
{
    if (!l)
        return;
    l->type->destroy(l->self);
    free(l->params_text);
    free(l);
}

otter_status otter_learner_predict(const otter_learner *l, const otter_instance *inst,
                                   otter_prediction *out, otter_error *err)
{
    if (!l || !inst || !out)
        return otter_error_set(err, OTTER_INVALID, "learner, instance and output are required");
    return l->type->predict(l->self, inst, out, err);
}

static otter_status check_label(const otter_learner *l, double label, otter_error *err)
{
    if (!isfinite(label))
        return otter_error_set(err, OTTER_INVALID, "label must be a finite number");
    switch (l->type->task(l->self)) {
    case OTTER_TASK_BINARY:
        if (label != 0.0 && label != 1.0 && label != -1.0)
            return otter_error_set(err, OTTER_INVALID, "binary label must be 0, 1 or -1, got %.17g",
                                   label);
        return OTTER_OK;
    case OTTER_TASK_MULTICLASS: {
        size_t k = l->type->n_classes(l->self);
        if (label < 0 || label != floor(label) || label >= (double)k)
            return otter_error_set(err, OTTER_INVALID,
                                   "class label must be an integer in [0, %zu), got %.17g", k,
                                   label);
        return OTTER_OK;
    }
    case OTTER_TASK_REGRESSION: return OTTER_OK;
    }
    return OTTER_OK;
}

/* Validates weight and label before any state changes; maps binary -1 to 0. */
static otter_status check_update(const otter_learner *l, double *label, double weight,
                                 otter_error *err)
{
    if (!isfinite(weight) || weight <= 0)
        return otter_error_set(err, OTTER_INVALID,
                               "importance weight must be a finite number > 0, got %.17g", weight);
    otter_status st = check_label(l, *label, err);
    if (st == OTTER_OK && *label == -1.0 && l->type->task(l->self) == OTTER_TASK_BINARY)
        *label = 0.0;
    return st;
}

otter_status otter_learner_learn(otter_learner *l, const otter_instance *inst, double label,
                                 double weight, otter_error *err)
{
    if (!l || !inst)
        return otter_error_set(err, OTTER_INVALID, "learner and instance are required");
    otter_status st = check_update(l, &label, weight, err);
    if (st != OTTER_OK)
        return st;
    st = l->type->learn(l->self, inst, label, weight, err);
    if (st == OTTER_OK)
        l->updates++;
    return st;
}

otter_status otter_learner_predict_learn(otter_learner *l, const otter_instance *inst, double label,
                                         double weight, otter_prediction *out, otter_error *err)
{
    if (!l || !inst || !out)
        return otter_error_set(err, OTTER_INVALID, "learner, instance and output are required");
    if (!l->type->predict_learn) {
        otter_status st = otter_learner_predict(l, inst, out, err);
        return st != OTTER_OK ? st : otter_learner_learn(l, inst, label, weight, err);
    }
    otter_status st = check_update(l, &label, weight, err);
    if (st == OTTER_OK)
        st = l->type->predict_learn(l->self, inst, label, weight, out, err);
    if (st == OTTER_OK)
        l->updates++;
    return st;
}

otter_status otter_learner_encode(const otter_learner *l, otter_buf *out, otter_error *err)
{
    size_t start = out->len, len_at;
    otter_status st = otter__blob_begin(out, l->type->name, l->type->state_version, l->params_text,
                                        l->params_len, &len_at, err);
    otter__wr w;
    otter__wr_init(&w, out, err);
    if (st == OTTER_OK) {
        otter__wr_u64(&w, l->updates);
        st = w.st;
    }
    if (st == OTTER_OK)
        st = l->type->encode(l->self, out, err);
    if (st == OTTER_OK)
        st = otter__blob_end(out, start, len_at, err);
    if (st != OTTER_OK)
        out->len = start;
    return st;
}

/* Resolves a blob's canonical parameter text. Only encode writes that text, so text that
 * does not parse or validate means the blob is corrupt (or from an incompatible build):
 * OTTER_CORRUPT carrying the validator's message, never the validator's OTTER_INVALID. */
static otter_status decode_params(const otter_learner_type *t, const otter__blob *b,
                                  otter_param_value *values, otter_buf *canon, otter_error *err)
{
    otter_error inner = {0};
    otter_params *params = NULL;
    otter_status st = otter_params_create(&params, &inner);
    if (st == OTTER_OK)
        st = otter__params_parse_canonical(b->params, b->params_len, params, &inner);
    if (st == OTTER_OK)
        st = resolve(t, params, values, canon, &inner);
    otter_params_destroy(params);
    if (st == OTTER_OK)
        return OTTER_OK;
    if (st == OTTER_NOMEM || inner.code == OTTER_CORRUPT)
        return otter_error_set(err, st == OTTER_NOMEM ? OTTER_NOMEM : OTTER_CORRUPT, "%s",
                               inner.message);
    return otter_error_set(err, OTTER_CORRUPT, "state blob has invalid parameters: %s",
                           inner.message);
}

otter_status otter_learner_decode(const otter_context *ctx, const uint8_t *blob, size_t len,
                                  otter_learner **out, otter_error *err)
{
    otter__blob b;
    otter_status st = otter__blob_parse(blob, len, &b, err);
    if (st != OTTER_OK)
        return st;
    char name[128];
    if (b.type_len == 0 || b.type_len >= sizeof name || memchr(b.type, '\0', b.type_len))
        return otter_error_set(err, OTTER_CORRUPT, "state blob has a malformed type name");
    memcpy(name, b.type, b.type_len);
    name[b.type_len] = '\0';
    const otter_learner_type *t = otter_context_find_learner(ctx, name);
    if (!t)
        return otter_error_set(err, OTTER_NOT_FOUND, "state blob is of unknown learner type '%s'",
                               name);
    if (b.type_version > t->state_version || b.type_version == 0)
        return otter_error_set(err, OTTER_VERSION,
                               "'%s' state version %u is not supported (this library: 1..%u)", name,
                               (unsigned)b.type_version, (unsigned)t->state_version);
    otter_param_value *values = calloc(t->n_params ? t->n_params : 1, sizeof *values);
    otter_buf canon = OTTER_BUF_INIT;
    void *self = NULL;
    st = values ? decode_params(t, &b, values, &canon, err)
                : otter_error_set(err, OTTER_NOMEM, "out of memory");
    otter__rd r;
    otter__rd_init(&r, b.payload, b.payload_len);
    uint64_t updates = otter__rd_u64(&r);
    if (st == OTTER_OK && !otter__rd_ok(&r))
        st = otter_error_set(err, OTTER_CORRUPT, "state blob payload is truncated");
    if (st == OTTER_OK)
        st =
            t->decode(values, b.type_version, b.payload + r.pos, b.payload_len - r.pos, &self, err);
    free(values);
    if (st != OTTER_OK) {
        otter_buf_free(&canon);
        return st;
    }
    st = wrap(t, self, &canon, out, err);
    if (st == OTTER_OK)
        (*out)->updates = updates;
    return st;
}

const otter_learner_type *otter_learner_type_of(const otter_learner *l)
{
    return l->type;
}
otter_task otter_learner_task(const otter_learner *l)
{
    return l->type->task(l->self);
}
size_t otter_learner_n_classes(const otter_learner *l)
{
    return l->type->n_classes(l->self);
}
const char *otter_learner_params_text(const otter_learner *l)
{
    return l->params_text;
}
uint64_t otter_learner_updates(const otter_learner *l)
{
    return l->updates;
}

size_t otter_learner_bytes(const otter_learner *l)
{
    return sizeof *l + l->params_len + 1 + (l->type->bytes ? l->type->bytes(l->self) : 0);
}

void otter_learner_describe(const otter_learner *l, const otter_kv_sink *sink)
{
    if (sink->str)
        sink->str(sink->ud, "type", l->type->name);
    if (sink->num) {
        sink->num(sink->ud, "updates", (double)l->updates);
        sink->num(sink->ud, "bytes", (double)otter_learner_bytes(l));
    }
    if (l->type->describe)
        l->type->describe(l->self, sink);
}

typedef otter_status (*dump_fn)(const void *self, otter_buf *out, otter_error *err);

/* The type's dump method, read only from tables written for ABI 2 or later: a table
 * compiled against an ABI-1 header ends at predict_learn, so reading further would
 * run past it. */
static dump_fn dump_method(const otter_learner_type *t)
{
    return t->abi >= 2 ? t->dump : NULL;
}

otter_status otter_learner_dump(const otter_learner *l, otter_buf *out, otter_error *err)
{
    if (!l || !out)
        return otter_error_set(err, OTTER_INVALID, "learner and output buffer are required");
    dump_fn dump = dump_method(l->type);
    if (!dump)
        return otter_error_set(err, OTTER_UNSUPPORTED, "learner type '%s' has no text dump",
                               l->type->name);
    size_t start = out->len;
    otter_status st = dump(l->self, out, err);
    if (st != OTTER_OK)
        out->len = start;
    return st;
}
