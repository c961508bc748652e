/* libFuzzer target: the tensor-shape API of semeq.tensor, through its Lua binding and the
 * core (src/lua/l_tensor.c, src/core/tensor*.c) — sizes, views and assembling with huge,
 * negative and wrapping integers.
 *
 * The bytes are a program for four tensor slots: each step picks an operation (zeros,
 * narrow, select, transpose, view, reshape, expand, unsqueeze, squeeze, cat, index_select,
 * t[i], arithmetic, reductions, fill, contiguous) and its integer arguments, drawn mostly
 * from values at the edges of int32/int64 and of the 2^40 element limit. Each call runs
 * under lua_pcall. What counts as a finding:
 *   - a crash or sanitizer report (a view past its storage is read and written here);
 *   - an error that is not a string;
 *   - a tensor that breaks the invariant of tensor.h: offset >= 0, at most SE_MAX_NUMEL
 *     elements (extent), every element inside the storage.
 * Operations that would allocate or walk many elements (a copy of an expanded view of
 * 2^40 elements) are only called when the result stays small, so that runs are fast and
 * the fuzzer's memory limit is never the finding; shapes past the limits still reach the
 * binding through zeros, view, expand and narrow, which must refuse them. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lse.h"

int luaopen_semeq_tensor(lua_State *L);

#define SLOTS 4
#define SMALL ((int64_t)1 << 14) /* elements an operation may allocate or walk */
#define MAX_STEPS 64

static lua_State *L;

/* ---- reading the program ---- */

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static uint8_t byte(reader *r)
{
    if (!r->left)
        return 0;
    r->left--;
    return *r->p++;
}

/* An integer from the edges where size arithmetic goes wrong, or a small one. */
static int64_t integer(reader *r)
{
    static const int64_t edge[] = {
        0,
        1,
        2,
        3,
        -1,
        -2,
        4,
        7,
        INT32_MAX,
        (int64_t)INT32_MAX + 1,
        (int64_t)1 << 32,
        ((int64_t)1 << 32) + 1,
        (int64_t)1 << 20,
        ((int64_t)1 << 20) + 1,
        (int64_t)1 << 40,
        ((int64_t)1 << 40) + 1,
        (int64_t)1 << 62,
        INT64_MAX,
        INT64_MAX - 1,
        INT64_MIN,
        INT64_MIN + 1,
        -((int64_t)1 << 40),
        (int64_t)1 << 39,
        (int64_t)1 << 31,
    };
    uint8_t b = byte(r);
    if (b < 128)
        return (int64_t)(b % 16); /* small, the common case */
    if (b < 224)
        return edge[b % (sizeof edge / sizeof edge[0])];
    if (b < 240)
        return -(int64_t)(b % 16);
    int64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (int64_t)((uint64_t)v << 8 | byte(r));
    return v;
}

/* ---- the invariant ---- */

static void check_tensor(const se_tensor *t)
{
    if (!t->storage)
        return;
    if (t->offset < 0 || t->ndim < 0 || t->ndim > SE_MAX_DIM)
        __builtin_trap();
    int64_t numel;
    if (se_shape_numel(t->ndim, t->size, &numel) != SE_OK)
        __builtin_trap();
    if (numel != se_tensor_numel(t))
        __builtin_trap();
    if (numel == 0) {
        if (t->offset > t->storage->length)
            __builtin_trap();
        return;
    }
    int64_t hi = t->offset;
    for (int d = 0; d < t->ndim; d++) {
        if (t->stride[d] < 0)
            __builtin_trap();
        hi += t->stride[d] * (t->size[d] - 1); /* cannot overflow if the invariant holds */
    }
    if (hi >= t->storage->length)
        __builtin_trap();
    /* Touch both ends: ASan reports a view that reaches outside its allocation. */
    volatile float first = se_tensor_data(t)[0];
    volatile float last = t->storage->data[hi];
    (void)first;
    (void)last;
}

/* ---- the slots (a Lua table at the registry, so the GC keeps them) ---- */

static int slots_ref;

