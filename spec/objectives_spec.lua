-- semeq.train.objectives: the training losses of the model zoo as step functions.
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local models = require "semeq.models"
local objectives = require "semeq.train.objectives"
local optim = require "semeq.train.optim"

local function data(n)
  T.manualSeed(11)
  local X = T.rand(n, 13)
  local labels = {}
  for i = 1, n do
    labels[i] = i % 2 + 1
    X[i][1] = labels[i] == 1 and 0.9 or 0.1   -- the term is visible in the first column
  end
  return X, labels
end

local function steps(model, step, n, count)
  local params, grads = model:flat()
  local state, losses = {}, {}
  local idx = {}
  for i = 1, n do idx[i] = i end
  for k = 1, count do
    optim.adam(function()
      grads:zero()
      losses[k] = step(idx, k)
      return losses[k], grads
    end, params, {learningRate = 1e-2}, state)
  end
  return losses
end

describe("semeq.train.objectives", function()
  it("contrastive: reconstruction plus lambda x the contrastive loss, and it learns", function()
    local X, labels = data(16)
    local model = models.contrastive_ae{input = 13, latent = 4, widths = {16}, proj = 8, dropout = 0}
    model:training()
    local step = objectives.contrastive(model, X, labels, {lambda = 0.5, temperature = 0.1})
    local losses = steps(model, step, 16, 40)
    for _, l in ipairs(losses) do assert.is_true(l == l and l < math.huge) end
    assert.is_true(losses[40] < losses[1] * 0.8, string.format("%g -> %g", losses[1], losses[40]))
    -- with lambda 0 the loss is the reconstruction MSE alone
    local only = objectives.contrastive(model, X, labels, {lambda = 0})
    local idx = {1, 2, 3, 4}
    local loss = only(idx)
    local out = model:forward(X:index_select(1, idx))
    local mse = nn.MSECriterion():forward(out, X:index_select(1, idx))
    assert.is_true(math.abs(loss - mse) < 1e-6)
  end)

  it("contrastive: synthetic rows join the reconstruction only", function()
    local X, labels = data(8)
    local model = models.contrastive_ae{input = 13, latent = 4, widths = {16}, proj = 8, dropout = 0}
    local calls = 0
    local step = objectives.contrastive(model, X, labels, {lambda = 1, synthetic_rows = 3,
      synthetic = function(n) calls = calls + 1; return T.rand(n, 13) end})
    local loss = step({1, 2, 3, 4})
    assert.are.equal(1, calls)
    assert.are.same({7, 13}, model.output:size())          -- 4 labelled + 3 synthetic rows
    assert.is_true(loss == loss)
  end)

  it("supcon differs from the seed's contrastive loss (Khosla's base temperature)", function()
    local X, labels = data(8)
    local function loss_of(kind)
      T.manualSeed(3)
      local model = models.contrastive_ae{input = 13, latent = 4, widths = {16}, proj = 8, dropout = 0}
      return objectives.contrastive(model, X, labels, {lambda = 1, loss = kind})({1, 2, 3, 4, 5, 6, 7, 8})
    end
    assert.are_not.equal(loss_of("contrastive"), loss_of("supcon"))
  end)

  it("vae: reconstruction plus beta(epoch) x KL, with FlowEQ's schedule", function()
    local X = data(12)
    local model = models.beta_vae{input = 13, latent = 2, hidden = 16}
    model:training()
    local beta = objectives.floweq_beta(0.01, 2, 0.005)
    local step = objectives.vae(model, X, {loss = "mae", beta = beta})
    local losses = steps(model, step, 12, 30)
    assert.are.equal(beta(30), model.beta)
    assert.are.same({0, 0, 0.005, 0.01, 0.01}, {beta(1), beta(2), beta(3), beta(4), beta(50)})
    assert.is_true(losses[30] < losses[1])
  end)
end)
