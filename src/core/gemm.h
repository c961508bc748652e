/* A matrix product with strided operands, through OpenBLAS's cblas_sgemm.
 *
 * Overview
 *   se_gemm computes C = beta C + alpha A B for float matrices given by strides: the layers
 *   and kernels that call it read their operands where they are (a weight transposed, a
 *   gradient as columns) and this file maps each layout to cblas_sgemm's row- or
 *   column-major call with the matching transpose flags, so no operand is copied.
 *
 *   // y [rows x out] = x [rows x in] W^T, W [out x in]: C = y^T, A = W, B = x^T
 *   se_gemm(out, rows, in, 1.0f, W, in, 1, x, in, SE_GEMM_B_COLS, 0.0f, y, 1, out);
 *
 * Results are OpenBLAS's: bitwise reproducible for a fixed shape, thread count and kernel
 * (OPENBLAS_NUM_THREADS, OPENBLAS_CORETYPE; see src/main.c for how semeq picks the kernel). */
#ifndef SE_GEMM_H
#define SE_GEMM_H

#include <stdint.h>

/* How B is laid out: B(k, j) = b[k * ldb + j] (rows contiguous) or b[j * ldb + k]. */
typedef enum se_gemm_b { SE_GEMM_B_ROWS, SE_GEMM_B_COLS } se_gemm_b;

/* C (m x n) = beta C + alpha A (m x k) B (k x n), with A(i, p) = a[i * ars + p * acs],
 * B as blayout says, C(i, j) = c[i * crs + j * ccs]. One of A's strides and one of C's
 * must be 1 (BLAS layouts); sizes must fit an int. beta == 0 does not read C (it may hold
 * anything). C must not overlap A or B. Sizes and strides are not checked here: callers
 * (the bindings, nn_blocks.c, nn_kernels.c) pass views they have checked. */
void se_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t ars, int64_t acs, const float *b,
             int64_t ldb, se_gemm_b blayout, float beta, float *c, int64_t crs, int64_t ccs);

#endif
