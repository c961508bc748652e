// module: semeq.safetensors
/* semeq.safetensors: tensors and string metadata in safetensors files
 * (src/core/safetensors.c), the format of model files and training checkpoints.
 *
 *   local st = require "semeq.safetensors"
 *   assert(st.save(path, {"w", "b"}, {w, b}, {note = "text"}))   -- true, or nil, message
 *   local tensors, names, meta = st.load(path)                   -- or nil, message
 *
 * A file that cannot be written, read or parsed, or that holds a non-finite value, is an
 * environment failure: nil and a message naming the file (and the byte, for a malformed
 * file). Bad arguments raise.
 * The parsed header lives in a userdata box with a __gc created before it is acquired,
 * so an error raised afterwards (out of memory in lse_newtensor) cannot leak it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/safetensors.h"
#include "lse.h"

#define ST_BOX "semeq.safetensors.file"

static int st_box_gc(lua_State *L)
{
    se_safetensors_free(luaL_checkudata(L, 1, ST_BOX));
    return 0;
}

static void *new_box(lua_State *L, size_t size, const char *mt, lua_CFunction gc)
{
    void *p = lua_newuserdatauv(L, size, 0);
    memset(p, 0, size);
    if (luaL_newmetatable(L, mt)) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    return p;
}

/* save(path, names {string...}, tensors {tensor...}, meta {string = string} | nil) */
static int l_save(lua_State *L)
{
    lua_settop(L, 4); /* scratch userdata below must not be mistaken for the metadata argument */
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, luaL_len(L, 3) == n, 3, "needs one tensor per name");
    se_st_entry *e = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *e, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        e[i - 1].name = lua_tostring(L, -1); /* kept alive by table 2 */
        if (!e[i - 1].name || lua_type(L, -1) != LUA_TSTRING)
            return luaL_argerror(L, 2, lua_pushfstring(L, "name %I is not a string", i));
        lua_pop(L, 1);
        lua_geti(L, 3, i);
        se_tensor *t = lse_totensor(L, -1);
        if (!t || !se_tensor_is_contiguous(t))
            return luaL_argerror(L, 3,
                                 lua_pushfstring(L, "tensor %I ('%s') is not a contiguous tensor", i, e[i - 1].name));
        lua_pop(L, 1);
        e[i - 1].ndim = t->ndim;
        e[i - 1].shape = t->size;
        e[i - 1].data = se_tensor_data(t);
    }
    size_t nmeta = 0;
    const char **keys = NULL, **vals = NULL;
    if (!lua_isnoneornil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        for (lua_pushnil(L); lua_next(L, 4); lua_pop(L, 1))
            nmeta++;
        keys = lua_newuserdatauv(L, (nmeta + 1) * sizeof *keys, 0);
        vals = lua_newuserdatauv(L, (nmeta + 1) * sizeof *vals, 0);
        size_t k = 0;
        for (lua_pushnil(L); lua_next(L, 4); lua_pop(L, 1), k++) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                return luaL_argerror(L, 4, "metadata must map strings to strings");
            keys[k] = lua_tostring(L, -2);
            vals[k] = lua_tostring(L, -1);
        }
        /* Keys in a fixed order: table traversal order varies between runs (Lua seeds
         * its string hashes), and the same model must give the same bytes. */
        for (size_t i = 1; i < nmeta; i++)
            for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
                const char *tk = keys[j], *tv = vals[j];
                keys[j] = keys[j - 1], vals[j] = vals[j - 1];
                keys[j - 1] = tk, vals[j - 1] = tv;
            }
    }
    char err[512];
    se_status st = se_safetensors_write(path, e, (size_t)n, keys, vals, nmeta, err, sizeof err);
    if (st == SE_ENOMEM)
        return lse_error(L, st, "safetensors.save: %s", path);
    if (st != SE_OK)
        return lse_fail(L, "%s: %s", path, err);
    lua_pushboolean(L, 1);
    return 1;
}

/* Reads path into a GC-owned userdata (pushed); returns its bytes and length, or NULL
 * with the reason in *why. */
static const uint8_t *slurp(lua_State *L, const char *path, size_t *len, const char **why)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        *why = "cannot open (not a readable file)";
        return NULL;
    }
    uint8_t *buf = lua_newuserdatauv(L, (size_t)sb.st_size + 1, 0);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        *why = "cannot open";
        return NULL;
    }
    size_t got = fread(buf, 1, (size_t)sb.st_size, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        *why = "read error";
        return NULL;
    }
    *len = got;
    return buf;
}

/* A message that quotes names from a file stays one line: control characters become '?'. */
static const char *one_line(char *s)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return s;
}

/* load(path) -> tensors {name = tensor}, names {in file order}, meta {string = string} */
static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *why = NULL;
    const uint8_t *buf = slurp(L, path, &len, &why);
    if (!buf)
        return lse_fail(L, "%s: %s", path, why);
    se_st_file *f = new_box(L, sizeof *f, ST_BOX, st_box_gc);
    char err[512];
    se_status st = se_safetensors_parse(buf, len, f, err, sizeof err);
    if (st == SE_ENOMEM)
        return lse_error(L, st, "safetensors.load: %s", path);
    if (st != SE_OK)
        return lse_fail(L, "%s: %s", path, one_line(err));
    lua_createtable(L, 0, (int)f->ntensors);
    lua_createtable(L, (int)f->ntensors, 0);
    for (size_t i = 0; i < f->ntensors; i++) {
        se_st_tensor *t = &f->tensors[i];
        se_tensor *out = lse_newtensor(L, t->ndim, t->shape);
        float *d = se_tensor_data(out);
        se_safetensors_copy_f32(f, i, d);
        /* A NaN weight would turn into plausible outputs (ReLU maps it to 0): refuse it here. */
        for (int64_t k = 0, n = se_tensor_numel(out); k < n; k++)
            if (!isfinite(d[k])) {
                char name[128];
                snprintf(name, sizeof name, "%s", t->name);
                return lse_fail(L, "%s: tensor '%s' holds a non-finite value (%s) at element %I", path, one_line(name),
                                isnan(d[k]) ? "NaN" : "infinity", (lua_Integer)k + 1);
            }
        lua_setfield(L, -3, t->name);
        lua_pushstring(L, t->name);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_createtable(L, 0, (int)f->nmeta);
    for (size_t i = 0; i < f->nmeta; i++) {
        lua_pushstring(L, f->meta_values[i]);
        lua_setfield(L, -2, f->meta_keys[i]);
    }
    return 3;
}

static const luaL_Reg functions[] = {
    {"save", l_save},
    {"load", l_load},
    {NULL, NULL},
};

int luaopen_semeq_safetensors(lua_State *L)
{
    luaL_newlib(L, functions);
    return 1;
}
