/* otterd's fast predict path (src/http/fast.c) against jansson, the general path it
 * must agree with:
 *   - every body the fast reader accepts, jansson accepts too (with duplicate keys
 *     refused, as otterd parses) and otter__json_instance builds the same instance from
 *     it: the same features in the same order, names, namespaces, hashes, the same
 *     value bits, the same categories;
 *   - the bodies it must leave to jansson (escapes, non-ASCII, repeated keys, numbers
 *     jansson reads differently or refuses, extra members, trailing bytes) are left;
 *   - both forms, one instance and a batch ({"instances":[...]}), item by item;
 *   - 200,000 random mutations of valid bodies never make it accept what jansson
 *     refuses or read something else than jansson;
 *   - single learn bodies ({"features","label","weight"} in any order) likewise, with
 *     the label and weight read to the same bits;
 *   - numbers and whole predictions are written byte for byte as json_dumps writes them.
 * Seeds are fixed, so a failure repeats.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "http/http_int.h"
#include "test_util.h"

/* The general path's reading of a body that should be {"features":{...}}: 1 and inst
 * filled, or 0 when otterd would refuse it or take it as another shape. */
static int general_instance(const char *body, size_t len, otter_instance *inst)
{
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return 0;
    int ok = 0;
    otter__http_resp r = {0};
    if (json_is_object(j) && json_object_size(j) == 1 && json_object_get(j, "features"))
        ok = otter__json_instance(json_object_get(j, "features"), NULL, inst, "body", &r);
    json_decref(r.json);
    json_decref(j);
    return ok;
}

static void same_instance(const otter_instance *a, const otter_instance *b, const char *body)
{
    ck_assert_msg(otter_instance_size(a) == otter_instance_size(b), "sizes differ for %s", body);
    for (size_t i = 0; i < otter_instance_size(a); i++) {
        otter_feature fa, fb;
        OK(otter_instance_feature(a, i, &fa, err));
        OK(otter_instance_feature(b, i, &fb, err));
        ck_assert_msg(strcmp(fa.ns, fb.ns) == 0 && strcmp(fa.name, fb.name) == 0,
                      "feature %zu: %s|%s vs %s|%s in %s", i, fa.ns, fa.name, fb.ns, fb.name, body);
        ck_assert_msg(fa.hash == fb.hash, "feature %zu: hash differs in %s", i, body);
        ck_assert_msg(memcmp(&fa.value, &fb.value, sizeof fa.value) == 0,
                      "feature %zu: %.17g vs %.17g in %s", i, fa.value, fb.value, body);
        ck_assert_msg((fa.category == NULL) == (fb.category == NULL), "feature %zu kind in %s", i,
                      body);
        if (fa.category)
            ck_assert_str_eq(fa.category, fb.category);
    }
}

/* What jansson reads, for the fast reader's callback to compare each instance with. */
typedef struct cmp_ctx {
    json_t *doc;
    int batch;
    size_t k;
    otter_instance *gen;
    int refused; /* the general path would not read this item as the fast path did */
    const char *body;
} cmp_ctx;

static int cmp_each(void *ud, otter_instance *inst)
{
    cmp_ctx *c = ud;
    json_t *it = NULL;
    if (c->doc && json_is_object(c->doc) && json_object_size(c->doc) == 1) {
        json_t *a = json_object_get(c->doc, "instances");
        if (!c->batch)
            it = c->doc;
        else if (json_is_array(a) && json_array_size(a) <= OTTER__MAX_ITEMS)
            it = json_array_get(a, c->k);
    }
    c->k++;
    otter__http_resp r = {0};
    if (!json_is_object(it) || json_object_size(it) != 1 || !json_object_get(it, "features") ||
        !otter__json_instance(json_object_get(it, "features"), NULL, c->gen, "body", &r))
        c->refused = 1;
    else
        same_instance(inst, c->gen, c->body);
    json_decref(r.json);
    return 1;
}

