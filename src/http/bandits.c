/* /v1/bandits: create, inspect, delete, arms, rank, reward, activate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define BANDIT_KIND OTTER__BANDIT_KIND

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static void kv_num(void *ud, const char *key, double v)
{
    json_object_set_new(ud, key, num(v));
}

static void kv_str(void *ud, const char *key, const char *v)
{
    json_object_set_new(ud, key, json_string(v));
}

static otter_status describe_bandit(void *ud, const otter_learner *l, const otter_bandit *b,
                                    otter_error *err)
{
    json_t *out = ud;
    if (!b || l)
        return otter_error_set(err, OTTER_NOT_FOUND, "not a bandit");
    json_object_set_new(out, "policy", json_string(otter_bandit_type_of(b)->name));
    json_object_set_new(out, "params", otter__json_params_out(otter_bandit_params_text(b)));
    json_object_set_new(out, "pending", json_integer((json_int_t)otter_bandit_pending(b)));
    json_object_set_new(out, "bytes", json_integer((json_int_t)otter_bandit_bytes(b)));
    json_t *arms = json_array();
    for (size_t i = 0; i < otter_bandit_arm_count(b); i++) {
        otter_arm_stats st;
        if (otter_bandit_arm_stats(b, i, &st, NULL) != OTTER_OK)
            continue;
        json_array_append_new(
            arms, json_pack("{s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "name", otter_bandit_arm_at(b, i),
                            "pulls", (json_int_t)st.pulls, "reward_sum", num(st.reward_sum), "mean",
                            num(st.mean), "estimate", num(st.estimate), "lower", num(st.lower),
                            "upper", num(st.upper), "prob_best", num(st.prob_best)));
    }
    json_object_set_new(out, "arms", arms);
    json_t *stats = json_object();
    otter_kv_sink sink = {stats, kv_num, kv_str};
    otter_bandit_describe(b, &sink);
    json_object_set_new(out, "stats", stats);
    return OTTER_OK;
}

static void ent_of(const char *name, char *ent, size_t cap)
{
    otter__entity_name(ent, cap, BANDIT_KIND, name);
}

static json_t *bandit_json(otter__server *srv, const char *name, otter__http_resp *r)
{
    char ent[OTTER__NAME_MAX + 4];
    ent_of(name, ent, sizeof ent);
    json_t *out = json_pack("{s:s}", "name", name);
    otter_error err = {0};
    otter_status st = otter_store_read(srv->store, otter__kg(ent), ent, describe_bandit, out, &err);
    if (st != OTTER_OK) {
        json_decref(out);
        if (st == OTTER_NOT_FOUND)
            otter__resp_error(r, 404, "NOT_FOUND", "no bandit '%s'", name);
        else
            otter__resp_status(r, st, &err);
        return NULL;
    }
    otter_entity_info info;
    if (otter_store_info(srv->store, otter__kg(ent), ent, &info, NULL) == OTTER_OK)
        json_object_set_new(out, "version", json_integer((json_int_t)info.version));
    return out;
}

/* A JSON array of 1..max names into a malloc'd vector of borrowed strings. */
static const char **names_of(const json_t *a, const char *what, size_t *n, otter__http_resp *r)
{
    if (!json_is_array(a) || json_array_size(a) > OTTER__MAX_ITEMS) {
        otter__resp_error(r, 400, "INVALID", "%s must be an array of at most %d names", what,
                          OTTER__MAX_ITEMS);
        return NULL;
    }
    *n = json_array_size(a);
    const char **v = calloc(*n ? *n : 1, sizeof *v);
    if (!v) {
        otter__resp_error(r, 503, "NOMEM", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        v[i] = json_string_value(json_array_get(a, i));
        if (!v[i]) {
            otter__resp_error(r, 400, "INVALID", "%s[%zu] must be a string", what, i);
            free(v);
            return NULL;
        }
    }
    return v;
}

void otter__h_bandit_put(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    static const char *const allowed[] = {"policy", "arms", "params", NULL};
    if (!otter__http_check_name(name, "bandit name", r) ||
        !otter__json_only(req->json, allowed, "body", r))
        return;
    json_t *policy = json_object_get(req->json, "policy");
    if (!json_is_string(policy)) {
        otter__resp_error(r, 400, "INVALID", "body.policy must be a policy name");
        return;
    }
    size_t n = 0;
    const char **arms = names_of(json_object_get(req->json, "arms"), "body.arms", &n, r);
    if (!arms)
        return;
    otter_params *p = NULL;
    if (!otter__json_params(json_object_get(req->json, "params"), &p, r)) {
        free(arms);
        return;
    }
    char ent[OTTER__NAME_MAX + 4];
    ent_of(name, ent, sizeof ent);
    otter_error err = {0};
    int created = 0;
    otter_status st = otter_store_create_bandit(
        srv->store, otter__kg(ent), ent, json_string_value(policy), p, arms, n, &created, &err);
    otter_params_destroy(p);
    free(arms);
    if (st == OTTER_EXISTS)
        otter__resp_error(r, 409, "EXISTS", "bandit '%s' exists with a different definition", name);
    else if (st != OTTER_OK)
        otter__resp_status(r, st, &err);
    else {
        json_t *b = bandit_json(srv, name, r);
        if (b) {
            json_object_set_new(b, "created", json_boolean(created));
            otter__resp_json(r, created ? 201 : 200, b);
        }
    }
}

void otter__h_bandit_get(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    if (!otter__http_check_name(req->args[0], "bandit name", r))
        return;
    json_t *b = bandit_json(srv, req->args[0], r);
    if (b)
        otter__resp_json(r, 200, b);
}

void otter__h_bandit_delete(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    if (!otter__http_check_name(name, "bandit name", r))
        return;
    char ent[OTTER__NAME_MAX + 4];
    ent_of(name, ent, sizeof ent);
    otter_error err = {0};
    otter_status st = otter_store_delete(srv->store, otter__kg(ent), ent, &err);
    if (st == OTTER_NOT_FOUND)
        otter__resp_error(r, 404, "NOT_FOUND", "no bandit '%s'", name);
    else if (st != OTTER_OK)
        otter__resp_status(r, st, &err);
    else
        r->status = 204;
}

void otter__h_bandit_list(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    (void)req;
    json_t *a = otter__list_entities(srv, BANDIT_KIND, r);
    if (a)
        otter__resp_json(r, 200, json_pack("{s:o}", "bandits", a));
}

static void arm_change(otter__server *srv, const char *name, const char *arm, int add,
                       otter__http_resp *r)
{
    char ent[OTTER__NAME_MAX + 4];
    ent_of(name, ent, sizeof ent);
    otter_error err = {0};
    otter_status st = add ? otter_store_add_arm(srv->store, otter__kg(ent), ent, arm, &err)
                          : otter_store_remove_arm(srv->store, otter__kg(ent), ent, arm, &err);
    if (st == OTTER_NOT_FOUND && strstr(err.message, "entity"))
        otter__resp_error(r, 404, "NOT_FOUND", "no bandit '%s'", name);
    else if (st != OTTER_OK)
        otter__resp_status(r, st, &err);
    else {
        json_t *b = bandit_json(srv, name, r);
        if (b)
            otter__resp_json(r, add ? 201 : 200, b);
    }
}

void otter__h_bandit_arm_add(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    static const char *const allowed[] = {"arm", NULL};
    if (!otter__http_check_name(req->args[0], "bandit name", r) ||
        !otter__json_only(req->json, allowed, "body", r))
        return;
    const char *arm = json_string_value(json_object_get(req->json, "arm"));
    if (!arm) {
        otter__resp_error(r, 400, "INVALID", "body.arm must be a string");
        return;
    }
    arm_change(srv, req->args[0], arm, 1, r);
}

void otter__h_bandit_arm_remove(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    if (otter__http_check_name(req->args[0], "bandit name", r))
        arm_change(srv, req->args[0], req->args[1], 0, r);
}

void otter__h_bandit_rank(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    static const char *const allowed[] = {"context", "dense",    "arms",  "exclude",
                                          "unit",    "event_id", "defer", NULL};
    if (!otter__http_check_name(name, "bandit name", r) ||
        !otter__json_only(req->json, allowed, "body", r))
        return;
    otter_rank_request rq = {0};
    const char **arms = NULL, **excl = NULL;
    json_t *j;
    if ((j = json_object_get(req->json, "arms")) && !(arms = names_of(j, "arms", &rq.n_arms, r)))
        return;
    if ((j = json_object_get(req->json, "exclude")) &&
        !(excl = names_of(j, "exclude", &rq.n_exclude, r))) {
        free(arms);
        return;
    }
    rq.arms = arms;
    rq.exclude = excl;
    int ok = 1;
    /* (a U+0000 inside a string never gets this far: the parser refuses it) */
    if ((j = json_object_get(req->json, "unit")) &&
        (!(rq.unit = json_string_value(j)) || !rq.unit[0])) {
        otter__resp_error(r, 400, "INVALID", "unit must be a non-empty string");
        ok = 0;
    }
    if (ok && (j = json_object_get(req->json, "event_id"))) {
        rq.event_id = json_string_value(j);
        ok = otter__http_check_event_id(rq.event_id, rq.event_id ? json_string_length(j) : 0, r);
    }
    if (ok && (j = json_object_get(req->json, "defer"))) {
        if (!json_is_boolean(j)) {
            otter__resp_error(r, 400, "INVALID", "defer must be a boolean");
            ok = 0;
        } else
            rq.defer = json_is_true(j);
    }
    otter_instance *inst = ok ? otter__instance_get(srv) : NULL;
    if (ok && !inst) {
        otter__resp_error(r, 503, "NOMEM", "out of memory");
        ok = 0;
    }
    if (ok && (json_object_get(req->json, "context") || json_object_get(req->json, "dense"))) {
        ok = otter__json_instance(json_object_get(req->json, "context"),
                                  json_object_get(req->json, "dense"), inst, "body", r);
        rq.context = inst;
    }
    otter_decision d = OTTER_DECISION_INIT;
    if (ok) {
        char ent[OTTER__NAME_MAX + 4];
        ent_of(name, ent, sizeof ent);
        otter_error err = {0};
        otter_status st = otter_store_rank(srv->store, otter__kg(ent), ent, &rq, &d, &err);
        if (st == OTTER_NOT_FOUND && strstr(err.message, "entity"))
            otter__resp_error(r, 404, "NOT_FOUND", "no bandit '%s'", name);
        else if (st != OTTER_OK)
            otter__resp_status(r, st, &err);
        else {
            json_t *ranking = json_array();
            for (size_t i = 0; i < d.n_ranking; i++)
                json_array_append_new(ranking,
                                      json_pack("{s:s,s:o,s:o}", "arm", d.ranking[i].arm, "score",
                                                num(d.ranking[i].score), "probability",
                                                num(d.ranking[i].probability)));
            otter__resp_json(r, 200,
                             json_pack("{s:s,s:s,s:o,s:b,s:o}", "event_id", d.event_id, "arm",
                                       d.arm, "probability", num(d.propensity),
                                       "probability_estimated", d.propensity_estimated, "ranking",
                                       ranking));
            atomic_fetch_add(&srv->ranks, 1);
        }
    }
    otter_decision_free(&d);
    otter__instance_put(srv, inst);
    free(arms);
    free(excl);
}

void otter__h_bandit_reward(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    static const char *const allowed[] = {"event_id", "reward", NULL};
    if (!otter__http_check_name(name, "bandit name", r) ||
        !otter__json_only(req->json, allowed, "body", r))
        return;
    json_t *jid = json_object_get(req->json, "event_id");
    const char *id = json_string_value(jid);
    json_t *rw = json_object_get(req->json, "reward");
    if (!id || !json_is_number(rw)) {
        otter__resp_error(r, 400, "INVALID", "body needs event_id (string) and reward (number)");
        return;
    }
    if (!otter__http_check_event_id(id, json_string_length(jid), r))
        return;
    char ent[OTTER__NAME_MAX + 4];
    ent_of(name, ent, sizeof ent);
    otter_error err = {0};
    otter_status st =
        otter_store_reward(srv->store, otter__kg(ent), ent, id, json_number_value(rw), 0, &err);
    if (st == OTTER_NOT_FOUND && strstr(err.message, "entity"))
        otter__resp_error(r, 404, "NOT_FOUND", "no bandit '%s'", name);
    else if (st != OTTER_OK)
        otter__resp_status(r, st, &err);
    else {
        atomic_fetch_add(&srv->rewards, 1);
        otter__resp_json(r, 200, json_pack("{s:b}", "rewarded", 1));
    }
}

void otter__h_bandit_activate(otter__server *srv, const otter__http_req *req, otter__http_resp *r)
{
    const char *name = req->args[0];
    if (!otter__http_check_name(name, "bandit name", r) ||
        !otter__http_check_event_id(req->args[1], strlen(req->args[1]), r))
        return;
    char ent[OTTER__NAME_MAX + 4];
    ent_of(name, ent, sizeof ent);
    otter_error err = {0};
    otter_status st = otter_store_activate(srv->store, otter__kg(ent), ent, req->args[1], 0, &err);
    if (st == OTTER_NOT_FOUND && strstr(err.message, "entity"))
        otter__resp_error(r, 404, "NOT_FOUND", "no bandit '%s'", name);
    else if (st != OTTER_OK)
        otter__resp_status(r, st, &err);
    else
        otter__resp_json(r, 200, json_pack("{s:b}", "activated", 1));
}
