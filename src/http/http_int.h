/* otterd internals: the request and response the handlers see, the routing table, the
 * server state, and the JSON helpers. Only src/http/ includes microhttpd.h and
 * jansson.h; handlers see jansson values and never MHD.
 */
#ifndef OTTER_HTTP_INT_H
#define OTTER_HTTP_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "otter/otter.h"

enum {
    OTTER__SCOPE_NONE = 0,
    OTTER__SCOPE_READ = 1,
    OTTER__SCOPE_WRITE = 2,
    OTTER__SCOPE_ADMIN = 4
};

#define OTTER__MAX_FEATURES 10000
#define OTTER__MAX_ITEMS 1000
#define OTTER__NAME_MAX 128
/* The largest snapshot id a client may ask for: 2^53 - 1, exact in every JSON reader, and
 * far enough from 2^63 that the ids otterd picks itself (the last one + 1) stay int64. */
#define OTTER__SNAPSHOT_ID_MAX 9007199254740991LL

typedef struct otter__http_req {
    const char *method;
    const char *path;
    const char *args[3]; /* path captures ({name}, {arm}, {event_id}, {id}), in order */
    size_t n_args;
    const uint8_t *body;
    size_t body_len;
    const char *content_type; /* NULL when absent */
    json_t *json;             /* the parsed body of a JSON route, or NULL */
} otter__http_req;

typedef struct otter__http_resp {
    int status;
    json_t *json;  /* body (owned), rendered compactly */
    otter_buf raw; /* or raw bytes with raw_type (e.g. a state blob, metrics text) */
    const char *raw_type;
    const char *allow; /* Allow header of a 405 */
} otter__http_resp;

typedef struct otter__server otter__server;

typedef void (*otter__handler)(otter__server *srv, const otter__http_req *req,
                               otter__http_resp *resp);

typedef struct otter__route {
    const char *method;
    const char *pattern; /* a star captures one path segment */
    otter__handler fn;
    int scope;      /* needed scope (OTTER__SCOPE_NONE: open) */
    int body;       /* 1: a JSON body is required; 2: optional JSON; 3: raw octet stream */
    const char *id; /* label for metrics */
    /* optional: answers the commonest body shape without a JSON tree; returns 0 to hand
     * the request to fn (see fast.c) */
    int (*fast)(otter__server *srv, const otter__http_req *req, otter__http_resp *r);
} otter__route;

extern const otter__route otter__routes[];
extern const size_t otter__n_routes;

/* Token table (reloaded on SIGHUP; readers hold a reference). */
typedef struct otter__tokens otter__tokens;

#define OTTER__LAT_BUCKETS 12
typedef struct otter__route_stats {
    atomic_uint_fast64_t by_class[6];  /* 1xx..5xx by status / 100 */
    atomic_uint_fast64_t by_status[8]; /* 200 201 204 400 404 409 413 other */
    atomic_uint_fast64_t lat[OTTER__LAT_BUCKETS + 1];
    atomic_uint_fast64_t lat_sum_us;
} otter__route_stats;

/* Prequential metrics of one model, kept by the server (reset at restart). */
typedef struct otter__model_metrics {
    char name[OTTER__NAME_MAX + 1];
    otter_metrics *m;
    pthread_mutex_t mu;
    struct otter__model_metrics *next;
} otter__model_metrics;

struct otter__server {
    const otter_context *ctx;
    otter_store *store;
    size_t max_body;
    atomic_int ready;
    /* auth */
    pthread_mutex_t tokens_mu;
    otter__tokens *tokens; /* NULL: no auth (loopback only) */
    /* each worker thread reuses one instance builder (no lock on the hot path) */
    pthread_key_t inst_key;
    /* metrics */
    otter__route_stats *route_stats; /* one per route, + 1 for unmatched */
    atomic_uint_fast64_t predictions, learns, feedbacks, ranks, rewards;
    atomic_int_fast64_t last_snapshot_ms;
    atomic_uint_fast64_t last_snapshot_us;
    /* per-model metrics in striped buckets (a lock per stripe, not per server) */
    pthread_mutex_t metrics_mu[64];
    otter__model_metrics *model_metrics[64];
    const char *openapi; /* document text (borrowed) */
    size_t openapi_len;
};

