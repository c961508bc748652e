/* Matrix products through cblas_sgemm, concatenation and row gathering. */
#include <cblas.h>
#include <limits.h>

#include "interrupt.h"
#include "tensor.h"

/* Multiply-adds per sgemm call when a product is cut into slices of rows (about 0.1 s on
 * one core): smaller products, every training step among them, are one call as before. */
#define SE_GEMM_SLICE_WORK ((int64_t)1 << 30)

/* How BLAS can read a 2-d view without a copy: row-major as it is, or as the
 * transpose of a row-major matrix. Returns false when neither stride is 1. */
static bool blas_layout(const se_tensor *t, CBLAS_TRANSPOSE *trans, int *ld)
{
    int64_t rows = t->size[0], cols = t->size[1];
    if (t->stride[1] == 1 || cols <= 1) {
        int64_t l = rows <= 1 ? cols : t->stride[0];
        if (l < cols || l < 1 || l > INT_MAX)
            return false;
        *trans = CblasNoTrans;
        *ld = (int)l;
        return true;
    }
    if (t->stride[0] == 1 || rows <= 1) {
        int64_t l = t->stride[1];
        if (l < rows || l < 1 || l > INT_MAX)
            return false;
        *trans = CblasTrans;
        *ld = (int)l;
        return true;
    }
    return false;
}

/* An operand BLAS can read: the view itself or a contiguous copy in tmp. */
static se_status blas_operand(const se_tensor *t, se_tensor *tmp, const se_tensor **use, CBLAS_TRANSPOSE *trans,
                              int *ld)
{
    if (blas_layout(t, trans, ld)) {
        *use = t;
        return SE_OK;
    }
    se_status st = se_tensor_clone(tmp, t);
    if (st != SE_OK)
        return st;
    *use = tmp;
    blas_layout(tmp, trans, ld);
    return SE_OK;
}

/* Rows of a and out per sgemm call: all of them unless m x n x k is large. */
static int64_t gemm_slice_rows(int64_t m, int64_t n, int64_t k)
{
    int64_t per_row = n * (k > 0 ? k : 1); /* <= INT_MAX^2: no overflow */
    int64_t rows = SE_GEMM_SLICE_WORK / per_row;
    return rows < 1 ? 1 : rows > m ? m : rows;
}

/* c = beta c + alpha a b through sgemm, slice by slice of rows, polling the interrupt flag
 * between slices. a and c are headers (narrowed here, no references taken). */
static se_status gemm_sliced(const se_tensor *a, CBLAS_TRANSPOSE transa, int lda, const se_tensor *b,
                             CBLAS_TRANSPOSE transb, int ldb, se_tensor *c, int ldc, float alpha, float beta)
{
    int64_t m = a->size[0], n = b->size[1], k = a->size[1];
    int64_t step = gemm_slice_rows(m, n, k);
    for (int64_t r0 = 0; r0 < m; r0 += step) {
        if (r0 > 0 && se_interrupt_pending())
            return SE_EINTR;
        int64_t rows = m - r0 < step ? m - r0 : step;
        se_tensor as = *a, cs = *c; /* headers only */
        if (se_tensor_narrow(&as, 0, r0, rows) != SE_OK || se_tensor_narrow(&cs, 0, r0, rows) != SE_OK)
            return SE_ESHAPE;
        /* k == 0 leaves c = beta * c, which sgemm does. lda/ldb >= 1 holds by layout. */
        cblas_sgemm(CblasRowMajor, transa, transb, (int)rows, (int)n, (int)k, alpha, se_tensor_data(&as), lda,
                    se_tensor_data(b), ldb, beta, se_tensor_data(&cs), ldc);
    }
    return SE_OK;
}

