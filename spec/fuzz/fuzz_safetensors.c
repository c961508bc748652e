/* libFuzzer target for the safetensors parser (src/core/safetensors.c).
 * Build by hand:
 *   clang -g -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE -Isrc/core \
 *     spec/fuzz/fuzz_safetensors.c src/core/safetensors.c -lcjson -o fuzz_safetensors
 * Every accepted file is also read back tensor by tensor, so that a wrong bounds check in
 * the parser shows up as an out-of-bounds read here. */
#include <stdint.h>
#include <stdlib.h>

#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    se_st_file f;
    char err[256];
    if (se_safetensors_parse(data, size, &f, err, sizeof err) == SE_OK) {
        for (size_t i = 0; i < f.ntensors; i++) {
            size_t n = (size_t)(f.tensors[i].end - f.tensors[i].begin) / 4;
            float *dst = malloc(n ? n * sizeof(float) : 1);
            if (dst)
                se_safetensors_copy_f32(&f, i, dst);
            free(dst);
        }
    }
    se_safetensors_free(&f);
    return 0;
}
