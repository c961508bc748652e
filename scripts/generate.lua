--- A word -> EQ settings, with optional variations around the word.
--
--   semeq scripts/generate.lua --model FILE --term warm [--intensity 0.7]
--                              [--variations 5 --spread 0.1] [--seed 1] [--json out.json] [--svg out.svg]
--
-- The setting decodes the word's centroid in the latent space. Variation i decodes
-- centroid + spread x sd x N(0, 1), where sd is the per-dimension spread of the word's
-- own training codes: a word the users agreed on varies little.
local T = require "semeq.tensor"
local mc = require "semeq.modelcli"
local eqtable = require "semeq.eqtable"
local latent = require "semeq.latent"

local o, _, p = mc.parse{name = "generate.lua", usage = "--model FILE --term WORD [options]",
  description = "Print the EQ settings a model gives a word, and variations around it.",
  flags = {
    {"term", "string", nil, "the word"},
    {"intensity", "number", 1, "scale every gain by this"},
    {"variations", "integer", 0, "also print this many variations"},
    {"spread", "number", 0.1, "variation size, in units of the word's per-dimension sd"},
    {"json", "string", nil, "write the settings here (.json)"},
    {"svg", "string", nil, "write the response curves here (.svg)"},
  }}
if not o.term then p:die("--term WORD is required") end
if o.variations < 0 then p:die("--variations must be >= 0") end
if o.spread < 0 then p:die("--spread must be >= 0") end
local sm = mc.load(p, o)
local centre = mc.guard(p, sm.term_code, sm, o.term)

local rows = {{label = o.term, eq = sm:eq_for(centre, o.intensity), code = centre}}
if o.variations > 0 then
  local Z = latent.variations(sm, o.term, o.variations, o.spread)
  for i = 1, o.variations do
    local z = Z[i]:clone()
    rows[#rows + 1] = {label = string.format("%s ~%d", o.term, i), eq = sm:eq_for(z, o.intensity), code = z}
  end
end
for _, r in ipairs(rows) do r.db = eqtable.response(r.eq) end

print(string.format("'%s' (%s model, latent size %d, intensity %.2f%s)", o.term, rows[1].eq.kind, sm:latent_size(),
  o.intensity, o.variations > 0 and string.format(", %d variations with spread %.2f", o.variations, o.spread) or ""))
print(eqtable.settings(rows))
print()
print(eqtable.responses(rows))
if o.svg then
  require("semeq.plot").responses(eqtable.curves(rows), o.svg, {title = string.format("'%s' and variations", o.term)})
  print("response curves written to " .. o.svg)
end
if o.json then
  local out = {}
  for i, r in ipairs(rows) do
    out[i] = eqtable.json(r.eq, {label = r.label, code = T.isTensor(r.code) and r.code:totable() or nil})
  end
  mc.write_json(o.json, {model = o.model, term = o.term, intensity = o.intensity, spread = o.spread,
    seed = o.seed, freqs = eqtable.grid_list(), settings = out})
end
