--- semeq.semantic.vocabulary: which words can the data tell apart? Vocabulary discovery by
-- merging the terms that held-out data confuses (synonyms, translations) into groups.
--
--   local vocabulary = require "semeq.semantic.vocabulary"
--   local ex = require("semeq.data.prepare").prepare{data = "socialfx"}
--   local X = vocabulary.space(ex, "response")          -- {train = [n x d], test = [m x d]}
--   local path = vocabulary.merge_path(ex, X, {folds = 5, repeats = 2, k = 5})
--   vocabulary.score_path(ex, X, path)                   -- held-out metrics per level
--   local level = vocabulary.choose(path, {min_silhouette = 0.25, min_accuracy = 0.4})
--
-- Protocol (why it can be trusted): the rows are split once into a training and a
-- held-out part (semeq.data.prepare: by user for SAFE, stratified by term for
-- SocialFX). Merges are chosen on the training rows alone — by cross-validated 5-NN
-- confusion within them (folds by user or stratified by term, repeated with fresh fold
-- seeds), or by the training rows' silhouette. The held-out rows never inform a merge:
-- they only score each level of the path (silhouette of held-out rows under the group
-- labels; 5-NN accuracy of held-out rows against the training rows). Choosing the level
-- looks at those held-out scores, a mild optimism that the training-side scores printed
-- beside them let a reader check.
local T = require "semeq.tensor"
local metrics = require "semeq.metrics"
local split = require "semeq.data.split"
local list = require "semeq.util.list"

local take, distinct = list.take, list.distinct

local M = {}

M.SPACES = {"params", "response", "latent"}

-- fn's message when X is not one of an experiment's spaces (M.space, M.pca):
-- {train = tensor, test = tensor}; nil when it is.
local function not_a_space(X, fn)
  if type(X) ~= "table" or not T.isTensor(X.train) or not T.isTensor(X.test) then
    return string.format("vocabulary.%s: X must be a space {train =, test =} (vocabulary.space), got %s", fn, type(X))
  end
end

-- Raises at the position of fn's caller unless ex is an experiment (semeq.data.prepare)
-- with its labels on both sides and X one of its spaces.
local function check_space(ex, X, fn)
  if type(ex) ~= "table" or type(ex.y) ~= "table" or type(ex.y.train) ~= "table" or type(ex.y.test) ~= "table" then
    error(string.format("vocabulary.%s: ex must be an experiment from semeq.data.prepare, got %s", fn, type(ex)), 3)
  end
  local problem = not_a_space(X, fn)
  if problem then error(problem, 3) end
end

--- The rows of ex in one space: "params" (normalised parameters / 40-band values),
-- "response" (dB curve) or "latent" (codes of the semantic model sm).
function M.space(ex, name, sm)
  if name == "latent" then
    if not sm then error("vocabulary.space: the latent space needs a model (--model)", 2) end
    return {train = sm:encode(ex.X.train), test = sm:encode(ex.X.test), name = name}
  end
  if name ~= "params" and name ~= "response" then
    error(string.format("vocabulary.space: unknown space '%s' (params, response, latent)", tostring(name)), 2)
  end
  local tr, te = ex.rep:baseline(ex.train.records), ex.rep:baseline(ex.test.records)
  return {train = tr[name], test = te[name], name = name}
end

--- X projected on the first n principal components of its training rows (fitted on
-- them alone): fewer, smoother dimensions in which crowd noise weighs less.
function M.pca(X, n)
  local problem = not_a_space(X, "pca")
  if problem then error(problem, 2) end
  local d = X.train:size(2)
  if math.type(n) ~= "integer" or n < 1 or n > d then
    error(string.format("vocabulary.pca: components must be an integer in [1, %d], got %s", d, tostring(n)), 2)
  end
  local p = metrics.pca(X.train, n)
  local function project(Z) return T.mm(Z - p.mean:view(1, -1), p.components:t()) end
  local explained = 0
  for _, e in ipairs(p.explained) do explained = explained + e end
  return {train = project(X.train), test = project(X.test), name = string.format("%s, PCA %d", X.name, n),
          explained = explained}
end

-- Terms by decreasing training count, then name: the order group members are listed in.
local function term_counts(keys)
  local count = {}
  for _, k in ipairs(keys) do count[k] = (count[k] or 0) + 1 end
  return count
