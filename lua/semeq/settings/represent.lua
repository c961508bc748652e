--- semeq.settings.represent: EQ settings as numbers for models and metrics.
--
--   normaliser = represent.fit_normaliser(P_train, {sort = true})  -- SAFE [n x 13]
--   Z = normaliser:transform(P); P2 = normaliser:inverse(Z)        -- exact up to float32
--   R = represent.response(P)                                       -- [n x 64] dB on settings.grid()
--   C = represent.curve40(P)                                        -- [n x 40] dB at the graphic centres
--   D = represent.curve_db(curves, amount)                          -- Audealize/SocialFX curves in dB
--   R = represent.graphic_response(D)                               -- their 40-biquad response
--
-- SAFE parameter order and roles: semeq.settings.safe.
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local settings = require "semeq.settings"

local M = {}

local SAFE_ROLE = settings.safe.roles
local GAIN = "gain"

local function as_rows(P, fn)
  if not T.isTensor(P) then error(fn .. ": expected a tensor of EQ settings", 3) end
  if P:dim() == 1 then return P:view(1, -1):totable(), true end
  if P:dim() ~= 2 then error(string.format("%s: expected [n x p] settings, got %d dims", fn, P:dim()), 3) end
  return P:totable(), false
end

local function check_safe(rows, fn)
  for i, r in ipairs(rows) do
    if #r ~= 13 then error(string.format("%s: SAFE settings have 13 parameters, row %d has %d", fn, i, #r), 3) end
  end
end

-- The three peaking bands of each row ordered by frequency (as FlowEQ does before
-- training: the response does not depend on their order).
function M.sort_bands(P)
  local rows, one = as_rows(P, "sort_bands")
  check_safe(rows, "sort_bands")
  for _, r in ipairs(rows) do
    local bands = {{r[3], r[4], r[5]}, {r[6], r[7], r[8]}, {r[9], r[10], r[11]}}
    table.sort(bands, function(a, b) return a[2] < b[2] end)
    for b = 1, 3 do
      for j = 1, 3 do r[2 + (b - 1) * 3 + j] = bands[b][j] end
    end
  end
  local out = T.new(rows)
  return one and out[1] or out
end

local Normaliser = {}
Normaliser.__index = Normaliser

