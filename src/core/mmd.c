/* Maximum mean discrepancy with a Gaussian kernel, and the median heuristic: see mmd.h. */
#include "mmd.h"

#include <math.h>
#include <stdlib.h>

/* |a - b|^2 of two rows of d floats, in double (direct differences: no cancellation). */
static double sqdist(const float *a, const float *b, int64_t d)
{
    double s = 0.0;
    for (int64_t j = 0; j < d; j++) {
        double v = (double)a[j] - (double)b[j];
        s += v * v;
    }
    return s;
}

static int good_bandwidth(double bandwidth) { return bandwidth > 0.0 && isfinite(bandwidth); }

se_status se_gaussian_kernel(const float *X, int64_t n, const float *Y, int64_t m, int64_t d, double bandwidth,
                             double *K)
{
    if (n < 0 || m < 0 || d < 1 || !good_bandwidth(bandwidth))
        return SE_EARG;
    double scale = -0.5 / (bandwidth * bandwidth);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++)
            K[i * m + j] = exp(scale * sqdist(X + i * d, Y + j * d, d));
    return SE_OK;
}

/* Mean of k over the pairs of one sample: all n^2 pairs, or the n (n - 1) with i != j. */
static double within_mean(const float *X, int64_t n, int64_t d, double scale, int unbiased)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++)
            s += exp(scale * sqdist(X + i * d, X + j * d, d));
    s *= 2.0; /* both orders */
    if (unbiased)
        return s / ((double)n * (double)(n - 1));
    return (s + (double)n) / ((double)n * (double)n); /* k(x, x) = 1 on the diagonal */
}

se_status se_mmd2(const float *X, int64_t n, const float *Y, int64_t m, int64_t d, double bandwidth, int unbiased,
                  double *out)
{
    int64_t least = unbiased ? 2 : 1;
    if (n < least || m < least || d < 1 || !good_bandwidth(bandwidth))
        return SE_EARG;
    double scale = -0.5 / (bandwidth * bandwidth);
    double cross = 0.0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++)
            cross += exp(scale * sqdist(X + i * d, Y + j * d, d));
    cross /= (double)n * (double)m;
    *out = within_mean(X, n, d, scale, unbiased) + within_mean(Y, m, d, scale, unbiased) - 2.0 * cross;
    return SE_OK;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

se_status se_median_distance(const float *Z, int64_t n, int64_t d, double *out)
{
    if (n < 2 || d < 1)
        return SE_EARG;
    if (n > 3037000499LL / 2)
        return SE_EARG; /* n (n - 1) / 2 must not overflow */
    int64_t pairs = n * (n - 1) / 2;
    if ((uint64_t)pairs > SIZE_MAX / sizeof(double))
        return SE_ENOMEM;
    double *dist = malloc((size_t)pairs * sizeof *dist);
    if (!dist)
        return SE_ENOMEM;
    int64_t p = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++)
            dist[p++] = sqrt(sqdist(Z + i * d, Z + j * d, d));
    qsort(dist, (size_t)pairs, sizeof *dist, compare_double);
    *out = pairs % 2 ? dist[pairs / 2] : 0.5 * (dist[pairs / 2 - 1] + dist[pairs / 2]);
    free(dist);
    return SE_OK;
}
