// module: semeq.nn.io
/* Model files for semeq.nn: safetensors read/write (src/core/safetensors.c) and the small
 * JSON codec that turns model configs into the string values of "__metadata__".
 *
 * Resources that must be freed (the parsed header, cJSON trees) live in userdata boxes with
 * a __gc created before the resource is acquired, so that any error raised afterwards (out
 * of memory in lse_newtensor, a bad value in a config table) cannot leak them. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/safetensors.h"
#include "lse.h"

#define ST_BOX "semeq.nn.io.file"
#define JSON_BOX "semeq.nn.io.json"

static int st_box_gc(lua_State *L)
{
    se_safetensors_free(luaL_checkudata(L, 1, ST_BOX));
    return 0;
}

static int json_box_gc(lua_State *L)
{
    cJSON **root = luaL_checkudata(L, 1, JSON_BOX);
    cJSON_Delete(*root);
    *root = NULL;
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

/* ---------------------------------------------------------------- safetensors */

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
            return luaL_argerror(L, 3, lua_pushfstring(L, "tensor %I ('%s') is not a contiguous tensor",
                                                       i, e[i - 1].name));
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
    if (st != SE_OK)
        return lse_error(L, st, "nn.save: %s: %s", path, err);
    return 0;
}

/* Reads path into a GC-owned userdata (pushed); returns its bytes and length. */
static const uint8_t *slurp(lua_State *L, const char *path, size_t *len)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        luaL_error(L, "nn.load: %s: cannot open (not a readable file)", path);
    uint8_t *buf = lua_newuserdatauv(L, (size_t)sb.st_size + 1, 0);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        luaL_error(L, "nn.load: %s: cannot open", path);
    size_t got = fread(buf, 1, (size_t)sb.st_size, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad)
        luaL_error(L, "nn.load: %s: read error", path);
    *len = got;
    return buf;
}

/* A message that quotes names from a file stays one line: control characters become '?'. */
static const char *one_line(char *s)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return s;
}

/* load(path) -> tensors {name = tensor}, names {in file order}, meta {string = string} */
static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const uint8_t *buf = slurp(L, path, &len);
    se_st_file *f = new_box(L, sizeof *f, ST_BOX, st_box_gc);
    char err[512];
    se_status st = se_safetensors_parse(buf, len, f, err, sizeof err);
    if (st != SE_OK)
        return lse_error(L, st, "nn.load: %s: %s", path, one_line(err));
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
                return luaL_error(L, "nn.load: %s: tensor '%s' holds a non-finite value (%s) at element %I", path,
                                  one_line(name), isnan(d[k]) ? "NaN" : "infinity", (lua_Integer)k + 1);
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

/* ---------------------------------------------------------------- JSON */

