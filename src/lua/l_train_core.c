// module: semeq.train.core
/* The C half of semeq.train (its optimisers, semeq.train.optim): one update loop over a model's flat parameter buffer.
 * lua/semeq/optim.lua keeps the state tensors and the step counters; this file only checks
 * that the buffers are contiguous and of one length, then calls src/core/optim_kernels.c. */
#include "../core/optim_kernels.h"
#include "lse.h"

/* Data of a contiguous tensor of n elements (n < 0: any). */
static float *flat(lua_State *L, int arg, int64_t n)
{
    se_tensor *t = lse_checktensor(L, arg);
    if (!se_tensor_is_contiguous(t))
        luaL_argerror(L, arg, "tensor must be contiguous");
    if (n >= 0 && se_tensor_numel(t) != n)
        luaL_argerror(
            L, arg,
            lua_pushfstring(L, "expected %I elements, got %I", (lua_Integer)n, (lua_Integer)se_tensor_numel(t)));
    return se_tensor_data(t);
}

static float num(lua_State *L, int arg) { return lse_checkfinite(L, arg); }

/* sgd(params, grads, buf, lr, momentum, dampening, weight_decay, nesterov, first) */
static int l_sgd(lua_State *L)
{
    int64_t n = se_tensor_numel(lse_checktensor(L, 1));
    float *p = flat(L, 1, -1), *g = flat(L, 2, n), *buf = flat(L, 3, n);
    se_sgd_config c = {num(L, 4), num(L, 5), num(L, 6), num(L, 7), lua_toboolean(L, 8)};
    se_sgd_step(p, g, buf, n, &c, lua_toboolean(L, 9));
    return 0;
}

/* adam(params, grads, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, step) */
static int l_adam(lua_State *L)
{
    int64_t n = se_tensor_numel(lse_checktensor(L, 1));
    float *p = flat(L, 1, -1), *g = flat(L, 2, n), *m = flat(L, 3, n), *v = flat(L, 4, n);
    se_adam_config c = {num(L, 5), num(L, 6), num(L, 7), num(L, 8), num(L, 9), lua_toboolean(L, 10)};
    lua_Integer step = luaL_checkinteger(L, 11);
    luaL_argcheck(L, step >= 1, 11, "step counts from 1");
    se_adam_step(p, g, m, v, n, &c, (int64_t)step);
    return 0;
}

/* norm(t) -> L2 norm of a contiguous tensor, in double. */
static int l_norm(lua_State *L)
{
    float *g = flat(L, 1, -1);
    lua_pushnumber(L, se_l2norm(g, se_tensor_numel(lse_checktensor(L, 1))));
    return 1;
}

/* scale(t, s): t *= s in place. */
static int l_scale(lua_State *L)
{
    float *g = flat(L, 1, -1);
    se_scale(g, se_tensor_numel(lse_checktensor(L, 1)), num(L, 2));
    return 0;
}

static const luaL_Reg functions[] = {
    {"sgd", l_sgd}, {"adam", l_adam}, {"norm", l_norm}, {"scale", l_scale}, {NULL, NULL},
};

int luaopen_semeq_train_core(lua_State *L)
{
    luaL_newlib(L, functions);
    return 1;
}
