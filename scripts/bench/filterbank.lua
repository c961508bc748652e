-- Filterbank throughput: the 5-band SAFE EQ and the 40-band Audealize graphic EQ on 60 s of
-- stereo 44.1 kHz white noise, in "x real time per core" (audio seconds / CPU seconds).
--   semeq scripts/bench/filterbank.lua            the semeq side alone: in memory (eq.new +
--                                                 f:process on a [frames x 2] tensor) and file to
--                                                 file (semeq.process); last line safe_x_realtime: X
--   semeq scripts/bench/filterbank.lua --compare  semeq (scripts/apply.lua, one process per run)
--                                                 against sox with the equivalent chain, alternately:
--                                                 SAFE = bass G F 1s, 3 x equalizer F Qq G, treble G F 1s;
--                                                 40-band = 40 x equalizer F 4.31q G (Audealize's
--                                                 centres and Q). Both sides read the same float32 WAV
--                                                 and write a float32 WAV in the same temporary folder;
--                                                 each run is one process, timed wall-clock, and its CPU
--                                                 time taken from getrusage(RUSAGE_CHILDREN).
local T = require "semeq.tensor"
local bench = require "semeq.bench"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local eq = require "semeq.eq"
local audio = require "semeq.audio"

local p = cli.parser{
  name = "filterbank.lua", usage = "[options]",
  description = "EQ throughput on 60 s of stereo 44.1 kHz noise, against sox.",
  flags = {
    {"seconds", "number", 60, "length of the test signal", min = 0.01, max = 3600},
    {"compare", "boolean", false, "run semeq and sox alternately and print the ratios"},
    {"reps", "integer", 5, "runs of each side with --compare", min = 1},
  },
}
errors.main("filterbank.lua", function()
  local o = p:parse_or_exit(arg)

  local FS = 44100
  local SAFE = {6, 120, -5, 350, 1.4, 4, 1800, 2.5, -3, 6500, 0.8, -4, 9000}
  -- A fixed 40-band curve (any shape does: the cost does not depend on the gains).
  local CURVE = {}
  for i = 1, 40 do CURVE[i] = ((i * 37) % 11) - 5 end

  local function noise(frames)
    T.manualSeed(1)
    return T.rand(frames, 2):mul(0.2):sub(0.1)
  end

  -- Best (smallest) CPU seconds of `reps` calls of fn().
  local function best_cpu(reps, fn)
    local best = math.huge
    for _ = 1, reps do
      local c0 = bench.cpu()
      fn()
      best = math.min(best, bench.cpu() - c0)
    end
    return best
  end

  local function semeq_side()
    local eqfile = require "semeq.process"
    local frames = math.floor(o.seconds * FS)
    local x = noise(frames)
    local y = x:clone()
    local dir = bench.tmpdir()
    local src = dir .. "/noise.wav"
    audio.write(src, x, {samplerate = FS, subtype = "float"})
    local xrt = {}
    for _, bank in ipairs{{"safe", SAFE}, {"graphic40", eq.audealize_gains(CURVE, 1):totable()}} do
      local kind, params = bank[1], bank[2]
      local mem = best_cpu(3, function()
        y:copy(x)
        eq.new(kind, params, {fs = FS, channels = 2}):process(y)
      end)
      local file = best_cpu(3, function()
        eqfile.process(src, dir .. "/out.wav", {kind = kind, params = params, force = true})
      end)
      xrt[kind] = o.seconds / mem
      print(string.format("%-9s in memory %.4f s CPU = %.0fx real time per core;  file to file %.4f s CPU = %.0fx",
        kind, mem, o.seconds / mem, file, o.seconds / file))
    end
    bench.rmtree(dir)
    print(bench.figure("graphic40_x_realtime", xrt.graphic40))
    print(bench.figure("safe_x_realtime", xrt.safe))
  end

  -- One child process: wall seconds and CPU seconds.
  local function timed(cmd)
    local c0 = bench.children_cpu()
    local out, wall, ok = bench.run(cmd .. " 2>&1")
    if not ok then errors.fail("command failed: " .. cmd .. "\n" .. out) end
    return wall, bench.children_cpu() - c0
  end

  local function compare()
    local dir = bench.tmpdir()
    local src, out_s, out_x = dir .. "/noise.wav", dir .. "/semeq.wav", dir .. "/sox.wav"
    audio.write(src, noise(math.floor(o.seconds * FS)), {samplerate = FS, subtype = "float"})
    local apply = bench.script_dir() .. "/../apply.lua"
    local sem = bench.shell_quote(bench.interpreter())
    local freqs, gains = eq.g40_freqs():totable(), eq.audealize_gains(CURVE, 1):totable()
    local chain40 = {}
    for i = 1, 40 do chain40[i] = string.format("equalizer %g 4.31q %.9g", freqs[i], gains[i]) end
    local P = SAFE
    local cases = {
      {name = "SAFE 5-band EQ", key = "safe",
       semeq = string.format("%s %s %s %s --force --params %s", sem, apply, src, out_s, table.concat(P, ",")),
       sox = string.format("%s -V1 %s -e floating-point -b 32 %s bass %g %g 1s equalizer %g %gq %g "
         .. "equalizer %g %gq %g equalizer %g %gq %g treble %g %g 1s", bench.SOX, src, out_x, P[1], P[2],
         P[4], P[5], P[3], P[7], P[8], P[6], P[10], P[11], P[9], P[12], P[13])},
      {name = "40-band graphic EQ", key = "graphic40",
       semeq = string.format("%s %s %s %s --force --curve %s", sem, apply, src, out_s, table.concat(CURVE, ",")),
       sox = string.format("%s -V1 %s -e floating-point -b 32 %s %s", bench.SOX, src, out_x,
         table.concat(chain40, " "))},
    }
    local load0 = bench.loadavg()
    for _, c in ipairs(cases) do
      local cpu = {semeq = {}, sox = {}}
      local function side(name, cmd)
        return function()
          local wall, cs = timed(cmd)
          table.insert(cpu[name], cs)
          return wall
        end
      end
      local st = bench.alternate(o.reps, {{"semeq", side("semeq", c.semeq)}, {"sox", side("sox", c.sox)}})
      local sc, xc = bench.stats(cpu.semeq), bench.stats(cpu.sox)
      print(string.format("%s, file to file: semeq CPU %s s = %.0fx real time per core; sox CPU %s s = %.0fx",
        c.name, bench.spread(sc), o.seconds / sc.median, bench.spread(xc), o.seconds / xc.median))
      bench.result{name = c.name .. " (file->file, wall)", unit = "s", semeq = st.semeq, peer = st.sox,
        peer_name = "sox", better = "lower", target = 2,
        note = string.format("%g s stereo 44.1k float WAV; x RT/core: semeq %.0f, sox %.0f", o.seconds,
          o.seconds / sc.median, o.seconds / xc.median)}
    end
    -- In memory: the filter alone (no peer: sox has no in-memory mode).
    local frames = math.floor(o.seconds * FS)
    local x = noise(frames)
    local y = x:clone()
    for _, c in ipairs{{"SAFE 5-band EQ", "safe", SAFE, 1000}, {"40-band graphic EQ", "graphic40", gains, nil}} do
      local mem = best_cpu(o.reps, function()
        y:copy(x)
        eq.new(c[2], c[3], {fs = FS, channels = 2}):process(y)
      end)
      bench.result{name = c[1] .. " in memory", unit = "x RT/core", semeq = o.seconds / mem, better = "higher",
        target = c[4], note = "eq.new + f:process on a [frames x 2] tensor, best CPU time"}
    end
    print(string.format("load average %.2f before, %.2f after", load0 or -1, bench.loadavg() or -1))
    bench.rmtree(dir)
  end

  if o.compare then
    bench.require_peer("sox")
    compare()
  else
    semeq_side()
  end
end)
