/* Decision-log reader (see log_int.h): a stream reader (io_int.h) reads each line into
 * a raw instance; the reserved keys are taken out of it and every other feature is
 * copied into the context instance. Keys are compared as interned ids (the reserved
 * names are interned once, at open), and raw keys map to context keys through a
 * small table, so a row costs no string work beyond the reader's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"
#include "log_int.h"

enum { K_ARM, K_PROPENSITY, K_EVENT, K_COUNT };
static const char *const reserved[K_COUNT] = {"arm", "propensity", "event"};

struct otter__log_reader {
    otter__reader *reader;
    otter_instance *raw, *ctx;
    otter_feature_key key[K_COUNT];
    uint32_t *map; /* raw key -> context key + 1 (0: not mapped yet) */
    size_t map_cap;
    char arm[64], event[64]; /* a numeric arm or event as text */
};

static const char *const csv_cat[] = {"arm"};

otter_status otter__log_open(FILE *in, const char *format, otter__log_reader **out,
                             otter_error *err)
{
    if (!format)
        format = "jsonl";
    if (strcmp(format, "jsonl") != 0 && strcmp(format, "csv") != 0)
        return otter_error_set(err, OTTER_INVALID, "log format must be jsonl or csv, got '%s'",
                               format);
    otter__log_reader *r = calloc(1, sizeof *r);
    if (!r)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    int csv = strcmp(format, "csv") == 0;
    otter__reader_options ro = {format, "reward", NULL, csv ? csv_cat : NULL, csv, NULL, 0, 0};
    otter_error inner = {0};
    otter_status st = otter_instance_create(&r->raw, err);
    if (st == OTTER_OK)
        st = otter_instance_create(&r->ctx, err);
    for (size_t i = 0; i < K_COUNT && st == OTTER_OK; i++)
        st = otter_instance_intern(r->raw, NULL, 0, reserved[i], strlen(reserved[i]), &r->key[i],
                                   err);
    if (st == OTTER_OK && (st = otter__reader_open(in, &ro, &r->reader, &inner)) != OTTER_OK) {
        if (st == OTTER_INVALID && strstr(inner.message, "'arm' is not in the header"))
            st = otter_error_set(err, OTTER_PARSE, "csv log: the header has no 'arm' column");
        else
            st = otter_error_set(err, st, "%s", inner.message);
    }
    if (st != OTTER_OK) {
        otter__log_close(r);
        return st;
    }
    *out = r;
    return OTTER_OK;
}

void otter__log_close(otter__log_reader *r)
{
    if (!r)
        return;
    otter__reader_close(r->reader);
    otter_instance_destroy(r->raw);
    otter_instance_destroy(r->ctx);
    free(r->map);
    free(r);
}

/* The context key of raw feature f, interning its name in the context on first use. */
static otter_status context_key(otter__log_reader *r, const otter_feature *f,
                                otter_feature_key *key, otter_error *err)
{
    if (f->key >= r->map_cap) {
        size_t cap = r->map_cap ? r->map_cap : 64;
        while (cap <= f->key)
            cap *= 2;
        uint32_t *m = realloc(r->map, cap * sizeof *m);
        if (!m)
            return otter_error_set(err, OTTER_NOMEM, "out of memory");
        memset(m + r->map_cap, 0, (cap - r->map_cap) * sizeof *m);
        r->map = m;
        r->map_cap = cap;
    }
    if (!r->map[f->key]) {
        otter_status st =
            otter_instance_intern(r->ctx, f->ns, strlen(f->ns), f->name, strlen(f->name), key, err);
        if (st != OTTER_OK)
            return st;
        r->map[f->key] = *key + 1;
    }
    *key = r->map[f->key] - 1;
    return OTTER_OK;
}

/* Text of a reserved key's value: the category, or a number's shortest decimal text. */
static const char *text_of(const otter_feature *f, char *buf, size_t cap)
{
    if (f->category)
        return f->category;
    for (int digits = 15; digits <= 17; digits++) {
        int n = snprintf(buf, cap, "%.*g", digits, f->value);
        double back;
        if (otter__parse_double(buf, (size_t)n, &back) == 0 && back == f->value)
            break;
    }
    return buf;
}

static otter_status fail(const otter__log_reader *r, otter_error *err, const char *msg)
{
    return otter_error_set(err, OTTER_PARSE, "line %llu: %s",
                           (unsigned long long)otter__reader_line(r->reader), msg);
}

/* Splits the raw row into the reserved values and the context. */
static otter_status split_row(otter__log_reader *r, otter__log_event *ev, otter_error *err)
{
    int seen[K_COUNT] = {0};
    size_t n = otter_instance_size(r->raw);
    for (size_t i = 0; i < n; i++) {
        otter_feature f;
        otter_status st = otter_instance_feature(r->raw, i, &f, err);
        size_t k = 0;
        while (k < K_COUNT && f.key != r->key[k])
            k++;
        if (st == OTTER_OK && k < K_COUNT && seen[k]++)
            return fail(r, err, "a reserved key appears twice");
        if (st == OTTER_OK && k == K_ARM)
            ev->arm = text_of(&f, r->arm, sizeof r->arm);
        else if (st == OTTER_OK && k == K_EVENT)
            ev->event = text_of(&f, r->event, sizeof r->event);
        else if (st == OTTER_OK && k == K_PROPENSITY && f.category)
            return fail(r, err, "'propensity' must be a number");
        else if (st == OTTER_OK && k == K_PROPENSITY)
            ev->propensity = f.value;
        else if (st == OTTER_OK) {
            otter_feature_key key;
            st = context_key(r, &f, &key, err);
            if (st == OTTER_OK)
                st = f.category
                         ? otter_instance_add_cat(r->ctx, key, f.category, strlen(f.category), err)
                         : otter_instance_add_num(r->ctx, key, f.value, err);
        }
        if (st != OTTER_OK)
            return st;
    }
    if (!seen[K_ARM] || !*ev->arm)
        return fail(r, err, "missing 'arm'");
    if (!seen[K_PROPENSITY])
        return fail(r, err, "missing 'propensity'");
    if (!(ev->propensity > 0 && ev->propensity <= 1)) {
        char msg[96];
        snprintf(msg, sizeof msg, "'propensity' %g is not in (0, 1]", ev->propensity);
        return fail(r, err, msg);
    }
    return OTTER_OK;
}

otter_status otter__log_next(otter__log_reader *r, otter__log_event *ev, int *eof, otter_error *err)
{
    double reward = NAN, weight;
    otter_instance_clear(r->ctx);
    otter_status st = otter__reader_next(r->reader, r->raw, &reward, &weight, eof, err);
    if (st != OTTER_OK || *eof)
        return st;
    memset(ev, 0, sizeof *ev);
    ev->event = "";
    ev->context = r->ctx;
    ev->line = otter__reader_line(r->reader);
    if ((st = split_row(r, ev, err)) != OTTER_OK)
        return st;
    if (isnan(reward))
        return fail(r, err, "missing 'reward'");
    ev->reward = reward;
    return OTTER_OK;
}
