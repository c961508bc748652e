#include "nn_kernels.h"

#include <math.h>
#include <string.h>

#include "gemm.h"
#include "interrupt.h"
#include "tensor.h" /* SE_MAX_NUMEL */

/* ReLU's sign test is a coin flip on real activations, so a branch mispredicts half the time
 * (it was 15% of a training step). These helpers select with bit masks instead. */
static inline float keep_if_positive(float v, float x)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    u &= (uint32_t)0 - (uint32_t)(x > 0.0f);
    memcpy(&v, &u, 4);
    return v;
}

/* ---------------------------------------------------------------- activations */

static float softplus(float x, float beta)
{
    float bx = beta * x;
    /* PyTorch's threshold: above 20 softplus is x to float precision, and exp would overflow. */
    if (bx > 20.0f)
        return x;
    return log1pf(expf(bx)) / beta;
}

void se_act_forward(se_act kind, float *y, const float *x, int64_t n, float param)
{
    switch (kind) {
    case SE_ACT_RELU:
        for (int64_t i = 0; i < n; i++)
            y[i] = keep_if_positive(x[i], x[i]);
        break;
    case SE_ACT_LEAKY_RELU:
        for (int64_t i = 0; i < n; i++)
            y[i] = x[i] * (param + (1.0f - param) * (float)(x[i] > 0.0f));
        break;
    case SE_ACT_GELU: /* exact GELU (PyTorch's default): x * Phi(x) */
        for (int64_t i = 0; i < n; i++)
            y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * (float)M_SQRT1_2));
        break;
    case SE_ACT_TANH:
        for (int64_t i = 0; i < n; i++)
            y[i] = tanhf(x[i]);
        break;
    case SE_ACT_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            y[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    case SE_ACT_SOFTPLUS:
        for (int64_t i = 0; i < n; i++)
            y[i] = softplus(x[i], param);
        break;
    }
}

void se_act_backward(se_act kind, float *gx, const float *x, const float *y, const float *gy, int64_t n, float param)
{
    switch (kind) {
    case SE_ACT_RELU:
        for (int64_t i = 0; i < n; i++)
            gx[i] = keep_if_positive(gy[i], x[i]);
        break;
    case SE_ACT_LEAKY_RELU:
        for (int64_t i = 0; i < n; i++)
            gx[i] = gy[i] * (param + (1.0f - param) * (float)(x[i] > 0.0f));
        break;
    case SE_ACT_GELU: {
        const float inv_sqrt_2pi = 0.3989422804014327f;
        for (int64_t i = 0; i < n; i++) {
            float cdf = 0.5f * (1.0f + erff(x[i] * (float)M_SQRT1_2));
            float pdf = inv_sqrt_2pi * expf(-0.5f * x[i] * x[i]);
            gx[i] = gy[i] * (cdf + x[i] * pdf);
        }
        break;
    }
    case SE_ACT_TANH:
        for (int64_t i = 0; i < n; i++)
            gx[i] = gy[i] * (1.0f - y[i] * y[i]);
        break;
    case SE_ACT_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            gx[i] = gy[i] * y[i] * (1.0f - y[i]);
        break;
    case SE_ACT_SOFTPLUS:
        for (int64_t i = 0; i < n; i++) {
            float bx = param * x[i];
            gx[i] = bx > 20.0f ? gy[i] : gy[i] / (1.0f + expf(-bx));
        }
        break;
    }
}

/* ---------------------------------------------------------------- helpers */

void se_fill_rows(float *y, const float *b, int64_t rows, int64_t cols)
{
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            y[r * cols + c] = b[c];
}

void se_sum_rows_acc(float *gb, const float *g, int64_t rows, int64_t cols)
{
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            gb[c] += g[r * cols + c];
}

void se_mul(float *out, const float *a, const float *b, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = a[i] * b[i];
}

/* ---------------------------------------------------------------- the seed's heads */

/* Each step is the same float operation as the layer it stands for (Tanh, then ColumnScale's
 * multiply and its separate add), so the result does not depend on which of the two ran. */