/* Checks one body both ways, either form; returns whether the fast reader took it. */
static int compare(otter_instance *fast, otter_instance *gen, const char *body, size_t len)
{
    json_error_t je;
    cmp_ctx c = {json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), 0, 0, gen, 0, body};
    int f = otter__fast_instances((const uint8_t *)body, len, fast, &c.batch, cmp_each, &c);
    if (f) {
        ck_assert_msg(c.doc && !c.refused, "fast path took what otterd refuses: %.*s", (int)len,
                      body);
        size_t want = c.batch ? json_array_size(json_object_get(c.doc, "instances")) : 1;
        ck_assert_msg(c.k == want, "%zu items read, jansson has %zu in %.*s", c.k, want, (int)len,
                      body);
    }
    json_decref(c.doc);
    return f;
}

static const char *const names[] = {"amount", "n|amount", "ns|x", "|lead", "a|b|c", "country",
                                    "k",      "x1",       "y_2",  "z.3",   "hour",  "Ü"};

static void append_number(char *out, size_t cap, otter_rng *rng)
{
    size_t n = strlen(out);
    switch (otter_rng_below(rng, 10)) {
    case 0: snprintf(out + n, cap - n, "%d", (int)otter_rng_below(rng, 2000) - 1000); break;
    case 1: snprintf(out + n, cap - n, "%.4f", otter_rng_normal(rng) * 100); break;
    case 2: snprintf(out + n, cap - n, "%.17g", otter_rng_normal(rng)); break;
    case 3: snprintf(out + n, cap - n, "%.3e", otter_rng_normal(rng) * 1e10); break;
    case 4: snprintf(out + n, cap - n, "%.2E", otter_rng_uniform(rng) * 1e-300); break;
    case 5: snprintf(out + n, cap - n, "-0"); break;
    case 6: snprintf(out + n, cap - n, "%lld", (long long)(otter_rng_next(rng) >> 5)); break;
    case 7: snprintf(out + n, cap - n, "-0.0"); break;
    case 8: snprintf(out + n, cap - n, "4.9e-324"); break;
    default:
        snprintf(out + n, cap - n, "%ue+%u", (unsigned)otter_rng_below(rng, 10),
                 (unsigned)otter_rng_below(rng, 300));
    }
}

static void random_body(char *out, size_t cap, otter_rng *rng);

/* {"instances":[...]} of 1..4 random single bodies */
static void random_batch(char *out, size_t cap, otter_rng *rng)
{
    size_t n = 1 + otter_rng_below(rng, 4);
    snprintf(out, cap, "{\"instances\":%s[", otter_rng_below(rng, 3) ? "" : " ");
    for (size_t i = 0; i < n; i++) {
        char one[1024];
        random_body(one, sizeof one, rng);
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", i ? "," : "", one);
    }
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "]}");
}

/* A random body of the fast path's shape (sometimes with things it leaves to jansson:
 * the last name is not ASCII). */
static void random_body(char *out, size_t cap, otter_rng *rng)
{
    int used[sizeof names / sizeof names[0]] = {0};
    size_t nf = otter_rng_below(rng, 9);
    snprintf(out, cap, "%s{%s\"features\"%s:%s{", otter_rng_below(rng, 4) ? "" : " \n",
             otter_rng_below(rng, 3) ? "" : " ", otter_rng_below(rng, 3) ? "" : "\t",
             otter_rng_below(rng, 3) ? "" : "\r\n");
    for (size_t i = 0, k = 0; i < nf; i++) {
        size_t pick = otter_rng_below(rng, sizeof names / sizeof names[0]);
        if (used[pick])
            continue;
        used[pick] = 1;
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s\"%s\":%s", k++ ? "," : "", names[pick],
                 otter_rng_below(rng, 4) ? "" : " ");
        if (otter_rng_below(rng, 3) == 0) {
            n = strlen(out);
            snprintf(out + n, cap - n, "\"v%u\"", (unsigned)otter_rng_below(rng, 50));
        } else
            append_number(out, cap, rng);
    }
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "}%s}%s", otter_rng_below(rng, 3) ? "" : " ",
             otter_rng_below(rng, 4) ? "" : "\n");
}

