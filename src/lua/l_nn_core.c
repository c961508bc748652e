// module: semeq.nn.core
/* The C half of semeq.nn: forward/backward kernels of the layers and losses.
 *
 * Every function takes its output buffers as arguments (the Lua layer owns and reuses them,
 * as Torch's Linear.lua does), checks shapes and contiguity, and calls src/core/nn_kernels.c
 * or se_tensor_addmm. Nothing here allocates except GC-owned scratch userdata. Labels come
 * from Lua as 1-based float tensors and are converted to 0-based integers here. */
#include <math.h>
#include <string.h>

#include "../core/gemm.h"
#include "../core/gemv.h"
#include "../core/nn_blocks.h"
#include "../core/nn_kernels.h"
#include "lse.h"

/* Data of a contiguous tensor at arg; raises naming the argument otherwise. */
static float *cdata(lua_State *L, int arg, se_tensor **out)
{
    se_tensor *t = lse_checktensor(L, arg);
    if (!se_tensor_is_contiguous(t))
        luaL_argerror(L, arg, "tensor must be contiguous");
    if (out)
        *out = t;
    return se_tensor_data(t);
}

/* Same, or NULL for nil/none. */
static float *optdata(lua_State *L, int arg, se_tensor **out)
{
    if (lua_isnoneornil(L, arg)) {
        if (out)
            *out = NULL;
        return NULL;
    }
    return cdata(L, arg, out);
}

static void check_numel(lua_State *L, int arg, const se_tensor *t, int64_t n)
{
    if (t && se_tensor_numel(t) != n) {
        char buf[64];
        luaL_argerror(L, arg,
                      lua_pushfstring(L, "expected %I elements, got %I %s", (lua_Integer)n,
                                      (lua_Integer)se_tensor_numel(t), se_tensor_shape_str(t, buf, sizeof buf)));
    }
}

static void check_matrix(lua_State *L, int arg, const se_tensor *t, int64_t rows, int64_t cols)
{
    if (t->ndim != 2 || (rows >= 0 && t->size[0] != rows) || (cols >= 0 && t->size[1] != cols)) {
        char buf[64];
        luaL_argerror(L, arg,
                      lua_pushfstring(L, "expected a [%Ix%I] matrix, got %s", (lua_Integer)rows, (lua_Integer)cols,
                                      se_tensor_shape_str(t, buf, sizeof buf)));
    }
}

/* ---------------------------------------------------------------- Linear */

/* The distance between the rows of a matrix whose rows are contiguous (what se_gemm reads
 * without a copy), or 0 when its columns are strided. */
static int64_t row_stride(const se_tensor *t)
{
    if (t->size[1] > 1 && t->stride[1] != 1)
        return 0;
    return t->size[0] > 1 ? t->stride[0] : t->size[1];
}

/* Products of a batch of at least this many rows go through se_gemm (src/core/gemm.c), which
 * hands the operands to cblas_sgemm in place; a single example is a matrix-vector product
 * (se_gemv, src/core/gemv.c), or se_tensor_addmm's when x's columns are strided. */
#define GEMM_MIN_ROWS 2

