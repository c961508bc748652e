/* One instance of semeq-eq.lv2 (mono or stereo), shared by the files of the plug-in:
 * plugin.c (the LV2 descriptor and run), worker.c (loading models and computing EQ
 * settings off the audio thread), patch.c (the model file as a patch:Property), state.c
 * (save and restore).
 *
 * Threads (LV2's classes): run(), work_response() and end_run() are the audio thread;
 * work() is the worker thread, one call at a time; instantiate, activate, deactivate,
 * restore and cleanup are never called at the same time as any other function; save()
 * may run at the same time as run(). So:
 *   - `engine` (the model run() uses) is changed by the audio thread, or by restore;
 *   - `worker_engine` (the model work() computes with) and the list of every loaded model
 *     (`engines`, which owns them) are changed by work(), or by instantiate/restore/cleanup;
 *   - the two differ only while a model loaded by work() is on its way to run();
 *   - a model run() no longer uses is freed by a job sent to the worker after every job
 *     that might still use it (the worker's queue is first in, first out), found by its
 *     id, never by a pointer that might have been reused. */
#ifndef SEMEQ_LV2_PLUGIN_H
#define SEMEQ_LV2_PLUGIN_H

#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/log/logger.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "dsp.h"
#include "engine.h"
#include "path_slot.h"
#include "ports.h"

typedef struct semeq_lv2_uris {
    LV2_URID atom_Path, atom_Sequence, atom_URID, atom_Object, atom_eventTransfer;
    LV2_URID patch_Get, patch_Set, patch_property, patch_value;
    LV2_URID model;
} semeq_lv2_uris;

/* At most this many models loaded at once (in use, on their way in or out). */
#define SEMEQ_LV2_MAX_ENGINES 8

typedef struct semeq_lv2_slot {
    uint32_t id; /* 0: free */
    semeq_lv2_engine *engine;
} semeq_lv2_slot;

typedef struct semeq_lv2 {
    /* host features (map, schedule and log may be missing: lv2apply offers none) */
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    semeq_lv2_uris uris;
    LV2_Atom_Forge forge;
    char *bundle_path;

    /* ports */
    int channels;
    const float *controls[PORT_AUDIO_FIRST]; /* control inputs by index */
    float *outputs[PORT_AUDIO_FIRST];        /* control outputs by index */
    const LV2_Atom_Sequence *control_in;
    LV2_Atom_Sequence *notify;
    const float *audio_in[SEMEQ_LV2_MAX_CHANNELS];
    float *audio_out[SEMEQ_LV2_MAX_CHANNELS];

    /* models */
    semeq_lv2_engine *engine; /* the one run() uses */
    uint32_t engine_id;
    semeq_lv2_engine *worker_engine; /* the one work() computes with */
    uint32_t worker_engine_id;
    semeq_lv2_slot engines[SEMEQ_LV2_MAX_ENGINES];
    uint32_t next_id;
    uint32_t generation; /* restore() makes loads asked before it stale */
    bool loading;        /* a load job is out */
    bool load_waiting;   /* a patch:Set came while loading: next_path */
    char next_path[SEMEQ_LV2_PATH_MAX];
    _Alignas(8) unsigned char job_buffer[SEMEQ_LV2_PATH_MAX + 64]; /* worker.c: a load job */
    semeq_lv2_path_slot saved_path;                                /* for save(): "" while the default is in use */

    /* the EQ */
    semeq_lv2_controls asked;     /* the controls of the last EQ asked for */
    bool computing;               /* a compute job is out */
    int64_t frames_since_compute; /* without a worker: limits recomputing */
    semeq_eq eq;                  /* the EQ in use (or crossfading in) */
    semeq_lv2_dsp dsp;
    bool notify_model; /* send patch:Set with the model on notify */
} semeq_lv2;

/* plugin.c */
semeq_lv2_controls semeq_lv2_read_controls(const semeq_lv2 *p, const semeq_lv2_engine *e);
void semeq_lv2_apply_eq(semeq_lv2 *p, const semeq_eq *eq);
/* The list of loaded models (worker thread or instantiation class only). */
uint32_t semeq_lv2_adopt(semeq_lv2 *p, semeq_lv2_engine *e); /* 0 if the list is full */
void semeq_lv2_release(semeq_lv2 *p, uint32_t id);
/* Loads a model now (instantiate and restore): adopts it and makes it the one in use. */
bool semeq_lv2_load_now(semeq_lv2 *p, const char *path, bool is_default);

/* worker.c */
extern const LV2_Worker_Interface semeq_lv2_worker_interface;
void semeq_lv2_request_eq(semeq_lv2 *p, const semeq_lv2_controls *c);
void semeq_lv2_request_load(semeq_lv2 *p, const char *path);

/* patch.c */
void semeq_lv2_map_uris(semeq_lv2 *p);
void semeq_lv2_read_patch(semeq_lv2 *p);
void semeq_lv2_write_notify(semeq_lv2 *p);

/* state.c */
extern const LV2_State_Interface semeq_lv2_state_interface;

#endif
