/* OpenBLAS and LAPACKE wrappers (see blas_int.h). Sizes beyond the BLAS integer range
 * are split into chunks so callers can pass size_t lengths; LAPACK's info is turned
 * into an otter_status. */
#include "blas_int.h"

#include <cblas.h>
#include <lapacke.h>
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

void otter__dtpsv_lower(size_t n, const double *L, double *x, int trans)
{
    cblas_dtpsv(CblasColMajor, CblasLower, trans ? CblasTrans : CblasNoTrans, CblasNonUnit, (int)n,
                L, x, 1);
}

otter_status otter__dposv(size_t n, size_t nrhs, double *a, double *b, otter_error *err)
{
    if (n == 0 || nrhs == 0)
        return OTTER_OK;
    if (n > INT_MAX || nrhs > INT_MAX || n > INT_MAX / nrhs)
        return otter_error_set(err, OTTER_INVALID, "system of %zu x %zu is too large for LAPACK", n,
                               nrhs);
    lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)nrhs, a,
                                    (lapack_int)n, b, (lapack_int)n);
    if (info > 0)
        return otter_error_set(err, OTTER_INVALID,
                               "matrix is not positive definite (leading minor %d)", (int)info);
    if (info < 0)
        return otter_error_set(err, OTTER_INTERNAL, "LAPACK dposv: argument %d is invalid",
                               (int)-info);
    return OTTER_OK;
}
