-- A word -> distribution over 40-band EQ curves: for each word, a mixture over stored
-- curves (the training contributions), each widened by Gaussian noise in a fixed
-- low-rank basis. Inference is two Linear layers and two random draws:
--
--   p     = select(onehot(word))            nn.Linear(words -> components, no bias): the
--                                           word's mixture weights (each column sums to 1)
--   k     ~ Categorical(p)                  which stored curve
--   eps   ~ N(0, I_rank)
--   shape = emit([onehot(k), eps])          nn.Linear(components + rank -> 40, no bias):
--                                           the curve k plus noise (basis x eps)
--   dB    = eq.audealize_gains(shape, amount)   min-max to [-1, 1], times 5 x amount dB
--
-- Shapes live in SocialFX's space (z-scored band values); the last step is Audealize's
-- own realisation, so amount 0 is a flat curve. How the weights and the basis are
-- chosen (shrinkage towards related words, the noise scale) is semeq.semantic.generator's
-- business; a model built from a config alone has placeholder weights until loaded.
--
--   local m = models.word_mixture{words = {"cold", "warm"}, components = 10, rank = 4}
--   local db = m:curves("warm", 8, 1.0)    -- [8 x 40] dB, draws from the interpreter's RNG
--
-- config: words (keys, as semeq.data.text.key spells them), components, rank, bands (40),
-- aliases ({other key = word key}: spellings and translations the model also answers),
-- fit (a record of how it was fitted; not used here).
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local nn = require "semeq.nn"

local WordMixture = nn.Container.class("models.WordMixture", nn.Container)

local function check_words(words)
  nn.Module.check(type(words) == "table" and #words >= 1, "word_mixture: words must be a non-empty list of keys")
  local index = {}
  for i, w in ipairs(words) do
    nn.Module.check(type(w) == "string" and w ~= "", "word_mixture: words must be non-empty strings")
    nn.Module.check(not index[w], "word_mixture: word '" .. w .. "' is listed twice")
    index[w] = i
  end
  return index
end

function WordMixture:__init(cfg)
  nn.Container.__init(self)
  local c = {kind = "word_mixture", words = cfg.words, aliases = cfg.aliases or {}, fit = cfg.fit}
  c.components = math.tointeger(cfg.components)
  c.rank = math.tointeger(cfg.rank or 0)
  c.bands = math.tointeger(cfg.bands or 40)
  nn.Module.check(c.components and c.components >= 1, "word_mixture: components must be a positive integer")
  nn.Module.check(c.rank and c.rank >= 0, "word_mixture: rank must be an integer >= 0")
  nn.Module.check(c.bands == 40, "word_mixture: bands must be 40 (the graphic EQ)")
  self.index = check_words(c.words)
  for alias, w in pairs(c.aliases) do
    nn.Module.check(type(alias) == "string" and self.index[w] ~= nil,
      "word_mixture: alias '" .. tostring(alias) .. "' names no word of the model")
  end
  self.config = c
  self.select = nn.Linear(#c.words, c.components, false)
  self.emit = nn.Linear(c.components + c.rank, c.bands, false)
  self:add(self.select, "select")
  self:add(self.emit, "emit")
end

--- The model's word for a key (a word of the model or one of its aliases), or nil.
function WordMixture:word(key)
  if self.index[key] then return key end
  return self.config.aliases[key]
end

function WordMixture:words() return self.config.words end

--- The mixture weights of a word: [components], non-negative, summing to 1.
function WordMixture:weights(key)
  local w = self:word(key)
  if not w then error("word_mixture: unknown word '" .. tostring(key) .. "'", 2) end
  local onehot = T.zeros(1, #self.config.words)
  onehot[1][self.index[w]] = 1
  return self.select:forward(onehot):view(self.config.components):clone()
end

-- Index of the first cumulative weight above u (binary search over cum, a Lua array).
local function pick(cum, u)
  local lo, hi = 1, #cum
  while lo < hi do
    local mid = (lo + hi) // 2
    if cum[mid] > u then hi = mid else lo = mid + 1 end
  end
  return lo
end

-- n x r standard normals from the uniforms U [n x 2 ceil(r/2)] by Box-Muller, pairwise.
local function normals(U, r)
  local n, half = U:size(1), U:size(2) // 2
  local u1, u2 = U:narrow(2, 1, half), U:narrow(2, half + 1, half)
  local radius = ((1 - u1):log() * -2):sqrt()  -- 1 - u lies in (0, 1]: the log is finite
  local angle = u2 * (2 * math.pi)
  return T.cat({radius * angle:cos(), radius * angle:sin()}, 2):narrow(2, 1, r):contiguous():view(n, r)
end

--- n curve shapes for a word: [n x 40]. Draw i reads row i of one uniform matrix
-- [n x (1 + 2 ceil(rank / 2))] from the interpreter's RNG: its first column picks the
-- stored curve, the rest give its noise (Box-Muller). So the first k draws of n are the
-- k draws of a call for k: a seed and a draw number name one curve. The result is
-- emit:forward([onehot(k), eps]), computed by selecting column k rather than
-- multiplying by a one-hot row.
function WordMixture:sample(key, n)
  if math.type(n) ~= "integer" or n < 1 then error("word_mixture:sample: n must be a positive integer", 2) end
  local p = self:weights(key):totable()
  local cum, s = {}, 0
  for k, v in ipairs(p) do s = s + v; cum[k] = s end
  local K, r = self.config.components, self.config.rank
  local U = T.rand(n, 1 + 2 * ((r + 1) // 2))
  local first = U:select(2, 1):totable()
  local picks = {}
  for i = 1, n do picks[i] = pick(cum, first[i] * s) end
  local W = self.emit.weight
  local X = W:narrow(2, 1, K):t():index_select(1, T.new(picks)):contiguous()
  if r > 0 then
    local eps = normals(U:narrow(2, 2, U:size(2) - 1):contiguous(), r)
    X = X + T.mm(eps, W:narrow(2, K + 1, r):t())
  end
  return X
end

--- n curves for a word in dB ([n x 40]), realised as Audealize does at this amount.
function WordMixture:curves(key, n, amount)
  amount = amount or 1
  if type(amount) ~= "number" or amount ~= amount then error("word_mixture:curves: amount must be a number", 2) end
  -- + 0 turns the -0 of a flat curve (amount 0 times a negative value) into 0
  return eq.audealize_gains(self:sample(key, n), amount) + 0
end

return WordMixture