void se_seed_heads_forward(float *y, float *a, const float *x, int64_t rows, int64_t cols, int64_t units)
{
    for (int64_t r = 0; r < rows; r++) {
        float *ar = a + r * units, *yr = y + r * cols;
        for (int64_t c = 0; c + 2 < units; c += 3) {
            ar[c] = tanhf(ar[c]);
            ar[c + 1] = 1.0f / (1.0f + expf(-ar[c + 1]));
            ar[c + 2] = 1.0f / (1.0f + expf(-ar[c + 2]));
            yr[c] = ar[c] * 12.0f;
            yr[c + 1] = ar[c + 1];
            float q = ar[c + 2] * 9.9f;
            yr[c + 2] = q + 0.1f;
        }
        for (int64_t c = units; c < cols; c++)
            yr[c] = x[r * cols] * 0.0f;
    }
}

void se_seed_heads_backward(float *gu, const float *gy, const float *a, int64_t rows, int64_t cols, int64_t units)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *ar = a + r * units, *gyr = gy + r * cols;
        float *gr = gu + r * units;
        for (int64_t c = 0; c + 2 < units; c += 3) {
            float g = gyr[c] * 12.0f;
            gr[c] = g * (1.0f - ar[c] * ar[c]);
            gr[c + 1] = gyr[c + 1] * ar[c + 1] * (1.0f - ar[c + 1]);
            g = gyr[c + 2] * 9.9f;
            gr[c + 2] = g * ar[c + 2] * (1.0f - ar[c + 2]);
        }
    }
}

/* ---------------------------------------------------------------- LayerNorm */

/* A row's statistics are sums in double over 8 lanes (column mod 8) added in one fixed order,
 * by the AVX2 loops below and by the plain ones alike, so both give the same bits; the
 * elementwise parts are the same float operations in the same order (no fused
 * multiply-add). Two passes for the variance: one-pass variance loses too much. */
static double lanes8(const double *s) { return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])); }

typedef struct ln_sums {
    double a, b;
} ln_sums;

/* sum x and sum (x - m)^2 over a row (m: the mean, from the first). */
static double ln_sum_c(const float *x, int64_t n)
{
    double s[8] = {0};
    int64_t c = 0;
    for (; c + 8 <= n; c += 8)
        for (int l = 0; l < 8; l++)
            s[l] += x[c + l];
    double t = lanes8(s);
    for (; c < n; c++)
        t += x[c];
    return t;
}

static double ln_sqdev_c(const float *x, int64_t n, double m)
{
    double s[8] = {0};
    int64_t c = 0;
    for (; c + 8 <= n; c += 8)
        for (int l = 0; l < 8; l++)
            s[l] += (x[c + l] - m) * (x[c + l] - m);
    double t = lanes8(s);
    for (; c < n; c++)
        t += (x[c] - m) * (x[c] - m);
    return t;
}

static void ln_apply_c(float *y, const float *x, int64_t n, float m, float rs, const float *gamma, const float *beta)
{
    for (int64_t c = 0; c < n; c++)
        y[c] = (x[c] - m) * rs * gamma[c] + beta[c];
}

/* The columns from c on, one at a time, added to t (the vector kernels' remainder). */
static ln_sums ln_back_sums_tail(ln_sums t, float *ggamma, float *gbeta, const float *gy, const float *x,
                                 const float *gamma, int64_t c, int64_t n, float m, float rs)
{
    for (; c < n; c++) {
        float xhat = (x[c] - m) * rs, g = gy[c] * gamma[c];
        t.a += g;
        t.b += g * xhat;
        ggamma[c] += gy[c] * xhat;
        gbeta[c] += gy[c];
    }
    return t;
}

