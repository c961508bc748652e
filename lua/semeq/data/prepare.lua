--- semeq.data.prepare: one dataset, filtered, split and represented for a recipe.
--
--   local prepare = require "semeq.data.prepare"
--   local ex = assert(prepare.prepare{data = "safe", min_examples = 10, seed = 1})  -- or nil, message
--   ex.X.train, ex.X.test     model inputs [n x d] (fitted on the training split only)
--   ex.y.train, ex.y.test     term keys
--   ex.rep                    the representation (see semeq.settings.representations)
--   print(ex.summary)
--
-- Defaults follow the data: SAFE has anonymous user ids, so its held-out set is made of
-- users never seen in training; SocialFX has none, so it is split by rows within each
-- term (stratified); Audealize has one curve per word, so it is split by rows and its
-- terms cannot be clustered (only reconstruction is measured).
local data = require "semeq.data"
local text = require "semeq.data.text"
local representations = require "semeq.settings.representations"

local missing_terms, emptied  -- below, before their use in experiment.dataset

local experiment = {}

local DEFAULTS = {
  safe = {rep = "safe13", split = "user", min_examples = 10},
  socialfx = {rep = "graphic40", split = "stratified", min_examples = 10},
  audealize = {rep = "graphic40", split = "row", min_examples = 1},
}

local function kind_of(name)
  if type(name) ~= "string" then error("prepare.kind_of: name must be a dataset name or a path, got " .. type(name), 2) end
  if DEFAULTS[name] then return name, nil end
  -- A file: its extension tells the loader (SAFE CSV, SocialFX CSV/JSONL, Audealize JSON).
  if name:match("%.json$") then return "audealize", name end
  if name:match("%.jsonl$") then return "socialfx", name end
  local f, err = io.open(name, "rb")
  if not f then return nil, err end
  local head = f:read(64) or ""
  f:close()
  return head:match("^descriptor,") and "socialfx" or "safe", name
end

-- opts, or {} for nil; raises at the position of fn's caller unless it is a table whose
-- data, if given, is a dataset name or a path.
local function check_opts(opts, fn)
  if opts ~= nil and type(opts) ~= "table" then error(string.format("prepare.%s: opts must be a table, got %s", fn, type(opts)), 3) end
  opts = opts or {}
  if opts.data ~= nil and type(opts.data) ~= "string" then
    error(string.format("prepare.%s: opts.data must be a dataset name or a path, got %s", fn, type(opts.data)), 3)
  end
  return opts
end

--- The loader kind of a dataset name or file ("safe", "socialfx", "audealize") and the
-- file path (nil for a named dataset); nil and a message for a file that cannot be opened.
experiment.kind_of = kind_of

local function make_split(ds, method, opts)
  if method == "user" then return data.split.by_user(ds, {test = opts.test, seed = opts.seed}) end
  if method == "stratified" then return data.split.stratified(ds, {test = opts.test, seed = opts.seed}) end
  if method == "row" then
    local k = math.max(2, math.floor(1 / opts.test + 0.5))
    local folds, err = data.split.kfold(ds, k, {by = "row", seed = opts.seed})
    if not folds then return nil, err end
    return folds[1]
  end
  error(string.format("prepare: unknown split '%s' (user, stratified, row, none)", tostring(method)), 3)
end

local function keys(ds)
  local out = {}
  for i, r in ipairs(ds.records) do out[i] = r.key end
  return out
end

--- A filter keeping the n most frequent terms (ties broken alphabetically, as
-- ds:terms() orders them), e.g. FlowEQ's two largest SAFE terms, warm and bright.
function experiment.top_terms(n)
  return function(ds)
    local keep = {}
    for i, t in ipairs(ds:terms()) do
      if i > n then break end
      keep[t.key] = true
    end
    return ds:subset(function(r) return keep[r.key] end, string.format("top_terms(%d)", n))
  end
end

