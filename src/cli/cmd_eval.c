/* `otter eval`: prequential evaluation. Every row is first scored by the model, the
 * score is added to the metrics, and only then does the model learn from the row, as
 * in MOA's EvaluatePrequential. The JSON report is the last line of stdout. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "io_int.h"
#include "pipe_int.h"

#define MAX_LIST 64

struct eval_opts {
    const char *model, *format, *label, *weight, *input, *curve, *save, *load, *dump;
    const char *cat[MAX_LIST], *ignore[MAX_LIST];
    size_t n_cat, n_ignore;
    uint64_t curve_every, window, limit;
    double threshold;
    int skip_bad, progress, single_thread;
    otter_params *params;
};

static void eval_usage(FILE *out)
{
    fprintf(out, "usage: otter eval --model TYPE [--param k=v]... [options] [FILE|-]\n\n"
                 "Evaluates a learner prequentially (predict, then learn, on every row) and\n"
                 "prints a JSON report as the last line of stdout.\n\n"
                 "  --model TYPE        learner type (see 'otter list')\n"
                 "  --param k=v         learner parameter; repeatable; 'a=1,b=2' also works\n"
                 "  --format F          csv (default), libsvm, vw, jsonl\n"
                 "  --label COL         label column/key (csv, jsonl; default 'label')\n"
                 "  --weight COL        importance-weight column/key (csv, jsonl)\n"
                 "  --cat COL           treat a csv column as categorical; repeatable\n"
                 "  --ignore COL        ignore a column/key; repeatable ('_' columns always are)\n"
                 "  --skip-bad          skip malformed rows (counted in the report) instead of\n"
                 "                      stopping at the first one\n"
                 "  --window N          rolling-window size for the rolling metrics (10000)\n"
                 "  --threshold T       decision threshold for precision/recall (0.5)\n"
                 "  --curve FILE        write metrics every --curve-every rows as CSV\n"
                 "  --curve-every N     (default 10000)\n"
                 "  --limit N           stop after N rows\n"
                 "  --load FILE         start from a saved model instead of --model\n"
                 "  --save FILE         save the final model (a versioned, checksummed blob)\n"
                 "  --dump-model FILE   write the final model as text to FILE, one line per\n"
                 "                      node (tree models; others fail after the report)\n"
                 "  --no-progress       no progress line on stderr (shown only on a terminal)\n"
                 "  --single-thread     parse and learn in one thread (default: a reader thread\n"
                 "                      parses while the model learns)\n");
}

static int add_list(const char **list, size_t *n, const char *v, const char *what)
{
    if (*n == MAX_LIST) {
        fprintf(stderr, "otter eval: too many %s options (max %d)\n", what, MAX_LIST);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

static int parse_num_opt(const char *name, const char *v, uint64_t *out)
{
    if (otter__parse_u64(v, out) == 0)
        return 0;
    fprintf(stderr, "otter eval: --%s needs a non-negative integer, got '%s'\n", name, v);
    return -1;
}

/* Returns -1 to go on, else the exit code. */
static int parse_eval(int argc, char **argv, struct eval_opts *o)
{
    enum {
        O_CURVE_EVERY = 256,
        O_NO_PROGRESS,
        O_SAVE,
        O_LOAD,
        O_LIMIT,
        O_THRESHOLD,
        O_SINGLE,
        O_DUMP
    };
    static const struct option longs[] = {{"model", required_argument, NULL, 'm'},
                                          {"param", required_argument, NULL, 'p'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"label", required_argument, NULL, 'l'},
                                          {"weight", required_argument, NULL, 'w'},
                                          {"cat", required_argument, NULL, 'c'},
                                          {"ignore", required_argument, NULL, 'i'},
                                          {"skip-bad", no_argument, NULL, 'k'},
                                          {"window", required_argument, NULL, 'W'},
                                          {"curve", required_argument, NULL, 'C'},
                                          {"curve-every", required_argument, NULL, O_CURVE_EVERY},
                                          {"no-progress", no_argument, NULL, O_NO_PROGRESS},
                                          {"save", required_argument, NULL, O_SAVE},
                                          {"dump-model", required_argument, NULL, O_DUMP},
                                          {"load", required_argument, NULL, O_LOAD},
                                          {"limit", required_argument, NULL, O_LIMIT},
                                          {"threshold", required_argument, NULL, O_THRESHOLD},
                                          {"single-thread", no_argument, NULL, O_SINGLE},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    otter_error err = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:p:f:l:w:c:i:kW:C:h", longs, NULL)) != -1) {
        int bad = 0;
        char *end;
        switch (c) {
        case 'm': o->model = optarg; break;
        case 'f': o->format = optarg; break;
        case 'l': o->label = optarg; break;
        case 'w': o->weight = optarg; break;
        case 'C': o->curve = optarg; break;
        case 'k': o->skip_bad = 1; break;
        case O_NO_PROGRESS: o->progress = 0; break;
        case O_SINGLE: o->single_thread = 1; break;
        case O_SAVE: o->save = optarg; break;
        case O_LOAD: o->load = optarg; break;
        case O_DUMP: o->dump = optarg; break;
        case 'c': bad = add_list(o->cat, &o->n_cat, optarg, "--cat"); break;
        case 'i': bad = add_list(o->ignore, &o->n_ignore, optarg, "--ignore"); break;
        case 'W': bad = parse_num_opt("window", optarg, &o->window); break;
        case O_CURVE_EVERY: bad = parse_num_opt("curve-every", optarg, &o->curve_every); break;
        case O_LIMIT: bad = parse_num_opt("limit", optarg, &o->limit); break;
        case O_THRESHOLD:
            o->threshold = strtod(optarg, &end);
            if (*end || end == optarg || !(o->threshold > 0 && o->threshold < 1)) {
                fprintf(stderr, "otter eval: --threshold must be in (0, 1), got '%s'\n", optarg);
                bad = 1;
            }
            break;
        case 'p':
            if (otter_params_parse(o->params, optarg, &err) != OTTER_OK) {
                fprintf(stderr, "otter eval: %s\n", err.message);
                bad = 1;
            }
            break;
        case 'h': eval_usage(stdout); return 0;
        default: eval_usage(stderr); return 2;
        }
        if (bad)
            return 2;
    }
    if (optind < argc - 1 || (!o->model && !o->load) || o->curve_every == 0) {
        if (!o->model && !o->load)
            fprintf(stderr, "otter eval: --model TYPE (or --load FILE) is required\n\n");
        eval_usage(stderr);
        return 2;
    }
    o->input = optind < argc ? argv[optind] : "-";
    return -1;
}

