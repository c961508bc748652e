-- nn.Sequential: applies its children in order; nn.Sequential():add(a):add(b).
local Container = require "semeq.nn.Container"

local Sequential = Container.class("nn.Sequential", Container)

function Sequential:updateOutput(input)
  local x = input
  for i = 1, #self.modules do x = self:call(i, "forward", x) end
  self.output = x
  return x
end

function Sequential:graphNode(prefix)
  return {type = "Sequential", children = self:childNodes(prefix or "")}
end

-- Each child gets the input it saw in forward.
function Sequential:updateGradInput(input, gradOutput, scale)
  local g = gradOutput
  for i = #self.modules, 2, -1 do
    g = self:call(i, "backward", self.modules[i - 1].output, g, scale)
  end
  if #self.modules > 0 then g = self:call(1, "backward", input, g, scale) end
  self.gradInput = g
  return g
end

return Sequential
