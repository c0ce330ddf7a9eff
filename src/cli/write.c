/* Writers for `otter gen`: csv, libsvm, vw and jsonl rows from generated instances.
 *
 * Each format is a row function in a table selected by name at open. A row is built in
 * the writer's own buffer and handed to the stream with one fwrite per 64 KiB, so a
 * row costs no stdio call per number; a row that fails is cut back out of the buffer,
 * so nothing of it reaches the output. Numbers are printed with "%.15g" and, when that
 * does not read back to the same double, "%.17g" (the shortest of the two that round
 * trips); integral values below 1e15, the common case for labels and counts, are
 * printed by hand.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"

#define FLUSH_AT (64u * 1024u)
#define NUM_MAX 32 /* longest "%.17g" of a double, with room to spare */

typedef struct lsv_pair {
    uint32_t index;
    double value;
} lsv_pair;

typedef struct write_format {
    const char *name;
    otter_status (*row)(otter__writer *w, const otter_instance *inst, const otter_gen_row *row,
                        otter_error *err);
} write_format;

struct otter__writer {
    const write_format *fmt;
    FILE *out;
    otter__writer_options o; /* defaults filled in; strings borrowed */
    char *buf;               /* pending output */
    size_t len, cap;
    uint64_t rows;       /* rows written */
    otter_status failed; /* OTTER_IO / OTTER_NOMEM once the writer is unusable */
    int saved_errno;
    /* csv: the first row's feature keys */
    otter_feature_key *schema;
    size_t n_schema;
    int have_schema;
    /* libsvm: index_of[key] = 1-based index, 0 = not numbered yet */
    uint32_t *index_of;
    size_t index_cap;
    uint32_t n_index;
    lsv_pair *pairs;
    size_t pairs_cap;
    /* jsonl: the namespaces of the current row */
    const char **nss;
    size_t nss_cap;
};

/* ---------------------------------------------------------------- buffer */

static otter_status reserve(otter__writer *w, size_t extra, otter_error *err)
{
    if (w->len + extra <= w->cap)
        return OTTER_OK;
    size_t cap = w->cap ? w->cap : FLUSH_AT * 2;
    while (cap < w->len + extra)
        cap *= 2;
    char *p = realloc(w->buf, cap);
    if (p == NULL) {
        w->failed = OTTER_NOMEM;
        return otter_error_set(err, OTTER_NOMEM, "writer: out of memory");
    }
    w->buf = p;
    w->cap = cap;
    return OTTER_OK;
}

static otter_status put(otter__writer *w, const char *s, size_t n, otter_error *err)
{
    otter_status st = reserve(w, n, err);
    if (st != OTTER_OK)
        return st;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    return OTTER_OK;
}

static otter_status puts_(otter__writer *w, const char *s, otter_error *err)
{
    return put(w, s, strlen(s), err);
}

static otter_status putch(otter__writer *w, char c, otter_error *err)
{
    return put(w, &c, 1, err);
}

/* Formats v into d (NUL-terminated); returns the length. */
static size_t format_num(char *d, double v)
{
    if (v == floor(v) && fabs(v) < 1e15 && !(v == 0 && signbit(v))) {
        char tmp[24];
        size_t n = 0, k = 0;
        long long i = (long long)v;
        unsigned long long u = i < 0 ? 0ull - (unsigned long long)i : (unsigned long long)i;
        do
            tmp[n++] = (char)('0' + u % 10);
        while ((u /= 10) != 0);
        if (i < 0)
            d[k++] = '-';
        while (n > 0)
            d[k++] = tmp[--n];
        d[k] = '\0';
        return k;
    }
    int n = snprintf(d, NUM_MAX, "%.15g", v);
    double back;
    if (n > 0 && otter__parse_double(d, (size_t)n, &back) == 0 && back == v)
        return (size_t)n;
    return (size_t)snprintf(d, NUM_MAX, "%.17g", v);
}

static otter_status put_num(otter__writer *w, double v, otter_error *err)
{
    otter_status st = reserve(w, NUM_MAX, err);
    if (st == OTTER_OK)
        w->len += format_num(w->buf + w->len, v);
    return st;
}

static otter_status flush_buf(otter__writer *w, otter_error *err)
{
    errno = 0;
    if (w->len > 0 && fwrite(w->buf, 1, w->len, w->out) != w->len) {
        w->saved_errno = errno ? errno : EIO;
        w->failed = OTTER_IO;
        return otter_error_set(err, OTTER_IO, "write error: %s", strerror(w->saved_errno));
    }
    w->len = 0;
    return OTTER_OK;
}