/* Backward of a row: accumulates ggamma, gbeta; returns sum g and sum g xhat (g = gy gamma). */
static ln_sums ln_back_sums_c(float *ggamma, float *gbeta, const float *gy, const float *x, const float *gamma,
                              int64_t n, float m, float rs)
{
    double sg[8] = {0}, sgx[8] = {0};
    int64_t c = 0;
    for (; c + 8 <= n; c += 8)
        for (int l = 0; l < 8; l++) {
            float xhat = (x[c + l] - m) * rs, g = gy[c + l] * gamma[c + l];
            sg[l] += g;
            sgx[l] += g * xhat;
            ggamma[c + l] += gy[c + l] * xhat;
            gbeta[c + l] += gy[c + l];
        }
    ln_sums t = {lanes8(sg), lanes8(sgx)};
    return ln_back_sums_tail(t, ggamma, gbeta, gy, x, gamma, c, n, m, rs);
}

static void ln_back_gx_c(float *gx, const float *gy, const float *x, const float *gamma, int64_t n, float m, float rs,
                         float mg, float mgx)
{
    for (int64_t c = 0; c < n; c++) {
        float xhat = (x[c] - m) * rs;
        gx[c] = rs * (gy[c] * gamma[c] - mg - xhat * mgx);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include "simd.h"
#define LN_X86 1
#define AVX2 __attribute__((target("avx2")))

AVX2 static double ln_sum_avx2(const float *x, int64_t n)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    int64_t c = 0;
    for (; c + 8 <= n; c += 8) {
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm_loadu_ps(x + c)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm_loadu_ps(x + c + 4)));
    }
    double s[8];
    _mm256_storeu_pd(s, s0);
    _mm256_storeu_pd(s + 4, s1);
    double t = lanes8(s);
    for (; c < n; c++)
        t += x[c];
    return t;
}

AVX2 static double ln_sqdev_avx2(const float *x, int64_t n, double m)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), mv = _mm256_set1_pd(m);
    int64_t c = 0;
    for (; c + 8 <= n; c += 8) {
        __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + c)), mv);
        __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + c + 4)), mv);
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(d0, d0));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(d1, d1));
    }
    double s[8];
    _mm256_storeu_pd(s, s0);
    _mm256_storeu_pd(s + 4, s1);
    double t = lanes8(s);
    for (; c < n; c++)
        t += (x[c] - m) * (x[c] - m);
    return t;
}

AVX2 static void ln_apply_avx2(float *y, const float *x, int64_t n, float m, float rs, const float *gamma,
                               const float *beta)
{
    __m256 mv = _mm256_set1_ps(m), rv = _mm256_set1_ps(rs);
    int64_t c = 0;
    for (; c + 8 <= n; c += 8) {
        __m256 v =
            _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + c), mv), rv), _mm256_loadu_ps(gamma + c));
        _mm256_storeu_ps(y + c, _mm256_add_ps(v, _mm256_loadu_ps(beta + c)));
    }
    ln_apply_c(y + c, x + c, n - c, m, rs, gamma + c, beta + c);
}

AVX2 static ln_sums ln_back_sums_avx2(float *ggamma, float *gbeta, const float *gy, const float *x, const float *gamma,
                                      int64_t n, float m, float rs)
{
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), b0 = _mm256_setzero_pd(), b1 = _mm256_setzero_pd();
    __m256 mv = _mm256_set1_ps(m), rv = _mm256_set1_ps(rs);
    int64_t c = 0;
    for (; c + 8 <= n; c += 8) {
        __m256 gyv = _mm256_loadu_ps(gy + c);
        __m256 xhat = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + c), mv), rv);
        __m256 g = _mm256_mul_ps(gyv, _mm256_loadu_ps(gamma + c)), gx = _mm256_mul_ps(g, xhat);
        a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(g)));
        a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(g, 1)));
        b0 = _mm256_add_pd(b0, _mm256_cvtps_pd(_mm256_castps256_ps128(gx)));
        b1 = _mm256_add_pd(b1, _mm256_cvtps_pd(_mm256_extractf128_ps(gx, 1)));
        _mm256_storeu_ps(ggamma + c, _mm256_add_ps(_mm256_loadu_ps(ggamma + c), _mm256_mul_ps(gyv, xhat)));
        _mm256_storeu_ps(gbeta + c, _mm256_add_ps(_mm256_loadu_ps(gbeta + c), gyv));
    }
    double sa[8], sb[8];
    _mm256_storeu_pd(sa, a0);
    _mm256_storeu_pd(sa + 4, a1);
    _mm256_storeu_pd(sb, b0);
    _mm256_storeu_pd(sb + 4, b1);
    ln_sums t = {lanes8(sa), lanes8(sb)};
    return ln_back_sums_tail(t, ggamma, gbeta, gy, x, gamma, c, n, m, rs);
}

