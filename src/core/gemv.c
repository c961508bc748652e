/* se_gemv (see gemv.h): four rows at a time for AVX-512 and AVX2, one for plain C. */
#include "gemv.h"

#include "simd.h"

enum { LANES = 16, ROWS = 4 };

/* The sum of a row's sixteen partial sums, in the one order every width uses. */
static float sum_lanes(float s[LANES])
{
    for (int half = LANES / 2; half >= 1; half /= 2)
        for (int l = 0; l < half; l++)
            s[l] += s[l + half];
    return s[0];
}

static void store(float *y, float dot, bool accumulate) { *y = accumulate ? *y + dot : dot; }

static void gemv_c(int64_t out, int64_t in, const float *w, const float *x, bool accumulate, float *y)
{
    for (int64_t i = 0; i < out; i++) {
        float s[LANES] = {0};
        const float *row = w + i * in;
        for (int64_t j = 0; j < in; j++)
            s[j % LANES] += row[j] * x[j];
        store(y + i, sum_lanes(s), accumulate);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2,fma")))
/* The sum of lanes 0-7 after the first step of sum_lanes (lane l holds s[l] + s[l + 8]),
 * in sum_lanes' order, without leaving the registers. */
__attribute__((target("avx"))) static inline float sum_eight(__m256 t)
{
    __m128 four = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
    __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));
    return _mm_cvtss_f32(_mm_add_ss(two, _mm_shuffle_ps(two, two, 1)));
}

AVX512 static inline float sum_sixteen(__m512 v)
{
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return sum_eight(_mm256_add_ps(_mm512_castps512_ps256(v), hi));
}

/* The mask of the columns left in the last step of sixteen (all sixteen before it). */
static inline unsigned columns_left(int64_t left) { return left >= LANES ? 0xFFFFu : (1u << left) - 1; }

/* Four rows of W from w (rows in apart), their dot products with x stored into y. The
 * accumulators are named, not an array: GCC at -O2 kept an array of them in memory. */
AVX512 static void four_rows_avx512(int64_t in, const float *w, const float *x, bool accumulate, float *y)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    const float *w0 = w, *w1 = w + in, *w2 = w + 2 * in, *w3 = w + 3 * in;
/* One step of sixteen columns from j; the columns past keep's are read as zeros. */
#define FOUR_ROWS_STEP(keep)                                                                                           \
    do {                                                                                                               \
        __m512 xv = _mm512_maskz_loadu_ps(keep, x + j);                                                                \
        a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(keep, w0 + j), xv, a0);                                             \
        a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(keep, w1 + j), xv, a1);                                             \
        a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(keep, w2 + j), xv, a2);                                             \
        a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(keep, w3 + j), xv, a3);                                             \
    } while (0)
    int64_t j = 0;
    for (; j + LANES <= in; j += LANES)
        FOUR_ROWS_STEP((__mmask16)0xFFFF);
    if (j < in)
        FOUR_ROWS_STEP((__mmask16)columns_left(in - j));
#undef FOUR_ROWS_STEP
    store(y, sum_sixteen(a0), accumulate);
    store(y + 1, sum_sixteen(a1), accumulate);
    store(y + 2, sum_sixteen(a2), accumulate);
    store(y + 3, sum_sixteen(a3), accumulate);
}

AVX512 static void one_row_avx512(int64_t in, const float *w, const float *x, bool accumulate, float *y)
{
    __m512 a = _mm512_setzero_ps();
    for (int64_t j = 0; j < in; j += LANES) {
        __mmask16 keep = (__mmask16)columns_left(in - j);
        a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(keep, w + j), _mm512_maskz_loadu_ps(keep, x + j), a);
    }
    store(y, sum_sixteen(a), accumulate);
}

/* The lanes of columns_left as two AVX masks (lanes 0-7, 8-15). */
AVX2 static inline void keep_avx2(int64_t left, __m256i *lo, __m256i *hi)
{
    __m256i ramp = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int n = left >= LANES ? LANES : (int)left;
    *lo = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), ramp);
    *hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - 8), ramp);
}

