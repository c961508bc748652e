/* The silhouette (see metrics.h): pairwise distances in register-blocked float32 tiles with the
 * per-cluster sums fused in, each pair of points computed once, rows split between threads.
 *
 * The points are first ordered by cluster (a counting sort), so that the distances from a
 * point to one cluster are a contiguous run of a row of the distance matrix: the sums a(i)
 * and b(i) need are sums of runs, with no scatter by label. Rows are taken MR at a time; for
 * a block of rows the distance matrix is made CH columns at a time into a tile that stays in
 * L1, and every run of the tile is added (in double) to its row's sum for that cluster. No
 * n x n matrix exists.
 *
 * Each pair is computed once (the symmetric scheme): a block of rows starting at i0 makes
 * the tiles of columns i0 .. n - 1 only. Besides its own rows' sums, the tile gives every
 * later column j its distance to the block's rows, which is added (in double) to `later`
 * [cluster of the row][j]: the sum row j needs for that cluster from the columns before
 * its block. A row's score is then its own sums plus the later halves, added once all
 * blocks are done. That needs sums of every row by every cluster ([n x k] doubles, and as
 * much again spread over the shares); with many clusters for the size (past
 * SYMMETRIC_BYTES) rows are computed whole instead, each block against every column, at
 * twice the arithmetic.
 *
 * Precision. Euclidean distances are sqrt(sum_k (x_k - y_k)^2) in float32, formed from the
 * differences, so there is no cancellation (|x|^2 + |y|^2 - 2 x.y loses the digits of small
 * distances between far-out points); each is within a few float32 ulps, and the sums, means
 * and scores are in double: the score agrees with scikit-learn's float64 one to ~1e-7.
 * Cosine distances are scikit-learn's 1 - x.y / (|x| |y|) (clipped to [0, 2], a zero row at
 * distance 1 from every other row), computed as |x/|x| - y/|y||^2 / 2 in double: the same
 * number without the cancellation of 1 - cos for close directions, where float32 would keep
 * only a few digits (this path is plain C, slower than the Euclidean one).
 *
 * Reproducibility: the symmetric scheme splits the rows into SHARES shares of equal work
 * whatever the thread count (a thread takes every T-th share), each share adds its later
 * halves into its own buffer, and the halves are added to a row's sums in share order;
 * computed whole, a row's sums do not depend on which thread computes it. The scores are
 * added in one fixed order, so the result is the same bits for every thread count. */
#include "metrics.h"

#include <math.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "jobs.h"
#include "simd.h"

#define MR 8     /* rows of a block: the widest kernel's tile height */
#define CH 512   /* columns of a distance tile: MR x CH floats = 16 KB */
#define PAD 32   /* the transposed points are padded to a multiple of the widest tile */
#define SHARES 8 /* the symmetric scheme's fixed split of the rows (so: at most 8 threads) */
/* The symmetric scheme's sums ([n x k] of each row, and the shares' later halves) up to this
 * size; past it (many clusters) rows are computed whole, with no n x k matrix. */
#define SYMMETRIC_BYTES ((double)(64 << 20))

/* What every thread reads: the points ordered by cluster, row-major and transposed. */
typedef struct sil_data {
    const float *Y;         /* [n x d], ordered by cluster (unit rows for cosine) */
    const float *YT;        /* [d x npad], zero beyond n */
    const double *Yd, *YTd; /* cosine: the unit rows in double, the same two layouts */
    const bool *zero;       /* cosine: [n], rows that are zero (at distance 1 from all others) */
    int64_t n, npad, d;
    int k;
    const int64_t *start; /* [k + 1]: cluster c is Y rows start[c] .. start[c + 1] - 1 */
    bool cosine;
    double *score; /* [n]: s(i) of ordered row i */
} sil_data;

/* D[r][j] for r < MR, j < CH: the Euclidean distance between x row r and YT column j0 + j
 * (nj columns, a multiple of PAD). x is MR rows of d floats. */
typedef void (*tile_fn)(const float *x, const sil_data *s, int64_t j0, int64_t nj, float *D);

