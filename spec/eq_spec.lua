-- semeq.eq: responses against an independent evaluation of the Audio EQ Cookbook,
-- parameter errors, the Audealize mapping, the SAFE fitter and the block processor.
local T = require "semeq.tensor"
local eq = require "semeq.eq"

local oracle = require "spec.support.cookbook"
local H = require "spec.helpers"

-- Random SAFE settings in FlowEQ's ranges, as float32-exact Lua numbers (via a tensor).
local function random_safe(n)
  local lo = {-12, 22, -12, 82, 0.1, -12, 180, 0.1, -12, 220, 0.1, -12, 580}
  local hi = {12, 1000, 12, 3900, 10, 12, 4700, 10, 12, 10000, 10, 12, 20000}
  local rows = {}
  for i = 1, n do
    local r = {}
    for j = 1, 13 do
      local u = math.random()
      -- frequencies and Q log-uniform, gains uniform
      if lo[j] > 0 then r[j] = math.exp(math.log(lo[j]) + u * (math.log(hi[j]) - math.log(lo[j])))
      else r[j] = lo[j] + u * (hi[j] - lo[j]) end
    end
    rows[i] = r
  end
  return T.new(rows)
end

local function max_dev(resp, rows, freqs, fs, sections_of)
  local worst = 0
  local R, P, F = resp:totable(), rows:totable(), freqs:totable()
  for i = 1, #P do
    local d = oracle.design(sections_of(P[i], fs), fs)
    for k = 1, #F do
      worst = math.max(worst, math.abs(R[i][k] - oracle.db_designed(d, fs, F[k])))
    end
  end
  return worst
end

describe("eq.response", function()
  it("matches the cookbook oracle for random SAFE settings within 0.01 dB", function()
    math.randomseed(7)
    for _, fs in ipairs({44100, 48000, 96000}) do
      local p = random_safe(40)
      local f = eq.log_grid(200, 10, 0.49 * fs)
      local r = eq.response("safe", p, f, {fs = fs})
      assert.are.same({40, 200}, r:size())
      local dev = max_dev(r, p, f, fs, oracle.safe)
      if os.getenv("SEMEQ_SPEC_VERBOSE") then print(("\nsafe fs %d: max |response - oracle| = %.2e dB"):format(fs, dev)) end
      assert.is_true(dev < 0.01, ("fs %d: max deviation %g dB"):format(fs, dev))
    end
  end)

  it("matches the oracle for graphic40 gains (with bands above Nyquist bypassed)", function()
    math.randomseed(8)
    for _, fs in ipairs({48000, 32000}) do
      local g = T.rand(5, 40):mul(24):sub(12)
      local f = eq.log_grid(150, 15, 0.49 * fs)
      local r = eq.response("graphic40", g, f, {fs = fs})
      local dev = max_dev(r, g, f, fs, oracle.graphic40)
      if os.getenv("SEMEQ_SPEC_VERBOSE") then print(("\ngraphic40 fs %d: max |response - oracle| = %.2e dB"):format(fs, dev)) end
      assert.is_true(dev < 0.01, ("fs %d: max deviation %g dB"):format(fs, dev))
    end
  end)

  it("gives a 1-d response for 1-d params, and accepts Lua tables", function()
    local p = {3, 100, -4, 400, 1, 5, 1500, 2, -2, 6000, 0.7, 6, 9000}
    local r = eq.response("safe", p, {100, 1000})
    assert.are.same({2}, r:size())
    assert.is_true(math.abs(r[1] - oracle.db(oracle.safe(p), 44100, 100)) < 0.01)
  end)

  it("equals the per-row response when batched (data helper: [batch x 13] on a 64-point grid)", function()
    math.randomseed(9)
    local p = random_safe(5)
    local f = eq.log_grid(64)
    local all = eq.response("safe", p, f)
    for i = 1, 5 do
      assert.is_true(T.allclose(all[i], eq.response("safe", p[i], f), 0, 0))
    end
  end)

  it("names the band, parameter and value of a bad setting", function()
    local p = T.new{{3, 100, -4, 400, 1, 5, 1500, 2, -2, 6000, 0.7, 6, 9000},
                    {3, 100, -4, 400, 1, 5, 1500, 2, -2, 30000, 0.7, 6, 9000}}
    assert.has_error(function() eq.response("safe", p, {100}) end,
      "eq.response: row 2: peak 3 frequency = 30000 must be below Nyquist (22050 Hz)")
    p[1][5] = 0
    assert.has_error(function() eq.response("safe", p, {100}) end,
      "eq.response: row 1: peak 1 Q = 0 must be above 0")
    p[1][5] = 0 / 0
    assert.has_error(function() eq.response("safe", p, {100}, {clamp = true}) end,
      "eq.response: row 1: peak 1 Q = nan is not finite")
    local g = T.zeros(40)
    g[17] = 1 / 0
    assert.has_error(function() eq.response("graphic40", g, {100}) end,
      "eq.response: band 17 (1273 Hz) gain = inf is not finite")
    assert.has_error(function() eq.response("safe", T.zeros(3, 12), {100}) end,
      "bad argument #2 to 'response' (safe needs [batch x 13] or [13] parameters, got [3x12])")
    assert.has_error(function() eq.response("parametric", T.zeros(13), {100}) end,
      "bad argument #1 to 'response' (unknown filterbank 'parametric' (safe, graphic40))")
  end)

  it("clamps model outputs into documented ranges in clamp mode", function()
    local wild = T.new{40, 5, -4, 400, 50, 5, 1500, 2, -2, 30000, 0.001, 6, 9000}
    local tame = T.new{24, 10, -4, 400, 10, 5, 1500, 2, -2, 0.98 * 22050, 0.1, 6, 9000}
    local f = eq.log_grid(64)
    assert.is_true(T.allclose(eq.response("safe", wild, f, {clamp = true}), eq.response("safe", tame, f), 0, 1e-5))
  end)
end)

