/* Tensor storage, headers and views. Math lives in tensor_math.c. */
#include "tensor.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of storage allocated since the process started, and freed (see se_storage_allocated). */
static _Atomic uint64_t storage_bytes, storage_freed;

uint64_t se_storage_allocated(void) { return atomic_load_explicit(&storage_bytes, memory_order_relaxed); }
uint64_t se_storage_live(void)
{
    return atomic_load_explicit(&storage_bytes, memory_order_relaxed) -
        atomic_load_explicit(&storage_freed, memory_order_relaxed);
}

se_status se_shape_numel(int ndim, const int64_t *size, int64_t *numel)
{
    if (ndim < 0 || ndim > SE_MAX_DIM)
        return SE_EARG;
    int64_t n = 1, extent = 1;
    for (int d = 0; d < ndim; d++)
        if (size[d] < 0)
            return SE_EARG;
    for (int d = 0; d < ndim; d++) {
        if (__builtin_mul_overflow(extent, size[d] > 0 ? size[d] : 1, &extent) || extent > SE_MAX_NUMEL)
            return SE_ERANGE;
        n *= size[d]; /* n <= extent: cannot overflow */
    }
    *numel = n;
    return SE_OK;
}

/* Whether header t addresses only elements of its storage and its shape is within
 * SE_MAX_NUMEL: the invariant every view function keeps. */
static bool header_fits(const se_tensor *t)
{
    int64_t numel;
    if (!t->storage || se_shape_numel(t->ndim, t->size, &numel) != SE_OK || t->offset < 0)
        return false;
    if (numel == 0) /* an empty view reads nothing; its offset may sit at the end */
        return t->offset <= t->storage->length;
    int64_t lo = t->offset, hi = t->offset;
    for (int d = 0; d < t->ndim; d++) {
        int64_t span;
        if (__builtin_mul_overflow(t->stride[d], t->size[d] - 1, &span))
            return false;
        if (span < 0 ? __builtin_add_overflow(lo, span, &lo) : __builtin_add_overflow(hi, span, &hi))
            return false;
    }
    return lo >= 0 && hi < t->storage->length;
}

/* Makes the prepared header v t's header if it fits, else leaves t alone. */
static se_status commit_view(se_tensor *t, const se_tensor *v, se_status if_not)
{
    if (!header_fits(v))
        return if_not;
    *t = *v;
    return SE_OK;
}

static void set_contiguous_strides(se_tensor *t)
{
    int64_t stride = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        t->stride[d] = stride;
        stride *= t->size[d] > 0 ? t->size[d] : 1;
    }
}

se_status se_tensor_init(se_tensor *t, int ndim, const int64_t *size)
{
    memset(t, 0, sizeof *t);
    int64_t numel;
    se_status st = se_shape_numel(ndim, size, &numel);
    if (st != SE_OK)
        return st;
    se_storage *s = malloc(sizeof *s);
    if (!s)
        return SE_ENOMEM;
    /* calloc(0) may return NULL: always allocate at least one float. */
    s->data = calloc((size_t)(numel > 0 ? numel : 1), sizeof(float));
    if (!s->data) {
        free(s);
        return SE_ENOMEM;
    }
    s->length = numel;
    s->refs = 1;
    atomic_fetch_add_explicit(&storage_bytes, (uint64_t)(numel > 0 ? numel : 1) * sizeof(float), memory_order_relaxed);
    t->storage = s;
    t->offset = 0;
    t->ndim = ndim;
    memcpy(t->size, size, (size_t)ndim * sizeof *size);
    set_contiguous_strides(t);
    return SE_OK;
}

se_status se_tensor_init_like(se_tensor *t, const se_tensor *like) { return se_tensor_init(t, like->ndim, like->size); }

void se_tensor_share(se_tensor *dst, const se_tensor *src)
{
    *dst = *src;
    if (dst->storage)
        dst->storage->refs++;
}

void se_tensor_release(se_tensor *t)
{
    se_storage *s = t->storage;
    t->storage = NULL;
    if (s && --s->refs == 0) {
        atomic_fetch_add_explicit(&storage_freed, (uint64_t)(s->length > 0 ? s->length : 1) * sizeof(float),
                                  memory_order_relaxed);
        free(s->data);
        free(s);
    }
}

se_status se_tensor_clone(se_tensor *dst, const se_tensor *src)
{
    se_status st = se_tensor_init_like(dst, src);
    if (st == SE_OK)
        st = se_tensor_copy(dst, src);
    if (st != SE_OK)
        se_tensor_release(dst);
    return st;
}

se_status se_tensor_contiguous(se_tensor *dst, const se_tensor *src)
{
    if (se_tensor_is_contiguous(src)) {
        se_tensor_share(dst, src);
        return SE_OK;
    }
    return se_tensor_clone(dst, src);
}

/* Unchecked: every header made by this file has an extent within SE_MAX_NUMEL. */
int64_t se_tensor_numel(const se_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= t->size[d];
    return n;
}

bool se_tensor_is_contiguous(const se_tensor *t)
{
    if (se_tensor_numel(t) == 0)
        return true; /* nothing to lay out ([3x0] has strides {1, 1}, which the loop rejected) */
    int64_t expected = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->size[d] != 1 && t->stride[d] != expected)
            return false;
        expected *= t->size[d];
    }
    return true;
}

bool se_tensor_same_shape(const se_tensor *a, const se_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->size[d] != b->size[d])
            return false;
    return true;
}

char *se_tensor_shape_str(const se_tensor *t, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "[");
    for (int d = 0; d < t->ndim && used < len; d++)
        used += (size_t)snprintf(buf + used, len - used, d ? "x%lld" : "%lld", (long long)t->size[d]);
    if (used < len)
        snprintf(buf + used, len - used, "]");
    return buf;
}

