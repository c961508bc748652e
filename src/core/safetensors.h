/* safetensors model files: parse and write without Lua.
 *
 * Overview
 *   The format (https://huggingface.co/docs/safetensors): 8 bytes little-endian u64 N,
 *   then N bytes of JSON header, then the raw tensor bytes. The header maps each tensor
 *   name to {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} (offsets relative
 *   to the first byte after the header) and may hold "__metadata__", a string -> string map.
 *   semeq writes only F32, pads the header with spaces to a multiple of 8 bytes, and stores
 *   tensors back to back in the order given.
 *
 *   se_st_file f;
 *   char err[256];
 *   if (se_safetensors_parse(buf, len, &f, err, sizeof err) != SE_OK) { report err; }
 *   for (size_t i = 0; i < f.ntensors; i++) se_safetensors_copy_f32(&f, i, dst);
 *   se_safetensors_free(&f);
 *
 * The parser must survive any input (it is a fuzz target): every length, offset and shape is
 * checked before use, and each failure writes a message with the byte offset of the fault
 * into err ("byte 8: header is not valid JSON near byte 57"). Parsed tensors point into the
 * caller's buffer, which must outlive the se_st_file. */
#ifndef SE_SAFETENSORS_H
#define SE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define SE_ST_MAX_DIM 8
/* Largest header accepted (the reference implementation's limit is 100 MB). */
#define SE_ST_MAX_HEADER ((uint64_t)100 * 1000 * 1000)

typedef struct se_st_tensor {
    char *name;
    int ndim;
    int64_t shape[SE_ST_MAX_DIM];
    uint64_t begin, end; /* byte range in the data section */
} se_st_tensor;

typedef struct se_st_file {
    se_st_tensor *tensors;
    size_t ntensors;
    char **meta_keys, **meta_values;
    size_t nmeta;
    const uint8_t *data; /* first byte of the data section (inside the parsed buffer) */
    size_t data_start;   /* its byte offset in the file: 8 + header length */
    size_t data_len;
} se_st_file;

/* Parses buf[0..len). On failure out is left empty (safe to free) and err explains. */
se_status se_safetensors_parse(const uint8_t *buf, size_t len, se_st_file *out, char *err, size_t errlen);
void se_safetensors_free(se_st_file *f);
/* Copies tensor i's little-endian floats into dst (numel floats). */
void se_safetensors_copy_f32(const se_st_file *f, size_t i, float *dst);

typedef struct se_st_entry {
    const char *name;
    int ndim;
    const int64_t *shape;
    const float *data; /* contiguous, product(shape) floats */
} se_st_entry;

/* Writes the tensors and the metadata map (nmeta key/value pairs) to path through a temporary
 * file in the same directory that is renamed over path on success. */
se_status se_safetensors_write(const char *path, const se_st_entry *tensors, size_t n, const char *const *meta_keys,
                               const char *const *meta_values, size_t nmeta, char *err, size_t errlen);

/* Reads a whole file into a malloc'd buffer (the caller frees it). */
se_status se_safetensors_read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen);

#endif
