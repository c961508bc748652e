-- nn.MSECriterion(): mean over all elements of (input - target)^2.
local core = require "semeq.nn.core"
local Criterion = require "semeq.nn.Criterion"

local MSECriterion = Criterion.class("nn.MSECriterion", Criterion)

function MSECriterion:compute(input, target, grad)
  return core.mse(input, target:isContiguous() and target or target:contiguous(), grad)
end

return MSECriterion
