/* Biquad filters from Robert Bristow-Johnson's "Audio EQ Cookbook".
 *
 * Coefficients are designed in double and normalised so that a0 == 1. Audio runs
 * through transposed direct form II with the two state variables in double, which
 * keeps low-frequency, high-Q sections quiet (float state would add audible noise
 * at 20 Hz / 48 kHz).
 *
 *   se_biquad bq;
 *   if (se_biquad_design(&bq, SE_BQ_PEAK, 48000, 1000, 6.0, 0.707) != SE_OK) ...;
 *   double db = se_biquad_db(&bq, 48000, 1000);   // 6.0
 *   double s[2] = {0, 0};
 *   se_biquad_run(&bq, s, buf, n, 1);             // in place, float audio
 *
 * Parameter meaning per kind (gain is ignored by the pass/notch kinds):
 *   PEAK       gain dB at freq, bandwidth from q
 *   LOWSHELF   gain dB below freq (freq is the shelf midpoint), q sets the slope
 *   HIGHSHELF  gain dB above freq; q = 1/sqrt(2) is the cookbook's slope S = 1
 *   LOWPASS/HIGHPASS  -3 dB-ish corner at freq (exactly -3.01 dB for q = 1/sqrt(2))
 *   BANDPASS   constant 0 dB peak gain at freq
 *   NOTCH      zero at freq */
#ifndef SE_BIQUAD_H
#define SE_BIQUAD_H

#include <math.h>
#include <stdint.h>

#include "status.h"

typedef enum se_biquad_kind {
    SE_BQ_PEAK,
    SE_BQ_LOWSHELF,
    SE_BQ_HIGHSHELF,
    SE_BQ_LOWPASS,
    SE_BQ_HIGHPASS,
    SE_BQ_BANDPASS,
    SE_BQ_NOTCH
} se_biquad_kind;

/* H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2) */
typedef struct se_biquad {
    double b0, b1, b2, a1, a2;
} se_biquad;

/* Parses "peak"/"peaking", "lowshelf", "highshelf", "lowpass", "highpass", "bandpass",
 * "notch"; returns SE_EARG for anything else. */
se_status se_biquad_kind_from_name(const char *name, se_biquad_kind *kind);
const char *se_biquad_kind_name(se_biquad_kind kind);

/* Largest |gain| a design accepts: 60 dB is a factor of 1000 in amplitude, past anything an
 * EQ is asked for; far beyond it the coefficients overflow (Audealize's mapping of an
 * absurd amount gave NaN filters, written as full-scale DC). */
#define SE_BIQUAD_MAX_GAIN_DB 60.0

/* SE_EARG unless fs > 0, 0 < freq < fs/2, q > 0, |gain_db| <= SE_BIQUAD_MAX_GAIN_DB, all
 * values finite, and the coefficients come out finite. */
se_status se_biquad_design(se_biquad *bq, se_biquad_kind kind, double fs, double freq, double gain_db, double q);

/* The identity filter (b0 = 1). */
void se_biquad_identity(se_biquad *bq);

/* phi = sin^2(w/2) for normalised angular frequency w (see se_biquad_mag2_phi). */
static inline double se_biquad_phi(double w)
{
    double s = sin(0.5 * w);
    return s * s;
}

/* |H|^2 given phi = sin^2(w/2), in the cookbook's form
 *   (b0+b1+b2)^2 - 4 (b0 b1 + 4 b0 b2 + b1 b2) phi + 16 b0 b2 phi^2   over the same in a.
 * The expansion in cos(w), cos(2w) cancels catastrophically at low frequencies
 * (0.01 dB off at 10 Hz / 96 kHz); this form keeps full precision there. Callers
 * that evaluate many filters on one grid compute phi once per frequency. */
static inline double se_biquad_mag2_phi(const se_biquad *bq, double phi)
{
    double bs = bq->b0 + bq->b1 + bq->b2, as = 1.0 + bq->a1 + bq->a2;
    double num = bs * bs - 4.0 * (bq->b0 * bq->b1 + 4.0 * bq->b0 * bq->b2 + bq->b1 * bq->b2) * phi +
        16.0 * bq->b0 * bq->b2 * phi * phi;
    double den = as * as - 4.0 * (bq->a1 + 4.0 * bq->a2 + bq->a1 * bq->a2) * phi + 16.0 * bq->a2 * phi * phi;
    return num / den;
}

/* Magnitude response in dB at freq Hz (a zero of the response gives -inf... clipped
 * to -400 dB so that sums stay finite). */
double se_biquad_db(const se_biquad *bq, double fs, double freq);

/* Filters n samples in place, stride floats apart, with state s[2] carried across calls. */
void se_biquad_run(const se_biquad *bq, double s[2], float *x, int64_t n, int64_t stride);

#endif
