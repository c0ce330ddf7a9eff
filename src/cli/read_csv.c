/* CSV input (RFC 4180 with a required header), as described in io_int.h.
 *
 * The header fixes each column's role (feature, label, weight, skipped) once; a feature
 * column's kind (numeric or categorical) is fixed by its first non-empty value. A record
 * is split in place: quoted fields are unescaped over their own bytes (the result is
 * never longer), so the fields are (offset, length) slices of the reader's line buffer
 * and a row costs no allocation once the buffers have grown. Offsets rather than
 * pointers, because a quoted field spanning lines makes the buffer move.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"

typedef enum col_role { ROLE_FEATURE, ROLE_LABEL, ROLE_WEIGHT, ROLE_SKIP } col_role;
typedef enum col_kind { KIND_UNKNOWN, KIND_NUM, KIND_CAT } col_kind;

typedef struct column {
    char *name; /* owned, NUL-terminated */
    size_t name_len;
    col_role role;
    col_kind kind;
    otter_feature_key key; /* valid for csv_state.keys_inst */
} column;

typedef struct field {
    size_t off, len;
} field;

typedef struct csv_state {
    column *cols;
    size_t n_cols;
    field *fields; /* the current record's fields */
    size_t fields_cap;
    size_t *inferred; /* columns whose kind the current row fixed (undone on error) */
    const otter_instance *keys_inst; /* instance the keys were interned in */
    size_t n_feature_cols;
} csv_state;

#define ECHO_MAX 40 /* bytes of a bad value quoted in an error */

static void csv_close(void *state)
{
    csv_state *cs = state;
    if (cs == NULL)
        return;
    for (size_t i = 0; i < cs->n_cols; i++)
        free(cs->cols[i].name);
    free(cs->cols);
    free(cs->fields);
    free(cs->inferred);
    free(cs);
}

static otter_status push_field(csv_state *cs, size_t *n, size_t off, size_t len, otter_error *err)
{
    if (*n == cs->fields_cap) {
        size_t cap = cs->fields_cap ? cs->fields_cap * 2 : 16;
        field *f = realloc(cs->fields, cap * sizeof *f);
        if (f == NULL)
            return otter_error_set(err, OTTER_NOMEM, "csv: out of memory");
        cs->fields = f;
        cs->fields_cap = cap;
    }
    cs->fields[(*n)++] = (field){off, len};
    return OTTER_OK;
}

/* Error naming the column by header name when known, else by 1-based position. */
static otter_status field_fail(otter__reader *r, const csv_state *cs, size_t idx, const char *what,
                               otter_error *err)
{
    if (idx < cs->n_cols)
        return otter__reader_fail(r, err, "column '%s': %s", cs->cols[idx].name, what);
    return otter__reader_fail(r, err, "field %zu: %s", idx + 1, what);
}

/* Unescapes the quoted field starting at b[*p] == '"' in place; writes its length. */
static otter_status read_quoted(otter__reader *r, csv_state *cs, size_t idx, char **b, size_t *len,
                                size_t *p, size_t *out_len, otter_error *err)
{
    size_t w = *p, start = *p;
    (*p)++;
    for (;;) {
        if (*p == *len) { /* the field goes on on the next line */
            int eof = 0;
            otter_status st = otter__reader_getline(r, 1, b, len, &eof, err);
            if (st != OTTER_OK)
                return st;
            if (eof)
                return field_fail(r, cs, idx, "quoted field not closed at end of input", err);
            continue;
        }
        char c = (*b)[*p];
        if (c == '"') {
            if (*p + 1 < *len && (*b)[*p + 1] == '"') {
                (*b)[w++] = '"';
                *p += 2;
                continue;
            }
            (*p)++;
            break;
        }
        (*b)[w++] = c;
        (*p)++;
    }
    if (*p < *len && (*b)[*p] != ',')
        return field_fail(r, cs, idx, "unexpected character after closing quote", err);
    *out_len = w - start;
    return OTTER_OK;
}

