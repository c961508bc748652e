/* The "graph" metadata of a model file -> the runtime's nodes, checked against the tensors.
 *
 * The JSON is what nn.graph writes (lua/semeq/nn/init.lua): {"version": 1, "encode": node,
 * "decode": node} (or "forward"), each node {"type": "Linear", "input": 40, "output": 256,
 * "weight": "encoder.0.weight", "bias": ...}, containers with "children" (Sequential,
 * Concat) or "block" and "skip" (Residual). Hyper-parameters follow the Lua layers'
 * conventions (Narrow's offset is 1-based, dim 2 is the feature dim).
 *
 * One pass per entry: its input width is found first (the first layer that fixes it), then
 * every node is parsed with the width that reaches it, so that each check can say what was
 * expected. Nothing here allocates more than the JSON and the tensor table already cost:
 * every width is a tensor's dimension or bounded by one. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

typedef struct parse_ctx {
    const se_model_source *src;
    se_graph_build *g;
    char *err;
    size_t errlen;
} parse_ctx;

static se_status fail(parse_ctx *c, se_status st, const char *path, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "%s: metadata 'graph': %s%s%s", c->src->name, path, *path ? ": " : "", msg);
    return st;
}

static se_status oom(parse_ctx *c) { return fail(c, SE_ENOMEM, "", "out of memory"); }

/* ---------------------------------------------------------------- growing arrays */

static int grow(void **p, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    int64_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, (size_t)n * elem);
    if (!q)
        return 0;
    *p = q;
    *cap = n;
    return 1;
}

static int new_node(parse_ctx *c, se_node_kind kind, int in)
{
    se_graph_build *g = c->g;
    int64_t cap = g->cap_nodes;
    if (g->nnodes >= SE_MODEL_MAX_NODES || !grow((void **)&g->nodes, &cap, g->nnodes + 1, sizeof *g->nodes))
        return -1;
    g->cap_nodes = (int)cap;
    se_node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->in = n->out = in;
    n->w = n->b = n->mean = n->var = -1;
    return g->nnodes++;
}

/* ---------------------------------------------------------------- fields */

static const cJSON *field(const cJSON *j, const char *key) { return cJSON_GetObjectItemCaseSensitive(j, key); }

static se_status get_int(parse_ctx *c, const cJSON *j, const char *key, int lo, const char *path, int *out)
{
    const cJSON *v = field(j, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo) || v->valuedouble > 2147483647.0 ||
        floor(v->valuedouble) != v->valuedouble)
        return fail(c, SE_EFORMAT, path, "'%s' must be an integer >= %d", key, lo);
    *out = (int)v->valuedouble;
    return SE_OK;
}

