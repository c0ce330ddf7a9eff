/* JSON at otterd's door: responses, errors, and the checked conversion of request
 * members into instances and parameters. Every rejection is a 400 whose message says
 * what was wrong and where (the member's path), and nothing has changed by then.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http_int.h"

void otter__resp_json(otter__http_resp *r, int http, json_t *body)
{
    if (r->json)
        json_decref(r->json);
    r->status = http;
    r->json = body;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

/* Error messages quote what the client sent (a path, a member name), and cut it: every
 * byte that is not part of valid UTF-8, such as a character cut in two, becomes '?', or
 * jansson refuses the string and the error would go out with no body. */
static void utf8_repair(char *msg)
{
    for (unsigned char *p = (unsigned char *)msg; *p;) {
        size_t n = utf8_len(p);
        if (n)
            p += n;
        else
            *p++ = '?';
    }
}

void otter__resp_error(otter__http_resp *r, int http, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_repair(msg);
    otter__resp_json(r, http, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

void otter__resp_status(otter__http_resp *r, otter_status st, const otter_error *err)
{
    otter__resp_error(r, otter_status_http(st), otter_status_name(st), "%s",
                      err && err->message[0] ? err->message : otter_status_message(st));
}

int otter__http_check_name(const char *name, const char *what, otter__http_resp *r)
{
    size_t n = strlen(name);
    int ok = n >= 1 && n <= OTTER__NAME_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '.' || c == '-';
    }
    if (!ok)
        otter__resp_error(r, 400, "INVALID", "%s '%.140s' must match [A-Za-z0-9_.-]{1,128}", what,
                          name);
    return ok;
}

int otter__json_only(const json_t *obj, const char *const *allowed, const char *where,
                     otter__http_resp *r)
{
    if (!json_is_object(obj)) {
        otter__resp_error(r, 400, "INVALID", "%s must be a JSON object", where);
        return 0;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        int known = 0;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known) {
            otter__resp_error(r, 400, "INVALID", "%s has an unknown member '%.100s'", where, key);
            return 0;
        }
    }
    return 1;
}

/* A "ns|name" key puts the feature in namespace ns. */
static int add_feature(otter_instance *inst, const char *key, const json_t *v, const char *where,
                       otter__http_resp *r)
{
    size_t klen = strlen(key);
    if (klen == 0 || klen > 256) {
        otter__resp_error(r, 400, "INVALID", "%s: feature names have 1..256 bytes", where);
        return 0;
    }
    const char *bar = strchr(key, '|');
    char ns[257] = "";
    const char *name = key;
    if (bar) {
        memcpy(ns, key, (size_t)(bar - key));
        ns[bar - key] = '\0';
        name = bar + 1;
    }
    otter_error err = {0};
    otter_status st;
    if (json_is_number(v)) {
        double x = json_number_value(v);
        st = otter_instance_num(inst, ns, name, x, &err);
    } else if (json_is_string(v)) {
        if (json_string_length(v) > 1024 ||
            memchr(json_string_value(v), 0, json_string_length(v))) {
            otter__resp_error(r, 400, "INVALID", "%s.%.100s: categories have at most 1024 bytes",
                              where, key);
            return 0;
        }
        st = otter_instance_cat(inst, ns, name, json_string_value(v), &err);
    } else {
        otter__resp_error(r, 400, "INVALID", "%s.%.100s: expected a number or a string", where,
                          key);
        return 0;
    }
    if (st != OTTER_OK) {
        otter__resp_error(r, otter_status_http(st), otter_status_name(st), "%s.%.100s: %s", where,
                          key, err.message);
        return 0;
    }
    return 1;
}

