#include "eq_fit.h"

#include <math.h>
#include <string.h>

#include "eq_fit_band.h"
#include "filterbank.h"
#include "interrupt.h"

#define NP SE_SAFE_NPARAMS
#define NB 5
/* Levmar stops after MAX_ITERATIONS or when an accepted step gains less than STALL of the
 * cost: on the Audealize curves 1e-3 instead of 1e-5 halves the time and raises the mean
 * RMS misfit by under 2 %. */
#define MAX_ITERATIONS 300
#define STALL 1e-3

const double SE_FIT_SAFE_LO[NP] = {-12, 22, -12, 82, 0.1, -12, 180, 0.1, -12, 220, 0.1, -12, 580};
const double SE_FIT_SAFE_HI[NP] = {12, 1000, 12, 3900, 10, 12, 4700, 10, 12, 10000, 10, 12, 20000};

/* The penalty's constants, chosen on the 394 Audealize word curves and random SAFE settings
 * (spec/eq_fit_spec.lua prints the comparison): below 3 dB, opposing bands are how a
 * five-band EQ draws a tilt or a dip beside a shelf, and forbidding them costs fit; above
 * it, a weight of 1 makes a cancelled decibel as dear as a decibel of misfit, which removes
 * the +14/-17 dB pairs while the RMS misfit grows by hundredths of a dB on typical curves. */
const se_fit_opts se_fit_defaults = {SE_FIT_SAFE_RANGES, 1.0, 3.0};
const se_fit_opts se_fit_unconstrained = {SE_FIT_WIDE, 0.0, 0.0};

/* Each parameter's band (0 low shelf, 1-3 peaks, 4 high shelf) and coordinate within it
 * (0 gain dB, 1 ln f, 2 ln Q). */
static const int band_of[NP] = {0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4};
static const int coord_of[NP] = {0, 1, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1};

typedef struct fit_ctx {
    int n, m; /* grid points; residuals (2n with the penalty, else n) */
    double fs;
    const double *freqs, *target, *phi;
    double lo[NP], hi[NP]; /* bounds in fit coordinates */
    double weight, free_db;
    double *r, *r_try, *J; /* residuals [m], Jacobian [m x NP] row-major */
} fit_ctx;

size_t se_fit_work_size(int n) { return n > 0 ? (size_t)SE_FIT_WORK_PER_POINT * (size_t)n : 0; }

static void set_bounds(fit_ctx *ctx, const se_fit_opts *opts)
{
    double fcap = 0.45 * ctx->fs;
    for (int i = 0; i < NP; i++) {
        double lo, hi;
        if (opts->bounds == SE_FIT_SAFE_RANGES) {
            lo = SE_FIT_SAFE_LO[i];
            hi = SE_FIT_SAFE_HI[i];
        } else if (coord_of[i] == 0) {
            lo = -SE_FIT_WIDE_GAIN_MAX;
            hi = SE_FIT_WIDE_GAIN_MAX;
        } else if (coord_of[i] == 1) {
            lo = SE_FIT_FMIN;
            hi = SE_FIT_FMAX;
        } else {
            lo = SE_FIT_QMIN;
            hi = SE_FIT_QMAX;
        }
        if (coord_of[i] == 1 && hi > fcap)
            hi = fcap;
        if (coord_of[i] == 1 && lo > hi)
            lo = hi; /* a low rate: the whole range is above the cap */
        ctx->lo[i] = coord_of[i] == 0 ? lo : log(lo);
        ctx->hi[i] = coord_of[i] == 0 ? hi : log(hi);
    }
}

static void to_params(const double *x, double *p)
{
    for (int i = 0; i < NP; i++)
        p[i] = coord_of[i] == 0 ? x[i] : exp(x[i]);
}

static void project(const fit_ctx *ctx, double *x)
{
    for (int i = 0; i < NP; i++) {
        if (!(x[i] >= ctx->lo[i]))
            x[i] = ctx->lo[i]; /* also catches NaN */
        if (x[i] > ctx->hi[i])
            x[i] = ctx->hi[i];
    }
}

