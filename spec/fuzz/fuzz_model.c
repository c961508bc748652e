/* libFuzzer target: loading a model file (src/core/model_load.c, model_graph.c, model_meta.c)
 * from arbitrary bytes, then using what loaded.
 *
 * A file that fails must say why in one line. A file that loads must be safe to use: every
 * entry of its graph runs on a batch of 1 and of 3 rows in the scratch the model asked for
 * (ASan checks the bounds), and every EQ setting it gives is finite. The seeds
 * (corpus/model/, written by make_model_seeds.lua) are small real models of every
 * representation and layer kind; model.dict holds the graph's words. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static void run_entries(const se_model *m)
{
    for (int e = 0; e < SE_ENTRY_COUNT; e++) {
        if (m->entry[e] < 0)
            continue;
        int in = se_model_entry_in(m, (se_entry)e), out = se_model_entry_out(m, (se_entry)e);
        for (int rows = 1; rows <= 3; rows += 2) {
            int64_t s = se_model_entry_scratch(m, (se_entry)e, rows);
            if (s < 0)
                abort();
            float *x = malloc(sizeof(float) * (size_t)(rows * in) + 1);
            float *y = malloc(sizeof(float) * (size_t)(rows * out) + 1);
            float *scratch = malloc(sizeof(float) * (size_t)s + 1);
            if (x && y && scratch) {
                for (int i = 0; i < rows * in; i++)
                    x[i] = (float)((i % 7) - 3) * 0.25f;
                if (se_model_run(m, (se_entry)e, x, rows, y, scratch) != SE_OK)
                    abort();
            }
            free(x);
            free(y);
            free(scratch);
        }
    }
}

static void eq_for_terms(const se_model *m)
{
    size_t bytes = se_model_eq_scratch_bytes(m);
    if (m->rep == SE_REP_NONE || m->entry[SE_ENTRY_DECODE] < 0 || m->latent < 1)
        return;
    double *scratch = malloc(bytes + sizeof(double));
    float *z = malloc(sizeof(float) * (size_t)m->latent);
    /* a curve model fits an EQ per call (milliseconds under ASan): one term is enough there */
    int terms = m->rep == SE_REP_CURVE40 ? 1 : 3;
    for (int t = 0; scratch && z && t < m->nterms && t < terms; t++) {
        se_model_eq eq;
        if (se_model_interpolate(m, t, 0, 0.3, z) != SE_OK)
            abort();
        se_status st = se_model_eq_for_code(m, z, 0.7, &eq, scratch, bytes);
        if (st == SE_OK)
            for (int j = 0; j < eq.nparams; j++)
                if (!isfinite(eq.params[j]))
                    abort();
    }
    free(scratch);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    se_model *m;
    char err[512];
    err[0] = '\0';
    if (se_model_load_memory(data, size, "fuzz.safetensors", &m, err, sizeof err) != SE_OK) {
        if (err[0] == '\0' || strchr(err, '\n') || strncmp(err, "fuzz.safetensors: ", 18) != 0)
            abort();
        return 0;
    }
    run_entries(m);
    eq_for_terms(m);
    se_model_free(m);
    return 0;
}
