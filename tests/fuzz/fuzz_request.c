/* libFuzzer target for otterd's request handling: routing, bearer scopes, the body limit,
 * content types, the JSON parse and every handler's validation, called through
 * otter__handle (src/http/server.c) exactly as the MHD glue calls it, on a server with a
 * real store (RocksDB in a mkdtemp directory, durability none) that holds three models
 * (logreg, linreg, a 3-class hoeffding tree) and two bandits (thompson, linucb), made at
 * start by the same PUT requests a client sends.
 *
 * An input is up to MAX_REQUESTS requests separated by SEP ("\n@@\n"); each is
 *   byte 0: the target: index into `targets` below (modulo its size), a method and a
 *           concrete URL for every route of otter__routes plus bad names and URLs
 *   byte 1: the mode: bits 0-1 the Authorization header (0 an admin token, 1 a read-only
 *           token, 2 none, 3 an unknown token); bit 2 swaps the content type (JSON routes
 *           get application/octet-stream, the state import gets application/json); bit 3
 *           sends no Content-Type
 *   the rest: the body (longer than MAX_BODY: the transport dropped it, 413)
 * The table is append-only: the corpus (tests/fuzz/corpus/) names targets by index.
 *
 * After every request it asserts what the issue asks of otterd: no status 0 and no 5xx
 * (nothing in a request should make the server fail; every 5xx here is a bug, NOMEM
 * included, since the fuzzer never runs out of memory under its RSS limit); every error
 * has {"error":{"code","message"}} and renders; a 2xx has a body (204 has none); and an
 * error changed nothing: the target entity's existence, state blob, version, arms and
 * pending decisions, the store's entity count and pending events are as before. The response is
 * rendered (json_dumps) and freed as server.c does, so LeakSanitizer sees any leak.
 * State touched by an input is put back before the next one (deleted and created again
 * by its PUT), so an input behaves the same alone as within a run and reproduces.
 *
 * Left out: POST /v1/snapshots (each one is a RocksDB checkpoint on disk: slow, and the
 * disk grows) and so a restore that succeeds; the restore route is fuzzed with ids of
 * snapshots that do not exist. The /metrics counters stay zero (count() is the glue's).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUESTS 4
#define MAX_BODY 12000
#define SEP "\n@@\n"
#define ADMIN_TOKEN "fuzz-admin-token-0123456789"
#define READ_TOKEN "fuzz-read-token-0123456789"

/* ---- the entities ---- */

enum { E_LR, E_REG, E_HT, E_NEW, E_TS, E_LU, E_NEWB, N_ENTITIES };

typedef struct entity {
    const char *name;
    char kind;        /* 'm' model, 'b' bandit (otterd's entity name prefix) */
    const char *seed; /* the PUT body that makes it at start and after a reset; NULL: */
                      /* a scratch name, absent at the start of every input */
} entity;

static const entity entities[N_ENTITIES] = {
    [E_LR] = {"lr", 'm', "{\"type\":\"logreg\",\"params\":{\"bits\":10}}"},
    [E_REG] = {"reg", 'm', "{\"type\":\"linreg\",\"params\":{\"bits\":8,\"optimizer\":\"ftrl\"}}"},
    [E_HT] = {"ht", 'm', "{\"type\":\"hoeffding\",\"params\":{\"classes\":3,\"grace_period\":20}}"},
    [E_NEW] = {"new", 'm', NULL},
    [E_TS] = {"ts", 'b', "{\"policy\":\"thompson\",\"arms\":[\"a\",\"b\",\"c\"]}"},
    [E_LU] = {"lu", 'b',
              "{\"policy\":\"linucb\",\"arms\":[\"a\",\"b\"],\"params\":{\"dim\":\"4\"}}"},
    [E_NEWB] = {"newb", 'b', NULL},
};

/* ---- the targets (append only) ---- */

enum { NONE = -1 };

typedef struct target {
    const char *method;
    const char *url;
    int entity; /* the entity it may change, or NONE */
} target;

