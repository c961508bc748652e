--- semeq.eval.cv: the evaluation protocol every training recipe shares — k-fold cross-
-- validation with the held-out side of each fold scored by semeq.eval, and the folds
-- pooled with intervals from a bootstrap over users.
--
--   local result = cv.run{data = "safe", min_examples = 10, folds = 5, seed = 1, input = "curve40",
--                         fit = function(ex, train_groups, f) return sm, chosen end,  -- or nil, message
--                         bootstrap = 200,
--                         log = function(report) end}
--   --> {folds = {report...}, pooled = {...}, codes = {[f] = held-out codes}, labels = {...},
--        summary = "..."}, or nil and a message (data that cannot be read or split, a fit that fails)
--
-- SAFE is split by user (every user, the largest included, held out exactly once; see
-- data.split.kfold), SocialFX and Audealize by rows stratified per term (they have no user
-- ids; each row is then its own group). `fit` sees only the training side of a fold: any
-- setting it tunes must be chosen inside those rows (train_groups lets it hold out users
-- there too). The pooled summary gives, per metric, the mean of the folds and the mean
-- weighted by held-out rows; with bootstrap > 0 also the pooled value of every held-out
-- row with a 95 % interval from resampling users, including the paired difference of the
-- 5-NN accuracy and each raw space's on the same resampled users.
local metrics = require "semeq.metrics"
local prepare = require "semeq.data.prepare"
local split = require "semeq.data.split"
local evaluate = require "semeq.eval"

local cv = {}

local POOLED = {"silhouette", "davies_bouldin", "knn_accuracy", "latent_silhouette_z", "edit_success",
                "edit_change_db", "swap_change_db", "edit_monotone", "recon_e2e_rms_db_mean", "pca_e2e_rms_db_mean",
                "recon_rms_db_mean", "pca_rms_db_mean"}
local BASELINE_POOLED = {"silhouette", "davies_bouldin", "knn_accuracy"}
local RAW = {"raw_params", "raw_response", "raw_curve40"}

--- The group (user) of every record: its user id, or the row itself when it has none.
function cv.groups_of(records)
  local out = {}
  for i, r in ipairs(records) do out[i] = r.user or ("row" .. i) end
  return out
end

-- Mean of get(report) over the folds: unweighted, and weighted by held-out rows.
local function fold_means(reports, get)
  local sum, wsum, n, rows = 0, 0, 0, 0
  for _, r in ipairs(reports) do
    local v = get(r)
    if v ~= nil and v == v then
      sum, wsum, n, rows = sum + v, wsum + v * r.n, n + 1, rows + r.n
    end
  end
  if n == 0 then return nil end
  return {mean = sum / n, weighted = wsum / rows, folds = n}
end

local function mean_of(values)
  return function(idx)
    local s = 0
    for _, i in ipairs(idx) do s = s + values[i] end
    return s / #idx
  end
end

