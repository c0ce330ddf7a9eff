/* Prequential evaluation metrics: each row is scored before it is learned from, and
 * the metrics accumulate over the whole stream and over a rolling window of the last
 * `window` rows.
 *
 * Metrics per task (NaN where one does not apply, and where it applies but has no data,
 * e.g. AUC with only one class seen, or precision with no predicted positives):
 *   binary:     accuracy, log loss, ROC AUC, precision and recall at `threshold`
 *   multiclass: accuracy, log loss
 *   regression: MAE, RMSE
 *
 * Binary: p = pred->proba when pred->has_proba, else the logistic of pred->score.
 *   Accuracy compares the model's own pred->label (> 0 is positive) with the truth;
 *   precision and recall instead call a row positive when p >= threshold.
 *   AUC is computed from a fixed histogram of 2^16 bins, equal-width in log-odds
 *   log(p / (1 - p)) over [-37, 37] (so a rare-event model's tiny probabilities still
 *   spread over many bins; the order is the same as p's): scores in one
 *   bin count as ties (1/2), and auc_error_bound = 1/2 * sum_b pos_b*neg_b / (P*N) is the
 *   exact worst-case error this causes (the true AUC, with exact ties counted 1/2, lies
 *   in auc +- auc_error_bound), so memory stays bounded on streams of any length.
 * Multiclass: accuracy compares pred->label with the truth; log loss uses
 *   pred->probs[label] and averages over the rows with has_proba (NaN if there are none).
 * Regression: pred->score is the predicted value.
 * Log loss clips probabilities to [1e-15, 1-1e-15].
 * Weights: every sum, count and histogram bin is weighted; a row of weight 2 counts as
 * two identical rows of weight 1 (except in `rows`, which counts observations).
 *
 * Cost: an update is O(1) and never allocates; a report is O(2^16) for binary tasks and
 * O(1) otherwise. Memory: about 1 MiB per histogram (binary only; one for the cumulative
 * metrics and one more, plus 512 KiB of counts, for the window) and 32 bytes per window
 * row. The window's sums are maintained by add/subtract and recomputed from the window's
 * rows every `window` evictions, so rounding does not accumulate on long streams.
 *
 * Thread safety: an otter_metrics is not locked. Reports may run concurrently with each
 * other; an update needs exclusive access.
 */
#ifndef OTTER_METRICS_H
#define OTTER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "learner.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_metrics otter_metrics;

typedef struct otter_metrics_options {
    otter_task task;
    size_t n_classes; /* multiclass only: 2..OTTER_MAX_CLASSES; ignored otherwise */
    size_t window;    /* rolling window in rows, at most 2^26; 0 disables the rolling metrics */
    double threshold; /* binary only: decision threshold on P(label = 1) in (0, 1), usually
                         0.5, for precision and recall; ignored otherwise */
} otter_metrics_options;

typedef struct otter_metrics_report {
    uint64_t rows; /* observations, whatever their weight */
    double weight; /* sum of weights */
    double accuracy;
    double log_loss;
    double auc;
    double auc_error_bound;
    double precision;
    double recall;
    double mae;
    double rmse;
} otter_metrics_report;

/* Creates an empty metrics object in *out (new; free with otter_metrics_destroy). opts is
 * copied, not retained. OTTER_INVALID, with a message naming the field, for an unknown
 * task, n_classes outside 2..OTTER_MAX_CLASSES (multiclass), a threshold outside (0, 1)
 * (binary) or a window above 2^26 rows; OTTER_NOMEM if allocation fails. *out is NULL
 * on failure. */
otter_status otter_metrics_create(const otter_metrics_options *opts, otter_metrics **out,
                                  otter_error *err);

/* Frees m and everything it owns. NULL is a no-op. */
void otter_metrics_destroy(otter_metrics *m);

/* Adds one (prediction, true label, weight) observation; pred is borrowed and not
 * retained. OTTER_INVALID, with the metrics unchanged, for:
 *  - a weight that is not finite and >= 0 (a zero weight counts in `rows` only);
 *  - pred->task different from the metrics' task;
 *  - a label that does not fit the task: binary labels must be exactly 0 or 1 (map -1
 *    to 0 first), multiclass labels integers in [0, n_classes), regression labels finite;
 *  - an unusable prediction: a binary proba outside [0, 1] or NaN score, a multiclass
 *    probs[label] outside [0, 1] (when has_proba), a non-finite regression score or one
 *    whose weighted squared error overflows. */
otter_status otter_metrics_update(otter_metrics *m, const otter_prediction *pred, double label,
                                  double weight, otter_error *err);

/* Returns what otter_metrics_update would return for this observation (the same status
 * and message), without recording it. It reads only what otter_metrics_create fixed, so
 * it may run in one thread while another updates m: a caller can validate each row where
 * it is produced and record it later elsewhere (otter eval's reader thread does). Cheaper
 * than an update (no logarithms). */
otter_status otter_metrics_check(const otter_metrics *m, const otter_prediction *pred, double label,
                                 double weight, otter_error *err);

/* Fills *out with the metrics over every row since creation. */
void otter_metrics_cumulative(const otter_metrics *m, otter_metrics_report *out);

/* Fills *out with the metrics over the last `window` rows (fewer until that many have
 * been seen). When window is 0: rows 0, weight 0, every metric NaN. */
void otter_metrics_rolling(const otter_metrics *m, otter_metrics_report *out);

#ifdef __cplusplus
}
#endif
#endif
