/* Packed Cholesky kernels (see chol_int.h): the rank-1 update that keeps a ridge
 * regression's factor current in O(d^2) per observation, and the two triangular
 * solves. The rank-1 update is the classic column sweep (Golub and Van Loan,
 * "Matrix Computations", on updating the Cholesky factorization): column k and the
 * remaining part of x go through one Givens rotation, which leaves the diagonal
 * positive by construction, so no downdate (the step that can lose definiteness) is
 * ever needed. */
#include "chol_int.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

void otter__chol_identity(size_t d, double diag, double *L)
{
    double s = sqrt(diag);
    memset(L, 0, otter__chol_packed(d) * sizeof *L);
    for (size_t j = 0; j < d; j++)
        L[otter__chol_col(d, j)] = s;
}

/* sqrt(a^2 + b^2) without the libm call on the common path; hypot only when the
 * squares could overflow or underflow. */
static double hyp(double a, double b)
{
    double t = a * a + b * b;
    if (t > 0x1p-960 && t < 0x1p960)
        return sqrt(t);
    return hypot(a, b);
}

/* The loops below are written in pairs over restrict pointers: that is the shape
 * GCC's -O2 vectorizer (which skips loops of unknown trip count) turns into SSE2
 * instructions, about twice as fast at d = 32 as the plain loop. */

/* Below the diagonal of a column, the rotation [l; x'] = [g r; -r g] [s; x] with
 * g = a / hyp and r = x_k / hyp (both at most 1 in magnitude, so no intermediate
 * overflows when the result does not); gs and rs are g and r times sqrt(scale), which
 * the old column is multiplied by. src and dst are different columns. */
static void rotate_copy(size_t m, const double *restrict src, double *restrict dst,
                        double *restrict x, double g, double r, double gs, double rs)
{
    size_t i = 0;
    for (; i + 2 <= m; i += 2) {
        double l0 = gs * src[i] + r * x[i], l1 = gs * src[i + 1] + r * x[i + 1];
        double x0 = g * x[i] - rs * src[i], x1 = g * x[i + 1] - rs * src[i + 1];
        dst[i] = l0;
        dst[i + 1] = l1;
        x[i] = x0;
        x[i + 1] = x1;
    }
    if (i < m) {
        double l = gs * src[i] + r * x[i];
        x[i] = g * x[i] - rs * src[i];
        dst[i] = l;
    }
}

/* The same in place (the same arithmetic, so the same bits). */
static void rotate_inplace(size_t m, double *restrict col, double *restrict x, double g, double r,
                           double gs, double rs)
{
    size_t i = 0;
    for (; i + 2 <= m; i += 2) {
        double l0 = gs * col[i] + r * x[i], l1 = gs * col[i + 1] + r * x[i + 1];
        double x0 = g * x[i] - rs * col[i], x1 = g * x[i + 1] - rs * col[i + 1];
        col[i] = l0;
        col[i + 1] = l1;
        x[i] = x0;
        x[i + 1] = x1;
    }
    if (i < m) {
        double l = gs * col[i] + r * x[i];
        x[i] = g * x[i] - rs * col[i];
        col[i] = l;
    }
}

/* Columns k0..d-1 of the update (x[0..k0) must be zero). Column k of sqrt(scale) * src,
 * diagonal a, is rotated against x: the new diagonal is hyp(a, x_k), the entries below
 * as in rotate_copy. */
static void sweep(size_t d, const double *src, double sf, double *dst, double *x, size_t k0)
{
    for (size_t k = k0; k < d; k++) {
        size_t o = otter__chol_col(d, k), m = d - k;
        const double *s = src + o;
        double *t = dst + o, *xv = x + k;
        if (xv[0] == 0.0) { /* nothing to rotate: the column is only scaled */
            if (t != s)
                for (size_t i = 0; i < m; i++)
                    t[i] = sf * s[i];
            else if (sf != 1.0)
                for (size_t i = 0; i < m; i++)
                    t[i] *= sf;
            continue;
        }
        double a = sf * s[0], h = hyp(a, xv[0]);
        double g = a / h, r = xv[0] / h;
        t[0] = h;
        if (t != s)
            rotate_copy(m - 1, s + 1, t + 1, xv + 1, g, r, g * sf, r * sf);
        else
            rotate_inplace(m - 1, t + 1, xv + 1, g, r, g * sf, r * sf);
    }
}

