-- Training benchmark: the seed-shaped contrastive autoencoder (input 40 -> Residual
-- 128-256-128 -> latent 32, mirrored decoder, projection head 128) on the SocialFX rows of
-- terms with >= 10 examples (458 rows), 100 epochs, batch 32, Adam 1e-3,
-- loss = MSE(reconstruction, x) + 0.5 * contrastive(projection, term).
--
--   semeq scripts/bench/train.lua                  the semeq side alone; last line train_seconds: X
--   semeq scripts/bench/train.lua --compare        semeq and PyTorch (train_torch.py) alternately,
--                                                  --reps times each, the ratio, GFLOP/s and the
--                                                  sgemm peak (gemm_peak.lua)
-- Options shared by both sides: --epochs --batch --scale K (the data replicated K times, the
-- copies with Gaussian noise of sd 0.05 added) --latent L. The timed part is the training
-- loop only (both sides load the data and build the model before the clock starts).
local T = require "semeq.tensor"
local bench = require "semeq.bench"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"

local p = cli.parser{
  name = "train.lua", usage = "[options]",
  description = "Train the seed-shaped contrastive AE on SocialFX (>= 10 examples) and time it.",
  flags = {
    {"epochs", "integer", 100, "epochs", min = 1},
    {"batch", "integer", 32, "mini-batch size", min = 1},
    {"scale", "integer", 1, "replicate the data K times (copies with noise)", min = 1, max = 1000},
    {"latent", "integer", 32, "latent size", min = 1, max = 4096},
    {"seed", "integer", 1, "random seed", min = 0},
    {"compare", "boolean", false, "run semeq and PyTorch alternately and print the ratio"},
    {"reps", "integer", 3, "repetitions of each side with --compare", min = 1},
    {"threads", "integer", 2, "PyTorch threads (torch.set_num_threads)", min = 1, max = 256},
    {"semeq-threads", "integer", 1, "OpenBLAS threads of the semeq side (the recipes' default: 1)", min = 1, max = 256},
    {"budget", "number", 0, "PyTorch runs stop after this many seconds and extrapolate (0: never)", min = 0},
  },
}
errors.main("train.lua", function()
  local o = p:parse_or_exit(arg)

  local SHARED = {"epochs", "batch", "scale", "latent", "seed"}

  -- Multiply-adds of the Linear layers: forward 2*in*out per row, backward 4*in*out (the
  -- input gradient and the weight gradient), so 6 * sum(in*out) FLOP per row per step.
  local function linear_weights(cfg)
    local n, prev = 0, cfg.input
    for _, w in ipairs(cfg.widths) do
      n = n + prev * w + w * w + (prev ~= w and prev * w or 0); prev = w
    end
    local L, out = cfg.latent, cfg.outputSize
    n = n + prev * 2 * L + 2 * L * L + L * cfg.proj
    prev = L
    for i = #cfg.widths, 1, -1 do
      local w = cfg.widths[i]
      n = n + prev * w + w * w + (prev ~= w and prev * w or 0); prev = w
    end
    return n + prev * 2 * out + 2 * out * out + out * out
  end

  local function flops(cfg, rows, epochs) return 6 * linear_weights(cfg) * rows * epochs end

  -- The data: SocialFX rows of terms with >= 10 examples, term ids 1..K by sorted key.
  local function load(scale)
    local data = require "semeq.data"
    local ds = data.filters.min_examples(10)(errors.check(data.load("socialfx")))
    local keys, ids = {}, {}
    for _, t in ipairs(ds:terms()) do keys[#keys + 1] = t.key end
    table.sort(keys)
    for i, k in ipairs(keys) do ids[k] = i end
    local X, lab = ds:params(), {}
    for i, k in ipairs(ds:labels()) do lab[i] = ids[k] end
    local n = X:size(1)
    if scale > 1 then
      local parts = {X}
      for c = 2, scale do parts[c] = X + T.randn(n, X:size(2)) * 0.05 end
      X = T.cat(parts, 1)
      for c = 2, scale do for i = 1, n do lab[(c - 1) * n + i] = lab[i] end end
    end
    return X, lab, #keys, n
  end

  local function semeq_side()
    local models = require "semeq.models"
    local objectives = require "semeq.train.objectives"
    local train = require "semeq.train"
    T.setNumThreads(o["semeq-threads"])
    T.manualSeed(o.seed)
    local s0 = bench.now()
    local X, labels, nterms, base = load(o.scale)
    local s1 = bench.now()
    local model = models.contrastive_ae{input = 40, latent = o.latent}
    print(string.format("setup (not timed): data %.3f s, model %.3f s", s1 - s0, bench.now() - s1))
    print(string.format("data: %d rows (%d x %d), %d terms; model: %d parameters; %d OpenBLAS thread(s)", X:size(1),
      base, o.scale, nterms, model:nparams(), T.getNumThreads()))
    -- The recipes' objective: MSE + 0.5 x the seed's contrastive loss (temperature 0.1).
    local step = objectives.contrastive(model, X, labels, {lambda = 0.5, temperature = 0.1})
    local t0, c0 = bench.now(), bench.cpu()
    local history = errors.check(train.fit{model = model, n = X:size(1), epochs = o.epochs, batch = o.batch, step = step,
                              optimizer = "adam", config = {learningRate = 1e-3}, quiet = true})
    local secs, cpu = bench.now() - t0, bench.cpu() - c0
    local gflop = flops(model.config, X:size(1), o.epochs) / 1e9
    print(string.format("loss: first epoch %.5f, last epoch %.5f", history.loss[1], history.loss[o.epochs]))
    print(string.format("%.1f GFLOP in the Linear layers: %.2f GFLOP/s (wall), CPU %.2f s", gflop, gflop / secs, cpu))
    print(string.format("peak_rss_mib: %.1f", bench.maxrss() / 1024))
    print(bench.figure("train_seconds", secs))
  end

  -- "model: N parameters" from a side's output.
  local function param_count(out) return tonumber(out:match("model: (%d+) parameters")) end

  local function compare()
    local dir, sem = bench.script_dir(), bench.shell_quote(bench.interpreter())
    local opts = {}
    for _, k in ipairs(SHARED) do opts[#opts + 1] = string.format("--%s %s", k, tostring(o[k])) end
    opts = table.concat(opts, " ")
    local semeq_cmd = string.format("%s %s/train.lua %s --semeq-threads %d", sem, dir, opts, o["semeq-threads"])
    local function torch_cmd(threads)
      return string.format("%s %s/train_torch.py %s --threads %d --budget %g", bench.PYTHON, dir, opts, threads,
        o.budget)
    end
    local peak, peak_out = bench.run_figure(string.format("%s %s/gemm_peak.lua", sem, dir), "gemm_gflops")
    local peak1, peak1_out = bench.run_figure(string.format("OPENBLAS_NUM_THREADS=1 %s %s/gemm_peak.lua", sem, dir),
                                              "gemm_gflops")
    -- One core's FMA peak and OpenBLAS at a Linear layer's training shapes: the ceilings of
    -- the semeq side, which runs on one thread (the best of the two runs above).
    local fma = math.max(bench.figure_in(peak_out, "fma_gflops"), bench.figure_in(peak1_out, "fma_gflops"))
    local kernel = math.max(bench.figure_in(peak_out, "se_gemm_gflops"), bench.figure_in(peak1_out, "se_gemm_gflops"))
    local outs, extrapolated, rss = {}, {}, {}
    local function side(name, cmd)
      return {name, function()
        local v, out = bench.run_figure(cmd, "train_seconds")
        outs[name] = out
        rss[name] = math.max(rss[name] or 0, bench.figure_in(out, "peak_rss_mib") or 0)
        if out:match("\nextrapolated:") or out:match("^extrapolated:") then extrapolated[name] = true end
        return v
      end}
    end
    local load0 = bench.loadavg()
    -- PyTorch twice: with --threads (the issue's setting, 2) and with one thread, which is
    -- faster for these small matrices on a busy 2-core machine.
    local sides = {side("semeq", semeq_cmd), side("torch", torch_cmd(o.threads))}
    if o.threads ~= 1 then sides[3] = side("torch1", torch_cmd(1)) end
    local st = bench.alternate(o.reps, sides)
    print("--- semeq (last run)\n" .. outs.semeq .. "--- PyTorch (last run)\n" .. outs.torch .. "---")
    print(string.format("parameters: semeq %d, PyTorch %d (the seed's PyTorch code: 514,071; both sides build "
      .. "its decoder heads, whose 40th output is a constant 0)",
      param_count(outs.semeq) or -1, param_count(outs.torch) or -1))
    local cfg = {input = 40, latent = o.latent, widths = {128, 256, 128}, proj = 128, outputSize = 40}
    local rows = 458 * o.scale
    local gflop = flops(cfg, rows, o.epochs) / 1e9
    print(string.format("load average %.2f before, %.2f after", load0 or -1, bench.loadavg() or -1))
    print(string.format("sgemm peak (OpenBLAS, 1024^3): %.1f GFLOP/s with default threads, %.1f GFLOP/s on one thread",
      peak, peak1))
    print(string.format("one core's FMA peak: %.1f GFLOP/s; OpenBLAS on a 32 x 256 -> 256 Linear step: "
      .. "%.1f GFLOP/s", fma, kernel))
    print(string.format("achieved (Linear layers, %.0f GFLOP): semeq %.2f GFLOP/s (%.1f%% of one core's FMA peak, "
      .. "%.1f%% of the OpenBLAS sgemm peak), PyTorch %.2f GFLOP/s (1 thread %.2f)", gflop, gflop / st.semeq.median,
      100 * gflop / st.semeq.median / fma, 100 * gflop / st.semeq.median / math.max(peak, peak1),
      gflop / st.torch.median, st.torch1 and gflop / st.torch1.median or gflop / st.torch.median))
    local name = string.format("training (%d ep, %d rows)", o.epochs, rows)
    local function extra(k)
      return extrapolated[k] and string.format("; PyTorch runs over %g s were stopped and extrapolated", o.budget) or ""
    end
    bench.result{name = name, unit = "s", semeq = st.semeq, peer = st.torch,
      peer_name = string.format("PyTorch %d thr", o.threads), better = "lower",
      note = string.format("PyTorch %.1f GFLOP/s on %d threads%s", gflop / st.torch.median, o.threads, extra("torch"))}
    if st.torch1 then
      bench.result{name = name, unit = "s", semeq = st.semeq, peer = st.torch1, peer_name = "PyTorch 1 thr",
        better = "lower", note = string.format("PyTorch %.1f GFLOP/s on one thread%s", gflop / st.torch1.median,
          extra("torch1"))}
    end
    -- The target is against PyTorch at its best thread count in this run.
    local best, best_name, best_key = st.torch, string.format("PyTorch %d thr", o.threads), "torch"
    if st.torch1 and st.torch1.median < st.torch.median then best, best_name, best_key = st.torch1, "PyTorch 1 thr", "torch1" end
    bench.result{name = name .. ", PyTorch's best", unit = "s", semeq = st.semeq, peer = best,
      peer_name = best_name, better = "lower", target = 5,
      note = string.format("stretch 10x; semeq %.1f GFLOP/s = %.0f%% of one core's FMA peak (%.0f GFLOP/s; semeq's "
        .. "OpenBLAS %.0f on a 32 x 256 -> 256 step); OpenBLAS sgemm peak %.0f GFLOP/s (1 thread %.0f)%s",
        gflop / st.semeq.median, 100 * gflop / st.semeq.median / fma, fma, kernel, peak, peak1, extra(best_key))}
    bench.result{name = "training: peak RSS of the semeq process", unit = "MiB", semeq = rss.semeq, better = "lower",
      target = 60, note = string.format("largest of its runs; PyTorch %.0f MiB", math.max(rss.torch or 0, rss.torch1 or 0))}
  end

  if o.compare then
    bench.require_peer("torch")
    compare()
  else
    semeq_side()
  end
end)
