-- Losses of semeq.nn: values against direct Lua computations, finite-difference gradients.
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local jacobian = require "semeq.nn.jacobian"

local TOL = 5e-3

local function near(a, b, tol) return math.abs(a - b) <= (tol or 1e-5) * math.max(1, math.abs(b)) end

describe("regression losses", function()
  before_each(function() T.manualSeed(21) end)

  it("MSE, L1 and SmoothL1 match their definitions", function()
    local x, t = T.randn(4, 3) * 2, T.randn(4, 3)
    local d = (x - t):view(-1):totable()
    local mse, l1, sl1 = 0, 0, 0
    for _, v in ipairs(d) do
      mse, l1 = mse + v * v, l1 + math.abs(v)
      sl1 = sl1 + (math.abs(v) < 1 and 0.5 * v * v or math.abs(v) - 0.5)
    end
    assert.is_true(near(nn.MSECriterion():forward(x, t), mse / 12))
    assert.is_true(near(nn.L1Criterion():forward(x, t), l1 / 12))
    assert.is_true(near(nn.SmoothL1Criterion():forward(x, t), sl1 / 12))
  end)

  for _, name in ipairs{"MSECriterion", "L1Criterion", "SmoothL1Criterion"} do
    it(name .. " gradient", function()
      local x, t = T.randn(4, 3), T.randn(4, 3)
      assert.is_true(jacobian.testCriterion(nn[name](), x, t, 1e-3) < TOL)
    end)
  end

  it("reports a size mismatch", function()
    assert.has_error(function() nn.MSECriterion():forward(T.zeros(2, 3), T.zeros(3, 2)) end,
      "MSECriterion: size mismatch, input [2x3] vs target [3x2]")
  end)
end)

describe("CrossEntropyCriterion", function()
  before_each(function() T.manualSeed(22) end)

  local function manual(x, labels, w)
    local s, ws = 0, 0
    for i = 1, x:size(1) do
      local row, z = x[i]:totable(), 0
      for _, v in ipairs(row) do z = z + math.exp(v) end
      local wi = w and w[labels[i]] or 1
      s, ws = s + wi * (math.log(z) - row[labels[i]]), ws + wi
    end
    return s / ws
  end

  it("matches the definition, with and without class weights", function()
    local x, labels = T.randn(5, 4), {1, 3, 4, 2, 3}
    local t = T.new(labels)
    assert.is_true(near(nn.CrossEntropyCriterion():forward(x, t), manual(x, labels)))
    local w = {0.5, 2, 1, 3}
    assert.is_true(near(nn.CrossEntropyCriterion(T.new(w)):forward(x, t), manual(x, labels, w)))
  end)

  it("has the right gradient, with and without weights", function()
    local x, t = T.randn(5, 4), T.new{1, 3, 4, 2, 3}
    assert.is_true(jacobian.testCriterion(nn.CrossEntropyCriterion(), x, t, 1e-2) < TOL)
    assert.is_true(jacobian.testCriterion(nn.CrossEntropyCriterion(T.new{0.5, 2, 1, 3}), x, t, 1e-2) < TOL)
  end)

  it("rejects a label outside 1..C, naming the row", function()
    assert.has_error(function() nn.CrossEntropyCriterion():forward(T.zeros(2, 3), T.new{1, 4}) end,
      "bad argument #2 to 'cross_entropy' (label 4.0 at row 2 is not a class in 1..3)")
  end)

  it("takes a Lua table of labels as the tensor of the same labels", function()
    local x, labels = T.randn(5, 4), {1, 3, 4, 2, 3}
    local c1, c2 = nn.CrossEntropyCriterion(), nn.CrossEntropyCriterion()
    assert.are.equal(c1:forward(x, T.new(labels)), c2:forward(x, labels))
    assert.is_true(near(c2:forward(x, labels), manual(x, labels)))
    assert.is_true(T.allclose(c1:backward(x, T.new(labels)), c2:backward(x, labels), 0, 0))
    assert.has_error(function() nn.CrossEntropyCriterion():forward(T.zeros(2, 3), {1, 4}) end,
      "bad argument #2 to 'cross_entropy' (label 4.0 at row 2 is not a class in 1..3)")
  end)

  it("names the criterion for a target that is not labels", function()
    local ok, err = pcall(nn.CrossEntropyCriterion().forward, nn.CrossEntropyCriterion(), T.zeros(2, 3), {{1}, {2}})
    assert.is_false(ok)
    assert.are.equal("nn.CrossEntropyCriterion: target must be a tensor or a flat table of class labels", err)
    ok, err = pcall(nn.CrossEntropyCriterion().forward, nn.CrossEntropyCriterion(), T.zeros(2, 3), "x")
    assert.is_false(ok)
    assert.are.equal("nn.CrossEntropyCriterion: target must be a tensor or a table of class labels, got string", err)
  end)
end)

