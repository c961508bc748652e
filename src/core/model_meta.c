/* The semantic part of a model file's metadata: "representation", "terms", "centroids"
 * (written by semeq.semantic, lua/semeq/semantic.lua). Each is optional for the runtime as a
 * whole (a plain nn model still encodes and decodes), but what is there must be right: a
 * wrong type, a null, a centroid of the wrong length gives one line naming the file, the
 * field and what was expected. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static se_status fail(const se_model_source *src, char *err, size_t errlen, const char *key, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (err && errlen)
        snprintf(err, errlen, "%s: metadata '%s': %s", src->name, key, msg);
    return SE_EFORMAT;
}

static const char *json_type(const cJSON *v)
{
    if (!v)
        return "missing";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "a list";
    return "an object";
}

/* n finite numbers from a JSON list into out (as doubles); what names the list for messages. */
static se_status numbers(const se_model_source *src, char *err, size_t errlen, const char *key, const char *what,
                         const cJSON *list, int n, double *out)
{
    if (!cJSON_IsArray(list))
        return fail(src, err, errlen, key, "%s is %s, expected a list of %d numbers", what, json_type(list), n);
    int got = cJSON_GetArraySize(list);
    if (got != n)
        return fail(src, err, errlen, key, "%s has %d numbers, expected %d", what, got, n);
    int i = 0;
    for (const cJSON *v = list->child; v; v = v->next, i++) {
        if (!cJSON_IsNumber(v))
            return fail(src, err, errlen, key, "%s element %d is %s, expected a number", what, i + 1, json_type(v));
        if (!isfinite(v->valuedouble) || fabs(v->valuedouble) > 3.4e38)
            return fail(src, err, errlen, key, "%s element %d is not a finite float", what, i + 1);
        out[i] = v->valuedouble;
    }
    return SE_OK;
}

static cJSON *parse_json(const se_model_source *src, char *err, size_t errlen, const char *key, se_status *st)
{
    const char *text = se_model_meta(src, key);
    *st = SE_OK;
    if (!text)
        return NULL;
    cJSON *j = cJSON_Parse(text);
    if (!j)
        *st = fail(src, err, errlen, key, "not valid JSON");
    return j;
}

static const int GAIN_COLUMN[SE_MODEL_SAFE_PARAMS] = {1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0};

static se_status read_normaliser(const se_model_source *src, const cJSON *n, se_model *m, char *err, size_t errlen)
{
    const char *key = "representation";
    if (!cJSON_IsObject(n))
        return fail(src, err, errlen, key, "'normaliser' is %s, expected an object", json_type(n));
    const cJSON *gs = cJSON_GetObjectItemCaseSensitive(n, "gain_scale");
    m->gain_scale = 12.0; /* older files have no entry (representations.lua's default) */
    if (gs) {
        if (!cJSON_IsNumber(gs) || !isfinite(gs->valuedouble) || !(gs->valuedouble > 0.0) || gs->valuedouble > 1e6)
            return fail(src, err, errlen, key, "normaliser 'gain_scale' must be a positive number");
        m->gain_scale = gs->valuedouble;
    }
    const cJSON *fo = cJSON_GetObjectItemCaseSensitive(n, "freq_offset");
    m->freq_offset = 0.0;
    if (fo) {
        if (!cJSON_IsNumber(fo) || !isfinite(fo->valuedouble) || fo->valuedouble < 0.0 || fo->valuedouble > 1e3)
            return fail(src, err, errlen, key, "normaliser 'freq_offset' must be a number in [0, 1000]");
        m->freq_offset = fo->valuedouble;
    }
    se_status st = numbers(src, err, errlen, key, "normaliser 'lo'", cJSON_GetObjectItemCaseSensitive(n, "lo"),
                           SE_MODEL_SAFE_PARAMS, m->lo);
    if (st == SE_OK)
        st = numbers(src, err, errlen, key, "normaliser 'hi'", cJSON_GetObjectItemCaseSensitive(n, "hi"),
                     SE_MODEL_SAFE_PARAMS, m->hi);
    for (int j = 0; st == SE_OK && j < SE_MODEL_SAFE_PARAMS; j++)
        /* log-frequencies and log-Qs: exp() of anything between them must be a usable number */
        if (!GAIN_COLUMN[j] && !(m->lo[j] <= m->hi[j] && m->lo[j] > -80.0 && m->hi[j] < 80.0))
            st = fail(src, err, errlen, key, "normaliser column %d: need lo <= hi within +-80 (log units), got %g, %g",
                      j + 1, m->lo[j], m->hi[j]);
    return st;
}

