/* Stream readers and writers of the otter CLI (`otter eval` reads, `otter gen` writes).
 *
 * This is CLI code, not part of libotter: it is built as a convenience library linked
 * into the `otter` binary and the tests. A reader turns lines of text into rows of an
 * otter_instance plus a label and an importance weight; a writer does the reverse for
 * generated rows. Each format is one entry of a small table of function pointers (see
 * the end of this header), selected by name; callers never switch on the format.
 *
 * Formats read
 * ------------
 * Common to all: input is read line by line; "\n" and "\r\n" line ends are accepted;
 * a UTF-8 byte order mark at the very start is dropped; blank lines are skipped (whitespace-only
 * lines in libsvm, VW and JSONL; empty lines in CSV); a line containing a NUL byte is a row error.
 * The label is NAN when a row has none and the options do not require one; the weight is 1 when
 * absent. Numbers use the strict syntax of otter__parse_double (decimal, finite; no "nan", "inf" or
 * hex). A weight must be >= 0.
 *
 * csv    RFC 4180. The first record is a header naming the columns. Fields may be
 *        quoted ("a,b" and "" for a quote inside); a quoted field may span lines (its
 *        "\r\n" is read as "\n"). A quote inside an unquoted field is taken literally;
 *        anything but a comma after a closing quote, or a quote left open at the end of
 *        the input, is an error. Columns:
 *          - the label column (opts.label, default "label") and the weight column
 *            (opts.weight, if set) are not features; an empty cell there means absent;
 *          - columns whose name starts with '_' are metadata and ignored (the fraud
 *            generator's "_label_delay"), as are the columns in opts.ignore;
 *          - every other column is a feature in the default namespace, named by its
 *            header text (a header "ns.x" is the name "ns.x", not a namespace).
 *        A feature column's kind is fixed by its first non-empty value in a row that
 *        was read without error: a number makes it numeric, anything else categorical
 *        (opts.cat forces categorical). A later non-number in a numeric column is an
 *        error naming the line and column. An empty cell is a missing feature (not
 *        added), and so is a cell of only spaces/tabs unless the column is categorical.
 *        Surrounding spaces/tabs are ignored when a cell is read as a number;
 *        categorical values are kept byte for byte. A row with a different number of
 *        fields than the header is an error. Names given in opts.cat, opts.ignore and
 *        opts.weight must be header columns, and with opts.require_label so must the
 *        label; duplicate or empty header names are errors (all at open).
 * libsvm `label idx:val idx:val ...` separated by spaces/tabs. The label is any number
 *        (1, -1, +1, 0, 2.5); a row whose first token has a ':' has no label. A feature
 *        is numeric, in the default namespace, named by the index text (decimal digits).
 *        A token starting with '#' starts a comment that runs to the end of the line.
 *        A pair without ':', with a non-digit index or a bad value is an error.
 * vw     Vowpal Wabbit text: `label [importance] ['tag]|ns feat[:val] feat ... |ns2 ...`.
 *        The header before the first '|' holds the label (absent if empty), an optional
 *        importance weight, and an optional tag ("'tag", or a word touching the '|')
 *        that is ignored. The namespace is the word right after a '|' ("" when the '|'
 *        is followed by a space); "|ns:2.5" scales that namespace's values by 2.5, as
 *        VW does. A feature without ":val" is numeric with value 1.0 (so "color=red"
 *        reads as the numeric feature "color=red" = 1, which hashes as VW would hash
 *        it); a feature is split at its first ':'. Label -1 is returned as -1 (the
 *        learner maps it). A bad number or an empty feature/value is an error.
 * jsonl  One flat JSON object per line (parsed with jansson). Numbers -> numeric,
 *        strings -> categorical, true/false -> numeric 1/0, null -> missing. A nested
 *        object is a namespace named by its key (one level: its members follow the
 *        same rules, a deeper object is an error). An array is an error naming the key.
 *        Keys starting with '_' and keys in opts.ignore are skipped (at both levels for
 *        '_'). The label and weight keys are as in CSV and must hold a number, a bool or
 *        null. Duplicate keys are an error. Features keep the key order of the line.
 *
 * Errors while reading a row return OTTER_PARSE with the message "line N: ..." naming
 * the column, key or feature; NaN/Inf that the instance rejects are reported the same
 * way. The reader then stands at the next record, so a caller may skip the bad row and
 * call otter__reader_next() again (--skip-bad). OTTER_IO is a read error of the stream
 * and OTTER_NOMEM a failed allocation; neither leaves the reader usable.
 *
 * Formats written
 * ---------------
 * One line per row. Numbers are written in the shortest of "%.15g"/"%.17g" that reads
 * back to the same double (integers below 1e15 as plain digits). A row whose instance
 * has a dense array is OTTER_UNSUPPORTED (only named features can be written).
 * csv    Header: the first row's features (ns.name when a namespace is set), then the
 *        label column, then the meta columns. Every later row must have the same
 *        feature keys in the same order (OTTER_INVALID otherwise). Fields containing
 *        a comma, quote, CR or LF are quoted. A non-finite meta value is an empty cell.
 *        CSV keeps no kinds: a categorical value that looks like a number (or is empty)
 *        reads back as numeric (or missing) unless the reader is given opts.cat.
 * libsvm `label i:v ...`, with features numbered 1..n in the order first seen (the first
 *        row's order; later new features get the next numbers), sorted by index within
 *        a row. Categorical features cannot be expressed: OTTER_UNSUPPORTED naming the
 *        feature. Meta columns are not written.
 * vw     `label |ns name:value name=category ...`; the default namespace as "| ...". With
 *        opts.binary a label 0 is written as -1. Names, namespaces and categories that
 *        contain a space, tab, '|' or ':' (or an empty name) cannot be expressed:
 *        OTTER_UNSUPPORTED naming the feature. Meta columns are not written.
 * jsonl  `{"x":1.5,"color":"red","ns":{"a":1},"label":1,"_label_delay":3}`: default
 *        namespace features at the top level, one nested object per namespace, then the
 *        label and the meta keys (a non-finite meta value is null).
 * In CSV and JSONL a feature named like the label or a meta column is OTTER_INVALID.
 *
 * Readers and writers format and parse numbers with the C library, so the process must
 * keep the "C" LC_NUMERIC locale. Thread safety: a reader or writer is used by one
 * thread at a time; different ones are independent (no global state).
 */
