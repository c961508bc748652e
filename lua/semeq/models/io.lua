--- semeq.models.io: model files — the one place that knows how a file becomes a model.
--
--   local mio = require "semeq.models.io"
--   assert(mio.save(model, "m.safetensors", {note = "hello"}))  -- true, or nil, message
--   local model, meta = mio.load("m.safetensors")                -- or nil, message
--   mio.loadStateDict(model, tensors)                            -- copy weights in (raises on a mismatch)
--
-- A file is safetensors with PyTorch state-dict names (semeq.safetensors); metadata values
-- that are not strings are stored as JSON, model.config (if any) under "config", so that
-- load can rebuild the model through semeq.models.build, and the model's inference graph
-- (M.graph) under "graph", so that the C model runtime (src/core/model_graph.c, the engine
-- of src/semeq.h) evaluates the file without the Lua constructors. A file without a config
-- loads as its raw tensors ({name = tensor}). Files that cannot be read, or whose tensors
-- do not fit their config, are environment failures: nil and a message naming the file;
-- so is a config that asks for more weights than the file holds (refused before anything
-- that large is allocated).
local json = require "semeq.util.json"
local safetensors = require "semeq.safetensors"
local models = require "semeq.models"

local M = {}

local function shape(t) return table.concat(t:size(), "x") end

-- nil, or why dict cannot fill model's parameters and buffers: every name must be
-- present with the same shape, and no name may be left over.
local function state_mismatch(model, dict)
  local own, names = model:stateDict()
  for _, name in ipairs(names) do
    local src = dict[name]
    if not src then return string.format("missing tensor '%s'", name) end
    if shape(src) ~= shape(own[name]) then
      return string.format("tensor '%s' has shape [%s], the model needs [%s]", name, shape(src), shape(own[name]))
    end
  end
  for name in pairs(dict) do
    if not own[name] then return string.format("unexpected tensor '%s'", name) end
  end
end

local function copy_state(model, dict)
  local own = model:stateDict()
  for name, dst in pairs(own) do dst:copy(dict[name]) end
  return model
end

--- Copies the tensors of dict into model's parameters and buffers (names as in
-- model:stateDict()); a missing, extra or misshapen tensor is an error.
function M.loadStateDict(model, dict)
  if type(model) ~= "table" or type(model.stateDict) ~= "function" then
    error("loadStateDict: expected an nn model, got " .. type(model), 2)
  end
  if type(dict) ~= "table" then error("loadStateDict: expected a table of tensors, got " .. type(dict), 2) end
  local why = state_mismatch(model, dict)
  if why then error("loadStateDict: " .. why, 2) end
  return copy_state(model, dict)
end

--- The model's inference graph: {version = 1, encode = node, decode = node} for a model
-- class that names its entry points in graphEntries (child names, applied in order),
-- {version = 1, forward = node} otherwise. Nodes come from each layer's graphNode
-- (nn/Module.lua); a layer that cannot be described raises.
function M.graph(model)
  if type(model) ~= "table" or type(model.graphNode) ~= "function" then
    error("models.io.graph: expected an nn model (with graphNode), got " .. type(model), 2)
  end
  local g = {version = 1}
  for entry, path in pairs(model.graphEntries or {forward = {}}) do
    local nodes = {}
    if #path == 0 then nodes[1] = model:graphNode("") end
    for i, name in ipairs(path) do
      local child
      for k, m in ipairs(model.modules or {}) do
        if model:childName(k) == name then child = m end
      end
      if not child then error(string.format("models.io.graph: %s has no child '%s'", model.__typename, name), 2) end
      nodes[i] = child:graphNode(name .. ".")
    end
    g[entry] = #nodes == 1 and nodes[1] or {type = "Sequential", children = nodes}
  end
  return g
end

--- Writes model (and metadata) to path atomically: true, or nil and a message.
function M.save(model, path, metadata)
  if type(model) ~= "table" or type(model.stateDict) ~= "function" then
    error("models.io.save: expected an nn model (with stateDict), got " .. type(model), 2)
  end
  if type(path) ~= "string" then error("models.io.save: path must be a string", 2) end
  local meta = {format = "semeq"}
  for k, v in pairs(metadata or {}) do
    meta[k] = type(v) == "string" and v or json.encode(v)
  end
  if model.config and not meta.config then meta.config = json.encode(model.config) end
  if not meta.graph then
    -- left out when a layer cannot be described: the C runtime then refuses the file
    local described, graph = pcall(M.graph, model)
    if described then meta.graph = json.encode(graph) end
  end
  local dict, names = model:stateDict()
  local tensors = {}
  for i, name in ipairs(names) do tensors[i] = dict[name]:contiguous() end
  return safetensors.save(path, names, tensors, meta)
end

-- The first number in config (a table from JSON) that cannot be a size of a model stored in
-- `floats` weights: not finite, or larger than the weights themselves (every width of a
-- layer is a dimension of one of its tensors).
local function oversized(config, floats, where, depth)
  if type(config) == "number" then
    if config ~= config or math.abs(config) == math.huge then return where .. " is not a finite number" end
    if config > floats then
      return string.format("%s = %.0f is larger than the file's %d weights", where, config, floats)
    end
  elseif type(config) == "table" and (depth or 0) < 16 then
    local keys = {}
    for k in pairs(config) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)  -- the same field every run
    for _, k in ipairs(keys) do
      local bad = oversized(config[k], floats, where .. "." .. tostring(k), (depth or 0) + 1)
      if bad then return bad end
    end
  end
end

-- models.build(config) with every parameter buffer capped near what the file holds
-- (nn.Module.budget), so that a config asking for gigabytes stops at its first large layer.
local function build_within(config, floats)
  local Module = require("semeq.nn").Module
  -- twice the file plus 1M floats: small mismatches still reach the message naming the tensor
  Module.budget = 2 * floats + 2 ^ 20
  -- settled inside the window: the whole tree's buffer is checked too, not only each layer's
  local built, model = pcall(function() return models.build(config):settle() end)
  Module.budget = nil
  return built, model
end

--- Reads path: model, metadata (strings), or the raw tensors and metadata of a file
-- without a config; nil and a message if the file cannot be read or does not fit.
function M.load(path)
  if type(path) ~= "string" then error("models.io.load: path must be a string", 2) end
  local tensors, _, meta = safetensors.load(path)
  if not tensors then return nil, _ end
  if not meta.config then return tensors, meta end
  local config, err = json.decode(meta.config)
  if type(config) ~= "table" or #config > 0 then
    return nil, string.format("%s: __metadata__.config: %s", path, err or "expected a JSON object")
  end
  local floats = 0
  for _, t in pairs(tensors) do floats = floats + t:numel() end
  local bad = oversized(config, floats, "config")
  if bad then return nil, string.format("%s: __metadata__.%s", path, bad) end
  if not models.kinds[config.kind] then
    return nil, string.format("%s: unknown model kind '%s' (known: %s)", path, tostring(config.kind),
      table.concat(models.kind_names(), ", "))
  end
  local built, model = build_within(config, floats)
  if not built then return nil, string.format("%s: %s", path, tostring(model)) end
  local why = state_mismatch(model, tensors)
  if why then return nil, string.format("%s: %s", path, why) end
  return copy_state(model, tensors), meta
end

return M
