/* The generic stream reader: picks a format from a table by name, owns the line buffer
 * and the line/byte counters, and checks the label rule after each row.
 *
 * Formats (read_csv.c, read_libsvm.c, read_vw.c, read_jsonl.c) only turn records into
 * rows; they get lines from otter__reader_getline() and report errors through the
 * helpers here, so every format numbers lines and words its errors the same way.
 * Lines come from getline() into one buffer reused for the whole stream, so reading
 * allocates only while the longest line so far grows.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* getline */
#endif

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "io_int.h"

static const otter__read_format *const formats[] = {
    &otter__read_csv,
    &otter__read_libsvm,
    &otter__read_vw,
    &otter__read_jsonl,
};

struct otter__reader {
    const otter__read_format *fmt;
    void *state;
    FILE *in;
    otter__reader_options opts; /* defaults filled in; strings borrowed */
    char *buf;                  /* current record */
    size_t cap, len;
    char *aux; /* continuation line (append mode) */
    size_t aux_cap;
    uint64_t line;        /* physical lines read */
    uint64_t record_line; /* line where the current record starts */
    uint64_t bytes;
};

static const otter__read_format *find_format(const char *name)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

otter_status otter__reader_open(FILE *in, const otter__reader_options *opts, otter__reader **out,
                                otter_error *err)
{
    if (in == NULL || out == NULL)
        return otter_error_set(err, OTTER_INVALID, "reader: NULL stream or output");
    *out = NULL;
    otter__reader_options o = {0};
    if (opts != NULL)
        o = *opts;
    if (o.format == NULL)
        o.format = "csv";
    if (o.label == NULL)
        o.label = "label";
    const otter__read_format *fmt = find_format(o.format);
    if (fmt == NULL)
        return otter_error_set(err, OTTER_INVALID,
                               "unknown input format '%s' (expected csv, libsvm, vw or jsonl)",
                               o.format);
    otter__reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return otter_error_set(err, OTTER_NOMEM, "reader: out of memory");
    r->fmt = fmt;
    r->in = in;
    r->opts = o;
    otter_status st = fmt->open(r, &r->state, err);
    if (st != OTTER_OK) {
        otter__reader_close(r);
        return st;
    }
    *out = r;
    return OTTER_OK;
}

otter_status otter__reader_next(otter__reader *r, otter_instance *inst, double *label,
                                double *weight, int *eof, otter_error *err)
{
    if (r == NULL || inst == NULL || label == NULL || weight == NULL || eof == NULL)
        return otter_error_set(err, OTTER_INVALID, "reader: NULL argument");
    otter_instance_clear(inst);
    otter__read_out o = {NAN, 1.0, 0};
    otter_status st = r->fmt->next(r, r->state, inst, &o, err);
    if (st != OTTER_OK)
        return st;
    *eof = o.eof;
    if (o.eof)
        return OTTER_OK;
    if (isnan(o.label) && r->opts.require_label)
        return otter__reader_fail(r, err, "missing label");
    *label = o.label;
    *weight = o.weight;
    return OTTER_OK;
}

uint64_t otter__reader_line(const otter__reader *r)
{
    return r ? r->record_line : 0;
}

uint64_t otter__reader_bytes(const otter__reader *r)
{
    return r ? r->bytes : 0;
}

void otter__reader_close(otter__reader *r)
{
    if (r == NULL)
        return;
    if (r->fmt != NULL && r->fmt->close != NULL)
        r->fmt->close(r->state);
    free(r->buf);
    free(r->aux);
    free(r);
}

const otter__reader_options *otter__reader_opts(const otter__reader *r)
{
    return &r->opts;
}

/* getline into (*buf, *cap), stripping the line end. -1 at EOF or error. */
static ssize_t read_physical(otter__reader *r, char **buf, size_t *cap, otter_error *err,
                             otter_status *st)
{
    errno = 0;
    ssize_t n = getline(buf, cap, r->in);
    *st = OTTER_OK;
    if (n < 0) {
        if (ferror(r->in))
            *st = otter_error_set(err, OTTER_IO, "read error: %s", strerror(errno ? errno : EIO));
        else if (errno == ENOMEM)
            *st = otter_error_set(err, OTTER_NOMEM, "reader: out of memory");
        return -1;
    }
    r->line++;
    r->bytes += (uint64_t)n;
    if (n > 0 && (*buf)[n - 1] == '\n')
        n--;
    if (n > 0 && (*buf)[n - 1] == '\r')
        n--;
    return n;
}

static otter_status append_line(otter__reader *r, const char *s, size_t n, otter_error *err)
{
    if (r->len + n + 2 > r->cap) {
        size_t cap = (r->len + n + 2) * 2;
        char *p = realloc(r->buf, cap);
        if (p == NULL)
            return otter_error_set(err, OTTER_NOMEM, "reader: out of memory");
        r->buf = p;
        r->cap = cap;
    }
    r->buf[r->len++] = '\n';
    memcpy(r->buf + r->len, s, n);
    r->len += n;
    r->buf[r->len] = '\0';
    return OTTER_OK;
}