START_TEST(valid_bodies_read_alike)
{
    otter_instance *fast, *gen;
    OK(otter_instance_create(&fast, err));
    OK(otter_instance_create(&gen, err));
    otter_rng rng;
    otter_rng_seed(&rng, 20261125);
    size_t taken = 0, total = 20000;
    for (size_t i = 0; i < total; i++) {
        char body[4096];
        if (i % 4 == 3)
            random_batch(body, sizeof body, &rng);
        else
            random_body(body, sizeof body, &rng);
        int f = compare(fast, gen, body, strlen(body));
        taken += f;
        /* ASCII bodies of this shape are all the fast path's */
        if (!strstr(body, "\xc3"))
            ck_assert_msg(f, "the fast path left a plain body: %s", body);
    }
    ck_assert_uint_gt(taken, total / 2);
    otter_instance_destroy(fast);
    otter_instance_destroy(gen);
}
END_TEST

static int count_call(void *ud, otter_instance *inst)
{
    (void)inst;
    ++*(int *)ud;
    return 1;
}

START_TEST(left_to_jansson)
{
    static const char *const bodies[] = {
        "",
        "{}",
        "[]",
        "{\"features\":{}}x",
        "{\"features\":{},\"event\":true}",
        "{\"features\":{\"a\":1},\"features\":{}}",
        "{\"features\":{\"a\":1,\"a\":2}}",
        "{\"features\":{\"a\":1,\"b\":2,\"a\":\"x\"}}",
        "{\"features\":{\"a\\u0041\":1}}",
        "{\"features\":{\"a\":\"x\\n\"}}",
        "{\"features\":{\"\":1}}",
        "{\"features\":{\"a\":01}}",
        "{\"features\":{\"a\":1.}}",
        "{\"features\":{\"a\":.5}}",
        "{\"features\":{\"a\":+1}}",
        "{\"features\":{\"a\":1e}}",
        "{\"features\":{\"a\":-}}",
        "{\"features\":{\"a\":1e999}}",
        "{\"features\":{\"a\":-1e999}}",
        "{\"features\":{\"a\":1234567890123456789}}",
        "{\"features\":{\"a\":NaN}}",
        "{\"features\":{\"a\":Infinity}}",
        "{\"features\":{\"a\":true}}",
        "{\"features\":{\"a\":null}}",
        "{\"features\":{\"a\":[1]}}",
        "{\"features\":{\"a\":{}}}",
        "{\"features\":{\"a\":1,}}",
        "{\"features\":{\"a\" 1}}",
        "{\"features\":{\"a\":1}",
        "{\"features\":[]}",
        "{\"features\":null}",
        "{\"feature\":{}}",
        "{\"features\":{\"caf\xc3\xa9\":1}}",
        "{\"features\":{\"a\":\"\x01\"}}",
        "{\"features\":{\"a\":\"x\x7f\"}}",
        "{\"instances\":[]}",
        "{\"instances\":{}}",
        "{\"instances\":[{\"features\":{}}],\"event\":true}",
        "{\"instances\":[{\"features\":{},\"dense\":[1]}]}",
        "{\"instances\":[{\"features\":{}},]}",
        "{\"instances\":[{\"features\":{}}]",
        "{\"instances\":[{\"features\":{\"a\":1,\"a\":1}}]}",
        "{\"instances\":[{\"features\":{}},{\"features\":{\"a\":NaN}}]}",
    };
    otter_instance *fast, *gen;
    OK(otter_instance_create(&fast, err));
    OK(otter_instance_create(&gen, err));
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        int batch, calls = 0;
        ck_assert_msg(!otter__fast_instances((const uint8_t *)bodies[i], strlen(bodies[i]), fast,
                                             &batch, count_call, &calls),
                      "the fast path took %s", bodies[i]);
    }
    /* no body at all (NULL, 0), as otterd passes an empty one */
    {
        int batch, calls = 0;
        double y, w;
        ck_assert(!otter__fast_instances(NULL, 0, fast, &batch, count_call, &calls));
        ck_assert(!otter__fast_example(NULL, 0, fast, &y, &w));
    }
    /* a NUL byte inside the body */
    static const char nul[] = "{\"features\":{\"a\":1}}\0";
    ck_assert(!otter__fast_instance((const uint8_t *)nul, sizeof nul - 1, fast));
    /* more features than the fast path compares pairwise */
    char big[4096] = "{\"features\":{";
    for (int i = 0; i < 65; i++) {
        size_t n = strlen(big);
        snprintf(big + n, sizeof big - n, "%s\"f%d\":%d", i ? "," : "", i, i);
    }
    strcat(big, "}}");
    ck_assert(!otter__fast_instance((const uint8_t *)big, strlen(big), fast));
    ck_assert(general_instance(big, strlen(big), gen));
    /* more instances than otterd takes in one request */
    static char many[16 * 1024];
    strcpy(many, "{\"instances\":[");
    for (int i = 0; i <= OTTER__MAX_ITEMS; i++)
        strcat(many, i ? ",{\"features\":{}}" : "{\"features\":{}}");
    strcat(many, "]}");
    ck_assert(!otter__fast_instance((const uint8_t *)many, strlen(many), fast));
    int batch, calls = 0;
    ck_assert(!otter__fast_instances((const uint8_t *)many, strlen(many), fast, &batch, count_call,
                                     &calls));
    otter_instance_destroy(fast);
    otter_instance_destroy(gen);
}
END_TEST

