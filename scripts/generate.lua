--- A word -> EQ settings, with optional variations around the word; or, with a SocialFX
-- word generator (scripts/train_generator.lua), a word -> curves that people make for it.
--
--   semeq scripts/generate.lua --model FILE --term warm [--intensity 0.7]
--                              [--variations 5 --spread 0.1] [--seed 1] [--json out.json] [--svg out.svg]
--   semeq scripts/generate.lua --model models/socialfx_words.safetensors --term warm
--                              [--samples 8] [--amount 1] [--seed 1] [--out curves.csv] [--realise graphic|parametric]
--
-- Semantic model: the setting decodes the word's centroid in the latent space. Variation
-- i decodes centroid + spread x sd x N(0, 1), where sd is the per-dimension spread of the
-- word's own training codes: a word the users agreed on varies little.
--
-- Word generator: --samples draws, one CSV row each (to --out, or standard output): the
-- 40 dB values of the curve in the data's band order (columns db_20Hz ... db_19682Hz),
-- Audealize's realisation at --amount (the curve spans +-5 x amount dB; 0 is flat). The
-- same --seed gives the same rows, and row K is the same for any --samples >= K
-- (scripts/apply.lua --sample K applies it). --realise adds the EQ that plays the curve's
-- sound inside its ranges (semeq.settings.realise): graphic, 40 gains gain_20Hz ...
-- within +-12 dB; parametric, the 13 SAFE parameters; both with fit_max_db, fit_rms_db.
local T = require "semeq.tensor"
local atomic = require "semeq.util.atomic"
local errors = require "semeq.util.errors"
local rm = require "semeq.recipes.model"
local format = require "semeq.settings.format"
local latent = require "semeq.semantic.latent"
local settings = require "semeq.settings"
local realise = require "semeq.settings.realise"

-- The flags that only a word generator reads, and those only a semantic model reads
-- (with their defaults, to tell whether they were given).
local GENERATOR_ONLY = {"samples", "amount", "out", "realise"}
local SEMANTIC_ONLY = {variations = 0, spread = 0.1, intensity = 1}

local function header(kind)
  local names = {}
  for i, f in ipairs(settings.graphic.centres) do names[i] = string.format("db_%gHz", f) end
  if kind == "graphic" then
    for _, f in ipairs(settings.graphic.centres) do names[#names + 1] = string.format("gain_%gHz", f) end
  elseif kind == "parametric" then
    for _, n in ipairs(settings.safe.names) do names[#names + 1] = n end
  end
  if kind then names[#names + 1] = "fit_max_db"; names[#names + 1] = "fit_rms_db" end
  return table.concat(names, ",")
end

local function csv_row(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = string.format("%.4f", v + 0) end
  return table.concat(out, ",")
end

-- The CSV of n curves of the generator for word w.
local function curves_csv(o, gen, w)
  local db = gen:curves(w, o.samples or 1, o.amount or 1)
  local lines = {header(o.realise)}
  for _, c in ipairs(db:totable()) do
    local row = {table.unpack(c)}
    if o.realise then
      local setting, max_db, rms_db = realise[o.realise](c)
      for _, v in ipairs(setting) do row[#row + 1] = v end
      row[#row + 1] = max_db
      row[#row + 1] = rms_db
    end
    lines[#lines + 1] = csv_row(row)
  end
  return table.concat(lines, "\n") .. "\n", db:size(1)
end

local function generate_curves(o, gen)
  for flag, default in pairs(SEMANTIC_ONLY) do
    if o[flag] ~= default then errors.usage(("--%s is for semantic models; a word generator takes --samples, --amount"):format(flag)) end
  end
  for _, flag in ipairs {"json", "svg"} do
    if o[flag] then errors.usage(("--%s is for semantic models; a word generator writes --out CSV"):format(flag)) end
  end
  local w = rm.word(gen, o.term)
  local text, n = curves_csv(o, gen, w)
  if not o.out then
    io.write(text)
    return
  end
  errors.check(atomic.write(o.out, text))
  print(string.format("'%s'%s: %d curve%s (amount %g, seed %d%s) written to %s", w,
    w ~= o.term and string.format(" (for '%s')", o.term) or "", n, n == 1 and "" or "s", o.amount or 1, o.seed,
    o.realise and ", realised as a " .. o.realise .. " EQ" or "", o.out))
end

errors.main("generate.lua", function()
  local o = rm.parse{name = "generate.lua", usage = "--model FILE --term WORD [options]",
    description = "Print the EQ settings a model gives a word, and variations around it; or write the curves a "
      .. "SocialFX word generator draws for it (CSV).",
    flags = {
      {"term", "string", nil, "the word"},
      {"intensity", "number", 1, "scale every gain by this", min = 0},
      {"variations", "integer", 0, "also print this many variations", min = 0, max = 100000},
      {"spread", "number", 0.1, "variation size, in units of the word's per-dimension sd", min = 0},
      {"json", "string", nil, "write the settings here (.json)"},
      {"svg", "string", nil, "write the response curves here (.svg)"},
      {"samples", "integer", nil, "word generator: curves to draw (default 1)", min = 1},
      {"amount", "number", nil, "word generator: Audealize amount, the curve spans +-5 x amount dB (default 1)", min = 0, max = 12},
      {"out", "string", nil, "word generator: write the curves here (.csv; default: standard output)"},
      {"realise", "string", nil, "word generator: also fit each curve to an EQ", choices = {"graphic", "parametric"}},
    }}
  require("semeq.recipes").check_outputs(o)  -- before any work: a typo costs nothing
  if not o.term then errors.usage("--term WORD is required") end
  local model, kind = rm.load_any(o)
  if kind == "generator" then return generate_curves(o, model) end
  for _, flag in ipairs(GENERATOR_ONLY) do
    if o[flag] ~= nil then errors.usage(("--%s needs a SocialFX word generator; this is a semantic model"):format(flag)) end
  end
  local sm = model
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
