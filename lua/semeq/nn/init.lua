-- semeq.nn: layers, losses and model files with Torch7's protocol.
--
--   local nn = require "semeq.nn"
--   local mlp = nn.Sequential():add(nn.Linear(2, 8)):add(nn.Tanh()):add(nn.Linear(8, 1))
--   local crit = nn.MSECriterion()
--   local params, grads = mlp:flat()         -- one flat buffer for the whole model
--   mlp:zeroGradParameters()
--   local loss = crit:forward(mlp:forward(x), y)
--   mlp:backward(x, crit:backward(mlp.output, y))
--   nn.save(mlp, "mlp.safetensors", {note = "hello"}); local same = nn.load("mlp.safetensors")
--
-- One class per file in lua/semeq/nn/; the kernels are in C (semeq.nn.core, semeq.nn.io).
local io_core = require "semeq.nn.io"

local nn = {}

local CLASSES = {
  "Module", "Container", "Sequential", "Identity", "Linear", "Activation", "ReLU", "LeakyReLU",
  "GELU", "Tanh", "Sigmoid", "Softplus", "LayerNorm", "BatchNorm", "Dropout", "Residual",
  "Criterion", "MSECriterion", "L1Criterion", "SmoothL1Criterion", "CrossEntropyCriterion",
  "SupConCriterion", "ContrastiveCriterion", "KLCriterion", "Reparameterize", "Narrow", "ColumnScale", "Concat",
}
for _, name in ipairs(CLASSES) do nn[name] = require("semeq.nn." .. name) end

nn.json = {encode = io_core.json_encode, decode = io_core.json_decode}

-- β for KL annealing: linear from 0 to beta over `warmup` steps after `delay` steps
-- (delay defaults to 0). klAnneal(step, {beta=, warmup=, delay=}).
function nn.klAnneal(step, cfg)
  local beta, warmup, delay = cfg.beta or 1, cfg.warmup or 0, cfg.delay or 0
  if step < delay then return 0 end
  if warmup <= 0 then return beta end
  return beta * math.min(1, (step - delay) / warmup)
end

-- Copies the tensors of dict into model's parameters and buffers; every name must be
-- present with the same shape, and no name may be left over.
function nn.loadStateDict(model, dict, where)
  where = where or "loadStateDict"
  local own, names = model:stateDict()
  for _, name in ipairs(names) do
    local src = dict[name]
    if not src then error(string.format("%s: missing tensor '%s'", where, name), 0) end
    local dst = own[name]
    if table.concat(src:size(), "x") ~= table.concat(dst:size(), "x") then
      error(string.format("%s: tensor '%s' has shape [%s], the model needs [%s]", where, name,
        table.concat(src:size(), "x"), table.concat(dst:size(), "x")), 0)
    end
    dst:copy(src)
  end
  for name in pairs(dict) do
    if not own[name] then error(string.format("%s: unexpected tensor '%s'", where, name), 0) end
  end
  return model
end

-- The model's inference graph, stored by nn.save as metadata "graph" so that the C model
-- runtime (src/core/model_graph.c) can evaluate the file without the Lua constructors:
-- {version = 1, encode = node, decode = node} for a model class that names its entry points
-- in graphEntries (child names, applied in order), {version = 1, forward = node} otherwise.
-- Nodes come from each layer's graphNode (see Module.lua).
function nn.graph(model)
  local g = {version = 1}
  for entry, path in pairs(model.graphEntries or {forward = {}}) do
    local nodes = {}
    if #path == 0 then nodes[1] = model:graphNode("") end
    for i, name in ipairs(path) do
      local child
      for k, m in ipairs(model.modules or {}) do
        if model:childName(k) == name then child = m end
      end
      if not child then error(string.format("nn.graph: %s has no child '%s'", model.__typename, name), 0) end
      nodes[i] = child:graphNode(name .. ".")
    end
    g[entry] = #nodes == 1 and nodes[1] or {type = "Sequential", children = nodes}
  end
  return g
end

-- save(model, path [, metadata]): a safetensors file with PyTorch state-dict names.
-- metadata values that are not strings are stored as JSON; model.config (if any) is stored
-- under "config" so that nn.load can rebuild the model, and its inference graph (nn.graph)
-- under "graph" (left out when a layer cannot be described: the C runtime then refuses
-- the file, the Lua side still loads it).
function nn.save(model, path, metadata)
  assert(type(path) == "string", "nn.save: path must be a string")
  if type(model) ~= "table" or type(model.stateDict) ~= "function" then
    error("nn.save: expected an nn model (with stateDict), got " .. type(model), 2)
  end
  local meta = {format = "semeq"}
  for k, v in pairs(metadata or {}) do
    meta[k] = type(v) == "string" and v or io_core.json_encode(v)
  end
  if model.config and not meta.config then meta.config = io_core.json_encode(model.config) end
  if not meta.graph then
    local described, graph = pcall(nn.graph, model)
    if described then meta.graph = io_core.json_encode(graph) end
  end
  local dict, names = model:stateDict()
  local tensors = {}
  for i, name in ipairs(names) do tensors[i] = dict[name]:contiguous() end
  io_core.save(path, names, tensors, meta)
end

-- The first number in config (a table from JSON) that cannot be a size of a model stored in
-- `floats` weights: not finite, or larger than the weights themselves (every width of a
-- layer is a dimension of one of its tensors). Checked before anything is built, so that
-- loops over a width and allocations stay within what the file paid for.
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

-- load(path) -> model, metadata. With a "config" entry the model is rebuilt by
-- semeq.models.build and its weights filled in; without one, returns the raw tensors
-- ({name = tensor}) instead of a model.
function nn.load(path)
  assert(type(path) == "string", "nn.load: path must be a string")
  local ok, tensors, _, meta = pcall(io_core.load, path)
  if not ok then error((tostring(tensors):gsub("^[^\n]-:%d+: (nn%.load: )", "%1")), 0) end
  if not meta.config then return tensors, meta end
  local ok, config = pcall(io_core.json_decode, meta.config)
  if not ok then error(string.format("nn.load: %s: __metadata__.config: %s", path, config), 0) end
  if type(config) ~= "table" or #config > 0 then error(string.format("nn.load: %s: __metadata__.config: expected a JSON object", path), 0) end
  local floats = 0
  for _, t in pairs(tensors) do floats = floats + t:numel() end
  local bad = oversized(config, floats, "config")
  if bad then error(string.format("nn.load: %s: __metadata__.%s", path, bad), 0) end
  local Module = nn.Module
  -- twice the file plus 4 MB: small mismatches still reach loadStateDict's message naming
  -- the tensor, while a config asking for gigabytes stops at its first large layer
  Module.budget = 2 * floats + 2 ^ 20
  local built, model = pcall(require("semeq.models").build, config)
  Module.budget = nil
  if not built then error(string.format("nn.load: %s: %s", path, tostring(model)), 0) end
  nn.loadStateDict(model, tensors, "nn.load: " .. path)
  return model, meta
end

return nn
