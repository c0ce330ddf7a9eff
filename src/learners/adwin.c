/* ADWIN change detector (Bifet & Gavalda, "Learning from Time-Changing Data with
 * Adaptive Windowing", SDM 2007), the ADWIN2 variant that MOA's ADWIN and River's
 * drift.ADWIN implement. It is an internal building block: the Hoeffding Adaptive Tree
 * keeps one per node on the node's 0/1 error and reacts when it reports a change.
 *
 * The window W is stored as an exponential histogram: row i holds up to M buckets, each
 * summarising 2^i consecutive values by their sum and their sum of squared deviations
 * from the bucket mean. A new value enters row 0 as a bucket of one; when a row reaches
 * M + 1 buckets its two oldest merge into one bucket of the next row, so rows hold
 * older data the higher they are and W values need about log2(W / M) rows.
 *
 * Every CLOCK additions (once the window has more than MIN_WIDTH values) the detector
 * tries every split of the window at a bucket boundary into an older part W0 (n0
 * values) and a newer part W1 (n1 values), both longer than MIN_SUB + 1. It declares a
 * change when |mean(W0) - mean(W1)| > eps_cut, drops the oldest bucket and tries again
 * until no split is cut. The bound is the paper's variance-based form (Section 3,
 * Theorem 3.1's practical variant), as MOA and River compute it:
 *     eps_cut = sqrt(2 / m * var * dd) + 2 / (3 m) * dd,
 *     1 / m   = 1 / (n0 - MIN_SUB + 1) + 1 / (n1 - MIN_SUB + 1),
 *     dd      = ln(2 ln(|W|) / delta),
 * with var the population variance of the whole window. 1/m is the sum of reciprocal
 * sub-window lengths (m is the harmonic-mean term of the paper), shrunk by the minimum
 * sub-window length so that very short sub-windows are not over-trusted.
 *
 * Parameters: delta in (0, 1) (confidence; default 0.002), and the fixed constants
 * M = 5, CLOCK = 32, MIN_WIDTH = 10 and MIN_SUB = 5 from adwin_int.h. Everything is
 * deterministic: the same values give the same alarms, and a decoded detector carries
 * the clock phase so it continues exactly like the one that was encoded. */
#include "adwin_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define M OTTER__ADWIN_MAX_BUCKETS
#define ADWIN_STATE_VERSION 1
#define ADWIN_MAX_ROWS 64 /* 2^64 values: more than a uint64_t width can count */

/* One row of the histogram: n buckets of 2^i values each, oldest first. The extra slot
 * holds the (M+1)-th bucket between an insertion and the compression that follows. */
typedef struct adwin_row {
    double sum[M + 1]; /* sum of the bucket's values */
    double var[M + 1]; /* sum of squared deviations from the bucket's mean */
    unsigned n;
} adwin_row;

struct otter__adwin {
    double delta;
    uint64_t time;  /* additions so far; the cut check runs when time % CLOCK == 0 */
    uint64_t width; /* values in the window */
    double total;   /* their sum */
    double var;     /* their sum of squared deviations from the window mean */
    adwin_row *rows;
    size_t n_rows, cap_rows;
};

static int delta_ok(double delta)
{
    return delta > 0.0 && delta < 1.0; /* false for NaN too */
}

otter_status otter__adwin_create(double delta, otter__adwin **out, otter_error *err)
{
    *out = NULL;
    if (!delta_ok(delta))
        return otter_error_set(err, OTTER_INVALID, "adwin: delta must lie in (0, 1), got %g",
                               delta);
    otter__adwin *a = calloc(1, sizeof *a);
    if (!a)
        return otter_error_set(err, OTTER_NOMEM, "adwin: out of memory");
    a->delta = delta;
    *out = a;
    return OTTER_OK;
}

void otter__adwin_destroy(otter__adwin *a)
{
    if (!a)
        return;
    free(a->rows);
    free(a);
}

static void row_push(adwin_row *r, double sum, double var)
{
    r->sum[r->n] = sum;
    r->var[r->n] = var;
    r->n++;
}

/* 2^-i, exactly (i < 64). x * pow2_neg(i) is bit for bit x / 2^i: both are the correctly
 * rounded value of the same real number, and the multiply spares the divider, which the
 * per-row merges keep busy. */
