#include "dsp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"

static se_fb_kind fb_kind(const semeq_eq *eq) { return eq->kind == SEMEQ_EQ_GRAPHIC40 ? SE_FB_GRAPHIC40 : SE_FB_SAFE; }

/* A flat setting of kind k valid at any rate: 0 dB everywhere, SAFE frequencies as
 * fractions of Nyquist (graphic40 leaves out its bands above Nyquist by itself). */
static void flat_eq(se_fb_kind k, double fs, semeq_eq *eq)
{
    memset(eq, 0, sizeof *eq);
    eq->fit_error_db = -1.0f;
    if (k == SE_FB_GRAPHIC40) {
        eq->kind = SEMEQ_EQ_GRAPHIC40;
        eq->nparams = 40;
        return;
    }
    const float nyq = (float)(0.5 * fs);
    const float p[13] = {0, 0.01f * nyq, 0, 0.05f * nyq, 1, 0, 0.1f * nyq, 1, 0, 0.2f * nyq, 1, 0, 0.4f * nyq};
    eq->kind = SEMEQ_EQ_SAFE;
    eq->nparams = 13;
    memcpy(eq->params, p, sizeof p);
}

/* The setting of eq as a processor takes it, clamped into its ranges only if it does not
 * fit this rate as it is (a SAFE frequency above Nyquist at a low rate): at the rates the
 * models are made for nothing changes. false if it cannot be used at all. */
static bool params_of(const semeq_eq *eq, double fs, double *p)
{
    if (eq->nparams != se_fb_nparams(fb_kind(eq)))
        return false;
    for (int i = 0; i < eq->nparams; i++)
        p[i] = eq->params[i];
    se_fb_error err;
    if (se_fb_check(fb_kind(eq), p, fs, false, &err) == SE_OK)
        return true;
    return se_fb_check(fb_kind(eq), p, fs, true, &err) == SE_OK;
}

static bool same_eq(const semeq_eq *a, const semeq_eq *b)
{
    return a->kind == b->kind && a->nparams == b->nparams &&
        memcmp(a->params, b->params, sizeof(float) * (size_t)a->nparams) == 0;
}

/* A processor with setting eq (flat of kind k if eq is NULL or unusable); no smoothing:
 * settings change by crossfading processors. */
static se_status new_path(semeq_lv2_path *path, se_fb_kind k, const semeq_eq *eq, const semeq_lv2_dsp *d)
{
    double p[SE_FB_MAX_BIQUADS];
    if (eq && fb_kind(eq) == k && params_of(eq, d->fs, p)) {
        path->eq = *eq;
    } else {
        flat_eq(k, d->fs, &path->eq);
        params_of(&path->eq, d->fs, p);
    }
    se_fb_error err;
    return se_eq_proc_new(&path->proc, k, p, d->fs, d->channels, 0, false, &err);
}

static void ramp_set(semeq_lv2_ramp *r, float value)
{
    r->value = r->target = value;
    r->step = 0.0f;
    r->left = 0;
}

static void ramp_to(semeq_lv2_ramp *r, float target, int64_t frames)
{
    if (target == r->target)
        return;
    r->target = target;
    if (frames < 1 || r->value == target) {
        ramp_set(r, target);
        return;
    }
    r->step = (target - r->value) / (float)frames;
    r->left = frames;
}

/* The value for the next sample; exactly the target once the ramp is over. */
static inline float ramp_next(semeq_lv2_ramp *r)
{
    if (r->left > 0)
        r->value = --r->left == 0 ? r->target : r->value + r->step;
    return r->value;
}

static void free_paths(semeq_lv2_path paths[2][2])
{
    for (int k = 0; k < 2; k++)
        for (int s = 0; s < 2; s++) {
            se_eq_proc_free(paths[k][s].proc);
            paths[k][s].proc = NULL;
        }
}

/* Four processors: the one of eq's kind in slot 0 with eq, the others flat. */
static se_status new_paths(semeq_lv2_path paths[2][2], const semeq_eq *eq, const semeq_lv2_dsp *d)
{
    memset(paths, 0, sizeof(semeq_lv2_path) * 4);
    se_status st = SE_OK;
    for (int k = 0; k < 2 && st == SE_OK; k++)
        for (int s = 0; s < 2 && st == SE_OK; s++)
            st = new_path(&paths[k][s], (se_fb_kind)k, s == 0 ? eq : NULL, d);
    if (st != SE_OK)
        free_paths(paths);
    return st;
}