AVX2 static void ln_back_gx_avx2(float *gx, const float *gy, const float *x, const float *gamma, int64_t n, float m,
                                 float rs, float mg, float mgx)
{
    __m256 mv = _mm256_set1_ps(m), rv = _mm256_set1_ps(rs), mgv = _mm256_set1_ps(mg), mgxv = _mm256_set1_ps(mgx);
    int64_t c = 0;
    for (; c + 8 <= n; c += 8) {
        __m256 xhat = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + c), mv), rv);
        __m256 g = _mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(gy + c), _mm256_loadu_ps(gamma + c)), mgv);
        _mm256_storeu_ps(gx + c, _mm256_mul_ps(rv, _mm256_sub_ps(g, _mm256_mul_ps(xhat, mgxv))));
    }
    ln_back_gx_c(gx + c, gy + c, x + c, gamma + c, n - c, m, rs, mg, mgx);
}
#undef AVX2
#endif

static bool ln_vector(void)
{
#ifdef LN_X86
    return se_simd_level() != SE_SIMD_C;
#else
    return false;
#endif
}

void se_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma, const float *beta,
                          int64_t rows, int64_t cols, float eps)
{
    bool vec = ln_vector();
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double m, v;
#ifdef LN_X86
        if (vec) {
            m = ln_sum_avx2(xr, cols) / (double)cols;
            v = ln_sqdev_avx2(xr, cols, m) / (double)cols;
        } else
#endif
        {
            m = ln_sum_c(xr, cols) / (double)cols;
            v = ln_sqdev_c(xr, cols, m) / (double)cols;
        }
        float rs = (float)(1.0 / sqrt(v + eps));
        mean[r] = (float)m;
        rstd[r] = rs;
#ifdef LN_X86
        if (vec)
            ln_apply_avx2(yr, xr, cols, (float)m, rs, gamma, beta);
        else
#endif
            ln_apply_c(yr, xr, cols, (float)m, rs, gamma, beta);
    }
    (void)vec;
}

void se_layernorm_backward(float *gx, float *ggamma, float *gbeta, const float *gy, const float *x, const float *mean,
                           const float *rstd, const float *gamma, int64_t rows, int64_t cols)
{
    bool vec = ln_vector();
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols, *gyr = gy + r * cols;
        float m = mean[r], rs = rstd[r];
        /* With g = gy * gamma and xhat the normalised input:
         * gx = rstd * (g - mean(g) - xhat * mean(g * xhat)). */
        ln_sums t;
#ifdef LN_X86
        if (vec)
            t = ln_back_sums_avx2(ggamma, gbeta, gyr, xr, gamma, cols, m, rs);
        else
#endif
            t = ln_back_sums_c(ggamma, gbeta, gyr, xr, gamma, cols, m, rs);
        float mg = (float)(t.a / (double)cols), mgx = (float)(t.b / (double)cols);
        if (!gx)
            continue;
#ifdef LN_X86
        if (vec)
            ln_back_gx_avx2(gx + r * cols, gyr, xr, gamma, cols, m, rs, mg, mgx);
        else
#endif
            ln_back_gx_c(gx + r * cols, gyr, xr, gamma, cols, m, rs, mg, mgx);
    }
    (void)vec;
}

/* ---------------------------------------------------------------- BatchNorm */