se_status se_tensor_addmm(se_tensor *out, float beta, float alpha, const se_tensor *a, const se_tensor *b)
{
    if (a->ndim != 2 || b->ndim != 2 || out->ndim != 2 || a->size[1] != b->size[0] || out->size[0] != a->size[0] ||
        out->size[1] != b->size[1])
        return SE_ESHAPE;
    int64_t m = a->size[0], n = b->size[1], k = a->size[1];
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX)
        return SE_ERANGE; /* BLAS takes int sizes: a cast would wrap */
    if (m == 0 || n == 0)
        return SE_OK;
    se_tensor ta = {0}, tb = {0}, tc = {0};
    const se_tensor *ua = a, *ub = b;
    CBLAS_TRANSPOSE transa, transb, transc;
    int lda, ldb, ldc;
    se_status st = blas_operand(a, &ta, &ua, &transa, &lda);
    if (st == SE_OK)
        st = blas_operand(b, &tb, &ub, &transb, &ldb);
    /* The output must be row-major for BLAS to write it; otherwise go through a copy. */
    bool direct = blas_layout(out, &transc, &ldc) && transc == CblasNoTrans;
    if (st == SE_OK && !direct) {
        st = se_tensor_clone(&tc, out);
        ldc = (int)n;
    }
    /* One row (a single example): OpenBLAS's sgemv is several times faster than an sgemm
     * of height 1. The row of a is read along its stride; out is row-major (direct). */
    int64_t inc_a = k > 1 ? (st == SE_OK ? ua->stride[1] : 1) : 1;
    if (st == SE_OK && m == 1 && direct && k > 0 && inc_a > 0 && inc_a <= INT_MAX) {
        CBLAS_TRANSPOSE op = transb == CblasNoTrans ? CblasTrans : CblasNoTrans;
        int rows = transb == CblasNoTrans ? (int)k : (int)n, cols = transb == CblasNoTrans ? (int)n : (int)k;
        cblas_sgemv(CblasRowMajor, op, rows, cols, alpha, se_tensor_data(ub), ldb, se_tensor_data(ua), (int)inc_a, beta,
                    se_tensor_data(out), 1);
    } else if (st == SE_OK) {
        st = gemm_sliced(ua, transa, lda, ub, transb, ldb, direct ? out : &tc, ldc, alpha, beta);
        if (st == SE_OK && !direct)
            st = se_tensor_copy(out, &tc);
    }
    se_tensor_release(&ta);
    se_tensor_release(&tb);
    se_tensor_release(&tc);
    return st;
}

se_status se_tensor_cat(se_tensor *out, const se_tensor *const *parts, int n, int dim)
{
    if (dim < 0 || dim >= out->ndim)
        return SE_EARG;
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        const se_tensor *p = parts[i];
        if (p->ndim != out->ndim)
            return SE_ESHAPE;
        for (int d = 0; d < out->ndim; d++)
            if (d != dim && p->size[d] != out->size[d])
                return SE_ESHAPE;
        if (at + p->size[dim] > out->size[dim])
            return SE_ESHAPE;
        se_tensor slot = *out; /* header only: out keeps the reference */
        se_tensor_narrow(&slot, dim, at, p->size[dim]);
        se_status st = se_tensor_copy(&slot, p);
        if (st != SE_OK)
            return st;
        at += p->size[dim];
    }
    return at == out->size[dim] ? SE_OK : SE_ESHAPE;
}

se_status se_tensor_index_select(se_tensor *out, const se_tensor *src, const int64_t *index, int64_t n)
{
    if (src->ndim < 1 || out->ndim != src->ndim || out->size[0] != n)
        return SE_ESHAPE;
    for (int d = 1; d < src->ndim; d++)
        if (out->size[d] != src->size[d])
            return SE_ESHAPE;
    for (int64_t i = 0; i < n; i++)
        if (index[i] < 0 || index[i] >= src->size[0])
            return SE_EARG;
    for (int64_t i = 0; i < n; i++) {
        se_tensor from = *src, to = *out; /* headers only */
        se_tensor_select(&from, 0, index[i]);
        se_tensor_select(&to, 0, i);
        se_status st = se_tensor_copy(&to, &from);
        if (st != SE_OK)
            return st;
    }
    return SE_OK;
}
