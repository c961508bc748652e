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
 *   core.fma_peak([seconds]) --> GFLOP/s, kernel name: fused multiply-adds of the vector width
 *       semeq's kernels use (simd.h), from registers, on this thread: one core's peak
 *   core.gemm_gflops(m, n, k [, seconds]) --> GFLOP/s of se_gemm (OpenBLAS, src/core/gemm.h) on the three
 *       products of a Linear layer's training step with batch m, n outputs and k inputs
 *   core.spawn({program, arg1, ...} [, quiet]) --> {status=, wall=, cpu=, maxrss_kib=, minflt=, majflt=}
 *       runs one program (no shell: its own figures, not a shell's) and waits for it;
 *       quiet sends its output to /dev/null. The figures are that process's alone (and of
 *       any children it waited for), from wait4.
 *
 * os.clock() is process CPU time, which counts every BLAS thread and misses time spent
 * waiting, so wall-clock figures need the monotonic clock; os.time() has 1 s resolution.
 * Nothing here holds state: each call asks the kernel. */
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/gemm.h"
#include "../core/simd.h"
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
    lua_settop(L, 4);                              /* the buffers go above the arguments */
    timed *t = lua_newuserdatauv(L, sizeof *t, 0); /* 32 KB of buffers: off the C stack, owned by Lua */
    t->m = lse_checkruntime(L, 1, &t->scratch, &t->bytes);
    const char *what = luaL_checkstring(L, 2);
    lua_Integer calls = luaL_checkinteger(L, 3);
    static const char *const whats[] = {"encode_decode", "term_to_eq", "blend_to_eq", "decode"};
    int known = 0;
    for (size_t i = 0; i < sizeof whats / sizeof whats[0]; i++)
        known |= strcmp(what, whats[i]) == 0;
    luaL_argcheck(L, known, 2, "expected encode_decode, term_to_eq, blend_to_eq or decode");
    luaL_argcheck(L, calls >= 1 && calls <= 10000000, 3, "calls must be in 1..1e7");
    if (t->m->latent > 4096 || se_model_entry_out(t->m, SE_ENTRY_DECODE) > 4096)
        return luaL_error(L, "time_runtime: model too wide for the benchmark's buffers");
    if (strcmp(what, "encode_decode") == 0) {
        se_tensor *x = lse_checktensor(L, 4);
        luaL_argcheck(L, se_tensor_is_contiguous(x) && se_tensor_numel(x) == se_model_entry_in(t->m, SE_ENTRY_ENCODE),
                      4, "expected one contiguous input row");
        t->x = se_tensor_data(x);
    } else if (t->m->nterms < 1) {
        return luaL_error(L, "time_runtime: %s needs a model with terms", what);
    }
    for (long i = 0; i < 200; i++)
        if (call_once(t, what, i) != SE_OK)
            return luaL_error(L, "time_runtime: %s failed", what);
    lua_createtable(L, (int)calls, 0);
    for (lua_Integer i = 1; i <= calls; i++) {
        double t0 = now_us();
        call_once(t, what, (long)i);
        lua_pushnumber(L, now_us() - t0);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

/* 12 independent chains of fused multiply-adds (more than latency x ports), `iters` times. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FMA_CHAINS(T, SET1, FMA, ADD, REDUCE)                                                                          \
    T acc[12], a = SET1(1.0000001f), b = SET1(-1e-7f);                                                                 \
    for (int i = 0; i < 12; i++)                                                                                       \
        acc[i] = SET1((float)i);                                                                                       \
    for (long it = 0; it < iters; it++) {                                                                              \
        _Pragma("GCC unroll 12") for (int i = 0; i < 12; i++) acc[i] = FMA(acc[i], a, b);                              \
    }                                                                                                                  \
    for (int i = 1; i < 12; i++)                                                                                       \
        acc[0] = ADD(acc[0], acc[i]);                                                                                  \
    return REDUCE(acc[0]);

__attribute__((target("avx512f"))) static float fma512(long iters)
{
    FMA_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_reduce_add_ps)
}

__attribute__((target("avx2,fma"))) static float first8(__m256 v)
{
    float f[8];
    memcpy(f, &v, sizeof f);
    return f[0];
}
__attribute__((target("avx2,fma"))) static float fma256(long iters)
{
    FMA_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, first8)
}
#endif

static float fma_plain(long iters)
{
    float acc[12], a = 1.0000001f, b = -1e-7f;
    for (int i = 0; i < 12; i++)
        acc[i] = (float)i;
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            acc[i] = acc[i] * a + b;
    }
    return acc[0] + acc[11];
}

/* FLOP per iteration of the level's loop and the loop itself. */
static float fma_loop(se_simd level, long iters, double *flop)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (level == SE_SIMD_AVX512) {
        *flop = 12.0 * 16 * 2;
        return fma512(iters);
    }
    if (level == SE_SIMD_AVX2) {
        *flop = 12.0 * 8 * 2;
        return fma256(iters);
    }
#endif
    *flop = 12.0 * 2;
    return fma_plain(iters);
}

