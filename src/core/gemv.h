/* One example through a Linear layer: y = W x, or y += W x.
 *
 * Overview
 *   A single row is what inference is made of (the C API, the LV2 plug-in, semantic:eq_for),
 *   and at one row a Linear layer reads each weight once: its speed is the speed of reading
 *   W. OpenBLAS's sgemv (its SkylakeX kernels) took 12.2 us for the nine layers of the
 *   seed-shaped decoder (220K weights, resident in L2; best of 20,000 calls); four rows at
 *   a time, sixteen columns per step, this takes 7.3 us, and the C runtime's term -> EQ on
 *   that model went from 16.6 to 11.3 us.
 *
 *   se_gemv(out, in, W, x, false, y);   // y [out] = W [out x in] x [in]
 *
 * Each row's dot product is sixteen partial sums (lane l takes columns l, l + 16, ...) of
 * fused multiply-adds, the columns past the last whole sixteen added as zeros, then added
 * in one fixed tree: AVX-512 and AVX2 give the same bits (see simd.h); plain C rounds
 * its products separately. nn.Linear's forward of one row, the fused residual block's
 * (nn_blocks.c) and the model runtime all call this, so they give the same floats. */
#ifndef SE_GEMV_H
#define SE_GEMV_H

#include <stdbool.h>
#include <stdint.h>

/* y[i] = (accumulate ? y[i] : 0) + sum_j w[i * in + j] x[j] for i < out. x and y must
 * not overlap; W is row-major and contiguous, x and y contiguous. */
void se_gemv(int64_t out, int64_t in, const float *w, const float *x, bool accumulate, float *y);

#endif
