// module: semeq.metrics.core
/* The C half of semeq.metrics (the face is lua/semeq/metrics/init.lua, which encodes
 * labels as codes 1..k before calling these):
 *
 *   core.silhouette(X, codes, k [, "euclidean"|"cosine"]) -> number
 *   core.silhouette_samples(X, codes, k [, metric])       -> array of each row's value
 *   core.davies_bouldin(X, codes, k)                      -> number
 *   core.calinski_harabasz(X, codes, k)                   -> number
 *     (k nil: the labels as given, a table or 1-D tensor of integers, encoded in C; nil
 *     back when they are anything else, for the face to encode)
 *   core.knn_predict(trainX, codes, k, testX, knn, loo)   -> array of predicted codes
 *   core.pca(X, ncomp) -> components [ncomp x d], variances (array), mean [d], projected [n x ncomp]
 *   core.mmd2(X, Y, bandwidth, unbiased)                  -> number (Gaussian kernel, see mmd.h)
 *   core.gaussian_kernel(X, Y, bandwidth)                 -> [n x m] tensor of k(x_i, y_j)
 *   core.median_distance(Z)                               -> median pairwise distance of Z's rows
 *
 * X is a 2-D tensor [n x d]. Scratch buffers are Lua userdata, so nothing leaks if an
 * argument check raises. */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/metrics.h"
#include "../core/mmd.h"
#include "lse.h"

/* Raises naming X's first NaN or Inf, if it has one. A NaN or Inf makes every distance to
 * that row NaN: the score would be a silent NaN (or a number computed from the other rows). */
static void refuse_nonfinite(lua_State *L, const char *fn, const float *x, int64_t n, int64_t d)
{
    int64_t i = se_first_nonfinite(x, n * d);
    if (i >= 0)
        luaL_error(L, "%s: X[%I][%I] = %f is not finite", fn, (lua_Integer)(i / d) + 1, (lua_Integer)(i % d) + 1,
                   (double)x[i]);
}

/* A contiguous 2-D view of the tensor at arg, pushed on the stack (owned by Lua); its values
 * are not checked (check_matrix does). */
static const float *check_shape(lua_State *L, int arg, const char *fn, int64_t *n, int64_t *d)
{
    se_tensor *t = lse_checktensor(L, arg);
    if (t->ndim != 2) {
        char shape[64];
        se_tensor_shape_str(t, shape, sizeof shape);
        luaL_error(L, "%s: X must be a 2-D tensor [n x d], got %s", fn, shape);
    }
    /* Before any copy: an expanded view this large would be materialised for nothing. */
    if (t->size[0] > INT_MAX || t->size[1] > INT_MAX) {
        char shape[64];
        se_tensor_shape_str(t, shape, sizeof shape);
        luaL_error(L, "%s: X %s has more rows or columns than BLAS's 2^31 - 1", fn, shape);
    }
    se_tensor *c = lse_pushempty(L);
    se_status st = se_tensor_contiguous(c, t);
    if (st != SE_OK)
        lse_error(L, st, "%s: cannot make X contiguous", fn);
    *n = c->size[0];
    *d = c->size[1];
    return se_tensor_data(c);
}

/* check_shape, and X's values all finite. */
static const float *check_matrix(lua_State *L, int arg, const char *fn, int64_t *n, int64_t *d)
{
    const float *x = check_shape(L, arg, fn, n, d);
    refuse_nonfinite(L, fn, x, *n, *d);
    return x;
}

/* Codes (a Lua array of integers in 1..k) as 0-based ints in a userdata buffer. */
static int *check_codes(lua_State *L, int arg, int64_t n, int k, const char *fn)
{
    luaL_checktype(L, arg, LUA_TTABLE);
    if ((int64_t)lua_rawlen(L, arg) != n)
        luaL_error(L, "%s: %I labels for %I rows", fn, (lua_Integer)lua_rawlen(L, arg), (lua_Integer)n);
    int *codes = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *codes, 0);
    for (int64_t i = 0; i < n; i++) {
        lua_rawgeti(L, arg, (lua_Integer)i + 1);
        int isnum;
        lua_Integer c = lua_tointegerx(L, -1, &isnum);
        if (!isnum || c < 1 || c > k)
            luaL_error(L, "%s: label code %s at position %d is not an integer in 1..%d", fn,
                       luaL_tolstring(L, -1, NULL), (int)i + 1, k);
        lua_pop(L, 1);
        codes[i] = (int)c - 1;
    }
    return codes;
}