static double pow2_neg(size_t i)
{
    uint64_t bits = (uint64_t)(1023 - i) << 52;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Removes the k oldest buckets of a row. */
static void row_pop(adwin_row *r, unsigned k)
{
    r->n -= k;
    memmove(r->sum, r->sum + k, r->n * sizeof *r->sum);
    memmove(r->var, r->var + k, r->n * sizeof *r->var);
}

/* Appends an empty row; 0 when the row array cannot grow. */
static int add_row(otter__adwin *a)
{
    if (a->n_rows == ADWIN_MAX_ROWS)
        return 0;
    if (a->n_rows == a->cap_rows) {
        size_t cap = a->cap_rows + 4; /* rows number ~log2(W/M): grow in small steps */
        adwin_row *rows = realloc(a->rows, cap * sizeof *rows);
        if (!rows)
            return 0;
        a->rows = rows;
        a->cap_rows = cap;
    }
    a->rows[a->n_rows].n = 0;
    a->n_rows++;
    return 1;
}

/* Forgets the oldest bucket (the first of the last row) and updates the window's
 * statistics by the reverse of the merge formula. */
static void drop_oldest(otter__adwin *a)
{
    adwin_row *r = &a->rows[a->n_rows - 1];
    uint64_t size = (uint64_t)1 << (a->n_rows - 1);
    double s = r->sum[0], v = r->var[0];
    row_pop(r, 1);
    if (r->n == 0)
        a->n_rows--;
    a->width -= size;
    a->total -= s;
    if (a->width == 0) {
        a->total = 0.0;
        a->var = 0.0;
        return;
    }
    double n1 = (double)size, n = (double)a->width;
    double d = s / n1 - a->total / n;
    a->var -= v + n1 * n * d * d / (n1 + n);
}

/* Merges the two oldest buckets of every full row into one bucket of the next row. */
static void compress(otter__adwin *a)
{
    for (size_t i = 0; i < a->n_rows && a->rows[i].n > M; i++) {
        if (i + 1 == a->n_rows && !add_row(a)) {
            drop_oldest(a); /* out of memory: shorten the window instead of growing */
            return;
        }
        adwin_row *r = &a->rows[i];
        double n = (double)((uint64_t)1 << i), inv = pow2_neg(i);             /* n = 2^i */
        double d = r->sum[0] * inv - r->sum[1] * inv;                         /* sum / n */
        double var = r->var[0] + r->var[1] + n * n * d * d * pow2_neg(i + 1); /* / (n + n) */
        row_push(&a->rows[i + 1], r->sum[0] + r->sum[1], var);
        row_pop(r, 2);
    }
}

static void insert(otter__adwin *a, double x)
{
    if (a->n_rows == 0 && !add_row(a))
        return; /* cannot hold even one value; the window stays empty */
    row_push(&a->rows[0], x, 0.0);
    a->width++;
    if (a->width > 1) {
        double n = (double)a->width;
        double d = x - a->total / (n - 1.0);
        a->var += (n - 1.0) * d * d / n;
    }
    a->total += x;
    compress(a);
}

/* 1 when diff <= fl(fl(sqrt(rad)) + lin), the bound as find_cut computes it, is certain
 * without the square root (rad, lin >= 0): either diff <= lin, or (diff - lin)^2 is below
 * rad by a relative margin (1e-9) far wider than the rounding of every step, so that
 * diff < sqrt(rad) + lin in exact arithmetic and hence also after rounding. When 0, the
 * caller computes the bound exactly as before; most splits of a stable window are
 * settled here, so the cut test gives the same answers with far fewer square roots. */
static int clearly_within(double diff, double lin, double rad)
{
    if (diff <= lin)
        return 1;
    double q = diff - lin;
    return rad > 0x1p-900 && q * q < rad * (1.0 - 1e-9);
}

/* Scans the splits from the oldest bucket towards the newest; 1 when one is cut. */
static int find_cut(const otter__adwin *a)
{
    double w = (double)a->width;
    double v = a->var > 0.0 ? a->var / w : 0.0;
    double dd = log(2.0 * log(w) / a->delta);
    double n0 = 0.0, n1 = w, u0 = 0.0, u1 = a->total;
    for (size_t i = a->n_rows; i-- > 0;) {
        const adwin_row *r = &a->rows[i];
        double size = (double)((uint64_t)1 << i);
        for (unsigned k = 0; k < r->n; k++) {
            n0 += size;
            n1 -= size;
            u0 += r->sum[k];
            u1 -= r->sum[k];
            if (i == 0 && k + 1 == r->n)
                return 0; /* W1 would be empty */
            if (n0 <= OTTER__ADWIN_MIN_SUB + 1 || n1 <= OTTER__ADWIN_MIN_SUB + 1)
                continue;
            double mr =
                1.0 / (n0 - OTTER__ADWIN_MIN_SUB + 1) + 1.0 / (n1 - OTTER__ADWIN_MIN_SUB + 1);
            double diff = fabs(u0 / n0 - u1 / n1);
            double lin = 2.0 / 3.0 * dd * mr, rad = 2.0 * mr * v * dd;
            if (clearly_within(diff, lin, rad))
                continue;
            double eps = sqrt(rad) + lin;
            if (diff > eps)
                return 1;
        }
    }
    return 0;
}

int otter__adwin_add(otter__adwin *a, double x)
{
    if (!isfinite(x))
        return 0;
    insert(a, x);
    a->time++;
    if (a->time % OTTER__ADWIN_CLOCK != 0 || a->width <= OTTER__ADWIN_MIN_WIDTH)
        return 0;
    int changed = 0;
    while (a->width > OTTER__ADWIN_MIN_WIDTH && find_cut(a)) {
        drop_oldest(a);
        changed = 1;
    }
    return changed;
}

double otter__adwin_mean(const otter__adwin *a)
{
    return a->width ? a->total / (double)a->width : 0.0;
}

double otter__adwin_variance(const otter__adwin *a)
{
    if (a->width == 0 || a->var <= 0.0)
        return 0.0;
    return a->var / (double)a->width;
}

uint64_t otter__adwin_width(const otter__adwin *a)
{
    return a->width;
}

size_t otter__adwin_bytes(const otter__adwin *a)
{
    return sizeof *a + a->n_rows * sizeof *a->rows; /* rows in use: a function of the state */
}

/* State: u8 version, f64 delta, u64 time, u64 width, f64 total, f64 var, u8 rows, then
 * per row u8 n and n pairs (f64 sum, f64 var), oldest bucket first. */
otter_status otter__adwin_encode(const otter__adwin *a, otter__wr *w)
{
    otter__wr_u8(w, ADWIN_STATE_VERSION);
    otter__wr_f64(w, a->delta);
    otter__wr_u64(w, a->time);
    otter__wr_u64(w, a->width);
    otter__wr_f64(w, a->total);
    otter__wr_f64(w, a->var);
    otter__wr_u8(w, (uint8_t)a->n_rows);
    for (size_t i = 0; i < a->n_rows; i++) {
        const adwin_row *r = &a->rows[i];
        otter__wr_u8(w, (uint8_t)r->n);
        for (unsigned k = 0; k < r->n; k++) {
            otter__wr_f64(w, r->sum[k]);
            otter__wr_f64(w, r->var[k]);
        }
    }
    return w->st;
}

/* Reads the rows into a and checks that they add up to the stored width. */
static otter_status decode_rows(otter__rd *r, otter__adwin *a, size_t n_rows, otter_error *err)
{
    uint64_t width = 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (!add_row(a))
            return otter_error_set(err, OTTER_NOMEM, "adwin: out of memory");
        adwin_row *row = &a->rows[i];
        unsigned n = otter__rd_u8(r);
        if (!otter__rd_ok(r))
            return otter_error_set(err, OTTER_CORRUPT, "adwin state is truncated");
        if (n < 1 || n > M)
            return otter_error_set(err, OTTER_CORRUPT, "adwin state: row %zu has %u buckets", i, n);
        for (unsigned k = 0; k < n; k++) {
            double s = otter__rd_f64(r), v = otter__rd_f64(r);
            if (!isfinite(s) || !isfinite(v) || v < 0.0)
                return otter_error_set(err, OTTER_CORRUPT, "adwin state: bad bucket");
            row_push(row, s, v);
        }
        if (!otter__rd_ok(r))
            return otter_error_set(err, OTTER_CORRUPT, "adwin state is truncated");
        if ((uint64_t)n > (UINT64_MAX - width) >> i)
            return otter_error_set(err, OTTER_CORRUPT, "adwin state: width overflows");
        width += (uint64_t)n << i;
    }
    if (width != a->width)
        return otter_error_set(err, OTTER_CORRUPT, "adwin state: buckets do not match width");
    return OTTER_OK;
}