static se_tensor *slot(int i)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, slots_ref);
    lua_rawgeti(L, -1, i + 1);
    se_tensor *t = lse_totensor(L, -1);
    lua_pop(L, 2);
    return t && t->storage ? t : NULL;
}

static void push_slot(int i)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, slots_ref);
    lua_rawgeti(L, -1, i + 1);
    lua_remove(L, -2);
}

/* Stores the value on top (popped) in slot i if it is a tensor, checking it first. */
static void keep(int i)
{
    se_tensor *t = lse_totensor(L, -1);
    if (!t) {
        lua_pop(L, 1);
        return;
    }
    check_tensor(t);
    lua_rawgeti(L, LUA_REGISTRYINDEX, slots_ref);
    lua_insert(L, -2);
    lua_rawseti(L, -2, i + 1);
    lua_pop(L, 1);
}

/* Product of max(size, 1): bounds what an operation on t allocates or walks (a reduction
 * over the empty dim of [0 x 2^38] makes a [1 x 2^38] result). */
static int64_t extent_of(const se_tensor *t)
{
    int64_t e = 1;
    for (int d = 0; d < t->ndim; d++)
        e *= t->size[d] > 0 ? t->size[d] : 1;
    return e;
}

/* ---- calling ---- */

/* Pushes the function T[name] or T.methods[name]. */
static void push_fn(const char *name, int method)
{
    lua_getglobal(L, "T");
    if (method) {
        lua_getfield(L, -1, "methods");
        lua_remove(L, -2);
    }
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
}

/* Calls the function below nargs arguments; the result (or nothing) goes to slot dst. */
static void call(int nargs, int dst)
{
    if (lua_pcall(L, nargs, 1, 0) != LUA_OK) {
        if (lua_type(L, -1) != LUA_TSTRING)
            __builtin_trap();
        lua_pop(L, 1);
        return;
    }
    if (dst >= 0)
        keep(dst);
    else
        lua_pop(L, 1);
}

static int push_sizes(reader *r, int64_t *size)
{
    int n = byte(r) % (SE_MAX_DIM + 2); /* one past the limit too */
    for (int i = 0; i < n; i++) {
        int64_t v = integer(r);
        if (size && i < SE_MAX_DIM)
            size[i] = v;
        lua_pushinteger(L, v);
    }
    return n;
}

