/* The SAFE fitter: the closed-form band derivatives against finite differences, and the
 * fitted settings inside SAFE's ranges (src/core/eq_fit.c, eq_fit_band.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "eq_fit.h"
#include "eq_fit_band.h"
#include "filterbank.h"

/* d dB / d(gain, ln f, ln Q) of each band kind against central differences, and the dB
 * value against the cookbook biquad of biquad.c. */
static void test_band_derivatives(void)
{
    const se_biquad_kind kinds[] = {SE_BQ_PEAK, SE_BQ_LOWSHELF, SE_BQ_HIGHSHELF};
    const double fs = 44100, gains[] = {-11.0, -0.5, 3.0, 12.0}, freqs[] = {40, 700, 9000}, qs[] = {0.3, 1.0, 7.0};
    double worst = 0.0;
    for (int k = 0; k < 3; k++)
        for (int gi = 0; gi < 4; gi++)
            for (int fi = 0; fi < 3; fi++)
                for (int qi = 0; qi < 3; qi++) {
                    double q = kinds[k] == SE_BQ_PEAK ? qs[qi] : SE_SHELF_Q;
                    double x[3] = {gains[gi], log(freqs[fi]), log(q)};
                    se_fit_band b;
                    CHECK(se_fit_band_design(&b, kinds[k], fs, freqs[fi], gains[gi], q) == SE_OK);
                    for (double f = 25; f < 20000; f *= 1.37) {
                        double phi = se_biquad_phi(2 * M_PI * f / fs), d[3];
                        double db = se_fit_band_db(&b, phi, d);
                        se_biquad ref;
                        se_biquad_design(&ref, kinds[k], fs, freqs[fi], gains[gi], q);
                        CHECK(fabs(db - se_biquad_db(&ref, fs, f)) < 1e-9);
                        for (int p = 0; p < (kinds[k] == SE_BQ_PEAK ? 3 : 2); p++) {
                            double h = 1e-4, xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]};
                            xp[p] += h;
                            xm[p] -= h;
                            se_fit_band bp, bm;
                            se_fit_band_design(&bp, kinds[k], fs, exp(xp[1]), xp[0],
                                               kinds[k] == SE_BQ_PEAK ? exp(xp[2]) : q);
                            se_fit_band_design(&bm, kinds[k], fs, exp(xm[1]), xm[0],
                                               kinds[k] == SE_BQ_PEAK ? exp(xm[2]) : q);
                            double fd = (se_fit_band_db(&bp, phi, NULL) - se_fit_band_db(&bm, phi, NULL)) / (2 * h);
                            double err = fabs(fd - d[p]) / (1.0 + fabs(fd));
                            if (err > worst)
                                worst = err;
                        }
                        if (kinds[k] != SE_BQ_PEAK)
                            CHECK(d[2] == 0.0);
                    }
                }
    printf("band derivatives: worst relative difference to central differences %.2e\n", worst);
    /* h = 1e-4 balances the differences' truncation error against the rounding of the dB
     * values (a 40 Hz, Q 7 peak at 44.1 kHz loses about five digits in b0 + b1 + b2). */
    CHECK(worst < 2e-5);
    se_fit_band b;
    CHECK(se_fit_band_design(&b, SE_BQ_LOWPASS, fs, 100, 0, 1) == SE_EARG);
    CHECK(se_fit_band_design(&b, SE_BQ_PEAK, fs, 30000, 0, 1) == SE_EARG);
}

static double lcg(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xffffff) / 16777216.0;
}

/* Random wild targets: the defaults keep every parameter inside SAFE's ranges, the
 * unconstrained fit may leave them, and both report the misfit they have. */
static void test_ranges(void)
{
    enum { N = 40 };
    double f[N], target[N], work[SE_FIT_WORK_PER_POINT * N], p[13];
    for (int i = 0; i < N; i++)
        f[i] = se_g40_freqs[i];
    unsigned seed = 7;
    int outside_wide = 0;
    for (int t = 0; t < 12; t++) {
        for (int i = 0; i < N; i++)
            target[i] = 30.0 * (lcg(&seed) - 0.5);
        se_fit_report rep;
        CHECK(se_fit_safe(f, target, N, 44100, &se_fit_defaults, work, p, &rep) == SE_OK);
        for (int j = 0; j < 13; j++)
            CHECK(p[j] >= SE_FIT_SAFE_LO[j] - 1e-9 && p[j] <= SE_FIT_SAFE_HI[j] + 1e-9);
        CHECK(rep.rms_err_db <= rep.max_err_db && rep.rms_err_db > 0);
        CHECK(se_fit_safe(f, target, N, 44100, &se_fit_unconstrained, work, p, &rep) == SE_OK);
        for (int j = 0; j < 13; j++)
            outside_wide += p[j] < SE_FIT_SAFE_LO[j] - 1e-9 || p[j] > SE_FIT_SAFE_HI[j] + 1e-9;
    }
    printf("unconstrained fits of 12 random targets: %d parameters outside SAFE's ranges\n", outside_wide);
    CHECK(outside_wide > 0); /* the targets do need the ranges */
    se_fit_report rep;
    target[3] = NAN;
    CHECK(se_fit_safe(f, target, N, 44100, &se_fit_defaults, work, p, &rep) == SE_EARG);
    CHECK(se_fit_safe(f, target, 0, 44100, &se_fit_defaults, work, p, &rep) == SE_EARG);
    CHECK(se_fit_safe(f, target, N, 44100, &se_fit_defaults, NULL, p, &rep) == SE_EARG);
}

int main(void)
{
    test_band_derivatives();
    test_ranges();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
