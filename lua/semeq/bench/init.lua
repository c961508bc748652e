--- semeq.bench: what the benchmarks in scripts/bench share.
--
--   local bench = require "semeq.bench"
--   local t0 = bench.now()                          -- monotonic wall clock, seconds
--   local s = bench.stats{0.31, 0.29, 0.30}         -- {n, median, min, max, mean, p99}
--   local sides = bench.alternate(5, {semeq = f, torch = g})  -- f, g return seconds
--   bench.result{name = "training", unit = "s", semeq = s1, peer = s2, peer_name = "PyTorch",
--                better = "lower", target = 5, note = "..."}
--   print(bench.figure("train_seconds", 4.2))       -- the last line of a semeq-side run
--
-- A benchmark runs semeq and its peer on the same work in the same run, alternating the
-- order (ABBA...) so that a drift of the machine's load hits both sides alike, and reports
-- median and min-max of each side and the ratio of the medians. `result` prints one
-- machine-readable line (prefix "RESULT\t") that scripts/bench/run_all.sh gathers into the
-- table of scripts/bench/RESULTS.md.
local core = require "semeq.bench.core"

local M = {}

M.now, M.cpu, M.children_cpu = core.now, core.cpu, core.children_cpu
M.maxrss, M.children_maxrss = core.maxrss, core.children_maxrss

M.PYTHON = "/usr/bin/python3"   -- Debian's, with python3-torch and python3-sklearn
M.SOX = "/usr/bin/sox"

-- q-th percentile (0..100) of a sorted array, linear interpolation (numpy's default).
local function percentile(sorted, q)
  local n = #sorted
  if n == 1 then return sorted[1] end
  local pos = (n - 1) * q / 100 + 1
  local lo = math.floor(pos)
  local hi = math.min(lo + 1, n)
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo])
end
M.percentile = percentile

