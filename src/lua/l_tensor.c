/* semeq.tensor: float32 N-d tensors for Lua.
 *
 *   local T = require "semeq.tensor"
 *   local a = T.new{{1, 2, 3}, {4, 5, 6}}       -- 2x3
 *   local b = T.ones(3, 2)
 *   print(T.mm(a, b))                          -- 2x2, through cblas_sgemm
 *   a[1][2] = 10                               -- 1-based, like Lua
 *   print(a:narrow(2, 2, 2):sum())             -- a view: 10 + 3 + 5 + 6
 *
 * Dims and indices are 1-based; negative dims count from the end. Views share storage
 * with their source. Arithmetic broadcasts like numpy. Random numbers come from the
 * per-interpreter generator (xoshiro256**, default seed 0, T.manualSeed(n)). */
// module: semeq.tensor
#include <cblas.h>
#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/interrupt.h"
#include "lse.h"

/* ---- argument helpers ---- */

/* Sizes given either as integers from arg on, or as one table at arg. With `shape`,
 * -1 (infer this size) and other negative values pass through for view/reshape/expand
 * to judge; otherwise every size must be >= 0. */
static int check_size_list(lua_State *L, int arg, int last, int64_t *size, bool shape)
{
    bool table = lua_type(L, arg) == LUA_TTABLE;
    lua_Unsigned len = table ? lua_rawlen(L, arg) : (lua_Unsigned)(last - arg + 1);
    int n = len > SE_MAX_DIM ? SE_MAX_DIM + 1 : (int)len; /* compared before the cast */
    if (n > SE_MAX_DIM)
        luaL_argerror(L, table ? arg : arg + SE_MAX_DIM, "too many dimensions");
    for (int i = 0; i < n; i++) {
        lua_Integer v;
        if (table) {
            lua_rawgeti(L, arg, i + 1);
            int ok;
            v = lua_tointegerx(L, -1, &ok);
            lua_pop(L, 1);
            if (!ok)
                luaL_argerror(L, arg, "sizes must be integers");
        } else {
            v = luaL_checkinteger(L, arg + i);
        }
        if (!shape && v < 0)
            luaL_argerror(L, table ? arg : arg + i, lua_pushfstring(L, "size must be >= 0, got %I", v));
        size[i] = v;
    }
    /* Refused here, before any allocation, naming the argument (view/reshape/expand sizes
     * are judged by the core, which knows the tensor). */
    int64_t numel;
    for (int i = 1; !shape && i <= n; i++)
        if (se_shape_numel(i, size, &numel) == SE_ERANGE)
            luaL_argerror(
                L, table ? arg : arg + i - 1,
                lua_pushfstring(L, "sizes give more than 2^40 elements: size %d is %I", i, (lua_Integer)size[i - 1]));
    return n;
}

static int check_sizes(lua_State *L, int arg, int last, int64_t *size)
{
    return check_size_list(L, arg, last, size, false);
}

static int check_shape(lua_State *L, int arg, int last, int64_t *size)
{
    return check_size_list(L, arg, last, size, true);
}

static const char *shape_of(lua_State *L, const se_tensor *t)
{
    char buf[160];
    return lua_pushstring(L, se_tensor_shape_str(t, buf, sizeof buf));
}

/* ---- constructors ---- */

static int t_new(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TTABLE || lse_totensor(L, 1)) {
        se_tensor *src = lse_pushtensor_arg(L, 1);
        if (lse_totensor(L, 1)) { /* T.new(tensor) is a copy, as torch.Tensor(t) is not: be explicit */
            se_tensor *t = lse_newtensor_like(L, src);
            lse_check(L, se_tensor_copy(t, src), "new");
        }
        return 1;
    }
    int64_t size[SE_MAX_DIM];
    int n = check_sizes(L, 1, lua_gettop(L), size);
    lse_newtensor(L, n, size);
    return 1;
}

static int t_zeros(lua_State *L)
{
    int64_t size[SE_MAX_DIM];
    int n = check_sizes(L, 1, lua_gettop(L), size);
    lse_newtensor(L, n, size);
    return 1;
}

static int t_ones(lua_State *L)
{
    int64_t size[SE_MAX_DIM];
    int n = check_sizes(L, 1, lua_gettop(L), size);
    lse_check(L, se_tensor_fill(lse_newtensor(L, n, size), 1.0f), "ones");
    return 1;
}

static int t_full(lua_State *L)
{
    int top = lua_gettop(L);
    if (top < 2)
        return luaL_error(L, "full: expected sizes and a value");
    float value = (float)luaL_checknumber(L, top);
    int64_t size[SE_MAX_DIM];
    int n = check_sizes(L, 1, top - 1, size);
    lse_check(L, se_tensor_fill(lse_newtensor(L, n, size), value), "full");
    return 1;
}

static int t_arange(lua_State *L)
{
    double a = 0, b, step = 1;
    if (lua_gettop(L) == 1) {
        b = luaL_checknumber(L, 1);
    } else {
        a = luaL_checknumber(L, 1);
        b = luaL_checknumber(L, 2);
        step = luaL_optnumber(L, 3, 1);
    }
    if (step == 0 || !isfinite(a) || !isfinite(b) || !isfinite(step))
        return luaL_error(L, "arange: bounds must be finite and step non-zero");
    /* Checked in double before the cast: a count past int64 (arange(0, 1e300)) would make
     * the cast undefined. */
    double count = ceil((b - a) / step);
    if (!(count <= (double)SE_MAX_NUMEL))
        return luaL_error(L, "arange: %f elements are more than the limit of 2^40", count);
    int64_t n = count > 0 ? (int64_t)count : 0;
    se_tensor *t = lse_newtensor(L, 1, &n);
    float *p = se_tensor_data(t);
    for (int64_t i = 0; i < n; i++) {
        if (i % SE_INTERRUPT_STRIDE == SE_INTERRUPT_STRIDE - 1 && se_interrupt_pending())
            return lse_error(L, SE_EINTR, "arange");
        p[i] = (float)(a + (double)i * step);
    }
    return 1;
}

