--- semeq.settings: the one source of what an EQ setting is — the SAFE 5-band layout
-- and the 40-band graphic EQ: parameter names and roles, ranges, sample rates and the
-- frequency grid responses are compared on. Everything that reads, draws, normalises or
-- fits settings takes its constants from here (the filter math itself is semeq.eq).
--
--   local settings = require "semeq.settings"
--   settings.safe.names[4]          --> "p1_freq"
--   settings.safe.gain_columns      --> {1, 3, 6, 9, 12}
--   settings.safe.ranges[2]         --> {22, 1000}   (low-shelf frequency, Hz)
--   settings.graphic.centres[40]    --> 19682        (Hz)
--   settings.grid()                 --> the 64-point log grid, 20 Hz .. 20 kHz (a tensor)
local eq = require "semeq.eq"

local settings = {}

--- SAFE-DB's 5-band parametric EQ (13 parameters; see ../shared/data/README.md).
settings.safe = {
  kind = "safe",
  names = {"ls_gain", "ls_freq", "p1_gain", "p1_freq", "p1_q", "p2_gain", "p2_freq", "p2_q",
           "p3_gain", "p3_freq", "p3_q", "hs_gain", "hs_freq"},
  -- "gain" dB, "freq" Hz, "q"
  roles = {"gain", "freq", "gain", "freq", "q", "gain", "freq", "q", "gain", "freq", "q", "gain", "freq"},
  gain_columns = {1, 3, 6, 9, 12},
  -- Gains +-12 dB, Q 0.1-10 and FlowEQ's frequency ranges per band (the data README).
  ranges = {
    {-12, 12}, {22, 1000},
    {-12, 12}, {82, 3900}, {0.1, 10},
    {-12, 12}, {180, 4700}, {0.1, 10},
    {-12, 12}, {220, 10000}, {0.1, 10},
    {-12, 12}, {580, 20000},
  },
  -- The sample rate of SAFE's plug-in: responses of SAFE settings are drawn at it.
  fs = 44100,
}

--- The 40-band graphic EQ of Audealize / SocialEQ / SocialFX: peaking biquads at fixed
-- centres (semeq.eq's list, which the data README gives), Q 4.31, realised at 48 kHz.
settings.graphic = {
  kind = "graphic40",
  centres = eq.g40_freqs():totable(),
  q = 4.31,
  fs = 48000,
}

local GRID = eq.log_grid(64)

--- The frequency grid responses are measured and compared on: 64 log-spaced points
-- from 20 Hz to 20 kHz (a shared tensor: do not modify it), or n points when asked.
function settings.grid(n, lo, hi)
  if n == nil and lo == nil and hi == nil then return GRID end
  return eq.log_grid(n or 64, lo or 20, hi or 20000)
end

--- The settings layout of an EQ kind ("safe" or "graphic40").
function settings.of(kind)
  if kind == "safe" then return settings.safe end
  if kind == "graphic40" then return settings.graphic end
  error(string.format("settings.of: unknown EQ kind '%s' (safe, graphic40)", tostring(kind)), 2)
end

return settings