describe("eq.biquad", function()
  local kinds = {"peak", "lowshelf", "highshelf", "lowpass", "highpass", "bandpass", "notch"}
  it("gives cookbook coefficients and responses for every kind", function()
    local f = eq.log_grid(100, 20, 23000)
    for _, kind in ipairs(kinds) do
      local o = {freq = 1234, gain = -7.5, q = 1.7, fs = 48000}
      local c = eq.biquad(kind, o)
      local b, a = oracle.coefs(kind, 48000, 1234, -7.5, 1.7)
      for k, v in pairs({b0 = b[1] / a[1], b1 = b[2] / a[1], b2 = b[3] / a[1], a1 = a[2] / a[1], a2 = a[3] / a[1]}) do
        assert.is_true(math.abs(c[k] - v) < 1e-12, kind .. " " .. k)
      end
      local r = eq.biquad_response(kind, o, f):totable()
      for i, fr in ipairs(f:totable()) do
        local want = oracle.db({{kind, 1234, -7.5, 1.7}}, 48000, fr)
        -- the notch's zero is -inf in the oracle: compare where it is finite and sane
        if want > -60 then
          assert.is_true(math.abs(r[i] - want) < 0.01, ("%s at %g Hz: %g vs %g"):format(kind, fr, r[i], want))
        end
      end
    end
  end)

  it("rejects a frequency at Nyquist and an unknown kind", function()
    assert.has_error(function() eq.biquad("peak", {freq = 24000, fs = 48000}) end,
      "eq.biquad: peak needs |gain| <= 60 dB, 0 < freq < fs/2 and q > 0, and finite coefficients (got freq=24000.0 gain=0.0 q=0.70710678118655 fs=48000.0)")
    assert.has_error(function() eq.biquad("allpass", {freq = 100}) end,
      "bad argument #1 to 'biquad' (unknown biquad kind 'allpass' (peak, lowshelf, highshelf, lowpass, highpass, bandpass, notch))")
  end)
end)

describe("eq.audealize_gains", function()
  it("maps a curve min-max to [-1, 1] times 5 x amount dB", function()
    local c = T.randn(3, 40)
    local g = eq.audealize_gains(c, 0.7)
    for i = 1, 3 do
      local row, lo, hi = c[i]:totable(), c[i]:min(), c[i]:max()
      for j = 1, 40 do
        local want = (2 * (row[j] - lo) / (hi - lo) - 1) * 5 * 0.7
        assert.is_true(math.abs(g[i][j] - want) < 1e-5)
      end
    end
    assert.are.same(T.zeros(40):totable(), eq.audealize_gains(T.ones(40), 1):totable())
  end)
end)

