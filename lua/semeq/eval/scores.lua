--- semeq.eval.scores: clustering and retrieval scores of held-out rows in one space.
--
--   local s = scores.of(train_X, train_y, test_X, test_y, {k = 5, bootstrap = 200, groups = test_users})
--   --> {n, silhouette, davies_bouldin, knn_accuracy, macro_f1, silhouette_ci, knn_accuracy_ci},
--       and the kNN prediction of each held-out row
--
-- kNN classifies each held-out row by its k nearest training rows. Silhouette and
-- Davies-Bouldin need two terms and more rows than terms (else they are left out).
-- Confidence intervals resample whole groups (users) when groups are given — rows of one
-- person are not independent — and rows otherwise.
local T = require "semeq.tensor"
local metrics = require "semeq.metrics"
local list = require "semeq.util.list"

local scores = {}

local distinct, take = list.distinct, list.take

local function interval(stat, n, groups, reps, alpha)
  if groups then
    local _, lo, hi = metrics.bootstrap_groups(stat, groups, {reps = reps, alpha = alpha})
    return {lo, hi}
  end
  local _, lo, hi = metrics.bootstrap(stat, n, {reps = reps, alpha = alpha})
  return {lo, hi}
end

function scores.of(train_X, train_y, test_X, test_y, opts)
  for _, a in ipairs {{"train_X", train_X}, {"test_X", test_X}} do
    if not (T.isTensor(a[2]) and a[2]:dim() == 2) then error("scores.of: " .. a[1] .. " must be a 2-D tensor [n x d]", 2) end
  end
  for _, a in ipairs {{"train_y", train_y}, {"test_y", test_y}} do
    if type(a[2]) ~= "table" then error("scores.of: " .. a[1] .. " must be a list of labels, got " .. type(a[2]), 2) end
  end
  opts = opts or {}
  local out = {n = test_X:size(1)}
  if distinct(test_y) >= 2 and distinct(test_y) < #test_y then
    out.silhouette = metrics.silhouette(test_X, test_y)
    out.davies_bouldin = metrics.davies_bouldin(test_X, test_y)
  end
  local acc, pred = metrics.knn_accuracy(train_X, train_y, test_X, test_y, opts.k or 5)
  out.knn_accuracy = acc
  out.macro_f1 = metrics.macro_f1(test_y, pred)
  local reps = opts.bootstrap or 200
  if reps > 0 and out.silhouette then
    out.silhouette_ci = interval(function(idx)
      local y = take(test_y, idx)
      if distinct(y) < 2 then return 0 end
      return metrics.silhouette(test_X:index_select(1, idx), y)
    end, #test_y, opts.groups, reps, opts.alpha)
    local hits = {}
    for i, p in ipairs(pred) do hits[i] = p == test_y[i] and 1 or 0 end
    out.knn_accuracy_ci = interval(function(idx)
      local s = 0
      for _, j in ipairs(idx) do s = s + hits[j] end
      return s / #idx
    end, #test_y, opts.groups, reps * 5, opts.alpha)
  end
  return out, pred
end

return scores