static int is_sequence(lua_State *L, int idx)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
        /* keys 1..n only: a table with holes ({[2]=a, [3]=b}) can have a border n that
         * equals its key count and would otherwise be written with nulls */
        if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 || lua_tointeger(L, -2) > n) {
            lua_pop(L, 2);
            return 0;
        }
        count++;
    }
    return count == n && (n > 0 || count == 0);
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the Lua value at idx to parent (an object under key, or an array if key is NULL). */
static void encode_value(lua_State *L, int idx, cJSON *parent, const char *key, int depth)
{
    idx = lua_absindex(L, idx);
    cJSON *item = NULL;
    if (depth > 64)
        luaL_error(L, "json.encode: nesting too deep (a cycle?)");
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN: item = cJSON_CreateBool(lua_toboolean(L, idx)); break;
    case LUA_TNUMBER: item = cJSON_CreateNumber(lua_tonumber(L, idx)); break;
    case LUA_TSTRING: item = cJSON_CreateString(lua_tostring(L, idx)); break;
    case LUA_TTABLE: item = is_sequence(L, idx) && lua_rawlen(L, idx) > 0 ? cJSON_CreateArray()
                                                                             : cJSON_CreateObject(); break;
    default: luaL_error(L, "json.encode: cannot encode a %s", luaL_typename(L, idx));
    }
    if (!item)
        luaL_error(L, "json.encode: out of memory");
    /* Attach first so that the tree owns item before anything below can raise. */
    if (key ? !cJSON_AddItemToObject(parent, key, item) : !cJSON_AddItemToArray(parent, item)) {
        cJSON_Delete(item);
        luaL_error(L, "json.encode: out of memory");
    }
    if (!lua_istable(L, idx))
        return;
    luaL_checkstack(L, 4, "json.encode");
    if (cJSON_IsArray(item)) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            encode_value(L, -1, item, NULL, depth + 1);
            lua_pop(L, 1);
        }
        return;
    }
    /* Members in key order, so that equal tables give equal text whatever the traversal
     * order (which varies between runs). The key array is a userdata (GC-owned, nothing
     * leaks if encoding a member raises); the key strings stay alive in the table. */
    size_t n = 0;
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "json.encode: object keys must be strings");
        n++;
    }
    const char **keys = lua_newuserdatauv(L, (n + 1) * sizeof *keys, 0);
    size_t k = 0;
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1))
        keys[k++] = lua_tostring(L, -2);
    qsort(keys, n, sizeof *keys, compare_keys);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, keys[i]);
        lua_rawget(L, idx);
        encode_value(L, -1, item, keys[i], depth + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* keys */
}

/* json_encode(value) -> string (objects and arrays from tables; keys sorted as cJSON keeps them) */
static int l_json_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    cJSON **box = new_box(L, sizeof(cJSON *), JSON_BOX, json_box_gc);
    *box = cJSON_CreateArray();
    if (!*box)
        return luaL_error(L, "json.encode: out of memory");
    encode_value(L, 1, *box, NULL, 0);
    char *text = cJSON_PrintUnformatted((*box)->child);
    if (!text)
        return luaL_error(L, "json.encode: out of memory");
    lua_pushstring(L, text); /* may raise: text would leak only on out-of-memory */
    cJSON_free(text);
    return 1;
}

static void decode_value(lua_State *L, const cJSON *v, int depth)
{
    luaL_checkstack(L, 3, "json.decode");
    if (depth > 200)
        luaL_error(L, "json.decode: nesting too deep");
    if (cJSON_IsBool(v))
        lua_pushboolean(L, cJSON_IsTrue(v));
    else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d > -9.0e15 && d < 9.0e15 && d == (double)(lua_Integer)d)
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, d);
    } else if (cJSON_IsString(v))
        lua_pushstring(L, v->valuestring);
    else if (cJSON_IsArray(v)) {
        lua_newtable(L);
        lua_Integer i = 1;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            decode_value(L, e, depth + 1);
            lua_rawseti(L, -2, i);
        }
    } else if (cJSON_IsObject(v)) {
        lua_newtable(L);
        for (const cJSON *e = v->child; e; e = e->next) {
            decode_value(L, e, depth + 1);
            lua_setfield(L, -2, e->string);
        }
    } else
        lua_pushnil(L);
}

/* json_decode(string) -> value; raises "json.decode: bad JSON at byte N" */
static int l_json_decode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    cJSON **box = new_box(L, sizeof(cJSON *), JSON_BOX, json_box_gc);
    const char *end = NULL;
    *box = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    if (!*box)
        return luaL_error(L, "json.decode: bad JSON at byte %d", (int)(end && end >= s ? end - s : 0));
    decode_value(L, *box, 0);
    return 1;
}

static const luaL_Reg FUNCS[] = {
    {"save", l_save},
    {"load", l_load},
    {"json_encode", l_json_encode},
    {"json_decode", l_json_decode},
    {NULL, NULL},
};

int luaopen_semeq_nn_io(lua_State *L)
{
    luaL_newlib(L, FUNCS);
    return 1;
}
