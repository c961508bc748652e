-- nn.L1Criterion(): mean over all elements of |input - target| (Torch's AbsCriterion).
local core = require "semeq.nn.core"
local Criterion = require "semeq.nn.Criterion"

local L1Criterion = Criterion.class("nn.L1Criterion", Criterion)

function L1Criterion:compute(input, target, grad)
  return core.l1(input, target:isContiguous() and target or target:contiguous(), grad)
end

return L1Criterion