-- The per-row values of every fold, concatenated: groups, and each series by name.
local function concatenated(all_rows)
  local out = {groups = {}, silhouette = {}, knn_accuracy = {}, recon_e2e_rms_db_mean = {},
               edit_groups = {}, edit_success = {}}
  for _, name in ipairs(RAW) do out["knn_accuracy_minus_" .. name] = {} end
  local function push(t, v) t[#t + 1] = v end
  for _, rows in ipairs(all_rows) do
    for i, g in ipairs(rows.group) do
      push(out.groups, g)
      if rows.silhouette then push(out.silhouette, rows.silhouette[i]) end
      if rows.knn_hit then push(out.knn_accuracy, rows.knn_hit[i]) end
      if rows.e2e then push(out.recon_e2e_rms_db_mean, rows.e2e[i]) end
      for _, name in ipairs(RAW) do
        local raw = rows.baseline_knn_hit and rows.baseline_knn_hit[name]
        if raw then push(out["knn_accuracy_minus_" .. name], rows.knn_hit[i] - raw[i]) end
      end
    end
    for _, e in ipairs(rows.edits or {}) do
      push(out.edit_groups, rows.group[e.row])
      push(out.edit_success, e.success)
    end
  end
  return out
end

-- Pooled values of the rows every fold held out, with intervals from a bootstrap over users.
local function pooled_intervals(all_rows, reps)
  local c = concatenated(all_rows)
  local out = {}
  local series = {"silhouette", "knn_accuracy", "recon_e2e_rms_db_mean"}
  for _, name in ipairs(RAW) do series[#series + 1] = "knn_accuracy_minus_" .. name end
  for _, name in ipairs(series) do
    local v = c[name]
    if #v == #c.groups and #v > 0 then
      local est, lo, hi = metrics.bootstrap_groups(mean_of(v), c.groups, {reps = reps})
      out[name] = {pooled = est, ci = {lo, hi}}
    end
  end
  if #c.edit_success > 0 then
    local est, lo, hi = metrics.bootstrap_groups(mean_of(c.edit_success), c.edit_groups, {reps = reps})
    out.edit_success = {pooled = est, ci = {lo, hi}}
  end
  return out
end

local function pooled_summary(reports, all_rows, reps)
  local p = {}
  for _, key in ipairs(POOLED) do p[key] = fold_means(reports, function(r) return r[key] end) end
  p.baselines = {}
  for name in pairs(reports[1].baselines or {}) do
    p.baselines[name] = {}
    for _, key in ipairs(BASELINE_POOLED) do
      p.baselines[name][key] = fold_means(reports, function(r) return r.baselines[name][key] end)
    end
  end
  if reps > 0 then p.intervals = pooled_intervals(all_rows, reps) end
  return p
end

--- Runs the protocol (see the header). opts: data, min_examples, terms, top_terms,
-- stoplist, stem (as data.prepare.dataset), folds (>= 2), seed, input (as data.prepare.represent), fit,
-- bootstrap (200), log.
function cv.run(opts)
  local ds, kind = prepare.dataset{data = opts.data, min_examples = opts.min_examples, terms = opts.terms,
                                   top_terms = opts.top_terms, stoplist = opts.stoplist, stem = opts.stem}
  if not ds then return nil, kind end
  local by = kind == "safe" and "user" or "term"
  local folds, err = split.kfold(ds, opts.folds, {by = by, seed = opts.seed})
  if not folds then return nil, err end
  local reps = opts.bootstrap or 200
  local reports, all_rows, codes, labels = {}, {}, {}, {}
  for f, fold in ipairs(folds) do
    local ex = prepare.represent(ds, kind, fold, {input = opts.input, rep = opts.rep,
      method = string.format("fold %d of %d (%s)", f, opts.folds, by == "user" and "users" or "rows per term")})
    local train_groups, test_groups = cv.groups_of(ex.train.records), cv.groups_of(ex.test.records)
    local sm, chosen = opts.fit(ex, train_groups, f)
    if not sm then return nil, string.format("fold %d: %s", f, tostring(chosen)) end
    local r, rows = evaluate.model(ex, sm, {bootstrap = reps, groups = {train = train_groups, test = test_groups}})
    r.fold, r.chosen = f, chosen
    local distinct = {}
    for _, g in ipairs(test_groups) do distinct[g] = true end
    r.held_out_groups = 0
    for _ in pairs(distinct) do r.held_out_groups = r.held_out_groups + 1 end
    r.held_out_users = by == "user" and r.held_out_groups or nil
    reports[f], all_rows[f] = r, rows
    codes[f] = sm:encode(ex.X.test):clone()
    for _, y in ipairs(ex.y.test) do labels[#labels + 1] = y end
    if opts.log then opts.log(r) end
  end
  return {folds = reports, pooled = pooled_summary(reports, all_rows, reps), codes = codes, labels = labels,
          by = by, summary = ds:summary()}
end

return cv
