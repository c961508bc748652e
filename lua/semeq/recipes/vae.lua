--- The FlowEQ β-VAE experiment behind scripts/train_vae.lua: data -> model -> training
-- -> held-out evaluation -> a term's place in the latent space -> files.
--
-- Defaults are FlowEQ's (Steinmetz 2020; csteinmetz1/flowEQ train/models.py, train.py):
-- encoder 13 -> 1024 ReLU -> (mu, log sigma^2), decoder latent -> 1024 ReLU -> 13
-- sigmoid; MAE reconstruction + beta x KL; Adam 1e-3, batch 8, 200 epochs; beta = 0 for
-- 50 epochs, then + 1/5000 per epoch up to beta_max = 0.001; latent 2; trained on the
-- two most frequent (stemmed) terms, on SAFE warm and bright. Two differences, on
-- purpose: rows are split by user (FlowEQ took the first 800 rows), and by default the
-- parameters are normalised as every semeq model does (safe13: log-frequency and log-Q
-- scaled with ranges fitted on the training split); --ranges floweq gives FlowEQ's
-- linear scaling with its fixed ranges instead (representation floweq13).
--
-- A term's place: the centroid of its codes, or (--placement classifier) where a linear
-- classifier on the latent means is surest of it (semeq.semantic.placement).
-- run(name, description, defaults) parses the command line with those defaults;
-- run_opts(opts) runs from a table of (parsed) options, as scripts/sweep.lua does.
local T = require "semeq.tensor"
local errors = require "semeq.util.errors"
local prepare = require "semeq.data.prepare"
local models = require "semeq.models"
local objectives = require "semeq.train.objectives"
local train = require "semeq.train"
local evaluate = require "semeq.eval"
local semantic = require "semeq.semantic"
local placement = require "semeq.semantic.placement"
local recipes = require "semeq.recipes"

local DEFAULTS = {min_examples = 1, epochs = 200, batch = 8, lr = 1e-3, latent = 2}

