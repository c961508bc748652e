-- eq.fit_safe returns settings a person could dial into SAFE (issue 12, item 5): every
-- parameter inside SAFE's ranges and no pair of bands that spends a large gain cancelling
-- each other, on a dense set of targets: the 394 Audealize word curves at two amounts and
-- random curves. The unconstrained fit (ranges = "wide", no penalty) is the comparison.
-- SEMEQ_SPEC_VERBOSE=1 prints the misfit before and after the constraint.
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local settings = require "semeq.settings"
local paths = require "semeq.data"

local FREQS = eq.g40_freqs()
local WIDE = {ranges = "wide", cancel_weight = 0}

local function audealize_targets()
  local audealize = require "semeq.data.audealize"
  local ds = assert(audealize.load(assert(paths.find(audealize.filename))))
  local out = {}
  -- amount 1: Audealize's own +-5 dB; 2.4: +-12 dB, the edge of SAFE's gain range
  for _, amount in ipairs {1, 2.4} do
    for _, r in ipairs(ds.records) do out[#out + 1] = eq.audealize_gains(r.params, amount) end
  end
  return out, #ds.records
end

-- Curves of n random 5-band settings from a box wider than SAFE's (gains +-18 dB, every
-- band anywhere in 20 Hz-20 kHz, Q 0.1-10): many cannot be matched inside the ranges.
local function random_targets(n)
  T.manualSeed(12)
  local rows = T.rand(n, 13):totable()
  for _, r in ipairs(rows) do
    for _, j in ipairs {1, 3, 6, 9, 12} do r[j] = (r[j] * 2 - 1) * 18 end
    for _, j in ipairs {2, 4, 7, 10, 13} do r[j] = 20 * 1000 ^ r[j] end
    for _, j in ipairs {5, 8, 11} do r[j] = 0.1 * 100 ^ r[j] end
  end
  local R = eq.response("safe", T.new(rows), FREQS, {fs = 44100})
  local out = {}
  for i = 1, n do out[i] = R[i] end
  return out
end

local function outside(p)
  local bad = {}
  for j, rg in ipairs(settings.safe.ranges) do
    local tol = 1e-5 * math.max(math.abs(rg[1]), math.abs(rg[2]))  -- float32 rounding of the bound
    if p[j] < rg[1] - tol or p[j] > rg[2] + tol then bad[#bad + 1] = string.format("%d = %g", j, p[j]) end
  end
  return bad
end

local function fit_all(targets, opts)
  local res = {rms = 0, worst_cancel = 0, big_cancel = 0, out_of_range = 0, max_gain = 0, params = {}}
  for i, t in ipairs(targets) do
    local p, _, rms, cancel = eq.fit_safe(t, FREQS, opts)
    p = p:totable()
    res.params[i] = p
    res.rms = res.rms + rms / #targets
    res.worst_cancel = math.max(res.worst_cancel, cancel)
    if cancel > 12 then res.big_cancel = res.big_cancel + 1 end
    if #outside(p) > 0 then res.out_of_range = res.out_of_range + 1 end
    for _, j in ipairs {1, 3, 6, 9, 12} do res.max_gain = math.max(res.max_gain, math.abs(p[j])) end
  end
  return res
end

describe("eq.fit_safe inside SAFE's ranges", function()
  local sets = {}

  setup(function()
    local words, nwords = audealize_targets()
    sets = {
      {name = string.format("Audealize word curves (%d words x 2 amounts)", nwords), targets = words},
      {name = "random wide settings (120)", targets = random_targets(120)},
    }
    for _, s in ipairs(sets) do
      s.before = fit_all(s.targets, WIDE)
      s.after = fit_all(s.targets, nil)
    end
    if os.getenv("SEMEQ_SPEC_VERBOSE") then
      print("\nfit on the 40 Audealize centres, 44.1 kHz  |  mean RMS misfit dB, largest cancelled gain dB, fits outside SAFE's ranges")
      for _, s in ipairs(sets) do
        print(string.format("  %-48s before %.3f dB, %5.2f dB, %3d  |  after %.3f dB, %5.2f dB, %d", s.name,
          s.before.rms, s.before.worst_cancel, s.before.out_of_range, s.after.rms, s.after.worst_cancel,
          s.after.out_of_range))
      end
    end
  end)

  it("keeps every fitted parameter inside SAFE's ranges", function()
    for _, s in ipairs(sets) do
      for i, p in ipairs(s.after.params) do
        local bad = outside(p)
        assert(#bad == 0, string.format("%s, target %d: parameters outside SAFE's ranges: %s", s.name, i,
          table.concat(bad, ", ")))
      end
      assert.is_true(s.after.max_gain <= 12 + 1e-4)
    end
  end)

  it("needs the ranges: the unconstrained fit leaves them on these targets", function()
    for _, s in ipairs(sets) do
      assert.is_true(s.before.out_of_range > 0, s.name)
    end
  end)

  it("gives no large opposing gain pairs, where the unconstrained fit has them", function()
    for _, s in ipairs(sets) do
      assert.is_true(s.before.big_cancel > 0, s.name .. ": no cancelling pair to remove")
      assert.are.equal(0, s.after.big_cancel)
      -- the penalty is soft (free below 3 dB): bounded, not zero
      assert.is_true(s.after.worst_cancel < 9, string.format("%s: %.2f dB cancelled", s.name, s.after.worst_cancel))
    end
  end)

  it("costs little misfit on the word curves", function()
    local words = sets[1]
    assert.is_true(words.after.rms < words.before.rms + 0.15,
      string.format("mean RMS %.3f -> %.3f dB", words.before.rms, words.after.rms))
    assert.is_true(words.after.rms < 0.8)
  end)

  it("still recovers a setting inside the ranges exactly", function()
    local p = T.new {4, 150, -5, 500, 1.2, 3, 2000, 2, -2, 7000, 1, -3, 10000}
    local target = eq.response("safe", p, FREQS)
    local _, max_err, _, cancel = eq.fit_safe(target, FREQS)
    assert.is_true(max_err < 0.05, "max err " .. max_err)
    assert.is_true(cancel <= 3.01)
  end)

  it("checks its options", function()
    assert.has_error(function() eq.fit_safe(T.zeros(40), FREQS, {ranges = "loose"}) end,
      "bad argument #3 to 'fit_safe' (option 'ranges' must be \"safe\" or \"wide\")")
    assert.has_error(function() eq.fit_safe(T.zeros(40), FREQS, {cancel_weight = -1}) end)
  end)
end)