int otter__json_instance(const json_t *features, const json_t *dense, otter_instance *inst,
                         const char *where, otter__http_resp *r)
{
    otter_instance_clear(inst);
    if (features && !json_is_object(features)) {
        otter__resp_error(r, 400, "INVALID", "%s.features must be an object", where);
        return 0;
    }
    if (features && json_object_size(features) > OTTER__MAX_FEATURES) {
        otter__resp_error(r, 400, "INVALID", "%s.features has %zu features (at most %d)", where,
                          json_object_size(features), OTTER__MAX_FEATURES);
        return 0;
    }
    char at[160];
    snprintf(at, sizeof at, "%s.features", where);
    const char *key;
    json_t *v;
    if (features)
        json_object_foreach((json_t *)features, key,
                            v) if (!add_feature(inst, key, v, at, r)) return 0;
    if (!dense)
        return 1;
    if (!json_is_array(dense) || json_array_size(dense) > OTTER__MAX_FEATURES) {
        otter__resp_error(r, 400, "INVALID", "%s.dense must be an array of at most %d numbers",
                          where, OTTER__MAX_FEATURES);
        return 0;
    }
    size_t n = json_array_size(dense);
    double buf[256], *x = n <= 256 ? buf : malloc(n * sizeof *x);
    if (!x) {
        otter__resp_error(r, 503, "NOMEM", "out of memory");
        return 0;
    }
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        json_t *e = json_array_get(dense, i);
        if (!json_is_number(e)) {
            otter__resp_error(r, 400, "INVALID", "%s.dense[%zu]: expected a number", where, i);
            ok = 0;
        } else
            x[i] = json_number_value(e);
    }
    otter_error err = {0};
    otter_status st = ok ? otter_instance_set_dense(inst, x, n, &err) : OTTER_OK;
    if (st != OTTER_OK) {
        otter__resp_error(r, 400, "INVALID", "%s.dense: %s", where, err.message);
        ok = 0;
    }
    if (x != buf)
        free(x);
    return ok;
}

int otter__json_params(const json_t *params, otter_params **out, otter__http_resp *r)
{
    *out = NULL;
    otter_error err = {0};
    if (otter_params_create(out, &err) != OTTER_OK) {
        otter__resp_status(r, OTTER_NOMEM, &err);
        return 0;
    }
    if (!params)
        return 1;
    if (!json_is_object(params)) {
        otter__resp_error(r, 400, "INVALID", "params must be an object");
        goto fail;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)params, key, v)
    {
        char text[1100];
        if (json_is_string(v))
            snprintf(text, sizeof text, "%s", json_string_value(v));
        else if (json_is_integer(v))
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            snprintf(text, sizeof text, "%.17g", json_real_value(v));
        else if (json_is_boolean(v))
            snprintf(text, sizeof text, "%s", json_is_true(v) ? "true" : "false");
        else {
            otter__resp_error(r, 400, "INVALID",
                              "params.%.100s: expected a string, a number or a boolean", key);
            goto fail;
        }
        if (otter_params_set(*out, key, text, &err) != OTTER_OK) {
            otter__resp_error(r, 400, "INVALID", "params.%.100s: %s", key, err.message);
            goto fail;
        }
    }
    return 1;
fail:
    otter_params_destroy(*out);
    *out = NULL;
    return 0;
}

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

json_t *otter__json_prediction(const otter_prediction *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "score", num_or_null(p->score));
    if (p->task == OTTER_TASK_REGRESSION) {
        json_object_set_new(o, "value", num_or_null(p->score));
        json_object_set_new(o, "proba", json_null());
        json_object_set_new(o, "label", json_null());
        json_object_set_new(o, "probs", json_null());
        return o;
    }
    json_object_set_new(o, "value", json_null());
    json_object_set_new(o, "proba",
                        p->has_proba && p->task == OTTER_TASK_BINARY ? num_or_null(p->proba)
                                                                     : json_null());
    json_object_set_new(o, "label", json_integer(p->label));
    if (p->has_proba && p->n_classes > 0) {
        json_t *a = json_array();
        for (size_t i = 0; i < p->n_classes && i < OTTER_MAX_CLASSES; i++)
            json_array_append_new(a, num_or_null(p->probs[i]));
        json_object_set_new(o, "probs", a);
    } else
        json_object_set_new(o, "probs", json_null());
    return o;
}

json_t *otter__json_params_out(const char *canonical)
{
    json_t *o = json_object();
    for (const char *line = canonical; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *eq = memchr(line, '=', n);
        if (eq) {
            char key[256];
            size_t kl = (size_t)(eq - line) < sizeof key - 1 ? (size_t)(eq - line) : sizeof key - 1;
            memcpy(key, line, kl);
            key[kl] = '\0';
            json_object_set_new(o, key, json_stringn(eq + 1, n - (size_t)(eq - line) - 1));
        }
        line = nl ? nl + 1 : NULL;
    }
    return o;
}
