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

/* The solve's column step is worth inlining even where the compiler's size limits say
 * otherwise: the two-solve loop calls it twice per step. */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

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

void otter__chol_rdiag(size_t d, const double *L, double *rdiag)
{
    for (size_t j = 0; j < d; j++)
        rdiag[j] = 1.0 / L[otter__chol_col(d, j)];
}

/* x_i -= u0 c0_i + u1 c1_i over m values */
static inline void axpy2_neg(size_t m, double u0, const double *restrict c0, double u1,
                             const double *restrict c1, double *restrict x)
{
    size_t i = 0;
    for (; i + 2 <= m; i += 2) {
        x[i] -= u0 * c0[i] + u1 * c1[i];
        x[i + 1] -= u0 * c0[i + 1] + u1 * c1[i + 1];
    }
    if (i < m)
        x[i] -= u0 * c0[i] + u1 * c1[i];
}

/* The solve is a chain through the columns: u_j needs x_j after every column before
 * it. It goes two columns at a time, so x is loaded and stored once per pair, and the
 * chain is kept short: the two values the next pair starts from are carried in
 * registers (n), updated before the rest of the pair's axpy, which then runs beside
 * the next steps; the diagonal is a multiplication by its cached reciprocal. */
static ALWAYS_INLINE void lstep2(size_t d, size_t j, const double *L, const double *rdiag,
                                 double *x, double *n, double *u)
{
    const double *c0 = L + otter__chol_col(d, j), *c1 = L + otter__chol_col(d, j + 1);
    double u0 = n[0] * rdiag[j], u1 = (n[1] - u0 * c0[1]) * rdiag[j + 1];
    size_t m = d - j - 2; /* rows below the pair */
    x[j] = u[0] = u0;
    x[j + 1] = u[1] = u1;
    if (m == 0)
        return;
    if (u0 == 0.0 && u1 == 0.0) { /* sparse rows (hashed, one-hot) skip whole columns */
        n[0] = x[j + 2];
        n[1] = m > 1 ? x[j + 3] : 0.0;
        return;
    }
    n[0] = x[j + 2] - (u0 * c0[2] + u1 * c1[1]);
    if (m > 1) {
        n[1] = x[j + 3] - (u0 * c0[3] + u1 * c1[2]);
        axpy2_neg(m - 2, u0, c0 + 4, u1, c1 + 3, x + j + 4);
    }
}

double otter__chol_lsolve(size_t d, const double *L, const double *rdiag, double *x)
{
    double n[2] = {d > 0 ? x[0] : 0.0, d > 1 ? x[1] : 0.0}, u[2], n2 = 0.0;
    size_t j = 0;
    for (; j + 2 <= d; j += 2) {
        lstep2(d, j, L, rdiag, x, n, u);
        n2 += u[0] * u[0];
        n2 += u[1] * u[1];
    }
    if (j < d) {
        x[j] = n[0] * rdiag[j];
        n2 += x[j] * x[j];
    }
    return n2;
}

void otter__chol_lsolve2(size_t d, const double *La, const double *rda, double *xa,
                         const double *Lb, const double *rdb, double *xb, double *n2a, double *n2b)
{
    double na[2] = {d > 0 ? xa[0] : 0.0, d > 1 ? xa[1] : 0.0}, ua[2], sa = 0.0;
    double nb[2] = {d > 0 ? xb[0] : 0.0, d > 1 ? xb[1] : 0.0}, ub[2], sb = 0.0;
    size_t j = 0;
    for (; j + 2 <= d; j += 2) {
        lstep2(d, j, La, rda, xa, na, ua);
        lstep2(d, j, Lb, rdb, xb, nb, ub);
        sa += ua[0] * ua[0];
        sa += ua[1] * ua[1];
        sb += ub[0] * ub[0];
        sb += ub[1] * ub[1];
    }
    if (j < d) {
        xa[j] = na[0] * rda[j];
        sa += xa[j] * xa[j];
        xb[j] = nb[0] * rdb[j];
        sb += xb[j] * xb[j];
    }
    *n2a = sa;
    *n2b = sb;
}

/* *sa = sum a_i x_i, *sb = sum b_i x_i over m values, in one pass over x. */
static inline void dot_pair(size_t m, const double *restrict a, const double *restrict b,
                            const double *restrict x, double *sa, double *sb)
{
    double a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0;
    size_t i = 0;
    for (; i + 2 <= m; i += 2) {
        a0 += a[i] * x[i];
        a1 += a[i + 1] * x[i + 1];
        b0 += b[i] * x[i];
        b1 += b[i + 1] * x[i + 1];
    }
    if (i < m) {
        a0 += a[i] * x[i];
        b0 += b[i] * x[i];
    }
    *sa = a0 + a1;
    *sb = b0 + b1;
}

/* Bottom up, two rows h = j - 1 and l = j - 2 per pass. Both rows need the sums over
 * the values below them; those are taken in one pass over x, and the two newest values
 * (the previous pass's) are added last, so a row waits on its predecessors for a few
 * operations rather than a whole chain of additions. */
void otter__chol_ltsolve(size_t d, const double *L, const double *rdiag, double *x)
{
    size_t j = d;
    for (; j >= 2; j -= 2) {
        size_t h = j - 1, l = j - 2, m = d - j; /* m rows below h */
        const double *ch = L + otter__chol_col(d, h) + 1, *cl = L + otter__chol_col(d, l) + 2;
        double sh = 0.0, sl = 0.0;
        if (m > 2)
            dot_pair(m - 2, ch + 2, cl + 2, x + j + 2, &sh, &sl);
        for (size_t i = m < 2 ? m : 2; i-- > 0;) {
            sh += ch[i] * x[j + i];
            sl += cl[i] * x[j + i];
        }
        x[h] = (x[h] - sh) * rdiag[h];
        x[l] = (x[l] - sl - cl[-1] * x[h]) * rdiag[l];
    }
    if (j == 1) {
        const double *c = L + 1;
        double s = d > 2 ? otter__dot(d - 2, c + 1, x + 2) : 0.0;
        if (d > 1)
            s += c[0] * x[1];
        x[0] = (x[0] - s) * rdiag[0];
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
