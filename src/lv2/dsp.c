#include "dsp.h"

#include <math.h>
#include <string.h>

#include "ports.h"

static se_fb_kind fb_kind(const semeq_eq *eq)
{
    return eq->kind == SEMEQ_EQ_GRAPHIC40 ? SE_FB_GRAPHIC40 : SE_FB_SAFE;
}

/* A flat setting of kind k valid at any rate: 0 dB everywhere, SAFE frequencies as
 * fractions of Nyquist (graphic40 leaves out its bands above Nyquist by itself). */
static void flat_params(se_fb_kind k, double fs, double *p)
{
    memset(p, 0, sizeof(double) * SE_FB_MAX_BIQUADS);
    if (k != SE_FB_SAFE) return;
    const double nyq = 0.5 * fs;
    p[1] = 0.01 * nyq;
    p[3] = 0.05 * nyq, p[4] = 1.0;
    p[6] = 0.1 * nyq, p[7] = 1.0;
    p[9] = 0.2 * nyq, p[10] = 1.0;
    p[12] = 0.4 * nyq;
}

/* The setting of eq as the processor takes it, clamped into its ranges only if it does
 * not fit this rate as it is (a SAFE frequency above Nyquist at a low rate): at the rates
 * the model was made for, nothing is changed. false if it cannot be used at all. */
static bool params_of(const semeq_eq *eq, double fs, double *p)
{
    for (int i = 0; i < eq->nparams; i++) p[i] = eq->params[i];
    se_fb_error err;
    if (se_fb_check(fb_kind(eq), p, fs, false, &err) == SE_OK) return true;
    return se_fb_check(fb_kind(eq), p, fs, true, &err) == SE_OK;
}

static se_status new_proc(se_eq_proc **out, se_fb_kind k, const double *p, const semeq_lv2_dsp *d)
{
    se_fb_error err;
    return se_eq_proc_new(out, k, p, d->fs, d->channels, d->fade_frames, false, &err);
}

static void ramp_set(semeq_lv2_ramp *r, float value)
{
    r->value = r->target = value;
    r->step = 0.0f;
    r->left = 0;
}

static void ramp_to(semeq_lv2_ramp *r, float target, int64_t frames)
{
    if (target == r->target) return;
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
    if (r->left > 0) {
        r->value = --r->left == 0 ? r->target : r->value + r->step;
    }
    return r->value;
}

se_status semeq_lv2_dsp_init(semeq_lv2_dsp *d, int channels, double fs)
{
    memset(d, 0, sizeof *d);
    if (channels < 1 || channels > SEMEQ_LV2_MAX_CHANNELS || !(fs > 0.0) || !(fs <= SE_FB_MAX_FS)) return SE_EARG;
    d->channels = channels;
    d->fs = fs;
    d->fade_frames = llround(SEMEQ_LV2_FADE_S * fs);
    if (d->fade_frames < 1) d->fade_frames = 1;
    double p[SE_FB_MAX_BIQUADS];
    for (int k = 0; k < 2; k++) {
        flat_params((se_fb_kind)k, fs, p);
        se_status st = new_proc(&d->proc[k], (se_fb_kind)k, p, d);
        if (st != SE_OK) {
            semeq_lv2_dsp_free(d);
            return st;
        }
    }
    d->active = SE_FB_SAFE;
    ramp_set(&d->mix, 1.0f);
    ramp_set(&d->gain, 1.0f);
    return SE_OK;
}

void semeq_lv2_dsp_free(semeq_lv2_dsp *d)
{
    for (int k = 0; k < 2; k++) {
        se_eq_proc_free(d->proc[k]);
        d->proc[k] = NULL;
    }
}

static float gain_of(float db)
{
    if (!isfinite(db)) db = 0.0f;
    db = db < SEMEQ_LV2_OUTPUT_GAIN_MIN ? SEMEQ_LV2_OUTPUT_GAIN_MIN : db > SEMEQ_LV2_OUTPUT_GAIN_MAX ? SEMEQ_LV2_OUTPUT_GAIN_MAX : db;
    return powf(10.0f, db / 20.0f);
}

