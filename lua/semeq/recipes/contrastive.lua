--- The contrastive-autoencoder experiment behind scripts/train_filtered.lua and
-- scripts/train_full.lua: data -> model -> training -> held-out evaluation -> files.
-- run(name, description, defaults) parses the command line with those defaults.
local T = require "semeq.tensor"
local errors = require "semeq.util.errors"
local metrics = require "semeq.metrics"
local prepare = require "semeq.data.prepare"
local models = require "semeq.models"
local objectives = require "semeq.train.objectives"
local train = require "semeq.train"
local evaluate = require "semeq.eval"
local semantic = require "semeq.semantic"
local recipes = require "semeq.recipes"

local function flags(d)
  local f = recipes.training_flags(d)
  local more = {
    {"lambda", "number", d.lambda or 0.5, "weight of the contrastive loss", min = 0},
    {"temperature", "number", d.temperature or 0.1, "contrastive temperature", min = 1e-6},
    {"loss", "string", d.loss or "contrastive", "contrastive (the seed's) or supcon (Khosla et al.'s L_out)",
     choices = {"contrastive", "supcon"}},
    {"widths", "integers", d.widths or {128, 256, 128}, "hidden layer widths", min = 1, max = 8192},
    {"dropout", "number", d.dropout or 0.1, "dropout in the residual blocks", min = 0, max = 0.99},
    {"head", "string", d.head or "auto", "decoder output: auto (sigmoid for SAFE parameters), sigmoid or linear",
     choices = {"auto", "sigmoid", "linear"}},
    {"blocks", "string", d.blocks or "residual", "encoder/decoder layers: residual (the seed's) or mlp",
     choices = {"residual", "mlp"}},
    {"semantic", "integer", d.semantic, "latent columns the contrastive loss sees (default: all)", min = 1, max = 4096},
    {"style-scale", "number", d.style_scale or 1, "scale of the other latent columns", min = 0},
    {"branches", "string", d.branches or "shared",
     "shared encoder, or split: separate encoders for the semantic and other columns", choices = {"shared", "split"}},
    {"synthetic", "integer", d.synthetic or 0,
     "synthetic settings added to each batch for reconstruction only (safe13, curve40, graphic40)", min = 0, max = 100000},
  }
  for _, x in ipairs(more) do f[#f + 1] = x end
  return f
end

-- The decoder's last layer: a sigmoid bounds normalised SAFE parameters to [0, 1].
local function output_head(head, rep_kind)
  if head == "sigmoid" or (head == "auto" and (rep_kind == "safe13" or rep_kind == "floweq13")) then return "safe13" end
  return "linear"
end

--- Runs the experiment from a table of options (the parsed flags); returns the report,
-- the semantic model and the experiment, or nil and a message (data that cannot be
-- read, a run that diverges). ready(ex, model), if given, is called when training can
-- start (after a --resume was checked).
local function experiment_run(opts, ready)
  -- 1. Data: filter, split (users held out for SAFE), represent.
  T.manualSeed(opts.seed)
  local ex, err = prepare.prepare{data = opts.data, min_examples = opts["min-examples"], terms = opts.terms,
    strict_terms = true,
    split = opts.split, test = opts.test, seed = opts.seed, input = opts.input}
  if not ex then return nil, err end

  -- 2. Model: the seed's architecture, sized to this representation.
  local model = models.contrastive_ae{input = ex.rep.size, latent = opts.latent, widths = opts.widths,
    dropout = opts.dropout, output = output_head(opts.head, ex.rep.kind), blocks = opts.blocks,
    semantic = opts.semantic, style_scale = opts["style-scale"], branches = opts.branches}

  -- 3. Train: reconstruction + lambda x contrastive loss, Adam.
  local _, labels = metrics.encode(ex.y.train)
  local history
  history, err = train.fit{model = model, n = ex.X.train:size(1), epochs = opts.epochs, batch = opts.batch,
    step = objectives.contrastive(model, ex.X.train, labels,
      {lambda = opts.lambda, temperature = opts.temperature, loss = opts.loss,
       synthetic = ex.rep.random and function(n) return ex.rep:random(n) end, synthetic_rows = opts.synthetic}),
    config = {learningRate = opts.lr}, quiet = opts.quiet, on_start = ready and function() ready(ex, model) end,
    checkpoint_path = opts.checkpoint, checkpoint_every = opts["checkpoint-every"], resume = opts.resume,
    run = recipes.run_of(opts, ex, model)}
  if not history then return nil, err end

  -- 4. Evaluate on the held-out rows.
  local sm = semantic.from_training(model, ex, {recipe = opts.recipe, opts = opts})
  local result = evaluate.model(ex, sm, {bootstrap = opts.bootstrap})
  result.model = {kind = "contrastive_ae", parameters = model:nparams(), latent = opts.latent,
                  lambda = opts.lambda, epochs = opts.epochs, seed = opts.seed, final_loss = history.loss[opts.epochs],
                  resumed_from = history.resumed}
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
              widths = {256, 256}, dropout = 0, semantic = 2, style_scale = 0.05, branches = "split", synthetic = 16,
              input = "curve40"},
}

--- The script: parse, check the outputs, run, print and write (under errors.main).
function M.run(name, description, defaults)
  errors.main(name, function()
    local opts = recipes.parse(name, description, flags(defaults))
    opts.recipe = name
    recipes.check_outputs(opts)
    local result, sm, ex = errors.check(experiment_run(opts, function(ex, model)
      recipes.print_plan{ds = ex.data, split = recipes.split_line(ex, opts), seed = opts.seed, opts = opts,
        model = string.format("contrastive autoencoder (%s blocks, latent %d, lambda %g)", opts.blocks, opts.latent,
          opts.lambda), params = model:nparams(),
        training = string.format("%d epochs, batch %d, Adam lr %g", opts.epochs, opts.batch, opts.lr)}
    end))
    recipes.finish(opts, ex, sm, result,
      string.format("contrastive autoencoder (%d parameters) on %s", result.model.parameters, opts.data))
  end)
end

return M
