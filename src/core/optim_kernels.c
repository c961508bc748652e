#include "optim_kernels.h"

#include <math.h>

void se_sgd_step(float *p, const float *g, float *buf, int64_t n, const se_sgd_config *c, bool first)
{
    for (int64_t i = 0; i < n; i++) {
        float d = g[i] + c->weight_decay * p[i];
        if (c->momentum != 0.0f) {
            buf[i] = first ? d : c->momentum * buf[i] + (1.0f - c->dampening) * d;
            d = c->nesterov ? d + c->momentum * buf[i] : buf[i];
        }
        p[i] -= c->lr * d;
    }
}

void se_adam_step(float *p, const float *g, float *m, float *v, int64_t n, const se_adam_config *c,
                  int64_t step)
{
    /* Bias corrections folded into the step size as in PyTorch's non-fused Adam. */
    double bc1 = 1.0 - pow(c->beta1, (double)step);
    double bc2 = 1.0 - pow(c->beta2, (double)step);
    float step_size = (float)(c->lr / bc1);
    float rbc2 = (float)(1.0 / sqrt(bc2));
    float wd = c->weight_decay;
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i];
        if (c->decoupled)
            p[i] -= c->lr * wd * p[i];
        else
            gi += wd * p[i];
        m[i] = c->beta1 * m[i] + (1.0f - c->beta1) * gi;
        v[i] = c->beta2 * v[i] + (1.0f - c->beta2) * gi * gi;
        p[i] -= step_size * m[i] / (sqrtf(v[i]) * rbc2 + c->eps);
    }
}

double se_l2norm(const float *g, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    return sqrt(s);
}

void se_scale(float *g, int64_t n, float s)
{
    for (int64_t i = 0; i < n; i++)
        g[i] *= s;
}
