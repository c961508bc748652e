/* Unit tests of src/core/metrics.c against values worked out by hand. */
#include <math.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "metrics.h"
#include "rng.h"
#include "simd.h"

#include "check.h"

#define CLOSE(got, want)                                                                                               \
    do {                                                                                                               \
        double g_ = (got), w_ = (want);                                                                                \
        if (!(fabs(g_ - w_) <= 1e-9 * (1 + fabs(w_)))) {                                                               \
            fprintf(stderr, "%s:%d: %s = %.12g, want %.12g\n", __FILE__, __LINE__, #got, g_, w_);                      \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

/* float outputs: single precision */
#define CLOSEF(got, want) CHECK(fabs((double)(got) - (want)) <= 1e-6 * (1 + fabs(want)))

/* The silhouette by its definition, in double, with scikit-learn's distances (cosine: 1 -
 * x.y / (|x| |y|) clipped to [0, 2], a zero row at distance 1; the diagonal 0). */
static double silhouette_reference(const float *X, int64_t n, int64_t d, const int *lab, int k, int cosine)
{
    double *sums = malloc((size_t)k * sizeof *sums), total = 0;
    int64_t *count = calloc((size_t)k, sizeof *count);
    for (int64_t i = 0; i < n; i++)
        count[lab[i]]++;
    for (int64_t i = 0; i < n; i++) {
        for (int c = 0; c < k; c++)
            sums[c] = 0;
        for (int64_t j = 0; j < n; j++) {
            double dist = 0, xy = 0, xx = 0, yy = 0;
            for (int64_t p = 0; p < d; p++) {
                double a = X[i * d + p], b = X[j * d + p];
                dist += (a - b) * (a - b);
                xy += a * b, xx += a * a, yy += b * b;
            }
            if (cosine) {
                double v = 1 - (xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0);
                dist = v < 0 ? 0 : v > 2 ? 2 : v;
            } else {
                dist = sqrt(dist);
            }
            if (i != j)
                sums[lab[j]] += dist;
        }
        int li = lab[i];
        if (count[li] < 2)
            continue;
        double a = sums[li] / (double)(count[li] - 1), b = INFINITY;
        for (int c = 0; c < k; c++)
            if (c != li && count[c] > 0 && sums[c] / (double)count[c] < b)
                b = sums[c] / (double)count[c];
        double den = a > b ? a : b;
        if (den > 0 && isfinite(b))
            total += (b - a) / den;
    }
    free(sums);
    free(count);
    return total / (double)n;
}

/* Random clusters away from the origin (distances much smaller than norms, where the
 * |x|^2 + |y|^2 - 2 x.y form loses digits), sizes that cross every tile edge, a singleton
 * cluster, an empty one, a zero row for cosine; equal to the definition to 1e-7 and the
 * same bits on 1, 2, 3 and 8 threads. */
static void test_silhouette_tiles(void)
{
    static const int64_t sizes[] = {3, 9, 40, 530, 1100};
    se_rng rng;
    se_rng_seed(&rng, 3);
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        int64_t n = sizes[t], d = t % 2 ? 32 : 5;
        int k = n < 9 ? 2 : 7;
        float *X = malloc((size_t)(n * d) * sizeof *X);
        int *lab = malloc((size_t)n * sizeof *lab);
        for (int64_t i = 0; i < n; i++) {
            lab[i] = n < 9 ? (int)(i % 2) : (int)(se_rng_uniform(&rng) * (k - 2)) + 1; /* 0 and k-1 set below */
            for (int64_t p = 0; p < d; p++)
                X[i * d + p] = (float)(50.0 + 3.0 * lab[i] + se_rng_normal(&rng));
        }
        if (n >= 9) {
            lab[n / 2] = 0; /* cluster 0: a single point */
            for (int64_t p = 0; p < d; p++)
                X[(n / 3) * d + p] = 0.0f; /* a zero row */
        }                                  /* cluster k - 1: empty */
        for (int cosine = 0; cosine < 2; cosine++) {
            double want = silhouette_reference(X, n, d, lab, k, cosine), got[4];
            static const int threads[] = {1, 2, 3, 8};
            for (int q = 0; q < 4; q++)
                CHECK(se_silhouette(X, n, d, lab, k, cosine ? SE_DIST_COSINE : SE_DIST_EUCLIDEAN, threads[q],
                                    &got[q]) == SE_OK);
            if (!(fabs(got[0] - want) < 1e-7))
                fprintf(stderr, "silhouette n %ld cosine %d: %.12g, definition %.12g\n", (long)n, cosine, got[0], want);
            CHECK(fabs(got[0] - want) < 1e-7);
            for (int q = 1; q < 4; q++)
                CHECK(memcmp(&got[q], &got[0], sizeof got[0]) == 0);
        }
        free(X);
        free(lab);
    }
}

/* Many clusters for their size: the sums of every row by every cluster would pass the
 * symmetric scheme's budget, so rows are computed whole (silhouette.c); still the definition
 * to 1e-7 and the same bits on 1, 2 and 3 threads. */
static void test_silhouette_many_clusters(void)
{
    enum { N = 6000, D = 3, K = 1500 };
    float *X = malloc((size_t)N * D * sizeof *X);
    int *lab = malloc((size_t)N * sizeof *lab);
    se_rng rng;
    se_rng_seed(&rng, 5);
    for (int i = 0; i < N; i++) {
        lab[i] = (int)(se_rng_uniform(&rng) * K) % K;
        for (int p = 0; p < D; p++)
            X[i * D + p] = (float)(0.01 * lab[i] + 0.002 * se_rng_normal(&rng));
    }
    double want = silhouette_reference(X, N, D, lab, K, 0), got[3];
    for (int t = 0; t < 3; t++)
        CHECK(se_silhouette(X, N, D, lab, K, SE_DIST_EUCLIDEAN, t + 1, &got[t]) == SE_OK);
    CHECK(fabs(got[0] - want) < 1e-7);
    CHECK(memcmp(&got[1], &got[0], sizeof got[0]) == 0 && memcmp(&got[2], &got[0], sizeof got[0]) == 0);
    free(X);
    free(lab);
}

/* AVX-512 and AVX2 sum the same terms in the same order: the same bits. */
static void test_silhouette_widths_agree(void)
{
    if (!se_simd_use(SE_SIMD_AVX512) || !se_simd_use(SE_SIMD_AVX2))
        return;
    enum { N = 700, D = 13 };
    static float X[N * D];
    static int lab[N];
    se_rng rng;
    se_rng_seed(&rng, 8);
    for (int i = 0; i < N; i++) {
        lab[i] = i % 4;
        for (int p = 0; p < D; p++)
            X[i * D + p] = (float)(lab[i] + se_rng_normal(&rng));
    }
    double a, b;
    se_simd_use(SE_SIMD_AVX512);
    CHECK(se_silhouette(X, N, D, lab, 4, SE_DIST_EUCLIDEAN, 2, &a) == SE_OK);
    se_simd_use(SE_SIMD_AVX2);
    CHECK(se_silhouette(X, N, D, lab, 4, SE_DIST_EUCLIDEAN, 2, &b) == SE_OK);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
}

/* se_chunked_sum over many chunks: the same bits on 1, 2, 3 and 8 threads. */
static void add_powers(const void *ctx, int64_t lo, int64_t hi, double *partial)
{
    const float *x = ctx;
    for (int64_t i = lo; i < hi; i++) {
        partial[0] += x[i];
        partial[1] += (double)x[i] * x[i];
        partial[2] += sqrt(fabs((double)x[i]));
    }
}

static void test_chunked_threads(void)
{
    enum { N = 300000 };
    static float x[N];
    se_rng rng;
    se_rng_seed(&rng, 5);
    for (int i = 0; i < N; i++)
        x[i] = (float)se_rng_normal(&rng);
    static const int threads[] = {1, 2, 3, 8};
    double sums[4][3];
    for (int q = 0; q < 4; q++) {
        CHECK(se_chunked_sum(add_powers, x, N, 3, threads[q], sums[q]) == SE_OK);
        CHECK(memcmp(sums[q], sums[0], sizeof sums[0]) == 0);
    }
    CHECK(fabs(sums[0][1] - N) < 0.02 * N); /* sum of squares of N(0, 1) draws */
}

/* Davies-Bouldin and Calinski-Harabasz over several chunks (chunked.h): the same bits for
 * every thread count, and close to a plain double evaluation. */
static void test_cluster_indices_threads(void)
{
    enum { N = 9000, D = 7, K = 5 };
    static float X[N * D];
    static int lab[N];
    se_rng rng;
    se_rng_seed(&rng, 11);
    for (int i = 0; i < N; i++) {
        lab[i] = i % K;
        for (int p = 0; p < D; p++)
            X[i * D + p] = (float)(2.0 * lab[i] + se_rng_normal(&rng));
    }
    /* the definition, in one double pass each */
    double cent[K][D] = {{0}}, scatter[K] = {0}, w = 0, b = 0, mean[D] = {0};
    for (int i = 0; i < N; i++)
        for (int p = 0; p < D; p++)
            cent[lab[i]][p] += X[i * D + p] / (N / K);
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int p = 0; p < D; p++)
            s += (X[i * D + p] - cent[lab[i]][p]) * (X[i * D + p] - cent[lab[i]][p]);
        scatter[lab[i]] += sqrt(s) / (N / K);
        w += s;
    }
    double db = 0;
    for (int a = 0; a < K; a++) {
        double worst = 0;
        for (int c = 0; c < K; c++) {
            if (c == a)
                continue;
            double m = 0;
            for (int p = 0; p < D; p++)
                m += (cent[a][p] - cent[c][p]) * (cent[a][p] - cent[c][p]);
            worst = fmax(worst, (scatter[a] + scatter[c]) / sqrt(m));
        }
        db += worst / K;
    }
    for (int c = 0; c < K; c++)
        for (int p = 0; p < D; p++)
            mean[p] += cent[c][p] / K;
    for (int c = 0; c < K; c++)
        for (int p = 0; p < D; p++)
            b += (double)(N / K) * (cent[c][p] - mean[p]) * (cent[c][p] - mean[p]);
    double ch = b * (N - K) / (w * (K - 1));
    static const int threads[] = {1, 2, 3, 8};
    double got_db[4], got_ch[4];
    for (int q = 0; q < 4; q++) {
        CHECK(se_davies_bouldin(X, N, D, lab, K, threads[q], &got_db[q]) == SE_OK);
        CHECK(se_calinski_harabasz(X, N, D, lab, K, threads[q], &got_ch[q]) == SE_OK);
        CHECK(memcmp(&got_db[q], &got_db[0], sizeof got_db[0]) == 0);
        CHECK(memcmp(&got_ch[q], &got_ch[0], sizeof got_ch[0]) == 0);
    }
    CHECK(fabs(got_db[0] - db) < 1e-9 * db);
    CHECK(fabs(got_ch[0] - ch) < 1e-9 * ch);
}