void se_batchnorm_forward(float *y, float *mean, float *rstd, float *run_mean, float *run_var, const float *x,
                          const float *gamma, const float *beta, int64_t rows, int64_t cols, float eps, float momentum,
                          int train)
{
    for (int64_t c = 0; c < cols; c++) {
        double m, v;
        if (train) {
            m = 0.0;
            v = 0.0;
            for (int64_t r = 0; r < rows; r++)
                m += x[r * cols + c];
            m /= (double)rows;
            for (int64_t r = 0; r < rows; r++)
                v += (x[r * cols + c] - m) * (x[r * cols + c] - m);
            double unbiased = rows > 1 ? v / (double)(rows - 1) : v;
            v /= (double)rows;
            run_mean[c] = (float)((1.0 - momentum) * run_mean[c] + momentum * m);
            run_var[c] = (float)((1.0 - momentum) * run_var[c] + momentum * unbiased);
        } else {
            m = run_mean[c];
            v = run_var[c];
        }
        float rs = (float)(1.0 / sqrt(v + eps));
        mean[c] = (float)m;
        rstd[c] = rs;
        for (int64_t r = 0; r < rows; r++)
            y[r * cols + c] = (x[r * cols + c] - (float)m) * rs * gamma[c] + beta[c];
    }
}

void se_batchnorm_backward(float *gx, float *ggamma, float *gbeta, const float *gy, const float *x, const float *mean,
                           const float *rstd, const float *gamma, int64_t rows, int64_t cols, int train)
{
    for (int64_t c = 0; c < cols; c++) {
        float m = mean[c], rs = rstd[c];
        double sg = 0.0, sgx = 0.0;
        for (int64_t r = 0; r < rows; r++) {
            float xhat = (x[r * cols + c] - m) * rs;
            float g = gy[r * cols + c];
            sg += g;
            sgx += g * xhat;
        }
        ggamma[c] += (float)sgx;
        gbeta[c] += (float)sg;
        if (!gx)
            continue;
        /* In evaluation the statistics are constants, so the layer is affine. */
        float mg = train ? (float)(sg / (double)rows) : 0.0f;
        float mgx = train ? (float)(sgx / (double)rows) : 0.0f;
        for (int64_t r = 0; r < rows; r++) {
            float xhat = (x[r * cols + c] - m) * rs;
            gx[r * cols + c] = gamma[c] * rs * (gy[r * cols + c] - mg - xhat * mgx);
        }
    }
}

/* ---------------------------------------------------------------- Dropout */

void se_dropout_forward(float *y, float *mask, const float *x, int64_t n, float p, se_rng *rng)
{
    float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    uint64_t s[4] = {rng->s[0], rng->s[1], rng->s[2], rng->s[3]}; /* se_rng_uniform, inlined */
    for (int64_t i = 0; i < n; i++) {
        double u = (double)(se_rng_step(s) >> 40) * 0x1.0p-24;
        mask[i] = u < p ? 0.0f : keep;
        y[i] = x[i] * mask[i];
    }
    for (int k = 0; k < 4; k++)
        rng->s[k] = s[k];
}

/* ---------------------------------------------------------------- regression losses */

double se_mse_loss(const float *x, const float *t, float *grad, int64_t n)
{
    double s = 0.0;
    float k = n > 0 ? 2.0f / (float)n : 0.0f;
    for (int64_t i = 0; i < n; i++) {
        float d = x[i] - t[i];
        s += (double)d * d;
        if (grad)
            grad[i] = k * d;
    }
    return n > 0 ? s / (double)n : 0.0;
}

double se_l1_loss(const float *x, const float *t, float *grad, int64_t n)
{
    double s = 0.0;
    float k = n > 0 ? 1.0f / (float)n : 0.0f;
    for (int64_t i = 0; i < n; i++) {
        float d = x[i] - t[i];
        s += fabsf(d);
        if (grad)
            grad[i] = d > 0.0f ? k : (d < 0.0f ? -k : 0.0f);
    }
    return n > 0 ? s / (double)n : 0.0;
}

