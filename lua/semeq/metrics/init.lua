-- semeq.metrics: clustering quality, retrieval accuracy and reconstruction error.
--
--   local metrics = require "semeq.metrics"
--   metrics.silhouette(X, labels [, "euclidean"|"cosine"])
--   metrics.davies_bouldin(X, labels); metrics.calinski_harabasz(X, labels)
--   acc, pred = metrics.knn_accuracy(train_X, train_y, test_X, test_y, k)
--   acc, pred = metrics.knn_loo(X, y, k)                   -- leave-one-out
--   metrics.macro_f1(y_true, y_pred); cm, classes = metrics.confusion(y_true, y_pred)
--   metrics.rms_db(A, B)                                   -- {mean=, p95=, max=, per_row=} in dB
--   est, lo, hi = metrics.bootstrap(stat, n, {reps=, alpha=, seed=})
--   est, lo, hi = metrics.bootstrap_groups(stat, groups, opts)   -- whole groups (users) resampled
--   metrics.silhouette_samples(X, labels [, metric])       -- one silhouette per row (their mean: silhouette)
--   pca = metrics.pca(X, 2)                                -- components, variance, mean, projected
--   metrics.mmd(X, Y, {bandwidth = h [, unbiased = true]}) -- MMD^2, Gaussian kernel (src/core/mmd.h)
--   metrics.median_distance(Z)                             -- the median heuristic's bandwidth
--   metrics.gaussian_kernel(X, Y, h)                       -- [n x m] k(x_i, y_j)
--
-- X is a 2-D tensor [n x d]; labels are a Lua array of strings or integers (an integral float
-- such as 2.0 is the integer 2), or a 1-D tensor of integers. Definitions follow
-- scikit-learn (see src/core/metrics.h).
local T = require "semeq.tensor"
local core = require "semeq.metrics.core"

local M = {}

