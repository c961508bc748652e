-- FlowEQ-style beta-VAE (Steinmetz 2020), sizes configurable:
--   encoder: Linear(input, hidden) -> ReLU;  mu, logvar: Linear(hidden, latent) each
--   z = mu + exp(logvar/2) * eps (training; z = mu in evaluation)
--   decoder: Linear(latent, hidden) -> ReLU -> Linear(hidden, input) -> Sigmoid (or none: output = "linear")
-- FlowEQ's numbers: input 13 (normalised SAFE parameters), hidden 1024, latent 1..128.
-- forward(x) -> reconstruction, and self.kl = beta * KL(q(z|x) || N(0, I)) of the batch; the KL
-- gradient is added in backward(). Set model.beta (e.g. from semeq.train.objectives.floweq_beta) between steps.
local nn = require "semeq.nn"

local BetaVAE = nn.Container.class("models.BetaVAE", nn.Container)
BetaVAE.graphEntries = {encode = {"encoder", "mu"}, decode = {"decoder"}}  -- for models.io.graph: z = mu

function BetaVAE:__init(cfg)
  nn.Container.__init(self)
  local c = {kind = "beta_vae"}
  -- a bad config describes a file or a recipe flag: one line, no position
  local function need(ok, msg) if not ok then error("beta_vae: " .. msg, 0) end end
  c.input = math.tointeger(cfg.input or 13)
  c.latent = math.tointeger(cfg.latent or 2)
  c.hidden = math.tointeger(cfg.hidden or 1024)
  c.beta = cfg.beta or 1
  -- "sigmoid" (FlowEQ: inputs normalised to [0, 1]) or "linear" (inputs that are not
  -- bounded, e.g. dB curves); older files have no entry and mean sigmoid.
  c.output = cfg.output or "sigmoid"
  need(c.output == "sigmoid" or c.output == "linear", "output must be sigmoid or linear")
  need(c.input and c.input >= 1, "input must be a positive integer")
  need(c.latent and c.latent >= 1 and c.latent <= 128, "latent must be an integer in 1..128")
  need(c.hidden and c.hidden >= 1, "hidden must be a positive integer")
  need(type(c.beta) == "number" and c.beta >= 0 and c.beta < math.huge, "beta must be a finite number >= 0")
  self.config, self.beta = c, c.beta
  self.encoder = nn.Sequential():add(nn.Linear(c.input, c.hidden)):add(nn.ReLU())
  self.mu, self.logvar = nn.Linear(c.hidden, c.latent), nn.Linear(c.hidden, c.latent)
  self.decoder = nn.Sequential():add(nn.Linear(c.latent, c.hidden)):add(nn.ReLU())
    :add(nn.Linear(c.hidden, c.input))
  if c.output == "sigmoid" then self.decoder:add(nn.Sigmoid()) end
  self.sampler = nn.Reparameterize()
  self.klCriterion = nn.KLCriterion(c.beta)
  self:add(self.encoder, "encoder")
  self:add(self.mu, "mu")
  self:add(self.logvar, "logvar")
  self:add(self.decoder, "decoder")
  self:add(self.sampler, "sampler")
end

function BetaVAE:encode(x)
  local h = self.encoder:forward(x)
  return self.mu:forward(h), self.logvar:forward(h)
end

function BetaVAE:decode(z) return self.decoder:forward(z) end

function BetaVAE:forward(x)
  local h = self:call(1, "forward", x)
  local mu, lv = self:call(2, "forward", h), self:call(3, "forward", h)
  self.z = self.sampler:forward(mu, lv)
  self.klCriterion.beta = self.beta
  self.kl = self.klCriterion:forward(mu, lv)
  self.output = self:call(4, "forward", self.z)
  return self.output
end

function BetaVAE:backward(x, gradOutput, scale)
  local h, mu, lv = self.encoder.output, self.mu.output, self.logvar.output
  local gz = self:call(4, "backward", self.z, gradOutput, scale)
  local gmu, glv = self.sampler:backward(mu, lv, gz)
  gmu:add_(self.klCriterion.gradMu)
  glv:add_(self.klCriterion.gradLogvar)
  local gh = self:call(2, "backward", h, gmu, scale)
  self:bufferLike("_gh", gh)
  self._gh:copy(gh):add_(self:call(3, "backward", h, glv, scale))
  self.gradInput = self:call(1, "backward", x, self._gh, scale)
  return self.gradInput
end

return BetaVAE
