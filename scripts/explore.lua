--- Sample a model's latent space and decode the points into EQ settings.
--
--   semeq scripts/explore.lua --model FILE --samples 8 [--seed 1] [--svg curves.svg] [--map map.svg] [--json out.json]
--   semeq scripts/explore.lua --model FILE --grid 5           (2-D models: 5 x 5 points)
--
-- Samples are drawn from a normal distribution with the training codes' per-dimension
-- mean and sd; a grid spans the training codes' range. Each point is printed with
-- its nearest term (by centroid) and its EQ; the map shows the points (black crosses,
-- numbered) among the training codes coloured by term. --svg draws a grid as small
-- multiples laid out as the grid lies in the latent space (z1 across, z2 up), each
-- curve coloured by its nearest term.
local errors = require "semeq.util.errors"
local rm = require "semeq.recipes.model"
local format = require "semeq.settings.format"
local latent = require "semeq.semantic.latent"

-- A grid's small multiples show at most this many rows and columns (readable at 800 px).
local MAX_PANELS = 8

-- The panels of a k x k grid in the grid's place (row 1 the highest z2, column 1 the
-- lowest z1; latent.grid varies z2 fastest), evenly thinned to MAX_PANELS rows and columns.
local function grid_panels(rows, k)
  local m = math.min(k, MAX_PANELS)
  local pick = {}
  for a = 0, m - 1 do pick[#pick + 1] = math.floor(a * (k - 1) / (m - 1) + 0.5) end
  local panels = {}
  for r = m, 1, -1 do
    for col = 1, m do
      local i = pick[col] * k + pick[r] + 1
      local z = rows[i].code
      -- narrow panels carry the point's number only (the printed table has its code)
      panels[#panels + 1] = {label = m > 5 and tostring(i) or string.format("%d (%.2f, %.2f)", i, z[1], z[2]),
                             eq = rows[i].eq, nearest = rows[i].nearest}
    end
  end
  return panels
end

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
  if o.grid then
    rm.show(rows, nil)
    if o.svg then
      errors.check(require("semeq.eval.plot").response_panels(format.curves(grid_panels(rows, o.grid), {group = "nearest"}),
        o.svg, {title = string.format("decoded %d x %d grid of the latent space", o.grid, o.grid),
        cols = math.min(o.grid, MAX_PANELS),
        note = "z1 grows to the right, z2 upwards; panel: point" .. (o.grid > 5 and "" or " (z1, z2)") .. (o.grid > MAX_PANELS
          and string.format("; %d of the %d rows and columns", MAX_PANELS, o.grid) or "")}))
      print("response curves written to " .. o.svg)
    end
  else
    rm.show(rows, o.svg, "decoded latent points", #rows > 8 and {group = "nearest"} or nil)
  end
  if o.map then
    local numbers = {}
    for i = 1, #rows do numbers[i] = tostring(i) end
    errors.check(require("semeq.eval.plot").latent_map(sm.train_codes, sm.train_labels, o.map,
      {title = "decoded points among the training codes",
       overlay = {X = Z, labels = numbers, name = "decoded points"}}))
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
