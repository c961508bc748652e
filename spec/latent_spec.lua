-- semeq.semantic.latent (walking a latent space) and semeq.semantic.placement (where a
-- term sits), on a stand-in semantic model with known codes.
local T = require "semeq.tensor"
local latent = require "semeq.semantic.latent"
local placement = require "semeq.semantic.placement"

-- Two terms in a 2-D latent: "a" around (-1, 0), "b" around (1, 0), 20 codes each.
local function stand_in()
  T.manualSeed(7)
  local a = T.randn(20, 2) * 0.1 + T.new {-1, 0}:view(1, 2)
  local b = T.randn(20, 2) * 0.1 + T.new {1, 0}:view(1, 2)
  local labels = {}
  for i = 1, 40 do labels[i] = i <= 20 and "a" or "b" end
  local sm = {train_codes = T.cat({a, b}, 1), train_labels = labels, terms = {"a", "b"},
              centroids = {a = a:mean(1):totable(), b = b:mean(1):totable()}}
  function sm.term_code(self, t)
    if not self.centroids[t] then error("unknown term '" .. t .. "'", 2) end
    return T.new(self.centroids[t])
  end
  function sm.latent_size(self) return self.train_codes:size(2) end
  return sm
end

describe("semeq.semantic.latent", function()
  it("summarises the training codes per dimension", function()
    local sm = stand_in()
    local st = latent.stats(sm)
    assert.are.equal(40, st.n)
    assert.is_true(math.abs(st.mean[1]) < 0.1 and st.sd[1] > 0.9 and st.sd[2] < 0.2)
    assert.is_true(st.min[1] < -1 and st.max[1] > 1)
  end)

  it("samples around the codes, reproducibly under a seed", function()
    local sm = stand_in()
    T.manualSeed(1)
    local Z = latent.sample(sm, 500)
    T.manualSeed(1)
    assert.is_true(T.allclose(Z, latent.sample(sm, 500), 0, 0))
    assert.are.same({500, 2}, Z:size())
    assert.is_true(math.abs(Z:select(2, 1):mean()) < 0.15)
  end)

  it("spans the codes' range with a grid, row by row, and refuses other dimensions", function()
    local sm = stand_in()
    local G = latent.grid(sm, 3)
    local st = latent.stats(sm)
    assert.are.same({9, 2}, G:size())
    assert.is_true(math.abs(G[1][1] - st.min[1]) < 1e-6 and math.abs(G[9][2] - st.max[2]) < 1e-6)
    assert.is_true(math.abs(G[2][1] - st.min[1]) < 1e-6) -- z2 varies fastest
    assert.has_error(function() latent.grid(sm, 1) end, "latent.grid: k must be an integer >= 2, got 1")
    sm.train_codes = T.zeros(4, 3)
    assert.has_error(function() latent.grid(sm, 3) end,
      "latent.grid: needs a 2-D latent space, this model's has 3 dimensions")
  end)

  it("varies around a term by its own spread and finds the nearest term", function()
    local sm = stand_in()
    local Z, sd = latent.variations(sm, "b", 50, 1)
    assert.are.same({50, 2}, Z:size())
    assert.is_true(sd[1] < 0.2)
    assert.is_true((Z:select(2, 1) - 1):abs():max() < 1)
    assert.are.equal("a", (latent.nearest_term(sm, T.new {-0.8, 0.1})))
    assert.are.equal("b", (latent.nearest_term(sm, T.new {0.5, -0.3})))
    assert.are.same({20, 2}, latent.term_codes(sm, "a"):size())
    assert.has_error(function() latent.term_codes(sm, "c") end)
  end)
end)

describe("semeq.semantic.placement", function()
  it("places each term where a linear classifier is surest, inside the codes' 5-95% box", function()
    local sm = stand_in()
    local before = {a = sm.centroids.a, b = sm.centroids.b}
    local r = assert(placement.classifier(sm, sm.train_codes, sm.train_labels))
    assert.are.equal("classifier", r.method)
    assert.are.same({1, 1}, {r.train_accuracy, r.test_accuracy})
    for _, t in ipairs {"a", "b"} do
      assert.is_true(r.probability[t] > 0.99, t)
      for j = 1, 2 do
        assert.is_true(sm.centroids[t][j] >= r.box.lo[j] - 1e-9 and sm.centroids[t][j] <= r.box.hi[j] + 1e-9)
      end
    end
    -- the places move outwards from the centroids along the axis that separates the terms
    assert.is_true(sm.centroids.a[1] < before.a[1] and sm.centroids.b[1] > before.b[1])
  end)

  it("needs two terms", function()
    local sm = stand_in()
    for i = 1, 40 do sm.train_labels[i] = "a" end
    assert.has_error(function() placement.classifier(sm, sm.train_codes, sm.train_labels) end,
      "placement.classifier: needs at least two terms")
  end)
end)