/* Davies-Bouldin and Calinski-Harabasz: the same bits from AVX-512, AVX2 and plain C (no
 * fused multiply-add in any), for widths with and without columns past the last 8. */
static void test_cluster_indices_widths_agree(void)
{
    enum { N = 4103, K = 6 };
    static const int64_t dims[] = {3, 8, 13, 32, 37};
    static const se_simd levels[] = {SE_SIMD_AVX512, SE_SIMD_AVX2, SE_SIMD_C};
    static float X[N * 37];
    static int lab[N];
    se_rng rng;
    se_rng_seed(&rng, 21);
    for (int i = 0; i < N; i++)
        lab[i] = (int)(se_rng_uniform(&rng) * K) % K;
    for (int w = 0; w < 5; w++) {
        for (int64_t p = 0; p < N * dims[w]; p++)
            X[p] = (float)(lab[p / dims[w]] + 3.0 * se_rng_normal(&rng));
        double db[3], ch[3];
        int have = 0;
        for (int v = 0; v < 3; v++) {
            if (!se_simd_use(levels[v]))
                continue;
            CHECK(se_davies_bouldin(X, N, dims[w], lab, K, 1, &db[have]) == SE_OK);
            CHECK(se_calinski_harabasz(X, N, dims[w], lab, K, 1, &ch[have]) == SE_OK);
            CHECK(memcmp(&db[have], &db[0], sizeof db[0]) == 0);
            CHECK(memcmp(&ch[have], &ch[0], sizeof ch[0]) == 0);
            have++;
        }
        CHECK(have >= 1 && db[0] > 0 && ch[0] > 0);
    }
    se_simd_reset();
}

