/* Loading a model: safetensors bytes -> source -> checked, immutable se_model.
 *
 * The order matters for hostile files: the tensor table and the metadata are checked first
 * (every tensor finite, the graph against the tensors' shapes, the vocabulary against the
 * latent size), and only then is the model's memory allocated, sized by what the checks
 * accepted. Everything the model needs lives in two blocks (nodes + kids + weights, and
 * the vocabulary), freed by se_model_free. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "safetensors.h"

static se_status fail(char *err, size_t errlen, se_status st, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* Names quoted from the file may hold control characters (a newline in a tensor name): the
 * message stays one line. */
static se_status one_line(se_status st, char *err, size_t errlen)
{
    for (size_t i = 0; st != SE_OK && err && i < errlen && err[i]; i++)
        if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
            err[i] = '?';
    return st;
}

const char *se_model_meta(const se_model_source *src, const char *key)
{
    for (size_t i = 0; i < src->nmeta; i++)
        if (strcmp(src->meta_keys[i], key) == 0)
            return src->meta_values[i];
    return NULL;
}

void se_model_free(se_model *m)
{
    if (!m)
        return;
    free(m->nodes); /* one block with kids and weights */
    free(m->terms); /* one block with the centroids and the words */
    free(m);
}

/* Every value of every tensor must be finite: a NaN weight would otherwise turn into
 * plausible EQ settings (ReLU maps NaN to 0). */
static se_status check_finite(const se_model_source *src, char *err, size_t errlen)
{
    for (size_t i = 0; i < src->ntensors; i++) {
        const se_model_tensor *t = &src->tensors[i];
        int64_t n = 1;
        for (int d = 0; d < t->ndim; d++)
            n *= t->shape[d];
        const unsigned char *p = t->data;
        for (int64_t k = 0; k < n; k++, p += 4) {
            /* exponent bits all ones: inf or NaN (byte order of safetensors: little-endian) */
            if ((p[3] & 0x7f) == 0x7f && (p[2] & 0x80))
                return fail(err, errlen, SE_EFORMAT, "%s: tensor '%s' holds a non-finite value (%s) at element %lld",
                            src->name, t->name, (p[2] & 0x7f) | p[1] | p[0] ? "NaN" : "infinity", (long long)k + 1);
        }
    }
    return SE_OK;
}

/* Entry widths and the latent size; the representation's size against them. */
static se_status check_sizes(const se_model_source *src, se_model *m, char *err, size_t errlen)
{
    int enc = m->entry[SE_ENTRY_ENCODE], dec = m->entry[SE_ENTRY_DECODE];
    if (enc >= 0 && dec >= 0 && m->nodes[enc].out != m->nodes[dec].in)
        return fail(err, errlen, SE_EFORMAT, "%s: metadata 'graph': encode gives %d columns, decode takes %d",
                    src->name, m->nodes[enc].out, m->nodes[dec].in);
    m->latent = enc >= 0 ? m->nodes[enc].out : dec >= 0 ? m->nodes[dec].in : 0;
    return SE_OK;
}

static se_status check_representation(const se_model_source *src, const se_model *m, char *err, size_t errlen)
{
    if (m->rep == SE_REP_NONE)
        return SE_OK;
    int size = m->rep == SE_REP_SAFE13 || m->rep == SE_REP_FLOWEQ13 ? SE_MODEL_SAFE_PARAMS : SE_MODEL_CURVE_POINTS;
    int enc = m->entry[SE_ENTRY_ENCODE], dec = m->entry[SE_ENTRY_DECODE];
    if ((dec >= 0 && m->nodes[dec].out != size) || (enc >= 0 && m->nodes[enc].in != size))
        return fail(err, errlen, SE_EFORMAT,
                    "%s: metadata 'representation': its settings have %d values, the graph %s %d", src->name, size,
                    dec >= 0 ? "decodes" : "encodes", dec >= 0 ? m->nodes[dec].out : m->nodes[enc].in);
    return SE_OK;
}

