-- Inference latency, one example per call: the SAFE-sized contrastive AE (input 13, latent
-- 32, Residual 128-256-128, Sigmoid output) in evaluation mode, and the shipped model
-- (models/safe_warm_bright.safetensors: 40-point curves, MLP, 5-band fit).
--   encode+decode : x [1 x input] -> encoder -> decoder -> [1 x output]
--   term -> EQ    : the term's latent centroid -> decoder -> EQ parameters (SAFE-sized: the
--                   inverse normalisation; shipped model: the 5-band fit of the decoded curve)
-- Rows: the Lua side (semeq.nn forward; semantic:eq_for, which runs on the C runtime through
-- its Lua binding) and the C model runtime alone (src/semeq.h), timed call by call in a C
-- loop (semeq.bench.core.time_runtime). Each is timed over --calls calls (default 10,000;
-- the shipped model's fits over a 50th of that) after 200 warm-up calls; median and p99 in us.
--   semeq scripts/bench/infer.lua             the semeq side; last line encode_decode_us: X (median)
--   semeq scripts/bench/infer.lua --compare   semeq and PyTorch batch-1 eval (infer_torch.py),
--                                             alternately, --reps runs of each
local T = require "semeq.tensor"
local bench = require "semeq.bench"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"

local p = cli.parser{
  name = "infer.lua", usage = "[options]",
  description = "Single-example latency of the SAFE-sized model: encode+decode and term -> EQ parameters.",
  flags = {
    {"calls", "integer", 10000, "timed calls per measurement", min = 1},
    {"compare", "boolean", false, "run semeq and PyTorch alternately and print the ratio"},
    {"reps", "integer", 3, "runs of each side with --compare", min = 1},
    {"threads", "integer", 1, "PyTorch threads (batch 1 gains nothing from more)", min = 1, max = 256},
    {"breakdown", "boolean", false, "also time the pieces (Lua dispatch vs kernels)"},
    {"semeq-threads", "integer", 1, "OpenBLAS threads of the semeq side", min = 1, max = 256},
    {"model", "string", "models/safe_warm_bright.safetensors", "the shipped model timed by the C runtime rows"},
  },
}
errors.main("infer.lua", function()
  local o = p:parse_or_exit(arg)

  local WARMUP = 200

  -- Times fn() call by call; returns stats in microseconds.
  local function per_call(fn, calls)
    for _ = 1, WARMUP do fn() end
    local now, us = bench.now, {}
    for i = 1, calls do
      local t0 = now()
      fn()
      us[i] = (now() - t0) * 1e6
    end
    return bench.stats(us)
  end

  local function semeq_side()
    local models = require "semeq.models"
    local experiment = require "semeq.data.prepare"
    local semantic = require "semeq.semantic"
    T.setNumThreads(o["semeq-threads"])
    T.manualSeed(1)
    -- The SAFE data as the recipes prepare it (normalisation fitted on the training split);
    -- the model is untrained: its weights do not change the cost of a call.
    local ex = errors.check(experiment.prepare{data = "safe", min_examples = 10, seed = 1})
    local model = models.contrastive_ae{input = ex.rep.size, latent = 32, output = "safe13"}
    local sm = semantic.from_training(model, ex)   -- evaluation mode, term centroids
    local terms = sm.terms
    local x = ex.X.test:narrow(1, 1, 1):contiguous()
    local k = 0
    local ed = per_call(function() return model:decode(model:encode(x)) end, o.calls)
    local tp = per_call(function()
      k = k % #terms + 1
      return sm:eq_for(terms[k])
    end, o.calls)
    print(string.format("semeq: %d parameters, %d OpenBLAS thread(s), terms %s; %d calls each (after %d warm-up)",
      model:nparams(), T.getNumThreads(), table.concat(terms, ","), o.calls, WARMUP))
    print(string.format("encode+decode   median %.2f us  p99 %.2f us  (min %.2f)", ed.median, ed.p99, ed.min))
    print(string.format("term -> EQ      median %.2f us  p99 %.2f us  (min %.2f)  (semantic:eq_for)", tp.median,
      tp.p99, tp.min))
    if o.breakdown then
      local enc = per_call(function() return model:encode(x) end, o.calls)
      local z = model:encode(x):clone()
      local dec = per_call(function() return model:decode(z) end, o.calls)
      local out = model:decode(z):clone()
      local par = per_call(function() return sm.rep:params(out) end, o.calls)
      local nn = require "semeq.nn"
      local lin = nn.Linear(256, 256)
      local x256 = T.rand(1, 256)
      local l1 = per_call(function() return lin:forward(x256) end, o.calls)
      local relu = nn.ReLU()
      local r1 = per_call(function() return relu:forward(x256) end, o.calls)
      print(string.format("  encoder %.2f us, decoder %.2f us, rep:params (inverse normalisation) %.2f us", enc.median,
        dec.median, par.median))
      print(string.format("  one Linear(256,256) on [1 x 256]: %.2f us; one ReLU: %.2f us", l1.median, r1.median))
    end
    -- The C runtime alone: the same model (sm.runtime holds its weights) and the shipped model.
    local core = require "semeq.bench.core"
    local function c_side(rt, what, calls, input) return bench.stats(core.time_runtime(rt, what, calls, input)) end
    local red, rtp = c_side(sm.runtime, "encode_decode", o.calls, x), c_side(sm.runtime, "term_to_eq", o.calls)
    local shipped = errors.check(semantic.load(o.model))
    local sx = shipped.rep:input(shipped:train_records()):narrow(1, 1, 1):contiguous()
    local fits = math.max(20, o.calls // 50)
    local sed, sdec = c_side(shipped.runtime, "encode_decode", o.calls, sx), c_side(shipped.runtime, "decode", o.calls)
    local sblend = c_side(shipped.runtime, "blend_to_eq", fits)
    print(string.format("C runtime, same model: encode+decode median %.2f us p99 %.2f us; term -> EQ median %.2f us p99 %.2f us",
      red.median, red.p99, rtp.median, rtp.p99))
    print(string.format("C runtime, %s (%s, %d parameters): encode+decode median %.2f us p99 %.2f us; decode %.2f us; "
      .. "term A -> B -> EQ (5-band fit) median %.1f us p99 %.1f us over %d calls", o.model, shipped.rep.kind,
      shipped.model:nparams(), sed.median, sed.p99, sdec.median, sblend.median, sblend.p99, fits))
    print(bench.figure("runtime_encode_decode_us", red.median))
    print(bench.figure("runtime_term_to_eq_us", rtp.median))
    print(bench.figure("shipped_encode_decode_us", sed.median))
    print(bench.figure("shipped_decode_us", sdec.median))
    print(bench.figure("shipped_term_to_eq_us", sblend.median))
    print(bench.figure("term_to_eq_us", tp.median))
    print(bench.figure("encode_decode_us", ed.median))
  end

  local function compare()
    local dir, sem = bench.script_dir(), bench.shell_quote(bench.interpreter())
    local semeq_cmd = string.format("%s %s/infer.lua --calls %d --model %s", sem, dir, o.calls, bench.shell_quote(o.model))
    local torch_cmd = string.format("%s %s/infer_torch.py --calls %d --threads %d --model %s", bench.PYTHON, dir, o.calls,
      o.threads, bench.shell_quote(o.model))
    local KEYS = {ed = "encode_decode_us", tp = "term_to_eq_us", red = "runtime_encode_decode_us",
      rtp = "runtime_term_to_eq_us", sed = "shipped_encode_decode_us", stp = "shipped_term_to_eq_us"}
    local figs = {semeq = {}, torch = {}}
    for _, side in pairs(figs) do for k in pairs(KEYS) do side[k] = {} end end
    local outs = {}
    local function side(name, cmd)
      return function()
        local v, out = bench.run_figure(cmd, "encode_decode_us")
        outs[name] = out
        for k, key in pairs(KEYS) do table.insert(figs[name][k], bench.figure_in(out, key)) end
        return v
      end
    end
    local load0 = bench.loadavg()
    bench.alternate(o.reps, {{"semeq", side("semeq", semeq_cmd)}, {"torch", side("torch", torch_cmd)}})
    print("--- semeq (last run)\n" .. outs.semeq .. "--- PyTorch (last run)\n" .. outs.torch .. "---")
    print(string.format("load average %.2f before, %.2f after; figures are the medians of %d calls, "
      .. "median (min-max) over %d runs", load0 or -1, bench.loadavg() or -1, o.calls, o.reps))
    bench.result{name = "inference encode+decode (batch 1)", unit = "us", semeq = bench.stats(figs.semeq.ed),
      peer = bench.stats(figs.torch.ed), peer_name = "PyTorch", better = "lower", target = 20,
      note = string.format("SAFE-sized model; per run the median of %d calls", o.calls)}
    bench.result{name = "inference term -> EQ params", unit = "us", semeq = bench.stats(figs.semeq.tp),
      peer = bench.stats(figs.torch.tp), peer_name = "PyTorch", better = "lower", target = 20,
      note = "semantic:eq_for from Lua (centroid, decoder, inverse normalisation; runs on the C runtime)"}
    local function stats(who, k) return #figs[who][k] > 0 and bench.stats(figs[who][k]) or nil end
    bench.result{name = "inference encode+decode, C runtime", unit = "us", semeq = stats("semeq", "red"),
      peer = stats("torch", "ed"), peer_name = "PyTorch", better = "lower", target = 20,
      note = "SAFE-sized model, the C API's calls timed in C (no Lua)"}
    bench.result{name = "inference term -> EQ params, C runtime", unit = "us", semeq = stats("semeq", "rtp"),
      peer = stats("torch", "tp"), peer_name = "PyTorch", better = "lower", target = 20,
      note = "SAFE-sized model, timed in C; target also <= 10 us"}
    bench.result{name = "shipped model encode+decode, C runtime", unit = "us", semeq = stats("semeq", "sed"),
      peer = stats("torch", "sed"), peer_name = "PyTorch", better = "lower", target = 20,
      note = o.model .. " (PyTorch evaluates its graph); target also <= 15 us"}
    bench.result{name = "shipped model term A->B -> EQ, C runtime", unit = "us", semeq = stats("semeq", "stp"),
      better = "lower", target = 10, note = "decoder + the 5-band fit (eq_fit.c) of the 40-point curve; no PyTorch peer"}
  end

  if o.compare then
    bench.require_peer("torch")
    compare()
  else
    semeq_side()
  end
end)
