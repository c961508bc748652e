/* semeq-eq.lv2 in a real LV2 host (lilv, spec/lv2/host.c), from the bundle on LV2_PATH:
 *
 *   (a) with static controls the output equals scripts/apply.lua's on the same noise file
 *       to 1e-5, in blocks of random sizes: mono and stereo, with and without the worker,
 *       three rates, the bundled model and a model the host chose (patch:Set through the
 *       worker, and state saved from that instance restored into a new one);
 *   (b) run() (with work_response and end_run) makes no heap call, with or without a
 *       worker, and locks no mutex with a worker; without one, run() computes a setting
 *       itself when a control moves, and OpenBLAS's sgemv locks the mutex of its buffer
 *       pool there: counted and printed, not refused (the fallback is for offline hosts);
 *   (c) a sweep of `amount` on a sine, with a jump, makes no step larger than the sine
 *       could make through any EQ of the sweep plus what a crossfade of at least 10 ms
 *       adds (bound below), while switching the same settings at once would;
 *   (d) toggling `enabled` makes no step larger than the dry or wet track makes plus
 *       what a crossfade of at least 10 ms adds, while a hard switch would;
 *   (e) silence, DC, full-scale input, NaN/Inf/huge samples and denormal input give
 *       finite output with no denormals.
 * Measured numbers are printed; any failed check makes the exit status 1.
 *
 *   test_lv2 SEMEQ_BIN      (from the source tree, LV2_PATH pointing at the bundle's parent)
 * The host-chosen models are models/safe_vae2d.safetensors (SAFE parameters, a 2-D
 * latent) and a small 40-band graphic model trained here on SocialFX in a few seconds
 * (when the data is found), which makes the plug-in switch processor kinds;
 * SEMEQ_LV2_TEST_MODELS (colon-separated) replaces them. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../c/check.h"
#include "rt_calls.h"
#include "eq_proc.h"
#include "filterbank.h"
#include "host.h"
#include "semeq.h"
#include "signals.h"

#define MONO "urn:semeq:lv2:eq-mono"
#define STEREO "urn:semeq:lv2:eq-stereo"
#define BUNDLED_MODEL "models/safe_warm_bright.safetensors"
#define TOLERANCE 1e-5

static const char *semeq_bin;
static long locks_without_worker; /* (b): taken in run() where no worker computes */
static const char *const EQ_PORTS[13] = {"ls_gain", "ls_freq", "p1_gain", "p1_freq", "p1_q",    "p2_gain", "p2_freq",
                                         "p2_q",    "p3_gain", "p3_freq", "p3_q",    "hs_gain", "hs_freq"};
static char tmpdir[] = "/tmp/semeq_lv2_XXXXXX";
static host_world *world;

typedef void (*automation)(host *h, int64_t at, void *ud);

/* Runs in through h in blocks of random size (1..max_block) into out; automate (if any)
 * sets controls before each block. */
static void process(host *h, const track *in, track *out, uint32_t seed, int max_block, automation automate, void *ud)
{
    uint32_t st = seed;
    for (int64_t at = 0; at < in->frames;) {
        int64_t n = rand_between(&st, 1, max_block);
        if (n > in->frames - at)
            n = in->frames - at;
        if (automate)
            automate(h, at, ud);
        for (int c = 0; c < h->nin; c++)
            memcpy(h->in[c], in->x[c] + at, sizeof(float) * (size_t)n);
        host_run(h, (uint32_t)n);
        for (int c = 0; c < h->nout; c++)
            memcpy(out->x[c] + at, h->out[c], sizeof(float) * (size_t)n);
        at += n;
    }
}

static double max_abs_diff(const track *a, const track *b, float scale_b)
{
    double worst = a->frames == b->frames && a->channels == b->channels ? 0.0 : INFINITY;
    for (int c = 0; worst < INFINITY && c < a->channels; c++)
        for (int64_t f = 0; f < a->frames; f++) {
            double d = fabs((double)a->x[c][f] - (double)(b->x[c][f] * scale_b));
            if (!(d <= worst))
                worst = d; /* NaN counts as the worst */
        }
    return worst;
}

/* The largest |x[n] - x[n-1]| over frames [from, to). */
static double max_step(const track *s, int64_t from, int64_t to)
{
    double worst = 0.0;
    for (int c = 0; c < s->channels; c++)
        for (int64_t f = from > 1 ? from : 1; f < to && f < s->frames; f++) {
            double d = fabs((double)s->x[c][f] - (double)s->x[c][f - 1]);
            if (!(d <= worst))
                worst = d;
        }
    return worst;
}

