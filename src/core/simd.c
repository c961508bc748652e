/* The run-time choice of vector kernels (see simd.h). The override lives in the
 * environment (SEMEQ_SIMD), not in a variable of this file: the core keeps no mutable
 * global state, and a user can rule a kernel out the same way the specs compare them. */
#include "simd.h"

#include <stdlib.h>
#include <string.h>

static bool cpu_has(se_simd level)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (level == SE_SIMD_AVX512)
        return __builtin_cpu_supports("avx512f");
    if (level == SE_SIMD_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return level == SE_SIMD_C;
}

se_simd se_simd_level(void)
{
    const char *want = getenv("SEMEQ_SIMD");
    if (want)
        for (se_simd level = SE_SIMD_C; level <= SE_SIMD_AVX512; level++)
            if (strcmp(want, se_simd_name(level)) == 0 && cpu_has(level))
                return level;
    return cpu_has(SE_SIMD_AVX512) ? SE_SIMD_AVX512 : cpu_has(SE_SIMD_AVX2) ? SE_SIMD_AVX2 : SE_SIMD_C;
}

const char *se_simd_name(se_simd level)
{
    return level == SE_SIMD_AVX512 ? "avx512" : level == SE_SIMD_AVX2 ? "avx2" : "c";
}

bool se_simd_use(se_simd level) { return cpu_has(level) && setenv("SEMEQ_SIMD", se_simd_name(level), 1) == 0; }

void se_simd_reset(void) { unsetenv("SEMEQ_SIMD"); }
