/* The one JSON codec of the bindings (cJSON underneath): every module that turns JSON
 * into Lua values or back goes through these functions, so that null, integers, key
 * order and trailing text mean the same everywhere.
 *
 *   JSON null      <-> lse_json_null (a light userdata NULL, exposed as json.null)
 *   integral numbers within +-9e15 -> Lua integers; other numbers -> floats
 *   Lua NaN/inf    -> null (cJSON's choice: JSON has no such numbers)
 *   text after the value (other than white space) is an error. */
#include <stdlib.h>
#include <string.h>

#include "lse.h"

#define JSON_BOX "semeq.json.tree"

void lse_json_push(lua_State *L, const cJSON *v)
{
    /* cJSON limits nesting to CJSON_NESTING_LIMIT (1000), so the recursion is bounded. */
    luaL_checkstack(L, 4, "JSON nested too deeply");
    if (cJSON_IsObject(v)) {
        lua_createtable(L, 0, cJSON_GetArraySize(v));
        for (const cJSON *c = v->child; c; c = c->next) {
            lse_json_push(L, c);
            lua_setfield(L, -2, c->string ? c->string : "");
        }
    } else if (cJSON_IsArray(v)) {
        lua_createtable(L, cJSON_GetArraySize(v), 0);
        lua_Integer i = 1;
        for (const cJSON *c = v->child; c; c = c->next) {
            lse_json_push(L, c);
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsString(v)) {
        lua_pushstring(L, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        /* Integers stay integers in Lua (ids, counts); range first: casting inf is undefined. */
        if (d >= -9.0e15 && d <= 9.0e15 && d == (double)(lua_Integer)d)
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, d);
    } else if (cJSON_IsBool(v)) {
        lua_pushboolean(L, cJSON_IsTrue(v));
    } else {
        lua_pushlightuserdata(L, NULL); /* null */
    }
}

const char *lse_json_parse(const char *text, size_t len, cJSON **out)
{
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!*out)
        return end && end >= text ? end : text;
    while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (end == text + len)
        return NULL;
    cJSON_Delete(*out);
    *out = NULL;
    return end;
}

static int tree_gc(lua_State *L)
{
    cJSON **root = luaL_checkudata(L, 1, JSON_BOX);
    cJSON_Delete(*root);
    *root = NULL;
    return 0;
}

cJSON **lse_json_box(lua_State *L)
{
    cJSON **root = lua_newuserdatauv(L, sizeof *root, 0);
    *root = NULL;
    if (luaL_newmetatable(L, JSON_BOX)) {
        lua_pushcfunction(L, tree_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, tree_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    return root;
}

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
    return count == n;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cJSON *new_item(lua_State *L, int idx, const char *fn)
{
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN: return cJSON_CreateBool(lua_toboolean(L, idx));
    case LUA_TNUMBER: return cJSON_CreateNumber(lua_tonumber(L, idx));
    case LUA_TSTRING: return cJSON_CreateString(lua_tostring(L, idx));
    case LUA_TTABLE: return is_sequence(L, idx) && lua_rawlen(L, idx) > 0 ? cJSON_CreateArray() : cJSON_CreateObject();
    case LUA_TLIGHTUSERDATA:
        if (!lua_touserdata(L, idx))
            return cJSON_CreateNull();
        /* fallthrough */
    default: luaL_error(L, "%s: cannot encode a %s", fn, luaL_typename(L, idx));
    }
    return NULL;
}

static void encode_members(lua_State *L, int idx, cJSON *item, const char *fn, int depth);

/* Adds the Lua value at idx to parent (an object under key, or an array if key is NULL).
 * The tree owns every item as soon as it is created, so a raise below leaks nothing. */
static void encode_value(lua_State *L, int idx, cJSON *parent, const char *key, const char *fn, int depth)
{
    idx = lua_absindex(L, idx);
    if (depth > 64)
        luaL_error(L, "%s: nesting too deep (a cycle?)", fn);
    cJSON *item = new_item(L, idx, fn);
    if (!item)
        luaL_error(L, "%s: out of memory", fn);
    if (key ? !cJSON_AddItemToObject(parent, key, item) : !cJSON_AddItemToArray(parent, item)) {
        cJSON_Delete(item);
        luaL_error(L, "%s: out of memory", fn);
    }
    if (lua_istable(L, idx))
        encode_members(L, idx, item, fn, depth);
}

static void encode_members(lua_State *L, int idx, cJSON *item, const char *fn, int depth)
{
    luaL_checkstack(L, 4, fn);
    if (cJSON_IsArray(item)) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            encode_value(L, -1, item, NULL, fn, depth + 1);
            lua_pop(L, 1);
        }
        return;
    }
    /* Members in key order, so that equal tables give equal text whatever the traversal
     * order (which varies between runs). The key array is a userdata (GC-owned); the
     * key strings stay alive in the table. */
    size_t n = 0;
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "%s: object keys must be strings", fn);
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
        encode_value(L, -1, item, keys[i], fn, depth + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* keys */
}

void lse_json_encode(lua_State *L, int idx, const char *fn)
{
    idx = lua_absindex(L, idx);
    cJSON **root = lse_json_box(L);
    *root = cJSON_CreateArray();
    if (!*root)
        luaL_error(L, "%s: out of memory", fn);
    encode_value(L, idx, *root, NULL, fn, 0);
    char *text = cJSON_PrintUnformatted((*root)->child);
    if (!text)
        luaL_error(L, "%s: out of memory", fn);
    lua_pushstring(L, text); /* may raise: text would leak only on out-of-memory */
    cJSON_free(text);
    lua_remove(L, -2); /* the box; its __gc frees the tree */
}
