-- nn.Residual(in, out [, dropout = 0.1]): the seed system's residual block
--     y = ReLU( block(x) + skip(x) )
--     block = Linear(in, out) -> LayerNorm -> ReLU -> Dropout -> Linear(out, out) -> LayerNorm
--     skip  = Linear(in, out) when in ~= out, else Identity
-- State-dict names: block.0.weight ... block.5.bias, skip.weight (as a PyTorch module with
-- attributes `block` (nn.Sequential) and `skip` would name them).
local core = require "semeq.nn.core"
local Container = require "semeq.nn.Container"

local Residual = Container.class("nn.Residual", Container)

function Residual:__init(inputSize, outputSize, dropout)
  Container.__init(self)
  local nn = require "semeq.nn"
  self.inputSize, self.outputSize = inputSize, outputSize
  local block = nn.Sequential()
    :add(nn.Linear(inputSize, outputSize)):add(nn.LayerNorm(outputSize)):add(nn.ReLU())
    :add(nn.Dropout(dropout or 0.1))
    :add(nn.Linear(outputSize, outputSize)):add(nn.LayerNorm(outputSize))
  local skip = inputSize ~= outputSize and nn.Linear(inputSize, outputSize) or nn.Identity()
  self:add(block, "block")
  self:add(skip, "skip")
end

-- y = ReLU(block(x) + skip(x)).
function Residual:graphNode(prefix)
  local nodes = self:childNodes(prefix or "")
  return {type = "Residual", block = nodes[1], skip = nodes[2]}
end

function Residual:updateOutput(input)
  local h = self:call(1, "forward", input)
  local s = self:call(2, "forward", input)
  self:bufferLike("_sum", h)
  self._sum:copy(h):add_(s)
  self:bufferLike("output", h)
  core.act_forward("relu", self.output, self._sum)
  return self.output
end

function Residual:updateGradInput(input, gradOutput, scale)
  self:bufferLike("_g", gradOutput)
  core.act_backward("relu", self._g, self._sum, self.output, gradOutput)
  local gb = self:call(1, "backward", input, self._g, scale)
  self:bufferLike("gradInput", input)
  self.gradInput:copy(gb)
  local gs = self:call(2, "backward", input, self._g, scale)
  self.gradInput:add_(gs)
  return self.gradInput
end

return Residual
