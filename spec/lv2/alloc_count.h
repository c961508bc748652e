/* Counting heap calls (malloc, calloc, realloc, free, and the aligned allocators) made by
 * this thread while counting is on. Built without AddressSanitizer it interposes glibc's
 * functions; under ASan (which owns the allocator) it installs ASan's malloc/free hooks,
 * which see every allocation and free that goes through ASan's interceptors. */
#ifndef SPEC_LV2_ALLOC_COUNT_H
#define SPEC_LV2_ALLOC_COUNT_H

void alloc_count_begin(void);
void alloc_count_end(void);
/* Calls counted so far, all threads' counting periods together. */
long alloc_count_total(void);
/* How the counting is done: "glibc interposer" or "ASan hooks". */
const char *alloc_count_method(void);

#endif
