--- semeq: semantic EQ for Lua.
-- `local semeq = require "semeq"` gives the version, the one seeding function and the
-- list of modules; each module is also loaded on its own (`require "semeq.tensor"`).
local tensor = require "semeq.tensor"

local semeq = {
  version = "0.1.0",
  -- Every module, C or Lua; `require` them by these names.
  modules = { "semeq.tensor", "semeq.nn", "semeq.optim", "semeq.sampler", "semeq.models",
              "semeq.data", "semeq.metrics", "semeq.eq", "semeq.audio", "semeq.plot",
              "semeq.experiment", "semeq.evaluate", "semeq.train", "semeq.semantic", "semeq.runtime" },
}

--- Seeds the interpreter's one random number generator (tensors, dropout, sampling,
-- splits): the same seed gives bitwise-identical results.
function semeq.manualSeed(seed)
  tensor.manualSeed(seed)
end

return semeq
