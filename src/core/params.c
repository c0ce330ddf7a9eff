/* Parameter lists (ordered key=value text) and their validation against a type's
 * static table. Values stay text until resolve() checks kind and range, so every
 * door (CLI flags, JSON bodies, JNI strings) shares one validator and one set of
 * error messages. */
#include "otter/params.h"
#include "params_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pair {
    char *key;
    char *value;
};

struct otter_params {
    struct pair *pairs;
    size_t n, cap;
};

otter_status otter_params_create(otter_params **out, otter_error *err)
{
    otter_params *p = calloc(1, sizeof *p);
    if (!p)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate parameters");
    *out = p;
    return OTTER_OK;
}

void otter_params_destroy(otter_params *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->pairs[i].key);
        free(p->pairs[i].value);
    }
    free(p->pairs);
    free(p);
}

otter_status otter_params_clone(const otter_params *src, otter_params **out, otter_error *err)
{
    otter_params *p = NULL;
    otter_status st = otter_params_create(&p, err);
    if (st != OTTER_OK)
        return st;
    for (size_t i = 0; src && i < src->n; i++) {
        st = otter_params_set(p, src->pairs[i].key, src->pairs[i].value, err);
        if (st != OTTER_OK) {
            otter_params_destroy(p);
            return st;
        }
    }
    *out = p;
    return OTTER_OK;
}

static int valid_key(const char *k)
{
    if (!*k)
        return 0;
    for (; *k; k++)
        if (!isalnum((unsigned char)*k) && *k != '_' && *k != '.' && *k != '-')
            return 0;
    return 1;
}

otter_status otter_params_set(otter_params *p, const char *key, const char *value, otter_error *err)
{
    if (!p || !key || !value)
        return otter_error_set(err, OTTER_INVALID, "parameter key and value are required");
    if (!valid_key(key))
        return otter_error_set(err, OTTER_INVALID,
                               "invalid parameter name '%.64s' (letters, digits, _ . - only)", key);
    if (strpbrk(value, "\n\r"))
        return otter_error_set(err, OTTER_INVALID, "parameter '%.64s': value contains a newline",
                               key);
    char *v = strdup(value);
    if (!v)
        return otter_error_set(err, OTTER_NOMEM, "cannot copy parameter value");
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->pairs[i].key, key) == 0) {
            free(p->pairs[i].value);
            p->pairs[i].value = v;
            return OTTER_OK;
        }
    }
    char *k = strdup(key);
    if (!k) {
        free(v);
        return otter_error_set(err, OTTER_NOMEM, "cannot copy parameter name");
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct pair *np = realloc(p->pairs, cap * sizeof *np);
        if (!np) {
            free(k);
            free(v);
            return otter_error_set(err, OTTER_NOMEM, "cannot grow parameter list");
        }
        p->pairs = np;
        p->cap = cap;
    }
    p->pairs[p->n].key = k;
    p->pairs[p->n].value = v;
    p->n++;
    return OTTER_OK;
}

/* Length of the pair starting at s. A comma ends the pair only when the text after it
 * is itself a key=value pair, so list values survive: "drift_at=1000,2000,lr=0.1" is
 * drift_at="1000,2000" and lr="0.1". */
static size_t pair_length(const char *s)
{
    size_t n = strcspn(s, ", \t\n\r");
    while (s[n] == ',') {
        const char *next = s + n + 1;
        size_t m = strcspn(next, ", \t\n\r");
        if (memchr(next, '=', m))
            break;
        n += 1 + m;
    }
    return n;
}

otter_status otter_params_parse(otter_params *p, const char *text, otter_error *err)
{
    char frag[512];
    const char *s = text ? text : "";
    while (*s) {
        while (*s == ',' || isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        size_t n = pair_length(s);
        if (n >= sizeof frag)
            return otter_error_set(err, OTTER_INVALID, "parameter '%.40s...' is too long", s);
        memcpy(frag, s, n);
        frag[n] = '\0';
        s += n;
        char *eq = strchr(frag, '=');
        if (!eq || eq == frag)
            return otter_error_set(err, OTTER_INVALID,
                                   "parameter '%.64s' is not of the form key=value", frag);
        *eq = '\0';
        otter_status st = otter_params_set(p, frag, eq + 1, err);
        if (st != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}

size_t otter_params_count(const otter_params *p)
{
    return p ? p->n : 0;
}

const char *otter_params_key(const otter_params *p, size_t i)
{
    return p && i < p->n ? p->pairs[i].key : NULL;
}

const char *otter_params_value(const otter_params *p, size_t i)
{
    return p && i < p->n ? p->pairs[i].value : NULL;
}

const char *otter_params_get(const otter_params *p, const char *key)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (strcmp(p->pairs[i].key, key) == 0)
            return p->pairs[i].value;
    return NULL;
}

/* ---- validation ---- */

static int choice_index(const char *choices, const char *word)
{
    size_t wl = strlen(word);
    int idx = 0;
    for (const char *c = choices; c && *c; idx++) {
        size_t n = strcspn(c, "|");
        if (n == wl && strncmp(c, word, n) == 0)
            return idx;
        c += n;
        if (*c == '|')
            c++;
    }
    return -1;
}

static otter_status range_check(const otter_param_spec *sp, double v, otter_error *err)
{
    int lo_bad = (sp->flags & OTTER_PARAM_MIN_EXCLUSIVE) ? !(v > sp->min) : !(v >= sp->min);
    int hi_bad = (sp->flags & OTTER_PARAM_MAX_EXCLUSIVE) ? !(v < sp->max) : !(v <= sp->max);
    if (lo_bad || hi_bad)
        return otter_error_set(err, OTTER_INVALID,
                               "parameter '%s' must be in %c%g, %g%c, got %.17g", sp->name,
                               (sp->flags & OTTER_PARAM_MIN_EXCLUSIVE) ? '(' : '[', sp->min,
                               sp->max, (sp->flags & OTTER_PARAM_MAX_EXCLUSIVE) ? ')' : ']', v);
    return OTTER_OK;
}

static otter_status parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return OTTER_OK;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return OTTER_OK;
        }
    }
    return OTTER_INVALID;
}

