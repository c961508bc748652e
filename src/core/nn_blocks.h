/* Fused forward and backward of the blocks models are made of, so that one call from Lua runs
 * a whole block (a training step of the seed's model crosses into C ~25 times instead of
 * ~200).
 *
 * The residual block (lua/semeq/nn/Residual.lua, the seed system's):
 *     y = ReLU( LN2(Linear2(Dropout(ReLU(LN1(Linear1(x)))))) + skip(x) )
 *     skip = Linear(in, out) when in != out, else the identity
 * Its parameters are one contiguous run of floats in the order a model's flat buffer holds
 * them (depth first): W1 [out x in], b1, gamma1, beta1 [out], W2 [out x out], b2, gamma2,
 * beta2 [out], and with a Linear skip Ws [out x in], bs [out]. Gradients have the same layout
 * and are ACCUMULATED into (scale times the weight and bias gradients; LayerNorm's, as
 * nn.LayerNorm's, without scale).
 *
 * Each step is the kernel the separate layers call (se_gemm, se_layernorm_*, the ReLU mask,
 * se_dropout_forward drawing from the same RNG in the same order, se_mul), with the same
 * arguments, so the result is bitwise the one of the layers run one by one (spec/nn_spec
 * checks it). The activations backward needs are kept in `work`, a caller-owned scratch of
 * se_residual_work_size() floats, between a forward and its backward. */
#ifndef SE_NN_BLOCKS_H
#define SE_NN_BLOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"

typedef struct se_residual {
    int64_t rows, in, out;
    float eps;  /* LayerNorm's */
    float p;    /* Dropout's probability */
    bool train; /* Dropout active (training and p > 0) */
} se_residual;

/* Floats of parameters of a block from in to out features (the skip is a Linear when in != out). */
int64_t se_residual_param_count(int64_t in, int64_t out);
/* Floats of `work` for a batch of rows. */
int64_t se_residual_work_size(int64_t rows, int64_t in, int64_t out);

/* y [rows x out] from x [rows x in]; P the parameters; the masks are drawn from rng. */
void se_residual_forward(const se_residual *b, float *y, const float *x, const float *P, float *work, se_rng *rng);
/* From gy [rows x out] after the forward of x: gx [rows x in] (overwritten) and G (the
 * parameters' gradients, accumulated). */
void se_residual_backward(const se_residual *b, float *gx, float *G, const float *gy, const float *x, const float *P,
                          float *work, float scale);

#endif
