#include "filterbank.h"

#include <math.h>
#include <string.h>

#include "interrupt.h"

const double se_g40_freqs[SE_G40_NBANDS] = {
    20,   50,   83,   120,  161,  208,  259,   318,   383,   455,   537,   628,   729,  843,
    971,  1114, 1273, 1452, 1652, 1875, 2126,  2406,  2719,  3070,  3462,  3901,  4392, 4941,
    5556, 6244, 7014, 7875, 8839, 9917, 11124, 12474, 13984, 15675, 17566, 19682,
};

typedef enum { P_GAIN, P_FREQ, P_Q } param_role;

/* Role and band name of each SAFE parameter, in column order. */
static const struct {
    param_role role;
    const char *band;
} safe_layout[SE_SAFE_NPARAMS] = {
    {P_GAIN, "low shelf"}, {P_FREQ, "low shelf"},  {P_GAIN, "peak 1"},     {P_FREQ, "peak 1"}, {P_Q, "peak 1"},
    {P_GAIN, "peak 2"},    {P_FREQ, "peak 2"},     {P_Q, "peak 2"},        {P_GAIN, "peak 3"}, {P_FREQ, "peak 3"},
    {P_Q, "peak 3"},       {P_GAIN, "high shelf"}, {P_FREQ, "high shelf"},
};

static const char *role_name[] = {"gain", "frequency", "Q"};

se_status se_fb_kind_from_name(const char *name, se_fb_kind *kind)
{
    if (strcmp(name, "safe") == 0)
        *kind = SE_FB_SAFE;
    else if (strcmp(name, "graphic40") == 0)
        *kind = SE_FB_GRAPHIC40;
    else
        return SE_EARG;
    return SE_OK;
}

int se_fb_nparams(se_fb_kind kind) { return kind == SE_FB_SAFE ? SE_SAFE_NPARAMS : SE_G40_NBANDS; }

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Checks or clamps one value; fills err and returns false when it is unusable. */
static bool check_value(double *v, param_role role, double fs, bool clamp, se_fb_error *err)
{
    double nyq = 0.5 * fs;
    err->value = *v;
    if (!isfinite(*v)) {
        err->reason = "is not finite";
        return false;
    }
    if (clamp) {
        if (role == P_GAIN)
            *v = clampd(*v, -SE_FB_CLAMP_GAIN, SE_FB_CLAMP_GAIN);
        else if (role == P_FREQ)
            *v = clampd(*v, SE_FB_CLAMP_FMIN, SE_FB_CLAMP_FMAX_NYQ * nyq);
        else
            *v = clampd(*v, SE_FB_CLAMP_QMIN, SE_FB_CLAMP_QMAX);
        return true;
    }
    if (role == P_FREQ && *v <= 0.0) {
        err->reason = "must be above 0 Hz";
        return false;
    }
    if (role == P_FREQ && *v >= nyq) {
        err->reason = "must be below Nyquist";
        return false;
    }
    if (role == P_Q && *v <= 0.0) {
        err->reason = "must be above 0";
        return false;
    }
    if (role == P_GAIN && fabs(*v) > SE_BIQUAD_MAX_GAIN_DB) {
        err->reason = "is beyond +-60 dB";
        return false;
    }
    return true;
}

se_status se_fb_check(se_fb_kind kind, double *params, double fs, bool clamp, se_fb_error *err)
{
    int n = se_fb_nparams(kind);
    for (int i = 0; i < n; i++) {
        param_role role = kind == SE_FB_SAFE ? safe_layout[i].role : P_GAIN;
        err->index = i;
        err->band = kind == SE_FB_SAFE ? safe_layout[i].band : "band";
        err->param = role_name[role];
        if (!check_value(&params[i], role, fs, clamp, err))
            return SE_EARG;
    }
    /* graphic40 at a low rate: a fixed centre at or above Nyquist is left out rather
     * than failing, since the caller cannot move it; see se_fb_design. */
    return SE_OK;
}

static se_status design_failed(se_fb_error *err, int index, const char *band, double gain)
{
    err->index = index;
    err->band = band;
    err->param = "gain";
    err->value = gain;
    err->reason = "makes a filter whose coefficients are not finite";
    return SE_EARG;
}

