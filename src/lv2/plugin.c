/* semeq-eq.lv2: semantic EQ as an LV2 plug-in (mono and stereo).
 *
 * The controls say "from term A towards term B by amount, at intensity"; the model turns
 * that into an EQ setting (semeq_eq_for_terms), the audio path (dsp.h) crossfades to it.
 *
 * When is the EQ computed? For models that decode 40-point curves, a setting costs a
 * 5-band least-squares fit of about 1-5 ms: far too long for run(). So:
 *   - activate() (and restore()) compute it for the current controls directly, and the
 *     audio starts with that setting, no crossfade: with controls that do not move, the output
 *     is exactly what scripts/apply.lua writes for the same question;
 *   - when a control moves, run() asks the worker for the new setting (one job at a time,
 *     always for the latest controls) and crossfades to it when the answer comes;
 *     automation thus follows at the pace of the fit (and of the 20 ms crossfades), and
 *     every change is a crossfade, never a jump;
 *   - a host without the worker feature (lv2apply, other offline hosts) gets the setting
 *     computed inside run() instead, at most once per crossfade (20 ms of audio): the
 *     computation allocates nothing and does no I/O, but it takes time, and OpenBLAS's
 *     sgemv locks the mutex of its buffer pool (spec/lv2/test_lv2.c counts it); fine
 *     offline, which is where hosts without a worker are. With static controls nothing
 *     is computed in run() at all.
 * A table over `amount` made at load time was the other option; it would make static
 * controls inexact (interpolated settings are not fitted settings) and cost a fit per
 * table point for every pair of terms at every model load.
 *
 * Exported: lv2_descriptor only (the core is linked in statically, its symbols hidden). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lv2/core/lv2_util.h>

#include "denormals.h"
#include "plugin.h"

static float port_value(const float *port)
{
    return port ? *port : NAN; /* NaN: the default (semeq_lv2_engine_controls) */
}

semeq_lv2_controls semeq_lv2_read_controls(const semeq_lv2 *p, const semeq_lv2_engine *e)
{
    return semeq_lv2_engine_controls(e, port_value(p->controls[PORT_FROM]), port_value(p->controls[PORT_TO]),
                                     port_value(p->controls[PORT_AMOUNT]), port_value(p->controls[PORT_INTENSITY]));
}

void semeq_lv2_apply_eq(semeq_lv2 *p, const semeq_eq *eq)
{
    if (semeq_lv2_dsp_set_eq(&p->dsp, eq))
        p->eq = *eq;
}

uint32_t semeq_lv2_adopt(semeq_lv2 *p, semeq_lv2_engine *e)
{
    for (int i = 0; i < SEMEQ_LV2_MAX_ENGINES; i++) {
        if (p->engines[i].id)
            continue;
        if (++p->next_id == 0)
            p->next_id = 1;
        p->engines[i].id = p->next_id;
        p->engines[i].engine = e;
        return p->next_id;
    }
    return 0;
}

void semeq_lv2_release(semeq_lv2 *p, uint32_t id)
{
    for (int i = 0; id && i < SEMEQ_LV2_MAX_ENGINES; i++) {
        if (p->engines[i].id != id)
            continue;
        semeq_lv2_engine_free(p->engines[i].engine);
        p->engines[i].id = 0;
        p->engines[i].engine = NULL;
    }
}

bool semeq_lv2_load_now(semeq_lv2 *p, const char *path, bool is_default)
{
    char err[1024];
    semeq_lv2_engine *e;
    if (semeq_lv2_engine_load(path, is_default, &e, err, sizeof err) != SEMEQ_OK) {
        lv2_log_error(&p->logger, "semeq-eq: %s\n", err);
        return false;
    }
    uint32_t id = semeq_lv2_adopt(p, e);
    if (!id) {
        lv2_log_error(&p->logger, "semeq-eq: %s: too many models loaded at once\n", path);
        semeq_lv2_engine_free(e);
        return false;
    }
    /* Not concurrent with run() or work() (see plugin.h): nothing can use the old one. */
    uint32_t old = p->engine_id;
    p->engine = p->worker_engine = e;
    p->engine_id = p->worker_engine_id = id;
    if (old)
        semeq_lv2_release(p, old);
    semeq_lv2_path_slot_write(&p->saved_path, is_default ? "" : path);
    p->notify_model = true;
    return true;
}

