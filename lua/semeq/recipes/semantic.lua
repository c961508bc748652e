--- semeq's semantic model (models.semantic_axis) on SAFE: grouped k-fold over users,
-- every setting tuned inside the training users of each fold, then one model fitted on
-- every row with the same frozen procedure. Behind scripts/train_semantic.lua.
--
--   local recipe = require "semeq.recipes.semantic"
--   local cv = recipe.cross_validate(opts)    -- {folds = {report...}, pooled = {...}} or nil, message
--   local sm = recipe.fit(ex, users, opts)    -- a semantic model fitted on ex's training rows
--
-- What is tuned, and on what (the preset is the grids; the choice is made again inside
-- every training set, never on the rows a result is reported on):
--   shrinkage of the within-term covariance  by the accuracy of the word axis on 3 inner
--                                            folds over the training users
--   tau (how committed the word column is)   by the silhouette of the word column on the
--                                            same inner folds
-- The style size (15 principal components of the residual) and the input (the response
-- at the 40 graphic-EQ centres) are fixed.
local T = require "semeq.tensor"
local errors = require "semeq.util.errors"
local list = require "semeq.util.list"
local metrics = require "semeq.metrics"
local models = require "semeq.models"
local prepare = require "semeq.data.prepare"
local semantic = require "semeq.semantic"
local tune = require "semeq.eval.tune"
local cv = require "semeq.eval.cv"
local report = require "semeq.eval.report"
local recipes = require "semeq.recipes"

local M = {}

M.defaults = {data = "safe", min_examples = 10, folds = 5, seed = 1, style = 15,
              shrinkages = {0.5, 0.9, 0.99}, taus = {0.05, 0.1, 0.25, 0.5}, bootstrap = 200}

function M.flags(d)
  d = d or M.defaults
  return {
    {"data", "string", d.data, "dataset: safe or a SAFE-format file"},
    {"min-examples", "integer", d.min_examples, "keep terms with at least this many examples", min = 2},
    {"terms", "strings", d.terms, "keep only these terms (comma-separated keys)"},
    {"folds", "integer", d.folds, "grouped k-fold over users for the held-out evaluation (0: none)", min = 0},
    {"seed", "integer", d.seed, "random seed (the order of users of equal size in the folds)", min = 0},
    {"style", "integer", d.style, "style columns (principal components of what is not the word)", min = 0, max = 38},
    {"shrinkages", "numbers", d.shrinkages, "candidate covariance shrinkages (chosen inside each training set)",
     min = 0, max = 1},
    {"taus", "numbers", d.taus, "candidate word-column temperatures (chosen inside each training set)", min = 1e-3},
    {"bootstrap", "integer", d.bootstrap, "bootstrap resamples of users for the intervals (0: none)", min = 0},
    {"threads", "integer", 1, "OpenBLAS threads", min = 1, max = 256},
    {"out", "string", nil, "write the model fitted on every row here (.safetensors)"},
    {"json", "string", nil, "write the cross-validated report here (.json)"},
    {"svg", "string", nil, "write the held-out word/intensity map of every fold here (.svg)"},
    {"quiet", "boolean", false, "no line per fold"},
  }
end

-- The model's word prediction for codes Z: the term whose code is nearest in the word columns.
local function word_accuracy(model, Z, labels)
  local q = model.config.axes
  local hit = 0
  for i = 1, Z:size(1) do
    local best, dist = nil, math.huge
    for k, term in ipairs(model.config.terms) do
      local d = (Z[i]:narrow(1, 1, q) - model:term_code(k):narrow(1, 1, q)):norm()
      if d < dist then best, dist = term, d end
    end
    if best == labels[i] then hit = hit + 1 end
  end
  return hit / #labels
end

local function build(ex, style, tau)
  local classes = metrics.encode(ex.y.train)
  return models.semantic_axis{input = ex.X.train:size(2), axes = #classes - 1, style = style, tau = tau,
                              terms = classes}
end

--- The semantic model fitted on ex's training rows, its shrinkage and tau chosen on inner
-- folds over users (one per training row). Returns the semantic wrapper and the choice.
function M.fit(ex, users, opts)
  local X, y = ex.X.train, ex.y.train
  local folds = tune.folds(y, users, 3)
  local function fitted(rows, shrinkage, tau)
    local sub = {X = {train = X:index_select(1, rows)}, y = {train = list.take(y, rows)}}
    if list.distinct(sub.y.train) < 2 then return nil end
    local m = build(sub, opts.style, tau)
    return m:fit(sub.X.train, sub.y.train, {shrinkage = shrinkage})
  end
  local tau0 = opts.taus[1]
  local shrinkage = tune.choose(opts.shrinkages, folds, function(tr, va, v)
    local m = fitted(tr, v, tau0)
    return m and word_accuracy(m, m:encode(X:index_select(1, va)), list.take(y, va))
  end)
  local tau = tune.choose(opts.taus, folds, function(tr, va, v)
    local m = fitted(tr, shrinkage, v)
    local yv = list.take(y, va)
    if not m or list.distinct(yv) < 2 or list.distinct(yv) >= #yv then return nil end
    return metrics.silhouette(m:encode(X:index_select(1, va)):narrow(2, 1, m.config.axes):contiguous(), yv)
  end)
  local model = build(ex, opts.style, tau):fit(X, y, {shrinkage = shrinkage})
  model:evaluate()
  local sm = semantic.from_training(model, ex, {recipe = "train_semantic.lua", shrinkage = shrinkage, tau = tau})
  return sm, {shrinkage = shrinkage, tau = tau}
