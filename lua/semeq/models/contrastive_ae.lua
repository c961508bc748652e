-- The seed system's ResNet + contrastive autoencoder, with its sizes configurable.
--
--   encoder: Residual(input, w1) -> Residual(w1, w2) -> Residual(w2, w3)
--            -> Linear(w3, 2L) -> ReLU -> Linear(2L, L) -> Tanh          (latent z in (-1, 1))
--   head:    Linear(L, proj)                 (the semantic projection for the contrastive loss)
--   decoder: Residual(L, w3) -> Residual(w3, w2) -> Residual(w2, w1)
--            -> Linear(w1, 2 out) -> ReLU -> Linear(2 out, out) -> ReLU      (base features)
--            -> Linear(out, out) [-> Sigmoid]                                (output head)
-- This is the seed's layout (its write-up: encoder 257,760 + decoder 256,311 = 514,071
-- parameters for input 40, latent 32) except for the output head: the seed ended in three
-- Linear(40, 13) heads (gains, frequencies, Qs) that fill 39 of the 40 outputs; here one
-- Linear(40, 40) writes all 40, so the count is 514,112 = 514,071 + 41 (the 40th unit's
-- 40 weights and bias).
--
-- The output head fits the representation (config.output):
--   "safe13"    13 SAFE parameters normalised to [0, 1] (bounded gain, log-frequency, log-Q),
--               hence the Sigmoid;
--   "graphic40" 40 graphic-EQ gains (z-scored shapes): one Linear with all 40 outputs. (The
--               seed's PyTorch decoder read its 40 outputs as 13 gain/frequency/Q triples and
--               never wrote the 40th; here every output is a unit of the last Linear.)
--   "linear"    any other size, no activation.
-- The default is chosen from the input size (13 -> safe13, 40 -> graphic40, else linear).
local nn = require "semeq.nn"

local ContrastiveAE = nn.Container.class("models.ContrastiveAE", nn.Container)

local OUTPUTS = {safe13 = 13, graphic40 = 40}

local function defaults(cfg)
  local c = {kind = "contrastive_ae"}
  c.input = assert(math.tointeger(cfg.input), "contrastive_ae: input must be an integer")
  c.latent = math.tointeger(cfg.latent or 32)
  c.widths = cfg.widths or {128, 256, 128}
  c.proj = math.tointeger(cfg.proj or 128)
  c.dropout = cfg.dropout or 0.1
  c.output = cfg.output or (c.input == 13 and "safe13" or c.input == 40 and "graphic40" or "linear")
  c.outputSize = math.tointeger(cfg.outputSize or OUTPUTS[c.output] or c.input)
  assert(c.latent and c.latent >= 1, "contrastive_ae: latent must be a positive integer")
  assert(#c.widths >= 1, "contrastive_ae: widths must list at least one width")
  if OUTPUTS[c.output] and OUTPUTS[c.output] ~= c.outputSize then
    error(string.format("contrastive_ae: output '%s' needs outputSize %d, got %d", c.output,
      OUTPUTS[c.output], c.outputSize), 0)
  end
  return c
end

function ContrastiveAE:__init(cfg)
  nn.Container.__init(self)
  local c = defaults(cfg)
  self.config = c
  local L, w = c.latent, c.widths
  local enc, prev = nn.Sequential(), c.input
  for _, width in ipairs(w) do enc:add(nn.Residual(prev, width, c.dropout)); prev = width end
  enc:add(nn.Linear(prev, 2 * L)):add(nn.ReLU()):add(nn.Linear(2 * L, L)):add(nn.Tanh())
  local head = nn.Linear(L, c.proj)
  local dec, out = nn.Sequential(), c.outputSize
  prev = L
  for i = #w, 1, -1 do dec:add(nn.Residual(prev, w[i], c.dropout)); prev = w[i] end
  dec:add(nn.Linear(prev, 2 * out)):add(nn.ReLU()):add(nn.Linear(2 * out, out)):add(nn.ReLU())
  dec:add(nn.Linear(out, out))
  if c.output == "safe13" then dec:add(nn.Sigmoid()) end
  self:add(enc, "encoder")
  self:add(head, "head")
  self:add(dec, "decoder")
  self.encoder, self.head, self.decoder = enc, head, dec
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