void otter__chol_update(size_t d, const double *src, double scale, double *dst, double *x)
{
    sweep(d, src, scale == 1.0 ? 1.0 : sqrt(scale), dst, x, 0);
}

void otter__chol_add_diag(size_t d, double *L, size_t k, double c, double *x)
{
    memset(x + k, 0, (d - k) * sizeof *x);
    x[k] = sqrt(c);
    sweep(d, L, 1.0, L, x, k);
}

/* x -= u c over m values */
static void axpy_neg(size_t m, double u, const double *restrict c, double *restrict x)
{
    size_t i = 0;
    for (; i + 2 <= m; i += 2) {
        x[i] -= u * c[i];
        x[i + 1] -= u * c[i + 1];
    }
    if (i < m)
        x[i] -= u * c[i];
}

void otter__chol_rdiag(size_t d, const double *L, double *rdiag)
{
    for (size_t j = 0; j < d; j++)
        rdiag[j] = 1.0 / L[otter__chol_col(d, j)];
}

/* The solve is a chain through the columns: u_j needs x_j after column j - 1. The
 * chain is kept short: a multiplication by the cached reciprocal instead of a
 * division, and x_{j+1} updated first in a register, so the rest of the column's
 * axpy runs beside the next steps instead of in front of them. */

/* Column j of the solve: u_j = x_j / L_jj, then x_i -= u_j L_ij below. *next carries
 * x_{j+1}, updated first, in a register. Returns u_j. */
static inline double lstep(size_t d, size_t j, const double *c, const double *rdiag, double *x,
                           double *next)
{
    double u = *next * rdiag[j];
    x[j] = u;
    if (j + 1 < d) {
        *next = x[j + 1];
        if (u != 0.0) { /* sparse rows (hashed or one-hot features) skip whole columns */
            *next -= u * c[1];
            axpy_neg(d - j - 2, u, c + 2, x + j + 2);
        }
    }
    return u;
}

double otter__chol_lsolve(size_t d, const double *L, const double *rdiag, double *x)
{
    double n2 = 0.0, next = d ? x[0] : 0.0;
    for (size_t j = 0; j < d; j++) {
        double u = lstep(d, j, L + otter__chol_col(d, j), rdiag, x, &next);
        n2 += u * u;
    }
    return n2;
}

void otter__chol_lsolve2(size_t d, const double *La, const double *rda, double *xa,
                         const double *Lb, const double *rdb, double *xb, double *n2a, double *n2b)
{
    double sa = 0.0, sb = 0.0, na = d ? xa[0] : 0.0, nb = d ? xb[0] : 0.0;
    for (size_t j = 0; j < d; j++) {
        size_t o = otter__chol_col(d, j);
        double ua = lstep(d, j, La + o, rda, xa, &na);
        double ub = lstep(d, j, Lb + o, rdb, xb, &nb);
        sa += ua * ua;
        sb += ub * ub;
    }
    *n2a = sa;
    *n2b = sb;
}

void otter__chol_ltsolve(size_t d, const double *L, const double *rdiag, double *x)
{
    for (size_t j = d; j-- > 0;) {
        const double *c = L + otter__chol_col(d, j);
        x[j] = (x[j] - otter__dot(d - j - 1, c + 1, x + j + 1)) * rdiag[j];
    }
}

double otter__dot(size_t n, const double *restrict x, const double *restrict y)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * y[i];
        s1 += x[i + 1] * y[i + 1];
        s2 += x[i + 2] * y[i + 2];
        s3 += x[i + 3] * y[i + 3];
    }
    for (; i < n; i++)
        s0 += x[i] * y[i];
    return (s0 + s1) + (s2 + s3);
}

int otter__all_finite(size_t n, const double *v)
{
    /* integer test of the exponent field: vectorizes, unlike a chain of isfinite() */
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &v[i], sizeof u);
        bad |= (uint64_t)((u & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
    }
    return !bad;
}
