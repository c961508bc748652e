/* Forward and backward kernels of the nn layers and losses, over contiguous float buffers.
 *
 * Overview
 *   Every kernel works on plain row-major float arrays that the caller owns; none of
 *   them allocates, so a training step does no malloc at all once its buffers exist.
 *   Matrix products are not here: the bindings call se_tensor_addmm (cblas_sgemm).
 *   Batches are [rows x cols] with one example per row. "Backward" kernels that take
 *   parameter gradients ACCUMULATE into them (Torch's accGradParameters), so that
 *   zeroGradParameters() followed by several backward() calls sums gradients; input
 *   gradients are overwritten.
 *
 *   float y[6], x[6] = {...};
 *   se_act_forward(SE_ACT_GELU, y, x, 6, 0.0f);
 *   se_act_backward(SE_ACT_GELU, gx, x, y, gy, 6, 0.0f);
 *
 * Loss kernels return the loss (in double) and, if grad is not NULL, write d loss / d input.
 * Class labels are 0-based here (the bindings translate from Lua's 1-based labels). */
#ifndef SE_NN_KERNELS_H
#define SE_NN_KERNELS_H

#include <stdint.h>

#include "rng.h"
#include "status.h"

/* ---- activations: y = f(x) elementwise; param is LeakyReLU's slope or Softplus's beta ---- */
typedef enum se_act {
    SE_ACT_RELU,
    SE_ACT_LEAKY_RELU,
    SE_ACT_GELU,
    SE_ACT_TANH,
    SE_ACT_SIGMOID,
    SE_ACT_SOFTPLUS
} se_act;

void se_act_forward(se_act kind, float *y, const float *x, int64_t n, float param);
/* gx = f'(x) * gy; uses y = f(x) where that is cheaper (tanh, sigmoid). gx may alias gy. */
void se_act_backward(se_act kind, float *gx, const float *x, const float *y, const float *gy, int64_t n, float param);

/* ---- small helpers for Linear ---- */
/* Every row of y [rows x cols] = b [cols]. */
void se_fill_rows(float *y, const float *b, int64_t rows, int64_t cols);
/* gb [cols] += sum over rows of g [rows x cols]. */
void se_sum_rows_acc(float *gb, const float *g, int64_t rows, int64_t cols);
/* out = a * b elementwise (out may alias either). */
void se_mul(float *out, const float *a, const float *b, int64_t n);

/* ---- the seed's decoder heads (models.contrastive_ae, tail "seed") ----
 * a [rows x units] holds the head units' pre-activations on entry (units = 3 k, one Linear
 * row each) and their activations on return; y [rows x cols] gets, per band i < k, the gain
 * 12 tanh(a) in column 3i, the "frequency" sigmoid(a) in 3i+1 and the Q 9.9 sigmoid(a) + 0.1
 * in 3i+2, and the columns past 3k get 0 * x[:, 0] (x [rows x cols] is the heads' input):
 * the function of the Concat of Linear(cols, 1) -> Tanh|Sigmoid -> ColumnScale units it
 * replaces, computed the same way, float op by float op. */
void se_seed_heads_forward(float *y, float *a, const float *x, int64_t rows, int64_t cols, int64_t units);
/* gu [rows x units] = d loss / d pre-activations from gy [rows x cols] and the saved
 * activations a. */
void se_seed_heads_backward(float *gu, const float *gy, const float *a, int64_t rows, int64_t cols, int64_t units);

/* ---- LayerNorm over the last dim of [rows x cols]; saves mean and 1/std per row ---- */
void se_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma, const float *beta,
                          int64_t rows, int64_t cols, float eps);
void se_layernorm_backward(float *gx, float *ggamma, float *gbeta, const float *gy, const float *x, const float *mean,
                           const float *rstd, const float *gamma, int64_t rows, int64_t cols);

/* ---- BatchNorm over the batch dim of [rows x cols] (PyTorch's BatchNorm1d) ----
 * Training: batch statistics (biased variance), running stats updated with momentum using
 * the unbiased variance. Evaluation: running statistics. mean/rstd [cols] are saved for backward. */
void se_batchnorm_forward(float *y, float *mean, float *rstd, float *run_mean, float *run_var, const float *x,
                          const float *gamma, const float *beta, int64_t rows, int64_t cols, float eps, float momentum,
                          int train);
