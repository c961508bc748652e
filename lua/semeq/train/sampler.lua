-- semeq.train.sampler: mini-batch index lists drawn from the interpreter's RNG (so a fixed
-- semeq.tensor.manualSeed gives the same batches).
--
--   for batch in sampler.shuffled(n, 32) do ... end          -- batch: {i1, i2, ...} (1-based)
--   for batch in sampler.balanced(labels, 8, 4) do ... end   -- 8 terms x 4 examples per batch
local T = require "semeq.tensor"
local permutation = require("semeq.util.list").permutation

local sampler = {}

-- Iterator over shuffled batches covering 1..n once; the last batch is smaller unless
-- dropLast is true.
function sampler.shuffled(n, batchSize, dropLast)
  if math.type(n) ~= "integer" or n < 0 then error("sampler.shuffled: n must be a non-negative integer", 2) end
  if math.type(batchSize) ~= "integer" or batchSize < 1 then
    error("sampler.shuffled: batchSize must be a positive integer", 2)
  end
  local p, at = permutation(n), 1
  return function()
    local left = n - at + 1
    if left <= 0 or (dropLast and left < batchSize) then return nil end
    local b = {}
    for i = at, math.min(n, at + batchSize - 1) do b[#b + 1] = p[i] end
    at = at + batchSize
    return b
  end
end

-- Iterator over class-balanced batches: each batch holds `perClass` examples of each of
-- `classesPerBatch` terms drawn at random (terms with fewer examples are sampled with
-- replacement). labels: a Lua table or tensor of term ids (any comparable values).
-- One epoch yields floor(#labels / (classesPerBatch * perClass)) batches.
function sampler.balanced(labels, classesPerBatch, perClass)
  if T.isTensor(labels) then labels = labels:totable() end
  if type(labels) ~= "table" then
    error("sampler.balanced: labels must be a table or a tensor, got " .. type(labels), 2)
  end
  for _, arg in ipairs {{"classesPerBatch", classesPerBatch}, {"perClass", perClass}} do
    if math.type(arg[2]) ~= "integer" or arg[2] < 1 then
      error(string.format("sampler.balanced: %s must be an integer >= 1, got %s", arg[1], tostring(arg[2])), 2)
    end
  end
  local byClass, classes = {}, {}
  for i, l in ipairs(labels) do
    if not byClass[l] then byClass[l] = {}; classes[#classes + 1] = l end
    table.insert(byClass[l], i)
  end
  table.sort(classes, function(a, b) return tostring(a) < tostring(b) end)
  if classesPerBatch > #classes then
    error(string.format("sampler.balanced: %d terms per batch but only %d terms", classesPerBatch, #classes), 2)
  end
  local batches, done = #labels // (classesPerBatch * perClass), 0
  return function()
    if done >= batches then return nil end
    done = done + 1
    local b, pick = {}, permutation(#classes)
    for c = 1, classesPerBatch do
      local members = byClass[classes[pick[c]]]
      local order = permutation(#members)
      for k = 1, perClass do
        b[#b + 1] = #members >= perClass and members[order[k]] or members[order[(k - 1) % #members + 1]]
      end
    end
    return b
  end
end

return sampler
