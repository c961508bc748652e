--- semeq.settings.representations: how EQ settings become model inputs, and how model
-- outputs become decibels again.
--
-- A representation is fitted on the training split only (its constants go into the
-- model file) and offers:
--   rep:input(records)      -> X [n x d], what the model reads and reconstructs (records,
--                              or a tensor of settings [n x p])
--   rep:db(X)               -> [n x m] dB curve of inputs or reconstructions, on which
--                              reconstruction error is measured
--   rep:baseline(records)   -> {params = [n x d'], response = [n x m']}: the raw spaces
--                              that the latent space is compared against
--   rep:state()             -> a plain table to store, rep.from_state(state) to rebuild
--   rep:random(n)           -> n synthetic inputs for reconstruction-only training rows
--                              (safe13: uniform in the box; curve40: curves of such settings;
--                              graphic40: mixed training curves)
--
--   safe13    SAFE's 13 parameters: bands sorted by frequency, gains / 12, log-frequency
--             and log-Q min-max scaled, and every column then mapped to [0, 1] so that
--             the decoder's sigmoid bounds them; dB = the response on the 64-point grid.
--   floweq13  SAFE's 13 parameters as FlowEQ normalised them: bands sorted, each column
--             linearly min-max scaled with FlowEQ's fixed ranges (nothing fitted).
--   curve40   a SAFE setting's response at the 40 Audealize centres, / 12 dB; dB = x 12.
--   graphic40 a 40-band word curve (SocialFX z-scored shapes, Audealize word curves); dB =
--             Audealize's realisation: min-max to [-1, 1] x 5 dB (amount 1).
-- reps.fit(kind, records, {seed = true}) gives the seed system's preprocessing instead
-- (see reps.fit): its models are compared on the inputs they were built for.
local T = require "semeq.tensor"
local represent = require "semeq.settings.represent"
local settings = require "semeq.settings"

local reps = {}

