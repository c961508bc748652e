-- Silhouette on 5,000 x 32 (10 clusters): semeq against scikit-learn (float64 and
-- float32 inputs), wall-clock best of 3, and the difference of the values.
--   build/semeq scripts/bench/silhouette.lua
local T = require "semeq.tensor"
local metrics = require "semeq.metrics"

local N, D, K = 5000, 32, 10
T.manualSeed(1)
local X = T.randn(N, D)
local y = {}
for i = 1, N do
  y[i] = i % K
  X[i]:add_(y[i] * 0.3)
end

local function now()
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

local best, s = math.huge, nil
for _ = 1, 3 do
  local t0 = now()
  s = metrics.silhouette(X, y)
  best = math.min(best, now() - t0)
end
print(string.format("semeq    silhouette %.12f  %.3f s", s, best))

if os.execute("/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1") ~= true then
  print("sklearn: not available, comparison skipped")
  return
end
local xf, yf = os.tmpname(), os.tmpname()
local f = assert(io.open(xf, "w"))
for _, r in ipairs(X:totable()) do
  for j, v in ipairs(r) do r[j] = string.format("%.9g", v) end
  f:write(table.concat(r, ","), "\n")
end
f:close()
f = assert(io.open(yf, "w"))
f:write(table.concat(y, "\n"), "\n")
f:close()
local py = [[
import sys, time
import numpy as np
from sklearn.metrics import silhouette_score
X = np.loadtxt(sys.argv[1], delimiter=","); y = np.loadtxt(sys.argv[2])
for name, data in (("float64", X), ("float32", X.astype(np.float32))):
    best = 1e9
    for _ in range(3):
        t = time.time(); s = silhouette_score(data, y); best = min(best, time.time() - t)
    print("sklearn  silhouette %.12f  %.3f s  (%s)" % (s, best, name))
]]
local p = io.popen(string.format("/usr/bin/python3 -c '%s' %s %s", py, xf, yf))
io.write(p:read("a"))
p:close()
os.remove(xf)
os.remove(yf)
