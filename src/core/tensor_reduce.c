/* Reductions over all elements or along one dim, accumulated in double. */
#include <math.h>
#include <string.h>

#include "interrupt.h"
#include "tensor.h"
#include "tensor_iter.h"

/* Running state of one reduction. Welford's update keeps var/std stable in one pass. */
typedef struct reducer {
    int64_t count;
    double sum, mean, m2, sumsq;
    double best;
    int64_t best_index;
} reducer;

static void reducer_init(reducer *r)
{
    *r = (reducer){0};
    r->best = NAN;
    r->best_index = -1;
}

static bool is_extremum(se_reduce_op op) { return op == SE_MAX || op == SE_MIN || op == SE_ARGMAX || op == SE_ARGMIN; }

/* Whether x replaces the current best. NaN wins and then stays, as in torch. */
static bool replaces_best(const reducer *r, se_reduce_op op, double x)
{
    if (r->best_index < 0)
        return true;
    if (isnan(r->best))
        return false;
    if (isnan(x))
        return true;
    return (op == SE_MAX || op == SE_ARGMAX) ? x > r->best : x < r->best;
}

static void reducer_add(reducer *r, se_reduce_op op, double x, int64_t index)
{
    r->count++;
    r->sum += x;
    double delta = x - r->mean;
    r->mean += delta / (double)r->count;
    r->m2 += delta * (x - r->mean);
    r->sumsq += x * x;
    if (is_extremum(op) && replaces_best(r, op, x)) {
        r->best = x;
        r->best_index = index;
    }
}

static double reducer_result(const reducer *r, se_reduce_op op)
{
    switch (op) {
    case SE_SUM: return r->sum;
    case SE_MEAN: return r->count ? r->sum / (double)r->count : NAN;
    case SE_MAX:
    case SE_MIN: return r->best;
    case SE_ARGMAX:
    case SE_ARGMIN: return (double)r->best_index;
    case SE_VAR: return r->count > 1 ? r->m2 / (double)(r->count - 1) : NAN;
    case SE_STD: return r->count > 1 ? sqrt(r->m2 / (double)(r->count - 1)) : NAN;
    case SE_NORM: return sqrt(r->sumsq);
    }
    return NAN;
}

typedef struct all_ctx {
    reducer r;
    se_reduce_op op;
} all_ctx;

static void all_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    all_ctx *c = ctx;
    for (int64_t i = 0; i < n; i++)
        reducer_add(&c->r, c->op, p[0][i * s[0]], c->r.count);
}

se_status se_tensor_reduce_all(const se_tensor *t, se_reduce_op op, double *result)
{
    all_ctx c;
    c.op = op;
    reducer_init(&c.r);
    se_iter it;
    const se_tensor *ops[1] = {t};
    se_status st = se_iter_init(&it, t->ndim, t->size, 1, ops);
    if (st == SE_OK)
        st = se_iter_run(&it, all_row, &c);
    *result = reducer_result(&c.r, op);
    return st;
}

typedef struct dim_ctx {
    se_reduce_op op;
    int64_t length, stride; /* of the reduced dim in the input */
    int64_t work;           /* elements read since the last interrupt poll */
} dim_ctx;

static void dim_row(int64_t n, float *const *p, const int64_t *s, void *ctx)
{
    dim_ctx *c = ctx;
    for (int64_t i = 0; i < n; i++) {
        const float *line = p[1] + i * s[1];
        reducer r;
        reducer_init(&r);
        for (int64_t k = 0; k < c->length; k++) {
            /* Each output reads a whole line (long in an expanded view): poll by elements
             * read, not by outputs; se_iter_run sees the flag after this row. */
            if (++c->work == SE_INTERRUPT_STRIDE) {
                c->work = 0;
                if (se_interrupt_pending())
                    return;
            }
            reducer_add(&r, c->op, line[k * c->stride], k);
        }
        p[0][i * s[0]] = (float)reducer_result(&r, c->op);
    }
}

se_status se_tensor_reduce_dim(se_tensor *out, const se_tensor *t, int dim, se_reduce_op op)
{
    if (dim < 0 || dim >= t->ndim || out->ndim != t->ndim || out->size[dim] != 1)
        return SE_ESHAPE;
    for (int d = 0; d < t->ndim; d++)
        if (d != dim && out->size[d] != t->size[d])
            return SE_ESHAPE;
    /* Walk the output; the input is seen through a view with the reduced dim cut to
     * its first element, and the kernel walks that dim itself. */
    se_tensor first = *t; /* header copy only for iteration; no reference taken */
    dim_ctx c = {op, t->size[dim], t->stride[dim], 0};
    if (c.length == 0) {
        reducer empty;
        reducer_init(&empty);
        return se_tensor_fill(out, (float)reducer_result(&empty, op));
    }
    first.size[dim] = 1;
    se_iter it;
    const se_tensor *ops[2] = {out, &first};
    se_status st = se_iter_init(&it, out->ndim, out->size, 2, ops);
    return st == SE_OK ? se_iter_run(&it, dim_row, &c) : st;
}

/* Blocks of 64 with a test on the exponent bits that compilers vectorise; the block that
 * holds one is then searched element by element. */
int64_t se_first_nonfinite(const float *x, int64_t n)
{
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        uint32_t bad = 0;
        for (int j = 0; j < 64; j++) {
            uint32_t u;
            memcpy(&u, x + i + j, sizeof u);
            bad |= (u & 0x7f800000u) == 0x7f800000u;
        }
        if (bad)
            break;
    }
    for (; i < n; i++)
        if (!isfinite(x[i]))
            return i;
    return -1;
}
