-- File-to-file EQ of a long sound file: memory and page faults, semeq against sox.
-- Two stereo 44.1 kHz float32 WAVs of white noise, one of --minutes (default 60: 1.3 GB) and
-- one of 1 minute, are made by sox in a temporary folder; each is equalised with the SAFE
-- 5-band EQ by scripts/apply.lua and by sox with the equivalent chain (bass, 3 x equalizer,
-- treble), one process per run, alternately, --reps times. The figures of each process come
-- from wait4 (semeq.bench.core.spawn: the program itself, no shell): peak RSS and minor page
-- faults, and its wall time.
--   semeq scripts/bench/longfile.lua [--minutes 60] [--reps 3]
-- Results: semeq's RSS growth from the 1-minute file to the long one (target <= 20 MiB: the
-- stream holds one block, whatever the length), and its page faults on the long file against
-- sox's (target: at most 2x sox's, i.e. a ratio sox/semeq >= 0.5). Last line:
-- longfile_rss_growth_mib: X
local bench = require "semeq.bench"
local core = require "semeq.bench.core"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"

local p = cli.parser{
  name = "longfile.lua", usage = "[options]",
  description = "File-to-file EQ of a long WAV: peak RSS and page faults, semeq against sox.",
  flags = {
    {"minutes", "number", 60, "length of the long file", min = 1, max = 600},
    {"reps", "integer", 3, "runs of each side on each file", min = 1},
  },
}
errors.main("longfile.lua", function()
  local o = p:parse_or_exit(arg)
  bench.require_peer("sox")
  local P = {6, 120, -5, 350, 1.4, 4, 1800, 2.5, -3, 6500, 0.8, -4, 9000}
  local params = {}
  for i, v in ipairs(P) do params[i] = tostring(v) end
  local dir = bench.tmpdir()
  local function run(argv)
    local r = core.spawn(argv, true)
    if r.status ~= 0 then errors.fail("failed (status " .. r.status .. "): " .. table.concat(argv, " ")) end
    return r
  end
  local files = {{"1 min", dir .. "/short.wav", 60}, {o.minutes .. " min", dir .. "/long.wav", o.minutes * 60}}
  for _, f in ipairs(files) do
    run({bench.SOX, "-n", "-r", "44100", "-c", "2", "-e", "floating-point", "-b", "32", f[2], "synth", tostring(f[3]),
         "whitenoise", "vol", "0.2"})
  end
  local apply = bench.script_dir() .. "/../apply.lua"
  local function semeq_argv(src)
    return {bench.interpreter(), apply, src, dir .. "/semeq.wav", "--force", "--params", table.concat(params, ",")}
  end
  local function sox_argv(src)
    return {bench.SOX, "-V1", src, "-e", "floating-point", "-b", "32", dir .. "/sox.wav", "bass", params[1], params[2],
            "1s", "equalizer", params[4], params[5] .. "q", params[3], "equalizer", params[7], params[8] .. "q",
            params[6], "equalizer", params[10], params[11] .. "q", params[9], "treble", params[12], params[13], "1s"}
  end
  local load0 = bench.loadavg()
  local figures = {}  -- figures[file][side] = {rss = {...}, faults = {...}, wall = {...}}
  for _, f in ipairs(files) do
    local got = {semeq = {rss = {}, faults = {}, wall = {}}, sox = {rss = {}, faults = {}, wall = {}}}
    local function side(name, argv)
      return {name, function()
        local r = run(argv)
        table.insert(got[name].rss, r.maxrss_kib / 1024)
        table.insert(got[name].faults, r.minflt)
        table.insert(got[name].wall, r.wall)
        return r.wall
      end}
    end
    bench.alternate(o.reps, {side("semeq", semeq_argv(f[2])), side("sox", sox_argv(f[2]))})
    figures[f[1]] = got
    for _, name in ipairs({"semeq", "sox"}) do
      local g = got[name]
      print(string.format("%-6s %-5s peak RSS %s MiB, minor page faults %s, wall %s s", f[1], name,
        bench.spread(bench.stats(g.rss)), bench.spread(bench.stats(g.faults)), bench.spread(bench.stats(g.wall))))
    end
  end
  bench.rmtree(dir)
  local short, long = figures[files[1][1]], figures[files[2][1]]
  local function med(t) return bench.stats(t).median end
  local growth = med(long.semeq.rss) - med(short.semeq.rss)
  bench.result{name = string.format("file EQ, %g min stereo: RSS growth", o.minutes), unit = "MiB", semeq = growth,
    better = "lower", target = 20,
    note = string.format("peak RSS over 1 min -> %g min: semeq %.1f -> %.1f MiB, sox %.1f -> %.1f MiB", o.minutes,
      med(short.semeq.rss), med(long.semeq.rss), med(short.sox.rss), med(long.sox.rss))}
  bench.result{name = string.format("file EQ, %g min stereo: page faults", o.minutes), unit = "faults",
    semeq = bench.stats(long.semeq.faults), peer = bench.stats(long.sox.faults), peer_name = "sox", better = "lower",
    target = 0.5, note = string.format("minor faults per process (start-up included); ratio >= 0.5 = within 2x of "
      .. "sox; 1 min: semeq %d, sox %d", med(short.semeq.faults), med(short.sox.faults))}
  print(string.format("load average %.2f before, %.2f after", load0 or -1, bench.loadavg() or -1))
  print(bench.figure("longfile_rss_growth_mib", growth))
end)
