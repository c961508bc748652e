-- nn.Criterion: the base of the losses. criterion:forward(input, target) -> loss (a number);
-- criterion:backward(input, target) -> gradInput (a buffer reused between calls).
-- The kernels compute the loss and its gradient in one pass, so backward() recomputes the
-- pass only when forward() was not called with the same arguments just before.
local T = require "semeq.tensor"
local Module = require "semeq.nn.Module"

local Criterion = Module.class("nn.Criterion", Module)

function Criterion:__init()
  Module.__init(self)
end

-- The target as a contiguous tensor. With labels = true a Lua table of class labels is
-- converted too (it is what data loaders hand out). Anything else fails here, naming the
-- criterion, rather than deep inside its compute().
function Criterion:checkTarget(target, labels)
  if T.isTensor(target) then return target:isContiguous() and target or target:contiguous() end
  if labels and type(target) == "table" then
    local ok, t = pcall(T.new, target)
    if ok and t:dim() == 1 then return t end
    error(string.format("%s: target must be a tensor or a flat table of class labels", self.__typename), 0)
  end
  error(string.format("%s: target must be a tensor%s, got %s", self.__typename,
    labels and " or a table of class labels" or "", type(target)), 0)
end

-- Subclasses implement self:compute(input, target, grad | nil) -> loss.
function Criterion:forward(input, target)
  if not T.isTensor(input) then
    error(string.format("%s: input must be a tensor, got %s", self.__typename, type(input)), 0)
  end
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
