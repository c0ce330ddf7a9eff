/* libsvm / svmlight input: `label idx:val idx:val ... [# comment]` (see io_int.h).
 *
 * Feature names are the index text, so "7:1" is the numeric feature "7". Interning a
 * name costs a hash lookup; since libsvm files have millions of pairs over a few
 * thousand small indexes, the key of each small canonical index (no leading zero) is
 * cached in an array, per instance.
 */
#include <stdlib.h>
#include <string.h>

#include "io_int.h"

#define CACHE_MAX ((uint64_t)1 << 20) /* indexes cached by value below this */
#define ECHO_MAX 40

typedef struct libsvm_state {
    const otter_instance *inst; /* instance the cache belongs to */
    otter_feature_key *keys;    /* keys[idx], valid where known[idx] */
    unsigned char *known;
    size_t cap;
    size_t n_known;
} libsvm_state;

static otter_status libsvm_open(otter__reader *r, void **state, otter_error *err)
{
    (void)r;
    *state = calloc(1, sizeof(libsvm_state));
    return *state ? OTTER_OK : otter_error_set(err, OTTER_NOMEM, "libsvm: out of memory");
}

static void libsvm_close(void *state)
{
    libsvm_state *ls = state;
    if (ls == NULL)
        return;
    free(ls->keys);
    free(ls->known);
    free(ls);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Next token of b[*p..len) (spaces/tabs between); returns 0 at the end. */
static int next_token(const char *b, size_t len, size_t *p, size_t *start, size_t *tlen)
{
    while (*p < len && is_space(b[*p]))
        (*p)++;
    if (*p == len)
        return 0;
    *start = *p;
    while (*p < len && !is_space(b[*p]))
        (*p)++;
    *tlen = *p - *start;
    return 1;
}

static otter_status grow_cache(libsvm_state *ls, size_t need, otter_error *err)
{
    size_t cap = ls->cap ? ls->cap : 256;
    while (cap < need)
        cap *= 2;
    otter_feature_key *k = realloc(ls->keys, cap * sizeof *k);
    if (k == NULL)
        return otter_error_set(err, OTTER_NOMEM, "libsvm: out of memory");
    ls->keys = k;
    unsigned char *kn = realloc(ls->known, cap);
    if (kn == NULL)
        return otter_error_set(err, OTTER_NOMEM, "libsvm: out of memory");
    memset(kn + ls->cap, 0, cap - ls->cap);
    ls->known = kn;
    ls->cap = cap;
    return OTTER_OK;
}

/* Key of the index text s[0..len) (already checked to be digits). */
static otter_status index_key(otter__reader *r, libsvm_state *ls, otter_instance *inst,
                              const char *s, size_t len, otter_feature_key *key, otter_error *err)
{
    if (ls->inst != inst || otter_instance_key_count(inst) < ls->n_known) {
        if (ls->known != NULL)
            memset(ls->known, 0, ls->cap);
        ls->n_known = 0;
        ls->inst = inst;
    }
    uint64_t idx = 0;
    int cacheable = len <= 7 && (len == 1 || s[0] != '0');
    for (size_t i = 0; cacheable && i < len; i++)
        idx = idx * 10 + (uint64_t)(s[i] - '0');
    cacheable = cacheable && idx < CACHE_MAX;
    if (cacheable && idx < ls->cap && ls->known[idx]) {
        *key = ls->keys[idx];
        return OTTER_OK;
    }
    otter_status st = otter__reader_intern(r, inst, NULL, 0, s, len, key, err);
    if (st != OTTER_OK || !cacheable)
        return st;
    if (idx >= ls->cap && (st = grow_cache(ls, (size_t)idx + 1, err)) != OTTER_OK)
        return st;
    ls->keys[idx] = *key;
    ls->known[idx] = 1;
    ls->n_known++;
    return OTTER_OK;
}

static otter_status read_pair(otter__reader *r, libsvm_state *ls, otter_instance *inst,
                              const char *t, size_t n, otter_error *err)
{
    int echo = (int)(n < ECHO_MAX ? n : ECHO_MAX);
    const char *colon = memchr(t, ':', n);
    if (colon == NULL)
        return otter__reader_fail(r, err, "expected index:value, got '%.*s'", echo, t);
    size_t ilen = (size_t)(colon - t);
    int ok = ilen > 0;
    for (size_t i = 0; i < ilen && ok; i++)
        ok = t[i] >= '0' && t[i] <= '9';
    if (!ok)
        return otter__reader_fail(r, err, "bad feature index in '%.*s'", echo, t);
    double v;
    if (otter__parse_double(colon + 1, n - ilen - 1, &v) != 0)
        return otter__reader_fail(r, err, "feature '%.*s': bad value in '%.*s'", (int)ilen, t, echo,
                                  t);
    otter_feature_key key;
    otter_status st = index_key(r, ls, inst, t, ilen, &key, err);
    if (st != OTTER_OK)
        return st;
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)ilen, t);
    return otter__reader_add_num(r, inst, key, v, name, err);
}

static otter_status libsvm_next(otter__reader *r, void *state, otter_instance *inst,
                                otter__read_out *out, otter_error *err)
{
    char *b = NULL;
    size_t len = 0, p = 0, start = 0, n = 0;
    otter_status st;
    do { /* skip blank and comment-only lines */
        st = otter__reader_getline(r, 0, &b, &len, &out->eof, err);
        if (st != OTTER_OK || out->eof)
            return st;
        p = 0;
    } while (!next_token(b, len, &p, &start, &n) || b[start] == '#');
    if (memchr(b + start, ':', n) == NULL) {
        double v;
        if (otter__parse_double(b + start, n, &v) != 0)
            return otter__reader_fail(r, err, "label: not a number: '%.*s'",
                                      (int)(n < ECHO_MAX ? n : ECHO_MAX), b + start);
        out->label = v;
        if (!next_token(b, len, &p, &start, &n))
            return OTTER_OK;
    }
    do {
        if (b[start] == '#')
            break;
        if ((st = read_pair(r, state, inst, b + start, n, err)) != OTTER_OK)
            return st;
    } while (next_token(b, len, &p, &start, &n));
    return OTTER_OK;
}

const otter__read_format otter__read_libsvm = {"libsvm", libsvm_open, libsvm_next, libsvm_close};