static se_status read_representation(const se_model_source *src, se_model *m, char *err, size_t errlen)
{
    se_status st;
    cJSON *j = parse_json(src, err, errlen, "representation", &st);
    if (!j)
        return st;
    static const struct {
        const char *name;
        se_rep_kind kind;
    } kinds[] = {
        {"safe13", SE_REP_SAFE13},
        {"floweq13", SE_REP_FLOWEQ13},
        {"curve40", SE_REP_CURVE40},
        {"graphic40", SE_REP_GRAPHIC40},
    };
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kind");
    for (size_t i = 0; cJSON_IsString(k) && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(k->valuestring, kinds[i].name) == 0)
            m->rep = kinds[i].kind;
    if (m->rep == SE_REP_NONE)
        st = fail(src, err, errlen, "representation", "'kind' must be safe13, floweq13, curve40 or graphic40");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "normaliser");
    if (st == SE_OK && (m->rep == SE_REP_SAFE13 || (n && !cJSON_IsNull(n))))
        st = read_normaliser(src, n, m, err, errlen);
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(j, "column_mean");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(j, "column_std");
    if (st == SE_OK && m->rep == SE_REP_GRAPHIC40 && (mean || sd)) {
        st = numbers(src, err, errlen, "representation", "'column_mean'", mean, SE_MODEL_CURVE_POINTS, m->column_mean);
        if (st == SE_OK)
            st = numbers(src, err, errlen, "representation", "'column_std'", sd, SE_MODEL_CURVE_POINTS, m->column_std);
        m->standardised = 1;
    }
    cJSON_Delete(j);
    return st;
}

/* terms: a list of distinct non-empty strings; returns their count and total length. */
static se_status check_terms(const se_model_source *src, const cJSON *t, size_t *chars, char *err, size_t errlen)
{
    const char *key = "terms";
    if (!cJSON_IsArray(t))
        return fail(src, err, errlen, key, "is %s, expected a list of words", json_type(t));
    int n = cJSON_GetArraySize(t);
    if (n < 1 || n > SE_MODEL_MAX_TERMS)
        return fail(src, err, errlen, key, "lists %d words, expected 1..%d", n, SE_MODEL_MAX_TERMS);
    *chars = 0;
    int i = 0;
    for (const cJSON *v = t->child; v; v = v->next, i++) {
        if (!cJSON_IsString(v) || !v->valuestring[0])
            return fail(src, err, errlen, key, "word %d is %s, expected a non-empty string", i + 1,
                        cJSON_IsString(v) ? "empty" : json_type(v));
        for (const cJSON *w = t->child; w != v; w = w->next)
            if (strcmp(w->valuestring, v->valuestring) == 0)
                return fail(src, err, errlen, key, "'%.60s' is listed twice", v->valuestring);
        *chars += strlen(v->valuestring) + 1;
    }
    return SE_OK;
}

static se_status read_vocabulary(const se_model_source *src, se_model *m, char *err, size_t errlen)
{
    se_status st;
    cJSON *t = parse_json(src, err, errlen, "terms", &st);
    if (!t)
        return st == SE_OK && se_model_meta(src, "centroids")
            ? fail(src, err, errlen, "terms", "missing (the file has centroids)")
            : st;
    cJSON *c = parse_json(src, err, errlen, "centroids", &st);
    size_t chars = 0;
    if (st == SE_OK && !c)
        st = fail(src, err, errlen, "centroids", "missing (the file has terms)");
    if (st == SE_OK)
        st = check_terms(src, t, &chars, err, errlen);
    if (st == SE_OK && !cJSON_IsObject(c))
        st = fail(src, err, errlen, "centroids", "is %s, expected an object of term -> code", json_type(c));
    if (st == SE_OK && m->latent < 1)
        st = fail(src, err, errlen, "centroids", "the graph has no encode or decode entry to give the latent size");
    int n = st == SE_OK ? cJSON_GetArraySize(t) : 0;
    size_t ptrs = sizeof(char *) * (size_t)n, codes = sizeof(float) * (size_t)n * (size_t)m->latent;
    double *row = st == SE_OK ? malloc(sizeof(double) * (size_t)m->latent) : NULL;
    char *block = st == SE_OK ? malloc(ptrs + codes + chars) : NULL;
    if (st == SE_OK && (!row || !block))
        st = SE_ENOMEM;
    if (st == SE_OK) {
        m->terms = (char **)block;
        m->centroids = (float *)(block + ptrs);
        char *text = block + ptrs + codes;
        int i = 0;
        for (const cJSON *v = t->child; v && st == SE_OK; v = v->next, i++) {
            char what[96];
            snprintf(what, sizeof what, "'%.60s'", v->valuestring);
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, v->valuestring);
            if (!code)
                st = fail(src, err, errlen, "centroids", "no entry for term %s", what);
            else
                st = numbers(src, err, errlen, "centroids", what, code, m->latent, row);
            for (int k = 0; st == SE_OK && k < m->latent; k++)
                m->centroids[(size_t)i * (size_t)m->latent + (size_t)k] = (float)row[k];
            size_t len = strlen(v->valuestring) + 1;
            memcpy(text, v->valuestring, len);
            m->terms[i] = text;
            text += len;
        }
        m->nterms = st == SE_OK ? n : 0;
        if (st != SE_OK) {
            free(block);
            m->terms = NULL;
            m->centroids = NULL;
        }
    }
    free(row);
    cJSON_Delete(t);
    cJSON_Delete(c);
    return st;
}

se_status se_model_read_semantics(const se_model_source *src, se_model *m, char *err, size_t errlen)
{
    se_status st = read_representation(src, m, err, errlen);
    if (st == SE_OK)
        st = read_vocabulary(src, m, err, errlen);
    if (st == SE_ENOMEM && err && errlen)
        snprintf(err, errlen, "%s: out of memory", src->name);
    return st;
}
