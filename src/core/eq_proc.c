#include "eq_proc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"

struct se_eq_proc {
    se_fb_kind kind;
    int np, channels;
    double fs;
    int64_t smooth_frames;
    bool makeup;
    double cur[SE_FB_MAX_BIQUADS], from[SE_FB_MAX_BIQUADS], to[SE_FB_MAX_BIQUADS];
    int64_t ramp_len, ramp_pos;      /* ramp_pos == ramp_len: not ramping */
    double gain, gain_from, gain_to; /* linear make-up gain */
    bool pending;                    /* new parameters wait for the next tick */
    se_cascade casc;
    int64_t pos; /* frames processed */
    double peak;
    double *state;     /* [channels][casc.n][2] */
    int64_t bad_frame; /* first non-finite output of the last run, -1 if none */
    int bad_channel;
};

/* Whether parameter i of kind is interpolated in log (frequencies and Qs). */
static bool is_log(se_fb_kind kind, int i)
{
    if (kind != SE_FB_SAFE)
        return false;
    return !(i == 0 || i == 2 || i == 5 || i == 8 || i == 11);
}

static double makeup_gain(const se_eq_proc *p, const se_cascade *c)
{
    if (!p->makeup)
        return 1.0;
    double mx = se_cascade_max_db(c, p->fs);
    return mx > 0.0 ? pow(10.0, -mx / 20.0) : 1.0;
}

se_status se_eq_proc_new(se_eq_proc **out, se_fb_kind kind, const double *params, double fs, int channels,
                         int64_t smooth_frames, bool makeup, se_fb_error *err)
{
    *out = NULL;
    if (channels < 1 || smooth_frames < 0) {
        err->index = -1;
        err->band = channels < 1 ? "channels" : "smoothing";
        err->param = channels < 1 ? "count" : "frames";
        err->value = channels < 1 ? channels : (double)smooth_frames;
        err->reason = channels < 1 ? "must be at least 1" : "must be >= 0";
        return SE_EARG;
    }
    se_eq_proc *p = calloc(1, sizeof *p);
    if (!p)
        return SE_ENOMEM;
    p->kind = kind;
    p->np = se_fb_nparams(kind);
    p->channels = channels;
    p->fs = fs;
    p->smooth_frames = smooth_frames;
    p->makeup = makeup;
    memcpy(p->cur, params, sizeof(double) * p->np);
    se_status st = se_fb_design(&p->casc, kind, p->cur, fs, false, err);
    if (st != SE_OK) {
        free(p);
        return st;
    }
    p->state = calloc((size_t)channels * p->casc.n * 2, sizeof(double));
    if (!p->state) {
        free(p);
        return SE_ENOMEM;
    }
    p->gain = p->gain_to = makeup_gain(p, &p->casc);
    p->bad_frame = -1;
    *out = p;
    return SE_OK;
}

void se_eq_proc_free(se_eq_proc *p)
{
    if (!p)
        return;
    free(p->state);
    free(p);
}

se_status se_eq_proc_set(se_eq_proc *p, const double *params, se_fb_error *err)
{
    double checked[SE_FB_MAX_BIQUADS];
    se_cascade c;
    memcpy(checked, params, sizeof(double) * p->np);
    se_status st = se_fb_design(&c, p->kind, checked, p->fs, false, err);
    if (st != SE_OK)
        return st;
    memcpy(p->from, p->cur, sizeof(double) * p->np);
    memcpy(p->to, checked, sizeof(double) * p->np);
    p->gain_from = p->gain;
    p->gain_to = makeup_gain(p, &c);
    p->pending = true;
    return SE_OK;
}

