/* Prequential metrics (include/otter/metrics.h).
 *
 * Every update validates the observation into one fixed-size `entry` (the probability or
 * prediction, the truth, the weight, the model's label and the AUC bin), then adds that
 * entry to the cumulative accumulator and, when a window is set, to a ring buffer and the
 * window accumulator, evicting the oldest entry by subtracting exactly what it once
 * added. Each row's contribution is a pure function of its entry, so add and subtract
 * cancel term by term; an update is O(1) and never allocates.
 *
 * Floating-point drift: sums of integer weights are held in doubles and stay exact below
 * 2^53, so unweighted counts never drift. Non-integer terms (log loss, errors, fractional
 * weights) pick up rounding with every add/subtract, so every `window` evictions the window
 * sums are recomputed from the ring, oldest first (amortised O(1)). Between rebuilds, every
 * sum and every histogram cell also keeps an exact integer count of the rows behind it; a
 * sum or cell whose count drops to zero is reset to exactly zero. That keeps "no rows" an
 * exact 0 (so e.g. a window with no positives reports AUC NaN, not a ratio of residues),
 * and lets a rebuild clear only the cells of rows still in the window.
 *
 * Reports walk the 2^16-bin histograms, O(bins).
 */
#include "otter/metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define METRICS_BINS 65536u
#define METRICS_MAX_WINDOW ((size_t)1 << 26)
#define PROB_MIN 1e-15
#define PROB_MAX (1.0 - 1e-15)

/* One observation, as kept in the rolling window. */
typedef struct entry {
    double p;       /* binary: P(y=1); multiclass: P(true class) or NaN; regression: prediction */
    double y;       /* true label */
    double w;       /* weight */
    double ll;      /* log loss term (unweighted), computed once so adding and evicting the
                       row cost no logarithm and cancel exactly; NaN when not applicable */
    int32_t plabel; /* model's predicted label (binary, multiclass) */
    uint32_t bin;   /* AUC bin of p (binary) */
} entry;

/* A weighted sum with the number of rows that added a nonzero term. When the last of
 * those rows leaves the window the sum is set to exactly zero, so "no rows" reads as 0,
 * not as a rounding residue (which would turn a NaN metric into a bogus number). */
typedef struct sum {
    double v;
    uint64_t n;
} sum;

/* Running sums over a set of entries; all weighted. */
typedef struct acc {
    uint64_t rows;
    sum w;         /* weights */
    sum correct;   /* weight of rows whose predicted label is right */
    sum ll;        /* weighted log loss */
    sum ll_w;      /* weight of rows with a probability (denominator of ll) */
    sum pos;       /* weight of positive rows (binary) */
    sum neg;       /* weight of negative rows (binary) */
    sum tp;        /* weight of positives with p >= threshold */
    sum fp;        /* weight of negatives with p >= threshold */
    sum abs_err;   /* weighted |prediction - label| */
    sum sq_err;    /* weighted (prediction - label)^2 */
    double *hist;  /* binary: 2*METRICS_BINS weights, [2b] positives, [2b+1] negatives */
    uint32_t *cnt; /* window only: rows behind each hist cell, exact */
} acc;

struct otter_metrics {
    otter_metrics_options opts;
    acc total;
    acc win;
    entry *ring;      /* opts.window entries; NULL when the window is off */
    size_t head;      /* next slot to write */
    size_t filled;    /* entries in the ring */
    size_t evictions; /* since the last rebuild of the window sums */
};

static double logistic(double s)
{
    if (s >= 0) {
        return 1.0 / (1.0 + exp(-s));
    }
    double e = exp(s);
    return e / (1.0 + e);
}

static double clip_prob(double p)
{
    return p < PROB_MIN ? PROB_MIN : (p > PROB_MAX ? PROB_MAX : p);
}

/* Bins are equal-width in log-odds over [-LOGIT_RANGE, LOGIT_RANGE] (p from about 1e-16
 * to 1 - 1e-16), not in p: a model for a rare class puts most of its scores below 1e-3,
 * where equal-width bins over p would lump them all together and make the AUC useless. */
#define LOGIT_RANGE 37.0

static uint32_t prob_bin(double p)
{
    double z = p <= 0.0 ? -LOGIT_RANGE : p >= 1.0 ? LOGIT_RANGE : log(p / (1.0 - p));
    if (!(z > -LOGIT_RANGE))
        return 0;
    if (z >= LOGIT_RANGE)
        return METRICS_BINS - 1;
    double b = (z + LOGIT_RANGE) * ((double)METRICS_BINS / (2 * LOGIT_RANGE));
    return b >= (double)(METRICS_BINS - 1) ? METRICS_BINS - 1 : (uint32_t)b;
}

/* ---- validation: observation -> entry, no state touched ---- */

