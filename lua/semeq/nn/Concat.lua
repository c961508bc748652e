-- nn.Concat(dim): feeds the same input to every child and concatenates their outputs
-- along dim (Torch's nn.Concat); backward gives each child its slice of the gradient
-- and sums what they send back. A two-branch encoder is Concat(2) of two Sequentials.
-- Children produce [batch x features] outputs joined along dim 2 (the only dim supported).
local Container = require "semeq.nn.Container"
local Module = require "semeq.nn.Module"

local Concat = Container.class("nn.Concat", Container)

function Concat:__init(dim)
  Container.__init(self)
  Module.check(dim == 2, "nn.Concat: only dim 2 (features of [batch x features] outputs) is supported")
  self.dim = dim
end

function Concat:graphNode(prefix)
  return {type = "Concat", dim = self.dim, children = self:childNodes(prefix or "")}
end

function Concat:updateOutput(input)
  local outs, total = {}, 0
  for i = 1, #self.modules do
    outs[i] = self:call(i, "forward", input)
    if outs[i]:dim() ~= 2 or outs[i]:size(1) ~= outs[1]:size(1) then
      error(string.format("Concat: module %d gave [%s]; children must give [batch x features]", i,
        table.concat(outs[i]:size(), "x")), 0)
    end
    total = total + outs[i]:size(2)
  end
  self:buffer("output", outs[1]:size(1), total)
  local at = 1
  for _, o in ipairs(outs) do
    self.output:narrow(self.dim, at, o:size(self.dim)):copy(o)
    at = at + o:size(self.dim)
  end
  return self.output
end

function Concat:updateGradInput(input, gradOutput, scale)
  local at = 1
  for i, m in ipairs(self.modules) do
    local width = m.output:size(self.dim)
    local g = self:call(i, "backward", input, gradOutput:narrow(self.dim, at, width):contiguous(), scale)
    if i == 1 then
      self:bufferLike("gradInput", g)
      self.gradInput:copy(g)
    else
      self.gradInput:add_(g)
    end
    at = at + width
  end
  return self.gradInput
end

return Concat