otter_status otter__adwin_decode(otter__rd *r, otter__adwin **out, otter_error *err)
{
    *out = NULL;
    uint8_t version = otter__rd_u8(r);
    if (!otter__rd_ok(r))
        return otter_error_set(err, OTTER_CORRUPT, "adwin state is truncated");
    if (version != ADWIN_STATE_VERSION)
        return otter_error_set(err, OTTER_VERSION, "adwin state version %u is not supported",
                               version);
    double delta = otter__rd_f64(r);
    uint64_t time = otter__rd_u64(r), width = otter__rd_u64(r);
    double total = otter__rd_f64(r), var = otter__rd_f64(r);
    size_t n_rows = otter__rd_u8(r);
    if (!otter__rd_ok(r))
        return otter_error_set(err, OTTER_CORRUPT, "adwin state is truncated");
    if (!delta_ok(delta) || !isfinite(total) || !isfinite(var) || n_rows > ADWIN_MAX_ROWS)
        return otter_error_set(err, OTTER_CORRUPT, "adwin state: bad header");
    otter__adwin *a;
    otter_status st = otter__adwin_create(delta, &a, err);
    if (st != OTTER_OK)
        return st;
    a->time = time;
    a->width = width;
    a->total = total;
    a->var = var;
    st = decode_rows(r, a, n_rows, err);
    if (st != OTTER_OK) {
        otter__adwin_destroy(a);
        return st;
    }
    *out = a;
    return OTTER_OK;
}
