-- The seed system's attempt 1, in semeq: train_filtered.lua's model and loss on every
-- SocialFX term (only the stop-list, e.g. "test", dropped), weight 0.1, 50 epochs, latent
-- 32, batch 16, Adam 1e-3. Most terms have one or two examples, so held-out clustering
-- over all terms shows how little a word says when few people used it.
--
--   semeq scripts/train_full.lua [--data safe] [--out model.safetensors]
local contrastive = require "semeq.recipes.contrastive"
contrastive.run("train_full.lua",
  "Train the seed's contrastive autoencoder on every term; evaluate on held-out data.",
  contrastive.presets.full)
