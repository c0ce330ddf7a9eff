/* JSON lines input: one flat object per line, parsed with jansson (see io_int.h).
 *
 * This is the CLI's one adapter to jansson: it turns jansson's values and its
 * json_error_t into features and OTTER_PARSE row errors; no other file includes
 * jansson.h. Numbers are decoded as reals (JSON_DECODE_INT_AS_REAL), so a large
 * integer is a double like any other instead of an overflow error, and duplicate keys
 * are rejected because which one should win is ambiguous.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "io_int.h"

static otter_status jsonl_open(otter__reader *r, void **state, otter_error *err)
{
    (void)r;
    (void)err;
    *state = NULL;
    return OTTER_OK;
}

static void jsonl_close(void *state)
{
    (void)state;
}

/* A label or weight value: number, bool or null (absent). */
static otter_status read_target(otter__reader *r, const char *key, json_t *v, double *out,
                                otter_error *err)
{
    if (json_is_null(v))
        return OTTER_OK;
    if (json_is_boolean(v)) {
        *out = json_is_true(v) ? 1.0 : 0.0;
        return OTTER_OK;
    }
    if (!json_is_number(v))
        return otter__reader_fail(r, err, "key '%s': expected a number", key);
    *out = json_number_value(v);
    return OTTER_OK;
}

/* Adds member (key, v) as a feature in namespace ns (NULL for top level). */
static otter_status read_member(otter__reader *r, otter_instance *inst, const char *ns,
                                const char *key, json_t *v, otter_error *err)
{
    char what[128];
    snprintf(what, sizeof what, "%s%s%s", ns ? ns : "", ns ? "." : "", key);
    if (json_is_null(v))
        return OTTER_OK;
    if (json_is_array(v))
        return otter__reader_fail(r, err, "key '%s': arrays are not supported", what);
    if (json_is_object(v))
        return otter__reader_fail(r, err, "key '%s': objects nest one level at most", what);
    otter_feature_key fk;
    otter_status st =
        otter__reader_intern(r, inst, ns, ns ? strlen(ns) : 0, key, strlen(key), &fk, err);
    if (st != OTTER_OK)
        return st;
    if (json_is_string(v))
        return otter__reader_add_cat(r, inst, fk, json_string_value(v), json_string_length(v), what,
                                     err);
    double x = json_is_boolean(v) ? (json_is_true(v) ? 1.0 : 0.0) : json_number_value(v);
    return otter__reader_add_num(r, inst, fk, x, what, err);
}

static otter_status read_namespace(otter__reader *r, otter_instance *inst, const char *ns,
                                   json_t *obj, otter_error *err)
{
    const char *key;
    json_t *v;
    if (ns[0] == '\0')
        return otter__reader_fail(r, err, "a nested object needs a non-empty key");
    json_object_foreach(obj, key, v)
    {
        if (key[0] == '_')
            continue;
        otter_status st = read_member(r, inst, ns, key, v, err);
        if (st != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}

static otter_status read_object(otter__reader *r, otter_instance *inst, json_t *obj,
                                otter__read_out *out, otter_error *err)
{
    const otter__reader_options *o = otter__reader_opts(r);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        otter_status st;
        if (strcmp(key, o->label) == 0)
            st = read_target(r, key, v, &out->label, err);
        else if (o->weight != NULL && strcmp(key, o->weight) == 0) {
            st = read_target(r, key, v, &out->weight, err);
            if (st == OTTER_OK)
                st = otter__reader_check_weight(r, out->weight, err);
        } else if (key[0] == '_' || otter__reader_ignored(r, key, strlen(key)))
            continue;
        else if (json_is_object(v))
            st = read_namespace(r, inst, key, v, err);
        else
            st = read_member(r, inst, NULL, key, v, err);
        if (st != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}

static otter_status jsonl_next(otter__reader *r, void *state, otter_instance *inst,
                               otter__read_out *out, otter_error *err)
{
    (void)state;
    char *b = NULL;
    size_t len = 0;
    otter_status st = otter__reader_content_line(r, &b, &len, &out->eof, err);
    if (st != OTTER_OK || out->eof)
        return st;
    json_error_t jerr;
    json_t *obj = json_loadb(b, len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL)
        return otter__reader_fail(r, err, "invalid JSON at column %d: %s", jerr.column, jerr.text);
    if (!json_is_object(obj))
        st = otter__reader_fail(r, err, "expected a JSON object");
    else
        st = read_object(r, inst, obj, out, err);
    json_decref(obj);
    return st;
}

const otter__read_format otter__read_jsonl = {"jsonl", jsonl_open, jsonl_next, jsonl_close};
