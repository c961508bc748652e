/* se_gemm: register-blocked matrix product for small shapes (see gemm.h).
 *
 * The loop nest: k in passes of SE_GEMM_KC; in each, n in panels of NR columns (a transposed
 * B panel is copied to the stack so that its rows are contiguous); in each panel, m in tiles
 * of up to MR rows. A tile keeps its MR x NR sums in registers for the whole pass: per k it
 * loads one row of the B panel (NR / lanes vectors) and broadcasts MR elements of A, each
 * broadcast feeding NR / lanes fused multiply-adds. A is read where it is, along its rows
 * (acs == 1) or its columns (ars == 1); any other A is copied per tile. */
#include "gemm.h"

#include <stdalign.h>

#include "simd.h"

#define MR_MAX 12  /* rows of the largest tile (AVX-512); the copy of a strided A uses it */
#define NR_MAX 32  /* columns of a panel, the widest kernel's (2 x 16 lanes) */

typedef struct tile {
    int64_t kc;                       /* terms of this pass */
    const float *a;                   /* A(i0, p0) */
    int64_t ars, acs;
    const float *b;                   /* B(p0, j0), rows contiguous */
    int64_t ldb;
    float *c;                         /* C(i0, j0) */
    int64_t crs, ccs;
    float alpha, beta;
    int nj;                           /* valid columns of the panel (1..NR) */
} tile;

/* Writes one tile's sums: C = beta C + alpha sum, element by element (C not read when beta
 * is 0). The vector stores below compute the same two roundings in the same order. */
static void store_scalar(const tile *t, int mr, const float *sums, int ld)
{
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < t->nj; j++) {
            float *cp = t->c + r * t->crs + j * t->ccs;
            float v = t->alpha * sums[r * ld + j];
            *cp = t->beta == 0.0f ? v : t->beta * *cp + v;
        }
}

/* ---------------------------------------------------------------- portable C */

static void tile_c(const tile *t, int mr)
{
    float sums[MR_MAX * NR_MAX];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < t->nj; j++) {
            float s = 0.0f;
            for (int64_t p = 0; p < t->kc; p++)
                s += t->a[r * t->ars + p * t->acs] * t->b[p * t->ldb + j];
            sums[r * NR_MAX + j] = s;
        }
    store_scalar(t, mr, sums, NR_MAX);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SE_GEMM_X86 1

/* ---------------------------------------------------------------- AVX-512: 12 x 32 */

#define AVX512 __attribute__((target("avx512f"), always_inline)) static inline

AVX512 float a_elem(const tile *t, const int arow, int r, int64_t p)
{
    return arow ? t->a[r * t->ars + p] : t->a[p * t->acs + r];
}

/* mr rows by nv vectors of 16 columns; arow: A read along its rows (acs == 1) or columns. */
AVX512 void tile512(const tile *t, const int mr, const int nv, const int arow)
{
    __m512 acc[MR_MAX][2];
#pragma GCC unroll 12
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 12
        for (int v = 0; v < nv; v++)
            acc[r][v] = _mm512_setzero_ps();
    int rest = t->nj - 16 * (nv - 1);
    __mmask16 m0 = nv == 1 ? (__mmask16)((1u << rest) - 1u) : (__mmask16)0xFFFF;
    __mmask16 m1 = nv == 2 ? (__mmask16)((1u << rest) - 1u) : 0;
    const float *bk = t->b;
    for (int64_t p = 0; p < t->kc; p++, bk += t->ldb) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, bk);
        __m512 b1 = nv == 2 ? _mm512_maskz_loadu_ps(m1, bk + 16) : b0;
