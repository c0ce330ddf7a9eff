/* The fast path of the hottest request, predict ({"features":{...}} or
 * {"instances":[{"features":{...}},...]}): the body is read in place into the worker's instance,
 * with no JSON tree, and the answer is written as text. Profiling put jansson's parser at a quarter
 * of a worker's time on that request (a per-character stream callback and an allocation per value
 * and key).
 *
 * The fast path only ever answers requests it fully understands: plain ASCII keys and
 * strings without escapes, numbers of the JSON grammar that jansson would read to the
 * same double, no repeated keys, nothing but "features" (or "instances") at the top. Anything else,
 * any error, and any store status but OK returns 0 and the request takes the general path, which
 * answers it (or words its error) exactly as before. Predict changes nothing, so running it again
 * on the general path is harmless. tests/test_http_fast.c checks both halves against jansson: what
 * the fast path accepts, jansson reads to the same instance, and the text it writes is byte for
 * byte what json_dumps would write.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define FAST_MAX_FEATURES 64 /* repeated keys are found by pairwise comparison */

typedef struct reader {
    const char *p, *end;
} reader;

static void skip_ws(reader *rd)
{
    while (rd->p < rd->end && (*rd->p == ' ' || *rd->p == '\n' || *rd->p == '\r' || *rd->p == '\t'))
        rd->p++;
}

static int eat(reader *rd, char c)
{
    skip_ws(rd);
    if (rd->p < rd->end && *rd->p == c) {
        rd->p++;
        return 1;
    }
    return 0;
}

/* A string of printable ASCII without escapes; *s and *n point into the body. */
static int read_string(reader *rd, const char **s, size_t *n)
{
    if (!eat(rd, '"'))
        return 0;
    const char *b = rd->p;
    while (rd->p < rd->end) {
        unsigned char c = (unsigned char)*rd->p;
        if (c == '"') {
            *s = b;
            *n = (size_t)(rd->p - b);
            rd->p++;
            return 1;
        }
        if (c < 0x20 || c >= 0x7f || c == '\\')
            return 0;
        rd->p++;
    }
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number of the JSON grammar, read as jansson reads it: an integer token through a
 * 64-bit integer (so "-0" is 0.0), a real one through strtod, refused on overflow. */
static int read_number(reader *rd, double *out)
{
    skip_ws(rd);
    const char *b = rd->p, *q = rd->p, *e = rd->end;
    int neg = q < e && *q == '-';
    q += neg;
    if (q >= e || !is_digit(*q))
        return 0;
    if (*q == '0')
        q++;
    else
        while (q < e && is_digit(*q))
            q++;
    const char *int_end = q;
    int real = 0;
    if (q < e && *q == '.') {
        real = 1;
        if (++q >= e || !is_digit(*q))
            return 0;
        while (q < e && is_digit(*q))
            q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        real = 1;
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        if (q >= e || !is_digit(*q))
            return 0;
        while (q < e && is_digit(*q))
            q++;
    }
    if (!real) {
        size_t digits = (size_t)(int_end - b) - (size_t)neg;
        if (digits > 18) /* may not fit in an int64: jansson decides */
            return 0;
        long long v = 0;
        for (const char *d = b + neg; d < int_end; d++)
            v = v * 10 + (*d - '0');
        *out = (double)(neg ? -v : v);
    } else {
        char buf[64];
        size_t len = (size_t)(q - b);
        if (len >= sizeof buf)
            return 0;
        memcpy(buf, b, len);
        buf[len] = '\0';
        errno = 0;
        double v = strtod(buf, NULL);
        if (!isfinite(v))
            return 0;
        *out = v;
    }
    rd->p = q;
    return 1;
}

static int features_member(reader *rd, otter_instance *inst)
{
    otter_feature_key seen[FAST_MAX_FEATURES];
    size_t n = 0;
    if (!eat(rd, '{'))
        return 0;
    if (eat(rd, '}'))
        return 1;
    do {
        const char *k, *v;
        size_t kn, vn;
        if (!read_string(rd, &k, &kn) || kn == 0 || kn > 256 || !eat(rd, ':'))
            return 0;
        if (n == FAST_MAX_FEATURES)
            return 0;
        const char *bar = memchr(k, '|', kn);
        size_t nsl = bar ? (size_t)(bar - k) : 0;
        const char *name = bar ? bar + 1 : k;
        size_t name_len = kn - (size_t)(name - k);
        otter_feature_key key;
        if (otter_instance_intern(inst, k, nsl, name, name_len, &key, NULL) != OTTER_OK)
            return 0;
        for (size_t i = 0; i < n; i++)
            if (seen[i] == key) /* the same key twice: jansson refuses the body */
                return 0;
        seen[n++] = key;
        skip_ws(rd);
        if (rd->p < rd->end && *rd->p == '"') {
            if (!read_string(rd, &v, &vn) || vn > 1024 ||
                otter_instance_add_cat(inst, key, v, vn, NULL) != OTTER_OK)
                return 0;
        } else {
            double x;
            if (!read_number(rd, &x) || otter_instance_add_num(inst, key, x, NULL) != OTTER_OK)
                return 0;
        }
    } while (eat(rd, ','));
    return eat(rd, '}');
}

static int key_is(reader *rd, const char *want)
{
    const char *k;
    size_t kn;
    return read_string(rd, &k, &kn) && kn == strlen(want) && memcmp(k, want, kn) == 0 &&
           eat(rd, ':');
}

/* {"features":{...}}, one instance */
static int item(reader *rd, otter_instance *inst)
{
    otter_instance_clear(inst);
    return eat(rd, '{') && key_is(rd, "features") && features_member(rd, inst) && eat(rd, '}');
}

int otter__fast_instances(const uint8_t *body, size_t len, otter_instance *inst, int *batch,
                          otter__fast_each each, void *ud)
{
    if (!body || !len) /* no body: NULL + 0 is undefined, and jansson words the error */
        return 0;
    reader rd = {(const char *)body, (const char *)body + len};
    reader peek = rd;
    if (eat(&peek, '{') && key_is(&peek, "features")) {
        *batch = 0;
        if (!item(&rd, inst) || !each(ud, inst))
            return 0;
    } else {
        *batch = 1;
        if (!eat(&rd, '{') || !key_is(&rd, "instances") || !eat(&rd, '['))
            return 0;
        size_t n = 0;
        do {
            if (++n > OTTER__MAX_ITEMS || !item(&rd, inst) || !each(ud, inst))
                return 0;
        } while (eat(&rd, ','));
        if (!eat(&rd, ']') || !eat(&rd, '}'))
            return 0;
    }
    skip_ws(&rd);
    return rd.p == rd.end;
}

static int keep_one(void *ud, otter_instance *inst)
{
    (void)inst;
    return ++*(int *)ud == 1;
}

int otter__fast_instance(const uint8_t *body, size_t len, otter_instance *inst)
{
    int batch, n = 0;
    return otter__fast_instances(body, len, inst, &batch, keep_one, &n) && !batch;
}

/* {"features":{...},"label":N,"weight":N} in any order, features and weight optional
 * (as the general path reads a single learn); a weight must be positive. */
int otter__fast_example(const uint8_t *body, size_t len, otter_instance *inst, double *label,
                        double *weight)
{
    if (!body || !len) /* no body: NULL + 0 is undefined, and jansson words the error */
        return 0;
    reader rd = {(const char *)body, (const char *)body + len};
    int seen_f = 0, seen_l = 0, seen_w = 0;
    *weight = 1.0;
    otter_instance_clear(inst);
    if (!eat(&rd, '{'))
        return 0;
    do {
        const char *k;
        size_t kn;
        if (!read_string(&rd, &k, &kn) || !eat(&rd, ':'))
            return 0;
        if (kn == 8 && !memcmp(k, "features", 8) && !seen_f++) {
            if (!features_member(&rd, inst))
                return 0;
        } else if (kn == 5 && !memcmp(k, "label", 5) && !seen_l++) {
            if (!read_number(&rd, label))
                return 0;
        } else if (kn == 6 && !memcmp(k, "weight", 6) && !seen_w++) {
            if (!read_number(&rd, weight) || !(*weight > 0))
                return 0;
        } else
            return 0;
    } while (eat(&rd, ','));
    if (!eat(&rd, '}') || !seen_l)
        return 0;
    skip_ws(&rd);
    return rd.p == rd.end;
}

/* ---- writing ---- */

size_t otter__dtostr(char *out, size_t cap, double x)
{
    int n = snprintf(out, cap, "%.17g", x);
    if (n < 0 || (size_t)n + 3 > cap)
        return 0;
    size_t len = (size_t)n;
    if (!strchr(out, '.') && !strchr(out, 'e')) {
        memcpy(out + len, ".0", 3); /* still a real when read back */
        len += 2;
    }
    char *e = strchr(out, 'e');
    if (e) { /* jansson's form of the exponent: no '+', no leading zeros */
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - out) + 1);
            len -= (size_t)(end - start);
        }
    }
    return len;
}

