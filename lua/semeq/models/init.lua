-- semeq.models: the model zoo. Each constructor takes a config table and returns a built
-- model (all parameters in one flat buffer) whose `config` is stored by nn.save, so that
-- nn.load -> models.build(config) returns a working model.
--   models.contrastive_ae{input = 40, latent = 32, widths = {128, 256, 128}}
--   models.beta_vae{input = 13, latent = 2, hidden = 1024, beta = 0.001}
--   models.classifier{latent = 32, classes = 24 [, hidden = 64]}
local models = {}

function models.contrastive_ae(cfg) return require("semeq.models.contrastive_ae")(cfg) end
function models.beta_vae(cfg) return require("semeq.models.beta_vae")(cfg) end
function models.classifier(cfg) return require("semeq.models.classifier")(cfg) end

function models.build(cfg)
  assert(type(cfg) == "table", "models.build: config must be a table")
  local make = models[cfg.kind or ""]
  if type(make) ~= "function" or cfg.kind == "build" then
    error(string.format("models.build: unknown model kind '%s'", tostring(cfg.kind)), 0)
  end
  return make(cfg)
end

return models