static semeq_model *load_model(const char *path)
{
    char err[1024];
    semeq_model *m = NULL;
    if (semeq_model_load(path, &m, err, sizeof err) != SEMEQ_OK)
        fprintf(stderr, "%s\n", err);
    CHECK(m != NULL);
    return m;
}

static void tmp_path(char *out, size_t size, const char *name) { snprintf(out, size, "%s/%s", tmpdir, name); }

/* apply.lua's output for noise `in` (written to a file), read back into ref. */
static bool reference(const track *in, int rate, const char *model, const char *from, const char *to, float amount,
                      float intensity, track *ref)
{
    char in_path[512], out_path[512];
    tmp_path(in_path, sizeof in_path, "in.wav");
    tmp_path(out_path, sizeof out_path, "out.wav");
    bool ok = wav_write(in_path, in, rate) &&
        run_apply(semeq_bin, in_path, out_path, model, from, to, amount, intensity) && wav_read(out_path, ref);
    CHECK(ok);
    return ok;
}

/* ---------------------------------------------------------------- (a) static controls */

static const char *mode_name(host_worker_mode m)
{
    return m == HOST_NO_WORKER ? "no worker" : m == HOST_SYNC_WORKER ? "worker (offline)" : "worker thread";
}

typedef struct static_case {
    const char *uri;
    host_worker_mode mode;
    int rate;
    const char *from, *to;
    float amount, intensity, gain_db;
} static_case;

static void set_terms(host *h, const semeq_model *m, const char *from, const char *to)
{
    host_set(h, "from", (float)semeq_model_term_index(m, from));
    host_set(h, "to", (float)semeq_model_term_index(m, to));
}

/* The EQ ports report the setting semeq_eq_for_terms gives for the controls. */
static void check_reported_eq(const host *h, const semeq_model *m, const static_case *k)
{
    semeq_eq eq;
    size_t size = semeq_scratch_size(m, 1);
    void *scratch = malloc(size);
    CHECK(semeq_eq_for_terms(m, semeq_model_term_index(m, k->from), semeq_model_term_index(m, k->to), k->amount,
                             k->intensity, &eq, scratch, size) == SEMEQ_OK);
    free(scratch);
    CHECK(eq.kind == SEMEQ_EQ_SAFE);
    for (int j = 0; j < 13; j++)
        CHECK(host_get(h, EQ_PORTS[j]) == eq.params[j]);
    CHECK(host_get(h, "fit_error") == eq.fit_error_db);
}

static void test_static(const semeq_model *m)
{
    static const static_case cases[] = {
        {STEREO, HOST_THREAD_WORKER, 48000, "warm", "bright", 0.3f, 0.7f, 0.0f},
        {MONO, HOST_NO_WORKER, 44100, "bright", "warm", 1.0f, 1.0f, 0.0f},
        {STEREO, HOST_NO_WORKER, 96000, "warm", "warm", 0.0f, 0.35f, 0.0f},
        {MONO, HOST_SYNC_WORKER, 48000, "bright", "warm", 0.625f, 0.9f, -6.0f},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const static_case *k = &cases[i];
        host h;
        if (!host_open(&h, world, k->uri, k->rate, k->mode)) {
            CHECK(!"host_open");
            continue;
        }
        track in, out, ref = {0};
        track_new(&in, h.nin, k->rate * 3 / 2);
        track_new(&out, h.nout, in.frames);
        track_noise(&in, 100 + (uint32_t)i, 0.5f);
        set_terms(&h, m, k->from, k->to);
        host_set(&h, "amount", k->amount);
        host_set(&h, "intensity", k->intensity);
        host_set(&h, "output_gain", k->gain_db);
        host_activate(&h);
        process(&h, &in, &out, 7 + (uint32_t)i, 4096, NULL, NULL);
        if (reference(&in, k->rate, BUNDLED_MODEL, k->from, k->to, k->amount, k->intensity, &ref)) {
            double d = max_abs_diff(&out, &ref, powf(10.0f, k->gain_db / 20.0f));
            printf("(a) %s %s %d Hz %s->%s amount %g intensity %g gain %g dB: max |plug-in - apply.lua| = %.3g\n",
                   k->uri + 14, mode_name(k->mode), k->rate, k->from, k->to, k->amount, k->intensity, k->gain_db, d);
            CHECK(d <= TOLERANCE);
        }
        check_reported_eq(&h, m, k);
        track_free(&in), track_free(&out), track_free(&ref);
        host_close(&h);
    }
}

