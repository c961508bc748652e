/* Test data of the C unit tests: n standard normal floats drawn from rng, in an array the
 * caller frees (one float when n is 0, so that it can still be freed). */
#ifndef SPEC_RANDOM_FLOATS_H
#define SPEC_RANDOM_FLOATS_H

#include <stdint.h>
#include <stdlib.h>

#include "rng.h"

static float *random_floats(se_rng *rng, int64_t n)
{
    float *x = malloc((size_t)(n > 0 ? n : 1) * sizeof *x);
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)se_rng_normal(rng);
    return x;
}

#endif
