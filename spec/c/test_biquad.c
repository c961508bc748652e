/* Unit tests of the EQ core: cookbook identities, TDF-II processing, filterbanks,
 * the SAFE fitter and block-size independence of the processor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "eq_fit.h"
#include "eq_proc.h"
#include "filterbank.h"

static int failures;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            failures++;                                                                                                \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                                                      \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
        }                                                                                                              \
    } while (0)

static void test_identities(void)
{
    se_biquad bq;
    double fs = 48000;
    CHECK(se_biquad_design(&bq, SE_BQ_PEAK, fs, 1000, 6.0, 2.0) == SE_OK, "peak design");
    CHECK(fabs(se_biquad_db(&bq, fs, 1000) - 6.0) < 1e-9, "peak gain at centre %g", se_biquad_db(&bq, fs, 1000));
    CHECK(fabs(se_biquad_db(&bq, fs, 10)) < 0.01, "peak flat far away");
    CHECK(se_biquad_design(&bq, SE_BQ_LOWSHELF, fs, 200, -9.0, SE_SHELF_Q) == SE_OK, "ls");
    CHECK(fabs(se_biquad_db(&bq, fs, 200) + 4.5) < 1e-6, "low shelf midpoint is half the gain");
    CHECK(fabs(se_biquad_db(&bq, fs, 2) + 9.0) < 0.01, "low shelf DC gain");
    CHECK(se_biquad_design(&bq, SE_BQ_HIGHSHELF, fs, 5000, 12.0, SE_SHELF_Q) == SE_OK, "hs");
    CHECK(fabs(se_biquad_db(&bq, fs, 5000) - 6.0) < 1e-9, "high shelf midpoint");
    CHECK(fabs(se_biquad_db(&bq, fs, 23999) - 12.0) < 0.01, "high shelf Nyquist gain");
    CHECK(se_biquad_design(&bq, SE_BQ_LOWPASS, fs, 3000, 0, SE_SHELF_Q) == SE_OK, "lp");
    CHECK(fabs(se_biquad_db(&bq, fs, 3000) + 3.0103) < 1e-3, "lowpass corner -3 dB");
    CHECK(se_biquad_design(&bq, SE_BQ_HIGHPASS, fs, 3000, 0, SE_SHELF_Q) == SE_OK, "hp");
    CHECK(fabs(se_biquad_db(&bq, fs, 3000) + 3.0103) < 1e-3, "highpass corner -3 dB");
    CHECK(se_biquad_design(&bq, SE_BQ_BANDPASS, fs, 3000, 0, 3.0) == SE_OK, "bp");
    CHECK(fabs(se_biquad_db(&bq, fs, 3000)) < 1e-9, "bandpass 0 dB at centre");
    CHECK(se_biquad_design(&bq, SE_BQ_NOTCH, fs, 3000, 0, 3.0) == SE_OK, "notch");
    CHECK(se_biquad_db(&bq, fs, 3000) < -100, "notch zero at centre");
    CHECK(se_biquad_design(&bq, SE_BQ_PEAK, fs, 24000, 6, 1) == SE_EARG, "Nyquist rejected");
    CHECK(se_biquad_design(&bq, SE_BQ_PEAK, fs, 1000, 6, 0) == SE_EARG, "Q 0 rejected");
    CHECK(se_biquad_design(&bq, SE_BQ_PEAK, fs, 1000, NAN, 1) == SE_EARG, "NaN rejected");
}

/* TDF-II output equals the direct-form-I difference equation, also across calls. */
static void test_process(void)
{
    se_biquad bq;
    se_biquad_design(&bq, SE_BQ_PEAK, 44100, 300, 9.0, 1.3);
    enum { N = 1000 };
    float x[N], y[N];
    unsigned r = 12345;
    for (int i = 0; i < N; i++) {
        r = r * 1103515245u + 12345u;
        x[i] = y[i] = (float)((r >> 8) % 2001) / 1000.0f - 1.0f;
    }
    double s[2] = {0, 0};
    se_biquad_run(&bq, s, y, 300, 1);
    se_biquad_run(&bq, s, y + 300, N - 300, 1);
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0, maxdiff = 0;
    for (int i = 0; i < N; i++) {
        double out = bq.b0 * x[i] + bq.b1 * x1 + bq.b2 * x2 - bq.a1 * y1 - bq.a2 * y2;
        x2 = x1;
        x1 = x[i];
        y2 = y1;
        y1 = out;
        if (fabs(out - y[i]) > maxdiff)
            maxdiff = fabs(out - y[i]);
    }
    CHECK(maxdiff < 1e-5, "TDF-II vs DF-I max diff %g", maxdiff);
}

