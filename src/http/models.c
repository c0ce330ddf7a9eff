/* /v1/models: create, inspect, delete, predict (with pending events), learn, feedback,
 * and state export/import. Handlers validate the whole request before they call the
 * store, so a bad request changes nothing; they never name an algorithm.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define MODEL_KIND OTTER__MODEL_KIND

/* ---- shared helpers ---- */

void otter__entity_name(char *out, size_t cap, char kind, const char *name)
{
    snprintf(out, cap, "%c:%s", kind, name);
}

uint16_t otter__kg(const char *entity)
{
    return otter_store_key_group(entity);
}

otter_instance *otter__instance_get(otter__server *srv)
{
    otter_instance *inst = pthread_getspecific(srv->inst_key);
    if (!inst) {
        if (otter_instance_create(&inst, NULL) != OTTER_OK)
            return NULL;
        pthread_setspecific(srv->inst_key, inst); /* freed by the key's destructor */
    }
    return inst;
}

void otter__instance_put(otter__server *srv, otter_instance *inst)
{
    if (!inst)
        return;
    otter_instance_clear(inst);
    /* a builder that interned very many names is dropped rather than kept growing */
    if (otter_instance_key_count(inst) > 65536) {
        otter_instance_destroy(inst);
        pthread_setspecific(srv->inst_key, NULL);
    }
}

static otter__model_metrics *metrics_for(otter__server *srv, const char *model, int create)
{
    size_t k = otter_murmur3_32(model, strlen(model), 0) % 64;
    pthread_mutex_lock(&srv->metrics_mu[k]);
    otter__model_metrics *m = srv->model_metrics[k];
    while (m && strcmp(m->name, model) != 0)
        m = m->next;
    if (!m && create && (m = calloc(1, sizeof *m))) {
        snprintf(m->name, sizeof m->name, "%s", model);
        pthread_mutex_init(&m->mu, NULL);
        m->next = srv->model_metrics[k];
        srv->model_metrics[k] = m;
    }
    pthread_mutex_unlock(&srv->metrics_mu[k]);
    return m;
}

void otter__record_metrics(otter__server *srv, const char *model, const otter_prediction *p,
                           double label, double weight)
{
    otter__model_metrics *m = metrics_for(srv, model, 1);
    if (!m)
        return;
    if (p->task == OTTER_TASK_BINARY && label == -1.0)
        label = 0.0; /* learners take -1 for 0; the metrics want 0 or 1 */
    pthread_mutex_lock(&m->mu);
    if (!m->m) {
        otter_metrics_options o = {p->task, p->n_classes >= 2 ? p->n_classes : 2, 10000, 0.5};
        otter_metrics_create(&o, &m->m, NULL);
    }
    if (m->m)
        otter_metrics_update(m->m, p, label, weight, NULL);
    pthread_mutex_unlock(&m->mu);
}

json_t *otter__model_metrics_json(otter__server *srv, const char *model)
{
    otter__model_metrics *m = metrics_for(srv, model, 0);
    if (!m)
        return json_null();
    otter_metrics_report rep;
    pthread_mutex_lock(&m->mu);
    int have = m->m != NULL;
    if (have)
        otter_metrics_rolling(m->m, &rep);
    pthread_mutex_unlock(&m->mu);
    if (!have)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer((json_int_t)rep.rows));
#define NUM(k, v) json_object_set_new(o, k, isfinite(v) ? json_real(v) : json_null())
    NUM("log_loss", rep.log_loss);
    NUM("accuracy", rep.accuracy);
    NUM("auc", rep.auc);
    NUM("rmse", rep.rmse);
#undef NUM
    return o;
}

void otter__forget_metrics(otter__server *srv, const char *model)
{
    otter__model_metrics *m = metrics_for(srv, model, 0);
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    otter_metrics_destroy(m->m);
    m->m = NULL;
    pthread_mutex_unlock(&m->mu);
}

void otter__forget_all_metrics(otter__server *srv)
{
    for (size_t k = 0; k < 64; k++) {
        pthread_mutex_lock(&srv->metrics_mu[k]);
        for (otter__model_metrics *m = srv->model_metrics[k]; m; m = m->next) {
            pthread_mutex_lock(&m->mu);
            otter_metrics_destroy(m->m);
            m->m = NULL;
            pthread_mutex_unlock(&m->mu);
        }
        pthread_mutex_unlock(&srv->metrics_mu[k]);
    }
}

