--- semeq.eval.tune: choosing hyper-parameters on validation rows inside the training
-- rows — never on the rows a result is reported on.
--
--   local folds = tune.folds(train_labels, train_users, 3)  -- inner folds, user-disjoint if users are given
--   local value = tune.choose({0.5, 0.9, 0.99}, folds, function(train_idx, val_idx, v) return score end)
--   local clf = tune.logistic(X, labels, users)             -- logistic regression, penalty chosen inside
local split = require "semeq.data.split"
local dataset = require "semeq.data.dataset"
local linear = require "semeq.linear"
local list = require "semeq.util.list"

local tune = {}

--- k folds over rows 1..#labels: by group (user) when groups are given and can fill k
-- folds, stratified by label otherwise. Each fold: {train = {row indices}, test = {...}}.
function tune.folds(labels, groups, k)
  local records = {}
  for i, y in ipairs(labels) do records[i] = {id = i, key = y, user = groups and groups[i] or nil} end
  local ds = dataset.new {records = records}
  local folds = groups and split.kfold(ds, k, {by = "user", seed = 1}) or nil
  if not folds then folds = assert(split.kfold(ds, k, {by = "term", seed = 1})) end
  return folds
end

--- The value whose mean score over the folds is highest (ties: the first listed).
-- score(train_idx, val_idx, value) returns a number, or nil to leave a fold out.
function tune.choose(values, folds, score)
  local best, best_score
  for _, v in ipairs(values) do
    local sum, n = 0, 0
    for _, f in ipairs(folds) do
      local s = score(f.train, f.test, v)
      if s then sum, n = sum + s, n + 1 end
    end
    if n > 0 and (not best_score or sum / n > best_score) then best, best_score = v, sum / n end
  end
  return best or values[1], best_score
end

--- Logistic regression on X with its L2 penalty chosen by accuracy on 3 inner folds
-- (over groups when given): the fitted model, with .l2 and .inner_accuracy.
function tune.logistic(X, labels, groups, penalties)
  local l2, acc = tune.choose(penalties or {0.01, 0.1, 1, 10, 100}, tune.folds(labels, groups, 3), function(tr, te, v)
    if list.distinct(list.take(labels, tr)) < 2 then return nil end
    local clf = linear.logistic(X:index_select(1, tr), list.take(labels, tr), {l2 = v})
    local pred, hit = clf:predict(X:index_select(1, te)), 0
    for i, j in ipairs(te) do if pred[i] == labels[j] then hit = hit + 1 end end
    return hit / #te
  end)
  local clf = linear.logistic(X, labels, {l2 = l2})
  clf.inner_accuracy = acc
  return clf
end

return tune
