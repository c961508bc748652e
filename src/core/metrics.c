/* Clustering metrics, k-nearest-neighbour prediction and PCA: see metrics.h. */
#include "metrics.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "interrupt.h"
#include "linalg.h"

/* Whether to stop before row i of a loop doing d units of work per row: polls the interrupt
 * flag about every SE_INTERRUPT_STRIDE units. */
static bool interrupted_at(int64_t i, int64_t d)
{
    int64_t rows = SE_INTERRUPT_STRIDE / (d > 0 ? d : 1);
    return i % (rows > 0 ? rows : 1) == 0 && se_interrupt_pending();
}

/* Sizes handed to BLAS as int: larger ones would wrap in the cast. */
static bool blas_sizes(int64_t n, int64_t d) { return n <= INT_MAX && d <= INT_MAX; }

/* Rows per block of the pairwise distance matrix (a block of rows x n doubles): up to
 * 256, fewer when n is large so that a block stays near 32 MB. */
static int64_t block_rows(int64_t n)
{
    int64_t rows = ((int64_t)1 << 22) / (n > 0 ? n : 1);
    return rows < 1 ? 1 : (rows > 256 ? 256 : rows);
}

/* X as doubles, optionally L2-normalised per row (for cosine), and squared row norms. */
static double *to_double(const float *X, int64_t n, int64_t d, int normalise, double *sq)
{
    double *out = malloc((size_t)(n * d) * sizeof *out);
    if (!out)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++) {
            double v = X[i * d + j];
            out[i * d + j] = v;
            s += v * v;
        }
        if (normalise && s > 0) {
            /* sklearn.preprocessing.normalize: a zero row stays zero. */
            double inv = 1.0 / sqrt(s);
            for (int64_t j = 0; j < d; j++)
                out[i * d + j] *= inv;
            s = 1.0;
        }
        sq[i] = s;
    }
    return out;
}

/* out[bi x nb] = distances between rows i0..i0+bi-1 of A and all rows of B. */
static void distance_block(const double *A, const double *sqA, int64_t i0, int64_t bi, const double *B,
                           const double *sqB, int64_t nb, int64_t d, se_distance metric, double *out)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)bi, (int)nb, (int)d, 1.0, A + i0 * d, (int)d, B, (int)d,
                0.0, out, (int)nb);
    for (int64_t r = 0; r < bi; r++) {
        double *row = out + r * nb;
        if (metric == SE_DIST_COSINE) {
            for (int64_t j = 0; j < nb; j++) {
                double v = 1.0 - row[j];
                row[j] = v < 0 ? 0 : (v > 2 ? 2 : v);
            }
        } else {
            double a = sqA[i0 + r];
            for (int64_t j = 0; j < nb; j++) {
                double v = (-2.0 * row[j] + a) + sqB[j]; /* sklearn's order of operations */
                row[j] = v > 0 ? sqrt(v) : 0.0;
            }
        }
    }
}

static se_status check_labels(int64_t n, const int *labels, int k, int64_t *count)
{
    if (k < 2 || k > n - 1)
        return SE_EARG;
    for (int c = 0; c < k; c++)
        count[c] = 0;
    for (int64_t i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= k)
            return SE_EARG;
        count[labels[i]]++;
    }
    return SE_OK;
}

/* Row kernels of the cluster metrics. A row's squared distance is summed in 8 lanes (j mod
 * 8) combined in one fixed order, in every version, so AVX2 and plain C give the same bits. */
static void add_row_c(double *c, const float *x, int64_t d)
{
    for (int64_t j = 0; j < d; j++)
        c[j] += x[j];
}

static double lanes_total(const double *s) { return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])); }

/* total plus the squares of columns j.. d - 1 of x - c. Never inlined into a kernel built for
 * AVX-512, whose FMA would fuse the square into the add and change the bits. */
