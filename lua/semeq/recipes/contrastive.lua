--- The contrastive-autoencoder experiment behind scripts/train_filtered.lua and
-- scripts/train_full.lua: data -> model -> training -> held-out evaluation -> files.
-- run(name, description, defaults) parses the command line with those defaults.
local T = require "semeq.tensor"
local experiment = require "semeq.experiment"
local models = require "semeq.models"
local objectives = require "semeq.objectives"
local train = require "semeq.train"
local evaluate = require "semeq.evaluate"
local semantic = require "semeq.semantic"
local recipe = require "semeq.recipe"

local function flags(d)
  local f = recipe.training_flags(d)
  f[#f + 1] = {"lambda", "number", d.lambda or 0.5, "weight of the contrastive loss"}
  f[#f + 1] = {"temperature", "number", d.temperature or 0.1, "contrastive temperature"}
  f[#f + 1] = {"loss", "string", d.loss or "contrastive", "contrastive (the seed's) or supcon"}
  f[#f + 1] = {"widths", "string", d.widths or "128,256,128", "residual block widths"}
  f[#f + 1] = {"dropout", "number", d.dropout or 0.1, "dropout in the residual blocks"}
  f[#f + 1] = {"head", "string", d.head or "auto", "decoder output: auto (sigmoid for SAFE parameters), sigmoid or linear"}
  f[#f + 1] = {"blocks", "string", d.blocks or "residual", "encoder/decoder layers: residual (the seed's) or mlp"}
  f[#f + 1] = {"semantic", "integer", d.semantic, "latent columns the contrastive loss sees (default: all)"}
  f[#f + 1] = {"style-scale", "number", d.style_scale or 1, "scale of the other latent columns"}
  f[#f + 1] = {"branches", "string", d.branches or "shared", "shared encoder, or split: separate encoders for the semantic and other columns"}
  f[#f + 1] = {"synthetic", "integer", d.synthetic or 0, "synthetic settings added to each batch for reconstruction only (safe13, curve40, graphic40)"}
  return f
end

local function integers(text)
  local out = {}
  for _, w in ipairs(recipe.list(text)) do out[#out + 1] = math.tointeger(tonumber(w)) end
  return out
end

-- The decoder's last layer: a sigmoid bounds normalised SAFE parameters to [0, 1].
local function output_head(head, rep_kind)
  if head == "sigmoid" or (head == "auto" and (rep_kind == "safe13" or rep_kind == "floweq13")) then return "safe13" end
  return "linear"
end

--- Runs the experiment from a table of options (the parsed flags); returns the
-- report, the semantic model and the experiment.
local function experiment_run(opts)
  -- 1. Data: filter, split (users held out for SAFE), represent.
  T.manualSeed(opts.seed)
  local ex = experiment.prepare{data = opts.data, min_examples = opts["min-examples"], terms = recipe.list(opts.terms),
    split = opts.split, test = opts.test, seed = opts.seed, input = opts.input}

  -- 2. Model: the seed's architecture, sized to this representation.
  local model = models.contrastive_ae{input = ex.rep.size, latent = opts.latent, widths = integers(opts.widths),
    dropout = opts.dropout, output = output_head(opts.head, ex.rep.kind), blocks = opts.blocks,
    semantic = opts.semantic, style_scale = opts["style-scale"], branches = opts.branches}

  -- 3. Train: reconstruction + lambda x contrastive loss, Adam.
  local labels = recipe.term_ids(ex.y.train)
  local history = train.fit{model = model, n = ex.X.train:size(1), epochs = opts.epochs, batch = opts.batch,
    step = objectives.contrastive(model, ex.X.train, labels,
      {lambda = opts.lambda, temperature = opts.temperature, loss = opts.loss,
       synthetic = ex.rep.random and function(n) return ex.rep:random(n) end, synthetic_rows = opts.synthetic}),
    config = {learningRate = opts.lr}, quiet = opts.quiet,
    checkpoint_path = opts.checkpoint, checkpoint_every = opts["checkpoint-every"], resume = opts.resume}

  -- 4. Evaluate on the held-out rows.
  local sm = semantic.from_training(model, ex, {recipe = opts.recipe, opts = opts})
  local result = evaluate.model(ex, sm, {bootstrap = opts.bootstrap})
  result.model = {kind = "contrastive_ae", parameters = model:nparams(), latent = opts.latent,
                  lambda = opts.lambda, epochs = opts.epochs, seed = opts.seed, final_loss = history.loss[opts.epochs]}
  return result, sm, ex
end

local M = {flags = flags, run_opts = experiment_run}

--- The configurations the scripts run (each script's header says why).
M.presets = {
  -- scripts/train_filtered.lua: the seed's attempt 2.
  seed = {min_examples = 10, lambda = 0.5, epochs = 100, latent = 32, batch = 16, lr = 1e-3},
  -- scripts/train_full.lua: the seed's attempt 1.
  full = {min_examples = 1, lambda = 0.1, epochs = 50, latent = 32, batch = 16, lr = 1e-3},
  -- scripts/train_semantic.lua: semeq's model.
  semantic = {min_examples = 10, lambda = 0.5, epochs = 300, latent = 32, batch = 16, lr = 1e-3, blocks = "mlp",
              widths = "256,256", dropout = 0, semantic = 2, style_scale = 0.05, branches = "split", synthetic = 16,
              input = "curve40"},
}

function M.run(name, description, defaults)
  local opts = recipe.parse(name, description, flags(defaults))
  opts.recipe = name
  local result, sm, ex = experiment_run(opts)
  recipe.finish(opts, ex, sm, result,
    string.format("contrastive autoencoder (%d parameters) on %s", result.model.parameters, opts.data))
  return result
end

return M
