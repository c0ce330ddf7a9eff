/* ADWIN: an adaptive-window change detector (Bifet & Gavalda, SDM 2007, the ADWIN2
 * variant with exponential histograms), used inside learners such as the Hoeffding
 * Adaptive Tree to watch a stream of values (usually the 0/1 error of a node).
 *
 * The detector keeps a window of recent values, summarised in buckets, and drops its
 * oldest part whenever two sub-windows have means that differ by more than the
 * confidence bound for `delta`; otter__adwin_add() reports that as a change. Memory is
 * O(M log(W / M)) for a window of W values (M = 5 buckets per row).
 *
 * Internal to the library (otter__ prefix). Not thread-safe: one detector per thread of
 * use; distinct detectors share nothing. */
#ifndef OTTER_ADWIN_INT_H
#define OTTER_ADWIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec_int.h"
#include "otter/status.h"

/* Fixed parameters, as in MOA's ADWIN (see adwin.c for their role). */
#define OTTER__ADWIN_MAX_BUCKETS 5 /* M: buckets per row before two are merged */
#define OTTER__ADWIN_CLOCK 32      /* check for a cut every this many additions */
#define OTTER__ADWIN_MIN_WIDTH 10  /* no check while the window is not longer than this */
#define OTTER__ADWIN_MIN_SUB 5     /* each sub-window must hold more than MIN_SUB + 1 values */
#define OTTER__ADWIN_DEFAULT_DELTA 0.002

typedef struct otter__adwin otter__adwin; /* opaque */

/* Creates an empty detector with confidence `delta`, which must lie in (0, 1) (smaller
 * means fewer false alarms and slower detection; MOA's default is 0.002).
 * On success *out is a new detector the caller owns (otter__adwin_destroy).
 * Returns OTTER_INVALID for a bad delta (0, 1, negative, NaN), OTTER_NOMEM. */
otter_status otter__adwin_create(double delta, otter__adwin **out, otter_error *err);

/* Frees the detector. NULL is a no-op. */
void otter__adwin_destroy(otter__adwin *a);

/* Adds one value to the window and, every OTTER__ADWIN_CLOCK additions, looks for a
 * change. Returns 1 when a change was detected (the window dropped its older part),
 * else 0. Values must be finite; a NaN or infinity is ignored (returns 0, state
 * unchanged) so it cannot poison the statistics. Allocates only when the window needs
 * a new bucket row (amortized, log many times); should that allocation fail, the
 * oldest bucket is forgotten instead, which keeps the detector valid. */
int otter__adwin_add(otter__adwin *a, double x);

/* Mean of the values in the window (0 when empty). */
double otter__adwin_mean(const otter__adwin *a);

/* Population variance of the values in the window (0 when empty). */
double otter__adwin_variance(const otter__adwin *a);

/* Number of values in the window. */
uint64_t otter__adwin_width(const otter__adwin *a);

/* Heap bytes owned by the detector (the struct and its bucket rows). */
size_t otter__adwin_bytes(const otter__adwin *a);

/* Appends the full state (delta, clock phase, statistics and buckets) to w.
 * Returns the writer's status (OTTER_NOMEM when the buffer cannot grow). */
otter_status otter__adwin_encode(const otter__adwin *a, otter__wr *w);

/* Reads a state written by otter__adwin_encode from r (which may hold more data after
 * it) into a new detector the caller owns; it behaves exactly like the encoded one.
 * Returns OTTER_CORRUPT on truncated or inconsistent data (r is then failed or
 * positioned anywhere), OTTER_VERSION for an unknown format, OTTER_NOMEM. */
otter_status otter__adwin_decode(otter__rd *r, otter__adwin **out, otter_error *err);

#endif