/* linear_forward(out [B x O], x [B x I], weight [O x I], bias [O] | nil): out = x W^T + b */
static int l_linear_forward(lua_State *L)
{
    se_tensor *out, *x, *w, *b;
    cdata(L, 1, &out);
    x = lse_checktensor(L, 2);
    cdata(L, 3, &w);
    float *bd = optdata(L, 4, &b);
    check_matrix(L, 3, w, -1, -1);
    check_matrix(L, 2, x, -1, w->size[1]);
    check_matrix(L, 1, out, x->size[0], w->size[0]);
    check_numel(L, 4, b, w->size[0]);
    int64_t rows = x->size[0], in = w->size[1], outs = w->size[0], ldx = row_stride(x);
    if (bd)
        se_fill_rows(se_tensor_data(out), bd, rows, outs);
    if (rows == 1 && ldx > 0) {
        /* one example: W's rows against x, as the model runtime computes it (gemv.h) */
        se_gemv(outs, in, se_tensor_data(w), se_tensor_data(x), bd != NULL, se_tensor_data(out));
        return 0;
    }
    if (rows >= GEMM_MIN_ROWS && ldx > 0) {
        /* out^T = W x^T: the weights are read along their rows, the batch is the short side. */
        se_gemm(outs, rows, in, 1.0f, se_tensor_data(w), in, 1, se_tensor_data(x), ldx, SE_GEMM_B_COLS,
                bd ? 1.0f : 0.0f, se_tensor_data(out), 1, outs);
        return 0;
    }
    se_tensor wt;
    se_tensor_share(&wt, w);
    se_tensor_transpose(&wt, 0, 1);
    se_status st = se_tensor_addmm(out, bd ? 1.0f : 0.0f, 1.0f, x, &wt);
    se_tensor_release(&wt);
    if (st != SE_OK)
        return lse_error(L, st, "linear_forward: %s", se_status_str(st));
    return 0;
}

/* gweight += scale gout^T x and gbias += scale * column sums of gout. */
static se_status linear_acc_params(se_tensor *gw, float *gbd, const se_tensor *gout, const se_tensor *x, float scale)
{
    int64_t rows = x->size[0], ldx = row_stride(x);
    se_status st = SE_OK;
    if (gw && rows >= GEMM_MIN_ROWS && ldx > 0) {
        int64_t outs = gw->size[0], in = gw->size[1];
        se_gemm(outs, in, rows, scale, se_tensor_data(gout), 1, outs, se_tensor_data(x), ldx, SE_GEMM_B_ROWS, 1.0f,
                se_tensor_data(gw), in, 1);
    } else if (gw) {
        se_tensor gt;
        se_tensor_share(&gt, gout);
        se_tensor_transpose(&gt, 0, 1);
        st = se_tensor_addmm(gw, 1.0f, scale, &gt, x);
        se_tensor_release(&gt);
    }
    if (st == SE_OK && gbd) {
        const float *g = se_tensor_data(gout);
        int64_t cols = gout->size[1];
        if (scale == 1.0f) {
            se_sum_rows_acc(gbd, g, rows, cols);
        } else {
            for (int64_t r = 0; r < rows; r++)
                for (int64_t c = 0; c < cols; c++)
                    gbd[c] += scale * g[r * cols + c];
        }
    }
    return st;
}

/* linear_backward(gin | nil, gout [B x O], x [B x I], weight [, gweight | nil, gbias | nil, scale])
 * gin = gout W (when gin is given); gweight += scale gout^T x and gbias += scale * column
 * sums of gout (when given): nn.Linear's updateGradInput and accGradParameters. */
static int l_linear_backward(lua_State *L)
{
    se_tensor *gin, *gout, *x, *w, *gw, *gb;
    optdata(L, 1, &gin);
    cdata(L, 2, &gout);
    x = lse_checktensor(L, 3);
    w = lse_checktensor(L, 4);
    optdata(L, 5, &gw);
    float *gbd = optdata(L, 6, &gb);
    float scale = (float)luaL_optnumber(L, 7, 1.0);
    check_matrix(L, 4, w, -1, -1);
    check_matrix(L, 2, gout, -1, w->size[0]);
    check_matrix(L, 3, x, gout->size[0], w->size[1]);
    if (gw)
        check_matrix(L, 5, gw, w->size[0], w->size[1]);
    check_numel(L, 6, gb, w->size[0]);
    if (gin)
        check_matrix(L, 1, gin, x->size[0], x->size[1]);
    se_status st = SE_OK;
    int64_t ldw = row_stride(w);
    if (gin && x->size[0] >= GEMM_MIN_ROWS && ldw > 0)
        se_gemm(x->size[0], w->size[1], w->size[0], 1.0f, se_tensor_data(gout), w->size[0], 1, se_tensor_data(w), ldw,
                SE_GEMM_B_ROWS, 0.0f, se_tensor_data(gin), w->size[1], 1);
    else if (gin)
        st = se_tensor_addmm(gin, 0.0f, 1.0f, gout, w);
    if (st == SE_OK)
        st = linear_acc_params(gw, gbd, gout, x, scale);
    if (st != SE_OK)
        return lse_error(L, st, "linear_backward: %s", se_status_str(st));
    return 0;
}