describe("contrastive losses", function()
  before_each(function() T.manualSeed(23) end)

  -- Direct evaluation of the documented formula.
  local function manual(z, labels, tau)
    local n, zn = z:size(1), {}
    for i = 1, n do zn[i] = z[i] / z[i]:norm() end
    local total, anchors = 0, 0
    for i = 1, n do
      local denom, pos, li = 0, 0, 0
      for j = 1, n do if j ~= i then denom = denom + math.exp((zn[i] * zn[j]):sum() / tau) end end
      for j = 1, n do
        if j ~= i and labels[j] == labels[i] then
          pos = pos + 1
          li = li - ((zn[i] * zn[j]):sum() / tau - math.log(denom))
        end
      end
      if pos > 0 then total, anchors = total + li / pos, anchors + 1 end
    end
    return total / anchors
  end

  -- The seed's two losses as its PyTorch code computes them (spec/support/seed_losses.py):
  -- loss and gradient of a batch with a row that has no positive.
  it("ContrastiveCriterion is the seed's loss, both of its forms, loss and gradient (PyTorch oracle)", function()
    local z, labels = T.randn(7, 5), {1, 2, 1, 3, 2, 1, 2}
    local input = {"7 5 0.1"}
    for _, v in ipairs(z:view(-1):totable()) do input[#input + 1] = string.format("%.9g", v) end
    for _, l in ipairs(labels) do input[#input + 1] = tostring(l) end
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(table.concat(input, " "))
    f:close()
    local p = assert(io.popen("/usr/bin/python3 spec/support/seed_losses.py < " .. path))
    local out = {}
    for line in p:lines() do out[#out + 1] = tonumber(line) end
    p:close()
    os.remove(path)
    assert.are.equal(2 * (1 + 35), #out)
    for k, form in ipairs {"seed", "seed_v2"} do
      local base = (k - 1) * 36
      local c = nn.ContrastiveCriterion(0.1, form)
      local loss = c:forward(z, T.new(labels))
      assert.is_true(near(loss, out[base + 1], 1e-5), form .. ": " .. loss .. " vs " .. out[base + 1])
      local g = c:backward(z, T.new(labels)):view(-1):totable()
      for i = 1, 35 do
        assert.is_true(math.abs(g[i] - out[base + 1 + i]) < 1e-5, ("%s: gradient %d: %g vs %g"):format(form, i, g[i],
          out[base + 1 + i]))
      end
    end
  end)

  it("ContrastiveCriterion's seed form differs from SupCon's L_out (a log of a sum, not a mean of logs)", function()
    local z, labels = T.randn(6, 4), {1, 2, 1, 3, 2, 1}
    assert.is_true(math.abs(nn.ContrastiveCriterion(0.5):forward(z, T.new(labels)) - manual(z, labels, 0.5)) > 1e-3)
  end)

  it("SupConCriterion scales by tau / base temperature", function()
    local z, labels = T.randn(6, 4), {1, 2, 1, 3, 2, 1}
    local got = nn.SupConCriterion(0.5, 0.25):forward(z, T.new(labels))
    assert.is_true(near(got, 2 * manual(z, labels, 0.5), 1e-4))
    assert.are.equal(got, nn.SupConCriterion(0.5, 0.25):forward(z, labels)) -- a table of labels too
  end)

  it("ignores anchors without positives and has the right gradient", function()
    local z, t = T.randn(6, 4), T.new{1, 2, 1, 3, 2, 1}
    assert.is_true(jacobian.testCriterion(nn.ContrastiveCriterion(0.5), z, t, 1e-2) < TOL)
    assert.is_true(jacobian.testCriterion(nn.ContrastiveCriterion(0.5, "seed_v2"), z, t, 1e-2) < TOL)
    assert.is_true(jacobian.testCriterion(nn.SupConCriterion(0.3), z, t, 1e-2) < TOL)
  end)

  it("is 0 when no anchor has a positive", function()
    assert.are.equal(0, nn.SupConCriterion():forward(T.randn(3, 4), T.new{1, 2, 3}))
  end)
end)

describe("Gaussian VAE pieces", function()
  before_each(function() T.manualSeed(24) end)

  it("KL to N(0, I) matches the closed form and scales with beta", function()
    local mu, lv = T.randn(3, 2), T.randn(3, 2) * 0.5
    local m, l = mu:view(-1):totable(), lv:view(-1):totable()
    local s = 0
    for i = 1, 6 do s = s - 0.5 * (1 + l[i] - m[i] ^ 2 - math.exp(l[i])) end
    assert.is_true(near(nn.KLCriterion():forward(mu, lv), s / 3, 1e-5))
    assert.is_true(near(nn.KLCriterion(0.25):forward(mu, lv), 0.25 * s / 3, 1e-5))
    assert.are.equal(0, nn.KLCriterion():forward(T.zeros(2, 3), T.zeros(2, 3)))
  end)

  it("KL gradients match finite differences", function()
    local mu, lv = T.randn(3, 2), T.randn(3, 2) * 0.5
    local kl = nn.KLCriterion(0.7)
    local gmu, glv = kl:backward(mu, lv)
    gmu, glv = gmu:clone(), glv:clone()
    local function numeric(t, i)
      local v = t:view(-1)
      local old = v[i]
      v[i] = old + 1e-2; local fp = kl:forward(mu, lv)
      v[i] = old - 1e-2; local fm = kl:forward(mu, lv)
      v[i] = old
      return (fp - fm) / 2e-2
    end
    for i = 1, 6 do
      assert.is_true(math.abs(gmu:view(-1)[i] - numeric(mu, i)) < TOL)
      assert.is_true(math.abs(glv:view(-1)[i] - numeric(lv, i)) < TOL)
    end
  end)

  it("reparameterised sampling is reproducible and differentiable", function()
    local r = nn.Reparameterize()
    local mu, lv = T.randn(4, 3), T.randn(4, 3) * 0.3
    T.manualSeed(99)
    local z1 = r:forward(mu, lv):clone()
    T.manualSeed(99)
    assert.is_true(T.allclose(z1, r:forward(mu, lv), 0, 0))
    local eps = r.eps:clone()
    assert.is_true(T.allclose(z1, mu + (lv * 0.5):exp() * eps, 1e-5, 1e-6))
    local gz = T.randn(4, 3)
    local gmu, glv = r:backward(mu, lv, gz)
    assert.is_true(T.allclose(gmu, gz, 0, 0))
    assert.is_true(T.allclose(glv, gz * eps * (lv * 0.5):exp() * 0.5, 1e-5, 1e-6))
    r:evaluate()
    assert.are.equal(mu, r:forward(mu, lv))
  end)

  it("FlowEQ's beta schedule: 0 for the delay, then a fixed step per epoch up to the maximum", function()
    local beta = require("semeq.train.objectives").floweq_beta(0.001, 50, 1 / 5000)
    assert.are.equal(0, beta(50))
    assert.is_true(math.abs(beta(51) - 1 / 5000) < 1e-15)
    assert.are.equal(0.001, beta(100))
    assert.are.equal(0.001, beta(1000))
  end)
end)
