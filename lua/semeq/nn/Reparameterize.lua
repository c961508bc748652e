-- nn.Reparameterize(): z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) from the interpreter's
-- RNG (semeq.tensor.manualSeed), so sampling is reproducible. In evaluation z = mu.
-- forward(mu, logvar) -> z; backward(mu, logvar, gradZ) -> gradMu, gradLogvar.
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local Reparameterize = Module.class("nn.Reparameterize", Module)

function Reparameterize:__init()
  Module.__init(self)
end

-- At inference (evaluation mode) z = mu: in a graph it passes its one input through.
function Reparameterize:graphNode() return {type = "Reparameterize"} end

function Reparameterize:forward(mu, logvar)
  if not self.train then
    self.output = mu
    return mu
  end
  mu, logvar = mu:contiguous(), logvar:contiguous()
  self:bufferLike("output", mu)
  self:bufferLike("eps", mu)
  core.reparam_forward(self.output, self.eps, mu, logvar)
  return self.output
end

function Reparameterize:backward(mu, logvar, gradZ)
  self:bufferLike("gradMu", mu)
  self:bufferLike("gradLogvar", logvar)
  if not self.train then
    self.gradMu:copy(gradZ)
    self.gradLogvar:zero()
  else
    core.reparam_backward(self.gradMu, self.gradLogvar, gradZ:contiguous(), self.eps, logvar:contiguous())
  end
  return self.gradMu, self.gradLogvar
end

return Reparameterize
