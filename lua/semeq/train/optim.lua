-- semeq.train.optim: optimisers in torch/optim's functional style, updating a model's flat
-- parameter buffer in one C loop (semeq.train.core).
--
--   local params, grads = model:flat()
--   local function feval(x)              -- x is params
--     grads:zero(); local loss = ...; model:backward(...); return loss, grads
--   end
--   local state = {}
--   for step = 1, n do optim.adam(feval, params, {learningRate = 1e-3}, state) end
--
-- State tensors (momentum, moments) live in the `state` table, so one state per model.
local T = require "semeq.tensor"
local core = require "semeq.train.core"

local optim = {}

local function zeros_like(x) return T.zeros(x:numel()) end

-- The parameters are updated in place, so they must be a tensor: say so before opfunc runs.
local function check_params(x, name)
  if not T.isTensor(x) then
    error(string.format("optim.%s: x must be a tensor of parameters, got %s", name, type(x)), 3)
  end
end

--[[ SGD with momentum, Nesterov momentum and L2 weight decay (torch.optim.SGD's formulas).
ARGS:
- opfunc : a function that takes x and returns f(x), df/dx (a tensor of x's size)
- x      : the parameters (contiguous), updated in place
- config : learningRate (1e-3), momentum (0), dampening (0), weightDecay (0), nesterov (false)
- state  : a table kept between calls (momentum buffer, step counter); defaults to config
RETURN:
- x      : the new parameters
- {fx}   : the function value before the update
]]
function optim.sgd(opfunc, x, config, state)
  config = config or {}
  state = state or config
  local lr, mom = config.learningRate or 1e-3, config.momentum or 0
  local damp, wd = config.dampening or 0, config.weightDecay or 0
  local nesterov = config.nesterov or false
  check_params(x, "sgd")
  if nesterov and (mom <= 0 or damp ~= 0) then
    error("optim.sgd: Nesterov needs momentum > 0 and dampening 0", 2)
  end
  local fx, dfdx = opfunc(x)
  state.buf = state.buf or zeros_like(x)
  state.t = (state.t or 0) + 1
  core.sgd(x, dfdx, state.buf, lr, mom, damp, wd, nesterov, state.t == 1)
  return x, {fx}
end

local function adam(opfunc, x, config, state, decoupled)
  check_params(x, decoupled and "adamw" or "adam")
  config = config or {}
  state = state or config
  local lr = config.learningRate or 1e-3
  local b1, b2 = config.beta1 or 0.9, config.beta2 or 0.999
  local eps = config.epsilon or 1e-8
  local wd = config.weightDecay or (decoupled and 1e-2 or 0)
  local fx, dfdx = opfunc(x)
  state.m = state.m or zeros_like(x)
  state.v = state.v or zeros_like(x)
  state.t = (state.t or 0) + 1
  core.adam(x, dfdx, state.m, state.v, lr, b1, b2, eps, wd, decoupled, state.t)
  return x, {fx}
end

--[[ Adam (Kingma & Ba 2015) with optional L2 weight decay added to the gradient.
ARGS:
- opfunc : a function that takes x and returns f(x), df/dx
- x      : the parameters, updated in place
- config : learningRate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), weightDecay (0)
- state  : table with m, v (moment tensors) and t (step); defaults to config
RETURN:
- x, {fx}
]]
function optim.adam(opfunc, x, config, state) return adam(opfunc, x, config, state, false) end

--[[ AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay p -= lr * wd * p.
ARGS: as optim.adam; weightDecay defaults to 1e-2 (PyTorch's default)
RETURN: x, {fx}
]]
function optim.adamw(opfunc, x, config, state) return adam(opfunc, x, config, state, true) end

-- Scales grads in place so that their L2 norm is at most maxNorm; returns the norm before.
function optim.clipGradNorm(grads, maxNorm)
  if math.type(maxNorm) == nil or not (maxNorm >= 0) then
    error("optim.clipGradNorm: maxNorm must be a number >= 0, got " .. tostring(maxNorm), 2)
  end
  local norm = core.norm(grads)
  if norm > maxNorm and norm > 0 then core.scale(grads, maxNorm / (norm + 1e-6)) end
  return norm
end

-- ---- learning-rate schedules: functions of the step (0-based) returning a rate ----
optim.schedule = {}

-- lr * gamma^floor(step / stepSize)
function optim.schedule.step(lr, stepSize, gamma)
  gamma = gamma or 0.1
  return function(step) return lr * gamma ^ (step // stepSize) end
end

-- Cosine annealing from lr to minLr over total steps (then stays at minLr).
function optim.schedule.cosine(lr, total, minLr)
  minLr = minLr or 0
  return function(step)
    local t = math.min(step, total) / total
    return minLr + 0.5 * (lr - minLr) * (1 + math.cos(math.pi * t))
  end
end

-- Linear warm-up from 0 to the rate of `after` over warmup steps, then `after` (a schedule
-- or a constant) continues with steps counted from the end of the warm-up.
function optim.schedule.warmup(warmup, after)
  local f = type(after) == "function" and after or function() return after end
  return function(step)
    if step < warmup then return f(0) * (step + 1) / warmup end
    return f(step - warmup)
  end
end

return optim
