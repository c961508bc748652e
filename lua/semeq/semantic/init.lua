--- semeq.semantic: a trained model together with what gives its latent space meaning.
--
--   local semantic = require "semeq.semantic"
--   local sm = semantic.from_training(model, ex)           -- after training
--   assert(sm:save("models/warm_bright.safetensors", {metrics = report}))    -- or nil, message
--   local sm = assert(semantic.load("models/safe_warm_bright.safetensors"))  -- or nil, message
--   local z = sm:term_code("warm")                         -- the term's place in the latent space
--   local eq = sm:eq_for(sm:interpolate("warm", "bright", 0.3), 0.7)
--   -- eq.kind == "safe" (eq.params: 13 SAFE parameters) or "graphic40" (eq.gains: 40 dB)
--
-- The file is a model file (semeq.models.io) whose metadata also holds the
-- representation (normalisation fitted on the training split), the vocabulary, each
-- term's centroid in the latent space, and the training rows' codes, labels and raw
-- settings (so that a held-out evaluation can classify by nearest training neighbours
-- without the training data at hand).
--
-- Inference (encode, decode, eq_for) runs on the C model runtime (semeq.runtime, the engine
-- of the public C API src/semeq.h), so that scripts, the plug-in and C hosts get the same
-- numbers.
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local json = require "semeq.util.json"
local mio = require "semeq.models.io"
local runtime = require "semeq.runtime"
local settings = require "semeq.settings"
local representations = require "semeq.settings.representations"
local text = require "semeq.data.text"

local semantic = {}
local Semantic = {}
Semantic.__index = Semantic

local function rows_of(t) return t:totable() end

local function centroids_of(codes, labels)
  local sum, count, order = {}, {}, {}
  local rows = rows_of(codes)
  for i, key in ipairs(labels) do
    if not sum[key] then
      sum[key], count[key] = {}, 0
      for j = 1, #rows[i] do sum[key][j] = 0 end
      order[#order + 1] = key
    end
    for j, v in ipairs(rows[i]) do sum[key][j] = sum[key][j] + v end
    count[key] = count[key] + 1
  end
  local out = {}
  for key, s in pairs(sum) do
    for j = 1, #s do s[j] = s[j] / count[key] end
    out[key] = s
  end
  table.sort(order)
  return out, order
end

local function stack_params(records)
  local out = {}
  for i, r in ipairs(records) do out[i] = r.params:totable() end
  return out
end

-- The users of records (nil when any record has none).
local function users_of(records)
  local out = {}
  for i, r in ipairs(records) do
    if r.user == nil then return nil end
    out[i] = r.user
  end
  return out
end

-- The runtime of a model in memory: what a saved file would hold for it.
local function build_runtime(sm)
  local dict, names = sm.model:stateDict()
  local tensors = {}
  for i, name in ipairs(names) do tensors[i] = dict[name]:contiguous() end
  local rt, err = runtime.build(names, tensors, {
    graph = json.encode(mio.graph(sm.model)), representation = json.encode(sm.rep:state()),
    terms = json.encode(sm.terms), centroids = json.encode(sm.centroids)}, "semantic.from_training")
  if not rt then error(err, 3) end
  return rt
end

--- Wraps a trained model and its experiment (semeq.data.prepare). A term's place is the
-- mean code of its training rows, or the model's own (model:term_code(k) for the k-th of
-- config.terms) when it has one. The weights are copied into the runtime: train no
-- further through this object.
function semantic.from_training(model, ex, info)
  if type(model) ~= "table" or type(model.encode) ~= "function" or type(model.evaluate) ~= "function" then
    error("semantic.from_training: model must be a trained model with encode (semeq.models), got " .. type(model), 2)
  end
  if type(ex) ~= "table" or type(ex.X) ~= "table" or not T.isTensor(ex.X.train) or type(ex.y) ~= "table" then
    error("semantic.from_training: ex must be an experiment from semeq.data.prepare, got " .. type(ex), 2)
  end
  model:evaluate()
  local codes = model:encode(ex.X.train):clone()
  local centroids, terms = centroids_of(codes, ex.y.train)
  if model.term_code then
    for k, term in ipairs(model.config.terms) do centroids[term] = model:term_code(k):totable() end
  end
  local sm = setmetatable({
    model = model, rep = ex.rep, terms = terms, centroids = centroids,
    train_codes = codes, train_labels = ex.y.train, train_params = stack_params(ex.train.records),
    train_users = users_of(ex.train.records), info = info or {},
  }, Semantic)
  sm.runtime = build_runtime(sm)
  return sm
end

--- Saves model and meaning to path (atomically); extra: more metadata (tables as JSON).
-- true, or nil and a message.
function Semantic:save(path, extra)
  local meta = {
    representation = self.rep:state(),
    terms = self.terms,
    centroids = self.centroids,
    train_codes = rows_of(self.train_codes),
    train_labels = self.train_labels,
    train_params = self.train_params,
    train_users = self.train_users,
    info = self.info,
  }
  for k, v in pairs(extra or {}) do meta[k] = v end
  return mio.save(self.model, path, meta)
