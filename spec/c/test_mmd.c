/* Unit tests of src/core/mmd.c and src/core/bands.c against values worked out by hand. */
#include <math.h>
#include <stdio.h>

#include "bands.h"
#include "mmd.h"

#include "check.h"

#define CLOSE(got, want)                                                                                               \
    do {                                                                                                               \
        double g_ = (got), w_ = (want);                                                                                \
        if (!(fabs(g_ - w_) <= 1e-12 * (1 + fabs(w_)))) {                                                              \
            fprintf(stderr, "%s:%d: %s = %.15g, want %.15g\n", __FILE__, __LINE__, #got, g_, w_);                      \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

static void test_mmd(void)
{
    /* X = {0, 1}, Y = {0, 2, 3} on a line, bandwidth 1: k(a, b) = exp(-(a - b)^2 / 2). */
    const float X[] = {0, 1}, Y[] = {0, 2, 3};
    double kxx = exp(-0.5), kyy = (exp(-2.0) + exp(-4.5) + exp(-0.5)) / 3.0;
    double kxy = (1 + exp(-2.0) + exp(-4.5) + exp(-0.5) + exp(-0.5) + exp(-2.0)) / 6.0;
    double v;
    CHECK(se_mmd2(X, 2, Y, 3, 1, 1.0, 1, &v) == SE_OK);
    CLOSE(v, kxx + kyy - 2 * kxy);
    CHECK(se_mmd2(X, 2, Y, 3, 1, 1.0, 0, &v) == SE_OK);
    CLOSE(v, (2 + 2 * kxx) / 4 + (3 + 6 * kyy) / 9 - 2 * kxy);
    /* a sample against itself: the V-statistic is exactly 0 */
    CHECK(se_mmd2(Y, 3, Y, 3, 1, 0.7, 0, &v) == SE_OK);
    CLOSE(v, 0.0);
    /* the unbiased estimate needs two rows per side; the bandwidth must be positive */
    CHECK(se_mmd2(X, 1, Y, 3, 1, 1.0, 1, &v) == SE_EARG);
    CHECK(se_mmd2(X, 1, Y, 3, 1, 1.0, 0, &v) == SE_OK);
    CHECK(se_mmd2(X, 2, Y, 3, 1, 0.0, 0, &v) == SE_EARG);
    CHECK(se_mmd2(X, 2, Y, 3, 1, NAN, 0, &v) == SE_EARG);

    double K[6];
    CHECK(se_gaussian_kernel(X, 2, Y, 3, 1, 2.0, K) == SE_OK);
    CLOSE(K[0], 1.0);
    CLOSE(K[5], exp(-4.0 / 8.0)); /* |1 - 3|^2 / (2 * 2^2) */

    /* median of pairwise distances: {0, 1, 3} -> 1, 3, 2 -> 2; {0, 1, 3, 7} -> six
     * distances 1 2 3 4 6 7 -> (3 + 4) / 2 */
    const float Z[] = {0, 1, 3, 7};
    CHECK(se_median_distance(Z, 3, 1, &v) == SE_OK);
    CLOSE(v, 2.0);
    CHECK(se_median_distance(Z, 4, 1, &v) == SE_OK);
    CLOSE(v, 3.5);
    /* rows of two columns: (0,0) (3,4) -> 5 */
    const float P[] = {0, 0, 3, 4};
    CHECK(se_median_distance(P, 2, 2, &v) == SE_OK);
    CLOSE(v, 5.0);
    CHECK(se_median_distance(P, 1, 2, &v) == SE_EARG);
}

static void test_bands(void)
{
    /* A sine at a band's centre passes at 0 dB: mean square 1/2 once settled; a band
     * three octaves away passes far less. */
    enum { N = 48000 };
    static float x[N], scratch[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)sin(2 * M_PI * 1000.0 * i / 48000.0);
    double freqs[2] = {1000.0, 125.0}, e[2];
    CHECK(se_band_energies(x, N, 4800, freqs, 2, 1.41421356, 48000, scratch, e) == SE_OK);
    CHECK(fabs(e[0] - 0.5) < 1e-3);
    CHECK(e[1] < 0.5 * 0.01);
    /* the input is not modified */
    CHECK(x[1] == (float)sin(2 * M_PI * 1000.0 / 48000.0));
    double bad[1] = {30000.0};
    CHECK(se_band_energies(x, N, 0, bad, 1, 1.0, 48000, scratch, e) == SE_EARG);
    CHECK(se_band_energies(x, N, N, freqs, 1, 1.0, 48000, scratch, e) == SE_EARG);
}

int main(void)
{
    test_mmd();
    test_bands();
    return failures != 0;
}