static int design(const fit_ctx *ctx, const double *x, se_fit_band b[NB])
{
    double p[NP];
    to_params(x, p);
    se_status st = se_fit_band_design(&b[0], SE_BQ_LOWSHELF, ctx->fs, p[1], p[0], SE_SHELF_Q);
    for (int k = 0; k < 3 && st == SE_OK; k++)
        st = se_fit_band_design(&b[1 + k], SE_BQ_PEAK, ctx->fs, p[3 + 3 * k], p[2 + 3 * k], p[4 + 3 * k]);
    if (st == SE_OK)
        st = se_fit_band_design(&b[4], SE_BQ_HIGHSHELF, ctx->fs, p[12], p[11], SE_SHELF_Q);
    return st == SE_OK;
}

/* The response at one grid point: total dB, the cancelled gain min(boost, cut) (with
 * boost = the dB of the bands that boost at phi, cut = boost - total the dB the others cut,
 * so that the cancelled amount of eq_fit.h is their minimum), and with g != NULL each band's
 * derivatives. Two logarithms per point whatever the number of bands. */
typedef struct grid_point {
    double total, boost, cancel;
    int boosting[NB];
    double g[NB][3];
} grid_point;

static void eval_point(const se_fit_band b[NB], double phi, grid_point *pt, int with_grad)
{
    double all = 1.0, pos = 1.0;
    for (int k = 0; k < NB; k++) {
        double num, den, dn[3], dd[3];
        se_fit_band_eval(&b[k], phi, &num, &den, with_grad ? dn : NULL, with_grad ? dd : NULL);
        double ratio = num / den;
        all *= ratio;
        pt->boosting[k] = ratio > 1.0;
        if (ratio > 1.0)
            pos *= ratio;
        if (with_grad)
            for (int c = 0; c < 3; c++)
                pt->g[k][c] = 10.0 / M_LN10 * (dn[c] / num - dd[c] / den);
    }
    pt->total = 10.0 * log10(all);
    pt->boost = pos > 1.0 ? 10.0 * log10(pos) : 0.0;
    double cut = pt->boost - pt->total;
    pt->cancel = pt->boost < cut ? pt->boost : cut;
}

/* Residuals at x into r (and, when J is not NULL, the Jacobian); returns the sum of squares.
 * Rows 0..n-1 are the misfit in dB, rows n..2n-1 (when the penalty is on) the cancellation. */
static double evaluate(const fit_ctx *ctx, const double *x, double *r, double *J)
{
    se_fit_band b[NB];
    if (!design(ctx, x, b))
        return INFINITY;
    double ss = 0.0;
    for (int i = 0; i < ctx->n; i++) {
        grid_point pt;
        eval_point(b, ctx->phi[i], &pt, J != NULL);
        r[i] = pt.total - ctx->target[i];
        ss += r[i] * r[i];
        if (J)
            for (int p = 0; p < NP; p++)
                J[i * NP + p] = pt.g[band_of[p]][coord_of[p]];
        if (ctx->m == ctx->n)
            continue;
        double excess = pt.cancel - ctx->free_db;
        double *row = J ? J + (size_t)(ctx->n + i) * NP : NULL;
        r[ctx->n + i] = excess > 0.0 ? ctx->weight * excess : 0.0;
        ss += r[ctx->n + i] * r[ctx->n + i];
        if (!row)
            continue;
        /* cancel = boost when boost <= cut: it moves with the boosting bands; otherwise it is
         * cut = -(sum of the cutting bands' dB) and moves against them. */
        int by_boost = pt.boost <= pt.boost - pt.total;
        for (int p = 0; p < NP; p++) {
            int k = band_of[p];
            double gk = pt.g[k][coord_of[p]];
            double dc = by_boost ? (pt.boosting[k] ? gk : 0.0) : (pt.boosting[k] ? 0.0 : -gk);
            row[p] = excess > 0.0 ? ctx->weight * dc : 0.0;
        }
    }
    return ss;
}