/* ---------------------------------------------------------------- the seed's heads */

/* nn.SeedHeads keeps its units' weights as wb [units x (n + 1)]: a Linear(n, 1) row per unit
 * with its bias in the last column (the layout of the units' flat parameters). The products
 * read the first n columns in place (row stride n + 1). */

/* The shapes both seed-head calls share: x [B x n] at argument xarg and wb [u x (n+1)] with
 * 3 k = u <= n head units right after it; gives B, n and u. */
static void check_seed_heads(lua_State *L, int xarg, const se_tensor *x, const se_tensor *wb, int64_t *rows,
                             int64_t *cols, int64_t *units)
{
    check_matrix(L, xarg, x, -1, -1);
    *rows = x->size[0];
    *cols = x->size[1];
    check_matrix(L, xarg + 1, wb, -1, *cols + 1);
    *units = wb->size[0];
    luaL_argcheck(L, *units % 3 == 0 && *units <= *cols, xarg + 1, "expected 3 k <= n head units");
}

/* seed_heads_forward(y [B x n], a [B x u], x [B x n], wb [u x (n+1)]): a = x W^T + b, then the
 * heads (se_seed_heads_forward). */
static int l_seed_heads_forward(lua_State *L)
{
    se_tensor *y, *a, *x, *wb;
    float *yd = cdata(L, 1, &y), *ad = cdata(L, 2, &a), *xd = cdata(L, 3, &x), *wbd = cdata(L, 4, &wb);
    int64_t rows, cols, units;
    check_seed_heads(L, 3, x, wb, &rows, &cols, &units);
    check_matrix(L, 1, y, rows, cols);
    check_matrix(L, 2, a, rows, units);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t u = 0; u < units; u++)
            ad[r * units + u] = wbd[u * (cols + 1) + cols];
    se_gemm(units, rows, cols, 1.0f, wbd, cols + 1, 1, xd, cols, SE_GEMM_B_COLS, 1.0f, ad, 1, units);
    se_seed_heads_forward(yd, ad, xd, rows, cols, units);
    return 0;
}

/* seed_heads_backward(gx | nil, gu [B x u], gy [B x n], a, x, wb [, gwb, scale]): gu from gy
 * and the saved activations; gx = gu W (plus the zero columns' 0 * gy on column 1) when gx
 * is given; gwb[:, 1..n] += scale gu^T x and gwb[:, n+1] += scale * column sums of gu when
 * gwb is given. */
static int l_seed_heads_backward(lua_State *L)
{
    se_tensor *gx, *gu, *gy, *a, *x, *wb, *gwb;
    float *gxd = optdata(L, 1, &gx), *gud = cdata(L, 2, &gu), *gyd = cdata(L, 3, &gy);
    float *ad = cdata(L, 4, &a), *xd = cdata(L, 5, &x), *wbd = cdata(L, 6, &wb), *gwbd = optdata(L, 7, &gwb);
    float scale = (float)luaL_optnumber(L, 8, 1.0);
    int64_t rows, cols, units;
    check_seed_heads(L, 5, x, wb, &rows, &cols, &units);
    check_matrix(L, 2, gu, rows, units);
    check_matrix(L, 3, gy, rows, cols);
    check_matrix(L, 4, a, rows, units);
    if (gx)
        check_matrix(L, 1, gx, rows, cols);
    if (gwb)
        check_matrix(L, 7, gwb, units, cols + 1);
    se_seed_heads_backward(gud, gyd, ad, rows, cols, units);
    if (gx) {
        se_gemm(rows, cols, units, 1.0f, gud, units, 1, wbd, cols + 1, SE_GEMM_B_ROWS, 0.0f, gxd, cols, 1);
        for (int64_t r = 0; r < rows; r++)
            for (int64_t c = units; c < cols; c++)
                gxd[r * cols] += gyd[r * cols + c] * 0.0f;
    }
    if (gwb) {
        se_gemm(units, cols, rows, scale, gud, 1, units, xd, cols, SE_GEMM_B_ROWS, 1.0f, gwbd, cols + 1, 1);
        for (int64_t r = 0; r < rows; r++)
            for (int64_t u = 0; u < units; u++)
                gwbd[u * (cols + 1) + cols] += scale * gud[r * units + u];
    }
    return 0;
}

