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

-- Max relative error of d f / d input.
function jacobian.testInput(module, input, eps)
  eps = eps or 1e-2
  local x = input:clone()
  local R = T.randn(module:forward(x):size())
  module:zeroGradParameters()
  local analytic = module:backward(x, R):clone()
  local flat = x:view(-1)
  local numeric = T.zeros(flat:numel())
  for i = 1, flat:numel() do
    local v = flat[i]
    flat[i] = v + eps
    local fp = dot(module:forward(x), R)
    flat[i] = v - eps
    local fm = dot(module:forward(x), R)
    flat[i] = v
    numeric[i] = (fp - fm) / (2 * eps)
  end
  local diff = (analytic:view(-1) - numeric):abs():max()
  return diff / math.max(1, numeric:abs():max())
end

-- Max relative error of d f / d parameters (all of them, through the flat buffer).
function jacobian.testParams(module, input, eps)
  eps = eps or 1e-2
  local params, grads = module:flat()
  local R = T.randn(module:forward(input):size())
  module:zeroGradParameters()
  module:forward(input)
  module:backward(input, R)
  local analytic = grads:clone()
  local numeric = T.zeros(params:numel())
  for i = 1, params:numel() do
    local v = params[i]
    params[i] = v + eps
    local fp = dot(module:forward(input), R)
    params[i] = v - eps
    local fm = dot(module:forward(input), R)
    params[i] = v
    numeric[i] = (fp - fm) / (2 * eps)
  end
  local diff = (analytic - numeric):abs():max()
  return diff / math.max(1, numeric:abs():max())
end

-- Max relative error of a criterion's gradient: criterion:forward(x, target) -> number.
function jacobian.testCriterion(criterion, input, target, eps)
  eps = eps or 1e-2
  local x = input:clone()
  criterion:forward(x, target)
  local analytic = criterion:backward(x, target):clone()
  local flat = x:view(-1)
  local numeric = T.zeros(flat:numel())
  for i = 1, flat:numel() do
    local v = flat[i]
    flat[i] = v + eps
    local fp = criterion:forward(x, target)
    flat[i] = v - eps
    local fm = criterion:forward(x, target)
    flat[i] = v
    numeric[i] = (fp - fm) / (2 * eps)
  end
  local diff = (analytic:view(-1) - numeric):abs():max()
  return diff / math.max(1, numeric:abs():max())
end

return jacobian