static int l_fma_peak(lua_State *L)
{
    double seconds = luaL_optnumber(L, 1, 0.3), flop, best = 0.0;
    luaL_argcheck(L, seconds > 0.0 && seconds <= 60.0, 1, "seconds must be in (0, 60]");
    se_simd level = se_simd_level();
    volatile float sink = fma_loop(level, 100000, &flop); /* warm up the vector units */
    for (int round = 0; round < 3; round++) {
        long iters = 1000000, total = 0;
        double t0 = now_us(), t;
        do {
            sink += fma_loop(level, iters, &flop);
            total += iters;
            t = now_us() - t0;
        } while (t < seconds * 1e6 / 3.0);
        if (flop * (double)total / t / 1e3 > best)
            best = flop * (double)total / t / 1e3;
    }
    (void)sink;
    lua_pushnumber(L, best);
    lua_pushstring(L, se_simd_name(level));
    return 2;
}

/* The forward (out^T = W x^T), input-gradient (gx = gy W) and weight-gradient (gW += gy^T x)
 * products of nn.Linear (l_nn_core.c), repeated for `seconds`. */
static int l_gemm_gflops(lua_State *L)
{
    lua_Integer m = luaL_checkinteger(L, 1), n = luaL_checkinteger(L, 2), k = luaL_checkinteger(L, 3);
    double seconds = luaL_optnumber(L, 4, 0.3);
    luaL_argcheck(L, m >= 1 && m <= 4096, 1, "m must be in 1..4096");
    luaL_argcheck(L, n >= 1 && n <= 4096, 2, "n must be in 1..4096");
    luaL_argcheck(L, k >= 1 && k <= 4096, 3, "k must be in 1..4096");
    luaL_argcheck(L, seconds > 0.0 && seconds <= 60.0, 4, "seconds must be in (0, 60]");
    size_t floats = (size_t)(m * k + n * k + m * n + m * n + m * k + n * k);
    float *buf = lua_newuserdatauv(L, floats * sizeof(float), 0);
    for (size_t i = 0; i < floats; i++)
        buf[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
    float *x = buf, *w = x + m * k, *y = w + n * k, *gy = y + m * n, *gx = gy + m * n, *gw = gx + m * k;
    long calls = 0;
    double t0 = now_us(), t;
    do {
        se_gemm(n, m, k, 1.0f, w, k, 1, x, k, SE_GEMM_B_COLS, 0.0f, y, 1, n);
        se_gemm(m, k, n, 1.0f, gy, n, 1, w, k, SE_GEMM_B_ROWS, 0.0f, gx, k, 1);
        se_gemm(n, k, m, 1.0f, gy, 1, n, x, k, SE_GEMM_B_ROWS, 1.0f, gw, k, 1);
        calls++;
        t = now_us() - t0;
    } while (t < seconds * 1e6);
    lua_pushnumber(L, 6.0 * (double)m * (double)n * (double)k * (double)calls / t / 1e3);
    return 1;
}

extern char **environ;

static int l_spawn(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int quiet = lua_toboolean(L, 2);
    int n = (int)lua_rawlen(L, 1);
    luaL_argcheck(L, n >= 1 && n < 4096, 1, "expected {program, args...}");
    char **argv = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *argv, 0);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, 1, i + 1);
        argv[i] = (char *)luaL_checkstring(L, -1); /* the table keeps the strings alive */
        lua_pop(L, 1);
    }
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (quiet) {
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    }
    double t0 = now_us();
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0)
        return luaL_error(L, "spawn: cannot start %s: %s", argv[0], strerror(err));
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        ; /* EINTR: wait again */
    double wall = (now_us() - t0) * 1e-6;
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    lua_setfield(L, -2, "status");
    lua_pushnumber(L, wall);
    lua_setfield(L, -2, "wall");
    lua_pushnumber(L, tv_seconds(ru.ru_utime) + tv_seconds(ru.ru_stime));
    lua_setfield(L, -2, "cpu");
    lua_pushinteger(L, (lua_Integer)ru.ru_maxrss);
    lua_setfield(L, -2, "maxrss_kib");
    lua_pushinteger(L, (lua_Integer)ru.ru_minflt);
    lua_setfield(L, -2, "minflt");
    lua_pushinteger(L, (lua_Integer)ru.ru_majflt);
    lua_setfield(L, -2, "majflt");
    return 1;
}

static const luaL_Reg functions[] = {
    {"time_runtime", l_time_runtime},
    {"fma_peak", l_fma_peak},
    {"gemm_gflops", l_gemm_gflops},
    {"spawn", l_spawn},
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
