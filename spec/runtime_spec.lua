-- The C model runtime (semeq.runtime, the engine of src/semeq.h) gives what the Lua side
-- gives: nn's forward for encode/decode, and semantic:eq_for as it was computed in Lua
-- (decoder, then the representation's inverse or the 5-band fit), to 1e-5, for every
-- shipped model, every representation and every inference layer kind of semeq.nn.
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local eq = require "semeq.eq"
local safetensors = require "semeq.safetensors"
local mio = require "semeq.models.io"
local models = require "semeq.models"
local runtime = require "semeq.runtime"
local semantic = require "semeq.semantic"
local experiment = require "semeq.data.prepare"
local H = require "spec.helpers"

local TOL = 1e-5

local function max_rel_diff(a, b)
  local ta, tb = T.isTensor(a) and a:contiguous():view(-1):totable() or a, T.isTensor(b) and b:contiguous():view(-1):totable() or b
  assert.are.equal(#tb, #ta)
  local worst = 0
  for i = 1, #ta do worst = math.max(worst, math.abs(ta[i] - tb[i]) / math.max(1, math.abs(tb[i]))) end
  return worst
end

-- semantic:eq_for as the Lua side computed it before the runtime (the model's decoder through
-- semeq.nn, then the representation in Lua and eq.fit_safe): the independent reference.
local function lua_eq_for(sm, z, intensity)
  local x = sm.model:decode(z:view(1, -1)):clone()
  if sm.rep.kind == "graphic40" then
    return {kind = "graphic40", gains = sm.rep:db(x)[1]:mul_(intensity):totable()}
  end
  local p, fit_error
  if sm.rep.kind == "curve40" then
    local params, max_err = eq.fit_safe(sm.rep:db(x)[1], eq.g40_freqs(), {fs = 44100})
    p, fit_error = params:totable(), max_err
  else
    p = sm.rep:params(x)[1]:totable()
  end
  for _, j in ipairs {1, 3, 6, 9, 12} do p[j] = p[j] * intensity end
  return {kind = "safe", params = p, fit_error_db = fit_error}
end

-- Codes to test a model on: every term, the way between the first two, random points.
local function codes_of(sm)
  local out = {}
  for _, t in ipairs(sm.terms) do out[#out + 1] = {t, sm:term_code(t)} end
  local a, b = sm.terms[1], sm.terms[2] or sm.terms[1]
  for _, alpha in ipairs {0.3, 0.5, 1.4} do
    out[#out + 1] = {("%s->%s %.1f"):format(a, b, alpha), sm:interpolate(a, b, alpha)}
  end
  T.manualSeed(3)
  for i = 1, 2 do out[#out + 1] = {"random " .. i, T.randn(sm:latent_size()) * 0.5} end
  return out
end

local function check_semantic(sm, X)
  local Z = sm.model:encode(X):clone()
  assert.is_true(max_rel_diff(sm:encode(X), Z) <= TOL, "encode")
  assert.is_true(max_rel_diff(sm:decode(Z), sm.model:decode(Z)) <= TOL, "decode")
  assert.is_true(max_rel_diff(sm:encode(X[1]), Z[1]) <= TOL, "encode of one row")
  for _, c in ipairs(codes_of(sm)) do
    for _, intensity in ipairs {1, 0.7} do
      local got, want = sm:eq_for(c[2], intensity), lua_eq_for(sm, c[2], intensity)
      assert.are.equal(want.kind, got.kind)
      local key = want.kind == "safe" and "params" or "gains"
      local d = max_rel_diff(got[key], want[key])
      assert(d <= TOL, ("%s at intensity %g: %s differ by %.3g"):format(c[1], intensity, key, d))
      if want.fit_error_db then assert.is_true(math.abs(got.fit_error_db - want.fit_error_db) <= TOL) end
    end
  end
end

describe("semeq.runtime", function()
  describe("on the shipped models", function()
    for _, name in ipairs {"safe_warm_bright", "safe_vae2d"} do
      it(name .. ": encode, decode and eq_for equal the Lua path", function()
        local sm = assert(semantic.load("models/" .. name .. ".safetensors"))
        local X = sm.rep:input(sm:train_records())
        check_semantic(sm, X)
        assert.are.equal(sm.rep.kind, sm.runtime:representation())
        assert.are.same(sm.terms, sm.runtime:terms())
      end)
    end
  end)

  describe("on every representation, fresh from training and saved", function()
    local cases = {
      {"safe13, seed's residual blocks", {data = "safe", min_examples = 10, seed = 1},
        {input = 13, latent = 4, widths = {16, 8}, blocks = "residual"}},
      {"floweq13, beta-VAE", {data = "safe", min_examples = 10, seed = 1, rep = "floweq13"},
        {kind = "beta_vae", input = 13, latent = 2, hidden = 16}},
      {"curve40, split MLP branches", {data = "safe", min_examples = 10, seed = 1, input = "curve40"},
        {input = 40, latent = 6, widths = {16}, blocks = "mlp", branches = "split", semantic = 2,
         style_scale = 0.1, tail = "linear"}},
      {"graphic40, residual blocks", {data = "socialfx", min_examples = 10, seed = 1},
        {input = 40, latent = 4, widths = {16}, blocks = "residual", tail = "linear"}},
      {"graphic40 z-scored per column (the seed's), the seed's heads", {data = "socialfx", min_examples = 10, seed = 1,
        input = "seed"}, {input = 40, latent = 4, widths = {16}}},
      {"safe13 as the seed's SAFE v2 (pooled log ranges, log(f + 1)), its sigmoid head",
        {data = "safe", min_examples = 5, seed = 1, input = "seed"},
        {input = 13, latent = 4, widths = {16, 8, 16}, tail = "seed_v2"}},
    }
    for _, case in ipairs(cases) do
      it(case[1], function()
        T.manualSeed(7)
        local ex = assert(experiment.prepare(case[2]))
        local cfg = case[3]
        local model = cfg.kind == "beta_vae" and models.beta_vae(cfg) or models.contrastive_ae(cfg)
        local sm = semantic.from_training(model, ex)
        check_semantic(sm, ex.X.test)
        local dir = H.tmpdir()
        sm:save(dir .. "/m.safetensors")
        local loaded = assert(semantic.load(dir .. "/m.safetensors"))
        check_semantic(loaded, ex.X.test)
        os.execute("rm -rf " .. H.quote(dir))
      end)
    end
  end)

  it("evaluates every inference layer kind of semeq.nn as nn's forward does", function()
    T.manualSeed(11)
    local bn = nn.BatchNorm(12)
    local m = nn.Sequential()
      :add(nn.Linear(7, 12)):add(bn):add(nn.LeakyReLU(0.2))
      :add(nn.Residual(12, 12, 0.3))          -- Identity skip, LayerNorm, Dropout inside
      :add(nn.Residual(12, 10))               -- Linear skip
      :add(nn.Concat(2)
        :add(nn.Sequential():add(nn.Narrow(2, 3, 4)):add(nn.GELU()))
        :add(nn.Sequential():add(nn.Linear(10, 5)):add(nn.Softplus(2)):add(nn.ColumnScale {0.5, 2, -1, 0.1, 3})
          :add(nn.ColumnScale({1, 9.9, 1, 1, 2}, {0, 0.1, -3, 0, 1})))
        :add(nn.Identity()))
      :add(nn.Dropout(0.5)):add(nn.Reparameterize())
      :add(nn.Linear(19, 6, false)):add(nn.Tanh()):add(nn.LayerNorm(6, 1e-3)):add(nn.Sigmoid())
    local params = m:flat()
    params:copy(T.randn(params:size(1)) * 0.5)
    bn.running_mean:copy(T.randn(12))
    bn.running_var:copy(T.rand(12) + 0.5)
    m:evaluate()
    local dir = H.tmpdir()
    assert(mio.save(m, dir .. "/all.safetensors"))
    local rt = assert(runtime.load(dir .. "/all.safetensors"))
    os.execute("rm -rf " .. H.quote(dir))
    for _, rows in ipairs {1, 9} do
      local X = T.randn(rows, 7)
      local d = max_rel_diff(rt:forward(X), m:forward(X))
      assert(d <= TOL, ("batch %d differs by %.3g"):format(rows, d))
    end
    assert.has_error(function() rt:encode(T.zeros(1, 7)) end, "runtime:encode: this model has no encode entry")
    assert.has_error(function() rt:forward(T.zeros(2, 6)) end, "runtime:forward: expected input [N x 7] (N >= 1), got [2x6]")
  end)

  it("agrees with PyTorch evaluating the file's graph (scripts/bench/infer_torch.py), an independent reader", function()
    if not H.python_has("torch") then
      pending("PyTorch not available at /usr/bin/python3")
      return
    end
    local dir = H.tmpdir()
    T.manualSeed(5)  -- the seed's decoder heads: ColumnScale with shifts inside a Concat of 40
    local heads = dir .. "/seed_heads.safetensors"
    assert(mio.save(models.contrastive_ae{input = 40, latent = 4, widths = {8}}, heads))
    local files = {"models/safe_warm_bright.safetensors", "models/safe_vae2d.safetensors",
      "spec/fuzz/corpus/model/safe13_residual.safetensors", "spec/fuzz/corpus/model/graphic40_residual.safetensors",
      heads}
    local script = [[
import json, sys, torch
sys.path.insert(0, "scripts/bench")
sys.argv = ["infer_torch"]
import infer_torch as it
for path in sys.stdin.read().split():
    t, m = it.load_semeq(path)
    g = json.loads(m["graph"])
    enc, dec = it.build(g["encode"], t).eval(), it.build(g["decode"], t).eval()
    w = it.input_width(g["encode"])
    x = torch.arange(3 * w, dtype=torch.float32).reshape(3, w) / w - 1
    with torch.no_grad():
        print(" ".join("%.9g" % v for v in dec(enc(x)).flatten().tolist()))
]]
    H.write(dir .. "/oracle.py", script)
    local out, code = H.run("echo " .. table.concat(files, " ") .. " | /usr/bin/python3 " .. H.quote(dir .. "/oracle.py"))
    assert.are.equal(0, code, out)
    local i = 0
    for line in out:gmatch("[^\n]+") do
      i = i + 1
      local rt = assert(runtime.load(files[i]))
      local w = rt:input_size()
      local X = T.zeros(3, w)
      for r = 1, 3 do for c = 1, w do X[r][c] = ((r - 1) * w + c - 1) / w - 1 end end
      local want = {}
      for v in line:gmatch("%S+") do want[#want + 1] = tonumber(v) end
      local d = max_rel_diff(rt:decode(rt:encode(X)), want)
      assert(d <= TOL, ("%s: %.3g"):format(files[i], d))
    end
    os.execute("rm -rf " .. H.quote(dir))
    assert.are.equal(#files, i)
  end)

  describe("a file saved before the graph existed", function()
    local dir, path
    setup(function() dir = H.tmpdir() end)
    before_each(function()  -- a fresh copy for each test: one of them re-saves it
      path = dir .. "/old.safetensors"
      local tensors, names, meta = assert(safetensors.load("models/safe_vae2d.safetensors"))
      meta.graph = nil
      local list = {}
      for i, n in ipairs(names) do list[i] = tensors[n] end
      assert(safetensors.save(path, names, list, meta))
    end)
    teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

    it("is refused in one line that says how to re-save it", function()
      local rt, err = runtime.load(path)
      assert.is_nil(rt)
      assert.are.equal(path .. ": no inference graph (metadata 'graph'): the file was saved before semeq wrote one; "
        .. "re-save it with: semeq scripts/resave_model.lua FILE", err)
      assert.are.same({nil, err}, {semantic.load(path)})
    end)

    it("works after scripts/resave_model.lua, with the same weights", function()
      local out, code = H.semeq("scripts/resave_model.lua " .. H.quote(path))
      assert.are.equal(0, code, out)
      assert.truthy(out:find("10 tensors bit-identical, metadata kept, graph added", 1, true), out)
      local sm = assert(semantic.load(path))
      local ref = assert(semantic.load("models/safe_vae2d.safetensors"))
      assert.are.same(ref:eq_for("warm", 0.5), sm:eq_for("warm", 0.5))
    end)
  end)
end)
