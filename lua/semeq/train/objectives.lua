--- semeq.train.objectives: the training losses of the model zoo as `step` functions for
-- semeq.train.fit. Each returns step(indices, epoch) -> loss, parts, which runs forward
-- and backward for one mini-batch of rows of X; parts names the terms that add up to the
-- loss ({{"recon", v}, {"0.5 x contrastive", v}}), so that a progress line can show
-- which one still moves.
local T = require "semeq.tensor"
local nn = require "semeq.nn"

local objectives = {}

--- Reconstruction (MSE) + lambda x contrastive loss on the projection head, as in the
-- seed system. labels: integer term ids (1-based), one per row of X.
-- opts: lambda (0.5, or function(epoch) -> lambda: the seed's SAFE v2 anneals it),
-- temperature (0.1), loss ("seed": the seed's SocialFX loss, as its code computes it;
-- "seed_v2": its SAFE v2 loss; "supcon": Khosla et al.'s L_out with its tau / base_tau
-- factor, base_tau = 0.07 as in their code; see nn.ContrastiveCriterion), synthetic
-- (function(n) -> [n x d] rows, or nil) and synthetic_rows (per batch): unlabelled
-- settings added to the reconstruction loss only, so the autoencoder learns the whole
-- parameter space, not only the neighbourhoods of the training users' settings.
function objectives.contrastive(model, X, labels, opts)
  opts = opts or {}
  local weight = opts.lambda or 0.5
  if type(weight) ~= "function" then
    local constant = weight
    weight = function() return constant end
  end
  local extra = opts.synthetic and (opts.synthetic_rows or 0) or 0
  local rec = nn.MSECriterion()
  local con = opts.loss == "supcon" and nn.SupConCriterion(opts.temperature or 0.1, 0.07)
    or nn.ContrastiveCriterion(opts.temperature or 0.1, opts.loss == "seed_v2" and "seed_v2" or "seed")
  local y = T.new(labels)
  local grad_proj
  local batch = {}  -- the rows of a batch, gathered into the same tensors each step (per size)
  local function rows(idx)
    local b = batch[#idx]
    if not b then b = {X:index_select(1, idx), y:index_select(1, idx)}; batch[#idx] = b; return b[1], b[2] end
    return X:index_select(1, idx, b[1]), y:index_select(1, idx, b[2])
  end
  return function(idx, epoch)
    local lambda = weight(epoch)
    local x, target = rows(idx)
    if extra > 0 then x = T.cat({x, opts.synthetic(extra)}, 1) end
    local out = model:forward(x)
    local loss = rec:forward(out, x)
    local parts = {{"recon", loss}}
    local gp
    if lambda > 0 then
      -- Only the labelled rows (the first #idx) take part in the contrastive loss.
      local proj = extra > 0 and model.projection:narrow(1, 1, #idx) or model.projection
      local c = lambda * con:forward(proj, target)
      parts[2] = {string.format("%g x contrastive", lambda), c}
      loss = loss + c
      local g = con:backward(proj, target):mul_(lambda)
      if extra > 0 then
        if not grad_proj or grad_proj:size(1) ~= x:size(1) then grad_proj = T.zeros(table.unpack(model.projection:size())) end
        grad_proj:zero():narrow(1, 1, #idx):copy(g)
        g = grad_proj
      end
      gp = g
    end
    model:backward(x, rec:backward(out, x), gp)
    return loss, parts
  end
end

--- β-VAE: reconstruction (L1 as FlowEQ's MAE, or MSE) + β(epoch) x KL(q(z|x) || N(0, I)).
-- opts: loss ("mae" | "mse"), beta (function(epoch) -> β; default constant model.beta).
function objectives.vae(model, X, opts)
  opts = opts or {}
  local rec = opts.loss == "mse" and nn.MSECriterion() or nn.L1Criterion()
  return function(idx, epoch)
    if opts.beta then model.beta = opts.beta(epoch) end
    local x = X:index_select(1, idx)
    local out = model:forward(x)
    local r = rec:forward(out, x)
    local loss = r + model.kl
    model:backward(x, rec:backward(out, x))
    return loss, {{"recon", r}, {string.format("beta %.2g x KL", model.beta), model.kl}}
  end
end

--- FlowEQ's KL schedule: β = 0 until `delay` epochs, then + `step` per epoch up to `max`.
function objectives.floweq_beta(max, delay, step)
  max, delay, step = max or 0.001, delay or 50, step or 1 / 5000
  return function(epoch)
    if epoch <= delay then return 0 end
    return math.min(max, (epoch - delay) * step)
  end
end

return objectives