static void step(reader *r)
{
    uint8_t op = byte(r) % 17;
    int a = byte(r) % SLOTS, b = byte(r) % SLOTS, dst = byte(r) % SLOTS;
    int64_t size[SE_MAX_DIM], numel;
    switch (op) {
    case 0: { /* zeros: refused shapes always; accepted ones only when small */
        push_fn("zeros", 0);
        int n = push_sizes(r, size);
        se_status st = n <= SE_MAX_DIM ? se_shape_numel(n, size, &numel) : SE_EARG;
        if (st == SE_OK && numel > SMALL) {
            lua_pop(L, n + 1);
            return;
        }
        call(n, dst);
        return;
    }
    case 1:
    case 2:
    case 3: { /* narrow, select, transpose: O(1) views */
        static const char *const names[] = {"narrow", "select", "transpose"};
        static const int nargs[] = {3, 2, 2};
        if (!slot(a))
            return;
        push_fn(names[op - 1], 1);
        push_slot(a);
        for (int i = 0; i < nargs[op - 1]; i++)
            lua_pushinteger(L, integer(r));
        call(1 + nargs[op - 1], dst);
        return;
    }
    case 4:
    case 5:
    case 6: { /* view, reshape, expand */
        static const char *const names[] = {"view", "reshape", "expand"};
        if (!slot(a))
            return;
        se_tensor *t = slot(a);
        /* reshape copies a non-contiguous tensor: only a small one */
        if (op == 5 && !se_tensor_is_contiguous(t) && extent_of(t) > SMALL)
            return;
        push_fn(names[op - 4], 1);
        push_slot(a);
        int n = push_sizes(r, NULL);
        call(1 + n, dst);
        return;
    }
    case 7:
    case 8: { /* unsqueeze, squeeze */
        if (!slot(a))
            return;
        push_fn(op == 7 ? "unsqueeze" : "squeeze", 1);
        push_slot(a);
        lua_pushinteger(L, integer(r));
        call(2, dst);
        return;
    }
    case 9: { /* cat of two slots along a dim, if the result is small */
        if (!slot(a) || !slot(b) || extent_of(slot(a)) + extent_of(slot(b)) > SMALL)
            return;
        push_fn("cat", 0);
        lua_createtable(L, 2, 0);
        push_slot(a);
        lua_rawseti(L, -2, 1);
        push_slot(b);
        lua_rawseti(L, -2, 2);
        lua_pushinteger(L, integer(r));
        call(2, dst);
        return;
    }
    case 10: { /* index_select with a few indices, if the result is small */
        se_tensor *t = slot(a);
        if (!t || t->ndim == 0)
            return;
        int k = byte(r) % 5;
        int dim = byte(r) % 2; /* 0-based here, 1-based in Lua; past ndim the binding must refuse it */
        if (dim < t->ndim) {   /* the result is k slices of what one index selects */
            int64_t slice = t->size[dim] > 0 ? se_tensor_numel(t) / t->size[dim] : 0;
            if ((int64_t)k * (slice > 0 ? slice : 1) > SMALL)
                return;
        }
        push_fn("index_select", 1);
        push_slot(a);
        lua_pushinteger(L, 1 + dim);
        lua_createtable(L, k, 0);
        for (int i = 0; i < k; i++) {
            lua_pushinteger(L, integer(r));
            lua_rawseti(L, -2, i + 1);
        }
        call(3, dst);
        return;
    }
    case 11: { /* t[i] (a view or a number) and t[i] = 0 */
        if (!slot(a))
            return;
        lua_getglobal(L, "index");
        push_slot(a);
        lua_pushinteger(L, integer(r));
        call(2, dst);
        if (!slot(a) || extent_of(slot(a)) > SMALL)
            return;
        lua_getglobal(L, "assign");
        push_slot(a);
        lua_pushinteger(L, integer(r));
        call(2, -1);
        return;
    }
    default: break;
    }
    /* Operations that walk every element: only on small tensors. */
    se_tensor *t = slot(a);
    if (!t || extent_of(t) > SMALL)
        return;
    switch (op) {
    case 12:
        push_fn("sum", 1);
        push_slot(a);
        call(1, -1);
        return;
    case 13:
        push_fn("fill", 1);
        push_slot(a);
        lua_pushnumber(L, 1.5);
        call(2, -1);
        return;
    case 14:
        push_fn("contiguous", 1);
        push_slot(a);
        call(1, dst);
        return;
    case 15: { /* a + b, when the broadcast result is small */
        se_tensor *u = slot(b);
        int nd;
        if (!u || se_tensor_broadcast_shape(t, u, &nd, size) != SE_OK || se_shape_numel(nd, size, &numel) != SE_OK ||
            numel > SMALL)
            return;
        push_fn("add", 1);
        push_slot(a);
        push_slot(b);
        call(2, dst);
        return;
    }
    case 16:
        push_fn("max", 1);
        push_slot(a);
        lua_pushinteger(L, integer(r));
        call(2, dst);
        return;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "semeq.tensor", luaopen_semeq_tensor, 0);
    lua_setglobal(L, "T");
    if (luaL_dostring(L, "function index(t, i) return t[i] end; function assign(t, i) t[i] = 0 end") != LUA_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    lua_createtable(L, SLOTS, 0);
    slots_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    /* Start from a contiguous matrix, a transposed view of it, an empty tensor, a scalar. */
    static const char *const seeds[SLOTS] = {
        "return T.arange(24):view(4, 6)",
        "return T.arange(24):view(4, 6):t()",
        "return T.zeros(0, 3)",
        "return T.ones(1)",
    };
    for (int i = 0; i < SLOTS; i++) {
        if (luaL_dostring(L, seeds[i]) != LUA_OK)
            __builtin_trap();
        keep(i);
    }
    for (int s = 0; s < MAX_STEPS && r.left; s++)
        step(&r);
    luaL_unref(L, LUA_REGISTRYINDEX, slots_ref);
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}