static void tile_c(const float *x, const sil_data *s, int64_t j0, int64_t nj, float *D)
{
    for (int r = 0; r < MR; r++)
        for (int64_t j = 0; j < nj; j++) {
            float acc = 0.0f;
            for (int64_t p = 0; p < s->d; p++) {
                float diff = x[r * s->d + p] - s->YT[p * s->npad + j0 + j];
                acc += diff * diff;
            }
            D[r * CH + j] = sqrtf(acc);
        }
}

/* The cosine tile of ordered rows i0 .. i0 + mr - 1 (see the header), in double. */
static void tile_cosine(int64_t i0, int mr, const sil_data *s, int64_t j0, int64_t nj, float *D)
{
    double acc[CH];
    for (int r = 0; r < mr; r++) {
        const double *x = s->Yd + (i0 + r) * s->d;
        for (int64_t j = 0; j < nj; j++)
            acc[j] = 0.0;
        for (int64_t p = 0; p < s->d; p++) {
            const double *y = s->YTd + p * s->npad + j0;
            for (int64_t j = 0; j < nj; j++)
                acc[j] += (x[p] - y[j]) * (x[p] - y[j]);
        }
        for (int64_t j = 0; j < nj && j0 + j < s->n; j++) {
            double v = s->zero[i0 + r] || s->zero[j0 + j] ? 1.0 : 0.5 * acc[j];
            D[r * CH + j] = (float)(v > 2.0 ? 2.0 : v);
        }
    }
}

/* Sum of p[0 .. len) in double, in a fixed order. */
static double run_sum_c(const float *p, int64_t len)
{
    double sum = 0.0;
    for (int64_t j = 0; j < len; j++)
        sum += p[j];
    return sum;
}

/* dst[j] += tile rows 0 .. rows - 1 at column j, in that order (rows CH apart), for j < len:
 * the symmetric half of a tile (add_later). One body, compiled for each vector width. */
typedef void (*add_columns_fn)(double *dst, const float *D, int rows, int64_t len);

static inline __attribute__((always_inline)) void add_columns_with(double *dst, const float *D, int rows, int64_t len)
{
    for (int64_t j = 0; j < len; j++) {
        double acc = dst[j];
        for (int r = 0; r < rows; r++)
            acc += D[r * CH + j];
        dst[j] = acc;
    }
}

static void add_columns_c(double *dst, const float *D, int rows, int64_t len) { add_columns_with(dst, D, rows, len); }

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SIL_X86 1

/* Four vectors of columns at once: each column's sum is a chain of `rows` additions. */
__attribute__((target("avx512f"))) static void add_columns_avx512(double *dst, const float *D, int rows, int64_t len)
{
    int64_t j = 0;
    for (; j + 32 <= len; j += 32) {
        __m512d acc[4];
        for (int v = 0; v < 4; v++)
            acc[v] = _mm512_loadu_pd(dst + j + 8 * v);
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < 4; v++)
                acc[v] = _mm512_add_pd(acc[v], _mm512_cvtps_pd(_mm256_loadu_ps(D + r * CH + j + 8 * v)));
        for (int v = 0; v < 4; v++)
            _mm512_storeu_pd(dst + j + 8 * v, acc[v]);
    }
    add_columns_with(dst + j, D + j, rows, len - j);
}

__attribute__((target("avx2"))) static void add_columns_avx2(double *dst, const float *D, int rows, int64_t len)
{
    int64_t j = 0;
    for (; j + 16 <= len; j += 16) {
        __m256d acc[4];
        for (int v = 0; v < 4; v++)
            acc[v] = _mm256_loadu_pd(dst + j + 4 * v);
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < 4; v++)
                acc[v] = _mm256_add_pd(acc[v], _mm256_cvtps_pd(_mm_loadu_ps(D + r * CH + j + 4 * v)));
        for (int v = 0; v < 4; v++)
            _mm256_storeu_pd(dst + j + 4 * v, acc[v]);
    }
    add_columns_with(dst + j, D + j, rows, len - j);
}