/* ---------------------------------------------------------------- fused blocks */

/* The block's shape from x [B x in] and y [B x out], its parameters P (a flat run of
 * se_residual_param_count floats) and the scratch work (se_residual_work_size floats). */
static se_residual residual_args(lua_State *L, const se_tensor *x, int xarg, const se_tensor *y, int yarg,
                                 const se_tensor *P, int parg, const se_tensor *work, int warg)
{
    check_matrix(L, xarg, x, -1, -1);
    check_matrix(L, yarg, y, x->size[0], -1);
    se_residual b = {.rows = x->size[0], .in = x->size[1], .out = y->size[1]};
    check_numel(L, parg, P, se_residual_param_count(b.in, b.out));
    check_numel(L, warg, work, se_residual_work_size(b.rows, b.in, b.out));
    return b;
}

/* residual_forward(y [B x out], x [B x in], P, work, eps, p, train): nn.Residual's forward in
 * one call (src/core/nn_blocks.h). */
static int l_residual_forward(lua_State *L)
{
    se_tensor *y, *x, *P, *work;
    float *yd = cdata(L, 1, &y), *xd = cdata(L, 2, &x), *pd = cdata(L, 3, &P), *wd = cdata(L, 4, &work);
    se_residual b = residual_args(L, x, 2, y, 1, P, 3, work, 4);
    b.eps = (float)luaL_checknumber(L, 5);
    b.p = (float)luaL_checknumber(L, 6);
    luaL_argcheck(L, b.p >= 0.0f && b.p < 1.0f, 6, "dropout probability must be in [0, 1)");
    b.train = lua_toboolean(L, 7);
    se_residual_forward(&b, yd, xd, pd, wd, lse_rng(L));
    return 0;
}

/* residual_backward(gx [B x in], G, gy [B x out], x, P, work, p, train [, scale]) after
 * residual_forward of x with the same work: gx, and G accumulated. */
static int l_residual_backward(lua_State *L)
{
    se_tensor *gx, *G, *gy, *x, *P, *work;
    float *gxd = cdata(L, 1, &gx), *gd = cdata(L, 2, &G), *gyd = cdata(L, 3, &gy), *xd = cdata(L, 4, &x);
    float *pd = cdata(L, 5, &P), *wd = cdata(L, 6, &work);
    se_residual b = residual_args(L, x, 4, gy, 3, P, 5, work, 6);
    check_matrix(L, 1, gx, b.rows, b.in);
    check_numel(L, 2, G, se_tensor_numel(P));
    b.p = (float)luaL_checknumber(L, 7);
    b.train = lua_toboolean(L, 8);
    se_residual_backward(&b, gxd, gd, gyd, xd, pd, wd, (float)luaL_optnumber(L, 9, 1.0));
    return 0;
}

/* ---------------------------------------------------------------- activations */

static const char *const ACT_NAMES[] = {"relu", "leaky_relu", "gelu", "tanh", "sigmoid", "softplus", NULL};

/* act_forward(kind, y, x [, param]) */
static int l_act_forward(lua_State *L)
{
    se_act kind = (se_act)luaL_checkoption(L, 1, NULL, ACT_NAMES);
    se_tensor *y, *x;
    float *yd = cdata(L, 2, &y), *xd = cdata(L, 3, &x);
    check_numel(L, 2, y, se_tensor_numel(x));
    se_act_forward(kind, yd, xd, se_tensor_numel(x), (float)luaL_optnumber(L, 4, 0.0));
    return 0;
}

