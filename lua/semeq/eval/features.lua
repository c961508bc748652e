--- semeq.eval.features: what an EQ curve does to a test signal, as a few DSP features —
-- the second embedding of the generation protocol (semeq.eval.generation), next to the
-- curve itself.
--
--   local features = require "semeq.eval.features"
--   local fx = features.extractor{seed = 7}        -- pink noise made once, from semeq's RNG
--   local F = fx:features(db)                       -- db [n x 40] graphic-EQ gains -> [n x 12]
--   features.names                                  -- what the 12 columns are
--
-- Each curve is realised as semeq's 40-band graphic EQ (semeq.eq, 44.1 kHz) and run over
-- the same second of pink noise; the output is measured by octave bandpass filters
-- (eq.band_energies, 31.5 Hz ... 16 kHz, Q = sqrt 2) after the filters settle. Features:
-- the 10 band levels in dB relative to the unprocessed noise (a flat EQ gives zeros), the
-- spectral centroid of the band energies (in octaves from 1 kHz) and the spectral tilt
-- (least-squares slope of the band levels against octave number, dB per octave).
local T = require "semeq.tensor"
local eq = require "semeq.eq"

local M = {}

M.octaves = {31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000}
M.names = {}
for i, f in ipairs(M.octaves) do M.names[i] = string.format("level_%gHz_db", f) end
M.names[#M.names + 1] = "centroid_oct"
M.names[#M.names + 1] = "tilt_db_per_oct"

--- n samples of pink noise (-3 dB per octave) from the interpreter's RNG: white noise
-- through Paul Kellett's refined pink filter (within 0.05 dB of 1/f above 9.2 Hz at 44.1 kHz).
function M.pink_noise(n)
  if math.type(n) ~= "integer" or n < 1 then error("pink_noise: n must be a positive integer", 2) end
  local white = T.randn(n):totable()
  local b0, b1, b2, b3, b4, b5, b6 = 0, 0, 0, 0, 0, 0, 0
  local out = {}
  for i, w in ipairs(white) do
    b0 = 0.99886 * b0 + w * 0.0555179
    b1 = 0.99332 * b1 + w * 0.0750759
    b2 = 0.96900 * b2 + w * 0.1538520
    b3 = 0.86650 * b3 + w * 0.3104856
    b4 = 0.55000 * b4 + w * 0.5329522
    b5 = -0.7616 * b5 - w * 0.0168980
    out[i] = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362) * 0.11
    b6 = w * 0.115926
  end
  return T.new(out)
end

local Extractor = {}
Extractor.__index = Extractor

--- A feature extractor over one pink-noise signal. opts: fs (44100), seconds (1),
-- settle (0.3 s measured from the start and left out), seed (7: the noise is the same
-- for every extractor with this seed; the RNG is reseeded, so call it before drawing).
function M.extractor(opts)
  opts = opts or {}
  local fs, seconds, settle = opts.fs or 44100, opts.seconds or 1, opts.settle or 0.3
  if not (settle < seconds) then error("features.extractor: settle must be shorter than seconds", 2) end
  T.manualSeed(opts.seed or 7)
  local n = math.floor(fs * seconds + 0.5)
  local self = setmetatable({fs = fs, skip = math.floor(fs * settle + 0.5), noise = M.pink_noise(n)}, Extractor)
  self.freqs = T.new(M.octaves)
  self.reference = self:energies(nil)
  local x = {}
  for i, f in ipairs(M.octaves) do x[i] = math.log(f / 1000, 2) end
  self.octave = x
  return self
end

-- Band energies of the noise through the graphic EQ with these gains (nil: no EQ).
function Extractor:energies(gains)
  local y = self.noise:clone()
  if gains then eq.new("graphic40", gains, {fs = self.fs}):process(y) end
  return eq.band_energies(y, self.freqs, {fs = self.fs, skip = self.skip}):totable()
end

-- The 12 features of one curve (gains: a Lua array of 40 dB values).
function Extractor:one(gains)
  local e = self:energies(gains)
  local x, levels, sum, wsum = self.octave, {}, 0, 0
  for i, v in ipairs(e) do
    levels[i] = 10 * math.log(v / self.reference[i], 10)
    sum, wsum = sum + v, wsum + v * x[i]
  end
  local mx, my = 0, 0
  for i = 1, #x do mx, my = mx + x[i] / #x, my + levels[i] / #x end
  local sxy, sxx = 0, 0
  for i = 1, #x do sxy, sxx = sxy + (x[i] - mx) * (levels[i] - my), sxx + (x[i] - mx) ^ 2 end
  levels[#levels + 1] = wsum / sum
  levels[#levels + 1] = sxy / sxx
  return levels
end

--- Features of each row of db ([n x 40] graphic-EQ gains in dB): [n x 12].
function Extractor:features(db)
  if not T.isTensor(db) or db:dim() ~= 2 or db:size(2) ~= 40 then
    error("features: expected [n x 40] gains in dB", 2)
  end
  local rows = {}
  for i, g in ipairs(db:totable()) do rows[i] = self:one(g) end
  return T.new(rows)
end

return M
