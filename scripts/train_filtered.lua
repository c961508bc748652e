-- The seed system's attempt 2, in semeq: terms with >= 10 examples, "test" dropped,
-- the ResNet + contrastive autoencoder with lambda = 0.5, 100 epochs, latent 32,
-- batch 16, Adam 1e-3. SAFE by default, evaluated on held-out *users*; --data socialfx
-- is the seed's own setting (24 terms, 458 rows, 40 inputs; held-out rows, stratified);
-- --data audealize trains on the 394 word curves (reconstruction only: one curve per word).
--
--   semeq scripts/train_filtered.lua [--data socialfx] [--out model.safetensors] [--json report.json]
local contrastive = require "semeq.recipes.contrastive"
contrastive.run("train_filtered.lua",
  "Train the seed's contrastive autoencoder on terms with enough examples; evaluate on held-out data.",
  contrastive.presets.seed)
