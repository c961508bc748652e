#include "eq_fit_band.h"

#include <math.h>
#include <string.h>

/* Coefficients and their partial derivatives in the cookbook's intermediate variables
 * A = 10^(gain/40), cw = cos(w0) and alpha = sin(w0) / (2 Q). */
typedef struct cookbook {
    double c[6], dA[6], dcw[6], dalpha[6];
} cookbook;

static void fill(cookbook *k, const double c[6], const double dA[6], const double dcw[6], const double dal[6])
{
    memcpy(k->c, c, sizeof k->c);
    memcpy(k->dA, dA, sizeof k->dA);
    memcpy(k->dcw, dcw, sizeof k->dcw);
    memcpy(k->dalpha, dal, sizeof k->dalpha);
}

static void peak(cookbook *k, double A, double cw, double al)
{
    double c[6] = {1.0 + al * A, -2.0 * cw, 1.0 - al * A, 1.0 + al / A, -2.0 * cw, 1.0 - al / A};
    double dA[6] = {al, 0.0, -al, -al / (A * A), 0.0, al / (A * A)};
    double dcw[6] = {0.0, -2.0, 0.0, 0.0, -2.0, 0.0};
    double dal[6] = {A, 0.0, -A, 1.0 / A, 0.0, -1.0 / A};
    fill(k, c, dA, dcw, dal);
}

/* The low shelf; the high shelf is the same with cw -> -cw in the terms marked s below
 * (and b1, a1 negated), see high_shelf. */
static void low_shelf(cookbook *k, double A, double cw, double al)
{
    double r = sqrt(A), kk = 2.0 * r * al, dk_dA = al / r;
    double u0 = (A + 1.0) - (A - 1.0) * cw + kk, u1 = (A - 1.0) - (A + 1.0) * cw;
    double u2 = (A + 1.0) - (A - 1.0) * cw - kk;
    double c[6] = {A * u0,
                   2.0 * A * u1,
                   A * u2,
                   (A + 1.0) + (A - 1.0) * cw + kk,
                   -2.0 * ((A - 1.0) + (A + 1.0) * cw),
                   (A + 1.0) + (A - 1.0) * cw - kk};
    double dA[6] = {u0 + A * (1.0 - cw + dk_dA), 2.0 * u1 + 2.0 * A * (1.0 - cw),
                    u2 + A * (1.0 - cw - dk_dA), 1.0 + cw + dk_dA,
                    -2.0 * (1.0 + cw),           1.0 + cw - dk_dA};
    double dcw[6] = {-A * (A - 1.0), -2.0 * A * (A + 1.0), -A * (A - 1.0), A - 1.0, -2.0 * (A + 1.0), A - 1.0};
    double dal[6] = {2.0 * A * r, 0.0, -2.0 * A * r, 2.0 * r, 0.0, -2.0 * r};
    fill(k, c, dA, dcw, dal);
}

static void high_shelf(cookbook *k, double A, double cw, double al)
{
    double r = sqrt(A), kk = 2.0 * r * al, dk_dA = al / r;
    double u0 = (A + 1.0) + (A - 1.0) * cw + kk, u1 = (A - 1.0) + (A + 1.0) * cw;
    double u2 = (A + 1.0) + (A - 1.0) * cw - kk;
    double c[6] = {A * u0,
                   -2.0 * A * u1,
                   A * u2,
                   (A + 1.0) - (A - 1.0) * cw + kk,
                   2.0 * ((A - 1.0) - (A + 1.0) * cw),
                   (A + 1.0) - (A - 1.0) * cw - kk};
    double dA[6] = {u0 + A * (1.0 + cw + dk_dA),
                    -2.0 * u1 - 2.0 * A * (1.0 + cw),
                    u2 + A * (1.0 + cw - dk_dA),
                    1.0 - cw + dk_dA,
                    2.0 * (1.0 - cw),
                    1.0 - cw - dk_dA};
    double dcw[6] = {A * (A - 1.0), -2.0 * A * (A + 1.0), A * (A - 1.0), -(A - 1.0), -2.0 * (A + 1.0), -(A - 1.0)};
    double dal[6] = {2.0 * A * r, 0.0, -2.0 * A * r, 2.0 * r, 0.0, -2.0 * r};
    fill(k, c, dA, dcw, dal);
}

se_status se_fit_band_design(se_fit_band *b, se_biquad_kind kind, double fs, double freq, double gain_db, double q)
{
    if (!isfinite(fs) || !isfinite(freq) || !isfinite(gain_db) || !isfinite(q) || fs <= 0.0 || freq <= 0.0 ||
        freq >= 0.5 * fs || q <= 0.0)
        return SE_EARG;
    double A = pow(10.0, gain_db / 40.0), w0 = 2.0 * M_PI * freq / fs;
    double cw = cos(w0), sw = sin(w0), al = sw / (2.0 * q);
    cookbook k;
    if (kind == SE_BQ_PEAK)
        peak(&k, A, cw, al);
    else if (kind == SE_BQ_LOWSHELF)
        low_shelf(&k, A, cw, al);
    else if (kind == SE_BQ_HIGHSHELF)
        high_shelf(&k, A, cw, al);
    else
        return SE_EARG;
    /* Chain rule to the fitter's coordinates: dA/dgain = A ln10 / 40; w0 is proportional
     * to f, so d/d(ln f) of cw is -sw w0 and of alpha cw w0 / (2Q); d alpha / d(ln Q) = -alpha. */
    double dA_dg = A * M_LN10 / 40.0, dcw_df = -sw * w0, dal_df = cw * w0 / (2.0 * q), dal_dq = -al;
    double dc[3][6];
    for (int i = 0; i < 6; i++) {
        dc[0][i] = k.dA[i] * dA_dg;
        dc[1][i] = k.dcw[i] * dcw_df + k.dalpha[i] * dal_df;
        dc[2][i] = kind == SE_BQ_PEAK ? k.dalpha[i] * dal_dq : 0.0;
    }
    for (int side = 0; side < 2; side++) {
        const double *c = k.c + 3 * side;
        double s = c[0] + c[1] + c[2], t = c[0] * c[1] + 4.0 * c[0] * c[2] + c[1] * c[2], u = c[0] * c[2];
        b->poly[side][0] = s * s;
        b->poly[side][1] = 4.0 * t;
        b->poly[side][2] = 16.0 * u;
        for (int p = 0; p < 3; p++) {
            const double *e = dc[p] + 3 * side;
            double ds = e[0] + e[1] + e[2];
            double dt = e[0] * c[1] + c[0] * e[1] + 4.0 * (e[0] * c[2] + c[0] * e[2]) + e[1] * c[2] + c[1] * e[2];
            double du = e[0] * c[2] + c[0] * e[2];
            b->dpoly[p][side][0] = 2.0 * s * ds;
            b->dpoly[p][side][1] = 4.0 * dt;
            b->dpoly[p][side][2] = 16.0 * du;
        }
    }
    return SE_OK;
}

double se_fit_band_db(const se_fit_band *b, double phi, double d[3])
{
    double num, den, dn[3], dd[3];
    se_fit_band_eval(b, phi, &num, &den, d ? dn : NULL, d ? dd : NULL);
    if (d)
        for (int p = 0; p < 3; p++)
            d[p] = 10.0 / M_LN10 * (dn[p] / num - dd[p] / den);
    return 10.0 * log10(num / den);
}
