--- semeq.semantic.placement: where a term sits in a latent space (what sm:term_code and
-- sm:eq_for use).
--
--   placement.classifier(sm, test_codes, test_labels)   -- moves sm.centroids; returns a report
--
-- The two places a recipe can choose:
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

local T = require "semeq.tensor"
local nn = require "semeq.nn"
local models = require "semeq.models"
local train = require "semeq.train"
local metrics = require "semeq.metrics"

local M = {}

-- Fits softmax regression (one Linear layer) on codes -> term ids, full batch; nil and a
-- message if training diverges.
local function fit_classifier(codes, ids, classes, opts)
  local clf = models.classifier{latent = codes:size(2), classes = classes}
  local crit = nn.CrossEntropyCriterion()
  local y = T.new(ids)
  local n = codes:size(1)
  local done, err = train.fit{model = clf, n = n, epochs = opts.epochs or 300, batch = n, quiet = true,
    config = {learningRate = opts.lr or 0.05},
    step = function(idx)
      local x, t = codes:index_select(1, idx), y:index_select(1, idx)
      local out = clf:forward(x)
      local loss = crit:forward(out, t)
      clf:backward(x, crit:backward(out, t))
      return loss
    end}
  if not done then return nil, err end
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
-- and each place's probability (nil and a message if the classifier cannot be fitted).
-- Needs at least two terms.
function M.classifier(sm, test_codes, test_labels)
  local classes, ids = metrics.encode(sm.train_labels)
  if #classes < 2 then error("placement.classifier: needs at least two terms", 2) end
  local codes = sm.train_codes
  local clf, err = fit_classifier(codes, ids, #classes, {})
  if not clf then return nil, err end
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

return M
