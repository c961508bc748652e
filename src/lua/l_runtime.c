// module: semeq.runtime
/* semeq.runtime: the Lua-free model runtime (src/core/model.h, the engine of src/semeq.h)
 * from Lua, so that semeq.semantic and a C host infer through the same code.
 *
 *   local runtime = require "semeq.runtime"
 *   local rt, err = runtime.load(path)          -- nil, "path: ..." when the file is unusable
 *   local rt, err = runtime.build(names, tensors, meta [, name])
 *                       -- from a model in memory: state-dict names, tensors, metadata strings
 *   rt:encode(X)   X [n x input] or [input] -> codes [n x latent] (or [latent])
 *   rt:decode(Z)   codes -> outputs in the representation
 *   rt:forward(X)  the whole model, for files whose graph has a "forward" entry (nn.graph)
 *   rt:eq_for(z [, intensity])  z: a code tensor [latent] -> {kind = "safe", params = {13},
 *                       fit_error_db = x (curve models)} or {kind = "graphic40", gains = {40}}
 *   rt:interpolate(from, to, amount)  two term names -> code tensor
 *   rt:terms()  rt:latent_size()  rt:input_size()  rt:output_size()  rt:representation()
 *   rt:close()     frees the model now (also __gc / __close)
 *
 * A bad argument raises naming the method; a file that cannot be used is nil, message. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/model.h"
#include "l_runtime.h"
#include "lse.h"

#define RUNTIME "semeq.Runtime"

typedef struct runtime_ud {
    se_model *m;   /* NULL once closed */
    void *scratch; /* for one row and for eq_for (malloc'd with the model) */
    size_t scratch_bytes;
} runtime_ud;

static int rt_close(lua_State *L)
{
    runtime_ud *u = luaL_checkudata(L, 1, RUNTIME);
    se_model_free(u->m);
    free(u->scratch);
    u->m = NULL;
    u->scratch = NULL;
    return 0;
}

static runtime_ud *check_rt(lua_State *L)
{
    runtime_ud *u = luaL_checkudata(L, 1, RUNTIME);
    if (!u->m)
        luaL_argerror(L, 1, "the runtime has been closed");
    return u;
}

const se_model *lse_checkruntime(lua_State *L, int arg, void **scratch, size_t *scratch_bytes)
{
    runtime_ud *u = luaL_checkudata(L, arg, RUNTIME);
    if (!u->m)
        luaL_argerror(L, arg, "the runtime has been closed");
    *scratch = u->scratch;
    *scratch_bytes = u->scratch_bytes;
    return u->m;
}

/* Pushes a closed handle first, so that nothing leaks if attaching raises (as liolib.c does). */
static runtime_ud *new_handle(lua_State *L)
{
    runtime_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, RUNTIME);
    return u;
}

static size_t row_scratch_bytes(const se_model *m)
{
    size_t need = se_model_eq_scratch_bytes(m);
    for (int e = 0; e < SE_ENTRY_COUNT; e++) {
        int64_t f = se_model_entry_scratch(m, (se_entry)e, 1);
        if (f > 0 && (size_t)f * sizeof(float) > need)
            need = (size_t)f * sizeof(float);
    }
    return need ? need : sizeof(double);
}

/* Attaches m (or the failure) to the handle on top of the stack; returns the results. */
static int finish_load(lua_State *L, runtime_ud *u, se_status st, se_model *m, const char *err)
{
    if (st != SE_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    u->m = m;
    u->scratch_bytes = row_scratch_bytes(m);
    u->scratch = malloc(u->scratch_bytes);
    if (!u->scratch)
        return luaL_error(L, "runtime: out of memory");
    return 1;
}

/* load(path) -> runtime | nil, message */
static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    runtime_ud *u = new_handle(L);
    char err[512];
    se_model *m;
    se_status st = se_model_load_file(path, &m, err, sizeof err);
    return finish_load(L, u, st, m, err);
}

