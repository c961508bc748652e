-- nn.ColumnScale(scales [, shifts]): output[i][j] = input[i][j] * scales[j] + shifts[j],
-- with fixed (not learned) scales and shifts (0 without). It sets the geometry of a latent
-- code (a contrastive autoencoder gives the columns that carry the term weight 1 and the
-- others a small weight) and maps bounded activations onto a parameter's range (the
-- seed's decoder: Sigmoid x 9.9 + 0.1 for a Q).
local T = require "semeq.tensor"
local Module = require "semeq.nn.Module"

local ColumnScale = Module.class("nn.ColumnScale", Module)

local function vector(v, name)
  if type(v) == "table" then v = T.new(v) end
  Module.check(T.isTensor(v) and v:dim() == 1, "nn.ColumnScale: " .. name .. " must be a 1-d tensor or table")
  return v:clone()
end

function ColumnScale:__init(scales, shifts)
  Module.__init(self)
  self.scales = vector(scales, "scales")
  if shifts ~= nil then
    self.shifts = vector(shifts, "shifts")
    Module.check(self.shifts:size(1) == self.scales:size(1), "nn.ColumnScale: shifts must be as long as scales")
  end
  self:materialize()
end

function ColumnScale:describe()
  return string.format("nn.ColumnScale(%d%s)", self.scales:size(1), self.shifts and ", shifted" or "")
end

function ColumnScale:graphNode()
  return {type = "ColumnScale", scales = self.scales:totable(), shifts = self.shifts and self.shifts:totable() or nil}
end

function ColumnScale:updateOutput(input)
  if input:dim() < 1 or input:size(input:dim()) ~= self.scales:size(1) then
    error(string.format("nn.ColumnScale: input [%s] does not end in %d columns",
      table.concat(input:size(), "x"), self.scales:size(1)), 0)
  end
  self:bufferLike("output", input)
  self.output:copy(input):mul_(self.scales)
  if self.shifts then self.output:add_(self.shifts) end
  return self.output
end

function ColumnScale:updateGradInput(_, gradOutput)
  self:bufferLike("gradInput", gradOutput)
  self.gradInput:copy(gradOutput):mul_(self.scales)
  return self.gradInput
end

return ColumnScale
