#include "tensor_iter.h"

#include <string.h>

#include "interrupt.h"

se_status se_iter_init(se_iter *it, int ndim, const int64_t *size, int nops, const se_tensor *const *ops)
{
    memset(it, 0, sizeof *it);
    it->nops = nops;
    int64_t stride[SE_ITER_MAX_OPS][SE_MAX_DIM];
    for (int i = 0; i < nops; i++) {
        const se_tensor *t = ops[i];
        if (t->ndim > ndim)
            return SE_ESHAPE;
        int lead = ndim - t->ndim;
        for (int d = 0; d < ndim; d++) {
            int64_t have = d < lead ? 1 : t->size[d - lead];
            if (have != size[d] && have != 1)
                return SE_ESHAPE;
            stride[i][d] = (d < lead || have == 1) ? 0 : t->stride[d - lead];
        }
        it->base[i] = se_tensor_data(t);
    }
    /* Drop size-1 dims, then merge a dim into the next when every operand steps
     * over it exactly as one block of the inner dim. */
    int n = 0;
    for (int d = 0; d < ndim; d++) {
        if (size[d] == 1)
            continue;
        bool merge = n > 0;
        for (int i = 0; i < nops && merge; i++)
            merge = stride[i][d] * size[d] == it->stride[i][n - 1];
        if (merge) {
            it->size[n - 1] *= size[d];
            for (int i = 0; i < nops; i++)
                it->stride[i][n - 1] = stride[i][d];
            continue;
        }
        it->size[n] = size[d];
        for (int i = 0; i < nops; i++)
            it->stride[i][n] = stride[i][d];
        n++;
    }
    if (n == 0) { /* a single element */
        it->size[0] = 1;
        n = 1;
    }
    it->ndim = n;
    return SE_OK;
}

/* One inner row, cut into pieces with an interrupt poll before each. */
static se_status run_row(int64_t n, float *const *start, const int64_t *stride, int nops, se_row_fn fn, void *ctx)
{
    float *ptr[SE_ITER_MAX_OPS];
    for (int i = 0; i < nops; i++)
        ptr[i] = start[i];
    for (int64_t done = 0; done < n;) {
        if (se_interrupt_pending())
            return SE_EINTR;
        int64_t piece = n - done < SE_INTERRUPT_STRIDE ? n - done : SE_INTERRUPT_STRIDE;
        fn(piece, ptr, stride, ctx);
        done += piece;
        if (done < n)
            for (int i = 0; i < nops; i++)
                ptr[i] += piece * stride[i];
    }
    return SE_OK;
}

se_status se_iter_run(const se_iter *it, se_row_fn fn, void *ctx)
{
    int inner = it->ndim - 1;
    for (int d = 0; d < it->ndim; d++)
        if (it->size[d] == 0)
            return SE_OK;
    int64_t counter[SE_MAX_DIM] = {0};
    int64_t row_stride[SE_ITER_MAX_OPS];
    float *ptr[SE_ITER_MAX_OPS];
    for (int i = 0; i < it->nops; i++) {
        ptr[i] = it->base[i];
        row_stride[i] = it->stride[i][inner];
    }
    for (;;) {
        se_status st = run_row(it->size[inner], ptr, row_stride, it->nops, fn, ctx);
        if (st != SE_OK)
            return st;
        /* Advance the outer counters like an odometer. */
        int d = inner - 1;
        for (; d >= 0; d--) {
            for (int i = 0; i < it->nops; i++)
                ptr[i] += it->stride[i][d];
            if (++counter[d] < it->size[d])
                break;
            for (int i = 0; i < it->nops; i++)
                ptr[i] -= it->stride[i][d] * it->size[d];
            counter[d] = 0;
        }
        if (d < 0)
            return SE_OK;
    }
}
