/* The model runtime: a semeq model file evaluated without Lua (the engine behind the
 * public API of src/semeq.h).
 *
 * Overview
 *   A model file is safetensors whose "__metadata__" holds, as JSON strings, the inference
 *   graph that nn.save writes ("graph": nodes with a type, the names of their tensors and
 *   their hyper-parameters; see lua/semeq/nn/Module.lua graphNode), and for a semantic model
 *   the representation ("representation": how model outputs become EQ parameters), the
 *   vocabulary ("terms") and each term's place in the latent space ("centroids").
 *
 *   Loading (model_load.c) parses and checks everything against the tensors in the file
 *   before it allocates anything that the file does not pay for: every width comes from a
 *   tensor's shape, so a small file cannot ask for a large model. Weights are copied into
 *   one block and checked to be finite. After se_model_build returns, the se_model is never
 *   written again: any number of threads may evaluate it at once, each with its own scratch.
 *
 *   Evaluation (model_infer.c) walks the graph with caller-provided scratch memory and calls
 *   the same kernels as the Lua layers (OpenBLAS sgemv/sgemm, nn_kernels.c), so results equal
 *   semeq.nn's forward. model_eq.c turns latent codes into EQ settings as semeq.semantic
 *   does: decode, then the representation's inverse (normaliser, Audealize's dB mapping, or
 *   the 5-band fit of eq_fit.c for 40-point curves). None of it allocates.
 *
 *   se_model *m; char err[256];
 *   if (se_model_load_file("m.safetensors", &m, err, sizeof err) != SE_OK) puts(err);
 *   size_t n = se_model_scratch_bytes(m, 1);   // then evaluate with n bytes of scratch
 *   se_model_free(m);
 *
 * Error messages name the file and the field: "m.safetensors: metadata 'centroids': 'warm'
 * has 3 numbers, the latent size is 32". */
#ifndef SE_MODEL_H
#define SE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nn_kernels.h"
#include "status.h"

#define SE_MODEL_MAX_DEPTH 64 /* nesting of graph nodes */
#define SE_MODEL_MAX_NODES 100000
#define SE_MODEL_MAX_TERMS 10000
#define SE_MODEL_MAX_BATCH (1 << 24)
#define SE_MODEL_SAFE_PARAMS 13
#define SE_MODEL_CURVE_POINTS 40

typedef enum se_node_kind {
    SE_NODE_LINEAR,
    SE_NODE_ACT,
    SE_NODE_LAYERNORM,
    SE_NODE_BATCHNORM,
    SE_NODE_PASS, /* Identity, Dropout and Reparameterize (evaluation mode) */
    SE_NODE_NARROW,
    SE_NODE_COLSCALE,
    SE_NODE_SEQUENTIAL,
    SE_NODE_CONCAT,
    SE_NODE_RESIDUAL,
} se_node_kind;

/* One node of the graph. Tensors are offsets (in floats) into se_model.weights, -1 if absent. */
typedef struct se_node {
    se_node_kind kind;
    int in, out;       /* features per row */
    int64_t scratch;   /* floats of scratch per row, beyond the output the caller gives */
    int child, nchild; /* children: se_model.kids[child .. child + nchild) */
    se_act act;        /* SE_NODE_ACT */
    float param;       /* LeakyReLU slope, Softplus beta */
    float eps;         /* LayerNorm */
    int offset;        /* Narrow: first column, 0-based */
    int64_t w, b;      /* Linear weight [out x in] and bias; LayerNorm / BatchNorm gamma, beta;
                           * ColumnScale scales then shifts (w) */
    int64_t mean, var; /* BatchNorm running statistics */
} se_node;

typedef enum se_entry { SE_ENTRY_ENCODE, SE_ENTRY_DECODE, SE_ENTRY_FORWARD, SE_ENTRY_COUNT } se_entry;

typedef enum se_rep_kind { SE_REP_NONE, SE_REP_SAFE13, SE_REP_FLOWEQ13, SE_REP_CURVE40, SE_REP_GRAPHIC40 } se_rep_kind;

typedef struct se_model {
    se_node *nodes;
    int nnodes;
    int *kids;
    float *weights;
    int64_t nweights;
    int entry[SE_ENTRY_COUNT]; /* root node of each entry point, -1 if the graph has none */
    /* the representation (semeq.experiment.representations) */
    se_rep_kind rep;
    double gain_scale, lo[SE_MODEL_SAFE_PARAMS], hi[SE_MODEL_SAFE_PARAMS];
    double freq_offset; /* safe13: frequencies are log(f + freq_offset) (the seed's v2: 1) */
    int standardised;   /* graphic40: columns were z-scored with these (the seed's) */
    double column_mean[SE_MODEL_CURVE_POINTS], column_std[SE_MODEL_CURVE_POINTS];
    /* the vocabulary: terms (NUL-terminated, in the file's order) and their centroids */
    int nterms;
    char **terms;
    float *centroids; /* [nterms x latent] */
    int latent;       /* encode output = decode input; 0 if neither entry exists */
} se_model;

