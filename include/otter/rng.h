/* Deterministic, seedable pseudo-random numbers (xoshiro256**, seeded by splitmix64).
 *
 * Every random choice in Otter draws from an otter_rng seeded by the caller, so a run
 * is reproducible from its seed. The generator is a small value type: copy it to fork a
 * stream, keep one per thread. Not thread-safe (no shared state exists to protect).
 */
#ifndef OTTER_RNG_H
#define OTTER_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_rng {
    uint64_t s[4];
} otter_rng;

/* Seeds the generator; every seed (including 0) gives a valid, distinct stream. */
void otter_rng_seed(otter_rng *rng, uint64_t seed);

/* Next 64 uniformly distributed bits. */
uint64_t otter_rng_next(otter_rng *rng);

/* Uniform double in [0, 1) with 53 random bits. */
double otter_rng_uniform(otter_rng *rng);

/* Uniform integer in [0, n) without modulo bias; n must be > 0 (returns 0 for n == 0). */
uint64_t otter_rng_below(otter_rng *rng, uint64_t n);

/* Standard normal deviate (Marsaglia polar method; stateless, two uniforms per try). */
double otter_rng_normal(otter_rng *rng);

/* Gamma(shape, 1) deviate, shape > 0 (Marsaglia and Tsang 2000; shape < 1 through
 * Gamma(shape + 1) * U^(1/shape)). Returns NaN for shape <= 0 or not finite. */
double otter_rng_gamma(otter_rng *rng, double shape);

/* Beta(a, b) deviate from two gammas; a, b > 0 (NaN otherwise). */
double otter_rng_beta(otter_rng *rng, double a, double b);

#ifdef __cplusplus
}
#endif
#endif
