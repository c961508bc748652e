/* Which vector instructions the kernels of this process use (metrics.c, nn_kernels.c, ...).
 *
 * Kernels for AVX-512 and for AVX2 + FMA are compiled into every x86-64 build (function
 * target attributes) and one is chosen at run time from what the CPU has; elsewhere, or on
 * a CPU with neither, plain C loops run. A kernel computes the same sums in the same order
 * whatever the vector width, so AVX-512 and AVX2 give the same bits; plain C (no fused
 * multiply-add) differs by rounding. */
#ifndef SE_SIMD_H
#define SE_SIMD_H

#include <stdbool.h>

typedef enum se_simd { SE_SIMD_C, SE_SIMD_AVX2, SE_SIMD_AVX512 } se_simd;

/* The level kernels use now: the one the environment variable SEMEQ_SIMD names ("avx512",
 * "avx2", "c") if the CPU has it, else the best the CPU has. */
se_simd se_simd_level(void);
/* "avx512", "avx2" or "c". */
const char *se_simd_name(se_simd level);
/* Makes kernels use `level` by setting SEMEQ_SIMD (tests compare kernels); false, and no
 * change, if the CPU lacks it. se_simd_reset() unsets it. Not thread-safe (setenv): call it
 * while no kernel runs. */
bool se_simd_use(se_simd level);
void se_simd_reset(void);

#endif
