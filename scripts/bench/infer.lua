-- Inference latency: the SAFE-sized contrastive AE (input 13, latent 32, Residual
-- 128-256-128, Sigmoid output) in evaluation mode, one example per call.
--   encode+decode : x [1 x 13] -> encoder -> decoder -> [1 x 13]
--   term -> EQ    : a term's latent centroid (table lookup) -> decoder -> SAFE parameters
--                   (the data normaliser's inverse: gains x 12, exp of the log-frequency/Q range)
-- Each is timed call by call over --calls calls (default 10,000) after 200 warm-up calls;
-- median and p99 in microseconds.
--   semeq scripts/bench/infer.lua             the semeq side; last line encode_decode_us: X (median)
--   semeq scripts/bench/infer.lua --compare   semeq and PyTorch batch-1 eval (infer_torch.py),
--                                             alternately, --reps runs of each
local T = require "semeq.tensor"
local bench = require "semeq.bench"
local cli = require "semeq.cli"

local p = cli.parser{
  name = "infer.lua", usage = "[options]",
  description = "Single-example latency of the SAFE-sized model: encode+decode and term -> EQ parameters.",
  flags = {
    {"calls", "integer", 10000, "timed calls per measurement"},
    {"compare", "boolean", false, "run semeq and PyTorch alternately and print the ratio"},
    {"reps", "integer", 3, "runs of each side with --compare"},
    {"threads", "integer", 1, "PyTorch threads (batch 1 gains nothing from more)"},
    {"breakdown", "boolean", false, "also time the pieces (Lua dispatch vs kernels)"},
  },
}
local o, err = p:parse(arg)
if not o then p:die(err) end
if o.help then print(p:help()) os.exit(0) end

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

-- A SAFE normaliser: fitted on the SAFE data when it is found, else on fixed ranges.
local function normaliser()
  local data = require "semeq.data"
  local ok, ds = pcall(data.load, "safe")
  if ok then return data.represent.fit_normaliser(ds:params(), {sort = true}), ds end
  local represent = require "semeq.data.represent"
  return represent.normaliser_from_state{sort = true, gain_scale = 12,
    lo = {[2] = math.log(22), [4] = math.log(82), [5] = math.log(0.1), [7] = math.log(180), [8] = math.log(0.1),
          [10] = math.log(220), [11] = math.log(0.1), [13] = math.log(580)},
    hi = {[2] = math.log(1000), [4] = math.log(3900), [5] = math.log(10), [7] = math.log(4700), [8] = math.log(10),
          [10] = math.log(10000), [11] = math.log(10), [13] = math.log(20000)}}
end

local function semeq_side()
  local models = require "semeq.models"
  T.manualSeed(1)
  local model = models.contrastive_ae{input = 13, latent = 32}
  model:evaluate()
  local norm = normaliser()
  -- 24 terms with centroids in the latent space (their values do not change the cost).
  local centroids, terms = {}, {}
  for i = 1, 24 do
    terms[i] = "term" .. i
    centroids[terms[i]] = T.rand(1, 32):mul(2):sub(1)
  end
  local x = T.rand(1, 13)
  local k = 0
  local ed = per_call(function() return model:decode(model:encode(x)) end, o.calls)
  local tp = per_call(function()
    k = k % #terms + 1
    return norm:inverse(model:decode(centroids[terms[k]]))
  end, o.calls)
  print(string.format("semeq: %d parameters, %d calls each (after %d warm-up)", model:nparams(), o.calls, WARMUP))
  print(string.format("encode+decode   median %.2f us  p99 %.2f us  (min %.2f)", ed.median, ed.p99, ed.min))
  print(string.format("term -> EQ      median %.2f us  p99 %.2f us  (min %.2f)", tp.median, tp.p99, tp.min))
  if o.breakdown then
    local enc = per_call(function() return model:encode(x) end, o.calls)
    local z = model:encode(x)
    local dec = per_call(function() return model:decode(z) end, o.calls)
    local out = model:decode(z)
    local inv = per_call(function() return norm:inverse(out) end, o.calls)
    local nn = require "semeq.nn"
    local lin = nn.Linear(256, 256)
    local x256 = T.rand(1, 256)
    local l1 = per_call(function() return lin:forward(x256) end, o.calls)
    print(string.format("  encoder %.2f us, decoder %.2f us, normaliser inverse %.2f us, one Linear(256,256) %.2f us",
      enc.median, dec.median, inv.median, l1.median))
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
    note = "SAFE-sized model, median of 10k calls"}
  bench.result{name = "inference term -> EQ params", unit = "us", semeq = bench.stats(figs.semeq.tp),
    peer = bench.stats(figs.torch.tp), peer_name = "PyTorch", better = "lower", target = 20,
    note = "centroid lookup, decoder, inverse normalisation"}
end

if o.compare then
  if not bench.have_torch() then
    print("PyTorch not available (" .. bench.PYTHON .. " -c 'import torch' failed): apt-get install python3-torch")
    os.exit(2)
  end
  compare()
else
  semeq_side()
end
