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
  nn.Module.check(c.latent and c.latent >= 1, "classifier: latent must be a positive integer")
  nn.Module.check(c.classes and c.classes >= 2, "classifier: classes must be an integer >= 2")
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
