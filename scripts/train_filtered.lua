-- The seed system's attempt 2, in semeq: core/neural_eq_morphing.py's model (residual
-- encoder and decoder 128-256-128, latent 32, its three decoder heads) and loss (its
-- ContrastiveEQLoss as its code computes it, weight 0.5), on SocialFX terms with >= 10
-- examples, columns z-scored as it does; 100 epochs, batch 16, Adam 1e-3. Evaluated by
-- the protocol: 5 folds of rows stratified per term (SocialFX has no user ids).
-- --data safe runs the same model on SAFE (held-out users); --folds 0 one split.
--
--   semeq scripts/train_filtered.lua [--data safe] [--out model.safetensors] [--json report.json]
local contrastive = require "semeq.recipes.contrastive"
contrastive.run("train_filtered.lua",
  "Train the seed's contrastive autoencoder on terms with enough examples; evaluate on held-out data.",
  contrastive.presets.seed)
