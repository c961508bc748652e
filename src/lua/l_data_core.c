// module: semeq.data.core
/* The C half of semeq.data: file parsing that Lua would do slowly or loosely.
 *
 *   rows, lines, errors = core.read_csv(path)
 *       rows[i] is an array of the fields of record i (byte strings, quotes removed),
 *       lines[i] its 1-based line number, errors[i] nil or why the record is malformed.
 *   value = core.read_json(path)          -- objects/arrays -> tables, null -> core.null
 *   items = core.read_jsonl(path)         -- items[i] = {line=, value=} or {line=, error=}
 *   value = core.decode_json(text)
 *   perm  = core.permutation(n)           -- shuffled 1..n (the interpreter's RNG)
 *   idx   = core.sample(n, m)             -- m draws from 1..n with replacement
 *
 * Parsed C structures live in a userdata "box" whose __gc frees them, so that a Lua
 * error while building the result (out of memory) leaks nothing. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csv.h"
#include "lse.h"

#define BOX "semeq.data.Box"

/* Raises a message without the "chunk:line:" prefix of luaL_error: file errors
 * name the file and line themselves. Does not return (nothing malloc'd is held: the
 * parsed data lives in a box that the GC frees). */
static int raise(lua_State *L, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return lua_error(L);
}

/* Owner of one C allocation: the parsed CSV or a cJSON tree or a file buffer. */
typedef struct box {
    void (*release)(struct box *);
    se_csv csv;
    cJSON *json;
    char *buf;
} box;

static int box_gc(lua_State *L) {
    box *b = luaL_checkudata(L, 1, BOX);
    if (b->release) b->release(b);
    b->release = NULL;
    return 0;
}

static void box_release(box *b) {
    se_csv_free(&b->csv);
    if (b->json) cJSON_Delete(b->json);
    free(b->buf);
    b->json = NULL;
    b->buf = NULL;
}