static int check_k(lua_State *L, int arg, int64_t n, const char *fn);

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The integers t[1..n] of the table at arg in v; false at the first value that is not an
 * integer (an integral float, as a tensor's totable gives, is one: 2.0 == 2 in Lua, and the
 * face reads it so too). The values are pushed a batch at a time and popped together: at
 * 20,000 labels one pop per value was a tenth of the time of Davies-Bouldin. */
static bool read_integers(lua_State *L, int arg, int64_t n, int64_t *v)
{
    enum { BATCH = 32 };
    luaL_checkstack(L, BATCH, "labels");
    int top = lua_gettop(L);
    for (int64_t i = 0; i < n; i += BATCH) {
        int m = n - i < BATCH ? (int)(n - i) : BATCH;
        bool integers = true;
        for (int j = 0; j < m; j++)
            integers &= lua_rawgeti(L, arg, (lua_Integer)(i + j) + 1) == LUA_TNUMBER;
        for (int j = 0; j < m && integers; j++) {
            int isnum;
            v[i + j] = (int64_t)lua_tointegerx(L, top + 1 + j, &isnum);
            integers = isnum;
        }
        lua_settop(L, top);
        if (!integers)
            return false;
    }
    return true;
}

/* The values of the 1-D tensor t in v; false if one is not an integer of magnitude at most
 * 2^24 (larger ones, rare as labels, take the face's path, which gives the same codes).
 * One conversion and one comparison per value, and no branch out of the loop (a floorf and
 * an early return per label made it 1.6 times as slow).
 * NaN and Inf fail the bound and so the comparison. */
static bool read_integral_floats(const se_tensor *t, int64_t n, int64_t *v)
{
    const float *x = se_tensor_data(t);
    int64_t stride = t->stride[0];
    int integral = 1;
    for (int64_t i = 0; i < n; i++) {
        float f = x[i * stride];
        int32_t c = (int32_t)(fabsf(f) <= 0x1p24f ? f : 0.0f);
        integral &= (float)c == f;
        v[i] = c;
    }
    return integral;
}

/* The labels at arg as 0-based codes of their sorted distinct values (M.encode's codes),
 * read in C: a table of n integers (read_integers) or a 1-D tensor of n integral values.
 * Returns NULL (and pushes nothing that matters) for anything else — strings, mixed kinds,
 * another length — which the face then encodes in Lua with its messages. */
static int *encode_integers(lua_State *L, int arg, int64_t n, int *k)
{
    se_tensor *t = lse_totensor(L, arg);
    if (!t && !lua_istable(L, arg))
        return NULL;
    if (t ? t->ndim != 1 || t->size[0] != n : (int64_t)lua_rawlen(L, arg) != n)
        return NULL;
    int64_t *v = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *v, 0);
    if (!(t ? read_integral_floats(t, n, v) : read_integers(L, arg, n, v)))
        return NULL;
    int *codes = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *codes, 0);
    int64_t lo = n > 0 ? v[0] : 0, hi = lo;
    for (int64_t i = 1; i < n; i++) {
        if (v[i] < lo)
            lo = v[i];
        if (v[i] > hi)
            hi = v[i];
    }
    if ((uint64_t)hi - (uint64_t)lo < (uint64_t)(4 * n + 1024)) {
        /* A dense range: the code of a value is the number of distinct values below it. */
        int64_t range = hi - lo + 1;
        int *code = lua_newuserdatauv(L, (size_t)range * sizeof *code, 0);
        memset(code, 0, (size_t)range * sizeof *code);
        for (int64_t i = 0; i < n; i++)
            code[v[i] - lo] = 1;
        int next = 0;
        for (int64_t r = 0; r < range; r++)
            code[r] = code[r] ? next++ : -1;
        for (int64_t i = 0; i < n; i++)
            codes[i] = code[v[i] - lo];
        *k = next;
    } else {
        int64_t *sorted = lua_newuserdatauv(L, (size_t)n * sizeof *sorted, 0);
        memcpy(sorted, v, (size_t)n * sizeof *sorted);
        qsort(sorted, (size_t)n, sizeof *sorted, cmp_int64);
        int64_t distinct = 0;
        for (int64_t i = 0; i < n; i++)
            if (i == 0 || sorted[i] != sorted[distinct - 1])
                sorted[distinct++] = sorted[i];
        for (int64_t i = 0; i < n; i++) {
            const int64_t *at = bsearch(&v[i], sorted, (size_t)distinct, sizeof *sorted, cmp_int64);
            codes[i] = (int)(at - sorted);
        }
        *k = (int)distinct;
    }
    return codes;
}

