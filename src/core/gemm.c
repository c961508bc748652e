/* se_gemm: strided layouts mapped to cblas_sgemm (see gemm.h). */
#include "gemm.h"

#include <stdbool.h>

#include <cblas.h>

/* A leading dimension BLAS accepts: a stride of a dimension of size 1 is never used, but
 * BLAS still checks that it is at least the row length. */
static int leading(int64_t stride, int64_t row_length)
{
    int64_t least = row_length > 1 ? row_length : 1;
    return (int)(stride > least ? stride : least);
}

void se_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t ars, int64_t acs, const float *b,
             int64_t ldb, se_gemm_b blayout, float beta, float *c, int64_t crs, int64_t ccs)
{
    if (m <= 0 || n <= 0)
        return;
    bool rows_c = ccs == 1 && !(crs == 1 && n == 1 && m > 1);
    /* In row-major terms A is NoTrans when its rows are contiguous; in column-major terms
     * when its columns are. B likewise. C's contiguous dimension picks the order. */
    if (rows_c) {
        bool a_rows = acs == 1 && !(ars == 1 && k == 1 && m > 1);
        cblas_sgemm(CblasRowMajor, a_rows ? CblasNoTrans : CblasTrans,
                    blayout == SE_GEMM_B_ROWS ? CblasNoTrans : CblasTrans, (int)m, (int)n, (int)k, alpha, a,
                    a_rows ? leading(ars, k) : leading(acs, m), b,
                    blayout == SE_GEMM_B_ROWS ? leading(ldb, n) : leading(ldb, k), beta, c, leading(crs, n));
    } else {
        bool a_cols = ars == 1 && !(acs == 1 && m == 1 && k > 1);
        cblas_sgemm(CblasColMajor, a_cols ? CblasNoTrans : CblasTrans,
                    blayout == SE_GEMM_B_COLS ? CblasNoTrans : CblasTrans, (int)m, (int)n, (int)k, alpha, a,
                    a_cols ? leading(acs, m) : leading(ars, k), b,
                    blayout == SE_GEMM_B_COLS ? leading(ldb, k) : leading(ldb, n), beta, c, leading(ccs, m));
    }
}
