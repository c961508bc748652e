-- Representations of EQ settings for models and metrics.
--
--   normaliser = represent.fit_normaliser(P_train, {sort = true})  -- SAFE [n x 13]
--   Z = normaliser:transform(P); P2 = normaliser:inverse(Z)        -- exact up to float32
--   R = represent.response(P, represent.grid())                     -- [n x 64] dB
--   C = represent.curve40(P)                                        -- [n x 40] dB at Audealize centres
--   D = represent.curve_db(curves, amount)                          -- Audealize/SocialFX curves in dB
--   R = represent.graphic_response(D, represent.grid())              -- their 40-biquad response
--
-- SAFE parameter order (13): ls_gain, ls_freq, p1_gain, p1_freq, p1_q, p2_gain,
-- p2_freq, p2_q, p3_gain, p3_freq, p3_q, hs_gain, hs_freq.
local T = require "semeq.tensor"
local audealize = require "semeq.data.audealize"

local M = {}

local GAIN, FREQ, Q = 1, 2, 3
-- The role of each SAFE column.
local SAFE_ROLE = {GAIN, FREQ, GAIN, FREQ, Q, GAIN, FREQ, Q, GAIN, FREQ, Q, GAIN, FREQ}

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
function M.fit_normaliser(P, opts)
  opts = opts or {}
  local rows = as_rows(P, "fit_normaliser")
  check_safe(rows, "fit_normaliser")
  if #rows < 1 then error("fit_normaliser: no rows", 2) end
  if opts.sort then rows = M.sort_bands(T.new(rows)):totable() end
  local lo, hi = {}, {}
  for j, role in ipairs(SAFE_ROLE) do
    if role ~= GAIN then
      local a, b = math.huge, -math.huge
      for _, r in ipairs(rows) do
        if not (r[j] > 0) then error(string.format("fit_normaliser: parameter %d must be > 0, got %s", j, r[j]), 2) end
        local v = math.log(r[j])
        if v < a then a = v end
        if v > b then b = v end
      end
      if b - a < 1e-12 then b = a + 1 end -- a constant column maps to 0
      lo[j], hi[j] = a, b
    end
  end
  return setmetatable({sort = opts.sort == true, lo = lo, hi = hi, gain_scale = 12}, Normaliser)
end

-- A normaliser from a saved state (the table returned by :state()).
function M.normaliser_from_state(s)
  return setmetatable({sort = s.sort, lo = s.lo, hi = s.hi, gain_scale = s.gain_scale or 12}, Normaliser)
end

-- lo and hi are dense 13-element arrays in the state (0 in the gain columns, which do
-- not use them) so that the state is a plain JSON array, not a table with holes.
function Normaliser:state()
  local lo, hi = {}, {}
  for j = 1, #SAFE_ROLE do lo[j], hi[j] = self.lo[j] or 0, self.hi[j] or 0 end
  return {sort = self.sort, lo = lo, hi = hi, gain_scale = self.gain_scale}
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
        r[j] = (math.log(r[j]) - self.lo[j]) / (self.hi[j] - self.lo[j])
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
        r[j] = math.exp(self.lo[j] + r[j] * (self.hi[j] - self.lo[j]))
      end
    end
  end
  local out = T.new(rows)
  return one and out[1] or out
end

-- n log-spaced frequencies from lo to hi (default 64 from 20 Hz to 20 kHz).
function M.grid(n, lo, hi)
  n, lo, hi = n or 64, lo or 20, hi or 20000
  if n < 2 then error("grid: n must be >= 2", 2) end
  local f = {}
  for i = 1, n do f[i] = lo * (hi / lo) ^ ((i - 1) / (n - 1)) end
  return T.new(f)
end

---------------------------------------------------------------------------------------
-- Magnitude response. TO SWITCH: the one place that computes SAFE responses. When
-- semeq.eq (built in parallel) provides eq.response("safe", P, freqs, {fs=}), it is
-- used; until then the private Lua RBJ evaluation below (M.response_lua) stands in.
---------------------------------------------------------------------------------------

-- |H(e^{jw})| in dB of one biquad (b0, b1, b2, a0, a1, a2) at angle w.
local function biquad_db(c, w)
  local c1, s1, c2, s2 = math.cos(w), math.sin(w), math.cos(2 * w), math.sin(2 * w)
  local nr, ni = c[1] + c[2] * c1 + c[3] * c2, -(c[2] * s1 + c[3] * s2)
  local dr, di = c[4] + c[5] * c1 + c[6] * c2, -(c[5] * s1 + c[6] * s2)
  return 10 * math.log((nr * nr + ni * ni) / (dr * dr + di * di), 10)
end

-- RBJ Audio-EQ-Cookbook coefficients.
local function peaking(g, f, q, fs)
  local A, w0 = 10 ^ (g / 40), 2 * math.pi * f / fs
  local alpha, cw = math.sin(w0) / (2 * q), math.cos(w0)
  return {1 + alpha * A, -2 * cw, 1 - alpha * A, 1 + alpha / A, -2 * cw, 1 - alpha / A}