static box *push_box(lua_State *L) {
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

/* Reads path into the box's buffer or raises "fn: path: reason". */
static void read_into_box(lua_State *L, box *b, const char *fn, const char *path, size_t *len) {
    se_status st = se_read_file(path, &b->buf, len);
    if (st != SE_OK) {
        const char *why = st == SE_EIO ? strerror(errno) : se_status_str(st);
        raise(L, "%s: %s: %s", fn, path, why);
    }
}

static int l_read_csv(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    box *b = push_box(L);
    size_t len;
    read_into_box(L, b, "read_csv", path, &len);
    if (se_csv_parse(&b->csv, b->buf, len) != SE_OK) return raise(L, "read_csv: %s: out of memory", path);
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

/* Pushes a cJSON value as a Lua value (cJSON limits nesting to CJSON_NESTING_LIMIT,
 * so the recursion is bounded). */
static void push_json(lua_State *L, const cJSON *v) {
    luaL_checkstack(L, 4, "JSON nested too deeply");
    if (cJSON_IsObject(v)) {
        lua_createtable(L, 0, cJSON_GetArraySize(v));
        for (const cJSON *c = v->child; c; c = c->next) {
            push_json(L, c);
            lua_setfield(L, -2, c->string ? c->string : "");
        }
    } else if (cJSON_IsArray(v)) {
        lua_createtable(L, cJSON_GetArraySize(v), 0);
        lua_Integer i = 1;
        for (const cJSON *c = v->child; c; c = c->next) {
            push_json(L, c);
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsString(v)) {
        lua_pushstring(L, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        /* Integers stay integers in Lua (ids, counts); the rest are floats. */
        if (d >= -9.0e15 && d <= 9.0e15 && d == (double)(lua_Integer)d) /* range first: casting inf is undefined */
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, d);
    } else if (cJSON_IsBool(v)) {
        lua_pushboolean(L, cJSON_IsTrue(v));
    } else {
        lua_pushlightuserdata(L, NULL); /* null */
    }
}

/* Line (1-based) and byte offset (0-based) of position p in buf. */
static void locate(const char *buf, const char *p, lua_Integer *line, lua_Integer *offset) {
    *line = 1;
    for (const char *q = buf; q < p; q++)
        if (*q == '\n') (*line)++;
    *offset = (lua_Integer)(p - buf);
}

/* Parses buf[0..len) into b->json or returns the error position. */
static const char *parse_json(box *b, const char *buf, size_t len) {
    const char *end = NULL;
    if (b->json) cJSON_Delete(b->json);
    b->json = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (b->json) {
        /* Only white space may follow the value. */
        while (end < buf + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')) end++;
        if (end == buf + len) return NULL;
        cJSON_Delete(b->json);
        b->json = NULL;
        return end;
    }
    return end ? end : buf;
}

static int l_read_json(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    box *b = push_box(L);
    size_t len;
    read_into_box(L, b, "read_json", path, &len);
    const char *bad = parse_json(b, b->buf, len);
    if (bad) {
        lua_Integer line, offset;
        locate(b->buf, bad, &line, &offset);
        return raise(L, "read_json: %s:%I: malformed JSON at byte %I", path, line, offset);
    }
    push_json(L, b->json);
    return 1;
}

static int l_decode_json(lua_State *L) {
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    box *b = push_box(L);
    const char *bad = parse_json(b, text, len);
    if (bad) return raise(L, "decode_json: malformed JSON at byte %I", (lua_Integer)(bad - text));
    push_json(L, b->json);
    return 1;
}

static int l_read_jsonl(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    box *b = push_box(L);
    size_t len;
    read_into_box(L, b, "read_jsonl", path, &len);
    lua_newtable(L);
    lua_Integer n = 0, line = 0;
    const char *p = b->buf, *end = b->buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        line++;
        const char *q = p;
        while (q < stop && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        if (q < stop) { /* skip blank lines */
            lua_createtable(L, 0, 2);
            lua_pushinteger(L, line);
            lua_setfield(L, -2, "line");
            const char *bad = parse_json(b, p, (size_t)(stop - p));
            if (bad) {
                lua_pushfstring(L, "malformed JSON at byte %I of the line", (lua_Integer)(bad - p));
                lua_setfield(L, -2, "error");
            } else {
                push_json(L, b->json);
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

static int l_permutation(lua_State *L) {
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0 && n <= (1 << 28), 1, "permutation: n must be in [0, 2^28]");
    se_rng *rng = lse_rng(L);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_pushinteger(L, i);
        lua_rawseti(L, -2, i);
    }
    /* Fisher-Yates from the end, swapping through the Lua table. */
    for (lua_Integer i = n; i > 1; i--) {
        lua_Integer j = (lua_Integer)se_rng_below(rng, (uint64_t)i) + 1;
        lua_rawgeti(L, -1, i);
        lua_rawgeti(L, -2, j);
        lua_rawseti(L, -3, i);
        lua_rawseti(L, -2, j);
    }
    return 1;
}

static int l_sample(lua_State *L) {
    lua_Integer n = luaL_checkinteger(L, 1), m = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 1, 1, "sample: n must be >= 1");
    luaL_argcheck(L, m >= 0 && m <= (1 << 28), 2, "sample: m must be in [0, 2^28]");
    se_rng *rng = lse_rng(L);
    lua_createtable(L, (int)m, 0);
    for (lua_Integer i = 1; i <= m; i++) {
        lua_pushinteger(L, (lua_Integer)se_rng_below(rng, (uint64_t)n) + 1);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

static const luaL_Reg funcs[] = {
    {"read_csv", l_read_csv},       {"read_json", l_read_json}, {"read_jsonl", l_read_jsonl},
    {"decode_json", l_decode_json},
    {"permutation", l_permutation}, {"sample", l_sample},       {NULL, NULL},
};

int luaopen_semeq_data_core(lua_State *L) {
    luaL_newlib(L, funcs);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    return 1;
}