/* Solves A d = b for symmetric positive definite A (NP x NP) by Cholesky; false if not SPD. */
static int cholesky_solve(double A[NP][NP], const double *b, double *d)
{
    double L[NP][NP] = {{0}};
    for (int i = 0; i < NP; i++) {
        for (int j = 0; j <= i; j++) {
            double s = A[i][j];
            for (int k = 0; k < j; k++)
                s -= L[i][k] * L[j][k];
            if (i == j) {
                if (!(s > 0.0))
                    return 0;
                L[i][i] = sqrt(s);
            } else {
                L[i][j] = s / L[j][j];
            }
        }
    }
    double y[NP];
    for (int i = 0; i < NP; i++) {
        double s = b[i];
        for (int k = 0; k < i; k++)
            s -= L[i][k] * y[k];
        y[i] = s / L[i][i];
    }
    for (int i = NP - 1; i >= 0; i--) {
        double s = y[i];
        for (int k = i + 1; k < NP; k++)
            s -= L[k][i] * d[k];
        d[i] = s / L[i][i];
    }
    return 1;
}

/* J^T J (lower triangle) and -J^T r over the rows that are not all zero. */
static void normal_equations(const fit_ctx *ctx, double JtJ[NP][NP], double g[NP])
{
    memset(JtJ, 0, sizeof(double) * NP * NP);
    memset(g, 0, sizeof(double) * NP);
    for (int i = 0; i < ctx->m; i++) {
        if (i >= ctx->n && ctx->r[i] == 0.0)
            continue; /* an inactive penalty row */
        const double *row = &ctx->J[(size_t)i * NP];
        for (int a = 0; a < NP; a++) {
            g[a] -= row[a] * ctx->r[i];
            for (int b = 0; b < NP; b++)
                JtJ[a][b] += row[a] * row[b]; /* full rows vectorise */
        }
    }
}

/* Levenberg-Marquardt from x (updated in place) for at most max_iter iterations; returns
 * the final sum of squares. *iters counts the iterations done (added to). It stops early
 * when an interrupt is requested (interrupt.h), which the caller checks. */
static double levmar(fit_ctx *ctx, double *x, int max_iter, int *iters)
{
    double lambda = 1e-2, cost = evaluate(ctx, x, ctx->r, ctx->J);
    int it, done = 0;
    for (it = 0; it < max_iter && !done && lambda < 1e12 && !se_interrupt_pending(); it++) {
        if (it > 0)
            evaluate(ctx, x, ctx->r, ctx->J);
        double JtJ[NP][NP], g[NP];
        normal_equations(ctx, JtJ, g);
        for (;;) {
            double A[NP][NP], d[NP], xt[NP];
            for (int a = 0; a < NP; a++)
                for (int b = 0; b <= a; b++)
                    A[a][b] = A[b][a] = JtJ[a][b] + (a == b ? lambda * (JtJ[a][a] + 1e-9) : 0.0);
            if (!cholesky_solve(A, g, d)) {
                lambda *= 10.0;
                if (lambda >= 1e12)
                    break;
                continue;
            }
            for (int a = 0; a < NP; a++)
                xt[a] = x[a] + d[a];
            project(ctx, xt);
            double c = evaluate(ctx, xt, ctx->r_try, NULL);
            if (c < cost) {
                double gain = cost - c;
                memcpy(x, xt, sizeof xt);
                cost = c;
                lambda = lambda / 3.0 > 1e-9 ? lambda / 3.0 : 1e-9;
                if (gain < STALL * cost + 1e-12)
                    done = 1; /* relative progress stalled */
                break;
            }
            lambda *= 4.0;
            if (lambda >= 1e12)
                break;
        }
    }
    *iters += it;
    return cost;
}

/* The target at the grid point nearest to f in log frequency (the grid may be unsorted). */
static double target_near(const fit_ctx *ctx, double f)
{
    int best = 0;
    for (int i = 1; i < ctx->n; i++)
        if (fabs(log(ctx->freqs[i] / f)) < fabs(log(ctx->freqs[best] / f)))
            best = i;
    return ctx->target[best];
}

static void initial_guess(const fit_ctx *ctx, const double start[4], double *x)
{
    double flo = ctx->freqs[0], fhi = ctx->freqs[0];
    for (int i = 1; i < ctx->n; i++) {
        if (ctx->freqs[i] < flo)
            flo = ctx->freqs[i];
        if (ctx->freqs[i] > fhi)
            fhi = ctx->freqs[i];
    }
    double ls = target_near(ctx, flo), hs = target_near(ctx, fhi);
    x[0] = ls;
    x[1] = log(100.0);
    for (int k = 0; k < 3; k++) {
        x[2 + 3 * k] = target_near(ctx, start[k]) - 0.5 * (ls + hs);
        x[3 + 3 * k] = log(start[k]);
        x[4 + 3 * k] = log(start[3]);
    }
    x[11] = hs;
    x[12] = log(fhi < 8000.0 ? fhi / 2.0 : 8000.0);
    project(ctx, x);
}

