/* Vowpal Wabbit text input: `label [importance] ['tag]|ns feat[:val] ... |ns2 ...`.
 *
 * Only the simple-label form is read (a number, optional importance, optional tag);
 * the rules are in io_int.h. A bare feature is numeric 1.0, which is what lets a
 * "name=value" word hash exactly as VW hashes it. The line is scanned once, without
 * copying: names are interned from slices of the line buffer.
 */
#include <string.h>

#include "io_int.h"

#define ECHO_MAX 40

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int echo_len(size_t n)
{
    return (int)(n < ECHO_MAX ? n : ECHO_MAX);
}

/* Reads the header b[0..bar): label, importance, tag. */
static otter_status read_header(otter__reader *r, const char *b, size_t bar, otter__read_out *out,
                                otter_error *err)
{
    size_t p = 0, n_num = 0;
    while (p < bar) {
        while (p < bar && is_space(b[p]))
            p++;
        if (p == bar)
            break;
        size_t start = p;
        while (p < bar && !is_space(b[p]))
            p++;
        size_t n = p - start;
        /* a tag: "'tag", or a word touching the '|' after at least one other word */
        if (b[start] == '\'' || (p == bar && n_num > 0))
            continue;
        double v;
        if (n_num == 2)
            return otter__reader_fail(r, err, "unexpected '%.*s' before '|'", echo_len(n),
                                      b + start);
        if (otter__parse_double(b + start, n, &v) != 0)
            return otter__reader_fail(r, err, "%s: not a number: '%.*s'",
                                      n_num == 0 ? "label" : "importance", echo_len(n), b + start);
        if (n_num++ == 0) {
            out->label = v;
        } else {
            otter_status st = otter__reader_check_weight(r, v, err);
            if (st != OTTER_OK)
                return st;
            out->weight = v;
        }
    }
    return OTTER_OK;
}

/* Reads the namespace word right after the '|' at b[*p]; leaves *p after it. */
static otter_status read_namespace(otter__reader *r, const char *b, size_t len, size_t *p,
                                   size_t *ns, size_t *ns_len, double *scale, otter_error *err)
{
    size_t start = ++(*p);
    while (*p < len && !is_space(b[*p]) && b[*p] != '|')
        (*p)++;
    size_t n = *p - start;
    const char *colon = memchr(b + start, ':', n);
    *ns = start;
    *ns_len = colon ? (size_t)(colon - (b + start)) : n;
    *scale = 1.0;
    if (colon != NULL) {
        size_t vlen = n - *ns_len - 1;
        if (otter__parse_double(colon + 1, vlen, scale) != 0)
            return otter__reader_fail(r, err, "namespace '%.*s': bad scale '%.*s'",
                                      echo_len(*ns_len), b + start, echo_len(vlen), colon + 1);
    }
    return OTTER_OK;
}

/* Adds the feature word t[0..n) in namespace b[ns..ns+ns_len). */
static otter_status read_feature(otter__reader *r, otter_instance *inst, const char *ns,
                                 size_t ns_len, double scale, const char *t, size_t n,
                                 otter_error *err)
{
    const char *colon = memchr(t, ':', n);
    size_t name_len = colon ? (size_t)(colon - t) : n;
    if (name_len == 0)
        return otter__reader_fail(r, err, "empty feature name in '%.*s'", echo_len(n), t);
    double v = 1.0;
    if (colon != NULL && otter__parse_double(colon + 1, n - name_len - 1, &v) != 0)
        return otter__reader_fail(r, err, "feature '%.*s%s%.*s': bad value '%.*s'",
                                  echo_len(ns_len), ns, ns_len ? "." : "", echo_len(name_len), t,
                                  echo_len(n - name_len - 1), colon + 1);
    otter_feature_key key;
    otter_status st = otter__reader_intern(r, inst, ns, ns_len, t, name_len, &key, err);
    if (st != OTTER_OK)
        return st;
    /* The instance's own error names the feature, so no name is formatted per feature. */
    return otter__reader_add_num(r, inst, key, v * scale, NULL, err);
}

static otter_status read_features(otter__reader *r, otter_instance *inst, const char *b, size_t len,
                                  size_t p, otter_error *err)
{
    size_t ns = 0, ns_len = 0;
    double scale = 1.0;
    otter_status st = OTTER_OK;
    while (p < len && st == OTTER_OK) {
        if (b[p] == '|') {
            st = read_namespace(r, b, len, &p, &ns, &ns_len, &scale, err);
            continue;
        }
        if (is_space(b[p])) {
            p++;
            continue;
        }
        size_t start = p;
        while (p < len && !is_space(b[p]) && b[p] != '|')
            p++;
        st = read_feature(r, inst, b + ns, ns_len, scale, b + start, p - start, err);
    }
    return st;
}

static otter_status vw_next(otter__reader *r, void *state, otter_instance *inst,
                            otter__read_out *out, otter_error *err)
{
    (void)state;
    char *b = NULL;
    size_t len = 0;
    otter_status st = otter__reader_content_line(r, &b, &len, &out->eof, err);
    if (st != OTTER_OK || out->eof)
        return st;
    const char *bar = memchr(b, '|', len);
    if (bar == NULL)
        return otter__reader_fail(r, err, "no '|' (features start with '|ns' or '| ')");
    if ((st = read_header(r, b, (size_t)(bar - b), out, err)) != OTTER_OK)
        return st;
    return read_features(r, inst, b, len, (size_t)(bar - b), err);
}

static otter_status vw_open(otter__reader *r, void **state, otter_error *err)
{
    (void)r;
    (void)err;
    *state = NULL;
    return OTTER_OK;
}

static void vw_close(void *state)
{
    (void)state;
}

const otter__read_format otter__read_vw = {"vw", vw_open, vw_next, vw_close};