#define MODEL_TARGETS(e, n)                                                                        \
    {"PUT", "/v1/models/" n, e}, {"GET", "/v1/models/" n, e}, {"DELETE", "/v1/models/" n, e},      \
        {"POST", "/v1/models/" n "/predict", e}, {"POST", "/v1/models/" n "/learn", e},            \
        {"POST", "/v1/models/" n "/feedback", e}, {"GET", "/v1/models/" n "/state", e},            \
    {                                                                                              \
        "PUT", "/v1/models/" n "/state", e                                                         \
    }

#define BANDIT_TARGETS(e, n)                                                                       \
    {"PUT", "/v1/bandits/" n, e}, {"GET", "/v1/bandits/" n, e}, {"DELETE", "/v1/bandits/" n, e},   \
        {"POST", "/v1/bandits/" n "/arms", e}, {"DELETE", "/v1/bandits/" n "/arms/a", e},          \
        {"POST", "/v1/bandits/" n "/rank", e}, {"POST", "/v1/bandits/" n "/reward", e},            \
    {                                                                                              \
        "POST", "/v1/bandits/" n "/events/ev1/activate", e                                         \
    }

#define A10 "aaaaaaaaaa"
#define A100 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10
#define LONG_URL                                                                                   \
    "/v1/models/" A100 A100 A100 A100 A100 A100 A100 A100 A100 A100 A100 A100 A100 A100 A100 A100  \
        A100 A100 A100 A100 A100 "/predict"

static const target targets[] = {
    /* 0 */ {"GET", "/healthz", NONE},
    {"GET", "/readyz", NONE},
    {"GET", "/metrics", NONE},
    {"GET", "/openapi.json", NONE},
    {"GET", "/v1/models", NONE},
    {"GET", "/v1/bandits", NONE},
    {"GET", "/v1/snapshots", NONE},
    {"POST", "/v1/snapshots/99999/restore", NONE},
    {"POST", "/v1/snapshots/0/restore", NONE},
    {"POST", "/v1/snapshots/abc/restore", NONE},
    /* 10 */ MODEL_TARGETS(E_LR, "lr"),
    /* 18 */ MODEL_TARGETS(E_REG, "reg"),
    /* 26 */ MODEL_TARGETS(E_HT, "ht"),
    /* 34 */ MODEL_TARGETS(E_NEW, "new"),
    /* 42 */ BANDIT_TARGETS(E_TS, "ts"),
    /* 50 */ BANDIT_TARGETS(E_LU, "lu"),
    /* 58 */ BANDIT_TARGETS(E_NEWB, "newb"),
    /* 66: bad names and URLs (MHD hands the handlers the percent-decoded path) */
    {"POST", "/v1/models/bad name/predict", NONE},
    {"PUT", "/v1/models/" A100 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NONE}, /* 129 bytes */
    {"POST", "/v1/models/\xff\xfe/predict", NONE},
    {"GET", "/v1/models/caf\xc3\xa9", NONE},
    {"GET", "/v1/nope/\xff", NONE},
    {"POST", "/v1/models/lr/predict/extra", NONE},
    {"PATCH", "/v1/models/lr", NONE},
    {"POST", "/v1/models/lr", NONE},
    {"POST", "/v1/models//predict", NONE},
    {"POST", LONG_URL, NONE},
    /* 76 */ {"GET", "/v1/models/lr/feedback", NONE},
    {"POST", "/v1/bandits/ts/events/\xff/activate", E_TS},
    {"DELETE", "/v1/bandits/ts/arms/caf\xc3\xa9", E_TS},
    {"DELETE", "/v1/bandits/ts/arms/nope", E_TS},
    {"", "", NONE},
    {"GET", "/v1/models/" A100 A100 "\xc3\xa9", NONE},
    {"POST", "/v1/bandits/lu/events/" A100 "/activate", E_LU},
};
#define N_TARGETS (sizeof targets / sizeof targets[0])

/* ---- the server ---- */

static otter__server srv;
static otter_context *ctx;
static char dir[256];
static unsigned inputs; /* since the store was opened */
static int dirty[N_ENTITIES];
static otter_store_stats base; /* entity and pending-event counts with only the seeds */

