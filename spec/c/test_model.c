/* The model runtime through the public API (src/semeq.h): the shipped models load and
 * answer, nothing allocates after semeq_model_load (a malloc interposer counts), one model
 * serves two threads at once with the same results, and bad arguments are refused. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/semeq.h"
#include "check.h"

/* ---- a malloc interposer (glibc), counting while `counting` is set; ASan has its own ---- */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#if !defined(__SANITIZE_ADDRESS__) && !defined(SANITIZED)
#define COUNT_ALLOCATIONS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static volatile int counting;
static volatile long allocations;
void *malloc(size_t n)
{
    if (counting)
        allocations++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    if (counting)
        allocations++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    if (counting)
        allocations++;
    return __libc_realloc(p, n);
}
void *memalign(size_t a, size_t n)
{
    if (counting)
        allocations++;
    return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n)
{
    if (counting)
        allocations++;
    return __libc_memalign(a, n);
}
int posix_memalign(void **p, size_t a, size_t n)
{
    if (counting)
        allocations++;
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}
#endif

static semeq_model *load(const char *path)
{
    char err[512];
    semeq_model *m = NULL;
    semeq_status st = semeq_model_load(path, &m, err, sizeof err);
    if (st != SEMEQ_OK)
        fprintf(stderr, "%s\n", err);
    CHECK(st == SEMEQ_OK && m);
    return m;
}

static int finite_eq(const semeq_eq *eq)
{
    for (int i = 0; i < eq->nparams; i++)
        if (!isfinite(eq->params[i]))
            return 0;
    return 1;
}

static void test_shipped(void)
{
    semeq_model *m = load("models/safe_warm_bright.safetensors");
    if (!m)
        return;
    int L = semeq_model_latent_size(m);
    CHECK(semeq_model_input_size(m) == 40 && L >= 2 && L <= 64 && semeq_model_output_size(m) == 40);
    CHECK(semeq_model_eq_kind(m) == SEMEQ_EQ_SAFE);
    CHECK(strcmp(semeq_model_representation(m), "curve40") == 0);
    CHECK(semeq_model_term_count(m) == 2);
    int warm = semeq_model_term_index(m, "warm"), bright = semeq_model_term_index(m, "bright");
    CHECK(warm >= 0 && bright >= 0 && warm != bright && semeq_model_term_index(m, "cold") == -1);
    CHECK(strcmp(semeq_model_term(m, warm), "warm") == 0 && semeq_model_term(m, 7) == NULL);
    size_t size = semeq_scratch_size(m, 1);
    void *scratch = malloc(size);
    semeq_eq a, b;
    CHECK(semeq_eq_for_terms(m, warm, bright, 0.0f, 1.0f, &a, scratch, size) == SEMEQ_OK);
    CHECK(semeq_eq_for_code(m, semeq_model_term_code(m, warm), 1.0f, &b, scratch, size) == SEMEQ_OK);
    CHECK(memcmp(a.params, b.params, sizeof a.params) == 0); /* amount 0 is the term itself */
    CHECK(a.nparams == 13 && finite_eq(&a) && a.fit_error_db >= 0.0f && a.fit_error_db < 1.0f);
    for (int j = 0; j < 13; j++) /* the gains, inside SAFE's +-12 dB */
        if (j == 0 || j == 2 || j == 5 || j == 8 || j == 11)
            CHECK(fabsf(a.params[j]) <= 12.0f);
    /* intensity scales the gains only */
    CHECK(semeq_eq_for_terms(m, warm, bright, 0.0f, 0.5f, &b, scratch, size) == SEMEQ_OK);
    CHECK(fabsf(b.params[0] - 0.5f * a.params[0]) < 1e-6f && b.params[1] == a.params[1]);
    /* encode -> decode round trip runs on a batch */
    float x[3 * 40], z[3 * 64], y[3 * 40];
    for (int i = 0; i < 3 * 40; i++)
        x[i] = (float)sin(i * 0.3) * 0.2f;
    size_t big = semeq_scratch_size(m, 3);
    void *s3 = malloc(big);
    CHECK(semeq_encode(m, x, 3, z, s3, big) == SEMEQ_OK);
    CHECK(semeq_decode(m, z, 3, y, s3, big) == SEMEQ_OK);
    float one[40];
    CHECK(semeq_decode(m, z + L, 1, one, scratch, size) == SEMEQ_OK);
    for (int i = 0; i < 40; i++)
        CHECK(fabsf(one[i] - y[40 + i]) < 1e-5f); /* row 2 alone, as in the batch */
    free(s3);
    free(scratch);
    semeq_model_free(m);

    m = load("models/safe_vae2d.safetensors");
    if (!m)
        return;
    CHECK(semeq_model_latent_size(m) == 2 && strcmp(semeq_model_representation(m), "safe13") == 0);
    size = semeq_scratch_size(m, 1);
    scratch = malloc(size);
    float pad[2] = {0.3f, -1.2f};
    CHECK(semeq_eq_for_code(m, pad, 1.0f, &a, scratch, size) == SEMEQ_OK && finite_eq(&a) && a.fit_error_db == -1.0f);
    free(scratch);
    semeq_model_free(m);
}

