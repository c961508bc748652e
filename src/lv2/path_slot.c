#include "path_slot.h"

#include <string.h>

void semeq_lv2_path_slot_write(semeq_lv2_path_slot *s, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n >= SEMEQ_LV2_PATH_MAX)
        n = 0;
    unsigned seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (size_t i = 0; i < n; i++)
        atomic_store_explicit(&s->text[i], path[i], memory_order_relaxed);
    atomic_store_explicit(&s->text[n], '\0', memory_order_relaxed);
    atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

void semeq_lv2_path_slot_read(semeq_lv2_path_slot *s, char *out)
{
    for (;;) {
        unsigned before = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (before & 1u)
            continue; /* a write is under way: it takes microseconds */
        size_t i = 0;
        for (; i + 1 < SEMEQ_LV2_PATH_MAX; i++) {
            out[i] = atomic_load_explicit(&s->text[i], memory_order_relaxed);
            if (out[i] == '\0')
                break;
        }
        out[i] = '\0';
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == before)
            return;
    }
}
