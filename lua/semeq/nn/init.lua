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

-- save(model, path [, metadata]): a safetensors file with PyTorch state-dict names.
-- metadata values that are not strings are stored as JSON; model.config (if any) is stored
-- under "config" so that nn.load can rebuild the model.
function nn.save(model, path, metadata)
  assert(type(path) == "string", "nn.save: path must be a string")
  local meta = {format = "semeq"}
  for k, v in pairs(metadata or {}) do
    meta[k] = type(v) == "string" and v or io_core.json_encode(v)
  end
  if model.config and not meta.config then meta.config = io_core.json_encode(model.config) end
  local dict, names = model:stateDict()
  local tensors = {}
  for i, name in ipairs(names) do tensors[i] = dict[name]:contiguous() end
  io_core.save(path, names, tensors, meta)
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
  local model = require("semeq.models").build(config)
  nn.loadStateDict(model, tensors, "nn.load: " .. path)
  return model, meta
end

return nn