/* A host-chosen model: patch:Set through a worker thread, then the same file restored
 * from saved state into a new instance without a worker. */
static void test_host_model(const semeq_model *bundled, const char *model_arg)
{
    char path[4096];
    if (!realpath(model_arg, path)) {
        CHECK(!"host model exists");
        return;
    }
    semeq_model *m = load_model(path);
    if (!m)
        return;
    const char *from = semeq_model_term(m, 0), *to = semeq_model_term(m, semeq_model_term_count(m) - 1);
    const int rate = 48000;
    host a, b;
    if (!host_open(&a, world, STEREO, rate, HOST_THREAD_WORKER)) {
        CHECK(!"host_open");
        semeq_model_free(m);
        return;
    }
    track in, out, ref = {0};
    track_new(&in, 2, rate);
    track_new(&out, 2, rate);
    track_noise(&in, 42, 0.5f);
    host_set(&a, "from", 0.0f);
    host_set(&a, "to", (float)(semeq_model_term_count(m) - 1));
    host_set(&a, "amount", 0.75f);
    host_set(&a, "intensity", 0.8f);
    host_activate(&a);
    host_send_model(&a, path);
    /* silence while the worker loads the model (up to 10 s), then while the EQ crossfades
     * to its setting (20 ms) */
    memset(a.in[0], 0, 512 * sizeof(float)), memset(a.in[1], 0, 512 * sizeof(float));
    for (int i = 0; i < 10000 && strcmp(a.notified_model, path) != 0; i++) {
        host_run(&a, 512);
        usleep(1000);
    }
    for (int i = 0; i < 4; i++)
        host_run(&a, 512);
    CHECK(strcmp(a.notified_model, path) == 0);
    process(&a, &in, &out, 5, 2048, NULL, NULL);
    bool have_ref = reference(&in, rate, path, from, to, 0.75f, 0.8f, &ref);
    if (have_ref) {
        double d = max_abs_diff(&out, &ref, 1.0f);
        printf("(a) host model %s by patch:Set (worker thread): max |plug-in - apply.lua| = %.3g\n", model_arg, d);
        CHECK(d <= TOLERANCE);
    }
    /* files that are no model are refused (logged by the worker); the model stays, and a
     * patch:Get says so */
    float fit_before = host_get(&a, "fit_error"), gain_before = host_get(&a, "ls_gain");
    const char *bad[2] = {"/nonexistent/model.safetensors", "README.md"};
    for (int k = 0; k < 2; k++) {
        char bad_path[4096];
        if (!realpath(bad[k], bad_path))
            snprintf(bad_path, sizeof bad_path, "%s", bad[k]);
        host_send_model(&a, bad_path);
        for (int i = 0; i < 50; i++) {
            host_run(&a, 512);
            usleep(1000);
        }
    }
    a.notified_model[0] = '\0';
    host_send_get(&a);
    host_run(&a, 64);
    CHECK(strcmp(a.notified_model, path) == 0);
    CHECK(host_get(&a, "fit_error") == fit_before && host_get(&a, "ls_gain") == gain_before);
    char *state = host_save_state(&a);
    CHECK(state && strstr(state, path));
    host_close(&a);

    if (state && host_open(&b, world, STEREO, rate, HOST_NO_WORKER)) {
        CHECK(host_restore_state(&b, state));
        host_set(&b, "from", 0.0f);
        host_set(&b, "to", (float)(semeq_model_term_count(m) - 1));
        host_set(&b, "amount", 0.75f);
        host_set(&b, "intensity", 0.8f);
        host_activate(&b);
        process(&b, &in, &out, 6, 1024, NULL, NULL);
        CHECK(strcmp(b.notified_model, path) == 0);
        if (have_ref) {
            double d = max_abs_diff(&out, &ref, 1.0f);
            printf("(a) host model %s restored from state (no worker): max |plug-in - apply.lua| = %.3g\n", model_arg,
                   d);
            CHECK(d <= TOLERANCE);
        }
        /* the state of an instance that kept the bundled model names no file: restoring
         * it brings the bundled model back */
        host fresh;
        if (host_open(&fresh, world, STEREO, rate, HOST_NO_WORKER)) {
            char *empty = host_save_state(&fresh);
            CHECK(empty && !strstr(empty, "safetensors"));
            CHECK(empty && host_restore_state(&b, empty));
            host_run(&b, 64);
            CHECK(strstr(b.notified_model, "semeq-eq.lv2/safe_warm_bright.safetensors") != NULL);
            free(empty);
            host_close(&fresh);
        }
        host_close(&b);
    }
    (void)bundled;
    free(state);
    track_free(&in), track_free(&out), track_free(&ref);
    semeq_model_free(m);
}