/* ---- describe ---- */

static void kv_num(void *ud, const char *key, double v)
{
    json_object_set_new(ud, key, isfinite(v) ? json_real(v) : json_null());
}

static void kv_str(void *ud, const char *key, const char *v)
{
    json_object_set_new(ud, key, json_string(v));
}

typedef struct model_view {
    json_t *out;
} model_view;

static otter_status describe_model(void *ud, const otter_learner *l, const otter_bandit *b,
                                   otter_error *err)
{
    model_view *v = ud;
    if (!l)
        return otter_error_set(err, OTTER_NOT_FOUND, "not a model");
    (void)b;
    json_object_set_new(v->out, "type", json_string(otter_learner_type_of(l)->name));
    json_object_set_new(v->out, "params", otter__json_params_out(otter_learner_params_text(l)));
    json_object_set_new(v->out, "version", json_integer((json_int_t)otter_learner_updates(l)));
    json_object_set_new(v->out, "bytes", json_integer((json_int_t)otter_learner_bytes(l)));
    json_t *stats = json_object();
    otter_kv_sink sink = {stats, kv_num, kv_str};
    otter_learner_describe(l, &sink);
    json_object_set_new(v->out, "stats", stats);
    return OTTER_OK;
}

/* The model's JSON, or an error response. */
static json_t *model_json(otter__server *srv, const char *name, otter__http_resp *r)
{
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    model_view v = {json_object()};
    json_object_set_new(v.out, "name", json_string(name));
    otter_error err = {0};
    otter_status st = otter_store_read(srv->store, otter__kg(ent), ent, describe_model, &v, &err);
    if (st != OTTER_OK) {
        json_decref(v.out);
        if (st == OTTER_NOT_FOUND)
            otter__resp_error(r, 404, "NOT_FOUND", "no model '%s'", name);
        else
            otter__resp_status(r, st, &err);
        return NULL;
    }
    otter_entity_info info;
    if (otter_store_info(srv->store, otter__kg(ent), ent, &info, NULL) == OTTER_OK)
        json_object_set_new(v.out, "version", json_integer((json_int_t)info.version));
    json_object_set_new(v.out, "metrics", otter__model_metrics_json(srv, name));
    return v.out;
}

/* ---- handlers ---- */

static void model_put(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    static const char *const allowed[] = {"type", "params", NULL};
    if (!otter__http_check_name(name, "model name", r) ||
        !otter__json_only(req->json, allowed, "body", r))
        return;
    json_t *type = json_object_get(req->json, "type");
    if (!json_is_string(type)) {
        otter__resp_error(r, 400, "INVALID", "body.type must be a learner type name");
        return;
    }
    otter_params *p = NULL;
    if (!otter__json_params(json_object_get(req->json, "params"), &p, r))
        return;
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    otter_error err = {0};
    int created = 0;
    otter_status st = otter_store_create_learner(srv->store, otter__kg(ent), ent,
                                                 json_string_value(type), p, &created, &err);
    otter_params_destroy(p);
    if (st == OTTER_EXISTS) {
        otter__resp_error(r, 409, "EXISTS", "model '%s' exists with a different definition", name);
        return;
    }
    if (st != OTTER_OK) {
        otter__resp_status(r, st, &err);
        return;
    }
    if (created)
        otter__forget_metrics(srv, name);
    json_t *m = model_json(srv, name, r);
    if (m) {
        json_object_set_new(m, "created", json_boolean(created));
        otter__resp_json(r, created ? 201 : 200, m);
    }
}

static void model_get(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    if (!otter__http_check_name(req->args[0], "model name", r))
        return;
    json_t *m = model_json(srv, req->args[0], r);
    if (m)
        otter__resp_json(r, 200, m);
}

static void model_delete(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    if (!otter__http_check_name(name, "model name", r))
        return;
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    otter_error err = {0};
    otter_status st = otter_store_delete(srv->store, otter__kg(ent), ent, &err);
    if (st == OTTER_NOT_FOUND)
        otter__resp_error(r, 404, "NOT_FOUND", "no model '%s'", name);
    else if (st != OTTER_OK)
        otter__resp_status(r, st, &err);
    else {
        otter__forget_metrics(srv, name);
        r->status = 204;
    }
}