/* Full feature name for CSV headers and messages: "name" or "ns.name". */
static void full_name(const otter_feature *f, char *d, size_t cap)
{
    snprintf(d, cap, "%s%s%s", f->ns, f->ns[0] ? "." : "", f->name);
}

/* OTTER_INVALID when name equals the label or a meta column. */
static otter_status check_clash(const otter__writer *w, const char *name, otter_error *err)
{
    int clash = strcmp(name, w->o.label_name) == 0;
    for (size_t i = 0; i < w->o.n_meta && !clash; i++)
        clash = strcmp(name, w->o.meta_names[i]) == 0;
    if (clash)
        return otter_error_set(err, OTTER_INVALID,
                               "row %llu: feature '%s' has the name of the label or a meta "
                               "column",
                               (unsigned long long)w->rows + 1, name);
    return OTTER_OK;
}

/* ---------------------------------------------------------------- csv */

static otter_status csv_field(otter__writer *w, const char *s, otter_error *err)
{
    if (strpbrk(s, ",\"\r\n") == NULL)
        return puts_(w, s, err);
    otter_status st = putch(w, '"', err);
    for (; *s && st == OTTER_OK; s++)
        st = *s == '"' ? put(w, "\"\"", 2, err) : putch(w, *s, err);
    return st == OTTER_OK ? putch(w, '"', err) : st;
}

static otter_status csv_header(otter__writer *w, const otter_instance *inst, otter_error *err)
{
    size_t n = otter_instance_size(inst);
    otter_status st = OTTER_OK;
    free(w->schema);
    w->schema = malloc((n ? n : 1) * sizeof *w->schema);
    if (w->schema == NULL) {
        w->failed = OTTER_NOMEM;
        return otter_error_set(err, OTTER_NOMEM, "writer: out of memory");
    }
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        otter_feature f;
        char name[256];
        if ((st = otter_instance_feature(inst, i, &f, err)) != OTTER_OK)
            break;
        full_name(&f, name, sizeof name);
        w->schema[i] = f.key;
        if ((st = check_clash(w, name, err)) == OTTER_OK)
            st = csv_field(w, name, err);
        if (st == OTTER_OK)
            st = putch(w, ',', err);
    }
    if (st == OTTER_OK)
        st = csv_field(w, w->o.label_name, err);
    for (size_t m = 0; m < w->o.n_meta && st == OTTER_OK; m++)
        if ((st = putch(w, ',', err)) == OTTER_OK)
            st = csv_field(w, w->o.meta_names[m], err);
    if (st == OTTER_OK && (st = putch(w, '\n', err)) == OTTER_OK) {
        w->n_schema = n;
        w->have_schema = 1;
    }
    return st;
}

static otter_status csv_values(otter__writer *w, const otter_instance *inst,
                               const otter_gen_row *row, otter_error *err)
{
    otter_status st = OTTER_OK;
    size_t n = otter_instance_size(inst);
    if (n != w->n_schema)
        return otter_error_set(err, OTTER_INVALID, "row %llu: %zu features, the CSV header has %zu",
                               (unsigned long long)w->rows + 1, n, w->n_schema);
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        otter_feature f;
        if ((st = otter_instance_feature(inst, i, &f, err)) != OTTER_OK)
            break;
        if (f.key != w->schema[i])
            return otter_error_set(err, OTTER_INVALID,
                                   "row %llu: feature %zu ('%s') does not match the CSV header",
                                   (unsigned long long)w->rows + 1, i + 1, f.name);
        st = f.category ? csv_field(w, f.category, err) : put_num(w, f.value, err);
        if (st == OTTER_OK)
            st = putch(w, ',', err);
    }
    if (st == OTTER_OK)
        st = put_num(w, row->label, err);
    for (size_t m = 0; m < w->o.n_meta && st == OTTER_OK; m++)
        if ((st = putch(w, ',', err)) == OTTER_OK && isfinite(row->meta[m]))
            st = put_num(w, row->meta[m], err);
    return st == OTTER_OK ? putch(w, '\n', err) : st;
}

static otter_status csv_row(otter__writer *w, const otter_instance *inst, const otter_gen_row *row,
                            otter_error *err)
{
    int new_header = !w->have_schema;
    otter_status st = new_header ? csv_header(w, inst, err) : OTTER_OK;
    if (st == OTTER_OK)
        st = csv_values(w, inst, row, err);
    if (st != OTTER_OK && new_header)
        w->have_schema = 0; /* the header is cut back out with the row */
    return st;
}