static void die(const target *t, const otter__http_resp *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static void die(const target *t, const otter__http_resp *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_request: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  request: %s %.300s\n", t ? t->method : "-", t ? t->url : "-");
    if (r) {
        char *text = r->json ? json_dumps(r->json, JSON_COMPACT) : NULL;
        fprintf(stderr, "  response: %d %.2000s\n", r->status, text ? text : "(no JSON body)");
        free(text);
    }
    abort();
}

static uint16_t kg_of(const entity *e, char *ent, size_t cap)
{
    otter__entity_name(ent, cap, e->kind, e->name);
    return otter__kg(ent);
}

/* What a bad request must leave alone. */
typedef struct print {
    int exists;
    uint32_t state; /* hash of the entity's state blob */
    uint64_t version;
    size_t arms, pending;
    uint64_t entities, events; /* the whole store */
} print;

static otter_status read_bandit(void *ud, const otter_learner *l, const otter_bandit *b,
                                otter_error *err)
{
    (void)l;
    (void)err;
    print *p = ud;
    if (b) {
        p->arms = otter_bandit_arm_count(b);
        p->pending = otter_bandit_pending(b);
    }
    return OTTER_OK;
}

static print print_of(int e)
{
    print p = {0};
    otter_store_stats ss;
    otter_store_stats_get(srv.store, &ss);
    p.entities = ss.entities;
    p.events = ss.pending_events;
    if (e == NONE)
        return p;
    char ent[OTTER__NAME_MAX + 4];
    uint16_t kg = kg_of(&entities[e], ent, sizeof ent);
    otter_entity_info info;
    if (otter_store_info(srv.store, kg, ent, &info, NULL) == OTTER_OK) {
        p.exists = 1;
        p.version = info.version;
        otter_store_read(srv.store, kg, ent, read_bandit, &p, NULL);
        otter_buf blob = OTTER_BUF_INIT;
        if (otter_store_get_state(srv.store, kg, ent, &blob, NULL) == OTTER_OK)
            p.state = otter_murmur3_32(blob.data, blob.len, 0);
        otter_buf_free(&blob);
    }
    return p;
}

static int same(const print *a, const print *b)
{
    return a->exists == b->exists && a->state == b->state && a->version == b->version &&
           a->arms == b->arms && a->pending == b->pending && a->entities == b->entities &&
           a->events == b->events;
}

/* {"error":{"code":"...","message":"..."}} and nothing else. */
static int is_error_body(const json_t *j)
{
    const json_t *e = json_object_get(j, "error");
    return json_is_object(j) && json_object_size(j) == 1 && json_is_object(e) &&
           json_is_string(json_object_get(e, "code")) &&
           json_is_string(json_object_get(e, "message")) && json_object_size(e) == 2;
}

static void check(const target *t, const otter__http_resp *r)
{
    int s = r->status;
    if (s < 200 || s > 599)
        die(t, r, "status %d", s);
    if (s >= 500)
        die(t, r, "a request made the server fail");
    if (r->json && r->raw_type)
        die(t, r, "both a JSON and a raw body");
    if (s >= 400) {
        if (!is_error_body(r->json))
            die(t, r, "an error without {\"error\":{\"code\",\"message\"}}");
        if (s == 405 && !r->allow)
            die(t, r, "405 without Allow");
    } else if (s == 204) {
        if (r->json || r->raw_type)
            die(t, r, "204 with a body");
    } else if (!(json_is_object(r->json) || r->raw_type))
        die(t, r, "%d without a body", s);
    if (r->json) { /* as respond() renders it */
        char *text = json_dumps(r->json, JSON_COMPACT);
        if (!text)
            die(t, r, "the body does not render");
        free(text);
    }
}

/* Known and left for its own issue: a model or bandit takes the memory its parameters ask
 * for when it is created (logreg bits=28 is 15 GB of weights, more with classes; linucb
 * dim=4096 is over 100 MB per arm, with up to 1000 arms), and otterd has no memory budget
 * per entity yet. Such a creation is not sent: it only finds that again, as an
 * out-of-memory report. */
static int asks_too_much(const target *t, const uint8_t *body, size_t len)
{
    if (strcmp(t->method, "PUT") != 0 || strstr(t->url, "/state"))
        return 0;
    json_t *j = json_loadb((const char *)body, len, 0, NULL);
    json_t *params = json_object_get(j, "params"), *v;
    const char *key;
    int big = 0;
    json_object_foreach(params, key, v)
    {
        double x = json_is_number(v)   ? json_number_value(v)
                   : json_is_string(v) ? strtod(json_string_value(v), NULL)
                                       : 0;
        /* above the ranges (bits 1..28, dim 1..4096) the params are refused: sent */
        big |= (!strcmp(key, "bits") && x > 18 && x < 29) ||
               (!strcmp(key, "dim") && x > 64 && x < 4097);
    }
    json_decref(j);
    return big;
}

/* Answers one request as on_request does and frees the response as it does. */
static int request(const target *t, int mode, const uint8_t *data, size_t len, int strict)
{
    static const char *const auth[4] = {"Bearer " ADMIN_TOKEN, "Bearer " READ_TOKEN, NULL,
                                        "Bearer fuzz-unknown-token-0123456789"};
    int octet = !strcmp(t->method, "PUT") && strstr(t->url, "/state") != NULL;
    if (mode & 4)
        octet = !octet;
    otter__http_in in = {
        .method = t->method,
        .url = t->url,
        .content_type = (mode & 8) ? NULL
                        : octet    ? "application/octet-stream"
                                   : "application/json",
        .authorization = auth[mode & 3],
        .too_large = len > MAX_BODY,
    };
    /* the body in a buffer of its own size, so ASan sees any read past it */
    uint8_t *body = NULL;
    if (len && !in.too_large) {
        if (!(body = malloc(len)))
            abort();
        memcpy(body, data, len);
        in.body = body;
        in.body_len = len;
    }
    print before = print_of(t->entity);
    otter__http_resp r = {0};
    r.raw = (otter_buf)OTTER_BUF_INIT;
    size_t ri = otter__n_routes;
    otter__handle(&srv, &in, &r, &ri);
    if (strict)
        check(t, &r);
    print after = print_of(t->entity);
    if (strict && r.status >= 400 && !same(&before, &after))
        die(t, &r,
            "a rejected request changed state: exists %d->%d state %08x->%08x version "
            "%llu->%llu arms %zu->%zu "
            "pending decisions %zu->%zu entities %llu->%llu pending events %llu->%llu",
            before.exists, after.exists, before.state, after.state,
            (unsigned long long)before.version, (unsigned long long)after.version, before.arms,
            after.arms, before.pending, after.pending, (unsigned long long)before.entities,
            (unsigned long long)after.entities, (unsigned long long)before.events,
            (unsigned long long)after.events);
    /* a PUT or DELETE that succeeded may have changed what the print does not show */
    int put_or_delete = !strcmp(t->method, "PUT") || !strcmp(t->method, "DELETE");
    if (t->entity != NONE && (!same(&before, &after) || (r.status < 300 && put_or_delete)))
        dirty[t->entity] = 1;
    if (strict && t->entity == NONE && !same(&before, &after))
        die(t, &r, "a request on no entity changed the store");
    int status = r.status;
    json_decref(r.json);
    otter_buf_free(&r.raw);
    free(body);
    return status;
}

static void open_store(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/data", dir);
    otter_store_options so = OTTER_STORE_OPTIONS_INIT;
    so.durability = OTTER_DURABILITY_NONE;
    so.cache_bytes = 8u << 20;
    otter_error err = {0};
    if (otter_store_open(ctx, path, &so, &srv.store, &err) != OTTER_OK) {
        fprintf(stderr, "fuzz_request: %s\n", err.message);
        exit(1);
    }
    inputs = 0;
}

/* Deletes what the last input touched and makes the seeds again. */
static void reset(void)
{
    for (int e = 0; e < N_ENTITIES; e++) {
        if (!dirty[e])
            continue;
        char ent[OTTER__NAME_MAX + 4];
        uint16_t kg = kg_of(&entities[e], ent, sizeof ent);
        otter_error err = {0};
        otter_status st = otter_store_delete(srv.store, kg, ent, &err);
        if (st != OTTER_OK && st != OTTER_NOT_FOUND)
            die(NULL, NULL, "reset: cannot delete %s: %s", ent, err.message);
        if (entities[e].seed) {
            char url[64];
            snprintf(url, sizeof url, "/v1/%s/%s", entities[e].kind == 'm' ? "models" : "bandits",
                     entities[e].name);
            target t = {"PUT", url, NONE};
            const char *b = entities[e].seed;
            if (request(&t, 0, (const uint8_t *)b, strlen(b), 0) != 201)
                die(&t, NULL, "reset: cannot create %s", entities[e].name);
        }
        dirty[e] = 0;
    }
    otter_store_stats ss;
    otter_store_stats_get(srv.store, &ss);
    if (ss.entities != base.entities || ss.pending_events != base.pending_events)
        die(NULL, NULL, "reset: %llu entities and %llu pending events, not %llu and %llu",
            (unsigned long long)ss.entities, (unsigned long long)ss.pending_events,
            (unsigned long long)base.entities, (unsigned long long)base.pending_events);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void free_instance(void *p)
{
    otter_instance_destroy(p);
}

static void shutdown_server(void)
{
    otter_store_close(srv.store);
    otter_context_destroy(ctx);
    otter__tokens_release(srv.tokens);
    free(srv.route_stats);
    for (size_t i = 0; i < 64; i++)
        for (otter__model_metrics *m = srv.model_metrics[i], *next; m; m = next) {
            next = m->next;
            otter_metrics_destroy(m->m);
            pthread_mutex_destroy(&m->mu);
            free(m);
        }
    free_instance(pthread_getspecific(srv.inst_key));
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/otter-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_request: mkdtemp");
        exit(1);
    }
    char path[300];
    snprintf(path, sizeof path, "%s/tokens", dir);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%s read,write,admin\n%s read\n", ADMIN_TOKEN, READ_TOKEN) < 0 ||
        fclose(f) != 0) {
        perror("fuzz_request: token file");
        exit(1);
    }
    otter_error err = {0};
    pthread_mutex_init(&srv.tokens_mu, NULL);
    pthread_key_create(&srv.inst_key, free_instance);
    for (size_t i = 0; i < 64; i++)
        pthread_mutex_init(&srv.metrics_mu[i], NULL);
    snprintf(path, sizeof path, "%s/tokens", dir);
    if (otter__tokens_load(path, &srv.tokens, &err) != OTTER_OK ||
        otter_context_create(&ctx, &err) != OTTER_OK) {
        fprintf(stderr, "fuzz_request: %s\n", err.message);
        exit(1);
    }
    srv.ctx = ctx;
    open_store();
    srv.max_body = MAX_BODY;
    srv.route_stats = calloc(otter__n_routes + 1, sizeof *srv.route_stats);
    static const char openapi[] = "{\"openapi\":\"3.0.3\"}";
    srv.openapi = openapi;
    srv.openapi_len = sizeof openapi - 1;
    atomic_store(&srv.ready, 1);
    atexit(shutdown_server);
    for (int e = 0; e < N_ENTITIES; e++)
        dirty[e] = entities[e].seed != NULL; /* reset() makes them */
    base.entities = 0;
    for (int e = 0; e < N_ENTITIES; e++)
        base.entities += entities[e].seed != NULL;
    reset();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Every entity deleted leaves a RocksDB range tombstone in the memtable, and every
     * iterator on the events family fragments all of them again: after some ten thousand
     * deletes each delete took milliseconds. Reopening the store flushes them to a table. */
    if (++inputs > 4096) {
        otter_store_close(srv.store);
        open_store();
    }
    reset();
    const uint8_t *p = data, *end = data + size;
    for (int n = 0; n < MAX_REQUESTS && p < end; n++) {
        const uint8_t *stop = end;
        for (const uint8_t *q = p; q + 4 <= end; q++)
            if (!memcmp(q, SEP, 4)) {
                stop = q;
                break;
            }
        const target *t = &targets[p[0] % N_TARGETS];
        if (stop - p >= 2 && !asks_too_much(t, p + 2, (size_t)(stop - p - 2)))
            request(t, p[1], p + 2, (size_t)(stop - p - 2), 1);
        p = stop + (stop < end ? 4 : 0);
    }
    return 0;
}
