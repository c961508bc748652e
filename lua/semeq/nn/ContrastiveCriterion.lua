-- nn.ContrastiveCriterion([temperature = 0.1]): the seed system's contrastive loss.
-- z is L2-normalised, sim = z z^T / tau, positives are the other rows with the same term;
-- for each anchor the loss is the mean over its positives of -log softmax(sim_i) taken over
-- all other rows (self excluded), averaged over anchors that have a positive.
-- This is SupCon's L_out without the tau/base_tau factor (the seed divided by tau only), so it
-- shares SupConCriterion's kernel with scale 1; the default temperature is the seed's 0.1.
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"
local Criterion = require "semeq.nn.Criterion"

local ContrastiveCriterion = Criterion.class("nn.ContrastiveCriterion", Criterion)

function ContrastiveCriterion:__init(temperature)
  Criterion.__init(self)
  self.temperature = temperature or 0.1
  Module.check(self.temperature > 0, "nn.ContrastiveCriterion: temperature must be positive")
end

function ContrastiveCriterion:compute(input, target, grad)
  return core.supcon(input, self:checkTarget(target, true), self.temperature, 1.0, grad)
end

return ContrastiveCriterion
