#include "safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static se_status fail(se_status st, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void se_safetensors_free(se_st_file *f)
{
    for (size_t i = 0; i < f->ntensors; i++)
        free(f->tensors[i].name);
    for (size_t i = 0; i < f->nmeta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_values[i]);
    }
    free(f->tensors);
    free(f->meta_keys);
    free(f->meta_values);
    memset(f, 0, sizeof *f);
}

/* A JSON number that is an exact non-negative integer below 2^53. */
static int as_u64(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return 0;
    double d = item->valuedouble;
    if (!(d >= 0.0) || d > 9007199254740992.0 || floor(d) != d)
        return 0;
    *out = (uint64_t)d;
    return 1;
}

static se_status parse_metadata(const cJSON *meta, se_st_file *f, char *err, size_t errlen)
{
    if (!cJSON_IsObject(meta))
        return fail(SE_EFORMAT, err, errlen, "byte 8: __metadata__ is not an object");
    size_t n = (size_t)cJSON_GetArraySize(meta);
    f->meta_keys = calloc(n ? n : 1, sizeof(char *));
    f->meta_values = calloc(n ? n : 1, sizeof(char *));
    if (!f->meta_keys || !f->meta_values)
        return fail(SE_ENOMEM, err, errlen, "out of memory");
    for (const cJSON *e = meta->child; e; e = e->next) {
        if (!cJSON_IsString(e) || !e->string)
            return fail(SE_EFORMAT, err, errlen, "byte 8: __metadata__ value of '%s' is not a string",
                        e->string ? e->string : "?");
        f->meta_keys[f->nmeta] = dupstr(e->string);
        f->meta_values[f->nmeta] = dupstr(e->valuestring);
        f->nmeta++;
        if (!f->meta_keys[f->nmeta - 1] || !f->meta_values[f->nmeta - 1])
            return fail(SE_ENOMEM, err, errlen, "out of memory");
    }
    return SE_OK;
}

/* Fills t from one header entry; checks dtype, shape and that the byte range fits the data. */
static se_status parse_entry(const cJSON *e, se_st_tensor *t, const se_st_file *f, char *err, size_t errlen)
{
    const char *name = e->string;
    if (!cJSON_IsObject(e))
        return fail(SE_EFORMAT, err, errlen, "byte 8: tensor '%s' is not an object", name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dtype))
        return fail(SE_EFORMAT, err, errlen, "byte 8: tensor '%s' has no dtype", name);
    if (strcmp(dtype->valuestring, "F32") != 0)
        return fail(SE_EFORMAT, err, errlen, "byte 8: tensor '%s' has dtype %s (only F32 is supported)", name,
                    dtype->valuestring);
    if (!cJSON_IsArray(shape) || cJSON_GetArraySize(shape) > SE_ST_MAX_DIM)
        return fail(SE_EFORMAT, err, errlen, "byte 8: tensor '%s' has a bad shape", name);
    uint64_t numel = 1;
    t->ndim = 0;
    for (const cJSON *s = shape->child; s; s = s->next) {
        uint64_t d;
        if (!as_u64(s, &d) || d > ((uint64_t)1 << 40))
            return fail(SE_EFORMAT, err, errlen, "byte 8: tensor '%s' has a bad shape", name);
        numel = (d == 0 || numel <= UINT64_MAX / 4 / d) ? numel * d : UINT64_MAX;
        t->shape[t->ndim++] = (int64_t)d;
    }
    uint64_t begin, end;
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || !as_u64(offs->child, &begin) ||
        !as_u64(offs->child->next, &end))
        return fail(SE_EFORMAT, err, errlen, "byte 8: tensor '%s' has bad data_offsets", name);
    if (begin > end || end > f->data_len)
        return fail(SE_EFORMAT, err, errlen,
                    "byte %llu: tensor '%s' data_offsets [%llu, %llu] lie outside the %llu data bytes",
                    (unsigned long long)(f->data_start + (begin < f->data_len ? begin : f->data_len)), name,
                    (unsigned long long)begin, (unsigned long long)end, (unsigned long long)f->data_len);
    if (numel == UINT64_MAX || end - begin != numel * 4)
        return fail(SE_EFORMAT, err, errlen, "byte %llu: tensor '%s' has %llu bytes but its shape needs %llu",
                    (unsigned long long)(f->data_start + begin), name, (unsigned long long)(end - begin),
                    (unsigned long long)(numel * 4));
    t->begin = begin;
    t->end = end;
    t->name = dupstr(name);
    return t->name ? SE_OK : fail(SE_ENOMEM, err, errlen, "out of memory");
}

