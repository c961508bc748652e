--- Equalising sound files in a stream: memory does not grow with the file.
--
--   local eqfile = require "semeq.eqfile"
--   local stats = eqfile.process("in.flac", "out.flac", {
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
--   --> {frames=, samplerate=, channels=, peak=, gain_db=} (peak of the written samples)
--
-- The output is written under a temporary name and renamed when complete; on any
-- error the temporary file is removed and the error is re-raised. The input is only read.
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
local function pass(in_path, o, info, writer, gain)
  local r <close> = audio.open(in_path)
  local f = eq.new(o.kind, o.params, {fs = info.samplerate, channels = info.channels,
                                      makeup = o.makeup, clamp = o.clamp})
  local peak = 0
  while true do
    local x = r:read(o.block)
    if not x then break end
    f:process(x)
    if gain ~= 1 then x:mul_(gain) end
    if writer then writer:write(x) end
    peak = math.max(peak, f:peak() * gain)
  end
  return peak, f:makeup_db()
end

function M.process(in_path, out_path, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.kind, o.block, o.ceiling_db = o.kind or "safe", o.block or 4096, o.ceiling_db or -0.1
  if not o.params then error("eqfile.process: params are required", 2) end
  if exists(out_path) and not o.force then
    error(("eqfile.process: %s exists (use force to replace it)"):format(out_path), 2)
  end
  local info
  do
    local r <close> = audio.open(in_path)
    info = r:info()
  end
  local gain = 1
  if o.peak_safe then
    local peak = pass(in_path, o, info, nil, 1)
    local ceiling = 10 ^ (o.ceiling_db / 20)
    if peak > ceiling then gain = ceiling / peak end
  end
  local w <close> = audio.create(out_path, {samplerate = info.samplerate, channels = info.channels,
                                            like = info, subtype = o.subtype})
  local peak, makeup_db = pass(in_path, o, info, w, gain)
  w:close()
  return {frames = info.frames, samplerate = info.samplerate, channels = info.channels,
          peak = peak, gain_db = 20 * math.log(gain, 10) + makeup_db}
end

return M