/* ---- responses ---- */
void otter__resp_error(otter__http_resp *r, int http, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a library status and message to the HTTP status of the status table. */
void otter__resp_status(otter__http_resp *r, otter_status st, const otter_error *err);
void otter__resp_json(otter__http_resp *r, int http, json_t *body);

/* ---- JSON -> core types (each error names the field) ---- */
/* Fills inst from {"features":{...},"dense":[...]} style members of obj. */
int otter__json_instance(const json_t *features, const json_t *dense, otter_instance *inst,
                         const char *where, otter__http_resp *r);
int otter__json_params(const json_t *params, otter_params **out, otter__http_resp *r);
/* Rejects members of obj not in the NULL-terminated list. */
int otter__json_only(const json_t *obj, const char *const *allowed, const char *where,
                     otter__http_resp *r);
int otter__http_check_name(const char *name, const char *what, otter__http_resp *r);
int otter__name_ok(const char *name); /* the same test, without the response */
/* An event id: 1..OTTER_EVENT_ID_MAX-1 bytes of printable ASCII without space (id may be
 * NULL: refused). Sets a 400 and returns 0 when it is not. */
int otter__http_check_event_id(const char *id, size_t len, otter__http_resp *r);
json_t *otter__json_prediction(const otter_prediction *p);
json_t *otter__json_params_out(const char *canonical);

/* ---- the fast path (fast.c) ---- */
/* Fills inst from a body that is exactly {"features":{...}} in the plain form fast.c
 * describes; 0 means "not sure", never "invalid". */
int otter__fast_instance(const uint8_t *body, size_t len, otter_instance *inst);
/* The same for {"instances":[{"features":{...}},...]} too (1..OTTER__MAX_ITEMS items):
 * *batch tells which form, and each is called with every instance as it is read. 1 when
 * the whole body was read and every call returned 1. */
typedef int (*otter__fast_each)(void *ud, otter_instance *inst);
int otter__fast_instances(const uint8_t *body, size_t len, otter_instance *inst, int *batch,
                          otter__fast_each each, void *ud);
int otter__fast_predict(otter__server *srv, const otter__http_req *req, otter__http_resp *r);
/* A single learn body, {"features":{...},"label":N,"weight":N} (features and weight
 * optional, any order), read the same way; 0 means "not sure". */
int otter__fast_example(const uint8_t *body, size_t len, otter_instance *inst, double *label,
                        double *weight);
int otter__fast_learn(otter__server *srv, const otter__http_req *req, otter__http_resp *r);
/* A double as jansson writes it (%.17g, ".0" added, exponent without '+' or zeros);
 * returns the length, 0 if cap is too small (40 bytes always do). */
size_t otter__dtostr(char *out, size_t cap, double x);
/* Appends prefix, the prediction object as otter__json_prediction renders it, suffix. */
otter_status otter__render_prediction(otter_buf *b, const otter_prediction *p, const char *prefix,
                                      const char *suffix);

/* ---- shared bits ---- */
#define OTTER__MODEL_KIND 'm'
#define OTTER__BANDIT_KIND 'b'
otter_instance *otter__instance_get(otter__server *srv);
void otter__instance_put(otter__server *srv, otter_instance *inst);
/* Store names: models and bandits live in one store, so their names are prefixed with
 * a character the URL names cannot hold. */
void otter__entity_name(char *out, size_t cap, char kind, const char *name);
uint16_t otter__kg(const char *entity);
void otter__record_metrics(otter__server *srv, const char *model, const otter_prediction *p,
                           double label, double weight);
json_t *otter__model_metrics_json(otter__server *srv, const char *model);
void otter__forget_metrics(otter__server *srv, const char *model);
void otter__forget_all_metrics(otter__server *srv);

/* ---- one request, without the transport ---- */

/* A request as the transport received it; every pointer is borrowed for the call. */
typedef struct otter__http_in {
    const char *method;
    const char *url;           /* the path, without the query */
    const char *content_type;  /* the Content-Type header, or NULL */
    const char *authorization; /* the Authorization header, or NULL */
    const uint8_t *body;       /* may be NULL when body_len is 0 */
    size_t body_len;
    int too_large; /* the body went over srv->max_body and was dropped: answer 413 */
} otter__http_in;

/* Routes one request and answers it into r (zeroed by the caller, r->raw initialized):
 * the route match (404, 405 with Allow), the bearer token's scopes (401, 403), the body
 * limit (413), the content type (415), the JSON body (400), then the route's handler.
 * r->status is always set. The caller renders r and then frees r->json and r->raw.
 * *route_index is the matched entry of otter__routes, or otter__n_routes when none
 * matched. Thread safe as the handlers are; it never touches the transport, so tests
 * and fuzz targets call it directly (tests/fuzz/fuzz_request.c). */
void otter__handle(otter__server *srv, const otter__http_in *in, otter__http_resp *r,
                   size_t *route_index);

/* ---- the handlers of the routing table (models.c holds the table) ---- */
json_t *otter__list_entities(otter__server *srv, char kind, otter__http_resp *r);
void otter__h_bandit_put(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_bandit_get(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_bandit_delete(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_bandit_list(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_bandit_arm_add(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_bandit_arm_remove(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_bandit_rank(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_bandit_reward(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_bandit_activate(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_health(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_ready(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_metrics(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_openapi(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_snapshot_take(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_snapshot_list(otter__server *, const otter__http_req *, otter__http_resp *);
void otter__h_snapshot_restore(otter__server *, const otter__http_req *, otter__http_resp *);

/* ---- the server ---- */
typedef struct otter__server_config {
    const char *listen_host;
    uint16_t port;
    unsigned threads;
    size_t max_body;
    const char *tls_cert, *tls_key; /* PEM files, both or neither */
} otter__server_config;

struct MHD_Daemon;
otter_status otter__server_start(otter__server *srv, const otter__server_config *cfg,
                                 struct MHD_Daemon **out, otter_error *err);
/* Stops accepting, waits up to grace_ms for in-flight requests, then stops. */
void otter__server_stop(struct MHD_Daemon *d, int grace_ms);

otter_status otter__tokens_load(const char *path, otter__tokens **out, otter_error *err);
void otter__tokens_release(otter__tokens *t);
/* Scopes granted to a bearer token (0 when unknown); constant time in the token. */
int otter__tokens_scopes(const otter__tokens *t, const char *token);

/* Structured log line to stderr: event=... k=v ... */
void otter__log(const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
