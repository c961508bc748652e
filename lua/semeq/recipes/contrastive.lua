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
    {"lambda", "number", d.lambda or 0.5, "weight of the contrastive loss (at the first epoch with --lambda-end)", min = 0},
    {"lambda-end", "number", d.lambda_end, "anneal the weight linearly to this at the last epoch (the seed's SAFE v2)",
     min = 0},
    {"temperature", "number", d.temperature or 0.1, "contrastive temperature", min = 1e-6},
    {"loss", "string", d.loss or "seed",
     "contrastive loss: seed (its SocialFX loss), seed_v2 (its SAFE v2 loss) or supcon (Khosla et al.'s L_out)",
     choices = {"seed", "seed_v2", "supcon"}},
    {"widths", "integers", d.widths or {128, 256, 128}, "hidden layer widths", min = 1, max = 8192},
    {"dropout", "number", d.dropout or 0.1, "dropout in the residual blocks", min = 0, max = 0.99},
    {"tail", "string", d.tail or "seed",
     "decoder output: seed (its three heads), seed_v2 (its sigmoid head), linear or sigmoid",
     choices = {"seed", "seed_v2", "linear", "sigmoid"}},
    {"blocks", "string", d.blocks or "residual", "encoder/decoder layers: residual (the seed's) or mlp",
     choices = {"residual", "mlp"}},
    {"plateau", "integer", d.plateau or 0,
     "halve the learning rate after this many epochs without a better loss (the seed's SAFE v2: 20; 0: never)",
     min = 0, max = 100000},
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

-- The contrastive weight of each epoch: constant, or linear from --lambda at the first
-- epoch to --lambda-end at the last (the seed's progress = (epoch - 1) / (epochs - 1)).
local function lambda_of(opts)
  local a, b = opts.lambda, opts["lambda-end"]
  if not b then return a end
  return function(epoch) return a + (epoch - 1) / math.max(opts.epochs - 1, 1) * (b - a) end
end

--- Trains the model of opts on ex's training rows: the semantic model and what training
-- did ({parameters, final_loss, resumed_from}), or nil and a message (a run that diverges).
-- ready(ex, model), if given, is called when training can start (after a --resume was checked).
local function train_model(ex, opts, ready)
  local model = models.contrastive_ae{input = ex.rep.size, latent = opts.latent, widths = opts.widths,
    dropout = opts.dropout, tail = opts.tail, blocks = opts.blocks,
    semantic = opts.semantic, style_scale = opts["style-scale"], branches = opts.branches}
  local _, labels = metrics.encode(ex.y.train)
  local history, err = train.fit{model = model, n = ex.X.train:size(1), epochs = opts.epochs, batch = opts.batch,
    step = objectives.contrastive(model, ex.X.train, labels,
      {lambda = lambda_of(opts), temperature = opts.temperature, loss = opts.loss,
       synthetic = ex.rep.random and function(n) return ex.rep:random(n) end, synthetic_rows = opts.synthetic}),
    config = {learningRate = opts.lr}, quiet = opts.quiet, on_start = ready and function() ready(ex, model) end,
    plateau = opts.plateau > 0 and {patience = opts.plateau, factor = 0.5} or nil,
    checkpoint_path = opts.checkpoint, checkpoint_every = opts["checkpoint-every"], resume = opts.resume,
    run = recipes.run_of(opts, ex, model)}
  if not history then return nil, err end
  local sm = semantic.from_training(model, ex, {recipe = opts.recipe, opts = opts})
  return sm, {parameters = model:nparams(), final_loss = history.loss[opts.epochs], resumed_from = history.resumed}
end

-- What the plan line says about the model and its training.
local function describe(opts)
  return {model = string.format("contrastive autoencoder (%s blocks, %s tail, latent %d, %s loss, lambda %g%s)",
      opts.blocks, opts.tail, opts.latent, opts.loss, opts.lambda,
      opts["lambda-end"] and string.format(" -> %g", opts["lambda-end"]) or ""),
    training = string.format("%d epochs, batch %d, Adam lr %g%s", opts.epochs, opts.batch, opts.lr,
      opts.plateau > 0 and string.format(", halved after %d epochs without progress", opts.plateau) or "")}
end

--- One split (--folds 0): the report, the semantic model and the experiment, or nil and a
-- message (data that cannot be read, a run that diverges); ready as for train_model.
local function experiment_run(opts, ready)
  T.manualSeed(opts.seed)
  local ex, err = prepare.prepare{data = opts.data, min_examples = opts["min-examples"], terms = opts.terms,
    strict_terms = true,
    split = opts.split, test = opts.test, seed = opts.seed, input = opts.input}
  if not ex then return nil, err end
  local sm, trained = train_model(ex, opts, ready)
  if not sm then return nil, trained end
  local result = evaluate.model(ex, sm, {bootstrap = opts.bootstrap})
  result.model = {kind = "contrastive_ae", parameters = trained.parameters, latent = opts.latent,
                  lambda = opts.lambda, lambda_end = opts["lambda-end"], epochs = opts.epochs, seed = opts.seed,
                  final_loss = trained.final_loss, resumed_from = trained.resumed_from}
  return result, sm, ex
end

local M = {flags = flags, run_opts = experiment_run, train = train_model}

--- The configurations the scripts run (each script's header says why). Nothing here was
-- chosen on held-out rows: they are the seed's settings.
M.presets = {
  -- scripts/train_filtered.lua: the seed's attempt 2 (core/neural_eq_morphing.py's
  -- model and loss; terms with >= 10 examples).
  seed = {data = "socialfx", min_examples = 10, lambda = 0.5, epochs = 100, latent = 32, batch = 16, lr = 1e-3,
          input = "seed"},
  -- scripts/train_full.lua: the seed's attempt 1 (every term).
  full = {data = "socialfx", min_examples = 1, lambda = 0.1, epochs = 50, latent = 32, batch = 16, lr = 1e-3,
          input = "seed"},
  -- scripts/train_safe_v2.lua: the seed's SAFE v2 (core/neural_eq_morphing_safedb_v2.py).
  safe_v2 = {data = "safe", min_examples = 5, lambda = 0.1, lambda_end = 0.5, epochs = 150, latent = 32, batch = 64,
             lr = 1e-3, widths = {64, 128, 64}, tail = "seed_v2", loss = "seed_v2", plateau = 20, input = "seed"},
}

--- The script: parse, check the outputs, run (k folds, or one split with --folds 0),
-- print and write (under errors.main).
function M.run(name, description, defaults)
  errors.main(name, function()
    local opts = recipes.parse(name, description, flags(defaults))
    opts.recipe = name
    recipes.check_outputs(opts)
    if opts.folds > 0 then
      recipes.cross_validated(opts, "contrastive autoencoder on " .. opts.data,
        function(ex) return errors.check(train_model(ex, opts)) end, describe(opts))
      return
    end
    local result, sm, ex = errors.check(experiment_run(opts, function(ex, model)
      local plan = describe(opts)
      recipes.print_plan{ds = ex.data, split = recipes.split_line(ex, opts), seed = opts.seed, opts = opts,
        model = plan.model, params = model:nparams(), training = plan.training}
    end))
    recipes.finish(opts, ex, sm, result,
      string.format("contrastive autoencoder (%d parameters) on %s", result.model.parameters, opts.data))
  end)
end

return M