#ifndef OTTER_CLI_IO_INT_H
#define OTTER_CLI_IO_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "otter/gen.h"
#include "otter/instance.h"
#include "otter/status.h"

/* ---------------------------------------------------------------- numbers */

/* Parses the decimal number in s[0..len) (no NUL needed). Syntax: optional sign,
 * digits with an optional fraction (at least one digit in all), optional exponent
 * ([eE], optional sign, digits). Returns 0 and the correctly rounded value in *out, or
 * -1 (leaving *out untouched) when the text is not exactly such a number or its value
 * is not finite. Rejects "", "1e", "--1", "0x10", "nan", "inf", spaces, trailing bytes.
 * Results are bit-identical to strtod's. Thread-safe. */
int otter__parse_double(const char *s, size_t len, double *out);

/* ---------------------------------------------------------------- readers */

typedef struct otter__reader otter__reader;

typedef struct otter__reader_options {
    const char *format;     /* "csv", "libsvm", "vw", "jsonl"; NULL = "csv" */
    const char *label;      /* CSV/JSONL label column/key; NULL = "label" */
    const char *weight;     /* CSV/JSONL importance-weight column/key; NULL = none */
    const char *const *cat; /* CSV: columns forced categorical */
    size_t n_cat;
    const char *const *ignore; /* CSV/JSONL columns/keys to ignore */
    size_t n_ignore;
    int require_label; /* 1: a row without a label is an error (eval) */
} otter__reader_options;

/* Opens a reader on `in` (borrowed; not closed by the reader). opts may be NULL for the
 * defaults; it and the strings it points to are borrowed and must stay valid until
 * otter__reader_close(). CSV reads the header here. Returns OTTER_INVALID for an unknown
 * format or an option that does not fit the header, OTTER_PARSE for a bad or missing
 * header, OTTER_IO, OTTER_NOMEM. On success *out is owned by the caller. */
otter_status otter__reader_open(FILE *in, const otter__reader_options *opts, otter__reader **out,
                                otter_error *err);

/* Reads the next row into inst (cleared first), *label and *weight. Sets *eof = 1 (and
 * returns OTTER_OK) at the end of the input, else *eof = 0. Interned keys are cached
 * per instance, so pass the same instance to every call for speed (another one works
 * but is re-interned). Returns OTTER_PARSE for a malformed row (see above; the reader
 * stays usable), OTTER_IO, OTTER_NOMEM. *label and *weight are set only on success. */
otter_status otter__reader_next(otter__reader *r, otter_instance *inst, double *label,
                                double *weight, int *eof, otter_error *err);

/* 1-based line number where the last record read (or rejected) starts; the header's
 * line after open; 0 before anything was read. */
uint64_t otter__reader_line(const otter__reader *r);

/* Bytes consumed from the stream so far (for progress and ETA). */
uint64_t otter__reader_bytes(const otter__reader *r);

/* Frees the reader; does not fclose the stream. NULL is a no-op. */
void otter__reader_close(otter__reader *r);

/* ---------------------------------------------------------------- writers */

typedef struct otter__writer otter__writer;

typedef struct otter__writer_options {
    const char *format;            /* "csv", "libsvm", "vw", "jsonl"; NULL = "csv" */
    const char *label_name;        /* CSV header / JSONL key of the label; NULL = "label" */
    size_t n_meta;                 /* meta columns written after the label (CSV, JSONL) */
    const char *const *meta_names; /* n_meta names, e.g. otter_gen_type.meta_names */
    int binary;                    /* 1: binary task; VW writes label 0 as -1 */
} otter__writer_options;