static void test_filterbanks(void)
{
    double p[13] = {3, 100, -4, 400, 1.0, 5, 1500, 2.0, -2, 6000, 0.7, 6, 9000};
    se_cascade c;
    se_fb_error e;
    CHECK(se_fb_design(&c, SE_FB_SAFE, p, 44100, false, &e) == SE_OK, "safe design");
    CHECK(c.n == 5, "safe has 5 sections");
    double bad[13];
    memcpy(bad, p, sizeof bad);
    bad[9] = 30000;
    CHECK(se_fb_design(&c, SE_FB_SAFE, bad, 44100, false, &e) == SE_EARG, "Nyquist");
    CHECK(e.index == 9 && strcmp(e.band, "peak 3") == 0 && strcmp(e.param, "frequency") == 0,
          "error names peak 3 frequency: %s %s", e.band, e.param);
    CHECK(se_fb_design(&c, SE_FB_SAFE, bad, 44100, true, &e) == SE_OK, "clamp mode");
    CHECK(bad[9] == SE_FB_CLAMP_FMAX_NYQ * 22050, "clamped to %g", bad[9]);
    double curve[40], g[40];
    for (int i = 0; i < 40; i++)
        curve[i] = i * 0.1 - 1.0;
    se_audealize_gains(curve, 0.5, g);
    CHECK(fabs(g[0] + 2.5) < 1e-12 && fabs(g[39] - 2.5) < 1e-12, "audealize range %g %g", g[0], g[39]);
    CHECK(se_fb_design(&c, SE_FB_GRAPHIC40, g, 48000, false, &e) == SE_OK, "graphic40");
    CHECK(c.n == 40, "40 sections");
}

static void test_fit(void)
{
    enum { N = 64 };
    double f[N], target[N], p[13] = {4, 150, -5, 500, 1.2, 3, 2000, 2.0, -2, 7000, 1.0, -3, 10000};
    se_cascade c;
    se_fb_error e;
    se_fb_design(&c, SE_FB_SAFE, p, 44100, false, &e);
    for (int i = 0; i < N; i++) {
        f[i] = 20.0 * pow(1000.0, i / (N - 1.0));
        float ff = (float)f[i], db;
        se_cascade_db(&c, 44100, &ff, 1, &db);
        target[i] = db;
    }
    double fit[13], work[SE_FIT_WORK_PER_POINT * N];
    se_fit_report rep;
    CHECK(se_fit_safe(f, target, N, 44100, &se_fit_defaults, work, fit, &rep) == SE_OK, "fit runs");
    CHECK(rep.max_err_db < 0.05, "fit of a reachable target, max err %g dB", rep.max_err_db);
    printf("fit of a SAFE response: max err %.4f dB, rms %.4f dB, %d iterations\n", rep.max_err_db, rep.rms_err_db,
           rep.iterations);
}

