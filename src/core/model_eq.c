/* Latent code -> EQ setting, as semeq.semantic's eq_for does it (lua/semeq/semantic.lua):
 * decode the code, then undo the representation (lua/semeq/experiment/representations.lua):
 *
 *   safe13     clamp to [0, 1], gains back to [-1, 1], then the normaliser's inverse:
 *              gain x gain_scale, exp(lo + u (hi - lo)) for frequencies (minus freq_offset)
 *              and Qs
 *   floweq13   clamp to [0, 1], then FlowEQ's fixed ranges linearly
 *   curve40    x 12 dB, then the SAFE 5-band fit of eq_fit.c (fs 44.1 kHz, its defaults)
 *   graphic40  (column z-scores undone, if the seed's standardisation was used) then
 *              Audealize's dB mapping: min-max to [-1, 1], x 5 dB
 *
 * and every gain times the intensity. The arithmetic follows the Lua code step by step
 * (float where it works on tensors, double where it works on Lua numbers) so that the
 * results agree to the last bit or two. Scratch: doubles first, then floats. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "eq_fit.h"
#include "filterbank.h"
#include "model.h"

static const int GAIN_COLUMNS[5] = {0, 2, 5, 8, 11};

static size_t fit_doubles(const se_model *m)
{
    return m->rep == SE_REP_CURVE40 ? 2 * SE_MODEL_CURVE_POINTS + se_fit_work_size(SE_MODEL_CURVE_POINTS) : 0;
}

size_t se_model_eq_scratch_bytes(const se_model *m)
{
    int64_t dec = se_model_entry_scratch(m, SE_ENTRY_DECODE, 1);
    if (dec < 0 || m->rep == SE_REP_NONE)
        return 0;
    return sizeof(double) * fit_doubles(m) + sizeof(float) * (size_t)(se_model_entry_out(m, SE_ENTRY_DECODE) + dec);
}

static void safe13(const se_model *m, const float *x, double *p)
{
    for (int j = 0; j < SE_MODEL_SAFE_PARAMS; j++) {
        float u = x[j] < 0.0f ? 0.0f : x[j] > 1.0f ? 1.0f : x[j];
        int gain = j == 0 || j == 2 || j == 5 || j == 8 || j == 11;
        if (gain) {
            u = u * 2.0f;
            u = u + -1.0f;
            p[j] = (float)(u * m->gain_scale);
        } else {
            int freq = j == 1 || j == 3 || j == 6 || j == 9 || j == 12;
            p[j] = (float)(exp(m->lo[j] + u * (m->hi[j] - m->lo[j])) - (freq ? m->freq_offset : 0.0));
        }
    }
}

static void floweq13(const float *x, double *p)
{
    for (int j = 0; j < SE_MODEL_SAFE_PARAMS; j++) {
        float u = x[j] < 0.0f ? 0.0f : x[j] > 1.0f ? 1.0f : x[j];
        p[j] = (float)(SE_FIT_SAFE_LO[j] + u * (SE_FIT_SAFE_HI[j] - SE_FIT_SAFE_LO[j]));
    }
}

static se_status curve40(const float *x, double *work, double *p, float *fit_error)
{
    double *target = work, *freqs = work + SE_MODEL_CURVE_POINTS;
    for (int j = 0; j < SE_MODEL_CURVE_POINTS; j++) {
        target[j] = x[j] * 12.0f;
        freqs[j] = (float)se_g40_freqs[j];
    }
    double q[SE_MODEL_SAFE_PARAMS];
    se_fit_report rep;
    se_status st = se_fit_safe(freqs, target, SE_MODEL_CURVE_POINTS, 44100.0, &se_fit_defaults,
                               work + 2 * SE_MODEL_CURVE_POINTS, q, &rep);
    for (int j = 0; st == SE_OK && j < SE_MODEL_SAFE_PARAMS; j++)
        p[j] = (float)q[j];
    *fit_error = (float)rep.max_err_db;
    return st;
}

static void graphic40(const se_model *m, float *x, double intensity, float *gains)
{
    if (m->standardised) /* back from the seed's column z-scores to the curve */
        for (int j = 0; j < SE_MODEL_CURVE_POINTS; j++)
            x[j] = (float)(x[j] * m->column_std[j] + m->column_mean[j]);
    double lo = x[0], hi = x[0];
    for (int j = 1; j < SE_MODEL_CURVE_POINTS; j++) {
        if (x[j] < lo)
            lo = x[j];
        if (x[j] > hi)
            hi = x[j];
    }
    double span = hi - lo;
    for (int j = 0; j < SE_MODEL_CURVE_POINTS; j++) {
        float g = span > 0 ? (float)((((double)x[j] - lo) / span * 2.0 - 1.0) * 5.0 * 1.0) : 0.0f;
        gains[j] = g * (float)intensity;
    }
}

