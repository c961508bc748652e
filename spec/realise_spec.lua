-- semeq.settings.realise: a 40-band curve as a graphic EQ in range or a SAFE setting.
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local realise = require "semeq.settings.realise"

describe("semeq.settings.realise", function()
  T.manualSeed(12)
  local curve = (T.rand(40) * 2 - 1) * 5

  it("keeps a curve within the graphic EQ's range as it is", function()
    local gains, max_db, rms_db = realise.graphic(curve)
    assert.is_true(T.allclose(T.new(gains), curve))
    assert.are.same({0, 0}, {max_db, rms_db})
  end)

  it("refits a curve beyond the range inside it, closer than clamping", function()
    local big = curve * 3
    local gains, max_db, rms_db = realise.graphic(big)
    assert.is_true(T.new(gains):abs():max() <= 12)
    local target = realise.response(big)
    local clamped = realise.response(big:clamp(-12, 12))
    local clamp_rms = math.sqrt(((clamped - target) ^ 2):mean())
    assert.is_true(rms_db > 0 and rms_db < clamp_rms)
    assert.is_true(max_db >= rms_db)
  end)

  it("fits a SAFE setting to the curve's response and says how close", function()
    local params, max_db, rms_db = realise.parametric(curve)
    assert.are.equal(13, #params)
    local got = eq.response("safe", params, eq.g40_freqs(), {fs = 48000})
    local d = got - realise.response(curve)
    assert.is_true(math.abs(d:abs():max() - max_db) < 1e-4)
    assert.is_true(rms_db <= max_db)
    assert.has_error(function() realise.parametric({1, 2}) end, "realise.parametric: curve must hold 40 dB values")
  end)
end)