static otter_status resolve_one(const otter_param_spec *sp, const char *text, otter_param_value *v,
                                otter_error *err)
{
    memset(v, 0, sizeof *v);
    v->s = text;
    char *end;
    switch (sp->kind) {
    case OTTER_PARAM_DOUBLE:
        errno = 0;
        v->d = strtod(text, &end);
        if (end == text || *end || !isfinite(v->d) || errno == ERANGE)
            return otter_error_set(err, OTTER_INVALID,
                                   "parameter '%s' must be a finite number, got '%.64s'", sp->name,
                                   text);
        return range_check(sp, v->d, err);
    case OTTER_PARAM_INT:
        errno = 0;
        v->i = strtoll(text, &end, 10);
        if (end == text || *end || errno == ERANGE)
            return otter_error_set(err, OTTER_INVALID,
                                   "parameter '%s' must be an integer, got '%.64s'", sp->name,
                                   text);
        v->d = (double)v->i;
        return range_check(sp, v->d, err);
    case OTTER_PARAM_BOOL:
        if (parse_bool(text, &v->b) != OTTER_OK)
            return otter_error_set(err, OTTER_INVALID,
                                   "parameter '%s' must be true or false, got '%.64s'", sp->name,
                                   text);
        v->d = v->b;
        return OTTER_OK;
    case OTTER_PARAM_ENUM:
        v->choice = choice_index(sp->choices, text);
        if (v->choice < 0)
            return otter_error_set(err, OTTER_INVALID,
                                   "parameter '%s' must be one of %s, got '%.64s'", sp->name,
                                   sp->choices, text);
        return OTTER_OK;
    case OTTER_PARAM_STRING: return OTTER_OK;
    }
    return otter_error_set(err, OTTER_INTERNAL, "parameter '%s' has an unknown kind", sp->name);
}

static void known_names(const otter_param_spec *specs, size_t n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", specs[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

otter_status otter_params_resolve(const otter_param_spec *specs, size_t n_specs,
                                  const otter_params *params, otter_param_value *values,
                                  otter_error *err)
{
    for (size_t i = 0; params && i < params->n; i++) {
        size_t j = 0;
        while (j < n_specs && strcmp(specs[j].name, params->pairs[i].key) != 0)
            j++;
        if (j == n_specs) {
            char known[160];
            known_names(specs, n_specs, known, sizeof known);
            return otter_error_set(err, OTTER_INVALID, "unknown parameter '%.48s' (known: %s)",
                                   params->pairs[i].key, n_specs ? known : "none");
        }
    }
    for (size_t j = 0; j < n_specs; j++) {
        const char *text = otter_params_get(params, specs[j].name);
        otter_status st =
            resolve_one(&specs[j], text ? text : specs[j].default_value, &values[j], err);
        if (st != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}

otter_status otter_params_canonical(const otter_param_spec *specs, size_t n_specs,
                                    const otter_param_value *values, otter_buf *out,
                                    otter_error *err)
{
    char line[600];
    for (size_t j = 0; j < n_specs; j++) {
        int w;
        switch (specs[j].kind) {
        case OTTER_PARAM_DOUBLE:
            w = snprintf(line, sizeof line, "%s=%.17g\n", specs[j].name, values[j].d);
            break;
        case OTTER_PARAM_INT:
            w = snprintf(line, sizeof line, "%s=%lld\n", specs[j].name, values[j].i);
            break;
        case OTTER_PARAM_BOOL:
            w = snprintf(line, sizeof line, "%s=%s\n", specs[j].name,
                         values[j].b ? "true" : "false");
            break;
        default:
            w = snprintf(line, sizeof line, "%s=%s\n", specs[j].name,
                         values[j].s ? values[j].s : "");
            break;
        }
        if (w < 0 || (size_t)w >= sizeof line)
            return otter_error_set(err, OTTER_INVALID, "parameter '%s' is too long", specs[j].name);
        otter_status st = otter_buf_append(out, line, (size_t)w, err);
        if (st != OTTER_OK)
            return st;
    }
    return OTTER_OK;
}

otter_status otter__params_parse_canonical(const char *text, size_t len, otter_params *p,
                                           otter_error *err)
{
    char line[600];
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        if (j - i >= sizeof line)
            return otter_error_set(err, OTTER_CORRUPT, "state blob has an overlong parameter");
        memcpy(line, text + i, j - i);
        line[j - i] = '\0';
        char *eq = strchr(line, '=');
        if (!eq || memchr(line, '\0', j - i))
            return otter_error_set(err, OTTER_CORRUPT, "state blob has a malformed parameter");
        *eq = '\0';
        otter_status st = otter_params_set(p, line, eq + 1, err);
        if (st != OTTER_OK)
            return st == OTTER_NOMEM ? st : OTTER_CORRUPT;
        i = j + 1;
    }
    return OTTER_OK;
}