se_status semeq_lv2_dsp_init(semeq_lv2_dsp *d, int channels, double fs)
{
    memset(d, 0, sizeof *d);
    if (channels < 1 || channels > SEMEQ_LV2_MAX_CHANNELS || !(fs > 0.0) || !(fs <= SE_FB_MAX_FS))
        return SE_EARG;
    d->channels = channels;
    d->fs = fs;
    d->fade_frames = llround(SEMEQ_LV2_FADE_S * fs);
    if (d->fade_frames < 1)
        d->fade_frames = 1;
    int64_t len = llround(SEMEQ_LV2_PREROLL_S * fs);
    d->history_len = len < 64 ? 64 : len > 65536 ? 65536 : len;
    d->history = calloc((size_t)(d->history_len * channels), sizeof(float));
    d->preroll = calloc((size_t)(d->history_len * channels), sizeof(float));
    se_status st = d->history && d->preroll ? new_paths(d->path, NULL, d) : SE_ENOMEM;
    if (st != SE_OK) {
        semeq_lv2_dsp_free(d);
        return st;
    }
    d->heard = &d->path[SE_FB_SAFE][0];
    ramp_set(&d->mix, 1.0f);
    ramp_set(&d->gain, 1.0f);
    return SE_OK;
}

void semeq_lv2_dsp_free(semeq_lv2_dsp *d)
{
    free_paths(d->path);
    free(d->history);
    free(d->preroll);
    d->history = d->preroll = NULL;
}

static float gain_of(float db)
{
    if (!isfinite(db))
        db = 0.0f;
    if (db < SEMEQ_LV2_OUTPUT_GAIN_MIN)
        db = SEMEQ_LV2_OUTPUT_GAIN_MIN;
    if (db > SEMEQ_LV2_OUTPUT_GAIN_MAX)
        db = SEMEQ_LV2_OUTPUT_GAIN_MAX;
    return powf(10.0f, db / 20.0f);
}

se_status semeq_lv2_dsp_reset(semeq_lv2_dsp *d, const semeq_eq *eq, bool enabled, float gain_db)
{
    semeq_lv2_path fresh[2][2];
    se_status st = new_paths(fresh, eq, d);
    if (st != SE_OK)
        return st;
    free_paths(d->path);
    memcpy(d->path, fresh, sizeof fresh);
    int k = eq && fb_kind(eq) == SE_FB_GRAPHIC40 && same_eq(&d->path[SE_FB_GRAPHIC40][0].eq, eq) ? SE_FB_GRAPHIC40
                                                                                                 : SE_FB_SAFE;
    d->heard = &d->path[k][0];
    d->coming = NULL;
    d->has_waiting = false;
    d->history_fill = d->history_pos = 0;
    ramp_set(&d->fade, 0.0f);
    ramp_set(&d->mix, enabled ? 1.0f : 0.0f);
    ramp_set(&d->gain, gain_of(gain_db));
    return SE_OK;
}

bool semeq_lv2_dsp_set_eq(semeq_lv2_dsp *d, const semeq_eq *eq)
{
    double p[SE_FB_MAX_BIQUADS];
    if (!params_of(eq, d->fs, p))
        return false;
    const semeq_eq *latest = d->has_waiting ? &d->waiting : d->coming ? &d->coming->eq : &d->heard->eq;
    if (same_eq(latest, eq))
        return true;
    d->waiting = *eq;
    d->has_waiting = true;
    return true;
}

void semeq_lv2_dsp_set_enabled(semeq_lv2_dsp *d, bool enabled)
{
    ramp_to(&d->mix, enabled ? 1.0f : 0.0f, d->fade_frames);
}

void semeq_lv2_dsp_set_gain_db(semeq_lv2_dsp *d, float gain_db) { ramp_to(&d->gain, gain_of(gain_db), d->fade_frames); }

/* The idle processor the waiting setting goes to: its state is what it reaches on the
 * remembered input, then it fades in. */
