-- nn.KLCriterion([beta = 1]): beta * KL( N(mu, exp(logvar)) || N(0, I) ), summed over latent
-- dims and averaged over the batch. forward(mu, logvar) -> loss; backward(mu, logvar) ->
-- gradMu, gradLogvar. Set criterion.beta from an annealing schedule between steps
-- (e.g. semeq.train.objectives.floweq_beta).
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local KLCriterion = Module.class("nn.KLCriterion", Module)

function KLCriterion:__init(beta)
  Module.__init(self)
  self.beta = beta or 1
end

function KLCriterion:forward(mu, logvar)
  self:bufferLike("gradMu", mu)
  self:bufferLike("gradLogvar", logvar)
  self.output = core.kl_normal(mu:contiguous(), logvar:contiguous(), self.gradMu, self.gradLogvar, self.beta)
  return self.output
end

function KLCriterion:backward(mu, logvar)
  self:forward(mu, logvar)
  return self.gradMu, self.gradLogvar
end

return KLCriterion