static int by_begin(const void *a, const void *b)
{
    const se_st_tensor *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

/* The tensors must tile the data section: no overlap, no hole, nothing left over. */
static se_status check_layout(se_st_file *f, char *err, size_t errlen)
{
    se_st_tensor *sorted = malloc((f->ntensors ? f->ntensors : 1) * sizeof *sorted);
    if (!sorted)
        return fail(SE_ENOMEM, err, errlen, "out of memory");
    memcpy(sorted, f->tensors, f->ntensors * sizeof *sorted);
    qsort(sorted, f->ntensors, sizeof *sorted, by_begin);
    uint64_t at = 0;
    se_status st = SE_OK;
    for (size_t i = 0; i < f->ntensors && st == SE_OK; i++) {
        if (sorted[i].begin != at)
            st = fail(SE_EFORMAT, err, errlen, "byte %llu: tensor '%s' %s the previous tensor",
                      (unsigned long long)(f->data_start + sorted[i].begin), sorted[i].name,
                      sorted[i].begin < at ? "overlaps" : "leaves a hole after");
        at = sorted[i].end;
    }
    if (st == SE_OK && at != f->data_len)
        st = fail(SE_EFORMAT, err, errlen, "byte %llu: %llu bytes after the last tensor",
                  (unsigned long long)(f->data_start + at), (unsigned long long)(f->data_len - at));
    free(sorted);
    return st;
}

static se_status parse_header(const cJSON *root, se_st_file *f, char *err, size_t errlen)
{
    if (!cJSON_IsObject(root))
        return fail(SE_EFORMAT, err, errlen, "byte 8: header is not a JSON object");
    size_t n = (size_t)cJSON_GetArraySize(root);
    f->tensors = calloc(n ? n : 1, sizeof *f->tensors);
    if (!f->tensors)
        return fail(SE_ENOMEM, err, errlen, "out of memory");
    for (const cJSON *e = root->child; e; e = e->next) {
        se_status st;
        if (!e->string)
            return fail(SE_EFORMAT, err, errlen, "byte 8: header entry without a name");
        if (strcmp(e->string, "__metadata__") == 0) {
            if (f->meta_keys)
                return fail(SE_EFORMAT, err, errlen, "byte 8: two __metadata__ entries");
            st = parse_metadata(e, f, err, errlen);
        } else {
            for (size_t i = 0; i < f->ntensors; i++)
                if (strcmp(f->tensors[i].name, e->string) == 0)
                    return fail(SE_EFORMAT, err, errlen, "byte 8: tensor '%s' appears twice", e->string);
            st = parse_entry(e, &f->tensors[f->ntensors], f, err, errlen);
            if (st == SE_OK)
                f->ntensors++;
        }
        if (st != SE_OK)
            return st;
    }
    return check_layout(f, err, errlen);
}

se_status se_safetensors_parse(const uint8_t *buf, size_t len, se_st_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len < 8)
        return fail(SE_EFORMAT, err, errlen, "byte 0: file has %zu bytes, less than the 8-byte header length", len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | buf[i];
    if (hlen > SE_ST_MAX_HEADER || hlen > len - 8)
        return fail(SE_EFORMAT, err, errlen, "byte 0: header length %llu exceeds the %zu bytes that follow",
                    (unsigned long long)hlen, len - 8);
    const char *json = (const char *)buf + 8;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, (size_t)hlen, &end, 0);
    if (!root) {
        size_t at = end && end >= json && end <= json + hlen ? (size_t)(end - json) : 0;
        return fail(SE_EFORMAT, err, errlen, "byte %zu: header is not valid JSON", 8 + at);
    }
    /* Only the padding spaces may follow the JSON object inside the header. */
    for (const char *p = end; p < json + hlen; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\0') {
            cJSON_Delete(root);
            return fail(SE_EFORMAT, err, errlen, "byte %zu: unexpected data after the JSON header",
                        8 + (size_t)(p - json));
        }
    out->data_start = 8 + (size_t)hlen;
    out->data = buf + out->data_start;
    out->data_len = len - out->data_start;
    se_status st = parse_header(root, out, err, errlen);
    cJSON_Delete(root);
    if (st != SE_OK)
        se_safetensors_free(out);
    return st;
}

void se_safetensors_copy_f32(const se_st_file *f, size_t i, float *dst)
{
    const uint8_t *p = f->data + f->tensors[i].begin;
    size_t n = (size_t)(f->tensors[i].end - f->tensors[i].begin) / 4;
    for (size_t k = 0; k < n; k++, p += 4) {
        uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        memcpy(&dst[k], &u, 4);
    }
}

