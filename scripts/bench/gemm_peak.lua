-- The machine's matrix-product peaks, in GFLOP/s:
--   gemm_gflops      OpenBLAS's cblas_sgemm through T.addmm on N x N float32 matrices (default
--                    1024, 2 N^3 per product), best of 3 timed rounds, with as many threads as
--                    OpenBLAS is allowed (OPENBLAS_NUM_THREADS; default all cores)
--   fma_gflops       one core's fused multiply-add peak at the vector width semeq's kernels use
--                    (AVX-512, AVX2 or plain C; register-resident chains): the ceiling any
--                    float32 product on one thread can reach
--   se_gemm_gflops   OpenBLAS through se_gemm (src/core/gemm.c) on the three products of a
--                    Linear layer's training step, batch 32, 256 -> 256: what training's
--                    small products reach
--   semeq scripts/bench/gemm_peak.lua [--n 1024] [--seconds 1]
-- Last lines: fma_gflops: Y, se_gemm_gflops: Z, gemm_gflops: X
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
  local core = require "semeq.bench.core"
  local fma, kernel = core.fma_peak(o.seconds)
  print(string.format("sgemm %dx%d, OPENBLAS_NUM_THREADS=%s; semeq's kernels: %s", n, n,
    os.getenv("OPENBLAS_NUM_THREADS") or "(default)", kernel))
  print(bench.figure("fma_gflops", fma))
  print(bench.figure("se_gemm_gflops", core.gemm_gflops(32, 256, 256, o.seconds)))
  print(bench.figure("gemm_gflops", best))
end)
