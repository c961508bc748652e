/* Optimiser update kernels over one flat parameter buffer.
 *
 * Overview
 *   A model keeps all its parameters in one contiguous float buffer and all gradients in
 *   another of the same length (see lua/semeq/nn/Module.lua), so one optimiser step is one
 *   loop here, whatever the architecture. State buffers (momentum, Adam's moments) have the
 *   same length and are owned by the caller (the Lua `state` table holds them as tensors).
 *
 *   se_adam_step(p, g, m, v, n, &(se_adam_config){.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f,
 *                .eps = 1e-8f}, step);   // step counts from 1
 *
 * The formulas are PyTorch's (torch.optim.SGD / Adam / AdamW) so results can be compared. */
#ifndef SE_OPTIM_KERNELS_H
#define SE_OPTIM_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct se_sgd_config {
    float lr, momentum, dampening, weight_decay;
    bool nesterov;
} se_sgd_config;

/* buf is the momentum buffer (unused if momentum == 0); first: true on the first step, when
 * PyTorch initialises buf to the gradient instead of blending it. */
void se_sgd_step(float *p, const float *g, float *buf, int64_t n, const se_sgd_config *c, bool first);

typedef struct se_adam_config {
    float lr, beta1, beta2, eps, weight_decay;
    bool decoupled; /* false: Adam's L2 (decay added to the gradient); true: AdamW */
} se_adam_config;

void se_adam_step(float *p, const float *g, float *m, float *v, int64_t n, const se_adam_config *c, int64_t step);

/* Euclidean norm of g, in double. */
double se_l2norm(const float *g, int64_t n);
/* g *= s. */
void se_scale(float *g, int64_t n, float s);

#endif