static int t_rand(lua_State *L)
{
    int64_t size[SE_MAX_DIM];
    int n = check_sizes(L, 1, lua_gettop(L), size);
    lse_check(L, se_tensor_uniform(lse_newtensor(L, n, size), lse_rng(L), 0.0, 1.0), "rand");
    return 1;
}

static int t_randn(lua_State *L)
{
    int64_t size[SE_MAX_DIM];
    int n = check_sizes(L, 1, lua_gettop(L), size);
    lse_check(L, se_tensor_normal(lse_newtensor(L, n, size), lse_rng(L), 0.0, 1.0), "randn");
    return 1;
}

/* A random permutation of 1..n (Fisher-Yates), as a float tensor of indices. */
static int t_randperm(lua_State *L)
{
    int64_t n = lse_checksize(L, 1);
    /* Past 2^24 consecutive integers are not all floats: the permutation would repeat some. */
    if (n > (1 << 24))
        luaL_argerror(L, 1,
                      lua_pushfstring(L,
                                      "n = %I is more than 2^24, the largest index a float holds "
                                      "exactly",
                                      (lua_Integer)n));
    se_tensor *t = lse_newtensor(L, 1, &n);
    float *p = se_tensor_data(t);
    se_rng *rng = lse_rng(L);
    for (int64_t i = 0; i < n; i++)
        p[i] = (float)(i + 1);
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)se_rng_below(rng, (uint64_t)i + 1);
        float tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
    }
    return 1;
}

/* randint(n, count): count draws from 1..n with replacement (bootstrap resamples). */
static int t_randint(lua_State *L)
{
    int64_t n = lse_checksize(L, 1), count = lse_checksize(L, 2);
    /* float32 holds every integer up to 2^24 exactly */
    luaL_argcheck(L, n >= 1 && n <= (1 << 24), 1, "n must be in [1, 2^24]");
    se_tensor *t = lse_newtensor(L, 1, &count);
    float *p = se_tensor_data(t);
    se_rng *rng = lse_rng(L);
    for (int64_t i = 0; i < count; i++)
        p[i] = (float)(se_rng_below(rng, (uint64_t)n) + 1);
    return 1;
}

static int t_manual_seed(lua_State *L)
{
    se_rng_seed(lse_rng(L), (uint64_t)luaL_checkinteger(L, 1));
    return 0;
}

/* The generator's whole state as an opaque string, so a checkpoint can resume the
 * exact random stream (dropout masks, shuffles) of an interrupted run. */
static int t_rng_state(lua_State *L)
{
    se_rng *rng = lse_rng(L);
    lua_pushlstring(L, (const char *)rng, sizeof *rng);
    return 1;
}

static int t_set_rng_state(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    if (len != sizeof(se_rng))
        return luaL_argerror(L, 1, "not a random generator state");
    memcpy(lse_rng(L), s, sizeof(se_rng));
    return 0;
}

/* OpenBLAS threads: small matrices (a training batch) run faster on one thread, large
 * products on all cores, so recipes choose. */
static int t_set_num_threads(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    if (n < 1 || n > 1024)
        return luaL_argerror(L, 1, "thread count must be in 1..1024");
    openblas_set_num_threads((int)n);
    return 0;
}

static int t_get_num_threads(lua_State *L)
{
    lua_pushinteger(L, openblas_get_num_threads());
    return 1;
}

static int t_is_tensor(lua_State *L)
{
    lua_pushboolean(L, lse_totensor(L, 1) != NULL);
    return 1;
}

/* ---- information ---- */

/* ---- sizes: what t:size() and t:stride() return ----
 * A plain list of integers (s[1], #s, table.concat(s, "x") and T.zeros(s) work on it) with
 * a metatable that prints it as Torch users read a size ("3x4", as Torch7's LongStorage
 * answers to print) and compares two sizes by value. */
#define LSE_SIZE "semeq.Size"

static int size_tostring(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Unsigned n = lua_rawlen(L, 1);
    if (n == 0) {
        lua_pushliteral(L, "(no dimensions)");
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (lua_Unsigned i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, 'x');
        lua_rawgeti(L, 1, (lua_Integer)i);
        luaL_addvalue(&b); /* numbers are converted by luaL_addvalue */
    }
    luaL_pushresult(&b);
    return 1;
}