/* Reads the next non-empty record and splits it into cs->fields. */
static otter_status read_record(otter__reader *r, csv_state *cs, char **bufp, size_t *n_fields,
                                int *eof, otter_error *err)
{
    char *b = NULL;
    size_t len = 0, n = 0, p = 0;
    otter_status st;
    do {
        st = otter__reader_getline(r, 0, &b, &len, eof, err);
        if (st != OTTER_OK || *eof)
            return st;
    } while (len == 0);
    for (;;) {
        size_t start = p, flen = 0;
        if (p < len && b[p] == '"') {
            st = read_quoted(r, cs, n, &b, &len, &p, &flen, err);
            if (st != OTTER_OK)
                return st;
        } else {
            const char *comma = memchr(b + p, ',', len - p);
            p = comma ? (size_t)(comma - b) : len;
            flen = p - start;
        }
        if ((st = push_field(cs, &n, start, flen, err)) != OTTER_OK)
            return st;
        if (p == len)
            break;
        p++; /* the comma */
    }
    *bufp = b;
    *n_fields = n;
    return OTTER_OK;
}

static int in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] != NULL && strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

static int find_col(const csv_state *cs, const char *name)
{
    for (size_t i = 0; i < cs->n_cols; i++)
        if (strcmp(cs->cols[i].name, name) == 0)
            return 1;
    return 0;
}

/* Checks that every column named in an option exists. */
static otter_status check_names(const csv_state *cs, const char *const *list, size_t n,
                                const char *option, otter_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] != NULL && !find_col(cs, list[i]))
            return otter_error_set(err, OTTER_INVALID, "csv: %s column '%s' is not in the header",
                                   option, list[i]);
    return OTTER_OK;
}

static void assign_role(otter__reader *r, column *c)
{
    const otter__reader_options *o = otter__reader_opts(r);
    c->kind = KIND_UNKNOWN;
    if (strcmp(c->name, o->label) == 0)
        c->role = ROLE_LABEL;
    else if (o->weight != NULL && strcmp(c->name, o->weight) == 0)
        c->role = ROLE_WEIGHT;
    else if (c->name[0] == '_' || otter__reader_ignored(r, c->name, c->name_len))
        c->role = ROLE_SKIP;
    else {
        c->role = ROLE_FEATURE;
        if (in_list(o->cat, o->n_cat, c->name))
            c->kind = KIND_CAT;
    }
}

/* Builds the columns from the header record's fields. */
static otter_status make_columns(otter__reader *r, csv_state *cs, const char *b, size_t n,
                                 otter_error *err)
{
    cs->cols = calloc(n, sizeof *cs->cols);
    cs->inferred = calloc(n, sizeof *cs->inferred);
    if (cs->cols == NULL || cs->inferred == NULL)
        return otter_error_set(err, OTTER_NOMEM, "csv: out of memory");
    for (size_t i = 0; i < n; i++) {
        const field *f = &cs->fields[i];
        if (f->len == 0)
            return otter__reader_fail(r, err, "header column %zu has an empty name", i + 1);
        column *c = &cs->cols[i];
        if ((c->name = malloc(f->len + 1)) == NULL)
            return otter_error_set(err, OTTER_NOMEM, "csv: out of memory");
        memcpy(c->name, b + f->off, f->len);
        c->name[f->len] = '\0';
        c->name_len = f->len;
        cs->n_cols = i + 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cs->cols[j].name, c->name) == 0)
                return otter__reader_fail(r, err, "duplicate header column '%s'", c->name);
        assign_role(r, c);
        cs->n_feature_cols += c->role == ROLE_FEATURE;
    }
    return OTTER_OK;
}

static otter_status csv_open(otter__reader *r, void **state, otter_error *err)
{
    csv_state *cs = calloc(1, sizeof *cs);
    if (cs == NULL)
        return otter_error_set(err, OTTER_NOMEM, "csv: out of memory");
    *state = cs;
    const otter__reader_options *o = otter__reader_opts(r);
    char *b = NULL;
    size_t n = 0;
    int eof = 0;
    otter_status st = read_record(r, cs, &b, &n, &eof, err);
    if (st != OTTER_OK)
        return st;
    if (eof)
        return otter_error_set(err, OTTER_PARSE, "csv: empty input (a header line is required)");
    if ((st = make_columns(r, cs, b, n, err)) != OTTER_OK)
        return st;
    if ((st = check_names(cs, o->cat, o->n_cat, "categorical", err)) != OTTER_OK ||
        (st = check_names(cs, o->ignore, o->n_ignore, "ignored", err)) != OTTER_OK ||
        (st = check_names(cs, &o->weight, o->weight != NULL, "weight", err)) != OTTER_OK)
        return st;
    if (o->require_label && !find_col(cs, o->label))
        return otter_error_set(err, OTTER_INVALID, "csv: label column '%s' is not in the header",
                               o->label);
    return OTTER_OK;
}

