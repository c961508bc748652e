--- semeq.eval: the evaluation protocol every recipe and scripts/evaluate.lua report.
--
--   local report, rows = evaluate.model(ex, sm, {bootstrap = 200, groups = {train = users, test = users}})
--
-- On held-out rows only, fitted on the training rows only:
-- - clustering and retrieval of the model's code: on its semantic columns (the columns
--   its config names; this is `silhouette`, `davies_bouldin`, `knn_accuracy` at the top
--   level, and `semantic_silhouette`), and on the whole latent with each column z-scored
--   by the training codes' statistics (`latent_*_z`); 5-NN classifies a held-out code by
--   its 5 nearest training codes;
-- - the same scores of the baselines (semeq.eval.baselines: the raw spaces and three
--   supervised codes) under `baselines`, and the two raw spaces also under the older keys
--   `baseline_params` and `baseline_response`;
-- - reconstruction in the model's own space (`recon_rms_db_*`, next to PCA with as many
--   components as the latent, `pca_rms_db_*`);
-- - for SAFE models, whether the words steer (semeq.eval.steer): edits judged by an
--   independent classifier, their size next to swapping to the term's typical setting and
--   to response arithmetic, and reconstruction end to end through realisable settings.
-- Confidence intervals resample users when opts.groups gives them. `rows` holds per-row
-- values (user, semantic silhouette, kNN hit and each baseline's, end-to-end error, edit
-- success) for pooling several folds.
local T = require "semeq.tensor"
local metrics = require "semeq.metrics"
local list = require "semeq.util.list"
local scores = require "semeq.eval.scores"
local baselines = require "semeq.eval.baselines"
local steer = require "semeq.eval.steer"
local represent = require "semeq.settings.represent"

local evaluate = {}

evaluate.scores = scores.of

local distinct = list.distinct

--- X_test projected on the first k principal components of X_train and back.
function evaluate.pca_reconstruction(X_train, X_test, k)
  if not (T.isTensor(X_train) and X_train:dim() == 2 and T.isTensor(X_test) and X_test:dim() == 2
          and X_test:size(2) == X_train:size(2)) then
    error("pca_reconstruction: X_train and X_test must be 2-D tensors with the same columns", 2)
  end
  if math.type(k) ~= "integer" or k < 1 then error("pca_reconstruction: k must be an integer >= 1, got " .. tostring(k), 2) end
  k = math.min(k, X_train:size(2))
  local p = metrics.pca(X_train, k)
  local centred = X_test - p.mean:view(1, -1)
  local codes = T.mm(centred, p.components:t())
  return T.mm(codes, p.components) + p.mean:view(1, -1)
end

local SCORE_KEYS = {"n", "silhouette", "davies_bouldin", "knn_accuracy", "macro_f1", "silhouette_ci", "knn_accuracy_ci"}

local function copy_scores(dst, src, suffix)
  for _, key in ipairs(SCORE_KEYS) do dst[key .. (suffix or "")] = src[key] end
  return dst
end

local function columns(Z, cols)
  return Z:index_select(2, cols)
end

-- Columns z-scored with the training codes' means and standard deviations.
local function zscored(Ztrain, Ztest)
  local z = require("semeq.linear").standardizer(Ztrain)
  return z:apply(Ztrain), z:apply(Ztest)
end

-- SAFE settings [n x 13] of records.
local function settings_of(records)
  local rows = {}
  for i, r in ipairs(records) do rows[i] = r.params:view(1, -1) end
  return T.cat(rows, 1)
end

local function is_safe(rep) return rep.kind ~= "graphic40" end

-- The spaces the baselines read: the representation's two raw spaces, and for SAFE the
-- response at the 40 graphic-EQ centres.
local function spaces(rep, records, raw)
  local s = {params = raw.params, response = raw.response}
  if is_safe(rep) then s.curve40 = represent.curve40(settings_of(records)) end
  return s
end

-- Clustering of the code (semantic columns and z-scored latent) and the baselines.
-- Returns the held-out semantic codes, their kNN predictions and each baseline's.
local function clustering(report, ex, sm, Ztrain, Ztest, train_y, opts)
  local sem = sm.semantic_columns and sm:semantic_columns() or nil
  local opts_test = {bootstrap = opts.bootstrap, groups = opts.groups and opts.groups.test}
  local Strain, Stest = Ztrain, Ztest
  if sem then Strain, Stest = columns(Ztrain, sem), columns(Ztest, sem) end
  local s, pred = scores.of(Strain, train_y, Stest, ex.y.test, opts_test)
  copy_scores(report, s)
  report.semantic_silhouette = report.silhouette
  report.semantic_columns = sem
  local Zr, Ze = zscored(Ztrain, Ztest)
  local zs = scores.of(Zr, train_y, Ze, ex.y.test, {bootstrap = 0})
  report.latent_silhouette_z, report.latent_davies_bouldin_z = zs.silhouette, zs.davies_bouldin
  report.latent_knn_accuracy_z = zs.knn_accuracy
  local train_records = opts.train_records or ex.train.records
  local rtrain = opts.baseline_train or ex.rep:baseline(train_records)
  local rtest = ex.rep:baseline(ex.test.records)
  local baseline_pred
  report.baselines, baseline_pred = baselines.all({spaces = spaces(ex.rep, train_records, rtrain), y = train_y},
    {spaces = spaces(ex.rep, ex.test.records, rtest), y = ex.y.test},
    {bootstrap = opts.bootstrap, train_groups = opts.groups and opts.groups.train,
     test_groups = opts.groups and opts.groups.test})
  report.baseline_params = copy_scores({}, report.baselines.raw_params)
  report.baseline_response = copy_scores({}, report.baselines.raw_response)
  return Stest, pred, baseline_pred
