--- semeq.models.io: model files — the one place that knows how a file becomes a model.
--
--   local mio = require "semeq.models.io"
--   assert(mio.save(model, "m.safetensors", {note = "hello"}))  -- true, or nil, message
--   local model, meta = mio.load("m.safetensors")                -- or nil, message
--   mio.loadStateDict(model, tensors)                            -- copy weights in (raises on a mismatch)
--
-- A file is safetensors with PyTorch state-dict names (semeq.safetensors); metadata values
-- that are not strings are stored as JSON, and model.config (if any) under "config", so
-- that load can rebuild the model through semeq.models.build. A file without a config
-- loads as its raw tensors ({name = tensor}). Files that cannot be read, or whose tensors
-- do not fit their config, are environment failures: nil and a message naming the file.
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
  local dict, names = model:stateDict()
  local tensors = {}
  for i, name in ipairs(names) do tensors[i] = dict[name]:contiguous() end
  return safetensors.save(path, names, tensors, meta)
end

--- Reads path: model, metadata (strings), or the raw tensors and metadata of a file
-- without a config; nil and a message if the file cannot be read or does not fit.
function M.load(path)
  if type(path) ~= "string" then error("models.io.load: path must be a string", 2) end
  local tensors, _, meta = safetensors.load(path)
  if not tensors then return nil, _ end
  if not meta.config then return tensors, meta end
  local config, err = json.decode(meta.config)
  if type(config) ~= "table" then
    return nil, string.format("%s: __metadata__.config: %s", path, err or "not a JSON object")
  end
  if not models.kinds[config.kind] then
    return nil, string.format("%s: unknown model kind '%s' (known: %s)", path, tostring(config.kind),
      table.concat(models.kind_names(), ", "))
  end
  local built, model = pcall(models.build, config)
  if not built then return nil, string.format("%s: config does not describe a model: %s", path, tostring(model)) end
  local why = state_mismatch(model, tensors)
  if why then return nil, string.format("%s: %s", path, why) end
  return copy_state(model, tensors), meta
end

return M
