-- The seed system's SAFE v2, in semeq: core/neural_eq_morphing_safedb_v2.py's model
-- (residual encoder and decoder 64-128-64, latent 32, decoder head Linear-ReLU-Linear-
-- Sigmoid), its normalisation (gains to [0, 1], log10(f + 1) and log10(Q) min-max scaled
-- with one range per kind — fitted here on the training rows, where it fitted all rows),
-- its loss (self in the denominator), the contrastive weight annealed 0.1 -> 0.5, batch
-- 64, 150 epochs, Adam 1e-3 halved after 20 epochs without progress; SAFE terms with >= 5
-- examples. Evaluated by the protocol: 5 folds, users held out.
--
--   semeq scripts/train_safe_v2.lua [--out model.safetensors] [--json report.json]
local contrastive = require "semeq.recipes.contrastive"
contrastive.run("train_safe_v2.lua",
  "Train the seed's SAFE v2 contrastive autoencoder; evaluate on held-out users.",
  contrastive.presets.safe_v2)