/* MR rows x 32 columns per step: 16 accumulators, each broadcast feeding two. */
__attribute__((target("avx512f"))) static void tile_avx512(const float *x, const sil_data *s, int64_t j0, int64_t nj,
                                                           float *D)
{
    const __m512 zero = _mm512_setzero_ps();
    for (int64_t j = 0; j < nj; j += 32) {
        __m512 acc[MR][2];
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++)
            acc[r][0] = acc[r][1] = zero;
        const float *yt = s->YT + j0 + j;
        for (int64_t p = 0; p < s->d; p++, yt += s->npad) {
            __m512 y0 = _mm512_loadu_ps(yt), y1 = _mm512_loadu_ps(yt + 16);
#pragma GCC unroll 8
            for (int r = 0; r < MR; r++) {
                __m512 b = _mm512_set1_ps(x[r * s->d + p]);
                __m512 d0 = _mm512_sub_ps(b, y0), d1 = _mm512_sub_ps(b, y1);
                acc[r][0] = _mm512_fmadd_ps(d0, d0, acc[r][0]);
                acc[r][1] = _mm512_fmadd_ps(d1, d1, acc[r][1]);
            }
        }
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 2
            for (int v = 0; v < 2; v++)
                _mm512_storeu_ps(D + r * CH + j + 16 * v, _mm512_sqrt_ps(acc[r][v]));
    }
}

__attribute__((target("avx512f"))) static double run_sum_avx512(const float *p, int64_t len)
{
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    int64_t j = 0;
    for (; j + 16 <= len; j += 16) {
        __m512 v = _mm512_loadu_ps(p + j);
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
        s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_loadu_ps(p + j + 8)));
    }
    alignas(64) double lanes[8];
    _mm512_store_pd(lanes, _mm512_add_pd(s0, s1));
    double sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (; j < len; j++)
        sum += p[j];
    return sum;
}

/* AVX2: 4 of the MR rows at a time x 16 columns (8 accumulators of 16 registers). */
__attribute__((target("avx2,fma"))) static void tile_avx2(const float *x, const sil_data *s, int64_t j0, int64_t nj,
                                                          float *D)
{
    const __m256 zero = _mm256_setzero_ps();
    for (int half = 0; half < MR; half += 4)
        for (int64_t j = 0; j < nj; j += 16) {
            __m256 acc[4][2];
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++)
                acc[r][0] = acc[r][1] = zero;
            const float *yt = s->YT + j0 + j, *xr = x + half * s->d;
            for (int64_t p = 0; p < s->d; p++, yt += s->npad) {
                __m256 y0 = _mm256_loadu_ps(yt), y1 = _mm256_loadu_ps(yt + 8);
#pragma GCC unroll 4
                for (int r = 0; r < 4; r++) {
                    __m256 b = _mm256_set1_ps(xr[r * s->d + p]);
                    __m256 d0 = _mm256_sub_ps(b, y0), d1 = _mm256_sub_ps(b, y1);
                    acc[r][0] = _mm256_fmadd_ps(d0, d0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(d1, d1, acc[r][1]);
                }
            }
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++)
#pragma GCC unroll 2
                for (int v = 0; v < 2; v++)
                    _mm256_storeu_ps(D + (half + r) * CH + j + 8 * v, _mm256_sqrt_ps(acc[r][v]));
        }
}