end

-- The JSON value of metadata entry key, or nil and why not.
local function decode_field(meta, key, path)
  local s = meta[key]
  if s == nil then return nil, string.format("%s has no '%s' entry: not a semeq semantic model", path, key) end
  local v, err = json.decode(s)
  if v == nil then return nil, string.format("%s: bad '%s' entry: %s", path, key, err) end
  return v
end

-- A list of `count` rows (nil: any number) of `width` finite numbers, or nil and one line
-- naming the file and the field (JSON nulls decode to json.null, caught by the type test).
local function rows_field(v, key, path, count, width)
  local function bad(fmt, ...) return nil, string.format("%s: metadata '%s': " .. fmt, path, key, ...) end
  if type(v) ~= "table" or #v == 0 then return bad("expected a non-empty list of rows") end
  if count and #v ~= count then return bad("has %d rows, 'train_codes' has %d", #v, count) end
  for i = 1, #v do
    local row = v[i]
    if type(row) ~= "table" or #row ~= width then return bad("row %d is not a list of %d numbers", i, width) end
    for j = 1, width do
      local x = row[j]
      if type(x) ~= "number" or x ~= x or math.abs(x) == math.huge then
        return bad("row %d value %d is not a finite number", i, j)
      end
    end
  end
  return v
end

-- One value per row of the codes (metadata `key`, n rows), each of a type `accepts` holds:
-- v, or nil and one line naming the file and the field.
local function per_row_field(v, key, path, n, what, accepts)
  local ok = type(v) == "table" and #v == n
  for i = 1, ok and n or 0 do
    if not accepts[type(v[i])] then
      ok = false
      break
    end
  end
  if not ok then
    return nil, string.format("%s: metadata '%s': expected one %s per row of 'train_codes' (%d)", path, key, what, n)
  end
  return v
end

local FIELDS = {"representation", "terms", "centroids", "train_codes", "train_labels", "train_params"}

--- Loads a model file written by Semantic:save: the semantic model, or nil and a message.
function semantic.load(path)
  local model, meta = mio.load(path)
  if not model then return nil, meta end
  if type(model) ~= "table" or not model.encode then
    return nil, string.format("%s holds no model config", path)
  end
  local rt, rerr = runtime.load(path)
  if not rt then return nil, rerr end
  model:evaluate()
  local sm = setmetatable({model = model, meta = meta, runtime = rt, path = path}, Semantic)
  local fields = {}
  for _, key in ipairs(FIELDS) do
    local v, err = decode_field(meta, key, path)
    if v == nil then return nil, err end
    fields[key] = v
  end
  local ok, rep = pcall(representations.from_state, fields.representation)
  if not ok then
    return nil, string.format("%s: metadata 'representation': %s", path, tostring(rep):gsub("^representation: ", ""))
  end
  sm.rep = rep
  sm.terms, sm.centroids = fields.terms, fields.centroids
  local codes, err = rows_field(fields.train_codes, "train_codes", path, nil, rt:latent_size())
  if not codes then return nil, err end
  sm.train_codes = T.new(codes)
  local n = #codes
  sm.train_labels, err = per_row_field(fields.train_labels, "train_labels", path, n, "word", {string = true})
  if not sm.train_labels then return nil, err end
  sm.train_params, err = rows_field(fields.train_params, "train_params", path, n, rep.kind == "graphic40" and 40 or 13)
  if not sm.train_params then return nil, err end
  sm.info = meta.info and json.decode(meta.info) or {}
  if type(sm.info) ~= "table" then return nil, string.format("%s: metadata 'info': expected an object", path) end
  if meta.train_users then
    -- anonymised ids: strings or numbers
    sm.train_users, err = per_row_field(json.decode(meta.train_users), "train_users", path, n, "user id",
      {string = true, number = true})
    if not sm.train_users then return nil, err end
  end
  return sm
end

-- What print(sm) shows in the REPL: the file, what the model reads and gives, its terms
-- (with their training rows) and the network with its parameter count.
function Semantic:__tostring()
  local count = {}
  for _, key in ipairs(self.train_labels or {}) do count[key] = (count[key] or 0) + 1 end
  local terms = {}
  for i, key in ipairs(self.terms) do terms[i] = count[key] and string.format("%s (%d)", key, count[key]) or key end
  local gives = self.rep.kind == "graphic40" and "40 graphic-EQ gains" or "SAFE 5-band settings"
  return string.format("semeq.semantic model%s\n  reads %s (%d values), gives %s; latent size %d\n"
    .. "  terms (training rows): %s\n  network: %s, %s (print(sm.model) shows its layers)",
    self.path and (" " .. self.path) or "", self.rep.kind, self.rep.size, gives, self:latent_size(),
    table.concat(terms, ", "), self.model.__typename, tostring(self.model):match("[^\n]*$"))