#pragma GCC unroll 12
        for (int r = 0; r < mr; r++) {
            __m512 ar = _mm512_set1_ps(a_elem(t, arow, r, p));
            acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
            if (nv == 2)
                acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    if (t->ccs != 1) {
        alignas(64) float sums[MR_MAX * NR_MAX];
#pragma GCC unroll 12
        for (int r = 0; r < mr; r++)
#pragma GCC unroll 12
            for (int v = 0; v < nv; v++)
                _mm512_store_ps(sums + r * NR_MAX + 16 * v, acc[r][v]);
        store_scalar(t, mr, sums, NR_MAX);
        return;
    }
    const __m512 alpha = _mm512_set1_ps(t->alpha), beta = _mm512_set1_ps(t->beta);
#pragma GCC unroll 12
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 12
        for (int v = 0; v < nv; v++) {
            __mmask16 mv = v == 0 ? m0 : m1;
            float *cp = t->c + r * t->crs + 16 * v;
            __m512 x = _mm512_mul_ps(alpha, acc[r][v]);
            if (t->beta != 0.0f)
                x = _mm512_add_ps(_mm512_mul_ps(beta, _mm512_maskz_loadu_ps(mv, cp)), x);
            _mm512_mask_storeu_ps(cp, mv, x);
        }
}

__attribute__((target("avx512f"))) static void run512(const tile *t, int mr)
{
    int two = t->nj > 16, arow = t->acs == 1;
#define CASE(R)                                                                      \
    case R:                                                                          \
        if (two) { if (arow) tile512(t, R, 2, 1); else tile512(t, R, 2, 0); }        \
        else { if (arow) tile512(t, R, 1, 1); else tile512(t, R, 1, 0); }            \
        break;
    switch (mr) { CASE(12) CASE(8) CASE(4) CASE(2) CASE(1) default: break; }
#undef CASE
}

/* ---------------------------------------------------------------- AVX2 + FMA: 6 x 16 */

#define AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline

AVX2 float a_elem2(const tile *t, const int arow, int r, int64_t p)
{
    return arow ? t->a[r * t->ars + p] : t->a[p * t->acs + r];
}

/* Lanes j < rest of a load mask (maskload reads the sign bit of each 32-bit lane). */
AVX2 __m256i lanes(int rest)
{
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), idx);
}

