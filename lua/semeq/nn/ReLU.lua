-- nn.ReLU(): elementwise relu (kernel in src/core/nn_kernels.c).
local Activation = require "semeq.nn.Activation"

local ReLU = Activation.class("nn.ReLU", Activation)

function ReLU:__init() Activation.__init(self, "relu") end

return ReLU
