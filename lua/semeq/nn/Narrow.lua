-- nn.Narrow(dim, offset, length): output = input:narrow(dim, offset, length), a view of
-- the input (Torch's nn.Narrow); the gradient is zero outside the kept range. Used to
-- let a head see only part of a latent code.
local Module = require "semeq.nn.Module"

local Narrow = Module.class("nn.Narrow", Module)

function Narrow:__init(dim, offset, length)
  Module.__init(self)
  Module.check(math.type(dim) == "integer" and dim >= 1, "nn.Narrow: dim must be a positive integer")
  Module.check(math.type(offset) == "integer" and offset >= 1, "nn.Narrow: offset must be a positive integer")
  Module.check(math.type(length) == "integer" and length >= 1, "nn.Narrow: length must be a positive integer")
  self.dim, self.offset, self.length = dim, offset, length
  self:materialize()
end

function Narrow:describe()
  return string.format("nn.Narrow(%d, %d, %d)", self.dim, self.offset, self.length)
end

function Narrow:graphNode()
  return {type = "Narrow", dim = self.dim, offset = self.offset, length = self.length}
end

function Narrow:updateOutput(input)
  if input:dim() < self.dim or self.offset + self.length - 1 > input:size(self.dim) then
    error(string.format("nn.Narrow: cannot take %d..%d of dimension %d from [%s]", self.offset,
      self.offset + self.length - 1, self.dim, table.concat(input:size(), "x")), 0)
  end
  self.output = input:narrow(self.dim, self.offset, self.length)
  return self.output
end

function Narrow:updateGradInput(input, gradOutput)
  self:bufferLike("gradInput", input)
  self.gradInput:zero()
  self.gradInput:narrow(self.dim, self.offset, self.length):copy(gradOutput)
  return self.gradInput
end

return Narrow
