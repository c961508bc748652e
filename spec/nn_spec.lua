-- Layers of semeq.nn: finite-difference gradient checks, the flat parameter buffer, buffer
-- reuse, train/eval modes, container error positions, and small learning problems.
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local optim = require "semeq.train.optim"
local jacobian = require "semeq.nn.jacobian"

-- Inputs kept away from the ReLU kink so that central differences are valid.
local function input(rows, cols)
  local x = T.randn(rows, cols)
  local v = x:view(-1)
  for i = 1, v:numel() do
    if math.abs(v[i]) < 0.1 then v[i] = v[i] < 0 and -0.5 or 0.5 end
  end
  return x
end

local TOL = 5e-3 -- relative; float32 central differences with eps 1e-2 .. 1e-3

describe("nn layers: gradient checks", function()
  before_each(function() T.manualSeed(7) end)

  local cases = {
    {"Linear", function() return nn.Linear(5, 3) end},
    {"Linear without bias", function() return nn.Linear(5, 3, false) end},
    {"ReLU", function() return nn.ReLU() end},
    {"LeakyReLU", function() return nn.LeakyReLU(0.2) end},
    {"GELU", function() return nn.GELU() end},
    {"Tanh", function() return nn.Tanh() end},
    {"Sigmoid", function() return nn.Sigmoid() end},
    {"Softplus", function() return nn.Softplus(2) end},
    {"LayerNorm", function() return nn.LayerNorm(5) end},
    {"BatchNorm (training)", function() return nn.BatchNorm(5) end},
    {"BatchNorm (evaluation)", function()
      local m = nn.BatchNorm(5)
      m:forward(T.randn(8, 5) * 2 + 1)
      return m:evaluate()
    end},
    {"Identity", function() return nn.Identity() end},
    {"Sequential", function()
      return nn.Sequential():add(nn.Linear(5, 4)):add(nn.Tanh()):add(nn.Linear(4, 3))
    end},
    {"Residual with a Linear skip", function() return nn.Residual(5, 4, 0.1):evaluate() end},
    {"Residual with an identity skip", function() return nn.Residual(5, 5, 0.1):evaluate() end},
    {"Narrow", function() return nn.Narrow(2, 2, 3) end},
    {"ColumnScale", function() return nn.ColumnScale{1, 0.1, 2, -1, 0.5} end},
    {"SeedHeads (two zero columns)", function() return nn.SeedHeads(5) end},
    {"Concat of two branches", function()
      return nn.Concat(2):add(nn.Sequential():add(nn.Linear(5, 2)):add(nn.Tanh()))
        :add(nn.Sequential():add(nn.Linear(5, 3)):add(nn.ColumnScale{0.1, 0.1, 0.1}))
    end},
  }
  for _, case in ipairs(cases) do
    it(case[1] .. " (input and parameters)", function()
      local m = case[2]()
      -- Give LayerNorm/BatchNorm non-trivial affine parameters.
      local p = m:flat()
      if p:numel() > 0 then p:copy(p + T.randn(p:numel()) * 0.1) end
      local x = input(6, 5)
      local eps = case[1]:match("Residual") and 1e-3 or 1e-2
      assert.is_true(jacobian.testInput(m, x, eps) < TOL)
      if p:numel() > 0 then assert.is_true(jacobian.testParams(m, x, eps) < TOL) end
    end)
  end
end)

