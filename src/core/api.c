/* The public API (src/semeq.h) over the model runtime (model.h). A semeq_model is an
 * se_model; this file checks arguments, sizes scratch and maps statuses. */
#include <stdint.h>
#include <string.h>

#include "../semeq.h"
#include "model.h"

struct semeq_model {
    se_model m;
};

static semeq_status from_se(se_status st)
{
    switch (st) {
    case SE_OK: return SEMEQ_OK;
    case SE_ENOMEM: return SEMEQ_ERR_NOMEM;
    case SE_ESHAPE: return SEMEQ_ERR_SHAPE;
    case SE_EARG: return SEMEQ_ERR_ARG;
    case SE_EIO: return SEMEQ_ERR_IO;
    case SE_EFORMAT: return SEMEQ_ERR_FORMAT;
    case SE_EUNSUPPORTED: return SEMEQ_ERR_UNSUPPORTED;
    case SE_ERANGE: return SEMEQ_ERR_ARG; /* a size beyond what can be held */
    case SE_EINTR: return SEMEQ_ERR_ARG;  /* the runtime never polls the interrupt flag */
    }
    return SEMEQ_ERR_ARG;
}

SEMEQ_API const char *semeq_version(void) { return "0.1.0"; }

SEMEQ_API const char *semeq_status_str(semeq_status status)
{
    switch (status) {
    case SEMEQ_OK: return "ok";
    case SEMEQ_ERR_NOMEM: return "out of memory";
    case SEMEQ_ERR_SHAPE: return "size mismatch";
    case SEMEQ_ERR_ARG: return "invalid argument";
    case SEMEQ_ERR_IO: return "input/output error";
    case SEMEQ_ERR_FORMAT: return "not a usable semeq model file";
    case SEMEQ_ERR_UNSUPPORTED: return "not supported by this model";
    }
    return "unknown status";
}

/* semeq_model wraps se_model as its only member, so the pointers convert both ways. */
static semeq_model *wrap(se_model *m) { return (semeq_model *)(void *)m; }
static const se_model *inner(const semeq_model *m) { return &m->m; }

static void no_message(char *err, size_t errlen, const char *what)
{
    if (err && errlen) {
        strncpy(err, what, errlen - 1);
        err[errlen - 1] = '\0';
    }
}

SEMEQ_API semeq_status semeq_model_load(const char *path, semeq_model **model, char *err, size_t errlen)
{
    if (!model || !path) {
        no_message(err, errlen, "semeq_model_load: path and model must not be NULL");
        if (model)
            *model = NULL;
        return SEMEQ_ERR_ARG;
    }
    se_model *m;
    se_status st = se_model_load_file(path, &m, err, errlen);
    *model = st == SE_OK ? wrap(m) : NULL;
    return from_se(st);
}

SEMEQ_API semeq_status semeq_model_load_memory(const void *data, size_t size, const char *name, semeq_model **model,
                                               char *err, size_t errlen)
{
    if (!model || (!data && size)) {
        no_message(err, errlen, "semeq_model_load_memory: data and model must not be NULL");
        if (model)
            *model = NULL;
        return SEMEQ_ERR_ARG;
    }
    se_model *m;
    se_status st = se_model_load_memory(data ? data : "", size, name ? name : "(memory)", &m, err, errlen);
    *model = st == SE_OK ? wrap(m) : NULL;
    return from_se(st);
}

SEMEQ_API void semeq_model_free(semeq_model *model)
{
    if (model)
        se_model_free(&model->m);
}

SEMEQ_API int semeq_model_input_size(const semeq_model *model)
{
    return model ? se_model_entry_in(inner(model), SE_ENTRY_ENCODE) : 0;
}

SEMEQ_API int semeq_model_latent_size(const semeq_model *model) { return model ? inner(model)->latent : 0; }

SEMEQ_API int semeq_model_output_size(const semeq_model *model)
{
    return model ? se_model_entry_out(inner(model), SE_ENTRY_DECODE) : 0;
}

SEMEQ_API semeq_eq_kind semeq_model_eq_kind(const semeq_model *model)
{
    if (!model || inner(model)->entry[SE_ENTRY_DECODE] < 0)
        return SEMEQ_EQ_NONE;
    switch (inner(model)->rep) {
    case SE_REP_SAFE13:
    case SE_REP_FLOWEQ13:
    case SE_REP_CURVE40: return SEMEQ_EQ_SAFE;
    case SE_REP_GRAPHIC40: return SEMEQ_EQ_GRAPHIC40;
    default: return SEMEQ_EQ_NONE;
    }
}

SEMEQ_API const char *semeq_model_representation(const semeq_model *model)
{
    static const char *const names[] = {NULL, "safe13", "floweq13", "curve40", "graphic40"};
    return model ? names[inner(model)->rep] : NULL;
}

SEMEQ_API int semeq_model_term_count(const semeq_model *model) { return model ? inner(model)->nterms : 0; }

SEMEQ_API const char *semeq_model_term(const semeq_model *model, int index)
{
    return model && index >= 0 && index < inner(model)->nterms ? inner(model)->terms[index] : NULL;
}