static void test_block_independence(void)
{
    double p[13] = {6, 100, -4, 400, 1.0, 5, 1500, 2.0, -2, 6000, 0.7, 6, 9000};
    double p2[13] = {-6, 300, 4, 800, 2.0, -5, 2500, 1.0, 2, 5000, 0.7, -6, 12000};
    enum { N = 20000, CH = 2 };
    float *a = malloc(sizeof(float) * N * CH), *b = malloc(sizeof(float) * N * CH);
    for (int i = 0; i < N * CH; i++)
        a[i] = b[i] = (float)sin(i * 0.37) * 0.3f;
    se_eq_proc *pa, *pb;
    se_fb_error e;
    se_eq_proc_new(&pa, SE_FB_SAFE, p, 44100, CH, 441, true, &e);
    se_eq_proc_new(&pb, SE_FB_SAFE, p, 44100, CH, 441, true, &e);
    /* a in one block with a parameter change at frame 5000; b in odd-sized blocks. */
    se_eq_proc_run(pa, a, 5000);
    se_eq_proc_set(pa, p2, &e);
    se_eq_proc_run(pa, a + 5000 * CH, N - 5000);
    int pos = 0, sizes[] = {1, 7, 33, 100, 999};
    for (int k = 0; pos < N; k++) {
        int n = sizes[k % 5];
        if (pos < 5000 && pos + n > 5000)
            n = 5000 - pos;
        if (pos + n > N)
            n = N - pos;
        se_eq_proc_run(pb, b + pos * CH, n);
        pos += n;
        if (pos == 5000)
            se_eq_proc_set(pb, p2, &e);
    }
    CHECK(memcmp(a, b, sizeof(float) * N * CH) == 0, "output independent of block size");
    CHECK(se_eq_proc_peak(pa) == se_eq_proc_peak(pb) && se_eq_proc_peak(pa) > 0, "peak");
    se_cascade c2;
    se_fb_design(&c2, SE_FB_SAFE, p2, 44100, false, &e);
    double want = -se_cascade_max_db(&c2, 44100);
    CHECK(want < -3.0 && fabs(se_eq_proc_makeup_db(pa) - want) < 1e-9, "make-up gain %g dB, want %g",
          se_eq_proc_makeup_db(pa), want);
    se_eq_proc_free(pa);
    se_eq_proc_free(pb);
    free(a);
    free(b);
}

/* No silent non-finite output: refused designs, a NaN input stops the run and shows in the
 * peak, and the filter continues from silence. */
static void test_nonfinite(void)
{
    se_biquad bq;
    CHECK(se_biquad_design(&bq, SE_BQ_PEAK, 48000, 1000, 60.0, 1.0) == SE_OK, "60 dB accepted");
    CHECK(se_biquad_design(&bq, SE_BQ_PEAK, 48000, 1000, 60.5, 1.0) == SE_EARG, "60.5 dB refused");
    CHECK(se_biquad_design(&bq, SE_BQ_PEAK, 48000, 1000, 60.0, 1e-309) == SE_EARG, "overflowing q refused");
    double params[SE_SAFE_NPARAMS] = {0, 100, 6, 1000, 1, 0, 2000, 1, 0, 4000, 1, 0, 8000};
    se_eq_proc *p;
    se_fb_error e;
    CHECK(se_eq_proc_new(&p, SE_FB_SAFE, params, 48000, 2, 0, false, &e) == SE_OK, "proc");
    float x[64 * 2] = {0};
    x[40 * 2 + 1] = NAN;
    CHECK(se_eq_proc_run(p, x, 64) == SE_ERANGE, "NaN input reported");
    int64_t frame;
    int channel;
    se_eq_proc_bad_sample(p, &frame, &channel);
    CHECK(frame == 40 && channel == 1, "at frame %lld channel %d", (long long)frame, channel);
    CHECK(isnan(se_eq_proc_peak(p)), "the peak sees NaN");
    float y[32 * 2];
    for (int i = 0; i < 64; i++)
        y[i] = 0.25f;
    CHECK(se_eq_proc_run(p, y, 32) == SE_OK, "next block runs");
    for (int i = 0; i < 64; i++)
        CHECK(isfinite(y[i]), "finite after the error");
    se_eq_proc_reset(p);
    CHECK(se_eq_proc_peak(p) == 0.0, "reset clears the peak");
    se_eq_proc_free(p);
    CHECK(se_eq_proc_new(&p, SE_FB_SAFE, params, 48000, 0, 0, false, &e) == SE_EARG && e.reason != NULL,
          "0 channels refused with a reason");
    CHECK(se_eq_proc_new(&p, SE_FB_SAFE, params, 1e300, 1, 0, false, &e) == SE_EARG, "fs 1e300 refused");
}

int main(void)
{
    test_identities();
    test_process();
    test_filterbanks();
    test_fit();
    test_block_independence();
    test_nonfinite();
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    puts("test_biquad: all passed");
    return 0;
}