/* With fill = 0 only the checks run (otter_metrics_check): no logarithm is taken. */
static otter_status make_binary(const otter_prediction *pred, double label, entry *e, int fill,
                                otter_error *err)
{
    if (label != 0.0 && label != 1.0) {
        return otter_error_set(err, OTTER_INVALID,
                               "label: binary labels must be 0 or 1 (map -1 to 0), got %g", label);
    }
    double p;
    if (pred->has_proba) {
        p = pred->proba;
        if (!(p >= 0.0 && p <= 1.0)) {
            return otter_error_set(err, OTTER_INVALID,
                                   "prediction.proba: must be in [0, 1], got %g", p);
        }
    } else {
        if (isnan(pred->score)) {
            return otter_error_set(err, OTTER_INVALID, "prediction.score: is NaN");
        }
        p = fill ? logistic(pred->score) : 0.0;
    }
    if (!fill) {
        return OTTER_OK;
    }
    e->p = p;
    e->ll = label == 1.0 ? -log(clip_prob(p)) : -log1p(-clip_prob(p));
    e->plabel = pred->label > 0 ? 1 : 0;
    e->bin = prob_bin(p);
    return OTTER_OK;
}

static otter_status make_multiclass(const otter_metrics *m, const otter_prediction *pred,
                                    double label, entry *e, otter_error *err)
{
    size_t k = m->opts.n_classes;
    if (!(label >= 0.0 && label < (double)k && label == floor(label))) {
        return otter_error_set(err, OTTER_INVALID,
                               "label: multiclass labels must be integers in [0, %zu), got %g", k,
                               label);
    }
    e->p = e->ll = NAN;
    if (pred->has_proba) {
        double p = pred->probs[(size_t)label];
        if (!(p >= 0.0 && p <= 1.0)) {
            return otter_error_set(err, OTTER_INVALID,
                                   "prediction.probs[%zu]: must be in [0, 1], got %g",
                                   (size_t)label, p);
        }
        e->p = p;
        e->ll = -log(clip_prob(p));
    }
    e->plabel = pred->label;
    e->bin = 0;
    return OTTER_OK;
}

static otter_status make_regression(const otter_prediction *pred, double label, entry *e,
                                    otter_error *err)
{
    if (!isfinite(label)) {
        return otter_error_set(err, OTTER_INVALID, "label: must be finite, got %g", label);
    }
    if (!isfinite(pred->score)) {
        return otter_error_set(err, OTTER_INVALID, "prediction.score: must be finite, got %g",
                               pred->score);
    }
    double d = pred->score - label;
    if (!isfinite(e->w * d * d)) { /* would turn the window's sums into inf - inf */
        return otter_error_set(err, OTTER_INVALID,
                               "prediction.score: squared error overflows (score %g, label %g)",
                               pred->score, label);
    }
    e->p = pred->score;
    e->ll = NAN;
    e->plabel = 0;
    e->bin = 0;
    return OTTER_OK;
}

static otter_status make_entry(const otter_metrics *m, const otter_prediction *pred, double label,
                               double weight, entry *e, int fill, otter_error *err)
{
    if (!isfinite(weight) || weight < 0.0) {
        return otter_error_set(err, OTTER_INVALID, "weight: must be finite and >= 0, got %g",
                               weight);
    }
    if (pred->task != m->opts.task) {
        return otter_error_set(err, OTTER_INVALID,
                               "prediction.task: %d does not match the metrics task %d",
                               (int)pred->task, (int)m->opts.task);
    }
    e->y = label;
    e->w = weight;
    switch (m->opts.task) {
    case OTTER_TASK_BINARY: return make_binary(pred, label, e, fill, err);
    case OTTER_TASK_MULTICLASS: return make_multiclass(m, pred, label, e, err);
    case OTTER_TASK_REGRESSION: return make_regression(pred, label, e, err);
    }
    return otter_error_set(err, OTTER_INTERNAL, "metrics: unknown task");
}

/* ---- accumulation ---- */

static void sum_add(sum *s, double x, int sign)
{
    if (x == 0.0) {
        return;
    }
    s->v += x;
    s->n = sign > 0 ? s->n + 1 : s->n - 1;
    if (s->n == 0) {
        s->v = 0.0;
    }
}

static void hist_add(acc *a, size_t cell, double w, int sign)
{
    a->hist[cell] += w;
    if (a->cnt) {
        uint32_t c = sign > 0 ? a->cnt[cell] + 1 : a->cnt[cell] - 1;
        a->cnt[cell] = c;
        if (c == 0) {
            a->hist[cell] = 0.0;
        }
    }
}

/* Adds (sign = 1) or removes (sign = -1) one entry. The terms depend only on the entry,
 * so removing an entry subtracts bit-for-bit what adding it added. */
