/* Learners: incremental models behind one interface.
 *
 * Every algorithm implements the versioned methods table otter_learner_type and is
 * registered by name in an otter_context. Callers (CLI, HTTP service, store, JNI) use
 * only the otter_learner_* functions below and never include an algorithm's header.
 *
 * Contract for implementations (checked by tests/contract against every registered
 * type):
 *  - predict never mutates the model, so it may run concurrently with other predicts;
 *  - learn is deterministic given the sequence of calls (replaying a log gives
 *    bit-identical state);
 *  - encode captures the whole state; decode of that payload gives a model whose
 *    predictions and further learning are bit-identical to the original's.
 *
 * Thread safety: an otter_learner is not internally locked. Concurrent predicts are
 * safe; learn needs exclusive access (the store and the server hold a lock per model).
 */
#ifndef OTTER_LEARNER_H
#define OTTER_LEARNER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "instance.h"
#include "params.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_context otter_context;
typedef struct otter_learner otter_learner;

typedef enum otter_task {
    OTTER_TASK_BINARY,     /* labels 0/1 (-1 is read as 0) */
    OTTER_TASK_MULTICLASS, /* labels 0..n_classes-1 */
    OTTER_TASK_REGRESSION  /* real-valued labels */
} otter_task;

#define OTTER_MAX_CLASSES 64

typedef struct otter_prediction {
    otter_task task;
    double score;     /* raw margin (binary), or the predicted value (regression) */
    double proba;     /* P(label = 1) for binary tasks with probabilities, else NaN */
    int has_proba;    /* 1 when proba/probs are calibrated probabilities */
    int label;        /* predicted class (binary, multiclass); 0 for regression */
    size_t n_classes; /* 2 for binary, K for multiclass, 0 for regression */
    double probs[OTTER_MAX_CLASSES]; /* class probabilities when has_proba */
} otter_prediction;

/* Receiver for describe(): named numbers and strings, in a stable order. */
typedef struct otter_kv_sink {
    void *ud;
    void (*num)(void *ud, const char *key, double value);
    void (*str)(void *ud, const char *key, const char *value);
} otter_kv_sink;

/* ABI history: 1 = every member up to predict_learn; 2 = dump. */
#define OTTER_LEARNER_ABI 2

/* The methods table. Implementations are static const; new members are only ever
 * appended (and `abi` bumped), so older tables stay valid: the library reads a member
 * added in ABI n only from tables whose `abi` is >= n (a table compiled against an
 * older header may end before it). `self` is the algorithm's private state. */
typedef struct otter_learner_type {
    int abi;                /* OTTER_LEARNER_ABI the table was written for */
    const char *name;       /* registry key: "logreg", "hoeffding", ... */
    const char *summary;    /* one line for --help and listings */
    uint16_t state_version; /* version of the payload that encode writes */
    const otter_param_spec *params;
    size_t n_params;
    /* Optional cross-field validation after each field is resolved. */
    otter_status (*check)(const otter_param_value *values, otter_error *err);
    otter_status (*create)(const otter_param_value *values, void **self, otter_error *err);
    otter_task (*task)(const void *self);
    size_t (*n_classes)(const void *self);
    otter_status (*predict)(const void *self, const otter_instance *inst, otter_prediction *out,
                            otter_error *err);
    otter_status (*learn)(void *self, const otter_instance *inst, double label, double weight,
                          otter_error *err);
    /* Appends the payload (not the blob header) to out. */
    otter_status (*encode)(const void *self, otter_buf *out, otter_error *err);
    /* Rebuilds state from a payload of format `version` (<= state_version). Must
     * reject malformed payloads with OTTER_CORRUPT, never read out of bounds. */
    otter_status (*decode)(const otter_param_value *values, uint16_t version,
                           const uint8_t *payload, size_t len, void **self, otter_error *err);
    void (*describe)(const void *self, const otter_kv_sink *sink);
    size_t (*bytes)(const void *self); /* memory held by the model */
    void (*destroy)(void *self);
    /* Optional (NULL: predict then learn): fills out with exactly what predict would
     * have returned before this update, then learns; lets a model share the work. */
    otter_status (*predict_learn)(void *self, const otter_instance *inst, double label,
                                  double weight, otter_prediction *out, otter_error *err);
    /* ABI 2. Optional (NULL: otter_learner_dump reports OTTER_UNSUPPORTED): appends a
     * text view of the model for people to out (UTF-8, each line ending in '\n'). Must
     * not change the model (it may run alongside predicts); may leave partial text in
     * out on failure (the caller truncates it). */
    otter_status (*dump)(const void *self, otter_buf *out, otter_error *err);
} otter_learner_type;