local function flags(d)
  d = d or DEFAULTS
  local f = recipes.training_flags(d)
  local more = {
    {"top-terms", "integer", d.top_terms or 2, "keep the N most frequent terms (0: all; --terms overrides)", min = 0},
    {"stem", "boolean", d.stem ~= false, "merge comparatives into their stem (brighter -> bright)"},
    {"ranges", "string", d.ranges or "fitted",
     "parameter scaling: fitted (safe13, log, training ranges) or floweq (linear, fixed)", choices = {"fitted", "floweq"}},
    {"hidden", "integer", d.hidden or 1024, "hidden units of encoder and decoder", min = 1, max = 65536},
    {"beta-max", "number", d.beta_max or 0.001, "final KL weight (FlowEQ also tried 0.01 and 0.02)", min = 0},
    {"beta-delay", "integer", d.beta_delay or 50, "epochs with beta = 0", min = 0},
    {"beta-step", "number", d.beta_step or 1 / 5000, "beta increase per epoch after the delay", min = 0},
    {"loss", "string", d.loss or "mae", "reconstruction loss: mae (FlowEQ) or mse", choices = {"mae", "mse"}},
    {"placement", "string", d.placement or "centroid", "a term's place: centroid or classifier",
     choices = {"centroid", "classifier"}},
  }
  for _, x in ipairs(more) do f[#f + 1] = x end
  return f
end

--- Trains the β-VAE of opts on ex's training rows: the semantic model (terms placed as
-- --placement says, on the training codes) and what training did, or nil and a message.
-- ready(ex, model), if given, is called when training can start (after a --resume was checked).
local function train_model(ex, opts, ready)
  -- 13 normalised parameters lie in [0, 1] (FlowEQ's sigmoid); dB curves do not.
  local model = models.beta_vae{input = ex.rep.size, latent = opts.latent, hidden = opts.hidden, beta = 0,
    output = ex.rep.size == 13 and "sigmoid" or "linear"}
  local beta = objectives.floweq_beta(opts["beta-max"], opts["beta-delay"], opts["beta-step"])
  local history, err = train.fit{model = model, n = ex.X.train:size(1), epochs = opts.epochs, batch = opts.batch,
    step = objectives.vae(model, ex.X.train, {loss = opts.loss, beta = beta}),
    config = {learningRate = opts.lr}, quiet = opts.quiet, on_start = ready and function() ready(ex, model) end,
    checkpoint_path = opts.checkpoint, checkpoint_every = opts["checkpoint-every"], resume = opts.resume,
    run = recipes.run_of(opts, ex, model, {"placement"})}
  if not history then return nil, err end
  model.beta = beta(opts.epochs)
  -- The semantic wrapper's encode is the encoder's mean (mu): what FlowEQ plots and places.
  local sm = semantic.from_training(model, ex, {recipe = opts.recipe, opts = opts, stem = opts.stem})
  sm.info.placement = opts.placement
  if opts.placement == "classifier" and ex.clusterable then
    local placed
    placed, err = placement.classifier(sm, sm:encode(ex.X.train), ex.y.train)
    if not placed then return nil, err end
  end
  return sm, {parameters = model:nparams(), beta = model.beta, final_loss = history.loss[opts.epochs],
              resumed_from = history.resumed}
end

local function prepare_opts(opts)
  local top = opts["top-terms"]
  return {data = opts.data, min_examples = opts["min-examples"], terms = opts.terms, strict_terms = true,
    stem = opts.stem, top_terms = (not opts.terms and top and top > 0) and top or nil,
    split = opts.split, test = opts.test, seed = opts.seed, input = opts.input,
    rep = opts.ranges == "floweq" and opts.input ~= "curve40" and "floweq13" or nil}
end

--- One split (--folds 0): the report, the semantic model and the experiment, or nil and a
-- message; ready as for train_model.
local function run_opts(opts, ready)
  T.manualSeed(opts.seed)
  local ex, err = prepare.prepare(prepare_opts(opts))
  if not ex then return nil, err end
  local sm, trained = train_model(ex, opts, ready)
  if not sm then return nil, trained end
  local result = evaluate.model(ex, sm, {bootstrap = opts.bootstrap})
  result.placement = {method = "centroid"}
  if opts.placement == "classifier" and ex.clusterable then
    -- the same fit as in training (on the training codes), now scored on held-out rows
    result.placement, err = placement.classifier(sm, sm:encode(ex.X.test), ex.y.test)
    if not result.placement then return nil, err end
  end
  result.model = {kind = "beta_vae", parameters = trained.parameters, latent = opts.latent, hidden = opts.hidden,
                  representation = ex.rep.kind, beta = trained.beta, beta_max = opts["beta-max"], loss = opts.loss,
                  epochs = opts.epochs, seed = opts.seed, final_loss = trained.final_loss,
                  resumed_from = trained.resumed_from}
  return result, sm, ex
end

-- What the plan line says about the model and its training.
local function describe(opts, rep_kind)
  return {model = string.format("beta-VAE (latent %d, hidden %d, %s, beta up to %g)", opts.latent, opts.hidden,
      rep_kind or (opts.ranges == "floweq" and "floweq13" or "safe13"), opts["beta-max"]),
    training = string.format("%d epochs, batch %d, Adam lr %g", opts.epochs, opts.batch, opts.lr)}
end

local M = {flags = flags, run_opts = run_opts, train = train_model, defaults = DEFAULTS}

--- The script: parse, check the outputs, run (k folds, or one split with --folds 0),
-- print and write (under errors.main).
function M.run(name, description, defaults)
  errors.main(name, function()
    local opts = recipes.parse(name, description, flags(defaults or DEFAULTS))
    opts.recipe = name
    recipes.check_outputs(opts)
    if opts.folds > 0 then
      local p = prepare_opts(opts)
      opts.top_terms, opts.rep = p.top_terms, p.rep
      recipes.cross_validated(opts, "beta-VAE on " .. opts.data,
        function(ex) return errors.check(train_model(ex, opts)) end, describe(opts))
      return
    end
    local result, sm, ex = errors.check(run_opts(opts, function(ex, model)
      local plan = describe(opts, ex.rep.kind)
      recipes.print_plan{ds = ex.data, split = recipes.split_line(ex, opts), seed = opts.seed, opts = opts,
        model = plan.model, params = model:nparams(), training = plan.training}
    end))
    recipes.finish(opts, ex, sm, result,
      string.format("beta-VAE (%d parameters, beta %.4g, %s) on %s", result.model.parameters, result.model.beta,
        result.model.representation, opts.data))
    if result.placement.method == "classifier" then
      print(string.format("placement: classifier (train accuracy %.3f, held-out %.3f)",
        result.placement.train_accuracy, result.placement.test_accuracy))
    end
  end)
end

return M