/* An intensity of 1e38 times a 12 dB gain is no setting either: never hand out inf. */
static se_status finite_params(const se_model_eq *eq)
{
    for (int j = 0; j < eq->nparams; j++)
        if (!isfinite(eq->params[j]))
            return SE_EARG;
    return SE_OK;
}

se_status se_model_eq_for_code(const se_model *m, const float *z, double intensity, se_model_eq *eq, void *scratch,
                               size_t scratch_bytes)
{
    if (m->rep == SE_REP_NONE || m->entry[SE_ENTRY_DECODE] < 0)
        return SE_EUNSUPPORTED;
    if (!z || !eq || !isfinite(intensity))
        return SE_EARG;
    for (int j = 0; j < m->latent; j++)
        if (!isfinite(z[j]))
            return SE_EARG;
    size_t need = se_model_eq_scratch_bytes(m);
    if (need > scratch_bytes || (need && (!scratch || (uintptr_t)scratch % sizeof(double))))
        return SE_EARG;
    double *work = scratch;
    float *x = (float *)(work + fit_doubles(m));
    se_status st = se_model_run(m, SE_ENTRY_DECODE, z, 1, x, x + se_model_entry_out(m, SE_ENTRY_DECODE));
    if (st != SE_OK)
        return st;
    for (int j = 0; j < se_model_entry_out(m, SE_ENTRY_DECODE); j++)
        if (!isfinite(x[j]))
            return SE_EARG; /* a code so extreme that the decoder overflows: no setting to give */
    memset(eq, 0, sizeof *eq);
    eq->fit_error_db = -1.0f;
    if (m->rep == SE_REP_GRAPHIC40) {
        eq->kind = 2;
        eq->nparams = SE_MODEL_CURVE_POINTS;
        graphic40(m, x, intensity, eq->params);
        return finite_params(eq);
    }
    double p[SE_MODEL_SAFE_PARAMS];
    if (m->rep == SE_REP_SAFE13)
        safe13(m, x, p);
    else if (m->rep == SE_REP_FLOWEQ13)
        floweq13(x, p);
    else
        st = curve40(x, work, p, &eq->fit_error_db);
    if (st != SE_OK)
        return st;
    for (int k = 0; k < 5; k++)
        p[GAIN_COLUMNS[k]] *= intensity;
    eq->kind = 1;
    eq->nparams = SE_MODEL_SAFE_PARAMS;
    for (int j = 0; j < SE_MODEL_SAFE_PARAMS; j++)
        eq->params[j] = (float)p[j];
    return finite_params(eq);
}

se_status se_model_interpolate(const se_model *m, int from, int to, double amount, float *z)
{
    if (from < 0 || from >= m->nterms || to < 0 || to >= m->nterms)
        return m->nterms ? SE_EARG : SE_EUNSUPPORTED;
    if (!isfinite(amount) || !z)
        return SE_EARG;
    const float *a = m->centroids + (size_t)from * (size_t)m->latent;
    const float *b = m->centroids + (size_t)to * (size_t)m->latent;
    float wa = (float)(1.0 - amount), wb = (float)amount;
    for (int j = 0; j < m->latent; j++) {
        float pa = a[j] * wa, pb = b[j] * wb;
        z[j] = pa + pb;
    }
    return SE_OK;
}