/* act_backward(kind, gx, x, y, gy [, param]) */
static int l_act_backward(lua_State *L)
{
    se_act kind = (se_act)luaL_checkoption(L, 1, NULL, ACT_NAMES);
    se_tensor *gx, *x, *y, *gy;
    float *gxd = cdata(L, 2, &gx), *xd = cdata(L, 3, &x), *yd = cdata(L, 4, &y), *gyd = cdata(L, 5, &gy);
    int64_t n = se_tensor_numel(x);
    check_numel(L, 2, gx, n);
    check_numel(L, 4, y, n);
    check_numel(L, 5, gy, n);
    se_act_backward(kind, gxd, xd, yd, gyd, n, (float)luaL_optnumber(L, 6, 0.0));
    return 0;
}

/* mul(out, a, b): out = a * b elementwise, same numel. */
static int l_mul(lua_State *L)
{
    se_tensor *o, *a, *b;
    float *od = cdata(L, 1, &o), *ad = cdata(L, 2, &a), *bd = cdata(L, 3, &b);
    check_numel(L, 1, o, se_tensor_numel(a));
    check_numel(L, 3, b, se_tensor_numel(a));
    se_mul(od, ad, bd, se_tensor_numel(a));
    return 0;
}

/* ---------------------------------------------------------------- normalisation */

/* Rows x cols of x, normalised over its last dim. */
static void rows_cols(const se_tensor *x, int64_t *rows, int64_t *cols)
{
    *cols = x->ndim > 0 ? x->size[x->ndim - 1] : 1;
    *rows = *cols > 0 ? se_tensor_numel(x) / *cols : 0;
}

/* layernorm_forward(y, mean, rstd, x, gamma, beta, eps) */
static int l_layernorm_forward(lua_State *L)
{
    se_tensor *y, *mean, *rstd, *x, *g, *b;
    float *yd = cdata(L, 1, &y), *md = cdata(L, 2, &mean), *rd = cdata(L, 3, &rstd);
    float *xd = cdata(L, 4, &x), *gd = cdata(L, 5, &g), *bd = cdata(L, 6, &b);
    float eps = (float)luaL_checknumber(L, 7);
    int64_t rows, cols;
    rows_cols(x, &rows, &cols);
    check_numel(L, 1, y, rows * cols);
    check_numel(L, 2, mean, rows);
    check_numel(L, 3, rstd, rows);
    check_numel(L, 5, g, cols);
    check_numel(L, 6, b, cols);
    se_layernorm_forward(yd, md, rd, xd, gd, bd, rows, cols, eps);
    return 0;
}

/* layernorm_backward(gx | nil, ggamma, gbeta, gy, x, mean, rstd, gamma) */
static int l_layernorm_backward(lua_State *L)
{
    se_tensor *gx, *gg, *gb, *gy, *x, *mean, *rstd, *g;
    float *gxd = optdata(L, 1, &gx), *ggd = cdata(L, 2, &gg), *gbd = cdata(L, 3, &gb);
    float *gyd = cdata(L, 4, &gy), *xd = cdata(L, 5, &x), *md = cdata(L, 6, &mean);
    float *rd = cdata(L, 7, &rstd), *gd = cdata(L, 8, &g);
    int64_t rows, cols;
    rows_cols(x, &rows, &cols);
    check_numel(L, 1, gx, rows * cols);
    check_numel(L, 2, gg, cols);
    check_numel(L, 3, gb, cols);
    check_numel(L, 4, gy, rows * cols);
    check_numel(L, 6, mean, rows);
    check_numel(L, 7, rstd, rows);
    check_numel(L, 8, g, cols);
    se_layernorm_backward(gxd, ggd, gbd, gyd, xd, md, rd, gd, rows, cols);
    return 0;
}

