#include "host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lv2/atom/util.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>

#include "rt_calls.h"

#define MAX_URIS 512

struct host_world {
    LilvWorld *lilv;
    char *uris[MAX_URIS];
    int nuris;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
};

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    host_world *w = handle;
    for (int i = 0; i < w->nuris; i++)
        if (strcmp(w->uris[i], uri) == 0)
            return (LV2_URID)(i + 1);
    if (w->nuris == MAX_URIS || !(w->uris[w->nuris] = strdup(uri)))
        return 0;
    return (LV2_URID)++w->nuris;
}

static const char *unmap_urid(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
    host_world *w = handle;
    return urid >= 1 && (int)urid <= w->nuris ? w->uris[urid - 1] : NULL;
}

LV2_URID host_map(host_world *w, const char *uri) { return map_uri(w, uri); }

host_world *host_world_new(void)
{
    host_world *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->lilv = lilv_world_new();
    lilv_world_load_all(w->lilv);
    w->map = (LV2_URID_Map){w, map_uri};
    w->unmap = (LV2_URID_Unmap){w, unmap_urid};
    return w;
}

void host_world_free(host_world *w)
{
    if (!w)
        return;
    lilv_world_free(w->lilv);
    for (int i = 0; i < w->nuris; i++)
        free(w->uris[i]);
    free(w);
}

/* ---------------------------------------------------------------- worker */

static LV2_Worker_Status push(host *h, host_ring *r, uint32_t size, const void *data)
{
    unsigned tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    unsigned head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head == HOST_QUEUE || size > HOST_MESSAGE) {
        h->dropped++;
        return LV2_WORKER_ERR_NO_SPACE;
    }
    host_message *m = &r->slot[tail % HOST_QUEUE];
    m->size = size;
    memcpy(m->data, data, size);
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return LV2_WORKER_SUCCESS;
}

/* The oldest message, or NULL; it stays valid until pop_done(). */
static const host_message *peek(host_ring *r)
{
    unsigned head = atomic_load_explicit(&r->head, memory_order_relaxed);
    unsigned tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    return head == tail ? NULL : &r->slot[head % HOST_QUEUE];
}

static void pop_done(host_ring *r)
{
    atomic_store_explicit(&r->head, atomic_load_explicit(&r->head, memory_order_relaxed) + 1, memory_order_release);
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size, const void *data)
{
    host *h = handle;
    LV2_Worker_Status st = push(h, &h->jobs, size, data);
    if (st == LV2_WORKER_SUCCESS && h->mode == HOST_THREAD_WORKER)
        sem_post(&h->wake);
    return st;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    host *h = handle;
    return push(h, &h->answers, size, data);
}

/* Every job queued so far, in order (the worker's allocations are not counted). */
static void work_jobs(host *h)
{
    LV2_Handle handle = lilv_instance_get_handle(h->instance);
    for (const host_message *job; (job = peek(&h->jobs)); pop_done(&h->jobs)) {
        atomic_store(&h->busy, true);
        h->worker->work(handle, respond, h, job->size, job->data);
        atomic_store(&h->busy, false);
    }
}

static void *worker_thread(void *arg)
{
    host *h = arg;
    for (;;) {
        sem_wait(&h->wake);
        work_jobs(h);
        if (atomic_load(&h->stop))
            return NULL;
    }
}

static void deliver_answers(host *h)
{
    LV2_Handle handle = lilv_instance_get_handle(h->instance);
    for (const host_message *a; (a = peek(&h->answers)); pop_done(&h->answers))
        h->worker->work_response(handle, a->size, a->data);
    if (h->worker->end_run)
        h->worker->end_run(handle);
}

/* Until the worker has run every job queued (restore() must not meet work()). */
static void drain(host *h)
{
    if (h->mode == HOST_SYNC_WORKER)
        work_jobs(h);
    while (h->mode == HOST_THREAD_WORKER && (peek(&h->jobs) || atomic_load(&h->busy)))
        usleep(1000);
}

/* ---------------------------------------------------------------- instance */

int host_port(const host *h, const char *symbol)
{
    LilvNode *sym = lilv_new_string(h->world->lilv, symbol);
    const LilvPort *port = lilv_plugin_get_port_by_symbol(h->plugin, sym);
    lilv_node_free(sym);
    return port ? (int)lilv_port_get_index(h->plugin, port) : -1;
}

void host_set(host *h, const char *symbol, float value)
{
    int i = host_port(h, symbol);
    if (i >= 0)
        h->values[i] = value;
    else
        fprintf(stderr, "host_set: no port '%s'\n", symbol);
}

