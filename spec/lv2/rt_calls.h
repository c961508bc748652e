/* Counting the calls real-time code must not make: heap calls (malloc, calloc, realloc,
 * free, the aligned allocators) and mutex locks (pthread_mutex_lock/trylock), made by this
 * thread while counting is on.
 *
 * Heap calls: built without AddressSanitizer, glibc's functions are interposed; under ASan
 * (which owns the allocator) ASan's malloc/free hooks are installed instead, which see
 * every allocation and free that goes through its interceptors. Locks: glibc's functions
 * are interposed in both builds (ASan does not intercept them). */
#ifndef SPEC_LV2_RT_CALLS_H
#define SPEC_LV2_RT_CALLS_H

void rt_calls_begin(void);
void rt_calls_end(void);
/* Calls counted so far, all threads' counting periods together. */
long rt_calls_heap(void);
long rt_calls_locks(void);
/* How heap calls are counted: "glibc interposer" or "ASan hooks". */
const char *rt_calls_heap_method(void);

#endif