static int size_eq(lua_State *L)
{
    lua_Unsigned n = lua_rawlen(L, 1);
    bool same = n == lua_rawlen(L, 2);
    for (lua_Unsigned i = 1; same && i <= n; i++) {
        lua_rawgeti(L, 1, (lua_Integer)i);
        lua_rawgeti(L, 2, (lua_Integer)i);
        same = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    lua_pushboolean(L, same);
    return 1;
}

static void size_metatable(lua_State *L)
{
    if (luaL_newmetatable(L, LSE_SIZE)) {
        lua_pushcfunction(L, size_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, size_eq);
        lua_setfield(L, -2, "__eq");
    }
    lua_pop(L, 1);
}

static void push_size_list(lua_State *L, int ndim, const int64_t *v)
{
    lua_createtable(L, ndim, 0);
    for (int d = 0; d < ndim; d++) {
        lua_pushinteger(L, v[d]);
        lua_rawseti(L, -2, d + 1);
    }
    luaL_setmetatable(L, LSE_SIZE);
}

/* t:size([dim]) or t:stride([dim]): one dim's value, or all of them as a size list. */
static int dims_of(lua_State *L, bool strides)
{
    se_tensor *t = lse_checktensor(L, 1);
    const int64_t *v = strides ? t->stride : t->size;
    if (!lua_isnoneornil(L, 2)) {
        lua_pushinteger(L, v[lse_checkdim(L, 2, t)]);
        return 1;
    }
    push_size_list(L, t->ndim, v);
    return 1;
}

static int m_size(lua_State *L) { return dims_of(L, false); }
static int m_stride(lua_State *L) { return dims_of(L, true); }

static int m_is_same_size_as(lua_State *L)
{
    se_tensor *a = lse_checktensor(L, 1), *b = lse_checktensor(L, 2);
    bool same = a->ndim == b->ndim;
    for (int d = 0; same && d < a->ndim; d++)
        same = a->size[d] == b->size[d];
    lua_pushboolean(L, same);
    return 1;
}

/* Torch7's t:type(): the type's name. semeq tensors are float32 only, so asking for
 * another type is refused rather than silently ignored. */
static int m_type(lua_State *L)
{
    lse_checktensor(L, 1);
    if (lua_isnoneornil(L, 2)) {
        lua_pushliteral(L, LSE_TENSOR);
        return 1;
    }
    const char *want = luaL_checkstring(L, 2);
    if (strcmp(want, LSE_TENSOR) != 0 && strcmp(want, "torch.FloatTensor") != 0)
        return luaL_argerror(L, 2,
                             lua_pushfstring(L, "semeq tensors are float32 only (" LSE_TENSOR "), got '%s'", want));
    lua_settop(L, 1);
    return 1;
}

static int m_dim(lua_State *L)
{
    lua_pushinteger(L, lse_checktensor(L, 1)->ndim);
    return 1;
}

static int m_numel(lua_State *L)
{
    lua_pushinteger(L, se_tensor_numel(lse_checktensor(L, 1)));
    return 1;
}

static int m_len(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    lua_pushinteger(L, t->ndim > 0 ? t->size[0] : 0);
    return 1;
}

static int m_is_contiguous(lua_State *L)
{
    lua_pushboolean(L, se_tensor_is_contiguous(lse_checktensor(L, 1)));
    return 1;
}

static int m_item(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    if (se_tensor_numel(t) != 1)
        return luaL_error(L, "item: expected a tensor with one element, got %s", shape_of(L, t));
    lua_pushnumber(L, se_tensor_data(t)[0]);
    return 1;
}

static void push_table_of(lua_State *L, const se_tensor *t, int dim, const float *p)
{
    if (dim == t->ndim) {
        lua_pushnumber(L, *p);
        return;
    }
    lua_createtable(L, (int)t->size[dim], 0);
    for (int64_t i = 0; i < t->size[dim]; i++) {
        push_table_of(L, t, dim + 1, p + i * t->stride[dim]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* A Lua table of this many numbers takes about 1 GB: beyond it totable is a mistake (an
 * expanded view), and it could not be interrupted. */
#define TOTABLE_MAX_NUMEL ((int64_t)1 << 26)

static int m_totable(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    /* Extent, not numel: [2^26 x 0 x 2^31] has no element but would make 2^26 empty tables. */
    int64_t extent = 1;
    for (int d = 0; d < t->ndim; d++)
        extent *= t->size[d] > 0 ? t->size[d] : 1;
    if (extent > TOTABLE_MAX_NUMEL)
        return luaL_error(L, "totable: %s would make %I table entries, more than Lua tables should hold (2^26)",
                          shape_of(L, t), (lua_Integer)extent);
    push_table_of(L, t, 0, se_tensor_data(t));
    return 1;
}

/* Torch-style printing: rows of values, 2-d slices for higher dims, then the shape. */
static void add_matrix(luaL_Buffer *b, const se_tensor *t, const float *p)
{
    int64_t rows = t->ndim >= 2 ? t->size[t->ndim - 2] : 1;
    int64_t cols = t->ndim >= 1 ? t->size[t->ndim - 1] : 1;
    int64_t rs = t->ndim >= 2 ? t->stride[t->ndim - 2] : 0;
    int64_t cs = t->ndim >= 1 ? t->stride[t->ndim - 1] : 0;
    char num[48];
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t c = 0; c < cols; c++) {
            snprintf(num, sizeof num, c ? " %10.4g" : "%10.4g", (double)p[r * rs + c * cs]);
            luaL_addstring(b, num);
        }
        luaL_addchar(b, '\n');
    }
}

static int m_tostring(lua_State *L)
{
    se_tensor *t = luaL_checkudata(L, 1, LSE_TENSOR);
    if (!t->storage) {
        lua_pushliteral(L, "[semeq.Tensor (released)]");
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int64_t numel = se_tensor_numel(t);
    if (numel > 0 && numel <= 10000) {
        /* Every leading index combination of dims before the last two is one slice. */
        int lead = t->ndim > 2 ? t->ndim - 2 : 0;
        int64_t index[SE_MAX_DIM] = {0}, slices = 1;
        for (int d = 0; d < lead; d++)
            slices *= t->size[d];
        for (int64_t s = 0; s < slices; s++) {
            if (lead) {
                luaL_addchar(&b, '(');
                for (int d = 0; d < lead; d++) {
                    lua_pushfstring(L, "%I,", (lua_Integer)index[d] + 1);
                    luaL_addvalue(&b);
                }
                luaL_addstring(&b, ".,.) =\n");
            }
            add_matrix(&b, t, se_tensor_data(t) + se_tensor_offset_of(t, index));
            for (int d = lead - 1; d >= 0 && ++index[d] == t->size[d]; d--)
                index[d] = 0;
        }
    }
    char shape[160];
    se_tensor_shape_str(t, shape, sizeof shape);
    shape[strlen(shape) - 1] = '\0';
    lua_pushfstring(L, "[semeq.Tensor of size %s]", shape[1] ? shape + 1 : "[]");
    luaL_addvalue(&b);
    luaL_pushresult(&b);
    return 1;
}

/* ---- views ---- */

static int m_narrow(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    int dim = lse_checkdim(L, 2, t);
    lua_Integer start = luaL_checkinteger(L, 3), len = luaL_checkinteger(L, 4);
    /* start - 1 + len is never formed: with huge values it would wrap and pass. */
    if (start < 1 || len < 0 || start - 1 > t->size[dim] || len > t->size[dim] - (start - 1)) {
        lua_Integer last, before; /* len - 1 overflows too, for len = mininteger (found by fuzz_tensor) */
        if (__builtin_sub_overflow(len, 1, &before) || __builtin_add_overflow(start, before, &last))
            return luaL_error(L, "narrow: range of %I elements from %I out of bounds for dimension %d of size %I", len,
                              start, dim + 1, (lua_Integer)t->size[dim]);
        return luaL_error(L, "narrow: range %I..%I out of bounds for dimension %d of size %I", start, last, dim + 1,
                          (lua_Integer)t->size[dim]);
    }
    se_tensor *v = lse_pushview(L, t);
    lse_check(L, se_tensor_narrow(v, dim, start - 1, len), "narrow");
    return 1;
}

static int m_select(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    int dim = lse_checkdim(L, 2, t);
    lua_Integer i = luaL_checkinteger(L, 3);
    if (i < 0)
        i += t->size[dim] + 1;
    if (i < 1 || i > t->size[dim])
        return luaL_error(L, "select: index %I out of bounds for dimension %d of size %I", luaL_checkinteger(L, 3),
                          dim + 1, (lua_Integer)t->size[dim]);
    se_tensor *v = lse_pushview(L, t);
    lse_check(L, se_tensor_select(v, dim, i - 1), "select");
    return 1;
}

static int m_transpose(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    int d0 = lse_checkdim(L, 2, t), d1 = lse_checkdim(L, 3, t);
    se_tensor_transpose(lse_pushview(L, t), d0, d1);
    return 1;
}

static int m_t(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    if (t->ndim != 2)
        return luaL_error(L, "t: expected a 2-d tensor, got %s", shape_of(L, t));
    se_tensor_transpose(lse_pushview(L, t), 0, 1);
    return 1;
}

static int view_or_reshape(lua_State *L, bool may_copy)
{
    se_tensor *t = lse_checktensor(L, 1);
    int64_t size[SE_MAX_DIM];
    int n = check_shape(L, 2, lua_gettop(L), size);
    const char *fn = may_copy ? "reshape" : "view";
    se_tensor *v;
    if (se_tensor_is_contiguous(t)) {
        v = lse_pushview(L, t);
    } else if (may_copy) {
        v = lse_newtensor_like(L, t);
        lse_check(L, se_tensor_copy(v, t), fn);
    } else {
        return luaL_error(L, "view: tensor %s is not contiguous; use reshape or contiguous()", shape_of(L, t));
    }
    se_status st = se_tensor_view(v, n, size);
    if (st != SE_OK) {
        se_tensor want = {.ndim = n};
        memcpy(want.size, size, (size_t)n * sizeof *size);
        return luaL_error(L, "%s: cannot view %s as %s%s", fn, shape_of(L, t), shape_of(L, &want),
                          st == SE_ERANGE ? ": more than 2^40 elements" : "");
    }
    return 1;
}

static int m_view(lua_State *L) { return view_or_reshape(L, false); }
static int m_reshape(lua_State *L) { return view_or_reshape(L, true); }

static int m_unsqueeze(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    lua_Integer d = luaL_checkinteger(L, 2);
    if (d < 0)
        d += t->ndim + 2;
    if (d < 1 || d > t->ndim + 1 || t->ndim >= SE_MAX_DIM)
        return luaL_argerror(L, 2, "dimension out of range");
    lse_check(L, se_tensor_unsqueeze(lse_pushview(L, t), (int)d - 1), "unsqueeze");
    return 1;
}

static int m_squeeze(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    int dim = lua_isnoneornil(L, 2) ? -1 : lse_checkdim(L, 2, t);
    se_tensor_squeeze(lse_pushview(L, t), dim);
    return 1;
}

static int m_expand(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    int64_t size[SE_MAX_DIM];
    int n = check_shape(L, 2, lua_gettop(L), size);
    se_tensor *v = lse_pushview(L, t);
    se_status st = se_tensor_expand(v, n, size);
    if (st != SE_OK) {
        se_tensor want = {.ndim = n};
        memcpy(want.size, size, (size_t)n * sizeof *size);
        return luaL_error(L, "expand: cannot expand %s to %s%s", shape_of(L, t), shape_of(L, &want),
                          st == SE_ERANGE ? ": more than 2^40 elements" : "");
    }
    return 1;
}

/* ---- copies ---- */

static int m_contiguous(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    if (se_tensor_is_contiguous(t)) {
        lua_settop(L, 1);
        return 1;
    }
    lse_check(L, se_tensor_copy(lse_newtensor_like(L, t), t), "contiguous");
    return 1;
}

static int m_clone(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    lse_check(L, se_tensor_copy(lse_newtensor_like(L, t), t), "clone");
    return 1;
}

static int m_copy(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    se_tensor *src = lse_pushtensor_arg(L, 2);
    se_status st = se_tensor_copy(t, src);
    if (st == SE_ESHAPE)
        return luaL_error(L, "copy: cannot broadcast %s to %s", shape_of(L, src), shape_of(L, t));
    lse_check(L, st, "copy");
    lua_settop(L, 1);
    return 1;
}

static int m_fill(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    lse_check(L, se_tensor_fill(t, (float)luaL_checknumber(L, 2)), "fill");
    lua_settop(L, 1);
    return 1;
}

static int m_zero(lua_State *L)
{
    lse_check(L, se_tensor_fill(lse_checktensor(L, 1), 0.0f), "zero");
    lua_settop(L, 1);
    return 1;
}

/* ---- indexing: t[i] selects along dim 1 ---- */

static int64_t check_index(lua_State *L, const se_tensor *t, lua_Integer i)
{
    if (t->ndim == 0)
        luaL_error(L, "index: cannot index a 0-d tensor");
    lua_Integer n = t->size[0];
    if (i < 0)
        i += n + 1;
    if (i < 1 || i > n)
        luaL_error(L, "index %I out of bounds for dimension 1 of size %I", i, n);
    return (int64_t)i - 1;
}

static int m_index(lua_State *L)
{
    /* Only t[i] needs the storage: a method looked up on a released tensor is
     * returned as is, so the method's own check names it ('size', not 'index'). */
    luaL_checkudata(L, 1, LSE_TENSOR);
    if (lua_isinteger(L, 2)) {
        se_tensor *t = lse_checktensor(L, 1);
        int64_t i = check_index(L, t, lua_tointeger(L, 2));
        if (t->ndim == 1) {
            lua_pushnumber(L, se_tensor_data(t)[i * t->stride[0]]);
            return 1;
        }
        lse_check(L, se_tensor_select(lse_pushview(L, t), 0, i), "index");
        return 1;
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1)); /* the methods table */
    return 1;
}

static int m_newindex(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    if (!lua_isinteger(L, 2))
        return luaL_error(L, "semeq.Tensor: cannot set field '%s'", luaL_tolstring(L, 2, NULL));
    int64_t i = check_index(L, t, lua_tointeger(L, 2));
    se_tensor slot = *t; /* header only; t keeps the reference */
    lse_check(L, se_tensor_select(&slot, 0, i), "index assignment");
    if (lua_type(L, 3) == LUA_TNUMBER) {
        lse_check(L, se_tensor_fill(&slot, (float)lua_tonumber(L, 3)), "index assignment");
        return 0;
    }
    se_tensor *src = lse_pushtensor_arg(L, 3);
    se_status st = se_tensor_copy(&slot, src);
    if (st == SE_ESHAPE)
        return luaL_error(L, "index assignment: cannot broadcast %s to %s", shape_of(L, src), shape_of(L, &slot));
    lse_check(L, st, "index assignment");
    return 0;
}

/* ---- elementwise arithmetic ---- */

static const char *const binary_names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"};

/* out = a op b where either may be a number; pushes the result. */
static int binary_result(lua_State *L, int ia, int ib, se_binary_op op)
{
    se_tensor *a = lse_totensor(L, ia), *b = lse_totensor(L, ib);
    if (a && !lua_isnumber(L, ib) && !b)
        b = lse_pushtensor_arg(L, ib), lua_replace(L, ib);
    if (!a && b && !lua_isnumber(L, ia))
        a = lse_pushtensor_arg(L, ia), lua_replace(L, ia);
    if (a && b) {
        if (!a->storage || !b->storage)
            return luaL_error(L, "%s: tensor has been released", binary_names[op]);
        int ndim;
        int64_t size[SE_MAX_DIM];
        se_status st = se_tensor_broadcast_shape(a, b, &ndim, size);
        if (st == SE_ERANGE)
            return luaL_error(L, "%s: %s and %s broadcast to more than 2^40 elements", binary_names[op], shape_of(L, a),
                              shape_of(L, b));
        if (st != SE_OK)
            return luaL_error(L, "%s: size mismatch, %s and %s do not broadcast", binary_names[op], shape_of(L, a),
                              shape_of(L, b));
        lse_check(L, se_tensor_binary(lse_newtensor(L, ndim, size), a, b, op), binary_names[op]);
        return 1;
    }
    if (a) {
        float s = (float)luaL_checknumber(L, ib);
        se_tensor *t = lse_checktensor(L, ia);
        lse_check(L, se_tensor_binary_scalar(lse_newtensor_like(L, t), t, s, op, false), binary_names[op]);
        return 1;
    }
    if (b) {
        float s = (float)luaL_checknumber(L, ia);
        se_tensor *t = lse_checktensor(L, ib);
        lse_check(L, se_tensor_binary_scalar(lse_newtensor_like(L, t), t, s, op, true), binary_names[op]);
        return 1;
    }
    return luaL_error(L, "%s: expected a semeq.Tensor operand", binary_names[op]);
}

static int binary_method(lua_State *L)
{
    lse_checktensor(L, 1);
    return binary_result(L, 1, 2, (se_binary_op)lua_tointeger(L, lua_upvalueindex(1)));
}

/* t op= x in place; x broadcasts to t. For add_/sub_ an optional alpha scales x. */
static int binary_inplace(lua_State *L)
{
    se_binary_op op = (se_binary_op)lua_tointeger(L, lua_upvalueindex(1));
    se_tensor *t = lse_checktensor(L, 1);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        lse_check(L, se_tensor_binary_scalar(t, t, (float)lua_tonumber(L, 2), op, false), binary_names[op]);
        lua_settop(L, 1);
        return 1;
    }
    bool scaled = (op == SE_ADD || op == SE_SUB) && !lua_isnoneornil(L, 3);
    float alpha = scaled ? (float)luaL_checknumber(L, 3) : 1.0f;
    lua_settop(L, 2);
    se_tensor *x = lse_pushtensor_arg(L, 2);
    se_status st;
    if (scaled) {
        st = se_tensor_axpy(t, op == SE_ADD ? alpha : -alpha, x);
    } else {
        st = se_tensor_binary(t, t, x, op);
    }
    if (st == SE_ESHAPE)
        return luaL_error(L, "%s_: size mismatch, cannot broadcast %s to %s", binary_names[op], shape_of(L, x),
                          shape_of(L, t));
    lse_check(L, st, binary_names[op]);
    lua_settop(L, 1);
    return 1;
}

static int mm_add(lua_State *L) { return binary_result(L, 1, 2, SE_ADD); }
static int mm_sub(lua_State *L) { return binary_result(L, 1, 2, SE_SUB); }
static int mm_mul(lua_State *L) { return binary_result(L, 1, 2, SE_MUL); }
static int mm_div(lua_State *L) { return binary_result(L, 1, 2, SE_DIV); }
static int mm_pow(lua_State *L) { return binary_result(L, 1, 2, SE_POW); }

static int mm_unm(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1);
    lse_check(L, se_tensor_unary(lse_newtensor_like(L, t), t, SE_NEG), "unm");
    return 1;
}