/* ---------------------------------------------------------------- libsvm */

static int pair_cmp(const void *a, const void *b)
{
    uint32_t x = ((const lsv_pair *)a)->index, y = ((const lsv_pair *)b)->index;
    return (x > y) - (x < y);
}

static otter_status lsv_index(otter__writer *w, otter_feature_key key, uint32_t *index,
                              otter_error *err)
{
    if (key >= w->index_cap) {
        size_t cap = w->index_cap ? w->index_cap : 64;
        while (cap <= key)
            cap *= 2;
        uint32_t *p = realloc(w->index_of, cap * sizeof *p);
        if (p == NULL) {
            w->failed = OTTER_NOMEM;
            return otter_error_set(err, OTTER_NOMEM, "writer: out of memory");
        }
        memset(p + w->index_cap, 0, (cap - w->index_cap) * sizeof *p);
        w->index_of = p;
        w->index_cap = cap;
    }
    if (w->index_of[key] == 0)
        w->index_of[key] = ++w->n_index;
    *index = w->index_of[key];
    return OTTER_OK;
}

/* Collects the row's (index, value) pairs in w->pairs, sorted by index. */
static otter_status lsv_pairs(otter__writer *w, const otter_instance *inst, size_t n,
                              otter_error *err)
{
    otter_status st = OTTER_OK;
    if (n > w->pairs_cap) {
        lsv_pair *p = realloc(w->pairs, n * sizeof *p);
        if (p == NULL) {
            w->failed = OTTER_NOMEM;
            return otter_error_set(err, OTTER_NOMEM, "writer: out of memory");
        }
        w->pairs = p;
        w->pairs_cap = n;
    }
    int sorted = 1;
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        otter_feature f;
        char name[256];
        if ((st = otter_instance_feature(inst, i, &f, err)) != OTTER_OK)
            break;
        if (f.category != NULL) {
            full_name(&f, name, sizeof name);
            return otter_error_set(err, OTTER_UNSUPPORTED,
                                   "libsvm cannot express categorical feature '%s'", name);
        }
        w->pairs[i].value = f.value;
        st = lsv_index(w, f.key, &w->pairs[i].index, err);
        sorted = sorted && (i == 0 || w->pairs[i - 1].index <= w->pairs[i].index);
    }
    if (st == OTTER_OK && !sorted)
        qsort(w->pairs, n, sizeof *w->pairs, pair_cmp);
    return st;
}

static otter_status libsvm_row(otter__writer *w, const otter_instance *inst,
                               const otter_gen_row *row, otter_error *err)
{
    size_t n = otter_instance_size(inst);
    otter_status st = lsv_pairs(w, inst, n, err);
    if (st == OTTER_OK)
        st = put_num(w, row->label, err);
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        char idx[16];
        int k = snprintf(idx, sizeof idx, " %u:", (unsigned)w->pairs[i].index);
        if ((st = put(w, idx, (size_t)k, err)) == OTTER_OK)
            st = put_num(w, w->pairs[i].value, err);
    }
    return st == OTTER_OK ? putch(w, '\n', err) : st;
}

/* ---------------------------------------------------------------- vw */

static int vw_word_ok(const char *s, int allow_empty)
{
    return (allow_empty || s[0] != '\0') && strpbrk(s, " \t|:\r\n") == NULL;
}

static otter_status vw_feature(otter__writer *w, const otter_feature *f, otter_error *err)
{
    char name[256];
    if (!vw_word_ok(f->ns, 1) || !vw_word_ok(f->name, 0) ||
        (f->category != NULL && !vw_word_ok(f->category, 1))) {
        full_name(f, name, sizeof name);
        return otter_error_set(err, OTTER_UNSUPPORTED,
                               "vw cannot express feature '%s' (empty, or has a space, tab, "
                               "'|' or ':')",
                               name);
    }
    otter_status st = putch(w, ' ', err);
    if (st == OTTER_OK)
        st = puts_(w, f->name, err);
    if (st == OTTER_OK && f->category != NULL) {
        if ((st = putch(w, '=', err)) == OTTER_OK)
            st = puts_(w, f->category, err);
    } else if (st == OTTER_OK) {
        if ((st = putch(w, ':', err)) == OTTER_OK)
            st = put_num(w, f->value, err);
    }
    return st;
}