int main(void)
{
    static const se_simd levels[] = {SE_SIMD_AVX512, SE_SIMD_AVX2, SE_SIMD_C};
    for (int i = 0; i < 3; i++)
        if (se_simd_use(levels[i]))
            test_silhouette_tiles();
    test_silhouette_widths_agree();
    se_simd_reset();
    test_silhouette_many_clusters();
    test_cluster_indices_threads();
    test_cluster_indices_widths_agree();
    test_chunked_threads();

    /* Points 0, 1 (cluster 0) and 10 (cluster 1, alone) on a line. */
    const float X[] = {0, 1, 10};
    const int lab[] = {0, 0, 1};
    double s;
    CHECK(se_silhouette(X, 3, 1, lab, 2, SE_DIST_EUCLIDEAN, 1, &s) == SE_OK);
    /* sample 0: a = 1, b = 10 -> 0.9; sample 1: a = 1, b = 9 -> 8/9; sample 2 alone -> 0 */
    CLOSE(s, (0.9 + 8.0 / 9.0) / 3.0);
    /* The same points given in another order: each value comes back in its row's place. */
    const float Xs[] = {10, 0, 1};
    const int ls[] = {1, 0, 0};
    double v[3];
    CHECK(se_silhouette_samples(Xs, 3, 1, ls, 2, SE_DIST_EUCLIDEAN, 1, v) == SE_OK);
    CLOSE(v[0], 0.0);
    CLOSE(v[1], 0.9);
    CLOSE(v[2], 8.0 / 9.0);

    /* Davies-Bouldin: centroids 0.5 and 10, S = 0.5 and 0 -> R = 0.5 / 9.5 for both. */
    CHECK(se_davies_bouldin(X, 3, 1, lab, 2, 1, &s) == SE_OK);
    CLOSE(s, 0.5 / 9.5);

    /* Calinski-Harabasz: mean 11/3; B = 2 (0.5 - 11/3)^2 + (10 - 11/3)^2; W = 0.5. */
    CHECK(se_calinski_harabasz(X, 3, 1, lab, 2, 1, &s) == SE_OK);
    double m = 11.0 / 3.0, B = 2 * (0.5 - m) * (0.5 - m) + (10 - m) * (10 - m);
    CLOSE(s, B * (3 - 2) / (0.5 * (2 - 1)));

    /* Cosine: (1,0) and (2,0.1) against (0,1). */
    const float Y[] = {1, 0, 2, 0.1f, 0, 1, 0, 3};
    const int ly[] = {0, 0, 1, 1};
    CHECK(se_silhouette(Y, 4, 2, ly, 2, SE_DIST_COSINE, 1, &s) == SE_OK);
    CHECK(s > 0.9 && s <= 1.0);

    /* Bad labels: one cluster only, or a label out of range. */
    const int one[] = {0, 0, 0};
    CHECK(se_silhouette(X, 3, 1, one, 1, SE_DIST_EUCLIDEAN, 1, &s) == SE_EARG);
    const int bad[] = {0, 2, 1};
    CHECK(se_davies_bouldin(X, 3, 1, bad, 2, 1, &s) == SE_EARG);

    /* A NaN or Inf in X, found through the cluster means (no pass over X for it): also +Inf
     * and -Inf in one cluster, and the largest floats, which must not be taken for one. */
    const float big = 3.4e38f;
    const float with_nan[] = {0, NAN, 1}, opposite_inf[] = {INFINITY, 1, -INFINITY}, largest[] = {big, 0, big};
    CHECK(se_davies_bouldin(with_nan, 3, 1, lab, 2, 1, &s) == SE_EARG);
    CHECK(se_calinski_harabasz(with_nan, 3, 1, lab, 2, 1, &s) == SE_EARG);
    const int ends[] = {0, 1, 0};
    CHECK(se_davies_bouldin(opposite_inf, 3, 1, ends, 2, 1, &s) == SE_EARG);
    CHECK(se_davies_bouldin(largest, 3, 1, ends, 2, 1, &s) == SE_OK);

    /* kNN: 1-NN with leave-one-out on the line. */
    int pred[3];
    CHECK(se_knn_predict(X, 3, lab, 2, X, 3, 1, 1, 1, pred) == SE_OK);
    CHECK(pred[0] == 0 && pred[1] == 0 && pred[2] == 0);
    const float q[] = {9, -1};
    CHECK(se_knn_predict(X, 3, lab, 2, q, 2, 1, 1, 0, pred) == SE_OK);
    CHECK(pred[0] == 1 && pred[1] == 0);
    /* k = 2 with a 1-1 tie goes to the smaller label. */
    CHECK(se_knn_predict(X, 3, lab, 2, q, 1, 1, 2, 0, pred) == SE_OK);
    CHECK(pred[0] == 0);

    /* PCA of points on the line y = 2x: one component along (1, 2)/sqrt(5). */
    const float P[] = {0, 0, 1, 2, 2, 4, 3, 6};
    float comp[4], mean[2], proj[8];
    double var[2];
    CHECK(se_pca(P, 4, 2, 2, comp, var, mean, proj) == SE_OK);
    CLOSEF(comp[0], 1 / sqrt(5.0));
    CLOSEF(comp[1], 2 / sqrt(5.0));
    CLOSE(var[0], 5.0 * (2.25 + 0.25 + 0.25 + 2.25) / 3.0);
    CLOSE(var[1], 0.0);
    CLOSEF(mean[1], 3.0);
    CLOSEF(proj[0], -1.5 * sqrt(5.0));

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_metrics: ok\n");
    return 0;
}