SEMEQ_API int semeq_model_term_index(const semeq_model *model, const char *term)
{
    for (int i = 0; model && term && i < inner(model)->nterms; i++)
        if (strcmp(inner(model)->terms[i], term) == 0)
            return i;
    return -1;
}

SEMEQ_API const float *semeq_model_term_code(const semeq_model *model, int index)
{
    if (!model || index < 0 || index >= inner(model)->nterms)
        return NULL;
    return inner(model)->centroids + (size_t)index * (size_t)inner(model)->latent;
}

/* Scratch of one entry for batch rows, in bytes (0 when the model has no such entry). */
static size_t entry_bytes(const se_model *m, se_entry e, int batch)
{
    int64_t floats = se_model_entry_scratch(m, e, batch);
    return floats > 0 && (uint64_t)floats < SIZE_MAX / sizeof(float) ? (size_t)floats * sizeof(float) : 0;
}

/* The EQ calls' scratch, rounded up to doubles, then the latent code of semeq_eq_for_terms. */
static size_t eq_bytes(const se_model *m)
{
    size_t fit = se_model_eq_scratch_bytes(m);
    fit = (fit + sizeof(double) - 1) / sizeof(double) * sizeof(double);
    return fit ? fit + sizeof(float) * (size_t)m->latent : 0;
}

SEMEQ_API size_t semeq_scratch_size(const semeq_model *model, int batch)
{
    if (!model || batch < 1 || batch > SE_MODEL_MAX_BATCH)
        return 0;
    const se_model *m = inner(model);
    size_t need = eq_bytes(m);
    size_t enc = entry_bytes(m, SE_ENTRY_ENCODE, batch), dec = entry_bytes(m, SE_ENTRY_DECODE, batch);
    if (enc > need)
        need = enc;
    if (dec > need)
        need = dec;
    return need ? need : sizeof(double); /* never 0 for a valid model, so 0 can mean "bad arguments" */
}

static semeq_status run(const semeq_model *model, se_entry e, const float *in, int batch, float *out, void *scratch,
                        size_t scratch_size)
{
    if (!model || !in || !out || batch < 1 || batch > SE_MODEL_MAX_BATCH)
        return SEMEQ_ERR_ARG;
    const se_model *m = inner(model);
    if (m->entry[e] < 0)
        return SEMEQ_ERR_UNSUPPORTED;
    size_t need = entry_bytes(m, e, batch);
    if (need > scratch_size || (need && (!scratch || (uintptr_t)scratch % sizeof(float))))
        return SEMEQ_ERR_ARG;
    return from_se(se_model_run(m, e, in, batch, out, scratch));
}

SEMEQ_API semeq_status semeq_encode(const semeq_model *model, const float *x, int batch, float *z, void *scratch,
                                    size_t scratch_size)
{
    return run(model, SE_ENTRY_ENCODE, x, batch, z, scratch, scratch_size);
}

SEMEQ_API semeq_status semeq_decode(const semeq_model *model, const float *z, int batch, float *x, void *scratch,
                                    size_t scratch_size)
{
    return run(model, SE_ENTRY_DECODE, z, batch, x, scratch, scratch_size);
}

SEMEQ_API semeq_status semeq_interpolate(const semeq_model *model, int from, int to, float amount, float *z)
{
    if (!model)
        return SEMEQ_ERR_ARG;
    return from_se(se_model_interpolate(inner(model), from, to, amount, z));
}

static void copy_eq(const se_model_eq *in, semeq_eq *out)
{
    memset(out, 0, sizeof *out);
    out->kind = in->kind == 1 ? SEMEQ_EQ_SAFE : SEMEQ_EQ_GRAPHIC40;
    out->nparams = in->nparams;
    memcpy(out->params, in->params, sizeof(float) * (size_t)in->nparams);
    out->fit_error_db = in->fit_error_db;
}

SEMEQ_API semeq_status semeq_eq_for_code(const semeq_model *model, const float *z, float intensity, semeq_eq *eq,
                                         void *scratch, size_t scratch_size)
{
    if (!model || !eq)
        return SEMEQ_ERR_ARG;
    se_model_eq out;
    se_status st = se_model_eq_for_code(inner(model), z, intensity, &out, scratch, scratch_size);
    if (st == SE_OK)
        copy_eq(&out, eq);
    return from_se(st);
}

SEMEQ_API semeq_status semeq_eq_for_terms(const semeq_model *model, int from, int to, float amount, float intensity,
                                          semeq_eq *eq, void *scratch, size_t scratch_size)
{
    if (!model || !eq)
        return SEMEQ_ERR_ARG;
    const se_model *m = inner(model);
    size_t need = eq_bytes(m);
    if (!need)
        return SEMEQ_ERR_UNSUPPORTED;
    if (need > scratch_size || !scratch || (uintptr_t)scratch % sizeof(double))
        return SEMEQ_ERR_ARG;
    float *z = (float *)((char *)scratch + need - sizeof(float) * (size_t)m->latent);
    semeq_status st = from_se(se_model_interpolate(m, from, to, amount, z));
    if (st != SEMEQ_OK)
        return st;
    se_model_eq out;
    st = from_se(se_model_eq_for_code(m, z, intensity, &out, scratch, need - sizeof(float) * (size_t)m->latent));
    if (st == SEMEQ_OK)
        copy_eq(&out, eq);
    return st;
}
