/* Special functions the statistics need: the regularized incomplete beta function and
 * its inverse (Beta quantiles for credible intervals). Pure functions of their
 * arguments; thread-safe. */
#ifndef OTTER_SPECIAL_INT_H
#define OTTER_SPECIAL_INT_H

/* I_x(a, b), the Beta(a, b) distribution function at x, for a, b > 0 (NaN otherwise);
 * 0 for x <= 0, 1 for x >= 1. Relative accuracy about 1e-13. */
double otter__beta_cdf(double x, double a, double b);

/* The p-quantile of Beta(a, b): x with I_x(a, b) = p, for a, b > 0 and p in [0, 1]
 * (NaN otherwise); absolute accuracy about 1e-12. */
double otter__beta_quantile(double p, double a, double b);

#endif
