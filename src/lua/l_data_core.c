// module: semeq.data.core
/* The C half of semeq.data: file parsing that Lua would do slowly or loosely.
 *
 *   rows, lines, errors = core.read_csv(path)
 *       rows[i] is an array of the fields of record i (byte strings, quotes removed),
 *       lines[i] its 1-based line number, errors[i] nil or why the record is malformed.
 *   value = core.read_json(path)          -- as semeq.util.json decodes it (null -> json.null)
 *   items = core.read_jsonl(path)         -- items[i] = {line=, value=} or {line=, error=}
 *
 * A file that cannot be read or parsed is an environment failure: the reader returns
 * nil and "path[:line]: reason", as io.open does.
 *
 * Parsed C structures live in a userdata "box" whose __gc frees them, so that a Lua
 * error while building the result (out of memory) leaks nothing. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csv.h"
#include "lse.h"

#define BOX "semeq.data.Box"

/* Owner of one C allocation: the parsed CSV or a cJSON tree or a file buffer. */
typedef struct box {
    void (*release)(struct box *);
    se_csv csv;
    cJSON *json;
    char *buf;
} box;

static int box_gc(lua_State *L)
{
    box *b = luaL_checkudata(L, 1, BOX);
    if (b->release)
        b->release(b);
    b->release = NULL;
    return 0;
}

static void box_release(box *b)
{
    se_csv_free(&b->csv);
    if (b->json)
        cJSON_Delete(b->json);
    free(b->buf);
    b->json = NULL;
    b->buf = NULL;
}

static box *push_box(lua_State *L)
{
    box *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    if (luaL_newmetatable(L, BOX)) {
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    b->release = box_release;
    return b;
}

/* Reads path into the box's buffer; on failure pushes nil and "path: reason" and
 * returns 0. */
static int read_into_box(lua_State *L, box *b, const char *path, size_t *len)
{
    se_status st = se_read_file(path, &b->buf, len);
    if (st == SE_OK)
        return 1;
    lse_fail(L, "%s: %s", path, st == SE_EIO ? strerror(errno) : se_status_str(st));
    return 0;
}

static int l_read_csv(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    box *b = push_box(L);
    size_t len;
    if (!read_into_box(L, b, path, &len))
        return 2;
    if (se_csv_parse(&b->csv, b->buf, len) != SE_OK)
        return luaL_error(L, "read_csv: %s: out of memory", path);
    const se_csv *c = &b->csv;
    lua_createtable(L, (int)c->nrecords, 0); /* rows */
    lua_createtable(L, (int)c->nrecords, 0); /* lines */
    lua_createtable(L, 0, 0);                /* errors */
    for (size_t r = 0; r < c->nrecords; r++) {
        size_t nf = se_csv_nfields(c, r);
        lua_createtable(L, (int)nf, 0);
        for (size_t f = 0; f < nf; f++) {
            size_t flen;
            const char *s = se_csv_field(c, r, f, &flen);
            lua_pushlstring(L, s, flen);
            lua_rawseti(L, -2, (lua_Integer)f + 1);
        }
        lua_rawseti(L, -4, (lua_Integer)r + 1);
        lua_pushinteger(L, (lua_Integer)c->record_line[r]);
        lua_rawseti(L, -3, (lua_Integer)r + 1);
        if (c->record_error[r]) {
            lua_pushstring(L, c->record_error[r]);
            lua_rawseti(L, -2, (lua_Integer)r + 1);
        }
    }
    return 3;
}

/* Line (1-based) and byte offset (0-based) of position p in buf. */
static void locate(const char *buf, const char *p, lua_Integer *line, lua_Integer *offset)
{
    *line = 1;
    for (const char *q = buf; q < p; q++)
        if (*q == '\n')
            (*line)++;
    *offset = (lua_Integer)(p - buf);
}

/* Parses buf[0..len) into b->json or returns the position of the first bad byte. */
static const char *parse_json(box *b, const char *buf, size_t len)
{
    if (b->json)
        cJSON_Delete(b->json);
    b->json = NULL;
    return lse_json_parse(buf, len, &b->json);
}

static int l_read_json(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    box *b = push_box(L);
    size_t len;
    if (!read_into_box(L, b, path, &len))
        return 2;
    const char *bad = parse_json(b, b->buf, len);
    if (bad) {
        lua_Integer line, offset;
        locate(b->buf, bad, &line, &offset);
        return lse_fail(L, "%s:%I: malformed JSON at byte %I", path, line, offset);
    }
    lse_json_push(L, b->json);
    return 1;
}

static int l_read_jsonl(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    box *b = push_box(L);
    size_t len;
    if (!read_into_box(L, b, path, &len))
        return 2;
    lua_newtable(L);
    lua_Integer n = 0, line = 0;
    const char *p = b->buf, *end = b->buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        line++;
        const char *q = p;
        while (q < stop && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < stop) { /* skip blank lines */
            lua_createtable(L, 0, 2);
            lua_pushinteger(L, line);
            lua_setfield(L, -2, "line");
            const char *bad = parse_json(b, p, (size_t)(stop - p));
            if (bad) {
                lua_pushfstring(L, "malformed JSON at byte %I of the line", (lua_Integer)(bad - p));
                lua_setfield(L, -2, "error");
            } else {
                lse_json_push(L, b->json);
                lua_setfield(L, -2, "value");
                cJSON_Delete(b->json);
                b->json = NULL;
            }
            lua_rawseti(L, -2, ++n);
        }
        p = nl ? nl + 1 : end;
    }
    return 1;
}

static const luaL_Reg functions[] = {
    {"read_csv", l_read_csv},
    {"read_json", l_read_json},
    {"read_jsonl", l_read_jsonl},
    {NULL, NULL},
};

int luaopen_semeq_data_core(lua_State *L)
{
    luaL_newlib(L, functions);
    return 1;
}