static const char *const unary_names[] = {
    "neg",    "exp",   "log",  "sqrt",       "tanh", "abs", "sigmoid", "relu",  "sign",
    "square", "floor", "ceil", "reciprocal", "sin",  "cos", "log1p",   "expm1",
};

static int unary_method(lua_State *L)
{
    se_unary_op op = (se_unary_op)lua_tointeger(L, lua_upvalueindex(1));
    bool inplace = lua_toboolean(L, lua_upvalueindex(2));
    se_tensor *t = lse_checktensor(L, 1);
    if (inplace) {
        lse_check(L, se_tensor_unary(t, t, op), unary_names[op]);
        lua_settop(L, 1);
    } else {
        lse_check(L, se_tensor_unary(lse_newtensor_like(L, t), t, op), unary_names[op]);
    }
    return 1;
}

static int clamp_impl(lua_State *L, bool inplace)
{
    se_tensor *t = lse_checktensor(L, 1);
    float lo = (float)luaL_optnumber(L, 2, -HUGE_VAL), hi = (float)luaL_optnumber(L, 3, HUGE_VAL);
    if (!(lo <= hi))
        return luaL_argerror(L, 3, "upper bound must be >= lower bound");
    se_tensor *out = inplace ? t : lse_newtensor_like(L, t);
    lse_check(L, se_tensor_clamp(out, t, lo, hi), "clamp");
    if (inplace)
        lua_settop(L, 1);
    return 1;
}

