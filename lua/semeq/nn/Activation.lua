-- Shared code of the elementwise activations (ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softplus):
-- the math is in C (src/core/nn_kernels.c), buffers are reused between calls.
local T = require "semeq.tensor"
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local Activation = Module.class("nn.Activation", Module)

function Activation:__init(kind, param)
  Module.__init(self)
  self.kind, self.param = kind, param or 0
  self:materialize()
end

local function same(buf, like)
  if buf and buf:numel() == like:numel() and buf:dim() == like:dim() then
    local ok = true
    for d = 1, like:dim() do ok = ok and buf:size(d) == like:size(d) end
    if ok then return buf end
  end
  return T.zeros(like:size())
end

function Activation:forward(input)
  if not input:isContiguous() then input = input:contiguous() end
  self.output = same(self.output, input)
  core.act_forward(self.kind, self.output, input, self.param)
  return self.output
end

function Activation:backward(input, gradOutput)
  if not input:isContiguous() then input = input:contiguous() end
  if not gradOutput:isContiguous() then gradOutput = gradOutput:contiguous() end
  self.gradInput = same(self.gradInput, input)
  core.act_backward(self.kind, self.gradInput, input, self.output, gradOutput, self.param)
  return self.gradInput
end

Activation.sameBuffer = same
return Activation