describe("eq.fit_safe", function()
  it("recovers a reachable SAFE response", function()
    local p = T.new{4, 150, -5, 500, 1.2, 3, 2000, 2, -2, 7000, 1, -3, 10000}
    local f = eq.log_grid(64)
    local target = eq.response("safe", p, f)
    local fit, max_err = eq.fit_safe(target, f)
    assert.are.same({13}, fit:size())
    assert.is_true(max_err < 0.05, "max err " .. max_err)
  end)

  it("fits a 40-band Audealize curve and reports its true max error", function()
    local f = eq.log_grid(128, 20, 20000)
    local gains = eq.audealize_gains(T.new{-0.2, 0.5, 0.9, 1.0, 1.1, 1.0, 0.8, 0.6, 0.5, 0.3, 0.2, 0.1,
      0.0, 0.0, -0.1, -0.1, -0.2, -0.3, -0.4, -0.5, -0.6, -0.6, -0.7, -0.7, -0.8, -0.8, -0.8, -0.9,
      -0.9, -0.9, -1.0, -1.0, -1.0, -1.1, -1.1, -1.2, -1.2, -1.3, -1.3, -1.4}, 1)
    local target = eq.response("graphic40", gains, f, {fs = 48000})
    local fit, max_err, rms = eq.fit_safe(target, f, {fs = 48000})
    local got = eq.response("safe", fit, f, {fs = 48000})
    local true_max = (got - target):abs():max()
    assert.is_true(math.abs(true_max - max_err) < 1e-3)
    assert.is_true(rms <= max_err)
    -- five bands cannot follow the ripple of 40 Q = 4.31 peaks: the fit is close, not exact
    assert.is_true(max_err < 2.0, "max err " .. max_err)
    assert.is_true(rms < 0.25 * math.sqrt((target * target):mean()), "rms " .. rms)
  end)

  it("rejects mismatched inputs", function()
    assert.has_error(function() eq.fit_safe(T.zeros(5), T.ones(4)) end,
      "eq.fit_safe: target and freqs must be 1-d of the same length (1..100000)")
    assert.has_error(function() eq.fit_safe(T.zeros(2), T.new{100, 30000}) end,
      "eq.fit_safe: frequency 2 = 30000.0 must be in (0, fs/2 = 22050.0)")
  end)
end)