/* A 40-band graphic model of SocialFX's words (2 epochs: its sound does not matter, its
 * kind does), into path; false if it cannot be trained (no data). */
static bool train_graphic40(const char *path)
{
    char *argv[] = {(char *)semeq_bin, "scripts/train_filtered.lua",
                    "--data",          "socialfx",
                    "--epochs",        "2",
                    "--bootstrap",     "0",
                    "--widths",        "16,16",
                    "--quiet",         "--out",
                    (char *)path,      NULL};
    return run_program(argv, false);
}

/* ---------------------------------------------------------------- (c) automation sweep */

static double response_at(const semeq_eq *eq, double rate, double freq)
{
    double p[SE_FB_MAX_BIQUADS];
    for (int j = 0; j < eq->nparams; j++)
        p[j] = eq->params[j];
    se_cascade c;
    se_fb_error err;
    if (se_fb_design(&c, eq->kind == SEMEQ_EQ_SAFE ? SE_FB_SAFE : SE_FB_GRAPHIC40, p, rate, false, &err) != SE_OK)
        return NAN;
    float f = (float)freq, db;
    se_cascade_db(&c, rate, &f, 1, &db);
    return pow(10.0, db / 20.0);
}

typedef struct sweep {
    double rate;
    int64_t jump_at;           /* amount jumps from 1 back to 0 here */
    double reported[2048][13]; /* the EQ the ports reported for each block */
    int64_t block_at[2048];
    int nblocks;
} sweep;

static float sweep_amount(const sweep *s, int64_t at)
{
    double t = (double)at / s->rate;
    if (at >= s->jump_at)
        return 0.0f;
    return t < 0.5 ? 0.0f : t > 1.5 ? 1.0f : (float)(t - 0.5);
}

/* The sine through the plug-in with `amount` automated per block (random sizes); the EQ
 * ports after each block say which setting that block crossfaded to. With a worker
 * thread the blocks come at the pace of real time, as in a live host. */
static void run_sweep(host *h, sweep *s, const track *in, track *out)
{
    uint32_t st = 11;
    for (int64_t at = 0; at < in->frames && s->nblocks < 2048;) {
        int64_t n = rand_between(&st, 1, 512);
        if (n > in->frames - at)
            n = in->frames - at;
        host_set(h, "amount", sweep_amount(s, at));
        memcpy(h->in[0], in->x[0] + at, sizeof(float) * (size_t)n);
        host_run(h, (uint32_t)n);
        memcpy(out->x[0] + at, h->out[0], sizeof(float) * (size_t)n);
        if (h->mode == HOST_THREAD_WORKER)
            usleep((useconds_t)(1e6 * (double)n / s->rate));
        for (int j = 0; j < 13; j++)
            s->reported[s->nblocks][j] = host_get(h, EQ_PORTS[j]);
        s->block_at[s->nblocks++] = at;
        at += n;
    }
}

/* The same settings as the plug-in's, switched at once at the same blocks (the core's
 * processor without smoothing): the zipper a missing crossfade would make. */
static void switched_at_once(const sweep *s, const track *in, track *out)
{
    se_eq_proc *p;
    se_fb_error err;
    CHECK(se_eq_proc_new(&p, SE_FB_SAFE, s->reported[0], s->rate, 1, 0, false, &err) == SE_OK);
    memcpy(out->x[0], in->x[0], sizeof(float) * (size_t)in->frames);
    for (int b = 0; b < s->nblocks; b++) {
        int64_t end = b + 1 < s->nblocks ? s->block_at[b + 1] : in->frames;
        se_eq_proc_set(p, s->reported[b], &err);
        se_eq_proc_run(p, out->x[0] + s->block_at[b], end - s->block_at[b]);
    }
    se_eq_proc_free(p);
}