/* batchnorm_forward(y, mean, rstd, run_mean, run_var, x [B x C], gamma, beta, eps, momentum, train) */
static int l_batchnorm_forward(lua_State *L)
{
    se_tensor *y, *mean, *rstd, *rm, *rv, *x, *g, *b;
    float *yd = cdata(L, 1, &y), *md = cdata(L, 2, &mean), *rd = cdata(L, 3, &rstd);
    float *rmd = cdata(L, 4, &rm), *rvd = cdata(L, 5, &rv), *xd = cdata(L, 6, &x);
    float *gd = cdata(L, 7, &g), *bd = cdata(L, 8, &b);
    float eps = (float)luaL_checknumber(L, 9), momentum = (float)luaL_checknumber(L, 10);
    int train = lua_toboolean(L, 11);
    check_matrix(L, 6, x, -1, -1);
    int64_t rows = x->size[0], cols = x->size[1];
    if (train && rows < 2)
        luaL_argerror(L, 6, "BatchNorm needs more than one example per batch in training");
    check_numel(L, 1, y, rows * cols);
    check_numel(L, 2, mean, cols);
    check_numel(L, 3, rstd, cols);
    check_numel(L, 4, rm, cols);
    check_numel(L, 5, rv, cols);
    check_numel(L, 7, g, cols);
    check_numel(L, 8, b, cols);
    se_batchnorm_forward(yd, md, rd, rmd, rvd, xd, gd, bd, rows, cols, eps, momentum, train);
    return 0;
}

/* batchnorm_backward(gx | nil, ggamma, gbeta, gy, x, mean, rstd, gamma, train) */
static int l_batchnorm_backward(lua_State *L)
{
    se_tensor *gx, *gg, *gb, *gy, *x, *mean, *rstd, *g;
    float *gxd = optdata(L, 1, &gx), *ggd = cdata(L, 2, &gg), *gbd = cdata(L, 3, &gb);
    float *gyd = cdata(L, 4, &gy), *xd = cdata(L, 5, &x), *md = cdata(L, 6, &mean);
    float *rd = cdata(L, 7, &rstd), *gd = cdata(L, 8, &g);
    check_matrix(L, 5, x, -1, -1);
    int64_t rows = x->size[0], cols = x->size[1];
    check_numel(L, 1, gx, rows * cols);
    check_numel(L, 2, gg, cols);
    check_numel(L, 3, gb, cols);
    check_numel(L, 4, gy, rows * cols);
    check_numel(L, 6, mean, cols);
    check_numel(L, 7, rstd, cols);
    check_numel(L, 8, g, cols);
    se_batchnorm_backward(gxd, ggd, gbd, gyd, xd, md, rd, gd, rows, cols, lua_toboolean(L, 9));
    return 0;
}

/* dropout_forward(y, mask, x, p): draws the mask from the interpreter's RNG. */
static int l_dropout_forward(lua_State *L)
{
    se_tensor *y, *mask, *x;
    float *yd = cdata(L, 1, &y), *md = cdata(L, 2, &mask), *xd = cdata(L, 3, &x);
    double p = luaL_checknumber(L, 4);
    luaL_argcheck(L, p >= 0.0 && p < 1.0, 4, "dropout probability must be in [0, 1)");
    int64_t n = se_tensor_numel(x);
    check_numel(L, 1, y, n);
    check_numel(L, 2, mask, n);
    se_dropout_forward(yd, md, xd, n, (float)p, lse_rng(L));
    return 0;
}

/* ---------------------------------------------------------------- losses */

typedef double (*pointwise_loss)(const float *, const float *, float *, int64_t, float);

static double mse(const float *x, const float *t, float *g, int64_t n, float beta)
{
    (void)beta;
    return se_mse_loss(x, t, g, n);
}

static double l1(const float *x, const float *t, float *g, int64_t n, float beta)
{
    (void)beta;
    return se_l1_loss(x, t, g, n);
}