/* Moves the parsed graph into the model's block (nodes, kids, weights) and fills the weights. */
static se_status place_graph(const se_model_source *src, se_graph_build *g, se_model *m, char *err, size_t errlen)
{
    int64_t nfloats = se_graph_floats(g);
    size_t nodes = sizeof(se_node) * (size_t)g->nnodes, kids = sizeof(int) * (size_t)g->nkids;
    size_t pad = (16 - (nodes + kids) % 16) % 16;
    if ((uint64_t)nfloats > (SIZE_MAX - nodes - kids - pad) / sizeof(float))
        return fail(err, errlen, SE_ENOMEM, "%s: out of memory", src->name);
    char *block = malloc(nodes + kids + pad + sizeof(float) * (size_t)nfloats + 1);
    if (!block)
        return fail(err, errlen, SE_ENOMEM, "%s: out of memory (%lld weights)", src->name, (long long)nfloats);
    m->nodes = (se_node *)block;
    m->kids = (int *)(block + nodes);
    m->weights = (float *)(block + nodes + kids + pad);
    memcpy(m->nodes, g->nodes, nodes);
    if (kids)
        memcpy(m->kids, g->kids, kids);
    m->nnodes = g->nnodes;
    m->nweights = nfloats;
    memcpy(m->entry, g->entry, sizeof m->entry);
    return se_graph_fill(src, g, m->weights, err, errlen);
}

static se_status build(const se_model_source *src, se_model **out, char *err, size_t errlen);

se_status se_model_build(const se_model_source *src, se_model **out, char *err, size_t errlen)
{
    return one_line(build(src, out, err, errlen), err, errlen);
}

static se_status build(const se_model_source *src, se_model **out, char *err, size_t errlen)
{
    *out = NULL;
    se_status st = check_finite(src, err, errlen);
    if (st != SE_OK)
        return st;
    const char *graph = se_model_meta(src, "graph");
    if (!graph)
        return fail(err, errlen, SE_EFORMAT,
                    "%s: no inference graph (metadata 'graph'): the file was saved before semeq wrote one; "
                    "re-save it with: semeq scripts/resave_model.lua FILE",
                    src->name);
    se_graph_build g;
    st = se_graph_parse(src, graph, &g, err, errlen);
    if (st != SE_OK)
        return st;
    se_model *m = calloc(1, sizeof *m);
    if (!m) {
        se_graph_build_free(&g);
        return fail(err, errlen, SE_ENOMEM, "%s: out of memory", src->name);
    }
    st = place_graph(src, &g, m, err, errlen);
    se_graph_build_free(&g);
    if (st == SE_OK)
        st = check_sizes(src, m, err, errlen);
    if (st == SE_OK)
        st = se_model_read_semantics(src, m, err, errlen);
    if (st == SE_OK)
        st = check_representation(src, m, err, errlen);
    if (st != SE_OK) {
        se_model_free(m);
        return st;
    }
    *out = m;
    return SE_OK;
}

se_status se_model_load_memory(const void *data, size_t len, const char *name, se_model **out, char *err, size_t errlen)
{
    *out = NULL;
    se_st_file f;
    char why[256];
    se_status st = se_safetensors_parse(data, len, &f, why, sizeof why);
    if (st != SE_OK)
        return one_line(fail(err, errlen, st, "%s: %s", name, why), err, errlen);
    se_model_tensor *t = calloc(f.ntensors ? f.ntensors : 1, sizeof *t);
    if (!t) {
        se_safetensors_free(&f);
        return fail(err, errlen, SE_ENOMEM, "%s: out of memory", name);
    }
    for (size_t i = 0; i < f.ntensors; i++) {
        t[i].name = f.tensors[i].name;
        t[i].ndim = f.tensors[i].ndim;
        t[i].shape = f.tensors[i].shape;
        t[i].data = f.data + f.tensors[i].begin;
    }
    se_model_source src = {name,   t, f.ntensors, (const char *const *)f.meta_keys, (const char *const *)f.meta_values,
                           f.nmeta};
    st = se_model_build(&src, out, err, errlen);
    free(t);
    se_safetensors_free(&f);
    return st;
}

se_status se_model_load_file(const char *path, se_model **out, char *err, size_t errlen)
{
    *out = NULL;
    uint8_t *buf;
    size_t len;
    char why[256];
    se_status st = se_safetensors_read_file(path, &buf, &len, why, sizeof why);
    if (st != SE_OK)
        return fail(err, errlen, st, "%s: %s", path, why);
    st = se_model_load_memory(buf, len, path, out, err, errlen);
    free(buf);
    return st;
}
