-- A term classifier head on the latent: Linear(latent, classes), or with hidden > 0
-- Linear(latent, hidden) -> ReLU -> Dropout -> Linear(hidden, classes). Outputs logits for
-- nn.CrossEntropyCriterion. It is an nn.Sequential with a config (so models.io.load can rebuild it).
local nn = require "semeq.nn"

return function(cfg)
  local c = {kind = "classifier"}
  c.latent = math.tointeger(cfg.latent)
  c.classes = math.tointeger(cfg.classes)
  c.hidden = math.tointeger(cfg.hidden or 0)
  c.dropout = cfg.dropout or 0.1
  -- a bad config describes a file or a recipe flag: one line, no position
  local function need(ok, msg) if not ok then error("classifier: " .. msg, 0) end end
  need(c.latent and c.latent >= 1, "latent must be a positive integer")
  need(c.classes and c.classes >= 2, "classes must be an integer >= 2")
  need(c.hidden and c.hidden >= 0, "hidden must be an integer >= 0")
  need(type(c.dropout) == "number" and c.dropout >= 0 and c.dropout < 1, "dropout must be a number in [0, 1)")
  local m = nn.Sequential()
  if c.hidden > 0 then
    m:add(nn.Linear(c.latent, c.hidden)):add(nn.ReLU()):add(nn.Dropout(c.dropout))
     :add(nn.Linear(c.hidden, c.classes))
  else
    m:add(nn.Linear(c.latent, c.classes))
  end
  m.config = c
  return m
end
