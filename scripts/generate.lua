--- A word -> EQ settings, with optional variations around the word.
--
--   semeq scripts/generate.lua --model FILE --term warm [--intensity 0.7]
--                              [--variations 5 --spread 0.1] [--seed 1] [--json out.json] [--svg out.svg]
--
-- The setting decodes the word's centroid in the latent space. Variation i decodes
-- centroid + spread x sd x N(0, 1), where sd is the per-dimension spread of the word's
-- own training codes: a word the users agreed on varies little.
local T = require "semeq.tensor"
local errors = require "semeq.util.errors"
local rm = require "semeq.recipes.model"
local format = require "semeq.settings.format"
local latent = require "semeq.semantic.latent"

errors.main("generate.lua", function()
  local o = rm.parse{name = "generate.lua", usage = "--model FILE --term WORD [options]",
    description = "Print the EQ settings a model gives a word, and variations around it.",
    flags = {
      {"term", "string", nil, "the word"},
      {"intensity", "number", 1, "scale every gain by this", min = 0},
      {"variations", "integer", 0, "also print this many variations", min = 0, max = 100000},
      {"spread", "number", 0.1, "variation size, in units of the word's per-dimension sd", min = 0},
      {"json", "string", nil, "write the settings here (.json)"},
      {"svg", "string", nil, "write the response curves here (.svg)"},
    }}
  require("semeq.recipes").check_outputs(o)  -- before any work: a typo costs nothing
  if not o.term then errors.usage("--term WORD is required") end
  local sm = rm.load(o)
  local term = rm.term(sm, o.term)
  local centre = sm:term_code(term)

  local rows = {{label = term, eq = sm:eq_for(centre, o.intensity), code = centre}}
  if o.variations > 0 then
    local Z = latent.variations(sm, term, o.variations, o.spread)
    for i = 1, o.variations do
      local z = Z[i]:clone()
      rows[#rows + 1] = {label = string.format("%s ~%d", term, i), eq = sm:eq_for(z, o.intensity), code = z}
    end
  end
  for _, r in ipairs(rows) do r.db = format.response(r.eq) end

  print(string.format("'%s' (%s model, latent size %d, intensity %.2f%s)", term, rows[1].eq.kind, sm:latent_size(),
    o.intensity, o.variations > 0 and string.format(", %d variations with spread %.2f", o.variations, o.spread) or ""))
  rm.show(rows, o.svg, string.format("'%s' and variations", term))
  if o.json then
    local out = {}
    for i, r in ipairs(rows) do
      out[i] = format.json(r.eq, {label = r.label, code = T.isTensor(r.code) and r.code:totable() or nil})
    end
    rm.write_json(o.json, {model = o.model, term = term, intensity = o.intensity, spread = o.spread,
      seed = o.seed, freqs = format.grid_list(), settings = out})
  end
end)