-- "'wram' is not a term of FILE (...)" for the first asked-for key the data does not
-- have, naming its most frequent terms; nil when every key is there.
missing_terms = function(ds, wanted)
  local count = {}
  for _, r in ipairs(ds.records) do count[r.key] = (count[r.key] or 0) + 1 end
  for _, key in ipairs(wanted) do
    if not count[key] then
      local top = {}
      for i, t in ipairs(ds:terms()) do
        if i > 8 then top[#top + 1] = "..." break end
        top[#top + 1] = string.format("%s (%d)", t.key, t.count)
      end
      return string.format("--terms: '%s' is not a term of %s (its most frequent: %s)", key, ds.path or "the data",
        table.concat(top, ", "))
    end
  end
  return nil
end

-- One line for a dataset its filters emptied: the filter that removed the last rows.
emptied = function(ds)
  local last
  for _, h in ipairs(ds.history) do
    if h.removed > 0 then last = h end
  end
  return string.format("no rows of %s are left after filtering: %s removed the last %d (lower --min-examples, "
    .. "or keep other --terms)", ds.path or "the data", last and last.step or "the filters", last and last.removed or 0)
end

-- One line for a dataset with no row read: the first malformed row, if it has any.
local function unread(ds)
  local first = ds.dropped[1]
  if not first then return string.format("%s holds no rows", ds.path or "the data") end
  return string.format("%s: no row can be read (%d malformed; %s: %s)", ds.path or "the data", #ds.dropped,
    first.line and "line " .. tostring(first.line) or "the first", tostring(first.reason))
end

--- Loads and filters a dataset: ds and its loader kind, or nil and a message when the
-- data cannot be read or nothing is left after filtering. opts as for prepare.
function experiment.dataset(opts)
  opts = check_opts(opts, "dataset")
  local kind, path = kind_of(opts.data or "safe")
  if not kind then return nil, path end
  local d = DEFAULTS[kind]
  local f = data.filters
  local ds, err = data.load(kind, path)
  if not ds then return nil, err end
  if ds:size() == 0 then return nil, unread(ds) end
  local steps = {f.finite()}
  if opts.stoplist ~= false then steps[#steps + 1] = f.stoplist(opts.stoplist) end
  if opts.stem then steps[#steps + 1] = f.stem() end
  if opts.terms then
    -- folded as the data's keys were ("Warm" is warm), and each one must be in the data
    local keep, folded = {}, {}
    for i, t in ipairs(opts.terms) do
      folded[i] = text.key(t)
      keep[folded[i]] = true
    end
    local missing = opts.strict_terms and missing_terms(ds, folded)
    if missing then return nil, missing end
    -- A model's whole vocabulary can be hundreds of words: name only a few.
    local name = #folded <= 30 and table.concat(folded, ",") or (#folded .. " keys")
    steps[#steps + 1] = f.where(function(r) return keep[r.key] end, "terms(" .. name .. ")")
  end
  if opts.top_terms then steps[#steps + 1] = experiment.top_terms(opts.top_terms) end
  local min = opts.min_examples or d.min_examples
  if min > 1 then steps[#steps + 1] = f.min_examples(min) end
  ds = f.chain(table.unpack(steps))(ds)
  if ds:size() == 0 then return nil, emptied(ds) end
  return ds, kind
end

--- The experiment of dataset ds (of loader kind) for split s ({train = ids, test = ids},
-- or nil for every row on both sides): the representation fitted on the training side
-- (or rebuilt from opts.rep_state), inputs, labels. opts: input, rep, rep_state, method
-- (the split's name for the summary).
function experiment.represent(ds, kind, s, opts)
  if type(ds) ~= "table" or type(ds.records) ~= "table" then
    error("prepare.represent: ds must be a dataset (semeq.data), got " .. type(ds), 2)
  end
  if not DEFAULTS[kind] then
    error(string.format("prepare.represent: unknown kind '%s' (safe, socialfx, audealize)", tostring(kind)), 2)
  end
  opts = check_opts(opts, "represent")
  local d = DEFAULTS[kind]
  local ex = {kind = kind, data = ds, opts = opts, split = s}
  if s then
    ex.train, ex.test = data.split.apply(ds, s)
  else
    ex.train, ex.test = ds, ds
  end
  local rep_kind = opts.rep or d.rep
  if kind == "safe" and opts.input == "curve40" then rep_kind = "curve40" end
  ex.rep = opts.rep_state and representations.from_state(opts.rep_state)
    or representations.fit(rep_kind, ex.train.records, {seed = opts.input == "seed"})
  ex.X = {train = ex.rep:input(ex.train.records), test = ex.rep:input(ex.test.records)}
  ex.y = {train = keys(ex.train), test = keys(ex.test)}
  ex.terms = {}
  for _, t in ipairs(ds:terms()) do ex.terms[#ex.terms + 1] = t.key end
  ex.clusterable = kind ~= "audealize"
  ex.summary = string.format("%s\n%d terms; split %s: %d train, %d held out", ds:summary(), #ex.terms,
    opts.method or (s and s.method) or "none", ex.train:size(), ex.test:size())
  return ex
end

--- Loads, filters, splits and represents a dataset: the experiment, or nil and a message
-- when the data cannot be read or nothing is left after filtering.
-- opts: data ("safe" | "socialfx" | "audealize" | a file path), min_examples, stoplist
-- (list of words, default data.filters.default_stoplist; false for none), stem (merge
-- "brighter" into "bright", data.filters.stem), terms (keep only these words, folded as
-- keys are), strict_terms (each of terms must be in the data: a --terms flag), top_terms
-- (keep the n most frequent), split ("user" | "stratified" | "row" | "none"), test
-- (0.25), seed, input ("params" | "curve40", for SAFE), rep (representation kind, e.g.
-- "floweq13"; default by dataset), rep_state (reuse a fitted representation).
function experiment.prepare(opts)
  opts = check_opts(opts, "prepare")
  local ds, kind = experiment.dataset(opts)
  if not ds then return nil, kind end
  local method = opts.split or DEFAULTS[kind].split
  local s, err
  if method ~= "none" then
    s, err = make_split(ds, method, {test = opts.test or 0.25, seed = opts.seed or 1})
    if not s then return nil, err end
  end
  local ro = {}
  for k, v in pairs(opts) do ro[k] = v end
  ro.method = method
  return experiment.represent(ds, kind, s, ro)
end

return experiment
