/* xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64, so that any 64-bit
 * seed, including 0, gives a well-mixed, non-zero state. */
#include "otter/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void otter_rng_seed(otter_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t otter_rng_next(otter_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double otter_rng_uniform(otter_rng *rng)
{
    return (double)(otter_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t otter_rng_below(otter_rng *rng, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Rejection on the top of the range removes modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = otter_rng_next(rng);
    while (x >= limit);
    return x % n;
}

double otter_rng_normal(otter_rng *rng)
{
    double u, v, s;
    do {
        u = 2.0 * otter_rng_uniform(rng) - 1.0;
        v = 2.0 * otter_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

double otter_rng_gamma(otter_rng *rng, double shape)
{
    if (!(shape > 0) || !isfinite(shape))
        return NAN;
    if (shape < 1.0) {
        double u = otter_rng_uniform(rng);
        return otter_rng_gamma(rng, shape + 1.0) * pow(u > 0 ? u : 0x1p-53, 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = otter_rng_normal(rng);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = otter_rng_uniform(rng);
        if (u < 1.0 - 0.0331 * x * x * x * x)
            return d * v;
        if (u > 0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

double otter_rng_beta(otter_rng *rng, double a, double b)
{
    double x = otter_rng_gamma(rng, a), y = otter_rng_gamma(rng, b);
    if (isnan(x) || isnan(y))
        return NAN;
    double s = x + y;
    return s > 0 ? x / s : (a >= b ? 1.0 : 0.0); /* both underflowed: tiny shapes */
}
