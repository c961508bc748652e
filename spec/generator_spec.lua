-- semeq.models.word_mixture, semeq.semantic.generator and semeq.data.lexicon: the word ->
-- curves generator on small records built here (three words with distinct curve shapes).
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local models = require "semeq.models"
local mio = require "semeq.models.io"
local generator = require "semeq.semantic.generator"
local lexicon = require "semeq.data.lexicon"

-- A z-scored 40-band shape: a tilt of the given sign plus a little noise.
local function tilt(sign, jitter)
  local t = {}
  for j = 1, 40 do t[j] = sign * (j - 20.5) / 11.5 + jitter * (T.randn(1):item()) end
  local x = T.new(t)
  local m, s = x:mean(), x:std()
  return (x - m) / s
end

-- n records per word: "warm" tilts down, "bright" up, "claro" (Spanish for clear/bright)
-- up, "flat" is noise.
local function records(n)
  T.manualSeed(11)
  local out = {}
  for _, spec in ipairs {{"warm", -1}, {"bright", 1}, {"claro", 1}, {"flat", 0}} do
    for _ = 1, n do out[#out + 1] = {key = spec[1], params = tilt(spec[2], spec[2] == 0 and 1 or 0.2)} end
  end
  return out
end

describe("semeq.data.lexicon", function()
  it("links translations both ways among the given words only", function()
    local rel = lexicon.related {"claro", "clear", "bright", "warm"}
    assert.are.same({"bright", "clear"}, rel.claro)
    assert.are.same({"claro"}, rel.bright)
    assert.is_nil(rel.warm)
    assert.are.same({"warm"}, lexicon.unseen({"warm"})["cálido"])
  end)

  it("folds accents for lookups", function()
    assert.are.equal("frio", lexicon.fold("frío"))
    assert.are.equal("nino", lexicon.fold("niño"))
    assert.are.equal("warm", lexicon.fold("warm"))
  end)
end)

describe("semeq.models.word_mixture", function()
  local function tiny()
    local m = models.word_mixture {words = {"a", "b"}, components = 3, rank = 2, aliases = {["á"] = "a"}}
    m.select.weight:copy(T.new {{1, 0}, {0, 0.25}, {0, 0.75}})
    T.manualSeed(1)
    m.emit.weight:copy(T.randn(40, 5))
    return m
  end

  it("draws curves that the first k of n repeat for the same seed, and that the layers compute", function()
    local m = tiny()
    T.manualSeed(9)
    local five = m:sample("b", 5)
    T.manualSeed(9)
    local two = m:sample("b", 2)
    assert.is_true(T.allclose(five:narrow(1, 1, 2), two))
    -- the same draws through the Linear layer: [onehot(k), eps] -> emit
    T.manualSeed(9)
    local U = T.rand(5, 3)
    local inputs = T.zeros(5, 5)
    for i = 1, 5 do
      local k = U[i][1] < 0.25 and 2 or 3
      inputs[i][k] = 1
      local r = math.sqrt(-2 * math.log(1 - U[i][2]))
      inputs[i][4] = r * math.cos(2 * math.pi * U[i][3])
      inputs[i][5] = r * math.sin(2 * math.pi * U[i][3])
    end
    assert.is_true(T.allclose(m.emit:forward(inputs), five, 1e-5, 1e-5))
  end)

  it("never draws a curve of zero weight and answers aliases", function()
    local m = tiny()
    m.emit.weight:narrow(2, 4, 2):zero()
    T.manualSeed(3)
    local X = m:sample("b", 200)
    local c1, c2 = m.emit.weight:select(2, 1), m.emit.weight:select(2, 2)
    local twos = 0
    for i = 1, 200 do
      assert.is_true((X[i] - c1):abs():max() > 1e-3)
      if (X[i] - c2):abs():max() < 1e-6 then twos = twos + 1 end
    end
    assert.is_true(twos > 25 and twos < 75)  -- weight 1/4 of 200
    assert.is_true(T.allclose(m:sample("á", 3), c1:contiguous():view(1, 40):expand(3, 40)))
    assert.are.equal("a", m:word("á"))
    assert.is_nil(m:word("c"))
    assert.has_error(function() m:weights("c") end, "word_mixture: unknown word 'c'")
  end)

  it("realises curves at an amount: +-5 x amount dB, flat at 0", function()
    local m = tiny()
    local db = m:curves("a", 4, 2)
    assert.is_true(math.abs(db:max() - 10) < 1e-4 and math.abs(db:min() + 10) < 1e-4)
    assert.are.equal(0, m:curves("a", 3, 0):abs():max())
  end)

  it("refuses configs it cannot build", function()
    assert.has_error(function() models.word_mixture {words = {}, components = 2} end,
      "word_mixture: words must be a non-empty list of keys")
    assert.has_error(function() models.word_mixture {words = {"a", "a"}, components = 2} end,
      "word_mixture: word 'a' is listed twice")
    assert.has_error(function() models.word_mixture {words = {"a"}, components = 2, aliases = {x = "b"}} end,
      "word_mixture: alias 'x' names no word of the model")
  end)
end)

describe("semeq.semantic.generator", function()
  local recs = records(6)

  it("keeps a word's own curves at kappa 0 and ignores the word at a huge kappa", function()
    local own = generator.fit(recs, {kappa = 0, noise = 0, lexicon = 0})
    local w = own:weights("warm"):totable()
    -- components are ordered by word: bright, claro, flat, warm
    for k = 1, 18 do assert.are.equal(0, w[k]) end
    for k = 19, 24 do assert.is_true(math.abs(w[k] - 1 / 6) < 1e-6) end
    local none = generator.fit(recs, {kappa = 1e12, noise = 0, lexicon = 0})
    local u = none:weights("warm"):totable()
    for k = 1, 24 do assert.is_true(math.abs(u[k] - 1 / 24) < 1e-6) end
  end)

  it("gives the lexicon share of the borrowed mass to a word's translations", function()
    local m = generator.fit(recs, {kappa = 6, noise = 0, lexicon = 1})
    local w = m:weights("claro"):totable()
    -- own 6 / (6 + 6) = 1/2 on claro (7..12), the other half on bright (1..6), none elsewhere
    assert.is_true(math.abs(w[1] - 1 / 12) < 1e-6 and math.abs(w[7] - 1 / 12) < 1e-6)
    assert.are.equal(0, w[13])
    assert.are.equal(0, w[19])
  end)

  it("answers a lexicon word absent from the records as its translations, and spellings without accents", function()
    local r = {}
    for _, x in ipairs(recs) do r[#r + 1] = x end
    r[#r + 1] = {key = "frío", params = tilt(-1, 0.2)}
    local m = generator.fit(r, {kappa = 2, noise = 0.5, lexicon = 0.5})
    assert.are.equal("frío", m:word("frio"))
    assert.are.equal("brillante", m:word("brillante"))  -- "bright" is in the records
    assert.is_true(T.allclose(m:weights("brillante"), m:weights("bright"), 1e-6, 1e-6))
    assert.are.equal("cálido", m:word("calido"))
    assert.is_true(T.allclose(m:weights("cálido"), m:weights("warm"), 1e-6, 1e-6))
    local m2 = generator.fit(r, {kappa = 2, noise = 0.5, lexicon = 0.5, unseen = false})
    assert.is_nil(m2:word("brillante"))
  end)

  it("saves and loads through models.io: the same draws", function()
    local m = generator.fit(recs, {kappa = 2, noise = 0.5, lexicon = 0.5})
    local path = os.tmpname()
    assert(mio.save(m, path))
    local back = assert(mio.load(path))
    os.remove(path)
    T.manualSeed(5)
    local a = m:curves("warm", 6, 1)
    T.manualSeed(5)
    assert.is_true(T.allclose(a, back:curves("warm", 6, 1)))
    assert.are.equal(2, back.config.fit.kappa)
  end)

  it("scores a generator that matches the held-out curves above one that does not", function()
    local m = generator.fit(recs, {kappa = 0, noise = 0, lexicon = 0})
    T.manualSeed(2)
    local warm = m:curves("warm", 50, 1)
    local held = eq.audealize_gains(tilt(-1, 0.2):view(1, 40), 1)
    local bright = m:curves("bright", 50, 1)
    assert.is_true(generator.kernel_score(warm, held, 5) < generator.kernel_score(bright, held, 5))
  end)

  it("tunes on inner folds: separable words need their own curves", function()
    local best, rows = generator.tune(records(8), {folds = 2, draws = 30, min_train = 2,
      grid = {kappa = {0, 1e9}, noise = {0}, lexicon = {0}}})
    assert.are.equal(2, #rows)
    assert.are.equal(0, best.kappa)
    assert.is_true(rows[1].score < rows[2].score)
  end)

  it("refuses bad records and settings", function()
    assert.has_error(function() generator.fit({{key = "a"}}, {}) end,
      "generator.fit: records must be a list of at least 2 records")
    assert.has_error(function() generator.fit(recs, {lexicon = 2}) end, "generator.fit: lexicon must be a share in [0, 1]")
  end)
end)
