/* libFuzzer target: the JSON dataset path of semeq.data.core (cJSON parse, the
 * trailing-garbage check, the error location and the conversion to Lua tables).
 *
 * The bytes go through decode_json (a string) and, written to a private temporary
 * file (on /dev/shm when it exists), through read_json and read_jsonl (the whole-file and line-by-line readers that
 * the Audealize and SocialFX loaders use). Lua errors are expected for bad input;
 * only crashes, sanitizer reports, leaks and errors that are not strings count. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int luaopen_semeq_data_core(lua_State *L);

static lua_State *L;
static char path[64];

static void call(const char *fn, const char *arg, size_t len)
{
    lua_getglobal(L, "core");
    lua_getfield(L, -1, fn);
    lua_pushlstring(L, arg, len);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK && lua_type(L, -1) != LUA_TSTRING)
        abort();
    lua_pop(L, 2);
}

static void cleanup(void) { unlink(path); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "semeq.data.core", luaopen_semeq_data_core, 0);
    lua_setglobal(L, "core");
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/semeq_fuzz_json.%ld", dir, (long)getpid());
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    call("decode_json", (const char *)data, size);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    call("read_json", path, strlen(path));
    call("read_jsonl", path, strlen(path));
    /* Free what the calls left behind now, so a leak shows up as growth per run. */
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}