__attribute__((noinline)) static double add_rest(double total, const float *x, const double *c, int64_t j, int64_t d)
{
    for (; j < d; j++)
        total += (x[j] - c[j]) * (x[j] - c[j]);
    return total;
}

static double sqdist_c(const float *x, const double *c, int64_t d)
{
    double s[8] = {0};
    int64_t j = 0;
    for (; j + 8 <= d; j += 8)
        for (int l = 0; l < 8; l++) {
            double v = x[j + l] - c[j + l];
            s[l] += v * v;
        }
    return add_rest(lanes_total(s), x, c, j, d);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include "simd.h"
#define METRICS_X86 1

__attribute__((target("avx2"), always_inline)) static inline void add_row_avx2(double *c, const float *x, int64_t d)
{
    int64_t j = 0;
    for (; j + 4 <= d; j += 4)
        _mm256_storeu_pd(c + j, _mm256_add_pd(_mm256_loadu_pd(c + j), _mm256_cvtps_pd(_mm_loadu_ps(x + j))));
    for (; j < d; j++)
        c[j] += x[j];
}

__attribute__((target("avx2"), always_inline)) static inline double sqdist_avx2(const float *x, const double *c,
                                                                                int64_t d)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    int64_t j = 0;
    for (; j + 8 <= d; j += 8) {
        __m256d v0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), _mm256_loadu_pd(c + j));
        __m256d v1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j + 4)), _mm256_loadu_pd(c + j + 4));
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(v0, v0));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(v1, v1));
    }
    double s[8];
    _mm256_storeu_pd(s, s0);
    _mm256_storeu_pd(s + 4, s1);
    return add_rest(lanes_total(s), x, c, j, d);
}

/* The AVX2 kernels at twice the width: the same lanes and order, so the same bits. The
 * square is rounded on its own (an explicit rounding mode is never fused into the add). */
__attribute__((target("avx512f"), always_inline)) static inline void add_row_avx512(double *c, const float *x,
                                                                                    int64_t d)
{
    int64_t j = 0;
    for (; j + 8 <= d; j += 8)
        _mm512_storeu_pd(c + j, _mm512_add_pd(_mm512_loadu_pd(c + j), _mm512_cvtps_pd(_mm256_loadu_ps(x + j))));
    for (; j < d; j++)
        c[j] += x[j];
}