-- SAFE settings [n x p] from records ({params = tensor}) or a tensor of settings.
local function stack(records)
  if T.isTensor(records) then return records end
  local rows = {}
  for i, r in ipairs(records) do rows[i] = r.params end
  if #rows == 0 then error("representation: no records", 3) end
  local out = T.zeros(#rows, rows[1]:numel())
  for i, p in ipairs(rows) do out[i] = p end
  return out
end

local GAIN_COLUMNS = settings.safe.gain_columns
local GRID = settings.grid()

-- [-1, 1] gains <-> [0, 1]; the other columns are already in [0, 1].
local function gains_to_unit(Z, forward)
  Z = Z:clone()
  for _, j in ipairs(GAIN_COLUMNS) do
    local col = Z:select(2, j)
    if forward then col:add_(1):mul_(0.5) else col:mul_(2):add_(-1) end
  end
  return Z
end

local Safe13 = {}
Safe13.__index = Safe13

-- SAFE settings normalised with the training split's ranges, all columns in [0, 1].
local function unit_params(self, P)
  return gains_to_unit(self.normaliser:transform(P), true)
end

function Safe13:input(records) return unit_params(self, stack(records)) end

function Safe13:params(X)
  return self.normaliser:inverse(gains_to_unit(X:clamp(0, 1), false))
end

function Safe13:db(X) return represent.response(self:params(X), GRID) end

-- n settings drawn uniformly from the normalised parameter box (for synthetic training rows).
function Safe13:random(n) return T.rand(n, 13) end

local function safe_baseline(self, records)
  local P = stack(records)
  return {params = unit_params(self, P), response = represent.response(P, GRID)}
end

Safe13.baseline = safe_baseline

function Safe13:state() return {kind = "safe13", normaliser = self.normaliser:state()} end

-- FlowEQ's normalisation (its train/utils.py): bands sorted by frequency, then every
-- column linearly min-max scaled with fixed ranges (data README; settings.safe.ranges).
-- Sorting keeps each band within its positional range: the lowest of the three lies in
-- band 1's range, the middle one in band 2's, the highest in band 3's. Nothing is fitted.
local FLOWEQ_RANGES = settings.safe.ranges

local Floweq13 = {}
Floweq13.__index = Floweq13

function Floweq13:input(records)
  local rows = represent.sort_bands(stack(records)):totable()
  for _, r in ipairs(rows) do
    for j, rg in ipairs(FLOWEQ_RANGES) do r[j] = (r[j] - rg[1]) / (rg[2] - rg[1]) end
  end
  return T.new(rows)
end

function Floweq13:params(X)
  local rows = X:clamp(0, 1):totable()
  for _, r in ipairs(rows) do
    for j, rg in ipairs(FLOWEQ_RANGES) do r[j] = rg[1] + r[j] * (rg[2] - rg[1]) end
  end
  return T.new(rows)
end

function Floweq13:db(X) return represent.response(self:params(X), GRID) end

function Floweq13:baseline(records)
  return {params = self:input(records), response = represent.response(stack(records), GRID)}
end

function Floweq13:state() return {kind = "floweq13"} end

local Curve40 = {}
Curve40.__index = Curve40

function Curve40:input(records) return represent.curve40(stack(records)) / 12 end
function Curve40:db(X) return X * 12 end

Curve40.baseline = safe_baseline

-- The curves of n settings drawn uniformly from the normalised parameter box.
function Curve40:random(n)
  return represent.curve40(self.normaliser:inverse(gains_to_unit(T.rand(n, 13), false))) / 12
end

function Curve40:state() return {kind = "curve40", normaliser = self.normaliser:state()} end

local Graphic40 = {}
Graphic40.__index = Graphic40

-- With standardise (the seed's SocialFX preprocessing), every column is z-scored with the
-- training rows' mean and standard deviation (+ 1e-6, population sd, as numpy's std).
local function column_stats(X)
  local mean = X:mean(1)
  local centred = X - mean:view(1, -1)
  local sd = (centred * centred):mean(1):sqrt():add(1e-6)
  return mean, sd
end

local function standardised(self, X)
  if not self.column_mean then return X end
  return (X - self.column_mean:view(1, -1)) / self.column_std:view(1, -1)
end

local function curves(self, X)
  if not self.column_mean then return X end
  return X * self.column_std:view(1, -1) + self.column_mean:view(1, -1)
end

function Graphic40:input(records) return standardised(self, stack(records)) end
function Graphic40:db(X) return represent.curve_db(curves(self, X), 1) end

function Graphic40:baseline(records)
  local X = stack(records)
  return {params = X, response = represent.curve_db(X, 1)}
end

-- n synthetic word curves: mixtures of two random training curves with random weights,
-- z-scored again as the data's rows are (training-time reconstruction rows only).
function Graphic40:random(n)
  local pool = self.training
  if not pool then error("graphic40: random curves need a representation fitted on training rows", 2) end
  local m = pool:size(1)
  local a = (T.rand(n) * m):floor():add_(1)
  local b = (T.rand(n) * m):floor():add_(1)
  local w = T.rand(n, 1)
  local mix = pool:index_select(1, a) * w + pool:index_select(1, b) * (1 - w)
  local centred = mix - mix:mean(2, true)
  return standardised(self, centred / (centred:std(2, true) + 1e-6))
end

function Graphic40:state()
  if not self.column_mean then return {kind = "graphic40"} end
  return {kind = "graphic40", column_mean = self.column_mean:totable(), column_std = self.column_std:totable()}
end

local classes = {safe13 = Safe13, floweq13 = Floweq13, curve40 = Curve40, graphic40 = Graphic40}
local SIZE = {safe13 = 13, floweq13 = 13, curve40 = 40, graphic40 = 40}

--- Fits representation `kind` on the training records. opts.seed: the seed system's
-- preprocessing instead of semeq's — safe13 as its SAFE v2 (bands unsorted, one range for
-- all frequencies and one for all Qs, log(f + 1)), graphic40 z-scored per column.
function reps.fit(kind, train_records, opts)
  local class = classes[kind]
  if not class then error(string.format("representation: unknown kind '%s' (safe13, floweq13, curve40, graphic40)", tostring(kind)), 2) end
  local seed = opts and opts.seed
  local rep = setmetatable({kind = kind, size = SIZE[kind]}, class)
  if kind == "safe13" or kind == "curve40" then
    local how = seed and kind == "safe13" and {pooled = true, freq_offset = 1} or {sort = true}
    rep.normaliser = represent.fit_normaliser(stack(train_records), how)
  end
  if kind == "graphic40" then
    rep.training = stack(train_records)
    if seed then rep.column_mean, rep.column_std = column_stats(rep.training) end
  end
  return rep
end

-- Raises unless v is a list of n finite numbers (a state read from a model file).
local function check_column(v, key, n)
  local ok = type(v) == "table" and #v == n
  for j = 1, ok and n or 0 do ok = ok and type(v[j]) == "number" and v[j] == v[j] and math.abs(v[j]) ~= math.huge end
  if not ok then error(string.format("representation: '%s' must be a list of %d finite numbers", key, n), 3) end
end

--- Rebuilds a representation from rep:state().
function reps.from_state(s)
  if type(s) ~= "table" then error("representation: the state must be a table, got " .. type(s), 2) end
  local class = classes[s.kind]
  if not class then error(string.format("representation: unknown kind '%s'", tostring(s.kind)), 2) end
  local rep = setmetatable({kind = s.kind, size = SIZE[s.kind]}, class)
  if s.normaliser then rep.normaliser = represent.normaliser_from_state(s.normaliser) end
  if s.column_mean or s.column_std then
    check_column(s.column_mean, "column_mean", rep.size)
    check_column(s.column_std, "column_std", rep.size)
    rep.column_mean, rep.column_std = T.new(s.column_mean), T.new(s.column_std)
  end
  return rep
end

return reps
