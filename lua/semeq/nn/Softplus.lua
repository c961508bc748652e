-- nn.Softplus([beta = 1]): log(1 + exp(beta x)) / beta, linear above beta x > 20 (as PyTorch).
local Activation = require "semeq.nn.Activation"
local Module = require "semeq.nn.Module"

local Softplus = Activation.class("nn.Softplus", Activation)

function Softplus:__init(beta)
  Module.check(beta == nil or beta > 0, "nn.Softplus: beta must be positive")
  Activation.__init(self, "softplus", beta or 1)
end

return Softplus
