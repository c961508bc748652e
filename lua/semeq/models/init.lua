--- semeq.models: the model zoo. Each constructor takes a config table and returns a built
-- model (all parameters in one flat buffer) whose `config` is stored in its file
-- (semeq.models.io), so that models.io.load -> models.build(config) returns it again.
--   models.contrastive_ae{input = 40, latent = 32, widths = {128, 256, 128}}
--   models.beta_vae{input = 13, latent = 2, hidden = 1024, beta = 0.001}
--   models.classifier{latent = 32, classes = 24 [, hidden = 64]}
--   models.semantic_axis{input = 40, axes = 1, style = 15, tau = 0.1, terms = {"bright", "warm"}}
--       (weights in closed form: model:fit(X, labels, {shrinkage = 0.9}))
--   models.word_mixture{words = {"cold", "warm"}, components = 120, rank = 10}  (word -> curves)
local models = {}

-- kind -> module that builds it.
models.kinds = {
  contrastive_ae = "semeq.models.contrastive_ae",
  beta_vae = "semeq.models.beta_vae",
  classifier = "semeq.models.classifier",
  semantic_axis = "semeq.models.semantic_axis",
  word_mixture = "semeq.models.word_mixture",
}

--- The known kinds, sorted.
function models.kind_names()
  local out = {}
  for k in pairs(models.kinds) do out[#out + 1] = k end
  table.sort(out)
  return out
end

for kind, modname in pairs(models.kinds) do
  models[kind] = function(cfg)
    if type(cfg) ~= "table" then error(string.format("models.%s: config must be a table, got %s", kind, type(cfg)), 2) end
    return require(modname)(cfg)
  end
end

--- The model a config describes (cfg.kind names its constructor).
function models.build(cfg)
  if type(cfg) ~= "table" then error("models.build: config must be a table", 2) end
  if not models.kinds[cfg.kind] then
    error(string.format("models.build: unknown model kind '%s' (known: %s)", tostring(cfg.kind),
      table.concat(models.kind_names(), ", ")), 2)
  end
  return models[cfg.kind](cfg)
end

return models
