-- nn.Residual(in, out [, dropout = 0.1]): the seed system's residual block
--     y = ReLU( block(x) + skip(x) )
--     block = Linear(in, out) -> LayerNorm -> ReLU -> Dropout -> Linear(out, out) -> LayerNorm
--     skip  = Linear(in, out) when in ~= out, else Identity
-- State-dict names: block.0.weight ... block.5.bias, skip.weight (as a PyTorch module with
-- attributes `block` (nn.Sequential) and `skip` would name them).
-- A batch of two rows or more runs as one fused kernel (src/core/nn_blocks.c: the same
-- kernels in the same order, so the same bits as the layers one by one, which a single row
-- and a block whose children were replaced still use).
local core = require "semeq.nn.core"
local Container = require "semeq.nn.Container"

local Residual = Container.class("nn.Residual", Container)

function Residual:__init(inputSize, outputSize, dropout)
  Container.__init(self)
  Container.check(math.type(inputSize) == "integer" and inputSize > 0, "nn.Residual: inputSize must be a positive integer")
  Container.check(math.type(outputSize) == "integer" and outputSize > 0, "nn.Residual: outputSize must be a positive integer")
  local nn = require "semeq.nn"
  self.inputSize, self.outputSize = inputSize, outputSize
  local block = nn.Sequential()
    :add(nn.Linear(inputSize, outputSize)):add(nn.LayerNorm(outputSize)):add(nn.ReLU())
    :add(nn.Dropout(dropout or 0.1))
    :add(nn.Linear(outputSize, outputSize)):add(nn.LayerNorm(outputSize))
  local skip = inputSize ~= outputSize and nn.Linear(inputSize, outputSize) or nn.Identity()
  self:add(block, "block")
  self:add(skip, "skip")
  self._ln1, self._drop, self._skip = block:get(2), block:get(4), skip
end

-- Whether the fused kernel stands for the children: they are still the ones built above
-- and the batch is a contiguous [N x in] with N >= 2 (nn.Linear's own threshold for its
-- matrix kernel).
function Residual:fusable(input)
  local block = self.modules[1]
  return input:dim() == 2 and input:size(1) >= 2 and input:size(2) == self.inputSize and input:isContiguous()
    and block:get(2) == self._ln1 and block:get(4) == self._drop and block:size() == 6 and self.modules[2] == self._skip
end

-- y = ReLU(block(x) + skip(x)).
function Residual:graphNode(prefix)
  local nodes = self:childNodes(prefix or "")
  return {type = "Residual", block = nodes[1], skip = nodes[2]}
end

function Residual:updateOutput(input)
  self._fused = self:fusable(input)
  if self._fused then
    local rows, out = input:size(1), self.outputSize
    self:buffer("output", rows, out)
    self:buffer("_work", rows, 9 * out + 4 + self.inputSize)
    core.residual_forward(self.output, input, (self:flatViews()), self._work, self._ln1.eps, self._drop.p,
      self._drop.train)
    return self.output
  end
  local h = self:call(1, "forward", input)
  local s = self:call(2, "forward", input)
  self:bufferLike("_sum", h)
  self._sum:copy(h):add_(s)
  self:bufferLike("output", h)
  core.act_forward("relu", self.output, self._sum)
  return self.output
end

function Residual:updateGradInput(input, gradOutput, scale)
  if self._fused then
    local P, G = self:flatViews()
    self:buffer("gradInput", input:size(1), self.inputSize)
    core.residual_backward(self.gradInput, G, gradOutput, input, P, self._work, self._drop.p, self._drop.train, scale)
    return self.gradInput
  end
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