/* With the reader thread, the learner thread validates each row's score
 * (otter_metrics_check) and leaves it in the pipe as an eval_rec; the reader thread
 * records it in the metrics (and writes the curve) when the batch comes back, so the
 * metrics' logarithms and histogram misses are off the learning thread. The metrics see
 * the same rows in the same order as with --single-thread. */
struct eval_rec {
    double label, weight;        /* label as the metrics take it (binary -1 mapped to 0) */
    double score, proba, p_true; /* p_true: multiclass probs[label] */
    int scored;                  /* 0 for a zero-weight row: counted, not scored */
    int has_proba, plabel;
    otter_task task;
    size_t n_classes;
};

/* The reader thread's side: what retire_row writes to. */
struct eval_sink {
    otter_metrics *metrics;
    FILE *curve;
    uint64_t curve_every, rows;
    otter_status st; /* first failure (cannot happen after a passed check) */
    otter_error err;
};

static void retire_row(void *ud, const void *rec);

/* Everything one evaluation run owns, so one function can release it all. */
struct eval_run {
    FILE *in, *curve;
    otter__reader *reader;
    otter__pipe *pipe; /* the reader thread, unless --single-thread */
    otter_instance *inst;
    otter_learner *learner;
    otter_metrics *metrics;
    struct eval_sink sink;
    uint64_t rows, skipped;
    size_t peak_bytes;
    double seconds;
};

static void run_free(struct eval_run *r)
{
    otter__pipe_stop(r->pipe); /* before the reader it uses */
    otter__reader_close(r->reader);
    if (r->in && r->in != stdin)
        fclose(r->in);
    if (r->curve)
        fclose(r->curve);
    otter_instance_destroy(r->inst);
    otter_learner_destroy(r->learner);
    otter_metrics_destroy(r->metrics);
}

