--- semeq.linear: linear models fitted in closed form or by Newton's method — the
-- supervised baselines of an evaluation, the judge of edits, and the linear parts of
-- latent models. Rows of X are examples; labels are a Lua array (strings or integers).
--
--   local linear = require "semeq.linear"
--   local z = linear.standardizer(X)            -- z:apply(X): columns to mean 0, sd 1 (fitted on X)
--   local clf = linear.logistic(X, labels, {l2 = 1})
--   clf:logit(X)    -- [n] log-odds of clf.classes[2] (two classes); [n x K] one-vs-rest scores
--   clf:predict(X)  -- labels;  clf:prob(X) -- [n x K] (two classes: exact; more: normalised one-vs-rest)
--   local lda = linear.lda(X, labels, {shrinkage = "auto"})
--   lda:project(X)  -- [n x (K - 1)] discriminant coordinates (two classes: the second class positive)
--   linear.knn_share(Xtr, ytr, Xte, k, {leave_one_out = false})  -- [n x K] share of each class among
--                                                                 -- the k nearest training rows
--
-- Classes are sorted (as semeq.metrics.encode sorts them). Computation is in float32
-- tensors; the solves are LAPACK's, in double (semeq.linalg).
local T = require "semeq.tensor"
local linalg = require "semeq.linalg"
local metrics = require "semeq.metrics"

local linear = {}

