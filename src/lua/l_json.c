// module: semeq.util.json
/* semeq.util.json: the JSON codec every part of semeq uses (reports, model metadata,
 * checkpoints), on cJSON through src/lua/lse_json.c.
 *
 *   local json = require "semeq.util.json"
 *   local text = json.encode({a = 1, b = {1, 2}})   -- keys sorted: the same table, the same text
 *   local value, err = json.decode(text)             -- nil, "bad JSON at byte N" on malformed text
 *   json.null                                         -- what JSON null decodes to (and encodes from)
 *
 * Encoding a value JSON cannot hold (a function, a cycle, a non-string key) is a
 * programming error and raises; malformed text is data, so decode returns nil and a
 * message, as io.open does. */
#include "lse.h"

static int l_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    lse_json_encode(L, 1, "json.encode");
    return 1;
}

static int l_decode(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    cJSON **root = lse_json_box(L);
    const char *bad = lse_json_parse(text, len, root);
    if (bad) {
        luaL_pushfail(L);
        lua_pushfstring(L, "bad JSON at byte %I", (lua_Integer)(bad - text));
        return 2;
    }
    lse_json_push(L, *root);
    return 1;
}

static const luaL_Reg functions[] = {
    {"encode", l_encode},
    {"decode", l_decode},
    {NULL, NULL},
};

int luaopen_semeq_util_json(lua_State *L)
{
    luaL_newlib(L, functions);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    return 1;
}
