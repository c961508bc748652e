-- Clustering metrics: silhouette and Davies-Bouldin on N x 32 points in 10 Gaussian clusters
-- (N = 1,000 and 5,000), semeq.metrics against scikit-learn on the same float32 values.
--   semeq scripts/bench/metrics.lua            the semeq side alone; last line silhouette_5000_seconds: X
--   semeq scripts/bench/metrics.lua --compare  semeq and scikit-learn (metrics_sklearn.py, fed the
--                                              exact float32 values through a raw file, computing in
--                                              float64 as sklearn does) alternately, --reps runs each;
--                                              the values must agree (the difference is printed)
-- Each run times one call; the timed part is the metric call only on both sides. The labels
-- go in as an array on both sides: a NumPy array to scikit-learn, a 1-D tensor to semeq (the
-- target rows). semeq's common form, a Lua table, is timed too, as a side of its own in the
-- alternation, and shown in the rows' notes: reading it costs ~10 ns per label (two Lua API
-- calls), a fifth of Davies-Bouldin's time at 20,000 points.
local T = require "semeq.tensor"
local bench = require "semeq.bench"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local metrics = require "semeq.metrics"

local p = cli.parser{
  name = "metrics.lua", usage = "[options]",
  description = "silhouette and Davies-Bouldin: semeq against scikit-learn.",
  flags = {
    {"sizes", "integers", {1000, 5000}, "numbers of points", min = 2, max = 1000000},
    {"dim", "integer", 32, "dimensions", min = 1, max = 4096},
    {"clusters", "integer", 10, "clusters", min = 2},
    {"compare", "boolean", false, "run semeq and scikit-learn alternately and print the ratios"},
    {"reps", "integer", 5, "runs of each side", min = 1},
  },
}
errors.main("metrics.lua", function()
  local o = p:parse_or_exit(arg)

  local sizes = o.sizes
  local METRICS = {{"silhouette", metrics.silhouette}, {"davies_bouldin", metrics.davies_bouldin}}

  -- N points around 10 well-separated-but-overlapping centres; labels 0..K-1.
  local function dataset(n)
    T.manualSeed(n)
    local X = T.randn(n, o.dim)
    local centres = T.randn(o.clusters, o.dim):mul(1.5)
    local y = {}
    for i = 1, n do
      y[i] = (i - 1) % o.clusters
      X[i]:add_(centres[y[i] + 1])
    end
    return X, y, T.new(y)
  end

  -- Writes X as raw little-endian float32 and y as text, for the Python side.
  local function write_raw(X, y, xpath, ypath)
    local f = assert(io.open(xpath, "wb"))
    for _, row in ipairs(X:totable()) do f:write(string.pack("<" .. string.rep("f", #row), table.unpack(row))) end
    f:close()
    f = assert(io.open(ypath, "w"))
    f:write(table.concat(y, "\n"), "\n")
    f:close()
  end

  local function time_call(fn, X, y)
    local t0 = bench.now()
    local v = fn(X, y)
    return bench.now() - t0, v
  end

  -- One run of each metric on X with these labels: {name = seconds}, and the values in `values`.
  local function semeq_run(X, labels, values)
    local t = {}
    for _, m in ipairs(METRICS) do t[m[1]], values[m[1]] = time_call(m[2], X, labels) end
    return t
  end

  local data = {}
  for _, n in ipairs(sizes) do data[n] = {dataset(n)} end

  if not o.compare then
    local last
    for _, n in ipairs(sizes) do
      for _, m in ipairs(METRICS) do
        local best, v = math.huge, nil
        for _ = 1, o.reps do
          local t
          t, v = time_call(m[2], data[n][1], data[n][3])
          best = math.min(best, t)
        end
        print(string.format("%-15s N=%-5d value %.12f  best of %d: %.4f s", m[1], n, v, o.reps, best))
        if m[1] == "silhouette" then last = {n, best} end
      end
    end
    print(bench.figure(string.format("silhouette_%d_seconds", last[1]), last[2]))
    os.exit(0)
  end

  bench.require_peer("sklearn")
  local dir = bench.tmpdir()
  local load0 = bench.loadavg()
  for _, n in ipairs(sizes) do
    local X, y, y_tensor = table.unpack(data[n])
    local xp, yp = dir .. "/x.f32", dir .. "/y.txt"
    write_raw(X, y, xp, yp)
    local cmd = string.format("%s %s/metrics_sklearn.py %s %s %d %d", bench.PYTHON, bench.script_dir(), xp, yp, n, o.dim)
    local values, table_values, sk = {}, {}, {}
    local sides = {{"semeq", function() return semeq_run(X, y_tensor, values) end},
      {"semeq_table", function() return semeq_run(X, y, table_values) end}, {"sklearn", function()
      local out = bench.run(cmd)
      local t = {}
      for _, m in ipairs(METRICS) do
        t[m[1]] = bench.figure_in(out, m[1] .. "_seconds")
        sk[m[1]] = bench.figure_in(out, m[1] .. "_value")
        if not t[m[1]] then errors.fail("no figure from " .. cmd .. ":\n" .. out) end
      end
      return t
    end}}
    -- bench.alternate wants one number per call: keep the per-metric figures on the side.
    local per = {semeq = {}, semeq_table = {}, sklearn = {}}
    local wrapped = {}
    for i, s in ipairs(sides) do
      wrapped[i] = {s[1], function()
        local t = s[2]()
        for k, v in pairs(t) do per[s[1]][k] = per[s[1]][k] or {}; table.insert(per[s[1]][k], v) end
        return 0
      end}
    end
    bench.alternate(o.reps, wrapped)
    for _, m in ipairs(METRICS) do
      local k = m[1]
      if table_values[k] ~= values[k] then
        errors.fail(string.format("%s N=%d: %.17g with the labels as a table, %.17g as a tensor", k, n,
          table_values[k], values[k]))
      end
      print(string.format("%s N=%d: semeq %.12f  sklearn %.12f  |difference| %.2e", k, n, values[k], sk[k],
        math.abs(values[k] - sk[k])))
      local semeq, with_table, peer = bench.stats(per.semeq[k]), bench.stats(per.semeq_table[k]), bench.stats(per.sklearn[k])
      bench.result{name = string.format("%s, %d x %d", k, n, o.dim), unit = "s", semeq = semeq, peer = peer,
        peer_name = "scikit-learn", better = "lower", target = 10,
        note = string.format("|value difference| %.1e; labels as a Lua table: %s s, %.1fx",
          math.abs(values[k] - sk[k]), bench.spread(with_table), peer.median / with_table.median)}
    end
  end
  print(string.format("load average %.2f before, %.2f after", load0 or -1, bench.loadavg() or -1))
  bench.rmtree(dir)
end)
