/* A model the plug-in computes EQ settings with: the loaded semeq model, its scratch
 * memory and the file it came from. Loaded off the audio thread (instantiate, restore or
 * the worker), immutable afterwards, freed off the audio thread.
 *
 * It has two scratch buffers, one per thread that may compute with it: the worker thread
 * (ENGINE_WORKER) and the plug-in's own calls (ENGINE_HOST: activate, restore, and run()
 * when the host has no worker). activate() may run while the worker is busy with the same
 * engine, so they must not share scratch. */
#ifndef SEMEQ_LV2_ENGINE_H
#define SEMEQ_LV2_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "semeq.h"

/* What the controls ask the model for. */
typedef struct semeq_lv2_controls {
    int32_t from, to; /* term indices of the engine's vocabulary */
    float amount, intensity;
} semeq_lv2_controls;

enum { ENGINE_WORKER = 0, ENGINE_HOST = 1 };

typedef struct semeq_lv2_engine {
    semeq_model *model;
    int nterms;
    void *scratch[2];
    size_t scratch_size;
    bool is_default; /* the bundle's own model: state stores no path for it */
    char path[];     /* the file it was loaded from */
} semeq_lv2_engine;

/* Loads path; on failure *out is NULL and err holds one line naming the file. A model the
 * plug-in cannot use (no vocabulary, no decoder, no EQ representation) is refused. */
semeq_status semeq_lv2_engine_load(const char *path, bool is_default, semeq_lv2_engine **out, char *err, size_t errlen);
void semeq_lv2_engine_free(semeq_lv2_engine *e);

/* The controls as this engine can answer them: raw port values rounded and clamped to
 * the vocabulary and to [0, 1]; a non-finite value becomes the port's default. */
semeq_lv2_controls semeq_lv2_engine_controls(const semeq_lv2_engine *e, float from, float to, float amount,
                                             float intensity);
bool semeq_lv2_controls_equal(const semeq_lv2_controls *a, const semeq_lv2_controls *b);

/* The EQ setting for c, computed with the scratch of `who` (ENGINE_WORKER or ENGINE_HOST).
 * Allocates nothing; up to a few milliseconds for models whose curves are fitted. */
semeq_status semeq_lv2_engine_eq(semeq_lv2_engine *e, int who, const semeq_lv2_controls *c, semeq_eq *eq);

#endif
