/* A small LV2 host over lilv for the plug-in's tests: one instance of a plug-in found
 * through LV2_PATH, its ports by symbol, planar audio, a URID map, an optional worker,
 * patch messages on the atom ports, and state through lilv_state.
 *
 * The worker comes in two kinds. HOST_SYNC_WORKER is what hosts do when rendering offline
 * (the LV2 worker spec allows it): the jobs run() schedules are run by host_run() right
 * after run() returns, so results do not depend on thread timing. HOST_THREAD_WORKER is
 * what a live host does (jalv's way): a worker thread runs the jobs while the audio goes
 * on, and host_run() hands whatever answers are back to work_response(). Jobs and answers
 * travel through single-producer rings, without allocating or locking on the audio side.
 * While run(), work_response() and end_run() execute, heap calls and mutex locks are
 * counted on the calling thread (rt_calls.h). */
#ifndef SPEC_LV2_HOST_H
#define SPEC_LV2_HOST_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#define HOST_MAX_PORTS 64
#define HOST_MAX_BLOCK 8192
#define HOST_QUEUE 16
#define HOST_MESSAGE 8192
#define HOST_ATOM_BYTES 16384

typedef struct host_world host_world; /* lilv world + URID map, shared by instances */

typedef struct host_message {
    uint32_t size;
    _Alignas(8) unsigned char data[HOST_MESSAGE];
} host_message;

typedef struct host_ring { /* one producer thread, one consumer thread */
    host_message slot[HOST_QUEUE];
    atomic_uint head, tail;
} host_ring;

typedef enum host_worker_mode { HOST_NO_WORKER, HOST_SYNC_WORKER, HOST_THREAD_WORKER } host_worker_mode;

/* An atom port's buffer. */
typedef union host_atoms {
    LV2_Atom atom;
    LV2_Atom_Sequence seq;
    uint64_t words[HOST_ATOM_BYTES / 8];
} host_atoms;

typedef struct host {
    host_world *world;
    const LilvPlugin *plugin;
    LilvInstance *instance;
    const LV2_Worker_Interface *worker; /* NULL without the worker feature */
    LV2_Worker_Schedule schedule;
    const LV2_Feature *features[8];
    LV2_Feature f_map, f_unmap, f_schedule;
    int nports, nin, nout;
    float values[HOST_MAX_PORTS]; /* control ports, in and out */
    float *in[2], *out[2];        /* planar, HOST_MAX_BLOCK frames each */
    host_atoms control, notify;
    LV2_Atom_Forge forge;
    bool control_pending; /* control holds a message for the next run */
    host_worker_mode mode;
    host_ring jobs, answers;
    atomic_int dropped; /* jobs or answers that did not fit the rings */
    pthread_t thread;
    sem_t wake;
    atomic_bool stop, busy;
    char notified_model[4096]; /* the path of the last patch:Set on notify */
} host;

host_world *host_world_new(void);
void host_world_free(host_world *w);
LV2_URID host_map(host_world *w, const char *uri);

/* Instantiates uri at rate with the worker of `mode` (or without the worker feature);
 * false with a message. */
bool host_open(host *h, host_world *w, const char *uri, double rate, host_worker_mode mode);
void host_close(host *h);
/* The index of a port, or -1. */
int host_port(const host *h, const char *symbol);
void host_set(host *h, const char *symbol, float value);
float host_get(const host *h, const char *symbol);
void host_activate(host *h);
/* Runs frames (<= HOST_MAX_BLOCK) from h->in into h->out, then the worker's jobs. */
void host_run(host *h, uint32_t frames);
/* A patch:Set of the model file, delivered with the next run. */
void host_send_model(host *h, const char *path);
/* A patch:Get (of every property), delivered with the next run. */
void host_send_get(host *h);
/* Saves the instance's state as Turtle (malloc'd), or NULL. */
char *host_save_state(host *h);
/* Restores a state saved by host_save_state (after the worker has finished its jobs:
 * restore() may not run at the same time as work()). */
bool host_restore_state(host *h, const char *turtle);

#endif