end

-- The map's title: what it shows and the pooled scores of its x axis.
local function map_title(result)
  local i = result.pooled.intervals
  local sil, knn = result.pooled.silhouette, result.pooled.knn_accuracy
  return string.format("held-out users, %d folds: word silhouette %.2f, 5-NN %.2f%s", #result.folds,
    i and i.silhouette.pooled or sil.weighted, i and i.knn_accuracy.pooled or knn.weighted, i and " (pooled)" or "")
end

--- Grouped k-fold over users (semeq.eval.cv): every fold's report (with the settings chosen
-- inside its training users) and the pooled summary; nil and a message if the data cannot
-- be read or split. log(report) is called after each fold.
function M.cross_validate(opts, log)
  return cv.run{data = opts.data, min_examples = opts["min-examples"], terms = opts.terms, folds = opts.folds,
    seed = opts.seed, input = "curve40", bootstrap = opts.bootstrap, log = log,
    fit = function(ex, train_users) return M.fit(ex, train_users, opts) end}
end

-- One line per fold for the progress log.
local function fold_line(r)
  return string.format("fold %d: %d rows of %d users held out; word silhouette %.3f, DB %.3f, 5-NN %.3f; edits %.2f; "
    .. "recon %.3f dB (tau %g, shrinkage %g)", r.fold, r.n, r.held_out_users, r.silhouette or 0 / 0,
    r.davies_bouldin or 0 / 0, r.knn_accuracy, r.edit_success or 0 / 0, r.recon_e2e_rms_db_mean or 0 / 0,
    r.chosen.tau, r.chosen.shrinkage)
end

--- The script: cross-validate, print the table, fit on every row, write what was asked.
function M.run(name, description)
  errors.main(name, function()
    local opts = recipes.parse(name, description, M.flags())
    if opts.folds == 0 and not opts.out then errors.usage("--folds 0 evaluates nothing: give --out FILE to save a model") end
    if opts.folds == 1 then errors.usage("--folds must be 0 (no evaluation) or at least 2 (each user held out once)") end
    recipes.check_outputs(opts)
    local kept = errors.check(prepare.dataset{data = opts.data, min_examples = opts["min-examples"], terms = opts.terms,
      strict_terms = true})
    if #kept:terms() < 2 then
      errors.usage(string.format("the model tells terms apart: it needs at least 2, and %s leaves only '%s'",
        opts.terms and "--terms" or "--min-examples", kept:terms()[1].key))
    end
    recipes.print_plan{ds = kept, seed = opts.seed, opts = opts,
      split = opts.folds > 0 and string.format("grouped %d-fold over users (each user held out once), then "
        .. "fitted on all rows", opts.folds) or "none (--folds 0): fitted on all rows",
      model = string.format("semantic_axis: a word axis (shrinkage LDA), an intensity and %d style columns; "
        .. "40-point curves in, latent %d", opts.style, 2 * (#kept:terms() - 1) + opts.style)}
    local result
    if opts.folds > 0 then
      result = errors.check(M.cross_validate(opts, not opts.quiet and function(r) io.stderr:write(fold_line(r), "\n") end))
      print(result.summary)
      print()
      print(report.cv_table(result, string.format("semeq's semantic model, grouped %d-fold over users", opts.folds)))
      if opts.json then errors.check(report.write_json(opts.json, {folds = result.folds, pooled = result.pooled})) end
      if opts.svg then
        local word_and_intensity = T.cat(result.codes, 1):narrow(2, 1, 2):contiguous()
        errors.check(require("semeq.eval.plot").latent_map(word_and_intensity, result.labels, opts.svg,
          {title = map_title(result), xlabel = "word column s = tanh(t / tau)",
           ylabel = "intensity column e (along the word axis, beyond s)"}))
        print("map written to " .. opts.svg)
      end
    end
    if opts.out then
      local ds, kind = errors.check(prepare.dataset{data = opts.data, min_examples = opts["min-examples"], terms = opts.terms})
      local ex = prepare.represent(ds, kind, nil, {input = "curve40", method = "none (every row)"})
      local sm = M.fit(ex, cv.groups_of(ex.train.records), opts)
      errors.check(sm:save(opts.out, {metrics = result and result.pooled or nil, folds = result and result.folds or nil}))
      print("model fitted on all " .. ex.train:size() .. " rows written to " .. opts.out)
      print(recipes.usage_line(opts.out, sm.terms))
    end
  end)
end

return M