static int m_clamp(lua_State *L) { return clamp_impl(L, false); }
static int m_clamp_(lua_State *L) { return clamp_impl(L, true); }

/* ---- reductions ---- */

static const char *const reduce_names[] = {"sum", "mean", "max", "min", "argmax", "argmin", "var", "std", "norm"};

static int reduce_method(lua_State *L)
{
    se_reduce_op op = (se_reduce_op)lua_tointeger(L, lua_upvalueindex(1));
    se_tensor *t = lse_checktensor(L, 1);
    bool arg = op == SE_ARGMAX || op == SE_ARGMIN;
    if (lua_isnoneornil(L, 2)) {
        if (se_tensor_numel(t) == 0 && op != SE_SUM && op != SE_NORM)
            return luaL_error(L, "%s: empty tensor", reduce_names[op]);
        double r;
        lse_check(L, se_tensor_reduce_all(t, op, &r), reduce_names[op]);
        if (arg)
            lua_pushinteger(L, (lua_Integer)r + 1);
        else
            lua_pushnumber(L, r);
        return 1;
    }
    int dim = lse_checkdim(L, 2, t);
    bool keepdim = lua_toboolean(L, 3);
    int64_t size[SE_MAX_DIM];
    memcpy(size, t->size, sizeof size);
    size[dim] = 1;
    se_tensor *out = lse_newtensor(L, t->ndim, size);
    lse_check(L, se_tensor_reduce_dim(out, t, dim, op), reduce_names[op]);
    if (arg)
        se_tensor_binary_scalar(out, out, 1.0f, SE_ADD, false); /* 1-based indices */
    if (!keepdim)
        se_tensor_squeeze(out, dim);
    if (op == SE_MAX || op == SE_MIN) { /* values, indices as in torch */
        se_tensor *idx = lse_newtensor(L, t->ndim, size);
        lse_check(L, se_tensor_reduce_dim(idx, t, dim, op == SE_MAX ? SE_ARGMAX : SE_ARGMIN), reduce_names[op]);
        se_tensor_binary_scalar(idx, idx, 1.0f, SE_ADD, false);
        if (!keepdim)
            se_tensor_squeeze(idx, dim);
        return 2;
    }
    return 1;
}