/* What a model is built from: tensors (little-endian float32, possibly unaligned) and the
 * metadata strings. se_model_load_* build it from safetensors; the Lua binding builds it from
 * a model in memory. */
typedef struct se_model_tensor {
    const char *name;
    int ndim;
    const int64_t *shape;
    const void *data;
} se_model_tensor;

typedef struct se_model_source {
    const char *name; /* for messages: the file name */
    const se_model_tensor *tensors;
    size_t ntensors;
    const char *const *meta_keys, *const *meta_values;
    size_t nmeta;
} se_model_source;

/* ---- model_load.c ---- */
se_status se_model_build(const se_model_source *src, se_model **out, char *err, size_t errlen);
se_status se_model_load_memory(const void *data, size_t len, const char *name, se_model **out, char *err,
                               size_t errlen);
se_status se_model_load_file(const char *path, se_model **out, char *err, size_t errlen);
void se_model_free(se_model *m);
/* The metadata value of key in src, or NULL. */
const char *se_model_meta(const se_model_source *src, const char *key);

/* ---- model_graph.c: the "graph" metadata -> nodes (no weights copied yet) ---- */
/* A tensor the graph uses: index into src->tensors and its offset in the weights block. */
typedef struct se_graph_build {
    se_node *nodes;
    int nnodes, nkids;
    int *kids;
    int entry[SE_ENTRY_COUNT];
    /* tensors referenced by the nodes, in order of first use, with their offsets in the
     * weights block; then the values that come from the graph itself (ColumnScale scales and shifts) */
    size_t *used; /* indices into src->tensors */
    int64_t *used_offset;
    size_t nused, cap_used;
    int64_t ntensor_floats; /* floats of the used tensors */
    double *consts;
    int64_t nconsts, cap_consts;
    int cap_nodes, cap_kids;
} se_graph_build;

se_status se_graph_parse(const se_model_source *src, const char *json, se_graph_build *g, char *err, size_t errlen);
/* Floats of the weights block: the used tensors, then the graph's constants. */
int64_t se_graph_floats(const se_graph_build *g);
/* Copies the used tensors and the constants into weights (ntensor_floats + nconsts floats). */
se_status se_graph_fill(const se_model_source *src, const se_graph_build *g, float *weights, char *err, size_t errlen);
void se_graph_build_free(se_graph_build *g);

/* ---- model_meta.c: representation, terms, centroids ---- */
se_status se_model_read_semantics(const se_model_source *src, se_model *m, char *err, size_t errlen);

/* ---- model_infer.c ---- */
/* Output width of an entry (0 if the model has no such entry), its input width. */
int se_model_entry_out(const se_model *m, se_entry e);
int se_model_entry_in(const se_model *m, se_entry e);
/* Floats of scratch that se_model_run(e, rows) needs. */
int64_t se_model_entry_scratch(const se_model *m, se_entry e, int64_t rows);
/* y [rows x out] = entry(x [rows x in]); scratch holds se_model_entry_scratch floats. */
se_status se_model_run(const se_model *m, se_entry e, const float *x, int64_t rows, float *y, float *scratch);

/* ---- model_eq.c ---- */
typedef struct se_model_eq {
    int kind; /* 1 SAFE (13 parameters), 2 graphic40 (40 gains in dB) */
    int nparams;
    float params[SE_MODEL_CURVE_POINTS];
    float fit_error_db; /* curve40: the fit's max |error| over the 40 points; else -1 */
} se_model_eq;

/* Bytes of scratch for se_model_eq_for_code (doubles and floats, aligned for both). */
size_t se_model_eq_scratch_bytes(const se_model *m);
/* The EQ setting of latent code z with every gain scaled by intensity (semantic:eq_for). */
se_status se_model_eq_for_code(const se_model *m, const float *z, double intensity, se_model_eq *eq, void *scratch,
                               size_t scratch_bytes);
/* z = (1 - amount) * centroid(from) + amount * centroid(to) (semantic:interpolate; the weights
 * are rounded to float as the Lua tensor arithmetic does). */
se_status se_model_interpolate(const se_model *m, int from, int to, double amount, float *z);

#endif
