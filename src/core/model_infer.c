/* Evaluating a model's graph on a batch, with caller-provided scratch (no allocation).
 *
 * Each node writes its output into a buffer its parent gives it and uses
 * rows * node.scratch floats of scratch beyond that (model_graph.c computes the sizes).
 * Layers call what the Lua layers (lua/semeq/nn/) call through src/lua/l_nn_core.c:
 * Linear is se_gemv (gemv.h) for one row and cblas_sgemm for a batch with the bias filled in
 * first, activations and LayerNorm are the nn_kernels.c kernels, so a forward here gives
 * the same floats as nn's forward in evaluation mode. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "gemv.h"
#include "model.h"

static void linear(const se_model *m, const se_node *n, const float *x, int64_t rows, float *y)
{
    const float *w = m->weights + n->w;
    float beta = 0.0f;
    if (n->b >= 0) {
        se_fill_rows(y, m->weights + n->b, rows, n->out);
        beta = 1.0f;
    }
    if (rows == 1)
        se_gemv(n->out, n->in, w, x, beta != 0.0f, y);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, n->out, n->in, 1.0f, x, n->in, w, n->in, beta,
                    y, n->out);
}

/* BatchNorm in evaluation mode, as se_batchnorm_forward computes it with train = 0. */
static void batchnorm(const se_model *m, const se_node *n, const float *x, int64_t rows, float *y)
{
    const float *mean = m->weights + n->mean, *var = m->weights + n->var;
    const float *gamma = m->weights + n->w, *beta = m->weights + n->b;
    for (int c = 0; c < n->out; c++) {
        double v = var[c];
        float rs = (float)(1.0 / sqrt(v + n->eps)), mc = mean[c];
        for (int64_t r = 0; r < rows; r++)
            y[r * n->out + c] = (x[r * n->out + c] - mc) * rs * gamma[c] + beta[c];
    }
}

/* Copies columns [from, from + width) of x [rows x stride_x] into y [rows x stride_y] at column at. */
static void copy_columns(const float *x, int64_t stride_x, int from, int width, int64_t rows, float *y,
                         int64_t stride_y, int at)
{
    for (int64_t r = 0; r < rows; r++)
        memcpy(y + r * stride_y + at, x + r * stride_x + from, sizeof(float) * (size_t)width);
}

static void run_node(const se_model *m, int index, const float *x, int64_t rows, float *y, float *scratch);

static void sequential(const se_model *m, const se_node *n, const float *x, int64_t rows, float *y, float *scratch)
{
    if (n->nchild == 0) {
        memcpy(y, x, sizeof(float) * (size_t)(rows * n->in));
        return;
    }
    const int *k = m->kids + n->child;
    int64_t widest = 0;
    for (int i = 0; i < n->nchild - 1; i++)
        if (m->nodes[k[i]].out > widest)
            widest = m->nodes[k[i]].out;
    float *buf[2] = {scratch, scratch + rows * widest};
    float *child_scratch = scratch + (n->nchild > 2 ? 2 : n->nchild > 1 ? 1 : 0) * rows * widest;
    const float *cur = x;
    for (int i = 0; i < n->nchild; i++) {
        float *dst = i == n->nchild - 1 ? y : buf[i % 2];
        run_node(m, k[i], cur, rows, dst, child_scratch);
        cur = dst;
    }
}

static void concat(const se_model *m, const se_node *n, const float *x, int64_t rows, float *y, float *scratch)
{
    const int *k = m->kids + n->child;
    int64_t widest = 0;
    for (int i = 0; i < n->nchild; i++)
        if (m->nodes[k[i]].out > widest)
            widest = m->nodes[k[i]].out;
    float *part = scratch, *child_scratch = scratch + rows * widest;
    int at = 0;
    for (int i = 0; i < n->nchild; i++) {
        int w = m->nodes[k[i]].out;
        run_node(m, k[i], x, rows, part, child_scratch);
        copy_columns(part, w, 0, w, rows, y, n->out, at);
        at += w;
    }
}

/* y = ReLU(block(x) + skip(x)), summed as nn.Residual does (block's output plus skip's). */
static void residual(const se_model *m, const se_node *n, const float *x, int64_t rows, float *y, float *scratch)
{
    const int *k = m->kids + n->child;
    int64_t count = rows * n->out;
    float *skip = scratch, *child_scratch = scratch + count;
    run_node(m, k[0], x, rows, y, child_scratch);
    run_node(m, k[1], x, rows, skip, child_scratch);
    for (int64_t i = 0; i < count; i++)
        y[i] += skip[i];
    se_act_forward(SE_ACT_RELU, y, y, count, 0.0f);
}

static void run_node(const se_model *m, int index, const float *x, int64_t rows, float *y, float *scratch)
{
    const se_node *n = &m->nodes[index];
    int64_t count = rows * n->in;
    switch (n->kind) {
    case SE_NODE_LINEAR: linear(m, n, x, rows, y); break;
    case SE_NODE_ACT: se_act_forward(n->act, y, x, count, n->param); break;
    case SE_NODE_LAYERNORM:
        se_layernorm_forward(y, scratch, scratch + rows, x, m->weights + n->w, m->weights + n->b, rows, n->in, n->eps);
        break;
    case SE_NODE_BATCHNORM: batchnorm(m, n, x, rows, y); break;
    case SE_NODE_PASS: memcpy(y, x, sizeof(float) * (size_t)count); break;
    case SE_NODE_NARROW: copy_columns(x, n->in, n->offset, n->out, rows, y, n->out, 0); break;
    case SE_NODE_COLSCALE: {
        const float *s = m->weights + n->w, *b = s + n->in; /* scales, then shifts */
        for (int64_t r = 0; r < rows; r++)
            for (int c = 0; c < n->in; c++)
                y[r * n->in + c] = x[r * n->in + c] * s[c] + b[c];
        break;
    }
    case SE_NODE_SEQUENTIAL: sequential(m, n, x, rows, y, scratch); break;
    case SE_NODE_CONCAT: concat(m, n, x, rows, y, scratch); break;
    case SE_NODE_RESIDUAL: residual(m, n, x, rows, y, scratch); break;
    }
}

int se_model_entry_out(const se_model *m, se_entry e)
{
    return e < SE_ENTRY_COUNT && m->entry[e] >= 0 ? m->nodes[m->entry[e]].out : 0;
}

int se_model_entry_in(const se_model *m, se_entry e)
{
    return e < SE_ENTRY_COUNT && m->entry[e] >= 0 ? m->nodes[m->entry[e]].in : 0;
}

int64_t se_model_entry_scratch(const se_model *m, se_entry e, int64_t rows)
{
    if (e >= SE_ENTRY_COUNT || m->entry[e] < 0 || rows < 1 || rows > SE_MODEL_MAX_BATCH)
        return -1;
    int64_t n;
    if (__builtin_mul_overflow(m->nodes[m->entry[e]].scratch, rows, &n))
        return -1;
    return n;
}

se_status se_model_run(const se_model *m, se_entry e, const float *x, int64_t rows, float *y, float *scratch)
{
    if (e >= SE_ENTRY_COUNT || m->entry[e] < 0)
        return SE_EUNSUPPORTED;
    if (rows < 1 || rows > SE_MODEL_MAX_BATCH || !x || !y)
        return SE_EARG;
    if (!scratch && m->nodes[m->entry[e]].scratch > 0)
        return SE_EARG;
    run_node(m, m->entry[e], x, rows, y, scratch);
    return SE_OK;
}
