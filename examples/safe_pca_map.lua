-- Loads SAFE, keeps terms with >= 10 examples (without "test"), splits user-disjoint,
-- and writes a latent map of the training responses' PCA.
--   build/semeq examples/safe_pca_map.lua [out.svg]
local data = require "semeq.data"
local represent = require "semeq.settings.represent"
local plot = require "semeq.eval.plot"
local f = data.filters

local out = arg and arg[1] or "safe_pca_map.svg"
local ds = f.chain(f.finite("safe"), f.stoplist(), f.min_examples(10))(assert(data.load("safe")))
local split = assert(data.split.by_user(ds, {test = 0.2, seed = 1}))
local train, test = data.split.apply(ds, split)
print(ds:summary())
print(string.format("user-disjoint split: %d train, %d test rows", train:size(), test:size()))

local R = represent.response(train:params()) -- [n x 64] dB on 20 Hz..20 kHz
assert(plot.latent_map(R, train:labels(), out, {title = "SAFE training responses: PCA (64-point dB)", units = "dB"}))
print("wrote " .. out)