static otter_status load_model(const otter_context *ctx, const char *path, otter_learner **out,
                               otter_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return otter_error_set(err, OTTER_IO, "cannot open model '%s'", path);
    otter_buf buf = OTTER_BUF_INIT;
    otter_status st = OTTER_OK;
    size_t got;
    do {
        st = otter_buf_reserve(&buf, 1 << 16, err);
        got = st == OTTER_OK ? fread(buf.data + buf.len, 1, 1 << 16, f) : 0;
        buf.len += got;
    } while (got > 0);
    if (st == OTTER_OK && ferror(f))
        st = otter_error_set(err, OTTER_IO, "cannot read model '%s'", path);
    fclose(f);
    if (st == OTTER_OK)
        st = otter_learner_decode(ctx, buf.data, buf.len, out, err);
    otter_buf_free(&buf);
    if (st != OTTER_OK)
        otter_error_prefix(err, "%s", path);
    return st;
}

static otter_status save_model(const otter_learner *l, const char *path, otter_error *err)
{
    otter_buf buf = OTTER_BUF_INIT;
    otter_status st = otter_learner_encode(l, &buf, err);
    FILE *f = st == OTTER_OK ? fopen(path, "wb") : NULL;
    if (st == OTTER_OK && !f)
        st = otter_error_set(err, OTTER_IO, "cannot open '%s' for writing", path);
    if (f) {
        if (fwrite(buf.data, 1, buf.len, f) != buf.len)
            st = otter_error_set(err, OTTER_IO, "cannot write '%s'", path);
        if (fclose(f) != 0)
            st = otter_error_set(err, OTTER_IO, "cannot write '%s'", path);
    }
    otter_buf_free(&buf);
    return st;
}

static otter_status setup(const otter_context *ctx, const struct eval_opts *o, struct eval_run *r,
                          otter_error *err)
{
    otter_status st = o->load ? load_model(ctx, o->load, &r->learner, err)
                              : otter_learner_create(ctx, o->model, o->params, &r->learner, err);
    if (st != OTTER_OK)
        return st;
    otter_metrics_options mo = {otter_learner_task(r->learner), otter_learner_n_classes(r->learner),
                                (size_t)o->window, o->threshold};
    if ((st = otter_metrics_create(&mo, &r->metrics, err)) != OTTER_OK ||
        (st = otter_instance_create(&r->inst, err)) != OTTER_OK)
        return st;
    r->in = strcmp(o->input, "-") == 0 ? stdin : fopen(o->input, "rb");
    if (!r->in)
        return otter_error_set(err, OTTER_IO, "cannot open '%s'", o->input);
    /* stdio reads a file in blocks of st_blksize (4 KiB here): one system call per
     * ~70 rows. A 1 MiB buffer (nothing was read yet) makes that one per ~17,000. */
    setvbuf(r->in, NULL, _IOFBF, (size_t)1 << 20);
    if (o->curve && !(r->curve = fopen(o->curve, "w")))
        return otter_error_set(err, OTTER_IO, "cannot open '%s' for writing", o->curve);
    otter__reader_options ro = {o->format, o->label,  o->weight,   o->cat,
                                o->n_cat,  o->ignore, o->n_ignore, 1};
    otter_status st2 = otter__reader_open(r->in, &ro, &r->reader, err);
    r->sink =
        (struct eval_sink){r->metrics, r->curve, o->curve_every, 0, OTTER_OK, {OTTER_OK, {0}}};
    otter__pipe_retire retire = {retire_row, &r->sink, sizeof(struct eval_rec)};
    if (st2 == OTTER_OK && !o->single_thread)
        st2 = otter__pipe_start(r->reader, !o->skip_bad, &retire, &r->pipe, err);
    return st2;
}

/* The next row from the reader thread, or straight from the reader. */
static otter_status next_row(struct eval_run *r, double *label, double *weight, uint64_t *line,
                             int *eof, otter_error *err)
{
    if (r->pipe)
        return otter__pipe_next(r->pipe, r->inst, label, weight, line, eof, err);
    otter_status st = otter__reader_next(r->reader, r->inst, label, weight, eof, err);
    *line = otter__reader_line(r->reader);
    return st;
}

static void curve_header(FILE *f)
{
    fputs("rows,accuracy,log_loss,auc,precision,recall,mae,rmse,"
          "rolling_accuracy,rolling_log_loss,rolling_auc,rolling_mae,rolling_rmse\n",
          f);
}

static void curve_num(FILE *f, double v, int last)
{
    if (isfinite(v))
        fprintf(f, "%.8g", v);
    fputc(last ? '\n' : ',', f);
}

