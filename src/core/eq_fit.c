#include "eq_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filterbank.h"
#include "interrupt.h"

#define NP SE_SAFE_NPARAMS

/* Which entries of the 13-vector are log-frequencies or log-Qs in the fit space. */
static const char param_role[NP] = {'g', 'f', 'g', 'f', 'q', 'g', 'f', 'q', 'g', 'f', 'q', 'g', 'f'};

typedef struct fit_ctx {
    int n;
    double fs, fmax;
    const double *target;
    double *phi;         /* sin^2(w/2) of the grid */
    double *r, *r_try;   /* residuals [n] */
    double *J;           /* Jacobian [n x NP], row-major */
} fit_ctx;

static void to_params(const double *x, double *p)
{
    for (int i = 0; i < NP; i++)
        p[i] = param_role[i] == 'g' ? x[i] : exp(x[i]);
}

static void project(const fit_ctx *ctx, double *x)
{
    for (int i = 0; i < NP; i++) {
        double lo, hi;
        if (param_role[i] == 'g') { lo = -SE_FIT_GAIN_MAX; hi = SE_FIT_GAIN_MAX; }
        else if (param_role[i] == 'f') { lo = log(SE_FIT_FMIN); hi = log(ctx->fmax); }
        else { lo = log(SE_FIT_QMIN); hi = log(SE_FIT_QMAX); }
        if (!(x[i] >= lo)) x[i] = lo;   /* also catches NaN */
        if (x[i] > hi) x[i] = hi;
    }
}

/* Residuals response(x) - target; returns the sum of squares. */
static double residuals(const fit_ctx *ctx, const double *x, double *r)
{
    double p[NP];
    se_cascade c;
    se_fb_error err;
    to_params(x, p);
    if (se_fb_design(&c, SE_FB_SAFE, p, ctx->fs, false, &err) != SE_OK)
        return INFINITY;
    double ss = 0.0;
    for (int i = 0; i < ctx->n; i++) {
        double m2 = 1.0;
        for (int k = 0; k < c.n; k++)
            m2 *= se_biquad_mag2_phi(&c.bq[k], ctx->phi[i]);
        r[i] = 10.0 * log10(m2 > 1e-40 ? m2 : 1e-40) - ctx->target[i];
        ss += r[i] * r[i];
    }
    return ss;
}

static void jacobian(fit_ctx *ctx, const double *x)
{
    double xt[NP];
    memcpy(xt, x, sizeof xt);
    for (int j = 0; j < NP; j++) {
        double h = 1e-6 * (1.0 + fabs(x[j]));
        xt[j] = x[j] + h;
        residuals(ctx, xt, ctx->r_try);
        for (int i = 0; i < ctx->n; i++)
            ctx->J[i * NP + j] = (ctx->r_try[i] - ctx->r[i]) / h;
        xt[j] = x[j];
    }
}

/* Solves A d = b for symmetric positive definite A (NP x NP) by Cholesky; false if not SPD. */
static int cholesky_solve(double A[NP][NP], const double *b, double *d)
{
    double L[NP][NP] = {{0}};
    for (int i = 0; i < NP; i++) {
        for (int j = 0; j <= i; j++) {
            double s = A[i][j];
            for (int k = 0; k < j; k++) s -= L[i][k] * L[j][k];
            if (i == j) {
                if (!(s > 0.0)) return 0;
                L[i][i] = sqrt(s);
            } else {
                L[i][j] = s / L[j][j];
            }
        }
    }
    double y[NP];
    for (int i = 0; i < NP; i++) {
        double s = b[i];
        for (int k = 0; k < i; k++) s -= L[i][k] * y[k];
        y[i] = s / L[i][i];
    }
    for (int i = NP - 1; i >= 0; i--) {
        double s = y[i];
        for (int k = i + 1; k < NP; k++) s -= L[k][i] * d[k];
        d[i] = s / L[i][i];
    }
    return 1;
}

/* Levenberg-Marquardt from x (updated in place); returns the final sum of squares. *iters
 * is -1 when it stopped for a requested interrupt (an iteration is 14 passes over the grid). */
