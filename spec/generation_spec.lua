-- semeq.eval.generation: the LLM2Fx-style protocol on a small dataset made here, where
-- three words have clearly different curves (so a generator that knows the words must
-- beat the baselines that ignore them).
local T = require "semeq.tensor"
local dataset = require "semeq.data.dataset"
local generator = require "semeq.semantic.generator"
local generation = require "semeq.eval.generation"

local function shape(kind, jitter)
  local t = {}
  for j = 1, 40 do
    local x = (j - 20.5) / 11.5
    t[j] = (kind == "tilt" and x or kind == "dip" and -math.exp(-x * x * 4) or math.sin(3 * x)) + jitter * T.randn(1)[1]
  end
  local v = T.new(t)
  return (v - v:mean()) / v:std()
end

local function make()
  T.manualSeed(21)
  local records = {}
  local function add(key, kind, n)
    for _ = 1, n do records[#records + 1] = {id = #records + 1, key = key, params = shape(kind, 0.15)} end
  end
  add("up", "tilt", 10)
  add("scoop", "dip", 10)
  add("wavy", "wave", 10)
  add("rare", "tilt", 3)
  add("odd", "wave", 3)
  return dataset.new {kind = "socialfx", records = records}
end

describe("semeq.eval.generation", function()
  local ds = make()
  local audealize = {up = shape("tilt", 0), scoop = shape("dip", 0), wavy = shape("wave", 0)}
  local r = generation.run(ds, {folds = 2, draws = 12, bootstrap = 200, mid = {2, 4}, audealize = audealize,
    fit = function(records)
      return generator.fit(records, {kappa = 0, noise = 0, lexicon = 0}),
        {model_global = generator.fit(records, {kappa = 1e9, noise = 0, lexicon = 0})}
    end})

  it("has a row per counted word with every method on both embeddings", function()
    assert.are.equal(3, #r.words)
    assert.are.same({"model", "model_global", "word_resample"}, {r.methods[1], r.methods[2], r.methods[3]})
    for _, row in ipairs(r.words) do
      assert.are.equal(10, row.n)
      for _, name in ipairs(r.methods) do
        for _, emb in ipairs(generation.embeddings) do
          local c = row.methods[name][emb]
          assert.is_number(c.mmd2)
          assert.is_true(c.ci[1] <= c.ci[2])
          assert.is_true(c.llm2fx >= 0)
        end
      end
    end
    assert.are.equal(2, #r.bandwidths.curve)
    assert.is_true(r.bandwidths.curve[1] > 0 and r.bandwidths.dsp[1] > 0)
  end)

  it("ranks a generator that knows the words above the baselines that ignore them", function()
    for _, emb in ipairs(generation.embeddings) do
      assert.is_true(r.summary.model[emb].mean < r.summary.unconditional[emb].mean)
      assert.is_true(r.summary.model[emb].mean < r.summary.random[emb].mean)
      assert.is_true(r.advantage.unconditional[emb].ci[2] < 0)
    end
    -- a variant is judged like the model: here one that ignores the word
    assert.is_true(r.advantage.model_global.curve.ci[2] < 0)
    -- the leaky reference is each word's noise-free shape: close, but a point
    assert.is_true(r.summary.audealize.curve.mean < r.summary.unconditional.curve.mean)
  end)

  it("recognises the model's draws as their words about as often as held-out curves", function()
    local c = r.classifier
    assert.are.equal(30, c.human.n)
    assert.is_true(c.human.rate > 0.8 and c.model.rate > 0.8)
    assert.is_true(c.unconditional.rate < 0.6)
  end)

  it("scores the rare words by kernel-score differences", function()
    assert.are.equal(2, r.mid.words)
    assert.are.same({"model_global", "word_resample", "unconditional"}, r.mid.compared)
    assert.is_number(r.mid.unconditional.mean)
  end)

  it("prints the summary, the advantages, the classifier and the words", function()
    local text = generation.table(r)
    assert.truthy(text:find("audealize (leaky)", 1, true))
    assert.truthy(text:find("vs unconditional", 1, true))
    assert.truthy(text:find("held-out human", 1, true))
    assert.truthy(text:find("\nscoop ", 1, true))
  end)

  it("needs a generator", function()
    assert.has_error(function() generation.run(ds, {}) end, "generation.run: opts.fit is required")
  end)
end)
