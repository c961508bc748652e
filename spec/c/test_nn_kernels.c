/* nn and optimiser kernels without Lua: the vectorised Adam against its scalar definition, and
 * loss kernels' error statuses. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn_kernels.h"
#include "optim_kernels.h"
#include "rng.h"
#include "simd.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "check.h"

#define N 1003 /* not a multiple of 8: exercises the vector loop and its scalar tail */

static void reference_adam(float *p, const float *g, float *m, float *v, int n, const se_adam_config *c, int step)
{
    double bc1 = 1.0 - pow(c->beta1, step), bc2 = 1.0 - pow(c->beta2, step);
    float step_size = (float)(c->lr / bc1), rbc2 = (float)(1.0 / sqrt(bc2));
    for (int i = 0; i < n; i++) {
        float gi = g[i];
        if (c->decoupled)
            p[i] -= c->lr * c->weight_decay * p[i];
        else
            gi += c->weight_decay * p[i];
        m[i] = c->beta1 * m[i] + (1.0f - c->beta1) * gi;
        v[i] = c->beta2 * v[i] + (1.0f - c->beta2) * gi * gi;
        p[i] -= step_size * m[i] / (sqrtf(v[i]) * rbc2 + c->eps);
    }
}

static void test_adam(int decoupled)
{
    static float p1[N], p2[N], g[N], m1[N], m2[N], v1[N], v2[N];
    se_rng rng;
    se_rng_seed(&rng, 5);
    for (int i = 0; i < N; i++) {
        p1[i] = p2[i] = (float)se_rng_normal(&rng);
        m1[i] = m2[i] = v1[i] = v2[i] = 0.0f;
    }
    se_adam_config c = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled != 0};
    for (int step = 1; step <= 5; step++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)se_rng_normal(&rng);
        se_adam_step(p1, g, m1, v1, N, &c, step);
        reference_adam(p2, g, m2, v2, N, &c, step);
    }
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
    CHECK(memcmp(v1, v2, sizeof v1) == 0);
}

static void test_statuses(void)
{
    float logits[6] = {0}, w[3] = {0, 0, 0}, work[64];
    int64_t labels[2] = {0, 3};
    double loss;
    CHECK(se_cross_entropy(logits, labels, NULL, NULL, 2, 3, &loss) == SE_EARG);
    labels[1] = 2;
    CHECK(se_cross_entropy(logits, labels, NULL, NULL, 2, 3, &loss) == SE_OK);
    CHECK(fabs(loss - log(3.0)) < 1e-6);
    CHECK(se_cross_entropy(logits, labels, w, NULL, 2, 3, &loss) == SE_EARG);
    CHECK(se_supcon_loss(logits, labels, NULL, work, 2, 3, 0.0f, 1.0f, SE_CONTRASTIVE_SUPCON_OUT, &loss) == SE_EARG);
}

static void test_layernorm_rows(void)
{
    float x[8] = {1, 2, 3, 4, -1, 0, 1, 10}, y[8], mean[2], rstd[2];
    float gamma[4] = {1, 1, 1, 1}, beta[4] = {0, 0, 0, 0};
    se_layernorm_forward(y, mean, rstd, x, gamma, beta, 2, 4, 1e-5f);
    for (int r = 0; r < 2; r++) {
        double s = 0, s2 = 0;
        for (int c = 0; c < 4; c++) {
            s += y[r * 4 + c];
            s2 += (double)y[r * 4 + c] * y[r * 4 + c];
        }
        CHECK(fabs(s) < 1e-5);
        CHECK(fabs(s2 / 4 - 1) < 1e-3);
    }
}

/* LayerNorm over rows of awkward widths (tails after the 8-lane blocks): the vector and plain
 * kernels give the same bits, and the backward equals a double-precision derivation. */
