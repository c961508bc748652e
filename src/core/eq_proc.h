/* Running a filterbank over audio: float32 frames, any channel count, in blocks.
 *
 * The state of every biquad of every channel is carried from one call to the next,
 * and all time-dependent work (parameter ramps, flushing tiny state values to zero)
 * happens on a fixed grid of SE_EQ_TICK frames counted from the start of the stream,
 * never at block boundaries: so the output does not depend on how the caller cuts
 * the audio into blocks.
 *
 * When parameters change (se_eq_proc_set) and smoothing is on, the processor ramps
 * from the old to the new parameters over smooth_frames: gains linearly in dB,
 * frequencies and Qs linearly in log, redesigning the biquads every SE_EQ_TICK frames.
 * That removes the clicks ("zipper noise") of an abrupt coefficient switch.
 *
 * Make-up gain (makeup = true): the output is scaled by 10^(-max(0, peak dB)/20),
 * where peak dB is the largest response of the filterbank, so boosts do not raise the
 * level. The processor also records the largest |sample| it has written (peak); a NaN
 * written makes the peak NaN, so a meter cannot miss it.
 *
 * Output is never non-finite without notice: a NaN or Inf output sample (from such an input,
 * or a finite input too large for the gain) stops the run with SE_ERANGE after the tick
 * that made it; se_eq_proc_bad_sample() says where, the filter state is cleared (the next
 * call starts from silence) and the peak stays NaN/Inf until se_eq_proc_reset(). Long runs
 * poll the interrupt flag (interrupt.h) every 65536 frames and return SE_EINTR.
 *
 *   se_eq_proc *p;
 *   se_fb_error e;
 *   se_eq_proc_new(&p, SE_FB_SAFE, params, 44100, 2, 0.02 * 44100, false, &e);
 *   se_eq_proc_run(p, interleaved, frames);       // in place, [frames x 2]
 *   se_eq_proc_set(p, new_params, &e);           // ramps over 20 ms
 *   se_eq_proc_free(p); */
#ifndef SE_EQ_PROC_H
#define SE_EQ_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "filterbank.h"
#include "status.h"

#define SE_EQ_TICK 32

typedef struct se_eq_proc se_eq_proc;

/* params: se_fb_nparams(kind) values, checked like se_fb_design (no clamping here:
 * clamp before if needed). smooth_frames 0 switches parameters at the next tick. On
 * SE_EARG err says what was wrong (channels < 1 and smooth_frames < 0 included). */
se_status se_eq_proc_new(se_eq_proc **out, se_fb_kind kind, const double *params, double fs, int channels,
                         int64_t smooth_frames, bool makeup, se_fb_error *err);
void se_eq_proc_free(se_eq_proc *p);

/* New target parameters (checked; on error nothing changes). */
se_status se_eq_proc_set(se_eq_proc *p, const double *params, se_fb_error *err);
/* Filters frames x channels interleaved floats in place: SE_OK, SE_ERANGE (a non-finite
 * output, see above) or SE_EINTR. */
se_status se_eq_proc_run(se_eq_proc *p, float *x, int64_t frames);
/* Same for any layout: sample (f, c) is x[f * frame_stride + c * channel_stride]
 * (planar audio: frame_stride 1, channel_stride = frames of a channel buffer). */
se_status se_eq_proc_run_strided(se_eq_proc *p, float *x, int64_t frames, int64_t frame_stride, int64_t channel_stride);
/* Where the last SE_ERANGE came from: frame counted from the start of the stream, channel
 * 0-based. */
void se_eq_proc_bad_sample(const se_eq_proc *p, int64_t *frame, int *channel);
/* Clears the filter state and the peak (e.g. before a new file); parameters stay. */
void se_eq_proc_reset(se_eq_proc *p);

double se_eq_proc_peak(const se_eq_proc *p);      /* largest |output sample| so far */
double se_eq_proc_makeup_db(const se_eq_proc *p); /* current make-up gain in dB (<= 0) */
int64_t se_eq_proc_position(const se_eq_proc *p); /* frames processed */

#endif
