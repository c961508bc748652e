// module: semeq.eq
/* semeq.eq: EQ filterbanks, their responses, fitting, and processing audio tensors.
 *
 *   local eq = require "semeq.eq"
 *   eq.nparams("safe")                      --> 13 (graphic40: 40)
 *   eq.g40_freqs()                          --> [40] tensor of Audealize centre frequencies
 *   eq.log_grid(n [, lo=20, hi=20000])      --> [n] tensor, log-spaced frequencies in Hz
 *   eq.response(kind, params, freqs [, {fs=44100, clamp=false}])
 *       kind "safe" | "graphic40"; params [batch x np] (or [np], or a Lua table);
 *       freqs [nfreq] Hz --> dB tensor [batch x nfreq] (or [nfreq] for 1-d params)
 *   eq.biquad(kind, {freq=, gain=0, q=1/sqrt2, fs=44100})
 *       kind peak|lowshelf|highshelf|lowpass|highpass|bandpass|notch
 *       --> {b0=, b1=, b2=, a1=, a2=} (normalised, a0 = 1)
 *   eq.biquad_response(kind, {freq=, gain=, q=, fs=}, freqs) --> [nfreq] dB
 *   eq.audealize_gains(curve, amount) --> gains dB (curve [40] or [batch x 40])
 *   eq.fit_safe(target_db, freqs [, {fs=44100, ranges="safe"|"wide", cancel_weight=, cancel_free_db=}])
 *       --> params [13], max_err_db, rms_err_db, cancel_db   (src/core/eq_fit.h: by default
 *       inside SAFE's ranges and without large cancelling band pairs; "wide" with
 *       cancel_weight 0 is the unconstrained fit)
 *   eq.check(kind, params [, {fs=44100, clamp=false}]) --> true, or nil and the problem
 *   eq.band_energies(x, freqs [, {fs=44100, q=sqrt2, skip=0}]) --> [nbands] mean squares of the
 *       1-d signal x through a cookbook bandpass at each frequency, from sample skip + 1 on
 *   local f = eq.new(kind, params, {fs=44100, channels=1, smooth_ms=0, makeup=false, clamp=false})
 *   f:process(x)     x [frames x channels] (or [frames] mono), filtered in place and
 *                    returned; state carries over to the next call. Any strided view
 *                    works: planar [channels x frames] audio is processed as p:t().
 *                    A NaN or Inf output sample (a NaN/Inf input, or an input too large
 *                    for the gain) returns nil and a message naming the frame (counted
 *                    from 0, as the audio messages do) and channel; the peak then reads
 *                    NaN/Inf and the filter restarts from silence.
 *   f:set(params)    new parameters; ramped over smooth_ms when smoothing is on
 *   f:peak()         largest |output sample| so far (NaN if a NaN was written, else inf
 *                    if an infinity was);  f:makeup_db() current make-up gain
 *   f:reset()        clears the filter state and the peak;  f:position() frames done
 *
 * Parameter checking: every value must be finite, frequencies in (0, fs/2), Q > 0;
 * otherwise the call raises an error naming the row, band, parameter and value, e.g.
 *   eq.response: row 2: peak 3 frequency = 30000 must be below Nyquist (22050 Hz)
 * With clamp=true (meant for the outputs of a model) values are clamped instead:
 * frequency to [10 Hz, 0.98 * fs/2], Q to [0.1, 10], gain to [-24, 24] dB. NaN is an
 * error even then. Gains beyond +-60 dB and fs above 1e7 Hz are refused (they overflow
 * the filters: an absurd Audealize amount gave NaN written as full-scale DC); so is an
 * Audealize amount beyond 12. graphic40 bands at or above Nyquist (fs < 39.4 kHz) are
 * bypassed. */
#include <math.h>
#include <string.h>

#include "../core/bands.h"
#include "../core/eq_fit.h"
#include "../core/eq_proc.h"
#include "../core/filterbank.h"
#include "../core/interrupt.h"
#include "lse.h"

#define EQ_FILTER "semeq.eq.Filter"