static void cleanup(LV2_Handle instance)
{
    semeq_lv2 *p = instance;
    semeq_lv2_dsp_free(&p->dsp);
    for (int i = 0; i < SEMEQ_LV2_MAX_ENGINES; i++)
        semeq_lv2_release(p, p->engines[i].id);
    free(p->bundle_path);
    free(p);
}

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle_path,
                              const LV2_Feature *const *features)
{
    semeq_lv2 *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->channels = strcmp(descriptor->URI, SEMEQ_LV2_URI_STEREO) == 0 ? 2 : 1;
    LV2_Log_Log *log = NULL;
    lv2_features_query(features, LV2_URID__map, &p->map, false, LV2_WORKER__schedule, &p->schedule, false, LV2_LOG__log,
                       &log, false, NULL);
    lv2_log_logger_init(&p->logger, p->map, log);
    if (p->map) {
        semeq_lv2_map_uris(p);
        lv2_atom_forge_init(&p->forge, p->map);
    }
    /* Without a worker, settings are computed in run(): BLAS must not wait for its threads. */
    if (!p->schedule)
        openblas_set_num_threads(1);
    size_t n = strlen(bundle_path);
    p->bundle_path = malloc(n + sizeof "/" SEMEQ_LV2_DEFAULT_MODEL);
    if (!p->bundle_path || semeq_lv2_dsp_init(&p->dsp, p->channels, rate) != SE_OK) {
        lv2_log_error(&p->logger, "semeq-eq: cannot run at %g Hz (or out of memory)\n", rate);
        cleanup(p);
        return NULL;
    }
    memcpy(p->bundle_path, bundle_path, n + 1);
    while (n > 0 && p->bundle_path[n - 1] == '/')
        p->bundle_path[--n] = '\0';
    strcat(p->bundle_path, "/" SEMEQ_LV2_DEFAULT_MODEL);
    if (!semeq_lv2_load_now(p, p->bundle_path, true)) {
        cleanup(p);
        return NULL;
    }
    return p;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    semeq_lv2 *p = instance;
    if (port == PORT_CONTROL)
        p->control_in = data;
    else if (port == PORT_NOTIFY)
        p->notify = data;
    else if (port <= PORT_ENABLED)
        p->controls[port] = data;
    else if (port < PORT_AUDIO_FIRST)
        p->outputs[port] = data;
    else if (port < PORT_AUDIO_FIRST + (uint32_t)p->channels)
        p->audio_in[port - PORT_AUDIO_FIRST] = data;
    else if (port < PORT_AUDIO_FIRST + 2u * (uint32_t)p->channels)
        p->audio_out[port - PORT_AUDIO_FIRST - p->channels] = data;
}

static bool enabled(const semeq_lv2 *p)
{
    return !(port_value(p->controls[PORT_ENABLED]) <= 0.5f); /* NaN or unconnected: enabled */
}

static float gain_db(const semeq_lv2 *p)
{
    float v = port_value(p->controls[PORT_OUTPUT_GAIN]);
    return isfinite(v) ? v : 0.0f;
}

/* Starts from silence with the setting of the current controls, computed here. */
static void activate(LV2_Handle instance)
{
    semeq_lv2 *p = instance;
    semeq_lv2_controls c = semeq_lv2_read_controls(p, p->engine);
    semeq_eq eq;
    bool ok = semeq_lv2_engine_eq(p->engine, ENGINE_HOST, &c, &eq) == SEMEQ_OK;
    if (semeq_lv2_dsp_reset(&p->dsp, ok ? &eq : NULL, enabled(p), gain_db(p)) == SE_OK) {
        static const semeq_eq flat = {.kind = SEMEQ_EQ_NONE, .fit_error_db = -1.0f};
        p->eq = ok ? eq : flat;
    }
    p->asked = c; /* an answer still out for older controls is dropped (worker.c) */
    p->frames_since_compute = 0;
    /* A job a host dropped while deactivated must not block asking again; one still out
     * is answered and dropped or used as usual. */
    p->computing = p->loading = false;
}

/* Asks for the setting of the controls when they moved: the worker, or here without one. */
static void follow_controls(semeq_lv2 *p, uint32_t frames)
{
    semeq_lv2_controls c = semeq_lv2_read_controls(p, p->engine);
    if (p->frames_since_compute < INT64_MAX - frames)
        p->frames_since_compute += frames;
    if (p->computing || semeq_lv2_controls_equal(&c, &p->asked))
        return;
    if (p->schedule) {
        semeq_lv2_request_eq(p, &c);
    } else if (p->frames_since_compute >= p->dsp.fade_frames) {
        semeq_eq eq;
        p->asked = c;
        p->frames_since_compute = 0;
        if (semeq_lv2_engine_eq(p->engine, ENGINE_HOST, &c, &eq) == SEMEQ_OK)
            semeq_lv2_apply_eq(p, &eq);
    }
}

static void report_eq(semeq_lv2 *p)
{
    if (p->outputs[PORT_FIT_ERROR])
        *p->outputs[PORT_FIT_ERROR] = p->eq.fit_error_db;
    for (int j = 0; j < SEMEQ_LV2_EQ_PORTS; j++) {
        float *out = p->outputs[PORT_EQ_FIRST + j];
        if (out)
            *out = p->eq.kind == SEMEQ_EQ_SAFE ? p->eq.params[j] : 0.0f;
    }
}

static void run(LV2_Handle instance, uint32_t frames)
{
    semeq_lv2 *p = instance;
    if (p->map)
        semeq_lv2_read_patch(p);
    follow_controls(p, frames);
    semeq_lv2_dsp_set_enabled(&p->dsp, enabled(p));
    semeq_lv2_dsp_set_gain_db(&p->dsp, gain_db(p));
    semeq_lv2_fpmode mode = semeq_lv2_flush_denormals();
    semeq_lv2_dsp_run(&p->dsp, p->audio_in, p->audio_out, frames);
    semeq_lv2_restore_fpmode(mode);
    report_eq(p);
    if (p->map)
        semeq_lv2_write_notify(p);
}

static void deactivate(LV2_Handle instance) { (void)instance; }

static const void *extension_data(const char *uri)
{
    if (strcmp(uri, LV2_WORKER__interface) == 0)
        return &semeq_lv2_worker_interface;
    if (strcmp(uri, LV2_STATE__interface) == 0)
        return &semeq_lv2_state_interface;
    return NULL;
}

static const LV2_Descriptor descriptors[] = {
    {SEMEQ_LV2_URI_MONO, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data},
    {SEMEQ_LV2_URI_STEREO, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data},
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index < sizeof descriptors / sizeof descriptors[0] ? &descriptors[index] : NULL;
}