static void acc_apply(acc *a, const otter_metrics *m, const entry *e, int sign)
{
    double w = sign > 0 ? e->w : -e->w;
    a->rows = sign > 0 ? a->rows + 1 : a->rows - 1;
    sum_add(&a->w, w, sign);
    switch (m->opts.task) {
    case OTTER_TASK_BINARY: {
        int y = e->y == 1.0;
        int predicted = e->p >= m->opts.threshold;
        sum_add(&a->correct, e->plabel == y ? w : 0.0, sign);
        sum_add(&a->ll, w * e->ll, sign);
        sum_add(&a->ll_w, w, sign);
        sum_add(y ? &a->pos : &a->neg, w, sign);
        sum_add(y ? &a->tp : &a->fp, predicted ? w : 0.0, sign);
        hist_add(a, 2 * (size_t)e->bin + (y ? 0 : 1), w, sign);
        break;
    }
    case OTTER_TASK_MULTICLASS:
        sum_add(&a->correct, (double)e->plabel == e->y ? w : 0.0, sign);
        if (!isnan(e->ll)) {
            sum_add(&a->ll, w * e->ll, sign);
            sum_add(&a->ll_w, w, sign);
        }
        break;
    case OTTER_TASK_REGRESSION: {
        double d = e->p - e->y;
        sum_add(&a->abs_err, w * fabs(d), sign);
        sum_add(&a->sq_err, w * d * d, sign);
        break;
    }
    }
}

static void acc_clear_sums(acc *a)
{
    sum zero = {0.0, 0};
    a->rows = 0;
    a->w = a->correct = a->ll = a->ll_w = zero;
    a->pos = a->neg = a->tp = a->fp = zero;
    a->abs_err = a->sq_err = zero;
}

/* Recomputes the window sums from the ring, oldest first. Bins with no window rows are
 * already exactly zero (acc_apply resets them), so only the ring's bins need clearing. */
