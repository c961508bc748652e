-- nn.SupConCriterion([temperature = 0.07, baseTemperature = temperature]): supervised
-- contrastive loss (Khosla et al. 2020, "L_out"). input: embeddings [N x D] (L2-normalised
-- inside), target: N class labels (1-based). With s_ij = <z_i, z_j> / tau, each anchor i that
-- has positives P(i) (same label, j ~= i) contributes
--     -1/|P(i)| sum_{p in P(i)} log( exp(s_ip) / sum_{a ~= i} exp(s_ia) )
-- and the loss is (tau / baseTemperature) times their mean, as in the authors' code.
-- Anchors without a positive in the batch are left out (use a class-balanced sampler).
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"
local Criterion = require "semeq.nn.Criterion"

local SupConCriterion = Criterion.class("nn.SupConCriterion", Criterion)

function SupConCriterion:__init(temperature, baseTemperature)
  Criterion.__init(self)
  self.temperature = temperature or 0.07
  Module.check(self.temperature > 0, "nn.SupConCriterion: temperature must be positive")
  self.baseTemperature = baseTemperature or self.temperature
end

function SupConCriterion:compute(input, target, grad)
  return core.supcon(input, self:checkTarget(target, true), self.temperature,
    self.temperature / self.baseTemperature, grad)
end

return SupConCriterion
