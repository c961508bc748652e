--- From one word to another through a model's latent space: the EQ of each step.
--
--   semeq scripts/interpolate.lua --model FILE --from warm --to bright [--steps 5]
--                                 [--intensity 1] [--svg curves.svg] [--json steps.json]
--
-- Step i of N decodes the code (1 - a) * centroid(from) + a * centroid(to) with
-- a = (i - 1) / (N - 1). Prints the settings (13 SAFE parameters, or a summary of the 40
-- bands) and their responses; the SVG draws all response curves.
local mc = require "semeq.modelcli"
local eqtable = require "semeq.eqtable"

local o, _, p = mc.parse{name = "interpolate.lua", usage = "--model FILE --from WORD --to WORD [options]",
  description = "Walk from one word to another through a model's latent space and print the EQ of each step.",
  flags = {
    {"from", "string", nil, "start word"},
    {"to", "string", nil, "end word"},
    {"steps", "integer", 5, "number of steps, both ends included (>= 2)"},
    {"intensity", "number", 1, "scale every gain by this"},
    {"svg", "string", nil, "write the response curves here (.svg)"},
    {"json", "string", nil, "write the steps here (.json)"},
  }}
if not (o.from and o.to) then p:die("give both --from and --to") end
if o.steps < 2 then p:die("--steps must be >= 2") end
local sm = mc.load(p, o)
mc.guard(p, sm.term_code, sm, o.from)
mc.guard(p, sm.term_code, sm, o.to)

local rows, steps = {}, {}
for i = 1, o.steps do
  local alpha = (i - 1) / (o.steps - 1)
  local setting = sm:eq_for(sm:interpolate(o.from, o.to, alpha), o.intensity)
  local label = string.format("%d a=%.2f", i, alpha)
  rows[i] = {label = label, eq = setting, db = eqtable.response(setting)}
  steps[i] = eqtable.json(setting, {step = i, alpha = alpha})
end

print(string.format("%s -> %s in %d steps (%s model, latent size %d, intensity %.2f)", o.from, o.to, o.steps,
  rows[1].eq.kind, sm:latent_size(), o.intensity))
print(eqtable.settings(rows))
print()
print(eqtable.responses(rows))
if o.svg then
  require("semeq.plot").responses(eqtable.curves(rows), o.svg,
    {title = string.format("%s \u{2192} %s (%d steps)", o.from, o.to, o.steps)})
  print("response curves written to " .. o.svg)
end
if o.json then
  mc.write_json(o.json, {model = o.model, from = o.from, to = o.to, intensity = o.intensity,
    freqs = eqtable.grid_list(), steps = steps})
end