/* The same sums as four_rows_avx512: lanes 0-7 and 8-15 of each row in two registers. */
AVX2 static void four_rows_avx2(int64_t in, const float *w, const float *x, bool accumulate, float *y)
{
    __m256 l0 = _mm256_setzero_ps(), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
    const float *w0 = w, *w1 = w + in, *w2 = w + 2 * in, *w3 = w + 3 * in;
/* One step of sixteen columns from j, read by load(pointer, mask of the lanes kept). */
#define FOUR_ROWS_STEP(load)                                                                                           \
    do {                                                                                                               \
        __m256 xl = load(x + j, lo), xh = load(x + j + 8, hi);                                                         \
        l0 = _mm256_fmadd_ps(load(w0 + j, lo), xl, l0);                                                                \
        h0 = _mm256_fmadd_ps(load(w0 + j + 8, hi), xh, h0);                                                            \
        l1 = _mm256_fmadd_ps(load(w1 + j, lo), xl, l1);                                                                \
        h1 = _mm256_fmadd_ps(load(w1 + j + 8, hi), xh, h1);                                                            \
        l2 = _mm256_fmadd_ps(load(w2 + j, lo), xl, l2);                                                                \
        h2 = _mm256_fmadd_ps(load(w2 + j + 8, hi), xh, h2);                                                            \
        l3 = _mm256_fmadd_ps(load(w3 + j, lo), xl, l3);                                                                \
        h3 = _mm256_fmadd_ps(load(w3 + j + 8, hi), xh, h3);                                                            \
    } while (0)
#define LOAD_ALL(p, keep) _mm256_loadu_ps(p)
    int64_t j = 0;
    __m256i lo, hi;
    for (; j + LANES <= in; j += LANES)
        FOUR_ROWS_STEP(LOAD_ALL);
    if (j < in) {
        keep_avx2(in - j, &lo, &hi);
        FOUR_ROWS_STEP(_mm256_maskload_ps);
    }
#undef LOAD_ALL
#undef FOUR_ROWS_STEP
    store(y, sum_eight(_mm256_add_ps(l0, h0)), accumulate);
    store(y + 1, sum_eight(_mm256_add_ps(l1, h1)), accumulate);
    store(y + 2, sum_eight(_mm256_add_ps(l2, h2)), accumulate);
    store(y + 3, sum_eight(_mm256_add_ps(l3, h3)), accumulate);
}

AVX2 static void one_row_avx2(int64_t in, const float *w, const float *x, bool accumulate, float *y)
{
    __m256 l = _mm256_setzero_ps(), h = l;
    for (int64_t j = 0; j < in; j += LANES) {
        __m256i lo, hi;
        keep_avx2(in - j, &lo, &hi);
        l = _mm256_fmadd_ps(_mm256_maskload_ps(w + j, lo), _mm256_maskload_ps(x + j, lo), l);
        h = _mm256_fmadd_ps(_mm256_maskload_ps(w + j + 8, hi), _mm256_maskload_ps(x + j + 8, hi), h);
    }
    store(y, sum_eight(_mm256_add_ps(l, h)), accumulate);
}

/* W's rows four at a time, then one at a time. */
#define ROW_BLOCKS(four, one)                                                                                          \
    int64_t i = 0;                                                                                                     \
    for (; i + ROWS <= out; i += ROWS)                                                                                 \
        four(in, w + i * in, x, accumulate, y + i);                                                                    \
    for (; i < out; i++)                                                                                               \
        one(in, w + i * in, x, accumulate, y + i);

AVX512 static void gemv_avx512(int64_t out, int64_t in, const float *w, const float *x, bool accumulate,
                               float *y){ROW_BLOCKS(four_rows_avx512, one_row_avx512)}

AVX2 static void gemv_avx2(int64_t out, int64_t in, const float *w, const float *x, bool accumulate, float *y)
{
    ROW_BLOCKS(four_rows_avx2, one_row_avx2)
}
#endif

void se_gemv(int64_t out, int64_t in, const float *w, const float *x, bool accumulate, float *y)
{
#if defined(__x86_64__) && defined(__GNUC__)
    se_simd level = se_simd_level();
    if (level == SE_SIMD_AVX512) {
        gemv_avx512(out, in, w, x, accumulate, y);
        return;
    }
    if (level == SE_SIMD_AVX2) {
        gemv_avx2(out, in, w, x, accumulate, y);
        return;
    }
#endif
    gemv_c(out, in, w, x, accumulate, y);
}