/* Runs at a tick boundary: starts a pending ramp, advances a running one. */
static void tick(se_eq_proc *p)
{
    if (p->pending) {
        p->pending = false;
        p->ramp_len = p->smooth_frames > 0 ? p->smooth_frames : 1;
        p->ramp_pos = 0;
    }
    if (p->ramp_pos < p->ramp_len) {
        p->ramp_pos += SE_EQ_TICK;
        double t = p->ramp_pos >= p->ramp_len ? 1.0 : (double)p->ramp_pos / (double)p->ramp_len;
        if (t >= 1.0)
            p->ramp_pos = p->ramp_len;
        for (int i = 0; i < p->np; i++)
            p->cur[i] = is_log(p->kind, i) ? exp(log(p->from[i]) + t * (log(p->to[i]) - log(p->from[i])))
                                           : p->from[i] + t * (p->to[i] - p->from[i]);
        if (t >= 1.0)
            memcpy(p->cur, p->to, sizeof(double) * p->np);
        se_fb_error err;
        /* from and to were both checked; the interpolation stays between them. */
        se_fb_design(&p->casc, p->kind, p->cur, p->fs, false, &err);
        p->gain = t >= 1.0 ? p->gain_to : p->gain_from * pow(p->gain_to / p->gain_from, t);
    }
    /* Decaying state in silence would end up in denormals, which are very slow. */
    int64_t ns = (int64_t)p->channels * p->casc.n * 2;
    for (int64_t i = 0; i < ns; i++)
        if (fabs(p->state[i]) < 1e-200)
            p->state[i] = 0.0;
}

/* Writes output sample v (times the make-up gain) of frame f (of the span) and channel c at
 * `at`. The peak is of what is written; the first non-finite sample (by frame, then
 * channel) is recorded. */
static inline __attribute__((always_inline)) void put_sample(se_eq_proc *p, float *at, double v, int64_t f, int c,
                                                             double *peak)
{
    float out = (float)(v * p->gain);
    if (!isfinite(out) &&
        (p->bad_frame < 0 || p->pos + f < p->bad_frame || (p->pos + f == p->bad_frame && c < p->bad_channel))) {
        p->bad_frame = p->pos + f;
        p->bad_channel = c;
    }
    if (isnan(out) || fabsf(out) > *peak)
        *peak = fabsf(out); /* NaN then stays: NaN > x is false */
    *at = out;
}

/* Channel c's frames (< one tick) through the nb biquads of the cascade. The state is copied
 * into locals for the span: with nb a constant (SAFE's 5 bands) they live in registers, and
 * each biquad's feedback is a chain of multiply-adds instead of a store and a load per
 * sample. */
static inline __attribute__((always_inline)) void run_channel(se_eq_proc *p, const int nb, int c, float *x,
                                                              int64_t frames, int64_t fstride, double *peak)
{
    const se_biquad *bq = p->casc.bq;
    double *state = p->state + (size_t)c * nb * 2, s[2 * SE_FB_MAX_BIQUADS];
    memcpy(s, state, sizeof(double) * 2 * (size_t)nb);
    for (int64_t f = 0; f < frames; f++) {
        double v = x[f * fstride];
#pragma GCC unroll 8
        for (int k = 0; k < nb; k++) {
            double y = bq[k].b0 * v + s[2 * k];
            s[2 * k] = bq[k].b1 * v - bq[k].a1 * y + s[2 * k + 1];
            s[2 * k + 1] = bq[k].b2 * v - bq[k].a2 * y;
            v = y;
        }
        put_sample(p, x + f * fstride, v, f, c, peak);
    }
    memcpy(state, s, sizeof(double) * 2 * (size_t)nb);
}

/* Two doubles, one per channel: the same arithmetic, element by element, as run_channel. */
typedef double pair __attribute__((vector_size(16)));

/* run_channel for channels c and c + 1 at once: the two recurrences interleave, and the
 * pair's operations run as one vector instruction each. Each channel gets the bits
 * run_channel would give it. */
