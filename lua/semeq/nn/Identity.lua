-- nn.Identity: output = input, gradInput = gradOutput (no copy).
local Module = require "semeq.nn.Module"

local Identity = Module.class("nn.Identity", Module)

function Identity:__init()
  Module.__init(self)
  self:materialize()
end

function Identity:graphNode() return {type = "Identity"} end

function Identity:updateOutput(input)
  self.output = input
  return input
end

function Identity:updateGradInput(_, gradOutput)
  self.gradInput = gradOutput
  return gradOutput
end

return Identity
