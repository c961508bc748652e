/* C unit tests of the tensor core: ownership of storage and strided iteration. */
#include <math.h>
#include <stdio.h>

#include "interrupt.h"
#include "tensor.h"

#include "check.h"

static void test_views_share_and_release(void)
{
    se_tensor a, v;
    int64_t size[2] = {3, 4};
    CHECK(se_tensor_init(&a, 2, size) == SE_OK);
    se_tensor_share(&v, &a);
    CHECK(a.storage->refs == 2);
    CHECK(se_tensor_select(&v, 0, 1) == SE_OK);
    se_tensor_fill(&v, 2.0f);
    CHECK(se_tensor_data(&a)[4] == 2.0f && se_tensor_data(&a)[7] == 2.0f && se_tensor_data(&a)[8] == 0.0f);
    se_tensor_release(&v);
    se_tensor_release(&v); /* idempotent */
    CHECK(a.storage->refs == 1);
    se_tensor_release(&a);
    CHECK(a.storage == NULL);
}

static void test_bad_sizes(void)
{
    se_tensor t;
    int64_t negative[1] = {-1}, huge[2] = {INT64_MAX / 2, 4};
    CHECK(se_tensor_init(&t, 1, negative) == SE_EARG && t.storage == NULL);
    CHECK(se_tensor_init(&t, 2, huge) == SE_ERANGE && t.storage == NULL);
    CHECK(se_tensor_init(&t, SE_MAX_DIM + 1, negative) == SE_EARG);
    /* A zero size does not make the other sizes free: their strides would overflow. */
    int64_t hidden[3] = {0, (int64_t)1 << 40, (int64_t)1 << 40};
    CHECK(se_tensor_init(&t, 3, hidden) == SE_ERANGE && t.storage == NULL);
    int64_t numel;
    int64_t wraps[2] = {(int64_t)1 << 32, (int64_t)1 << 32}; /* product 2^64 wraps to 0 */
    CHECK(se_shape_numel(2, wraps, &numel) == SE_ERANGE);
    int64_t at_limit[2] = {(int64_t)1 << 20, (int64_t)1 << 20};
    CHECK(se_shape_numel(2, at_limit, &numel) == SE_OK && numel == SE_MAX_NUMEL);
}

/* Every view keeps to its storage: the offsets of its first and last element, computed
 * here without the core, lie inside it. */
static int64_t last_offset(const se_tensor *t)
{
    int64_t off = t->offset;
    for (int d = 0; d < t->ndim; d++)
        off += t->stride[d] * (t->size[d] - 1);
    return off;
}

static void test_views_refuse_overflow(void)
{
    se_tensor a, v;
    int64_t size[1] = {4};
    CHECK(se_tensor_init(&a, 1, size) == SE_OK);
    se_tensor_share(&v, &a);
    /* start + length wraps to a small number: the old check let it through */
    CHECK(se_tensor_narrow(&v, 0, INT64_MAX, INT64_MAX) == SE_EARG);
    CHECK(se_tensor_narrow(&v, 0, 2, INT64_MAX - 1) == SE_EARG);
    CHECK(se_tensor_narrow(&v, 0, 5, 0) == SE_EARG);
    CHECK(v.size[0] == 4 && v.offset == 0);                          /* unchanged after a refusal */
    CHECK(se_tensor_narrow(&v, 0, 4, 0) == SE_OK && v.size[0] == 0); /* empty, at the end */
    se_tensor_release(&v);

    se_tensor_share(&v, &a);
    int64_t wrap[2] = {(int64_t)1 << 32, (int64_t)1 << 32};
    CHECK(se_tensor_view(&v, 2, wrap) == SE_ERANGE);
    int64_t huge[1] = {(int64_t)1 << 62};
    CHECK(se_tensor_view(&v, 1, huge) == SE_ESHAPE);
    int64_t one[1] = {1};
    CHECK(se_tensor_narrow(&v, 0, 0, 1) == SE_OK && se_tensor_view(&v, 1, one) == SE_OK);
    CHECK(se_tensor_expand(&v, 1, huge) == SE_ERANGE && v.size[0] == 1);
    int64_t big[2] = {(int64_t)1 << 20, (int64_t)1 << 20};
    CHECK(se_tensor_expand(&v, 2, big) == SE_OK && v.stride[0] == 0 && v.stride[1] == 0);
    CHECK(last_offset(&v) < a.storage->length);
    CHECK(se_tensor_unsqueeze(&v, 0) == SE_OK && se_tensor_numel(&v) == SE_MAX_NUMEL);
    int64_t more[3] = {2, (int64_t)1 << 20, (int64_t)1 << 20};
    CHECK(se_tensor_expand(&v, 3, more) == SE_ERANGE);
    se_tensor_release(&v);

    /* an empty tensor views as anything of numel 0, but not with sizes past the limit */
    int64_t zero[1] = {0};
    se_tensor e;
    CHECK(se_tensor_init(&e, 1, zero) == SE_OK);
    int64_t hidden[3] = {0, (int64_t)1 << 40, (int64_t)1 << 40};
    CHECK(se_tensor_view(&e, 3, hidden) == SE_ERANGE && e.ndim == 1);
    se_tensor_release(&e);
    se_tensor_release(&a);
}

