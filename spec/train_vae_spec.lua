-- scripts/train_vae.lua end to end (a few epochs) and the pieces it adds: the floweq13
-- representation, experiment.prepare's stem / top_terms, classifier placement.
local H = require "spec.helpers"
local T = require "semeq.tensor"
local data = require "semeq.data"
local semantic = require "semeq.semantic"
local representations = require "semeq.settings.representations"

local ok_data = data.find("SAFEEqualiserUserData.csv") ~= nil

local KEYS = {"n", "terms", "latent_size", "silhouette", "davies_bouldin", "knn_accuracy", "macro_f1",
              "recon_rms_db_mean", "recon_rms_db_p95", "pca_rms_db_mean", "pca_rms_db_p95"}

describe("floweq13 representation", function()
  local records = {
    {params = T.new{-12, 22, 3, 3000, 0.1, -3, 200, 10, 12, 220, 1, 12, 20000}, key = "a"},
    {params = T.new{0, 1000, 0, 82, 5.05, 0, 4700, 1, 0, 10000, 2, 0, 580}, key = "b"},
  }

  it("sorts bands and scales each column linearly with FlowEQ's fixed ranges", function()
    local rep = representations.fit("floweq13", records)
    assert.are.equal(13, rep.size)
    local X = rep:input(records):totable()
    -- Row 1's bands sorted by frequency: (-3, 200, 10), (12, 220, 1), (3, 3000, 0.1).
    local want1 = {0, 0, (-3 + 12) / 24, (200 - 82) / (3900 - 82), (10 - 0.1) / 9.9,
                   1, (220 - 180) / (4700 - 180), (1 - 0.1) / 9.9, (3 + 12) / 24, (3000 - 220) / (10000 - 220),
                   0, 1, 1}
    for j = 1, 13 do assert.are.near(want1[j], X[1][j], 1e-6) end
    assert.are.near(0.5, X[2][1], 1e-6)
    assert.are.near(1, X[2][2], 1e-6)
    assert.are.near(0, X[2][13], 1e-6)
  end)

  it("inverts to parameters and survives the model file's state", function()
    local rep = representations.fit("floweq13", records)
    local back = representations.from_state(require("semeq.util.json").decode(require("semeq.util.json").encode(rep:state())))
    local P = back:params(rep:input(records)):totable()
    local sorted = require("semeq.settings.represent").sort_bands(records[1].params):totable()
    for j = 1, 13 do assert.are.near(sorted[j], P[1][j], 1e-3 * math.max(1, math.abs(sorted[j]))) end
    -- Outputs outside [0, 1] are clamped to the ranges.
    local over = back:params(T.full({1, 13}, 2)):totable()[1]
    assert.are.same({12, 1000, 10, 20000}, {over[1], over[2], over[5], over[13]})
  end)
end)

describe("scripts/train_vae.lua", function()
  if not ok_data then
    pending("SAFE data not found")
    return
  end
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("trains a few epochs, reports every key, and writes a model semantic.load reads", function()
    local model, json = dir .. "/vae.safetensors", dir .. "/vae.json"
    local out, rc = H.semeq(("scripts/train_vae.lua --folds 0 --epochs 3 --bootstrap 0 --quiet --out %s --json %s"):format(
      H.quote(model), H.quote(json)))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("filter stem", 1, true), out)
    assert.truthy(out:find("filter top_terms(2)", 1, true), out)
    assert.truthy(out:find("beta-VAE (34833 parameters, beta 0, safe13) on safe", 1, true), out)
    local r = require("semeq.util.json").decode(H.read(json))
    for _, k in ipairs(KEYS) do assert.is_number(r[k], k) end
    assert.are.same({2, 2}, {r.terms, r.latent_size})
    assert.are.same({"beta_vae", 2, 1024, 3, "mae"}, {r.model.kind, r.model.latent, r.model.hidden, r.model.epochs, r.model.loss})
    assert.are.equal("centroid", r.placement.method)
    assert.is_number(r.baseline_params.knn_accuracy)
    local sm = semantic.load(model)
    assert.are.same({"bright", "warm"}, sm.terms)
    assert.are.same({"safe13", 2}, {sm.rep.kind, sm:latent_size()})
    assert.is_true(sm.info.stem)
    local eq = sm:eq_for("warm")
    assert.are.equal(13, #eq.params)
    -- The centroid is the mean of the stored training codes of the term.
    local sum, n = {0, 0}, 0
    for i, key in ipairs(sm.train_labels) do
      if key == "warm" then
        n = n + 1
        for j = 1, 2 do sum[j] = sum[j] + sm.train_codes[i][j] end
      end
    end
    assert.are.near(sum[1] / n, sm:term_code("warm")[1], 1e-4)
  end)

  it("places terms with a classifier and uses FlowEQ's ranges when asked", function()
    local model, json = dir .. "/clf.safetensors", dir .. "/clf.json"
    local out, rc = H.semeq(("scripts/train_vae.lua --folds 0 --epochs 2 --bootstrap 0 --quiet --latent 3 --hidden 64 "
      .. "--placement classifier --ranges floweq --out %s --json %s"):format(H.quote(model), H.quote(json)))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("placement: classifier (train accuracy", 1, true), out)
    local r = require("semeq.util.json").decode(H.read(json))
    assert.are.same({"classifier", "floweq13", 3}, {r.placement.method, r.model.representation, r.latent_size})
    assert.is_true(r.placement.train_accuracy > 0.5 and r.placement.train_accuracy <= 1)
    assert.is_true(r.placement.test_accuracy >= 0 and r.placement.test_accuracy <= 1)
    local sm = semantic.load(model)
    assert.are.equal("floweq13", sm.rep.kind)
    -- Each place lies in the 5-95 % box of the training codes, where the classifier
    -- is surer of its term than of the other, and away from the term's centroid.
    for _, term in ipairs(sm.terms) do
      local z = sm:term_code(term)
      for j = 1, 3 do
        assert.is_true(z[j] >= r.placement.box.lo[j] - 1e-6 and z[j] <= r.placement.box.hi[j] + 1e-6)
        assert.is_true(r.placement.box.lo[j] < r.placement.box.hi[j])
      end
      assert.is_true(r.placement.probability[term] > 0.5)
      local sum, n = T.zeros(3), 0
      for i, key in ipairs(sm.train_labels) do
        if key == term then sum:add_(sm.train_codes[i]); n = n + 1 end
      end
      assert.is_true((z - sum / n):norm() > 1e-3)
    end
  end)

  it("rejects unknown choices with a message", function()
    local out, rc = H.semeq("scripts/train_vae.lua --epochs 1 --placement nearest")
    assert.are_not.equal(0, rc)
    assert.truthy(out:find("train_vae.lua: --placement: the value must be one of centroid, classifier, got 'nearest'", 1, true), out)
    out, rc = H.semeq("scripts/train_vae.lua --epochs 1 --ranges fixed")
    assert.are.equal(2, rc)
    assert.truthy(out:find("train_vae.lua: --ranges: the value must be one of fitted, floweq, got 'fixed'", 1, true), out)
  end)
end)
