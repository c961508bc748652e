-- nn.ContrastiveCriterion([temperature = 0.1 [, form = "seed"]]): the seed system's
-- contrastive losses. z is L2-normalised, s_ij = <z_i, z_j> / tau, the positives P(i) of a
-- row are the other rows with its term, and the loss is the mean over EVERY row of the
-- batch (a row without a positive adds 0):
--   "seed"     l_i = -log( sum_{p in P(i)} exp(s_ip) / sum_{a != i} exp(s_ia) )
--              (core/neural_eq_morphing.py, the SocialFX system: the log of a sum over
--              the positives, not a mean of logs)
--   "seed_v2"  l_i = -1/|P(i)| sum_{p in P(i)} log( exp(s_ip) / sum_a exp(s_ia) ), row i's
--              own similarity in the denominator (core/neural_eq_morphing_safedb_v2.py)
-- SupConCriterion is Khosla et al.'s L_out (mean over anchors that have a positive).
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"
local Criterion = require "semeq.nn.Criterion"

local ContrastiveCriterion = Criterion.class("nn.ContrastiveCriterion", Criterion)

local FORMS = {seed = true, seed_v2 = true}

function ContrastiveCriterion:__init(temperature, form)
  Criterion.__init(self)
  self.temperature = temperature or 0.1
  self.form = form or "seed"
  Module.check(self.temperature > 0, "nn.ContrastiveCriterion: temperature must be positive")
  Module.check(FORMS[self.form], "nn.ContrastiveCriterion: form must be 'seed' or 'seed_v2'")
end

function ContrastiveCriterion:compute(input, target, grad)
  return core.supcon(input, self:checkTarget(target, true), self.temperature, 1.0, grad, self.form)
end

return ContrastiveCriterion