START_TEST(mutations_never_disagree)
{
    static const char alphabet[] = "{}[]\":,.-+eE0123456789 \\|afnrtul\xc3\x01";
    otter_instance *fast, *gen;
    OK(otter_instance_create(&fast, err));
    OK(otter_instance_create(&gen, err));
    otter_rng rng;
    otter_rng_seed(&rng, 7);
    size_t taken = 0, total = 200000;
    for (size_t i = 0; i < total; i++) {
        char body[4096];
        if (i % 4 == 3)
            random_batch(body, sizeof body - 8, &rng);
        else
            random_body(body, sizeof body - 8, &rng);
        size_t len = strlen(body);
        size_t edits = 1 + otter_rng_below(&rng, 3);
        for (size_t e = 0; e < edits && len > 0; e++) {
            size_t at = otter_rng_below(&rng, len);
            char c = alphabet[otter_rng_below(&rng, sizeof alphabet - 1)];
            switch (otter_rng_below(&rng, 3)) {
            case 0: body[at] = c; break;
            case 1:
                memmove(body + at, body + at + 1, len - at);
                len--;
                break;
            default:
                memmove(body + at + 1, body + at, len - at + 1);
                body[at] = c;
                len++;
            }
        }
        taken += compare(fast, gen, body, len);
    }
    /* the mutations must leave some bodies valid, or the check says nothing */
    ck_assert_uint_gt(taken, total / 50);
    otter_instance_destroy(fast);
    otter_instance_destroy(gen);
}
END_TEST

/* The general path's reading of a single learn body: 1 with inst, label and weight, or
 * 0 when otterd would refuse it. */
static int general_example(const char *body, size_t len, otter_instance *inst, double *y, double *w)
{
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return 0;
    otter__http_resp r = {0};
    static const char *const one[] = {"features", "label", "weight", NULL};
    json_t *l = json_object_get(j, "label"), *wt = json_object_get(j, "weight");
    int ok = json_is_object(j) && otter__json_only(j, one, "body", &r) && json_is_number(l) &&
             (!wt || (json_is_number(wt) && json_number_value(wt) > 0)) &&
             otter__json_instance(json_object_get(j, "features"), NULL, inst, "body", &r);
    if (ok) {
        *y = json_number_value(l);
        *w = wt ? json_number_value(wt) : 1.0;
    }
    json_decref(r.json);
    json_decref(j);
    return ok;
}

