-- Writes the seeds of fuzz_model (spec/fuzz/corpus/model/): small real model files, one per
-- representation and one with every inference layer kind, each under 64 KB (run.sh's -max_len).
--   build/semeq spec/fuzz/make_model_seeds.lua [DIR]
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local models = require "semeq.models"

local dir = arg[1] or "spec/fuzz/corpus/model"
local NORMALISER = {sort = true, gain_scale = 12,
  lo = {0, 3.09, 0, 4.41, -2.30, 0, 5.19, -2.30, 0, 5.39, -2.30, 0, 6.36},
  hi = {0, 6.91, 0, 8.10, 2.30, 0, 8.46, 2.30, 0, 9.21, 2.30, 0, 9.66}}

local function semantic_meta(rep, latent)
  local c = {}
  for _, t in ipairs {"bright", "warm"} do
    c[t] = {}
    for j = 1, latent do c[t][j] = (T.rand(1)[1] - 0.5) * (t == "warm" and 1 or -1) end
  end
  return {representation = rep, terms = {"bright", "warm"}, centroids = c}
end

T.manualSeed(5)
local seeds = {
  {"safe13_residual", models.contrastive_ae{input = 13, latent = 2, widths = {6}, proj = 4},
    {kind = "safe13", normaliser = NORMALISER}},
  {"floweq13_vae", models.beta_vae{input = 13, latent = 2, hidden = 8}, {kind = "floweq13"}},
  {"curve40_split", models.contrastive_ae{input = 40, latent = 4, widths = {8}, proj = 4, blocks = "mlp",
    branches = "split", semantic = 2, style_scale = 0.05, output = "linear"}, {kind = "curve40", normaliser = NORMALISER}},
  {"graphic40_residual", models.contrastive_ae{input = 40, latent = 3, widths = {6}, proj = 4}, {kind = "graphic40"}},
}
for _, s in ipairs(seeds) do
  s[2]:evaluate()
  local path = dir .. "/" .. s[1] .. ".safetensors"
  nn.save(s[2], path, semantic_meta(s[3], s[2].config.latent))
  print(path)
end
local all = nn.Sequential()
  :add(nn.Linear(5, 6)):add(nn.BatchNorm(6)):add(nn.LeakyReLU(0.2)):add(nn.Residual(6, 6))
  :add(nn.Concat(2):add(nn.Sequential():add(nn.Narrow(2, 2, 3)):add(nn.GELU()))
    :add(nn.Sequential():add(nn.Linear(6, 2)):add(nn.Softplus(2)):add(nn.ColumnScale {0.5, 2}))
    :add(nn.Identity()))
  :add(nn.Dropout(0.3)):add(nn.Reparameterize()):add(nn.Linear(11, 4, false)):add(nn.Tanh())
  :add(nn.LayerNorm(4)):add(nn.Sigmoid())
all:evaluate()
nn.save(all, dir .. "/all_layers.safetensors")
print(dir .. "/all_layers.safetensors")