/* (x, target, grad | nil [, beta]) -> loss; input and target must have the same shape. */
static int regression(lua_State *L, pointwise_loss fn, const char *name)
{
    se_tensor *x, *t, *g;
    float *xd = cdata(L, 1, &x), *td = cdata(L, 2, &t), *gd = optdata(L, 3, &g);
    float beta = (float)luaL_optnumber(L, 4, 1.0);
    luaL_argcheck(L, beta > 0.0f, 4, "beta must be positive");
    if (!se_tensor_same_shape(x, t)) {
        char a[64], b[64];
        return luaL_error(L, "%s: size mismatch, input %s vs target %s", name, se_tensor_shape_str(x, a, sizeof a),
                          se_tensor_shape_str(t, b, sizeof b));
    }
    int64_t n = se_tensor_numel(x);
    check_numel(L, 3, g, n);
    lua_pushnumber(L, fn(xd, td, gd, n, beta));
    return 1;
}

static int l_mse(lua_State *L) { return regression(L, mse, "MSECriterion"); }
static int l_l1(lua_State *L) { return regression(L, l1, "L1Criterion"); }
static int l_smooth_l1(lua_State *L) { return regression(L, se_smooth_l1_loss, "SmoothL1Criterion"); }

/* 0-based int64 labels from a 1-based float tensor of n labels, in GC-owned scratch. */
static int64_t *labels_of(lua_State *L, int arg, int64_t n, int64_t classes)
{
    se_tensor *lab;
    float *ld = cdata(L, arg, &lab);
    check_numel(L, arg, lab, n);
    int64_t *out = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof(int64_t), 0);
    for (int64_t i = 0; i < n; i++) {
        float v = ld[i];
        if (v != floorf(v) || v < 1.0f || (classes > 0 && v > (float)classes))
            luaL_argerror(L, arg,
                          classes > 0 ? lua_pushfstring(L, "label %f at row %I is not a class in 1..%I", (lua_Number)v,
                                                        (lua_Integer)(i + 1), (lua_Integer)classes)
                                      : lua_pushfstring(L, "label %f at row %I is not a positive integer",
                                                        (lua_Number)v, (lua_Integer)(i + 1)));
        out[i] = (int64_t)v - 1;
    }
    return out;
}

/* cross_entropy(logits [B x C], labels [B] (1-based), weight [C] | nil, grad | nil) -> loss */
static int l_cross_entropy(lua_State *L)
{
    se_tensor *x, *w, *g;
    float *xd = cdata(L, 1, &x);
    check_matrix(L, 1, x, -1, -1);
    int64_t rows = x->size[0], classes = x->size[1];
    float *wd = optdata(L, 3, &w), *gd = optdata(L, 4, &g);
    check_numel(L, 3, w, classes);
    check_numel(L, 4, g, rows * classes);
    int64_t *labels = labels_of(L, 2, rows, classes);
    double loss;
    se_status st = se_cross_entropy(xd, labels, wd, gd, rows, classes, &loss);
    if (st != SE_OK)
        return lse_error(L, st, "CrossEntropyCriterion: class weights of the batch sum to zero");
    lua_pushnumber(L, loss);
    return 1;
}

/* supcon(z [B x D], labels [B], tau, scale, grad | nil [, form "out" | "seed" | "seed_v2"]) -> loss */
static int l_supcon(lua_State *L)
{
    se_tensor *z, *g;
    float *zd = cdata(L, 1, &z);
    check_matrix(L, 1, z, -1, -1);
    int64_t rows = z->size[0], dim = z->size[1];
    float tau = (float)luaL_checknumber(L, 3), scale = (float)luaL_checknumber(L, 4);
    luaL_argcheck(L, tau > 0.0f, 3, "temperature must be positive");
    float *gd = optdata(L, 5, &g);
    check_numel(L, 5, g, rows * dim);
    int64_t nwork = se_supcon_work_size(rows, dim); /* rows^2 wrapped around for rows near 2^32 */
    if (nwork < 0)
        return luaL_argerror(L, 1,
                             lua_pushfstring(L,
                                             "%I rows need a %I x %I similarity matrix, "
                                             "more than 2^40 elements",
                                             (lua_Integer)rows, (lua_Integer)rows, (lua_Integer)rows));
    static const char *const forms[] = {"out", "seed", "seed_v2", NULL}; /* se_contrastive_form's order */
    se_contrastive_form form = (se_contrastive_form)luaL_checkoption(L, 6, "out", forms);
    int64_t *labels = labels_of(L, 2, rows, 0);
    float *work = lua_newuserdatauv(L, (size_t)nwork * sizeof(float) + 1, 0);
    double loss;
    lse_check(L, se_supcon_loss(zd, labels, gd, work, rows, dim, tau, scale, form, &loss), "supcon");
    lua_pushnumber(L, loss);
    return 1;
}