double se_smooth_l1_loss(const float *x, const float *t, float *grad, int64_t n, float beta)
{
    double s = 0.0;
    float k = n > 0 ? 1.0f / (float)n : 0.0f;
    for (int64_t i = 0; i < n; i++) {
        float d = x[i] - t[i], a = fabsf(d);
        if (a < beta) {
            s += 0.5 * (double)d * d / beta;
            if (grad)
                grad[i] = k * d / beta;
        } else {
            s += a - 0.5 * beta;
            if (grad)
                grad[i] = d > 0.0f ? k : -k;
        }
    }
    return n > 0 ? s / (double)n : 0.0;
}

/* ---------------------------------------------------------------- cross entropy */

se_status se_cross_entropy(const float *logits, const int64_t *labels, const float *weight, float *grad, int64_t rows,
                           int64_t classes, double *loss)
{
    double wsum = 0.0, s = 0.0;
    for (int64_t r = 0; r < rows; r++) {
        if (labels[r] < 0 || labels[r] >= classes)
            return SE_EARG;
        wsum += weight ? weight[labels[r]] : 1.0;
    }
    if (rows > 0 && wsum <= 0.0)
        return SE_EARG;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = logits + r * classes;
        float mx = xr[0];
        for (int64_t c = 1; c < classes; c++)
            mx = xr[c] > mx ? xr[c] : mx;
        double z = 0.0;
        for (int64_t c = 0; c < classes; c++)
            z += exp((double)(xr[c] - mx));
        double lse = mx + log(z);
        double w = weight ? weight[labels[r]] : 1.0;
        s += w * (lse - xr[labels[r]]);
        if (grad) {
            float *gr = grad + r * classes;
            for (int64_t c = 0; c < classes; c++) {
                double p = exp((double)xr[c] - lse);
                gr[c] = (float)(w * (p - (c == labels[r] ? 1.0 : 0.0)) / wsum);
            }
        }
    }
    *loss = rows > 0 ? s / wsum : 0.0;
    return SE_OK;
}

/* ---------------------------------------------------------------- supervised contrastive */

int64_t se_supcon_work_size(int64_t rows, int64_t dim)
{
    int64_t sq, rd, n;
    if (rows < 0 || dim < 0 || __builtin_mul_overflow(rows, rows, &sq) || __builtin_mul_overflow(rows, dim, &rd) ||
        __builtin_add_overflow(sq, rd, &n) || __builtin_add_overflow(n, rows, &n) || n > SE_MAX_NUMEL)
        return -1;
    return n;
}

/* sum a[d] b[d] in double, in 8 lanes (d mod 8) added in a fixed order: independent chains
 * that the compiler can vectorise, unlike one running sum. */
static double dot8(const float *a, const float *b, int64_t n)
{
    double s[8] = {0};
    int64_t d = 0;
    for (; d + 8 <= n; d += 8)
        for (int l = 0; l < 8; l++)
            s[l] += (double)a[d + l] * b[d + l];
    double t = lanes8(s);
    for (; d < n; d++)
        t += (double)a[d] * b[d];
    return t;
}

/* Loss of anchor i (its row of sim, s_ij) and, in si, d l_i / d s_ij times k. npos > 0;
 * mx is the largest s_ij over the rows in the denominator. With lse the log-sum-exp over
 * the denominator's rows and p_ij = exp(s_ij - lse):
 *   L_out:    l_i = -1/|P| sum_P (s_ip - lse),  d/ds_ij = p_ij - [j in P] / |P|
 *   seed v2:  the same with row i itself in the denominator (s_ii = 1/tau is constant in z,
 *             so its own derivative is dropped) */
static double anchor_loss(float *si, const int64_t *labels, int64_t i, int64_t rows, int64_t npos, float mx,
                          int self_in_denominator, double k)
{
    double zsum = 0.0;
    for (int64_t j = 0; j < rows; j++)
        if (j != i || self_in_denominator)
            zsum += exp((double)si[j] - mx);
    double lse = mx + log(zsum), li = 0.0;
    for (int64_t j = 0; j < rows; j++)
        if (j != i && labels[j] == labels[i])
            li -= si[j] - lse;
    for (int64_t j = 0; j < rows; j++) {
        double pos = j != i && labels[j] == labels[i] ? 1.0 / (double)npos : 0.0;
        si[j] = j == i ? 0.0f : (float)(k * (exp((double)si[j] - lse) - pos));
    }
    return li / (double)npos;
}

