/* The regularized incomplete beta function I_x(a, b) by its continued fraction
 * (evaluated with the modified Lentz method), and its inverse by Newton steps kept
 * inside a shrinking bisection bracket, so it always converges. */
#include <float.h>
#include <math.h>

#include "special_int.h"

/* log of x^a (1 - x)^b / B(a, b), the prefactor of the continued fraction */
static double log_front(double x, double a, double b)
{
    return lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
}

/* The continued fraction 1 / (1 + d1 / (1 + d2 / (1 + ...))) of I_x(a, b), with
 * d(2m+1) = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) and
 * d(2m) = m (b - m) x / ((a + 2m - 1)(a + 2m)); converges fast for
 * x < (a + 1) / (a + b + 2). */
static double beta_fraction(double x, double a, double b)
{
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double f = d;
    for (int m = 1; m <= 100000; m++) {
        double am = a + 2.0 * m;
        double even = m * (b - m) * x / ((am - 1.0) * am);
        double odd = -(a + m) * (a + b + m) * x / (am * (am + 1.0));
        for (int k = 0; k < 2; k++) {
            double coef = k == 0 ? even : odd;
            d = 1.0 + coef * d;
            c = 1.0 + coef / c;
            if (fabs(d) < tiny)
                d = tiny;
            if (fabs(c) < tiny)
                c = tiny;
            d = 1.0 / d;
            f *= c * d;
            if (k == 1 && fabs(c * d - 1.0) < 4 * DBL_EPSILON)
                return f;
        }
    }
    return f;
}

double otter__beta_cdf(double x, double a, double b)
{
    if (!(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b) || isnan(x))
        return NAN;
    if (x <= 0)
        return 0.0;
    if (x >= 1)
        return 1.0;
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(log_front(x, a, b)) * beta_fraction(x, a, b) / a;
    /* the symmetry I_x(a, b) = 1 - I_(1-x)(b, a) keeps the fraction in its fast range */
    return 1.0 - exp(log_front(1.0 - x, b, a)) * beta_fraction(1.0 - x, b, a) / b;
}

double otter__beta_quantile(double p, double a, double b)
{
    if (!(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b) || !(p >= 0 && p <= 1))
        return NAN;
    if (p == 0)
        return 0.0;
    if (p == 1)
        return 1.0;
    double lo = 0.0, hi = 1.0;
    /* start at the mean: Newton from there converges for the usual shapes, and the
     * bracket catches the rest (skewed shapes with a near 0 or b near 0) */
    double x = a / (a + b);
    double lbeta = lgamma(a) + lgamma(b) - lgamma(a + b);
    for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
        double f = otter__beta_cdf(x, a, b) - p;
        if (f == 0)
            return x;
        if (f < 0)
            lo = x;
        else
            hi = x;
        double ldens = (a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - lbeta;
        double next = x - f / exp(ldens);
        if (!(next > lo && next < hi)) /* Newton left the bracket: bisect */
            next = 0.5 * (lo + hi);
        if (fabs(next - x) < 1e-15 * (x > 1e-3 ? x : 1e-3))
            return next;
        x = next;
    }
    return x;
}