static double levmar(fit_ctx *ctx, double *x, int *iters)
{
    double lambda = 1e-2, cost = residuals(ctx, x, ctx->r);
    int it, done = 0;
    for (it = 0; it < 300 && !done && lambda < 1e12; it++) {
        if (se_interrupt_pending()) {
            *iters = -1;
            return cost;
        }
        jacobian(ctx, x);
        double JtJ[NP][NP] = {{0}}, g[NP] = {0};
        for (int i = 0; i < ctx->n; i++) {
            const double *row = &ctx->J[i * NP];
            for (int a = 0; a < NP; a++) {
                g[a] -= row[a] * ctx->r[i];
                for (int b = 0; b <= a; b++) JtJ[a][b] += row[a] * row[b];
            }
        }
        for (;;) {
            double A[NP][NP], d[NP], xt[NP];
            for (int a = 0; a < NP; a++)
                for (int b = 0; b <= a; b++)
                    A[a][b] = A[b][a] = JtJ[a][b] + (a == b ? lambda * (JtJ[a][a] + 1e-9) : 0.0);
            if (!cholesky_solve(A, g, d)) {
                lambda *= 10.0;
                if (lambda >= 1e12) break;
                continue;
            }
            for (int a = 0; a < NP; a++) xt[a] = x[a] + d[a];
            project(ctx, xt);
            double c = residuals(ctx, xt, ctx->r_try);
            if (c < cost) {
                double gain = cost - c;
                memcpy(x, xt, sizeof xt);
                memcpy(ctx->r, ctx->r_try, sizeof(double) * ctx->n);
                cost = c;
                lambda = lambda / 3.0 > 1e-9 ? lambda / 3.0 : 1e-9;
                if (gain < 1e-5 * cost + 1e-12) done = 1;  /* relative progress stalled */
                break;
            }
            lambda *= 4.0;
            if (lambda >= 1e12) break;
        }
    }
    *iters = it;
    return cost;
}

/* Target value interpolated at f on the log-frequency grid (grid may be unsorted: nearest). */
static double target_near(const fit_ctx *ctx, const double *freqs, double f)
{
    int best = 0;
    for (int i = 1; i < ctx->n; i++)
        if (fabs(log(freqs[i] / f)) < fabs(log(freqs[best] / f))) best = i;
    return ctx->target[best];
}

static void initial_guess(const fit_ctx *ctx, const double *freqs, const double peaks[3], double q,
                          double *x)
{
    double flo = freqs[0], fhi = freqs[0];
    for (int i = 1; i < ctx->n; i++) {
        if (freqs[i] < flo) flo = freqs[i];
        if (freqs[i] > fhi) fhi = freqs[i];
    }
    double ls = target_near(ctx, freqs, flo), hs = target_near(ctx, freqs, fhi);
    x[0] = ls;
    x[1] = log(100.0);
    for (int k = 0; k < 3; k++) {
        x[2 + 3 * k] = target_near(ctx, freqs, peaks[k]) - 0.5 * (ls + hs);
        x[3 + 3 * k] = log(peaks[k]);
        x[4 + 3 * k] = log(q);
    }
    x[11] = hs;
    x[12] = log(fhi < 8000.0 ? fhi / 2.0 : 8000.0);
    project(ctx, x);
}

se_status se_fit_safe(const double *freqs, const double *target_db, int n, double fs,
                      double params[13], se_fit_report *report)
{
    if (n < 1 || !(fs > 0.0) || !isfinite(fs))
        return SE_EARG;
    for (int i = 0; i < n; i++)
        if (!(freqs[i] > 0.0 && freqs[i] < 0.5 * fs) || !isfinite(target_db[i]))
            return SE_EARG;
    fit_ctx ctx = {.n = n, .fs = fs, .target = target_db};
    ctx.fmax = SE_FIT_FMAX < 0.45 * fs ? SE_FIT_FMAX : 0.45 * fs;
    double *buf = malloc(sizeof(double) * (size_t)n * (4 + NP));
    if (!buf)
        return SE_ENOMEM;
    ctx.phi = buf; ctx.r = buf + 2 * n; ctx.r_try = buf + 3 * n; ctx.J = buf + 4 * n;
    for (int i = 0; i < n; i++) {
        double w = 2.0 * M_PI * freqs[i] / fs;
        ctx.phi[i] = se_biquad_phi(w);
    }
    static const double starts[][4] = {  /* three peak centres and a Q */
        {200, 1000, 5000, 1.0}, {100, 500, 2500, 0.7}, {400, 2000, 8000, 1.5}, {80, 1500, 6000, 0.5},
        {60, 250, 1000, 2.0}, {1000, 3000, 10000, 2.0}, {150, 700, 3500, 0.4}, {50, 3000, 12000, 1.0},
    };
    double best_cost = INFINITY, best_x[NP] = {0};
    int best_it = 0;
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        double x[NP];
        int it;
        initial_guess(&ctx, freqs, starts[s], starts[s][3], x);
        double cost = levmar(&ctx, x, &it);
        if (it < 0) {
            free(buf);
            return SE_EINTR;
        }
        if (cost < best_cost) {
            best_cost = cost;
            memcpy(best_x, x, sizeof x);
            best_it = it;
        }
    }
    residuals(&ctx, best_x, ctx.r);
    double mx = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++) {
        if (fabs(ctx.r[i]) > mx) mx = fabs(ctx.r[i]);
        ss += ctx.r[i] * ctx.r[i];
    }
    free(buf);
    to_params(best_x, params);
    report->max_err_db = mx;
    report->rms_err_db = sqrt(ss / n);
    report->iterations = best_it;
    return SE_OK;
}