end

local function group_name(terms) return table.concat(terms, "+") end

local function sorted_terms(terms, count)
  table.sort(terms, function(a, b)
    if (count[a] or 0) ~= (count[b] or 0) then return (count[a] or 0) > (count[b] or 0) end
    return a < b
  end)
  return terms
end

-- The group label of each key under `groups` (a list of term lists).
local function relabel(keys, groups)
  local of = {}
  for _, g in ipairs(groups) do
    local name = group_name(g)
    for _, t in ipairs(g) do of[t] = name end
  end
  local out = {}
  for i, k in ipairs(keys) do out[i] = of[k] end
  return out
end
function M.relabel(keys, groups)
  if type(keys) ~= "table" or type(groups) ~= "table" then
    error("vocabulary.relabel: keys must be a list of term keys and groups a list of groups of them", 2)
  end
  return relabel(keys, groups)
end

-- Fold index lists (row positions in ex.train) for one seed.
local function folds_of(ex, nfolds, seed)
  local by = ex.split and ex.split.method == "by_user" and "user" or "term"
  local pos = {}
  for i, r in ipairs(ex.train.records) do pos[r.id] = i end
  local out = {}
  local folds, err = split.kfold(ex.train, nfolds, {by = by, seed = seed})
  if not folds then return nil, err end
  for f, fold in ipairs(folds) do
    local tr, te = {}, {}
    for _, id in ipairs(fold.train) do tr[#tr + 1] = pos[id] end
    for _, id in ipairs(fold.test) do te[#te + 1] = pos[id] end
    out[f] = {train = tr, test = te}
  end
  return out, by
end

-- Out-of-fold k-NN predictions of every training row (labels: one per row).
local function cv_predict(X, labels, folds, k)
  local pred = {}
  for _, f in ipairs(folds) do
    if #f.test > 0 and #f.train > 0 then
      local _, p = metrics.knn_accuracy(X:index_select(1, f.train), take(labels, f.train),
        X:index_select(1, f.test), take(labels, f.test), math.min(k, #f.train))
      for i, j in ipairs(f.test) do pred[j] = p[i] end
    end
  end
  return pred
end

--- Symmetric confusion rates between groups from true and predicted labels:
-- s(a, b) = (C[a->b] / n_a + C[b->a] / n_b) / 2. Returns s as s[a][b] by group name.
function M.confusion_similarity(truth, pred)
  if type(truth) ~= "table" or type(pred) ~= "table" or #truth ~= #pred then
    error("vocabulary.confusion_similarity: truth and pred must be lists of labels of the same length", 2)
  end
  local n, c = {}, {}
  for i, t in ipairs(truth) do
    n[t] = (n[t] or 0) + 1
    local p = pred[i]
    if p and p ~= t then
      c[t] = c[t] or {}
      c[t][p] = (c[t][p] or 0) + 1
    end
  end
  return function(a, b)
    local ab = c[a] and c[a][b] or 0
    local ba = c[b] and c[b][a] or 0
    return (ab / (n[a] or 1) + ba / (n[b] or 1)) / 2
  end
end

local function accuracy(truth, pred)
  local hit, n = 0, 0
  for i, t in ipairs(truth) do
    if pred[i] then
      n = n + 1
      if pred[i] == t then hit = hit + 1 end
    end
  end
  return n > 0 and hit / n or 0
end

-- The pair (i < j) of groups with the highest score(i, j); ties go to the first pair
-- in the order of the group list, so the path is deterministic.
local function best_pair(groups, score)
  local bi, bj, best = nil, nil, -math.huge
  for i = 1, #groups - 1 do
    for j = i + 1, #groups do
      local s = score(i, j)
      if s > best + 1e-12 then bi, bj, best = i, j, s end
    end
  end
  return bi, bj, best
end

local function merged(groups, i, j, count)
  local out = {}
  for g, terms in ipairs(groups) do
    if g ~= j then
      local copy = {table.unpack(terms)}
      if g == i then for _, t in ipairs(groups[j]) do copy[#copy + 1] = t end end
      out[#out + 1] = sorted_terms(copy, count)
    end
  end
  return out
end

local function copy_groups(groups)
  local out = {}
  for i, g in ipairs(groups) do out[i] = {table.unpack(g)} end
  return out
end

--- The merge path, chosen on the training rows only. X: M.space(...). opts: folds (5),
-- repeats (2: fold seeds seed, seed + 1, ...), k (5), seed (1), linkage ("confusion":
-- average linkage on the words' cross-validated confusion, the most confused pair of
-- groups first; "silhouette": the pair whose merging gives the training rows the
-- highest silhouette). Returns a list of levels from all terms to
-- one group: {groups = {{terms}}, n_groups, cv_accuracy, train_silhouette, merge =
-- {a = name, b = name, score = s} (the merge that leads to the next level)}; nil and a
-- message when the training rows cannot fill the folds.
function M.merge_path(ex, X, opts)
  check_space(ex, X, "merge_path")
  opts = opts or {}
  local nfolds, repeats, k = opts.folds or 5, opts.repeats or 2, opts.k or 5
  local seed, linkage = opts.seed or 1, opts.linkage or "confusion"
  if linkage ~= "confusion" and linkage ~= "silhouette" then
    error(string.format("vocabulary.merge_path: unknown linkage '%s' (confusion, silhouette)", tostring(linkage)), 2)
  end
  local keys = ex.y.train
  local count = term_counts(keys)
  local fold_sets, folds_by = {}, nil
  for r = 1, repeats do
    fold_sets[r], folds_by = folds_of(ex, nfolds, seed + r - 1)
    if not fold_sets[r] then return nil, folds_by end
  end
  local terms = {}
  for term in pairs(count) do terms[#terms + 1] = term end
  local groups = {}
  for i, term in ipairs(sorted_terms(terms, count)) do groups[i] = {term} end
  local path, term_sim = {}, nil
  while true do
    local labels = relabel(keys, groups)
    -- out-of-fold predictions of each repeat, concatenated
    local truth, pred = {}, {}
    for _, folds in ipairs(fold_sets) do
      local p = cv_predict(X.train, labels, folds, k)
      for i, l in ipairs(labels) do truth[#truth + 1], pred[#pred + 1] = l, p[i] end
    end
    -- the words' own confusion (first level): what average linkage merges by
    term_sim = term_sim or M.confusion_similarity(truth, pred)
    local level = {groups = copy_groups(groups), n_groups = #groups, cv_accuracy = accuracy(truth, pred)}
    if #groups >= 2 then level.train_silhouette = metrics.silhouette(X.train, labels) end
    path[#path + 1] = level
    if #groups == 1 then break end
    local score
    if linkage == "confusion" then
      -- average linkage: the mean confusion of the words across the two groups. (Re-
      -- measuring confusion between merged groups instead lets the largest group
      -- swallow the rest: k-NN predicts a large group more often.)
      score = function(i, j)
        local sum = 0
        for _, a in ipairs(groups[i]) do
          for _, b in ipairs(groups[j]) do sum = sum + term_sim(a, b) end
        end
        return sum / (#groups[i] * #groups[j])
      end
    else
      score = function(i, j)
        if #groups == 2 then return 0 end
        return metrics.silhouette(X.train, relabel(keys, merged(groups, i, j, count)))
      end
    end
    local i, j, s = best_pair(groups, score)
    level.merge = {a = group_name(groups[i]), b = group_name(groups[j]), score = s}
    groups = merged(groups, i, j, count)
  end
  path.folds_by, path.linkage = folds_by, linkage
  path.protocol = {folds = nfolds, repeats = repeats, k = k, seed = seed}
  return path
end

M.silhouette_samples = metrics.silhouette_samples

-- Held-out rows whose term was seen in training (a user split can hold out a word
-- that only its held-out users used: such a row has no group).
local function held_out_rows(ex)
  local seen, idx = {}, {}
  for _, k in ipairs(ex.y.train) do seen[k] = true end
  for i, k in ipairs(ex.y.test) do if seen[k] then idx[#idx + 1] = i end end
  return idx
end

--- Scores every level of the path on the held-out rows (in place): held_out =
-- {silhouette, knn_accuracy, macro_f1, majority (share of the largest group among the
-- held-out rows: the accuracy of always guessing it), min_recall (the lowest 5-NN
-- recall of a group with held-out rows), n}. opts.k (5).
function M.score_path(ex, X, path, opts)
  check_space(ex, X, "score_path")
  if type(path) ~= "table" then error("vocabulary.score_path: path must be a merge path (merge_path), got " .. type(path), 2) end
  opts = opts or {}
  local idx = held_out_rows(ex)
  local test_X = X.test:index_select(1, idx)
  local test_keys = take(ex.y.test, idx)
  for _, level in ipairs(path) do
    local ytr, yte = relabel(ex.y.train, level.groups), relabel(test_keys, level.groups)
    local acc, pred = metrics.knn_accuracy(X.train, ytr, test_X, yte, opts.k or 5)
    local share = term_counts(yte)
    local top = 0
    for _, c in pairs(share) do top = math.max(top, c) end
    -- the least-recognised group: a level whose scores come from its big groups alone
    -- can hide groups that held-out rows never land in
    local hits, min_recall = {}, math.huge
    for i, l in ipairs(yte) do hits[l] = (hits[l] or 0) + (pred[i] == l and 1 or 0) end
    for l, c in pairs(share) do min_recall = math.min(min_recall, hits[l] / c) end
    local h = {n = #yte, knn_accuracy = acc, macro_f1 = metrics.macro_f1(yte, pred), majority = top / #yte,
               min_recall = min_recall}
    if distinct(yte) >= 2 and distinct(yte) < #yte then h.silhouette = metrics.silhouette(test_X, yte) end
    level.held_out = h
  end
  path.held_out_rows, path.held_out_dropped = #idx, #ex.y.test - #idx
  return path
end

--- The level with the most groups (>= 2) whose held-out silhouette and 5-NN accuracy
-- clear opts.min_silhouette and opts.min_accuracy, whose every group has a held-out
-- recall of at least opts.min_recall (0), and (unless opts.above_majority is false)
-- whose accuracy beats always guessing the largest group; or nil and the level with
-- the best held-out silhouette among those that meet the accuracy rules (among all
-- levels if none does).
function M.choose(path, opts)
  if type(path) ~= "table" then error("vocabulary.choose: path must be a scored merge path (score_path), got " .. type(path), 2) end
  if type(opts) ~= "table" or type(opts.min_accuracy) ~= "number" or type(opts.min_silhouette) ~= "number" then
    error("vocabulary.choose: opts must give min_accuracy and min_silhouette (numbers)", 2)
  end
  local best, best_any
  local function better(a, b) return not a or b.held_out.silhouette > a.held_out.silhouette end
  for _, level in ipairs(path) do
    local h = level.held_out
    if level.n_groups >= 2 and h.silhouette then
      local beats = opts.above_majority == false or h.knn_accuracy > h.majority
      local recall = h.min_recall == nil or h.min_recall >= (opts.min_recall or 0)
      local predictive = h.knn_accuracy >= opts.min_accuracy and beats and recall
      if predictive and h.silhouette >= opts.min_silhouette then return level end
      if predictive and better(best, level) then best = level end
      if better(best_any, level) then best_any = level end
    end
  end
  return nil, best or best_any
end

--- Per-group detail of one level on the held-out rows: {terms, n_train, n_test,
-- recall (5-NN, held-out), silhouette (mean over its held-out rows)}.
function M.group_detail(ex, X, level, opts)
  check_space(ex, X, "group_detail")
  if type(level) ~= "table" or type(level.groups) ~= "table" then
    error("vocabulary.group_detail: level must be a level of a merge path, got " .. type(level), 2)
  end
  local idx = held_out_rows(ex)
  local test_X = X.test:index_select(1, idx)
  local ytr, yte = relabel(ex.y.train, level.groups), relabel(take(ex.y.test, idx), level.groups)
  local _, pred = metrics.knn_accuracy(X.train, ytr, test_X, yte, (opts and opts.k) or 5)
  local sil = M.silhouette_samples(test_X, yte)
  local ntr = term_counts(ytr)
  local out = {}
  for gi, g in ipairs(level.groups) do
    local name, n, hit, s = group_name(g), 0, 0, 0
    for i, l in ipairs(yte) do
      if l == name then
        n, s = n + 1, s + sil[i]
        if pred[i] == l then hit = hit + 1 end
      end
    end
    out[gi] = {terms = g, n_train = ntr[name] or 0, n_test = n, recall = n > 0 and hit / n or nil,
               silhouette = n > 0 and s / n or nil}
  end
  return out, yte, test_X
end

M.group_name = group_name
return M
