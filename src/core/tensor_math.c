/* Elementwise math, reductions, BLAS products and assembling of tensors. */
#include "tensor.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_iter.h"

/* ---- filling and copying ---- */

static void fill_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    float v = *(const float *)ctx, *o = p[0];
    for (int64_t i = 0; i < n; i++)
        o[i * s[0]] = v;
}

se_status se_tensor_fill(se_tensor *t, float value)
{
    if (value == 0.0f && !signbit(value) && se_tensor_is_contiguous(t)) {
        /* All-zero bits are +0.0f: zeroing gradients each step becomes one memset (of
         * memory that exists: a contiguous tensor is no larger than its storage). */
        memset(se_tensor_data(t), 0, (size_t)se_tensor_numel(t) * sizeof(float));
        return SE_OK;
    }
    se_iter it;
    const se_tensor *ops[1] = {t};
    se_status st = se_iter_init(&it, t->ndim, t->size, 1, ops);
    return st == SE_OK ? se_iter_run(&it, fill_row, &value) : st;
}

static void copy_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    (void)ctx;
    if (s[0] == 1 && s[1] == 1) {
        memmove(p[0], p[1], (size_t)n * sizeof(float));
        return;
    }
    for (int64_t i = 0; i < n; i++)
        p[0][i * s[0]] = p[1][i * s[1]];
}

se_status se_tensor_copy(se_tensor *dst, const se_tensor *src)
{
    se_iter it;
    const se_tensor *ops[2] = {dst, src};
    se_status st = se_iter_init(&it, dst->ndim, dst->size, 2, ops);
    return st == SE_OK ? se_iter_run(&it, copy_row, NULL) : st;
}

typedef struct random_ctx {
    se_rng *rng;
    double a, b;
    bool normal;
} random_ctx;

static void random_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    random_ctx *r = ctx;
    for (int64_t i = 0; i < n; i++) {
        double x = r->normal ? r->a + r->b * se_rng_normal(r->rng) : r->a + (r->b - r->a) * se_rng_uniform(r->rng);
        p[0][i * s[0]] = (float)x;
    }
}

static se_status fill_random(se_tensor *t, random_ctx *r)
{
    se_iter it;
    const se_tensor *ops[1] = {t};
    se_status st = se_iter_init(&it, t->ndim, t->size, 1, ops);
    return st == SE_OK ? se_iter_run(&it, random_row, r) : st;
}

se_status se_tensor_uniform(se_tensor *t, se_rng *rng, double lo, double hi)
{
    random_ctx r = {rng, lo, hi, false};
    return fill_random(t, &r);
}

se_status se_tensor_normal(se_tensor *t, se_rng *rng, double mean, double sd)
{
    random_ctx r = {rng, mean, sd, true};
    return fill_random(t, &r);
}

/* ---- elementwise ---- */

se_status se_tensor_broadcast_shape(const se_tensor *a, const se_tensor *b, int *ndim, int64_t *size)
{
    int n = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int d = 0; d < n; d++) {
        int da = d - (n - a->ndim), db = d - (n - b->ndim);
        int64_t sa = da >= 0 ? a->size[da] : 1, sb = db >= 0 ? b->size[db] : 1;
        if (sa != sb && sa != 1 && sb != 1)
            return SE_ESHAPE;
        size[d] = sa == 1 ? sb : sa;
    }
    *ndim = n;
    int64_t numel; /* [2^30 x 1] and [1 x 2^30] are fine views, their product is not */
    return se_shape_numel(n, size, &numel);
}

static inline float binary_apply(se_binary_op op, float x, float y)
{
    switch (op) {
    case SE_ADD: return x + y;
    case SE_SUB: return x - y;
    case SE_MUL: return x * y;
    case SE_DIV: return x / y;
    case SE_POW: return powf(x, y);
    case SE_MAXIMUM: return x > y || isnan(x) ? x : y;
    case SE_MINIMUM: return x < y || isnan(x) ? x : y;
    }
    return NAN;
}

/* One loop per operator so that the switch is taken once per row, not per element. */
#define BINARY_LOOP(EXPR)                                                                                              \
    for (int64_t i = 0; i < n; i++) {                                                                                  \
        float x = a[i * sa], y = b[i * sb];                                                                            \
        o[i * so] = (EXPR);                                                                                            \
    }