/* The same lanes and order as run_sum_avx512, so both kernels give the same sums. */
__attribute__((target("avx2"))) static double run_sum_avx2(const float *p, int64_t len)
{
    __m256d s[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    int64_t j = 0;
    for (; j + 16 <= len; j += 16)
        for (int q = 0; q < 4; q++)
            s[q] = _mm256_add_pd(s[q], _mm256_cvtps_pd(_mm_loadu_ps(p + j + 4 * q)));
    alignas(32) double lanes[8];
    _mm256_store_pd(lanes, _mm256_add_pd(s[0], s[2]));
    _mm256_store_pd(lanes + 4, _mm256_add_pd(s[1], s[3]));
    double sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (; j < len; j++)
        sum += p[j];
    return sum;
}
#endif

typedef struct sil_kernel {
    tile_fn tile;
    double (*run_sum)(const float *, int64_t);
    add_columns_fn add_columns;
} sil_kernel;

static sil_kernel choose(void)
{
#ifdef SIL_X86
    se_simd level = se_simd_level();
    if (level == SE_SIMD_AVX512)
        return (sil_kernel){tile_avx512, run_sum_avx512, add_columns_avx512};
    if (level == SE_SIMD_AVX2)
        return (sil_kernel){tile_avx2, run_sum_avx2, add_columns_avx2};
#endif
    return (sil_kernel){tile_c, run_sum_c, add_columns_c};
}

/* ---------------------------------------------------------------- blocks of rows */

/* The cluster of ordered row i. */
static int cluster_of(const sil_data *s, int64_t i)
{
    int c = 0;
    while (s->start[c + 1] <= i)
        c++;
    return c;
}

/* Rows lo .. hi - 1 (whole blocks of MR but the last) and what they work in. With `later`,
 * a share of the symmetric scheme (see the header). */
typedef struct sil_job {
    const sil_data *s;
    int64_t lo, hi;
    float *x;       /* [MR x d] */
    float *D;       /* [MR x CH] */
    double *sums;   /* [MR x k] */
    int c_lo, c_hi; /* symmetric: the clusters of rows lo .. hi - 1 */
    double *later;  /* symmetric: [(c_hi - c_lo + 1) x n], distances from these rows to later rows */
    double *rowsum; /* symmetric, shared: [n x k], each row's sums over the columns from its block on */
    se_status status;
} sil_job;

/* The symmetric half of a tile: the distance from row i0 + r to each column j past the block
 * goes to later[cluster of i0 + r][j], the sum row j needs for that cluster. Each sum takes
 * the rows in order, so it does not depend on the tile's width or the vector width. */
static void add_later(sil_job *job, const sil_kernel *kn, int64_t i0, int mr, int64_t j0, int64_t nj)
{
    const sil_data *s = job->s;
    int64_t from = i0 + mr > j0 ? i0 + mr : j0, to = j0 + nj < s->n ? j0 + nj : s->n;
    if (from >= to)
        return;
    int c = cluster_of(s, i0);
    for (int r = 0; r < mr;) {
        while (s->start[c + 1] <= i0 + r)
            c++;
        int rows = (int)((s->start[c + 1] < i0 + mr ? s->start[c + 1] : i0 + mr) - (i0 + r)); /* of cluster c */
        kn->add_columns(job->later + (int64_t)(c - job->c_lo) * s->n + from, job->D + r * CH + (from - j0), rows,
                        to - from);
        r += rows;
    }
}

/* job->sums[r][c]: the distances from ordered row i0 + r (r < mr) to the points of cluster c
 * from column j_first on, one run of a tile at a time; with job->later, also the other half
 * of each pair past the block (add_later). */
static void block_sums(sil_job *job, const sil_kernel *kn, int64_t i0, int mr, int64_t j_first)
{
    const sil_data *s = job->s;
    if (!s->cosine) {
        memset(job->x, 0, (size_t)(MR * s->d) * sizeof *job->x);
        memcpy(job->x, s->Y + i0 * s->d, (size_t)(mr * s->d) * sizeof *job->x);
    }
    memset(job->sums, 0, (size_t)MR * (size_t)s->k * sizeof *job->sums);
    int c = 0;
    for (int64_t j0 = j_first; j0 < s->n; j0 += CH) {
        int64_t nj = s->n - j0 < CH ? s->n - j0 : CH;
        if (s->cosine)
            tile_cosine(i0, mr, s, j0, nj, job->D);
        else
            kn->tile(job->x, s, j0, (nj + PAD - 1) / PAD * PAD, job->D);
        /* The clusters' runs within columns j0 .. j0 + nj. */
        while (c < s->k && s->start[c + 1] <= j0)
            c++;
        for (int cc = c; cc < s->k && s->start[cc] < j0 + nj; cc++) {
            int64_t a = s->start[cc] > j0 ? s->start[cc] : j0;
            int64_t b = s->start[cc + 1] < j0 + nj ? s->start[cc + 1] : j0 + nj;
            for (int r = 0; r < mr; r++) {
                float *row = job->D + r * CH;
                /* The diagonal is 0 by definition (scikit-learn sets it; cosine can give
                 * 1e-7 there). */
                if (i0 + r >= a && i0 + r < b)
                    row[i0 + r - j0] = 0.0f;
                job->sums[r * s->k + cc] += kn->run_sum(row + (a - j0), b - a);
            }
        }
        if (job->later)
            add_later(job, kn, i0, mr, j0, nj);
    }
}

/* s(i) from the sums of distances from row i (ordered index) of cluster li to every cluster. */
static double score_of(const sil_data *s, const double *sums, int li)
{
    int64_t own = s->start[li + 1] - s->start[li];
    if (own < 2)
        return 0.0; /* a sample alone in its cluster scores 0 */
    double a = sums[li] / (double)(own - 1), b = INFINITY;
    for (int c = 0; c < s->k; c++) {
        int64_t count = s->start[c + 1] - s->start[c];
        if (c == li || count == 0)
            continue;
        double m = sums[c] / (double)count;
        if (m < b)
            b = m;
    }
    double den = a > b ? a : b;
    return den > 0 && isfinite(b) ? (b - a) / den : 0.0;
}

/* The job's blocks. Whole rows: each block against every column, its scores at once. A
 * share of the symmetric scheme: each block against the columns from its own on, its sums
 * kept in rowsum for symmetric_scores. */
static void run_blocks(sil_job *job)
{
    const sil_data *s = job->s;
    sil_kernel kn = choose();
    for (int64_t i0 = job->lo; i0 < job->hi; i0 += MR) {
        if (se_interrupt_pending()) {
            job->status = SE_EINTR;
            return;
        }
        int mr = job->hi - i0 < MR ? (int)(job->hi - i0) : MR;
        block_sums(job, &kn, i0, mr, job->later ? i0 : 0);
        if (job->later)
            memcpy(job->rowsum + i0 * s->k, job->sums, (size_t)mr * (size_t)s->k * sizeof *job->sums);
        else
            for (int r = 0; r < mr; r++)
                s->score[i0 + r] = score_of(s, job->sums + r * s->k, cluster_of(s, i0 + r));
    }
    job->status = SE_OK;
}

/* A thread: jobs first, first + step, ... */
typedef struct sil_worker {
    sil_job *jobs;
    int count, first, step;
} sil_worker;

static void *run_worker(void *arg)
{
    sil_worker *w = arg;
    for (int q = w->first; q < w->count; q += w->step)
        run_blocks(&w->jobs[q]);
    return NULL;
}

/* Runs count jobs on `threads` threads (at most count); the first failure, or SE_OK. */
static se_status run_jobs(sil_job *jobs, int count, int threads)
{
    if (threads > count)
        threads = count;
    sil_worker *workers = calloc((size_t)threads, sizeof *workers);
    if (!workers)
        return SE_ENOMEM;
    for (int t = 0; t < threads; t++)
        workers[t] = (sil_worker){jobs, count, t, threads};
    se_run_jobs(run_worker, workers, sizeof *workers, threads);
    free(workers);
    se_status st = SE_OK;
    for (int q = 0; q < count && st == SE_OK; q++)
        st = jobs[q].status;
    return st;
}

/* Every row's score from its own sums and the later halves of the shares before it, added
 * in share order. sums: [k] scratch. */
static void symmetric_scores(const sil_data *s, const sil_job *shares, int count, const double *rowsum, double *sums)
{
    int li = 0;
    for (int64_t i = 0; i < s->n; i++) {
        while (s->start[li + 1] <= i)
            li++;
        memcpy(sums, rowsum + i * s->k, (size_t)s->k * sizeof *sums);
        for (int q = 0; q < count && shares[q].lo < i; q++)
            for (int c = shares[q].c_lo; c <= shares[q].c_hi; c++)
                sums[c] += shares[q].later[(int64_t)(c - shares[q].c_lo) * s->n + i];
        s->score[i] = score_of(s, sums, li);
    }
}

/* ---------------------------------------------------------------- the driver */

/* The points ordered by cluster: Y and its transpose in float, or for cosine Yd and YTd in
 * double, unit rows as scikit-learn's normalize makes them (a zero row stays zero and is
 * flagged). */
static void order_points(const float *X, const int *labels, sil_data *s, float *Y, float *YT, double *Yd, double *YTd,
                         bool *zero)
{
    int64_t n = s->n, d = s->d, npad = s->npad;
    int64_t *next = (int64_t *)s->start + s->k + 1; /* k more slots: each cluster's next row */
    for (int c = 0; c < s->k; c++)
        next[c] = s->start[c];
    for (int64_t i = 0; i < n; i++) {
        int64_t o = next[labels[i]]++;
        if (!s->cosine) {
            for (int64_t p = 0; p < d; p++)
                Y[o * d + p] = YT[p * npad + o] = X[i * d + p];
            continue;
        }
        double norm = 0.0;
        for (int64_t p = 0; p < d; p++)
            norm += (double)X[i * d + p] * X[i * d + p];
        zero[o] = !(norm > 0.0);
        double inv = norm > 0.0 ? 1.0 / sqrt(norm) : 0.0;
        for (int64_t p = 0; p < d; p++)
            Yd[o * d + p] = YTd[p * npad + o] = X[i * d + p] * inv;
    }
}

/* Scratch of a job; false without memory. */
static bool job_buffers(sil_job *job, int64_t d, int k)
{
    job->x = malloc((size_t)(MR * d) * sizeof(float));
    job->D = malloc((size_t)(MR * CH) * sizeof(float));
    job->sums = malloc((size_t)MR * (size_t)k * sizeof(double));
    return job->x && job->D && job->sums;
}

static void free_jobs(sil_job *jobs, int count)
{
    for (int t = 0; jobs && t < count; t++) {
        free(jobs[t].x);
        free(jobs[t].D);
        free(jobs[t].sums);
        free(jobs[t].later);
    }
    free(jobs);
}

/* Whole rows: contiguous shares of whole blocks, the same number (+-1) for each thread. */
static se_status run_rows(const sil_data *s, int threads)
{
    int64_t blocks = (s->n + MR - 1) / MR;
    if (threads > blocks)
        threads = (int)blocks;
    sil_job *jobs = calloc((size_t)threads, sizeof *jobs);
    se_status st = jobs ? SE_OK : SE_ENOMEM;
    for (int t = 0; st == SE_OK && t < threads; t++) {
        jobs[t] = (sil_job){.s = s,
                            .lo = blocks * t / threads * MR,
                            .hi = t == threads - 1 ? s->n : blocks * (t + 1) / threads * MR,
                            .status = SE_ENOMEM};
        if (!job_buffers(&jobs[t], s->d, s->k))
            st = SE_ENOMEM;
    }
    if (st == SE_OK)
        st = run_jobs(jobs, threads, threads);
    free_jobs(jobs, threads);
    return st;
}

/* Symmetric: SHARES shares of equal work (a block at i0 has n - i0 columns), a fixed split
 * whatever the threads, so the sums are the same bits for every thread count. */
static se_status run_symmetric(const sil_data *s, int threads)
{
    int64_t n = s->n, blocks = (n + MR - 1) / MR;
    int count = blocks < SHARES ? (int)blocks : SHARES;
    sil_job *shares = calloc((size_t)count, sizeof *shares);
    double *rowsum = malloc((size_t)(n * s->k) * sizeof *rowsum), *sums = malloc((size_t)s->k * sizeof *sums);
    se_status st = shares && rowsum && sums ? SE_OK : SE_ENOMEM;
    double total = (double)blocks * (double)n - (double)MR * (double)blocks * (double)(blocks - 1) / 2, done = 0;
    int64_t b = 0;
    for (int q = 0; st == SE_OK && q < count; q++) {
        int64_t first = b;
        while (b < blocks && (q == count - 1 || done < total * (q + 1) / count || b == first))
            done += (double)(n - MR * b++);
        sil_job *job = &shares[q];
        *job = (sil_job){.s = s, .lo = first * MR, .hi = b * MR < n ? b * MR : n, .rowsum = rowsum};
        job->status = SE_ENOMEM;
        job->c_lo = cluster_of(s, job->lo);
        job->c_hi = job->hi > job->lo ? cluster_of(s, job->hi - 1) : job->c_lo;
        job->later = calloc((size_t)((job->c_hi - job->c_lo + 1) * n), sizeof *job->later);
        if (!job->later || !job_buffers(job, s->d, s->k))
            st = SE_ENOMEM;
    }
    if (st == SE_OK)
        st = run_jobs(shares, count, threads);
    if (st == SE_OK)
        symmetric_scores(s, shares, count, rowsum, sums);
    free_jobs(shares, count);
    free(rowsum);
    free(sums);
    return st;
}

/* Back to X's order: row i went to ordered row next[labels[i]]++ (order_points). */
static void unorder(const sil_data *s, const int *labels, double *values)
{
    int64_t *next = (int64_t *)s->start + s->k + 1;
    for (int c = 0; c < s->k; c++)
        next[c] = s->start[c];
    for (int64_t i = 0; i < s->n; i++)
        values[i] = s->score[next[labels[i]]++];
}

se_status se_silhouette_samples(const float *X, int64_t n, int64_t d, const int *labels, int k, se_distance metric,
                                int threads, double *values)
{
    if (n < 3 || d < 1 || k < 2 || k > n - 1)
        return SE_EARG;
    for (int64_t i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= k)
            return SE_EARG;
    if (threads < 1)
        threads = 1;
    /* Padded past n by a tile's width: a symmetric tile starts at any block. */
    int64_t npad = (n + PAD - 1) / PAD * PAD + PAD;
    bool cosine = metric == SE_DIST_COSINE;
    int64_t *start = calloc((size_t)(2 * k + 1), sizeof *start);
    /* one layout pair: float for Euclidean, double for cosine */
    size_t width = cosine ? sizeof(double) : sizeof(float);
    void *Y = malloc((size_t)(n * d) * width), *YT = calloc((size_t)(npad * d), width);
    bool *zero = cosine ? calloc((size_t)n, sizeof *zero) : NULL;
    double *sc = malloc((size_t)n * sizeof *sc);
    se_status st = SE_ENOMEM;
    if (!start || !Y || !YT || !sc || (cosine && !zero))
        goto done;
    for (int64_t i = 0; i < n; i++)
        start[labels[i] + 1]++;
    for (int c = 0; c < k; c++)
        start[c + 1] += start[c];
    sil_data s = {.Y = cosine ? NULL : Y,
                  .YT = cosine ? NULL : YT,
                  .Yd = cosine ? Y : NULL,
                  .YTd = cosine ? YT : NULL,
                  .zero = zero,
                  .n = n,
                  .npad = npad,
                  .d = d,
                  .k = k,
                  .start = start,
                  .cosine = cosine,
                  .score = sc};
    order_points(X, labels, &s, Y, YT, s.Yd ? Y : NULL, s.YTd ? YT : NULL, zero);
    bool symmetric = (double)(2 * (int64_t)k + SHARES) * (double)n * sizeof(double) <= SYMMETRIC_BYTES;
    st = symmetric ? run_symmetric(&s, threads) : run_rows(&s, threads);
    if (st == SE_OK)
        unorder(&s, labels, values);
done:
    free(start);
    free(Y);
    free(YT);
    free(zero);
    free(sc);
    return st;
}

se_status se_silhouette(const float *X, int64_t n, int64_t d, const int *labels, int k, se_distance metric, int threads,
                        double *score)
{
    double *values = malloc((size_t)(n > 0 ? n : 1) * sizeof *values);
    if (!values)
        return SE_ENOMEM;
    se_status st = se_silhouette_samples(X, n, d, labels, k, metric, threads, values);
    if (st == SE_OK) {
        double total = 0.0;
        for (int64_t i = 0; i < n; i++)
            total += values[i];
        *score = total / (double)n;
    }
    free(values);
    return st;
}