typedef struct list_ctx {
    json_t *arr;
    char kind;
} list_ctx;

static otter_status list_one(void *ud, const otter_entity_info *info)
{
    list_ctx *c = ud;
    if (info->name[0] != c->kind || info->name[1] != ':')
        return OTTER_OK;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(info->name + 2));
    json_object_set_new(o, c->kind == MODEL_KIND ? "type" : "policy", json_string(info->type));
    json_object_set_new(o, "version", json_integer((json_int_t)info->version));
    json_object_set_new(o, "bytes", json_integer((json_int_t)info->bytes));
    json_array_append_new(c->arr, o);
    return OTTER_OK;
}

json_t *otter__list_entities(otter__server *srv, char kind, otter__http_resp *r)
{
    list_ctx c = {json_array(), kind};
    otter_error err = {0};
    otter_status st = otter_store_list(srv->store, 0, OTTER_KEY_GROUPS - 1, list_one, &c, &err);
    if (st != OTTER_OK) {
        json_decref(c.arr);
        otter__resp_status(r, st, &err);
        return NULL;
    }
    return c.arr;
}

static void model_list(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    (void)req;
    json_t *a = otter__list_entities(srv, MODEL_KIND, r);
    if (a)
        otter__resp_json(r, 200, json_pack("{s:o}", "models", a));
}

