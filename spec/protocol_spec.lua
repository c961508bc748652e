-- The evaluation protocol every training recipe shares (semeq.eval.cv): k folds, the fit
-- sees only its training rows, every user held out once, pooled results with intervals
-- over users; and the pieces the seed's recipes need (the contrastive weight annealed, the
-- learning rate halved on a plateau, the seed's preprocessing).
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local H = require "spec.helpers"
local cv = require "semeq.eval.cv"
local train = require "semeq.train"
local objectives = require "semeq.train.objectives"
local models = require "semeq.models"
local semantic = require "semeq.semantic"
local json = require "semeq.util.json"
local reps = require "semeq.settings.representations"
local fixtures = require "spec.support.fixtures"

describe("semeq.eval.cv", function()
  local dir, csv
  setup(function()
    dir = H.tmpdir()
    csv = fixtures.safe_csv(dir .. "/safe.csv", 7, 3)
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("holds out every user exactly once and fits on training rows only", function()
    local seen_test, fits = {}, 0
    local result = assert(cv.run{data = csv, min_examples = 2, folds = 3, seed = 1, bootstrap = 50,
      fit = function(ex, train_groups)
        fits = fits + 1
        local train_users = {}
        for _, u in ipairs(train_groups) do train_users[u] = true end
        for _, r in ipairs(ex.test.records) do
          assert.is_nil(train_users[r.user], "user " .. r.user .. " on both sides")
          assert.is_nil(seen_test[r.user] and seen_test[r.user] ~= fits or nil, "user held out twice")
          seen_test[r.user] = fits
        end
        local m = models.contrastive_ae{input = ex.rep.size, latent = 2, widths = {4}, tail = "sigmoid"}
        return semantic.from_training(m, ex), {fold_rows = #ex.train.records}
      end})
    assert.are.equal(3, fits)
    local users = 0
    for _ in pairs(seen_test) do users = users + 1 end
    assert.are.equal(7, users)
    assert.are.equal(3, #result.folds)
    local rows = 0
    for f, r in ipairs(result.folds) do
      rows = rows + r.n
      assert.are.equal(f, r.fold)
      assert.are.equal(42 - r.n, r.chosen.fold_rows)
    end
    assert.are.equal(42, rows)
    assert.are.equal("user", result.by)
    assert.are.equal(42, #result.labels)
    local p = result.pooled
    assert.is_number(p.knn_accuracy.mean)
    assert.is_number(p.knn_accuracy.weighted)
    assert.is_number(p.baselines.raw_params.knn_accuracy.mean)
    local i = p.intervals.knn_accuracy
    assert.is_true(i.ci[1] <= i.pooled and i.pooled <= i.ci[2])
    assert.is_number(p.intervals.knn_accuracy_minus_raw_params.pooled)
  end)

  it("passes a fit's failure on, naming the fold", function()
    local result, err = cv.run{data = csv, min_examples = 2, folds = 2, seed = 1, bootstrap = 0,
      fit = function() return nil, "the loss became nan" end}
    assert.is_nil(result)
    assert.are.equal("fold 1: the loss became nan", err)
  end)
end)

describe("the seed's training settings", function()
  it("anneal the contrastive weight per epoch", function()
    T.manualSeed(1)
    local m = models.contrastive_ae{input = 6, latent = 2, widths = {4}, proj = 3, tail = "linear"}
    local X, seen = T.randn(8, 6), {}
    local step = objectives.contrastive(m, X, {1, 2, 1, 2, 1, 2, 1, 2},
      {lambda = function(epoch) seen[#seen + 1] = epoch; return 0.1 * epoch end})
    step({1, 2, 3, 4}, 1)
    step({1, 2, 3, 4}, 3)
    assert.are.same({1, 3}, seen)
  end)

  it("halve the learning rate after `patience` epochs without a better loss (ReduceLROnPlateau)", function()
    -- a loss that never improves on the first epoch's: epochs 2-4 are bad, after the
    -- third (more than the patience of 2) the rate halves and the count restarts
    local history = assert(train.fit{model = nn.Linear(2, 1), n = 2, batch = 2, epochs = 8, quiet = true,
      config = {learningRate = 0.1}, plateau = {patience = 2, factor = 0.5}, step = function() return 1.0 end})
    assert.are.same({0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025}, history.lr)
  end)

  it("preprocess as the seed did: SAFE v2's pooled log ranges and log(f + 1); SocialFX columns z-scored", function()
    local P = T.new {{3, 100, 0, 500, 1, 0, 1500, 2, 0, 5000, 0.5, 0, 8000},
                     {-3, 50, 2, 400, 4, 1, 2000, 1, 2, 7000, 1, 1, 12000}}
    local rep = reps.fit("safe13", P, {seed = true})
    local n = rep.normaliser
    -- one range for every frequency column, from log(50 + 1) to log(12000 + 1); one for the Qs
    for _, j in ipairs {2, 4, 7, 10, 13} do
      assert.are.near(math.log(51), n.lo[j], 1e-12)
      assert.are.near(math.log(12001), n.hi[j], 1e-12)
    end
    for _, j in ipairs {5, 8, 11} do assert.are.same({math.log(0.5), math.log(4)}, {n.lo[j], n.hi[j]}) end
    local X = rep:input(P)
    assert.are.near(0, X[2][2], 1e-6)                                       -- 50 Hz: the bottom of the range
    assert.are.near((math.log(501) - math.log(51)) / (math.log(12001) - math.log(51)), X[1][4], 1e-6)
    assert.are.near(0.625, X[1][1], 1e-6)                                   -- +3 dB of +-12 -> [0, 1]
    local back = rep.normaliser:inverse(rep.normaliser:transform(P))
    assert.is_true((back - P):abs():max() < 1e-2)
    -- graphic40: z-scores per column with the training rows' mean and (population) sd
    local C = T.randn(30, 40)
    local g = reps.fit("graphic40", C, {seed = true})
    local Z = g:input(C)
    assert.is_true(Z:mean(1):abs():max() < 1e-5)
    assert.is_true(((Z * Z):mean(1) - 1):abs():max() < 1e-3)
    local state = json.decode(json.encode(g:state()))
    assert.are.equal(40, #state.column_mean)
    assert.is_true((reps.from_state(state):db(Z) - reps.fit("graphic40", C):db(C)):abs():max() < 1e-4)
  end)
end)

describe("the seed's recipes under the protocol", function()
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("train_filtered.lua: k folds of SocialFX rows per term, then a model on every row", function()
    local out, rc = H.semeq(("scripts/train_filtered.lua --folds 2 --epochs 1 --widths 8,8 --bootstrap 20 --quiet "
      .. "--json %s --out %s"):format(H.quote(dir .. "/f.json"), H.quote(dir .. "/f.safetensors")))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("contrastive autoencoder on socialfx, 2-fold (rows per term held out)", 1, true), out)
    assert.truthy(out:find("model trained on all 458 rows written to", 1, true), out)
    local r = json.decode(H.read(dir .. "/f.json"))
    assert.are.equal(2, #r.folds)
    assert.are.equal(458, r.folds[1].n + r.folds[2].n)
    assert.is_number(r.pooled.silhouette.mean)
    local sm = assert(semantic.load(dir .. "/f.safetensors"))
    assert.are.equal("seed", sm.model.config.tail)
    assert.are.equal(40, #sm.rep:state().column_mean)   -- the seed's column z-scores
  end)

  it("train_safe_v2.lua: the seed's SAFE v2 settings, users held out", function()
    local out, rc = H.semeq(("scripts/train_safe_v2.lua --folds 2 --epochs 2 --bootstrap 0 --quiet --json %s")
      :format(H.quote(dir .. "/v2.json")))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("filter min_examples(5)", 1, true), out)
    assert.truthy(out:find("2-fold (users held out)", 1, true), out)
    local r = json.decode(H.read(dir .. "/v2.json"))
    assert.is_number(r.pooled.edit_success.mean)
  end)

  it("refuses --checkpoint with folds (one model per fold)", function()
    local out, rc = H.semeq("scripts/train_filtered.lua --epochs 1 --checkpoint " .. H.quote(dir .. "/c.ckpt"))
    assert.are.same({2, "train_filtered.lua: --checkpoint and --resume need --folds 0 (one model; with folds there "
      .. "is one per fold) (see --help)\n"}, {rc, out})
  end)
end)