float host_get(const host *h, const char *symbol)
{
    int i = host_port(h, symbol);
    return i >= 0 ? h->values[i] : 0.0f;
}

static bool connect_ports(host *h)
{
    LilvWorld *lw = h->world->lilv;
    LilvNode *audio = lilv_new_uri(lw, LV2_CORE__AudioPort), *input = lilv_new_uri(lw, LV2_CORE__InputPort);
    LilvNode *control = lilv_new_uri(lw, LV2_CORE__ControlPort), *atom = lilv_new_uri(lw, LV2_ATOM__AtomPort);
    h->nports = (int)lilv_plugin_get_num_ports(h->plugin);
    bool ok = h->nports <= HOST_MAX_PORTS;
    lilv_plugin_get_port_ranges_float(h->plugin, NULL, NULL, h->values);
    for (int i = 0; ok && i < h->nports; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(h->plugin, (uint32_t)i);
        bool in = lilv_port_is_a(h->plugin, port, input);
        if (lilv_port_is_a(h->plugin, port, audio)) {
            float **side = in ? h->in : h->out;
            int *n = in ? &h->nin : &h->nout;
            if (*n == 2 || !(side[*n] = calloc(HOST_MAX_BLOCK, sizeof(float))))
                ok = false;
            else
                lilv_instance_connect_port(h->instance, (uint32_t)i, side[(*n)++]);
        } else if (lilv_port_is_a(h->plugin, port, control)) {
            if (h->values[i] != h->values[i])
                h->values[i] = 0.0f; /* no default: NaN */
            lilv_instance_connect_port(h->instance, (uint32_t)i, &h->values[i]);
        } else if (lilv_port_is_a(h->plugin, port, atom)) {
            lilv_instance_connect_port(h->instance, (uint32_t)i, in ? &h->control : &h->notify);
        }
    }
    lilv_node_free(audio), lilv_node_free(input), lilv_node_free(control), lilv_node_free(atom);
    return ok && h->nin == h->nout;
}

bool host_open(host *h, host_world *w, const char *uri, double rate, host_worker_mode mode)
{
    memset(h, 0, sizeof *h);
    h->world = w;
    h->mode = mode == HOST_THREAD_WORKER ? HOST_SYNC_WORKER : mode; /* until the thread runs */
    bool worker = mode != HOST_NO_WORKER;
    LilvNode *u = lilv_new_uri(w->lilv, uri);
    h->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(w->lilv), u);
    lilv_node_free(u);
    if (!h->plugin) {
        fprintf(stderr, "%s: not found on LV2_PATH=%s\n", uri, getenv("LV2_PATH") ? getenv("LV2_PATH") : "");
        return false;
    }
    h->f_map = (LV2_Feature){LV2_URID__map, &w->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &w->unmap};
    h->schedule = (LV2_Worker_Schedule){h, schedule_work};
    h->f_schedule = (LV2_Feature){LV2_WORKER__schedule, &h->schedule};
    int n = 0;
    h->features[n++] = &h->f_map;
    h->features[n++] = &h->f_unmap;
    if (worker)
        h->features[n++] = &h->f_schedule;
    h->features[n] = NULL;
    h->instance = lilv_plugin_instantiate(h->plugin, rate, h->features);
    if (!h->instance) {
        fprintf(stderr, "%s: instantiate failed\n", uri);
        return false;
    }
    if (worker)
        h->worker = lilv_instance_get_extension_data(h->instance, LV2_WORKER__interface);
    lv2_atom_forge_init(&h->forge, &w->map);
    if (!connect_ports(h) || (worker && !h->worker)) {
        fprintf(stderr, "%s: unexpected ports or no worker interface\n", uri);
        host_close(h);
        return false;
    }
    if (mode == HOST_THREAD_WORKER) {
        sem_init(&h->wake, 0, 0);
        if (pthread_create(&h->thread, NULL, worker_thread, h) != 0) {
            sem_destroy(&h->wake);
            host_close(h);
            return false;
        }
        h->mode = HOST_THREAD_WORKER;
    }
    return true;
}

void host_close(host *h)
{
    if (h->mode == HOST_THREAD_WORKER) { /* the worker runs what is queued, then ends */
        atomic_store(&h->stop, true);
        sem_post(&h->wake);
        pthread_join(h->thread, NULL);
        sem_destroy(&h->wake);
    }
    if (h->instance) {
        if (h->mode == HOST_SYNC_WORKER)
            work_jobs(h); /* frees what the plug-in handed to its worker */
        lilv_instance_free(h->instance);
    }
    for (int i = 0; i < 2; i++)
        free(h->in[i]), free(h->out[i]);
    memset(h, 0, sizeof *h);
}

