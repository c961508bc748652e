-- nn.Module: the base of every layer (Torch7's nn protocol).
--
-- Parameters live in ONE flat storage per model. Design: a layer *declares* its parameters
-- (name, gradient name, shape) and gets a small private flat buffer at construction, so a
-- lone layer works at once. Container:add only marks the ROOT of the tree unsettled; the
-- first use of the tree (forward, backward, flat, parameters, nparams, stateDict, ...)
-- settles it: the root re-homes every parameter of the tree into one new flat buffer (it
-- allocates params and grads of the total length, copies each layer's current values in and
-- points each layer's weight/gradWeight fields at views of the new buffers). Building a model
-- of L layers thus copies its parameters once, not L times (Torch7's getParameters() also
-- flattens at first call). Once settled the buffers never move while no add() follows, and
-- `model:flat()` always returns the same tensors. Parameters of a subtree are contiguous
-- (depth-first order), so a child's flat() is a narrow of its root's buffer. A weight tensor
-- taken before the first use holds the old copy; take references after that.
local T = require "semeq.tensor"

local Module = {}
Module.__index = Module
Module.__typename = "nn.Module"

-- Makes a class that inherits from parent; Class(...) calls Class.__init.
function Module.class(name, parent)
  local cls = setmetatable({}, {
    __index = parent,
    __call = function(c, ...)
      local self = setmetatable({}, c)
      self:__init(...)
      return self
    end,
  })
  cls.__index = cls
  cls.__typename = name
  cls.__tostring = function(self) return self:summary() end
  return cls
end

--- Raises msg when cond is false. Layer and model constructors check their sizes and
-- configs with it: the message names the class ("nn.Linear: inputSize must be ..."), and a
-- container that catches a child's error adds the child's position (Container:call), as
-- Torch does; a Lua position would point into this framework, not at the caller's code.
function Module.check(cond, msg)
  if not cond then error(msg, 0) end
  return cond
end

function Module:__init()
  self._declared = {}
  self.train = true
end

function Module:describe() return self.__typename end

-- 514112 -> "514,112"
local function thousands(n)
  local s = tostring(n)
  while true do
    local t = s:gsub("^(%d+)(%d%d%d)", "%1,%2")
    if t == s then return s end
    s = t
  end
end

--- What print(module) shows: its layers (describe), and for a whole model (a container
-- that is no one's child) the number of parameters on a last line, as a Torch user
-- would otherwise count them by hand.
function Module:summary()
  local text = self:describe()
  if self.modules and not self._parent then
    local n = self:nparams()
    text = text .. string.format("\n%s parameter%s", thousands(n), n == 1 and "" or "s")
  end
  return text
end

-- The layer as a node of the inference graph that models.io.save writes (metadata "graph", read by
-- the C model runtime, src/core/model_graph.c): a table with `type` (the class name without
-- "nn."), the state-dict names of its tensors (prefix .. name) and its hyper-parameters, in
-- this Lua side's conventions (1-based offsets, dim 2 = features). Every layer class that
-- inference can meet overrides it; a module that cannot be described raises.
function Module:graphNode()
  error(string.format("%s cannot be described for the inference graph", self.__typename), 0)
end

-- Shared by the layers whose only tensors are weight and bias.
function Module:weightNames(node, prefix)
  node.weight = prefix .. "weight"
  if self.bias then node.bias = prefix .. "bias" end
  return node
end

-- Declares a parameter; call before Module.materialize.
function Module:declare(name, gradname, shape)
  self._declared[#self._declared + 1] = {name = name, grad = gradname, shape = shape}
end

local function numel(shape)
  local n = 1
  for _, s in ipairs(shape) do n = n * s end
  return n
end

-- Every {module, declaration} of the subtree in depth-first order.
function Module:paramEntries(list)
  list = list or {}
  for _, d in ipairs(self._declared) do list[#list + 1] = {self, d} end
  for _, child in ipairs(self.modules or {}) do child:paramEntries(list) end
  return list
end

-- Allocates the flat buffers of this subtree and points every parameter into them,
-- keeping current values (see the comment at the top of the file).
-- While models.io.load builds a model from a file's config it sets Module.budget from the number of
-- floats in the file: a model that fits the file has no parameter buffer larger than that,
-- so a config asking for much more is refused here, before the allocation (a small file
-- must not make semeq allocate gigabytes).
Module.budget = nil

function Module:rehome()
  local entries = self:paramEntries()
  local total = 0
  for _, e in ipairs(entries) do total = total + numel(e[2].shape) end
  if Module.budget and total > Module.budget then
    error(string.format("config asks for a layer of %.0f parameters, more than the file could hold", total), 0)
  end
  local P, G = T.zeros(math.max(total, 1)), T.zeros(math.max(total, 1))
  local off = 1
  local function place(m, first)
    m._flatFirst, m._unsettled = first, nil
    local count = 0
    for _, d in ipairs(m._declared) do
      local n = numel(d.shape)
      local p, g = P:narrow(1, off, n), G:narrow(1, off, n)
      if m[d.name] then p:copy(m[d.name]:contiguous():view(n)) end
      if m[d.grad] then g:copy(m[d.grad]:contiguous():view(n)) end
      m[d.name], m[d.grad] = p:view(table.unpack(d.shape)), g:view(table.unpack(d.shape))
      off, count = off + n, count + n
    end
    for _, child in ipairs(m.modules or {}) do count = count + place(child, off) end
    m._flatCount, m._flatP, m._flatG = count, P, G
    return count
  end
  place(self, 1)
end

-- Called by constructors after declaring: gives a lone layer its own flat buffers.
function Module:materialize()
  self:rehome()
  if self.reset then self:reset() end
  return self
end

-- The topmost container this module belongs to.
function Module:root()
  local m = self
  while m._parent do m = m._parent end
  return m
end

-- Re-homes the tree's parameters if a child was added since the last use (see the top), or
-- gives a tree that never had buffers (an empty container) its own.
function Module:settle()
  local root = self:root()
  if root._unsettled or not root._flatP then
    root._unsettled = nil
    root:rehome()
  end
  return self
end

-- (params, grads): views of this module's range of the model's flat buffers.
function Module:flat()
  self:settle()
  if self._flatCount == 0 then return T.zeros(0), T.zeros(0) end
  return self._flatP:narrow(1, self._flatFirst, self._flatCount),
         self._flatG:narrow(1, self._flatFirst, self._flatCount)
end
Module.flatten = Module.flat

-- flat(), the same two views each time until the buffers move (while a model is assembled):
-- for layers that hand their whole range to one kernel per batch. It does not settle (flat()
-- does, when the views are made again): it runs inside forward/backward, where the root
-- settled first, and a move since the views were made shows as a new _flatP.
function Module:flatViews()
  if self._viewsOf ~= self._flatP or not self._flatP then
    self._viewP, self._viewG = self:flat()
    self._viewsOf = self._flatP
  end
  return self._viewP, self._viewG
end

function Module:nparams() return self:settle()._flatCount or 0 end

-- Torch's parameters(): lists of weight tensors and of their gradients.
function Module:parameters()
  self:settle()
  local ps, gs = {}, {}
  for _, e in ipairs(self:paramEntries()) do
    ps[#ps + 1], gs[#gs + 1] = e[1][e[2].name], e[1][e[2].grad]
  end
  return ps, gs
end

function Module:zeroGradParameters()
  self:settle()
  if self._flatCount and self._flatCount > 0 then
    self._flatG:narrow(1, self._flatFirst, self._flatCount):zero()
  end
end

function Module:training()
  self.train = true
  for _, c in ipairs(self.modules or {}) do c:training() end
  return self
end

function Module:evaluate()
  self.train = false
  for _, c in ipairs(self.modules or {}) do c:evaluate() end
  return self
end

-- The protocol (Torch7's Module.lua): forward(input) -> updateOutput(input) -> output;
-- backward(input, gradOutput [, scale]) -> updateGradInput(input, gradOutput) -> gradInput,
-- then accGradParameters(input, gradOutput, scale), which ACCUMULATES scale * d loss / d
-- parameters into the gradients. A layer supplies only those three functions (the last
-- when it has parameters); the base owns the rest, including making tensor arguments
-- contiguous once for every kernel. A container's updateGradInput also receives scale: it
-- calls its children's backward, which accumulate their own gradients.
local function dense(x)
  if T.isTensor(x) and not x:isContiguous() then return x:contiguous() end
  return x
end

-- Only an unsettled root settles here (a flag lookup per call, not a walk to the root): a
-- child run on its own before its model's first use computes with its current buffers.
function Module:forward(input)
  if self._unsettled then self:settle() end
  return self:updateOutput(dense(input))
end

-- gradOutput must be like the output the last forward gave: a tensor of as many elements
-- (not checked for a module whose output is not one tensor). Checked here for every layer, so
-- a mistake names the layer and the argument, not a kernel's argument number.
local function check_grad_output(self, gradOutput)
  local out = self.output
  if not T.isTensor(out) then return end
  if not T.isTensor(gradOutput) then
    error(string.format("%s:backward: gradOutput must be a tensor like the output %s, got %s", self.__typename,
      Module.shapeStr(out), type(gradOutput)), 0)
  end
  if gradOutput:numel() ~= out:numel() then
    error(string.format("%s:backward: gradOutput %s does not match the output %s", self.__typename,
      Module.shapeStr(gradOutput), Module.shapeStr(out)), 0)
  end
end

function Module:backward(input, gradOutput, scale)
  if self._unsettled then self:settle() end
  check_grad_output(self, gradOutput)
  input, gradOutput = dense(input), dense(gradOutput)
  local gradInput = self:updateGradInput(input, gradOutput, scale or 1)
  self:accGradParameters(input, gradOutput, scale or 1)
  return gradInput
end

function Module:accGradParameters() end

-- PyTorch-style state dict: {name = tensor} plus names in order, e.g. "encoder.0.weight".
-- Buffers (BatchNorm's running statistics) are listed in self._buffers.
function Module:stateDict(prefix, names, dict)
  self:settle()
  prefix, names, dict = prefix or "", names or {}, dict or {}
  for _, d in ipairs(self._declared) do
    names[#names + 1] = prefix .. d.name
    dict[prefix .. d.name] = self[d.name]
  end
  for _, b in ipairs(self._buffers or {}) do
    names[#names + 1] = prefix .. b
    dict[prefix .. b] = self[b]
  end
  for i, c in ipairs(self.modules or {}) do
    c:stateDict(prefix .. self:childName(i) .. ".", names, dict)
  end
  return dict, names
end

function Module:childName(i) return (self._names and self._names[i]) or tostring(i - 1) end

-- Work buffers owned by the module, reused between calls (Torch's Linear.lua habit).
-- self:buffer(name, rows, cols) returns self[name] as a [rows x cols] tensor: a narrow of a
-- stored tensor that grows when a larger batch arrives, so a smaller last batch of an epoch
-- does not reallocate anything. Only storage the module allocated itself is ever reused:
-- a field that was set to someone else's tensor (Identity-like outputs) is never written.
function Module:buffer(name, rows, cols)
  local stores = self._stores
  if not stores then stores = {}; self._stores = stores end
  local cur, rec = self[name], stores[name]
  if rec and cur == rec.view and rec.rows == rows and rec.cols == cols then return cur end
  local store = rec and rec.store
  if not store or store:size(2) ~= cols or store:size(1) < rows then
    store = T.zeros(math.max(rows, 1), cols)
  end
  local view = store:size(1) == rows and store or store:narrow(1, 1, rows)
  stores[name] = {store = store, view = view, rows = rows, cols = cols}
  self[name] = view
  return view
end

-- A buffer shaped like tensor `like`: 2-d as above; other ranks get their own storage,
-- reused while the shape stays the same.
function Module:bufferLike(name, like)
  if like:dim() == 2 then return self:buffer(name, like:size(1), like:size(2)) end
  local stores = self._stores
  if not stores then stores = {}; self._stores = stores end
  local rec, key = stores[name], table.concat(like:size(), "x")
  if rec and rec.key == key and self[name] == rec.view then return rec.view end
  local t = T.zeros(like:size())
  stores[name] = {view = t, key = key}
  self[name] = t
  return t
end

-- "[2x3]" for error messages.
function Module.shapeStr(t)
  return "[" .. table.concat(t:size(), "x") .. "]"
end

return Module