static void test_sweep(const semeq_model *m, host_worker_mode mode)
{
    const double rate = 48000, freq = 100, amp = 0.5;
    host h;
    if (!host_open(&h, world, MONO, rate, mode)) {
        CHECK(!"host_open");
        return;
    }
    static sweep s;
    s = (sweep){.rate = rate, .jump_at = (int64_t)(2.0 * rate)};
    track in, out, zipper;
    track_new(&in, 1, (int64_t)(2.5 * rate));
    track_new(&out, 1, in.frames);
    track_new(&zipper, 1, in.frames);
    track_sine(&in, freq, rate, (float)amp);
    set_terms(&h, m, "warm", "bright");
    host_set(&h, "intensity", 1.0f);
    host_set(&h, "amount", 0.0f);
    host_activate(&h);
    long locks = rt_calls_locks();
    run_sweep(&h, &s, &in, &out);
    locks = rt_calls_locks() - locks;
    if (mode == HOST_NO_WORKER)
        locks_without_worker += locks;

    /* the bound: the sine through the EQ of any amount of the sweep */
    size_t size = semeq_scratch_size(m, 1);
    void *scratch = malloc(size);
    double hmax = 0.0, hmin = INFINITY;
    for (int k = 0; k <= 200; k++) {
        semeq_eq eq;
        CHECK(semeq_eq_for_terms(m, semeq_model_term_index(m, "warm"), semeq_model_term_index(m, "bright"),
                                 (float)k / 200.0f, 1.0f, &eq, scratch, size) == SEMEQ_OK);
        double g = response_at(&eq, rate, freq);
        hmax = g > hmax ? g : hmax;
        hmin = g < hmin ? g : hmin;
    }
    free(scratch);
    /* The largest step the sine makes through any EQ of the sweep, plus the most a
     * crossfade of at least 10 ms between two such outputs can add (1/N of their largest
     * difference, at most twice the largest amplitude). */
    double sine_step = amp * hmax * 2.0 * sin(M_PI * freq / rate);
    double bound = sine_step + 2.0 * amp * hmax / (0.010 * rate);
    double step = max_step(&out, 1, out.frames);
    switched_at_once(&s, &in, &zipper);
    double zip = max_step(&zipper, 1, zipper.frames);
    int changes = 0;
    for (int b = 1; b < s.nblocks; b++)
        changes += memcmp(s.reported[b], s.reported[b - 1], sizeof s.reported[b]) != 0;
    printf("(c) %s: amount sweep 0->1 over 1 s then a jump to 0, %g Hz sine at %g, %d EQ changes: |H| %.3f..%.3f "
           "over the sweep; max step %.5f, bound %.5f (the sine's largest step through the sweep's EQs %.5f + 2 x %g "
           "x %.3f / 10 ms); the same settings switched without crossfades %.5f\n",
           mode_name(mode), freq, amp, changes, hmin, hmax, step, bound, sine_step, amp, hmax, zip);
    CHECK(changes >= 10);
    printf("(b) %s: %ld mutex locks in run() over the sweep\n", mode_name(mode), locks);
    CHECK(20.0 * log10(hmax / hmin) > 1.0); /* the sweep changes the sound at this frequency */
    CHECK(step <= bound);
    CHECK(zip > bound); /* a zipper would be caught */
    track_free(&in), track_free(&out), track_free(&zipper);
    host_close(&h);
}

/* ---------------------------------------------------------------- (d) bypass */

typedef struct toggles {
    double rate;
    int64_t at[6];
    int n;
    track *hard; /* the hard switch: wet or dry by block */
    const track *dry, *wet;
} toggles;

static bool enabled_at(const toggles *t, int64_t at)
{
    bool on = true;
    for (int i = 0; i < t->n; i++)
        if (at >= t->at[i])
            on = !on;
    return on;
}

static void automate_bypass(host *h, int64_t at, void *ud)
{
    toggles *t = ud;
    host_set(h, "enabled", enabled_at(t, at) ? 1.0f : 0.0f);
}