end

local function shelf(g, f, fs, high)
  local A, w0 = 10 ^ (g / 40), 2 * math.pi * f / fs
  local cw = math.cos(w0)
  local alpha = math.sin(w0) / 2 * math.sqrt(2) -- slope S = 1
  local sa = 2 * math.sqrt(A) * alpha
  if high then
    return {A * ((A + 1) + (A - 1) * cw + sa), -2 * A * ((A - 1) + (A + 1) * cw), A * ((A + 1) + (A - 1) * cw - sa),
            (A + 1) - (A - 1) * cw + sa, 2 * ((A - 1) - (A + 1) * cw), (A + 1) - (A - 1) * cw - sa}
  end
  return {A * ((A + 1) - (A - 1) * cw + sa), 2 * A * ((A - 1) - (A + 1) * cw), A * ((A + 1) - (A - 1) * cw - sa),
          (A + 1) + (A - 1) * cw + sa, -2 * ((A - 1) + (A + 1) * cw), (A + 1) + (A - 1) * cw - sa}
end

local function freq_list(freqs)
  if T.isTensor(freqs) then return freqs:contiguous():view(-1):totable() end
  if type(freqs) == "table" then return freqs end
  error("response: freqs must be a tensor or a table of frequencies", 3)
end

-- The Lua stand-in: [n x F] dB, summing the five sections' dB responses.
function M.response_lua(P, freqs, opts)
  local fs = (opts and opts.fs) or 44100
  local rows, one = as_rows(P, "response")
  check_safe(rows, "response")
  local fl = freq_list(freqs)
  local out = {}
  for i, r in ipairs(rows) do
    local sections = {
      shelf(r[1], r[2], fs, false),
      peaking(r[3], r[4], r[5], fs), peaking(r[6], r[7], r[8], fs), peaking(r[9], r[10], r[11], fs),
      shelf(r[12], r[13], fs, true),
    }
    local row = {}
    for k, f in ipairs(fl) do
      local w, db = 2 * math.pi * f / fs, 0
      for _, c in ipairs(sections) do db = db + biquad_db(c, w) end
      row[k] = db
    end
    out[i] = row
  end
  local t = T.new(out)
  return one and t[1] or t
end

local function eq_backend()
  local ok, eq = pcall(require, "semeq.eq")
  if ok and type(eq) == "table" and type(eq.response) == "function" then return eq end
  return nil
end

-- Magnitude response in dB of SAFE settings P ([n x 13] or [13]) at freqs (default:
-- the 64-point grid), fs = opts.fs or 44100. Uses semeq.eq when it is available.
function M.response(P, freqs, opts)
  freqs = freqs or M.grid()
  opts = opts or {}
  local fs = opts.fs or 44100
  local eq = eq_backend()
  if eq and opts.backend ~= "lua" then
    if not T.isTensor(freqs) then freqs = T.new(freqs) end
    local batch = P:dim() == 1 and P:view(1, -1) or P
    local R = eq.response("safe", batch, freqs, {fs = fs})
    return P:dim() == 1 and R[1] or R
  end
  return M.response_lua(P, freqs, {fs = fs})
end

-- Which implementation M.response uses now: "semeq.eq" or "lua".
function M.response_backend() return eq_backend() and "semeq.eq" or "lua" end

-- A SAFE setting's response at the 40 Audealize centre frequencies (dB), so that one
-- model family can serve both datasets.
function M.curve40(P, opts)
  return M.response(P, T.new(audealize.centres), opts)
end

-- Response in dB of the 40-band graphic EQ (Audealize's realisation): one peaking
-- biquad per band with gain G[i][j] dB at centre j, Q = opts.q or 4.31, fs = opts.fs
-- or 48000. G is [n x 40] (e.g. from curve_db) or [40]; freqs default to the grid.
function M.graphic_response(G, freqs, opts)
  opts = opts or {}
  local fs, q = opts.fs or 48000, opts.q or 4.31
  local rows, one = as_rows(G, "graphic_response")
  local fl = freq_list(freqs or M.grid())
  local out = {}
  for i, r in ipairs(rows) do
    if #r ~= #audealize.centres then
      error(string.format("graphic_response: row %d has %d gains, expected %d", i, #r, #audealize.centres), 2)
    end
    local sections = {}
    for j, g in ipairs(r) do
      if g ~= 0 then sections[#sections + 1] = peaking(g, audealize.centres[j], q, fs) end
    end
    local row = {}
    for k, f in ipairs(fl) do
      local w, db = 2 * math.pi * f / fs, 0
      for _, c in ipairs(sections) do db = db + biquad_db(c, w) end
      row[k] = db
    end
    out[i] = row
  end
  local t = T.new(out)
  return one and t[1] or t
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
