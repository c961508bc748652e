-- FlowEQ's beta-VAE (Steinmetz 2020) with FlowEQ's settings: 13 -> 1024 -> latent 2,
-- MAE + beta x KL with beta = 0 for 50 epochs then + 1/5000 per epoch up to 0.001,
-- Adam 1e-3, batch 8, 200 epochs, on the two most frequent stemmed terms (SAFE: warm
-- and bright), evaluated on held-out users. See lua/semeq/recipes/vae.lua for the
-- differences from FlowEQ (--ranges, the split) and for --placement.
--
--   semeq scripts/train_vae.lua [--beta-max 0.01] [--latent 3] [--placement classifier]
--                               [--ranges floweq] [--out vae.safetensors] [--json report.json]
require("semeq.recipes.vae").run("train_vae.lua",
  "Train FlowEQ's beta-VAE on the most frequent terms; evaluate on held-out data.")
