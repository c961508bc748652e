-- nn.Linear(inputSize, outputSize [, bias=true]): y = x W^T + b on batches [N x inputSize].
-- A 1-d input is one example. weight is [outputSize x inputSize] as in PyTorch; initialised like PyTorch's default
-- (uniform in +-1/sqrt(inputSize), from the interpreter's RNG).
local T = require "semeq.tensor"
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local Linear = Module.class("nn.Linear", Module)

function Linear:__init(inputSize, outputSize, bias)
  Module.__init(self)
  Module.check(math.type(inputSize) == "integer" and inputSize > 0, "nn.Linear: inputSize must be a positive integer")
  Module.check(math.type(outputSize) == "integer" and outputSize > 0, "nn.Linear: outputSize must be a positive integer")
  self.inputSize, self.outputSize = inputSize, outputSize
  self:declare("weight", "gradWeight", {outputSize, inputSize})
  if bias ~= false then self:declare("bias", "gradBias", {outputSize}) end
  self:materialize()
end

function Linear:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.inputSize)
  self.weight:copy(T.rand(self.outputSize, self.inputSize) * (2 * stdv) - stdv)
  if self.bias then self.bias:copy(T.rand(self.outputSize) * (2 * stdv) - stdv) end
  return self
end

function Linear:describe()
  return string.format("nn.Linear(%d -> %d%s)", self.inputSize, self.outputSize, self.bias and "" or ", no bias")
end

function Linear:graphNode(prefix)
  return self:weightNames({type = "Linear", input = self.inputSize, output = self.outputSize}, prefix or "")
end

local function check(self, input)
  if not T.isTensor(input) or input:dim() ~= 2 or input:size(2) ~= self.inputSize then
    error(string.format("nn.Linear: expected input [N x %d], got %s", self.inputSize,
      T.isTensor(input) and Module.shapeStr(input) or type(input)), 0)
  end
end

-- A single example (1-d input) is run as a batch of one; output and gradInput are then 1-d.
local function as_batch(t)
  if T.isTensor(t) and t:dim() == 1 then return t:view(1, t:numel()), true end
  return t, false
end

function Linear:updateOutput(input)
  local x, single = as_batch(input)
  check(self, x)
  self:buffer("output", x:size(1), self.outputSize)
  core.linear_forward(self.output, x, self.weight, self.bias)
  return single and self.output:view(self.outputSize) or self.output
end

function Linear:updateGradInput(input, gradOutput)
  local x, single = as_batch(input)
  check(self, x)
  self:buffer("gradInput", x:size(1), self.inputSize)
  core.linear_backward(self.gradInput, as_batch(gradOutput), x, self.weight)
  return single and self.gradInput:view(self.inputSize) or self.gradInput
end

function Linear:accGradParameters(input, gradOutput, scale)
  local x = as_batch(input)
  core.linear_backward(nil, as_batch(gradOutput), x, self.weight, self.gradWeight,
    self.gradBias, scale)
end

return Linear
