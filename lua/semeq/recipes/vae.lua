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
-- A term's place (what sm:term_code and sm:eq_for use):
--   centroid    the mean of the term's training codes (mu), as for every semeq model and
--               as FlowEQ's own train/embeddings.py computes its descriptor codes.
--   classifier  a linear classifier on the latent means (softmax regression fitted on
--               the training mu); a term's place is the point where the classifier is
--               most sure of the term within the data's range: the box spanned by the
--               5th and 95th percentiles of the training codes in each dimension (so
--               that single outliers do not stretch it). log p(term | z) is concave in z,
--               so projected gradient ascent from the centroid finds that point; with
--               two terms it is a corner of the box, the most extreme setting the data
--               supports. (The other natural choice, the probability-weighted mean of the
--               training codes, is no choice: at the fitted optimum of an unregularised
--               softmax regression with a bias, sum_i p_ik z_i = sum_{i in k} z_i and
--               sum_i p_ik = n_k, so it equals the centroid exactly.)
-- run(name, description, defaults) parses the command line with those defaults;
-- run_opts(opts) runs from a table of (parsed) options, as scripts/sweep.lua does.
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local experiment = require "semeq.experiment"
local models = require "semeq.models"
local objectives = require "semeq.objectives"
local train = require "semeq.train"
local evaluate = require "semeq.evaluate"
local semantic = require "semeq.semantic"
local recipe = require "semeq.recipe"

local DEFAULTS = {min_examples = 1, epochs = 200, batch = 8, lr = 1e-3, latent = 2}