static void test_bypass(const semeq_model *m)
{
    const double rate = 48000, freq = 100;
    host on, tog;
    if (!host_open(&on, world, STEREO, rate, HOST_SYNC_WORKER) ||
        !host_open(&tog, world, STEREO, rate, HOST_SYNC_WORKER)) {
        CHECK(!"host_open");
        return;
    }
    track dry, wet, out, hard;
    int64_t frames = (int64_t)(2.5 * rate);
    track_new(&dry, 2, frames), track_new(&wet, 2, frames), track_new(&out, 2, frames), track_new(&hard, 2, frames);
    track_sine(&dry, freq, rate, 0.5f);
    host *hs[2] = {&on, &tog};
    for (int i = 0; i < 2; i++) {
        set_terms(hs[i], m, "bright", "warm");
        host_set(hs[i], "amount", 1.0f);
        host_set(hs[i], "intensity", 1.0f);
        host_activate(hs[i]);
    }
    /* off, on, off and on again within the fade, off */
    toggles t = {.rate = rate, .at = {24000, 48000, 60000, 60300, 96000}, .n = 5};
    process(&on, &dry, &wet, 3, 512, NULL, NULL);
    /* toggles at block starts: blocks of 300 frames (every toggle time is a multiple) */
    for (int64_t at = 0; at < frames; at += 300) {
        automate_bypass(&tog, at, &t);
        for (int c = 0; c < 2; c++)
            memcpy(tog.in[c], dry.x[c] + at, 300 * sizeof(float));
        host_run(&tog, 300);
        for (int c = 0; c < 2; c++) {
            memcpy(out.x[c] + at, tog.out[c], 300 * sizeof(float));
            memcpy(hard.x[c] + at, (enabled_at(&t, at) ? wet.x[c] : dry.x[c]) + at, 300 * sizeof(float));
        }
    }
    double signal_step = fmax(max_step(&dry, 1, frames), max_step(&wet, 1, frames));
    double gap = 0.0;
    for (int c = 0; c < 2; c++)
        for (int64_t f = 0; f < frames; f++)
            gap = fmax(gap, fabs((double)wet.x[c][f] - (double)dry.x[c][f]));
    double bound = signal_step + gap / (0.010 * rate) + 1e-6;
    double step = max_step(&out, 1, frames), hard_step = max_step(&hard, 1, frames);
    printf(
        "(d) bypass toggled 5 times on a %g Hz sine: max step %.5f, bound %.5f (the signal's own %.5f + max|wet-dry| "
        "%.4f / 10 ms); hard switch %.5f\n",
        freq, step, bound, signal_step, gap, hard_step);
    CHECK(step <= bound);
    CHECK(hard_step > bound);
    /* exact outside the fades: wet before the first toggle, the input itself while bypassed */
    track a = {2, 24000, {out.x[0], out.x[1]}}, b = {2, 24000, {wet.x[0], wet.x[1]}};
    CHECK(max_abs_diff(&a, &b, 1.0f) == 0.0);
    track c = {2, 20000, {out.x[0] + 26000, out.x[1] + 26000}}, d = {2, 20000, {dry.x[0] + 26000, dry.x[1] + 26000}};
    CHECK(max_abs_diff(&c, &d, 1.0f) == 0.0);
    track_free(&dry), track_free(&wet), track_free(&out), track_free(&hard);
    host_close(&on);
    host_close(&tog);
}

/* ---------------------------------------------------------------- (e) hostile input */

static void check_output(const char *what, const track *out, bool all_zero)
{
    long bad = 0, subnormal = 0, nonzero = 0;
    for (int c = 0; c < out->channels; c++)
        for (int64_t f = 0; f < out->frames; f++) {
            float v = out->x[c][f];
            bad += !isfinite(v);
            subnormal += fpclassify(v) == FP_SUBNORMAL;
            nonzero += v != 0.0f;
        }
    printf("(e) %s: %ld non-finite, %ld subnormal, %ld non-zero samples\n", what, bad, subnormal, nonzero);
    CHECK(bad == 0);
    CHECK(subnormal == 0);
    if (all_zero)
        CHECK(nonzero == 0);
}

