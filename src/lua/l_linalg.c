// module: semeq.linalg
/* semeq.linalg: symmetric solves and eigen-decompositions (LAPACK, in double precision)
 * for the closed-form fits of semeq.linear (ridge, Newton steps, LDA).
 *
 *   local linalg = require "semeq.linalg"
 *   local X = linalg.solve_spd(A, B)      -- A [n x n] symmetric positive definite, B [n x k] or [n]
 *   local w, V = linalg.eigh(A)           -- w [n] ascending; row i of V: the eigenvector of w[i]
 *
 * A matrix that is not positive definite is an argument error ("solve_spd: ... not
 * positive definite"): the caller regularises, the data cannot fix it. */
#include <stdlib.h>

#include "../core/linalg.h"
#include "lse.h"

/* Elements of a strided view (any layout works). */
static double at1(const se_tensor *t, int64_t i) { return se_tensor_data(t)[i * t->stride[0]]; }
static double at2(const se_tensor *t, int64_t i, int64_t j)
{
    return se_tensor_data(t)[i * t->stride[0] + j * t->stride[1]];
}

/* The square matrix at arg as a GC-owned array of doubles (pushed on the stack). */
static double *square_doubles(lua_State *L, int arg, int64_t *n)
{
    se_tensor *A = lse_checktensor(L, arg);
    if (A->ndim != 2 || A->size[0] != A->size[1] || A->size[0] < 1) {
        char buf[64];
        luaL_argerror(
            L, arg,
            lua_pushfstring(L, "expected a square [n x n] matrix, got %s", se_tensor_shape_str(A, buf, sizeof buf)));
    }
    *n = A->size[0];
    double *out = lua_newuserdatauv(L, (size_t)(*n * *n) * sizeof *out, 0);
    for (int64_t i = 0; i < *n; i++)
        for (int64_t j = 0; j < *n; j++)
            out[i * *n + j] = at2(A, i, j);
    return out;
}

static int l_solve_spd(lua_State *L)
{
    int64_t n;
    double *A = square_doubles(L, 1, &n);
    se_tensor *B = lse_checktensor(L, 2);
    int64_t k = B->ndim == 2 ? B->size[1] : 1;
    if (B->ndim < 1 || B->ndim > 2 || B->size[0] != n) {
        char buf[64];
        luaL_argerror(L, 2,
                      lua_pushfstring(L, "expected [%I x k] or [%I] right-hand sides, got %s", (lua_Integer)n,
                                      (lua_Integer)n, se_tensor_shape_str(B, buf, sizeof buf)));
    }
    double *X = lua_newuserdatauv(L, (size_t)(n * k) * sizeof *X, 0);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < k; j++)
            X[i * k + j] = B->ndim == 2 ? at2(B, i, j) : at1(B, i);
    se_status st = se_solve_spd(A, X, n, k);
    if (st == SE_EARG)
        return luaL_error(L, "solve_spd: the matrix is not positive definite");
    if (st != SE_OK)
        return lse_error(L, st, "solve_spd");
    int64_t size[2] = {n, k};
    se_tensor *out = lse_newtensor(L, B->ndim, size);
    float *o = se_tensor_data(out);
    for (int64_t i = 0; i < n * k; i++)
        o[i] = (float)X[i];
    return 1;
}

static int l_eigh(lua_State *L)
{
    int64_t n;
    double *A = square_doubles(L, 1, &n);
    double *w = lua_newuserdatauv(L, (size_t)n * sizeof *w, 0);
    se_status st = se_eigh(A, w, n);
    if (st != SE_OK)
        return lse_error(L, st, "eigh: %s", se_status_str(st));
    se_tensor *values = lse_newtensor(L, 1, &n);
    int64_t size[2] = {n, n};
    se_tensor *vectors = lse_newtensor(L, 2, size);
    float *v = se_tensor_data(values), *V = se_tensor_data(vectors);
    for (int64_t i = 0; i < n; i++)
        v[i] = (float)w[i];
    for (int64_t i = 0; i < n * n; i++)
        V[i] = (float)A[i];
    return 2;
}

static const luaL_Reg functions[] = {
    {"solve_spd", l_solve_spd},
    {"eigh", l_eigh},
    {NULL, NULL},
};

int luaopen_semeq_linalg(lua_State *L)
{
    luaL_newlib(L, functions);
    return 1;
}
