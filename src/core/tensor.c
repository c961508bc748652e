/* Tensor storage, headers and views. Math lives in tensor_math.c. */
#include "tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest number of elements we accept: keeps byte counts far from overflowing. */
#define SE_MAX_NUMEL ((int64_t)1 << 40)

static se_status checked_numel(int ndim, const int64_t *size, int64_t *numel)
{
    if (ndim < 0 || ndim > SE_MAX_DIM)
        return SE_EARG;
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (size[d] < 0)
            return SE_EARG;
        if (size[d] > 0 && n > SE_MAX_NUMEL / size[d])
            return SE_ENOMEM;
        n *= size[d];
    }
    *numel = n;
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
    se_status st = checked_numel(ndim, size, &numel);
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
    t->storage = s;
    t->offset = 0;
    t->ndim = ndim;
    memcpy(t->size, size, (size_t)ndim * sizeof *size);
    set_contiguous_strides(t);
    return SE_OK;
}

se_status se_tensor_init_like(se_tensor *t, const se_tensor *like)
{
    return se_tensor_init(t, like->ndim, like->size);
}

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

int64_t se_tensor_numel(const se_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= t->size[d];
    return n;
}

bool se_tensor_is_contiguous(const se_tensor *t)
{
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
    if (dim < 0 || dim >= t->ndim || start < 0 || length < 0 || start + length > t->size[dim])
        return SE_EARG;
    t->offset += start * t->stride[dim];
    t->size[dim] = length;
    return SE_OK;
}

se_status se_tensor_select(se_tensor *t, int dim, int64_t index)
{
    if (dim < 0 || dim >= t->ndim || index < 0 || index >= t->size[dim])
        return SE_EARG;
    t->offset += index * t->stride[dim];
    for (int d = dim; d < t->ndim - 1; d++) {
        t->size[d] = t->size[d + 1];
        t->stride[d] = t->stride[d + 1];
    }
    t->ndim--;
    return SE_OK;
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
    int64_t resolved[SE_MAX_DIM];
    for (int d = 0; d < ndim; d++) {
        resolved[d] = size[d];
        if (size[d] == -1) {
            if (infer >= 0)
                return SE_EARG;
            infer = d;
        } else if (size[d] < 0) {
            return SE_EARG;
        } else {
            known *= size[d];
        }
    }
    if (infer >= 0) {
        if (known == 0 || numel % known != 0)
            return SE_ESHAPE;
        resolved[infer] = numel / known;
        known = numel;
    }
    if (known != numel)
        return SE_ESHAPE;
    t->ndim = ndim;
    memcpy(t->size, resolved, (size_t)ndim * sizeof *resolved);
    set_contiguous_strides(t);
    return SE_OK;
}

se_status se_tensor_unsqueeze(se_tensor *t, int dim)
{
    if (dim < 0 || dim > t->ndim || t->ndim >= SE_MAX_DIM)
        return SE_EARG;
    /* The new size-1 dim steps over the block of the dim it is inserted before. */
    int64_t stride = dim < t->ndim ? t->stride[dim] * t->size[dim] : 1;
    for (int d = t->ndim; d > dim; d--) {
        t->size[d] = t->size[d - 1];
        t->stride[d] = t->stride[d - 1];
    }
    t->size[dim] = 1;
    t->stride[dim] = stride;
    t->ndim++;
    return SE_OK;
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
    t->ndim = ndim;
    memcpy(t->size, nsize, (size_t)ndim * sizeof *nsize);
    memcpy(t->stride, nstride, (size_t)ndim * sizeof *nstride);
    return SE_OK;
}
