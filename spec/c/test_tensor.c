/* C unit tests of the tensor core: ownership of storage and strided iteration. */
#include <math.h>
#include <stdio.h>

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
    CHECK(se_tensor_init(&t, 2, huge) == SE_ENOMEM && t.storage == NULL);
    CHECK(se_tensor_init(&t, SE_MAX_DIM + 1, negative) == SE_EARG);
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
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