-- Fits the ranges on P (the training split only). Gains are divided by 12; log
-- frequency and log Q are min-max scaled to [0, 1] with the fitted ranges.
-- opts: sort (bands by frequency first), pooled (one range for all five frequencies and
-- one for the three Qs, as the seed's SAFE v2 fits them, instead of one per column),
-- freq_offset (log(f + offset) for frequencies: the seed's v2 takes log10(f + 1); the
-- base of the log does not matter once min-max scaled).
function M.fit_normaliser(P, opts)
  opts = opts or {}
  local rows = as_rows(P, "fit_normaliser")
  check_safe(rows, "fit_normaliser")
  if #rows < 1 then error("fit_normaliser: no rows", 2) end
  if opts.sort then rows = M.sort_bands(T.new(rows)):totable() end
  local offset = opts.freq_offset or 0
  local lo, hi = {}, {}
  for j, role in ipairs(SAFE_ROLE) do
    if role ~= GAIN then
      local a, b = math.huge, -math.huge
      for _, r in ipairs(rows) do
        if not (r[j] > 0) then error(string.format("fit_normaliser: parameter %d must be > 0, got %s", j, r[j]), 2) end
        local v = math.log(r[j] + (role == "freq" and offset or 0))
        if v < a then a = v end
        if v > b then b = v end
      end
      lo[j], hi[j] = a, b
    end
  end
  for j, role in ipairs(SAFE_ROLE) do
    if opts.pooled and role ~= GAIN then
      for k, other in ipairs(SAFE_ROLE) do
        if other == role then lo[j], hi[j] = math.min(lo[j], lo[k]), math.max(hi[j], hi[k]) end
      end
    end
  end
  for j in pairs(lo) do
    if hi[j] - lo[j] < 1e-12 then hi[j] = lo[j] + 1 end -- a constant column maps to 0
  end
  return setmetatable({sort = opts.sort == true, lo = lo, hi = hi, gain_scale = 12, freq_offset = offset}, Normaliser)
end

-- A normaliser from a saved state (the table returned by :state()).
function M.normaliser_from_state(s)
  return setmetatable({sort = s.sort, lo = s.lo, hi = s.hi, gain_scale = s.gain_scale or 12,
                       freq_offset = s.freq_offset or 0}, Normaliser)
end

-- lo and hi are dense 13-element arrays in the state (0 in the gain columns, which do
-- not use them) so that the state is a plain JSON array, not a table with holes.
function Normaliser:state()
  local lo, hi = {}, {}
  for j = 1, #SAFE_ROLE do lo[j], hi[j] = self.lo[j] or 0, self.hi[j] or 0 end
  return {sort = self.sort, lo = lo, hi = hi, gain_scale = self.gain_scale,
          freq_offset = self.freq_offset ~= 0 and self.freq_offset or nil}
end

function Normaliser:transform(P)
  if self.sort then P = M.sort_bands(P) end
  local rows, one = as_rows(P, "transform")
  check_safe(rows, "transform")
  for _, r in ipairs(rows) do
    for j, role in ipairs(SAFE_ROLE) do
      if role == GAIN then
        r[j] = r[j] / self.gain_scale
      else
        local offset = role == "freq" and self.freq_offset or 0
        r[j] = (math.log(r[j] + offset) - self.lo[j]) / (self.hi[j] - self.lo[j])
      end
    end
  end
  local out = T.new(rows)
  return one and out[1] or out
end

function Normaliser:inverse(Z)
  local rows, one = as_rows(Z, "inverse")
  check_safe(rows, "inverse")
  for _, r in ipairs(rows) do
    for j, role in ipairs(SAFE_ROLE) do
      if role == GAIN then
        r[j] = r[j] * self.gain_scale
      else
        local offset = role == "freq" and self.freq_offset or 0
        r[j] = math.exp(self.lo[j] + r[j] * (self.hi[j] - self.lo[j])) - offset
      end
    end
  end
  local out = T.new(rows)
  return one and out[1] or out
end

local function freq_tensor(freqs)
  if T.isTensor(freqs) then return freqs end
  if type(freqs) == "table" then return T.new(freqs) end
  error("response: freqs must be a tensor or a table of frequencies", 3)
end

-- Magnitude response in dB of SAFE settings P ([n x 13] or [13]) at freqs (default:
-- settings.grid()), fs = opts.fs or SAFE's, computed by semeq.eq.
function M.response(P, freqs, opts)
  if not T.isTensor(P) then error("response: expected a tensor of EQ settings", 2) end
  local rows = P:dim() == 1 and P:view(1, -1) or P
  local R = eq.response("safe", rows, freq_tensor(freqs or settings.grid()), {fs = opts and opts.fs or settings.safe.fs})
  return P:dim() == 1 and R[1] or R
end

local CENTRES = T.new(settings.graphic.centres)

-- A SAFE setting's response at the 40 graphic-EQ centre frequencies (dB), so that one
-- model family can serve both datasets.
function M.curve40(P, opts)
  return M.response(P, CENTRES, opts)
end

-- Response in dB of the 40-band graphic EQ (Audealize's realisation, semeq.eq's
-- graphic40): one peaking biquad per band with gain G[i][j] dB at centre j, fs = opts.fs
-- or the graphic EQ's. G is [n x 40] (e.g. from curve_db) or [40]; freqs default to
-- settings.grid().
function M.graphic_response(G, freqs, opts)
  if not T.isTensor(G) then error("graphic_response: expected a tensor of gains", 2) end
  local rows = G:dim() == 1 and G:view(1, -1) or G
  local nbands = #settings.graphic.centres
  if rows:dim() ~= 2 or rows:size(2) ~= nbands then
    error(string.format("graphic_response: row 1 has %d gains, expected %d", rows:size(rows:dim()), nbands), 2)
  end
  local R = eq.response("graphic40", rows, freq_tensor(freqs or settings.grid()), {fs = opts and opts.fs or settings.graphic.fs})
  return G:dim() == 1 and R[1] or R
end

-- Audealize's realisation of 40-band curves in dB: each row min-max normalised to
-- [-1, 1], times 5 * amount (amount defaults to 1).
function M.curve_db(C, amount)
  amount = amount or 1
  local rows, one = as_rows(C, "curve_db")
  for _, r in ipairs(rows) do
    local lo, hi = math.huge, -math.huge
    for _, v in ipairs(r) do
      if v < lo then lo = v end
      if v > hi then hi = v end
    end
    local span = hi - lo
    for j, v in ipairs(r) do r[j] = span > 0 and ((v - lo) / span * 2 - 1) * 5 * amount or 0 end
  end
  local t = T.new(rows)
  return one and t[1] or t
end

return M
