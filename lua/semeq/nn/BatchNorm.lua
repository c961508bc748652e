-- nn.BatchNorm(size [, eps = 1e-5, momentum = 0.1]): PyTorch's BatchNorm1d on [N x size].
-- Training normalises with the batch statistics and updates running_mean/running_var;
-- evaluate() switches to the running statistics. The running statistics are buffers, not
-- parameters: they are saved in model files but optimisers do not touch them.
local T = require "semeq.tensor"
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local BatchNorm = Module.class("nn.BatchNorm", Module)

function BatchNorm:__init(size, eps, momentum)
  Module.__init(self)
  Module.check(math.type(size) == "integer" and size > 0, "nn.BatchNorm: size must be a positive integer")
  self.size, self.eps, self.momentum = size, eps or 1e-5, momentum or 0.1
  self:declare("weight", "gradWeight", {size})
  self:declare("bias", "gradBias", {size})
  self._buffers = {"running_mean", "running_var"}
  self.running_mean, self.running_var = T.zeros(size), T.ones(size)
  self._mean, self._rstd = T.zeros(size), T.zeros(size)
  self:materialize()
end

function BatchNorm:reset()
  self.weight:fill(1)
  self.bias:zero()
end

function BatchNorm:describe() return string.format("nn.BatchNorm(%d)", self.size) end

-- Inference uses the running statistics (evaluation mode).
function BatchNorm:graphNode(prefix)
  prefix = prefix or ""
  local node = self:weightNames({type = "BatchNorm", size = self.size, eps = self.eps}, prefix)
  node.running_mean, node.running_var = prefix .. "running_mean", prefix .. "running_var"
  return node
end

local function check(self, input)
  if input:dim() ~= 2 or input:size(2) ~= self.size then
    error(string.format("nn.BatchNorm: expected input [N x %d], got %s", self.size, Module.shapeStr(input)), 0)
  end
end

-- Training normalises with the batch statistics; the kernel computes the input and the
-- parameter gradients in one pass over the data, so accGradParameters is that pass too.
function BatchNorm:updateOutput(input)
  check(self, input)
  self:buffer("output", input:size(1), self.size)
  core.batchnorm_forward(self.output, self._mean, self._rstd, self.running_mean, self.running_var,
    input, self.weight, self.bias, self.eps, self.momentum, self.train)
  return self.output
end

function BatchNorm:updateGradInput(input, gradOutput)
  check(self, input)
  self:buffer("gradInput", input:size(1), self.size)
  core.batchnorm_backward(self.gradInput, self.gradWeight, self.gradBias, gradOutput, input,
    self._mean, self._rstd, self.weight, self.train)
  return self.gradInput
end

return BatchNorm