/* Pushes a contiguous tensor for argument arg (a tensor or a nested table) and returns it. */
static se_tensor *push_contiguous(lua_State *L, int arg)
{
    se_tensor *t = lse_pushtensor_arg(L, arg);
    if (se_tensor_is_contiguous(t))
        return t;
    se_tensor *c = lse_pushempty(L);
    if (se_tensor_contiguous(c, t) != SE_OK)
        lse_error(L, SE_ENOMEM, "eq");
    lua_remove(L, -2);
    return c;
}

static se_fb_kind check_kind(lua_State *L, int arg)
{
    se_fb_kind kind;
    const char *name = luaL_checkstring(L, arg);
    if (se_fb_kind_from_name(name, &kind) != SE_OK)
        luaL_argerror(L, arg, lua_pushfstring(L, "unknown filterbank '%s' (safe, graphic40)", name));
    return kind;
}

static double opt_number(lua_State *L, int arg, const char *key, double def)
{
    if (lua_isnoneornil(L, arg))
        return def;
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_getfield(L, arg, key);
    double v = def;
    if (!lua_isnil(L, -1)) {
        if (!lua_isnumber(L, -1))
            luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be a number", key));
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static bool opt_bool(lua_State *L, int arg, const char *key)
{
    if (lua_isnoneornil(L, arg))
        return false;
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_getfield(L, arg, key);
    bool v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static double check_fs(lua_State *L, int arg)
{
    double fs = opt_number(L, arg, "fs", 44100.0);
    if (!(fs > 0.0) || !(fs <= SE_FB_MAX_FS))
        luaL_argerror(L, arg, lua_pushfstring(L, "fs must be a positive number up to 1e7 Hz, got %f", fs));
    return fs;
}

/* Pushes the problem described by e ("row 2: peak 3 frequency = 30000 must be ..."). */
static const char *push_fb_problem(lua_State *L, se_fb_kind kind, int64_t row, const se_fb_error *e, double fs)
{
    char where[64] = "", band[64], nyq[64] = "";
    if (row >= 0)
        snprintf(where, sizeof where, "row %lld: ", (long long)row + 1);
    if (kind == SE_FB_GRAPHIC40 && e->index >= 0 && strcmp(e->band, "band") == 0)
        snprintf(band, sizeof band, "band %d (%g Hz)", e->index + 1, se_g40_freqs[e->index]);
    else
        snprintf(band, sizeof band, "%s", e->band);
    if (strcmp(e->reason, "must be below Nyquist") == 0)
        snprintf(nyq, sizeof nyq, " (%g Hz)", fs / 2);
    char value[32];
    if (isnan(e->value))
        snprintf(value, sizeof value, "nan");
    else
        snprintf(value, sizeof value, "%g", e->value);
    return lua_pushfstring(L, "%s%s %s = %s %s%s", where, band, e->param, value, e->reason, nyq);
}

/* Raises the problem described by e, prefixed by the function's name. */
static int fb_error(lua_State *L, const char *fn, se_fb_kind kind, int64_t row, const se_fb_error *e, double fs)
{
    return lse_error(L, SE_EARG, "%s: %s", fn, push_fb_problem(L, kind, row, e, fs));
}

static int l_nparams(lua_State *L)
{
    lua_pushinteger(L, se_fb_nparams(check_kind(L, 1)));
    return 1;
}

static int l_g40_freqs(lua_State *L)
{
    int64_t n = SE_G40_NBANDS;
    float *d = se_tensor_data(lse_newtensor(L, 1, &n));
    for (int i = 0; i < SE_G40_NBANDS; i++)
        d[i] = (float)se_g40_freqs[i];
    return 1;
}

static int l_log_grid(lua_State *L)
{
    int64_t n = lse_checksize(L, 1);
    if (n > SE_MAX_NUMEL)
        luaL_argerror(L, 1, lua_pushfstring(L, "n = %I is more than 2^40", (lua_Integer)n));
    double lo = luaL_optnumber(L, 2, 20.0), hi = luaL_optnumber(L, 3, 20000.0);
    if (!(lo > 0.0) || !(hi >= lo) || !isfinite(hi))
        luaL_argerror(L, 2, "need 0 < lo <= hi");
    float *d = se_tensor_data(lse_newtensor(L, 1, &n));
    for (int64_t i = 0; i < n; i++) {
        if (i % SE_INTERRUPT_STRIDE == SE_INTERRUPT_STRIDE - 1 && se_interrupt_pending())
            return lse_error(L, SE_EINTR, "eq.log_grid");
        d[i] = (float)(n == 1 ? lo : exp(log(lo) + (log(hi) - log(lo)) * (double)i / (double)(n - 1)));
    }
    return 1;
}

static int l_response(lua_State *L)
{
    se_fb_kind kind = check_kind(L, 1);
    double fs = check_fs(L, 4);
    bool clamp = opt_bool(L, 4, "clamp");
    int np = se_fb_nparams(kind);
    se_tensor *p = push_contiguous(L, 2);
    se_tensor *f = push_contiguous(L, 3);
    char s1[64];
    if (f->ndim != 1)
        luaL_argerror(L, 3,
                      lua_pushfstring(L, "frequencies must be 1-d, got %s", se_tensor_shape_str(f, s1, sizeof s1)));
    if ((p->ndim != 1 && p->ndim != 2) || p->size[p->ndim - 1] != np)
        luaL_argerror(L, 2,
                      lua_pushfstring(L, "%s needs [batch x %d] or [%d] parameters, got %s", lua_tostring(L, 1), np, np,
                                      se_tensor_shape_str(p, s1, sizeof s1)));
    int64_t batch = p->ndim == 2 ? p->size[0] : 1, nfreq = f->size[0];
    int64_t osize[2] = {batch, nfreq};
    se_tensor *out = p->ndim == 2 ? lse_newtensor(L, 2, osize) : lse_newtensor(L, 1, &nfreq);
    /* Scratch for the cosines, owned by Lua so that an error cannot leak it. */
    double *cosb = lua_newuserdatauv(L, sizeof(double) * (size_t)(nfreq > 0 ? nfreq : 1), 0);
    int64_t bad_row;
    se_fb_error e;
    se_status st = se_fb_response(kind, se_tensor_data(p), batch, se_tensor_data(f), nfreq, fs, clamp, cosb,
                                  se_tensor_data(out), &bad_row, &e);
    if (st == SE_EINTR)
        return lse_error(L, st, "eq.response");
    if (st != SE_OK)
        return fb_error(L, "eq.response", kind, p->ndim == 2 ? bad_row : -1, &e, fs);
    lua_pop(L, 1);
    return 1;
}

static void check_biquad(lua_State *L, se_biquad *bq)
{
    se_biquad_kind kind;
    const char *name = luaL_checkstring(L, 1);
    if (se_biquad_kind_from_name(name, &kind) != SE_OK)
        luaL_argerror(L, 1,
                      lua_pushfstring(L,
                                      "unknown biquad kind '%s' (peak, lowshelf, highshelf, "
                                      "lowpass, highpass, bandpass, notch)",
                                      name));
    luaL_checktype(L, 2, LUA_TTABLE);
    double fs = check_fs(L, 2), freq = opt_number(L, 2, "freq", NAN);
    double gain = opt_number(L, 2, "gain", 0.0), q = opt_number(L, 2, "q", SE_SHELF_Q);
    if (se_biquad_design(bq, kind, fs, freq, gain, q) != SE_OK)
        lse_error(L, SE_EARG,
                  "eq.biquad: %s needs |gain| <= 60 dB, 0 < freq < fs/2 and q > 0, and finite "
                  "coefficients (got freq=%f gain=%f q=%f fs=%f)",
                  name, freq, gain, q, fs);
}

static int l_biquad(lua_State *L)
{
    se_biquad bq;
    check_biquad(L, &bq);
    lua_createtable(L, 0, 5);
    lua_pushnumber(L, bq.b0);
    lua_setfield(L, -2, "b0");
    lua_pushnumber(L, bq.b1);
    lua_setfield(L, -2, "b1");
    lua_pushnumber(L, bq.b2);
    lua_setfield(L, -2, "b2");
    lua_pushnumber(L, bq.a1);
    lua_setfield(L, -2, "a1");
    lua_pushnumber(L, bq.a2);
    lua_setfield(L, -2, "a2");
    return 1;
}

static int l_biquad_response(lua_State *L)
{
    se_biquad bq;
    check_biquad(L, &bq);
    double fs = check_fs(L, 2);
    se_tensor *f = push_contiguous(L, 3);
    if (f->ndim != 1)
        luaL_argerror(L, 3, "frequencies must be 1-d");
    const float *fd = se_tensor_data(f);
    for (int64_t i = 0; i < f->size[0]; i++) /* a NaN frequency gave a NaN response */
        if (!(fd[i] >= 0.0f) || !isfinite(fd[i]))
            lse_error(L, SE_EARG, "eq.biquad_response: frequency %I = %f must be a finite number >= 0",
                      (lua_Integer)i + 1, (double)fd[i]);
    se_tensor *out = lse_newtensor(L, 1, &f->size[0]);
    se_cascade c = {.n = 1, .bq = {bq}};
    se_cascade_db(&c, fs, fd, f->size[0], se_tensor_data(out));
    return 1;
}

static int l_audealize_gains(lua_State *L)
{
    se_tensor *c = push_contiguous(L, 1);
    double amount = luaL_checknumber(L, 2);
    char s1[64];
    if ((c->ndim != 1 && c->ndim != 2) || c->size[c->ndim - 1] != SE_G40_NBANDS)
        luaL_argerror(
            L, 1,
            lua_pushfstring(L, "curve must be [40] or [batch x 40], got %s", se_tensor_shape_str(c, s1, sizeof s1)));
    /* The mapping clamps and normalises: NaN would come out as zeros or NaN gains. */
    if (!isfinite(amount))
        luaL_argerror(L, 2, lua_pushfstring(L, "amount must be finite, got %f", amount));
    /* The gains span +-5 amount dB: past the +-60 dB a filter accepts, refuse it here, once,
     * rather than as a filter error for some band later. */
    if (5.0 * fabs(amount) > SE_BIQUAD_MAX_GAIN_DB)
        luaL_argerror(L, 2,
                      lua_pushfstring(L, "amount %f gives gains of +-%f dB, beyond +-60 dB (|amount| <= 12)", amount,
                                      5.0 * fabs(amount)));
    for (int64_t i = 0; i < se_tensor_numel(c); i++)
        if (!isfinite(se_tensor_data(c)[i]))
            lse_error(L, SE_EARG, "eq.audealize_gains: curve value %I (band %I) = %f is not finite", (lua_Integer)i + 1,
                      (lua_Integer)(i % SE_G40_NBANDS) + 1, (double)se_tensor_data(c)[i]);
    se_tensor *out = lse_newtensor_like(L, c);
    int64_t rows = c->ndim == 2 ? c->size[0] : 1;
    const float *src = se_tensor_data(c);
    float *dst = se_tensor_data(out);
    for (int64_t r = 0; r < rows; r++) {
        double in[SE_G40_NBANDS], g[SE_G40_NBANDS];
        for (int i = 0; i < SE_G40_NBANDS; i++)
            in[i] = src[r * SE_G40_NBANDS + i];
        se_audealize_gains(in, amount, g);
        for (int i = 0; i < SE_G40_NBANDS; i++)
            dst[r * SE_G40_NBANDS + i] = (float)g[i];
    }
    return 1;
}

/* The fitter's options from opts (argument arg): ranges = "safe" (default) or "wide",
 * cancel_weight, cancel_free_db (see src/core/eq_fit.h). */
static se_fit_opts check_fit_opts(lua_State *L, int arg)
{
    se_fit_opts o = se_fit_defaults;
    if (lua_istable(L, arg)) {
        lua_getfield(L, arg, "ranges");
        const char *r = lua_isnil(L, -1) ? "safe" : lua_tostring(L, -1);
        if (!r || (strcmp(r, "safe") != 0 && strcmp(r, "wide") != 0))
            luaL_argerror(L, arg, "option 'ranges' must be \"safe\" or \"wide\"");
        if (strcmp(r, "wide") == 0)
            o = se_fit_unconstrained;
        lua_pop(L, 1);
    }
    o.cancel_weight = opt_number(L, arg, "cancel_weight", o.cancel_weight);
    o.cancel_free_db = opt_number(L, arg, "cancel_free_db", o.cancel_free_db);
    if (!(o.cancel_weight >= 0.0) || !isfinite(o.cancel_weight) || !isfinite(o.cancel_free_db))
        luaL_argerror(L, arg, "cancel_weight must be a finite number >= 0 and cancel_free_db finite");
    return o;
}

static int l_fit_safe(lua_State *L)
{
    double fs = check_fs(L, 3);
    se_fit_opts opts = check_fit_opts(L, 3);
    se_tensor *t = push_contiguous(L, 1);
    se_tensor *f = push_contiguous(L, 2);
    if (t->ndim != 1 || f->ndim != 1 || t->size[0] != f->size[0] || t->size[0] < 1 || t->size[0] > SE_FIT_MAX_POINTS)
        lse_error(L, SE_ESHAPE, "eq.fit_safe: target and freqs must be 1-d of the same length (1..%d)",
                  SE_FIT_MAX_POINTS);
    int n = (int)t->size[0];
    double *buf = lua_newuserdatauv(L, sizeof(double) * (2 * (size_t)n + se_fit_work_size(n)), 0);
    for (int i = 0; i < n; i++) {
        buf[i] = se_tensor_data(f)[i];
        buf[n + i] = se_tensor_data(t)[i];
        if (!(buf[i] > 0.0 && buf[i] < fs / 2))
            lse_error(L, SE_EARG, "eq.fit_safe: frequency %d = %f must be in (0, fs/2 = %f)", i + 1, buf[i], fs / 2);
        if (!isfinite(buf[n + i]))
            lse_error(L, SE_EARG, "eq.fit_safe: target %d is not finite", i + 1);
    }
    double params[SE_SAFE_NPARAMS];
    se_fit_report rep;
    se_status st = se_fit_safe(buf, buf + n, n, fs, &opts, buf + 2 * n, params, &rep);
    lse_check(L, st, "eq.fit_safe");
    int64_t np = SE_SAFE_NPARAMS;
    float *d = se_tensor_data(lse_newtensor(L, 1, &np));
    for (int i = 0; i < SE_SAFE_NPARAMS; i++)
        d[i] = (float)params[i];
    lua_pushnumber(L, rep.max_err_db);
    lua_pushnumber(L, rep.rms_err_db);
    lua_pushnumber(L, rep.cancel_db);
    return 4;
}

static int l_band_energies(lua_State *L)
{
    lua_settop(L, 3);
    double fs = check_fs(L, 3), q = opt_number(L, 3, "q", 1.41421356237309504880),
           skipv = opt_number(L, 3, "skip", 0.0);
    se_tensor *x = push_contiguous(L, 1);
    se_tensor *f = push_contiguous(L, 2);
    char s1[64];
    if (x->ndim != 1 || x->size[0] < 1)
        luaL_argerror(
            L, 1,
            lua_pushfstring(L, "signal must be a non-empty 1-d tensor, got %s", se_tensor_shape_str(x, s1, sizeof s1)));
    if (f->ndim != 1 || f->size[0] > 1024)
        luaL_argerror(L, 2, "frequencies must be a 1-d tensor of at most 1024 values");
    int64_t n = x->size[0];
    if (!(skipv >= 0.0 && skipv < (double)n) || skipv != floor(skipv))
        luaL_argerror(L, 3, lua_pushfstring(L, "skip must be an integer in [0, %I), got %f", (lua_Integer)n, skipv));
    if (!(q > 0.0) || !isfinite(q))
        luaL_argerror(L, 3, "q must be a positive number");
    int nb = (int)f->size[0];
    double *freqs = lua_newuserdatauv(L, sizeof(double) * (size_t)(nb > 0 ? nb : 1), 0);
    for (int b = 0; b < nb; b++) {
        freqs[b] = se_tensor_data(f)[b];
        if (!(freqs[b] > 0.0 && freqs[b] < fs / 2))
            luaL_argerror(L, 2,
                          lua_pushfstring(L, "frequency %d = %f must be in (0, fs/2 = %f)", b + 1, freqs[b], fs / 2));
    }
    float *scratch = lua_newuserdatauv(L, sizeof(float) * (size_t)n, 0);
    double *e = lua_newuserdatauv(L, sizeof(double) * (size_t)(nb > 0 ? nb : 1), 0);
    if (se_band_energies(se_tensor_data(x), n, (int64_t)skipv, freqs, nb, q, fs, scratch, e) != SE_OK)
        return lse_error(L, SE_EARG, "eq.band_energies: bad arguments");
    int64_t size = nb;
    float *out = se_tensor_data(lse_newtensor(L, 1, &size));
    for (int b = 0; b < nb; b++)
        out[b] = (float)e[b];
    return 1;
}

/* ---- filter objects ---- */

typedef struct filter_ud {
    se_eq_proc *proc; /* NULL until created, and after __gc */
    se_fb_kind kind;
    double fs;
    bool clamp;
    int channels;
} filter_ud;

/* Reads np parameters from arg (tensor or table) into p, checking or clamping them. */
static void read_params(lua_State *L, int arg, const filter_ud *u, double *p, const char *fn)
{
    int np = se_fb_nparams(u->kind);
    se_tensor *t = push_contiguous(L, arg);
    if (se_tensor_numel(t) != np)
        luaL_argerror(L, arg,
                      lua_pushfstring(L, "expected %d parameters, got %I", np, (lua_Integer)se_tensor_numel(t)));
    for (int i = 0; i < np; i++)
        p[i] = se_tensor_data(t)[i];
    lua_pop(L, 1);
    se_fb_error e;
    if (se_fb_check(u->kind, p, u->fs, u->clamp, &e) != SE_OK)
        fb_error(L, fn, u->kind, -1, &e, u->fs);
}

/* check(kind, params [, {fs=44100, clamp=false}]) -> true, or nil and what the sample
 * rate or the values cannot carry: the test a caller makes before eq.new on data it
 * did not choose (a model's output, a file's rate). */
static int l_check(lua_State *L)
{
    lua_settop(L, 3);
    se_fb_kind kind = check_kind(L, 1);
    double fs = check_fs(L, 3);
    int np = se_fb_nparams(kind);
    se_tensor *t = push_contiguous(L, 2);
    if (se_tensor_numel(t) != np)
        luaL_argerror(L, 2, lua_pushfstring(L, "expected %d parameters, got %I", np, (lua_Integer)se_tensor_numel(t)));
    double p[SE_FB_MAX_BIQUADS];
    for (int i = 0; i < np; i++)
        p[i] = se_tensor_data(t)[i];
    se_fb_error e;
    if (se_fb_check(kind, p, fs, opt_bool(L, 3, "clamp"), &e) == SE_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    luaL_pushfail(L);
    push_fb_problem(L, kind, -1, &e, fs);
    return 2;
}

static filter_ud *check_filter(lua_State *L)
{
    filter_ud *u = luaL_checkudata(L, 1, EQ_FILTER);
    if (!u->proc)
        luaL_argerror(L, 1, "filter has been freed");
    return u;
}

static int l_new(lua_State *L)
{
    lua_settop(L, 3); /* the userdata goes above the options, even when they are absent */
    se_fb_kind kind = check_kind(L, 1);
    double fs = check_fs(L, 3);
    double ch = opt_number(L, 3, "channels", 1), smooth_ms = opt_number(L, 3, "smooth_ms", 0);
    if (!(ch >= 1 && ch <= 1024) || ch != floor(ch))
        luaL_argerror(L, 3, "channels must be an integer in 1..1024");
    if (!(smooth_ms >= 0 && smooth_ms <= 60000))
        luaL_argerror(L, 3, "smooth_ms must be in [0, 60000]");
    filter_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u); /* closed state first */
    luaL_setmetatable(L, EQ_FILTER);
    u->kind = kind;
    u->fs = fs;
    u->clamp = opt_bool(L, 3, "clamp");
    u->channels = (int)ch;
    double p[SE_FB_MAX_BIQUADS];
    read_params(L, 2, u, p, "eq.new");
    se_fb_error e;
    /* smooth_ms <= 60000 and fs <= 1e7: at most 6e8 frames, so the rounding cannot overflow */
    se_status st = se_eq_proc_new(&u->proc, kind, p, fs, u->channels, (int64_t)llround(smooth_ms * fs / 1000.0),
                                  opt_bool(L, 3, "makeup"), &e);
    if (st == SE_EARG)
        return fb_error(L, "eq.new", kind, -1, &e, fs);
    if (st != SE_OK)
        return lse_error(L, st, "eq.new");
    return 1;
}

static int f_process(lua_State *L)
{
    filter_ud *u = check_filter(L);
    se_tensor *x = lse_checktensor(L, 2);
    char s1[64];
    int64_t ch = x->ndim == 2 ? x->size[1] : 1;
    if (x->ndim < 1 || x->ndim > 2 || ch != u->channels)
        luaL_argerror(L, 2,
                      lua_pushfstring(L, "expected [frames x %d] audio, got %s", u->channels,
                                      se_tensor_shape_str(x, s1, sizeof s1)));
    /* Any strided view works (planar audio as x:t() of a [channels x frames] tensor);
     * a broadcast view (stride 0) would alias samples. */
    int64_t fstride = x->stride[0], cstride = x->ndim == 2 ? x->stride[1] : 1;
    if ((x->size[0] > 1 && fstride == 0) || (ch > 1 && cstride == 0))
        luaL_argerror(L, 2, "audio tensor must not be a broadcast (expanded) view");
    int64_t start = se_eq_proc_position(u->proc);
    se_status st = se_eq_proc_run_strided(u->proc, se_tensor_data(x), x->size[0], fstride, cstride);
    if (st == SE_ERANGE) {
        int64_t frame;
        int channel;
        se_eq_proc_bad_sample(u->proc, &frame, &channel);
        return lse_fail(L,
                        "the output at frame %I (row %I of the block), channel %d is not finite (NaN or "
                        "infinity): a NaN or Inf input sample, or one too large for the gain",
                        (lua_Integer)frame, (lua_Integer)(frame - start) + 1, channel + 1);
    }
    lse_check(L, st, "filter:process");
    lua_settop(L, 2);
    return 1;
}

static int f_set(lua_State *L)
{
    filter_ud *u = check_filter(L);
    double p[SE_FB_MAX_BIQUADS];
    read_params(L, 2, u, p, "filter:set");
    se_fb_error e;
    if (se_eq_proc_set(u->proc, p, &e) != SE_OK)
        return fb_error(L, "filter:set", u->kind, -1, &e, u->fs);
    return 0;
}

static int f_peak(lua_State *L)
{
    lua_pushnumber(L, se_eq_proc_peak(check_filter(L)->proc));
    return 1;
}
static int f_makeup_db(lua_State *L)
{
    lua_pushnumber(L, se_eq_proc_makeup_db(check_filter(L)->proc));
    return 1;
}
static int f_position(lua_State *L)
{
    lua_pushinteger(L, se_eq_proc_position(check_filter(L)->proc));
    return 1;
}
static int f_reset(lua_State *L)
{
    se_eq_proc_reset(check_filter(L)->proc);
    return 0;
}

static int f_gc(lua_State *L)
{
    filter_ud *u = luaL_checkudata(L, 1, EQ_FILTER);
    se_eq_proc_free(u->proc);
    u->proc = NULL;
    return 0;
}

static int f_tostring(lua_State *L)
{
    filter_ud *u = luaL_checkudata(L, 1, EQ_FILTER);
    lua_pushfstring(L, "semeq.eq.Filter(%s, %d ch, %f Hz)%s", u->kind == SE_FB_SAFE ? "safe" : "graphic40", u->channels,
                    u->fs, u->proc ? "" : " (freed)");
    return 1;
}

static const luaL_Reg filter_methods[] = {
    {"process", f_process},   {"set", f_set},     {"peak", f_peak}, {"makeup_db", f_makeup_db},
    {"position", f_position}, {"reset", f_reset}, {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"nparams", l_nparams},
    {"g40_freqs", l_g40_freqs},
    {"log_grid", l_log_grid},
    {"response", l_response},
    {"biquad", l_biquad},
    {"biquad_response", l_biquad_response},
    {"audealize_gains", l_audealize_gains},
    {"fit_safe", l_fit_safe},
    {"check", l_check},
    {"new", l_new},
    {"band_energies", l_band_energies},
    {NULL, NULL},
};

int luaopen_semeq_eq(lua_State *L)
{
    lse_tensor_metatable(L);
    lua_pop(L, 1);
    if (luaL_newmetatable(L, EQ_FILTER)) {
        luaL_newlib(L, filter_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, f_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, f_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, functions);
    return 1;
}
