/* Helpers shared by the Lua bindings: tensor userdata, errors, argument checks, RNG. */
#include "lse.h"

#include "../core/interrupt.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

se_tensor *lse_totensor(lua_State *L, int idx) { return luaL_testudata(L, idx, LSE_TENSOR); }

se_tensor *lse_checktensor(lua_State *L, int arg)
{
    se_tensor *t = luaL_checkudata(L, arg, LSE_TENSOR);
    if (!t->storage)
        luaL_argerror(L, arg, "tensor has been released");
    return t;
}

/* Tensor storage is malloc'd by the core, so Lua's collector sees only the small headers and
 * lets dead tensors pile up (training kept ~95 MB of them between collections). So the
 * storage paces collections itself, as Lua's own pause does for its heap: once the storage
 * allocated since the last collection exceeds what was live after it (at least
 * STORAGE_MIN), a full collection runs. Telling the collector the bytes as debt (lua_gc
 * STEP) is not enough: in generational mode (the interpreter's) a minor step promotes
 * tensors that live a while, and only heap growth Lua counts starts the major collection
 * that frees them. Checked before each new tensor. The counters are per process; with
 * several Lua states (rare) each is paced by all of them, which errs toward collecting. */
#define STORAGE_MIN ((uint64_t)8 << 20)

static void pace_collector(lua_State *L)
{
    static _Atomic uint64_t mark, live_after; /* allocated and live at the last collection */
    uint64_t now = se_storage_allocated(), last = atomic_load_explicit(&mark, memory_order_relaxed);
    uint64_t budget = atomic_load_explicit(&live_after, memory_order_relaxed);
    if (now - last < (budget > STORAGE_MIN ? budget : STORAGE_MIN))
        return;
    atomic_store_explicit(&mark, now, memory_order_relaxed);
    lua_gc(L, LUA_GCCOLLECT);
    atomic_store_explicit(&live_after, se_storage_live(), memory_order_relaxed);
}

se_tensor *lse_pushempty(lua_State *L)
{
    pace_collector(L);
    se_tensor *t = lua_newuserdatauv(L, sizeof *t, 0);
    memset(t, 0, sizeof *t); /* closed state first: __gc sees nothing to free */
    lse_tensor_metatable(L);
    lua_setmetatable(L, -2);
    return t;
}

/* Name of the running C function as Lua knows it ("zeros", "add"), or "tensor". */
static const char *function_name(lua_State *L)
{
    lua_Debug ar;
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar) && ar.name)
        return ar.name;
    return "tensor";
}

se_tensor *lse_newtensor(lua_State *L, int ndim, const int64_t *size)
{
    se_tensor *t = lse_pushempty(L);
    se_status st = se_tensor_init(t, ndim, size);
    if (st != SE_OK) {
        se_tensor want = {.ndim = ndim >= 0 && ndim <= SE_MAX_DIM ? ndim : 0};
        memcpy(want.size, size, (size_t)want.ndim * sizeof *size);
        char shape[200];
        se_tensor_shape_str(&want, shape, sizeof shape);
        const char *fn = function_name(L);
        if (st == SE_ERANGE)
            lse_error(L, st, "%s: cannot make a %s tensor: more than 2^40 elements", fn, shape);
        else if (st == SE_EARG)
            lse_error(L, st, "%s: invalid size %s", fn, shape);
        lse_error(L, st, "%s: cannot allocate a %s tensor", fn, shape);
    }
    return t;
}

se_tensor *lse_newtensor_like(lua_State *L, const se_tensor *like) { return lse_newtensor(L, like->ndim, like->size); }

se_tensor *lse_pushview(lua_State *L, const se_tensor *src)
{
    se_tensor *t = lse_pushempty(L);
    se_tensor_share(t, src);
    return t;
}

int lse_error(lua_State *L, se_status status, const char *fmt, ...)
{
    if (status == SE_EINTR)
        se_interrupt_clear(); /* delivered now: see interrupt.h */
    va_list ap;
    va_start(ap, fmt);
    luaL_where(L, 1);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    if (status == SE_ENOMEM)
        lua_pushstring(L, ": out of memory");
    else if (status == SE_EINTR)
        lua_pushstring(L, ": interrupted!"); /* the interpreter's word for a Ctrl-C, which scripts look for */
    else
        lua_pushliteral(L, "");
    lua_concat(L, 3);
    return lua_error(L);
}

