-- nn.SmoothL1Criterion([beta = 1]): 0.5 d^2 / beta where |d| < beta, |d| - beta/2 elsewhere,
-- mean over all elements (PyTorch's SmoothL1Loss).
local core = require "semeq.nn.core"
local Criterion = require "semeq.nn.Criterion"

local SmoothL1Criterion = Criterion.class("nn.SmoothL1Criterion", Criterion)

function SmoothL1Criterion:__init(beta)
  Criterion.__init(self)
  self.beta = beta or 1
end

function SmoothL1Criterion:compute(input, target, grad)
  return core.smooth_l1(input, target:isContiguous() and target or target:contiguous(), grad, self.beta)
end

return SmoothL1Criterion
