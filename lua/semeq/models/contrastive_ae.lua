-- The seed system's ResNet + contrastive autoencoder, with its sizes configurable.
--
--   encoder: Residual(input, w1) -> Residual(w1, w2) -> Residual(w2, w3)
--            -> Linear(w3, 2L) -> ReLU -> Linear(2L, L) -> Tanh          (latent z in (-1, 1))
--   head:    Linear(L, proj)                 (the semantic projection for the contrastive loss)
--   decoder: Residual(L, w3) -> Residual(w3, w2) -> Residual(w2, w1) -> the tail
-- (the seed applies its decoder widths in the order given, which for its symmetric
-- 128-256-128 and 64-128-64 is this order).
--
-- The tail (config.tail) is one of the seed's two or a plain one:
--   "seed"     core/neural_eq_morphing.py: Linear(w1, 2n) -> ReLU -> Linear(2n, n), then
--              three heads of k = floor(n / 3) units each — gains Tanh x 12, "frequencies"
--              Sigmoid, "Qs" Sigmoid x 9.9 + 0.1 — written to columns 3i, 3i+1, 3i+2
--              (i < k) of the output; the other n - 3k columns stay 0. The heads ignore
--              what the columns hold: the seed applies them to its z-scored SocialFX
--              curves and to z-scored SAFE parameters alike. For input 40, latent 32 its
--              write-up counts 257,760 + 256,311 = 514,071 parameters (models_spec checks it).
--              A head unit is its own Linear(n, 1) (the same function, initialisation
--              and count as a row of the seed's Linear(n, k)); nn.SeedHeads computes all
--              of them in one layer and describes itself to model files as the Concat of
--              those units, which the C runtime evaluates.
--   "seed_v2"  core/neural_eq_morphing_safedb_v2.py: Linear(w1, w1) -> ReLU -> Linear(w1, n)
--              -> Sigmoid (its inputs are normalised to [0, 1]).
--   "linear"   Linear(w1, n);  "sigmoid": Linear(w1, n) -> Sigmoid.
-- The default is "seed".
--
-- Beyond the seed (the defaults keep the seed's model):
--   blocks = "mlp"     Linear -> ReLU layers of the same widths instead of Residual blocks;
--                      the encoder then ends in Linear(w3, L) -> Tanh;
--   semantic = k       the projection head (so the contrastive loss) sees only the first k
--                      latent columns; the other L - k are free to keep what reconstruction
--                      needs;
--   style_scale = s    those other columns are multiplied by s (< 1), so that distances in
--                      the latent are dominated by the k semantic columns;
--   branches = "split" the k semantic and the L - k other columns come from two encoders
--                      of the same widths side by side (nn.Concat), so the contrastive loss
--                      shapes only the first and reconstruction alone shapes the second.
local nn = require "semeq.nn"

local ContrastiveAE = nn.Container.class("models.ContrastiveAE", nn.Container)
ContrastiveAE.graphEntries = {encode = {"encoder"}, decode = {"decoder"}}  -- for models.io.graph

local TAILS = {seed = true, seed_v2 = true, linear = true, sigmoid = true}

-- A bad config describes a file or a recipe flag, not a line of code: one line, no position.
local function need(ok, msg) if not ok then error("contrastive_ae: " .. msg, 0) end end

local function positive(v) v = math.tointeger(v); return v and v >= 1 and v or nil end

local function defaults(cfg)
  local c = {kind = "contrastive_ae"}
  c.input = positive(cfg.input)
  need(c.input, "input must be a positive integer")
  c.latent = positive(cfg.latent or 32)
  need(c.latent, "latent must be a positive integer")
  c.widths = cfg.widths or {128, 256, 128}
  need(type(c.widths) == "table" and #c.widths >= 1, "widths must list at least one width")
  for i, w in ipairs(c.widths) do need(positive(w), "widths[" .. i .. "] must be a positive integer") end
  c.proj = positive(cfg.proj or 128)
  need(c.proj, "proj must be a positive integer")
  c.dropout = cfg.dropout or 0.1
  need(type(c.dropout) == "number" and c.dropout >= 0 and c.dropout < 1, "dropout must be a number in [0, 1)")
  c.blocks = cfg.blocks or "residual"
  c.semantic = math.tointeger(cfg.semantic or c.latent)
  c.style_scale = cfg.style_scale or 1
  need(type(c.style_scale) == "number" and c.style_scale == c.style_scale and math.abs(c.style_scale) < math.huge,
    "style_scale must be a finite number")
  c.branches = cfg.branches or "shared"
  need(c.semantic and c.semantic >= 1 and c.semantic <= c.latent, "semantic must be an integer in 1..latent")
  need(c.branches == "shared" or (c.branches == "split" and c.semantic < c.latent),
    "branches must be 'shared', or 'split' with semantic < latent")
  need(c.blocks == "residual" or c.blocks == "mlp", "blocks must be 'residual' or 'mlp'")
  c.tail = cfg.tail or "seed"
  need(TAILS[c.tail], "tail must be 'seed', 'seed_v2', 'linear' or 'sigmoid'")
  c.outputSize = positive(cfg.outputSize or c.input)
  need(c.outputSize, "outputSize must be a positive integer")
  need(c.tail ~= "seed" or c.outputSize >= 3, "the seed's tail needs at least 3 outputs (one band)")
  return c
end

-- Appends the decoder's tail (see the header) from width w to n outputs.
local function add_tail(dec, tail, w, n)
  if tail == "seed" then
    dec:add(nn.Linear(w, 2 * n)):add(nn.ReLU()):add(nn.Linear(2 * n, n)):add(nn.SeedHeads(n))
  elseif tail == "seed_v2" then
    dec:add(nn.Linear(w, w)):add(nn.ReLU()):add(nn.Linear(w, n)):add(nn.Sigmoid())
  else
    dec:add(nn.Linear(w, n))
    if tail == "sigmoid" then dec:add(nn.Sigmoid()) end
  end
end

function ContrastiveAE:__init(cfg)
  nn.Container.__init(self)
  local c = defaults(cfg)
  self.config = c
  local L, w, out = c.latent, c.widths, c.outputSize
  local enc
  if c.branches == "split" then
    enc = nn.Concat(2):add(self:encoder_branch(c.semantic, 1))
      :add(self:encoder_branch(L - c.semantic, c.style_scale))
  else
    local scales = {}
    for j = 1, L do scales[j] = j <= c.semantic and 1 or c.style_scale end
    enc = self:encoder_branch(L, scales)
  end
  local head = nn.Linear(c.semantic, c.proj)
  if c.semantic < L then head = nn.Sequential():add(nn.Narrow(2, 1, c.semantic)):add(head) end
  local dec = nn.Sequential()
  local prev = L
  for i = #w, 1, -1 do dec:add(self:block(prev, w[i])); prev = w[i] end
  add_tail(dec, c.tail, prev, out)
  self:add(enc, "encoder")
  self:add(head, "head")
  self:add(dec, "decoder")
  self.encoder, self.head, self.decoder = enc, head, dec
end

-- input -> blocks of config.widths -> Linear(w, 2 n) -> ReLU -> Linear(2 n, n) -> Tanh
-- (MLP blocks: -> Linear(w, n) -> Tanh) [-> ColumnScale(scale)], scale a number or a list
-- per column (1: none).
function ContrastiveAE:encoder_branch(n, scale)
  local c, prev = self.config, self.config.input
  local branch = nn.Sequential()
  for _, width in ipairs(c.widths) do branch:add(self:block(prev, width)); prev = width end
  if c.blocks == "mlp" then
    -- No ReLU layer of width 2n before the code: with n = 2 its 4 units can all die,
    -- and the code becomes a constant (seen on one seed in five).
    branch:add(nn.Linear(prev, n)):add(nn.Tanh())
  else
    branch:add(nn.Linear(prev, 2 * n)):add(nn.ReLU()):add(nn.Linear(2 * n, n)):add(nn.Tanh())
  end
  local scales, plain = {}, true
  for j = 1, n do
    scales[j] = type(scale) == "table" and scale[j] or scale
    plain = plain and scales[j] == 1
  end
  if not plain then branch:add(nn.ColumnScale(scales)) end
  return branch
end

-- One hidden layer of the encoder or decoder, as config.blocks says.
function ContrastiveAE:block(from, to)
  if self.config.blocks == "mlp" then return nn.Sequential():add(nn.Linear(from, to)):add(nn.ReLU()) end
  return nn.Residual(from, to, self.config.dropout)
end

function ContrastiveAE:encode(x) return self.encoder:forward(x) end
function ContrastiveAE:decode(z) return self.decoder:forward(z) end

-- forward(x) -> reconstruction; also sets self.latent and self.projection.
function ContrastiveAE:forward(x)
  self.latent = self:call(1, "forward", x)
  self.projection = self:call(2, "forward", self.latent)
  self.output = self:call(3, "forward", self.latent)
  return self.output
end

-- backward(x, gradOutput [, gradProjection, scale]): the gradients of the reconstruction
-- loss and (optionally) of the contrastive loss on the projection meet at the latent.
function ContrastiveAE:backward(x, gradOutput, gradProjection, scale)
  local gz = self:call(3, "backward", self.latent, gradOutput, scale)
  self:bufferLike("_gz", gz)
  self._gz:copy(gz)
  if gradProjection then self._gz:add_(self:call(2, "backward", self.latent, gradProjection, scale)) end
  self.gradInput = self:call(1, "backward", x, self._gz, scale)
  return self.gradInput
end

return ContrastiveAE
