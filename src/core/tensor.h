/* semeq tensors: float32, row-major, strided views over refcounted storage.
 *
 * Overview
 *   A se_tensor is a small header (sizes, strides, offset) that points into a
 *   se_storage. Views (narrow, select, transpose, view) are new headers on the same
 *   storage; each header that is alive holds one reference. Headers are plain values:
 *   copy one with se_tensor_share(), never with memcpy, so that the count stays right.
 *
 *   se_tensor a, row;
 *   int64_t size[2] = {3, 4};
 *   if (se_tensor_init(&a, 2, size) != SE_OK) ...;   // zero-filled, contiguous
 *   se_tensor_share(&row, &a);                        // second reference
 *   se_tensor_select(&row, 0, 1);                     // row 1 (0-based in C)
 *   se_tensor_fill(&row, 2.0f);                       // writes into a
 *   se_tensor_release(&row);
 *   se_tensor_release(&a);                            // storage freed here
 *
 * Dimensions are 0-based in C (the Lua bindings translate from 1-based).
 * Every function that can fail returns se_status and leaves its outputs released
 * (storage == NULL) on failure. Output tensors passed to math functions must already
 * have the right shape; se_tensor_broadcast_shape() computes it.
 *
 * Size arithmetic is checked: every header these functions make addresses only elements
 * inside its storage (a view that would reach outside is refused, the header unchanged),
 * and its extent is at most SE_MAX_NUMEL, so se_tensor_numel() and offset arithmetic
 * cannot overflow. Functions that walk many elements poll the interrupt flag
 * (interrupt.h) and return SE_EINTR when it is set; their output is then partly written. */
#ifndef SE_TENSOR_H
#define SE_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "status.h"

#define SE_MAX_DIM 8
/* Largest element count of any tensor or view, 2^40 (4 TB of floats): far more than can be
 * materialised, far below where int64 element offsets or byte counts could overflow. A
 * shape is measured by its extent, the product of max(size, 1) over its dims, so that a
 * zero-sized dim cannot hide sizes whose strides would overflow. Shapes beyond it are
 * refused with SE_ERANGE before anything is allocated or walked. */
#define SE_MAX_NUMEL ((int64_t)1 << 40)

typedef struct se_storage {
    float *data;
    int64_t length; /* number of floats */
    long refs;
} se_storage;

typedef struct se_tensor {
    se_storage *storage; /* NULL: released / empty header */
    int64_t offset;      /* in floats, from storage->data */
    int ndim;            /* 0 is a scalar with one element */
    int64_t size[SE_MAX_DIM];
    int64_t stride[SE_MAX_DIM];
} se_tensor;

/* ---- life cycle (tensor.c) ---- */
/* Element count of a shape, checked: SE_EARG for ndim outside 0..SE_MAX_DIM or a negative
 * size, SE_ERANGE when its extent (see SE_MAX_NUMEL) is beyond SE_MAX_NUMEL. */
se_status se_shape_numel(int ndim, const int64_t *size, int64_t *numel);
se_status se_tensor_init(se_tensor *t, int ndim, const int64_t *size); /* zeroed, contiguous */
se_status se_tensor_init_like(se_tensor *t, const se_tensor *like);    /* same shape, zeroed */
void se_tensor_share(se_tensor *dst, const se_tensor *src);            /* dst = new header, +1 ref */
void se_tensor_release(se_tensor *t);                                  /* -1 ref; idempotent */
/* Bytes of storage se_tensor_init has allocated in this process so far (all threads; a
 * counter that only grows), and of the storage not yet freed. A host with a garbage
 * collector that does not see this memory (Lua) paces its collections by them:
 * src/lua/lse.c. */
uint64_t se_storage_allocated(void);
uint64_t se_storage_live(void);
se_status se_tensor_clone(se_tensor *dst, const se_tensor *src); /* contiguous deep copy */
/* dst = src if src is contiguous (shared), otherwise a contiguous copy. */
se_status se_tensor_contiguous(se_tensor *dst, const se_tensor *src);

static inline float *se_tensor_data(const se_tensor *t) { return t->storage->data + t->offset; }
int64_t se_tensor_numel(const se_tensor *t);
bool se_tensor_is_contiguous(const se_tensor *t);
bool se_tensor_same_shape(const se_tensor *a, const se_tensor *b);
/* Writes "[2x3]" (or "[]" for a scalar) into buf; returns buf. */
char *se_tensor_shape_str(const se_tensor *t, char *buf, size_t len);
/* Flat offset (in floats, from se_tensor_data) of the element at index[ndim]. */
int64_t se_tensor_offset_of(const se_tensor *t, const int64_t *index);

/* ---- views: change the header in place, share the storage (tensor.c) ----
 * On failure the header is left as it was. */