static void binary_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    se_binary_op op = *(const se_binary_op *)ctx;
    float *o = p[0];
    const float *a = p[1], *b = p[2];
    int64_t so = s[0], sa = s[1], sb = s[2];
    switch (op) {
    case SE_ADD: BINARY_LOOP(x + y) break;
    case SE_SUB: BINARY_LOOP(x - y) break;
    case SE_MUL: BINARY_LOOP(x * y) break;
    case SE_DIV: BINARY_LOOP(x / y) break;
    default: BINARY_LOOP(binary_apply(op, x, y)) break;
    }
}

se_status se_tensor_binary(se_tensor *out, const se_tensor *a, const se_tensor *b, se_binary_op op)
{
    se_iter it;
    const se_tensor *ops[3] = {out, a, b};
    se_status st = se_iter_init(&it, out->ndim, out->size, 3, ops);
    return st == SE_OK ? se_iter_run(&it, binary_row, &op) : st;
}

typedef struct scalar_ctx {
    se_binary_op op;
    float s;
    bool scalar_first;
} scalar_ctx;

static void scalar_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    const scalar_ctx *c = ctx;
    float *o = p[0];
    const float *a = p[1];
    for (int64_t i = 0; i < n; i++) {
        float x = a[i * s[1]];
        o[i * s[0]] = c->scalar_first ? binary_apply(c->op, c->s, x) : binary_apply(c->op, x, c->s);
    }
}

se_status se_tensor_binary_scalar(se_tensor *out, const se_tensor *a, float s, se_binary_op op, bool scalar_first)
{
    se_iter it;
    const se_tensor *ops[2] = {out, a};
    scalar_ctx c = {op, s, scalar_first};
    se_status st = se_iter_init(&it, out->ndim, out->size, 2, ops);
    return st == SE_OK ? se_iter_run(&it, scalar_row, &c) : st;
}

static inline float unary_apply(se_unary_op op, float x)
{
    switch (op) {
    case SE_NEG: return -x;
    case SE_EXP: return expf(x);
    case SE_LOG: return logf(x);
    case SE_SQRT: return sqrtf(x);
    case SE_TANH: return tanhf(x);
    case SE_ABS: return fabsf(x);
    case SE_SIGMOID: return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
    case SE_RELU: return x > 0 ? x : 0.0f;
    case SE_SIGN: return (float)((x > 0) - (x < 0));
    case SE_SQUARE: return x * x;
    case SE_FLOOR: return floorf(x);
    case SE_CEIL: return ceilf(x);
    case SE_RECIPROCAL: return 1.0f / x;
    case SE_SIN: return sinf(x);
    case SE_COS: return cosf(x);
    case SE_LOG1P: return log1pf(x);
    case SE_EXPM1: return expm1f(x);
    }
    return NAN;
}

static void unary_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    se_unary_op op = *(const se_unary_op *)ctx;
    for (int64_t i = 0; i < n; i++)
        p[0][i * s[0]] = unary_apply(op, p[1][i * s[1]]);
}

se_status se_tensor_unary(se_tensor *out, const se_tensor *a, se_unary_op op)
{
    se_iter it;
    const se_tensor *ops[2] = {out, a};
    se_status st = se_iter_init(&it, out->ndim, out->size, 2, ops);
    return st == SE_OK ? se_iter_run(&it, unary_row, &op) : st;
}

static void clamp_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    const float *bounds = ctx;
    for (int64_t i = 0; i < n; i++) {
        float x = p[1][i * s[1]];
        p[0][i * s[0]] = x < bounds[0] ? bounds[0] : x > bounds[1] ? bounds[1] : x;
    }
}

se_status se_tensor_clamp(se_tensor *out, const se_tensor *a, float lo, float hi)
{
    if (!(lo <= hi))
        return SE_EARG;
    se_iter it;
    const se_tensor *ops[2] = {out, a};
    float bounds[2] = {lo, hi};
    se_status st = se_iter_init(&it, out->ndim, out->size, 2, ops);
    return st == SE_OK ? se_iter_run(&it, clamp_row, bounds) : st;
}

static void axpy_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    float alpha = *(const float *)ctx;
    if (s[0] == 1 && s[1] == 1 && n <= INT32_MAX) {
        cblas_saxpy((int)n, alpha, p[1], 1, p[0], 1);
        return;
    }
    for (int64_t i = 0; i < n; i++)
        p[0][i * s[0]] += alpha * p[1][i * s[1]];
}

se_status se_tensor_axpy(se_tensor *out, float alpha, const se_tensor *a)
{
    se_iter it;
    const se_tensor *ops[2] = {out, a};
    se_status st = se_iter_init(&it, out->ndim, out->size, 2, ops);
    return st == SE_OK ? se_iter_run(&it, axpy_row, &alpha) : st;
}
