/* Fitting the SAFE 5-band parametric EQ to any target magnitude response.
 *
 * Least squares on the dB response with Levenberg-Marquardt and a forward-difference
 * Jacobian. The unknowns are gains in dB, log-frequencies and log-Qs (so that a step
 * means the same thing at 50 Hz and at 5 kHz), kept inside box bounds by projection.
 * The problem has local minima (three interchangeable peaking bands), so the fit is
 * started from a few initial guesses and the best result is kept.
 *
 *   double params[13]; se_fit_report rep;
 *   se_status st = se_fit_safe(freqs, target_db, n, 44100, params, &rep);
 *   // rep.max_err_db is the largest |fit - target| over the grid */
#ifndef SE_EQ_FIT_H
#define SE_EQ_FIT_H

#include "status.h"

/* Bounds of the fit (FlowEQ's ranges widened to the whole audio band). */
#define SE_FIT_GAIN_MAX 24.0
#define SE_FIT_FMIN 20.0
#define SE_FIT_FMAX 20000.0   /* also capped at 0.45 * fs */
#define SE_FIT_QMIN 0.1
#define SE_FIT_QMAX 10.0

typedef struct se_fit_report {
    double max_err_db;   /* max over the grid of |response - target| */
    double rms_err_db;
    int iterations;      /* LM iterations of the best start */
} se_fit_report;

/* freqs (Hz, each in (0, fs/2)) and target_db have n >= 1 entries. On success params
 * holds the 13 SAFE parameters in the column order of filterbank.h. SE_EINTR if an interrupt
 * was requested (interrupt.h) before the fit ended. */
se_status se_fit_safe(const double *freqs, const double *target_db, int n, double fs,
                      double params[13], se_fit_report *report);

#endif
