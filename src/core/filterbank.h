/* The two EQ filterbanks of semeq, as cascades of cookbook biquads.
 *
 *   safe       SAFE-DB 5-band parametric EQ, 13 parameters:
 *                [1] low-shelf gain dB   [2] low-shelf freq Hz
 *                [3] peak-1 gain dB      [4] peak-1 freq Hz    [5] peak-1 Q
 *                [6..8] peak 2, [9..11] peak 3 (gain, freq, Q)
 *                [12] high-shelf gain dB [13] high-shelf freq Hz
 *              Shelves use slope S = 1 (Q = 1/sqrt 2), as the SAFE plug-in does.
 *   graphic40  40 peaking biquads, Q = 4.31, at Audealize's centre frequencies;
 *              40 parameters, the gains in dB.
 *
 * Parameters are checked: a frequency must lie in (0, fs/2), a Q must be > 0, a gain
 * within +-SE_BIQUAD_MAX_GAIN_DB, every value must be finite, and fs in (0, SE_FB_MAX_FS]. A failed check fills se_fb_error (which band, which
 * parameter, the value) so that the caller can say exactly what was wrong. In clamp
 * mode (meant for the outputs of a model, which may stray) values are pulled into
 * SE_FB_CLAMP_* ranges instead; NaN is still an error because clamping it would
 * hide a bug upstream.
 *
 *   se_cascade c; se_fb_error e;
 *   if (se_fb_design(&c, SE_FB_SAFE, params, 44100, false, &e) != SE_OK)
 *       printf("%s %s = %g: %s\n", e.band, e.param, e.value, e.reason);
 *   se_cascade_db(&c, 44100, freqs, nfreq, out); */
#ifndef SE_FILTERBANK_H
#define SE_FILTERBANK_H

#include <stdbool.h>
#include <stdint.h>

#include "biquad.h"
#include "status.h"

#define SE_SAFE_NPARAMS 13
#define SE_G40_NBANDS 40
#define SE_FB_MAX_BIQUADS 40
#define SE_G40_Q 4.31
#define SE_SHELF_Q 0.70710678118654752440

/* Clamp-mode ranges: frequency in [SE_FB_CLAMP_FMIN Hz, SE_FB_CLAMP_FMAX_NYQ * fs/2],
 * Q in [SE_FB_CLAMP_QMIN, SE_FB_CLAMP_QMAX], gain in +-SE_FB_CLAMP_GAIN dB. */
#define SE_FB_CLAMP_FMIN 10.0
#define SE_FB_CLAMP_FMAX_NYQ 0.98
#define SE_FB_CLAMP_QMIN 0.1
#define SE_FB_CLAMP_QMAX 10.0
#define SE_FB_CLAMP_GAIN 24.0

/* Highest sample rate accepted (Hz): far above audio rates; beyond, frame counts derived
 * from it (smoothing times) stop being representable. */
#define SE_FB_MAX_FS 1e7

typedef enum se_fb_kind { SE_FB_SAFE, SE_FB_GRAPHIC40 } se_fb_kind;

typedef struct se_cascade {
    int n;
    se_biquad bq[SE_FB_MAX_BIQUADS];
} se_cascade;

/* What was wrong with a parameter vector (all strings static). */
typedef struct se_fb_error {
    int index;         /* 0-based parameter index */
    const char *band;  /* "low shelf", "peak 2", "band 17 (843 Hz)" ... */
    const char *param; /* "gain", "frequency", "Q" */
    double value;
    const char *reason; /* "is not finite", "must be below Nyquist" ... */
} se_fb_error;

/* Audealize's 40 centre frequencies in Hz. */
extern const double se_g40_freqs[SE_G40_NBANDS];

se_status se_fb_kind_from_name(const char *name, se_fb_kind *kind);
int se_fb_nparams(se_fb_kind kind);

/* Checks params (or clamps them in place when clamp is true); SE_EARG with err filled. */
se_status se_fb_check(se_fb_kind kind, double *params, double fs, bool clamp, se_fb_error *err);
/* Checks (see above) then designs the cascade. params is modified only in clamp mode. */
se_status se_fb_design(se_cascade *c, se_fb_kind kind, double *params, double fs, bool clamp, se_fb_error *err);

/* Response in dB of the cascade at nfreq frequencies (Hz); out[i] float. */
void se_cascade_db(const se_cascade *c, double fs, const float *freqs, int64_t nfreq, float *out);
/* Same with phi[i] = sin^2(w_i / 2) precomputed (se_biquad_phi). */
void se_cascade_db_phi(const se_cascade *c, const double *phi, int64_t nfreq, float *out);
/* Largest response in dB over a log grid from 20 Hz to 0.95 * fs/2 (for make-up gain). */
double se_cascade_max_db(const se_cascade *c, double fs);

/* Batched responses: params [batch x nparams] floats, freqs [nfreq] Hz, out [batch x nfreq].
 * cos_buf needs nfreq doubles (caller-owned scratch, so the core keeps no state).
 * On a bad row, *bad_row is its 0-based index and err says why. SE_EINTR if an interrupt was
 * requested (interrupt.h). */
se_status se_fb_response(se_fb_kind kind, const float *params, int64_t batch, const float *freqs, int64_t nfreq,
                         double fs, bool clamp, double *cos_buf, float *out, int64_t *bad_row, se_fb_error *err);

/* Audealize's mapping of a 40-value word curve to gains in dB: min-max normalise to
 * [-1, 1], then multiply by 5 * amount. A flat curve (max == min) maps to 0 dB. Gains past
 * SE_BIQUAD_MAX_GAIN_DB (|amount| > 12) are refused by the designs that use them. */
void se_audealize_gains(const double *curve, double amount, double *gains_db);

#endif