otter_status otter__reader_getline(otter__reader *r, int append, char **line, size_t *len, int *eof,
                                   otter_error *err)
{
    otter_status st;
    *eof = 0;
    if (!append) {
        ssize_t n = read_physical(r, &r->buf, &r->cap, err, &st);
        if (n < 0) {
            *eof = st == OTTER_OK;
            return st;
        }
        r->len = (size_t)n;
        if (r->line == 1 && r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
            r->len -= 3; /* a UTF-8 byte order mark, as spreadsheets write */
            memmove(r->buf, r->buf + 3, r->len);
        }
        r->buf[r->len] = '\0';
        r->record_line = r->line;
    } else {
        ssize_t n = read_physical(r, &r->aux, &r->aux_cap, err, &st);
        if (n < 0) {
            *eof = st == OTTER_OK;
            return st;
        }
        size_t start = r->len;
        if ((st = append_line(r, r->aux, (size_t)n, err)) != OTTER_OK)
            return st;
        if (memchr(r->buf + start, '\0', r->len - start) != NULL)
            return otter__reader_fail(r, err, "NUL byte in input");
    }
    *line = r->buf;
    *len = r->len;
    if (!append && memchr(r->buf, '\0', r->len) != NULL)
        return otter__reader_fail(r, err, "NUL byte in input");
    return OTTER_OK;
}

otter_status otter__reader_content_line(otter__reader *r, char **line, size_t *len, int *eof,
                                        otter_error *err)
{
    for (;;) {
        otter_status st = otter__reader_getline(r, 0, line, len, eof, err);
        if (st != OTTER_OK || *eof)
            return st;
        for (size_t i = 0; i < *len; i++)
            if ((*line)[i] != ' ' && (*line)[i] != '\t')
                return OTTER_OK;
    }
}

otter_status otter__reader_fail(const otter__reader *r, otter_error *err, const char *fmt, ...)
{
    char msg[OTTER_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return otter_error_set(err, OTTER_PARSE, "line %llu: %s", (unsigned long long)r->record_line,
                           msg);
}

int otter__reader_ignored(const otter__reader *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->opts.n_ignore; i++) {
        const char *ig = r->opts.ignore[i];
        if (ig != NULL && strncmp(ig, name, len) == 0 && ig[len] == '\0')
            return 1;
    }
    return 0;
}

/* Rewrites an instance error (first error wins, so it went to a local) as a row error. */
static otter_status instance_fail(const otter__reader *r, otter_status st, const otter_error *e,
                                  const char *what, otter_error *err)
{
    if (st == OTTER_NOMEM)
        return otter_error_set(err, OTTER_NOMEM, "%s", e->message);
    if (strncmp(e->message, "feature '", 9) == 0) /* it names the feature already */
        return otter__reader_fail(r, err, "%s", e->message);
    return otter__reader_fail(r, err, "feature '%s': %s", what ? what : "?", e->message);
}

otter_status otter__reader_add_num(const otter__reader *r, otter_instance *inst,
                                   otter_feature_key key, double value, const char *what,
                                   otter_error *err)
{
    otter_error e; /* per-feature hot path: no 256-byte memset */
    e.code = OTTER_OK;
    e.message[0] = '\0';
    otter_status st = otter_instance_add_num(inst, key, value, &e);
    return st == OTTER_OK ? OTTER_OK : instance_fail(r, st, &e, what, err);
}

otter_status otter__reader_add_cat(const otter__reader *r, otter_instance *inst,
                                   otter_feature_key key, const char *value, size_t len,
                                   const char *what, otter_error *err)
{
    otter_error e;
    e.code = OTTER_OK;
    e.message[0] = '\0';
    otter_status st = otter_instance_add_cat(inst, key, value, len, &e);
    return st == OTTER_OK ? OTTER_OK : instance_fail(r, st, &e, what, err);
}

otter_status otter__reader_intern(const otter__reader *r, otter_instance *inst, const char *ns,
                                  size_t ns_len, const char *name, size_t name_len,
                                  otter_feature_key *key, otter_error *err)
{
    otter_error e;
    e.code = OTTER_OK;
    e.message[0] = '\0';
    otter_status st = otter_instance_intern(inst, ns, ns_len, name, name_len, key, &e);
    if (st == OTTER_OK)
        return OTTER_OK;
    char what[128];
    if (ns_len > 0)
        snprintf(what, sizeof what, "%.*s.%.*s", (int)ns_len, ns, (int)name_len, name);
    else
        snprintf(what, sizeof what, "%.*s", (int)name_len, name);
    return instance_fail(r, st, &e, what, err);
}

otter_status otter__reader_check_weight(const otter__reader *r, double v, otter_error *err)
{
    if (!isfinite(v) || v < 0)
        return otter__reader_fail(r, err, "importance weight %g must be finite and >= 0", v);
    return OTTER_OK;
}
