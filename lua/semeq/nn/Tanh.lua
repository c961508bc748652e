-- nn.Tanh(): elementwise tanh (kernel in src/core/nn_kernels.c).
local Activation = require "semeq.nn.Activation"

local Tanh = Activation.class("nn.Tanh", Activation)

function Tanh:__init() Activation.__init(self, "tanh") end

return Tanh