/* Rows of the matrix X at arg (its checks come later, in check_matrix). */
static int64_t matrix_rows(lua_State *L, int arg, const char *fn)
{
    se_tensor *t = lse_checktensor(L, arg);
    if (t->ndim != 2)
        luaL_error(L, "%s: X must be a 2-D tensor [n x d]", fn);
    return t->size[0];
}

/* The codes for a cluster metric: with k given, a table of codes 1..k (from M.encode);
 * with k nil, the raw labels encoded here, or NULL when they need the face's encoding (see
 * encode_integers) or give a k the metric refuses (the face raises the message). */
static int *cluster_codes(lua_State *L, int arg, int karg, int64_t n, int *k, const char *fn)
{
    if (!lua_isnil(L, karg)) {
        *k = check_k(L, karg, n, fn);
        return check_codes(L, arg, n, *k, fn);
    }
    int *codes = encode_integers(L, arg, n, k);
    return codes && *k >= 2 && *k <= n - 1 ? codes : NULL;
}

static int check_k(lua_State *L, int arg, int64_t n, const char *fn)
{
    lua_Integer k = luaL_checkinteger(L, arg);
    if (k < 2 || k > n - 1)
        luaL_error(L, "%s: the number of labels is %I; it must be between 2 and n - 1 = %I", fn, k,
                   (lua_Integer)(n - 1));
    return (int)k;
}

typedef se_status (*cluster_metric)(const float *, int64_t, int64_t, const int *, int, int, double *);

/* core[fn](X, labels, k): labels are codes 1..k, or with k nil raw integer labels, encoded
 * here; nil when those need the face's encoding (see cluster_codes). */
static int run_cluster_metric(lua_State *L, const char *fn, cluster_metric f)
{
    lua_settop(L, 3); /* scratch values are pushed above the arguments */
    int64_t n, d;
    const float *X = NULL;
    if (!lua_isnil(L, 3))
        X = check_shape(L, 1, fn, &n, &d); /* codes from the face: X first */
    int k;
    int *codes = cluster_codes(L, 2, 3, matrix_rows(L, 1, fn), &k, fn);
    if (!codes)
        return 0;
    if (!X)
        X = check_shape(L, 1, fn, &n, &d);
    double score;
    /* As many threads as matrix products use, as silhouette: the value does not depend on it. */
    se_status st = f(X, n, d, codes, k, openblas_get_num_threads(), &score);
    if (st == SE_EARG)
        refuse_nonfinite(L, fn, X, n, d); /* how the metric reports a NaN or Inf in X (metrics.h) */
    if (st != SE_OK)
        return lse_error(L, st, "%s: failed on X [%Ix%I]", fn, (lua_Integer)n, (lua_Integer)d);
    lua_pushnumber(L, score);
    return 1;
}

/* Not luaL_checkoption: the face (metrics/init.lua) calls this through core[name], so an
 * argument error could not name the function ("bad argument #4 to '?'"). */
static int check_metric(lua_State *L, int arg, const char *fn)
{
    const char *name = luaL_optstring(L, arg, "euclidean");
    if (strcmp(name, "euclidean") == 0)
        return 0;
    if (strcmp(name, "cosine") == 0)
        return 1;
    return luaL_error(L, "%s: unknown metric '%s' (euclidean or cosine)", fn, name);
}

/* core[fn](X, labels, k [, metric]): the score, or with samples each row's value (an array
 * in X's row order); nil when the labels need the face's encoding (see cluster_codes). */