/* kl_normal(mu, logvar, gmu | nil, glogvar | nil, beta) -> beta * KL, mean over rows */
static int l_kl_normal(lua_State *L)
{
    se_tensor *mu, *lv, *gm, *gl;
    float *mud = cdata(L, 1, &mu), *lvd = cdata(L, 2, &lv);
    float *gmd = optdata(L, 3, &gm), *gld = optdata(L, 4, &gl);
    float beta = (float)luaL_optnumber(L, 5, 1.0);
    check_matrix(L, 1, mu, -1, -1);
    int64_t n = se_tensor_numel(mu);
    check_numel(L, 2, lv, n);
    check_numel(L, 3, gm, n);
    check_numel(L, 4, gl, n);
    lua_pushnumber(L, se_kl_normal(mud, lvd, gmd, gld, mu->size[0], mu->size[1], beta));
    return 1;
}

/* reparam_forward(z, eps, mu, logvar) */
static int l_reparam_forward(lua_State *L)
{
    se_tensor *z, *e, *mu, *lv;
    float *zd = cdata(L, 1, &z), *ed = cdata(L, 2, &e), *mud = cdata(L, 3, &mu), *lvd = cdata(L, 4, &lv);
    int64_t n = se_tensor_numel(mu);
    check_numel(L, 1, z, n);
    check_numel(L, 2, e, n);
    check_numel(L, 4, lv, n);
    se_reparam_forward(zd, ed, mud, lvd, n, lse_rng(L));
    return 0;
}

/* reparam_backward(gmu, glogvar, gz, eps, logvar) */
static int l_reparam_backward(lua_State *L)
{
    se_tensor *gm, *gl, *gz, *e, *lv;
    float *gmd = cdata(L, 1, &gm), *gld = cdata(L, 2, &gl), *gzd = cdata(L, 3, &gz);
    float *ed = cdata(L, 4, &e), *lvd = cdata(L, 5, &lv);
    int64_t n = se_tensor_numel(gz);
    check_numel(L, 1, gm, n);
    check_numel(L, 2, gl, n);
    check_numel(L, 4, e, n);
    check_numel(L, 5, lv, n);
    se_reparam_backward(gmd, gld, gzd, ed, lvd, n);
    return 0;
}

static const luaL_Reg functions[] = {
    {"linear_forward", l_linear_forward},
    {"linear_backward", l_linear_backward},
    {"residual_forward", l_residual_forward},
    {"residual_backward", l_residual_backward},
    {"seed_heads_forward", l_seed_heads_forward},
    {"seed_heads_backward", l_seed_heads_backward},
    {"act_forward", l_act_forward},
    {"act_backward", l_act_backward},
    {"mul", l_mul},
    {"layernorm_forward", l_layernorm_forward},
    {"layernorm_backward", l_layernorm_backward},
    {"batchnorm_forward", l_batchnorm_forward},
    {"batchnorm_backward", l_batchnorm_backward},
    {"dropout_forward", l_dropout_forward},
    {"mse", l_mse},
    {"l1", l_l1},
    {"smooth_l1", l_smooth_l1},
    {"cross_entropy", l_cross_entropy},
    {"supcon", l_supcon},
    {"kl_normal", l_kl_normal},
    {"reparam_forward", l_reparam_forward},
    {"reparam_backward", l_reparam_backward},
    {NULL, NULL},
};

int luaopen_semeq_nn_core(lua_State *L)
{
    luaL_newlib(L, functions);
    return 1;
}