static void test_hostile(const semeq_model *m)
{
    const int rate = 48000;
    for (int worker = 0; worker < 2; worker++) {
        host h;
        if (!host_open(&h, world, STEREO, rate, worker ? HOST_THREAD_WORKER : HOST_NO_WORKER)) {
            CHECK(!"host_open");
            continue;
        }
        set_terms(&h, m, "bright", "warm");
        host_set(&h, "amount", 1.0f);
        host_set(&h, "intensity", 1.0f);
        host_set(&h, "output_gain", 24.0f);
        host_activate(&h);
        track in, out;
        track_new(&in, 2, rate), track_new(&out, 2, rate);
        process(&h, &in, &out, 1, 777, NULL, NULL);
        check_output(worker ? "silence (worker thread)" : "silence (no worker)", &out, true);
        for (int64_t f = 0; f < in.frames; f++)
            in.x[0][f] = in.x[1][f] = 1.0f;
        process(&h, &in, &out, 2, 777, NULL, NULL);
        check_output("DC 1.0, +24 dB", &out, false);
        for (int64_t f = 0; f < in.frames; f++)
            in.x[0][f] = in.x[1][f] = f % 2 ? 1.0f : -1.0f;
        process(&h, &in, &out, 3, 777, NULL, NULL);
        check_output("full-scale Nyquist square", &out, false);
        track_noise(&in, 9, 1.0f);
        process(&h, &in, &out, 4, 777, NULL, NULL);
        check_output("full-scale noise", &out, false);
        in.x[0][100] = NAN, in.x[1][200] = INFINITY, in.x[0][300] = -INFINITY;
        for (int64_t f = 5000; f < 5100; f++)
            in.x[0][f] = in.x[1][f] = f % 2 ? 3e38f : -3e38f;
        process(&h, &in, &out, 5, 777, NULL, NULL);
        check_output("noise with NaN, Inf and +-3e38 samples", &out, false);
        for (int64_t f = 0; f < in.frames; f++)
            in.x[0][f] = in.x[1][f] = 1e-40f;
        lilv_instance_deactivate(h.instance); /* from silence: no tail of the above */
        host_activate(&h);
        process(&h, &in, &out, 6, 777, NULL, NULL);
        check_output("denormal input 1e-40", &out, true);
        track_free(&in), track_free(&out);
        host_close(&h);
    }
}

/* ---------------------------------------------------------------- */

static void test_counter_counts(void)
{
    long heap = rt_calls_heap(), locks = rt_calls_locks();
    static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    rt_calls_begin();
    void *volatile p = malloc(64);
    free(p);
    pthread_mutex_lock(&mutex);
    pthread_mutex_unlock(&mutex);
    rt_calls_end();
    printf("(b) counters: heap calls by %s, locks by glibc interposer; a malloc, a free and a lock while counting "
           "count %ld heap calls, %ld locks\n",
           rt_calls_heap_method(), rt_calls_heap() - heap, rt_calls_locks() - locks);
    CHECK(rt_calls_heap() - heap == 2);
    CHECK(rt_calls_locks() - locks == 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SEMEQ_BIN  (from the source tree, with LV2_PATH set)\n", argv[0]);
        return 2;
    }
    semeq_bin = argv[1];
    if (!mkdtemp(tmpdir)) {
        perror(tmpdir);
        return 1;
    }
    test_counter_counts();
    long heap = rt_calls_heap(), locks = rt_calls_locks();
    world = host_world_new();
    semeq_model *m = load_model(BUNDLED_MODEL);
    if (world && m) {
        test_static(m);
        const char *list = getenv("SEMEQ_LV2_TEST_MODELS");
        char models[8192], g40[600];
        tmp_path(g40, sizeof g40, "graphic40.safetensors");
        if (list && *list) {
            snprintf(models, sizeof models, "%s", list);
        } else if (train_graphic40(g40)) {
            snprintf(models, sizeof models, "models/safe_vae2d.safetensors:%s", g40);
        } else {
            printf("(a) no 40-band graphic model: training one on SocialFX failed (data not found?); "
                   "only models/safe_vae2d.safetensors as a host model\n");
            snprintf(models, sizeof models, "models/safe_vae2d.safetensors");
        }
        for (char *save = NULL, *tok = strtok_r(models, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
            test_host_model(m, tok);
        test_sweep(m, HOST_NO_WORKER);
        test_sweep(m, HOST_SYNC_WORKER);
        test_sweep(m, HOST_THREAD_WORKER);
        test_bypass(m);
        test_hostile(m);
    }
    heap = rt_calls_heap() - heap, locks = rt_calls_locks() - locks;
    printf("(b) inside run()/work_response()/end_run() over every test above: %ld heap calls, %ld mutex locks "
           "(%ld of them computing settings in run() without a worker)\n",
           heap, locks, locks_without_worker);
    CHECK(heap == 0);
    CHECK(locks - locks_without_worker == 0);
    semeq_model_free(m);
    host_world_free(world);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