int lse_fail(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    luaL_pushfail(L);
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return 2;
}

void lse_check(lua_State *L, se_status st, const char *fn)
{
    if (st == SE_OK)
        return;
    if (st == SE_ENOMEM || st == SE_EINTR)
        lse_error(L, st, "%s", fn);
    lse_error(L, st, "%s: %s", fn, se_status_str(st));
}

int64_t lse_checksize(lua_State *L, int arg)
{
    lua_Integer n = luaL_checkinteger(L, arg);
    if (n < 0)
        luaL_argerror(L, arg, lua_pushfstring(L, "size must be >= 0, got %I", n));
    return (int64_t)n;
}

int lse_checkdim(lua_State *L, int arg, const se_tensor *t)
{
    lua_Integer d = luaL_checkinteger(L, arg);
    lua_Integer n = t->ndim;
    if (d < 0)
        d += n + 1;
    if (d < 1 || d > n)
        luaL_argerror(
            L, arg,
            lua_pushfstring(L, "dimension %I out of range for a %d-d tensor", luaL_checkinteger(L, arg), t->ndim));
    return (int)(d - 1);
}

float lse_checkfinite(lua_State *L, int arg)
{
    lua_Number x = luaL_checknumber(L, arg);
    if (!isfinite(x))
        luaL_argerror(L, arg, "number must be finite");
    return (float)x;
}

/* Shape of a nested table, read along its first elements. */
static void table_shape(lua_State *L, int idx, int arg, int *ndim, int64_t *size)
{
    *ndim = 0;
    lua_pushvalue(L, idx);
    while (lua_type(L, -1) == LUA_TTABLE) {
        if (*ndim == SE_MAX_DIM)
            luaL_argerror(L, arg, "table nested too deeply");
        size[(*ndim)++] = (int64_t)lua_rawlen(L, -1);
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
}

/* Copies a nested table into consecutive floats, checking that every level is regular. */
static void table_fill(lua_State *L, int arg, int depth, int ndim, const int64_t *size, float **out)
{
    if (depth == ndim) {
        if (!lua_isnumber(L, -1))
            luaL_argerror(L, arg, lua_pushfstring(L, "expected a number in the table, got %s", luaL_typename(L, -1)));
        *(*out)++ = (float)lua_tonumber(L, -1);
        return;
    }
    if (lua_type(L, -1) != LUA_TTABLE || (int64_t)lua_rawlen(L, -1) != size[depth])
        luaL_argerror(L, arg, "table is not rectangular");
    for (int64_t i = 1; i <= size[depth]; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i);
        table_fill(L, arg, depth + 1, ndim, size, out);
        lua_pop(L, 1);
    }
}

se_tensor *lse_pushtensor_arg(lua_State *L, int arg)
{
    se_tensor *t = lse_totensor(L, arg);
    if (t && t->storage) {
        lua_pushvalue(L, arg);
        return t;
    }
    if (lua_type(L, arg) != LUA_TTABLE)
        luaL_typeerror(L, arg, "semeq.Tensor or table");
    int ndim;
    int64_t size[SE_MAX_DIM];
    table_shape(L, arg, arg, &ndim, size);
    se_tensor *made = lse_newtensor(L, ndim, size);
    float *p = se_tensor_data(made);
    lua_pushvalue(L, arg);
    table_fill(L, arg, 0, ndim, size, &p);
    lua_pop(L, 1);
    return made;
}

static const char RNG_KEY[] = "semeq.rng";

se_rng *lse_rng(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, RNG_KEY) != LUA_TUSERDATA) {
        lua_pop(L, 1);
        se_rng *rng = lua_newuserdatauv(L, sizeof *rng, 0);
        memset(rng, 0, sizeof *rng); /* padding too: the state is saved as bytes */
        se_rng_seed(rng, 0);         /* documented default seed: runs are reproducible by default */
        lua_setfield(L, LUA_REGISTRYINDEX, RNG_KEY);
        return rng;
    }
    se_rng *rng = lua_touserdata(L, -1);
    lua_pop(L, 1); /* the registry keeps it alive */
    return rng;
}
