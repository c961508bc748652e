-- semeq.vocabulary and scripts/vocabulary.lua: merging words the data cannot tell apart.
local T = require "semeq.tensor"
local H = require "spec.helpers"
local metrics = require "semeq.metrics"
local dataset = require "semeq.data.dataset"
local vocabulary = require "semeq.semantic.vocabulary"

-- Words drawn around three centres: a1/a2 share one, b1/b2 another, c has its own.
-- Training and held-out rows are drawn independently (n per word on each side).
local CENTRES = {a1 = {0, 0}, a2 = {0, 0}, b1 = {8, 8}, b2 = {8, 8}, c = {0, 8}}
local WORDS = {"a1", "a2", "b1", "b2", "c"}

local function side(n, first_id)
  local records, keys, rows = {}, {}, {}
  for _, w in ipairs(WORDS) do
    for _ = 1, n do
      local id = first_id + #records
      records[#records + 1] = {id = id, key = w, term = w, user = "u" .. id}
      keys[#keys + 1] = w
      local noise = T.randn(2):totable()
      rows[#rows + 1] = {CENTRES[w][1] + noise[1], CENTRES[w][2] + noise[2]}
    end
  end
  return dataset.new{records = records}, keys, T.new(rows)
end

local function synthetic(n)
  T.manualSeed(3)
  local train, ytr, Xtr = side(n, 1)
  local test, yte, Xte = side(n, 10000)
  local ex = {train = train, test = test, y = {train = ytr, test = yte}, split = {method = "stratified"}}
  return ex, {train = Xtr, test = Xte, name = "toy"}
end

local function as_sets(groups)
  local out = {}
  for i, g in ipairs(groups) do
    local c = {table.unpack(g)}
    table.sort(c)
    out[i] = table.concat(c, "+")
  end
  table.sort(out)
  return out
end

describe("semeq.semantic.vocabulary", function()
  it("per-row silhouettes average to metrics.silhouette", function()
    T.manualSeed(1)
    local X = T.randn(30, 3)
    local y = {}
    for i = 1, 30 do y[i] = ({"x", "y", "z"})[i % 3 + 1] end
    X:narrow(1, 1, 10):add_(2)
    local s, sum = vocabulary.silhouette_samples(X, y), 0
    for _, v in ipairs(s) do sum = sum + v end
    assert.is_true(math.abs(sum / 30 - metrics.silhouette(X, y)) < 1e-5)
  end)

  it("confusion similarity is the mean of the two directions' confusion rates", function()
    local sim = vocabulary.confusion_similarity({"a", "a", "a", "a", "b", "b"}, {"a", "b", "b", "a", "b", "a"})
    assert.are.equal((2 / 4 + 1 / 2) / 2, sim("a", "b"))
    assert.are.equal(sim("a", "b"), sim("b", "a"))
    assert.are.equal(0, sim("a", "c"))
  end)

  for _, linkage in ipairs {"confusion", "silhouette"} do
    it("merges the words that share a distribution first (" .. linkage .. " linkage) and chooses that level", function()
      local ex, X = synthetic(12)
      local path = vocabulary.merge_path(ex, X, {folds = 4, repeats = 1, linkage = linkage})
      assert.are.same({5, 4, 3, 2, 1}, {path[1].n_groups, path[2].n_groups, path[3].n_groups, path[4].n_groups, path[5].n_groups})
      assert.are.same({"a1+a2", "b1+b2", "c"}, as_sets(path[3].groups))
      vocabulary.score_path(ex, X, path)
      local level = vocabulary.choose(path, {min_silhouette = 0.7, min_accuracy = 0.95})
      assert.are.equal(3, level.n_groups)
      assert.is_true(level.held_out.silhouette > 0.7)
      assert.are.equal(12 * 5, level.held_out.n)
      assert.are.equal(2 / 5, level.held_out.majority) -- two words of five
      local detail = vocabulary.group_detail(ex, X, level)
      for _, g in ipairs(detail) do
        assert.are.equal(12 * #g.terms, g.n_test)
        assert.are.equal(1, g.recall)
      end
    end)
  end

  it("chooses merges without looking at the held-out rows", function()
    local ex, X = synthetic(10)
    local path = vocabulary.merge_path(ex, X, {folds = 5, repeats = 2})
    local other = vocabulary.merge_path(ex, {train = X.train, test = T.randn(50, 2) * 100}, {folds = 5, repeats = 2})
    for i, level in ipairs(path) do assert.are.same(level.groups, other[i].groups) end
  end)

  it("says when no level clears the thresholds, and which level came closest", function()
    local ex, X = synthetic(8)
    local path = vocabulary.score_path(ex, X, vocabulary.merge_path(ex, X, {folds = 4, repeats = 1}))
    local level, best = vocabulary.choose(path, {min_silhouette = 0.99, min_accuracy = 0})
    assert.is_nil(level)
    for _, l in ipairs(path) do
      if l.held_out.silhouette then assert.is_true(best.held_out.silhouette >= l.held_out.silhouette) end
    end
  end)

  it("does not choose a grouping whose accuracy is no better than guessing the largest group", function()
    local path = {{n_groups = 3, held_out = {silhouette = 0.5, knn_accuracy = 0.6, majority = 0.7}},
                  {n_groups = 2, held_out = {silhouette = 0.4, knn_accuracy = 0.8, majority = 0.5}}}
    local opts = {min_silhouette = 0.3, min_accuracy = 0.5}
    assert.are.equal(2, vocabulary.choose(path, opts).n_groups)
    opts.above_majority = false
    assert.are.equal(3, vocabulary.choose(path, opts).n_groups)
  end)

  it("does not choose a grouping with a group that held-out rows never land in", function()
    local path = {{n_groups = 3, held_out = {silhouette = 0.5, knn_accuracy = 0.9, majority = 0.5, min_recall = 0}},
                  {n_groups = 2, held_out = {silhouette = 0.3, knn_accuracy = 0.8, majority = 0.5, min_recall = 0.7}}}
    assert.are.equal(2, vocabulary.choose(path, {min_silhouette = 0.25, min_accuracy = 0.5, min_recall = 0.2}).n_groups)
    -- nothing clears: the best silhouette among the levels that meet the accuracy rules
    local level, best = vocabulary.choose(path, {min_silhouette = 0.6, min_accuracy = 0.5, min_recall = 0.2})
    assert.is_nil(level)
    assert.are.equal(2, best.n_groups)
  end)

  it("rejects an unknown space, linkage or PCA size", function()
    assert.has_error(function() vocabulary.space({}, "curves") end,
      "vocabulary.space: unknown space 'curves' (params, response, latent)")
    assert.has_error(function() vocabulary.space({}, "latent") end,
      "vocabulary.space: the latent space needs a model (--model)")
    local ex, X = synthetic(4)
    assert.has_error(function() vocabulary.merge_path(ex, X, {linkage = "ward"}) end,
      "vocabulary.merge_path: unknown linkage 'ward' (confusion, silhouette)")
    assert.has_error(function() vocabulary.pca(X, 3) end, "vocabulary.pca: components must be an integer in [1, 2], got 3")
  end)
end)

describe("scripts/vocabulary.lua", function()
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("walks SocialFX's 24 words down to one group, scoring every level on held-out rows", function()
    local out, code = H.semeq(("scripts/vocabulary.lua --repeats 1 --bootstrap 0 --min-silhouette -1 --min-accuracy 0 --min-recall 0 --json %s --svg %s")
      :format(H.quote(dir .. "/v.json"), H.quote(dir .. "/v.svg")))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("merges chosen on the 339 training rows only", 1, true), out)
    assert.truthy(out:find("scored on the 119 held-out rows (stratified split, seed 1)", 1, true), out)
    -- thresholds every level clears: the finest grouping, the 24 words themselves
    assert.truthy(out:find("chosen: 24 groups", 1, true), out)
    assert.truthy(out:find("best held%-out silhouette with >= 4 groups: %-?%d%.%d+ %(%d+ groups"), out)
    local j = require("semeq.util.json").decode(io.open(dir .. "/v.json"):read("a"))
    assert.are.equal(24, #j.path)
    for i, level in ipairs(j.path) do
      assert.are.equal(25 - i, level.n_groups)
      local seen = 0
      for _, g in ipairs(level.groups) do seen = seen + #g end
      assert.are.equal(24, seen)
      assert.are.equal(119, level.held_out.n)
    end
    assert.are.equal(24, j.chosen.n_groups)
    assert.truthy(io.open(dir .. "/v.svg"):read("a"):find("24 word groups", 1, true))
  end)

  it("uses a model's latent space with the model's own data and split", function()
    local model = dir .. "/sfx.safetensors"
    require("spec.support.tiny_models").train(model, "socialfx", 4)
    local out, code = H.semeq(("scripts/vocabulary.lua --model %s --data safe --repeats 1 --bootstrap 0 --json %s")
      :format(H.quote(model), H.quote(dir .. "/m.json")))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("data socialfx, split stratified, seed 1 and representation taken from the model", 1, true), out)
    assert.truthy(out:find("space: latent of " .. model, 1, true), out)
    local j = require("semeq.util.json").decode(io.open(dir .. "/m.json"):read("a"))
    assert.are.same({"latent", 24, 119}, {j.space, #j.path, j.held_out_rows})
    out, code = H.semeq("scripts/vocabulary.lua --model " .. H.quote(dir .. "/none.safetensors"))
    assert.are.same({1, ("vocabulary.lua: %s/none.safetensors: cannot open (not a readable file)\n"):format(dir)},
      {code, out})
  end)

  it("reports usage errors with exit status 2", function()
    local out, code = H.semeq("scripts/vocabulary.lua --space latent")
    assert.are.same({2, "vocabulary.lua: --space latent needs --model FILE (see --help)\n"}, {code, out})
    out, code = H.semeq("scripts/vocabulary.lua --linkage ward")
    assert.are.same({2, "vocabulary.lua: --linkage: the value must be one of confusion, silhouette, got 'ward' (see --help)\n"},
      {code, out})
    out, code = H.semeq("scripts/vocabulary.lua --pca 99")
    assert.are.same({2, "vocabulary.lua: --pca must be at most 40 (the space's dimensions), got 99 (see --help)\n"},
      {code, out})
  end)
end)
