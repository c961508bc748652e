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
--   })
--   --> {frames=, samplerate=, channels=, peak=, gain_db=} (peak of the written samples),
--       or nil and a message naming the file (the input cannot be read, the output
--       exists or cannot be written, the parameters do not fit the file's sample rate)
--
-- The output is written under a temporary name and renamed when complete; on any
-- failure the temporary file is removed. The input is only read.
local audio = require "semeq.audio"
local eq = require "semeq.eq"

local M = {}

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end
M.exists = exists

-- One pass over the input through a fresh filter; writer may be nil (measuring only).
-- Returns the output peak and the make-up gain, or nil and a message.
local function pass(in_path, o, info, writer, gain)
  local r <close>, err = audio.open(in_path)
  if not r then return nil, err end
  local f = eq.new(o.kind, o.params, {fs = info.samplerate, channels = info.channels,
                                      makeup = o.makeup, clamp = o.clamp})
  local peak = 0
  while true do
    local x, rerr = r:read(o.block)
    if not x then
      if rerr then return nil, rerr end
      break
    end
    f:process(x)
    if gain ~= 1 then x:mul_(gain) end
    if writer then
      local ok, werr = writer:write(x)
      if not ok then return nil, werr end
    end
    peak = math.max(peak, f:peak() * gain)
  end
  return peak, f:makeup_db()
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
  local info, err = info_of(in_path)
  if not info then return nil, err end
  local fits, why = eq.check(o.kind, o.params, {fs = info.samplerate, clamp = o.clamp})
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
  local peak, makeup_db = pass(in_path, o, info, w, gain)
  if not peak then return nil, makeup_db end -- w is aborted when it goes out of scope
  local ok, cerr = w:close()
  if not ok then return nil, cerr end
  return {frames = info.frames, samplerate = info.samplerate, channels = info.channels,
          peak = peak, gain_db = 20 * math.log(gain, 10) + makeup_db}
end

return M