static void curve_row(FILE *f, const otter_metrics *m, uint64_t rows)
{
    otter_metrics_report c, w;
    otter_metrics_cumulative(m, &c);
    otter_metrics_rolling(m, &w);
    fprintf(f, "%llu,", (unsigned long long)rows);
    const double v[] = {c.accuracy, c.log_loss, c.auc,      c.precision, c.recall, c.mae,
                        c.rmse,     w.accuracy, w.log_loss, w.auc,       w.mae,    w.rmse};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        curve_num(f, v[i], i + 1 == sizeof v / sizeof *v);
}

/* The reader thread's retire callback: one counted row, in row order. */
static void retire_row(void *ud, const void *rec)
{
    struct eval_sink *s = ud;
    const struct eval_rec *e = rec;
    if (e->scored) {
        /* Only the fields the metrics read (probs: only probs[label], multiclass); the
         * 512 bytes of probs are not zeroed for every row. */
        otter_prediction pred;
        pred.task = e->task;
        pred.score = e->score;
        pred.proba = e->proba;
        pred.has_proba = e->has_proba;
        pred.label = e->plabel;
        pred.n_classes = e->n_classes;
        if (e->task == OTTER_TASK_MULTICLASS && e->has_proba)
            pred.probs[(size_t)e->label] = e->p_true;
        otter_error err = {OTTER_OK, {0}};
        otter_status st = otter_metrics_update(s->metrics, &pred, e->label, e->weight, &err);
        if (st != OTTER_OK && s->st == OTTER_OK) {
            s->st = st;
            s->err = err;
        }
    }
    s->rows++;
    if (s->curve && s->rows % s->curve_every == 0)
        curve_row(s->curve, s->metrics, s->rows);
}

/* Leaves a validated row for retire_row. */
static void defer_row(otter__pipe *p, const otter_prediction *pred, double label, double weight)
{
    struct eval_rec *e = otter__pipe_record(p);
    e->scored = pred != NULL;
    if (!pred)
        return;
    e->label = label;
    e->weight = weight;
    e->task = pred->task;
    e->score = pred->score;
    e->proba = pred->proba;
    e->has_proba = pred->has_proba;
    e->plabel = pred->label;
    e->n_classes = pred->n_classes;
    e->p_true = pred->task == OTTER_TASK_MULTICLASS && pred->has_proba
                    ? pred->probs[(size_t)label] /* a passed check: label in [0, classes) */
                    : 0.0;
}

/* Scores, learns and records one row (the score is the model's before the row).
 * OTTER_INVALID means the row itself is bad (its label); nothing changed then. */
static otter_status step(struct eval_run *r, double label, double weight, otter_error *err)
{
    if (weight == 0.0) { /* zero-weight rows are neither scored nor learned */
        if (r->pipe)
            defer_row(r->pipe, NULL, 0.0, 0.0);
        return OTTER_OK;
    }
    otter_prediction pred;
    otter_status st = otter_learner_predict_learn(r->learner, r->inst, label, weight, &pred, err);
    if (st != OTTER_OK)
        return st;
    double mlabel = pred.task == OTTER_TASK_BINARY && label == -1.0 ? 0.0 : label;
    if (!r->pipe)
        return otter_metrics_update(r->metrics, &pred, mlabel, weight, err);
    if ((st = otter_metrics_check(r->metrics, &pred, mlabel, weight, err)) == OTTER_OK)
        defer_row(r->pipe, &pred, mlabel, weight);
    return st;
}

static otter_status loop(const struct eval_opts *o, struct eval_run *r, otter_error *err)
{
    otter__progress prog;
    otter__progress_init(&prog, o->progress, r->in);
    if (r->curve)
        curve_header(r->curve);
    double t0 = otter__now();
    otter_status st = OTTER_OK;
    while (!o->limit || r->rows < o->limit) {
        double label, weight;
        uint64_t line;
        int eof;
        st = next_row(r, &label, &weight, &line, &eof, err);
        if (st == OTTER_OK && eof)
            break;
        if (st == OTTER_OK && (st = step(r, label, weight, err)) == OTTER_INVALID)
            otter_error_prefix(err, "line %llu", (unsigned long long)line);
        if (st == OTTER_PARSE || st == OTTER_INVALID) {
            if (!o->skip_bad)
                break;
            r->skipped++;
            otter_error_clear(err);
            st = OTTER_OK;
            continue;
        }
        if (st != OTTER_OK)
            break;
        r->rows++;
        if ((r->rows & 1023) == 0) {
            size_t b = otter_learner_bytes(r->learner);
            r->peak_bytes = b > r->peak_bytes ? b : r->peak_bytes;
            otter__progress_update(&prog, r->rows,
                                   r->pipe ? otter__pipe_bytes(r->pipe)
                                           : otter__reader_bytes(r->reader));
        }
        if (r->curve && !r->pipe && r->rows % o->curve_every == 0)
            curve_row(r->curve, r->metrics, r->rows);
    }
    if (r->pipe) { /* the metrics and curve rows of the rows learned so far, error or not */
        otter__pipe_finish(r->pipe);
        if (st == OTTER_OK && r->sink.st != OTTER_OK)
            st = otter_error_set(err, OTTER_INTERNAL, "metrics: %s", r->sink.err.message);
    }
    if (st != OTTER_OK)
        return st;
    size_t b = otter_learner_bytes(r->learner);
    r->peak_bytes = b > r->peak_bytes ? b : r->peak_bytes;
    r->seconds = otter__now() - t0;
    otter__progress_done(&prog);
    return OTTER_OK;
}

