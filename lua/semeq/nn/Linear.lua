-- nn.Linear(inputSize, outputSize [, bias=true]): y = x W^T + b on batches [N x inputSize].
-- A 1-d input is one example. weight is [outputSize x inputSize] as in PyTorch; initialised like PyTorch's default
-- (uniform in +-1/sqrt(inputSize), from the interpreter's RNG).
local T = require "semeq.tensor"
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local Linear = Module.class("nn.Linear", Module)

function Linear:__init(inputSize, outputSize, bias)
  Module.__init(self)
  assert(math.type(inputSize) == "integer" and inputSize > 0, "nn.Linear: inputSize must be a positive integer")
  assert(math.type(outputSize) == "integer" and outputSize > 0, "nn.Linear: outputSize must be a positive integer")
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
function Linear:forward(input)
  if T.isTensor(input) and input:dim() == 1 then
    return self:forward(input:view(1, input:numel())):view(self.outputSize)
  end
  check(self, input)
  self:buffer("output", input:size(1), self.outputSize)
  core.linear_forward(self.output, input, self.weight, self.bias)
  return self.output
end

function Linear:backward(input, gradOutput, scale)
  if T.isTensor(input) and input:dim() == 1 then
    return self:backward(input:view(1, input:numel()), gradOutput:contiguous():view(1, self.outputSize), scale)
      :view(self.inputSize)
  end
  check(self, input)
  if not gradOutput:isContiguous() then gradOutput = gradOutput:contiguous() end
  self:buffer("gradInput", input:size(1), self.inputSize)
  core.linear_backward(self.gradInput, gradOutput, input, self.weight, self.gradWeight, self.gradBias, scale)
  return self.gradInput
end

return Linear
