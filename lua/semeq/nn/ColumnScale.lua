-- nn.ColumnScale(scales): output[i][j] = input[i][j] * scales[j], with fixed (not learned)
-- scales. It sets the geometry of a latent code: a contrastive autoencoder gives the
-- columns that carry the term weight 1 and the columns that carry the rest of the
-- setting a small weight, so that distances in the code are dominated by meaning.
local T = require "semeq.tensor"
local Module = require "semeq.nn.Module"

local ColumnScale = Module.class("nn.ColumnScale", Module)

function ColumnScale:__init(scales)
  Module.__init(self)
  if type(scales) == "table" then scales = T.new(scales) end
  Module.check(T.isTensor(scales) and scales:dim() == 1, "nn.ColumnScale: scales must be a 1-d tensor or table")
  self.scales = scales:clone()
  self:materialize()
end

function ColumnScale:describe()
  return string.format("nn.ColumnScale(%d)", self.scales:size(1))
end

function ColumnScale:graphNode() return {type = "ColumnScale", scales = self.scales:totable()} end

function ColumnScale:updateOutput(input)
  if input:dim() < 1 or input:size(input:dim()) ~= self.scales:size(1) then
    error(string.format("nn.ColumnScale: input [%s] does not end in %d columns",
      table.concat(input:size(), "x"), self.scales:size(1)), 0)
  end
  self:bufferLike("output", input)
  self.output:copy(input):mul_(self.scales)
  return self.output
end

function ColumnScale:updateGradInput(_, gradOutput)
  self:bufferLike("gradInput", gradOutput)
  self.gradInput:copy(gradOutput):mul_(self.scales)
  return self.gradInput
end

return ColumnScale