se_status se_tensor_narrow(se_tensor *t, int dim, int64_t start, int64_t length);
se_status se_tensor_select(se_tensor *t, int dim, int64_t index); /* drops dim */
se_status se_tensor_transpose(se_tensor *t, int dim0, int dim1);
/* New sizes with the same numel; one size may be -1. Needs a contiguous tensor. */
se_status se_tensor_view(se_tensor *t, int ndim, const int64_t *size);
se_status se_tensor_unsqueeze(se_tensor *t, int dim);
/* Removes dim if its size is 1 (dim < 0: every size-1 dim). */
se_status se_tensor_squeeze(se_tensor *t, int dim);
/* Broadcast view (stride 0 on expanded dims); sizes must be 1 or equal (SE_ESHAPE), the
 * result at most SE_MAX_NUMEL elements (SE_ERANGE). */
se_status se_tensor_expand(se_tensor *t, int ndim, const int64_t *size);

/* ---- filling and copying (tensor_math.c) ---- */
se_status se_tensor_fill(se_tensor *t, float value);
/* Copies src into dst, broadcasting src to dst's shape. */
se_status se_tensor_copy(se_tensor *dst, const se_tensor *src);
se_status se_tensor_uniform(se_tensor *t, se_rng *rng, double lo, double hi);
se_status se_tensor_normal(se_tensor *t, se_rng *rng, double mean, double sd);

/* ---- elementwise (tensor_math.c); out may alias an input of the same shape ---- */
typedef enum se_binary_op { SE_ADD, SE_SUB, SE_MUL, SE_DIV, SE_POW, SE_MAXIMUM, SE_MINIMUM } se_binary_op;
typedef enum se_unary_op {
    SE_NEG,
    SE_EXP,
    SE_LOG,
    SE_SQRT,
    SE_TANH,
    SE_ABS,
    SE_SIGMOID,
    SE_RELU,
    SE_SIGN,
    SE_SQUARE,
    SE_FLOOR,
    SE_CEIL,
    SE_RECIPROCAL,
    SE_SIN,
    SE_COS,
    SE_LOG1P,
    SE_EXPM1
} se_unary_op;

/* Shape that a and b broadcast to (numpy rules); SE_ESHAPE if they do not, SE_ERANGE if
 * the result would have more than SE_MAX_NUMEL elements. */
se_status se_tensor_broadcast_shape(const se_tensor *a, const se_tensor *b, int *ndim, int64_t *size);
se_status se_tensor_binary(se_tensor *out, const se_tensor *a, const se_tensor *b, se_binary_op op);
/* out = a op s, or s op a when scalar_first. */
se_status se_tensor_binary_scalar(se_tensor *out, const se_tensor *a, float s, se_binary_op op, bool scalar_first);
se_status se_tensor_unary(se_tensor *out, const se_tensor *a, se_unary_op op);
se_status se_tensor_clamp(se_tensor *out, const se_tensor *a, float lo, float hi);
/* out += alpha * a (same shape, or a broadcastable to out). */
se_status se_tensor_axpy(se_tensor *out, float alpha, const se_tensor *a);

/* ---- reductions (tensor_reduce.c) ---- */
/* Index of the first NaN or infinity of x[0 .. n), or -1 if every element is finite. */
int64_t se_first_nonfinite(const float *x, int64_t n);
typedef enum se_reduce_op {
    SE_SUM,
    SE_MEAN,
    SE_MAX,
    SE_MIN,
    SE_ARGMAX,
    SE_ARGMIN,
    SE_VAR,
    SE_STD,
    SE_NORM
} se_reduce_op;
/* Over all elements, in double, into *result; for ARGMAX/ARGMIN the 0-based flat index.
 * var/std use the unbiased (n - 1) estimator like torch.var. */
se_status se_tensor_reduce_all(const se_tensor *t, se_reduce_op op, double *result);
/* Along dim: out has t's shape with size[dim] == 1 (keepdim); arg ops give 0-based indices. */
se_status se_tensor_reduce_dim(se_tensor *out, const se_tensor *t, int dim, se_reduce_op op);

/* ---- linear algebra through cblas_sgemm (tensor_linalg.c) ---- */
/* out = beta * out + alpha * a @ b; a [m x k], b [k x n], out [m x n]. Transposed views
 * of contiguous matrices are passed to BLAS as they are, without a copy. SE_ERANGE when a
 * size does not fit BLAS's int; a large product runs in slices of rows so that an
 * interrupt is seen between them. */
se_status se_tensor_addmm(se_tensor *out, float beta, float alpha, const se_tensor *a, const se_tensor *b);

/* ---- assembling (tensor_linalg.c) ---- */
/* Concatenates n tensors along dim into out (already shaped). */
se_status se_tensor_cat(se_tensor *out, const se_tensor *const *parts, int n, int dim);
/* out[i] = src[index[i]] along dim 0; indices 0-based, checked. */
se_status se_tensor_index_select(se_tensor *out, const se_tensor *src, const int64_t *index, int64_t n);

#endif