local function flags(d)
  d = d or DEFAULTS
  local f = recipe.training_flags(d)
  local more = {
    {"top-terms", "integer", d.top_terms or 2, "keep the N most frequent terms (0: all; --terms overrides)"},
    {"stem", "boolean", d.stem ~= false, "merge comparatives into their stem (brighter -> bright)"},
    {"ranges", "string", d.ranges or "fitted", "parameter scaling: fitted (safe13, log, training ranges) or floweq (linear, fixed)"},
    {"hidden", "integer", d.hidden or 1024, "hidden units of encoder and decoder"},
    {"beta-max", "number", d.beta_max or 0.001, "final KL weight (FlowEQ also tried 0.01 and 0.02)"},
    {"beta-delay", "integer", d.beta_delay or 50, "epochs with beta = 0"},
    {"beta-step", "number", d.beta_step or 1 / 5000, "beta increase per epoch after the delay"},
    {"loss", "string", d.loss or "mae", "reconstruction loss: mae (FlowEQ) or mse"},
    {"placement", "string", d.placement or "centroid", "a term's place: centroid or classifier"},
  }
  for _, x in ipairs(more) do f[#f + 1] = x end
  return f
end

local function check(opts)
  if opts.ranges ~= "fitted" and opts.ranges ~= "floweq" then
    error(string.format("train_vae: --ranges must be fitted or floweq, got '%s'", tostring(opts.ranges)), 0)
  end
  if opts.placement ~= "centroid" and opts.placement ~= "classifier" then
    error(string.format("train_vae: --placement must be centroid or classifier, got '%s'", tostring(opts.placement)), 0)
  end
  if opts.loss ~= "mae" and opts.loss ~= "mse" then
    error(string.format("train_vae: --loss must be mae or mse, got '%s'", tostring(opts.loss)), 0)
  end
end

-- Fits softmax regression (one Linear layer) on codes -> term ids, full batch.
local function fit_classifier(codes, ids, classes, opts)
  local clf = models.classifier{latent = codes:size(2), classes = classes}
  local crit = nn.CrossEntropyCriterion()
  local y = T.new(ids)
  local n = codes:size(1)
  train.fit{model = clf, n = n, epochs = opts.epochs or 300, batch = n, quiet = true,
    config = {learningRate = opts.lr or 0.05},
    step = function(idx)
      local x, t = codes:index_select(1, idx), y:index_select(1, idx)
      local out = clf:forward(x)
      local loss = crit:forward(out, t)
      clf:backward(x, crit:backward(out, t))
      return loss
    end}
  return clf
end

local function accuracy(clf, codes, labels, classes)
  local _, pred = clf:forward(codes):max(2)
  local hits = 0
  for i, p in ipairs(pred:totable()) do
    if classes[math.tointeger(p)] == labels[i] then hits = hits + 1 end
  end
  return hits / #labels
end

-- Per-dimension q-th percentiles of the columns of Z.
local function column_percentiles(Z, q)
  local metrics = require "semeq.metrics"
  local out = {}
  for j = 1, Z:size(2) do
    local col = Z:select(2, j):contiguous():totable()
    table.sort(col)
    out[j] = metrics.percentile(col, q)
  end
  return out
end

-- The point of the box [lo, hi] where softmax(W z + b)[k] is largest: projected
-- gradient ascent on the concave log p_k, from start, with a step shrinking as 1/sqrt(t).
local function most_probable(W, b, k, lo, hi, start)
  local K, d = #W, #lo
  local z, width = {}, 0
  for j = 1, d do
    z[j] = math.min(hi[j], math.max(lo[j], start[j]))
    width = math.max(width, hi[j] - lo[j])
  end
  local function probs()
    local logits, m = {}, -math.huge
    for c = 1, K do
      local v = b[c]
      for j = 1, d do v = v + W[c][j] * z[j] end
      logits[c], m = v, math.max(m, v)
    end
    local sum = 0
    for c = 1, K do logits[c] = math.exp(logits[c] - m); sum = sum + logits[c] end
    for c = 1, K do logits[c] = logits[c] / sum end
    return logits
  end
  for t = 1, 2000 do
    local p = probs()
    local g, norm = {}, 0
    for j = 1, d do -- d log p_k / dz = w_k - sum_c p_c w_c
      local v = W[k][j]
      for c = 1, K do v = v - p[c] * W[c][j] end
      g[j], norm = v, norm + v * v
    end
    if norm < 1e-24 then break end
    local step = 0.1 * width / math.sqrt(t) / math.sqrt(norm)
    for j = 1, d do z[j] = math.min(hi[j], math.max(lo[j], z[j] + step * g[j])) end
  end
  return z, probs()[k]
end

--- Places each term where a linear classifier on the latent means is surest of it
-- (see the header); replaces sm.centroids and returns the classifier's accuracies
-- and each place's probability.
local function classifier_placement(sm, test_codes, test_labels)
  local ids, classes = recipe.term_ids(sm.train_labels)
  if #classes < 2 then error("train_vae: --placement classifier needs at least two terms", 0) end
  local codes = sm.train_codes
  local clf = fit_classifier(codes, ids, #classes, {})
  local linear = clf:get(1)
  local W, b = linear.weight:totable(), linear.bias:totable()
  local lo, hi = column_percentiles(codes, 5), column_percentiles(codes, 95)
  local probability = {}
  for k, key in ipairs(classes) do
    sm.centroids[key], probability[key] = most_probable(W, b, k, lo, hi, sm.centroids[key])
  end
  return {method = "classifier", train_accuracy = accuracy(clf, codes, sm.train_labels, classes),
          test_accuracy = accuracy(clf, test_codes, test_labels, classes), probability = probability,
          box = {lo = lo, hi = hi}}
end

--- Runs the experiment from a table of options (the parsed flags); returns the
-- report, the semantic model and the experiment.
local function run_opts(opts)
  check(opts)
  T.manualSeed(opts.seed)
  local top = opts["top-terms"]
  local ex = experiment.prepare{data = opts.data, min_examples = opts["min-examples"], terms = recipe.list(opts.terms),
    stem = opts.stem, top_terms = (not opts.terms and top and top > 0) and top or nil,
    split = opts.split, test = opts.test, seed = opts.seed, input = opts.input,
    rep = opts.ranges == "floweq" and opts.input ~= "curve40" and "floweq13" or nil}

  -- 13 normalised parameters lie in [0, 1] (FlowEQ's sigmoid); dB curves do not.
  local model = models.beta_vae{input = ex.rep.size, latent = opts.latent, hidden = opts.hidden, beta = 0,
    output = ex.rep.size == 13 and "sigmoid" or "linear"}
  local beta = objectives.floweq_beta(opts["beta-max"], opts["beta-delay"], opts["beta-step"])
  local history = train.fit{model = model, n = ex.X.train:size(1), epochs = opts.epochs, batch = opts.batch,
    step = objectives.vae(model, ex.X.train, {loss = opts.loss, beta = beta}),
    config = {learningRate = opts.lr}, quiet = opts.quiet,
    checkpoint_path = opts.checkpoint, checkpoint_every = opts["checkpoint-every"], resume = opts.resume}
  model.beta = beta(opts.epochs)

  -- The semantic wrapper's encode is the encoder's mean (mu): what FlowEQ plots and places.
  local sm = semantic.from_training(model, ex, {recipe = opts.recipe, opts = opts, stem = opts.stem})
  local result = evaluate.model(ex, sm, {bootstrap = opts.bootstrap})
  sm.info.placement = opts.placement
  if opts.placement == "classifier" and ex.clusterable then
    result.placement = classifier_placement(sm, sm:encode(ex.X.test), ex.y.test)
  else
    result.placement = {method = "centroid"}
  end
  result.model = {kind = "beta_vae", parameters = model:nparams(), latent = opts.latent, hidden = opts.hidden,
                  representation = ex.rep.kind, beta = model.beta, beta_max = opts["beta-max"], loss = opts.loss,
                  epochs = opts.epochs, seed = opts.seed, final_loss = history.loss[opts.epochs]}
  return result, sm, ex
end

local M = {flags = flags, run_opts = run_opts, defaults = DEFAULTS}

function M.run(name, description, defaults)
  local opts = recipe.parse(name, description, flags(defaults or DEFAULTS))
  opts.recipe = name
  local result, sm, ex = run_opts(opts)
  recipe.finish(opts, ex, sm, result,
    string.format("beta-VAE (%d parameters, beta %.4g, %s) on %s", result.model.parameters, result.model.beta,
      result.model.representation, opts.data))
  if result.placement.method == "classifier" then
    print(string.format("placement: classifier (train accuracy %.3f, held-out %.3f)",
      result.placement.train_accuracy, result.placement.test_accuracy))
  end
  return result
end

return M