/* ---- linear algebra and assembling ---- */

static void check_matrix(lua_State *L, const char *fn, const se_tensor *t, int arg)
{
    if (t->ndim != 2)
        luaL_argerror(L, arg, lua_pushfstring(L, "%s: expected a 2-d tensor, got %s", fn, shape_of(L, t)));
}

static int t_mm(lua_State *L)
{
    se_tensor *a = lse_checktensor(L, 1), *b = lse_checktensor(L, 2);
    check_matrix(L, "mm", a, 1);
    check_matrix(L, "mm", b, 2);
    if (a->size[1] != b->size[0])
        return luaL_error(L, "mm: size mismatch, %s @ %s", shape_of(L, a), shape_of(L, b));
    if (a->size[0] > INT_MAX || a->size[1] > INT_MAX || b->size[1] > INT_MAX) /* before allocating */
        return luaL_error(L, "mm: %s @ %s has a size beyond BLAS's 2^31 - 1", shape_of(L, a), shape_of(L, b));
    int64_t size[2] = {a->size[0], b->size[1]};
    se_tensor *out = lse_newtensor(L, 2, size);
    se_status st = se_tensor_addmm(out, 0.0f, 1.0f, a, b);
    if (st == SE_ERANGE)
        return lse_error(L, st, "mm: %s @ %s has a size beyond BLAS's 2^31 - 1", shape_of(L, a), shape_of(L, b));
    if (st != SE_OK)
        return lse_error(L, st, "mm: failed for %s @ %s", shape_of(L, a), shape_of(L, b));
    return 1;
}

static int m_addmm(lua_State *L)
{
    se_tensor *t = lse_checktensor(L, 1), *a = lse_checktensor(L, 2), *b = lse_checktensor(L, 3);
    float beta = (float)luaL_optnumber(L, 4, 1.0), alpha = (float)luaL_optnumber(L, 5, 1.0);
    check_matrix(L, "addmm", t, 1);
    check_matrix(L, "addmm", a, 2);
    check_matrix(L, "addmm", b, 3);
    if (a->size[1] != b->size[0] || t->size[0] != a->size[0] || t->size[1] != b->size[1])
        return luaL_error(L, "addmm: size mismatch, %s + %s @ %s", shape_of(L, t), shape_of(L, a), shape_of(L, b));
    se_status st = se_tensor_addmm(t, beta, alpha, a, b);
    if (st == SE_ERANGE)
        return lse_error(L, st, "addmm: %s @ %s has a size beyond BLAS's 2^31 - 1", shape_of(L, a), shape_of(L, b));
    if (st != SE_OK)
        return lse_error(L, st, "addmm: failed");
    lua_settop(L, 1);
    return 1;
}

