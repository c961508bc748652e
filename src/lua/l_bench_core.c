// module: semeq.bench.core
/* semeq.bench.core: the clocks and counters a benchmark needs and Lua 5.4 lacks.
 *
 *   local core = require "semeq.bench.core"
 *   core.now()            --> seconds on the monotonic clock (wall time; only differences mean anything)
 *   core.cpu()            --> CPU seconds (user + system) used by this process so far, all threads
 *   core.children_cpu()   --> CPU seconds used by the waited-for child processes so far
 *   core.maxrss()         --> peak resident set size of this process, in KiB
 *   core.children_maxrss()--> largest peak RSS of any waited-for child process, in KiB
 *   core.time_runtime(rt, what, calls [, x]) --> {microseconds per call}: the C model runtime
 *       timed call by call in a C loop (after 200 warm-up calls), no Lua in between.
 *       what: "encode_decode" (x [1 x input] -> code -> output), "term_to_eq" (the terms'
 *       codes in turn -> EQ parameters), "blend_to_eq" (term 1 -> term 2 at an amount that
 *       moves each call, -> EQ parameters), "decode" (term 1's code -> output)
 *
 * os.clock() is process CPU time, which counts every BLAS thread and misses time spent
 * waiting, so wall-clock figures need the monotonic clock; os.time() has 1 s resolution.
 * Nothing here holds state: each call asks the kernel. */
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "l_runtime.h"

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

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

typedef struct timed {
    const se_model *m;
    void *scratch;
    size_t bytes;
    const float *x;
    float y[4096], z[4096];
} timed;

/* One call of `what`, number i; returns its status. */
static se_status call_once(timed *t, const char *what, long i)
{
    const se_model *m = t->m;
    se_model_eq eq;
    float *s = t->scratch;
    if (strcmp(what, "encode_decode") == 0) {
        se_status st = se_model_run(m, SE_ENTRY_ENCODE, t->x, 1, t->z, s);
        return st == SE_OK ? se_model_run(m, SE_ENTRY_DECODE, t->z, 1, t->y, s) : st;
    }
    if (strcmp(what, "decode") == 0)
        return se_model_run(m, SE_ENTRY_DECODE, m->centroids, 1, t->y, s);
    if (strcmp(what, "term_to_eq") == 0) {
        int k = (int)(i % m->nterms);
        return se_model_eq_for_code(m, m->centroids + (size_t)k * (size_t)m->latent, 1.0, &eq, t->scratch, t->bytes);
    }
    se_status st = se_model_interpolate(m, 0, m->nterms > 1 ? 1 : 0, (double)(i % 101) / 100.0, t->z);
    return st == SE_OK ? se_model_eq_for_code(m, t->z, 0.8, &eq, t->scratch, t->bytes) : st;
}

static int l_time_runtime(lua_State *L)
{
    static timed t;   /* large buffers off the stack; one Lua state times at a time */
    t.m = lse_checkruntime(L, 1, &t.scratch, &t.bytes);
    const char *what = luaL_checkstring(L, 2);
    lua_Integer calls = luaL_checkinteger(L, 3);
    static const char *const whats[] = {"encode_decode", "term_to_eq", "blend_to_eq", "decode"};
    int known = 0;
    for (size_t i = 0; i < sizeof whats / sizeof whats[0]; i++) known |= strcmp(what, whats[i]) == 0;
    luaL_argcheck(L, known, 2, "expected encode_decode, term_to_eq, blend_to_eq or decode");
    luaL_argcheck(L, calls >= 1 && calls <= 10000000, 3, "calls must be in 1..1e7");
    if (t.m->latent > 4096 || se_model_entry_out(t.m, SE_ENTRY_DECODE) > 4096)
        return luaL_error(L, "time_runtime: model too wide for the benchmark's buffers");
    if (strcmp(what, "encode_decode") == 0) {
        se_tensor *x = lse_checktensor(L, 4);
        luaL_argcheck(L, se_tensor_is_contiguous(x) && se_tensor_numel(x) == se_model_entry_in(t.m, SE_ENTRY_ENCODE), 4,
                      "expected one contiguous input row");
        t.x = se_tensor_data(x);
    } else if (t.m->nterms < 1) {
        return luaL_error(L, "time_runtime: %s needs a model with terms", what);
    }
    for (long i = 0; i < 200; i++)
        if (call_once(&t, what, i) != SE_OK) return luaL_error(L, "time_runtime: %s failed", what);
    lua_createtable(L, (int)calls, 0);
    for (lua_Integer i = 1; i <= calls; i++) {
        double t0 = now_us();
        call_once(&t, what, (long)i);
        lua_pushnumber(L, now_us() - t0);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

static const luaL_Reg functions[] = {
    {"time_runtime", l_time_runtime},
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