static se_status check_args(const double *freqs, const double *target_db, int n, double fs, const se_fit_opts *opts,
                            const double *work)
{
    if (n < 1 || n > SE_FIT_MAX_POINTS || !(fs > 0.0) || !isfinite(fs) || !opts || !work)
        return SE_EARG;
    if (!(opts->cancel_weight >= 0.0) || !isfinite(opts->cancel_weight) || !isfinite(opts->cancel_free_db))
        return SE_EARG;
    for (int i = 0; i < n; i++)
        if (!(freqs[i] > 0.0 && freqs[i] < 0.5 * fs) || !isfinite(target_db[i]))
            return SE_EARG;
    return SE_OK;
}

se_status se_fit_safe(const double *freqs, const double *target_db, int n, double fs, const se_fit_opts *opts,
                      double *work, double params[13], se_fit_report *report)
{
    se_status st = check_args(freqs, target_db, n, fs, opts, work);
    if (st != SE_OK)
        return st;
    fit_ctx ctx = {.n = n, .fs = fs, .freqs = freqs, .target = target_db};
    ctx.m = opts->cancel_weight > 0.0 ? 2 * n : n;
    ctx.weight = opts->cancel_weight;
    ctx.free_db = opts->cancel_free_db;
    set_bounds(&ctx, opts);
    double *phi = work;
    ctx.phi = phi;
    ctx.r = work + n;
    ctx.r_try = ctx.r + 2 * (size_t)n;
    ctx.J = ctx.r_try + 2 * (size_t)n;
    for (int i = 0; i < n; i++)
        phi[i] = se_biquad_phi(2.0 * M_PI * freqs[i] / fs);
    static const double starts[][4] = {
        /* three peak centres and a Q */
        {200, 1000, 5000, 1.0}, {100, 500, 2500, 0.7},    {400, 2000, 8000, 1.5}, {80, 1500, 6000, 0.5},
        {60, 250, 1000, 2.0},   {1000, 3000, 10000, 2.0}, {150, 700, 3500, 0.4},  {50, 3000, 12000, 1.0},
    };
    double best_cost = INFINITY, best_x[NP] = {0};
    int best_it = 0;
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        double x[NP];
        int it = 0;
        initial_guess(&ctx, starts[s], x);
        double cost = levmar(&ctx, x, MAX_ITERATIONS, &it);
        if (se_interrupt_pending())
            return SE_EINTR;
        if (cost < best_cost) {
            best_cost = cost;
            memcpy(best_x, x, sizeof x);
            best_it = it;
        }
    }
    evaluate(&ctx, best_x, ctx.r, NULL);
    double mx = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++) {
        if (fabs(ctx.r[i]) > mx)
            mx = fabs(ctx.r[i]);
        ss += ctx.r[i] * ctx.r[i];
    }
    to_params(best_x, params);
    report->max_err_db = mx;
    report->rms_err_db = sqrt(ss / n);
    report->iterations = best_it;
    return se_fit_cancel_db(params, freqs, n, fs, &report->cancel_db);
}

se_status se_fit_cancel_db(const double params[13], const double *freqs, int n, double fs, double *max_cancel)
{
    se_fit_band b[NB];
    double x[NP];
    for (int i = 0; i < NP; i++) {
        if (!(coord_of[i] == 0 || params[i] > 0.0))
            return SE_EARG;
        x[i] = coord_of[i] == 0 ? params[i] : log(params[i]);
    }
    fit_ctx ctx = {.fs = fs};
    if (!(fs > 0.0) || !design(&ctx, x, b))
        return SE_EARG;
    double mx = 0.0;
    for (int i = 0; i < n; i++) {
        if (!(freqs[i] > 0.0 && freqs[i] < 0.5 * fs))
            return SE_EARG;
        grid_point pt;
        eval_point(b, se_biquad_phi(2.0 * M_PI * freqs[i] / fs), &pt, 0);
        if (pt.cancel > mx)
            mx = pt.cancel;
    }
    *max_cancel = mx;
    return SE_OK;
}