static se_status get_number(parse_ctx *c, const cJSON *j, const char *key, const char *path, double *out)
{
    const cJSON *v = field(j, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return fail(c, SE_EFORMAT, path, "'%s' must be a finite number", key);
    *out = v->valuedouble;
    return SE_OK;
}

static int find_tensor(const se_model_source *src, const char *name)
{
    for (size_t i = 0; i < src->ntensors; i++)
        if (strcmp(src->tensors[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void shape_str(int ndim, const int64_t *shape, char *buf, size_t len)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, len, "[");
    for (int d = 0; d < ndim && at < len; d++)
        at += (size_t)snprintf(buf + at, len - at, d ? "x%lld" : "%lld", (long long)shape[d]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
}

/* The tensor named by j[key] must exist with the given shape (ndim 1 or 2); registers it
 * in the weights block (once per tensor) and returns its offset there. */
static se_status use_tensor(parse_ctx *c, const cJSON *j, const char *key, int ndim, int64_t d0, int64_t d1,
                            const char *path, int64_t *offset)
{
    const cJSON *v = field(j, key);
    if (!cJSON_IsString(v))
        return fail(c, SE_EFORMAT, path, "'%s' must name a tensor", key);
    int t = find_tensor(c->src, v->valuestring);
    if (t < 0)
        return fail(c, SE_EFORMAT, path, "%s '%s' is not a tensor of the file", key, v->valuestring);
    const se_model_tensor *st = &c->src->tensors[t];
    int64_t want[2] = {d0, d1};
    int same = st->ndim == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = st->shape[d] == want[d];
    if (!same) {
        char got[64], exp[64];
        shape_str(st->ndim, st->shape, got, sizeof got);
        shape_str(ndim, want, exp, sizeof exp);
        return fail(c, SE_EFORMAT, path, "%s '%s' has shape %s, the node needs %s", key, v->valuestring, got, exp);
    }
    se_graph_build *g = c->g;
    for (size_t i = 0; i < g->nused; i++)
        if (g->used[i] == (size_t)t) {
            *offset = g->used_offset[i];
            return SE_OK;
        }
    int64_t cap = (int64_t)g->cap_used, cap2 = cap;
    if (!grow((void **)&g->used, &cap, (int64_t)g->nused + 1, sizeof *g->used) ||
        !grow((void **)&g->used_offset, &cap2, (int64_t)g->nused + 1, sizeof *g->used_offset))
        return oom(c);
    g->cap_used = (size_t)(cap < cap2 ? cap : cap2);
    int64_t numel = d0 * (ndim == 2 ? d1 : 1); /* both come from the file's own shape: no overflow */
    g->used[g->nused] = (size_t)t;
    g->used_offset[g->nused++] = *offset = g->ntensor_floats;
    g->ntensor_floats += numel;
    return SE_OK;
}

/* ---------------------------------------------------------------- input width of an entry */

enum { WIDTH_PASS = -1, WIDTH_FREE = -2 }; /* keeps the width / changes it without fixing it */

static int required_width(const cJSON *j, int depth);

/* The first width fixed among children fed the same input (Concat, Residual). */
static int required_of_siblings(const cJSON *const *kids, int n, int depth)
{
    int free_seen = 0;
    for (int i = 0; i < n; i++) {
        int r = required_width(kids[i], depth + 1);
        if (r >= 0)
            return r;
        if (r == WIDTH_FREE)
            free_seen = 1;
    }
    return free_seen ? WIDTH_FREE : WIDTH_PASS;
}

/* The input width node j needs, from its own fields; WIDTH_PASS when it takes any width and
 * keeps it, WIDTH_FREE when it takes any width and changes it (Narrow) or cannot say. */
static int required_width(const cJSON *j, int depth)
{
    const cJSON *t = field(j, "type");
    if (depth > SE_MODEL_MAX_DEPTH || !cJSON_IsString(t))
        return WIDTH_FREE;
    const char *type = t->valuestring;
    const char *key = strcmp(type, "Linear") == 0                          ? "input"
        : strcmp(type, "LayerNorm") == 0 || strcmp(type, "BatchNorm") == 0 ? "size"
                                                                           : NULL;
    if (key) {
        const cJSON *v = field(j, key);
        return cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 2147483647.0 ? (int)v->valuedouble
                                                                                          : WIDTH_FREE;
    }
    if (strcmp(type, "ColumnScale") == 0) {
        const cJSON *s = field(j, "scales");
        return cJSON_IsArray(s) && cJSON_GetArraySize(s) > 0 ? cJSON_GetArraySize(s) : WIDTH_FREE;
    }
    if (strcmp(type, "Sequential") == 0) {
        const cJSON *ch = field(j, "children");
        for (const cJSON *k = cJSON_IsArray(ch) ? ch->child : NULL; k; k = k->next) {
            int r = required_width(k, depth + 1);
            if (r != WIDTH_PASS)
                return r;
        }
        return WIDTH_PASS;
    }
    if (strcmp(type, "Concat") == 0) {
        const cJSON *ch = field(j, "children"), *kids[64];
        int n = 0;
        for (const cJSON *k = cJSON_IsArray(ch) ? ch->child : NULL; k && n < 64; k = k->next)
            kids[n++] = k;
        return required_of_siblings(kids, n, depth);
    }
    if (strcmp(type, "Residual") == 0) {
        const cJSON *kids[2] = {field(j, "block"), field(j, "skip")};
        return required_of_siblings(kids, kids[1] ? 2 : 1, depth);
    }
    static const char *const keeping[] = {"ReLU",     "LeakyReLU", "GELU",    "Tanh",          "Sigmoid",
                                          "Softplus", "Identity",  "Dropout", "Reparameterize"};
    for (size_t i = 0; i < sizeof keeping / sizeof keeping[0]; i++)
        if (strcmp(type, keeping[i]) == 0)
            return WIDTH_PASS;
    return WIDTH_FREE;
}

/* ---------------------------------------------------------------- nodes */

static se_status parse_node(parse_ctx *c, const cJSON *j, int in, int depth, const char *path, int *index);

static se_status node_linear(parse_ctx *c, const cJSON *j, se_node *n, const char *path)
{
    int input = 0, output = 0;
    se_status st = get_int(c, j, "input", 1, path, &input);
    if (st == SE_OK)
        st = get_int(c, j, "output", 1, path, &output);
    if (st != SE_OK)
        return st;
    if (input != n->in)
        return fail(c, SE_EFORMAT, path, "takes %d inputs but receives %d", input, n->in);
    n->out = output;
    st = use_tensor(c, j, "weight", 2, output, input, path, &n->w);
    if (st == SE_OK && field(j, "bias") && !cJSON_IsNull(field(j, "bias")))
        st = use_tensor(c, j, "bias", 1, output, 0, path, &n->b);
    return st;
}

static se_status node_norm(parse_ctx *c, const cJSON *j, se_node *n, int batch, const char *path)
{
    int size = 0;
    double eps = 0.0;
    se_status st = get_int(c, j, "size", 1, path, &size);
    if (st == SE_OK)
        st = get_number(c, j, "eps", path, &eps);
    if (st != SE_OK)
        return st;
    if (size != n->in)
        return fail(c, SE_EFORMAT, path, "normalises %d features but receives %d", size, n->in);
    if (!(eps > 0.0) || eps > 1e30)
        return fail(c, SE_EFORMAT, path, "'eps' must be a positive number");
    n->eps = (float)eps;
    n->scratch = batch ? 0 : 2; /* LayerNorm: per-row mean and 1/std (se_layernorm_forward) */
    st = use_tensor(c, j, "weight", 1, size, 0, path, &n->w);
    if (st == SE_OK)
        st = use_tensor(c, j, "bias", 1, size, 0, path, &n->b);
    if (st == SE_OK && batch)
        st = use_tensor(c, j, "running_mean", 1, size, 0, path, &n->mean);
    if (st == SE_OK && batch)
        st = use_tensor(c, j, "running_var", 1, size, 0, path, &n->var);
    return st;
}

static se_status node_narrow(parse_ctx *c, const cJSON *j, se_node *n, const char *path)
{
    int dim = 0, offset = 0, length = 0;
    se_status st = get_int(c, j, "dim", 1, path, &dim);
    if (st == SE_OK)
        st = get_int(c, j, "offset", 1, path, &offset);
    if (st == SE_OK)
        st = get_int(c, j, "length", 1, path, &length);
    if (st != SE_OK)
        return st;
    if (dim != 2)
        return fail(c, SE_EFORMAT, path, "'dim' must be 2 (the features of [batch x features])");
    if (offset - 1 > n->in - length) /* offset + length - 1 > in, without overflow */
        return fail(c, SE_EFORMAT, path, "takes columns %d..%lld of %d", offset, (long long)offset + length - 1, n->in);
    n->offset = offset - 1;
    n->out = length;
    return SE_OK;
}

/* ColumnScale: y = x * scales + shifts, per column ("shifts" optional, 0 without). Both
 * lists become constants, scales then shifts. */
static se_status node_colscale(parse_ctx *c, const cJSON *j, se_node *n, const char *path)
{
    const cJSON *lists[2] = {field(j, "scales"), field(j, "shifts")};
    static const char *const names[2] = {"scales", "shifts"};
    se_graph_build *g = c->g;
    if (!grow((void **)&g->consts, &g->cap_consts, g->nconsts + 2 * (int64_t)n->in, sizeof *g->consts))
        return oom(c);
    n->w = g->nconsts; /* an offset among the constants until se_graph_floats places them */
    for (int k = 0; k < 2; k++) {
        const cJSON *s = lists[k];
        if (!s && k == 1) {
            for (int i = 0; i < n->in; i++)
                g->consts[g->nconsts++] = 0.0;
            continue;
        }
        if (!cJSON_IsArray(s) || cJSON_GetArraySize(s) != n->in)
            return fail(c, SE_EFORMAT, path, "'%s' must list one number per input column (%d)", names[k], n->in);
        for (const cJSON *v = s->child; v; v = v->next) {
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > 3.4e38)
                return fail(c, SE_EFORMAT, path, "'%s' must hold finite numbers", names[k]);
            g->consts[g->nconsts++] = v->valuedouble;
        }
    }
    return SE_OK;
}

static se_status node_act(parse_ctx *c, const cJSON *j, se_node *n, const char *type, const char *path)
{
    static const struct {
        const char *name;
        se_act act;
    } acts[] = {
        {"ReLU", SE_ACT_RELU}, {"LeakyReLU", SE_ACT_LEAKY_RELU}, {"GELU", SE_ACT_GELU},
        {"Tanh", SE_ACT_TANH}, {"Sigmoid", SE_ACT_SIGMOID},      {"Softplus", SE_ACT_SOFTPLUS},
    };
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
        if (strcmp(type, acts[i].name) == 0)
            n->act = acts[i].act;
    double param = 0.0;
    se_status st = SE_OK;
    if (n->act == SE_ACT_LEAKY_RELU)
        st = get_number(c, j, "slope", path, &param);
    if (n->act == SE_ACT_SOFTPLUS) {
        st = get_number(c, j, "beta", path, &param);
        if (st == SE_OK && !(param > 0.0))
            return fail(c, SE_EFORMAT, path, "'beta' must be positive");
    }
    if (fabs(param) > 3.4e38)
        return fail(c, SE_EFORMAT, path, "parameter out of float range");
    n->param = (float)param;
    return st;
}

/* Parses the children (a JSON array, or nodes given one by one) into consecutive kids. */
static se_status node_children(parse_ctx *c, int self, const cJSON *const *kids, int nk, int in, int chain, int depth,
                               const char *path, const char *const *names)
{
    int *idx = malloc(sizeof(int) * (size_t)(nk ? nk : 1));
    if (!idx)
        return oom(c);
    se_status st = SE_OK;
    int width = in;
    char sub[256];
    for (int i = 0; i < nk && st == SE_OK; i++) {
        if (names)
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", names[i]);
        else
            snprintf(sub, sizeof sub, "%s.children[%d]", path, i);
        st = parse_node(c, kids[i], chain ? width : in, depth + 1, sub, &idx[i]);
        if (st == SE_OK)
            width = c->g->nodes[idx[i]].out;
    }
    se_graph_build *g = c->g;
    int64_t cap = g->cap_kids;
    if (st == SE_OK && nk > 0 && !grow((void **)&g->kids, &cap, (int64_t)g->nkids + nk, sizeof *g->kids))
        st = oom(c);
    if (st == SE_OK) {
        g->cap_kids = (int)cap;
        g->nodes[self].child = g->nkids;
        g->nodes[self].nchild = nk;
        if (nk > 0)
            memcpy(g->kids + g->nkids, idx, sizeof(int) * (size_t)nk);
        g->nkids += nk;
    }
    free(idx);
    return st;
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Output width and scratch of a container from its parsed children. */
static se_status finish_container(parse_ctx *c, int self, const char *path)
{
    se_node *n = &c->g->nodes[self];
    const int *k = n->nchild ? c->g->kids + n->child : NULL; /* no kids at all: kids is NULL */
    const se_node *nodes = c->g->nodes;
    int64_t child_scratch = 0, widest = 0, total = 0;
    for (int i = 0; i < n->nchild; i++) {
        child_scratch = max64(child_scratch, nodes[k[i]].scratch);
        if (n->kind != SE_NODE_SEQUENTIAL || i < n->nchild - 1)
            widest = max64(widest, nodes[k[i]].out);
        total += nodes[k[i]].out;
    }
    if (n->kind == SE_NODE_SEQUENTIAL) {
        /* children write to two buffers in turn; the last writes the output */
        n->out = n->nchild ? nodes[k[n->nchild - 1]].out : n->in;
        n->scratch = (n->nchild > 2 ? 2 : n->nchild > 1 ? 1 : 0) * widest + child_scratch;
    } else if (n->kind == SE_NODE_CONCAT) {
        if (n->nchild == 0)
            return fail(c, SE_EFORMAT, path, "a Concat needs children");
        if (total > 2147483647)
            return fail(c, SE_EFORMAT, path, "output too wide");
        n->out = (int)total;
        n->scratch = widest + child_scratch; /* each child's output, then copied into its columns */
    } else {                                 /* Residual: block into the output, skip into scratch */
        if (nodes[k[0]].out != nodes[k[1]].out)
            return fail(c, SE_EFORMAT, path, "block gives %d features, skip %d", nodes[k[0]].out, nodes[k[1]].out);
        n->out = nodes[k[0]].out;
        n->scratch = n->out + child_scratch;
    }
    return SE_OK;
}

/* path names the node for its children's paths, where (path and type) for its own messages. */
static se_status node_container(parse_ctx *c, const cJSON *j, int self, const char *type, int depth, const char *path,
                                const char *where)
{
    if (strcmp(type, "Residual") == 0) {
        const cJSON *kids[2] = {field(j, "block"), field(j, "skip")};
        static const char *const names[2] = {"block", "skip"};
        if (!cJSON_IsObject(kids[0]) || !cJSON_IsObject(kids[1]))
            return fail(c, SE_EFORMAT, where, "a Residual needs 'block' and 'skip' nodes");
        se_status st = node_children(c, self, kids, 2, c->g->nodes[self].in, 0, depth, path, names);
        return st == SE_OK ? finish_container(c, self, where) : st;
    }
    int chain = strcmp(type, "Sequential") == 0;
    if (!chain) {
        int dim;
        se_status st = get_int(c, j, "dim", 1, where, &dim);
        if (st != SE_OK)
            return st;
        if (dim != 2)
            return fail(c, SE_EFORMAT, where, "'dim' must be 2 (the features of [batch x features])");
    }
    const cJSON *ch = field(j, "children");
    /* Lua's JSON writes an empty list as {} */
    if (ch && !cJSON_IsArray(ch) && !(cJSON_IsObject(ch) && !ch->child))
        return fail(c, SE_EFORMAT, where, "'children' must be a list of nodes");
    int nk = cJSON_IsArray(ch) ? cJSON_GetArraySize(ch) : 0;
    const cJSON **kids = malloc(sizeof *kids * (size_t)(nk ? nk : 1));
    if (!kids)
        return oom(c);
    int i = 0;
    for (const cJSON *k = cJSON_IsArray(ch) ? ch->child : NULL; k; k = k->next)
        kids[i++] = k;
    se_status st = node_children(c, self, kids, nk, c->g->nodes[self].in, chain, depth, path, NULL);
    free(kids);
    return st == SE_OK ? finish_container(c, self, where) : st;
}

static se_status parse_node(parse_ctx *c, const cJSON *j, int in, int depth, const char *path, int *index)
{
    if (depth > SE_MODEL_MAX_DEPTH)
        return fail(c, SE_EFORMAT, path, "nested deeper than %d", SE_MODEL_MAX_DEPTH);
    const cJSON *t = field(j, "type");
    if (!cJSON_IsObject(j) || !cJSON_IsString(t))
        return fail(c, SE_EFORMAT, path, "a node must be an object with a 'type'");
    const char *type = t->valuestring;
    static const struct {
        const char *name;
        se_node_kind kind;
    } kinds[] = {
        {"Linear", SE_NODE_LINEAR},
        {"ReLU", SE_NODE_ACT},
        {"LeakyReLU", SE_NODE_ACT},
        {"GELU", SE_NODE_ACT},
        {"Tanh", SE_NODE_ACT},
        {"Sigmoid", SE_NODE_ACT},
        {"Softplus", SE_NODE_ACT},
        {"LayerNorm", SE_NODE_LAYERNORM},
        {"BatchNorm", SE_NODE_BATCHNORM},
        {"Identity", SE_NODE_PASS},
        {"Dropout", SE_NODE_PASS},
        {"Reparameterize", SE_NODE_PASS},
        {"Narrow", SE_NODE_NARROW},
        {"ColumnScale", SE_NODE_COLSCALE},
        {"Sequential", SE_NODE_SEQUENTIAL},
        {"Concat", SE_NODE_CONCAT},
        {"Residual", SE_NODE_RESIDUAL},
    };
    int k = -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(type, kinds[i].name) == 0)
            k = (int)i;
    if (k < 0)
        return fail(c, SE_EFORMAT, path, "unknown node type '%.40s'", type);
    int self = new_node(c, kinds[k].kind, in);
    if (self < 0)
        return fail(c, SE_EFORMAT, path, "more than %d nodes, or out of memory", SE_MODEL_MAX_NODES);
    *index = self;
    char where[300];
    snprintf(where, sizeof where, "%s (%s)", path, type);
    se_node *n = &c->g->nodes[self]; /* valid until the next new_node */
    switch (kinds[k].kind) {
    case SE_NODE_LINEAR: return node_linear(c, j, n, where);
    case SE_NODE_ACT: return node_act(c, j, n, type, where);
    case SE_NODE_LAYERNORM: return node_norm(c, j, n, 0, where);
    case SE_NODE_BATCHNORM: return node_norm(c, j, n, 1, where);
    case SE_NODE_PASS: return SE_OK;
    case SE_NODE_NARROW: return node_narrow(c, j, n, where);
    case SE_NODE_COLSCALE: return node_colscale(c, j, n, where);
    default: return node_container(c, j, self, type, depth, path, where);
    }
}

/* ---------------------------------------------------------------- the graph */

se_status se_graph_parse(const se_model_source *src, const char *json, se_graph_build *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    for (int e = 0; e < SE_ENTRY_COUNT; e++)
        g->entry[e] = -1;
    parse_ctx c = {src, g, err, errlen};
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return fail(&c, SE_EFORMAT, "", "not valid JSON");
    se_status st = SE_OK;
    const cJSON *v = field(root, "version");
    if (!cJSON_IsObject(root))
        st = fail(&c, SE_EFORMAT, "", "must be a JSON object");
    else if (!cJSON_IsNumber(v) || v->valuedouble != 1.0)
        st = fail(&c, SE_EFORMAT, "", "'version' must be 1 (a newer semeq wrote this file?)");
    static const char *const names[SE_ENTRY_COUNT] = {"encode", "decode", "forward"};
    int found = 0;
    for (int e = 0; e < SE_ENTRY_COUNT && st == SE_OK; e++) {
        const cJSON *node = field(root, names[e]);
        if (!node)
            continue;
        found = 1;
        int in = required_width(node, 0);
        if (in < 0)
            st = fail(&c, SE_EFORMAT, names[e],
                      "no layer fixes the input width (a Linear, LayerNorm, BatchNorm or "
                      "ColumnScale before any Narrow)");
        else
            st = parse_node(&c, node, in, 0, names[e], &g->entry[e]);
    }
    if (st == SE_OK && !found)
        st = fail(&c, SE_EFORMAT, "", "has no 'encode', 'decode' or 'forward' entry");
    for (int i = 0; st == SE_OK && i < g->nnodes; i++)
        if (g->nodes[i].kind == SE_NODE_COLSCALE)
            g->nodes[i].w += g->ntensor_floats; /* the constants follow the tensors */
    cJSON_Delete(root);
    if (st != SE_OK)
        se_graph_build_free(g);
    return st;
}

int64_t se_graph_floats(const se_graph_build *g) { return g->ntensor_floats + g->nconsts; }

se_status se_graph_fill(const se_model_source *src, const se_graph_build *g, float *weights, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    for (size_t i = 0; i < g->nused; i++) {
        const se_model_tensor *t = &src->tensors[g->used[i]];
        int64_t n = 1;
        for (int d = 0; d < t->ndim; d++)
            n *= t->shape[d];
        const unsigned char *p = t->data;
        float *dst = weights + g->used_offset[i];
        for (int64_t k = 0; k < n; k++, p += 4) { /* little-endian, possibly unaligned */
            uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            memcpy(&dst[k], &u, 4);
        }
    }
    for (int64_t k = 0; k < g->nconsts; k++)
        weights[g->ntensor_floats + k] = (float)g->consts[k];
    return SE_OK;
}

void se_graph_build_free(se_graph_build *g)
{
    free(g->nodes);
    free(g->kids);
    free(g->used);
    free(g->used_offset);
    free(g->consts);
    memset(g, 0, sizeof *g);
    for (int e = 0; e < SE_ENTRY_COUNT; e++)
        g->entry[e] = -1;
}