/* build(names, tensors, meta [, name]) -> runtime | nil, message */
static int l_build(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *name = luaL_optstring(L, 4, "(model in memory)");
    lua_settop(L, 4);
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, luaL_len(L, 2) == n, 2, "needs one tensor per name");
    size_t nmeta = 0;
    for (lua_pushnil(L); lua_next(L, 3); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            return luaL_argerror(L, 3, "metadata must map strings to strings");
        nmeta++;
    }
    /* GC-owned arrays: nothing to free if a check below raises */
    se_model_tensor *t = lua_newuserdatauv(L, sizeof *t * (size_t)(n > 0 ? n : 1), 0);
    const char **keys = lua_newuserdatauv(L, sizeof *keys * (nmeta + 1), 0);
    const char **vals = lua_newuserdatauv(L, sizeof *vals * (nmeta + 1), 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_argerror(L, 1, lua_pushfstring(L, "name %I is not a string", i));
        t[i - 1].name = lua_tostring(L, -1); /* kept alive by table 1 */
        lua_pop(L, 1);
        lua_geti(L, 2, i);
        se_tensor *x = lse_totensor(L, -1);
        if (!x || !x->storage || !se_tensor_is_contiguous(x))
            return luaL_argerror(L, 2, lua_pushfstring(L, "tensor %I is not a contiguous tensor", i));
        lua_pop(L, 1);
        t[i - 1].ndim = x->ndim;
        t[i - 1].shape = x->size;
        t[i - 1].data = se_tensor_data(x); /* float32 in host order: little-endian hosts */
    }
    size_t k = 0;
    for (lua_pushnil(L); lua_next(L, 3); lua_pop(L, 1), k++) {
        keys[k] = lua_tostring(L, -2);
        vals[k] = lua_tostring(L, -1);
    }
    se_model_source src = {name, t, (size_t)n, keys, vals, nmeta};
    runtime_ud *u = new_handle(L);
    char err[512];
    se_model *m;
    se_status st = se_model_build(&src, &m, err, sizeof err);
    return finish_load(L, u, st, m, err);
}

/* ---------------------------------------------------------------- inference */

/* rt:encode(X) / rt:decode(Z): one entry over rows of a 2-d tensor, or one 1-d row. */
static int run_entry(lua_State *L, se_entry e, const char *fn)
{
    runtime_ud *u = check_rt(L);
    const se_model *m = u->m;
    static const char *const entries[SE_ENTRY_COUNT] = {"encode", "decode", "forward"};
    if (m->entry[e] < 0)
        return luaL_error(L, "%s: this model has no %s entry", fn, entries[e]);
    se_tensor *x = lse_checktensor(L, 2);
    int in = se_model_entry_in(m, e), out = se_model_entry_out(m, e);
    int one = x->ndim == 1;
    int64_t rows = one ? 1 : x->size[0];
    if ((x->ndim != 1 && x->ndim != 2) || x->size[x->ndim - 1] != in || rows < 1 || rows > SE_MODEL_MAX_BATCH) {
        char shape[64];
        return luaL_error(L, "%s: expected input [N x %d] (N >= 1), got %s", fn, in,
                          se_tensor_shape_str(x, shape, sizeof shape));
    }
    if (!se_tensor_is_contiguous(x)) {
        se_tensor *c = lse_pushempty(L);
        if (se_tensor_contiguous(c, x) != SE_OK)
            return lse_error(L, SE_ENOMEM, "%s", fn);
        x = c;
    }
    /* A NaN or Inf would come out as a silent NaN code or curve. */
    const float *xd = se_tensor_data(x);
    int64_t bad = se_first_nonfinite(xd, rows * in);
    if (bad >= 0 && one)
        return luaL_error(L, "%s: input[%I] = %f is not finite", fn, (lua_Integer)bad + 1, (double)xd[bad]);
    if (bad >= 0)
        return luaL_error(L, "%s: input[%I][%I] = %f is not finite", fn, (lua_Integer)(bad / in) + 1,
                          (lua_Integer)(bad % in) + 1, (double)xd[bad]);
    int64_t size[2] = {rows, out};
    se_tensor *y = one ? lse_newtensor(L, 1, &size[1]) : lse_newtensor(L, 2, size);
    int64_t floats = se_model_entry_scratch(m, e, rows);
    float *scratch = u->scratch;
    if (floats < 0)
        return luaL_error(L, "%s: batch too large", fn);
    if ((size_t)floats * sizeof(float) > u->scratch_bytes)
        scratch = lua_newuserdatauv(L, (size_t)floats * sizeof(float), 0); /* a batch: Lua-owned scratch */
    se_status st = se_model_run(m, e, xd, rows, se_tensor_data(y), scratch);
    if (st != SE_OK)
        return lse_error(L, st, "%s", fn);
    if (scratch != u->scratch)
        lua_pop(L, 1);
    return 1;
}

static int rt_encode(lua_State *L) { return run_entry(L, SE_ENTRY_ENCODE, "runtime:encode"); }
static int rt_forward(lua_State *L) { return run_entry(L, SE_ENTRY_FORWARD, "runtime:forward"); }
static int rt_decode(lua_State *L) { return run_entry(L, SE_ENTRY_DECODE, "runtime:decode"); }

