-- nn.LayerNorm(size [, eps = 1e-5]): normalises each row over its last dim, then scales by
-- weight and shifts by bias (PyTorch's LayerNorm with elementwise_affine).
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local LayerNorm = Module.class("nn.LayerNorm", Module)

function LayerNorm:__init(size, eps)
  Module.__init(self)
  Module.check(math.type(size) == "integer" and size > 0, "nn.LayerNorm: size must be a positive integer")
  self.size, self.eps = size, eps or 1e-5
  self:declare("weight", "gradWeight", {size})
  self:declare("bias", "gradBias", {size})
  self:materialize()
end

function LayerNorm:reset()
  self.weight:fill(1)
  self.bias:zero()
end

function LayerNorm:describe() return string.format("nn.LayerNorm(%d)", self.size) end

function LayerNorm:graphNode(prefix)
  return self:weightNames({type = "LayerNorm", size = self.size, eps = self.eps}, prefix or "")
end

local function check(self, input)
  if input:dim() < 1 or input:size(input:dim()) ~= self.size then
    error(string.format("nn.LayerNorm: expected input [... x %d], got %s", self.size, Module.shapeStr(input)), 0)
  end
end

function LayerNorm:updateOutput(input)
  check(self, input)
  local rows = input:numel() // self.size
  self:bufferLike("output", input)
  self:buffer("_mean", rows, 1)
  self:buffer("_rstd", rows, 1)
  core.layernorm_forward(self.output, self._mean, self._rstd, input, self.weight, self.bias, self.eps)
  return self.output
end

-- The kernel computes the input and the weight/bias gradients in one pass over the data
-- (it needs the same normalised rows for both), so it serves both halves of backward.
function LayerNorm:updateGradInput(input, gradOutput)
  check(self, input)
  self:bufferLike("gradInput", input)
  core.layernorm_backward(self.gradInput, self.gradWeight, self.gradBias, gradOutput, input,
    self._mean, self._rstd, self.weight)
  return self.gradInput
end

return LayerNorm
