-- Inference latency: the SAFE-sized contrastive AE (input 13, latent 32, Residual
-- 128-256-128, Sigmoid output) in evaluation mode, one example per call.
--   encode+decode : x [1 x 13] -> encoder -> decoder -> [1 x 13]
--   term -> EQ    : semantic:eq_for(term): the term's latent centroid -> decoder -> the 13 SAFE
--                   parameters (the representation's inverse normalisation) as a Lua table
-- Each is timed call by call over --calls calls (default 10,000) after 200 warm-up calls;
-- median and p99 in microseconds.
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
    print(bench.figure("term_to_eq_us", tp.median))
    print(bench.figure("encode_decode_us", ed.median))
  end

  local function compare()
    local dir, sem = bench.script_dir(), bench.shell_quote(bench.interpreter())
    local semeq_cmd = string.format("%s %s/infer.lua --calls %d", sem, dir, o.calls)
    local torch_cmd = string.format("%s %s/infer_torch.py --calls %d --threads %d", bench.PYTHON, dir, o.calls, o.threads)
    local figs = {semeq = {ed = {}, tp = {}}, torch = {ed = {}, tp = {}}}
    local outs = {}
    local function side(name, cmd)
      return function()
        local v, out = bench.run_figure(cmd, "encode_decode_us")
        outs[name] = out
        table.insert(figs[name].ed, v)
        table.insert(figs[name].tp, bench.figure_in(out, "term_to_eq_us"))
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
      note = "semantic:eq_for (centroid, decoder, inverse normalisation)"}
  end

  if o.compare then
    bench.require_peer("torch")
    compare()
  else
    semeq_side()
  end
end)
