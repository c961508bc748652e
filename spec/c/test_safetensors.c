/* Round trip, truncation and random corruption of safetensors buffers (core only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "safetensors.h"

#include "check.h"

static const char *PATH = "build-test-safetensors.tmp";

static void test_round_trip(uint8_t **out, size_t *outlen)
{
    float w[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-7f, -1e30f}, b[2] = {0.5f, -0.25f};
    int64_t ws[2] = {2, 3}, bs[1] = {2};
    se_st_entry e[2] = {{"enc.0.weight", 2, ws, w}, {"enc.0.bias", 1, bs, b}};
    const char *keys[1] = {"config"}, *vals[1] = {"{\"kind\":\"mlp\"}"};
    char err[256];
    CHECK(se_safetensors_write(PATH, e, 2, keys, vals, 1, err, sizeof err) == SE_OK);
    uint8_t *buf;
    size_t len;
    CHECK(se_safetensors_read_file(PATH, &buf, &len, err, sizeof err) == SE_OK);
    remove(PATH);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | buf[i];
    CHECK(hlen % 8 == 0);
    CHECK(len == 8 + hlen + 32);
    se_st_file f;
    CHECK(se_safetensors_parse(buf, len, &f, err, sizeof err) == SE_OK);
    CHECK(f.ntensors == 2 && f.nmeta == 1);
    CHECK(strcmp(f.meta_keys[0], "config") == 0 && strcmp(f.meta_values[0], vals[0]) == 0);
    CHECK(strcmp(f.tensors[0].name, "enc.0.weight") == 0 && f.tensors[0].ndim == 2 && f.tensors[0].shape[1] == 3);
    float got[6];
    se_safetensors_copy_f32(&f, 0, got);
    CHECK(memcmp(got, w, sizeof w) == 0);
    se_safetensors_copy_f32(&f, 1, got);
    CHECK(memcmp(got, b, sizeof b) == 0);
    se_safetensors_free(&f);
    *out = buf;
    *outlen = len;
}

static void expect_error(const uint8_t *buf, size_t len, const char *needle)
{
    se_st_file f;
    char err[256] = "";
    se_status st = se_safetensors_parse(buf, len, &f, err, sizeof err);
    CHECK(st == SE_EFORMAT);
    if (!strstr(err, needle)) {
        fprintf(stderr, "expected '%s' in '%s'\n", needle, err);
        failures++;
    }
    se_safetensors_free(&f);
}

static void test_faults(const uint8_t *good, size_t len)
{
    uint8_t *b = malloc(len);
    expect_error(good, 5, "byte 0: file has 5 bytes");
    expect_error(good, len - 1, "lie outside");
    memcpy(b, good, len);
    b[0] = 0xff;
    b[1] = 0xff;
    expect_error(b, len, "byte 0: header length");
    memcpy(b, good, len);
    b[8] = '[';
    expect_error(b, len, "header is not valid JSON");
    memcpy(b, good, len);
    char *p = strstr((char *)b + 8, "F32");
    p[1] = '1';
    p[2] = '6';
    expect_error(b, len, "only F32");
    /* Extra bytes after the last tensor. */
    uint8_t *big = calloc(len + 4, 1);
    memcpy(big, good, len);
    expect_error(big, len + 4, "bytes after the last tensor");
    free(big);
    free(b);
}

/* Random byte flips and truncations: must never crash (ASan watches) and must either parse
 * or report an error. */
static void test_garbage(const uint8_t *good, size_t len)
{
    se_rng rng;
    se_rng_seed(&rng, 42);
    uint8_t *b = malloc(len);
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(b, good, len);
        int flips = 1 + (int)se_rng_below(&rng, 4);
        for (int k = 0; k < flips; k++)
            b[se_rng_below(&rng, len)] = (uint8_t)se_rng_next(&rng);
        size_t n = se_rng_below(&rng, 4) == 0 ? se_rng_below(&rng, len + 1) : len;
        se_st_file f;
        char err[256];
        if (se_safetensors_parse(b, n, &f, err, sizeof err) == SE_OK) {
            for (size_t i = 0; i < f.ntensors; i++) {
                float tmp[64];
                if (f.tensors[i].end - f.tensors[i].begin <= sizeof tmp)
                    se_safetensors_copy_f32(&f, i, tmp);
            }
        } else {
            CHECK(strncmp(err, "byte ", 5) == 0 || strcmp(err, "out of memory") == 0);
        }
        se_safetensors_free(&f);
    }
    free(b);
}

int main(void)
{
    uint8_t *good;
    size_t len;
    test_round_trip(&good, &len);
    test_faults(good, len);
    test_garbage(good, len);
    free(good);
    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
