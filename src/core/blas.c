/* OpenBLAS wrappers (see blas_int.h). Sizes beyond the BLAS integer range are split
 * into chunks so callers can pass size_t lengths. */
#include "blas_int.h"

#include <cblas.h>
#include <limits.h>

#define CHUNK ((size_t)INT_MAX)

double otter__ddot(size_t n, const double *x, const double *y)
{
    double s = 0.0;
    for (size_t off = 0; off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        s += cblas_ddot((int)m, x + off, 1, y + off, 1);
    }
    return s;
}

void otter__daxpy(size_t n, double a, const double *x, double *y)
{
    for (size_t off = 0; off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        cblas_daxpy((int)m, a, x + off, 1, y + off, 1);
    }
}

void otter__dscal(size_t n, double a, double *x)
{
    for (size_t off = 0; off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        cblas_dscal((int)m, a, x + off, 1);
    }
}
