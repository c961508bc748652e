-- nn.LeakyReLU([negativeSlope = 0.01]): x if x > 0 else negativeSlope * x.
local Activation = require "semeq.nn.Activation"

local LeakyReLU = Activation.class("nn.LeakyReLU", Activation)

function LeakyReLU:__init(slope)
  slope = slope == nil and 0.01 or slope
  if math.type(slope) == nil or slope ~= slope or math.abs(slope) == math.huge then
    error("nn.LeakyReLU: negativeSlope must be a finite number, got " .. tostring(slope), 3)
  end
  Activation.__init(self, "leaky_relu", slope)
end

return LeakyReLU