local function check_rows(X, labels, fn)
  if not T.isTensor(X) or X:dim() ~= 2 then error(fn .. ": X must be a 2-D tensor [n x d]", 3) end
  if type(labels) ~= "table" or #labels ~= X:size(1) then
    error(string.format("%s: expected %d labels, got %s", fn, X:size(1), type(labels) == "table" and #labels or type(labels)), 3)
  end
end

-- Column means and standard deviations (sd 1 where a column is constant).
local Standardizer = {}
Standardizer.__index = Standardizer

function linear.standardizer(X)
  if not (T.isTensor(X) and X:dim() == 2) then
    error("linear.standardizer: X must be a 2-D tensor [n x d], got " .. (T.isTensor(X) and X:dim() .. " dims" or type(X)), 2)
  end
  local mean = X:mean(1)
  local centred = X - mean:view(1, -1)
  local sd = (centred * centred):mean(1):sqrt()
  local s = sd:totable()
  for j, v in ipairs(s) do if not (v > 1e-12) then s[j] = 1 end end
  return setmetatable({mean = mean, sd = T.new(s)}, Standardizer)
end

function Standardizer:apply(X) return (X - self.mean:view(1, -1)) / self.sd:view(1, -1) end

-- X with a column of ones appended: [n x (d + 1)].
local function with_bias(X)
  return T.cat({X, T.ones(X:size(1), 1)}, 2)
end

-- Binary logistic regression by Newton's method (IRLS) with an L2 penalty on the
-- weights (not the intercept): minimises sum log(1 + exp(-s_i f(x_i))) + l2/2 |w|^2.
local function fit_binary(Xb, y, l2, iterations)
  local n, d = Xb:size(1), Xb:size(2)
  local beta = T.zeros(d)
  local penalty = T.zeros(d, d)
  for j = 1, d - 1 do penalty[j][j] = l2 end
  for _ = 1, iterations do
    local f = T.mm(Xb, beta:view(d, 1)):view(n)
    local p = f:sigmoid()
    local w = p * (1 - p) + 1e-9
    local g = T.mm(Xb:t(), (p - y):view(n, 1)):view(d) + T.mm(penalty, beta:view(d, 1)):view(d)
    local H = T.mm(Xb:t(), Xb * w:view(n, 1)) + penalty
    local step = linalg.solve_spd(H, g)
    beta = beta - step
    if step:abs():max() < 1e-6 then break end
  end
  return beta
end

local Logistic = {}
Logistic.__index = Logistic

--- Logistic regression on X with an L2 penalty opts.l2 (default 1) on the weights; more
-- than two classes are fitted one-vs-rest.
function linear.logistic(X, labels, opts)
  check_rows(X, labels, "linear.logistic")
  opts = opts or {}
  local l2 = opts.l2 or 1
  if type(l2) ~= "number" or not (l2 > 0) then error("linear.logistic: l2 must be a positive number", 2) end
  local classes, codes = metrics.encode(labels)
  if #classes < 2 then error("linear.logistic: needs at least two classes", 2) end
  local Xb = with_bias(X)
  local betas = {}
  local targets = #classes == 2 and {2} or nil
  if not targets then
    targets = {}
    for k = 1, #classes do targets[k] = k end
  end
  for i, k in ipairs(targets) do
    local y = {}
    for r, c in ipairs(codes) do y[r] = c == k and 1 or 0 end
    betas[i] = fit_binary(Xb, T.new(y), l2, opts.iterations or 50)
  end
  return setmetatable({classes = classes, betas = betas, l2 = l2}, Logistic)
end

--- Two classes: [n] log-odds of classes[2]. More: [n x K] one-vs-rest scores.
function Logistic:logit(X)
  local Xb = with_bias(X)
  if #self.betas == 1 then return T.mm(Xb, self.betas[1]:view(-1, 1)):view(X:size(1)) end
  local cols = {}
  for k, b in ipairs(self.betas) do cols[k] = T.mm(Xb, b:view(-1, 1)) end
  return T.cat(cols, 2)
end

--- [n x K] class probabilities (one-vs-rest scores normalised for more than two classes).
function Logistic:prob(X)
  local f = self:logit(X)
  local p = f:sigmoid()
  if f:dim() == 1 then return T.cat({(1 - p):view(-1, 1), p:view(-1, 1)}, 2) end
  return p / p:sum(2, true)
end

--- The most probable class of each row.
function Logistic:predict(X)
  local _, idx = self:prob(X):max(2)
  local out = {}
  for i, k in ipairs(idx:view(-1):totable()) do out[i] = self.classes[math.tointeger(k)] end
  return out
end

-- Pooled within-class covariance, class means and counts.
local function scatter(X, codes, K)
  local n, d = X:size(1), X:size(2)
  local means, counts = {}, {}
  for k = 1, K do
    local idx = {}
    for i, c in ipairs(codes) do if c == k then idx[#idx + 1] = i end end
    counts[k] = #idx
    means[k] = X:index_select(1, idx):mean(1)
  end
  local centred = X:clone()
  for i, c in ipairs(codes) do centred[i]:add_(-means[c]) end
  local S = T.mm(centred:t(), centred) / math.max(1, n - K)
  return S, means, counts, centred, d
end

-- Ledoit-Wolf's shrinkage intensity towards (trace / d) I for centred rows.
local function ledoit_wolf(centred, S)
  local n, d = centred:size(1), centred:size(2)
  local mu = 0
  for j = 1, d do mu = mu + S[j][j] end
  mu = mu / d
  local target = T.zeros(d, d)
  for j = 1, d do target[j][j] = mu end
  local delta = ((S - target) * (S - target)):sum()
  local beta = 0
  for i = 1, n do
    local x = centred[i]:view(d, 1)
    local outer = T.mm(x, x:t()) - S
    beta = beta + (outer * outer):sum()
  end
  beta = beta / (n * n)
  if delta <= 0 then return 1 end
  return math.max(0, math.min(1, beta / delta))
end

local LDA = {}
LDA.__index = LDA

--- Linear discriminant analysis with the pooled covariance shrunk towards a multiple of
-- the identity: opts.shrinkage a number in [0, 1] or "auto" (Ledoit-Wolf, the default).
-- project(X) gives the K - 1 discriminant coordinates (centred on the mean of the class
-- means; with two classes, positive towards classes[2]).
function linear.lda(X, labels, opts)
  check_rows(X, labels, "linear.lda")
  opts = opts or {}
  local classes, codes = metrics.encode(labels)
  local K = #classes
  if K < 2 then error("linear.lda: needs at least two classes", 2) end
  local S, means, _, centred, d = scatter(X, codes, K)
  local alpha = opts.shrinkage or "auto"
  if alpha == "auto" then alpha = ledoit_wolf(centred, S) end
  if type(alpha) ~= "number" or alpha < 0 or alpha > 1 then
    error("linear.lda: shrinkage must be a number in [0, 1] or 'auto'", 2)
  end
  local trace = 0
  for j = 1, d do trace = trace + S[j][j] end
  local shrunk = S * (1 - alpha)
  for j = 1, d do shrunk[j][j] = shrunk[j][j] + alpha * trace / d + 1e-9 end
  local centre = T.zeros(d)
  for k = 1, K do centre:add_(means[k] / K) end
  local directions
  if K == 2 then
    directions = linalg.solve_spd(shrunk, (means[2] - means[1]):view(d)):view(1, d)
  else
    -- whiten with the shrunk covariance, then the principal axes of the class means
    local w, V = linalg.eigh(shrunk)
    local W = V:t() / w:sqrt():view(1, d)                    -- columns: V_j / sqrt(w_j)
    local M = T.zeros(K, d)
    for k = 1, K do M[k] = means[k] - centre end
    local B = T.mm(M, W)                                      -- class means, whitened
    local _, U = linalg.eigh(T.mm(B:t(), B))
    local q = math.min(K - 1, d)                              -- more terms than dims: d axes
    local top = U:narrow(1, d - q + 1, q)                     -- the q largest, ascending
    directions = T.mm(top, W:t())
  end
  return setmetatable({classes = classes, directions = directions, centre = centre, shrinkage = alpha}, LDA)
end

function LDA:project(X)
  return T.mm(X - self.centre:view(1, -1), self.directions:t())
end

--- [n x K] share of each class (sorted) among the k nearest rows of Xtr (euclidean);
-- with opts.leave_one_out, Xte is Xtr and each row's own entry is skipped.
function linear.knn_share(Xtr, ytr, Xte, k, opts)
  check_rows(Xtr, ytr, "linear.knn_share")
  if math.type(k) ~= "integer" or k < 1 then error("linear.knn_share: k must be a positive integer", 2) end
  local loo = opts and opts.leave_one_out
  local classes, codes = metrics.encode(ytr)
  local a2 = (Xte * Xte):sum(2, true)
  local b2 = (Xtr * Xtr):sum(2)
  local D = (T.mm(Xte, Xtr:t()) * -2 + a2 + b2:view(1, -1)):totable()
  local n, m, K = #D, #codes, #classes
  k = math.min(k, loo and m - 1 or m)
  local out = T.zeros(n, K)
  local order = {}
  for i = 1, n do
    local row = D[i]
    for j = 1, m do order[j] = j end
    table.sort(order, function(p, q)
      if row[p] ~= row[q] then return row[p] < row[q] end
      return p < q
    end)
    local taken, counts = 0, {}
    for _, j in ipairs(order) do
      if not (loo and j == i) then
        counts[codes[j]] = (counts[codes[j]] or 0) + 1
        taken = taken + 1
        if taken == k then break end
      end
    end
    for c = 1, K do out[i][c] = (counts[c] or 0) / k end
  end
  return out, classes
end

return linear
