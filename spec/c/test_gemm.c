/* se_gemm against a double-precision triple loop: both layouts of A (rows, columns), both
 * layouts of B, C row-major and transposed, alpha and beta, sizes 0 and 1 (where BLAS's
 * leading-dimension rules bite) and larger; beta 0 never reads C; C outside the product is
 * never written; the same call twice gives the same bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "rng.h"

#include "check.h"
#include "random_floats.h"

#define GUARD 7.0f /* what C holds outside the product */

static se_rng rng;

/* One product with A stored [m x k] (layout 0: rows, 1: columns), B [k x n] by blayout, C [m x n] row-major or transposed, compared with a double loop. */
static void one(int64_t m, int64_t n, int64_t k, int alay, se_gemm_b blay, int ctrans, float alpha, float beta)
{
    int64_t ars = alay == 0 ? k : 1, acs = alay == 0 ? 1 : m;
    float *a = random_floats(&rng, m * k);
    float *b = random_floats(&rng, k * n);
    int64_t crs = ctrans ? 1 : n + 3, ccs = ctrans ? m + 2 : 1; /* padded: the pad must stay GUARD */
    int64_t clen = ctrans ? (m + 2) * n : m * (n + 3);
    float *c = malloc((size_t)(clen > 0 ? clen : 1) * sizeof *c),
          *c0 = malloc((size_t)(clen > 0 ? clen : 1) * sizeof *c0);
    for (int64_t i = 0; i < clen; i++)
        c[i] = GUARD;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            c[i * crs + j * ccs] = beta == 0.0f ? NAN : (float)se_rng_normal(&rng);
    memcpy(c0, c, (size_t)clen * sizeof *c);
    int64_t ldb = blay == SE_GEMM_B_ROWS ? n : k;
    se_gemm(m, n, k, alpha, a, ars, acs, b, ldb, blay, beta, c, crs, ccs);
    int bad = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0.0, mag = 0.0;
            for (int64_t p = 0; p < k; p++) {
                double bv = blay == SE_GEMM_B_ROWS ? b[p * n + j] : b[j * k + p];
                s += (double)a[i * ars + p * acs] * bv;
                mag += fabs((double)a[i * ars + p * acs] * bv);
            }
            double old = beta == 0.0f ? 0.0 : beta * (double)c0[i * crs + j * ccs];
            double want = alpha * s + old, got = c[i * crs + j * ccs];
            double tol = 1e-5 * (fabs(alpha) * mag + fabs(old) + 1.0);
            if (!(fabs(got - want) <= tol))
                bad++;
            c[i * crs + j * ccs] = GUARD; /* so that the sweep below sees only the pad */
        }
    for (int64_t i = 0; i < clen; i++)
        if (c[i] != GUARD)
            bad++;
    if (bad)
        fprintf(stderr, "m %ld n %ld k %ld A %d B %d Ct %d alpha %g beta %g: %d bad\n", (long)m, (long)n, (long)k, alay,
                (int)blay, ctrans, alpha, beta, bad);
    CHECK(bad == 0);
    free(a);
    free(b);
    free(c);
    free(c0);
}

static void test_shapes(void)
{
    static const int64_t ms[] = {1, 2, 3, 5, 6, 7, 11, 12, 13, 25, 32, 37};
    static const int64_t ns[] = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 65};
    static const int64_t ks[] = {0, 1, 3, 32, 40, 255, 256, 257, 600};
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++)
        for (size_t j = 0; j < sizeof ns / sizeof *ns; j++)
            for (size_t p = 0; p < sizeof ks / sizeof *ks; p++) {
                int v = (int)(i + j + p);
                one(ms[i], ns[j], ks[p], v % 2, (v / 3) % 2 ? SE_GEMM_B_COLS : SE_GEMM_B_ROWS, (v / 6) % 2,
                    v % 4 == 0 ? 1.0f : 0.5f,
                    v % 5 == 0       ? 0.0f
                        : v % 5 == 1 ? 1.0f
                                     : -0.25f);
            }
    /* every combination on one awkward shape */
    for (int alay = 0; alay < 2; alay++)
        for (int blay = 0; blay < 2; blay++)
            for (int ct = 0; ct < 2; ct++) {
                one(29, 45, 300, alay, blay ? SE_GEMM_B_COLS : SE_GEMM_B_ROWS, ct, 1.0f, 0.0f);
                one(29, 45, 300, alay, blay ? SE_GEMM_B_COLS : SE_GEMM_B_ROWS, ct, -2.0f, 1.0f);
            }
}

static void test_repeatable(void)
{
    float *a = random_floats(&rng, 32 * 256), *b = random_floats(&rng, 256 * 128);
    float *c1 = calloc(32 * 128, sizeof *c1), *c2 = calloc(32 * 128, sizeof *c2);
    se_gemm(32, 128, 256, 1.0f, a, 256, 1, b, 128, SE_GEMM_B_ROWS, 0.0f, c1, 128, 1);
    se_gemm(32, 128, 256, 1.0f, a, 256, 1, b, 128, SE_GEMM_B_ROWS, 0.0f, c2, 128, 1);
    CHECK(memcmp(c1, c2, 32 * 128 * sizeof *c1) == 0);
    free(a);
    free(b);
    free(c1);
    free(c2);
}

int main(void)
{
    se_rng_seed(&rng, 42);
    test_shapes();
    test_repeatable();
    return failures != 0;
}
