-- nn.GELU(): elementwise gelu (kernel in src/core/nn_kernels.c).
local Activation = require "semeq.nn.Activation"

local GELU = Activation.class("nn.GELU", Activation)

function GELU:__init() Activation.__init(self, "gelu") end

return GELU
