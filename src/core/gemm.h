/* A matrix product for the shapes training meets: small, many, one after another.
 *
 * Overview
 *   se_gemm computes C = beta C + alpha A B for float matrices given by strides, without
 *   allocating and without threads. A training step of the seed's model is ~60 products of
 *   [32 x 40..256] by [40..256 x 40..256]; at that size a BLAS spends much of each call
 *   outside its inner loop (packing both operands into buffers, choosing a kernel, checking
 *   for threads), and the OpenBLAS that Debian ships picks its SSE3 kernels on CPUs newer
 *   than it knows. This one reads A and B where they are (only a transposed B is copied,
 *   one panel at a time, on the stack) and runs a register-blocked AVX-512 or AVX2+FMA
 *   kernel chosen at run time (simd.h; a plain C loop elsewhere).
 *
 *   // y [rows x out] = x [rows x in] W^T, W [out x in]: C = y^T, A = W, B = x^T
 *   se_gemm(out, rows, in, 1.0f, W, in, 1, x, in, SE_GEMM_B_COLS, 0.0f, y, 1, out);
 *
 * Results: every element of C is one sum over k in increasing order (in blocks of
 * SE_GEMM_KC, each added to C), with fused multiply-adds where the CPU has them; they do not
 * depend on the shape of the rest of the product or on any thread count, so a run is
 * bitwise reproducible on one machine. They differ from another BLAS's by rounding only. */
#ifndef SE_GEMM_H
#define SE_GEMM_H

#include <stdint.h>

/* Columns of k summed into C per pass (bounds the stack copy of a transposed B). */
#define SE_GEMM_KC 256

/* How B is laid out: B(k, j) = b[k * ldb + j] (rows contiguous) or b[j * ldb + k]. */
typedef enum se_gemm_b { SE_GEMM_B_ROWS, SE_GEMM_B_COLS } se_gemm_b;

/* C (m x n) = beta C + alpha A (m x k) B (k x n), with A(i, p) = a[i * ars + p * acs],
 * B as blayout says, C(i, j) = c[i * crs + j * ccs]. beta == 0 does not read C (it may hold
 * anything). C must not overlap A or B. Sizes and strides are not checked here: callers
 * (the bindings, metrics.c) pass views they have checked. */
void se_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t ars, int64_t acs,
             const float *b, int64_t ldb, se_gemm_b blayout, float beta, float *c, int64_t crs, int64_t ccs);



#endif