se_status semeq_lv2_dsp_reset(semeq_lv2_dsp *d, const semeq_eq *eq, bool enabled, float gain_db)
{
    se_eq_proc *fresh[2] = {NULL, NULL};
    int active = eq ? fb_kind(eq) : SE_FB_SAFE;
    se_status st = SE_OK;
    for (int k = 0; k < 2 && st == SE_OK; k++) {
        double p[SE_FB_MAX_BIQUADS];
        if (k != active || !eq || !params_of(eq, d->fs, p)) flat_params((se_fb_kind)k, d->fs, p);
        st = new_proc(&fresh[k], (se_fb_kind)k, p, d);
    }
    if (st != SE_OK) {
        se_eq_proc_free(fresh[0]);
        se_eq_proc_free(fresh[1]);
        return st;
    }
    semeq_lv2_dsp_free(d);
    d->proc[0] = fresh[0];
    d->proc[1] = fresh[1];
    d->active = active;
    d->other_busy = 0;
    ramp_set(&d->mix, enabled ? 1.0f : 0.0f);
    ramp_set(&d->gain, gain_of(gain_db));
    return SE_OK;
}

bool semeq_lv2_dsp_set_eq(semeq_lv2_dsp *d, const semeq_eq *eq)
{
    double p[SE_FB_MAX_BIQUADS];
    se_fb_error err;
    int k = fb_kind(eq);
    if (!params_of(eq, d->fs, p) || se_eq_proc_set(d->proc[k], p, &err) != SE_OK) return false;
    if (k != d->active) {
        /* The old kind ramps to flat in series with the new one, then idles from silence.
         * Twice the ramp: the old filter's state decays before it is cleared. */
        flat_params((se_fb_kind)d->active, d->fs, p);
        se_eq_proc_set(d->proc[d->active], p, &err);
        d->other_busy = 2 * d->fade_frames + 2 * SE_EQ_TICK;
        d->active = k;
    }
    return true;
}

void semeq_lv2_dsp_set_enabled(semeq_lv2_dsp *d, bool enabled)
{
    ramp_to(&d->mix, enabled ? 1.0f : 0.0f, d->fade_frames);
}

void semeq_lv2_dsp_set_gain_db(semeq_lv2_dsp *d, float gain_db)
{
    ramp_to(&d->gain, gain_of(gain_db), d->fade_frames);
}

/* wet = EQ(wet) for n frames; silence on a non-finite output (the core cleared its state). */
static void equalise(semeq_lv2_dsp *d, uint32_t n)
{
    se_status st = SE_OK;
    int other = !d->active;
    if (d->other_busy > 0) {
        st = se_eq_proc_run(d->proc[other], d->wet, n);
        d->other_busy -= n;
        if (d->other_busy <= 0) {
            d->other_busy = 0;
            se_eq_proc_reset(d->proc[other]);
        }
    }
    if (st == SE_OK) st = se_eq_proc_run(d->proc[d->active], d->wet, n);
    if (st != SE_OK) {
        memset(d->wet, 0, sizeof(float) * n * (size_t)d->channels);
        d->silenced_chunks++;
    }
}

static inline float finite_or_zero(float v) { return isfinite(v) ? v : 0.0f; }

/* out = mix * gain * wet + (1 - mix) * dry, exact in the steady states. */
static void mix_out(semeq_lv2_dsp *d, float *const *out, uint32_t at, uint32_t n)
{
    const int ch = d->channels;
    if (d->mix.left == 0 && d->gain.left == 0) {
        const float *src = d->mix.value == 1.0f ? d->wet : d->dry;
        const float g = d->mix.value == 1.0f ? d->gain.value : 1.0f;
        if (d->mix.value == 1.0f || d->mix.value == 0.0f) {
            for (int c = 0; c < ch; c++)
                for (uint32_t f = 0; f < n; f++) out[c][at + f] = finite_or_zero(src[f * ch + c] * g);
            return;
        }
    }
    for (uint32_t f = 0; f < n; f++) {
        const float m = ramp_next(&d->mix), g = ramp_next(&d->gain);
        for (int c = 0; c < ch; c++) {
            float v = m * (g * d->wet[f * ch + c]) + (1.0f - m) * d->dry[f * ch + c];
            out[c][at + f] = finite_or_zero(v);
        }
    }
}

void semeq_lv2_dsp_run(semeq_lv2_dsp *d, const float *const *in, float *const *out, uint32_t frames)
{
    const int ch = d->channels;
    for (uint32_t at = 0; at < frames;) {
        uint32_t n = frames - at < SEMEQ_LV2_CHUNK ? frames - at : SEMEQ_LV2_CHUNK;
        for (int c = 0; c < ch; c++)
            for (uint32_t f = 0; f < n; f++) d->dry[f * ch + c] = finite_or_zero(in[c][at + f]);
        memcpy(d->wet, d->dry, sizeof(float) * n * (size_t)ch);
        equalise(d, n);
        mix_out(d, out, at, n);
        at += n;
    }
}
