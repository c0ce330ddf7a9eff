/* Kernels on a packed lower-triangular Cholesky factor L (A = L L^T, d x d).
 *
 * Storage is LAPACK's packed lower format: column j, rows j..d-1, lies contiguously at
 * offset j*d - j*(j-1)/2, so the diagonal element of column j comes first. Every
 * kernel here walks columns, which keeps the inner loops contiguous: the rank-1 update
 * as rotations down a column, the forward solve as axpy's down two columns at a time,
 * the backward solve as dot products down a column.
 *
 * These are plain loops, not BLAS calls: at the sizes the linear bandits use (d of a
 * few dozen) the call overhead of a level-2 BLAS routine is comparable to the work
 * (bench/bandit_speed measures both). No kernel allocates. */
#ifndef OTTER_CHOL_INT_H
#define OTTER_CHOL_INT_H

#include <stddef.h>

/* Doubles in a packed d x d triangle: d (d + 1) / 2. */
static inline size_t otter__chol_packed(size_t d)
{
    return d * (d + 1) / 2;
}

/* Offset of column j (its diagonal element). */
static inline size_t otter__chol_col(size_t d, size_t j)
{
    return j * d - j * (j - 1) / 2;
}

/* L = sqrt(diag) I, the factor of diag * I (diag > 0). */
void otter__chol_identity(size_t d, double diag, double *L);

/* Rank-1 update with scaling: writes to dst the factor of scale * A + x x^T where
 * A = src src^T (scale > 0; dst may equal src). x (d doubles) is used as workspace and
 * destroyed. The diagonal stays positive: each new diagonal element is
 * hypot(sqrt(scale) * old, x_k) >= sqrt(scale) * old. O(d^2). */
void otter__chol_update(size_t d, const double *src, double scale, double *dst, double *x);

/* In place, L L^T += c e_k e_k^T (c > 0): the rank-1 update by a coordinate vector,
 * which leaves columns before k alone. x (d doubles) is workspace. O((d - k)^2). */
void otter__chol_add_diag(size_t d, double *L, size_t k, double c, double *x);

/* rdiag[j] = 1 / L_jj: the solves multiply by it (a division would sit on their
 * critical path). Recompute it whenever L changes. */
void otter__chol_rdiag(size_t d, const double *L, double *rdiag);

/* In place, x <- L^{-1} x (forward substitution). Returns ||L^{-1} x||^2. */
double otter__chol_lsolve(size_t d, const double *L, const double *rdiag, double *x);

/* Two independent forward solves interleaved (xa <- La^{-1} xa, xb <- Lb^{-1} xb; La
 * may equal Lb), with the same results as two calls: each solve is a chain of
 * dependent steps, and two chains side by side keep the core busy. */
void otter__chol_lsolve2(size_t d, const double *La, const double *rda, double *xa,
                         const double *Lb, const double *rdb, double *xb, double *n2a, double *n2b);

/* In place, x <- L^{-T} x (backward substitution). */
void otter__chol_ltsolve(size_t d, const double *L, const double *rdiag, double *x);

/* sum_i x[i] y[i], with four partial sums in a fixed order (deterministic, and not
 * bound by the latency of one chain of additions). */
double otter__dot(size_t n, const double *restrict x, const double *restrict y);

/* 1 when every one of the n values is finite. */
int otter__all_finite(size_t n, const double *v);

#endif
