-- Shared code of the elementwise activations (ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softplus):
-- the math is in C (src/core/nn_kernels.c), buffers are reused between calls.
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local Activation = Module.class("nn.Activation", Module)

function Activation:__init(kind, param)
  Module.__init(self)
  self.kind, self.param = kind, param or 0
  self:materialize()
end

local GRAPH_TYPES = {relu = "ReLU", leaky_relu = "LeakyReLU", gelu = "GELU", tanh = "Tanh", sigmoid = "Sigmoid",
  softplus = "Softplus"}

function Activation:graphNode()
  local node = {type = GRAPH_TYPES[self.kind]}
  if self.kind == "leaky_relu" then node.slope = self.param end
  if self.kind == "softplus" then node.beta = self.param end
  return node
end

function Activation:updateOutput(input)
  self:bufferLike("output", input)
  core.act_forward(self.kind, self.output, input, self.param)
  return self.output
end

function Activation:updateGradInput(input, gradOutput)
  self:bufferLike("gradInput", input)
  core.act_backward(self.kind, self.gradInput, input, self.output, gradOutput, self.param)
  return self.gradInput
end

return Activation