static int run_silhouette(lua_State *L, const char *fn, bool samples)
{
    lua_settop(L, 4);
    int64_t n, d;
    const float *X = NULL;
    if (!lua_isnil(L, 3))
        X = check_matrix(L, 1, fn, &n, &d); /* codes from the face: X first */
    int k;
    int *codes = cluster_codes(L, 2, 3, matrix_rows(L, 1, fn), &k, fn);
    se_distance metric = check_metric(L, 4, fn) ? SE_DIST_COSINE : SE_DIST_EUCLIDEAN;
    if (!codes)
        return 0;
    if (!X)
        X = check_matrix(L, 1, fn, &n, &d);
    /* As many threads as matrix products use (semeq.tensor.setNumThreads): the values do not
     * depend on it. */
    int threads = openblas_get_num_threads();
    double score = 0.0, *values = samples ? lua_newuserdatauv(L, (size_t)n * sizeof *values, 0) : NULL;
    se_status st = samples ? se_silhouette_samples(X, n, d, codes, k, metric, threads, values)
                           : se_silhouette(X, n, d, codes, k, metric, threads, &score);
    if (st != SE_OK)
        return lse_error(L, st, "%s: failed on X [%Ix%I]", fn, (lua_Integer)n, (lua_Integer)d);
    if (!samples) {
        lua_pushnumber(L, score);
        return 1;
    }
    lua_createtable(L, (int)n, 0);
    for (int64_t i = 0; i < n; i++) {
        lua_pushnumber(L, values[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int l_silhouette(lua_State *L) { return run_silhouette(L, "silhouette", false); }
static int l_silhouette_samples(lua_State *L) { return run_silhouette(L, "silhouette_samples", true); }

static int l_davies_bouldin(lua_State *L) { return run_cluster_metric(L, "davies_bouldin", se_davies_bouldin); }
static int l_calinski_harabasz(lua_State *L)
{
    return run_cluster_metric(L, "calinski_harabasz", se_calinski_harabasz);
}

static int l_knn_predict(lua_State *L)
{
    lua_settop(L, 6);
    int64_t ntr, d, nte, d2;
    const float *train = check_matrix(L, 1, "knn", &ntr, &d);
    lua_Integer k = luaL_checkinteger(L, 3);
    luaL_argcheck(L, k >= 1 && k < (1 << 30), 3, "knn: number of classes must be >= 1");
    int *codes = check_codes(L, 2, ntr, (int)k, "knn");
    const float *test = check_matrix(L, 4, "knn", &nte, &d2);
    if (d2 != d)
        return luaL_error(L, "knn: train X has %I columns but test X has %I", (lua_Integer)d, (lua_Integer)d2);
    lua_Integer knn = luaL_checkinteger(L, 5);
    int loo = lua_toboolean(L, 6);
    if (knn < 1 || knn > ntr - (loo ? 1 : 0))
        return luaL_error(L, "knn: k = %I must be between 1 and the number of train rows%s (%I)", knn,
                          loo ? " - 1" : "", (lua_Integer)(ntr - (loo ? 1 : 0)));
    if (loo && nte != ntr)
        return luaL_error(L, "knn: leave-one-out needs test X = train X");
    if (nte < 1)
        return luaL_error(L, "knn: test X has no rows");
    int *pred = lua_newuserdatauv(L, (size_t)nte * sizeof *pred, 0);
    se_status st = se_knn_predict(train, ntr, codes, (int)k, test, nte, d, (int)knn, loo, pred);
    lse_check(L, st, "knn");
    lua_createtable(L, (int)nte, 0);
    for (int64_t i = 0; i < nte; i++) {
        lua_pushinteger(L, pred[i] + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int l_pca(lua_State *L)
{
    lua_settop(L, 2);
    int64_t n, d;
    const float *X = check_matrix(L, 1, "pca", &n, &d);
    lua_Integer nc = luaL_optinteger(L, 2, 2);
    if (n < 2)
        return luaL_error(L, "pca: X needs at least 2 rows, got %I", (lua_Integer)n);
    if (nc < 1 || nc > d)
        return luaL_error(L, "pca: ncomp = %I must be between 1 and d = %I", nc, (lua_Integer)d);
    if (d > SE_PCA_MAX_DIM)
        return luaL_error(L, "pca: X has %I columns, more than the %d PCA takes", (lua_Integer)d, SE_PCA_MAX_DIM);
    int64_t csize[2] = {nc, d}, msize[1] = {d}, psize[2] = {n, nc};
    se_tensor *comp = lse_newtensor(L, 2, csize);
    double *var = lua_newuserdatauv(L, (size_t)nc * sizeof *var, 0);
    int var_index = lua_gettop(L);
    se_tensor *mean = lse_newtensor(L, 1, msize);
    se_tensor *proj = lse_newtensor(L, 2, psize);
    se_status st = se_pca(X, n, d, (int)nc, se_tensor_data(comp), var, se_tensor_data(mean), se_tensor_data(proj));
    if (st == SE_EINTR)
        return lse_error(L, st, "pca");
    if (st != SE_OK)
        return lse_error(L, st, "pca: eigen-decomposition failed on X [%Ix%I]", (lua_Integer)n, (lua_Integer)d);
    lua_pushvalue(L, var_index - 1); /* components */
    lua_createtable(L, (int)nc, 0);
    for (lua_Integer i = 0; i < nc; i++) {
        lua_pushnumber(L, var[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushvalue(L, var_index + 1); /* mean */
    lua_pushvalue(L, var_index + 2); /* projected */
    return 4;
}

static double check_bandwidth(lua_State *L, int arg, const char *fn)
{
    double h = luaL_checknumber(L, arg);
    if (!(h > 0.0) || !isfinite(h))
        luaL_error(L, "%s: bandwidth must be a positive finite number, got %f", fn, h);
    return h;
}

/* Two samples with the same number of columns, as contiguous float matrices. */
static void check_pair(lua_State *L, const char *fn, const float **X, int64_t *n, const float **Y, int64_t *m,
                       int64_t *d)
{
    int64_t d2;
    *X = check_matrix(L, 1, fn, n, d);
    *Y = check_matrix(L, 2, fn, m, &d2);
    if (d2 != *d)
        luaL_error(L, "%s: X has %d columns but Y has %d", fn, (int)*d, (int)d2);
}

static int l_mmd2(lua_State *L)
{
    lua_settop(L, 4);
    int64_t n, m, d;
    const float *X, *Y;
    check_pair(L, "mmd", &X, &n, &Y, &m, &d);
    double h = check_bandwidth(L, 3, "mmd");
    int unbiased = lua_toboolean(L, 4);
    int64_t least = unbiased ? 2 : 1;
    if (n < least || m < least)
        return luaL_error(L, "mmd: the %s estimate needs at least %d rows in each sample, got %d and %d",
                          unbiased ? "unbiased" : "biased", (int)least, (int)n, (int)m);
    double v;
    se_status st = se_mmd2(X, n, Y, m, d, h, unbiased, &v);
    if (st != SE_OK)
        return lse_error(L, st, "mmd: failed on [%dx%d] and [%dx%d]", (int)n, (int)d, (int)m, (int)d);
    lua_pushnumber(L, v);
    return 1;
}

static int l_gaussian_kernel(lua_State *L)
{
    lua_settop(L, 3);
    int64_t n, m, d;
    const float *X, *Y;
    check_pair(L, "gaussian_kernel", &X, &n, &Y, &m, &d);
    double h = check_bandwidth(L, 3, "gaussian_kernel");
    if (n > 0 && m > (((int64_t)1 << 40) / n))
        return luaL_error(L, "gaussian_kernel: %d x %d is too large", (int)n, (int)m);
    double *K = lua_newuserdatauv(L, (size_t)(n * m > 0 ? n * m : 1) * sizeof *K, 0);
    se_status st = se_gaussian_kernel(X, n, Y, m, d, h, K);
    if (st != SE_OK)
        return lse_error(L, st, "gaussian_kernel: failed");
    int64_t size[2] = {n, m};
    float *out = se_tensor_data(lse_newtensor(L, 2, size));
    for (int64_t i = 0; i < n * m; i++)
        out[i] = (float)K[i];
    return 1;
}

static int l_median_distance(lua_State *L)
{
    lua_settop(L, 1);
    int64_t n, d;
    const float *Z = check_matrix(L, 1, "median_distance", &n, &d);
    if (n < 2)
        return luaL_error(L, "median_distance: needs at least 2 rows, got %d", (int)n);
    double v;
    se_status st = se_median_distance(Z, n, d, &v);
    if (st != SE_OK)
        return lse_error(L, st, "median_distance: failed on [%dx%d]", (int)n, (int)d);
    lua_pushnumber(L, v);
    return 1;
}

static const luaL_Reg functions[] = {
    {"silhouette", l_silhouette},
    {"silhouette_samples", l_silhouette_samples},
    {"davies_bouldin", l_davies_bouldin},
    {"calinski_harabasz", l_calinski_harabasz},
    {"knn_predict", l_knn_predict},
    {"pca", l_pca},
    {"mmd2", l_mmd2},
    {"gaussian_kernel", l_gaussian_kernel},
    {"median_distance", l_median_distance},
    {NULL, NULL},
};

int luaopen_semeq_metrics_core(lua_State *L)
{
    luaL_newlib(L, functions);
    return 1;
}
