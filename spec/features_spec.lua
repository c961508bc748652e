-- semeq.eq.band_energies, semeq.eval.features (pink noise, DSP features of a curve).
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local features = require "semeq.eval.features"

describe("eq.band_energies", function()
  it("passes a sine at 0 dB in its own band and far less an octave away, after settling", function()
    local n, fs = 44100, 44100
    local x = (T.arange(0, n - 1) * (2 * math.pi * 1000 / fs)):sin()
    local e = eq.band_energies(x, {1000, 500, 2000}, {fs = fs, skip = 4410}):totable()
    assert.is_true(math.abs(e[1] - 0.5) < 1e-3)
    assert.is_true(e[2] < 0.25 and e[3] < 0.25)
  end)

  it("refuses what it cannot measure", function()
    local x = T.zeros(100)
    assert.has_error(function() eq.band_energies(T.zeros(2, 2), {100}) end)
    assert.has_error(function() eq.band_energies(x, {30000}) end)
    assert.has_error(function() eq.band_energies(x, {100}, {skip = 100}) end)
  end)
end)

describe("semeq.eval.features", function()
  local fx = features.extractor {seed = 7}

  it("makes pink noise: about equal energy in every octave", function()
    local e = eq.band_energies(fx.noise, T.new {125, 250, 500, 1000, 2000, 4000}, {fs = 44100, skip = 4410}):totable()
    for i = 2, #e do assert.is_true(math.abs(10 * math.log(e[i] / e[1], 10)) < 1.5) end
  end)

  it("gives zeros for a flat curve, and sees a boost and a tilt", function()
    local flat = fx:features(T.zeros(1, 40))[1]:totable()
    for i = 1, 10 do assert.is_true(math.abs(flat[i]) < 1e-6) end
    assert.is_true(math.abs(flat[12]) < 1e-6)
    local up = T.zeros(1, 40)
    for j = 21, 40 do up[1][j] = 5 end
    local f = fx:features(up)[1]:totable()
    assert.is_true(f[9] > 5 and f[1] < 1)       -- 8 kHz up, 31.5 Hz untouched
    assert.is_true(f[11] > flat[11])           -- the centroid moves up
    assert.is_true(f[12] > 0)                  -- tilted up
    assert.are.equal(12, #features.names)
  end)

  it("is the same for the same seed", function()
    local other = features.extractor {seed = 7}
    local db = (T.rand(3, 40) - 0.5) * 10
    assert.is_true(T.allclose(fx:features(db), other:features(db)))
  end)
end)
