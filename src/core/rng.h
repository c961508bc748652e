/* The one random number generator of semeq.
 *
 * xoshiro256** (Blackman & Vigna, 2018), seeded through splitmix64 so that any 64-bit
 * seed gives a well-mixed state. Uniform floats take the top 24 bits (exactly
 * representable in float32); normals use the Box-Muller transform in double and keep
 * the second value for the next call. The same seed gives the same stream on every
 * machine: nothing here depends on the platform's rand(). */
#ifndef SE_RNG_H
#define SE_RNG_H

#include <stdint.h>

typedef struct se_rng {
    uint64_t s[4];
    double spare_normal; /* second Box-Muller value, valid when has_spare */
    int has_spare;
} se_rng;

void se_rng_seed(se_rng *rng, uint64_t seed);
uint64_t se_rng_next(se_rng *rng);

/* One step of xoshiro256** on a copy of the state, for loops that draw many numbers (a
 * kernel copies rng->s into locals, steps them, and writes them back): the same stream as
 * se_rng_next without a call per number. */
static inline uint64_t se_rng_step(uint64_t s[4])
{
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}
/* Uniform in [0, 1). */
double se_rng_uniform(se_rng *rng);
/* Standard normal N(0, 1). */
double se_rng_normal(se_rng *rng);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t se_rng_below(se_rng *rng, uint64_t n);

#endif