static void test_layernorm_kernels_agree(void)
{
    enum { R = 3, C = 43 };
    static float x[R * C], gy[R * C], gamma[C], beta[C];
    se_rng rng;
    se_rng_seed(&rng, 9);
    for (int i = 0; i < R * C; i++) {
        x[i] = (float)(3.0 + 2.0 * se_rng_normal(&rng));
        gy[i] = (float)se_rng_normal(&rng);
    }
    for (int c = 0; c < C; c++) {
        gamma[c] = (float)(1.0 + 0.1 * se_rng_normal(&rng));
        beta[c] = (float)(0.1 * se_rng_normal(&rng));
    }
    float y[2][R * C], mean[2][R], rstd[2][R], gx[2][R * C], gg[2][C], gb[2][C];
    static const se_simd levels[2] = {SE_SIMD_C, SE_SIMD_AVX2};
    int ran = 0;
    for (int v = 0; v < 2; v++) {
        if (!se_simd_use(levels[v]))
            continue;
        ran++;
        memset(gg[v], 0, sizeof gg[v]);
        memset(gb[v], 0, sizeof gb[v]);
        se_layernorm_forward(y[v], mean[v], rstd[v], x, gamma, beta, R, C, 1e-5f);
        se_layernorm_backward(gx[v], gg[v], gb[v], gy, x, mean[v], rstd[v], gamma, R, C);
    }
    se_simd_reset();
    if (ran == 2) {
        CHECK(memcmp(y[0], y[1], sizeof y[0]) == 0);
        CHECK(memcmp(gx[0], gx[1], sizeof gx[0]) == 0);
        CHECK(memcmp(gg[0], gg[1], sizeof gg[0]) == 0);
        CHECK(memcmp(gb[0], gb[1], sizeof gb[0]) == 0);
    }
    /* gx = rstd (g - mean g - xhat mean(g xhat)), g = gy gamma, in double */
    for (int r = 0; r < R; r++) {
        double m = 0, var = 0, sg = 0, sgx = 0;
        for (int c = 0; c < C; c++)
            m += x[r * C + c];
        m /= C;
        for (int c = 0; c < C; c++)
            var += (x[r * C + c] - m) * (x[r * C + c] - m);
        double rs = 1.0 / sqrt(var / C + 1e-5);
        for (int c = 0; c < C; c++) {
            double g = (double)gy[r * C + c] * gamma[c], xh = (x[r * C + c] - m) * rs;
            sg += g;
            sgx += g * xh;
        }
        for (int c = 0; c < C; c++) {
            double g = (double)gy[r * C + c] * gamma[c], xh = (x[r * C + c] - m) * rs;
            double want = rs * (g - sg / C - xh * sgx / C);
            CHECK(fabs(gx[0][r * C + c] - want) < 1e-4 * (1 + fabs(want)));
            CHECK(fabs(y[0][r * C + c] - (xh * gamma[c] + beta[c])) < 1e-5);
        }
    }
}

/* Moments in the subnormal range (weights whose gradients stay tiny): the step is taken with
 * them flushed to zero, stays finite, moves those weights by no more than the step size, and
 * leaves the floating-point environment as it was. */
static void test_adam_subnormal_moments(void)
{
    enum { M = 64 };
    float p[M], g[M], m[M], v[M];
    for (int i = 0; i < M; i++) {
        p[i] = 1.0f;
        g[i] = i % 2 ? 1e-30f : 0.5f;
        m[i] = i % 2 ? 1e-39f : 0.1f;
        v[i] = i % 2 ? 1e-40f : 0.01f;
    }
    se_adam_config c = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, false};
#if defined(__x86_64__)
    unsigned csr = _mm_getcsr();
    se_adam_step(p, g, m, v, M, &c, 10);
    CHECK(_mm_getcsr() == csr);
#else
    se_adam_step(p, g, m, v, M, &c, 10);
#endif
    for (int i = 0; i < M; i++) {
        CHECK(isfinite(p[i]) && fabsf(p[i] - 1.0f) <= 1.1e-3f / (1.0f - powf(0.9f, 10)));
#if defined(__x86_64__)
        if (i % 2)
            CHECK(v[i] == 0.0f);
#endif
    }
}

int main(void)
{
    test_adam_subnormal_moments();
    test_layernorm_kernels_agree();
    test_adam(0);
    test_adam(1);
    test_statuses();
    test_layernorm_rows();
    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