static int t_cat(lua_State *L)
{
    lua_settop(L, 2); /* the scratch list below must not be taken for the dim argument */
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Unsigned len = lua_rawlen(L, 1);
    if (len == 0)
        return luaL_argerror(L, 1, "expected a non-empty list of tensors");
    if (len > INT_MAX)
        return luaL_argerror(L, 1, "too many tensors");
    int n = (int)len;
    /* Scratch list owned by Lua: nothing to free if a check below raises. */
    const se_tensor **parts = lua_newuserdatauv(L, (size_t)n * sizeof *parts, 0);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, 1, i + 1);
        parts[i] = lse_totensor(L, -1);
        if (!parts[i] || !parts[i]->storage)
            return luaL_argerror(L, 1, lua_pushfstring(L, "element %d is not a tensor", i + 1));
        lua_pop(L, 1); /* the list keeps it alive */
    }
    const se_tensor *first = parts[0];
    int dim = lua_isnoneornil(L, 2) ? 0 : lse_checkdim(L, 2, first);
    int64_t size[SE_MAX_DIM];
    memcpy(size, first->size, sizeof size);
    size[dim] = 0;
    for (int i = 0; i < n; i++) {
        bool fits = parts[i]->ndim == first->ndim;
        for (int d = 0; fits && d < first->ndim; d++)
            fits = d == dim || parts[i]->size[d] == first->size[d];
        if (!fits)
            return luaL_error(L, "cat: size mismatch, %s and %s along dimension %d", shape_of(L, first),
                              shape_of(L, parts[i]), dim + 1);
        if (__builtin_add_overflow(size[dim], parts[i]->size[dim], &size[dim]) || size[dim] > SE_MAX_NUMEL)
            return luaL_error(L, "cat: the %d tensors have more than 2^40 elements along dimension %d", n, dim + 1);
    }
    se_tensor *out = lse_newtensor(L, first->ndim, size);
    lse_check(L, se_tensor_cat(out, parts, n, dim), "cat");
    return 1;
}

/* Reads 1-based indices from a table or tensor into a Lua-owned scratch array. The result
 * has n rows of `row` elements: checked before the scratch is allocated (an expanded index
 * tensor can be 2^40 long). */
