-- The safe filterbank against sox's bass / equalizer / treble chain on white noise.
-- sox realises the same cookbook filters: `bass G F 1s` and `treble G F 1s` are the
-- shelves with slope S = 1, `equalizer F Qq G` is the peaking filter with Q given as q.
-- Both transfer functions are estimated from the same noise with an averaged
-- cross-spectrum (H = sum Y conj(X) / sum |X|^2 over Hann-windowed segments), evaluated
-- at log-spaced frequencies with a matrix product, and compared in dB.
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local audio = require "semeq.audio"
local eqfile = require "semeq.process"

local SOX = "/usr/bin/sox"
local have_sox = io.open(SOX, "rb") ~= nil

local function tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("l")
  p:close()
  return d
end

-- Windowed DFT basis at the given frequencies: [L x 2K] (cos columns then -sin columns).
local function basis(L, freqs, fs)
  local K, rows = #freqs, {}
  for n = 0, L - 1 do
    local w = 0.5 - 0.5 * math.cos(2 * math.pi * n / L)
    local row = {}
    for k = 1, K do
      local ph = (2 * math.pi * freqs[k] * n / fs) % (2 * math.pi)  -- in double, then reduced
      row[k], row[K + k] = w * math.cos(ph), -w * math.sin(ph)
    end
    rows[n + 1] = row
  end
  return T.new(rows)
end

-- Segments [nseg x L] of a mono signal [N x 1].
local function segments(x, L)
  local nseg = x:size(1) // L
  return x:narrow(1, 1, nseg * L):contiguous():view(nseg, L)
end

-- |H| in dB at each frequency, from input x and output y (both [N x 1]).
local function transfer_db(x, y, B, L)
  local X, Y = T.mm(segments(x, L), B), T.mm(segments(y, L), B)
  local K = B:size(2) // 2
  local xr, xi = X:narrow(2, 1, K), X:narrow(2, K + 1, K)
  local yr, yi = Y:narrow(2, 1, K), Y:narrow(2, K + 1, K)
  local re = (yr * xr + yi * xi):sum(1)      -- Re(Y conj X)
  local im = (yi * xr - yr * xi):sum(1)      -- Im(Y conj X)
  local pxx = (xr * xr + xi * xi):sum(1)
  local out = {}
  for k = 1, K do
    out[k] = 10 * math.log((re[k] ^ 2 + im[k] ^ 2) / pxx[k] ^ 2, 10)
  end
  return out
end

describe("safe filterbank vs sox", function()
  if not have_sox then
    pending("sox not installed at " .. SOX .. ": skipping the sox comparison")
    return
  end

  it("has the transfer function of sox's bass/equalizer/treble chain within 0.1 dB (30 Hz - 16 kHz)", function()
    local dir = tmpdir()
    local fs, seconds, L = 44100, 8, 8192
    local P = {6, 120, -5, 350, 1.4, 4, 1800, 2.5, -3, 6500, 0.8, -4, 9000}
    T.manualSeed(11)
    local x = T.rand(fs * seconds, 1):mul(0.1):sub(0.05)   -- white, peaks well below clipping
    audio.write(dir .. "/noise.wav", x, {samplerate = fs, subtype = "float"})
    eqfile.process(dir .. "/noise.wav", dir .. "/ours.wav", {params = P})
    local cmd = ("%s -V1 -D '%s' -e floating-point -b 32 '%s' bass %g %g 1s equalizer %g %gq %g "
              .. "equalizer %g %gq %g equalizer %g %gq %g treble %g %g 1s"):format(SOX,
      dir .. "/noise.wav", dir .. "/sox.wav", P[1], P[2], P[4], P[5], P[3], P[7], P[8], P[6],
      P[10], P[11], P[9], P[12], P[13])
    assert.is_true(os.execute(cmd))
    local ours = audio.read(dir .. "/ours.wav")
    local sox = audio.read(dir .. "/sox.wav")
    os.execute("rm -rf '" .. dir .. "'")
    assert.are.same(ours:size(), sox:size())

    local freqs = eq.log_grid(48, 30, 16000):totable()
    local B = basis(L, freqs, fs)
    local h_ours, h_sox = transfer_db(x, ours, B, L), transfer_db(x, sox, B, L)
    local model = eq.response("safe", P, freqs, {fs = fs}):totable()
    local worst, worst_model = 0, 0
    for k = 1, #freqs do
      worst = math.max(worst, math.abs(h_ours[k] - h_sox[k]))
      worst_model = math.max(worst_model, math.abs(h_ours[k] - model[k]))
    end
    if os.getenv("SEMEQ_SPEC_VERBOSE") then
      print(("\nmax |ours - sox| = %.6f dB, max |measured - eq.response| = %.4f dB"):format(worst, worst_model))
    end
    assert.is_true(worst < 0.1, ("max deviation from sox %g dB"):format(worst))
    -- the measurement itself is sound: it agrees with the analytic response
    assert.is_true(worst_model < 0.1, ("max deviation from eq.response %g dB"):format(worst_model))
  end)
end)