/* Opens a writer on `out` (borrowed; not closed). opts may be NULL for the defaults; the
 * strings it points to are borrowed until otter__writer_close(). n_meta must be
 * <= OTTER_GEN_MAX_META. Returns OTTER_INVALID (unknown format, bad option) or
 * OTTER_NOMEM. On success *w is owned by the caller and must be closed. */
otter_status otter__writer_open(FILE *out, const otter__writer_options *opts, otter__writer **w,
                                otter_error *err);

/* Writes one row: the instance's features, row->label and row->meta[0..n_meta). Output
 * is buffered. Returns OTTER_INVALID (a CSV row that does not match the header, a
 * non-finite label, a name clash), OTTER_UNSUPPORTED (what the format cannot express,
 * naming the feature), OTTER_IO (a write failed), OTTER_NOMEM. After OTTER_IO or
 * OTTER_NOMEM the writer only accepts close; after other errors nothing of the row was
 * written and writing may go on. */
otter_status otter__writer_write(otter__writer *w, const otter_instance *inst,
                                 const otter_gen_row *row, otter_error *err);

/* Flushes buffered output and the stream, frees the writer (always), and reports a
 * write error (OTTER_IO with strerror) from this or an earlier call. NULL is a no-op. */
otter_status otter__writer_close(otter__writer *w, otter_error *err);

/* ------------------------------------------- for format implementations only */

/* What a format's next() produces besides the instance. */
typedef struct otter__read_out {
    double label;  /* NAN when absent */
    double weight; /* 1 when absent */
    int eof;       /* 1 at the end of input (no row) */
} otter__read_out;

/* One input format. `state` is the format's private data made by open (may stay NULL).
 * next() is called with inst cleared and out preset to {NAN, 1, 0}; the label
 * requirement is checked by read.c afterwards. */
typedef struct otter__read_format {
    const char *name;
    otter_status (*open)(otter__reader *r, void **state, otter_error *err);
    otter_status (*next)(otter__reader *r, void *state, otter_instance *inst, otter__read_out *out,
                         otter_error *err);
    void (*close)(void *state);
} otter__read_format;

extern const otter__read_format otter__read_csv;
extern const otter__read_format otter__read_libsvm;
extern const otter__read_format otter__read_vw;
extern const otter__read_format otter__read_jsonl;

/* Helpers read.c offers the formats. */

/* The reader's options with defaults filled in (format and label never NULL). */
const otter__reader_options *otter__reader_opts(const otter__reader *r);

/* Reads the next physical line (without its "\n" / "\r\n"). With append = 0 the line
 * starts a new record: *line points to it and the record line number is updated. With
 * append = 1 a "\n" and the line are appended to the current record, which *line (the
 * record start; may move) and *len then cover. At the end of input sets *eof = 1. A
 * line with a NUL byte is OTTER_PARSE (the line is consumed). The buffer is the reader's
 * and valid until the next call; formats may modify it in place. */
otter_status otter__reader_getline(otter__reader *r, int append, char **line, size_t *len, int *eof,
                                   otter_error *err);

/* Like otter__reader_getline(r, 0, ...), skipping lines of only spaces and tabs. */
otter_status otter__reader_content_line(otter__reader *r, char **line, size_t *len, int *eof,
                                        otter_error *err);

/* Sets err to OTTER_PARSE "line N: <fmt...>" for the current record; returns OTTER_PARSE. */
otter_status otter__reader_fail(const otter__reader *r, otter_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* 1 when (name, len) is in opts.ignore. */
int otter__reader_ignored(const otter__reader *r, const char *name, size_t len);

/* Adds a numeric / categorical feature, turning the instance's OTTER_INVALID (NaN, Inf,
 * bad key) into OTTER_PARSE "line N: feature 'what': <reason>". `what` may be NULL: the
 * instance's NaN/Inf message already names the feature, so hot loops format nothing. */
otter_status otter__reader_add_num(const otter__reader *r, otter_instance *inst,
                                   otter_feature_key key, double value, const char *what,
                                   otter_error *err);
otter_status otter__reader_add_cat(const otter__reader *r, otter_instance *inst,
                                   otter_feature_key key, const char *value, size_t len,
                                   const char *what, otter_error *err);

/* Interns (ns, name) in inst; an OTTER_INVALID from the instance becomes OTTER_PARSE
 * naming the feature and line. */
otter_status otter__reader_intern(const otter__reader *r, otter_instance *inst, const char *ns,
                                  size_t ns_len, const char *name, size_t name_len,
                                  otter_feature_key *key, otter_error *err);

/* Checks an importance weight read as `v`: finite and >= 0, else OTTER_PARSE. */
otter_status otter__reader_check_weight(const otter__reader *r, double v, otter_error *err);

#endif