static void random_example(char *out, size_t cap, otter_rng *rng)
{
    char parts[3][2048];
    size_t n = 0;
    char feats[2048];
    random_body(feats, sizeof feats, rng); /* {"features":{...}}: take the inner member */
    char *open = strchr(feats, '{');
    char *close = strrchr(feats, '}');
    if (otter_rng_below(rng, 5))
        snprintf(parts[n++], sizeof parts[0], "%.*s", (int)(close - open - 1), open + 1);
    snprintf(parts[n], sizeof parts[0], "\"label\":");
    append_number(parts[n], sizeof parts[0], rng);
    n++;
    if (otter_rng_below(rng, 2)) {
        snprintf(parts[n], sizeof parts[0], "\"weight\": ");
        append_number(parts[n], sizeof parts[0], rng);
        n++;
    }
    for (size_t i = n - 1; i > 0; i--) { /* members in any order */
        size_t k = otter_rng_below(rng, i + 1);
        char t[2048];
        memcpy(t, parts[i], sizeof t);
        memcpy(parts[i], parts[k], sizeof t);
        memcpy(parts[k], t, sizeof t);
    }
    snprintf(out, cap, "{");
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", i ? "," : "", parts[i]);
    }
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "}");
}

static int compare_example(otter_instance *fast, otter_instance *gen, const char *body, size_t len)
{
    double fy, fw, gy, gw;
    int f = otter__fast_example((const uint8_t *)body, len, fast, &fy, &fw);
    if (!f)
        return 0;
    ck_assert_msg(general_example(body, len, gen, &gy, &gw),
                  "fast path took a learn body otterd refuses: %.*s", (int)len, body);
    same_instance(fast, gen, body);
    ck_assert_msg(memcmp(&fy, &gy, sizeof fy) == 0 && memcmp(&fw, &gw, sizeof fw) == 0,
                  "label/weight %.17g/%.17g vs %.17g/%.17g in %s", fy, fw, gy, gw, body);
    return 1;
}

START_TEST(learn_bodies_read_alike)
{
    static const char alphabet[] = "{}[]\":,.-+eE0123456789 \\|afnrtulwgb\xc3";
    otter_instance *fast, *gen;
    OK(otter_instance_create(&fast, err));
    OK(otter_instance_create(&gen, err));
    otter_rng rng;
    otter_rng_seed(&rng, 11);
    size_t plain = 0, taken = 0, total = 100000;
    for (size_t i = 0; i < total; i++) {
        char body[4096];
        random_example(body, sizeof body - 8, &rng);
        size_t len = strlen(body);
        if (i % 2 == 0) { /* as generated: taken whenever plain and the weight positive */
            double y, w;
            int g = general_example(body, len, gen, &y, &w);
            int f = compare_example(fast, gen, body, len);
            if (g && !strstr(body, "\xc3")) {
                ck_assert_msg(f, "the fast path left a plain learn body: %s", body);
                plain++;
            }
            continue;
        }
        size_t at = otter_rng_below(&rng, len);
        char c = alphabet[otter_rng_below(&rng, sizeof alphabet - 1)];
        if (otter_rng_below(&rng, 2))
            body[at] = c;
        else {
            memmove(body + at + 1, body + at, len - at + 1);
            body[at] = c;
            len++;
        }
        taken += compare_example(fast, gen, body, len);
    }
    ck_assert_uint_gt(plain, total / 8);
    ck_assert_uint_gt(taken, total / 100);
    static const char *const left[] = {
        "{\"features\":{}}",
        "{\"label\":1,\"label\":0}",
        "{\"label\":1,\"weight\":0}",
        "{\"label\":1,\"weight\":-1}",
        "{\"label\":\"1\"}",
        "{\"label\":true}",
        "{\"label\":1,\"dense\":[1]}",
        "{\"label\":1,\"features\":{},\"features\":{}}",
        "{\"label\":1,}",
        "{\"label\":1}x",
    };
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
        double y, w;
        ck_assert_msg(!otter__fast_example((const uint8_t *)left[i], strlen(left[i]), fast, &y, &w),
                      "the fast path took %s", left[i]);
    }
    otter_instance_destroy(fast);
    otter_instance_destroy(gen);
}
END_TEST