static void window_rebuild(otter_metrics *m)
{
    acc *a = &m->win;
    size_t n = m->filled, cap = m->opts.window;
    size_t start = (m->head + cap - n) % cap;
    acc_clear_sums(a);
    if (a->hist) {
        for (size_t i = 0; i < n; i++) {
            size_t cell = 2 * (size_t)m->ring[(start + i) % cap].bin;
            a->hist[cell] = a->hist[cell + 1] = 0.0;
            a->cnt[cell] = a->cnt[cell + 1] = 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        acc_apply(a, m, &m->ring[(start + i) % cap], 1);
    }
    m->evictions = 0;
}

/* ---- reports ---- */

static double ratio(double num, double den)
{
    return den > 0.0 ? num / den : NAN;
}

/* AUC over the histogram: a positive beats every negative in a lower bin and ties (1/2)
 * with the negatives in its own bin. Within a bin the true order is unknown, so each
 * bin's pos_b*neg_b pairs could all be wins or all losses: the exact worst-case error
 * is 1/2 * sum_b pos_b*neg_b / (P*N). */
static void report_auc(const acc *a, otter_metrics_report *out)
{
    double below = 0.0, wins = 0.0, ties = 0.0;
    for (size_t b = 0; b < METRICS_BINS; b++) {
        double pos = a->hist[2 * b], neg = a->hist[2 * b + 1];
        wins += pos * below;
        ties += pos * neg;
        below += neg;
    }
    double pairs = a->pos.v * a->neg.v;
    if (!(pairs > 0.0)) {
        return;
    }
    double auc = (wins + 0.5 * ties) / pairs;
    out->auc = auc < 0.0 ? 0.0 : (auc > 1.0 ? 1.0 : auc);
    out->auc_error_bound = 0.5 * ties / pairs;
}

static void report_fill(const otter_metrics *m, const acc *a, otter_metrics_report *out)
{
    *out = (otter_metrics_report){.rows = a->rows,
                                  .weight = a->w.v,
                                  .accuracy = NAN,
                                  .log_loss = NAN,
                                  .auc = NAN,
                                  .auc_error_bound = NAN,
                                  .precision = NAN,
                                  .recall = NAN,
                                  .mae = NAN,
                                  .rmse = NAN};
    switch (m->opts.task) {
    case OTTER_TASK_BINARY:
        out->accuracy = ratio(a->correct.v, a->w.v);
        out->log_loss = ratio(a->ll.v, a->ll_w.v);
        out->precision = ratio(a->tp.v, a->tp.v + a->fp.v);
        out->recall = ratio(a->tp.v, a->pos.v);
        if (a->hist) { /* NULL only for a disabled window */
            report_auc(a, out);
        }
        break;
    case OTTER_TASK_MULTICLASS:
        out->accuracy = ratio(a->correct.v, a->w.v);
        out->log_loss = ratio(a->ll.v, a->ll_w.v);
        break;
    case OTTER_TASK_REGRESSION:
        out->mae = ratio(fmax(a->abs_err.v, 0.0), a->w.v);
        /* A window's sum may drift a hair below zero; clamp before the root. */
        out->rmse = a->w.v > 0.0 ? sqrt(fmax(a->sq_err.v, 0.0) / a->w.v) : NAN;
        break;
    }
}

/* ---- public API ---- */

static otter_status check_options(const otter_metrics_options *o, otter_error *err)
{
    switch (o->task) {
    case OTTER_TASK_BINARY:
        if (!(o->threshold > 0.0 && o->threshold < 1.0)) {
            return otter_error_set(err, OTTER_INVALID, "threshold: must be in (0, 1), got %g",
                                   o->threshold);
        }
        break;
    case OTTER_TASK_MULTICLASS:
        if (o->n_classes < 2 || o->n_classes > OTTER_MAX_CLASSES) {
            return otter_error_set(err, OTTER_INVALID, "n_classes: must be in [2, %d], got %zu",
                                   OTTER_MAX_CLASSES, o->n_classes);
        }
        break;
    case OTTER_TASK_REGRESSION: break;
    default: return otter_error_set(err, OTTER_INVALID, "task: unknown task %d", (int)o->task);
    }
    if (o->window > METRICS_MAX_WINDOW) {
        return otter_error_set(err, OTTER_INVALID, "window: must be at most %zu rows, got %zu",
                               METRICS_MAX_WINDOW, o->window);
    }
    return OTTER_OK;
}

otter_status otter_metrics_create(const otter_metrics_options *opts, otter_metrics **out,
                                  otter_error *err)
{
    if (!opts || !out) {
        return otter_error_set(err, OTTER_INVALID, "otter_metrics_create: %s is NULL",
                               opts ? "out" : "opts");
    }
    *out = NULL;
    otter_status st = check_options(opts, err);
    if (st != OTTER_OK) {
        return st;
    }
    otter_metrics *m = calloc(1, sizeof *m);
    if (!m) {
        goto fail;
    }
    m->opts = *opts;
    int binary = opts->task == OTTER_TASK_BINARY;
    if (binary && !(m->total.hist = calloc(2 * (size_t)METRICS_BINS, sizeof(double)))) {
        goto fail;
    }
    if (opts->window > 0) {
        if (!(m->ring = calloc(opts->window, sizeof *m->ring))) {
            goto fail;
        }
        if (binary && (!(m->win.hist = calloc(2 * (size_t)METRICS_BINS, sizeof(double))) ||
                       !(m->win.cnt = calloc(2 * (size_t)METRICS_BINS, sizeof(uint32_t))))) {
            goto fail;
        }
    }
    *out = m;
    return OTTER_OK;
fail:
    otter_metrics_destroy(m);
    return otter_error_set(err, OTTER_NOMEM, "otter_metrics_create: out of memory");
}

void otter_metrics_destroy(otter_metrics *m)
{
    if (!m) {
        return;
    }
    free(m->total.hist);
    free(m->win.hist);
    free(m->win.cnt);
    free(m->ring);
    free(m);
}

otter_status otter_metrics_update(otter_metrics *m, const otter_prediction *pred, double label,
                                  double weight, otter_error *err)
{
    if (!m || !pred) {
        return otter_error_set(err, OTTER_INVALID, "otter_metrics_update: %s is NULL",
                               m ? "pred" : "metrics");
    }
    entry e;
    otter_status st = make_entry(m, pred, label, weight, &e, 1, err);
    if (st != OTTER_OK) {
        return st;
    }
    acc_apply(&m->total, m, &e, 1);
    size_t cap = m->opts.window;
    if (cap == 0) {
        return OTTER_OK;
    }
    int evicted = m->filled == cap;
    if (evicted) {
        acc_apply(&m->win, m, &m->ring[m->head], -1);
    } else {
        m->filled++;
    }
    m->ring[m->head] = e;
    acc_apply(&m->win, m, &e, 1);
    m->head = m->head + 1 == cap ? 0 : m->head + 1;
    if (evicted && ++m->evictions >= cap) {
        window_rebuild(m);
    }
    return OTTER_OK;
}

otter_status otter_metrics_check(const otter_metrics *m, const otter_prediction *pred, double label,
                                 double weight, otter_error *err)
{
    if (!m || !pred) {
        return otter_error_set(err, OTTER_INVALID, "otter_metrics_update: %s is NULL",
                               m ? "pred" : "metrics");
    }
    entry e;
    return make_entry(m, pred, label, weight, &e, 0, err);
}

void otter_metrics_cumulative(const otter_metrics *m, otter_metrics_report *out)
{
    report_fill(m, &m->total, out);
}

void otter_metrics_rolling(const otter_metrics *m, otter_metrics_report *out)
{
    report_fill(m, &m->win, out);
}
