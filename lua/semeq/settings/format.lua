--- semeq.settings.format: EQ settings ({kind = "safe", params = {13}} or
-- {kind = "graphic40", gains = {40 dB}}, as semantic:eq_for gives them) as people and
-- tools read them — text tables, magnitude responses and plain JSON-ready tables.
--
--   local format = require "semeq.settings.format"
--   local rows = {{label = "warm", eq = sm:eq_for("warm")}, ...}
--   print(format.settings(rows))          -- 13 SAFE parameters, or a 40-band summary
--   print(format.responses(rows))         -- dB at a few points of the 64-point grid
--   print(format.bands(eq))               -- one setting, a band per line with units
--   local db = format.response(eq)        -- [64] dB on settings.grid()
--   local t = format.json(eq)             -- {kind=, params|gains=, response_db=, freqs=}
--
-- Each kind is drawn at its own sample rate (semeq.settings: SAFE's plug-in, Audealize).
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local settings = require "semeq.settings"

local M = {}

local SAFE_NAMES = settings.safe.names
local SAFE_ROLE = settings.safe.roles

-- The number of values of a list or a tensor, nil for anything else.
local function count(v)
  if type(v) == "table" then return #v end
  return T.isTensor(v) and v:numel() or nil
end

-- Raises at the position of fn's caller unless setting is one of the two kinds above, with
-- its 13 parameters or 40 gains (a list or a tensor).
local function check_setting(setting, fn)
  if type(setting) ~= "table" then
    error(string.format("format.%s: expected a setting {kind =, params = | gains =}, got %s", fn, type(setting)), 3)
  end
  local field, want = "params", 13
  if setting.kind == "graphic40" then
    field, want = "gains", 40
  elseif setting.kind ~= "safe" then
    error(string.format("format.%s: unknown EQ kind '%s'", fn, tostring(setting.kind)), 3)
  end
  if count(setting[field]) ~= want then
    error(string.format("format.%s: a %s setting needs %s of %d values", fn, setting.kind, field, want), 3)
  end
end

-- Raises at the position of fn's caller unless rows is a list of {label =, eq = | db =}.
local function check_rows(rows, fn)
  if type(rows) ~= "table" then error(string.format("format.%s: expected a list of rows, got %s", fn, type(rows)), 3) end
  for i, r in ipairs(rows) do
    if type(r) ~= "table" or (r.eq == nil and r.db == nil) then
      error(string.format("format.%s: row %d must be a table {label =, eq = | db =}", fn, i), 3)
    end
  end
end

-- Bands of the 40-band summary (Hz, upper edges exclusive).
M.REGIONS = {{"low", 0, 250}, {"low_mid", 250, 2000}, {"high_mid", 2000, 6000}, {"high", 6000, math.huge}}

local GRID = settings.grid()

--- Magnitude response in dB of a setting ({kind=, params=|gains=}) at freqs (default:
-- settings.grid()).
function M.response(setting, freqs)
  check_setting(setting, "response")
  freqs = freqs or GRID
  if setting.kind == "safe" then return eq.response("safe", setting.params, freqs, {fs = settings.safe.fs}) end
  if setting.kind == "graphic40" then
    return eq.response("graphic40", setting.gains, freqs, {fs = settings.graphic.fs})
  end
end

--- A 40-band curve's mean gain per region and its extremes (dB).
function M.summary40(gains)
  if count(gains) ~= 40 then error("format.summary40: expected 40 gains (dB)", 2) end
  local freqs = settings.graphic.centres
  local out = {max = -math.huge, min = math.huge}
  for _, r in ipairs(M.REGIONS) do
    local sum, n = 0, 0
    for i, f in ipairs(freqs) do
      if f >= r[2] and f < r[3] then sum, n = sum + gains[i], n + 1 end
    end
    out[r[1]] = n > 0 and sum / n or 0
  end
  for _, g in ipairs(gains) do
    out.max, out.min = math.max(out.max, g), math.min(out.min, g)
  end
  return out
end

local function fmt_param(v, role)
  if role == "freq" then return string.format("%.0f", v) end
  if role == "q" then return string.format("%.2f", v) end
  return string.format("%.2f", v)
end

-- Display width of a UTF-8 string (frío is 4 wide, not 5 bytes).
local function width_of(s) return utf8.len(s) or #s end

local function table_text(header, rows, width)
  local lines = {}
  local function line(cells)
    local parts = {cells[1] .. string.rep(" ", width - width_of(cells[1]))}
    for i = 2, #cells do parts[i] = string.format("%8s", cells[i]) end
    lines[#lines + 1] = table.concat(parts, " ")
  end
  line(header)
  for _, r in ipairs(rows) do line(r) end
  return table.concat(lines, "\n")
end

local function label_width(rows)
  local w = 5
  for _, r in ipairs(rows) do w = math.max(w, width_of(tostring(r.label))) end
  return w
end

local function khz(f)
  if f >= 1000 then return string.format("%.2f kHz", f / 1000) end
  return string.format("%.0f Hz", f)
end

--- One setting as a table with units, a band per line — what a person dials into an
-- EQ: SAFE's 5 bands (type, gain dB, frequency, Q), or the 40 gains of a graphic EQ in
-- 4 columns of 10.
function M.bands(setting)
  check_setting(setting, "bands")
  local lines = {}
  if setting.kind == "safe" then
    local p = setting.params
    lines[1] = string.format("  %-11s %8s %10s %6s", "band", "gain", "frequency", "Q")
    local bands = {{"low shelf", 1, 2}, {"peak 1", 3, 4, 5}, {"peak 2", 6, 7, 8}, {"peak 3", 9, 10, 11},
                   {"high shelf", 12, 13}}
    for _, b in ipairs(bands) do
      lines[#lines + 1] = string.format("  %-11s %+5.2f dB %10s %6s", b[1], p[b[2]], khz(p[b[3]]),
        b[4] and string.format("%.2f", p[b[4]]) or "-")
    end
    return table.concat(lines, "\n")
  end
  local freqs = settings.graphic.centres
  for row = 1, 10 do
    local cells = {}
    for col = 0, 3 do
      local i = row + 10 * col
      cells[#cells + 1] = string.format("%9s %+6.2f dB", khz(freqs[i]), setting.gains[i])
    end
    lines[row] = "  " .. table.concat(cells, "   ")
  end
  return table.concat(lines, "\n")
end

--- A text table of settings: one row per {label=, eq=}. SAFE: the 13 parameters
-- (gains dB, frequencies Hz, Q), and fit_err (max dB error of the 5-band fit at the 40
-- centres) for a curve40 model; 40-band: mean dB per region, max and min.
function M.settings(rows)
  check_rows(rows, "settings")
  if #rows == 0 then return "" end
  local kind = rows[1].eq.kind
  local header, out = {"label"}, {}
  -- a curve40 model's settings are fits of its decoded curve: say how close
  local fitted = rows[1].eq.fit_error_db ~= nil
  if kind == "safe" then
    for i, n in ipairs(SAFE_NAMES) do header[i + 1] = n end
    if fitted then header[#header + 1] = "fit_err" end
  else
    for i, r in ipairs(M.REGIONS) do header[i + 1] = r[1] end
    header[#header + 1], header[#header + 2] = "max", "min"
  end
  for i, r in ipairs(rows) do
    local cells = {tostring(r.label)}
    if kind == "safe" then
      for j, v in ipairs(r.eq.params) do cells[j + 1] = fmt_param(v, SAFE_ROLE[j]) end
      if fitted then cells[#cells + 1] = string.format("%.2f", r.eq.fit_error_db or 0 / 0) end
    else
      local s = M.summary40(r.eq.gains)
      for j, reg in ipairs(M.REGIONS) do cells[j + 1] = string.format("%.2f", s[reg[1]]) end
      cells[#cells + 1], cells[#cells + 2] = string.format("%.2f", s.max), string.format("%.2f", s.min)
    end
    out[i] = cells
  end
  return table_text(header, out, label_width(rows))
end

-- Every 9th point of the 64-point grid: 8 columns from 20 Hz to 20 kHz.
local function columns()
  local f, idx = GRID:totable(), {}
  for i = 1, #f, 9 do idx[#idx + 1] = i end
  return idx, f
end

local function hz(f)
  if f >= 1000 then return string.format("%.1fk", f / 1000) end
  return string.format("%.0f", f)
end

--- A text table of the responses (dB) of the settings at 8 points of the grid.
-- The largest boost and cut of a setting on the dense plot grid ("+14.0@62"): a narrow
-- peak between the table's columns still shows.
local function extremes(setting)
  local db = M.response(setting, M.plot_grid())
  local hi, at_hi = db:max(1)
  local lo, at_lo = db:min(1)
  local f = M.plot_grid()
  local function cell(v, i) return string.format("%+.1f@%s", v, hz(f[math.tointeger(i)])) end
  return cell(hi:item(), at_hi:item()), cell(lo:item(), at_lo:item())
end

function M.responses(rows)
  check_rows(rows, "responses")
  if #rows == 0 then return "" end
  local idx, f = columns()
  local header = {"dB at Hz"}
  for i, j in ipairs(idx) do header[i + 1] = hz(f[j]) end
  local dense = rows[1].eq ~= nil
  if dense then header[#header + 1], header[#header + 2] = "max dB@Hz", "min dB@Hz" end
  local out = {}
  for i, r in ipairs(rows) do
    local db = (r.db or M.response(r.eq)):totable()
    local cells = {tostring(r.label)}
    for k, j in ipairs(idx) do cells[k + 1] = string.format("%.2f", db[j]) end
    if dense and r.eq then cells[#cells + 1], cells[#cells + 2] = extremes(r.eq) end
    out[i] = cells
  end
  return table_text(header, out, math.max(8, label_width(rows)))
end

--- A plain table for JSON: kind, the parameters (named for SAFE) or gains, the
-- response on the grid and the grid itself.
function M.json(setting, extra)
  check_setting(setting, "json")
  local t = {kind = setting.kind, response_db = M.response(setting):totable()}
  if setting.kind == "safe" then
    t.params = setting.params
    t.named = {}
    for i, n in ipairs(SAFE_NAMES) do t.named[n] = setting.params[i] end
    t.fit_error_db = setting.fit_error_db
  else
    t.gains = setting.gains
    t.summary = M.summary40(setting.gains)
  end
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local DENSE

--- The frequencies EQ curves are drawn at: 1024 log-spaced points from 20 Hz to 20 kHz
-- (a peak of Q 10 is about 14 points wide), where the 64-point grid of the tables would
-- step over a narrow peak.
function M.plot_grid()
  DENSE = DENSE or eq.log_grid(1024, 20, 20000)
  return DENSE
end

--- Curves for semeq.eval.plot.responses from rows {label=, eq=} (or {label=, db=} on
-- the 64-point grid): each setting's response on the dense plot grid. group: the
-- row's field that colours small multiples (opts.group, e.g. "nearest").
function M.curves(rows, opts)
  check_rows(rows, "curves")
  local out = {}
  for i, r in ipairs(rows) do
    if r.eq then
      out[i] = {label = r.label, db = M.response(r.eq, M.plot_grid()), freqs = M.plot_grid()}
    else
      out[i] = {label = r.label, db = r.db}
    end
    if opts and opts.group then out[i].group = r[opts.group] end
    out[i].colour = r.colour
  end
  return out
end

--- The grid as a plain list (for JSON files).
function M.grid_list() return GRID:totable() end

return M