-- The seed's heads as the Concat of ~40 small layers that nn.SeedHeads replaces.
local function seed_heads_concat(n)
  local heads = nn.Concat(2)
  for _ = 1, n // 3 do
    heads:add(nn.Sequential():add(nn.Linear(n, 1)):add(nn.Tanh()):add(nn.ColumnScale {12}))
    heads:add(nn.Sequential():add(nn.Linear(n, 1)):add(nn.Sigmoid()))
    heads:add(nn.Sequential():add(nn.Linear(n, 1)):add(nn.Sigmoid()):add(nn.ColumnScale({9.9}, {0.1})))
  end
  for _ = 3 * (n // 3) + 1, n do heads:add(nn.Sequential():add(nn.Narrow(2, 1, 1)):add(nn.ColumnScale {0})) end
  return heads
end

describe("nn.SeedHeads", function()
  for _, n in ipairs({40, 13, 5}) do
    it("is the Concat of head units it replaces, n = " .. n .. ": parameters, names, graph, values, gradients", function()
      T.manualSeed(11)
      local concat = seed_heads_concat(n)
      T.manualSeed(11)
      local heads = nn.SeedHeads(n)
      local pc, gc = concat:flat()
      local ph, gh = heads:flat()
      -- The same initial values drawn in the same order, the same flat layout and names.
      assert.are.equal(0, (pc - ph):abs():max())
      local _, names_c = concat:stateDict()
      local _, names_h = heads:stateDict()
      assert.are.same(names_c, names_h)
      assert.are.same(concat:graphNode("p."), heads:graphNode("p."))
      local x, gy = T.randn(7, n) * 2, T.randn(7, n)
      local yc, yh = concat:forward(x):clone(), heads:forward(x)
      -- The units' dot products are summed in another order (one matrix product instead
      -- of n - 1 single columns): equal to float rounding.
      assert.is_true((yc - yh):abs():max() < 1e-5)
      for c = 3 * (n // 3) + 1, n do assert.are.equal(0, yh:narrow(2, c, 1):abs():max()) end
      concat:zeroGradParameters(); heads:zeroGradParameters()
      local gxc = concat:backward(x, gy, 0.5):clone()
      local gxh = heads:backward(x, gy, 0.5)
      assert.is_true((gxc - gxh):abs():max() < 1e-4 * math.max(1, gxc:abs():max()))
      assert.is_true((gc - gh):abs():max() < 1e-4 * math.max(1, gc:abs():max()))
      assert.is_true(gh:abs():max() > 0)
    end)
  end

  it("refuses fewer than 3 features and inputs of another width", function()
    assert.has_error(function() nn.SeedHeads(2) end, "nn.SeedHeads: n must be an integer >= 3")
    assert.has_error(function() nn.SeedHeads(6):forward(T.zeros(2, 5)) end,
      "nn.SeedHeads: expected input [N x 6], got [2x5]")
  end)
end)

describe("nn.Residual fused", function()
  -- The fused kernel against the same block run layer by layer (fusable() false): the same
  -- bits for the output, the input gradient and every parameter gradient, in training
  -- (dropout masks from the same RNG draws) and in evaluation, with both kinds of skip.
  for _, shape in ipairs({{5, 7}, {6, 6}}) do
    for _, mode in ipairs({"training", "evaluate"}) do
      it(string.format("equals the layers one by one, %d -> %d, %s", shape[1], shape[2], mode), function()
        local function build()
          T.manualSeed(21)
          local r = nn.Residual(shape[1], shape[2], 0.3)
          r[mode](r)
          return r
        end
        local fused, plain = build(), build()
        plain.fusable = function() return false end
        local x, gy = input(9, shape[1]), T.randn(9, shape[2])
        local outs = {}
        for i, r in ipairs({fused, plain}) do
          T.manualSeed(4)
          r:zeroGradParameters()
          local y = r:forward(x):clone()
          local gx = r:backward(x, gy, 0.5):clone()
          local _, g = r:flat()
          outs[i] = {y, gx, g:clone()}
        end
        assert.is_true(fused._fused and not plain._fused)
        for k = 1, 3 do assert.are.equal(0, (outs[1][k] - outs[2][k]):abs():max()) end
        assert.is_true(outs[1][3]:abs():max() > 0)
      end)
    end
  end

  it("runs a single row and a replaced child layer by layer", function()
    local r = nn.Residual(4, 3)
    r:forward(input(1, 4))
    assert.is_false(r._fused)
    r:forward(input(3, 4))
    assert.is_true(r._fused)
    r.modules[1].modules[4] = nn.Identity()
    r:forward(input(3, 4))
    assert.is_false(r._fused)
  end)
end)

describe("nn flat parameters", function()
  it("puts every weight of a model into one buffer, as views", function()
    local m = nn.Sequential():add(nn.Linear(3, 4)):add(nn.LayerNorm(4)):add(nn.Linear(4, 2))
    local P, G = m:flat()
    assert.are.equal(3 * 4 + 4 + 4 + 4 + 4 * 2 + 2, P:numel())
    assert.are.equal(P:numel(), m:nparams())
    assert.are.equal(P:numel(), G:numel())
    P:fill(0.25)
    assert.are.equal(0.25, m:get(1).weight[2][3])
    assert.are.equal(0.25, m:get(3).bias[2])
    m:get(3).gradBias[1] = 5
    assert.are.equal(5, G[G:numel() - 1])
    local ps, gs = m:parameters()
    assert.are.equal(6, #ps)
    assert.are.equal(6, #gs)
  end)

  it("keeps the values a layer had before it was added", function()
    T.manualSeed(3)
    local lin = nn.Linear(3, 2)
    local before = lin.weight:clone()
    local m = nn.Sequential():add(nn.Linear(2, 3)):add(lin)
    assert.is_true(T.allclose(before, m:get(2).weight, 0, 0))
  end)

  it("copies the parameters once per model, at its first use, not at every add", function()
    local Module = nn.Module
    local rehome, copies = Module.rehome, 0
    Module.rehome = function(self) copies = copies + 1; return rehome(self) end
    local ok, err = pcall(function()
      local layers = {}
      for i = 1, 31 do layers[i] = nn.Linear(4, i <= 30 and 4 or 2) end
      copies = 0  -- each layer has its own buffer from its constructor
      local m, inner = nn.Sequential(), nn.Sequential()
      for i = 1, 30 do m:add(layers[i]) end
      m:add(inner)
      inner:add(layers[31])  -- an add below the root also unsettles the whole tree
      assert.are.equal(0, copies)
      m:get(1).weight:fill(0.5)  -- written before the first use: kept
      m:forward(T.randn(3, 4))
      assert.are.equal(1, copies)
      assert.are.equal(0.5, m:get(1).weight[4][4])
      local P = m:flat()
      assert.are.equal(30 * 20 + 10, P:numel())
      P:fill(0.25)
      assert.are.equal(0.25, inner:get(1).bias[2])
      m:forward(T.randn(3, 4))
      assert.are.equal(1, copies)
    end)
    Module.rehome = rehome
    assert(ok, err)
  end)

  it("gives an empty container empty buffers", function()
    local P, G = nn.Sequential():flat()
    assert.are.equal(0, P:numel() + G:numel())
    assert.are.equal(0, nn.Sequential():nparams())
  end)

  it("zeroGradParameters clears all gradients", function()
    local m = nn.Sequential():add(nn.Linear(3, 2))
    local _, G = m:flat()
    G:fill(1)
    m:zeroGradParameters()
    assert.are.equal(0, G:abs():sum())
  end)

  it("reuses output buffers for the same batch size", function()
    local m = nn.Linear(3, 2)
    local a = m:forward(T.randn(4, 3))
    local b = m:forward(T.randn(4, 3))
    assert.are.equal(a, b)
    local c = m:forward(T.randn(5, 3))
    assert.are_not.equal(a, c)
  end)

  it("accumulates parameter gradients across backward calls", function()
    local m = nn.Linear(3, 2)
    local x, g = T.randn(4, 3), T.randn(4, 2)
    m:zeroGradParameters()
    m:forward(x); m:backward(x, g)
    local once = m.gradWeight:clone()
    m:backward(x, g)
    assert.is_true(T.allclose(m.gradWeight, once * 2, 1e-5, 1e-6))
  end)
end)

describe("nn buffers", function()
  it("never writes into a tensor it did not allocate (Dropout after evaluation)", function()
    T.manualSeed(12)
    local d = nn.Dropout(0.5)
    local x = T.ones(4, 6)
    d:evaluate()
    assert.are.equal(x, d:forward(x))
    d:training()
    local y = d:forward(x)
    assert.are_not.equal(x, y)
    assert.are.equal(24, x:sum())
    local g = T.ones(4, 6)
    d:evaluate()
    d:backward(x, g)
    d:training()
    d:forward(x)
    d:backward(x, T.ones(4, 6) * 2)
    assert.are.equal(24, g:sum())
  end)

  it("a smaller batch reuses the storage of a larger one, and grows it when needed", function()
    local m = nn.Linear(3, 2)
    m:forward(T.randn(8, 3))
    local small = m:forward(T.randn(3, 3))
    assert.are.same({3, 2}, small:size())
    local x = T.randn(8, 3)
    local big = m:forward(x):clone()
    assert.is_true(T.allclose(big, T.mm(x, m.weight:t()) + m.bias, 1e-5, 1e-6))
    assert.are.same({16, 2}, m:forward(T.randn(16, 3)):size())
  end)

  it("Linear takes a single example as a 1-d tensor", function()
    local m = nn.Linear(3, 2)
    local x = T.randn(3)
    local y = m:forward(x)
    assert.are.same({2}, y:size())
    assert.is_true(T.allclose(y, m:forward(x:view(1, 3))[1], 0, 0))
    assert.are.same({3}, m:backward(x, T.ones(2)):size())
  end)
end)

describe("nn errors", function()
  it("Sequential re-raises a child's error with its position", function()
    local m = nn.Sequential():add(nn.Linear(4, 3)):add(nn.ReLU()):add(nn.Linear(5, 2))
    assert.has_error(function() m:forward(T.randn(2, 4)) end,
      "Sequential: module 3 (nn.Linear): nn.Linear: expected input [N x 5], got [2x3]")
  end)

  it("nested containers name every level", function()
    local inner = nn.Sequential():add(nn.Linear(3, 3))
    local m = nn.Sequential():add(nn.Tanh()):add(inner)
    assert.has_error(function() m:forward(T.randn(2, 4)) end,
      "Sequential: module 2 (nn.Sequential): Sequential: module 1 (nn.Linear): " ..
      "nn.Linear: expected input [N x 3], got [2x4]")
  end)

  it("Concat joins its children's outputs side by side", function()
    local m = nn.Concat(2):add(nn.Identity()):add(nn.ColumnScale{2, 3})
    assert.are.same({{1, 2, 2, 6}}, m:forward(T.new{{1, 2}}):totable())
    assert.has_error(function() nn.Concat(1) end,
      "nn.Concat: only dim 2 (features of [batch x features] outputs) is supported")
  end)

  it("Narrow names the range it cannot take", function()
    assert.has_error(function() nn.Narrow(2, 3, 2):forward(T.ones(2, 3)) end,
      "nn.Narrow: cannot take 3..4 of dimension 2 from [2x3]")
  end)

  it("LayerNorm names the expected width", function()
    assert.has_error(function() nn.LayerNorm(4):forward(T.randn(2, 3)) end,
      "nn.LayerNorm: expected input [... x 4], got [2x3]")
  end)
end)

describe("nn.Dropout", function()
  it("drops about p of the units in training, scales the rest, and is the identity in evaluation", function()
    T.manualSeed(11)
    local d = nn.Dropout(0.25)
    local x = T.ones(100, 40)
    local y = d:forward(x)
    local zeros = 0
    for _, v in ipairs(y:view(-1):totable()) do
      if v == 0 then zeros = zeros + 1 else assert.is_true(math.abs(v - 1 / 0.75) < 1e-6) end
    end
    assert.is_true(math.abs(zeros / 4000 - 0.25) < 0.03)
    local g = d:backward(x, T.ones(100, 40))
    assert.is_true(T.allclose(g, y, 0, 0))
    d:evaluate()
    assert.are.equal(x, d:forward(x))
  end)
end)

-- Trains a small MLP full-batch with Adam; returns the final loss.
local function train(model, crit, x, y, steps, lr)
  local P, G = model:flat()
  local state, loss = {}, nil
  for _ = 1, steps do
    optim.adam(function()
      G:zero()
      loss = crit:forward(model:forward(x), y)
      model:backward(x, crit:backward(model.output, y))
      return loss, G
    end, P, {learningRate = lr}, state)
  end
  return loss
end

describe("nn learning", function()
  local function xor(seed)
    T.manualSeed(seed)
    local x = T.new{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
    local y = T.new{{0}, {1}, {1}, {0}}
    local m = nn.Sequential():add(nn.Linear(2, 8)):add(nn.Tanh()):add(nn.Linear(8, 1))
    local loss = train(m, nn.MSECriterion(), x, y, 500, 0.05)
    return loss, m:forward(x)
  end

  it("learns XOR, bitwise-reproducibly for a fixed seed", function()
    local loss, out = xor(1)
    assert.is_true(loss < 1e-3)
    local want = {0, 1, 1, 0}
    for i = 1, 4 do assert.is_true(math.abs(out[i][1] - want[i]) < 0.1) end
    local again = xor(1)
    assert.are.equal(loss, again)
  end)

  it("fits a noisy regression to the noise level", function()
    local function run()
      T.manualSeed(5)
      local x = T.rand(200, 3) * 2 - 1
      local clean = (x:narrow(2, 1, 1) * 3):sin() + x:narrow(2, 2, 1) * x:narrow(2, 3, 1)
      local y = clean + T.randn(200, 1) * 0.05
      local m = nn.Sequential():add(nn.Linear(3, 32)):add(nn.GELU()):add(nn.Linear(32, 32))
        :add(nn.Tanh()):add(nn.Linear(32, 1))
      return train(m, nn.MSECriterion(), x, y, 800, 0.01)
    end
    local loss = run()
    -- noise variance is 0.0025; the signal's variance is about 0.55
    assert.is_true(loss < 0.004)
    assert.are.equal(loss, run())
  end)
end)