/* Interns the feature columns in inst unless done already. */
static otter_status ensure_keys(otter__reader *r, csv_state *cs, otter_instance *inst,
                                otter_error *err)
{
    if (cs->keys_inst == inst && otter_instance_key_count(inst) >= cs->n_feature_cols)
        return OTTER_OK;
    for (size_t i = 0; i < cs->n_cols; i++) {
        column *c = &cs->cols[i];
        if (c->role != ROLE_FEATURE)
            continue;
        otter_status st =
            otter__reader_intern(r, inst, NULL, 0, c->name, c->name_len, &c->key, err);
        if (st != OTTER_OK)
            return st;
    }
    cs->keys_inst = inst;
    return OTTER_OK;
}

static int parse_trimmed(const char *s, size_t len, double *v)
{
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return otter__parse_double(s, len, v);
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static otter_status not_a_number(otter__reader *r, const column *c, const char *s, size_t len,
                                 otter_error *err)
{
    int echo = (int)(len < ECHO_MAX ? len : ECHO_MAX);
    return otter__reader_fail(r, err, "column '%s': not a number: '%.*s'%s", c->name, echo, s,
                              len > ECHO_MAX ? "..." : "");
}

/* Reads one cell of column c. *inferred is set when this cell fixed the column's kind. */
static otter_status read_cell(otter__reader *r, column *c, const char *s, size_t len,
                              otter_instance *inst, otter__read_out *out, int *inferred,
                              otter_error *err)
{
    double v;
    if (c->role == ROLE_SKIP || len == 0)
        return OTTER_OK;
    if (c->kind != KIND_CAT && blank(s, len))
        return OTTER_OK; /* missing label, weight or numeric value */
    if (c->role == ROLE_LABEL || c->role == ROLE_WEIGHT) {
        if (parse_trimmed(s, len, &v) != 0)
            return not_a_number(r, c, s, len, err);
        if (c->role == ROLE_LABEL)
            out->label = v;
        else
            out->weight = v;
        return c->role == ROLE_WEIGHT ? otter__reader_check_weight(r, v, err) : OTTER_OK;
    }
    if (c->kind == KIND_UNKNOWN) {
        c->kind = parse_trimmed(s, len, &v) == 0 ? KIND_NUM : KIND_CAT;
        *inferred = 1;
    }
    if (c->kind == KIND_CAT)
        return otter__reader_add_cat(r, inst, c->key, s, len, c->name, err);
    if (parse_trimmed(s, len, &v) != 0)
        return not_a_number(r, c, s, len, err);
    return otter__reader_add_num(r, inst, c->key, v, c->name, err);
}

static otter_status csv_next(otter__reader *r, void *state, otter_instance *inst,
                             otter__read_out *out, otter_error *err)
{
    csv_state *cs = state;
    char *b = NULL;
    size_t n = 0, n_inferred = 0;
    otter_status st = read_record(r, cs, &b, &n, &out->eof, err);
    if (st != OTTER_OK || out->eof)
        return st;
    if (n != cs->n_cols)
        return otter__reader_fail(r, err, "expected %zu fields, got %zu", cs->n_cols, n);
    if ((st = ensure_keys(r, cs, inst, err)) != OTTER_OK)
        return st;
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        int inferred = 0;
        st = read_cell(r, &cs->cols[i], b + cs->fields[i].off, cs->fields[i].len, inst, out,
                       &inferred, err);
        if (inferred)
            cs->inferred[n_inferred++] = i;
    }
    if (st != OTTER_OK) /* a rejected row must not decide a column's kind */
        for (size_t k = 0; k < n_inferred; k++)
            cs->cols[cs->inferred[k]].kind = KIND_UNKNOWN;
    return st;
}

const otter__read_format otter__read_csv = {"csv", csv_open, csv_next, csv_close};