/* An event id given, or made from a counter and the clock when asked for. */
static int event_id_of(const json_t *obj, int want, char *id, size_t cap, otter__http_resp *r)
{
    json_t *given = json_object_get(obj, "event_id");
    json_t *flag = json_object_get(obj, "event");
    if (flag && !json_is_boolean(flag)) {
        otter__resp_error(r, 400, "INVALID", "event must be a boolean");
        return -1;
    }
    if (given) {
        const char *s = json_string_value(given);
        if (!otter__http_check_event_id(s, s ? json_string_length(given) : 0, r))
            return -1;
        snprintf(id, cap, "%s", s);
        return 1;
    }
    if (!want && !json_is_true(flag))
        return 0;
    static atomic_uint_fast64_t counter;
    uint64_t n = atomic_fetch_add(&counter, 1);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(id, cap, "ev-%llx-%llx",
             (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec,
             (unsigned long long)n);
    return 1;
}

static int64_t deadline_of(const json_t *obj, otter__http_resp *r)
{
    json_t *ttl = json_object_get(obj, "ttl");
    json_int_t secs = 86400;
    if (ttl) {
        if (!json_is_integer(ttl) || json_integer_value(ttl) < 1 ||
            json_integer_value(ttl) > 30 * 86400) {
            otter__resp_error(r, 400, "INVALID", "ttl must be whole seconds in [1, 2592000]");
            return -1;
        }
        secs = json_integer_value(ttl);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (int64_t)secs * 1000;
}

static void model_predict(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    static const char *const one[] = {"features", "dense", "event", "event_id", "ttl", NULL};
    static const char *const many[] = {"instances", "event", "ttl", NULL};
    static const char *const item[] = {"features", "dense", NULL};
    if (!otter__http_check_name(name, "model name", r))
        return;
    json_t *insts = json_object_get(req->json, "instances");
    if (!otter__json_only(req->json, insts ? many : one, "body", r))
        return;
    if (insts && (!json_is_array(insts) || json_array_size(insts) == 0 ||
                  json_array_size(insts) > OTTER__MAX_ITEMS)) {
        otter__resp_error(r, 400, "INVALID", "instances must be an array of 1..%d objects",
                          OTTER__MAX_ITEMS);
        return;
    }
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    uint16_t kg = otter__kg(ent);
    otter_instance *inst = otter__instance_get(srv);
    if (!inst) {
        otter__resp_error(r, 503, "NOMEM", "out of memory");
        return;
    }
    int64_t deadline = deadline_of(req->json, r);
    char id[OTTER_EVENT_ID_MAX];
    int with_event = deadline < 0 ? -1 : event_id_of(req->json, 0, id, sizeof id, r);
    size_t n = insts ? json_array_size(insts) : 1;
    /* every item is checked before the first is scored: a bad one must not leave the
     * events of the items before it pending */
    for (size_t i = 0; insts && !r->status && i < n; i++) {
        const json_t *o = json_array_get(insts, i);
        char where[32];
        snprintf(where, sizeof where, "instances[%zu]", i);
        if (otter__json_only(o, item, where, r))
            otter__json_instance(json_object_get(o, "features"), json_object_get(o, "dense"), inst,
                                 where, r);
    }
    json_t *preds = json_array(), *ids = with_event > 0 && insts ? json_array() : NULL;
    for (size_t i = 0; i < n && with_event >= 0 && !r->status; i++) {
        const json_t *o = insts ? json_array_get(insts, i) : req->json;
        char where[32] = "body";
        if (insts) {
            snprintf(where, sizeof where, "instances[%zu]", i);
            if (!otter__json_only(o, item, where, r))
                break;
        }
        if (!otter__json_instance(json_object_get(o, "features"), json_object_get(o, "dense"), inst,
                                  where, r))
            break;
        otter_prediction p;
        otter_error err = {0};
        otter_status st;
        if (with_event > 0) {
            if (insts && i > 0)
                event_id_of(req->json, 1, id, sizeof id, r);
            st = otter_store_predict_event(srv->store, kg, ent, inst, id, deadline, &p, &err);
        } else
            st = otter_store_predict(srv->store, kg, ent, inst, &p, &err);
        if (st == OTTER_NOT_FOUND && !strstr(err.message, "event")) {
            otter__resp_error(r, 404, "NOT_FOUND", "no model '%s'", name);
            break;
        }
        if (st != OTTER_OK) {
            otter__resp_status(r, st, &err);
            break;
        }
        json_array_append_new(preds, otter__json_prediction(&p));
        if (ids)
            json_array_append_new(ids, json_string(id));
        atomic_fetch_add(&srv->predictions, 1);
    }
    otter__instance_put(srv, inst);
    if (r->status || with_event < 0) { /* an error was set */
        /* a store failure after the checks: the events of the items scored go too */
        for (size_t i = 0; i < json_array_size(ids); i++) {
            otter_buf gone = OTTER_BUF_INIT;
            otter_store_event_take(srv->store, kg, ent, json_string_value(json_array_get(ids, i)),
                                   &gone, NULL);
            otter_buf_free(&gone);
        }
        json_decref(preds);
        json_decref(ids);
        return;
    }
    json_t *out;
    if (insts) {
        out = json_pack("{s:o}", "predictions", preds);
        if (ids)
            json_object_set_new(out, "event_ids", ids);
    } else {
        out = json_pack("{s:O}", "prediction", json_array_get(preds, 0));
        json_decref(preds);
        if (with_event > 0)
            json_object_set_new(out, "event_id", json_string(id));
    }
    otter__resp_json(r, 200, out);
}

/* Predict of {"features":{...}} or {"instances":[...]} without a JSON tree (fast.c);
 * 0 hands the request to model_predict, which answers everything else and words every
 * error (predictions made here by then change nothing). */
typedef struct fast_predict {
    otter__server *srv;
    const char *ent;
    uint16_t kg;
    int *batch;
    size_t n;
    otter_buf *out;
} fast_predict;

static int fast_predict_one(void *ud, otter_instance *inst)
{
    fast_predict *f = ud;
    otter_prediction p;
    if (otter_store_predict(f->srv->store, f->kg, f->ent, inst, &p, NULL) != OTTER_OK)
        return 0;
    const char *prefix = f->n++ ? "," : *f->batch ? "{\"predictions\":[" : "{\"prediction\":";
    return otter__render_prediction(f->out, &p, prefix, "") == OTTER_OK;
}

int otter__fast_predict(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    if (!otter__name_ok(name))
        return 0;
    otter_instance *inst = otter__instance_get(srv);
    if (!inst)
        return 0;
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    int batch = 0;
    fast_predict f = {srv, ent, otter__kg(ent), &batch, 0, &r->raw};
    int ok = otter__fast_instances(req->body, req->body_len, inst, &batch, fast_predict_one, &f);
    otter__instance_put(srv, inst);
    if (ok)
        ok = otter_buf_append(&r->raw, batch ? "]}" : "}", batch ? 2 : 1, NULL) == OTTER_OK;
    if (!ok) {
        otter_buf_reset(&r->raw);
        return 0;
    }
    atomic_fetch_add(&srv->predictions, f.n);
    r->status = 200;
    r->raw_type = "application/json";
    return 1;
}

static int label_of(const json_t *o, const char *where, double *label, double *weight,
                    otter__http_resp *r)
{
    json_t *l = json_object_get(o, "label"), *w = json_object_get(o, "weight");
    if (!json_is_number(l)) {
        otter__resp_error(r, 400, "INVALID", "%s.label must be a number", where);
        return 0;
    }
    if (w && (!json_is_number(w) || !(json_number_value(w) > 0))) {
        otter__resp_error(r, 400, "INVALID", "%s.weight must be a positive number", where);
        return 0;
    }
    *label = json_number_value(l);
    *weight = w ? json_number_value(w) : 1.0;
    return 1;
}

/* The model's task, read before a batch so every label is checked up front. */
typedef struct task_view {
    otter_task task;
    size_t n_classes;
} task_view;

static otter_status read_task(void *ud, const otter_learner *l, const otter_bandit *b,
                              otter_error *err)
{
    (void)b;
    if (!l)
        return otter_error_set(err, OTTER_NOT_FOUND, "not a model");
    task_view *v = ud;
    v->task = otter_learner_task(l);
    v->n_classes = otter_learner_n_classes(l);
    return OTTER_OK;
}

/* The learners' own label rule (src/learners/learner.c), applied before anything is
 * learned; the learner checks again. */
static int label_fits(const task_view *v, double y, const char *where, otter__http_resp *r)
{
    if (v->task == OTTER_TASK_BINARY && y != 0.0 && y != 1.0 && y != -1.0) {
        otter__resp_error(r, 400, "INVALID", "%s: binary label must be 0, 1 or -1, got %.17g",
                          where, y);
        return 0;
    }
    if (v->task == OTTER_TASK_MULTICLASS && (y < 0 || y != floor(y) || y >= (double)v->n_classes)) {
        otter__resp_error(r, 400, "INVALID",
                          "%s: class label must be an integer in [0, %zu), got %.17g", where,
                          v->n_classes, y);
        return 0;
    }
    return 1;
}

/* Learns one checked example; on failure the response says why (nothing learned). */
static int learn_one(otter__server *srv, uint16_t kg, const char *ent, const char *name,
                     const otter_instance *inst, double y, double w, const char *where,
                     otter__http_resp *r)
{
    otter_prediction before;
    otter_error err = {0};
    otter_status st = otter_store_learn_scored(srv->store, kg, ent, inst, y, w, &before, &err);
    if (st == OTTER_NOT_FOUND) {
        otter__resp_error(r, 404, "NOT_FOUND", "no model '%s'", name);
        return 0;
    }
    if (st != OTTER_OK) {
        otter__resp_error(r, otter_status_http(st), otter_status_name(st), "%s: %s", where,
                          err.message);
        return 0;
    }
    otter__record_metrics(srv, name, &before, y, w);
    atomic_fetch_add(&srv->learns, 1);
    return 1;
}

static uint64_t model_version(otter__server *srv, uint16_t kg, const char *ent)
{
    otter_entity_info info;
    return otter_store_info(srv->store, kg, ent, &info, NULL) == OTTER_OK ? info.version : 0;
}

static void model_learn(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    static const char *const one[] = {"features", "dense", "label", "weight", NULL};
    static const char *const many[] = {"examples", NULL};
    if (!otter__http_check_name(name, "model name", r))
        return;
    json_t *ex = json_object_get(req->json, "examples");
    if (!otter__json_only(req->json, ex ? many : one, "body", r))
        return;
    if (ex && (!json_is_array(ex) || json_array_size(ex) == 0 ||
               json_array_size(ex) > OTTER__MAX_ITEMS)) {
        otter__resp_error(r, 400, "INVALID", "examples must be an array of 1..%d objects",
                          OTTER__MAX_ITEMS);
        return;
    }
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    uint16_t kg = otter__kg(ent);
    size_t n = ex ? json_array_size(ex) : 1;
    otter_instance *inst = otter__instance_get(srv);
    if (!inst) {
        otter__resp_error(r, 503, "NOMEM", "out of memory");
        return;
    }
    /* every example (members, label, features) is checked before the first is
     * learned: all or nothing */
    if (ex) {
        task_view tv = {OTTER_TASK_REGRESSION, 0};
        otter_error err = {0};
        otter_status st = otter_store_read(srv->store, kg, ent, read_task, &tv, &err);
        if (st == OTTER_NOT_FOUND)
            otter__resp_error(r, 404, "NOT_FOUND", "no model '%s'", name);
        else if (st != OTTER_OK)
            otter__resp_status(r, st, &err);
        for (size_t i = 0; !r->status && i < n; i++) {
            const json_t *o = json_array_get(ex, i);
            char where[32];
            snprintf(where, sizeof where, "examples[%zu]", i);
            double y, w;
            if (otter__json_only(o, one, where, r) && label_of(o, where, &y, &w, r) &&
                label_fits(&tv, y, where, r))
                otter__json_instance(json_object_get(o, "features"), json_object_get(o, "dense"),
                                     inst, where, r);
        }
        if (r->status) {
            otter__instance_put(srv, inst);
            return;
        }
    }
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *o = ex ? json_array_get(ex, i) : req->json;
        char where[32] = "body";
        if (ex)
            snprintf(where, sizeof where, "examples[%zu]", i);
        double y, w;
        if (!label_of(o, where, &y, &w, r) ||
            !otter__json_instance(json_object_get(o, "features"), json_object_get(o, "dense"), inst,
                                  where, r))
            break;
        if (!learn_one(srv, kg, ent, name, inst, y, w, where, r))
            break;
        done++;
    }
    otter__instance_put(srv, inst);
    if (r->status)
        return;
    otter__resp_json(r, 200,
                     json_pack("{s:I,s:I}", "learned", (json_int_t)done, "version",
                               (json_int_t)model_version(srv, kg, ent)));
}

/* Single learn without a JSON tree (fast.c). Nothing has been learned when it hands
 * the request to model_learn; once the body is read, it answers every outcome itself. */
int otter__fast_learn(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    if (!otter__name_ok(name))
        return 0;
    otter_instance *inst = otter__instance_get(srv);
    if (!inst)
        return 0;
    double y, w;
    if (!otter__fast_example(req->body, req->body_len, inst, &y, &w)) {
        otter__instance_put(srv, inst);
        return 0;
    }
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    uint16_t kg = otter__kg(ent);
    int ok = learn_one(srv, kg, ent, name, inst, y, w, "body", r);
    otter__instance_put(srv, inst);
    if (!ok)
        return 1;
    char text[64];
    int n = snprintf(text, sizeof text, "{\"learned\":1,\"version\":%" PRIu64 "}",
                     model_version(srv, kg, ent));
    if (otter_buf_append(&r->raw, text, (size_t)n, NULL) != OTTER_OK) {
        otter__resp_error(r, 503, "NOMEM", "out of memory (the example was learned)");
        return 1;
    }
    r->status = 200;
    r->raw_type = "application/json";
    return 1;
}

static void model_feedback(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    static const char *const allowed[] = {"event_id", "label", "weight", NULL};
    if (!otter__http_check_name(name, "model name", r) ||
        !otter__json_only(req->json, allowed, "body", r))
        return;
    double y, w;
    char id[OTTER_EVENT_ID_MAX];
    if (!json_object_get(req->json, "event_id")) {
        otter__resp_error(r, 400, "INVALID", "body.event_id is required");
        return;
    }
    if (event_id_of(req->json, 0, id, sizeof id, r) < 0 || !label_of(req->json, "body", &y, &w, r))
        return;
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    uint16_t kg = otter__kg(ent);
    otter_prediction before;
    otter_error err = {0};
    otter_status st = otter_store_feedback_scored(srv->store, kg, ent, id, y, w, &before, &err);
    if (st == OTTER_NOT_FOUND) {
        otter__resp_error(r, 404, "NOT_FOUND",
                          "no pending event '%s' for model '%s' (never scored with an event, "
                          "labelled already, expired, or no such model)",
                          id, name);
        return;
    }
    if (st != OTTER_OK) {
        otter__resp_status(r, st, &err);
        return;
    }
    otter__record_metrics(srv, name, &before, y, w);
    atomic_fetch_add(&srv->feedbacks, 1);
    otter_entity_info info;
    uint64_t version = 0;
    if (otter_store_info(srv->store, kg, ent, &info, NULL) == OTTER_OK)
        version = info.version;
    otter__resp_json(r, 200, json_pack("{s:i,s:I}", "learned", 1, "version", (json_int_t)version));
}

static void model_state_get(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    if (!otter__http_check_name(name, "model name", r))
        return;
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    otter_error err = {0};
    otter_status st = otter_store_get_state(srv->store, otter__kg(ent), ent, &r->raw, &err);
    if (st == OTTER_NOT_FOUND)
        otter__resp_error(r, 404, "NOT_FOUND", "no model '%s'", name);
    else if (st != OTTER_OK)
        otter__resp_status(r, st, &err);
    else {
        r->status = 200;
        r->raw_type = "application/octet-stream";
    }
}

static void model_state_put(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    if (!otter__http_check_name(name, "model name", r))
        return;
    char ent[OTTER__NAME_MAX + 4];
    otter__entity_name(ent, sizeof ent, MODEL_KIND, name);
    otter_error err = {0};
    otter_status st = otter_store_put_state(srv->store, otter__kg(ent), ent, OTTER_ENTITY_LEARNER,
                                            req->body, req->body_len, &err);
    if (st != OTTER_OK) {
        otter__resp_status(r, st, &err);
        return;
    }
    otter__forget_metrics(srv, name);
    json_t *m = model_json(srv, name, r);
    if (m)
        otter__resp_json(r, 200, m);
}

/* ---- the routing table (bandits and operations live in their files) ---- */

enum { R = OTTER__SCOPE_READ, W = OTTER__SCOPE_WRITE, A = OTTER__SCOPE_ADMIN };

const otter__route otter__routes[] = {
    {"GET", "/healthz", otter__h_health, 0, 0, "healthz", NULL},
    {"GET", "/readyz", otter__h_ready, 0, 0, "readyz", NULL},
    {"GET", "/metrics", otter__h_metrics, 0, 0, "metrics", NULL},
    {"GET", "/openapi.json", otter__h_openapi, 0, 0, "openapi", NULL},
    {"GET", "/v1/models", model_list, R, 0, "models_list", NULL},
    {"PUT", "/v1/models/*", model_put, A, 1, "model_put", NULL},
    {"GET", "/v1/models/*", model_get, R, 0, "model_get", NULL},
    {"DELETE", "/v1/models/*", model_delete, A, 0, "model_delete", NULL},
    {"POST", "/v1/models/*/predict", model_predict, R, 1, "predict", otter__fast_predict},
    {"POST", "/v1/models/*/learn", model_learn, W, 1, "learn", otter__fast_learn},
    {"POST", "/v1/models/*/feedback", model_feedback, W, 1, "feedback", NULL},
    {"GET", "/v1/models/*/state", model_state_get, R, 0, "state_get", NULL},
    {"PUT", "/v1/models/*/state", model_state_put, A, 3, "state_put", NULL},
    {"GET", "/v1/bandits", otter__h_bandit_list, R, 0, "bandits_list", NULL},
    {"PUT", "/v1/bandits/*", otter__h_bandit_put, A, 1, "bandit_put", NULL},
    {"GET", "/v1/bandits/*", otter__h_bandit_get, R, 0, "bandit_get", NULL},
    {"DELETE", "/v1/bandits/*", otter__h_bandit_delete, A, 0, "bandit_delete", NULL},
    {"POST", "/v1/bandits/*/arms", otter__h_bandit_arm_add, A, 1, "arm_add", NULL},
    {"DELETE", "/v1/bandits/*/arms/*", otter__h_bandit_arm_remove, A, 0, "arm_remove", NULL},
    {"POST", "/v1/bandits/*/rank", otter__h_bandit_rank, R, 1, "rank", NULL},
    {"POST", "/v1/bandits/*/reward", otter__h_bandit_reward, W, 1, "reward", NULL},
    {"POST", "/v1/bandits/*/events/*/activate", otter__h_bandit_activate, W, 0, "activate", NULL},
    {"POST", "/v1/snapshots", otter__h_snapshot_take, A, 2, "snapshot_take", NULL},
    {"GET", "/v1/snapshots", otter__h_snapshot_list, A, 0, "snapshot_list", NULL},
    {"POST", "/v1/snapshots/*/restore", otter__h_snapshot_restore, A, 0, "snapshot_restore", NULL},
};
const size_t otter__n_routes = sizeof otter__routes / sizeof otter__routes[0];