static otter_status vw_row(otter__writer *w, const otter_instance *inst, const otter_gen_row *row,
                           otter_error *err)
{
    double label = w->o.binary && row->label == 0 ? -1.0 : row->label;
    otter_status st = put_num(w, label, err);
    size_t n = otter_instance_size(inst);
    const char *ns = NULL;
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        otter_feature f;
        if ((st = otter_instance_feature(inst, i, &f, err)) != OTTER_OK)
            break;
        if (ns == NULL || strcmp(ns, f.ns) != 0) { /* a new namespace group */
            ns = f.ns;
            if ((st = put(w, " |", 2, err)) == OTTER_OK)
                st = puts_(w, ns, err);
        }
        if (st == OTTER_OK)
            st = vw_feature(w, &f, err);
    }
    if (st == OTTER_OK && n == 0)
        st = put(w, " |", 2, err); /* VW needs a features section, even an empty one */
    return st == OTTER_OK ? putch(w, '\n', err) : st;
}

/* ---------------------------------------------------------------- jsonl */

static otter_status json_string(otter__writer *w, const char *s, otter_error *err)
{
    static const char hex[] = "0123456789abcdef";
    otter_status st = putch(w, '"', err);
    for (; *s && st == OTTER_OK; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            st = put(w, e, 2, err);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            st = put(w, e, 6, err);
        } else {
            st = putch(w, (char)c, err);
        }
    }
    return st == OTTER_OK ? putch(w, '"', err) : st;
}

/* Writes `,"key":` (no comma for the first member of an object). */
static otter_status json_key(otter__writer *w, const char *key, int *first, otter_error *err)
{
    otter_status st = *first ? OTTER_OK : putch(w, ',', err);
    *first = 0;
    if (st == OTTER_OK)
        st = json_string(w, key, err);
    return st == OTTER_OK ? putch(w, ':', err) : st;
}

static otter_status json_feature(otter__writer *w, const otter_feature *f, int *first,
                                 otter_error *err)
{
    otter_status st = json_key(w, f->name, first, err);
    if (st != OTTER_OK)
        return st;
    return f->category ? json_string(w, f->category, err) : put_num(w, f->value, err);
}

/* Writes the default-namespace features and collects the other namespaces in w->nss. */
static otter_status json_top(otter__writer *w, const otter_instance *inst, size_t *n_ns, int *first,
                             otter_error *err)
{
    size_t n = otter_instance_size(inst);
    otter_status st = OTTER_OK;
    *n_ns = 0;
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        otter_feature f;
        if ((st = otter_instance_feature(inst, i, &f, err)) != OTTER_OK)
            break;
        if ((st = check_clash(w, f.ns[0] ? f.ns : f.name, err)) != OTTER_OK)
            break;
        if (f.ns[0] == '\0') {
            st = json_feature(w, &f, first, err);
            continue;
        }
        size_t k = 0;
        while (k < *n_ns && strcmp(w->nss[k], f.ns) != 0)
            k++;
        if (k < *n_ns)
            continue;
        if (*n_ns == w->nss_cap) {
            size_t cap = w->nss_cap ? w->nss_cap * 2 : 8;
            const char **p = realloc(w->nss, cap * sizeof *p);
            if (p == NULL) {
                w->failed = OTTER_NOMEM;
                return otter_error_set(err, OTTER_NOMEM, "writer: out of memory");
            }
            w->nss = p;
            w->nss_cap = cap;
        }
        w->nss[(*n_ns)++] = f.ns;
    }
    return st;
}

static otter_status json_namespace(otter__writer *w, const otter_instance *inst, const char *ns,
                                   int *first, otter_error *err)
{
    size_t n = otter_instance_size(inst);
    int inner_first = 1;
    otter_status st = json_key(w, ns, first, err);
    if (st == OTTER_OK)
        st = putch(w, '{', err);
    for (size_t i = 0; i < n && st == OTTER_OK; i++) {
        otter_feature f;
        if ((st = otter_instance_feature(inst, i, &f, err)) == OTTER_OK && strcmp(f.ns, ns) == 0)
            st = json_feature(w, &f, &inner_first, err);
    }
    return st == OTTER_OK ? putch(w, '}', err) : st;
}

static otter_status jsonl_row(otter__writer *w, const otter_instance *inst,
                              const otter_gen_row *row, otter_error *err)
{
    int first = 1;
    size_t n_ns = 0;
    otter_status st = putch(w, '{', err);
    if (st == OTTER_OK)
        st = json_top(w, inst, &n_ns, &first, err);
    for (size_t k = 0; k < n_ns && st == OTTER_OK; k++)
        st = json_namespace(w, inst, w->nss[k], &first, err);
    if (st == OTTER_OK && (st = json_key(w, w->o.label_name, &first, err)) == OTTER_OK)
        st = put_num(w, row->label, err);
    for (size_t m = 0; m < w->o.n_meta && st == OTTER_OK; m++) {
        if ((st = json_key(w, w->o.meta_names[m], &first, err)) != OTTER_OK)
            break;
        st = isfinite(row->meta[m]) ? put_num(w, row->meta[m], err) : puts_(w, "null", err);
    }
    return st == OTTER_OK ? put(w, "}\n", 2, err) : st;
}

