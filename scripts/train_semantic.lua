-- semeq's own model: the seed's contrastive autoencoder, changed where the seed's
-- results showed it failing (see models/README.md for the measurements):
--   * input: a setting's response at the 40 Audealize centre frequencies (curve40), not
--     its 13 parameters: the same information in the space where "warm" and "bright" are
--     heard; the decoder gives a curve, and the 5-band fitter turns it into SAFE settings;
--   * plain MLP layers (256, 256) instead of the LayerNorm residual stack, whose decoder
--     squeezes the output through a ReLU as narrow as the output (3-4 dB reconstruction);
--   * a latent of two parts from two encoders side by side: 2 semantic columns shaped by
--     the contrastive loss, and 30 columns shaped by reconstruction alone, scaled by 0.05
--     so that distances in the latent are dominated by meaning;
--   * 16 curves of random settings from the parameter box in every batch, for
--     reconstruction only, so that the decoder is right for settings no training user made.
-- Evaluated like every recipe: held-out users, latent vs raw baselines, recon vs PCA.
--
--   semeq scripts/train_semantic.lua [--seed 1] [--input params] [--out models/safe_warm_bright.safetensors]
local contrastive = require "semeq.recipes.contrastive"
contrastive.run("train_semantic.lua",
  "Train semeq's two-part contrastive autoencoder (semantic + style latent); evaluate on held-out data.",
  contrastive.presets.semantic)
