-- The model zoo: parameter counts, shapes of the output heads, gradients through whole models.
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local models = require "semeq.models"
local jacobian = require "semeq.nn.jacobian"

-- Closed-form count of the contrastive AE (see lua/semeq/models/contrastive_ae.lua).
local function lin(i, o) return i * o + o end
local function res(i, o) return lin(i, o) + 2 * o + lin(o, o) + 2 * o + (i ~= o and lin(i, o) or 0) end
local function ae_count(input, L, w, out, proj)
  local n, prev = 0, input
  for _, x in ipairs(w) do n, prev = n + res(prev, x), x end
  n = n + lin(prev, 2 * L) + lin(2 * L, L) + lin(L, proj)
  prev = L
  for i = #w, 1, -1 do n, prev = n + res(prev, w[i]), w[i] end
  -- the seed's tail: Linear(w1, 2n) ReLU Linear(2n, n), three heads of n // 3 units
  return n + lin(prev, 2 * out) + lin(2 * out, out) + 3 * (out // 3) * lin(out, 1)
end

describe("models.contrastive_ae", function()
  it("has the seed's parameter count for its shape (input 40, latent 32): 514,071", function()
    local m = models.contrastive_ae{input = 40, latent = 32}
    assert.are.equal(ae_count(40, 32, {128, 256, 128}, 40, 128), m:nparams())
    assert.are.equal(514071, m:nparams())  -- the seed's write-up: encoder 257,760 + decoder 256,311
  end)

  it("ends its decoder in the seed's three heads: gains +-12, frequencies (0, 1), Qs (0.1, 10), the rest 0", function()
    T.manualSeed(41)
    for _, n in ipairs {13, 40} do
      local m = models.contrastive_ae{input = n, latent = 8, widths = {16}}
      assert.are.equal("seed", m.config.tail)
      local y = m:decode(T.randn(50, 8):mul(3))
      assert.are.same({50, n}, y:size())
      for band = 0, n // 3 - 1 do
        local g, f, q = y:select(2, 3 * band + 1), y:select(2, 3 * band + 2), y:select(2, 3 * band + 3)
        assert.is_true(g:abs():max() < 12 and g:abs():max() > 0)
        assert.is_true(f:min() > 0 and f:max() < 1)
        assert.is_true(q:min() > 0.1 and q:max() < 10)
      end
      for j = 3 * (n // 3) + 1, n do assert.are.equal(0, y:select(2, j):abs():max()) end
    end
  end)

  it("offers the seed's SAFE v2 head and plain ones", function()
    T.manualSeed(43)
    local v2 = models.contrastive_ae{input = 13, latent = 8, widths = {16, 32, 16}, tail = "seed_v2"}
    local y = v2:forward(T.randn(4, 13))
    assert.is_true(y:min() > 0 and y:max() < 1)
    assert.are.equal(ae_count(13, 8, {16, 32, 16}, 13, 128) - lin(16, 26) - lin(26, 13) - 12 * lin(13, 1)
      + lin(16, 16) + lin(16, 13), v2:nparams())
    local linear = models.contrastive_ae{input = 40, latent = 8, widths = {16}, tail = "linear"}
    local g = linear:forward(T.randn(3, 40)):clone()
    local g2 = linear:decode(linear.latent + 0.5)
    for j = 1, 40 do assert.are_not.equal(g[1][j], g2[1][j]) end  -- every output depends on the code
    assert.are.same({3, 128}, linear.projection:size())
    assert.has_error(function() models.contrastive_ae{input = 40, tail = "zzz"} end,
      "contrastive_ae: tail must be 'seed', 'seed_v2', 'linear' or 'sigmoid'")
  end)

  it("backpropagates reconstruction and projection gradients to every parameter", function()
    T.manualSeed(42)
    local m = models.contrastive_ae{input = 6, latent = 3, widths = {5, 4}, proj = 4}
    m:evaluate()
    local x = T.randn(5, 6)
    local P, G = m:flat()
    local Ry, Rp = T.randn(5, 6), T.randn(5, 4)
    local function f()
      m:forward(x)
      return (m.output * Ry):sum() + (m.projection * Rp):sum()
    end
    m:zeroGradParameters()
    f()
    m:backward(x, Ry, Rp)
    local worst = 0
    for i = 1, P:numel(), 7 do
      local v = P[i]
      P[i] = v + 1e-3; local fp = f()
      P[i] = v - 1e-3; local fm = f()
      P[i] = v
      worst = math.max(worst, math.abs((fp - fm) / 2e-3 - G[i]))
    end
    assert.is_true(worst < 5e-3)
  end)
end)

describe("training a zoo model", function()
  -- A few Adam steps of reconstruction + contrastive loss, with dropout on.
  local function run(steps)
    T.manualSeed(45)
    local optim = require "semeq.train.optim"
    local m = models.contrastive_ae{input = 13, latent = 4, widths = {16, 8}, proj = 8}
    local x, labels = T.rand(12, 13), T.new{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}
    local mse, con = nn.MSECriterion(), nn.ContrastiveCriterion(0.1)
    local P, G = m:flat()
    local state, loss = {}, nil
    for _ = 1, steps do
      optim.adam(function()
        G:zero()
        m:forward(x)
        loss = mse:forward(m.output, x) + 0.1 * con:forward(m.projection, labels)
        m:backward(x, mse:backward(m.output, x), con:backward(m.projection, labels) * 0.1)
        return loss, G
      end, P, {learningRate = 3e-3}, state)
    end
    return loss
  end

  it("lowers the loss and is bitwise reproducible for a seed", function()
    local first, loss = run(1), run(60)
    assert.are.equal(loss, run(60))
    -- the contrastive part is bounded below by log(4) for 4 positives per anchor
    assert.is_true(loss < 0.85 * first)
  end)
end)

describe("models.beta_vae", function()
  it("has FlowEQ's layer sizes and parameter count", function()
    local m = models.beta_vae{input = 13, latent = 2, hidden = 1024}
    assert.are.equal(lin(13, 1024) + 2 * lin(1024, 2) + lin(2, 1024) + lin(1024, 13), m:nparams())
    assert.has_error(function() models.beta_vae{latent = 129} end, "beta_vae: latent must be an integer in 1..128")
  end)

  it("survives save and load with the same evaluation outputs", function()
    T.manualSeed(46)
    local m = models.beta_vae{input = 13, latent = 3, hidden = 16, beta = 0.01}
    local path = os.tmpname()
    local mio = require "semeq.models.io"
    assert.is_true(mio.save(m, path))
    local back = assert(mio.load(path))
    os.remove(path)
    m:evaluate(); back:evaluate()
    local x = T.rand(4, 13)
    assert.is_true(T.allclose(back:forward(x), m:forward(x), 0, 0))
    assert.are.equal(0.01, back.beta)
  end)

  it("has correct gradients of reconstruction + beta * KL (evaluation mode: z = mu)", function()
    T.manualSeed(43)
    local m = models.beta_vae{input = 5, latent = 2, hidden = 6, beta = 0.5}
    m:evaluate()
    local x, R = T.rand(4, 5), T.randn(4, 5)
    local P, G = m:flat()
    local function f() return (m:forward(x) * R):sum() + m.kl end
    m:zeroGradParameters()
    f()
    m:backward(x, R)
    for i = 1, P:numel(), 3 do
      local v = P[i]
      P[i] = v + 1e-2; local fp = f()
      P[i] = v - 1e-2; local fm = f()
      P[i] = v
      assert.is_true(math.abs((fp - fm) / 2e-2 - G[i]) < 5e-3)
    end
  end)
end)

describe("models.classifier and models.build", function()
  it("builds from a config and rejects an unknown kind", function()
    local m = models.build{kind = "classifier", latent = 4, classes = 3, hidden = 8}
    assert.are.same({2, 3}, m:forward(T.randn(2, 4)):size())
    assert.are.equal(lin(4, 8) + lin(8, 3), m:nparams())
    assert.has_error(function() models.build{kind = "nope"} end,
      "models.build: unknown model kind 'nope' (known: beta_vae, classifier, contrastive_ae, semantic_axis, word_mixture)")
  end)

  it("passes a gradient check", function()
    T.manualSeed(44)
    local m = models.classifier{latent = 4, classes = 3}
    assert.is_true(jacobian.testParams(m, T.randn(3, 4), 1e-2) < 5e-3)
  end)
end)
