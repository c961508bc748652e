-- nn.Criterion: the base of the losses. criterion:forward(input, target) -> loss (a number);
-- criterion:backward(input, target) -> gradInput (a buffer reused between calls).
-- The kernels compute the loss and its gradient in one pass, so backward() recomputes the
-- pass only when forward() was not called with the same arguments just before.
local Module = require "semeq.nn.Module"

local Criterion = Module.class("nn.Criterion", Module)

function Criterion:__init()
  Module.__init(self)
end

-- Subclasses implement self:compute(input, target, grad | nil) -> loss.
function Criterion:forward(input, target)
  if not input:isContiguous() then input = input:contiguous() end
  self:bufferLike("gradInput", input)
  self.output = self:compute(input, target, self.gradInput)
  self._lastInput, self._lastTarget = input, target
  return self.output
end

function Criterion:backward(input, target)
  if input ~= self._lastInput or target ~= self._lastTarget then self:forward(input, target) end
  self._lastInput, self._lastTarget = nil, nil
  return self.gradInput
end

function Criterion:__call(input, target) return self:forward(input, target) end

return Criterion