/* ---------------------------------------------------------------- generic */

static const write_format formats[] = {
    {"csv", csv_row},
    {"libsvm", libsvm_row},
    {"vw", vw_row},
    {"jsonl", jsonl_row},
};

otter_status otter__writer_open(FILE *out, const otter__writer_options *opts, otter__writer **w,
                                otter_error *err)
{
    if (out == NULL || w == NULL)
        return otter_error_set(err, OTTER_INVALID, "writer: NULL stream or output");
    *w = NULL;
    otter__writer_options o = {0};
    if (opts != NULL)
        o = *opts;
    if (o.format == NULL)
        o.format = "csv";
    if (o.label_name == NULL)
        o.label_name = "label";
    if (o.n_meta > OTTER_GEN_MAX_META || (o.n_meta > 0 && o.meta_names == NULL))
        return otter_error_set(err, OTTER_INVALID, "writer: at most %d meta columns, with names",
                               OTTER_GEN_MAX_META);
    for (size_t m = 0; m < o.n_meta; m++)
        if (o.meta_names[m] == NULL)
            return otter_error_set(err, OTTER_INVALID, "writer: meta column %zu has no name", m);
    const write_format *fmt = NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0] && fmt == NULL; i++)
        if (strcmp(formats[i].name, o.format) == 0)
            fmt = &formats[i];
    if (fmt == NULL)
        return otter_error_set(err, OTTER_INVALID,
                               "unknown output format '%s' (expected csv, libsvm, vw or jsonl)",
                               o.format);
    otter__writer *wr = calloc(1, sizeof *wr);
    if (wr == NULL)
        return otter_error_set(err, OTTER_NOMEM, "writer: out of memory");
    wr->fmt = fmt;
    wr->out = out;
    wr->o = o;
    *w = wr;
    return OTTER_OK;
}

otter_status otter__writer_write(otter__writer *w, const otter_instance *inst,
                                 const otter_gen_row *row, otter_error *err)
{
    size_t n_dense = 0;
    if (w == NULL || inst == NULL || row == NULL)
        return otter_error_set(err, OTTER_INVALID, "writer: NULL argument");
    if (w->failed != OTTER_OK)
        return otter_error_set(err, OTTER_STATE, "writer: an earlier write failed");
    if (!isfinite(row->label))
        return otter_error_set(err, OTTER_INVALID, "row %llu: label is not finite",
                               (unsigned long long)w->rows + 1);
    if (otter_instance_dense(inst, &n_dense) != NULL && n_dense > 0)
        return otter_error_set(err, OTTER_UNSUPPORTED,
                               "row %llu: dense arrays cannot be written, only named features",
                               (unsigned long long)w->rows + 1);
    size_t mark = w->len;
    otter_status st = w->fmt->row(w, inst, row, err);
    if (st != OTTER_OK) {
        w->len = mark; /* nothing of a failed row is written */
        return st;
    }
    w->rows++;
    return w->len >= FLUSH_AT ? flush_buf(w, err) : OTTER_OK;
}

otter_status otter__writer_close(otter__writer *w, otter_error *err)
{
    if (w == NULL)
        return OTTER_OK;
    otter_status st = w->failed;
    if (st == OTTER_OK)
        st = flush_buf(w, err);
    errno = 0;
    if (st == OTTER_OK && fflush(w->out) != 0) {
        w->saved_errno = errno ? errno : EIO;
        st = otter_error_set(err, OTTER_IO, "write error: %s", strerror(w->saved_errno));
    } else if (st == OTTER_OK && ferror(w->out)) {
        st = otter_error_set(err, OTTER_IO, "write error: %s", strerror(EIO));
    } else if (st == OTTER_IO) {
        otter_error_set(err, OTTER_IO, "write error: %s", strerror(w->saved_errno));
    } else if (st == OTTER_NOMEM) {
        otter_error_set(err, OTTER_NOMEM, "writer: out of memory");
    }
    free(w->buf);
    free(w->schema);
    free(w->index_of);
    free(w->pairs);
    free(w->nss);
    free(w);
    return st;
}
