-- semeq's semantic model (models.semantic_axis) and its recipe (recipes.semantic): the
-- word columns steer the decoder, the style carries no word, the fit reads only training
-- rows, and scripts/edit.lua keeps its contract.
local T = require "semeq.tensor"
local H = require "spec.helpers"
local models = require "semeq.models"
local mio = require "semeq.models.io"
local prepare = require "semeq.data.prepare"
local split = require "semeq.data.split"
local settings = require "semeq.settings"
local fixtures = require "spec.support.fixtures"
local recipe = require "semeq.recipes.semantic"

local OPTS = {style = 15, shrinkages = {0.5, 0.9}, taus = {0.1, 0.25}}

local function users(records)
  local out = {}
  for i, r in ipairs(records) do out[i] = r.user end
  return out
end

describe("models.semantic_axis", function()
  local dir, ex
  setup(function()
    dir = H.tmpdir()
    fixtures.safe_csv(dir .. "/safe.csv", 8, 6)
    ex = assert(prepare.prepare{data = dir .. "/safe.csv", min_examples = 2, split = "user", test = 0.25, seed = 1,
                                input = "curve40"})
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  local function fitted(style)
    local m = models.semantic_axis{input = 40, axes = 1, style = style, tau = 0.25, terms = {"bright", "warm"}}
    return m:fit(ex.X.train, ex.y.train, {shrinkage = 0.9}):evaluate()
  end

  it("reconstructs exactly with every style column, and as PCA of the residual with fewer", function()
    local full = fitted(38)
    local Xh = full:decode(full:encode(ex.X.test)):clone()
    assert.is_true(((Xh - ex.X.test) * 12):abs():max() < 0.01)   -- dB
    local small = fitted(2)
    assert.are.same({ex.X.test:size(1), 4}, small:encode(ex.X.test):size())
  end)

  it("steers: swapping the word columns moves the decoded curve by the difference of the term means", function()
    local m = fitted(15)
    local Z = m:encode(ex.X.test):clone()
    local Zb, Zw = Z:clone(), Z:clone()
    Zb:narrow(2, 1, 2):copy(m:term_code(1):narrow(1, 1, 2):view(1, 2):expand(Z:size(1), 2))
    Zw:narrow(2, 1, 2):copy(m:term_code(2):narrow(1, 1, 2):view(1, 2):expand(Z:size(1), 2))
    local swap = ((m:decode(Zb):clone() - m:decode(Zw):clone()) * 12):pow(2):mean(2):sqrt():mean()
    local means = {}
    for _, term in ipairs {"bright", "warm"} do
      local idx = {}
      for i, y in ipairs(ex.y.train) do if y == term then idx[#idx + 1] = i end end
      means[term] = ex.X.train:index_select(1, idx):mean(1)
    end
    local diff = math.sqrt(((means.bright - means.warm) * 12):pow(2):mean())
    assert.is_true(math.abs(swap - diff) < 0.25 * diff, string.format("swap %.2f dB, term means %.2f dB", swap, diff))
  end)

  it("keeps the word out of the style: every term has the same mean style", function()
    local m = fitted(15)
    local Z = m:encode(ex.X.train)
    local sums, counts = {}, {}
    for i, y in ipairs(ex.y.train) do
      sums[y] = (sums[y] or T.zeros(15)) + Z[i]:narrow(1, 3, 15)
      counts[y] = (counts[y] or 0) + 1
    end
    assert.is_true((sums.bright / counts.bright - sums.warm / counts.warm):abs():max() < 1e-3)
  end)

  it("edits forwards only, keeps the style, and amount 0 is the reconstruction", function()
    local m = fitted(15)
    local Z = m:encode(ex.X.test):clone()
    assert.is_true(T.allclose(m:edit_codes(Z, 2, 0), Z, 1e-5, 1e-5))
    local E = m:edit_codes(Z, 2, 1)
    assert.is_true(T.allclose(E:narrow(2, 3, 15), Z:narrow(2, 3, 15), 0, 0))
    local t, te, target = m:axis_of(Z), m:axis_of(E), m.targets[2][1]
    local sign = target > m.targets[1][1] and 1 or -1
    for i = 1, Z:size(1) do
      local beyond = (t[i][1] - target) * sign >= 0
      local want = beyond and t[i][1] or target
      assert.is_true(math.abs(te[i][1] - want) < 1e-4)
    end
  end)

  it("round-trips through a model file bit for bit", function()
    local m = fitted(15)
    local path = dir .. "/axis.safetensors"
    assert.is_true(mio.save(m, path))
    local back = assert(mio.load(path)):evaluate()
    assert.is_true(T.allclose(back:encode(ex.X.test), m:encode(ex.X.test), 0, 0))
    assert.is_true(T.allclose(back.targets, m.targets, 0, 0))
  end)
end)

describe("recipes.semantic", function()
  local dir, ds, kind
  setup(function()
    dir = H.tmpdir()
    fixtures.safe_csv(dir .. "/safe.csv", 10, 4)
    ds, kind = assert(prepare.dataset{data = dir .. "/safe.csv", min_examples = 2})
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("fits on the training rows only: changing the held-out rows changes nothing", function()
    local fold = assert(split.kfold(ds, 4, {by = "user", seed = 1}))[1]
    local ex = prepare.represent(ds, kind, fold, {input = "curve40"})
    local sm, chosen = recipe.fit(ex, users(ex.train.records), OPTS)
    local before = sm.model:flat():clone()
    ex.X.test:fill(3)   -- the held-out rows the fit must never read
    for _, r in ipairs(ex.test.records) do r.params:fill(1000) end
    local sm2, chosen2 = recipe.fit(ex, users(ex.train.records), OPTS)
    assert.is_true(T.allclose(sm2.model:flat(), before, 0, 0))
    assert.are.same(chosen, chosen2)
  end)

  it("cross-validates over users: every user held out once, each fold reported, then pooled", function()
    local cv = assert(recipe.cross_validate({data = dir .. "/safe.csv", ["min-examples"] = 2, folds = 4, seed = 1,
      style = 6, shrinkages = {0.9}, taus = {0.25}, bootstrap = 20}))
    assert.are.equal(4, #cv.folds)
    local n = 0
    for _, r in ipairs(cv.folds) do
      n = n + r.n
      assert.is_true(r.silhouette > 0.5 and r.edit_success >= 0.9, "fold " .. r.fold)
      assert.is_number(r.baselines.knn_posterior.silhouette)
    end
    assert.are.equal(80, n)
    assert.is_number(cv.pooled.silhouette.mean)
    assert.are.equal(2, #cv.pooled.intervals.silhouette.ci)
  end)
end)

describe("scripts/edit.lua", function()
  local dir, model, csv
  setup(function()
    dir = H.tmpdir()
    csv = fixtures.safe_csv(dir .. "/safe.csv", 6, 4)
    model = dir .. "/m.safetensors"
    local out, rc = H.semeq(("scripts/train_semantic.lua --data %s --min-examples 2 --folds 0 --style 6 --out %s"):format(
      H.quote(csv), H.quote(model)))
    assert(rc == 0, out)
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  local function rows(path)
    local out = {}
    for line in H.read(path):gmatch("[^\n]+") do
      local f = {}
      for v in (line .. ","):gmatch("([^,]*),") do f[#f + 1] = v end
      out[#out + 1] = f
    end
    return out
  end

  it("writes every row in input order, in the input's format, inside SAFE's ranges", function()
    local out = dir .. "/bright.csv"
    local msg, rc = H.semeq(("scripts/edit.lua --model %s --data %s --term bright --out %s"):format(
      H.quote(model), H.quote(csv), H.quote(out)))
    assert.are.equal(0, rc, msg)
    local a, b = rows(csv), rows(out)
    assert.are.equal(#a, #b)
    for i = 1, #a do
      assert.are.equal(25, #b[i])
      assert.are.same({a[i][1], "bright", a[i][3], a[i][25]}, {b[i][1], b[i][2], b[i][3], b[i][25]})
      for j = 1, 13 do
        local v, rg = tonumber(b[i][5 + j]), settings.safe.ranges[j]
        assert.is_true(v >= rg[1] - 1e-3 * math.abs(rg[1]) - 1e-6 and v <= rg[2] * 1.0001,
          string.format("row %d %s = %g outside [%g, %g]", i, settings.safe.names[j], v, rg[1], rg[2]))
      end
    end
  end)

  it("moves warm rows to bright at amount 1 and keeps them at amount 0", function()
    local judge = require("semeq.eval.steer")
    local function params(path)
      local P = {}
      for i, f in ipairs(rows(path)) do
        P[i] = {}
        for j = 1, 13 do P[i][j] = tonumber(f[5 + j]) end
      end
      return T.new(P)
    end
    local labels = {}
    for i, f in ipairs(rows(csv)) do labels[i] = f[2] end
    local j = judge.judge(params(csv), labels)
    for _, amount in ipairs {0, 1} do
      local out = dir .. "/a" .. amount .. ".csv"
      assert.are.equal(0, select(2, H.semeq(("scripts/edit.lua --model %s --data %s --term bright --amount %g --out %s"):format(
        H.quote(model), H.quote(csv), amount, H.quote(out)))))
      local pred, bright = j:predict(params(out)), 0
      for i, y in ipairs(labels) do
        if y == "warm" and pred[i] == "bright" then bright = bright + 1 end
      end
      if amount == 0 then assert.are.equal(0, bright) else assert.are.equal(24, bright) end
    end
  end)

  it("refuses a missing flag, an unknown word and a malformed row with one line", function()
    local out, rc = H.semeq(("scripts/edit.lua --model %s --data %s --out x.csv"):format(H.quote(model), H.quote(csv)))
    assert.are.same({2, "edit.lua: --term is required (see --help)\n"}, {rc, out})
    out, rc = H.semeq(("scripts/edit.lua --model %s --data %s --term hot --out x.csv"):format(H.quote(model), H.quote(csv)))
    assert.are.same({2, "edit.lua: unknown term 'hot'; this model knows: bright, warm (see --help)\n"}, {rc, out})
    local bad = dir .. "/bad.csv"
    H.write(bad, H.read(csv):gsub("\n", "\n1,warm,u,2,2,x\n", 1))
    out, rc = H.semeq(("scripts/edit.lua --model %s --data %s --term bright --out %s"):format(H.quote(model), H.quote(bad),
      H.quote(dir .. "/never.csv")))
    assert.are.same({1, "edit.lua: " .. bad .. ":2: 6 fields, expected 25\n"}, {rc, out})
    assert.is_nil(H.read(dir .. "/never.csv"))
  end)
end)
