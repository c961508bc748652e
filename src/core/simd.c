/* The run-time choice of vector kernels (see simd.h). */
#include "simd.h"

static int forced = -1;  /* se_simd_use; -1: the best the CPU has */

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
    if (forced >= 0)
        return (se_simd)forced;
    return cpu_has(SE_SIMD_AVX512) ? SE_SIMD_AVX512 : cpu_has(SE_SIMD_AVX2) ? SE_SIMD_AVX2 : SE_SIMD_C;
}

const char *se_simd_name(se_simd level)
{
    return level == SE_SIMD_AVX512 ? "avx512" : level == SE_SIMD_AVX2 ? "avx2" : "c";
}

bool se_simd_use(se_simd level)
{
    if (!cpu_has(level))
        return false;
    forced = (int)level;
    return true;
}

void se_simd_reset(void) { forced = -1; }