static inline __attribute__((always_inline)) void run_pair(se_eq_proc *p, const int nb, int c, float *x, int64_t frames,
                                                           int64_t fstride, int64_t cstride, double *peak)
{
    const se_biquad *bq = p->casc.bq;
    double *state0 = p->state + (size_t)c * nb * 2, *state1 = state0 + 2 * nb;
    pair s[2 * SE_FB_MAX_BIQUADS];
    for (int i = 0; i < 2 * nb; i++)
        s[i] = (pair){state0[i], state1[i]};
    for (int64_t f = 0; f < frames; f++) {
        pair v = {x[f * fstride], x[f * fstride + cstride]};
#pragma GCC unroll 8
        for (int k = 0; k < nb; k++) {
            pair y = bq[k].b0 * v + s[2 * k];
            s[2 * k] = bq[k].b1 * v - bq[k].a1 * y + s[2 * k + 1];
            s[2 * k + 1] = bq[k].b2 * v - bq[k].a2 * y;
            v = y;
        }
        put_sample(p, x + f * fstride, v[0], f, c, peak);
        put_sample(p, x + f * fstride + cstride, v[1], f, c + 1, peak);
    }
    for (int i = 0; i < 2 * nb; i++) {
        state0[i] = s[i][0];
        state1[i] = s[i][1];
    }
}

/* Filters frames (< one tick) of all channels through the cascade, two channels at a time. */
static void run_span(se_eq_proc *p, float *x, int64_t frames, int64_t fstride, int64_t cstride)
{
    double peak = p->peak;
    const int nb = p->casc.n;
    int c = 0;
    for (; c + 2 <= p->channels; c += 2) {
        if (nb == 5) /* SAFE: the band count as a constant */
            run_pair(p, 5, c, x + c * cstride, frames, fstride, cstride, &peak);
        else
            run_pair(p, nb, c, x + c * cstride, frames, fstride, cstride, &peak);
    }
    if (c < p->channels && nb == 5)
        run_channel(p, 5, c, x + c * cstride, frames, fstride, &peak);
    else if (c < p->channels)
        run_channel(p, nb, c, x + c * cstride, frames, fstride, &peak);
    p->peak = peak;
}

se_status se_eq_proc_run_strided(se_eq_proc *p, float *x, int64_t frames, int64_t frame_stride, int64_t channel_stride)
{
    p->bad_frame = -1;
    int64_t done = 0;
    while (done < frames) {
        if (done > 0 && done % SE_INTERRUPT_STRIDE == 0 && se_interrupt_pending())
            return SE_EINTR;
        if (p->pos % SE_EQ_TICK == 0)
            tick(p);
        int64_t n = SE_EQ_TICK - p->pos % SE_EQ_TICK;
        if (n > frames - done)
            n = frames - done;
        run_span(p, x + done * frame_stride, n, frame_stride, channel_stride);
        done += n;
        p->pos += n;
        if (p->bad_frame >= 0) {
            /* Every later output would be NaN too: start the next call from silence. */
            memset(p->state, 0, sizeof(double) * (size_t)p->channels * p->casc.n * 2);
            return SE_ERANGE;
        }
    }
    return SE_OK;
}

se_status se_eq_proc_run(se_eq_proc *p, float *x, int64_t frames)
{
    return se_eq_proc_run_strided(p, x, frames, p->channels, 1);
}

void se_eq_proc_bad_sample(const se_eq_proc *p, int64_t *frame, int *channel)
{
    *frame = p->bad_frame;
    *channel = p->bad_channel;
}

void se_eq_proc_reset(se_eq_proc *p)
{
    memset(p->state, 0, sizeof(double) * (size_t)p->channels * p->casc.n * 2);
    p->peak = 0.0;
    p->pos = 0;
}

double se_eq_proc_peak(const se_eq_proc *p) { return p->peak; }
double se_eq_proc_makeup_db(const se_eq_proc *p) { return 20.0 * log10(p->gain); }
int64_t se_eq_proc_position(const se_eq_proc *p) { return p->pos; }