end

-- 1 where a prediction is the row's term, else 0.
local function hits_of(pred, y)
  local h = {}
  for i, p in ipairs(pred) do h[i] = p == y[i] and 1 or 0 end
  return h
end

-- Steering and end-to-end reconstruction (SAFE models).
local function steering(report, ex, sm, train_y, opts)
  local train_records = opts.train_records or ex.train.records
  local Ptr, Pte = settings_of(train_records), settings_of(ex.test.records)
  local judge = steer.judge(Ptr, train_y, {groups = opts.groups and opts.groups.train})
  local hit, pred = 0, judge:predict(Pte)
  for i, p in ipairs(pred) do if p == ex.y.test[i] then hit = hit + 1 end end
  report.judge = {accuracy = hit / #pred, l2 = judge.l2, inner_accuracy = judge.inner_accuracy}
  local e = steer.edits(sm, Pte, ex.y.test, judge, {train_P = Ptr, train_labels = train_y})
  report.edit_success, report.edit_success_by_term = e.success_min, e.success
  report.edit_change_db, report.swap_change_db = e.change_db, e.swap_db
  report.edit_monotone, report.edit_out_of_range, report.edit_rows = e.monotone, e.out_of_range, e.rows
  report.edit_probability_by_amount = e.by_amount
  report.arithmetic = e.arithmetic
  local r = steer.reconstruction(sm, Ptr, Pte)
  report.recon_e2e_rms_db_mean, report.recon_e2e_rms_db_p95 = r.mean, r.p95
  report.pca_e2e_rms_db_mean, report.pca_e2e_rms_db_p95 = r.pca_mean, r.pca_p95
  return e.per_row, r.per_row
end

--- The whole protocol for a semantic model (semeq.semantic) on a prepared experiment
-- (semeq.data.prepare). opts: bootstrap (200; 0 for none), groups = {train =, test =}
-- (users, for inner folds and user-level intervals), steer (false to skip the edits);
-- for a saved model without its experiment: train_codes, train_labels, train_records,
-- baseline_train. Returns the report (see the header) and the per-row values.
function evaluate.model(ex, sm, opts)
  if type(ex) ~= "table" or type(ex.X) ~= "table" or not T.isTensor(ex.X.test) or type(ex.y) ~= "table" then
    error("evaluate.model: ex must be an experiment from semeq.data.prepare, got " .. type(ex), 2)
  end
  if type(sm) ~= "table" or type(sm.encode) ~= "function" or type(sm.decode) ~= "function" then
    error("evaluate.model: sm must be a semantic model (semeq.semantic), got " .. type(sm), 2)
  end
  opts = opts or {}
  local Ztest = sm:encode(ex.X.test):clone()
  local Ztrain = opts.train_codes or sm:encode(ex.X.train):clone()
  local Xhat = sm:decode(Ztest):clone()
  local train_y = opts.train_labels or ex.y.train
  local report = {n = ex.X.test:size(1), terms = distinct(ex.y.test), latent_size = Ztest:size(2)}
  local rows = {group = opts.groups and opts.groups.test}
  if ex.clusterable then
    local Stest, pred, baseline_pred = clustering(report, ex, sm, Ztrain, Ztest, train_y, opts)
    if report.silhouette then rows.silhouette = metrics.silhouette_samples(Stest, ex.y.test) end
    rows.knn_hit, rows.baseline_knn_hit = hits_of(pred, ex.y.test), {}
    for name, p in pairs(baseline_pred) do rows.baseline_knn_hit[name] = hits_of(p, ex.y.test) end
  end
  local truth = ex.rep:db(ex.X.test)
  local recon = metrics.rms_db(ex.rep:db(Xhat), truth)
  report.recon_rms_db_mean, report.recon_rms_db_p95 = recon.mean, recon.p95
  local k = Ztest:size(2)
  local pca = metrics.rms_db(ex.rep:db(evaluate.pca_reconstruction(ex.X.train, ex.X.test, k)), truth)
  report.pca_components = math.min(k, ex.X.train:size(2))
  report.input_size = ex.X.train:size(2)
  report.pca_rms_db_mean, report.pca_rms_db_p95 = pca.mean, pca.p95
  if is_safe(ex.rep) and ex.clusterable and opts.steer ~= false and distinct(train_y) >= 2 then
    rows.edits, rows.e2e = steering(report, ex, sm, train_y, opts)
  end
  return report, rows
end

return evaluate
