/* The audio path of the plug-in: the EQ (the core's block-size-invariant processor with
 * its parameter ramps, src/core/eq_proc.h), the bypass crossfade and the output gain.
 *
 *   input -> [replace NaN/Inf by 0] -> dry
 *   dry -> EQ -> wet
 *   out = mix * gain * wet + (1 - mix) * dry      mix 0..1 (enabled), gain from output_gain
 *
 * In steady state (no crossfade, no gain ramp) the output is exactly the EQ's output times
 * the gain (exactly the EQ's output at 0 dB), or exactly the input when bypassed, so that
 * the plug-in gives what scripts/apply.lua gives. Changes ramp linearly over
 * SEMEQ_LV2_FADE_S: the crossfade (click-free bypass), the output gain, and the EQ's
 * parameters (the core's smoothing: gains linearly in dB, frequencies and Qs in log).
 *
 * A model decodes either SAFE 5-band settings or 40-band graphic EQs; the path owns one
 * processor of each kind so that a model of the other kind can be swapped in without
 * allocating: the old kind's processor ramps to flat while the new one ramps in, both in
 * series, then the old one is left idle.
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
/* Ramp time of parameter changes, bypass and output gain, in seconds. */
#define SEMEQ_LV2_FADE_S 0.02

typedef struct semeq_lv2_ramp {
    float value, target, step;
    int64_t left;          /* samples to go; 0: value == target */
} semeq_lv2_ramp;

typedef struct semeq_lv2_dsp {
    int channels;
    double fs;
    int64_t fade_frames;
    se_eq_proc *proc[2];   /* indexed by se_fb_kind */
    int active;            /* the kind of the EQ in use */
    int64_t other_busy;    /* frames the other kind's processor still ramps to flat */
    semeq_lv2_ramp mix, gain;
    uint64_t silenced_chunks;   /* chunks written as silence after a non-finite output */
    float dry[SEMEQ_LV2_CHUNK * SEMEQ_LV2_MAX_CHANNELS];
    float wet[SEMEQ_LV2_CHUNK * SEMEQ_LV2_MAX_CHANNELS];
} semeq_lv2_dsp;

/* Allocates the processors (flat EQ). SE_EARG for a bad rate or channel count. */
se_status semeq_lv2_dsp_init(semeq_lv2_dsp *d, int channels, double fs);
void semeq_lv2_dsp_free(semeq_lv2_dsp *d);
/* activate(): start from silence with this EQ (no ramp), bypass state and gain. May
 * allocate (it recreates the processors); on failure the old ones are kept. */
se_status semeq_lv2_dsp_reset(semeq_lv2_dsp *d, const semeq_eq *eq, bool enabled, float gain_db);

/* Real-time: ramp to a new EQ. false if the setting does not fit this sample rate even
 * clamped (then nothing changes). */
bool semeq_lv2_dsp_set_eq(semeq_lv2_dsp *d, const semeq_eq *eq);
void semeq_lv2_dsp_set_enabled(semeq_lv2_dsp *d, bool enabled);
void semeq_lv2_dsp_set_gain_db(semeq_lv2_dsp *d, float gain_db);
/* Real-time: in[c] and out[c] (c < channels) may be the same buffers. */
void semeq_lv2_dsp_run(semeq_lv2_dsp *d, const float *const *in, float *const *out, uint32_t frames);

#endif