static int64_t *check_indices(lua_State *L, int arg, int64_t limit, int64_t row, int64_t *n)
{
    se_tensor *t = lse_totensor(L, arg);
    if (!t && lua_type(L, arg) != LUA_TTABLE)
        luaL_typeerror(L, arg, "table or semeq.Tensor of indices");
    if (t && t->ndim != 1)
        luaL_argerror(L, arg, "index tensor must be 1-d");
    *n = t ? t->size[0] : (int64_t)lua_rawlen(L, arg);
    int64_t rows_ok;
    if (__builtin_mul_overflow(*n, row > 0 ? row : 1, &rows_ok) || rows_ok > SE_MAX_NUMEL)
        luaL_argerror(L, arg,
                      lua_pushfstring(L, "%I indices give a result of more than 2^40 elements", (lua_Integer)*n));
    int64_t *idx = lua_newuserdatauv(L, (size_t)(*n > 0 ? *n : 1) * sizeof *idx, 0);
    for (int64_t i = 0; i < *n; i++) {
        double v;
        if (t) {
            v = se_tensor_data(t)[i * t->stride[0]];
        } else {
            /* A string or boolean is not silently read as 0: name what was there. */
            int type = lua_rawgeti(L, arg, (lua_Integer)i + 1);
            if (type == LUA_TSTRING)
                luaL_argerror(L, arg,
                              lua_pushfstring(L, "index '%s' at position %I is not a number", lua_tostring(L, -1),
                                              (lua_Integer)i + 1));
            if (type != LUA_TNUMBER)
                luaL_argerror(L, arg,
                              lua_pushfstring(L, "index at position %I is a %s, not a number", (lua_Integer)i + 1,
                                              lua_typename(L, type)));
            v = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        if (v != floor(v) || v < 1 || v > (double)limit)
            luaL_argerror(L, arg,
                          lua_pushfstring(L, "index %f at position %I out of range 1..%I", v, (lua_Integer)i + 1,
                                          (lua_Integer)limit));
        idx[i] = (int64_t)v - 1;
    }
    return idx;
}

static int m_index_select(lua_State *L)
{
    lua_settop(L, 4); /* the optional output stays at 4, scratch goes above */
    se_tensor *t = lse_checktensor(L, 1);
    luaL_argcheck(L, lua_isnil(L, 4) || lse_totensor(L, 4), 4, "semeq.Tensor expected");
    int dim = lse_checkdim(L, 2, t);
    int64_t n, row = 1; /* extent of one gathered slice */
    for (int d = 0; d < t->ndim; d++)
        if (d != dim)
            row *= t->size[d] > 0 ? t->size[d] : 1;
    int64_t *idx = check_indices(L, 3, t->size[dim], row, &n);
    /* Gather along dim 0 of a transposed view, then transpose the result back. */
    se_tensor src = *t;
    se_tensor_transpose(&src, 0, dim);
    int64_t size[SE_MAX_DIM];
    memcpy(size, src.size, sizeof size);
    size[0] = n;
    se_tensor *out = lse_totensor(L, 4);
    if (out) {
        /* index_select(dim, idx, out): gathered into out (a training step reuses its batch). */
        luaL_argcheck(L, dim == 0, 4, "an output tensor is taken for dim 1 only");
        se_tensor want = {.ndim = t->ndim};
        memcpy(want.size, size, sizeof size);
        if (!se_tensor_same_shape(out, &want) || !se_tensor_is_contiguous(out) || out->storage == t->storage) {
            char buf[64];
            se_tensor_shape_str(&want, buf, sizeof buf);
            luaL_argerror(L, 4, lua_pushfstring(L, "expected a contiguous %s tensor apart from the source", buf));
        }
        lse_check(L, se_tensor_index_select(out, &src, idx, n), "index_select");
        lua_pushvalue(L, 4);
        return 1;
    }
    out = lse_newtensor(L, t->ndim, size);
    lse_check(L, se_tensor_index_select(out, &src, idx, n), "index_select");
    if (dim != 0) {
        se_tensor *view = lse_pushview(L, out);
        se_tensor_transpose(view, 0, dim);
    }
    return 1;
}

static int t_allclose(lua_State *L)
{
    double rtol = luaL_optnumber(L, 3, 1e-5), atol = luaL_optnumber(L, 4, 1e-8);
    lua_settop(L, 2);
    se_tensor *a = lse_pushtensor_arg(L, 1), *b = lse_pushtensor_arg(L, 2);
    if (!se_tensor_same_shape(a, b)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    /* |a - b| <= atol + rtol * |b|, elementwise, computed on a difference tensor. */
    se_tensor *diff = lse_newtensor_like(L, a);
    lse_check(L, se_tensor_binary(diff, a, b, SE_SUB), "allclose");
    se_tensor *bound = lse_newtensor_like(L, b);
    se_tensor_unary(bound, b, SE_ABS);
    se_tensor_binary_scalar(bound, bound, (float)rtol, SE_MUL, false);
    se_tensor_binary_scalar(bound, bound, (float)atol, SE_ADD, false);
    se_tensor_unary(diff, diff, SE_ABS);
    se_tensor_binary(diff, diff, bound, SE_SUB);
    double worst = -1;
    if (se_tensor_numel(diff))
        lse_check(L, se_tensor_reduce_all(diff, SE_MAX, &worst), "allclose");
    lua_pushboolean(L, worst <= 0);
    return 1;
}

static int m_gc(lua_State *L)
{
    se_tensor_release(luaL_checkudata(L, 1, LSE_TENSOR));
    return 0;
}

/* ---- registration ---- */

static const luaL_Reg tensor_methods[] = {
    {"size", m_size},
    {"dim", m_dim},
    {"numel", m_numel},
    {"isContiguous", m_is_contiguous},
    /* Torch7's names for the same answers, which its users type first */
    {"nElement", m_numel},
    {"nDimension", m_dim},
    {"stride", m_stride},
    {"type", m_type},
    {"isSameSizeAs", m_is_same_size_as},
    {"item", m_item},
    {"totable", m_totable},
    {"narrow", m_narrow},
    {"select", m_select},
    {"transpose", m_transpose},
    {"t", m_t},
    {"view", m_view},
    {"reshape", m_reshape},
    {"unsqueeze", m_unsqueeze},
    {"squeeze", m_squeeze},
    {"expand", m_expand},
    {"contiguous", m_contiguous},
    {"clone", m_clone},
    {"copy", m_copy},
    {"fill", m_fill},
    {"zero", m_zero},
    {"clamp", m_clamp},
    {"clamp_", m_clamp_},
    {"mm", t_mm},
    {"addmm", m_addmm},
    {"index_select", m_index_select},
    {NULL, NULL},
};

static const luaL_Reg tensor_metamethods[] = {
    {"__tostring", m_tostring}, {"__len", m_len},  {"__newindex", m_newindex}, {"__add", mm_add},
    {"__sub", mm_sub},          {"__mul", mm_mul}, {"__div", mm_div},          {"__pow", mm_pow},
    {"__unm", mm_unm},          {"__gc", m_gc},    {"__close", m_gc},          {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"new", t_new},
    {"zeros", t_zeros},
    {"ones", t_ones},
    {"full", t_full},
    {"arange", t_arange},
    {"rand", t_rand},
    {"randn", t_randn},
    {"randperm", t_randperm},
    {"randint", t_randint},
    {"manualSeed", t_manual_seed},
    {"setNumThreads", t_set_num_threads},
    {"getNumThreads", t_get_num_threads},
    {"rngState", t_rng_state},
    {"setRngState", t_set_rng_state},
    {"isTensor", t_is_tensor},
    {"mm", t_mm},
    {"cat", t_cat},
    {"allclose", t_allclose},
    {NULL, NULL},
};

static void add_op_closures(lua_State *L, const char *const *names, int count, lua_CFunction fn, const char *suffix,
                            int inplace)
{
    char name[32];
    for (int op = 0; op < count; op++) {
        snprintf(name, sizeof name, "%s%s", names[op], suffix);
        lua_pushinteger(L, op);
        lua_pushboolean(L, inplace);
        lua_pushcclosure(L, fn, 2);
        lua_setfield(L, -2, name);
    }
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

void lse_tensor_metatable(lua_State *L)
{
    size_metatable(L);
    if (!luaL_newmetatable(L, LSE_TENSOR))
        return; /* already installed; it stays on the stack for the caller */
    luaL_setfuncs(L, tensor_metamethods, 0);
    lua_newtable(L); /* methods */
    luaL_setfuncs(L, tensor_methods, 0);
    add_op_closures(L, binary_names, COUNT(binary_names), binary_method, "", 0);
    add_op_closures(L, binary_names, COUNT(binary_names), binary_inplace, "_", 1);
    add_op_closures(L, unary_names, COUNT(unary_names), unary_method, "", 0);
    add_op_closures(L, unary_names, COUNT(unary_names), unary_method, "_", 1);
    add_op_closures(L, reduce_names, COUNT(reduce_names), reduce_method, "", 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "methods"); /* reachable for extension by Lua modules */
    lua_pushcclosure(L, m_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, LSE_TENSOR);
    lua_setfield(L, -2, "__name");
}

int luaopen_semeq_tensor(lua_State *L)
{
    luaL_newlib(L, functions);
    lse_tensor_metatable(L);
    lua_getfield(L, -1, "methods");
    lua_setfield(L, -3, "methods");
    lua_pop(L, 1);
    return 1;
}