se_status se_fb_design(se_cascade *c, se_fb_kind kind, double *params, double fs, bool clamp, se_fb_error *err)
{
    if (!(fs > 0.0) || !(fs <= SE_FB_MAX_FS)) {
        err->index = -1;
        err->band = "sample rate";
        err->param = "fs";
        err->value = fs;
        err->reason = "must be a positive number up to 1e7 Hz";
        return SE_EARG;
    }
    se_status st = se_fb_check(kind, params, fs, clamp, err);
    if (st != SE_OK)
        return st;
    c->n = 0;
    if (kind == SE_FB_SAFE) {
        const double *p = params;
        /* The checked values can still make a non-finite filter (a Q of 1e-300): name the
         * band by its gain parameter. */
        int gain_at[5] = {0, 2, 5, 8, 11};
        for (int b = 0; b < 5; b++) {
            if (b == 0)
                st = se_biquad_design(&c->bq[c->n++], SE_BQ_LOWSHELF, fs, p[1], p[0], SE_SHELF_Q);
            else if (b == 4)
                st = se_biquad_design(&c->bq[c->n++], SE_BQ_HIGHSHELF, fs, p[12], p[11], SE_SHELF_Q);
            else
                st = se_biquad_design(&c->bq[c->n++], SE_BQ_PEAK, fs, p[3 + 3 * (b - 1)], p[2 + 3 * (b - 1)],
                                      p[4 + 3 * (b - 1)]);
            if (st != SE_OK)
                return design_failed(err, gain_at[b], safe_layout[gain_at[b]].band, p[gain_at[b]]);
        }
        return SE_OK;
    }
    for (int i = 0; i < SE_G40_NBANDS; i++) {
        if (se_g40_freqs[i] >= 0.5 * fs) {
            se_biquad_identity(&c->bq[c->n++]);
            continue;
        }
        st = se_biquad_design(&c->bq[c->n++], SE_BQ_PEAK, fs, se_g40_freqs[i], params[i], SE_G40_Q);
        if (st != SE_OK)
            return design_failed(err, i, "band", params[i]);
    }
    return SE_OK;
}

void se_cascade_db_phi(const se_cascade *c, const double *phi, int64_t nfreq, float *out)
{
    for (int64_t i = 0; i < nfreq; i++) {
        /* A product then one log: 40 sections of +-24 dB stay far inside double range. */
        double m2 = 1.0;
        for (int k = 0; k < c->n; k++)
            m2 *= se_biquad_mag2_phi(&c->bq[k], phi[i]);
        out[i] = m2 > 1e-40 ? (float)(10.0 * log10(m2)) : -400.0f;
    }
}

void se_cascade_db(const se_cascade *c, double fs, const float *freqs, int64_t nfreq, float *out)
{
    for (int64_t i = 0; i < nfreq; i++) {
        double phi = se_biquad_phi(2.0 * M_PI * freqs[i] / fs);
        se_cascade_db_phi(c, &phi, 1, &out[i]);
    }
}

double se_cascade_max_db(const se_cascade *c, double fs)
{
    /* A step of 0.34 % in frequency: a Q = 10 peak is within 0.01 dB of a grid point. */
    enum { NGRID = 2048 };
    double lo = log(20.0), hi = log(0.95 * 0.5 * fs), best = -1e300;
    for (int i = 0; i < NGRID; i++) {
        float f = (float)exp(lo + (hi - lo) * i / (NGRID - 1)), db;
        se_cascade_db(c, fs, &f, 1, &db);
        if (db > best)
            best = db;
    }
    return best;
}

se_status se_fb_response(se_fb_kind kind, const float *params, int64_t batch, const float *freqs, int64_t nfreq,
                         double fs, bool clamp, double *cos_buf, float *out, int64_t *bad_row, se_fb_error *err)
{
    int np = se_fb_nparams(kind);
    double *phi = cos_buf;
    for (int64_t i = 0; i < nfreq; i++) {
        if (!(freqs[i] >= 0.0f) || !isfinite(freqs[i])) {
            *bad_row = -1;
            err->index = (int)(i < 0x7fffffff ? i : 0x7fffffff);
            err->band = "frequency grid";
            err->param = "frequency";
            err->value = freqs[i];
            err->reason = "must be a finite number >= 0";
            return SE_EARG;
        }
        double w = 2.0 * M_PI * freqs[i] / fs;
        phi[i] = se_biquad_phi(w);
    }
    for (int64_t b = 0; b < batch; b++) {
        double p[SE_FB_MAX_BIQUADS];
        for (int j = 0; j < np; j++)
            p[j] = params[b * np + j];
        se_cascade c;
        se_status st = se_fb_design(&c, kind, p, fs, clamp, err);
        if (st != SE_OK) {
            *bad_row = b;
            return st;
        }
        /* In pieces, polling the interrupt flag: batch x nfreq x 40 sections can be long. */
        for (int64_t i = 0; i < nfreq; i += SE_INTERRUPT_STRIDE) {
            if (se_interrupt_pending())
                return SE_EINTR;
            int64_t n = nfreq - i < SE_INTERRUPT_STRIDE ? nfreq - i : SE_INTERRUPT_STRIDE;
            se_cascade_db_phi(&c, phi + i, n, out + b * nfreq + i);
        }
    }
    return SE_OK;
}

void se_audealize_gains(const double *curve, double amount, double *gains_db)
{
    double lo = curve[0], hi = curve[0];
    for (int i = 1; i < SE_G40_NBANDS; i++) {
        if (curve[i] < lo)
            lo = curve[i];
        if (curve[i] > hi)
            hi = curve[i];
    }
    for (int i = 0; i < SE_G40_NBANDS; i++) {
        double unit = hi > lo ? 2.0 * (curve[i] - lo) / (hi - lo) - 1.0 : 0.0;
        gains_db[i] = unit * 5.0 * amount;
    }
}
