--- From one word to another through a model's latent space: the EQ of each step.
--
--   semeq scripts/interpolate.lua --model FILE --from warm --to bright [--steps 5]
--                                 [--intensity 1] [--svg curves.svg] [--json steps.json]
--
-- Step i of N decodes the code (1 - a) * centroid(from) + a * centroid(to) with
-- a = (i - 1) / (N - 1). Prints the settings (13 SAFE parameters, or a summary of the 40
-- bands) and their responses; the SVG draws all response curves.
local errors = require "semeq.util.errors"
local rm = require "semeq.recipes.model"
local format = require "semeq.settings.format"

errors.main("interpolate.lua", function()
  local o = rm.parse{name = "interpolate.lua", usage = "--model FILE --from WORD --to WORD [options]",
    description = "Walk from one word to another through a model's latent space and print the EQ of each step.",
    flags = {
      {"from", "string", nil, "start word"},
      {"to", "string", nil, "end word"},
      {"steps", "integer", 5, "number of steps, both ends included", min = 2, max = 100000},
      {"intensity", "number", 1, "scale every gain by this", min = 0},
      {"svg", "string", nil, "write the response curves here (.svg)"},
      {"json", "string", nil, "write the steps here (.json)"},
    }}
  require("semeq.recipes").check_outputs(o)  -- before any work: a typo costs nothing
  if not (o.from and o.to) then errors.usage("give both --from and --to") end
  local sm = rm.load(o)
  local from, to = rm.term(sm, o.from), rm.term(sm, o.to)

  local rows, steps = {}, {}
  for i = 1, o.steps do
    local alpha = (i - 1) / (o.steps - 1)
    local setting = sm:eq_for(sm:interpolate(from, to, alpha), o.intensity)
    rows[i] = {label = string.format("%d a=%.2f", i, alpha), eq = setting, db = format.response(setting),
               colour = require("semeq.eval.plot").scale(alpha)}  -- ordered steps: a colour scale
    steps[i] = format.json(setting, {step = i, alpha = alpha})
  end

  print(string.format("%s -> %s in %d steps (%s model, latent size %d, intensity %.2f)", from, to, o.steps,
    rows[1].eq.kind, sm:latent_size(), o.intensity))
  rm.show(rows, o.svg, string.format("%s \u{2192} %s (%d steps)", from, to, o.steps))
  if o.json then
    rm.write_json(o.json, {model = o.model, from = from, to = to, intensity = o.intensity,
      freqs = format.grid_list(), steps = steps})
  end
end)
