--- semeq.process: equalising sound files in a stream; memory does not grow with the file.
--
--   local process = require "semeq.process"
--   local stats, err = process.process("in.flac", "out.flac", {
--     kind = "safe", params = {...13 numbers or a tensor},
--     block = 4096,          -- frames per read; the output does not depend on it
--     makeup = false,        -- scale by -max(response boost) dB so boosts do not raise the level
--     peak_safe = false,     -- two passes: measure the output peak, then scale so it stays
--                            -- at or under ceiling_db dBFS (only ever turns down)
--     ceiling_db = -0.1,
--     clamp = false,         -- clamp parameters (model outputs) instead of raising
--     force = false,         -- replace an existing output
--     subtype = nil,         -- output sample format; default: the input's when the output
--                            -- format can hold it (see semeq.audio)
--     regular_input = false, -- the caller has checked that the input is a regular file
--                            -- (a listing said so); otherwise it is checked here
--     nonfinite = "error",   -- a NaN or infinite input sample fails the file (naming the
--                            -- frame); "zero" reads it as 0 and counts it
--   })
--   --> {frames=, samplerate=, channels=, peak=, gain_db=, clipped=, rate_note=, zeroed=}
--       (peak of the written samples; clipped: it is above full scale; rate_note: the bands
--       the file's rate cannot carry, dropped — see fit_rate — or nil; zeroed: non-finite
--       input samples read as 0),
--       or nil and a message naming the file (the input cannot be read or is not a
--       regular file, the output exists or cannot be written, the parameters do not fit
--       the file's sample rate, the EQ boosts more than MAX_BOOST_DB, the output would
--       hold a NaN or an infinity)
--   process.check_eq(kind, params, {fs=, clamp=}) --> true, or nil and what is wrong
--   process.check_gains(kind, params, clamp)      --> the same for what needs no sample rate
--   process.fit_rate(kind, params, rate)          --> params, note: bands above Nyquist dropped
--
-- The output is written under a temporary name and renamed when complete; on any
-- failure the temporary file is removed. The input is only read, and must be a regular
-- file: it is opened more than once (a FIFO or /dev/stdin from a pipe would hang or
-- lose data). No sample written is NaN or infinite: the filter's meter sees them and
-- the block is refused before it reaches the file.
local audio = require "semeq.audio"
local eq = require "semeq.eq"
local fs = require "semeq.util.fs"
local settings = require "semeq.settings"
local T = require "semeq.tensor"

local M = {}

