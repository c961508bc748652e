-- semeq's semantic model: a linear factor model with a word axis, an intensity and a
-- style, fitted in closed form.
--
--   x (a setting's 40-point curve) = m + M t + r,   t = C^T (x - m)   (the word axis)
--
-- C is a shrinkage-LDA functional (the within-term covariance shrunk towards its
-- diagonal: each band keeps its own variance, their correlations are damped) with C^T M = I, M the differences of the term means
-- (one column per axis; K terms give K - 1 axes) and m the mean of the term means, so
-- the residual r has the same mean in every term and is uncorrelated with t within a
-- term (the linear answer to "a style that carries no word", what a Fader network learns
-- with an adversary). The code a decoder reads is
--
--   s = tanh(t / tau)          the word: near +-1 for settings clearly of one term
--   e = t - (a s + b)          the intensity: how far along the axis beyond what s says
--   z = V (r - mean r)         the style: the first `style` principal components of r
--
-- and the decoder is linear in all of it: x_hat = m + M (a s + b + e) + mean r + V^T z.
-- So the word columns s steer the decoded EQ by construction (swapping s from one term's
-- code to the other's moves x_hat by the difference of the term means), the style keeps
-- what is not the word, and a reconstruction is as good as PCA of the residual.
--
-- Built as ordinary nn layers (so model files and the C runtime need nothing special):
--   encoder = Concat(2){ Linear -> Tanh (s),  Concat(2){Linear (t), Linear -> Tanh (s)} -> Linear (e),
--                        Linear (z) },  decoder = Linear
-- Weights are set by fit(X, labels, {shrinkage =, tau =}); a new model is all zeros.
-- Buffers (saved with the weights): axis_scale a, axis_offset b, targets (per term, the
-- median t of its training rows: where an edit to the term moves a setting).
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local linalg = require "semeq.linalg"
local metrics = require "semeq.metrics"

local Axis = nn.Container.class("models.SemanticAxis", nn.Container)
Axis.graphEntries = {encode = {"encoder"}, decode = {"decoder"}}  -- for models.io.graph

local function defaults(cfg)
  local c = {kind = "semantic_axis"}
  c.input = math.tointeger(cfg.input)
  c.axes = math.tointeger(cfg.axes or 1)
  c.style = math.tointeger(cfg.style or 15)
  c.tau = cfg.tau or 0.1
  c.terms = cfg.terms
  nn.Module.check(c.input and c.input >= 2, "semantic_axis: input must be an integer >= 2")
  nn.Module.check(c.axes and c.axes >= 1 and c.axes < c.input, "semantic_axis: axes must be an integer in 1..input-1")
  nn.Module.check(c.style and c.style >= 0 and c.style <= c.input - c.axes,
    "semantic_axis: style must be an integer in 0..input-axes")
  nn.Module.check(type(c.tau) == "number" and c.tau > 0, "semantic_axis: tau must be a positive number")
  nn.Module.check(type(c.terms) == "table" and #c.terms == c.axes + 1,
    "semantic_axis: terms must list axes + 1 term names")
  c.latent = 2 * c.axes + c.style
  c.semantic = c.axes
  return c
end

function Axis:__init(cfg)
  nn.Container.__init(self)
  local c = defaults(cfg)
  self.config = c
  local d, q = c.input, c.axes
  self.word = nn.Sequential():add(nn.Linear(d, q)):add(nn.Tanh())
  self.axis = nn.Linear(d, q)
  self.word_again = nn.Sequential():add(nn.Linear(d, q)):add(nn.Tanh())
  self.intensity = nn.Sequential():add(nn.Concat(2):add(self.axis):add(self.word_again)):add(nn.Linear(2 * q, q))
  self.style = c.style > 0 and nn.Linear(d, c.style) or nil
  local enc = nn.Concat(2):add(self.word):add(self.intensity)
  if self.style then enc:add(self.style) end
  self.decoder = nn.Linear(c.latent, d)
  self.encoder = enc
  self:add(enc, "encoder")
  self:add(self.decoder, "decoder")
  self._buffers = {"axis_scale", "axis_offset", "targets"}
  self.axis_scale, self.axis_offset, self.targets = T.zeros(q), T.zeros(q), T.zeros(q + 1, q)
  self:flat():zero() -- fit() writes every parameter
end

function Axis:encode(x) return self.encoder:forward(x) end
function Axis:decode(z) return self.decoder:forward(z) end

function Axis:forward(x)
  self.latent = self:call(1, "forward", x)
  self.output = self:call(2, "forward", self.latent)
  return self.output
end

-- t of codes Z [n x latent]: a s + b + e.
function Axis:axis_of(Z)
  local q = self.config.axes
  local s, e = Z:narrow(2, 1, q), Z:narrow(2, q + 1, q)
  return s * self.axis_scale:view(1, q) + self.axis_offset:view(1, q) + e
end

-- Codes with axis position t [n x q] and style Z's style columns (or none).
function Axis:code_at(t, Zstyle)
  local c = self.config
  local n, q = t:size(1), c.axes
  local s = (t / c.tau):tanh()
  local e = t - (s * self.axis_scale:view(1, q) + self.axis_offset:view(1, q))
  local parts = {s, e}
  if c.style > 0 then parts[3] = Zstyle or T.zeros(n, c.style) end
  return T.cat(parts, 2)
end

--- The code of term k (1-based, in config.terms order): its target position on the
-- axis with a neutral style.
function Axis:term_code(k)
  return self:code_at(self.targets[k]:view(1, -1))[1]:clone()
end

--- Codes Z moved towards term k by amount in [0, 1]: the axis position goes amount of
-- the way to the term's target (with two terms only forwards: a setting already further
-- into the term stays where it is); the style columns are kept.
function Axis:edit_codes(Z, k, amount)
  local c = self.config
  local t = self:axis_of(Z)
  local target = self.targets[k]:view(1, -1)
  local gap = target - t
  if c.axes == 1 then
    local other = self.targets[3 - k][1]
    local dir = target[1][1] >= other and 1 or -1
    gap = (gap * dir):clamp(0, math.huge) * dir
  end
  local style = c.style > 0 and Z:narrow(2, 2 * c.axes + 1, c.style):clone() or nil
  return self:code_at(t + gap * amount, style)
end

-- Term means, the pooled within-term covariance (divisor n) and the row order by term.
local function term_stats(X, codes, K)
  local d = X:size(2)
  local means, centred = {}, X:clone()
  for k = 1, K do
    local idx = {}
    for i, ci in ipairs(codes) do if ci == k then idx[#idx + 1] = i end end
    means[k] = X:index_select(1, idx):mean(1)
  end
  for i, ci in ipairs(codes) do centred[i]:add_(-means[ci]) end
  local S = T.mm(centred:t(), centred) / X:size(1)
  return means, S, d
end

local function shrink(S, alpha, d)
  local out = S * (1 - alpha)
  for j = 1, d do out[j][j] = out[j][j] + alpha * S[j][j] + 1e-9 end
  return out
end

local function median(values)
  table.sort(values)
  local n = #values
  if n % 2 == 1 then return values[(n + 1) // 2] end
  return (values[n // 2] + values[n // 2 + 1]) / 2
end

--- Sets every weight from training rows X [n x d] with their labels (the model's terms):
-- opts.shrinkage (of the within-term covariance towards its diagonal, in [0, 1]).
-- Returns the model; model.fit_info holds t of the training rows.
function Axis:fit(X, labels, opts)
  opts = opts or {}
  local c = self.config
  local d, q, K = c.input, c.axes, c.axes + 1
  local classes, codes = metrics.encode(labels)
  for k, name in ipairs(c.terms) do
    if classes[k] ~= name then
      error(string.format("semantic_axis:fit: the labels' terms (%s) are not the model's (%s)",
        table.concat(classes, ", "), table.concat(c.terms, ", ")), 2)
    end
  end
  local means, S = term_stats(X, codes, K)
  local m = T.zeros(d)
  for k = 1, K do m:add_(means[k] / K) end
  local M = T.zeros(d, q)
  for k = 1, q do M:select(2, k):copy(means[k] - means[K]) end
  local Y = linalg.solve_spd(shrink(S, opts.shrinkage or 0.9, d), M)         -- S^-1 M
  local G = T.mm(M:t(), Y)
  local I = T.zeros(q, q)
  for j = 1, q do I[j][j] = 1 end
  local C = T.mm(Y, linalg.solve_spd(G, I))                                    -- C^T M = I
  local t = T.mm(X - m:view(1, d), C)                                          -- [n x q]
  local R = X - m:view(1, d) - T.mm(t, M:t())
  local rbar = R:mean(1)
  -- a, b: least squares of t on s per axis
  local s = (t / c.tau):tanh()
  local a, b = T.zeros(q), T.zeros(q)
  for j = 1, q do
    local sj, tj = s:select(2, j), t:select(2, j)
    local sm, tm = sj:mean(), tj:mean()
    local var = ((sj - sm) * (sj - sm)):sum()
    a[j] = var > 1e-12 and ((sj - sm) * (tj - tm)):sum() / var or 0
    b[j] = tm - a[j] * sm
  end
  self.axis_scale:copy(a)
  self.axis_offset:copy(b)
  for k = 1, K do
    for j = 1, q do
      local vals = {}
      for i, ci in ipairs(codes) do if ci == k then vals[#vals + 1] = t[i][j] end end
      self.targets[k][j] = median(vals)
    end
  end
  -- the word: s = tanh(C^T (x - m) / tau)
  local word = self.word:get(1)
  word.weight:copy(C:t() / c.tau)
  word.bias:copy(T.mm(m:view(1, d), C):view(q) * (-1 / c.tau))
  self.word_again:get(1).weight:copy(word.weight)
  self.word_again:get(1).bias:copy(word.bias)
  -- the intensity: e = t - a s - b from [t | s]
  self.axis.weight:copy(C:t())
  self.axis.bias:copy(T.mm(m:view(1, d), C):view(q) * -1)
  local mix = self.intensity:get(2)
  mix.weight:zero()
  for j = 1, q do
    mix.weight[j][j] = 1
    mix.weight[j][q + j] = -a[j]
  end
  mix.bias:copy(b * -1)
  -- the style: z = V (r - rbar), r = x - m - M C^T (x - m)
  local dec = self.decoder
  dec.weight:zero()
  if c.style > 0 then
    local p = metrics.pca(R, c.style)
    local V = p.components                                                     -- [k x d]
    local VM = T.mm(V, M)                                                      -- [k x q]
    self.style.weight:copy(V - T.mm(VM, C:t()))
    local mC = T.mm(m:view(1, d), C)                                           -- [1 x q]
    self.style.bias:copy((T.mm(V, (m + rbar):view(d, 1)):view(c.style) * -1) + T.mm(VM, mC:t()):view(c.style))
    dec.weight:narrow(2, 2 * q + 1, c.style):copy(V:t())
  end
  -- the decoder: x = m + M (a s + b + e) + rbar + V^T z
  dec.weight:narrow(2, 1, q):copy(M * a:view(1, q))
  dec.weight:narrow(2, q + 1, q):copy(M)
  dec.bias:copy(m + T.mm(M, b:view(q, 1)):view(d) + rbar)
  self.fit_info = {t = t, shrinkage = opts.shrinkage or 0.9}
  return self
end

return Axis