static void same_text(double x)
{
    json_t *j = json_real(x);
    char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    char got[40];
    size_t n = otter__dtostr(got, sizeof got, x);
    ck_assert_msg(n == strlen(got) && strcmp(got, want) == 0, "%.17g: '%s' vs jansson '%s'", x, got,
                  want);
    free(want);
    json_decref(j);
}

START_TEST(numbers_written_as_jansson)
{
    static const double fixed[] = {0.0,      -0.0,
                                   1.0,      -1.0,
                                   0.5,      0.1,
                                   1e-5,     1e-300,
                                   1e20,     1e21,
                                   1e22,     1e300,
                                   4.9e-324, 123456.0,
                                   1e15,     1e16,
                                   1e17,     -2.5e-7,
                                   3.0e100,  DBL_MAX,
                                   DBL_MIN,  0.30000000000000004,
                                   100.0,    1.5e-10};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        same_text(fixed[i]);
    otter_rng rng;
    otter_rng_seed(&rng, 99);
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = otter_rng_next(&rng);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (isfinite(x))
            same_text(x);
        same_text(otter_rng_normal(&rng) * pow(10, (double)otter_rng_below(&rng, 40) - 20));
        same_text((double)(int64_t)(otter_rng_next(&rng) >> otter_rng_below(&rng, 64)));
    }
}
END_TEST

static void same_prediction(const otter_prediction *p)
{
    json_t *o = json_pack("{s:o}", "prediction", otter__json_prediction(p));
    char *want = json_dumps(o, JSON_COMPACT);
    otter_buf b = OTTER_BUF_INIT;
    ck_assert(otter__render_prediction(&b, p, "{\"prediction\":", "}") == OTTER_OK);
    ck_assert_msg(b.len == strlen(want) && memcmp(b.data, want, b.len) == 0, "'%.*s' vs '%s'",
                  (int)b.len, (const char *)b.data, want);
    otter_buf_free(&b);
    free(want);
    json_decref(o);
}

START_TEST(predictions_written_as_jansson)
{
    otter_prediction p;
    memset(&p, 0, sizeof p);
    p.task = OTTER_TASK_BINARY;
    p.score = -1.25;
    p.proba = 0.2227001388253309;
    p.has_proba = 1;
    p.label = 0;
    p.n_classes = 2;
    p.probs[0] = 1 - p.proba;
    p.probs[1] = p.proba;
    same_prediction(&p);
    p.has_proba = 0; /* a hinge-loss model: a margin and a label */
    p.proba = NAN;
    same_prediction(&p);
    p.score = NAN;
    same_prediction(&p);
    memset(&p, 0, sizeof p);
    p.task = OTTER_TASK_MULTICLASS;
    p.has_proba = 1;
    p.n_classes = OTTER_MAX_CLASSES;
    p.label = 3;
    p.proba = NAN;
    for (size_t i = 0; i < p.n_classes; i++)
        p.probs[i] = 1.0 / (double)(i + 2);
    same_prediction(&p);
    memset(&p, 0, sizeof p);
    p.task = OTTER_TASK_REGRESSION;
    p.score = 1234.5678e10;
    p.proba = NAN;
    same_prediction(&p);
    p.score = INFINITY;
    same_prediction(&p);
}
END_TEST

static Suite *fast_suite(void)
{
    Suite *s = suite_create("http_fast");
    TCase *tc = tcase_create("fast");
    tcase_add_test(tc, valid_bodies_read_alike);
    tcase_add_test(tc, left_to_jansson);
    tcase_add_test(tc, mutations_never_disagree);
    tcase_add_test(tc, learn_bodies_read_alike);
    tcase_add_test(tc, numbers_written_as_jansson);
    tcase_add_test(tc, predictions_written_as_jansson);
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fast_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