--- Extensions (lower case) of the formats an output is written in (libsndfile's, by name).
M.WRITABLE_EXT = {wav = true, flac = true, aif = true, aiff = true, au = true, caf = true, w64 = true}

--- The largest boost an EQ may have, in dB: past it, no sound is equalised any more —
-- the output is noise at full scale, or past the range of floats.
M.MAX_BOOST_DB = 60

-- Whether path names an existing file, without opening it (opening a FIFO blocks):
-- rename(p, p) succeeds on an existing file and does nothing else (POSIX).
local function exists(path)
  local ok, _, code = os.rename(path, path)
  if ok then return true end
  if code == 2 then return false end  -- ENOENT
  local f = io.open(path, "rb")  -- a folder we may not write into: ask differently
  if f then f:close() return true end
  return false
end
M.exists = exists

-- The frequencies where an EQ's largest boost is looked for: a fine log grid over the
-- audible band, and every band's own frequency (a narrow peak between grid points).
local function boost_grid(kind, params, fs_hz)
  local top = math.min(20000, 0.95 * fs_hz / 2)
  local freqs = eq.log_grid(1024, 20, top):totable()
  local centres = kind == "safe" and {params[2], params[4], params[7], params[10], params[13]}
    or eq.g40_freqs():totable()
  for _, f in ipairs(centres) do
    if type(f) == "number" and f > 0 and f < fs_hz / 2 then freqs[#freqs + 1] = f end
  end
  return freqs
end

local PARAM_COUNT = {safe = #settings.safe.names, graphic40 = #settings.graphic.centres}

-- params as a Lua table of numbers; raises at the position of fn's caller unless kind is a
-- filterbank and params a table or 1-D tensor of as many numbers as it has parameters.
local function param_list(kind, params, fn)
  local count = PARAM_COUNT[kind]
  if not count then error(string.format("process.%s: unknown kind '%s' (safe, graphic40)", fn, tostring(kind)), 3) end
  local list = T.isTensor(params) and params:dim() == 1 and params:totable() or params
  if type(list) ~= "table" or #list ~= count then
    local given = T.isTensor(params) and "a tensor of " .. params:numel()
      or type(params) == "table" and #params .. " values" or type(params)
    error(string.format("process.%s: params must be %d numbers (a table or a 1-D tensor) for %s, got %s", fn, count,
      kind, given), 3)
  end
  for i = 1, count do
    if type(list[i]) ~= "number" then
      error(string.format("process.%s: params[%d] must be a number, got %s", fn, i, type(list[i])), 3)
    end
  end
  return list
end

-- The gains of an EQ's parameters: their indices (SAFE: 5 of 13; graphic40: all 40).
local GAINS = {safe = settings.safe.gain_columns}
local SAFE_BANDS = {"low shelf", "peak 1", "peak 2", "peak 3", "high shelf"}

-- Whether every gain of an EQ is within +-MAX_BOOST_DB (a huge gain makes the biquads'
-- coefficients overflow or cancel, whatever the other bands do); with clamp, gains are
-- clamped to +-24 dB anyway. Needs no sample rate. true, or nil and the problem.
local function gains_within(kind, params, clamp)
  if clamp then return true end
  local columns = GAINS[kind]
  for k = 1, columns and #columns or #params do
    local i = columns and columns[k] or k
    if math.abs(params[i]) > M.MAX_BOOST_DB then
      local where = kind == "safe" and SAFE_BANDS[k] or ("band %d (%.0f Hz)"):format(i, eq.g40_freqs()[i])
      return nil, ("the EQ's %s gain is %.6g dB; semeq applies gains within +-%d dB")
        :format(where, params[i], M.MAX_BOOST_DB)
    end
  end
  return true
end

--- gains_within for an EQ given by kind and params (a table or a 1-D tensor).
function M.check_gains(kind, params, clamp)
  return gains_within(kind, param_list(kind, params, "check_gains"), clamp)
end

-- The frequency parameter of each SAFE band, beside its gain (GAINS.safe).
local SAFE_FREQS = {2, 4, 7, 10, 13}

local function hz(f) return ("%.0f Hz"):format(f) end

--- The EQ as a file at sample rate `rate` can carry it. A band at or above the file's Nyquist
-- frequency (fs/2) shapes only sound the file cannot hold, and its filter cannot be
-- built: SAFE bands there are dropped (gain 0, which makes the band's filter pass
-- everything); graphic40 bands there are left out by the filterbank itself. Returns the
-- parameters (a new table when a band was dropped) and one line saying what was dropped,
-- or nil when nothing was.
function M.fit_rate(kind, params, rate)
  params = param_list(kind, params, "fit_rate")
  if type(rate) ~= "number" or not (rate > 0) then
    error(string.format("process.fit_rate: rate must be a positive number of Hz, got %s", tostring(rate)), 2)
  end
  local nyq = rate / 2
  if kind == "graphic40" then
    local freqs, out = eq.g40_freqs():totable(), {}
    for i, f in ipairs(freqs) do
      if f >= nyq and params[i] ~= 0 then out[#out + 1] = i end
    end
    if #out == 0 then return params end
    return params, ("%d Hz: %d band%s from %s up left out (at or above Nyquist, %s)"):format(rate, #out,
      #out == 1 and "" or "s", hz(freqs[out[1]]), hz(nyq))
  end
  local fitted, dropped = params, {}
  for k, fi in ipairs(SAFE_FREQS) do
    local gi = GAINS.safe[k]
    if type(params[fi]) == "number" and params[fi] >= nyq then
      if fitted == params then fitted = table.move(params, 1, #params, 1, {}) end
      dropped[#dropped + 1] = ("%s (%s, %+.1f dB)"):format(SAFE_BANDS[k], hz(params[fi]), params[gi])
      fitted[gi], fitted[fi] = 0, nyq / 2
    end
  end
  if #dropped == 0 then return params end
  return fitted, ("%d Hz: dropped %s: at or above Nyquist (%s)"):format(rate, table.concat(dropped, ", "), hz(nyq))
end

--- Whether an EQ can be applied at sample rate opts.fs (default 44100): its parameters
-- fit (semeq.eq.check), every gain is within +-MAX_BOOST_DB, and its response is finite
-- and boosts by at most MAX_BOOST_DB. true, or nil and the problem.
function M.check_eq(kind, params, opts)
  params = param_list(kind, params, "check_eq")
  opts = opts or {}
  local rate = opts.fs or 44100
  local fits, why = eq.check(kind, params, {fs = rate, clamp = opts.clamp})
  if not fits then return nil, why end
  fits, why = gains_within(kind, params, opts.clamp)
  if not fits then return nil, why end
  local freqs = boost_grid(kind, params, rate)
  local db = eq.response(kind, params, freqs, {fs = rate, clamp = opts.clamp}):totable()
  local top, at = -math.huge, nil
  for i, v in ipairs(db) do
    if v ~= v or v == math.huge then return nil, ("the EQ's response is not finite at %.0f Hz"):format(freqs[i]) end
    if v > top then top, at = v, freqs[i] end
  end
  if top > M.MAX_BOOST_DB then
    return nil, ("the EQ boosts %.0f Hz by %.1f dB, more than the %d dB semeq applies"):format(at, top, M.MAX_BOOST_DB)
  end
  return true
end

-- One pass over the input through a fresh filter; writer may be nil (measuring only).
-- Returns the output peak and the make-up gain, or nil and a message.
local function pass(in_path, o, info, writer, gain)
  local r <close>, err = audio.open(in_path, {nonfinite = o.nonfinite})
  if not r then return nil, err end
  local f = eq.new(o.kind, o.params, {fs = info.samplerate, channels = info.channels,
                                      makeup = o.makeup, clamp = o.clamp})
  local peak, buf = 0, nil  -- every block is read into buf (no allocation per block)
  while true do
    local x, rerr = r:read(o.block, buf)
    if not x then
      if rerr then return nil, rerr end
      break
    end
    if not buf and x:size(1) == o.block then buf = x end
    local done, perr = f:process(x)
    if not done then return nil, ("%s: %s; nothing written"):format(in_path, perr) end
    if gain ~= 1 then x:mul_(gain) end
    if writer then
      local ok, werr = writer:write(x)
      if not ok then return nil, werr end
    end
    peak = math.max(peak, f:peak() * gain)
  end
  return peak, f:makeup_db(), r:nonfinite()
end

local function info_of(path)
  local r <close>, err = audio.open(path)
  if not r then return nil, err end
  return r:info()
end

function M.process(in_path, out_path, opts)
  if type(in_path) ~= "string" or type(out_path) ~= "string" then
    error("process: the input and output paths must be strings", 2)
  end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.kind, o.block, o.ceiling_db = o.kind or "safe", o.block or 4096, o.ceiling_db or -0.1
  if not o.params then error("process: params are required", 2) end
  if exists(out_path) and not o.force then
    return nil, ("%s exists (use force to replace it)"):format(out_path)
  end
  if not o.regular_input then
    local kind = fs.kind(in_path)
    if kind ~= "file" and kind ~= "missing" then
      return nil, ("%s: a %s, not a regular file (semeq reads its input more than once; save it to a file first)")
        :format(in_path, kind)
    end
  end
  local info, err = info_of(in_path)
  if not info then return nil, err end
  local rate_note
  o.params, rate_note = M.fit_rate(o.kind, o.params, info.samplerate)
  local fits, why = M.check_eq(o.kind, o.params, {fs = info.samplerate, clamp = o.clamp})
  if not fits then return nil, string.format("%s (%d Hz): %s", in_path, info.samplerate, why) end
  local gain = 1
  if o.peak_safe then
    local peak, perr = pass(in_path, o, info, nil, 1)
    if not peak then return nil, perr end
    local ceiling = 10 ^ (o.ceiling_db / 20)
    if peak > ceiling then gain = ceiling / peak end
  end
  local w <close>, werr = audio.create(out_path, {samplerate = info.samplerate, channels = info.channels,
                                                 like = info, subtype = o.subtype})
  if not w then return nil, werr end
  local peak, makeup_db, zeroed = pass(in_path, o, info, w, gain)
  if not peak then return nil, makeup_db end -- w is aborted when it goes out of scope
  local ok, cerr = w:close()
  if not ok then return nil, cerr end
  return {frames = info.frames, samplerate = info.samplerate, channels = info.channels,
          peak = peak, gain_db = 20 * math.log(gain, 10) + makeup_db, clipped = peak > 1, rate_note = rate_note,
          zeroed = zeroed}
end

return M
