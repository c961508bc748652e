-- semeq.bench (the helpers of scripts/bench) and the contract of the semeq-side benchmark
-- scripts: run alone, each prints its figure as its last line ("key: number").
local bench = require "semeq.bench"
local helpers = require "spec.helpers"

-- Runs fn with print captured; returns the printed lines.
local function captured(fn)
  local lines, saved = {}, print
  _G.print = function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    lines[#lines + 1] = table.concat(parts, "\t")
  end
  local ok, err = pcall(fn)
  _G.print = saved
  assert(ok, err)
  return lines
end

local function result_fields(lines)
  for _, l in ipairs(lines) do
    if l:match("^RESULT\t") then
      local f = {}
      for field in (l .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
      return f
    end
  end
end

describe("semeq.bench", function()
  it("summarises numbers: median, min, max, mean and p99 by linear interpolation", function()
    local s = bench.stats {5, 1, 4, 2, 3}
    assert.are.same({5, 3, 1, 5, 3}, {s.n, s.median, s.min, s.max, s.mean})
    assert.are.equal(4.96, math.floor(s.p99 * 1e9 + 0.5) / 1e9)
    assert.are.equal(2.5, bench.stats({1, 2, 3, 4}).median)
    assert.are.equal(7, bench.stats({7}).p99)
  end)

  it("leaves the input list in its order", function()
    local v = {3, 1, 2}
    bench.stats(v)
    assert.are.same({3, 1, 2}, v)
  end)

  it("refuses an empty list", function()
    assert.has_error(function() bench.stats {} end, "bench.stats: no values")
  end)

  it("alternates the sides A B, B A, A B", function()
    local order = {}
    local st = bench.alternate(3, {
      {"a", function() order[#order + 1] = "a"; return 1 end},
      {"b", function() order[#order + 1] = "b"; return 2 end},
    })
    assert.are.same({"a", "b", "b", "a", "a", "b"}, order)
    assert.are.same({3, 1, 2}, {st.a.n, st.a.median, st.b.median})
  end)

  it("finds the last 'key: number' line of an output", function()
    local out = "train_seconds: 1\nnoise\ntrain_seconds: 4.25\nother: 3\n"
    assert.are.equal(4.25, bench.figure_in(out, "train_seconds"))
    assert.is_nil(bench.figure_in(out, "missing"))
    assert.are.equal(2, bench.figure_in("a.b: 2\n", "a.b"))
    assert.is_nil(bench.figure_in("axb: 2\n", "a.b"))
    assert.are.equal("train_seconds: 4.2", bench.figure("train_seconds", 4.2))
  end)

  it("reads a figure from a command and names the command when it has none", function()
    assert.are.equal(7, (bench.run_figure("echo 'x: 7'", "x")))
    assert.has_error(function() bench.run_figure("echo nothing", "x") end,
      "bench: 'echo nothing' printed no 'x:' line; its output:\nnothing\n")
    assert.has_error(function() bench.run_figure("echo 'x: 1'; exit 3", "x") end,
      "bench: 'echo 'x: 1'; exit 3' failed; its output:\nx: 1\n")
  end)

  it("reports times as peer/semeq and rates as semeq/peer, with the target met or not", function()
    local f = result_fields(captured(function()
      bench.result {name = "t", unit = "s", semeq = bench.stats {1, 2, 3}, peer = bench.stats {8, 10, 12},
                    peer_name = "P", better = "lower", target = 4}
    end))
    assert.are.same({"t", "2 (1-3)", "P", "10.0 (8-12.0)", "s", "5.00x", "8.00x", ">= 4x", "yes"},
      {f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10]})
    f = result_fields(captured(function()
      bench.result {name = "r", unit = "files/s", semeq = 30, peer = 20, better = "higher", target = 2}
    end))
    assert.are.same({"1.50x", "-", ">= 2x", "NO"}, {f[7], f[8], f[9], f[10]})
  end)

  it("applies a target to semeq's own figure when there is no peer", function()
    local f = result_fields(captured(function()
      bench.result {name = "m", unit = "x RT/core", semeq = 1200, better = "higher", target = 1000}
    end))
    assert.are.same({"-", "-", ">= 1000 x RT/core", "yes"}, {f[7], f[8], f[9], f[10]})
  end)

  it("has a monotonic clock and the process counters", function()
    local a = bench.now()
    local b = bench.now()
    assert.is_true(b >= a)
    assert.is_true(bench.cpu() > 0)
    assert.is_true(bench.children_cpu() >= 0)
    assert.is_true(math.type(bench.maxrss()) == "integer" and bench.maxrss() > 0)
    assert.is_true(bench.children_maxrss() >= 0)
  end)

  it("makes and removes temporary folders, and only its own", function()
    local d = bench.tmpdir()
    assert.is_truthy(io.open(d .. "/.", "r"))
    bench.rmtree(d)
    assert.is_nil(io.open(d .. "/x", "w"))
    assert.has_error(function() bench.rmtree("/tmp/somewhere") end, "bench.rmtree: refusing to remove /tmp/somewhere")
  end)
end)

describe("semeq-side benchmark scripts", function()
  it("gemm_peak.lua prints its figure on the last line", function()
    local out, rc = helpers.semeq("scripts/bench/gemm_peak.lua --n 64 --seconds 0.01")
    assert.are.equal(0, rc)
    local last = out:gsub("%s+$", ""):match("([^\n]*)$")
    assert.is_truthy(last:match("^gemm_gflops: [%d.e+-]+$"), out)
    -- one core's FMA peak and OpenBLAS at training shapes, both measured (positive)
    assert.is_true(bench.figure_in(out, "fma_gflops") > 0, out)
    assert.is_true(bench.figure_in(out, "se_gemm_gflops") > 0, out)
  end)

  it("metrics.lua prints its figure on the last line", function()
    local out, rc = helpers.semeq("scripts/bench/metrics.lua --sizes 120 --reps 1")
    assert.are.equal(0, rc)
    local last = out:gsub("%s+$", ""):match("([^\n]*)$")
    assert.is_truthy(last:match("^silhouette_120_seconds: [%d.e+-]+$"), out)
  end)

  it("rejects a bad option with the script's name", function()
    local out, rc = helpers.semeq("scripts/bench/gemm_peak.lua --n many")
    assert.are.equal(2, rc)
    assert.is_truthy(out:find("--n expects an integer, got 'many'", 1, true), out)
  end)
end)

-- The training peer must stay the same model as semeq's: if models.contrastive_ae changes,
-- this fails until scripts/bench/train_torch.py follows.
describe("the PyTorch training peer", function()
  local have_torch = helpers.python_has("torch")
  if not have_torch then
    pending("PyTorch not available at /usr/bin/python3: skipping the peer's architecture check")
    return
  end

  it("loads semeq's contrastive_ae weights strictly and gives the same outputs", function()
    local T = require "semeq.tensor"
    local models = require "semeq.models"
    T.manualSeed(5)
    local m = models.contrastive_ae {input = 40, latent = 32}
    m:evaluate()
    local dir = helpers.tmpdir()
    assert.is_true(require("semeq.models.io").save(m, dir .. "/m.safetensors"))
    local x = T.randn(3, 40)
    local rows = {}
    for i, r in ipairs(x:totable()) do
      for j, v in ipairs(r) do r[j] = string.format("%.9g", v) end
      rows[i] = table.concat(r, " ")
    end
    helpers.write(dir .. "/x.txt", table.concat(rows, "\n") .. "\n")
    local out = m:forward(x)
    local py = [==[
import json, struct, sys
import numpy as np, torch
sys.path.insert(0, "scripts/bench")
from train_torch import ContrastiveAE
d = sys.argv[1]
b = open(d + "/m.safetensors", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
st = {k: torch.from_numpy(np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]],
      dtype="<f4").reshape(v["shape"]).copy()) for k, v in h.items() if k != "__metadata__"}
m = ContrastiveAE()
m.load_state_dict(st, strict=True)
m.eval()
x = torch.tensor([[float(v) for v in l.split()] for l in open(d + "/x.txt")])
r, p = m(x)
print(sum(q.numel() for q in m.parameters()))
print(" ".join("%.9g" % v for v in torch.cat([r.flatten(), p.flatten()]).tolist()))
]==]
    helpers.write(dir .. "/peer.py", py)
    local text, rc = helpers.run("/usr/bin/python3 " .. dir .. "/peer.py " .. dir)
    os.execute("rm -rf " .. helpers.quote(dir))
    assert.are.equal(0, rc, text)
    local count, values = text:match("^(%d+)\n(.-)%s*$")
    assert.are.equal(m:nparams(), tonumber(count))
    local theirs = {}
    for v in values:gmatch("%S+") do theirs[#theirs + 1] = tonumber(v) end
    local ours = T.cat({out:contiguous():view(-1), m.projection:contiguous():view(-1)}, 1):totable()
    assert.are.equal(#ours, #theirs)
    local worst = 0
    for i = 1, #ours do worst = math.max(worst, math.abs(ours[i] - theirs[i])) end
    assert.is_true(worst < 1e-4, "largest difference " .. worst)
  end)
end)
