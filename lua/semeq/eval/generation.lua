--- semeq.eval.generation: how well a word -> EQ-curve generator matches what people made
-- for the word — the LLM2Fx protocol (Doh et al., WASPAA 2025) on SocialFX.
--
--   local generation = require "semeq.eval.generation"
--   local r = generation.run(ds, {fit = function(train_records, fold) return model end,
--                                 audealize = {warm = tensor40, ...}, folds = 5, draws = 100})
--   print(generation.table(r))
--
-- Protocol. SocialFX has no user ids, so rows are split by k-fold stratified by word
-- (each word's rows dealt round-robin over the folds after a seeded shuffle): every row
-- is held out once, and a generator fitted on the other folds is judged on it. For each
-- word with at least min_count rows (24 words at 10), fold and method, `draws` curves
-- (dB, Audealize's realisation at amount 1) are compared with the word's held-out human
-- curves by MMD^2 (Gaussian kernel, semeq.metrics.mmd) in two embeddings:
--   curve  the 40-band dB curve;
--   dsp    12 features of pink noise through the curve (semeq.eval.features), z-scored
--          with the training rows' means and standard deviations.
-- The kernel bandwidth of each embedding is the median heuristic on the fold's training
-- rows (the same kernel for every method and word; reported per fold). A word's MMD^2 is
-- the U-statistic averaged over folds (it can be slightly negative); the "LLM2Fx" column
-- is the square root of the V-statistic, as LLM2Fx reports it.
--
-- Methods (baselines in the same table):
--   model          the generator under test (opts.fit)
--   word_resample  the word's own training curves, drawn at random (no shrinkage, no noise)
--   unconditional  training curves of any word, drawn at random: does the word matter?
--   word_mean      the word's mean training curve, repeated (a point, as Audealize answers)
--   nearest_mean   the mean of the nearest other word (words with >= 3 training rows,
--                  nearest mean dB curve)
--   random         each band uniform in the training rows' range
--   audealize      the word's Audealize curve, repeated — a LEAKY reference: Audealize
--                  aggregated the crowd's contributions, held-out ones included
-- The word-independent baselines (unconditional, random) draw one sample per fold that
-- every word is compared with. Variants of the model returned by opts.fit (ablations) are
-- judged like the model and compared with it.
--
-- Intervals (95 %, percentile bootstrap): a word's, over its held-out rows (resampled
-- within folds; the human-human term, which every method shares, held at its estimate);
-- a method's mean over the words, over the words; the model's advantage over a baseline
-- (paired by word), over the words. A word classifier (logistic regression on the dB
-- curves of the counted words' training rows, L2 1) says how often it recognises each
-- method's draws as their word, next to held-out human curves.
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local metrics = require "semeq.metrics"
local linear = require "semeq.linear"
local split = require "semeq.data.split"
local features = require "semeq.eval.features"

local G = {}
local mid_words, score_mid, summarise_mid

G.methods = {"model", "word_resample", "unconditional", "word_mean", "nearest_mean", "random", "audealize"}
G.embeddings = {"curve", "dsp"}
G.compared = {"word_mean", "random", "unconditional", "word_resample", "nearest_mean"}

local function db_of(shapes) return eq.audealize_gains(shapes, 1) + 0 end

local function rows_of(records)
  local rows = {}
  for i, r in ipairs(records) do rows[i] = r.params:totable() end
  return T.new(rows)
end

local function repeat_row(row, n) return row:view(1, -1):expand(n, row:numel()):contiguous() end

-- The row indices of each word of the training records.
local function word_index(records)
  local by = {}
  for i, r in ipairs(records) do
    by[r.key] = by[r.key] or {}
    table.insert(by[r.key], i)
  end
  return by
end

-- The baselines of one fold: name -> function(word, n) -> dB curves [n x 40] or nil.
-- Draws of training rows return their indices too (for features looked up, not recomputed).
function G.baselines(train, opts)
  opts = opts or {}
  local X = rows_of(train)
  local DB = db_of(X)
  local by = word_index(train)
  local lo, hi = X:min(1), X:max(1)
  local means = {}
  for w, idx in pairs(by) do means[w] = X:index_select(1, T.new(idx)):mean(1):view(40) end
  local function nearest(w)
    local best, bestd
    local mine = db_of(means[w]:view(1, 40))
    for v, idx in pairs(by) do
      if v ~= w and #idx >= (opts.neighbour_min or 3) then
        local d = (db_of(means[v]:view(1, 40)) - mine):pow(2):sum()
        if not bestd or d < bestd or (d == bestd and v < best) then best, bestd = v, d end
      end
    end
    return best
  end
  local function resample(pool, n)
    local picks = {}
    for i, j in ipairs(T.randint(#pool, n):totable()) do picks[i] = pool[math.tointeger(j)] end
    return DB:index_select(1, T.new(picks)), picks
  end
  local all = {}
  for i = 1, #train do all[i] = i end
  return {
    word_resample = function(w, n) if by[w] then return resample(by[w], n) end end,
    unconditional = function(_, n) return resample(all, n) end,
    word_mean = function(w, n) if means[w] then return repeat_row(db_of(means[w]:view(1, 40))[1], n) end end,
    nearest_mean = function(w, n)
      if not means[w] then return nil end
      local v = nearest(w)
      return repeat_row(db_of(means[v]:view(1, 40))[1], n), nil, v
    end,
    random = function(_, n) return db_of(T.rand(n, 40) * (hi - lo):view(1, 40) + lo:view(1, 40)) end,
    audealize = function(w, n)
      local a = opts.audealize and opts.audealize[w]
      if a then return repeat_row(db_of(a:view(1, 40))[1], n) end
    end,
  }
end

-- Kernel terms of one comparison: A (mean k over pairs of draws, i != j), b (per held-out
-- row, the mean k to the draws), C (mean k over pairs of held-out rows, i != j; nil for one).
local function terms(Xg, Y, h)
  local N, m = Xg:size(1), Y:size(1)
  local A = (metrics.gaussian_kernel(Xg, Xg, h):sum() - N) / (N * (N - 1))
  local b = metrics.gaussian_kernel(Xg, Y, h):mean(1):view(-1):totable()
  local C
  if m >= 2 then C = (metrics.gaussian_kernel(Y, Y, h):sum() - m) / (m * (m - 1)) end
  return {A = A, b = b, C = C, N = N, m = m}
end

local function mean(t)
  local s = 0
  for _, v in ipairs(t) do s = s + v end
  return s / #t
end

-- MMD^2 (U) and the V-statistic of one fold's terms, with the b values given.
local function mmd_of(t, b)
  local mb = mean(b)
  local u = t.A - 2 * mb + t.C
  local Av = (t.A * t.N * (t.N - 1) + t.N) / (t.N * t.N)
  local Cv = (t.C * t.m * (t.m - 1) + t.m) / (t.m * t.m)
  return u, Av - 2 * mb + Cv
end

-- Everything one fold needs: embeddings of every row, bandwidths, the baselines.
local function prepare_fold(ds, fold, all_dsp)
  local train, test = split.apply(ds, fold)
  local pos = {}
  for i, r in ipairs(ds.records) do pos[r.id] = i end
  local train_pos, test_pos = {}, {}
  for i, r in ipairs(train.records) do train_pos[i] = pos[r.id] end
  for i, r in ipairs(test.records) do test_pos[i] = pos[r.id] end
  local std = linear.standardizer(all_dsp:index_select(1, T.new(train_pos)))
  local train_db = db_of(rows_of(train.records))
  local train_dsp = std:apply(all_dsp:index_select(1, T.new(train_pos)))
  return {
    train = train, test = test, test_pos = test_pos, train_pos = train_pos, std = std,
    bandwidth = {curve = metrics.median_distance(train_db), dsp = metrics.median_distance(train_dsp)},
    train_db = train_db,
  }
end

-- Embeddings of a method's draws: curve (dB) and standardised DSP features; rows drawn
-- from the training set look their features up.
local function embed(F, fx, all_dsp, db, picks, point)
  local dsp
  if picks then
    local idx = {}
    for i, p in ipairs(picks) do idx[i] = F.train_pos[p] end
    dsp = all_dsp:index_select(1, T.new(idx))
  elseif point then
    dsp = repeat_row(fx:features(db:narrow(1, 1, 1))[1], db:size(1))
  else
    dsp = fx:features(db)
  end
  return {curve = db, dsp = F.std:apply(dsp)}
end

-- The counted words (>= min_count rows in ds), sorted, with their row counts.
local function counted_words(ds, min_count)
  local n = {}
  for _, r in ipairs(ds.records) do n[r.key] = (n[r.key] or 0) + 1 end
  local words = {}
  for w, c in pairs(n) do if c >= min_count then words[#words + 1] = w end end
  table.sort(words)
  return words, n
end

-- Held-out rows of word w in this fold: dB curves, DSP features and their positions.
local function heldout(F, all_dsp, w)
  local rows, idx = {}, {}
  for i, r in ipairs(F.test.records) do
    if r.key == w then rows[#rows + 1] = r.params:totable(); idx[#idx + 1] = F.test_pos[i] end
  end
  if #rows == 0 then return nil end
  return {curve = db_of(T.new(rows)), dsp = F.std:apply(all_dsp:index_select(1, T.new(idx)))}
end

-- A fitted classifier of the counted words on the fold's training dB curves.
local function word_classifier(F, words)
  local want = {}
  for _, w in ipairs(words) do want[w] = true end
  local rows, labels = {}, {}
  for i, r in ipairs(F.train.records) do
    if want[r.key] then rows[#rows + 1] = F.train_db[i]:totable(); labels[#labels + 1] = r.key end
  end
  local X = T.new(rows)
  local z = linear.standardizer(X)
  local clf = linear.logistic(z:apply(X), labels, {l2 = 1})
  return function(db, w)
    local hits = 0
    for _, p in ipairs(clf:predict(z:apply(db))) do if p == w then hits = hits + 1 end end
    return hits, db:size(1)
  end
end

-- Words with lo..hi rows (opts.mid = {lo, hi}), sorted.
function mid_words(count, range)
  local out = {}
  if not range then return out end
  for w, c in pairs(count) do if c >= range[1] and c <= range[2] then out[#out + 1] = w end end
  table.sort(out)
  return out
end

-- Kernel scores (curve embedding) of the generators (model and variants) and of two
-- baselines on word w's held-out rows of this fold: for words too rare for a per-fold
-- MMD^2 (one held-out row is enough for a score; differences of scores are differences
-- of MMD^2).
function score_mid(cells, F, generators, base, shared, w, draws)
  local rows = {}
  for _, r in ipairs(F.test.records) do if r.key == w then rows[#rows + 1] = r.params:totable() end end
  if #rows == 0 then return end
  local Y = db_of(T.new(rows))
  local function add(name, db)
    if not db then return end
    local key = w .. "\t" .. name
    cells[key] = cells[key] or {}
    table.insert(cells[key], terms(db, Y, F.bandwidth.curve))
  end
  for name, g in pairs(generators) do add(name, g:word(w) and g:curves(w, draws, 1)) end
  add("word_resample", base.word_resample(w, draws))
  add("unconditional", shared.unconditional.db)
end

-- Per word, the mean kernel score of the model minus another method's over its held-out
-- rows; the mean over words with a bootstrap interval, and the words where it is not lower.
function summarise_mid(words, cells, range, names, reps)
  local function score(list)
    local s, m = 0, 0
    for _, t in ipairs(list) do
      for _, b in ipairs(t.b) do s, m = s + t.A - 2 * b, m + 1 end
    end
    return s / m
  end
  local out = {range = range, words = #words, compared = {}}
  for _, name in ipairs(names) do
    local d = {}
    for _, w in ipairs(words) do
      local mine, other = cells[w .. "\tmodel"], cells[w .. "\t" .. name]
      if mine and other then d[#d + 1] = score(mine) - score(other) end
    end
    local est, lo, hi = metrics.bootstrap(function(idx)
      local s = 0
      for _, i in ipairs(idx) do s = s + d[i] end
      return s / #idx
    end, #d, {reps = reps})
    local losses = 0
    for _, v in ipairs(d) do if v >= 0 then losses = losses + 1 end end
    out.compared[#out.compared + 1] = name
    out[name] = {mean = est, ci = {lo, hi}, words = #d, not_lower = losses}
  end
  return out
end

-- The methods of the table: the model, its variants (sorted), the baselines.
local function method_list(variants)
  local out = {"model"}
  local names = {}
  for name in pairs(variants or {}) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do out[#out + 1] = name end
  for i = 2, #G.methods do out[#out + 1] = G.methods[i] end
  return out
end

--- Runs the protocol on a SocialFX dataset. opts: fit (function(train_records, fold) ->
-- a generator with :curves(word, n, amount) and :word(key), and optionally a table of
-- variants {name = generator} judged the same way (ablations); required), audealize
-- ({key = [40] tensor}), folds (5), seed (1), draws (100), min_count (10), bootstrap
-- (2000), mid ({lo, hi}: also score words with lo..hi rows, curve embedding only, by
-- kernel-score differences), progress (function(fold, k) called as folds finish).
-- Returns the report.
function G.run(ds, opts)
  if type(opts) ~= "table" or type(opts.fit) ~= "function" then error("generation.run: opts.fit is required", 2) end
  local k, seed, draws = opts.folds or 5, opts.seed or 1, opts.draws or 100
  local words, count = counted_words(ds, opts.min_count or 10)
  local mid = mid_words(count, opts.mid)
  local mid_cells = {}
  local fx = features.extractor {seed = 7}
  local all_dsp = fx:features(db_of(rows_of(ds.records)))
  local folds = split.kfold(ds, k, {seed = seed, by = "term"})
  local cells, clf_hits, bandwidths = {}, {}, {curve = {}, dsp = {}}
  local neighbours = {}  -- word -> the nearest word of each fold
  local methods
  for f, fold in ipairs(folds) do
    local F = prepare_fold(ds, fold, all_dsp)
    bandwidths.curve[f], bandwidths.dsp[f] = F.bandwidth.curve, F.bandwidth.dsp
    local model, variants = opts.fit(F.train.records, f)
    local generators = {model = model}
    for name, g in pairs(variants or {}) do generators[name] = g end
    methods = methods or method_list(variants)
    T.manualSeed(seed * 1000 + f)
    local base = G.baselines(F.train.records, {audealize = opts.audealize})
    local shared = {}  -- one sample of the word-independent baselines per fold
    for _, name in ipairs {"unconditional", "random"} do
      local db, picks = base[name](nil, draws)
      shared[name] = embed(F, fx, all_dsp, db, picks, false)
      shared[name].db = db
    end
    local function draw(name, w)
      if shared[name] then return shared[name], shared[name].db end
      local g = generators[name]
      if g then
        if not g:word(w) then return nil end
        local db = g:curves(w, draws, 1)
        return embed(F, fx, all_dsp, db, nil, false), db
      end
      local db, picks, neighbour = base[name](w, draws)
      if neighbour then neighbours[w] = neighbours[w] or {}; neighbours[w][f] = neighbour end
      if db then return embed(F, fx, all_dsp, db, picks, name ~= "word_resample"), db end
    end
    local classify = word_classifier(F, words)
    for _, w in ipairs(mid) do score_mid(mid_cells, F, generators, base, shared, w, draws) end
    for _, w in ipairs(words) do
      local Y = heldout(F, all_dsp, w)
      local hits = clf_hits[w] or {}
      clf_hits[w] = hits
      local function count_hits(name, db)
        local h, n = classify(db, w)
        hits[name] = {(hits[name] or {0, 0})[1] + h, (hits[name] or {0, 0})[2] + n}
      end
      if Y then
        count_hits("human", Y.curve)
        for _, name in ipairs(methods) do
          local E, db = draw(name, w)
          if E then
            for _, emb in ipairs(G.embeddings) do
              local key = table.concat({w, name, emb}, "\t")
              cells[key] = cells[key] or {}
              table.insert(cells[key], terms(E[emb], Y[emb], F.bandwidth[emb]))
            end
            count_hits(name, db)
          end
        end
      end
    end
    if opts.progress then opts.progress(f, k) end
  end
  local r = G.summarise(words, count, cells, clf_hits, bandwidths, {folds = k, seed = seed, draws = draws,
    min_count = opts.min_count or 10, bootstrap = opts.bootstrap or 2000, neighbours = neighbours,
    methods = methods})
  if #mid > 0 then
    local names = {}
    for i = 2, #methods do if methods[i]:match("^model") then names[#names + 1] = methods[i] end end
    names[#names + 1] = "word_resample"
    names[#names + 1] = "unconditional"
    r.mid = summarise_mid(mid, mid_cells, opts.mid, names, opts.bootstrap or 2000)
  end
  return r
end

-- A word's MMD^2 (U and V, averaged over folds) and its bootstrap interval.
local function word_cell(list, reps)
  local u, v = 0, 0
  for _, t in ipairs(list) do
    local a, b = mmd_of(t, t.b)
    u, v = u + a / #list, v + b / #list
  end
  local values = {}
  for r = 1, reps do
    local s = 0
    for _, t in ipairs(list) do
      local b = {}
      for i, j in ipairs(T.randint(#t.b, #t.b):totable()) do b[i] = t.b[math.tointeger(j)] end
      s = s + mmd_of(t, b) / #list
    end
    values[r] = s
  end
  table.sort(values)
  return {mmd2 = u, llm2fx = math.sqrt(math.max(v, 0)), ci = {metrics.percentile(values, 2.5), metrics.percentile(values, 97.5)}}
end

-- Mean over words of f(word) with a bootstrap interval over the words.
local function over_words(words, f, reps)
  local vals = {}
  for i, w in ipairs(words) do vals[i] = f(w) end
  local est, lo, hi = metrics.bootstrap(function(idx)
    local s = 0
    for _, i in ipairs(idx) do s = s + vals[i] end
    return s / #idx
  end, #vals, {reps = reps})
  return {mean = est, ci = {lo, hi}}
end

--- Per-word rows, method means with intervals, the model's advantages, classifier rates.
function G.summarise(words, count, cells, clf_hits, bandwidths, info)
  T.manualSeed(info.seed * 7919)
  local reps = info.bootstrap
  local methods = info.methods or G.methods
  local rows, present = {}, {}
  for _, name in ipairs(methods) do present[name] = true end
  for _, w in ipairs(words) do
    local row = {word = w, n = count[w], methods = {}}
    for _, name in ipairs(methods) do
      for _, emb in ipairs(G.embeddings) do
        local list = cells[table.concat({w, name, emb}, "\t")]
        if list then
          row.methods[name] = row.methods[name] or {}
          row.methods[name][emb] = word_cell(list, math.max(200, reps // 10))
        else
          present[name] = false
        end
      end
    end
    rows[#rows + 1] = row
  end
  local summary, advantage = {}, {}
  for _, name in ipairs(methods) do
    if present[name] then
      summary[name] = {}
      for _, emb in ipairs(G.embeddings) do
        summary[name][emb] = over_words(rows, function(r) return r.methods[name][emb].mmd2 end, reps)
        summary[name][emb].llm2fx = mean((function()
          local t = {}
          for i, r in ipairs(rows) do t[i] = r.methods[name][emb].llm2fx end
          return t
        end)())
      end
    end
  end
  local compared = {}
  for i = 2, #methods do if methods[i]:match("^model") then compared[#compared + 1] = methods[i] end end
  for _, name in ipairs(G.compared) do compared[#compared + 1] = name end
  for _, name in ipairs(compared) do
    if present[name] and present.model then
      advantage[name] = {}
      for _, emb in ipairs(G.embeddings) do
        local a = over_words(rows, function(r) return r.methods.model[emb].mmd2 - r.methods[name][emb].mmd2 end, reps)
        a.losses = {}
        for _, r in ipairs(rows) do
          if r.methods.model[emb].mmd2 >= r.methods[name][emb].mmd2 then a.losses[#a.losses + 1] = r.word end
        end
        advantage[name][emb] = a
      end
    end
  end
  local classifier = {chance = 1 / #words}
  for _, name in ipairs {"human", table.unpack(methods)} do
    local h, n = 0, 0
    for _, w in ipairs(words) do
      local c = clf_hits[w] and clf_hits[w][name]
      if c then h, n = h + c[1], n + c[2] end
    end
    if n > 0 then classifier[name] = {rate = h / n, n = n} end
  end
  return {protocol = info, methods = methods, compared = compared, words = rows, summary = summary,
          advantage = advantage, classifier = classifier, bandwidths = bandwidths}
end

local function fmt(x) return x and string.format("%.4f", x) or "-" end

--- The report as text: the summary, the model's advantages, the classifier, per-word rows.
function G.table(r)
  local L = {}
  local function add(f, ...) L[#L + 1] = select("#", ...) > 0 and string.format(f, ...) or f end
  local p = r.protocol
  add("%d words with >= %d rows; %d-fold split stratified by word (seed %d); %d draws per word and fold",
    #r.words, p.min_count, p.folds, p.seed, p.draws)
  local function bw(list)
    local s = {}
    for i, v in ipairs(list) do s[i] = string.format("%.3f", v) end
    return table.concat(s, " ")
  end
  add("kernel bandwidth (median heuristic on each fold's training rows): curve %s; dsp %s", bw(r.bandwidths.curve),
    bw(r.bandwidths.dsp))
  add("")
  add("%-17s %-30s %-30s %-9s %-9s", "method", "curve MMD^2 [95% CI]", "dsp MMD^2 [95% CI]", "curve*", "dsp*")
  for _, name in ipairs(r.methods) do
    local s = r.summary[name]
    if s then
      add("%-17s %-30s %-30s %-9s %-9s", name .. (name == "audealize" and " (leaky)" or ""),
        string.format("%s [%s, %s]", fmt(s.curve.mean), fmt(s.curve.ci[1]), fmt(s.curve.ci[2])),
        string.format("%s [%s, %s]", fmt(s.dsp.mean), fmt(s.dsp.ci[1]), fmt(s.dsp.ci[2])),
        fmt(s.curve.llm2fx), fmt(s.dsp.llm2fx))
    end
  end
  add("(* LLM2Fx's statistic: sqrt of the biased MMD^2, mean over words)")
  add("")
  add("model minus baseline, mean over words [95% CI]; words where the model is not lower")
  for _, name in ipairs(r.compared) do
    local a = r.advantage[name]
    if a then
      for _, emb in ipairs(G.embeddings) do
        local x = a[emb]
        add("  vs %-16s %-5s %s [%s, %s]  not lower: %d (%s)", name, emb, fmt(x.mean), fmt(x.ci[1]), fmt(x.ci[2]),
          #x.losses, table.concat(x.losses, ", "))
      end
    end
  end
  add("")
  local c = r.classifier
  add("word classifier (logistic, dB curves; chance %.3f): share recognised as their word", c.chance)
  for _, name in ipairs {"human", table.unpack(r.methods)} do
    if c[name] then add("  %-17s %.3f (%d curves)", name == "human" and "held-out human" or name, c[name].rate, c[name].n) end
  end
  if r.mid then
    add("")
    add("words with %d-%d rows (%d words; curve embedding; a held-out row is scored by its kernel score,", r.mid.range[1],
      r.mid.range[2], r.mid.words)
    add("whose differences are differences of MMD^2): model minus baseline, mean over words [95% CI]")
    for _, name in ipairs(r.mid.compared) do
      local x = r.mid[name]
      add("  vs %-16s %s [%s, %s]  not lower: %d of %d", name, fmt(x.mean), fmt(x.ci[1]), fmt(x.ci[2]), x.not_lower, x.words)
    end
  end
  add("")
  add("per word: curve MMD^2 / dsp MMD^2 (model with 95% CI over held-out rows)")
  local head = {string.format("%-11s %3s", "word", "n")}
  for _, name in ipairs(r.methods) do if r.summary[name] then head[#head + 1] = string.format("%-16s", name) end end
  add("%s", table.concat(head, " "))
  for _, row in ipairs(r.words) do
    for _, emb in ipairs(G.embeddings) do
      local cols = {string.format("%-11s %3s", emb == "curve" and row.word or "", emb == "curve" and row.n or "")}
      for _, name in ipairs(r.methods) do
        local m = row.methods[name]
        if r.summary[name] then cols[#cols + 1] = string.format("%-16s", m and fmt(m[emb].mmd2) or "-") end
      end
      local mm = row.methods.model and row.methods.model[emb]
      if mm then cols[#cols + 1] = string.format("%s [%s, %s]", emb, fmt(mm.ci[1]), fmt(mm.ci[2])) end
      add("%s", table.concat(cols, " "))
    end
  end
  return table.concat(L, "\n")
end

return G