static void put(otter_buf *b, const char *s, size_t n)
{
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

#define PUT_LIT(b, s) put((b), (s), sizeof(s) - 1)

static void put_num(otter_buf *b, double x)
{
    if (!isfinite(x)) {
        PUT_LIT(b, "null");
        return;
    }
    char t[40];
    size_t n = otter__dtostr(t, sizeof t, x);
    put(b, t, n);
}

otter_status otter__render_prediction(otter_buf *b, const otter_prediction *p, const char *prefix,
                                      const char *suffix)
{
    size_t need = strlen(prefix) + strlen(suffix) + 128 + 32 * (p->n_classes + 4);
    if (otter_buf_reserve(b, need, NULL) != OTTER_OK)
        return OTTER_NOMEM;
    put(b, prefix, strlen(prefix));
    PUT_LIT(b, "{\"score\":");
    put_num(b, p->score);
    if (p->task == OTTER_TASK_REGRESSION) {
        PUT_LIT(b, ",\"value\":");
        put_num(b, p->score);
        PUT_LIT(b, ",\"proba\":null,\"label\":null,\"probs\":null}");
    } else {
        PUT_LIT(b, ",\"value\":null,\"proba\":");
        put_num(b, p->has_proba && p->task == OTTER_TASK_BINARY ? p->proba : NAN);
        char t[24];
        int n = snprintf(t, sizeof t, ",\"label\":%d", p->label);
        put(b, t, (size_t)n);
        PUT_LIT(b, ",\"probs\":");
        if (p->has_proba && p->n_classes > 0) {
            PUT_LIT(b, "[");
            for (size_t i = 0; i < p->n_classes && i < OTTER_MAX_CLASSES; i++) {
                if (i)
                    PUT_LIT(b, ",");
                put_num(b, p->probs[i]);
            }
            PUT_LIT(b, "]}");
        } else
            PUT_LIT(b, "null}");
    }
    put(b, suffix, strlen(suffix));
    return OTTER_OK;
}
