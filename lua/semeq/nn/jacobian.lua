-- Finite-difference checks of backward() (Torch's nn.Jacobian, for float32).
--
-- The checks use a random projection: with a fixed random tensor R of the output's shape,
-- f(x) = sum(R * module(x)) is a scalar whose gradient is module:backward(x, R). Central
-- differences of f in float32 are accurate to about eps^2 * f''' + ulp(f) / eps, so a step
-- of 1e-2 .. 1e-3 and a relative tolerance of a few 1e-3 are the right scale. The error is
-- measured as max |analytic - numeric| / max(1, max |numeric|).
local T = require "semeq.tensor"

local jacobian = {}

local function dot(a, b) return (a * b):sum() end

-- Central differences of f() with respect to every element of the 1-d view `flat`
-- (changed in place and restored), compared with `analytic`: the max relative error.
local function compare(flat, f, analytic, eps)
  local numeric = T.zeros(flat:numel())
  for i = 1, flat:numel() do
    local v = flat[i]
    flat[i] = v + eps
    local fp = f()
    flat[i] = v - eps
    local fm = f()
    flat[i] = v
    numeric[i] = (fp - fm) / (2 * eps)
  end
  local diff = (analytic:view(-1) - numeric):abs():max()
  return diff / math.max(1, numeric:abs():max())
end

-- Max relative error of d f / d input.
function jacobian.testInput(module, input, eps)
  local x = input:clone()
  local R = T.randn(module:forward(x):size())
  module:zeroGradParameters()
  local analytic = module:backward(x, R):clone()
  return compare(x:view(-1), function() return dot(module:forward(x), R) end, analytic, eps or 1e-2)
end

-- Max relative error of d f / d parameters (all of them, through the flat buffer).
function jacobian.testParams(module, input, eps)
  local params, grads = module:flat()
  local R = T.randn(module:forward(input):size())
  module:zeroGradParameters()
  module:forward(input)
  module:backward(input, R)
  local analytic = grads:clone()
  return compare(params, function() return dot(module:forward(input), R) end, analytic, eps or 1e-2)
end

-- Max relative error of a criterion's gradient: criterion:forward(x, target) -> number.
function jacobian.testCriterion(criterion, input, target, eps)
  local x = input:clone()
  criterion:forward(x, target)
  local analytic = criterion:backward(x, target):clone()
  return compare(x:view(-1), function() return criterion:forward(x, target) end, analytic, eps or 1e-2)
end

return jacobian
