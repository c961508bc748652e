/* semeq.h -- semantic EQ in C: words like "warm" and "bright" <-> equaliser settings.
 *
 * Overview
 *
 *   A semeq model file (safetensors, written by semeq's Lua side: scripts/train_*.lua) holds
 *   an autoencoder of EQ settings whose latent space has meaning: each word of its vocabulary
 *   has a place in it (the word's centroid). This library loads such a file without Lua and
 *   answers the questions a host or a plug-in asks:
 *
 *     - "from word A towards word B by amount a, at intensity i": EQ parameters
 *       (semeq_eq_for_terms), e.g. warm -> bright at 0.3, 70 % strength;
 *     - "this point of the latent space": EQ parameters (semeq_eq_for_code), e.g. an x/y pad
 *       on a model with a 2-D latent;
 *     - the model itself: encode settings to codes, decode codes (semeq_encode, semeq_decode).
 *
 *   EQ parameters are either the 13 of the SAFE 5-band parametric EQ (SEMEQ_EQ_SAFE, in this
 *   order: low-shelf gain dB, freq Hz; peak 1 gain dB, freq Hz, Q; peak 2 ...; peak 3 ...;
 *   high-shelf gain dB, freq Hz; shelves have Q 1/sqrt 2), or the 40 gains in dB of a graphic
 *   EQ at Audealize's centre frequencies (SEMEQ_EQ_GRAPHIC40). A model that decodes 40-point
 *   curves of SAFE settings gets its 13 parameters by a least-squares fit that stays inside
 *   SAFE's ranges (gains +-12 dB, per-band frequency ranges, Q 0.1-10).
 *
 *   Design for real-time hosts:
 *     - a loaded model is immutable: any number of threads may use one model at once;
 *     - nothing allocates after semeq_model_load: every call that computes takes scratch
 *       memory from the caller (semeq_scratch_size says how much; align it like malloc);
 *     - failures are a semeq_status, never an abort; semeq_status_str names them.
 *   Load on a worker thread (it reads a file and allocates), then compute anywhere. The
 *   matrix products run on OpenBLAS: call openblas_set_num_threads(1) in a real-time host so
 *   that a product never waits for a BLAS thread. Computing EQ parameters takes microseconds
 *   for models that decode parameters, and about a millisecond when a 40-point curve must be
 *   fitted: do that off the audio thread, or on parameter changes only.
 *
 * Worked example (examples/embed.c, built and run by the tests against the installed library):
 *
 *   #include <semeq.h>
 *   #include <stdio.h>
 *   #include <stdlib.h>
 *
 *   int main(void)
 *   {
 *       char err[512];
 *       semeq_model *model;
 *       if (semeq_model_load("safe_warm_bright.safetensors", &model, err, sizeof err) != SEMEQ_OK) {
 *           fprintf(stderr, "%s\n", err);   // one line naming the file and the problem
 *           return 1;
 *       }
 *       size_t size = semeq_scratch_size(model, 1);
 *       void *scratch = malloc(size);       // once; reuse it for every call
 *       int warm = semeq_model_term_index(model, "warm");
 *       int bright = semeq_model_term_index(model, "bright");
 *       semeq_eq eq;
 *       semeq_status st = semeq_eq_for_terms(model, warm, bright, 0.3f, 0.7f, &eq, scratch, size);
 *       if (st != SEMEQ_OK) fprintf(stderr, "%s\n", semeq_status_str(st));
 *       else for (int i = 0; i < eq.nparams; i++) printf("%g\n", eq.params[i]);
 *       free(scratch);
 *       semeq_model_free(model);
 *       return st != SEMEQ_OK;
 *   }
 *
 *   cc example.c $(pkg-config --cflags --libs semeq)
 *
 * Build and install: cmake --install build --prefix P gives P/include/semeq.h,
 * P/lib/libsemeq.so and P/lib/pkgconfig/semeq.pc. */
#ifndef SEMEQ_H
#define SEMEQ_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SEMEQ_API marks the exported functions (the library is built with hidden visibility). */
#if defined(_WIN32)
#if defined(SEMEQ_BUILD)
#define SEMEQ_API __declspec(dllexport)
#else
#define SEMEQ_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define SEMEQ_API __attribute__((visibility("default")))
#else
#define SEMEQ_API
#endif

#define SEMEQ_VERSION_MAJOR 0
#define SEMEQ_VERSION_MINOR 1
#define SEMEQ_VERSION_PATCH 0

/* The library's version, "0.1.0" (may differ from the header's when linked dynamically). */
SEMEQ_API const char *semeq_version(void);

typedef enum semeq_status {
    SEMEQ_OK = 0,
    SEMEQ_ERR_NOMEM = 1,       /* an allocation failed (only the load functions allocate) */
    SEMEQ_ERR_SHAPE = 2,       /* sizes do not fit */
    SEMEQ_ERR_ARG = 3,         /* a bad argument: NULL, unknown term index, non-finite number,
                                 * scratch too small or not aligned like malloc, batch < 1 */
    SEMEQ_ERR_IO = 4,          /* the file cannot be read */
    SEMEQ_ERR_FORMAT = 5,      /* the file is not a usable semeq model (the message says why) */
    SEMEQ_ERR_UNSUPPORTED = 6, /* the model cannot answer this: no decoder, no vocabulary,
                                 * no representation of EQ settings */
} semeq_status;