/* A long walk stops at a requested interrupt; the flag stays until cleared. */
static void test_interrupt(void)
{
    se_tensor a;
    int64_t size[1] = {1};
    CHECK(se_tensor_init(&a, 1, size) == SE_OK);
    int64_t big[2] = {(int64_t)1 << 20, (int64_t)1 << 20};
    CHECK(se_tensor_expand(&a, 2, big) == SE_OK);
    double r = 0;
    se_interrupt_request();
    CHECK(se_tensor_reduce_all(&a, SE_SUM, &r) == SE_EINTR);
    CHECK(se_tensor_fill(&a, 1.0f) == SE_EINTR);
    se_interrupt_clear();
    int64_t small[2] = {3, 5};
    se_tensor s;
    CHECK(se_tensor_init(&s, 2, small) == SE_OK);
    CHECK(se_tensor_fill(&s, 2.0f) == SE_OK);
    CHECK(se_tensor_reduce_all(&s, SE_SUM, &r) == SE_OK && r == 30.0);
    se_tensor_release(&s);
    se_tensor_release(&a);
}

static void test_broadcast_on_transposed_views(void)
{
    se_tensor a, b, out;
    int64_t sa[2] = {4, 3}, sb[1] = {4}, so[2] = {3, 4};
    se_tensor_init(&a, 2, sa);
    se_tensor_init(&b, 1, sb);
    se_tensor_init(&out, 2, so);
    for (int i = 0; i < 12; i++)
        se_tensor_data(&a)[i] = (float)i;
    for (int i = 0; i < 4; i++)
        se_tensor_data(&b)[i] = (float)(100 * i);
    se_tensor_transpose(&a, 0, 1); /* [3x4], not contiguous */
    CHECK(!se_tensor_is_contiguous(&a));
    CHECK(se_tensor_binary(&out, &a, &b, SE_ADD) == SE_OK);
    /* out[i][j] = a_orig[j][i] + 100 j */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            CHECK(se_tensor_data(&out)[i * 4 + j] == (float)(j * 3 + i + 100 * j));
    se_tensor_release(&a);
    se_tensor_release(&b);
    se_tensor_release(&out);
}

static void test_reduce_dim_and_nan(void)
{
    se_tensor t, out;
    int64_t st[2] = {2, 3}, so[2] = {2, 1};
    se_tensor_init(&t, 2, st);
    se_tensor_init(&out, 2, so);
    float v[6] = {1, NAN, 3, 4, 5, 6};
    for (int i = 0; i < 6; i++)
        se_tensor_data(&t)[i] = v[i];
    CHECK(se_tensor_reduce_dim(&out, &t, 1, SE_MAX) == SE_OK);
    CHECK(isnan(se_tensor_data(&out)[0]) && se_tensor_data(&out)[1] == 6.0f);
    CHECK(se_tensor_reduce_dim(&out, &t, 0, SE_MAX) == SE_ESHAPE);
    se_tensor_release(&t);
    se_tensor_release(&out);
}

int main(void)
{
    test_views_share_and_release();
    test_bad_sizes();
    test_broadcast_on_transposed_views();
    test_reduce_dim_and_nan();
    test_views_refuse_overflow();
    test_interrupt();
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