__attribute__((target("avx512f"), always_inline)) static inline double sqdist_avx512(const float *x, const double *c,
                                                                                     int64_t d)
{
    __m512d s = _mm512_setzero_pd();
    int64_t j = 0;
    for (; j + 8 <= d; j += 8) {
        __m512d v = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + j)), _mm512_loadu_pd(c + j));
        s = _mm512_add_pd(s, _mm512_mul_round_pd(v, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    double lanes[8];
    _mm512_storeu_pd(lanes, s);
    return add_rest(lanes_total(lanes), x, c, j, d);
}
#endif

typedef struct row_passes {
    se_chunk_fn add_rows, add_distances, add_squared_distances;
} row_passes;

/* What the row passes of the cluster metrics read (chunked.h: read-only, shared by threads). */
typedef struct rows_ctx {
    const float *X;
    int64_t d;
    const int *labels;
    const double *cent; /* [k x d], for the distance passes */
    int threads;        /* for every pass (pass_threads) */
    row_passes pass;    /* for the CPU (row_passes_now) */
} rows_ctx;

/* The three row passes, written once over a pair of row kernels. Each kernel set gets its own
 * copy of the loops (below), so the kernels inline: an indirect call per row was a third of
 * the pass at 32 columns. */
typedef void add_row_fn(double *, const float *, int64_t);
typedef double sqdist_fn(const float *, const double *, int64_t);

/* How far ahead of the row being summed the passes ask for X's rows. X is read from memory
 * (20,000 x 32 floats do not fit in L2), and the hardware prefetcher stops at every 4 KiB
 * page: asking two pages ahead took Davies-Bouldin's passes at 20,000 x 32 from 350 and
 * 235 us to 285 and 165 us on a cold cache (1 to 4 pages ahead measured alike). */
#define FETCH_AHEAD_BYTES 8192

static int64_t rows_ahead(int64_t d) { return FETCH_AHEAD_BYTES / (d * (int64_t)sizeof(float)) + 1; }

/* Row i of X, after asking for the cache lines of row i + ahead if that is below hi (at most
 * FETCH_AHEAD_BYTES of it: a row that long is one the hardware prefetcher follows). */
static inline __attribute__((always_inline)) const float *row_fetching_ahead(const rows_ctx *c, int64_t i,
                                                                             int64_t ahead, int64_t hi)
{
    if (i + ahead < hi) {
        const float *next = c->X + (i + ahead) * c->d;
        int64_t bytes = c->d * (int64_t)sizeof(float);
        uintptr_t line = (uintptr_t)next & ~(uintptr_t)63;
        uintptr_t end = (uintptr_t)next + (uintptr_t)(bytes < FETCH_AHEAD_BYTES ? bytes : FETCH_AHEAD_BYTES);
        for (; line < end; line += 64)
            __builtin_prefetch((const void *)line);
    }
    return c->X + i * c->d;
}

/* sums[label]: the rows summed per cluster. */
static inline __attribute__((always_inline)) void add_rows_with(add_row_fn *add_row, const rows_ctx *c, int64_t lo,
                                                                int64_t hi, double *sums)
{
    int64_t ahead = rows_ahead(c->d);
    for (int64_t i = lo; i < hi; i++)
        add_row(sums + c->labels[i] * c->d, row_fetching_ahead(c, i, ahead, hi), c->d);
}

/* partial[label] += each row's distance to its centroid (Davies-Bouldin's scatter) when root,
 * else partial[0] += its square (Calinski-Harabasz's W). */
static inline __attribute__((always_inline)) void add_distances_with(sqdist_fn *sqdist, bool root, const rows_ctx *c,
                                                                     int64_t lo, int64_t hi, double *partial)
{
    int64_t ahead = rows_ahead(c->d);
    for (int64_t i = lo; i < hi; i++) {
        double sq = sqdist(row_fetching_ahead(c, i, ahead, hi), c->cent + c->labels[i] * c->d, c->d);
        if (root)
            partial[c->labels[i]] += sqrt(sq);
        else
            partial[0] += sq;
    }
}

#define ROW_PASSES(SUFFIX, TARGET)                                                                                     \
    TARGET static void add_rows_##SUFFIX(const void *c, int64_t lo, int64_t hi, double *out)                           \
    {                                                                                                                  \
        add_rows_with(add_row_##SUFFIX, c, lo, hi, out);                                                               \
    }                                                                                                                  \
    TARGET static void add_distances_##SUFFIX(const void *c, int64_t lo, int64_t hi, double *out)                      \
    {                                                                                                                  \
        add_distances_with(sqdist_##SUFFIX, true, c, lo, hi, out);                                                     \
    }                                                                                                                  \
    TARGET static void add_squared_distances_##SUFFIX(const void *c, int64_t lo, int64_t hi, double *out)              \
    {                                                                                                                  \
        add_distances_with(sqdist_##SUFFIX, false, c, lo, hi, out);                                                    \
    }

ROW_PASSES(c, )
#ifdef METRICS_X86
ROW_PASSES(avx2, __attribute__((target("avx2"))))
ROW_PASSES(avx512, __attribute__((target("avx512f"))))
#endif

static row_passes row_passes_now(void)
{
#ifdef METRICS_X86
    if (se_simd_level() == SE_SIMD_AVX512)
        return (row_passes){add_rows_avx512, add_distances_avx512, add_squared_distances_avx512};
    if (se_simd_level() == SE_SIMD_AVX2)
        return (row_passes){add_rows_avx2, add_distances_avx2, add_squared_distances_avx2};
#endif
    return (row_passes){add_rows_c, add_distances_c, add_squared_distances_c};
}

/* Threads for a row pass over n x d floats: one below PARALLEL_MIN elements, where starting a
 * second thread cost more than it saved (measured: 20,000 x 32 took 1.56 ms on two threads,
 * 1.21 ms on one). The chunking, and so the result, does not change with it. */
#define PARALLEL_MIN ((int64_t)1 << 22)
static int pass_threads(int64_t n, int64_t d, int threads) { return n * d >= PARALLEL_MIN ? threads : 1; }

/* Where both cluster indices start: the labels checked and counted (count [k]) and the
 * cluster means in double (cent [k x d]) from one chunked pass over the rows, SE_EARG if
 * one is not finite; ctx is then ready for the distance passes. */
static se_status cluster_means(const float *X, int64_t n, int64_t d, const int *labels, int k, int threads,
                               int64_t *count, double *cent, rows_ctx *ctx)
{
    se_status st = check_labels(n, labels, k, count);
    if (st != SE_OK)
        return st;
    *ctx = (rows_ctx){.X = X,
                      .d = d,
                      .labels = labels,
                      .cent = cent,
                      .pass = row_passes_now(),
                      .threads = pass_threads(n, d, threads)};
    if ((st = se_chunked_sum(ctx->pass.add_rows, ctx, n, k * d, ctx->threads, cent)) != SE_OK)
        return st;
    for (int c = 0; c < k; c++)
        for (int64_t j = 0; j < d; j++) {
            if (!isfinite(cent[c * d + j]))
                return SE_EARG; /* X holds a NaN or Inf (see metrics.h) */
            if (count[c] > 0)
                cent[c * d + j] /= (double)count[c];
        }
    return SE_OK;
}

se_status se_davies_bouldin(const float *X, int64_t n, int64_t d, const int *labels, int k, int threads, double *score)
{
    if (n < 3 || d < 1)
        return SE_EARG;
    int64_t *count = malloc((size_t)k * sizeof *count);
    double *cent = malloc((size_t)(k * d) * sizeof *cent); /* k < n: k * d < n * d */
    double *intra = calloc((size_t)k, sizeof *intra);
    se_status st = SE_ENOMEM;
    rows_ctx ctx;
    if (!count || !cent || !intra)
        goto done;
    if ((st = cluster_means(X, n, d, labels, k, threads, count, cent, &ctx)) != SE_OK)
        goto done;
    if ((st = se_chunked_sum(ctx.pass.add_distances, &ctx, n, k, ctx.threads, intra)) != SE_OK)
        goto done;
    int intra_zero = 1, cent_zero = 1;
    for (int c = 0; c < k; c++) {
        if (count[c] > 0)
            intra[c] /= (double)count[c];
        if (fabs(intra[c]) > 1e-8)
            intra_zero = 0;
    }
    double total = 0;
    for (int a = 0; a < k; a++) {
        if (interrupted_at(a, (int64_t)k * d)) { /* k^2 d work: many clusters take long */
            st = SE_EINTR;
            goto done;
        }
        double worst = 0;
        for (int b = 0; b < k; b++) {
            if (a == b)
                continue;
            double s = 0;
            for (int64_t j = 0; j < d; j++) {
                double v = cent[a * d + j] - cent[b * d + j];
                s += v * v;
            }
            double m = sqrt(s);
            if (m > 1e-8)
                cent_zero = 0;
            if (m == 0)
                continue; /* sklearn: a zero distance counts as infinite */
            double r = (intra[a] + intra[b]) / m;
            if (r > worst)
                worst = r;
        }
        total += worst;
    }
    *score = (intra_zero || cent_zero) ? 0.0 : total / k;
    st = SE_OK;
done:
    free(count);
    free(cent);
    free(intra);
    return st;
}

se_status se_calinski_harabasz(const float *X, int64_t n, int64_t d, const int *labels, int k, int threads,
                               double *score)
{
    if (n < 3 || d < 1)
        return SE_EARG;
    int64_t *count = malloc((size_t)k * sizeof *count);
    double *cent = malloc((size_t)(k * d) * sizeof *cent);
    double *mean = calloc((size_t)d, sizeof *mean);
    se_status st = SE_ENOMEM;
    rows_ctx ctx;
    if (!count || !cent || !mean)
        goto done;
    if ((st = cluster_means(X, n, d, labels, k, threads, count, cent, &ctx)) != SE_OK)
        goto done;
    /* The overall mean is the clusters' means weighted by their sizes: no third pass. */
    for (int c = 0; c < k; c++)
        for (int64_t j = 0; j < d; j++)
            mean[j] += (double)count[c] * cent[c * d + j];
    for (int64_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    double extra = 0, intra = 0;
    for (int c = 0; c < k; c++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++) {
            double v = cent[c * d + j] - mean[j];
            s += v * v;
        }
        extra += (double)count[c] * s;
    }
    if ((st = se_chunked_sum(ctx.pass.add_squared_distances, &ctx, n, 1, ctx.threads, &intra)) != SE_OK)
        goto done;
    *score = intra == 0 ? 1.0 : extra * (double)(n - k) / (intra * (double)(k - 1));
    st = SE_OK;
done:
    free(count);
    free(cent);
    free(mean);
    return st;
}

/* Inserts (dist, label) into the sorted top-knn list (ties keep the earlier row). */
static void topk_insert(double *dist, int *lab, int *filled, int knn, double dv, int lv)
{
    if (*filled == knn && dv >= dist[knn - 1])
        return;
    int pos = *filled < knn ? (*filled)++ : knn - 1;
    while (pos > 0 && dist[pos - 1] > dv) {
        dist[pos] = dist[pos - 1];
        lab[pos] = lab[pos - 1];
        pos--;
    }
    dist[pos] = dv;
    lab[pos] = lv;
}

se_status se_knn_predict(const float *train, int64_t ntrain, const int *train_labels, int nclasses, const float *test,
                         int64_t ntest, int64_t d, int knn, int leave_one_out, int *pred)
{
    if (knn < 1 || nclasses < 1 || d < 1 || ntest < 1)
        return SE_EARG;
    if (knn > ntrain - (leave_one_out ? 1 : 0))
        return SE_EARG;
    if (!blas_sizes(ntrain, d) || !blas_sizes(ntest, d))
        return SE_ERANGE;
    if (leave_one_out && ntest != ntrain)
        return SE_EARG;
    for (int64_t i = 0; i < ntrain; i++)
        if (train_labels[i] < 0 || train_labels[i] >= nclasses)
            return SE_EARG;
    double *sqa = malloc((size_t)ntest * sizeof *sqa), *sqb = malloc((size_t)ntrain * sizeof *sqb);
    const int64_t rows = block_rows(ntrain);
    double *block = malloc((size_t)(rows * ntrain) * sizeof *block);
    double *dist = malloc((size_t)knn * sizeof *dist);
    int *lab = malloc((size_t)knn * sizeof *lab), *votes = malloc((size_t)nclasses * sizeof *votes);
    double *A = NULL, *B = NULL;
    se_status st = SE_ENOMEM;
    if (!sqa || !sqb || !block || !dist || !lab || !votes)
        goto done;
    if (!(A = to_double(test, ntest, d, 0, sqa)) || !(B = to_double(train, ntrain, d, 0, sqb)))
        goto done;
    for (int64_t i0 = 0; i0 < ntest; i0 += rows) {
        if (se_interrupt_pending()) {
            st = SE_EINTR;
            goto done;
        }
        int64_t bi = ntest - i0 < rows ? ntest - i0 : rows;
        distance_block(A, sqa, i0, bi, B, sqb, ntrain, d, SE_DIST_EUCLIDEAN, block);
        for (int64_t r = 0; r < bi; r++) {
            int filled = 0;
            for (int64_t j = 0; j < ntrain; j++) {
                if (leave_one_out && j == i0 + r)
                    continue;
                topk_insert(dist, lab, &filled, knn, block[r * ntrain + j], train_labels[j]);
            }
            memset(votes, 0, (size_t)nclasses * sizeof *votes);
            for (int q = 0; q < filled; q++)
                votes[lab[q]]++;
            int best = 0;
            for (int c = 1; c < nclasses; c++)
                if (votes[c] > votes[best])
                    best = c;
            pred[i0 + r] = best;
        }
    }
    st = SE_OK;
done:
    free(sqa);
    free(sqb);
    free(block);
    free(dist);
    free(lab);
    free(votes);
    free(A);
    free(B);
    return st;
}

se_status se_pca(const float *X, int64_t n, int64_t d, int ncomp, float *components, double *variance, float *mean,
                 float *projected)
{
    if (n < 2 || d < 1 || ncomp < 1 || ncomp > d)
        return SE_EARG;
    if (d > SE_PCA_MAX_DIM || n > INT_MAX)
        return SE_ERANGE;
    double *mu = calloc((size_t)d, sizeof *mu);
    double *Xc = malloc((size_t)(n * d) * sizeof *Xc);
    double *C = malloc((size_t)(d * d) * sizeof *C);
    double *w = malloc((size_t)d * sizeof *w);
    se_status st = SE_ENOMEM;
    if (!mu || !Xc || !C || !w)
        goto done;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            mu[j] += X[i * d + j];
    for (int64_t j = 0; j < d; j++)
        mu[j] /= (double)n;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            Xc[i * d + j] = X[i * d + j] - mu[j];
    /* C = Xc^T Xc / (n - 1), full matrix (dsyevd reads the upper triangle in column-major,
     * which is the lower one here: the matrix is symmetric, either is fine). Summed over
     * slices of about 2^30 multiply-adds so that an interrupt is seen between them; a
     * usual size (n d^2 below that) is one dgemm. */
    int64_t slice = ((int64_t)1 << 30) / (d * d);
    if (slice < 1)
        slice = 1;
    for (int64_t r0 = 0; r0 < n; r0 += slice) {
        if (r0 > 0 && se_interrupt_pending()) {
            st = SE_EINTR;
            goto done;
        }
        int64_t rows = n - r0 < slice ? n - r0 : slice;
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)rows, 1.0 / (double)(n - 1),
                    Xc + r0 * d, (int)d, Xc + r0 * d, (int)d, r0 > 0 ? 1.0 : 0.0, C, (int)d);
    }
    st = se_eigh(C, w, d);
    if (st != SE_OK)
        goto done;
    /* Eigenvalues come in ascending order, eigenvector e in row e of C. */
    for (int c = 0; c < ncomp; c++) {
        const double *v = C + (d - 1 - c) * d;
        int64_t arg = 0;
        for (int64_t j = 1; j < d; j++)
            if (fabs(v[j]) > fabs(v[arg]))
                arg = j;
        double sign = v[arg] < 0 ? -1.0 : 1.0;
        for (int64_t j = 0; j < d; j++)
            components[c * d + j] = (float)(sign * v[j]);
        variance[c] = w[d - 1 - c] > 0 ? w[d - 1 - c] : 0.0;
        if (projected) {
            for (int64_t i = 0; i < n; i++) {
                if (interrupted_at(i, d)) {
                    st = SE_EINTR;
                    goto done;
                }
                double s = 0;
                for (int64_t j = 0; j < d; j++)
                    s += Xc[i * d + j] * sign * v[j];
                projected[i * ncomp + c] = (float)s;
            }
        }
    }
    for (int64_t j = 0; j < d; j++)
        mean[j] = (float)mu[j];
    st = SE_OK;
done:
    free(mu);
    free(Xc);
    free(C);
    free(w);
    return st;
}
