#include "rt_calls.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

static _Thread_local int counting;
static _Atomic long heap_calls, lock_calls;

void rt_calls_begin(void) { counting = 1; }
void rt_calls_end(void) { counting = 0; }
long rt_calls_heap(void) { return heap_calls; }
long rt_calls_locks(void) { return lock_calls; }

static inline void count(void)
{
    if (counting)
        heap_calls++;
}

/* ---- locks: the next definitions (glibc's), found once ---- */
typedef int (*mutex_fn)(pthread_mutex_t *);
static mutex_fn real_lock, real_trylock;

__attribute__((constructor)) static void find_mutex_functions(void)
{
    real_lock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_lock");
    real_trylock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_trylock");
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    if (counting)
        lock_calls++;
    if (!real_lock)
        find_mutex_functions();
    return real_lock(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (counting)
        lock_calls++;
    if (!real_trylock)
        find_mutex_functions();
    return real_trylock(m);
}

/* ---- heap ---- */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPEC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SPEC_ASAN 1
#endif

#ifdef SPEC_ASAN
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which gcc does not ship). */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *p, size_t n) { (void)p, (void)n, count(); }
static void on_free(const volatile void *p) { (void)p, count(); }

__attribute__((constructor)) static void install_hooks(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}

const char *rt_calls_heap_method(void) { return "ASan hooks"; }
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *malloc(size_t n)
{
    count();
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    count();
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    count();
    return __libc_realloc(p, n);
}
void free(void *p)
{
    if (p)
        count();
    __libc_free(p);
}
void *memalign(size_t a, size_t n)
{
    count();
    return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n)
{
    count();
    return __libc_memalign(a, n);
}
int posix_memalign(void **p, size_t a, size_t n)
{
    count();
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}

const char *rt_calls_heap_method(void) { return "glibc interposer"; }
#endif
