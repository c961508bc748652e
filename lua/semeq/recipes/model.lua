--- semeq.recipes.model: what the scripts that read a trained model share — their flags,
-- loading the model with one clear line when it cannot be read, and turning a word the
-- model does not know into a usage error that lists the words it knows.
--
--   local rm = require "semeq.recipes.model"
--   errors.main("generate.lua", function()
--     local o, args = rm.parse{name = "generate.lua", usage = "--model FILE --term WORD",
--                              description = "...", flags = {...}}
--     local sm = rm.load(o)                 -- --model required (exit 2); unreadable: exit 1
--     local key = rm.term(sm, o.term)       -- unknown word: exit 2, listing the model's words
--   end)
--   local m, kind = rm.load_any(o)          -- kind "generator" (a SocialFX word generator,
--                                           -- semeq.models.word_mixture) or "semantic"
--   local w = rm.word(m, o.term)            -- a generator's word (case, spaces, accents folded)
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"

local M = {}

--- Parses arg; --help prints and exits 0, bad flags are usage errors. Adds --model and --seed.
function M.parse(spec)
  local flags = {{"model", "string", nil, "trained semantic model file (.safetensors)"}}
  for _, f in ipairs(spec.flags or {}) do flags[#flags + 1] = f end
  flags[#flags + 1] = {"seed", "integer", 1, "random seed (for sampled codes)", min = 0}
  local p = cli.parser{name = spec.name, usage = spec.usage, description = spec.description, flags = flags}
  return p:parse_or_exit(spec.argv or arg)
end

--- The semantic model of --model (seeding the RNG with --seed): a usage error without
-- it, a failure naming the file if it cannot be read.
function M.load(o)
  if not o.model then errors.usage("--model FILE is required") end
  local sm = errors.check(require("semeq.semantic").load(o.model))
  require("semeq.tensor").manualSeed(o.seed or 1)
  return sm
end

--- The model's key for a word (case and spaces folded), or a usage error that lists
-- the words the model knows.
function M.term(sm, word)
  local key, err = sm:term(word)
  if not key then errors.usage(err) end
  return key
end

--- The model of --model as it is: a word generator (kind "generator") or a semantic
-- model (kind "semantic", as M.load gives it). Seeds the RNG with --seed.
function M.load_any(o)
  if not o.model then errors.usage("--model FILE is required") end
  local model = errors.check(require("semeq.models.io").load(o.model))
  if type(model) == "table" and model.config and model.config.kind == "word_mixture" then
    require("semeq.tensor").manualSeed(o.seed or 1)
    return model, "generator"
  end
  return M.load(o), "semantic"
end

--- A generator's word for what the user typed (lower case, trimmed; accents optional),
-- or a usage error naming the model's most frequent words.
function M.word(gen, word)
  local key = require("semeq.data.text").key(word)
  local w = gen:word(key) or gen:word(require("semeq.data.lexicon").fold(key))
  if w then return w end
  local counts = gen.config.fit and gen.config.fit.counts or {}
  local words = {}
  for _, v in ipairs(gen:words()) do words[#words + 1] = v end
  table.sort(words, function(a, b)
    local ca, cb = counts[a] or 0, counts[b] or 0
    if ca ~= cb then return ca > cb end
    return a < b
  end)
  errors.usage(string.format("unknown term '%s'; this model knows %d words, the most frequent: %s", word, #words,
    table.concat(words, ", ", 1, math.min(12, #words))))
end

--- Prints the settings of rows ({label=, eq=, db=}) and their responses, and draws
-- the response curves to svg (a path, or nil) under title.
function M.show(rows, svg, title)
  local format = require "semeq.settings.format"
  print(format.settings(rows))
  print()
  print(format.responses(rows))
  if svg then
    errors.check(require("semeq.eval.plot").responses(format.curves(rows), svg, {title = title}))
    print("response curves written to " .. svg)
  end
end

--- Writes value as JSON to path (atomically) and says so; a failure otherwise.
function M.write_json(path, value)
  errors.check(require("semeq.eval.report").write_json(path, value))
  print("JSON written to " .. path)
end

return M
