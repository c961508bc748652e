--- Sample a model's latent space and decode the points into EQ settings.
--
--   semeq scripts/explore.lua --model FILE --samples 8 [--seed 1] [--svg curves.svg] [--map map.svg] [--json out.json]
--   semeq scripts/explore.lua --model FILE --grid 5           (2-D models: 5 x 5 points)
--
-- Samples are drawn from a normal distribution with the training codes' per-dimension
-- mean and sd; a grid spans the training codes' range. Each point is printed with
-- its nearest term (by centroid) and its EQ; the map shows the points (black) among
-- the training codes coloured by term.
local T = require "semeq.tensor"
local errors = require "semeq.util.errors"
local rm = require "semeq.recipes.model"
local format = require "semeq.settings.format"
local latent = require "semeq.semantic.latent"

errors.main("explore.lua", function()
  local o = rm.parse{name = "explore.lua", usage = "--model FILE (--samples N | --grid K) [options]",
    description = "Decode random or gridded points of a model's latent space into EQ settings.",
    flags = {
      {"samples", "integer", nil, "decode N random codes around the training codes", min = 1, max = 100000},
      {"grid", "integer", nil, "decode a K x K grid over the codes' range (2-D models)", min = 2, max = 1000},
      {"intensity", "number", 1, "scale every gain by this", min = 0},
      {"svg", "string", nil, "write the response curves here (.svg)"},
      {"map", "string", nil, "write a map of the points among the training codes here (.svg)"},
      {"json", "string", nil, "write the points and settings here (.json)"},
    }}
  require("semeq.recipes").check_outputs(o)  -- before any work: a typo costs nothing
  if (o.samples == nil) == (o.grid == nil) then errors.usage("give one of --samples N or --grid K") end
  local sm = rm.load(o)
  if o.grid and sm:latent_size() ~= 2 then
    errors.usage(string.format("--grid needs a 2-D latent space; this model's has %d dimensions (use --samples)",
      sm:latent_size()))
  end

  local Z = o.samples and latent.sample(sm, o.samples) or latent.grid(sm, o.grid)
  local rows = {}
  for i = 1, Z:size(1) do
    local z = Z[i]:clone()
    local near, dist = latent.nearest_term(sm, z)
    local setting = sm:eq_for(z, o.intensity)
    rows[i] = {label = string.format("%d %s", i, near), eq = setting, db = format.response(setting),
               code = z, nearest = near, distance = dist}
  end

  local st = latent.stats(sm)
  print(string.format("%d %s points of a %d-D latent space (%s model; training codes: %d rows, mean sd %.3f)",
    #rows, o.samples and "sampled" or "grid", sm:latent_size(), rows[1].eq.kind, st.n, st.sd:mean()))
  if o.grid then
    print("grid over z1 in [" .. string.format("%.3f, %.3f", st.min[1], st.max[1]) .. "], z2 in ["
      .. string.format("%.3f, %.3f", st.min[2], st.max[2]) .. "] (z2 varies fastest)")
  end
  print("label = point and nearest term (by centroid)")
  rm.show(rows, o.svg, "decoded latent points")
  if o.map then
    local labels = {}
    for i, key in ipairs(sm.train_labels) do labels[i] = key end
    for _ = 1, #rows do labels[#labels + 1] = "(decoded points)" end
    errors.check(require("semeq.eval.plot").latent_map(T.cat({sm.train_codes, Z}, 1), labels, o.map,
      {title = "decoded points among the training codes"}))
    print("map written to " .. o.map)
  end
  if o.json then
    local out = {}
    for i, r in ipairs(rows) do
      out[i] = format.json(r.eq, {code = r.code:totable(), nearest_term = r.nearest, distance = r.distance})
    end
    rm.write_json(o.json, {model = o.model, mode = o.samples and "samples" or "grid", seed = o.seed,
      freqs = format.grid_list(), points = out})
  end
end)
