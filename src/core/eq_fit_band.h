/* One band of the SAFE EQ with its derivatives, for the least-squares fitter (eq_fit.c).
 *
 * The fitter's unknowns per band are the gain in dB, ln(frequency) and ln(Q); this file
 * gives a band's response in dB at a frequency together with its partial derivatives in
 * those coordinates, in closed form (the cookbook formulas differentiated by hand), so that
 * a Jacobian costs about as much as one evaluation of the response instead of 14.
 *
 * The magnitude is evaluated with the raw (not a0-normalised) coefficients: |H|^2 =
 * P(b) / P(a) with P(c) = (c0+c1+c2)^2 - 4 (c0 c1 + 4 c0 c2 + c1 c2) phi + 16 c0 c2 phi^2,
 * phi = sin^2(w/2) (the form of se_biquad_mag2_phi, accurate at low frequencies; P is
 * homogeneous of degree 2, so the normalisation by a0 cancels).
 *
 *   se_fit_band b;
 *   se_fit_band_design(&b, SE_BQ_PEAK, 44100, 1000, 6.0, 1.0);
 *   double d[3], db = se_fit_band_db(&b, se_biquad_phi(w), d);   // d: d dB/d(gain, ln f, ln Q) */
#ifndef SE_EQ_FIT_BAND_H
#define SE_EQ_FIT_BAND_H

#include "biquad.h"
#include "status.h"

/* |H|^2 = num / den with num = P(b), den = P(a), each written as S - T phi + U phi^2
 * (S = (c0+c1+c2)^2, T = 4 (c0 c1 + 4 c0 c2 + c1 c2), U = 16 c0 c2), so that a frequency
 * costs a few multiplications; the derivatives of S, T, U are kept the same way. */
typedef struct se_fit_band {
    double poly[2][3];     /* [num, den][S, T, U] */
    double dpoly[3][2][3]; /* d poly / d (gain dB, ln f, ln Q); the Q row is zero for shelves */
} se_fit_band;

/* kind is SE_BQ_PEAK, SE_BQ_LOWSHELF or SE_BQ_HIGHSHELF; SE_EARG for anything else or for
 * parameters se_biquad_design would refuse. */
se_status se_fit_band_design(se_fit_band *b, se_biquad_kind kind, double fs, double freq, double gain_db, double q);

/* num and den of |H|^2 at phi = sin^2(w/2) (each floored at 1e-300, which only a degenerate
 * band reaches); with dnum/dden != NULL also their derivatives in the three coordinates. */
static inline void se_fit_band_eval(const se_fit_band *b, double phi, double *num, double *den, double dnum[3],
                                    double dden[3])
{
    double p2 = phi * phi;
    double n = b->poly[0][0] - b->poly[0][1] * phi + b->poly[0][2] * p2;
    double d = b->poly[1][0] - b->poly[1][1] * phi + b->poly[1][2] * p2;
    *num = n > 1e-300 ? n : 1e-300;
    *den = d > 1e-300 ? d : 1e-300;
    if (dnum)
        for (int c = 0; c < 3; c++) {
            const double(*dp)[3] = b->dpoly[c];
            dnum[c] = dp[0][0] - dp[0][1] * phi + dp[0][2] * p2;
            dden[c] = dp[1][0] - dp[1][1] * phi + dp[1][2] * p2;
        }
}

/* The band's response in dB at phi; with d != NULL also its three partial derivatives
 * (dB per dB of gain, per unit of ln f, per unit of ln Q). */
double se_fit_band_db(const se_fit_band *b, double phi, double d[3]);

#endif