/* Creates a learner of a registered type. params may be NULL (all defaults) and is
 * not retained. OTTER_NOT_FOUND for an unknown type, OTTER_INVALID for bad params. */
otter_status otter_learner_create(const otter_context *ctx, const char *type,
                                  const otter_params *params, otter_learner **out,
                                  otter_error *err);

/* Frees the learner. NULL is a no-op. */
void otter_learner_destroy(otter_learner *learner);

/* Scores an instance without changing the model. */
otter_status otter_learner_predict(const otter_learner *learner, const otter_instance *inst,
                                   otter_prediction *out, otter_error *err);

/* Updates the model with one labelled example and its importance weight (> 0, finite).
 * Labels are checked against the task (OTTER_INVALID, model unchanged, otherwise). */
otter_status otter_learner_learn(otter_learner *learner, const otter_instance *inst, double label,
                                 double weight, otter_error *err);

/* Test, then train: fills out with the prediction of the model as it was, then learns
 * from the example (prequential evaluation, and a server that scores and learns a row
 * it already has the label for). Same checks and effects as predict followed by learn;
 * types that can share the work between the two do it in one pass. */
otter_status otter_learner_predict_learn(otter_learner *learner, const otter_instance *inst,
                                         double label, double weight, otter_prediction *out,
                                         otter_error *err);

/* Appends the learner's state blob to out: magic "OTR1", format version, type name,
 * type state version, canonical params, payload, CRC32C (see docs/architecture.md). */
otter_status otter_learner_encode(const otter_learner *learner, otter_buf *out, otter_error *err);

/* Rebuilds a learner from a blob. Truncated, bit-flipped or foreign bytes give
 * OTTER_CORRUPT; a newer format or unknown type version OTTER_VERSION; a type not in
 * ctx OTTER_NOT_FOUND. Never reads outside (blob, len). */
otter_status otter_learner_decode(const otter_context *ctx, const uint8_t *blob, size_t len,
                                  otter_learner **out, otter_error *err);

/* Borrowed type table of the learner. */
const otter_learner_type *otter_learner_type_of(const otter_learner *learner);

otter_task otter_learner_task(const otter_learner *learner);
size_t otter_learner_n_classes(const otter_learner *learner);

/* Canonical "name=value\n" text of the learner's resolved parameters (borrowed). */
const char *otter_learner_params_text(const otter_learner *learner);

/* Memory held by the model, in bytes. */
size_t otter_learner_bytes(const otter_learner *learner);

/* Number of learn calls applied. */
uint64_t otter_learner_updates(const otter_learner *learner);

/* Reports statistics: "type", "updates", "bytes", then the type's own keys. */
void otter_learner_describe(const otter_learner *learner, const otter_kv_sink *sink);

/* Appends a text view of the model, meant for people, to out: UTF-8, one item per line,
 * every line ending in '\n', no NUL terminator. The trees print one line per node
 * (`if age <= 39.5 (w=120.0)`, `leaf: class 1 (p=0.93, w=120.0)`, for hoeffding-reg
 * `leaf: 14.3 (mean=8.62, sd=2.58, w=471.0, adaptive: model, 10 inputs)`; see `otter
 * describe --tree` in docs/otter.1); the layout may change between versions and is not
 * a way to save a model (use otter_learner_encode). Takes time linear in the output.
 *
 * Ownership: out is the caller's (it may already hold text; the dump is appended);
 * learner is borrowed. On failure out->len is restored, so out holds what it held
 * before the call (its capacity may have grown).
 * Thread safety: like predict, it does not change the model, so it may run alongside
 * predicts and other dumps, but not alongside learn.
 * Statuses: OTTER_UNSUPPORTED (message naming the type) for a type that has no text
 * view (the linear learners, and any table written for ABI 1); OTTER_INVALID for a
 * NULL learner or out; OTTER_NOMEM. */
otter_status otter_learner_dump(const otter_learner *learner, otter_buf *out, otter_error *err);

#ifdef __cplusplus
}
#endif
#endif
