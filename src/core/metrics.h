/* Clustering and retrieval metrics over a row-major float matrix X [n x d].
 *
 * Overview
 *   Labels are 0-based integers in [0, k) (the Lua binding encodes strings and
 *   integers in sorted order, so "the smallest label" means the same thing as in
 *   scikit-learn). Every function accumulates in double. The silhouette computes its
 *   distances in float32 tiles on several threads (silhouette.c: from differences, not
 *   |x|^2 + |y|^2 - 2 x.y, so without cancellation) and agrees with scikit-learn's float64
 *   value to ~1e-7; kNN computes pairwise distances in row blocks with cblas_dgemm, as
 *   scikit-learn does (to ~1e-9 on float32 data given to both in the same precision).
 *
 *   double s;
 *   if (se_silhouette(X, n, d, labels, k, SE_DIST_EUCLIDEAN, 2, &s) != SE_OK) ...;
 *
 * Definitions follow scikit-learn 1.x (metrics/cluster/_unsupervised.py):
 *   silhouette: mean over samples of (b - a) / max(a, b), 0 for a sample alone in its
 *   cluster; Davies-Bouldin: mean over clusters of max_j (S_i + S_j) / |c_i - c_j|;
 *   Calinski-Harabasz: [B / (k - 1)] / [W / (n - k)]. All need 2 <= k <= n - 1.
 *
 * Limits: BLAS takes int sizes, so n and d above INT_MAX are refused with SE_ERANGE (a
 * cast would wrap and hand BLAS a wrong size); PCA needs d <= SE_PCA_MAX_DIM. The loops
 * poll the interrupt flag (interrupt.h) and return SE_EINTR when it is set. */
#ifndef SE_METRICS_H
#define SE_METRICS_H

#include <stdint.h>

#include "status.h"

typedef enum se_distance { SE_DIST_EUCLIDEAN, SE_DIST_COSINE } se_distance;

/* Columns PCA accepts: its d x d eigen-decomposition (LAPACK, not interruptible) takes
 * about a second at this size and grows as d^3. */
#define SE_PCA_MAX_DIM 2048

/* threads: how many threads share the rows (silhouette.c: at most 8 while each pair is
 * computed once); the result is the same for every count. The score is the mean of the
 * samples' values, added in row order. */
se_status se_silhouette(const float *X, int64_t n, int64_t d, const int *labels, int k, se_distance metric, int threads,
                        double *score);
/* Each sample's value (b - a) / max(a, b), in X's row order: values [n]. */
se_status se_silhouette_samples(const float *X, int64_t n, int64_t d, const int *labels, int k, se_distance metric,
                                int threads, double *values);
/* threads: how many threads share the row passes (chunked.h); the result is the same for
 * every count. A NaN or Inf in X returns SE_EARG: it always reaches its cluster's mean,
 * summed in double (where no float data can overflow), so the means are checked instead of
 * every element of X, which would be a third pass over the data. */
se_status se_davies_bouldin(const float *X, int64_t n, int64_t d, const int *labels, int k, int threads, double *score);
se_status se_calinski_harabasz(const float *X, int64_t n, int64_t d, const int *labels, int k, int threads,
                               double *score);

/* For each test row, the majority label among its knn nearest train rows (euclidean;
 * a tie in votes goes to the smallest label). With leave_one_out, test must be train
 * (ntest == ntrain) and row i does not vote for itself. pred has ntest entries. */
se_status se_knn_predict(const float *train, int64_t ntrain, const int *train_labels, int nclasses, const float *test,
                         int64_t ntest, int64_t d, int knn, int leave_one_out, int *pred);

/* Principal components through LAPACK dsyevd on the covariance matrix.
 * components [ncomp x d] (unit rows, the largest-magnitude entry of each made
 * positive), variance [ncomp] (eigenvalues, divisor n - 1), mean [d],
 * projected [n x ncomp] (may be NULL). Needs n >= 2 and 1 <= ncomp <= d. */
se_status se_pca(const float *X, int64_t n, int64_t d, int ncomp, float *components, double *variance, float *mean,
                 float *projected);

#endif