/* ---------------------------------------------------------------- writing */

static int64_t numel_of(const se_st_entry *e)
{
    int64_t n = 1;
    for (int d = 0; d < e->ndim; d++)
        n *= e->shape[d];
    return n;
}

/* The JSON header text (unpadded), or NULL when out of memory / a name is reused. */
static char *build_header(const se_st_entry *t, size_t n, const char *const *keys, const char *const *vals,
                          size_t nmeta)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    int ok = 1;
    if (nmeta > 0) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        for (size_t i = 0; ok && i < nmeta; i++)
            ok = meta && cJSON_AddStringToObject(meta, keys[i], vals[i]) != NULL;
    }
    uint64_t at = 0;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *e = cJSON_AddObjectToObject(root, t[i].name);
        cJSON *shape = e ? cJSON_AddArrayToObject(e, "shape") : NULL;
        cJSON *offs = e ? cJSON_AddArrayToObject(e, "data_offsets") : NULL;
        ok = e && shape && offs && cJSON_AddStringToObject(e, "dtype", "F32");
        for (int d = 0; ok && d < t[i].ndim; d++)
            ok = cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t[i].shape[d]));
        uint64_t bytes = (uint64_t)numel_of(&t[i]) * 4;
        ok = ok && cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)at)) &&
            cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(at + bytes)));
        at += bytes;
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

static int write_le_floats(FILE *fp, const float *x, int64_t n)
{
    uint8_t chunk[4096];
    int64_t i = 0;
    while (i < n) {
        size_t k = 0;
        for (; i < n && k + 4 <= sizeof chunk; i++, k += 4) {
            uint32_t u;
            memcpy(&u, &x[i], 4);
            chunk[k] = (uint8_t)u;
            chunk[k + 1] = (uint8_t)(u >> 8);
            chunk[k + 2] = (uint8_t)(u >> 16);
            chunk[k + 3] = (uint8_t)(u >> 24);
        }
        if (fwrite(chunk, 1, k, fp) != k)
            return 0;
    }
    return 1;
}

se_status se_safetensors_write(const char *path, const se_st_entry *tensors, size_t n, const char *const *meta_keys,
                               const char *const *meta_values, size_t nmeta, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(tensors[i].name, tensors[j].name) == 0 || strcmp(tensors[i].name, "__metadata__") == 0)
                return fail(SE_EARG, err, errlen, "tensor name '%s' is used twice", tensors[i].name);
    char *header = build_header(tensors, n, meta_keys, meta_values, nmeta);
    if (!header)
        return fail(SE_ENOMEM, err, errlen, "out of memory building the header");
    size_t hlen = strlen(header);
    size_t padded = (hlen + 7) / 8 * 8;

    size_t plen = strlen(path);
    char *tmp = malloc(plen + 8);
    if (!tmp) {
        free(header);
        return fail(SE_ENOMEM, err, errlen, "out of memory");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".XXXXXX", 8);
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        /* mkstemp makes 0600; a model file is an ordinary file: 0666 minus the umask. */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!fp) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        free(header);
        return fail(SE_EIO, err, errlen, "cannot create a temporary file next to it: %s", strerror(e));
    }
    uint8_t len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    int ok = fwrite(len8, 1, 8, fp) == 8 && fwrite(header, 1, hlen, fp) == hlen;
    for (size_t i = hlen; ok && i < padded; i++)
        ok = fputc(' ', fp) != EOF;
    for (size_t i = 0; ok && i < n; i++)
        ok = write_le_floats(fp, tensors[i].data, numel_of(&tensors[i]));
    int e = errno;
    ok = (fclose(fp) == 0) && ok;
    free(header);
    if (!ok || rename(tmp, path) != 0) {
        e = ok ? errno : e;
        unlink(tmp);
        free(tmp);
        return fail(SE_EIO, err, errlen, "write failed: %s", strerror(e));
    }
    free(tmp);
    return SE_OK;
}

se_status se_safetensors_read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    *buf = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fail(SE_EIO, err, errlen, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, fp);
        if (n < cap)
            break;
        uint8_t *nb = realloc(b, cap * 2);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (!b)
        return fail(SE_ENOMEM, err, errlen, "out of memory reading the file");
    if (bad) {
        free(b);
        return fail(SE_EIO, err, errlen, "read error");
    }
    *buf = b;
    *len = n;
    return SE_OK;
}