/* The seed's ContrastiveEQLoss as its code computes it (core/neural_eq_morphing.py). Its
 * per-row ratio pos_i / all_i meets a broadcast: all_sim = rowsum - exp(sim) * I is an
 * n x n matrix, so the loss is the mean over all (i, j) of
 *     valid_j * -log( (pos_j + eps) / (all_ij + eps) ),
 *     all_ij = R_i - [i = j] exp(s_ii),  R_i = sum_a exp(s_ia),  pos_j = sum_{P(j)} exp(s_jp),
 * eps = 1e-8: each anchor with a positive pays -log pos_j, and every row's log-sum (its
 * own without itself) is charged once per such anchor. Returns scale * the loss and leaves
 * scale * d loss / d s_ij in sim (s_ii's own derivative dropped: it is constant in z).
 * Rows are shifted by their largest s_ia (self included) for exp; eps is shifted with them. */
static double seed_as_coded(float *sim, const int64_t *labels, int64_t n, int64_t anchors, double scale)
{
    const double eps = 1e-8, k = scale / ((double)n * (double)n);
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) {
        float *si = sim + i * n;
        float mx = -INFINITY;
        for (int64_t a = 0; a < n; a++)
            mx = si[a] > mx ? si[a] : mx;
        double all = 0.0, others = 0.0, pos = 0.0, e_eps = eps * exp(-(double)mx);
        int valid = 0;
        for (int64_t a = 0; a < n; a++) {
            double e = exp((double)si[a] - mx);
            all += e;
            if (a != i)
                others += e;
            if (a != i && labels[a] == labels[i])
                pos += e, valid = 1;
        }
        double rest = (double)(anchors - valid); /* anchors j != i: all_ij = R_i */
        total += rest * (mx + log(all + e_eps)) + valid * (mx + log(others + e_eps));
        if (valid)
            total -= (double)n * (mx + log(pos + e_eps));
        double c = rest / (all + e_eps) + valid / (others + e_eps);
        for (int64_t a = 0; a < n; a++) {
            double e = exp((double)si[a] - mx);
            double g = e * c - (valid && a != i && labels[a] == labels[i] ? (double)n * e / (pos + e_eps) : 0.0);
            si[a] = a == i ? 0.0f : (float)(k * g);
        }
    }
    return k * total;
}

