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
