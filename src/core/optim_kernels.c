#include "optim_kernels.h"

#include <math.h>

void se_sgd_step(float *p, const float *g, float *buf, int64_t n, const se_sgd_config *c, bool first)
{
    for (int64_t i = 0; i < n; i++) {
        float d = g[i] + c->weight_decay * p[i];
        if (c->momentum != 0.0f) {
            buf[i] = first ? d : c->momentum * buf[i] + (1.0f - c->dampening) * d;
            d = c->nesterov ? d + c->momentum * buf[i] : buf[i];
        }
        p[i] -= c->lr * d;
    }
}

/* Adam is the one optimiser loop that shows in profiles (sqrt and a division per weight, on
 * 0.5M weights per step), and at -O2 GCC keeps it scalar because sqrtf may set errno. On x86-64
 * an AVX2 version is chosen at run time; it computes the same formula in the same order, so
 * results differ from the scalar loop only by sqrt/division rounding (both correctly rounded
 * in IEEE: in practice bitwise identical). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SE_HAVE_AVX2_ADAM 1
__attribute__((target("avx2"))) static int64_t adam_avx2(float *p, const float *g, float *m, float *v, int64_t n,
                                                         const se_adam_config *c, float step_size, float rbc2)
{
    const __m256 b1 = _mm256_set1_ps(c->beta1), b2 = _mm256_set1_ps(c->beta2);
    const __m256 ob1 = _mm256_set1_ps(1.0f - c->beta1), ob2 = _mm256_set1_ps(1.0f - c->beta2);
    const __m256 ss = _mm256_set1_ps(step_size), rb = _mm256_set1_ps(rbc2), eps = _mm256_set1_ps(c->eps);
    const __m256 wd = _mm256_set1_ps(c->weight_decay), lrwd = _mm256_set1_ps(c->lr * c->weight_decay);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 pi = _mm256_loadu_ps(p + i), gi = _mm256_loadu_ps(g + i);
        if (c->decoupled)
            pi = _mm256_sub_ps(pi, _mm256_mul_ps(lrwd, pi));
        else
            gi = _mm256_add_ps(gi, _mm256_mul_ps(wd, pi));
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(ob1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(ob2, gi), gi));
        __m256 den = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(vi), rb), eps);
        pi = _mm256_sub_ps(pi, _mm256_div_ps(_mm256_mul_ps(ss, mi), den));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(p + i, pi);
    }
    return i;
}
#endif

/* Moments of weights whose gradients stay tiny decay into the subnormal range (v ~ g^2 by
 * 0.999 per step), where x86 arithmetic is many times slower: late in a run Adam took 4x its
 * early time. The step runs with subnormals flushed to zero (MXCSR FTZ and DAZ, restored
 * after): a moment below 1.2e-38 counts as 0, which moves no weight by more than eps allows. */
#if defined(__x86_64__) && defined(__GNUC__)
#define FLUSH_BEGIN                                                                                                    \
    unsigned csr_saved = _mm_getcsr();                                                                                 \
    _mm_setcsr(csr_saved | 0x8040u);
#define FLUSH_END _mm_setcsr(csr_saved);
#else
#define FLUSH_BEGIN
#define FLUSH_END
#endif

void se_adam_step(float *p, const float *g, float *m, float *v, int64_t n, const se_adam_config *c, int64_t step)
{
    FLUSH_BEGIN
    /* Bias corrections folded into the step size as in PyTorch's non-fused Adam. */
    double bc1 = 1.0 - pow(c->beta1, (double)step);
    double bc2 = 1.0 - pow(c->beta2, (double)step);
    float step_size = (float)(c->lr / bc1);
    float rbc2 = (float)(1.0 / sqrt(bc2));
    float wd = c->weight_decay;
    int64_t i = 0;
#ifdef SE_HAVE_AVX2_ADAM
    if (__builtin_cpu_supports("avx2"))
        i = adam_avx2(p, g, m, v, n, c, step_size, rbc2);
#endif
    for (; i < n; i++) {
        float gi = g[i];
        if (c->decoupled)
            p[i] -= c->lr * wd * p[i];
        else
            gi += wd * p[i];
        m[i] = c->beta1 * m[i] + (1.0f - c->beta1) * gi;
        v[i] = c->beta2 * v[i] + (1.0f - c->beta2) * gi * gi;
        p[i] -= step_size * m[i] / (sqrtf(v[i]) * rbc2 + c->eps);
    }
    FLUSH_END
}

double se_l2norm(const float *g, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    return sqrt(s);
}

void se_scale(float *g, int64_t n, float s)
{
    for (int64_t i = 0; i < n; i++)
        g[i] *= s;
}
