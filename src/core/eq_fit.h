/* Fitting the SAFE 5-band parametric EQ to any target magnitude response.
 *
 * Least squares on the dB response with Levenberg-Marquardt and an analytic Jacobian
 * (eq_fit_band.c). The unknowns are gains in dB, log-frequencies and log-Qs (so that a step
 * means the same thing at 50 Hz and at 5 kHz), kept inside box bounds by projection. The
 * problem has local minima (three interchangeable peaking bands), so the fit is started
 * from a few initial guesses and the best result is kept.
 *
 * By default (se_fit_defaults) the result is a setting a person could dial into SAFE's
 * plug-in: every parameter inside SAFE's ranges (SE_FIT_SAFE_LO/HI: gains +-12 dB, the
 * per-band frequency ranges of the data README, Q 0.1-10; shelves have Q 1/sqrt 2), and no
 * pair of bands that spends a large gain cancelling each other. That second part is a
 * penalty, added to the least-squares sum as one residual per grid frequency f:
 *
 *     cancel(f) = (sum_k |d_k(f)| - |sum_k d_k(f)|) / 2      (d_k: band k's response in dB)
 *     residual  = cancel_weight * max(0, cancel(f) - cancel_free_db)
 *
 * cancel(f) is zero when every band pushes the same way at f and equals the gain that is
 * cancelled when they oppose (+14 dB at 558 Hz on top of -17.6 dB at 427 Hz gives about
 * 12 dB around 490 Hz). Measured in the response rather than on the parameters, it needs no
 * notion of which bands are "adjacent" (a shelf overlaps every peak on its plateau, two
 * peaks overlap according to their Qs), and it lets small opposing moves that shape a curve
 * (a tilt, a notch beside a shelf) cost nothing below cancel_free_db. Being in dB like the
 * other residuals, its weight reads as "1 dB cancelled beyond the free amount costs as much
 * as cancel_weight dB of misfit at that frequency".
 *
 *   double params[13], work[SE_FIT_WORK_PER_POINT * 40]; se_fit_report rep;
 *   se_status st = se_fit_safe(freqs, target_db, 40, 44100, &se_fit_defaults, work, params, &rep);
 *   // rep.max_err_db is the largest |fit - target| over the grid
 *
 * No allocation: the caller passes se_fit_work_size(n) doubles of scratch. */
#ifndef SE_EQ_FIT_H
#define SE_EQ_FIT_H

#include <stddef.h>

#include "status.h"

/* The unconstrained box (SE_FIT_WIDE): gains +-24 dB, every frequency 20 Hz-20 kHz. */
#define SE_FIT_WIDE_GAIN_MAX 24.0
#define SE_FIT_FMIN 20.0
#define SE_FIT_FMAX 20000.0 /* every upper frequency bound is also capped at 0.45 * fs */
#define SE_FIT_QMIN 0.1
#define SE_FIT_QMAX 10.0
#define SE_FIT_MAX_POINTS 100000

/* SAFE's ranges per parameter, in the column order of filterbank.h (the Q entries of the
 * shelves' columns do not exist: shelves have 13 - 11 = 2 parameters each). */
extern const double SE_FIT_SAFE_LO[13], SE_FIT_SAFE_HI[13];

typedef enum se_fit_bounds {
    SE_FIT_SAFE_RANGES, /* SE_FIT_SAFE_LO / HI */
    SE_FIT_WIDE,        /* the fitter before ranges were imposed (for comparisons) */
} se_fit_bounds;

typedef struct se_fit_opts {
    se_fit_bounds bounds;
    double cancel_weight;  /* 0 turns the penalty off */
    double cancel_free_db; /* cancelled gain up to this many dB costs nothing */
} se_fit_opts;

/* SAFE ranges and the cancellation penalty (the values are explained in eq_fit.c). */
extern const se_fit_opts se_fit_defaults;
/* No ranges beyond the wide box, no penalty: the unconstrained fit, for comparisons. */
extern const se_fit_opts se_fit_unconstrained;

typedef struct se_fit_report {
    double max_err_db; /* max over the grid of |response - target| */
    double rms_err_db;
    double cancel_db; /* max over the grid of cancel(f): gain the bands spend cancelling */
    int iterations;   /* LM iterations of the best start */
} se_fit_report;

/* Doubles of scratch per grid point, and for a grid of n points. */
#define SE_FIT_WORK_PER_POINT 31
size_t se_fit_work_size(int n);

/* freqs (Hz, each in (0, fs/2)) and target_db have 1 <= n <= SE_FIT_MAX_POINTS entries;
 * work holds se_fit_work_size(n) doubles. On success params holds the 13 SAFE parameters in
 * the column order of filterbank.h, each inside the bounds of opts. SE_EARG for a bad
 * argument (nothing written); SE_EINTR if an interrupt was requested (interrupt.h) before
 * the fit ended. */
se_status se_fit_safe(const double *freqs, const double *target_db, int n, double fs, const se_fit_opts *opts,
                      double *work, double params[13], se_fit_report *report);

/* cancel(f) of the header for a setting (max over the n frequencies). */
se_status se_fit_cancel_db(const double params[13], const double *freqs, int n, double fs, double *max_cancel);

#endif
