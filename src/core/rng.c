#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void se_rng_seed(se_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
    rng->has_spare = 0;
    rng->spare_normal = 0.0;
}

uint64_t se_rng_next(se_rng *rng) { return se_rng_step(rng->s); }

double se_rng_uniform(se_rng *rng) { return (double)(se_rng_next(rng) >> 40) * 0x1.0p-24; }

double se_rng_normal(se_rng *rng)
{
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare_normal;
    }
    /* 53-bit uniform in (0, 1] so that log() never sees 0. */
    double u1 = ((double)(se_rng_next(rng) >> 11) + 1.0) * 0x1.0p-53;
    double u2 = (double)(se_rng_next(rng) >> 11) * 0x1.0p-53;
    double r = sqrt(-2.0 * log(u1));
    double theta = 2.0 * M_PI * u2;
    rng->spare_normal = r * sin(theta);
    rng->has_spare = 1;
    return r * cos(theta);
}

uint64_t se_rng_below(se_rng *rng, uint64_t n)
{
    /* Rejection sampling: drop the top partial range so every value is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = se_rng_next(rng);
    } while (x >= limit);
    return x % n;
}
