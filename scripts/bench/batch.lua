-- Batch audio: --files short sound files (default 200 x 3 s stereo 44.1 kHz 16-bit WAV of
-- noise) equalised with the SAFE 5-band EQ, in files per second on both cores.
--   semeq scripts/bench/batch.lua             the semeq side alone: scripts/apply.lua --in --out
--                                             --jobs 2; last line files_per_second: X
--   semeq scripts/bench/batch.lua --compare   against sox (the equivalent bass/equalizer/treble
--                                             chain, -D: no dither, as semeq does not dither) run
--                                             by `xargs -P 2`, one sox process per file, alternately.
-- Both sides read the same files and write 16-bit WAV files into an emptied output folder.
local T = require "semeq.tensor"
local bench = require "semeq.bench"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local audio = require "semeq.audio"

local p = cli.parser{
  name = "batch.lua", usage = "[options]",
  description = "Files per second through scripts/apply.lua (2 workers) against sox under xargs -P 2.",
  flags = {
    {"files", "integer", 200, "number of files", min = 1, max = 1000000},
    {"seconds", "number", 3, "length of each file", min = 0.01, max = 3600},
    {"jobs", "integer", 2, "parallel workers on each side", min = 1, max = 256},
    {"compare", "boolean", false, "run semeq and sox alternately and print the ratio"},
    {"reps", "integer", 3, "runs of each side with --compare", min = 1},
  },
}
errors.main("batch.lua", function()
  local o = p:parse_or_exit(arg)

  local FS = 44100
  local SAFE = {6, 120, -5, 350, 1.4, 4, 1800, 2.5, -3, 6500, 0.8, -4, 9000}

  local function make_files(dir)
    os.execute("mkdir -p " .. bench.shell_quote(dir .. "/in"))
    T.manualSeed(1)
    local frames = math.floor(o.seconds * FS)
    for i = 1, o.files do
      local x = T.rand(frames, 2):mul(0.2):sub(0.1)
      audio.write(string.format("%s/in/f%04d.wav", dir, i), x, {samplerate = FS, subtype = "pcm_16"})
    end
  end

  local function fresh_out(dir)
    os.execute(string.format("rm -rf %s && mkdir -p %s", bench.shell_quote(dir .. "/out"),
      bench.shell_quote(dir .. "/out")))
  end

  local function semeq_cmd(dir)
    return string.format("%s %s --in %s --out %s --params %s --jobs %d --force 2>/dev/null",
      bench.shell_quote(bench.interpreter()), bench.shell_quote(bench.script_dir() .. "/../apply.lua"),
      bench.shell_quote(dir .. "/in"), bench.shell_quote(dir .. "/out"), table.concat(SAFE, ","), o.jobs)
  end

  local function sox_cmd(dir)
    local P = SAFE
    local chain = string.format("bass %g %g 1s equalizer %g %gq %g equalizer %g %gq %g equalizer %g %gq %g "
      .. "treble %g %g 1s", P[1], P[2], P[4], P[5], P[3], P[7], P[8], P[6], P[10], P[11], P[9], P[12], P[13])
    return string.format("cd %s && ls in | xargs -P %d -I{} %s -V1 -D in/{} out/{} %s", bench.shell_quote(dir),
      o.jobs, bench.SOX, chain)
  end

  -- Runs cmd on an emptied output folder; returns files per second (checking every file came out).
  local function run(dir, cmd)
    fresh_out(dir)
    local out, wall, ok = bench.run(cmd)
    local p2 = io.popen("ls " .. bench.shell_quote(dir .. "/out") .. " | wc -l")
    local n = tonumber(p2:read("l"))
    p2:close()
    if not ok or n ~= o.files then
      errors.fail(string.format("batch: %d of %d files written by: %s\n%s", n or 0, o.files, cmd, out))
    end
    return o.files / wall
  end

  local dir = bench.tmpdir()
  make_files(dir)
  if not o.compare then
    local fps = run(dir, semeq_cmd(dir))
    print(string.format("%d files of %g s stereo 44.1 kHz 16-bit, %d workers", o.files, o.seconds, o.jobs))
    print(bench.figure("files_per_second", fps))
  else
    bench.require_peer("sox", function() bench.rmtree(dir) end)
    local load0 = bench.loadavg()
    local st = bench.alternate(o.reps, {
      {"semeq", function() return run(dir, semeq_cmd(dir)) end},
      {"sox", function() return run(dir, sox_cmd(dir)) end},
    })
    print(string.format("load average %.2f before, %.2f after", load0 or -1, bench.loadavg() or -1))
    bench.result{name = string.format("batch: %d files x %g s, %d jobs", o.files, o.seconds, o.jobs),
      unit = "files/s", semeq = st.semeq, peer = st.sox, peer_name = "sox (xargs -P)", better = "higher",
      note = "scripts/apply.lua --jobs vs one sox per file"}
  end
  bench.rmtree(dir)
end)
