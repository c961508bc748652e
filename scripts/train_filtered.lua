-- Placeholder main job until the training recipe lands (issue "The recipes"): a small
-- tensor demo that exercises the runtime. The command that runs it stays the same.
local T = require "semeq.tensor"
T.manualSeed(1)
local x = T.randn(4, 3)
print("x =")
print(x)
print("x @ x^T =")
print(T.mm(x, x:t()))
