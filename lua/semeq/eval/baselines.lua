--- semeq.eval.baselines: what a latent space has to beat, on the same held-out rows.
--
--   local b = baselines.all(train, test, {train_groups = train_users, test_groups = test_users, bootstrap = 0})
--   b.raw_params, b.raw_response, b.raw_curve40        the raw spaces
--   b.lda, b.logreg, b.knn_posterior                    supervised 1-D codes (K - 1 or K
--                                                       columns for K terms)
--   each: {silhouette =, davies_bouldin =, knn_accuracy =, macro_f1 =, n =}; the second
--   value holds each baseline's kNN prediction of every held-out row (for paired intervals)
--
-- train and test: {spaces = {params = X, response = X, curve40 = X (SAFE only)}, y = labels}.
-- The supervised codes are fitted on the training rows only, on the standardised 40-point
-- curve (the response at the 40 graphic-EQ centres; for 40-band data, the response):
-- shrinkage LDA (Ledoit-Wolf), the logistic regression's logit (its penalty chosen by an
-- inner cross-validation over the training users), and the share of each term among the
-- k nearest training rows (k chosen by the inner silhouette; training rows leave
-- themselves out). 5-NN accuracy classifies each held-out code by its 5 nearest training
-- codes, as for a model's latent.
local linear = require "semeq.linear"
local metrics = require "semeq.metrics"
local list = require "semeq.util.list"
local scores = require("semeq.eval.scores").of
local tune = require "semeq.eval.tune"

local baselines = {}

local function one_column(C)
  -- Two terms: the share (or logit) of the second term is the whole code.
  if C:dim() == 1 then return C:view(-1, 1) end
  if C:size(2) == 2 then return C:narrow(2, 2, 1):contiguous() end
  return C
end

--- The logistic regression's logit as a code; its penalty by inner accuracy.
function baselines.logreg(Xtr, ytr, Xte, groups)
  local clf = tune.logistic(Xtr, ytr, groups)
  return one_column(clf:logit(Xtr)), one_column(clf:logit(Xte)), {l2 = clf.l2}
end

--- Shrinkage LDA's K - 1 discriminant coordinates.
function baselines.lda(Xtr, ytr, Xte)
  local lda = linear.lda(Xtr, ytr)
  return lda:project(Xtr), lda:project(Xte), {shrinkage = lda.shrinkage}
end

--- The share of each term among the k nearest training rows; k by inner silhouette.
function baselines.knn_posterior(Xtr, ytr, Xte, groups)
  local folds = tune.folds(ytr, groups, 3)
  local k = tune.choose({5, 10, 15, 25}, folds, function(tr, te, v)
    local yte = list.take(ytr, te)
    if list.distinct(yte) < 2 or list.distinct(yte) >= #yte then return nil end
    local S = linear.knn_share(Xtr:index_select(1, tr), list.take(ytr, tr), Xtr:index_select(1, te), v)
    return metrics.silhouette(one_column(S), yte)
  end)
  local train_codes = linear.knn_share(Xtr, ytr, Xtr, k, {leave_one_out = true})
  return one_column(train_codes), one_column(linear.knn_share(Xtr, ytr, Xte, k)), {k = k}
end

-- The supervised codes are fitted for up to this many terms: past it their codes have as
-- many columns as terms (one-vs-rest scores, class shares), and a one-vs-rest regression
-- per term of SocialFX's 765 words (most seen once) says nothing a raw space does not.
baselines.MAX_TERMS = 50

--- Every baseline on the held-out rows (see the header; the supervised ones for up to
-- MAX_TERMS terms). opts.train_groups make the inner folds user-disjoint;
-- opts.test_groups make the intervals resample users.
function baselines.all(train, test, opts)
  opts = opts or {}
  local score_opts = {bootstrap = opts.bootstrap, groups = opts.test_groups}
  local out, preds = {}, {}
  for name, key in pairs {raw_params = "params", raw_response = "response", raw_curve40 = "curve40"} do
    if train.spaces[key] then
      out[name], preds[name] = scores(train.spaces[key], train.y, test.spaces[key], test.y, score_opts)
    end
  end
  if list.distinct(train.y) > baselines.MAX_TERMS then return out, preds end
  local base = train.spaces.curve40 or train.spaces.response
  local z = linear.standardizer(base)
  local Xtr, Xte = z:apply(base), z:apply(test.spaces.curve40 or test.spaces.response)
  for _, name in ipairs {"lda", "logreg", "knn_posterior"} do
    local ctr, cte, chosen = baselines[name](Xtr, train.y, Xte, opts.train_groups)
    out[name], preds[name] = scores(ctr, train.y, cte, test.y, score_opts)
    out[name].chosen = chosen
  end
  return out, preds
end

return baselines
