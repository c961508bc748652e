-- The machine's measured cblas_sgemm peak: a semeq T.addmm loop on N x N float32
-- matrices (default 1024), best of a few timed rounds, in GFLOP/s (2 N^3 per product).
-- OpenBLAS uses as many threads as it is allowed (OPENBLAS_NUM_THREADS; default all cores).
--   semeq scripts/bench/gemm_peak.lua [--n 1024] [--seconds 1]
-- Last line: gemm_gflops: X
local T = require "semeq.tensor"
local bench = require "semeq.bench"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"

local p = cli.parser{
  name = "gemm_peak.lua", usage = "[options]",
  description = "Measure the sgemm peak of this machine through semeq's T.addmm.",
  flags = {
    {"n", "integer", 1024, "matrix size", min = 1, max = 16384},
    {"seconds", "number", 1.0, "length of each of the 3 timed rounds", min = 0.01},
  },
}
errors.main("gemm_peak.lua", function()
  local o = p:parse_or_exit(arg)

  local n = o.n
  T.manualSeed(1)
  local a, b, c = T.randn(n, n), T.randn(n, n), T.zeros(n, n)
  c:addmm(a, b, 0, 1)   -- warm up: threads started, pages touched
  local best = 0
  for _ = 1, 3 do
    local calls, t0 = 0, bench.now()
    repeat
      c:addmm(a, b, 0, 1)
      calls = calls + 1
    until bench.now() - t0 >= o.seconds
    best = math.max(best, 2 * n ^ 3 * calls / (bench.now() - t0) / 1e9)
  end
  print(string.format("sgemm %dx%d, OPENBLAS_NUM_THREADS=%s", n, n, os.getenv("OPENBLAS_NUM_THREADS") or "(default)"))
  print(bench.figure("gemm_gflops", best))
end)
