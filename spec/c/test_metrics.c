/* Unit tests of src/core/metrics.c against values worked out by hand. */
#include <math.h>
#include <stdio.h>

#include "metrics.h"

#include "check.h"

#define CLOSE(got, want)                                                              \
    do {                                                                              \
        double g_ = (got), w_ = (want);                                               \
        if (!(fabs(g_ - w_) <= 1e-9 * (1 + fabs(w_)))) {                              \
            fprintf(stderr, "%s:%d: %s = %.12g, want %.12g\n", __FILE__, __LINE__, #got, g_, w_); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

/* float outputs: single precision */
#define CLOSEF(got, want) CHECK(fabs((double)(got) - (want)) <= 1e-6 * (1 + fabs(want)))


int main(void) {
    /* Points 0, 1 (cluster 0) and 10 (cluster 1, alone) on a line. */
    const float X[] = {0, 1, 10};
    const int lab[] = {0, 0, 1};
    double s;
    CHECK(se_silhouette(X, 3, 1, lab, 2, SE_DIST_EUCLIDEAN, &s) == SE_OK);
    /* sample 0: a = 1, b = 10 -> 0.9; sample 1: a = 1, b = 9 -> 8/9; sample 2 alone -> 0 */
    CLOSE(s, (0.9 + 8.0 / 9.0) / 3.0);

    /* Davies-Bouldin: centroids 0.5 and 10, S = 0.5 and 0 -> R = 0.5 / 9.5 for both. */
    CHECK(se_davies_bouldin(X, 3, 1, lab, 2, &s) == SE_OK);
    CLOSE(s, 0.5 / 9.5);

    /* Calinski-Harabasz: mean 11/3; B = 2 (0.5 - 11/3)^2 + (10 - 11/3)^2; W = 0.5. */
    CHECK(se_calinski_harabasz(X, 3, 1, lab, 2, &s) == SE_OK);
    double m = 11.0 / 3.0, B = 2 * (0.5 - m) * (0.5 - m) + (10 - m) * (10 - m);
    CLOSE(s, B * (3 - 2) / (0.5 * (2 - 1)));

    /* Cosine: (1,0) and (2,0.1) against (0,1). */
    const float Y[] = {1, 0, 2, 0.1f, 0, 1, 0, 3};
    const int ly[] = {0, 0, 1, 1};
    CHECK(se_silhouette(Y, 4, 2, ly, 2, SE_DIST_COSINE, &s) == SE_OK);
    CHECK(s > 0.9 && s <= 1.0);

    /* Bad labels: one cluster only, or a label out of range. */
    const int one[] = {0, 0, 0};
    CHECK(se_silhouette(X, 3, 1, one, 1, SE_DIST_EUCLIDEAN, &s) == SE_EARG);
    const int bad[] = {0, 2, 1};
    CHECK(se_davies_bouldin(X, 3, 1, bad, 2, &s) == SE_EARG);

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