void host_activate(host *h) { lilv_instance_activate(h->instance); }

static void empty_sequence(host *h, host_atoms *buf, uint32_t size)
{
    LV2_Atom_Sequence *seq = &buf->seq;
    seq->atom.type = host_map(h->world, LV2_ATOM__Sequence);
    seq->atom.size = size;
    seq->body.unit = 0;
    seq->body.pad = 0;
}

void host_send_model(host *h, const char *path)
{
    host_world *w = h->world;
    LV2_Atom_Forge *f = &h->forge;
    lv2_atom_forge_set_buffer(f, (uint8_t *)&h->control, sizeof h->control);
    LV2_Atom_Forge_Frame seq, obj;
    lv2_atom_forge_sequence_head(f, &seq, 0);
    lv2_atom_forge_frame_time(f, 0);
    lv2_atom_forge_object(f, &obj, 0, host_map(w, LV2_PATCH__Set));
    lv2_atom_forge_key(f, host_map(w, LV2_PATCH__property));
    lv2_atom_forge_urid(f, host_map(w, "urn:semeq:lv2:model"));
    lv2_atom_forge_key(f, host_map(w, LV2_PATCH__value));
    lv2_atom_forge_path(f, path, (uint32_t)strlen(path));
    lv2_atom_forge_pop(f, &obj);
    lv2_atom_forge_pop(f, &seq);
    h->control_pending = true;
}

void host_send_get(host *h)
{
    LV2_Atom_Forge *f = &h->forge;
    lv2_atom_forge_set_buffer(f, (uint8_t *)&h->control, sizeof h->control);
    LV2_Atom_Forge_Frame seq, obj;
    lv2_atom_forge_sequence_head(f, &seq, 0);
    lv2_atom_forge_frame_time(f, 0);
    lv2_atom_forge_object(f, &obj, 0, host_map(h->world, LV2_PATCH__Get));
    lv2_atom_forge_pop(f, &obj);
    lv2_atom_forge_pop(f, &seq);
    h->control_pending = true;
}

/* Records the model path of a patch:Set the plug-in sent on notify. */
static void read_notify(host *h)
{
    const LV2_Atom_Sequence *seq = &h->notify.seq;
    LV2_URID set = host_map(h->world, LV2_PATCH__Set), path_type = host_map(h->world, LV2_ATOM__Path);
    if (seq->atom.type != host_map(h->world, LV2_ATOM__Sequence))
        return; /* nothing written */
    LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
    {
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
        if (!lv2_atom_forge_is_object_type(&h->forge, ev->body.type) || obj->body.otype != set)
            continue;
        const LV2_Atom *value = NULL;
        lv2_atom_object_get(obj, host_map(h->world, LV2_PATCH__value), &value, 0);
        if (value && value->type == path_type && value->size < sizeof h->notified_model)
            memcpy(h->notified_model, LV2_ATOM_BODY_CONST(value), value->size);
    }
}

void host_run(host *h, uint32_t frames)
{
    if (!h->control_pending)
        empty_sequence(h, &h->control, sizeof(LV2_Atom_Sequence_Body));
    h->control_pending = false;
    h->notify.atom.size = sizeof h->notify - sizeof(LV2_Atom); /* the capacity */
    h->notify.atom.type = host_map(h->world, LV2_ATOM__Chunk);
    rt_calls_begin();
    lilv_instance_run(h->instance, frames);
    rt_calls_end();
    read_notify(h);
    if (!h->worker)
        return;
    if (h->mode == HOST_SYNC_WORKER)
        work_jobs(h);
    rt_calls_begin();
    deliver_answers(h);
    rt_calls_end();
}

char *host_save_state(host *h)
{
    host_world *w = h->world;
    LilvState *st = lilv_state_new_from_instance(h->plugin, h->instance, &w->map, NULL, NULL, NULL, NULL, NULL, NULL,
                                                 LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, h->features);
    if (!st)
        return NULL;
    char *s = lilv_state_to_string(w->lilv, &w->map, &w->unmap, st, "urn:semeq:test:state", NULL);
    lilv_state_free(st);
    return s;
}

bool host_restore_state(host *h, const char *turtle)
{
    LilvState *st = lilv_state_new_from_string(h->world->lilv, &h->world->map, turtle);
    if (!st)
        return false;
    if (h->worker)
        drain(h);
    lilv_state_restore(st, h->instance, NULL, NULL, 0, h->features);
    lilv_state_free(st);
    return true;
}
