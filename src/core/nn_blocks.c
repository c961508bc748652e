/* Fused blocks: see nn_blocks.h. */
#include "nn_blocks.h"

#include <stddef.h>

#include "gemm.h"
#include "gemv.h"
#include "nn_kernels.h"

/* Offsets of the parameters (and of their gradients) in a block's run of floats. */
typedef struct residual_layout {
    int64_t w1, b1, g1, be1, w2, b2, g2, be2, ws, bs, total;
} residual_layout;

static residual_layout layout_of(int64_t in, int64_t out)
{
    residual_layout l;
    l.w1 = 0;
    l.b1 = l.w1 + out * in;
    l.g1 = l.b1 + out;
    l.be1 = l.g1 + out;
    l.w2 = l.be1 + out;
    l.b2 = l.w2 + out * out;
    l.g2 = l.b2 + out;
    l.be2 = l.g2 + out;
    l.ws = l.be2 + out;
    l.bs = l.ws + (in != out ? out * in : 0);
    l.total = l.bs + (in != out ? out : 0);
    return l;
}

int64_t se_residual_param_count(int64_t in, int64_t out) { return layout_of(in, out).total; }

/* The scratch: what the forward keeps for the backward, then the backward's own buffers.
 * Every [rows x out] buffer is contiguous. */
typedef struct residual_work {
    float *h1;                            /* Linear1's output (LN1's input) */
    float *a1;                            /* ReLU(LN1(h1)) */
    float *mask;                          /* Dropout's mask */
    float *d1;                            /* Dropout's output (Linear2's input) */
    float *h2;                            /* Linear2's output (LN2's input) */
    float *sum;                           /* LN2(h2) + skip(x) (the last ReLU's input) */
    float *mean1, *rstd1, *mean2, *rstd2; /* [rows] */
    float *g1, *g2, *g3;                  /* backward: [rows x out] each */
    float *gxs;                           /* backward: the skip's input gradient [rows x in] */
} residual_work;

static residual_work work_of(float *w, int64_t rows, int64_t in, int64_t out)
{
    int64_t ro = rows * out;
    residual_work k = {w,
                       w + ro,
                       w + 2 * ro,
                       w + 3 * ro,
                       w + 4 * ro,
                       w + 5 * ro,
                       w + 6 * ro,
                       w + 6 * ro + rows,
                       w + 6 * ro + 2 * rows,
                       w + 6 * ro + 3 * rows,
                       w + 6 * ro + 4 * rows,
                       w + 7 * ro + 4 * rows,
                       w + 8 * ro + 4 * rows,
                       w + 9 * ro + 4 * rows};
    (void)in;
    return k;
}

int64_t se_residual_work_size(int64_t rows, int64_t in, int64_t out) { return 9 * rows * out + 4 * rows + rows * in; }

/* y [rows x out] = x W^T + b, as nn.Linear computes a batch (l_nn_core.c). */
static void linear_forward(float *y, const float *x, const float *w, const float *b, int64_t rows, int64_t in,
                           int64_t out)
{
    se_fill_rows(y, b, rows, out);
    if (rows == 1)
        se_gemv(out, in, w, x, true, y); /* one example: see gemv.h */
    else
        se_gemm(out, rows, in, 1.0f, w, in, 1, x, in, SE_GEMM_B_COLS, 1.0f, y, 1, out);
}

/* gx = gy W (when gx is given); gW += scale gy^T x, gb += scale * column sums of gy. */
static void linear_backward(float *gx, float *gw, float *gb, const float *gy, const float *x, const float *w,
                            int64_t rows, int64_t in, int64_t out, float scale)
{
    if (gx)
        se_gemm(rows, in, out, 1.0f, gy, out, 1, w, in, SE_GEMM_B_ROWS, 0.0f, gx, in, 1);
    se_gemm(out, in, rows, scale, gy, 1, out, x, in, SE_GEMM_B_ROWS, 1.0f, gw, in, 1);
    if (scale == 1.0f) {
        se_sum_rows_acc(gb, gy, rows, out);
    } else {
        for (int64_t r = 0; r < rows; r++)
            for (int64_t c = 0; c < out; c++)
                gb[c] += scale * gy[r * out + c];
    }
}

void se_residual_forward(const se_residual *b, float *y, const float *x, const float *P, float *work, se_rng *rng)
{
    int64_t rows = b->rows, in = b->in, out = b->out, ro = rows * out;
    residual_layout l = layout_of(in, out);
    residual_work k = work_of(work, rows, in, out);
    linear_forward(k.h1, x, P + l.w1, P + l.b1, rows, in, out);
    se_layernorm_forward(k.a1, k.mean1, k.rstd1, k.h1, P + l.g1, P + l.be1, rows, out, b->eps);
    se_act_forward(SE_ACT_RELU, k.a1, k.a1, ro, 0.0f);
    const float *d1 = k.a1;
    if (b->train && b->p > 0.0f) {
        se_dropout_forward(k.d1, k.mask, k.a1, ro, b->p, rng);
        d1 = k.d1;
    }
    linear_forward(k.h2, d1, P + l.w2, P + l.b2, rows, out, out);
    se_layernorm_forward(k.sum, k.mean2, k.rstd2, k.h2, P + l.g2, P + l.be2, rows, out, b->eps);
    /* sum = LN2 + skip, added in that order as nn.Residual does; y holds the skip meanwhile. */
    const float *skip = x;
    if (in != out) {
        linear_forward(y, x, P + l.ws, P + l.bs, rows, in, out);
        skip = y;
    }
    for (int64_t i = 0; i < ro; i++)
        k.sum[i] = k.sum[i] + skip[i];
    se_act_forward(SE_ACT_RELU, y, k.sum, ro, 0.0f);
}

void se_residual_backward(const se_residual *b, float *gx, float *G, const float *gy, const float *x, const float *P,
                          float *work, float scale)
{
    int64_t rows = b->rows, in = b->in, out = b->out, ro = rows * out;
    residual_layout l = layout_of(in, out);
    residual_work k = work_of(work, rows, in, out);
    bool drop = b->train && b->p > 0.0f;
    /* g1: the gradient at the sum, shared by the block and the skip */
    se_act_backward(SE_ACT_RELU, k.g1, k.sum, NULL, gy, ro, 0.0f);
    se_layernorm_backward(k.g2, G + l.g2, G + l.be2, k.g1, k.h2, k.mean2, k.rstd2, P + l.g2, rows, out);
    linear_backward(k.g3, G + l.w2, G + l.b2, k.g2, drop ? k.d1 : k.a1, P + l.w2, rows, out, out, scale);
    if (drop)
        se_mul(k.g3, k.g3, k.mask, ro);
    /* ReLU's input was LN1's output; its sign is the sign of a1 (ReLU keeps the positives). */
    se_act_backward(SE_ACT_RELU, k.g3, k.a1, NULL, k.g3, ro, 0.0f);
    se_layernorm_backward(k.g2, G + l.g1, G + l.be1, k.g3, k.h1, k.mean1, k.rstd1, P + l.g1, rows, out);
    linear_backward(gx, G + l.w1, G + l.b1, k.g2, x, P + l.w1, rows, in, out, scale);
    const float *gskip = k.g1;
    if (in != out) {
        linear_backward(k.gxs, G + l.ws, G + l.bs, k.g1, x, P + l.ws, rows, in, out, scale);
        gskip = k.gxs;
    }
    for (int64_t i = 0; i < rows * in; i++)
        gx[i] = gx[i] + gskip[i];
}
