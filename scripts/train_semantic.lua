-- semeq's semantic model on SAFE (models.semantic_axis, lua/semeq/recipes/semantic.lua):
-- a word axis found by shrinkage LDA, a word column that steers the decoder, an intensity
-- column and 15 style columns, fitted in closed form. Evaluated by grouped 5-fold over
-- users, every setting chosen inside the training users of each fold; then fitted on every
-- row with the same procedure and written with --out.
--
--   semeq scripts/train_semantic.lua [--out models/safe_warm_bright.safetensors] [--json report.json] [--svg map.svg]
require("semeq.recipes.semantic").run("train_semantic.lua",
  "Fit semeq's semantic model on SAFE; evaluate it on held-out users (grouped k-fold).")