/* A short static description: "ok", "out of memory", ... */
SEMEQ_API const char *semeq_status_str(semeq_status status);

/* ---------------------------------------------------------------- models */

typedef struct semeq_model semeq_model; /* opaque, immutable once loaded */

/* Loads a model file. On failure *model is NULL and err (if not NULL) holds one line that
 * names the file and the problem, e.g. "m.safetensors: metadata 'centroids': 'warm' has 3
 * numbers, expected 32", or says to re-save a file written before semeq stored its graph. */
SEMEQ_API semeq_status semeq_model_load(const char *path, semeq_model **model, char *err, size_t errlen);
/* The same from the file's bytes in memory (name is used in messages). */
SEMEQ_API semeq_status semeq_model_load_memory(const void *data, size_t size, const char *name, semeq_model **model,
                                               char *err, size_t errlen);
/* Frees a model (NULL is fine). No call on it may be running. */
SEMEQ_API void semeq_model_free(semeq_model *model);

/* Sizes: features the encoder reads (0 without an encoder), latent code size, features the
 * decoder writes (0 without a decoder). */
SEMEQ_API int semeq_model_input_size(const semeq_model *model);
SEMEQ_API int semeq_model_latent_size(const semeq_model *model);
SEMEQ_API int semeq_model_output_size(const semeq_model *model);

typedef enum semeq_eq_kind {
    SEMEQ_EQ_NONE = 0,      /* the model has no representation of EQ settings */
    SEMEQ_EQ_SAFE = 1,      /* 13 parameters of the SAFE 5-band EQ */
    SEMEQ_EQ_GRAPHIC40 = 2, /* 40 gains in dB at Audealize's centre frequencies */
} semeq_eq_kind;

SEMEQ_API semeq_eq_kind semeq_model_eq_kind(const semeq_model *model);
/* How the model's inputs and outputs represent settings: "safe13", "floweq13", "curve40",
 * "graphic40", or NULL for a plain model. */
SEMEQ_API const char *semeq_model_representation(const semeq_model *model);

/* The vocabulary: terms 0 .. count-1 (UTF-8, as in the file), the index of a term (-1 if
 * the model does not know it) and its latent code (semeq_model_latent_size floats). */
SEMEQ_API int semeq_model_term_count(const semeq_model *model);
SEMEQ_API const char *semeq_model_term(const semeq_model *model, int index);
SEMEQ_API int semeq_model_term_index(const semeq_model *model, const char *term);
SEMEQ_API const float *semeq_model_term_code(const semeq_model *model, int index);

/* ---------------------------------------------------------------- computing */

/* Bytes of scratch that semeq_encode / semeq_decode of up to `batch` rows and every
 * semeq_eq_for_* call need (batch 1 is enough for the EQ calls). 0 if batch < 1. */
SEMEQ_API size_t semeq_scratch_size(const semeq_model *model, int batch);

/* z [batch x latent] = encoder(x [batch x input]); x [batch x latent] = decoder(z), row-major.
 * Inputs and outputs are in the model's representation (semeq_model_representation). */
SEMEQ_API semeq_status semeq_encode(const semeq_model *model, const float *x, int batch, float *z, void *scratch,
                                    size_t scratch_size);
SEMEQ_API semeq_status semeq_decode(const semeq_model *model, const float *z, int batch, float *x, void *scratch,
                                    size_t scratch_size);

/* z = (1 - amount) * code(from) + amount * code(to): the way from one term to another
 * (amount 0 is `from`, 1 is `to`; outside [0, 1] extrapolates). z has latent_size floats. */
SEMEQ_API semeq_status semeq_interpolate(const semeq_model *model, int from, int to, float amount, float *z);

#define SEMEQ_MAX_EQ_PARAMS 40

typedef struct semeq_eq {
    semeq_eq_kind kind;
    int nparams; /* 13 (SEMEQ_EQ_SAFE) or 40 (SEMEQ_EQ_GRAPHIC40) */
    float params[SEMEQ_MAX_EQ_PARAMS];
    float fit_error_db; /* curve-fitting models: the 5-band fit's largest
                                           * error over the 40 points in dB; otherwise -1 */
} semeq_eq;

/* The EQ setting at latent code z (latent_size floats), every gain multiplied by intensity
 * (1: as decoded, 0: flat). Every parameter returned is finite: a code or an intensity so
 * extreme that a value overflows gives SEMEQ_ERR_ARG instead. */
SEMEQ_API semeq_status semeq_eq_for_code(const semeq_model *model, const float *z, float intensity, semeq_eq *eq,
                                         void *scratch, size_t scratch_size);
/* The EQ setting from term `from` towards term `to` by amount (semeq_interpolate), at
 * intensity: what semeq's Lua side computes as sm:eq_for(sm:interpolate(a, b, amount), i). */
SEMEQ_API semeq_status semeq_eq_for_terms(const semeq_model *model, int from, int to, float amount, float intensity,
                                          semeq_eq *eq, void *scratch, size_t scratch_size);

#ifdef __cplusplus
}
#endif

#endif /* SEMEQ_H */
