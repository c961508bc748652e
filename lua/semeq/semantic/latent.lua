--- semeq.semantic.latent: walking a semantic model's latent space — where the training codes
-- lie, random points around them, grids over them, and the nearest term of a point.
--
--   local latent = require "semeq.semantic.latent"
--   local st = latent.stats(sm)                 -- mean, sd, min, max per dimension
--   local Z = latent.sample(sm, 10)             -- [10 x d] around the training codes
--   local Z = latent.grid(sm, 5)                -- [25 x 2] over the codes' range (2-D)
--   local Z = latent.variations(sm, "warm", 5, 0.1)
--   local term, dist = latent.nearest_term(sm, z)
--
-- Random draws use the interpreter's RNG (seed it with T.manualSeed).
local T = require "semeq.tensor"

local M = {}

-- Mean, sd (population), min and max per column of Z [n x d], as 1-D tensors.
local function column_stats(Z)
  local n = Z:size(1)
  local mean = Z:mean(1)
  local centred = Z - mean:view(1, -1)
  local sd = (centred * centred):sum(1):div(math.max(1, n)):sqrt()
  return {mean = mean, sd = sd, min = (Z:min(1)), max = (Z:max(1)), n = n}
end

-- Raises at the position of fn's caller unless sm is a semantic model.
local function check_model(sm, fn)
  if type(sm) ~= "table" or not T.isTensor(sm.train_codes) or type(sm.term_code) ~= "function" then
    error(string.format("latent.%s: expected a semantic model (semantic.load), got %s", fn, type(sm)), 3)
  end
end

-- Raises at the position of fn's caller unless v is a count (an integer >= 1).
local function check_count(v, fn, name)
  if math.type(v) ~= "integer" or v < 1 then
    error(string.format("latent.%s: %s must be an integer >= 1, got %s", fn, name, tostring(v)), 3)
  end
end

-- Raises at the position of fn's caller unless v is a finite number.
local function check_finite(v, fn, name)
  if type(v) ~= "number" or v ~= v or math.abs(v) == math.huge then
    error(string.format("latent.%s: %s must be a finite number, got %s", fn, name, tostring(v)), 3)
  end
end

--- Per-dimension statistics of the training codes.
function M.stats(sm)
  check_model(sm, "stats")
  return column_stats(sm.train_codes)
end

--- The training codes of one term [n x d] (an error listing the known terms if none).
function M.term_codes(sm, term)
  check_model(sm, "term_codes")
  sm:term_code(term) -- raises "unknown term ..." with the vocabulary
  local idx = {}
  for i, key in ipairs(sm.train_labels) do
    if key == term then idx[#idx + 1] = i end
  end
  return sm.train_codes:index_select(1, idx)
end

--- n random codes from a normal distribution with the training codes' per-dimension
-- mean and sd (a diagonal fit: it covers the region the decoder was trained on).
function M.sample(sm, n)
  check_model(sm, "sample")
  check_count(n, "sample", "n")
  local st = M.stats(sm)
  return T.randn(n, st.mean:numel()) * st.sd:view(1, -1) + st.mean:view(1, -1)
end

--- k x k codes evenly spread over the training codes' range (2-D models only), row by
-- row from (min1, min2) to (max1, max2).
function M.grid(sm, k)
  check_model(sm, "grid")
  local d = sm:latent_size()
  if d ~= 2 then error(string.format("latent.grid: needs a 2-D latent space, this model's has %d dimensions", d), 2) end
  if math.type(k) ~= "integer" or k < 2 then error("latent.grid: k must be an integer >= 2, got " .. tostring(k), 2) end
  local st = M.stats(sm)
  local lo, hi = st.min:totable(), st.max:totable()
  local rows = {}
  for i = 0, k - 1 do
    for j = 0, k - 1 do
      rows[#rows + 1] = {lo[1] + (hi[1] - lo[1]) * i / (k - 1), lo[2] + (hi[2] - lo[2]) * j / (k - 1)}
    end
  end
  return T.new(rows)
end

--- n codes around a term's centroid: centroid + spread x (the term's per-dimension sd
-- of its training codes) x N(0, 1). Returns codes [n x d] and the term's sd.
function M.variations(sm, term, n, spread)
  check_model(sm, "variations")
  check_count(n, "variations", "n")
  check_finite(spread, "variations", "spread")
  local centre = sm:term_code(term)
  local st = column_stats(M.term_codes(sm, term))
  local noise = T.randn(n, centre:numel()) * st.sd:view(1, -1) * spread
  return noise + centre:view(1, -1), st.sd
end

--- The term whose centroid is nearest to code z (euclidean), and the distance.
function M.nearest_term(sm, z)
  check_model(sm, "nearest_term")
  if not T.isTensor(z) or z:numel() ~= sm:latent_size() then
    error(string.format("latent.nearest_term: z must be a code of %d values", sm:latent_size()), 2)
  end
  local best, dist = nil, math.huge
  for _, term in ipairs(sm.terms) do
    local d = (z - sm:term_code(term)):norm()
    if d < dist then best, dist = term, d end
  end
  return best, dist
end

return M
