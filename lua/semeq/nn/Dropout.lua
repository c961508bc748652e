-- nn.Dropout([p = 0.5]): in training zeroes each element with probability p and scales the
-- rest by 1/(1-p) (inverted dropout, as PyTorch); in evaluation it is the identity. The mask
-- comes from the interpreter's RNG, so a fixed seed gives the same masks.
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local Dropout = Module.class("nn.Dropout", Module)

function Dropout:__init(p)
  Module.__init(self)
  p = p or 0.5
  Module.check(type(p) == "number" and p >= 0 and p < 1, "nn.Dropout: p must be in [0, 1)")
  self.p = p
  self:materialize()
end

function Dropout:describe() return string.format("nn.Dropout(%g)", self.p) end

-- The identity at inference (evaluation mode); p is kept for the record.
function Dropout:graphNode() return {type = "Dropout", p = self.p} end

function Dropout:updateOutput(input)
  if not self.train or self.p == 0 then
    self.output = input
    return input
  end
  self:bufferLike("output", input)
  self:bufferLike("_mask", input)
  core.dropout_forward(self.output, self._mask, input, self.p)
  return self.output
end

function Dropout:updateGradInput(input, gradOutput)
  if not self.train or self.p == 0 then
    self.gradInput = gradOutput
    return gradOutput
  end
  self:bufferLike("gradInput", input)
  core.mul(self.gradInput, gradOutput, self._mask)
  return self.gradInput
end

return Dropout