void se_batchnorm_backward(float *gx, float *ggamma, float *gbeta, const float *gy, const float *x, const float *mean,
                           const float *rstd, const float *gamma, int64_t rows, int64_t cols, int train);

/* ---- Dropout: mask[i] = 0 with probability p, else 1/(1-p); y = x * mask ---- */
void se_dropout_forward(float *y, float *mask, const float *x, int64_t n, float p, se_rng *rng);

/* ---- regression losses, mean over all n elements ---- */
double se_mse_loss(const float *x, const float *t, float *grad, int64_t n);
double se_l1_loss(const float *x, const float *t, float *grad, int64_t n);
/* Huber-like: 0.5 d^2 / beta if |d| < beta, else |d| - 0.5 beta (PyTorch's SmoothL1Loss). */
double se_smooth_l1_loss(const float *x, const float *t, float *grad, int64_t n, float beta);

/* ---- cross entropy on logits [rows x classes], labels 0-based; optional class weights:
 * loss = sum_i w[y_i] * -log softmax(x_i)[y_i] / sum_i w[y_i] (PyTorch's weighted mean).
 * SE_EARG if a label is out of range or the weights sum to zero. ---- */
se_status se_cross_entropy(const float *logits, const int64_t *labels, const float *weight, float *grad, int64_t rows,
                           int64_t classes, double *loss);

/* ---- contrastive losses over labels ----
 * z [rows x dim] is L2-normalised inside; s_ij = <z_i, z_j> / tau; P(i) the other rows with
 * the label of row i. Two forms:
 *   SE_CONTRASTIVE_SUPCON_OUT (Khosla et al. 2020, L_out): for each anchor with a positive
 *     l_i = -1/|P(i)| * sum_{p in P(i)} log( exp(s_ip) / sum_{a != i} exp(s_ia) ),
 *     loss = scale * mean of l_i over anchors with positives;
 *   SE_CONTRASTIVE_SEED (the seed system's ContrastiveEQLoss, core/neural_eq_morphing.py,
 *     as its code computes it): meant as -log( sum_P exp(s_ip) / sum_{a != i} exp(s_ia) )
 *     per anchor, but a broadcast makes it the mean over all (i, j) of valid_j * -log((pos_j
 *     + 1e-8) / (all_ij + 1e-8)) with all_ij = sum_a exp(s_ia) - [i = j] exp(s_ii) (see
 *     seed_as_coded in nn_kernels.c), times scale;
 *   SE_CONTRASTIVE_SEED_V2 (its SAFE v2 system): L_out's l_i with row i itself in the
 *     denominator (sum over every a, a = i included), loss = scale * sum of l_i / rows.
 * 0 if no row has a positive. work needs se_supcon_work_size(rows, dim) floats of scratch.
 * Returns SE_EARG if tau <= 0 or the form is unknown, SE_EINTR if an interrupt was requested
 * (interrupt.h; the work is O(rows^2 dim)). */
typedef enum se_contrastive_form {
    SE_CONTRASTIVE_SUPCON_OUT,
    SE_CONTRASTIVE_SEED,
    SE_CONTRASTIVE_SEED_V2
} se_contrastive_form;
se_status se_supcon_loss(const float *z, const int64_t *labels, float *grad, float *work, int64_t rows, int64_t dim,
                         float tau, float scale, se_contrastive_form form, double *loss);
/* Floats of scratch that se_supcon_loss needs (rows^2 + rows + rows dim), or -1 when that
 * is more than SE_MAX_NUMEL (or overflows int64). */
int64_t se_supcon_work_size(int64_t rows, int64_t dim);

/* ---- Gaussian VAE pieces; mu, logvar [rows x dim] ----
 * KL(N(mu, exp(logvar)) || N(0, I)) summed over dims, mean over rows, times beta. */
double se_kl_normal(const float *mu, const float *logvar, float *gmu, float *glogvar, int64_t rows, int64_t dim,
                    float beta);
/* z = mu + exp(logvar / 2) * eps with eps ~ N(0, 1) drawn from rng (saved for backward). */
void se_reparam_forward(float *z, float *eps, const float *mu, const float *logvar, int64_t n, se_rng *rng);
/* gmu = gz, glogvar = gz * eps * exp(logvar / 2) / 2 (both overwritten). */
void se_reparam_backward(float *gmu, float *glogvar, const float *gz, const float *eps, const float *logvar, int64_t n);

#endif
