--- semeq.eval.steer: whether a model's words steer the EQ it gives — measured, not
-- assumed. For SAFE models (settings a person dials in):
--
--   local judge = steer.judge(train_P, train_labels, {groups = train_users})
--   judge:prob(P, "bright")        -- [n] probability of a term for SAFE settings P [n x 13]
--   local e = steer.edits(sm, test_P, test_labels, judge, {train_P = ..., train_labels = ...})
--   local r = steer.reconstruction(sm, train_P, test_P)
--
-- The judge is independent of the model: logistic regression on the standardised 64-point
-- response, fitted on the training rows (its penalty chosen by an inner cross-validation
-- over the training users). An edit moves a held-out row towards the other term by
-- `amount` (semantic:edit), the result is realised as SAFE settings (the fitter for curve
-- models), and the judge says whether it now sounds like the term. Reconstruction is
-- measured end to end: setting -> code -> decoded -> realised setting -> 64-point
-- response, in RMS dB against the original response, next to PCA of the same size
-- through the same realisation; per_row: the model's error of each row.
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local settings = require "semeq.settings"
local represent = require "semeq.settings.represent"
local linear = require "semeq.linear"
local metrics = require "semeq.metrics"
local tune = require "semeq.eval.tune"

local steer = {}

local function response(P) return represent.response(P) end

local Judge = {}
Judge.__index = Judge

--- The judge of edits, fitted on SAFE settings P [n x 13] with their labels. opts.groups
-- (one per row, e.g. users) makes the inner folds that choose the penalty group-disjoint.
function steer.judge(P, labels, opts)
  opts = opts or {}
  local R = response(P)
  local z = linear.standardizer(R)
  local X = z:apply(R)
  local clf = tune.logistic(X, labels, opts.groups, opts.penalties)
  return setmetatable({z = z, clf = clf, l2 = clf.l2, inner_accuracy = clf.inner_accuracy}, Judge)
end

--- [n] probability that SAFE settings P sound like term.
function Judge:prob(P, term)
  local probs = self.clf:prob(self.z:apply(response(P)))
  for k, c in ipairs(self.clf.classes) do
    if c == term then return probs:select(2, k):contiguous() end
  end
  error("judge:prob: the judge does not know the term '" .. tostring(term) .. "'", 2)
end

--- The judge's term for each row of P.
function Judge:predict(P) return self.clf:predict(self.z:apply(response(P))) end

-- Mean per-row RMS dB between two sets of responses.
local function rms(A, B) return metrics.rms_db(A, B) end

-- Rows of P outside SAFE's ranges (a small tolerance absorbs float32 rounding).
local function out_of_range(P)
  local bad = 0
  for _, row in ipairs(P:totable()) do
    for j, v in ipairs(row) do
      local rg = settings.safe.ranges[j]
      local tol = 1e-4 * math.max(1, math.abs(rg[1]), math.abs(rg[2]))
      if not (v >= rg[1] - tol and v <= rg[2] + tol) then bad = bad + 1; break end
    end
  end
  return bad
end

-- Curves [n x 40] (dB) of SAFE settings fitted back into SAFE settings.
local function fit_curves(C)
  local rows, freqs = {}, eq.g40_freqs()
  for i = 1, C:size(1) do rows[i] = eq.fit_safe(C[i], freqs, {fs = settings.safe.fs}):totable() end
  return T.new(rows)
end