static void start_crossfade(semeq_lv2_dsp *d)
{
    se_fb_kind k = fb_kind(&d->waiting);
    semeq_lv2_path *path = &d->path[k][d->heard == &d->path[k][0] ? 1 : 0];
    double p[SE_FB_MAX_BIQUADS];
    se_fb_error err;
    d->has_waiting = false;
    if (!params_of(&d->waiting, d->fs, p))
        return; /* checked in set_eq: cannot happen */
    se_eq_proc_reset(path->proc);
    se_eq_proc_set(path->proc, p, &err);
    const int ch = d->channels;
    const int64_t first = (d->history_pos - d->history_fill + d->history_len) % d->history_len;
    for (int64_t i = 0; i < d->history_fill; i++)
        memcpy(d->preroll + i * ch, d->history + ((first + i) % d->history_len) * ch, sizeof(float) * (size_t)ch);
    se_eq_proc_run(path->proc, d->preroll, d->history_fill); /* a failure cleared its state: fine */
    path->eq = d->waiting;
    d->coming = path;
    ramp_set(&d->fade, 0.0f);
    ramp_to(&d->fade, 1.0f, d->fade_frames);
}

static void remember(semeq_lv2_dsp *d, uint32_t n)
{
    const int ch = d->channels;
    for (uint32_t f = 0; f < n; f++) {
        memcpy(d->history + d->history_pos * ch, d->dry + f * ch, sizeof(float) * (size_t)ch);
        d->history_pos = (d->history_pos + 1) % d->history_len;
    }
    d->history_fill = d->history_fill + n > d->history_len ? d->history_len : d->history_fill + n;
}

/* wet = EQ(dry) for n frames (a crossfade while one is under way); silence on a
 * non-finite output (the core cleared that processor's state). */
static void equalise(semeq_lv2_dsp *d, uint32_t n)
{
    const int ch = d->channels;
    const size_t samples = (size_t)n * (size_t)ch;
    memcpy(d->wet, d->dry, sizeof(float) * samples);
    se_status st = se_eq_proc_run(d->heard->proc, d->wet, n);
    if (d->coming) {
        memcpy(d->wet2, d->dry, sizeof(float) * samples);
        if (se_eq_proc_run(d->coming->proc, d->wet2, n) != SE_OK)
            st = SE_ERANGE;
        for (uint32_t f = 0; f < n; f++) {
            const float x = ramp_next(&d->fade);
            for (int c = 0; c < ch; c++)
                d->wet[f * ch + c] = (1.0f - x) * d->wet[f * ch + c] + x * d->wet2[f * ch + c];
        }
        if (d->fade.left == 0) { /* over: the new EQ is the one heard, exactly */
            d->heard = d->coming;
            d->coming = NULL;
        }
    }
    if (st != SE_OK) {
        memset(d->wet, 0, sizeof(float) * samples);
        d->silenced_chunks++;
    }
}

static inline float finite_or_zero(float v) { return isfinite(v) ? v : 0.0f; }

/* out = mix * gain * wet + (1 - mix) * dry, exact in the steady states. */
static void mix_out(semeq_lv2_dsp *d, float *const *out, uint32_t at, uint32_t n)
{
    const int ch = d->channels;
    if (d->mix.left == 0 && d->gain.left == 0 && (d->mix.value == 1.0f || d->mix.value == 0.0f)) {
        const bool on = d->mix.value == 1.0f;
        const float *src = on ? d->wet : d->dry;
        const float g = on ? d->gain.value : 1.0f;
        for (int c = 0; c < ch; c++)
            for (uint32_t f = 0; f < n; f++)
                out[c][at + f] = finite_or_zero(src[f * ch + c] * g);
        return;
    }
    for (uint32_t f = 0; f < n; f++) {
        const float m = ramp_next(&d->mix), g = ramp_next(&d->gain);
        for (int c = 0; c < ch; c++)
            out[c][at + f] = finite_or_zero(m * (g * d->wet[f * ch + c]) + (1.0f - m) * d->dry[f * ch + c]);
    }
}

void semeq_lv2_dsp_run(semeq_lv2_dsp *d, const float *const *in, float *const *out, uint32_t frames)
{
    const int ch = d->channels;
    for (uint32_t at = 0; at < frames;) {
        uint32_t n = frames - at < SEMEQ_LV2_CHUNK ? frames - at : SEMEQ_LV2_CHUNK;
        for (int c = 0; c < ch; c++)
            for (uint32_t f = 0; f < n; f++)
                d->dry[f * ch + c] = finite_or_zero(in[c][at + f]);
        if (!d->coming && d->has_waiting)
            start_crossfade(d);
        equalise(d, n);
        remember(d, n);
        mix_out(d, out, at, n);
        at += n;
    }
}
