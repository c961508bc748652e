-- Tiny semantic models for the specs of the scripts that read a model: the seed's
-- contrastive autoencoder, 2 epochs, one narrow block — trained in-process in well
-- under a second, saved where the spec asks.
local M = {}

--- Trains on data ("safe" | "socialfx") with the given latent size; saves to path.
function M.train(path, data, latent)
  local contrastive = require "semeq.recipes.contrastive"
  local recipe = require "semeq.recipes"
  local opts = recipe.parse("tiny", "", contrastive.flags({}), {"--data", data, "--epochs", "2", "--latent",
    tostring(latent), "--widths", "16", "--bootstrap", "0", "--quiet"})
  opts.recipe = "tiny"
  local _, sm = contrastive.run_opts(opts)
  sm:save(path)
  return require("semeq.semantic").load(path)
end

return M
