-- nn.LeakyReLU([negativeSlope = 0.01]): x if x > 0 else negativeSlope * x.
local Activation = require "semeq.nn.Activation"

local LeakyReLU = Activation.class("nn.LeakyReLU", Activation)

function LeakyReLU:__init(slope) Activation.__init(self, "leaky_relu", slope or 0.01) end

return LeakyReLU