end

--- The training rows as records ({params = tensor, key = term}), for baselines.
function Semantic:train_records()
  local out = {}
  for i, p in ipairs(self.train_params) do out[i] = {params = T.new(p), key = self.train_labels[i]} end
  return out
end

function Semantic:latent_size() return self.train_codes:size(2) end

--- Codes of inputs X (in the representation's space).
function Semantic:encode(X) return self.runtime:encode(X) end
--- Reconstructions (in the representation's space) of codes Z.
function Semantic:decode(Z) return self.runtime:decode(Z) end

--- The model's own spelling of a word (terms are keys: lower case, trimmed, as the
-- training data was normalised), or nil and a message listing the words it knows.
function Semantic:term(word)
  if type(word) ~= "string" then error("semantic:term: word must be a string, got " .. type(word), 2) end
  local key = text.key(word)
  if self.centroids[key] then return key end
  return nil, string.format("unknown term '%s'; this model knows: %s", word, table.concat(self.terms, ", "))
end

--- The latent code of a term (its centroid); a word the model does not know is an
-- error (check it first with sm:term(word)).
function Semantic:term_code(word)
  local key, err = self:term(word)
  if not key then error(err, 2) end
  return T.new(self.centroids[key])
end

local function as_code(self, x)
  if type(x) == "string" then return self:term_code(x) end
  return x
end

--- The code alpha of the way from a to b (terms or codes): (1 - alpha) a + alpha b.
function Semantic:interpolate(a, b, alpha)
  if math.type(alpha) == nil or alpha ~= alpha or math.abs(alpha) == math.huge then
    error("semantic:interpolate: alpha must be a finite number, got " .. tostring(alpha), 2)
  end
  local za, zb = as_code(self, a), as_code(self, b)
  return za * (1 - alpha) + zb * alpha
end

--- The latent columns that carry the words: the model config's `semantic` columns (the
-- first k), or every column. Metrics of "the code" are computed on these.
function Semantic:semantic_columns()
  local cfg = self.model.config or {}
  local k = math.tointeger(cfg.semantic) or self:latent_size()
  local out = {}
  for j = 1, k do out[j] = j end
  return out
end

--- SAFE settings [n x 13] a person could dial in for rows X of the representation
-- (inputs or decoded outputs): curve40 rows are fitted by the 5-band fitter, parameter
-- rows are mapped back by the normaliser. Only for SAFE models.
function Semantic:realise(X)
  if not T.isTensor(X) then error("semantic:realise: X must be a tensor of rows, got " .. type(X), 2) end
  if self.rep.kind == "curve40" then
    local db, rows = self.rep:db(X), {}
    local freqs = eq.g40_freqs()
    for i = 1, db:size(1) do
      rows[i] = eq.fit_safe(db[i], freqs, {fs = settings.safe.fs}):totable()
    end
    return T.new(rows)
  end
  if self.rep.kind == "graphic40" then error("semantic:realise: a 40-band model gives gains, not SAFE settings", 2) end
  return self.rep:params(X)
end

--- Rows X (inputs) moved towards term by amount in [0, 1], in the representation's
-- space: the semantic columns of each code go (1 - amount) of the way they are and
-- amount of the way to the term's centroid; the other columns keep the row's style (a
-- model with its own rule, model:edit_codes, applies that instead). amount 0 is the row as
-- the model reconstructs it.
function Semantic:edit(X, term, amount)
  local key, err = self:term(term)
  if not key then error(err, 2) end
  if type(amount) ~= "number" or not (amount >= 0 and amount <= 1) then  -- NaN fails both
    error("semantic:edit: amount must be a number in [0, 1], got " .. tostring(amount), 2)
  end
  local Z = self:encode(X)
  if self.model.edit_codes then
    for k, name in ipairs(self.model.config.terms) do
      if name == key then return self:decode(self.model:edit_codes(Z, k, amount)) end
    end
  end
  local target = self.centroids[key]
  for _, j in ipairs(self:semantic_columns()) do
    local col = Z:select(2, j)
    col:mul_(1 - amount):add_(amount * target[j])
  end
  return self:decode(Z)
end

--- EQ settings for a code (or term), with every gain scaled by intensity (default 1):
-- {kind = "safe", params = {13}} or {kind = "graphic40", gains = {40 dB}}. A model of
-- 40-point SAFE curves (curve40) is realised by fitting the 5-band EQ to its curve
-- (eq.fit_safe's defaults: inside SAFE's ranges); fit_error_db then says how closely
-- (max |dB| at the 40 centres).
function Semantic:eq_for(code, intensity)
  return self.runtime:eq_for(as_code(self, code), intensity or 1)
end

return semantic
