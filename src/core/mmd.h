/* Maximum mean discrepancy (MMD) between two samples, with a Gaussian kernel.
 *
 * Overview
 *   k(x, y) = exp(-|x - y|^2 / (2 sigma^2)), sigma the bandwidth. For samples X [n x d]
 *   and Y [m x d] (row-major floats):
 *     biased (V-statistic)    MMD^2 = mean_ij k(x_i, x_j) + mean_ij k(y_i, y_j) - 2 mean_ij k(x_i, y_j)
 *     unbiased (U-statistic)  the same with the i == j terms left out of the first two means
 *   (Gretton et al., "A kernel two-sample test", JMLR 2012, eqs. 3 and 5). The biased
 *   value is >= 0; the unbiased one can be slightly negative when the samples agree.
 *   The median heuristic sets sigma to the median of the pairwise distances
 *   |z_i - z_j| (i < j) of a sample (numpy's median: the mean of the two middle values
 *   for an even count). Everything accumulates in double.
 *
 *   double sigma, mmd2;
 *   se_median_distance(Z, nz, d, &sigma);
 *   se_mmd2(X, n, Y, m, d, sigma, 1, &mmd2);   // unbiased */
#ifndef SE_MMD_H
#define SE_MMD_H

#include <stdint.h>

#include "status.h"

/* K [n x m] (doubles): k(x_i, y_j). SE_EARG unless bandwidth > 0 and finite. */
se_status se_gaussian_kernel(const float *X, int64_t n, const float *Y, int64_t m, int64_t d, double bandwidth,
                             double *K);

/* MMD^2 between X [n x d] and Y [m x d]; unbiased needs n >= 2 and m >= 2, biased
 * n >= 1 and m >= 1. SE_EARG otherwise or when bandwidth is not positive and finite. */
se_status se_mmd2(const float *X, int64_t n, const float *Y, int64_t m, int64_t d, double bandwidth, int unbiased,
                  double *out);

/* Median of |z_i - z_j| over the n (n - 1) / 2 pairs i < j of Z [n x d] (n >= 2);
 * SE_ENOMEM if the pair list cannot be allocated. */
se_status se_median_distance(const float *Z, int64_t n, int64_t d, double *out);

#endif
