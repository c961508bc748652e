--- semeq.eval: the evaluation protocol every recipe reports.
--
-- Clustering is measured on held-out rows only: the encoder's latent codes of the test
-- split, next to the same metrics on two raw spaces of the same rows (the normalised
-- parameters and the dB response), so a table shows whether the encoder helps at all.
-- kNN classifies each held-out row by its 5 nearest *training* rows in the same space.
-- Reconstruction is the RMS dB difference, per held-out example, between the response
-- of the input and of its reconstruction, next to PCA with as many components as the
-- latent has (fitted on the training split).
local T = require "semeq.tensor"
local metrics = require "semeq.metrics"
local list = require "semeq.util.list"

local evaluate = {}

local distinct, take = list.distinct, list.take

--- Clustering and retrieval scores of held-out rows in one space.
-- opts: k (5), bootstrap (reps; 0 for none), alpha (0.05).
function evaluate.scores(train_X, train_y, test_X, test_y, opts)
  opts = opts or {}
  local k = opts.k or 5
  local out = {n = test_X:size(1)}
  if distinct(test_y) >= 2 and distinct(test_y) < #test_y then
    out.silhouette = metrics.silhouette(test_X, test_y)
    out.davies_bouldin = metrics.davies_bouldin(test_X, test_y)
  end
  local acc, pred = metrics.knn_accuracy(train_X, train_y, test_X, test_y, k)
  out.knn_accuracy = acc
  out.macro_f1 = metrics.macro_f1(test_y, pred)
  local reps = opts.bootstrap or 200
  if reps > 0 and out.silhouette then
    local function sil(idx)
      local y = take(test_y, idx)
      if distinct(y) < 2 then return 0 end
      return metrics.silhouette(test_X:index_select(1, idx), y)
    end
    local _, lo, hi = metrics.bootstrap(sil, #test_y, {reps = reps, alpha = opts.alpha})
    out.silhouette_ci = {lo, hi}
    local hits = {}
    for i, p in ipairs(pred) do hits[i] = p == test_y[i] and 1 or 0 end
    local function acc_of(idx)
      local s = 0
      for _, j in ipairs(idx) do s = s + hits[j] end
      return s / #idx
    end
    _, lo, hi = metrics.bootstrap(acc_of, #test_y, {reps = reps * 5, alpha = opts.alpha})
    out.knn_accuracy_ci = {lo, hi}
  end
  return out
end

--- X_test projected on the first k principal components of X_train and back.
function evaluate.pca_reconstruction(X_train, X_test, k)
  k = math.min(k, X_train:size(2))
  local p = metrics.pca(X_train, k)
  local centred = X_test - p.mean:view(1, -1)
  local codes = T.mm(centred, p.components:t())
  return T.mm(codes, p.components) + p.mean:view(1, -1)
end

local function copy_scores(dst, src)
  for _, key in ipairs {"n", "silhouette", "davies_bouldin", "knn_accuracy", "macro_f1", "silhouette_ci", "knn_accuracy_ci"} do
    dst[key] = src[key]
  end
  return dst
end

--- The whole protocol for a trained model on a prepared experiment (semeq.experiment).
-- model: encode(X) -> codes, decode(codes) -> reconstruction (in the representation).
-- train_codes (optional): codes of the training rows for kNN (default: encode X.train).
-- Returns a flat report: latent metrics at the top level, baseline_params and
-- baseline_response with the same keys, recon_rms_db_{mean,p95} and pca_rms_db_{mean,p95}.
function evaluate.model(ex, model, opts)
  opts = opts or {}
  local Ztest = model:encode(ex.X.test):clone()
  local Ztrain = opts.train_codes or model:encode(ex.X.train):clone()
  local Xhat = model:decode(Ztest):clone()
  local report = {n = ex.X.test:size(1), terms = distinct(ex.y.test), latent_size = Ztest:size(2)}
  if ex.clusterable then
    local train_y = opts.train_labels or ex.y.train
    copy_scores(report, evaluate.scores(Ztrain, train_y, Ztest, ex.y.test, opts))
    local btrain = opts.baseline_train or ex.rep:baseline(ex.train.records)
    local btest = ex.rep:baseline(ex.test.records)
    report.baseline_params = copy_scores({}, evaluate.scores(btrain.params, train_y, btest.params, ex.y.test, opts))
    report.baseline_response = copy_scores({}, evaluate.scores(btrain.response, train_y, btest.response, ex.y.test, opts))
  end
  local truth = ex.rep:db(ex.X.test)
  local recon = metrics.rms_db(ex.rep:db(Xhat), truth)
  report.recon_rms_db_mean, report.recon_rms_db_p95 = recon.mean, recon.p95
  if opts.pca ~= false then
    local k = Ztest:size(2)
    local pca = metrics.rms_db(ex.rep:db(evaluate.pca_reconstruction(ex.X.train, ex.X.test, k)), truth)
    report.pca_components = math.min(k, ex.X.train:size(2))
    report.input_size = ex.X.train:size(2)
    report.pca_rms_db_mean, report.pca_rms_db_p95 = pca.mean, pca.p95
  end
  return report
end

return evaluate
