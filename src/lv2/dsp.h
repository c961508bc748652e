/* The audio path of the plug-in: the EQ (the core's block-size-invariant processor,
 * src/core/eq_proc.h), the bypass crossfade and the output gain.
 *
 *   input -> [NaN/Inf replaced by 0] -> dry
 *   wet = EQ(dry)                         (during a change: a crossfade of two EQs)
 *   out = mix * gain * wet + (1 - mix) * dry      mix 0..1 follows `enabled`
 *
 * In steady state (no crossfade, no gain ramp) the output is exactly the EQ's output times
 * the gain (exactly the EQ's output at 0 dB), or exactly the input when bypassed: with
 * controls that do not move, the plug-in writes what scripts/apply.lua writes.
 *
 * How a new EQ setting comes in: by crossfading the outputs of two processors over
 * SEMEQ_LV2_FADE_S, not by ramping the parameters of one (the core's smoothing). The
 * settings a curve model gives are least-squares fits that jump between band layouts as
 * `amount` moves (a peak at 200 Hz becomes a shelf at 550 Hz); ramping parameters between
 * two such layouts sweeps filters across the spectrum and made steps twice as large as
 * the signal's own on a sine (spec/lv2/test_lv2.c, (c)). A crossfade of two fixed EQs
 * never steps further than either EQ's output does, plus 1/fade of their difference. The
 * processor fading in starts from the state it reaches on the last SEMEQ_LV2_PREROLL_S of
 * input (kept in a ring buffer), so it does not start with the transient of a filter
 * switched on mid-signal. A setting that arrives during a crossfade waits for its end
 * (the latest one wins): settings follow automation every 20 ms at most.
 *
 * Each processor is of one kind (SAFE 5-band or 40-band graphic); there are two of each
 * kind, so a model of the other kind swaps in the same way, without allocating.
 *
 * Non-finite output: the core stops on a NaN or Inf output sample and clears its filter
 * state; the plug-in then writes silence for that chunk (at most SEMEQ_LV2_CHUNK frames)
 * and carries on from the cleared state. Any output sample that is still not finite (an
 * input near FLT_MAX times a boost) is written as 0. Nothing non-finite leaves the plug-in.
 *
 * Everything but init, reset and free is real-time safe: no allocation, no lock, no I/O. */
#ifndef SEMEQ_LV2_DSP_H
#define SEMEQ_LV2_DSP_H

#include <stdbool.h>
#include <stdint.h>

#include "eq_proc.h"
#include "semeq.h"

#define SEMEQ_LV2_MAX_CHANNELS 2
#define SEMEQ_LV2_CHUNK 128
/* Crossfade time of EQ changes, bypass and output gain, in seconds. */
#define SEMEQ_LV2_FADE_S 0.02
/* Input a processor runs on before it fades in, in seconds. */
#define SEMEQ_LV2_PREROLL_S 0.05

typedef struct semeq_lv2_ramp {
    float value, target, step;
    int64_t left; /* samples to go; 0: value == target */
} semeq_lv2_ramp;

typedef struct semeq_lv2_path {
    se_eq_proc *proc;
    semeq_eq eq; /* its setting */
} semeq_lv2_path;

typedef struct semeq_lv2_dsp {
    int channels;
    double fs;
    int64_t fade_frames;
    semeq_lv2_path path[2][2]; /* [kind][slot], kind as se_fb_kind */
    semeq_lv2_path *heard;     /* the EQ heard (the one fading out during a crossfade) */
    semeq_lv2_path *coming;    /* the EQ fading in, NULL when not crossfading */
    semeq_lv2_ramp fade;       /* 0: heard, 1: coming */
    bool has_waiting;
    semeq_eq waiting; /* the next setting, after the crossfade under way */
    semeq_lv2_ramp mix, gain;
    uint64_t silenced_chunks; /* chunks written as silence after a non-finite output */
    float *history, *preroll; /* ring of the last history_len dry frames; its copy */
    int64_t history_len, history_fill, history_pos;
    float dry[SEMEQ_LV2_CHUNK * SEMEQ_LV2_MAX_CHANNELS];
    float wet[SEMEQ_LV2_CHUNK * SEMEQ_LV2_MAX_CHANNELS];
    float wet2[SEMEQ_LV2_CHUNK * SEMEQ_LV2_MAX_CHANNELS];
} semeq_lv2_dsp;

/* Allocates the processors (flat EQ) and buffers. SE_EARG for a bad rate or channel count. */
se_status semeq_lv2_dsp_init(semeq_lv2_dsp *d, int channels, double fs);
void semeq_lv2_dsp_free(semeq_lv2_dsp *d);
/* activate(): start from silence with this EQ (NULL: flat; no crossfade), bypass state and
 * gain. May allocate (it recreates the processors); on failure the old ones are kept. */
se_status semeq_lv2_dsp_reset(semeq_lv2_dsp *d, const semeq_eq *eq, bool enabled, float gain_db);

/* Real-time: crossfade to a new EQ. false if the setting does not fit this sample rate
 * even clamped (then nothing changes). */
bool semeq_lv2_dsp_set_eq(semeq_lv2_dsp *d, const semeq_eq *eq);
void semeq_lv2_dsp_set_enabled(semeq_lv2_dsp *d, bool enabled);
void semeq_lv2_dsp_set_gain_db(semeq_lv2_dsp *d, float gain_db);
/* Real-time: in[c] and out[c] (c < channels) may be the same buffers. */
void semeq_lv2_dsp_run(semeq_lv2_dsp *d, const float *const *in, float *const *out, uint32_t frames);

#endif
