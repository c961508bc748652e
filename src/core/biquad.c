#include "biquad.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    se_biquad_kind kind;
} kind_names[] = {
    {"peak", SE_BQ_PEAK},           {"peaking", SE_BQ_PEAK},    {"lowshelf", SE_BQ_LOWSHELF},
    {"highshelf", SE_BQ_HIGHSHELF}, {"lowpass", SE_BQ_LOWPASS}, {"highpass", SE_BQ_HIGHPASS},
    {"bandpass", SE_BQ_BANDPASS},   {"notch", SE_BQ_NOTCH},
};

se_status se_biquad_kind_from_name(const char *name, se_biquad_kind *kind)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
        if (strcmp(name, kind_names[i].name) == 0) {
            *kind = kind_names[i].kind;
            return SE_OK;
        }
    }
    return SE_EARG;
}

const char *se_biquad_kind_name(se_biquad_kind kind)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (kind_names[i].kind == kind && strcmp(kind_names[i].name, "peaking") != 0)
            return kind_names[i].name;
    return "?";
}

void se_biquad_identity(se_biquad *bq)
{
    bq->b0 = 1.0;
    bq->b1 = bq->b2 = bq->a1 = bq->a2 = 0.0;
}

se_status se_biquad_design(se_biquad *bq, se_biquad_kind kind, double fs, double freq, double gain_db, double q)
{
    if (!isfinite(fs) || !isfinite(freq) || !isfinite(gain_db) || !isfinite(q) || fs <= 0.0 || freq <= 0.0 ||
        freq >= 0.5 * fs || q <= 0.0 || fabs(gain_db) > SE_BIQUAD_MAX_GAIN_DB)
        return SE_EARG;
    double A = pow(10.0, gain_db / 40.0);
    double w0 = 2.0 * M_PI * freq / fs;
    double cw = cos(w0), alpha = sin(w0) / (2.0 * q);
    double b0, b1, b2, a0, a1, a2;
    switch (kind) {
    case SE_BQ_PEAK:
        b0 = 1.0 + alpha * A;
        b1 = -2.0 * cw;
        b2 = 1.0 - alpha * A;
        a0 = 1.0 + alpha / A;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha / A;
        break;
    case SE_BQ_LOWSHELF: {
        double k = 2.0 * sqrt(A) * alpha;
        b0 = A * ((A + 1.0) - (A - 1.0) * cw + k);
        b1 = 2.0 * A * ((A - 1.0) - (A + 1.0) * cw);
        b2 = A * ((A + 1.0) - (A - 1.0) * cw - k);
        a0 = (A + 1.0) + (A - 1.0) * cw + k;
        a1 = -2.0 * ((A - 1.0) + (A + 1.0) * cw);
        a2 = (A + 1.0) + (A - 1.0) * cw - k;
        break;
    }
    case SE_BQ_HIGHSHELF: {
        double k = 2.0 * sqrt(A) * alpha;
        b0 = A * ((A + 1.0) + (A - 1.0) * cw + k);
        b1 = -2.0 * A * ((A - 1.0) + (A + 1.0) * cw);
        b2 = A * ((A + 1.0) + (A - 1.0) * cw - k);
        a0 = (A + 1.0) - (A - 1.0) * cw + k;
        a1 = 2.0 * ((A - 1.0) - (A + 1.0) * cw);
        a2 = (A + 1.0) - (A - 1.0) * cw - k;
        break;
    }
    case SE_BQ_LOWPASS:
        b0 = (1.0 - cw) / 2.0;
        b1 = 1.0 - cw;
        b2 = b0;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
    case SE_BQ_HIGHPASS:
        b0 = (1.0 + cw) / 2.0;
        b1 = -(1.0 + cw);
        b2 = b0;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
    case SE_BQ_BANDPASS:
        b0 = alpha;
        b1 = 0.0;
        b2 = -alpha;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
    case SE_BQ_NOTCH:
        b0 = 1.0;
        b1 = -2.0 * cw;
        b2 = 1.0;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
    default: return SE_EARG;
    }
    se_biquad out = {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
    /* An extreme q (1e-300) can still overflow: never hand out a filter that makes NaN. */
    if (!isfinite(out.b0) || !isfinite(out.b1) || !isfinite(out.b2) || !isfinite(out.a1) || !isfinite(out.a2))
        return SE_EARG;
    *bq = out;
    return SE_OK;
}

double se_biquad_db(const se_biquad *bq, double fs, double freq)
{
    double w = 2.0 * M_PI * freq / fs;
    double m2 = se_biquad_mag2_phi(bq, se_biquad_phi(w));
    return m2 > 1e-40 ? 10.0 * log10(m2) : -400.0;
}

void se_biquad_run(const se_biquad *bq, double s[2], float *x, int64_t n, int64_t stride)
{
    double s1 = s[0], s2 = s[1];
    for (int64_t i = 0; i < n; i++) {
        double in = x[i * stride];
        double out = bq->b0 * in + s1;
        s1 = bq->b1 * in - bq->a1 * out + s2;
        s2 = bq->b2 * in - bq->a2 * out;
        x[i * stride] = (float)out;
    }
    s[0] = s1;
    s[1] = s2;
}
