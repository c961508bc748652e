--- semeq: semantic EQ for Lua — the registry.
-- `local semeq = require "semeq"` gives the version, the one seeding function and the
-- list of modules; each module is also loaded on its own (`require "semeq.tensor"`).
-- lua/semeq/README.md says what each folder holds and the order their dependencies follow.
local tensor = require "semeq.tensor"

local semeq = {
  version = "0.1.0",
  -- Every module, C or Lua, by layer (lua/semeq/README.md). Not listed: the layer
  -- classes of semeq.nn (semeq.nn.Linear, ...; one file each, reached as nn.Linear) and
  -- the C halves semeq.X.core behind their Lua face semeq.X. A spec checks the list
  -- against the tree.
  modules = {
    -- C: tensors, EQ filterbanks, sound files, model files
    "semeq.tensor", "semeq.eq", "semeq.audio", "semeq.safetensors", "semeq.linalg", "semeq.runtime",
    -- util
    "semeq.util.json", "semeq.util.atomic", "semeq.util.cli", "semeq.util.errors", "semeq.util.list", "semeq.util.fs",
    "semeq.util.paths",
    "semeq.bench",
    -- learning core and EQ settings
    "semeq.nn", "semeq.nn.jacobian", "semeq.metrics",
    "semeq.settings", "semeq.settings.represent", "semeq.settings.representations", "semeq.settings.format",
    "semeq.settings.realise",
    -- models, data, file processing
    "semeq.models", "semeq.models.io", "semeq.models.contrastive_ae", "semeq.models.beta_vae",
    "semeq.models.classifier", "semeq.models.semantic_axis", "semeq.models.word_mixture",
    "semeq.data", "semeq.data.dataset", "semeq.data.safe", "semeq.data.audealize", "semeq.data.socialfx",
    "semeq.data.text", "semeq.data.filters", "semeq.data.split", "semeq.data.prepare", "semeq.data.lexicon",
    "semeq.process", "semeq.process.batch", "semeq.linear",
    -- training
    "semeq.train", "semeq.train.optim", "semeq.train.sampler", "semeq.train.objectives", "semeq.train.checkpoint",
    -- meaning, evaluation, recipes
    "semeq.semantic", "semeq.semantic.latent", "semeq.semantic.placement", "semeq.semantic.vocabulary",
    "semeq.semantic.generator",
    "semeq.eval", "semeq.eval.scores", "semeq.eval.tune", "semeq.eval.baselines", "semeq.eval.steer",
    "semeq.eval.report", "semeq.eval.plot", "semeq.eval.cv", "semeq.eval.features", "semeq.eval.generation",
    "semeq.recipes", "semeq.recipes.model", "semeq.recipes.contrastive", "semeq.recipes.vae", "semeq.recipes.semantic",
    "semeq.recipes.sweep",
  },
}

--- Seeds the interpreter's one random number generator (tensors, dropout, sampling,
-- splits): the same seed gives bitwise-identical results.
function semeq.manualSeed(seed)
  tensor.manualSeed(seed)
end

return semeq
