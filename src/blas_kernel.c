/* Why this exists: Debian's OpenBLAS (DYNAMIC_ARCH) picks its kernels from the CPU's model
 * number when it loads. On a CPU it does not know by model (virtual machines reporting a
 * generic "Intel Xeon Processor" are common) it falls back to its SSE3 "Prescott" kernels:
 * a 1024^3 sgemm then runs at ~64 GFLOP/s where the AVX-512 kernels reach ~240 on the same
 * two cores. OPENBLAS_CORETYPE overrides the choice, but the library reads it only while
 * loading, before main; so when OpenBLAS chose a kernel without AVX2 on a CPU that has AVX2
 * and FMA, semeq sets the variable and runs itself again. The variable being set (by us or
 * by the user) ends the recursion, and a user's choice is always kept. */
#include "blas_kernel.h"

#include <cblas.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* OpenBLAS's names for its x86-64 kernels that use AVX2 or AVX-512. */
static bool uses_avx2(const char *core)
{
    static const char *const modern[] = {"Haswell", "SkylakeX", "Zen", "Cooperlake", "SapphireRapids"};
    for (size_t i = 0; i < sizeof modern / sizeof *modern; i++)
        if (strcmp(core, modern[i]) == 0)
            return true;
    return false;
}

/* The kernel OpenBLAS would choose if it knew this CPU, or NULL. */
static const char *best_core(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return NULL;
}

void semeq_choose_blas_kernel(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE"))
        return;
    const char *core = openblas_get_corename();
    const char *best = best_core();
    if (!best || !core || uses_avx2(core))
        return;
    if (setenv("OPENBLAS_CORETYPE", best, 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    /* exec failed (no /proc): carry on with the slower kernels; results are the same. */
}
