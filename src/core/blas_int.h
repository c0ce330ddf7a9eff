/* The BLAS/LAPACK adapter: the only place that includes OpenBLAS's cblas.h and
 * LAPACKE's lapacke.h. Dense linear algebra elsewhere calls these wrappers, so a
 * different BLAS is a one-file change; LAPACK's `info` becomes an otter_status here. */
#ifndef OTTER_BLAS_INT_H
#define OTTER_BLAS_INT_H

#include <stddef.h>

#include "otter/status.h"

/* sum_i x[i] * y[i] */
double otter__ddot(size_t n, const double *x, const double *y);
/* y += a * x */
void otter__daxpy(size_t n, double a, const double *x, double *y);
/* x *= a */
void otter__dscal(size_t n, double a, double *x);

/* In place, x <- L^{-1} x (trans 0) or L^{-T} x (trans 1) for a lower-triangular L in
 * LAPACK's packed column-major format (chol_int.h); BLAS dtpsv. n must fit a BLAS int
 * (the callers' dimensions are at most 4096). */
void otter__dtpsv_lower(size_t n, const double *L, double *x, int trans);

/* Solves A X = B for a symmetric positive definite A (n x n, column-major; its lower
 * triangle is read and overwritten by the Cholesky factor) and nrhs right-hand sides B
 * (n x nrhs, column-major; overwritten by X). LAPACK dposv. OTTER_INVALID when A is
 * not positive definite (info > 0, naming the failing minor) or a size exceeds the
 * LAPACK integer range; OTTER_INTERNAL for any other info < 0. */
otter_status otter__dposv(size_t n, size_t nrhs, double *a, double *b, otter_error *err);

#endif
