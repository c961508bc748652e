-- nn.Sigmoid(): elementwise sigmoid (kernel in src/core/nn_kernels.c).
local Activation = require "semeq.nn.Activation"

local Sigmoid = Activation.class("nn.Sigmoid", Activation)

function Sigmoid:__init() Activation.__init(self, "sigmoid") end

return Sigmoid
