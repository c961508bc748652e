/* libFuzzer target: the safetensors parser (src/core/safetensors.c) on arbitrary bytes.
 *
 * A file that parses must be safe to use: every tensor's byte range lies inside the
 * data section and matches its shape (4 bytes per float), so copying each tensor out
 * stays in bounds (ASan checks the copy). A file that fails must say why. (Merged with the
 * nn branch's first version of this target, which did the copy-back only.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    se_st_file f;
    char err[256];
    err[0] = '\0';
    if (se_safetensors_parse(data, size, &f, err, sizeof err) != SE_OK) {
        if (err[0] == '\0')
            abort(); /* a failure must be explained */
        se_safetensors_free(&f);
        return 0;
    }
    for (size_t i = 0; i < f.ntensors; i++) {
        const se_st_tensor *t = &f.tensors[i];
        if (t->begin > t->end || t->end > f.data_len)
            abort();
        uint64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] < 0)
                abort();
            numel *= (uint64_t)t->shape[d];
        }
        if (numel * 4 != t->end - t->begin)
            abort();
        float *dst = malloc(numel ? numel * sizeof *dst : 1);
        if (!dst)
            continue;
        se_safetensors_copy_f32(&f, i, dst);
        free(dst);
    }
    for (size_t i = 0; i < f.nmeta; i++)
        if (!f.meta_keys[i] || !f.meta_values[i])
            abort();
    se_safetensors_free(&f);
    return 0;
}
