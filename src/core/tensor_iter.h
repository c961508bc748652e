/* Strided iteration over up to three tensors of one shape (internal to the core).
 *
 * Elementwise math visits every element of an output shape while reading inputs
 * through their own strides (0 on broadcast dims). se_iter prepares that walk once:
 * it drops size-1 dims and merges dims that are contiguous for every operand, so the
 * common cases become a single long inner row handed to a kernel. */
#ifndef SE_TENSOR_ITER_H
#define SE_TENSOR_ITER_H

#include "tensor.h"

#define SE_ITER_MAX_OPS 3

typedef struct se_iter {
    int nops;
    int ndim; /* after merging; the last dim is the inner row */
    int64_t size[SE_MAX_DIM];
    int64_t stride[SE_ITER_MAX_OPS][SE_MAX_DIM];
    float *base[SE_ITER_MAX_OPS];
} se_iter;

/* An inner-row kernel: n elements, one pointer and stride per operand. */
typedef void (*se_row_fn)(int64_t n, float *const *ptr, const int64_t *stride, void *ctx);

/* Prepares a walk over shape (ndim, size). Operand i is ops[i], broadcast to that shape
 * (aligned on the right; a size-1 dim is read with stride 0). SE_ESHAPE if an operand
 * does not broadcast. */
se_status se_iter_init(se_iter *it, int ndim, const int64_t *size, int nops, const se_tensor *const *ops);
/* Calls fn over the inner rows in row-major order, a long row in pieces of at most
 * SE_INTERRUPT_STRIDE elements (so a kernel must not care where a row is cut), and polls the
 * interrupt flag between pieces: SE_EINTR if it is set (the walk stops there), else SE_OK. */
se_status se_iter_run(const se_iter *it, se_row_fn fn, void *ctx);

#endif
