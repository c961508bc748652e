-- Optimisers over a flat buffer: update formulas (PyTorch's), clipping, schedules, samplers.
local T = require "semeq.tensor"
local optim = require "semeq.train.optim"
local sampler = require "semeq.train.sampler"

local function near(a, b) return math.abs(a - b) <= 1e-5 * math.max(1, math.abs(b)) end

-- f(x) = 0.5 * sum(c * x^2); gradient c * x.
local function quadratic(c)
  return function(x)
    local g = c * x
    return 0.5 * (g * x):sum(), g
  end
end

describe("optim", function()
  local c = T.new{1, 2, 3}

  it("SGD with momentum and weight decay follows PyTorch's formulas", function()
    local x, state = T.new{1, -1, 0.5}, {}
    local cfg = {learningRate = 0.1, momentum = 0.9, weightDecay = 0.01}
    -- reference in plain Lua
    local rx, buf = {1, -1, 0.5}, nil
    for step = 1, 3 do
      optim.sgd(quadratic(c), x, cfg, state)
      local d = {}
      for i = 1, 3 do d[i] = c[i] * rx[i] + 0.01 * rx[i] end
      if step == 1 then buf = d else for i = 1, 3 do buf[i] = 0.9 * buf[i] + d[i] end end
      for i = 1, 3 do rx[i] = rx[i] - 0.1 * buf[i] end
    end
    for i = 1, 3 do assert.is_true(near(x[i], rx[i])) end
  end)

  it("Nesterov SGD converges on a quadratic", function()
    local x = T.new{1, -1, 0.5}
    local state = {}
    for _ = 1, 100 do optim.sgd(quadratic(c), x, {learningRate = 0.1, momentum = 0.9, nesterov = true}, state) end
    assert.is_true(x:abs():max() < 1e-3)
  end)

  it("Adam's first step moves every coordinate by lr", function()
    local x = T.new{1, -1, 0.5}
    optim.adam(quadratic(c), x, {learningRate = 0.01}, {})
    assert.is_true(near(x[1], 0.99) and near(x[2], -0.99) and near(x[3], 0.49))
  end)

  it("AdamW decays weights decoupled from the gradient", function()
    local zero = function(x) return 0, T.zeros(x:numel()) end
    local x = T.new{1, 2}
    optim.adamw(zero, x, {learningRate = 0.1, weightDecay = 0.5}, {})
    assert.is_true(near(x[1], 0.95) and near(x[2], 1.9))
    local y = T.new{1, 2}
    optim.adam(zero, y, {learningRate = 0.1, weightDecay = 0.5}, {}) -- L2: gradient 0.5 * y
    assert.is_true(near(y[1], 0.9) and near(y[2], 1.9))
  end)

  it("Adam converges on a quadratic", function()
    local x, state = T.new{1, -1, 0.5}, {}
    for _ = 1, 500 do optim.adam(quadratic(c), x, {learningRate = 0.05}, state) end
    assert.is_true(x:abs():max() < 1e-2)
  end)

  it("clips the gradient norm", function()
    local g = T.new{3, 4}
    assert.are.equal(5, optim.clipGradNorm(g, 1))
    assert.is_true(math.abs(g:norm() - 1) < 1e-5)
    local h = T.new{0.3, 0.4}
    optim.clipGradNorm(h, 1)
    assert.is_true(near(h[1], 0.3))
  end)

  it("has step, cosine and warm-up schedules", function()
    local s = optim.schedule.step(1, 10, 0.5)
    assert.are.equal(1, s(9)); assert.are.equal(0.5, s(10)); assert.are.equal(0.25, s(25))
    local cs = optim.schedule.cosine(1, 100, 0.1)
    assert.is_true(near(cs(0), 1)); assert.is_true(near(cs(50), 0.55)); assert.is_true(near(cs(200), 0.1))
    local w = optim.schedule.warmup(4, 2)
    assert.are.equal(0.5, w(0)); assert.are.equal(2, w(3)); assert.are.equal(2, w(10))
  end)
end)

describe("sampler", function()
  it("shuffled batches cover every index once, reproducibly", function()
    local function epoch()
      T.manualSeed(51)
      local seen, sizes = {}, {}
      for b in sampler.shuffled(10, 4) do
        sizes[#sizes + 1] = #b
        for _, i in ipairs(b) do seen[#seen + 1] = i end
      end
      return seen, sizes
    end
    local seen, sizes = epoch()
    assert.are.same({4, 4, 2}, sizes)
    local sorted = {table.unpack(seen)}
    table.sort(sorted)
    assert.are.same({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, sorted)
    assert.are.same(seen, (epoch()))
  end)

  it("balanced batches hold equal numbers of examples of each chosen term", function()
    T.manualSeed(52)
    local labels = {}
    for i = 1, 30 do labels[i] = i <= 20 and "warm" or (i <= 26 and "bright" or "thin") end
    local count = 0
    for b in sampler.balanced(labels, 2, 3) do
      count = count + 1
      local per = {}
      for _, i in ipairs(b) do per[labels[i]] = (per[labels[i]] or 0) + 1 end
      local terms = 0
      for _, n in pairs(per) do terms = terms + 1; assert.are.equal(3, n) end
      assert.are.equal(2, terms)
    end
    assert.are.equal(5, count)
  end)
end)
