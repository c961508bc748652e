-- nn.Container: a module with children. Adding a child marks the tree for re-homing its
-- parameters into one flat buffer at its first use (see Module.lua), and errors of a child
-- are re-raised with its position: "Sequential: module 3 (nn.Linear): ...".
local Module = require "semeq.nn.Module"

local Container = Module.class("nn.Container", Module)

function Container:__init()
  Module.__init(self)
  self.modules = {}
  self._names = {}
end

-- add(module [, name]): name is the state-dict key (default: the 0-based position).
function Container:add(m, name)
  Module.check(type(m) == "table" and m.forward, "add: argument must be an nn module")
  if m._parent then error("add: module is already in a container", 2) end
  self.modules[#self.modules + 1] = m
  self._names[#self.modules] = name
  m._parent = self
  self:root()._unsettled = true
  return self
end

function Container:get(i) return self.modules[i] end
function Container:size() return #self.modules end

-- Calls child i's method under pcall and re-raises its error with the child's position.
function Container:call(i, method, ...)
  local m = self.modules[i]
  local ok, a = pcall(m[method], m, ...)
  if not ok then
    local kind = self.__typename:gsub("^nn%.", "")
    error(string.format("%s: module %d (%s): %s", kind, i, m.__typename, tostring(a)), 0)
  end
  return a
end

-- Graph nodes of the children, each with its state-dict prefix.
function Container:childNodes(prefix)
  local nodes = {}
  for i, m in ipairs(self.modules) do nodes[i] = m:graphNode(prefix .. self:childName(i) .. ".") end
  return nodes
end

function Container:describe()
  local parts = {}
  for i, m in ipairs(self.modules) do
    parts[#parts + 1] = string.format("  (%s): %s", self:childName(i), m:describe():gsub("\n", "\n  "))
  end
  return self.__typename .. " {\n" .. table.concat(parts, "\n") .. "\n}"
end

return Container