local function label_list(y, fn, arg)
  if T.isTensor(y) then
    if y:dim() ~= 1 then error(string.format("%s: %s must be a 1-D tensor", fn, arg), 3) end
    local t = y:totable()
    for i, v in ipairs(t) do
      local iv = math.tointeger(v)
      if not iv then error(string.format("%s: %s[%d] = %s is not an integer", fn, arg, i, tostring(v)), 3) end
      t[i] = iv
    end
    return t
  end
  if type(y) ~= "table" then error(string.format("%s: %s must be a table or a tensor of labels", fn, arg), 3) end
  local kind, copy
  for i, v in ipairs(y) do
    if math.type(v) == "float" then  -- 2.0 == 2 in Lua: an integral float (a tensor's totable) is that integer
      local iv = math.tointeger(v)
      if not iv then error(string.format("%s: %s[%d] = %s is not an integer", fn, arg, i, tostring(v)), 3) end
      copy = copy or table.move(y, 1, #y, 1, {})
      copy[i], v = iv, iv
    end
    local k = math.type(v) == "integer" and "integer" or type(v)
    if k ~= "integer" and k ~= "string" then
      error(string.format("%s: %s[%d] is a %s; labels are strings or integers", fn, arg, i, k), 3)
    end
    if kind and k ~= kind then error(string.format("%s: %s mixes strings and integers", fn, arg), 3) end
    kind = k
  end
  return copy or y
end

-- Codes 1..k for the labels of one or more lists, classes sorted (as sklearn does).
function M.encode(...)
  local seen, classes = {}, {}
  for i = 1, select("#", ...) do
    local list = select(i, ...)
    if type(list) ~= "table" then error(string.format("encode: argument %d must be a list of labels, got %s", i, type(list)), 2) end
  end
  for _, list in ipairs {...} do
    for _, v in ipairs(list) do
      if not seen[v] then
        seen[v] = true
        classes[#classes + 1] = v
      end
    end
  end
  table.sort(classes)
  local code = {}
  for i, c in ipairs(classes) do code[c] = i end
  local out = {}
  for i, list in ipairs {...} do
    local codes = {}
    for j, v in ipairs(list) do codes[j] = code[v] end
    out[i] = codes
  end
  return classes, table.unpack(out)
end

local function check_rows(X, y, fn)
  if not T.isTensor(X) then error(fn .. ": X must be a tensor [n x d]", 3) end
  if X:dim() ~= 2 then error(string.format("%s: X must be a 2-D tensor [n x d], got %d dims", fn, X:dim()), 3) end
  if #y ~= X:size(1) then error(string.format("%s: %d labels for %d rows", fn, #y, X:size(1)), 3) end
end

local function cluster_metric(name)
  return function(X, labels, ...)
    -- Integer labels are encoded in C (a Lua pass over 20,000 labels costs more than the
    -- Davies-Bouldin index itself); anything else, and every error, takes the path below.
    if T.isTensor(X) and X:dim() == 2 then
      local v = core[name](X, labels, nil, ...)
      if v ~= nil then return v end
    end
    local y = label_list(labels, name, "labels")
    check_rows(X, y, name)
    local classes, codes = M.encode(y)
    return core[name](X, codes, #classes, ...)
  end
end

M.silhouette = cluster_metric("silhouette")
M.davies_bouldin = cluster_metric("davies_bouldin")
M.calinski_harabasz = cluster_metric("calinski_harabasz")

local function accuracy(y_true, y_pred)
  local hit = 0
  for i, v in ipairs(y_true) do if y_pred[i] == v then hit = hit + 1 end end
  return hit / #y_true
end

-- Accuracy of k-nearest-neighbour classification (euclidean; a tie in votes goes to
-- the smallest label) and the predicted labels.
function M.knn_accuracy(train_X, train_y, test_X, test_y, k)
  train_y = label_list(train_y, "knn_accuracy", "train_y")
  test_y = label_list(test_y, "knn_accuracy", "test_y")
  check_rows(train_X, train_y, "knn_accuracy")
  check_rows(test_X, test_y, "knn_accuracy")
  local classes, codes = M.encode(train_y)
  local pred_codes = core.knn_predict(train_X, codes, #classes, test_X, k or 1, false)
  local pred = {}
  for i, c in ipairs(pred_codes) do pred[i] = classes[c] end
  return accuracy(test_y, pred), pred
end

-- Leave-one-out kNN accuracy: each row is classified by its k nearest other rows.
function M.knn_loo(X, y, k)
  y = label_list(y, "knn_loo", "y")
  check_rows(X, y, "knn_loo")
  local classes, codes = M.encode(y)
  local pred_codes = core.knn_predict(X, codes, #classes, X, k or 1, true)
  local pred = {}
  for i, c in ipairs(pred_codes) do pred[i] = classes[c] end
  return accuracy(y, pred), pred
end

-- Confusion matrix cm[i][j] = count of true class i predicted as j (classes sorted).
function M.confusion(y_true, y_pred)
  y_true = label_list(y_true, "confusion", "y_true")
  y_pred = label_list(y_pred, "confusion", "y_pred")
  if #y_true ~= #y_pred then error(string.format("confusion: %d true labels, %d predicted", #y_true, #y_pred), 2) end
  local classes, t, p = M.encode(y_true, y_pred)
  local cm = {}
  for i = 1, #classes do
    cm[i] = {}
    for j = 1, #classes do cm[i][j] = 0 end
  end
  for i = 1, #t do cm[t[i]][p[i]] = cm[t[i]][p[i]] + 1 end
  return cm, classes
end

-- Unweighted mean of per-class F1 over the classes in y_true or y_pred (sklearn's
-- f1_score(average="macro"), with 0 for a class that is never predicted nor true).
function M.macro_f1(y_true, y_pred)
  local cm, classes = M.confusion(y_true, y_pred)
  if #classes == 0 then error("macro_f1: no labels (y_true and y_pred are empty)", 2) end
  local total = 0
  for c = 1, #classes do
    local tp, fp, fn = cm[c][c], 0, 0
    for o = 1, #classes do
      if o ~= c then
        fp = fp + cm[o][c]
        fn = fn + cm[c][o]
      end
    end
    local den = 2 * tp + fp + fn
    total = total + (den > 0 and 2 * tp / den or 0)
  end
  return total / #classes
end

-- q-th percentile (0..100) of a sorted array, linear interpolation (numpy's default).
local function percentile(sorted, q)
  if type(sorted) ~= "table" or #sorted == 0 then error("percentile: expected a non-empty sorted list of numbers", 2) end
  if type(q) ~= "number" or not (q >= 0 and q <= 100) then
    error("percentile: q must be a number in [0, 100], got " .. tostring(q), 2)
  end
  local pos = (#sorted - 1) * q / 100 + 1
  local lo = math.floor(pos)
  local hi = math.min(lo + 1, #sorted)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
end
M.percentile = percentile

--- Per-row RMS of the difference of two sets of dB curves [n x m] (responses of EQ
-- settings on one frequency grid): {mean =, p95 =, max =, per_row = {...}}. This is the
-- reconstruction error every report gives.
function M.rms_db(A, B)
  if not (T.isTensor(A) and T.isTensor(B)) then error("rms_db: expected two tensors of dB curves", 2) end
  if A:dim() ~= 2 or table.concat(A:size(), "x") ~= table.concat(B:size(), "x") then
    error(string.format("rms_db: expected two [n x m] tensors of the same shape, got [%s] and [%s]",
      table.concat(A:size(), "x"), table.concat(B:size(), "x")), 2)
  end
  local D = A - B
  local per_row = (D * D):mean(2):sqrt():totable()
  local sorted = {}
  for i, v in ipairs(per_row) do sorted[i] = v end
  table.sort(sorted)
  local sum = 0
  for _, v in ipairs(sorted) do sum = sum + v end
  return {mean = sum / #sorted, p95 = percentile(sorted, 95), max = sorted[#sorted], per_row = per_row}
end

-- Percentile bootstrap: stat(indices) is evaluated on reps resamples of 1..n (with
-- replacement); returns stat(1..n), and the alpha/2 and 1 - alpha/2 percentiles.
function M.bootstrap(stat, n, opts)
  opts = opts or {}
  if type(stat) ~= "function" then error("bootstrap: stat must be a function of an index list", 2) end
  if math.type(n) ~= "integer" or n < 1 then error("bootstrap: n must be a positive integer", 2) end
  local reps, alpha = opts.reps or 1000, opts.alpha or 0.05
  if opts.seed ~= nil then T.manualSeed(opts.seed) end
  local all = {}
  for i = 1, n do all[i] = i end
  local est = stat(all)
  local values = {}
  for r = 1, reps do values[r] = stat(T.randint(n, n):totable()) end
  table.sort(values)
  return est, percentile(values, 100 * alpha / 2), percentile(values, 100 * (1 - alpha / 2))
end

--- Per-row silhouette values, in X's row order (0 for a row alone in its group, as
-- scikit-learn's silhouette_samples; their mean is metrics.silhouette), computed as the
-- silhouette is. With fewer than two groups, or every row alone, where the mean is not
-- defined, every value is 0.
function M.silhouette_samples(X, labels, metric)
  if T.isTensor(X) and X:dim() == 2 then
    local v = core.silhouette_samples(X, labels, nil, metric)
    if v ~= nil then return v end
  end
  local y = label_list(labels, "silhouette_samples", "labels")
  check_rows(X, y, "silhouette_samples")
  local classes, codes = M.encode(y)
  if #classes < 2 or #classes > #y - 1 then
    local zeros = {}
    for i = 1, #y do zeros[i] = 0 end
    return zeros
  end
  return core.silhouette_samples(X, codes, #classes, metric)
end

--- Cluster (group) bootstrap: resamples whole groups with replacement — users, when rows
-- of one user are not independent — and evaluates stat on their rows. groups[i] is the
-- group of row i. Returns stat(all rows) and the alpha/2, 1 - alpha/2 percentiles.
function M.bootstrap_groups(stat, groups, opts)
  opts = opts or {}
  if type(stat) ~= "function" then error("bootstrap_groups: stat must be a function of an index list", 2) end
  if type(groups) ~= "table" or #groups < 1 then error("bootstrap_groups: groups must be a non-empty list", 2) end
  local rows_of, names = {}, {}
  for i, g in ipairs(groups) do
    if rows_of[g] == nil then rows_of[g] = {}; names[#names + 1] = g end
    table.insert(rows_of[g], i)
  end
  table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
  local all = {}
  for i = 1, #groups do all[i] = i end
  local est = stat(all)
  return est, select(2, M.bootstrap(function(picks)
    local idx = {}
    for _, p in ipairs(picks) do
      for _, i in ipairs(rows_of[names[p]]) do idx[#idx + 1] = i end
    end
    return stat(idx)
  end, #names, opts))
end

-- Principal components: {components [c x d], variance {...}, mean [d], projected [n x c],
-- explained (fractions of the total variance)}.
function M.pca(X, ncomp)
  if not T.isTensor(X) or X:dim() ~= 2 then error("pca: X must be a 2-D tensor [n x d]", 2) end
  ncomp = ncomp or 2
  local comps, var, mean, proj = core.pca(X, ncomp)
  local Xc = X - mean:view(1, -1)
  local total = (Xc * Xc):sum() / (X:size(1) - 1)
  local explained = {}
  for i, v in ipairs(var) do explained[i] = total > 0 and v / total or 0 end
  return {components = comps, variance = var, mean = mean, projected = proj, explained = explained}
end

--- Squared maximum mean discrepancy between the rows of X [n x d] and Y [m x d] with the
-- Gaussian kernel exp(-|x - y|^2 / (2 h^2)), h = opts.bandwidth (required: take it from
-- metrics.median_distance of a reference sample, so that every comparison uses one
-- kernel). opts.unbiased (default true): the U-statistic, which leaves out k(x_i, x_i)
-- and can be slightly negative; false: the V-statistic (>= 0), whose square root is the
-- "MMD" LLM2Fx reports.
function M.mmd(X, Y, opts)
  if type(opts) ~= "table" or type(opts.bandwidth) ~= "number" then
    error("mmd: opts.bandwidth (a positive number) is required", 2)
  end
  local unbiased = opts.unbiased ~= false
  return core.mmd2(X, Y, opts.bandwidth, unbiased)
end

--- The median of the distances between the rows of Z (pairs i < j): the median
-- heuristic's kernel bandwidth.
function M.median_distance(Z) return core.median_distance(Z) end

--- [n x m] tensor of exp(-|x_i - y_j|^2 / (2 h^2)).
function M.gaussian_kernel(X, Y, h) return core.gaussian_kernel(X, Y, h) end

return M