--- Summary of a list of numbers: n, median, min, max, mean, p99 (the input is not changed).
function M.stats(values)
  assert(#values > 0, "bench.stats: no values")
  local s, sum = {}, 0
  for i, v in ipairs(values) do s[i] = v; sum = sum + v end
  table.sort(s)
  return {n = #s, median = percentile(s, 50), min = s[1], max = s[#s], mean = sum / #s,
          p99 = percentile(s, 99), values = values}
end

--- Runs each side `reps` times, alternating the order (A B, B A, A B, ...).
-- sides: a list of {name, fn} (fn() returns the measured figure, e.g. seconds).
-- Returns {name = stats} plus the raw figures in stats.values.
function M.alternate(reps, sides)
  local figures = {}
  for _, s in ipairs(sides) do figures[s[1]] = {} end
  for r = 1, reps do
    local first, last, step = 1, #sides, 1
    if r % 2 == 0 then first, last, step = #sides, 1, -1 end
    for i = first, last, step do
      local name, fn = sides[i][1], sides[i][2]
      local v = fn()
      figures[name][#figures[name] + 1] = v
    end
  end
  local out = {}
  for name, vals in pairs(figures) do out[name] = M.stats(vals) end
  return out
end

--- Runs a shell command; returns its stdout, its wall time in seconds and whether it
-- succeeded. stderr passes through to ours.
function M.run(cmd)
  local t0 = core.now()
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  local ok = p:close()
  return out, core.now() - t0, ok == true
end

--- The number after "key:" on the last line of text that has one (nil if none).
function M.figure_in(text, key)
  local found
  for line in text:gmatch("[^\n]+") do
    local v = line:match("^" .. key:gsub("%p", "%%%0") .. ":%s*(%S+)")
    if v then found = tonumber(v) end
  end
  return found
end

--- Runs cmd and returns the figure `key` it printed; raises with its output if it has none.
function M.run_figure(cmd, key)
  local out, _, ok = M.run(cmd)
  local v = M.figure_in(out, key)
  if not ok or not v then
    error(string.format("bench: '%s' %s; its output:\n%s", cmd,
      ok and ("printed no '" .. key .. ":' line") or "failed", out), 0)
  end
  return v, out
end

--- "key: value" with enough digits, for the last line of a semeq-side run.
function M.figure(key, value) return string.format("%s: %.6g", key, value) end

function M.shell_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

--- The command that starts this interpreter (for running semeq-side scripts as children).
function M.interpreter()
  local lowest = 0
  while arg and arg[lowest - 1] do lowest = lowest - 1 end
  return (arg and lowest < 0 and arg[lowest]) or os.getenv("SEMEQ_BIN") or "semeq"
end

--- The directory of the running script (for finding its sibling peer scripts).
function M.script_dir()
  local a0 = arg and arg[0] or "scripts/bench/x.lua"
  return a0:match("^(.*)/[^/]*$") or "."
end

--- True if cmd exits 0 (its output is discarded).
function M.succeeds(cmd) return os.execute(cmd .. " >/dev/null 2>&1") == true end

function M.have_torch() return M.succeeds(M.PYTHON .. " -c 'import torch'") end
function M.have_sklearn() return M.succeeds(M.PYTHON .. " -c 'import sklearn'") end
function M.have_sox() return M.succeeds(M.SOX .. " --version") end

-- How each peer is detected, and how to install it when it is missing.
local PEERS = {
  torch = {M.have_torch, function() return "PyTorch not available (" .. M.PYTHON .. " -c 'import torch' failed)" end, "python3-torch"},
  sklearn = {M.have_sklearn,
             function() return "scikit-learn not available (" .. M.PYTHON .. " -c 'import sklearn' failed)" end,
             "python3-sklearn"},
  sox = {M.have_sox, function() return "sox not available (" .. M.SOX .. ")" end, "sox"},
}

--- Exits with status 2, saying which Debian package to install, when peer ("torch",
-- "sklearn" or "sox") is missing; cleanup() (optional) runs first.
function M.require_peer(name, cleanup)
  local peer = assert(PEERS[name], "bench.require_peer: unknown peer " .. tostring(name))
  if peer[1]() then return end
  print(peer[2]() .. ": apt-get install " .. peer[3])
  if cleanup then cleanup() end
  os.exit(2)
end

--- A fresh temporary directory (the caller removes it with bench.rmtree).
function M.tmpdir()
  local p = assert(io.popen("mktemp -d -t semeq-bench.XXXXXX"))
  local d = p:read("l")
  p:close()
  assert(d and d ~= "", "bench.tmpdir: mktemp failed")
  return d
end

function M.rmtree(dir)
  assert(dir:match("semeq%-bench%."), "bench.rmtree: refusing to remove " .. dir)
  os.execute("rm -rf " .. M.shell_quote(dir))
end

--- The 1-minute load average (a busy machine makes timings noisy: we print it).
function M.loadavg()
  local f = io.open("/proc/loadavg", "r")
  if not f then return nil end
  local v = tonumber(f:read("l"):match("^(%S+)"))
  f:close()
  return v
end

local function fmt_num(v)
  if v == nil then return "-" end
  local a = math.abs(v)
  if a >= 100 then return string.format("%.0f", v) end
  if a >= 10 then return string.format("%.1f", v) end
  return string.format("%.3g", v)
end
M.fmt = fmt_num

--- "median (min-max)" of a stats table.
function M.spread(s) return string.format("%s (%s-%s)", fmt_num(s.median), fmt_num(s.min), fmt_num(s.max)) end

--- The target as text: ">= 5x" for a ratio, ">= 1000 x RT/core" for semeq's own figure.
function M.target_str(r)
  if r.peer then return string.format(">= %gx", r.target) end
  return string.format("%s %g %s", r.better == "higher" and ">=" or "<=", r.target, r.unit or "")
end

--- Prints a comparison and one RESULT line for run_all.sh.
-- r: name, unit, semeq (stats or number), peer (stats or number or nil), peer_name,
--    better ("lower" | "higher": which is better for this unit), target (the ratio wanted,
--    "semeq is target x better"), note.
-- The ratio is peer/semeq for "lower" units (times) and semeq/peer for "higher" ones
-- (rates), so it reads "semeq is ratio x faster" either way.
function M.result(r)
  local function med(x) return type(x) == "table" and x.median or x end
  local function show(x) return type(x) == "table" and M.spread(x) or fmt_num(x) end
  local s, p = med(r.semeq), med(r.peer)
  local function ratio_of(a, b)
    if not (a and b and a > 0 and b > 0) then return nil end
    return (r.better == "higher") and a / b or b / a
  end
  local ratio = ratio_of(s, p)
  -- The ratio of the best runs of each side (min time or max rate): less sensitive to
  -- other processes on a shared machine than the medians.
  local best
  if type(r.semeq) == "table" and type(r.peer) == "table" then
    if r.better == "higher" then best = ratio_of(r.semeq.max, r.peer.max) else best = ratio_of(r.semeq.min, r.peer.min) end
  end
  -- Without a peer the target applies to semeq's own figure (e.g. 1000x real time).
  local met = ""
  if r.target and ratio then
    met = ratio >= r.target and "yes" or "NO"
  elseif r.target and s and not r.peer then
    met = ((r.better == "higher") == (s >= r.target)) and "yes" or "NO"
  end
  local function x(v) return v and string.format("%.2fx", v) or "-" end
  print(string.format("%-34s semeq %s %s   %s %s   ratio %s (best runs %s)%s", r.name, show(r.semeq), r.unit,
    r.peer_name or "peer", r.peer and show(r.peer) or "-", x(ratio), x(best),
    r.target and string.format("  (target %s: %s)", M.target_str(r), met) or ""))
  print(table.concat({"RESULT", r.name, show(r.semeq), r.peer_name or "-", r.peer and show(r.peer) or "-",
    r.unit or "", x(ratio), x(best), r.target and M.target_str(r) or "-", met, r.note or ""}, "\t"))
  io.stdout:flush()
  return ratio
end

return M
