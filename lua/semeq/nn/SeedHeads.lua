-- nn.SeedHeads(n): the seed's three decoder heads on n features, as ONE layer.
--
-- For each of the k = floor(n / 3) bands a gain (Tanh x 12), a "frequency" (Sigmoid) and a Q
-- (Sigmoid x 9.9 + 0.1), each from its own Linear(n, 1) unit, written to output columns
-- 3i, 3i+1, 3i+2; the n - 3k columns past them are 0 (0 times the first feature). That is
-- the function of
--     Concat(2){ Sequential(Linear(n, 1), Tanh, ColumnScale{12}),
--                Sequential(Linear(n, 1), Sigmoid),
--                Sequential(Linear(n, 1), Sigmoid, ColumnScale({9.9}, {0.1})), ...,
--                Sequential(Narrow(2, 1, 1), ColumnScale{0}), ... }
-- and this layer keeps that Concat's parameters exactly: the same state-dict names
-- ("<unit>.0.weight" [1 x n], "<unit>.0.bias" [1]), the same order in the flat buffer, the
-- same initialisation (drawn unit by unit), and it describes itself to the inference graph
-- as that Concat (graphNode), so model files do not change. What changes is the cost: one
-- matrix product and one kernel per batch instead of ~40 small layers (the units' weights
-- and biases sit in the flat buffer as one [3k x (n + 1)] matrix, a row per unit, its bias
-- last).
local T = require "semeq.tensor"
local core = require "semeq.nn.core"
local Module = require "semeq.nn.Module"

local SeedHeads = Module.class("nn.SeedHeads", Module)

function SeedHeads:__init(n)
  Module.__init(self)
  Module.check(math.type(n) == "integer" and n >= 3, "nn.SeedHeads: n must be an integer >= 3")
  self.size, self.units = n, 3 * (n // 3)
  for u = 0, self.units - 1 do
    self:declare(u .. ".0.weight", "grad " .. u .. ".0.weight", {1, n})
    self:declare(u .. ".0.bias", "grad " .. u .. ".0.bias", {1})
  end
  self:materialize()
end

-- Linear(n, 1)'s initialisation, unit by unit (weight, then bias), from the interpreter's RNG.
function SeedHeads:reset()
  local n = self.size
  local stdv = 1 / math.sqrt(n)
  for u = 0, self.units - 1 do
    self[u .. ".0.weight"]:copy(T.rand(1, n) * (2 * stdv) - stdv)
    self[u .. ".0.bias"]:copy(T.rand(1) * (2 * stdv) - stdv)
  end
  return self
end

function SeedHeads:describe() return string.format("nn.SeedHeads(%d)", self.size) end

-- The Concat this layer stands for (see the header), in the inference graph's terms.
local SCALES = {{12}, {1}, {9.9}}
function SeedHeads:graphNode(prefix)
  prefix = prefix or ""
  local n, children = self.size, {}
  for u = 0, self.units - 1 do
    local p = prefix .. u .. ".0."
    local unit = {{type = "Linear", input = n, output = 1, weight = p .. "weight", bias = p .. "bias"},
                  {type = u % 3 == 0 and "Tanh" or "Sigmoid"}}
    if u % 3 ~= 1 then
      unit[3] = {type = "ColumnScale", scales = T.new(SCALES[u % 3 + 1]):totable(),
                 shifts = u % 3 == 2 and T.new{0.1}:totable() or nil}
    end
    children[#children + 1] = {type = "Sequential", children = unit}
  end
  for _ = self.units + 1, n do
    children[#children + 1] = {type = "Sequential", children = {{type = "Narrow", dim = 2, offset = 1, length = 1},
                                                                 {type = "ColumnScale", scales = T.new{0}:totable()}}}
  end
  return {type = "Concat", dim = 2, children = children}
end

-- The [units x (n + 1)] views of the parameters and of their gradients, made again only
-- when the flat buffers move (while a model is assembled).
function SeedHeads:matrices()
  local p, g = self:flatViews()
  if self._wbOf ~= p then
    self._wb, self._gwb = p:view(self.units, self.size + 1), g:view(self.units, self.size + 1)
    self._wbOf = p
  end
  return self._wb, self._gwb
end

local function check(self, input)
  if not T.isTensor(input) or input:dim() ~= 2 or input:size(2) ~= self.size then
    error(string.format("nn.SeedHeads: expected input [N x %d], got %s", self.size,
      T.isTensor(input) and Module.shapeStr(input) or type(input)), 0)
  end
end

function SeedHeads:updateOutput(input)
  check(self, input)
  local rows = input:size(1)
  self:buffer("output", rows, self.size)
  self:buffer("_act", rows, self.units)
  core.seed_heads_forward(self.output, self._act, input, (self:matrices()))
  return self.output
end

function SeedHeads:updateGradInput(input, gradOutput)
  check(self, input)
  local rows = input:size(1)
  self:buffer("gradInput", rows, self.size)
  self:buffer("_gu", rows, self.units)
  core.seed_heads_backward(self.gradInput, self._gu, gradOutput, self._act, input, (self:matrices()))
  return self.gradInput
end

function SeedHeads:accGradParameters(input, gradOutput, scale)
  local wb, gwb = self:matrices()
  core.seed_heads_backward(nil, self._gu, gradOutput, self._act, input, wb, gwb, scale)
end

return SeedHeads