static void test_no_allocation(void)
{
#ifdef COUNT_ALLOCATIONS
    semeq_model *m = load("models/safe_warm_bright.safetensors");
    if (!m)
        return;
    size_t size = semeq_scratch_size(m, 4);
    void *scratch = malloc(size);
    float x[4 * 40] = {0}, z[4 * 32];
    semeq_eq eq;
    allocations = 0;
    counting = 1; /* the interposer sees an allocation ... */
    void *volatile probe = malloc(16);
    counting = 0;
    free(probe);
    CHECK(allocations == 1);
    allocations = 0;
    counting = 1; /* ... and from the first call on nothing may allocate, OpenBLAS included */
    for (int i = 0; i < 20; i++) {
        semeq_eq_for_terms(m, 0, 1, i / 19.0f, 0.8f, &eq, scratch, size);
        semeq_encode(m, x, 1 + i % 4, z, scratch, size);
        semeq_decode(m, z, 1 + i % 4, x, scratch, size);
    }
    counting = 0;
    printf("allocations during 20 x (eq_for_terms, encode, decode) after load: %ld\n", allocations);
    CHECK(allocations == 0);
    free(scratch);
    semeq_model_free(m);
#else
    printf("allocation count skipped: AddressSanitizer replaces malloc\n");
#endif
}

typedef struct job {
    semeq_model *m;
    semeq_eq out[16];
    semeq_status st;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    size_t size = semeq_scratch_size(j->m, 1);
    void *scratch = malloc(size);
    j->st = SEMEQ_OK;
    for (int i = 0; i < 16 && j->st == SEMEQ_OK; i++)
        j->st = semeq_eq_for_terms(j->m, 1, 0, i / 15.0f, 0.9f, &j->out[i], scratch, size);
    free(scratch);
    return NULL;
}

static void test_threads(void)
{
    semeq_model *m = load("models/safe_warm_bright.safetensors");
    if (!m)
        return;
    job alone, a, b;
    memset(&alone, 0, sizeof alone);
    alone.m = m;
    a = b = alone;
    worker(&alone);
    pthread_t ta, tb;
    pthread_create(&ta, NULL, worker, &a);
    pthread_create(&tb, NULL, worker, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(alone.st == SEMEQ_OK && a.st == SEMEQ_OK && b.st == SEMEQ_OK);
    CHECK(memcmp(alone.out, a.out, sizeof a.out) == 0 && memcmp(alone.out, b.out, sizeof b.out) == 0);
    semeq_model_free(m);
}

static void test_arguments(void)
{
    semeq_model *m = load("models/safe_vae2d.safetensors");
    if (!m)
        return;
    size_t size = semeq_scratch_size(m, 1);
    double *scratch = malloc(size + 16);
    semeq_eq eq;
    CHECK(semeq_eq_for_terms(m, 0, 1, 0.5f, 1.0f, &eq, scratch, size) == SEMEQ_OK);
    CHECK(semeq_eq_for_terms(m, 0, 1, 0.5f, 1.0f, &eq, scratch, size - 1) == SEMEQ_ERR_ARG);
    CHECK(semeq_eq_for_terms(m, 0, 1, 0.5f, 1.0f, &eq, (char *)scratch + 1, size) == SEMEQ_ERR_ARG);
    CHECK(semeq_eq_for_terms(m, 0, 2, 0.5f, 1.0f, &eq, scratch, size) == SEMEQ_ERR_ARG);
    CHECK(semeq_eq_for_terms(m, -1, 0, 0.5f, 1.0f, &eq, scratch, size) == SEMEQ_ERR_ARG);
    CHECK(semeq_eq_for_terms(m, 0, 1, NAN, 1.0f, &eq, scratch, size) == SEMEQ_ERR_ARG);
    CHECK(semeq_eq_for_terms(m, 0, 1, 0.5f, INFINITY, &eq, scratch, size) == SEMEQ_ERR_ARG);
    CHECK(semeq_eq_for_terms(m, 0, 1, 0.5f, 3e38f, &eq, scratch, size) == SEMEQ_ERR_ARG); /* gains overflow */
    float z[2] = {NAN, 0}, x[13];
    CHECK(semeq_eq_for_code(m, z, 1.0f, &eq, scratch, size) == SEMEQ_ERR_ARG);
    CHECK(semeq_decode(m, z, 0, x, scratch, size) == SEMEQ_ERR_ARG);
    CHECK(semeq_decode(NULL, z, 1, x, scratch, size) == SEMEQ_ERR_ARG);
    CHECK(semeq_scratch_size(m, 0) == 0 && semeq_scratch_size(NULL, 1) == 0);
    CHECK(strcmp(semeq_status_str(SEMEQ_ERR_UNSUPPORTED), "not supported by this model") == 0);
    free(scratch);
    semeq_model_free(m);
    semeq_model_free(NULL);

    char err[512];
    CHECK(semeq_model_load("/nonexistent/m.safetensors", &m, err, sizeof err) == SEMEQ_ERR_IO && m == NULL);
    CHECK(strncmp(err, "/nonexistent/m.safetensors: cannot open", 39) == 0);
    static const char junk[] = "\x10\0\0\0\0\0\0\0{\"a\":1}";
    CHECK(semeq_model_load_memory(junk, sizeof junk - 1, "junk", &m, err, sizeof err) == SEMEQ_ERR_FORMAT && !m);
    CHECK(strncmp(err, "junk: ", 6) == 0 && !strchr(err, '\n'));
}

int main(void)
{
    test_shipped();
    test_no_allocation();
    test_threads();
    test_arguments();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("test_model: all passed\n");
    return failures != 0;
}
