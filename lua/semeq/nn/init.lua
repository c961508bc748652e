-- semeq.nn: layers and losses with Torch7's protocol.
--
--   local nn = require "semeq.nn"
--   local mlp = nn.Sequential():add(nn.Linear(2, 8)):add(nn.Tanh()):add(nn.Linear(8, 1))
--   local crit = nn.MSECriterion()
--   local params, grads = mlp:flat()         -- one flat buffer for the whole model
--   mlp:zeroGradParameters()
--   local loss = crit:forward(mlp:forward(x), y)
--   mlp:backward(x, crit:backward(mlp.output, y))
--
-- One class per file in lua/semeq/nn/; the kernels are in C (semeq.nn.core). Model files
-- are semeq.models.io's (it knows the model kinds; nn does not).

local nn = {}

local CLASSES = {
  "Module", "Container", "Sequential", "Identity", "Linear", "Activation", "ReLU", "LeakyReLU",
  "GELU", "Tanh", "Sigmoid", "Softplus", "LayerNorm", "BatchNorm", "Dropout", "Residual",
  "Criterion", "MSECriterion", "L1Criterion", "SmoothL1Criterion", "CrossEntropyCriterion",
  "SupConCriterion", "ContrastiveCriterion", "KLCriterion", "Reparameterize", "Narrow", "ColumnScale", "Concat",
  "SeedHeads",
}
for _, name in ipairs(CLASSES) do nn[name] = require("semeq.nn." .. name) end

return nn