int64_t se_tensor_offset_of(const se_tensor *t, const int64_t *index)
{
    int64_t off = 0;
    for (int d = 0; d < t->ndim; d++)
        off += index[d] * t->stride[d];
    return off;
}

se_status se_tensor_narrow(se_tensor *t, int dim, int64_t start, int64_t length)
{
    /* Written so that nothing can overflow: start + length is never formed. */
    if (dim < 0 || dim >= t->ndim || start < 0 || length < 0 || start > t->size[dim] || length > t->size[dim] - start)
        return SE_EARG;
    se_tensor v = *t;
    int64_t step;
    if (__builtin_mul_overflow(start, t->stride[dim], &step) || __builtin_add_overflow(v.offset, step, &v.offset))
        return SE_EARG;
    v.size[dim] = length;
    return commit_view(t, &v, SE_EARG);
}

se_status se_tensor_select(se_tensor *t, int dim, int64_t index)
{
    if (dim < 0 || dim >= t->ndim || index < 0 || index >= t->size[dim])
        return SE_EARG;
    se_tensor v = *t;
    int64_t step;
    if (__builtin_mul_overflow(index, t->stride[dim], &step) || __builtin_add_overflow(v.offset, step, &v.offset))
        return SE_EARG;
    for (int d = dim; d < v.ndim - 1; d++) {
        v.size[d] = v.size[d + 1];
        v.stride[d] = v.stride[d + 1];
    }
    v.ndim--;
    return commit_view(t, &v, SE_EARG);
}

se_status se_tensor_transpose(se_tensor *t, int dim0, int dim1)
{
    if (dim0 < 0 || dim0 >= t->ndim || dim1 < 0 || dim1 >= t->ndim)
        return SE_EARG;
    int64_t s = t->size[dim0], st = t->stride[dim0];
    t->size[dim0] = t->size[dim1];
    t->stride[dim0] = t->stride[dim1];
    t->size[dim1] = s;
    t->stride[dim1] = st;
    return SE_OK;
}

se_status se_tensor_view(se_tensor *t, int ndim, const int64_t *size)
{
    if (ndim < 0 || ndim > SE_MAX_DIM)
        return SE_EARG;
    if (!se_tensor_is_contiguous(t))
        return SE_ESHAPE;
    int64_t numel = se_tensor_numel(t), known = 1;
    int infer = -1;
    se_tensor v = *t;
    for (int d = 0; d < ndim; d++) {
        v.size[d] = size[d];
        if (size[d] == -1) {
            if (infer >= 0)
                return SE_EARG;
            infer = d;
        } else if (size[d] < 0) {
            return SE_EARG;
        } else if (__builtin_mul_overflow(known, size[d], &known)) {
            return SE_ERANGE; /* a wrapped product could equal numel by accident */
        }
    }
    if (infer >= 0) {
        if (known == 0 || numel % known != 0)
            return SE_ESHAPE;
        v.size[infer] = numel / known;
        known = numel;
    }
    if (known != numel)
        return SE_ESHAPE;
    /* Zero sizes make numel 0 whatever the others are: bound the extent before the
     * strides (products of the sizes) are computed. */
    if (se_shape_numel(ndim, v.size, &known) != SE_OK)
        return SE_ERANGE;
    v.ndim = ndim;
    set_contiguous_strides(&v);
    return commit_view(t, &v, SE_ERANGE);
}

se_status se_tensor_unsqueeze(se_tensor *t, int dim)
{
    if (dim < 0 || dim > t->ndim || t->ndim >= SE_MAX_DIM)
        return SE_EARG;
    /* The new size-1 dim steps over the block of the dim it is inserted before. */
    int64_t stride = 1;
    if (dim < t->ndim && __builtin_mul_overflow(t->stride[dim], t->size[dim], &stride))
        return SE_ERANGE;
    se_tensor v = *t;
    for (int d = v.ndim; d > dim; d--) {
        v.size[d] = v.size[d - 1];
        v.stride[d] = v.stride[d - 1];
    }
    v.size[dim] = 1;
    v.stride[dim] = stride;
    v.ndim++;
    return commit_view(t, &v, SE_ERANGE);
}

se_status se_tensor_squeeze(se_tensor *t, int dim)
{
    if (dim >= t->ndim)
        return SE_EARG;
    int n = 0;
    for (int d = 0; d < t->ndim; d++) {
        bool drop = t->size[d] == 1 && (dim < 0 || dim == d);
        if (drop)
            continue;
        t->size[n] = t->size[d];
        t->stride[n] = t->stride[d];
        n++;
    }
    t->ndim = n;
    return SE_OK;
}

se_status se_tensor_expand(se_tensor *t, int ndim, const int64_t *size)
{
    if (ndim < t->ndim || ndim > SE_MAX_DIM)
        return SE_EARG;
    int64_t nsize[SE_MAX_DIM], nstride[SE_MAX_DIM];
    int lead = ndim - t->ndim;
    for (int d = 0; d < ndim; d++) {
        int64_t have = d < lead ? 1 : t->size[d - lead];
        int64_t stride = d < lead ? 0 : t->stride[d - lead];
        int64_t want = size[d] == -1 ? have : size[d];
        if (want < 0 || (have != want && have != 1))
            return SE_ESHAPE;
        nsize[d] = want;
        nstride[d] = have == want ? stride : 0;
    }
    se_tensor v = *t;
    v.ndim = ndim;
    memcpy(v.size, nsize, (size_t)ndim * sizeof *nsize);
    memcpy(v.stride, nstride, (size_t)ndim * sizeof *nstride);
    return commit_view(t, &v, SE_ERANGE); /* [1] expanded to 2^62 would be a view past any walk */
}