static void report_metrics(const otter_metrics_report *m)
{
    printf("{\"rows\":%llu", (unsigned long long)m->rows);
    const char *names[] = {"accuracy",  "log_loss", "auc", "auc_error_bound",
                           "precision", "recall",   "mae", "rmse"};
    const double v[] = {m->accuracy,  m->log_loss, m->auc, m->auc_error_bound,
                        m->precision, m->recall,   m->mae, m->rmse};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        if (!isfinite(v[i]))
            continue;
        printf(",\"%s\":", names[i]);
        otter__json_num(stdout, v[i]);
    }
    putchar('}');
}

static void report(const struct eval_opts *o, const struct eval_run *r)
{
    otter_metrics_report c, w;
    otter_metrics_cumulative(r->metrics, &c);
    otter_metrics_rolling(r->metrics, &w);
    printf("{\"model\":");
    otter__json_str(stdout, otter_learner_type_of(r->learner)->name);
    printf(",\"params\":");
    otter__json_params(stdout, otter_learner_params_text(r->learner));
    printf(",\"input\":");
    otter__json_str(stdout, o->input);
    printf(",\"rows\":%llu,\"skipped\":%llu,\"seconds\":", (unsigned long long)r->rows,
           (unsigned long long)r->skipped);
    otter__json_num(stdout, r->seconds);
    printf(",\"rows_per_sec\":");
    otter__json_num(stdout, r->seconds > 0 ? (double)r->rows / r->seconds : NAN);
    printf(",\"peak_model_bytes\":%zu,\"metrics\":", r->peak_bytes);
    report_metrics(&c);
    if (o->window) {
        printf(",\"window\":%llu,\"rolling\":", (unsigned long long)o->window);
        report_metrics(&w);
    }
    printf("}\n");
}

int otter__cmd_eval(const otter_context *ctx, int argc, char **argv)
{
    struct eval_opts o = {0};
    o.curve_every = 10000;
    o.window = 10000;
    o.threshold = 0.5;
    o.progress = 1;
    otter_error err = {0};
    if (otter_params_create(&o.params, &err) != OTTER_OK) {
        fprintf(stderr, "otter eval: %s\n", err.message);
        return 1;
    }
    int rc = parse_eval(argc, argv, &o);
    if (rc >= 0) {
        otter_params_destroy(o.params);
        return rc;
    }
    if (o.load && otter_params_count(o.params)) {
        fprintf(stderr, "otter eval: --param cannot change a loaded model\n");
        otter_params_destroy(o.params);
        return 2;
    }
    struct eval_run r = {0};
    otter_status st = setup(ctx, &o, &r, &err);
    if (st == OTTER_OK)
        st = loop(&o, &r, &err);
    if (st == OTTER_OK && o.save)
        st = save_model(r.learner, o.save, &err);
    if (st == OTTER_OK) {
        report(&o, &r); /* a failed dump (a type without one) keeps the report */
        if (o.dump && (st = otter__write_dump(r.learner, o.dump, &err)) != OTTER_OK)
            otter_error_prefix(&err, "--dump-model %s", o.dump);
    }
    if (st != OTTER_OK)
        fprintf(stderr, "otter eval: %s\n", err.message);
    run_free(&r);
    otter_params_destroy(o.params);
    return st == OTTER_OK ? 0 : (st == OTTER_INVALID && !r.reader ? 2 : 1);
}