describe("eq.new filters", function()
  local P1 = {6, 100, -4, 400, 1, 5, 1500, 2, -2, 6000, 0.7, 6, 9000}
  local P2 = {-6, 300, 4, 800, 2, -5, 2500, 1, 2, 5000, 0.7, -6, 12000}

  local function run_blocks(x, sizes, change_at, opts)
    local f = eq.new("safe", P1, opts)
    local y, pos, k = x:clone(), 0, 0
    local n = x:size(1)
    while pos < n do
      k = k + 1
      local len = math.min(sizes[(k - 1) % #sizes + 1], n - pos)
      if change_at and pos < change_at and pos + len > change_at then len = change_at - pos end
      f:process(y:narrow(1, pos + 1, len))
      pos = pos + len
      if pos == change_at then f:set(P2) end
    end
    return y, f
  end

  it("gives the same output whatever the block size, also across a smoothed change", function()
    T.manualSeed(3)
    local x = T.randn(30000, 2):mul(0.1)
    local opts = {channels = 2, smooth_ms = 10, fs = 44100}
    local a = run_blocks(x, {30000}, 12345, opts)
    local b = run_blocks(x, {1, 17, 64, 1000, 4097}, 12345, opts)
    assert.is_true(T.allclose(a, b, 0, 0))
    assert.is_false(T.allclose(a, x, 0, 1e-3))
  end)

  it("filters every channel alike, whatever the count (channels go two at a time, the odd one alone)", function()
    T.manualSeed(6)
    local mono = T.randn(3000, 1):mul(0.1)
    local gains = {}
    for i = 1, 40 do gains[i] = (i % 7) - 3 end
    for _, setting in ipairs {{"safe", P1}, {"graphic40", gains}} do
      local want = mono:clone()
      eq.new(setting[1], setting[2], {channels = 1}):process(want)
      for _, ch in ipairs {2, 3, 5} do
        local y = mono:expand(3000, ch):contiguous()
        eq.new(setting[1], setting[2], {channels = ch}):process(y)
        for c = 1, ch do
          assert.is_true(T.allclose(y:narrow(2, c, 1), want, 0, 0), setting[1] .. ": channel " .. c .. " of " .. ch)
        end
      end
    end
  end)

  it("processes planar audio (a transposed view) like interleaved audio", function()
    T.manualSeed(4)
    local inter = T.randn(5000, 3):mul(0.1)
    local planar = inter:t():contiguous()          -- [3 x 5000]
    eq.new("safe", P1, {channels = 3}):process(inter)
    eq.new("safe", P1, {channels = 3}):process(planar:t())
    assert.is_true(T.allclose(planar:t(), inter, 0, 0))
    assert.has_error(function() eq.new("safe", P1, {channels = 3}):process(T.zeros(1, 3):expand(10, 3)) end,
      "bad argument #1 to 'process' (audio tensor must not be a broadcast (expanded) view)")
  end)

  it("processes each channel with the filterbank's response (sine steady state)", function()
    local fs, n = 44100, 44100
    local x = T.zeros(n, 2)
    for i = 1, n do
      x[i][1] = math.sin(2 * math.pi * 1500 * i / fs)
      x[i][2] = 0.5 * math.sin(2 * math.pi * 100 * i / fs)
    end
    eq.new("safe", P1, {channels = 2}):process(x)
    local tail = x:narrow(1, n - 4409, 4410)
    local want1 = 10 ^ (oracle.db(oracle.safe(P1), fs, 1500) / 20)
    local want2 = 0.5 * 10 ^ (oracle.db(oracle.safe(P1), fs, 100) / 20)
    assert.is_true(math.abs(tail:select(2, 1):abs():max() - want1) < 1e-3 * want1)
    assert.is_true(math.abs(tail:select(2, 2):abs():max() - want2) < 1e-3 * want2)
  end)

  it("smooths parameter changes (no click where an abrupt switch clicks)", function()
    local fs, n = 44100, 8000
    local x = T.zeros(n)
    for i = 1, n do x[i] = 0.2 * math.sin(2 * math.pi * 1000 * i / fs) end
    local loud = {12, 100, 12, 1000, 4, 0, 2000, 1, 0, 5000, 1, 0, 9000}
    local quiet = {-12, 100, -12, 1000, 4, 0, 2000, 1, 0, 5000, 1, 0, 9000}
    local function click(smooth_ms)
      local f = eq.new("safe", loud, {smooth_ms = smooth_ms})
      local y = x:clone()
      f:process(y:narrow(1, 1, 4000))
      f:set(quiet)
      f:process(y:narrow(1, 4001, 4000))
      -- largest second difference around the change: a click is a kink in the waveform
      local w = y:narrow(1, 3990, 900)
      local d2 = w:narrow(1, 3, 898) - w:narrow(1, 2, 898) * 2 + w:narrow(1, 1, 898)
      return d2:abs():max()
    end
    local abrupt, smooth = click(0), click(20)
    assert.is_true(smooth < 0.5 * abrupt, ("smooth %g vs abrupt %g"):format(smooth, abrupt))
  end)

  it("make-up gain keeps a boost from raising the peak and reports the peak", function()
    local fs, n = 44100, 44100
    local x = T.zeros(n)
    for i = 1, n do x[i] = 0.9 * math.sin(2 * math.pi * 1500 * i / fs) end
    local plain = eq.new("safe", P1)
    plain:process(x:clone())
    assert.is_true(plain:peak() > 1.0)
    local safe = eq.new("safe", P1, {makeup = true})
    local y = safe:process(x:clone())
    assert.is_true(safe:makeup_db() < -5)
    assert.is_true(safe:peak() <= 0.9 * 1.001, "peak " .. safe:peak())
    assert.are.equal(y:abs():max(), safe:peak())
  end)

  it("refuses NaN and infinity in its output: nil and the frame, a NaN/Inf meter, a restart from silence", function()
    -- a NaN in the second channel of frame 299 (row 200 of the second block): frames count
    -- from 0 from the start of the stream, as the audio messages do
    local f = eq.new("safe", P1, {channels = 2})
    T.manualSeed(4)
    local x = T.randn(1000, 2):mul(0.1)
    local head = x:narrow(1, 1, 100)
    assert.are.equal(head, f:process(head))
    assert.is_true(f:peak() > 0 and f:peak() < 10)
    local y = x:narrow(1, 101, 900):clone()
    y[200][2] = 0 / 0
    local ok, err = f:process(y)
    assert.is_nil(ok)
    assert.are.equal("the output at frame 299 (row 200 of the block), channel 2 is not finite", err:sub(1, 71))
    assert.is_true(f:peak() ~= f:peak(), "peak " .. tostring(f:peak()))
    local z = x:narrow(1, 1, 50):clone()  -- the state was cleared: finite input, finite output
    assert.are.equal(z, f:process(z))
    f:reset()
    assert.are.equal(0, f:peak())

    -- a finite sample the boost takes past the float range: an infinite peak
    local g = eq.new("safe", P1)
    local w = T.zeros(64)
    w[5] = 3e38
    ok, err = g:process(w)
    assert.is_nil(ok)
    assert.truthy(err:find("at frame 4 (row 5 of the block), channel 1", 1, true), err)
    assert.are.equal(math.huge, g:peak())
  end)

  it("checks audio shape and parameters", function()
    local f = eq.new("safe", P1, {channels = 2})
    assert.has_error(function() f:process(T.zeros(10, 3)) end,
      "bad argument #1 to 'process' (expected [frames x 2] audio, got [10x3])")
    assert.has_error(function() f:set({6, 100, -4, 400, 1, 5, 1500, 2, -2, 6000, 0.7, 6, 23000}) end,
      "filter:set: high shelf frequency = 23000 must be below Nyquist (22050 Hz)")
    assert.has_error(function() eq.new("safe", {1, 2}) end,
      "bad argument #2 to 'new' (expected 13 parameters, got 2)")
  end)
end)

describe("eq.response vs numpy", function()
  local py = "/usr/bin/python3"
  if not H.python_has("sklearn, numpy") then
    pending("/usr/bin/python3 with numpy and sklearn not available: skipping the numpy oracle")
    return
  end
  -- A second independent evaluation: cookbook coefficients in numpy, H on the unit circle.
  local script = [[
import sys, numpy as np
fs = float(sys.argv[1]); rows = np.loadtxt(sys.argv[2], ndmin=2); f = np.loadtxt(sys.argv[3], ndmin=1)
z = np.exp(-1j * 2 * np.pi * f / fs)
def sec(kind, f0, g, q):
    A = 10 ** (g / 40); w = 2 * np.pi * f0 / fs; c = np.cos(w); al = np.sin(w) / (2 * q); k = 2 * np.sqrt(A) * al
    if kind == 'p': b, a = [1 + al*A, -2*c, 1 - al*A], [1 + al/A, -2*c, 1 - al/A]
    elif kind == 'l': b, a = [A*((A+1)-(A-1)*c+k), 2*A*((A-1)-(A+1)*c), A*((A+1)-(A-1)*c-k)], [(A+1)+(A-1)*c+k, -2*((A-1)+(A+1)*c), (A+1)+(A-1)*c-k]
    else: b, a = [A*((A+1)+(A-1)*c+k), -2*A*((A-1)+(A+1)*c), A*((A+1)+(A-1)*c-k)], [(A+1)-(A-1)*c+k, 2*((A-1)-(A+1)*c), (A+1)-(A-1)*c-k]
    return np.polyval(b[::-1], z) / np.polyval(a[::-1], z)
s = 1 / np.sqrt(2)
for p in rows:
    h = sec('l', p[1], p[0], s) * sec('p', p[3], p[2], p[4]) * sec('p', p[6], p[5], p[7]) * sec('p', p[9], p[8], p[10]) * sec('h', p[12], p[11], s)
    print(' '.join('%.9f' % v for v in 20 * np.log10(np.abs(h))))
]]
  it("agrees with a numpy evaluation of the cookbook within 0.01 dB", function()
    local dir = os.tmpname()
    local function save(path, t)
      local f = io.open(path, "w")
      for _, row in ipairs(t) do f:write(table.concat(row, " "), "\n") end
      f:close()
    end
    math.randomseed(21)
    local p = random_safe(20)
    local freqs = eq.log_grid(100, 20, 20000)
    save(dir .. ".p", p:totable())
    save(dir .. ".f", {freqs:totable()})
    local f = io.open(dir .. ".py", "w")
    f:write(script)
    f:close()
    local h = io.popen(("%s %s.py 44100 %s.p %s.f"):format(py, dir, dir, dir))
    local ours, worst, i = eq.response("safe", p, freqs):totable(), 0, 0
    for line in h:lines() do
      i = i + 1
      local k = 0
      for v in line:gmatch("%S+") do
        k = k + 1
        worst = math.max(worst, math.abs(tonumber(v) - ours[i][k]))
      end
      assert.are.equal(100, k)
    end
    h:close()
    for _, ext in ipairs({"", ".p", ".f", ".py"}) do os.remove(dir .. ext) end
    assert.are.equal(20, i)
    assert.is_true(worst < 0.01, "max deviation from numpy " .. worst)
  end)
end)
