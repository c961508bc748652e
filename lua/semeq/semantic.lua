--- semeq.semantic: a trained model together with what gives its latent space meaning.
--
--   local semantic = require "semeq.semantic"
--   local sm = semantic.from_training(model, ex)           -- after training
--   sm:save("models/warm_bright.safetensors", {metrics = report})
--   local sm = semantic.load("models/safe_warm_bright.safetensors")
--   local z = sm:term_code("warm")                         -- the term's place in the latent space
--   local eq = sm:eq_for(sm:interpolate("warm", "bright", 0.3), 0.7)
--   -- eq.kind == "safe" (eq.params: 13 SAFE parameters) or "graphic40" (eq.gains: 40 dB)
--
-- The file is a safetensors model file (semeq.nn.save) whose metadata also holds the
-- representation (normalisation fitted on the training split), the vocabulary, each
-- term's centroid in the latent space, and the training rows' codes, labels and raw
-- settings (so that a held-out evaluation can classify by nearest training neighbours
-- without the training data at hand).
--
-- Inference (encode, decode, eq_for) runs on the C model runtime (semeq.runtime, the engine
-- of the public C API src/semeq.h), so that scripts and C hosts get the same numbers.
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local runtime = require "semeq.runtime"
local representations = require "semeq.experiment.representations"

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

-- The runtime of a model in memory: what a saved file would hold for it.
local function build_runtime(sm)
  local dict, names = sm.model:stateDict()
  local tensors = {}
  for i, name in ipairs(names) do tensors[i] = dict[name]:contiguous() end
  local rt, err = runtime.build(names, tensors, {
    graph = nn.json.encode(nn.graph(sm.model)), representation = nn.json.encode(sm.rep:state()),
    terms = nn.json.encode(sm.terms), centroids = nn.json.encode(sm.centroids)}, "semantic.from_training")
  if not rt then error(err, 0) end
  return rt
end

--- Wraps a trained model and its experiment (semeq.experiment.prepare). The model's weights
-- are copied into the runtime: train no further through this object.
function semantic.from_training(model, ex, info)
  model:evaluate()
  local codes = model:encode(ex.X.train):clone()
  local centroids, terms = centroids_of(codes, ex.y.train)
  local sm = setmetatable({
    model = model, rep = ex.rep, terms = terms, centroids = centroids,
    train_codes = codes, train_labels = ex.y.train, train_params = stack_params(ex.train.records),
    info = info or {},
  }, Semantic)
  sm.runtime = build_runtime(sm)
  return sm
end

--- Saves model and meaning to path (atomically). extra: more metadata (tables as JSON).
function Semantic:save(path, extra)
  local meta = {
    representation = self.rep:state(),
    terms = self.terms,
    centroids = self.centroids,
    train_codes = rows_of(self.train_codes),
    train_labels = self.train_labels,
    train_params = self.train_params,
    info = self.info,
  }
  for k, v in pairs(extra or {}) do meta[k] = v end
  nn.save(self.model, path, meta)
end

local function decode_field(meta, key, path)
  local s = meta[key]
  if s == nil then error(string.format("semantic.load: %s has no '%s' entry: not a semeq semantic model", path, key), 0) end
  local ok, v = pcall(nn.json.decode, s)
  if not ok then error(string.format("semantic.load: %s: bad '%s' entry: %s", path, key, tostring(v)), 0) end
  return v
end

-- A list of `count` rows (nil: any number) of `width` finite numbers, or one line naming the
-- file and the field (JSON nulls decode to holes, caught by counting keys).
local function rows_field(meta, key, path, count, width)
  local v = decode_field(meta, key, path)
  local function bad(fmt, ...)
    error(string.format("semantic.load: %s: metadata '%s': " .. fmt, path, key, ...), 0)
  end
  local function length(t)
    local n = 0
    for _ in pairs(t) do n = n + 1 end
    return n == #t and n or nil
  end
  if type(v) ~= "table" or not length(v) or #v == 0 then bad("expected a non-empty list of rows without nulls") end
  if count and #v ~= count then bad("has %d rows, 'train_codes' has %d", #v, count) end
  for i = 1, #v do
    local row = v[i]
    if type(row) ~= "table" or length(row) ~= width then
      bad("row %d is not a list of %d numbers", i, width)
    end
    for j = 1, width do
      local x = row[j]
      if type(x) ~= "number" or x ~= x or math.abs(x) == math.huge then bad("row %d value %d is not a finite number", i, j) end
    end
  end
  return v
end

--- Loads a model file written by Semantic:save.
function semantic.load(path)
  local model, meta = nn.load(path)
  local rt, err = runtime.load(path)
  if not rt then error("semantic.load: " .. err, 0) end
  if type(model) ~= "table" or not model.encode then
    error(string.format("semantic.load: %s holds no model config", path), 0)
  end
  model:evaluate()
  local sm = setmetatable({model = model, meta = meta, runtime = rt}, Semantic)
  sm.rep = representations.from_state(decode_field(meta, "representation", path))
  sm.terms = decode_field(meta, "terms", path)
  sm.centroids = decode_field(meta, "centroids", path)
  sm.train_codes = T.new(rows_field(meta, "train_codes", path, nil, rt:latent_size()))
  sm.train_labels = decode_field(meta, "train_labels", path)
  local labels, n = sm.train_labels, sm.train_codes:size(1)
  local fine = type(labels) == "table" and #labels == n
  for i = 1, fine and n or 0 do fine = fine and type(labels[i]) == "string" end
  if not fine then
    error(string.format("semantic.load: %s: metadata 'train_labels': expected one word per row of 'train_codes' (%d)",
      path, n), 0)
  end
  sm.train_params = rows_field(meta, "train_params", path, n, sm.rep.kind == "graphic40" and 40 or 13)
  sm.info = meta.info and decode_field(meta, "info", path) or {}
  if type(sm.info) ~= "table" then error(string.format("semantic.load: %s: metadata 'info': expected an object", path), 0) end
  return sm
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

--- The latent code of a term (its centroid), or an error listing the known terms.
function Semantic:term_code(term)
  local c = self.centroids[term]
  if not c then
    error(string.format("unknown term '%s'; this model knows: %s", tostring(term), table.concat(self.terms, ", ")), 0)
  end
  return T.new(c)
end

local function as_code(self, x)
  if type(x) == "string" then return self:term_code(x) end
  return x
end

--- The code alpha of the way from a to b (terms or codes): (1 - alpha) a + alpha b.
function Semantic:interpolate(a, b, alpha)
  local za, zb = as_code(self, a), as_code(self, b)
  return za * (1 - alpha) + zb * alpha
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
