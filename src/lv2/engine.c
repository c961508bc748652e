#include "engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"

static void say(char *err, size_t errlen, const char *path, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", path, what);
}

/* Why the plug-in cannot use a loaded model, or NULL if it can. */
static const char *unusable(const semeq_model *m)
{
    if (semeq_model_term_count(m) < 1)
        return "the model has no vocabulary (no terms to steer between)";
    semeq_eq_kind kind = semeq_model_eq_kind(m);
    if (kind != SEMEQ_EQ_SAFE && kind != SEMEQ_EQ_GRAPHIC40)
        return "the model does not decode EQ settings";
    return NULL;
}

semeq_status semeq_lv2_engine_load(const char *path, bool is_default, semeq_lv2_engine **out, char *err, size_t errlen)
{
    *out = NULL;
    semeq_model *m;
    semeq_status st = semeq_model_load(path, &m, err, errlen);
    if (st != SEMEQ_OK)
        return st;
    const char *why = unusable(m);
    if (why) {
        say(err, errlen, path, why);
        semeq_model_free(m);
        return SEMEQ_ERR_UNSUPPORTED;
    }
    size_t len = strlen(path);
    semeq_lv2_engine *e = calloc(1, sizeof *e + len + 1);
    if (e) {
        e->model = m;
        e->nterms = semeq_model_term_count(m);
        e->scratch_size = semeq_scratch_size(m, 1);
        e->is_default = is_default;
        memcpy(e->path, path, len + 1);
        for (int i = 0; i < 2; i++)
            e->scratch[i] = malloc(e->scratch_size); /* malloc: aligned for doubles */
    }
    if (!e || !e->scratch[0] || !e->scratch[1]) {
        say(err, errlen, path, "out of memory");
        if (e)
            semeq_lv2_engine_free(e);
        else
            semeq_model_free(m);
        return SEMEQ_ERR_NOMEM;
    }
    *out = e;
    return SEMEQ_OK;
}

void semeq_lv2_engine_free(semeq_lv2_engine *e)
{
    if (!e)
        return;
    semeq_model_free(e->model);
    free(e->scratch[0]);
    free(e->scratch[1]);
    free(e);
}

static int32_t term_index(float v, int32_t fallback, int nterms)
{
    if (!isfinite(v))
        return fallback;
    long k = lroundf(v < 0.0f ? 0.0f : v > (float)nterms ? (float)nterms : v);
    return k >= nterms ? nterms - 1 : (int32_t)k;
}

static float unit(float v, float fallback)
{
    if (!isfinite(v))
        return fallback;
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

semeq_lv2_controls semeq_lv2_engine_controls(const semeq_lv2_engine *e, float from, float to, float amount,
                                             float intensity)
{
    semeq_lv2_controls c;
    c.from = term_index(from, 0, e->nterms);
    c.to = term_index(to, e->nterms - 1, e->nterms);
    c.amount = unit(amount, SEMEQ_LV2_DEFAULT_AMOUNT);
    c.intensity = unit(intensity, SEMEQ_LV2_DEFAULT_INTENSITY);
    return c;
}

bool semeq_lv2_controls_equal(const semeq_lv2_controls *a, const semeq_lv2_controls *b)
{
    return a->from == b->from && a->to == b->to && a->amount == b->amount && a->intensity == b->intensity;
}

semeq_status semeq_lv2_engine_eq(semeq_lv2_engine *e, int who, const semeq_lv2_controls *c, semeq_eq *eq)
{
    return semeq_eq_for_terms(e->model, c->from, c->to, c->amount, c->intensity, eq, e->scratch[who], e->scratch_size);
}
