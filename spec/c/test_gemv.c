/* se_gemv against a double-precision loop at every SIMD level the CPU has, on widths around
 * the sixteen-column steps and heights around the four-row blocks, with and without
 * accumulating; AVX-512 and AVX2 give the same bits; y past `out` is never written; -0.0
 * sums as the kernels' zero-filled lanes make it (+0.0) at every width. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemv.h"
#include "rng.h"
#include "simd.h"

#include "check.h"
#include "random_floats.h"

#define GUARD 7.0f /* what y holds past the product */

static se_rng rng;

/* y = (accumulate ? y0 : 0) + W x at the current level; false if a value is off the double
 * loop by more than float rounding or the guard past y changed. */
static bool close_to_double(int64_t out, int64_t in, const float *w, const float *x, const float *y0, bool accumulate,
                            float *y)
{
    memcpy(y, y0, (size_t)(out + 1) * sizeof *y);
    se_gemv(out, in, w, x, accumulate, y);
    bool ok = y[out] == GUARD;
    for (int64_t i = 0; i < out; i++) {
        double s = accumulate ? y0[i] : 0.0, mag = fabs(s);
        for (int64_t j = 0; j < in; j++) {
            s += (double)w[i * in + j] * x[j];
            mag += fabs((double)w[i * in + j] * x[j]);
        }
        ok = ok && fabs(y[i] - s) <= 1e-6 * (mag + 1.0);
    }
    return ok;
}

static void test_shapes(void)
{
    static const int64_t outs[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 26};
    static const int64_t ins[] = {0, 1, 3, 15, 16, 17, 31, 32, 33, 40, 128, 257};
    se_simd levels[] = {SE_SIMD_AVX512, SE_SIMD_AVX2, SE_SIMD_C};
    for (size_t a = 0; a < sizeof outs / sizeof *outs; a++)
        for (size_t b = 0; b < sizeof ins / sizeof *ins; b++)
            for (int accumulate = 0; accumulate < 2; accumulate++) {
                int64_t out = outs[a], in = ins[b];
                float *w = random_floats(&rng, out * in), *x = random_floats(&rng, in),
                      *y0 = random_floats(&rng, out + 1);
                y0[out] = GUARD;
                float *y[3];
                for (int l = 0; l < 3; l++) {
                    y[l] = malloc((size_t)(out + 1) * sizeof *y[l]);
                    if (!se_simd_use(levels[l])) { /* the CPU lacks it: compare the level it has */
                        se_simd_reset();
                        memcpy(y[l], y0, (size_t)(out + 1) * sizeof *y0);
                        continue;
                    }
                    bool ok = close_to_double(out, in, w, x, y0, accumulate, y[l]);
                    if (!ok)
                        fprintf(stderr, "%s: out %ld in %ld accumulate %d\n", se_simd_name(levels[l]), (long)out,
                                (long)in, accumulate);
                    CHECK(ok);
                }
                se_simd_reset();
                if (se_simd_level() == SE_SIMD_AVX512) /* both vector levels ran */
                    CHECK(memcmp(y[0], y[1], (size_t)out * sizeof *y[0]) == 0);
                for (int l = 0; l < 3; l++)
                    free(y[l]);
                free(w);
                free(x);
                free(y0);
            }
}

static void test_negative_zero(void)
{
    float w[3] = {-0.0f, 0.0f, -0.0f}, x[3] = {1.0f, -1.0f, 1.0f}, y[1];
    se_simd levels[] = {SE_SIMD_AVX512, SE_SIMD_AVX2, SE_SIMD_C};
    for (int l = 0; l < 3; l++) {
        if (!se_simd_use(levels[l]))
            continue;
        se_gemv(1, 3, w, x, false, y);
        CHECK(y[0] == 0.0f && !signbit(y[0]));
    }
    se_simd_reset();
}

int main(void)
{
    se_rng_seed(&rng, 7);
    test_shapes();
    test_negative_zero();
    return failures != 0;
}
