--- semeq.semantic.generator: fits a word -> curves generator (semeq.models.word_mixture)
-- to SocialFX contributions, and tunes it on a validation split of the training rows.
--
--   local generator = require "semeq.semantic.generator"
--   local model = generator.fit(records, {kappa = 4, noise = 0.5, lexicon = 0.5})
--   local best, table = generator.tune(records, {seed = 1})   -- inner k-fold, never the test rows
--
-- records: {key = word, params = [40] tensor of z-scored band values} (semeq.data.socialfx).
--
-- The mixture of a word w with n_w training curves (a hierarchical shrinkage estimate):
--   p(curve k | w) = n_w / (n_w + kappa) * [k is one of w's curves] / n_w
--                  + kappa / (n_w + kappa) * ( lexicon * (k among the curves of w's translations)
--                                            + (1 - lexicon) / K )     (every curve alike)
-- kappa is a prior count: a word with many contributions keeps its own curves, a word
-- with one borrows most of its mass from its translations (semeq.data.lexicon) and from
-- all contributions. A word without translations gives the lexicon share to all
-- contributions too; a lexicon word the records lack (e.g. "nítido") gets the mean of
-- its translations' mixtures. Each drawn curve gets
-- noise * B eps, B the `rank` leading principal directions of the within-word residuals
-- (curve minus its word's mean) scaled by their standard deviations: a kernel density
-- estimate around the stored curves instead of their exact copies.
local T = require "semeq.tensor"
local metrics = require "semeq.metrics"
local eq = require "semeq.eq"
local models = require "semeq.models"
local lexicon = require "semeq.data.lexicon"

local M = {}

M.defaults = {kappa = 4, noise = 0.5, lexicon = 0.5, rank = 10}

local function check_records(records, fn)
  if type(records) ~= "table" or #records < 2 then error(fn .. ": records must be a list of at least 2 records", 3) end
  for i, r in ipairs(records) do
    if type(r.key) ~= "string" or not T.isTensor(r.params) or r.params:numel() ~= 40 then
      error(string.format("%s: record %d needs key (string) and params ([40] tensor)", fn, i), 3)
    end
  end
end

-- Words (sorted) and, per word, the indices of its records.
local function by_word(records)
  local by, words = {}, {}
  for i, r in ipairs(records) do
    if not by[r.key] then by[r.key] = {}; words[#words + 1] = r.key end
    table.insert(by[r.key], i)
  end
  table.sort(words)
  return words, by
end

-- by_word, and the components' order (by word) with the first component of each word.
local function group(records)
  local words, by = by_word(records)
  local order, first = {}, {}
  for _, w in ipairs(words) do
    first[w] = #order + 1
    for _, i in ipairs(by[w]) do order[#order + 1] = i end
  end
  return words, by, order, first
end

-- [40 x rank] basis of the within-word residuals (words with >= 2 curves), each
-- direction scaled by its standard deviation; nil when there are too few residuals.
local function noise_basis(records, by, rank)
  local rows = {}
  for _, idx in pairs(by) do
    if #idx >= 2 then
      local mean = T.zeros(40)
      for _, i in ipairs(idx) do mean:add_(records[i].params) end
      mean = mean / #idx
      for _, i in ipairs(idx) do rows[#rows + 1] = (records[i].params - mean):totable() end
    end
  end
  rank = math.min(rank, 40, #rows - 1)
  if rank < 1 then return nil end
  local p = metrics.pca(T.new(rows), rank)
  local sd = {}
  for j, v in ipairs(p.variance) do sd[j] = math.sqrt(math.max(v, 0)) end
  return (p.components:t() * T.new(sd):view(1, -1)):contiguous()
end

local function check_opts(o, fn)
  for _, k in ipairs {"kappa", "noise", "lexicon"} do
    if type(o[k]) ~= "number" or not (o[k] >= 0) then error(string.format("%s: %s must be a number >= 0", fn, k), 3) end
  end
  if o.lexicon > 1 then error(fn .. ": lexicon must be a share in [0, 1]", 3) end
  if math.type(o.rank) ~= "integer" or o.rank < 0 then error(fn .. ": rank must be an integer >= 0", 3) end
end

local function with_defaults(opts)
  local o = {}
  for k, v in pairs(M.defaults) do o[k] = v end
  for k, v in pairs(opts or {}) do o[k] = v end
  return o
end

-- Fills col (a view of the selection matrix: [K]) with the weights over the K
-- components of a word with n_w >= 1 curves of its own.
local function fill_weights(col, w, n_w, links, count, first, K, o)
  local own = o.kappa == math.huge and 0 or n_w / (n_w + o.kappa)
  local borrowed = 1 - own
  local linked = 0
  for _, v in ipairs(links or {}) do linked = linked + count[v] end
  local share = linked > 0 and o.lexicon or 0
  col:fill(borrowed * (1 - share) / K)
  col:narrow(1, first[w], n_w):add_(own / n_w)
  for _, v in ipairs(linked > 0 and links or {}) do
    col:narrow(1, first[v], count[v]):add_(borrowed * share / linked)
  end
end

--- The generator fitted to records (see the top of this file); opts: kappa (4), noise
-- (0.5), lexicon (0.5), rank (10), unseen (true: also answer lexicon words that records
-- lack). Returns a word_mixture model.
function M.fit(records, opts)
  check_records(records, "generator.fit")
  local o = with_defaults(opts)
  check_opts(o, "generator.fit")
  local words, by, order, first = group(records)
  local count = {}
  for _, w in ipairs(words) do count[w] = #by[w] end
  local links = lexicon.related(words)
  local all = {}
  for i, w in ipairs(words) do all[i] = w end
  if o.unseen ~= false then
    local extra = lexicon.unseen(words)
    local names = {}
    for w in pairs(extra) do names[#names + 1] = w end
    table.sort(names)
    for _, w in ipairs(names) do
      all[#all + 1] = w
      count[w] = 0
      links[w] = extra[w]
    end
  end
  local K = #order
  local basis = o.rank > 0 and o.noise > 0 and noise_basis(records, by, o.rank) or nil
  local rank = basis and basis:size(2) or 0
  local aliases = {}
  local known = {}
  for _, w in ipairs(all) do known[w] = true end
  for _, w in ipairs(all) do
    local f = lexicon.fold(w)
    if f ~= w and not known[f] then aliases[f] = w end
  end
  local model = models.word_mixture {words = all, components = K, rank = rank, aliases = aliases,
    fit = {kappa = o.kappa, noise = o.noise, lexicon = o.lexicon, rank = rank, rows = #records,
           counts = count}}
  local S = T.zeros(K, #all)
  local column = {}
  for j, w in ipairs(all) do
    if count[w] > 0 then
      fill_weights(S:select(2, j), w, count[w], links[w], count, first, K, o)
      column[w] = j
    end
  end
  -- a lexicon word without curves of its own is answered as its translations are
  for j, w in ipairs(all) do
    if count[w] == 0 then
      for _, v in ipairs(links[w]) do S:select(2, j):add_(S:select(2, column[v]) / #links[w]) end
    end
  end
  model.select.weight:copy(S)
  local E = T.zeros(40, K + rank)
  for k, i in ipairs(order) do E:select(2, k):copy(records[i].params) end
  if rank > 0 then E:narrow(2, K + 1, rank):copy(basis * o.noise) end
  model.emit.weight:copy(E)
  return model
end

--- Kernel score of a sample X [N x d] (a model's draws) against observations Y [m x d]:
-- mean_{i != j} k(x_i, x_j) - 2 mean k(x, y). Lower is better; MMD^2 minus a term that
-- depends on the observations only, so it ranks generators as MMD^2 does and works for
-- a single observation.
function M.kernel_score(X, Y, bandwidth)
  local N = X:size(1)
  if N < 2 then error("kernel_score: needs at least 2 draws", 2) end
  local Kxx = metrics.gaussian_kernel(X, X, bandwidth)
  local within = (Kxx:sum() - N) / (N * (N - 1))
  return within - 2 * metrics.gaussian_kernel(X, Y, bandwidth):mean()
end

local function db_rows(records, idx)
  local rows = {}
  for i, j in ipairs(idx) do rows[i] = records[j].params:totable() end
  return eq.audealize_gains(T.new(rows), 1)
end

--- Mean kernel score (dB curves at amount 1) of model on the held-out records, per word
-- then averaged over words; only words with at least min_train training curves count.
-- draws: samples per word (200); bandwidth: the kernel's (required). Returns the mean
-- and the number of words scored.
function M.score(model, train_counts, heldout, opts)
  local by = {}
  for i, r in ipairs(heldout) do
    if (train_counts[r.key] or 0) >= (opts.min_train or 1) then
      by[r.key] = by[r.key] or {}
      table.insert(by[r.key], i)
    end
  end
  local words = {}
  for w in pairs(by) do words[#words + 1] = w end
  table.sort(words)
  local total = 0
  for _, w in ipairs(words) do
    T.manualSeed(opts.seed or 1)  -- common random numbers: settings are compared on equal draws
    local X = model:curves(w, opts.draws or 200, 1)
    total = total + M.kernel_score(X, db_rows(heldout, by[w]), opts.bandwidth)
  end
  return #words > 0 and total / #words or 0 / 0, #words
end

M.grid = {
  kappa = {0, 1, 2, 4, 8, 16, 1e9},  -- 1e9: the word is ignored (the unconditional mixture)
  noise = {0, 0.25, 0.5, 0.75},
  lexicon = {0, 0.5, 1},
}

local function settings_of(grid)
  local out = {}
  for _, kappa in ipairs(grid.kappa) do
    for _, noise in ipairs(grid.noise) do
      for _, lex in ipairs(grid.lexicon) do out[#out + 1] = {kappa = kappa, noise = noise, lexicon = lex} end
    end
  end
  return out
end

-- k folds of the records, stratified by word (each word's records dealt round-robin
-- after a seeded shuffle), as index lists.
local function folds_of(records, k)
  local words, by = by_word(records)
  local fold, next_fold = {}, 0
  for _, w in ipairs(words) do
    local idx = by[w]
    local perm = T.randperm(#idx):totable()
    for _, p in ipairs(perm) do
      fold[idx[math.tointeger(p)]] = next_fold % k + 1
      next_fold = next_fold + 1
    end
  end
  return fold
end

--- Chooses kappa, noise and the lexicon share by k-fold validation inside records (the
-- training rows of an evaluation: the rows it reports on are never seen here).
-- opts: folds (4), seed (1), grid (M.grid), draws (200), min_train (3), rank (10).
-- Returns the best settings and the table {settings, score} of every setting tried.
function M.tune(records, opts)
  check_records(records, "generator.tune")
  opts = opts or {}
  local k = opts.folds or 4
  T.manualSeed(opts.seed or 1)
  local fold = folds_of(records, k)
  local settings = settings_of(opts.grid or M.grid)
  local scores = {}
  for i = 1, #settings do scores[i] = 0 end
  for f = 1, k do
    local train, held = {}, {}
    for i, r in ipairs(records) do
      if fold[i] == f then held[#held + 1] = r else train[#train + 1] = r end
    end
    local counts = {}
    for _, r in ipairs(train) do counts[r.key] = (counts[r.key] or 0) + 1 end
    local idx = {}
    for i = 1, #train do idx[i] = i end
    local bandwidth = metrics.median_distance(db_rows(train, idx))
    for i, s in ipairs(settings) do
      local model = M.fit(train, {kappa = s.kappa, noise = s.noise, lexicon = s.lexicon, rank = opts.rank or 10,
                                  unseen = false})
      local v = M.score(model, counts, held, {bandwidth = bandwidth, draws = opts.draws, min_train = opts.min_train or 3,
                                            seed = opts.seed})
      scores[i] = scores[i] + v / k
    end
  end
  local best, rows = 1, {}
  for i, s in ipairs(settings) do
    rows[i] = {kappa = s.kappa, noise = s.noise, lexicon = s.lexicon, score = scores[i]}
    if scores[i] < scores[best] then best = i end
  end
  return settings[best], rows
end

return M
