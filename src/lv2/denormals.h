/* Flushing denormal floats to zero around the audio loop, restoring the host's setting
 * afterwards. Decaying filter state and near-silent input would otherwise reach
 * subnormal numbers, which are up to 100 times slower on x86 (the core also clears its
 * double state below 1e-200 every tick, but float input and output are the plug-in's). */
#ifndef SEMEQ_LV2_DENORMALS_H
#define SEMEQ_LV2_DENORMALS_H

#include <stdint.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
typedef unsigned int semeq_lv2_fpmode;
/* MXCSR: flush to zero (bit 15) and denormals are zero (bit 6). */
static inline semeq_lv2_fpmode semeq_lv2_flush_denormals(void)
{
    semeq_lv2_fpmode old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u);
    return old;
}
static inline void semeq_lv2_restore_fpmode(semeq_lv2_fpmode old) { _mm_setcsr(old); }
#elif defined(__aarch64__)
typedef uint64_t semeq_lv2_fpmode;
/* FPCR.FZ (bit 24) flushes denormal inputs and outputs. */
static inline semeq_lv2_fpmode semeq_lv2_flush_denormals(void)
{
    uint64_t old;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(old));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(old | (UINT64_C(1) << 24)));
    return old;
}
static inline void semeq_lv2_restore_fpmode(semeq_lv2_fpmode old) { __asm__ __volatile__("msr fpcr, %0" : : "r"(old)); }
#else
typedef int semeq_lv2_fpmode; /* no known control register: the core's own flushing only */
static inline semeq_lv2_fpmode semeq_lv2_flush_denormals(void) { return 0; }
static inline void semeq_lv2_restore_fpmode(semeq_lv2_fpmode old) { (void)old; }
#endif

#endif
