// module: semeq.bench.core
/* semeq.bench.core: the clocks and counters a benchmark needs and Lua 5.4 lacks.
 *
 *   local core = require "semeq.bench.core"
 *   core.now()            --> seconds on the monotonic clock (wall time; only differences mean anything)
 *   core.cpu()            --> CPU seconds (user + system) used by this process so far, all threads
 *   core.children_cpu()   --> CPU seconds used by the waited-for child processes so far
 *   core.maxrss()         --> peak resident set size of this process, in KiB
 *   core.children_maxrss()--> largest peak RSS of any waited-for child process, in KiB
 *
 * os.clock() is process CPU time, which counts every BLAS thread and misses time spent
 * waiting, so wall-clock figures need the monotonic clock; os.time() has 1 s resolution.
 * Nothing here holds state: each call asks the kernel. */
#include <sys/resource.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

static int l_now(lua_State *L)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return luaL_error(L, "now: clock_gettime failed");
    lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
    return 1;
}

static double tv_seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6; }

/* Fills ru for `who`, raising an error that names the calling function on failure. */
static void usage_of(lua_State *L, int who, const char *fname, struct rusage *ru)
{
    if (getrusage(who, ru) != 0)
        luaL_error(L, "%s: getrusage failed", fname);
}

static int push_cpu(lua_State *L, int who, const char *fname)
{
    struct rusage ru;
    usage_of(L, who, fname, &ru);
    lua_pushnumber(L, tv_seconds(ru.ru_utime) + tv_seconds(ru.ru_stime));
    return 1;
}

static int push_maxrss(lua_State *L, int who, const char *fname)
{
    struct rusage ru;
    usage_of(L, who, fname, &ru);
    lua_pushinteger(L, (lua_Integer)ru.ru_maxrss); /* Linux reports KiB */
    return 1;
}

static int l_cpu(lua_State *L) { return push_cpu(L, RUSAGE_SELF, "cpu"); }
static int l_children_cpu(lua_State *L) { return push_cpu(L, RUSAGE_CHILDREN, "children_cpu"); }
static int l_maxrss(lua_State *L) { return push_maxrss(L, RUSAGE_SELF, "maxrss"); }
static int l_children_maxrss(lua_State *L) { return push_maxrss(L, RUSAGE_CHILDREN, "children_maxrss"); }

static const luaL_Reg functions[] = {
    {"now", l_now},
    {"cpu", l_cpu},
    {"children_cpu", l_children_cpu},
    {"maxrss", l_maxrss},
    {"children_maxrss", l_children_maxrss},
    {NULL, NULL},
};

int luaopen_semeq_bench_core(lua_State *L)
{
    luaL_newlib(L, functions);
    return 1;
}