AVX2 void tile256(const tile *t, const int mr, const int nv, const int arow)
{
    __m256 acc[6][2];
#pragma GCC unroll 12
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 12
        for (int v = 0; v < nv; v++)
            acc[r][v] = _mm256_setzero_ps();
    int rest = t->nj - 8 * (nv - 1);
    __m256i m0 = nv == 1 ? lanes(rest) : lanes(8), m1 = nv == 2 ? lanes(rest) : lanes(0);
    const float *bk = t->b;
    for (int64_t p = 0; p < t->kc; p++, bk += t->ldb) {
        __m256 b0 = _mm256_maskload_ps(bk, m0);
        __m256 b1 = nv == 2 ? _mm256_maskload_ps(bk + 8, m1) : b0;
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) {
            __m256 ar = _mm256_set1_ps(a_elem2(t, arow, r, p));
            acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
            if (nv == 2)
                acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    if (t->ccs != 1) {
        alignas(32) float sums[MR_MAX * NR_MAX];
#pragma GCC unroll 12
        for (int r = 0; r < mr; r++)
#pragma GCC unroll 12
            for (int v = 0; v < nv; v++)
                _mm256_store_ps(sums + r * NR_MAX + 8 * v, acc[r][v]);
        store_scalar(t, mr, sums, NR_MAX);
        return;
    }
    const __m256 alpha = _mm256_set1_ps(t->alpha), beta = _mm256_set1_ps(t->beta);
#pragma GCC unroll 12
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 12
        for (int v = 0; v < nv; v++) {
            __m256i mv = v == 0 ? m0 : m1;
            float *cp = t->c + r * t->crs + 8 * v;
            __m256 x = _mm256_mul_ps(alpha, acc[r][v]);
            if (t->beta != 0.0f)
                x = _mm256_add_ps(_mm256_mul_ps(beta, _mm256_maskload_ps(cp, mv)), x);
            _mm256_maskstore_ps(cp, mv, x);
        }
}

__attribute__((target("avx2,fma"))) static void run256(const tile *t, int mr)
{
    int two = t->nj > 8, arow = t->acs == 1;
#define CASE(R)                                                                      \
    case R:                                                                          \
        if (two) { if (arow) tile256(t, R, 2, 1); else tile256(t, R, 2, 0); }        \
        else { if (arow) tile256(t, R, 1, 1); else tile256(t, R, 1, 0); }            \
        break;
    switch (mr) { CASE(6) CASE(4) CASE(2) CASE(1) default: break; }
#undef CASE
}
#endif

/* ---------------------------------------------------------------- the driver */

typedef struct kernel {
    const char *name;
    int nr;                              /* columns of a panel */
    int sizes[5];                        /* the tile heights `run` has, largest first */
    void (*run)(const tile *, int mr);
} kernel;

static const kernel KERNEL_C = {"c", 16, {4, 3, 2, 1, 1}, tile_c};
#ifdef SE_GEMM_X86
static const kernel KERNEL_512 = {"avx512", 32, {12, 8, 4, 2, 1}, run512};
static const kernel KERNEL_256 = {"avx2", 16, {6, 4, 2, 1, 1}, run256};
#endif

static const kernel *choose(void)
{
#ifdef SE_GEMM_X86
    se_simd level = se_simd_level();
    if (level == SE_SIMD_AVX512)
        return &KERNEL_512;
    if (level == SE_SIMD_AVX2)
        return &KERNEL_256;
#endif
    return &KERNEL_C;
}

/* Rows of the next tile: the tallest tile the kernel has that fits in the rows left. */
static int next_rows(const kernel *kn, int64_t left)
{
    for (int i = 0; i < 5; i++)
        if (left >= kn->sizes[i])
            return kn->sizes[i];
    return 1;
}

/* The tiles of one panel: every row of C in this pass and columns j0 .. j0 + nj. An A that is
 * read neither along its rows nor its columns is copied per tile into column order. */
static void panel(const kernel *kn, tile t, int64_t m)
{
    alignas(64) float acopy[SE_GEMM_KC * MR_MAX];
    const float *a = t.a;
    int64_t ars = t.ars, acs = t.acs;
    for (int64_t i0 = 0; i0 < m;) {
        int mr = next_rows(kn, m - i0);
        t.a = a + i0 * ars;
        if (acs != 1 && ars != 1) {
            for (int64_t p = 0; p < t.kc; p++)
                for (int r = 0; r < mr; r++)
                    acopy[p * mr + r] = t.a[r * ars + p * acs];
            t.a = acopy;
            t.ars = 1;
            t.acs = mr;
        }
        kn->run(&t, mr);
        t.ars = ars;
        t.acs = acs;
        t.c += mr * t.crs;
        i0 += mr;
    }
}

void se_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t ars, int64_t acs,
             const float *b, int64_t ldb, se_gemm_b blayout, float beta, float *c, int64_t crs, int64_t ccs)
{
    if (m <= 0 || n <= 0)
        return;
    const kernel *kn = choose();
    alignas(64) float bcopy[SE_GEMM_KC * NR_MAX];
    int64_t p0 = 0;
    do {
        int64_t kc = k - p0 < SE_GEMM_KC ? k - p0 : SE_GEMM_KC;
        for (int64_t j0 = 0; j0 < n; j0 += kn->nr) {
            int nj = (int)(n - j0 < kn->nr ? n - j0 : kn->nr);
            tile t = {.kc = kc, .a = a + p0 * acs, .ars = ars, .acs = acs, .ldb = ldb,
                      .c = c + j0 * ccs, .crs = crs, .ccs = ccs, .alpha = alpha,
                      .beta = p0 == 0 ? beta : 1.0f, .nj = nj};
            if (blayout == SE_GEMM_B_ROWS) {
                t.b = b + p0 * ldb + j0;
            } else {
                /* B(p, j) = b[j * ldb + p]: this panel's rows made contiguous. */
                for (int j = 0; j < nj; j++) {
                    const float *col = b + (j0 + j) * ldb + p0;
                    for (int64_t p = 0; p < kc; p++)
                        bcopy[p * NR_MAX + j] = col[p];
                }
                t.b = bcopy;
                t.ldb = NR_MAX;
            }
            panel(kn, t, m);
        }
        p0 += kc;
    } while (p0 < k);
}