se_status se_supcon_loss(const float *z, const int64_t *labels, float *grad, float *work, int64_t rows, int64_t dim,
                         float tau, float scale, se_contrastive_form form, double *loss)
{
    if (!(tau > 0.0f) || form < SE_CONTRASTIVE_SUPCON_OUT || form > SE_CONTRASTIVE_SEED_V2)
        return SE_EARG;
    float *sim = work;                /* [rows x rows]: s_ij, then d loss / d s_ij */
    float *norm = work + rows * rows; /* [rows]: |z_i| */
    float *zn = norm + rows;          /* [rows x dim]: z_i / |z_i| */
    for (int64_t i = 0; i < rows; i++) {
        double s = 0.0;
        for (int64_t d = 0; d < dim; d++)
            s += (double)z[i * dim + d] * z[i * dim + d];
        /* The epsilon keeps a zero vector finite (its gradient is then 0-ish, like F.normalize). */
        norm[i] = (float)fmax(sqrt(s), 1e-12);
        for (int64_t d = 0; d < dim; d++)
            zn[i * dim + d] = z[i * dim + d] / norm[i];
    }
    for (int64_t i = 0; i < rows; i++) {
        if (se_interrupt_pending()) /* rows x rows x dim in all: poll once per row */
            return SE_EINTR;
        /* s_ij = s_ji: the same products summed in the same order, computed once. */
        for (int64_t j = i; j < rows; j++)
            sim[i * rows + j] = sim[j * rows + i] = (float)(dot8(zn + i * dim, zn + j * dim, dim) / tau);
    }
    int64_t anchors = 0;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < rows; j++)
            if (j != i && labels[j] == labels[i]) {
                anchors++;
                break;
            }
    if (form == SE_CONTRASTIVE_SEED) {
        *loss = seed_as_coded(sim, labels, rows, anchors, scale);
    } else {
        /* L_out averages over anchors with a positive, the seed's v2 over every row of the
         * batch (a row without a positive adds 0). */
        int64_t over = form == SE_CONTRASTIVE_SUPCON_OUT ? anchors : rows;
        int self = form == SE_CONTRASTIVE_SEED_V2;
        double total = 0.0, k = over > 0 ? scale / (double)over : 0.0;
        for (int64_t i = 0; i < rows; i++) {
            float *si = sim + i * rows;
            int64_t npos = 0;
            float mx = -INFINITY;
            for (int64_t j = 0; j < rows; j++) {
                if (j != i)
                    npos += labels[j] == labels[i];
                if (j != i || self)
                    mx = si[j] > mx ? si[j] : mx;
            }
            if (npos == 0) {
                for (int64_t j = 0; j < rows; j++)
                    si[j] = 0.0f;
                continue;
            }
            total += anchor_loss(si, labels, i, rows, npos, mx, self, k);
        }
        *loss = anchors > 0 ? scale * total / (double)over : 0.0;
    }
    if (!grad)
        return SE_OK;
    /* s_ij = <zn_i, zn_j>/tau, so d/d zn_i = sum_j (G_ij + G_ji) zn_j / tau; then through the
     * normalisation: dz_i = (dzn_i - zn_i <zn_i, dzn_i>) / |z_i|. G + G^T is formed in place
     * and the sums over j are one matrix product. */
    if (se_interrupt_pending())
        return SE_EINTR;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = i; j < rows; j++)
            sim[i * rows + j] = sim[j * rows + i] = (sim[i * rows + j] + sim[j * rows + i]) / tau;
    se_gemm(rows, dim, rows, 1.0f, sim, rows, 1, zn, dim, SE_GEMM_B_ROWS, 0.0f, grad, dim, 1);
    for (int64_t i = 0; i < rows; i++) {
        float *gi = grad + i * dim;
        double dot = dot8(gi, zn + i * dim, dim);
        for (int64_t d = 0; d < dim; d++)
            gi[d] = (gi[d] - (float)dot * zn[i * dim + d]) / norm[i];
    }
    return SE_OK;
}

/* ---------------------------------------------------------------- Gaussian VAE */

double se_kl_normal(const float *mu, const float *logvar, float *gmu, float *glogvar, int64_t rows, int64_t dim,
                    float beta)
{
    double s = 0.0;
    int64_t n = rows * dim;
    float k = rows > 0 ? beta / (float)rows : 0.0f;
    for (int64_t i = 0; i < n; i++) {
        float ev = expf(logvar[i]);
        s += -0.5 * (1.0 + logvar[i] - (double)mu[i] * mu[i] - ev);
        if (gmu)
            gmu[i] = k * mu[i];
        if (glogvar)
            glogvar[i] = k * 0.5f * (ev - 1.0f);
    }
    return rows > 0 ? beta * s / (double)rows : 0.0;
}

void se_reparam_forward(float *z, float *eps, const float *mu, const float *logvar, int64_t n, se_rng *rng)
{
    for (int64_t i = 0; i < n; i++) {
        eps[i] = (float)se_rng_normal(rng);
        z[i] = mu[i] + expf(0.5f * logvar[i]) * eps[i];
    }
}

void se_reparam_backward(float *gmu, float *glogvar, const float *gz, const float *eps, const float *logvar, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        gmu[i] = gz[i];
        glogvar[i] = gz[i] * eps[i] * 0.5f * expf(0.5f * logvar[i]);
    }
}
