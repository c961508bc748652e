--- semeq.settings.realise: a 40-band curve (Audealize's dB gains, as SocialFX curves and
-- their generators give them) as settings of a real EQ inside its ranges.
--
--   local realise = require "semeq.settings.realise"
--   local gains, max_db, rms_db = realise.graphic(curve)      -- 40 gains within +-12 dB
--   local params, max_db, rms_db = realise.parametric(curve)  -- 13 SAFE parameters (eq.fit_safe)
--
-- A curve's sound is the response of semeq's 40-band graphic EQ with the curve as its
-- gains (Audealize's realisation; neighbouring Q 4.31 bands overlap, so the response
-- is larger and smoother than the gains). Both realisations aim at that response at the
-- 40 centre frequencies, at 48 kHz (settings.graphic.fs), and report how far they land
-- from it (max and RMS dB over the centres). The graphic one returns the curve itself
-- when it lies within the range; otherwise it refits the gains inside the range by
-- projected Gauss-Newton steps. The parametric one is eq.fit_safe on that response.
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local linalg = require "semeq.linalg"
local settings = require "semeq.settings"

local M = {}

--- The graphic EQ's gain range in dB.
M.graphic_range = {-12, 12}

local CENTRES = eq.g40_freqs()

local function as_tensor(curve, fn)
  local t = T.isTensor(curve) and curve:contiguous():view(-1) or (type(curve) == "table" and T.new(curve))
  if not t or t:numel() ~= 40 then error(fn .. ": curve must hold 40 dB values", 3) end
  return t
end

--- The response (dB) at the 40 centres of the graphic EQ with these gains: [40].
function M.response(gains, fs)
  return eq.response("graphic40", gains, CENTRES, {fs = fs or settings.graphic.fs})
end

local function errors_of(a, b)
  local d = a - b
  return d:abs():max(), math.sqrt((d * d):mean())
end

-- J^T J + ridge and J^T of the response's sensitivity to each gain (1 dB steps at 0 dB):
-- a constant Jacobian is enough, the response being nearly linear in the gains.
local jacobian
local function normal_equations(fs)
  if jacobian and jacobian.fs == fs then return jacobian end
  local J = T.zeros(40, 40)
  for j = 1, 40 do
    local g = T.zeros(40)
    g[j] = 1
    J:select(2, j):copy(M.response(g, fs))
  end
  local JtJ = T.mm(J:t(), J)
  for i = 1, 40 do JtJ[i][i] = JtJ[i][i] + 1e-6 end
  jacobian = {fs = fs, JtJ = JtJ, Jt = J:t():contiguous()}
  return jacobian
end

--- The curve as 40 graphic-EQ gains within opts.range ({-12, 12}): gains (a Lua array),
-- max and RMS dB between their response and the curve's. opts: range, fs (48000),
-- iterations (20).
function M.graphic(curve, opts)
  opts = opts or {}
  local c = as_tensor(curve, "realise.graphic")
  local range, fs = opts.range or M.graphic_range, opts.fs or settings.graphic.fs
  local target = M.response(c, fs)
  local g = c:clamp(range[1], range[2])
  if (g - c):abs():max() > 0 then
    local ne = normal_equations(fs)
    for _ = 1, opts.iterations or 20 do
      local residual = target - M.response(g, fs)
      local step = linalg.solve_spd(ne.JtJ, T.mm(ne.Jt, residual:view(40, 1))):view(40)
      g = (g + step):clamp(range[1], range[2])
    end
  end
  local max_db, rms_db = errors_of(M.response(g, fs), target)
  return g:totable(), max_db, rms_db
end

--- The curve as a SAFE 5-band setting (eq.fit_safe on the curve's response): params (a
-- Lua array of 13), max and RMS dB between the setting's response and the curve's at the
-- 40 centres. opts: fs (48000).
function M.parametric(curve, opts)
  opts = opts or {}
  local c = as_tensor(curve, "realise.parametric")
  local fs = opts.fs or settings.graphic.fs
  local target = M.response(c, fs)
  local params = eq.fit_safe(target, CENTRES, {fs = fs})
  local max_db, rms_db = errors_of(eq.response("safe", params, CENTRES, {fs = fs}), target)
  return params:totable(), max_db, rms_db
end

return M