static void push_numbers(lua_State *L, const float *v, int n)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushnumber(L, v[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

/* rt:eq_for(z [, intensity]) */
static int rt_eq_for(lua_State *L)
{
    runtime_ud *u = check_rt(L);
    se_tensor *z = lse_checktensor(L, 2);
    double intensity = luaL_optnumber(L, 3, 1.0);
    luaL_argcheck(L, isfinite(intensity), 3, "intensity must be a finite number");
    if (se_tensor_numel(z) != u->m->latent || !z->storage)
        return luaL_error(L, "runtime:eq_for: the code must have %d values, got %d", u->m->latent,
                          (int)se_tensor_numel(z));
    if (!se_tensor_is_contiguous(z)) {
        se_tensor *c = lse_pushempty(L);
        if (se_tensor_contiguous(c, z) != SE_OK)
            return lse_error(L, SE_ENOMEM, "runtime:eq_for");
        z = c;
    }
    se_model_eq eq;
    se_status st = se_model_eq_for_code(u->m, se_tensor_data(z), intensity, &eq, u->scratch, u->scratch_bytes);
    if (st == SE_EUNSUPPORTED)
        return luaL_error(L, "runtime:eq_for: the model has no %s",
                          u->m->rep == SE_REP_NONE ? "representation" : "decoder");
    if (st == SE_EARG)
        return luaL_error(L, "runtime:eq_for: the code holds a non-finite value");
    if (st != SE_OK)
        return lse_error(L, st, "runtime:eq_for");
    lua_createtable(L, 0, 3);
    lua_pushstring(L, eq.kind == 1 ? "safe" : "graphic40");
    lua_setfield(L, -2, "kind");
    push_numbers(L, eq.params, eq.nparams);
    lua_setfield(L, -2, eq.kind == 1 ? "params" : "gains");
    if (eq.fit_error_db >= 0) {
        lua_pushnumber(L, eq.fit_error_db);
        lua_setfield(L, -2, "fit_error_db");
    }
    return 1;
}

static int term_index(lua_State *L, const se_model *m, int arg)
{
    const char *name = luaL_checkstring(L, arg);
    for (int i = 0; i < m->nterms; i++)
        if (strcmp(m->terms[i], name) == 0)
            return i;
    return luaL_argerror(L, arg, lua_pushfstring(L, "unknown term '%s'", name));
}

/* rt:interpolate(from, to, amount) -> code */
static int rt_interpolate(lua_State *L)
{
    runtime_ud *u = check_rt(L);
    int a = term_index(L, u->m, 2), b = term_index(L, u->m, 3);
    double amount = luaL_checknumber(L, 4);
    luaL_argcheck(L, isfinite(amount), 4, "amount must be a finite number");
    int64_t n = u->m->latent;
    se_tensor *z = lse_newtensor(L, 1, &n);
    se_model_interpolate(u->m, a, b, amount, se_tensor_data(z));
    return 1;
}

static int rt_terms(lua_State *L)
{
    runtime_ud *u = check_rt(L);
    lua_createtable(L, u->m->nterms, 0);
    for (int i = 0; i < u->m->nterms; i++) {
        lua_pushstring(L, u->m->terms[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int rt_latent_size(lua_State *L)
{
    lua_pushinteger(L, check_rt(L)->m->latent);
    return 1;
}
static int rt_input_size(lua_State *L)
{
    lua_pushinteger(L, se_model_entry_in(check_rt(L)->m, SE_ENTRY_ENCODE));
    return 1;
}
static int rt_output_size(lua_State *L)
{
    lua_pushinteger(L, se_model_entry_out(check_rt(L)->m, SE_ENTRY_DECODE));
    return 1;
}

static int rt_representation(lua_State *L)
{
    static const char *const names[] = {NULL, "safe13", "floweq13", "curve40", "graphic40"};
    runtime_ud *u = check_rt(L);
    if (u->m->rep == SE_REP_NONE)
        lua_pushnil(L);
    else
        lua_pushstring(L, names[u->m->rep]);
    return 1;
}

static int rt_tostring(lua_State *L)
{
    runtime_ud *u = luaL_checkudata(L, 1, RUNTIME);
    if (!u->m)
        lua_pushstring(L, "semeq.Runtime (closed)");
    else
        lua_pushfstring(L, "semeq.Runtime (latent %d, %d terms)", u->m->latent, u->m->nterms);
    return 1;
}

static const luaL_Reg model_methods[] = {
    {"encode", rt_encode},
    {"decode", rt_decode},
    {"forward", rt_forward},
    {"eq_for", rt_eq_for},
    {"interpolate", rt_interpolate},
    {"terms", rt_terms},
    {"latent_size", rt_latent_size},
    {"input_size", rt_input_size},
    {"output_size", rt_output_size},
    {"representation", rt_representation},
    {"close", rt_close},
    {NULL, NULL},
};

static const luaL_Reg functions[] = {{"load", l_load}, {"build", l_build}, {NULL, NULL}};

int luaopen_semeq_runtime(lua_State *L)
{
    if (luaL_newmetatable(L, RUNTIME)) {
        luaL_newlib(L, model_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, rt_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, rt_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, rt_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lse_tensor_metatable(L);
    luaL_newlib(L, functions);
    return 1;
}