-- Mean curve40 (dB) of the rows of P with each label.
local function class_curves(P, labels)
  local C = represent.curve40(P)
  local out = {}
  for _, key in ipairs((metrics.encode(labels))) do
    local idx = {}
    for i, y in ipairs(labels) do if y == key then idx[#idx + 1] = i end end
    out[key] = C:index_select(1, idx):mean(1)
  end
  return out
end

--- Edits of held-out settings P [n x 13] (labels: their terms) to every other term the
-- model knows, judged by judge. opts: amounts ({0, 0.25, 0.5, 0.75, 1}); train_P,
-- train_labels (for the response-space arithmetic baseline x + mean_T - mean_source).
-- Returns {success = {term = share at amount 1}, success_min, change_db, swap_db,
-- monotone (share of rows whose judged probability never falls as the amount grows),
-- out_of_range (edited settings outside SAFE's ranges), rows, arithmetic = {success,
-- success_min, change_db}, by_amount = {amount = mean probability of the target},
-- per_row = {{row =, term =, success = 0 | 1}}}.
function steer.edits(sm, P, labels, judge, opts)
  opts = opts or {}
  local amounts = opts.amounts or {0, 0.25, 0.5, 0.75, 1}
  local X = sm.rep:input(P)
  local R0 = response(P)
  local out = {success = {}, arithmetic = {success = {}}, by_amount = {}, out_of_range = 0, rows = 0, per_row = {}}
  local change, swap, arith_change, monotone, n_arith = 0, 0, 0, 0, 0
  local means = opts.train_P and class_curves(opts.train_P, opts.train_labels)
  local sums = {}
  for _, term in ipairs(sm.terms) do
    local idx = {}
    for i, y in ipairs(labels) do if y ~= term then idx[#idx + 1] = i end end
    if #idx > 0 then
      local Xs, Rs = X:index_select(1, idx), R0:index_select(1, idx)
      local probs = {}
      local last_P
      for a_i, a in ipairs(amounts) do
        local Pe = sm:realise(sm:edit(Xs, term, a))
        local p = judge:prob(Pe, term)
        probs[a_i] = p:totable()
        sums[a] = (sums[a] or 0) + p:sum()
        last_P = Pe
      end
      out.out_of_range = out.out_of_range + out_of_range(last_P)
      local pred = judge:predict(last_P)
      local hit = 0
      for r, p in ipairs(pred) do
        if p == term then hit = hit + 1 end
        out.per_row[#out.per_row + 1] = {row = idx[r], term = term, success = p == term and 1 or 0}
      end
      out.success[term] = hit / #idx
      local Re = response(last_P)
      change = change + rms(Re, Rs).mean * #idx
      local typical = sm:realise(sm:decode(sm:term_code(term):view(1, -1)))
      local Rt = response(typical):expand(#idx, Rs:size(2))
      swap = swap + rms(Rt:contiguous(), Rs).mean * #idx
      for r = 1, #idx do
        local ok = true
        for a_i = 2, #amounts do
          if probs[a_i][r] < probs[a_i - 1][r] - 1e-3 then ok = false; break end
        end
        if ok then monotone = monotone + 1 end
      end
      out.rows = out.rows + #idx
      -- the arithmetic baseline needs both terms among the training rows (a term whose
      -- only user is held out has no training mean)
      local known = {}
      for _, i in ipairs(idx) do
        if means and means[term] and means[labels[i]] then known[#known + 1] = i end
      end
      if #known > 0 then
        local shifted = represent.curve40(P:index_select(1, known))
        for r, i in ipairs(known) do shifted[r]:add_(means[term] - means[labels[i]]) end
        local Pa = fit_curves(shifted)
        local pa = judge:predict(Pa)
        local ha = 0
        for _, p in ipairs(pa) do if p == term then ha = ha + 1 end end
        out.arithmetic.success[term] = ha / #known
        arith_change = arith_change + rms(response(Pa), R0:index_select(1, known)).mean * #known
        n_arith = n_arith + #known
      end
    end
  end
  local function min_of(t)
    local m
    for _, v in pairs(t) do m = m and math.min(m, v) or v end
    return m
  end
  out.success_min = min_of(out.success)
  out.change_db = change / math.max(1, out.rows)
  out.swap_db = swap / math.max(1, out.rows)
  out.monotone = monotone / math.max(1, out.rows)
  for _, a in ipairs(amounts) do out.by_amount[tostring(a)] = sums[a] / math.max(1, out.rows) end
  if means then
    out.arithmetic.success_min = min_of(out.arithmetic.success)
    out.arithmetic.change_db = arith_change / math.max(1, n_arith)
  end
  return out
end

--- End-to-end reconstruction of held-out settings P: {mean, p95} RMS dB of the model
-- (code -> decoded -> realised) and of PCA with as many components as the latent,
-- fitted on train_P's inputs and realised the same way.
function steer.reconstruction(sm, train_P, P)
  local X = sm.rep:input(P)
  local R = response(P)
  local model = rms(response(sm:realise(sm:decode(sm:encode(X)))), R)
  local k = math.min(sm:latent_size(), X:size(2))
  local Xtr = sm.rep:input(train_P)
  local p = metrics.pca(Xtr, k)
  local codes = T.mm(X - p.mean:view(1, -1), p.components:t())
  local Xp = T.mm(codes, p.components) + p.mean:view(1, -1)
  local pca = rms(response(sm:realise(Xp)), R)
  return {mean = model.mean, p95 = model.p95, pca_mean = pca.mean, pca_p95 = pca.p95, pca_components = k,
          per_row = model.per_row}
end

return steer
