/* The path of the model in use, written by the audio thread when it swaps models and read
 * by state save(), which LV2 allows to run at the same time as run(). A sequence lock
 * without waiting on the writer's side: the writer bumps the sequence to odd, copies,
 * bumps it to even; the reader copies and retries until it saw the same even sequence
 * before and after. Every byte is an atomic, so there is no data race in C11's sense. */
#ifndef SEMEQ_LV2_PATH_SLOT_H
#define SEMEQ_LV2_PATH_SLOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define SEMEQ_LV2_PATH_MAX 4096

typedef struct semeq_lv2_path_slot {
    atomic_uint seq;
    atomic_char text[SEMEQ_LV2_PATH_MAX];
} semeq_lv2_path_slot;

/* Real-time safe (bounded copy, no waiting). path longer than the slot: stored as "". */
void semeq_lv2_path_slot_write(semeq_lv2_path_slot *s, const char *path);
/* Copies the current path into out (size SEMEQ_LV2_PATH_MAX); "" means the default model. */
void semeq_lv2_path_slot_read(semeq_lv2_path_slot *s, char *out);

#endif
