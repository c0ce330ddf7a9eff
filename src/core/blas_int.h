/* The BLAS adapter: the only place that includes OpenBLAS's cblas.h. Dense linear
 * algebra elsewhere calls these wrappers, so a different BLAS is a one-file change. */
#ifndef OTTER_BLAS_INT_H
#define OTTER_BLAS_INT_H

#include <stddef.h>

/* sum_i x[i] * y[i] */
double otter__ddot(size_t n, const double *x, const double *y);
/* y += a * x */
void otter__daxpy(size_t n, double a, const double *x, double *y);
/* x *= a */
void otter__dscal(size_t n, double a, double *x);

#endif
